#!/usr/bin/env python3
"""write-inputs.py HEADER DIR: reads the input table of a generated PREFIX.c next to HEADER
and writes DIR/good_<i>.npy (right shapes), DIR/bad_shape.npy and DIR/not-npy.npy."""
import os
import re
import sys

import numpy as np

header, out = sys.argv[1], sys.argv[2]
source = open(header[:-2] + ".c").read()
table = source.split("input_info[] = {", 1)[1].split("};", 1)[0]
tables = dict(re.findall(r"static const int64_t (\w+)\[\] = \{([^}]*)\};", source))
dtypes = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
for i, (name, dtype, dims) in enumerate(re.findall(r'\{"([^"]*)", "(\w+)", \d+, (\w+),', table)):
    shape = [int(d) for d in tables[dims].split(",")] if dims != "NULL" else []
    np.save(os.path.join(out, f"good_{i}.npy"), np.ones(shape, dtypes[dtype]))
np.save(os.path.join(out, "bad_shape.npy"), np.ones([7, 7], np.float32))
with open(os.path.join(out, "not-npy.npy"), "w") as f:
    f.write("not a numpy file\n")
