"""The unrolled and rolled figures: nodes, hover numbers, colours and arrow widths against the record."""

import re

import numpy as np
import pytest

from apptest import engine_run
from rnn_core.examples import EXAMPLES
from viz.colors import HIDDEN, INPUT, OUTPUT
from viz.unrolled import rolled_figure, unrolled_figure


def _run(key="kennedy", cell="rnn", layers=1, hidden=5, seed=0):
    return engine_run(key, cell=cell, hidden=hidden, layers=layers, seed=seed)


def _traces(fig):
    return {t.name: t for t in fig.data}


def _hidden(fig, l):
    return _traces(fig)[f"h_t (layer {l + 1})"]


def _arrows(fig, prefix):
    """{step: annotation} of the arrows whose name starts with ``prefix``."""
    out = {}
    for a in fig.layout.annotations:
        if a.name and a.name.startswith(prefix):
            out[int(re.search(r"t=(\d+)", a.name).group(1))] = a
    return out


def _darkness(color):
    """How far a '#RRGGBB' fill is from white: larger is darker."""
    return sum(255 - int(color[i:i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_one_input_one_hidden_per_layer_and_one_output_per_step(layers):
    data, rec = _run(layers=layers)
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels)
    T = int(data.lengths[0])
    traces = _traces(fig)
    nodes = ["x_t (input)", "y_t (output)"] + [f"h_t (layer {l + 1})" for l in range(layers)]
    assert sum(len(traces[n].x) for n in nodes) == T * (layers + 2)
    assert list(traces["ℓ_t (loss)"].x) == list(range(T))
    assert list(traces["x_t (input)"].text) == [f"<b>{w}</b>" for w in data.tokens[0]]
    # one recurrent arrow per layer and step, one arrow up into every hidden node
    assert len(_arrows(fig, "recurrent")) == T
    assert sum(1 for a in fig.layout.annotations if a.name and a.name.startswith("recurrent")) == T * layers


def test_second_sentence_draws_only_its_own_two_steps():
    data, rec = _run()
    fig = unrolled_figure(rec, data.tokens[1], data.output_labels, b=1)
    assert list(_traces(fig)["x_t (input)"].x) == [0, 1]
    assert list(_traces(fig)["x_t (input)"].text) == ["<b>Kennedy</b>", "<b>stands</b>"]
    np.testing.assert_allclose(_traces(fig)["ℓ_t (loss)"].customdata[:, 1], rec.head.step_loss[:2, 1])


def test_colours_follow_the_course_diagrams():
    data, rec = _run(layers=2)
    traces = _traces(unrolled_figure(rec, data.tokens[0], data.output_labels))
    assert traces["x_t (input)"].marker.line.color == INPUT
    assert traces["h_t (layer 1)"].marker.line.color == HIDDEN
    assert traces["h_t (layer 2)"].marker.line.color == HIDDEN
    assert traces["y_t (output)"].marker.line.color == OUTPUT


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hover_shows_the_records_vectors_and_norms(cell):
    data, rec = _run("jazz", cell=cell, layers=2, hidden=4)
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels)
    for l, layer in enumerate(rec.rnn.layers):
        h = _hidden(fig, l)
        np.testing.assert_allclose(h.customdata[:, 1], np.linalg.norm(layer.hidden[:, 0], axis=-1))
        np.testing.assert_allclose(h.customdata[:, 2], np.linalg.norm(layer.d_hidden[:, 0], axis=-1))
        for t, text in enumerate(h.hovertext):
            for value in layer.hidden[t, 0]:
                assert f"{value:+.4f}" in text
            if cell == "lstm":
                for value in layer.cell[t, 0]:
                    assert f"{value:+.4f}" in text
    y = _traces(fig)["y_t (output)"]
    for t, text in enumerate(y.hovertext):
        for label, p in zip(["J", "A", "Z", "&lt;end&gt;"], rec.head.y[t, 0], strict=True):
            assert f"{label}: {p:.4f}" in text
    wanted = ["A", "Z", "Z", "&lt;end&gt;"]
    assert all(f"target: {w}" in text for w, text in zip(wanted, y.hovertext, strict=True))
    # beside each y: the likeliest letter and its probability
    best = rec.head.y[:, 0].argmax(-1)
    letters = ["J", "A", "Z", "&lt;end&gt;"]
    assert list(y.text) == [f"{letters[k]} {rec.head.y[t, 0, k]:.2f}" for t, k in enumerate(best)]
    np.testing.assert_allclose(_traces(fig)["ℓ_t (loss)"].customdata[:, 1], rec.head.step_loss[:, 0])


def test_forward_fill_grows_with_the_state_norm_and_backward_fill_with_the_gradient_norm():
    data, rec = _run(hidden=6)
    layer = rec.rnn.layers[0]
    forward = _hidden(unrolled_figure(rec, data.tokens[0], data.output_labels), 0)
    backward = _hidden(unrolled_figure(rec, data.tokens[0], data.output_labels, view="backward"), 0)
    for trace, norms in ((forward, layer.hidden_norm[:, 0]), (backward, layer.d_hidden_norm[:, 0])):
        dark = np.array([_darkness(c) for c in trace.marker.color])
        order = np.argsort(norms)
        assert np.all(np.diff(dark[order]) >= 0)
        assert dark[order[-1]] > dark[order[0]]
    assert list(backward.text) == [f"{v:.2g}" for v in layer.d_hidden_norm[:, 0]]
    assert list(forward.text) == [f"{v:.2f}" for v in layer.hidden_norm[:, 0]]


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_backward_arrow_widths_follow_the_gradient_each_carries(cell):
    """The arrow h_t → h_{t−1} is as wide as the part of ∂L/∂h_{t−1} that came from step t, i.e.
    ∂L/∂h_{t−1} minus what came from the output (one layer: the head's Wᵀ ∂L/∂z)."""
    data, rec = _run(cell=cell, hidden=6)
    layer, head = rec.rnn.layers[0], rec.head
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels, view="backward")
    recurrent = _arrows(fig, "recurrent")
    T = int(data.lengths[0])
    carried = np.linalg.norm(layer.d_hidden[:, 0] - head.d_logits[:, 0] @ _weight(rec, data), axis=-1)
    widths = np.array([recurrent[t].arrowwidth for t in range(1, T)])
    order = np.argsort(carried[:T - 1])
    assert np.all(np.diff(widths[order]) >= -1e-9)
    assert widths[order[-1]] > widths[order[0]]
    assert all(recurrent[t].ax > recurrent[t].x for t in range(T))           # pointing back in time
    # the hover text of every arrow holds its number
    hover = _traces(fig)["gradient along each arrow"]
    for t in range(1, T):
        assert any(f"‖gradient‖ = {carried[t - 1]:.4g}" in text and f"into h{_sub(t - 1)}" in text
                   for text in hover.hovertext)
    # y → h arrows: the gradient the output sends down, ‖Wᵀ ∂L/∂z_t‖
    into_h = np.linalg.norm(head.d_logits[:, 0] @ _weight(rec, data), axis=-1)
    down = _arrows(fig, "y-h")
    order = np.argsort(into_h[:T])
    assert np.all(np.diff([down[t].arrowwidth for t in order]) >= -1e-9)


