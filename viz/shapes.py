"""The five shapes of a recurrent network, drawn unrolled as the course diagrams draw them, and the small
figures that show what each trained example does.

The diagram: inputs x (orange circles) at the bottom, the hidden states (purple boxes) in a row joined by
the recurrent arrows, outputs y (green circles) on top. One-to-many and the decoder of the not-in-step
shape feed each output back into the next step (thin green arrows). The not-in-step shape is an encoder
row (inputs, states h) then a decoder row (states s, outputs) on the same line; the encoder's last state
is handed to the decoder.

The result figures draw numbers the engine computed (probabilities, attention weights, losses); nothing
here computes a number of its own.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .colors import HIDDEN, INPUT, MUTED, OUTPUT, SEQUENTIAL, TEXT, base_layout, rgba

#: the five shapes, in teaching order (the same strings as ``rnn_core.examples.Example.shape``)
SHAPES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "many-to-many (not in step)")
MAX_STEPS = 16          # steps drawn on one side; more would not be readable on a projector
GAP = 0.8               # extra room between the encoder and the decoder
MIN_SPAN = 9.0          # the x axis spans at least this many steps, so one step is not stretched across a page


def _esc(text):
    """A token as Plotly text: Plotly reads a subset of HTML, so "<s>" would strike through instead of showing."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _check(shape, n_in, n_out):
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {shape!r}")
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_STEPS:
            raise ValueError(f"{name} must be a whole number from 1 to {MAX_STEPS}, not {n!r}")
    wanted = {"one-to-one": n_in == n_out == 1, "one-to-many": n_in == 1, "many-to-one": n_out == 1,
              "many-to-many": n_in == n_out, "many-to-many (not in step)": True}[shape]
    if not wanted:
        raise ValueError(f"a {shape} network cannot have {n_in} input(s) and {n_out} output(s)")


def _labels(labels, n, default):
    if labels is None:
        return [f"{default}{k + 1}" for k in range(n)]
    labels = [_esc(v) for v in labels]
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels given for {n} {default} nodes")
    return labels


def _layout(shape, n_in, n_out):
    """x positions of the inputs, the hidden boxes (encoder, decoder) and the outputs; hidden names."""
    if shape == "many-to-many (not in step)":
        enc = np.arange(n_in, dtype=float)
        dec = n_in + GAP + np.arange(n_out, dtype=float)
        names = [f"h{k + 1}" for k in range(n_in)] + [f"s{k + 1}" for k in range(n_out)]
        return enc, np.concatenate([enc, dec]), dec, names, n_in
    steps = max(n_in, n_out)
    hidden = np.arange(steps, dtype=float)
    x_in = hidden[:n_in]                              # one-to-many: the input at the first step only
    x_out = hidden[-n_out:]                           # many-to-one: the output at the last step only
    return x_in, hidden, x_out, [f"h{k + 1}" for k in range(steps)], None


def _arrow(fig, start, end, color, name, width=2.5, standoff=22, startstandoff=20):
    fig.add_annotation(x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y", axref="x", ayref="y",
                       text="", showarrow=True, arrowhead=2, arrowsize=1.1, arrowwidth=width, arrowcolor=color,
                       standoff=standoff, startstandoff=startstandoff, name=name)


