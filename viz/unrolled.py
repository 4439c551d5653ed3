"""The network unrolled over time (and rolled up again), forward and backward.

Unrolled: one column per step t. From the bottom: the input x_t (orange, its token below it), one hidden
state per layer (purple), the output y_t (green, its prediction beside it) and the step's loss ℓ_t (grey).
Arrows h_{t−1} → h_t are the recurrent edges; x → h → y → ℓ go up each column. A small grey node on the
left is the state the window starts from (the initial state h_{−1} when the window starts at step 0).

Forward view: hidden nodes are filled in proportion to ‖h_t‖. Backward view: the arrows point back from
the losses, each as wide and as dark as the gradient it carries (``rnn_core.flow.gradient_flow``), and
nodes are filled in proportion to ‖∂L/∂h_t‖. Every node's hover shows its vectors and norms; every number
comes from the record.

Rolled: the same network as the course draws it before unrolling: one x, one h per layer with a loop, one
y and ℓ, holding the numbers of one step.
"""

import html
from itertools import pairwise

import numpy as np
import plotly.graph_objects as go

from rnn_core.flow import gradient_flow

from .colors import HIDDEN, INPUT, MUTED, OUTPUT, TEXT, base_layout, figure, rgba
from .text import esc

LOSS = "#4A5568"                          # the loss node: dark grey, neither input, state nor output
FLOW = ("#A0AEC0", "#1A365D")             # arrow colour in the backward view: light (small) → dark (large)
FLOW_SCALE = [[0.0, FLOW[0]], [1.0, FLOW[1]]]
WIDTH = (1.0, 11.0)                       # arrow width in px for the smallest and largest gradient drawn
LOSS_WIDTH = 5.0                          # the widest ℓ → y arrow (those have a scale of their own)
NODE = 42                                 # node diameter in px
SMALL = 30                                # the loss and start-state nodes
VIEWS = ("forward", "backward")
SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


def short(v):
    """A loss beside its node in at most five characters (the hover has every digit): 0.69, 1.2, 3e-4."""
    if v == 0 or abs(v) >= 0.01:
        return f"{v:.2g}"
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def sub(n):
    """Subscript digits: sub(12) == '₁₂'."""
    return str(n).translate(SUB)


def token_text(token):
    """A token as drawn: spaces made visible, HTML escaped."""
    return "␣" if token == " " else esc(token)


def vector_text(v, per_line=4, digits=4):
    """A vector for a hover label, ``per_line`` numbers to a line."""
    items = [f"{x:+.{digits}f}" for x in np.asarray(v, float)]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ",<br> ".join(lines) + "]"


def prediction_text(y, output_labels, short=True):
    """The output's reading: the likeliest class and its probability (softmax), or the sigmoid outputs.

    Short (beside a node): "Z 0.41" or "0.53"; long (hover): every class or output with its value.
    """
    y = np.asarray(y, float)
    if not short:
        return "<br>".join(f"{esc(n)}: {v:.4f}" for n, v in zip(output_labels, y, strict=True))
    if len(y) > 1:
        k = int(np.argmax(y))
        return f"{esc(output_labels[k])} {y[k]:.2f}"
    return f"{y[0]:.2f}"


def target_text(target, output_labels):
    """The target at one step: a class name (softmax) or the wanted values (sigmoid, identity)."""
    target = np.asarray(target)
    if target.ndim == 0:
        return esc(output_labels[int(target)])
    return ", ".join(f"{esc(n)} {v:g}" for n, v in zip(output_labels, target, strict=True))


