"""A recurrent stack with an output head: the model behind many-to-many and many-to-one tasks.

Parameter names are ``rnn.<PyTorch name>`` and ``head.weight`` / ``head.bias``: exactly the state
dict of a PyTorch module whose attributes ``rnn`` (``nn.RNN``/``nn.LSTM``/``nn.GRU``) and ``head``
(``nn.Linear``) hold the same layers.
"""

from dataclasses import dataclass

import numpy as np

from .head import Head, HeadRecord
from .params import checked_copies
from .record import Record
from .recurrent import Recurrent, as_generator

TARGETS = ("every", "last")


@dataclass(repr=False)
class ModelRecord:
    """One pass through a :class:`SequenceModel`: the recurrent record and the head's."""

    rnn: Record
    head: HeadRecord

    @property
    def loss(self):
        return self.head.loss

    @property
    def y(self):
        """Probabilities or values at every step, shape (T, B, O)."""
        return self.head.y

    def __repr__(self):
        return f"ModelRecord({self.rnn!r}, {self.head!r})"


class SequenceModel:
    """Recurrent stack → linear head, with a target at every step or only at each sequence's last.

    Parameters
    ----------
    kind, input_size, hidden_size, num_layers, nonlinearity, recurrent_scale, dtype
        As :class:`~rnn_core.Recurrent`.
    output_size : int
        O: classes (softmax), independent outputs (sigmoid) or values (identity).
    head : {"softmax", "sigmoid", "identity"}
        The head's activation and with it the loss (cross-entropy, binary cross-entropy, squared error).
    target : {"every", "last"}
        "every": many-to-many in step; "last": many-to-one (the last real step of each sequence).
    seed : int or numpy.random.Generator
        The stack is drawn first, then the head, from the same generator.
    """

    def __init__(self, kind, input_size, hidden_size, output_size, num_layers=1, nonlinearity="tanh",
                 head="softmax", target="every", seed=0, recurrent_scale=1.0, dtype=np.float64):
        if target not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
        rng = as_generator(seed)
        self.rnn = Recurrent(kind, input_size, hidden_size, num_layers, nonlinearity, rng, recurrent_scale, dtype)
        self.head = Head(hidden_size, output_size, head, rng, dtype)
        self.target = target

    @property
    def config(self):
        return {"type": "SequenceModel", "rnn": self.rnn.config, "head": self.head.config, "target": self.target}

    @classmethod
    def from_config(cls, config):
        model = cls.__new__(cls)
        model.rnn = Recurrent.from_config(config["rnn"])
        model.head = Head.from_config(config["head"])
        if model.head.hidden_size != model.rnn.hidden_size:
            raise ValueError("the head's input size must equal the stack's hidden size")
        model.target = config.get("target", "every")
        if model.target not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}")
        return model

    def parameters(self):
        """Live arrays: ``rnn.weight_ih_l0`` ... and ``head.weight``, ``head.bias``."""
        params = {f"rnn.{k}": v for k, v in self.rnn.params.items()}
        params.update({f"head.{k}": v for k, v in self.head.params.items()})
        return params

    def state_dict(self):
        return {k: v.copy() for k, v in self.parameters().items()}

    def load_state_dict(self, state):
        """Load every ``rnn.*`` and ``head.*`` array; nothing changes unless all fit."""
        new = checked_copies(self.parameters(), state)
        for name, value in new.items():
            part, key = name.split(".", 1)
            getattr(self, part).params[key] = value

    def __repr__(self):
        return f"SequenceModel({self.rnn!r} → {self.head!r}, target={self.target})"

    # ------------------------------------------------------------------ passes
    def forward(self, x, lengths=None, h0=None, record=True):
        """x (T, B, D) → ModelRecord; ``.y`` holds the head's output at every step (T, B, O)."""
        rnn = self.rnn.forward(x, h0=h0, lengths=lengths, record=record)
        return ModelRecord(rnn, self.head.forward(rnn.output))

    __call__ = forward

    def target_mask(self, rec):
        """Steps that carry a target, shape (T, B): every real step, or each sequence's last."""
        mask = rec.rnn.mask
        if self.target == "every":
            return mask
        last = np.zeros_like(mask)
        last[rec.rnn.lengths - 1, np.arange(mask.shape[1])] = True
        return last

    def loss(self, rec, target, reduction="mean"):
        """L against ``target`` (see :meth:`Head.loss`); for target="last" only each last step counts.

        For target="last" a target of shape (B,) or (B, O) is accepted and placed at each last step.
        """
        T, B = rec.rnn.mask.shape
        target = np.asarray(target)
        if self.target == "last" and target.shape[:1] == (B,) and target.ndim in (1, 2) and target.shape[:2] != (T, B):
            full = np.zeros((T,) + target.shape, dtype=target.dtype)
            full[rec.rnn.lengths - 1, np.arange(B)] = target
            target = full
        return self.head.loss(rec.head, target, self.target_mask(rec), reduction)

    def backward(self, rec, truncate=None):
        """Gradients of the last :meth:`loss` for every parameter, keyed like :meth:`parameters`."""
        head_grads, d_h = self.head.backward(rec.head)
        grads = {f"rnn.{k}": v for k, v in self.rnn.backward(rec.rnn, d_h, truncate=truncate).items()}
        grads.update({f"head.{k}": v for k, v in head_grads.items()})
        return grads
