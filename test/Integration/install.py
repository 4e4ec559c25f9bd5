#!/usr/bin/python3
"""install.py: e2e test of `cmake --install`: the installed tree, moved elsewhere, is
self-contained. Its gcim-compile writes the same folder as the build tree's (the runtime
sources and dialects are embedded), and a program built only with
`pkg-config --cflags --libs gcim-runtime` runs the installed simulator library on one head
and agrees with the numpy model of the hardware (python/gcim_reference) within the
simulator's tolerance (at most 0.1 % of outputs one output step off, the rest 1e-5).
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from codegenharness import STRICT_CFLAGS, read_tree  # noqa: E402
from ortharness import Checker  # noqa: E402

from gcim_reference import DEFAULT_SCALES, Params, attention, compare  # noqa: E402

T, D = 200, 64

# One head of the default hardware over T tokens: q, k, v, out as raw float32 (T, D).
PROGRAM = r"""
#include <gcim/Runtime/Sim.h>
#include <stdio.h>
#include <stdlib.h>

enum { T = %d, D = %d };

static int readAll(const char *path, float *data) {
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(data, sizeof *data, (size_t)T * D, f) : 0;
  if (f)
    fclose(f);
  return n == (size_t)T * D ? 0 : -1;
}

int main(int argc, char **argv) {
  static float q[T * D], k[T * D], v[T * D], out[T * D];
  if (argc != 5 || readAll(argv[1], q) || readAll(argv[2], k) || readAll(argv[3], v))
    return 2;
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimSimHead *head = NULL;
  if (gcimSimHeadCreate(&hw, D, NULL, 0, NULL, &head) != GCIM_SIM_OK)
    return 3;
  gcimSimHeadRunSequence(head, T, q, k, v, out);
  gcimSimHeadDestroy(head);
  FILE *f = fopen(argv[4], "wb");
  int ok = f && fwrite(out, sizeof *out, (size_t)T * D, f) == (size_t)T * D;
  return f && fclose(f) == 0 && ok ? 0 : 4;
}
""" % (T, D)


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}"
                           f"{proc.stderr}")
    return proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True, help="the CMake build folder to install")
    args = parser.parse_args()
    check = Checker(1e-5)
    model = os.path.join(SRC_ROOT, "examples", "copy_task.onnx")
    with tempfile.TemporaryDirectory(prefix="gcim-install-") as tmp:
        staged = os.path.join(tmp, "staged")
        run(["cmake", "--install", args.build, "--prefix", staged])
        prefix = os.path.join(tmp, "moved")  # the tree must not depend on where it was put
        shutil.move(staged, prefix)
        for tool in ("gcim-compile", "gcim-opt", "gcim-sim", "gcim-report"):
            check.expect(f"bin/{tool} installed and runs",
                         "gcim" in run([os.path.join(prefix, "bin", tool), "--version"]))
        check.expect("bin/gcim-sweep installed and runs",
                     "gcim-sweep" in run([os.path.join(prefix, "bin", "gcim-sweep"), "--help"]))

        installed, built = os.path.join(tmp, "installed"), os.path.join(tmp, "built")
        run([os.path.join(prefix, "bin", "gcim-compile"), model, "-o", installed])
        run([os.environ["GCIM_COMPILE"], model, "-o", built])
        check.expect("the installed gcim-compile writes the build tree's folder, byte for byte",
                     read_tree(installed) == read_tree(built))

        pcdirs = glob.glob(os.path.join(prefix, "lib*", "**", "pkgconfig"), recursive=True)
        check.expect("one pkgconfig folder with gcim-runtime.pc", len(pcdirs) == 1 and
                     os.path.exists(os.path.join(pcdirs[0], "gcim-runtime.pc")), str(pcdirs))
        env = dict(os.environ, PKG_CONFIG_PATH=pcdirs[0])
        flags = run(["pkg-config", "--cflags", "--libs", "gcim-runtime"], env=env).split()
        source = os.path.join(tmp, "head.c")
        with open(source, "w") as f:
            f.write(PROGRAM)
        program = os.path.join(tmp, "head")
        run(["cc", "-std=c99", *STRICT_CFLAGS.split(), source, "-o", program, *flags])

        rng = np.random.default_rng(7)
        q, k, v = (rng.standard_normal((1, 1, T, D)).astype(np.float32) for _ in range(3))
        paths = [os.path.join(tmp, f"{name}.f32") for name in ("q", "k", "v", "out")]
        for array, path in zip((q, k, v), paths):
            array.tofile(path)
        run([program, *paths])
        got = np.fromfile(paths[3], dtype=np.float32).reshape(1, 1, T, D)
        p = Params()
        ok, message = compare(got, attention(q, k, v, None, p), [DEFAULT_SCALES], p)
        check.expect("a program linked by pkg-config against the installed runtime "
                     "computes the hardware model", ok, message)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
