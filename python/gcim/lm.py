"""gcim.lm: the paper's pipeline (docs/HardwareModel.md section 4) for a small character-level
language model: data, models, training, evaluation and ONNX files.

    from gcim import lm
    text = lm.CharText.load("examples/data/tiny-shakespeare/input.txt")
    digital = lm.digital_model(lm.LMConfig(vocab=len(text.vocab)))
    lm.train(digital, lm.batches(text.train, 16, 256, seed), steps=100, lr=3e-3)
    linear = lm.gaincell_model(digital, cell="linear")      # same weights, gain cells
    print(lm.perplexity(linear, text.heldout_windows(64, 256)))

Models are gcim_models.gpt2.GPT2 (softmax attention, the digital model) and the same network
with every attention core replaced by gcim.torch.GainCellAttention (the hardware model).
Everything is seeded: a run depends on its arguments alone.
"""
import hashlib
import io
import json
import math
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch import nn

from gcim.torch import GainCellAttention
from gcim_models.export import name_initializers, save_model
from gcim_models.gpt2 import GPT2, ExportWrapper, GPT2Config

__all__ = ["TINY_SHAKESPEARE_SHA256", "CharText", "LMConfig", "batches", "digital_model",
           "gaincell_model", "train", "logits_of", "cross_entropy", "perplexity", "export",
           "load_onnx"]

TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
META_KEY = "gcim.lm"


# --- data ------------------------------------------------------------------------------------

class CharText:
    """A text as character ids (vocabulary: its distinct characters, sorted), split into the
    first `train_fraction` for training and the rest held out."""

    def __init__(self, text, train_fraction=0.9):
        self.vocab = "".join(sorted(set(text)))
        index = {c: i for i, c in enumerate(self.vocab)}
        self.ids = np.array([index[c] for c in text], dtype=np.int64)
        cut = int(len(self.ids) * train_fraction)
        self.train, self.heldout = self.ids[:cut], self.ids[cut:]

    @classmethod
    def load(cls, path, sha256=TINY_SHAKESPEARE_SHA256):
        with open(path, "rb") as f:
            raw = f.read()
        digest = hashlib.sha256(raw).hexdigest()
        if sha256 and digest != sha256:
            raise ValueError(f"{path}: sha256 {digest}, expected {sha256}")
        return cls(raw.decode("utf-8"))

    def heldout_windows(self, count, context):
        """(count, context + 1) int64: non-overlapping windows spread evenly over the
        held-out text (inputs are [:, :-1], next-character targets [:, 1:])."""
        return _even_windows(self.heldout, count, context, "held-out")

    def train_windows(self, count, context):
        """As heldout_windows, over the training text: calibration tokens that the held-out
        evaluation never sees."""
        return _even_windows(self.train, count, context, "training")


def _even_windows(ids, count, context, which):
    span = context + 1
    starts = np.linspace(0, len(ids) - span, count).astype(np.int64)
    if count > 1 and np.diff(starts).min() < span:
        raise ValueError(f"{count} windows of {span} do not fit the {which} text")
    return np.stack([ids[s:s + span] for s in starts])


