"""The hidden-state explorer: the text coloured by the engine's own unit values, units ranked by feature (a click
colours by that unit), select and match, the state's path, CSV; bad input explained."""

import numpy as np
import pytest

from apptest import array, button, charts, page, texts
from rnn_core import text_model as tm
from rnn_core import units
from rnn_core.corpus import features, structured_corpus
from rnn_core.project import principal_components

PASSAGE = structured_corpus(n_chars=1200, seed=1)[:1000]


def run(**state):
    at = page("explorer", **state).run()
    assert not at.exception, at.exception
    return at


def engine_states(passage=PASSAGE):
    """The shipped model's states over the passage, from the engine's public API alone."""
    model, vocab, _ = tm.shipped_model()
    rec = tm.run_text(model, vocab, passage)
    return rec, units.states(rec, passage)


def coloured(at):
    """The values of the coloured-text grid in reading order (the text flows, so every cell up to N is filled)."""
    trace = charts(at)[0]["data"][0]
    z = array(trace["z"]).reshape(-1)
    return z[:len(PASSAGE)]


def test_by_default_the_text_is_coloured_by_the_unit_that_tracks_the_bracket_depth_best():
    at = run()
    _, st = engine_states()
    r = units.correlations(st.values, features(PASSAGE)["bracket depth"])
    best = int(np.argmax(np.abs(r)))
    assert abs(r[best]) >= 0.8                                          # the lesson: a unit counts brackets
    layer, quantity, unit = st.units[best]
    assert (at.session_state.ex_layer, at.session_state.ex_q, at.session_state.ex_unit) == (layer, quantity, unit)
    assert np.allclose(coloured(at), st.values[:, best], atol=1e-12)
    assert f"{r[best]:+.2f}" in " ".join(b.label for b in at.button)


def test_the_feature_bars_are_the_engines_best_units_per_feature():
    at = run()
    _, st = engine_states()
    bars = charts(at)[1]["data"][0]
    shown = array(bars["x"])
    for k, name in enumerate(features(PASSAGE)):
        r = units.correlations(st.values, features(PASSAGE)[name])
        top = np.sort(np.abs(r))[::-1][:3]
        assert np.allclose(np.abs(shown[3 * k:3 * k + 3]), top, atol=1e-12), name


def test_a_click_on_a_feature_colours_the_text_by_its_unit():
    at = run()
    _, st = engine_states()
    r = units.correlations(st.values, features(PASSAGE)["inside quotes"])
    best = int(np.argmax(np.abs(r)))
    label = next(b.label for b in at.button if b.label.startswith("inside quotes:"))
    at = button(at, label).click().run()
    assert np.allclose(coloured(at), st.values[:, best], atol=1e-12)


def test_layer_state_and_unit_controls_pick_the_unit_drawn():
    at = run(ex_unit=5)
    at.segmented_control(key="ex_q").set_value("h").run()
    _, st = engine_states()
    assert np.allclose(coloured(at), st.values[:, st.column(1, "h", 5)], atol=1e-12)
    at.slider(key="ex_unit").set_value(9).run()
    assert np.allclose(coloured(at), st.values[:, st.column(1, "h", 9)], atol=1e-12)
    assert at.query_params.get("ex_unit") in ("9", ["9"])


def test_select_and_match_lists_the_units_on_over_the_span_and_where_else_they_are_on():
    at = run(ex_query="(((", ex_thr=0.2)
    _, st = engine_states()
    span = units.find_span(PASSAGE, "(((")
    h = [k for k, (_, quantity, _) in enumerate(st.units) if quantity == "h"]       # LSTMVis reads h
    chosen = units.select(st.values[:, h], *span, 0.2)
    assert chosen.size > 0
    assert f"{chosen.size} hidden unit(s) stay on" in " ".join(t.value for t in at.text)
    found = units.matches(st.values[:, h], chosen, 0.2, exclude=span)
    table = at.dataframe[0].value
    assert table["start"].tolist() == [m.start for m in found]
    first = found[0]
    assert table["context"][0].count("«") == 1 and PASSAGE[first.start:first.end].replace("\n", "↵") in \
        table["context"][0]


