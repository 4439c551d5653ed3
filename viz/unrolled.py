"""The network unrolled over time (and rolled up again), forward and backward, as data the page draws itself.

Unrolled: one column per step t. From the bottom: the input x_t (orange, its token below it), one hidden
state per layer (purple), the output y_t (green, its prediction beside it) and the step's loss ℓ_t (grey).
Arrows h_{t−1} → h_t are the recurrent edges; x → h → y → ℓ go up each column. A small grey node on the
left is the state the window starts from (the initial state h_{−1} when the window starts at step 0).

Forward view: hidden nodes are filled in proportion to ‖h_t‖. Backward view: the arrows point back from
the losses, each as wide and as dark as the gradient it carries (``rnn_core.flow.gradient_flow``), and
nodes are filled in proportion to ‖∂L/∂h_t‖. The hover of every node of the unrolled graph shows its vectors
(x, h, c) or values (y, ℓ) and norms; every number comes from the record. A number that is not finite (a run
that diverged) is written as it is ("nan") and drawn at the smallest width and fill.

Rolled: the same network as the course draws it before unrolling: one x, one h per layer with a loop, one
y and ℓ, holding the numbers of one step.

Both are plain dicts (a *graph*), drawn as SVG by ``ui/components/graph.js`` with no chart library, so the
page's first load does not wait for one. Positions are in graph units: a column's ``c`` is its step, a row's
``r`` counts up from the input (0), the hidden layers (1 … L), the output (L + 1) to the loss (L + 2); sizes,
widths and gaps are pixels. Every text is plain, as typed: the browser sets it as text, never as markup.
"""

from itertools import pairwise

import numpy as np

from rnn_core.flow import gradient_flow

from .colors import HIDDEN, INPUT, MUTED, OUTPUT, TEXT

LOSS = "#4A5568"                          # the loss node: dark grey, neither input, state nor output
FLOW = ("#A0AEC0", "#1A365D")             # arrow colour in the backward view: light (small) → dark (large)
FLOW_SCALE = [[0.0, FLOW[0]], [1.0, FLOW[1]]]
WIDTH = (1.0, 11.0)                       # arrow width in px for the smallest and largest gradient drawn
LOSS_WIDTH = 5.0                          # the widest ℓ → y arrow (those have a scale of their own)
LOSS_ARROW = "rgba(74, 85, 104, 0.75)"    # ℓ → y arrows: the loss's grey
NODE = 42                                 # node diameter in px
SMALL = 30                                # the loss and start-state nodes
START = "#EDF2F7"                         # the start state's fill
VIEWS = ("forward", "backward")
SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def short(v):
    """A number beside its node in at most five characters below 100 (the hover has every digit): 0.69, 1.2,
    3e-4, 0.035; "nan" or "inf" where it is not finite."""
    if not np.isfinite(v):
        return f"{v}"
    if v == 0 or abs(v) >= 0.01:
        return f"{v:.2g}"
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def sub(n):
    """Subscript digits: sub(12) == '₁₂'."""
    return str(n).translate(SUB)


def token_text(token):
    """A token as drawn: a space made visible."""
    return "␣" if token == " " else str(token)


def vector_lines(name, v, per_line=4, digits=4):
    """A vector for a hover, ``per_line`` numbers to a line, the later lines under the first number:
    ['h = [+0.1, …,', '     …]']."""
    items = [f"{x:+.{digits}f}" for x in np.asarray(v, float)]
    rows = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return [f"{name} = [" + rows[0] + ("," if len(rows) > 1 else "]")] + [
        " " * (len(name) + 4) + r + ("," if i < len(rows) - 2 else "]") for i, r in enumerate(rows[1:])]


def prediction_text(y, output_labels, short=True):
    """The output's reading: the likeliest class and its probability (softmax), or the sigmoid outputs.

    Short (beside a node): "Z 0.41" or "0.53"; long (hover): every class or output with its value, one a line.
    """
    y = np.asarray(y, float)
    if not short:
        return [f"{n}: {v:.4f}" for n, v in zip(output_labels, y, strict=True)]
    if len(y) > 1:
        k = int(np.argmax(y))
        return f"{output_labels[k]} {y[k]:.2f}"
    return f"{y[0]:.2f}"


