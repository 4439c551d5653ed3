"""Trainings in worker processes at a lower CPU priority, shared by every session of one server process.

A training that takes longer than a short tick (a trained step-through run, a shape's example, an attention
model, a character model) would hold the server's GIL for seconds and starve every other session's script and
the event loop that sends their messages. Here it runs in a separate process started with ``os.nice(NICE)``,
so the operating system gives the cores to the server's interactive work first; the server's thread only
waits. This module knows nothing of Streamlit (``ui.jobs`` holds the pool in ``st.cache_resource`` and draws
the waiting state), and the worker processes import only it and the engine.

- One :class:`Job` per key (the settings): identical requests join the job already queued or running.
- A job is *wanted* while some page looked at it within ``WANTED`` seconds (the waiting page polls); a queued
  job nobody wants is dropped, and a running one is stopped (its process ends, a fresh one takes the next job).
- A job's ``value`` is built from the worker's plain result in the server process, once, by the first page
  that asks for it (``build``: a model loaded from the state dict, say).
- Finished jobs are kept, least recently asked first out, up to ``keep``; a failed job is kept for
  ``RETRY`` seconds, then asked for again. The value a job holds is shared: nobody may change it.
- A worker process ends when its server process does: an idle one reads the end of its socket, a busy one
  is killed by the kernel (``PR_SET_PDEATHSIG``) or sees its parent gone within half a second, so a replica
  stopped or killed leaves no training behind.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NICE = 19           # the workers' niceness: the server's own threads get the cores first
WANTED = 15.0       # seconds since a page last asked for a job for it to count as wanted
RETRY = 30.0        # seconds a failed job is kept (its message shown) before it is tried again
KEEP = 64           # finished jobs kept per pool
QUICK = 0           # a job of at most this cost may also run in the pool's quick lanes (a fraction of a second)
QUICK_IDLE = 60.0   # seconds a quick lane's process is kept without a job (its memory comes back after a class)


def _watch_parent(parent):
    """End this worker as soon as the server process that started it is gone (even killed with SIGKILL)."""
    try:                                             # Linux: the kernel sends SIGKILL when the parent dies
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _serve(conn, parent, nice):
    """A worker process: run each (function, args) received, send back (True, value) or (False, error)."""
    try:
        os.nice(nice)
    except OSError:
        pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (True, fn(*args))
        except Exception as err:                      # the job's own failure: said on its page
            reply = (False, _portable(err))
        conn.send(reply)


def _portable(err):
    """The exception itself when it can cross to the parent (InputError and the like), else its text."""
    import pickle
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}")


def spawn(nice):
    """A fresh worker process at niceness ``nice``: ``python -m ui.worker`` talking over a socket pair (not
    multiprocessing's spawn, which would run the server's ``__main__``, a page script under Streamlit, again in the
    child). Returns (process, connection)."""
    ours, theirs = socket.socketpair()
    with theirs:
        proc = subprocess.Popen([sys.executable, "-m", "ui.worker", str(theirs.fileno()), str(os.getpid()),
                                 str(nice)], cwd=ROOT, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
    return proc, Connection(ours.detach())


def end(proc):
    """Stop a worker process (None or one already ended: nothing to do); returns None."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return None


@dataclass(eq=False)
class Job:
    """One training: ``state`` is "queued", "running", "done" or "failed"; ``value`` the shared result (never
    change it), ``error`` the exception of a failed job. Times are ``time.monotonic()``."""

    key: tuple
    fn: object
    args: tuple
    build: object = None                     # value = build(worker's result), run in this process
    cost: int = 1                            # a rough size: cheaper queued jobs start first
    state: str = "queued"
    submitted: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None
    result: object = None                    # what the worker sent back
    error: BaseException | None = None
    done_event: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _built: bool = False
    _value: object = None

    @property
    def value(self):
        """The shared result: ``build(result)``, built once in the first thread that asks (a page's)."""
        with self._lock:
            if not self._built:
                self._value = self.result if self.build is None else self.build(self.result)
                self._built = True
            return self._value

    @property
    def finished(self):
        return self.state in ("done", "failed")

    def seconds(self, now=None):
        """Seconds since it was asked for (queued and running)."""
        return ((self.ended or now or time.monotonic()) - self.submitted)

    def wait(self, timeout=None):
        """Block until it has finished (a thread waiting here holds no lock); True if it has."""
        return self.done_event.wait(timeout)