def batches(ids, batch, context, seed):
    """Endless (inputs, targets) of random training windows, from a private generator."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.from_numpy(ids)
    while True:
        starts = torch.randint(0, len(ids) - context - 1, (batch,), generator=gen)
        window = torch.stack([ids[s:s + context + 1] for s in starts.tolist()])
        yield window[:, :-1], window[:, 1:]


# --- models ----------------------------------------------------------------------------------

@dataclass
class LMConfig:
    """The example's network (gcim_models.gpt2.GPT2Config's fields)."""
    vocab: int
    layers: int = 2
    heads: int = 2
    head_dim: int = 64          # the hardware's array width
    embd: int = 64
    context: int = 256          # fits the hardware's 1,024-token window: no sliding
    gelu: str = "tanh"
    seed: int = 0


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


def digital_model(config: LMConfig):
    model = GPT2(GPT2Config(**asdict(config)))
    model.lm_config = config
    return model


def gaincell_model(source, **hardware):
    """`source`'s network on gain cells (GainCellAttention(**hardware) in every block); its
    weights, and its scales if it has them, copied (default scales otherwise)."""
    model = digital_model(source.lm_config)
    for block in model.h:
        block.attn = GainCellSelfAttention(model.config, **hardware)
    missing, unexpected = model.load_state_dict(source.state_dict(), strict=False)
    if unexpected or any(not name.endswith("gaincell.scales") for name in missing):
        raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    return model


def hardware_of(model):
    """The GainCellAttention settings of a model (None for the digital one)."""
    layers = [m for m in model.modules() if isinstance(m, GainCellAttention)]
    if not layers:
        return None
    hw = layers[0].hw
    return dict(window=hw.window, cell=hw.cell, decay=hw.decay)


# --- training and evaluation -----------------------------------------------------------------

def train(model, data, steps, lr, log=print, name="train", log_every=10):
    """AdamW (weight decay 0.01) with linear warm-up over a tenth of the steps and cosine
    decay, gradients clipped to norm 1, on `steps` (inputs, targets) batches of the iterator
    `data` (targets of -1 are not scored); logs the loss about `log_every` times. The
    training loop of every example (train_shakespeare.py, train_copy_task.py). Returns the
    seconds taken."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps)
                                                                      / steps)))
    model.train()
    start = time.time()
    for step in range(steps):
        inputs, targets = next(data)
        logits = model(inputs)[0]
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1), ignore_index=-1)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % max(1, steps // log_every) == 0 or step == steps - 1:
            log(f"  {name} step {step + 1}/{steps}: loss {loss.item():.4f} "
                f"({time.time() - start:.0f} s)")
    model.eval()
    return time.time() - start


def logits_of(model, inputs, batch=16):
    """float32 (N, T, vocab) logits of int64 (N, T) inputs, without gradients."""
    model.eval()
    inputs = torch.as_tensor(np.asarray(inputs))
    with torch.no_grad():
        return torch.cat([model(inputs[i:i + batch])[0]
                          for i in range(0, len(inputs), batch)]).numpy()


def cross_entropy(logits, targets):
    """Mean next-character cross-entropy in nats (float64 log-softmax of the logits)."""
    x = np.asarray(logits, dtype=np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(x).sum(axis=-1))
    picked = np.take_along_axis(x, np.asarray(targets)[..., None], axis=-1)[..., 0]
    return float((log_z - picked).mean())


def perplexity(model, windows):
    """exp(cross-entropy) of `model` on (N, T + 1) windows (the held-out metric)."""
    windows = np.asarray(windows)
    return math.exp(cross_entropy(logits_of(model, windows[:, :-1]), windows[:, 1:]))


# --- ONNX ------------------------------------------------------------------------------------

def export(model, path, description, vocab):
    """Exports (1, context) input_ids -> logits, initializers named after the torch parameters
    (transposed Linear weights as '<name>_T'), the configuration and vocabulary in the
    metadata, so load_onnx rebuilds the exact torch model."""
    context = model.lm_config.context
    hardware = hardware_of(model)
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(ExportWrapper(model, kv_cache=False).eval(),
                          (torch.zeros((1, context), dtype=torch.long),), buffer,
                          opset_version=17, input_names=["input_ids"],
                          output_names=["logits"],
                          custom_opsets={"ai.gcim": 1} if hardware else None,
                          do_constant_folding=True)
    proto = onnx.load_model_from_string(buffer.getvalue())
    name_initializers(proto, model)
    proto.producer_name = f"gcim python/gcim/lm.py (torch {torch.__version__})"
    proto.doc_string = description
    meta = dict(config=asdict(model.lm_config), vocab=vocab, gaincell=hardware)
    entry = proto.metadata_props.add()
    entry.key, entry.value = META_KEY, json.dumps(meta, sort_keys=True)
    onnx.checker.check_model(proto)
    save_model(proto, path)


def load_onnx(path):
    """(torch model, vocabulary) rebuilt from a file written by export()."""
    proto = onnx.load(path)
    meta = json.loads({p.key: p.value for p in proto.metadata_props}[META_KEY])
    model = digital_model(LMConfig(**meta["config"]))
    if meta["gaincell"] is not None:
        model = gaincell_model(model, **meta["gaincell"])
    state = {}
    for init in proto.graph.initializer:
        if init.name.startswith("model."):
            name, array = init.name[6:], onnx.numpy_helper.to_array(init)
            if name.endswith("_T"):
                name, array = name[:-2], array.T
            state[name] = torch.from_numpy(np.array(array))
    model.load_state_dict(state, strict=True)
    return model.eval(), meta["vocab"]
