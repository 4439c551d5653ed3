"""Live training in a real browser, where a click inside the live fragment reruns only that fragment: the
way back from an explosion must still enable Start and Step and move the learning-rate widget, which are
drawn outside it (AppTest reruns whole pages and cannot see this)."""

import re

from browser import browser, fresh_server, open_page, settle  # noqa: F401

BLOW_UP = "training?tr_example=jazz&tr_opt=sgd&tr_lr=50&tr_clip=0&tr_act=relu&tr_steps=300"


def test_restore_after_an_explosion_enables_start_sets_the_rate_and_training_goes_on(browser):  # noqa: F811
    with fresh_server() as url:
        page = open_page(browser, f"{url}/{BLOW_UP}")
        settle(page)
        page.get_by_role("button", name="Start").click(timeout=90_000)     # a fresh server on a busy machine
        page.get_by_text("Training stopped").first.wait_for()
        settle(page)
        assert page.get_by_role("button", name="Start").is_disabled()
        page.get_by_role("button", name="Restore the last good weights").click()
        page.get_by_text("Restored: back to the weights after update").first.wait_for()
        settle(page)
        slider = page.locator('[data-testid="stSlider"]').filter(has_text="Learning rate")
        assert slider.get_by_role("slider").get_attribute("aria-valuetext") == "5"
        start = page.get_by_role("button", name="Start")
        assert start.is_enabled() and page.get_by_role("button", name="Step").is_enabled()
        start.click(timeout=90_000)
        page.get_by_text(re.compile(r"update 300 of 300, loss \d")).first.wait_for(timeout=60_000)
        settle(page)
        assert page.get_by_text("Training stopped").count() == 0              # finite all the way
        page.close()
