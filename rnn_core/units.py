"""What the units of a trained character model track: their states over a passage, their correlation with the
text's features, and LSTMVis's select-and-match (Strobelt et al., "LSTMVis", 2017).

Notes
-----
For a passage of N characters the states are gathered as S (N, K): one column per (layer, quantity, unit),
quantity h (every cell) and c (LSTM), value after reading character t. A feature f (N,) is compared with
unit u by Pearson's correlation r_u = Σ_t (S_tu − S̄_u)(f_t − f̄) / √(Σ_t (S_tu − S̄_u)² Σ_t (f_t − f̄)²),
taken as 0 where either side is constant.

Select and match: a span [start, end) and a threshold θ select the units on over all of it,
U = {u : S_tu ≥ θ for every t in the span}. Every other place where at least ``min_on`` of them are on
together (S_tu ≥ θ) is a run of consecutive positions; runs are ranked by the number of selected units on
together (most first), the number of other units on (fewest first) and their length (longest first).
"""

from dataclasses import dataclass

import numpy as np

from .corpus import FEATURES, features


@dataclass
class States:
    """A passage's states as one table.

    Attributes
    ----------
    values : ndarray of shape (N, K)     column k is unit ``units[k]``
    units : list of (layer, quantity, unit)   layer and unit numbered from 1; quantity "h" or "c"
    text : str                           the passage, N characters
    """

    values: np.ndarray
    units: list
    text: str

    def label(self, k):
        layer, quantity, unit = self.units[k]
        return f"{quantity} layer {layer} unit {unit}"

    def column(self, layer, quantity, unit):
        """The index k of (layer, quantity, unit); KeyError if the model has no such unit."""
        return self.units.index((layer, quantity, unit))


def states(rec, text):
    """Every layer's h (and c, LSTM) over the passage of a one-sequence record: :class:`States`."""
    cols, units = [], []
    for k, layer in enumerate(rec.rnn.layers):
        for quantity, arr in (("h", layer.hidden), ("c", layer.cell)):
            if arr is None:
                continue
            values = arr[:, 0]                                  # (N, H)
            cols.append(values)
            units += [(k + 1, quantity, u + 1) for u in range(values.shape[1])]
    return States(np.concatenate(cols, axis=1).astype(np.float64), units, text)


def correlations(values, feature):
    """Pearson's r of every column of ``values`` (N, K) with ``feature`` (N,): (K,), 0 where constant."""
    values = np.asarray(values, np.float64)
    f = np.asarray(feature, np.float64)
    a = values - values.mean(axis=0)
    b = f - f.mean()
    ssa, ssb = (a * a).sum(axis=0), b @ b
    # a constant side (up to rounding in its mean) has no correlation
    varies = (np.sqrt(ssa) > 1e-9 * (1 + np.abs(values).max(axis=0, initial=0))) & (np.sqrt(ssb) > 1e-9)
    r = np.zeros(values.shape[1])
    r[varies] = (b @ a[:, varies]) / np.sqrt(ssa[varies] * ssb)
    return np.clip(r, -1.0, 1.0)


def feature_table(st, top=3):
    """For each feature of the passage, the ``top`` units with the largest |r|: a list of dict rows
    (feature, rank, unit label, layer, quantity, unit, column, correlation), best first per feature."""
    rows = []
    for name, f in features(st.text).items():
        r = correlations(st.values, f)
        order = np.argsort(-np.abs(r), kind="stable")[:top]
        for rank, k in enumerate(order, start=1):
            layer, quantity, unit = st.units[k]
            rows.append({"feature": name, "rank": rank, "unit": st.label(k), "layer": layer, "quantity": quantity,
                         "unit number": unit, "column": int(k), "correlation": float(r[k]),
                         "meaning": FEATURES[name]})
    return rows


def all_correlations(st):
    """Every unit against every feature: {feature: (K,) correlations}."""
    return {name: correlations(st.values, f) for name, f in features(st.text).items()}


@dataclass
class Match:
    """One place where the selected units are on together.

    start, end : int           positions [start, end) in the passage
    on : float                 mean number of selected units on per position
    others : float             mean number of other units on per position
    """

    start: int
    end: int
    on: float
    others: float

    @property
    def length(self):
        return self.end - self.start


def select(values, start, end, threshold):
    """The columns of ``values`` (N, K) at or above ``threshold`` over every position of [start, end): (k,) ints."""
    N = values.shape[0]
    if not 0 <= start < end <= N:
        raise ValueError(f"the span must lie within 0..{N} and hold at least one character")
    return np.flatnonzero(np.all(values[start:end] >= threshold, axis=0))


def matches(values, selected, threshold, min_on=None, exclude=None, limit=10):
    """Runs of positions where at least ``min_on`` (default: all) of ``selected`` are on, ranked (see Notes).

    values : (N, K); selected : (k,) column indices; exclude : a (start, end) span left out (the selection).
    Returns up to ``limit`` :class:`Match` objects, best first.
    """
    selected = np.asarray(selected, int)
    if selected.size == 0:
        return []
    need = selected.size if min_on is None else max(1, min(int(min_on), selected.size))
    on = values >= threshold                                     # (N, K)
    sel_on = on[:, selected].sum(axis=1)                         # (N,)
    other_on = on.sum(axis=1) - sel_on
    hit = sel_on >= need
    if exclude is not None:
        hit[exclude[0]:exclude[1]] = False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], hit.astype(np.int8), [0]])))
    found = [Match(int(s), int(e), float(sel_on[s:e].mean()), float(other_on[s:e].mean()))
             for s, e in zip(edges[::2], edges[1::2], strict=True)]
    found.sort(key=lambda m: (-m.on, m.others, -m.length, m.start))
    return found[:limit]


def find_span(text, query):
    """The span [start, end) of the first occurrence of ``query`` in ``text``, or None."""
    if not query:
        return None
    at = text.find(query)
    return None if at < 0 else (at, at + len(query))
