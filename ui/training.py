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
from rnn_core.model_file import ModelFileError, save_model
from rnn_core.optim import OPTIMIZERS
from rnn_core.pytorch_io import load_any_model, save_pytorch
from rnn_core.trainer import Trainer

from .budget import fair_slice
from .lane import SLICE_GRACE, send_slice, take_slice
from .state import CELL_NAMES

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
    note : str                      what the last restore did, said on the page
    uploaded_at : int or None       for a model continued from a file: the updates it had had before
    pending : dict cell -> Pending  a slice of training out in the lane's worker process (``ui.lane``)
    answer_now : bool               the next tick answers without waiting for its slices (the run of a Start)
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
    note: str = ""
    uploaded_at: int | None = None
    pending: dict = field(default_factory=dict)    # cell -> ui.lane.Pending: a slice out in the lane
    answer_now: bool = False

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


def tick(session, budget=0.08, lane=None):
    """Train every unfinished trainer for its share of ``budget`` seconds (at least one update each), in
    ``lane``'s worker process when one is given (``ui.lane``); check what each has learned. Stops running when
    all are done or one diverged. With other sessions training in this server process, ``budget`` is a cap: each
    tick trains for its fair share (``ui.budget``)."""
    budget = fair_slice(id(session), budget)
    take_slices(session)                                    # the slices sent at the last tick, those back
    active = {c: t for c, t in session.trainers.items() if not t.done and t.stopped is None}
    for cell, trainer in active.items():
        if cell in session.pending:                         # still out: the lane is busy, no second one
            continue
        pending = send_slice(trainer, budget / len(active), lane) if lane is not None else None
        if pending is not None:
            session.pending[cell] = pending
        else:                                               # no lane, or the trainer cannot cross: here
            t0 = time.perf_counter()
            trainer.run(seconds=budget / len(active))
            session.wall += time.perf_counter() - t0
    # the slices just sent, if they are back in about their own time: a busy lane's come back at the next tick;
    # a Start's own run answers at once (the button turns to Pause), its first slices drawn by the next tick
    take_slices(session, wait=0.0 if session.answer_now else budget + SLICE_GRACE)
    session.answer_now = False
    finished = session.done or bool(session.stopped)
    # a cheap check (Kennedy: ~1 ms) runs every tick; a costly one (held-out sets) at most once a second
    if finished or session.check_cost < 0.01 or time.perf_counter() - session.checked_at >= 1.0:
        check(session)
    if finished:
        session.running = False


def take_slices(session, wait=False):
    """The trainers' slices back from the lane (``ui.lane``): those back within ``wait`` seconds (False: those back
    now), or all of them with ``wait=True``; whatever changes a trainer itself waits for them all first."""
    deadline = None if wait is True else time.perf_counter() + float(wait)
    for cell, pending in list(session.pending.items()):
        if deadline is None or pending.done.wait(max(0.0, deadline - time.perf_counter())):
            del session.pending[cell]
            session.wall += take_slice(session.trainers[cell], pending, wait=True)


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


def restore(session, lr):
    """After a divergence: every stopped trainer back to its weights from before the blow-up began
    (``Trainer.restore``), every trainer on to learning rate ``lr``; ``session.note`` says what happened."""
    take_slices(session, wait=True)
    notes = []
    for cell, trainer in session.trainers.items():
        old = trainer.config.lr
        if trainer.stopped:
            dropped = trainer.restore(lr=lr)
            name = f"{cell.upper()}: " if len(session.trainers) > 1 else ""
            notes.append(f"{name}back to the weights after update {trainer.step} (loss {trainer.last_good_loss:.4g}); "
                         f"the {dropped} update{'s' * (dropped != 1)} after it led to the blow-up and were undone")
        else:
            trainer.resume(lr=lr)
        learned = session.learned_at.get(cell)
        if learned and learned[0] > trainer.step:                 # what was learned during the undone updates
            del session.learned_at[cell]
    session.note = "Restored: " + "; ".join(notes) + f". Learning rate {old:g} → {lr:g}."
    session.running = False
    check(session)


def model_bytes(session, cell, kind="npz"):
    """The trained model as an ``.npz`` model file (``rnn_core.save_model``), or with ``kind="safetensors"`` as a
    PyTorch state dict (``rnn_core.save_pytorch``), with what is needed to continue."""
    trainer = session.trainers[cell]
    buf = io.BytesIO()
    meta = {"example": session.key, "updates": trainer.step, "config": trainer.config.to_dict()}
    if session.key == "own_text":
        meta["text"] = session.example.extras["own"]["text"]
    vocab = session.data.input_vocab
    vocab = [str(v) for v in vocab] if vocab else None
    if kind == "safetensors":
        save_pytorch(trainer.model, buf, vocab=vocab, meta=meta)
    else:
        save_model(buf, trainer.model, vocab=vocab, meta=meta)
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


