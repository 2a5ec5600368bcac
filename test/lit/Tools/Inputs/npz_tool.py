"""Test helper for tmix-run.test: writes .npy/.npz fixtures with NumPy, checks
files tmix-run wrote, and asserts exact exit codes (`not` only inverts).

  npz_tool.py make DIR               write the fixtures into DIR
  npz_tool.py same GOT.npz WANT.npz  NumPy reads GOT and it equals WANT
  npz_tool.py exit CODE CMD...       run CMD, fail unless it exits CODE
"""

import os
import subprocess
import sys
import zipfile

import numpy as np


def make(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5
    y = 2 * x

    # The default fake model: y = 2*x.
    np.save(p("x.npy"), x)
    np.savez(p("in.npz"), x=x, unused=np.zeros(3))
    np.savez_compressed(p("in_z.npz"), x=x)
    np.savez(p("want.npz"), y=y)
    np.savez_compressed(p("want_z.npz"), y=y, extra=np.ones(2))
    # Within the default tolerances, then not.
    np.savez(p("close.npz"), y=y + np.float32(5e-5))
    bad = y.copy()
    bad[1, 2] += 1
    np.savez(p("bad.npz"), y=bad)
    nan = y.copy()
    nan[0, 0] = np.nan
    np.savez(p("nan_x.npz"), x=nan / 2)
    np.savez(p("nan_y.npz"), y=nan)
    np.savez(p("want_shape.npz"), y=y.reshape(3, 2))
    np.savez(p("want_missing.npz"), z=y)
    np.savez(p("wrong_shape.npz"), x=np.zeros((2, 4), np.float32))
    np.savez(p("wrong_dtype.npz"), x=x.astype(np.int64))
    np.savez(p("other.npz"), z=x)

    # The FAKE_MULTI model.
    ids = np.array([-1, 0, 1, 5], dtype=np.int64)
    w = np.array([1, 2, -0.5], dtype=np.float32)  # fed to a bfloat16 input
    np.savez(p("multi_in.npz"), x=x, ids=ids, w=w)
    np.savez_compressed(
        p("multi_want.npz"),
        y=y,
        h=x.astype(np.float16),
        d=x.astype(np.float64),
        s=ids + 1,
        m=ids > 0,
        b=(x * w).astype(np.float32),
    )

    # Broken files.
    with open(p("in.npz"), "rb") as f:
        whole = f.read()
    with open(p("truncated.npz"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    with open(p("garbage.npz"), "wb") as f:
        f.write(np.random.default_rng(1).bytes(300))
    with open(p("empty.npz"), "wb") as f:
        pass
    # A flipped data byte: the CRC catches it.
    crc = bytearray(whole)
    crc[whole.index(b"NUMPY") + 130] ^= 0xFF  # in x's data
    with open(p("crc.npz"), "wb") as f:
        f.write(bytes(crc))
    with open(p("x.npy"), "rb") as f:
        npy = f.read()
    with open(p("short.npy"), "wb") as f:
        f.write(npy[:-4])
    with open(p("badmagic.npy"), "wb") as f:
        f.write(b"\x93NUMPZ" + npy[6:])
    np.save(p("fortran.npy"), np.asfortranarray(x))
    np.save(p("big.npy"), x.astype(">f4"))
    np.save(p("c64.npy"), x.astype(np.complex64))
    with zipfile.ZipFile(p("bzip2.npz"), "w", zipfile.ZIP_BZIP2) as z:
        z.writestr("x.npy", npy)
    # Zip64 everywhere: shrink zipfile's limit so that the central
    # directory gives sizes and offsets in zip64 extra fields, then mark the
    # classic end record's fields as "see the zip64 end record".
    limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 16
    try:
        with zipfile.ZipFile(p("zip64.npz"), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("readme.txt", "not an array")
            z.writestr("x.npy", npy)
    finally:
        zipfile.ZIP64_LIMIT = limit
    with open(p("zip64.npz"), "r+b") as f:
        f.seek(-22 + 8, os.SEEK_END)
        f.write(b"\xff" * 12)

    with open(p("notalib.so"), "w") as f:
        f.write("not an ELF file\n")


def same(got_path, want_path):
    got, want = np.load(got_path), np.load(want_path)
    if sorted(got.files) != sorted(want.files):
        sys.exit(f"names differ: {sorted(got.files)} vs {sorted(want.files)}")
    for name in want.files:
        a, b = got[name], want[name]
        if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a, b):
            sys.exit(f"{name}: got {a.dtype}{a.shape} {a}, want {b.dtype}{b.shape} {b}")
    print("same: " + " ".join(sorted(want.files)))


def main():
    command = sys.argv[1]
    if command == "make":
        make(sys.argv[2])
    elif command == "same":
        same(sys.argv[2], sys.argv[3])
    elif command == "exit":
        code = int(sys.argv[2])
        result = subprocess.run(sys.argv[3:])
        if result.returncode != code:
            sys.exit(f"exit status {result.returncode}, expected {code}")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
