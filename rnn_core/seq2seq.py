"""An encoder–decoder with global attention: many-to-many, not in step (translation, reversal, ...).

Two :class:`~rnn_core.Recurrent` stacks of the same kind and size: the encoder reads the source, the
decoder starts from the encoder's final state and reads the target shifted right (teacher forcing:
the start token, then the target). At every decoder step the top-layer state s_t looks back over all
encoder outputs h_j (Luong's global attention), and a softmax head reads the context and the state.
Teacher-forced training is fully vectorised: the decoder's input is known, so both stacks run as
ordinary batched passes and the attention is a handful of array products over all (t, j) at once.

Arrays are time-major: source (T_in, B, Vs), decoder input (T_out, B, Vt), encoder outputs h
(T_in, B, H), decoder outputs s (T_out, B, H), attention scores and weights (T_out, B, T_in).

With ``bidirectional=True`` the encoder reads the source both ways (Bahdanau et al. 2015): two stacks of
H/2 units, left to right and right to left, and h_j = [→h_j ; ←h_j] (see :mod:`rnn_core.bidirectional`); the
encoder's final state, which the bridge and the no-attention model pass on, is [→h_{n−1} ; ←h_0].

Parameter names are ``encoder.<PyTorch name>``, ``encoder_backward.<PyTorch name>`` (bidirectional only),
``decoder.<PyTorch name>``, ``attention.W_q``,
``attention.W_k``, ``attention.bias``, ``attention.v`` and ``head.weight`` / ``head.bias``.

Notes
-----
The decoder's initial state is the encoder's final state: h0_dec = h_n (and c0_dec = c_n for LSTM),
so ∂L/∂h0_dec (the decoder's d_h0) is the encoder's d_h_n. For decoder step t and source step j,
forward on the left, backward on the right (d_c, d_s arrive from the head; sums over t and j run
over every step, padding included, where the terms are zero)::

    additive  q_t = W_q s_t + b,  k_j = W_k h_j         d_qk_tj = d_e_tj v ⊙ (1 - u_tj²)
              u_tj = tanh(q_t + k_j)                    d_q_t = Σ_j d_qk_tj,  d_k_j = Σ_t d_qk_tj
              e_tj = v · u_tj                           d_v = Σ d_e_tj u_tj,  d_b = Σ_t d_q_t
                                                        d_W_q = Σ_t d_q_t s_tᵀ,  d_s_t += W_qᵀ d_q_t
                                                        d_W_k = Σ_j d_k_j h_jᵀ,  d_h_j += W_kᵀ d_k_j
    dot       e_tj = s_t · h_j                          d_s_t += Σ_j d_e_tj h_j,  d_h_j += Σ_t d_e_tj s_t
    mask      e_tj = -inf past the source's length      (so α_tj = 0 there, and d_e_tj = 0)
    softmax   α_tj = exp(e_tj) / Σ_j' exp(e_tj')        d_e_tj = α_tj (d_α_tj - Σ_j' α_tj' d_α_tj')
    context   c_t = Σ_j α_tj h_j                        d_α_tj = d_c_t · h_j,  d_h_j += Σ_t α_tj d_c_t
    head      y_t = softmax(W [c_t ; s_t] + b)          [d_c_t ; d_s_t] = Wᵀ (y_t - onehot_t) / count

attention="none" drops the middle rows: y_t = softmax(W s_t + b), the plain encoder–decoder whose
only view of the source is the final state. The decoder then gets ∂L/∂s_t as its d_output, and the
encoder gets d_h (T_in, B, H) as its d_output together with d_h_n (and d_c_n) from the decoder.
"""

from dataclasses import dataclass

import numpy as np

from . import bidirectional as bi
from .head import Head, HeadRecord
from .params import checked_copies
from .record import Record
from .recurrent import Recurrent, as_generator

ATTENTIONS = ("additive", "dot", "none")
ATTENTION_PARAMS = ("W_q", "W_k", "bias", "v")


