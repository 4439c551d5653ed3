"""The unrolled and rolled graphs (the data the page draws): nodes, hover numbers, colours and arrow widths against
the record."""

import json

import numpy as np
import pytest

from apptest import engine_run
from rnn_core.examples import EXAMPLES
from viz.colors import HIDDEN, INPUT, OUTPUT
from viz.unrolled import START, rolled_graph, unrolled_graph


def _run(key="kennedy", cell="rnn", layers=1, hidden=5, seed=0):
    return engine_run(key, cell=cell, hidden=hidden, layers=layers, seed=seed)


def _graph(rec, data, b=0, **kw):
    return unrolled_graph(rec, data.tokens[b], data.output_labels, b=b, **kw)


def _nodes(g, kind, layer=None):
    """The nodes of one kind (start, x, h, y, loss), of one layer for h, in the order drawn (by step)."""
    return [n for n in g["nodes"] if n["kind"] == kind and (layer is None or n.get("layer") == layer)]


def _arrows(g, kind):
    return [a for a in g["arrows"] if a["kind"] == kind]


def _darkness(color):
    """How far a '#RRGGBB' fill is from white: larger is darker."""
    return sum(255 - int(color[i:i + 2], 16) for i in (1, 3, 5))


def _hover(node):
    return "\n".join(node["hover"])


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_one_input_one_hidden_per_layer_and_one_output_per_step(layers):
    data, rec = _run(layers=layers)
    g = _graph(rec, data)
    T = int(data.lengths[0])
    assert g["steps"] == list(range(T))
    for kind in ("x", "y", "loss"):
        assert [n["step"] for n in _nodes(g, kind)] == list(range(T))
        assert [n["c"] for n in _nodes(g, kind)] == list(range(T))            # one column per step
    for l in range(layers):
        assert [n["step"] for n in _nodes(g, "h", l)] == list(range(T))
        assert {n["r"] for n in _nodes(g, "h", l)} == {1 + l}                 # layer l's row, above the input
    assert [n["label"] for n in _nodes(g, "x")] == data.tokens[0]
    assert len(_nodes(g, "start")) == layers
    # one recurrent arrow per layer and step (the first from the start state), one arrow up into every node
    assert len(_arrows(g, "recurrent")) == T * layers
    assert len(_arrows(g, "x-h")) == len(_arrows(g, "h-y")) == len(_arrows(g, "y-loss")) == T
    assert len(_arrows(g, "h-h")) == T * (layers - 1)


def test_second_sentence_draws_only_its_own_two_steps():
    data, rec = _run()
    g = _graph(rec, data, b=1)
    assert [n["label"] for n in _nodes(g, "x")] == ["Kennedy", "stands"]
    for t, n in enumerate(_nodes(g, "loss")):
        assert n["hover"] == [f"ℓ{_sub(t)} = {rec.head.step_loss[t, 1]:.6g} (step {t})"]


def test_colours_follow_the_course_diagrams():
    data, rec = _run(layers=2)
    g = _graph(rec, data)
    assert {n["stroke"] for n in _nodes(g, "x")} == {INPUT}
    assert {n["stroke"] for n in _nodes(g, "h")} == {HIDDEN}
    assert {n["stroke"] for n in _nodes(g, "y")} == {OUTPUT}
    assert {a["color"] for a in _arrows(g, "x-h")} == {INPUT}
    rows = {row["r"]: (row["lines"][0], row["color"]) for row in g["rows"]}
    assert rows == {0: ("input x", INPUT), 1: ("layer 1 h", HIDDEN), 2: ("layer 2 h", HIDDEN), 3: ("output y", OUTPUT),
                    4: ("loss ℓ", "#4A5568")}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hover_shows_the_records_vectors_and_norms(cell):
    data, rec = _run("jazz", cell=cell, layers=2, hidden=4)
    g = _graph(rec, data)
    for l, layer in enumerate(rec.rnn.layers):
        for t, node in enumerate(_nodes(g, "h", l)):
            text = _hover(node)
            assert f"‖h{_sub(t)}‖ = {np.linalg.norm(layer.hidden[t, 0]):.4f}" in text
            for value in layer.hidden[t, 0]:
                assert f"{value:+.4f}" in text
            if cell == "lstm":
                assert all(f"{value:+.4f}" in text for value in layer.cell[t, 0])
    ys = _nodes(g, "y")
    for t, node in enumerate(ys):
        for label, p in zip(["J", "A", "Z", "<end>"], rec.head.y[t, 0], strict=True):
            assert f"{label}: {p:.4f}" in node["hover"]
    wanted = ["A", "Z", "Z", "<end>"]
    assert all(f"target: {w}" in n["hover"] for w, n in zip(wanted, ys, strict=True))
    # beside each y: the likeliest letter and its probability
    best = rec.head.y[:, 0].argmax(-1)
    letters = ["J", "A", "Z", "<end>"]
    assert [n["label"] for n in ys] == [f"{letters[k]} {rec.head.y[t, 0, k]:.2f}" for t, k in enumerate(best)]


