#!/usr/bin/python3
"""cli.py: e2e test of the command-line tools: ort-run.js (.npy round trip of every
supported dtype through Identity models, v1 and v2 headers, 0-d and empty tensors, errors
with exit status 1 and no partial output), export_gpt2.py (summary line, determinism, external
data giving the same ONNX Runtime result as embedded weights, errors with exit status 1) and
make_attention_models.py's errors.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ortharness import ORT_RUN, SRC_ROOT, Checker, node_executable, run_ort  # noqa: E402

EXPORT = os.path.join(SRC_ROOT, "python", "export_gpt2.py")

DTYPES = [(np.float32, TensorProto.FLOAT), (np.float64, TensorProto.DOUBLE),
          (np.int64, TensorProto.INT64), (np.int32, TensorProto.INT32),
          (np.bool_, TensorProto.BOOL), (np.uint8, TensorProto.UINT8),
          (np.int8, TensorProto.INT8), (np.float16, TensorProto.FLOAT16)]


def identity_model(path):
    nodes, inputs, outputs = [], [], []
    for i, (_, elem) in enumerate(DTYPES):
        nodes.append(helper.make_node("Identity", [f"in{i}"], [f"out/{i}:x"]))
        inputs.append(helper.make_tensor_value_info(f"in{i}", elem, None))
        outputs.append(helper.make_tensor_value_info(f"out/{i}:x", elem, None))
    model = helper.make_model(helper.make_graph(nodes, "identity", inputs, outputs),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def test_ort_run(check, tmp):
    model = os.path.join(tmp, "identity.onnx")
    identity_model(model)
    rng = np.random.default_rng(0)
    shapes = [(2, 3), (4,), (), (1, 0, 3), (2, 1, 2, 2), (5,), (3, 2), (1,)]
    arrays = {}
    for i, ((dtype, _), shape) in enumerate(zip(DTYPES, shapes)):
        arrays[f"in{i}"] = (rng.standard_normal(shape) * 100).astype(dtype)
    # Also a v2 header: written by hand with numpy's format module.
    cmd = [node_executable(), ORT_RUN, model, "--output-dir", os.path.join(tmp, "out")]
    for name, array in arrays.items():
        file = os.path.join(tmp, name + ".npy")
        with open(file, "wb") as f:
            np.lib.format.write_array(f, array, version=(2, 0) if name == "in0" else (1, 0))
        cmd += ["--input", f"{name}={file}"]
    proc = run(cmd)
    check.expect("ort-run.js runs the identity model", proc.returncode == 0, proc.stderr.strip())
    for i, (dtype, _) in enumerate(DTYPES):
        file = os.path.join(tmp, "out", f"out_{i}_x.npy")  # '/' and ':' become '_'
        if not check.expect(f"output 'out/{i}:x' written as out_{i}_x.npy", os.path.exists(file)):
            continue
        got = np.load(file)
        ref = arrays[f"in{i}"]
        check.expect(f"{np.dtype(dtype).name} {list(ref.shape)} round trip",
                     got.dtype == ref.dtype and got.shape == ref.shape
                     and np.array_equal(got, ref), f"got {got.dtype} {list(got.shape)}")

    def expect_error(what, args, message):
        out_dir = os.path.join(tmp, "err-out")
        proc = run([node_executable(), ORT_RUN] + args)
        check.expect(f"ort-run.js {what}: exit 1, '{message}'",
                     proc.returncode == 1 and message in proc.stderr
                     and not os.path.exists(out_dir),
                     f"status {proc.returncode}: {proc.stderr.strip()[:200]}")

    bad = os.path.join(tmp, "bad.npy")
    with open(bad, "wb") as f:
        f.write(b"not an npy file")
    big_endian = os.path.join(tmp, "be.npy")
    np.save(big_endian, np.zeros(3, dtype=">f4"))
    out = ["--output-dir", os.path.join(tmp, "err-out")]
    inputs = [a for i in range(1, len(DTYPES)) for a in
              ("--input", f"in{i}={os.path.join(tmp, f'in{i}.npy')}")]
    expect_error("without a model", out, "no model given")
    expect_error("on a missing model", ["nope.onnx"] + out, "cannot read model 'nope.onnx'")
    expect_error("with a bad option", [model, "--frob"] + out, "unknown option '--frob'")
    expect_error("with a malformed --input", [model, "--input", "x"] + out, "bad --input 'x'")
    expect_error("on a non-npy file", [model, "--input", f"in0={bad}"] + inputs + out,
                 "not a supported .npy file: bad magic")
    expect_error("on big-endian data", [model, "--input", f"in0={big_endian}"] + inputs + out,
                 "dtype '>f4'")
    expect_error("with a missing input", [model] + inputs + out, "no value given for input(s) 'in0'")
    expect_error("with an unknown input",
                 [model, "--input", f"zz={os.path.join(tmp, 'in0.npy')}"] + out,
                 "model has no input 'zz'")
    expect_error("with a wrong input type",
                 [model, "--input", f"in0={os.path.join(tmp, 'in2.npy')}"] + inputs + out,
                 "onnxruntime failed to run")
    env = dict(os.environ, GCIM_ORT_MODULE=os.path.join(tmp, "no-such-module"))
    proc = subprocess.run([node_executable(), ORT_RUN, model] + out, capture_output=True,
                          text=True, env=env)
    check.expect("ort-run.js with a bad GCIM_ORT_MODULE: exit 1, names it",
                 proc.returncode == 1 and "GCIM_ORT_MODULE" in proc.stderr, proc.stderr.strip())


def test_export(check, tmp):
    common = ["--layers", "1", "--heads", "2", "--head-dim", "32", "--vocab", "64",
              "--context", "16", "--seed", "3"]
    embedded = os.path.join(tmp, "embedded.onnx")
    proc = run([sys.executable, EXPORT] + common + ["-o", embedded])
    check.expect("export_gpt2.py prints a one-line summary",
                 proc.returncode == 0 and proc.stdout.count("\n") == 1
                 and proc.stdout.startswith(f"export_gpt2: wrote {embedded}: 1 layers"),
                 proc.stdout.strip() + proc.stderr.strip()[-300:])
    again = os.path.join(tmp, "again.onnx")
    other_seed = os.path.join(tmp, "seed4.onnx")
    run([sys.executable, EXPORT] + common + ["-o", again])
    run([sys.executable, EXPORT] + common + ["--seed", "4", "-o", other_seed])
    with open(embedded, "rb") as f1, open(again, "rb") as f2, open(other_seed, "rb") as f3:
        a, b, c = f1.read(), f2.read(), f3.read()
    check.expect("export_gpt2.py is deterministic: same seed, same bytes; other seed differs",
                 a == b and a != c)
    external = os.path.join(tmp, "external.onnx")
    proc = run([sys.executable, EXPORT] + common + ["--external-data", "-o", external])
    data = external + ".data"
    locations = set()
    if proc.returncode == 0:
        model = onnx.load(external, load_external_data=False)
        locations = {e.value for t in model.graph.initializer for e in t.external_data
                     if e.key == "location"}
    check.expect("--external-data writes <model>.data and points the model at it",
                 proc.returncode == 0 and os.path.exists(data)
                 and locations == {"external.onnx.data"}
                 and not [f for f in os.listdir(tmp) if f.endswith(".tmp")],
                 f"{proc.stderr.strip()[-300:]} locations {locations}")
    ids = np.arange(16, dtype=np.int64).reshape(1, 16) % 64
    a = run_ort(embedded, {"input_ids": ids})["logits"]
    b = run_ort(external, {"input_ids": ids})["logits"]
    check.expect("external-data model gives the embedded model's logits", np.array_equal(a, b))

    def expect_error(what, args, message):
        out = os.path.join(tmp, "bad.onnx")
        if os.path.exists(out):
            os.unlink(out)
        proc = run([sys.executable, EXPORT] + args + ["-o", out])
        check.expect(f"export_gpt2.py {what}: exit 1, '{message}'",
                     proc.returncode == 1 and message in proc.stderr
                     and not os.path.exists(out), proc.stderr.strip()[-300:])

    expect_error("with seq > context", common + ["--seq", "17"], "exceeds the context 16")
    expect_error("with a past but no cache", common + ["--seq", "4", "--past", "2"],
                 "a past length needs --kv-cache")
    expect_error("with zero heads", ["--heads", "0"], "heads must be positive")
    expect_error("with a bad opset (usage error)", ["--opset", "15"], "invalid choice: 15")
    forms = os.path.join(SRC_ROOT, "python", "make_attention_models.py")
    out = os.path.join(tmp, "form.onnx")
    proc = run([sys.executable, forms, "--form", "nope", "-o", out])
    check.expect("make_attention_models.py with an unknown form: exit 1, lists the forms",
                 proc.returncode == 1 and "unknown form 'nope'" in proc.stderr
                 and "hardsigmoid-clip" in proc.stderr and not os.path.exists(out),
                 proc.stderr.strip()[-300:])
    proc = run([sys.executable, forms, "--form", "hardsigmoid"])
    check.expect("make_attention_models.py without -o: exit 1",
                 proc.returncode == 1 and "--form needs -o" in proc.stderr, proc.stderr.strip())
    proc = run([sys.executable, EXPORT] + common + ["-o", os.path.join(tmp, "no", "m.onnx")])
    check.expect("export_gpt2.py into a missing directory: exit 1",
                 proc.returncode == 1 and "does not exist" in proc.stderr, proc.stderr.strip())


def main():
    check = Checker(0)
    with tempfile.TemporaryDirectory(prefix="gcim-cli-") as tmp:
        test_ort_run(check, tmp)
        test_export(check, tmp)
    return check.finish("cli")


if __name__ == "__main__":
    sys.exit(main())
