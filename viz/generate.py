"""Figures for the Generate page: text drawn character by character in a coloured grid, a distribution before and
after temperature, and the loss in bits per character.

The grid is one Plotly heatmap: row = line, column = position in the line (a line longer than ``width`` wraps),
each cell's colour a value the engine computed (a probability, a unit's state) and its text the character.
Every character is escaped before Plotly sees it (Plotly's text understands a few HTML tags).
"""

import numpy as np

from .colors import DIVERGING, HIDDEN, MUTED, POSITIVE, SEQUENTIAL, figure, fixed_frame
from .text import esc

WIDTH = 80          # characters per grid row
ROW_PX = 22         # height of one row


def shown_char(ch):
    """A character as drawn in a grid cell: newline ↵, tab →, space blank, anything else escaped."""
    return {"\n": "↵", "\t": "→", " ": ""}.get(ch, esc(ch))


def hover_char(ch):
    return {"\n": "newline", "\t": "tab", " ": "space"}.get(ch, esc(ch))


def grid_positions(text, width=WIDTH, lines=True):
    """(rows (N,), cols (N,)) of each character: a newline ends its row (unless ``lines`` is False: then the
    text flows, a newline one cell like any other), a long row wraps at ``width``."""
    N = len(text)
    rows, cols = np.zeros(N, int), np.zeros(N, int)
    r = c = 0
    for t, ch in enumerate(text):
        if c >= width:
            r, c = r + 1, 0
        rows[t], cols[t] = r, c
        if ch == "\n" and lines:
            r, c = r + 1, 0
        else:
            c += 1
    return rows, cols


def char_grid(text, values, hover, colorscale=DIVERGING, zmin=-1.0, zmax=1.0, title=None, colorbar=None,
              width=WIDTH, marked=None, lines=True):
    """The text in a grid, each character coloured by ``values``.

    Parameters
    ----------
    text : str                       N characters
    values : ndarray of shape (N,)   the colour of each character (NaN: no colour)
    hover : list of str (N,)         what hovering a character shows (already escaped where it holds text)
    marked : (start, end) or None    a span outlined (a selection)
    lines : bool                     a newline starts a new row (else the text flows, ↵ marking each newline)
    """
    N = len(text)
    rows, cols = grid_positions(text, width, lines)
    R = int(rows.max()) + 1 if N else 1
    z = np.full((R, width), np.nan)
    labels = np.full((R, width), "", dtype=object)
    tips = np.full((R, width), "", dtype=object)
    z[rows, cols] = values
    labels[rows, cols] = [shown_char(ch) for ch in text]
    tips[rows, cols] = hover
    traces = [dict(type="heatmap", z=z, text=labels, customdata=tips, texttemplate="%{text}",
                   textfont=dict(size=15, family="DejaVu Sans Mono, monospace"), colorscale=colorscale,
                   zmin=zmin, zmax=zmax, xgap=1, ygap=1, hovertemplate="%{customdata}<extra></extra>",
                   colorbar=dict(title=dict(text=colorbar or ""), thickness=12, len=min(1.0, 300 / (R * ROW_PX + 60))))]
    if marked is not None and marked[1] > marked[0]:
        s, e = marked
        traces.append(dict(type="scatter", x=cols[s:e], y=rows[s:e], mode="markers", hoverinfo="skip",
                           marker=dict(symbol="square-open", size=20, color="#1A202C", line=dict(width=2)),
                           showlegend=False))
    layout = dict(xaxis=dict(visible=False, range=[-0.5, width - 0.5], fixedrange=True),
                  yaxis=dict(visible=False, autorange="reversed", fixedrange=True), showlegend=False)
    fixed_frame(layout, dict(l=4, r=80, t=40 if title else 4, b=4))
    return figure(traces, height=R * ROW_PX + (44 if title else 8), title=title, **layout)


def sample_grid(prime, written, chosen_prob, width=WIDTH):
    """The prime (grey) and the written characters coloured by the probability the model gave each (0 white,
    1 purple); the hover says the character, its position and its probability."""
    text = prime + written
    n = len(prime)
    values = np.concatenate([np.full(n, np.nan), np.asarray(chosen_prob, float)])
    hover = [f"prime character {t + 1}: {hover_char(c)}" for t, c in enumerate(prime)]
    hover += [f"position {t + 1}: {hover_char(c)}<br>probability {p:.4f}"
              for t, (c, p) in enumerate(zip(written, chosen_prob, strict=True))]
    return char_grid(text, values, hover, SEQUENTIAL, 0.0, 1.0, colorbar="p", width=width)


def distribution_bars(vocab, before, after, position, chosen, top=20, temperature=1.0, top_k=None):
    """The distribution before one written character: the model's own y (grey) beside what was sampled from
    after temperature and top-k (purple), for the ``top`` most likely characters of y.

    before, after : ndarray of shape (V,)
    """
    order = np.argsort(-np.asarray(before), kind="stable")[:top]
    labels = [hover_char(vocab[k]) for k in order]
    marks = ["◆ " + lab if k == chosen else lab for k, lab in zip(order, labels, strict=True)]
    rule = f"after temperature {temperature:g}" + (f" and top-{top_k}" if top_k else "")
    traces = [dict(type="bar", x=marks, y=np.asarray(before)[order], name="the model's y", marker_color=MUTED,
                   hovertemplate="%{x}: %{y:.4f}<extra>model</extra>"),
              dict(type="bar", x=marks, y=np.asarray(after)[order], name=f"sampled from ({rule})",
                   marker_color=HIDDEN, hovertemplate="%{x}: %{y:.4f}<extra>sampled from</extra>")]
    layout = dict(barmode="group", yaxis=dict(title=dict(text="probability"), range=[0, 1.02]),
                  xaxis=dict(type="category", tickfont=dict(size=16)),
                  legend=dict(orientation="h", y=1.12, x=0))
    return figure(traces, height=340, title=None, margin=dict(t=50), **layout)


def bits_figure(history, chance=None):
    """Loss in bits per character against updates; ``history`` rows hold "step" and "bits"."""
    steps = [row["step"] for row in history]
    traces = [dict(type="scatter", x=steps, y=[row["bits"] for row in history], mode="lines", name="bits/char",
                   line=dict(color=POSITIVE, width=2), hovertemplate="update %{x}: %{y:.3f} bits/char<extra></extra>")]
    if chance is not None and steps:
        traces.append(dict(type="scatter", x=[steps[0], steps[-1]], y=[chance, chance], mode="lines",
                           name="knowing nothing (log₂ V)", line=dict(color=MUTED, dash="dot")))
    layout = dict(xaxis=dict(title=dict(text="update")), yaxis=dict(title=dict(text="bits per character"),
                                                                    rangemode="tozero"),
                  legend=dict(orientation="h", y=1.15, x=0))
    fixed_frame(layout, dict(l=60, r=10, t=40, b=50))
    return figure(traces, height=280, **layout)
