"""What the units track: correlations on known cases, the states table of a record, select and match ranked as
LSTMVis ranks them."""

import numpy as np
import pytest

from rnn_core import text_model as tm
from rnn_core import units
from rnn_core.corpus import structured_corpus, vocabulary


def test_correlation_of_known_cases():
    f = np.array([0.0, 1, 2, 3, 2, 1, 0])
    values = np.stack([2 * f + 1, -f, np.ones(7), np.array([1.0, -1, 1, -1, 1, -1, 1])], axis=1)   # (N=7, K=4)
    r = units.correlations(values, f)
    assert r[0] == pytest.approx(1.0) and r[1] == pytest.approx(-1.0)
    assert r[2] == 0.0                                          # a constant unit has no correlation
    expected = np.corrcoef(values[:, 3], f)[0, 1]
    assert r[3] == pytest.approx(expected)
    assert np.all(units.correlations(values, np.full(7, 0.1)) == 0.0)      # nor has a constant feature


@pytest.mark.parametrize("cell, quantities", [("rnn", ["h"]), ("lstm", ["h", "c"]), ("gru", ["h"])])
def test_states_gather_every_layer_and_quantity_in_order(cell, quantities):
    text = structured_corpus(n_chars=300)
    vocab = vocabulary(text)
    model = tm.build_model(tm.DEFAULTS.replace(cell=cell, hidden=4, layers=2), vocab)
    rec = tm.run_text(model, vocab, text[:50])
    st = units.states(rec, text[:50])
    assert st.values.shape == (50, 2 * 4 * len(quantities))
    assert st.units[:4 * len(quantities)] == [(1, q, u) for q in quantities for u in range(1, 5)]
    k = st.column(2, quantities[-1], 3)
    layer = rec.rnn.layers[1]
    source = layer.cell if quantities[-1] == "c" else layer.hidden
    assert np.array_equal(st.values[:, k], source[:, 0, 2])
    assert st.label(k) == f"{quantities[-1]} layer 2 unit 3"


def test_feature_table_ranks_the_planted_unit_first():
    text = '(a (b "c") d)\n' * 20
    depth_unit = np.array([{"(": 1, ")": -1}.get(ch, 0) for ch in text]).cumsum() * 0.3    # tracks the depth
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.normal(size=len(text)), depth_unit, rng.normal(size=len(text))])
    st = units.States(values, [(1, "h", 1), (1, "h", 2), (1, "h", 3)], text)
    rows = [r for r in units.feature_table(st, top=3) if r["feature"] == "bracket depth"]
    assert rows[0]["unit"] == "h layer 1 unit 2" and rows[0]["correlation"] == pytest.approx(1.0)
    assert [r["rank"] for r in rows] == [1, 2, 3]


def test_select_and_match_rank_most_selected_on_then_fewest_others_then_longest():
    #               0  1  2  3  4  5  6  7  8  9 10 11 12 13
    a = np.array([[1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1]]).T
    b = np.array([[1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1]]).T
    noise = np.array([[0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1]]).T
    values = np.hstack([a, b, noise]).astype(float)             # (N=14, K=3)
    chosen = units.select(values, 0, 2, threshold=0.5)
    assert chosen.tolist() == [0, 1]                             # the noise unit is off over the selection
    found = units.matches(values, chosen, 0.5, exclude=(0, 2))
    assert [(m.start, m.end) for m in found] == [(7, 9), (3, 6), (12, 14)]   # no others on, then longest
    assert [m.others for m in found] == [0.0, 1.0, 1.0]
    partial = units.matches(values, chosen, 0.5, min_on=1, exclude=(0, 2))
    assert (10, 11) in [(m.start, m.end) for m in partial] and partial[-1].on == 1.0
    assert units.matches(values, np.array([], int), 0.5) == []
    with pytest.raises(ValueError):
        units.select(values, 5, 5, 0.5)


def test_find_span():
    assert units.find_span("abc(de)", "(d") == (3, 5)
    assert units.find_span("abc", "x") is None and units.find_span("abc", "") is None
