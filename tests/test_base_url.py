"""The middleware that tells Streamlit's page where its server is (deploy/base_url.py): the page's HTML gets one
constant script, every other answer passes as it came; and the script's base, run in Chromium, for the app's
pages at the root and below a proxy's path prefix."""

import asyncio

import pytest
from browser import browser  # noqa: F401  (a fixture)

from deploy.base_url import PAGES, SCRIPT, BaseUrlScript

HTML = b"<!doctype html><html><head><title>x</title></head><body></body></html>"


def through(path, content_type, body, headers=()):
    """(the request headers the app saw, the response start, the body sent) for one GET through the middleware."""
    seen = {}

    async def app(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                                (b"etag", b'"abc"')]})
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": list(headers)}
    asyncio.run(BaseUrlScript(app)(scope, None, send))
    start, bodies = sent[0], [m.get("body", b"") for m in sent[1:]]
    return seen["headers"], start, b"".join(bodies)


def test_a_page_gets_the_script_first_in_its_head_and_its_length_told():
    asked = [(b"accept-encoding", b"gzip"), (b"if-none-match", b'"abc"'), (b"cookie", b"a=1")]
    headers, start, body = through("/step_through", b"text/html; charset=utf-8", HTML, asked)
    assert body == HTML.replace(b"<head>", b"<head>" + SCRIPT)
    out = dict(start["headers"])
    assert out[b"content-length"] == str(len(body)).encode() and b"etag" not in out
    # asked uncompressed and whole (never a 304 of a copy cached without the script); the rest as it came
    assert headers == {b"cookie": b"a=1"}


@pytest.mark.parametrize("path, content_type", [("/static/js/index.js", b"application/javascript"),
                                                ("/_stcore/health", b"text/plain"),
                                                ("/app/static/plotly.js", b"application/javascript"),
                                                ("/step_through", b"application/json")])
def test_every_other_answer_passes_as_it_came(path, content_type):
    asked = [(b"accept-encoding", b"gzip")]
    headers, start, body = through(path, content_type, b"x" * 100 + b"<head>", asked)
    assert body == b"x" * 100 + b"<head>" and dict(start["headers"])[b"etag"] == b'"abc"'
    if path.startswith(("/static", "/_stcore", "/app/static")):
        assert headers == dict(asked)                          # Streamlit's own routes: not even the request


def test_the_script_is_constant_and_names_every_page():
    text = SCRIPT.decode()
    assert text.count("</") == 1 and text.endswith("</script>")
    assert all(f'"{name}"' in text for name in ("step_through", "gates", "unrolled", "generate", "explorer"))
    assert len(PAGES) == 9


@pytest.mark.parametrize("path, base", [("/", "/"), ("/step_through", "/"), ("/gates?seed=3", "/"),
                                        ("/unrolled", "/"), ("/unrolled/", "/unrolled/"),
                                        ("/unrolled/step_through", "/unrolled/"), ("/a/b", "/a/b/"),
                                        ("/a/b/explorer", "/a/b/")])
def test_the_base_is_the_pages_path_without_its_page_name(browser, path, base):  # noqa: F811
    """``unrolled`` is a page of the app (pages/unrolled.py) and, in some rows here, a proxy's prefix: at the end
    of the path it is the page, as Streamlit reads it; the home page below a prefix is the prefix itself."""
    page = browser.new_page()
    page.route("http://app.test/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                   body=HTML.replace(b"<head>", b"<head>" + SCRIPT)))
    page.goto("http://app.test" + path)
    assert page.evaluate("() => window.__streamlit.BACKEND_BASE_URL") == "http://app.test" + base
    page.close()
