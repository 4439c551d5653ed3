"""The server's trainings pool (``ui.worker``): one job per setting however many ask, a failure kept as a
message, jobs nobody waits for dropped, and worker processes that end with the server process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_core.examples import EXAMPLES
from rnn_core.trainer import Trainer
from ui import trained
from ui.worker import Pool

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pool():
    p = Pool(workers=1)
    yield p
    p.close()


def test_identical_requests_join_one_training_and_get_the_engines_weights(pool):
    args = ("jazz", "", "gru", 4, 1, 3)
    first = pool.submit(("step",) + args, trained.example_weights, args)
    second = pool.submit(("step",) + args, trained.example_weights, args)      # a second session, same setting
    assert second is first
    assert first.wait(300) and first.state == "done" and pool.started == 1
    assert pool.submit(("step",) + args, trained.example_weights, args) is first   # done: no second training
    ex = EXAMPLES["jazz"]
    data = ex.data()
    config = ex.defaults.replace(cell="gru", hidden=4, layers=1, seed=3)
    here = Trainer(ex.build_model(config, data), data, config)
    here.run()
    for name, w in here.model.state_dict().items():                      # the same training, in another process
        assert (first.value["state"][name] == w).all()
    assert [r["loss"] for r in first.value["history"]] == [r["loss"] for r in here.history]


def test_a_failing_training_keeps_its_error_and_the_worker_goes_on(pool):
    bad = pool.submit("bad", trained.fail, ("out of memory",))
    assert bad.wait(300) and bad.state == "failed" and "out of memory" in str(bad.error)
    ok = pool.submit("ok", trained.shape_weights, ("xor", "rnn", 0))
    assert ok.wait(300) and ok.state == "done" and ok.value["history"]


def test_a_queued_training_nobody_waits_for_is_dropped(pool):
    pool.wanted = 0.5
    running = pool.submit("long", time.sleep, (3.0,))
    queued = pool.submit("queued", time.sleep, (0.0,))
    deadline = time.monotonic() + 60
    while not queued.finished and time.monotonic() < deadline:
        pool.get("long")                                 # someone keeps polling the first one only
        time.sleep(0.1)
    assert queued.state == "failed" and "nobody was waiting" in str(queued.error)
    assert pool.get("queued") is None
    assert running.wait(60) and running.state == "done"


def test_cheaper_queued_trainings_start_first(pool):
    busy = pool.submit("busy", time.sleep, (2.0,))
    while busy.state == "queued":
        time.sleep(0.05)
    big = pool.submit("big", time.sleep, (0.0,), cost=10)
    small = pool.submit("small", time.sleep, (0.0,), cost=1)
    assert pool.ahead(small) == 0 and pool.ahead(big) == 1
    assert big.wait(60) and small.ended <= big.started


def test_a_quick_training_does_not_wait_behind_a_long_one():
    # the gradients page's clipping runs (cost 0) while a minute of attention training holds the worker
    p = Pool(workers=1, quick=1, quick_idle=1.0, wanted=600)    # wanted throughout: nobody polls them here
    try:
        long = p.submit("long", time.sleep, (120.0,), cost=10)
        while long.state != "running":
            time.sleep(0.05)
        middle = p.submit("middle", time.sleep, (0.0,), cost=1)          # not quick: waits for the worker
        quick = p.submit(("clipping", 0.1, 1.0, 4, 0), trained.clipping_runs, (0.1, 1.0, 4, 0), cost=0)
        assert quick.wait(60) and quick.state == "done"
        assert long.state == "running" and middle.state == "queued"
        expected = trained.clipping_runs(0.1, 1.0, 4, 0)["runs"]
        assert [[r["loss"] for r in run.history] for run in quick.value["runs"]] == \
            [[r["loss"] for r in run.history] for run in expected]
        assert [run.clip for run in quick.value["runs"]] == [None, 1.0]
        assert len(p.pids()) == 2                                        # the worker and the quick lane
        long_pid = next(pid for pid in p.pids() if pid != p._pids["training-quick-1"].pid)
        deadline = time.monotonic() + 30
        while len(p.pids()) > 1 and time.monotonic() < deadline:         # the quick lane idle: its process ends
            time.sleep(0.2)
        assert p.pids() == [long_pid] and long.state == "running"
    finally:
        p.close()


def test_a_quick_training_goes_to_an_idle_worker_without_a_process_of_its_own():
    p = Pool(workers=1, quick=1, wanted=600)
    try:
        quick = p.submit("quick", time.sleep, (0.0,), cost=0)
        assert quick.wait(60) and quick.state == "done"
        assert len(p.pids()) == 1 and "training-worker-0" in p._pids and "training-quick-1" not in p._pids
    finally:
        p.close()


def test_worker_processes_end_when_the_server_process_is_killed():
    script = (f"import sys, time\nsys.path.insert(0, {str(ROOT)!r})\nfrom ui.worker import Pool\np = Pool()\n"
              "j = p.submit('k', time.sleep, (120,))\n"
              "while not p.pids(): time.sleep(0.1)\nprint(p.pids()[0], flush=True)\ntime.sleep(120)\n")
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        worker = int(server.stdout.readline())
        assert _alive(worker)
        os.kill(server.pid, signal.SIGKILL)                        # as a replica killed mid-lesson
        server.wait()
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker)
    finally:
        if server.poll() is None:
            server.kill()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
