"""Tables and small helpers for the Unrolled graph page: the selected step's numbers, the figure's numbers
as a tidy table, the window of steps drawn, and the step a click on the chart picked.

Every number comes from the engine's record (``Run.rec``) and ``rnn_core.flow.gradient_flow``.
"""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.flow import gradient_flow
from viz.bptt import reach_note

from . import engine

WINDOW = 8             # at most this many steps are drawn at once (a long own word scrolls with the step)
LOSSES = ("all", "last")   # whose gradient the per-step shares split: L (every step's loss) or ℓ at the last step


def window(length, t, size=WINDOW):
    """The steps drawn: all of them, or ``size`` consecutive steps with t inside, as a range."""
    if length <= size:
        return range(length)
    start = min(max(0, t - size // 2), length - size)
    return range(start, start + size)


def step_from_selection(selection):
    """The step of the first point a person clicked, or None.

    Every clickable point's ``customdata`` starts with its step; the browser sends a row of a typed array
    back as ``{"0": t, "1": …}`` and a plain one as ``[t, …]``.
    """
    try:
        points = selection["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points:
        data = point.get("customdata")
        if isinstance(data, dict):
            data = data.get("0")
        elif isinstance(data, (list, tuple)):
            data = data[0] if data else None
        try:
            return int(round(float(data)))
        except (TypeError, ValueError):
            continue
    return None


def layer_table(rec, b, t, layer):
    """One layer's units at step t: h_{t−1}, h_t, ∂L/∂h_t (and c_{t−1}, c_t, ∂L/∂c_t for LSTM)."""
    lay = rec.rnn.layers[layer]
    columns = {"unit": [f"h{k + 1}" for k in range(lay.hidden.shape[-1])],
               "h_{t−1}": lay.hidden_prev[t, b], "h_t": lay.hidden[t, b], "∂L/∂h_t": lay.d_hidden[t, b]}
    if lay.cell is not None:
        columns.update({"c_{t−1}": lay.cell_prev[t, b], "c_t": lay.cell[t, b], "∂L/∂c_t": lay.d_cell[t, b]})
    return pd.DataFrame(columns)


def show_layer_tables(rec, b, t):
    """Every layer's table at step t: side by side while they fit (two LSTM layers do), else one tab per layer."""
    L = len(rec.rnn.layers)
    tables = [layer_table(rec, b, t, l) for l in range(L)]
    side = L > 1 and L * tables[0].shape[1] <= 14
    places = st.columns(L) if side else st.tabs([f"Layer {l + 1}" for l in range(L)]) if L > 1 else [st.container()]
    for l, (place, table) in enumerate(zip(places, tables, strict=True)):
        with place:
            if side:
                st.markdown(f"**Layer {l + 1}**")
            gradients = [c for c in table.columns if c.startswith("∂")]
            states = [c for c in table.columns[1:] if c not in gradients]
            st.table(table.style.format("{:+.4f}", subset=states).format("{:+.3g}", subset=gradients)
                     .hide(axis="index"))


def step_outcome(rec, data, b, t):
    """What the network answered at step t and what was wanted, as short texts for ``st.metric``.

    Keys: input, loss, answer_label, answer, answer_note, and when the step has a target, wanted and wanted_note.
    Softmax: the likeliest class and its probability, the target class and the probability given to it.
    One sigmoid output (Kennedy): P(label) and the target 0 or 1, read with the threshold 0.5 the accuracy uses.
    """
    head = rec.head
    y = head.y[t, b]
    labels = data.output_labels
    out = {"input": data.tokens[b][t], "loss": float(head.step_loss[t, b])}
    target = head.target[t, b] if head.target is not None and head.mask[t, b] else None
    if data.head == "softmax":
        k = int(np.argmax(y))
        out.update(answer_label="Network's answer", answer=labels[k], answer_note=f"probability {y[k]:.4f}")
        if target is not None:
            out.update(wanted=labels[int(target)], wanted_note=f"given probability {y[int(target)]:.4f}")
    elif len(labels) == 1:
        name = labels[0]
        out.update(answer_label=f"Network's answer: P({name})", answer=f"{y[0]:.4f}",
                   answer_note=f"a {name}" if y[0] > 0.5 else f"not a {name}")
        if target is not None:
            out.update(wanted=f"{target[0]:g}", wanted_note=f"a {name}" if target[0] > 0.5 else f"not a {name}")
    else:
        out.update(answer_label="Network's outputs", answer=", ".join(f"{v:.3f}" for v in y), answer_note=None)
        if target is not None:
            out.update(wanted=", ".join(f"{v:g}" for v in np.atleast_1d(target)), wanted_note=None)
    return out


def figure_numbers(rec, data, b):
    """The numbers behind the figure, one row per (step, layer, quantity): a tidy table for CSV."""
    flow = gradient_flow(rec)
    head = rec.head
    rows = []
    for t in range(int(data.lengths[b])):
        token = data.tokens[b][t]

        def add(layer, quantity, value, t=t, token=token):
            rows.append({"sequence": b, "step": t, "token": token, "layer": layer, "quantity": quantity,
                         "value": float(value)})

        for l, layer in enumerate(rec.rnn.layers):
            add(l + 1, "norm h_t", layer.hidden_norm[t, b])
            add(l + 1, "norm dL/dh_t", flow.total[l, t, b])
            add(l + 1, "norm dL/dh_t from above", flow.from_above[l, t, b])
            add(l + 1, "norm dL/dh_t from step t+1", flow.from_next[l, t, b])
            if flow.cell is not None:
                add(l + 1, "norm dL/dc_t", flow.cell[l, t, b])
        for k, label in enumerate(data.output_labels):
            add("", f"y_t {label}", head.y[t, b, k])
        add("", "norm dL/dz_t", flow.into_output[t, b])
        add("", "norm dL/dx_t", flow.into_input[t, b])
        add("", "step loss", head.step_loss[t, b])
    return pd.DataFrame(rows)


@st.cache_data(max_entries=32, show_spinner=False)
def record_table(example, text, cell, hidden, layers, seed, weights):
    """Everything the record holds (``Record.to_columns``), as a DataFrame; cached per setting."""
    run = engine.step_run(example, text, cell, hidden, layers, seed, weights)
    return pd.DataFrame(run.rec.rnn.to_columns())


@st.cache_data(max_entries=32, show_spinner=False)
def step_shares(example, text, cell, hidden, layers, seed, weights, losses="all"):
    """Each step's share of every layer's weight gradients, the whole gradients, and how much of that loss's
    gradient reaches each state, for the sidebar's run.

    ``losses="all"``: of L, the loss the page shows (every step's). ``"last"``: of the loss at each sequence's
    last step alone, the engine's head loss on that step's mask (the vanishing-gradient page's setting).
    Returns (shares, full, reach): one dict per layer each, ``Recurrent.weight_grad_by_step`` {"weight_hh":
    (T, G·H, H), "weight_ih": (T, G·H, D), …} and ``SequenceModel.backward``'s {"weight_hh": (G·H, H),
    "weight_ih": (G·H, D)}; ``reach`` (L, T, B), the record's ‖∂loss/∂h_t‖ of every layer for that loss.
    """
    run = engine.step_run(example, text, cell, hidden, layers, seed, weights)
    model, data, rec, grads = run.model, run.data, run.rec, run.grads
    if losses == "last":
        rec = model.forward(data.x, data.lengths)
        last = np.zeros(rec.rnn.mask.shape, bool)
        last[data.lengths - 1, np.arange(data.size)] = True
        model.head.loss(rec.head, data.y, model.target_mask(rec) & last)
        grads = model.backward(rec)
    L = model.rnn.num_layers
    shares = [model.rnn.weight_grad_by_step(rec.rnn, l) for l in range(L)]
    full = [{name: grads[f"rnn.{name}_l{l}"] for name in ("weight_hh", "weight_ih")} for l in range(L)]
    reach = np.stack([layer.d_hidden_norm for layer in rec.rnn.layers])
    return shares, full, reach


def loss_symbol(lengths, losses):
    """The symbol of the loss whose gradient the bars split: L (every step's loss, ``losses="all"``); for the
    last step's loss alone ℓ_{T−1} written with subscript digits (ℓ₃) for one sequence, and for a batch L_last,
    the engine's mean of each sequence's loss at its last step. ``lengths``: (B,)."""
    if losses == "all":
        return "L"
    if len(lengths) > 1:
        return "L_last"
    return "ℓ" + str(int(lengths[0]) - 1).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def reach_sentence(reach, lengths, b, losses):
    """The sentence above the bars: how much of the loss they split reaches sequence b's first state compared
    with its last (``reach`` (L, T, B) from :func:`step_shares`, ``lengths`` (B,)); "" for a one-step sequence."""
    symbol = loss_symbol(lengths, losses)
    note = reach_note(reach, b, int(lengths[b]), symbol)
    if not note:
        return ""
    if losses == "all":
        return f"Gradient reaching the early steps: {note}"
    if len(lengths) == 1:
        return f"Gradient of the last step's loss {symbol} alone reaching the early steps: {note}"
    return ("Gradient of the last steps' losses alone (L_last, the mean of every sentence's loss at its last step) "
            f"reaching the early steps of sentence {b + 1}: {note}")
