"""The step of the unrolled graph and gates pages, chosen and drawn in the browser.

Both pages draw their charts of the whole run once per setting: the charts the page draws itself (the unrolled
graph, the gates heatmaps: ``ui.drawn``) mark a step when asked, and a Plotly chart (the per-step shares, the
gates' saturation) holds every step's highlight, hidden (shapes and annotations named ``step k``). The step
view is sent every step's recorded numbers once (``viz.step_views``), and its bar (◀, the slider, ▶, the keys
← → Home End, a click on a node or a column of a chart) shows another step's mark and numbers without a
request to the server
(``ui/components/step_view.js``, drawing with ``step_panels.js``). The step goes into the link at once and
reaches the server once the stepping pauses, through the step-through page's own link, report and keys
(``stepping.js``, ``ui.stepper.take_view``).
"""

import streamlit as st

from viz import colors

from .stepper import FOLDER, take_view

# registered once per process: the code is constant, each session mounts its own instances
_COMPONENT = st.components.v2.component(
    "unrolled_step_view", html="", css="\n".join((FOLDER / f).read_text() for f in ("controls.css", "step_view.css")),
    js="\n".join((FOLDER / f).read_text() for f in ("draw.js", "stepping.js", "step_panels.js", "step_view.js")))

COLORS = {"hidden": colors.HIDDEN, "positive": colors.POSITIVE, "negative": colors.NEGATIVE}


def step_view(key, param, tokens, t, parts, charts=(), window=None, label="Step t", **numbers):
    """Mount the ``parts`` of the step view of setting ``param`` (its step, 0-based) under component ``key``.

    Parameters
    ----------
    tokens : list of str              the sequence's inputs, one per step, as typed
    t : int                           the step the page opens on
    parts : tuple of str              "bar" (the controls; the mount that owns the step and reports it),
                                      "numbers" (unrolled: ``numbers=viz.step_views.unrolled_steps(...)`` plus
                                      ``outcome``), "bars" (gates: ``bars=viz.step_views.gate_steps(...)``)
    charts : keys of the page's charts that follow the step (and whose clicks pick a step)
    window : (start, stop) or None    the steps the graph draws; a step outside it asks the server at once
    """
    T = len(tokens)
    data = dict(param=param, tokens=[str(x) for x in tokens], T=T, t=max(0, min(T - 1, int(t))), parts=list(parts),
                charts=list(charts), window=list(window) if window is not None else None, label=label,
                colors=COLORS, **numbers)
    if "bar" not in parts:
        return _COMPONENT(key=key, data=data)

    def report():
        take_view(key, (("t", param, int),))
    return _COMPONENT(key=key, data=data, on_view_change=report)
