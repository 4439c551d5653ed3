"""The record of one pass through a recurrent stack: every quantity at every layer and time step.

A forward pass fills it; a backward pass adds the gradients. Pages draw from it and never recompute.
Arrays are time-major, stacked over steps: ``(T, B, ...)``. The state arrays carry one extra row in
front, the initial state, so ``states[t + 1]`` is h_t and ``states[t]`` is h_{t-1}.
"""

from dataclasses import dataclass, field

import numpy as np

#: the blocks of the stacked weight matrices, in PyTorch's order
GATE_NAMES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


@dataclass(repr=False)
class LayerRecord:
    """What one layer saw and computed at every step.

    Attributes
    ----------
    x : ndarray of shape (T, B, D)
        The layer's input x_t (the layer below's output for layers above the first).
    input_product : ndarray of shape (T, B, G*H)
        W_ih x_t + b_ih, one block of H per gate.
    recurrent_product : ndarray of shape (T, B, G*H)
        W_hh h_{t-1} + b_hh.
    preactivation : ndarray of shape (T, B, G*H)
        What goes into each nonlinearity: input + recurrent product (GRU's n block:
        input product + r ⊙ recurrent product).
    gates : ndarray of shape (T, B, G*H)
        After the nonlinearity: RNN h; LSTM i, f, g, o; GRU r, z, n.
    states : ndarray of shape (T + 1, B, H)
        h_{-1} (the initial state) then h_0 ... h_{T-1}; past a sequence's end the state is held.
    cell_states : ndarray of shape (T + 1, B, H) or None
        LSTM c_{-1}, c_0 ... c_{T-1}.
    tanh_cell : ndarray of shape (T, B, H) or None
        LSTM tanh(c_t).
    output : ndarray of shape (T, B, H)
        h_t, zero past each sequence's end.

    After backward:

    d_hidden : ndarray of shape (T, B, H)
        ∂L/∂h_t, everything that reaches h_t: from its output and from step t + 1.
    d_cell : ndarray of shape (T, B, H) or None
        ∂L/∂c_t (LSTM).
    d_preactivation : ndarray of shape (T, B, G*H)
        ∂L/∂a_t at each gate's pre-activation: the gradient that reaches W_ih.
    d_recurrent_product : ndarray of shape (T, B, G*H)
        ∂L/∂(W_hh h_{t-1} + b_hh): the same as d_preactivation except GRU's n block (times r).
    d_x : ndarray of shape (T, B, D)
        ∂L/∂x_t.
    """

    kind: str
    x: np.ndarray
    input_product: np.ndarray
    recurrent_product: np.ndarray
    preactivation: np.ndarray
    gates: np.ndarray
    states: np.ndarray
    cell_states: np.ndarray | None
    tanh_cell: np.ndarray | None
    output: np.ndarray
    d_hidden: np.ndarray | None = None
    d_cell: np.ndarray | None = None
    d_preactivation: np.ndarray | None = None
    d_recurrent_product: np.ndarray | None = None
    d_x: np.ndarray | None = None

    @property
    def hidden(self):
        """h_t, shape (T, B, H): the state after each step (held past a sequence's end)."""
        return self.states[1:]

    @property
    def hidden_prev(self):
        """h_{t-1}, shape (T, B, H): the state each step starts from."""
        return self.states[:-1]

    @property
    def cell(self):
        """c_t, shape (T, B, H), LSTM only."""
        return None if self.cell_states is None else self.cell_states[1:]

    @property
    def cell_prev(self):
        """c_{t-1}, shape (T, B, H), LSTM only."""
        return None if self.cell_states is None else self.cell_states[:-1]

    @property
    def d_hidden_norm(self):
        """‖∂L/∂h_t‖₂ per step and sequence, shape (T, B): how much the loss still cares about each state."""
        return None if self.d_hidden is None else np.linalg.norm(self.d_hidden, axis=-1)

    @property
    def hidden_norm(self):
        """‖h_t‖₂ per step and sequence, shape (T, B)."""
        return np.linalg.norm(self.hidden, axis=-1)

    def gate(self, name, quantity="gates"):
        """One gate's block of a stacked quantity, shape (T, B, H).

        ``quantity`` is one of gates, preactivation, input_product, recurrent_product,
        d_preactivation, d_recurrent_product.
        """
        names = GATE_NAMES[self.kind]
        if name not in names:
            raise ValueError(f"{self.kind.upper()} has gates {', '.join(names)}, not {name!r}")
        H = self.states.shape[-1]
        k = names.index(name)
        return getattr(self, quantity)[..., k * H:(k + 1) * H]

    def __repr__(self):
        T, B, D = self.x.shape
        return f"LayerRecord({self.kind}, T={T}, B={B}, D={D}, H={self.states.shape[-1]})"


