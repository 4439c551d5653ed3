"""The step-through page's stepper: one Streamlit component that draws every step of a run in the browser.

Python sends the run once per setting (``viz.step_payload``: every step's recorded numbers, the weights,
the labels, the equations' templates from ``ui.equations``); the browser's Previous / Next / Play / Reset,
the step slider, the keys and the block choice redraw from it without a request to the server
(``ui/components/stepper.js``, drawing with ``ui/components/draw.js``). The browser reports the step,
block and pace back once the stepping has paused, and they go into the link like every other setting.
"""

import hashlib
import json
from pathlib import Path

import streamlit as st

from viz import colors
from viz.step_payload import CAP_BYTES, step_payload

from . import engine, equations

FOLDER = Path(__file__).parent / "components"
KEY = "stepper"
PACES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)   # seconds per step that Play offers
EXTRA_BYTES = 10_000     # room left under the cap for what is added here (equations, names, colours)

# registered once per process: the component's code is constant, each session mounts its own instance
_COMPONENT = st.components.v2.component(
    "unrolled_stepper", html="", css="\n".join((FOLDER / f).read_text() for f in ("controls.css", "stepper.css")),
    js="\n".join((FOLDER / f).read_text() for f in ("draw.js", "stepping.js", "stepper.js")))   # one ES module

PROBABILITY_HELP = {
    "P(next letter)": "P(next letter): the probability the network gives to the letter it predicts.",
    "P(name)": "P(name): the probability the network gives to “this word is a name” (near 0 for “not a name”).",
}


@st.cache_data(max_entries=256, show_spinner=False)
def run_payload(example, text, cell, hidden, layers, seed, weights, b, layer):
    """The payload of one setting, without the view (step, block, pace); shared by every session asking for it.

    ``sig`` identifies the run's numbers, so that the browser keeps its place when the same run comes again.
    """
    run = engine.step_run(example, text, cell, hidden, layers, seed, weights)
    return payload_of(run.data, run.model, run.rec, b, layer)


def payload_of(data, model, rec, b, layer):
    """The stepper's payload for sequence ``b`` and ``layer`` (0-based) of a recorded run, ``sig`` included."""
    payload = step_payload(data, model, rec, b=b, layer=layer, cap=CAP_BYTES - EXTRA_BYTES)
    payload.update(
        colors={"input": colors.INPUT, "hidden": colors.HIDDEN, "output": colors.OUTPUT,
                "positive": colors.POSITIVE, "negative": colors.NEGATIVE},
        block_names=equations.NAMES, logits=equations.LOGITS,
        equations=equations.equations(payload["kind"], payload["nonlinearity"], payload.get("head")),
        probability_help=PROBABILITY_HELP.get(payload.get("probability"), ""),
        hint=("A letter that comes twice gets a different h_t each time: compare its rows in the hidden-units "
              "table as you step." if data.input_vocab is not None and data.size == 1
              and len(set(data.tokens[0])) < int(data.lengths[0]) else None),
    )
    payload["sig"] = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return payload


@st.cache_data(max_entries=64, show_spinner=False)
def record_csv(example, text, cell, hidden, layers, seed, weights):
    """(number of values, CSV bytes) of the whole record of a setting: built once, not on every rerun."""
    return record_table(engine.step_run(example, text, cell, hidden, layers, seed, weights).rec)


@st.cache_data(max_entries=32, show_spinner=False)
def model_files(example, text, cell, hidden, layers, seed, weights):
    """The setting's model as (Unrolled ``.npz``, PyTorch ``.safetensors``) bytes: ``rnn.*`` and ``head.*``."""
    import io

    from rnn_core import save_model, save_pytorch

    run = engine.step_run(example, text, cell, hidden, layers, seed, weights)
    meta = {"example": "own_text" if example == "own" else example, "updates": len(run.history)}
    if example == "own":
        meta["text"] = text
    vocab = [str(v) for v in run.data.input_vocab] if run.data.input_vocab else None
    files = []
    for write in (lambda f: save_model(f, run.model, vocab=vocab, meta=meta),
                  lambda f: save_pytorch(run.model, f, vocab=vocab, meta=meta)):
        buf = io.BytesIO()
        write(buf)
        files.append(buf.getvalue())
    return tuple(files)


def record_table(rec):
    """(number of values, CSV bytes) of every recorded quantity of ``rec``'s recurrent stack."""
    import pandas as pd

    table = pd.DataFrame(rec.rnn.to_columns())
    return len(table), table.to_csv(index=False).encode("utf-8")


def take_view(key, fields):
    """The browser's report of component ``key``: each of its ``fields`` ((report name, setting, type), …)
    becomes the page's setting (and so the link's)."""
    view = (st.session_state.get(key) or {}).get("view") or {}
    for name, setting, kind in fields:
        if name in view:
            try:
                st.session_state[setting] = kind(view[name])
            except (TypeError, ValueError):
                pass                               # a malformed report changes nothing


def _take_view():
    take_view(KEY, (("t", "t", int), ("block", "block", str), ("pace", "pace", float)))


def stepper(payload, t, block, pace):
    """Mount the stepper on ``payload`` opening at step ``t`` with ``block``'s arrows, playing at ``pace`` s."""
    data = dict(payload, t=int(t), block=block, pace=float(pace), paces=list(PACES))
    data["t"] = max(0, min(data["shown"] - 1, data["t"]))
    return _COMPONENT(key=KEY, data=data, on_view_change=_take_view)
