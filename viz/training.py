"""Figures of live training: loss and accuracy curves, gradient norms, weight matrices, the hidden-state path.

Inputs are the trainer's history rows (dicts with step, loss, accuracy, grad_norm, grad_norm_clipped and
grad_norm/<parameter>, grad_norm_clipped/<parameter>), parameter arrays and engine projections.
"""

import math

import numpy as np

from .colors import CELL_COLORS, DIVERGING, HIDDEN, INPUT, MUTED, figure, fixed_frame, panels, plain_figure
from .text import esc, esc_all

CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


#: a legend along the top edge of the chart, above the panel titles, in the pinned top margin
TOP_LEGEND = dict(orientation="h", yref="container", y=1.0, yanchor="top", x=0)
MAX_POINTS = 400      # a curve drawn four times a second keeps at most this many points (every k-th, and the last)
MAX_DECADE_TICKS = 6  # a log axis labels at most this many powers of ten
OUTLIER = 5.0         # the weight heatmaps' colours saturate at this many times the median |w|
LABEL_SPACING = 0.11  # on long paths, labels closer than this share of the plot's diagonal are left to the hover
ALL_LABELS = 12       # a path this short (a word, a sentence) keeps every label: each token is the lesson


def _column(rows, key):
    return [row.get(key, math.nan) for row in rows]


