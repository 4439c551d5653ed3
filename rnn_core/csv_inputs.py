"""Inputs as a CSV table, for any model: one row per time step, one column per input.

::

    sequence,x0,x1,x2
    first,0.1,0.0,1
    first,0.2,0.5,1
    second,1.0,0.0,0

- A first row with a cell that is not a number is a header. A header column named ``sequence`` (any case)
  says which sequence each row belongs to (any label); sequences come in the order their labels first
  appear and the rows of each keep their order in the file. Without that column the table is one sequence.
- Every other column is one input, numbers only: as many columns as the model takes inputs (D).
- Sequences may differ in length: they run as one batch with ``lengths`` (PyTorch's packed sequences).
- Optional targets, for the loss and its gradients: header columns named ``target`` or ``target_…`` (any case),
  one per output, or for a softmax head one column holding the class index (0 … O−1). Not inputs.

::

    sequence,x0,x1,target
    first,0.1,0.0,1
    first,0.2,0.5,0
"""

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from .data import InputError

__all__ = ["MAX_CSV_BYTES", "MAX_NUMBERS", "CsvInputs", "read_inputs_csv", "sequence_data"]

MAX_CSV_BYTES = 2_000_000
MAX_NUMBERS = 2_000_000      # T_max · B · D of the padded batch


@dataclass(frozen=True)
class CsvInputs:
    """A CSV table as a batch of sequences.

    Attributes
    ----------
    x : ndarray of shape (T, B, D)      zero past each sequence's length
    lengths : ndarray of shape (B,)
    labels : list of str                each sequence's label ("0" without a sequence column)
    tokens : list of list of str        each step's row as written ("0.1 0 1")
    columns : list of str               the input columns' names (x0, x1, ... without a header)
    targets : ndarray of shape (T, B, K) or None    the target columns' values (zero past each length)
    target_columns : list of str        their names (empty without targets)
    """

    x: np.ndarray
    lengths: np.ndarray
    labels: list
    tokens: list
    columns: list
    targets: np.ndarray | None = None
    target_columns: list = field(default_factory=list)


