"""test_compare.py: gcim.compare against torch (the GPT-2-style model, digital attention:
within 1e-4 relative to max(1, |torch|), float32 summed in another order) and against a
numpy function (softmax attention of attention_forms, whose non-causal variant must fail:
the comparison can tell a wrong model; the outputs stay within 1e-5 of the causal one,
float32 against float64 on values of order 1)."""
import onnx

import gcim
from conftest import token_batch
from gcim_models import attention_forms


def test_against_torch(gpt2_onnx, gpt2_reference, tmp_path):
    result = gcim.compare(gpt2_onnx, {"input_ids": token_batch(12)}, tmp_path / "out",
                          reference=gpt2_reference, name="cmp")
    assert result.ok, str(result)
    assert set(result.errors) == {"logits"} and result.errors["logits"] <= 1e-4
    assert "logits: largest relative error" in str(result)


def test_against_numpy_and_a_wrong_reference(tmp_path):
    shape = attention_forms.AttentionShape(heads=2, seq=8, head_dim=32)
    path = tmp_path / "attention.onnx"
    onnx.save(attention_forms.build("torch-softmax", shape), path)
    inputs = attention_forms.example_inputs("torch-softmax", shape)

    def non_causal(q, k, v):
        return attention_forms.reference("torch-softmax", shape, {"q": q, "k": k, "v": v},
                                         causal=False)["y"]

    result = gcim.compare(path, inputs, tmp_path / "out", reference=non_causal)
    assert not result.ok and "FAIL" in str(result)
    causal = attention_forms.reference("torch-softmax", shape, inputs)["y"]
    assert abs(result.outputs["y"] - causal).max() <= 1e-5
