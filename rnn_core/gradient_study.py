"""Vanishing and exploding gradients, measured: how far back a loss at the last step still reaches.

A network's recurrent weights are set so that one number, the *recurrent scale* ρ, decides their size:
every H×H block of ``W_hh`` (one per gate) becomes ρ·Q, with Q the orthogonal factor of the engine's
seeded draw (its polar decomposition W = Q·S). Then every singular value and every eigenvalue of the
block has modulus exactly ρ, so ρ < 1 puts all eigenvalues inside the unit circle and ρ > 1 outside.
The biases are zero, so the zero state is a fixed point and small inputs keep a tanh network near its
linear range, where its step Jacobian is ρ·Q itself.

Notes
-----
The loss sits at the last step only: with a fixed random unit vector u (H,),

    L = u · h_{T-1}        so   ∂L/∂h_{T-1} = u,   ∂L/∂h_t = u^T ∂h_{T-1}/∂h_t
    ∂h_{T-1}/∂h_t = J_{T-1} J_{T-2} ··· J_{t+1},   J_k = ∂h_k/∂h_{k-1}

Vanilla RNN: J_k = diag(φ'(a_k)) W_hh, so ‖J_k‖₂ ≤ ρ · max φ'; with tanh or ReLU (φ' ≤ 1) and ρ < 1 the
norm ‖∂L/∂h_t‖ shrinks by at least a factor ρ per step back; with sigmoid (φ' ≤ 1/4) it shrinks unless
ρ > 4. With zero inputs a tanh network stays at h = 0, J_k = ρQ, and ‖∂L/∂h_t‖ = ρ^(T-1-t) exactly.
LSTM and GRU carry a second path past W_hh (the cell c_t = f ⊙ c_{t-1} + …, or z ⊙ h_{t-1}), which keeps
the gradient as long as the forget gate f (the update gate z) stays near 1. With zero biases and small
inputs those gates sit near σ(0) = ½ and the gated cells forget as fast as they are told to; a *gate bias*
b (added to the forget gate's, or the GRU's update gate's, input bias) opens them to σ(b): 0.73 for b = 1
(Jozefowicz et al. 2015 recommend b = 1 for the LSTM's forget gate), 0.95 for b = 3.

NumPy and the standard library only.
"""

import time
from dataclasses import dataclass

import numpy as np

from .examples import EXAMPLES, KEEP_GATE, MEMORY_SYMBOLS, memory_task, set_gate_bias
from .model import SequenceModel
from .record import GATE_NAMES, Record
from .recurrent import Recurrent
from .trainer import Trainer

#: inputs per step of the last-step task (random noise) and their standard deviation
STUDY_INPUTS = 4
STUDY_AMPLITUDE = 0.1
#: sequences averaged in the norm curves
STUDY_BATCH = 8


def orthogonal_recurrent(rnn, scale):
    """Set every H×H block of every ``W_hh`` of ``rnn`` to ``scale`` times its orthogonal factor; zero the biases.

    Parameters
    ----------
    rnn : Recurrent
        Changed in place (its seeded draw decides the orthogonal factors).
    scale : float
        ρ > 0: afterwards every eigenvalue λ of every block has |λ| = ρ.

    Returns
    -------
    Recurrent
        ``rnn`` itself.

    Notes
    -----
    For a block W = U Σ V^T (singular value decomposition) the orthogonal factor is Q = U V^T, the
    orthogonal matrix nearest to W; the block becomes ρ·Q.
    """
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    H = rnn.hidden_size
    for k in range(rnn.num_layers):
        W = rnn.params[f"weight_hh_l{k}"]
        for g in range(rnn.gates):
            U, _, Vt = np.linalg.svd(W[g * H:(g + 1) * H].astype(np.float64))
            W[g * H:(g + 1) * H] = scale * (U @ Vt)
        rnn.params[f"bias_ih_l{k}"][:] = 0.0
        rnn.params[f"bias_hh_l{k}"][:] = 0.0
    return rnn


def study_network(kind, scale, nonlinearity="tanh", hidden=8, seed=0, input_size=STUDY_INPUTS, gate_bias=0.0):
    """A one-layer ``Recurrent`` with the recurrent scale ρ = ``scale`` (see :func:`orthogonal_recurrent`) and
    the keeping gate's bias ``gate_bias`` (see :func:`set_gate_bias`; ignored by the vanilla RNN)."""
    rnn = Recurrent(kind, input_size, int(hidden), 1, nonlinearity=nonlinearity, seed=int(seed))
    return set_gate_bias(orthogonal_recurrent(rnn, scale), gate_bias)


