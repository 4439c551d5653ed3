"""Every Plotly chart of the app, drawn by the project's own copy of plotly.js.

``st.plotly_chart`` loads Streamlit's chart chunk: the whole of plotly.js and more, 4.7 MB of JavaScript to
fetch and compile before the first chart, which put the unrolled graph and gates pages' first load at
2.6–3.0 s on a quiet machine against 1.4 s for the step-through page (``python -m bench first_load``). The
cartesian bundle of plotly.js (scatter, bar, heatmap and the like: every trace ``viz`` draws; 1.5 MB,
``static/``, served by Streamlit's static file serving and cached by the browser) draws the same figures.
Each figure goes to the browser as its JSON (built once per setting for the whole server where the page uses
:func:`shared_plot`) and is drawn in the page (``ui/components/plot.js``), where the step views find it.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import streamlit as st
from plotly.io.json import to_json_plotly

from .stepper import FOLDER

LIBRARY = "plotly-cartesian-4.1.1.min.js"
SRC = f"app/static/{LIBRARY}"            # relative to the page's base: works under a proxy's path prefix too
STATIC = Path(__file__).resolve().parents[1] / "static" / LIBRARY

# registered once per process; not style-isolated: Plotly's own stylesheet (hover boxes, the mode bar) is put
# in the page's head, which a shadow root would keep out
_COMPONENT = st.components.v2.component("unrolled_plot", html="", js=(FOLDER / "plot.js").read_text(),
                                        isolate_styles=False)


def figure_json(fig):
    """A figure (``go.Figure`` or plain dicts) as the JSON text Plotly.js reads, with its signature:
    ``{"figure", "sig", "height"}``.

    Encoded straight from the figure's own validated dicts: ``plotly.io.to_json`` first deep-copies the whole
    figure (``to_dict``) and packs arrays as base64, four times the time on the unrolled graph. Arrays are
    written as plain numbers (shortest round-trip decimals: the engine's float64 exactly). Sent as text, the
    component's data is not decoded and encoded again on the server. No template (see below).
    """
    if isinstance(fig, dict):                                # viz.colors.plain_figure: never validated
        text, layout = plain_json(fig), fig["layout"]
    else:
        # Streamlit makes its own template Plotly's default; its colours are placeholders that only its chart
        # element replaces, and plot.js sets the page's look itself: 3.4 kB of every figure, left out
        data, layout = fig._data, {k: v for k, v in fig._layout.items() if k != "template"}
        text = to_json_plotly({"data": data, "layout": layout})
    return {"figure": text, "sig": hashlib.sha1(text.encode()).hexdigest()[:16],
            "height": int(layout.get("height") or 450)}


def plain_json(fig):
    """``viz.colors.plain_figure``'s dicts as the very text ``to_json_plotly`` writes for them, in a third of its
    time where arrays hold NaN (the Jacobian heatmaps' upper triangle: 9.5 → 4.1 ms).

    Plotly's encoder writes NaN and ±inf as ``null`` by parsing its whole output again and writing it once more
    whenever "NaN" or "Infinity" appears in it; here the arrays are lists with those values already ``None``.
    ``<``, ``>`` and ``/`` are escaped as Plotly escapes them, for a JSON text inside HTML.
    """
    text = json.dumps(_json_ready(fig), separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:                  # a scalar outside the arrays (never drawn so far)
        return to_json_plotly(fig)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("/", "\\u002f")


def _json_ready(value):
    """Dicts, lists and NumPy arrays or numbers as plain Python values; non-finite floats in arrays as None."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            value = np.where(np.isfinite(value), value, None)   # an object array: tolist gives None there
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@st.cache_resource(max_entries=512, show_spinner=False)
def _shared_json(name, key, _build):
    return figure_json(_build())


def shared_plot(name, key, build):
    """``build()``'s figure as JSON, made once per ``(name, key)`` in this process and shared by every session.

    ``key`` holds every setting the figure depends on; what is returned is shared and never changed.
    """
    return _shared_json(name, key, build)


def plot(figure, key, config=None, where=None):
    """Draw a figure (a ``go.Figure``, ``viz.colors.plain_figure``'s dicts or :func:`shared_plot`'s JSON) under
    element key ``key``, in ``where`` (a column or container; default: where the page is writing)."""
    payload = figure if isinstance(figure, dict) and "sig" in figure else figure_json(figure)
    data = {**payload, "src": SRC, "config": dict(config or {})}
    if where is None:
        return _COMPONENT(key=key, data=data)
    with where:
        return _COMPONENT(key=key, data=data)
