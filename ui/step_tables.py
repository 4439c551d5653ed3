"""The step-through page's predictions as a table for the CSV download, read straight from a run's record.

The tables on the page itself are drawn in the browser from the same numbers (``viz.step_payload``).
"""

from viz.step_payload import label, prediction, probability_name


def sequence_rows(run, b):
    """One row per step of sequence b: input, prediction, its probability (named as on the page), target,
    right or wrong, loss."""
    data, head = run.data, run.rec.head
    column = probability_name(data)
    rows = []
    for t in range(int(data.lengths[b])):
        guess, p, target = prediction(data, head, t, b)
        rows.append({"step t": t, "input x_t": label(data.tokens[b][t]), "prediction": guess, column: p,
                     "target": target, "right?": guess == target, "loss ℓ_t": float(head.step_loss[t, b])})
    return rows
