"""PyTorch state dicts in and out: ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` weights as safetensors files.

The one engine module that imports a package beyond NumPy and the standard library: ``safetensors``
(its NumPy API), the format PyTorch users share weights in without pickles.

Read, :func:`load_pytorch`: a ``.safetensors`` file, or an ``.npz`` of plain arrays, holding the state dict
of one recurrent module, keys as PyTorch writes them (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
``bias_hh_l0``, ... bare or under one prefix such as ``rnn.`` or ``encoder.``), optionally with one
``nn.Linear`` head (``<name>.weight`` (O, H), ``<name>.bias`` (O,)). The kind and sizes come from the shapes
(:mod:`rnn_core.state_dict`): ``weight_hh_l0`` is (G·H, H) with G = 1 (RNN), 3 (GRU) or 4 (LSTM).

Write, :func:`save_pytorch`: a safetensors file that ``module.load_state_dict(safetensors.torch.load_file(path))``
accepts with ``strict=True`` (a :class:`~rnn_core.Recurrent` for a bare ``nn.LSTM``; a
:class:`~rnn_core.SequenceModel` for a module whose recurrent layer is ``rnn`` and whose head is ``head``).
What the weights cannot say (the RNN's nonlinearity, the head's activation, the target, the vocabulary,
notes) goes in the file's text metadata, which PyTorch ignores and :func:`load_pytorch` reads back.

Every bad file raises :class:`~rnn_core.model_file.ModelFileError` saying what was found and what was
expected. A safetensors header is read and checked before any tensor data: one that claims more than the
file holds, overlapping or gapped offsets, a header over :data:`MAX_HEADER_BYTES` or data over the model
file limits is refused without reading the rest. Nothing is ever unpickled.
"""

import io
import json
import math
import os
import zipfile

import numpy as np
import safetensors.numpy

from . import model_file as mf
from .model import SequenceModel
from .model_file import META_NAME, ModelFileError, _size
from .recurrent import Recurrent
from .state_dict import model_from_state_dict

__all__ = ["MAX_HEADER_BYTES", "load_any_model", "load_pytorch", "read_state_dict", "save_pytorch"]

MAX_HEADER_BYTES = 2**20    # a few recurrent layers need a few KB of header; safetensors itself allows 100 MB
NOTES_FORMAT = "unrolled-model"
_DTYPES = {"F64": np.float64, "F32": np.float32}
_NOT_FLOAT = {"F16": "float16", "BF16": "bfloat16", "F8_E4M3": "float8", "F8_E5M2": "float8"}
_NOT_A_MODEL = ("This file is not an Unrolled model file (.npz) nor a PyTorch state dict (.safetensors, or an "
                ".npz of arrays)")
_PICKLE = ("This file is a PyTorch pickle (torch.save): Unrolled never unpickles, because a pickle can run "
           "any code. Save the weights with safetensors.torch.save_file(model.state_dict(), 'model.safetensors')")


