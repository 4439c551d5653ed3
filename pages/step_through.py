"""Step through: a worked example one time step at a time, with the engine's numbers in every equation.

The run is sent to the browser once per setting; stepping, playing and the block choice are drawn there
(``ui.stepper``), so a click costs the server nothing.
"""

import streamlit as st

from rnn_core.record import GATE_NAMES
from ui import pytorch_step, step_tables
from ui.controls import download_csv, page_end, page_start, plain, shared_run, shared_sidebar
from ui.state import Setting
from ui.stepper import PACES, model_files, record_csv, run_payload, stepper

SOURCES = {"examples": "Examples", "pytorch": "Your PyTorch model"}
SETTINGS = (Setting("t", 0, low=0, high=400), Setting("seq", 0, low=0, high=99), Setting("block", "h"),
            Setting("layer", 1, low=1, high=3), Setting("pace", 1.5, PACES),
            Setting("source", "examples", tuple(SOURCES))) + pytorch_step.SETTINGS

v = page_start(
    "Step through",
    "The network reads its input one item per step. Press **Next** (or **Play**, or the → key) and watch step "
    "t: the input x_t and the previous state h_{t−1} go through the two weight matrices, are added, squashed "
    "into the new state h_t, and read out as a prediction. Every number below is the engine's own. Try the "
    "**same Z twice** in JAZZ, switch the cell to LSTM or GRU, or train the weights in the sidebar. Keys: ← → "
    "step, space plays and pauses, Home goes back to the start. Under **Model**, *Your PyTorch model* steps "
    "through weights of your own.",
    SETTINGS, sidebar=False,
)
st.sidebar.segmented_control("Model", tuple(SOURCES), key="source", required=True, format_func=SOURCES.get)
mine = v["source"] == "pytorch"
if mine:
    run = pytorch_step.run_or_stop(SETTINGS)
else:
    shared_sidebar()
    run = shared_run(v, SETTINGS)

data, rec, model = run.data, run.rec, run.model
st.markdown(f"**{plain(run.title)}**: {plain(run.summary)}.")
if mine:
    st.info("Your model's own weights, as the file holds them." + (
        "" if run.grads is not None else " No targets, so no loss: add `target` columns to the CSV for ℓ_t and "
        "its gradients.") + " The whole record below has every quantity at every step"
        + (", gradients included." if run.grads is not None else "."), icon=":material/upload:")
elif run.outcome is not None:
    (st.success if run.outcome.ok else st.warning)(
        f"Trained for {len(run.history)} updates in {run.history[-1]['time']:.2f} s: {run.outcome}", icon=None)
else:
    st.info("Untrained: the weights are random (seed in the sidebar), so the predictions are guesses. "
            "Switch **Weights** to *Trained* to see what training changes.")

st.session_state.seq = min(int(st.session_state.seq), data.size - 1)
if mine and data.size > 1:                                 # a CSV's sequences, by their labels
    st.selectbox("Sequence", list(range(data.size)), key="seq",
                 format_func=lambda b: f"{b + 1}: {data.meta['sequences'][b]} ({data.lengths[b]} steps)")
elif data.size > 1:                                        # Kennedy: two sentences in one batch
    st.segmented_control("Sentence", list(range(data.size)), key="seq", required=True,
                         format_func=lambda b: f"{b + 1}: {' '.join(data.tokens[b])} ({data.lengths[b]} words)")
b = int(st.session_state.seq)
st.session_state.t = min(int(st.session_state.t), int(data.lengths[b]) - 1)
st.session_state.layer = min(int(st.session_state.layer), model.rnn.num_layers)
if model.rnn.num_layers > 1:
    st.segmented_control("Layer shown", list(range(1, model.rnn.num_layers + 1)), key="layer", required=True)
if st.session_state.block not in GATE_NAMES[model.rnn.kind]:
    st.session_state.block = "g" if model.rnn.kind == "lstm" else "n" if model.rnn.kind == "gru" else "h"


# the stepper's report of the step (sent once the stepping pauses) reruns the page, which writes it into the
# link; no fragment: a report that lands with a click on a setting must run with that setting too
layer = int(st.session_state.layer) - 1
key = pytorch_step.run_key() if mine else (v["example"], v["text"], v["cell"], v["hidden"], v["layers"], v["seed"],
                                           v["weights"])
payload = pytorch_step.run_payload(*key, b, layer, run) if mine else run_payload(*key, b, layer)
stepper(payload, st.session_state.t, st.session_state.block, st.session_state.pace)

with st.expander("All the numbers of this run"):
    count, csv = pytorch_step.record_csv(*key, run) if mine else record_csv(*key)
    st.caption(f"{count:,} recorded values: every quantity at every layer, step and unit"
               + (", gradients included." if run.grads is not None else " (no targets, so no gradients)."))
    record_name = "your_model_record.csv" if mine else f"{v['example']}_{v['cell']}_record.csv"
    st.download_button("Download the whole record (CSV)", csv, file_name=record_name, mime="text/csv",
                       on_click="ignore", key="dl-record", icon=":material/download:")
    download_csv(step_tables.sequence_rows(run, b), f"{v['example']}_predictions.csv",
                 "Download the predictions (CSV)", key="dl-predictions")
    if not mine:                                           # the model itself, for this app or for PyTorch
        npz, pt = model_files(*key)
        name = f"{v['example']}_{v['cell']}_{v['weights']}"
        for label, raw, ext in (("the model (.npz)", npz, "npz"), ("for PyTorch (.safetensors)", pt, "safetensors")):
            st.download_button(f"Download {label}", raw, file_name=f"{name}.{ext}", mime="application/octet-stream",
                               on_click="ignore", key=f"dl-model-{ext}", icon=":material/download:")
page_end(SETTINGS)
