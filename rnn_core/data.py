"""Tasks as arrays: inputs, targets and the tokens they came from, plus encoders for people's own text.

A task knows how to score a model on itself (:meth:`loss_and_grads`, :meth:`accuracy`), so the
trainer needs to know nothing about which model or which shape of task it is running.
"""

import csv
import io
import string
from dataclasses import dataclass, field, replace

import numpy as np

END = "<end>"            # the end marker a character model predicts after the last letter
START = "<s>"            # the start token a decoder or generator begins from
MAX_TEXT = 400           # characters or words accepted from a person's own text
MAX_SERIES = 5000        # values accepted from a CSV column


class InputError(ValueError):
    """Text or data that cannot be used as given; the message says why and what would work."""


def one_hot(indices, size, dtype=np.float64):
    """Integer array of any shape → one-hot array of shape indices.shape + (size,)."""
    indices = np.asarray(indices)
    out = np.zeros(indices.shape + (size,), dtype)
    np.put_along_axis(out, indices[..., None], 1.0, axis=-1)
    return out


def words_of(text):
    """Words as written, punctuation around them dropped ("America," → "America"; "L'" stays)."""
    words = [w.strip(string.punctuation.replace("'", "") + "«»“”…") for w in text.split()]
    return [w for w in words if w]


@dataclass
class SequenceData:
    """Inputs and targets for a :class:`~rnn_core.SequenceModel`.

    Attributes
    ----------
    x : ndarray of shape (T, B, D)                one-hot tokens or real values
    y : ndarray                                   (T, B) class indices (softmax); (T, B, O) values;
                                                  for target "last": (B,) or (B, O)
    lengths : ndarray of shape (B,)
    tokens : list of list of str                  each sequence's inputs as written
    input_vocab : list of str or None             token of each one-hot position (None for real values)
    output_labels : list of str                   class names (softmax) or output names
    head : {"softmax", "sigmoid", "identity"}
    target : {"every", "last"}
    """

    x: np.ndarray
    y: np.ndarray
    lengths: np.ndarray
    tokens: list
    input_vocab: list | None
    output_labels: list
    head: str = "softmax"
    target: str = "every"
    meta: dict = field(default_factory=dict)

    @property
    def size(self):
        return self.x.shape[1]

    def batch(self, idx):
        """The sequences at positions ``idx``, trimmed to their longest length."""
        idx = np.asarray(idx)
        lengths = self.lengths[idx]
        T = int(lengths.max())
        y = self.y[idx] if self.target == "last" else self.y[:T, idx]
        return replace(self, x=self.x[:T, idx], y=y, lengths=lengths, tokens=[self.tokens[i] for i in idx])

    def run(self, model, record=True):
        """Forward pass and loss: the ModelRecord, its loss set."""
        rec = model.forward(self.x, self.lengths, record=record)
        model.loss(rec, self.y)
        return rec

    def loss_and_grads(self, model, truncate=None, record=False):
        rec = self.run(model, record=record)
        return rec.loss, model.backward(rec, truncate=truncate), rec

    def accuracy(self, rec):
        """Share of targeted steps predicted right (argmax for softmax, 0.5 threshold for sigmoid); NaN for values."""
        head = rec.head
        if self.head == "identity":
            return float("nan")
        mask = head.mask
        if self.head == "softmax":
            right = head.y.argmax(-1) == head.target
        else:
            right = np.all((head.y > 0.5) == (head.target > 0.5), axis=-1)
        return float(right[mask].mean())

    def predicted_labels(self, rec):
        """Per sequence, the predicted label (softmax) or output values at each targeted step."""
        mask = rec.head.mask
        out = []
        for b in range(self.size):
            steps = np.flatnonzero(mask[:, b])
            if self.head == "softmax":
                out.append([self.output_labels[k] for k in rec.head.y[steps, b].argmax(-1)])
            else:
                out.append([rec.head.y[t, b].tolist() for t in steps])
        return out


