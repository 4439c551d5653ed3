"""First-order optimisers with per-parameter state, and gradient clipping.

Parameters and gradients travel as dicts keyed by parameter name (``"rnn.weight_ih_l0"``, ...), so
an optimiser's state is keyed the same way and survives a save/restore by name. :meth:`Optimizer.step`
updates the model's own arrays in place: the dict holds the live weights, not copies. Every update is
written with in-place ufuncs into one scratch buffer per parameter, so a step allocates nothing after
the first. State arrays take the parameter's dtype (float64 models stay float64, float32 stay float32).
"""

import math

import numpy as np


def _check_range(name, value, lo, hi, hi_open=True):
    """Return ``float(value)`` if ``lo <= value < hi`` (``<= hi`` when not ``hi_open``), else raise."""
    value = float(value)
    ok = lo <= value < hi if hi_open else lo <= value <= hi
    if not ok:  # also rejects NaN, which fails every comparison
        bracket = ")" if hi_open else "]"
        raise ValueError(f"{name} must be in [{lo}, {hi}{bracket}, got {value}")
    return value


class Optimizer:
    """Base class: validation, per-name state, scratch buffers, step count and (de)serialisation.

    Subclasses set :attr:`name`, :attr:`slots` (the names of their state arrays, each initialised to
    zeros shaped like its parameter), :attr:`hyperparam_names` (their constructor's arguments after
    ``lr``) and implement :meth:`_update` for one parameter.

    Parameters
    ----------
    lr : float
        Learning rate, >= 0. A plain attribute: a trainer may change ``opt.lr`` between steps.

    Attributes
    ----------
    lr : float
        Learning rate used by the next :meth:`step`.
    t : int
        Number of :meth:`step` calls so far (Adam's bias correction uses it).
    state : dict[str, dict[str, ndarray]]
        ``state[param_name][slot]``, each array of shape ``params[param_name].shape``. Created on a
        parameter's first gradient; empty for stateless optimisers.
    """

    name = "optimizer"
    slots: tuple[str, ...] = ()
    #: hyperparameters besides lr, in constructor order (for repr, state_dict and load_state_dict)
    hyperparam_names: tuple[str, ...] = ()

    def __init__(self, lr):
        self.lr = _check_range("lr", lr, 0.0, math.inf)
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}
        # not part of the state: recreated on demand, never saved
        self._scratch: dict[str, np.ndarray] = {}

    def step(self, params, grads):
        """Update every parameter that has a gradient, in place.

        All shapes are checked before anything is written, so a bad gradient leaves the model as it was.

        Parameters
        ----------
        params : dict[str, ndarray]
            Live model weights, any shapes, floating dtype; updated in place.
        grads : dict[str, ndarray]
            ``grads[name]`` of shape ``params[name].shape``. Parameters missing from ``grads`` are left
            alone (and their state is not advanced); names in ``grads`` but not in ``params`` are ignored.

        Raises
        ------
        ValueError
            If a gradient's shape, or saved state's shape, differs from its parameter's.
        TypeError
            If a parameter with a gradient is not a floating-point ndarray.
        """
        todo = []
        for name, p in params.items():
            if name not in grads:
                continue
            g = np.asarray(grads[name])
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"parameter {name!r} must be a floating-point ndarray to be updated in place")
            if g.shape != p.shape:
                raise ValueError(f"gradient for {name!r} has shape {g.shape}, parameter has shape {p.shape}")
            for slot, a in self.state.get(name, {}).items():
                if a.shape != p.shape:
                    raise ValueError(f"state {slot!r} for {name!r} has shape {a.shape}, parameter has {p.shape}")
            todo.append((name, p, g))

        self.t += 1
        for name, p, g in todo:
            state = self.state.get(name)
            if state is None and self.slots:
                state = self.state[name] = {slot: np.zeros_like(p) for slot in self.slots}
            buf = self._scratch.get(name)
            if buf is None or buf.shape != p.shape or buf.dtype != p.dtype:
                buf = self._scratch[name] = np.empty_like(p)
            self._update(p, g, state, buf)

    def _update(self, p, g, state, buf):
        """Update one parameter ``p`` in place from gradient ``g``; ``buf`` is scratch shaped like ``p``."""
        raise NotImplementedError

    def get_hyperparams(self):
        """``{"lr": ..., <hyperparameter>: ...}`` as plain floats and bools (JSON-able)."""
        out = {}
        for key in ("lr", *self.hyperparam_names):
            value = getattr(self, key)
            out[key] = value if isinstance(value, bool) else float(value)
        return out

    def state_dict(self):
        """Everything needed to resume training exactly.

        Returns
        -------
        dict
            ``{"name": str, "hyperparams": dict, "t": int, "state": {param: {slot: ndarray}}}``; the
            arrays are copies, everything else is JSON-able.
        """
        return {
            "name": self.name,
            "hyperparams": self.get_hyperparams(),
            "t": int(self.t),
            "state": {n: {k: a.copy() for k, a in s.items()} for n, s in self.state.items()},
        }

    def load_state_dict(self, d):
        """Restore hyperparameters, step count and state saved by :meth:`state_dict` (arrays are copied).

        Raises
        ------
        ValueError
            If ``d`` comes from another kind of optimiser or its hyperparameters or slots do not match.
        """
        if d.get("name") != self.name:
            raise ValueError(f"state dict is for optimizer {d.get('name')!r}, not {self.name!r}")
        hp = dict(d["hyperparams"])
        expected = {"lr", *self.hyperparam_names}
        if set(hp) != expected:
            raise ValueError(f"hyperparameters {sorted(hp)} do not match {sorted(expected)}")
        state = {}
        for pname, s in d["state"].items():
            if set(s) != set(self.slots):
                raise ValueError(f"state for {pname!r} has slots {sorted(s)}, expected {sorted(self.slots)}")
            state[pname] = {k: np.array(a, copy=True) for k, a in s.items()}
        type(self)(**hp)  # validates the hyperparameters before self is touched
        # re-running __init__ sets them and resets everything else (scratch buffers included)
        type(self).__init__(self, **hp)
        self.t = int(d["t"])
        self.state = state

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_hyperparams().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain stochastic gradient descent.

    Parameters
    ----------
    lr : float
        Learning rate.

    Notes
    -----
    For a parameter ``p`` with gradient ``g``::

        p = p - lr * g
    """

    name = "sgd"

    def _update(self, p, g, state, buf):
        np.multiply(g, self.lr, out=buf)
        p -= buf


class Momentum(Optimizer):
    """SGD with (heavy-ball or Nesterov) momentum, in PyTorch's convention.

    Parameters
    ----------
    lr : float
        Learning rate.
    momentum : float
        Velocity decay ``mu`` in [0, 1). Default 0.9.
    nesterov : bool
        Step along the look-ahead gradient ``g + mu * v`` instead of ``v``. Default False.

    Notes
    -----
    For a parameter ``p`` with gradient ``g`` and velocity ``v`` (zeros at first), ``mu = momentum``::

        v = mu * v + g
        p = p - lr * v                  (nesterov=False)
        p = p - lr * (g + mu * v)       (nesterov=True)

    The learning rate multiplies ``v`` rather than entering it, so changing ``lr`` mid-training
    takes effect at once instead of fading in through the velocity.
    """

    name = "momentum"
    slots = ("v",)
    hyperparam_names = ("momentum", "nesterov")

    def __init__(self, lr, momentum=0.9, nesterov=False):
        super().__init__(lr)
        self.momentum = _check_range("momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def _update(self, p, g, state, buf):
        mu, v = self.momentum, state["v"]
        v *= mu
        v += g
        if self.nesterov:
            np.multiply(v, mu, out=buf)
            buf += g
            buf *= self.lr
        else:
            np.multiply(v, self.lr, out=buf)
        p -= buf


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps scaled down by the root of all past squared gradients.

    Parameters
    ----------
    lr : float
        Learning rate.
    eps : float
        Added to the denominator, > 0, so a coordinate that has seen only zero gradients stays put
        instead of computing 0/0. Default 1e-8.

    Notes
    -----
    For a parameter ``p`` with gradient ``g`` and sum of squares ``s`` (zeros at first)::

        s = s + g**2
        p = p - lr * g / (sqrt(s) + eps)

    The first step moves each coordinate by about ``lr * sign(g)``.
    """

    name = "adagrad"
    slots = ("s",)
    hyperparam_names = ("eps",)

    def __init__(self, lr, eps=1e-8):
        super().__init__(lr)
        self.eps = _check_range("eps", eps, 0.0, math.inf)
        if self.eps == 0.0:
            raise ValueError("eps must be > 0")

    def _update(self, p, g, state, buf):
        s = state["s"]
        np.square(g, out=buf)
        s += buf
        _scaled_step(p, g, s, self.lr, self.eps, buf)


