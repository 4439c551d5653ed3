"""How much gradient travels along each edge of the unrolled graph, for pictures of backpropagation through time.

After a backward pass, ∂L/∂h_t of layer l (``LayerRecord.d_hidden``) is the sum of what reaches h_t along
the two edges that leave it in the forward direction:

    ∂L/∂h_t^(l) = δ_up + δ_next

    δ_up   = ∂L/∂x_t^(l+1)                 from the layer above at the same step (``d_x`` of layer l + 1),
             or ∂L/∂h_t from the output head for the top layer (``HeadRecord.d_h``, i.e. Wᵀ ∂L/∂z_t);
    δ_next = (∂h_{t+1}/∂h_t)ᵀ ∂L/∂h_{t+1}   from the next step along the recurrent edge (0 at the last step).

This module takes those vectors from the record, with δ_next = ∂L/∂h_t − δ_up, and returns the
Euclidean norm of each: the thickness of each arrow in a backward picture. Nothing is recomputed
through the network. NumPy only.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(repr=False)
class GradientFlow:
    """Norms of the gradient carried by every edge of the unrolled graph.

    Attributes
    ----------
    into_output : ndarray of shape (T, B)
        ‖∂L/∂z_t‖: from the loss ℓ_t into the output's logits z_t (0 at steps without a target).
    from_above : ndarray of shape (L, T, B)
        ‖δ_up‖ reaching h_t^(l) from above: from the output y_t (top layer) or from layer l + 1.
    from_next : ndarray of shape (L, T, B)
        ‖δ_next‖ reaching h_t^(l) from h_{t+1}^(l) along the recurrent edge.
    total : ndarray of shape (L, T, B)
        ‖∂L/∂h_t^(l)‖ (the record's ``d_hidden_norm``).
    cell : ndarray of shape (L, T, B) or None
        LSTM: ‖∂L/∂c_t^(l)‖.
    into_input : ndarray of shape (T, B)
        ‖∂L/∂x_t‖ at the bottom layer's input.
    into_initial : ndarray of shape (L, B)
        ‖∂L/∂h_{-1}^(l)‖: what reaches the initial state.
    """

    into_output: np.ndarray
    from_above: np.ndarray
    from_next: np.ndarray
    total: np.ndarray
    cell: np.ndarray | None
    into_input: np.ndarray
    into_initial: np.ndarray

    def __repr__(self):
        L, T, B = self.total.shape
        return f"GradientFlow(L={L}, T={T}, B={B}, largest ‖∂L/∂h‖={self.total.max():.3g})"


def gradient_flow(model_record):
    """The gradient norm along every edge of a :class:`~rnn_core.ModelRecord` after ``SequenceModel.backward``.

    Parameters
    ----------
    model_record : ModelRecord
        ``.rnn`` with every layer's ``d_hidden`` and ``d_x``, ``.head`` with ``d_logits`` and ``d_h``.

    Returns
    -------
    GradientFlow
        Shapes as documented there; padding steps carry what the engine gives them (zeros, or the held
        gradient of a held state).
    """
    rnn, head = model_record.rnn, model_record.head
    layers = rnn.layers
    if layers[0].d_hidden is None or head.d_h is None:
        raise ValueError("run the model's backward pass (with recording on) before asking for the gradient flow")
    L = len(layers)
    T, B = rnn.mask.shape
    mask = rnn.mask[:, :, None]                       # (T, B, 1): the head's ∂L/∂h enters at real steps only
    up, nxt, total = (np.empty((L, T, B)) for _ in range(3))
    for l, layer in enumerate(layers):
        d_up = head.d_h * mask if l == L - 1 else layers[l + 1].d_x          # δ_up, (T, B, H)
        up[l] = np.linalg.norm(d_up, axis=-1)
        nxt[l] = np.linalg.norm(layer.d_hidden - d_up, axis=-1)             # δ_next = ∂L/∂h_t − δ_up
        total[l] = layer.d_hidden_norm
    cell = None
    if layers[0].d_cell is not None:
        cell = np.stack([np.linalg.norm(layer.d_cell, axis=-1) for layer in layers])
    return GradientFlow(
        into_output=np.linalg.norm(head.d_logits, axis=-1),
        from_above=up,
        from_next=nxt,
        total=total,
        cell=cell,
        into_input=np.linalg.norm(rnn.d_input, axis=-1),
        into_initial=np.linalg.norm(rnn.d_h0, axis=-1),
    )
