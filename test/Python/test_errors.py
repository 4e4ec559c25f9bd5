"""test_errors.py: every error path of load, run, step, generate and eval is a Python
exception with a message, never a crash."""
import shutil

import numpy as np
import pytest

import gcim
from conftest import GPT2_CONFIG, token_batch


def test_load_bad_paths(tmp_path, gpt2_digital, gpt2_analog):
    with pytest.raises(gcim.GcimError, match="is not a folder"):
        gcim.load(tmp_path / "missing")
    with pytest.raises(gcim.GcimError, match="holds 0 gcim-compile outputs"):
        gcim.load(tmp_path)
    with pytest.raises(gcim.GcimError, match="holds no model named 'other' \\(found: gpt2d\\)"):
        gcim.load(gpt2_digital.folder, name="other")
    both = tmp_path / "both"
    shutil.copytree(gpt2_digital.folder, both)
    for name in ("gpt2a.h", "gpt2a.c"):
        shutil.copy(gpt2_analog.folder / name, both)
    with pytest.raises(gcim.GcimError, match="holds 2 gcim-compile outputs"):
        gcim.load(both)


def copy_of(compiled, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(compiled.folder, folder)  # keeps the times: make rebuilds what changed
    return folder


def test_c_that_does_not_build_is_a_build_error(gpt2_digital, tmp_path):
    folder = copy_of(gpt2_digital, tmp_path)
    with open(folder / "gpt2d.c", "a", encoding="utf-8") as f:
        f.write("\nthis is not C;\n")
    with pytest.raises(gcim.BuildError, match="make -C .* libgpt2d.so failed"):
        gcim.load(folder)


def test_bad_weights_are_refused_with_the_c_message(gpt2_digital, tmp_path):
    folder = copy_of(gpt2_digital, tmp_path)
    weights = folder / "gpt2d.weights"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(gcim.RunError, match="gpt2d.weights"):
        gcim.load(folder)
    weights.unlink()
    with pytest.raises(gcim.RunError, match="gpt2d.weights"):
        gcim.load(folder, build=False)


def test_wrong_inputs(gpt2_digital):
    model = gpt2_digital.model
    ids = token_batch(9)
    with pytest.raises(TypeError, match="input 'input_ids' is int64 but the value is float32"):
        model.run(input_ids=ids.astype(np.float32))
    with pytest.raises(ValueError, match="has shape \\(1, 15\\), the model needs \\(1, 16\\)"):
        model.run(input_ids=ids[:, :15])
    with pytest.raises(ValueError, match="values from .* do not fit"):
        model.run(input_ids=np.full(ids.shape, 2 ** 63, np.uint64))
    with pytest.raises(ValueError, match="unknown \\['ids'\\]; missing \\['input_ids'\\]"):
        model.run(ids=ids)
    with pytest.raises(ValueError, match="missing \\['input_ids'\\]"):
        model.run()


def test_errors_of_the_generated_code_become_run_errors(gpt2_digital):
    model = gpt2_digital.model
    ids = token_batch(10)
    ids[0, 3] = GPT2_CONFIG.vocab
    with pytest.raises(gcim.RunError, match="index out of range in Gather"):
        model.run(input_ids=ids)
    model.reset()
    for token in range(GPT2_CONFIG.context):
        model.step(token % GPT2_CONFIG.vocab)
    # Digital attention's "the context is full" comes after the position embedding's
    # Gather, which refuses position 16 first.
    with pytest.raises(gcim.RunError, match="index out of range in Gather|context is full"):
        model.step(0)
    assert model.position == GPT2_CONFIG.context
    model.reset()
    assert model.step(0).shape == (GPT2_CONFIG.vocab,)


def test_wrong_tokens(gpt2_digital):
    model = gpt2_digital.model
    with pytest.raises(TypeError, match="step takes one integer token, not float"):
        model.step(1.5)
    with pytest.raises(ValueError, match="token ids in \\[0, 64\\)"):
        model.generate([GPT2_CONFIG.vocab], 3)
    with pytest.raises(ValueError, match="at least one token"):
        model.generate([], 3)
    with pytest.raises(ValueError, match="at least two tokens"):
        model.eval([3])
    with pytest.raises(ValueError, match="token ids"):
        model.eval([0.5, 1.5])


def test_a_closed_model_refuses_calls(gpt2_digital):
    model = gcim.load(gpt2_digital.folder)
    model.close()
    model.close()
    with pytest.raises(gcim.GcimError, match="is closed"):
        model.run(input_ids=token_batch(11))
    with pytest.raises(gcim.GcimError, match="is closed"):
        model.stats()
