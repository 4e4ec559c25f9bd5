#!/usr/bin/python3
"""codegen-f16.py: half-precision models as users bring them, through gcim-compile
(gcim-widen-float: computed in float32, the interface kept) and the generated C.

A GPT-style model exported by torch in float32 (Debian's torch cannot export a `.half()`
model on the CPU) is converted as onnxconverter-common's float16 conversion does
(gcim_models.user_models.to_float16: every tensor, value and Cast target float16), and to
bfloat16 the same way (round to nearest even). Each is compiled with --attention=digital.

References and tolerances:
- `widened`: the float32 model whose every float constant is rounded through the half type
  and back, i.e. exactly what gcim-widen-float computes, run by ONNX Runtime. The program
  computes the same float32 function and rounds only the logits: |gcim - widened| <=
  half an ulp of the half type at |widened| (2^-11 relative for float16, 2^-8 for
  bfloat16, at least the smallest normal's) plus 1e-4 * max(1, |widened|) for float32
  sums in another order (codegen-gpt2's bound). A constant not widened, or an op left in
  half precision, misses this by orders of magnitude.
- float16 only: ONNX Runtime on the same float16 file (it has no CPU kernels for bfloat16
  Add or MatMul). It rounds every op's result to float16, which gcim does not, so the two
  differ by the rounding of each intermediate: up to a few float16 ulps per op, through
  2 layers of about 15 ops. Bound: 0.02 * max(1, |ort|); measured: 0.016 the largest
  difference, 0.37 of the bound the closest (0.0075 at a logit of -0.037). It still
  catches a wrong kernel, mask or constant (errors of 0.1 and more).
- --generate: the tokens equal the greedy tokens of `widened`'s logits rounded to the half
  type (first maximum, as the program picks).
- --eval: the mean NLL equals the one of `widened`'s logits rounded to the half type within
  2 * (half an ulp at the largest |logit| + its float32 bound): changing every logit by at
  most d moves -log softmax(logits)[target] by at most 2 d.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models.export import ExportOptions, export_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402
from gcim_models.user_models import to_float16  # noqa: E402

F32_RTOL = 1e-4
ORT_F16_RTOL = 0.02
# Head dim 64: the exporter computes the attention scale from the shape (1 / sqrt(64)) and
# the importer folds it in the model's type; sqrt(64) = 8 is exact in either half type, so
# the folded scale equals the widened model's (sqrt(32) in float16 is 1.1e-4 off, as in a
# float16 runtime).
CONFIG = GPT2Config(layers=2, heads=2, head_dim=64, vocab=128, context=16, init_std=0.2)
PROMPT, COUNT = [5, 17, 3], 8
# Half an ulp relative to the value and the smallest normal of each half type.
HALF_ULP = {"float16": (2.0 ** -11, 2.0 ** -14), "bfloat16": (2.0 ** -8, 2.0 ** -126)}


def bfloat16_bits(values):
    """float32 values as bfloat16 bits, rounded to nearest even."""
    bits = np.ascontiguousarray(values, np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def through_bfloat16(values):
    return (bfloat16_bits(values).astype(np.uint32) << 16).view(np.float32)


def through_float16(values):
    with np.errstate(over="ignore"):  # the mask fill -3.4e38 becomes -inf, as converted
        return np.asarray(values, np.float32).astype(np.float16).astype(np.float32)


ROUND = {"float16": through_float16, "bfloat16": through_bfloat16}


def convert(model, tensor_fn, elem=None):
    """A copy of `model` with tensor_fn applied to every float32 initializer and constant,
    and, given `elem`, every float32 value and Cast target turned into `elem`."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph

    def convert_tensor(tensor):
        if tensor.data_type == TensorProto.FLOAT:
            tensor.CopyFrom(tensor_fn(tensor.name, numpy_helper.to_array(tensor)))

    for tensor in graph.initializer:
        convert_tensor(tensor)
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR:
                convert_tensor(attribute.t)
            if elem and node.op_type == "Cast" and attribute.name == "to" and \
                    attribute.i == TensorProto.FLOAT:
                attribute.i = elem
    for value in [*graph.input, *graph.output, *graph.value_info] if elem else []:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = elem
    return model


def to_bfloat16(model):
    return convert(model, lambda name, a: helper.make_tensor(
        name, TensorProto.BFLOAT16, a.shape, bfloat16_bits(a).tobytes(), raw=True),
        TensorProto.BFLOAT16)


