"""The Unrolled graph page as a person uses it: examples, cells, layers, views, rolled, steps, bad input."""

import numpy as np
import pytest

from apptest import array, charts, engine_run, page, texts
from rnn_core.examples import EXAMPLES
from ui.unrolled import step_from_selection, window


def run_page(**state):
    at = page("unrolled", **state).run()
    assert not at.exception, at.exception
    return at


def figure(at):
    """The unrolled (or rolled) graph: the first chart (the backward view adds the per-step shares below it)."""
    fig = charts(at)[0]
    return fig, {trace.get("name"): trace for trace in fig["data"]}


def metric(at, start):
    (m,) = [m for m in at.metric if m.label.startswith(start)]
    return m


def test_defaults_draw_jazz_unrolled_forward_with_the_engines_numbers():
    at = run_page()
    fig, traces = figure(at)
    data, rec = engine_run("jazz")
    assert list(traces["x_t (input)"]["text"]) == ["<b>J</b>", "<b>A</b>", "<b>Z</b>", "<b>Z</b>"]
    hidden = array(traces["h_t (layer 1)"]["customdata"])
    np.testing.assert_allclose(hidden[:, 1], rec.rnn.layers[0].hidden_norm[:, 0])
    assert "Step 0: “J”" in texts(at) and "Untrained" in texts(at)
    units = at.table[0].value
    np.testing.assert_allclose(units["h_t"].astype(float), rec.rnn.layers[0].hidden[0, 0])
    np.testing.assert_allclose(units["∂L/∂h_t"].astype(float), rec.rnn.layers[0].d_hidden[0, 0])
    assert metric(at, "Loss").value == f"{rec.head.step_loss[0, 0]:.4f}"
    assert metric(at, "Wanted").value == "A"
    assert [d.proto.label for d in at.get("download_button")] == [
        "Download the figure's numbers (CSV)", "Download everything recorded (CSV)"]


@pytest.mark.parametrize("key", ["kennedy", "home", "namaskar"])
def test_each_example_draws_one_column_per_word_or_letter(key):
    at = run_page(example=key)
    _, traces = figure(at)
    data, _ = engine_run(key)
    assert list(array(traces["x_t (input)"]["x"])) == list(range(int(data.lengths[0])))
    assert list(traces["x_t (input)"]["text"]) == [f"<b>{w}</b>" for w in data.tokens[0]]


def test_kennedy_second_sentence_and_its_steps():
    at = run_page(example="kennedy")
    at.segmented_control(key="u_seq").set_value(1).run()
    assert not at.exception
    _, traces = figure(at)
    assert list(traces["x_t (input)"]["text"]) == ["<b>Kennedy</b>", "<b>stands</b>"]
    assert at.select_slider(key="u_step").options == ["0 · Kennedy", "1 · stands"]
    data, rec = engine_run("kennedy")
    assert metric(at, "Network's answer").value == f"{rec.head.y[0, 1, 0]:.4f}".replace(".", "\\.")
    assert metric(at, "Wanted").value == "1"                          # Kennedy is a name


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_cell(cell):
    at = run_page(cell=cell)
    _, rec = engine_run("jazz", cell=cell)
    units = at.table[0].value
    np.testing.assert_allclose(units["h_t"].astype(float), rec.rnn.layers[0].hidden[0, 0])
    assert ("c_t" in units.columns) == (cell == "lstm")
    if cell == "lstm":
        np.testing.assert_allclose(units["c_t"].astype(float), rec.rnn.layers[0].cell[0, 0])


def test_two_layers_give_two_rows_of_hidden_nodes_and_two_tables():
    at = run_page(example="kennedy", layers=2, u_view="backward")
    fig, traces = figure(at)
    _, rec = engine_run("kennedy", layers=2)
    for l in range(2):
        shown = array(traces[f"h_t (layer {l + 1})"]["customdata"])[:, 2]
        np.testing.assert_allclose(shown, rec.rnn.layers[l].d_hidden_norm[:, 0])
    assert len(at.table) == 2
    np.testing.assert_allclose(at.table[1].value["∂L/∂h_t"].astype(float), rec.rnn.layers[1].d_hidden[0, 0])
    # backward: arrows of many widths, and the note about the early steps with the record's numbers
    widths = {a["arrowwidth"] for a in fig["layout"]["annotations"] if a.get("name", "").startswith("recurrent")}
    assert len(widths) > 4
    first = rec.rnn.layers[0].d_hidden_norm[0, 0]
    assert f"‖∂L/∂h‖ at step 0 is {first:.3g}" in texts(at)


