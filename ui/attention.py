"""The attention page's engine calls: its models, trained once per server and shared by every session.

The default setting (the ``attention`` example's own cell, score and seed) loads the shipped model file
(``make weights``), so the page opens trained at once. Any other setting trains live: one
:class:`SharedTraining` per setting lives in ``st.cache_resource``, every session showing that setting advances
it from its own fragment ticks by a bounded slice, and a lock lets only one tick train at a time, so a class
that follows one link trains the model once. Nothing else ever changes what the cache holds.
"""

import io
import threading
import time

import pandas as pd
import streamlit as st

from rnn_core import attention_study as study
from rnn_core.data import InputError
from rnn_core.examples import ATTENTION_EN, EXAMPLES
from rnn_core.model_file import save_model
from viz.attention import comparison_figure

from .controls import download_csv
from .state import CELL_NAMES

TICK_SECONDS = 0.3             # the browser asks for a tick this often while a model trains
BUDGET_SECONDS = 0.2           # training time per tick; the rest draws the progress bar


@st.cache_resource(show_spinner=False)
def corpus(key):
    """The example's pairs (PairData), built once per server; read only."""
    return EXAMPLES[key].data()


class SharedTraining:
    """One setting's training, advanced in slices by whichever session's tick gets the lock.

    Attributes
    ----------
    trainer : Trainer      the model being trained (read its ``step``, ``history``; only :meth:`advance` trains)
    source : str           "shipped" (loaded from the model file) or "trained here"
    seconds : float        wall time spent training
    """

    def __init__(self, key, cell, score, seed):
        self.key, self.setting = key, (cell, score, int(seed))
        self.trainer = study.trainer(key, cell, score, seed, corpus(key))
        self.lock = threading.Lock()
        self.source, self.seconds = "trained here", 0.0
        if key == "attention":
            shipped = study.shipped_model(cell, score, seed)
            if shipped is not None:
                self.trainer.model.load_state_dict(shipped.state_dict())
                self.trainer.step = self.trainer.config.steps
                self.source = "shipped"

    @property
    def done(self):
        return self.trainer.done or self.trainer.stopped is not None

    def advance(self, budget=BUDGET_SECONDS):
        """Train for about ``budget`` seconds unless another session is doing it right now."""
        if self.done or not self.lock.acquire(blocking=False):
            return
        try:
            t0 = time.perf_counter()
            self.trainer.run(seconds=budget)
            self.seconds += time.perf_counter() - t0
        finally:
            self.lock.release()

    def finish(self):
        """Train to the end now (casa de papel: a fraction of a second)."""
        with self.lock:
            t0 = time.perf_counter()
            self.trainer.run()
            self.seconds += time.perf_counter() - t0


@st.cache_resource(max_entries=24, show_spinner=False)
def shared_training(key, cell, score, seed):
    training = SharedTraining(key, cell, score, seed)
    if key == "casa":
        training.finish()
    return training


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


def train_live(training, label):
    """The progress of a shared training, advanced by this session's fragment ticks until it is done; then a full
    rerun draws what it trained."""
    @st.fragment(run_every=None if training.done else TICK_SECONDS)
    def tick():
        training.advance()
        tr = training.trainer
        loss = f", loss {tr.history[-1]['loss']:.4f}" if tr.history else ""
        st.progress(min(1.0, tr.step / tr.config.steps),
                    text=f"Training {label}: update {tr.step} of {tr.config.steps}{loss}")
        if training.done:
            st.rerun(scope="app")
    tick()


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
            twin = shared_training("attention", cell, "none", seed)
            if not twin.done:
                train_live(twin, f"{CELL_NAMES[cell]} without attention, seed {seed}")
                return
            result = live_comparison(cell, score, seed)
    if result is None:
        st.warning("The comparison has not been computed for this installation: run `make weights`.")
        return
    st.plotly_chart(comparison_figure(result), width="stretch", key="att-comparison")
    st.markdown(
        f"The same {CELL_NAMES[result['cell']]} encoder–decoder, trained on the same pairs from seed {result['seed']}, "
        "translating the 200 held-out sentences: once with attention, once passing only the encoder's final state "
        "to the decoder (→h at the last word beside ←h at the first: each direction after reading the whole "
        "sentence). Without attention the whole sentence must squeeze through one vector, and the longer the "
        "sentence the more of it is lost; with attention the decoder looks back at every word, and its line stays up.")
    download_csv(pd.DataFrame(result).drop(columns=["cell", "seed"]), "attention_with_without.csv",
                 "Download the comparison (CSV)", key="dl-att-comparison")
