"""Attention: Bahdanau's sentence translated by a trained encoder–decoder, its attention map, the decoder one
output word at a time with every score and weight, your own sentence, and why attention matters."""

import time

import streamlit as st

from rnn_core import attention_study as study
from ui import attention, attention_step
from ui.attention_lines import attention_lines
from ui.controls import input_error, page_end, page_start, plain
from ui.plot import plot
from ui.state import CELL_NAMES, CELLS, Setting
from viz.attention import attention_map

PLAY_SECONDS = 1.5
EXAMPLE_NAMES = {"attention": "European Economic Area", "casa": "casa de papel"}
SCORE_NAMES = {"additive": "Additive (Bahdanau)", "dot": "Dot product (Luong)"}
SCORE_SHORT = {"additive": "additive", "dot": "dot-product"}
SETTINGS = (Setting("at_ex", "attention", study.KEYS), Setting("at_cell", "gru", CELLS),
            Setting("at_score", "additive", study.SCORES), Setting("at_seed", 0, low=0, high=9999),
            Setting("at_t", 0, low=0, high=60), Setting("at_text", "", max_length=study.MAX_CHARS),
            Setting("at_mine", False))

v = page_start(
    "Attention",
    "An encoder reads the English sentence both ways, as Bahdanau's does: h_j = [→h_j ; ←h_j], the state of a "
    "left-to-right pass beside that of a right-to-left pass, so each h_j is about word j in its sentence. A decoder "
    "writes the French one word at a time, and at every word it "
    "looks back over all the English words, with weights α that sum to 1. French puts the adjectives after the "
    "noun, in reverse order, so where *European Economic Area* becomes *zone économique européenne* the map "
    "has to cross. Step through the decoder, type your own sentence, or see why attention matters.",
    SETTINGS, sidebar=False,
)
key, cell, score, seed = v["at_ex"], v["at_cell"], v["at_score"], int(v["at_seed"])
with st.container(border=True):
    c = st.columns([2, 2.2, 2, 1])
    c[0].selectbox("Example", study.KEYS, key="at_ex", format_func=EXAMPLE_NAMES.get)
    c[1].segmented_control("Cell", CELLS, key="at_cell", format_func=CELL_NAMES.get, required=True)
    c[2].selectbox("Score", study.SCORES, key="at_score", format_func=SCORE_NAMES.get,
                   help="How the decoder's state s_t scores each encoder state h_j.")
    c[3].number_input("Seed", 0, 9999, step=1, key="at_seed")

job = attention.training_job(key, cell, score, seed)
what = f"{CELL_NAMES[cell]}, {SCORE_SHORT[score]} attention, seed {seed}"
if job.state != "done":
    if job.state == "failed":
        attention.jobs.failed(job, what)
    else:
        st.info("This setting has not been trained on this server yet: it trains now, once for everyone who opens it "
                "(the default setting opens trained at once).", icon=":material/model_training:")
        attention.jobs.waiting(job, what, "The page shows this model when it is ready.")
    page_end(SETTINGS)
    st.stop()
training = job.value
if training.trainer.stopped:
    st.error(plain(training.trainer.stopped), icon=":material/warning:")
how = "loaded from the shipped model file" if training.source == "shipped" else \
    f"trained on this server in {training.seconds:.1f} s"
st.caption(f"{CELL_NAMES[cell]} encoder and decoder, {SCORE_SHORT[score]} attention, seed {seed}: "
           f"{training.trainer.step} updates, {how}.")

lang_in, lang_out = study.LANGUAGES[key]
st.text_input(f"Your own {lang_in} sentence (in the corpus's words)", key="at_text", max_chars=study.MAX_CHARS,
              placeholder="e.g. The treaty on the Social Area was signed in May 1990 ." if key == "attention"
              else "e.g. casa de papel")
words, error = attention.sentence_words(key, v["at_text"])
if error is not None:
    input_error(error)
    st.caption("Showing the example's own sentence instead.")
tr = attention.translation(key, cell, score, seed, words)
st.markdown(f"**{plain(' '.join(tr.source))}** → **{plain(' '.join(tr.words))}**")

