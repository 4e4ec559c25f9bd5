#!/usr/bin/python3
"""user-ops.py: the ONNX operators of users' transformer heads and poolings, exported by
torch 1.13 as users write them, through gcim-compile and the generated C against ONNX
Runtime, with user-exports-2.py's helpers.

Checks (digital builds; outputs within 1e-4 * max(1, |ref|) of ONNX Runtime's: float32 in
both, sums in another order, up to about 1e-6 seen; integer outputs, ArgMax's and TopK's
indices, exactly, since their difference is then 0 or at least 1):
- a sentence-transformers-style encoder (token embeddings, an nn.TransformerEncoder with
  the padding mask as key_padding_mask, mean pooling over the attention mask, F.normalize:
  ReduceL2) at opsets 14 and 17, on a padded batch of 2; the export holds a ReduceL2;
- a classification head whose graph returns the logits, the predicted class (ArgMax) and
  the top 2 classes with their scores (TopK), as a pipeline's postprocessing does inside
  the graph, and a CLIP-style pooling on the end-of-text token (ArgMax of the ids,
  then gather); the exports hold ArgMax and TopK;
- activations and reductions of other heads: ELU, CELU, SELU, LeakyReLU, PReLU (per
  channel), Hardswish, round, logsumexp, amin, prod, L1 norm, TopK of the smallest,
  one_hot, at opsets 14 and 17; the export holds each of those ops (torch 1.13 writes
  softsign and the shrinks as elementary ops: the node tests cover Softsign and Shrink).
"""
import os
import sys
import tempfile

import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archmodels as am  # noqa: E402
from ortharness import Checker, load_test  # noqa: E402

ue2 = load_test("user-exports-2")

BATCH = 2


class Encoder(nn.Module):
    """Token and position embeddings and a 2-layer post-norm encoder with a padding mask."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(am.VOCAB, am.WIDTH)
        self.pos = nn.Parameter(torch.randn(1, am.TOKENS, am.WIDTH))
        layer = nn.TransformerEncoderLayer(am.WIDTH, am.HEADS, 2 * am.WIDTH, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, input_ids, attention_mask):
        x = self.embed(input_ids) + self.pos
        return self.encoder(x, src_key_padding_mask=attention_mask == 0)


class SentenceEncoder(nn.Module):
    """sentence-transformers: mean pooling over the attention mask, then F.normalize."""

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def forward(self, input_ids, attention_mask):
        tokens = self.encoder(input_ids, attention_mask)
        mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * mask).sum(1) / torch.clamp(mask.sum(1), min=1e-9)
        return F.normalize(pooled, p=2, dim=1)


class Classifier(nn.Module):
    """A sequence classifier's head on the first token, with its postprocessing in the
    graph: the predicted class and the top 2; and a CLIP-style pooled output at the
    end-of-text token (the largest id, as CLIP's text model picks it)."""

    def __init__(self, classes=5):
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Linear(am.WIDTH, classes)
        self.projection = nn.Linear(am.WIDTH, am.WIDTH, bias=False)

    def forward(self, input_ids, attention_mask):
        tokens = self.encoder(input_ids, attention_mask)
        logits = self.head(tokens[:, 0])
        scores, top = torch.topk(logits.softmax(-1), 2, dim=-1)
        eot = tokens[torch.arange(tokens.shape[0]), input_ids.argmax(dim=-1)]
        return logits, logits.argmax(-1), scores, top, self.projection(eot)


class Activations(nn.Module):
    """The activations and reductions of other heads, each on a projection of the input."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(am.WIDTH, 7 * am.WIDTH)
        self.prelu = nn.PReLU(am.TOKENS)  # torch reads axis 1 as the channel

    def forward(self, x):
        p = (3.0 * self.proj(x)).split(am.WIDTH, dim=-1)
        acts = (F.elu(p[0], 0.7) + F.celu(p[1], 1.3) + F.selu(p[2]) + F.leaky_relu(p[3], 0.2) +
                self.prelu(p[4]) + F.hardswish(p[5]) + torch.round(p[6]))
        smallest, where = torch.topk(p[2], 3, dim=-1, largest=False)
        hot = F.one_hot(where, am.WIDTH).sum(-2).to(x.dtype)
        reduced = (torch.logsumexp(p[3], dim=-1) + p[4].amin(dim=-1) +
                   (0.2 * p[5]).exp().prod(dim=-1) + p[6].norm(p=1, dim=-1))
        return acts * hot, reduced, smallest


def ops_of(proto):
    return {node.op_type for node in proto.graph.node}


def encoder_inputs():
    ids = ue2.token_ids(BATCH)
    mask = torch.ones(BATCH, am.TOKENS, dtype=torch.int64)
    mask[1, am.TOKENS - 2:] = 0  # the second sequence padded by two tokens
    return ids, mask


def export(check, cls, names, outputs, opset, wanted):
    torch.manual_seed(0)
    module = cls().eval()
    args = encoder_inputs() if len(names) == 2 else (torch.randn(BATCH, am.TOKENS, am.WIDTH),)
    proto = ue2.export(module, args, names, outputs, opset)
    missing = sorted(set(wanted) - ops_of(proto))
    check.expect(f"{cls.__name__} at opset {opset}: the export holds {', '.join(wanted)}",
                 not missing, f"missing {missing}")
    return proto, {name: a.numpy() for name, a in zip(names, args)}


def check_sentence_encoder(check, tmp):
    for opset in (14, 17):
        proto, feeds = export(check, SentenceEncoder, ["input_ids", "attention_mask"],
                              ["embedding"], opset, ["ReduceL2"])
        ue2.check_form(check, tmp, f"sentence encoder opset {opset}", proto, feeds)


def check_classifier(check, tmp):
    proto, feeds = export(check, Classifier, ["input_ids", "attention_mask"],
                          ["logits", "label", "scores", "top", "pooled"], 17,
                          ["ArgMax", "TopK"])
    ue2.check_form(check, tmp, "classifier with argmax and topk", proto, feeds)


def check_activations(check, tmp):
    wanted = ["Elu", "Celu", "Selu", "LeakyRelu", "PRelu", "HardSwish", "Round", "ReduceLogSumExp", "ReduceMin", "ReduceProd", "ReduceL1", "TopK",
              "OneHot"]
    for opset in (14, 17):
        proto, feeds = export(check, Activations, ["x"], ["acts", "reduced", "smallest"],
                              opset, wanted)
        ue2.check_form(check, tmp, f"activations and reductions opset {opset}", proto, feeds)


PARTS = [check_sentence_encoder, check_classifier, check_activations]


def main():
    check = Checker(ue2.RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-user-ops-") as tmp:
        for part in PARTS:
            check.run(part, tmp)
    return check.finish("user-ops")


if __name__ == "__main__":
    sys.exit(main())