def test_forward_fill_grows_with_the_state_norm_and_backward_fill_with_the_gradient_norm():
    data, rec = _run(hidden=6)
    layer = rec.rnn.layers[0]
    forward = _nodes(_graph(rec, data), "h")
    backward = _nodes(_graph(rec, data, view="backward"), "h")
    for nodes, norms in ((forward, layer.hidden_norm[:, 0]), (backward, layer.d_hidden_norm[:, 0])):
        dark = np.array([_darkness(n["fill"]) for n in nodes])
        order = np.argsort(norms)
        assert np.all(np.diff(dark[order]) >= 0)
        assert dark[order[-1]] > dark[order[0]]
        assert nodes[order[-1]]["ink"] == "#FFFFFF"                       # the darkest holds its name in white
    # beside each h in the backward view: ‖∂L/∂h_t‖ in at most five characters, two digits (one below 0.01)
    for v, label in zip(layer.d_hidden_norm[:, 0], (n["label"] for n in backward), strict=True):
        assert len(label) <= 5 and float(label) == _rounded(v), (label, v)
    assert [n["label"] for n in forward] == [f"{v:.2f}" for v in layer.hidden_norm[:, 0]]


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_backward_arrow_widths_follow_the_gradient_each_carries(cell):
    """The arrow h_t → h_{t−1} is as wide as the part of ∂L/∂h_{t−1} that came from step t, i.e.
    ∂L/∂h_{t−1} minus what came from the output (one layer: the head's Wᵀ ∂L/∂z)."""
    data, rec = _run(cell=cell, hidden=6)
    layer, head = rec.rnn.layers[0], rec.head
    g = _graph(rec, data, view="backward")
    recurrent = {a["step"]: a for a in _arrows(g, "recurrent")}
    T = int(data.lengths[0])
    carried = np.linalg.norm(layer.d_hidden[:, 0] - head.d_logits[:, 0] @ _weight(rec, data), axis=-1)
    widths = np.array([recurrent[t]["width"] for t in range(1, T)])
    order = np.argsort(carried[:T - 1])
    assert np.all(np.diff(widths[order]) >= -1e-9)
    assert widths[order[-1]] > widths[order[0]]
    assert all(recurrent[t]["from"][0] > recurrent[t]["to"][0] for t in range(T))      # pointing back in time
    for t in range(1, T):                                                  # every arrow's hover holds its number
        assert f"‖gradient‖ = {carried[t - 1]:.4g}" in recurrent[t]["hover"]
        assert f"into h{_sub(t - 1)}" in recurrent[t]["hover"][0]
    # y → h arrows: the gradient the output sends down, ‖Wᵀ ∂L/∂z_t‖
    into_h = np.linalg.norm(head.d_logits[:, 0] @ _weight(rec, data), axis=-1)
    down = {a["step"]: a for a in _arrows(g, "y-h")}
    order = np.argsort(into_h[:T])
    assert np.all(np.diff([down[t]["width"] for t in order]) >= -1e-9)
    assert g["bar"]["max"] == pytest.approx(max(a["hover"] and float(a["hover"][1].split("= ")[1])
                                                for a in g["arrows"] if a["kind"] != "loss-y"), rel=1e-3)


def _rounded(v):
    """v to two significant digits, or one below 0.01: 0.0123 → 0.012, 0.00123 → 0.001."""
    return float(f"{v:.2g}") if v >= 0.01 else float(f"{v:.0e}")


def test_the_start_states_gradient_is_all_that_reaches_it_and_its_arrow_what_comes_from_the_window():
    data, rec = _run("kennedy", cell="lstm", layers=2)
    g = _graph(rec, data, view="backward", steps=range(2, 6))
    for l, layer in enumerate(rec.rnn.layers):
        (start,) = _nodes(g, "start", l)
        assert f"‖∂L/∂h‖ = {np.linalg.norm(layer.d_hidden[1, 0]):.4g}" in start["hover"]    # ‖∂L/∂h₁‖, whole
        (arrow,) = [a for a in _arrows(g, "recurrent") if a["step"] == 2 and a["from"][1] == 1 + l]
        above = rec.head.d_h[1, 0] if l == 1 else rec.rnn.layers[1].d_x[1, 0]
        from_step_2 = np.linalg.norm(layer.d_hidden[1, 0] - above)            # what h₂ sends back to h₁
        assert f"‖gradient‖ = {from_step_2:.4g}" in arrow["hover"]


