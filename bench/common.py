"""Helpers shared by the benchmarks: one-thread PyTorch (if installed), paired timing, Markdown tables."""

import gc
import os
import platform
import statistics
import time

import numpy as np

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def load_torch():
    """PyTorch held to one thread, or None when it is not installed (it is never required)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def environment(torch=None):
    """One line saying what the numbers were measured on (a load average well above 0 means noisy numbers)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    threads = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARS)
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}"
    versions += f", PyTorch {torch.__version__} ({torch.get_num_threads()} thread)" if torch else ", PyTorch not found"
    load = f"; load average {os.getloadavg()[0]:.1f} at start" if hasattr(os, "getloadavg") else ""
    return f"{cpu}, {os.cpu_count()} cores; {versions}; {threads}{load}"


def paired_medians(calls, budget, prepare=None, warmup=5, min_rounds=20, max_rounds=3000):
    """Median seconds per call of each function in ``calls``, timed call by call in alternation.

    Every round calls each function once, the order reversed every other round so neither side always
    runs first (warm caches). The number of rounds fills about ``budget`` seconds, within
    [min_rounds, max_rounds]. ``prepare[i]``, if given, runs untimed before each call of ``calls[i]``.
    The garbage collector is paused while timing (as timeit does), for both sides alike.

    Returns
    -------
    (list of float, int)
        The medians in seconds, and the number of rounds.
    """
    n = len(calls)
    prepare = prepare or [None] * n

    def one(i):
        if prepare[i] is not None:
            prepare[i]()
        start = time.perf_counter()
        calls[i]()
        return time.perf_counter() - start

    for _ in range(warmup):
        for i in range(n):
            one(i)
    per_round = sum(one(i) for i in range(n))
    rounds = int(min(max_rounds, max(min_rounds, budget / max(per_round, 1e-9))))
    times = [[] for _ in range(n)]
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            for i in range(n) if r % 2 == 0 else reversed(range(n)):
                times[i].append(one(i))
    finally:
        if was_enabled:
            gc.enable()
    return [statistics.median(t) for t in times], rounds


def markdown_table(headers, rows, align=None):
    """A Markdown table with padded columns; ``align`` has one of l, r, c per column (default: all l)."""
    align = align or "l" * len(headers)
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(headers))]
    pad = {"l": str.ljust, "r": str.rjust, "c": str.center}
    rules = {"l": lambda w: "-" * (w + 2), "r": lambda w: "-" * (w + 1) + ":", "c": lambda w: ":" + "-" * w + ":"}

    def line(row):
        return "| " + " | ".join(pad[a](c, w) for c, w, a in zip(row, widths, align, strict=True)) + " |"

    rule = "|" + "|".join(rules[a](w) for w, a in zip(widths, align, strict=True)) + "|"
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def fmt_us(seconds):
    """Seconds as microseconds, with a thousands separator and one decimal below 100 µs."""
    us = seconds * 1e6
    return f"{us:.1f}" if us < 100 else f"{us:,.0f}"


def check(ok):
    """✓ or ✗ for a met or missed target."""
    return "✓" if ok else "✗"


def numpy_threads_note():
    """A warning line if NumPy was imported before the thread variables were set (then they may not apply)."""
    if any(os.environ.get(v) != "1" for v in THREAD_VARS):
        return "Warning: thread variables are not all 1; run through `python -m bench` to hold BLAS to one thread."
    return None
