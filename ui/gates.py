"""Glue for the LSTM & GRU gates page: one sequence's recorded blocks, its predictions and its tables.

Nothing here computes a number: it slices the engine's record to one layer and one sequence's real
steps, sorts the head's probabilities for display, and lays values out as tidy rows.
"""

import numpy as np
import pandas as pd

from rnn_core.gate_stats import layer_saturation
from rnn_core.record import GATE_NAMES


def blocks(run, layer_index, b):
    """{name: (L, H) array} for one layer and sequence ``b``'s L real steps: the gates, then c (LSTM), then h."""
    layer = run.rec.rnn.layers[layer_index]
    L = int(run.data.lengths[b])
    out = {}
    if layer.kind != "rnn":
        for name in GATE_NAMES[layer.kind]:
            out[name] = layer.gate(name)[:L, b]
    if layer.cell is not None:
        out["c"] = layer.cell[:L, b]
    out["h"] = layer.hidden[:L, b]
    return out


def top_predictions(run, b, k=3):
    """For each real step of sequence ``b``: up to ``k`` (label, probability) pairs from ``rec.head.y``, best first."""
    y = run.rec.head.y                                   # (T, B, O)
    labels = run.data.output_labels
    out = []
    for t in range(int(run.data.lengths[b])):
        probs = y[t, b]
        order = np.argsort(-probs, kind="stable")[:k]
        out.append([(labels[j], float(probs[j])) for j in order])
    return out


def sequence_saturation(run, layer_index, b, low=0.1, high=0.9):
    """The engine's :func:`~rnn_core.gate_stats.layer_saturation` over sequence ``b``'s real steps only."""
    rec = run.rec.rnn
    mask = rec.mask.copy()
    mask[:, np.arange(mask.shape[1]) != b] = False
    return layer_saturation(rec.layers[layer_index], mask, low=low, high=high)


def saturation_rows(stats, titles):
    """Rows for the saturation table, shares as numbers in [0, 1]."""
    return [{"gate": titles[name], "bottom threshold": s["below"], "share near bottom": s["low"],
             "top threshold": s["above"], "share near top": s["high"], "saturated": s["saturated"],
             "values counted": s["count"]} for name, s in stats.items()]


def saturation_markdown(rows):
    """The saturation table as a Markdown table: shares as percentages with one decimal, each with its threshold.

    A Markdown table, not ``st.dataframe``: the page's first load then does not wait for the data grid's
    JavaScript (1.2 MB, about 0.2 s of a new browser's first load here). Every cell is a number or a gate's
    fixed name, never typed text; the CSV download below it has every digit.
    """
    lines = ["| gate | share near bottom | share near top | saturated | values counted |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        low, high = (f"{r[k]:g}".replace("-", "−") for k in ("bottom threshold", "top threshold"))
        lines.append(f"| {r['gate']} | {r['share near bottom']:.1%} (< {low}) | {r['share near top']:.1%} (> {high}) "
                     f"| {r['saturated']:.1%} | {r['values counted']:,} |")
    return "\n".join(lines)


def gate_frame(tokens, blocks_):
    """Tidy table of every value drawn: one row per step, gate (or c, h) and unit (units numbered from 1)."""
    rows = []
    for name, values in blocks_.items():
        L, H = values.shape
        rows.append(pd.DataFrame({
            "step": np.repeat(np.arange(L), H),
            "token": np.repeat(np.array([str(t) for t in tokens[:L]], dtype=object), H),
            "gate": name,
            "unit": np.tile(np.arange(1, H + 1), L),
            "value": values.reshape(-1),
        }))
    return pd.concat(rows, ignore_index=True)


#: under each heatmap: how to read it
HOW_TO_READ = {
    "i": "**Input gate** i_t = σ(…): how much of the candidate g_t is written into the cell. Purple (near 1) "
         "writes it, white (near 0) keeps it out.",
    "f": "**Forget gate** f_t = σ(…): how much of the previous cell c_{t−1} is kept. Purple (near 1) keeps it, "
         "white (near 0) wipes it.",
    "g": "**Candidate** g_t = tanh(…): the new content offered to the cell, from −1 (red) to +1 (blue); the "
         "input gate decides how much of it goes in.",
    "o": "**Output gate** o_t = σ(…): how much of tanh(c_t) is shown as h_t. White units are kept from the "
         "output and from the next step, but stay in the cell.",
    "c": "**Cell state** c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t: the LSTM's long memory. It is not squashed, so its "
         "scale runs out to the largest |c| in this sequence (see the colour bar).",
    "h_lstm": "**Hidden state** h_t = o_t ⊙ tanh(c_t): what the output layer reads and the next step sees, "
              "−1 (red) to +1 (blue).",
    "r": "**Reset gate** r_t = σ(…): how much of h_{t−1} the candidate looks at. Near 0 (white) the candidate "
         "ignores the past and reads the input alone.",
    "z": "**Update gate** z_t = σ(…): how much of h_{t−1} is kept. Near 1 (purple) the state is carried over "
         "unchanged; near 0 (white) it is replaced by the candidate n_t.",
    "n": "**Candidate** n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn)): the new state on offer, "
         "−1 (red) to +1 (blue).",
    "h_gru": "**Hidden state** h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}: a blend of the candidate and the old "
             "state, −1 (red) to +1 (blue).",
    "h_rnn": "**Hidden state** h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), −1 (red) to +1 (blue). "
             "Every step overwrites all of it: there is no gate to keep a unit as it was.",
}
