"""A character-level model of a text: trained with truncated BPTT over chunks, as min-char-rnn, and sampled
one character at a time with a prime, a temperature, top-k and a seed.

Notes
-----
The text, as indices c_0 … c_{N-1} into the vocabulary (V characters), is cut into B streams of equal
length. Each update reads the next chunk of T characters of every stream, x_t = onehot(c_t), and is scored
on the next character, ℓ_t = -log y_t[c_{t+1}]. The state at the end of a chunk is carried into the next
one as its initial state, but no gradient flows back through it: that is truncated BPTT with windows of T
steps (min-char-rnn's ``hprev``). The loss in bits per character is the mean ℓ divided by ln 2; a model
that knows nothing scores log₂ V.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import InputError, SequenceData, one_hot
from .generate import sampling_distribution
from .model import SequenceModel
from .model_file import ModelFileError, load_model
from .trainer import TrainConfig, Trainer

LN2 = math.log(2.0)
MAX_HIDDEN = 256
MAX_LAYERS = 3
MAX_SAMPLE = 2000

#: the default training: an LSTM of 64 units, 400 Adam updates on chunks of 32 characters from 16 streams
DEFAULTS = TrainConfig(cell="lstm", hidden=64, layers=1, steps=400, lr=0.02, clip=5.0, seed=0)
KIND = "text_model"                 # meta["example"] of a character model's file
#: the default model trained on the structured corpus, written by ``make weights``
SHIPPED = Path(__file__).resolve().parent / "weights" / "structured_lstm.npz"
CHUNK = 32          # T, characters per chunk (the truncated-BPTT window)
STREAMS = 16        # B, streams read side by side


class TextData:
    """A text as B streams read chunk after chunk, the state carried over; a task for :class:`Trainer`.

    Parameters
    ----------
    text : str
    vocab : list of str        the model's characters; every character of ``text`` must be in it
    chunk : int                T, characters per chunk
    streams : int              B, streams read side by side (fewer if the text is short)

    Attributes
    ----------
    ids : ndarray of shape (N,)          the text as vocabulary indices
    streams : ndarray of shape (S, B)    stream b is ids[b·S : (b+1)·S]
    cursor : int                         where the next chunk starts in every stream
    state : ndarray (L, B, H), a pair of them (LSTM), or None   carried into the next chunk
    """

    head = "softmax"

    def __init__(self, text, vocab, chunk=CHUNK, streams=STREAMS):
        self.vocab = list(vocab)
        self.index = {c: i for i, c in enumerate(self.vocab)}
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise InputError(f"{', '.join(map(repr, unknown[:5]))} not in the model's characters")
        self.ids = np.array([self.index[c] for c in text], dtype=np.int64)
        N = len(self.ids)
        self.chunk = int(chunk)
        B = max(1, min(int(streams), (N - 1) // (self.chunk + 1)))
        if B < 1 or N < self.chunk + 2:
            raise InputError(f"the text has {N} characters; at least {self.chunk + 2} are needed")
        S = (N - 1) // B
        self.streams = np.stack([self.ids[b * S:(b + 1) * S + 1] for b in range(B)], axis=1)   # (S + 1, B)
        self.cursor = 0
        self.state = None

    @property
    def size(self):
        return self.streams.shape[1]

    def next_chunk(self):
        """Inputs (T, B) and targets (T, B) of the next chunk; back to the start (state cleared) at the end."""
        T = self.chunk
        if self.cursor + T + 1 > self.streams.shape[0]:
            self.cursor, self.state = 0, None
        x = self.streams[self.cursor:self.cursor + T]
        y = self.streams[self.cursor + 1:self.cursor + T + 1]
        self.cursor += T
        return x, y

    def loss_and_grads(self, model, truncate=None, record=False):
        """One chunk: forward from the carried state, the loss in nats per character, every gradient."""
        x, y = self.next_chunk()
        rec = model.forward(one_hot(x, len(self.vocab)), h0=self.state, record=record)
        loss = model.loss(rec, y)
        grads = model.backward(rec, truncate=truncate)
        rnn = rec.rnn
        self.state = (rnn.h_n.copy(), rnn.c_n.copy()) if rnn.kind == "lstm" else rnn.h_n.copy()
        return loss, grads, rec

    def accuracy(self, rec):
        """Share of next characters predicted right (argmax) in the chunk just read."""
        head = rec.head
        return float((head.y.argmax(-1) == head.target).mean())


def build_model(config, vocab):
    """An untrained character model: V one-hot inputs, ``config``'s recurrent stack, a softmax over V."""
    if not 1 <= int(config.hidden) <= MAX_HIDDEN:
        raise InputError(f"the hidden size must be from 1 to {MAX_HIDDEN}")
    if not 1 <= int(config.layers) <= MAX_LAYERS:
        raise InputError(f"the number of layers must be from 1 to {MAX_LAYERS}")
    V = len(vocab)
    return SequenceModel(config.cell, V, int(config.hidden), V, num_layers=int(config.layers),
                         nonlinearity=config.nonlinearity, seed=int(config.seed))


def bits(nats):
    """A loss in nats per character as bits per character."""
    return float(nats) / LN2


def chance_bits(V):
    """Bits per character of a model that knows nothing: a uniform guess among V characters, log₂ V."""
    return math.log2(V)


def trainer_for(text, config=DEFAULTS, vocab=None, chunk=CHUNK, streams=STREAMS, model=None):
    """A :class:`Trainer` of a fresh (or the given) character model on ``text``; run it in slices."""
    vocab = list(vocab) if vocab is not None else sorted(set(text))
    data = TextData(text, vocab, chunk, streams)
    model = model if model is not None else build_model(config, vocab)
    return Trainer(model, data, config)


