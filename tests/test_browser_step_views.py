"""The unrolled graph's and the gates page's step, moved in a real browser: the step's numbers and bars are the
engine's, the charts' highlight follows, keys, the bar's buttons and clicks on the charts move it with no message
to the server per step, the step reaches the link after a pause, and a deep link on a fresh server opens on it."""

import re
import time
from urllib.parse import quote

import numpy as np
import pytest
from browser import ARTIFACTS, browser, fresh_server  # noqa: F401

from apptest import engine_run

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
REPORT_S = 1.5                       # ui/components/stepping.js: quiet time before the step is reported

# what a step view shows, read from its shadow root: {drawn, name, heading, metrics: [[label, value, note]],
# layers: [{col: [cells]}], bars: {block: [values]}, title}
VIEW = """(key) => {
    const host = document.querySelector(`.st-key-${key} [data-testid="stBidiComponentIsolated"]`);
    const root = host && host.shadowRoot && host.shadowRoot.querySelector('.stepview');
    if (!root) return null;
    const text = (sel) => root.querySelector(sel)?.textContent ?? null;
    const layers = [...root.querySelectorAll('table.units')].map((t) => {
        const out = {};
        for (const td of t.querySelectorAll('tbody td')) (out[td.dataset.col] ??= []).push(td.textContent);
        return out;
    });
    const bars = {};
    for (const b of root.querySelectorAll('.block')) bars[b.dataset.name] = [...b.querySelectorAll('.value')]
        .map((v) => v.textContent);
    return {drawn: root.dataset.drawn === undefined ? null : Number(root.dataset.drawn), name: text('.stepbar .name'),
            heading: text('.heading'), title: text('.bars-title'), layers, bars,
            metrics: [...root.querySelectorAll('.metric')].filter((m) => !m.hidden)
                .map((m) => [...m.children].map((c) => c.textContent))};
}"""

# the steps whose highlight a chart shows: the unrolled graph's outlined column (the rolled graph's: the step whose
# numbers it writes), a gates heatmap's outline where it is drawn, a Plotly chart's shapes named "step k" that are
# visible
MARKED = """(key) => {
    const graph = document.querySelector(`.st-key-${key} .unrolled-graph[data-drawn]`);
    if (graph) {
        const o = graph.querySelector('rect.step-outline');
        if (o && o.getAttribute('visibility') !== 'visible') return [];
        const columns = [...graph.querySelectorAll('rect.column')];         // one per step drawn, left to right
        if (!o) return graph.dataset.marked ? [Number(graph.dataset.marked)] : [];
        const at = columns.findIndex((c) => c.getAttribute('x') === o.getAttribute('x'));
        return at < 0 ? [] : [graph.__spec.steps[at]];
    }
    const hm = document.querySelector(`.st-key-${key} .gate-heatmap[data-drawn]`);
    if (hm) {
        const o = hm.querySelector('rect.step-outline'), area = hm.querySelector('rect.hit');
        if (!o || o.getAttribute('visibility') !== 'visible') return [];
        const column = Number(area.getAttribute('width')) / hm.__spec.labels.length;     // where it is drawn
        return [Math.round((Number(o.getAttribute('x')) - Number(area.getAttribute('x'))) / column)];
    }
    const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    if (!gd || !gd.layout) return null;
    const on = new Set();
    (gd.layout.shapes || []).forEach((s, i) => {
        const m = /^step (\\d+)$/.exec(s.name || '');
        const p = m && gd.querySelector(`.shapelayer path[data-index="${i}"]`);
        if (p && getComputedStyle(p).opacity !== '0') on.add(Number(m[1]));
    });
    return [...on].sort((a, b) => a - b);
}"""


def view(page, key):
    return page.evaluate(VIEW, key)


def marked(page, key):
    return page.evaluate(MARKED, key)


def wait_drawn(page, key, t):
    page.wait_for_function(f"""() => {{
        const h = document.querySelector('.st-key-{key} [data-testid="stBidiComponentIsolated"]');
        const r = h && h.shadowRoot && h.shadowRoot.querySelector('.stepview');
        return r && r.dataset.drawn === '{t}';
    }}""", timeout=60_000)


def wait_marked(page, key, t):
    page.wait_for_function(f"() => JSON.stringify(({MARKED})('{key}')) === '[{t}]'", timeout=60_000)