st.header("The map")
left, right = st.columns([3, 2])
with left:
    plot(attention_map(tr.weights, tr.source, tr.written, tr.block, languages=study.LANGUAGES[key]), "att-map")
with right:
    attention_lines(tr.weights, tr.source, tr.written, key="att-lines", languages=study.LANGUAGES[key])
wrong = study.misaligned(tr, key)
if wrong:
    st.info("This model's attention looks elsewhere than the word it translates: " + "; ".join(
        f"for “{plain(w)}” it looks most at “{plain(got)}”, not “{plain(want)}”" for w, got, want in wrong)
        + (". Each h_j holds both directions' states, which also carry the words around word j, so attention "
           "can find the word it needs next door; try another seed or cell." if training.trainer.model.bidirectional
           else ". Its encoder reads left to right, so a later state still carries the earlier words, and attention "
           "may look there; try another seed or cell."), icon=":material/info:")
st.caption(f"Rows: the {lang_out} words written; columns: the {lang_in} words read; each row's α sum to 1. "
           + (f"The orange box is where {lang_out} reorders the words: a right map crosses inside it. "
              if tr.block else "")
           + "On the right the same α as lines: hover a word to see its lines alone.")

st.header("The decoder, one output word at a time")
T = len(tr.written)
st.session_state.at_t = min(int(st.session_state.at_t), T - 1)


def go_to(t):
    st.session_state.at_t = max(0, min(T - 1, t))


def set_playing(playing):
    if playing and st.session_state.at_t >= T - 1:
        st.session_state.at_t = 0
    st.session_state.at_playing, st.session_state.at_last = playing, time.monotonic()


playing = st.session_state.get("at_playing", False)


@st.fragment(run_every=PLAY_SECONDS if playing else None)
def decoder_view():
    now = st.session_state.get("at_playing", False)
    if now and time.monotonic() - st.session_state.get("at_last", 0) > 0.8 * PLAY_SECONDS:
        st.session_state.at_last = time.monotonic()
        if st.session_state.at_t < T - 1:
            st.session_state.at_t += 1
        else:
            st.session_state.at_playing = now = False
    if now != playing:
        st.rerun(scope="app")                              # the timer is set (or cleared) on a full run
    b = st.columns([1.3, 1.5, 1.3, 1.3, 5], vertical_alignment="bottom")
    b[0].button("First", icon=":material/first_page:", on_click=go_to, args=(0,), width="stretch", key="at-first")
    b[1].button("Previous", icon=":material/chevron_left:", on_click=go_to, args=(st.session_state.at_t - 1,),
                disabled=st.session_state.at_t == 0, width="stretch", key="at-prev")
    b[2].button("Next", icon=":material/chevron_right:", on_click=go_to, args=(st.session_state.at_t + 1,),
                disabled=st.session_state.at_t >= T - 1, type="primary", width="stretch", key="at-next")
    b[3].button("Pause" if now else "Play", on_click=set_playing, args=(not now,), width="stretch",
                key=f"at-play-{now}", icon=":material/pause:" if now else ":material/play_arrow:")
    if T > 1:
        b[4].slider("Output step t", 0, T - 1, key="at_t")
    attention_step.draw(tr, int(st.session_state.at_t), score, lang_in)
    page_end(SETTINGS)                                     # a step changed in the fragment goes into the link too


decoder_view()

if key == "attention":
    attention.why_attention(cell, score, seed)

st.header("Downloads")
d = st.columns(3)
alpha_csv, record_csv = attention.tables_csv(key, cell, score, seed, words)
for col, data, name, label in ((d[0], alpha_csv, "attention", "Download α (CSV)"),
                               (d[1], record_csv, "decoder_record", "Download the decoder's record (CSV)")):
    col.download_button(label, data, file_name=f"{key}_{name}.csv", mime="text/csv", on_click="ignore",
                        icon=":material/download:", key=f"dl-att-{name}")
d[2].download_button("Download the model (.npz)", attention.model_bytes(key, cell, score, seed),
                     file_name=f"{key}_{cell}_{score}_seed{seed}.npz", mime="application/octet-stream",
                     on_click="ignore", icon=":material/download:", key="dl-att-model")
page_end(SETTINGS)
