"""Outcomes of the default character model (an LSTM of 64 units, 400 updates on the bracketed corpus), over
seeds: the loss falls below 1.6 bits per character on lines it never saw (log₂ 32 = 5 bits knowing nothing), a
unit tracks the bracket depth (|r| ≥ 0.8), and the shipped weights are what `make weights` trains."""

import numpy as np
import pytest

from rnn_core import text_model as tm
from rnn_core import units
from rnn_core.corpus import features, structured_corpus

SEEDS = (0, 1, 2)
BITS_TARGET = 1.6
TRACKED = 0.8
HELD_OUT = structured_corpus(n_chars=3000, seed=99)[:3000]


@pytest.fixture(scope="module")
def trained():
    text = structured_corpus()
    return {seed: tm.train(text, tm.DEFAULTS.replace(seed=seed)) for seed in SEEDS}


def best_tracking(model, vocab):
    """The largest |r| of any unit (h or c) with the bracket depth or the position in line, over the held-out text."""
    st = units.states(tm.run_text(model, vocab, HELD_OUT), HELD_OUT)
    f = features(HELD_OUT)
    return max(float(np.abs(units.correlations(st.values, f[name])).max())
               for name in ("bracket depth", "position in line"))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_default_training_brings_held_out_text_below_the_stated_bits(trained, seed):
    model, vocab, trainer = trained[seed]
    assert trainer.step == tm.DEFAULTS.steps and trainer.stopped is None
    untrained = tm.evaluate_bits(tm.build_model(tm.DEFAULTS.replace(seed=seed), vocab), vocab, HELD_OUT)
    assert untrained > 4.5
    assert tm.evaluate_bits(model, vocab, HELD_OUT) < BITS_TARGET


@pytest.mark.parametrize("seed", SEEDS)
def test_a_unit_tracks_the_bracket_depth_after_training_and_not_before(trained, seed):
    model, vocab, _ = trained[seed]
    assert best_tracking(model, vocab) >= TRACKED
    assert best_tracking(tm.build_model(tm.DEFAULTS.replace(seed=seed), vocab), vocab) < 0.6


def test_the_shipped_weights_are_what_make_weights_trains(trained):
    model, vocab, _ = trained[0]
    shipped, shipped_vocab, meta = tm.shipped_model()
    assert shipped_vocab == vocab and meta[tm.KIND]["config"] == tm.DEFAULTS.to_dict()
    for name, w in model.state_dict().items():
        assert np.allclose(shipped.state_dict()[name], w, rtol=0, atol=1e-6), name
    ours, theirs = tm.run_text(model, vocab, HELD_OUT), tm.run_text(shipped, vocab, HELD_OUT)
    assert np.abs(ours.y - theirs.y).max() < 1e-6
