"""The vanishing & exploding gradients page in a real browser: the clipping runs arrive from the worker, and a
link's refused settings stay said when they do."""

import pytest
from browser import browser, fresh_server, settle  # noqa: F401


@pytest.fixture(scope="module")
def server():
    with fresh_server() as url:
        yield url


def test_a_bad_links_warnings_stay_when_the_clipping_runs_arrive(browser, server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(60_000)
    page.goto(f"{server}/gradients?v_scale=9&v_act=softplus&seed=17")    # a new seed: its runs train first
    page.get_by_text("Both runs took").wait_for(timeout=120_000)          # the page has run again for them
    settle(page)
    alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "v_scale='9' is not allowed" in alerts and "v_act='softplus' is not allowed" in alerts
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("slider").first.focus()                                # the person's own action: then gone
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    settle(page)
    assert "is not allowed" not in " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    page.close()
