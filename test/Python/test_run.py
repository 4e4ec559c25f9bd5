"""test_run.py: Model.run and the I/O tables against the generated program (bit for bit:
the same C, built as a static library for the program and as a shared library for
gcim.load) and against torch (digital attention, within 1e-4 relative to max(1, |torch|):
float32 arithmetic summed in another order; about 1e-6 observed)."""
import numpy as np
import torch

import gcim
from conftest import GPT2_CONFIG, SOURCE, run_program, token_batch

TORCH_TOLERANCE = 1e-4


def test_io_tables_name_the_graphs_inputs_and_outputs(gpt2_digital):
    model = gpt2_digital.model
    assert model.inputs == [gcim.TensorInfo("input_ids", "int64", (1, GPT2_CONFIG.context))]
    assert model.outputs == [gcim.TensorInfo("logits", "float32",
                                             (1, GPT2_CONFIG.context, GPT2_CONFIG.vocab))]
    assert [i.dtype for i in model.step_inputs] == ["int64"]
    assert int(np.prod(model.step_outputs[0].shape)) == GPT2_CONFIG.vocab


def check_bit_identical(compiled, inputs, tmp_path):
    program_outputs, _, _ = run_program(compiled, inputs, tmp_path)
    outputs = compiled.model.run(**inputs)
    assert sorted(outputs) == sorted(program_outputs)
    for name, want in program_outputs.items():
        assert outputs[name].dtype == want.dtype and outputs[name].shape == want.shape
        assert np.array_equal(outputs[name], want), f"{name}: not bit-identical"


def test_run_is_bit_identical_to_the_program_digital(gpt2_digital, tmp_path):
    check_bit_identical(gpt2_digital, {"input_ids": token_batch(1)}, tmp_path)


def test_run_is_bit_identical_to_the_program_analog(gpt2_analog, tmp_path):
    check_bit_identical(gpt2_analog, {"input_ids": token_batch(2)}, tmp_path)


def test_example_run_is_bit_identical_to_the_program(example, tmp_path):
    ids = np.load(SOURCE / "examples" / "copy_task_inputs.npy")[:1]
    check_bit_identical(example, {example.model.inputs[0].name: ids}, tmp_path)


def test_run_matches_torch(gpt2_digital, gpt2_torch):
    ids = token_batch(3)
    with torch.no_grad():
        want = gpt2_torch(torch.from_numpy(ids))[0].numpy()
    got = gpt2_digital.model.run(input_ids=ids)["logits"]
    error = np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))
    assert error <= TORCH_TOLERANCE, f"largest relative error {error:.3g}"


def test_run_accepts_a_dict_and_other_integer_types(gpt2_digital):
    ids = token_batch(4)
    model = gpt2_digital.model
    want = model.run(input_ids=ids)["logits"]
    assert np.array_equal(model.run({"input_ids": ids.astype(np.int32)})["logits"], want)
    assert np.array_equal(model.run(input_ids=ids.tolist())["logits"], want)


def test_stats_have_the_program_files_keys_and_values(gpt2_analog, tmp_path):
    """After one run, the counters of a fresh model equal the program's --stats file
    (which prints six decimals: values within 1e-6 relative)."""
    inputs = {"input_ids": token_batch(5)}
    _, program_stats, _ = run_program(gpt2_analog, inputs, tmp_path)
    with gcim.load(gpt2_analog.folder) as model:
        model.run(**inputs)
        stats = model.stats()
    assert stats["headSteps"] == GPT2_CONFIG.layers * GPT2_CONFIG.heads * GPT2_CONFIG.context
    assert_same_stats(stats, program_stats)


def assert_same_stats(got, want, path=""):
    assert sorted(got) == sorted(want), f"keys of {path or 'the stats'}"
    for key, value in want.items():
        if isinstance(value, dict):
            assert_same_stats(got[key], value, f"{path}{key}.")
        else:
            assert abs(got[key] - value) <= 1e-6 * max(1.0, abs(value)), f"{path}{key}"


def test_threads_give_the_same_bits(gpt2_analog):
    ids = token_batch(6)
    want = gpt2_analog.model.run(input_ids=ids)["logits"]
    with gcim.load(gpt2_analog.folder, threads=1) as single:
        assert np.array_equal(single.run(input_ids=ids)["logits"], want)