@dataclass
class PairData:
    """Source and target token sequences for a :class:`~rnn_core.seq2seq.Seq2Seq`.

    Attributes
    ----------
    source : ndarray of shape (T_in, B, Vs)      one-hot source tokens
    decoder_input : ndarray of shape (T_out, B, Vt)  <s> then the target shifted right (teacher forcing)
    target : ndarray of shape (T_out, B)         target token indices, ending with <end>
    source_lengths, target_lengths : ndarray of shape (B,)
    source_tokens, target_tokens : list of list of str
    source_vocab, target_vocab : list of str     the target vocabulary holds <s> and <end>
    """

    source: np.ndarray
    decoder_input: np.ndarray
    target: np.ndarray
    source_lengths: np.ndarray
    target_lengths: np.ndarray
    source_tokens: list
    target_tokens: list
    source_vocab: list
    target_vocab: list
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs, source_vocab=None, target_vocab=None):
        """pairs: list of (source words, target words). Vocabularies are built in order of appearance."""
        if not pairs:
            raise InputError("no sentence pairs given")
        if source_vocab is None:
            source_vocab = list(dict.fromkeys(w for s, _ in pairs for w in s))
        if target_vocab is None:
            target_vocab = [START, END] + [w for w in dict.fromkeys(w for _, t in pairs for w in t)]
        s_index = {w: i for i, w in enumerate(source_vocab)}
        t_index = {w: i for i, w in enumerate(target_vocab)}
        B = len(pairs)
        s_len = np.array([len(s) for s, _ in pairs])
        t_len = np.array([len(t) + 1 for _, t in pairs])                # + <end>
        if s_len.min() == 0:
            raise InputError("a source sentence is empty")
        src = np.zeros((s_len.max(), B), int)
        tgt = np.zeros((t_len.max(), B), int)
        dec = np.full((t_len.max(), B), t_index[START])
        for b, (s, t) in enumerate(pairs):
            unknown = [w for w in s if w not in s_index]
            if unknown:
                raise InputError(f"unknown word(s) {', '.join(map(repr, unknown[:5]))}; "
                                 f"known words: {' '.join(source_vocab[:40])}")
            src[:len(s), b] = [s_index[w] for w in s]
            ids = [t_index[w] for w in t if w in t_index] + [t_index[END]]
            tgt[:len(ids), b] = ids
            dec[1:len(ids), b] = ids[:-1]
        return cls(one_hot(src, len(source_vocab)), one_hot(dec, len(target_vocab)), tgt, s_len, t_len,
                   [list(s) for s, _ in pairs], [list(t) for _, t in pairs], list(source_vocab), list(target_vocab))

    @property
    def size(self):
        return self.source.shape[1]

    def batch(self, idx):
        idx = np.asarray(idx)
        s_len, t_len = self.source_lengths[idx], self.target_lengths[idx]
        Ts, Tt = int(s_len.max()), int(t_len.max())
        return replace(self, source=self.source[:Ts, idx], decoder_input=self.decoder_input[:Tt, idx],
                       target=self.target[:Tt, idx], source_lengths=s_len, target_lengths=t_len,
                       source_tokens=[self.source_tokens[i] for i in idx],
                       target_tokens=[self.target_tokens[i] for i in idx])

    def run(self, model, record=True):
        rec = model.forward(self.source, self.decoder_input, self.source_lengths, self.target_lengths, record=record)
        model.loss(rec, self.target)
        return rec

    def loss_and_grads(self, model, truncate=None, record=False):
        rec = self.run(model, record=record)
        return rec.loss, model.backward(rec, truncate=truncate), rec

    def accuracy(self, rec):
        """Teacher-forced token accuracy over the real target steps (the <end> token included)."""
        mask = np.arange(self.target.shape[0])[:, None] < self.target_lengths[None, :]
        return float((rec.head.y.argmax(-1) == self.target)[mask].mean())

    def translate(self, model, max_length=40):
        """Greedy translations: (list of word lists, record of the decoding run)."""
        end = self.target_vocab.index(END)
        ids, rec = model.greedy_decode(self.source, self.target_vocab.index(START), end, max_length,
                                       self.source_lengths)
        words = [[self.target_vocab[i] for i in seq if i != end] for seq in ids]
        return words, rec

    def greedy_accuracy(self, model):
        """Share of target tokens (with <end>) that greedy decoding gets right, position by position."""
        words, _ = self.translate(model)
        right = total = 0
        for got, want in zip(words, self.target_tokens, strict=True):
            want = want + [END]
            got = got + [END]
            right += sum(g == w for g, w in zip(got, want, strict=False))
            total += len(want)
        return right / total


# ---------------------------------------------------------------------- people's own input
def check_text(text, what="text", limit=MAX_TEXT):
    """Strip and check a person's text: not empty, not too long, printable."""
    if not isinstance(text, str):
        raise InputError(f"the {what} must be text")
    text = text.strip()
    if not text:
        raise InputError(f"the {what} is empty: type a few letters or words")
    if len(text) > limit:
        raise InputError(f"the {what} has {len(text)} characters; the limit is {limit}")
    bad = sorted({c for c in text if not c.isprintable()})
    if bad:
        raise InputError(f"the {what} holds characters that cannot be shown: {', '.join(map(repr, bad[:5]))}")
    return text


def char_task(text, vocab=None):
    """Next-character prediction on ``text``: inputs c_0 … c_{n-1}, targets c_1 … c_{n-1}, <end>.

    With ``vocab`` (an existing model's letters, <end> last) unknown characters are refused;
    without it the vocabulary is the text's letters in order of appearance, then <end>.
    """
    text = check_text(text)
    if vocab is None:
        vocab = list(dict.fromkeys(text)) + [END]
    else:
        unknown = sorted(set(text) - set(vocab))
        if unknown:
            raise InputError(f"{', '.join(map(repr, unknown))} not in this model's alphabet "
                             f"({' '.join(v for v in vocab if v != END)})")
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.array([index[c] for c in text])
    targets = np.append(ids[1:], index[END])
    x = one_hot(ids[:, None], len(vocab))
    return SequenceData(x, targets[:, None], np.array([len(text)]), [list(text)], list(vocab), list(vocab))


