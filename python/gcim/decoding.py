"""decoding.py: token-by-token use of a model's step function: generation and next-token
evaluation (cross-entropy, perplexity, accuracy). Written over Model.step; the generated
program's --eval (PREFIX_eval in C) computes the same figures."""
import math
from dataclasses import dataclass

import numpy as np


def _check_tokens(tokens, vocab, what):
    array = np.asarray(tokens)
    if array.size == 0:
        array = array.astype(np.int64)  # [] is float64 to numpy
    if array.dtype.kind not in "iu" or array.size and (array.min() < 0 or array.max() >= vocab):
        raise ValueError(f"{what} must be integer token ids in [0, {vocab})")
    return array


def _pick(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))  # the first of equal maxima, as the program
    scaled = logits.astype(np.float64) / temperature
    probabilities = np.exp(scaled - scaled.max())
    return int(rng.choice(len(logits), p=probabilities / probabilities.sum()))


def generate(model, prompt, n, temperature=0.0, seed=None):
    """See Model.generate."""
    vocab = int(np.prod(model.step_outputs[0].shape))
    prompt = _check_tokens(prompt, vocab, "the prompt").reshape(-1)
    if prompt.size == 0 or n < 0 or temperature < 0:
        raise ValueError("generate needs a prompt of at least one token, n >= 0 and "
                         "temperature >= 0")
    rng = np.random.default_rng(seed)
    model.reset()
    for token in prompt:
        logits = model.step(int(token))
    produced = []
    for i in range(n):
        produced.append(_pick(logits, temperature, rng))
        if i + 1 < n:
            logits = model.step(produced[-1])
    return produced


@dataclass
class Evaluation:
    """Next-token prediction over `tokens` scored positions: mean cross-entropy (nats),
    perplexity exp(cross_entropy), accuracy of the argmax."""
    tokens: int
    cross_entropy: float
    perplexity: float
    accuracy: float


def log_softmax(logits):
    shifted = logits.astype(np.float64) - np.max(logits)
    return shifted - math.log(np.exp(shifted).sum())


def evaluate(model, tokens):
    """See Model.eval."""
    vocab = int(np.prod(model.step_outputs[0].shape))
    rows = _check_tokens(tokens, vocab, "eval's tokens")
    rows = rows.reshape(1, -1) if rows.ndim == 1 else rows
    if rows.ndim != 2 or rows.shape[1] < 2:
        raise ValueError("eval needs sequences of at least two tokens (1-D or 2-D)")
    loss, correct = 0.0, 0
    for row in rows:
        model.reset()
        for t in range(len(row) - 1):
            logits = model.step(int(row[t]))
            loss -= log_softmax(logits)[row[t + 1]]
            correct += int(np.argmax(logits) == row[t + 1])
    scored = rows.shape[0] * (rows.shape[1] - 1)
    return Evaluation(scored, loss / scored, math.exp(loss / scored), correct / scored)
