"""Generate: a character model writes, one sampled character fed back at a time; temperature and top-k change
what it writes, and samples taken while it trains show it learn."""

import pandas as pd
import streamlit as st

from rnn_core.data import InputError
from ui import generate as ug
from ui import jobs
from ui.controls import download_csv, input_error, page_end, page_start, text_box
from ui.plot import plot
from ui.state import CELL_NAMES, Setting
from viz import generate as vg

TICK_SECONDS = 0.4         # the browser asks for a tick this often while training (as Live training's page)
BUDGET_SECONDS = 0.15      # training time per tick at most: the server's fair share (ui.budget) with others training
SETTINGS = ug.MODEL_SETTINGS + (
    Setting("gen_prime", "(", max_length=200), Setting("gen_len", 200, low=1, high=1000),
    Setting("gen_temp", 1.0, low=0.0, high=2.0), Setting("gen_topk", 0, low=0, high=120),
    Setting("gen_seed", 0, low=0, high=9999), Setting("gen_pos", 1, low=1, high=1000),
)

v = page_start(
    "Generate",
    "A character model **writes**: it reads the prime, gives a probability to every next character, one is drawn "
    "and fed back as the next input, and so on (one-to-many). **Temperature** reshapes the distribution before the "
    "draw: 0 always takes the most likely character, 1 the model's own odds, 2 flattens them towards chance. "
    "Hover a character for the probability the model gave it; train a model live below and watch gibberish turn "
    "into words and balanced brackets.",
    SETTINGS, sidebar=False,
)
ug.model_sidebar()
try:
    ready, key = ug.ready_model(v, SETTINGS)
except InputError as err:
    input_error(err)
    page_end(SETTINGS)
    st.stop()
live = st.session_state.get("gen_live")
if live is not None and live.key != key:
    live = st.session_state.gen_live = None

st.subheader("Write")
st.session_state.gen_topk = min(int(st.session_state.gen_topk), len(ready.vocab))     # a link may ask for more
c = st.columns([3, 1, 2, 1, 1])
with c[0]:
    text_box("Prime (the model reads it first)", "gen_prime", 200)
c[1].number_input("Length", 1, 1000, key="gen_len")
c[2].slider("Temperature", 0.0, 2.0, step=0.05, key="gen_temp", help="0 = greedy: always the most likely")
c[3].number_input("Top-k (0 = all)", 0, len(ready.vocab), key="gen_topk")
c[4].number_input("Sampling seed", 0, 9999, key="gen_seed", help="The same seed writes the same text.")
use_live = live is not None and live.trainer.step > 0 and st.toggle(
    "Write with the model trained live below", key="gen_use_live",
    help="Off: the ready-trained model. On: the model you are training on this page, as it is now.")
try:
    if use_live:
        sample = ug.tm.sample(live.trainer.model, live.vocab, v["gen_prime"], v["gen_len"], v["gen_temp"],
                              v["gen_topk"] or None, v["gen_seed"])
        who = f"the model trained live ({live.trainer.step} updates)"
    else:
        sample = ug.cached_sample(key, v["gen_prime"], int(v["gen_len"]), float(v["gen_temp"]), int(v["gen_topk"]),
                                  int(v["gen_seed"]), _ready_model=ready)
        who = f"the ready-trained model: {ready.title}"
except InputError as err:
    input_error(err)
    page_end(SETTINGS)
    st.stop()
plot(vg.sample_grid(sample.prime, sample.text, sample.chosen_prob), "gen_text")
st.caption(f"Written by {who}. The prime in grey, then each written character coloured by the probability the "
           "model gave it (white unlikely, purple sure); ↵ is a newline. Hover for the exact number.")
st.code(sample.prime + sample.text, language=None, wrap_lines=True)

st.subheader("What temperature does to one step")
n = len(sample.text)
st.session_state.gen_pos = min(int(st.session_state.gen_pos), n)
if n > 1:
    st.slider("Position in the written text", 1, n, key="gen_pos")
