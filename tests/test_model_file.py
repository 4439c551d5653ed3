"""Model files: exact round trips, and every kind of bad or hostile file refused with a clear ModelFileError."""

import io
import json
import pickle
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

from rnn_core import Recurrent, Seq2Seq, SequenceModel
from rnn_core import model_file as mf
from rnn_core.model_file import (
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_UNPACKED_BYTES,
    MODEL_TYPES,
    LoadedModel,
    ModelFileError,
    load_model,
    save_model,
)

VOCAB = ["<eos>", "a", "b", "c"]
META = {"example": "names", "steps": 1200, "loss": 1.25, "notes": "ünïcode ✓"}


# ---------------------------------------------------------------------------------------------- helpers
def small_model(kind="lstm", seed=3):
    return SequenceModel(kind, input_size=4, hidden_size=5, output_size=4, num_layers=2, seed=seed)


def saved_bytes(model=None, vocab=VOCAB, meta=META):
    buf = io.BytesIO()
    save_model(buf, model or small_model(), vocab=vocab, meta=meta)
    return buf.getvalue()


def npy(array, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def members(data):
    """Raw bytes of every member of a zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def make_zip(entries):
    """A zip of (name, bytes) pairs; duplicates allowed on purpose."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")                  # zipfile warns about duplicate names
        for name, raw in entries:
            zf.writestr(name, raw)
    return buf.getvalue()


def edited(data, replace=None, drop=(), add=None):
    """A copy of a model file with members replaced (by array or raw bytes), dropped or added."""
    out = members(data)
    for name in drop:
        del out[name + ".npy"]
    for name, value in {**(replace or {}), **(add or {})}.items():
        out[name + ".npy"] = value if isinstance(value, bytes) else npy(value)
    return make_zip(out.items())


def meta_npy(obj):
    return npy(np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8))


def with_header(data, change):
    """A copy of a model file whose __meta__.json went through ``change(dict) -> dict``."""
    header = json.loads(members(data)["__meta__.json.npy"][128:].decode())  # v1.0 header is 128 bytes here
    return edited(data, replace={"__meta__.json": meta_npy(change(header))})


def raises(data, phrase):
    with pytest.raises(ModelFileError, match=phrase) as info:
        load_model(data)
    return info.value


# ---------------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_round_trip_through_a_path_is_exact(tmp_path, kind):
    model = Recurrent(kind, input_size=3, hidden_size=6, num_layers=2, nonlinearity="relu", seed=7)
    path = tmp_path / "stack.unrolled"
    save_model(path, model, vocab=VOCAB[:3], meta=META)
    assert path.exists() and not (tmp_path / "stack.unrolled.npz").exists()   # written exactly where asked

    loaded = load_model(path)
    assert isinstance(loaded.model, Recurrent)
    x = np.random.default_rng(0).normal(size=(7, 3, 3))
    lengths = np.array([7, 4, 1])
    want, got = model.forward(x, lengths=lengths), loaded.model.forward(x, lengths=lengths)
    assert np.array_equal(got.output, want.output) and np.array_equal(got.h_n, want.h_n)
    assert loaded.config == model.config == loaded.model.config
    assert loaded.vocab == VOCAB[:3] and loaded.meta == META
    for name, w in model.state_dict().items():
        got_w = loaded.model.state_dict()[name]
        assert got_w.dtype == w.dtype and np.array_equal(got_w, w)


@pytest.mark.parametrize("source", ["path", "str", "bytes", "bytearray", "memoryview", "bytesio", "open_file"])
def test_sequence_model_round_trip_from_every_kind_of_source(tmp_path, source):
    model = small_model("gru")
    data = saved_bytes(model)
    path = tmp_path / "m.npz"
    path.write_bytes(data)
    if source == "open_file":
        with open(path, "rb") as f:
            loaded = load_model(f)
    else:
        arg = {"path": path, "str": str(path), "bytes": data, "bytearray": bytearray(data),
               "memoryview": memoryview(data), "bytesio": io.BytesIO(data)}[source]
        loaded = load_model(arg)
    x = np.random.default_rng(1).normal(size=(6, 2, 4))
    assert np.array_equal(loaded.model.forward(x).y, model.forward(x).y)
    assert loaded.config == model.config and loaded.vocab == VOCAB and loaded.meta == META


def test_float32_model_keeps_its_dtype_and_none_vocab_and_meta_survive():
    model = SequenceModel("lstm", 3, 4, 2, head="sigmoid", target="last", seed=2, dtype=np.float32)
    loaded = load_model(saved_bytes(model, vocab=None, meta=None))
    assert loaded.vocab is None and loaded.meta is None
    assert loaded.model.rnn.dtype == np.float32 and loaded.model.target == "last"
    x = np.random.default_rng(0).normal(size=(5, 2, 3))
    assert np.array_equal(loaded.model.forward(x).y, model.forward(x).y)


