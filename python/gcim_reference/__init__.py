"""gcim_reference: an independent numpy model of the gain-cell attention hardware
(docs/HardwareModel.md section 2), used to check the C simulator `gcim-sim`.

    from gcim_reference import Params, attention
    y = attention(q, k, v, scales, Params(model="linear", window=256))

Command line: `python3 -m gcim_reference --help`.
"""
from .model import (DEFAULT_SCALES, NONLINEAR_COEFFS, Params, attention, attention_masked,
                    attention_steps, compare, decay_powers, output_step, quantize)

__all__ = ["DEFAULT_SCALES", "NONLINEAR_COEFFS", "Params", "attention", "attention_masked",
           "attention_steps", "compare", "decay_powers", "output_step", "quantize"]
