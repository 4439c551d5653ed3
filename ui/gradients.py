"""Glue for the vanishing & exploding gradients page: its settings, cached engine calls and tables.

Every number comes from ``rnn_core.gradient_study``; this module caches those calls on plain settings and
lays their results out as tidy rows for the CSV downloads.
"""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import gradient_study as gs

from . import jobs, trained
from .state import Setting

ACTIVATIONS = ("tanh", "relu", "sigmoid")
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
CLIPS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
FARTHEST = (10, 20, 40)                     # the longest distance of the memory experiment
UPDATES = (50, 100, 200, 400, 600)          # at most this many updates per network
SEED_COUNTS = (1, 3)                        # networks per cell and distance (seeds s, s + 1, …), averaged
DISTANCES = (2, 5, 10, 20, 40)
MEMORY_HIDDEN = 16                          # the memory example's own hidden size
KINDS = ("rnn", "lstm", "gru")
#: the bias of the LSTM's forget gate and the GRU's update gate: σ(b) = 0.5, 0.73, 0.88, 0.95, 0.98
GATE_BIASES = (0.0, 1.0, 2.0, 3.0, 4.0)

#: this page's settings (URL parameters): name, default, allowed values
SETTINGS = (
    Setting("v_len", 50, low=10, high=200),
    Setting("v_scale", 0.8, low=0.1, high=3.0),
    Setting("v_act", "tanh", ACTIVATIONS),
    Setting("v_bias", 3.0, GATE_BIASES),
    Setting("v_lr", 0.1, LEARNING_RATES),
    Setting("v_clip", 1.0, CLIPS),
    Setting("v_far", 20, FARTHEST),
    Setting("v_updates", 600, UPDATES),
    Setting("v_seeds", 1, SEED_COUNTS),
)


def scale_of(value):
    """The slider's float rounded to its 0.1 steps (so 1.2000000000000002 and 1.2 share a cache entry)."""
    return round(float(value), 2)


def distances_up_to(far):
    return tuple(d for d in DISTANCES if d <= int(far))


# ---------------------------------------------------------------------- cached engine calls
@st.cache_data(max_entries=64, show_spinner=False)
def norm_studies(T, scale, nonlinearity, hidden, seed, gate_bias=0.0):
    """``gradient_by_distance`` for the vanilla RNN (with ``nonlinearity``), the LSTM and the GRU (with the gate
    bias ``gate_bias``): same inputs, seed."""
    return [gs.gradient_by_distance(kind, int(T), float(scale), nonlinearity, int(hidden), int(seed),
                                    gate_bias=float(gate_bias)) for kind in KINDS]


@st.cache_data(max_entries=64, show_spinner=False)
def jacobian_maps(T, scale, nonlinearity, hidden, seed, kinds, gate_bias=0.0):
    """{kind: JacobianMap} for the first sequence of each cell's study (the studies of :func:`norm_studies`)."""
    studies = dict(zip(KINDS, norm_studies(T, scale, nonlinearity, hidden, seed, gate_bias), strict=True))
    return {kind: gs.jacobian_map(studies[kind]) for kind in kinds}


@st.cache_data(max_entries=64, show_spinner=False)
def eigenvalues(kind, scale, nonlinearity, hidden, seed):
    """{gate: eigenvalues} of the study network's W_hh."""
    return gs.recurrent_eigenvalues(gs.study_network(kind, float(scale), nonlinearity, int(hidden), int(seed)))


def clipping_job(lr, clip, hidden, seed):
    """The worker's job training the exploding setting twice (``ui.trained.clipping_runs``): {"runs",
    "seconds"}. A fifth of a second of training, so it runs in the pool's quick lane (cost 0): in the script
    thread it held the GIL, and every other session on the replica waited, at each new seed."""
    args = (float(lr), float(clip), int(hidden), int(seed))
    return jobs.request(("clipping",) + args, trained.clipping_runs, args, cost=0)


def memory_job(seed, updates, far, seeds=1):
    """The worker's job training every cell at every distance up to ``far``, once per seed ``seed`` …
    ``seed + seeds - 1``: its value is {"points", "seconds"} (``ui.trained.memory_points``). Run in the
    server's worker process, not the page's thread: 9 to 45 networks, 10 s to a minute, which in the script
    thread held up every other student on the replica. Everyone asking for the same settings shares the job."""
    args = (KINDS, distances_up_to(far), tuple(range(int(seed), int(seed) + int(seeds))), MEMORY_HIDDEN,
            int(updates))
    return jobs.request(("memory",) + args, trained.memory_points, args,
                        cost=len(KINDS) * len(args[1]) * len(args[2]))


# ---------------------------------------------------------------------- tables
def norm_frame(studies):
    """One row per cell and step: ‖∂L/∂h_t‖ (mean over the sequences) and its smallest and largest."""
    rows = []
    for s in studies:
        rows.append(pd.DataFrame({
            "cell": s.kind, "activation": s.nonlinearity if s.kind == "rnn" else "", "recurrent_scale": s.scale,
            "gate_bias": s.gate_bias if s.kind != "rnn" else np.nan,
            "step_t": s.steps, "steps_before_loss": s.distance, "grad_norm_mean": s.norms,
            "grad_norm_min": s.norms_by_sequence.min(axis=1), "grad_norm_max": s.norms_by_sequence.max(axis=1),
        }))
    return pd.concat(rows, ignore_index=True)