def open_watched(browser, url, width=1400, height=1000):  # noqa: F811
    """A page at url, and the times (time.monotonic) of every websocket message it sends the server."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.monotonic())))
    page.goto(url)
    return page, sent


def no_step_asked(sent, moves, done):
    """Every message sent while stepping came a report's quiet time after a move, never with a move."""
    during = [s for s in sent if moves[0] <= s <= done]
    return all(s - max(m for m in moves if m <= s) >= REPORT_S - 0.3 for s in during)


def click_node(page, key, name):
    """Click the node of the unrolled graph named ``name`` (x₃: the input node of column 3)."""
    node = page.locator(f".st-key-{key} g.node").filter(has=page.locator("text.name", has_text=re.compile(f"^{name}$")))
    node.scroll_into_view_if_needed()
    node.click()


def click_column(page, key, t, T):
    """Click the middle of column t of a heatmap of T steps."""
    area = page.locator(f".st-key-{key} .gate-heatmap rect.hit").first
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    page.mouse.click(box["x"] + box["width"] * (t + 0.5) / T, box["y"] + box["height"] / 2)


@pytest.fixture(scope="module")
def server():
    with fresh_server() as url:
        yield url


# ---------------------------------------------------------------------------------------------- unrolled graph
def check_unrolled(shown, data, rec, t, b=0):
    """The step view's numbers at step t are the record's, to the digits shown."""
    assert shown["drawn"] == t
    assert shown["heading"] == f"Step {t}: “{data.tokens[b][t]}”"
    for l, (table, layer) in enumerate(zip(shown["layers"], rec.rnn.layers, strict=True)):
        assert table["h_t"] == [f"{v:+.4f}" for v in layer.hidden[t, b]], l
        assert table["h_{t−1}"] == [f"{v:+.4f}" for v in layer.hidden_prev[t, b]], l
        assert table["∂L/∂h_t"] == [f"{v:+.3g}" for v in layer.d_hidden[t, b]], l
        if layer.cell is not None:
            assert table["c_t"] == [f"{v:+.4f}" for v in layer.cell[t, b]], l
            assert table["∂L/∂c_t"] == [f"{v:+.3g}" for v in layer.d_cell[t, b]], l
    loss = [m for m in shown["metrics"] if m[0] == "Loss ℓ_t at this step"]
    assert loss == [["Loss ℓ_t at this step", f"{rec.head.step_loss[t, b]:.4f}", ""]]


