"""Element-wise nonlinearities, each with its derivative written in terms of its output.

Writing ``f'`` as a function of ``y = f(a)`` (``tanh' = 1 - y²``, ``σ' = y(1 - y)``) lets backward
work from the recorded states alone, as min-char-rnn does, without keeping pre-activations.
All functions write into ``out`` when it is given, so the time loop allocates nothing.
"""

import numpy as np


def sigmoid(a, out=None):
    """σ(a) = 1 / (1 + exp(-a)), exact in both tails (exp overflow gives 0, as it should)."""
    out = np.negative(a, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def tanh(a, out=None):
    """tanh(a)."""
    return np.tanh(a, out=out)


def relu(a, out=None):
    """max(a, 0)."""
    return np.maximum(a, 0.0, out=out)


def d_sigmoid(y, out=None):
    """σ'(a) from y = σ(a): y (1 - y)."""
    out = np.subtract(1.0, y, out=out)
    out *= y
    return out


def d_tanh(y, out=None):
    """tanh'(a) from y = tanh(a): 1 - y²."""
    out = np.multiply(y, y, out=out)
    return np.subtract(1.0, out, out=out)


def d_relu(y, out=None):
    """relu'(a) from y = relu(a): 1 where y > 0, else 0 (the subgradient at 0 is taken as 0)."""
    if out is None:
        return (y > 0).astype(y.dtype)
    return np.greater(y, 0.0, out=out, casting="unsafe")


#: name -> (f, f' written in terms of f's output)
ACTIVATIONS = {
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "sigmoid": (sigmoid, d_sigmoid),
}
