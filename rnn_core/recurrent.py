"""A stack of vanilla RNN, LSTM or GRU layers with PyTorch's parameter layout, and its exact BPTT.

Each cell's forward loop and backward loop sit side by side below. Arrays are time-major:
inputs ``x`` (T, B, D), states (T, B, H), initial states (L, B, H).

Notes
-----
With G the number of gate blocks (RNN 1, LSTM 4, GRU 3), layer k holds
``weight_ih_l{k}`` (G·H, D), ``weight_hh_l{k}`` (G·H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G·H,).
Every step computes the input product ``p_t = W_ih x_t + b_ih`` and the recurrent product
``q_t = W_hh h_{t-1} + b_hh``; the input products of all steps come from one matrix product before
the loop, and every weight gradient from one matrix product after it.

RNN:  h_t = φ(p_t + q_t)                         φ ∈ {tanh, relu, sigmoid}
LSTM: [i, f, g, o] = [σ, σ, tanh, σ](p_t + q_t)
      c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
GRU:  [r, z] = σ(p^{rz}_t + q^{rz}_t),   n = tanh(p^n_t + r ⊙ q^n_t)
      h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

Past a sequence's length its state is held and its output is zero (PyTorch's packed sequences).
"""

import numpy as np

from .activations import ACTIVATIONS, d_sigmoid, d_tanh, sigmoid
from .params import checked_copies
from .record import LayerRecord, Record

