"""Glue for the Generate and Hidden-state explorer pages: which character model, its text, cached sampling, and
live training in bounded ticks (the server's fair share, in the live-training lane) with samples taken as it goes.

The ready-trained model of the default settings is the project's shipped file (``make weights`` writes it, a
test reproduces it); any other setting is trained once per server in its worker process (``ui.jobs``) and
shared, never changed afterwards. Live training lives in the session's own :class:`Live` object.
"""

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from rnn_core import text_model as tm
from rnn_core.corpus import CORPORA, MAX_OWN, MIN_OWN, check_own_text, corpus
from rnn_core.data import InputError

from . import jobs, trained
from .budget import fair_slice
from .controls import page_end
from .lane import SLICE_GRACE, run_slice, send_slice, take_slice
from .state import CELL_NAMES, CELLS, Setting

HIDDEN_SIZES = (16, 32, 64, 128, 256)
CORPUS_NAMES = {"structured": "Bracketed lines (generated)", "own": "Your own text"}
#: the model's settings, shared by both pages (the same names in both URLs)
MODEL_SETTINGS = (
    Setting("tx_corpus", "structured", tuple(CORPUS_NAMES)),
    Setting("tx_cell", tm.DEFAULTS.cell, CELLS),
    Setting("tx_hidden", tm.DEFAULTS.hidden, HIDDEN_SIZES),
    Setting("tx_layers", tm.DEFAULTS.layers, low=1, high=tm.MAX_LAYERS),
    Setting("tx_seed", tm.DEFAULTS.seed, low=0, high=9999),
)
SAMPLE_EVERY = 100       # live training: a sample after every this many updates
LIVE_SAMPLE = dict(prime="(", length=120, temperature=0.8, seed=0)


@dataclass(frozen=True)
class Ready:
    """A trained character model shared by every session: never modify it.

    model : SequenceModel; vocab : list of str; text : str (the training text); title : str; how : str
    history : tuple of dict (step, bits) rows of its training (empty for the shipped file)
    """

    model: object
    vocab: list
    text: str
    title: str
    how: str
    history: tuple = ()


def model_sidebar():
    """The model's settings in the sidebar; a person's own text below them when chosen."""
    with st.sidebar:
        st.subheader("Character model")
        st.selectbox("Text", tuple(CORPUS_NAMES), key="tx_corpus", format_func=CORPUS_NAMES.get,
                     help=CORPORA["structured"] + "; or a text of your own (pasted or uploaded).")
        st.segmented_control("Cell", CELLS, key="tx_cell", format_func=CELL_NAMES.get, required=True)
        st.select_slider("Hidden units", HIDDEN_SIZES, key="tx_hidden")
        st.slider("Layers", 1, tm.MAX_LAYERS, key="tx_layers")
        st.number_input("Seed", 0, 9999, step=1, key="tx_seed", help="The random initial weights.")


def own_text_input():
    """A text area and an upload for the person's text (kept in the session, not in the link)."""
    st.session_state.setdefault("tx_own", "")
    with st.expander("Your own text", expanded=True):
        st.text_area(f"Paste a text ({MIN_OWN:,} to {MAX_OWN:,} characters, any language)", key="tx_own",
                     height=150)
        upload = st.file_uploader("or upload a UTF-8 text file", type=["txt", "md", "csv", "py"], key="tx_upload",
                                  help="While a file is here, the model learns the file's text.")
    if upload is None:
        for key in ("tx_upload_seen", "tx_upload_text", "tx_upload_error"):
            st.session_state.pop(key, None)
        return st.session_state.tx_own
    if st.session_state.get("tx_upload_seen") != upload.file_id:      # read and check each file once
        st.session_state.tx_upload_seen = upload.file_id
        st.session_state.tx_upload_text, st.session_state.tx_upload_error = None, None
        try:
            if upload.size > 4 * MAX_OWN:                                # UTF-8: at most 4 bytes a character
                raise InputError(f"the file has {upload.size:,} bytes; a text may have {MAX_OWN:,} characters")
            st.session_state.tx_upload_text = check_own_text(upload.getvalue())
        except InputError as err:
            st.session_state.tx_upload_error = str(err)
    if st.session_state.tx_upload_error:
        raise InputError(f"the uploaded file cannot be used: {st.session_state.tx_upload_error}")
    return st.session_state.tx_upload_text


@st.cache_resource(show_spinner=False)
def structured_text():
    """The generated corpus the shipped models learn (60,000 characters): made once per server (~56 ms each
    time, on every run of Generate and the explorer before), shared read-only (a str)."""
    return corpus("structured")


def training_text(values):
    """The text the model learns: the generated corpus, or the person's own (checked; InputError says why)."""
    if values["tx_corpus"] == "own":
        return check_own_text(own_text_input())
    return structured_text()


def config_of(values):
    return tm.DEFAULTS.replace(cell=values["tx_cell"], hidden=int(values["tx_hidden"]),
                               layers=int(values["tx_layers"]), seed=int(values["tx_seed"]))


