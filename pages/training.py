"""Live training: watch a network learn, update by update, with play/pause/step and a way back from divergence."""

import math

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core.data import MAX_TEXT, InputError
from rnn_core.model_file import ModelFileError
from rnn_core.project import principal_components
from ui import training
from ui.controls import download_csv, input_error, page_end, page_start, plain, text_box
from ui.state import CELL_NAMES, Setting
from viz.training import curves_figure, gradient_figure, trajectory_figure, weights_figure

# The browser asks for a timed rerun every TICK_SECONDS and the server folds requests that arrive during a run
# into one (Streamlit 1.67), so a short interval means "as often as server and browser keep up".
TICK_SECONDS = 0.1             # progress, outcome and loss curves while training
QUIET = {"displayModeBar": False}   # no toolbar: less for the browser to redraw on every tick
DETAIL_SECONDS = 1.5           # the gradient, trajectory and weight charts' refresh interval
BUDGET_SECONDS = 0.06          # training time per tick; the rest of the tick draws the charts
LRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0)
CLIPS = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0)
NAMES = {"kennedy": "Kennedy (names)", "jazz": "JAZZ", "home": "HOME", "namaskar": "namaskar",
         "xor": "XOR (one-to-one)", "generate": "Write a word (one-to-many)", "sentiment": "Review sentiment",
         "memory": "Memory over distance", "sine": "Noisy sine", "own_text": "Your own text",
         "own_series": "Your own series (CSV)"}
SETTINGS = (
    Setting("tr_example", "kennedy", training.TRAIN_EXAMPLES), Setting("tr_text", "hello world"),
    Setting("tr_opt", "adam", ("sgd", "momentum", "adagrad", "rmsprop", "adam")), Setting("tr_lr", 0.05, LRS),
    Setting("tr_clip", 5.0, CLIPS), Setting("tr_trunc", 0, low=0, high=50), Setting("tr_steps", 150, low=1, high=5000),
    Setting("tr_act", "tanh", ("tanh", "relu", "sigmoid")), Setting("tr_compare", False),
    Setting("tr_show", "rnn", training.CELLS),
)

# An uploaded model's settings, put into the widgets before any is drawn (a drawn widget's value is fixed)
for name, value in st.session_state.pop("tr_pending", {}).items():
    st.session_state[name] = value

v = page_start(
    "Live training",
    "Press **Start** and watch the network learn: the loss falls, the gradients shrink, the weights settle and "
    "the predictions turn right. Pause at any time, or take a single **Step**. Compare RNN, LSTM and GRU from "
    "the same seed, or break training on purpose (JAZZ, vanilla RNN, ReLU, SGD, learning rate 50, clipping off) "
    "and see what the app does.",
    SETTINGS, example_picker=False, weights_picker=False,
)


def load_defaults():
    """Choosing an example loads its tried setting (as Playground's presets do); every value stays editable."""
    key = st.session_state.tr_example
    if key in training.EXAMPLES:
        d = training.EXAMPLES[key].defaults
        st.session_state.tr_opt, st.session_state.tr_steps = d.optimizer, d.steps
        st.session_state.tr_lr = min(LRS, key=lambda x: abs(x - d.lr))
        st.session_state.tr_clip = 0.0 if d.clip is None else min(CLIPS, key=lambda x: abs(x - d.clip))
        st.session_state.hidden = d.hidden


with st.container(border=True):
    c = st.columns(4)
    c[0].selectbox("Data", training.TRAIN_EXAMPLES, key="tr_example", format_func=NAMES.get, on_change=load_defaults)
    c[1].selectbox("Optimiser", ("sgd", "momentum", "adagrad", "rmsprop", "adam"), key="tr_opt")
    c[2].select_slider("Learning rate", LRS, key="tr_lr", format_func=lambda x: f"{x:g}")
    c[3].select_slider("Clip gradient norm at", CLIPS, key="tr_clip",
                       format_func=lambda x: "off" if x == 0 else f"{x:g}")
    c = st.columns(4)
    c[0].number_input("Updates", 1, 5000, key="tr_steps")
    c[1].slider("Truncated BPTT (steps, 0 = full)", 0, 50, key="tr_trunc")
    c[2].segmented_control("RNN activation", ("tanh", "relu", "sigmoid"), key="tr_act", required=True)
    c[3].toggle("Compare RNN, LSTM, GRU", key="tr_compare", help="Three networks from the same seed, side by side")
    csv_text = None
    if v["tr_example"] == "own_text":
        text_box("Your text (the network learns to predict each next character)", "tr_text", MAX_TEXT)
    elif v["tr_example"] == "own_series":
        upload = st.file_uploader("A CSV file; the last numeric column is the series", type=["csv", "txt"],
                                  key="tr_csv")
        if upload is not None:
            csv_text = upload.getvalue().decode("utf-8", errors="replace")

