"""Live-training figures draw the trainer's own history and parameters."""

import numpy as np

from rnn_core.examples import EXAMPLES
from rnn_core.project import principal_components
from rnn_core.trainer import Trainer
from viz.colors import CELL_COLORS, HIDDEN, MUTED
from viz.training import MAX_POINTS, curves_figure, gradient_figure, trajectory_figure, weights_figure


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
