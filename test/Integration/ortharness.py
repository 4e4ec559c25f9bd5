"""ortharness.py: shared helpers of the e2e tests: run a model through ort-run.js, compare
arrays with a printed tolerance, and count failures so a test exits non-zero.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
ORT_RUN = os.path.join(HERE, "ort-run.js")
sys.path.insert(0, os.path.join(SRC_ROOT, "python"))


def node_executable():
    return os.environ.get("GCIM_NODE", "node")


def run_ort(model_path, inputs, threads=1, opt_level="all", save_optimized=None):
    """Runs `model_path` on {name: ndarray} with ort-run.js; returns {output file stem: array}.
    `save_optimized`: a path where ONNX Runtime writes the graph it optimized."""
    with tempfile.TemporaryDirectory(prefix="gcim-ort-") as tmp:
        cmd = [node_executable(), ORT_RUN, model_path, "--output-dir", os.path.join(tmp, "out"),
               "--threads", str(threads), "--opt-level", opt_level]
        if save_optimized:
            cmd += ["--save-optimized", save_optimized]
        for name, array in inputs.items():
            file = os.path.join(tmp, f"in_{len(cmd)}.npy")
            np.save(file, array)
            cmd += ["--input", f"{name}={file}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ort-run.js failed ({proc.returncode}): {proc.stderr.strip()}")
        out_dir = os.path.join(tmp, "out")
        return {f[:-4]: np.load(os.path.join(out_dir, f)) for f in os.listdir(out_dir)
                if f.endswith(".npy")}



def load_test(name):
    """Another e2e test's module, `name` its file name without .py (which, as
    "user-exports-2", is not an identifier to import)."""
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

class Checker:
    """Collects comparisons; every one prints its tolerance and result.

    Tolerance: |got - ref| <= rtol * max(1, |ref|) elementwise (atol = rtol for |ref| <= 1).
    """

    def __init__(self, rtol):
        self.rtol = rtol
        self.failures = 0
        self.checks = 0

    def close(self, what, got, ref, rtol=None):
        rtol = self.rtol if rtol is None else rtol
        self.checks += 1
        got = np.asarray(got)
        ref = np.asarray(ref)
        if got.shape != ref.shape:
            self.failures += 1
            print(f"FAIL {what}: shape {list(got.shape)} != reference {list(ref.shape)}")
            return False
        if got.size == 0:
            print(f"ok   {what}: empty {list(got.shape)}")
            return True
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        bound = rtol * np.maximum(1.0, np.abs(ref.astype(np.float64)))
        excess = diff - bound
        worst = np.unravel_index(np.argmax(excess), diff.shape)
        ok = bool(np.all(np.isfinite(got)) and np.all(excess <= 0))
        status = "ok  " if ok else "FAIL"
        print(f"{status} {what}: max|diff| {diff.max():.3e}, tolerance {rtol:g} * max(1, |ref|) "
              f"(worst at {tuple(int(i) for i in worst)}: got {float(got[worst]):.7g}, "
              f"ref {float(ref[worst]):.7g}, max|ref| {np.abs(ref).max():.3g})")
        if not ok:
            self.failures += 1
        return ok

    def expect(self, what, condition, detail=""):
        self.checks += 1
        print(f"{'ok  ' if condition else 'FAIL'} {what}{': ' + detail if detail else ''}")
        if not condition:
            self.failures += 1
        return condition

    def run(self, part, *args):
        """part(self, *args); an exception it raises (a failing compile or build) is a failed
        check naming the part, and the next part still runs."""
        try:
            part(self, *args)
        except Exception as error:
            self.expect(f"{part.__name__} ran", False, str(error)[-1500:])

    def finish(self, name):
        if self.checks == 0:
            print(f"{name}: FAIL: no checks ran")
            return 1
        print(f"{name}: {self.checks - self.failures}/{self.checks} checks passed")
        return 1 if self.failures else 0
