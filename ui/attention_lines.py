"""The lines view of attention (as bertviz and Distill's "Attention and Augmented RNNs" draw it): the English
words read on the left, the French words written on the right, a line from each written word to each word read
with opacity α. Hovering a word shows its lines alone.

A small Streamlit component (``st.components.v2``) drawing SVG in the page; no library, no network. The words
and α arrive as data and are only ever set with ``textContent`` and numeric attributes, never as markup.
The α drawn are the engine's, passed through unchanged.
"""

import numpy as np
import streamlit as st

JS = r"""
export default function ({ data, parentElement }) {
  const NS = "http://www.w3.org/2000/svg";
  const old = parentElement.querySelector("svg.att-lines");
  if (old) old.remove();
  const { source, written, alpha, languages } = data;
  // a narrow drawing: the browser scales it up to the column, so the words stay large on a projector
  const rowH = 26, top = 24, width = 400, leftX = 140, rightX = 260;
  const height = top + rowH * Math.max(source.length, written.length) + 10;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "att-lines");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", "100%");
  svg.style.maxWidth = 1.4 * width + "px";
  const y = (k) => top + rowH * k + rowH / 2;
  const head = (text, x, anchor) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", x); t.setAttribute("y", 14); t.setAttribute("text-anchor", anchor);
    t.setAttribute("class", "att-head"); t.textContent = text; svg.appendChild(t);
  };
  head(`read (${languages[0]})`, leftX - 10, "end");
  head(`written (${languages[1]})`, rightX + 10, "start");
  const lines = [];
  written.forEach((_, t) => source.forEach((_, j) => {
    const a = alpha[t][j];
    if (a < 0.01) return;                       // invisible anyway; keeps the drawing light
    const l = document.createElementNS(NS, "line");
    l.setAttribute("x1", leftX); l.setAttribute("y1", y(j));
    l.setAttribute("x2", rightX); l.setAttribute("y2", y(t));
    l.setAttribute("stroke-opacity", a.toFixed(4));
    l.setAttribute("stroke-width", (1 + 4 * a).toFixed(2));
    l.setAttribute("class", "att-line");
    l.dataset.t = t; l.dataset.j = j;
    const tip = document.createElementNS(NS, "title");
    tip.textContent = `${written[t]} ← ${source[j]}: α = ${a.toFixed(4)}`;
    l.appendChild(tip);
    svg.appendChild(l); lines.push(l);
  }));
  const show = (side, k) => lines.forEach((l) => {
    const on = side === null || Number(l.dataset[side]) === k;
    l.style.display = on ? "" : "none";
  });
  const word = (text, x, k, anchor, side, cls) => {
    const w = document.createElementNS(NS, "text");
    w.setAttribute("x", x); w.setAttribute("y", y(k) + 5); w.setAttribute("text-anchor", anchor);
    w.setAttribute("class", "att-word " + cls); w.textContent = text;
    w.addEventListener("mouseenter", () => { show(side, k); w.classList.add("att-on"); });
    w.addEventListener("mouseleave", () => { show(null, 0); w.classList.remove("att-on"); });
    svg.appendChild(w);
  };
  source.forEach((s, j) => word(s, leftX - 10, j, "end", "j", "att-src"));
  written.forEach((s, t) => word(s, rightX + 10, t, "start", "t", "att-out"));
  parentElement.appendChild(svg);
}
"""

CSS = """
svg.att-lines { font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; }
.att-head { font-size: 12px; fill: #4A5568; }
.att-word { font-size: 16px; cursor: default; }
.att-src { fill: #C05621; }
.att-out { fill: #2F855A; }
.att-on { font-weight: 700; }
.att-line { stroke: #8E6BBF; stroke-linecap: round; }
"""

_lines = st.components.v2.component("unrolled.attention_lines", js=JS, css=CSS)


def attention_lines(weights, source, written, key, languages=("English", "French")):
    """Draw the lines view of α (T_out, T_in) for the words read and written (in ``languages``)."""
    weights = np.asarray(weights, float)
    if weights.shape != (len(written), len(source)):
        raise ValueError(f"{len(written)}×{len(source)} words for weights of shape {weights.shape}")
    data = {"source": [str(w) for w in source], "written": [str(w) for w in written],
            "languages": [str(x) for x in languages],
            "alpha": [[round(float(a), 6) for a in row] for row in weights]}
    _lines(data=data, key=key)
