"""Cached calls into the engine for the pages, and figures shared by every session of the server.

``st.cache_data`` hands every caller its own copy (pickled), so a page may not corrupt what another
session sees; keys are the plain settings, so a link's settings hit the same cache entry. Thirty students
on a teacher's link ask for the same figures: :func:`shared_figure` builds each once per process (Plotly's
per-property validation is most of a page's server time) and hands out the same object, which nobody
mutates (``st.plotly_chart`` serialises a copy).
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from rnn_core.examples import EXAMPLES, Outcome, own_example
from rnn_core.trainer import Trainer


@dataclass
class Run:
    """One example pushed through one model: everything a page draws from.

    Attributes
    ----------
    title, summary : str
    data : SequenceData                 the example's inputs and targets
    model : SequenceModel
    rec : ModelRecord                   forward, loss and backward filled in
    grads : dict of ndarray             ∂L/∂(every parameter)
    outcome : Outcome or None           what the trained network does (None when untrained)
    history : list of dict              the training rows (empty when untrained)
    """

    title: str
    summary: str
    data: object
    model: object
    rec: object
    grads: dict
    outcome: Outcome | None
    history: list


def _example(key, text):
    """The Example for a step-through setting; ``own`` builds one from the person's text."""
    if key == "own":
        return own_example("text", text)
    return EXAMPLES[key]


@st.cache_data(max_entries=128, show_spinner=False)
def step_run(example, text, cell, hidden, layers, seed, weights):
    """The run behind the step-through and unrolled pages. Raises InputError for bad own text.

    Untrained: the example's model at initialisation (seeded). Trained: the example's default setting
    with these cell, hidden size, layers and seed, trained to the end (about a second at most).
    """
    ex = _example(example, text)
    data = ex.data()
    config = ex.defaults.replace(cell=cell, hidden=int(hidden), layers=int(layers), seed=int(seed))
    model = ex.build_model(config, data)
    outcome, history = None, []
    if weights == "trained":
        trainer = Trainer(model, data, config)
        trainer.run()
        outcome = ex.learned(model, data)
        history = trainer.history
    rec = data.run(model)
    grads = model.backward(rec)
    return Run(ex.title, ex.summary, data, model, rec, grads, outcome, history)


@st.cache_data(max_entries=64, show_spinner=False)
def shape_run(key, cell, seed, trained):
    """One of the five shapes' examples, untrained or trained with its defaults: (model, data, outcome, history)."""
    ex = EXAMPLES[key]
    data = ex.data()
    config = ex.defaults.replace(cell=cell, seed=int(seed))
    model = ex.build_model(config, data)
    history = []
    if trained:
        trainer = Trainer(model, data, config)
        trainer.run()
        history = trainer.history
    return model, data, ex.learned(model, data), history


@st.cache_resource(max_entries=256, show_spinner=False)
def _shared_figure(name, key, _build):
    return _build()                       # _build: not part of the key (Streamlit skips "_" arguments)


def shared_figure(name, key, build):
    """``build()``'s figure, built once per ``(name, key)`` in this server process and shared by every session.

    ``key`` must hold every setting the figure depends on (plain values: the run's settings, the step, the
    view); the figure returned is shared, so it must never be changed (``update_layout`` and the like).
    """
    return _shared_figure(name, key, build)


def finite(array):
    return bool(np.all(np.isfinite(array)))
