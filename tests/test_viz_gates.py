"""The gates page's figures draw the record's own numbers, on the right colour scales, with typed text escaped."""

import numpy as np
import pytest

from rnn_core.examples import EXAMPLES
from rnn_core.gate_stats import saturation
from rnn_core.record import GATE_NAMES
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
        fig = vg.gate_heatmap(name, layer.gate(name)[:, 0], tokens)
        (trace,) = fig.data
        assert trace.type == "heatmap"
        np.testing.assert_array_equal(np.array(trace.z), layer.gate(name)[:, 0].T)   # rows = units, columns = steps
        assert list(fig.layout.xaxis.ticktext) == ["J", "A", "Z", "Z"]              # both Zs keep their own column
        assert list(trace.x) == [0, 1, 2, 3]
        assert "%{z:.6f}" in trace.hovertemplate
        if name in ("g", "n"):                                                       # tanh candidate: −1..1, diverging
            assert (trace.zmin, trace.zmax) == (-1.0, 1.0)
            assert [list(c) for c in trace.colorscale] == [list(c) for c in DIVERGING]
        else:                                                                        # sigmoid gates: 0..1, sequential
            assert (trace.zmin, trace.zmax) == (0.0, 1.0)
            assert [list(c) for c in trace.colorscale] == [list(c) for c in SEQUENTIAL]


def test_cell_state_is_symmetric_about_zero_out_to_its_largest_value():
    data, rec = _run("namaskar", "lstm")
    cell = rec.rnn.layers[0].cell[:, 0]
    cell = cell * 3.0                                   # make sure it exceeds 1 somewhere
    (trace,) = vg.gate_heatmap("c", cell, data.tokens[0]).data
    top = np.abs(cell).max()
    assert trace.zmin == -top and trace.zmax == top
    (hidden,) = vg.gate_heatmap("h", rec.rnn.layers[0].hidden[:, 0], data.tokens[0]).data
    assert (hidden.zmin, hidden.zmax) == (-1.0, 1.0)


def test_heatmap_has_every_steps_outline_hidden_and_escapes_tokens():
    values = np.full((3, 2), 0.5)
    fig = vg.gate_heatmap("f", values, ["<b>x</b>", " ", "a"], outline=True)
    assert list(fig.layout.xaxis.ticktext) == ["&lt;b&gt;x&lt;/b&gt;", "␣", "a"]
    assert [(s.name, s.x0, s.x1, s.opacity) for s in fig.layout.shapes] == [
        ("step 0", -0.5, 0.5, 0), ("step 1", 0.5, 1.5, 0), ("step 2", 1.5, 2.5, 0)]
    assert not vg.gate_heatmap("h", values, ["a", "b", "c"]).layout.shapes
    hover = fig.data[0].customdata
    assert [list(c) for c in hover[0]] == [[0, "&lt;b&gt;x&lt;/b&gt;"], [1, "␣"], [2, "a"]]    # step and input
    assert "step %{customdata[0]} · input %{customdata[1]}" in fig.data[0].hovertemplate


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
