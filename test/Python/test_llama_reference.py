"""test_llama_reference.py: the hardware reference of the modern decoders
(gcim_models.llama: Decoder.use_attention, gain_cell_attention, causal_window), which
test/Integration/codegen-llm.py compares the analog builds with."""
import numpy as np
import pytest
import torch

import gcim_reference
from gcim_models.llama import Decoder, DecoderConfig, causal_window, gain_cell_attention

TOKENS = torch.tensor([[3, 14, 15, 9, 2, 7, 33, 1]])


def band(t, window):
    age = np.arange(t)[:, None] - np.arange(t)[None, :]
    return (age >= 0) & (age < window)


def test_causal_window_reads_the_mask():
    assert causal_window(band(6, 6)) == 6
    assert causal_window(band(6, 3)) == 3
    assert causal_window(np.ones((6, 6), bool)) is None      # not causal
    assert causal_window(band(6, 3) & ~np.eye(6, dtype=bool)) is None


def test_softmax_path_unchanged():
    """use_attention(None) gives back torch's float results bit for bit."""
    config = DecoderConfig(family="mistral", seed=7, init_std=0.2)
    fresh, switched = Decoder(config).eval(), Decoder(config).eval()
    with torch.no_grad():
        want = fresh(TOKENS)[0]
        switched.use_attention(gain_cell_attention())
        analog = switched(TOKENS)[0]
        switched.use_attention(None)
        assert torch.equal(switched(TOKENS)[0], want)
    assert not torch.allclose(analog, want, atol=1e-2)


def test_hardware_attention_per_head():
    """One call = gcim_reference.attention with the default scalers, a_q = the scale, and
    the mask's window (a ring of 3 slots here)."""
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 2, 8, 16)).astype(np.float32) for _ in range(3))
    mask = torch.zeros(8, 8).masked_fill(torch.from_numpy(~band(8, 3)), float("-inf"))
    got = gain_cell_attention()(*map(torch.from_numpy, (q, k, v)), mask, 0.25).numpy()
    scales = np.tile(np.asarray(gcim_reference.DEFAULT_SCALES, np.float32), (2, 1))
    scales[:, 0] = 0.25
    want = gcim_reference.attention(q, k, v, scales, gcim_reference.Params(window=3))
    assert np.array_equal(got, want)
    unbounded = gcim_reference.attention(q, k, v, scales, gcim_reference.Params())
    assert not np.array_equal(got, unbounded)


def test_hardware_attention_refusals():
    attention = gain_cell_attention(gcim_reference.Params(window=4))
    x = torch.zeros(1, 1, 6, 16)
    with pytest.raises(ValueError, match="causal sliding-window"):
        attention(x, x, x, torch.zeros(6, 6), 0.25)
    with pytest.raises(ValueError, match="exceeds the hardware's 4"):
        attention(x, x, x, torch.from_numpy(np.where(band(6, 5), 0.0, -1e9)), 0.25)
    with pytest.raises(ValueError, match="KV-cache"):
        attention(x[:, :, :1], x, x, torch.zeros(1, 6), 0.25)
