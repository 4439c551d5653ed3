"""Save a trained model to one ``.npz`` file and load it back safely, even from an untrusted upload.

A model file is a zip archive (NumPy's ``.npz`` layout) of plain ``.npy`` arrays:

- one array per entry of ``model.state_dict()``, under its own name (``rnn.weight_ih_l0``, ``head.bias``, ...);
- ``__meta__.json``: the UTF-8 bytes of a JSON object, stored as a 1-D uint8 array so it loads with
  ``allow_pickle=False``::

      {"format": "unrolled-model", "format_version": 1,
       "config": model.config,            # rebuilds the architecture: MODEL_TYPES[config["type"]]
       "vocab": ["a", "b", ...] or null,  # the tokens behind the one-hot inputs / classes
       "meta": {...} or null,             # anything JSON-able: example name, training steps, loss, ...
       "arrays": {"head.bias": {"shape": [27], "dtype": "float64"}, ...}}   # informational only

Loading never unpickles, and it checks what it can from the archive's directory and the ``.npy``
headers *before* reading any array, so a hostile file (a zip bomb, a header claiming a billion
numbers, a config asking for a 13 GB layer, a pickled object) is refused with a
:class:`ModelFileError` instead of running code or exhausting memory.

>>> import io, numpy as np
>>> from rnn_core import SequenceModel
>>> model = SequenceModel("gru", input_size=3, hidden_size=4, output_size=3, seed=0)
>>> buf = io.BytesIO()
>>> save_model(buf, model, vocab=["a", "b", "c"], meta={"steps": 100})
>>> loaded = load_model(buf.getvalue())
>>> loaded.vocab, loaded.meta
(['a', 'b', 'c'], {'steps': 100})
>>> x = np.eye(3)[[0, 1, 2]][:, None, :]                     # (T=3, B=1, D=3)
>>> np.array_equal(loaded.model.forward(x).y, model.forward(x).y)
True
"""

import io
import json
import math
import os
import re
import reprlib
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import SequenceModel
from .recurrent import KINDS, Recurrent
from .seq2seq import Seq2Seq

__all__ = [
    "FORMAT_NAME", "FORMAT_VERSION", "MAX_FILE_BYTES", "MAX_MEMBERS", "MAX_UNPACKED_BYTES", "META_NAME",
    "MODEL_TYPES", "LoadedModel", "ModelFileError", "load_model", "save_model",
]

FORMAT_NAME = "unrolled-model"
FORMAT_VERSION = 1
META_NAME = "__meta__.json"
MAX_FILE_BYTES = 64 * 2**20          # the file itself (compressed)
MAX_UNPACKED_BYTES = 64 * 2**20      # every member once decompressed, each and together
MAX_MEMBERS = 200

#: config "type" → the class whose ``from_config`` rebuilds it.
MODEL_TYPES = {"Recurrent": Recurrent, "SequenceModel": SequenceModel, "Seq2Seq": Seq2Seq}

# a parameter name as the models write them ("rnn.weight_ih_l0"): no folders, no "..", no hidden files
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip timestamps fixed so the same model always gives the same bytes


class ModelFileError(ValueError):
    """A model file (or a model about to be saved) is unusable; the message says why in plain words."""


@dataclass(frozen=True, repr=False)
class LoadedModel:
    """What :func:`load_model` returns.

    Attributes
    ----------
    model : Recurrent or SequenceModel (any class in MODEL_TYPES)
        Rebuilt from ``config`` with the file's parameters loaded.
    vocab : list of str or None
    meta : dict or None
        As given to :func:`save_model`.
    config : dict
        The architecture exactly as the file states it.
    origin : {"unrolled", "pytorch"}
        An Unrolled model file (.npz), or a PyTorch state dict (.safetensors, or an .npz of arrays) read by
        :func:`rnn_core.load_any_model`.
    """

    model: Any
    vocab: list | None
    meta: dict | None
    config: dict
    origin: str = "unrolled"

    def __repr__(self):
        vocab = "None" if self.vocab is None else f"{len(self.vocab)} tokens {reprlib.repr(self.vocab)}"
        return f"LoadedModel({self.model!r}, vocab={vocab}, meta={reprlib.repr(self.meta)})"