class RMSProp(Optimizer):
    """RMSProp: Adagrad with an exponential moving average of squared gradients instead of a sum.

    Parameters
    ----------
    lr : float
        Learning rate.
    decay : float
        Moving-average decay in [0, 1). Default 0.99.
    eps : float
        Added to the denominator, > 0. Default 1e-8.

    Notes
    -----
    For a parameter ``p`` with gradient ``g`` and mean square ``s`` (zeros at first)::

        s = decay * s + (1 - decay) * g**2
        p = p - lr * g / (sqrt(s) + eps)

    ``s`` is not bias-corrected, so the first steps are larger than ``lr``: about
    ``lr / sqrt(1 - decay)`` per coordinate (10 lr for decay 0.99).
    """

    name = "rmsprop"
    slots = ("s",)
    hyperparam_names = ("decay", "eps")

    def __init__(self, lr, decay=0.99, eps=1e-8):
        super().__init__(lr)
        self.decay = _check_range("decay", decay, 0.0, 1.0)
        self.eps = _check_range("eps", eps, 0.0, math.inf)
        if self.eps == 0.0:
            raise ValueError("eps must be > 0")

    def _update(self, p, g, state, buf):
        s = state["s"]
        s *= self.decay
        np.square(g, out=buf)
        buf *= 1.0 - self.decay
        s += buf
        _scaled_step(p, g, s, self.lr, self.eps, buf)


