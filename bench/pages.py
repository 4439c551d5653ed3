"""How fast the app answers: server time of a page's first render and of a click on Next, a training
tick's server time, and, in a real browser, Kennedy's time to its outcome and the chart refresh rate.

Server times run each page script in-process with Streamlit's AppTest (what the server does on a
rerun, without the network); a click on Next is timed as a full-page rerun, an upper bound for the
fragment rerun the browser triggers. The browser part drives Debian's Chromium against `streamlit run`.
"""

import os
import statistics
import sys
import time
from pathlib import Path

from bench.common import check, markdown_table

TITLE = "App speed: page renders, clicks, training ticks"
ROOT = Path(__file__).resolve().parents[1]
FIRST_RENDER_S = 1.5
NEXT_CLICK_S = 0.200
TICK_S = 0.150
KENNEDY_S = 2.0
UPDATES_PER_S = 4.0


def _apptest(page, **state):
    from streamlit.testing.v1 import AppTest
    # the home page links to the others, which needs app.py's navigation: it runs as the app's default page
    script = ROOT / "app.py" if page == "home" else ROOT / "app_pages" / f"{page}.py"
    at = AppTest.from_file(str(script), default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def _timed_run(at):
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def first_renders(quick):
    """Each page opened by a new session: with the caches cold (first visitor) and warm (the next ones)."""
    import streamlit as st

    from ui.nav import PAGES
    settings = [("step_through", {}), ("step_through", {"weights": "trained", "cell": "lstm"}),
                ("step_through", {"example": "kennedy", "weights": "trained"})]
    settings += [(Path(p.file).stem, {}) for p in PAGES if Path(p.file).stem != "step_through"]
    rows, status = [], 0
    for page, state in settings:
        st.cache_data.clear()
        cold = _timed_run(_apptest(page, **state))
        warm = statistics.median(_timed_run(_apptest(page, **state)) for _ in range(2 if quick else 3))
        ok = warm <= FIRST_RENDER_S and cold <= FIRST_RENDER_S
        status |= not ok
        label = page + (" " + ", ".join(f"{k}={v}" for k, v in state.items()) if state else "")
        rows.append([label, f"{cold * 1000:,.0f}", f"{warm * 1000:,.0f}", check(ok)])
    print(markdown_table(["page (settings)", "first visitor, ms", "later visitors, ms", f"≤ {FIRST_RENDER_S} s"],
                         rows, align="lrrc"))
    return status


def next_clicks(quick):
    """A click on Next on the step-through page, for each cell type (JAZZ, trained weights)."""
    rows, status = [], 0
    for cell in ("rnn", "lstm", "gru"):
        for example in ("jazz", "kennedy"):
            at = _apptest("step_through", cell=cell, example=example, weights="trained")
            _timed_run(at)
            times = []
            for _ in range(3 if quick else 7):
                nxt = next(b for b in at.button if b.label == "Next")
                if nxt.disabled:
                    at.session_state.t = 0
                    _timed_run(at)
                    nxt = next(b for b in at.button if b.label == "Next")
                nxt.click()
                times.append(_timed_run(at))
            median = statistics.median(times)
            ok = median <= NEXT_CLICK_S
            status |= not ok
            rows.append([example, cell.upper(), f"{median * 1000:.0f}", f"{max(times) * 1000:.0f}", check(ok)])
    print(markdown_table(["example", "cell", "median ms", "slowest ms", f"≤ {NEXT_CLICK_S * 1000:.0f} ms"], rows,
                         align="llrrc"))
    return status


def training_ticks(quick):
    """One tick of the live-training page: a full-page rerun while training runs (the fragment does less)."""
    rows, status = [], 0
    for example, compare in (("kennedy", False), ("memory", False), ("kennedy", True)):
        at = _apptest("training", tr_example=example, tr_steps=5000, tr_compare=compare)
        _timed_run(at)
        next(b for b in at.button if b.label == "Start").click()
        _timed_run(at)
        times = [_timed_run(at) for _ in range(4 if quick else 10)]
        median = statistics.median(times)
        ok = median <= TICK_S
        status |= not ok
        rows.append([example + (" (RNN, LSTM, GRU)" if compare else ""), f"{median * 1000:.0f}",
                     f"{max(times) * 1000:.0f}", check(ok)])
    print(markdown_table(["training", "median ms per tick", "slowest ms", f"≤ {TICK_S * 1000:.0f} ms"], rows,
                         align="lrrc"))
    return status


def browser_checks(quick):
    """Kennedy's wall time to its outcome after Start, and how often the charts change while training."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from browser import CHROMIUM, fresh_server, settle
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        print(f"(browser part skipped: {err})")
        return 0
    if not Path(CHROMIUM).exists():
        print(f"(browser part skipped: no Chromium at {CHROMIUM})")
        return 0
    rows, status = [], 0
    with fresh_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for _ in range(1 if quick else 3):
            page.goto(f"{url}/live-training")
            settle(page)
            start = time.perf_counter()
            page.get_by_role("button", name="Start").click()
            page.get_by_text("learned (").first.wait_for(timeout=30_000)
            seconds = time.perf_counter() - start
            rows.append(["Kennedy: Start → 'learned' on screen", f"{seconds:.2f} s", f"≤ {KENNEDY_S} s",
                         check(seconds <= KENNEDY_S)])
            status |= seconds > KENNEDY_S
        page.goto(f"{url}/live-training?tr_example=memory&tr_steps=5000")
        settle(page)
        page.get_by_role("button", name="Start").click()
        page.get_by_text("update 1").first.wait_for(timeout=30_000)
        seen, start = [], time.perf_counter()
        while time.perf_counter() - start < 4.0:
            text = page.locator('[data-testid="stProgress"]').first.inner_text()
            if not seen or seen[-1] != text:
                seen.append(text)
            page.wait_for_timeout(30)
        rate = (len(seen) - 1) / 4.0
        rows.append(["Memory task: progress and charts redrawn", f"{rate:.1f} per s", f"≥ {UPDATES_PER_S:g} per s",
                     check(rate >= UPDATES_PER_S)])
        status |= rate < UPDATES_PER_S
        browser.close()
    print(markdown_table(["in Chromium, against streamlit run", "measured", "target", "met"], rows, align="lrrc"))
    return status


def run(quick=False):
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    status = 0
    for part in (first_renders, next_clicks, training_ticks, browser_checks):
        print(f"### {part.__doc__.splitlines()[0]}\n", flush=True)
        status |= part(quick)
        print(flush=True)
    return status
