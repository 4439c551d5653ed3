"""Where backpropagation through time's weight gradient comes from: one bar per step, its share of ∂L/∂W.

BPTT differentiates the unrolled graph, in which every step uses the same W_hh and W_ih, so each weight's
gradient is a sum of one term per step (``Recurrent.weight_grad_by_step``):

    ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ        ∂L/∂W_ih = Σ_t δ_t x_tᵀ

with δ_t = ∂L/∂a_t the gradient at step t's pre-activations (every gate's, for LSTM and GRU). A bar is the
Frobenius norm ‖δ_t h_{t−1}ᵀ‖ of one term; the panel title gives ‖∂L/∂W‖ of the whole gradient, from the
engine's backward pass. The norms of the terms do not add up to the norm of the sum (the matrices add, and
partly cancel): the bars show where the gradient comes from, not a split of its size.

:func:`reach_note` says in words how much of the same loss's gradient reaches the first state compared with
the last, so that the sentence above the bars is about the loss they split.
"""

import numpy as np

from .colors import HIDDEN, figure, fixed_frame, panels
from .text import esc
from .training import decade_axis
from .unrolled import tint

WEIGHTS = (("weight_hh", "W_hh", "δ_t h_{t−1}ᵀ"), ("weight_ih", "W_ih", "δ_t x_tᵀ"))   # name, symbol, one term


def share_norms(shares):
    """‖share_t‖_F per step for each weight: {name: (T,)} from ``weight_grad_by_step``'s {name: (T, G·H, ·)}."""
    return {name: np.sqrt(np.sum(np.asarray(shares[name], float) ** 2, axis=(1, 2))) for name, _, _ in WEIGHTS}


def reach_note(reach, b, length, loss="L"):
    """One clause per layer comparing ‖∂loss/∂h‖ at the first and the last step of sequence b ("" for one step).

    ``reach``: (L, T, B) norms ‖∂loss/∂h_t‖ from the record (``LayerRecord.d_hidden_norm`` of each layer);
    ``length``: the sequence's number of steps; ``loss``: the loss's symbol in the text (L, ℓ₃, …).
    """
    reach = np.asarray(reach, float)
    first, last = 0, int(length) - 1
    if first == last:
        return ""
    parts = []
    for l in range(reach.shape[0]):
        a, z = reach[l, first, b], reach[l, last, b]
        where = f"layer {l + 1}: " if reach.shape[0] > 1 else ""
        word = "smaller than" if a < z else "larger than" if a > z else "equal to"
        parts.append(f"{where}‖∂{loss}/∂h‖ at step {first} is {a:.3g}, {word} at step {last} ({z:.3g})")
    return "; ".join(parts) + "."


def shares_figure(shares, full, steps_labels, loss="L", height=340):
    """Bars per step (log scale), one colour per layer, W_hh on the left and W_ih on the right.

    ``shares``: one dict per layer from ``weight_grad_by_step`` ({"weight_hh": (T, G·H, H), "weight_ih":
    (T, G·H, D), …}); ``full``: one dict per layer of the whole gradients {"weight_hh": (G·H, H), …} from the
    model's backward pass; ``steps_labels``: T labels for the x axis; ``loss``: the symbol of the loss whose
    gradient this is, for the titles (L, ℓ₃, …). Each step has an outline in both panels (shapes named
    ``step t``, hidden): the browser shows the chosen step's.
    """
    L = len(shares)
    T = len(steps_labels)
    x = list(range(T))
    traces, titles, values = [], [], []
    for panel, (name, symbol, term) in enumerate(WEIGHTS, start=1):
        axis = "" if panel == 1 else str(panel)
        sizes = []
        for l, layer in enumerate(shares):
            norms = share_norms(layer)[name]
            values.extend(norms)
            color = tint(HIDDEN, 1.0 - 0.6 * l / max(1, L - 1)) if L > 1 else HIDDEN
            where = f"layer {l + 1}" if L > 1 else ""
            traces.append(dict(
                type="bar", x=x, y=np.where(norms > 0, norms, np.nan), name=f"layer {l + 1}",
                marker=dict(color=color),
                xaxis="x" + axis, yaxis="y" + axis, legendgroup=str(l), showlegend=panel == 1 and L > 1,
                customdata=norms, hovertext=[esc(s) for s in steps_labels],
                hovertemplate=f"step %{{x}} (%{{hovertext}}): ‖δ_t {'h_{t−1}' if name == 'weight_hh' else 'x_t'}ᵀ‖"
                              f" = %{{customdata:.4g}}<extra>{where}</extra>"))
            sizes.append(float(np.sqrt(np.sum(np.asarray(full[l][name], float) ** 2))))
        whole = ", ".join(f"{s:.3g}" for s in sizes)
        titles.append(f"∂{loss}/∂{symbol}: {term}  (‖∂{loss}/∂W‖ = {whole})")
    every = -(-T // 12)                                  # at most 12 labelled steps; a long word's are thinned
    ticks = x[::every]
    # a long title (a batch's L_last, several layers) gets a smaller font, so that the two fit side by side in a
    # 1280-pixel window; 46 characters fit at 14 px
    size = max(10, min(14, int(14 * 46 / max(len(t) for t in titles))))
    layout = panels([1, 1], gap=0.1, titles=titles, title_size=size,
                    xaxis=dict(title_text="step t", tickmode="array", tickvals=ticks,
                               ticktext=[f"{t}<br>{esc(steps_labels[t])}" if T <= 12 and steps_labels[t] != str(t)
                                         else str(t) for t in ticks]))     # a batch's labels are the step numbers
    axis = decade_axis(values)
    layout["yaxis"].update(axis, title_text="size of step t's share")
    layout["yaxis2"].update(axis)
    fixed_frame(layout, dict(l=80, r=15, t=65 if L > 1 else 40, b=80))   # room for the legend above the titles
    layout["shapes"] = [dict(type="rect", xref="x" + axis, yref=f"y{axis} domain", x0=t - 0.45, x1=t + 0.45, y0=0,
                             y1=1, name=f"step {t}", opacity=0, line=dict(color="#1A202C", width=2))
                        for axis in ("", "2") for t in x]
    legend = dict(orientation="h", yref="container", y=1.0, yanchor="top", x=1, xanchor="right")
    return figure(traces, height=height, barmode="group", bargap=0.25, legend=legend, showlegend=L > 1,
                  uirevision="shares", **layout)