class Adam(Optimizer):
    """Adam: momentum on the gradient and RMSProp scaling, both bias-corrected.

    Parameters
    ----------
    lr : float
        Learning rate.
    beta1 : float
        Decay of the first-moment average ``m``, in [0, 1). Default 0.9.
    beta2 : float
        Decay of the second-moment average ``v``, in [0, 1). Default 0.999.
    eps : float
        Added to the denominator, > 0. Default 1e-8.

    Notes
    -----
    For a parameter ``p`` with gradient ``g``, moments ``m`` and ``v`` (zeros at first) and step
    count ``t`` (1 at the first step; one count per optimiser, shared by all parameters)::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    The first step moves each coordinate by about ``lr * sign(g)``. Because ``t`` counts optimiser
    steps, a parameter that first receives a gradient late gets a weaker bias correction.
    """

    name = "adam"
    slots = ("m", "v")
    hyperparam_names = ("beta1", "beta2", "eps")

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = _check_range("beta1", beta1, 0.0, 1.0)
        self.beta2 = _check_range("beta2", beta2, 0.0, 1.0)
        self.eps = _check_range("eps", eps, 0.0, math.inf)
        if self.eps == 0.0:
            raise ValueError("eps must be > 0")

    def _update(self, p, g, state, buf):
        m, v = state["m"], state["v"]
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(g, 1.0 - b1, out=buf)
        m += buf
        v *= b2
        np.square(g, out=buf)
        buf *= 1.0 - b2
        v += buf
        # sqrt(v_hat) + eps, then lr * m_hat / it, without materialising m_hat or v_hat
        np.sqrt(v, out=buf)
        buf *= 1.0 / math.sqrt(1.0 - b2**self.t)
        buf += self.eps
        np.divide(m, buf, out=buf)
        buf *= self.lr / (1.0 - b1**self.t)
        p -= buf


