"""Glue for the hidden-state explorer: the passage, its states and features (cached per model and passage), the
selection and its matches as rows, and the tables offered as CSV.

Every number comes from the engine (``rnn_core.text_model.run_text``, ``rnn_core.units``,
``rnn_core.project.principal_components``); this module picks, slices and lays them out.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import text_model as tm
from rnn_core import units
from rnn_core.corpus import char_class, structured_corpus
from rnn_core.data import InputError
from rnn_core.project import principal_components

PASSAGE_LENGTHS = (500, 1000, 2000, 5000)
CONTEXT = 24            # characters of context either side of a match


@dataclass
class Analysis:
    """A passage read by a model: its states, the units best matching each feature, the state's path.

    states : units.States (N, K); rows : feature_table rows; corr : {feature: (K,)};
    path : Projection of the top layer's h (N, 2); classes : list of str (N,)
    """

    states: object
    rows: list
    corr: dict
    path: object
    classes: list


def passage_of(corpus_key, training_text, length):
    """The passage to explore: held-out bracketed lines (another seed than the training text) for the generated
    corpus; the last ``length`` characters of a person's own text."""
    if corpus_key == "structured":
        return structured_corpus(n_chars=length + 200, seed=1)[:length]
    return training_text[-length:]


@st.cache_data(max_entries=64, show_spinner=False)
def analyse(key, passage, _ready=None):
    """Run the passage through the ready model ``key`` once and compute everything the page draws."""
    rec = tm.run_text(_ready.model, _ready.vocab, passage)
    st_ = units.states(rec, passage)
    top = rec.rnn.layers[-1].hidden[:, 0]
    return Analysis(st_, units.feature_table(st_, top=3), units.all_correlations(st_), principal_components(top),
                    [char_class(c) for c in passage])


def unit_choices(st_):
    """Layers and quantities the model has: {layer: [quantities]}."""
    out = {}
    for layer, quantity, _ in st_.units:
        out.setdefault(layer, [])
        if quantity not in out[layer]:
            out[layer].append(quantity)
    return out


def span_of(text, start, end, query):
    """The selection: the first occurrence of ``query`` if given (InputError when absent), else [start, end)."""
    if query:
        found = units.find_span(text, query)
        if found is None:
            raise InputError(f"{query[:40]!r} does not occur in the passage")
        return found
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise InputError(f"the span must lie within 0 … {len(text)} and hold at least one character")
    return start, end


def h_columns(st_):
    """The columns of the hidden states h (every layer): select and match reads h, whose range is tanh's −1…1, as
    LSTMVis does; an LSTM's cell state c has no fixed range for a threshold."""
    return np.array([k for k, (_, quantity, _) in enumerate(st_.units) if quantity == "h"])


def selected_units(analysis, span, threshold):
    """Columns (into the states table) of the h units at or above ``threshold`` over all of ``span``."""
    cols = h_columns(analysis.states)
    return cols[units.select(analysis.states.values[:, cols], span[0], span[1], threshold)]


def visible(text):
    return text.replace("\n", "↵").replace("\t", "→")


def match_rows(analysis, selected, threshold, span, limit=10):
    """The ranked matches of the h units ``selected`` (state-table columns) as rows with their context (newlines
    shown as ↵; the match between « »); "other units on" counts h units only."""
    text = analysis.states.text
    cols = h_columns(analysis.states)
    found = units.matches(analysis.states.values[:, cols], np.searchsorted(cols, selected), threshold, exclude=span,
                          limit=limit)
    rows = []
    for rank, m in enumerate(found, start=1):
        left = text[max(0, m.start - CONTEXT):m.start]
        right = text[m.end:m.end + CONTEXT]
        rows.append({"rank": rank, "start": m.start, "end": m.end, "length": m.length,
                     "selected units on": m.on, "other units on": m.others,
                     "context": visible(left) + "«" + visible(text[m.start:m.end]) + "»" + visible(right)})
    return rows


def download_later(make_frame, filename, label, key):
    """A CSV download built only when clicked: writing 1,000 × 128 numbers as text takes longer than the rest of
    the page, and most visits never download them."""
    st.download_button(label, lambda: make_frame().to_csv(index=False).encode("utf-8"), file_name=filename,
                       mime="text/csv", on_click="ignore", key=key, icon=":material/download:")


def states_frame(analysis):
    """Every unit's value at every position: one row per character, one column per unit."""
    st_ = analysis.states
    frame = pd.DataFrame(st_.values, columns=[st_.label(k) for k in range(st_.values.shape[1])])
    frame.insert(0, "character", list(st_.text))
    frame.insert(0, "position", np.arange(len(st_.text)))
    return frame


def correlation_frame(analysis):
    """Every unit against every feature: one row per (feature, unit)."""
    st_ = analysis.states
    rows = []
    for feature, r in analysis.corr.items():
        for k, (layer, quantity, unit) in enumerate(st_.units):
            rows.append({"feature": feature, "layer": layer, "quantity": quantity, "unit": unit,
                         "correlation": float(r[k])})
    return pd.DataFrame(rows)
