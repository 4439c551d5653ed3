"""Hidden-state explorer: what the units of a trained character model have come to track (Karpathy's coloured
text, LSTMVis's select and match, units against features, the state's path)."""

import streamlit as st

from rnn_core.data import InputError
from ui import explorer as ue
from ui import generate as ug
from ui.controls import download_csv, input_error, page_end, page_start, plain, text_box
from ui.plot import plot, shared_plot
from ui.state import Setting
from viz import explorer as vx

SETTINGS = ug.MODEL_SETTINGS + (
    Setting("ex_len", 1000, ue.PASSAGE_LENGTHS), Setting("ex_layer", 1, low=1, high=3),
    Setting("ex_q", "c", ("h", "c")), Setting("ex_unit", 0, low=0, high=256),
    Setting("ex_start", 0, low=0, high=4999), Setting("ex_end", 3, low=1, high=5000),
    Setting("ex_query", "", max_length=60), Setting("ex_thr", 0.3, low=-1.0, high=1.0),
)

v = page_start(
    "Hidden-state explorer",
    "What have the units of a trained character model come to mean? Colour the text by one unit and look for a "
    "pattern; select a stretch of text and find the units that stay on over it, and where else they are all on; "
    "or let the engine rank the units by how closely they follow a feature of the text, such as how deep in "
    "brackets a character is. Trained on bracketed lines, an LSTM grows a unit that counts the open brackets.",
    SETTINGS, sidebar=False,
)
ug.model_sidebar()
try:
    ready, key = ug.ready_model(v, SETTINGS)
    passage = ue.passage_of(v["tx_corpus"], ready.text, int(v["ex_len"]))
    analysis = ue.analyse(key, passage, _ready=ready)
except InputError as err:
    input_error(err)
    page_end(SETTINGS)
    st.stop()
st_ = analysis.states
choices = ue.unit_choices(st_)
H = ready.model.rnn.hidden_size
st.caption(f"Model: {ready.title} ({ready.how}). Passage: {len(passage):,} characters "
           + ("of bracketed lines it never saw in training." if v["tx_corpus"] == "structured"
              else "from the end of your text."))


def colour_by(column):
    layer, quantity, unit = st_.units[column]
    st.session_state.ex_layer, st.session_state.ex_q, st.session_state.ex_unit = layer, quantity, unit


if st.session_state.ex_unit == 0:                       # not chosen yet: the unit that tracks the depth best
    colour_by(next(r["column"] for r in analysis.rows if r["feature"] == "bracket depth"))
st.session_state.ex_layer = min(int(st.session_state.ex_layer), len(choices))
if st.session_state.ex_q not in choices[st.session_state.ex_layer]:
    st.session_state.ex_q = "h"
st.session_state.ex_unit = min(int(st.session_state.ex_unit), H)

st.subheader("The text, coloured by one unit")
c = st.columns([1, 1, 2, 1])
if len(choices) > 1:
    c[0].segmented_control("Layer", list(choices), key="ex_layer", required=True)
c[1].segmented_control("State", choices[st.session_state.ex_layer], key="ex_q", required=True,
                       format_func=lambda q: {"h": "hidden h", "c": "cell c"}[q])
c[2].slider("Unit", 1, H, key="ex_unit")
c[3].selectbox("Passage length", ue.PASSAGE_LENGTHS, key="ex_len", format_func=lambda n: f"{n:,} characters")
column = st_.column(st.session_state.ex_layer, st.session_state.ex_q, st.session_state.ex_unit)
st.session_state.ex_end = min(max(int(st.session_state.ex_end), 1), len(passage))
st.session_state.ex_start = min(int(st.session_state.ex_start), st.session_state.ex_end - 1)
try:
    span = ue.span_of(passage, v["ex_start"], st.session_state.ex_end, v["ex_query"])
except InputError as err:
    input_error(err)
    span = None
# the figures are built once per setting and shared by every session asking for it (read-only)
plot(shared_plot("ex_text", (key, passage, column, st.session_state.ex_q, span),
                 lambda: vx.unit_text(passage, st_.values[:, column], st_.label(column), st.session_state.ex_q,
                                      marked=span)), "ex_text")
st.caption("Each character coloured by the unit's value after reading it: blue positive, red negative, white 0 (h "
           "on −1…1; the cell state out to its largest |c|). The outlined characters are the selection below.")

st.subheader("Units that track something")
plot(shared_plot("ex_features", (key, passage), lambda: vx.feature_bars(analysis.rows)), "ex_features")
st.caption("For each feature of the passage (computed by the engine: rnn_core.corpus.features), the three units whose "
           "values correlate best with it (Pearson's r, −1…1). |r| near 1: the unit follows the feature closely.")
best = [r for r in analysis.rows if r["rank"] == 1]
cols = st.columns(4)
for k, row in enumerate(best):
    cols[k % 4].button(f"{row['feature']}: {row['unit']} ({row['correlation']:+.2f})", key=f"ex_pick_{k}",
                       on_click=colour_by, args=(row["column"],), width="stretch",
                       help="Colour the text above by this unit")

st.subheader("Select and match")
c = st.columns([1, 1, 2, 2])
c[0].number_input("Start", 0, len(passage) - 1, key="ex_start")
c[1].number_input("End", 1, len(passage), key="ex_end")
with c[2]:
    text_box("…or search the passage for", "ex_query", 60, help="The first place it occurs becomes the selection.")
c[3].slider("Threshold", -1.0, 1.0, step=0.05, key="ex_thr",
            help="A hidden unit h is on where its value is at least this.")
if span is not None:
    chosen = ue.selected_units(analysis, span, float(v["ex_thr"]))
    shown = ue.visible(passage[span[0]:span[1]])
    if chosen.size == 0:
        st.info(f"No hidden unit h stays at or above {v['ex_thr']:g} over all of “{plain(shown)}”: lower the threshold "
                "or shorten the selection.", icon=":material/info:")
    else:
        st.text(f"Over “{shown}” ({span[1] - span[0]} characters) {chosen.size} hidden unit(s) stay on: "
                + ", ".join(st_.label(k) for k in chosen[:20]) + (" …" if chosen.size > 20 else ""))
        rows = ue.match_rows(analysis, chosen, float(v["ex_thr"]), span)
        if rows:
            st.dataframe(rows, hide_index=True, key="ex_matches")
            st.caption("Other places where all the selected hidden units are on together, ranked: most selected "
                       "units on, fewest other h units on, longest (LSTMVis). « » marks the match inside its "
                       "context; ↵ is a newline.")
            download_csv(rows, "matches.csv", "Download the matches (CSV)", key="ex_dl_matches")
        else:
            st.info("The selected units are not all on together anywhere else in the passage.")

st.subheader("The state's path")
plot(shared_plot("ex_path", (key, passage),
                 lambda: vx.state_path(analysis.path.coords, passage, analysis.classes, analysis.path.explained)),
     "ex_path")
st.caption("The top layer's hidden state h_t after each character, projected on its two principal components "
           "(rnn_core.project), a point per character coloured by its class, consecutive states joined.")

st.subheader("The numbers")
c = st.columns(2)
with c[0]:
    ue.download_later(lambda: ue.states_frame(analysis), "hidden_states.csv",
                      "Download the states of the passage (CSV)", key="ex_dl_states")
with c[1]:
    ue.download_later(lambda: ue.correlation_frame(analysis), "unit_feature_correlations.csv",
                      "Download every unit-feature correlation (CSV)", key="ex_dl_corr")
page_end(SETTINGS)
