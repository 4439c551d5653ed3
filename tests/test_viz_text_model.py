"""The character grids and charts of the Generate and explorer pages: every character in its place, typed text
shown as text (never markup), the engine's numbers as drawn."""

import numpy as np

from viz import explorer as vx
from viz import generate as vg


def cells(fig):
    trace = fig.data[0]
    return np.asarray(trace.z, dtype=float), np.asarray(trace.text, dtype=object), np.asarray(trace.customdata,
                                                                                               dtype=object)


def test_a_newline_ends_its_row_and_a_long_line_wraps():
    rows, cols = vg.grid_positions("ab\ncdefg", width=3)
    assert rows.tolist() == [0, 0, 0, 1, 1, 1, 2, 2] and cols.tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
    rows, cols = vg.grid_positions("ab\ncd", width=3, lines=False)       # the text flows, ↵ one cell
    assert rows.tolist() == [0, 0, 0, 1, 1] and cols.tolist() == [0, 1, 2, 0, 1]


def test_typed_markup_is_shown_as_text_in_the_grid_and_its_hover():
    text = "<b>x</b>\n"
    fig = vg.sample_grid("<b>", "x</b>\n", np.full(6, 0.5))
    z, shown, hover = cells(fig)
    drawn = [shown[0, c] for c in range(9)]
    assert drawn == ["&lt;", "b", "&gt;", "x", "&lt;", "/", "b", "&gt;", "↵"]
    assert "<b>" not in "".join(hover.ravel()) and len(text) == 9
    assert np.isnan(z[0, :3]).all() and np.allclose(z[0, 3:9], 0.5)    # the prime is not coloured


def test_the_written_characters_carry_the_engines_probability_on_hover():
    p = np.array([0.25, 0.123456, 0.9])
    _, _, hover = cells(vg.sample_grid("(", "ab)", p))
    assert hover[0, 1].endswith("probability 0.2500") and hover[0, 2].endswith("probability 0.1235")


def test_distribution_bars_put_the_models_and_the_sampled_distribution_side_by_side():
    vocab = ["a", "b", "<", "\n"]
    before = np.array([0.1, 0.5, 0.3, 0.1])
    after = np.array([0.0, 0.7, 0.3, 0.0])
    fig = vg.distribution_bars(vocab, before, after, 0, chosen=2, top=3, temperature=0.5, top_k=2)
    assert list(fig.data[0].x) == ["b", "◆ &lt;", "a"]
    assert np.allclose(fig.data[0].y, [0.5, 0.3, 0.1]) and np.allclose(fig.data[1].y, [0.7, 0.3, 0.0])
    assert "temperature 0.5 and top-2" in fig.data[1].name


def test_a_unit_colours_h_on_tanh_range_and_c_out_to_its_largest_value():
    values = np.array([0.5, -3.0, 2.0])
    h = vx.unit_text("abc", np.tanh(values), "h layer 1 unit 1", "h").data[0]
    c = vx.unit_text("abc", values, "c layer 1 unit 1", "c", marked=(1, 3))
    assert (h.zmin, h.zmax) == (-1, 1) and (c.data[0].zmin, c.data[0].zmax) == (-3, 3)
    assert list(c.data[1].x) == [1, 2]                                  # the selection outlined
    assert c.data[0].customdata[0][1] == "1: b<br>c layer 1 unit 1 = -3.0000"