def session_from_upload(raw, filename=None, chosen=None):
    """A paused session continuing an uploaded model file (ours, or a PyTorch state dict); ModelFileError or
    InputError say what is wrong. A PyTorch file names no example: it continues ``chosen``, the page's."""
    loaded = load_any_model(raw, filename)
    model, meta = loaded.model, loaded.meta or {}
    if not isinstance(model, SequenceModel):
        what = "a recurrent layer without a head" if type(model).__name__ == "Recurrent" else type(model).__name__
        raise ModelFileError(f"this page trains a recurrent layer with an output head (nn.Linear); the file holds "
                             f"{what}")
    key = meta.get("example")
    if key is None and loaded.origin == "pytorch" and chosen in EXAMPLES:   # the example sets head and target
        data = EXAMPLES[chosen].data()
        model = load_any_model(raw, filename, head_activation=data.head).model
        model.target, key = data.target, chosen
    if key not in TRAIN_EXAMPLES or key == "own_series":
        raise ModelFileError("the file does not say which example it was trained on (meta 'example'); upload a "
                             "file saved by this page, or for a PyTorch file choose its example under Data first")
    example = make_example(key, text=str(meta.get("text", "")))
    data = example.data()
    if model.rnn.input_size != data.x.shape[2] or model.head.output_size != len(data.output_labels):
        raise ModelFileError(f"the model takes {model.rnn.input_size} inputs and gives {model.head.output_size} "
                             f"outputs; the example {key!r} has {data.x.shape[2]} and {len(data.output_labels)}")
    if not (1 <= model.rnn.hidden_size <= 32 and 1 <= model.rnn.num_layers <= 3):
        raise ModelFileError(f"the model has {model.rnn.hidden_size} hidden units in {model.rnn.num_layers} "
                             "layer(s); this page trains 1 to 32 units in 1 to 3 layers")
    saved = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    config = example.defaults.replace(**checked_config(saved)).replace(
        cell=model.rnn.kind, hidden=model.rnn.hidden_size, layers=model.rnn.num_layers,
        nonlinearity=model.rnn.nonlinearity)
    session = new_session(example, key, config, model=model)
    session.trainer.step = int(meta.get("updates", 0)) if str(meta.get("updates", "0")).isdigit() else 0
    config = config.replace(steps=max(config.steps, session.trainer.step + config.steps))
    session.trainer.config = config
    session.uploaded_at = session.trainer.step
    session.learned_at.clear()                            # new_session checked it as if at update 0
    check(session)
    return session


def widget_values(session, lrs, clips):
    """The page's settings that describe ``session``'s model, as ``{widget key: value}``, and notes on any
    value the widgets cannot show (a learning rate or clip between the slider's stops: the nearest stop is
    used, in the trainer too, so that the page and the training agree)."""
    trainer = session.trainer
    cfg = trainer.config
    lr = min(lrs, key=lambda x: abs(math.log(x / cfg.lr)))
    clip = 0.0 if cfg.clip is None else min(clips[1:], key=lambda x: abs(math.log(x / cfg.clip)))
    notes = []
    if not math.isclose(lr, cfg.lr):
        notes.append(f"the file's learning rate {cfg.lr:g} is not on the slider; training goes on with {lr:g}")
    if cfg.clip is not None and not math.isclose(clip, cfg.clip):
        notes.append(f"the file's clipping at {cfg.clip:g} is not on the slider; training goes on with {clip:g}")
    trainer.resume(lr=lr, clip=clip or None)
    values = {"tr_example": session.key, "cell": cfg.cell, "hidden": cfg.hidden, "layers": cfg.layers,
              "seed": min(cfg.seed, 9999), "tr_opt": cfg.optimizer, "tr_lr": lr, "tr_clip": clip,
              "tr_trunc": min(cfg.truncate or 0, 50), "tr_act": cfg.nonlinearity, "tr_compare": False,
              "tr_steps": min(max(1, cfg.steps - (session.uploaded_at or 0)), 5000)}
    if session.key == "own_text":
        values["tr_text"] = session.example.extras["own"]["text"]
    return values, notes


def progress(session):
    """The progress bar's fraction and text for the trainer shown; for an uploaded model it counts the updates
    after the file's own."""
    trainer = session.trainer
    total, base = trainer.config.steps, session.uploaded_at or 0
    loss = f", loss {trainer.history[-1]['loss']:.4g}" if trainer.history else ""
    done = (f"update {trainer.step} of {total}" if session.uploaded_at is None else
            f"{trainer.step - base} of {total - base} more updates after the {base} in the uploaded file")
    return min(1.0, (trainer.step - base) / max(1, total - base)), f"{CELL_NAMES[session.shown]}: {done}{loss}"


def learned_when(session, cell):
    """When ``cell`` first did what the example asks: after how many updates and seconds, or already on upload."""
    when = session.learned_at.get(cell)
    if not when:
        return ""
    if session.uploaded_at is not None and when[0] <= session.uploaded_at:
        return f" (already when uploaded, after {when[0]} updates)"
    return f" after {when[0]} updates, {when[1]:.2f} s of training"


def upload_note(session):
    """What an uploaded model is and why its curves start empty (Markdown; no text from the file)."""
    trainer = session.trainer
    cfg = trainer.config
    return (f"Continuing an uploaded model: a {CELL_NAMES[session.shown]} with {cfg.hidden} units in {cfg.layers} "
            f"layer(s), {session.uploaded_at} updates so far; the settings above are the file's. The file holds the "
            "weights, not the loss curve, so the curves start at the upload"
            + (": press **Start** to go on." if not trainer.history else ".")
            + " **Reset** starts afresh from the settings.")
