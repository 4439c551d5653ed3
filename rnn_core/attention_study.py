"""What the attention page shows, computed by the engine: its models, the shipped weights, one sentence's
translation with every recorded number, where the reordering is, and Bahdanau's result with and without attention.

``python -m rnn_core.attention_study`` (``make weights``) trains the page's default model (the ``attention``
example's own cell, seed and training) and the same encoder–decoder without attention, and writes
``rnn_core/weights/``: the default model as a model file (``save_model``, read back with ``load_model``) and the
comparison's accuracies as JSON. ``tests/test_attention_study.py`` retrains both from the seed and checks that
the files hold what the training gives.
"""

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from .data import END, START, InputError, PairData
from .examples import ADJECTIVES, EXAMPLES, FIRST_NOUNS, MONTHS, SECOND_NOUNS, VERBS, YEARS
from .model_file import load_model, save_model
from .seq2seq import Seq2Seq
from .trainer import Trainer

WEIGHTS = Path(__file__).resolve().parent / "weights"
SCORES = ("additive", "dot")
KEYS = ("attention", "casa")
MAX_WORDS = 20                    # the corpus's sentences have 11-13 words; longer input is refused
MAX_CHARS = 200
COMPARISON_FILE = "attention_comparison.json"
#: the languages read and written
LANGUAGES = {"attention": ("English", "French"), "casa": ("Spanish", "English")}

#: the word each French (or English, for casa) word translates, for outlining where the order changes
DICTIONARY = {
    "attention": {**{fr: en for en, (_, fr) in FIRST_NOUNS.items()}, **{fr: en for en, fr in SECOND_NOUNS.items()},
                  **{fr: en for en, fr in ADJECTIVES.items()}, **{fr: en for en, fr in VERBS.items()},
                  **{fr: en for en, fr in MONTHS.items()}, **{y: y for y in YEARS}},
    "casa": {"paper": "papel", "house": "casa"},
}


def default_setting(key="attention"):
    """The example's own (cell, score, seed): what the page opens with."""
    ex = EXAMPLES[key]
    return ex.defaults.cell, ex.attention, ex.defaults.seed


def build(key, cell, score, seed, data):
    """The example's encoder–decoder with ``cell``, ``score`` ("additive", "dot" or "none") and ``seed``, untrained.

    With attention, the example's own bridge setting (the attention example's decoder starts from zeros, so all
    it knows of the source comes through α); without attention the decoder must start from the encoder's final
    state, the only way the source reaches it. Both read the source with the example's encoder (the attention
    example's is bidirectional, h_j = [→h_j ; ←h_j]; its final state is [→h_{n−1} ; ←h_0]).
    """
    ex = EXAMPLES[key]
    config = ex.defaults.replace(cell=cell, seed=int(seed))
    bridge = True if score == "none" else ex.extras.get("bridge", True)
    return Seq2Seq(cell, len(data.source_vocab), len(data.target_vocab), config.hidden, config.layers,
                   config.nonlinearity, attention=score, seed=config.seed, bridge=bridge,
                   bidirectional=ex.extras.get("bidirectional", False))


def trainer(key, cell, score, seed, data=None):
    """A fresh :class:`Trainer` for that model on the example's pairs, with the example's training setting."""
    data = EXAMPLES[key].data() if data is None else data
    config = EXAMPLES[key].defaults.replace(cell=cell, seed=int(seed))
    return Trainer(build(key, cell, score, seed, data), data, config)


def weights_file(cell, score, seed):
    return WEIGHTS / f"attention_{cell}_{score}_seed{int(seed)}.npz"


def shipped_model(cell, score, seed):
    """The shipped trained model for this setting (``load_model``), or None if none was shipped."""
    path = weights_file(cell, score, seed)
    return load_model(path).model if path.is_file() else None


def model_meta(key, cell, score, seed, data, steps):
    return {"example": key, "cell": cell, "score": score, "seed": int(seed), "updates": int(steps),
            "config": EXAMPLES[key].defaults.replace(cell=cell, seed=int(seed)).to_dict(),
            "source_vocab": data.source_vocab, "target_vocab": data.target_vocab}


