"""Optimisers and gradient clipping, checked against the update equations worked out by hand."""

import json
import math

import numpy as np
import pytest

from rnn_core.optim import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    Momentum,
    RMSProp,
    clip_grad_norm,
    clip_grad_value,
    global_norm,
    make_optimizer,
)

# f(p) = 0.5 * sum(A * p**2), gradient A * p, minimum 0 at p = 0
A = np.array([0.5, 1.0, 4.0])
P0 = np.array([3.0, -2.0, 1.0])

# learning rates that converge on the quadratic above within 300 steps
CONVERGING_LR = {"sgd": 0.2, "momentum": 0.05, "adagrad": 1.0, "rmsprop": 0.02, "adam": 0.1}


def quadratic_run(opt, p, steps):
    """``steps`` optimiser steps on the quadratic from ``p`` (updated in place)."""
    params = {"p": p}
    for _ in range(steps):
        opt.step(params, {"p": A * p})
    return p


# --- one step, by hand ---------------------------------------------------------------------------


def test_sgd_step():
    p = np.array([1.0, -2.0, 3.0])
    SGD(0.1).step({"p": p}, {"p": np.array([0.5, 1.0, -2.0])})
    # p - 0.1 * g
    np.testing.assert_allclose(p, [0.95, -2.1, 3.2], rtol=0, atol=1e-15)