KINDS = {"rnn": 1, "lstm": 4, "gru": 3}
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def as_generator(seed):
    """A numpy Generator from an int seed, or the Generator itself."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Recurrent:
    """A stack of ``num_layers`` recurrent layers of one kind.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
    input_size : int
        D, the size of each x_t.
    hidden_size : int
        H, the size of each h_t.
    num_layers : int
        L, from 1 to 4.
    nonlinearity : {"tanh", "relu", "sigmoid"}
        φ of the vanilla RNN (ignored by LSTM and GRU).
    seed : int or numpy.random.Generator
        Initialisation: every parameter uniform(-1/√H, 1/√H), as PyTorch does, drawn per layer in
        the order weight_ih, weight_hh, bias_ih, bias_hh.
    recurrent_scale : float
        Multiplies every W_hh after drawing it, to push its spectral radius above or below 1.
    dtype : numpy dtype
        float64 (default; exact gradients) or float32.
    """

    def __init__(self, kind, input_size, hidden_size, num_layers=1, nonlinearity="tanh", seed=0,
                 recurrent_scale=1.0, dtype=np.float64):
        kind = str(kind).lower()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if nonlinearity not in ACTIVATIONS:
            raise ValueError(f"nonlinearity must be one of {', '.join(ACTIVATIONS)}, not {nonlinearity!r}")
        for name, value, top in (("input_size", input_size, 100_000), ("hidden_size", hidden_size, 4096),
                                 ("num_layers", num_layers, 4)):
            if not isinstance(value, (int, np.integer)) or not 1 <= value <= top:
                raise ValueError(f"{name} must be a whole number from 1 to {top}, not {value!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, not {dtype}")
        self.kind, self.nonlinearity, self.dtype = kind, nonlinearity, dtype
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.gates = KINDS[kind]
        rng = as_generator(seed)
        H, G, bound = self.hidden_size, self.gates, 1.0 / np.sqrt(hidden_size)
        self.params = {}
        for k in range(self.num_layers):
            D = self.input_size if k == 0 else H
            shapes = {"weight_ih": (G * H, D), "weight_hh": (G * H, H), "bias_ih": (G * H,), "bias_hh": (G * H,)}
            for name in PARAM_NAMES:
                w = rng.uniform(-bound, bound, size=shapes[name])
                if name == "weight_hh":
                    w *= recurrent_scale
                self.params[f"{name}_l{k}"] = w.astype(dtype)

    # ------------------------------------------------------------------ parameters
    @property
    def config(self):
        """What rebuilds this architecture (JSON-able)."""
        return {"type": "Recurrent", "kind": self.kind, "input_size": self.input_size,
                "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "nonlinearity": self.nonlinearity, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        """Build an (untrained) stack from ``config``."""
        keys = ("kind", "input_size", "hidden_size", "num_layers", "nonlinearity", "dtype")
        return cls(**{k: config[k] for k in keys if k in config})

    def parameters(self):
        """The live parameter arrays by PyTorch name (an optimiser updates them in place)."""
        return self.params

    def state_dict(self):
        """A copy of every parameter, keyed by PyTorch's names (``weight_ih_l0``, ...)."""
        return {name: w.copy() for name, w in self.params.items()}

    def load_state_dict(self, state):
        """Load parameters saved by :meth:`state_dict` or by PyTorch (tensors turned into arrays).

        Every expected name must be present with its exact shape and finite values; nothing is
        changed unless all of them are. Raises ValueError naming what is wrong.
        """
        new = checked_copies(self.params, state, f"a {self.kind.upper()} of {self.num_layers} layer(s)")
        self.params.update(new)

    def num_parameters(self):
        return sum(w.size for w in self.params.values())

    def __repr__(self):
        act = f", {self.nonlinearity}" if self.kind == "rnn" else ""
        return (f"Recurrent({self.kind}{act}, input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"num_layers={self.num_layers}, dtype={self.dtype.name})")

    # ------------------------------------------------------------------ checks
    def _check_inputs(self, x, h0, lengths):
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 3 or x.shape[2] != self.input_size or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"x must have shape (T, B, {self.input_size}) with T, B ≥ 1, not {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x holds NaN or infinite values")
        T, B, _ = x.shape
        L, H = self.num_layers, self.hidden_size
        if lengths is None:
            mask = None
            lengths = np.full(B, T)
        else:
            lengths = np.asarray(lengths)
            if lengths.shape != (B,) or not np.issubdtype(lengths.dtype, np.integer):
                raise ValueError(f"lengths must be {B} whole numbers (one per sequence), not {lengths!r}")
            if lengths.min() < 1 or lengths.max() > T:
                raise ValueError(f"every length must be from 1 to T={T}, got {lengths.tolist()}")
            mask = np.arange(T)[:, None] < lengths[None, :]          # (T, B)
            if mask.all():
                mask = None
        c0 = None
        if self.kind == "lstm" and h0 is not None:
            if not isinstance(h0, (tuple, list)) or len(h0) != 2:
                raise ValueError("an LSTM's initial state is a pair (h0, c0)")
            h0, c0 = h0
        for name, s in (("h0", h0), ("c0", c0)):
            if s is not None and np.shape(s) != (L, B, H):
                raise ValueError(f"{name} must have shape (L, B, H) = {(L, B, H)}, not {np.shape(s)}")
        h0 = np.zeros((L, B, H), self.dtype) if h0 is None else np.asarray(h0, self.dtype)
        if self.kind == "lstm":
            c0 = np.zeros((L, B, H), self.dtype) if c0 is None else np.asarray(c0, self.dtype)
        return x, h0, c0, np.asarray(lengths), mask

    # ------------------------------------------------------------------ forward
    def forward(self, x, h0=None, lengths=None, record=True):
        """Run the stack over a batch of sequences.

        Parameters
        ----------
        x : ndarray of shape (T, B, D)
        h0 : ndarray of shape (L, B, H), or for LSTM a pair (h0, c0) of that shape; zeros if None
        lengths : ndarray of shape (B,) of ints in 1..T, or None (all T)
        record : bool
            False keeps only what backward needs (faster, less memory); the same code runs.

        Returns
        -------
        Record
            ``.output`` (T, B, H), ``.h_n`` (L, B, H), ``.c_n`` (LSTM), and every layer's internals.
        """
        x, h0, c0, lengths, mask = self._check_inputs(x, h0, lengths)
        layers = []
        inp = x
        with np.errstate(over="ignore"):          # exp overflow in σ gives exactly 0; no warning needed
            for k in range(self.num_layers):
                layer = self._forward_layer(k, inp, h0[k], None if c0 is None else c0[k], mask, record)
                layers.append(layer)
                inp = layer.output
        full_mask = np.ones(x.shape[:2], bool) if mask is None else mask
        return Record(self.kind, layers, lengths, full_mask, recorded=record)

    __call__ = forward

    def _forward_layer(self, k, x, h0, c0, mask, record):
        T, B, D = x.shape
        H, G, dt = self.hidden_size, self.gates, self.dtype
        W_ih, W_hh = self.params[f"weight_ih_l{k}"], self.params[f"weight_hh_l{k}"]
        b_ih, b_hh = self.params[f"bias_ih_l{k}"], self.params[f"bias_hh_l{k}"]
        # input product of every step in one matrix product: p = x W_ih^T + b_ih
        p = (x.reshape(T * B, D) @ W_ih.T).reshape(T, B, G * H)
        p += b_ih
        states = np.empty((T + 1, B, H), dt)
        states[0] = h0
        # the RNN's only "gate" is h itself: no copy unless padding must be zeroed
        gates = None if self.kind == "rnn" else np.empty((T, B, G * H), dt)
        # without recording, q and the pre-activation live in one reused buffer (GRU keeps q: backward needs it)
        keep_q = record or self.kind == "gru"
        q = np.empty((T if keep_q else 1, B, G * H), dt)
        a = np.empty((T if record else 1, B, G * H), dt)
        qs = list(q) if keep_q else [q[0]] * T
        As = list(a) if record else [a[0]] * T
        pad = None if mask is None else ~mask[:, :, None]                # (T, B, 1)
        cells = tanh_c = None
        W_hhT = W_hh.T
        if self.kind == "rnn":
            phi = ACTIVATIONS[self.nonlinearity][0]
            for t in range(T):
                q_t, a_t, h_t = qs[t], As[t], states[t + 1]
                np.matmul(states[t], W_hhT, out=q_t)                     # q_t = W_hh h_{t-1} + b_hh
                q_t += b_hh
                np.add(p[t], q_t, out=a_t)                               # a_t = p_t + q_t
                phi(a_t, out=h_t)                                        # h_t = φ(a_t)
                if pad is not None:
                    np.copyto(h_t, states[t], where=pad[t])              # hold the state past the end
            gates = states[1:] if pad is None else states[1:].copy()
        elif self.kind == "lstm":
            cells = np.empty((T + 1, B, H), dt)
            cells[0] = c0
            tanh_c = np.empty((T, B, H), dt)
            ig = np.empty((B, H), dt)
            for t in range(T):
                q_t, a_t, z_t = qs[t], As[t], gates[t]
                np.matmul(states[t], W_hhT, out=q_t)                     # q_t = W_hh h_{t-1} + b_hh
                q_t += b_hh
                np.add(p[t], q_t, out=a_t)
                sigmoid(a_t, out=z_t)                                    # i, f, o = σ(a)
                np.tanh(a_t[:, 2 * H:3 * H], out=z_t[:, 2 * H:3 * H])    # g = tanh(a_g)
                i, f, g, o = z_t[:, :H], z_t[:, H:2 * H], z_t[:, 2 * H:3 * H], z_t[:, 3 * H:]
                c_t = cells[t + 1]
                np.multiply(f, cells[t], out=c_t)                        # c_t = f ⊙ c_{t-1} + i ⊙ g
                np.multiply(i, g, out=ig)
                c_t += ig
                np.tanh(c_t, out=tanh_c[t])
                np.multiply(o, tanh_c[t], out=states[t + 1])             # h_t = o ⊙ tanh(c_t)
                if pad is not None:
                    np.copyto(c_t, cells[t], where=pad[t])
                    np.copyto(states[t + 1], states[t], where=pad[t])
        else:  # gru
            zh = np.empty((B, H), dt)
            for t in range(T):
                q_t, a_t, z_t = qs[t], As[t], gates[t]
                np.matmul(states[t], W_hhT, out=q_t)                     # q_t = W_hh h_{t-1} + b_hh
                q_t += b_hh
                np.add(p[t, :, :2 * H], q_t[:, :2 * H], out=a_t[:, :2 * H])
                sigmoid(a_t[:, :2 * H], out=z_t[:, :2 * H])              # r, z = σ(p + q)
                r, z, n = z_t[:, :H], z_t[:, H:2 * H], z_t[:, 2 * H:]
                np.multiply(r, q_t[:, 2 * H:], out=a_t[:, 2 * H:])       # a_n = p_n + r ⊙ q_n
                a_t[:, 2 * H:] += p[t, :, 2 * H:]
                np.tanh(a_t[:, 2 * H:], out=n)                           # n = tanh(a_n)
                h_t = states[t + 1]
                np.subtract(1.0, z, out=h_t)                             # h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
                h_t *= n                                                 # (this form keeps h exactly when z = 1)
                np.multiply(z, states[t], out=zh)
                h_t += zh
                if pad is not None:
                    np.copyto(h_t, states[t], where=pad[t])
        output = states[1:]
        if pad is not None:
            keep = mask[:, :, None]
            output = output * keep                                       # zero past each sequence's end
            gates *= keep                                                # padding computes nothing
            for arr in (q, a) if record else ():
                arr *= keep
            if record:
                p = p * keep
        return LayerRecord(self.kind, x, p, q if keep_q else None, a if record else None, gates, states,
                           cells, tanh_c, output)

    # ------------------------------------------------------------------ backward
    def backward(self, record, d_output, d_h_n=None, d_c_n=None, truncate=None):
        """Backpropagation through time.

        Parameters
        ----------
        record : Record
            From :meth:`forward` with the current parameters.
        d_output : ndarray of shape (T, B, H)
            ∂L/∂output (what the head sends back); entries past a sequence's end are ignored.
        d_h_n, d_c_n : ndarray of shape (L, B, H) or None
            ∂L/∂(final states), for example from a decoder that starts from them.
        truncate : int or None
            Truncated BPTT: the sequence is cut into windows of ``truncate`` steps and no gradient
            crosses a window's start (the state there is treated as a constant), so a gradient
            flows back at most ``truncate`` steps. None is full BPTT.

        Returns
        -------
        dict
            ∂L/∂(each parameter), keyed like :meth:`state_dict`. The record gains ``d_input``
            (T, B, D), ``d_h0``, ``d_c0`` (L, B, H) and each layer's per-step gradients.
        """
        layers = record.layers
        T, B = record.mask.shape
        L, H = self.num_layers, self.hidden_size
        if len(layers) != L or layers[0].kind != self.kind:
            raise ValueError("this record comes from a different model")
        d_out = np.asarray(d_output, dtype=self.dtype)
        if d_out.shape != (T, B, H):
            raise ValueError(f"d_output must have shape (T, B, H) = {(T, B, H)}, not {d_out.shape}")
        if truncate is not None and (not isinstance(truncate, (int, np.integer)) or truncate < 1):
            raise ValueError(f"truncate must be a whole number of steps ≥ 1 or None, not {truncate!r}")
        for name, d in (("d_h_n", d_h_n), ("d_c_n", d_c_n)):
            if d is not None and np.shape(d) != (L, B, H):
                raise ValueError(f"{name} must have shape (L, B, H) = {(L, B, H)}, not {np.shape(d)}")
        mask = None if record.mask.all() else record.mask
        if mask is not None:
            d_out = d_out * mask[:, :, None]
        grads = {}
        d_h0 = np.zeros((L, B, H), self.dtype)
        d_c0 = np.zeros((L, B, H), self.dtype) if self.kind == "lstm" else None
        for k in reversed(range(L)):
            dh_n = None if d_h_n is None else np.asarray(d_h_n, self.dtype)[k]
            dc_n = None if d_c_n is None else np.asarray(d_c_n, self.dtype)[k]
            d_x = self._backward_layer(k, layers[k], d_out, dh_n, dc_n, mask, truncate, grads, d_h0, d_c0,
                                       record.recorded)
            d_out = d_x
        record.d_input, record.d_h0, record.d_c0, record.truncate = d_out, d_h0, d_c0, truncate
        return {name: grads[name] for name in self.params}

    def _backward_layer(self, k, rec, d_out, dh_n, dc_n, mask, truncate, grads, d_h0, d_c0, recorded):
        T, B, D = rec.x.shape
        H, G, dt = self.hidden_size, self.gates, self.dtype
        W_ih, W_hh = self.params[f"weight_ih_l{k}"], self.params[f"weight_hh_l{k}"]
        keep = None if mask is None else mask[:, :, None]                # (T, B, 1)
        pad = None if mask is None else ~keep
        d_a = np.empty((T, B, G * H), dt)                                # ∂L/∂a_t, every gate
        d_h = np.empty((T if recorded else 1, B, H), dt)
        dHs = list(d_h) if recorded else [d_h[0]] * T
        dh_next = np.zeros((B, H), dt) if dh_n is None else dh_n.copy()  # ∂L/∂h_t arriving from step t+1
        cut = (lambda t: (t + 1) % truncate == 0 and t + 1 < T) if truncate else (lambda t: False)
        d_c = d_q = None
        z = rec.gates
        if self.kind == "rnn":
            d_phi = ACTIVATIONS[self.nonlinearity][1]
            d_phi(rec.hidden, out=d_a)                                   # φ'(a_t) from h_t, all steps at once
            if keep is not None:
                d_a *= keep
            for t in reversed(range(T)):
                if cut(t):
                    dh_next[:] = 0.0                                     # the window starts at t+1
                dh = dHs[t]
                np.add(d_out[t], dh_next, out=dh)                        # ∂L/∂h_t: from the output and from t+1
                d_a[t] *= dh                                             # backprop through φ
                np.matmul(d_a[t], W_hh, out=dh_next)                     # backprop into h_{t-1}
                if pad is not None:
                    np.copyto(dh_next, dh, where=pad[t])                 # held state: gradient passes unchanged
            d_q = d_a
        elif self.kind == "lstm":
            i, f, g, o = (z[..., j * H:(j + 1) * H] for j in range(4))
            c_prev, tc = rec.cell_prev, rec.tanh_cell
            # every factor that does not depend on the incoming gradient, for all steps at once
            dsig = d_sigmoid(z)                                          # σ'(a) = s(1 - s)
            rows = np.empty((T, B, 3, H), dt)
            np.multiply(g, dsig[..., :H], out=rows[:, :, 0])             # ∂c/∂a_i = g ⊙ σ'(a_i)
            np.multiply(c_prev, dsig[..., H:2 * H], out=rows[:, :, 1])   # ∂c/∂a_f = c_{t-1} ⊙ σ'(a_f)
            np.multiply(i, d_tanh(g), out=rows[:, :, 2])                 # ∂c/∂a_g = i ⊙ (1 - g²)
            dh_dao = tc * dsig[..., 3 * H:]                              # ∂h/∂a_o = tanh(c) ⊙ σ'(a_o)
            dh_dc = o * d_tanh(tc)                                       # ∂h/∂c = o ⊙ (1 - tanh²c)
            if keep is not None:
                rows *= keep[:, :, :, None]
                dh_dao *= keep
                dh_dc *= keep
            d_c = np.empty((T if recorded else 1, B, H), dt)
            dCs = list(d_c) if recorded else [d_c[0]] * T
            dc_next = np.zeros((B, H), dt) if dc_n is None else dc_n.copy()
            d_a4 = d_a.reshape(T, B, 4, H)
            tmp = np.empty((B, H), dt)
            for t in reversed(range(T)):
                if cut(t):
                    dh_next[:] = 0.0
                    dc_next[:] = 0.0
                dh, dc = dHs[t], dCs[t]
                np.add(d_out[t], dh_next, out=dh)                        # ∂L/∂h_t
                np.multiply(dh, dh_dc[t], out=tmp)                       # ∂L/∂c_t = from c_{t+1} + via h_t
                np.add(dc_next, tmp, out=dc)
                np.multiply(dc[:, None, :], rows[t], out=d_a4[t, :, :3])  # backprop into a_i, a_f, a_g
                np.multiply(dh, dh_dao[t], out=d_a4[t, :, 3])            # backprop into a_o
                np.matmul(d_a[t], W_hh, out=dh_next)                     # backprop into h_{t-1}
                np.multiply(dc, f[t], out=dc_next)                       # backprop into c_{t-1}
                if pad is not None:
                    np.copyto(dh_next, dh, where=pad[t])
                    np.copyto(dc_next, dc, where=pad[t])
            d_c0[k] = dc_next
            d_q = d_a
        else:  # gru
            r, zz, n = z[..., :H], z[..., H:2 * H], z[..., 2 * H:]
            q_n = rec.recurrent_product[..., 2 * H:]
            dsig = d_sigmoid(z[..., :2 * H])
            dh_dan = (1.0 - zz) * d_tanh(n)                              # ∂h/∂a_n = (1 - z) ⊙ (1 - n²)
            dh_daz = (rec.hidden_prev - n) * dsig[..., H:]               # ∂h/∂a_z = (h_{t-1} - n) ⊙ σ'(a_z)
            dan_dar = q_n * dsig[..., :H]                                # ∂a_n/∂a_r = q_n ⊙ σ'(a_r)
            if keep is not None:
                dh_dan *= keep
                dh_daz *= keep
                zz = zz * keep
            d_q = np.empty((T, B, G * H), dt)
            for t in reversed(range(T)):
                if cut(t):
                    dh_next[:] = 0.0
                dh, da, dq = dHs[t], d_a[t], d_q[t]
                np.add(d_out[t], dh_next, out=dh)                        # ∂L/∂h_t
                dan = da[:, 2 * H:]
                np.multiply(dh, dh_dan[t], out=dan)                      # backprop through n
                np.multiply(dan, dan_dar[t], out=da[:, :H])              # backprop into a_r
                np.multiply(dh, dh_daz[t], out=da[:, H:2 * H])           # backprop into a_z
                dq[:, :2 * H] = da[:, :2 * H]
                np.multiply(dan, r[t], out=dq[:, 2 * H:])                # q_n enters a_n times r
                np.matmul(dq, W_hh, out=dh_next)                         # backprop into h_{t-1} through q
                dh_next += dh * zz[t]                                    # ... and directly, through z ⊙ h_{t-1}
                if pad is not None:
                    np.copyto(dh_next, dh, where=pad[t])
        d_h0[k] = dh_next
        # every weight gradient in one matrix product over all steps
        d_a2, d_q2 = d_a.reshape(T * B, G * H), d_q.reshape(T * B, G * H)
        grads[f"weight_ih_l{k}"] = d_a2.T @ rec.x.reshape(T * B, D)
        grads[f"weight_hh_l{k}"] = d_q2.T @ rec.hidden_prev.reshape(T * B, H)
        grads[f"bias_ih_l{k}"] = d_a2.sum(axis=0)
        grads[f"bias_hh_l{k}"] = d_q2.sum(axis=0)
        d_x = (d_a2 @ W_ih).reshape(T, B, D)
        rec.d_preactivation, rec.d_recurrent_product, rec.d_x = d_a, d_q, d_x
        rec.d_hidden = d_h if recorded else None
        rec.d_cell = d_c if recorded else None
        return d_x

    # ------------------------------------------------------------------ inspection
    def weight_grad_by_step(self, record, layer=0):
        """Each step's share of every weight gradient of one layer (summing over steps gives the gradient).

        Returns
        -------
        dict
            ``weight_ih`` (T, G·H, D), ``weight_hh`` (T, G·H, H), ``bias_ih`` and ``bias_hh`` (T, G·H).
        """
        rec = record.layers[layer]
        if rec.d_preactivation is None:
            raise ValueError("run backward on this record first")
        return {
            "weight_ih": np.einsum("tbg,tbd->tgd", rec.d_preactivation, rec.x),
            "weight_hh": np.einsum("tbg,tbh->tgh", rec.d_recurrent_product, rec.hidden_prev),
            "bias_ih": rec.d_preactivation.sum(axis=1),
            "bias_hh": rec.d_recurrent_product.sum(axis=1),
        }

    def step_jacobians(self, record, layer=-1):
        """∂s_t/∂s_{t-1} at every step of one layer, where s is the state: h (RNN, GRU) or [h; c] (LSTM).

        Returns
        -------
        ndarray of shape (T, B, S, S)
            S = H, or 2H for LSTM (rows and columns ordered h then c). Identity past a sequence's end.
        """
        rec = record.layers[layer]
        k = layer % self.num_layers
        W_hh = self.params[f"weight_hh_l{k}"]
        H = self.hidden_size
        T, B = record.mask.shape
        z = rec.gates
        Wb = [W_hh[j * H:(j + 1) * H] for j in range(self.gates)]          # (H, H) per gate
        if self.kind == "rnn":
            J = ACTIVATIONS[self.nonlinearity][1](rec.hidden)[..., None] * Wb[0]
        elif self.kind == "gru":
            r, zz, n = z[..., :H], z[..., H:2 * H], z[..., 2 * H:]
            q_n = rec.recurrent_product[..., 2 * H:]
            dan = (1 - zz) * d_tanh(n)
            dan_dh = (q_n * d_sigmoid(r))[..., None] * Wb[0] + r[..., None] * Wb[2]
            J = ((rec.hidden_prev - n) * d_sigmoid(zz))[..., None] * Wb[1] + dan[..., None] * dan_dh
            J[..., np.arange(H), np.arange(H)] += zz
        else:
            i, f, g, o = (z[..., j * H:(j + 1) * H] for j in range(4))
            tc, c_prev = rec.tanh_cell, rec.cell_prev
            dc_dh = ((c_prev * d_sigmoid(f))[..., None] * Wb[1] + (g * d_sigmoid(i))[..., None] * Wb[0]
                     + (i * d_tanh(g))[..., None] * Wb[2])
            dh_dc = o * d_tanh(tc)
            J = np.zeros((T, B, 2 * H, 2 * H), self.dtype)
            J[..., :H, :H] = (tc * d_sigmoid(o))[..., None] * Wb[3] + dh_dc[..., None] * dc_dh
            J[..., :H, H:][..., np.arange(H), np.arange(H)] = dh_dc * f
            J[..., H:, :H] = dc_dh
            J[..., H:, H:][..., np.arange(H), np.arange(H)] = f
        if not record.mask.all():
            eye = np.eye(J.shape[-1], dtype=self.dtype)
            J[~record.mask] = eye
        return J

    def jacobian_norms(self, record, layer=-1):
        """‖∂h_t/∂h_s‖₂ for every pair s ≤ t: how strongly the state at step s still moves the state at t.

        For LSTM the product runs over the full state [h; c] and the h-to-h block is measured.

        Returns
        -------
        ndarray of shape (T, T, B)
            ``[t, s, b]``; 1 on the diagonal, 0 above it (the future does not move the past).
        """
        J = self.step_jacobians(record, layer)
        T, B, S, _ = J.shape
        H = self.hidden_size
        norms = np.zeros((T, T, B))
        for s in range(T):
            P = np.broadcast_to(np.eye(S, dtype=self.dtype), (B, S, S)).copy()
            norms[s, s] = 1.0
            for t in range(s + 1, T):
                P = J[t] @ P
                norms[t, s] = np.linalg.norm(P[:, :H, :H], ord=2, axis=(1, 2))
        return norms
