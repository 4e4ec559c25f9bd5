"""conftest.py: shared fixtures of the Python package's tests: tiny models compiled once per
session (a GPT-2-style torch export, digital and analog, and the README's example model),
each with the generated program built beside the library that gcim.load builds.

Run through run.py (ctest `python`), which installs the package into a fresh venv and sets
GCIM_SOURCE_DIR, GCIM_COMPILE and GCIM_SIM.
"""
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

if "GCIM_SOURCE_DIR" not in os.environ:
    sys.exit("conftest.py: run the suite through test/Python/run.py (ctest -R python)")

import gcim  # noqa: E402
from gcim_models.export import ExportOptions, export_model, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, ExportWrapper, GPT2Config  # noqa: E402

SOURCE = Path(os.environ["GCIM_SOURCE_DIR"])
# Logits far from ties (init_std 0.1), as test/Integration/codegen-stream.py.
GPT2_CONFIG = GPT2Config(layers=2, heads=2, head_dim=32, vocab=64, context=16, init_std=0.1,
                         seed=5)


@dataclass
class Compiled:
    """A compiled model: its folder, prefix, the loaded gcim.Model and the program's path."""
    folder: Path
    prefix: str
    model: gcim.Model
    program: Path


def compile_and_build(onnx_path, folder, prefix, **options):
    """gcim.compile with the program, `make` (the static library and the program, as a user
    builds them), then gcim.load (the shared library)."""
    gcim.compile(onnx_path, folder, name=prefix, emit_main=True, **options)
    proc = subprocess.run(["make", "-C", str(folder), "-j2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Compiled(Path(folder), prefix, gcim.load(folder), Path(folder) / prefix)


def run_program(compiled, inputs, tmp_path, *extra):
    """Runs the generated program on {name: array}; returns ({output: array}, stats or
    None, stdout)."""
    command = [str(compiled.program), "--output-dir", str(tmp_path / "out"),
               "--stats", str(tmp_path / "stats.json"), *extra]
    for i, (name, array) in enumerate(inputs.items()):
        np.save(tmp_path / f"in{i}.npy", array)
        command += ["--input", f"{name}={tmp_path / f'in{i}.npy'}"]
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    outputs = {p.stem: np.load(p) for p in sorted((tmp_path / "out").glob("*.npy"))}
    with open(tmp_path / "stats.json", encoding="utf-8") as f:
        return outputs, json.load(f), proc.stdout


@pytest.fixture(scope="session")
def gpt2_torch():
    return GPT2(GPT2_CONFIG).eval()


@pytest.fixture(scope="session")
def gpt2_onnx(gpt2_torch, tmp_path_factory):
    """The torch export over the whole context (T = 16, static shapes)."""
    path = tmp_path_factory.mktemp("gpt2") / "gpt2.onnx"
    save_model(export_model(gpt2_torch, ExportOptions(opset=17)), str(path))
    return path


@pytest.fixture(scope="session")
def gpt2_reference(gpt2_torch):
    """torch's logits for the export's input, as gcim.compare takes a reference."""
    return ExportWrapper(gpt2_torch, False).eval()


@pytest.fixture(scope="session")
def gpt2_digital(gpt2_onnx, tmp_path_factory):
    return compile_and_build(gpt2_onnx, tmp_path_factory.mktemp("digital") / "out",
                             "gpt2d", attention="digital")


@pytest.fixture(scope="session")
def gpt2_analog(gpt2_onnx, tmp_path_factory):
    return compile_and_build(gpt2_onnx, tmp_path_factory.mktemp("analog") / "out",
                             "gpt2a", attention="analog")


@pytest.fixture(scope="session")
def example(tmp_path_factory):
    """examples/copy_task.onnx (gain-cell attention, trained) with analog attention."""
    return compile_and_build(SOURCE / "examples" / "copy_task.onnx",
                             tmp_path_factory.mktemp("example") / "out", "copy_task",
                             attention="analog")


def token_batch(seed, shape=(1, GPT2_CONFIG.context)):
    return np.random.default_rng(seed).integers(0, GPT2_CONFIG.vocab, shape, dtype=np.int64)
