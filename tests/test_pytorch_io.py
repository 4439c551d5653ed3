"""PyTorch files in and out: safetensors state dicts (and .npz of plain arrays) in nn.RNN/LSTM/GRU's layout.

The files here are written by hand with NumPy arrays under PyTorch's key names (PyTorch itself is never a
test dependency; bench/parity.py checks against real torch.nn modules where PyTorch is installed).
"""

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy

from rnn_core import (
    Recurrent,
    Seq2Seq,
    SequenceModel,
    load_any_model,
    load_model,
    load_pytorch,
    save_model,
    save_pytorch,
)
from rnn_core import model_file as mf
from rnn_core import pytorch_io as pio
from rnn_core.model_file import ModelFileError

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("rnn", "lstm", "gru")
RNG = np.random.default_rng(0)


def st_bytes(arrays, metadata=None):
    return safetensors.numpy.save({k: np.ascontiguousarray(v) for k, v in arrays.items()}, metadata=metadata)


def npz_bytes(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def raw_safetensors(header, body=b""):
    """A safetensors file from a header dict and data bytes, exactly as given (hostile ones included)."""
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + body


def pytorch_layout(model, prefix="", head_name="head"):
    """A model's weights under the names PyTorch gives them: ``<prefix>weight_ih_l0`` ..., ``<head_name>.weight``."""
    state = model.state_dict()
    if isinstance(model, Recurrent):
        return {prefix + k: v for k, v in state.items()}
    out = {prefix + k[4:]: v for k, v in state.items() if k.startswith("rnn.")}
    out.update({f"{head_name}.weight": state["head.weight"], f"{head_name}.bias": state["head.bias"]})
    return out


def outputs(model, x):
    if isinstance(model, Recurrent):
        rec = model.forward(x, lengths=np.array([x.shape[0], 2]))
        return rec.output, rec.h_n
    rec = model.forward(x, np.array([x.shape[0], 2]))
    return rec.y, rec.rnn.h_n


def assert_same_outputs(a, b, x):
    for u, v in zip(outputs(a, x), outputs(b, x), strict=True):
        np.testing.assert_array_equal(u, v)


# ---------------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("head", [None, "softmax", "sigmoid", "identity"])
def test_ours_to_safetensors_to_ours_is_identical(kind, layers, head, tmp_path):
    if head is None:
        model = Recurrent(kind, 3, 4, layers, nonlinearity="relu" if kind == "rnn" else "tanh", seed=layers)
    else:
        model = SequenceModel(kind, 3, 4, 5, layers, head=head, target="last", seed=layers,
                              nonlinearity="sigmoid" if kind == "rnn" else "tanh")
    path = tmp_path / "m.safetensors"
    save_pytorch(model, path, vocab=["a", "b", "c"], meta={"example": "jazz", "loss": np.float32(0.5)})
    loaded = load_any_model(path)
    assert loaded.config == model.config and type(loaded.model) is type(model)
    assert loaded.vocab == ["a", "b", "c"] and loaded.meta == {"example": "jazz", "loss": 0.5}
    want, got = model.state_dict(), loaded.model.state_dict()
    assert list(got) == list(want)
    for name in want:
        assert got[name].dtype == want[name].dtype
        np.testing.assert_array_equal(got[name], want[name])
    # the keys a PyTorch module with attributes rnn and head (or a bare nn.LSTM) would hold
    assert set(safetensors.numpy.load_file(path)) == set(want)


def test_float32_models_stay_float32_and_convert_both_ways(tmp_path):
    model = SequenceModel("lstm", 2, 3, 2, dtype=np.float32, seed=4)
    save_pytorch(model, tmp_path / "m.safetensors")
    loaded = load_pytorch(tmp_path / "m.safetensors")
    assert loaded.rnn.dtype == np.float32 and loaded.config == model.config
    save_model(tmp_path / "m.npz", loaded)                     # safetensors → ours, still identical
    back = load_model(tmp_path / "m.npz").model
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[name], value)