def test_the_file_is_a_plain_npz_with_a_json_description():
    model = small_model()
    data = saved_bytes(model)
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert set(npz.files) == set(model.state_dict()) | {"__meta__.json"}
        raw = npz["__meta__.json"]
        assert raw.dtype == np.uint8 and raw.ndim == 1
        header = json.loads(raw.tobytes().decode("utf-8"))
        for name, w in model.state_dict().items():
            assert np.array_equal(npz[name], w)
    assert header["format"] == "unrolled-model" and header["format_version"] == 1
    assert header["config"] == model.config and header["vocab"] == VOCAB and header["meta"] == META
    assert header["arrays"]["rnn.weight_hh_l1"] == {"shape": [20, 5], "dtype": "float64"}
    assert header["arrays"]["head.bias"] == {"shape": [4], "dtype": "float64"}


def test_saving_is_deterministic_and_numpy_scalars_in_meta_become_numbers():
    model = small_model()
    assert saved_bytes(model) == saved_bytes(model)
    loaded = load_model(saved_bytes(model, meta={"steps": np.int64(5), "loss": np.float32(0.5)}))
    assert loaded.meta == {"steps": 5, "loss": 0.5}


def test_loaded_model_is_frozen_and_has_a_useful_repr():
    loaded = load_model(saved_bytes())
    assert isinstance(loaded, LoadedModel)
    text = repr(loaded)
    assert "SequenceModel" in text and "4 tokens" in text and "names" in text
    with pytest.raises(AttributeError):
        loaded.vocab = []


@pytest.mark.parametrize("attention", ["additive", "dot", "none"])
def test_encoder_decoder_round_trip(attention):
    model = Seq2Seq("lstm", 5, 6, 4, num_layers=2, attention=attention, seed=3, bridge=attention != "dot")
    buf = io.BytesIO()
    save_model(buf, model, vocab=list("abcde"), meta={"target_vocab": list("uvwxyz")})
    loaded = load_model(buf.getvalue())
    src = np.eye(5)[[0, 3, 1, 4]][:, None, :].repeat(2, axis=1)
    dec = np.eye(6)[[0, 2, 5]][:, None, :].repeat(2, axis=1)
    a = model.forward(src, dec, source_lengths=np.array([4, 2]))
    b = loaded.model.forward(src, dec, source_lengths=np.array([4, 2]))
    assert np.array_equal(a.y, b.y) and np.array_equal(a.weights, b.weights)
    assert loaded.model.bridge == model.bridge and loaded.model.attention == attention


def test_model_types_and_error_class():
    assert MODEL_TYPES == {"Recurrent": Recurrent, "SequenceModel": SequenceModel, "Seq2Seq": Seq2Seq}
    assert issubclass(ModelFileError, ValueError)


# ---------------------------------------------------------------------------------------------- save checks
class NotAModel:
    config = {"type": "Transformer"}

    def state_dict(self):
        return {}


@pytest.mark.parametrize("kwargs, phrase", [
    ({"vocab": "abc"}, "vocab must be a list of strings"),
    ({"vocab": ["a", 1]}, "vocab must be a list of strings"),
    ({"meta": ["not", "a", "dict"]}, "meta must be a dict"),
    ({"meta": {"when": object()}}, "cannot be written as JSON"),
])
def test_save_refuses_bad_vocab_and_meta(kwargs, phrase):
    buf = io.BytesIO()
    with pytest.raises(ModelFileError, match=phrase):
        save_model(buf, small_model(), **kwargs)
    assert buf.getvalue() == b""                          # nothing written


def test_save_refuses_a_diverged_model_without_touching_the_existing_file(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"previous good file")
    model = small_model()
    model.head.params["bias"][1] = np.nan
    with pytest.raises(ModelFileError, match="head.bias holds NaN or infinite values"):
        save_model(path, model)
    assert path.read_bytes() == b"previous good file"


def test_save_refuses_unknown_model_types_and_bad_targets():
    with pytest.raises(ModelFileError, match="cannot save a NotAModel"):
        save_model(io.BytesIO(), NotAModel())
    with pytest.raises(TypeError, match="path or a writable"):
        save_model(42, small_model())


# ---------------------------------------------------------------------------------------------- bad files
def test_random_bytes_empty_file_and_plain_npy_are_not_model_files():
    raises(np.random.default_rng(0).bytes(5000), "not an Unrolled model file.*not a .npz/zip")
    raises(b"", "not an Unrolled model file.*empty")
    raises(npy(np.zeros((3, 3))), "not an Unrolled model file.*single NumPy array")


