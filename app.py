"""Unrolled: the entry point and the home page (what a recurrent network is, JAZZ's two Zs, a card for every
page).

Run with ``make run`` (``streamlit run deploy/asgi.py``: this app in Streamlit's ASGI server, with the
middleware that tells its page where the server is; ``streamlit run app.py`` serves the same app without it).
Streamlit routes each file in ``pages/`` by its name (``pages/step_through.py`` → ``/step_through``); every page
starts with ``ui.controls.page_start``, which sets the page config and draws the navigation (``ui/nav.py`` lists
the pages in teaching order).
"""

import streamlit as st

from rnn_core.data import END
from ui import engine
from ui.controls import download_csv, page_end, page_start
from ui.nav import PAGES

page_start(
    "Unrolled: see inside recurrent networks",
    "A **recurrent network** reads a sequence one item at a time and carries a small vector, its *hidden "
    "state* h, from each step to the next. At every step it mixes the new input x_t with what it remembers, "
    "h_{t−1}, through the **same** weights:  h_t = tanh(W_hh h_{t−1} + W_ih x_t + b).  Drawn with its loop it "
    "is one small cell; **unrolled** over time it is a deep network with one layer per step, all layers "
    "sharing their weights, and that is how it is trained (backpropagation through time).",
    sidebar=False,
)

st.subheader("Why the memory matters: J, A, Z, Z")
st.markdown(
    "Feed the word JAZZ letter by letter and ask for the next letter each time. After the first Z the answer "
    "is Z; after the second Z it is the end of the word. The input is the **same Z** both times, so a network "
    "without memory must give the same answer twice and be wrong once. A recurrent network answers from "
    "h_t, which also holds the letters before: below, a trained vanilla RNN with 8 hidden units."
)
run = engine.step_run("jazz", "", "rnn", 8, 1, 0, "trained")
rec, data = run.rec, run.data
labels = data.output_labels
rows = []
for t, letter in enumerate(data.tokens[0]):
    probs = rec.y[t, 0]
    best = int(probs.argmax())
    rows.append({"step t": t, "input x_t": letter,
                 "hidden state h_t": "  ".join(f"{v:+.2f}" for v in rec.rnn.layers[0].hidden[t, 0]),
                 "predicted next": "end" if labels[best] == END else labels[best],
                 "probability": round(float(probs[best]), 4)})
st.table(rows)
st.caption("Steps 2 and 3 both read Z, yet their hidden states differ, and so do the answers. "
           "The Step through page shows how each of these numbers is computed.")
download_csv(rows, "jazz_hidden_states.csv", key="home-download")

st.subheader("Pages")
columns = st.columns(3)
for i, page in enumerate(p for p in PAGES if p.url_path):
    with columns[i % 3].container(border=True):
        st.page_link(page.file, label=page.title, icon=page.icon)
        st.caption(page.blurb)
page_end()
