"""The step views' payloads hold every step's recorded numbers exactly (after the JSON trip to the browser)."""

import json

import numpy as np
import pytest

from rnn_core.examples import EXAMPLES
from viz.gates import value_range
from viz.step_views import gate_steps, unrolled_steps


def built(key="kennedy", cell="rnn", hidden=5, layers=1):
    ex = EXAMPLES[key]
    data = ex.data()
    model = ex.build_model(ex.defaults.replace(cell=cell, hidden=hidden, layers=layers, seed=1), data)
    rec = data.run(model)
    model.backward(rec)
    return data, rec


def sent(payload):
    return json.loads(json.dumps(payload))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_unrolled_steps_are_the_records_states_gradients_and_losses(cell):
    data, rec = built(cell=cell, layers=2)
    for b in (0, 1):                                          # Kennedy's two sentences: 8 and 2 words
        T = int(data.lengths[b])
        p = sent(unrolled_steps(rec, b))
        assert len(p["layers"]) == 2 and len(p["loss"]) == T
        assert np.array_equal(p["loss"], rec.head.step_loss[:T, b])
        for got, layer in zip(p["layers"], rec.rnn.layers, strict=True):
            assert np.array_equal(got["h_prev"], layer.hidden_prev[:T, b])
            assert np.array_equal(got["h"], layer.hidden[:T, b])
            assert np.array_equal(got["d_h"], layer.d_hidden[:T, b])
            assert ("c" in got) == (cell == "lstm")
            if cell == "lstm":
                assert np.array_equal(got["c_prev"], layer.cell_prev[:T, b])
                assert np.array_equal(got["c"], layer.cell[:T, b])
                assert np.array_equal(got["d_c"], layer.d_cell[:T, b])


@pytest.mark.parametrize("cell, names", [("lstm", "ifgoch"), ("gru", "rznh")])
def test_the_gate_steps_are_the_records_gates_cell_and_state_with_the_heatmaps_ranges(cell, names):
    data, rec = built("jazz", cell)
    layer = rec.rnn.layers[0]
    blocks = {n: layer.gate(n)[:, 0] for n in names if n not in "ch"}
    if cell == "lstm":
        blocks["c"] = layer.cell[:, 0]
    blocks["h"] = layer.hidden[:, 0]
    p = sent(gate_steps(blocks))
    assert [b["name"] for b in p["blocks"]] == list(names)
    for got in p["blocks"]:
        assert np.array_equal(got["values"], blocks[got["name"]])
        assert got["range"] == list(value_range(got["name"], blocks[got["name"]]))
    kinds = {b["name"]: b["kind"] for b in p["blocks"]}
    assert kinds["h"] == "signed" and kinds[names[0]] == "gate"
    assert (kinds.get("c") == "cell") == (cell == "lstm")
