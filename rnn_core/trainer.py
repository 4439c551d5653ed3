"""Training in slices: a number of updates or a time budget at a time, with a history and divergence guard.

The trainer knows nothing of the model or the task shape: the task supplies
``loss_and_grads(model, truncate)`` and ``accuracy(record)``; the model supplies ``parameters()``,
``state_dict()`` and ``load_state_dict()``. Progress is reported to callbacks, one row per update.
"""

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from .optim import clip_grad_norm, clip_grad_value, global_norm, make_optimizer

#: a loss more than this many times the best so far (and above the first) counts as the blow-up beginning
GOOD_FACTOR = 10.0


@dataclass
class TrainConfig:
    """Everything that decides a training run; the same config and seed give the same run."""

    cell: str = "lstm"              # rnn | lstm | gru
    hidden: int = 8                 # H, units per layer
    layers: int = 1                 # L, stacked layers
    nonlinearity: str = "tanh"      # the vanilla RNN's φ: tanh | relu | sigmoid
    steps: int = 300                # optimiser updates in a full run
    lr: float = 0.05                # learning rate
    optimizer: str = "adam"         # sgd | momentum | adagrad | rmsprop | adam
    clip: float | None = 5.0        # gradient clipping threshold; None turns clipping off
    clip_mode: str = "norm"         # "norm": scale all gradients to global norm ≤ clip; "value": clip each entry
    truncate: int | None = None     # truncated-BPTT window in steps; None is full BPTT
    batch_size: int | None = None   # sequences per update; None uses the whole training set
    seed: int = 0                   # initial weights and batch order
    recurrent_scale: float = 1.0    # multiplies the initial W_hh

    def replace(self, **changes):
        """A copy with some fields changed; unknown names raise ValueError."""
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return TrainConfig(**{**asdict(self), **changes})

    def to_dict(self):
        return asdict(self)


