"""An ASGI middleware that tells Streamlit's page where its server is (``deploy/asgi.py`` wraps the app in it).

Streamlit's page looks for its server by asking ``<the page's path>/_stcore/health`` first and, after that 404 and
a retry delay of its own (100 ms), ``/_stcore/health``, on every first load of a page other than Home (skipping it
gains 0.03–0.12 s, medians of interleaved loads in the README: the page's other work fills part of the wait).
The page skips the search when ``window.__streamlit.BACKEND_BASE_URL`` is set, which only its HTML can do before
the page's script starts, and Streamlit writes that HTML itself; so the middleware puts a constant script at the
top of it. The base is the page's own path without the app's page name, so the app also works below a proxy's
path prefix (one named like a page, ``/gates``, must be opened with its trailing slash: ``/gates/``). Nothing from
a request or a file goes into the script: only the names of ``pages/*.py``, as JSON.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
#: Streamlit's own routes: never an HTML page
RESERVED = ("/_stcore", "/static", "/app/static", "/component", "/media")
SCRIPT = ("<script>(function () {"
          f"var pages = {json.dumps(PAGES)}, parts = location.pathname.split('/');"
          "if (pages.indexOf(parts[parts.length - 1]) >= 0) parts.pop();"
          "var base = parts.join('/').replace(/\\/+$/, '') + '/';"
          "window.__streamlit = Object.assign(window.__streamlit || {}, {BACKEND_BASE_URL: location.origin + base});"
          "})();</script>").encode()


class BaseUrlScript:
    """ASGI middleware: the page's HTML (a GET outside Streamlit's own routes answered with ``text/html``) gets
    :data:`SCRIPT` as the first thing in its ``<head>``; every other answer passes through untouched, unbuffered."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(RESERVED):
            return await self.app(scope, receive, send)
        # the page uncompressed and whole (7.8 kB; a proxy in front compresses it), never a 304 of a page
        # cached without the script
        dropped = (b"accept-encoding", b"if-none-match", b"if-modified-since")
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() not in dropped])
        start, chunks = {}, []

        async def rewrite(message):
            if message["type"] == "http.response.start":
                html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in message["headers"])
                if not html:
                    return await send(message)
                start.update(message)
                return None
            if not start:                                    # not the page: as it came
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            body = b"".join(chunks).replace(b"<head>", b"<head>" + SCRIPT, 1)
            headers = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-length", b"etag")]
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            return await send({"type": "http.response.body", "body": body})

        return await self.app(scope, receive, rewrite)

