"""The Unrolled graph page as a person uses it: examples, cells, layers, views, rolled, steps, bad input."""

import numpy as np
import pytest

from apptest import array, charts, component_data, engine_run, page, texts
from rnn_core.examples import EXAMPLES
from ui.unrolled import window


def run_page(**state):
    at = page("unrolled", **state).run()
    assert not at.exception, at.exception
    return at


def graph(at):
    """The unrolled (or rolled) graph the page draws: the first chart (the backward view adds the per-step shares
    below it)."""
    return charts(at)[0]


def nodes(g, kind, layer=None):
    """The graph's nodes of one kind (x, h, y, loss, start), of one layer for h, in the order drawn."""
    return [n for n in g["nodes"] if n["kind"] == kind and (layer is None or n.get("layer") == layer)]


def labels(g, kind="x"):
    return [n["label"] for n in nodes(g, kind)]


def numbers(at):
    """What the page sends the browser to draw the step's numbers: every step's, and the step it opens on."""
    return component_data(at, "u_step_numbers")


def outcome(at, t=None):
    data = numbers(at)
    return data["numbers"]["outcome"][data["t"] if t is None else t]


def layer(at, l=0):
    """Layer l's numbers of the step the page opens on, by column, as arrays."""
    data = numbers(at)
    return {k: np.array(v[data["t"]]) for k, v in data["numbers"]["layers"][l].items()}


def test_defaults_draw_jazz_unrolled_forward_with_the_engines_numbers():
    at = run_page()
    g = graph(at)
    data, rec = engine_run("jazz")
    assert g["form"] == "unrolled" and g["view"] == "forward"
    assert labels(g) == ["J", "A", "Z", "Z"]
    assert labels(g, "h") == [f"{v:.2f}" for v in rec.rnn.layers[0].hidden_norm[:, 0]]      # ‖h_t‖ beside each h
    assert numbers(at)["t"] == 0 and numbers(at)["tokens"] == ["J", "A", "Z", "Z"] and "Untrained" in texts(at)
    units = layer(at)
    np.testing.assert_array_equal(units["h"], rec.rnn.layers[0].hidden[0, 0])
    np.testing.assert_array_equal(units["d_h"], rec.rnn.layers[0].d_hidden[0, 0])
    assert numbers(at)["numbers"]["loss"][0] == rec.head.step_loss[0, 0]
    assert outcome(at)["wanted"] == "A"
    assert component_data(at, "u_step_bar")["charts"] == ["u_chart", "u_shares"]   # the charts that follow it
    assert [d.proto.label for d in at.get("download_button")] == [
        "Download the figure's numbers (CSV)", "Download everything recorded (CSV)"]


@pytest.mark.parametrize("key", ["kennedy", "home", "namaskar"])
def test_each_example_draws_one_column_per_word_or_letter(key):
    at = run_page(example=key)
    g = graph(at)
    data, _ = engine_run(key)
    assert [n["c"] for n in nodes(g, "x")] == list(range(int(data.lengths[0])))
    assert labels(g) == data.tokens[0]


def test_kennedy_second_sentence_and_its_steps():
    at = run_page(example="kennedy")
    at.segmented_control(key="u_seq").set_value(1).run()
    assert not at.exception
    assert labels(graph(at)) == ["Kennedy", "stands"]
    assert component_data(at, "u_step_bar")["tokens"] == ["Kennedy", "stands"]
    data, rec = engine_run("kennedy")
    assert outcome(at)["answer"] == f"{rec.head.y[0, 1, 0]:.4f}"
    assert outcome(at)["wanted"] == "1"                                 # Kennedy is a name
    np.testing.assert_array_equal(numbers(at)["numbers"]["layers"][0]["h"], rec.rnn.layers[0].hidden[:2, 1])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_cell(cell):
    at = run_page(cell=cell)
    _, rec = engine_run("jazz", cell=cell)
    units = layer(at)
    np.testing.assert_array_equal(units["h"], rec.rnn.layers[0].hidden[0, 0])
    assert ("c" in units) == (cell == "lstm")
    if cell == "lstm":
        np.testing.assert_array_equal(units["c"], rec.rnn.layers[0].cell[0, 0])
        np.testing.assert_array_equal(units["d_c"], rec.rnn.layers[0].d_cell[0, 0])


