"""A bidirectional encoder (Bahdanau et al. 2015): one stack reads the source left to right, another right to
left, and each position's annotation is both states side by side, h_j = [→h_j ; ←h_j].

A left-to-right state →h_j has read words 0 … j only, so for an early word it says little of what follows and a
later state may carry that word better; ←h_j has read words j … n − 1. Together h_j is about word j and its
whole sentence, which is what lets the attention look at the word it translates.

Each direction is an ordinary :class:`~rnn_core.Recurrent` with H/2 units, so h_j has H numbers, the decoder's
size. The backward stack runs on each sequence reversed within its own length (padding stays at the end, so
``lengths`` keeps its packed-sequence meaning): its step t reads position n_b − 1 − t. Its final state is
therefore ←h_0, the state at the first word, and the encoder's final state is [→h_{n−1} ; ←h_0] (both have read
the whole sentence). Arrays are time-major: source (T, B, D), annotations (T, B, H), final states (L, B, H).
"""

from dataclasses import dataclass

import numpy as np

from .record import Record


def reversal(lengths, T):
    """Indices that reverse each sequence within its length, shape (T, B): position n_b − 1 − t for t < n_b,
    padding left in place. Applying it twice gives the identity, so it also puts a reversed run back in order."""
    t = np.arange(T)[:, None]
    lengths = np.asarray(lengths)[None, :]
    return np.where(t < lengths, lengths - 1 - t, t)


def reorder(x, order):
    """x (T, B, ...) with each sequence's steps taken in ``order`` (T, B)."""
    return np.take_along_axis(x, order.reshape(order.shape + (1,) * (x.ndim - 2)), axis=0)


@dataclass(repr=False)
class BiRecord:
    """Both directions' passes over the source.

    Attributes
    ----------
    forward : Record
        The left-to-right pass; ``forward.output`` is →h_j (T, B, H/2).
    backward : Record
        The right-to-left pass as it ran, on the reversed sequences: its step t is position n_b − 1 − t.
    order : ndarray of shape (T, B)
        The reversal (see :func:`reversal`).
    d_input : ndarray of shape (T, B, D) or None
        After backward: ∂L/∂source, both directions' parts added in source order.
    """

    forward: Record
    backward: Record
    order: np.ndarray
    d_input: np.ndarray | None = None

    @property
    def kind(self):
        return self.forward.kind

    @property
    def mask(self):
        return self.forward.mask

    @property
    def lengths(self):
        return self.forward.lengths

    @property
    def forward_states(self):
        """→h_j, shape (T, B, H/2): 0 past each source's length."""
        return self.forward.output

    @property
    def backward_states(self):
        """←h_j in source order, shape (T, B, H/2): position j's state after reading words n − 1 … j."""
        return reorder(self.backward.output, self.order)

    @property
    def output(self):
        """The annotations h_j = [→h_j ; ←h_j], shape (T, B, H)."""
        return np.concatenate([self.forward_states, self.backward_states], axis=-1)

    @property
    def h_n(self):
        """[→h_{n−1} ; ←h_0] per layer, shape (L, B, H): the state after each direction has read the whole source."""
        return np.concatenate([self.forward.h_n, self.backward.h_n], axis=-1)

    @property
    def c_n(self):
        """LSTM: the cell states beside h_n, shape (L, B, H); None for the other cells."""
        if self.forward.c_n is None:
            return None
        return np.concatenate([self.forward.c_n, self.backward.c_n], axis=-1)


def encode(forward_rnn, backward_rnn, source, lengths=None, record=True):
    """Both directions over ``source`` (T, B, D); returns a :class:`BiRecord`."""
    fwd = forward_rnn.forward(source, lengths=lengths, record=record)
    order = reversal(fwd.lengths, fwd.mask.shape[0])
    bwd = backward_rnn.forward(reorder(np.asarray(source), order), lengths=fwd.lengths, record=record)
    return BiRecord(fwd, bwd, order)


def backward(forward_rnn, backward_rnn, rec, d_h, d_h_n=None, d_c_n=None, truncate=None):
    """Gradients of both stacks from ∂L/∂h_j (T, B, H) and ∂L/∂h_n, ∂L/∂c_n (L, B, H) or None.

    Each half goes to its own direction (the backward direction's in its reversed order); returns the two
    stacks' gradient dicts and sets ``rec.d_input``.
    """
    half = d_h.shape[-1] // 2

    def split(d):
        return (None, None) if d is None else (d[..., :half], d[..., half:])

    (f_h_n, b_h_n), (f_c_n, b_c_n) = split(d_h_n), split(d_c_n)
    f_grads = forward_rnn.backward(rec.forward, d_h[..., :half], d_h_n=f_h_n, d_c_n=f_c_n, truncate=truncate)
    b_grads = backward_rnn.backward(rec.backward, reorder(d_h[..., half:], rec.order), d_h_n=b_h_n, d_c_n=b_c_n,
                                    truncate=truncate)
    rec.d_input = rec.forward.d_input + reorder(rec.backward.d_input, rec.order)
    return f_grads, b_grads