def _scaled_step(p, g, s, lr, eps, buf):
    """``p -= lr * g / (sqrt(s) + eps)`` in place, using ``buf`` as scratch (shared by Adagrad/RMSProp)."""
    np.sqrt(s, out=buf)
    buf += eps
    np.divide(g, buf, out=buf)
    buf *= lr
    p -= buf


_CLASSES = (SGD, Momentum, Adagrad, RMSProp, Adam)

#: names accepted by :func:`make_optimizer`
OPTIMIZERS = tuple(cls.name for cls in _CLASSES)


def make_optimizer(name, lr, **kwargs):
    """Build an optimiser by name.

    Parameters
    ----------
    name : str
        One of :data:`OPTIMIZERS` (``"sgd"``, ``"momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"``),
        case-insensitive.
    lr : float
        Learning rate.
    **kwargs
        The chosen class's other hyperparameters (e.g. ``momentum=0.5``, ``beta2=0.99``).

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`OPTIMIZERS`.
    """
    key = str(name).lower()
    for cls in _CLASSES:
        if cls.name == key:
            return cls(lr, **kwargs)
    raise ValueError(f"unknown optimizer {name!r}; valid names: {', '.join(OPTIMIZERS)}")


def global_norm(grads):
    """Euclidean norm of all gradients taken together, as one flat vector.

    Parameters
    ----------
    grads : dict[str, ndarray]
        Arrays of any shapes.

    Returns
    -------
    float
        ``sqrt(sum over arrays of sum(g**2))``; 0.0 for an empty dict; inf or nan if any entry is.
    """
    total = 0.0
    for g in grads.values():
        g = np.asarray(g, dtype=np.float64).ravel()  # accumulate float32 grads in float64
        total += float(np.dot(g, g))
    return math.sqrt(total)


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together, in place, so their global norm is at most ``max_norm``.

    Parameters
    ----------
    grads : dict[str, ndarray]
        Arrays of any shapes; scaled in place by ``max_norm / norm`` when ``norm > max_norm``, which
        shrinks the step but keeps its direction.
    max_norm : float
        Largest allowed global norm, > 0.

    Returns
    -------
    norm_before : float
        :func:`global_norm` of the gradients as given.
    norm_after : float
        Their norm on return: ``max_norm`` if they were clipped, else ``norm_before``. A non-finite
        ``norm_before`` is returned unchanged for both, with the gradients untouched, so the caller can
        detect the divergence instead of receiving gradients scaled to zero or NaN.

    Raises
    ------
    ValueError
        If ``max_norm`` is not > 0.
    """
    max_norm = float(max_norm)
    if not max_norm > 0.0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    norm = global_norm(grads)
    if not math.isfinite(norm) or norm <= max_norm:
        return norm, norm
    scale = max_norm / norm
    for g in grads.values():
        g *= scale
    return norm, max_norm


def clip_grad_value(grads, clip_value):
    """Clip every gradient entry to ``[-clip_value, clip_value]``, in place.

    Unlike :func:`clip_grad_norm` this changes the step's direction; NaN entries stay NaN.

    Parameters
    ----------
    grads : dict[str, ndarray]
        Arrays of any shapes; clipped in place.
    clip_value : float
        Largest allowed absolute value, > 0.

    Returns
    -------
    norm_before, norm_after : float
        :func:`global_norm` before and after clipping.

    Raises
    ------
    ValueError
        If ``clip_value`` is not > 0.
    """
    clip_value = float(clip_value)
    if not clip_value > 0.0:
        raise ValueError(f"clip_value must be > 0, got {clip_value}")
    before = global_norm(grads)
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
    return before, global_norm(grads)
