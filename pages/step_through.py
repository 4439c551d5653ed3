"""Step through: a worked example one time step at a time, with the engine's numbers in every equation."""

import time

import pandas as pd
import streamlit as st

from rnn_core.record import GATE_NAMES
from ui import equations, step_tables
from ui.controls import download_csv, page_end, page_start, plain, shared_run
from ui.state import Setting
from viz.colors import HIDDEN
from viz.matvec import matvec_figure
from viz.network import network_figure

PLAY_SECONDS = 1.5
SETTINGS = (Setting("t", 0, low=0, high=400), Setting("seq", 0, low=0, high=1), Setting("block", "h"),
            Setting("layer", 1, low=1, high=3))

v = page_start(
    "Step through",
    "The network reads its input one item per step. Press **Next** (or **Play**) and watch step t: the input "
    "x_t and the previous state h_{t−1} go through the two weight matrices, are added, squashed into the new "
    "state h_t, and read out as a prediction. Every number below is the engine's own. Try the **same Z twice** "
    "in JAZZ, switch the cell to LSTM or GRU, or train the weights in the sidebar.",
    SETTINGS,
)

run = shared_run(v, SETTINGS)

data, rec, model = run.data, run.rec, run.model
st.markdown(f"**{run.title}**: {run.summary}.")
if run.outcome is not None:
    (st.success if run.outcome.ok else st.warning)(
        f"Trained for {len(run.history)} updates in {run.history[-1]['time']:.2f} s: {run.outcome}", icon=None)
else:
    st.info("Untrained: the weights are random (seed in the sidebar), so the predictions are guesses. "
            "Switch **Weights** to *Trained* to see what training changes.")

if data.size > 1:                                          # Kennedy: two sentences in one batch
    st.segmented_control("Sentence", list(range(data.size)), key="seq", required=True,
                         format_func=lambda b: f"{b + 1}: {' '.join(data.tokens[b])} ({data.lengths[b]} words)")
else:
    st.session_state.seq = 0
b = min(int(st.session_state.seq), data.size - 1)
T = int(data.lengths[b])
st.session_state.t = min(int(st.session_state.t), T - 1)
st.session_state.layer = min(int(st.session_state.layer), model.rnn.num_layers)
if model.rnn.num_layers > 1:
    st.segmented_control("Layer shown", list(range(1, model.rnn.num_layers + 1)), key="layer", required=True)
blocks = GATE_NAMES[model.rnn.kind]
if st.session_state.block not in blocks:
    st.session_state.block = "g" if model.rnn.kind == "lstm" else "n" if model.rnn.kind == "gru" else "h"


def go_to(t):
    st.session_state.t = max(0, min(T - 1, t))


def set_playing(playing):
    if playing and st.session_state.t >= T - 1:
        st.session_state.t = 0                             # Play at the end starts over
    st.session_state.playing = playing
    st.session_state.last_tick = time.monotonic()


playing = st.session_state.get("playing", False)


