"""The five shapes: one-to-one … many-to-many not in step, each drawn unrolled, trained with one click,
its result shown before and after training."""

import streamlit as st

from rnn_core.examples import EXAMPLES
from ui import jobs
from ui.controls import page_end, page_start, plain, text_box
from ui.engine import shape_job
from ui.plot import plot, shared_plot
from ui.shapes import SHAPES, diagram_tokens, shape_result, show_outcome, show_own_review, show_result, show_training
from ui.state import CELL_NAMES, Setting
from viz.shapes import shape_figure

SETTINGS = (
    Setting("s_shape", "one-to-one", tuple(SHAPES)),
    Setting("s_review", "the music was great and the plot was fun", max_length=400),
)

values = page_start(
    "The five shapes",
    "A recurrent network can read one thing or a sequence, and answer once or at every step. Here are the five "
    "ways, each drawn **unrolled in time** (inputs orange at the bottom, hidden states purple, outputs green on "
    "top) with a worked example. Pick a shape, look at what the untrained network does, then press **Train** "
    "and compare.",
    SETTINGS,
)
shape, cell, seed = values["s_shape"], values["cell"], int(values["seed"])
info = SHAPES[shape]
example = EXAMPLES[info.example]
st.caption(f"The sidebar's **cell** ({CELL_NAMES[cell]}) and **seed** ({seed}) apply here. Its example, hidden "
           "units, layers and weights do not: each shape trains its own example with that example's default size.")

st.segmented_control("Shape", tuple(SHAPES), key="s_shape", required=True, format_func=lambda s: SHAPES[s].label)

st.subheader(f"{info.label}: {example.title.split(' (')[0]}")
st.markdown(info.summary)


def draw_diagram():
    labels_in, labels_out = diagram_tokens(shape)
    return shape_figure(shape, len(labels_in), len(labels_out), labels_in, labels_out)


diagram = shared_plot("shape", shape, draw_diagram)                 # one per shape, shared by every session
plot(diagram, f"diagram-{shape}")
st.caption("How to read it: time runs left to right; each purple box is the same network at one step, passing its "
           "state along the purple arrows. Orange: what goes in, green: what comes out, at the steps where they do.")

# ---------------------------------------------------------------------- train with one click
trained_set = st.session_state.setdefault("_s_trained", set())
run_key = (shape, cell, seed)


def _train():
    trained_set.add(run_key)


def _forget():
    trained_set.discard(run_key)


trained = run_key in trained_set
before = shape_result(shape, cell, seed, False)
after = None
key = f"{info.example}-{cell}-{seed}"
left, right = st.columns([2, 3], gap="large")
with left:
    if trained:
        st.button("Back to untrained", key="s_untrain", on_click=_forget, icon=":material/undo:")
        job = shape_job(info.example, cell, seed)               # trained in the server's worker process
        if job.state == "done":
            after = shape_result(shape, cell, seed, True)
        else:
            what = f"{example.title.split(' (')[0]}, {CELL_NAMES[cell]}, seed {seed}"
            (jobs.failed if job.state == "failed" else jobs.waiting)(job, what, "Below: the untrained network.")
    else:
        st.button("Train", key="s_train", on_click=_train, type="primary", icon=":material/play_arrow:",
                  help=f"{example.defaults.steps} updates with the example's defaults: about a second.")
    st.markdown(f"Example: {plain(example.summary)}. Default training: {example.defaults.steps} updates, "
                f"{example.defaults.hidden} hidden units, learning rate {example.defaults.lr:g}.")
    show_outcome(after or before, trained)
with right:
    if after is not None:
        show_training(after, key)
    elif not trained:
        st.info("Press **Train**: the network trains on this example (about a second), then its answers appear "
                "beside the untrained ones below, with the loss curve here.", icon=":material/school:")

show_result(shape, before, after, key)

if info.example == "sentiment":
    st.subheader("Your own review")
    text_box("A review, using the words the network knows", "s_review", 400)
    st.caption("Known words: " + ", ".join(EXAMPLES["sentiment"].data().input_vocab) + ".")
    show_own_review(st.session_state["s_review"], cell, seed, after is not None, key)

page_end(SETTINGS)
