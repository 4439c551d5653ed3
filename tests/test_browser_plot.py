"""The unrolled graph's and the gates page's charts, drawn in a real browser by the project's own plotly.js
(ui.plot): the browser loads that file and not Streamlit's chart chunk, the chart holds the figure the server
built, and a chart whose script cannot load says so instead of leaving a blank."""

import pytest
from browser import browser, fresh_server  # noqa: F401

from apptest import engine_run

DRAWN = "(key) => document.querySelector(`.st-key-${key} .js-plotly-plot[data-drawn]`) !== null"


@pytest.fixture(scope="module")
def server():
    with fresh_server() as url:
        yield url


def open_logged(browser, url):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(60_000)
    requested, scripts = [], []
    page.on("request", lambda r: (requested.append(r.url),
                                  r.resource_type in ("script", "xhr", "fetch") and scripts.append(r.url)))
    page.goto(url)
    page.scripts = scripts                   # every script and data request, for the no-CDN checks
    return page, requested


def test_unrolled_graph_is_drawn_by_the_projects_plotly_with_the_engines_states(browser, server):  # noqa: F811
    data, rec = engine_run("jazz", cell="lstm")
    page, requested = open_logged(browser, f"{server}/unrolled?example=jazz&cell=lstm")
    page.wait_for_function(DRAWN, arg="u_chart")
    assert any(u.endswith("/app/static/plotly-cartesian-4.1.1.min.js") for u in requested)
    assert not any("/PlotlyChart." in u for u in requested)        # Streamlit's 4.7 MB chart chunk: not loaded
    assert [u for u in page.scripts if not u.startswith((server, "data:", "blob:"))] == []   # no code from outside
    # the hidden layer's labels beside each node are the engine's ‖h_t‖, in the drawn SVG
    labels = page.evaluate("""() => [...document.querySelectorAll('.st-key-u_chart .scatterlayer .trace')]
        .map((t) => [...t.querySelectorAll('.textpoint text')].map((x) => x.textContent))""")
    norms = [f"{v:.2f}" for v in rec.rnn.layers[0].hidden_norm[:4, 0]]
    assert norms in labels
    page.close()


def test_every_gate_heatmap_is_drawn_and_the_page_loads_no_chart_chunk(browser, server):  # noqa: F811
    page, requested = open_logged(browser, f"{server}/gates?example=jazz&cell=gru")
    for name in "rznh":
        page.wait_for_function(DRAWN, arg=f"g_heat_{name}")
    page.wait_for_function(DRAWN, arg="g_saturation")
    titles = page.evaluate("""() => Object.fromEntries([...'rznh'].map((n) => [n, document
        .querySelector(`.st-key-g_heat_${n} .gtitle`).textContent.replaceAll('\\u200b', '')]))""")
    assert titles == {"r": "reset gate rt", "z": "update gate zt", "n": "candidate nt", "h": "hidden state ht"}
    assert not any("/PlotlyChart." in u for u in requested)
    assert [u for u in page.scripts if not u.startswith((server, "data:", "blob:"))] == []
    assert page.locator("a.modebar-btn--logo").count() == 0                  # no link out to plotly.com
    page.close()


def test_a_chart_whose_script_cannot_load_says_so(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.route("**/plotly-cartesian-*.min.js", lambda route: route.abort())
    page.goto(f"{server}/unrolled?example=jazz")
    chart = page.locator(".st-key-u_chart .unrolled-plot")
    chart.filter(has_text="could not be drawn").wait_for(timeout=60_000)
    assert "Reload the page" in chart.inner_text()
    page.close()
