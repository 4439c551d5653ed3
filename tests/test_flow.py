"""The gradient carried along each edge of the unrolled graph (rnn_core.flow)."""

import numpy as np
import pytest

from rnn_core import SequenceModel
from rnn_core.flow import gradient_flow

T, B, D, H, O = 5, 2, 3, 4, 3


def _run(kind, layers=1, lengths=None, seed=1):
    rng = np.random.default_rng(seed)
    model = SequenceModel(kind, D, H, O, num_layers=layers, seed=seed)
    x = rng.normal(size=(T, B, D))
    target = rng.integers(0, O, size=(T, B))
    rec = model.forward(x, lengths=lengths)
    model.loss(rec, target)
    model.backward(rec)
    return model, x, target, rec


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_edge_carries_the_gradient_of_the_later_steps_loss(kind):
    """δ_next at step t is ∂/∂h_t of the loss of steps t+1 … T−1 alone: run those steps from h_t as the
    initial state and let the engine's own ∂L/∂h0 give it (scaled from their mean to the whole mean)."""
    model, x, target, rec = _run(kind)
    flow = gradient_flow(rec)
    layer = rec.rnn.layers[0]
    for t in range(T - 1):
        h0 = layer.hidden[t][None]
        start = (h0, layer.cell[t][None]) if kind == "lstm" else h0
        sub = model.forward(x[t + 1:], h0=start)
        model.loss(sub, target[t + 1:])
        model.backward(sub)
        wanted = np.linalg.norm(sub.rnn.d_h0[0] * (T - t - 1) / T, axis=-1)        # (B,)
        np.testing.assert_allclose(flow.from_next[0, t], wanted, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(flow.from_next[0, T - 1], 0.0, atol=1e-15)       # nothing after the last step


def test_rnn_recurrent_edge_is_w_hh_transposed_times_the_next_steps_gradient():
    model, _, _, rec = _run("rnn")
    layer = rec.rnn.layers[0]
    W_hh = model.rnn.params["weight_hh_l0"]
    flow = gradient_flow(rec)
    for t in range(T - 1):
        np.testing.assert_allclose(flow.from_next[0, t], np.linalg.norm(layer.d_preactivation[t + 1] @ W_hh, axis=-1),
                                   rtol=1e-12)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_from_above_is_the_output_for_the_top_layer_and_the_next_layers_input_gradient_below(kind):
    model, _, _, rec = _run(kind, layers=2)
    flow = gradient_flow(rec)
    W = model.head.params["weight"]
    np.testing.assert_allclose(flow.from_above[1], np.linalg.norm(rec.head.d_logits @ W, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(flow.from_above[0], np.linalg.norm(rec.rnn.layers[1].d_x, axis=-1), rtol=1e-12)
    for l, layer in enumerate(rec.rnn.layers):
        np.testing.assert_allclose(flow.total[l], np.linalg.norm(layer.d_hidden, axis=-1))
    np.testing.assert_allclose(flow.into_input, np.linalg.norm(rec.rnn.d_input, axis=-1))
    np.testing.assert_allclose(flow.into_initial, np.linalg.norm(rec.rnn.d_h0, axis=-1))
    np.testing.assert_allclose(flow.into_output, np.linalg.norm(rec.head.d_logits, axis=-1))
    assert (flow.cell is not None) == (kind == "lstm")
    # the two parts are at most as large as the whole would allow: ‖a + b‖ ≤ ‖a‖ + ‖b‖
    assert np.all(flow.total <= flow.from_above + flow.from_next + 1e-12)


def test_short_sequence_gets_nothing_past_its_end_and_nothing_from_beyond_it():
    _, _, _, rec = _run("gru", lengths=np.array([T, 2]))
    flow = gradient_flow(rec)
    np.testing.assert_allclose(flow.from_above[0, 2:, 1], 0.0, atol=1e-15)
    np.testing.assert_allclose(flow.from_next[0, 1, 1], 0.0, atol=1e-15)      # its last real step
    assert flow.from_next[0, 0, 1] > 0


def test_forward_only_record_is_refused_with_a_reason():
    model = SequenceModel("rnn", D, H, O, seed=0)
    rec = model.forward(np.zeros((T, 1, D)))
    with pytest.raises(ValueError, match="backward"):
        gradient_flow(rec)
