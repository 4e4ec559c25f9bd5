"""export.py: torch.onnx.export of the GPT-2-style model (gpt2.py) with gcim's naming.

Inputs `input_ids` (int64 (B, T)) and, with a KV cache, `past_key_<i>` / `past_value_<i>`
(float32 (B, H, T_past, D)); outputs `logits` (float32 (B, T, vocab)) and, with a cache,
`present_key_<i>` / `present_value_<i>` (B, H, T_past + T, D). Output files are written to
a temporary name in the target directory and renamed into place.
"""
import io
import os
import tempfile
from dataclasses import dataclass
from typing import Optional

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from .gpt2 import GPT2, ExportWrapper, GPT2Config, input_names, output_names


@dataclass
class ExportOptions:
    opset: int = 17
    kv_cache: bool = False
    dynamic: bool = False
    batch: int = 1
    seq: Optional[int] = None  # tokens per call; default context (1 with a KV cache)
    past: Optional[int] = None  # past length with a KV cache; default context - seq
    external_data: bool = False

    def resolve(self, config: GPT2Config):
        if self.opset not in (14, 17):
            raise ValueError(f"opset must be 14 or 17, got {self.opset}")
        if self.past is not None and not self.kv_cache:
            raise ValueError("a past length needs --kv-cache")
        seq = self.seq if self.seq is not None else (1 if self.kv_cache else config.context)
        past = 0
        if self.kv_cache:
            past = self.past if self.past is not None else config.context - seq
        if self.batch < 1 or seq < 1 or past < 0:
            raise ValueError(f"bad shape: batch {self.batch}, seq {seq}, past {past}")
        if seq + past > config.context:
            raise ValueError(f"seq + past = {seq + past} exceeds the context {config.context}")
        return seq, past


def example_inputs(config: GPT2Config, batch: int, seq: int, past: int, kv_cache: bool,
                   seed: int = 1):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, config.vocab, (batch, seq), generator=gen, dtype=torch.long)]
    if kv_cache:
        for _ in range(2 * config.layers):
            inputs.append(torch.randn((batch, config.heads, past, config.head_dim), generator=gen))
    return tuple(inputs)


def dynamic_axes(config: GPT2Config, kv_cache: bool):
    axes = {"input_ids": {0: "batch", 1: "sequence"},
            "logits": {0: "batch", 1: "sequence"}}
    if kv_cache:
        for i in range(config.layers):
            for kind in ("key", "value"):
                axes[f"past_{kind}_{i}"] = {0: "batch", 2: "past_sequence"}
                axes[f"present_{kind}_{i}"] = {0: "batch", 2: "total_sequence"}
    return axes


def export_model(model: GPT2, options: ExportOptions) -> onnx.ModelProto:
    """Exports to an in-memory ModelProto (fine up to protobuf's 2 GB limit)."""
    config = model.config
    seq, past = options.resolve(config)
    wrapper = ExportWrapper(model, options.kv_cache).eval()
    args = example_inputs(config, options.batch, seq, past, options.kv_cache)
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            wrapper, args, buffer,
            opset_version=options.opset,
            input_names=input_names(config, options.kv_cache),
            output_names=output_names(config, options.kv_cache),
            dynamic_axes=dynamic_axes(config, options.kv_cache) if options.dynamic else None,
            do_constant_folding=True)
    proto = onnx.load_model_from_string(buffer.getvalue())
    proto.producer_name = "gcim export_gpt2 (torch " + torch.__version__ + ")"
    return proto


def save_model(proto: onnx.ModelProto, path: str, external_data: bool = False):
    """Writes `path` (and `<basename>.data` beside it with external data) atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix="." + base + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
    tmp_data = None
    try:
        if external_data:
            data_name = base + ".data"
            tmp_data = os.path.join(directory, "." + data_name + ".tmp")
            # onnx writes the data file under the `location` name next to the model; write
            # it under a temporary name, then rename both.
            onnx.save_model(proto, tmp, save_as_external_data=True,
                            all_tensors_to_one_file=True, location=os.path.basename(tmp_data),
                            size_threshold=1024)
            # Point the model at the final data file name.
            reloaded = onnx.load_model(tmp, load_external_data=False)
            for tensor in reloaded.graph.initializer:
                for entry in tensor.external_data:
                    if entry.key == "location":
                        entry.value = data_name
            with open(tmp, "wb") as f:
                f.write(reloaded.SerializeToString())
            os.replace(tmp_data, os.path.join(directory, data_name))
            tmp_data = None
        else:
            with open(tmp, "wb") as f:
                f.write(proto.SerializeToString())
        os.replace(tmp, path)
        tmp = None
    finally:
        for leftover in (tmp, tmp_data):
            if leftover and os.path.exists(leftover):
                os.unlink(leftover)


def name_initializers(proto: onnx.ModelProto, model: torch.nn.Module):
    """Names every initializer 'model.<parameter>' (or '..._T' for a transposed weight) and
    gives each Identity-shared constant an initializer of its own (torch's exporter shares
    equal constants, say the untrained scales of several layers, through Identity nodes)."""
    params = {name: p.detach().numpy() for name, p in model.named_parameters()}
    renames = {}
    for init in proto.graph.initializer:
        array = onnx.numpy_helper.to_array(init)
        if init.name.startswith("model.") and init.name[6:] in params:
            continue
        for name, p in params.items():
            if p.ndim == 2 and array.shape == p.T.shape and np.array_equal(array, p.T):
                renames[init.name] = f"model.{name}_T"
                break
    for init in proto.graph.initializer:
        init.name = renames.get(init.name, init.name)
    for node in proto.graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = renames.get(name, name)
    inits = {init.name: init for init in proto.graph.initializer}
    for node in [n for n in proto.graph.node if n.op_type == "Identity"]:
        if node.input[0] in inits:
            copy = proto.graph.initializer.add()
            copy.CopyFrom(inits[node.input[0]])
            copy.name = node.output[0]
            proto.graph.node.remove(node)