# ---------------------------------------------------------------------------------------------- reading bytes
def _open(source):
    """A binary file object and its size in bytes (None where unknown), from a path, bytes or a file object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), len(source)
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), os.path.getsize(source)
    if hasattr(source, "read"):
        try:                                                    # what is left from here, where it can be told
            at = source.tell()
            size = source.seek(0, os.SEEK_END) - at
            source.seek(at)
        except (AttributeError, OSError, ValueError):
            size = None
        return source, size
    raise TypeError(f"expected a path, bytes or a binary file object, not {type(source).__name__}")


def _read_exact(f, n, what):
    data = f.read(n)
    if not isinstance(data, (bytes, bytearray)):
        raise ModelFileError("The file was opened as text; open it in binary mode ('rb')")
    if len(data) < n:
        raise ModelFileError(f"The file ends early: {what} needs {n:,} bytes, the file holds {len(data):,}")
    return bytes(data)


def _no_duplicates(pairs):
    """A JSON object as a dict, refusing a repeated name (which would hide a tensor behind another)."""
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ModelFileError(f"The safetensors header lists {key[:60]!r} twice")
        seen.add(key)
    return dict(pairs)


def _check_header(header):
    """Tensor entries sorted by offset and the data length they claim, or ModelFileError; reads no data."""
    if not isinstance(header, dict):
        raise ModelFileError("The safetensors header is not a JSON object")
    notes = header.pop("__metadata__", None)
    if notes is not None and not (isinstance(notes, dict) and all(isinstance(v, str) for v in notes.values())):
        raise ModelFileError("The safetensors __metadata__ is not a map of text to text")
    if len(header) > mf.MAX_MEMBERS:
        raise ModelFileError(f"The file holds {len(header)} tensors; a recurrent model has at most {mf.MAX_MEMBERS}")
    entries = []
    for name, e in header.items():
        if not mf._member_name(name):
            raise ModelFileError(f"The file holds a tensor named {name[:60]!r}, which is not a parameter name")
        ok = isinstance(e, dict) and isinstance(e.get("dtype"), str) and isinstance(e.get("shape"), list) \
            and isinstance(e.get("data_offsets"), list) and len(e["data_offsets"]) == 2 \
            and all(type(v) is int and v >= 0 for v in e["shape"] + e["data_offsets"])
        if not ok:
            raise ModelFileError(f"The safetensors header entry for {name} is damaged (it needs dtype, shape and "
                                 "data_offsets [begin, end] of whole numbers)")
        begin, end = e["data_offsets"]
        if e["dtype"] in _NOT_FLOAT:
            raise ModelFileError(f"{name} holds {_NOT_FLOAT[e['dtype']]} numbers; Unrolled reads float32 or float64 "
                                 "(in PyTorch: model.float() or model.double() before saving)")
        if e["dtype"] not in _DTYPES:
            raise ModelFileError(f"{name} holds {e['dtype']} values; weights are float32 (F32) or float64 (F64)")
        shape = tuple(e["shape"])
        need = math.prod(shape) * np.dtype(_DTYPES[e["dtype"]]).itemsize
        if end < begin or end - begin != need:
            raise ModelFileError(f"{name} claims shape {shape} of {e['dtype']} ({need:,} bytes) but its offsets "
                                 f"[{begin}, {end}] span {end - begin:,} bytes")
        entries.append((begin, end, name, shape, e["dtype"]))
    entries.sort()
    at = 0
    for begin, end, name, *_ in entries:
        if begin != at:
            what = "overlap the tensor before it" if begin < at else f"leave a gap of {begin - at:,} bytes"
            raise ModelFileError(f"The offsets of {name} [{begin}, {end}] {what}: a damaged or hostile file")
        at = end
    return entries, at, notes or {}


def _read_safetensors(source):
    """({name: array}, notes) from a safetensors file, its header checked before any data is read."""
    f, size = _open(source)
    try:
        n = int.from_bytes(_read_exact(f, 8, "the header length"), "little")
        if n > MAX_HEADER_BYTES:
            raise ModelFileError(f"The safetensors header claims {_size(n)}; the limit is {_size(MAX_HEADER_BYTES)} "
                                 "(or this is not a safetensors file)")
        if size is not None and 8 + n > size:
            raise ModelFileError(f"The safetensors header claims {n:,} bytes; the file holds {size - 8:,} after its "
                                 "first 8 (damaged, or not a safetensors file)")
        raw = _read_exact(f, n, "the header")
        try:
            header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelFileError(_NOT_A_MODEL + " (its header is not JSON text)") from None
        entries, claimed, notes = _check_header(header)
        if claimed > mf.MAX_UNPACKED_BYTES:
            raise ModelFileError(f"The file claims {_size(claimed)} of tensors; the limit is "
                                 f"{_size(mf.MAX_UNPACKED_BYTES)}")
        if size is not None and size - 8 - n != claimed:
            raise ModelFileError(f"The header claims {claimed:,} bytes of tensors; the file holds "
                                 f"{size - 8 - n:,} (damaged or cut short)")
        body = _read_exact(f, claimed, "the tensors the header lists")
        if f.read(1):
            raise ModelFileError("The file holds more bytes than its header lists (damaged)")
    finally:
        if f is not source:
            f.close()
    try:                            # safetensors checks the layout once more, in its own (audited) code
        arrays = safetensors.numpy.load(n.to_bytes(8, "little") + raw + body)
    except Exception as e:
        raise ModelFileError(f"This safetensors file is damaged ({e})") from None
    return {k: np.array(v) for k, v in arrays.items()}, notes


def _read_npz(data):
    """{name: array} from an .npz of plain arrays, with the model file's zip-bomb and header checks."""
    with mf._open_archive(data) as zf:
        names = [i.filename for i in zf.infolist()]
        headers = mf._read_headers(zf)
    if META_NAME + ".npy" in names:
        raise ModelFileError("This is an Unrolled model file, not a PyTorch state dict: open it with "
                             "rnn_core.load_model (or load_any_model)")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in headers}