def test_two_layers_give_two_rows_of_hidden_nodes_and_two_tables():
    at = run_page(example="kennedy", layers=2, u_view="backward")
    g = graph(at)
    _, rec = engine_run("kennedy", layers=2)
    for l in range(2):
        assert all(f"‖∂L/∂h{n['hover'][0][1]}‖ = {v:.4g}" in n["hover"]
                   for n, v in zip(nodes(g, "h", l), rec.rnn.layers[l].d_hidden_norm[:, 0], strict=True))
    assert len(numbers(at)["numbers"]["layers"]) == 2
    np.testing.assert_array_equal(layer(at, 1)["d_h"], rec.rnn.layers[1].d_hidden[0, 0])
    # backward: arrows of many widths, and the note about the early steps with the record's numbers
    widths = {a["width"] for a in g["arrows"] if a["kind"] == "recurrent"}
    assert len(widths) > 4
    first = rec.rnn.layers[0].d_hidden_norm[0, 0]
    assert f"‖∂L/∂h‖ at step 0 is {first:.3g}" in texts(at)


def test_switching_views_and_the_rolled_form():
    at = run_page()
    at.segmented_control(key="u_view").set_value("backward").run()
    g = graph(at)
    assert g["view"] == "backward" and g["bar"] and all(a["hover"] for a in g["arrows"])    # each arrow's gradient
    assert at.query_params["u_view"] in ("backward", ["backward"])    # the link keeps the view
    at.segmented_control(key="u_form").set_value("rolled").run()
    assert not at.exception
    g = graph(at)
    assert g["form"] == "rolled" and [n["kind"] for n in g["nodes"]] == ["x", "h", "y", "loss"]
    assert component_data(at, "u_step_bar")["charts"] == ["u_rolled"]
    assert "loop on each h" in texts(at)


def test_the_step_opens_where_the_link_says_and_its_numbers_are_the_records():
    at = run_page(u_step=3)
    assert component_data(at, "u_step_bar")["t"] == numbers(at)["t"] == 3
    _, rec = engine_run("jazz")
    np.testing.assert_array_equal(layer(at)["h_prev"], rec.rnn.layers[0].hidden[2, 0])
    assert outcome(at)["wanted"] == "<end>"
    # the graph does not depend on the step (the browser outlines its column), so a step costs no new graph
    assert graph(at) == graph(run_page(u_step=1))
    assert 3 in graph(at)["steps"]


def test_every_steps_numbers_are_sent_once():
    at = run_page(example="namaskar", cell="lstm")
    data, rec = engine_run("namaskar", cell="lstm")
    sent = numbers(at)["numbers"]
    T = int(data.lengths[0])
    for name, recorded in (("h", "hidden"), ("h_prev", "hidden_prev"), ("d_h", "d_hidden"), ("c", "cell"),
                           ("d_c", "d_cell")):
        np.testing.assert_array_equal(sent["layers"][0][name], getattr(rec.rnn.layers[0], recorded)[:T, 0])
    assert [o["loss"] for o in sent["outcome"]] == list(rec.head.step_loss[:T, 0])


def test_a_step_from_the_link_beyond_a_short_sequence_is_clamped():
    at = run_page(example="home", u_step=7)
    assert at.session_state.u_step == 2 and numbers(at)["t"] == 2


def test_long_sequences_are_drawn_through_a_window_that_follows_the_step():
    assert window(4, 3) == range(4)
    assert window(25, 0) == range(0, 8) and window(25, 24) == range(17, 25)
    assert 12 in window(25, 12) and len(window(25, 12)) == 8
    at = run_page(example="own", text="abcdefghijklmnop", u_step=12)
    assert graph(at)["steps"] == list(range(8, 16))
    assert labels(graph(at)) == list("ijklmnop")
    assert "are drawn; a step outside them slides the window" in texts(at)
    assert component_data(at, "u_step_bar")["window"] == [8, 16]          # a step outside asks the server


@pytest.mark.parametrize("text", ["", "   ", "x" * 500])
def test_unusable_own_text_gives_a_message_and_no_traceback(text):
    at = run_page(example="own", text=text)
    assert at.error and "can't be used" in at.error[0].value
    assert not charts(at)


def test_markup_typed_as_a_word_is_drawn_as_text():
    at = run_page(example="own", text="<script>alert(1)</script>")
    assert labels(graph(at))[:8] == list("<script>")                      # as typed: the browser writes text
    assert numbers(at)["tokens"][:8] == list("<script>")


def test_a_pasted_word_longer_than_the_box_takes_is_refused_with_a_message():
    at = run_page(example="own", text="hello")
    at.text_input(key="text").input("y" * 5000).run()
    assert not at.exception
    assert any("5,000 characters" in w.value and "at most 40" in w.value for w in at.sidebar.warning)
    assert at.text_input(key="text").value == "hello"
    assert labels(graph(at)) == list("hello")                         # still the previous word


def shares_chart(at):
    (fig,) = [f for f in charts(at) if any(tr.get("type") == "bar" for tr in f.get("data", []))]
    return fig, {(tr["name"], tr.get("xaxis", "x")): array(tr["customdata"]) for tr in fig["data"]}


