"""The network at one time step, drawn as the course diagrams draw it.

Columns, left to right: the inputs x_t (orange) above the previous state h_{t-1} (purple, the
recurrent inputs), the new state h_t (purple), the outputs y_t (green). Every weight is an arrow,
blue if positive and red if negative, its width growing with |w|; arrows out of a neuron whose value
is zero at this step carry nothing and are faded, so the step's flow stands out. A curved arrow shows
h_t coming back as h_{t-1} at the next step. Neurons are filled in proportion to |value|.
"""

import numpy as np
import plotly.graph_objects as go

from .colors import HIDDEN, INPUT, MUTED, NEGATIVE, OUTPUT, POSITIVE, base_layout, rgba
from .text import esc_all

WIDTHS = (0.6, 1.3, 2.2, 3.4, 5.0)     # five widths: |w| in fifths of the largest |w| drawn


def _column(n, top, bottom):
    """n evenly spaced heights between top and bottom (one neuron: the middle)."""
    if n == 1:
        return np.array([(top + bottom) / 2])
    return np.linspace(top, bottom, n)


def _fill(base, values, scale):
    return [rgba(base, 0.12 + 0.88 * min(1.0, abs(v) / scale)) if scale > 0 else rgba(base, 0.12) for v in values]


def _nodes(fig, xs, ys, values, labels, base, name, side):
    scale = max(1e-12, float(np.max(np.abs(values)))) if len(values) else 1.0
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", name=name,
        marker=dict(size=26, color=_fill(base, values, scale), line=dict(color=base, width=2.5)),
        text=[f"{v:+.3f} {lab}" if side == "right" else f"{lab} {v:+.3f}"
              for lab, v in zip(labels, values, strict=True)],
        textposition={"left": "middle left", "right": "middle right", "top": "top center"}[side],
        textfont=dict(size=13),
        customdata=np.array(values, dtype=float),
        hovertemplate=f"{name}<br>%{{text}}<br>value %{{customdata:.6g}}<extra></extra>",
    ))


def _edges(fig, src, dst, weights, active, names, scale):
    """One trace per (sign, width, active) bucket: hundreds of weights stay a handful of traces."""
    buckets = {}
    for i in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            w = weights[i, j]
            level = min(len(WIDTHS) - 1, int(abs(w) / scale * len(WIDTHS))) if scale > 0 else 0
            buckets.setdefault((w >= 0, level, bool(active[j])), []).append((j, i))
    for (positive, level, on), pairs in sorted(buckets.items()):
        xs, ys, sizes = [], [], []
        for j, i in pairs:
            xs += [src[0][j], dst[0][i], None]
            ys += [src[1][j], dst[1][i], None]
            sizes += [0, 7 + level, 0]
        color = POSITIVE if positive else NEGATIVE
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines+markers", hoverinfo="skip", showlegend=False,
            line=dict(color=rgba(color, 0.8 if on else 0.12), width=WIDTHS[level]),
            marker=dict(symbol="arrow", angleref="previous", size=sizes, color=rgba(color, 0.8 if on else 0.12)),
        ))
    # invisible points at the arrows' middles carry the hover text with each weight's value
    mx, my, text = [], [], []
    for i in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            mx.append(0.5 * (src[0][j] + dst[0][i]))
            my.append(0.5 * (src[1][j] + dst[1][i]))
            text.append(f"{names[0]}[{names[1][i]}, {names[2][j]}] = {weights[i, j]:.6g}")
    fig.add_trace(go.Scatter(x=mx, y=my, mode="markers", marker=dict(size=8, opacity=0), text=text,
                             hovertemplate="%{text}<extra></extra>", showlegend=False))


