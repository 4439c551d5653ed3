"""LSTM & GRU gates: every gate, the cell and the hidden state over time, one step's values, the text
coloured by one unit, and how saturated the gates are."""

import streamlit as st

from ui import gates as ug
from ui.controls import download_csv, page_end, page_start, plain, shared_run
from ui.drawn import heatmap, shared_chart
from ui.plot import plot, shared_plot
from ui.state import Setting
from ui.step_view import step_view
from viz import gates as vg
from viz import step_views

COLOR_BY = ("h", "c", "i", "f", "g", "o", "r", "z", "n")
SETTINGS = (Setting("g_layer", 1, low=1, high=3), Setting("g_seq", 1, low=1, high=2),
            Setting("g_step", 0, low=0, high=399), Setting("g_unit", 1, low=1, high=32),
            Setting("g_color", "h", COLOR_BY))

v = page_start(
    "LSTM & GRU gates",
    "An LSTM or GRU decides at every step, unit by unit, what to **keep**, what to **write** and what to "
    "**show**. Each heatmap below is one gate over time: a column per input, a row per hidden unit. Try "
    "JAZZ or namaskar with **Trained** weights and watch the forget (LSTM) or update (GRU) gate around the "
    "repeated letters; then switch between untrained and trained and compare how saturated the gates are.",
    SETTINGS)


def clamp(name, low, high):
    """Keep a page setting inside what this network has (fewer layers, units or steps than the link asked)."""
    st.session_state[name] = max(low, min(int(st.session_state[name]), high))


def show_lstm():
    st.session_state.cell = "lstm"


run = shared_run(v, SETTINGS)
run_key = tuple(v[name] for name in ("example", "text", "cell", "hidden", "layers", "seed", "weights"))

B, H, layers = len(run.data.tokens), int(v["hidden"]), int(v["layers"])
clamp("g_layer", 1, layers)
clamp("g_seq", 1, B)
left, right = st.columns(2)
if layers > 1:
    left.segmented_control("Layer", range(1, layers + 1), key="g_layer", required=True,
                           help="Layer 1 reads the input; each layer above reads the hidden states below it.")
if B > 1:
    right.radio("Sequence", range(1, B + 1), key="g_seq", horizontal=True,
                format_func=lambda k: plain(" ".join(run.data.tokens[k - 1])))
layer_index, b = st.session_state.g_layer - 1, st.session_state.g_seq - 1
tokens = run.data.tokens[b]
L = len(tokens)
clamp("g_unit", 1, H)
clamp("g_step", 0, L - 1)
blocks = ug.blocks(run, layer_index, b)
names = [n for n in blocks if n != "h"] + ["h"]
read_h = {"rnn": "h_rnn", "lstm": "h_lstm", "gru": "h_gru"}[v["cell"]]

if v["cell"] == "rnn":
    st.info("A **vanilla RNN has no gates**: each step computes h_t from x_t and h_{t−1} in one tanh and "
            "overwrites the whole state, so there is nothing to open or shut. Below is its hidden state "
            "alone; switch to an LSTM to see the gates that decide what to keep.", icon=":material/info:")
    st.button("Show LSTM", on_click=show_lstm, icon=":material/swap_horiz:", type="primary", key="g_to_lstm")

st.subheader("Over time")
gated = v["cell"] != "rnn"                  # the vanilla RNN's page shows no step: it has no gates to look into
columns = st.columns(2) if L <= 12 else [st.container()]           # long texts: one heatmap per row
for k, name in enumerate(names):
    with columns[k % len(columns)]:
        # figures shared by every session on the same settings (read-only), drawn once: the step's outline moves
        # in the browser
        shared = shared_chart(("heatmap", run_key, layer_index, b, gated, name),
                              lambda name=name: vg.gate_heatmap(name, blocks[name], tokens, outline=gated))
        heatmap(shared, f"g_heat_{name}")
        st.caption(ug.HOW_TO_READ[read_h if name == "h" else name])
