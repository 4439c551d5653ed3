"""Stepping through in a real browser: every step drawn by the page from the run it was sent once, with the
engine's numbers, no message to the server per step, the keys, the link's step, a deep link on a fresh server,
typed characters as typed, and the page at a projector's 1280×720 (screenshots in artifacts/)."""

import time

import pytest
from browser import browser, fresh_server, open_page, screenshot  # noqa: F401

from apptest import engine_run
from rnn_core.data import END

REPORT_S = 1.5                       # ui/components/stepper.js: quiet time before the step is reported

# what the stepper shows now, read from its shadow root in one go: {heading, t, tables: {name: {col: [cells]}},
# vectors: {quantity: [numbers]}, results: {picture: [cells]}, next_disabled, play}
SHOWN = """() => {
    const host = document.querySelector('[data-testid="stBidiComponentIsolated"]');
    const root = host && host.shadowRoot && host.shadowRoot.querySelector('.stepper');
    if (!root) return null;
    const table = (cls) => {
        const t = root.querySelector('table.' + cls);
        if (!t) return null;
        const out = {};
        for (const td of t.querySelectorAll('tbody td')) (out[td.dataset.col] ??= []).push(td.textContent);
        return out;
    };
    const vectors = {};
    for (const term of root.querySelectorAll('.eq .term'))
        vectors[term.dataset.quantity] = [...term.querySelectorAll('.vec .num')].map((n) => n.textContent);
    const results = {};
    for (const mv of root.querySelectorAll('.matvec'))
        results[mv.dataset.name] = [...mv.querySelectorAll('.cell.result')].map((c) => c.textContent);
    return {heading: root.querySelector('.heading').textContent, t: Number(root.dataset.drawn),
            tables: {units: table('units'), outputs: table('outputs'), sequence: table('sequence')},
            vectors, results, next_disabled: root.querySelector('button.next').disabled,
            play: root.querySelector('button.play').textContent};
}"""


def shown(page):
    return page.evaluate(SHOWN)


def wait_for_step(page, t):
    page.wait_for_function(f"""() => {{
        const h = document.querySelector('[data-testid="stBidiComponentIsolated"]');
        const r = h && h.shadowRoot && h.shadowRoot.querySelector('.stepper');
        return r && r.dataset.drawn === '{t}';
    }}""", timeout=30_000)


def button(page, name):
    return page.locator(f".stepper button.{name}")


def open_watched(browser, url):  # noqa: F811
    """A page opened at url, and the times (time.monotonic) of every websocket message it sends the server."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.monotonic())))
    page.goto(url)
    return page, sent


def fmt(v):
    return f"{v:+.4f}"


def check_step(view, data, rec, t, b=0):
    """The numbers on screen at step t are the record's, to the digits shown."""
    layer, kind = rec.rnn.layers[0], rec.rnn.layers[0].kind
    T = int(data.lengths[b])
    assert view["heading"].startswith(f"Step {t + 1} of {T} (t = {t}): input “{data.tokens[b][t]}”")
    units = view["tables"]["units"]
    assert units["h_t"] == [fmt(v) for v in layer.hidden[t, b]]
    assert units["h_{t−1}"] == [fmt(v) for v in layer.hidden_prev[t, b]]
    if kind == "rnn":
        assert units["a_t"] == [fmt(v) for v in layer.preactivation[t, b]]
        assert units["W_ih x_t + b_ih"] == [fmt(v) for v in layer.input_product[t, b]]
    for g in {"lstm": "ifgo", "gru": "rzn"}.get(kind, ""):
        assert units[f"{g}_t"] == [fmt(v) for v in layer.gate(g)[t, b]]
    if kind == "lstm":
        assert units["c_t"] == [fmt(v) for v in layer.cell[t, b]]
    outputs = view["tables"]["outputs"]
    assert outputs["s_t"] == [fmt(v) for v in rec.head.logits[t, b]]
    assert outputs["y_t"] == [f"{v:.4f}" for v in rec.head.y[t, b]]
    assert view["vectors"]["h"] == [f"{v:.3f}" for v in layer.hidden[t, b]]          # the equations
    block = {"lstm": "g", "gru": "n"}.get(kind, "h")
    assert view["results"]["input"] == [f"{v:.2f}" for v in layer.gate(block, "input_product")[t, b]]
    assert view["results"]["recurrent"] == [f"{v:.2f}" for v in layer.gate(block, "recurrent_product")[t, b]]