def study_inputs(T, batch=STUDY_BATCH, input_size=STUDY_INPUTS, seed=0, amplitude=STUDY_AMPLITUDE):
    """Random inputs x of shape (T, B, D), each ~ amplitude · N(0, 1); the same seed gives every cell the same."""
    rng = np.random.default_rng([int(seed), 7])
    return amplitude * rng.normal(size=(int(T), int(batch), int(input_size)))


def loss_direction(hidden, seed=0):
    """The fixed random unit vector u (H,) of the loss L = u · h_{T-1}."""
    u = np.random.default_rng([int(seed), 11]).normal(size=int(hidden))
    return u / np.linalg.norm(u)


@dataclass(repr=False)
class GradientStudy:
    """‖∂L/∂h_t‖ for a loss at the last step only, for one cell.

    Attributes
    ----------
    kind, nonlinearity : str
    scale : float                               ρ, the modulus of every eigenvalue of each W_hh block
    steps : ndarray of shape (T,)               t = 0 … T-1
    distance : ndarray of shape (T,)            T-1-t, steps between h_t and the loss
    norms : ndarray of shape (T,)               mean over the B sequences of ‖∂L/∂h_t‖₂ (1 at t = T-1)
    norms_by_sequence : ndarray of shape (T, B) ‖∂L/∂h_t‖₂ of each sequence
    d_hidden : ndarray of shape (T, B, H)       ∂L/∂h_t itself
    x : ndarray of shape (T, B, D)              the inputs
    direction : ndarray of shape (H,)           u
    rnn : Recurrent                             the network
    record : Record                             its forward and backward pass
    gate_bias : float                           the forget / update gate's bias (0 for the vanilla RNN's study)
    """

    kind: str
    nonlinearity: str
    scale: float
    steps: np.ndarray
    distance: np.ndarray
    norms: np.ndarray
    norms_by_sequence: np.ndarray
    d_hidden: np.ndarray
    x: np.ndarray
    direction: np.ndarray
    rnn: Recurrent
    record: Record
    gate_bias: float = 0.0

    @property
    def finite(self):
        """False when a norm overflowed (ReLU with a large scale over many steps)."""
        return bool(np.all(np.isfinite(self.norms)))

    def __repr__(self):
        T = len(self.steps)
        return (f"GradientStudy({self.kind}, {self.nonlinearity}, scale={self.scale:g}, T={T}, "
                f"‖∂L/∂h_0‖={self.norms[0]:.3g})")


def gradient_by_distance(kind, T, scale, nonlinearity="tanh", hidden=8, seed=0, batch=STUDY_BATCH,
                         amplitude=STUDY_AMPLITUDE, gate_bias=0.0):
    """Backpropagate a loss at the last step only and measure ‖∂L/∂h_t‖ at every step t.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
    T : int
        Sequence length, ≥ 1.
    scale : float
        ρ: each W_hh block is ρ times an orthogonal matrix (:func:`orthogonal_recurrent`).
    nonlinearity : {"tanh", "relu", "sigmoid"}
        The vanilla RNN's φ (LSTM and GRU ignore it).
    hidden : int
        H.
    seed : int
        Weights, inputs and u; the same seed gives every cell the same inputs and the same u.
    batch : int
        B, sequences averaged.
    amplitude : float
        Standard deviation of the random inputs (0 gives zero inputs).
    gate_bias : float
        The bias of the LSTM's forget gate / the GRU's update gate (:func:`set_gate_bias`); 0 leaves them
        near ½, larger values hold them open (the vanilla RNN ignores it).

    Returns
    -------
    GradientStudy
        ``norms[t]`` = (1/B) Σ_b ‖∂L_b/∂h_t^{(b)}‖₂ with L_b = u · h_{T-1}^{(b)}.
    """
    T = int(T)
    if T < 1:
        raise ValueError(f"T must be at least 1, not {T}")
    rnn = study_network(kind, scale, nonlinearity, hidden, seed, gate_bias=gate_bias)
    x = study_inputs(T, batch, rnn.input_size, seed, amplitude)
    u = loss_direction(rnn.hidden_size, seed)
    with np.errstate(over="ignore", invalid="ignore"):
        record = rnn.forward(x)
        d_output = np.zeros_like(record.output)                          # (T, B, H)
        d_output[-1] = u                                                 # the loss sits at the last step only
        rnn.backward(record, d_output)
        layer = record.layers[0]
        by_sequence = layer.d_hidden_norm                                # (T, B)
        norms = by_sequence.mean(axis=1)
    steps = np.arange(T)
    return GradientStudy(rnn.kind, nonlinearity, float(scale), steps, T - 1 - steps, norms, by_sequence,
                         layer.d_hidden, x, u, rnn, record, float(gate_bias) if rnn.kind in KEEP_GATE else 0.0)


