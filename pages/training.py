"""Live training: watch a network learn, update by update, with play/pause/step and a way back from divergence."""

import streamlit as st

from rnn_core.data import MAX_TEXT
from ui import training
from ui import training_page as tp
from ui.controls import page_end, page_start, text_box
from ui.state import CELL_NAMES, Setting

SETTINGS = (
    Setting("tr_example", "kennedy", training.TRAIN_EXAMPLES), Setting("tr_text", "hello world"),
    Setting("tr_opt", "adam", tp.OPTIMIZERS), Setting("tr_lr", 0.05, tp.LRS), Setting("tr_clip", 5.0, tp.CLIPS),
    Setting("tr_trunc", 0, low=0, high=50), Setting("tr_steps", 150, low=1, high=5000),
    Setting("tr_act", "tanh", tp.ACTIVATIONS), Setting("tr_compare", False),
    Setting("tr_show", "rnn", training.CELLS),
)

tp.apply_pending()
v = page_start(
    "Live training",
    "Press **Start** and watch the network learn: the loss falls, the gradients shrink, the weights settle and "
    "the predictions turn right. Pause at any time, or take a single **Step**. Compare RNN, LSTM and GRU from "
    "the same seed, or break training on purpose (JAZZ, vanilla RNN, ReLU, SGD, learning rate 50, clipping off) "
    "and see what the app does.",
    SETTINGS, example_picker=False, weights_picker=False,
)

with st.container(border=True):
    c = st.columns(4)
    c[0].selectbox("Data", training.TRAIN_EXAMPLES, key="tr_example", format_func=tp.NAMES.get,
                   on_change=tp.load_defaults)
    c[1].selectbox("Optimiser", tp.OPTIMIZERS, key="tr_opt")
    c[2].select_slider("Learning rate", tp.LRS, key="tr_lr", format_func=lambda x: f"{x:g}")
    c[3].select_slider("Clip gradient norm at", tp.CLIPS, key="tr_clip",
                       format_func=lambda x: "off" if x == 0 else f"{x:g}")
    c = st.columns([0.74, 1.0, 1.08, 1.18])   # room for "sigmoid" and the toggle's label in a 1280-pixel window
    c[0].number_input("Updates", 1, 5000, key="tr_steps")
    c[1].slider("Truncated BPTT (steps, 0 = full)", 0, 50, key="tr_trunc")
    c[2].segmented_control("RNN activation", tp.ACTIVATIONS, key="tr_act", required=True)
    c[3].toggle("Compare RNN, LSTM, GRU", key="tr_compare", help="Three networks from the same seed, side by side")
    csv_text = None
    if v["tr_example"] == "own_text":
        text_box("Your text (the network learns to predict each next character)", "tr_text", MAX_TEXT)
    elif v["tr_example"] == "own_series":
        upload = st.file_uploader("A CSV file; the last numeric column is the series", type=["csv", "txt"],
                                  key="tr_csv")
        if upload is not None:
            csv_text = upload.getvalue().decode("utf-8", errors="replace")

session = tp.current_session(v, csv_text, SETTINGS)

# Start and Pause (and Step while running or not) are different buttons, each with its own key. When a timer
# tick fires at the moment of a click, Streamlit (1.67) delivers that click twice, once with the tick; a
# second delivery then finds its button gone instead of undoing the first (a toggle restarted training).
b = st.columns([1.2, 1.2, 1.2, 5.4], vertical_alignment="center")
b[0].button("Pause" if session.running else "Start", type="primary", on_click=tp.set_running,
            args=(session, not session.running), width="stretch", key=f"start-{session.running}",
            icon=":material/pause:" if session.running else ":material/play_arrow:",
            disabled=session.done or bool(session.stopped))
b[1].button("Step", on_click=tp.one_step, args=(session,), width="stretch", icon=":material/skip_next:",
            key=f"step-{session.running}", disabled=session.done or bool(session.stopped),
            help="One update, then pause")
b[2].button("Reset", on_click=tp.reset, width="stretch", icon=":material/restart_alt:",
            help="New random weights from the seed, with the current settings")
if len(session.trainers) > 1:
    b[3].segmented_control("Details of", list(session.trainers), key="tr_show", format_func=CELL_NAMES.get,
                           required=True)
    session.shown = v["tr_show"] if v["tr_show"] in session.trainers else session.shown

ticking = session.running          # whether this full run sets the fragments' timers


@st.fragment(run_every=tp.TICK_SECONDS if ticking else None)
def live():
    tp.live(session, ticking)


# The slower pictures redraw every 3 s, in a fragment of their own: redrawing every chart with each tick
# kept the browser's renderer so busy on this 2-core machine that a click on Pause took seconds to land.
@st.fragment(run_every=tp.DETAIL_SECONDS if ticking else None)
def details():
    tp.details(session)


live()
st.caption(tp.CURVES_CAPTION)
details()

st.subheader("Keep what you trained")
tp.model_files(session, v["tr_example"])
page_end(SETTINGS)
