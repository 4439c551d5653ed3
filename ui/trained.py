"""The trainings that run in a worker process (``ui.worker``): each takes plain settings and returns plain,
picklable results (state dicts, history rows), never a model of the server's; the server builds its shared
objects from them. No Streamlit here: the worker processes import this module and the engine only.
"""

import time

from rnn_core import attention_study as study
from rnn_core import gradient_study as gs
from rnn_core import text_model as tm
from rnn_core.examples import EXAMPLES, own_example
from rnn_core.trainer import Trainer


def example_of(key, text):
    """The Example for a step-through setting; ``own`` builds one from the person's text."""
    if key == "own":
        return own_example("text", text)
    return EXAMPLES[key]


def example_weights(example, text, cell, hidden, layers, seed):
    """A step-through setting trained with its example's defaults: {"state", "history"}."""
    ex = example_of(example, text)
    data = ex.data()
    config = ex.defaults.replace(cell=cell, hidden=int(hidden), layers=int(layers), seed=int(seed))
    trainer = Trainer(ex.build_model(config, data), data, config)
    trainer.run()
    return {"state": trainer.model.state_dict(), "history": trainer.history}


def shape_weights(key, cell, seed):
    """One of the five shapes' examples trained with its defaults: {"state", "history"}."""
    ex = EXAMPLES[key]
    data = ex.data()
    config = ex.defaults.replace(cell=cell, seed=int(seed))
    trainer = Trainer(ex.build_model(config, data), data, config)
    trainer.run()
    return {"state": trainer.model.state_dict(), "history": trainer.history}


def attention_weights(key, cell, score, seed):
    """An attention example's encoder–decoder trained to the end: {"state", "step", "history", "stopped",
    "seconds"}."""
    t0 = time.perf_counter()
    trainer = study.trainer(key, cell, score, seed)
    trainer.run()
    return {"state": trainer.model.state_dict(), "step": trainer.step, "history": trainer.history,
            "stopped": trainer.stopped, "seconds": time.perf_counter() - t0}


def text_weights(text, cell, hidden, layers, seed):
    """A character model of ``text`` trained to the end of its defaults: {"state", "vocab", "history", "step",
    "seconds"}."""
    config = tm.DEFAULTS.replace(cell=cell, hidden=int(hidden), layers=int(layers), seed=int(seed))
    model, vocab, trainer = tm.train(text, config)
    return {"state": model.state_dict(), "vocab": vocab, "history": trainer.history, "step": trainer.step,
            "seconds": trainer.elapsed}


def fail(message):
    """A job that fails (for tests of what a page says when a training fails)."""
    raise RuntimeError(message)


def clipping_runs(lr, clip, hidden, seed):
    """The gradients page's exploding setting trained twice from the same weights, without clipping and clipped
    at ``clip``: {"runs": [TrainingRun, TrainingRun], "seconds": the wall time of both}."""
    t0 = time.perf_counter()
    runs = [gs.train_with_clip(None, lr=float(lr), hidden=int(hidden), seed=int(seed)),
            gs.train_with_clip(float(clip), lr=float(lr), hidden=int(hidden), seed=int(seed))]
    return {"runs": runs, "seconds": time.perf_counter() - t0}


def memory_points(kinds, distances, seeds, hidden, updates):
    """The gradients page's memory over distance: every cell in ``kinds`` at every distance, once per seed in
    ``seeds``, trained until its check set is recalled or ``updates`` run out: {"points": [MemoryPoint] in the
    order distance, cell, seed; "seconds": the wall time}."""
    t0 = time.perf_counter()
    points = [gs.memory_recall(kind, int(d), hidden=int(hidden), seed=int(s), max_steps=int(updates))
              for d in distances for kind in kinds for s in seeds]
    return {"points": points, "seconds": time.perf_counter() - t0}