@dataclass(repr=False)
class JacobianMap:
    """‖∂h_t/∂h_s‖₂ for pairs of steps s ≤ t of one sequence.

    Attributes
    ----------
    steps : ndarray of shape (n,)        the steps drawn (all of them, or an even selection for long sequences)
    norms : ndarray of shape (n, n)      ``[i, j]`` = ‖∂h_{steps[i]}/∂h_{steps[j]}‖₂ for steps[j] ≤ steps[i]
                                         (1 on the diagonal), NaN above the diagonal (the future does not
                                         move the past)
    kind : str
    """

    steps: np.ndarray
    norms: np.ndarray
    kind: str

    def __repr__(self):
        return f"JacobianMap({self.kind}, {len(self.steps)} steps)"


def jacobian_map(study, sequence=0, max_steps=60):
    """The norms of the Jacobian products ∂h_t/∂h_s = J_t ··· J_{s+1} for one sequence of a study.

    Parameters
    ----------
    study : GradientStudy
    sequence : int
        Which sequence b of the study's batch.
    max_steps : int
        At most this many steps are drawn (evenly spread, the first and the last always among them);
        the products still run over every step in between.

    Returns
    -------
    JacobianMap

    Notes
    -----
    J_k = ∂s_k/∂s_{k-1} comes from :meth:`Recurrent.step_jacobians` (s = h, or [h; c] for an LSTM);
    the product runs over the full state and its h-to-h block is measured, as
    :meth:`Recurrent.jacobian_norms` does.
    """
    rnn = study.rnn
    x = study.x[:, sequence:sequence + 1]                               # (T, 1, D)
    with np.errstate(over="ignore", invalid="ignore"):
        record = rnn.forward(x)
        J = rnn.step_jacobians(record)[:, 0]                            # (T, S, S)
    T, S, _ = J.shape
    H = rnn.hidden_size
    steps = np.unique(np.linspace(0, T - 1, min(T, int(max_steps))).round().astype(int))
    n = len(steps)
    norms = np.full((n, n), np.nan)
    norms[np.arange(n), np.arange(n)] = 1.0
    # every drawn start s at once (one product per start, all moved on by J_t together): T batched products
    # and one batched SVD per drawn step t, instead of one small product and SVD per pair
    P = np.broadcast_to(np.eye(S), (n, S, S)).copy()              # (n, S, S): ∂s_t/∂s_{steps[j]}
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, T):
            k = int(np.searchsorted(steps, t))                     # the starts s < t: steps[:k]
            P[:k] = J[t] @ P[:k]                                   # ∂s_t/∂s_s = J_t ∂s_{t-1}/∂s_s
            if k < n and steps[k] == t:                            # t is drawn: its row, every start before it
                blocks = P[:k, :H, :H]
                finite = np.all(np.isfinite(blocks), axis=(1, 2))
                row = np.full(k, np.inf)
                if finite.any():
                    row[finite] = spectral_norms(blocks[finite])
                norms[k, :k] = row
    return JacobianMap(steps, norms, rnn.kind)


def spectral_norms(blocks):
    """‖B‖₂ of each block: the square root of the largest eigenvalue of BᵀB.

    Parameters
    ----------
    blocks : ndarray of shape (k, H, H), finite

    Returns
    -------
    ndarray of shape (k,)

    Notes
    -----
    The same number as ``np.linalg.norm(B, 2)`` (the largest singular value) to a few units in the last place:
    the largest eigenvalue of a symmetric matrix is computed to within eps·‖BᵀB‖ = eps·σ². Each block is
    divided by its largest entry first, so that BᵀB cannot overflow where B does not. Half the time of
    the batched SVD behind ``np.linalg.norm``, which was two thirds of a Jacobian map's.
    """
    top = np.max(np.abs(blocks), axis=(1, 2))                     # (k,)
    scale = np.where(top > 0, top, 1.0)
    scaled = blocks / scale[:, None, None]
    largest = np.linalg.eigvalsh(np.swapaxes(scaled, 1, 2) @ scaled)[:, -1]
    return scale * np.sqrt(np.maximum(largest, 0.0))


def recurrent_eigenvalues(model, layer=0):
    """The eigenvalues of each gate's H×H block of ``W_hh`` in one layer.

    Parameters
    ----------
    model : Recurrent or SequenceModel (anything with ``.rnn``)
    layer : int

    Returns
    -------
    dict of str → ndarray of shape (H,), complex
        Keyed by gate name (RNN ``h``; LSTM ``i, f, g, o``; GRU ``r, z, n``), each sorted by modulus,
        largest first. A block's spectral radius max |λ| above 1 lets W_hh^k grow with k.
    """
    rnn = getattr(model, "rnn", model)
    H = rnn.hidden_size
    W = np.asarray(rnn.params[f"weight_hh_l{layer}"], dtype=np.float64)
    out = {}
    for g, name in enumerate(GATE_NAMES[rnn.kind]):
        lam = np.linalg.eigvals(W[g * H:(g + 1) * H])
        out[name] = lam[np.argsort(-np.abs(lam), kind="stable")]
    return out


