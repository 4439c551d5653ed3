"""Tables and small helpers for the Unrolled graph page: every step's numbers for the step view, the figure's
numbers as a tidy table, and the window of steps drawn.

Every number comes from the engine's record (``Run.rec``) and ``rnn_core.flow.gradient_flow``.
"""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.flow import gradient_flow
from viz.bptt import reach_note
from viz.step_views import unrolled_steps

from . import engine

WINDOW = 8             # at most this many steps are drawn at once (a long own word scrolls with the step)
LOSSES = ("all", "last")   # whose gradient the per-step shares split: L (every step's loss) or ℓ at the last step


def window(length, t, size=WINDOW):
    """The steps drawn: all of them, or ``size`` consecutive steps with t inside, as a range."""
    if length <= size:
        return range(length)
    start = min(max(0, t - size // 2), length - size)
    return range(start, start + size)


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


def step_numbers(rec, data, b):
    """What the step view shows of every step of sequence b: the layers' numbers (``viz.step_views``) and each
    step's answer, wanted answer and loss as the texts of :func:`step_outcome`."""
    numbers = unrolled_steps(rec, b)
    numbers["outcome"] = [{k: str(v) if k != "loss" else v for k, v in step_outcome(rec, data, b, t).items()
                           if v is not None} for t in range(int(data.lengths[b]))]
    return numbers


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
