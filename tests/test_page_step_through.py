"""The step-through page as a session runs it: the run it sends to the browser (the stepper component's data,
which AppTest sees as the element's proto), the settings and the link, trained weights, bad input.

Stepping itself happens in the browser (tests/test_browser_stepping.py); here the payload must hold every
step's numbers exactly as the engine recorded them, built independently through ``apptest.engine_run``."""

import json

import numpy as np
import pytest

from apptest import charts, engine_run, page, texts
from rnn_core.data import END
from viz.step_payload import CAP_BYTES


def run_page(**state):
    at = page("step_through", **state).run()
    assert not at.exception, at.exception
    return at


def payload(at):
    """The data the page sent to the stepper component."""
    elements = at.get("bidi_component")
    assert len(elements) == 1, "the page draws one stepper"
    return json.loads(elements[0].proto.json)


def test_defaults_send_every_step_of_jazz_with_its_targets_and_equations():
    at = run_page()
    p = payload(at)
    assert p["tokens"] == ["J", "A", "Z", "Z"] and p["shown"] == 4 and p["t"] == 0
    assert p["steps"]["target"] == ["A", "Z", "Z", "end"]
    assert p["probability"] == "P(next letter)"
    assert len(p["equations"]) == 4                                # a_t, h_t, s_t, y_t
    assert p["note"] is None
    assert "Untrained" in texts(at) and not charts(at)      # every picture is the stepper's


def test_every_steps_numbers_are_the_engines_to_the_last_bit():
    p = payload(run_page())
    data, rec = engine_run("jazz")
    layer = rec.rnn.layers[0]
    q = p["steps"]
    for t in range(4):
        assert np.array_equal(q["h"][t], layer.hidden[t, 0])
        assert np.array_equal(q["h_prev"][t], layer.hidden_prev[t, 0])
        assert np.array_equal(q["x"][t], layer.x[t, 0])
        assert np.array_equal(q["input_product"]["h"][t], layer.input_product[t, 0])
        assert np.array_equal(q["recurrent_product"]["h"][t], layer.recurrent_product[t, 0])
        assert np.array_equal(q["preactivation"]["h"][t], layer.preactivation[t, 0])
        assert np.array_equal(q["logits"][t], rec.head.logits[t, 0])
        assert np.array_equal(q["y"][t], rec.head.y[t, 0])
        assert q["loss"][t] == rec.head.step_loss[t, 0]
    assert np.max(np.abs(np.subtract(q["h"][2], q["h"][3]))) > 1e-3        # the two Zs get different states
    names = ["end" if o == END else o for o in data.output_labels]
    assert q["prediction"] == [names[k] for k in rec.head.y[:, 0].argmax(-1)]
    assert q["p"] == [float(rec.head.y[t, 0].max()) for t in range(4)]


@pytest.mark.parametrize("cell,blocks", [("lstm", ["i", "f", "g", "o"]), ("gru", ["r", "z", "n"])])
def test_gated_cells_send_every_gate_and_its_weights(cell, blocks):
    p = payload(run_page(cell=cell, t=1))
    data, rec = engine_run("jazz", cell=cell)
    layer = rec.rnn.layers[0]
    assert p["blocks"] == blocks and p["t"] == 1
    assert p["block"] == ("g" if cell == "lstm" else "n")
    assert len(p["equations"]) == len(blocks) + (2 if cell == "lstm" else 1) + 2
    from rnn_core.examples import EXAMPLES
    ex = EXAMPLES["jazz"]
    model = ex.build_model(ex.defaults.replace(cell=cell, hidden=8, layers=1, seed=0), ex.data())
    w_ih = model.rnn.params["weight_ih_l0"]
    for j, g in enumerate(blocks):
        assert np.array_equal(p["steps"]["gate"][g], layer.gate(g)[:, 0])
        assert np.array_equal(p["weights"]["ih"][g], w_ih[j * 8:(j + 1) * 8])
    if cell == "lstm":
        assert np.array_equal(p["steps"]["c"], layer.cell[:, 0])
        assert np.array_equal(p["steps"]["c_prev"], layer.cell_prev[:, 0])
        assert np.array_equal(p["steps"]["tanh_c"], layer.tanh_cell[:, 0])


def test_logits_are_not_called_z_anywhere_on_the_page():
    """GRU's update gate is z_t: the output scores are s_t in the equations and the outputs table."""
    p = payload(run_page(cell="gru"))
    assert p["logits"] == "s"
    symbols = [part for line in p["equations"] for part in line if isinstance(part, list) and part[0] == "s"]
    logit_lines = [line for line in p["equations"] if ["v", "logits", None, None] in line]
    assert len(logit_lines) == 1 and logit_lines[0][0] == ["s", "s", "t"]
    assert ["s", "z", "t"] in symbols                           # z_t is the update gate, and only that


