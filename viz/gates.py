"""Inside an LSTM or GRU cell: each gate, the cell state and the hidden state over time.

Builders take one sequence's recorded blocks, each of shape ``(T, H)`` (a layer's ``gate(name)[:L, b]``,
``cell[:L, b]`` or ``hidden[:L, b]``), and the input tokens; they draw those numbers and compute none of
their own beyond colour positions. Gates squashed by a sigmoid use the sequential scale on 0..1; the tanh
candidate and the hidden state use the diverging scale on −1..1; the cell state, which can grow past 1,
uses the diverging scale symmetric about 0 out to its largest |c|.

Every token a person typed is escaped (``html.escape``) before it reaches a tick label, a hover box or
the coloured-text HTML.
"""

import html

import numpy as np
import plotly.colors as pcolors

from .colors import DIVERGING, HIDDEN, MUTED, SEQUENTIAL, TEXT, figure

#: each quantity's symbol and name
TITLES = {
    "i": ("i", "input gate"), "f": ("f", "forget gate"), "g": ("g", "candidate"), "o": ("o", "output gate"),
    "r": ("r", "reset gate"), "z": ("z", "update gate"), "n": ("n", "candidate"),
    "c": ("c", "cell state"), "h": ("h", "hidden state"),
}
#: how each quantity is coloured: "gate" 0..1 sequential, "signed" −1..1 diverging, "cell" ±max|c| diverging
KINDS = {"i": "gate", "f": "gate", "o": "gate", "r": "gate", "z": "gate",
         "g": "signed", "n": "signed", "h": "signed", "c": "cell"}
MAX_LABELLED = (12, 16)     # write each cell's value inside the heatmap up to this many steps and units
MAX_TICKS = 40              # one tick label per step up to this many steps


def token_label(token):
    """A token as written into HTML: escaped, a space made visible."""
    return html.escape(shown_token(token))


def value_range(name, values):
    """(zmin, zmax) of a quantity's colour scale."""
    kind = KINDS[name]
    if kind == "gate":
        return 0.0, 1.0
    finite = np.abs(values[np.isfinite(values)])                 # a diverged value does not set the scale
    top = float(np.max(finite)) if finite.size else 1.0
    top = max(1.0, top) if kind == "signed" else max(top, 1e-12)
    return -top, top


def _scale(name):
    return SEQUENTIAL if KINDS[name] == "gate" else DIVERGING


def _tick_angle(tokens):
    """Tick labels upright for short tokens, slanted for words, vertical for long texts."""
    T, longest = len(tokens), max((len(str(t)) for t in tokens), default=1)
    return 0 if T <= 3 or (longest <= 2 and T <= 30) else -45 if T <= 24 else -90


def shown_token(token):
    """A token as the browser's heatmap writes it (with ``textContent``: never parsed as HTML), a space visible."""
    text = str(token)
    return text.replace(" ", "␣") if text.isspace() else text


def _slant(tokens):
    """The room in pixels that slanted step labels take below the axis (0 upright)."""
    return 0 if _tick_angle(tokens) == 0 else min(12, max(len(str(t)) for t in tokens)) * 9


def gate_heatmap(name, values, tokens, outline=False):
    """One quantity over time, for the page's own heatmap (``ui/components/heatmap.js``): a column per step
    (labelled with its input), a row per unit, each cell coloured by its recorded value.

    Drawn in the browser without a chart library: a first load of the gates page no longer waits for plotly.js
    to load, run and draw seven heatmaps (about a second on a 2-core machine; README, first loads).

    Parameters
    ----------
    name : str                      i, f, g, o (LSTM), r, z, n (GRU), c or h
    values : ndarray of shape (T, H)
    tokens : sequence of str, length T
    outline : bool                  the browser outlines the chosen step's column (the step view moves it)

    Returns
    -------
    dict : ``z`` the record's values unit by unit, shape (H, T) (float64 written exactly; null where not
    finite), ``zmin``/``zmax`` and ``scale`` (positions 0..1 and colours) of the colour bar, the steps'
    ``labels`` (every ``every``-th step's under the axis), their ``angle`` and the room they take (``slant``,
    px), whether each cell's value is written in it (``labelled``).
    """
    values = np.asarray(values, dtype=float)
    T, H = values.shape
    zmin, zmax = value_range(name, values)
    symbol, words = TITLES[name]
    return dict(
        name=name, symbol=symbol, words=words,
        z=np.where(np.isfinite(values.T), values.T, None).tolist(), zmin=zmin, zmax=zmax,
        scale=[list(stop) for stop in _scale(name)], labels=[shown_token(t) for t in tokens],
        every=max(1, int(np.ceil(T / MAX_TICKS))), angle=_tick_angle(tokens),
        labelled=T <= MAX_LABELLED[0] and H <= MAX_LABELLED[1], outline=bool(outline),
        slant=_slant(tokens), height=max(260, 130 + 24 * H + _slant(tokens)),
        colors=dict(title=HIDDEN, text=TEXT, muted=MUTED))