def _bmm(x, y):
    """Σ_k x[m, b, k] · y[k, b, n] for every sequence b: (M, B, K) and (K, B, N) → (M, B, N).

    One batched matrix product over the sequences (several times faster than the equivalent einsum).
    """
    return np.matmul(x.transpose(1, 0, 2), y.transpose(1, 0, 2)).transpose(1, 0, 2)


@dataclass(repr=False)
class Seq2SeqRecord:
    """One pass through a :class:`Seq2Seq`: both recurrent records, the attention and the head.

    Attributes
    ----------
    encoder : Record or BiRecord
        The encoder's pass over the source; ``encoder.output`` is h_j (T_in, B, H). Bidirectional: a
        :class:`~rnn_core.bidirectional.BiRecord` holding both directions' records (``.forward``, ``.backward``).
    decoder : Record
        The decoder's pass; ``decoder.output`` is s_t (T_out, B, H), zero past each target's length.
        Its initial states (``decoder.layers[k].states[0]``) are the encoder's final states.
    head : HeadRecord
        ``.y`` the probabilities (T_out, B, Vt); ``.h`` what the head read, [c_t ; s_t] (T_out, B, 2H).
    attention : str
        "additive", "dot" or "none".
    scores : ndarray of shape (T_out, B, T_in) or None
        e_tj; -inf at padded source positions. None for attention="none".
    weights : ndarray of shape (T_out, B, T_in) or None
        α_tj: every row sums to 1 and is exactly 0 at padded source positions. Rows past a target's
        length are computed (from s_t = 0) but carry no loss.
    context : ndarray of shape (T_out, B, H) or None
        c_t = Σ_j α_tj h_j.
    features : ndarray of shape (T_out, B, T_in, A) or None
        u_tj = tanh(W_q s_t + W_k h_j + b), additive attention only (backward reuses it).
    queries : ndarray of shape (T_out, B, A) or None
        q_t = W_q s_t + b, additive attention only.
    keys : ndarray of shape (T_in, B, A) or None
        k_j = W_k h_j, additive attention only (so u_tj = tanh(q_t + k_j)).

    After backward (None for attention="none"):

    d_context : ndarray of shape (T_out, B, H)      ∂L/∂c_t
    d_weights : ndarray of shape (T_out, B, T_in)   ∂L/∂α_tj
    d_scores : ndarray of shape (T_out, B, T_in)    ∂L/∂e_tj (0 at padded source positions)
    """

    encoder: Record
    decoder: Record
    head: HeadRecord
    attention: str
    scores: np.ndarray | None = None
    weights: np.ndarray | None = None
    context: np.ndarray | None = None
    features: np.ndarray | None = None
    queries: np.ndarray | None = None
    keys: np.ndarray | None = None
    d_context: np.ndarray | None = None
    d_weights: np.ndarray | None = None
    d_scores: np.ndarray | None = None

    @property
    def loss(self):
        """The last loss computed on this record (None before :meth:`Seq2Seq.loss`)."""
        return self.head.loss

    @property
    def y(self):
        """Probabilities of every target class at every decoder step, shape (T_out, B, Vt)."""
        return self.head.y

    @property
    def source_lengths(self):
        """Each source's number of real steps, shape (B,)."""
        return self.encoder.lengths

    @property
    def target_lengths(self):
        """Each target's number of real steps, shape (B,)."""
        return self.decoder.lengths

    @property
    def d_source(self):
        """After backward: ∂L/∂source, shape (T_in, B, Vs)."""
        return self.encoder.d_input

    @property
    def d_decoder_input(self):
        """After backward: ∂L/∂decoder_input, shape (T_out, B, Vt)."""
        return self.decoder.d_input

    def __repr__(self):
        T_in, B = self.encoder.mask.shape
        T_out = self.decoder.mask.shape[0]
        loss = "" if self.head.loss is None else f", loss={self.head.loss:.6g}"
        done = "with gradients" if self.encoder.d_input is not None else "forward only"
        return (f"Seq2SeqRecord({self.encoder.kind}, attention={self.attention}, T_in={T_in}, T_out={T_out}, "
                f"B={B}{loss}, {done})")


