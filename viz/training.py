"""Figures of live training: loss and accuracy curves, gradient norms, weight matrices, the hidden-state path.

Inputs are the trainer's history rows (dicts with step, loss, accuracy, grad_norm, grad_norm_clipped and
grad_norm/<parameter>, grad_norm_clipped/<parameter>), parameter arrays and engine projections.
"""

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .colors import CELL_COLORS, DIVERGING, HIDDEN, INPUT, MUTED, base_layout
from .text import esc, esc_all

CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def _column(rows, key):
    return [row.get(key, math.nan) for row in rows]


def curves_figure(histories, height=380):
    """Loss (log scale) and accuracy against updates, one line per cell. ``histories``: {cell: rows}."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.09, subplot_titles=("loss", "accuracy"))
    for cell, rows in histories.items():
        steps = _column(rows, "step")
        color = CELL_COLORS.get(cell, HIDDEN)
        fig.add_trace(go.Scatter(x=steps, y=_column(rows, "loss"), mode="lines", name=CELL_NAMES.get(cell, cell),
                                   line=dict(color=color, width=2.5), legendgroup=cell,
                                   hovertemplate="update %{x}<br>loss %{y:.5g}<extra>" + CELL_NAMES.get(cell, cell)
                                   + "</extra>"), row=1, col=1)
        accuracy = _column(rows, "accuracy")
        if any(a is not None and not math.isnan(a) for a in accuracy):
            fig.add_trace(go.Scatter(x=steps, y=accuracy, mode="lines", showlegend=False, legendgroup=cell,
                                       line=dict(color=color, width=2.5),
                                       hovertemplate="update %{x}<br>accuracy %{y:.1%}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(type="log", title_text="loss", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_xaxes(title_text="update", rangemode="tozero")
    base_layout(fig, height=height)
    fig.update_layout(uirevision="curves", legend=dict(orientation="h", y=1.18, x=0))
    return fig


def gradient_figure(rows, height=380):
    """Left: each parameter's gradient norm at the latest update, before and after clipping.
    Right: the global norm before and after clipping over all updates (log scale)."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.16,
                        subplot_titles=("per parameter, latest update", "global norm over updates"))
    if rows:
        last = rows[-1]
        names = [k.split("/", 1)[1] for k in last if k.startswith("grad_norm/")]
        before = [last[f"grad_norm/{n}"] for n in names]
        after = [last[f"grad_norm_clipped/{n}"] for n in names]
        fig.add_trace(go.Bar(y=names, x=before, orientation="h", name="before clipping", marker_color=MUTED,
                             hovertemplate="%{y}: ‖g‖ = %{x:.5g}<extra>before clipping</extra>"), row=1, col=1)
        fig.add_trace(go.Bar(y=names, x=after, orientation="h", name="after clipping", marker_color=HIDDEN,
                             hovertemplate="%{y}: ‖g‖ = %{x:.5g}<extra>after clipping</extra>"), row=1, col=1)
        steps = _column(rows, "step")
        fig.add_trace(go.Scatter(x=steps, y=_column(rows, "grad_norm"), mode="lines", name="global, before",
                                   line=dict(color=MUTED, width=2)), row=1, col=2)
        fig.add_trace(go.Scatter(x=steps, y=_column(rows, "grad_norm_clipped"), mode="lines", name="global, after",
                                   line=dict(color=HIDDEN, width=2)), row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_xaxes(title_text="‖∂L/∂W‖", row=1, col=1)
    fig.update_xaxes(title_text="update", row=1, col=2)
    base_layout(fig, height=height)
    fig.update_layout(barmode="group", uirevision="gradients", legend=dict(orientation="h", y=1.2, x=0))
    return fig


def weights_figure(matrices, height=330):
    """Heatmaps of weight matrices side by side, each with its own symmetric scale. ``matrices``: {name: (R, C)}."""
    names = list(matrices)
    widths = [max(2, np.asarray(m).shape[1]) for m in matrices.values()]
    fig = make_subplots(rows=1, cols=len(names), column_widths=widths, horizontal_spacing=0.05,
                        subplot_titles=esc_all(names))
    for c, (name, m) in enumerate(matrices.items(), start=1):
        m = np.asarray(m, float)
        zmax = max(1e-12, float(np.max(np.abs(m)))) if m.size else 1.0
        fig.add_trace(go.Heatmap(z=m, zmin=-zmax, zmax=zmax, colorscale=DIVERGING, showscale=False, xgap=1, ygap=1,
                                 hovertemplate=esc(name) + "[%{y}, %{x}] = %{z:.5g}<extra></extra>"), row=1, col=c)
        fig.update_yaxes(autorange="reversed", showticklabels=False, row=1, col=c)
        fig.update_xaxes(showticklabels=False, row=1, col=c)
    base_layout(fig, height=height)
    fig.update_layout(uirevision="weights")
    return fig


def trajectory_figure(coords, tokens, explained, height=380):
    """The hidden state's path through time, projected on its two principal components.

    ``coords`` (T, 2) from ``rnn_core.project.principal_components``; ``tokens`` label each step.
    """
    coords = np.asarray(coords, float)
    T = coords.shape[0]
    labels = esc_all(tokens)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=coords[:, 0], y=coords[:, 1], mode="lines", line=dict(color=HIDDEN, width=1.5),
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(
        x=coords[:, 0], y=coords[:, 1], mode="markers+text", text=labels, textposition="top center",
        marker=dict(size=12, color=np.arange(T), colorscale=[[0, INPUT], [1, HIDDEN]],
                    line=dict(color="white", width=1)),
        customdata=np.arange(T), showlegend=False,
        hovertemplate="step %{customdata}: %{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>"))
    fig.update_xaxes(title_text=f"component 1 ({explained[0]:.0%} of the variance)", zeroline=False)
    fig.update_yaxes(title_text=f"component 2 ({explained[1]:.0%})", zeroline=False)
    base_layout(fig, height=height)
    fig.update_layout(uirevision="trajectory")
    return fig
