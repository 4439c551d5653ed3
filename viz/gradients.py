"""Vanishing and exploding gradients: the norm of ∂L/∂h_t over time, the eigenvalues of W_hh, the Jacobian
products between steps, training with and without clipping, and recall over distance.

Builders take the engine's results (``rnn_core.gradient_study``) and draw their numbers; the only arithmetic
here is a colour position (log₁₀ of a norm in the heatmap, whose hover shows the norm itself) and axis ranges.
"""

import numpy as np
import plotly.graph_objects as go

from . import colors
from .colors import CELL_COLORS, DIVERGING, HIDDEN, MUTED, NEGATIVE, POSITIVE, TEXT, base_layout, figure, plain_figure

#: one colour and dash per cell type, the same on every chart of the page
CELL_DASHES = {"rnn": "solid", "lstm": "dash", "gru": "dot"}
CELL_NAMES = {"rnn": "Vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
#: one colour and marker per gate block of W_hh
GATE_STYLE = {
    "h": (HIDDEN, "circle"),
    "i": ("#2B6CB0", "circle"), "f": ("#C53030", "diamond"), "g": ("#38A169", "square"), "o": ("#B7791F", "x"),
    "r": ("#2B6CB0", "circle"), "z": ("#C53030", "diamond"), "n": ("#38A169", "square"),
}
GATE_WORDS = {"h": "W_hh", "i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
              "r": "reset gate r", "z": "update gate z", "n": "candidate n"}
#: the heatmap's colours stop at this many powers of ten either side of 1
MAX_DECADES = 12
CLIP_COLORS = {False: NEGATIVE, True: POSITIVE}


def cell_label(kind, nonlinearity=None):
    name = CELL_NAMES[kind]
    return f"{name} ({nonlinearity})" if kind == "rnn" and nonlinearity else name


def _shown(values):
    """Values a log axis can draw: non-finite and non-positive ones become gaps (None)."""
    return [float(v) if np.isfinite(v) and v > 0 else None for v in np.asarray(values, float)]


def decade_axis(values, most=9):
    """A log axis labelled at powers of ten only (no "2" and "5" between decades, no "100μ"): a range from the
    decade below the smallest positive finite value to the decade above the largest, and a tick step of one
    decade, or a few when that would be more than ``most`` labels. {} when there is nothing to draw."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x) and x > 0], float)
    if not v.size:
        return {}
    low, high = float(np.floor(np.log10(v.min()))), float(np.ceil(np.log10(v.max())))
    high = max(high, low + 1)
    step = max(1, int(np.ceil((high - low) / most)))
    return dict(type="log", range=[low - 0.05, high + 0.05], dtick=step, tick0=0, exponentformat="power",
                showexponent="all", minor=dict(showgrid=False, ticks=""))


def norm_by_step_figure(studies, height=460, plain=False):
    """‖∂L/∂h_t‖ against t, one line per study (cell), on a log axis; the loss sits at the last step.

    Built in one call (:func:`viz.colors.figure`): Plotly validates a figure once when it is built whole, and
    again on every ``add_hline`` or ``update_yaxes`` afterwards (17 → 3 ms here).

    Parameters
    ----------
    studies : sequence of GradientStudy
        Same T; drawn in the order given.
    """
    traces, T, shown = [], 1, [1.0]
    for study in studies:
        T = len(study.steps)
        name = cell_label(study.kind, study.nonlinearity)
        traces.append(dict(
            type="scatter", x=study.steps, y=_shown(study.norms), mode="lines+markers" if T <= 60 else "lines",
            name=name, line=dict(color=CELL_COLORS[study.kind], width=3.5, dash=CELL_DASHES[study.kind]),
            marker=dict(size=6), customdata=study.distance, connectgaps=False,
            hovertemplate=f"{name}<br>step t = %{{x}} (%{{customdata}} steps before the loss)"
                          "<br>‖∂L/∂h_t‖ = %{y:.3e}<extra></extra>"))
    shown += [y for study in studies for y in _shown(study.norms)]
    # the level 1 (the size at the loss) across the chart, and the loss's step from bottom to top
    shapes = [dict(type="line", x0=0, x1=1, xref="x domain", y0=1, y1=1, yref="y",
                   line=dict(color=MUTED, dash="dot", width=1.5)),
              dict(type="line", x0=T - 1, x1=T - 1, xref="x", y0=0, y1=1, yref="y domain",
                   line=dict(color=TEXT, width=1.5))]
    notes = [dict(text="1 (the size at the loss)", x=0, xref="x domain", xanchor="left", y=1, yref="y",
                  yanchor="bottom", showarrow=False, font=dict(size=13, color=MUTED)),
             dict(text="loss here", x=T - 1, xref="x", xanchor="right", y=1, yref="y domain", yanchor="top",
                  showarrow=False, font=dict(size=14))]
    make = plain_figure if plain else figure
    return make(traces, height=height, title="How much of the gradient reaches each step: ‖∂L/∂h<sub>t</sub>‖",
                shapes=shapes, annotations=notes,
                yaxis=dict(title_text="‖∂L/∂h<sub>t</sub>‖ (log scale)", gridcolor="#E2E8F0",
                           **(decade_axis(shown) or dict(type="log", exponentformat="power"))),
                xaxis=dict(title_text="step t (earlier steps to the left)", range=[-0.5, T - 0.5],
                           gridcolor="#E2E8F0"),
                legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, font_size=16),
                uirevision="norm-by-step", margin=dict(t=80))


def eigenvalue_figure(panels, height=430, plain=False):
    """Eigenvalues of W_hh in the complex plane with the unit circle, one panel per network.

    Parameters
    ----------
    panels : sequence of (title, {gate: eigenvalues (H,) complex})
        From :func:`rnn_core.gradient_study.recurrent_eigenvalues`.
    """
    n = len(panels)
    layout = colors.panels([1] * n, gap=0.08, titles=[p[0] for p in panels], title_size=17)  # one call: 21 → 3 ms
    traces, shapes, reach = [], [], 1.0
    for c, (title, eigs) in enumerate(panels, start=1):
        ref = "" if c == 1 else str(c)
        for gate, lam in eigs.items():
            lam = np.asarray(lam)
            color, symbol = GATE_STYLE[gate]
            reach = max(reach, float(np.max(np.abs(lam))) if lam.size else 0.0)
            words = GATE_WORDS[gate]
            traces.append(dict(
                type="scatter", x=lam.real, y=lam.imag, mode="markers", name=words, legendgroup=gate,
                showlegend=len(eigs) > 1, customdata=np.abs(lam), xaxis=f"x{ref}", yaxis=f"y{ref}",
                marker=dict(size=13, color=color, symbol=symbol, line=dict(color="white", width=1), opacity=0.85),
                hovertemplate=f"{title}: {words}<br>λ = %{{x:.3f}} %{{y:+.3f}}i<br>|λ| = %{{customdata:.3f}}"
                              "<extra></extra>"))
        shapes.append(dict(type="circle", xref=f"x{ref}", yref=f"y{ref}", x0=-1, y0=-1, x1=1, y1=1,
                           line=dict(color=TEXT, width=2, dash="dash")))
    lim = 1.15 * reach
    for c in range(1, n + 1):
        ref = "" if c == 1 else str(c)
        layout[f"xaxis{ref}"].update(range=[-lim, lim], title_text="real part", zeroline=True,
                                     zerolinecolor="#CBD5E0", gridcolor="#EDF2F7")
        layout[f"yaxis{ref}"].update(domain=[0.0, 1.0], range=[-lim, lim], zeroline=True, zerolinecolor="#CBD5E0",
                                     gridcolor="#EDF2F7", scaleanchor=f"x{ref}", scaleratio=1,
                                     **({"title_text": "imaginary part"} if c == 1 else {}))
    make = plain_figure if plain else figure
    return make(traces, height=height, shapes=shapes, legend=dict(orientation="v", x=1.02, y=1, font_size=15),
                uirevision="eigenvalues", margin=dict(t=40), **layout)


def _log_norms(norms):
    """Colour positions: log₁₀ of each norm, held within ±MAX_DECADES (a zero norm sits at the bottom)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.asarray(norms, float))
    z = np.where(np.isnan(np.asarray(norms, float)), np.nan, z)
    return np.clip(z, -MAX_DECADES, MAX_DECADES)


