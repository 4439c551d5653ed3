"""Live training's slices in a worker process: the server's thread sends a trainer, waits without holding the
GIL, and takes the trainer back a slice further on.

A live-training tick trains for its share of the budget (``ui.budget``), 20-120 ms of NumPy in the server's
script thread, 2.5 times a second per trainer: with ten trainers on two replicas that was most of the replicas'
script time, and every other student's page waited behind it for the cores. In a worker process started at a
lower priority (``NICE``), the operating system gives the cores to the pages first, and the trainings take what
is left. One process per server process runs every session's slices, one at a time (``Lane.call``); it starts
with the first slice and ends after ``IDLE`` seconds without one, so that its memory comes back after a class.

A trainer crosses as a pickle without its history (the rows so far stay here; only the slice's new rows come
back): a memory-task trainer is about 350 kB and a third of a millisecond each way. A trainer that cannot cross,
or a lane whose process cannot be started or stopped answering, trains here instead, as before: the lane makes
ticks cheaper for the server, never different for the person training. This module knows nothing of Streamlit
(``ui.jobs`` holds the one lane of the process).
"""

import threading
import time

from .worker import end, spawn

NICE = 10          # below the pages (0), above the background trainings (ui.worker.NICE, 19): a tick waits for it
IDLE = 60.0        # seconds without a slice before the lane's process ends
TIMEOUT = 30.0     # a slice that takes longer than this: its process is stopped and the slice runs here


class LaneError(Exception):
    """The lane could not run a call (the caller runs it itself)."""


def run_slice(trainer, seconds, steps=None):
    """The worker's side: ``trainer.run(steps, seconds)`` (at least one update); the trainer, moved on."""
    trainer.run(steps=steps, seconds=seconds)
    return trainer


class Lane:
    """One worker process for short calls from every thread of this server process, one call at a time."""

    def __init__(self, nice=NICE, idle=IDLE, timeout=TIMEOUT):
        self.nice, self.idle, self.timeout = nice, idle, timeout
        self._lock = threading.Lock()
        self._proc = self._conn = None
        self._last = time.monotonic()
        self.calls = 0                     # calls answered by the worker (for tests and the benchmark)

    def call(self, fn, *args):
        """``fn(*args)`` in the worker process; LaneError if it could not be run there (``fn``'s own exception is
        raised as it was raised there)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                try:
                    self._proc, self._conn = spawn(self.nice)
                except OSError as err:
                    raise LaneError(f"no worker process: {err}") from None
                threading.Thread(target=self._end_when_idle, args=(self._proc,), daemon=True).start()
            try:
                self._conn.send((fn, args))            # pickled before anything is sent: a failure sends nothing
            except (OSError, EOFError):
                self._proc = end(self._proc)
                raise LaneError("the worker process stopped") from None
            except Exception as err:                   # an argument that cannot be pickled; the worker is fine
                raise LaneError(f"cannot send {type(err).__name__}: {err}") from None
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

    def pid(self):
        """The worker process's id while it runs, else None."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None


def train_slice(trainer, seconds, lane=None):
    """``trainer.run(seconds=…)``, in ``lane``'s worker process when one is given and can take it, else here; the
    trainer is moved on in place either way (its history extended by the slice's rows)."""
    if lane is not None:
        history, trainer.history = trainer.history, []
        try:
            after = lane.call(run_slice, trainer, seconds)
        except LaneError:
            after = None
        finally:
            trainer.history = history
        if after is not None:
            history.extend(after.history)
            after.history = history
            trainer.__dict__.update(after.__dict__)
            return
    trainer.run(seconds=seconds)
