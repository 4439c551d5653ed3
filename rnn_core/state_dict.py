"""A PyTorch state dict (arrays under ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` names) → a model of this engine.

The kind and the sizes come from the shapes alone: ``weight_hh_l0`` is (G·H, H) with G = 1 (RNN), 3 (GRU)
or 4 (LSTM), and D is the column count of ``weight_ih_l0``. Keys may be bare (``weight_ih_l0``) or under
one prefix (``rnn.``, ``encoder.``, ``model.lstm.``), with at most one ``nn.Linear`` head beside them
(``<name>.weight`` (O, H), ``<name>.bias`` (O,)). Anything else is refused, never dropped.
"""

import re

import numpy as np

from .model import SequenceModel
from .model_file import ModelFileError, _numeric
from .recurrent import KINDS, Recurrent

__all__ = ["model_from_state_dict"]

_KIND_OF = {G: kind for kind, G in KINDS.items()}                  # gate blocks → kind
_RNN_KEY = re.compile(r"(?P<prefix>(?:.+\.)?)(?P<name>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                      r"_l(?P<layer>\d+)(?P<reverse>_reverse)?")


def _layers(rnn_keys, arrays):
    """(G, D, H, L, has_bias) from the recurrent arrays' names and shapes, or ModelFileError."""
    layers = sorted({k for k, _ in rnn_keys.values()})
    if layers != list(range(len(layers))):
        missing = sorted(set(range(max(layers) + 1)) - set(layers))
        raise ModelFileError(f"Layer {missing[0]} is missing: the file has weights for layers "
                             f"{', '.join(map(str, layers))}, and a stack needs every layer from 0 up")
    L = len(layers)
    if L > 4:
        raise ModelFileError(f"The file holds {L} layers; Unrolled runs 1 to 4")
    key = {(k, name): full for full, (k, name) in rnn_keys.items()}
    for k in range(L):
        for name in ("weight_ih", "weight_hh"):
            if (k, name) not in key:
                raise ModelFileError(f"{name}_l{k} is missing (found {', '.join(sorted(rnn_keys))})")
    biases = {(k, n) in key for k in range(L) for n in ("bias_ih", "bias_hh")}
    if biases == {True, False}:
        raise ModelFileError("Some layers have biases and some not: a module has all of bias_ih_l*, "
                             "bias_hh_l* or none (bias=False)")
    hh = arrays[key[0, "weight_hh"]]
    if hh.ndim != 2 or hh.shape[1] < 1 or hh.shape[0] % hh.shape[1] or hh.shape[0] // hh.shape[1] not in _KIND_OF:
        raise ModelFileError(f"{key[0, 'weight_hh']} has shape {hh.shape}; expected (G·H, H) with G = 1, 3 or 4 "
                             "(nn.RNN, nn.GRU, nn.LSTM)")
    H = hh.shape[1]
    G = hh.shape[0] // H
    ih = arrays[key[0, "weight_ih"]]
    D = ih.shape[1] if ih.ndim == 2 else 0
    what = f"a {L}-layer {_KIND_OF[G].upper()} of hidden size {H}"
    for k in range(L):
        want = {"weight_ih": (G * H, D if k == 0 else H), "weight_hh": (G * H, H),
                "bias_ih": (G * H,), "bias_hh": (G * H,)}
        for name, shape in want.items():
            if (k, name) in key and arrays[key[k, name]].shape != shape:
                raise ModelFileError(f"{key[k, name]} has shape {arrays[key[k, name]].shape}; {what} "
                                     f"expects {shape}")
    return G, D, H, L, True in biases, key


def _split(arrays):
    """Recurrent keys {full key: (layer, name)} and the head's (weight key, bias key or None), or ModelFileError."""
    rnn, prefixes, other = {}, set(), []
    for full in arrays:
        m = _RNN_KEY.fullmatch(full)
        if m is None:
            other.append(full)
            continue
        if m["reverse"]:
            raise ModelFileError(f"{full} belongs to a bidirectional module; Unrolled runs one direction "
                                 "(bidirectional=False)")
        if m["name"] == "weight_hr":
            raise ModelFileError(f"{full} belongs to an LSTM with projections (proj_size > 0), which Unrolled "
                                 "does not run")
        prefixes.add(m["prefix"])
        rnn[full] = int(m["layer"]), m["name"]
    if not rnn:
        found = ", ".join(sorted(arrays)[:8]) or "nothing"
        raise ModelFileError(f"This is not the state dict of an nn.RNN, nn.LSTM or nn.GRU: there is no "
                             f"weight_ih_l0 (found {found})")
    if len(prefixes) > 1:
        names = ", ".join(repr(p.rstrip(".")) if p else "(no prefix)" for p in sorted(prefixes))
        raise ModelFileError(f"The file holds several recurrent modules ({names}); Unrolled loads one, "
                             "with at most one nn.Linear head")
    stems = {}
    for full in other:
        stem, _, leaf = full.rpartition(".")
        if leaf not in ("weight", "bias"):
            raise ModelFileError(f"{full} is neither a recurrent weight nor a head's weight or bias; Unrolled "
                                 "loads one nn.RNN/LSTM/GRU and at most one nn.Linear")
        stems.setdefault(stem, {})[leaf] = full
    if len(stems) > 1:
        raise ModelFileError(f"The file holds several modules besides the recurrent one "
                             f"({', '.join(sorted(stems))}); Unrolled loads at most one nn.Linear head")
    if not stems:
        return rnn, None
    parts = next(iter(stems.values()))
    if "weight" not in parts:
        raise ModelFileError(f"{parts['bias']} has no weight beside it: a head needs <name>.weight")
    return rnn, (parts["weight"], parts.get("bias"))


def _finite_float(arrays):
    """The dtype every array is loaded in (float64 if any is), after checking each is finite floats."""
    for name, a in arrays.items():
        if a.dtype == np.float16:
            raise ModelFileError(f"{name} holds float16 numbers; Unrolled reads float32 or float64 "
                                 "(in PyTorch: model.float() before saving)")
        if not _numeric(a.dtype) or a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
            raise ModelFileError(f"{name} holds {a.dtype} values; weights are float32 or float64")
        if not np.all(np.isfinite(a)):
            raise ModelFileError(f"{name} holds NaN or infinite values")
    return np.float64 if any(a.dtype == np.float64 for a in arrays.values()) else np.float32


def model_from_state_dict(arrays, nonlinearity=None, head_activation=None, config=None):
    """A Recurrent, or a SequenceModel when an nn.Linear head is present, from PyTorch-named arrays.

    arrays : {name: ndarray}, e.g. ``weight_ih_l0`` (G·H, D), ``weight_hh_l0`` (G·H, H), ``bias_ih_l0``,
        ``bias_hh_l0`` (G·H,) ... bare or under one prefix, and optionally ``<name>.weight`` (O, H),
        ``<name>.bias`` (O,).
    nonlinearity, head_activation : what the weights cannot say; None: ``config``'s, else tanh and softmax.
    config : dict, optional; a model config noted beside the weights by Unrolled (its sizes must agree).
    Raises ModelFileError saying what was found and what was expected.
    """
    rnn_keys, head = _split(arrays)
    dtype = _finite_float(arrays)
    G, D, H, L, has_bias, key = _layers(rnn_keys, arrays)
    kind = _KIND_OF[G]
    config = config or {}
    rnn_config = config.get("rnn", config) if isinstance(config.get("rnn", config), dict) else {}
    said = {k: rnn_config[k] for k in ("kind", "input_size", "hidden_size", "num_layers") if k in rnn_config}
    found = {"kind": kind, "input_size": D, "hidden_size": H, "num_layers": L}
    if any(found[k] != v for k, v in said.items()):
        raise ModelFileError(f"The file's notes describe {said}, but its weights are {found}")
    nonlinearity = nonlinearity or rnn_config.get("nonlinearity") or "tanh"
    if kind != "rnn":
        nonlinearity = "tanh"                                   # only the vanilla RNN has a φ to choose
    state = {}
    for k in range(L):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            state[f"{name}_l{k}"] = arrays[key[k, name]] if has_bias or name.startswith("weight") else \
                np.zeros(G * H, dtype)                          # bias=False: the same sums with zero biases
    try:
        if head is None:
            model = Recurrent(kind, D, H, L, nonlinearity, dtype=dtype)
            model.load_state_dict(state)
            return model
        weight = arrays[head[0]]
        bias = arrays[head[1]] if head[1] else np.zeros(weight.shape[:1], dtype)
        if weight.ndim != 2 or weight.shape[1] != H:
            raise ModelFileError(f"{head[0]} has shape {weight.shape}; a head reading the hidden state of size "
                                 f"{H} expects (O, {H})")
        if bias.shape != weight.shape[:1]:
            raise ModelFileError(f"{head[1]} has shape {bias.shape}; with {head[0]} of {weight.shape} it must be "
                                 f"({weight.shape[0]},)")
        head_config = config.get("head") if isinstance(config.get("head"), dict) else {}
        activation = head_activation or head_config.get("activation") or "softmax"
        model = SequenceModel(kind, D, H, weight.shape[0], L, nonlinearity, head=activation,
                              target=config.get("target", "every"), dtype=dtype)
        model.load_state_dict({**{f"rnn.{k}": v for k, v in state.items()}, "head.weight": weight,
                               "head.bias": bias})
        return model
    except ValueError as e:
        if isinstance(e, ModelFileError):
            raise
        raise ModelFileError(f"These weights cannot be loaded: {e}") from None