def test_a_file_with_a_path_a_file_object_and_bytes_loads_the_same(tmp_path):
    model = Recurrent("gru", 2, 3, seed=1)
    save_pytorch(model, tmp_path / "g.safetensors")
    data = (tmp_path / "g.safetensors").read_bytes()
    with open(tmp_path / "g.safetensors", "rb") as f:
        from_file = load_pytorch(f)
    for m in (load_pytorch(data), load_pytorch(io.BytesIO(data)), from_file):
        np.testing.assert_array_equal(m.state_dict()["weight_hh_l0"], model.state_dict()["weight_hh_l0"])


# ---------------------------------------------------------------------------------------------- PyTorch files by hand
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("prefix,head_name", [("", None), ("rnn.", None), ("", "fc"), ("rnn.", "head"),
                                              ("encoder.", "linear"), ("model.lstm.", "out")])
@pytest.mark.parametrize("container", ["safetensors", "npz"])
def test_pytorch_key_layouts_load_and_give_the_models_outputs(kind, layers, prefix, head_name, container):
    if head_name is None:
        model = Recurrent(kind, 4, 5, layers, seed=7)
    else:
        model = SequenceModel(kind, 4, 5, 3, layers, head="softmax", seed=7)
    arrays = pytorch_layout(model, prefix, head_name or "head")
    data = st_bytes(arrays) if container == "safetensors" else npz_bytes(arrays)
    loaded = load_pytorch(data)
    assert type(loaded) is type(model) and loaded.config == model.config
    assert_same_outputs(loaded, model, RNG.normal(size=(6, 2, 4)))


def test_the_parameters_choose_the_rnn_nonlinearity_and_the_head_activation():
    model = SequenceModel("rnn", 2, 3, 1, nonlinearity="relu", head="sigmoid", seed=2)
    data = st_bytes(pytorch_layout(model, "rnn.", "fc"))       # PyTorch's files do not say either
    default = load_pytorch(data)
    assert default.rnn.nonlinearity == "tanh" and default.head.activation == "softmax"
    chosen = load_pytorch(data, nonlinearity="relu", head_activation="sigmoid")
    assert_same_outputs(chosen, model, RNG.normal(size=(5, 2, 2)))
    with pytest.raises(ModelFileError, match="nonlinearity must be one of"):
        load_pytorch(data, nonlinearity="gelu")


def test_a_one_unit_rnn_written_by_hand_follows_the_equations():
    """h_1 = tanh(2·1 + 0.1 + 0.2), h_2 = tanh(2·0 + 0.5·h_1 + 0.1 + 0.2): weight_ih is W_ih, weight_hh is W_hh."""
    data = st_bytes({"weight_ih_l0": np.array([[2.0]]), "weight_hh_l0": np.array([[0.5]]),
                     "bias_ih_l0": np.array([0.1]), "bias_hh_l0": np.array([0.2])})
    h = load_pytorch(data).forward(np.array([[[1.0]], [[0.0]]])).output[:, 0, 0]
    h1 = np.tanh(2.3)
    np.testing.assert_allclose(h, [h1, np.tanh(0.5 * h1 + 0.3)], rtol=1e-15)