def network_figure(layer, t, b=0, w_ih=None, w_hh=None, head=None, w_out=None, gate=None,
                   input_labels=None, output_labels=None, height=560):
    """The network at step t of sequence b.

    Parameters
    ----------
    layer : LayerRecord                  x, states and gates of the layer drawn
    t, b : int                           step and sequence
    w_ih : ndarray of shape (H, D)       the input weights into the drawn block (one gate's rows)
    w_hh : ndarray of shape (H, H)       the recurrent weights into the drawn block
    head : HeadRecord or None            the outputs y_t (top layer only)
    w_out : ndarray of shape (O, H)      the read-out weights
    gate : str or None                   which block's values fill the middle column (default: h_t)
    input_labels, output_labels : list of str
    """
    x = layer.x[t, b]
    h_prev = layer.hidden_prev[t, b]
    h = layer.hidden[t, b] if gate is None else layer.gate(gate)[t, b]
    D, H = x.shape[0], h_prev.shape[0]
    input_labels = esc_all(input_labels) if input_labels is not None else [f"x{j + 1}" for j in range(D)]
    hidden_labels = [f"h{k + 1}" for k in range(H)]

    n_left = D + H
    ys_left = _column(n_left, 1.0, 0.0)
    xs_in, ys_in = np.zeros(D), ys_left[:D]
    xs_prev, ys_prev = np.zeros(H), ys_left[D:] - 0.04          # a small gap between x_t and h_{t-1}
    xs_h, ys_h = np.ones(H), _column(H, 0.9, 0.1)
    fig = go.Figure()

    scale = max(float(np.max(np.abs(w))) for w in (w_ih, w_hh, w_out) if w is not None) if any(
        w is not None for w in (w_ih, w_hh, w_out)) else 0.0
    block = "h" if gate is None else gate
    if w_ih is not None:
        _edges(fig, (xs_in, ys_in), (xs_h, ys_h), w_ih, x != 0, (f"W_i{block}", hidden_labels, input_labels), scale)
    if w_hh is not None:
        _edges(fig, (xs_prev, ys_prev), (xs_h, ys_h), w_hh, h_prev != 0,
               (f"W_h{block}", hidden_labels, hidden_labels), scale)
    if head is not None and w_out is not None:
        y = head.y[t, b]
        O = y.shape[0]
        output_labels = esc_all(output_labels) if output_labels is not None else [f"y{k + 1}" for k in range(O)]
        xs_out, ys_out = np.full(O, 2.0), _column(O, 0.8, 0.2)
        _edges(fig, (xs_h, ys_h), (xs_out, ys_out), w_out, layer.hidden[t, b] != 0,
               ("W_hy", output_labels, hidden_labels), scale)
        _nodes(fig, xs_out, ys_out, y, output_labels, OUTPUT, "y_t (output)", "right")

    _nodes(fig, xs_in, ys_in, x, input_labels, INPUT, "x_t (input)", "left")
    _nodes(fig, xs_prev, ys_prev, h_prev, [f"{lab}(t−1)" for lab in hidden_labels], HIDDEN, "h_{t−1} (previous state)",
           "left")
    middle = "h_t (new state)" if gate is None else f"gate {gate}"
    _nodes(fig, xs_h, ys_h, h, hidden_labels, HIDDEN, middle, "top" if head is not None else "right")

    # the loop: h_t becomes the next step's h_{t-1}
    top, bottom = float(ys_h[-1]), float(np.mean(ys_prev))
    fig.add_shape(type="path", path=f"M 1,{top - 0.03} C 1,-0.25 0,-0.25 0.05,{bottom}",
                  line=dict(color=HIDDEN, width=2, dash="dot"))
    fig.add_annotation(x=0.5, y=-0.17, text="h_t is fed back as h_{t−1} at the next step", showarrow=False,
                       font=dict(color=HIDDEN, size=13))
    middle_title = "hidden" if gate is None else f"gate {gate}"
    for xpos, label, color in ((0, f"inputs at t = {t}", INPUT), (1, middle_title, HIDDEN), (2, "outputs", OUTPUT)):
        if xpos < 2 or head is not None:
            fig.add_annotation(x=xpos, y=1.09, text=f"<b>{label}</b>", showarrow=False, font=dict(color=color))
    longest = max(len(s) for s in input_labels + [f"h{H}(t−1)"]) + 7           # label plus " +0.000"
    fig.update_xaxes(visible=False, range=[-0.1 - 0.028 * longest, 2.6 if head is not None else 1.6])
    fig.update_yaxes(visible=False, range=[-0.25, 1.14])
    base_layout(fig, height=height)
    fig.update_layout(showlegend=False, uirevision="network")
    fig.add_annotation(x=1.0, y=-0.235, showarrow=False, font=dict(size=12, color=MUTED),
                       text="arrows: blue w > 0, red w < 0, width ∝ |w|; faded arrows leave a neuron that is 0 now")
    return fig
