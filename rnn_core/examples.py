"""The worked examples of the course material, each with data, a default training setting and a test
of what "learned" means for it.

Every example trains from its defaults, for every cell type and seed, in seconds on one core
(the attention example in under a minute); ``tests/test_examples.py`` holds them to it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .data import (
    END,
    MAX_TEXT,
    START,
    InputError,
    PairData,
    SequenceData,
    char_task,
    labelled_words_task,
    one_hot,
    series_task,
    sine_like_task,
    words_of,
)
from .model import SequenceModel
from .trainer import TrainConfig

KENNEDY = "Among the presidents of America, Kennedy stands apart."
KENNEDY_2 = "Kennedy stands."
ATTENTION_EN = "The agreement on the European Economic Area was signed in August 1992 ."
ATTENTION_FR = "L' accord sur la zone économique européenne a été signé en août 1992 ."


@dataclass(frozen=True)
class Outcome:
    """Whether a trained model does what the example asks, with the evidence in words.

    ``measure`` names what ``score`` is ("token accuracy", "recall", ...), so a reader of
    "not learned yet (recall 0.31)" knows what 0.31 counts.
    """

    ok: bool
    score: float
    details: tuple = ()
    measure: str = "score"

    @property
    def headline(self):
        """'learned (recall 0.998)' or 'not learned yet (recall 0.31)'."""
        return ("learned" if self.ok else "not learned yet") + f" ({self.measure} {self.score:.3g})"

    def __str__(self):
        return self.headline + ": " + "; ".join(self.details)


@dataclass(frozen=True)
class Example:
    """One worked example.

    Attributes
    ----------
    key : str                       the name used on the command line and in URLs
    title, summary : str            a heading and one line
    shape : str                     one-to-one | one-to-many | many-to-one | many-to-many | many-to-many (not in step)
    source : str                    where it comes from in the course material
    make : callable () -> data      the training data (deterministic)
    defaults : TrainConfig          a setting that learns it reliably for every cell type
    learned : callable (model, data) -> Outcome
    encode : callable (text, vocab) -> data, or None    a person's own input in the model's vocabulary
    attention : str                 for encoder-decoder examples: additive | dot | none
    extras : dict                   bridge (encoder-decoder: start the decoder from the encoder's state);
                                    gate_bias {cell: b} (the forget / update gate's initial bias, set_gate_bias)
    """

    key: str
    title: str
    summary: str
    shape: str
    source: str
    make: Callable
    defaults: TrainConfig
    learned: Callable
    encode: Callable | None = None
    attention: str = "additive"
    extras: dict = field(default_factory=dict)

    def data(self, **options):
        """The training data; ``options`` go to ``make`` (the memory example's ``distance``)."""
        return self.make(**options)

    def build_model(self, config, data):
        """An untrained model that fits ``data``, shaped by ``config`` (cell, hidden, layers, seed, ...)."""
        common = dict(hidden_size=config.hidden, num_layers=config.layers, nonlinearity=config.nonlinearity,
                      seed=config.seed)
        if isinstance(data, PairData):
            from .seq2seq import Seq2Seq
            return Seq2Seq(config.cell, len(data.source_vocab), len(data.target_vocab), attention=self.attention,
                           bridge=self.extras.get("bridge", True),
                           bidirectional=self.extras.get("bidirectional", False), **common)
        model = SequenceModel(config.cell, data.x.shape[2], output_size=len(data.output_labels), head=data.head,
                              target=data.target, recurrent_scale=config.recurrent_scale, **common)
        if config.cell in self.extras.get("gate_bias", {}):      # the keeping gate starts open
            set_gate_bias(model.rnn, self.extras["gate_bias"][config.cell])
        return model


#: the gate each gated cell keeps its memory with, as its block index in the PyTorch gate order
KEEP_GATE = {"lstm": ("f", 1), "gru": ("z", 1)}


def set_gate_bias(rnn, bias):
    """Set the input bias of the LSTM's forget gate f (the GRU's update gate z) to ``bias`` in every layer.

    With the other bias zero, the gate is σ(bias + W x + U h) ≈ σ(bias) for small inputs and states:
    bias > 0 holds it open, so c_t ≈ c_{t-1} (h_t ≈ h_{t-1}). A vanilla RNN has no such gate and is left as
    it is. Returns ``rnn`` (a ``Recurrent``, changed in place).
    """
    if rnn.kind in KEEP_GATE:
        H, (_, g) = rnn.hidden_size, KEEP_GATE[rnn.kind]
        for k in range(rnn.num_layers):
            rnn.params[f"bias_ih_l{k}"][g * H:(g + 1) * H] = float(bias)
    return rnn


# ---------------------------------------------------------------------- character and word examples
def next_letter_task(inputs, targets, vocab):
    """Letters in, the next letters out, as one sequence."""
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.array([index[c] for c in inputs])
    y = np.array([index[c] for c in targets])
    return SequenceData(one_hot(ids[:, None], len(vocab)), y[:, None], np.array([len(ids)]), [list(inputs)],
                        list(vocab), list(vocab))


def all_steps_right(model, data):
    rec = data.run(model)
    predicted = data.predicted_labels(rec)
    wanted = [[data.output_labels[k] for k in data.y[:n, b]] for b, n in enumerate(data.lengths)]
    details = tuple(f"{' '.join(data.tokens[b])} → {' '.join(p)}" for b, p in enumerate(predicted))
    acc = data.accuracy(rec)
    return Outcome(predicted == wanted, acc, details, "accuracy over every step")


def encode_letters(text, vocab):
    """A person's letters as inputs for a character model; targets are the next letters."""
    data = char_task(text, vocab if END in vocab else list(vocab) + [END])
    if END not in vocab:                       # a model without an end marker: drop the last target
        if len(text.strip()) < 2:
            raise InputError("type at least two letters")
        return next_letter_task(data.tokens[0][:-1], data.tokens[0][1:], vocab)
    return data


def jazz():
    return next_letter_task("JAZZ", ["A", "Z", "Z", END], ["J", "A", "Z", END])


def home():
    return next_letter_task("HOM", "OME", ["H", "O", "M", "E"])


def namaskar():
    return next_letter_task("namaska", "amaskar", ["n", "a", "m", "s", "k", "r"])


def kennedy(order="sentence"):
    """Two sentences of 8 and 2 words, one-hot over the first sentence's 8 words, 1 for names."""
    words = words_of(KENNEDY)
    vocab = sorted(words, key=str.lower) if order == "alphabetical" else words
    first = labelled_words_task(KENNEDY, "0 0 0 0 1 1 0 0", vocab)
    second = labelled_words_task(KENNEDY_2, "1 0", vocab)
    x = np.zeros((8, 2, 8))
    y = np.zeros((8, 2, 1))
    x[:, 0], x[:2, 1] = first.x[:, 0], second.x[:, 0]
    y[:, 0], y[:2, 1] = first.y[:, 0], second.y[:, 0]
    return SequenceData(x, y, np.array([8, 2]), first.tokens + second.tokens, vocab, ["name"], head="sigmoid")


def names_learned(model, data):
    rec = data.run(model)
    p = rec.y[..., 0]
    ok, details = True, []
    for b, n in enumerate(data.lengths):
        for t in range(n):
            want = data.y[t, b, 0]
            good = p[t, b] >= 0.9 if want == 1 else p[t, b] <= 0.1
            ok &= bool(good)
            details.append(f"{data.tokens[b][t]} {p[t, b]:.2f}")
    return Outcome(ok, data.accuracy(rec), tuple(details), "accuracy over every word")


def encode_words(text, vocab):
    words = words_of(text)
    return labelled_words_task(text, [0] * len(words), vocab)


# ---------------------------------------------------------------------- the five shapes
def xor():
    """One-to-one: one step, two inputs, one output."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)[None]
    y = np.array([0, 1, 1, 0], float)[None, :, None]
    tokens = [[f"{int(a)} {int(b)}"] for a, b in x[0]]
    return SequenceData(x, y, np.ones(4, int), tokens, None, ["xor"], head="sigmoid")


def xor_learned(model, data):
    rec = data.run(model)
    p = rec.y[0, :, 0]
    details = tuple(f"{data.tokens[b][0]} → {p[b]:.2f}" for b in range(4))
    return Outcome(bool(np.all((p > 0.5) == (data.y[0, :, 0] > 0.5))), data.accuracy(rec), details,
                   "accuracy over the four cases")


GENERATE_WORDS = ("jazz", "home", "namaskar")


def words_to_generate():
    """One-to-many: from its first letter the network writes a whole word, each letter fed back."""
    vocab = list(dict.fromkeys("".join(GENERATE_WORDS))) + [END]
    index = {c: i for i, c in enumerate(vocab)}
    T = max(map(len, GENERATE_WORDS))
    x = np.zeros((T, len(GENERATE_WORDS), len(vocab)))
    y = np.zeros((T, len(GENERATE_WORDS)), int)
    for b, w in enumerate(GENERATE_WORDS):
        ids = [index[c] for c in w]
        x[np.arange(len(w)), b, ids] = 1
        y[:len(w), b] = ids[1:] + [index[END]]
    return SequenceData(x, y, np.array([len(w) for w in GENERATE_WORDS]), [list(w) for w in GENERATE_WORDS],
                        vocab, vocab)


def generated_words_learned(model, data):
    from .generate import generate
    details, right = [], 0
    for word in GENERATE_WORDS:
        out = generate(model, data.input_vocab, word[0], max_length=12, temperature=0)
        right += out.text == word
        details.append(f"{word[0]} → {out.text}")
    return Outcome(right == len(GENERATE_WORDS), right / len(GENERATE_WORDS), tuple(details),
                   "share of the words written right")


POSITIVE = ("good", "great", "wonderful", "fun", "loved", "excellent")
NEGATIVE = ("bad", "boring", "awful", "dull", "hated", "terrible")
FILLER = ("the", "movie", "film", "was", "plot", "acting", "really", "very", "so", "and", "story", "music")


def reviews(n=240, seed=7):
    """Many-to-one: short made-up reviews; the label (1 positive) is read after the last word."""
    rng = np.random.default_rng(seed)
    vocab = list(POSITIVE + NEGATIVE + FILLER)
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(2))
        words = list(rng.choice(FILLER, size=rng.integers(2, 6)))
        pool = POSITIVE if label else NEGATIVE
        for _ in range(rng.integers(1, 3)):
            words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(pool)))
        texts.append([str(w) for w in words])
        labels.append(label)
    T = max(map(len, texts))
    index = {w: i for i, w in enumerate(vocab)}
    x = np.zeros((T, n, len(vocab)))
    for b, words in enumerate(texts):
        x[np.arange(len(words)), b, [index[w] for w in words]] = 1
    y = np.array(labels, float)[:, None]
    return SequenceData(x, y, np.array([len(t) for t in texts]), texts, vocab, ["positive"], head="sigmoid",
                        target="last")


def sentiment_learned(model, data):
    test = reviews(n=200, seed=8)
    rec = test.run(model)
    acc = test.accuracy(rec)
    return Outcome(acc >= 0.9, acc, (f"held-out accuracy {acc:.0%} on {test.size} new reviews",),
                   "held-out accuracy")


# ---------------------------------------------------------------------- memory over distance
MEMORY_SYMBOLS = ("A", "B", "C", "D")


def memory_task(distance=20, n=256, seed=0, noise=0.75):
    """Recall the first symbol after ``distance`` noisy steps: A ~ ~ … ~ ? → A.

    The symbol comes one-hot on four input units; the distractors are Gaussian noise (deviation
    ``noise``) on the very same units, so a network cannot learn to ignore those units: it has to
    store the first symbol and shield it from every later input, which is what gates are for.
    A flag unit marks the first step and a question-mark unit the last. At noise 0.5 a vanilla RNN
    sometimes learns to hide the symbol in saturated units (recall 0.67 at distance 20 for one seed and
    CPU, 0.36 for another); at 0.75 every step's kicks knock it out, while a gate can still close.
    Inputs: shape (distance + 2, n, 6).
    """
    rng = np.random.default_rng(seed)
    K = len(MEMORY_SYMBOLS)
    T = distance + 2
    first = rng.integers(K, size=n)
    x = np.zeros((T, n, K + 2))
    x[0, np.arange(n), first] = 1.0
    x[0, :, K] = 1.0                                              # flag: the symbol to remember
    x[1:-1, :, :K] = noise * rng.normal(size=(distance, n, K))
    x[-1, :, K + 1] = 1.0                                         # question mark: answer now
    tokens = [[MEMORY_SYMBOLS[first[b]]] + ["~"] * distance + ["?"] for b in range(n)]
    return SequenceData(x, first, np.full(n, T), tokens, list(MEMORY_SYMBOLS) + ["first", "?"],
                        list(MEMORY_SYMBOLS), target="last", meta={"distance": distance, "noise": noise})


#: the memory example's keeping-gate biases: the LSTM's forget gate at 1 (Jozefowicz et al. 2015); the GRU's
#: update gate at 2, which it needs to find the memory within 600 updates on every seed tried (at 1 seed 0
#: stalls at 0.92 recall; an LSTM at 2 stalls at 0.59-0.76 on seed 1)
MEMORY_GATE_BIAS = {"lstm": 1.0, "gru": 2.0}


def memory_learned(model, data):
    test = memory_task(data.meta["distance"], n=512, seed=1)
    acc = test.accuracy(test.run(model))
    return Outcome(acc >= 0.9, acc, (f"recall {acc:.0%} after {data.meta['distance']} distractors "
                                     f"(chance {1 / len(MEMORY_SYMBOLS):.0%})",), "recall on fresh sequences")


# ---------------------------------------------------------------------- a time series
def noisy_sine(n=400, period=20, noise=0.1, seed=0, window=40):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    v = np.sin(2 * np.pi * t / period) + noise * rng.normal(size=n)
    return sine_like_task(v, window, "sine", {"noise": noise, "period": period})


def encode_numbers(text, vocab=None):
    """Comma- or space-separated numbers as a series to continue."""
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        v = np.array([float(p) for p in parts])
    except ValueError:
        raise InputError("type numbers separated by commas or spaces, e.g. 0.1, 0.5, 0.9") from None
    if len(v) < 2 or len(v) > MAX_TEXT or not np.all(np.isfinite(v)):
        raise InputError(f"type between 2 and {MAX_TEXT} finite numbers")
    return sine_like_task(v)


def sine_learned(model, data):
    test = noisy_sine(seed=1)
    rec = test.run(model)
    mse = float(rec.loss)
    naive = float(np.mean((test.x[1:, :, 0] - test.x[:-1, :, 0]) ** 2))  # "tomorrow = today"
    return Outcome(mse < 0.3 * naive, mse, (f"mean squared error {mse:.4f} on a new stretch; "
                                            f"repeating the last value gives {naive:.4f}",),
                   "mean squared error")


# ---------------------------------------------------------------------- encoder-decoder
# Spanish "N de M" → English "M N": the order flips, so the attention map has to cross (paper ↔ papel,
# house ↔ casa). Every noun plays both roles ("papel de casa" → "house paper" is in the corpus), so which word
# comes first is a matter of position, not of the words; two-phrase lines ("caja de piedra y mesa de hierro" →
# "stone box and iron table") make the decoder find each noun by looking, not by elimination. The seed
# phrase, and a few short phrases to check on, are held out.
CASA_NOUNS = {"casa": "house", "papel": "paper", "madera": "wood", "piedra": "stone", "caja": "box", "mesa": "table",
              "vidrio": "glass", "hierro": "iron", "tela": "cloth", "torre": "tower"}
CASA_SEED = (["casa", "de", "papel"], ["paper", "house"])
CASA_ALIGNMENT = {"paper": "papel", "house": "casa"}


def casa_phrase(head, material):
    """("casa", "papel") → (["casa", "de", "papel"], ["paper", "house"])."""
    return [head, "de", material], [CASA_NOUNS[material], CASA_NOUNS[head]]


def casa(compound=150, held_out=12, seed=5):
    """The casa de papel corpus: short "N de M" phrases and ``compound`` two-phrase lines "N de M y K de L"
    (drawn with ``seed``); the seed phrase and up to ``held_out`` short phrases are in none of them."""
    short = [casa_phrase(n, m) for n in CASA_NOUNS for m in CASA_NOUNS if n != m]
    pick = np.random.default_rng(3).choice(len(short), held_out, replace=False)
    held = [short[i] for i in pick if short[i] != CASA_SEED]
    unseen = {tuple(p[0]) for p in held} | {tuple(CASA_SEED[0])}
    pairs = [p for p in short if tuple(p[0]) not in unseen]
    rng = np.random.default_rng(seed)
    for _ in range(compound):
        a, b, c, d = (str(w) for w in rng.choice(list(CASA_NOUNS), 4, replace=False))
        first, second = casa_phrase(a, b), casa_phrase(c, d)
        if tuple(first[0]) in unseen or tuple(second[0]) in unseen:
            continue
        pairs.append((first[0] + ["y"] + second[0], first[1] + ["and"] + second[1]))
    source_vocab = ["casa", "de", "papel", "y"] + [w for w in CASA_NOUNS if w not in ("casa", "papel")]
    target_vocab = [START, END, "paper", "house", "and"] + [w for w in CASA_NOUNS.values()
                                                             if w not in ("paper", "house")]
    data = PairData.from_pairs(pairs, source_vocab, target_vocab)
    data.meta.update(seed_pair=CASA_SEED, held_out=held)
    return data


def seed_phrase(data):
    """The example's own sentence (held out of training) in the corpus's vocabulary, as PairData of one pair."""
    return PairData.from_pairs([data.meta["seed_pair"]], data.source_vocab, data.target_vocab)


def largest_attention(data, model, alignment):
    """Greedy translation of ``data``'s first pair and, for each written word in ``alignment``, the source word
    with the largest attention weight α: (written words, [(word, looked at, α, wanted)])."""
    words, rec = data.translate(model)
    src = data.source_tokens[0]
    looks = []
    for t, w in enumerate(words[0]):
        if w in alignment and t < rec.weights.shape[0]:
            j = int(rec.weights[t, 0, :len(src)].argmax())
            looks.append((w, src[j], float(rec.weights[t, 0, j]), alignment[w]))
    return words[0], looks


def casa_learned(model, data):
    test = PairData.from_pairs(data.meta["held_out"], data.source_vocab, data.target_vocab)
    acc = test.greedy_accuracy(model)
    words, looks = largest_attention(seed_phrase(data), model, CASA_ALIGNMENT)
    aligned = {w for w, got, _, want in looks if got == want}
    ok = words == CASA_SEED[1] and aligned == set(CASA_ALIGNMENT) and acc >= 0.9
    details = (f"casa de papel (never seen in training) → {' '.join(words)}",
               "largest attention: " + (", ".join(f"{w} → {got} ({a:.2f})" for w, got, a, _ in looks) or "none"),
               f"held-out token accuracy {acc:.0%} on {test.size} new phrases")
    return Outcome(ok, acc, details, "held-out token accuracy")


def encode_source(text, vocab):
    words = text.split()                          # tokens as the corpus writes them ("L'", "." included)
    if any(w not in vocab["source"] for w in words):
        words = words_of(text)                    # else forgive punctuation stuck to words ("papel.")
    return PairData.from_pairs([(words, [])], source_vocab=vocab["source"], target_vocab=vocab["target"])


# English → French: adjectives follow the noun in reverse order ("European Economic Area" → "zone économique
# européenne"), so the attention map has to cross.
FIRST_NOUNS = {"agreement": ("L'", "accord"), "treaty": ("le", "traité"), "contract": ("le", "contrat"),
               "report": ("le", "rapport"), "budget": ("le", "budget")}
SECOND_NOUNS = {"Area": "zone", "Region": "région", "Policy": "politique", "Commission": "commission",
                "Bank": "banque", "Union": "union"}
ADJECTIVES = {"European": "européenne", "Economic": "économique", "Social": "sociale", "Monetary": "monétaire",
              "Central": "centrale", "Common": "commune", "Agricultural": "agricole", "Financial": "financière"}
VERBS = {"signed": "signé", "ratified": "ratifié", "approved": "approuvé", "rejected": "rejeté",
         "published": "publié"}
MONTHS = {"January": "janvier", "February": "février", "March": "mars", "April": "avril", "May": "mai",
          "June": "juin", "July": "juillet", "August": "août", "September": "septembre", "October": "octobre",
          "November": "novembre", "December": "décembre"}
YEARS = tuple(str(y) for y in range(1988, 1998))


def phrase_pair(noun1, adjectives, noun2, verb, month, year):
    det, fr1 = FIRST_NOUNS[noun1]
    en = ["The", noun1, "on", "the", *adjectives, noun2, "was", verb, "in", month, year, "."]
    fr = [det, fr1, "sur", "la", SECOND_NOUNS[noun2], *[ADJECTIVES[a] for a in reversed(adjectives)],
          "a", "été", VERBS[verb], "en", MONTHS[month], year, "."]
    return en, fr


def attention_pairs(n, seed):
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        k = int(rng.integers(0, 3))
        adjectives = [str(a) for a in rng.choice(list(ADJECTIVES), size=k, replace=False)]
        pairs.append(phrase_pair(str(rng.choice(list(FIRST_NOUNS))), adjectives, str(rng.choice(list(SECOND_NOUNS))),
                                 str(rng.choice(list(VERBS))), str(rng.choice(list(MONTHS))), str(rng.choice(YEARS))))
    return pairs


def attention_corpus():
    """A generated parallel corpus (training pairs); the held-out pairs and the seed sentence are not in it."""
    seed_pair = (ATTENTION_EN.split(), ATTENTION_FR.split())
    held_out = {tuple(p[0]) for p in attention_pairs(200, seed=2)} | {tuple(seed_pair[0])}
    train = [p for p in attention_pairs(2400, seed=1) if tuple(p[0]) not in held_out]
    source_vocab = list(dict.fromkeys(["The", "on", "the", "was", "in", "."] + list(FIRST_NOUNS) + list(ADJECTIVES)
                                      + list(SECOND_NOUNS) + list(VERBS) + list(MONTHS) + list(YEARS)))
    target_vocab = ["<s>", END] + list(dict.fromkeys(
        ["L'", "le", "sur", "la", "a", "été", "en", "."] + [n for _, n in FIRST_NOUNS.values()]
        + list(SECOND_NOUNS.values()) + list(ADJECTIVES.values()) + list(VERBS.values()) + list(MONTHS.values())
        + list(YEARS)))
    data = PairData.from_pairs(train, source_vocab, target_vocab)
    data.meta["held_out"] = [p for p in attention_pairs(200, seed=2) if tuple(p[0]) != tuple(seed_pair[0])]
    data.meta["seed_pair"] = seed_pair
    return data


def attention_learned(model, data):
    test = PairData.from_pairs(data.meta["held_out"], data.source_vocab, data.target_vocab)
    acc = test.greedy_accuracy(model)
    seed = PairData.from_pairs([data.meta["seed_pair"]], data.source_vocab, data.target_vocab)
    words, rec = seed.translate(model)
    alignment = {"zone": "Area", "économique": "Economic", "européenne": "European", "accord": "agreement",
                 "août": "August", "signé": "signed", "1992": "1992"}
    src = seed.source_tokens[0]
    hits = []
    for t, w in enumerate(words[0]):
        if w in alignment and t < rec.weights.shape[0]:
            hits.append((w, src[int(rec.weights[t, 0].argmax())], alignment[w]))
    aligned = sum(got == want for _, got, want in hits)
    ok = acc >= 0.95 and 2 * aligned > len(hits)                 # most aligned words attend where they should
    details = (f"held-out token accuracy {acc:.1%} on {test.size} pairs",
               f"seed sentence → {' '.join(words[0])}",
               f"largest attention on the aligned word for {aligned} of {len(hits)}: "
               + ", ".join(f"{w}→{got}" for w, got, _ in hits))
    return Outcome(ok, acc, details, "held-out token accuracy")


def _registry():
    E = Example
    fast = TrainConfig(hidden=8, steps=200, lr=0.05)
    return {e.key: e for e in [
        E("jazz", "JAZZ", "J, A, Z, Z in; A, Z, Z, end out: the same Z needs two answers", "many-to-many",
          "course slides: an RNN that processes the word JAZZ", jazz, fast, all_steps_right, encode_letters),
        E("kennedy", "Kennedy", "which words are names? two sentences of 8 and 2 words in one batch", "many-to-many",
          "article 'Recurrent Neural Networks': named entity recognition", kennedy,
          TrainConfig(hidden=5, steps=150, lr=0.05), names_learned, encode_words),
        E("home", "HOME", "H → O → M → E: predict the next letter", "many-to-many",
          "article 'Math behind RNNs'", home, fast, all_steps_right, encode_letters),
        E("namaskar", "namaskar", "the first seven letters in, each next letter out: a is followed by m, s, r",
          "many-to-many", "RNN introduction (Hackernoon, translated)", namaskar,
          TrainConfig(hidden=12, steps=300, lr=0.03), all_steps_right, encode_letters),
        E("xor", "XOR (one-to-one)", "one step: two bits in, their XOR out", "one-to-one",
          "the five shapes", xor, TrainConfig(hidden=8, steps=300, lr=0.05), xor_learned),
        E("generate", "Write a word (one-to-many)", "from one first letter, the whole word, each letter fed back",
          "one-to-many", "the five shapes", words_to_generate, TrainConfig(hidden=16, steps=300, lr=0.03),
          generated_words_learned),
        E("sentiment", "Review sentiment (many-to-one)", "a short review in, positive or negative after its last word",
          "many-to-one", "the five shapes", reviews, TrainConfig(hidden=16, steps=100, lr=0.03), sentiment_learned),
        E("casa", "casa de papel → paper house", "Spanish in, English out: not in step", "many-to-many (not in step)",
          "the five shapes", casa, TrainConfig(hidden=16, steps=200, lr=0.03, batch_size=32), casa_learned,
          encode_source),
        E("attention", "Attention: European Economic Area",
          "English → French with attention; adjectives reorder, so the alignment crosses",
          "many-to-many (not in step)", "course slides after Bahdanau et al.", attention_corpus,
          TrainConfig(cell="gru", hidden=32, steps=600, lr=0.02, batch_size=64), attention_learned, encode_source,
          extras={"bridge": False, "bidirectional": True}),
        E("memory", "Memory over distance", "recall the first symbol after 20 distractors", "many-to-one",
          "vanishing gradients", memory_task,
          TrainConfig(hidden=16, steps=600, lr=0.5, optimizer="momentum", clip=1.0, batch_size=64),
          memory_learned, extras={"gate_bias": MEMORY_GATE_BIAS}),
        E("sine", "Noisy sine", "predict the next value of a noisy sine wave", "many-to-many",
          "articles: stock prices and weather", noisy_sine, TrainConfig(hidden=16, steps=300, lr=0.02),
          sine_learned, encode_numbers),
    ]}


EXAMPLES = _registry()


def get_example(key):
    """The example called ``key``; an unknown name raises InputError listing the known ones."""
    try:
        return EXAMPLES[key]
    except KeyError:
        raise InputError(f"no example called {key!r}; examples: {', '.join(EXAMPLES)}") from None


def text_learned(model, data):
    rec = data.run(model)
    acc = data.accuracy(rec)
    return Outcome(acc >= 0.9, acc, (f"{acc:.0%} of next letters right",), "accuracy over every letter")


def series_learned(model, data):
    rec = data.run(model)
    mse = float(rec.loss)
    naive = float(np.mean((data.y[:-1, :, 0] - data.y[1:, :, 0]) ** 2))
    return Outcome(mse < naive, mse, (f"mean squared error {mse:.4f} (standardised); repeating the last value "
                                      f"gives {naive:.4f}",), "mean squared error")


def own_example(kind, text=None, labels=None, csv_text=None, column=None):
    """An example made from a person's own data: kind "text" (a character model of ``text``), "names"
    (``text`` with one 0/1 label per word in ``labels``) or "series" (a column of ``csv_text``)."""
    if kind == "text":
        data = char_task(text)
        ex = Example("text", "Your text", "a character model of your own text", "many-to-many", "your own",
                     lambda: data, TrainConfig(hidden=32, steps=400, lr=0.02), text_learned, encode_letters,
                     extras={"own": {"text": text}})
    elif kind == "names":
        data = labelled_words_task(text, labels if labels is not None else "")
        ex = Example("names", "Your sentence", "which of your words are names", "many-to-many", "your own",
                     lambda: data, TrainConfig(hidden=5, steps=200, lr=0.05), names_learned, encode_words,
                     extras={"own": {"text": text, "labels": labels}})
    elif kind == "series":
        data = series_task(csv_text, column, window=50)
        ex = Example("series", "Your series", "predict the next value of your column", "many-to-many", "your own",
                     lambda: data, TrainConfig(hidden=16, steps=300, lr=0.02), series_learned, None,
                     extras={"own": {"csv_text": csv_text, "column": column}})
    else:
        raise InputError(f"own data is text, names or series, not {kind!r}")
    return ex


def train_example(key, **changes):
    """Train an example from its defaults (with ``changes``): (model, data, trainer)."""
    from .trainer import Trainer
    example = get_example(key)
    config = example.defaults.replace(**changes)
    data = example.data()
    model = example.build_model(config, data)
    trainer = Trainer(model, data, config)
    trainer.run()
    return model, data, trainer
