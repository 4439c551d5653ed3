"""The unrolled graph's and the gates page's charts in a real browser: Plotly charts drawn by the project's own
plotly.js (ui.plot), never Streamlit's chart chunk, holding the figure the server built, and saying so when their
script cannot load; the gates heatmaps drawn by the page itself (ui.heatmap), with no chart library."""

from urllib.parse import quote

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


def test_every_gate_heatmap_is_drawn_without_a_chart_library_and_its_hover_is_the_records(browser, server):  # noqa: F811
    data, rec = engine_run("jazz", cell="gru")
    layer = rec.rnn.layers[0]
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(60_000)
    page.route("**/plotly-cartesian-*.min.js", lambda route: route.abort())      # the heatmaps do not need it
    page.goto(f"{server}/gates?example=jazz&cell=gru")
    for name in "rznh":
        page.wait_for_selector(f".st-key-g_heat_{name} .gate-heatmap[data-drawn]")
    titles = page.evaluate("""() => Object.fromEntries([...'rznh'].map((n) => [n, document
        .querySelector(`.st-key-g_heat_${n} .gate-heatmap .title`).textContent]))""")
    assert titles == {"r": "reset gate rt", "z": "update gate zt", "n": "candidate nt", "h": "hidden state ht"}
    ticks = page.locator(".st-key-g_heat_z .gate-heatmap .tick.step").all_text_contents()
    assert ticks == ["J", "A", "Z", "Z"]
    # hovering cell (unit u, step s) shows the engine's number, to the sixth decimal
    area = page.locator(".st-key-g_heat_z .gate-heatmap rect.hit")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    H = layer.gate("z").shape[2]
    for s, u in ((0, 0), (2, 5), (3, H - 1)):
        page.mouse.move(box["x"] + box["width"] * (s + 0.5) / 4, box["y"] + box["height"] * (u + 0.5) / H)
        tip = page.locator(".st-key-g_heat_z .gate-heatmap .tip")
        assert tip.inner_text().splitlines() == [f"step {s} · input {data.tokens[0][s]}", f"unit {u + 1}",
                                                 f"z = {layer.gate('z')[s, 0, u]:.6f}"]
    # each cell's value is written in it as the engine's number, two decimals
    values = page.locator(".st-key-g_heat_h .gate-heatmap .value").all_text_contents()
    assert values == [f"{v:.2f}" for v in layer.hidden[:, 0].T.ravel()]
    # the saturation chart is Plotly's: without the library it says so, and the heatmaps stay
    page.locator(".st-key-g_saturation .unrolled-plot").filter(has_text="could not be drawn").wait_for()
    assert page.locator(".gate-heatmap[data-drawn]").count() == 4
    page.close()


def test_typed_characters_in_a_heatmap_are_text_never_markup(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(60_000)
    page.goto(f"{server}/gates?example=own&text={quote('<b>x</b> &')}&cell=lstm")
    page.wait_for_selector(".st-key-g_heat_f .gate-heatmap[data-drawn]")
    ticks = page.locator(".st-key-g_heat_f .gate-heatmap .tick.step").all_text_contents()
    assert ticks == ["<", "b", ">", "x", "<", "/", "b", ">", "␣", "&"]
    assert page.locator(".gate-heatmap b, .gate-heatmap script").count() == 0
    page.close()


def test_the_gates_page_loads_no_chart_chunk_and_nothing_from_outside(browser, server):  # noqa: F811
    page, requested = open_logged(browser, f"{server}/gates?example=jazz&cell=gru")
    page.wait_for_function(DRAWN, arg="g_saturation")
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
