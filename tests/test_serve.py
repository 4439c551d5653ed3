"""`make serve` on loopback: two replicas behind HAProxy, driven by Chromium.

A browser stays on the replica its cookie names, across reloads and websocket reconnects (checked in the
proxy's own log, which names the server behind every request); a second browser is sent to the other
replica, so the stickiness is not an accident of one busy replica. When the replica under a student stops,
the browser reconnects to the other one, and the page comes back there with its link's settings and a
notice that it moved.
"""

import gzip
import json
import re
import shlex
import socket
import subprocess
import time

import pytest
from browser import browser, screenshot, settle  # noqa: F401  (browser is a fixture)

from deploy.serve import Cluster, haproxy_binary

pytestmark = pytest.mark.skipif(haproxy_binary() is None,
                                reason="haproxy is not installed (`make test` installs it: apt-get install -y haproxy)")

COOKIE = "UNROLLED_REPLICA"
NOTICE = "The server this page was on stopped"


def consecutive_free_ports(n):
    """n free consecutive loopback ports (the replicas'), and one more free port (the proxy's)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + n > 65000:
            continue
        socks = []
        try:
            for port in range(first, first + n + 1):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return first, first + n
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free consecutive ports")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    first, proxy = consecutive_free_ports(2)
    with Cluster(2, proxy, first, logs=tmp_path_factory.mktemp("serve")) as c:
        yield c


def sockets_by_replica(cluster):
    """[replica name, ...] for every websocket the proxy opened, in order (from HAProxy's log)."""
    return re.findall(r"replicas/(r\d+) .*\"GET /_stcore/stream ", cluster.proxy_log.read_text())


def wait_for(condition, timeout=60, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def replica_of(context):
    return {c["name"]: c["value"] for c in context.cookies()}.get(COOKIE)


def test_a_browser_stays_on_its_replica_across_reloads_and_reconnects(cluster, browser):  # noqa: F811
    first = browser.new_context(viewport={"width": 1280, "height": 720})
    second = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = first.new_page()
        page.goto(cluster.url + "/unrolled?seed=2")
        settle(page)
        mine = replica_of(first)
        assert mine in cluster.replicas
        opened = len(sockets_by_replica(cluster))
        # another browser, arriving while this one is connected, goes to the less busy replica
        other = second.new_page()
        other.goto(cluster.url + "/unrolled")
        settle(other)
        assert replica_of(second) not in (None, mine)
        wait_for(lambda: len(sockets_by_replica(cluster)) >= opened + 1, what="the second browser's websocket")
        assert sockets_by_replica(cluster)[-1] == replica_of(second)
        for _ in range(2):
            page.reload()
            settle(page)
            assert replica_of(first) == mine
        # a dropped connection (the proxy cuts every tunnel to that replica, as a network blip would): the page
        # reconnects to the same replica, where its session still is
        before = len(sockets_by_replica(cluster))
        cluster.admin(f"shutdown sessions server replicas/{mine}")
        wait_for(lambda: len(sockets_by_replica(cluster)) > before, what="the reconnect")
        log = sockets_by_replica(cluster)
        mine_opened = [name for name in log[opened - 1:] if name != replica_of(second)]
        assert mine_opened == [mine] * len(mine_opened) and len(mine_opened) >= 4    # first, 2 reloads, reconnect
        assert log[-1] == mine
        assert replica_of(first) == mine
    finally:
        first.close()
        second.close()


def test_a_stopped_replica_sends_its_students_to_another_with_their_settings(cluster, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(cluster.url + "/step_through?example=kennedy&seed=3&cell=gru")
        settle(page)
        gone = replica_of(context)
        assert page.get_by_text(NOTICE).count() == 0
        before = len(sockets_by_replica(cluster))
        cluster.stop_replica(gone)
        # Streamlit's page reconnects by itself; the proxy sends it to the live replica
        wait_for(lambda: len(sockets_by_replica(cluster)) > before, what="the browser's reconnect")
        live = sockets_by_replica(cluster)[-1]
        assert live != gone
        # the page reruns by itself after the reconnect (the shell's slow timer makes Streamlit's page ask), as a
        # new session on the new replica: every setting from the link, and the notice
        page.get_by_text(NOTICE).wait_for(timeout=60_000)
        settle(page)
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("h1").first.inner_text() == "Step through"
        assert "Kennedy: which words are names?" in main.inner_text()          # example=kennedy, from the link
        assert main.get_by_text("z: update gate").count() == 1                 # cell=gru
        assert page.get_by_role("spinbutton", name="Seed").input_value() == "3"          # seed=3
        assert "example=kennedy" in page.url and "cell=gru" in page.url and "seed=3" in page.url
        assert replica_of(context) == live
        screenshot(page, "serve-moved")
        page.reload()
        settle(page)
        assert "Kennedy: which words are names?" in page.locator('[data-testid="stMain"]').inner_text()
        assert page.get_by_text(NOTICE).count() == 0        # only the session that moved is told
    finally:
        context.close()


def _get(url, cookie=None, **headers):
    """(status, headers, body) of one GET, with ``cookie`` (name=value) or none."""
    import urllib.request
    request = urllib.request.Request(url, headers={**headers, **({"Cookie": cookie} if cookie else {})})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, r.headers, r.read()


def test_the_proxy_sends_the_pages_files_from_memory_and_pins_no_one_with_them(cluster):
    """A first load asks for ~80 files; the proxy answers them itself once it has one, byte for byte the
    replica's, but never a page, a health check or a cookie: a new student still gets a replica of their own."""
    start = len(cluster.proxy_log.read_text())             # earlier tests' browsers may have stored them already
    _, headers, html = _get(cluster.url + "/")
    cookie = headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith(COOKIE + "=r")
    script = "/" + re.search(r'static/js/index[^"]+[.]js', html.decode()).group(0)
    files = [script, "/app/static/plotly-cartesian-4.1.1.min.js"]
    alive = next(name for name, proc in cluster.replicas.items() if proc.poll() is None)   # one test stops one
    for path in files:
        first, second = _get(cluster.url + path, cookie), _get(cluster.url + path, cookie)
        direct = _get(f"http://127.0.0.1:{cluster.ports[alive]}{path}")
        assert first[0] == second[0] == 200 and first[2] == second[2] == direct[2] and len(direct[2]) > 100_000
        # without a cookie: the stored copy, and nothing in it names a replica
        _, plain, body = _get(cluster.url + path)
        assert body == direct[2] and "Set-Cookie" not in plain
        # and gzipped for a browser that accepts it (Streamlit's own scripts are sent uncompressed)
        _, zipped, packed = _get(cluster.url + path, cookie, **{"Accept-Encoding": "gzip, deflate, br"})
        assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(packed) == direct[2]
        # HAProxy's gzip is its fastest level (and lowered when the proxy's CPU is busy): Streamlit's script came
        # to 0.47 of its size and plotly.js to 0.502 on one machine, just over the half an earlier test asked for
        assert len(packed) < len(direct[2]) * 0.7
    time.sleep(0.5)                                        # the log line is written as the answer leaves
    log = cluster.proxy_log.read_text()[start:]
    for path in files:
        servers = re.findall(rf'replicas/(\S+) .*"GET {re.escape(path)} ', log)
        assert len(servers) == 4 and servers[1:3] == ["<CACHE>"] * 2, servers
    for path in ("/", "/_stcore/health"):                  # always a replica's own answer
        for _ in range(2):
            assert _get(cluster.url + path, cookie)[0] == 200
    time.sleep(0.5)
    log = cluster.proxy_log.read_text()[start:]
    assert not re.search(r'<CACHE>.*"GET (/|/_stcore/health) ', log)
    _, fresh, _ = _get(cluster.url + "/")                  # a new student is still given a replica
    assert fresh["Set-Cookie"].startswith(COOKIE + "=r")


@pytest.mark.parametrize("replicas", [1, 4])
def test_haproxy_accepts_the_generated_configuration(tmp_path, replicas):
    from deploy.serve import haproxy_config
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(8501, [8511 + i for i in range(replicas)], str(tmp_path / "s.sock")))
    check = subprocess.run([haproxy_binary(), "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("WARNING") == 0 and "[WARNING]" not in check.stderr


def test_the_containers_command_is_one_the_launcher_accepts():
    """The Dockerfile runs `python -m deploy.serve ...` through sh (for $REPLICAS); its arguments must parse."""
    from pathlib import Path

    from deploy import serve
    cmd = next(line for line in (Path(serve.ROOT) / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
    args = shlex.split(json.loads(cmd[3:])[-1].replace("${REPLICAS}", "3"))
    assert args[:4] == ["exec", "python", "-m", "deploy.serve"]
    parsed = serve.parser().parse_args(args[4:])
    assert (parsed.host, parsed.port, parsed.replicas) == ("0.0.0.0", 8501, 3)
