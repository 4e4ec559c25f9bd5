#!/usr/bin/env python3
"""corrupt.py IN OUT flip|truncate: a damaged copy of a weights file (one data byte
flipped, or the last byte cut off)."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
if sys.argv[3] == "flip":
    data[-1] ^= 0xFF
else:
    data = data[:-1]
open(sys.argv[2], "wb").write(bytes(data))
