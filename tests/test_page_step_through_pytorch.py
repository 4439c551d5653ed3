"""Step through "your PyTorch model": a state dict written here by hand (PyTorch's key names on NumPy arrays, as
``safetensors.torch.save_file(model.state_dict())`` writes them), fed a CSV of inputs or an example whose sizes
match, and sent to the stepper with every number the engine records. Expected values come from the engine's
public API on the model the file was made from, never from the page's code."""

import json

import numpy as np
import pandas as pd
import pytest
import safetensors.numpy

from apptest import page, texts
from rnn_core import Recurrent, SequenceModel
from rnn_core.examples import EXAMPLES


def pytorch_file(model, rnn="lstm.", head="fc."):
    """A model's weights under PyTorch's names: a module with attributes ``lstm`` and ``fc`` (or a bare layer)."""
    if isinstance(model, Recurrent):
        return safetensors.numpy.save({rnn + k: v for k, v in model.state_dict().items()})
    return safetensors.numpy.save({(head + k[5:] if k.startswith("head.") else rnn + k[4:]): v
                                   for k, v in model.state_dict().items()})


def start(**state):
    at = page("step_through", source="pytorch", **state).run()
    assert not at.exception, at.exception
    return at


def upload(at, key, name, raw):
    at.file_uploader(key=key).upload(name, raw)
    at.run()
    assert not at.exception, at.exception
    return at


def payload(at):
    elements = at.get("bidi_component")
    assert len(elements) == 1, f"no stepper; errors: {[e.value for e in at.error]}"
    return json.loads(elements[0].proto.json)


def url(at):
    return "&".join(f"{k}={v[0] if isinstance(v, list) else v}" for k, v in at.query_params.items())


def errors(at):
    return " ".join(e.value for e in at.error).replace("\\", "")


def test_before_an_upload_the_page_says_what_to_upload_and_how_to_save_it():
    at = start()
    assert "Upload the weights of a PyTorch model" in texts(at)
    assert any("safetensors.torch.save_file(model.state_dict()" in c.value for c in at.code)
    assert not at.get("bidi_component") and not at.error


def test_an_lstm_fed_jazz_sends_every_step_as_the_engine_records_it():
    mine = SequenceModel("lstm", 4, 6, 4, seed=3)                    # JAZZ's sizes: 4 letters in, 4 out
    at = upload(start(), "pt_upload", "jazz_lstm.safetensors", pytorch_file(mine))
    at.selectbox(key="pt_inputs").set_value("jazz").run()
    p = payload(at)
    data = EXAMPLES["jazz"].data()
    rec = mine.forward(data.x, data.lengths)
    mine.loss(rec, data.y)
    layer = rec.rnn.layers[0]
    assert p["kind"] == "lstm" and p["tokens"] == ["J", "A", "Z", "Z"] and p["targets"] is True
    assert p["steps"]["target"] == ["A", "Z", "Z", "end"]
    for t in range(4):
        assert np.array_equal(p["steps"]["h"][t], layer.hidden[t, 0])
        assert np.array_equal(p["steps"]["c"][t], layer.cell[t, 0])
        assert np.array_equal(p["steps"]["gate"]["f"][t], layer.gate("f")[t, 0])
        assert np.array_equal(p["steps"]["y"][t], rec.head.y[t, 0])
        assert p["steps"]["loss"][t] == rec.head.step_loss[t, 0]
    assert "jazz\\_lstm\\.safetensors" in texts(at) and "LSTM, 1 layer of 6 units" in texts(at)


def test_a_file_whose_sizes_do_not_match_the_example_is_refused_naming_both_sizes():
    mine = SequenceModel("gru", 4, 5, 4, seed=0)
    at = upload(start(pt_inputs="kennedy"), "pt_upload", "m.safetensors", pytorch_file(mine))
    said = errors(at)
    assert "the model takes 4 inputs and gives 4 outputs" in said and "Kennedy has 8 inputs and 1 output" in said
    assert not at.get("bidi_component")
    at.selectbox(key="pt_inputs").set_value("home").run()            # the same file, an example that fits
    assert not at.error and payload(at)["tokens"] == ["H", "O", "M"]


CSV = b"sequence,u,v,target\nfirst,1,0,2\nfirst,0,1,0\nfirst,0.5,0.5,1\nsecond,-1,2,1\n"


def test_a_csv_with_sequences_and_targets_steps_through_each_sequence_with_its_loss_and_gradients():
    mine = SequenceModel("rnn", 2, 3, 3, seed=5)
    at = upload(start(), "pt_upload", "rnn.safetensors", pytorch_file(mine, rnn="rnn.", head="head."))
    at = upload(at, "pt_csv_upload", "inputs.csv", CSV)
    x = np.zeros((3, 2, 2))
    x[:, 0] = [[1, 0], [0, 1], [0.5, 0.5]]
    x[0, 1] = [-1, 2]
    target = np.array([[2, 1], [0, 0], [1, 0]])
    rec = mine.forward(x, np.array([3, 1]))
    mine.loss(rec, target)
    p = payload(at)
    assert p["tokens"] == ["1 0", "0 1", "0.5 0.5"] and p["T"] == 3
    assert p["steps"]["target"] == ["class 2", "class 0", "class 1"]
    assert p["steps"]["loss"] == rec.head.step_loss[:3, 0].tolist()
    assert np.array_equal(p["steps"]["h"], rec.rnn.layers[0].hidden[:3, 0])
    at.selectbox(key="seq").set_value(1).run()                       # the second sequence, one step
    p = payload(at)
    assert p["tokens"] == ["-1 2"] and p["steps"]["loss"] == [rec.head.step_loss[0, 1]]
    assert [o.label for o in at.selectbox if o.key == "seq"] == ["Sequence"]
    assert "gradients included" in texts(at)


