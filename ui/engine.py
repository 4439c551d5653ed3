"""Cached calls into the engine for the pages.

``st.cache_data`` hands every caller its own copy (pickled), so a page may not corrupt what another
session sees; keys are the plain settings, so a link's settings hit the same cache entry. The figures thirty
students on a teacher's link ask for are shared as their JSON by ``ui.plot.shared_plot``.
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from rnn_core.examples import EXAMPLES, Outcome

from . import jobs
from .trained import example_of, example_weights, shape_weights


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


def step_job(example, text, cell, hidden, layers, seed):
    """The worker's job training this step-through setting (``ui.jobs``; joined by every session asking)."""
    args = (example, text if example == "own" else "", cell, int(hidden), int(layers), int(seed))
    return jobs.request(("step",) + args, example_weights, args)


def shape_job(key, cell, seed):
    """The worker's job training one of the five shapes' examples with this cell and seed."""
    args = (key, cell, int(seed))
    return jobs.request(("shape",) + args, shape_weights, args)


@st.cache_data(max_entries=128, show_spinner=False)
def step_run(example, text, cell, hidden, layers, seed, weights):
    """The run behind the step-through and unrolled pages. Raises InputError for bad own text.

    Untrained: the example's model at initialisation (seeded). Trained: the example's default setting
    with these cell, hidden size, layers and seed, trained to the end in the server's worker process
    (:func:`step_job`; waited for here if it has not finished: a page asks for the job first).
    """
    ex = example_of(example, text)
    data = ex.data()
    config = ex.defaults.replace(cell=cell, hidden=int(hidden), layers=int(layers), seed=int(seed))
    model = ex.build_model(config, data)
    outcome, history = None, []
    if weights == "trained":
        result = jobs.result(step_job(example, text, cell, hidden, layers, seed))
        model.load_state_dict(result["state"])
        outcome, history = ex.learned(model, data), result["history"]
    rec = data.run(model)
    grads = model.backward(rec)
    return Run(ex.title, ex.summary, data, model, rec, grads, outcome, history)


@st.cache_data(max_entries=64, show_spinner=False)
def shape_run(key, cell, seed, trained):
    """One of the five shapes' examples, untrained or trained with its defaults (in the worker process,
    :func:`shape_job`): (model, data, outcome, history)."""
    ex = EXAMPLES[key]
    data = ex.data()
    config = ex.defaults.replace(cell=cell, seed=int(seed))
    model = ex.build_model(config, data)
    history = []
    if trained:
        result = jobs.result(shape_job(key, cell, seed))
        model.load_state_dict(result["state"])
        history = result["history"]
    return model, data, ex.learned(model, data), history


def finite(array):
    return bool(np.all(np.isfinite(array)))
