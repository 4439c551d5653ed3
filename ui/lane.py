"""Live training's slices in a worker process: the server's thread sends a trainer, waits without holding the
GIL, and takes the trainer back a slice further on.

A live-training tick trains for its share of the budget (``ui.budget``), 20-120 ms of NumPy, 2.5 times a second
per trainer: in the server's script thread that was most of the replicas' script time under a class. Here it runs
in a worker process started at a lower priority (``NICE``). One process per server process runs every session's
slices, one at a time and first come first served (``Lane.submit``); it starts when the page opens and ends after
``IDLE`` seconds without a slice, so that its memory comes back after a class. A tick sends its slice and waits for
it only about the slice's own time (``ui.training.tick``); a slice still out when the tick draws comes back at the
next tick (``send_slice``, ``take_slice``), so a busy machine slows the training, not the chart. Whatever changes a
trainer itself (Pause, Step, a restore) first takes its slice back. Measured with a class on two cores (README):
the replicas' CPU fell from 75-96 to 57 core-seconds a minute and the trainers made more updates; the
students' round trips did not move.

A trainer crosses as a pickle without its history (the rows so far stay here; only the slice's new rows come
back): a memory-task trainer is about 350 kB and a third of a millisecond each way. A trainer that cannot cross,
or a lane whose process cannot be started or stopped answering, trains here instead, as before: the lane makes
ticks cheaper for the server, never different for the person training. This module knows nothing of Streamlit
(``ui.jobs`` holds the one lane of the process).
"""

import pickle
import queue
import threading
import time

from .worker import end, spawn

NICE = 10          # below the pages (0), above the background trainings (ui.worker.NICE, 19): a tick waits for it
IDLE = 60.0        # seconds without a slice before the lane's process ends
TIMEOUT = 30.0     # a slice that takes longer than this: its process is stopped and the slice runs here
SLICE_GRACE = 0.05  # seconds a tick waits for its slices beyond their budget before it draws the ones before


class LaneError(Exception):
    """The lane could not run a call (the caller runs it itself)."""


def run_slice(trainer, seconds, steps=None, then=None):
    """The worker's side: ``trainer.run(steps, seconds)`` (at least one update), then ``then(trainer)`` if given
    (a picklable function of the trained trainer, e.g. a sample written at a sample point); (the trainer moved
    on, the slice's wall time in seconds, what ``then`` returned or None)."""
    start = time.perf_counter()
    trainer.run(steps=steps, seconds=seconds)
    extra = then(trainer) if then is not None else None
    return trainer, time.perf_counter() - start, extra


class Pending:
    """A call sent to the lane: ``done`` is set once ``value`` (or ``error``) is there."""

    def __init__(self):
        self.done = threading.Event()
        self.value = self.error = None
        self.seconds = self.steps = self.then = None     # a slice's, for training it here if the lane cannot
        self.extra = None                  # what the slice's ``then`` returned, once taken back


class Lane:
    """One worker process for short calls from every thread of this server process, one call at a time."""

    def __init__(self, nice=NICE, idle=IDLE, timeout=TIMEOUT):
        self.nice, self.idle, self.timeout = nice, idle, timeout
        self._lock = threading.Lock()
        self._proc = self._conn = None
        self._last = time.monotonic()
        self._queue = queue.SimpleQueue()  # (Pending, pickled call) in the order they were sent
        self._dispatcher = None
        self.calls = 0                     # calls answered by the worker (for tests and the benchmark)

    def submit(self, fn, *args):
        """Send ``fn(*args)`` to the worker process and return at once; the :class:`Pending` call. The call is
        pickled here, before this returns (LaneError if it cannot be), so the caller may go on changing its
        arguments."""
        try:
            raw = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:
            raise LaneError(f"cannot send {type(err).__name__}: {err}") from None
        pending = Pending()
        with self._lock:
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(target=self._dispatch, daemon=True, name="live-lane")
                self._dispatcher.start()
        self._queue.put((pending, raw))
        return pending

    def _dispatch(self):
        while True:
            pending, raw = self._queue.get()
            try:
                pending.value = self._call_raw(raw)
            except BaseException as err:                   # LaneError, or the call's own exception
                pending.error = err
            pending.done.set()

    def call(self, fn, *args):
        """``fn(*args)`` in the worker process, waiting for it; LaneError if it could not be run there (``fn``'s
        own exception is raised as it was raised there)."""
        pending = self.submit(fn, *args)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.value

    def _call_raw(self, raw):
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                try:
                    self._proc, self._conn = spawn(self.nice)
                except OSError as err:
                    raise LaneError(f"no worker process: {err}") from None
                threading.Thread(target=self._end_when_idle, args=(self._proc,), daemon=True).start()
            try:
                self._conn.send_bytes(raw)
            except (OSError, EOFError):
                self._proc = end(self._proc)
                raise LaneError("the worker process stopped") from None
            ok, value = self._receive()
            self._last = time.monotonic()
            self.calls += 1
        if not ok:
            raise value
        return value

    def _receive(self):
        start = time.monotonic()
        try:
            while not self._conn.poll(0.25):
                if self._proc.poll() is not None or time.monotonic() - start > self.timeout:
                    raise EOFError
            return self._conn.recv()
        except (OSError, EOFError):
            self._proc = end(self._proc)
            raise LaneError("the worker process stopped or did not answer") from None

    def _end_when_idle(self, proc):
        while proc.poll() is None:
            time.sleep(1.0)
            with self._lock:
                if self._proc is proc and time.monotonic() - self._last > self.idle:
                    self._proc = end(proc)
                    return

    def warm(self):
        """Start the worker process in the background if it is not running (a page about to train asks), so that
        the first slice does not wait for Python and NumPy to load there."""
        if self.pid() is None and self._queue.empty():
            self.submit(int)                       # int() is 0: a call that only starts the process

    def pid(self):
        """The worker process's id while it runs, else None."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None


def take_slice(trainer, pending, wait=False):
    """A slice sent by :func:`send_slice` taken back into ``trainer`` (in place) once it is back (at once with
    ``wait``): its wall time in seconds; None while it is still out. What its ``then`` returned is in
    ``pending.extra``. A slice the lane could not run (its process stopped or could not start) is trained here
    instead. A failure of the training itself is raised, as it would be here."""
    if wait:
        pending.done.wait()
    if not pending.done.is_set():
        return None
    seconds = _take(trainer, pending)
    if seconds is None:
        _, seconds, pending.extra = run_slice(trainer, pending.seconds, pending.steps, pending.then)
    return seconds


def send_slice(trainer, seconds, lane, steps=None, then=None):
    """Send ``seconds`` (and at most ``steps`` updates) of ``trainer``'s training to ``lane`` without waiting, then
    ``then(trainer)`` there: the :class:`Pending` slice, or None if the trainer cannot cross (then train it here)."""
    history, trainer.history = trainer.history, []          # only the slice's own rows come back
    try:
        pending = lane.submit(run_slice, trainer, seconds, steps, then)
        pending.seconds, pending.steps, pending.then = seconds, steps, then
        return pending
    except LaneError:
        return None
    finally:
        trainer.history = history


def _take(trainer, pending):
    """The slice's wall time, the trainer moved on; None (the trainer untouched) if the lane could not run it."""
    if isinstance(pending.error, LaneError):
        return None
    if pending.error is not None:
        raise pending.error
    after, seconds, pending.extra = pending.value
    trainer.history.extend(after.history)
    after.history = trainer.history
    trainer.__dict__.update(after.__dict__)
    return seconds
