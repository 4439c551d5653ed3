"""The attention page's engine calls: its models, trained once per server and shared by every session.

The default setting (the ``attention`` example's own cell, score and seed) loads the shipped model file
(``make weights``), so the page opens trained at once; casa de papel trains here in a fraction of a second.
Any other setting is a training of about 14 s of CPU: it runs in the server's worker process (``ui.jobs``), one
job per setting that every session showing that setting joins, and the page waits for it without holding the
server. Nothing ever changes a :class:`SharedTraining` once it is made.
"""

import io
import time

import pandas as pd
import streamlit as st

from rnn_core import attention_study as study
from rnn_core.data import InputError
from rnn_core.examples import ATTENTION_EN, EXAMPLES
from rnn_core.model_file import save_model
from viz.attention import comparison_figure

from . import jobs, trained
from .controls import download_csv
from .plot import plot
from .state import CELL_NAMES


@st.cache_resource(show_spinner=False)
def corpus(key):
    """The example's pairs (PairData), built once per server; read only."""
    return EXAMPLES[key].data()


class SharedTraining:
    """One setting's trained model, shared by every session: read only.

    Attributes
    ----------
    trainer : Trainer      the trained model (its ``model``, ``step``, ``history``, ``stopped``)
    source : str           "shipped" (loaded from the model file) or "trained here"
    seconds : float        time the training took
    """

    def __init__(self, key, cell, score, seed, result=None):
        self.key, self.setting = key, (cell, score, int(seed))
        self.trainer = study.trainer(key, cell, score, seed, corpus(key))
        self.source, self.seconds = "trained here", 0.0
        shipped = study.shipped_model(cell, score, seed) if key == "attention" and result is None else None
        if result is not None:                           # trained in the worker process
            tr = self.trainer
            tr.model.load_state_dict(result["state"])
            tr.step, tr.history, tr.stopped = result["step"], result["history"], result["stopped"]
            self.seconds = result["seconds"]
        elif shipped is not None:
            self.trainer.model.load_state_dict(shipped.state_dict())
            self.trainer.step = self.trainer.config.steps
            self.source = "shipped"
        else:                                            # casa de papel: a fraction of a second, here
            t0 = time.perf_counter()
            self.trainer.run()
            self.seconds = time.perf_counter() - t0

    @property
    def done(self):
        return self.trainer.done or self.trainer.stopped is not None


def quick(key, cell, score, seed):
    """Whether this setting needs no worker: the shipped default, or casa de papel."""
    return key == "casa" or (key == "attention" and study.weights_file(cell, score, seed).is_file())


def training_job(key, cell, score, seed):
    """The job of this setting's model (joined by every session asking; a shipped or quick one is done at once);
    its ``value`` is the :class:`SharedTraining` once ``state == "done"``."""
    setting = (key, cell, score, int(seed))
    name = ("attention",) + setting
    if quick(*setting):
        return jobs.pool().get(name) or jobs.pool().put(name, SharedTraining(*setting))
    return jobs.request(name, trained.attention_weights, setting,
                        build=lambda result: SharedTraining(*setting, result=result), cost=10)


def shared_training(key, cell, score, seed):
    """The trained model of this setting (waiting for its job if it is still training)."""
    return jobs.result(training_job(key, cell, score, seed))


@st.cache_resource(max_entries=64, show_spinner=False)
def translation(key, cell, score, seed, words):
    """The trained model's translation of ``words`` (a tuple of known source words), with its record; read only."""
    training = shared_training(key, cell, score, seed)
    return study.translate(training.trainer.model, corpus(key), words, key)


def seed_words(key):
    """The example's own sentence: Bahdanau's for attention, casa de papel for casa."""
    if key == "attention":
        return tuple(ATTENTION_EN.split())
    return tuple(corpus(key).meta["seed_pair"][0])          # held out of casa's training phrases


def sentence_words(key, text):
    """(words, error): the person's sentence checked against the vocabulary, or the example's own sentence and
    the InputError that says why the typed one can't be used."""
    if not text.strip():
        return seed_words(key), None
    try:
        return tuple(study.check_sentence(text, corpus(key).source_vocab)), None
    except InputError as err:
        return seed_words(key), err


@st.cache_data(show_spinner=False)
def comparison():
    """With and without attention, as ``make weights`` computed it for the example's default cell and seed."""
    return study.shipped_comparison()


@st.cache_data(max_entries=32, show_spinner=False)
def tables_csv(key, cell, score, seed, words):
    """(α, the decoder's record) of this translation as CSV bytes, built once per setting and sentence."""
    tr = translation(key, cell, score, seed, words)
    return tuple(pd.DataFrame(rows).to_csv(index=False).encode("utf-8")
                 for rows in (study.attention_rows(tr), study.decoder_rows(tr)))


@st.cache_data(max_entries=8, show_spinner=False)
def model_bytes(key, cell, score, seed):
    """The trained model as a model file (``rnn_core.save_model``), with both vocabularies in its notes."""
    training = shared_training(key, cell, score, seed)
    data = corpus(key)
    buf = io.BytesIO()
    save_model(buf, training.trainer.model, vocab=data.source_vocab,
               meta=study.model_meta(key, cell, score, seed, data, training.trainer.step))
    return buf.getvalue()


@st.cache_resource(max_entries=16, show_spinner=False)
def live_comparison(cell, score, seed):
    """With and without attention for a setting whose two models have been trained here; read only."""
    return study.comparison(cell, seed, data=corpus("attention"),
                            with_model=shared_training("attention", cell, score, seed).trainer.model,
                            without_model=shared_training("attention", cell, "none", seed).trainer.model)


def why_attention(cell, score, seed):
    """Bahdanau's result in small: held-out accuracy against sentence length with and without attention, for the
    shipped default setting, or for this page's setting once its twin without attention has trained here."""
    st.header("Why attention")
    result = comparison()
    if (cell, score, int(seed)) != study.default_setting():
        mine = st.toggle(f"Compare for this setting ({CELL_NAMES[cell]}, seed {seed}) instead of the shipped "
                         "GRU, seed 0", key="at_mine",
                         help="Trains the same encoder–decoder without attention from this seed, once per server.")
        if mine:
            twin = training_job("attention", cell, "none", seed)
            if twin.state == "failed":
                jobs.failed(twin, f"{CELL_NAMES[cell]} without attention, seed {seed}")
                return
            if twin.state != "done":
                jobs.waiting(twin, f"{CELL_NAMES[cell]} without attention, seed {seed}")
                return
            result = live_comparison(cell, score, seed)
    if result is None:
        st.warning("The comparison has not been computed for this installation: run `make weights`.")
        return
    plot(comparison_figure(result), "att-comparison")
    st.markdown(
        f"The same {CELL_NAMES[result['cell']]} encoder–decoder, trained on the same pairs from seed {result['seed']}, "
        "translating the 200 held-out sentences: once with attention, once passing only the encoder's final state "
        "to the decoder (→h at the last word beside ←h at the first: each direction after reading the whole "
        "sentence). Without attention the whole sentence must squeeze through one vector, and the longer the "
        "sentence the more of it is lost; with attention the decoder looks back at every word, and its line stays up.")
    download_csv(pd.DataFrame(result).drop(columns=["cell", "seed"]), "attention_with_without.csv",
                 "Download the comparison (CSV)", key="dl-att-comparison")