def train(text, config=DEFAULTS, vocab=None, chunk=CHUNK, streams=STREAMS):
    """Train a character model on ``text`` to the end of ``config.steps``: (model, vocab, trainer)."""
    trainer = trainer_for(text, config, vocab, chunk, streams)
    trainer.run()
    return trainer.model, trainer.data.vocab, trainer


def evaluate_bits(model, vocab, text):
    """Bits per character of ``model`` on ``text`` read in one pass from a zero state (float)."""
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown or len(text) < 2:
        raise InputError("the text must have 2 or more characters, all in the model's vocabulary")
    ids = np.array([index[c] for c in text])
    rec = model.forward(one_hot(ids[:-1, None], len(vocab)), record=False)
    return bits(model.loss(rec, ids[1:, None]))


@dataclass
class Sample:
    """What :func:`sample` wrote.

    Attributes
    ----------
    prime : str                              the text the model read first
    text : str                               the characters written after the prime (the prime not included)
    model_probs : ndarray of shape (n, V)    the model's distribution y before each written character
    sampling_probs : ndarray of shape (n, V) what was sampled from: y after temperature and top-k
    chosen : ndarray of shape (n,)           the index of each written character
    """

    prime: str
    text: str
    model_probs: np.ndarray
    sampling_probs: np.ndarray
    chosen: np.ndarray

    @property
    def chosen_prob(self):
        """The model's probability of each written character, (n,)."""
        return self.model_probs[np.arange(len(self.chosen)), self.chosen]


def check_prime(prime, vocab):
    """The prime as indices; InputError when it is empty or uses characters the model never saw."""
    if not isinstance(prime, str) or prime == "":
        raise InputError("the prime is empty: give the model at least one character to start from")
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted(set(prime) - set(index))
    if unknown:
        shown = "".join(c for c in vocab if c.isprintable() and not c.isspace())
        raise InputError(f"the prime uses {', '.join(map(repr, unknown[:5]))}, which the model never saw; "
                         f"it knows: {shown[:80]} (and space, newline if shown in its text)")
    return np.array([index[c] for c in prime])


def _state(rec):
    rnn = rec.rnn
    return (rnn.h_n, rnn.c_n) if rnn.kind == "lstm" else rnn.h_n


def sample_due(trainer, every, prime, length=200, temperature=1.0, top_k=None, seed=0):
    """The text a live training writes at its sample points (every ``every`` updates, and at its last one) with
    :func:`sample`'s arguments; None between them. ``trainer``: a :func:`trainer_for` trainer."""
    if trainer.step % every and not trainer.done:
        return None
    return sample(trainer.model, trainer.data.vocab, prime, length, temperature, top_k, seed).text


def sample(model, vocab, prime, length=200, temperature=1.0, top_k=None, seed=0):
    """Read ``prime``, then write ``length`` characters, each sampled and fed back as the next input.

    At each step the model gives y (V,); the character is drawn from p ∝ y^(1/τ) over the k most likely
    (τ = ``temperature``; τ = 0 takes the argmax: greedy). The same seed gives the same text.
    """
    ids = check_prime(prime, vocab)
    if not 1 <= int(length) <= MAX_SAMPLE:
        raise InputError(f"the length must be from 1 to {MAX_SAMPLE}")
    if not 0 <= float(temperature) <= 10:
        raise InputError("the temperature must be from 0 to 10")
    if top_k is not None and int(top_k) < 1:
        raise InputError("top-k must be at least 1")
    V = len(vocab)
    rng = np.random.default_rng(seed)
    rec = model.forward(one_hot(ids[:, None], V), record=False)
    model_probs, sampling_probs, chosen = [], [], []
    for _ in range(int(length)):
        y = rec.y[-1, 0]
        p = sampling_distribution(y, float(temperature), top_k)
        k = int(rng.choice(V, p=p))
        model_probs.append(y.copy())
        sampling_probs.append(p)
        chosen.append(k)
        rec = model.forward(one_hot(np.array([[k]]), V), h0=_state(rec), record=False)
    chosen = np.array(chosen)
    return Sample(prime, "".join(vocab[k] for k in chosen), np.array(model_probs), np.array(sampling_probs), chosen)


def run_text(model, vocab, text):
    """The whole text read in one recorded pass from a zero state: the ModelRecord (every layer's h, c, gates),
    with the loss against each next character (the last character has no target)."""
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise InputError(f"{', '.join(map(repr, unknown[:5]))} not in the model's characters")
    if not text:
        raise InputError("the passage is empty")
    ids = np.array([index[c] for c in text])
    data = SequenceData(one_hot(ids[:, None], len(vocab)), np.append(ids[1:], ids[-1])[:, None],
                        np.array([len(ids)]), [list(text)], list(vocab), list(vocab))
    return data.run(model)


def load_text_model(file):
    """(model, vocab, meta) from a model file written by ``train text``; ModelFileError if it is not one."""
    loaded = load_model(file)
    meta = loaded.meta or {}
    if not isinstance(loaded.model, SequenceModel) or not loaded.vocab or meta.get("example") != KIND:
        raise ModelFileError("this model file is not a character model (train one with `train text`)")
    model, V = loaded.model, len(loaded.vocab)
    if model.rnn.input_size != V or model.head.output_size != V or len(set(loaded.vocab)) != V \
            or any(len(c) != 1 for c in loaded.vocab):
        raise ModelFileError("this model file's characters do not match its inputs and outputs")
    return model, loaded.vocab, meta


def shipped_model():
    """The default model on the structured corpus as shipped: (model, vocab, meta)."""
    return load_text_model(SHIPPED)
