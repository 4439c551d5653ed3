"""Figures for the hidden-state explorer: a passage coloured by one unit, the units that track each feature,
and the state's path through its two principal components.

Builders take the engine's numbers (states, correlations, projections) and draw them; they compute nothing but
colour positions. h lies in tanh's range and is drawn on −1..1; an LSTM's cell state c is not squashed, so its
scale runs out to the passage's largest |c|; both red negative, white 0, blue positive.
"""

import numpy as np

from .colors import CELL_COLORS, DIVERGING, HIDDEN, INPUT, MUTED, NEGATIVE, OUTPUT, POSITIVE, figure, fixed_frame
from .generate import char_grid, hover_char

#: the state's path: a colour per character class (rnn_core.corpus.CLASSES)
CLASS_COLORS = {"letter": HIDDEN, "vowel": POSITIVE, "digit": OUTPUT, "space": MUTED, "newline": "#1A202C",
                "bracket": INPUT, "quote": NEGATIVE, "other": CELL_COLORS["gru"]}


def unit_range(quantity, values):
    """(zmin, zmax): −1..1 for h; ±max|c| for the cell state."""
    if quantity == "h":
        return -1.0, 1.0
    top = float(np.max(np.abs(values), initial=0.0))
    return -max(top, 1e-12), max(top, 1e-12)


def unit_text(text, values, label, quantity, marked=None, width=100):
    """The passage flowing in rows of ``width`` (↵ marks a newline), each character coloured by the unit's value
    after reading it; hover: the character, its position and the value. values : ndarray of shape (N,)."""
    lo, hi = unit_range(quantity, values)
    hover = [f"{t}: {hover_char(c)}<br>{label} = {v:+.4f}" for t, (c, v) in enumerate(zip(text, values, strict=True))]
    return char_grid(text, values, hover, DIVERGING, lo, hi, colorbar=quantity, width=width, marked=marked,
                     lines=False)


def feature_bars(rows):
    """The best units for each feature as horizontal bars of their correlation (−1..1), one bar per row of
    ``rnn_core.units.feature_table``; the bar's label names the unit (clicking selects it on the page)."""
    labels = [f"{r['feature']} · {r['unit']}" for r in rows]
    corr = [r["correlation"] for r in rows]
    colors = [POSITIVE if c >= 0 else NEGATIVE for c in corr]
    traces = [dict(type="bar", orientation="h", y=labels, x=corr, marker_color=colors,
                   customdata=[r["column"] for r in rows], text=[f"{c:+.2f}" for c in corr], textposition="auto",
                   hovertemplate="%{y}<br>correlation %{x:.4f}<extra></extra>")]
    layout = dict(xaxis=dict(range=[-1, 1], title=dict(text="correlation with the feature"), zeroline=True),
                  yaxis=dict(autorange="reversed", type="category", tickfont=dict(size=13)))
    fixed_frame(layout, dict(l=300, r=20, t=10, b=50))
    return figure(traces, height=26 * len(rows) + 70, **layout)


def state_path(coords, text, classes, explained):
    """h_t of the passage on its first two principal components, a point per character coloured by its class,
    consecutive points joined (the path). coords : ndarray of shape (N, 2)."""
    traces = [dict(type="scatter", x=coords[:, 0], y=coords[:, 1], mode="lines", line=dict(color="#CBD5E0", width=1),
                   hoverinfo="skip", showlegend=False)]
    classes = np.asarray(classes)
    for name, color in CLASS_COLORS.items():
        idx = np.flatnonzero(classes == name)
        if idx.size == 0:
            continue
        traces.append(dict(type="scatter", x=coords[idx, 0], y=coords[idx, 1], mode="markers", name=name,
                           marker=dict(color=color, size=7, opacity=0.8),
                           customdata=[f"{t}: {hover_char(text[t])}" for t in idx],
                           hovertemplate="%{customdata}<extra>" + name + "</extra>"))
    layout = dict(xaxis=dict(title=dict(text=f"component 1 ({explained[0]:.0%} of the variance)"), zeroline=False),
                  yaxis=dict(title=dict(text=f"component 2 ({explained[1]:.0%})"), zeroline=False),
                  legend=dict(orientation="h", y=1.1, x=0))
    fixed_frame(layout, dict(l=60, r=10, t=50, b=50))
    return figure(traces, height=460, **layout)
