"""The live-training page's Streamlit side: its session in ``st.session_state``, the buttons' callbacks, the
bodies of its two fragments, and the model files in and out.

The training itself (trainers, ticks, checks, restore, model files as bytes) is :mod:`ui.training`, which
knows nothing of Streamlit. Session state holds ``train`` (the :class:`ui.training.Session`), ``train_key``
(the settings it was made from, or ``"upload"`` until the widgets show an uploaded model's), ``tr_pending``
(an upload's settings, put into the widgets on the next run) and ``tr_redraw`` (a restore asks for a
whole-page run).
"""

import math

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.data import InputError
from rnn_core.model_file import ModelFileError
from rnn_core.project import principal_components
from viz.training import curves_figure, gradient_figure, trajectory_figure, weights_figure

from . import jobs, training
from .controls import download_csv, input_error, page_end, plain
from .plot import plot
from .state import CELL_NAMES

LRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0)
CLIPS = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0)
OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
NAMES = {"kennedy": "Kennedy (names)", "jazz": "JAZZ", "home": "HOME", "namaskar": "namaskar",
         "xor": "XOR (one-to-one)", "generate": "Write a word (one-to-many)", "sentiment": "Review sentiment",
         "memory": "Memory over distance", "sine": "Noisy sine", "own_text": "Your own text",
         "own_series": "Your own series (CSV)"}
#: the settings a training is made from: when they change, a fresh (untouched) training is made anew
KEY_FIELDS = ("tr_example", "tr_text", "cell", "hidden", "layers", "seed", "tr_opt", "tr_lr", "tr_clip", "tr_trunc",
              "tr_steps", "tr_act", "tr_compare")
# The browser asks for a timed rerun every TICK_SECONDS and the server folds requests that arrive during a run
# into one (Streamlit 1.67). 0.4 s gives 2.5 redraws a second; at 0.1 s ("as often as the server keeps up") each
# trainer's thread was never idle, and ten of them left a class's pages waiting 6-20 s (bench/classroom.py).
TICK_SECONDS = 0.4             # progress, outcome and loss curves while training
# the gradient, trajectory and weight charts' refresh: each costs a forward pass, a PCA and three figures, a fifth
# of a replica's time with ten trainers at 1.5 s
DETAIL_SECONDS = 3.0
BUDGET_SECONDS = 0.12          # training time per tick (alone; shared: ui.budget); the rest draws the charts
QUIET = {"displayModeBar": False}   # no toolbar: less for the browser to redraw on every tick


def apply_pending():
    """An uploaded model's settings, put into the widgets before any is drawn (a drawn widget's value is fixed)."""
    for name, value in st.session_state.pop("tr_pending", {}).items():
        st.session_state[name] = value


def load_defaults():
    """Choosing an example loads its tried setting (as Playground's presets do); every value stays editable."""
    key = st.session_state.tr_example
    if key in training.EXAMPLES:
        d = training.EXAMPLES[key].defaults
        st.session_state.tr_opt, st.session_state.tr_steps = d.optimizer, d.steps
        st.session_state.tr_lr = min(LRS, key=lambda x: abs(x - d.lr))
        st.session_state.tr_clip = 0.0 if d.clip is None else min(CLIPS, key=lambda x: abs(x - d.clip))
        st.session_state.hidden = d.hidden


def config_key(v, csv_text):
    """What the training is made from: the settings in KEY_FIELDS and the uploaded CSV's text."""
    return tuple(v[n] for n in KEY_FIELDS) + (csv_text,)


def _fresh_session(v, csv_text, key):
    example = training.make_example(v["tr_example"], text=v["tr_text"], csv_text=csv_text)
    config = example.defaults.replace(
        cell=v["cell"], hidden=int(v["hidden"]), layers=int(v["layers"]), seed=int(v["seed"]), optimizer=v["tr_opt"],
        lr=float(v["tr_lr"]), clip=float(v["tr_clip"]) or None, truncate=int(v["tr_trunc"]) or None,
        steps=int(v["tr_steps"]), nonlinearity=v["tr_act"])
    st.session_state.train = training.new_session(example, v["tr_example"], config, compare=v["tr_compare"])
    st.session_state.train_key = key


