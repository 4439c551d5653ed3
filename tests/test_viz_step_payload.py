"""The stepper's payload holds every step's recorded numbers exactly, labels as typed, and stays under its cap."""

import json

import numpy as np
import pytest

from rnn_core.examples import EXAMPLES, own_example
from viz.step_payload import size, step_payload


def built(ex, cell="rnn", hidden=5, layers=1):
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell=cell, hidden=hidden, layers=layers, seed=1), data)
    return data, model, data.run(model)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_quantity_of_every_step_is_the_records_after_a_json_round_trip(cell):
    data, model, rec = built(EXAMPLES["kennedy"], cell)
    p = json.loads(json.dumps(step_payload(data, model, rec, b=0)))
    layer, q = rec.rnn.layers[0], p["steps"]
    assert p["shown"] == p["T"] == 8
    for name, recorded in (("x", layer.x), ("h_prev", layer.hidden_prev), ("h", layer.hidden)):
        assert np.array_equal(q[name], recorded[:, 0])
    H = 5
    for j, g in enumerate(p["blocks"]):
        for quantity in ("input_product", "recurrent_product", "preactivation"):
            assert np.array_equal(q[quantity][g], getattr(layer, quantity)[:, 0, j * H:(j + 1) * H])
        gate = layer.hidden if cell == "rnn" else layer.gates[..., j * H:(j + 1) * H]
        assert np.array_equal(q["gate"][g], gate[:, 0])
        assert np.array_equal(p["weights"]["hh"][g], model.rnn.params["weight_hh_l0"][j * H:(j + 1) * H])
        assert np.array_equal(p["weights"]["b_ih"][g], model.rnn.params["bias_ih_l0"][j * H:(j + 1) * H])
    assert np.array_equal(p["weights"]["hy"], model.head.params["weight"])
    assert np.array_equal(q["y"], rec.head.y[:, 0]) and np.array_equal(q["loss"], rec.head.step_loss[:, 0])
    # Kennedy's labels: 1 for America and Kennedy; a sigmoid's prediction is "name" above 0.5
    assert q["target"] == ["not a name"] * 4 + ["name", "name", "not a name", "not a name"]
    assert q["prediction"] == ["name" if y > 0.5 else "not a name" for y in rec.head.y[:, 0, 0]]


def test_the_second_sentence_stops_at_its_length():
    data, model, rec = built(EXAMPLES["kennedy"])
    p = step_payload(data, model, rec, b=1)
    assert p["tokens"] == ["Kennedy", "stands"] and len(p["steps"]["h"]) == 2
    assert np.array_equal(p["steps"]["h"], rec.rnn.layers[0].hidden[:2, 1])


def test_a_lower_layer_has_no_outputs_and_numbered_inputs_above_the_first():
    data, model, rec = built(EXAMPLES["jazz"], layers=2)
    low, high = step_payload(data, model, rec, layer=0), step_payload(data, model, rec, layer=1)
    assert not low["top"] and "y" not in low["steps"] and low["input_labels"] == ["J", "A", "Z", "end"]
    assert high["top"] and high["input_labels"] == [f"x{j}" for j in range(1, 6)]
    assert np.array_equal(high["steps"]["x"], rec.rnn.layers[0].hidden[:, 0])     # layer 2 reads h of layer 1


def test_the_pictures_scales_are_the_largest_values_drawn():
    data, model, rec = built(EXAMPLES["jazz"], "lstm")
    p = step_payload(data, model, rec)
    H = 5
    w_ih = model.rnn.params["weight_ih_l0"][3 * H:]
    w_hh = model.rnn.params["weight_hh_l0"][3 * H:]
    assert p["scales"]["arrows"]["o"] == max(np.abs(w_ih).max(), np.abs(w_hh).max(),
                                             np.abs(model.head.params["weight"]).max())


@pytest.mark.parametrize("text", ["#a*b-c+d>e", "<b>x</b>", "a  b"])
def test_typed_characters_are_kept_exactly(text):
    data, model, rec = built(own_example("text", text))
    p = step_payload(data, model, rec)
    assert p["tokens"] == list(text)
    assert p["input_labels"] == list(dict.fromkeys(text)) + ["end"]


def test_a_run_too_big_to_send_steps_through_its_first_steps_and_says_so():
    data, model, rec = built(own_example("text", "quick brown fox jumps over the lazy dogs"), "lstm", hidden=32)
    whole = step_payload(data, model, rec, cap=10 ** 9)
    capped = step_payload(data, model, rec, t=39, cap=300_000)
    assert size(whole) > 300_000 >= size(capped)
    n = capped["shown"]
    assert 1 <= n < 40 and capped["T"] == 40 and capped["t"] == n - 1
    assert len(capped["tokens"]) == len(capped["steps"]["gate"]["f"]) == len(capped["steps"]["p"]) == n
    assert capped["steps"]["h"] == whole["steps"]["h"][:n]
    assert f"first {n}" in capped["note"] and whole["note"] is None