def test_lstm_and_gru_gate_rows_are_read_in_pytorchs_order():
    """LSTM rows i, f, g, o: with i = 1, f = 0, o = 1 the cell is g = tanh(3x) and h = tanh(tanh(3x)).
    GRU rows r, z, n: with z = 0 and r = 1, h = n = tanh(3x + 0.25 + 1 · 0.5)."""
    big = 40.0
    lstm = {"weight_ih_l0": np.array([[0.0], [0.0], [3.0], [0.0]]), "weight_hh_l0": np.zeros((4, 1)),
            "bias_ih_l0": np.array([big, -big, 0.0, big]), "bias_hh_l0": np.zeros(4)}
    h = load_pytorch(st_bytes(lstm)).forward(np.array([[[0.4]]])).output[0, 0, 0]
    np.testing.assert_allclose(h, np.tanh(np.tanh(1.2)), rtol=1e-12)
    gru = {"weight_ih_l0": np.array([[0.0], [0.0], [3.0]]), "weight_hh_l0": np.zeros((3, 1)),
           "bias_ih_l0": np.array([big, -big, 0.25]), "bias_hh_l0": np.array([0.0, 0.0, 0.5])}
    h = load_pytorch(st_bytes(gru)).forward(np.array([[[0.4]]])).output[0, 0, 0]
    np.testing.assert_allclose(h, np.tanh(1.2 + 0.25 + 0.5), rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_modules_without_biases_load_as_zero_biases(kind):
    model = SequenceModel(kind, 3, 4, 2, num_layers=2, seed=5)
    state = model.state_dict()
    for name in state:
        if "bias" in name and name.startswith("rnn."):
            state[name] = np.zeros_like(state[name])
    model.load_state_dict(state)
    arrays = {k: v for k, v in pytorch_layout(model, "rnn.", "head").items() if "bias_" not in k}
    assert_same_outputs(load_pytorch(st_bytes(arrays)), model, RNG.normal(size=(4, 2, 3)))


def test_load_any_model_opens_ours_and_pytorchs(tmp_path):
    ours = SequenceModel("gru", 3, 4, 3, seed=1)
    save_model(tmp_path / "ours.npz", ours, vocab=["x", "y", "z"], meta={"example": "jazz"})
    loaded = load_any_model((tmp_path / "ours.npz").read_bytes(), "ours.npz")
    assert loaded.vocab == ["x", "y", "z"] and loaded.meta == {"example": "jazz"}
    theirs = load_any_model(npz_bytes(pytorch_layout(ours, "gru.", "fc")), "state_dict.npz")
    assert theirs.vocab is None and theirs.meta is None and theirs.config == ours.config
    assert_same_outputs(theirs.model, ours, RNG.normal(size=(3, 2, 3)))


# ---------------------------------------------------------------------------------------------- refused, with reasons
def lstm_arrays(layers=2, H=5, D=4):
    return pytorch_layout(Recurrent("lstm", D, H, layers, seed=0), "rnn.")


def changed(**edits):
    arrays = lstm_arrays()
    for key, value in edits.items():
        key = key.replace("__", ".")
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    return arrays


BAD = {
    "bidirectional": (changed(rnn__weight_ih_l0_reverse=np.zeros((20, 4))), "bidirectional"),
    "projections": (changed(rnn__weight_hr_l0=np.zeros((3, 5))), "proj_size"),
    "two recurrent modules": ({**lstm_arrays(), **{"decoder." + k[4:]: v for k, v in lstm_arrays().items()}},
                              "several recurrent modules ('decoder', 'rnn')"),
    "two heads": (changed(fc__weight=np.zeros((2, 5)), out__weight=np.zeros((2, 5))), "at most one nn.Linear"),
    "an embedding beside the head": (changed(embedding__weight=np.zeros((9, 4)), fc__weight=np.zeros((2, 5))),
                                     "embedding, fc"),
    "an unknown array": (changed(step=np.zeros(1)), "step is neither a recurrent weight nor a head"),
    "NaN": (changed(rnn__weight_hh_l1=np.full((20, 5), np.nan)), "rnn.weight_hh_l1 holds NaN or infinite"),
    "infinity": (changed(rnn__bias_ih_l0=np.full(20, np.inf)), "rnn.bias_ih_l0 holds NaN or infinite"),
    "integers": (changed(rnn__bias_ih_l0=np.zeros(20, np.int64)), "holds int64 values; weights are float32"),
    "float16": (changed(rnn__bias_ih_l0=np.zeros(20, np.float16)), "float16"),
    "a missing layer": ({k: v for k, v in lstm_arrays(3).items() if "_l1" not in k}, "Layer 1 is missing"),
    "a missing matrix": (changed(rnn__weight_hh_l1=None), "weight_hh_l1 is missing"),
    "some biases": (changed(rnn__bias_ih_l1=None, rnn__bias_hh_l1=None), "Some layers have biases"),
    "layer 1 of another width": (changed(rnn__weight_ih_l1=np.zeros((20, 4))),
                                 "rnn.weight_ih_l1 has shape (20, 4); a 2-layer LSTM of hidden size 5 expects (20, 5)"),
    "a bias of another length": (changed(rnn__bias_hh_l0=np.zeros(15)), "rnn.bias_hh_l0 has shape (15,)"),
    "2·H rows": ({"weight_ih_l0": np.zeros((10, 4)), "weight_hh_l0": np.zeros((10, 5))},
                 "weight_hh_l0 has shape (10, 5); expected (G·H, H) with G = 1, 3 or 4"),
    "a head of another width": (changed(head__weight=np.zeros((3, 6)), head__bias=np.zeros(3)),
                                "head.weight has shape (3, 6); a head reading the hidden state of size 5 expects"),
    "a head bias of another length": (changed(head__weight=np.zeros((3, 5)), head__bias=np.zeros(2)),
                                      "head.bias has shape (2,)"),
    "a head bias alone": (changed(head__bias=np.zeros(3)), "head.bias has no weight beside it"),
    "five layers": ({**lstm_arrays(4), **{k.replace("_l1", "_l4"): v for k, v in lstm_arrays(2).items() if "_l1" in k}},
                    "5 layers; Unrolled runs 1 to 4"),
    "no recurrent weights": ({"fc.weight": np.zeros((2, 3))}, "no weight_ih_l0 (found fc.weight)"),
}


@pytest.mark.parametrize("container", ["safetensors", "npz"])
@pytest.mark.parametrize("case", list(BAD))
def test_every_bad_state_dict_is_refused_saying_what_was_found_and_expected(case, container):
    arrays, message = BAD[case]
    if container == "safetensors" and case == "float16":
        data = st_bytes(arrays)
        message = "rnn.bias_ih_l0 holds float16 numbers; Unrolled reads float32 or float64"
    else:
        data = st_bytes(arrays) if container == "safetensors" else npz_bytes(arrays)
    if container == "safetensors" and case == "integers":
        message = "rnn.bias_ih_l0 holds I64 values; weights are float32 (F32) or float64 (F64)"
    with pytest.raises(ModelFileError) as err:
        load_pytorch(data)
    assert message in str(err.value)


def test_bfloat16_is_refused_from_the_header():
    header = {"weight_ih_l0": {"dtype": "BF16", "shape": [5, 2], "data_offsets": [0, 20]}}
    with pytest.raises(ModelFileError, match="weight_ih_l0 holds bfloat16 numbers; Unrolled reads float32"):
        load_pytorch(raw_safetensors(header, bytes(20)))


@pytest.mark.parametrize("data", [
    pickle.dumps({"weight_ih_l0": [[1.0]]}),
    None,                                           # a torch.save archive (a zip around data.pkl)
])
def test_pickles_are_refused_and_never_loaded(data, monkeypatch):
    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("archive/data.pkl", pickle.dumps({}))
            zf.writestr("archive/version", "3")
        data = buf.getvalue()
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    for call in (load_pytorch, lambda d: load_any_model(d, "model.pt")):
        with pytest.raises(ModelFileError, match="never unpickles.*safetensors.torch.save_file"):
            call(data)


def test_an_npz_holding_a_pickled_object_is_refused():
    buf = io.BytesIO()
    np.savez(buf, weight_ih_l0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="Python objects"):
        load_pytorch(buf.getvalue())


def test_our_own_npz_is_pointed_to_load_model(tmp_path):
    save_model(tmp_path / "m.npz", Recurrent("rnn", 1, 1))
    with pytest.raises(ModelFileError, match="an Unrolled model file, not a PyTorch state dict"):
        load_pytorch(tmp_path / "m.npz")


def test_an_encoder_decoder_cannot_be_written_as_a_pytorch_file(tmp_path):
    with pytest.raises(ModelFileError, match="Seq2Seq has no PyTorch"):
        save_pytorch(Seq2Seq("gru", 3, 4, hidden_size=4), tmp_path / "s.safetensors")
    assert not (tmp_path / "s.safetensors").exists()


def test_a_diverged_model_is_not_written(tmp_path):
    model = Recurrent("rnn", 1, 2)
    model.params["weight_hh_l0"][0, 0] = np.nan
    with pytest.raises(ModelFileError, match="weight_hh_l0 holds NaN"):
        save_pytorch(model, tmp_path / "nan.safetensors")
    assert not (tmp_path / "nan.safetensors").exists()


# ---------------------------------------------------------------------------------------------- hostile headers
class CountingReader(io.BytesIO):
    """A file object that remembers how far into it anything was read."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read = max(self.bytes_read, self.tell())
        return chunk


W = {"dtype": "F64", "shape": [4, 1], "data_offsets": [0, 32]}


@pytest.mark.parametrize("header,body,message", [
    ({"weight_ih_l0": {**W, "shape": [10**9], "data_offsets": [0, 8 * 10**9]}}, bytes(32),
     "claims 7.5 GB of tensors; the limit is 64 MB"),
    ({"weight_ih_l0": {**W, "shape": [1000, 1000], "data_offsets": [0, 8 * 10**6]}}, bytes(32),
     "The header claims 8,000,000 bytes of tensors; the file holds 32"),
    ({"weight_ih_l0": W, "weight_hh_l0": {**W, "data_offsets": [16, 48]}}, bytes(48),
     "The offsets of weight_hh_l0 [16, 48] overlap the tensor before it"),
    ({"weight_ih_l0": W, "weight_hh_l0": {**W, "data_offsets": [40, 72]}}, bytes(72),
     "leave a gap of 8 bytes"),
    ({"weight_ih_l0": {**W, "data_offsets": [0, 16]}}, bytes(16), "claims shape (4, 1) of F64 (32 bytes) but its "
     "offsets [0, 16] span 16 bytes"),
    ({"weight_ih_l0": {"dtype": "F64", "shape": [-1]}}, b"", "header entry for weight_ih_l0 is damaged"),
    ({"__metadata__": {"a": 1}}, b"", "__metadata__ is not a map of text to text"),
    ({"../../etc/passwd": W}, bytes(32), "is not a parameter name"),
])
def test_a_lying_header_is_refused_before_the_data_is_read(header, body, message):
    data = raw_safetensors(header, body)
    f = CountingReader(data)
    with pytest.raises(ModelFileError) as err:
        load_pytorch(f)
    assert message in str(err.value)
    assert f.bytes_read <= len(data) - len(body)             # the header only: no tensor data was read


def test_a_header_over_the_cap_is_refused_after_reading_its_length_alone():
    data = (pio.MAX_HEADER_BYTES + 1).to_bytes(8, "little") + b"{" + b" " * 100
    f = CountingReader(data)
    with pytest.raises(ModelFileError, match="header claims 1 MB"):
        load_pytorch(f)
    assert f.bytes_read <= 9                                 # the length, and a peek at the header's first byte


def test_a_header_longer_than_the_file_is_refused_on_the_file_size(tmp_path):
    (tmp_path / "cut.safetensors").write_bytes((5000).to_bytes(8, "little") + b'{"a": 1')
    with pytest.raises(ModelFileError, match="header claims 5,000 bytes; the file holds 7"):
        load_pytorch(tmp_path / "cut.safetensors")


def test_a_duplicated_name_and_trailing_bytes_are_refused():
    text = b'{"weight_ih_l0": ' + json.dumps(W).encode() + b', "weight_ih_l0": ' + json.dumps(W).encode() + b"}"
    with pytest.raises(ModelFileError, match="lists 'weight_ih_l0' twice"):
        load_pytorch(len(text).to_bytes(8, "little") + text + bytes(32))
    with pytest.raises(ModelFileError, match="file holds 40"):
        load_pytorch(raw_safetensors({"weight_ih_l0": W}, bytes(40)))


@pytest.mark.parametrize("data,message", [
    (b"", "not an Unrolled model file .* nor a PyTorch state dict .*it is empty"),
    (b"<script>alert(1)</script>", "not an Unrolled model file .* nor a PyTorch state dict"),
    ((20).to_bytes(8, "little") + b"{" + b"\xff" * 19, "its header is not JSON text"),
    (b"PK\x03\x04 broken", "zip archive is damaged"),
])
def test_junk_is_refused_with_a_message(data, message):
    with pytest.raises(ModelFileError, match=message):
        load_any_model(data, "upload.safetensors")


def test_safetensors_itself_also_refuses_overlaps_and_short_files():
    """The second line of defence: the package's own checks, run after ours, refuse these too."""
    overlap = raw_safetensors({"a": W, "b": {**W, "data_offsets": [16, 48]}}, bytes(48))
    with pytest.raises(safetensors.SafetensorError):
        safetensors.numpy.load(overlap)
    with pytest.raises(safetensors.SafetensorError):
        safetensors.numpy.load(raw_safetensors({"a": W}, bytes(16)))


def test_file_size_limits_are_the_model_files(monkeypatch):
    monkeypatch.setattr(mf, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(ModelFileError, match="claims 160 bytes of tensors; the limit is 100 bytes"):
        load_pytorch(st_bytes({"weight_ih_l0": np.zeros((20, 1))}))
    monkeypatch.setattr(mf, "MAX_FILE_BYTES", 50)
    with pytest.raises(ModelFileError, match="limit"):
        load_pytorch(npz_bytes({"weight_ih_l0": np.zeros((20, 1))}))


def test_pytorch_stays_out_of_the_dependencies():
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = [line.split("#")[0].strip().lower() for line in (ROOT / name).read_text().splitlines()]
        assert not [line for line in lines if line.startswith("torch")], name
    assert "safetensors" in (ROOT / "requirements.txt").read_text()


def test_the_readmes_pytorch_module_is_the_one_the_parity_benchmark_checks():
    """The README's module cannot run here (no PyTorch); bench/parity.py runs the same lines against ours."""
    import re
    block = re.search(r"```py\n(from safetensors.torch.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    bench = {line.strip() for line in (ROOT / "bench" / "parity.py").read_text().splitlines()}
    class_lines = block[block.index("class Model"):].splitlines()
    assert len(class_lines) >= 10
    assert [line for line in class_lines if line.strip() and line.strip() not in bench] == []


def test_load_any_model_says_where_a_file_came_from_and_reads_streams(tmp_path):
    model = Recurrent("lstm", 2, 3, seed=2)
    save_model(tmp_path / "m.npz", model)
    save_pytorch(model, tmp_path / "m.safetensors")
    assert load_any_model(tmp_path / "m.npz").origin == "unrolled"
    assert load_any_model(tmp_path / "m.safetensors").origin == "pytorch"

    class Stream(io.RawIOBase):                                 # a pipe: readable, not seekable
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self.data.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

    with io.BufferedReader(Stream((tmp_path / "m.safetensors").read_bytes())) as f:
        assert not f.seekable()
        np.testing.assert_array_equal(load_pytorch(f).state_dict()["weight_hh_l0"], model.state_dict()["weight_hh_l0"])
