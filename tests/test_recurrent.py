"""The recurrent stack: exact gradients, packed-sequence meaning, known closed forms, the record."""

import numpy as np
import pytest

from gradcheck import assert_grads_match, numerical_grad, rel_error
from rnn_core import GATE_NAMES, Recurrent

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid"), ("lstm", "tanh"), ("gru", "tanh")]


def make_case(kind, act="tanh", L=1, T=5, B=3, D=3, H=3, seed=0, lengths=None, with_h0=False):
    """A model, an input, a fixed random weighting of the outputs and of the final state."""
    model = Recurrent(kind, D, H, L, act, seed=seed)
    rng = np.random.default_rng(seed + 100)
    x = rng.normal(size=(T, B, D))
    w_out, w_hn = rng.normal(size=(T, B, H)), rng.normal(size=(L, B, H))
    h0 = None
    if with_h0:
        h0 = rng.normal(size=(L, B, H)) * 0.5
        if kind == "lstm":
            h0 = (h0, rng.normal(size=(L, B, H)) * 0.5)
    return model, x, w_out, w_hn, h0, lengths


def scalar_loss(model, x, w_out, w_hn, h0, lengths, truncate=None):
    """L = Σ w_out ⊙ output + Σ w_hn ⊙ h_n: exercises both ways a gradient enters the stack."""
    rec = model.forward(x, h0, lengths)
    return float((rec.output * w_out).sum() + (rec.h_n * w_hn).sum())


@pytest.mark.parametrize("kind,act", CELLS)
@pytest.mark.parametrize("L", [1, 2, 3])
def test_gradients_match_finite_differences(kind, act, L):
    model, x, w_out, w_hn, h0, lengths = make_case(kind, act, L)
    rec = model.forward(x)
    grads = model.backward(rec, w_out, d_h_n=w_hn)
    grads["input"] = rec.d_input
    arrays = dict(model.params, input=x)
    assert_grads_match(lambda: scalar_loss(model, x, w_out, w_hn, None, None), arrays, grads)


@pytest.mark.parametrize("kind,act", CELLS)
def test_gradients_with_uneven_lengths_and_initial_state(kind, act):
    lengths = np.array([5, 2, 4])
    model, x, w_out, w_hn, h0, lengths = make_case(kind, act, L=2, lengths=lengths, with_h0=True)
    rec = model.forward(x, h0, lengths)
    d_c_n = None
    grads = model.backward(rec, w_out, d_h_n=w_hn, d_c_n=d_c_n)
    grads["input"], grads["h0"] = rec.d_input, rec.d_h0
    h0_arr = h0[0] if kind == "lstm" else h0
    arrays = dict(model.params, input=x, h0=h0_arr)
    if kind == "lstm":
        grads["c0"], arrays["c0"] = rec.d_c0, h0[1]
    assert_grads_match(lambda: scalar_loss(model, x, w_out, w_hn, h0, lengths), arrays, grads)


def test_lstm_gradient_through_final_cell_state():
    model, x, w_out, w_hn, h0, _ = make_case("lstm", L=2, with_h0=True)
    w_cn = np.random.default_rng(5).normal(size=w_hn.shape)

    def f():
        rec = model.forward(x, h0)
        return float((rec.output * w_out).sum() + (rec.h_n * w_hn).sum() + (rec.c_n * w_cn).sum())

    rec = model.forward(x, h0)
    grads = model.backward(rec, w_out, d_h_n=w_hn, d_c_n=w_cn)
    assert_grads_match(f, model.params, grads)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_float32_gradients_agree_with_float64(kind):
    m64 = Recurrent(kind, 3, 4, 2, seed=3)
    m32 = Recurrent(kind, 3, 4, 2, seed=3, dtype=np.float32)
    x = np.random.default_rng(0).normal(size=(6, 2, 3))
    d = np.random.default_rng(1).normal(size=(6, 2, 4))
    r64, r32 = m64.forward(x), m32.forward(x)
    g64, g32 = m64.backward(r64, d), m32.backward(r32, d)
    assert r32.output.dtype == np.float32 and g32["weight_hh_l1"].dtype == np.float32
    np.testing.assert_allclose(r32.output, r64.output, atol=1e-5)
    for name in g64:
        np.testing.assert_allclose(g32[name], g64[name], atol=1e-4, rtol=1e-3)