def _weight(rec, data):
    """The head's weight, rebuilt the way the example builds it (same seed)."""
    ex = EXAMPLES["kennedy"]
    cell = rec.rnn.kind
    model = ex.build_model(ex.defaults.replace(cell=cell, hidden=rec.rnn.layers[0].states.shape[-1], seed=0), data)
    return model.head.params["weight"]


def _sub(n):
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def test_forward_arrows_point_forward_in_time_and_up():
    data, rec = _run(layers=2)
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels)
    assert all(a.ax < a.x for a in _arrows(fig, "recurrent").values())
    assert all(a.ay < a.y for a in _arrows(fig, "h-y").values())


def test_every_step_has_a_hidden_highlight_and_a_label_for_the_browser_to_show():
    data, rec = _run()
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels)
    rects = {s.name: s for s in fig.layout.shapes if s.type == "rect"}
    assert list(rects) == [f"step {t}" for t in range(8)]                 # one per step, in order
    assert rects["step 5"].x0 < 5 < rects["step 5"].x1 and rects["step 5"].x1 - rects["step 5"].x0 < 1
    assert all(s.opacity == 0 for s in rects.values())                    # none shown until the browser picks
    labels = {a.name: a.text for a in fig.layout.annotations if (a.name or "").startswith("label")}
    assert labels == {f"label {t}": f"t = {t}" for t in range(8)}


def test_window_draws_only_its_steps_and_starts_from_the_state_before():
    data, rec = _run()
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels, steps=range(3, 6))
    assert list(_traces(fig)["x_t (input)"].x) == [3, 4, 5]
    assert [s.name for s in fig.layout.shapes] == ["step 3", "step 4", "step 5"]      # highlights of those only
    start = _traces(fig)["start state"]
    assert "h₂" in start.hovertext[0]
    assert f"{np.linalg.norm(rec.rnn.layers[0].hidden[2, 0]):.4f}" in start.hovertext[0]
    assert any("steps 6…7" in (a.text or "") for a in fig.layout.annotations)


def test_typed_text_is_escaped_in_labels():
    data, rec = _run()
    tokens = ["<script>alert(1)</script>"] + data.tokens[0][1:]
    fig = unrolled_figure(rec, tokens, data.output_labels)
    assert _traces(fig)["x_t (input)"].text[0] == "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>"
    assert "<script>" not in fig.to_json()


