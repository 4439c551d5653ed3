"""Every step of one recorded run as plain lists: what the step-through page sends to the browser once.

The browser draws each step from this payload without asking the server again, so it carries every number
that a step's pictures, tables and equations show, read from the record and the weights (never computed
here beyond picking a prediction with argmax and the colour scales of the pictures). Numbers are full
float64 values; the browser only formats them.

Layout of the payload (T steps of sequence b, one layer, H units, D inputs, O outputs, G blocks):

- ``steps`` : ``x`` (T, D), ``h_prev`` and ``h`` (T, H), LSTM ``c_prev``, ``c``, ``tanh_c`` (T, H), and per
  block ``input_product``, ``recurrent_product``, ``preactivation``, ``gate`` {block: (T, H)}; the top layer
  adds ``logits`` and ``y`` (T, O), ``loss`` (T,), and the rows of the step table (``prediction``, ``p``,
  ``target``, ``right``, ``target_index``);
- ``weights`` : per block ``ih`` (H, D), ``hh`` (H, H), ``b_ih`` and ``b_hh`` (H,); ``hy`` (O, H) on top;
- labels (``tokens``, ``input_labels``, ``hidden_labels``, ``output_labels``) exactly as typed: the browser
  writes them with ``textContent``, so nothing is escaped here.
"""

import json

import numpy as np

from rnn_core.data import END
from rnn_core.record import GATE_NAMES

CAP_BYTES = 400_000      # the most one setting may send; longer runs step through their first steps only


def label(token):
    return "end" if token == END else str(token)


def prediction(data, head, t, b):
    """(predicted label, its probability or value, target label or None) at step t of sequence b.

    A run without targets (a CSV of inputs alone) has None for the target. Kennedy's one sigmoid output is
    "name" or "not a name"; a model's own sigmoid outputs are 1 or 0 each; an identity head's are its values.
    """
    y = head.y[t, b]
    has_target = data.y is not None
    if data.head == "softmax":
        k = int(np.argmax(y))
        return (label(data.output_labels[k]), float(y[k]),
                label(data.output_labels[int(data.y[t, b])]) if has_target else None)
    if has_target:
        target = data.y[t, b] if data.target == "every" else data.y[b]
        target = np.atleast_1d(target)
    if data.head == "sigmoid" and data.output_labels == ["name"]:     # Kennedy: the probability of "name"
        p = float(y[0])
        return ("name" if p > 0.5 else "not a name"), p, (
            ("name" if target[0] > 0.5 else "not a name") if has_target else None)
    if data.head == "sigmoid":
        bits = " ".join("1" if v > 0.5 else "0" for v in y)
        return bits, float(y[0]), (" ".join("1" if v > 0.5 else "0" for v in target) if has_target else None)
    return (" ".join(f"{v:.4g}" for v in y), float(y[0]),
            " ".join(f"{v:.4g}" for v in target) if has_target else None)


def probability_name(data):
    """What the step table's probability column holds, said in its heading."""
    if data.head == "softmax":
        return "P(next letter)" if data.input_vocab is not None else "P(prediction)"
    if data.head == "sigmoid":
        return "P(name)" if data.output_labels == ["name"] else "P(output 1 = 1)"
    return "value of output 1"


def _rows(a):
    return np.asarray(a, dtype=float).tolist()


def _scale(*arrays):
    """The largest |value| among arrays: the pictures' colour and width scale (1e-12 when all are zero)."""
    return max(1e-12, max(float(np.max(np.abs(a))) for a in arrays))