# ---------------------------------------------------------------- truncated BPTT
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_truncated_bptt_is_the_gradient_with_states_held_at_window_starts(kind, k):
    """Definition: cut the sequence into windows of k steps; at each window's start the state is a
    constant (its value from the full forward pass). The truncated gradient is the exact gradient of
    the sum of the windows' losses under that rule."""
    T, L = 7, 2
    model, x, w_out, w_hn, _, _ = make_case(kind, L=L, T=T)
    full = model.forward(x)
    starts = range(0, T, k)
    # the states at every window start, frozen from the unperturbed pass
    frozen = {}
    for s in starts:
        h = np.stack([layer.states[s] for layer in full.layers])
        frozen[s] = (h, np.stack([layer.cell_states[s] for layer in full.layers])) if kind == "lstm" else h

    def windowed_loss():
        total = 0.0
        for s in starts:
            rec = model.forward(x[s:s + k], frozen[s])
            total += (rec.output * w_out[s:s + k]).sum()
        return float(total)

    grads = model.backward(model.forward(x), w_out, truncate=k)
    assert_grads_match(windowed_loss, model.params, grads)


def test_truncation_longer_than_the_sequence_is_full_bptt():
    model, x, w_out, *_ = make_case("gru", L=2)
    full = model.backward(model.forward(x), w_out)
    cut = model.backward(model.forward(x), w_out, truncate=50)
    for name in full:
        np.testing.assert_array_equal(full[name], cut[name])


def test_truncation_stops_gradient_reaching_early_steps():
    model, x, _, _, _, _ = make_case("rnn", T=6)
    d = np.zeros((6, 3, 3))
    d[-1] = 1.0                                     # only the last output matters
    rec = model.forward(x)
    model.backward(rec, d, truncate=2)
    assert np.all(rec.d_input[:4] == 0) and np.any(rec.d_input[4:] != 0)


# ---------------------------------------------------------------- packed-sequence meaning
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_lengths_act_like_running_each_sequence_alone(kind):
    model = Recurrent(kind, 4, 5, 2, seed=1)
    x = np.random.default_rng(2).normal(size=(8, 2, 4))
    rec = model.forward(x, lengths=np.array([8, 2]))
    alone = model.forward(x[:2, 1:2])
    np.testing.assert_allclose(rec.output[:2, 1], alone.output[:, 0], rtol=0, atol=1e-14)
    assert np.all(rec.output[2:, 1] == 0), "outputs past a sequence's end are zero"
    np.testing.assert_allclose(rec.h_n[:, 1], alone.h_n[:, 0], atol=1e-14)
    if kind == "lstm":
        np.testing.assert_allclose(rec.c_n[:, 1], alone.c_n[:, 0], atol=1e-14)
    np.testing.assert_allclose(rec.output[:, 0], model.forward(x[:, :1]).output[:, 0], atol=1e-14)


def test_padding_steps_record_nothing():
    model = Recurrent("lstm", 3, 4, seed=0)
    rec = model.forward(np.ones((5, 2, 3)), lengths=np.array([5, 3]))
    layer = rec.layers[0]
    for arr in (layer.gates, layer.input_product, layer.recurrent_product, layer.preactivation):
        assert np.all(arr[3:, 1] == 0)
    assert rec.mask.tolist() == [[True, True]] * 3 + [[True, False]] * 2


# ---------------------------------------------------------------- known closed forms
def test_one_unit_linear_rnn_has_a_closed_form():
    """ReLU on a positive orbit is linear: h_t = w h_{t-1} + u x_t + b, so
    h_{T-1} = w^T h_{-1} + Σ_t w^{T-1-t} (u x_t + b)."""
    w, u, b_ih, b_hh, h_init = 0.9, 0.5, 0.1, 0.2, 0.3
    model = Recurrent("rnn", 1, 1, nonlinearity="relu")
    model.load_state_dict({"weight_ih_l0": [[u]], "weight_hh_l0": [[w]], "bias_ih_l0": [b_ih], "bias_hh_l0": [b_hh]})
    x = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 2.5])
    T = len(x)
    rec = model.forward(x.reshape(T, 1, 1), h0=np.full((1, 1, 1), h_init))
    expected = w ** T * h_init + sum(w ** (T - 1 - t) * (u * x[t] + b_ih + b_hh) for t in range(T))
    assert rec.h_n[0, 0, 0] == pytest.approx(expected, rel=1e-14)
    # and its Jacobian ∂h_t/∂h_s is w^(t-s)
    norms = model.jacobian_norms(rec)[:, :, 0]
    for t in range(T):
        for s in range(t + 1):
            assert norms[t, s] == pytest.approx(w ** (t - s), rel=1e-12)