def target_text(target, output_labels):
    """The target at one step: a class name (softmax) or the wanted values (sigmoid, identity)."""
    target = np.asarray(target)
    if target.ndim == 0:
        return str(output_labels[int(target)])
    return ", ".join(f"{n} {v:g}" for n, v in zip(output_labels, target, strict=True))


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


def _share(value, largest):
    """``value`` as a fraction of ``largest`` (0 where either is not finite or largest is 0), for widths and fills."""
    f = value / largest if np.isfinite(value) and np.isfinite(largest) and largest > 0 else 0.0
    return float(np.clip(f, 0.0, 1.0))


def _finite_max(values):
    """The largest finite value (0 if there is none): the scale that widths and fills are drawn against."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(v.max()) if v.size else 0.0


def _dark(fraction):
    """Whether a node filled ``fraction`` of the way is dark enough for white type inside it."""
    return fraction >= 0.45


def _rows(L):
    """r of each row: input 0, hidden layers 1 … L, output L + 1, loss L + 2."""
    return {"x": 0, **{f"h{l}": 1 + l for l in range(L)}, "y": L + 1, "loss": L + 2}


def _row_labels(L, output_labels):
    """Each row's name (one or two lines) and colour, bottom to top."""
    out = ["output y", f"P({output_labels[0]})"] if len(output_labels) == 1 else ["output y"]
    names = {"x": (["input x"], INPUT), "y": (out, OUTPUT), "loss": (["loss ℓ"], LOSS)}
    for l in range(L):
        names[f"h{l}"] = (["hidden h" if L == 1 else f"layer {l + 1} h"], HIDDEN)
    return [{"r": r, "lines": names[k][0], "color": names[k][1]} for k, r in _rows(L).items()]


def _node(kind, c, r, step, fill, stroke, hover, size=NODE, name="", ink="#FFFFFF", label="", at="right", color=TEXT,
          shape="circle", bold=False):
    """A node of ``kind`` (start, x, h, y, loss): centre (c, r), ``size`` px across, ``name`` inside it, ``label``
    beside it (``at``: below, right, topright, left), ``hover`` its lines; a click on it picks ``step``."""
    return {"kind": kind, "c": float(c), "r": r, "step": int(step), "size": size, "shape": shape, "fill": fill,
            "stroke": stroke, "name": name, "ink": ink, "label": label, "at": at, "color": color, "bold": bold,
            "hover": hover}


def _arrow(kind, tail, head, width, color, step, hover=None, tail_gap=NODE / 2 + 2, head_gap=NODE / 2 + 2):
    """An arrow of ``kind`` (its nodes' kinds: "x-h", "h-h" up a stack, "h-y", "y-loss", "recurrent", and back)
    from ``tail`` to ``head`` ((c, r) each), stopping ``tail_gap`` / ``head_gap`` px from the centres."""
    return {"kind": kind, "from": [float(tail[0]), tail[1]], "to": [float(head[0]), head[1]], "width": float(width),
            "color": color, "step": int(step), "hover": hover, "gaps": [tail_gap, head_gap]}


