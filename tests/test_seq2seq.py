"""The encoder–decoder with attention: exact gradients, the attention's meaning, decoding, learning, saving."""

import json

import numpy as np
import pytest

from gradcheck import TOLERANCE, numerical_grad, rel_error
from rnn_core.optim import make_optimizer
from rnn_core.recurrent import Recurrent
from rnn_core.seq2seq import Seq2Seq

KINDS = ["rnn", "lstm", "gru"]
ATTENTIONS = ["additive", "dot", "none"]
SOURCE_LENGTHS, TARGET_LENGTHS = np.array([4, 2, 3]), np.array([3, 4, 1])


def make_case(kind, attention, num_layers=2, seed=0, **options):
    """A tiny model (A ≠ H, to catch a transposed W_q or W_k) and a batch with uneven source and target lengths.

    Bidirectional (``bidirectional=True``): H = 4, two directions of 2 units, and A = 3."""
    T_in, T_out, B, Vs, Vt = 4, 4, 3, 4, 5
    H, A = (4, 3) if options.get("bidirectional") else (3, 4)
    model = Seq2Seq(kind, Vs, Vt, H, num_layers, attention=attention, attention_size=A, seed=seed, **options)
    rng = np.random.default_rng(seed + 10)
    source = np.eye(Vs)[rng.integers(0, Vs, (T_in, B))]
    decoder_input = np.eye(Vt)[rng.integers(0, Vt, (T_out, B))]
    target = rng.integers(0, Vt, (T_out, B))
    return model, source, decoder_input, target


def check_gradients(model, source, decoder_input, target, reduction="mean"):
    """Every parameter's, the source's and the decoder input's gradient against central differences.

    The weights are scaled as after training (×2, the attention ×4) and the step is 1e-4, not 1e-6.
    At the initial scale the attention is nearly uniform and W_q, b act only through tanh's curvature
    (a shift common to every j cancels in the softmax), so their gradients, like those of the first
    encoder layer below three more, can be ~1e-7; one ulp of round-off in L over a step of 2·1e-6 is
    ~1e-10, 1e-3 of such a gradient. Scaled, every gradient is ≳ 1e-5, and a step of 1e-4 brings
    round-off down to ~1e-12 while the truncation error, O(step²), stays below 1e-7 of the gradient.
    """
    for name, w in model.parameters().items():
        w *= 4.0 if name.startswith("attention.") else 2.0

    def f():
        rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
        return model.loss(rec, target, reduction=reduction)

    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    model.loss(rec, target, reduction=reduction)
    grads = model.backward(rec)
    assert list(grads) == list(model.parameters())
    grads["source"], grads["decoder_input"] = rec.d_source, rec.d_decoder_input
    arrays = dict(model.parameters(), source=source, decoder_input=decoder_input)
    errors = {name: rel_error(grads[name], numerical_grad(f, arrays[name], eps=1e-4)) for name in arrays}
    bad = {k: v for k, v in errors.items() if not v < TOLERANCE}
    assert not bad, f"relative errors above {TOLERANCE}: {bad}"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_gradients_match_finite_differences(kind, attention):
    check_gradients(*make_case(kind, attention))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_bidirectional_gradients_match_finite_differences(kind, attention):
    # uneven source lengths (4, 2, 3): the backward direction reads each source reversed within its length;
    # with the bridge (attention="none" has only it) ∂L/∂h0_dec reaches →h_{n-1} and ←h_0
    check_gradients(*make_case(kind, attention, bidirectional=True))


def test_bidirectional_gradients_without_the_bridge():
    check_gradients(*make_case("gru", "additive", num_layers=1, bidirectional=True, bridge=False))


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_one_layer_summed_loss_gradients(attention):
    _, source, decoder_input, target = make_case("rnn", attention, seed=3)
    model = Seq2Seq("rnn", 4, 5, 3, 1, nonlinearity="sigmoid", attention=attention, seed=3)
    check_gradients(model, source, decoder_input, target, reduction="sum")


def test_truncation_cuts_only_the_recurrent_gradients():
    model, source, decoder_input, target = make_case("gru", "additive")
    grads = []
    for truncate in (None, 1):
        rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
        model.loss(rec, target)
        grads.append(model.backward(rec, truncate=truncate))
    full, cut = grads
    for name in ("head.weight", "head.bias", "attention.W_q", "attention.W_k", "attention.bias", "attention.v"):
        np.testing.assert_array_equal(full[name], cut[name])
    assert not np.allclose(full["encoder.weight_hh_l0"], cut["encoder.weight_hh_l0"])
    assert not np.allclose(full["decoder.weight_hh_l0"], cut["decoder.weight_hh_l0"])