def test_lstm_with_forget_gate_one_and_input_gate_zero_keeps_its_cell():
    H, D = 3, 2
    model = Recurrent("lstm", D, H, seed=0)
    state = model.state_dict()
    for name in ("weight_ih_l0", "weight_hh_l0"):
        state[name][:2 * H] = 0.0                  # i and f ignore x and h
    state["bias_ih_l0"][:H], state["bias_hh_l0"][:H] = -400.0, 0.0       # i = σ(-400) = 0
    state["bias_ih_l0"][H:2 * H], state["bias_hh_l0"][H:2 * H] = 400.0, 0.0  # f = σ(400) = 1
    model.load_state_dict(state)
    c0 = np.array([[[0.7, -1.3, 2.0]]])
    rec = model.forward(np.random.default_rng(0).normal(size=(20, 1, D)), h0=(np.zeros((1, 1, H)), c0))
    np.testing.assert_array_equal(rec.layers[0].cell, np.broadcast_to(c0[0], (20, 1, H)))
    np.testing.assert_array_equal(rec.layers[0].gate("f"), 1.0)
    assert rec.layers[0].gate("i").max() < 1e-150


def test_gru_with_update_gate_one_keeps_its_state():
    H = 4
    model = Recurrent("gru", 2, H, seed=0)
    state = model.state_dict()
    state["weight_ih_l0"][H:2 * H] = state["weight_hh_l0"][H:2 * H] = 0.0
    state["bias_ih_l0"][H:2 * H], state["bias_hh_l0"][H:2 * H] = 400.0, 0.0   # z = 1: h_t = h_{t-1}
    model.load_state_dict(state)
    h0 = np.array([[[0.1, -0.2, 0.3, 0.9]]])
    rec = model.forward(np.random.default_rng(0).normal(size=(10, 1, 2)), h0=h0)
    np.testing.assert_array_equal(rec.output, np.broadcast_to(h0[0], (10, 1, H)))


def test_equations_hold_on_the_recorded_numbers():
    """What the step-through page shows must satisfy the equations it prints."""
    model = Recurrent("lstm", 3, 4, seed=7)
    W_ih, W_hh = model.params["weight_ih_l0"], model.params["weight_hh_l0"]
    b_ih, b_hh = model.params["bias_ih_l0"], model.params["bias_hh_l0"]
    rec = model.forward(np.random.default_rng(1).normal(size=(4, 2, 3)))
    layer = rec.layers[0]
    for t in range(4):
        x, h_prev = layer.x[t], layer.hidden_prev[t]
        np.testing.assert_allclose(layer.input_product[t], x @ W_ih.T + b_ih, atol=1e-15)
        np.testing.assert_allclose(layer.recurrent_product[t], h_prev @ W_hh.T + b_hh, atol=1e-15)
        a = layer.preactivation[t]
        i, f, g, o = (1 / (1 + np.exp(-a[:, :4])), 1 / (1 + np.exp(-a[:, 4:8])), np.tanh(a[:, 8:12]),
                      1 / (1 + np.exp(-a[:, 12:])))
        c = f * layer.cell_prev[t] + i * g
        np.testing.assert_allclose(layer.cell[t], c, atol=1e-15)
        np.testing.assert_allclose(layer.hidden[t], o * np.tanh(c), atol=1e-15)


def test_initialisation_is_pytorch_uniform_and_seeded():
    a, b = Recurrent("gru", 5, 16, 2, seed=11), Recurrent("gru", 5, 16, 2, seed=11)
    for name, w in a.params.items():
        np.testing.assert_array_equal(w, b.params[name])
        assert np.abs(w).max() <= 1 / 4                  # 1/√16
    assert not np.array_equal(a.params["weight_hh_l0"], Recurrent("gru", 5, 16, 2, seed=12).params["weight_hh_l0"])
    scaled = Recurrent("gru", 5, 16, 2, seed=11, recurrent_scale=3.0)
    np.testing.assert_allclose(scaled.params["weight_hh_l1"], 3 * a.params["weight_hh_l1"])
    np.testing.assert_array_equal(scaled.params["weight_ih_l1"], a.params["weight_ih_l1"])


