#!/usr/bin/env python3
"""check-bad-models.py DIR: runs gcim-compile --emit=onnx on every DIR/*.onnx (hand-made bad models and
inputs the fuzzer found) and checks that each ends with exit 1 and an `error:` diagnostic,
never a crash, a sanitizer report or a success."""
import glob
import os
import subprocess
import sys

bad = 0
models = sorted(glob.glob(os.path.join(sys.argv[1], "*.onnx")))
for path in models:
    result = subprocess.run(["gcim-compile", path, "-o", os.devnull], capture_output=True,
                            text=True)
    ok = (result.returncode == 1 and "error:" in result.stderr
          and "Sanitizer" not in result.stderr and "runtime error" not in result.stderr)
    if not ok:
        bad += 1
        print(f"FAILED ({result.returncode}): {path}\n{result.stderr}", file=sys.stderr)
print(f"check-bad-models: {len(models) - bad} of {len(models)} rejected cleanly")
sys.exit(1 if bad or not models else 0)