class Seq2Seq:
    """Encoder → attention → decoder → softmax head, trained with teacher forcing.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
        The cell of both stacks.
    source_size : int
        Vs, the size of each source vector (the source vocabulary for one-hot inputs).
    target_size : int
        Vt, the size of each decoder input vector and the number of output classes.
    hidden_size : int
        H, shared by encoder and decoder.
    num_layers : int
        L, of each stack.
    nonlinearity : {"tanh", "relu", "sigmoid"}
        φ of a vanilla RNN (ignored by LSTM and GRU).
    attention : {"additive", "dot", "none"}
        Bahdanau's score v · tanh(W_q s + W_k h + b), Luong's s · h, or no attention (the head reads
        s_t alone).
    attention_size : int or None
        A, the width of the additive score (default H); ignored by the other two.
    seed : int or numpy.random.Generator
        One generator draws the encoder, the decoder, the attention (every array uniform(-1/√H, 1/√H),
        in the order W_q, W_k, bias, v) and the head, in that order.
    dtype : float64 (default; exact gradients) or float32
    bridge : bool
        True: the decoder starts from the encoder's final state. False: it starts from zeros, so
        everything it learns of the source must come through the attention (alignments are cleaner).
    bidirectional : bool
        True: the encoder is two stacks of H/2 units each (H must be even), one reading the source left to
        right, one right to left, and h_j = [→h_j ; ←h_j]; drawn from the generator after the forward one.
    """

    def __init__(self, kind, source_size, target_size, hidden_size, num_layers=1, nonlinearity="tanh",
                 attention="additive", attention_size=None, seed=0, dtype=np.float64, bridge=True,
                 bidirectional=False):
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {', '.join(ATTENTIONS)}, not {attention!r}")
        self.bidirectional = bool(bidirectional)
        if self.bidirectional and (not isinstance(hidden_size, (int, np.integer)) or hidden_size % 2):
            raise ValueError(f"a bidirectional encoder splits hidden_size between its two directions, so it must "
                             f"be even, not {hidden_size!r}")
        rng = as_generator(seed)
        enc_size = hidden_size // 2 if self.bidirectional else hidden_size
        self.encoder = Recurrent(kind, source_size, enc_size, num_layers, nonlinearity, rng, dtype=dtype)
        self.encoder_backward = Recurrent(kind, source_size, enc_size, num_layers, nonlinearity, rng,
                                          dtype=dtype) if self.bidirectional else None
        self.decoder = Recurrent(kind, target_size, hidden_size, num_layers, nonlinearity, rng, dtype=dtype)
        H, dtype = self.decoder.hidden_size, self.decoder.dtype
        self.attention, self.attention_size, self.attention_params = attention, None, {}
        self.bridge = bool(bridge)
        if attention == "additive":
            A = H if attention_size is None else attention_size
            if not isinstance(A, (int, np.integer)) or not 1 <= A <= 4096:
                raise ValueError(f"attention_size must be a whole number from 1 to 4096, not {A!r}")
            self.attention_size = A = int(A)
            bound = 1.0 / np.sqrt(H)
            shapes = {"W_q": (A, H), "W_k": (A, H), "bias": (A,), "v": (A,)}
            for name in ATTENTION_PARAMS:
                self.attention_params[name] = rng.uniform(-bound, bound, shapes[name]).astype(dtype)
        self.head = Head(H if attention == "none" else 2 * H, target_size, "softmax", rng, dtype)

    # ------------------------------------------------------------------ shape
    @property
    def kind(self):
        return self.encoder.kind

    @property
    def hidden_size(self):
        """H: the decoder's size and each h_j's (both directions together when bidirectional)."""
        return self.decoder.hidden_size

    @property
    def num_layers(self):
        return self.encoder.num_layers

    @property
    def source_size(self):
        return self.encoder.input_size

    @property
    def target_size(self):
        return self.decoder.input_size

    @property
    def dtype(self):
        return self.encoder.dtype

    # ------------------------------------------------------------------ parameters
    @property
    def config(self):
        """What rebuilds this architecture (JSON-able): the two stacks' and the head's configs, and the attention."""
        config = {"type": "Seq2Seq", "encoder": self.encoder.config, "decoder": self.decoder.config,
                  "attention": self.attention, "attention_size": self.attention_size, "head": self.head.config,
                  "bridge": self.bridge, "bidirectional": self.bidirectional}
        if self.bidirectional:
            config["encoder_backward"] = self.encoder_backward.config
        return config

    @classmethod
    def from_config(cls, config):
        """Build an (untrained) model from ``config``; ValueError if its parts do not fit together.

        A config without "bidirectional" (files written before the option) builds a left-to-right encoder.
        """
        if config.get("type", "Seq2Seq") != "Seq2Seq":
            raise ValueError(f"this config describes a {config.get('type')!r}, not a Seq2Seq")
        enc, dec = config["encoder"], config["decoder"]
        both = config.get("bidirectional", False)
        if not isinstance(both, bool):
            raise ValueError(f"bidirectional must be true or false, not {both!r}")
        H = enc["hidden_size"] * 2 if both and isinstance(enc["hidden_size"], int) else enc["hidden_size"]
        model = cls(enc["kind"], enc["input_size"], dec["input_size"], H, enc.get("num_layers", 1),
                    enc.get("nonlinearity", "tanh"), config.get("attention", "additive"),
                    config.get("attention_size"), dtype=enc.get("dtype", "float64"), bridge=config.get("bridge", True),
                    bidirectional=both)
        # the encoder's config decides; everything else must agree with it
        built = model.config
        for part in ("encoder_backward", "decoder", "head") if both else ("decoder", "head"):
            wrong = sorted(k for k, v in config[part].items() if built[part].get(k) != v)
            if wrong:
                raise ValueError(f"the {part} config does not fit the encoder and attention: {', '.join(wrong)} "
                                 f"should be {', '.join(repr(built[part].get(k)) for k in wrong)}")
        if config.get("attention_size", built["attention_size"]) != built["attention_size"]:
            raise ValueError(f"attention_size must be {built['attention_size']!r} for {model.attention} attention")
        return model

    def _parts(self):
        parts = {"encoder": self.encoder.params}
        if self.bidirectional:
            parts["encoder_backward"] = self.encoder_backward.params
        return {**parts, "decoder": self.decoder.params, "attention": self.attention_params, "head": self.head.params}

    def parameters(self):
        """Live arrays: ``encoder.weight_ih_l0`` ..., ``encoder_backward.*`` (bidirectional only), ``decoder.*``,
        ``attention.*`` (additive only), ``head.*``."""
        return {f"{part}.{k}": v for part, params in self._parts().items() for k, v in params.items()}

    def state_dict(self):
        return {k: v.copy() for k, v in self.parameters().items()}

    def load_state_dict(self, state):
        """Load every parameter; nothing changes unless all are present, of their shape and finite."""
        new = checked_copies(self.parameters(), state)
        parts = self._parts()
        for name, value in new.items():
            part, key = name.split(".", 1)
            parts[part][key] = value

    def num_parameters(self):
        return sum(w.size for w in self.parameters().values())

    def __repr__(self):
        att = {"additive": f"additive attention (A={self.attention_size})", "dot": "dot attention",
               "none": "no attention"}[self.attention]
        both = f", encoder_backward={self.encoder_backward!r}" if self.bidirectional else ""
        return f"Seq2Seq(encoder={self.encoder!r}{both}, decoder={self.decoder!r}, {att}, head={self.head!r})"

    # ------------------------------------------------------------------ attention
    def _attend(self, s, h, source_mask):
        """Scores e, weights α, context c and (additive) u, q, k of states s (T, B, H) over outputs h (J, B, H)."""
        if self.attention == "additive":
            P = self.attention_params
            q = s @ P["W_q"].T + P["bias"]                               # q_t = W_q s_t + b      (T, B, A)
            k = h @ P["W_k"].T                                           # k_j = W_k h_j          (J, B, A)
            u = q[:, :, None, :] + k.transpose(1, 0, 2)[None]           # q_t + k_j              (T, B, J, A)
            np.tanh(u, out=u)                                            # u_tj (in place: u is the big one)
            e = u @ P["v"]                                               # e_tj = v · u_tj
        else:
            u = q = k = None
            e = _bmm(s, h.transpose(2, 1, 0))                            # e_tj = s_t · h_j
        np.copyto(e, -np.inf, where=~source_mask.T[None])                # padding: α = exp(-inf) = 0 exactly
        alpha = np.exp(e - e.max(axis=-1, keepdims=True))                # every row has a real step: max finite
        alpha /= alpha.sum(axis=-1, keepdims=True)
        c = _bmm(alpha, h)                                               # c_t = Σ_j α_tj h_j
        return e, alpha, c, u, q, k

    def attend(self, s, h, source_lengths=None):
        """Attention of decoder states over encoder outputs, outside a full pass (for inspection).

        Parameters
        ----------
        s : ndarray of shape (T_out, B, H)
        h : ndarray of shape (T_in, B, H)
        source_lengths : ndarray of shape (B,) of ints in 1..T_in, or None (all T_in)

        Returns
        -------
        scores, weights : ndarray of shape (T_out, B, T_in)
        context : ndarray of shape (T_out, B, H)
        """
        if self.attention == "none":
            raise ValueError("this model has no attention")
        s, h = np.asarray(s, self.dtype), np.asarray(h, self.dtype)
        H = self.hidden_size
        if s.ndim != 3 or h.ndim != 3 or s.shape[1:] != h.shape[1:] or s.shape[2] != H:
            raise ValueError(f"s must have shape (T_out, B, {H}) and h (T_in, B, {H}), not {s.shape} and {h.shape}")
        J, B = h.shape[:2]
        lengths = np.full(B, J) if source_lengths is None else np.asarray(source_lengths)
        valid = lengths.shape == (B,) and np.issubdtype(lengths.dtype, np.integer)
        if not valid or lengths.min() < 1 or lengths.max() > J:
            raise ValueError(f"source_lengths must be {B} whole numbers from 1 to {J}, not {lengths!r}")
        mask = np.arange(J)[:, None] < lengths[None, :]
        e, alpha, c, *_ = self._attend(s, h, mask)
        return e, alpha, c

    # ------------------------------------------------------------------ passes
    def _encode(self, source, lengths, record=True):
        """The encoder's pass: a Record, or both directions' as a BiRecord."""
        if not self.bidirectional:
            return self.encoder.forward(source, lengths=lengths, record=record)
        return bi.encode(self.encoder, self.encoder_backward, source, lengths, record)

    def _initial_state(self, enc):
        """The encoder's final state, in the form a decoder's h0 takes (zeros without the bridge)."""
        if not self.bridge:
            return None
        return (enc.h_n, enc.c_n) if self.kind == "lstm" else enc.h_n

    def _read(self, s, enc):
        """What the head reads at every decoder step, with the attention that produced it."""
        if self.attention == "none":
            return s, (None,) * 6
        e, alpha, c, u, q, k = self._attend(s, enc.output, enc.mask)
        return np.concatenate([c, s], axis=-1), (e, alpha, c, u, q, k)

    def forward(self, source, decoder_input, source_lengths=None, target_lengths=None, record=True):
        """A teacher-forced pass.

        Parameters
        ----------
        source : ndarray of shape (T_in, B, Vs)
            One-hot source tokens (any real vectors work).
        decoder_input : ndarray of shape (T_out, B, Vt)
            The start token, then the target shifted right.
        source_lengths, target_lengths : ndarray of shape (B,) of ints, or None (every step is real)
        record : bool
            Passed to both stacks: False keeps only what backward needs.

        Returns
        -------
        Seq2SeqRecord
        """
        B_in, B_out = np.shape(source)[1:2], np.shape(decoder_input)[1:2]
        if B_in != B_out:
            raise ValueError(f"source and decoder_input must hold the same number of sequences, "
                             f"not {B_in} and {B_out} (shapes {np.shape(source)}, {np.shape(decoder_input)})")
        enc = self._encode(source, source_lengths, record)
        dec = self.decoder.forward(decoder_input, h0=self._initial_state(enc), lengths=target_lengths, record=record)
        x, attended = self._read(dec.output, enc)
        return Seq2SeqRecord(enc, dec, self.head.forward(x), self.attention, *attended)

    __call__ = forward

    def loss(self, rec, target, reduction="mean"):
        """Cross-entropy against ``target`` (T_out, B) of class indices; steps past target_lengths are ignored.

        reduction "mean" averages over the real steps, "sum" adds them and divides by B (see :class:`Head`).
        """
        return self.head.loss(rec.head, target, rec.decoder.mask, reduction)

    def backward(self, rec, truncate=None):
        """Gradients of the last :meth:`loss` for every parameter, keyed like :meth:`parameters`.

        ``truncate`` is passed to both stacks' backward (truncated BPTT within each); the attention has
        no recurrence and always sends its full gradient. The record gains ``d_context``,
        ``d_weights``, ``d_scores``, and through the stacks' records ``d_source`` and ``d_decoder_input``.
        """
        if rec.attention != self.attention:
            raise ValueError(f"this record comes from a model with {rec.attention} attention, not {self.attention}")
        head_grads, d_x = self.head.backward(rec.head)                   # ∂L/∂[c_t ; s_t] or ∂L/∂s_t
        H = self.hidden_size
        h, s = rec.encoder.output, rec.decoder.output
        att_grads = {}
        if self.attention == "none":
            d_s, d_h = d_x, np.zeros_like(h)
        else:
            d_c, d_s = d_x[..., :H], d_x[..., H:].copy()
            alpha = rec.weights
            d_alpha = _bmm(d_c, h.transpose(2, 1, 0))                    # d_α_tj = d_c_t · h_j
            d_h = _bmm(alpha.transpose(2, 1, 0), d_c)                    # d_h_j = Σ_t α_tj d_c_t
            d_e = alpha * (d_alpha - (alpha * d_alpha).sum(axis=-1, keepdims=True))   # through the softmax
            if self.attention == "dot":
                d_s += _bmm(d_e, h)                                      # e_tj = s_t · h_j
                d_h += _bmm(d_e.transpose(2, 1, 0), s)
            else:
                P, u = self.attention_params, rec.features
                A = u.shape[-1]
                d_qk = u * u                                             # ∂L/∂(q_t + k_j)   (T, B, J, A)
                np.subtract(1.0, d_qk, out=d_qk)                         #   = d_e_tj v ⊙ (1 - u_tj²),
                d_qk *= P["v"]                                           #   in place: the largest array
                d_qk *= d_e[..., None]
                d_q = d_qk.sum(axis=2)                                   # q_t enters every j   (T, B, A)
                d_k = d_qk.sum(axis=0).transpose(1, 0, 2)                # k_j enters every t   (J, B, A)
                att_grads = {
                    "W_q": d_q.reshape(-1, A).T @ s.reshape(-1, H),
                    "W_k": d_k.reshape(-1, A).T @ h.reshape(-1, H),
                    "bias": d_q.sum(axis=(0, 1)),
                    "v": d_e.reshape(-1) @ u.reshape(-1, A),
                }
                d_s += d_q @ P["W_q"]
                d_h += d_k @ P["W_k"]
            rec.d_context, rec.d_weights, rec.d_scores = d_c, d_alpha, d_e
        # the decoder first: its d_h0 (d_c0) is the gradient at the encoder's final state
        dec_grads = self.decoder.backward(rec.decoder, d_s, truncate=truncate)
        d_h_n, d_c_n = (rec.decoder.d_h0, rec.decoder.d_c0) if self.bridge else (None, None)
        if self.bidirectional:
            enc_grads, back_grads = bi.backward(self.encoder, self.encoder_backward, rec.encoder, d_h, d_h_n, d_c_n,
                                                truncate)
        else:
            enc_grads, back_grads = self.encoder.backward(rec.encoder, d_h, d_h_n, d_c_n, truncate=truncate), {}
        grads = {f"encoder.{k}": v for k, v in enc_grads.items()}
        grads.update({f"encoder_backward.{k}": v for k, v in back_grads.items()})
        grads.update({f"decoder.{k}": v for k, v in dec_grads.items()})
        grads.update({f"attention.{k}": att_grads[k] for k in self.attention_params})
        grads.update({f"head.{k}": v for k, v in head_grads.items()})
        return grads

    # ------------------------------------------------------------------ decoding
    def greedy_decode(self, source, start_index, end_index, max_length=30, source_lengths=None):
        """Decode without a target: each step feeds its own most likely token back as the next input.

        The decoder runs one step at a time (T = 1 passes from the previous state) and a sequence stops
        at ``end_index`` or after ``max_length`` tokens; the batch stops when every sequence has.

        Parameters
        ----------
        source : ndarray of shape (T_in, B, Vs)
        start_index, end_index : int
            Target classes of the start token (the first input) and of the end token.
        max_length : int
            The most tokens produced per sequence, end token included.
        source_lengths : ndarray of shape (B,) of ints, or None

        Returns
        -------
        tokens : list of B lists of int
            Each sequence's tokens, without the start token, up to and including the end token if produced.
        record : Seq2SeqRecord
            A teacher-forced :meth:`forward` on the decoded tokens (target_lengths = the tokens'
            counts): the same numbers as the step-by-step run, with the attention ready to inspect.
        """
        V = self.target_size
        for name, value in (("start_index", start_index), ("end_index", end_index)):
            if not isinstance(value, (int, np.integer)) or not 0 <= value < V:
                raise ValueError(f"{name} must be a target class from 0 to {V - 1}, not {value!r}")
        if not isinstance(max_length, (int, np.integer)) or max_length < 1:
            raise ValueError(f"max_length must be a whole number ≥ 1, not {max_length!r}")
        enc = self._encode(source, source_lengths, record=False)
        B = enc.mask.shape[1]
        eye = np.eye(V, dtype=self.dtype)
        tokens = np.zeros((max_length, B), np.int64)
        lengths = np.zeros(B, np.int64)
        done = np.zeros(B, bool)
        state, token = self._initial_state(enc), np.full(B, start_index)
        for t in range(max_length):
            dec = self.decoder.forward(eye[token][None], h0=state, record=False)
            state = (dec.h_n, dec.c_n) if self.kind == "lstm" else dec.h_n      # carry the decoder's state
            x, _ = self._read(dec.output, enc)
            token = self.head.forward(x).logits[0].argmax(axis=-1)
            tokens[t] = token
            lengths += ~done                                             # finished sequences stop counting
            done |= token == end_index
            if done.all():
                break
        T = t + 1
        decoder_input = eye[np.concatenate([np.full((1, B), start_index), tokens[:T - 1]])]
        rec = self.forward(source, decoder_input, source_lengths, lengths)
        return [tokens[:n, b].tolist() for b, n in enumerate(lengths)], rec
