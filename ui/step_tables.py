"""Tables for the step-through page, read straight from a run's record (formatting only, no math)."""

import numpy as np

from rnn_core.data import END
from rnn_core.record import GATE_NAMES

FMT = "{:+.4f}"


def label(token):
    return "end" if token == END else str(token)


def prediction(run, t, b):
    """(predicted label, its probability or value, target label) at step t of sequence b."""
    data, head = run.data, run.rec.head
    y = head.y[t, b]
    if data.head == "softmax":
        k = int(np.argmax(y))
        return label(data.output_labels[k]), float(y[k]), label(data.output_labels[int(data.y[t, b])])
    p = float(y[0])                                      # sigmoid: one output, the probability of "name"
    target = data.y[t, b, 0] if data.target == "every" else data.y[b, 0]
    return ("name" if p > 0.5 else "not a name"), p, ("name" if target > 0.5 else "not a name")


def sequence_rows(run, b, current):
    """One row per step: input, prediction, probability, target, right or wrong; ▶ marks the current step."""
    rows = []
    for t in range(int(run.data.lengths[b])):
        guess, p, target = prediction(run, t, b)
        rows.append({"": "▶" if t == current else "", "step t": t, "input x_t": label(run.data.tokens[b][t]),
                     "prediction": guess, "probability": f"{p:.4f}", "target": target,
                     "right?": "✓" if guess == target else "✗",
                     "loss ℓ_t": f"{run.rec.head.step_loss[t, b]:.4f}"})
    return rows


def unit_rows(layer, t, b):
    """Per hidden unit, every recorded quantity of step t: the numbers in the equations."""
    H = layer.states.shape[-1]
    rows = []
    for k in range(H):
        row = {"unit": f"h{k + 1}", "h_{t−1}": FMT.format(layer.hidden_prev[t, b, k])}
        if layer.kind == "rnn":
            row["W_ih x_t + b_ih"] = FMT.format(layer.input_product[t, b, k])
            row["W_hh h_{t−1} + b_hh"] = FMT.format(layer.recurrent_product[t, b, k])
            row["a_t"] = FMT.format(layer.preactivation[t, b, k])
        else:
            for name in GATE_NAMES[layer.kind]:
                row[name + "_t"] = FMT.format(layer.gate(name)[t, b, k])
            if layer.kind == "lstm":
                row["c_{t−1}"] = FMT.format(layer.cell_prev[t, b, k])
                row["c_t"] = FMT.format(layer.cell[t, b, k])
        row["h_t"] = FMT.format(layer.hidden[t, b, k])
        rows.append(row)
    return rows


def output_rows(run, t, b):
    """Per output: the logit z_t, the output y_t and whether it is the target."""
    head, data = run.rec.head, run.data
    rows = []
    for k, name in enumerate(data.output_labels):
        row = {"output": label(name), "z_t": FMT.format(head.logits[t, b, k]), "y_t": f"{head.y[t, b, k]:.4f}"}
        if data.head == "softmax":
            row["target"] = "✓" if int(data.y[t, b]) == k else ""
        rows.append(row)
    return rows
