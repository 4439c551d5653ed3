"""A real browser on a real server: Debian's Chromium driven by Playwright, each test with its own fresh server.

Chromium comes from the system (``apt-get install -y chromium``, done by ``make test``); Playwright never
downloads a browser of its own.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fresh_server():
    """``streamlit run deploy/asgi.py`` (the app) on a free port, as ``make run`` starts it; yields its base URL."""
    port = free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "deploy/asgi.py", "--server.port", str(port),
                             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start:\n" + proc.stdout.read().decode()) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `make test` installs it (apt-get install -y chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def open_page(browser, url, width=1400, height=1000, requests=None):
    """A new page at ``url``; ``requests``: a list that collects the URL of every request the page makes."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(30_000)
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    page.wait_for_selector('[data-testid="stAppViewContainer"]')
    return page


def settle(page, quiet_ms=800, timeout_ms=30_000):
    """Wait until the app has finished running: no 'running' status and no stale elements for a moment."""
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=timeout_ms)     # the script has begun drawing
    deadline = time.monotonic() + timeout_ms / 1000
    calm_since = None
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"]').count() > 0 or \
            page.locator('[data-stale="true"]').count() > 0
        if busy:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif (time.monotonic() - calm_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the app kept running")


def screenshot(page, name):
    """A full-height screenshot into artifacts/screenshots (Streamlit scrolls inside its own container)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.unrolled-plot'))
        .every(c => c.querySelector('.main-svg'))""", timeout=30_000)                  # every chart drawn
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 1000")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(int(height) + 50, 6000)})
    page.wait_for_timeout(1500)                         # lazily drawn elements below the old fold
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def table_rows(page, index):
    """The cells of the index-th table now shown (scoped to fresh elements), as lists of strings."""
    rows = page.locator('[data-testid="stTable"] table').nth(index).locator("tbody tr")
    return [[c.inner_text().strip() for c in rows.nth(i).locator("th, td").all()] for i in range(rows.count())]