pos = st.session_state.gen_pos - 1
plot(vg.distribution_bars(ready.vocab if not use_live else live.vocab, sample.model_probs[pos],
                          sample.sampling_probs[pos], pos, int(sample.chosen[pos]),
                          temperature=float(v["gen_temp"]), top_k=int(v["gen_topk"]) or None), "gen_dist")
st.caption("Grey: the model's own distribution y before this character; purple: what was actually sampled from, "
           "p ∝ y^(1/T) over the top-k. Below 1 the tall bars grow taller; above 1 the small ones catch up; at 0 "
           "one bar holds everything. ◆ marks the character that was drawn.")
dist = pd.DataFrame({"character": [vg.hover_char(ch) for ch in (live.vocab if use_live else ready.vocab)],
                     "model probability": sample.model_probs[pos], "sampled from": sample.sampling_probs[pos]})
download_csv(dist, "distribution.csv", "Download this distribution (CSV)", key="gen_dl_dist")

st.subheader("Watch it learn")
st.caption(f"A fresh {CELL_NAMES[v['tx_cell']]} from the sidebar's settings, trained on the same text with "
           f"truncated backpropagation through time: {ug.tm.STREAMS} streams read in chunks of {ug.tm.CHUNK} "
           f"characters, the state carried from chunk to chunk. Every {ug.SAMPLE_EVERY} updates it writes "
           f"{ug.LIVE_SAMPLE['length']} characters (temperature {ug.LIVE_SAMPLE['temperature']}, seed 0).")


def start(running):
    if st.session_state.get("gen_live") is None:
        st.session_state.gen_live = ug.new_live(key, ready.text, ug.config_of(v))
        jobs.live_lane().warm()                        # its process starts while the first tick draws
    ug.take_back(st.session_state.gen_live, wait=True)  # a Pause stops at the last slice, taken back
    st.session_state.gen_live.running = st.session_state.gen_live.answer_now = running


def reset():
    st.session_state.gen_live = None


b = st.columns([1, 1, 5])
running = live is not None and live.running
done = live is not None and live.trainer.done
b[0].button("Pause" if running else "Start", type="primary", on_click=start, args=(not running,),
            key=f"gen-start-{running}", disabled=done, width="stretch",
            icon=":material/pause:" if running else ":material/play_arrow:")
b[1].button("Reset", on_click=reset, key="gen-reset", width="stretch", icon=":material/restart_alt:")


@st.fragment(run_every=TICK_SECONDS if running else None)
def live_view():
    session = st.session_state.get("gen_live")
    if session is None:
        st.info("Press **Start** to train a model from random weights.", icon=":material/play_arrow:")
        return
    if session.running:
        ug.tick(session, BUDGET_SECONDS, jobs.live_lane())
    trainer = session.trainer
    history = session.history
    last = f", {history[-1]['bits']:.3f} bits per character" if history else ""
    st.progress(trainer.step / trainer.config.steps, text=f"update {trainer.step} of {trainer.config.steps}{last}")
    if trainer.stopped:
        st.error(trainer.stopped)
    cols = st.columns(min(3, len(session.samples)))
    for k, (step, text) in enumerate(session.samples):
        with cols[k % len(cols)]:
            st.caption(f"after {step} updates")
            st.text(text)
    if history:
        plot(vg.bits_figure(history, chance=ug.tm.chance_bits(len(session.vocab))), "gen_bits")
    if running and not session.running:
        st.rerun(scope="app")                          # finished: redraw the buttons, stop the timer


live_view()
if live is not None and live.trainer.history:
    download_csv(pd.DataFrame(live.history), "training_bits.csv", "Download the training curve (CSV)",
                 key="gen_dl_bits")
    download_csv(pd.DataFrame(live.samples, columns=["update", "sample"]), "samples.csv",
                 "Download the samples (CSV)", key="gen_dl_samples")
page_end(SETTINGS)
