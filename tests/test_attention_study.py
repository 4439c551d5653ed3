"""The attention page's engine side: a person's sentence checked with the nearest known words, the tables behind
the downloads, the shipped model and comparison reproduced from their seed, and the lessons as outcomes.

The trainings (the example's defaults, several seconds each) are shared by the tests through one module
fixture. Outcomes are held with margins (α on the aligned word above one half; with attention at least
10 points above without) so that other BLAS kernels, which change the last bits of every update, keep them.
"""

import json

import numpy as np
import pytest

from rnn_core import attention_study as study
from rnn_core.data import InputError
from rnn_core.examples import ATTENTION_EN, ATTENTION_FR, EXAMPLES
from rnn_core.model_file import load_model

EN = ATTENTION_EN.split()
ALIGNED = {"zone": "Area", "économique": "Economic", "européenne": "European"}


@pytest.fixture(scope="module")
def data():
    return EXAMPLES["attention"].data()


@pytest.fixture(scope="module")
def trained(data):
    """trained(cell, score, seed) → the model trained from that seed with the example's defaults, once."""
    models = {}

    def get(cell, score, seed):
        if (cell, score, seed) not in models:
            run = study.trainer("attention", cell, score, seed, data)
            run.run()
            assert run.stopped is None and run.done
            models[cell, score, seed] = run.model
        return models[cell, score, seed]
    return get


# ---------------------------------------------------------------------- a person's sentence
def test_a_known_sentence_is_split_as_the_corpus_writes_it(data):
    assert study.check_sentence("The treaty on the Social Area was signed in May 1990.", data.source_vocab) == \
        "The treaty on the Social Area was signed in May 1990 .".split()


@pytest.mark.parametrize(("text", "words"), [
    ("The agreement on the Europen Economik Area was signed .", ["“Europen” (nearest known: European",
                                                                  "“Economik” (nearest known: Economic"]),
    ("The pizza on the Area .", ["“pizza” (nothing close)"]),
])
def test_unknown_words_are_named_with_the_nearest_known_ones(data, text, words):
    with pytest.raises(InputError) as err:
        study.check_sentence(text, data.source_vocab)
    message = str(err.value)
    assert "never read" in message
    for w in words:
        assert w in message


def test_empty_and_over_long_input_say_so(data):
    with pytest.raises(InputError, match="empty"):
        study.check_sentence("   ", data.source_vocab)
    with pytest.raises(InputError, match="21 words"):
        study.check_sentence(" ".join(["the"] * 21), data.source_vocab)
    with pytest.raises(InputError, match="characters"):
        study.check_sentence("x" * (study.MAX_CHARS + 1), data.source_vocab)


# ---------------------------------------------------------------------- the tables behind the downloads
def test_alpha_and_decoder_tables_hold_the_records_numbers(data, trained):
    cell, score, seed = study.default_setting()
    tr = study.translate(study.shipped_model(cell, score, seed), data, EN)
    rows = study.attention_rows(tr)
    assert len(rows) == len(tr.written) * len(EN)
    assert list(rows[0]) == ["output step", "output word", "source position", "source word", "alpha"]
    for r in rows:
        assert r["alpha"] == tr.rec.weights[r["output step"], 0, r["source position"]]
        assert r["source word"] == EN[r["source position"]] and r["output word"] == tr.written[r["output step"]]
    record = study.decoder_rows(tr)
    e = [r for r in record if r["quantity"] == "e" and r["step"] == 4]
    assert [r["label"] for r in e] == EN and [r["value"] for r in e] == tr.rec.scores[4, 0].tolist()
    s = [r["value"] for r in record if r["quantity"] == "s" and r["step"] == 2]
    assert s == tr.rec.decoder.output[2, 0].tolist()
    y = [r for r in record if r["quantity"] == "y" and r["step"] == 0]
    assert [r["label"] for r in y] == data.target_vocab and [r["value"] for r in y] == tr.rec.y[0, 0].tolist()
    assert {r["quantity"] for r in record} == {"s_prev", "s", "c", "q", "e", "alpha", "y"}


