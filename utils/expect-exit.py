#!/usr/bin/env python3
"""expect-exit.py CODE COMMAND...: run COMMAND, pass its output through, and succeed
only if it exits with exactly CODE (lit's `not` accepts any non-zero code)."""
import subprocess
import sys

expected = int(sys.argv[1])
actual = subprocess.run(sys.argv[2:]).returncode
if actual != expected:
    print(f"expect-exit: '{' '.join(sys.argv[2:])}' exited with {actual}, expected {expected}",
          file=sys.stderr)
    sys.exit(1)
