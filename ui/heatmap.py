"""The gates page's heatmaps, drawn by the page itself (``ui/components/heatmap.js``): an SVG and a canvas, no
chart library, so the page's first load does not wait for plotly.js (``viz.gates.gate_heatmap`` says why).

Each heatmap's data is built once per setting for the whole server and sent as its JSON text (Streamlit's
component data is then neither decoded nor encoded again per session). The step view (``ui.step_view``) finds
a heatmap by its key, outlines the chosen step's column in it and takes a click on a column as a step.
"""

import hashlib
import json

import streamlit as st

from .stepper import FOLDER

# registered once per process; in the page, not a shadow root, so that the step view finds the heatmaps
_COMPONENT = st.components.v2.component("unrolled_heatmap", html="", css=(FOLDER / "heatmap.css").read_text(),
                                        js=(FOLDER / "heatmap.js").read_text(), isolate_styles=False)


def heatmap_json(spec):
    """``viz.gates.gate_heatmap``'s dict as the component's data: ``{"spec": JSON text, "sig", "height"}``.

    Floats are written as Python writes them (the shortest text that reads back as the same float64)."""
    text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    return {"spec": text, "sig": hashlib.sha1(text.encode()).hexdigest()[:16], "height": int(spec["height"])}


@st.cache_resource(max_entries=512, show_spinner=False)
def _shared(key, _build):
    return heatmap_json(_build())


def shared_heatmap(key, build):
    """``build()``'s heatmap as component data, made once per ``key`` (every setting it depends on) in this
    process and shared by every session: read-only."""
    return _shared(key, build)


def heatmap(data, key):
    """Draw :func:`shared_heatmap`'s data under element key ``key``."""
    return _COMPONENT(key=key, data=data)
