"""test_compile.py: gcim.compile: options passed through generically, the hardware
description, and CompileError carrying gcim-compile's diagnostics."""
import pytest

import gcim
from gcim.compiler import option_arguments


def test_options_become_flags():
    assert option_arguments({"name": "m", "emit_main": True, "embed_weights": False,
                             "report": None, "input_shape": {"ids": "1x4", "mask": "1x4"},
                             "mlir_elide_elementsattrs_if_larger": 8}) == [
        "--name=m", "--emit-main", "--input-shape=ids=1x4", "--input-shape=mask=1x4",
        "--mlir-elide-elementsattrs-if-larger=8"]
    assert option_arguments({"flag": ["a", "b"]}) == ["--flag=a", "--flag=b"]


def test_compile_writes_the_folder(gpt2_onnx, tmp_path):
    out = gcim.compile(gpt2_onnx, tmp_path / "out", attention="digital", name="g")
    assert out == tmp_path / "out"
    assert {"g.h", "g.c", "g.weights", "Makefile"} <= {p.name for p in out.iterdir()}


def test_an_ir_stage_goes_to_a_file_with_the_hardware_given(gpt2_onnx, tmp_path):
    hw = gcim.hardware()
    hw["kv.levels"] = 6  # the window would not show: it is fitted to the 16-token context
    ir = gcim.compile(gpt2_onnx, tmp_path / "tiles.mlir", attention="analog", hw=hw,
                      emit="tiles", mlir_elide_resource_strings_if_larger=16)
    text = ir.read_text()
    assert 'kind = "dac", levels = 6 : i64' in text and 'kind = "dac", levels = 8' not in text


def test_a_bad_model_is_a_compile_error_with_diagnostics(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not a protobuf")
    with pytest.raises(gcim.CompileError) as error:
        gcim.compile(bad, tmp_path / "out")
    assert error.value.returncode == 1
    assert "bad.onnx" in error.value.diagnostics and "error" in error.value.diagnostics
    assert "bad.onnx" in str(error.value)
    assert not (tmp_path / "out").exists()


def test_a_missing_model_is_a_compile_error(tmp_path):
    with pytest.raises(gcim.CompileError, match="cannot open"):
        gcim.compile(tmp_path / "missing.onnx", tmp_path / "out")


def test_bad_options_are_usage_errors(gpt2_onnx, tmp_path):
    with pytest.raises(gcim.CompileError, match="--attention must be") as error:
        gcim.compile(gpt2_onnx, tmp_path / "out", attention="quantum")
    assert error.value.returncode == 2
    with pytest.raises(gcim.CompileError, match="unknown option '--frobnicate'"):
        gcim.compile(gpt2_onnx, tmp_path / "out", frobnicate=True)


def test_a_missing_compiler_is_named(gpt2_onnx, tmp_path):
    with pytest.raises(gcim.GcimError, match="gcim-compile not found at '/nonexistent/gc'"):
        gcim.compile(gpt2_onnx, tmp_path / "out", compiler="/nonexistent/gc")
