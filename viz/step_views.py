"""Every step of one run as plain lists, for the step views of the unrolled graph and gates pages.

Both pages draw their charts of the whole run once; a step change only shows another step's recorded numbers,
so the browser is sent those numbers once per setting and draws a step from them without asking the server
(``ui.step_view``). Numbers are full float64 values read from the record; the browser only formats them.
"""

import numpy as np

from .gates import KINDS, TITLES, value_range


def _rows(a):
    return np.asarray(a, dtype=float).tolist()


def unrolled_steps(rec, b=0):
    """The unrolled page's numbers of every real step of sequence ``b``.

    Returns ``{"layers": [...], "loss": (T,)}``: one dict per layer with ``h_prev``, ``h`` and ``d_h``
    (∂L/∂h_t), each (T, H), and for an LSTM ``c_prev``, ``c`` and ``d_c`` too; ``loss`` is each step's ℓ_t.
    ``rec`` : ModelRecord after ``SequenceModel.backward``.
    """
    T = int(rec.rnn.lengths[b])
    layers = []
    for lay in rec.rnn.layers:
        one = {"h_prev": _rows(lay.hidden_prev[:T, b]), "h": _rows(lay.hidden[:T, b]),
               "d_h": _rows(lay.d_hidden[:T, b])}
        if lay.cell is not None:
            one.update(c_prev=_rows(lay.cell_prev[:T, b]), c=_rows(lay.cell[:T, b]), d_c=_rows(lay.d_cell[:T, b]))
        layers.append(one)
    return {"layers": layers, "loss": _rows(rec.head.step_loss[:T, b])}


def gate_steps(blocks):
    """The gates page's bars of every step: one entry per quantity, in the order given.

    ``blocks`` : {name: ndarray of shape (T, H)}, the gates then c and h (``ui.gates.blocks``). Each entry has
    the ``name``, its ``symbol`` and ``words``, its ``kind`` (gate 0…1, signed, cell), the bars' ``range`` (the
    heatmap's colour range, ``viz.gates.value_range``) and ``values`` (T, H).
    """
    out = []
    for name, values in blocks.items():
        lo, hi = value_range(name, values)
        symbol, words = TITLES[name]
        out.append({"name": name, "symbol": symbol, "words": words, "kind": KINDS[name], "range": [lo, hi],
                    "values": _rows(values)})
    return {"blocks": out}