@st.fragment(run_every=PLAY_SECONDS if playing else None)
def step_view():
    if st.session_state.get("playing") and time.monotonic() - st.session_state.get("last_tick", 0) > 0.8 * PLAY_SECONDS:
        st.session_state.last_tick = time.monotonic()
        if st.session_state.t < T - 1:
            st.session_state.t += 1
        else:                                              # the end: stop the timer with a full rerun
            st.session_state.playing = False
            st.rerun(scope="app")
    c = st.columns([1.3, 1.5, 1.3, 1.3, 5], vertical_alignment="bottom")
    c[0].button("Reset", icon=":material/first_page:", on_click=go_to, args=(0,), width="stretch")
    c[1].button("Previous", icon=":material/chevron_left:", on_click=go_to, args=(st.session_state.t - 1,),
                disabled=st.session_state.t == 0, width="stretch")
    c[2].button("Next", icon=":material/chevron_right:", on_click=go_to, args=(st.session_state.t + 1,),
                disabled=st.session_state.t >= T - 1, type="primary", width="stretch")
    # Play and Pause are two buttons with two keys: when the timer fires at the moment of a click, Streamlit
    # (1.67) delivers the click twice, and the second delivery must find its button gone, not undo the first.
    now = st.session_state.get("playing", False)
    c[3].button("Pause" if now else "Play", on_click=set_playing, args=(not now,), width="stretch",
                key=f"play-{now}", icon=":material/pause:" if now else ":material/play_arrow:")
    if now != playing:
        st.rerun(scope="app")                              # the timer is set (or cleared) on a full run
    if T > 1:
        c[4].slider("Step t", 0, T - 1, key="t")
    t = int(st.session_state.t)
    k = int(st.session_state.layer) - 1
    layer = rec.rnn.layers[k]
    top = k == model.rnn.num_layers - 1
    token = step_tables.label(data.tokens[b][t])

    st.subheader(f"Step t = {t} of {T - 1}: input “{token}”")
    st.table(pd.DataFrame(step_tables.sequence_rows(run, b, t)).set_index("step t"))
    if data.input_vocab is not None and data.size == 1 and len(set(data.tokens[0])) < T:
        st.caption("A letter that comes twice gets a different h_t each time: compare their rows in the table "
                   "of hidden units below as you step.")

    left, right = st.columns([1, 1])
    with left:
        block = st.session_state.block
        if len(blocks) > 1:
            st.segmented_control("Arrows of", blocks, key="block", required=True,
                                 format_func=lambda g: f"{g}: {equations.NAMES[g]}")
            block = st.session_state.block
        H = layer.states.shape[-1]
        j = blocks.index(block)
        w_ih = model.rnn.params[f"weight_ih_l{k}"][j * H:(j + 1) * H]
        w_hh = model.rnn.params[f"weight_hh_l{k}"][j * H:(j + 1) * H]
        in_labels = data.input_vocab if k == 0 and data.input_vocab is not None else None
        out_labels = [step_tables.label(o) for o in data.output_labels]
        fig = network_figure(layer, t, b, w_ih=w_ih, w_hh=w_hh, head=rec.head if top else None,
                             w_out=model.head.params["weight"] if top else None,
                             gate=None if block == "h" else block,
                             input_labels=[step_tables.label(s) for s in in_labels] if in_labels else None,
                             output_labels=out_labels)
        st.plotly_chart(fig, width="stretch", key="network")
        st.caption("Orange: inputs x_t; purple: h_{t−1} and h_t; green: outputs y_t. Each arrow is one weight "
                   "(blue positive, red negative, thicker = larger). Hover an arrow's middle or a neuron for "
                   "its exact value.")
    with right:
        st.markdown("**Hidden units at this step**")
        st.table(pd.DataFrame(step_tables.unit_rows(layer, t, b)).set_index("unit"))
        if top:
            st.markdown("**Outputs**")
            st.table(pd.DataFrame(step_tables.output_rows(run, t, b)).set_index("output"))
            guess, p, target = step_tables.prediction(run, t, b)
            verdict = "right" if guess == target else "wrong"
            st.markdown(f"**Prediction:** {plain(guess)} ({p:.4f}), **target:** {plain(target)}: *{verdict}*.")

    st.markdown("**The equations at this step, with the numbers**")
    if layer.kind == "rnn":
        for line in equations.rnn_equation(layer, t, b, model.rnn.nonlinearity):
            st.latex(line)
    else:
        for name in blocks:
            st.latex(equations.gate_equation(layer, name, t, b))
        for line in equations.state_equations(layer, t, b):
            st.latex(line)
    if top:
        for line in equations.output_equation(rec.head, t, b, model.head.activation):
            st.latex(line)

    st.markdown("**The two products as pictures** (W · v + b = the recorded result)")
    H = layer.states.shape[-1]
    j = blocks.index(st.session_state.block)
    rows = [f"h{u + 1}" for u in range(H)]
    m1, m2 = st.columns(2)
    in_cols = [step_tables.label(s) for s in data.input_vocab] if k == 0 and data.input_vocab else None
    m1.plotly_chart(matvec_figure(w_ih, layer.x[t, b], model.rnn.params[f"bias_ih_l{k}"][j * H:(j + 1) * H],
                                  layer.gate(block, "input_product")[t, b], f"Input product of {block}: W x_t + b",
                                  rows, in_cols), width="stretch", key="matvec-input")
    m2.plotly_chart(matvec_figure(w_hh, layer.hidden_prev[t, b], model.rnn.params[f"bias_hh_l{k}"][j * H:(j + 1) * H],
                                  layer.gate(block, "recurrent_product")[t, b],
                                  f"Recurrent product of {block}: W h_{{t−1}} + b", rows, rows, vector_color=HIDDEN),
                    width="stretch", key="matvec-recurrent")
    st.caption("With a one-hot input, W x_t just picks the column of the input's letter; at t = 0, h_{t−1} is zero, "
               "so the recurrent product is only its bias.")
    page_end(SETTINGS)                                     # a step changed in the fragment goes into the link too


step_view()

with st.expander("All the numbers of this run"):
    table = pd.DataFrame(rec.rnn.to_columns())
    st.caption(f"{len(table):,} recorded values: every quantity at every layer, step and unit, gradients included.")
    download_csv(table, f"{v['example']}_{v['cell']}_record.csv", "Download the whole record (CSV)", key="dl-record")
    download_csv(step_tables.sequence_rows(run, b, -1), f"{v['example']}_predictions.csv",
                 "Download the predictions (CSV)", key="dl-predictions")
page_end(SETTINGS)