st.caption("Each column is one step, labelled with its input; each row is one hidden unit; hover a cell for its "
           "exact value." + (" The outlined column is the step chosen below; click a column to choose it." if gated
                             else ""))
download_csv(lambda: ug.gate_frame(tokens, blocks), f"gates_{v['cell']}_layer{layer_index + 1}.csv",
             label="Download the values (CSV: step, token, gate, unit, value)", key="g_dl_values")
if v["cell"] == "rnn":
    page_end(SETTINGS)
    st.stop()

st.subheader("One step")
# the step is moved and its bars drawn in the browser (ui.step_view); the heatmaps' outlines follow it
step_view("g_step_view", "g_step", tokens, st.session_state.g_step, ("bar", "bars") if L > 1 else ("bars",),
          [f"g_heat_{name}" for name in names], bars=step_views.gate_steps(blocks))
st.caption("Every gate's value for each unit at this step, side by side: gates on 0…1 (purple), the candidate, "
           "cell and hidden state signed (blue positive, red negative). Read a row across to follow one unit "
           "through the cell.")

st.subheader("The text, coloured by one unit")
choices = [n for n in COLOR_BY if n in blocks]
if st.session_state.g_color not in choices:
    st.session_state.g_color = "h"
one, two = st.columns([1, 2])
if H > 1:
    one.slider("Unit", 1, H, key="g_unit")
two.segmented_control("Colour by", choices, key="g_color", required=True, format_func=lambda n: vg.TITLES[n][1])
name, unit = st.session_state.g_color, st.session_state.g_unit
st.html(vg.colored_tokens_html(tokens, blocks[name][:, unit - 1], ug.top_predictions(run, b), name, unit))
scale = "white 0 to purple 1" if vg.KINDS[name] == "gate" else "red negative, white 0, blue positive"
st.caption(f"Each input coloured by unit {unit}'s {vg.TITLES[name][1]} at that step ({scale}); "
           "the number under it is the value, and under that the network's top predictions after reading it. "
           "A unit that lights up at the same kind of input has learned to detect it.")

st.subheader("How saturated are the gates?")
stats = ug.sequence_saturation(run, layer_index, b)
sat_left, sat_right = st.columns([3, 2])
with sat_left:
    plot(shared_plot("gate_saturation", (run_key, layer_index, b), lambda: vg.saturation_figure(stats)),
         "g_saturation")
worst = max(stats, key=lambda n: stats[n]["saturated"])
sat_right.markdown(
    "A sigmoid gate near **0** is shut and near **1** is open (the candidate: near −1 or +1). A forget gate near 1 "
    "**keeps** the cell as it was; near 0 it **wipes** it. A GRU update gate near 1 keeps the state. "
    "Saturated values sit on the flat ends of σ or tanh, where the slope is almost zero, so **little gradient "
    "passes** through them: such a gate is hard to change by training, while it holds its decision firmly. "
    + (f"Here the most saturated is the **{vg.TITLES[worst][1]} {worst}**: {stats[worst]['saturated']:.0%} of "
       f"its values are beyond 0.1 / 0.9 ({stats[worst]['low']:.0%} near the bottom, {stats[worst]['high']:.0%} "
       "near the top)." if stats[worst]["saturated"] > 0 else
       "Here no gate is saturated: every value lies between the thresholds, typical of untrained weights."))
rows = ug.saturation_rows(stats, {n: f"{vg.TITLES[n][1]} {n}" for n in stats})
st.markdown(ug.saturation_markdown(rows))
st.caption("Shares of this sequence's values below 0.1 or above 0.9 (the candidate: below −0.8 or above 0.8), "
           "counted by the engine (rnn_core.gate_stats.saturation).")
download_csv(rows, "gate_saturation.csv", label="Download the saturation table (CSV)", key="g_dl_saturation")
page_end(SETTINGS)