def step_payload(data, model, rec, b=0, layer=0, t=0, block=None, pace=1.5, cap=CAP_BYTES):
    """The payload for sequence ``b`` of ``data`` at ``layer`` (0-based) of ``rec``, opening on step ``t``.

    Parameters
    ----------
    data : SequenceData               tokens, labels, targets
    model : SequenceModel             its weights are drawn as arrows and in the mat-vec pictures
    rec : ModelRecord                 the recorded forward pass of ``data`` through ``model``
    b, layer, t : int                 sequence, layer and the step shown first
    block : str or None               the block whose arrows are drawn first (default: h, g or n)
    pace : float                      seconds per step when playing
    cap : int                         the most bytes of JSON; past it only the first steps are sent
    """
    lay = rec.rnn.layers[layer]
    kind, blocks = lay.kind, list(GATE_NAMES[lay.kind])
    T = int(data.lengths[b])
    H, D = lay.states.shape[-1], lay.x.shape[-1]
    top = layer == model.rnn.num_layers - 1 and rec.head is not None      # a recurrent layer alone has no head
    params = model.rnn.params
    if block not in blocks:
        block = {"lstm": "g", "gru": "n"}.get(kind, "h")

    def part(name, j):
        return params[f"{name}_l{layer}"][j * H:(j + 1) * H]

    weights = {"ih": {}, "hh": {}, "b_ih": {}, "b_hh": {}}
    steps = {"x": _rows(lay.x[:T, b]), "h_prev": _rows(lay.hidden_prev[:T, b]), "h": _rows(lay.hidden[:T, b]),
             "input_product": {}, "recurrent_product": {}, "preactivation": {}, "gate": {}}
    scales = {"arrows": {}, "ih": {}, "hh": {}, "gate": {}}
    w_out = model.head.params["weight"] if top else None
    for j, g in enumerate(blocks):
        w_ih, w_hh, b_ih, b_hh = part("weight_ih", j), part("weight_hh", j), part("bias_ih", j), part("bias_hh", j)
        weights["ih"][g], weights["hh"][g], weights["b_ih"][g], weights["b_hh"][g] = (
            _rows(w_ih), _rows(w_hh), _rows(b_ih), _rows(b_hh))
        for q in ("input_product", "recurrent_product", "preactivation"):
            steps[q][g] = _rows(lay.gate(g, q)[:T, b])
        steps["gate"][g] = _rows((lay.hidden if kind == "rnn" else lay.gate(g))[:T, b])
        scales["gate"][g] = _scale(steps["gate"][g])
        scales["arrows"][g] = _scale(w_ih, w_hh, *([w_out] if top else []))
        scales["ih"][g] = _scale(w_ih, b_ih, lay.gate(g, "input_product")[:T, b])
        scales["hh"][g] = _scale(w_hh, b_hh, lay.gate(g, "recurrent_product")[:T, b])
    if kind == "lstm":
        steps["c_prev"], steps["c"] = _rows(lay.cell_prev[:T, b]), _rows(lay.cell[:T, b])
        steps["tanh_c"] = _rows(lay.tanh_cell[:T, b])
    scales["x"] = _scale(lay.x[:T, b])
    scales["h"] = _scale(lay.states[:T + 1, b])

    in_labels = [label(s) for s in data.input_vocab] if layer == 0 and data.input_vocab is not None else \
        [f"x{j + 1}" for j in range(D)]
    payload = {
        "kind": kind, "nonlinearity": model.rnn.nonlinearity, "layer": layer + 1, "layers": model.rnn.num_layers,
        "top": top, "T": T, "H": H, "D": D, "blocks": blocks, "block": block, "t": max(0, min(T - 1, int(t))),
        "pace": float(pace), "tokens": [label(s) for s in data.tokens[b][:T]], "input_labels": in_labels,
        "hidden_labels": [f"h{k + 1}" for k in range(H)], "one_hot": data.input_vocab is not None and layer == 0,
        "weights": weights, "steps": steps, "scales": scales, "shown": T, "note": None,
    }
    if top:
        head = rec.head
        weights["hy"] = _rows(w_out)
        scales["y"] = _scale(head.y[:T, b])
        rows = [prediction(data, head, s, b) for s in range(T)]
        targets = data.y is not None
        steps.update(logits=_rows(head.logits[:T, b]), y=_rows(head.y[:T, b]),
                     prediction=[r[0] for r in rows], p=[r[1] for r in rows])
        if targets:                                   # a run without targets has no loss, nothing right or wrong
            steps.update(loss=_rows(head.step_loss[:T, b]), target=[r[2] for r in rows],
                         right=[None if data.head == "identity" else r[0] == r[2] for r in rows])
            if data.head == "softmax":
                steps["target_index"] = [int(data.y[s, b]) for s in range(T)]
        payload.update(output_labels=[label(o) for o in data.output_labels], head=model.head.activation,
                       probability=probability_name(data), targets=targets)
    return _capped(payload, cap)


def size(payload):
    """Bytes of the payload's JSON as it travels (Streamlit sends ``json.dumps`` of it)."""
    return len(json.dumps(payload).encode())


def _capped(payload, cap):
    """The payload, or its first steps only (with a note saying so) when all of them would pass ``cap`` bytes."""
    total = size(payload)
    if total <= cap or payload["T"] <= 1:
        return payload
    T = n = payload["T"]
    while True:
        out = _first(payload, n)
        out["note"] = (f"This run has {T} steps; the page steps through the first {n}, since every step's "
                       f"numbers would be {total / 1000:.0f} kB to send (the most is {cap / 1000:.0f} kB). Use "
                       f"fewer hidden units or a shorter text to step through all of it; the CSV download below "
                       f"has every step.")
        if n == 1 or size(out) <= cap:
            return out
        n = max(1, min(n - 1, int(n * 0.9)))


def _first(payload, n):
    """A copy of the payload with only its first n steps."""
    def cut(v):
        return {k: cut(x) for k, x in v.items()} if isinstance(v, dict) else v[:n]
    return dict(payload, steps=cut(payload["steps"]), tokens=payload["tokens"][:n], shown=n,
                t=min(payload["t"], n - 1))