def saturation_figure(stats):
    """Each gate's share near the bottom, in the middle and near the top of its range, as one stacked bar.

    ``stats`` is :func:`rnn_core.gate_stats.saturation`'s result: {name: {"low", "high", ...}}.
    """
    names = list(stats)
    low = [stats[n]["low"] for n in names]
    high = [stats[n]["high"] for n in names]
    middle = [1.0 - a - b for a, b in zip(low, high, strict=True)]
    labels = [f"{TITLES[n][1]} {TITLES[n][0]}" for n in names]
    traces = [dict(type="bar", y=labels, x=share, name=part, orientation="h",
                   marker=dict(color=color, line=dict(color=MUTED, width=1)), text=[f"{s:.0%}" for s in share],
                   textposition="inside", insidetextanchor="middle", textangle=0, textfont=dict(size=16),
                   hovertemplate=f"%{{y}}<br>{part}: %{{x:.1%}}<extra></extra>")
              for part, share, color in (("near the bottom (shut / −1)", low, MUTED), ("in between", middle, "#FFFFFF"),
                                         ("near the top (open / +1)", high, HIDDEN))]
    return figure(traces, height=120 + 48 * len(names), title="How saturated each gate is",
                  xaxis=dict(range=[0, 1], tickformat=".0%", tickfont=dict(size=13)),
                  yaxis=dict(autorange="reversed", tickfont=dict(size=16, color=TEXT)), uirevision="gate-saturation",
                  barmode="stack", uniformtext=dict(minsize=13, mode="hide"),
                  legend=dict(orientation="h", y=-0.2, font=dict(size=14), traceorder="normal"))


def cell_color(name, value, vmax=None):
    """The colour a value of quantity ``name`` gets on its scale, as ``rgb(r, g, b)``, and its position 0..1."""
    if KINDS[name] == "gate":
        pos = float(np.clip(value, 0.0, 1.0))
    else:
        top = vmax if vmax else 1.0
        pos = float(np.clip(0.5 + 0.5 * value / top, 0.0, 1.0))
    return pcolors.sample_colorscale(_scale(name), [pos])[0], pos


def colored_tokens_html(tokens, values, top_predictions, name="h", unit=1, vmax=None):
    """The input, one box per token, coloured by one unit's value, with the top predictions under each.

    Parameters
    ----------
    tokens : sequence of str, length T
    values : ndarray of shape (T,)           the chosen unit's value at each step
    top_predictions : list of T lists of (label, probability)
    name : str                               which quantity the values are (sets the colour scale)
    unit : int                               the unit's number, for the hover text
    vmax : float, optional                   half-width of a signed scale (default: 1, or max |value| for c)

    Returns
    -------
    str : HTML in which every token and label is escaped with ``html.escape``.
    """
    values = np.asarray(values, dtype=float)
    if vmax is None:
        vmax = value_range(name, values)[1]
    symbol = TITLES[name][0]
    boxes = []
    for t, (token, value, preds) in enumerate(zip(tokens, values, top_predictions, strict=True)):
        color, pos = cell_color(name, value, vmax)
        strength = pos if KINDS[name] == "gate" else abs(pos - 0.5) * 2
        ink = "#FFFFFF" if strength > 0.6 else TEXT
        shown = token_label(token)
        tip = html.escape(f"step {t}, input {token}: {symbol} of unit {unit} = {value:.6f}", quote=True)
        lines = "".join(
            f'<div style="white-space:nowrap">{html.escape(str(label))} '
            f'<span style="color:#4A5568">{p:.2f}</span></div>'
            for label, p in preds)
        boxes.append(
            '<div style="display:flex;flex-direction:column;align-items:center;min-width:3.2em">'
            f'<div title="{tip}" style="background:{color};color:{ink};font-size:30px;font-weight:600;'
            f'padding:4px 10px;border-radius:6px;border:1px solid {MUTED};white-space:pre;'
            f'font-family:ui-monospace,Menlo,Consolas,monospace">{shown}</div>'
            f'<div style="font-size:16px;color:{TEXT};margin-top:2px">{value:+.2f}</div>'
            f'<div style="font-size:16px;color:{TEXT};line-height:1.25;text-align:center">{lines}</div>'
            "</div>")
    return ('<div style="display:flex;flex-wrap:wrap;gap:10px 8px;align-items:flex-start;'
            f'font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif">{"".join(boxes)}</div>')