@pytest.mark.parametrize("view", ["forward", "backward"])
def test_a_run_that_diverged_is_drawn_with_its_nans_written_not_a_failure(view):
    data, rec = _run()
    layer = rec.rnn.layers[0]
    layer.hidden[3, 0, :] = np.nan
    layer.d_hidden[3, 0, :] = np.inf
    rec.head.step_loss[2, 0] = np.nan
    g = _graph(rec, data, view=view)
    json.dumps(g, allow_nan=False)                                         # what the page sends: valid JSON
    assert _nodes(g, "loss")[2]["label"] == "nan"
    h3 = _nodes(g, "h")[3]
    assert h3["label"] == ("inf" if view == "backward" else "nan")
    others = [n["fill"] for n in _nodes(g, "h") if n["step"] != 3]
    assert len(set(others)) > 1                                            # the other nodes keep their scale
    assert all(np.isfinite(a["width"]) for a in g["arrows"])


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
    g = _graph(rec, data)
    assert all(a["from"][0] < a["to"][0] for a in _arrows(g, "recurrent"))
    assert all(a["from"][1] < a["to"][1] for kind in ("x-h", "h-h", "h-y", "y-loss") for a in _arrows(g, kind))
    assert not any(a["hover"] for a in g["arrows"])                       # forward arrows carry no number


def test_window_draws_only_its_steps_and_starts_from_the_state_before():
    data, rec = _run()
    g = _graph(rec, data, steps=range(3, 6))
    assert g["steps"] == [3, 4, 5]
    assert [n["step"] for n in _nodes(g, "x")] == [3, 4, 5]
    assert g["columns"][0] < 2.5 and 5 < g["columns"][1] < 6.5               # those columns and the start state's
    (start,) = _nodes(g, "start")
    assert start["c"] < 3 and start["fill"] == START
    assert "h₂" in start["hover"][0]
    assert f"‖h‖ = {np.linalg.norm(rec.rnn.layers[0].hidden[2, 0]):.4f}" in start["hover"]
    assert g["more"]["text"] == "steps 6…7 →"


def test_typed_text_is_kept_as_typed_for_the_browser_to_write_as_text():
    data, rec = _run()
    tokens = ["<script>alert(1)</script>", " "] + data.tokens[0][2:]
    g = unrolled_graph(rec, tokens, data.output_labels)
    assert [n["label"] for n in _nodes(g, "x")][:2] == ["<script>alert(1)</script>", "␣"]     # a space made visible
    assert "“<script>alert(1)</script>”" in _nodes(g, "x")[0]["hover"][0]
    json.dumps(g, allow_nan=False)                                         # plain JSON: no NaN, no objects


def test_rolled_has_one_node_per_row_a_loop_per_layer_and_every_steps_numbers():
    data, rec = _run(cell="lstm", layers=2)
    g = rolled_graph(rec, data.tokens[0], data.output_labels)
    assert [n["kind"] for n in g["nodes"]] == ["x", "h", "h", "y", "loss"]
    assert {n["c"] for n in g["nodes"]} == {0.0}
    assert _nodes(g, "x")[0]["label"] == "Among"                          # step 0's labels are drawn first
    assert _nodes(g, "x")[0]["labels"] == data.tokens[0]                  # and the browser writes step t's
    assert [loop["r"] for loop in g["loops"]] == [1, 2]
    for l, layer in enumerate(rec.rnn.layers):
        assert _nodes(g, "h", l)[0]["labels"] == [f"‖h‖ {v:.2f}" for v in layer.hidden_norm[:, 0]]
    assert _nodes(g, "loss")[0]["labels"][5] == f"ℓ={rec.head.step_loss[5, 0]:.3f}"
    assert [a["kind"] for a in g["arrows"]] == ["x-h", "h-h", "h-y", "y-loss"]
    back = rolled_graph(rec, data.tokens[0], data.output_labels, view="backward")
    assert _nodes(back, "h", 0)[0]["labels"] == [
        f"‖∂L/∂h‖ {np.linalg.norm(g):.3g}" for g in rec.rnn.layers[0].d_hidden[:, 0]]
    assert [a["kind"] for a in back["arrows"]] == ["h-x", "h-h", "y-h", "loss-y"]        # every arrow reversed
    assert g["heading"].format(t=3) == "values at t = 3"


def test_rolled_labels_of_typed_text_are_kept_as_typed_for_the_browser():
    data, rec = _run()
    tokens = ["<b>x</b>"] + data.tokens[0][1:]
    g = rolled_graph(rec, tokens, data.output_labels)
    assert _nodes(g, "x")[0]["labels"][0] == "<b>x</b>"                   # the browser writes it as text


def test_unknown_view_is_refused():
    data, rec = _run()
    with pytest.raises(ValueError, match="forward, backward"):
        _graph(rec, data, view="sideways")
    with pytest.raises(ValueError, match="forward, backward"):
        rolled_graph(rec, data.tokens[0], data.output_labels, view="sideways")


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
    g = _graph(rec, data)
    losses, labels = rec.head.step_loss[:8, 0], [n["label"] for n in _nodes(g, "loss")]
    assert max(len(s) for s in labels) <= 5, labels                # ~40 px at 14 px: no overlap at 1280 px
    assert min(losses) < 0.01                                      # the short form is exercised
    for v, s in zip(losses, labels, strict=True):                  # 2 digits, or one below 0.01 (2.6e-4: 3e-4)
        assert float(s) == (float(f"{v:.2g}") if v >= 0.01 else float(f"{v:.0e}")), (s, v)