@dataclass(repr=False)
class Record:
    """A forward (and, once filled, backward) pass through a stack of recurrent layers.

    Attributes
    ----------
    kind : str
        "rnn", "lstm" or "gru".
    layers : list of LayerRecord
        Bottom layer first.
    lengths : ndarray of shape (B,)
        Each sequence's number of real steps.
    mask : ndarray of shape (T, B), bool
        True at real steps, False at padding.
    truncate : int or None
        After backward: the truncated-BPTT window used (None for full BPTT).
    d_input : ndarray of shape (T, B, D) or None
        After backward: ∂L/∂x_t of the bottom layer's input.
    d_h0, d_c0 : ndarray of shape (L, B, H) or None
        After backward: ∂L/∂(initial state).
    """

    kind: str
    layers: list
    lengths: np.ndarray
    mask: np.ndarray
    recorded: bool = True
    truncate: int | None = None
    d_input: np.ndarray | None = None
    d_h0: np.ndarray | None = None
    d_c0: np.ndarray | None = None
    extras: dict = field(default_factory=dict)

    @property
    def output(self):
        """Top layer's h_t, shape (T, B, H), zero past each sequence's end."""
        return self.layers[-1].output

    @property
    def h_n(self):
        """Final hidden state of every layer, shape (L, B, H): the state at each sequence's last real step."""
        return np.stack([layer.states[-1] for layer in self.layers])

    @property
    def c_n(self):
        """Final cell state of every layer, shape (L, B, H) (LSTM), else None."""
        if self.kind != "lstm":
            return None
        return np.stack([layer.cell_states[-1] for layer in self.layers])

    @property
    def shape(self):
        """(T, B) of this pass."""
        return self.mask.shape

    def to_columns(self):
        """A tidy table of everything recorded, as a dict of equal-length 1-D arrays.

        One row per (layer, step, sequence, quantity, gate, unit); padding steps are left out.
        ``pandas.DataFrame(record.to_columns())`` gives the table. Quantities: input,
        input_product, recurrent_product, preactivation, gate, hidden, cell, tanh_cell, and after
        backward d_hidden, d_cell, d_preactivation, d_input.
        """
        if not self.recorded:
            raise ValueError("this pass ran with record=False; run forward with record=True to tabulate it")
        parts = []
        for l, layer in enumerate(self.layers):
            stacked = {
                "input_product": layer.input_product,
                "recurrent_product": layer.recurrent_product,
                "preactivation": layer.preactivation,
                "gate": layer.gates,
                "d_preactivation": layer.d_preactivation,
            }
            plain = {
                "input": layer.x,
                "hidden": layer.hidden,
                "cell": layer.cell,
                "tanh_cell": layer.tanh_cell,
                "d_hidden": layer.d_hidden,
                "d_cell": layer.d_cell,
                "d_input": layer.d_x,
            }
            for name, arr in stacked.items():
                if arr is not None:
                    parts.append(_tidy(l, name, arr, self.mask, GATE_NAMES[self.kind]))
            for name, arr in plain.items():
                if arr is not None:
                    parts.append(_tidy(l, name, arr, self.mask, ("",)))
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}

    def __repr__(self):
        T, B = self.mask.shape
        H = self.layers[0].states.shape[-1]
        done = "with gradients" if self.layers[0].d_hidden is not None else "forward only"
        return f"Record({self.kind}, layers={len(self.layers)}, T={T}, B={B}, H={H}, {done})"


def _tidy(layer, quantity, arr, mask, gates):
    """Flatten one (T, B, G*U) array into tidy columns, keeping real steps only."""
    T, B, GU = arr.shape
    G = len(gates)
    U = GU // G
    t, b = np.nonzero(mask)                     # real steps only
    values = arr[t, b].reshape(-1, G, U)        # (N, G, U)
    N = len(t)
    return {
        "layer": np.full(N * G * U, layer),
        "step": np.repeat(t, G * U),
        "sequence": np.repeat(b, G * U),
        "quantity": np.full(N * G * U, quantity, dtype=object),
        "gate": np.tile(np.repeat(np.array(gates, dtype=object), U), N),
        "unit": np.tile(np.arange(U), N * G),
        "value": values.reshape(-1),
    }
