"""Heads, losses and the sequence model: exact gradients end to end and the losses' known values."""

import numpy as np
import pytest

from gradcheck import assert_grads_match
from rnn_core import Head, SequenceModel

HEADS = ["softmax", "sigmoid", "identity"]


def random_target(head, T, B, O, rng):
    if head == "softmax":
        return rng.integers(0, O, size=(T, B))
    if head == "sigmoid":
        return rng.integers(0, 2, size=(T, B, O)).astype(float)
    return rng.normal(size=(T, B, O))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("target", ["every", "last"])
def test_model_gradients_match_finite_differences(kind, head, target):
    T, B, D, H, O = 5, 3, 3, 4, 3
    model = SequenceModel(kind, D, H, O, num_layers=2, head=head, target=target, seed=1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, D))
    lengths = np.array([5, 2, 4])
    y = random_target(head, T, B, O, rng)

    def f():
        return model.loss(model.forward(x, lengths), y)

    rec = model.forward(x, lengths)
    model.loss(rec, y)
    grads = model.backward(rec)
    assert set(grads) == set(model.parameters())
    assert_grads_match(f, model.parameters(), grads)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_reductions_have_exact_gradients(reduction):
    model = SequenceModel("lstm", 2, 3, 1, head="sigmoid", seed=0)
    x = np.random.default_rng(0).normal(size=(4, 2, 2))
    y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], float)
    lengths = np.array([4, 3])

    def f():
        return model.loss(model.forward(x, lengths), y, reduction=reduction)

    rec = model.forward(x, lengths)
    model.loss(rec, y, reduction=reduction)
    assert_grads_match(f, model.parameters(), model.backward(rec))


def test_truncated_bptt_through_the_model_only_changes_the_recurrent_part():
    model = SequenceModel("gru", 2, 3, 2, seed=0)
    x = np.random.default_rng(0).normal(size=(8, 1, 2))
    y = np.random.default_rng(1).integers(0, 2, size=(8, 1))
    rec = model.forward(x)
    model.loss(rec, y)
    full = model.backward(rec)
    rec = model.forward(x)
    model.loss(rec, y)
    cut = model.backward(rec, truncate=2)
    np.testing.assert_array_equal(full["head.weight"], cut["head.weight"])
    assert not np.allclose(full["rnn.weight_hh_l0"], cut["rnn.weight_hh_l0"])


def test_cross_entropy_of_a_network_that_knows_nothing_is_T_log_V():
    """min-char-rnn's check: with tiny weights every class is equally likely, so L = T·log V."""
    T, V = 7, 5
    model = SequenceModel("rnn", V, 10, V, seed=0)
    for w in model.parameters().values():
        w *= 1e-9
    x = np.eye(V)[np.arange(T) % V][:, None, :]
    rec = model.forward(x)
    loss = model.loss(rec, (np.arange(T)[:, None] + 1) % V, reduction="sum")
    assert loss == pytest.approx(T * np.log(V), rel=1e-7)
    np.testing.assert_allclose(rec.y, 1 / V, atol=1e-8)


def test_binary_cross_entropy_and_squared_error_known_values():
    head = Head(2, 1, "sigmoid")
    head.params["weight"][:] = 0
    head.params["bias"][:] = 0                      # σ(0) = ½ whatever the state
    rec = head.forward(np.ones((3, 1, 2)))
    assert head.loss(rec, np.array([[1.0], [0.0], [1.0]])) == pytest.approx(np.log(2), rel=1e-14)
    head = Head(2, 2, "identity")
    head.params["weight"][:] = 0
    head.params["bias"][:] = [1.0, 3.0]
    rec = head.forward(np.ones((1, 1, 2)))
    assert head.loss(rec, np.array([[[0.0, 0.0]]])) == pytest.approx((1 + 9) / 2)


def test_binary_cross_entropy_is_finite_for_confident_logits():
    head = Head(1, 1, "sigmoid")
    head.params["weight"][:] = 1000.0
    rec = head.forward(np.array([[[1.0]], [[-1.0]]]))
    loss = head.loss(rec, np.array([[0.0], [1.0]]))             # confidently wrong both times
    # per step softplus(±1000 + b): the mean of (1000 + b) and (1000 - b)
    assert loss == pytest.approx(1000.0, rel=1e-12)


def test_many_to_one_counts_only_each_last_step():
    model = SequenceModel("lstm", 2, 3, 1, head="sigmoid", target="last", seed=0)
    x = np.random.default_rng(0).normal(size=(6, 2, 2))
    rec = model.forward(x, lengths=np.array([6, 3]))
    model.loss(rec, np.array([1.0, 0.0]))                        # one label per sequence
    assert np.flatnonzero(rec.head.step_loss[:, 0]).tolist() == [5]
    assert np.flatnonzero(rec.head.step_loss[:, 1]).tolist() == [2]
    assert rec.head.target[5, 0, 0] == 1.0 and rec.head.target[2, 1, 0] == 0.0


def test_bad_targets_get_clear_messages():
    model = SequenceModel("rnn", 2, 3, 4, seed=0)
    rec = model.forward(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match="from 0 to 3"):
        model.loss(rec, np.array([[0], [4], [1]]))
    with pytest.raises(ValueError, match="class indices"):
        model.loss(rec, np.zeros((3, 1, 4)))
    sig = SequenceModel("rnn", 2, 3, 1, head="sigmoid", seed=0)
    rec = sig.forward(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match="between 0 and 1"):
        sig.loss(rec, np.array([[2.0], [0.0], [1.0]]))
    with pytest.raises(ValueError, match="backward"):
        Head(3, 2).backward(Head(3, 2).forward(np.zeros((1, 1, 3))))


def test_padding_targets_are_ignored():
    model = SequenceModel("gru", 2, 3, 3, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 2, 2))
    y = np.array([[0, 1], [1, 2], [2, -1], [0, -1]])            # -1 marks padding, never read
    rec = model.forward(x, lengths=np.array([4, 2]))
    a = model.loss(rec, y)
    y[2:, 1] = 2
    assert model.loss(rec, y) == a


def test_state_dict_uses_pytorch_module_names_and_round_trips():
    model = SequenceModel("lstm", 3, 4, 2, num_layers=2, seed=0)
    names = set(model.state_dict())
    assert {"rnn.weight_ih_l0", "rnn.bias_hh_l1", "head.weight", "head.bias"} <= names and len(names) == 10
    other = SequenceModel("lstm", 3, 4, 2, num_layers=2, seed=99)
    other.load_state_dict(model.state_dict())
    x = np.random.default_rng(0).normal(size=(5, 1, 3))
    np.testing.assert_array_equal(model.forward(x).y, other.forward(x).y)
    rebuilt = SequenceModel.from_config(model.config)
    rebuilt.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(model.forward(x).y, rebuilt.forward(x).y)
    bad = model.state_dict()
    bad["head.weight"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match="head.weight has shape"):
        other.load_state_dict(bad)
