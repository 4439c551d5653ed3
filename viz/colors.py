"""The course diagrams' colours, used on every page: inputs orange, hidden purple, outputs green;
weights and gradients blue where positive and red where negative."""

import plotly.graph_objects as go

INPUT = "#F28E2B"
HIDDEN = "#8E6BBF"
OUTPUT = "#59A14F"
POSITIVE = "#2B6CB0"
NEGATIVE = "#C53030"
MUTED = "#A0AEC0"
TEXT = "#1A202C"

#: one colour per cell type wherever RNN, LSTM and GRU are compared on one chart
CELL_COLORS = {"rnn": HIDDEN, "lstm": POSITIVE, "gru": "#B7791F"}

#: a diverging scale for signed values: red (negative), white (zero), blue (positive)
DIVERGING = [[0.0, NEGATIVE], [0.5, "#FFFFFF"], [1.0, POSITIVE]]
#: a sequential scale for values in [0, 1] (gates, probabilities, attention)
SEQUENTIAL = [[0.0, "#FFFFFF"], [1.0, HIDDEN]]

FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=15, color=TEXT)


def rgba(hex_color, alpha):
    """``#RRGGBB`` with an alpha channel, as Plotly's ``rgba(r, g, b, a)``."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {max(0.0, min(1.0, alpha)):.3f})"


def sign_color(value):
    return POSITIVE if value >= 0 else NEGATIVE


def figure(traces=(), height=None, title=None, **layout):
    """A ``go.Figure`` built in one call from dict traces and a layout, with the shared look of :func:`base_layout`.

    Plotly validates a figure once when it is built whole; every ``add_traces`` or ``update_layout`` afterwards
    validates again through its property paths. For a chart redrawn several times a second that is ~40 ms
    against ~6 ms.
    """
    return go.Figure(data=list(traces), layout=_look(height, title, layout))


def plain_figure(traces=(), height=None, title=None, **layout):
    """The figure :func:`figure` builds, as plain dicts ``{"data", "layout"}`` that Plotly never validates.

    For charts drawn often: the live loss curves (every trainer, 2.5 times a second) and the figures of a new
    setting on the pages a class moves through, where Plotly's validation of a few hundred points costs more
    than the numbers it draws. Written as validation would leave them (:func:`_as_plotly_js`); a test holds
    each such figure's JSON equal to the validated one's.
    """
    look = _as_plotly_js(_look(height, title, layout))
    look = {k: v for k, v in look.items() if v != []}     # validation leaves out an empty list of annotations
    return {"data": [_as_plotly_js(t) for t in traces], "layout": look}


def _as_plotly_js(value):
    """``value`` with Plotly's magic underscores written out (``title_text=…`` → ``title: {text: …}``; the
    names of :data:`UNDERSCORED` are Plotly's own), a title given as text
    written as ``{text: …}``, and unset (None) values left out, in every dict it holds, as Plotly.js reads them."""
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            v = _as_plotly_js(v)
            if v is None:
                continue
            parts = _path(key)
            node = out
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            leaf = parts[-1]
            if leaf == "title" and isinstance(v, str):
                v = {"text": v}                           # Plotly.js (3 and later) reads only {text}
            node[leaf] = _merged(node[leaf], v) if isinstance(v, dict) and isinstance(node.get(leaf), dict) else v
        return out
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
        return [_as_plotly_js(v) for v in value]
    return value


#: every Plotly property whose own name holds an underscore (the rest is a magic-underscore path)
UNDERSCORED = {"copy_ystyle", "copy_zstyle", "error_x", "error_y", "error_z", "paper_bgcolor", "plot_bgcolor"}


def _path(key):
    """``"title_font_size"`` → ``["title", "font", "size"]``; ``"plot_bgcolor"`` stays one name."""
    words, parts = key.split("_"), []
    while words:
        if len(words) > 1 and f"{words[0]}_{words[1]}" in UNDERSCORED:
            parts.append(f"{words[0]}_{words[1]}")
            words = words[2:]
        else:
            parts.append(words.pop(0))
    return parts


def _merged(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _look(height, title, layout):
    """The shared layout (large type for projectors, small margins) with ``layout`` on top of it."""
    margin = dict(l=10, r=10, t=50 if title else 20, b=10)
    margin.update(layout.pop("margin", {}))
    hoverlabel = dict(font=dict(size=15))
    hoverlabel.update(layout.pop("hoverlabel", {}))
    return dict(font=FONT, margin=margin, title=title, height=height, hoverlabel=hoverlabel, **layout)


def fixed_frame(layout, margin):
    """Pin a layout's margins: no axis or legend may push them (``automargin``/``autoexpand`` off).

    Plotly otherwise measures every tick label after each redraw and, when a margin moves, draws the whole
    chart again; on a live chart that doubled the browser's work. Tick labels may also overflow (no check
    of each label against the chart's edge, which Streamlit's theme turns on). ``margin``: dict(l, r, t, b)
    in pixels, wide enough for the labels. Returns ``layout`` (a dict for :func:`figure`), changed in place.
    """
    layout["margin"] = dict(margin, autoexpand=False)
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            axis.update(automargin=False, ticklabeloverflow="allow")
    return layout


def base_layout(fig, height=None, title=None, **layout):
    """Shared look: large readable type for projectors, small margins.

    No Plotly template: the page's look is set where the chart is drawn (``ui/components/plot.js``), and
    resolving a named template costs ~30 ms per figure, a sixth of a click's budget.
    """
    fig.update_layout(**_look(height, title, layout))
    return fig


def panels(widths, gap=0.05, titles=None, title_size=15, xaxis=None, yaxis=None):
    """The layout of side-by-side panels on axes x1..xn / y1..yn, as ``make_subplots(rows=1, cols=n)`` lays
    them out, as a dict for one ``update_layout`` (make_subplots costs ~30 ms). ``widths`` are relative;
    traces go on ``xaxis="x2", yaxis="y2"`` and so on; ``xaxis``/``yaxis`` are applied to every panel."""
    n = len(widths)
    room = 1.0 - gap * (n - 1)
    total = float(sum(widths))
    domains, left = [], 0.0
    for w in widths:
        right = left + room * w / total
        domains.append((left, min(1.0, right)))
        left = right + gap
    layout = {}
    for i, (x0, x1) in enumerate(domains, start=1):
        suffix = "" if i == 1 else str(i)
        layout[f"xaxis{suffix}"] = dict(domain=[x0, x1], anchor=f"y{suffix}", **(xaxis or {}))
        layout[f"yaxis{suffix}"] = dict(anchor=f"x{suffix}", **(yaxis or {}))
    annotations = [dict(text=t, x=(x0 + x1) / 2, y=1.0, xref="paper", yref="paper", xanchor="center",
                        yanchor="bottom", showarrow=False, font=dict(size=title_size))
                   for t, (x0, x1) in zip(titles or [], domains, strict=False)]
    layout["annotations"] = annotations
    return layout