def current_session(v, csv_text, page_settings):
    """The session the page shows: kept while it has trained or runs, made anew from the settings while it is
    untouched and they changed. Without data to train on (no CSV yet, bad own text) it says why and the page
    stops there, its settings still written to the URL."""
    key = config_key(v, csv_text)
    if st.session_state.get("train_key") == "upload":
        st.session_state.train_key = key                         # the widgets now describe the uploaded model
    session = st.session_state.get("train")
    fresh = session is None or all(t.step == 0 for t in session.trainers.values()) and not session.running
    if fresh and st.session_state.get("train_key") != key or session is None:
        if v["tr_example"] == "own_series" and csv_text is None:   # nothing uploaded yet is not an error
            st.info("Upload a CSV file above: the network learns to predict the next value of its last column of "
                    "numbers.", icon=":material/upload_file:")
            page_end(page_settings)
            st.stop()
        try:
            _fresh_session(v, csv_text, key)
        except InputError as err:
            input_error(err)
            page_end(page_settings)
            st.stop()
    if st.session_state.get("train_key") != key:
        st.info("The settings changed since this training began; press **Reset** to start again with them.",
                icon=":material/info:")
    jobs.live_lane().warm()                              # its process up before the first Start
    return st.session_state.train


def set_running(session, running):
    """Start or Pause (a slice still out in the lane comes back first)."""
    training.take_slices(session, wait=True)
    session.running = session.answer_now = running
    if not running:
        training.check(session)                                # paused: the answers shown are the current ones


def one_step(session):
    """Step: one update of every trainer that can go on, then paused."""
    training.take_slices(session, wait=True)
    session.running = False
    for trainer in session.trainers.values():
        if not trainer.done and trainer.stopped is None:
            trainer.train_step()
    training.check(session)


def reset():
    """Reset: the next run makes a fresh session from the settings."""
    st.session_state.pop("train", None)


def restore(session):
    """The last good weights back and the learning rate ÷ 10, in the trainers and in the widget (a callback runs
    before the widget is drawn, so it may set the widget's value)."""
    lr = min(LRS, key=lambda x: abs(math.log(x / (session.trainer.config.lr / 10))))
    st.session_state.tr_lr = lr
    training.restore(session, lr)
    st.session_state.tr_redraw = True
    key = st.session_state.get("train_key")
    if isinstance(key, tuple):                                 # the lower rate is now this training's own setting
        at = KEY_FIELDS.index("tr_lr")
        st.session_state.train_key = key[:at] + (lr,) + key[at + 1:]


def live(session, ticking):
    """The fast fragment's body: a slice of training, the progress, what was learned, the loss curves.

    ``ticking``: whether the whole-page run that drew this fragment set its timer. A click inside a fragment
    reruns only the fragment, so a restore and the end of a run ask for a whole-page run."""
    if st.session_state.pop("tr_redraw", False):
        st.rerun(scope="app")              # a restore: Start, Step and the rate widget are outside this fragment
    if session.running:
        training.tick(session, BUDGET_SECONDS, jobs.live_lane())   # the slice in a worker process
    trainer = session.trainer
    # Messages come and go inside one container, so the chart below keeps its place in the fragment: a chart
    # that moves is a new chart to the browser, which blanks it and draws it again from scratch.
    with st.container():
        fraction, progress = training.progress(session)
        st.progress(fraction, text=progress)
        if session.stopped:
            st.error(session.stopped, icon=":material/warning:")
            st.button("Restore the last good weights and go on with the learning rate ÷ 10", on_click=restore,
                      args=(session,), type="primary", icon=":material/undo:")
        elif session.note:
            st.info(plain(session.note), icon=":material/info:")
        for cell, outcome in session.outcomes.items():
            (st.success if outcome.ok else st.info)(f"**{CELL_NAMES[cell]}**: {plain(outcome)}"
                                                    f"{plain(training.learned_when(session, cell))}")
        if session.uploaded_at is not None:
            st.info(training.upload_note(session), icon=":material/upload:")
        elif not trainer.history:
            st.info("No updates yet: press **Start** (or **Step** for a single update).",
                    icon=":material/play_arrow:")
    if ticking and not session.running:
        # finished, diverged, or paused by a click that a timer tick handled: a full run redraws the buttons
        # and switches the timer off
        st.rerun(scope="app")
    plot(curves_figure({c: t.history for c, t in session.trainers.items()}, plain=True), "curves", config=QUIET)


#: under the loss curves, drawn by the whole page's run: every element in the tick's fragment is sent again each tick
CURVES_CAPTION = "Loss on a log scale (it should fall) and the share of targets predicted right (it should rise)."


