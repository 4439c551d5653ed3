"""The unrolled graph's and the gates page's charts in a real browser: the unrolled graph and the gates heatmaps
drawn by the page itself (ui.drawn), with no chart library; Plotly charts drawn by the project's own plotly.js
(ui.plot), never Streamlit's chart chunk, and saying so when their script cannot load; nothing from outside."""

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
    requested = []                           # every request: scripts, data, fonts, images, the tab's icon
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url)
    return page, requested


GRAPH = ".st-key-{} .unrolled-graph[data-drawn]"


def test_unrolled_graph_is_drawn_by_the_page_with_no_chart_library_and_the_engines_numbers(browser, server):  # noqa: F811
    data, rec = engine_run("jazz", cell="lstm")
    layer = rec.rnn.layers[0]
    page, requested = open_logged(browser, f"{server}/unrolled?example=jazz&cell=lstm")
    page.wait_for_selector(GRAPH.format("u_chart"))
    page.wait_for_timeout(1000)                                     # plotly.js would have been asked for by now
    assert not any("plotly" in u.lower() for u in requested)        # the forward view has no Plotly chart
    assert [u for u in requested if not u.startswith((server, "data:", "blob:"))] == []    # nothing from outside
    graph = page.locator(GRAPH.format("u_chart"))
    # beside each h: the engine's ‖h_t‖; under each x its letter; the rows' names
    assert graph.locator("text.label.topright").all_text_contents() == [f"{v:.2f}" for v in layer.hidden_norm[:, 0]]
    assert graph.locator("text.label.below").all_text_contents() == ["J", "A", "Z", "Z"]
    assert graph.locator("text.row").all_text_contents() == ["input x", "hidden h", "output y", "loss ℓ"]
    assert graph.locator("svg").get_attribute("aria-label") == "the network unrolled over steps 0 to 3"
    # hovering h_2 shows its vector and the cell state, the engine's numbers to four decimals
    node = graph.locator("g.node").filter(has=page.locator("text.name", has_text="h₂"))
    node.hover()
    tip = graph.locator(".tip").inner_text().splitlines()
    assert tip[:2] == ["h₂ (step 2)", f"‖h₂‖ = {layer.hidden_norm[2, 0]:.4f}"]
    shown = " ".join(tip)
    assert all(f"{v:+.4f}" in shown for v in layer.hidden[2, 0]) and all(f"{v:+.4f}" in shown for v in layer.cell[2, 0])
    page.close()


def test_typed_characters_in_the_graph_are_text_never_markup(browser, server):  # noqa: F811
    page, _ = open_logged(browser, f"{server}/unrolled?example=own&text={quote('<b>x</b> &')}")
    page.wait_for_selector(GRAPH.format("u_chart"))
    words = page.locator(".st-key-u_chart text.label.below").all_text_contents()
    assert words == ["<", "b", ">", "x", "<", "/", "b", ">"]      # the first of the window's eight steps
    assert page.locator(".unrolled-graph b, .unrolled-graph script").count() == 0
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
    assert [u for u in requested if not u.startswith((server, "data:", "blob:"))] == []   # nothing from outside
    assert page.locator("a.modebar-btn--logo").count() == 0                  # no link out to plotly.com
    page.close()


def test_a_chart_whose_script_cannot_load_says_so(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.route("**/plotly-cartesian-*.min.js", lambda route: route.abort())
    page.goto(f"{server}/unrolled?example=jazz&u_view=backward")
    chart = page.locator(".st-key-u_shares .unrolled-plot")              # the backward view's per-step shares
    chart.filter(has_text="could not be drawn").wait_for(timeout=60_000)
    assert "Reload the page" in chart.inner_text()
    assert page.locator(GRAPH.format("u_chart")).count() == 1             # the graph needs no library
    page.close()