def _peek(source, n=8):
    """The first ``n`` bytes of a path, bytes or seekable file object, leaving a file object where it was."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[:n])
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return f.read(n)
    if hasattr(source, "seek") and hasattr(source, "tell"):
        at = source.tell()
        head = source.read(n)
        source.seek(at)
        return head if isinstance(head, bytes) else b""
    return b""


def read_state_dict(source):
    """The arrays of a PyTorch state dict file and its text notes: ({name: array}, {key: str}).

    source : path, bytes or binary file object of a ``.safetensors`` file or an ``.npz`` of plain arrays.
    Raises ModelFileError for anything unsafe, damaged or not a state dict of numbers.
    """
    if hasattr(source, "read") and not (hasattr(source, "seekable") and source.seekable()):
        source = mf._read_input(source)                 # a stream: its bytes, up to the model file limit
    head = _peek(source, 9)
    # a safetensors header is JSON right after its 8-byte length; 0x80 then 2-5 opens a pickle (legacy torch.save)
    if head[8:9] != b"{" and head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise ModelFileError(_PICKLE)
    if head[:2] != b"PK":
        if head[8:9] != b"{":
            raise ModelFileError(_NOT_A_MODEL + (" (it is empty)" if not head else ""))
        return _read_safetensors(source)
    data = mf._read_input(source)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            pickled = any(n.endswith(".pkl") for n in zf.namelist())
    except zipfile.BadZipFile:
        pickled = False                                           # _read_npz says what is wrong
    if pickled:
        raise ModelFileError(_PICKLE)
    return _read_npz(data), {}


def _notes_config(notes):
    """The config an Unrolled-written file notes, or {} (another program's metadata is ignored)."""
    if notes.get("format") != NOTES_FORMAT:
        return {}
    try:
        config = json.loads(notes.get("config", "{}"))
    except json.JSONDecodeError:
        raise ModelFileError("The file's Unrolled notes (metadata 'config') are damaged") from None
    return config if isinstance(config, dict) else {}


def load_pytorch(path_or_bytes, nonlinearity=None, head_activation=None, *, with_notes=False):
    """A PyTorch state dict file as a Recurrent, or a SequenceModel when it holds an nn.Linear head.

    Parameters
    ----------
    path_or_bytes : str, os.PathLike, bytes or binary file object
        A ``.safetensors`` file or an ``.npz`` of plain arrays (``np.savez(path, **state_dict)``).
    nonlinearity : {"tanh", "relu", "sigmoid"} or None
        The vanilla RNN's φ, which the weights cannot say; None: the file's Unrolled notes, else tanh.
    head_activation : {"softmax", "sigmoid", "identity"} or None
        The head's activation (and so its loss); None: the file's Unrolled notes, else softmax.
    with_notes : bool
        Also return the file's notes: (model, vocab or None, meta or None).

    Raises
    ------
    ModelFileError
        Bidirectional or projected weights, several recurrent modules or heads, float16/bfloat16, other
        dtypes, NaN or infinity, missing layers, inconsistent shapes, a damaged or hostile file, a pickle.
    """
    arrays, notes = read_state_dict(path_or_bytes)
    model = model_from_state_dict(arrays, nonlinearity, head_activation, _notes_config(notes))
    if not with_notes:
        return model
    vocab, meta = (None, None)
    if notes.get("format") == NOTES_FORMAT:
        try:
            vocab, meta = json.loads(notes.get("vocab", "null")), json.loads(notes.get("meta", "null"))
        except json.JSONDecodeError:
            raise ModelFileError("The file's Unrolled notes (vocab, meta) are damaged") from None
        if vocab is not None and not (isinstance(vocab, list) and all(isinstance(t, str) for t in vocab)):
            raise ModelFileError("The vocab in this file's notes is not a list of strings")
        if meta is not None and not isinstance(meta, dict):
            raise ModelFileError("The meta in this file's notes is not a JSON object")
    return model, vocab, meta


# ---------------------------------------------------------------------------------------------- write
def save_pytorch(model, path, vocab=None, meta=None):
    """Write ``model`` as a safetensors state dict PyTorch loads with ``strict=True``.

    model : Recurrent (keys ``weight_ih_l0`` ..., for a bare nn.RNN/LSTM/GRU) or SequenceModel (keys
        ``rnn.weight_ih_l0`` ..., ``head.weight``, ``head.bias``).
    path : str, os.PathLike or writable binary file object.
    vocab, meta : as :func:`~rnn_core.save_model`; kept in the file's metadata with the config.
    Raises ModelFileError for another model type or non-finite weights; nothing is written then.
    """
    if not isinstance(model, (Recurrent, SequenceModel)):
        raise ModelFileError(f"a {type(model).__name__} has no PyTorch nn.RNN/LSTM/GRU layout; keep it as an "
                             "Unrolled .npz (save_model)")
    arrays = {}
    for name, value in model.state_dict().items():
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{name} holds NaN or infinite values (did training diverge?); such a model "
                                 "cannot be saved")
        arrays[name] = np.ascontiguousarray(value)
    if vocab is not None and not (isinstance(vocab, (list, tuple)) and all(isinstance(t, str) for t in vocab)):
        raise ModelFileError("vocab must be a list of strings (one per token) or None")
    if meta is not None and not isinstance(meta, dict):
        raise ModelFileError(f"meta must be a dict (or None), not {type(meta).__name__}")
    try:
        notes = {"format": NOTES_FORMAT, "format_version": str(mf.FORMAT_VERSION),
                 "config": json.dumps(model.config), "vocab": json.dumps(None if vocab is None else list(vocab)),
                 "meta": json.dumps(meta, ensure_ascii=False, default=mf._json_default)}
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"meta cannot be written as JSON: {e}") from None
    data = safetensors.numpy.save(arrays, metadata=notes)
    if len(data) > mf.MAX_FILE_BYTES or len(data) - 8 > MAX_HEADER_BYTES + mf.MAX_UNPACKED_BYTES:
        raise ModelFileError(f"the file would be {_size(len(data))}; the limit is {_size(mf.MAX_FILE_BYTES)}")
    mf.write_bytes(path, data)