def test_a_csv_without_targets_shows_the_predictions_and_says_there_is_no_loss():
    mine = SequenceModel("gru", 2, 4, 2, head="sigmoid", seed=1)
    at = upload(start(pt_head="sigmoid"), "pt_upload", "gru.safetensors", pytorch_file(mine))
    at = upload(at, "pt_csv_upload", "x.csv", b"0.1,0.9\n0.8,-0.3\n")
    p = payload(at)
    y = mine.forward(np.array([[[0.1, 0.9]], [[0.8, -0.3]]])).y
    assert p["targets"] is False and "loss" not in p["steps"] and "target" not in p["steps"]
    assert np.array_equal(p["steps"]["y"], y[:, 0])
    assert p["steps"]["prediction"] == [" ".join("1" if v > 0.5 else "0" for v in y[t, 0]) for t in range(2)]
    assert "No targets, so no loss" in texts(at)


def test_a_bare_recurrent_layer_with_a_prefix_steps_through_every_layer_without_a_head():
    mine = Recurrent("gru", 3, 5, num_layers=2, seed=1)
    at = upload(start(), "pt_upload", "encoder.safetensors", pytorch_file(mine, rnn="encoder."))
    at = upload(at, "pt_csv_upload", "x.csv", b"a,b,c\n0.1,0.2,0.3\n1,2,3\n")
    rec = mine.forward(np.array([[[0.1, 0.2, 0.3]], [[1.0, 2.0, 3.0]]]))
    assert payload(at)["top"] is False and "no head" in texts(at)
    at.segmented_control(key="layer").set_value(2).run()
    p = payload(at)
    assert p["layer"] == 2 and p["top"] is False
    assert np.array_equal(p["steps"]["h"], rec.layers[1].hidden[:, 0])


@pytest.mark.parametrize("csv, message", [
    (b"a,b\n1,2\n", "the CSV has 2 input column(s) (a, b); the model takes 3 input(s) per step"),
    (b"a,b,c\n1,x,2\n", "row 2, column 'b' of the CSV is 'x', not a finite number"),
    (b"a,b,c,target\n1,2,3,7\n", "class indices from 0 to 1"),
    (bytes([0xFF, 0xFE, 0x00, 0x01]), "not plain text"),
])
def test_bad_inputs_get_a_message_and_the_model_stays(csv, message):
    mine = SequenceModel("lstm", 3, 2, 2, seed=0)
    at = upload(start(), "pt_upload", "m.safetensors", pytorch_file(mine))
    at = upload(at, "pt_csv_upload", "bad.csv", csv)
    assert message in errors(at)
    at = upload(at, "pt_csv_upload", "good.csv", b"1,2,3\n")            # the model is still there
    assert not at.error and payload(at)["T"] == 1


@pytest.mark.parametrize("name, raw, message", [
    ("broken.safetensors", b"not a model at all" * 4, "nor a PyTorch state dict"),
    ("model.pt", b"\x80\x02" + b"pickled" * 10, "never unpickles"),
    ("big.safetensors", None, "Step through draws at most 32 units"),
])
def test_bad_model_files_get_a_message(name, raw, message):
    if raw is None:
        raw = pytorch_file(Recurrent("rnn", 2, 40, seed=0))
    at = upload(start(), "pt_upload", name, raw)
    assert message in errors(at) and not at.get("bidi_component")


def test_the_link_keeps_the_choice_and_the_examples_come_back_as_they_were():
    at = page("step_through", example="kennedy", cell="gru").run()
    at.segmented_control(key="source").set_value("pytorch").run()
    assert not at.exception and "source=pytorch" in url(at)
    assert "Upload the weights of a PyTorch model" in texts(at)
    at.segmented_control(key="source").set_value("examples").run()
    p = payload(at)
    assert p["kind"] == "gru" and p["tokens"][0] == "Among"


def test_the_record_download_has_the_gradients_of_the_uploaded_model():
    mine = SequenceModel("lstm", 4, 3, 4, seed=2)
    at = upload(start(pt_inputs="home"), "pt_upload", "m.safetensors", pytorch_file(mine))
    data = EXAMPLES["home"].data()
    rec = mine.forward(data.x, data.lengths)
    mine.loss(rec, data.y)
    mine.backward(rec)
    button = next(d for d in at.get("download_button") if "whole record" in d.proto.label)
    assert button.proto.label == "Download the whole record (CSV)"
    table = pd.DataFrame(rec.rnn.to_columns())
    assert (table["quantity"] == "d_hidden").any()
    assert f"{len(table):,} recorded values" in texts(at)


def test_a_trained_model_downloaded_for_pytorch_comes_back_with_the_same_numbers():
    course = page("step_through", cell="gru", weights="trained").run()
    labels = [d.proto.label for d in course.get("download_button")]
    assert "Download the model (.npz)" in labels and "Download for PyTorch (.safetensors)" in labels
    from ui.stepper import model_files  # the bytes the button offers
    raw = model_files("jazz", "Unrolled", "gru", 8, 1, 0, "trained")[1]
    assert set(safetensors.numpy.load(raw)) >= {"rnn.weight_ih_l0", "head.weight"}
    mine = upload(start(pt_inputs="jazz"), "pt_upload", "jazz_gru.safetensors", raw)
    theirs, ours = payload(course)["steps"], payload(mine)["steps"]
    for q in ("h", "y", "loss", "prediction", "target"):
        assert ours[q] == theirs[q], q
    assert theirs["prediction"] == theirs["target"]                   # the trained JAZZ network, all right