# ---------------------------------------------------------------------------------------------- helpers
def _size(n):
    """Bytes as a short human string (binary units, as the limits are): 67108864 → '64 MB'."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"


def _sizes(n, limit):
    """A size and its limit as strings, exact when rounding would show the same number twice."""
    shown, cap = _size(n), _size(limit)
    if shown == cap:
        shown, cap = f"{n:,} bytes", f"{cap} ({limit:,} bytes)"
    return shown, cap


def _member_name(name):
    """Whether ``name`` is a safe array name (the member is ``name + '.npy'``)."""
    return name == META_NAME or (_NAME.fullmatch(name) is not None and ".." not in name)


def _numeric(dtype):
    """Plain integers or reals: what a weight can be. Excludes objects (pickles), strings, bool, complex."""
    return dtype.kind in "iuf" and not dtype.hasobject and dtype.fields is None


def _json_default(value):
    # numpy scalars (a loss as np.float32, a step count as np.int64) are what training code hands over
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def _parameter_bytes(node):
    """A lower bound on the bytes ``from_config`` allocates for the parameters a config tree describes.

    Every nested dict whose "type" is "Recurrent" or "Head" is counted with the exact formula of that
    class, so a future model type that nests them (a Seq2Seq) is covered too. Values that are not
    whole numbers count as nothing here: ``from_config`` rejects them itself.
    """
    total = 0
    if isinstance(node, dict):
        itemsize = 4 if node.get("dtype") == "float32" else 8

        def whole(key, default=None):
            value = node.get(key, default)
            return value if isinstance(value, int) and value > 0 else 0

        if node.get("type") == "Recurrent":
            G = KINDS.get(str(node.get("kind")).lower(), 1)
            D, H, L = whole("input_size"), whole("hidden_size"), whole("num_layers", 1)
            # layer k: weight_ih (G·H, D_k), weight_hh (G·H, H), two biases (G·H,); D_k = H above layer 0
            # (a closed form, not a loop: num_layers may be any number a hostile file writes)
            total += itemsize * G * H * ((D + H + 2) + (L - 1) * (2 * H + 2)) if L else 0
        elif node.get("type") == "Head":
            H, O = whole("hidden_size"), whole("output_size")
            total += itemsize * (O * H + O)                    # weight (O, H), bias (O,)
        total += sum(_parameter_bytes(v) for v in node.values())
    elif isinstance(node, list):
        total += sum(_parameter_bytes(v) for v in node)
    return total


def _explain(error):
    """An exception as one readable phrase (a KeyError's message alone is just the quoted key)."""
    if isinstance(error, KeyError):
        return f"the setting {error} is missing"
    return str(error) or type(error).__name__


# ---------------------------------------------------------------------------------------------- save
def save_model(file, model, vocab=None, meta=None):
    """Write ``model`` with its vocabulary and notes to one ``.npz`` file.

    Parameters
    ----------
    file : str, os.PathLike or writable binary file object
        A path is written exactly as given (no ``.npz`` is appended); a file object (``io.BytesIO``,
        ``open(..., "wb")``) receives the bytes at its current position.
    model : Recurrent or SequenceModel (any class in MODEL_TYPES)
        Its ``config`` and every array of its ``state_dict()`` are stored, in their own dtype.
    vocab : list of str, optional
        The tokens behind the inputs / classes, e.g. ``["<eos>", "a", "b", ...]``.
    meta : dict, optional
        Anything JSON-able (NumPy scalars are turned into Python numbers), e.g.
        ``{"example": "names", "steps": 2000, "loss": 1.73}``.

    Raises
    ------
    ModelFileError
        If the model type is not in MODEL_TYPES, a parameter is not finite (NaN after a diverged
        training run), vocab is not a list of strings, meta is not a JSON-able dict, or the file would
        exceed what :func:`load_model` accepts. Nothing is written then.
    TypeError
        If ``file`` is neither a path nor writable.
    """
    config = model.config
    if not isinstance(config, dict) or config.get("type") not in MODEL_TYPES:
        raise ModelFileError(f"cannot save a {type(model).__name__}: only {', '.join(MODEL_TYPES)} can be saved")
    if vocab is not None:
        if not isinstance(vocab, (list, tuple)) or not all(isinstance(tok, str) for tok in vocab):
            raise ModelFileError("vocab must be a list of strings (one per token) or None")
        vocab = list(vocab)
    if meta is not None and not isinstance(meta, dict):
        raise ModelFileError(f"meta must be a dict (or None), not {type(meta).__name__}")

    arrays = {}
    for name, value in model.state_dict().items():
        value = np.ascontiguousarray(value)
        if not _member_name(name) or name == META_NAME:
            raise ModelFileError(f"cannot save a parameter named {name!r}")
        if not _numeric(value.dtype):
            raise ModelFileError(f"{name} holds {value.dtype} values, not numbers")
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{name} holds NaN or infinite values (did training diverge?); "
                                 "such a model cannot be saved")
        arrays[name] = value
    if len(arrays) + 1 > MAX_MEMBERS:
        raise ModelFileError(f"the model has {len(arrays)} parameter arrays; a file holds at most {MAX_MEMBERS - 1}")

    header = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "config": config, "vocab": vocab, "meta": meta,
        "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()},
    }
    try:
        text = json.dumps(header, ensure_ascii=False, default=_json_default)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"meta (or the model's config) cannot be written as JSON: {e}") from None
    members = {META_NAME: np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **arrays}
    unpacked = sum(a.nbytes for a in members.values())
    if unpacked > MAX_UNPACKED_BYTES:
        raise ModelFileError(f"the model needs {_size(unpacked)}; a model file holds at most "
                             f"{_size(MAX_UNPACKED_BYTES)}, so it could not be loaded again")

    # The .npz layout written by hand rather than with np.savez_compressed: allow_pickle=False on
    # write too, fixed timestamps (identical bytes for an identical model) and no clash between a
    # parameter name and savez's own keyword arguments.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, value in members.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, value, allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, npy.getvalue())
    data = buf.getvalue()
    if len(data) > MAX_FILE_BYTES:
        size, cap = _sizes(len(data), MAX_FILE_BYTES)
        raise ModelFileError(f"the file would be {size}; the limit is {cap}")

    # everything is built and checked before the target is touched: a refused model never truncates a file
    write_bytes(file, data)


