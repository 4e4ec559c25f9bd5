"""make-inputs.py DIR: small .npy inputs (good and bad) for the gcim-sim lit tests."""
import os
import sys

import numpy as np

d = sys.argv[1]
rng = np.random.default_rng(0)
save = lambda name, x: np.save(os.path.join(d, name), x)  # noqa: E731
save("q.npy", rng.standard_normal((1, 2, 3, 4)).astype("<f4"))
save("k5.npy", np.zeros((1, 2, 3, 5), "<f4"))
save("rank3.npy", np.zeros((2, 3, 4), "<f4"))
save("s3.npy", np.zeros((3, 8), "<f4"))
save("i64.npy", np.zeros((1, 2, 3, 4), "<i8"))
save("big.npy", np.zeros((1, 2, 3, 4), ">f4"))
save("fortran.npy", np.asfortranarray(np.zeros((1, 2, 3, 4), "<f4")))
with open(os.path.join(d, "bad-hw.json"), "w") as f:
    f.write('{\n  "window": 64,\n  "kv": {"step": 0.1}\n}\n')
