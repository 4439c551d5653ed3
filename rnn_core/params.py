"""Loading parameters by name: one check shared by every model, so all refuse the same things alike."""

import numpy as np


def checked_copies(expected, state, what="this model"):
    """Validated copies of ``state`` for the live arrays ``expected`` (both dicts keyed by name).

    Every expected name must be present and no other; each value must have the expected shape and hold
    finite real numbers. Returns new arrays in the expected dtypes; raises ValueError naming what is
    wrong, so a caller that assigns only after this returns changes nothing on a bad state dict.
    """
    missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or extra:
        raise ValueError(f"state dict does not fit {what}: missing {missing or 'nothing'}, "
                         f"unexpected {extra or 'nothing'}")
    new = {}
    for name, w in expected.items():
        value = np.asarray(state[name])
        if value.shape != w.shape:
            raise ValueError(f"{name} has shape {value.shape}, expected {w.shape}")
        if value.dtype.kind not in "iuf" or not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must hold finite real numbers")
        new[name] = value.astype(w.dtype, copy=True)
    return new
