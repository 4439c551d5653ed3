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
"""

import csv
import io
from dataclasses import dataclass

import numpy as np

from .data import InputError

__all__ = ["MAX_CSV_BYTES", "MAX_NUMBERS", "CsvInputs", "read_inputs_csv"]

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
    """

    x: np.ndarray
    lengths: np.ndarray
    labels: list
    tokens: list
    columns: list


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
    inputs = [i for i in range(width) if i != seq_col]
    columns = [header[i] for i in inputs] if header else [f"x{i}" for i in inputs]
    if not inputs:
        raise InputError("the CSV of inputs has no input column besides 'sequence'")
    if input_size is not None and len(inputs) != input_size:
        raise InputError(f"the CSV has {len(inputs)} input column(s) ({', '.join(columns[:8])}); the model takes "
                         f"{input_size} input(s) per step")
    groups = {}
    for n, row in enumerate(body, start=2 if header else 1):
        if len(row) != width:
            raise InputError(f"row {n} of the CSV has {len(row)} cells; the {'header' if header else 'first row'} "
                             f"has {width}")
        values = []
        for i, name in zip(inputs, columns, strict=True):
            v = _number(row[i])
            if v is None or not np.isfinite(v):
                raise InputError(f"row {n}, column {name!r} of the CSV is {row[i][:20]!r}, not a finite number")
            values.append(v)
        label = row[seq_col].strip() if seq_col is not None else "0"
        groups.setdefault(label, []).append((values, " ".join(row[i].strip() for i in inputs)))
    T, B, D = max(len(g) for g in groups.values()), len(groups), len(inputs)
    if T * B * D > MAX_NUMBERS:
        raise InputError(f"the CSV makes {B} sequence(s) of up to {T} steps × {D} inputs; the limit is "
                         f"{MAX_NUMBERS:,} numbers")
    x = np.zeros((T, B, D))
    for b, g in enumerate(groups.values()):
        x[:len(g), b] = [values for values, _ in g]
    return CsvInputs(x, np.array([len(g) for g in groups.values()]), list(groups),
                     [[tok for _, tok in g] for g in groups.values()], columns)
