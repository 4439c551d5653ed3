"""Helpers for AppTest page tests: run a page file as Streamlit would, read what it shows."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def page(name, timeout=60, wait_for_training=True, **state):
    """An AppTest of ``pages/<name>.py`` run as a real session runs it (``app.py`` the entry script, so the
    navigation's links resolve), with session state preset (not yet run).

    A setting that trains in the server's worker process first shows the page's waiting state, and the browser's
    poll reruns the page once the training has finished; with ``wait_for_training`` every run here does the
    same: while the page shows that state, it waits for the pool's trainings and runs the page again.
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if name != "home":
        at.switch_page(f"pages/{name}.py")
    for key, value in state.items():
        at.session_state[key] = value
    if wait_for_training:
        run = at._run

        def run_until_trained(widget_state=None, timeout=None):
            result = run(widget_state, timeout)
            for _ in range(100):
                if not shows_training(result):
                    break
                wait_for_trainings()
                result = run(result._tree.get_widget_states(), timeout)
            return result

        at._run = run_until_trained
    return at


def shows_training(at):
    """Whether the page shows a training in the worker process that it waits for (``ui.jobs.waiting``)."""
    return any("so far)…" in el.value for el in at.info)


def wait_for_trainings(timeout=600):
    """Block until every training queued or running in this process's pool has finished (keeping them wanted)."""
    import time

    from ui import jobs
    pool = jobs.pool()
    end = time.monotonic() + timeout
    while (unfinished := pool.unfinished()) and time.monotonic() < end:
        for job in unfinished:
            pool.get(job.key)                       # the waiting pages' polls keep them wanted
        unfinished[0].wait(1.0)


def button(at, label):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0]


#: the project's own chart components and the key of the JSON text in their data
_CHARTS = {"unrolled_plot": "figure", "unrolled_heatmap": "spec", "unrolled_graph": "spec"}


def charts(at):
    """Every chart's figure as a dict (AppTest sees only the JSON): Streamlit's chart elements, then the charts
    the project draws itself (``ui.plot``'s Plotly figures, ``ui.drawn``'s heatmaps and graphs) in page order."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")] + list(_own_charts(at).values())


def _own_charts(at):
    """The figure each of the project's chart components sends (JSON text inside its data), by element id."""
    return {el.proto.id: json.loads(json.loads(el.proto.json)[_CHARTS[el.proto.component_name]])
            for el in at.get("bidi_component") if el.proto.component_name in _CHARTS}


def charts_by_id(at):
    """Every chart's figure keyed by its element id (which ends with the chart's key), every kind."""
    return {**{el.proto.id: json.loads(el.proto.spec) for el in at.get("plotly_chart")}, **_own_charts(at)}


def component_data(at, key):
    """The data a page sent to its Streamlit component ``key`` (what the browser draws from), as a dict."""
    found = [el.proto.json for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, f"no component {key!r} (or more than one)"
    return json.loads(found[0])


def table(at, index):
    return at.table[index].value


def texts(at):
    """Everything written as markdown, captions, subheaders and messages, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [e.value for kind in (at.error, at.warning, at.info, at.success) for e in kind]
    return "\n".join(parts)


def array(value):
    """A Plotly JSON array: a list, or since Plotly 6 a typed array ``{"dtype", "bdata", "shape"}``."""
    import base64

    import numpy as np
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            out = out.reshape([int(n) for n in str(shape).split(",")])
        return out
    return np.asarray(value, dtype=float)


def engine_run(key, cell="rnn", hidden=8, layers=1, seed=0, trained=False):
    """The run a page must show, built here from the engine's public API alone: (data, ModelRecord after
    backward). ``trained`` trains with the example's defaults, as the page's Trained switch does."""
    from rnn_core.examples import EXAMPLES
    from rnn_core.trainer import Trainer

    ex = EXAMPLES[key]
    data = ex.data()
    config = ex.defaults.replace(cell=cell, hidden=hidden, layers=layers, seed=seed)
    model = ex.build_model(config, data)
    if trained:
        Trainer(model, data, config).run()
    rec = data.run(model)
    model.backward(rec)
    return data, rec


def attention_seed_run():
    """The attention page's default model (the shipped file) on Bahdanau's sentence, greedily, from the model file
    and the engine alone: (French words written, decoder record)."""
    from rnn_core import attention_study as study
    from rnn_core.data import PairData
    from rnn_core.examples import ATTENTION_EN, EXAMPLES
    from rnn_core.model_file import load_model

    data = EXAMPLES["attention"].data()
    model = load_model(study.weights_file("gru", "additive", 0)).model
    one = PairData.from_pairs([(ATTENTION_EN.split(), [])], data.source_vocab, data.target_vocab)
    ids, rec = model.greedy_decode(one.source, data.target_vocab.index("<s>"), data.target_vocab.index("<end>"),
                                   30, one.source_lengths)
    return [data.target_vocab[i] for i in ids[0]], rec
