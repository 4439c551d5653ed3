"""The decoder at one output step, drawn from the record: s_{t−1} and s_t, every score e_tj, the softmax α_tj, the
context c_t and the output distribution, each equation written with the engine's numbers.

The symbols are the engine's (``rnn_core.seq2seq``): s_t the decoder's state (``decoder.output``), h_j the
encoder's (``encoder.output``; bidirectional: h_j = [→h_j ; ←h_j], ``encoder.forward_states`` and
``encoder.backward_states``), W_q, W_k, b, v the additive score's parameters (``attention.*``), e_tj
``scores``, α_tj ``weights``, c_t ``context``, W_head and b_head the output layer (``head.*``).
"""

import numpy as np
import pandas as pd
import streamlit as st

from viz.attention import output_figure, step_figure, vectors_figure

from .controls import plain
from .plot import plot

DIGITS = 3


def short(values, head=3):
    """A long vector as a LaTeX row: its first ``head`` entries, …, the last, and its length."""
    v = np.asarray(values, float).ravel()
    cells = [f"{x:.{DIGITS}f}" for x in v]
    if len(cells) > head + 2:
        cells = cells[:head] + [r"\dots"] + cells[-1:]
    return r"\begin{bmatrix}" + "&".join(cells) + r"\end{bmatrix}^{\top}_{" + str(len(v)) + "}"


def tex_word(word):
    """A vocabulary word inside \\text{}: LaTeX's special characters escaped."""
    for ch in "\\{}$&#^_%~":
        word = word.replace(ch, "\\" + ch)
    return r"\text{" + word + "}"


def draw(tr, t, score, language="English"):
    """Everything the decoder did at output step t of the translation ``tr`` (a ``Translation``); ``language``
    is the one read."""
    rec, T_in = tr.rec, len(tr.source)
    e, alpha = rec.scores[t, 0, :T_in], rec.weights[t, 0, :T_in]
    s_prev, s, c = rec.decoder.layers[-1].hidden_prev[t, 0], rec.decoder.output[t, 0], rec.context[t, 0]
    y = rec.y[t, 0]
    chosen = int(y.argmax())
    before = "<s>" if t == 0 else tr.written[t - 1]
    j = int(alpha.argmax())
    st.subheader(f"Output step t = {t} of {len(tr.written) - 1}: writing “{tr.written[t]}”")
    st.markdown(f"The decoder reads the word it wrote last, **{plain(before)}**, and moves from its state "
                f"s_{{t−1}} to s_t; s_t then scores every {language} word, the softmax turns the scores into "
                f"weights α, and the context c_t is the α-weighted sum of the encoder's states. It looks most at "
                f"**{plain(tr.source[j])}** (α = {alpha[j]:.3f}).")
    left, right = st.columns([3, 2])
    with left:
        plot(step_figure(e, alpha, tr.source, t), "att-step", config={"displayModeBar": False})
    with right:
        plot(vectors_figure({"s_{t−1}": s_prev, "s_t": s, "c_t": c}), "att-vectors", config={"displayModeBar": False})
        st.caption("The decoder's state before and after reading the last word, and the context it gathered "
                   "(blue positive, red negative; hover a cell for its value).")
    st.markdown("**The equations at this step, with the numbers** (the word it looks at most, j = "
                f"{j}: {plain(tr.source[j])})")
    h_j = rec.encoder.output[j, 0]
    if hasattr(rec.encoder, "backward_states"):
        st.latex(rf"h_{{{j}}} = [\overrightarrow{{h}}_{{{j}}} ; \overleftarrow{{h}}_{{{j}}}] = "
                 rf"[{short(rec.encoder.forward_states[j, 0])} ; {short(rec.encoder.backward_states[j, 0])}]")
    if score == "additive":
        q, k = rec.queries[t, 0], rec.keys[j, 0]
        st.latex(rf"q_{{{t}}} = W_q s_{{{t}}} + b = {short(q)}")
        st.latex(rf"k_{{{j}}} = W_k h_{{{j}}} = {short(k)}")
        st.latex(rf"e_{{{t},{j}}} = v^\top \tanh(q_{{{t}}} + k_{{{j}}}) = {e[j]:.4f}")
    else:
        st.latex(rf"e_{{{t},{j}}} = s_{{{t}}} \cdot h_{{{j}}} = {short(s)} \cdot {short(h_j)} = {e[j]:.4f}")
    st.latex(rf"\alpha_{{{t},{j}}} = \frac{{\exp(e_{{{t},{j}}})}}{{\sum_{{j'}} \exp(e_{{{t},j'}})}} = "
             rf"\frac{{\exp({e[j]:.4f})}}{{\sum_{{j'}} \exp(e_{{{t},j'}})}} = {alpha[j]:.4f}")
    top = np.argsort(-alpha, kind="stable")[:3]
    terms = " + ".join(rf"{alpha[i]:.3f}\, h_{{{i}}}" for i in top)
    st.latex(rf"c_{{{t}}} = \sum_j \alpha_{{{t},j}} h_j = {terms} + \dots = {short(c)}")
    st.latex(rf"y_{{{t}}} = \operatorname{{softmax}}(W_{{head}} [c_{{{t}}} ; s_{{{t}}}] + b_{{head}}), \quad "
             rf"y_{{{t}}}[{tex_word(tr.vocab[chosen])}] = {y[chosen]:.4f}")
    if score == "additive":
        st.caption("Bahdanau writes the score as vᵀ tanh(W s_{t−1} + U h_j). Here the decoder first reads the word "
                   "it wrote last, and that new state s_t asks the question (Luong's order); W_q is Bahdanau's W, "
                   "W_k his U.")
    a, b = st.columns([2, 3])
    with a:
        st.markdown("**Every source word at this step**")
        st.dataframe(pd.DataFrame({"j": range(T_in), "word read": tr.source, "score e_tj": e, "weight α_tj": alpha}),
                     hide_index=True, width="stretch", height=min(600, 40 + 35 * T_in),
                     column_config={"score e_tj": st.column_config.NumberColumn(format="%.4f"),
                                    "weight α_tj": st.column_config.NumberColumn(format="%.4f")})
    with b:
        st.markdown(f"**What it writes: y_{t}**, the {min(8, len(y))} most likely words")
        plot(output_figure(y, tr.vocab, chosen), "att-output", config={"displayModeBar": False})
