"""Every worked example learns from its defaults, for every cell type and several seeds.

The expectations are written out here from the course material, not taken from the code under test.
"""

import numpy as np
import pytest

from rnn_core.data import PairData
from rnn_core.examples import EXAMPLES, KENNEDY, train_example
from rnn_core.generate import generate

CELLS = ["rnn", "lstm", "gru"]
SEEDS = [0, 1, 2]


def predicted_letters(model, data):
    rec = data.run(model)
    return [data.output_labels[k] for k in rec.y[:, 0].argmax(-1)]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", SEEDS)
def test_jazz_needs_memory_to_tell_the_two_zs_apart(cell, seed):
    model, data, _ = train_example("jazz", cell=cell, seed=seed)
    assert data.tokens[0] == ["J", "A", "Z", "Z"]
    assert predicted_letters(model, data) == ["A", "Z", "Z", "<end>"]
    hidden = data.run(model).rnn.output[:, 0]
    assert not np.allclose(hidden[2], hidden[3])        # the same input Z, two different states


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", SEEDS)
def test_kennedy_scores_names_near_one_and_other_words_near_zero(cell, seed):
    model, data, _ = train_example("kennedy", cell=cell, seed=seed)
    assert data.tokens == [KENNEDY.replace(",", "").rstrip(".").split(), ["Kennedy", "stands"]]
    p = data.run(model).y[..., 0]
    first = dict(zip(data.tokens[0], p[:, 0], strict=True))
    assert first["America"] >= 0.9 and first["Kennedy"] >= 0.9
    assert all(v <= 0.1 for w, v in first.items() if w not in ("America", "Kennedy"))
    assert p[0, 1] >= 0.9 and p[1, 1] <= 0.1


def test_kennedy_one_hot_vectors_follow_the_article():
    data = EXAMPLES["kennedy"].data()
    assert data.x[0, 0].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]          # Among
    assert data.x[5, 0].tolist() == [0, 0, 0, 0, 0, 1, 0, 0]          # Kennedy
    assert data.lengths.tolist() == [8, 2]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", SEEDS)
def test_home_and_namaskar_predict_every_next_letter(cell, seed):
    model, data, _ = train_example("home", cell=cell, seed=seed)
    assert predicted_letters(model, data) == ["O", "M", "E"]
    model, data, _ = train_example("namaskar", cell=cell, seed=seed)
    assert "".join(data.tokens[0]) == "namaska"
    assert predicted_letters(model, data) == list("amaskar")           # the eighth letter is r


def test_casa_de_papel_is_held_out_of_a_corpus_where_every_noun_plays_both_roles():
    data = EXAMPLES["casa"].data()
    lines = {tuple(s) for s in data.source_tokens}
    assert ("casa", "de", "papel") not in lines and not any("casa de papel" in " ".join(s) for s in lines)
    assert ("papel", "de", "casa") in lines                              # the same two words, the other order
    held = [tuple(s) for s, _ in data.meta["held_out"]]
    assert held and not set(held) & lines
    for source, target in zip(data.source_tokens, data.target_tokens, strict=True):
        if len(source) == 3:                                             # "N de M" → "M N"
            assert source[1] == "de" and len(target) == 2


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", SEEDS)
def test_casa_de_papel_translates_to_paper_house_and_its_attention_crosses(cell, seed):
    """The lesson of the picture: writing *paper* the decoder looks at *papel*, writing *house* at *casa*."""
    model, data, _ = train_example("casa", cell=cell, seed=seed)
    phrase = PairData.from_pairs([(["casa", "de", "papel"], ["paper", "house"])], data.source_vocab,
                                 data.target_vocab)
    words, rec = phrase.translate(model)
    assert words == [["paper", "house"]]
    alpha = rec.weights[:2, 0, :3]                                       # rows paper, house; columns casa de papel
    assert alpha[0].argmax() == 2 and alpha[1].argmax() == 0, alpha
    assert alpha[0, 2] >= 0.6 and alpha[1, 0] >= 0.6, alpha              # not a near tie
    assert EXAMPLES["casa"].learned(model, data).ok


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", SEEDS)
def test_attention_translates_held_out_pairs_and_aligns_the_seed_sentence(cell, seed):
    model, data, _ = train_example("attention", cell=cell, seed=seed)
    outcome = EXAMPLES["attention"].learned(model, data)
    assert outcome.score >= 0.95, outcome
    seed_pair = data.meta["seed_pair"]
    assert " ".join(seed_pair[0]) == "The agreement on the European Economic Area was signed in August 1992 ."
    assert tuple(seed_pair[0]) not in {tuple(s) for s in data.source_tokens}, "the seed sentence is held out"
    seed = PairData.from_pairs([seed_pair], data.source_vocab, data.target_vocab)
    words, rec = seed.translate(model)
    aligned = {"accord": "agreement", "zone": "Area", "économique": "Economic", "européenne": "European",
               "signé": "signed", "août": "August", "1992": "1992"}
    src = seed_pair[0]
    right = [src[int(rec.weights[t, 0].argmax())] == aligned[w] for t, w in enumerate(words[0]) if w in aligned]
    assert len(right) == 7 and sum(right) >= 4, (words, right)


