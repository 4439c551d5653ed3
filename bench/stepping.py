"""Stepping in the browser: how big the run sent once per setting is, what a report of the step costs the
server, and in Chromium how soon a key press or a click draws the new step, the first load, and Play's pace;
the same for the step of the unrolled graph and gates pages (``ui.step_view``).

Part of ``python -m bench pages``; ``python -m bench stepping`` runs it alone. A step is timed inside the page,
from the key press or the pointer going down for a click (a capturing listener on the window) to the first
moment after the frame that shows it (the stepper and the step views mark the drawn step on their root; a
requestAnimationFrame after that change, then a message-channel task, runs once the frame is painted; the
step views move the charts' highlight in the same task as their own numbers).
"""

import statistics
import time

from bench.common import check, markdown_table

TITLE = "Stepping in the browser: payloads, reports, key and click to the new step, first loads"
STEP_MS, STEP_MAX_MS = 50, 100
FIRST_LOAD_S = 1.5
EXAMPLES = ("jazz", "kennedy")
CELLS = ("rnn", "lstm", "gru")

ROOT_JS = """document.querySelector('[data-testid="stBidiComponentIsolated"]')?.shadowRoot?.querySelector('.stepper')"""

# the root of the step view that draws a page's step (its numbers, or its bars): where its drawn step is marked
VIEW_ROOTS = {page: f"""document.querySelector('.st-key-{key} [data-testid="stBidiComponentIsolated"]')"""
              """?.shadowRoot?.querySelector('.stepview')""" for page, key in (("unrolled", "u_step_numbers"),
                                                                               ("gates", "g_step_view"))}

# step timings collected in the page: window.__steps (ms from event to painted), window.__drawnAt (times)
WATCH = """() => {
    const root = ROOT;
    window.__steps = []; window.__drawnAt = []; window.__event = null;
    const mark = () => { window.__event = performance.now(); };
    window.addEventListener('keydown', mark, true);      // on window: before the stepper's own listeners
    window.addEventListener('pointerdown', mark, true);
    new MutationObserver(() => {
        const started = window.__event;
        requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => {
                const now = performance.now();
                window.__drawnAt.push(now);
                if (started !== null) window.__steps.push(now - started);
            };
            ch.port2.postMessage(0);
        });
        window.__event = null;
    }).observe(root.getRootNode(), {subtree: true, attributes: true, attributeFilter: ['data-drawn']});
}"""                 # observed on the shadow root: it outlives a redraw of the stepper after a report


def _apptest(page="step_through", **state):
    from streamlit.testing.v1 import AppTest

    from bench.pages import ROOT
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(f"pages/{page}.py")
    for k, v in state.items():
        at.session_state[k] = v
    return at


def payload_sizes(quick):
    """The run the page sends once per setting: bytes of its JSON, as it leaves the server."""
    settings = [(ex, {"example": ex, "cell": c}) for ex in ("jazz", "kennedy", "home", "namaskar") for c in CELLS]
    settings += [("own text “Unrolled”", {"example": "own", "text": "Unrolled", "cell": c}) for c in CELLS]
    settings.append(("own text, 40 letters, LSTM, 32 units (capped)",
                     {"example": "own", "text": "quick brown fox jumps over the lazy dogs", "cell": "lstm",
                      "hidden": 32}))
    rows = {}
    for label, state in settings:
        at = _apptest(**state).run()
        proto = at.get("bidi_component")[0].proto
        rows.setdefault(label, {})[state["cell"]] = f"{len(proto.json.encode()) / 1000:.1f}"
    table = [[label, *(sizes.get(c, "") for c in CELLS)] for label, sizes in rows.items()]
    print(markdown_table(["example (8 hidden units unless said)", "RNN kB", "LSTM kB", "GRU kB"], table,
                         align="lrrr"))
    return 0


def report_reruns(quick):
    """A report of the step (once the stepping pauses) reruns the page: its server time, trained weights."""
    rows, status = [], 0
    for page, step, cells in (("step_through", "t", CELLS), ("unrolled", "u_step", CELLS),
                              ("gates", "g_step", ("lstm", "gru"))):
        for example in EXAMPLES:
            for cell in cells:
                at = _apptest(page, example=example, cell=cell, weights="trained").run()
                times = []
                for k in range(3 if quick else 7):
                    at.session_state[step] = 1 + k % 2
                    start = time.perf_counter()
                    at.run()
                    times.append(time.perf_counter() - start)
                median = statistics.median(times) * 1000
                ok = median <= 200
                status |= not ok
                rows.append([page, example, cell.upper(), f"{median:.0f}", f"{max(times) * 1000:.0f}", check(ok)])
    print(markdown_table(["page", "example", "cell", "report: page rerun median ms", "slowest ms", "≤ 200 ms"], rows,
                         align="lllrrc"))
    return status


def _press(page, forward):
    page.keyboard.press("ArrowRight" if forward else "ArrowLeft")


def _click(page, forward):
    page.locator(".stepper button." + ("next" if forward else "previous")).click()