def test_pytorch_names_and_shapes():
    model = Recurrent("lstm", 7, 5, 2)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    assert shapes == {"weight_ih_l0": (20, 7), "weight_hh_l0": (20, 5), "bias_ih_l0": (20,), "bias_hh_l0": (20,),
                      "weight_ih_l1": (20, 5), "weight_hh_l1": (20, 5), "bias_ih_l1": (20,), "bias_hh_l1": (20,)}


def test_load_state_dict_refuses_what_does_not_fit_and_changes_nothing():
    model = Recurrent("gru", 3, 4)
    before = model.state_dict()
    bad = model.state_dict()
    bad["weight_hh_l0"] = np.zeros((4, 4))
    with pytest.raises(ValueError, match="weight_hh_l0 has shape"):
        model.load_state_dict(bad)
    bad = model.state_dict()
    bad["bias_ih_l0"][0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        model.load_state_dict(bad)
    with pytest.raises(ValueError, match="missing"):
        model.load_state_dict({"weight_ih_l0": before["weight_ih_l0"]})
    for name, w in model.params.items():
        np.testing.assert_array_equal(w, before[name])


@pytest.mark.parametrize("bad,message", [
    (dict(x=np.ones((4, 2))), "shape"),
    (dict(x=np.ones((4, 2, 5))), "shape"),
    (dict(x=np.full((4, 2, 3), np.nan)), "NaN"),
    (dict(lengths=np.array([5, 1])), "from 1 to T"),
    (dict(lengths=np.array([0, 1])), "from 1 to T"),
    (dict(lengths=np.array([1.5, 2.0])), "whole numbers"),
    (dict(h0=np.zeros((1, 3, 4))), "h0 must have shape"),
])
def test_bad_inputs_get_clear_messages(bad, message):
    model = Recurrent("rnn", 3, 4)
    args = dict(x=np.ones((4, 2, 3)), h0=None, lengths=None) | bad
    with pytest.raises(ValueError, match=message):
        model.forward(**args)


def test_bad_gradient_shapes_are_refused():
    model = Recurrent("lstm", 3, 4, 2)
    rec = model.forward(np.ones((5, 2, 3)))
    with pytest.raises(ValueError, match="d_output must have shape"):
        model.backward(rec, np.ones((5, 2, 3)))
    with pytest.raises(ValueError, match="d_c_n must have shape"):
        model.backward(rec, np.ones((5, 2, 4)), d_c_n=np.ones((2, 4)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="kind"):
        Recurrent("transformer", 3, 4)
    with pytest.raises(ValueError, match="num_layers"):
        Recurrent("rnn", 3, 4, num_layers=5)
    with pytest.raises(ValueError, match="nonlinearity"):
        Recurrent("rnn", 3, 4, nonlinearity="softsign")


# ---------------------------------------------------------------- recording and inspection
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recording_off_computes_the_same_numbers(kind):
    model = Recurrent(kind, 3, 4, 2, seed=2)
    x = np.random.default_rng(0).normal(size=(6, 3, 3))
    d = np.random.default_rng(1).normal(size=(6, 3, 4))
    lengths = np.array([6, 4, 1])
    on, off = model.forward(x, lengths=lengths), model.forward(x, lengths=lengths, record=False)
    g_on, g_off = model.backward(on, d), model.backward(off, d)
    np.testing.assert_array_equal(on.output, off.output)
    for name in g_on:
        np.testing.assert_array_equal(g_on[name], g_off[name])
    assert off.layers[0].preactivation is None and off.layers[0].d_hidden is None
    with pytest.raises(ValueError, match="record=True"):
        off.to_columns()


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_per_step_weight_gradients_add_up_to_the_gradient(kind):
    model = Recurrent(kind, 3, 4, 2, seed=2)
    x = np.random.default_rng(0).normal(size=(5, 2, 3))
    rec = model.forward(x, lengths=np.array([5, 3]))
    grads = model.backward(rec, np.random.default_rng(1).normal(size=(5, 2, 4)))
    for layer in range(2):
        shares = model.weight_grad_by_step(rec, layer)
        for name, share in shares.items():
            np.testing.assert_allclose(share.sum(axis=0), grads[f"{name}_l{layer}"], atol=1e-13)
        assert np.all(shares["weight_hh"][3:] != 0)        # sequence 0 still runs at steps 3, 4


def test_recorded_gradient_of_hidden_state_matches_finite_differences():
    """d_hidden[t] is the total ∂L/∂h_t: perturb h_t by restarting the pass from step t+1."""
    model, x, w_out, *_ = make_case("gru", T=5, B=2)
    rec = model.forward(x)
    model.backward(rec, w_out)
    t = 2
    h_t = rec.layers[0].hidden[t].copy()[None]

    def loss_from_t():
        rest = model.forward(x[t + 1:], h_t)
        return float((rest.output * w_out[t + 1:]).sum() + (h_t[0] * w_out[t]).sum())

    np.testing.assert_allclose(rec.layers[0].d_hidden[t], numerical_grad(loss_from_t, h_t)[0], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_jacobian_norms_match_finite_differences(kind):
    H, T = 3, 5
    model = Recurrent(kind, 2, H, seed=4, recurrent_scale=2.0)
    x = np.random.default_rng(0).normal(size=(T, 1, 2))
    rec = model.forward(x)
    norms = model.jacobian_norms(rec)
    layer = rec.layers[0]

    def state_at(t, s, h_s):
        """h_t when the pass restarts at step s + 1 from state h_s (c_s held for LSTM)."""
        h0 = (h_s, layer.cell[s][None]) if kind == "lstm" else h_s
        return model.forward(x[s + 1:t + 1], h0).h_n[0, 0]

    for s in range(T - 1):
        for t in range(s + 1, T):
            h_s = layer.hidden[s].copy()[None]
            J = np.zeros((H, H))
            for j in range(H):
                e = np.zeros_like(h_s)
                e[0, 0, j] = 1e-6
                J[:, j] = (state_at(t, s, h_s + e) - state_at(t, s, h_s - e)) / 2e-6
            assert norms[t, s, 0] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6)
    assert np.all(np.diag(norms[:, :, 0]) == 1) and np.all(np.triu(norms[:, :, 0], 1) == 0)


def test_jacobian_is_identity_past_the_end():
    model = Recurrent("lstm", 2, 3, seed=0)
    rec = model.forward(np.ones((6, 2, 2)), lengths=np.array([6, 2]))
    norms = model.jacobian_norms(rec)
    assert np.allclose(norms[5, 1, 1], 1.0)                  # nothing moves the held state
    assert not np.allclose(norms[5, 1, 0], 1.0)


def test_tidy_table_rows_hold_the_recorded_values():
    model = Recurrent("lstm", 3, 2, 2, seed=0)
    rec = model.forward(np.random.default_rng(0).normal(size=(4, 2, 3)), lengths=np.array([4, 2]))
    model.backward(rec, np.ones((4, 2, 2)))
    cols = rec.to_columns()
    n = len(cols["value"])
    assert all(len(v) == n for v in cols.values())
    real_steps = 6
    rows = lambda q: (cols["quantity"] == q) & (cols["layer"] == 1)  # noqa: E731
    assert rows("gate").sum() == real_steps * 4 * 2 and rows("hidden").sum() == real_steps * 2
    assert not np.any((cols["sequence"] == 1) & (cols["step"] >= 2)), "padding steps are left out"
    pick = rows("gate") & (cols["step"] == 1) & (cols["sequence"] == 1) & (cols["gate"] == "o") & (cols["unit"] == 1)
    assert cols["value"][pick].tolist() == [rec.layers[1].gate("o")[1, 1, 1]]
    pick = (cols["quantity"] == "d_cell") & (cols["layer"] == 0) & (cols["step"] == 3) & (cols["unit"] == 0)
    assert cols["value"][pick].tolist() == [rec.layers[0].d_cell[3, 0, 0]]


def test_gate_names_follow_pytorch_order():
    assert GATE_NAMES == {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
    model = Recurrent("gru", 2, 3, seed=0)
    rec = model.forward(np.ones((2, 1, 2)))
    with pytest.raises(ValueError, match="gates r, z, n"):
        rec.layers[0].gate("f")
    assert repr(model).startswith("Recurrent(gru") and "T=2" in repr(rec)


def test_rel_error_helper_is_strict():
    """The yardstick itself must fail on a wrong gradient."""
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-5])) > 1e-6