def _number(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def read_inputs_csv(text, input_size=None):
    """Parse ``text`` (see the module's description); ``input_size`` D, if given, must match the columns.

    Raises InputError naming the row and column of anything that is not a finite number, or the counts
    when the columns do not fit the model.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the CSV of inputs is empty")
    if len(text) > MAX_CSV_BYTES:
        raise InputError(f"the CSV of inputs is larger than {MAX_CSV_BYTES // 1_000_000} MB")
    try:
        rows = [r for r in csv.reader(io.StringIO(text.strip())) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise InputError(f"this is not readable CSV: {e}") from None
    header = [c.strip() for c in rows[0]] if any(_number(c) is None for c in rows[0]) else None
    body = rows[1:] if header else rows
    if not body:
        raise InputError("the CSV of inputs has a header but no rows")
    width = len(header) if header else len(body[0])
    seq_col = next((i for i, name in enumerate(header or []) if name.lower() == "sequence"), None)
    target_cols = [i for i, name in enumerate(header or []) if name.lower() == "target"
                   or name.lower().startswith("target_")]
    inputs = [i for i in range(width) if i != seq_col and i not in target_cols]
    columns = [header[i] for i in inputs] if header else [f"x{i}" for i in inputs]
    if not inputs:
        raise InputError("the CSV of inputs has no input column besides 'sequence' and the targets")
    if input_size is not None and len(inputs) != input_size:
        raise InputError(f"the CSV has {len(inputs)} input column(s) ({', '.join(columns[:8])}); the model takes "
                         f"{input_size} input(s) per step")
    groups = {}
    for n, row in enumerate(body, start=2 if header else 1):
        if len(row) != width:
            raise InputError(f"row {n} of the CSV has {len(row)} cells; the {'header' if header else 'first row'} "
                             f"has {width}")
        values = [_cell(row, n, i, header[i] if header else columns[inputs.index(i)]) for i in inputs]
        goals = [_cell(row, n, i, header[i]) for i in target_cols]
        label = row[seq_col].strip() if seq_col is not None else "0"
        groups.setdefault(label, []).append((values, " ".join(row[i].strip() for i in inputs), goals))
    T, B, D = max(len(g) for g in groups.values()), len(groups), len(inputs) + len(target_cols)
    if T * B * D > MAX_NUMBERS:
        raise InputError(f"the CSV makes {B} sequence(s) of up to {T} steps × {D} numbers; the limit is "
                         f"{MAX_NUMBERS:,} numbers")
    x = np.zeros((T, B, len(inputs)))
    targets = np.zeros((T, B, len(target_cols))) if target_cols else None
    for b, g in enumerate(groups.values()):
        x[:len(g), b] = [values for values, _, _ in g]
        if targets is not None:
            targets[:len(g), b] = [goals for _, _, goals in g]
    return CsvInputs(x, np.array([len(g) for g in groups.values()]), list(groups),
                     [[tok for _, tok, _ in g] for g in groups.values()], columns, targets,
                     [header[i] for i in target_cols])


def _cell(row, n, i, name):
    v = _number(row[i])
    if v is None or not np.isfinite(v):
        raise InputError(f"row {n}, column {name!r} of the CSV is {row[i][:20]!r}, not a finite number")
    return v


def sequence_data(inputs, head, output_size, output_labels=None):
    """The CSV's sequences as :class:`~rnn_core.data.SequenceData` for a model whose head has ``head``'s activation
    ("softmax", "sigmoid", "identity") and ``output_size`` O outputs; ``head`` None for a recurrent layer alone.

    Targets (if the CSV has them) are checked against the head: one column of class indices 0 … O−1 for softmax,
    O columns of values in [0, 1] for sigmoid, O columns of any values for identity. ``y`` is None without
    targets (the run then has no loss). Raises InputError saying what was found and what was expected.
    """
    from .data import SequenceData

    if output_labels:
        labels = list(output_labels)
    else:                                             # classes by their index, as the targets name them
        labels = [f"class {k}" if head == "softmax" else f"output {k + 1}" for k in range(output_size or 0)]
    y, t = None, inputs.targets
    names = ", ".join(inputs.target_columns)
    if t is not None and head is None:
        raise InputError(f"the CSV has target column(s) ({names}), but the model has no output head to compare "
                         "them with")
    if t is not None and head == "softmax":
        if t.shape[2] != 1:
            raise InputError(f"a softmax head takes one target column (the class index); the CSV has "
                             f"{t.shape[2]} ({names})")
        real = t[..., 0][_mask(inputs)]
        if np.any(real != np.round(real)) or real.min() < 0 or real.max() >= output_size:
            raise InputError(f"the target column {names} must hold class indices from 0 to {output_size - 1}, "
                             f"whole numbers; it holds values from {real.min():g} to {real.max():g}")
        y = t[..., 0].astype(np.int64)
    elif t is not None:
        if t.shape[2] != output_size:
            raise InputError(f"the model gives {output_size} output(s) per step; the CSV has {t.shape[2]} target "
                             f"column(s) ({names})")
        real = t[_mask(inputs)]
        if head == "sigmoid" and (real.min() < 0 or real.max() > 1):
            raise InputError(f"a sigmoid head's targets lie between 0 and 1; the CSV's go from {real.min():g} to "
                             f"{real.max():g}")
        y = t
    return SequenceData(x=inputs.x, y=y, lengths=inputs.lengths, tokens=inputs.tokens, input_vocab=None,
                        output_labels=labels, head=head or "identity", target="every",
                        meta={"columns": list(inputs.columns), "sequences": list(inputs.labels)})


def _mask(inputs):
    """(T, B) True on each sequence's real steps."""
    return np.arange(inputs.x.shape[0])[:, None] < inputs.lengths[None, :]