def widened(model, half):
    """The float32 model with its constants rounded through `half`: what gcim computes."""
    return convert(model, lambda name, a: numpy_helper.from_array(ROUND[half](a), name))


def bound(half, ref):
    """The tolerance against `widened` (see the banner), elementwise."""
    relative, tiny = HALF_ULP[half]
    magnitude = np.abs(ref)
    return relative * np.maximum(magnitude, tiny) + F32_RTOL * np.maximum(1.0, magnitude)


def program(out, *args):
    proc = subprocess.run([os.path.join(out, "model"), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"model {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def greedy(reference_path, half):
    """The first-maximum tokens of the reference's logits rounded to `half`."""
    tokens = list(PROMPT)
    for _ in range(COUNT):
        ids = np.zeros((1, CONFIG.context), np.int64)
        ids[0, :len(tokens)] = tokens
        logits = run_ort(reference_path, {"input_ids": ids})["logits"][0, len(tokens) - 1]
        tokens.append(int(np.argmax(ROUND[half](logits))))
    return tokens[len(PROMPT):]


def mean_nll(logits, tokens):
    """Mean -log softmax(logits[t])[tokens[t + 1]] over the predicted positions."""
    logits = logits[:len(tokens) - 1].astype(np.float64)
    top = logits.max(-1, keepdims=True)
    log_z = np.log(np.exp(logits - top).sum(-1)) + top[:, 0]
    return float(np.mean(log_z - logits[np.arange(len(tokens) - 1), tokens[1:]]))


def check_half(check, tmp, proto, half, half_proto):
    path = os.path.join(tmp, f"{half}.onnx")
    reference = os.path.join(tmp, f"{half}-widened.onnx")
    onnx.save(half_proto, path)
    onnx.save(widened(proto, half), reference)
    out = os.path.join(tmp, half)
    proc = compile_model(path, out, "--attention=digital")
    check.expect(f"{half}: one note says the model was widened",
                 proc.stderr.count(f"note: a {half} model: computed in float32") == 1,
                 proc.stderr.strip())
    build(out)
    ids = np.random.RandomState(0).randint(0, CONFIG.vocab, (1, CONFIG.context)).astype(np.int64)
    got = run_program(out, "model", {"input_ids": ids})["logits"]
    want = run_ort(reference, {"input_ids": ids})["logits"]
    if half == "float16":
        check.expect("float16: the logits are float16, as the model declares",
                     got.dtype == np.float16, str(got.dtype))
    error = np.abs(got.astype(np.float32) - want)
    check.expect(f"{half}: logits vs the widened float32 model (ONNX Runtime) within half an "
                 f"ulp + {F32_RTOL} * max(1, |ref|)", bool((error <= bound(half, want)).all()),
                 f"worst excess {(error - bound(half, want)).max():.3g}, error {error.max():.3g}")
    if half == "float16":
        ort = run_ort(path, {"input_ids": ids})["logits"].astype(np.float32)
        check.close("float16: logits vs ONNX Runtime on the float16 file",
                    got.astype(np.float32), ort, ORT_F16_RTOL)

    tokens = [int(t) for t in program(out, "--generate", str(COUNT), "--prompt",
                                      ",".join(map(str, PROMPT))).split()]
    expected = greedy(reference, half)
    check.expect(f"{half}: --generate gives the widened model's greedy tokens",
                 tokens == expected, f"{tokens} vs {expected}")

    eval_tokens = ids[0]
    tokens_path = os.path.join(tmp, f"{half}-tokens.npy")
    np.save(tokens_path, eval_tokens)
    result = json.loads(program(out, "--eval", tokens_path, "--json"))
    rounded = ROUND[half](want[0])
    reference_nll = mean_nll(rounded, eval_tokens)
    slack = 2 * float(bound(half, np.abs(want).max()))
    nll = result["meanNll"]
    check.expect(f"{half}: --eval's mean NLL vs the widened model's rounded logits within "
                 f"{slack:.3g}", abs(nll - reference_nll) <= slack,
                 f"{nll} vs {reference_nll}")


def main():
    check = Checker(F32_RTOL)
    model = GPT2(CONFIG).eval()
    proto = export_model(model, ExportOptions(opset=17))
    with tempfile.TemporaryDirectory(prefix="gcim-f16-") as tmp:
        check_half(check, tmp, proto, "float16", to_float16(proto))
        check_half(check, tmp, proto, "bfloat16", to_bfloat16(proto))
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
