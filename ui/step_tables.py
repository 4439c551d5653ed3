"""The step-through page's predictions as a table for the CSV download, read straight from a run's record.

The tables on the page itself are drawn in the browser from the same numbers (``viz.step_payload``).
"""

from viz.step_payload import label, prediction, probability_name


def sequence_rows(run, b):
    """One row per step of sequence b: input, prediction, its probability (named as on the page), target,
    right or wrong, loss."""
    data, head = run.data, run.rec.head
    if head is None:                                  # a recurrent layer alone: its top layer's h_t
        top = run.rec.rnn.layers[-1].hidden
        return [{"step t": t, "input x_t": label(data.tokens[b][t]),
                 **{f"h{k + 1}": float(v) for k, v in enumerate(top[t, b])}} for t in range(int(data.lengths[b]))]
    column = probability_name(data)
    rows = []
    for t in range(int(data.lengths[b])):
        guess, p, target = prediction(data, head, t, b)
        row = {"step t": t, "input x_t": label(data.tokens[b][t]), "prediction": guess, column: p}
        if data.y is not None:                         # a CSV without targets has no loss
            row.update({"target": target, "right?": guess == target, "loss ℓ_t": float(head.step_loss[t, b])})
        rows.append(row)
    return rows