def test_backward_view_shows_each_steps_share_of_the_weight_gradients():
    at = run_page(u_view="backward")
    fig, bars = shares_chart(at)
    ex = EXAMPLES["jazz"]
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell="rnn", hidden=8, layers=1, seed=0), data)
    rec = data.run(model)
    grads = model.backward(rec)
    shares = model.rnn.weight_grad_by_step(rec.rnn, 0)
    np.testing.assert_allclose(shares["weight_hh"].sum(axis=0), grads["rnn.weight_hh_l0"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(bars[("layer 1", "x")], [np.linalg.norm(m) for m in shares["weight_hh"]], rtol=1e-12)
    np.testing.assert_allclose(bars[("layer 1", "x2")], [np.linalg.norm(m) for m in shares["weight_ih"]], rtol=1e-12)
    titles = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert f"‖∂L/∂W‖ = {np.linalg.norm(grads['rnn.weight_hh_l0']):.3g}" in titles
    assert "adds* one share per step" in texts(at) and "Vanishing & exploding gradients" in texts(at)
    forward = run_page(u_view="forward")
    assert not [f for f in charts(forward) if any(tr.get("type") == "bar" for tr in f.get("data", []))]


@pytest.mark.parametrize("seed, weights", [(0, "untrained"), (1, "untrained"), (2, "untrained"), (0, "trained")])
def test_from_the_last_loss_a_vanilla_rnns_early_steps_get_a_vanishing_share(seed, weights):
    at = run_page(u_view="backward", u_loss="last", example="own", text="the quick brown fox jumps over the lazy",
                  seed=seed, weights=weights)
    _, bars = shares_chart(at)
    hh = bars[("layer 1", "x")]
    T = len(hh)
    assert T == 39
    early, late = hh[1:T // 4].mean(), hh[-T // 4:].mean()
    assert early < 1e-2 * late, (early, late)               # orders of magnitude, not a little
    assert "‖∂ℓ₃₈/∂h‖ at step 0 is" in texts(at) and "smaller than at step 38" in texts(at)   # the sentence too


def last_loss_gradients(key, seq):
    """‖∂L_last/∂h_t‖ of sequence ``seq`` and ∂L_last/∂W_hh for the page's default network, derived by hand: at
    each sequence's last step ∂L_last/∂z = (y − target) / B (cross-entropy after softmax or sigmoid, the mean over
    the B last steps), sent into the hidden state by W_hyᵀ and back through time by the engine's BPTT."""
    ex = EXAMPLES[key]
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell="rnn", hidden=8, layers=1, seed=0), data)
    rec = model.forward(data.x, data.lengths)
    W_hy = model.parameters()["head.weight"]                                # (O, H)
    d_output = np.zeros_like(rec.rnn.output)                                # (T, B, H)
    for k, T in enumerate(data.lengths):
        y = rec.head.y[T - 1, k]
        target = np.eye(len(y))[data.y[T - 1, k]] if data.head == "softmax" else data.y[T - 1, k]
        d_output[T - 1, k] = W_hy.T @ (y - target) / data.size
    grads = model.rnn.backward(rec.rnn, d_output)
    return rec.rnn.layers[0].d_hidden_norm[: data.lengths[seq], seq], grads["weight_hh_l0"]


@pytest.mark.parametrize("key, seq, symbol", [("jazz", 0, "ℓ₃"), ("kennedy", 0, "L_last"), ("kennedy", 1, "L_last")])
def test_from_the_last_loss_the_sentence_above_the_bars_is_about_that_loss(key, seq, symbol):
    at = run_page(u_view="backward", u_loss="last", example=key, u_seq=seq)
    reach, d_W_hh = last_loss_gradients(key, seq)
    T = len(reach)
    shown = texts(at)
    word = "smaller than" if reach[0] < reach[-1] else "larger than"
    assert f"‖∂{symbol}/∂h‖ at step 0 is {reach[0]:.3g}, {word} at step {T - 1} ({reach[-1]:.3g})" in shown
    assert "‖∂L/∂h‖ at step 0" not in shown                                  # not L's gradient any more
    fig, _ = shares_chart(at)                                               # the bars' titles name that loss too
    titles = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert f"∂{symbol}/∂W_hh" in titles and f"‖∂{symbol}/∂W‖ = {np.linalg.norm(d_W_hh):.3g}" in titles
    assert "∂L/∂W" not in titles
    if key == "kennedy":
        assert f"the early steps of sentence {seq + 1}" in shown and "mean of every sentence's loss" in shown
    every = run_page(u_view="backward", u_loss="all", example=key, u_seq=seq)
    assert "‖∂L/∂h‖ at step 0" in texts(every) and f"‖∂{symbol}/∂h‖" not in texts(every)