def shape_figure(shape, n_in, n_out, labels_in=None, labels_out=None, height=310):
    """One of the five shapes, unrolled.

    Parameters
    ----------
    shape : str                          one of :data:`SHAPES`
    n_in, n_out : int                    inputs and outputs drawn (1 … 16); they must fit the shape
                                         (one-to-one 1 and 1, one-to-many 1 in, many-to-one 1 out,
                                         many-to-many in step as many out as in)
    labels_in, labels_out : list of str  the example's tokens, written under the inputs and over the outputs

    Traces are named ``inputs``, ``hidden`` and ``outputs`` (one marker per node); arrows are annotations
    named ``input``, ``recurrent``, ``handover``, ``output`` and ``feedback``.
    """
    _check(shape, n_in, n_out)
    labels_in = _labels(labels_in, n_in, "x")
    labels_out = _labels(labels_out, n_out, "y")
    x_in, x_hidden, x_out, names, split = _layout(shape, n_in, n_out)
    fig = go.Figure()

    # arrows first, so the nodes sit on top of them
    for x in x_in:
        _arrow(fig, (x, 0), (x, 1), INPUT, "input")
    for k in range(len(x_hidden) - 1):
        name = "handover" if split is not None and k == split - 1 else "recurrent"
        _arrow(fig, (x_hidden[k], 1), (x_hidden[k + 1], 1), HIDDEN, name, width=3, standoff=27, startstandoff=25)
    for x in x_out:
        _arrow(fig, (x, 1), (x, 2), OUTPUT, "output")
    if shape in ("one-to-many", "many-to-many (not in step)"):
        for k in range(n_out - 1):                                  # each output is the next step's input
            _arrow(fig, (x_out[k], 2), (x_out[k + 1], 1), rgba(OUTPUT, 0.55), "feedback", width=1.8,
                   standoff=26, startstandoff=18)

    fig.add_trace(go.Scatter(
        x=x_in, y=np.zeros(n_in), mode="markers+text", name="inputs", text=labels_in, textposition="bottom center",
        textfont=dict(size=17, color=TEXT), marker=dict(size=30, color=INPUT, line=dict(color="white", width=2)),
        hovertemplate="input %{text}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x_hidden, y=np.ones(len(x_hidden)), mode="markers+text", name="hidden", text=names,
        textposition="middle center", textfont=dict(size=16, color="white"),
        marker=dict(size=46, symbol="square", color=HIDDEN, line=dict(color="white", width=2)),
        hovertemplate="hidden state %{text}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x_out, y=np.full(n_out, 2.0), mode="markers+text", name="outputs", text=labels_out,
        textposition="top center", textfont=dict(size=17, color=TEXT),
        marker=dict(size=30, color=OUTPUT, line=dict(color="white", width=2)),
        hovertemplate="output %{text}<extra></extra>"))

    left = float(x_hidden[0]) - 0.75
    for y, text, color in ((2, "outputs y", OUTPUT), (1, "hidden", HIDDEN), (0, "inputs x", INPUT)):
        fig.add_annotation(x=left, y=y, text=f"<b>{text}</b>", showarrow=False, xanchor="right",
                           font=dict(color=color, size=16))
    if split is not None:             # the encoder has no outputs and the decoder no inputs: name them there
        for xs, y, text in ((x_hidden[:split], 2, "encoder: reads the input"),
                            (x_hidden[split:], 0, "decoder: writes the output")):
            fig.add_annotation(x=float(np.mean(xs)), y=y, text=f"<b>{text}</b>", showarrow=False,
                               font=dict(color=HIDDEN, size=15))
    if shape in ("one-to-many", "many-to-many (not in step)") and n_out > 1:
        fig.add_annotation(x=float(x_out[-1]) + 0.45, y=1.5, text="output fed back<br>as next input",
                           showarrow=False, xanchor="left", font=dict(color=OUTPUT, size=13))
    right = float(x_hidden[-1]) + (1.6 if shape in ("one-to-many", "many-to-many (not in step)") else 0.8)
    lo, hi = left - 1.3, right
    pad = max(0.0, MIN_SPAN - (hi - lo)) / 2            # a short shape stays compact, in the middle
    fig.update_xaxes(visible=False, range=[lo - pad, hi + pad], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.65, 2.65], fixedrange=True)
    base_layout(fig, height=height)
    fig.update_layout(showlegend=False, uirevision=f"shape-{shape}", margin=dict(l=10, r=10, t=10, b=10))
    return fig


# ---------------------------------------------------------------------- results
def truth_table_figure(inputs, target, output, height=300, title=None):
    """XOR's truth table: the two input bits (orange), the target and the network's output (green).

    inputs : array of shape (N, 2); target, output : arrays of shape (N,) with values in [0, 1].
    """
    inputs, target, output = (np.asarray(a, float) for a in (inputs, target, output))
    rows = [f"{int(a)} {int(b)}" for a, b in inputs]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.04)
    orange = [[0.0, "#FFFFFF"], [1.0, INPUT]]
    green = [[0.0, "#FFFFFF"], [1.0, OUTPUT]]
    fig.add_trace(go.Heatmap(z=inputs, x=["x₁", "x₂"], y=rows, zmin=0, zmax=1, colorscale=orange, showscale=False,
                             text=[[f"{v:.0f}" for v in r] for r in inputs], texttemplate="%{text}",
                             textfont=dict(size=22), xgap=3, ygap=3, name="inputs",
                             hovertemplate="%{y}: %{x} = %{z}<extra></extra>"), row=1, col=1)
    right = np.stack([target, output], axis=1)
    fig.add_trace(go.Heatmap(z=right, x=["wanted", "output"], y=rows, zmin=0, zmax=1, colorscale=green,
                             showscale=False, text=[[f"{t:.0f}", f"{o:.2f}"] for t, o in right],
                             texttemplate="%{text}", textfont=dict(size=22), xgap=3, ygap=3, name="outputs",
                             hovertemplate="%{y}: %{x} = %{z:.6g}<extra></extra>"), row=1, col=2)
    for c, color in ((1, INPUT), (2, OUTPUT)):
        # "0 1" must stay a category: Plotly's axis-type guess reads strings like it as numbers or dates
        fig.update_yaxes(type="category", autorange="reversed", showticklabels=False, row=1, col=c)
        fig.update_xaxes(side="top", tickfont=dict(size=17, color=color), row=1, col=c)
    base_layout(fig, height=height, title=title)
    fig.update_layout(margin=dict(l=10, r=10, t=90 if title else 40, b=10), uirevision="truth-table")
    if title:
        fig.update_layout(title=dict(y=0.97, yanchor="top"))
    return fig