def test_rolled_has_one_node_per_row_a_loop_per_layer_and_every_steps_numbers():
    data, rec = _run(cell="lstm", layers=2)
    fig = rolled_figure(rec, data.tokens[0], data.output_labels)
    traces = _traces(fig)
    assert all(len(trace.x) == 1 for trace in fig.data)
    assert traces["x_t (input)"].text[0] == "Among"                       # step 0's labels are drawn first
    assert traces["x_t (input)"].meta["steps"] == data.tokens[0]          # and the browser shows step t's
    assert sum(1 for s in fig.layout.shapes if s.type == "path") == 2
    for l, layer in enumerate(rec.rnn.layers):
        assert traces[f"h_t (layer {l + 1})"].meta["steps"] == [f"‖h‖ {v:.2f}" for v in layer.hidden_norm[:, 0]]
    assert traces["ℓ_t (loss)"].meta["steps"][5] == f"ℓ={rec.head.step_loss[5, 0]:.3f}"
    back = rolled_figure(rec, data.tokens[0], data.output_labels, view="backward")
    assert _traces(back)["h_t (layer 1)"].meta["steps"] == [
        f"‖∂L/∂h‖ {np.linalg.norm(g):.3g}" for g in rec.rnn.layers[0].d_hidden[:, 0]]
    headings = [a for a in fig.layout.annotations if (a.name or "").startswith("step")]
    assert [a.text for a in headings] == [f"<b>values at t = {t}</b>" for t in range(8)]
    assert all(a.opacity == 0 for a in headings)


def test_rolled_labels_of_typed_text_are_escaped_for_plotly_and_kept_as_typed_for_the_browser():
    data, rec = _run()
    tokens = ["<b>x</b>"] + data.tokens[0][1:]
    traces = _traces(rolled_figure(rec, tokens, data.output_labels))
    assert traces["x_t (input)"].text[0] == "&lt;b&gt;x&lt;/b&gt;"
    assert traces["x_t (input)"].meta["steps"][0] == "<b>x</b>"          # the browser writes it as text


def test_unknown_view_is_refused():
    data, rec = _run()
    with pytest.raises(ValueError, match="forward, backward"):
        unrolled_figure(rec, data.tokens[0], data.output_labels, view="sideways")


# ---------------------------------------------------------------------- each step's share of ∂L/∂W (BPTT's sum)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_each_steps_share_adds_up_to_the_backward_passs_weight_gradient(cell):
    """The bars' matrices are the engine's per-step terms; their sum is what ``SequenceModel.backward`` returns
    (accumulated step by step in its own loop), for every layer of a stack and uneven lengths (Kennedy)."""
    from viz.bptt import shares_figure
    ex = EXAMPLES["kennedy"]
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell=cell, layers=2, seed=3), data)
    rec = data.run(model)
    grads = model.backward(rec)
    shares = [model.rnn.weight_grad_by_step(rec.rnn, l) for l in range(2)]
    for l, share in enumerate(shares):
        for name in ("weight_hh", "weight_ih", "bias_hh", "bias_ih"):
            np.testing.assert_allclose(share[name].sum(axis=0), grads[f"rnn.{name}_l{l}"], rtol=1e-10, atol=1e-15)
    full = [{n: grads[f"rnn.{n}_l{l}"] for n in ("weight_hh", "weight_ih")} for l in range(2)]
    fig = shares_figure(shares, full, [str(t) for t in range(8)])
    bars = {(tr.name, tr.xaxis): tr for tr in fig.data}
    for l in range(2):
        for name, axis in (("weight_hh", "x"), ("weight_ih", "x2")):
            want = [np.linalg.norm(m) for m in shares[l][name]]              # Frobenius norm of each step's term
            np.testing.assert_allclose(bars[(f"layer {l + 1}", axis)].customdata, want, rtol=1e-12)
    assert np.isnan(bars[("layer 1", "x")].y[0])                             # h_{−1} = 0: no W_hh share at step 0
    titles = [a.text for a in fig.layout.annotations]
    hh = ", ".join(f"{np.linalg.norm(full[l]['weight_hh']):.3g}" for l in range(2))
    assert any(t.startswith("∂L/∂W_hh") and f"‖∂L/∂W‖ = {hh}" in t for t in titles)
    outlines = [(s.name, s.xref) for s in fig.layout.shapes]              # each step's, in both panels, hidden
    assert outlines == [(f"step {t}", x) for x in ("x", "x2") for t in range(8)]
    assert all(s.opacity == 0 for s in fig.layout.shapes)
    assert list(fig.layout.xaxis.ticktext) == [str(t) for t in range(8)]    # a batch's labels: "3", not "3 3"


def test_loss_labels_fit_beside_their_nodes_and_round_the_recorded_loss():
    data, rec = engine_run("kennedy", cell="lstm", hidden=8, trained=True)     # losses down to 1e-5
    fig = unrolled_figure(rec, data.tokens[0], data.output_labels, b=0)
    losses, labels = rec.head.step_loss[:8, 0], list(_traces(fig)["ℓ_t (loss)"].text)
    assert max(len(s) for s in labels) <= 5, labels                # ~40 px at 14 px: no overlap at 1280 px
    assert min(losses) < 0.01                                      # the short form is exercised
    for v, s in zip(losses, labels, strict=True):                  # 2 digits, or one below 0.01 (2.6e-4: 3e-4)
        assert float(s) == (float(f"{v:.2g}") if v >= 0.01 else float(f"{v:.0e}")), (s, v)