def test_switching_views_and_the_rolled_form():
    at = run_page()
    at.segmented_control(key="u_view").set_value("backward").run()
    fig, traces = figure(at)
    assert "gradient along each arrow" in traces
    assert at.query_params["u_view"] in ("backward", ["backward"])    # the link keeps the view
    at.segmented_control(key="u_form").set_value("rolled").run()
    assert not at.exception
    fig, traces = figure(at)
    assert len(array(traces["x_t (input)"]["x"])) == 1 and len(array(traces["h_t (layer 1)"]["x"])) == 1
    assert "loop on each h" in texts(at)


def test_selecting_a_step_moves_the_highlight_and_the_details():
    at = run_page()
    at.select_slider(key="u_step").set_value(3).run()
    assert not at.exception
    fig, _ = figure(at)
    (rect,) = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert rect["x0"] < 3 < rect["x1"]
    assert "Step 3: “Z”" in texts(at)
    _, rec = engine_run("jazz")
    np.testing.assert_allclose(at.table[0].value["h_{t−1}"].astype(float), rec.rnn.layers[0].hidden[2, 0])
    assert metric(at, "Wanted").value == "\\<end\\>"


def test_a_step_from_the_link_beyond_a_short_sequence_is_clamped():
    at = run_page(example="home", u_step=7)
    assert at.session_state.u_step == 2 and "Step 2: “M”" in texts(at)


def test_a_click_on_a_node_gives_its_step():
    point = {"curve_number": 3, "point_index": 2, "x": 2, "y": 1, "customdata": [2, 0.5, 0.01]}
    assert step_from_selection({"selection": {"points": [point]}}) == 2
    # what the browser really sends for a row of a typed array (seen in Chromium)
    point["customdata"] = {"0": 5, "1": 0.9172987547764488, "2": 0.03202069630752349}
    assert step_from_selection({"selection": {"points": [point]}}) == 5
    assert step_from_selection({"selection": {"points": [{"x": 1}]}}) is None
    assert step_from_selection({"selection": {"points": []}}) is None
    assert step_from_selection(None) is None


def test_long_sequences_are_drawn_through_a_window_that_follows_the_step():
    assert window(4, 3) == range(4)
    assert window(25, 0) == range(0, 8) and window(25, 24) == range(17, 25)
    assert 12 in window(25, 12) and len(window(25, 12)) == 8
    at = run_page(example="own", text="abcdefghijklmnop", u_step=12)
    _, traces = figure(at)
    assert list(array(traces["x_t (input)"]["x"])) == list(range(8, 16))
    assert "are drawn; move the step" in texts(at)


@pytest.mark.parametrize("text", ["", "   ", "x" * 500])
def test_unusable_own_text_gives_a_message_and_no_traceback(text):
    at = run_page(example="own", text=text)
    assert at.error and "can't be used" in at.error[0].value
    assert not at.get("plotly_chart")


def test_markup_typed_as_a_word_is_drawn_as_text():
    at = run_page(example="own", text="<script>alert(1)</script>")
    _, traces = figure(at)
    assert "<b>&lt;</b>" in traces["x_t (input)"]["text"]
    assert not any("<script" in str(t) for t in traces["x_t (input)"]["text"])
    assert "Step 0: “\\<”" in texts(at)


def test_a_pasted_word_longer_than_the_box_takes_is_refused_with_a_message():
    at = run_page(example="own", text="hello")
    at.text_input(key="text").input("y" * 5000).run()
    assert not at.exception
    assert any("5,000 characters" in w.value and "at most 40" in w.value for w in at.sidebar.warning)
    assert at.text_input(key="text").value == "hello"
    fig, traces = figure(at)
    assert len(traces["x_t (input)"]["text"]) == 5                     # still the previous word, h e l l o


def shares_chart(at):
    (fig,) = [f for f in charts(at) if any(tr.get("type") == "bar" for tr in f["data"])]
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
    assert not [f for f in charts(forward) if any(tr.get("type") == "bar" for tr in f["data"])]


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