# ---------------------------------------------------------------------------------------------- any file
def load_any_model(source, filename=None, nonlinearity=None, head_activation=None):
    """Whatever model file a person brings, as a :class:`~rnn_core.model_file.LoadedModel`.

    source : path, bytes or binary file object: an Unrolled ``.npz`` (:func:`~rnn_core.load_model`), or a
        PyTorch state dict as ``.safetensors`` or an ``.npz`` of plain arrays (:func:`load_pytorch`, with the
        vocabulary and notes of a file :func:`save_pytorch` wrote).
    filename : str, optional; only sharpens the message for a pickled ``.pt`` / ``.pth`` file.
    nonlinearity, head_activation : as :func:`load_pytorch`, for PyTorch files (an Unrolled .npz says its own).
    """
    if isinstance(source, (str, os.PathLike)) and filename is None:
        filename = os.fspath(source)
    if _peek(source, 2) == b"PK":
        data = mf._read_input(source)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                ours = META_NAME + ".npy" in zf.namelist()
        except zipfile.BadZipFile:
            ours = True                                            # load_model explains a damaged archive
        if ours:
            return mf.load_model(data)
        source = data
    try:
        model, vocab, meta = load_pytorch(source, nonlinearity, head_activation, with_notes=True)
    except ModelFileError as e:
        if filename and str(filename).lower().endswith((".pt", ".pth", ".ckpt", ".bin")) and _PICKLE not in str(e):
            raise ModelFileError(f"{e}. {_PICKLE}") from None
        raise
    return mf.LoadedModel(model=model, vocab=vocab, meta=meta, config=model.config, origin="pytorch")
