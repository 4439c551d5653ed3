"""How saturated the gates of an LSTM or GRU are: the share of values near the ends of their range.

A gate squashed by a sigmoid lives in (0, 1); a candidate squashed by tanh lives in (-1, 1). A value near
an end of its range is *saturated*: the gate is (almost) fully shut or fully open, and the nonlinearity's
slope there is nearly zero, so little gradient passes back through it:

    σ'(a) = σ(a) (1 − σ(a))        tanh'(a) = 1 − tanh(a)²

both of which vanish as the value approaches an end. An LSTM forget gate f_t near 1 keeps the cell,
c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t; near 0 it wipes it. A GRU update gate z_t near 1 keeps the state,
h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}.
"""

import numpy as np

from .record import GATE_NAMES

#: the gate computed with tanh (range −1..1) in each cell; every other gate is a sigmoid (range 0..1)
CANDIDATE = {"lstm": "g", "gru": "n"}

#: each gate's name in words
GATE_TITLES = {
    "h": "hidden state h",
    "i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
    "r": "reset gate r", "z": "update gate z", "n": "candidate n",
}


def saturation(gates, low=0.1, high=0.9, mask=None, signed=()):
    """Share of each gate's values near the bottom and near the top of its range.

    Parameters
    ----------
    gates : dict of str → ndarray of shape (T, B, H)
        Gate values by name, e.g. ``{"f": layer.gate("f"), ...}``.
    low, high : float, 0 ≤ low < high ≤ 1
        The thresholds on the 0..1 scale of a sigmoid gate.
    mask : ndarray of shape (T, B), bool, optional
        True at the steps to count (real steps); None counts every step.
    signed : iterable of str
        Names of gates that live in (−1, 1) (tanh candidates). Their thresholds are the same positions
        on their range: 2·low − 1 and 2·high − 1 (−0.8 and 0.8 for the defaults).

    Returns
    -------
    dict of str → dict
        For each gate: ``low`` the share of counted values strictly below the bottom threshold, ``high``
        the share strictly above the top threshold, ``saturated`` their sum, ``count`` the number of values
        counted, and ``below``/``above`` the thresholds used. Shares are NaN when nothing is counted.

    Notes
    -----
    With the values v_{t,b,k} of one gate and the mask m_{t,b},

        low  = Σ m_{t,b} [v_{t,b,k} < a] / (H Σ m_{t,b})
        high = Σ m_{t,b} [v_{t,b,k} > b] / (H Σ m_{t,b})

    with (a, b) = (low, high) for a sigmoid gate and (2·low − 1, 2·high − 1) for a tanh gate.
    """
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}")
    signed = set(signed)
    out = {}
    for name, values in gates.items():
        values = np.asarray(values, dtype=float)
        T, B, H = values.shape
        keep = np.ones((T, B), bool) if mask is None else np.asarray(mask, bool)
        if keep.shape != (T, B):
            raise ValueError(f"mask has shape {keep.shape}, gate {name!r} needs {(T, B)}")
        below, above = (2 * low - 1, 2 * high - 1) if name in signed else (low, high)
        counted = values[keep]                                   # (N, H): the counted steps only
        count = counted.size
        share_low = float(np.count_nonzero(counted < below) / count) if count else float("nan")
        share_high = float(np.count_nonzero(counted > above) / count) if count else float("nan")
        out[name] = {"low": share_low, "high": share_high, "saturated": share_low + share_high,
                     "count": int(count), "below": float(below), "above": float(above)}
    return out


def layer_saturation(layer, mask=None, low=0.1, high=0.9):
    """:func:`saturation` of every gate of one LSTM or GRU layer (its candidate counted on −1..1).

    Parameters
    ----------
    layer : LayerRecord of kind "lstm" or "gru"
    mask : ndarray of shape (T, B), bool, optional
        e.g. ``record.mask`` for real steps only, or a mask of one sequence's steps.
    """
    if layer.kind not in CANDIDATE:
        raise ValueError(f"a {layer.kind.upper()} layer has no gates; saturation is for LSTM and GRU")
    gates = {name: layer.gate(name) for name in GATE_NAMES[layer.kind]}
    return saturation(gates, low=low, high=high, mask=mask, signed=(CANDIDATE[layer.kind],))