def _thinned(rows):
    """Every k-th row and the last, so a long run redraws as fast as a short one (the browser's time, not ours)."""
    if len(rows) <= MAX_POINTS:
        return rows
    k = -(-len(rows) // MAX_POINTS)
    return rows[::k] + ([rows[-1]] if (len(rows) - 1) % k else [])


def decade_axis(values, most=MAX_DECADE_TICKS):
    """A log axis that labels powers of ten only (10⁻³, 10⁻², …, never the minor 2 and 5 between them), over
    whole decades around the finite positive ``values``; every k-th decade when the span is long."""
    v = np.asarray([x for x in values if x is not None], float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return dict(type="log", range=[-2, 1], tick0=-2, dtick=1, exponentformat="power", showexponent="all")
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    hi = max(hi, lo + 1)
    step = max(1, math.ceil((hi - lo) / most))
    lo = hi - step * math.ceil((hi - lo) / step)        # the ticks (tick0 = lo) land on the range's ends
    return dict(type="log", range=[lo, hi], tick0=lo, dtick=step, exponentformat="power", showexponent="all",
                minor=dict(showgrid=False, ticks=""))


def curves_figure(histories, height=380, plain=False):
    """Loss (log scale) and accuracy against updates, one line per cell. ``histories``: {cell: rows}.

    Redrawn several times a second while training, so it is built lean: dict traces, one ``figure`` call,
    pinned margins, few texts; ``plain``: as :func:`viz.colors.plain_figure`'s dicts, not validated at all.
    """
    traces = []
    for cell, rows in histories.items():
        rows = _thinned(rows)
        steps = _column(rows, "step")
        color = CELL_COLORS.get(cell, HIDDEN)
        name = CELL_NAMES.get(cell, cell)
        traces.append(dict(type="scatter", x=steps, y=_column(rows, "loss"), mode="lines", name=name,
                           line=dict(color=color, width=2.5), legendgroup=cell,
                           hovertemplate="update %{x}<br>loss %{y:.5g}<extra>" + name + "</extra>"))
        accuracy = _column(rows, "accuracy")
        if any(a is not None and not math.isnan(a) for a in accuracy):
            traces.append(dict(type="scatter", x=steps, y=accuracy, mode="lines", showlegend=False,
                               legendgroup=cell, line=dict(color=color, width=2.5), xaxis="x2", yaxis="y2",
                               hovertemplate="update %{x}<br>accuracy %{y:.1%}<extra>" + name + "</extra>"))
    # axis titles rather than panel titles, and a legend only when cells are compared: every text the chart
    # holds is measured again in each redraw
    layout = panels([1, 1], gap=0.09, xaxis=dict(title=dict(text="update"), rangemode="tozero"))
    losses = [x for rows in histories.values() for x in _column(_thinned(rows), "loss")]
    layout["yaxis"].update(decade_axis(losses), title=dict(text="loss (log scale)"))
    layout["yaxis2"].update(range=[0, 1.02], tickformat=".0%", title=dict(text="accuracy"))
    compare = len(histories) > 1
    fixed_frame(layout, dict(l=80, r=15, t=35 if compare else 15, b=55))
    build = plain_figure if plain else figure
    return build(traces, height=height, uirevision="curves", legend=dict(TOP_LEGEND), showlegend=compare, **layout)


def gradient_figure(rows, height=380):
    """Left: each parameter's gradient norm at the latest update, before and after clipping.
    Right: the global norm before and after clipping over all updates (log scale)."""
    traces = []
    if rows:
        last = rows[-1]
        names = [k.split("/", 1)[1] for k in last if k.startswith("grad_norm/")]
        for label, prefix, color in (("before clipping", "grad_norm/", MUTED),
                                     ("after clipping", "grad_norm_clipped/", HIDDEN)):
            traces.append(dict(type="bar", y=names, x=[last[prefix + n] for n in names], orientation="h", name=label,
                               marker_color=color, hovertemplate="%{y}: ‖g‖ = %{x:.5g}<extra>" + label + "</extra>"))
        thin = _thinned(rows)
        steps = _column(thin, "step")
        for label, key, color in (("global, before", "grad_norm", MUTED),
                                  ("global, after", "grad_norm_clipped", HIDDEN)):
            traces.append(dict(type="scatter", x=steps, y=_column(thin, key), mode="lines", name=label,
                               line=dict(color=color, width=2), xaxis="x2", yaxis="y2", showlegend=False))
    # the lines share the bars' colours (grey before, purple after clipping): two legend entries fit one row
    layout = panels([0.45, 0.55], gap=0.16, titles=["per parameter, now", "overall, by update"])
    layout["yaxis"].update(autorange="reversed")
    thin = _thinned(rows)
    layout["yaxis2"].update(decade_axis(_column(thin, "grad_norm") + _column(thin, "grad_norm_clipped")))
    bars = [x for tr in traces if tr["type"] == "bar" for x in tr["x"]]
    layout["xaxis"].update(decade_axis(bars, most=4), title_text="‖∂L/∂W‖ (log scale)")
    layout["xaxis2"].update(title_text="update")
    fixed_frame(layout, dict(l=150, r=15, t=85, b=55))
    return figure(traces, height=height, barmode="group", uirevision="gradients", legend=TOP_LEGEND, **layout)


def colour_limit(m):
    """The heatmap scale's end for weights ``m`` (any shape): the largest finite |w|, but at most OUTLIER × the
    median |w|.

    On the way to a blow-up a few weights reach 1e5 … 1e29 while the rest stay near 1: with the plain maximum
    every other cell is white. A trained matrix's largest |w| is within 5× its median, so it keeps the plain
    maximum; past the limit a cell shows the full colour and its hover the exact number.
    """
    a = np.abs(np.asarray(m, float))
    a = a[np.isfinite(a)]
    return max(1e-12, min(float(a.max()), OUTLIER * float(np.median(a)))) if a.size else 1.0


def weights_figure(matrices, height=330):
    """Heatmaps of weight matrices side by side, each with its own symmetric scale (:func:`colour_limit`).
    ``matrices``: {name: (R, C)}; non-finite entries are left blank."""
    names = list(matrices)
    widths = [max(2, np.asarray(m).shape[1]) for m in matrices.values()]
    traces = []
    for c, (name, m) in enumerate(matrices.items(), start=1):
        m = np.asarray(m, float)
        zmax = colour_limit(m)
        m = np.where(np.isfinite(m), m, np.nan)
        axis = "" if c == 1 else str(c)
        traces.append(dict(type="heatmap", z=m, zmin=-zmax, zmax=zmax, colorscale=DIVERGING, showscale=False, xgap=1,
                           ygap=1, xaxis="x" + axis, yaxis="y" + axis,
                           hovertemplate=esc(name) + "[%{y}, %{x}] = %{z:.5g}<extra></extra>"))
    layout = panels(widths, gap=0.05, titles=esc_all(names), xaxis=dict(showticklabels=False, ticks=""),
                    yaxis=dict(autorange="reversed", showticklabels=False, ticks=""))
    fixed_frame(layout, dict(l=10, r=10, t=35, b=10))
    return figure(traces, height=height, uirevision="weights", **layout)


def trajectory_figure(coords, tokens, explained, height=380):
    """The hidden state's path through time, projected on its two principal components.

    ``coords`` (T, 2) from ``rnn_core.project.principal_components``; ``tokens`` label each step.
    """
    coords = np.asarray(coords, float)
    T = coords.shape[0]
    labels = esc_all(tokens)
    shown = spaced_labels(coords)
    traces = [
        dict(type="scatter", x=coords[:, 0], y=coords[:, 1], mode="lines", line=dict(color=HIDDEN, width=1.5),
             hoverinfo="skip", showlegend=False),
        dict(type="scatter", x=coords[:, 0], y=coords[:, 1], mode="markers+text", hovertext=labels,
             text=[label if keep else "" for label, keep in zip(labels, shown, strict=True)],
             textposition="top center", customdata=np.arange(T), showlegend=False, cliponaxis=False,
             marker=dict(size=12, color=np.arange(T), colorscale=[[0, INPUT], [1, HIDDEN]],
                         line=dict(color="white", width=1)),
             hovertemplate="step %{customdata}: %{hovertext}<br>(%{x:.3f}, %{y:.3f})<extra></extra>")]
    layout = dict(xaxis=dict(title_text=f"component 1 ({explained[0]:.0%} of the variance)", zeroline=False),
                  yaxis=dict(title_text=f"component 2 ({explained[1]:.0%})", zeroline=False))
    fixed_frame(layout, dict(l=75, r=20, t=20, b=60))
    return figure(traces, height=height, uirevision="trajectory", **layout)


def spaced_labels(coords, spacing=LABEL_SPACING):
    """Which points of a path ``coords`` (T, 2) keep a visible label: the first, then each point at least
    ``spacing`` × the plot's diagonal from every label kept so far (noisy sine and CSV paths pass close by
    themselves, and their labels piled up); a path of up to ALL_LABELS steps keeps all. Returns T booleans."""
    coords = np.asarray(coords, float)
    if len(coords) <= ALL_LABELS:
        return [True] * len(coords)
    span = coords.max(axis=0) - coords.min(axis=0) if len(coords) else np.zeros(2)
    scaled = coords / np.where(span > 0, span, 1.0)      # each axis fills the plot, so distance in plot units
    kept = []
    for i, point in enumerate(scaled):
        if all(np.hypot(*(point - scaled[j])) >= spacing * math.sqrt(2) for j in kept):
            kept.append(i)
    keep = set(kept)
    return [i in keep for i in range(len(coords))]