def test_momentum_two_steps():
    p = np.array([1.0, -2.0])
    opt = Momentum(0.1, momentum=0.9)
    opt.step({"p": p}, {"p": np.array([0.5, 1.0])})
    # v = g1 = [0.5, 1]; p = [1, -2] - 0.1 v
    np.testing.assert_allclose(p, [0.95, -2.1], rtol=0, atol=1e-15)
    opt.step({"p": p}, {"p": np.array([-1.0, 2.0])})
    # v = 0.9 [0.5, 1] + [-1, 2] = [-0.55, 2.9]; p = [0.95, -2.1] - 0.1 v
    np.testing.assert_allclose(opt.state["p"]["v"], [-0.55, 2.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(p, [1.005, -2.39], rtol=0, atol=1e-15)


def test_nesterov_two_steps():
    p = np.array([1.0, -2.0])
    opt = Momentum(0.1, momentum=0.9, nesterov=True)
    opt.step({"p": p}, {"p": np.array([0.5, 1.0])})
    # v = g1; p -= 0.1 (g1 + 0.9 v) = 0.19 g1
    np.testing.assert_allclose(p, [0.905, -2.19], rtol=0, atol=1e-15)
    opt.step({"p": p}, {"p": np.array([-1.0, 2.0])})
    # v = [-0.55, 2.9]; g2 + 0.9 v = [-1.495, 4.61]; p -= 0.1 of that
    np.testing.assert_allclose(p, [1.0545, -2.651], rtol=0, atol=1e-15)


def test_adagrad_first_step_is_lr_sign_g_then_accumulates():
    p = np.array([1.0, 1.0])
    opt = Adagrad(0.1)
    opt.step({"p": p}, {"p": np.array([3.0, -4.0])})
    # s = [9, 16]; step = 0.1 * [3/3, -4/4]
    np.testing.assert_allclose(p, [0.9, 1.1], rtol=0, atol=1e-8)
    opt.step({"p": p}, {"p": np.array([4.0, 3.0])})
    # s = [9 + 16, 16 + 9] = [25, 25]; step = 0.1 * [4/5, 3/5]
    np.testing.assert_allclose(opt.state["p"]["s"], [25.0, 25.0])
    np.testing.assert_allclose(p, [0.82, 1.04], rtol=0, atol=1e-8)


def test_adagrad_tiny_gradient_still_moves_by_lr():
    p = np.array([0.0, 0.0])
    Adagrad(0.5).step({"p": p}, {"p": np.array([1e-3, -250.0])})
    np.testing.assert_allclose(p, [-0.5, 0.5], rtol=0, atol=1e-5)


def test_rmsprop_two_steps():
    lr, decay, eps = 0.01, 0.9, 1e-8
    g1, g2 = np.array([2.0, -0.5]), np.array([1.0, 1.0])
    p = np.array([1.0, 1.0])
    opt = RMSProp(lr, decay=decay, eps=eps)
    opt.step({"p": p}, {"p": g1})
    # s = 0.1 g1² so g1/sqrt(s) = sign(g1)/sqrt(0.1): the unbiased first step is lr/sqrt(0.1) ≈ 3.16 lr
    # (eps shifts the smaller coordinate by ~2e-9)
    np.testing.assert_allclose(p, [1.0 - 0.0316227766, 1.0 + 0.0316227766], rtol=0, atol=1e-8)
    first = 1.0 - lr * g1 / (np.sqrt(0.1 * g1**2) + eps)
    np.testing.assert_allclose(p, first, rtol=0, atol=1e-15)
    opt.step({"p": p}, {"p": g2})
    s = 0.9 * (0.1 * g1**2) + 0.1 * g2**2  # [0.46, 0.1225]
    expected = first - lr * g2 / (np.sqrt(s) + eps)
    np.testing.assert_allclose(opt.state["p"]["s"], [0.46, 0.1225], rtol=1e-14)
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-15)


def test_adam_first_step_is_lr_sign_g():
    p = np.array([1.0, -2.0, 0.5, 0.0])
    g = np.array([0.3, -7.0, 1e-2, 123.0])
    Adam(0.01).step({"p": p}, {"p": g})
    # m_hat = g, v_hat = g², so the step is lr * g / |g| whatever the scale of g
    np.testing.assert_allclose(p, [0.99, -1.99, 0.49, -0.01], rtol=0, atol=1e-6)


def test_adam_second_step_bias_correction():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    g1, g2 = np.array([1.0, -2.0]), np.array([3.0, 1.0])
    p = np.zeros(2)
    opt = Adam(lr, beta1=b1, beta2=b2, eps=eps)
    opt.step({"p": p}, {"p": g1})
    opt.step({"p": p}, {"p": g2})
    m = 0.9 * (0.1 * g1) + 0.1 * g2  # [0.39, -0.08]
    v = 0.999 * (0.001 * g1**2) + 0.001 * g2**2  # [0.009999, 0.004996]
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    first = -lr * np.sign(g1)
    np.testing.assert_allclose(opt.state["p"]["m"], [0.39, -0.08], rtol=1e-14)
    np.testing.assert_allclose(opt.state["p"]["v"], [0.009999, 0.004996], rtol=1e-12)
    np.testing.assert_allclose(p, first - lr * m_hat / (np.sqrt(v_hat) + eps), rtol=0, atol=1e-8)
    assert opt.t == 2


def test_lr_change_takes_effect_on_next_step():
    p = np.array([1.0])
    opt = SGD(0.1)
    opt.step({"p": p}, {"p": np.array([1.0])})
    opt.lr = 0.5
    opt.step({"p": p}, {"p": np.array([1.0])})
    np.testing.assert_allclose(p, [0.4], rtol=0, atol=1e-15)


# --- every optimiser --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_minimises_convex_quadratic(name):
    p = quadratic_run(make_optimizer(name, CONVERGING_LR[name]), P0.copy(), 300)
    f0 = 0.5 * np.sum(A * P0**2)  # 6.25
    assert 0.5 * np.sum(A * p**2) < 1e-8 * f0
    np.testing.assert_allclose(p, 0.0, atol=1e-4)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_updates_live_array_in_place(name):
    W = np.ones((2, 3))
    row = W[0]  # a view, as a layer holding the weights would see them
    params = {"W": W}
    make_optimizer(name, 0.1).step(params, {"W": np.full((2, 3), 0.5)})
    assert params["W"] is W
    assert np.all(W < 1.0)
    np.testing.assert_array_equal(row, W[0])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_preserved_and_matches_float64(name):
    p32, p64 = P0.astype(np.float32), P0.copy()
    opt32, opt64 = make_optimizer(name, 0.05), make_optimizer(name, 0.05)
    for _ in range(3):
        # a float64 gradient must not promote the float32 weights or state
        opt32.step({"p": p32}, {"p": A * p32.astype(np.float64)})
        opt64.step({"p": p64}, {"p": A * p64})
    assert p32.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt32.state.get("p", {}).values())
    np.testing.assert_allclose(p32, p64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_param_without_grad_is_untouched(name):
    W, b = np.ones(3), np.ones(2)
    opt = make_optimizer(name, 0.1)
    opt.step({"W": W, "b": b}, {"W": np.ones(3)})
    np.testing.assert_array_equal(b, [1.0, 1.0])
    assert "b" not in opt.state
    assert np.all(W < 1.0)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_shape_mismatch_names_param_and_changes_nothing(name):
    W, b = np.ones((2, 2)), np.ones(2)
    opt = make_optimizer(name, 0.1)
    with pytest.raises(ValueError, match="'rnn.bias'"):
        opt.step({"W": W, "rnn.bias": b}, {"W": np.ones((2, 2)), "rnn.bias": np.ones(3)})
    # checked before anything is written: W did not move either
    np.testing.assert_array_equal(W, np.ones((2, 2)))
    assert opt.t == 0


def test_state_is_per_parameter_name():
    W, b = np.zeros(2), np.zeros(2)
    opt = Momentum(0.1, momentum=0.9)
    opt.step({"W": W, "b": b}, {"W": np.array([1.0, 1.0])})
    opt.step({"W": W, "b": b}, {"b": np.array([2.0, -2.0])})
    # b's velocity starts from its own zeros, not from W's [1, 1]
    np.testing.assert_allclose(opt.state["b"]["v"], [2.0, -2.0])
    np.testing.assert_allclose(b, [-0.2, 0.2], rtol=0, atol=1e-15)
    np.testing.assert_allclose(opt.state["W"]["v"], [1.0, 1.0])
    np.testing.assert_allclose(W, [-0.1, -0.1], rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_dict_resumes_exactly(name):
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    scales = {"W": np.array([[0.5, 1.0], [2.0, 1.5], [0.3, 1.0]]), "b": np.array([1.0, 3.0])}

    def run(opt, params, steps):
        for _ in range(steps):
            opt.step(params, {k: scales[k] * p for k, p in params.items()})

    opt = make_optimizer(name, 0.03)
    run(opt, params, 5)
    saved, saved_params = opt.state_dict(), {k: p.copy() for k, p in params.items()}
    json.dumps({k: v for k, v in saved.items() if k != "state"})  # everything but the arrays is JSON-able
    run(opt, params, 5)

    # a fresh optimiser with other hyperparameters: load_state_dict must restore them too
    fresh = make_optimizer(name, 123.0)
    fresh.load_state_dict(saved)
    assert fresh.lr == 0.03 and fresh.t == 5
    run(fresh, saved_params, 5)
    for k in params:
        np.testing.assert_array_equal(saved_params[k], params[k])


def test_state_dict_is_a_copy():
    p = np.ones(2)
    opt = Adam(0.1)
    opt.step({"p": p}, {"p": np.ones(2)})
    saved = opt.state_dict()
    m_saved = saved["state"]["p"]["m"].copy()
    opt.step({"p": p}, {"p": np.ones(2)})
    np.testing.assert_array_equal(saved["state"]["p"]["m"], m_saved)
    assert saved["t"] == 1


def test_load_state_dict_rejects_other_optimizer():
    with pytest.raises(ValueError, match="adam"):
        SGD(0.1).load_state_dict(Adam(0.1).state_dict())


def test_loaded_state_with_wrong_shape_raises():
    opt = Momentum(0.1)
    opt.step({"W": np.ones(3)}, {"W": np.ones(3)})
    fresh = Momentum(0.1)
    fresh.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="'W'"):
        fresh.step({"W": np.ones(4)}, {"W": np.ones(4)})


# --- construction -----------------------------------------------------------------------------------


def test_make_optimizer_names_and_kwargs():
    assert OPTIMIZERS == ("sgd", "momentum", "adagrad", "rmsprop", "adam")
    classes = [SGD, Momentum, Adagrad, RMSProp, Adam]
    for name, cls in zip(OPTIMIZERS, classes, strict=True):
        opt = make_optimizer(name.upper(), 0.25)
        assert type(opt) is cls and opt.lr == 0.25
    opt = make_optimizer("Momentum", 0.1, momentum=0.5, nesterov=True)
    assert opt.momentum == 0.5 and opt.nesterov is True
    assert make_optimizer("adam", 1e-3, beta2=0.99).beta2 == 0.99


def test_make_optimizer_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="adamw") as info:
        make_optimizer("adamw", 0.1)
    for name in OPTIMIZERS:
        assert name in str(info.value)


