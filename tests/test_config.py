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
