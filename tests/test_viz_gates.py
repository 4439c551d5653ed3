"""The gates page's figures draw the record's own numbers, on the right colour scales, with typed text escaped."""

import json

import numpy as np
import pytest

from rnn_core.examples import EXAMPLES
from rnn_core.gate_stats import saturation
from rnn_core.record import GATE_NAMES
from ui.drawn import chart_json
from viz import gates as vg
from viz.colors import DIVERGING, HIDDEN, NEGATIVE, POSITIVE, SEQUENTIAL


def _run(key, cell, hidden=5):
    ex = EXAMPLES[key]
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell=cell, hidden=hidden, seed=3), data)
    return data, data.run(model)


def _rgb(hex_color):
    return "rgb({}, {}, {})".format(*(int(hex_color[i:i + 2], 16) for i in (1, 3, 5)))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_one_heatmap_per_gate_with_the_records_values(cell):
    data, rec = _run("jazz", cell)
    layer = rec.rnn.layers[0]
    tokens = data.tokens[0]
    for name in GATE_NAMES[cell]:
        spec = vg.gate_heatmap(name, layer.gate(name)[:, 0], tokens)
        np.testing.assert_array_equal(np.array(spec["z"]), layer.gate(name)[:, 0].T)  # rows = units, columns = steps
        assert spec["labels"] == ["J", "A", "Z", "Z"]                                # both Zs keep their own column
        assert spec["words"] == vg.TITLES[name][1] and spec["symbol"] == name
        assert spec["labelled"] and spec["every"] == 1 and spec["angle"] == 0
        if name in ("g", "n"):                                                       # tanh candidate: −1..1, diverging
            assert (spec["zmin"], spec["zmax"]) == (-1.0, 1.0)
            assert spec["scale"] == [list(c) for c in DIVERGING]
        else:                                                                        # sigmoid gates: 0..1, sequential
            assert (spec["zmin"], spec["zmax"]) == (0.0, 1.0)
            assert spec["scale"] == [list(c) for c in SEQUENTIAL]


def test_heatmap_values_reach_the_browser_as_the_same_float64():
    data, rec = _run("namaskar", "gru")
    values = rec.rnn.layers[0].gate("z")[:, 0]
    sent = json.loads(chart_json(vg.gate_heatmap("z", values, data.tokens[0]))["spec"])
    assert np.array(sent["z"]).tobytes() == np.ascontiguousarray(values.T).tobytes()   # bit for bit


def test_cell_state_is_symmetric_about_zero_out_to_its_largest_value():
    data, rec = _run("namaskar", "lstm")
    cell = rec.rnn.layers[0].cell[:, 0]
    cell = cell * 3.0                                   # make sure it exceeds 1 somewhere
    spec = vg.gate_heatmap("c", cell, data.tokens[0])
    top = np.abs(cell).max()
    assert spec["zmin"] == -top and spec["zmax"] == top
    hidden = vg.gate_heatmap("h", rec.rnn.layers[0].hidden[:, 0], data.tokens[0])
    assert (hidden["zmin"], hidden["zmax"]) == (-1.0, 1.0)


def test_a_value_that_is_not_a_number_is_sent_as_null_and_does_not_set_the_scale():
    values = np.array([[0.5, -2.0], [np.nan, np.inf]])
    spec = vg.gate_heatmap("c", values, ["a", "b"])
    assert spec["z"] == [[0.5, None], [-2.0, None]]
    assert (spec["zmin"], spec["zmax"]) == (-2.0, 2.0)
    json.loads(chart_json(spec)["spec"])              # valid JSON: no NaN or Infinity in it


def test_heatmap_tokens_go_as_typed_a_space_made_visible_and_long_inputs_thin_their_labels():
    values = np.full((3, 2), 0.5)
    spec = vg.gate_heatmap("f", values, ["<b>x</b>", " ", "a"], outline=True)
    assert spec["labels"] == ["<b>x</b>", "␣", "a"]                 # set as text in the browser, never as HTML
    assert spec["outline"] and not vg.gate_heatmap("h", values, ["a", "b", "c"])["outline"]
    long = vg.gate_heatmap("h", np.zeros((100, 20)), ["a"] * 100)
    assert long["every"] == 3 and long["angle"] == -90 and not long["labelled"]
    assert vg.gate_heatmap("h", np.zeros((8, 5)), ["presidents"] * 8)["angle"] == -45


def test_saturation_figure_draws_the_engines_shares():
    f = np.array([[[0.01, 0.5, 0.95, 0.99]]])
    stats = saturation({"f": f, "g": np.zeros((1, 1, 4))}, signed=("g",))
    fig = vg.saturation_figure(stats)
    low, middle, high = fig.data
    assert list(low.x) == [0.25, 0.0] and list(high.x) == [0.5, 0.0] and list(middle.x) == [0.25, 1.0]
    assert fig.layout.barmode == "stack"


def test_colored_text_escapes_every_token_and_label():
    tokens = ["<script>alert(1)</script>", "&", '"']
    preds = [[("<end>", 0.9), ("<img src=x onerror=alert(1)>", 0.1)]] * 3
    out = vg.colored_tokens_html(tokens, np.array([0.5, -0.5, 0.0]), preds)
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "&lt;end&gt;" in out
    assert 'title="step 2, input &quot;' in out                  # a quote cannot end the attribute early
    assert out.count("<script") == 0 and out.count("&amp;") >= 1


def test_colored_text_colours_follow_the_scales():
    preds = [[("a", 1.0)]] * 3
    signed = vg.colored_tokens_html(["x", "y", "z"], np.array([1.0, -1.0, 0.0]), preds, name="h")
    boxes = signed.split("title=")[1:]
    assert f"background:{_rgb(POSITIVE)}" in boxes[0]
    assert f"background:{_rgb(NEGATIVE)}" in boxes[1]
    assert "background:rgb(255, 255, 255)" in boxes[2]
    gate = vg.colored_tokens_html(["x", "y"], np.array([1.0, 0.0]), preds[:2], name="f")
    first, second = gate.split("title=")[1:]
    assert f"background:{_rgb(HIDDEN)}" in first and "color:#FFFFFF" in first     # white ink on a dark box
    assert "background:rgb(255, 255, 255)" in second


def test_colored_text_shows_value_and_top_predictions_in_order():
    out = vg.colored_tokens_html(["J"], np.array([0.123]), [[("A", 0.7), ("Z", 0.2), ("J", 0.1)]], unit=3)
    assert "+0.12" in out and "unit 3 = 0.123000" in out
    assert out.index("A <span") < out.index("Z <span") < out.index("J <span")
    assert "0.70" in out and "0.20" in out and "0.10" in out