KEY_FIELDS = ("tr_example", "tr_text", "cell", "hidden", "layers", "seed", "tr_opt", "tr_lr", "tr_clip", "tr_trunc",
              "tr_steps", "tr_act", "tr_compare")
config_key = tuple(v[n] for n in KEY_FIELDS) + (csv_text,)


def fresh_session():
    example = training.make_example(v["tr_example"], text=v["tr_text"], csv_text=csv_text)
    config = example.defaults.replace(
        cell=v["cell"], hidden=int(v["hidden"]), layers=int(v["layers"]), seed=int(v["seed"]), optimizer=v["tr_opt"],
        lr=float(v["tr_lr"]), clip=float(v["tr_clip"]) or None, truncate=int(v["tr_trunc"]) or None,
        steps=int(v["tr_steps"]), nonlinearity=v["tr_act"])
    st.session_state.train = training.new_session(example, v["tr_example"], config, compare=v["tr_compare"])
    st.session_state.train_key = config_key


def reset():
    st.session_state.pop("train", None)


if st.session_state.get("train_key") == "upload":
    st.session_state.train_key = config_key                   # the widgets now describe the uploaded model
session = st.session_state.get("train")
fresh = session is None or all(t.step == 0 for t in session.trainers.values()) and not session.running
if fresh and st.session_state.get("train_key") != config_key or session is None:
    if v["tr_example"] == "own_series" and csv_text is None:   # nothing uploaded yet is not an error
        st.info("Upload a CSV file above: the network learns to predict the next value of its last column of "
                "numbers.", icon=":material/upload_file:")
        page_end(SETTINGS)
        st.stop()
    try:
        fresh_session()
    except InputError as err:
        input_error(err)
        page_end(SETTINGS)
        st.stop()
session = st.session_state.train
if st.session_state.get("train_key") != config_key:
    st.info("The settings changed since this training began; press **Reset** to start again with them.",
            icon=":material/info:")


def set_running(running):
    session.running = running
    if not running:
        training.check(session)                                # paused: the answers shown are the current ones


def restore():
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


def one_step():
    session.running = False
    for trainer in session.trainers.values():
        if not trainer.done and trainer.stopped is None:
            trainer.train_step()
    training.check(session)


# Start and Pause (and Step while running or not) are different buttons, each with its own key. When a timer
# tick fires at the moment of a click, Streamlit (1.67) delivers that click twice, once with the tick; a
# second delivery then finds its button gone instead of undoing the first (a toggle restarted training).
b = st.columns([1.2, 1.2, 1.2, 5.4], vertical_alignment="center")
b[0].button("Pause" if session.running else "Start", type="primary", on_click=set_running, args=(not session.running,),
            width="stretch", key=f"start-{session.running}",
            icon=":material/pause:" if session.running else ":material/play_arrow:",
            disabled=session.done or bool(session.stopped))
b[1].button("Step", on_click=one_step, width="stretch", icon=":material/skip_next:", key=f"step-{session.running}",
            disabled=session.done or bool(session.stopped), help="One update, then pause")
b[2].button("Reset", on_click=reset, width="stretch", icon=":material/restart_alt:",
            help="New random weights from the seed, with the current settings")
if len(session.trainers) > 1:
    b[3].segmented_control("Details of", list(session.trainers), key="tr_show", format_func=CELL_NAMES.get,
                           required=True)
    session.shown = v["tr_show"] if v["tr_show"] in session.trainers else session.shown


ticking = session.running          # whether this full run sets the fragment's timer


