"""Assembles every PTX kernel image of an MLIR file with ptxas.

usage: check_ptx.py PTXAS ARCH FILE.mlir
Prints "assembled N of M kernels" and each ptxas failure.
"""
import re
import subprocess
import sys
import tempfile

ptxas, arch, path = sys.argv[1:4]
text = open(path).read()
images = re.findall(r'assembly = "((?:[^"\\]|\\.)*)"', text)
ok = 0
for image in images:
    ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                 image)
    with tempfile.NamedTemporaryFile("w", suffix=".ptx") as f:
        f.write(ptx)
        f.flush()
        r = subprocess.run([ptxas, "-arch=" + arch, f.name, "-o", "/dev/null"],
                           capture_output=True, text=True)
    if r.returncode:
        print("ptxas failed:", r.stderr.strip().replace("\n", " "))
    else:
        ok += 1
print("assembled %d of %d kernels" % (ok, len(images)))
