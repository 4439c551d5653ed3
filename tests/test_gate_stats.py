"""Gate saturation: shares near 0 and near 1, checked on arrays small enough to count by hand."""

import math

import numpy as np
import pytest

import rnn_core
from rnn_core.gate_stats import layer_saturation, saturation


def test_shares_counted_by_hand():
    # 2 steps, 1 sequence, 4 units: 8 values; 3 below 0.1, 2 above 0.9, 3 in between
    f = np.array([[[0.01, 0.05, 0.5, 0.95]],
                  [[0.0, 0.3, 0.99, 0.7]]])
    out = saturation({"f": f})["f"]
    assert out["low"] == 3 / 8
    assert out["high"] == 2 / 8
    assert out["saturated"] == 5 / 8
    assert out["count"] == 8


def test_thresholds_are_strict_and_can_be_moved():
    v = np.array([[[0.1, 0.9, 0.2, 0.8]]])
    assert saturation({"i": v})["i"]["saturated"] == 0          # exactly on a threshold is not beyond it
    moved = saturation({"i": v}, low=0.25, high=0.75)["i"]
    assert (moved["low"], moved["high"]) == (0.5, 0.5)


def test_each_gate_counted_separately():
    ones = np.ones((3, 2, 2))
    zeros = np.zeros((3, 2, 2))
    half = np.full((3, 2, 2), 0.5)
    out = saturation({"f": ones, "i": zeros, "o": half})
    assert (out["f"]["low"], out["f"]["high"]) == (0.0, 1.0)
    assert (out["i"]["low"], out["i"]["high"]) == (1.0, 0.0)
    assert out["o"]["saturated"] == 0.0


def test_mask_leaves_padding_out():
    # sequence 0 has 2 real steps, sequence 1 only 1; the padded step holds zeros that must not count
    z = np.array([[[0.95, 0.5], [0.95, 0.95]],
                  [[0.5, 0.5], [0.0, 0.0]]])
    mask = np.array([[True, True], [True, False]])
    out = saturation({"z": z}, mask=mask)["z"]
    assert out["count"] == 6
    assert out["high"] == 3 / 6
    assert out["low"] == 0.0
    assert saturation({"z": z})["z"]["low"] == 2 / 8      # without the mask the padding would count


def test_signed_candidate_uses_its_own_range():
    g = np.array([[[-0.95, -0.5, 0.0, 0.5, 0.85, 0.99]]])
    out = saturation({"g": g}, signed=("g",))["g"]
    assert (out["below"], out["above"]) == pytest.approx((-0.8, 0.8))
    assert out["low"] == 1 / 6 and out["high"] == 2 / 6
    unsigned = saturation({"g": g})["g"]                   # read as a 0..1 gate it would be wrong
    assert unsigned["low"] == 3 / 6                        # -0.95, -0.5 and 0.0 all below 0.1


def test_nothing_counted_gives_nan_and_bad_arguments_are_refused():
    out = saturation({"f": np.ones((2, 1, 3))}, mask=np.zeros((2, 1), bool))["f"]
    assert out["count"] == 0 and math.isnan(out["low"]) and math.isnan(out["high"])
    with pytest.raises(ValueError):
        saturation({"f": np.ones((2, 1, 3))}, low=0.9, high=0.1)
    with pytest.raises(ValueError):
        saturation({"f": np.ones((2, 1, 3))}, mask=np.ones((3, 1), bool))


def test_lstm_with_forget_bias_pushed_up_is_saturated_open():
    lstm = rnn_core.Recurrent("lstm", input_size=3, hidden_size=4, seed=0)
    lstm.parameters()["bias_ih_l0"][4:8] = 20.0             # the f block (order i, f, g, o): f ≈ 1 everywhere
    rec = lstm.forward(np.eye(3)[[0, 1, 2, 2]][:, None, :])
    out = layer_saturation(rec.layers[0], rec.mask)
    assert set(out) == {"i", "f", "g", "o"}
    assert out["f"]["high"] == 1.0
    assert out["g"]["below"] == pytest.approx(-0.8)           # the candidate is counted on -1..1


def test_gru_gates_and_rnn_refused():
    x = np.eye(3)[[0, 1]][:, None, :]
    gru = rnn_core.Recurrent("gru", input_size=3, hidden_size=2, seed=1).forward(x)
    assert set(layer_saturation(gru.layers[0])) == {"r", "z", "n"}
    rnn = rnn_core.Recurrent("rnn", input_size=3, hidden_size=2, seed=1).forward(x)
    with pytest.raises(ValueError, match="no gates"):
        layer_saturation(rnn.layers[0])
