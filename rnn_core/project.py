"""Hidden states projected to two dimensions, for drawing their path through time.

Principal components: with the states H (N, K) centred as Hc = H - mean, and Hc = U S Vᵀ its SVD,
the coordinates are P = Hc V[:, :k] (N, k); ``explained[j] = S_j² / Σ S²`` is the share of the
states' variance along component j. Signs are fixed so each component's largest |loading| is positive,
so the picture does not flip between two trainings that differ by nothing but the SVD's sign choice.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Projection:
    """coords (N, k), components (k, K), mean (K,), explained (k,): share of variance per component."""

    coords: np.ndarray
    components: np.ndarray
    mean: np.ndarray
    explained: np.ndarray


def principal_components(states, k=2):
    """Project ``states`` of shape (N, K) (e.g. h_t of one sequence, N = T) onto its first ``k`` components.

    Fewer than k non-trivial directions (N < 2, K < k, or constant states) give zero columns.
    """
    states = np.asarray(states, dtype=np.float64)
    if states.ndim != 2:
        raise ValueError(f"states must have shape (N, K), not {states.shape}")
    N, K = states.shape
    mean = states.mean(axis=0) if N else np.zeros(K)
    centred = states - mean
    components = np.zeros((k, K))
    explained = np.zeros(k)
    if N >= 2:
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        m = min(k, vt.shape[0])
        components[:m] = vt[:m]
        if s[0] > 0 and np.isfinite(s[0]):
            share = (s / s[0]) ** 2                      # scaled first: huge states must not overflow s²
            explained[:m] = share[:m] / share.sum()
    for j in range(k):                                   # a deterministic sign per component
        if np.any(components[j]) and components[j, np.argmax(np.abs(components[j]))] < 0:
            components[j] = -components[j]
    return Projection(centred @ components.T, components, mean, explained)
