"""test_step.py: step, reset, position, generate and eval over the step function, against
the graph's run, the program's --generate and torch.

Tolerances: step vs run and vs torch, digital attention: 1e-4 relative to max(1, |logit|)
(float32 with a different summation blocking for M = 1 and M = T; about 1e-6 observed).
Greedy tokens must be equal: the logits are far from ties at init_std 0.1 (as
test/Integration/codegen-stream.py)."""
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import GPT2_CONFIG, token_batch

TOLERANCE = 1e-4


def relative_error(got, want):
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))


def test_step_matches_run_and_position_counts(gpt2_digital):
    model = gpt2_digital.model
    ids = token_batch(7)
    full = model.run(input_ids=ids)["logits"][0]
    model.reset()
    for t, token in enumerate(ids[0]):
        assert model.position == t
        assert relative_error(model.step(int(token)), full[t]) <= TOLERANCE
    model.reset()
    assert model.position == 0
    assert relative_error(model.step(int(ids[0, 0])), full[0]) <= TOLERANCE


def torch_greedy(torch_model, prompt, n):
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = torch_model(torch.tensor([ids]))[0]
            ids.append(int(torch.argmax(logits[0, -1])))
    return ids[len(prompt):]


def test_generate_matches_torch_and_the_program(gpt2_digital, gpt2_torch):
    prompt, n = [5, 17, 3], 10
    tokens = gpt2_digital.model.generate(prompt, n)
    assert tokens == torch_greedy(gpt2_torch, prompt, n)
    proc = subprocess.run([str(gpt2_digital.program), "--generate", str(n), "--prompt",
                           ",".join(map(str, prompt))], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert [int(t) for t in proc.stdout.split()] == tokens


def test_generate_analog_matches_the_program(gpt2_analog):
    prompt, n = [1, 2], 12
    tokens = gpt2_analog.model.generate(prompt, n)
    proc = subprocess.run([str(gpt2_analog.program), "--generate", str(n), "--prompt",
                           ",".join(map(str, prompt))], capture_output=True, text=True)
    assert [int(t) for t in proc.stdout.split()] == tokens, proc.stderr


def test_sampling_is_seeded_and_tends_to_greedy(gpt2_digital):
    model = gpt2_digital.model
    first = model.generate([4], 8, temperature=1.0, seed=3)
    assert first == model.generate([4], 8, temperature=1.0, seed=3)
    assert all(0 <= t < GPT2_CONFIG.vocab for t in first)
    assert model.generate([4], 8, temperature=1e-6, seed=3) == model.generate([4], 8)
    others = {tuple(model.generate([4], 8, temperature=1.0, seed=s)) for s in range(4)}
    assert len(others) > 1, "sampling at temperature 1 always gave the same tokens"


def test_eval_matches_torch(gpt2_digital, gpt2_torch):
    tokens = token_batch(8, (2, 12))
    result = gpt2_digital.model.eval(tokens)
    with torch.no_grad():
        logits = gpt2_torch(torch.from_numpy(tokens))[0]
    targets = torch.from_numpy(tokens[:, 1:])
    predictions = logits[:, :-1]
    loss = F.cross_entropy(predictions.reshape(-1, GPT2_CONFIG.vocab).double(),
                           targets.reshape(-1)).item()
    accuracy = (predictions.argmax(-1) == targets).double().mean().item()
    assert result.tokens == 2 * 11
    assert abs(result.cross_entropy - loss) <= TOLERANCE * max(1.0, loss)
    assert abs(result.perplexity - np.exp(loss)) <= TOLERANCE * np.exp(loss)
    assert result.accuracy == accuracy


def test_eval_against_the_programs_eval(gpt2_digital):
    usage = subprocess.run([str(gpt2_digital.program), "--help"], capture_output=True,
                           text=True).stdout
    if "--eval" not in usage:
        pytest.skip("the generated program has no --eval yet (issue 15): m.eval is checked "
                    "against torch only")
    pytest.fail("the program now has --eval: compare m.eval with it here")
