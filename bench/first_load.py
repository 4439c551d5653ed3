"""Where a page's first load goes, in Chromium: the floor (a bare Streamlit page), then the app's pages opened
by their link in a new browser (nothing cached), opened again in the same browser (its files cached), and
reached from another page through the sidebar (the app already running in the tab, as a class moves on), and
in a new browser through `make serve`'s proxy, which sends Streamlit's files from its memory.

    python -m bench first_load

Each time runs from the navigation's start (or the click on the sidebar link) to the page's own mark being
drawn: the title of a bare or home page, Step through's stepper, the unrolled graph and the hidden state's
heatmap (the last of the gates page's heatmaps). The server has seen every setting once before the timing starts.
"""

import os
import statistics
import subprocess
import sys
import time
import urllib.request

from bench.common import check, markdown_table

TITLE = "First loads: the floor of a bare Streamlit page, each page cold, cached and through the sidebar"
FIRST_LOAD_S = 1.5
TITLE_JS = "document.querySelector('[data-testid=\"stMain\"] h1')"
STEPPER_JS = ("document.querySelector('[data-testid=\"stBidiComponentIsolated\"]')?.shadowRoot"
              "?.querySelector('.stepper')?.dataset.drawn !== undefined")
QUERY = "example=jazz&cell=lstm&weights=trained"
DRAWN_JS = "document.querySelector('.st-key-{} .js-plotly-plot[data-drawn]')"      # ui/components/plot.js
HEATMAP_JS = "document.querySelector('.st-key-{} .gate-heatmap[data-drawn]')"     # ui/components/heatmap.js
GRAPH_JS = "document.querySelector('.st-key-{} .unrolled-graph[data-drawn]')"     # ui/components/graph.js
#: page -> (path, its sidebar link's label, the mark that it is drawn)
PAGES = {
    "Home": ("/", "Home", TITLE_JS),
    "Step through": (f"/step_through?{QUERY}", "Step through", STEPPER_JS),
    "Unrolled": (f"/unrolled?{QUERY}", "Unrolled", GRAPH_JS.format("u_chart")),
    "Gates": (f"/gates?{QUERY}", "LSTM & GRU gates", HEATMAP_JS.format("g_heat_h")),
    "Gradients": ("/gradients", "Vanishing & exploding gradients", DRAWN_JS.format("v_norms")),
}


def _drawn(page, mark, timeout=90_000):
    return float(page.wait_for_function(f"() => ({mark}) && performance.now()", polling="raf",
                                        timeout=timeout).json_value())


def _bare_server(port):
    from bench.pages import ROOT
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "bare" / "app.py"),
                             "--server.port", str(port), "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the bare page's server did not start")


def _loads(browser, url, path, mark, n):
    """(cold, cached) times in ms: n loads each in a new browser context, then n in one context."""
    cold = []
    for _ in range(n):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + path)
        cold.append(_drawn(page, mark))
        page.close()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    cached = []
    for _ in range(n + 1):
        page = context.new_page()
        page.goto(url + path)
        cached.append(_drawn(page, mark))
        page.close()
    context.close()
    return cold, cached[1:]                                    # the first fills the cache


def _through_sidebar(browser, url, n):
    """ms from a click on each page's sidebar link to the page drawn, in one tab moving round the pages."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url + PAGES["Home"][0] + "?" + QUERY)
    _drawn(page, TITLE_JS)
    page.wait_for_timeout(1500)
    times = {name: [] for name in PAGES}
    for _ in range(n + 1):                                     # the first round loads each page's scripts
        for name, (_, label, mark) in [*list(PAGES.items())[1:], ("Home", PAGES["Home"])]:
            link = page.locator('[data-testid="stSidebar"] .st-key-navigation a', has_text=label).first
            page.evaluate("() => document.querySelectorAll('.js-plotly-plot, .gate-heatmap, .unrolled-graph, "
                          "[data-testid=stMain] h1').forEach(e => e.setAttribute('data-old', '1'))")
            start = page.evaluate("() => performance.now()")
            link.click()
            fresh = mark.replace("')", ":not([data-old])')") if "querySelector('" in mark else mark
            times[name].append(_drawn(page, fresh) - start)
            page.wait_for_timeout(1000)
    page.close()
    return {name: t[1:] for name, t in times.items()}


def _through_proxy(p, CHROMIUM, free_port, n):
    """{page: cold load times in ms} through `make serve`'s set-up (HAProxy, which keeps Streamlit's files in
    memory, in front of one replica per core); None without haproxy."""
    from deploy.serve import Cluster, haproxy_binary
    if haproxy_binary() is None:
        return None
    with Cluster(os.cpu_count() or 1, free_port(), free_port() + 100) as cluster:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        times = {}
        for name, (path, _, mark) in PAGES.items():
            for _ in range(os.cpu_count() or 1):              # a new browser may land on either replica
                page = browser.new_page()
                page.goto(cluster.url + path)
                _drawn(page, mark)
                page.close()
            times[name] = _loads(browser, cluster.url, path, mark, n)[0]
        browser.close()
    return times


def run(quick=False):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
    try:
        from browser import CHROMIUM, free_port, fresh_server
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        print(f"(skipped: {err})")
        return 0
    n = 2 if quick else 5
    print(f"(load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the start)\n")
    plain, status = {}, 0
    bare, bare_url = _bare_server(free_port())
    try:
        with fresh_server() as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for _, (path, _, mark) in PAGES.items():                # every setting seen (and trained) once
                page = browser.new_page()
                page.goto(url + path)
                _drawn(page, mark)
                page.close()
            bare_times = _loads(browser, bare_url, "/", TITLE_JS, n)
            sidebar = _through_sidebar(browser, url, n)
            for name, (path, _, mark) in PAGES.items():
                plain[name] = _loads(browser, url, path, mark, n)
            browser.close()
    finally:
        bare.terminate()
    with sync_playwright() as p:
        proxied = _through_proxy(p, CHROMIUM, free_port, n)
    rows = [["a bare Streamlit page (the floor)", *_cells(*bare_times), "–", "–",
             check(statistics.median(bare_times[0]) <= FIRST_LOAD_S * 1000), "–"]]
    for name, (cold, cached) in plain.items():
        ok = statistics.median(cold) <= FIRST_LOAD_S * 1000
        status |= not ok
        served = "–" if proxied is None else f"{statistics.median(proxied[name]) / 1000:.2f}"
        rows.append([name, *_cells(cold, cached), f"{statistics.median(sidebar[name]) / 1000:.2f}", served, check(ok),
                     "–" if proxied is None else check(statistics.median(proxied[name]) <= FIRST_LOAD_S * 1000)])
    print(markdown_table(["page (JAZZ, LSTM, trained)", "new browser, median s", "slowest s",
                          "files cached, median s", "through the sidebar, median s",
                          "new browser, `make serve`, median s", f"new browser ≤ {FIRST_LOAD_S} s",
                          f"`make serve` ≤ {FIRST_LOAD_S} s"],
                         rows, align="lrrrrrcc"))
    print(f"\n(load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)")
    return status


def _cells(cold, cached):
    return [f"{statistics.median(cold) / 1000:.2f}", f"{max(cold) / 1000:.2f}",
            f"{statistics.median(cached) / 1000:.2f}"]