def _walk(page, press, steps, root=ROOT_JS, T=None):
    """From the step shown, to the end and back again for ``steps`` steps with ``press(page, forward)``; the ms
    from each event to its step painted (``WATCH`` installed on the page for ``root``)."""
    if T is None:
        T = page.evaluate(f"() => {root}.querySelectorAll('table.sequence tbody tr').length")
    t = int(page.evaluate(f"() => {root}.dataset.drawn"))
    first = page.evaluate("() => window.__steps.length")
    forward = t < T - 1
    for done in range(steps):
        if t == T - 1:
            forward = False
        elif t == 0:
            forward = True
        t += 1 if forward else -1
        press(page, forward)
        page.wait_for_function(f"() => {root}.dataset.drawn === '{t}' && window.__steps.length > {first + done}")
        page.wait_for_timeout(60)
    return page.evaluate("() => window.__steps")[first:]


def browser_steps(quick):
    """In Chromium: key press and click → new step painted, messages sent per step, first load, Play's pace."""
    import sys

    from bench.pages import ROOT
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from browser import CHROMIUM, fresh_server
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        print(f"(browser part skipped: {err})")
        return 0
    rows, loads, status = [], [], 0
    n = 6 if quick else 20
    with fresh_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for example in EXAMPLES:
            for cell in CELLS:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                sent = []
                page.on("websocket", lambda ws, sent=sent: ws.on("framesent", lambda _: sent.append(1)))
                start = time.perf_counter()
                page.goto(f"{url}/step_through?example={example}&cell={cell}&weights=trained")
                page.wait_for_function(f"() => {ROOT_JS}?.dataset.drawn === '0'", polling="raf", timeout=60_000)
                loads.append((example, cell, time.perf_counter() - start))
                page.wait_for_timeout(2500)                              # past the first run's own messages
                before = len(sent)
                page.evaluate(WATCH.replace("ROOT", ROOT_JS))
                keys = _walk(page, _press, n)
                clicks = _walk(page, _click, n)
                messages = len(sent) - before
                for how, ms in (("key", keys), ("click", clicks)):
                    ok = statistics.median(ms) <= STEP_MS and max(ms) <= STEP_MAX_MS
                    status |= not ok
                    rows.append([example, cell.upper(), how, f"{statistics.median(ms):.1f}", f"{max(ms):.1f}",
                                 str(messages) if how == "key" else "", check(ok)])
                page.close()
        # Play at 0.5 s per step through namaskar (7 steps): the time between steps
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/step_through?example=namaskar")
        page.wait_for_function(f"() => {ROOT_JS}?.dataset.drawn === '0'", timeout=60_000)
        page.evaluate(WATCH.replace("ROOT", ROOT_JS))
        page.locator(".stepper .pace select").select_option("0.5")
        page.locator(".stepper button.play").click()
        page.wait_for_function(f"() => {ROOT_JS}.dataset.drawn === '6'", timeout=30_000)
        page.wait_for_timeout(300)
        at = page.evaluate("() => window.__drawnAt")[1:]                 # from the first step Play drew
        gaps = [b - a for a, b in zip(at, at[1:], strict=False)]
        page.close()
        # a second visitor's first load of each setting (the server's caches warm)
        warm = []
        for example in EXAMPLES:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(f"{url}/step_through?example={example}&weights=trained&cell=lstm")
            page.wait_for_function(f"() => {ROOT_JS}?.dataset.drawn === '0'", polling="raf", timeout=60_000)
            warm.append(time.perf_counter() - start)
            page.close()
        browser.close()
    print(markdown_table(["example", "cell", "event", "→ painted median ms", "slowest ms", "messages to the server",
                          f"≤ {STEP_MS} ms, ≤ {STEP_MAX_MS} ms"], rows, align="lllrrrc"))
    first = max(s for *_, s in loads[:1])
    print()
    print(f"First load (navigation → first step drawn): first visitor of a fresh server {first:.2f} s; "
          f"each setting's first visit {min(s for *_, s in loads):.2f}–{max(s for *_, s in loads):.2f} s; "
          f"a later visitor {min(warm):.2f}–{max(warm):.2f} s (target {FIRST_LOAD_S} s "
          f"{check(max(warm) <= FIRST_LOAD_S)}).")
    print(f"Play at 0.5 s per step: {len(gaps)} gaps of {min(gaps):.0f}–{max(gaps):.0f} ms "
          f"(median {statistics.median(gaps):.0f} ms).")
    return status | (max(warm) > FIRST_LOAD_S)


def view_payload_sizes(quick):
    """What the unrolled graph and gates pages send once per setting for their step (the step views' data)."""
    from tests.apptest import page
    rows = []
    for example in ("jazz", "kennedy", "home", "namaskar", "own"):
        row = [example if example != "own" else "your own word “Unrolled”"]
        for name, cells in (("unrolled", CELLS), ("gates", ("lstm", "gru"))):
            for cell in cells:
                at = page(name, example=example, cell=cell).run()
                row.append(f"{sum(len(e.proto.json.encode()) for e in at.get('bidi_component')) / 1000:.1f}")
        rows.append(row)
    print(markdown_table(["example (8 hidden units)", "unrolled RNN kB", "unrolled LSTM kB", "unrolled GRU kB",
                          "gates LSTM kB", "gates GRU kB"], rows, align="lrrrrr"))
    return 0


