"""copy_task.py: the example's task, models, export and evaluation (shared by
train_copy_task.py, evaluate.py and the e2e tests).

Task: a sequence [BOS, x_1 .. x_L, SEP, x_1 .. x_L] of T = 2L + 2 tokens, x_i uniform over
SYMBOLS data symbols; the model must predict each copied token x_i from the positions SEP,
x_1 .. x_{L-1} of the second half (teacher forcing). The first half is random, so only
attention back to it can solve the task (chance: 1 / SYMBOLS).

Models: gcim_models.gpt2.GPT2 (softmax attention, the digital twin) and the same network
with every attention core replaced by gcim.torch.GainCellAttention (the hardware model).
"""
import io
import json
import os
import sys
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

from gcim.torch import GainCellAttention  # noqa: E402
from gcim_models.export import name_initializers, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, ExportWrapper, GPT2Config  # noqa: E402

BOS, SEP = 0, 1
SYMBOLS = 16
LENGTH = 15                      # L: copied tokens per sequence
SEQ = 2 * LENGTH + 2             # T = 32
CONFIG = dict(layers=2, heads=3, head_dim=64, embd=192, vocab=SYMBOLS + 2, context=SEQ,
              gelu="tanh", seed=0)


def make_batch(n, generator):
    """(input_ids (n, T) int64, labels (n, T) int64): labels[:, p] is the token to predict
    at position p (input_ids[:, p + 1]) on the copy positions, -1 elsewhere."""
    data = torch.randint(2, SYMBOLS + 2, (n, LENGTH), generator=generator)
    ids = torch.cat([torch.full((n, 1), BOS), data, torch.full((n, 1), SEP), data], dim=1)
    labels = torch.full((n, SEQ), -1, dtype=torch.long)
    labels[:, LENGTH + 1:2 * LENGTH + 1] = data
    return ids, labels


def accuracy(logits, labels):
    """Fraction of the copy positions whose argmax is the right token."""
    logits = torch.as_tensor(np.asarray(logits))
    labels = torch.as_tensor(np.asarray(labels))
    keep = labels >= 0
    return float((logits.argmax(dim=-1)[keep] == labels[keep]).float().mean())


class GainCellSelfAttention(nn.Module):
    """gcim_models' CausalSelfAttention with the softmax core replaced by the hardware's:
    the same c_attn and c_proj, q, k, v split into heads, GainCellAttention, heads merged."""

    def __init__(self, config: GPT2Config, **hardware):
        super().__init__()
        self.heads, self.head_dim = config.heads, config.head_dim
        self.inner = config.heads * config.head_dim
        self.c_attn = nn.Linear(config.embd, 3 * self.inner)
        self.c_proj = nn.Linear(self.inner, config.embd)
        self.gaincell = GainCellAttention(config.heads, **hardware)

    def forward(self, x, past=None):
        if past is not None:
            raise ValueError("the gain-cell model has no external KV cache")
        B, T, _ = x.shape
        q, k, v = (t.view(B, T, self.heads, self.head_dim).permute(0, 2, 1, 3)
                   for t in self.c_attn(x).split(self.inner, dim=2))
        y = self.gaincell(q, k, v).permute(0, 2, 1, 3).contiguous().view(B, T, self.inner)
        return self.c_proj(y), None


def digital_model():
    return GPT2(GPT2Config(**CONFIG))


def gaincell_model(source=None, **hardware):
    """The hardware model; weights (and scales, if `source` has them) copied from `source`."""
    model = GPT2(GPT2Config(**CONFIG))
    for block in model.h:
        block.attn = GainCellSelfAttention(model.config, **hardware)
    if source is not None:
        missing, unexpected = model.load_state_dict(source.state_dict(), strict=False)
        if unexpected or any(not name.endswith("gaincell.scales") for name in missing):
            raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    return model


def logits_of(model, ids, batch=256):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(ids[i:i + batch])[0] for i in range(0, len(ids), batch)])


# --- ONNX ----------------------------------------------------------------------------------

def export(model, path, description):
    """Exports (1, T) input_ids -> logits with the initializers named after the torch
    parameters (transposed Linear weights as '<name>_T') and the configuration in the
    metadata, so the torch model can be rebuilt from the file (load_onnx)."""
    wrapper = ExportWrapper(model, kv_cache=False).eval()
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, (torch.zeros((1, SEQ), dtype=torch.long),), buffer,
                          opset_version=17, input_names=["input_ids"],
                          output_names=["logits"], custom_opsets={"ai.gcim": 1},
                          do_constant_folding=True)
    proto = onnx.load_model_from_string(buffer.getvalue())
    name_initializers(proto, model)
    proto.producer_name = f"gcim examples/copy_task.py (torch {torch.__version__})"
    proto.doc_string = description
    gaincell = [m for m in model.modules() if isinstance(m, GainCellAttention)]
    meta = {"config": CONFIG, "gaincell": None if not gaincell else {
        "window": gaincell[0].hw.window, "cell": gaincell[0].hw.cell,
        "decay": gaincell[0].hw.decay}}
    entry = proto.metadata_props.add()
    entry.key, entry.value = "gcim.copy_task", json.dumps(meta, sort_keys=True)
    onnx.checker.check_model(proto)
    save_model(proto, path)
    return proto


def load_onnx(path):
    """Rebuilds the torch model (digital or gain-cell) from a file written by export()."""
    proto = onnx.load(path)
    meta = json.loads({p.key: p.value for p in proto.metadata_props}["gcim.copy_task"])
    if meta["config"] != CONFIG:
        raise ValueError(f"{path}: configuration {meta['config']} is not this script's")
    model = digital_model() if meta["gaincell"] is None else gaincell_model(**meta["gaincell"])
    state = {}
    for init in proto.graph.initializer:
        if not init.name.startswith("model."):
            continue
        name, array = init.name[6:], onnx.numpy_helper.to_array(init)
        if name.endswith("_T"):
            name, array = name[:-2], array.T
        state[name] = torch.from_numpy(np.array(array))
    model.load_state_dict(state, strict=True)
    return model.eval()
