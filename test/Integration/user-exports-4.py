#!/usr/bin/python3
"""user-exports-4.py: the encoders, encoder-decoders, speech and vision models deployed
beside LLMs, as the Hugging Face implementations write them (test/Integration/
archmodels4.py: Whisper, wav2vec2/HuBERT, CLIP's text and vision towers, ALBERT,
RoBERTa/XLM-R, ELECTRA, DeBERTa-v2, BART/Marian), exported by torch 1.13 at opsets 14 to 17 as users
export them (HF's dynamic axes, export_modules_as_functions, do_constant_folding=False,
training=TrainingMode.EVAL, a custom symbolic), through gcim-compile and the generated C
against ONNX Runtime, with user-exports-2.py's helpers; and the refusals.

Checks:
- every form compiles with --attention=digital, builds with warnings as errors, and its
  outputs match ONNX Runtime within 1e-4 * max(1, |ref|) (user-exports-2's RTOL: float32
  in both, the sums in another order; up to about 6e-6 seen, on logits up to 29);
- Whisper's and wav2vec2's Conv1d front ends (padded, strided, grouped with weight norm,
  a stride that leaves a remainder) and wav2vec2's GroupNorm import (they were refused);
  a raw 1-D Conv with dilation, groups, padding and bias and an InstanceNormalization of
  rank 4 against ONNX Runtime too;
- attention fuses: Whisper's 2 encoder, 2 causal self- and 2 cross-attentions, wav2vec2's
  2, CLIP's 2 causal (text) and 2 (vision, also exported as local functions), and under
  --padding-mask=unpadded the padded encoders' (ALBERT's shared layer 3 times, RoBERTa,
  ELECTRA) and BART's 6; without it the padding masks keep them exact, saying so;
- DeBERTa-v2's disentangled attention (opset 17, XSoftmax's own symbolic) matches and is
  left unfused, the reason naming XSoftmax's mask after the softmax (it was refused: an
  int64 Neg the C emitter lacked; then silently unfused);
- --attention=analog compiles the self-attention models and refuses the cross-attentions
  naming the node (Whisper's, BART's full sequence and one decoder step: one query over
  the encoder's keys is cross-attention, not an unstreamed KV cache; Whisper and BART with
  as many decoder tokens as encoder positions, whose cross-attention was mapped as
  self-attention);
- CLIP's end-of-text pooling (ArgMax over the ids) and wav2vec2 exported with
  do_constant_folding=False (its weight norm's ReduceL2) match ONNX Runtime (they were
  refused as unsupported ops before ArgMax and ReduceL2 were imported).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archmodels as am  # noqa: E402
import archmodels4 as m4  # noqa: E402
from codegenharness import gcim_compile  # noqa: E402
from ortharness import Checker, load_test  # noqa: E402

ue2 = load_test("user-exports-2")


def model(cls, **kw):
    """Seeded, then constructed: the same weights in every export of a class."""
    torch.manual_seed(0)
    return cls(**kw).eval()


def inputs(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def padded_ids():
    """Batch 2, the second sequence padded after 4 tokens (pad id 1, RoBERTa's)."""
    ids = ue2.token_ids(2)
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    ids[1, 4:] = 1
    return ids, mask


def fused_lines(path, flags=()):
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", "--attention=digital", "-q", "-o",
                           "-", *flags], capture_output=True, text=True)
    return [line for line in proc.stdout.splitlines() if '"gcim.attention"(' in line], proc


def check_causal(check, tmp, name, causal, flags=()):
    """The fused attentions of `name`, in order, are causal as `causal` says."""
    fused, proc = fused_lines(os.path.join(tmp, name, "model.onnx"), flags)
    got = [int("causal = 1 " in line) for line in fused]
    check.expect(f"{name}: the fused attentions' causal flags are {causal}", got == causal,
                 f"{got} {proc.stderr.strip()[-300:]}")