def flow_color(fraction):
    """Arrow colour for a gradient that is ``fraction`` of the largest drawn."""
    f = float(np.clip(fraction, 0.0, 1.0))
    a = [int(FLOW[0][i:i + 2], 16) for i in (1, 3, 5)]
    z = [int(FLOW[1][i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * f):02X}" for p, q in zip(a, z, strict=True))


def tint(base, fraction):
    """``base`` mixed with white: opaque (a highlighted column does not show through), 15 % to 100 % strong."""
    f = 0.15 + 0.85 * float(np.clip(fraction, 0.0, 1.0))
    return "#" + "".join(f"{round(255 + (int(base[i:i + 2], 16) - 255) * f):02X}" for i in (1, 3, 5))


def _fill(base, value, largest):
    return tint(base, value / largest if largest > 0 else 0.0)


def _arrow(notes, tail, head, width, color, name, standoff=NODE / 2 + 2, start=NODE / 2 + 2):
    """An arrow from ``tail`` to ``head`` (data coordinates), stopping short of the nodes' edges."""
    notes.append(dict(x=head[0], y=head[1], ax=tail[0], ay=tail[1], xref="x", yref="y", axref="x", ayref="y",
                       text="", showarrow=True, arrowhead=2, arrowwidth=width, arrowcolor=color,
                       arrowsize=max(0.5, min(1.3, 3.2 / width)), standoff=standoff, startstandoff=start, name=name))


def _rows(L):
    """y of each row: input 0, hidden layers 1 … L, output L + 1, loss L + 2."""
    return {"x": 0, **{f"h{l}": 1 + l for l in range(L)}, "y": L + 1, "loss": L + 2}


def _row_labels(L, output_labels):
    """The y axis: each row's name, in its colour."""
    rows = _rows(L)
    out = f"output y<br>P({esc(output_labels[0])})" if len(output_labels) == 1 else "output y"
    text = {"x": ("input x", INPUT), "y": (out, OUTPUT), "loss": ("loss ℓ", LOSS)}
    for l in range(L):
        text[f"h{l}"] = ("hidden h" if L == 1 else f"layer {l + 1} h", HIDDEN)
    return dict(tickvals=list(rows.values()), ticktext=[
        f"<span style='color:{c}'><b>{t}</b></span>" for t, c in (text[k] for k in rows)], tickfont=dict(size=16),
        showgrid=False, zeroline=False, range=[-1.0, L + 2.6])


def unrolled_figure(rec, tokens, output_labels, b=0, view="forward", steps=None, height=None):
    """The network unrolled over the steps of sequence b.

    Parameters
    ----------
    rec : ModelRecord                  forward, loss and backward done (``SequenceModel.backward``)
    tokens : list of str               sequence b's inputs as written (one per step)
    output_labels : list of str        the output classes (softmax) or output names (sigmoid)
    b : int                            which sequence of the batch
    view : {"forward", "backward"}
    steps : range or None              the steps to draw (default: every real step of sequence b)
    height : int or None

    Built whole in one :func:`viz.colors.figure` call (half the time of adding traces one by one). Traces (in
    order): the arrows' hover points (backward view only), then the nodes: the start state, x_t, one trace per
    layer h_t, y_t, ℓ_t; every node's ``customdata`` row starts with its step t.
    Every step drawn has a highlight (a shape named ``step t``, hidden) and a label (an annotation named
    ``label t``): the browser shows the chosen step's highlight and makes its label bold.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    layers, head = rec.rnn.layers, rec.head
    L = len(layers)
    length = int(rec.rnn.lengths[b])
    steps = range(length) if steps is None else steps
    t0, t1 = steps.start, steps.stop                       # drawn: t0 … t1 − 1
    ts = np.arange(t0, t1)
    rows = _rows(L)
    flow = gradient_flow(rec)
    traces = []                                            # built whole at the end: one figure call
    notes = []                                             # annotations, set once at the end (much faster)
    backward = view == "backward"

    # every step's highlight, hidden: the browser shows the chosen step's (ui.step_view)
    shapes = [dict(type="rect", x0=t - 0.42, x1=t + 0.42, y0=-0.7, y1=L + 2.45, layer="below", name=f"step {t}",
                   opacity=0, fillcolor="rgba(246, 224, 94, 0.28)", line=dict(color="rgba(214, 158, 46, 0.9)", width=2))
              for t in ts]

    # ---- arrows
    hover_x, hover_y, hover_text, hover_step = [], [], [], []
    if backward:
        state_edges = [flow.from_next[l, t0 - 1, b] if t0 > 0 else flow.into_initial[l, b] for l in range(L)]
        state_edges += list(flow.from_next[:, ts, b].ravel()) + list(flow.from_above[:, ts, b].ravel())
        state_edges += list(flow.into_input[ts, b])
        big = max(1e-300, float(np.max(state_edges)))
        big_out = max(1e-300, float(np.max(flow.into_output[ts, b])))

        def back(tail, head, value, scale, name, what, step, **kw):
            if scale is big:
                w, color = WIDTH[0] + (WIDTH[1] - WIDTH[0]) * value / scale, flow_color(value / scale)
            else:                                          # ℓ → y: on its own scale, in the loss's grey
                w, color = WIDTH[0] + (LOSS_WIDTH - WIDTH[0]) * value / scale, rgba(LOSS, 0.75)
            _arrow(notes, tail, head, w, color, name, **kw)
            hover_x.append((tail[0] + head[0]) / 2)
            hover_y.append((tail[1] + head[1]) / 2)
            hover_text.append(f"{what}<br>‖gradient‖ = {value:.4g}")
            hover_step.append(step)

        for t in ts:
            back((t, rows["loss"]), (t, rows["y"]), flow.into_output[t, b], big_out, f"loss-y t={t}",
                 f"from ℓ{sub(t)} into y{sub(t)}: ∂L/∂z{sub(t)}", t, start=SMALL / 2 + 2)
            back((t, rows["y"]), (t, rows[f"h{L - 1}"]), flow.from_above[L - 1, t, b], big, f"y-h t={t}",
                 f"from y{sub(t)} into h{sub(t)}" + (f" (layer {L})" if L > 1 else ""), t)
            for l in range(L - 1, 0, -1):
                back((t, rows[f"h{l}"]), (t, rows[f"h{l - 1}"]), flow.from_above[l - 1, t, b], big,
                     f"down l={l - 1} t={t}", f"from layer {l + 1} into layer {l} at step {t}: ∂L/∂x{sub(t)}"
                     f" of layer {l + 1}", t)
            back((t, rows["h0"]), (t, rows["x"]), flow.into_input[t, b], big, f"h-x t={t}",
                 f"from h{sub(t)} into x{sub(t)}: ∂L/∂x{sub(t)}", t)
        for l in range(L):
            for t in ts:
                if t == t0:
                    value = flow.from_next[l, t0 - 1, b] if t0 > 0 else flow.into_initial[l, b]
                    what = "into the initial state h₋₁" if t0 == 0 else f"into h{sub(t0 - 1)}"
                    back((t, rows[f"h{l}"]), (t - 0.8, rows[f"h{l}"]), value, big, f"recurrent l={l} t={t}",
                         f"from h{sub(t)} {what}" + (f" (layer {l + 1})" if L > 1 else ""), t, standoff=SMALL / 2 + 2)
                else:
                    back((t, rows[f"h{l}"]), (t - 1, rows[f"h{l}"]), flow.from_next[l, t - 1, b], big,
                         f"recurrent l={l} t={t}", f"from h{sub(t)} back into h{sub(t - 1)}"
                         + (f" (layer {l + 1})" if L > 1 else "") + ": (∂h_t/∂h_{t−1})ᵀ ∂L/∂h_t", t)
        traces.append(dict(type="scatter", x=hover_x, y=hover_y, mode="markers", name="gradient along each arrow",
                           marker=dict(size=14, opacity=0), hovertext=hover_text,
                           customdata=np.array(hover_step)[:, None], showlegend=False,
                           hovertemplate="%{hovertext}<extra></extra>"))
    else:
        for t in ts:
            _arrow(notes, (t, rows["x"]), (t, rows["h0"]), 2.5, INPUT, f"x-h t={t}")
            for l in range(1, L):
                _arrow(notes, (t, rows[f"h{l - 1}"]), (t, rows[f"h{l}"]), 2.5, HIDDEN, f"up l={l} t={t}")
            _arrow(notes, (t, rows[f"h{L - 1}"]), (t, rows["y"]), 2.5, OUTPUT, f"h-y t={t}")
            _arrow(notes, (t, rows["y"]), (t, rows["loss"]), 1.5, MUTED, f"y-loss t={t}", standoff=SMALL / 2 + 2)
            for l in range(L):
                tail = (t - 0.8, rows[f"h{l}"]) if t == t0 else (t - 1, rows[f"h{l}"])
                _arrow(notes, tail, (t, rows[f"h{l}"]), 2.5, HIDDEN, f"recurrent l={l} t={t}",
                       start=SMALL / 2 + 2 if t == t0 else NODE / 2 + 2)

    # ---- nodes
    start_name = "initial state h₋₁" if t0 == 0 else f"state h{sub(t0 - 1)} (earlier steps not drawn)"
    start_text = []
    for l, layer in enumerate(layers):
        h = layer.hidden_prev[t0, b]
        words = f"{start_name}" + (f", layer {l + 1}" if L > 1 else "") + f"<br>‖h‖ = {np.linalg.norm(h):.4f}"
        words += f"<br>h = {vector_text(h)}"
        if backward:
            value = flow.from_next[l, t0 - 1, b] if t0 > 0 else flow.into_initial[l, b]
            words += f"<br>‖∂L/∂h‖ = {value:.4g}"
        start_text.append(words)
    traces.append(dict(type="scatter",
        x=np.full(L, t0 - 0.8), y=[rows[f"h{l}"] for l in range(L)], mode="markers", name="start state",
        marker=dict(size=SMALL, color="#EDF2F7", line=dict(color=MUTED, width=2)), hovertext=start_text,
        customdata=np.full((L, 1), t0), hovertemplate="%{hovertext}<extra></extra>", showlegend=False))

    x_text = []
    for t in ts:
        x = layers[0].x[t, b]
        words = (f"<b>x{sub(t)}</b> = “{token_text(tokens[t])}” (step {t})"
                 f"<br>x = {vector_text(x, 8, 0 if _one_hot(x) else 3)}")
        if backward:
            words += f"<br>‖∂L/∂x‖ = {flow.into_input[t, b]:.4g}"
        x_text.append(words)
    traces.append(dict(type="scatter",
        x=ts, y=np.full(len(ts), rows["x"]), mode="markers+text", name="x_t (input)",
        marker=dict(size=NODE, color=tint(INPUT, 0.82), line=dict(color=INPUT, width=2.5), symbol="circle"),
        text=[f"<b>{token_text(tokens[t])}</b>" for t in ts], textposition="bottom center",
        textfont=dict(size=17, color=TEXT), hovertext=x_text, customdata=ts[:, None],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False))

    dark_text = {}                                         # pale nodes get their name in dark type
    for l, layer in enumerate(layers):
        norms = layer.hidden_norm[ts, b]
        grads = flow.total[l, ts, b]
        shown = grads if backward else norms
        largest = float(np.max(flow.total[:, :length, b]) if backward else
                        max(float(np.max(k.hidden_norm[:length, b])) for k in layers))     # one scale for all layers
        texts = []
        for i, t in enumerate(ts):
            words = f"<b>h{sub(t)}</b>" + (f", layer {l + 1}" if L > 1 else "") + f" (step {t})"
            if backward:
                words += (f"<br>‖∂L/∂h{sub(t)}‖ = {grads[i]:.4g}<br>∂L/∂h = {vector_text(layer.d_hidden[t, b], 4, 5)}"
                          f"<br>from above: {flow.from_above[l, t, b]:.4g}, from step {t + 1}: "
                          f"{flow.from_next[l, t, b]:.4g}")
                if flow.cell is not None:
                    words += f"<br>‖∂L/∂c{sub(t)}‖ = {flow.cell[l, t, b]:.4g}"
            else:
                words += f"<br>‖h{sub(t)}‖ = {norms[i]:.4f}<br>h = {vector_text(layer.hidden[t, b])}"
                if layer.cell is not None:
                    words += f"<br>c = {vector_text(layer.cell[t, b])}"
            texts.append(words)
        for t, v in zip(ts, shown, strict=True):
            dark_text[(t, f"h{l}")] = largest > 0 and v / largest < 0.45
        traces.append(dict(type="scatter",
            x=ts, y=np.full(len(ts), rows[f"h{l}"]), mode="markers+text", name=f"h_t (layer {l + 1})",
            marker=dict(size=NODE, color=[_fill(HIDDEN, v, largest) for v in shown],
                        line=dict(color=HIDDEN, width=2.5)),
            text=[f"{v:.2g}" if backward else f"{v:.2f}" for v in shown], textposition="top right",
            textfont=dict(size=14, color=HIDDEN), hovertext=texts,
            customdata=np.column_stack([ts, norms, grads]), hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False))

    y_text = []
    for t in ts:
        words = f"<b>y{sub(t)}</b> (step {t})<br>{prediction_text(head.y[t, b], output_labels, short=False)}"
        if head.target is not None and head.mask[t, b]:
            words += f"<br>target: {target_text(head.target[t, b], output_labels)}"
        if backward:
            words += f"<br>‖∂L/∂z{sub(t)}‖ = {flow.into_output[t, b]:.4g}"
        y_text.append(words)
    traces.append(dict(type="scatter",
        x=ts, y=np.full(len(ts), rows["y"]), mode="markers+text", name="y_t (output)",
        marker=dict(size=NODE, color=tint(OUTPUT, 0.82), line=dict(color=OUTPUT, width=2.5)),
        text=[prediction_text(head.y[t, b], output_labels) for t in ts], textposition="middle right",
        textfont=dict(size=14, color=OUTPUT), hovertext=y_text, customdata=ts[:, None],
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False))

    losses = head.step_loss[ts, b]
    traces.append(dict(type="scatter",
        x=ts, y=np.full(len(ts), rows["loss"]), mode="markers+text", name="ℓ_t (loss)",
        marker=dict(size=SMALL, color=tint(LOSS, 0.82), symbol="square", line=dict(color=LOSS, width=2)),
        text=[short(v) for v in losses], textposition="middle right", textfont=dict(size=14, color=LOSS),
        hovertext=[f"<b>ℓ{sub(t)}</b> = {v:.6g} (step {t})" for t, v in zip(ts, losses, strict=True)],
        customdata=np.column_stack([ts, losses]), hovertemplate="%{hovertext}<extra></extra>", showlegend=False))

    # ---- names inside the nodes: x₀, h₀ (h₀⁽²⁾ for layer 2), y₀
    names_x, names_y, names, colors = [], [], [], []
    for t in ts:
        for key, label in [("x", "x"), *((f"h{l}", "h") for l in range(L)), ("y", "y")]:
            layer_mark = "⁽" + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(key[1:]) + 1] + "⁾" if key.startswith("h") and L > 1 and t < 10 else ""
            names_x.append(t)
            names_y.append(rows[key])
            names.append(f"{label}{sub(t)}{layer_mark}")
            colors.append(TEXT if dark_text.get((t, key)) else "#FFFFFF")
    traces.append(dict(type="scatter", x=names_x, y=names_y, mode="text", text=names, name="node names",
                       hoverinfo="skip", textfont=dict(size=13, color=colors), showlegend=False))
    notes.append(dict(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="top", showarrow=False,
                       font=dict(size=14, color=LOSS), align="left",
                       text=("beside each h: ‖∂L/∂h_t‖, all that reaches it<br>ℓ → y arrows: on a scale of their own"
                             if backward else "beside each h: ‖h_t‖ (the fill grows with it); "
                             "beside each y: the likeliest answer and its probability")))

    # ---- axes, step labels, colour key
    for t in ts:                                           # the chosen step's label is made bold in the browser
        notes.append(dict(x=t, y=L + 2.45, yanchor="bottom", showarrow=False, name=f"label {t}", text=f"t = {t}",
                           font=dict(size=15, color=TEXT)))
    if t1 < length:
        notes.append(dict(x=t1 - 0.5, y=rows["h0"] - 0.5, showarrow=False, xanchor="left",
                           text=(f"step {t1} →" if t1 == length - 1 else f"steps {t1}…{length - 1} →"),
                           font=dict(size=13, color=MUTED)))
    if backward:
        traces.append(dict(type="scatter",
            x=[None], y=[None], mode="markers", name="scale", showlegend=False, hoverinfo="skip",
            marker=dict(color=[0.0], cmin=0.0, cmax=big, colorscale=FLOW_SCALE, showscale=True,
                        colorbar=dict(title=dict(text="‖gradient‖ along an arrow", side="top", font=dict(size=14)),
                                      orientation="h",
                                      thickness=12, len=0.32, x=1.0, xanchor="right", y=-0.02, yanchor="top",
                                      tickformat=".2~g", nticks=5))))
    return figure(traces, height=height or 130 + 85 * (L + 3) + (40 if backward else 0),
                  xaxis=dict(visible=False, range=[t0 - 1.15, t1 - 1 + 1.0]), yaxis=_row_labels(L, output_labels),
                  annotations=notes, shapes=shapes, hoverlabel=dict(bgcolor="#FFFFFF", font=dict(color=TEXT, size=15)),
                  showlegend=False, uirevision=f"unrolled-{view}", dragmode=False, clickmode="event",
                  margin=dict(l=10, r=10, t=20, b=80 if backward else 40))


def _one_hot(x):
    return bool(np.all((x == 0) | (x == 1)) and np.sum(x) == 1)


def rolled_figure(rec, tokens, output_labels, b=0, view="forward", height=None):
    """The network rolled up: one x, one h per layer with its loop, one y and ℓ, labelled with one step's numbers.

    Traces: x, one per layer h, y, ℓ (in that order), each a single node. Each node's label of every step is in
    its ``meta["steps"]`` (step 0's is drawn), and each step has its heading (an annotation named ``step t``,
    hidden): the browser shows the chosen step's. Hovers name the node; its vector is in the tables of the step.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    layers, head = rec.rnn.layers, rec.head
    L = len(layers)
    T = int(rec.rnn.lengths[b])
    ts = range(T)
    rows = _rows(L)
    flow = gradient_flow(rec)
    backward = view == "backward"
    fig = go.Figure()
    notes = []
    up = {"x": INPUT, "y": OUTPUT}

    order = ["x"] + [f"h{l}" for l in range(L)] + ["y", "loss"]
    for lower, upper in pairwise(order):
        tail, head_ = ((0, rows[upper]), (0, rows[lower])) if backward else ((0, rows[lower]), (0, rows[upper]))
        color = up.get(lower, up.get(upper, HIDDEN)) if upper != "loss" else MUTED
        _arrow(notes, tail, head_, 2.5, color, f"{lower}-{upper}",
               standoff=(SMALL if (lower if backward else upper) == "loss" else NODE) / 2 + 2,
               start=(SMALL if (upper if backward else lower) == "loss" else NODE) / 2 + 2)
    for l in range(L):
        y = rows[f"h{l}"]
        # the loop: out of h's right side, round, back into its top
        fig.add_shape(type="path", path=f"M 0.09,{y} C 0.45,{y - 0.05} 0.45,{y + 0.5} 0.05,{y + 0.3}",
                      line=dict(color=HIDDEN, width=2.5))
        notes.append(dict(x=0.028, y=y + 0.2, ax=0.06, ay=y + 0.32, xref="x", yref="y", axref="x", ayref="y",
                           text="", showarrow=True, arrowhead=2, arrowwidth=2.5, arrowcolor=HIDDEN, arrowsize=1.2))
        notes.append(dict(x=0.42, y=y + 0.22, xanchor="left", showarrow=False, font=dict(size=14, color=HIDDEN),
                           text=("∂L/∂h flows back to the previous step" if backward
                                 else "hₜ is fed back as hₜ₋₁ (through W_hh)")))

    nodes = [("x", "x_t (input)", INPUT, [token_text(tokens[t]) for t in ts],
              "<b>x</b>: the input of the step shown, its token beside it")]
    for l, layer in enumerate(layers):
        name = "h" + (f" (layer {l + 1})" if L > 1 else "")
        if backward:
            labels = [f"‖∂L/∂h‖ {flow.total[l, t, b]:.3g}" for t in ts]
            words = f"<b>{name}</b>: ‖∂L/∂h_t‖ of the step shown beside it; every unit's ∂L/∂h_t in its table below"
        else:
            labels = [f"‖h‖ {layer.hidden_norm[t, b]:.2f}" for t in ts]
            words = f"<b>{name}</b>: ‖h_t‖ of the step shown beside it; every unit's h_t in its table below"
        nodes.append((f"h{l}", f"h_t (layer {l + 1})", HIDDEN, labels, words))
    nodes.append(("y", "y_t (output)", OUTPUT, [prediction_text(head.y[t, b], output_labels) for t in ts],
                  "<b>y</b>: the output of the step shown, its likeliest answer beside it"))
    nodes.append(("loss", "ℓ_t (loss)", LOSS, [f"ℓ={head.step_loss[t, b]:.3f}" for t in ts],
                  "<b>ℓ</b>: the loss of the step shown, beside it"))
    for key, name, color, labels, words in nodes:
        size = SMALL if key == "loss" else NODE
        fig.add_trace(go.Scatter(
            x=[0], y=[rows[key]], mode="markers+text", name=name, meta={"steps": [html.unescape(x) for x in labels]},
            marker=dict(size=size, color=tint(color, 0.82), line=dict(color=color, width=2.5),
                        symbol="square" if key == "loss" else "circle"),
            text=[labels[0]], textposition="middle left",
            textfont=dict(size=15, color=TEXT if key == "x" else color, weight="bold" if key == "x" else None),
            hovertext=[words], hovertemplate="%{hovertext}<extra></extra>", showlegend=False))
    for t in ts:
        notes.append(dict(x=0, y=L + 2.45, yanchor="bottom", showarrow=False, text=f"<b>values at t = {t}</b>",
                          name=f"step {t}", opacity=0, font=dict(size=15, color=TEXT)))
    fig.update_xaxes(visible=False, range=[-1.3, 1.6])
    fig.update_yaxes(**_row_labels(L, output_labels))
    fig.update_layout(annotations=notes)
    base_layout(fig, height=height or 130 + 92 * (L + 3))
    fig.update_layout(hoverlabel=dict(bgcolor="#FFFFFF", font=dict(color=TEXT, size=15)))
    fig.update_layout(showlegend=False, uirevision=f"rolled-{view}", dragmode=False,
                      margin=dict(l=10, r=10, t=20, b=10))
    return fig
