#!/usr/bin/python3
"""codegen-node-tests.py: the ONNX backend node tests (Debian's libonnx-testdata) run end
to end through the generated C: a conformance suite of the C emitter and the runtime
kernels.

For every node test whose model gcim-compile imports (`--emit=onnx`), the model is
compiled to C (`--attention=digital --emit-main --name model`), built with warnings as
errors, and run on every test_data_set_* (input_*.pb converted to .npy); every output is
compared with its output_*.pb: floats within |got - want| <= atol + rtol |want| (rtol
1e-4, atol 1e-5, NaN equal to NaN; the exceptions in TOLERANCES each say why), integers
and bools exactly, dtypes and shapes exactly.

The runtime is built once: every output folder holds the same runtime files (checked by
hash), so a model builds as model.c + model_main.c linked with one static library.
Prints a line per model, the counts, and a histogram of the failure reasons; exits 1
when fewer than --min-passed models pass.
"""
import argparse
import collections
import glob
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data/node"
CFLAGS = ["-std=c99", "-O1", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
RTOL, ATOL = 1e-4, 1e-5

# Tests compared with another tolerance than ours, (rtol, atol), and why.
TOLERANCES = {
    # onnx 1.12's reference truncates float32 to bfloat16; gcimKernelCast rounds to
    # nearest even (as ONNX Runtime, and the ONNX spec since 1.13): one bfloat16 step.
    "test_cast_FLOAT_to_BFLOAT16": (2.0 ** -7, 0.0),
}


def gcim_compile():
    return os.environ.get("GCIM_COMPILE", "gcim-compile")


class Result:
    """What happened to one node test: `stage` is the last stage reached (import, compile,
    build, run, passed) and `reason` the failure's histogram key."""

    def __init__(self, name):
        self.name, self.stage, self.reason, self.detail = name, "import", None, ""

    def fail(self, stage, reason, detail=""):
        self.stage, self.reason, self.detail = stage, reason, detail
        return self


def first_error(stderr):
    """The first `error:` line of a diagnostic, without its location."""
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return stderr.strip().splitlines()[0] if stderr.strip() else "no message"


def compile_reason(message):
    """The histogram key of a gcim-compile failure: the op and why, without names."""
    match = re.match(r"cannot generate C for '([^']*)': (.*)", message)
    if match:
        return f"emitter: {match.group(1)}: {match.group(2)}"
    return "compile: " + re.sub(r"'[^']*'", "'...'", message)


def run_reason(stderr):
    """The program's first error without file and tensor names."""
    message = first_error(stderr)
    message = re.sub(r"'[^']*/[^']*'", "FILE", message)
    message = re.sub(r"(input|output) '[^']*'", r"\1 '...'", message)
    message = re.sub(r" \(need little-endian.*", "", message)
    return "run: " + message


class Runtime:
    """The runtime library shared by every model: built from the first output folder;
    every later folder's runtime/ must hash the same."""

    def __init__(self, root, cc):
        self.root, self.cc = root, cc
        self.lock = threading.Lock()
        self.digest = None
        self.library = os.path.join(root, "libgcimruntime.a")
        self.include = os.path.join(root, "runtime", "include")

    @staticmethod
    def tree_digest(folder):
        digest = hashlib.sha256()
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                digest.update(os.path.relpath(path, folder).encode() + b"\0")
                with open(path, "rb") as f:
                    digest.update(f.read())
        return digest.hexdigest()

    def ensure(self, out_dir):
        """Builds the library from out_dir's runtime/ the first time; checks the hash."""
        digest = self.tree_digest(os.path.join(out_dir, "runtime"))
        with self.lock:
            if self.digest is None:
                shutil.copytree(os.path.join(out_dir, "runtime"),
                                os.path.join(self.root, "runtime"))
                sources = sorted(glob.glob(os.path.join(self.root, "runtime", "src", "*.c")) +
                                 glob.glob(os.path.join(self.root, "runtime", "main", "*.c")))
                objects = []
                flags = CFLAGS[:1] + ["-O2"] + CFLAGS[2:]
                procs = []
                for source in sources:
                    obj = source[:-2] + ".o"
                    objects.append(obj)
                    procs.append(subprocess.Popen(
                        [*self.cc, *flags, "-I", self.include, "-I",
                         os.path.join(self.root, "runtime", "src"), "-c", source, "-o", obj],
                        stderr=subprocess.PIPE, text=True))
                    if len(procs) >= 2:
                        wait_ok(procs.pop(0))
                for proc in procs:
                    wait_ok(proc)
                subprocess.run(["ar", "rcs", self.library, *objects], check=True)
                self.digest = digest
        if digest != self.digest:
            raise RuntimeError(f"{out_dir}/runtime differs from the first folder's runtime")


def wait_ok(proc):
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"building the runtime failed:\n{err}")


