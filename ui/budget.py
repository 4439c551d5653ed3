"""A server-wide budget of training time, shared fairly by every session training live in this process.

Each live-training tick asks for its slice before it trains. With n sessions training, each tick gets

    slice = clip(share / (n · rate), floor, cap)

seconds, so n trainers ticking ``rate`` times a second train for at most ``share`` seconds per second in
all, and the rest of the process's time is left for drawing their charts and for everyone else's pages.
One trainer alone gets ``cap`` (the page's own budget); ten get a tenth each, not ten times the machine.
A session counts as training while it has asked within the last ``window`` seconds.

The one object per process lives in ``st.cache_resource`` (never module-level state); it is guarded by a
lock, as sessions run in threads of their own.
"""

import threading
import time

import streamlit as st

SHARE = 0.3        # training seconds per second of wall time, for all of this process's trainers together
RATE = 2.5         # ticks per second each trainer should keep (the page asks every 0.4 s; redraws ≥ 2/s)
FLOOR = 0.005      # a tick always trains a little (and at least one update: Trainer.run does one)
WINDOW = 1.0       # seconds since its last tick for a session to count as training


class TrainingBudget:
    """Who is training in this process, and each one's slice of training time per tick."""

    def __init__(self, share=SHARE, rate=RATE, floor=FLOOR, window=WINDOW):
        self.share, self.rate, self.floor, self.window = share, rate, floor, window
        self._lock = threading.Lock()
        self._last = {}                      # who -> time of the last tick (time.monotonic)

    def slice(self, who, cap, now=None):
        """Seconds of training for this tick of ``who`` (any hashable id of a session), at most ``cap``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._last[who] = now
            for other, last in list(self._last.items()):
                if now - last > self.window:
                    del self._last[other]
            n = len(self._last)
        return max(self.floor, min(cap, self.share / (n * self.rate)))

    def training(self, now=None):
        """How many sessions are training now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return sum(now - last <= self.window for last in self._last.values())


@st.cache_resource(show_spinner=False)
def shared_budget():
    """The process's one TrainingBudget (every session of this server process shares it)."""
    return TrainingBudget()


def fair_slice(who, cap):
    """This tick's training time for ``who``: its fair share of the server's budget, at most ``cap`` seconds."""
    return shared_budget().slice(who, cap)
