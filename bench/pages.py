"""How fast the app answers: server time of a page's first render, stepping through (``bench.stepping``: the
payload, a report's rerun, key and click to the new step in Chromium), a training tick's server time, and,
in a real browser, Kennedy's time to its outcome and the chart refresh rate.

Server times run each page script in-process with Streamlit's AppTest (what the server does on a
rerun, without the network). The browser parts drive Debian's Chromium against `streamlit run`.
"""

import contextlib
import functools
import os
import statistics
import sys
import time
from pathlib import Path

from bench.common import check, markdown_table

TITLE = "App speed: page renders, clicks, training ticks"
ROOT = Path(__file__).resolve().parents[1]
FIRST_RENDER_S = 1.5
TICK_S = 0.150
KENNEDY_S = 2.0
UPDATES_PER_S = 4.0
WINDOW_S = 6.0                 # how long the redraw rate is counted


@contextlib.contextmanager
def timed_fragments():
    """st.fragment wrapped so that each fragment run's own time lands in session state: what a click inside a
    fragment or a timer tick costs the server, without the rest of the page. AppTest runs the page in this
    process, so the page's decorators pick the wrapper up."""
    import streamlit as st
    original = st.fragment

    def timed_fragment(func=None, **options):
        def wrap(f):
            @functools.wraps(f)
            def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return f(*args, **kwargs)
                finally:
                    st.session_state.setdefault("_fragment_ms", []).append(
                        (f.__name__, (time.perf_counter() - start) * 1000))
            return original(timed, **options)
        return wrap(func) if func is not None else wrap

    st.fragment = timed_fragment
    try:
        yield
    finally:
        st.fragment = original


def _apptest(page, **state):
    """The page as a session runs it: app.py the entry (so its navigation's links resolve), then the page."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page not in ("home", "app"):
        at.switch_page(f"pages/{page}.py")
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


def _fragment_ms(at, name):
    return [ms for n, ms in at.session_state["_fragment_ms"] if n == name]


def training_ticks(quick):
    """A tick of the live-training page: the fast fragment (train a slice, progress, curves; 4 per second) and
    the details fragment (gradients, trajectory, weights; every 1.5 s), server time of each."""
    rows, status = [], 0
    for example, compare in (("kennedy", False), ("memory", False), ("sentiment", False), ("kennedy", True)):
        with timed_fragments():
            tick, detail = _ticks(example, compare, quick)
        ok = statistics.median(tick) <= TICK_S * 1000
        status |= not ok
        rows.append([example + (" (RNN, LSTM, GRU)" if compare else ""), f"{statistics.median(tick):.0f}",
                     f"{max(tick):.0f}", f"{statistics.median(detail):.0f}", check(ok)])
    print(markdown_table(["training", "tick median ms", "slowest ms", "details ms (every 1.5 s)",
                          f"tick ≤ {TICK_S * 1000:.0f} ms"], rows, align="lrrrc"))
    return status


def _ticks(example, compare, quick):
    """(tick ms, details ms) of the live-training page's two fragments after Start."""
    at = _apptest("training", tr_example=example, tr_steps=20000, tr_compare=compare)
    _timed_run(at)
    next(b for b in at.button if b.label == "Start").click()
    _timed_run(at)
    at.session_state["_fragment_ms"] = []
    for _ in range(4 if quick else 10):
        _timed_run(at)
    return _fragment_ms(at, "live"), _fragment_ms(at, "details")


def browser_checks(quick):
    """In the browser: Kennedy's wall time to its outcome after Start, and how often the charts change while
    training (stepping through is timed by bench.stepping)."""
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
            page.goto(f"{url}/training")
            settle(page)
            button = page.get_by_role("button", name="Start")
            button.wait_for()
            start = time.perf_counter()
            button.click()
            page.get_by_text("learned (").first.wait_for(timeout=30_000)
            seconds = time.perf_counter() - start
            rows.append(["Kennedy: Start → 'learned' on screen", f"{seconds:.2f} s", f"≤ {KENNEDY_S} s",
                         check(seconds <= KENNEDY_S)])
            status |= seconds > KENNEDY_S
        page.goto(f"{url}/training?tr_example=memory&tr_steps=5000")
        settle(page)
        page.get_by_role("button", name="Start").click()
        page.get_by_text("update 1").first.wait_for(timeout=30_000)
        page.wait_for_timeout(2000)                               # past the first, heavier redraws
        # count, inside the page, the progress bar's text changes (a MutationObserver) and the loss chart's
        # redraws (Plotly's plotly_afterplot event), so that the measurement does not depend on how quickly
        # the test can poll a busy browser
        page.evaluate("""() => {
            window.__changes = []; window.__plots = [];
            const hook = () => {
                const chart = document.querySelector('.st-key-curves .js-plotly-plot');
                if (chart && chart.on && !chart.__counted) {
                    chart.__counted = true;
                    let drawn = '';          // Plotly may draw twice for one new figure: count new data only
                    chart.on('plotly_afterplot', () => {
                        const x = chart.data[0].x, now = x.length + ':' + x[x.length - 1];
                        if (now !== drawn) { drawn = now; window.__plots.push(performance.now()); }
                    });
                }
            };
            let last = '';
            new MutationObserver(() => {
                hook();
                const bar = document.querySelector('[data-testid="stProgress"]');
                const text = bar ? bar.innerText : '';
                if (text !== last) { last = text; window.__changes.push(performance.now()); }
            }).observe(document.querySelector('[data-testid="stMain"]'),
                       {subtree: true, childList: true, characterData: true});
            hook();
        }""")
        page.wait_for_timeout(WINDOW_S * 1000)
        for label, name in (("progress bar", "__changes"), ("loss chart", "__plots")):
            rate = len(page.evaluate(f"() => window.{name}")) / WINDOW_S
            rows.append([f"Memory task: {label} redrawn while training", f"{rate:.1f} per s",
                         f"≥ {UPDATES_PER_S:g} per s", check(rate >= UPDATES_PER_S)])
            status |= rate < UPDATES_PER_S
        browser.close()
    print(markdown_table(["in Chromium, against streamlit run", "measured", "target", "met"], rows, align="lrrc"))
    return status


def run(quick=False):
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    status = 0
    from bench import stepping
    for part in (first_renders, stepping.payload_sizes, stepping.view_payload_sizes, stepping.report_reruns,
                 stepping.browser_steps, stepping.view_steps, training_ticks, browser_checks):
        print(f"### {part.__doc__.splitlines()[0]}\n", flush=True)
        status |= part(quick)
        print(flush=True)
    return status
