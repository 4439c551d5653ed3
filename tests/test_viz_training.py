"""Live-training figures draw the trainer's own history and parameters."""

import numpy as np
import pytest

from rnn_core.examples import EXAMPLES
from rnn_core.project import principal_components
from rnn_core.trainer import Trainer
from viz.colors import CELL_COLORS, HIDDEN, MUTED
from viz.training import LABEL_SPACING, MAX_POINTS, curves_figure, gradient_figure, trajectory_figure, weights_figure


def trained(cell="rnn", steps=30):
    ex = EXAMPLES["kennedy"]
    data = ex.data()
    config = ex.defaults.replace(cell=cell, steps=steps)
    trainer = Trainer(ex.build_model(config, data), data, config)
    trainer.run()
    return trainer, data


def test_curves_hold_each_cells_losses_and_accuracies_in_its_colour():
    histories = {cell: trained(cell)[0].history for cell in ("rnn", "lstm")}
    fig = curves_figure(histories)
    loss = {tr.name: tr for tr in fig.data if tr.name}
    assert set(loss) == {"RNN", "LSTM"}
    assert list(loss["LSTM"].y) == [row["loss"] for row in histories["lstm"]]
    assert loss["RNN"].line.color == CELL_COLORS["rnn"] and loss["LSTM"].line.color == CELL_COLORS["lstm"]
    accuracy = [tr for tr in fig.data if tr.yaxis == "y2"]
    assert [list(tr.y) for tr in accuracy] == [[r["accuracy"] for r in histories[c]] for c in ("rnn", "lstm")]
    assert fig.layout.yaxis.type == "log"


def test_long_runs_are_thinned_for_drawing_but_keep_the_latest_update():
    rows = [{"step": i + 1, "loss": 1.0 / (i + 1), "accuracy": 0.5} for i in range(5003)]
    trace = curves_figure({"gru": rows}).data[0]
    assert len(trace.x) <= MAX_POINTS + 1 and trace.x[0] == 1 and trace.x[-1] == 5003
    assert trace.y[-1] == rows[-1]["loss"]


@pytest.mark.parametrize("cells", [("rnn",), ("lstm", "gru")])
def test_the_live_curves_plain_dicts_draw_what_the_validated_figure_draws(cells):
    # Live training sends the plain dicts; Plotly.js reads no `title_text`, so a key written the validated
    # figure's way would silently vanish from the chart
    import json

    from ui.plot import figure_json
    histories = {cell: trained(cell, steps=12)[0].history for cell in cells}
    histories[cells[0]] = histories[cells[0]] + [{"step": 13, "loss": float("nan"), "accuracy": None}]
    validated = json.loads(figure_json(curves_figure(histories))["figure"])
    plain = json.loads(figure_json(curves_figure(histories, plain=True))["figure"])
    assert plain == validated
    assert plain["layout"]["yaxis"]["title"]["text"] == "loss (log scale)"
    assert plain["layout"]["hoverlabel"]["font"]["size"] == 15


def test_gradient_bars_are_the_latest_norms_before_and_after_clipping():
    trainer, _ = trained(steps=5)
    last = trainer.history[-1]
    fig = gradient_figure(trainer.history)
    before, after = fig.data[0], fig.data[1]
    names = list(before.y)
    assert "rnn.weight_hh_l0" in names
    assert list(before.x) == [last[f"grad_norm/{n}"] for n in names] and before.marker.color == MUTED
    assert list(after.x) == [last[f"grad_norm_clipped/{n}"] for n in names] and after.marker.color == HIDDEN
    assert list(fig.data[2].y) == [r["grad_norm"] for r in trainer.history]


def test_weight_heatmaps_are_the_parameters():
    trainer, _ = trained(steps=3)
    p = trainer.model.parameters()
    fig = weights_figure({"W_ih": p["rnn.weight_ih_l0"], "W_hh": p["rnn.weight_hh_l0"],
                          "<b>W_hy</b>": p["head.weight"]})
    assert [np.asarray(tr.z).shape for tr in fig.data] == [(5, 8), (5, 5), (1, 5)]
    assert np.array_equal(np.asarray(fig.data[1].z), p["rnn.weight_hh_l0"])
    titles = [a.text for a in fig.layout.annotations]
    assert "&lt;b&gt;W_hy&lt;/b&gt;" in titles                       # names are text, not markup


def test_trajectory_is_the_projection_labelled_by_the_tokens():
    trainer, data = trained(steps=3)
    h = data.run(trainer.model).rnn.layers[0].hidden[:8, 0]
    proj = principal_components(h)
    fig = trajectory_figure(proj.coords, data.tokens[0], proj.explained)
    points = fig.data[1]
    assert np.allclose(points.x, proj.coords[:, 0]) and np.allclose(points.y, proj.coords[:, 1])
    assert list(points.text) == data.tokens[0]
    assert f"{proj.explained[0]:.0%}" in fig.layout.xaxis.title.text