def model_key(values, text):
    """What identifies a ready model: the settings and a digest of the training text."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return (values["tx_corpus"], digest, values["tx_cell"], int(values["tx_hidden"]), int(values["tx_layers"]),
            int(values["tx_seed"]))


def is_shipped(values):
    return values["tx_corpus"] == "structured" and config_of(values) == tm.DEFAULTS


def _shipped(text):
    model, vocab, meta = tm.shipped_model()
    info = meta.get(tm.KIND, {})
    return Ready(model, vocab, text, describe(model, info.get("steps"), info.get("bits_per_char")),
                 "the project's shipped weights (make weights), trained with the default settings")


def _trained(text, config, result):
    """The Ready model of a training done in the worker process."""
    model = tm.build_model(config, result["vocab"])
    model.load_state_dict(result["state"])
    history = tuple({"step": r["step"], "bits": tm.bits(r["loss"])} for r in result["history"])
    recent = np.mean([r["bits"] for r in history[-20:]])
    return Ready(model, result["vocab"], text, describe(model, result["step"], recent),
                 f"trained once on this server ({result['seconds']:.1f} s) and shared", history)


def ready_job(values, text):
    """The job of the ready model for these settings and training text (the shipped one is done at once); its
    ``value`` is the shared :class:`Ready` once ``state == "done"``."""
    key = ("text",) + model_key(values, text)
    if is_shipped(values):
        return jobs.pool().get(key) or jobs.pool().put(key, _shipped(text))
    config = config_of(values)
    return jobs.request(key, trained.text_weights, (text, config.cell, config.hidden, config.layers, config.seed),
                        build=lambda result: _trained(text, config, result), cost=10)


def describe(model, steps, bpc):
    rnn = model.rnn
    done = f", {steps} updates" if steps else ""
    score = f", {bpc:.2f} bits/char on its last updates" if bpc is not None else ""
    return f"{CELL_NAMES[rnn.kind]}, {rnn.hidden_size} units × {rnn.num_layers} layer(s){done}{score}"


def ready_model(values, page_settings):
    """The ready-trained model for the sidebar's settings (InputError for unusable own text). While it trains in
    the server's worker process (or if that failed) the page says so and stops there."""
    text = training_text(values)
    key = model_key(values, text)
    job = ready_job(values, text)
    if job.state != "done":
        what = f"a {CELL_NAMES[values['tx_cell']]} of {values['tx_hidden']} units, seed {values['tx_seed']}"
        if job.state == "failed":
            jobs.failed(job, what)
        else:
            jobs.waiting(job, what, "Each setting is trained once for the server; the default is ready at once.")
        page_end(page_settings)
        st.stop()
    return job.value, key


@st.cache_data(max_entries=256, show_spinner=False)
def cached_sample(key, prime, length, temperature, top_k, seed, _ready_model=None):
    """A sample of the ready model ``key`` (cached per settings, so a link shows the same text at once)."""
    return tm.sample(_ready_model.model, _ready_model.vocab, prime, length, temperature, top_k or None, seed)


# ---------------------------------------------------------------------- live training
@dataclass
class Live:
    """A model trained from scratch in this session, tick by tick.

    key : tuple                 the ready model's key these settings share
    trainer : Trainer
    samples : list of (update, text)   a sample (LIVE_SAMPLE) at update 0 and every SAMPLE_EVERY updates
    running : bool
    pending : ui.lane.Pending or None   the slice being trained in the lane's process
    answer_now : bool           the next tick answers without waiting for its slice (the run of a Start)
    """

    key: tuple
    trainer: object
    samples: list = field(default_factory=list)
    running: bool = False
    pending: object = None              # a slice out in the live-training lane (ui.lane.Pending)
    answer_now: bool = False            # the next tick does not wait for its slice (the run of a Start)

    @property
    def history(self):
        return [{"step": r["step"], "bits": tm.bits(r["loss"])} for r in self.trainer.history]

    @property
    def vocab(self):
        return self.trainer.data.vocab


def new_live(key, text, config):
    live = Live(key, tm.trainer_for(text, config))
    take_sample(live)
    return live


def take_sample(live):
    s = tm.sample(live.trainer.model, live.vocab, **{**LIVE_SAMPLE, "prime": live_prime(live.vocab)})
    live.samples.append((live.trainer.step, s.text))


def live_prime(vocab):
    return LIVE_SAMPLE["prime"] if LIVE_SAMPLE["prime"] in vocab else vocab[0]


def tick(live, budget, lane=None):
    """Train for this tick's fair share of the server's training time (at most ``budget`` seconds, ``ui.budget``)
    and at most up to the next sample point, in ``lane``'s worker process when one is given, where the sample is
    written too (``ui.lane``). A slice still out when the tick has waited its own time comes back at the next."""
    seconds = fair_slice(id(live), budget)                   # counted as training even while a slice is out
    take_back(live)
    trainer = live.trainer
    if live.pending is None and not trainer.done and trainer.stopped is None:
        steps = (trainer.step // SAMPLE_EVERY + 1) * SAMPLE_EVERY - trainer.step
        then = functools.partial(tm.sample_due, every=SAMPLE_EVERY,
                                 **{**LIVE_SAMPLE, "prime": live_prime(live.vocab)})
        live.pending = send_slice(trainer, seconds, lane, steps, then) if lane is not None else None
        if live.pending is None:                             # no lane, or the trainer cannot cross: here
            _add_sample(live, run_slice(trainer, seconds, steps, then)[2])
        elif not live.answer_now:                           # a Start's own run answers at once
            take_back(live, wait=seconds + SLICE_GRACE)
    live.answer_now = False
    if trainer.done or trainer.stopped:
        live.running = False


def take_back(live, wait=False):
    """The slice out in the lane taken back into the trainer, with its sample: now if it is back, within ``wait``
    seconds, or whenever it is (``wait=True``: before Pause or anything else that reads the trainer as final)."""
    pending = live.pending
    if pending is None:
        return
    if wait is True:
        pending.done.wait()
    elif wait:
        pending.done.wait(wait)
    if pending.done.is_set():
        live.pending = None
        take_slice(live.trainer, pending, wait=True)
        _add_sample(live, pending.extra)


def _add_sample(live, text):
    if text is not None and live.samples[-1][0] != live.trainer.step:
        live.samples.append((live.trainer.step, text))
