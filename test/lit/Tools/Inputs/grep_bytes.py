"""Says, for each string, whether the file's bytes contain it.

usage: grep_bytes.py FILE STRING...
"""
import sys

data = open(sys.argv[1], "rb").read()
for s in sys.argv[2:]:
    print("%s: %s" % (s, "found" if s.encode() in data else "absent"))