def check_speech(check, tmp):
    """Whisper (opset 17, HF's dynamic axes bound by --input-shape) and wav2vec2 (opset 14,
    a dynamic audio length bound the same way; its positional convolution grouped, padded
    and weight-normed; a GroupNorm)."""
    feats, ids = inputs(3, 1, m4.MELS, m4.FRAMES), ue2.token_ids()
    axes = {"input_features": {0: "batch_size", 1: "feature_size", 2: "encoder_sequence_length"},
            "decoder_input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
            "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    proto = ue2.export(model(m4.Whisper), (feats, ids), ["input_features", "decoder_input_ids"],
                       ["logits"], 17, dynamic_axes=axes)
    bind = (f"--input-shape=input_features=1x{m4.MELS}x{m4.FRAMES}",
            f"--input-shape=decoder_input_ids=1x{am.TOKENS}")
    name = "whisper"
    ue2.check_form(check, tmp, name, proto,
                   {"input_features": feats.numpy(), "decoder_input_ids": ids.numpy()},
                   flags=bind, analog=False)
    ue2.check_fused(check, tmp, name, bind, count=6)
    check_causal(check, tmp, name, [0, 0, 1, 0, 1, 0], bind)
    ue2.check_refusal(check, tmp, "whisper on the gain cells", proto,
                      "'/decoder/layers.0/encoder_attn/MatMul_1': error: attention of 6 queries "
                      "over 8 keys of another sequence (cross-attention)",
                      ["--attention=analog", *bind])
    # As many decoder tokens as encoder positions: still cross-attention (it was mapped as
    # non-causal self-attention when lengths told them apart).
    ue2.check_refusal(check, tmp, "whisper of equal lengths on the gain cells", proto,
                      "'/decoder/layers.0/encoder_attn/MatMul_1': error: attention of 8 queries "
                      "over 8 keys of another sequence (cross-attention)",
                      ["--attention=analog", bind[0],
                       f"--input-shape=decoder_input_ids=1x{m4.FRAMES // 2}"])
    audio = inputs(4, 1, m4.SAMPLES)
    axes = {"input_values": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    proto = ue2.export(model(m4.Wav2Vec2), (audio,), ["input_values"], ["logits"], 14,
                       dynamic_axes=axes)
    bind = (f"--input-shape=input_values=1x{m4.SAMPLES}",)
    ue2.check_form(check, tmp, "wav2vec2", proto, {"input_values": audio.numpy()}, flags=bind)
    ue2.check_fused(check, tmp, "wav2vec2", bind)


def check_clip(check, tmp):
    """CLIP's text tower pooled at the last position (the end-of-text pooling by ArgMax is
    in check_pooling_and_weight_norm); its vision tower at batch 2 exported with
    export_modules_as_functions=True and QuickGELU as a custom symbolic writing com.microsoft
    QuickGelu (operator_export_type=ONNX)."""
    ids = ue2.token_ids(2)
    proto = ue2.export(model(m4.ClipText, argmax_pool=False), (ids,), ["input_ids"],
                       ["text_embeds"], 17)
    ue2.check_form(check, tmp, "clip text", proto, {"input_ids": ids.numpy()})
    ue2.check_fused(check, tmp, "clip text")
    check_causal(check, tmp, "clip text", [1, 1])
    pixels = inputs(5, 2, 3, 8, 8)
    quick_gelu = m4.quick_gelu
    m4.quick_gelu = QuickGeluSymbolic.apply
    try:
        proto = ue2.export(model(m4.ClipVision), (pixels,), ["pixel_values"], ["image_embeds"],
                           17, operator_export_type=torch.onnx.OperatorExportTypes.ONNX,
                           custom_opsets={"com.microsoft": 1}, export_modules_as_functions=True)
    finally:
        m4.quick_gelu = quick_gelu
    name = "clip vision, functions, custom symbolic"
    ops = {n.op_type for f in proto.functions for n in f.node}
    check.expect(f"{name}: the export has local functions calling com.microsoft QuickGelu",
                 len(proto.functions) > 0 and "QuickGelu" in ops,
                 f"{len(proto.functions)} functions")
    ue2.check_form(check, tmp, name, proto, {"pixel_values": pixels.numpy()})
    ue2.check_fused(check, tmp, name)


class QuickGeluSymbolic(torch.autograd.Function):
    """QuickGELU with the symbolic a user writes for ONNX Runtime's fused op."""

    @staticmethod
    def forward(ctx, x):
        return x * torch.sigmoid(1.702 * x)

    @staticmethod
    def symbolic(g, x):
        return g.op("com.microsoft::QuickGelu", x, alpha_f=1.702)


def check_encoders(check, tmp):
    """ALBERT (opset 14), RoBERTa (opset 15, its layers as local functions, positions from
    a CumSum of the padding) and ELECTRA (training=TrainingMode.EVAL, dynamic axes), batch
    2 with a padded attention_mask: exact by default, fused under --padding-mask=unpadded;
    DeBERTa-v2 (disentangled attention: gathered relative-position terms, -relative_pos
    in int64, XSoftmax's custom symbolic): exact, unfused with a reason."""
    ids, mask = padded_ids()
    types = torch.zeros_like(ids)
    types[:, 3:] = 1
    feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
    unpadded = ("--padding-mask=unpadded",)
    proto = ue2.export(model(m4.Albert), (ids, mask, types),
                       ["input_ids", "attention_mask", "token_type_ids"],
                       ["last_hidden_state", "pooler_output"], 14)
    ue2.check_form(check, tmp, "albert", proto, {**feeds, "token_type_ids": types.numpy()})
    ue2.check_fused(check, tmp, "albert", unpadded, count=3)
    proto = ue2.export(model(m4.Roberta), (ids, mask), ["input_ids", "attention_mask"],
                       ["logits"], 15, export_modules_as_functions={m4.BertLayer})
    ue2.check_form(check, tmp, "roberta, layers as functions", proto, feeds)
    ue2.check_fused(check, tmp, "roberta, layers as functions", unpadded)
    axes = {n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "logits")}
    proto = ue2.export(model(m4.Roberta, electra=True), (ids, mask),
                       ["input_ids", "attention_mask"], ["logits"], 14,
                       training=torch.onnx.TrainingMode.EVAL, dynamic_axes=axes)
    bind = ("--input-shape=input_ids=2x6", "--input-shape=attention_mask=2x6")
    ue2.check_form(check, tmp, "electra", proto, feeds, flags=bind)
    ue2.check_fused(check, tmp, "electra", (*bind, *unpadded))
    proto = ue2.export(model(m4.DebertaV2), (ids, mask), ["input_ids", "attention_mask"],
                       ["logits"], 17)
    ue2.check_form(check, tmp, "deberta-v2", proto, feeds)
    fused, proc = fused_lines(os.path.join(tmp, "deberta-v2", "model.onnx"), unpadded)
    check.expect("deberta-v2: unfused, the reason names XSoftmax's second mask",
                 not fused and proc.stdout.count("gcim.unfused = \"the attention weights are "
                                                 "masked again after the softmax (a Where, as "
                                                 "DeBERTa's XSoftmax zeroes them)") == 2,
                 proc.stderr.strip()[-300:])
    fused, proc = fused_lines(os.path.join(tmp, "electra", "model.onnx"), bind)
    check.expect("electra: without --padding-mask=unpadded the masked attentions say why",
                 not fused and proc.stdout.count("a run-time mask: kept exact") == 2,
                 proc.stderr.strip()[-300:])