# ---------------------------------------------------------------------- the shipped files reproduce
def test_the_shipped_model_is_what_training_from_its_seed_gives(data, trained):
    cell, score, seed = study.default_setting()
    assert (cell, score, seed) == ("gru", "additive", 0)
    loaded = load_model(study.weights_file(cell, score, seed))
    assert loaded.meta["updates"] == EXAMPLES["attention"].defaults.steps
    assert loaded.meta["config"] == EXAMPLES["attention"].defaults.to_dict()
    shipped, fresh = loaded.model, trained(cell, score, seed)
    a, b = study.translate(shipped, data, EN), study.translate(fresh, data, EN)
    assert a.words == b.words == ATTENTION_FR.split()
    assert a.weights.argmax(axis=1).tolist() == b.weights.argmax(axis=1).tolist()
    assert np.max(np.abs(a.weights - b.weights)) < 0.1
    for model in (shipped, fresh):
        acc = study.accuracy_by_length(model, data.meta["held_out"], data)
        assert sum(r["right"] for r in acc.values()) / sum(r["total"] for r in acc.values()) > 0.98


def test_the_shipped_comparison_is_what_training_without_attention_gives(data, trained):
    shipped = json.loads((study.WEIGHTS / study.COMPARISON_FILE).read_text())
    fresh = study.comparison("gru", 0, with_model=trained("gru", "additive", 0), data=data,
                             without_model=trained("gru", "none", 0))
    assert fresh["lengths"] == shipped["lengths"] == [11, 12, 13] and fresh["pairs"] == shipped["pairs"]
    np.testing.assert_allclose(fresh["with"], shipped["with"], atol=0.02)
    np.testing.assert_allclose(fresh["without"], shipped["without"], atol=0.05)


# ---------------------------------------------------------------------- the lessons
@pytest.mark.parametrize(("cell", "score", "seed"), [(cell, "additive", seed) for cell in ("rnn", "lstm", "gru")
                                                     for seed in (0, 1, 2)] + [("gru", "dot", 0)])
def test_the_reordered_words_attend_to_the_words_they_translate(data, trained, cell, score, seed):
    # the encoder reads both ways, so h_j is about word j: without that, RNN and LSTM at seed 1 looked elsewhere
    model = trained(cell, score, seed)
    assert model.bidirectional
    tr = study.translate(model, data, EN)
    assert tr.words == ATTENTION_FR.split(), f"{cell}/{score}/{seed} wrote {' '.join(tr.words)}"
    for french, english in ALIGNED.items():
        row = tr.weights[tr.written.index(french)]
        assert EN[int(row.argmax())] == english and row[EN.index(english)] >= 0.5, \
            f"{cell}/{score}/{seed}: {french} looks most at {EN[int(row.argmax())]} ({row.max():.2f}), " \
            f"at {english} {row[EN.index(english)]:.2f}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_attention_the_longest_sentences_are_translated_better(data, trained, seed):
    result = study.comparison("gru", seed, with_model=trained("gru", "additive", seed), data=data,
                              without_model=trained("gru", "none", seed))
    assert result["with"][-1] >= result["without"][-1] + 0.1, result
    assert min(result["with"]) > 0.9, result


def test_a_word_whose_attention_lies_elsewhere_is_reported():
    from types import SimpleNamespace
    source, written = ["casa", "de", "papel"], ["paper", "house", "<end>"]
    weights = np.array([[0.1, 0.1, 0.8], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])[:, None, :]   # house looks at "de"
    tr = study.Translation(source, written, SimpleNamespace(weights=weights), [], None)
    assert study.misaligned(tr, "casa") == [("house", "de", "casa")]
    weights[1, 0] = [0.7, 0.2, 0.1]
    assert study.misaligned(tr, "casa") == []
