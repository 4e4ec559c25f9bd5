"""codegenharness.py: shared helpers of the code-generation e2e tests: compile an ONNX
model with gcim-compile, build the output folder with a C compiler, and run its program on
.npy inputs."""
import os
import subprocess
import tempfile

import numpy as np

STRICT_CFLAGS = "-O2 -Wall -Wextra -Wpedantic -Werror"
STEP_CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "step-check.c")


def gcim_compile():
    return os.environ.get("GCIM_COMPILE", "gcim-compile")


def compile_model(model_path, out_dir, *flags, prefix="model"):
    """gcim-compile MODEL -o OUT --emit-main --name PREFIX FLAGS...; raises with stderr."""
    cmd = [gcim_compile(), model_path, "-o", out_dir, "--emit-main", "--name", prefix,
           *flags]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def cached(cc):
    """`cc` run through ccache when the test's environment names one (GCIM_CCACHE, set by
    test/Integration/CMakeLists.txt): every generated folder holds the same runtime sources,
    which ccache then compiles once per compiler and flags instead of once per folder."""
    launcher = os.environ.get("GCIM_CCACHE")
    return f"{launcher} {cc}" if launcher else cc


def build(out_dir, cc="cc", cflags=STRICT_CFLAGS, ldflags=""):
    """make -C OUT with the given compiler and flags (warnings are errors by default)."""
    proc = subprocess.run(["make", "-C", out_dir, "-j2", f"CC={cached(cc)}", f"CFLAGS={cflags}",
                           f"LDFLAGS={ldflags}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building {out_dir} with {cc} failed:\n{proc.stdout}\n{proc.stderr}")


def build_step_check(out_dir, cc="cc", cflags=STRICT_CFLAGS, ldflags=""):
    """Builds step-check.c against OUT/libmodel.a (a folder compiled with --name model and a
    step function); returns the program's path."""
    program = os.path.join(out_dir, "step-check")
    cmd = [cc, *cflags.split(), "-std=c99", "-I", out_dir, "-I",
           os.path.join(out_dir, "runtime", "include"), STEP_CHECK,
           os.path.join(out_dir, "libmodel.a"), *ldflags.split(), "-lm", "-o", program]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building step-check in {out_dir} failed:\n{proc.stderr}")
    return program


def run_steps(program, out_dir, tokens):
    """step-check --dump: the logits of model_step over `tokens` after a reset, as a
    (len(tokens), V) float32 array."""
    with tempfile.TemporaryDirectory(prefix="gcim-steps-") as tmp:
        path = os.path.join(tmp, "steps.f32")
        cmd = [program, os.path.join(out_dir, "model.weights"), "--dump",
               ",".join(str(int(t)) for t in tokens), path]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
        return np.fromfile(path, dtype=np.float32).reshape(len(tokens), -1)


def generate(out_dir, prompt, count, prefix="model"):
    """OUT/PREFIX --generate COUNT --prompt PROMPT: the generated token ids, or its stderr
    when it fails (so that a check prints why)."""
    proc = subprocess.run([os.path.join(out_dir, prefix), "--generate", str(count), "--prompt",
                           ",".join(map(str, prompt))], capture_output=True, text=True)
    return [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else proc.stderr


def run_program(out_dir, prefix, inputs, extra=()):
    """Runs OUT/PREFIX on {name: array}; returns ({output file stem: array}, stderr)."""
    with tempfile.TemporaryDirectory(prefix="gcim-run-") as tmp:
        cmd = [os.path.join(out_dir, prefix), "--output-dir", os.path.join(tmp, "out")]
        for i, (name, array) in enumerate(inputs.items()):
            path = os.path.join(tmp, f"in{i}.npy")
            np.save(path, array)
            cmd += ["--input", f"{name}={path}"]
        cmd += list(extra)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
        out = os.path.join(tmp, "out")
        return {f[:-4]: np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))}


def read_tree(folder):
    """{relative path: bytes} of every file under `folder` except build products."""
    files = {}
    for root, _, names in os.walk(folder):
        for name in names:
            if name.endswith((".o", ".a")) or "." not in name and name != "Makefile":
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, folder)] = f.read()
    return files


def flatten(stats, prefix=""):
    """{"a.b": number} of a stats object."""
    flat = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)):
            flat[prefix + key] = float(value)
    return flat
