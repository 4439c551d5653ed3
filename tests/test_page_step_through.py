"""The step-through page as a person uses it: examples, cells, the step buttons, trained weights, bad input."""

import numpy as np
import pytest

from apptest import array, button, charts, engine_run, page, table, texts


def run_page(**state):
    at = page("step_through", **state).run()
    assert not at.exception, at.exception
    return at


def test_defaults_show_jazz_letter_by_letter_with_network_products_and_equations():
    at = run_page()
    sequence = table(at, 0)
    assert list(sequence["input x_t"]) == ["J", "A", "Z", "Z"]
    assert list(sequence["target"]) == ["A", "Z", "Z", "end"]
    assert len(charts(at)) == 3                                  # network, input product, recurrent product
    assert len(at.latex) == 4                                    # a_t, h_t, z_t, y_t
    assert "Untrained" in texts(at)


def test_numbers_shown_are_the_engines():
    at = run_page(t=2)
    data, rec = engine_run("jazz")
    layer = rec.rnn.layers[0]
    units = table(at, 1)
    shown = units["h_t"].astype(float).to_numpy()
    assert np.allclose(shown, layer.hidden[2, 0], atol=5e-5)
    assert np.allclose(units["h_{t−1}"].astype(float), layer.hidden[1, 0], atol=5e-5)
    assert np.allclose(units["a_t"].astype(float), layer.preactivation[2, 0], atol=5e-5)
    outputs = table(at, 2)
    assert np.allclose(outputs["y_t"].astype(float), rec.head.y[2, 0], atol=5e-5)
    # the input-product picture's result column is the record's W_ih x_t + b_ih
    product = array(charts(at)[1]["data"][3]["z"])
    assert np.allclose(np.ravel(product), layer.input_product[2, 0])


def test_the_two_zs_get_different_hidden_states():
    at2, at3 = run_page(t=2), run_page(t=3)
    h2 = table(at2, 1)["h_t"].astype(float).to_numpy()
    h3 = table(at3, 1)["h_t"].astype(float).to_numpy()
    assert np.max(np.abs(h2 - h3)) > 1e-3


def test_next_steps_through_to_the_last_step_and_back():
    at = run_page()
    for expected in (1, 2, 3):
        at = button(at, "Next").click().run()
        assert at.session_state.t == expected
        assert f"Step t = {expected} of 3" in texts(at)
    assert button(at, "Next").disabled                           # the last step: nowhere further to go
    assert at.query_params["t"] in ("3", ["3"])                       # the link keeps the step
    at = button(at, "Previous").click().run()
    assert at.session_state.t == 2
    at = button(at, "Reset").click().run()
    assert at.session_state.t == 0 and button(at, "Previous").disabled
    assert not at.exception


def test_slider_moves_to_any_step():
    at = run_page()
    at.slider(key="t").set_value(3).run()
    assert "input “Z”" in texts(at) and "Step t = 3 of 3" in texts(at)


@pytest.mark.parametrize("key,length", [("kennedy", 8), ("home", 3), ("namaskar", 7)])
def test_each_example(key, length):
    at = run_page(example=key)
    assert len(table(at, 0)) == length


def test_kennedy_shows_both_sentences_and_what_the_trained_network_says_for_each_word():
    at = run_page(example="kennedy", weights="trained")
    first = table(at, 0)
    assert list(first["input x_t"])[4:6] == ["America", "Kennedy"]
    assert list(first["prediction"]) == list(first["target"])   # trained: every word right
    at.segmented_control(key="seq").set_value(1).run()
    second = table(at, 0)
    assert list(second["input x_t"]) == ["Kennedy", "stands"]
    assert list(second["prediction"]) == ["name", "not a name"]


@pytest.mark.parametrize("cell,equations,columns", [("lstm", 8, {"i_t", "f_t", "g_t", "o_t", "c_t"}),
                                                    ("gru", 6, {"r_t", "z_t", "n_t"})])
def test_gated_cells_show_every_gate_with_its_numbers(cell, equations, columns):
    at = run_page(cell=cell, t=1)
    assert len(at.latex) == equations
    units = table(at, 1)
    assert columns <= set(units.columns)
    data, rec = engine_run("jazz", cell=cell)
    gate = "f" if cell == "lstm" else "z"
    assert np.allclose(units[gate + "_t"].astype(float), rec.rnn.layers[0].gate(gate)[1, 0], atol=5e-5)
    at.segmented_control(key="block").set_value("o" if cell == "lstm" else "r").run()
    assert not at.exception


def test_trained_switch_trains_and_every_jazz_prediction_is_right():
    at = run_page(weights="trained")
    sequence = table(at, 0)
    assert list(sequence["prediction"]) == ["A", "Z", "Z", "end"]
    assert "learned" in texts(at)
    data, rec = engine_run("jazz", trained=True)
    assert np.allclose(sequence["probability"].astype(float), rec.head.y[:, 0].max(-1), atol=5e-5)


def test_stacked_layers_show_the_chosen_layer():
    at = run_page(layers=2, layer=2)
    assert not at.exception and len(charts(at)) == 3
    at.segmented_control(key="layer").set_value(1).run()
    assert len(at.latex) == 2                                    # layer 1 has no output equations
    assert not at.exception


@pytest.mark.parametrize("text,message", [("", "empty"), ("x" * 500, "limit"), ("\x00\x01", "cannot be shown")])
def test_bad_own_input_gives_a_message_and_no_traceback(text, message):
    at = run_page(example="own", text=text)
    assert at.error and message in at.error[0].value
    assert at.session_state.cell == "rnn"                        # settings are kept


def test_own_text_with_markup_is_shown_as_text():
    at = run_page(example="own", text="<b>hi</b>")
    sequence = table(at, 0)
    assert list(sequence["input x_t"])[:3] == ["<", "b", ">"]
    network = charts(at)[0]
    labels = " ".join(" ".join(map(str, tr.get("text") or [])) for tr in network["data"])
    assert "&lt;" in labels and "<b>" not in labels


def test_a_bad_link_setting_is_explained_and_replaced_by_its_default():
    at = page("step_through")
    at.query_params["cell"] = "banana"
    at.query_params["t"] = "2"
    at.run()
    assert not at.exception
    assert at.session_state.cell == "rnn" and at.session_state.t == 2
    assert any("banana" in w.value for w in at.warning)


def test_play_advances_one_step_per_tick_and_stops_at_the_end():
    """AppTest runs no timers: each run after the play interval has passed stands for one timer tick."""
    at = run_page(example="home")
    at = button(at, "Play").click().run()
    assert at.session_state.playing and at.session_state.t == 0 and button(at, "Pause")
    for expected in (1, 2):
        at.session_state.last_tick = 0.0                         # the interval has passed
        at.run()
        assert at.session_state.t == expected
    at.session_state.last_tick = 0.0
    at.run()                                                     # at the last step: playing stops
    assert not at.session_state.playing and at.session_state.t == 2 and button(at, "Play")
    at = button(at, "Play").click().run()                        # Play at the end starts over
    assert at.session_state.t == 0 and at.session_state.playing
    assert not at.exception
