#!/usr/bin/python3
"""user-exports.py: models written and exported the way users write and export them
(python/gcim_models/user_models.py: torch.nn.MultiheadAttention, nn.TransformerEncoder,
TransformerDecoderLayer, nn.Transformer, hand-written GPT blocks; torch.onnx at opsets 14
and 17, dynamic_axes, unnamed inputs and outputs, initializers listed as graph inputs,
external data, an unused input and an extra output) through gcim-compile and the generated
C, against ONNX Runtime; and the refusals of the forms gcim does not take.

Checks:
- every attention of the torch modules fuses (the gcim.attention count of --emit=gcim, no
  "not recognised" warning), except the two forms the hardware cannot take, which run
  digitally with the warning naming the reason: nn.MultiheadAttention's need_weights=True
  (the weights are an output) and a key_padding_mask (a run-time mask) kept exact by
  --padding-mask=exact; under --attention=analog the key_padding_mask attention is fused
  assuming no padding and the program refuses a padded batch naming the input;
- digital builds (--attention=digital) match ONNX Runtime within 1e-4 * max(1, |ref|)
  (float32 in both, the sums in another order: up to 5e-7 seen);
- the GPT block and a causal LM on nn.MultiheadAttention exported with dynamic axes run at
  two lengths and their --generate equals ONNX Runtime's greedy tokens (the rank-3
  attention streamed token by token);
- multi-query attention written by broadcasting (one k/v head that the MatMuls broadcast
  over 4 query heads) fuses and matches ONNX Runtime (digital, within 1e-4 * max(1, |ref|));
  on the gain cells --gqa=share takes the sub-tiles of one head where --gqa=replicate
  takes those of 4 (16 vs 64 in the report), with outputs equal bit for bit;
- --attention=analog builds of the self-attention forms run every attention on the
  simulated gain cells: --stats equals the report's perRun and counts every head; the
  outputs are finite and differ from the exact ones (the untrained models are not adapted
  to the hardware, so their values are not compared: the gain-cell function itself is
  checked against the numpy hardware model by codegen-analog and codegen-llm);
- refusals (a dynamic input without a shape, cross-attention under
  --attention=analog) exit 1 with a message naming the input or node and what to do, and
  leave no output folder; the zoo converted to float16 compiles (codegen-f16 checks the
  numbers of float16 models).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, flatten, gcim_compile, run_program  # noqa: E402,E501
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models import user_models as um  # noqa: E402

RTOL = 1e-4
# Heads on the gain cells: each torch attention computes batch (2) x heads (2) = 4 heads
# (3 MultiheadAttention, 2 x 2 encoder layers), each GPT block 1 x 2 (2 blocks).
ZOO_HEADS = 7 * 4 + 2 * 2
GENERATE_PROMPT, GENERATE_COUNT = [3, 14, 15], 5


def save(proto, path, external=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if external:
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(path) + ".data", size_threshold=0)
    else:
        onnx.save(proto, path)
    return path


def gcim(*args):
    return subprocess.run([gcim_compile(), *args], capture_output=True, text=True)


def count_attentions(path, *flags):
    """(gcim.attention ops in --emit=gcim, stderr of that compile)."""
    proc = gcim(path, "--emit=gcim", *flags)
    return proc.stdout.count('"gcim.attention"'), proc.stderr


def check_against_ort(check, what, path, out, feeds, rtol):
    ref, got = run_ort(path, feeds), run_program(out, "model", feeds)
    for name, want in sorted(ref.items()):
        check.close(f"{what}: {name} vs ONNX Runtime", got.get(name, np.zeros(0)), want, rtol)
    return got


def check_refusal(check, what, tmp, path, flags, expected):
    out = os.path.join(tmp, "refused")
    proc = gcim(path, "-o", out, *flags)
    check.expect(f"{what}: refused with exit 1", proc.returncode == 1,
                 f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    check.expect(f"{what}: the message says why and what to do", expected in proc.stderr,
                 f"expected {expected!r} in {proc.stderr.strip()[-400:]!r}")
    check.expect(f"{what}: no output folder is left", not os.path.exists(out))


def zoo_feeds(zoo, inputs):
    return {name: t.numpy() for name, t in zip(zoo.inputs, inputs)}


def check_zoo(check, tmp):
    """Every fusable form at opset 17 and at opset 14 (LayerNorm decomposed) with the
    initializers listed as graph inputs (torch's keep_initializers_as_inputs, IR 3 style),
    digital against ONNX Runtime; the forms without cross-attention on the gain cells."""
    torch.manual_seed(0)
    zoo = um.Zoo()
    inputs = zoo.example_inputs()
    feeds = zoo_feeds(zoo, inputs)
    forms = [("opset 17", um.export(zoo, inputs, zoo.inputs, zoo.outputs, 17)),
             ("opset 14, unnamed inputs and outputs, initializers as inputs, external data, "
              "an unused input and an input echoed", um.with_unused_io(
                  um.export(zoo, inputs, None, None, 14, keep_initializers_as_inputs=True)))]
    for i, (what, proto) in enumerate(forms):
        path = save(proto, os.path.join(tmp, f"zoo{i}", "model.onnx"), external=i == 1)
        if i == 1:  # torch's own names (say 'onnx::Transpose_0', '208')
            names = [value.name for value in proto.graph.input[:len(zoo.inputs)]]
            feeds = {name: t.numpy() for name, t in zip(names, inputs)}
            feeds["unused"] = np.zeros(3, np.float32)
        fused, err = count_attentions(path, "--attention=digital")
        check.expect(f"zoo {what}: every attention fuses",
                     fused == zoo.attentions and "not recognised" not in err,
                     f"{fused} of {zoo.attentions} gcim.attention; {err.strip()[-300:]}")
        out = os.path.join(tmp, f"zoo{i}-out")
        compile_model(path, out, "--attention=digital")
        build(out)
        check_against_ort(check, f"zoo {what}", path, out, feeds, RTOL)

    torch.manual_seed(0)
    zoo = um.Zoo(cross=False)
    inputs = zoo.example_inputs()
    feeds = zoo_feeds(zoo, inputs)
    path = save(um.export(zoo, inputs, zoo.inputs, zoo.outputs, 17),
                os.path.join(tmp, "zoo-self.onnx"))
    out, report_path = os.path.join(tmp, "zoo-analog"), os.path.join(tmp, "zoo-analog.json")
    proc = compile_model(path, out, "--attention=analog", "--report", report_path)
    check.expect("zoo on the gain cells: no attention left digital",
                 "not recognised" not in proc.stderr, proc.stderr.strip()[-300:])
    build(out)
    stats_path = os.path.join(tmp, "zoo-analog-stats.json")
    analog = run_program(out, "model", feeds, ["--stats", stats_path])
    with open(stats_path) as f:
        stats = json.load(f)
    with open(report_path) as f:
        report = json.load(f)
    got, ref = flatten(stats), flatten(report["perRun"])
    check.expect("zoo on the gain cells: --stats has the report's perRun keys",
                 sorted(got) == sorted(ref), f"{sorted(set(got) ^ set(ref))}")
    keys = sorted(set(got) & set(ref))
    # Both add the same binary fractions of the cost table; only the order may differ.
    check.close("zoo on the gain cells: --stats = the report's perRun, every figure",
                [got[k] for k in keys], [ref[k] for k in keys], rtol=1e-12)
    check.expect(f"zoo on the gain cells: {ZOO_HEADS} heads simulated",
                 stats.get("heads") == ZOO_HEADS, f"stats: {json.dumps(stats)[:300]}")
    exact = run_ort(path, feeds)
    moved = [n for n in zoo.outputs
             if np.all(np.isfinite(analog[n])) and not np.allclose(analog[n], exact[n])]
    check.expect("zoo on the gain cells: every output finite and changed by the hardware",
                 moved == zoo.outputs, f"changed: {moved}")


def greedy_ort(path, prompt, count):
    """ONNX Runtime's greedy decoding, the whole sequence run at every step."""
    ids = list(prompt)
    for _ in range(count):
        logits = run_ort(path, {"input_ids": np.array([ids], dtype=np.int64)})["logits"]
        ids.append(int(logits[0, -1].argmax()))
    return ids[len(prompt):]


def check_language_model(check, tmp, what, module, seed):
    """A causal LM exported with dynamic batch and sequence (no shape flag: gcim bounds the
    sequence by the position table), run at two lengths and generating."""
    torch.manual_seed(seed)
    model = module()
    ids = torch.randint(0, 32, (1, um.TOKENS))
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "logits": {0: "batch", 1: "tokens"}}
    path = save(um.export(model, (ids,), ["input_ids"], ["logits"], 17, dynamic_axes=axes),
                os.path.join(tmp, what, "model.onnx"))
    out = os.path.join(tmp, f"{what}-out")
    compile_model(path, out, "--attention=digital")
    build(out)
    for tokens in (um.TOKENS, 3):
        feeds = {"input_ids": ids[:, :tokens].numpy()}
        check_against_ort(check, f"{what}, dynamic axes, {tokens} tokens", path, out, feeds,
                          RTOL)
    proc = subprocess.run([os.path.join(out, "model"), "--generate", str(GENERATE_COUNT),
                           "--prompt", ",".join(map(str, GENERATE_PROMPT))],
                          capture_output=True, text=True)
    got = [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else proc.stderr
    want = greedy_ort(path, GENERATE_PROMPT, GENERATE_COUNT)
    check.expect(f"{what}: --generate equals ONNX Runtime's greedy tokens", got == want,
                 f"gcim {got}, ONNX Runtime {want}")


def check_gpt(check, tmp):
    check_language_model(check, tmp, "gpt", lambda: um.GptBlock("inf", True, -1), 1)
    check_language_model(check, tmp, "multihead-lm", um.MhaLm, 4)


def check_unfusable(check, tmp):
    """nn.MultiheadAttention with need_weights=True and with a key_padding_mask (one model).
    need_weights runs digitally in every mode (the warning names the reason). The
    key_padding_mask attention under --padding-mask=exact runs digitally too (the warning
    counts both) and matches ONNX Runtime on a padded batch; under --attention=analog
    padding is assumed absent (docs/UserGuide.md, "Padding masks"): a warning names the
    input, the attention runs on the gain cells, and the program refuses the padded batch
    naming the input (exit 1), while an unpadded one runs."""
    torch.manual_seed(2)
    x = torch.randn(um.BATCH, um.TOKENS, um.WIDTH)
    padding = torch.zeros(um.BATCH, um.TOKENS, dtype=torch.bool)
    padding[1, -2:] = True
    path = save(um.export(um.Unfusable(), (x, padding), ["x", "padding"],
                          ["y_weights", "weights", "y_padding"], 17),
                os.path.join(tmp, "unfusable.onnx"))
    out = os.path.join(tmp, "unfusable")
    proc = compile_model(path, out, "--attention=analog", "--padding-mask=exact")
    check.expect("need_weights, key_padding_mask (--padding-mask=exact): the warning says they "
                 "run digitally and why",
                 "an attention was not recognised (the attention weights are not only "
                 "multiplied by V); it runs digitally" in proc.stderr and
                 "(2 such ops; --report lists each with its reason)" in proc.stderr,
                 proc.stderr.strip()[-400:])
    build(out)
    check_against_ort(check, "need_weights, key_padding_mask (digital, padded batch)",
                      path, out, {"x": x.numpy(), "padding": padding.numpy()}, RTOL)
    analog = os.path.join(tmp, "unfusable-analog")
    proc = compile_model(path, analog, "--attention=analog")
    check.expect("key_padding_mask, --attention=analog: assumed unpadded, the warning names "
                 "the input; need_weights alone stays digital",
                 "is compiled assuming input 'padding' holds no padding (all 0)" in proc.stderr
                 and "such ops" not in proc.stderr, proc.stderr.strip()[-600:])
    build(analog)
    try:
        run_program(analog, "model", {"x": x.numpy(), "padding": padding.numpy()})
        refused = ""
    except RuntimeError as e:
        refused = str(e)
    check.expect("key_padding_mask, --attention=analog: a padded batch exits 1 naming the input",
                 "failed (1)" in refused and "input 'padding' holds 1 at element" in refused,
                 refused[-300:])
    unpadded = np.zeros_like(padding.numpy())
    got = run_program(analog, "model", {"x": x.numpy(), "padding": unpadded}, ["--stats",
                      os.path.join(tmp, "unfusable-stats.json")])
    with open(os.path.join(tmp, "unfusable-stats.json")) as f:
        heads = json.load(f).get("heads", 0)
    check.expect("key_padding_mask, --attention=analog: unpadded, it runs on the gain cells",
                 heads > 0 and np.all(np.isfinite(got["y_padding"])), f"{heads} heads")


def check_refusals(check, tmp):
    """Forms gcim does not take: exit 1, a message naming the input or node and what to do,
    no output folder."""
    encoder = um.Encoder(True, "gelu", False)
    x = torch.randn(um.BATCH, um.TOKENS, um.WIDTH)
    path = save(um.export(encoder, (x,), ["x"], ["logits"], 17,
                          dynamic_axes={"x": {0: "batch", 1: "tokens"}}),
                os.path.join(tmp, "encoder-dynamic.onnx"))
    check_refusal(check, "an encoder with dynamic batch and tokens, no shape given", tmp, path,
                  [], "'x': error: input 'x' has dynamic dimension 0 ('batch'): bind it "
                  "with --input-shape x=")


def check_zoo_refusals(check, tmp):
    """The whole zoo on the gain cells (its cross-attention), and converted to float16."""
    torch.manual_seed(0)
    zoo = um.Zoo()
    inputs = zoo.example_inputs()
    proto = um.export(zoo, inputs, zoo.inputs, zoo.outputs, 17)
    path = save(proto, os.path.join(tmp, "zoo-cross.onnx"))
    check_refusal(check, "cross-attention on the gain cells", tmp, path,
                  ["--attention=analog"],
                  "error: attention of 6 queries over 4 keys of another sequence "
                  "(cross-attention) does not run on the gain cells, which hold the keys of "
                  "the tokens they answer; use --attention=digital or --attention=auto")
    # Converted to float16, the zoo compiles in float32 (gcim-widen-float; its numbers
    # against ONNX Runtime are codegen-f16's) and fuses as the float32 one does.
    fused16, stderr16 = count_attentions(
        save(um.to_float16(proto), os.path.join(tmp, "zoo-float16.onnx")))
    fused32, _ = count_attentions(path)
    check.expect("a float16 zoo fuses as the float32 one, with the widening note",
                 fused16 == fused32 > 0 and "note: a float16 model" in stderr16,
                 f"{fused16} vs {fused32} attentions: {stderr16.strip()[-300:]}")


class MultiQuery(torch.nn.Module):
    """Multi-query attention as users write it: one k/v head, (batch, 1, tokens, dim), that
    `q @ k.transpose(-2, -1)` and `weights @ v` broadcast over the query heads (no
    repeat or expand), causal by a registered mask buffer."""

    def __init__(self, width=32, heads=4, tokens=8):
        super().__init__()
        self.heads, self.dim = heads, width // heads
        self.q = torch.nn.Linear(width, width)
        self.kv = torch.nn.Linear(width, 2 * self.dim)
        self.out = torch.nn.Linear(width, width)
        self.register_buffer("causal", torch.tril(torch.ones(tokens, tokens, dtype=torch.bool)))

    def forward(self, x):
        b, t, w = x.shape
        q = self.q(x).view(b, t, self.heads, self.dim).transpose(1, 2)
        k, v = self.kv(x).view(b, t, 1, 2 * self.dim).transpose(1, 2).split(self.dim, -1)
        scores = q @ k.transpose(-2, -1) / self.dim ** 0.5
        scores = scores.masked_fill(~self.causal[:t, :t], float("-inf"))
        y = scores.softmax(-1) @ v
        return self.out(y.transpose(1, 2).reshape(b, t, w))


def check_multi_query(check, tmp):
    """Multi-query attention written by broadcasting fuses (as grouped-query attention with
    one K/V head): digital against ONNX Runtime; on the gain cells --gqa=share holds the
    one K/V head's arrays instead of one per query head (the report's sub_tiles / 4),
    with outputs equal to --gqa=replicate's bit for bit (no noise: every query head reads
    the same K/V codes either way)."""
    torch.manual_seed(5)
    x = torch.randn(2, 8, 32)
    path = save(um.export(MultiQuery(), (x,), ["x"], ["y"], 17), os.path.join(tmp, "mqa.onnx"))
    fused, err = count_attentions(path, "--attention=digital")
    check.expect("multi-query by broadcasting: the attention fuses",
                 fused == 1 and "not recognised" not in err, f"{fused}; {err.strip()[-300:]}")
    out = os.path.join(tmp, "mqa-digital")
    compile_model(path, out, "--attention=digital")
    build(out)
    check_against_ort(check, "multi-query by broadcasting (digital)", path, out,
                      {"x": x.numpy()}, RTOL)
    outputs, sub_tiles = {}, {}
    for mode in ("replicate", "share"):
        out, report = os.path.join(tmp, f"mqa-{mode}"), os.path.join(tmp, f"mqa-{mode}.json")
        compile_model(path, out, "--attention=analog", f"--gqa={mode}", "--report", report,
                      "-q")
        build(out)
        outputs[mode] = run_program(out, "model", {"x": x.numpy()})["y"]
        with open(report) as f:
            sub_tiles[mode] = json.load(f)["sub_tiles"]
    # A head's arrays hold the hardware window, 1024 keys: 16 token sub-tiles of 64 (the
    # streamed step function's window is not fitted to the 8 tokens).
    check.expect("multi-query on the gain cells: sub-tiles shrink with the K/V heads, "
                 "64 (4 query heads x 16) -> 16 (the one K/V head x 16)",
                 (sub_tiles["replicate"], sub_tiles["share"]) == (64, 16), str(sub_tiles))
    check.expect("multi-query on the gain cells: share's outputs equal replicate's, bit for "
                 "bit", np.array_equal(outputs["share"], outputs["replicate"]),
                 f"max |diff| {np.abs(outputs['share'] - outputs['replicate']).max()}")


def main():
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-user-exports-") as tmp:
        for part in (check_zoo, check_gpt, check_unfusable, check_refusals,
                     check_zoo_refusals, check_multi_query):
            check.run(part, tmp)
    return check.finish("user-exports")


if __name__ == "__main__":
    sys.exit(main())