def graph_io(model):
    initializers = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in initializers]
    return inputs, list(model.graph.output)


def safe_name(name):
    out = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)
    return "_" if out in ("", ".", "..") else out


def read_tensor(path, value):
    """A TensorProto file as an array. A bfloat16 graph value (stored as raw uint16 bits
    by onnx 1.12's generator) becomes the float32 of the same value, which is how the
    program reads and writes bfloat16."""
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    array = numpy_helper.to_array(tensor)
    if (value.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16 and
            array.dtype == np.uint16):
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array


def compare(got, want, rtol, atol):
    """None if equal within the tolerance, else why not."""
    if got.dtype != want.dtype:
        return "wrong dtype", f"dtype {got.dtype}, expected {want.dtype}"
    if got.shape != want.shape:
        return "wrong shape", f"shape {got.shape}, expected {want.shape}"
    if want.dtype.kind == "f":
        g, w = got.astype(np.float64), want.astype(np.float64)
        both_nan = np.isnan(g) & np.isnan(w)
        with np.errstate(invalid="ignore"):
            ok = both_nan | (g == w) | (np.abs(g - w) <= atol + rtol * np.abs(w))
        if ok.all():
            return None
        bad = np.argwhere(~ok)
        i = tuple(bad[0])
        return ("wrong result",
                f"{len(bad)} of {want.size} values differ (rtol {rtol}, atol {atol}); "
                f"first at {i}: got {g[i]!r}, want {w[i]!r}")
    if np.array_equal(got, want):
        return None
    bad = np.argwhere(got != want)
    i = tuple(bad[0])
    return ("wrong result", f"{len(bad)} of {want.size} values differ (exact); first at "
                            f"{i}: got {got[i]!r}, want {want[i]!r}")


def numbered(data_set, pattern):
    """input_*.pb or output_*.pb of a data set, in numeric order."""
    return sorted(glob.glob(os.path.join(data_set, pattern)),
                  key=lambda p: int(re.findall(r"\d+", os.path.basename(p))[0]))