def test_attention_crosses_with_the_default_setting():
    """The picture the page shows: 'zone économique européenne' looks at 'Area', 'Economic', 'European'."""
    model, data, _ = train_example("attention")
    seed = PairData.from_pairs([data.meta["seed_pair"]], data.source_vocab, data.target_vocab)
    words, rec = seed.translate(model)
    src = data.meta["seed_pair"][0]
    looks = {w: src[int(rec.weights[t, 0].argmax())] for t, w in enumerate(words[0])}
    assert (looks["zone"], looks["économique"], looks["européenne"]) == ("Area", "Economic", "European")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", SEEDS)
def test_five_shapes_learn(cell, seed):
    model, data, _ = train_example("xor", cell=cell, seed=seed)
    p = data.run(model).y[0, :, 0]
    assert (p > 0.5).tolist() == [False, True, True, False]                # 00 01 10 11
    model, data, _ = train_example("generate", cell=cell, seed=seed)
    for word in ("jazz", "home", "namaskar"):
        assert generate(model, data.input_vocab, word[0], temperature=0).text == word
    model, data, _ = train_example("sentiment", cell=cell, seed=seed)
    assert EXAMPLES["sentiment"].learned(model, data).score >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_memory_over_distance_gates_remember_and_the_vanilla_rnn_does_not(seed):
    """20 steps of noise (deviation 0.75) on the symbol's own units: the gated cells learn to recall the first
    symbol, the vanilla RNN stays near chance (1/4), with a wide gap between, on every seed and CPU."""
    recall = {}
    for cell in CELLS:
        model, data, _ = train_example("memory", cell=cell, seed=seed)
        assert data.meta["distance"] == 20 and data.meta["noise"] == 0.75
        recall[cell] = EXAMPLES["memory"].learned(model, data).score
    print(f"memory recall, seed {seed}: {recall}")                      # the margins, with -s
    assert recall["lstm"] >= 0.9 and recall["gru"] >= 0.9, recall
    assert recall["rnn"] <= 0.4, recall                                   # chance is 0.25


@pytest.mark.parametrize("cell", CELLS)
def test_noisy_sine_beats_repeating_the_last_value(cell):
    model, data, _ = train_example("sine", cell=cell, seed=0)
    assert EXAMPLES["sine"].learned(model, data).ok


def test_sampling_is_seeded_and_temperature_sharpens():
    model, data, _ = train_example("generate", cell="gru", seed=0)
    a = generate(model, data.input_vocab, "n", temperature=1.5, seed=5)
    b = generate(model, data.input_vocab, "n", temperature=1.5, seed=5)
    assert a.text == b.text and np.array_equal(a.probabilities, b.probabilities)
    greedy = generate(model, data.input_vocab, "n", temperature=0)
    assert np.all(greedy.probabilities.max(axis=1) == 1.0)
    top1 = generate(model, data.input_vocab, "n", temperature=1.0, top_k=1, seed=9)
    assert top1.text == greedy.text == "namaskar"
    assert greedy.record.y.shape[0] == len("namaskar")                  # the replay covers every letter


def test_an_outcome_says_what_its_score_measures():
    from rnn_core.examples import Outcome
    assert str(Outcome(False, 0.7, ("a → b",), "recall on fresh sequences")) == \
        "not learned yet (recall on fresh sequences 0.7): a → b"
    for key, example in EXAMPLES.items():                     # untrained: the words are there all the same
        data = example.data()
        outcome = example.learned(example.build_model(example.defaults, data), data)
        assert outcome.measure != "score" and outcome.measure in str(outcome), key
