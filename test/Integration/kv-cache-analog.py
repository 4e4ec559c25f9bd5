#!/usr/bin/python3
"""kv-cache-analog.py [llama|gpt2 ...]: one-token KV-cache exports (both by default) with
their attention on the simulated gain cells (--attention=analog; docs/HardwareModel.md
section 2, "A KV-cache graph"): a Llama-style decoder (python/gcim_models/llama.py: RoPE
computed in the graph, 4 query heads over 2 K/V heads) and a GPT-2-style one
(python/gcim_models/gpt2.py, position-embedding table), each
exported as a step after 7 cached tokens and as a 12-token full-sequence twin whose graph also
outputs every layer's new K and V (the tensors the KV-cache export concatenates to its past).

Checks, per model:
(a) the KV-cache program's `--generate` tokens equal those of the twin compiled with
    --attention=analog: both generate through their step functions on the same hardware
    semantics. Not necessarily bit-identical logits: the two graphs compute positions
    differently (the step index against a gathered table or a constant), which may round the
    digital parts differently; the tokens are compared.
(b) model_run of the KV-cache program on past K/V that the analog twin computed for tokens 0..6
    (the values its steps compute) and token 7 equals the KV-cache program's own model_step
    after stepping tokens 0..6, within ANALOG_TOLERANCE, and a past off by one token does not;
    its present K/V end with the twin's K/V of token 7 (the same tolerance); the C replays the
    past (gcimSimHeadsRunCached).
(c) Llama (GQA): --gqa=share gives the run's and the steps' outputs of --gqa=replicate bit for
    bit (the same codes in the arrays either way, docs/HardwareModel.md section 7).
Also --attention=auto keeps this softmax attention digital (one line says so, no simulated
head in the C) and a past longer than the hardware window is refused naming the node.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, build_step_check, compile_model, gcim_compile, generate, run_program, run_steps  # noqa: E402,E501
from ortharness import Checker  # noqa: E402

from gcim_models.export import ExportOptions, export_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402
from gcim_models.llama import Decoder, DecoderConfig, export_decoder  # noqa: E402

PAST, SEQ, PROMPT, COUNT = 7, 12, [3, 14, 15], 6
# The run and the step drive bit-identical simulated heads; the digital ops around them (RoPE
# from a constant position or the step index, the present concat, the projections of layer 1
# on layer 0's output) round differently and can flip a quantiser by one step, about 1e-2 of
# a logit here (as codegen-llm.py's analog step check; seen 0 here); a past off by one token
# is far more (checked). The order of the past within a sub-tile hardly matters on this
# hardware (8 tokens decay by 0.1 %), so a reordered past is not a useful negative check.
ANALOG_TOLERANCE = 0.05


def llama():
    model = Decoder(DecoderConfig(family="llama", seed=7, init_std=0.2)).eval()
    c = model.config
    return ("llama", export_decoder(model, kv_cache=True, past=PAST),
            export_decoder(model, seq=SEQ), c.layers, c.kv_heads, c.head_dim, c.vocab)


def gpt2():
    config = GPT2Config(layers=2, heads=2, head_dim=32, vocab=96, context=16, init_std=0.1,
                        seed=3)
    model = GPT2(config).eval()
    kv = export_model(model, ExportOptions(kv_cache=True, seq=1, past=PAST))
    full = export_model(model, ExportOptions(seq=SEQ))
    return ("gpt2", kv, full, config.layers, config.heads, config.head_dim, config.vocab)


def add_kv_outputs(kv, full):
    """The twin's graph also outputs each layer's new K/V (`twin_key_<i>`, `twin_value_<i>`):
    what the KV-cache export appends to past_*, found by tensor name (torch names the ops
    before the attention alike in both exports; a last Transpose is repeated, since the
    twin may transpose K otherwise). A wrong match fails the present_* checks."""
    producer = {out: node for node in kv.graph.node for out in node.output}
    for output in kv.graph.output:
        if not output.name.startswith("present_"):
            continue
        new = producer[producer[output.name].input[1]]
        name = output.name.replace("present_", "twin_")
        if new.op_type == "Transpose":
            full.graph.node.append(helper.make_node("Transpose", [new.input[0]], [name]))
            full.graph.node[-1].attribute.extend(new.attribute)
        else:
            full.graph.node.append(helper.make_node("Identity", [new.output[0]], [name]))
        full.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT,
                                                               None))
    return full


def compiled(path, out, *flags):
    proc = compile_model(path, out, *flags)
    build(out)
    with open(os.path.join(out, "model.c")) as f:
        return proc, f.read()


def check_model(check, tmp, name, kv, full, layers, kv_heads, head_dim, vocab):
    kv_path, twin_path = os.path.join(tmp, f"{name}-kv.onnx"), os.path.join(tmp, f"{name}.onnx")
    onnx.save(kv, kv_path)
    onnx.save(add_kv_outputs(kv, full), twin_path)
    shape = [f"--input-shape=past_*=1x{kv_heads}x{PAST}x{head_dim}"]
    kv_out, twin_out = os.path.join(tmp, f"{name}-kv"), os.path.join(tmp, f"{name}-twin")
    _, source = compiled(kv_path, kv_out, "--attention=analog", *shape)
    check.expect(f"{name}: model_run replays the past on the heads",
                 source.count("gcimSimHeadsRunCached(") == layers)
    compiled(twin_path, twin_out, "--attention=analog")

    # (a) program against program.
    got, want = generate(kv_out, PROMPT, COUNT), generate(twin_out, PROMPT, COUNT)
    check.expect(f"{name}: --generate of the KV-cache program equals the twin's (analog)",
                 got == want and isinstance(got, list), f"kv-cache {got}, twin {want}")

    # (b) model_run on the twin's past K/V against model_step after the same tokens.
    tokens = np.random.default_rng(5).integers(0, vocab, (1, SEQ)).astype(np.int64)
    twin = run_program(twin_out, "model", {"input_ids": tokens})
    inputs = {"input_ids": tokens[:, PAST:PAST + 1]}
    for i in range(layers):
        for kind in ("key", "value"):
            inputs[f"past_{kind}_{i}"] = np.ascontiguousarray(twin[f"twin_{kind}_{i}"][:, :, :PAST])
    run = run_program(kv_out, "model", inputs)
    steps = run_steps(build_step_check(kv_out), kv_out, tokens[0, :PAST + 1])
    check.close(f"{name}: model_run on the past equals model_step at token {PAST}",
                run["logits"].reshape(-1), steps[PAST], ANALOG_TOLERANCE)
    shifted = dict(inputs, **{k: np.ascontiguousarray(twin[k.replace("past_", "twin_")]
                                                      [:, :, 1:PAST + 1])
                              for k in inputs if k.startswith("past_")})
    moved = np.abs(run_program(kv_out, "model", shifted)["logits"].reshape(-1) - steps[PAST])
    check.expect(f"{name}: the past of tokens 1..{PAST} instead moves the logits beyond the "
                 "tolerance", moved.max() > ANALOG_TOLERANCE, f"max|diff| {moved.max():.3g}")
    check.close(f"{name}: model_run equals the twin's run at token {PAST}",
                run["logits"].reshape(-1), twin["logits"][0, PAST], ANALOG_TOLERANCE)
    for i in range(layers):
        for kind in ("key", "value"):
            got, want = run[f"present_{kind}_{i}"], twin[f"twin_{kind}_{i}"]
            check.close(f"{name}: present_{kind}_{i} ends with the twin's token {PAST}",
                        got[:, :, PAST], want[:, :, PAST], ANALOG_TOLERANCE)
    return kv_path, shape, inputs, run, steps, tokens[0, :PAST + 1]


def check_share(check, tmp, kv_path, shape, inputs, run, steps, tokens):
    out = os.path.join(tmp, "llama-kv-share")
    _, source = compiled(kv_path, out, "--attention=analog", "--gqa=share", *shape)
    check.expect("llama: --gqa=share steps on shared heads", "gcimSimHeadsStepShared(" in source)
    shared = run_program(out, "model", inputs)
    check.expect("llama: --gqa=share model_run equals replicate's bit for bit",
                 all(np.array_equal(shared[k], run[k]) for k in run))
    shared_steps = run_steps(build_step_check(out), out, tokens)
    check.expect("llama: --gqa=share model_step equals replicate's bit for bit",
                 np.array_equal(shared_steps, steps))


def check_auto_and_refusal(check, tmp, kv_path, shape):
    out = os.path.join(tmp, "llama-kv-auto")
    proc = compile_model(kv_path, out, *shape)
    with open(os.path.join(out, "model.c")) as f:
        source = f.read()
    check.expect("llama: --attention=auto keeps the softmax KV-cache attention digital",
                 "stays digital" in proc.stderr and "#define SIM_HEADS 0\n" in source,
                 proc.stderr)
    proc = subprocess.run([gcim_compile(), kv_path, "-o", os.path.join(tmp, "refused"),
                           "--attention=analog", "--input-shape=past_*=1x2x1024x16"],
                          capture_output=True, text=True)
    check.expect("llama: a past of 1,024 tokens is refused naming the node",
                 proc.returncode == 1 and "/model/blocks.0/attn/MatMul_1': error: attention "
                 "over a KV cache of 1024 past tokens" in proc.stderr and
                 not os.path.exists(os.path.join(tmp, "refused")), proc.stderr[-600:])


def main():
    check = Checker(ANALOG_TOLERANCE)
    models = {"llama": llama, "gpt2": gpt2}
    with tempfile.TemporaryDirectory(prefix="gcim-kv-analog-") as tmp:
        for model in sys.argv[1:] or models:
            name, kv, full, layers, kv_heads, head_dim, vocab = models[model]()
            try:
                result = check_model(check, tmp, name, kv, full, layers, kv_heads, head_dim,
                                     vocab)
                if name == "llama":
                    check_share(check, tmp, *result)
                    check_auto_and_refusal(check, tmp, result[0], result[1])
            except RuntimeError as error:
                check.expect(f"{name}: compiled, built and ran", False, str(error)[-1500:])
    return check.finish("kv-cache-analog")


if __name__ == "__main__":
    sys.exit(main())