def compile_and_build(result, model_path, out, runtime, cc):
    """gcim-compile then cc; returns False after recording the failure in `result`."""
    proc = subprocess.run([gcim_compile(), model_path, "-o", out, "--attention=digital",
                           "--emit-main", "--name", "model"], capture_output=True, text=True)
    if proc.returncode != 0:
        imported = subprocess.run([gcim_compile(), "--emit=onnx", model_path, "-o",
                                   os.devnull], capture_output=True, text=True)
        if imported.returncode != 0:
            result.fail("import", None, first_error(imported.stderr))
        else:
            message = first_error(proc.stderr)
            result.fail("compile", compile_reason(message), message)
        return False
    try:
        runtime.ensure(out)
    except RuntimeError as error:
        result.fail("build", "runtime differs or fails to build", str(error))
        return False
    proc = subprocess.run([*cc, *CFLAGS, "-I", runtime.include, "-I", out,
                           os.path.join(out, "model.c"), os.path.join(out, "model_main.c"),
                           runtime.library, "-lm", "-o", os.path.join(out, "model")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        result.fail("build", "build: " + first_error(proc.stderr), proc.stderr)
        return False
    return True


def run_data_set(data_set, out, inputs, outputs, rtol, atol):
    """Runs the program on one data set; returns None or (reason, detail)."""
    run_dir = os.path.join(out, os.path.basename(data_set))
    os.makedirs(run_dir, exist_ok=True)
    cmd = [os.path.join(out, "model"), "--output-dir", os.path.join(run_dir, "out")]
    for i, (value, path) in enumerate(zip(inputs, numbered(data_set, "input_*.pb"))):
        npy = os.path.join(run_dir, f"input_{i}.npy")
        array = read_tensor(path, value)
        declared = [d.dim_value for d in value.type.tensor_type.shape.dim]
        if list(array.shape) != declared:
            return ("test data: an input's shape is not the model's",
                    f"input '{value.name}' {array.shape}, model {declared}")
        np.save(npy, array)
        cmd += ["--input", f"{value.name}={npy}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return run_reason(proc.stderr), proc.stderr.strip()
    for value, path in zip(outputs, numbered(data_set, "output_*.pb")):
        got = np.load(os.path.join(run_dir, "out", safe_name(value.name) + ".npy"))
        problem = compare(got, read_tensor(path, value), rtol, atol)
        if problem:
            return (problem[0], f"{os.path.basename(data_set)} output '{value.name}': "
                                f"{problem[1]}")
    return None


def check_model(model_dir, work, runtime, cc):
    name = os.path.basename(model_dir)
    result = Result(name)
    model_path = os.path.join(model_dir, "model.onnx")
    out = os.path.join(work, name)
    if not compile_and_build(result, model_path, out, runtime, cc):
        return result
    result.stage = "run"
    inputs, outputs = graph_io(onnx.load(model_path, load_external_data=False))
    rtol, atol = TOLERANCES.get(name, (RTOL, ATOL))
    for data_set in sorted(glob.glob(os.path.join(model_dir, "test_data_set_*"))):
        problem = run_data_set(data_set, out, inputs, outputs, rtol, atol)
        if problem:
            return result.fail("run", *problem)
    result.stage = "passed"
    shutil.rmtree(out, ignore_errors=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--min-passed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    # A command, as make takes $(CC): "ccache cc" is two words.
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"), type=shlex.split)
    parser.add_argument("--filter", default="", help="only tests whose name matches")
    parser.add_argument("--keep", help="keep the output folders in this directory")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the tables of docs/GeneratedC.md")
    args = parser.parse_args()

    start = time.time()
    model_dirs = sorted(d for d in glob.glob(os.path.join(args.data, "*"))
                        if os.path.exists(os.path.join(d, "model.onnx")) and
                        re.search(args.filter, os.path.basename(d)))
    work = args.keep or tempfile.mkdtemp(prefix="gcim-node-")
    os.makedirs(work, exist_ok=True)
    runtime_root = os.path.join(work, "_runtime")
    shutil.rmtree(runtime_root, ignore_errors=True)
    os.makedirs(runtime_root)
    runtime = Runtime(runtime_root, args.cc)
    try:
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda d: check_model(d, work, runtime, args.cc),
                                    model_dirs))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    stages = ["import", "compile", "build", "run", "passed"]
    reached = collections.Counter()
    histogram = collections.Counter()
    examples = {}
    ops = collections.Counter()
    for r in results:
        for stage in stages[:stages.index(r.stage) + 1]:
            reached[stage] += 1
        if r.stage == "import":
            continue
        if r.stage == "passed":
            print(f"PASS {r.name}")
            model = onnx.load(os.path.join(args.data, r.name, "model.onnx"),
                              load_external_data=False)
            for op in {n.op_type for n in model.graph.node}:
                ops[op] += 1
        else:
            print(f"FAIL {r.name}: {r.reason}: {r.detail.splitlines()[0] if r.detail else ''}")
            histogram[r.reason] += 1
            examples.setdefault(r.reason, r.name)
    imported = reached["compile"]
    compiled, built, passed = reached["build"], reached["run"], reached["passed"]
    failed = imported - passed
    print(f"\ncodegen-node-tests: {len(results)} node tests, {imported} imported, "
          f"{compiled} compiled, {built} built, {passed} passed, {failed} failed "
          f"(minimum {args.min_passed} passed; {time.time() - start:.0f} s)")
    print("\nfailures by reason:")
    for reason, count in histogram.most_common():
        print(f"  {count:4d}  {reason}  (e.g. {examples[reason]})")
    if args.markdown:
        print("\n| failure | models | for example |\n|---|---|---|")
        for reason, count in histogram.most_common():
            print(f"| {reason} | {count} | {examples[reason]} |")
        print("\n| op | passing models using it |\n|---|---|")
        for op, count in sorted(ops.items()):
            print(f"| {op} | {count} |")
    if passed < args.min_passed:
        print(f"codegen-node-tests: {passed} passed, below the minimum {args.min_passed}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
