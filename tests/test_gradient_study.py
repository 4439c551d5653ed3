"""rnn_core.gradient_study: the recurrent scale, ‖∂L/∂h_t‖ for a loss at the last step, Jacobian products,
eigenvalues, clipping runs and recall over distance — checked against closed forms and finite differences."""

import numpy as np
import pytest

from rnn_core import Recurrent, SequenceModel
from rnn_core import gradient_study as gs


# ---------------------------------------------------------------------- the recurrent scale
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5])
def test_every_block_is_scale_times_orthogonal(kind, scale):
    rnn = gs.study_network(kind, scale, hidden=5, seed=3)
    W = rnn.params["weight_hh_l0"]
    for g in range(rnn.gates):
        block = W[g * 5:(g + 1) * 5]
        np.testing.assert_allclose(block @ block.T, scale ** 2 * np.eye(5), atol=1e-12)
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(block)), scale, rtol=1e-10)
    assert not rnn.params["bias_ih_l0"].any() and not rnn.params["bias_hh_l0"].any()


def test_scale_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        gs.study_network("rnn", 0.0)


def test_same_seed_same_network_different_seed_different():
    a, b, c = (gs.study_network("gru", 1.2, hidden=4, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.params["weight_hh_l0"], b.params["weight_hh_l0"])
    assert not np.allclose(a.params["weight_hh_l0"], c.params["weight_hh_l0"])


# ---------------------------------------------------------------------- eigenvalues
def test_eigenvalues_of_a_known_matrix():
    rnn = Recurrent("rnn", 2, 3, seed=0)
    rnn.params["weight_hh_l0"][:] = [[0.0, -2.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.5]]    # ±2i and 0.5
    lam = gs.recurrent_eigenvalues(rnn)["h"]
    np.testing.assert_allclose(np.abs(lam), [2.0, 2.0, 0.5])
    np.testing.assert_allclose(sorted(lam.imag), [-2.0, 0.0, 2.0], atol=1e-12)
    np.testing.assert_allclose(lam[2], 0.5)


def test_eigenvalues_per_gate_block_of_a_model():
    model = SequenceModel("lstm", 2, 2, 1, seed=0)
    W = model.rnn.params["weight_hh_l0"]
    for g, (a, b) in enumerate([(1, 2), (3, 4), (-5, 6), (0.25, -0.5)]):
        W[2 * g:2 * g + 2] = np.diag([a, b])
    eigs = gs.recurrent_eigenvalues(model)
    assert list(eigs) == ["i", "f", "g", "o"]
    assert eigs["i"].tolist() == [2, 1] and eigs["f"].tolist() == [4, 3]
    assert eigs["g"].tolist() == [6, -5] and eigs["o"].tolist() == [-0.5, 0.25]


# ---------------------------------------------------------------------- ‖∂L/∂h_t‖
@pytest.mark.parametrize("scale", [0.5, 0.9, 1.5])
def test_zero_inputs_give_scale_to_the_distance(scale):
    """With zero inputs and biases a tanh RNN stays at h = 0, its Jacobian is ρQ and ‖∂L/∂h_t‖ = ρ^(T-1-t)."""
    study = gs.gradient_by_distance("rnn", 12, scale, "tanh", hidden=6, seed=4, amplitude=0.0)
    np.testing.assert_allclose(study.norms, scale ** (11 - np.arange(12)), rtol=1e-12)
    assert study.norms[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("nonlinearity, slope", [("tanh", 1.0), ("relu", 1.0), ("sigmoid", 0.25)])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("scale", [0.5, 0.9])
def test_below_one_the_norm_falls_toward_early_steps(nonlinearity, slope, seed, scale):
    """‖∂L/∂h_{t-1}‖ = ‖W_hhᵀ diag(φ'(a_t)) ∂L/∂h_t‖ ≤ ρ · max φ' · ‖∂L/∂h_t‖, for every sequence and step."""
    study = gs.gradient_by_distance("rnn", 40, scale, nonlinearity, hidden=8, seed=seed)
    n = study.norms_by_sequence
    assert np.all(n[:-1] <= scale * slope * n[1:] * (1 + 1e-12))
    assert np.all(np.diff(study.norms) > 0) or nonlinearity == "relu"         # ReLU may cut it to exactly 0
    assert np.all(np.diff(study.norms) >= 0)
    assert study.norms[0] <= (scale * slope) ** 39 * (1 + 1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("T", [20, 50, 100])
def test_above_one_a_tanh_rnn_grows_toward_early_steps(seed, T):
    """The page's promise: with the default tanh and 8 units, ρ = 1.5 makes the earliest step's norm exceed 1."""
    assert gs.gradient_by_distance("rnn", T, 1.5, "tanh", hidden=8, seed=seed).norms[0] > 1.0


def test_the_study_is_the_same_for_every_cell_except_the_cell():
    studies = [gs.gradient_by_distance(k, 15, 1.0, hidden=4, seed=2) for k in ("rnn", "lstm", "gru")]
    for s in studies[1:]:
        np.testing.assert_array_equal(s.x, studies[0].x)
        np.testing.assert_array_equal(s.direction, studies[0].direction)
    assert all(s.norms[-1] == pytest.approx(1.0) for s in studies)


def _run_from(rnn, x, state):
    """h at the last step of ``x`` (T', 1, D) starting from ``state`` (h, or (h, c) for an LSTM)."""
    if rnn.kind == "lstm":
        h0 = (state[0][None, None], state[1][None, None])
    else:
        h0 = state[None, None]
    return rnn.forward(x, h0=h0).output[-1, 0]


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gradient_matches_finite_differences(kind):
    """∂L/∂h_t, with L = u·h_{T-1}: nudge h_t (the LSTM's c_t held) and run the rest of the sequence again."""
    T, H, eps = 7, 3, 1e-6
    study = gs.gradient_by_distance(kind, T, 1.3, "tanh", hidden=H, seed=5, batch=2)
    rnn, layer, b = study.rnn, study.record.layers[0], 1
    for t in (0, 3, T - 2):
        h_t = layer.hidden[t, b]
        fd = np.zeros(H)
        for i in range(H):
            values = []
            for sign in (1, -1):
                h = h_t.copy()
                h[i] += sign * eps
                state = (h, layer.cell[t, b]) if kind == "lstm" else h
                values.append(study.direction @ _run_from(rnn, study.x[t + 1:, b:b + 1], state))
            fd[i] = (values[0] - values[1]) / (2 * eps)
        np.testing.assert_allclose(study.d_hidden[t, b], fd, rtol=1e-6, atol=1e-9)
        assert study.norms_by_sequence[t, b] == pytest.approx(np.linalg.norm(fd), rel=1e-6)


# ---------------------------------------------------------------------- Jacobian products
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_jacobian_map_matches_finite_differences(kind):
    T, H, eps = 6, 3, 1e-6
    study = gs.gradient_by_distance(kind, T, 1.2, "tanh", hidden=H, seed=1, batch=1)
    jm = gs.jacobian_map(study)
    rnn, layer = study.rnn, study.record.layers[0]
    assert jm.steps.tolist() == list(range(T))
    for s in range(T):
        for t in range(s + 1, T):
            J = np.zeros((H, H))
            for i in range(H):
                outs = []
                for sign in (1, -1):
                    h = layer.hidden[s, 0].copy()
                    h[i] += sign * eps
                    state = (h, layer.cell[s, 0]) if kind == "lstm" else h
                    outs.append(_run_from(rnn, study.x[s + 1:t + 1, :1], state))
                J[:, i] = (outs[0] - outs[1]) / (2 * eps)
            assert jm.norms[t, s] == pytest.approx(np.linalg.norm(J, 2), rel=1e-6)
    assert np.all(np.diag(jm.norms) == 1.0)
    assert np.all(np.isnan(jm.norms[np.triu_indices(T, 1)]))        # the future does not move the past


def test_spectral_norms_on_matrices_whose_norm_is_known():
    rotation = np.array([[0.6, -0.8], [0.8, 0.6]])                  # orthogonal: every singular value 1
    blocks = np.stack([
        np.diag([3.0, -7.0]),                                        # largest |diagonal entry|: 7
        np.outer([1.0, 2.0], [2.0, -2.0]),                           # rank one u vᵀ: ‖u‖‖v‖ = √5 · √8
        5.0 * rotation,                                              # ρ × orthogonal: ρ
        1e200 * rotation,                                            # BᵀB alone would overflow to inf
        np.zeros((2, 2)),
    ])
    expected = [7.0, np.sqrt(5.0) * np.sqrt(8.0), 5.0, 1e200, 0.0]
    np.testing.assert_allclose(gs.spectral_norms(blocks), expected, rtol=1e-14, atol=0)


def test_a_long_map_draws_a_selection_and_agrees_with_the_engine():
    study = gs.gradient_by_distance("gru", 30, 0.8, hidden=4, seed=0, batch=1)
    jm = gs.jacobian_map(study, max_steps=7)
    assert jm.steps[0] == 0 and jm.steps[-1] == 29 and len(jm.steps) == 7
    full = study.rnn.jacobian_norms(study.rnn.forward(study.x[:, :1]))[:, :, 0]    # [t, s]
    for i, t in enumerate(jm.steps):
        for j, s in enumerate(jm.steps[:i + 1]):
            assert jm.norms[i, j] == pytest.approx(full[t, s], rel=1e-10)


# ---------------------------------------------------------------------- clipping
def test_clipping_caps_every_update_and_rescues_the_exploding_setting():
    free = gs.train_with_clip(None, seed=0)
    capped = gs.train_with_clip(1.0, seed=0)
    assert free.history[0]["loss"] == capped.history[0]["loss"]              # same weights, same first batch
    assert free.history[0]["grad_norm"] > 100                                 # it explodes from the start
    assert free.stopped and "exploding gradients" in free.stopped
    assert capped.stopped is None and len(capped.history) == gs.EXPLODING["steps"]
    for row in capped.history:
        assert row["grad_norm_clipped"] == pytest.approx(min(row["grad_norm"], 1.0), rel=1e-9)
    for row in free.history:
        assert row["grad_norm_clipped"] == row["grad_norm"]
    assert np.mean([r["loss"] for r in capped.history[-10:]]) < capped.history[0]["loss"] / 10


# ---------------------------------------------------------------------- memory over distance
def test_memory_recall_stops_once_learned_and_reports_fresh_recall():
    point = gs.memory_recall("gru", 2, hidden=8, seed=0, max_steps=400, check_every=25)
    assert point.recall >= 0.9
    assert point.updates < 400 and point.updates % 25 == 0
    assert point.seconds > 0 and point.stopped is None


def test_memory_recall_respects_its_budget():
    point = gs.memory_recall("rnn", 5, hidden=4, seed=1, max_steps=30, check_every=10, enough=1.01)
    assert point.updates == 30 and 0.0 <= point.recall <= 1.0
    assert gs.CHANCE == 0.25


# ---------------------------------------------------------------------- the first picture's lesson
@pytest.mark.parametrize("hidden", [4, 8, 16])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_below_one_the_rnn_vanishes_and_open_gates_keep_the_gradient(hidden, seed):
    """The page's default (T = 50, ρ = 0.8, gate bias 3): the RNN's gradient fades by four decades and more over
    49 steps, the LSTM's and GRU's stay within two decades of the loss's."""
    norms = {k: gs.gradient_by_distance(k, 50, 0.8, "tanh", hidden=hidden, seed=seed, gate_bias=3.0).norms[0]
             for k in ("rnn", "lstm", "gru")}
    assert norms["rnn"] < 1e-4, norms
    assert norms["lstm"] > 1e-2 and norms["gru"] > 1e-2, norms


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_closed_gates_forget_and_past_one_the_rnn_explodes(seed):
    """The exceptions a student finds: with gate bias 0 the gated cells forget faster than the RNN; ρ = 1.5 makes
    the RNN's early gradient grow."""
    closed = {k: gs.gradient_by_distance(k, 50, 0.8, hidden=8, seed=seed, gate_bias=0.0).norms[0]
              for k in ("rnn", "lstm", "gru")}
    assert closed["lstm"] < closed["rnn"] and closed["gru"] < closed["rnn"], closed
    assert gs.gradient_by_distance("rnn", 50, 1.5, hidden=8, seed=seed, gate_bias=3.0).norms[0] > 1.0


@pytest.mark.parametrize("kind, gate", [("lstm", "f"), ("gru", "z")])
def test_the_gate_bias_opens_the_keeping_gate(kind, gate):
    """σ(3) ≈ 0.95: with small inputs and states the forget (update) gate sits near it; the other gates near ½."""
    study = gs.gradient_by_distance(kind, 10, 0.8, hidden=6, seed=0, gate_bias=3.0)
    layer = study.record.layers[0]
    assert abs(layer.gate(gate).mean() - 1 / (1 + np.exp(-3.0))) < 0.02
    other = "i" if kind == "lstm" else "r"
    assert abs(layer.gate(other).mean() - 0.5) < 0.05
    assert study.gate_bias == 3.0
    assert gs.gradient_by_distance("rnn", 10, 0.8, hidden=6, seed=0, gate_bias=3.0).gate_bias == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_vanilla_rnns_recall_falls_to_chance_while_the_gated_cells_hold(seed):
    """The page's memory curve on its defaults (600 updates, distances up to 20): the RNN recalls 2 noisy steps,
    not 20; the LSTM and GRU still recall 20. (Distance 10 is the RNN's edge, not part of the lesson: under
    Haswell kernels on a CPU without AVX-512 seed 0 recalls 0.76 there, seed 2 0.40; other kernels 0.24-0.26.)"""
    recall = {(k, d): gs.memory_recall(k, d, seed=seed, max_steps=600).recall
              for k, d in (("rnn", 2), ("rnn", 20), ("lstm", 20), ("gru", 20))}
    print(f"memory curve, seed {seed}: {recall}")
    assert recall["rnn", 2] >= 0.9 and recall["rnn", 20] <= 0.4, recall              # chance is 0.25
    assert recall["lstm", 20] >= 0.9 and recall["gru", 20] >= 0.9, recall