def _first_drawn(page, url, root, charts=()):
    """Navigation start → the component drawn (and the charts that follow the step marked), in ms, as the page
    clocks it (``performance.now()`` counts from the navigation's start)."""
    page.goto(url)
    own = ":is(.js-plotly-plot, .gate-heatmap, .unrolled-graph)"
    marked = " && ".join(f"document.querySelector('.st-key-{k} {own}')?.dataset.step !== undefined"
                         for k in charts) or "true"
    handle = page.wait_for_function(f"() => {root}?.dataset.drawn !== undefined && {marked} && performance.now()",
                                    polling="raf", timeout=90_000)
    return float(handle.json_value())


def view_steps(quick):
    """In Chromium: key press → new step drawn on the unrolled and gates pages; first loads of the three pages.

    A first load runs from the navigation's start to the page's step drawn (and the chart that follows it
    marked): each setting's first visit (the unrolled page comes first, so it trains the weights; the others
    find them trained), then a later visitor's, once every cache is warm.
    """
    import sys

    from bench.pages import ROOT
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from browser import CHROMIUM, fresh_server
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        print(f"(browser part skipped: {err})")
        return 0
    rows, status, n = [], 0, 6 if quick else 20
    loads = {"step_through": [], "unrolled": [], "gates": []}
    with fresh_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name, cells in (("unrolled", CELLS), ("gates", ("lstm", "gru"))):
            root = VIEW_ROOTS[name]
            charts = ("u_chart",) if name == "unrolled" else ("g_heat_h",)
            for example in EXAMPLES:
                for cell in cells:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    sent = []
                    page.on("websocket", lambda ws, sent=sent: ws.on("framesent", lambda _: sent.append(1)))
                    loads[name].append(_first_drawn(page, f"{url}/{name}?example={example}&cell={cell}&weights=trained",
                                                    root, charts))
                    page.wait_for_timeout(2500)                          # past the first run's own messages
                    before = len(sent)
                    page.evaluate(WATCH.replace("ROOT", root))
                    T = {"jazz": 4, "kennedy": 8}[example]                  # the first sequence's steps
                    ms = _walk(page, _press, n, root, T)
                    messages = len(sent) - before
                    ok = statistics.median(ms) <= STEP_MS and max(ms) <= STEP_MAX_MS
                    status |= not ok
                    rows.append([name, example, cell.upper(), f"{statistics.median(ms):.1f}", f"{max(ms):.1f}",
                                 str(messages), check(ok)])
                    page.close()
        for example in EXAMPLES:                                         # the step-through page, for comparison
            for cell in CELLS:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                loads["step_through"].append(_first_drawn(
                    page, f"{url}/step_through?example={example}&cell={cell}&weights=trained", ROOT_JS))
                page.close()
        warm = {name: [] for name in loads}
        for _ in range(1 if quick else 3):
            for name, root, charts in (("step_through", ROOT_JS, ()),
                                       ("unrolled", VIEW_ROOTS["unrolled"], ("u_chart",)),
                                       ("gates", VIEW_ROOTS["gates"], ("g_heat_h",))):
                for example in EXAMPLES:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    warm[name].append(_first_drawn(page, f"{url}/{name}?example={example}&cell=lstm&weights=trained",
                                                   root, charts))
                    page.close()
        browser.close()
    print(markdown_table(["page", "example", "cell", "key → drawn median ms", "slowest ms",
                          "messages to the server", f"≤ {STEP_MS} ms, ≤ {STEP_MAX_MS} ms"], rows, align="lllrrrc"))
    print()
    table = [[name, f"{min(times) / 1000:.2f}–{max(times) / 1000:.2f}", f"{statistics.median(warm[name]) / 1000:.2f}",
              f"{max(warm[name]) / 1000:.2f}", check(max(warm[name]) <= FIRST_LOAD_S * 1000)]
             for name, times in loads.items()]
    print(markdown_table(["page (JAZZ and Kennedy, trained)", "each setting's first visit s",
                          "later visitor median s", "slowest s", f"≤ {FIRST_LOAD_S} s"], table, align="lrrrc"))
    return status


def run(quick=False):
    import logging
    import os
    import sys

    from bench.pages import ROOT
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    # the pages' payloads are read in bare mode (AppTest), where Streamlit warns of its missing script context
    # at every cached call (a filter: Streamlit sets its loggers' levels again when it reads its config)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())
    status = 0
    print(f"(load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the start)\n")
    for part in (payload_sizes, view_payload_sizes, report_reruns, browser_steps, view_steps):
        print(f"### {part.__doc__.splitlines()[0]}\n", flush=True)
        status |= part(quick)
        print(flush=True)
    print(f"(load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)")
    return status