class Trainer:
    """Runs updates of ``model`` on ``data`` and keeps the history.

    Parameters
    ----------
    model : SequenceModel or Seq2Seq (anything with parameters / state_dict / load_state_dict)
    data : SequenceData or PairData (anything with size, batch, loss_and_grads, accuracy)
    config : TrainConfig
    callbacks : iterable of callables ``f(trainer, row)`` called after every update

    Attributes
    ----------
    step : int                    updates done
    history : list of dict        one row per update: step, loss, accuracy, grad_norm, grad_norm_clipped,
                                  lr, time, and grad_norm/<param> and grad_norm_clipped/<param> per parameter;
                                  ``pandas.DataFrame(trainer.history)`` is the table
    stopped : str or None         why training stopped early (divergence), in plain words
    last_good : dict              the weights of the last update before the blow-up began: their loss was
                                  finite and at most GOOD_FACTOR × the best loss so far (or the first loss)
    last_good_step : int          the update those weights came from (0: the initial weights)
    last_good_loss : float        their loss (NaN before the first update)
    best_loss : float             the lowest loss seen so far
    """

    def __init__(self, model, data, config, callbacks=()):
        self.model, self.data, self.config = model, data, config
        self.optimizer = make_optimizer(config.optimizer, config.lr)
        self.callbacks = list(callbacks)
        self.rng = np.random.default_rng([config.seed, 1])        # batch order, apart from the weights' stream
        self.step = 0
        self.elapsed = 0.0
        self.history = []
        self.stopped = None
        self.best_loss = self.first_loss = math.inf
        self._keep_good()

    def _keep_good(self, loss=math.nan):
        """Remember the current weights (their ``loss``, the optimiser's state) as the ones to go back to."""
        self.last_good, self.last_good_loss = self.model.state_dict(), loss
        self.last_good_step = self.step
        self._good_optimizer = self.optimizer.state_dict()
        self._good_elapsed = self.elapsed

    @property
    def done(self):
        return self.step >= self.config.steps

    def _batch(self):
        size = self.config.batch_size
        if not size or size >= self.data.size:
            return self.data
        return self.data.batch(self.rng.choice(self.data.size, size, replace=False))

    def train_step(self):
        """One update. Returns its history row, or None if the loss or the gradients were not finite
        (then ``stopped`` says why and the weights are the last good ones)."""
        cfg = self.config
        t0 = time.perf_counter()
        batch = self._batch()
        with np.errstate(over="ignore", invalid="ignore"):       # overflow is detected below, and explained
            loss, grads, rec = batch.loss_and_grads(self.model, truncate=cfg.truncate)
            per_param = {name: float(np.sqrt(np.sum(g * g))) for name, g in grads.items()}
        norm = math.sqrt(sum(v * v for v in per_param.values()))
        if not (math.isfinite(loss) and math.isfinite(norm)):
            return self._diverged(loss, norm)
        if self.step == 0:
            self.first_loss = loss
        # A finite loss is not enough: on the way to an overflow the loss climbs through 1e3 … 1e160 first,
        # and weights from there blow up again at any learning rate. Good means not far above the best.
        if loss <= max(GOOD_FACTOR * self.best_loss, self.first_loss):
            self._keep_good(loss)
        self.best_loss = min(self.best_loss, loss)
        if cfg.clip is not None:
            if cfg.clip_mode == "value":
                clip_grad_value(grads, cfg.clip)
            else:
                clip_grad_norm(grads, cfg.clip)
        clipped = {name: float(np.sqrt(np.sum(g * g))) for name, g in grads.items()}
        with np.errstate(over="ignore", invalid="ignore"):
            self.optimizer.step(self.model.parameters(), grads)
        if not all(np.all(np.isfinite(w)) for w in self.model.parameters().values()):
            return self._diverged(loss, norm, after_update=True)
        self.step += 1
        self.elapsed += time.perf_counter() - t0
        row = {"step": self.step, "loss": loss, "accuracy": batch.accuracy(rec), "grad_norm": norm,
               "grad_norm_clipped": global_norm(grads), "lr": self.optimizer.lr, "time": self.elapsed}
        row.update({f"grad_norm/{k}": v for k, v in per_param.items()})
        row.update({f"grad_norm_clipped/{k}": v for k, v in clipped.items()})
        self.history.append(row)
        for callback in self.callbacks:
            callback(self, row)
        return row

    def _diverged(self, loss, norm, after_update=False):
        self.model.load_state_dict(self.last_good)
        what = (f"the weights became infinite after update {self.step + 1}" if after_update
                else f"the loss became {loss:g} at update {self.step + 1}" if not math.isfinite(loss)
                else f"the gradients became {norm:g} at update {self.step + 1}")
        advice = [f"lower the learning rate (now {self.optimizer.lr:g})"]
        if self.config.clip is None:
            advice.append("turn on gradient clipping (a norm of 1 to 5 is typical)")
        if self.config.recurrent_scale > 1:
            advice.append(f"lower the recurrent weight scale (now {self.config.recurrent_scale:g})")
        self.stopped = (f"Training stopped: {what}; the gradient norm before clipping was {norm:.3g}. "
                        f"The updates grew until the numbers overflowed (exploding gradients). "
                        f"The weights are back to those after update {self.last_good_step} (loss "
                        f"{self.last_good_loss:.4g}), from before the blow-up began. Try to {' or '.join(advice)}.")
        return None

    def restore(self, **changes):
        """After a divergence: go back to the last good weights, the optimiser's state and the history as they
        were after update ``last_good_step`` (the updates after it led to the blow-up and are dropped), then
        carry on with ``changes`` (e.g. ``lr=…``). Returns the number of updates dropped."""
        dropped = self.step - self.last_good_step
        self.model.load_state_dict(self.last_good)
        self.optimizer.load_state_dict(self._good_optimizer)
        self.step, self.elapsed = self.last_good_step, self._good_elapsed
        del self.history[self.step:]
        self.best_loss = min((row["loss"] for row in self.history), default=math.inf)
        self.resume(**changes)
        return dropped

    def run(self, steps=None, seconds=None):
        """Up to ``steps`` updates (default: to the end of the run) or ``seconds`` of wall time,
        whichever comes first; at least one update unless stopped or done. Returns the new rows."""
        rows = []
        end = self.config.steps if steps is None else min(self.config.steps, self.step + steps)
        start = time.perf_counter()
        while self.step < end and self.stopped is None:
            row = self.train_step()
            if row is not None:
                rows.append(row)
            if seconds is not None and time.perf_counter() - start >= seconds:
                break
        return rows

    def resume(self, **changes):
        """Clear a stop and carry on, optionally with new settings (e.g. ``lr=0.01``, ``clip=1.0``)."""
        if changes:
            old = self.config
            self.config = old.replace(**changes)
            if self.config.optimizer != old.optimizer:
                self.optimizer = make_optimizer(self.config.optimizer, self.config.lr)
            self.optimizer.lr = self.config.lr
        self.stopped = None

    def history_columns(self):
        """The history as a dict of equal-length lists (a table without pandas)."""
        keys = list(self.history[0]) if self.history else []
        return {k: [row.get(k) for row in self.history] for k in keys}
