"""The output head: a linear read-out of every hidden state, its activation and its loss.

Notes
-----
For every step t and sequence b, with ``z_t = W h_t + b`` (``weight`` (O, H), ``bias`` (O,)):

softmax + cross-entropy:   y_t = softmax(z_t),  ℓ_t = -log y_t[target_t]          ∂ℓ/∂z = y - onehot
sigmoid + binary CE:       y_t = σ(z_t),        ℓ_t = Σ_o -(τ log y + (1-τ) log(1-y))  ∂ℓ/∂z = y - τ
identity + squared error:  y_t = z_t,           ℓ_t = (1/O) Σ_o (y - τ)²          ∂ℓ/∂z = 2 (y - τ) / O

The loss averages ℓ over the steps that carry a target (``mask``): reduction "mean" divides by
their number; "sum" adds over steps and divides by the batch size B only (min-char-rnn's sum, so a
uniform guess over V classes on T steps costs T·log V).
"""

from dataclasses import dataclass

import numpy as np

from .activations import sigmoid
from .recurrent import as_generator

ACTIVATIONS = {"softmax": "cross-entropy", "sigmoid": "binary cross-entropy", "identity": "mean squared error"}


@dataclass(repr=False)
class HeadRecord:
    """One pass through the head.

    Attributes
    ----------
    h : ndarray of shape (T, B, H)       the hidden states read out
    logits : ndarray of shape (T, B, O)  z_t = W h_t + b
    y : ndarray of shape (T, B, O)       probabilities (softmax, sigmoid) or values (identity)
    target : ndarray of shape (T, B) (class indices, softmax) or (T, B, O), or None
    mask : ndarray of shape (T, B), bool  steps that carry a target
    step_loss : ndarray of shape (T, B)  ℓ_t, 0 where there is no target
    loss : float
    d_logits : ndarray of shape (T, B, O)  ∂L/∂z_t
    d_h : ndarray of shape (T, B, H)     ∂L/∂h_t sent back to the recurrent stack
    """

    h: np.ndarray
    logits: np.ndarray
    y: np.ndarray
    target: np.ndarray | None = None
    mask: np.ndarray | None = None
    step_loss: np.ndarray | None = None
    loss: float | None = None
    d_logits: np.ndarray | None = None
    d_h: np.ndarray | None = None

    def __repr__(self):
        T, B, O = self.logits.shape
        loss = "" if self.loss is None else f", loss={self.loss:.6g}"
        return f"HeadRecord(T={T}, B={B}, O={O}{loss})"


