"""The network at one time step, drawn as the course diagrams draw it.

Columns, left to right: the inputs x_t (orange) above the previous state h_{t-1} (purple, the
recurrent inputs), the new state h_t (purple), the outputs y_t (green). Every weight is an arrow,
blue if positive and red if negative, its width growing with |w|; arrows out of a neuron whose value
is zero at this step carry nothing and are faded, so the step's flow stands out. A curved arrow shows
h_t coming back as h_{t-1} at the next step. Neurons are filled in proportion to |value|.
"""

import numpy as np

from .colors import HIDDEN, INPUT, MUTED, NEGATIVE, OUTPUT, POSITIVE, figure, rgba
from .text import esc_all

WIDTHS = (0.9, 2.2, 4.0)      # three widths: |w| in thirds of the largest |w| drawn
FADED = 0.12                  # opacity of arrows out of a neuron that is zero at this step


def _column(n, top, bottom):
    """n evenly spaced heights between top and bottom (one neuron: the middle)."""
    if n == 1:
        return np.array([(top + bottom) / 2])
    return np.linspace(top, bottom, n)


def _fill(base, values, scale):
    return [rgba(base, 0.12 + 0.88 * min(1.0, abs(v) / scale)) if scale > 0 else rgba(base, 0.12) for v in values]


def _nodes(xs, ys, values, labels, base, name, side):
    """One trace (a dict: Plotly builds dict traces faster than go.Scatter objects) for a column of neurons."""
    scale = max(1e-12, float(np.max(np.abs(values)))) if len(values) else 1.0
    return dict(
        type="scatter", x=list(xs), y=list(ys), mode="markers+text", name=name,
        marker=dict(size=26, color=_fill(base, values, scale), line=dict(color=base, width=2.5)),
        text=[f"{v:+.3f} {lab}" if side == "right" else f"{lab} {v:+.3f}"
              for lab, v in zip(labels, values, strict=True)],
        textposition={"left": "middle left", "right": "middle right", "top": "top center"}[side],
        textfont=dict(size=13), customdata=[float(v) for v in values],
        hovertemplate=f"{name}<br>%{{text}}<br>value %{{customdata:.6g}}<extra></extra>",
    )


