"""Property tests: any sizes, lengths and values give finite results; float32 tracks float64."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import Recurrent, SequenceModel

kinds = st.sampled_from([("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid"), ("lstm", "tanh"), ("gru", "tanh")])


@st.composite
def cases(draw):
    kind, act = draw(kinds)
    T, B = draw(st.integers(1, 7)), draw(st.integers(1, 4))
    D, H, L = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 3))
    lengths = np.array(draw(st.lists(st.integers(1, T), min_size=B, max_size=B)))
    scale = draw(st.sampled_from([1e-3, 1.0, 30.0]))            # tiny, ordinary and saturating inputs
    seed = draw(st.integers(0, 2**16))
    return kind, act, T, B, D, H, L, lengths, scale, seed


@settings(max_examples=60, deadline=None)
@given(cases())
def test_any_shapes_and_values_give_finite_results(case):
    kind, act, T, B, D, H, L, lengths, scale, seed = case
    model = Recurrent(kind, D, H, L, act, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, B, D)) * scale
    rec = model.forward(x, lengths=lengths)
    assert rec.output.shape == (T, B, H) and rec.h_n.shape == (L, B, H)
    grads = model.backward(rec, rng.normal(size=(T, B, H)))
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert np.all(np.isfinite(rec.output)) and np.all(np.isfinite(rec.d_input))
    past_end = np.arange(T)[:, None] >= lengths[None, :]
    assert np.all(rec.output[past_end] == 0)
    if kind != "rnn" or act != "relu":
        assert np.abs(rec.output).max() <= 1.0                  # tanh, σ and o ⊙ tanh(c) are bounded


@settings(max_examples=40, deadline=None)
@given(cases())
def test_float32_agrees_with_float64(case):
    kind, act, T, B, D, H, L, lengths, scale, seed = case
    m64 = Recurrent(kind, D, H, L, act, seed=seed)
    m32 = Recurrent(kind, D, H, L, act, seed=seed, dtype=np.float32)
    x = np.random.default_rng(seed).normal(size=(T, B, D)) * min(scale, 1.0)
    d = np.random.default_rng(seed + 1).normal(size=(T, B, H))
    r64, r32 = m64.forward(x, lengths=lengths), m32.forward(x, lengths=lengths)
    np.testing.assert_allclose(r32.output, r64.output, atol=2e-5)
    g64, g32 = m64.backward(r64, d), m32.backward(r32, d)
    for name, g in g64.items():
        np.testing.assert_allclose(g32[name], g, atol=2e-4 * max(1.0, np.abs(g).max()))


@settings(max_examples=30, deadline=None)
@given(cases(), st.sampled_from(["softmax", "sigmoid", "identity"]))
def test_model_losses_are_finite_and_non_negative(case, head):
    kind, act, T, B, D, H, L, lengths, scale, seed = case
    model = SequenceModel(kind, D, H, 3, num_layers=L, nonlinearity=act, head=head, seed=seed)
    rng = np.random.default_rng(seed)
    rec = model.forward(rng.normal(size=(T, B, D)) * scale, lengths)
    if head == "softmax":
        y = rng.integers(0, 3, size=(T, B))
    elif head == "sigmoid":
        y = rng.integers(0, 2, size=(T, B, 3)).astype(float)
    else:
        y = rng.normal(size=(T, B, 3))
    loss = model.loss(rec, y)
    assert np.isfinite(loss) and loss >= 0
    assert all(np.all(np.isfinite(g)) for g in model.backward(rec).values())
