"""test_step.py: step, reset, position, generate and eval over the step function, against
the graph's run, the program's --generate and --eval, and torch.

Tolerances: step vs run and vs torch, digital attention: 1e-4 relative to max(1, |logit|)
(float32 with a different summation blocking for M = 1 and M = T; about 1e-6 observed).
Greedy tokens must be equal: the logits are far from ties at init_std 0.1 (as
test/Integration/codegen-stream.py)."""
import json
import math
import re
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gcim
from conftest import GPT2_CONFIG, SOURCE, token_batch
from gcim import lm

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


@pytest.fixture(scope="module", params=[("digital", "shakespeare_digital.onnx", 1e-5),
                                        ("analog", "shakespeare.onnx", 1e-4)],
                ids=["digital", "analog"])
def shakespeare(request, tmp_path_factory):
    attention, file, rtol = request.param
    path = SOURCE / "examples" / file
    folder = tmp_path_factory.mktemp(f"shakespeare-{attention}") / "out"
    gcim.compile(path, folder, name="shk", emit_main=True, attention=attention)
    proc = subprocess.run(["make", "-C", str(folder), "-j2", "shk"], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return path, folder / "shk", rtol


def test_the_programs_eval_matches_torch_on_the_shipped_model(shakespeare):
    """The program's --eval on the 64 held-out windows (a row each, from a reset) against
    gcim.lm's torch model rebuilt from the same ONNX file. Relative tolerance on the
    perplexity: digital 1e-5 (float32 logits within 1e-4 * max(1, |logit|) in another
    summation order move a mean over 16,384 characters far less); analog 1e-4 (as digital,
    and a summation-order tie may flip one output quantiser by a step: the simulator's
    rule, at most 0.1 % of rows, about 1e-3 on their logits), as
    test/Integration/shakespeare-example.py. Accuracy (argmax = next character) within
    1/1000 absolute: a near-tie may flip a few of the 16,384 argmaxes."""
    path, program, rtol = shakespeare
    heldout = SOURCE / "examples" / "shakespeare_heldout.npy"
    proc = subprocess.run([str(program), "--eval", str(heldout), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1, "--json prints one line"
    got = json.loads(proc.stdout)
    windows = np.load(heldout)
    model, _ = lm.load_onnx(str(path))
    logits = lm.logits_of(model, windows[:, :-1])
    loss = lm.cross_entropy(logits, windows[:, 1:])
    accuracy = float((logits.argmax(-1) == windows[:, 1:]).mean())
    assert got["eval"] == str(heldout) and got["tokens"] == windows[:, 1:].size
    assert abs(got["meanNll"] - loss) <= rtol * loss
    assert abs(got["perplexity"] / math.exp(loss) - 1) <= rtol
    assert abs(got["accuracy"] - accuracy) <= 1e-3
    assert got["seed"] == 0
    if "digital" in path.name:
        assert got["stats"] is None, "no head is simulated with --attention=digital"
    else:
        assert got["stats"]["tokens"] == got["tokens"] and got["stats"]["heads"] == 4
    text = subprocess.run([str(program), "--eval", str(heldout)], capture_output=True,
                          text=True)
    match = re.fullmatch(r"perplexity (\S+) \(mean NLL (\S+) nats\) over (\d+) predicted "
                         r"tokens\n", text.stdout)
    assert match, text.stdout + text.stderr
    assert abs(float(match[1]) / got["perplexity"] - 1) <= 1e-5  # printed to 6 digits
    assert int(match[3]) == got["tokens"]


def test_the_programs_eval_refuses_bad_tokens(shakespeare, tmp_path):
    _, program, _ = shakespeare
    cases = {"oov": (np.array([1, 2, 70, 3]), "token 70 (at index 2) is outside the "
                     "vocabulary of 65 tokens"),
             "float": (np.array([1.0, 2.0]), "needs integer token ids"),
             "short": (np.array([[4], [5]]), "of at least two tokens")}
    for name, (tokens, message) in cases.items():
        np.save(tmp_path / f"{name}.npy", tokens)
        proc = subprocess.run([str(program), "--eval", str(tmp_path / f"{name}.npy")],
                              capture_output=True, text=True)
        assert proc.returncode == 1 and message in proc.stderr, (name, proc.stderr)
        assert proc.stdout == ""