def test_start_and_end_select_when_no_search_is_given_and_a_high_threshold_finds_nothing():
    at = run(ex_start=3, ex_end=9, ex_thr=1.0)
    assert "No hidden unit h stays at or above 1" in texts(at)
    outline = charts(at)[0]["data"][1]                                  # the selection outlined
    assert len(array(outline["x"])) == 6


def test_a_search_for_text_that_is_not_there_is_explained_and_the_page_goes_on():
    at = run(ex_query="zebra")
    assert at.error and "does not occur" in at.error[0].value
    assert len(charts(at)) == 3                                          # text, features, path still drawn


def test_the_path_is_the_engines_projection_coloured_by_class():
    at = run(ex_len=500)
    rec, _ = engine_states(structured_corpus(n_chars=700, seed=1)[:500])
    proj = principal_components(rec.rnn.layers[-1].hidden[:, 0])
    path = charts(at)[2]["data"][0]
    assert np.allclose(array(path["x"]), proj.coords[:, 0]) and np.allclose(array(path["y"]), proj.coords[:, 1])
    assert {tr["name"] for tr in charts(at)[2]["data"][1:]} >= {"bracket", "vowel", "letter", "newline"}


def test_a_gru_has_no_cell_state_and_csv_downloads_are_offered():
    at = run(tx_cell="gru", tx_hidden=16, ex_len=500)
    assert at.session_state.ex_q == "h"
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Download the states of the passage (CSV)" in labels and "Download every unit-feature correlation (CSV)" in \
        labels


def test_the_csv_tables_hold_the_engines_states_and_correlations():
    from ui import explorer as ue
    rec, st = engine_states()
    analysis = ue.Analysis(st, units.feature_table(st), units.all_correlations(st), None, [])
    frame = ue.states_frame(analysis)
    assert frame["character"].str.cat() == PASSAGE and frame.shape == (len(PASSAGE), 2 + st.values.shape[1])
    assert np.array_equal(frame["c layer 1 unit 7"].to_numpy(), rec.rnn.layers[0].cell[:, 0, 6])
    corr = ue.correlation_frame(analysis)
    depth = corr[(corr.feature == "bracket depth") & (corr.quantity == "h") & (corr.unit == 3)]["correlation"]
    expected = units.correlations(rec.rnn.layers[0].hidden[:, 0, 2:3], features(PASSAGE)["bracket depth"])[0]
    assert depth.item() == pytest.approx(expected, rel=1e-12)


def test_a_two_layer_model_of_another_seed_offers_its_second_layer():
    from ui import generate as ug
    at = run(tx_hidden=16, tx_layers=2, tx_seed=5, ex_len=500, ex_unit=3, ex_q="h")
    at.segmented_control(key="ex_layer").set_value(2).run()
    assert not at.exception
    text = structured_corpus()
    values = {"tx_corpus": "structured", "tx_cell": "lstm", "tx_hidden": 16, "tx_layers": 2, "tx_seed": 5}
    ready = ug.ready_job(values, text).value                                # the server's shared model
    rnn = ready.model.rnn
    assert (rnn.num_layers, rnn.hidden_size) == (2, 16)
    untrained = tm.build_model(tm.DEFAULTS.replace(hidden=16, layers=2, seed=5), ready.vocab)
    assert not np.allclose(rnn.params["weight_hh_l1"], untrained.rnn.params["weight_hh_l1"])   # trained
    passage = structured_corpus(n_chars=700, seed=1)[:500]
    rec = tm.run_text(ready.model, ready.vocab, passage)
    drawn = array(charts(at)[0]["data"][0]["z"]).reshape(-1)[:500]
    assert np.allclose(drawn, rec.rnn.layers[1].hidden[:, 0, 2], atol=1e-12)
