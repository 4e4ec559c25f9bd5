"""compare.py: gcim.compare, a compiled model's outputs against a reference computed in
Python: a torch module (say the model before export) or any function of numpy arrays (say
the numpy hardware model, gcim_reference). ONNX Runtime is not among Debian's Python
packages, so it is not offered here (the e2e tests drive it from Node)."""
import sys
from dataclasses import dataclass
from typing import Dict

import numpy as np

from .compiler import compile as compile_model
from .model import load


@dataclass
class Comparison:
    """Per output: the largest |gcim - reference| / max(1, |reference|) in `errors`; `ok`
    when every one is within `tolerance`; `outputs`/`reference` the arrays."""
    errors: Dict[str, float]
    tolerance: float
    outputs: Dict[str, np.ndarray]
    reference: Dict[str, np.ndarray]

    @property
    def ok(self):
        return all(error <= self.tolerance for error in self.errors.values())

    def __str__(self):
        lines = [f"{name}: largest relative error {error:.3g} (tolerance {self.tolerance:g})"
                 f"{'' if error <= self.tolerance else ' FAIL'}"
                 for name, error in self.errors.items()]
        return "\n".join(lines)


def _as_numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


def _run_reference(reference, model, inputs):
    """The reference's outputs by name: a torch module gets tensors, anything else numpy
    arrays, positionally in graph order; it may return one array, a tuple (the first graph
    outputs in order) or a dict by output name."""
    ordered = [inputs[info.name] for info in model.inputs]
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(reference, torch.nn.Module):
        with torch.no_grad():
            result = reference(*[torch.from_numpy(np.asarray(x)) for x in ordered])
    else:
        result = reference(*ordered)
    if isinstance(result, dict):
        return {name: _as_numpy(value) for name, value in result.items()}
    values = result if isinstance(result, (tuple, list)) else (result,)
    return {info.name: _as_numpy(value) for info, value in zip(model.outputs, values)}


def compare(onnx_path, inputs, out_dir, reference, tolerance=1e-4, attention="digital",
            **options):
    """Compiles `onnx_path` into `out_dir` (gcim.compile with `attention` and `options`),
    runs it on `inputs` ({name: array}) and compares each output the reference gives
    (shapes must be equal) with it; returns a Comparison. Exact (digital) attention is the
    default, since a torch or numpy model of softmax attention is the usual reference."""
    compile_model(onnx_path, out_dir, attention=attention, **options)
    with load(out_dir, name=options.get("name")) as model:
        outputs = model.run(inputs)
        expected = _run_reference(reference, model, inputs)
    errors = {}
    for name, want in expected.items():
        if name not in outputs:
            raise ValueError(f"the reference returns '{name}', which the model does not")
        got = outputs[name]
        if got.shape != want.shape:
            raise ValueError(f"output '{name}': the model gives shape {got.shape}, the "
                             f"reference {want.shape}")
        scale = np.maximum(1.0, np.abs(want.astype(np.float64)))
        errors[name] = float(np.max(np.abs(got.astype(np.float64) - want) / scale,
                                    initial=0.0))
    return Comparison(errors, tolerance, {n: outputs[n] for n in expected}, expected)