def write_bytes(file, data):
    """Write a finished model file's bytes to a path or a writable binary file object."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as f:
            f.write(data)
    elif hasattr(file, "write"):
        file.write(data)
    else:
        raise TypeError(f"file must be a path or a writable binary file object, not {type(file).__name__}")


# ---------------------------------------------------------------------------------------------- load
def load_model(file):
    """Read a model file written by :func:`save_model`, refusing anything unsafe or inconsistent.

    Parameters
    ----------
    file : str, os.PathLike, bytes, bytearray, memoryview or readable binary file object
        A path; the contents of a file (an upload); or a file object read from its current position.

    Returns
    -------
    LoadedModel
        ``.model`` (rebuilt and loaded), ``.vocab``, ``.meta``, ``.config``.

    Raises
    ------
    ModelFileError
        For every problem with the contents: not a zip/npz, over MAX_FILE_BYTES, a member over
        MAX_UNPACKED_BYTES unpacked (alone or together), more than MAX_MEMBERS members, a member not
        named ``<name>.npy``, a damaged archive, a missing or invalid ``__meta__.json``, another
        format or a newer format version, an unknown model type or invalid settings, missing or
        unexpected arrays, arrays that are not plain numbers (a pickled object is refused, never
        loaded), a wrong shape, NaN or infinite values.
    OSError
        If a path cannot be read (it does not exist, no permission).
    TypeError
        If ``file`` is none of the accepted kinds.
    """
    data = _read_input(file)
    try:
        return _parse(data)
    except (ModelFileError, MemoryError):
        raise
    except Exception as e:  # anything numpy, zipfile or json raise on a malformed file (KeyboardInterrupt passes)
        raise ModelFileError(f"This file is damaged or not an Unrolled model file ({type(e).__name__}: "
                             f"{_explain(e)})") from e


def _too_big(n):
    size, cap = _sizes(n, MAX_FILE_BYTES)
    return ModelFileError(f"The file is {size}; the limit is {cap}")


def _read_input(file):
    """The file's bytes, refusing more than MAX_FILE_BYTES without reading past the limit."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        n = file.nbytes if isinstance(file, memoryview) else len(file)
        if n > MAX_FILE_BYTES:
            raise _too_big(n)
        return bytes(file)
    if isinstance(file, (str, os.PathLike)):
        size = os.path.getsize(file)
        if size > MAX_FILE_BYTES:
            raise _too_big(size)
        with open(file, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)            # the file may have grown since the stat
    elif hasattr(file, "read"):
        data = file.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise ModelFileError("The file was opened as text; open it in binary mode ('rb')")
    else:
        raise TypeError(f"file must be a path, bytes or a readable binary file object, not {type(file).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise ModelFileError(f"The file is larger than the limit of {_size(MAX_FILE_BYTES)}")
    return bytes(data)


def _open_archive(data):
    """The zip, after checking its directory: member count, names, declared sizes, no encryption."""
    if not data:
        raise ModelFileError("This file is not an Unrolled model file (it is empty)")
    if data.startswith(b"\x93NUMPY"):
        raise ModelFileError("This file is not an Unrolled model file (it is a single NumPy array, .npy; "
                             "a model file is a .npz written by save_model)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.startswith(b"PK"):
            raise ModelFileError("This file is not an Unrolled model file (the zip archive is damaged "
                                 "or incomplete)") from None
        raise ModelFileError("This file is not an Unrolled model file (it is not a .npz/zip archive)") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"The file holds {len(infos)} entries; a model file has at most {MAX_MEMBERS}")
    seen = set()
    for info in infos:
        name = info.filename
        if not name.endswith(".npy") or not _member_name(name[:-4]):
            raise ModelFileError(f"This file is not an Unrolled model file (it contains {name!r}; "
                                 "a model file holds only <name>.npy arrays)")
        if name in seen:
            raise ModelFileError(f"The file holds {name!r} twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{name} is encrypted; a model file is never password-protected")
        # zipfile never yields more than the declared size (and checks the CRC), so these numbers
        # bound the memory any later read can take
        if info.file_size > MAX_UNPACKED_BYTES:
            claim, cap = _sizes(info.file_size, MAX_UNPACKED_BYTES)
            raise ModelFileError(f"The file claims {claim} once unpacked ({name}); the limit is {cap}")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        claim, cap = _sizes(total, MAX_UNPACKED_BYTES)
        raise ModelFileError(f"The file claims {claim} once unpacked; the limit is {cap}")
    return zf


def _read_headers(zf):
    """Shape and dtype of every member from its .npy header alone; no array data is read.

    The data length each header implies must equal the member's declared size: a header may not
    claim a billion numbers (which np.load would allocate before noticing the data is short).
    """
    headers = {}
    for info in zf.infolist():
        name = info.filename[:-4]
        with zf.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy version {version}")
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, _, dtype = read(f)
            except ValueError as e:
                raise ModelFileError(f"{name} is not a valid NumPy array ({e})") from None
            if dtype.hasobject:
                raise ModelFileError(f"{name} holds Python objects (pickled data), which Unrolled never "
                                     "loads: a model file holds only numbers")
            if not _numeric(dtype):
                raise ModelFileError(f"{name} holds {dtype} values, not numbers")
            if f.tell() + math.prod(shape) * dtype.itemsize != info.file_size:
                raise ModelFileError(f"{name} claims shape {shape} of {dtype}, which does not match its "
                                     f"stored size of {_size(info.file_size)}")
        headers[name] = shape, dtype
    return headers


def _read_meta(npz, headers):
    """The validated ``__meta__.json`` object."""
    if META_NAME not in headers:
        raise ModelFileError(f"This file is not an Unrolled model file (it has no {META_NAME}; "
                             "perhaps it was written with np.savez rather than save_model)")
    shape, dtype = headers[META_NAME]
    if dtype != np.uint8 or len(shape) != 1:
        raise ModelFileError(f"{META_NAME} in this file is damaged (not a 1-D uint8 array)")
    try:
        header = json.loads(npz[META_NAME].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{META_NAME} in this file is damaged: not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{META_NAME} in this file is damaged: not a JSON object")
    if header.get("format") != FORMAT_NAME:
        raise ModelFileError(f"This file is not an Unrolled model file (its format is {header.get('format')!r}, "
                             f"expected {FORMAT_NAME!r})")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"This file has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"This file was made by a newer version of Unrolled (format version {version}; "
                             f"this version reads up to {FORMAT_VERSION}). Update Unrolled to open it.")
    config = header.get("config")
    if not isinstance(config, dict):
        raise ModelFileError("This file has no model settings (config)")
    if config.get("type") not in MODEL_TYPES:
        raise ModelFileError(f"This file holds an unknown model type {config.get('type')!r} "
                             f"(this version knows {', '.join(MODEL_TYPES)})")
    vocab = header.get("vocab")
    if vocab is not None and (not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab)):
        raise ModelFileError("The vocab in this file is not a list of strings")
    meta = header.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ModelFileError("The meta in this file is not a JSON object")
    return config, vocab, meta


def _build(config):
    """A fresh model from ``config``, refusing one too big to load before allocating it."""
    need = _parameter_bytes(config)
    if need > MAX_UNPACKED_BYTES:
        raise ModelFileError(f"The model settings in this file describe {_size(need)} of parameters; "
                             f"the limit is {_size(MAX_UNPACKED_BYTES)}")
    try:
        return MODEL_TYPES[config["type"]].from_config(config)
    except MemoryError:
        raise
    except Exception as e:
        raise ModelFileError(f"The model settings in this file are invalid: {_explain(e)}") from None


def _parse(data):
    with _open_archive(data) as zf:
        headers = _read_headers(zf)
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        config, vocab, meta = _read_meta(npz, headers)
        model = _build(config)
        expected = model.state_dict()
        stored = {name: h for name, h in headers.items() if name != META_NAME}
        missing = [name for name in expected if name not in stored]
        extra = sorted(set(stored) - set(expected))
        if missing:
            raise ModelFileError(f"The file is missing {', '.join(missing)}, which this "
                                 f"{config['type']} needs")
        if extra:
            raise ModelFileError(f"The file holds arrays this {config['type']} does not have: {', '.join(extra)}")
        for name, want in expected.items():              # shapes from the headers: before reading any data
            shape = stored[name][0]
            if shape != want.shape:
                raise ModelFileError(f"{name} has shape {shape}, expected {want.shape}")
        state = {}
        for name in expected:
            value = npz[name]
            if not np.all(np.isfinite(value)):
                raise ModelFileError(f"{name} holds NaN or infinite values")
            state[name] = value
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ModelFileError(f"The arrays in this file do not fit the model: {e}") from None
    return LoadedModel(model=model, vocab=vocab, meta=meta, config=config)