def probability_figure(labels, series, targets=None, title=None, horizontal=False, height=None, legend=True,
                       highlight=None):
    """Probabilities as bars, one group per label, one bar per series (e.g. before and after training).

    labels : list of str             words or reviews; repeats allowed (each bar group sits at its own
                                     position, the label written under it)
    series : dict {name: array of shape (N,)}   probabilities in [0, 1], drawn in order
    targets : array of shape (N,) of 0/1, or None   drawn as black dashes at the wanted value
    highlight : str or None          the series drawn green (default: the last); the others are grey
    """
    labels = [_esc(v) for v in labels]
    pos = np.arange(len(labels))
    fig = go.Figure()
    names = list(series)
    highlight = names[-1] if highlight is None else highlight
    for name in names:
        p = np.asarray(series[name], float)
        color = OUTPUT if name == highlight else MUTED
        xy = dict(x=p, y=pos) if horizontal else dict(x=pos, y=p)
        fig.add_trace(go.Bar(**xy, name=name, orientation="h" if horizontal else "v", marker_color=color,
                             text=[f"{v:.2f}" for v in p], textposition="outside", textfont=dict(size=15),
                             cliponaxis=False, customdata=labels,
                             hovertemplate=f"{name}<br>%{{customdata}}: %{{{'x' if horizontal else 'y'}:.4f}}"
                                           "<extra></extra>"))
    if targets is not None:
        t = np.asarray(targets, float)
        xy = dict(x=t, y=pos) if horizontal else dict(x=pos, y=t)
        fig.add_trace(go.Scatter(**xy, mode="markers", name="wanted", customdata=labels, cliponaxis=False,
                                 marker=dict(symbol="line-ns" if horizontal else "line-ew", size=34,
                                             line=dict(color=TEXT, width=4)),
                                 hovertemplate="%{customdata}: wanted %{" + ("x" if horizontal else "y")
                                               + "}<extra></extra>"))
    value_axis = dict(range=[-0.02, 1.15], tickvals=[0, 0.5, 1], title=None, gridcolor="#E2E8F0", zeroline=False)
    label_axis = dict(tickvals=pos, ticktext=labels)
    if horizontal:
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(**label_axis, range=[len(labels) - 0.4, -0.6], tickfont=dict(size=15))  # first on top
        fig.add_vline(x=0.5, line=dict(color=MUTED, dash="dot"))
    else:
        fig.update_yaxes(**value_axis)
        fig.update_xaxes(**label_axis, range=[-0.6, len(labels) - 0.4], tickfont=dict(size=16))
        fig.add_hline(y=0.5, line=dict(color=MUTED, dash="dot"))
    n = len(labels)
    base_layout(fig, height=height or (110 + 46 * n if horizontal else 330), title=title)
    fig.update_layout(barmode="group", bargap=0.25, uirevision=f"probability-{title}", showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, font=dict(size=14)))
    return fig


def attention_figure(weights, source_tokens, output_tokens, height=None, title=None):
    """Attention weights α (T_out, T_in): one row per written word, one column per source word."""
    weights = np.asarray(weights, float)
    T_out, T_in = weights.shape
    if len(source_tokens) != T_in or len(output_tokens) != T_out:
        raise ValueError(f"{len(output_tokens)}×{len(source_tokens)} labels for weights of shape {weights.shape}")
    # repeated words (an untrained decoder may write "paper paper") get a step number so rows stay apart
    rows = [f"{k + 1}. {_esc(w)}" for k, w in enumerate(output_tokens)]
    cols = [f"{_esc(w)} ({j + 1})" if list(source_tokens).count(w) > 1 else _esc(w)
            for j, w in enumerate(source_tokens)]
    fig = go.Figure(go.Heatmap(z=weights, x=cols, y=rows, zmin=0, zmax=1, colorscale=SEQUENTIAL,
                               texttemplate="%{z:.2f}", textfont=dict(size=16), xgap=2, ygap=2,
                               colorbar=dict(title="α", thickness=12),
                               hovertemplate="writing %{y}<br>looking at %{x}: α = %{z:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=16, color=OUTPUT))
    fig.update_xaxes(side="top", tickfont=dict(size=16, color=INPUT))
    base_layout(fig, height=height or 100 + 46 * T_out, title=title)
    fig.update_layout(uirevision="attention", margin=dict(l=10, r=10, t=95 if title else 45, b=10))
    return fig


def loss_figure(steps, losses, height=260, title=None):
    """The training loss after each update."""
    fig = go.Figure(go.Scatter(x=np.asarray(steps), y=np.asarray(losses, float), mode="lines", name="loss",
                               line=dict(color=HIDDEN, width=3),
                               hovertemplate="update %{x}: loss %{y:.4g}<extra></extra>"))
    fig.update_xaxes(title="update")
    fig.update_yaxes(title="loss", rangemode="tozero")
    base_layout(fig, height=height, title=title)
    fig.update_layout(uirevision="loss", margin=dict(l=10, r=10, t=50 if title else 20, b=10))
    return fig