@pytest.mark.parametrize(
    "factory",
    [
        lambda: SGD(-0.1),
        lambda: SGD(math.nan),
        lambda: Momentum(0.1, momentum=1.0),
        lambda: RMSProp(0.1, decay=-0.1),
        lambda: Adam(0.1, beta2=1.0),
        lambda: Adagrad(0.1, eps=0.0),
    ],
)
def test_invalid_hyperparameters_raise(factory):
    with pytest.raises(ValueError):
        factory()


def test_repr_shows_hyperparameters():
    assert repr(Adam(0.001)) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"
    assert repr(Momentum(0.1, nesterov=True)) == "Momentum(lr=0.1, momentum=0.9, nesterov=True)"


# --- clipping ---------------------------------------------------------------------------------------


def test_global_norm_over_all_arrays():
    grads = {"W": np.array([[1.0, 2.0], [2.0, 0.0]]), "b": np.array([4.0])}
    assert global_norm(grads) == pytest.approx(5.0)  # sqrt(1 + 4 + 4 + 16)
    assert global_norm({}) == 0.0


def test_clip_grad_norm_scales_to_max_norm_keeping_direction():
    a, b = np.array([3.0, 4.0]), np.array([0.0])
    grads = {"a": a, "b": b}
    before, after = clip_grad_norm(grads, 1.0)
    assert before == pytest.approx(5.0)
    assert after == pytest.approx(1.0)
    assert grads["a"] is a  # in place
    np.testing.assert_allclose(a, [0.6, 0.8], rtol=1e-15)  # [3, 4] / 5
    np.testing.assert_array_equal(b, [0.0])
    assert global_norm(grads) == pytest.approx(1.0)