# ---------------------------------------------------------------------- one sentence
@dataclass
class Translation:
    """One English sentence through a model, greedily decoded.

    Attributes
    ----------
    source : list of str        the words read, j = 0 … T_in − 1
    written : list of str       the words written, t = 0 … T_out − 1, the last one <end> if the decoder ended
    rec : Seq2SeqRecord         the teacher-forced pass on the written words: the same numbers as the greedy run
    vocab : list of str         the target classes (the columns of ``rec.y``)
    block : tuple or None       (first row, last row, first column, last column) of the reordered words
    """

    source: list
    written: list
    rec: object
    vocab: list
    block: tuple | None

    @property
    def weights(self):
        """α of this sentence, shape (T_out, T_in)."""
        return self.rec.weights[:, 0, :len(self.source)]

    @property
    def words(self):
        """The translation without the end marker."""
        return [w for w in self.written if w != END]


def check_sentence(text, vocab):
    """A person's sentence as words of the model's source vocabulary; InputError says what is wrong.

    Unknown words are listed with the nearest known words (difflib); punctuation stuck to a word ("1992.")
    is split off as the corpus writes it.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the sentence is empty: type an English sentence such as "
                         "“The treaty on the Social Area was signed in May 1990 .”")
    if len(text) > MAX_CHARS:
        raise InputError(f"the sentence has {len(text)} characters; the limit is {MAX_CHARS}")
    words = text.replace(".", " . ").split()
    if len(words) > MAX_WORDS:
        raise InputError(f"the sentence has {len(words)} words; this model was trained on sentences of 11 to 13 "
                         f"words, and the limit is {MAX_WORDS}")
    known = set(vocab)
    unknown = list(dict.fromkeys(w for w in words if w not in known))
    if unknown:
        hints = []
        for w in unknown[:5]:
            near = difflib.get_close_matches(w, vocab, n=3, cutoff=0.5) or \
                difflib.get_close_matches(w.capitalize(), vocab, n=3, cutoff=0.5)
            hints.append(f"“{w}” (nearest known: {', '.join(near)})" if near else f"“{w}” (nothing close)")
        raise InputError(f"{len(unknown)} word(s) this model has never read: {'; '.join(hints)}")
    return words


def translate(model, data, words, key="attention", max_length=30):
    """Greedy translation of ``words`` (known source words) with the record of every step."""
    one = PairData.from_pairs([(list(words), [])], data.source_vocab, data.target_vocab)
    end = data.target_vocab.index(END)
    ids, rec = model.greedy_decode(one.source, data.target_vocab.index(START), end, max_length, one.source_lengths)
    written = [data.target_vocab[i] for i in ids[0]]
    return Translation(list(words), written, rec, list(data.target_vocab), reordered_block(key, words, written))


def reordered_block(key, source, written):
    """Where the word order changes: the smallest box of (written row, source column) holding every pair of
    dictionary-aligned words whose order is swapped, as (t0, t1, j0, j1) inclusive; None if the order is kept.

    The alignment comes from the corpus's own dictionary (a written word → the one source word it translates,
    when that word occurs once), never from the model: the box shows where a correct attention map must cross.
    """
    dictionary = DICTIONARY.get(key, {})
    pairs = [(t, source.index(dictionary[w])) for t, w in enumerate(written)
             if w in dictionary and source.count(dictionary[w]) == 1]
    crossed = {p for p in pairs for q in pairs if (p[0] - q[0]) * (p[1] - q[1]) < 0}
    if not crossed:
        return None
    rows, cols = [t for t, _ in crossed], [j for _, j in crossed]
    return min(rows), max(rows), min(cols), max(cols)


def misaligned(tr, key="attention"):
    """Written words whose largest α is not on the source word they translate (the corpus's dictionary):
    a list of (word written, word looked at most, word it translates)."""
    dictionary = DICTIONARY.get(key, {})
    out = []
    for t, w in enumerate(tr.written):
        if w in dictionary and tr.source.count(dictionary[w]) == 1:
            looked = tr.source[int(tr.weights[t].argmax())]
            if looked != dictionary[w]:
                out.append((w, looked, dictionary[w]))
    return out


def attention_rows(tr):
    """α as a table: one row per (output step, source position): step, word written, position, word read, α."""
    return [{"output step": t, "output word": w, "source position": j, "source word": s,
             "alpha": float(tr.weights[t, j])} for t, w in enumerate(tr.written) for j, s in enumerate(tr.source)]


def decoder_rows(tr):
    """The decoder's record for this sentence, tidy: one row per step, quantity and index (unit, source position
    or target word), with the engine's value."""
    rec, rows = tr.rec, []
    T_in = len(tr.source)
    last = rec.decoder.layers[-1]
    per_unit = {"s_prev": last.hidden_prev, "s": rec.decoder.output, "c": rec.context}
    if rec.queries is not None:
        per_unit["q"] = rec.queries
    for t, w in enumerate(tr.written):
        for name, values in per_unit.items():
            rows += [{"step": t, "written": w, "quantity": name, "index": i, "label": f"unit {i + 1}",
                      "value": float(v)} for i, v in enumerate(values[t, 0])]
        for name, values in (("e", rec.scores), ("alpha", rec.weights)):
            rows += [{"step": t, "written": w, "quantity": name, "index": j, "label": tr.source[j],
                      "value": float(values[t, 0, j])} for j in range(T_in)]
        rows += [{"step": t, "written": w, "quantity": "y", "index": k, "label": tr.vocab[k],
                  "value": float(p)} for k, p in enumerate(rec.y[t, 0])]
    return rows