@st.fragment(run_every=TICK_SECONDS if ticking else None)
def live():
    if st.session_state.pop("tr_redraw", False):
        st.rerun(scope="app")              # a restore: Start, Step and the rate widget are outside this fragment
    if session.running:
        training.tick(session, BUDGET_SECONDS)
    trainer = session.trainer
    # Messages come and go inside one container, so the chart below keeps its place in the fragment: a chart
    # that moves is a new chart to the browser, which blanks it and draws it again from scratch.
    with st.container():
        fraction, progress = training.progress(session)
        st.progress(fraction, text=progress)
        if session.stopped:
            st.error(session.stopped, icon=":material/warning:")
            st.button("Restore the last good weights and go on with the learning rate ÷ 10", on_click=restore,
                      type="primary", icon=":material/undo:")
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
    st.plotly_chart(curves_figure({c: t.history for c, t in session.trainers.items()}), width="stretch",
                    key="curves", config=QUIET)
    st.caption("Loss on a log scale (it should fall) and the share of targets predicted right (it should rise).")


def detail_figures(trainer):
    """The gradient, trajectory and weight figures of the trainer shown."""
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


# The slower pictures redraw every 1.5 s, in a fragment of their own: redrawing every chart with each tick
# kept the browser's renderer so busy on this 2-core machine that a click on Pause took seconds to land.
@st.fragment(run_every=DETAIL_SECONDS if ticking else None)
def details():
    trainer = session.trainer
    gradients, trajectory, weights = detail_figures(trainer)
    left, right = st.columns(2)
    with left:
        st.plotly_chart(gradients, width="stretch", key="gradients", config=QUIET)
        st.caption("Grey: the gradient's norm as computed; purple: after clipping. When grey towers over purple, "
                   "clipping is holding back an explosion.")
    with right:
        if trajectory is not None:
            st.plotly_chart(trajectory, width="stretch", key="trajectory", config=QUIET)
        else:
            st.warning("The hidden states have overflowed, so there is no path to draw.")
        st.caption("The top layer's hidden state h_t along the first sequence, projected on its two main "
                   "directions: training spreads apart the states that must lead to different answers.")
    st.plotly_chart(weights, width="stretch", key="weights", config=QUIET)
    st.caption("The weight matrices (blue positive, red negative; gates stacked in PyTorch's order). Watch "
               "structure appear as the loss falls. When a few weights dwarf the rest (on the way to a blow-up), "
               "colours saturate at 5× the median size; hover a cell for its value.")



live()
details()

st.subheader("Keep what you trained")
c = st.columns(3)
if any(t.history for t in session.trainers.values()):
    history = pd.concat([pd.DataFrame(t.history).assign(cell=cell) for cell, t in session.trainers.items()])
    with c[0]:
        download_csv(history, f"{v['tr_example']}_history.csv", "Download the history (CSV)", key="dl-history")
c[1].download_button("Download the model (.npz)", training.model_bytes(session, session.shown),
                     file_name=f"{v['tr_example']}_{session.shown}.npz", mime="application/octet-stream",
                     on_click="ignore", icon=":material/download:", key="dl-model")
c[1].download_button("Download for PyTorch (.safetensors)",
                     training.model_bytes(session, session.shown, "safetensors"),
                     file_name=f"{v['tr_example']}_{session.shown}.safetensors", mime="application/octet-stream",
                     on_click="ignore", icon=":material/download:", key="dl-model-safetensors",
                     help="A state dict for a PyTorch module with attributes rnn and head (see the README)")
upload = c[2].file_uploader("Continue a model file", type=["npz", "safetensors"], key="tr_upload",
                            help="A model downloaded from this page, or a PyTorch state dict (.safetensors) whose "
                                 "sizes fit the data chosen above; it is checked before anything is replaced.")
if upload is not None and st.session_state.get("tr_upload_seen") != upload.file_id:
    st.session_state.tr_upload_seen = upload.file_id
    try:
        st.session_state.train = training.session_from_upload(upload.getvalue(), upload.name, v["tr_example"])
        st.session_state.tr_pending, notes = training.widget_values(st.session_state.train, LRS, CLIPS)
        st.session_state.train.note = "".join(f"From the file: {n}. " for n in notes)
        st.session_state.train_key = "upload"
        st.rerun()
    except (ModelFileError, InputError) as err:
        st.error(f"That file can't be used: {plain(err)}. Your current training is untouched.",
                 icon=":material/error:")
page_end(SETTINGS)
