"""The gradient page's figures draw the engine's numbers: norms, eigenvalues, Jacobian products, training rows,
recall; in the page's colours."""

import numpy as np
import pytest

from rnn_core import gradient_study as gs
from viz import gradients as vg
from viz.colors import DIVERGING, NEGATIVE, POSITIVE


@pytest.fixture(scope="module")
def studies():
    return [gs.gradient_by_distance(k, 20, 1.5, "tanh", hidden=4, seed=0) for k in ("rnn", "lstm", "gru")]


def _y(trace):
    return np.array([np.nan if v is None else v for v in trace.y], float)


def test_norm_figure_draws_each_cells_norms_on_a_log_axis(studies):
    fig = vg.norm_by_step_figure(studies)
    assert [t.name for t in fig.data] == ["Vanilla RNN (tanh)", "LSTM", "GRU"]
    for trace, study in zip(fig.data, studies, strict=True):
        np.testing.assert_array_equal(trace.x, study.steps)
        np.testing.assert_array_equal(_y(trace), study.norms)
        assert trace.line.color == vg.CELL_COLORS[study.kind]
        np.testing.assert_array_equal(trace.customdata, study.distance)
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[1].x0 == 19                              # "loss here" at the last step


def test_norms_a_log_axis_cannot_show_become_gaps(studies):
    study = studies[0]
    bad = gs.GradientStudy(**{**study.__dict__, "norms": np.array([0.0, np.inf, np.nan, 2.0])})
    bad.steps = np.arange(4)
    bad.distance = 3 - bad.steps
    y = vg.norm_by_step_figure([bad]).data[0].y
    assert list(y) == [None, None, None, 2.0]


def test_eigenvalue_figure_one_trace_per_gate_and_the_unit_circle():
    rnn = gs.recurrent_eigenvalues(gs.study_network("rnn", 0.5, hidden=4))
    gru = gs.recurrent_eigenvalues(gs.study_network("gru", 0.5, hidden=4))
    fig = vg.eigenvalue_figure([("Vanilla RNN", rnn), ("GRU", gru)])
    assert [t.name for t in fig.data] == ["W_hh", "reset gate r", "update gate z", "candidate n"]
    np.testing.assert_array_equal(fig.data[0].x, rnn["h"].real)
    np.testing.assert_array_equal(fig.data[0].y, rnn["h"].imag)
    np.testing.assert_array_equal(fig.data[2].y, gru["z"].imag)
    assert fig.data[1].xaxis == "x2"
    circles = [s for s in fig.layout.shapes if s.type == "circle"]
    assert len(circles) == 2 and all((c.x0, c.x1, c.y0, c.y1) == (-1, 1, -1, 1) for c in circles)
    assert fig.layout.xaxis.range[1] >= 1.0                            # the unit circle always fits


def test_jacobian_figure_colours_by_log_norm_and_hovers_the_norm():
    maps = [gs.jacobian_map(gs.gradient_by_distance(k, 12, 0.7, hidden=3, seed=0)) for k in ("rnn", "lstm")]
    fig = vg.jacobian_figure(maps, ["RNN", "LSTM"])
    assert len(fig.data) == 2 and all(t.type == "heatmap" for t in fig.data)
    for trace, m in zip(fig.data, maps, strict=True):
        z = np.array(trace.z, float)
        below = np.tril_indices(12)
        np.testing.assert_allclose(10 ** z[below], m.norms[below], rtol=1e-12)
        assert np.all(np.isnan(z[np.triu_indices(12, 1)]))
        np.testing.assert_array_equal(np.array(trace.customdata, float)[below], m.norms[below])
    assert fig.data[0].zmin == fig.data[1].zmin == -fig.data[0].zmax   # one shared scale, 1 (log 0) in the middle
    assert [list(c) for c in fig.data[0].colorscale][0][1] == DIVERGING[0][1]
    assert fig.data[0].showscale is False and fig.data[1].showscale is True


def test_clipping_figure_draws_both_runs_and_the_threshold():
    runs = [gs.train_with_clip(None, seed=0), gs.train_with_clip(1.0, seed=0)]
    fig = vg.clipping_figure(runs, 1.0)
    names = [t.name for t in fig.data]
    assert names == ["loss, no clipping", "norm, no clipping", "loss, clipped at 1",
                     "norm before clipping, clipped at 1", "norm used (after clipping), clipped at 1"]
    free, capped = runs
    np.testing.assert_allclose(_y(fig.data[0]), [r["loss"] for r in free.history])
    np.testing.assert_allclose(_y(fig.data[2]), [r["loss"] for r in capped.history])
    np.testing.assert_allclose(_y(fig.data[3]), [r["grad_norm"] for r in capped.history])
    assert np.all(_y(fig.data[4]) <= 1.0 + 1e-9)
    assert fig.data[0].line.color == NEGATIVE and fig.data[2].line.color == POSITIVE
    assert any(s.y0 == 1.0 and s.line.dash == "dash" for s in fig.layout.shapes)
    losses = [r["loss"] for run in runs for r in run.history]
    low, high = fig.layout.yaxis.range
    assert low <= np.log10(min(losses)) and high < np.log10(max(losses))   # the explosion leaves the top...
    assert high >= np.log10(max(r["loss"] for r in capped.history))         # ...the clipped run stays inside
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.startswith("✕ stopped after update") for t in texts)
    assert any(t.startswith("↑ no clipping") for t in texts)           # the explosion leaves the chart, labelled