def labelled_words_task(text, labels, vocab=None):
    """Name recognition on a person's sentence: one 0/1 label per word.

    ``labels`` is a string like "0 0 0 0 1 1 0 0" (spaces, commas optional) or a sequence of 0/1.
    """
    words = words_of(check_text(text, "sentence"))
    if not words:
        raise InputError("the sentence has no words")
    if isinstance(labels, str):
        labels = [c for c in labels if c not in " ,;\t"]
    try:
        labels = [int(v) for v in labels]
    except (TypeError, ValueError):
        raise InputError("labels must be 0 or 1, one per word") from None
    if any(v not in (0, 1) for v in labels):
        raise InputError("labels must be 0 or 1, one per word")
    if len(labels) != len(words):
        raise InputError(f"the sentence has {len(words)} words but {len(labels)} labels were given")
    if vocab is None:
        vocab = list(dict.fromkeys(words))
    else:
        unknown = [w for w in words if w not in vocab]
        if unknown:
            raise InputError(f"unknown word(s) {', '.join(map(repr, unknown[:5]))}; known: {' '.join(vocab)}")
    index = {w: i for i, w in enumerate(vocab)}
    x = one_hot(np.array([index[w] for w in words])[:, None], len(vocab))
    y = np.array(labels, float)[:, None, None]
    return SequenceData(x, y, np.array([len(words)]), [words], list(vocab), ["name"], head="sigmoid")


def series_task(csv_text, column=None, window=None):
    """Predict the next value of a CSV column: inputs v_0 … v_{n-2}, targets v_1 … v_{n-1}.

    Values are standardised (mean 0, deviation 1; the shift and scale are kept in ``meta``).
    ``column`` is a header name or a 0-based index (default: the last numeric column).
    """
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise InputError("the CSV is empty")
    if len(csv_text) > 2_000_000:
        raise InputError("the CSV is larger than 2 MB")
    if "\0" in csv_text or csv_text.count("\ufffd") > len(csv_text) // 100:
        # NUL bytes or undecodable bytes: a spreadsheet, an image, or text saved as UTF-16
        raise InputError("this file is not plain text (it looks like a spreadsheet, an image or another binary "
                         "file): save the data as CSV, comma-separated values in UTF-8, and upload that")
    try:
        rows = list(csv.reader(io.StringIO(csv_text.strip())))
    except csv.Error:
        raise InputError("this file could not be read as CSV: it should be lines of comma-separated values, "
                         f"with no field longer than {csv.field_size_limit():,} characters") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]

    def number(cell):
        try:
            return float(cell)
        except ValueError:
            return None

    header = rows[0] if rows and any(number(c) is None for c in rows[0]) else None
    body = rows[1:] if header else rows
    width = max((len(r) for r in body), default=0)
    if isinstance(column, str) and not column.strip().lstrip("-").isdigit():
        if not header or column not in header:
            raise InputError(f"no column named {column!r}; columns: {', '.join(header or [])}")
        col = header.index(column)
    elif column is not None:
        col = int(column)
        if not 0 <= col < width:
            raise InputError(f"column {col} does not exist; there are {width} (numbered from 0)")
    else:
        numeric = [c for c in range(width) if all(len(r) > c and number(r[c]) is not None for r in body)]
        if not numeric:
            raise InputError("no column holds numbers only")
        col = numeric[-1]
    values = [number(r[col]) if len(r) > col else None for r in body]
    bad = [i for i, v in enumerate(values) if v is None or not np.isfinite(v)]
    if bad:
        raise InputError(f"row {bad[0] + 1 + bool(header)} of the column is not a number")
    values = np.array(values)
    if len(values) < 10:
        raise InputError(f"the column has {len(values)} values; at least 10 are needed")
    if len(values) > MAX_SERIES:
        raise InputError(f"the column has {len(values)} values; the limit is {MAX_SERIES}")
    shift, scale = values.mean(), values.std()
    if scale == 0:
        raise InputError("every value in the column is the same: there is nothing to predict")
    v = (values - shift) / scale
    name = header[col] if header else f"column {col}"
    return sine_like_task(v, window, name, {"shift": float(shift), "scale": float(scale)})


def sine_like_task(v, window=None, name="value", meta=None):
    """Windows of a 1-D series as a batch: x_t = v_t, target v_{t+1}."""
    n = len(v) - 1
    window = min(window or n, n)
    starts = range(0, n - window + 1, window)
    x = np.stack([v[s:s + window] for s in starts], axis=1)[..., None]       # (T, B, 1)
    y = np.stack([v[s + 1:s + window + 1] for s in starts], axis=1)[..., None]
    tokens = [[f"{val:.3g}" for val in v[s:s + window]] for s in starts]
    return SequenceData(x, y, np.full(len(starts), window), tokens, None, [name], head="identity",
                        meta=dict(meta or {}))
