"""The server settings that `make run` and the tests start Streamlit with (.streamlit/config.toml)."""

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())


def test_no_full_garbage_collection_after_every_run():
    """Streamlit's default collects all garbage after each run, timer ticks included: ~100 ms of server time
    per tick, which halved the live-training page's redraw rate."""
    assert CONFIG["runner"]["postScriptGC"] is False


def test_uploads_are_capped_and_the_server_runs_headless():
    assert CONFIG["server"]["maxUploadSize"] <= 5 and CONFIG["server"]["headless"] is True


def test_the_projects_plotly_js_is_served_and_is_the_version_the_figures_are_written_for():
    """The unrolled graph and gates pages draw with static/'s plotly.js (ui.plot): Streamlit must serve that
    folder, and the file must be the plotly.js release the Python plotly library writes its JSON for (an upgrade
    of one without the other would draw some figures wrong or not at all)."""
    import plotly.offline

    from ui.plot import LIBRARY, SRC, STATIC
    assert CONFIG["server"]["enableStaticServing"] is True
    assert SRC == f"app/static/{LIBRARY}" and STATIC.is_file() and STATIC.parent.name == "static"
    head = STATIC.read_text(encoding="utf-8")[:200]
    version = plotly.offline.get_plotlyjs_version()
    assert f"plotly.js (cartesian - minified) v{version}" in head
    assert f"-{version}.min.js" in LIBRARY


def test_charts_are_sent_without_streamlits_placeholder_template():
    """Streamlit makes its template Plotly's default; its colours are placeholders (#000001…) that only its own
    chart element replaces. A chart drawn by the project's plotly.js must not carry them, or every colour the
    figure leaves to the template would be near-black."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio
    import streamlit  # noqa: F401  (registers the template)

    from ui.plot import figure_json
    assert pio.templates.default == "streamlit"
    fig = go.Figure(go.Scatter(x=[0, 1], y=[2, 3]))
    sent = figure_json(fig)["figure"]
    assert "template" not in json.loads(sent)["layout"] and "#000001" not in sent
    assert json.loads(sent)["data"][0]["y"] == [2, 3]