class BartStep(torch.nn.Module):
    """One decoder step of BART (no cache): the new token over the encoder's states."""

    def __init__(self, bart):
        super().__init__()
        self.bart = bart

    def forward(self, decoder_input_ids, encoder_hidden_states, attention_mask):
        b, t = decoder_input_ids.shape
        x = self.bart.embed(decoder_input_ids, 1)
        causal, cross = m4.causal_4d(b, t), m4.expand_padding(attention_mask, t)
        for layer in self.bart.decoder:
            x = layer(x, encoder_hidden_states, causal, cross)
        return x @ self.bart.shared.weight.t() + self.bart.final_logits_bias


def check_seq2seq(check, tmp):
    """BART (opset 14) and Marian (opset 17) whole, 4 decoder tokens over 6 padded source
    tokens; BART's one decoder step over given encoder states; cross-attention refused on
    the gain cells, naming the node."""
    ids, mask = padded_ids()
    decoder = ids[:, :4]
    feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
             "decoder_input_ids": decoder.numpy()}
    names = ["input_ids", "attention_mask", "decoder_input_ids"]
    protos = {}
    for name, kw, opset in (("bart", {}, 14), ("marian", {"marian": True}, 17)):
        protos[name] = ue2.export(model(m4.Bart, **kw), (ids, mask, decoder), names, ["logits"],
                                  opset)
        ue2.check_form(check, tmp, name, protos[name], feeds, analog=False)
    ue2.check_fused(check, tmp, "bart", ("--padding-mask=unpadded",), count=6)
    ue2.check_refusal(check, tmp, "bart on the gain cells", protos["bart"],
                      "'/decoder.0/encoder_attn/MatMul_1': error: attention of 4 queries over 6 "
                      "keys of another sequence (cross-attention)",
                      ["--attention=analog"])
    equal = ue2.export(model(m4.Bart), (ids, mask, ids), names, ["logits"], 14)
    ue2.check_refusal(check, tmp, "bart of equal lengths on the gain cells", equal,
                      "'/decoder.0/encoder_attn/MatMul_1': error: attention of 6 queries over 6 "
                      "keys of another sequence (cross-attention)",
                      ["--attention=analog"])
    states, step = inputs(7, 2, am.TOKENS, am.WIDTH), ids[:, :1]
    proto = ue2.export(BartStep(model(m4.Bart)), (step, states, mask),
                       ["decoder_input_ids", "encoder_hidden_states", "attention_mask"],
                       ["logits"], 17)
    ue2.check_form(check, tmp, "bart decoder step", proto,
                   {"decoder_input_ids": step.numpy(), "encoder_hidden_states": states.numpy(),
                    "attention_mask": mask.numpy()}, analog=False)
    ue2.check_refusal(check, tmp, "bart decoder step on the gain cells", proto,
                      "'/decoder.0/encoder_attn/MatMul_1': error: attention of 1 queries over 6 "
                      "keys of another sequence (cross-attention)",
                      ["--attention=analog"])