class Head:
    """A linear layer (PyTorch's ``nn.Linear`` layout) with an activation and its matching loss.

    Parameters
    ----------
    hidden_size : int   H
    output_size : int   O (the number of classes for softmax)
    activation : {"softmax", "sigmoid", "identity"}
    seed : int or numpy.random.Generator   weights uniform(-1/√H, 1/√H), as nn.Linear
    dtype : float64 or float32
    """

    def __init__(self, hidden_size, output_size, activation="softmax", seed=0, dtype=np.float64):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {activation!r}")
        if not isinstance(output_size, (int, np.integer)) or output_size < 1:
            raise ValueError(f"output_size must be a whole number ≥ 1, not {output_size!r}")
        self.hidden_size, self.output_size, self.activation = int(hidden_size), int(output_size), activation
        self.dtype = np.dtype(dtype)
        rng = as_generator(seed)
        bound = 1.0 / np.sqrt(hidden_size)
        self.params = {
            "weight": rng.uniform(-bound, bound, (self.output_size, self.hidden_size)).astype(self.dtype),
            "bias": rng.uniform(-bound, bound, self.output_size).astype(self.dtype),
        }

    @property
    def config(self):
        return {"type": "Head", "hidden_size": self.hidden_size, "output_size": self.output_size,
                "activation": self.activation, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        keys = ("hidden_size", "output_size", "activation", "dtype")
        return cls(**{k: config[k] for k in keys if k in config})

    def parameters(self):
        return self.params

    def __repr__(self):
        return f"Head({self.hidden_size} → {self.output_size}, {self.activation} + {ACTIVATIONS[self.activation]})"

    # ------------------------------------------------------------------ forward / backward
    def forward(self, h):
        """Read out every step: h (T, B, H) → HeadRecord with logits and y (T, B, O)."""
        T, B, H = h.shape
        z = (h.reshape(T * B, H) @ self.params["weight"].T).reshape(T, B, self.output_size)
        z += self.params["bias"]
        if self.activation == "softmax":
            y = np.exp(z - z.max(axis=-1, keepdims=True))
            y /= y.sum(axis=-1, keepdims=True)
        elif self.activation == "sigmoid":
            with np.errstate(over="ignore"):
                y = sigmoid(z)
        else:
            y = z.copy()
        return HeadRecord(h, z, y)

    def loss(self, rec, target, mask=None, reduction="mean"):
        """Loss of ``rec`` against ``target`` on the steps in ``mask`` (all if None); fills the record.

        target : ndarray of shape (T, B) of class indices (softmax), or (T, B, O) or, when O = 1,
            (T, B) of values in [0, 1] (sigmoid) or reals (identity). Entries outside the mask are ignored.
        Returns the loss L (a float); the record gains step_loss (T, B) and d_logits (T, B, O).
        """
        z, y = rec.logits, rec.y
        T, B, O = z.shape
        mask = np.ones((T, B), bool) if mask is None else np.asarray(mask, bool)
        if mask.shape != (T, B):
            raise ValueError(f"mask must have shape (T, B) = {(T, B)}, not {mask.shape}")
        if reduction not in ("mean", "sum"):
            raise ValueError("reduction must be 'mean' or 'sum'")
        count = mask.sum()
        if count == 0:
            raise ValueError("no step carries a target")
        weight = mask / (count if reduction == "mean" else B)          # (T, B): each step's share of L
        target = np.asarray(target)
        if self.activation == "softmax":
            if target.shape != (T, B) or not np.issubdtype(target.dtype, np.integer):
                raise ValueError(f"softmax targets are class indices of shape (T, B) = {(T, B)}")
            tgt = np.where(mask, target, 0)
            if tgt.min() < 0 or tgt.max() >= O:
                raise ValueError(f"class indices must be from 0 to {O - 1}")
            t_idx, b_idx = np.indices((T, B))
            log_y = z - z.max(axis=-1, keepdims=True)
            log_y -= np.log(np.exp(log_y).sum(axis=-1, keepdims=True))
            step = -log_y[t_idx, b_idx, tgt]
            d_z = y.copy()
            d_z[t_idx, b_idx, tgt] -= 1.0                                # ∂ℓ/∂z = y - onehot(target)
        else:
            if target.shape == (T, B) and O == 1:
                target = target[..., None]
            if target.shape != (T, B, O):
                raise ValueError(f"targets must have shape (T, B, O) = {(T, B, O)}")
            tgt = np.where(mask[..., None], target, 0.0).astype(self.dtype)
            if self.activation == "sigmoid":
                if tgt.min() < 0 or tgt.max() > 1:
                    raise ValueError("sigmoid targets must lie between 0 and 1")
                # softplus(z) - τ z = -(τ log σ(z) + (1 - τ) log(1 - σ(z))), stable for any z
                step = (np.maximum(z, 0) - tgt * z + np.log1p(np.exp(-np.abs(z)))).sum(axis=-1)
                d_z = y - tgt
            else:
                diff = y - tgt
                step = (diff * diff).mean(axis=-1)
                d_z = diff * (2.0 / O)
        step = np.where(mask, step, 0.0)
        d_z *= weight[..., None]
        rec.target, rec.mask, rec.step_loss, rec.d_logits = target, mask, step, d_z
        rec.loss = float((step * weight).sum())
        return rec.loss

    def backward(self, rec):
        """Gradients of the loss set by :meth:`loss`: ({"weight": (O, H), "bias": (O,)}, ∂L/∂h (T, B, H))."""
        if rec.d_logits is None:
            raise ValueError("call loss() before backward()")
        T, B, H = rec.h.shape
        d_z = rec.d_logits.reshape(T * B, self.output_size)
        grads = {"weight": d_z.T @ rec.h.reshape(T * B, H), "bias": d_z.sum(axis=0)}
        rec.d_h = (d_z @ self.params["weight"]).reshape(T, B, H)
        return grads, rec.d_h