def test_clip_grad_norm_no_op_below_threshold():
    a = np.array([3.0, 4.0])
    assert clip_grad_norm({"a": a}, 10.0) == pytest.approx((5.0, 5.0))
    np.testing.assert_array_equal(a, [3.0, 4.0])


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_clip_grad_norm_leaves_non_finite_alone(bad):
    a = np.array([bad, 1.0])
    before, after = clip_grad_norm({"a": a}, 1.0)
    assert not math.isfinite(before) and not math.isfinite(after)
    assert a[1] == 1.0  # not scaled to 0 or NaN


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_clip_thresholds_must_be_positive(bad):
    with pytest.raises(ValueError):
        clip_grad_norm({"a": np.ones(2)}, bad)
    with pytest.raises(ValueError):
        clip_grad_value({"a": np.ones(2)}, bad)


def test_clip_grad_value_clips_elementwise_and_reports_norms():
    a, b = np.array([3.0, -4.0, 0.5]), np.array([[0.2, -1.5]])
    before, after = clip_grad_value({"a": a, "b": b}, 1.0)
    np.testing.assert_array_equal(a, [1.0, -1.0, 0.5])
    np.testing.assert_array_equal(b, [[0.2, -1.0]])
    assert before == pytest.approx(math.sqrt(9 + 16 + 0.25 + 0.04 + 2.25))
    assert after == pytest.approx(math.sqrt(1 + 1 + 0.25 + 0.04 + 1))