# ---------------------------------------------------------------------- the attention itself
@pytest.mark.parametrize("attention", ["additive", "dot"])
def test_weights_are_a_distribution_over_real_source_steps_and_context_is_their_average(attention):
    model, source, decoder_input, _ = make_case("lstm", attention)
    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    T_out, B, T_in = rec.weights.shape
    assert rec.scores.shape == (T_out, B, T_in) and rec.context.shape == (T_out, B, 3)
    np.testing.assert_allclose(rec.weights.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    h, s = rec.encoder.output, rec.decoder.output
    for b in range(B):
        n = SOURCE_LENGTHS[b]
        assert np.all(rec.weights[:, b, n:] == 0.0) and np.all(rec.scores[:, b, n:] == -np.inf)
        assert np.all(rec.weights[:, b, :n] > 0)
        for t in range(T_out):
            context = np.zeros(3)
            for j in range(T_in):
                context += rec.weights[t, b, j] * h[j, b]
            np.testing.assert_allclose(rec.context[t, b], context, rtol=1e-13, atol=1e-15)
            if attention == "dot":
                e = np.array([s[t, b] @ h[j, b] for j in range(n)])
                np.testing.assert_allclose(rec.weights[t, b, :n], np.exp(e) / np.exp(e).sum(), rtol=1e-12)
    # the head reads [context ; state], context first
    np.testing.assert_array_equal(rec.head.h, np.concatenate([rec.context, s], axis=-1))


def test_additive_record_holds_each_term_of_the_score():
    """q_t, k_j and u_tj as recorded add up to e_tj = v · tanh(W_q s_t + b + W_k h_j), written out term by term."""
    model, source, decoder_input, _ = make_case("gru", "additive")
    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    P = model.attention_params
    h, s = rec.encoder.output, rec.decoder.output
    T_out, B, T_in = rec.scores.shape
    assert rec.queries.shape == (T_out, B, 4) and rec.keys.shape == (T_in, B, 4)
    for b in range(B):
        for t in range(T_out):
            q = sum(P["W_q"][:, i] * s[t, b, i] for i in range(3)) + P["bias"]
            np.testing.assert_allclose(rec.queries[t, b], q, rtol=1e-13, atol=1e-15)
            for j in range(SOURCE_LENGTHS[b]):
                k = sum(P["W_k"][:, i] * h[j, b, i] for i in range(3))
                np.testing.assert_allclose(rec.keys[j, b], k, rtol=1e-13, atol=1e-15)
                e = sum(P["v"][a] * np.tanh(q[a] + k[a]) for a in range(4))
                np.testing.assert_allclose(rec.scores[t, b, j], e, rtol=1e-12, atol=1e-14)


def test_dot_and_no_attention_record_no_additive_terms():
    for attention in ("dot", "none"):
        model, source, decoder_input, _ = make_case("lstm", attention)
        rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
        assert rec.queries is None and rec.keys is None and rec.features is None


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padded_source_steps_change_nothing(attention):
    model, source, decoder_input, _ = make_case("gru", attention)
    a = model.forward(source, decoder_input, SOURCE_LENGTHS).y
    source = source.copy()
    source[2:, 1] = 7.0                                     # past sequence 1's length of 2
    source[3:, 2] = -3.0
    np.testing.assert_array_equal(model.forward(source, decoder_input, SOURCE_LENGTHS).y, a)


def test_dot_attention_looks_where_the_state_points():
    model = Seq2Seq("rnn", 2, 2, 3, attention="dot")
    angles = np.array([0.0, 0.8, 1.6, 2.4, 3.2])
    h = np.stack([np.cos(angles), np.sin(angles), np.zeros(5)], axis=-1)[:, None, :]   # (5, 1, 3), unit norm
    s = 4.0 * h[[2, 0]]                                     # two queries, aimed at steps 2 and 0
    products = np.array([[s[t, 0] @ h[j, 0] for j in range(5)] for t in range(2)])
    scores, weights, context = model.attend(s, h)
    assert weights[:, 0].argmax(axis=-1).tolist() == products.argmax(axis=-1).tolist() == [2, 0]
    np.testing.assert_allclose(scores[:, 0], products, rtol=1e-14)
    # with step 2 cut off by the length, the weight moves to the best remaining step
    _, weights, _ = model.attend(s, h, source_lengths=np.array([2]))
    assert weights[0, 0].argmax() == 1 and np.all(weights[:, 0, 2:] == 0)


def test_no_attention_reads_the_state_alone():
    model, source, decoder_input, _ = make_case("gru", "none")
    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    assert model.head.hidden_size == 3 and rec.context is None and rec.weights is None
    np.testing.assert_array_equal(rec.head.h, rec.decoder.output)
    assert "attention.v" not in model.parameters()


@pytest.mark.parametrize("kind", KINDS)
def test_decoder_starts_from_the_encoders_final_state(kind):
    model, source, decoder_input, _ = make_case(kind, "additive")
    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    for k in range(2):
        enc, dec = rec.encoder.layers[k], rec.decoder.layers[k]
        for b, n in enumerate(SOURCE_LENGTHS):              # the state after each source's last real step
            np.testing.assert_array_equal(dec.states[0, b], enc.states[n, b])
            if kind == "lstm":
                np.testing.assert_array_equal(dec.cell_states[0, b], enc.cell_states[n, b])
    np.testing.assert_array_equal(np.stack([layer.states[0] for layer in rec.decoder.layers]), rec.encoder.h_n)


@pytest.mark.parametrize("kind", KINDS)
def test_bidirectional_encoder_reads_each_source_both_ways_within_its_length(kind):
    model, source, decoder_input, _ = make_case(kind, "additive", bidirectional=True)
    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    enc = rec.encoder
    h = enc.output
    assert h.shape == (4, 3, 4) and model.encoder.hidden_size == model.encoder_backward.hidden_size == 2
    for b, n in enumerate(SOURCE_LENGTHS):
        # each direction alone, on this sequence only: left to right, and right to left from its last real word
        fwd = model.encoder.forward(source[:n, b:b + 1])
        bwd = model.encoder_backward.forward(source[:n, b:b + 1][::-1])
        np.testing.assert_allclose(h[:n, b, :2], fwd.output[:, 0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h[:n, b, 2:], bwd.output[::-1, 0], rtol=1e-12, atol=1e-14)
        assert not h[n:, b].any()                                   # padding stays zero in both halves
        # the decoder starts from [→h_{n-1} ; ←h_0] in every layer
        for k in range(2):
            np.testing.assert_allclose(rec.decoder.layers[k].states[0, b],
                                       np.concatenate([fwd.h_n[k, 0], bwd.h_n[k, 0]]), rtol=1e-12, atol=1e-14)
        if kind == "lstm":
            np.testing.assert_allclose(rec.decoder.layers[0].cell_states[0, b],
                                       np.concatenate([fwd.c_n[0, 0], bwd.c_n[0, 0]]), rtol=1e-12, atol=1e-14)
    # both directions' records are kept: the backward one as it ran, on the reversed sequences
    assert enc.backward.output.shape == (4, 3, 2) and enc.forward.output.shape == (4, 3, 2)
    np.testing.assert_array_equal(enc.backward_states[1, 0], enc.backward.output[2, 0])   # n = 4: j=1 is step 2


def test_bidirectional_needs_an_even_hidden_size():
    with pytest.raises(ValueError, match="even"):
        Seq2Seq("gru", 4, 5, 3, bidirectional=True)


# ---------------------------------------------------------------------- greedy decoding
def test_greedy_decode_stops_at_the_end_token_and_matches_its_record():
    model = Seq2Seq("lstm", 4, 6, 5, 2, seed=0)
    rng = np.random.default_rng(0)
    for w in model.parameters().values():
        w[...] = rng.normal(size=w.shape)                   # decisive enough to end some sequences, not all
    source = np.eye(4)[rng.integers(0, 4, (5, 6))]
    lengths = np.array([5, 1, 3, 4, 2, 5])
    tokens, rec = model.greedy_decode(source, start_index=4, end_index=5, max_length=6, source_lengths=lengths)
    assert sorted({len(seq) for seq in tokens}) == [1, 2, 6] and any(5 not in seq for seq in tokens)
    for b, seq in enumerate(tokens):
        assert all(type(tok) is int for tok in seq) and 1 <= len(seq) <= 6
        assert 5 not in seq[:-1] and (seq[-1] == 5 or len(seq) == 6)
        # the re-run record's argmaxes are the step-by-step ones
        assert rec.head.logits[:len(seq), b].argmax(axis=-1).tolist() == seq
        assert rec.decoder.layers[0].x[0, b].argmax() == 4
        # and every token is what a teacher-forced pass on its prefix predicts at its last step
        for t in range(len(seq)):
            prefix = np.eye(6)[[4] + seq[:t]][:, None, :]
            y = model.forward(source[:, b:b + 1], prefix, lengths[b:b + 1]).y
            assert y[-1, 0].argmax() == seq[t]
    assert rec.target_lengths.tolist() == [len(seq) for seq in tokens]
    np.testing.assert_array_equal(rec.source_lengths, lengths)


def test_greedy_decode_respects_max_length_and_an_immediate_end():
    model = Seq2Seq("gru", 3, 4, 4, seed=0, attention="dot")
    source = np.eye(3)[[[0, 1], [2, 2], [1, 0]]]
    model.head.params["bias"][3] = -1e3                     # the end token never wins
    tokens, rec = model.greedy_decode(source, 0, 3, max_length=7)
    assert [len(seq) for seq in tokens] == [7, 7] and rec.y.shape == (7, 2, 4)
    model.head.params["bias"][3] = 1e3                      # the end token always wins
    tokens, rec = model.greedy_decode(source, 0, 3, max_length=7)
    assert tokens == [[3], [3]] and rec.weights.shape == (1, 2, 3)
    with pytest.raises(ValueError, match="end_index"):
        model.greedy_decode(source, 0, 4)
    with pytest.raises(ValueError, match="max_length"):
        model.greedy_decode(source, 0, 3, max_length=0)


def test_seeded_construction_is_deterministic_and_draws_encoder_then_decoder():
    a = Seq2Seq("gru", 4, 5, 3, 2, seed=7)
    b = Seq2Seq("gru", 4, 5, 3, 2, seed=np.random.default_rng(7))
    for name, w in a.state_dict().items():
        np.testing.assert_array_equal(w, b.parameters()[name])
    rng = np.random.default_rng(7)
    encoder, decoder = Recurrent("gru", 4, 3, 2, seed=rng), Recurrent("gru", 5, 3, 2, seed=rng)
    np.testing.assert_array_equal(a.parameters()["encoder.weight_ih_l0"], encoder.params["weight_ih_l0"])
    np.testing.assert_array_equal(a.parameters()["decoder.bias_hh_l1"], decoder.params["bias_hh_l1"])
    assert not np.array_equal(a.parameters()["head.weight"], Seq2Seq("gru", 4, 5, 3, 2, seed=8).head.params["weight"])
    source = np.eye(4)[[[0, 1], [2, 3], [1, 1]]]
    assert a.greedy_decode(source, 0, 1, 5)[0] == b.greedy_decode(source, 0, 1, 5)[0]


# ---------------------------------------------------------------------- learning
def test_learns_to_reverse_three_symbols():
    """All 64 sequences over 4 symbols; target class 4 is the start token, 5 the end token."""
    START, END = 4, 5
    seqs = np.array(np.meshgrid(*[np.arange(4)] * 3, indexing="ij")).reshape(3, -1)     # (3, 64)
    target = np.concatenate([seqs[::-1], np.full((1, 64), END)])                       # reversed, then end
    source = np.eye(4)[seqs]
    decoder_input = np.eye(6)[np.concatenate([np.full((1, 64), START), target[:-1]])]
    model = Seq2Seq("gru", 4, 6, 16, attention="additive", seed=0)
    opt = make_optimizer("adam", 0.03)
    for _ in range(300):
        rec = model.forward(source, decoder_input, record=False)
        model.loss(rec, target)
        opt.step(model.parameters(), model.backward(rec))
    tokens, _ = model.greedy_decode(source, START, END, max_length=6)
    assert tokens == target.T.tolist()


# ---------------------------------------------------------------------- saving
def test_config_and_state_dict_round_trip():
    model = Seq2Seq("lstm", 4, 5, 3, 2, attention="additive", attention_size=6, seed=1)
    config = json.loads(json.dumps(model.config))
    assert config["type"] == "Seq2Seq" and config["encoder"]["type"] == "Recurrent"
    rebuilt = Seq2Seq.from_config(config)
    assert rebuilt.config == model.config and rebuilt.attention_params["W_q"].shape == (6, 3)
    rebuilt.load_state_dict(model.state_dict())
    _, source, decoder_input, _ = make_case("lstm", "additive")
    a = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    b = rebuilt.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert model.greedy_decode(source, 0, 1)[0] == rebuilt.greedy_decode(source, 0, 1)[0]
    assert set(model.state_dict()) == {f"{part}.{name}_l{k}" for part in ("encoder", "decoder")
                                       for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                                       for k in range(2)} | {"attention.W_q", "attention.W_k", "attention.bias",
                                                             "attention.v", "head.weight", "head.bias"}
    for attention in ("dot", "none"):
        other = Seq2Seq("rnn", 4, 5, 3, attention=attention)
        assert Seq2Seq.from_config(json.loads(json.dumps(other.config))).config == other.config


def test_bidirectional_model_files_round_trip_and_older_files_load_left_to_right(tmp_path):
    from rnn_core.model_file import load_model, save_model
    model = Seq2Seq("lstm", 4, 5, 4, 2, attention="dot", seed=2, bidirectional=True)
    save_model(tmp_path / "bi.npz", model, vocab=["a", "b", "c", "d"])
    loaded = load_model(tmp_path / "bi.npz").model
    assert loaded.bidirectional and loaded.config == model.config
    assert {k for k in loaded.state_dict() if k.startswith("encoder_backward.")} == \
        {f"encoder_backward.{n}_l{k}" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") for k in range(2)}
    _, source, decoder_input, _ = make_case("lstm", "dot", bidirectional=True)
    np.testing.assert_array_equal(loaded.forward(source, decoder_input, SOURCE_LENGTHS).y,
                                  model.forward(source, decoder_input, SOURCE_LENGTHS).y)
    # a file written before the option: its config has no "bidirectional" and it reads left to right
    old = Seq2Seq("gru", 4, 5, 3, seed=1)
    config = old.config
    del config["bidirectional"]
    rebuilt = Seq2Seq.from_config(config)
    assert not rebuilt.bidirectional and rebuilt.encoder_backward is None and rebuilt.config == old.config


def test_inconsistent_configs_are_refused():
    config = Seq2Seq("gru", 4, 5, 3).config
    config["decoder"]["hidden_size"] = 4
    with pytest.raises(ValueError, match="decoder config .* hidden_size"):
        Seq2Seq.from_config(config)
    config = Seq2Seq("gru", 4, 5, 3, attention="none").config
    config["head"]["hidden_size"] = 6
    with pytest.raises(ValueError, match="head config"):
        Seq2Seq.from_config(config)
    with pytest.raises(ValueError, match="attention must be one of"):
        Seq2Seq("gru", 4, 5, 3, attention="multiplicative")


def test_bad_state_dicts_are_refused_and_change_nothing():
    model = Seq2Seq("gru", 4, 5, 3, seed=0)
    before = model.state_dict()
    good = Seq2Seq("gru", 4, 5, 3, seed=1).state_dict()
    cases = {
        "missing": ({k: v for k, v in good.items() if k != "attention.v"}, r"missing \['attention.v'\]"),
        "extra": (dict(good, **{"attention.u": np.zeros(3)}), r"unexpected \['attention.u'\]"),
        "shape": (dict(good, **{"head.weight": np.zeros((5, 3))}), r"head.weight has shape \(5, 3\), expected"),
        "nan": (dict(good, **{"head.bias": np.full(5, np.nan)}), "head.bias must hold finite"),
    }
    for state, message in cases.values():
        with pytest.raises(ValueError, match=message):
            model.load_state_dict(state)
        for name, w in model.parameters().items():       # the valid encoder arrays were not loaded either
            np.testing.assert_array_equal(w, before[name])


def test_float32_and_input_checks():
    model = Seq2Seq("lstm", 4, 5, 3, dtype=np.float32)
    _, source, decoder_input, target = make_case("lstm", "additive")
    rec = model.forward(source, decoder_input, SOURCE_LENGTHS, TARGET_LENGTHS)
    model.loss(rec, target)
    grads = model.backward(rec)
    assert rec.y.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    assert "loss=" in repr(rec) and "with gradients" in repr(rec) and "additive attention (A=3)" in repr(model)
    with pytest.raises(ValueError, match="same number of sequences"):
        model.forward(source, decoder_input[:, :2])