def check_nodes(check, tmp):
    """A 1-D Conv with everything the models leave out (dilation 2, 2 groups, pads 2 and 1,
    stride 2, a bias) and an InstanceNormalization of rank 4, one model, against ONNX
    Runtime."""
    rng = np.random.default_rng(0)

    def weight(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", pads=[2, 1],
                              strides=[2], dilations=[2], group=2, kernel_shape=[3]),
             helper.make_node("InstanceNormalization", ["x4", "s", "b4"], ["y4"], name="norm",
                              epsilon=1e-3)]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 11]),
                     helper.make_tensor_value_info("x4", TensorProto.FLOAT, [2, 3, 4, 5])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", "y4")],
        [weight("w", 6, 2, 3), weight("b", 6), weight("s", 3), weight("b4", 3)])
    feeds = {"x": rng.standard_normal((2, 4, 11)).astype(np.float32),
             "x4": rng.standard_normal((2, 3, 4, 5)).astype(np.float32)}
    ue2.check_form(check, tmp, "conv1d and instance normalization nodes", helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]), feeds, analog=False)


def check_pooling_and_weight_norm(check, tmp):
    """CLIP's end-of-text pooling (ArgMax over the ids, then a Gather of those rows) and
    wav2vec2 without constant folding (its weight norm's ReduceL2 computed in the graph):
    against ONNX Runtime, fused."""
    ids = ue2.token_ids(2)
    proto = ue2.export(model(m4.ClipText), (ids,), ["input_ids"], ["text_embeds"], 17)
    ue2.check_form(check, tmp, "clip text, end-of-text pooling", proto,
                   {"input_ids": ids.numpy()})
    ue2.check_fused(check, tmp, "clip text, end-of-text pooling")
    audio = inputs(4, 1, m4.SAMPLES)
    proto = ue2.export(model(m4.Wav2Vec2), (audio,), ["input_values"], ["logits"], 17,
                       do_constant_folding=False)
    ue2.check_form(check, tmp, "wav2vec2 without constant folding", proto,
                   {"input_values": audio.numpy()})


def main():
    check = Checker(ue2.RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-user-exports-4-") as tmp:
        for part in PARTS:
            check.run(part, tmp)
    return check.finish("user-exports-4")


PARTS = [check_speech, check_clip, check_encoders, check_seq2seq, check_nodes,
         check_pooling_and_weight_norm]

if __name__ == "__main__":
    sys.exit(main())