@pytest.mark.parametrize("example", ["jazz", "kennedy"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_unrolled_steps_show_the_records_numbers_and_move_the_highlight_with_no_message_per_step(
        browser, server, example, cell):  # noqa: F811
    data, rec = engine_run(example, cell=cell)
    T = int(data.lengths[0])
    page, sent = open_watched(browser, f"{server}/unrolled?example={example}&cell={cell}")
    wait_drawn(page, "u_step_numbers", 0)
    wait_marked(page, "u_chart", 0)
    check_unrolled(view(page, "u_step_numbers"), data, rec, 0)
    moves = []
    for t in range(1, T):
        moves.append(time.monotonic())
        if t % 3 == 1:
            page.keyboard.press("ArrowRight")
        elif t % 3 == 2:
            page.locator(".st-key-u_step_bar button.next").click()
        else:
            click_node(page, "u_chart", "x" + str(t).translate(SUB))    # the input node x_t of column t
        wait_drawn(page, "u_step_numbers", t)
        check_unrolled(view(page, "u_step_numbers"), data, rec, t)
        assert marked(page, "u_chart") == [t]
        assert view(page, "u_step_bar")["name"] == f"{t} · {data.tokens[0][t]}"
        assert f"u_step={t}" in page.url                                 # the link has the step at once
    page.keyboard.press("Home")
    moves.append(time.monotonic())
    wait_drawn(page, "u_step_numbers", 0)
    check_unrolled(view(page, "u_step_numbers"), data, rec, 0)
    done = time.monotonic()
    assert sent and sent[0] < moves[0], "the page's websocket was not watched"
    assert no_step_asked(sent, moves, done), "a step asked the server"
    page.close()


def test_the_backward_view_and_the_rolled_graph_follow_the_step(browser, server):  # noqa: F811
    data, rec = engine_run("kennedy", cell="lstm", layers=2)
    page, sent = open_watched(browser, f"{server}/unrolled?example=kennedy&cell=lstm&layers=2&u_view=backward")
    wait_marked(page, "u_shares", 0)
    for t in (1, 2, 3):
        page.keyboard.press("ArrowRight")
        wait_marked(page, "u_chart", t)
        assert marked(page, "u_shares") == [t]                         # both panels' outline of step t
        check_unrolled(view(page, "u_step_numbers"), data, rec, t)
    page.locator(".st-key-u_form button").filter(has_text=re.compile(r"^Rolled$")).click()
    page.wait_for_selector(".st-key-u_rolled .unrolled-graph[data-drawn]")
    wait_drawn(page, "u_step_numbers", 3)                               # the same step, rolled up
    wait_marked(page, "u_rolled", 3)
    page.wait_for_function("""() => [...document.querySelectorAll('.st-key-u_rolled text.label')]
        .some((t) => t.textContent === 'of')""")                      # the input node's label is step 3's word
    labels = page.locator(".st-key-u_rolled text.label").all_text_contents()
    assert page.locator(".st-key-u_rolled text.heading").text_content() == "values at t = 3"
    assert f"‖∂L/∂h‖ {np.linalg.norm(rec.rnn.layers[1].d_hidden[3, 0]):.3g}" in labels
    assert f"ℓ={rec.head.step_loss[3, 0]:.3f}" in labels
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("""() => [...document.querySelectorAll('.st-key-u_rolled text.label')]
        .some((t) => t.textContent === 'presidents')""")
    check_unrolled(view(page, "u_step_numbers"), data, rec, 2)
    page.close()


def test_a_step_past_the_drawn_window_slides_it(browser, server):  # noqa: F811
    text = "abcdefghijklmnop"
    page, _ = open_watched(browser, f"{server}/unrolled?example=own&text={text}&u_step=7")
    wait_marked(page, "u_chart", 7)
    page.keyboard.press("ArrowRight")                                   # step 8: the server draws 4 … 11
    wait_drawn(page, "u_step_numbers", 8)
    wait_marked(page, "u_chart", 8)
    page.wait_for_function("() => document.querySelector('[data-testid=\"stMain\"]').innerText"
                           ".includes('Steps 4–11 of 16 are drawn')")
    assert view(page, "u_step_numbers")["heading"] == "Step 8: “i”"
    page.close()


def test_the_step_reaches_the_link_after_a_pause_and_survives_a_setting(browser, server):  # noqa: F811
    data, rec = engine_run("jazz", cell="gru")
    page, sent = open_watched(browser, f"{server}/unrolled")
    wait_drawn(page, "u_step_numbers", 0)
    wait_drawn(page, "u_step_bar", 0)                      # the bar, whose keys move the step, is there too
    wait_marked(page, "u_chart", 0)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_drawn(page, "u_step_numbers", 2)
    before, paused = len(sent), time.monotonic()
    while len(sent) == before and time.monotonic() < paused + 10:      # a loaded machine may fire the timer late
        page.wait_for_timeout(100)
    assert len(sent) > before, "the step was never reported"
    assert sent[before] - paused >= REPORT_S - 0.3, "reported before the stepping had paused"
    assert "u_step=2" in page.url
    page.locator('[data-testid="stSidebar"] button').filter(has_text="GRU").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('cell') === 'gru'")
    first = f"{rec.rnn.layers[0].hidden[2, 0, 0]:+.4f}"                   # the GRU's h_2 of unit 1
    page.wait_for_function("""(first) => {
        const h = document.querySelector('.st-key-u_step_numbers [data-testid="stBidiComponentIsolated"]');
        return h?.shadowRoot?.querySelector('td[data-col="h_t"]')?.textContent === first;
    }""", arg=first)
    check_unrolled(view(page, "u_step_numbers"), data, rec, 2)       # the GRU's numbers, at the same step
    assert "u_step=2" in page.url and "cell=gru" in page.url
    page.close()


# ----------------------------------------------------------------------------------------------------- gates
def check_bars(shown, data, rec, t, cell, b=0):
    layer = rec.rnn.layers[0]
    assert shown["drawn"] == t and shown["title"] == f"step {t}: input {data.tokens[b][t]}"
    for g in {"lstm": "ifgo", "gru": "rzn"}[cell]:
        assert shown["bars"][g] == [f"{v:.2f}" for v in layer.gate(g)[t, b]], g
    if cell == "lstm":
        assert shown["bars"]["c"] == [f"{v:.2f}" for v in layer.cell[t, b]]
    assert shown["bars"]["h"] == [f"{v:.2f}" for v in layer.hidden[t, b]]


@pytest.mark.parametrize("example", ["jazz", "kennedy"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_step_shows_the_records_bars_and_outlines_every_heatmap_with_no_message_per_step(
        browser, server, example, cell):  # noqa: F811
    data, rec = engine_run(example, cell=cell)
    T = int(data.lengths[0])
    heatmaps = [f"g_heat_{n}" for n in ({"lstm": "ifgoc", "gru": "rzn"}[cell] + "h")]
    page, sent = open_watched(browser, f"{server}/gates?example={example}&cell={cell}")
    wait_drawn(page, "g_step_view", 0)
    for key in heatmaps:
        wait_marked(page, key, 0)
    check_bars(view(page, "g_step_view"), data, rec, 0, cell)
    moves = []
    for t in range(1, T):
        moves.append(time.monotonic())
        if t % 3 == 1:
            page.keyboard.press("ArrowRight")
        elif t % 3 == 2:
            page.locator(".st-key-g_step_view button.next").click()
        else:
            click_column(page, heatmaps[t % len(heatmaps)], t, T)
        wait_drawn(page, "g_step_view", t)
        check_bars(view(page, "g_step_view"), data, rec, t, cell)
        assert [marked(page, key) for key in heatmaps] == [[t]] * len(heatmaps)
        assert f"g_step={t}" in page.url
    done = time.monotonic()
    assert sent and sent[0] < moves[0], "the page's websocket was not watched"
    assert no_step_asked(sent, moves, done), "a step asked the server"
    page.wait_for_timeout(REPORT_S * 1000 + 1500)
    assert [s for s in sent if s > done], "the step was never reported to the server"
    assert f"g_step={T - 1}" in page.url
    page.close()


def test_the_vanilla_rnns_gates_page_has_no_step_to_move(browser, server):  # noqa: F811
    page, _ = open_watched(browser, f"{server}/gates")
    page.wait_for_selector(".st-key-g_heat_h .gate-heatmap[data-drawn]")
    assert page.locator(".st-key-g_step_view").count() == 0
    assert page.locator(".st-key-g_heat_h .gate-heatmap rect.step-outline").count() == 0
    page.close()


# ------------------------------------------------------------------------------------------ links, text, sizes
def test_deep_links_on_a_fresh_server_open_on_their_step(browser):  # noqa: F811
    with fresh_server() as url:
        data, rec = engine_run("jazz", cell="lstm")
        page, _ = open_watched(browser, f"{url}/unrolled?cell=lstm&u_step=3")
        wait_drawn(page, "u_step_numbers", 3)
        wait_marked(page, "u_chart", 3)
        check_unrolled(view(page, "u_step_numbers"), data, rec, 3)
        page.close()
        page, _ = open_watched(browser, f"{url}/gates?cell=lstm&g_step=3")
        wait_drawn(page, "g_step_view", 3)
        wait_marked(page, "g_heat_f", 3)
        check_bars(view(page, "g_step_view"), data, rec, 3, "lstm")
        page.close()


@pytest.mark.parametrize("text", ["<b>x</b>", "a b"])
def test_typed_characters_are_shown_exactly(browser, server, text):  # noqa: F811
    page, _ = open_watched(browser, f"{server}/unrolled?example=own&text={quote(text)}&u_step=1")
    wait_drawn(page, "u_step_numbers", 1)
    wait_drawn(page, "u_step_bar", 1)                      # the bar, whose keys move the step, is there too
    wait_marked(page, "u_chart", 1)
    assert view(page, "u_step_numbers")["heading"] == f"Step 1: “{text[1]}”"
    page.keyboard.press("End")
    wait_drawn(page, "u_step_numbers", len(text) - 1)
    assert view(page, "u_step_bar")["name"] == f"{len(text) - 1} · {text[-1]}"
    page.close()
    page, _ = open_watched(browser, f"{server}/gates?example=own&cell=gru&text={quote(text)}&g_step=1")
    wait_drawn(page, "g_step_view", 1)
    assert view(page, "g_step_view")["title"] == f"step 1: input {text[1]}"
    page.close()


FITS = """(keys) => {
    const cut = [];
    for (const key of keys) {
        const host = document.querySelector(`.st-key-${key} [data-testid="stBidiComponentIsolated"]`);
        const root = host.shadowRoot.querySelector('.stepview');
        for (const e of root.querySelectorAll('button, .name, .label, .heading, .m-value, .m-label, .block-title, '
                                             + '.layer, .bars-title'))
            if (e.scrollWidth > e.clientWidth + 1) cut.push(key + ': ' + e.textContent.slice(0, 40));
        const main = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
        if (root.getBoundingClientRect().right > main.right + 1) cut.push(key + ' is wider than the page');
    }
    return cut;
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1400, 1000)])
def test_the_step_views_fit_a_projector_with_the_bar_in_view(browser, server, size):  # noqa: F811
    width, height = size
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page, _ = open_watched(browser, f"{server}/unrolled?example=kennedy&cell=lstm&weights=trained&u_step=5",
                           width, height)
    wait_drawn(page, "u_step_numbers", 5)
    wait_marked(page, "u_chart", 5)
    assert page.evaluate(FITS, ["u_step_bar", "u_step_numbers"]) == []
    nxt = page.locator(".st-key-u_step_bar button.next").bounding_box()
    assert 0 <= nxt["y"] and nxt["y"] + nxt["height"] <= height, "the step's bar is out of view"
    page.screenshot(path=str(ARTIFACTS / f"unrolled-kennedy-lstm-{width}x{height}.png"))
    page.close()
    page, _ = open_watched(browser, f"{server}/gates?example=kennedy&cell=lstm&weights=trained&g_step=5", width, height)
    wait_drawn(page, "g_step_view", 5)
    assert page.evaluate(FITS, ["g_step_view"]) == []
    page.close()


# every label of the graph clear of every node and of the other labels, and the graph within the page
GRAPH_FITS = """(key) => {
    const g = document.querySelector(`.st-key-${key} .unrolled-graph[data-drawn]`);
    const near = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    const labels = [...g.querySelectorAll('text.label')].map((e) => [e.textContent, e.getBoundingClientRect()]);
    const out = [];
    for (const c of g.querySelectorAll('g.node circle')) {            // a circle against a label's box
        const b = c.getBoundingClientRect(), r = b.width / 2, cx = b.left + r, cy = b.top + r;
        for (const [text, a] of labels) {
            const dx = cx - Math.max(a.left, Math.min(cx, a.right)), dy = cy - Math.max(a.top, Math.min(cy, a.bottom));
            if (Math.hypot(dx, dy) < r - 1) out.push(`${text} on a node`);
        }
    }
    for (const s of g.querySelectorAll('g.node rect'))
        for (const [text, a] of labels) if (near(a, s.getBoundingClientRect())) out.push(`${text} on a loss`);
    labels.forEach(([t, a], i) => labels.slice(i + 1).forEach(([u, b]) => near(a, b) && out.push(`${t} on ${u}`)));
    const svg = g.querySelector('svg'), drawn = svg.getBBox();
    if (drawn.x + drawn.width > Number(svg.getAttribute('width')) + 1) out.push('past the right edge');
    const main = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
    if (g.getBoundingClientRect().right > main.right + 1) out.push('wider than the page');
    return out;
}"""


@pytest.mark.parametrize(("query", "width"), [
    ("example=kennedy&cell=lstm&weights=trained", 1280),
    ("example=own&text=abcdefghijklmnop&cell=gru&layers=2&u_step=5", 1280),
    ("example=own&text=the%20presidents%20of%20America%20and%20Kennedy&u_step=12&u_view=backward", 1024),
    ("example=namaskar&cell=lstm&layers=3&weights=trained&u_view=backward", 1280)])
def test_the_graphs_labels_are_clear_of_its_nodes_on_a_projector(browser, server, query, width):  # noqa: F811
    page, _ = open_watched(browser, f"{server}/unrolled?{query}", width, 720)
    page.wait_for_selector(".st-key-u_chart .unrolled-graph[data-drawn]")
    assert page.evaluate(GRAPH_FITS, "u_chart") == []
    graph = page.locator(".st-key-u_chart .unrolled-graph")
    if width < 1280:                  # eight columns in 640 px: the numbers that do not fit are left out, and said so
        assert int(graph.get_attribute("data-left")) > 0
        assert "hover a node for those left out" in " ".join(graph.locator("text.note").all_text_contents())
    else:
        assert graph.get_attribute("data-left") is None
    page.close()
