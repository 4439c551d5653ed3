"""CSV downloads in a real browser: the file is written when the button is pressed (ui.controls.download_csv),
and it holds the engine's numbers."""

import csv

import pytest
from browser import browser, fresh_server, settle  # noqa: F401

from apptest import engine_run
from rnn_core import gradient_study as gs


@pytest.fixture(scope="module")
def server():
    with fresh_server() as url:
        yield url


def download(page, label, nth=0):
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).nth(nth).click()
    with open(info.value.path(), encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_unrolled_pages_csvs_hold_the_engines_record(browser, server):  # noqa: F811
    _, rec = engine_run("jazz", cell="lstm")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(60_000)
    page.goto(f"{server}/unrolled?example=jazz&cell=lstm")
    settle(page)
    rows = download(page, "Download the figure's numbers (CSV)")
    norms = {int(r["step"]): float(r["value"]) for r in rows if r["quantity"] == "norm h_t" and r["layer"] == "1"}
    assert norms == {t: float(rec.rnn.layers[0].hidden_norm[t, 0]) for t in range(4)}
    record = download(page, "Download everything recorded (CSV)")
    h = {(int(r["step"]), int(r["unit"])): float(r["value"]) for r in record
         if r["quantity"] == "hidden" and r["layer"] == "0" and r["sequence"] == "0"}
    assert h == {(t, u): float(rec.rnn.layers[0].hidden[t, 0, u]) for t in range(4) for u in range(8)}
    page.close()


def test_the_gradients_pages_jacobian_csv_is_the_engines_map(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(60_000)
    page.goto(f"{server}/gradients?v_len=10")
    # the clipping runs train in the worker meanwhile, and their end reruns the page: download after it
    page.get_by_text("Both runs took").wait_for(timeout=120_000)
    settle(page)
    rows = download(page, "Download the numbers (CSV)", nth=2)   # the third table: norms, eigenvalues, Jacobians
    expected = gs.jacobian_map(gs.gradient_by_distance("rnn", 10, 0.8, "tanh", 8, 0, gate_bias=3.0)).norms
    got = {(int(r["to_step_t"]), int(r["from_step_s"])): float(r["jacobian_norm"]) for r in rows}
    assert len(got) == 55
    assert all(got[t, s] == pytest.approx(expected[t, s], rel=1e-12) for t, s in got)
    page.close()
