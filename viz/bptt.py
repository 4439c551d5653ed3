"""Where backpropagation through time's weight gradient comes from: one bar per step, its share of ∂L/∂W.

BPTT differentiates the unrolled graph, in which every step uses the same W_hh and W_ih, so each weight's
gradient is a sum of one term per step (``Recurrent.weight_grad_by_step``):

    ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ        ∂L/∂W_ih = Σ_t δ_t x_tᵀ

with δ_t = ∂L/∂a_t the gradient at step t's pre-activations (every gate's, for LSTM and GRU). A bar is the
Frobenius norm ‖δ_t h_{t−1}ᵀ‖ of one term; the panel title gives ‖∂L/∂W‖ of the whole gradient, from the
engine's backward pass. The norms of the terms do not add up to the norm of the sum (the matrices add, and
partly cancel): the bars show where the gradient comes from, not a split of its size.
"""

import numpy as np

from .colors import HIDDEN, figure, fixed_frame, panels
from .text import esc
from .training import decade_axis
from .unrolled import tint

WEIGHTS = (("weight_hh", "∂L/∂W_hh: δ_t h_{t−1}ᵀ"), ("weight_ih", "∂L/∂W_ih: δ_t x_tᵀ"))


def share_norms(shares):
    """‖share_t‖_F per step for each weight: {name: (T,)} from ``weight_grad_by_step``'s {name: (T, G·H, ·)}."""
    return {name: np.sqrt(np.sum(np.asarray(shares[name], float) ** 2, axis=(1, 2))) for name, _ in WEIGHTS}


def shares_figure(shares, full, steps_labels, selected=None, height=340):
    """Bars per step (log scale), one colour per layer, W_hh on the left and W_ih on the right.

    ``shares``: one dict per layer from ``weight_grad_by_step`` ({"weight_hh": (T, G·H, H), "weight_ih":
    (T, G·H, D), …}); ``full``: one dict per layer of the whole gradients {"weight_hh": (G·H, H), …} from the
    model's backward pass; ``steps_labels``: T labels for the x axis; ``selected``: the step to outline.
    """
    L = len(shares)
    T = len(steps_labels)
    x = list(range(T))
    traces, titles, values = [], [], []
    for panel, (name, title) in enumerate(WEIGHTS, start=1):
        axis = "" if panel == 1 else str(panel)
        sizes = []
        for l, layer in enumerate(shares):
            norms = share_norms(layer)[name]
            values.extend(norms)
            color = tint(HIDDEN, 1.0 - 0.6 * l / max(1, L - 1)) if L > 1 else HIDDEN
            where = f"layer {l + 1}" if L > 1 else ""
            traces.append(dict(
                type="bar", x=x, y=np.where(norms > 0, norms, np.nan), name=f"layer {l + 1}",
                marker=dict(color=color, line=dict(color="#1A202C", width=[2.5 if t == selected else 0 for t in x])),
                xaxis="x" + axis, yaxis="y" + axis, legendgroup=str(l), showlegend=panel == 1 and L > 1,
                customdata=norms, hovertext=[esc(s) for s in steps_labels],
                hovertemplate=f"step %{{x}} (%{{hovertext}}): ‖δ_t {'h_{t−1}' if name == 'weight_hh' else 'x_t'}ᵀ‖"
                              f" = %{{customdata:.4g}}<extra>{where}</extra>"))
            sizes.append(float(np.sqrt(np.sum(np.asarray(full[l][name], float) ** 2))))
        whole = ", ".join(f"{s:.3g}" for s in sizes)
        titles.append(f"{title}  (‖∂L/∂W‖ = {whole})")
    every = -(-T // 12)                                  # at most 12 labelled steps; a long word's are thinned
    ticks = x[::every]
    layout = panels([1, 1], gap=0.1, titles=titles, title_size=14,
                    xaxis=dict(title_text="step t", tickmode="array", tickvals=ticks,
                               ticktext=[f"{t}<br>{esc(steps_labels[t])}" if T <= 12 else str(t) for t in ticks]))
    axis = decade_axis(values)
    layout["yaxis"].update(axis, title_text="size of step t's share")
    layout["yaxis2"].update(axis)
    fixed_frame(layout, dict(l=80, r=15, t=65 if L > 1 else 40, b=80))   # room for the legend above the titles
    legend = dict(orientation="h", yref="container", y=1.0, yanchor="top", x=1, xanchor="right")
    return figure(traces, height=height, barmode="group", bargap=0.25, legend=legend, showlegend=L > 1,
                  uirevision="shares", **layout)
