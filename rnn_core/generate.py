"""One-to-many: a character (or word) model writes, each output fed back as the next input.

Notes
-----
At each step the model gives probabilities y over the vocabulary. With temperature τ the sampling
distribution is p ∝ y^(1/τ) (τ → 0 is the argmax, τ = 1 the model's own), restricted to the k most
likely tokens when ``top_k`` is given.
"""

from dataclasses import dataclass

import numpy as np

from .data import END, InputError, one_hot


@dataclass
class Generation:
    """What a generation run wrote.

    Attributes
    ----------
    prompt : list of str              the start token(s)
    tokens : list of str              the tokens written (the end marker not included)
    probabilities : ndarray of shape (n, V)   the sampling distribution at each written step
    record : ModelRecord              the whole run (prompt + written tokens) replayed in one pass, for pictures
    """

    prompt: list
    tokens: list
    probabilities: np.ndarray
    record: object

    @property
    def text(self):
        sep = "" if all(len(t) == 1 for t in self.prompt + self.tokens) else " "
        return sep.join(self.prompt + self.tokens)


def sampling_distribution(y, temperature=1.0, top_k=None):
    """p ∝ y^(1/τ) over the ``top_k`` most likely tokens; τ = 0 puts all mass on the argmax. y: (V,)."""
    y = np.asarray(y, float)
    if temperature < 0:
        raise InputError("the temperature must be 0 or more")
    if temperature == 0:
        p = np.zeros_like(y)
        p[int(np.argmax(y))] = 1.0
        return p
    logp = np.log(np.maximum(y, 1e-300)) / temperature
    if top_k is not None:
        if int(top_k) < 1:
            raise InputError("top-k must be at least 1")
        cut = np.sort(logp)[-min(int(top_k), len(y))]
        logp = np.where(logp >= cut, logp, -np.inf)
    p = np.exp(logp - logp.max())
    return p / p.sum()


def generate(model, vocab, start, max_length=50, temperature=1.0, top_k=None, seed=0):
    """Write up to ``max_length`` tokens after ``start`` (a token, or a string of one-letter tokens).

    The model's inputs and outputs share ``vocab``; writing stops at the end marker if the vocabulary has one.
    """
    index = {tok: i for i, tok in enumerate(vocab)}
    prompt = [start] if start in index else list(start)
    unknown = [tok for tok in prompt if tok not in index]
    if not prompt or unknown:
        raise InputError(f"start with one of: {' '.join(v for v in vocab if v != END)}")
    if not 1 <= int(max_length) <= 1000:
        raise InputError("the length must be from 1 to 1000")
    rng = np.random.default_rng(seed)
    V = len(vocab)
    rec = model.forward(one_hot(np.array([index[t] for t in prompt])[:, None], V), record=False)
    tokens, probs = [], []
    for _ in range(int(max_length)):
        p = sampling_distribution(rec.y[-1, 0], temperature, top_k)
        k = int(rng.choice(V, p=p))
        probs.append(p)
        if vocab[k] == END:
            break
        tokens.append(vocab[k])
        state = rec.rnn.h_n if rec.rnn.kind != "lstm" else (rec.rnn.h_n, rec.rnn.c_n)
        rec = model.forward(one_hot(np.array([[k]]), V), h0=state, record=False)
    ids = np.array([index[t] for t in prompt + tokens])
    replay = model.forward(one_hot(ids[:, None], V))
    return Generation(prompt, tokens, np.array(probs), replay)