def test_live_charts_pin_their_margins_so_a_redraw_is_drawn_once():
    """Plotly moves a margin that a tick label or legend pushes, then draws the chart again: on charts redrawn
    several times a second that doubled the browser's work (measured with `python -m bench pages`)."""
    trainer, data = trained(steps=3)
    params = trainer.model.parameters()
    proj = principal_components(np.random.default_rng(0).normal(size=(6, 4)))
    figures = [curves_figure({"rnn": trainer.history}), gradient_figure(trainer.history),
               weights_figure({"W_hh": params["rnn.weight_hh_l0"]}),
               trajectory_figure(proj.coords, list("abcdef"), proj.explained)]
    for fig in figures:
        assert fig.layout.margin.autoexpand is False
        axes = [fig.layout[name] for name in fig.layout if name.startswith(("xaxis", "yaxis"))]
        assert axes and all(axis.automargin is False for axis in axes)


def climbing(seed, steps):
    """JAZZ on its way to an overflow (vanilla RNN, ReLU, SGD, learning rate 50, no clipping)."""
    ex = EXAMPLES["jazz"]
    data = ex.data()
    config = ex.defaults.replace(cell="rnn", nonlinearity="relu", optimizer="sgd", lr=50.0, clip=None, seed=seed)
    trainer = Trainer(ex.build_model(config, data), data, config)
    trainer.run(steps=steps)
    return trainer


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_weight_heatmaps_stay_readable_when_a_few_weights_explode(seed):
    trainer = climbing(seed, steps=4)
    p = trainer.model.parameters()
    fig = weights_figure({"W_ih": p["rnn.weight_ih_l0"], "W_hh": p["rnn.weight_hh_l0"], "W_hy": p["head.weight"]})
    for tr, name in zip(fig.data, ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "head.weight"), strict=True):
        w = p[name]
        assert np.abs(w).max() > 1e3                                   # some weights did blow up
        assert np.array_equal(np.asarray(tr.z), w)                     # the cells hold the true values
        visible = np.abs(w) / tr.zmax > 0.1                            # cells with a visible colour
        assert visible.mean() >= 0.4, (name, visible.mean())           # not one coloured cell in a white field
        assert tr.zmin == -tr.zmax and np.isfinite(tr.zmax)


def test_trained_weights_keep_their_full_colour_range_and_non_finite_cells_are_blank():
    trainer, _ = trained(steps=150)
    w = trainer.model.parameters()["rnn.weight_hh_l0"]
    assert weights_figure({"W_hh": w}).data[0].zmax == np.abs(w).max()
    bad = np.array([[1.0, -2.0], [np.inf, np.nan]])
    tr = weights_figure({"W": bad}).data[0]
    assert tr.zmax == 2.0 and np.isnan(np.asarray(tr.z, float)[1]).all()


def decade_ticks(axis):
    """The tick positions (log10 units) a Plotly log axis with tick0/dtick draws inside its range."""
    lo, hi = axis.range
    return [axis.tick0 + k * axis.dtick for k in range(100) if axis.tick0 + k * axis.dtick <= hi + 1e-9]


def test_log_axes_label_whole_decades_only_around_the_data():
    trainer, _ = trained(steps=150)                                    # Kennedy's loss falls ~2 decades
    losses = [r["loss"] for r in trainer.history]
    axis = curves_figure({"rnn": trainer.history}).layout.yaxis
    ticks = decade_ticks(axis)
    assert axis.type == "log" and axis.exponentformat == "power"
    assert all(float(t).is_integer() for t in ticks) and 2 <= len(ticks) <= 7   # 10^k only, never 2 or 5
    assert 10 ** axis.range[0] <= min(losses) and max(losses) <= 10 ** axis.range[1]
    blow_up = climbing(0, steps=6).history                             # 1.5 up to 5e160: 161 decades
    for axis, key in ((curves_figure({"rnn": blow_up}).layout.yaxis, "loss"),
                      (gradient_figure(blow_up).layout.yaxis2, "grad_norm")):
        ticks = decade_ticks(axis)
        assert all(float(t).is_integer() for t in ticks) and 2 <= len(ticks) <= 7
        values = [r[key] for r in blow_up]
        assert 10 ** axis.range[0] <= min(values) and max(values) <= 10 ** axis.range[1]


def test_a_long_noisy_path_labels_only_points_apart_and_keeps_every_token_in_the_hover():
    ex = EXAMPLES["sine"]
    data = ex.data()
    h = data.batch([0]).run(ex.build_model(ex.defaults, data)).rnn.layers[0].hidden[:, 0]
    proj = principal_components(h)
    tokens = data.tokens[0]
    points = trajectory_figure(proj.coords, tokens, proj.explained).data[1]
    assert list(points.hovertext) == tokens                            # every step named on hover
    shown = [i for i, t in enumerate(points.text) if t]
    assert 5 <= len(shown) < len(tokens) and [points.text[i] for i in shown] == [tokens[i] for i in shown]
    c = proj.coords / (proj.coords.max(axis=0) - proj.coords.min(axis=0))
    gaps = [np.hypot(*(c[i] - c[j])) for i in shown for j in shown if i < j]
    assert min(gaps) >= LABEL_SPACING * np.sqrt(2) - 1e-12                      # no two visible labels on one another