def jacobian_figure(maps, titles, height=520, plain=False):
    """‖∂h_t/∂h_s‖ as heatmaps over (s, t), side by side, sharing one colour scale.

    Parameters
    ----------
    maps : sequence of JacobianMap
    titles : sequence of str
    """
    n = len(maps)
    layout = colors.panels([1] * n, gap=0.1, titles=list(titles), title_size=17)    # one call: 19 → 3 ms
    zs = [_log_norms(m.norms) for m in maps]
    finite = np.concatenate([z[np.isfinite(z)] for z in zs]) if zs else np.array([])
    top = float(np.max(np.abs(finite))) if finite.size else 1.0
    top = min(MAX_DECADES, max(1.0, np.ceil(top)))
    ticks = np.arange(-top, top + 1, max(1, int(top // 4)))
    traces = []
    for c, (m, z) in enumerate(zip(maps, zs, strict=True), start=1):
        ref = "" if c == 1 else str(c)
        traces.append(dict(
            type="heatmap", z=z, x=m.steps, y=m.steps, zmin=-top, zmax=top, zmid=0, colorscale=DIVERGING,
            customdata=m.norms, showscale=c == n, name=titles[c - 1], xaxis=f"x{ref}", yaxis=f"y{ref}",
            colorbar=dict(title=dict(text="‖∂h<sub>t</sub>/∂h<sub>s</sub>‖", font_size=15), tickvals=ticks,
                          ticktext=[f"10<sup>{int(v)}</sup>" for v in ticks], thickness=16, tickfont=dict(size=14)),
            hovertemplate="from h<sub>s</sub>, s = %{x}<br>to h<sub>t</sub>, t = %{y}<br>"
                          "‖∂h_t/∂h_s‖ = %{customdata:.3e}<extra></extra>"))
        layout[f"xaxis{ref}"].update(title_text="earlier step s", constrain="domain", showgrid=False, zeroline=False)
        layout[f"yaxis{ref}"].update(domain=[0.0, 1.0], autorange="reversed", scaleanchor=f"x{ref}",
                                     constrain="domain", showgrid=False, zeroline=False,
                                     **({"title_text": "later step t"} if c == 1 else {}))
    make = plain_figure if plain else figure
    return make(traces, height=height, title="How much each earlier state still moves each later one: "
                                             "‖∂h<sub>t</sub>/∂h<sub>s</sub>‖",
                uirevision="jacobians", margin=dict(t=90), plot_bgcolor="#F7FAFC", **layout)


def _log_range(low_values, high_values, headroom):
    """A log axis range: from the smallest of ``low_values`` to ``headroom`` decades above the largest of
    ``high_values`` (positive finite values only); None when there are none."""
    def ok(values):
        return np.asarray([x for x in values if x is not None and np.isfinite(x) and x > 0], float)
    low, high = ok(low_values), ok(high_values)
    if not low.size or not high.size:
        return None
    return [float(np.log10(low.min())) - 0.3, float(np.log10(high.max())) + headroom]


def clipping_figure(runs, threshold, height=620, plain=False):
    """Training with and without clipping: the loss (top) and the gradient norm before and after clipping (bottom).

    Both axes are logarithmic and sized to the clipped run, so its progress stays visible; a run that explodes
    leaves the top of the chart, and its largest value is written where it leaves.

    Parameters
    ----------
    runs : sequence of TrainingRun
        One without clipping (``clip`` None) and one with.
    threshold : float
        The clipping threshold, drawn as a line on the norm panel.
    """
    # two panels sharing x, as make_subplots(rows=2, shared_xaxes=True, vertical_spacing=0.12) lays them out,
    # built in one call (:func:`viz.colors.figure`; 25 → 6 ms): the panels' titles come first
    notes = [dict(text=text, x=0.5, xref="paper", xanchor="center", y=y, yref="paper", yanchor="bottom",
                  showarrow=False, font=dict(size=16))
             for text, y in (("loss per update", 1.0), ("gradient norm per update", 0.44))]
    calm = [r for r in runs if r.clip is not None] or list(runs)
    first = [run.history[0] for run in runs if run.history]
    ranges = {}                 # every run's lowest value, but the highest only of the clipped run and the start
    for row, key in ((1, "loss"), (2, "grad_norm")):
        everything = [r[key] for run in runs for r in run.history] + ([threshold] if row == 2 else [])
        calm_top = [r[key] for run in calm for r in run.history] + [r[key] for r in first]
        ranges[row] = _log_range(everything, calm_top + ([threshold] if row == 2 else []), 1.0)
    axes = {row: decade_axis([10 ** r[0], 10 ** r[1]]) if r is not None else {} for row, r in ranges.items()}
    for row, r in ranges.items():                 # keep the top (the explosion leaves it); two decades at least
        if r is not None:
            ranges[row] = axes[row]["range"] = [min(r[0], float(np.floor(r[1])) - 1), r[1]]
    traces = []
    for run in runs:
        clipped = run.clip is not None
        color = CLIP_COLORS[clipped]
        label = f"clipped at {run.clip:g}" if clipped else "no clipping"
        steps = [r["step"] for r in run.history]
        series = {1: [r["loss"] for r in run.history], 2: [r["grad_norm"] for r in run.history]}
        mode = "lines+markers" if len(steps) < 10 else "lines"
        traces.append(dict(
            type="scatter", x=steps, y=_shown(series[1]), mode=mode, name=f"loss, {label}", legendgroup=label,
            line=dict(color=color, width=3), xaxis="x", yaxis="y",
            hovertemplate=f"{label}<br>update %{{x}}<br>loss %{{y:.4g}}<extra></extra>"))
        traces.append(dict(
            type="scatter", x=steps, y=_shown(series[2]), mode=mode,
            name=f"norm before clipping, {label}" if clipped else f"norm, {label}", legendgroup=label,
            line=dict(color=color, width=2 if clipped else 3, dash="dot" if clipped else "solid"),
            xaxis="x2", yaxis="y2",
            hovertemplate=f"{label}<br>update %{{x}}<br>‖g‖ before clipping %{{y:.4g}}<extra></extra>"))
        if clipped:
            traces.append(dict(
                type="scatter", x=steps, y=_shown([r["grad_norm_clipped"] for r in run.history]), mode="lines",
                name=f"norm used (after clipping), {label}", legendgroup=label, line=dict(color=color, width=3.5),
                xaxis="x2", yaxis="y2",
                hovertemplate=f"{label}<br>update %{{x}}<br>‖g‖ used %{{y:.4g}}<extra></extra>"))
        for row in (1, 2):
            shown = [(x, y) for x, y in zip(steps, series[row], strict=True) if np.isfinite(y)]
            top = ranges[row]
            if not shown or top is None:
                continue
            x_max, y_max = max(shown, key=lambda p: p[1])
            if np.log10(y_max) > top[1]:                              # off the chart: say how far
                axis = "" if row == 1 else "2"
                notes.append(dict(x=x_max, y=1, xref=f"x{axis}", yref=f"y{axis} domain", showarrow=False,
                                  text=f"↑ {label}: {y_max:.2g}", xanchor="left", yanchor="top",
                                  font=dict(size=15, color=color)))
        if run.stopped and run.history:
            last = run.history[-1]
            notes.append(dict(x=last["step"], y=0.78, yref="y domain", xref="x", xanchor="left", showarrow=False,
                              text=f"✕ stopped after update {last['step']}: overflow", font=dict(size=15, color=color)))
    # the threshold across the norm panel, named at its bottom left
    shapes = [dict(type="line", x0=0, x1=1, xref="x2 domain", y0=threshold, y1=threshold, yref="y2",
                   line=dict(color=TEXT, dash="dash", width=1.5))]
    notes.append(dict(text=f"threshold {threshold:g}", x=0, xref="x2 domain", xanchor="left", y=threshold,
                      yref="y2", yanchor="top", showarrow=False, font=dict(size=14)))
    log = dict(type="log", exponentformat="power")
    make = plain_figure if plain else figure
    return make(traces, height=height, shapes=shapes, annotations=notes,
                xaxis=dict(anchor="y", domain=[0.0, 1.0], matches="x2", showticklabels=False, gridcolor="#E2E8F0"),
                yaxis=dict(anchor="x", domain=[0.56, 1.0], gridcolor="#E2E8F0", **(axes[1] or log)),
                xaxis2=dict(anchor="y2", domain=[0.0, 1.0], gridcolor="#E2E8F0", title_text="update"),
                yaxis2=dict(anchor="x2", domain=[0.0, 0.44], gridcolor="#E2E8F0", **(axes[2] or log)),
                legend=dict(orientation="v", x=1.02, y=1, font_size=14), uirevision="clipping", margin=dict(t=40))


def memory_figure(points, chance, height=460):
    """Recall against distance, one line per cell, with the chance level; with several seeds per cell and
    distance, the line is their mean and a bar spans the lowest to the highest.

    Parameters
    ----------
    points : sequence of MemoryPoint
    chance : float
        The recall of guessing (1/4).
    """
    fig = go.Figure()
    kinds = list(dict.fromkeys(p.kind for p in points))
    distances = sorted({p.distance for p in points})
    for kind in kinds:
        mine = [p for p in points if p.kind == kind]
        ds = sorted({p.distance for p in mine})
        groups = [[p.recall for p in mine if p.distance == d] for d in ds]
        mean = [float(np.mean(g)) for g in groups]
        spread = max(len(g) for g in groups) > 1
        fig.add_trace(go.Scatter(
            x=ds, y=mean, mode="lines+markers", name=CELL_NAMES[kind],
            line=dict(color=CELL_COLORS[kind], width=3.5, dash=CELL_DASHES[kind]), marker=dict(size=12),
            error_y=dict(type="data", symmetric=False, array=[max(g) - m for g, m in zip(groups, mean, strict=True)],
                         arrayminus=[m - min(g) for g, m in zip(groups, mean, strict=True)], thickness=2.5,
                         width=8, color=CELL_COLORS[kind]) if spread else None,
            customdata=[[len(g), min(g), max(g), sum(p.updates for p in mine if p.distance == d),
                         sum(p.seconds for p in mine if p.distance == d)] for g, d in zip(groups, ds, strict=True)],
            hovertemplate=f"{CELL_NAMES[kind]}<br>distance %{{x}}<br>recall %{{y:.1%}}"
                          + (" (mean of %{customdata[0]} seeds: %{customdata[1]:.1%} to %{customdata[2]:.1%})"
                             if spread else "")
                          + "<br>%{customdata[3]} updates, %{customdata[4]:.1f} s<extra></extra>"))
    fig.add_hline(y=chance, line=dict(color=MUTED, dash="dash", width=2), annotation_text=f"chance ({chance:.0%})",
                  annotation_position="bottom right", annotation_font=dict(size=14, color=TEXT))
    base_layout(fig, height=height, title="Recall of the first symbol after N noisy steps")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title_text="recall on fresh sequences", gridcolor="#E2E8F0",
                     automargin=True, title_standoff=8)
    fig.update_xaxes(type="log", tickvals=distances, ticktext=[str(d) for d in distances],
                     title_text="distance N (noisy steps to remember across)", gridcolor="#E2E8F0")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, font_size=16),
                      uirevision="memory", margin=dict(t=80, l=90))
    return fig