def test_a_deep_link_opens_on_its_step_and_a_bad_one_is_explained():
    at = page("step_through")
    at.query_params["t"] = "3"
    at.run()
    assert payload(at)["t"] == 3
    at = page("step_through")
    at.query_params["cell"] = "banana"
    at.query_params["t"] = "2"
    at.run()
    assert not at.exception
    assert at.session_state.cell == "rnn" and payload(at)["t"] == 2
    assert any("banana" in w.value for w in at.warning)


def test_plays_pace_comes_from_the_link_and_only_a_pace_play_offers():
    at = page("step_through")
    at.query_params["pace"] = "0.5"
    at.run()
    assert payload(at)["pace"] == 0.5 and 0.5 in payload(at)["paces"]
    at = page("step_through")
    at.query_params["pace"] = "0.01"
    at.run()
    assert payload(at)["pace"] == 1.5 and any("pace" in w.value for w in at.warning)


def test_a_step_past_the_end_is_the_last_step():
    assert payload(run_page(example="home", t=9))["t"] == 2


@pytest.mark.parametrize("key,length", [("kennedy", 8), ("home", 3), ("namaskar", 7)])
def test_each_example(key, length):
    p = payload(run_page(example=key))
    assert p["shown"] == length == len(p["tokens"])


def test_kennedy_shows_both_sentences_and_what_the_trained_network_says_for_each_word():
    at = run_page(example="kennedy", weights="trained")
    p = payload(at)
    assert p["tokens"][4:6] == ["America", "Kennedy"]
    assert p["probability"] == "P(name)"                       # "not a name, 0.0003" reads as P(name)
    assert p["steps"]["prediction"] == p["steps"]["target"]     # trained: every word right
    data, rec = engine_run("kennedy", trained=True)
    assert np.array_equal(p["steps"]["p"], rec.head.y[:8, 0, 0])
    at.segmented_control(key="seq").set_value(1).run()
    second = payload(at)
    assert second["tokens"] == ["Kennedy", "stands"]
    assert second["steps"]["prediction"] == ["name", "not a name"]
    assert np.array_equal(second["steps"]["h"], rec.rnn.layers[0].hidden[:2, 1])


def test_trained_switch_trains_and_every_jazz_prediction_is_right():
    at = run_page(weights="trained")
    assert payload(at)["steps"]["prediction"] == ["A", "Z", "Z", "end"]
    assert "learned" in texts(at)


def test_stacked_layers_send_the_chosen_layer():
    at = run_page(layers=2, layer=2)
    p = payload(at)
    data, rec = engine_run("jazz", layers=2)
    assert p["top"] and p["layer"] == 2
    assert np.array_equal(p["steps"]["h"], rec.rnn.layers[1].hidden[:, 0])
    at.segmented_control(key="layer").set_value(1).run()
    p = payload(at)
    assert not p["top"] and len(p["equations"]) == 2            # layer 1 has no output equations
    assert p["input_labels"] == ["J", "A", "Z", "end"]
    assert np.array_equal(p["steps"]["h"], rec.rnn.layers[0].hidden[:, 0])


@pytest.mark.parametrize("text,message", [("", "empty"), ("x" * 500, "limit"), ("\x00\x01", "cannot be shown")])
def test_bad_own_input_gives_a_message_and_no_traceback(text, message):
    at = run_page(example="own", text=text)
    assert at.error and message in at.error[0].value
    assert at.session_state.cell == "rnn"                        # settings are kept


@pytest.mark.parametrize("text", ["#a*b-c+d>e", "<b>x</b>"])
def test_own_text_is_sent_exactly_as_typed(text):
    """The browser writes these with textContent: no markdown, no HTML, nothing escaped or dropped."""
    p = payload(run_page(example="own", text=text))
    assert "".join(p["tokens"]) == text                          # one step per typed character
    assert p["steps"]["target"] == list(text[1:]) + ["end"]
    assert set(text) <= set(p["input_labels"]) | {"end"}


def test_long_own_text_with_a_big_network_is_capped_with_a_message():
    at = run_page(example="own", text="quick brown fox jumps over the lazy dogs", cell="lstm", hidden=32)
    p = payload(at)
    assert len("quick brown fox jumps over the lazy dogs") == 40         # the box's limit
    assert p["shown"] < p["T"] == 40 and len(p["tokens"]) == p["shown"]
    assert "first" in p["note"] and "kB" in p["note"]
    assert len(at.get("bidi_component")[0].proto.json.encode()) <= CAP_BYTES