class Pool:
    """``workers`` processes and a queue of jobs; ``submit`` is safe from any session's thread.

    ``quick`` more processes take only jobs of cost at most ``QUICK``, and only while every worker is busy, so
    that a fraction of a second's training (the gradients page's clipping runs) never waits behind a minute of
    larger ones. Each process starts with its first job; a quick lane's ends after ``quick_idle`` s without one."""

    def __init__(self, workers=1, nice=NICE, wanted=WANTED, keep=KEEP, retry=RETRY, quick=0, quick_idle=QUICK_IDLE):
        self.workers, self.nice, self.wanted, self.keep, self.retry = workers, nice, wanted, keep, retry
        self.quick, self.quick_idle = quick, quick_idle
        self._busy = 0                       # workers (not quick lanes) running a job now
        self._cond = threading.Condition()
        self._jobs = OrderedDict()           # key -> Job, least recently asked first
        self._queue = deque()                # queued Jobs, first asked first
        self._threads = []
        self._pids = {}                      # dispatcher thread name -> its worker process (Popen)
        self._closed = False
        self.started = 0                     # trainings begun in a worker (for tests and the benchmark)
        self.stopped = 0                     # running trainings stopped because nobody wanted them any more

    # ------------------------------------------------------------------ asking
    def submit(self, key, fn, args=(), build=None, cost=1):
        """The job for ``key``: the one already known (it is now wanted again), or a new one queued. Queued jobs
        start cheapest ``cost`` first, then first come first served (a second's training does not wait behind a
        quarter of an hour of larger ones)."""
        now = time.monotonic()
        with self._cond:
            job = self._jobs.get(key)
            if job is not None and job.state == "failed" and now - job.ended > self.retry:
                job = None
            if job is None:
                job = Job(key, fn, tuple(args), build, cost)
                self._jobs[key] = job
                self._queue.append(job)
                self._start_threads()
                self._cond.notify_all()
            job.seen = now
            self._jobs.move_to_end(key)
            self._trim()
        return job

    def put(self, key, value):
        """A job already done with ``value`` (a model shipped with the project, or trained in a moment here), unless
        ``key`` is done already; the job for ``key``. A job of ``key`` still queued or running is left to end
        unseen."""
        with self._cond:
            job = self._jobs.get(key)
            if job is None or job.state != "done":
                job = Job(key, None, (), state="done", result=value)
                job.ended = job.submitted
                job.done_event.set()
                self._jobs[key] = job
            job.seen = time.monotonic()
            self._jobs.move_to_end(key)
            self._trim()
            return job

    def get(self, key):
        """The job for ``key`` if there is one (marked wanted), else None; never starts a training."""
        with self._cond:
            job = self._jobs.get(key)
            if job is not None:
                job.seen = time.monotonic()
                self._jobs.move_to_end(key)
            return job

    def ahead(self, job):
        """How many queued jobs will start before this one (as things stand)."""
        with self._cond:
            if job not in self._queue:
                return 0
            at = self._queue.index(job)
            return sum(1 for i, j in enumerate(self._queue) if j is not job and (j.cost, i) < (job.cost, at))

    def unfinished(self):
        """The jobs queued or running now."""
        with self._cond:
            return [j for j in self._jobs.values() if not j.finished]

    def pids(self):
        """The process ids of the worker processes alive now."""
        with self._cond:
            return [proc.pid for proc in self._pids.values() if proc.poll() is None]

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _trim(self):
        finished = [k for k, j in self._jobs.items() if j.finished]
        for key in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[key]

    def _wanted(self, job, now):
        return now - job.seen <= self.wanted

    # ------------------------------------------------------------------ the workers' side
    def _start_threads(self):
        while len(self._threads) < self.workers + self.quick:
            lane = len(self._threads) >= self.workers                # the quick lanes come after the workers
            thread = threading.Thread(target=self._dispatch, args=(QUICK if lane else None,), daemon=True,
                                      name=f"training-{'quick' if lane else 'worker'}-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()

    def _next(self, most=None, idle=None):
        """The next wanted queued job (dropping the unwanted ones): for a worker (``most`` None) any, for a quick
        lane one of cost at most ``most`` while every worker is busy. None when the pool is closed, or after
        ``idle`` seconds without a job."""
        since = time.monotonic()
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for job in [j for j in self._queue if not self._wanted(j, now)]:
                    self._queue.remove(job)                  # nobody waits for it any more
                    self._drop(job, now)
                lane_open = most is None or self._busy >= self.workers
                fits = [j for j in self._queue if lane_open and (most is None or j.cost <= most)]
                if fits:
                    job = min(fits, key=lambda j: j.cost)            # the first of the cheapest
                    self._queue.remove(job)
                    job.state, job.started = "running", now
                    if most is None:
                        self._busy += 1
                        self._cond.notify_all()              # a quick job queued behind this one may go now
                    return job
                if idle is not None and now - since > idle:
                    return None
                self._cond.wait(1.0)
            return None

    def _dispatch(self, most=None):
        proc = conn = None
        try:
            while not self._closed:
                job = self._next(most, idle=self.quick_idle if most is not None and proc is not None else None)
                if job is None:                              # closed, or a quick lane idle: its process ends
                    proc = end(proc)
                    continue
                try:
                    proc, conn = self._run(job, proc, conn)
                finally:
                    if most is None:
                        with self._cond:
                            self._busy -= 1
        finally:
            end(proc)

    def _run(self, job, proc, conn):
        """Run ``job`` in the worker ``proc`` (a fresh one if there is none or it ended); the worker to use next
        as (proc, conn), proc None when it had to end."""
        if proc is None or proc.poll() is not None:
            proc, conn = spawn(self.nice)
        with self._cond:
            self.started += 1
            self._pids[threading.current_thread().name] = proc
        try:
            conn.send((job.fn, job.args))
            reply = self._await(job, proc, conn)
        except (OSError, EOFError):
            reply = (False, RuntimeError("the training process stopped unexpectedly"))
        if reply is None:                            # stopped: nobody wanted it any more
            return end(proc), None
        if proc.poll() is not None:
            proc = end(proc)
        self._finish(job, *reply)
        return proc, conn

    def _await(self, job, proc, conn):
        while True:
            if conn.poll(0.25):
                return conn.recv()
            if proc.poll() is not None:
                return False, RuntimeError(f"the training process stopped (exit code {proc.returncode})")
            with self._cond:
                if self._closed or not self._wanted(job, time.monotonic()):
                    self.stopped += 1
                    self._drop(job, time.monotonic())
                    return None

    def _drop(self, job, now):
        """Forget a job nobody waits for (called with the lock held); the next request makes a new one."""
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
        job.state, job.ended = "failed", now
        job.error = RuntimeError("stopped: nobody was waiting for it")
        job.done_event.set()

    def _finish(self, job, ok, value):
        with self._cond:
            job.ended = time.monotonic()
            if ok:
                job.state, job.result = "done", value
            else:
                job.state, job.error = "failed", value
            job.done_event.set()
            self._trim()


if __name__ == "__main__":                           # a worker process: python -m ui.worker FD PARENT NICE
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]))