@pytest.fixture(scope="module")
def server():
    with fresh_server() as url:
        yield url


@pytest.mark.parametrize("example", ["jazz", "kennedy"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_next_through_every_step_shows_the_engines_numbers_with_no_message_per_step(browser, server, example,  # noqa: F811
                                                                                   cell):
    data, rec = engine_run(example, cell=cell)
    T = int(data.lengths[0])
    page, sent = open_watched(browser, f"{server}/step_through?example={example}&cell={cell}")
    wait_for_step(page, 0)
    check_step(shown(page), data, rec, 0)
    clicks = []
    for t in range(1, T):
        clicks.append(time.monotonic())
        button(page, "next").click()
        wait_for_step(page, t)
        check_step(shown(page), data, rec, t)
        assert f"t={t}" in page.url                                  # the link has the step at once
    done = time.monotonic()
    assert sent and sent[0] < clicks[0], "the page's websocket was not watched"
    assert shown(page)["next_disabled"]
    # a message during the walk may only be the step's report after a pause in the clicking, never a step
    during = [s for s in sent if clicks[0] <= s <= done]
    assert all(s - max(c for c in clicks if c <= s) >= REPORT_S - 0.3 for s in during), "a step asked the server"
    page.wait_for_timeout(REPORT_S * 1000 + 1500)
    assert [s for s in sent if s > done], "the step was never reported to the server"
    assert f"t={T - 1}" in page.url
    page.close()


def test_stepping_through_jazz_shows_the_engines_numbers(browser):  # noqa: F811
    data, rec = engine_run("jazz")
    with fresh_server() as url:
        page = open_page(browser, f"{url}/step_through")
        wait_for_step(page, 0)
        for t in range(1, 4):
            button(page, "next").click()
            wait_for_step(page, t)
            check_step(shown(page), data, rec, t)
        assert shown(page)["next_disabled"]
        assert "t=3" in page.url                                     # the link reproduces the step
        screenshot(page, "step-through-jazz-last-step")
        page.close()


def test_play_runs_to_the_end_and_stops(browser, server):  # noqa: F811
    page = open_page(browser, f"{server}/step_through?example=home")
    wait_for_step(page, 0)
    page.locator(".stepper .pace select").select_option("0.5")
    button(page, "play").click()
    assert shown(page)["play"].endswith("Pause")
    wait_for_step(page, 2)
    page.wait_for_function("""() => document.querySelector('[data-testid="stBidiComponentIsolated"]').shadowRoot
        .querySelector('button.play').textContent.endsWith('Play')""", timeout=10_000)   # stopped at the end
    page.wait_for_timeout(1200)
    assert shown(page)["t"] == 2
    button(page, "play").click()                                     # Play at the end starts over
    assert shown(page)["t"] == 0 and shown(page)["play"].endswith("Pause")
    page.close()


def test_keys_step_play_and_reset(browser, server):  # noqa: F811
    page = open_page(browser, f"{server}/step_through")
    wait_for_step(page, 0)
    for key, t in (("ArrowRight", 1), ("ArrowRight", 2), ("ArrowLeft", 1), ("ArrowRight", 2), ("Home", 0)):
        page.keyboard.press(key)
        wait_for_step(page, t)
    page.keyboard.press(" ")
    assert shown(page)["play"].endswith("Pause")
    page.keyboard.press(" ")
    assert shown(page)["play"].endswith("Play")
    button(page, "play").focus()                                     # space on the focused Play: one toggle only
    page.keyboard.press(" ")
    assert shown(page)["play"].endswith("Pause")
    page.keyboard.press(" ")
    assert shown(page)["play"].endswith("Play")
    # typing in a setting's box is not stepping
    seed = page.locator('[data-testid="stSidebar"] input[type="number"]')
    step = shown(page)["t"]
    seed.focus()
    page.keyboard.press("ArrowRight")
    assert shown(page)["t"] == step
    page.close()


def test_the_reported_step_survives_a_setting_change_and_goes_into_the_servers_link(browser, server):  # noqa: F811
    page = open_page(browser, f"{server}/step_through")
    wait_for_step(page, 0)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 2)
    page.locator('[data-testid="stSidebar"] button').filter(has_text="LSTM").click()
    page.wait_for_function("""() => {
        const h = document.querySelector('[data-testid="stBidiComponentIsolated"]');
        return h?.shadowRoot?.querySelectorAll('.stepper .gates button').length === 4;
    }""", timeout=30_000)
    data, rec = engine_run("jazz", cell="lstm")
    check_step(shown(page), data, rec, 2)                            # the LSTM's numbers, at the same step
    page.keyboard.press("ArrowRight")                                # the cell's button has the focus: → steps
    wait_for_step(page, 3)
    assert "cell=lstm" in page.url
    page.wait_for_timeout(REPORT_S * 1000 + 1500)
    assert "t=3" in page.url and "cell=lstm" in page.url
    page.close()


def test_a_deep_link_on_a_fresh_server_opens_on_its_step(browser):  # noqa: F811
    data, rec = engine_run("kennedy", trained=True)
    with fresh_server() as url:
        page = open_page(browser, f"{url}/step_through?example=kennedy&weights=trained&t=5")
        wait_for_step(page, 5)
        view = shown(page)
        check_step(view, data, rec, 5)
        assert view["tables"]["sequence"]["P(name)"][0] == f"{rec.head.y[0, 0, 0]:.4f}"
        assert view["tables"]["sequence"]["prediction"][4:6] == ["name", "name"]
        page.close()


@pytest.mark.parametrize("text", ["#a*b-c+d>e", "<b>x</b>"])
def test_typed_characters_are_shown_exactly(browser, server, text):  # noqa: F811
    from urllib.parse import quote
    page = open_page(browser, f"{server}/step_through?example=own&text={quote(text)}")
    wait_for_step(page, 0)
    sequence = shown(page)["tables"]["sequence"]
    assert "".join(sequence["input x_t"]) == text
    assert sequence["target"] == list(text[1:]) + ["end"]
    assert END not in "".join(sequence["target"])
    page.close()


FITS = """() => {
    const root = document.querySelector('[data-testid="stBidiComponentIsolated"]').shadowRoot.querySelector('.stepper');
    const cut = [];
    const check = (e, what) => {
        if (e.scrollWidth > e.clientWidth + 1) cut.push(what + ': ' + e.textContent.slice(0, 40));
    };
    root.querySelectorAll('button').forEach((b) => check(b, 'button'));
    check(root.querySelector('.svg-host'), 'network');
    check(root.querySelector('table.units').parentElement, 'hidden units');
    const svg = root.querySelector('svg.net').getBoundingClientRect();
    for (const label of root.querySelectorAll('svg.net text')) {
        const r = label.getBoundingClientRect();
        if (r.left < svg.left - 1 || r.right > svg.right + 1) cut.push('label: ' + label.textContent);
    }
    const main = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
    if (root.getBoundingClientRect().right > main.right + 1) cut.push('the stepper is wider than the page');
    return cut;
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1400, 1000)])
def test_kennedy_with_an_lstm_fits_a_projector_with_the_controls_in_view(browser, server, size):  # noqa: F811
    width, height = size
    page = open_page(browser, f"{server}/step_through?example=kennedy&cell=lstm&weights=trained&t=5", width, height)
    wait_for_step(page, 5)
    assert page.evaluate(FITS) == []
    page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTop = 1500")
    page.wait_for_timeout(300)
    nxt = button(page, "next").bounding_box()
    assert 0 <= nxt["y"] and nxt["y"] + nxt["height"] <= height, "Next scrolled out of view"
    page.screenshot(path=str(screenshot_path(f"step-through-kennedy-lstm-{width}x{height}")))
    page.keyboard.press("ArrowRight")                                # the keys work while scrolled down
    wait_for_step(page, 6)
    page.close()


def screenshot_path(name):
    from browser import ARTIFACTS
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_a_key_after_setting_changes_moves_one_step(browser, server):  # noqa: F811
    """Each setting change runs the stepper again on new data; the runs before must stop listening."""
    page = open_page(browser, f"{server}/step_through?example=kennedy")
    wait_for_step(page, 0)
    for cell, blocks in (("LSTM", 4), ("GRU", 3)):
        page.locator('[data-testid="stSidebar"] button').filter(has_text=cell).click()
        page.wait_for_function(f"""() => {{
            const h = document.querySelector('[data-testid="stBidiComponentIsolated"]');
            return h?.shadowRoot?.querySelectorAll('.stepper .gates button').length === {blocks};
        }}""", timeout=30_000)
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 1)
    page.wait_for_timeout(500)
    assert shown(page)["t"] == 1
    page.close()
