"""The attention page in a real browser on a fresh server: opened by its URL (a step in the link), trained at once
from the shipped model, the decoder stepped with Next and Previous showing the engine's α, the lines view
isolating a word's lines on hover, and Play / Pause."""

import numpy as np
from browser import browser, fresh_server, open_page, screenshot, settle  # noqa: F401

from apptest import attention_seed_run
from rnn_core.examples import ATTENTION_EN

EN = ATTENTION_EN.split()


def test_open_by_url_and_step_the_decoder(browser):  # noqa: F811
    written, rec = attention_seed_run()
    with fresh_server() as url:
        page = open_page(browser, f"{url}/attention?at_t=3")
        page.get_by_text(f"Output step t = 3 of 14: writing “{written[3]}”").wait_for(timeout=60_000)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "loaded from the shipped model file" in page.inner_text("body")
        for t in (4, 5):
            page.get_by_role("button", name="Next").click()
            page.get_by_text(f"Output step t = {t} of 14: writing “{written[t]}”").wait_for()
            settle(page)
            j = int(rec.weights[t, 0].argmax())
            equations = page.locator('[data-testid="stMarkdownContainer"] .katex').all_inner_texts()
            assert any(f"{rec.weights[t, 0, j]:.4f}" in e for e in equations), "α_tj of the engine is not shown"
            assert any(f"{rec.scores[t, 0, j]:.4f}" in e for e in equations), "e_tj of the engine is not shown"
        assert "at_t=5" in page.url
        page.get_by_role("button", name="Previous").click()
        page.get_by_text(f"Output step t = 4 of 14: writing “{written[4]}”").wait_for()
        settle(page)

        # the lines view: hovering "zone" leaves only its lines, the strongest one to "Area"
        svg = page.locator("svg.att-lines")
        svg.wait_for()
        total = svg.locator("line").count()
        page.locator("svg.att-lines text.att-out", has_text="zone").first.hover()
        visible = svg.locator("line:visible")
        assert 0 < visible.count() < total
        titles = [visible.nth(i).locator("title").text_content() for i in range(visible.count())]
        assert all(t.startswith("zone ←") for t in titles)
        best = max(titles, key=lambda t: float(t.split("= ")[1]))
        assert best.startswith("zone ← Area") and np.isclose(float(best.split("= ")[1]),
                                                              rec.weights[4, 0, EN.index("Area")], atol=1e-4)

        # Play steps on by itself from the step shown, Pause stops it
        page.get_by_role("button", name="Play").click()
        page.get_by_text("Output step t = 6 of 14").wait_for(timeout=60_000)
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
        settle(page)
        shown = page.locator("h3", has_text="Output step").first.inner_text()
        page.wait_for_timeout(3000)                             # paused: no further step
        assert page.locator("h3", has_text="Output step").first.inner_text() == shown
        screenshot(page, "attention")
        page.close()
