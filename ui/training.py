"""Live training for the training page: a session of one or three trainers kept in ``st.session_state``.

The page runs :func:`tick` from an ``st.fragment(run_every=…)``: each tick does a bounded slice of
updates and returns, so a click on Pause answers at once and nothing runs once the tab is closed.
All progress lives in the :class:`Session` object in session state; nothing is module-level.
"""

import io
import math
import time
from dataclasses import dataclass, field

import numpy as np

from rnn_core.data import InputError
from rnn_core.examples import EXAMPLES, own_example
from rnn_core.model import SequenceModel
from rnn_core.model_file import ModelFileError, load_model, save_model
from rnn_core.optim import OPTIMIZERS
from rnn_core.trainer import Trainer

from .budget import fair_slice

#: examples that train live on this page (the encoder-decoder ones have their own page)
TRAIN_EXAMPLES = ("kennedy", "jazz", "home", "namaskar", "xor", "generate", "sentiment", "memory", "sine",
                  "own_text", "own_series")
CELLS = ("rnn", "lstm", "gru")


@dataclass
class Session:
    """What is being trained and how far it got.

    Attributes
    ----------
    key : str                       the example
    example : Example
    data : SequenceData
    trainers : dict cell -> Trainer  one trainer, or three (RNN, LSTM, GRU) from the same seed
    shown : str                     the cell whose details are drawn
    running : bool
    started : float or None         wall-clock time of the first Start (for "learned after … s")
    wall : float                    wall time spent running (pauses excluded)
    learned_at : dict cell -> (updates, seconds) when each first did what the example asks
    outcomes : dict cell -> Outcome  the latest check
    checked_at, check_cost : float   when the last check ran and how long it took (seconds)
    """

    key: str
    example: object
    data: object
    trainers: dict
    shown: str
    running: bool = False
    started: float | None = None
    wall: float = 0.0
    learned_at: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    checked_at: float = 0.0
    check_cost: float = 0.0

    @property
    def trainer(self):
        return self.trainers[self.shown]

    @property
    def done(self):
        return all(t.done or t.stopped for t in self.trainers.values())

    @property
    def stopped(self):
        """The first divergence message, if any trainer stopped on NaN or infinity."""
        return next((t.stopped for t in self.trainers.values() if t.stopped), None)


def make_example(key, text="", csv_text=None, column=None):
    """The Example behind a page setting; own data raises InputError with a reason."""
    if key == "own_text":
        return own_example("text", text)
    if key == "own_series":
        if not csv_text:
            raise InputError("upload a CSV file with a column of numbers first")
        return own_example("series", csv_text=csv_text, column=column)
    return EXAMPLES[key]


def new_session(example, key, config, compare=False, model=None):
    """Fresh trainers for ``config`` (one cell, or all three with ``compare``); ``model`` continues a loaded one."""
    data = example.data()
    cells = CELLS if compare and model is None else (config.cell,)
    trainers = {}
    for cell in cells:
        cfg = config.replace(cell=cell)
        trainers[cell] = Trainer(model if model is not None else example.build_model(cfg, data), data, cfg)
    session = Session(key, example, data, trainers, shown=config.cell if config.cell in trainers else cells[0])
    check(session)                                       # what the untrained network does, for comparison
    return session


def tick(session, budget=0.08):
    """Train every unfinished trainer for its share of ``budget`` seconds (at least one update each);
    check what each has learned. Stops running when all are done or one diverged. With other sessions training
    in this server process, ``budget`` is a cap: each tick trains for its fair share (``ui.budget``)."""
    budget = fair_slice(id(session), budget)
    t0 = time.perf_counter()
    active = [t for t in session.trainers.values() if not t.done and t.stopped is None]
    for trainer in active:
        trainer.run(seconds=budget / len(active))
    session.wall += time.perf_counter() - t0
    finished = session.done or bool(session.stopped)
    # a cheap check (Kennedy: ~1 ms) runs every tick; a costly one (held-out sets) at most once a second
    if finished or session.check_cost < 0.01 or time.perf_counter() - session.checked_at >= 1.0:
        check(session)
    if finished:
        session.running = False