def test_memory_figure_draws_recall_per_cell_with_chance():
    points = [gs.MemoryPoint(k, d, r, 50, 0.1) for k, rs in (("rnn", (0.9, 0.3)), ("gru", (1.0, 0.95)))
              for d, r in zip((2, 10), rs, strict=True)]
    fig = vg.memory_figure(points, 0.25)
    assert [t.name for t in fig.data] == ["Vanilla RNN", "GRU"]
    assert list(fig.data[0].x) == [2, 10] and list(fig.data[0].y) == [0.9, 0.3]
    assert list(fig.data[1].y) == [1.0, 0.95]
    assert fig.data[1].line.color == vg.CELL_COLORS["gru"]
    assert any(s.y0 == 0.25 for s in fig.layout.shapes)
    assert fig.layout.margin.l >= 80 and fig.layout.yaxis.automargin             # room for the y-axis title


@pytest.mark.parametrize("values", [[3e-6, 0.02, 1.0], [0.4, 0.9], [1e-30, 1e12]])
def test_log_axes_label_whole_decades_only(values):
    """No minor '2' and '5' labels, no '100μ': ticks at powers of ten, written as powers."""
    axis = vg.decade_axis(values)
    low, high = axis["range"]
    assert low <= np.log10(min(values)) and high >= np.log10(max(values))
    assert float(low + 0.05).is_integer() and float(high - 0.05).is_integer()        # from decade to decade
    assert axis["dtick"] >= 1 and float(axis["dtick"]).is_integer() and axis["tick0"] == 0
    assert (high - low) / axis["dtick"] <= 10                                        # labels do not pile up
    assert axis["exponentformat"] == "power"


def test_gradient_axes_use_the_decade_axis(studies):
    fig = vg.norm_by_step_figure(studies)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.exponentformat == "power"
    runs = [gs.train_with_clip(None, seed=0), gs.train_with_clip(1.0, seed=0)]
    clip = vg.clipping_figure(runs, 1.0)
    for axis in (clip.layout.yaxis, clip.layout.yaxis2):
        assert axis.type == "log" and axis.exponentformat == "power" and float(axis.dtick).is_integer()


def test_memory_figure_over_seeds_draws_the_mean_and_the_spread():
    points = [gs.MemoryPoint("rnn", d, r, 50, 0.1, seed=s) for d, rs in ((2, (1.0, 0.9, 0.95)), (10, (0.2, 0.3, 0.25)))
              for s, r in enumerate(rs)]
    trace = vg.memory_figure(points, 0.25).data[0]
    np.testing.assert_allclose(trace.y, [0.95, 0.25])
    np.testing.assert_allclose(trace.error_y.array, [0.05, 0.05])                   # up to the highest
    np.testing.assert_allclose(trace.error_y.arrayminus, [0.05, 0.05])              # down to the lowest
    single = vg.memory_figure([gs.MemoryPoint("rnn", 2, 0.9, 50, 0.1)], 0.25).data[0]
    assert single.error_y.array is None


@pytest.mark.parametrize("scale, act", [(0.8, "tanh"), (2.5, "relu"), (1.0, "sigmoid")])
def test_the_pages_plain_figures_draw_what_the_validated_ones_draw(scale, act):
    # the page sends plain dicts (viz.colors.plain_figure), never validated: every key must be one Plotly.js
    # reads (`plot_bgcolor` kept whole, `title_text` nested, a title's text as {text}), or the chart loses it
    import json

    from ui.plot import figure_json

    def drawn(fig):
        d = json.loads(figure_json(fig)["figure"])
        if d["layout"].get("title") == {}:                  # validation's empty title, which draws nothing
            del d["layout"]["title"]
        return d

    studies = [gs.gradient_by_distance(k, 30, scale, act, hidden=4, seed=1, gate_bias=3.0) for k in ("rnn", "gru")]
    titles = [vg.cell_label(s.kind, act) for s in studies]
    panels = [(t, gs.recurrent_eigenvalues(gs.study_network(s.kind, scale, act, 4, 1)))
              for t, s in zip(titles, studies, strict=True)]
    maps = [gs.jacobian_map(s) for s in studies]
    runs = [gs.train_with_clip(None, lr=1.0, hidden=4, seed=1), gs.train_with_clip(1.0, lr=1.0, hidden=4, seed=1)]
    for build in (lambda p: vg.norm_by_step_figure(studies, plain=p), lambda p: vg.eigenvalue_figure(panels, plain=p),
                  lambda p: vg.jacobian_figure(maps, titles, plain=p),
                  lambda p: vg.clipping_figure(runs, 1.0, plain=p)):
        assert drawn(build(True)) == drawn(build(False))
    assert drawn(vg.jacobian_figure(maps, titles, plain=True))["layout"]["plot_bgcolor"] == "#F7FAFC"


def test_plain_figures_are_sent_as_the_very_text_plotly_writes():
    # ui.plot.plain_json writes NaN and ±inf as null itself (Plotly's encoder parses and writes its output again
    # for them) and escapes <, > and / as Plotly does, for a JSON text inside HTML
    from plotly.io.json import to_json_plotly

    from ui.plot import plain_json
    from viz.colors import plain_figure

    studies = [gs.gradient_by_distance(k, 80, 3.0, "relu", hidden=4, seed=0) for k in ("rnn", "lstm")]   # ~1e38
    maps = [gs.jacobian_map(s) for s in studies]
    assert np.isnan(maps[0].norms).any()                                     # the future: no value
    figures = [vg.jacobian_figure(maps, ["<b>RNN</b>", "LSTM"], plain=True),
               vg.norm_by_step_figure(studies, plain=True),
               plain_figure([dict(type="scatter", x=np.arange(3), y=np.array([1.0, -np.inf, np.nan]),
                                  text=["a/b", "<i>c</i>", "é"], marker=dict(size=np.float64(8)))],
                            title="x < y > z", height=300)]
    for fig in figures:
        assert plain_json(fig) == to_json_plotly(fig)