def _detail_figures(session):
    """The gradient, trajectory (None when the hidden states overflowed) and weight figures of the trainer
    shown."""
    trainer = session.trainer
    first = session.data.batch([0])                            # the trajectory needs the first sequence only
    with np.errstate(all="ignore"):
        rec = first.run(trainer.model)
    h = rec.rnn.layers[-1].hidden[: int(first.lengths[0]), 0]
    trajectory = None
    if np.all(np.isfinite(h)) and np.max(np.abs(h), initial=0) < 1e100:
        proj = principal_components(h)
        trajectory = trajectory_figure(proj.coords, session.data.tokens[0], proj.explained)
    params = trainer.model.parameters()
    k = trainer.model.rnn.num_layers - 1
    weights = weights_figure({f"W_ih (layer {k + 1})": params[f"rnn.weight_ih_l{k}"],
                              f"W_hh (layer {k + 1})": params[f"rnn.weight_hh_l{k}"], "W_hy": params["head.weight"]})
    return gradient_figure(trainer.history), trajectory, weights


def details(session):
    """The slow fragment's body: gradient norms, the hidden-state path and the weight matrices."""
    gradients, trajectory, weights = _detail_figures(session)
    left, right = st.columns(2)
    with left:
        if session.trainer.history:
            plot(gradients, "gradients", config=QUIET)
        else:                                   # no update yet: a chart of empty axes would only puzzle
            st.info("The gradient norms appear here after the first update.", icon=":material/bar_chart:")
        st.caption("Grey: the gradient's norm as computed; purple: after clipping. When grey towers over purple, "
                   "clipping is holding back an explosion.")
    with right:
        if trajectory is not None:
            plot(trajectory, "trajectory", config=QUIET)
        else:
            st.warning("The hidden states have overflowed, so there is no path to draw.")
        st.caption("The top layer's hidden state h_t along the first sequence, projected on its two main "
                   "directions: training spreads apart the states that must lead to different answers.")
    plot(weights, "weights", config=QUIET)
    st.caption("The weight matrices (blue positive, red negative; gates stacked in PyTorch's order). Watch "
               "structure appear as the loss falls. When a few weights dwarf the rest (on the way to a blow-up), "
               "colours saturate at 5× the median size; hover a cell for its value.")


def model_files(session, example):
    """Downloads of the history and the model (``.npz``, ``.safetensors``), and the upload of a model file that
    continues training; a file that can't be used is explained and the training in progress kept."""
    c = st.columns(3)
    if any(t.history for t in session.trainers.values()):
        history = pd.concat([pd.DataFrame(t.history).assign(cell=cell) for cell, t in session.trainers.items()])
        with c[0]:
            download_csv(history, f"{example}_history.csv", "Download the history (CSV)", key="dl-history")
    c[1].download_button("Download the model (.npz)", training.model_bytes(session, session.shown),
                         file_name=f"{example}_{session.shown}.npz", mime="application/octet-stream",
                         on_click="ignore", icon=":material/download:", key="dl-model")
    c[1].download_button("Download for PyTorch (.safetensors)",
                         training.model_bytes(session, session.shown, "safetensors"),
                         file_name=f"{example}_{session.shown}.safetensors", mime="application/octet-stream",
                         on_click="ignore", icon=":material/download:", key="dl-model-safetensors",
                         help="A state dict for a PyTorch module with attributes rnn and head (see the README)")
    upload = c[2].file_uploader("Continue a model file", type=["npz", "safetensors"], key="tr_upload",
                                help="A model downloaded from this page, or a PyTorch state dict (.safetensors) "
                                     "whose sizes fit the data chosen above; it is checked before anything is "
                                     "replaced.")
    if upload is not None and st.session_state.get("tr_upload_seen") != upload.file_id:
        st.session_state.tr_upload_seen = upload.file_id
        try:
            st.session_state.train = training.session_from_upload(upload.getvalue(), upload.name, example)
            st.session_state.tr_pending, notes = training.widget_values(st.session_state.train, LRS, CLIPS)
            st.session_state.train.note = "".join(f"From the file: {n}. " for n in notes)
            st.session_state.train_key = "upload"
            st.rerun()
        except (ModelFileError, InputError) as err:
            st.error(f"That file can't be used: {plain(err)}. Your current training is untouched.",
                     icon=":material/error:")