def eigen_frame(panels):
    """One row per eigenvalue: network, gate block, real and imaginary parts, modulus."""
    rows = []
    for title, eigs in panels:
        for gate, lam in eigs.items():
            for v in np.asarray(lam):
                rows.append({"network": title, "gate_block": gate, "real": float(v.real), "imag": float(v.imag),
                             "modulus": float(abs(v))})
    return pd.DataFrame(rows)


def jacobian_frame(maps, titles):
    """One row per drawn pair s ≤ t: ‖∂h_t/∂h_s‖."""
    rows = []
    for m, title in zip(maps, titles, strict=True):
        for i, t in enumerate(m.steps):
            for j, s in enumerate(m.steps[:i + 1]):
                rows.append({"network": title, "from_step_s": int(s), "to_step_t": int(t),
                             "jacobian_norm": float(m.norms[i, j])})
    return pd.DataFrame(rows)


def clipping_frame(runs):
    """One row per update of each run."""
    rows = []
    for run in runs:
        label = "no clipping" if run.clip is None else f"clipped at {run.clip:g}"
        for r in run.history:
            rows.append({"run": label, "update": r["step"], "loss": r["loss"], "accuracy": r["accuracy"],
                         "grad_norm_before_clipping": r["grad_norm"], "grad_norm_used": r["grad_norm_clipped"]})
    return pd.DataFrame(rows)


def memory_frame(points):
    return pd.DataFrame([{"cell": p.kind, "distance": p.distance, "seed": p.seed, "recall": p.recall,
                          "chance": gs.CHANCE,
                          "updates": p.updates, "train_seconds": round(p.seconds, 3),
                          "stopped": p.stopped or ""} for p in points])


#: under each chart: how to read it
HOW_TO_READ = {
    "norms": "**How to read it.** One line per cell. The loss L = u·h sits at the last step (right), where the "
             "gradient has size 1; each step to the left multiplies it by one more Jacobian. Falling to the left "
             "is **vanishing**: early steps hardly learn from the loss (10⁻⁶ is a millionth). Rising is "
             "**exploding**: early steps get huge, unstable updates. With tanh or ReLU (slope ≤ 1) and ρ < 1 the "
             "RNN's line falls by at least a factor ρ per step; with ρ > 1 it can rise, until tanh saturates. "
             "Sigmoid's slope is at most ¼, so its line falls unless ρ > 4. The LSTM and GRU carry a second path "
             "past W_hh, the cell (c_t = f ⊙ c_{t−1} + …) or the kept state (z ⊙ h_{t−1}): with the **gate bias** b "
             "their forget gate f (update gate z) sits near σ(b), 0.95 for b = 3, so the gradient passes back "
             "nearly whole (the LSTM's can even grow a little: its cell feeds back into h). Set b = 0 and those "
             "gates sit near ½: then they forget faster than the RNN. Training moves the gates toward 1 "
             "(section 4); Jozefowicz et al. (2015) start the LSTM's forget gate at b = 1.",
    "eigenvalues": "**How to read it.** Each dot is an eigenvalue λ of one block of W_hh (LSTM and GRU: one block "
                   "per gate); the dashed circle is |λ| = 1. Every block here is ρ times an orthogonal matrix, so "
                   "all its eigenvalues lie on the circle of radius ρ. Inside the unit circle, multiplying by W_hh "
                   "again and again shrinks every direction; outside, it stretches them. The activation's slope "
                   "multiplies in too, so lying outside is needed for exploding but does not guarantee it.",
    "jacobians": "**How to read it.** Row t, column s: how much a nudge to the earlier state hₛ still moves the "
                 "later state hₜ, ‖∂hₜ/∂hₛ‖ = ‖Jₜ ⋯ Jₛ₊₁‖. The diagonal is 1 (white). Red spreading away from "
                 "the diagonal is vanishing: the further apart two steps are, the less the earlier one matters. "
                 "Blue is exploding. The bottom row is what a loss at the last step sees. One sequence; long "
                 "sequences show an even selection of steps (the products still run through every step).",
    "clipping": "**How to read it.** Red: no clipping; blue: clipping. Top: the loss (log scale). Bottom: the "
                "gradient's norm before clipping (dotted) and the norm actually used (solid blue, never above the "
                "dashed threshold). Without clipping one huge gradient throws the weights so far that the numbers "
                "overflow (✕, the run stops) or the ReLUs die and the loss sticks at guessing (log 4 ≈ 1.39). "
                "Clipping keeps each step's direction but caps its length, so training survives the explosion. "
                "An update moves the weights by at most learning rate × threshold: set either too high and one "
                "step can still kill the ReLUs; too low and training crawls.",
    "memory": "**How to read it.** Each point is one network trained from scratch and tested on fresh sequences; "
              f"chance is {gs.CHANCE:.0%}. The distractors are noise on the symbol's own input units, so a network "
              "has to store the symbol and shield it from every later input. The vanilla RNN manages a few steps, "
              "then drops to chance: the gradient from the answer fades before it reaches the symbol, and nothing "
              "shields its state. The LSTM and GRU hold: their gates learn to keep the cell (f ≈ 1) or the state "
              "(z ≈ 1), so the gradient passes back unchanged (they start with that gate's bias at 1 for the "
              "LSTM, as Jozefowicz et al. 2015 recommend, and 2 for the GRU). A miss can also mean 'not within "
              "this many updates'.",
}