def unrolled_graph(rec, tokens, output_labels, b=0, view="forward", steps=None):
    """The network unrolled over the steps of sequence b.

    Parameters
    ----------
    rec : ModelRecord                  forward, loss and backward done (``SequenceModel.backward``)
    tokens : list of str               sequence b's inputs as written (one per step)
    output_labels : list of str        the output classes (softmax) or output names (sigmoid)
    b : int                            which sequence of the batch
    view : {"forward", "backward"}
    steps : range or None              the steps to draw (default: every real step of sequence b)

    Returns a dict: ``form`` ("unrolled"), ``view``, ``steps`` (the columns drawn), ``rows`` (names and colours),
    ``columns`` and ``rows_range`` (graph units shown), ``nodes`` (the start state, then per step x_t, h_t of
    every layer, y_t, ℓ_t), ``arrows`` (backward: each with the gradient's hover), ``more`` (the steps right of
    the window), ``note``, ``bar`` (backward: the arrows' colour scale) and ``height``
    in px. The browser outlines the chosen step's
    column and makes its label bold.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    layers, head = rec.rnn.layers, rec.head
    L = len(layers)
    length = int(rec.rnn.lengths[b])
    steps = range(length) if steps is None else steps
    t0, t1 = steps.start, steps.stop                       # drawn: t0 … t1 − 1
    ts = range(t0, t1)
    rows = _rows(L)
    flow = gradient_flow(rec)
    backward = view == "backward"
    layer_of = (lambda l: f" (layer {l + 1})") if L > 1 else (lambda l: "")
    start_c = t0 - 0.8

    # ---- arrows
    arrows = []
    bar = None
    if backward:
        # what reaches the state the window starts from along its arrow (from step t0)
        into_start = [flow.from_next[l, t0 - 1, b] if t0 > 0 else flow.into_initial[l, b] for l in range(L)]
        carried = into_start + list(flow.from_next[:, ts, b].ravel()) + list(flow.from_above[:, ts, b].ravel())
        big = max(1e-300, _finite_max(carried + list(flow.into_input[ts, b])))
        big_out = max(1e-300, _finite_max(flow.into_output[ts, b]))

        def back(kind, tail, head, value, what, step, own_scale=False, **gaps):
            if own_scale:                                  # ℓ → y: on its own scale, in the loss's grey
                w, color = WIDTH[0] + (LOSS_WIDTH - WIDTH[0]) * _share(value, big_out), LOSS_ARROW
            else:
                f = _share(value, big)
                w, color = WIDTH[0] + (WIDTH[1] - WIDTH[0]) * f, flow_color(f)
            arrows.append(_arrow(kind, tail, head, w, color, step, [what, f"‖gradient‖ = {value:.4g}"], **gaps))

        for t in ts:
            back("loss-y", (t, rows["loss"]), (t, rows["y"]), flow.into_output[t, b],
                 f"from ℓ{sub(t)} into y{sub(t)}: ∂L/∂z{sub(t)}", t, own_scale=True, tail_gap=SMALL / 2 + 2)
            back("y-h", (t, rows["y"]), (t, rows[f"h{L - 1}"]), flow.from_above[L - 1, t, b],
                 f"from y{sub(t)} into h{sub(t)}" + (f" (layer {L})" if L > 1 else ""), t)
            for l in range(L - 1, 0, -1):
                back("h-h", (t, rows[f"h{l}"]), (t, rows[f"h{l - 1}"]), flow.from_above[l - 1, t, b],
                     f"from layer {l + 1} into layer {l} at step {t}: ∂L/∂x{sub(t)} of layer {l + 1}", t)
            back("h-x", (t, rows["h0"]), (t, rows["x"]), flow.into_input[t, b],
                 f"from h{sub(t)} into x{sub(t)}: ∂L/∂x{sub(t)}", t)
        for l in range(L):
            for t in ts:
                if t == t0:
                    what = "into the initial state h₋₁" if t0 == 0 else f"into h{sub(t0 - 1)}"
                    back("recurrent", (t, rows[f"h{l}"]), (start_c, rows[f"h{l}"]), into_start[l],
                         f"from h{sub(t)} {what}" + layer_of(l), t, head_gap=SMALL / 2 + 2)
                else:
                    back("recurrent", (t, rows[f"h{l}"]), (t - 1, rows[f"h{l}"]), flow.from_next[l, t - 1, b],
                         f"from h{sub(t)} back into h{sub(t - 1)}" + layer_of(l) + ": (∂h_t/∂h_{t−1})ᵀ ∂L/∂h_t", t)
        bar = {"max": big, "scale": FLOW_SCALE, "title": "‖gradient‖ along an arrow"}
    else:
        for t in ts:
            arrows.append(_arrow("x-h", (t, rows["x"]), (t, rows["h0"]), 2.5, INPUT, t))
            for l in range(1, L):
                arrows.append(_arrow("h-h", (t, rows[f"h{l - 1}"]), (t, rows[f"h{l}"]), 2.5, HIDDEN, t))
            arrows.append(_arrow("h-y", (t, rows[f"h{L - 1}"]), (t, rows["y"]), 2.5, OUTPUT, t))
            arrows.append(_arrow("y-loss", (t, rows["y"]), (t, rows["loss"]), 1.5, MUTED, t, head_gap=SMALL / 2 + 2))
            for l in range(L):
                first = t == t0
                arrows.append(_arrow("recurrent", (start_c if first else t - 1, rows[f"h{l}"]), (t, rows[f"h{l}"]),
                                     2.5, HIDDEN, t, tail_gap=SMALL / 2 + 2 if first else NODE / 2 + 2))

    # ---- nodes: the start state, then each step's column from the bottom
    nodes = []
    start_name = "initial state h₋₁" if t0 == 0 else f"state h{sub(t0 - 1)} (earlier steps not drawn)"
    for l, layer in enumerate(layers):
        h = layer.hidden_prev[t0, b]
        hover = [start_name + (f", layer {l + 1}" if L > 1 else ""), f"‖h‖ = {np.linalg.norm(h):.4f}",
                 *vector_lines("h", h)]
        if backward:                       # all that reaches h_{t0−1}: from step t0 and, past step 0, from above
            total = flow.total[l, t0 - 1, b] if t0 > 0 else flow.into_initial[l, b]
            hover.append(f"‖∂L/∂h‖ = {total:.4g}")
        nodes.append({"layer": l, **_node("start", start_c, rows[f"h{l}"], t0, START, MUTED, hover, size=SMALL)})

    largest = _finite_max(flow.total[:, :length, b] if backward else
                          [k.hidden_norm[:length, b] for k in layers])                  # one scale for all layers
    x_fill = tint(INPUT, 0.82)
    y_fill = tint(OUTPUT, 0.82)
    for t in ts:
        x = layers[0].x[t, b]
        hover = [f"x{sub(t)} = “{token_text(tokens[t])}” (step {t})",
                 *vector_lines("x", x, 8, 0 if _one_hot(x) else 3)]
        if backward:
            hover.append(f"‖∂L/∂x‖ = {flow.into_input[t, b]:.4g}")
        nodes.append(_node("x", t, rows["x"], t, x_fill, INPUT, hover, name=f"x{sub(t)}", label=token_text(tokens[t]),
                           at="below", bold=True))
        for l, layer in enumerate(layers):
            hover = [f"h{sub(t)}" + (f", layer {l + 1}" if L > 1 else "") + f" (step {t})"]
            if backward:
                shown = flow.total[l, t, b]
                hover += [f"‖∂L/∂h{sub(t)}‖ = {shown:.4g}", *vector_lines("∂L/∂h", layer.d_hidden[t, b], 4, 5),
                          f"from above: {flow.from_above[l, t, b]:.4g}, "
                          f"from step {t + 1}: {flow.from_next[l, t, b]:.4g}"]
                if flow.cell is not None:
                    hover.append(f"‖∂L/∂c{sub(t)}‖ = {flow.cell[l, t, b]:.4g}")
                label = short(shown)
            else:
                shown = layer.hidden_norm[t, b]
                hover += [f"‖h{sub(t)}‖ = {shown:.4f}", *vector_lines("h", layer.hidden[t, b])]
                if layer.cell is not None:
                    hover += vector_lines("c", layer.cell[t, b])
                label = f"{shown:.2f}"
            fraction = _share(shown, largest)
            mark = "⁽" + SUPER[l + 1] + "⁾" if L > 1 and t < 10 else ""
            nodes.append({"layer": l, **_node("h", t, rows[f"h{l}"], t, tint(HIDDEN, fraction), HIDDEN, hover,
                                              name=f"h{sub(t)}{mark}", ink="#FFFFFF" if _dark(fraction) else TEXT,
                                              label=label, at="topright", color=HIDDEN)})
        hover = [f"y{sub(t)} (step {t})", *prediction_text(head.y[t, b], output_labels, short=False)]
        if head.target is not None and head.mask[t, b]:
            hover.append(f"target: {target_text(head.target[t, b], output_labels)}")
        if backward:
            hover.append(f"‖∂L/∂z{sub(t)}‖ = {flow.into_output[t, b]:.4g}")
        nodes.append(_node("y", t, rows["y"], t, y_fill, OUTPUT, hover, name=f"y{sub(t)}",
                           label=prediction_text(head.y[t, b], output_labels), color=OUTPUT))
        loss = float(head.step_loss[t, b])
        nodes.append(_node("loss", t, rows["loss"], t, tint(LOSS, 0.82), LOSS, [f"ℓ{sub(t)} = {loss:.6g} (step {t})"],
                           size=SMALL, shape="square", label=short(loss), color=LOSS))

    note = (["beside each h: ‖∂L/∂h_t‖, all that reaches it", "ℓ → y arrows: on a scale of their own"] if backward
            else ["beside each h: ‖h_t‖ (the fill grows with it); beside each y: the likeliest answer and its "
                  "probability"])
    more = None
    if t1 < length:
        more = {"text": f"step {t1} →" if t1 == length - 1 else f"steps {t1}…{length - 1} →"}
    return {"form": "unrolled", "view": view, "steps": list(ts), "rows": _row_labels(L, output_labels),
            "columns": [t0 - 1.15, t1 - 1 + 1.0], "rows_range": [-1.0, L + 2.6], "nodes": nodes,
            "arrows": arrows, "more": more, "note": note, "bar": bar,
            "height": 130 + 85 * (L + 3) + (40 if backward else 0)}


def _one_hot(x):
    return bool(np.all((x == 0) | (x == 1)) and np.sum(x) == 1)


def rolled_graph(rec, tokens, output_labels, b=0, view="forward"):
    """The network rolled up: one x, one h per layer with its loop, one y and ℓ, labelled with one step's numbers.

    Returns a dict like :func:`unrolled_graph`'s, with one column: each node's ``labels`` holds its label at
    every step of sequence b (the browser writes step t's), ``loops`` each layer's loop and its words, and
    ``heading`` the words above the chosen step's numbers. Hovers name the node; its vector is in the tables of
    the step.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    layers, head = rec.rnn.layers, rec.head
    L = len(layers)
    ts = range(int(rec.rnn.lengths[b]))
    rows = _rows(L)
    flow = gradient_flow(rec)
    backward = view == "backward"
    up = {"x": INPUT, "y": OUTPUT}

    arrows = []
    order = ["x"] + [f"h{l}" for l in range(L)] + ["y", "loss"]
    for lower, upper in pairwise(order):
        color = up.get(lower, up.get(upper, HIDDEN)) if upper != "loss" else MUTED
        gap = {k: (SMALL if k == "loss" else NODE) / 2 + 2 for k in (lower, upper)}
        tail, head_ = (upper, lower) if backward else (lower, upper)
        kind = "-".join("h" if k.startswith("h") else k for k in (tail, head_))
        arrows.append(_arrow(kind, (0, rows[tail]), (0, rows[head_]), 2.5, color, 0, tail_gap=gap[tail],
                             head_gap=gap[head_]))
    loops = [{"r": rows[f"h{l}"], "color": HIDDEN, "text": "∂L/∂h flows back to the previous step" if backward
              else "hₜ is fed back as hₜ₋₁ (through W_hh)"} for l in range(L)]

    # (kind, layer, colour, name inside, hover, its label at every step)
    rolled = [("x", None, INPUT, "x", "x: the input of the step shown, its token beside it",
               [token_text(tokens[t]) for t in ts])]
    for l, layer in enumerate(layers):
        name = "h" + (f" (layer {l + 1})" if L > 1 else "")
        if backward:
            labels = [f"‖∂L/∂h‖ {flow.total[l, t, b]:.3g}" for t in ts]
            words = f"{name}: ‖∂L/∂h_t‖ of the step shown beside it; every unit's ∂L/∂h_t in its table below"
        else:
            labels = [f"‖h‖ {layer.hidden_norm[t, b]:.2f}" for t in ts]
            words = f"{name}: ‖h_t‖ of the step shown beside it; every unit's h_t in its table below"
        rolled.append(("h", l, HIDDEN, "h" + ("⁽" + SUPER[l + 1] + "⁾" if L > 1 else ""), words, labels))
    rolled.append(("y", None, OUTPUT, "y", "y: the output of the step shown, its likeliest answer beside it",
                   [prediction_text(head.y[t, b], output_labels) for t in ts]))
    rolled.append(("loss", None, LOSS, "ℓ", "ℓ: the loss of the step shown, beside it",
                   [f"ℓ={head.step_loss[t, b]:.3f}" for t in ts]))
    nodes = []
    for kind, l, color, name, words, labels in rolled:
        row = rows[f"h{l}"] if kind == "h" else rows[kind]
        node = _node(kind, 0, row, 0, tint(color, 0.82), color, [words], size=SMALL if kind == "loss" else NODE,
                     shape="square" if kind == "loss" else "circle", name=name, label=labels[0], at="left",
                     color=TEXT if kind == "x" else color, bold=kind == "x")
        nodes.append({**node, "labels": labels, **({"layer": l} if kind == "h" else {})})
    return {"form": "rolled", "view": view, "steps": list(ts), "rows": _row_labels(L, output_labels),
            "columns": [-1.3, 1.6], "rows_range": [-1.0, L + 2.6], "nodes": nodes, "arrows": arrows, "loops": loops,
            "heading": "values at t = {t}", "more": None, "note": [], "bar": None, "height": 130 + 92 * (L + 3)}
