"""N Streamlit replicas on consecutive loopback ports and HAProxy in front, with cookie affinity.

    python -m deploy.serve --replicas 2 --port 8501 --replica-port 8511     # what `make serve` runs

Each replica is ``streamlit run deploy/asgi.py`` (the app) with one BLAS thread (as ``make run``), bound to
127.0.0.1 and told its name in ``UNROLLED_REPLICA`` (r1, r2, ...), which is also the value of HAProxy's cookie
for it: a page that sees a cookie naming another replica knows its student was moved (``ui.replica``). The proxy checks
every replica at ``/_stcore/health`` each second and sends students of a stopped one to a live one; it sends
Streamlit's files and the app's plotly.js from its own memory, gzipped (``haproxy.cfg.template`` says why).
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # glibc gives every thread that allocates its own arena (Streamlit runs each session's script in a
           # thread of its own) and keeps their freed memory; two arenas keep a replica's memory to what it uses
           "MALLOC_ARENA_MAX": "2"}


def haproxy_config(port, replica_ports, socket_path, host="127.0.0.1", log=True):
    """The HAProxy configuration text for a proxy on ``host:port`` and replicas r1... on ``replica_ports``, its
    runtime API on the unix socket ``socket_path``."""
    servers = "\n".join(f"    server r{i} 127.0.0.1:{p} cookie r{i}" for i, p in enumerate(replica_ports, 1))
    return Template(TEMPLATE.read_text()).substitute(
        bind=f"{host}:{port}", servers=servers, socket=socket_path,
        log="    log stdout format raw local0" if log else "")


def haproxy_binary():
    """The path of Debian's haproxy, or None when it is not installed (``make serve`` installs it)."""
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.access(p, os.X_OK)), None)


def wait_healthy(url, deadline, proc=None):
    """Block until ``url``/_stcore/health answers 200; RuntimeError if ``proc`` exits or time runs out."""
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url} exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not become healthy in time")
        time.sleep(0.2)


class Cluster:
    """Replicas and the proxy as child processes; ``with Cluster(...) as c:`` starts and stops them all.

    Attributes
    ----------
    url : str                      the proxy's address, what students open
    replicas : dict name -> Popen  r1, r2, ... (a stopped replica stays in the dict, its process ended)
    ports : dict name -> int
    proxy : Popen                  HAProxy, its log (one line per request, server named) in ``proxy_log``
    """

    def __init__(self, replicas=2, port=8501, replica_port=8511, host="127.0.0.1", logs=None, options=None):
        self.host, self.port = host, port
        self.options = dict(options or {})           # more Streamlit settings, {"server.x": value}
        self.ports = {f"r{i}": replica_port + i - 1 for i in range(1, replicas + 1)}
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
        self.logs = Path(logs or tempfile.mkdtemp(prefix="unrolled-serve-"))
        self.replicas, self.proxy = {}, None

    @property
    def proxy_log(self):
        return self.logs / "haproxy.log"

    @property
    def admin_socket(self):
        return self.logs / "haproxy.sock"

    def admin(self, command):
        """Send one command to HAProxy's runtime API and return its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.admin_socket))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def replica_log(self, name):
        return self.logs / f"{name}.log"

    def start_replica(self, name):
        env = dict(os.environ, **THREADS, UNROLLED_REPLICA=name)
        with open(self.replica_log(name), "ab") as log:
            self.replicas[name] = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "deploy/asgi.py", "--server.port", str(self.ports[name]),
                 "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--browser.gatherUsageStats", "false",
                 *[arg for k, v in self.options.items() for arg in (f"--{k}", str(v))]],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop_replica(self, name, timeout=10):
        """Stop one replica as a crash or a redeploy would (SIGTERM, then SIGKILL)."""
        proc = self.replicas[name]
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def start(self, timeout=90):
        binary = haproxy_binary()
        if binary is None:
            raise RuntimeError("haproxy is not installed: `make serve` installs it (apt-get install -y haproxy)")
        self.logs.mkdir(parents=True, exist_ok=True)
        config = self.logs / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, list(self.ports.values()), self.admin_socket, self.host))
        check = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"haproxy refused its configuration:\n{check.stdout}{check.stderr}")
        for name in self.ports:
            self.start_replica(name)
        deadline = time.monotonic() + timeout
        for name, port in self.ports.items():
            wait_healthy(f"http://127.0.0.1:{port}", deadline, self.replicas[name])
        with open(self.proxy_log, "ab") as log:
            # -db: stay in the foreground, so this process owns it and stops it
            self.proxy = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        wait_healthy(self.url, deadline, self.proxy)
        # the proxy answers as soon as one replica is up; wait until its checks have seen every one
        time.sleep(2.5)
        return self

    def stop(self):
        for proc in [self.proxy, *self.replicas.values()]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in [self.proxy, *self.replicas.values()]:
            if proc is None:
                continue
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def parser():
    """The command line of ``python -m deploy.serve`` (``make serve`` and the Dockerfile use it)."""
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="Streamlit processes (default: "
                        "one per core)")
    parser.add_argument("--port", type=int, default=8501, help="the proxy's port (what students open)")
    parser.add_argument("--replica-port", type=int, default=8511, help="the first replica's port; the others follow")
    parser.add_argument("--host", default="127.0.0.1", help="the proxy's address (0.0.0.0 to serve a network)")
    parser.add_argument("--logs", default=None, help="folder for the replicas' and the proxy's logs")
    return parser


def main(argv=None):
    args = parser().parse_args(argv)
    if args.replicas < 1:
        parser().error("--replicas must be at least 1")
    # SIGTERM (docker stop, kill) ends the cluster as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cluster = Cluster(args.replicas, args.port, args.replica_port, args.host, args.logs)
    with cluster:
        print(f"Unrolled on {cluster.url} ({args.replicas} replicas on ports "
              f"{', '.join(map(str, cluster.ports.values()))}; logs in {cluster.logs}). Ctrl-C stops it.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                for name, proc in cluster.replicas.items():
                    if proc.poll() is not None:        # a replica that died comes back; the proxy re-admits it
                        print(f"replica {name} exited ({proc.returncode}); starting it again", flush=True)
                        cluster.start_replica(name)
                if cluster.proxy.poll() is not None:
                    print("haproxy exited; stopping", flush=True)
                    return 1
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
