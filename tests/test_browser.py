"""The app in a real browser: every page opened first by its URL on a fresh server (navigation, settings and
the link's query parameters as when reached through the navigation) and a screenshot of every page
(artifacts/); stepping through is in test_browser_stepping.py."""

import pytest
from browser import browser, fresh_server, open_page, screenshot, settle  # noqa: F401

from ui.nav import PAGES


@pytest.mark.parametrize("info", PAGES, ids=[p.url_path or "home" for p in PAGES])
def test_each_page_opened_first_by_its_url_on_a_fresh_server(browser, info):  # noqa: F811
    with fresh_server() as url:
        requests = []
        page = open_page(browser, f"{url}/{info.url_path}?seed=3", requests=requests)
        settle(page)
        assert "seed=3" in page.url, "the link's settings were dropped"
        # the page is told where its server is (deploy/base_url.py): one health check, at the server's root, and
        # not first a 404 at <page>/_stcore/health and Streamlit's 100 ms retry
        assert [r.removeprefix(url) for r in requests if "/_stcore/health" in r] == ["/_stcore/health"]
        assert page.title().startswith("Unrolled"), "the app's page config was skipped"
        links = page.locator('.st-key-navigation [data-testid="stPageLink-NavLink"]')
        links.nth(len(PAGES) - 1).wait_for()
        nav = page.locator('[data-testid="stSidebar"] .st-key-navigation').inner_text()
        assert all(p.title in nav for p in PAGES), f"the app's navigation is missing: {nav!r}"
        assert "Recurrent networks" in nav
        heading = page.locator("h1").first.inner_text()
        assert heading.startswith(info.title.split(" (")[0]) or info.url_path == ""
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("Page not found").count() == 0
        looks = [links.nth(i).evaluate("a => getComputedStyle(a).backgroundColor") for i in range(links.count())]
        highlighted = [p.title for p, look in zip(PAGES, looks, strict=True) if looks.count(look) == 1]
        assert highlighted == [info.title], "the navigation should highlight the page shown, and only it"
        screenshot(page, info.url_path or "home")
        page.close()


def curve_end(page):
    """The update number of the loss curve's last point as drawn (the chart keyed "curves", first trace), read
    from the browser; 0 when nothing is drawn. (Long curves are thinned, so the point count stops growing.)"""
    return page.evaluate("""() => {
        const plot = document.querySelector('.st-key-curves .js-plotly-plot');
        const x = plot && plot.data && plot.data.length ? plot.data[0].x : [];
        return x.length ? Number(x[x.length - 1]) : 0;
    }""")


def progress_text(page):
    return page.locator('[data-testid="stProgress"]').first.inner_text()


GROWN_PAST = """(after) => {
    const x = document.querySelector('.st-key-curves .js-plotly-plot')?.data?.[0]?.x;
    return Boolean(x && x.length && Number(x[x.length - 1]) > after);
}"""


def test_live_training_grows_pauses_and_resumes(browser):  # noqa: F811
    with fresh_server() as url:
        page = open_page(browser, f"{url}/training?tr_example=memory&tr_steps=5000")
        settle(page)
        assert curve_end(page) == 0
        page.get_by_role("button", name="Start").click()
        page.wait_for_function(GROWN_PAST, arg=5, timeout=20_000)
        first = curve_end(page)
        page.wait_for_timeout(1500)
        assert curve_end(page) > first, "the loss curve did not grow while training"
        # several rounds: a Pause that lands with a timer tick must still pause (a toggle once restarted training)
        for _ in range(3):
            page.get_by_role("button", name="Pause").click()
            page.get_by_role("button", name="Start").wait_for()
            settle(page)
            frozen, text = curve_end(page), progress_text(page)
            page.wait_for_timeout(1500)
            assert curve_end(page) == frozen and progress_text(page) == text, "training went on while paused"
            page.get_by_role("button", name="Start").click()                 # resume
            page.wait_for_function(GROWN_PAST, arg=frozen, timeout=20_000)
        screenshot(page, "live-training-running")
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Start").wait_for()
        page.close()


def rnn_norms(page):
    """‖∂L/∂h_t‖ of the vanilla RNN, as drawn in the gradient page's first chart, earliest step first."""
    return page.evaluate("""() => {
        const plot = document.querySelector('.st-key-v_norms .js-plotly-plot[data-drawn]');
        const trace = plot._fullData.find(t => (t.name || '').includes('RNN'));   // typed arrays decoded
        const xs = Array.from(trace.x), ys = Array.from(trace.y);
        return xs.map((x, i) => [x, ys[i]]).sort((a, b) => a[0] - b[0]).map(p => p[1]);
    }""")


def test_gradient_plot_turns_from_vanishing_to_exploding_when_the_scale_crosses_one(browser):  # noqa: F811
    with fresh_server() as url:
        page = open_page(browser, f"{url}/gradients?v_scale=0.9")
        page.locator('.st-key-v_norms .js-plotly-plot[data-drawn]').wait_for()
        page.get_by_text("Both runs took").wait_for(timeout=120_000)   # the worker's clipping runs have rerun it
        settle(page)
        below = rnn_norms(page)
        assert below[0] < below[-1], "at scale 0.9 the gradient should shrink towards the early steps"
        slider = page.locator('[data-testid="stSlider"]').filter(has_text="Recurrent scale").get_by_role("slider")
        slider.focus()
        for _ in range(3):                                    # 0.9 → 1.2, as a person drags it, one notch at a time
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.location.search.includes('v_scale=1.2')", timeout=20_000)
        settle(page)
        page.wait_for_function("() => document.querySelectorAll('[data-stale=\"true\"]').length === 0")
        above = rnn_norms(page)
        assert above[0] > above[-1], "at scale 1.2 the gradient should grow towards the early steps"
        screenshot(page, "vanishing-gradients-scale-1.2")
        page.close()
