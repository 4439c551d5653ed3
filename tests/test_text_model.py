"""The character model: the corpus and its features, truncated BPTT over chunks against finite differences, bits
per character, and sampling (greedy = argmax, a seed reproduces, temperature raises the entropy)."""

import math

import numpy as np
import pytest

from gradcheck import assert_grads_match
from rnn_core import text_model as tm
from rnn_core.corpus import (
    MAX_OWN,
    MIN_OWN,
    char_class,
    check_own_text,
    features,
    structured_corpus,
    vocabulary,
)
from rnn_core.data import InputError, one_hot
from rnn_core.generate import sampling_distribution


def test_the_structured_corpus_is_seeded_and_every_line_balances_its_brackets():
    text = structured_corpus(n_chars=5000, seed=3)
    assert text == structured_corpus(n_chars=5000, seed=3) != structured_corpus(n_chars=5000, seed=4)
    assert len(text) >= 5000
    for line in text.splitlines():
        depth = np.cumsum([{"(": 1, ")": -1}.get(c, 0) for c in line])
        assert depth.min() >= 0 and depth[-1] == 0 and np.all(depth[:-1] > 0), line   # ends when it closes
        assert line.count('"') % 2 == 0
    assert max(features(text)["bracket depth"]) == 4


def test_features_of_a_hand_written_text():
    f = features('(a "be")\n(1)')
    #             (  a  ␣  "  b  e  "  )  ↵  (  1  )
    assert f["bracket depth"].tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0]
    assert f["inside brackets"].tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0]
    assert f["inside quotes"].tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert f["position in line"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2]
    assert f["start of word"].tolist() == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert f["vowel"].tolist() == [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert f["digit"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert [char_class(c) for c in 'a b\n(1"é'] == ["vowel", "space", "letter", "newline", "bracket", "digit",
                                                    "quote", "vowel"]


@pytest.mark.parametrize("bad, why", [
    ("short", "at least"), ("x" * (MAX_OWN + 1), "limit"), ("ok " * 100 + "\x07", "control"),
    (b"\xff\xfe" + b"a" * 300, "UTF-8"), ("a\x00" * 200, "NUL"), ("".join(map(chr, range(0x4E00, 0x4E00 + 300))),
                                                                  "different characters"),
])
def test_own_text_that_cannot_be_used_is_refused_with_the_reason(bad, why):
    with pytest.raises(InputError, match=why):
        check_own_text(bad)


def test_own_text_in_any_language_is_accepted_and_normalised():
    text = check_own_text(("Ça va? Καλημέρα! Привет, 世界.\r\n" * 10).encode("utf-8"))
    assert "\r" not in text and "世" in text and len(text.strip()) >= MIN_OWN
    assert vocabulary(text) == sorted(set(text))


def tiny(cell, layers=1, seed=0, hidden=3):
    text = structured_corpus(n_chars=400, seed=seed)
    vocab = vocabulary(text)
    model = tm.build_model(tm.DEFAULTS.replace(cell=cell, hidden=hidden, layers=layers, seed=seed), vocab)
    return text, vocab, model


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_chunk_carries_the_state_and_its_gradient_is_the_chunk_loss_with_that_state_held(cell):
    text, vocab, model = tiny(cell, layers=2)
    data = tm.TextData(text, vocab, chunk=5, streams=2)
    data.loss_and_grads(model)                                   # first chunk: leaves a carried state
    state = data.state
    assert np.any(np.asarray(state[0] if cell == "lstm" else state))
    x, y = data.streams[5:10], data.streams[6:11]              # the chunk the next call will read
    loss, grads, _ = data.loss_and_grads(model)

    def f():
        rec = model.forward(one_hot(x, len(vocab)), h0=state)
        return model.loss(rec, y)

    assert loss == pytest.approx(f(), rel=1e-12)
    assert_grads_match(f, model.parameters(), grads)


def test_streams_wrap_to_the_start_with_a_fresh_state():
    text, vocab, model = tiny("rnn")
    data = tm.TextData(text, vocab, chunk=50, streams=4)
    S = data.streams.shape[0]
    for _ in range((S - 1) // 50):
        data.loss_and_grads(model)
    assert data.state is not None
    data.next_chunk()
    assert data.cursor == 50 and data.state is None


def test_an_untrained_model_costs_about_log2_v_bits_and_training_lowers_it():
    text = structured_corpus(n_chars=3000)
    vocab = vocabulary(text)
    config = tm.DEFAULTS.replace(hidden=16, steps=60, lr=0.02)
    untrained = tm.build_model(config, vocab)
    before = tm.evaluate_bits(untrained, vocab, text[:1000])
    assert before == pytest.approx(math.log2(len(vocab)), abs=0.1)
    model, _, trainer = tm.train(text, config)
    assert trainer.step == 60
    assert tm.evaluate_bits(model, vocab, text[:1000]) < before - 1.0


def trained_small():
    text = structured_corpus(n_chars=3000)
    model, vocab, _ = tm.train(text, tm.DEFAULTS.replace(hidden=16, steps=40, lr=0.02))
    return model, vocab


@pytest.fixture(scope="module")
def small():
    return trained_small()


def test_greedy_sampling_takes_the_argmax_every_time(small):
    model, vocab = small
    s = tm.sample(model, vocab, "(the ", 60, temperature=0, seed=1)
    assert np.array_equal(s.chosen, s.model_probs.argmax(axis=1))
    assert s.text == tm.sample(model, vocab, "(the ", 60, temperature=0, seed=99).text
    # each distribution is the model's own, read from the start: replay prime + text in one pass
    rec = tm.run_text(model, vocab, "(the " + s.text)
    assert np.allclose(rec.y[4:-1, 0], s.model_probs, atol=1e-12)


def test_the_same_seed_writes_the_same_text_and_another_seed_another(small):
    model, vocab = small
    a, b, c = (tm.sample(model, vocab, "(", 200, 1.0, seed=s) for s in (5, 5, 6))
    assert a.text == b.text and np.array_equal(a.model_probs, b.model_probs)
    assert a.text != c.text
    assert len(a.text) == 200 and a.prime == "("


def entropy_of(text):
    _, counts = np.unique(list(text), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def test_a_higher_temperature_writes_more_varied_characters(small):
    model, vocab = small
    cold, model_own, hot = (entropy_of("".join(tm.sample(model, vocab, "(", 400, t, seed=s).text for s in range(3)))
                            for t in (0.3, 1.0, 2.0))
    assert cold < model_own - 0.2 < hot - 0.4


def test_top_k_samples_only_among_the_k_most_likely(small):
    model, vocab = small
    s = tm.sample(model, vocab, "(", 200, 1.5, top_k=3, seed=2)
    ranks = (s.model_probs > s.model_probs[np.arange(200), s.chosen][:, None]).sum(axis=1)
    assert ranks.max() <= 2
    assert np.all((s.sampling_probs > 0).sum(axis=1) == 3)
    assert np.allclose(s.sampling_probs, [sampling_distribution(y, 1.5, 3) for y in s.model_probs])


@pytest.mark.parametrize("prime, length, temperature, top_k, why", [
    ("", 10, 1.0, None, "empty"), ("(é", 10, 1.0, None, "never saw"), ("(", 0, 1.0, None, "length"),
    ("(", 10, -1.0, None, "temperature"), ("(", 10, 1.0, 0, "top-k"),
])
def test_bad_sampling_settings_are_refused_in_words(small, prime, length, temperature, top_k, why):
    model, vocab = small
    with pytest.raises(InputError, match=why):
        tm.sample(model, vocab, prime, length, temperature, top_k)
