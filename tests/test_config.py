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
