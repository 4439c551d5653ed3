"""The app as a whole: the home page through app.py, and every page reached through the navigation."""

import pytest
from streamlit.testing.v1 import AppTest

from apptest import ROOT, table, texts
from ui.nav import PAGES


def app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def test_home_explains_the_loop_and_shows_the_two_zs_of_jazz():
    at = app()
    assert at.title[0].value.startswith("Unrolled")
    rows = table(at, 0)
    assert list(rows["input x_t"]) == ["J", "A", "Z", "Z"]
    assert list(rows["predicted next"]) == ["A", "Z", "Z", "end"]          # trained: memory tells the Zs apart
    assert rows["hidden state h_t"].iloc[2] != rows["hidden state h_t"].iloc[3]
    assert "unrolled" in texts(at)


def test_home_has_a_card_for_every_other_page():
    at = app()
    cards = {link.proto.label for link in at.main.get("page_link")}
    assert cards == {p.title for p in PAGES if p.url_path}
    navigation = [link.proto.label for link in at.sidebar.get("page_link")]
    assert navigation == [p.title for p in PAGES]                     # every page, in teaching order


@pytest.mark.parametrize("info", [p for p in PAGES if p.url_path], ids=lambda p: p.url_path)
def test_every_page_runs_inside_the_app(info):
    at = app()
    at.switch_page(info.file).run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith(info.title.split(" &")[0].split(" (")[0])