# ---------------------------------------------------------------------- clipping
@dataclass(repr=False)
class TrainingRun:
    """The rows of one training run and why it stopped, if it did.

    Attributes
    ----------
    clip : float or None        the clipping threshold (None: no clipping)
    history : list of dict      ``Trainer.history``: step, loss, grad_norm (before clipping),
                                grad_norm_clipped (after), accuracy, ...
    stopped : str or None       ``Trainer.stopped``: the divergence explained, or None
    seconds : float             training time
    """

    clip: float | None
    history: list
    stopped: str | None
    seconds: float

    def __repr__(self):
        return f"TrainingRun(clip={self.clip}, {len(self.history)} updates, stopped={self.stopped is not None})"


#: a setting whose gradients explode: a ReLU RNN with ρ = 3 on the memory task, plain SGD
EXPLODING = dict(kind="rnn", nonlinearity="relu", scale=3.0, distance=10, steps=100, batch_size=64, optimizer="sgd",
                 noise=0.5)


def train_with_clip(clip, lr=0.1, hidden=8, seed=0, kind=EXPLODING["kind"], nonlinearity=EXPLODING["nonlinearity"],
                    scale=EXPLODING["scale"], distance=EXPLODING["distance"], steps=EXPLODING["steps"],
                    batch_size=EXPLODING["batch_size"], optimizer=EXPLODING["optimizer"]):
    """Train on the memory task from a network with recurrent scale ρ = ``scale``, with or without clipping.

    The same seed gives the same initial weights and batches whatever ``clip`` is, so two runs differ
    only by clipping: with a threshold c, every update whose global gradient norm ‖g‖ exceeds c is
    made with g · c/‖g‖ instead (same direction, norm c).

    Returns
    -------
    TrainingRun
    """
    data = memory_task(int(distance), n=256, seed=0, noise=EXPLODING["noise"])
    model = SequenceModel(kind, data.x.shape[2], int(hidden), len(data.output_labels), nonlinearity=nonlinearity,
                          head=data.head, target=data.target, seed=int(seed))
    orthogonal_recurrent(model.rnn, scale)
    config = EXAMPLES["memory"].defaults.replace(
        cell=kind, hidden=int(hidden), nonlinearity=nonlinearity, steps=int(steps), lr=float(lr), optimizer=optimizer,
        clip=None if clip is None else float(clip), batch_size=int(batch_size), seed=int(seed),
        recurrent_scale=float(scale))
    trainer = Trainer(model, data, config)
    start = time.perf_counter()
    trainer.run()
    return TrainingRun(config.clip, trainer.history, trainer.stopped, time.perf_counter() - start)


# ---------------------------------------------------------------------- memory over distance
CHANCE = 1 / len(MEMORY_SYMBOLS)


@dataclass(frozen=True)
class MemoryPoint:
    """One cell trained at one distance of the memory task.

    Attributes
    ----------
    kind : str
    distance : int          noisy steps between the symbol and the question
    recall : float          share of 512 fresh test sequences answered right (chance is 1/4)
    updates : int           updates made (training stops early once a check set is recalled)
    seconds : float         training time
    stopped : str or None   the trainer's divergence message, if any
    seed : int              the network's seed (initial weights and batch order)
    """

    kind: str
    distance: int
    recall: float
    updates: int
    seconds: float
    stopped: str | None = None
    seed: int = 0


def memory_recall(kind, distance, hidden=16, seed=0, max_steps=600, check_every=50, enough=0.95):
    """Train ``kind`` on the memory task at ``distance`` with the example's default setting and measure recall.

    Training stops after ``max_steps`` updates, or earlier once at least ``enough`` of a separate check
    set (256 sequences) is recalled; recall is then measured on 512 fresh sequences that neither training
    nor the check saw.

    Returns
    -------
    MemoryPoint
    """
    example = EXAMPLES["memory"]
    data = memory_task(int(distance), n=256, seed=0)
    check = memory_task(int(distance), n=256, seed=1)
    test = memory_task(int(distance), n=512, seed=2)
    config = example.defaults.replace(cell=kind, hidden=int(hidden), seed=int(seed), steps=int(max_steps))
    model = example.build_model(config, data)
    trainer = Trainer(model, data, config)
    start = time.perf_counter()
    while not trainer.done and trainer.stopped is None:
        trainer.run(steps=int(check_every))
        if check.accuracy(check.run(model, record=False)) >= enough:
            break
    seconds = time.perf_counter() - start
    recall = test.accuracy(test.run(model, record=False))
    return MemoryPoint(kind, int(distance), float(recall), trainer.step, seconds, trainer.stopped, int(seed))