def _edges(src, dst, weights, active, names, scale, hover):
    """Arrow traces for one weight matrix: per sign and width one trace for the arrows that carry something
    now, and one faint trace for those leaving a zero neuron. Hover texts for the arrows' middles are
    appended to ``hover`` (x, y, text lists)."""
    buckets = {}
    for i in range(weights.shape[0]):
        for j in range(weights.shape[1]):
            w = weights[i, j]
            if active[j]:
                level = min(len(WIDTHS) - 1, int(abs(w) / scale * len(WIDTHS))) if scale > 0 else 0
                key = (bool(w >= 0), level)
            else:
                key = (bool(w >= 0), None)
            buckets.setdefault(key, []).append((j, i))
            hover[0].append(0.5 * (src[0][j] + dst[0][i]))
            hover[1].append(0.5 * (src[1][j] + dst[1][i]))
            hover[2].append(f"{names[0]}[{names[1][i]}, {names[2][j]}] = {w:.6g}")
    traces = []
    for (positive, level), pairs in sorted(buckets.items(), key=lambda kv: (kv[0][1] is not None, kv[0])):
        xs, ys, sizes = [], [], []
        for j, i in pairs:
            xs += [src[0][j], dst[0][i], None]
            ys += [src[1][j], dst[1][i], None]
            sizes += [0, 8 + 2 * (level or 0), 0]
        color = rgba(POSITIVE if positive else NEGATIVE, 0.8 if level is not None else FADED)
        traces.append(dict(type="scatter", x=xs, y=ys, mode="lines+markers", hoverinfo="skip", showlegend=False,
                           line=dict(color=color, width=WIDTHS[level] if level is not None else 0.8),
                           marker=dict(symbol="arrow", angleref="previous", size=sizes, color=color)))
    return traces


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
    traces, hover = [], ([], [], [])
    scale = max(float(np.max(np.abs(w))) for w in (w_ih, w_hh, w_out) if w is not None) if any(
        w is not None for w in (w_ih, w_hh, w_out)) else 0.0
    block = "h" if gate is None else gate
    if w_ih is not None:
        traces += _edges((xs_in, ys_in), (xs_h, ys_h), w_ih, x != 0, (f"W_i{block}", hidden_labels, input_labels),
                         scale, hover)
    if w_hh is not None:
        traces += _edges((xs_prev, ys_prev), (xs_h, ys_h), w_hh, h_prev != 0,
                         (f"W_h{block}", hidden_labels, hidden_labels), scale, hover)
    if head is not None and w_out is not None:
        y = head.y[t, b]
        O = y.shape[0]
        output_labels = esc_all(output_labels) if output_labels is not None else [f"y{k + 1}" for k in range(O)]
        xs_out, ys_out = np.full(O, 2.0), _column(O, 0.8, 0.2)
        traces += _edges((xs_h, ys_h), (xs_out, ys_out), w_out, layer.hidden[t, b] != 0,
                         ("W_hy", output_labels, hidden_labels), scale, hover)
        traces.append(_nodes(xs_out, ys_out, y, output_labels, OUTPUT, "y_t (output)", "right"))

    traces.append(_nodes(xs_in, ys_in, x, input_labels, INPUT, "x_t (input)", "left"))
    traces.append(_nodes(xs_prev, ys_prev, h_prev, hidden_labels, HIDDEN, "h_{t−1} (previous state)", "left"))
    middle = "h_t (new state)" if gate is None else f"gate {gate}"
    traces.append(_nodes(xs_h, ys_h, h, hidden_labels, HIDDEN, middle, "top" if head is not None else "right"))
    # invisible points at the arrows' middles carry the hover text with each weight's value
    traces.append(dict(type="scatter", x=hover[0], y=hover[1], mode="markers", marker=dict(size=8, opacity=0),
                       text=hover[2], hovertemplate="%{text}<extra></extra>", showlegend=False))

    # the loop: h_t becomes the next step's h_{t-1}
    top, bottom = float(ys_h[-1]), float(np.mean(ys_prev))
    loop = dict(type="path", path=f"M 1,{top - 0.03} C 1,-0.25 0,-0.25 0.05,{bottom}",
                line=dict(color=HIDDEN, width=2, dash="dot"))
    notes = [dict(x=0.5, y=-0.17, text="h_t is fed back as h_{t−1} at the next step", showarrow=False,
                  font=dict(color=HIDDEN, size=13)),
             dict(x=1.0, y=-0.235, showarrow=False, font=dict(size=12, color=MUTED),
                  text="arrows: blue w > 0, red w < 0, width ∝ |w|; faded arrows leave a neuron that is 0 now")]
    middle_title = "hidden" if gate is None else f"gate {gate}"
    for xpos, label, color in ((0, f"inputs at t = {t}", INPUT), (1, middle_title, HIDDEN), (2, "outputs", OUTPUT)):
        if xpos < 2 or head is not None:
            notes.append(dict(x=xpos, y=1.09, text=f"<b>{label}</b>", showarrow=False, font=dict(color=color)))
    notes.append(dict(x=0, y=float(ys_prev[0]) + 0.06, text="<b>h<sub>t−1</sub></b>", showarrow=False,
                      font=dict(color=HIDDEN), xanchor="center"))
    longest = max(len(s) for s in input_labels + [f"h{H}"]) + 7                 # label plus " +0.000"
    # built in one call: every update of a built figure is validated again (~30 ms on this one)
    return figure(traces, height=height, showlegend=False, uirevision="network", shapes=[loop], annotations=notes,
                  xaxis=dict(visible=False, range=[-0.15 - 0.045 * longest, 2.6 if head is not None else 1.6]),
                  yaxis=dict(visible=False, range=[-0.25, 1.14]))
