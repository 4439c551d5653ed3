"""The character model: training updates per second of the default model (and the other cells), the time to
sample, and the server time to colour 5,000 characters by one unit; the Generate and explorer pages' renders.

Colouring is timed as the explorer does it on a rerun: the passage's states are cached, so a rerun builds the
coloured-text figure and serialises it to JSON (what ``st.plotly_chart`` sends). Reading the passage through
the model (states, features, correlations, PCA) is timed beside it: it runs once per model and passage.
"""

import statistics
import time

from bench.common import check, markdown_table

TITLE = "Character model: training, sampling, colouring text"
COLOUR_S = 0.300            # the target for colouring 5,000 characters
PAGE_S = 2.0                # a trained default ready within 2 s of opening


def _median_time(f, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def training(quick):
    from rnn_core import text_model as tm
    from rnn_core.corpus import structured_corpus

    text = structured_corpus()
    rows = []
    for cell in ("lstm", "rnn", "gru"):
        trainer = tm.trainer_for(text, tm.DEFAULTS.replace(cell=cell))
        trainer.run(steps=5)                                  # warm-up
        n = 20 if quick else 100
        start, cpu = time.perf_counter(), time.process_time()
        trainer.run(steps=n)
        per_s, per_cpu_s = n / (time.perf_counter() - start), n / (time.process_time() - cpu)
        rows.append([cell.upper() + (" (default)" if cell == tm.DEFAULTS.cell else ""), tm.DEFAULTS.hidden,
                     f"{tm.STREAMS} × {tm.CHUNK}", f"{per_s:.1f}", f"{per_cpu_s:.1f}",
                     f"{tm.DEFAULTS.steps / per_s:.1f}"])
    print(markdown_table(["cell", "hidden", "streams × chunk", "updates/s", "per CPU second",
                          f"{tm.DEFAULTS.steps} updates, s"], rows, align="lrrrrr"))
    print("\nOn a shared machine wall time counts the waits for a core; updates per CPU second is what one free "
          "core would give.")
    return 0


def colouring(quick):
    from rnn_core import text_model as tm
    from rnn_core.corpus import structured_corpus
    from viz import explorer as vx
    from viz import generate as vg

    model, vocab, _ = tm.shipped_model()
    rounds = 3 if quick else 15
    rows, status = [], 0
    for n in (1000, 5000):
        passage = structured_corpus(n_chars=n + 200, seed=1)[:n]
        read = _median_time(lambda p=passage: _analysis(tm, p, model, vocab), max(1, rounds // 3))
        analysis = _analysis(tm, passage, model, vocab)
        values = analysis.values[:, 0]
        colour = _median_time(lambda p=passage, v=values: vx.unit_text(p, v, "c layer 1 unit 1", "c").to_json(),
                              rounds)
        ok = colour <= COLOUR_S if n == 5000 else True
        status |= not ok
        rows.append([f"{n:,}", f"{read * 1000:.0f}", f"{colour * 1000:.0f}", f"≤ {COLOUR_S * 1000:.0f}" if n == 5000
                     else "", check(ok) if n == 5000 else ""])
    print(markdown_table(["characters", "read by the model, ms (once)", "colour (figure + JSON), ms", "target",
                          "met"], rows, align="rrrrc"))
    s = tm.sample(model, vocab, "(", 200, 1.0, None, 0)
    sample = _median_time(lambda: tm.sample(model, vocab, "(", 200, 1.0, None, 0), rounds)
    grid = _median_time(lambda: vg.sample_grid(s.prime, s.text, s.chosen_prob).to_json(), rounds)
    print(f"\nSampling 200 characters: {sample * 1000:.0f} ms; their probability grid (figure + JSON): "
          f"{grid * 1000:.0f} ms (median of {rounds}).")
    return status


def _analysis(tm, passage, model, vocab):
    from rnn_core import units
    from rnn_core.project import principal_components
    rec = tm.run_text(model, vocab, passage)
    st = units.states(rec, passage)
    units.feature_table(st)
    units.all_correlations(st)
    principal_components(rec.rnn.layers[-1].hidden[:, 0])
    return st


def pages(quick):
    from streamlit.testing.v1 import AppTest

    from bench.pages import ROOT
    rows, status = [], 0
    for name in ("generate", "explorer"):
        times, cpu = [], []
        for _ in range(2 if quick else 3):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)     # the entry, as a session runs it
            at.switch_page(f"pages/{name}.py")
            start, cpu0 = time.perf_counter(), time.process_time()
            at.run()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu0)
            if at.exception:
                raise RuntimeError(at.exception[0].message)
        ok = times[0] <= PAGE_S
        status |= not ok
        rows.append([name, f"{times[0] * 1000:.0f}", f"{cpu[0] * 1000:.0f}",
                     f"{statistics.median(times[1:]) * 1000:.0f}", f"≤ {PAGE_S * 1000:.0f}", check(ok)])
    print("\n" + markdown_table(["page (defaults)", "first visitor ms", "its CPU ms", "later visitors ms", "target",
                                 "met"], rows, align="lrrrrc"))
    return status


def run(quick=False):
    status = training(quick)
    print()
    status |= colouring(quick)
    status |= pages(quick)
    return status
