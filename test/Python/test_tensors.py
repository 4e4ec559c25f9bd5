"""test_tensors.py: inputs and outputs of other types, on a graph of two Casts: a float32
input cast to a bfloat16 output, a bfloat16 input cast to float32. bfloat16 goes in as
floats rounded to nearest even and comes out widened to float32, as in the program (checked
bit for bit) and by hand: 1 + 2^-8 is a tie that rounds to 1, 1 + 3 * 2^-8 one that rounds
up to 1 + 2^-6."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import gcim
from conftest import compile_and_build, run_program

VALUES = np.array([1.0, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, np.nan, -2.5], np.float32)
ROUNDED = np.array([1.0, 1.0, 1.0 + 2 ** -6, np.nan, -2.5], np.float32)


@pytest.fixture(scope="module")
def casts(tmp_path_factory):
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.BFLOAT16),
         helper.make_node("Cast", ["b"], ["z"], to=TensorProto.FLOAT)], "casts",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5]),
         helper.make_tensor_value_info("b", TensorProto.BFLOAT16, [5])],
        [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, [5]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, [5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    folder = tmp_path_factory.mktemp("casts")
    onnx.save(model, folder / "casts.onnx")
    return compile_and_build(folder / "casts.onnx", folder / "out", "casts")


def test_bfloat16_in_and_out(casts, tmp_path):
    model = casts.model
    assert [(i.name, i.dtype) for i in model.inputs] == [("x", "float32"), ("b", "bfloat16")]
    outputs = model.run(x=VALUES, b=VALUES.astype(np.float64))
    for name in ("y", "z"):
        assert outputs[name].dtype == np.float32
        np.testing.assert_array_equal(outputs[name], ROUNDED)
    program, _, _ = run_program(casts, {"x": VALUES, "b": VALUES}, tmp_path)
    for name in ("y", "z"):
        assert program[name].tobytes() == outputs[name].tobytes()


def test_wrong_kinds_and_shapes_name_the_input(casts):
    model = casts.model
    with pytest.raises(TypeError, match="input 'b' is bfloat16 but the value is int64"):
        model.run(x=VALUES, b=np.arange(5))
    with pytest.raises(TypeError, match="input 'x' is float32 but the value is bool"):
        model.run(x=np.ones(5, bool), b=VALUES)
    with pytest.raises(ValueError, match=r"input 'x' has shape \(4,\), the model needs \(5,\)"):
        model.run(x=VALUES[:4], b=VALUES)


def test_a_graph_without_a_step_function(casts):
    for call in (lambda m: m.step(1), lambda m: m.reset(), lambda m: m.generate([1], 2),
                 lambda m: m.eval([1, 2])):
        with pytest.raises(gcim.GcimError, match="has no step function"):
            call(casts.model)
    assert casts.model.step_inputs == [] and casts.model.stats()["headSteps"] == 0