def test_damaged_archives_give_model_file_errors():
    data = saved_bytes()
    raises(data[: len(data) // 2], "damaged or incomplete")           # a cut-off upload
    # flip bytes inside the first compressed member: zipfile's CRC check (or zlib) catches it
    corrupt = bytearray(data)
    start = data.index(b"__meta__.json.npy") + len("__meta__.json.npy") + 10
    corrupt[start:start + 20] = bytes(20)
    raises(bytes(corrupt), "damaged")


def test_an_npz_without_meta_is_not_a_model_file():
    model = small_model()
    buf = io.BytesIO()
    np.savez(buf, **model.state_dict())
    raises(buf.getvalue(), "not an Unrolled model file.*no __meta__.json")


@pytest.mark.parametrize("meta_member, phrase", [
    (npy(np.frombuffer(b"{not json", dtype=np.uint8)), "not valid UTF-8 JSON"),
    (npy(np.frombuffer(b"\xff\xfe{}", dtype=np.uint8)), "not valid UTF-8 JSON"),
    (meta_npy([1, 2, 3]), "not a JSON object"),
    (npy(np.zeros(4)), "not a 1-D uint8 array"),
])
def test_a_damaged_description_is_refused(meta_member, phrase):
    raises(edited(saved_bytes(), replace={"__meta__.json": meta_member}), phrase)


@pytest.mark.parametrize("change, phrase", [
    (lambda h: {**h, "format": "keras-model"}, "not an Unrolled model file.*'keras-model'"),
    (lambda h: {**h, "format_version": 2}, "made by a newer version of Unrolled"),
    (lambda h: {**h, "format_version": "1"}, "invalid format_version"),
    (lambda h: {**h, "config": {**h["config"], "type": "Transformer"}}, "unknown model type 'Transformer'"),
    (lambda h: {**h, "config": None}, "no model settings"),
    (lambda h: {**h, "config": {**h["config"], "rnn": {**h["config"]["rnn"], "kind": "transformer"}}},
     "settings in this file are invalid: kind must be one of"),
    (lambda h: {**h, "config": {"type": "SequenceModel", "head": h["config"]["head"]}},
     "settings in this file are invalid: the setting 'rnn' is missing"),
    (lambda h: {**h, "vocab": ["a", 2]}, "vocab in this file is not a list of strings"),
    (lambda h: {**h, "meta": "hello"}, "meta in this file is not a JSON object"),
])
def test_bad_descriptions_are_refused(change, phrase):
    raises(with_header(saved_bytes(), change), phrase)


def test_a_config_asking_for_a_huge_model_is_refused_before_allocating():
    """A tiny file whose settings would make from_config draw an LSTM layer of 13 GB."""
    huge = {"type": "Recurrent", "kind": "lstm", "input_size": 100_000, "hidden_size": 4096, "num_layers": 4,
            "nonlinearity": "tanh", "dtype": "float64"}
    data = with_header(saved_bytes(Recurrent("lstm", 2, 2)), lambda h: {**h, "config": huge})
    tracemalloc.start()
    try:
        raises(data, "describe .* GB of parameters; the limit is 64 MB")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_missing_extra_and_misshapen_arrays_are_named():
    data = saved_bytes(small_model("lstm"))
    raises(edited(data, drop=["rnn.bias_hh_l1"]), "missing rnn.bias_hh_l1, which this SequenceModel needs")
    raises(edited(data, add={"rnn.weight_ih_l2": np.zeros((20, 5))}), "does not have: rnn.weight_ih_l2")
    raises(edited(data, replace={"rnn.weight_hh_l0": np.zeros((4, 3))}),
           r"rnn.weight_hh_l0 has shape \(4, 3\), expected \(20, 5\)")
    stack = saved_bytes(Recurrent("gru", 3, 4))
    raises(edited(stack, replace={"weight_hh_l0": np.zeros((4, 3))}),
           r"weight_hh_l0 has shape \(4, 3\), expected \(12, 4\)")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(bad):
    model = small_model()
    bias = model.head.params["bias"].copy()
    bias[2] = bad
    raises(edited(saved_bytes(model), replace={"head.bias": bias}), "head.bias holds NaN or infinite values")


@pytest.mark.parametrize("array, phrase", [
    (np.array(["a", "b", "c", "d"]), "head.bias holds <U1 values, not numbers"),
    (np.ones(4, dtype=complex), "not numbers"),
    (np.ones(4, dtype=bool), "not numbers"),
])
def test_arrays_that_are_not_plain_numbers_are_refused(array, phrase):
    raises(edited(saved_bytes(), replace={"head.bias": array}), phrase)


def test_an_integer_array_of_the_right_shape_is_accepted_as_numbers():
    loaded = load_model(edited(saved_bytes(), replace={"head.bias": np.arange(4)}))
    assert np.array_equal(loaded.model.head.params["bias"], np.arange(4.0))


class Trap:
    """Unpickling this creates the file at ``path`` (what a malicious pickle could do, harmlessly)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_a_pickled_object_array_is_refused_and_never_unpickled(tmp_path):
    armed = tmp_path / "armed"
    pickle.loads(pickle.dumps(Trap(armed))).close()
    assert armed.exists()                                 # the trap really fires when unpickled

    marker = tmp_path / "pwned"
    evil = np.empty(4, dtype=object)
    evil[:] = [Trap(marker)] * 4
    data = edited(saved_bytes(), replace={"head.bias": npy(evil, allow_pickle=True)})
    raises(data, "head.bias holds Python objects")
    assert not marker.exists()
    # also as the description itself, and via np.savez the way a student might build such a file
    raises(edited(saved_bytes(), replace={"__meta__.json": npy(evil, allow_pickle=True)}), "Python objects")
    buf = io.BytesIO()
    np.savez(buf, **{"__meta__.json": evil})
    raises(buf.getvalue(), "Python objects")
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------- size limits
def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "big.npz"
    with open(path, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)                   # sparse: costs no disk and no time
    tracemalloc.start()
    try:
        raises(path, r"The file is 67,108,865 bytes; the limit is 64 MB \(67,108,864 bytes\)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    raises(b"\0" * (MAX_FILE_BYTES + 1), "the limit is 64 MB")


def test_a_file_object_is_read_only_up_to_the_limit(monkeypatch):
    stream = io.BytesIO(saved_bytes())
    monkeypatch.setattr(mf, "MAX_FILE_BYTES", 1000)
    raises(stream, "larger than the limit of 1000 bytes")
    assert stream.tell() == 1001


@pytest.fixture(scope="module")
def zip_bomb():
    """A valid-looking model file whose one weight unpacks to 200 MB of zeros (about 200 KB packed)."""
    n = 200 * 2**20
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("__meta__.json.npy", members(saved_bytes())["__meta__.json.npy"])
        with zf.open("rnn.weight_ih_l0.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (n // 8,)})
            chunk = bytes(8 * 2**20)
            for _ in range(n // len(chunk)):
                f.write(chunk)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_without_unpacking(zip_bomb):
    assert len(zip_bomb) < 2**20                          # small on disk ...
    with zipfile.ZipFile(io.BytesIO(zip_bomb)) as zf:
        assert zf.getinfo("rnn.weight_ih_l0.npy").file_size > 200 * 2**20   # ... huge once unpacked
    tracemalloc.start()
    try:
        error = raises(zip_bomb, r"claims 200 MB once unpacked \(rnn.weight_ih_l0.npy\)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20                              # refused from the directory: nothing was unpacked
    assert "the limit is 64 MB" in str(error)


def test_many_members_that_are_small_alone_but_large_together_are_refused(monkeypatch):
    monkeypatch.setattr(mf, "MAX_UNPACKED_BYTES", 100_000)
    data = edited(saved_bytes(), add={f"pad{i}": np.zeros(5000) for i in range(3)})   # 40 KB each
    raises(data, "claims .* once unpacked; the limit is 97.7 KB")


def test_a_header_claiming_more_numbers_than_stored_is_refused_before_allocating():
    """A .npy header may promise a billion float64s; np.load would allocate 8 GB before reading."""
    raw = io.BytesIO()
    np.lib.format.write_array_header_1_0(raw, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})
    raw.write(bytes(32))
    tracemalloc.start()
    try:
        raises(edited(saved_bytes(), replace={"head.bias": raw.getvalue()}), r"claims shape \(1000000000,\)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_too_many_members_are_refused():
    entries = [(f"a{i}.npy", npy(np.zeros(1))) for i in range(MAX_MEMBERS + 1)]
    raises(make_zip(entries), f"{MAX_MEMBERS + 1} entries; a model file has at most {MAX_MEMBERS}")


@pytest.mark.parametrize("name", ["../evil.npy", "x.txt", "sub/dir.npy", "/abs.npy", ".hidden.npy", "a..b.npy"])
def test_members_with_unexpected_names_are_refused(name):
    data = make_zip(list(members(saved_bytes()).items()) + [(name, npy(np.zeros(1)))])
    raises(data, f"contains '{name}'")


def test_a_duplicated_member_is_refused():
    entries = list(members(saved_bytes()).items())
    raises(make_zip(entries + [entries[-1]]), "twice")


def test_limits_are_what_the_brief_says():
    assert MAX_FILE_BYTES == MAX_UNPACKED_BYTES == 64 * 2**20 and MAX_MEMBERS == 200


def test_text_mode_files_and_other_objects_are_refused(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(saved_bytes())
    with open(path, encoding="latin-1") as f:
        raises(f, "binary mode")
    with pytest.raises(TypeError, match="path, bytes or a readable"):
        load_model(42)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")
