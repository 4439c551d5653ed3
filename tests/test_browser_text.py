"""Generate and the hidden-state explorer in a real browser, each opened first by its URL on a fresh server: the
link's settings are applied, the engine's text and numbers are on screen, and a bad input is explained."""

import re

from browser import browser, fresh_server, open_page, screenshot, settle  # noqa: F401

from rnn_core import text_model as tm
from rnn_core.corpus import features, structured_corpus
from rnn_core.units import correlations, states


def test_generate_opened_by_its_url_writes_the_engines_text(browser):  # noqa: F811
    model, vocab, _ = tm.shipped_model()
    greedy = tm.sample(model, vocab, "((", 120, 0.0, None, 0)
    with fresh_server() as url:
        page = open_page(browser, f"{url}/generate?gen_temp=0.0&gen_len=120&gen_prime=((")
        settle(page)
        code = page.locator('[data-testid="stCode"]').first
        code.wait_for(timeout=120_000)                                   # a first visit on a busy machine
        code = code.inner_text()
        assert code.strip() == ("((" + greedy.text).strip()
        page.wait_for_function("""() => document.querySelectorAll('.unrolled-plot[data-drawn]').length >= 2""",
                               timeout=120_000)                         # the text grid and the distribution
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "generate")
        prime = page.get_by_label("Prime (the model reads it first)")
        prime.fill("(Ω")
        prime.press("Enter")
        page.get_by_text("which the model never saw").wait_for(timeout=120_000)
        assert "gen_len=120" in page.url                               # nothing else was lost
        page.goto(f"{url}/generate?tx_corpus=own")
        page.locator('input[type="file"]').set_input_files(
            files=[{"name": "photo.txt", "mimeType": "text/plain", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(range(256))}])
        page.get_by_text("the uploaded file cannot be used: the file is not UTF-8 text").wait_for(timeout=120_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()


def test_explorer_opened_by_its_url_selects_and_matches(browser):  # noqa: F811
    passage = structured_corpus(n_chars=700, seed=1)[:500]
    model, vocab, _ = tm.shipped_model()
    st = states(tm.run_text(model, vocab, passage), passage)
    r = correlations(st.values, features(passage)["bracket depth"])
    best = r[abs(r).argmax()]
    with fresh_server() as url:
        page = open_page(browser, f"{url}/explorer?ex_len=500&ex_query=(((&ex_thr=0.2")
        settle(page)
        page.get_by_text("hidden unit(s) stay on").first.wait_for(timeout=120_000)
        pick = page.get_by_role("button", name=re.compile("^bracket depth: "))
        pick.wait_for(timeout=60_000)
        assert pick.inner_text().strip().endswith(f"({best:+.2f})")           # the engine's r on the button
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "explorer")
        page.close()