# ---------------------------------------------------------------------- with and without attention
def accuracy_by_length(model, pairs, data):
    """Greedy token accuracy (the end token included) of ``pairs`` grouped by source length:
    {length: {"right": int, "total": int, "pairs": int}}."""
    test = PairData.from_pairs(pairs, data.source_vocab, data.target_vocab)
    words, _ = test.translate(model)
    out = {}
    for got, want, n in zip(words, test.target_tokens, test.source_lengths, strict=True):
        want, got = want + [END], got + [END]
        row = out.setdefault(int(n), {"right": 0, "total": 0, "pairs": 0})
        row["right"] += sum(g == w for g, w in zip(got, want, strict=False))
        row["total"] += len(want)
        row["pairs"] += 1
    return dict(sorted(out.items()))


def comparison(cell, seed, with_model=None, data=None, without_model=None):
    """Bahdanau's result in small: the example's encoder–decoder trained with its attention and without any
    (the same pairs, seed and training), scored on the held-out pairs by source length.

    ``with_model`` and ``without_model`` reuse models already trained so. Returns {"cell", "seed", "lengths",
    "with": [accuracy per length], "without": [...], "pairs": [held-out pairs per length]}.
    """
    data = EXAMPLES["attention"].data() if data is None else data
    models, score_with = {}, EXAMPLES["attention"].attention
    for name, model, score in (("with", with_model, score_with), ("without", without_model, "none")):
        if model is None:
            run = trainer("attention", cell, score, seed, data)
            run.run()
            model = run.model
        models[name] = accuracy_by_length(model, data.meta["held_out"], data)
    lengths = list(models["with"])
    result = {"cell": cell, "seed": int(seed), "lengths": lengths}
    for name, acc in models.items():
        result[name] = [acc[n]["right"] / acc[n]["total"] for n in lengths]
    result["pairs"] = [models["with"][n]["pairs"] for n in lengths]
    return result


def shipped_comparison():
    """The comparison written by ``make weights`` for the example's default cell and seed, or None."""
    path = WEIGHTS / COMPARISON_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def main():
    """Train the default model and its no-attention twin; write the weights and the comparison."""
    cell, score, seed = default_setting()
    data = EXAMPLES["attention"].data()
    run = trainer("attention", cell, score, seed, data)
    run.run()
    WEIGHTS.mkdir(exist_ok=True)
    save_model(weights_file(cell, score, seed), run.model, vocab=data.source_vocab,
               meta=model_meta("attention", cell, score, seed, data, run.step))
    result = comparison(cell, seed, with_model=run.model, data=data)
    (WEIGHTS / COMPARISON_FILE).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {weights_file(cell, score, seed).name} ({run.step} updates) and {COMPARISON_FILE}: "
          f"{json.dumps(result)}")


if __name__ == "__main__":
    main()
