"""Step through: a worked example one time step at a time, with the engine's numbers in every equation.

The run is sent to the browser once per setting; stepping, playing and the block choice are drawn there
(``ui.stepper``), so a click costs the server nothing.
"""

import streamlit as st

from rnn_core.record import GATE_NAMES
from ui import step_tables
from ui.controls import download_csv, page_end, page_start, shared_run
from ui.state import Setting
from ui.stepper import PACES, record_csv, run_payload, stepper

SETTINGS = (Setting("t", 0, low=0, high=400), Setting("seq", 0, low=0, high=1), Setting("block", "h"),
            Setting("layer", 1, low=1, high=3), Setting("pace", 1.5, PACES))

v = page_start(
    "Step through",
    "The network reads its input one item per step. Press **Next** (or **Play**, or the → key) and watch step "
    "t: the input x_t and the previous state h_{t−1} go through the two weight matrices, are added, squashed "
    "into the new state h_t, and read out as a prediction. Every number below is the engine's own. Try the "
    "**same Z twice** in JAZZ, switch the cell to LSTM or GRU, or train the weights in the sidebar. Keys: ← → "
    "step, space plays and pauses, Home goes back to the start.",
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
st.session_state.t = min(int(st.session_state.t), int(data.lengths[b]) - 1)
st.session_state.layer = min(int(st.session_state.layer), model.rnn.num_layers)
if model.rnn.num_layers > 1:
    st.segmented_control("Layer shown", list(range(1, model.rnn.num_layers + 1)), key="layer", required=True)
if st.session_state.block not in GATE_NAMES[model.rnn.kind]:
    st.session_state.block = "g" if model.rnn.kind == "lstm" else "n" if model.rnn.kind == "gru" else "h"


# the stepper's report of the step (sent once the stepping pauses) reruns the page, which writes it into the
# link; no fragment: a report that lands with a click on a setting must run with that setting too
payload = run_payload(v["example"], v["text"], v["cell"], v["hidden"], v["layers"], v["seed"], v["weights"], b,
                      int(st.session_state.layer) - 1)
stepper(payload, st.session_state.t, st.session_state.block, st.session_state.pace)

with st.expander("All the numbers of this run"):
    count, csv = record_csv(v["example"], v["text"], v["cell"], v["hidden"], v["layers"], v["seed"], v["weights"])
    st.caption(f"{count:,} recorded values: every quantity at every layer, step and unit, gradients included.")
    st.download_button("Download the whole record (CSV)", csv, file_name=f"{v['example']}_{v['cell']}_record.csv",
                       mime="text/csv", on_click="ignore", key="dl-record", icon=":material/download:")
    download_csv(step_tables.sequence_rows(run, b), f"{v['example']}_predictions.csv",
                 "Download the predictions (CSV)", key="dl-predictions")
page_end(SETTINGS)