def check(session):
    """Run the example's own test of success on every trainer's current weights."""
    t0 = time.perf_counter()
    for cell, trainer in session.trainers.items():
        with np.errstate(all="ignore"):                  # weights near divergence may overflow: that is reported
            outcome = session.example.learned(trainer.model, session.data)
        session.outcomes[cell] = outcome
        if outcome.ok and cell not in session.learned_at:
            session.learned_at[cell] = (trainer.step, session.wall)
    session.checked_at = time.perf_counter()
    session.check_cost = session.checked_at - t0


def restore(session, lr_factor=0.1):
    """After a divergence: the last good weights back in every stopped trainer, a smaller learning rate, go on."""
    for trainer in session.trainers.values():
        if trainer.stopped:
            trainer.model.load_state_dict(trainer.last_good)
            trainer.resume(lr=trainer.config.lr * lr_factor)


def model_bytes(session, cell):
    """The trained model as an ``.npz`` model file (``rnn_core.save_model``) with what is needed to continue."""
    trainer = session.trainers[cell]
    buf = io.BytesIO()
    meta = {"example": session.key, "updates": trainer.step, "config": trainer.config.to_dict()}
    if session.key == "own_text":
        meta["text"] = session.example.extras["own"]["text"]
    vocab = session.data.input_vocab
    save_model(buf, trainer.model, vocab=[str(v) for v in vocab] if vocab else None, meta=meta)
    return buf.getvalue()


def _number(value, low, high, whole=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        and low <= value <= high and (not whole or float(value).is_integer())
    if not ok:
        raise ValueError(value)
    return int(value) if whole else float(value)


def checked_config(saved):
    """The training settings stored in an uploaded file, each checked; anything unusable is refused."""
    checks = {"steps": lambda v: _number(v, 1, 100_000, True), "lr": lambda v: _number(v, 1e-8, 1e3),
              "optimizer": lambda v: v if v in OPTIMIZERS else _bad(v),
              "clip": lambda v: None if v is None else _number(v, 1e-8, 1e6),
              "clip_mode": lambda v: v if v in ("norm", "value") else _bad(v),
              "truncate": lambda v: None if v is None else _number(v, 1, 10_000, True),
              "batch_size": lambda v: None if v is None else _number(v, 1, 100_000, True),
              "seed": lambda v: _number(v, 0, 2**32 - 1, True)}
    out = {}
    for name, check in checks.items():
        if name in saved:
            try:
                out[name] = check(saved[name])
            except (TypeError, ValueError):
                raise ModelFileError(f"the file's training setting {name}={str(saved[name])[:30]!r} is not usable") \
                    from None
    return out


def _bad(value):
    raise ValueError(value)


def session_from_upload(raw):
    """A paused session continuing an uploaded model file; ModelFileError or InputError say what is wrong."""
    loaded = load_model(raw)
    model, meta = loaded.model, loaded.meta or {}
    if not isinstance(model, SequenceModel):
        raise ModelFileError(f"this page trains sequence models; the file holds a {type(model).__name__}")
    key = meta.get("example")
    if key not in TRAIN_EXAMPLES or key == "own_series":
        raise ModelFileError("the file does not say which example it was trained on (meta 'example'); "
                             "upload a file saved by this page")
    example = make_example(key, text=str(meta.get("text", "")))
    data = example.data()
    if model.rnn.input_size != data.x.shape[2] or model.head.output_size != len(data.output_labels):
        raise ModelFileError(f"the model takes {model.rnn.input_size} inputs and gives {model.head.output_size} "
                             f"outputs; the example {key!r} has {data.x.shape[2]} and {len(data.output_labels)}")
    saved = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    config = example.defaults.replace(**checked_config(saved)).replace(
        cell=model.rnn.kind, hidden=model.rnn.hidden_size, layers=model.rnn.num_layers,
        nonlinearity=model.rnn.nonlinearity)
    session = new_session(example, key, config, model=model)
    session.trainer.step = int(meta.get("updates", 0)) if str(meta.get("updates", "0")).isdigit() else 0
    config = config.replace(steps=max(config.steps, session.trainer.step + config.steps))
    session.trainer.config = config
    check(session)
    return session
