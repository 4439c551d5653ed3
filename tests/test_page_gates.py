"""The LSTM & GRU gates page under AppTest: every cell, example and option, and bad input."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import apptest
from apptest import charts_by_id, engine_run
from ui import gates as ug

ROOT = Path(__file__).resolve().parents[1]


def _app(**state):
    at = apptest.page("gates")
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _saturation(at):
    """The saturation table as shown: {gate: {"bottom", "top", "saturated"} as fractions, "count"}."""
    (table,) = [m.value for m in at.markdown if m.value.startswith("| gate | share near bottom")]
    out = {}
    for line in table.splitlines()[2:]:
        gate, bottom, top, saturated, count = (c.strip() for c in line.strip("|").split("|"))
        out[gate] = {"bottom": _share(bottom), "top": _share(top), "saturated": _share(saturated),
                     "count": int(count.replace(",", ""))}
    return out


def _share(cell):
    """ "12.5% (< 0.1)" -> 0.125 """
    return float(cell.split("%")[0]) / 100


def _heatmaps(at):
    """The data of every heatmap the page sends (``ui.drawn``: its JSON text inside the component's data)."""
    return [json.loads(json.loads(el.proto.json)["spec"]) for el in at.get("bidi_component")
            if el.proto.component_name == "unrolled_heatmap"]


def _titles(at):
    return [f"{spec['words']} {spec['symbol']}" for spec in _heatmaps(at)]


def _heatmap(at, words):
    """The heatmap titled ``words`` and its symbol (e.g. "forget gate")."""
    for spec in _heatmaps(at):
        if spec["words"] == words:
            return spec
    raise AssertionError(f"no heatmap titled {words!r} in {_titles(at)}")


def _record(key, cell, hidden=8, layers=1, seed=0, trained=False):
    """The same network as the page's, built straight from the engine."""
    return engine_run(key, cell=cell, hidden=hidden, layers=layers, seed=seed, trained=trained)


def test_defaults_rnn_explains_no_gates_and_the_button_switches_to_lstm():
    at = _app()
    assert not at.exception
    assert any("no gates" in info.value for info in at.info)
    assert _titles(at) == ["hidden state h"]                         # only h_t
    assert not at.get("html")
    at.button(key="g_to_lstm").click().run()
    assert not at.exception
    assert at.session_state.cell == "lstm"
    assert not at.info
    titles = _titles(at)
    for words in ("input gate", "forget gate", "candidate", "output gate", "cell state", "hidden state"):
        assert any(t.startswith(words) for t in titles), words
    assert at.get("html")


@pytest.mark.parametrize("key", ["jazz", "kennedy"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_gate_heatmap_shows_the_engines_values(key, cell):
    at = _app(example=key, cell=cell)
    assert not at.exception
    data, rec = _record(key, cell)
    layer = rec.rnn.layers[0]
    L = int(data.lengths[0])
    words = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
             "r": "reset gate", "z": "update gate", "n": "candidate"}
    for name in ("ifgo" if cell == "lstm" else "rzn"):
        spec = _heatmap(at, words[name])
        np.testing.assert_array_equal(np.array(spec["z"]), layer.gate(name)[:L, 0].T)     # the record, exactly
        assert spec["labels"] == data.tokens[0]
    if cell == "lstm":
        np.testing.assert_array_equal(np.array(_heatmap(at, "cell state")["z"]), layer.cell[:L, 0].T)
    else:
        assert not any(t.startswith("cell state") for t in _titles(at))  # a GRU has no cell state
    assert list(_saturation(at)) == [f"{words[n]} {n}" for n in ("ifgo" if cell == "lstm" else "rzn")]


def test_kennedy_second_sentence_has_its_own_two_steps():
    at = _app(example="kennedy", cell="gru")
    at.radio(key="g_seq").set_value(2).run()
    assert not at.exception
    spec = _heatmap(at, "update gate")
    assert spec["labels"] == ["Kennedy", "stands"]
    _, rec = _record("kennedy", "gru")
    np.testing.assert_array_equal(np.array(spec["z"]), rec.rnn.layers[0].gate("z")[:2, 1].T)
    assert [row["count"] for row in _saturation(at).values()] == [2 * 8] * 3     # padding left out


def test_trained_lstm_namaskar_saturation_matches_a_count_by_hand():
    at = _app(example="namaskar", cell="lstm", weights="trained")
    assert not at.exception
    _, rec = _record("namaskar", "lstm", trained=True)
    layer = rec.rnn.layers[0]
    table = _saturation(at)                                       # percentages with one decimal, as shown
    f = layer.gate("f")[:, 0]
    assert table["forget gate f"]["top"] == pytest.approx(np.mean(f > 0.9), abs=5e-4)
    assert table["forget gate f"]["bottom"] == pytest.approx(np.mean(f < 0.1), abs=5e-4)
    g = layer.gate("g")[:, 0]
    assert table["candidate g"]["top"] == pytest.approx(np.mean(g > 0.8), abs=5e-4)
    assert table["candidate g"]["bottom"] == pytest.approx(np.mean(g < -0.8), abs=5e-4)
    assert any("most saturated" in m.value for m in at.markdown)


def test_step_unit_and_colour_controls():
    at = _app(example="jazz", cell="lstm", g_step=3)
    assert not at.exception
    step = apptest.component_data(at, "g_step_view")
    assert step["t"] == 3 and step["tokens"] == ["J", "A", "Z", "Z"] and step["parts"] == ["bar", "bars"]
    assert step["charts"] == [f"g_heat_{n}" for n in "ifgoch"]            # every heatmap follows the step
    _, rec = _record("jazz", "lstm")
    layer = rec.rnn.layers[0]
    bars = {b["name"]: np.array(b["values"]) for b in step["bars"]["blocks"]}
    assert list(bars) == list("ifgoch")
    np.testing.assert_array_equal(bars["f"], layer.gate("f")[:, 0])       # every step's, exactly
    np.testing.assert_array_equal(bars["c"], layer.cell[:, 0])
    assert _heatmap(at, "forget gate")["outline"]                       # the browser outlines the step
    at.slider(key="g_unit").set_value(4).run()
    at.segmented_control(key="g_color").set_value("f").run()
    assert not at.exception
    body = at.get("html")[0].proto.body
    assert f"f of unit 4 = {layer.gate('f')[0, 0, 3]:.6f}" in body


def test_the_vanilla_rnn_has_no_step_to_choose():
    at = _app(example="jazz", cell="rnn")
    assert not [el for el in at.get("bidi_component") if el.proto.component_name == "unrolled_step_view"]
    assert not _heatmap(at, "hidden state")["outline"]


def test_two_layers_show_the_upper_layer():
    at = _app(example="jazz", cell="gru", layers=2)
    at.segmented_control(key="g_layer").set_value(2).run()
    assert not at.exception
    _, rec = _record("jazz", "gru", layers=2)
    np.testing.assert_array_equal(np.array(_heatmap(at, "reset gate")["z"]), rec.rnn.layers[1].gate("r")[:, 0].T)


def test_a_link_asking_for_more_units_or_steps_than_exist_is_clamped():
    at = apptest.page("gates")
    at.query_params.update(cell="lstm", hidden="4", g_unit="30", g_step="50", g_layer="3")
    at.run()
    assert not at.exception
    assert (at.session_state.g_unit, at.session_state.g_step, at.session_state.g_layer) == (4, 3, 1)


@pytest.mark.parametrize("text", ["", "a" * 500])
def test_own_word_bad_input_gives_a_message(text):
    at = _app(example="own", cell="lstm", text=text)
    assert not at.exception
    assert at.error and "can't be used" in at.error[0].value
    assert not charts_by_id(at) and not _heatmaps(at)


def test_own_word_with_html_is_shown_escaped():
    at = _app(example="own", cell="lstm", text="<script>alert(1)</script>")
    assert not at.exception and not at.error
    body = at.get("html")[0].proto.body
    assert "<script>" not in body and "&lt;" in body
    assert _heatmap(at, "input gate")["labels"][:8] == list("<script>")     # as typed: the browser sets it as text


def test_gate_table_is_tidy_and_holds_the_drawn_values():
    data, rec = _record("jazz", "lstm", hidden=3)
    run = SimpleNamespace(rec=rec, data=data)
    blocks = ug.blocks(run, 0, 0)
    frame = ug.gate_frame(data.tokens[0], blocks)
    assert list(frame.columns) == ["step", "token", "gate", "unit", "value"]
    assert len(frame) == 4 * 3 * 6                                  # steps × units × (i, f, g, o, c, h)
    row = frame[(frame.gate == "f") & (frame.step == 2) & (frame.unit == 3)]
    assert row.token.item() == "Z" and row.value.item() == rec.rnn.layers[0].gate("f")[2, 0, 2]
    top = ug.top_predictions(run, 0)
    probs = rec.head.y[0, 0]
    assert top[0][0] == (data.output_labels[int(np.argmax(probs))], float(probs.max()))
    assert len(top) == 4 and all(len(p) == 3 for p in top)
