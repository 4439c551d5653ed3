"""Central finite differences in float64, the yardstick every analytic gradient is held to."""

import numpy as np

EPS = 1e-6
TOLERANCE = 1e-6


def numerical_grad(f, arr, eps=EPS):
    """∂f/∂arr by central differences, perturbing ``arr`` in place one entry at a time."""
    grad = np.zeros_like(arr)
    for i in np.ndindex(arr.shape):
        old = arr[i]
        arr[i] = old + eps
        up = f()
        arr[i] = old - eps
        down = f()
        arr[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def rel_error(analytic, numeric):
    """max |a − n| relative to the larger of the two gradients' largest entries."""
    scale = max(np.abs(analytic).max(), np.abs(numeric).max(), 1e-12)
    return float(np.abs(analytic - numeric).max() / scale)


def assert_grads_match(f, arrays, grads, tolerance=TOLERANCE):
    """For each name, the analytic ``grads[name]`` equals the numerical gradient of f w.r.t. ``arrays[name]``."""
    errors = {name: rel_error(grads[name], numerical_grad(f, arrays[name])) for name in arrays}
    bad = {k: v for k, v in errors.items() if not v < tolerance}
    assert not bad, f"relative errors above {tolerance}: {bad}"
