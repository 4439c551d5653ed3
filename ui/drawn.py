"""Charts the page draws itself, as SVG (and a canvas), with no chart library: the gates page's heatmaps
(``ui/components/heatmap.js``) and the unrolled graph page's network (``graph.js``). A page that draws only
these does not wait for plotly.js on its first load (``viz.gates.gate_heatmap`` and ``viz.unrolled`` say why).

Each chart's data is built once per setting for the whole server and sent as its JSON text (Streamlit's
component data is then neither decoded nor encoded again per session). The step view (``ui.step_view``) finds
a chart by its key, marks the chosen step in it (``markStep``) and takes a click on a step's column as a step.
"""

import hashlib
import json

import streamlit as st

from .stepper import FOLDER


def _component(name, files):
    # in the page, not a shadow root, so that the step view finds the charts
    def text(*names):
        return "\n".join((FOLDER / f).read_text() for f in names)
    return st.components.v2.component(name, html="", css=text("drawn.css", f"{files}.css"),
                                      js=text("svg.js", f"{files}.js"), isolate_styles=False)


# registered once per process: the code is constant, each session mounts its own instances
_HEATMAP = _component("unrolled_heatmap", "heatmap")
_GRAPH = _component("unrolled_graph", "graph")


def chart_json(spec):
    """A chart's dict (``viz.gates.gate_heatmap``, ``viz.unrolled.unrolled_graph``) as the component's data:
    ``{"spec": JSON text, "sig", "height"}``.

    Floats are written as Python writes them (the shortest text that reads back as the same float64)."""
    text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    return {"spec": text, "sig": hashlib.sha1(text.encode()).hexdigest()[:16], "height": int(spec["height"])}


@st.cache_resource(max_entries=512, show_spinner=False)
def _shared(key, _build):
    return chart_json(_build())


def shared_chart(key, build):
    """``build()``'s chart as component data, made once per ``key`` (a name and every setting it depends on)
    in this process and shared by every session: read-only."""
    return _shared(key, build)


def heatmap(data, key):
    """Draw a heatmap (:func:`shared_chart` of ``viz.gates.gate_heatmap``) under element key ``key``."""
    return _HEATMAP(key=key, data=data)


def graph(data, key):
    """Draw the unrolled or rolled network (:func:`shared_chart` of ``viz.unrolled``) under element key ``key``."""
    return _GRAPH(key=key, data=data)
