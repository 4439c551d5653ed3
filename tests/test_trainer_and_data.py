"""The trainer (slices, history, divergence, resume) and the encoders of people's own input."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnn_core.data import InputError, PairData, char_task, labelled_words_task, series_task
from rnn_core.examples import EXAMPLES, kennedy
from rnn_core.model import SequenceModel
from rnn_core.trainer import TrainConfig, Trainer


def kennedy_trainer(**changes):
    config = EXAMPLES["kennedy"].defaults.replace(**changes)
    data = kennedy()
    return Trainer(EXAMPLES["kennedy"].build_model(config, data), data, config), data


def test_same_seed_same_run_and_slices_add_up():
    a, _ = kennedy_trainer(cell="gru", seed=3, steps=30)
    b, _ = kennedy_trainer(cell="gru", seed=3, steps=30)
    a.run()
    for _ in range(6):
        b.run(steps=5)                                   # the live page trains a slice per tick
    assert a.step == b.step == 30
    assert [r["loss"] for r in a.history] == [r["loss"] for r in b.history]
    for name, w in a.model.parameters().items():
        np.testing.assert_array_equal(w, b.model.parameters()[name])
    c, _ = kennedy_trainer(cell="gru", seed=4, steps=30)
    c.run()
    assert c.history[-1]["loss"] != a.history[-1]["loss"]


def test_history_is_a_table_with_per_parameter_gradient_norms():
    trainer, _ = kennedy_trainer(steps=10, clip=0.01)
    seen = []
    trainer.callbacks.append(lambda tr, row: seen.append(row["step"]))
    trainer.run()
    frame = pd.DataFrame(trainer.history)
    assert seen == list(range(1, 11)) and len(frame) == 10
    assert {"loss", "accuracy", "grad_norm", "grad_norm_clipped", "lr", "time",
            "grad_norm/rnn.weight_hh_l0", "grad_norm_clipped/head.weight"} <= set(frame.columns)
    assert np.all(frame["grad_norm_clipped"] <= 0.01 + 1e-12) and np.all(frame["grad_norm"] > 0.01)
    per = frame[[c for c in frame.columns if c.startswith("grad_norm/")]].to_numpy()
    np.testing.assert_allclose(np.sqrt((per ** 2).sum(axis=1)), frame["grad_norm"], rtol=1e-12)
    assert frame["time"].is_monotonic_increasing
    assert trainer.history_columns()["step"] == list(range(1, 11))


def test_loss_falls_on_kennedy():
    trainer, _ = kennedy_trainer(steps=150)
    trainer.run()
    assert trainer.history[-1]["loss"] < 0.05 * trainer.history[0]["loss"]
    assert trainer.history[-1]["accuracy"] == 1.0


def test_divergence_stops_explains_and_keeps_the_last_good_weights():
    example = EXAMPLES["sine"]
    config = example.defaults.replace(cell="rnn", nonlinearity="relu", optimizer="sgd", lr=1.0, clip=None, steps=50,
                                      recurrent_scale=3.0)
    data = example.data()
    trainer = Trainer(example.build_model(config, data), data, config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # overflow is handled, not sprayed as warnings
        trainer.run()
    assert trainer.stopped is not None and trainer.step < 50
    assert "lower the learning rate" in trainer.stopped and "gradient clipping" in trainer.stopped
    weights = trainer.model.parameters()
    assert all(np.all(np.isfinite(w)) for w in weights.values())
    np.testing.assert_array_equal(weights["rnn.weight_hh_l0"], trainer.last_good["rnn.weight_hh_l0"])
    assert np.isfinite(data.run(trainer.model).loss)
    before = trainer.step
    assert trainer.run(steps=5) == []                   # stays stopped until resumed
    trainer.resume(lr=0.05, optimizer="adam", clip=5.0)
    trainer.run(steps=5)
    assert trainer.stopped is None and trainer.step == before + 5


def jazz_blow_up(seed):
    """The page's explosion scenario: JAZZ, vanilla RNN, ReLU, SGD, learning rate 50, clipping off."""
    example = EXAMPLES["jazz"]
    config = example.defaults.replace(cell="rnn", nonlinearity="relu", optimizer="sgd", lr=50.0, clip=None,
                                      steps=300, seed=seed)
    data = example.data()
    return Trainer(example.build_model(config, data), data, config), data


@pytest.mark.parametrize("seed", [0, 3])
def test_restore_goes_back_to_before_the_blow_up_and_training_goes_on(seed):
    trainer, data = jazz_blow_up(seed)
    trainer.run()
    assert trainer.stopped is not None                   # NaN after a climb through 1e3 … 1e150
    losses = [row["loss"] for row in trainer.history]
    assert max(losses) > 1e100
    # the weights kept are from before the climb: their loss is the untrained one's, not 1e150
    good = data.run(trainer.model).loss
    assert good <= 10 * min(losses) and good < 3
    assert f"after update {trainer.last_good_step}" in trainer.stopped
    dropped = trainer.restore(lr=5.0)
    assert dropped == len(losses) - trainer.last_good_step and trainer.step == len(trainer.history)
    trainer.run()
    assert trainer.stopped is None and trainer.done
    assert all(np.isfinite(row["loss"]) for row in trainer.history)
    assert trainer.history[-1]["loss"] < trainer.history[0]["loss"]        # and it learns something


@pytest.mark.parametrize("seed", [0, 1])
def test_last_good_weights_are_the_last_before_the_loss_climbed(seed):
    example = EXAMPLES["sine"]
    config = example.defaults.replace(cell="rnn", nonlinearity="relu", steps=400, seed=seed)
    data = example.data()
    trainer = Trainer(example.build_model(config, data), data, config)
    trainer.run(steps=40)                                # learns for a while with Adam
    learned = trainer.history[-1]["loss"]
    trainer.resume(optimizer="sgd", lr=50.0, clip=None)
    trainer.run()
    assert trainer.stopped is not None
    assert trainer.last_good_step >= 40                  # not the initial weights: the last ones before the climb
    assert trainer.last_good_loss <= 2 * learned
    trainer.restore(optimizer="adam", lr=0.01)
    assert trainer.step == trainer.last_good_step == len(trainer.history)
    np.testing.assert_allclose(data.run(trainer.model).loss, trainer.last_good_loss, rtol=1e-9)
    trainer.run(steps=20)
    assert trainer.stopped is None and trainer.history[-1]["loss"] < 2 * learned


def test_time_budget_and_minibatches():
    config = TrainConfig(cell="rnn", hidden=4, steps=10_000, batch_size=2)
    data = EXAMPLES["sentiment"].data()
    trainer = Trainer(EXAMPLES["sentiment"].build_model(config, data), data, config)
    rows = trainer.run(seconds=0.05)
    assert 1 <= len(rows) < 10_000


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="unknown setting"):
        TrainConfig().replace(learning_rate=1)


# ---------------------------------------------------------------------- own input
def test_char_task_targets_are_the_next_letters():
    data = char_task("hello")
    assert data.input_vocab == ["h", "e", "l", "o", "<end>"]
    assert [data.input_vocab[i] for i in data.y[:, 0]] == ["e", "l", "l", "o", "<end>"]
    assert data.x.shape == (5, 1, 5) and data.x[2, 0].tolist() == [0, 0, 1, 0, 0]


@pytest.mark.parametrize("text,message", [
    ("", "empty"), ("   ", "empty"), ("x" * 401, "limit is 400"), ("ab\x00c", "cannot be shown"),
])
def test_bad_text_gets_a_clear_message(text, message):
    with pytest.raises(InputError, match=message):
        char_task(text)


def test_text_outside_a_models_alphabet_is_refused():
    with pytest.raises(InputError, match=r"'Q' not in this model's alphabet \(J A Z\)"):
        char_task("JAQ", ["J", "A", "Z", "<end>"])


def test_script_tags_are_just_letters():
    data = char_task("<script>alert(1)</script>")
    assert "".join(data.tokens[0]) == "<script>alert(1)</script>"


def test_labelled_words():
    data = labelled_words_task("Among the presidents of America, Kennedy stands apart.", "00001100")
    assert data.tokens[0][4:6] == ["America", "Kennedy"] and data.y[:, 0, 0].tolist() == [0, 0, 0, 0, 1, 1, 0, 0]
    with pytest.raises(InputError, match="8 words but 3 labels"):
        labelled_words_task("Among the presidents of America, Kennedy stands apart.", "0 1 0")
    with pytest.raises(InputError, match="0 or 1"):
        labelled_words_task("a b", "0 2")


def test_series_from_csv():
    rows = "\n".join(f"{i},{np.sin(i / 3):.5f}" for i in range(60))
    data = series_task("day,price\n" + rows, "price")
    assert data.x.shape[2] == 1 and data.meta["scale"] > 0
    v = (np.array([float(r.split(",")[1]) for r in rows.splitlines()]) - data.meta["shift"]) / data.meta["scale"]
    np.testing.assert_allclose(data.x[:, 0, 0], v[:data.x.shape[0]])
    np.testing.assert_allclose(data.y[:, 0, 0], v[1:data.x.shape[0] + 1])
    for csv_text, column, message in [("", None, "empty"), ("a,b\n1,2\n", "c", "no column named 'c'"),
                                      ("x\n" + "1\n" * 20, None, "the same"), ("x\n1\n2\n", None, "at least 10"),
                                      ("x\n" + "1\n" * 12 + "oops\n", "x", "not a number")]:
        with pytest.raises(InputError, match=message):
            series_task(csv_text, column)


def test_a_binary_file_as_csv_gets_a_plain_message():
    """Decoded as the page decodes an upload (UTF-8, undecodable bytes replaced)."""
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4
    xlsx = b"PK\x03\x04\x14\0\x06\0" + bytes(range(128, 256)) * 8             # a spreadsheet is a zip
    utf16 = "day,value\n1,2\n2,3\n".encode("utf-16")
    for raw in (png, xlsx, utf16):
        with pytest.raises(InputError) as err:
            series_task(raw.decode("utf-8", errors="replace"))
        assert "not plain text" in str(err.value) and "save the data as CSV" in str(err.value)
        assert "NUL" not in str(err.value) and "line contains" not in str(err.value)   # not the csv module's words
    with pytest.raises(InputError, match="could not be read as CSV"):
        series_task("x\n" + "1\n" * 12 + "a" * 200_000 + "\n")                  # one field past csv's limit
    text = "jour,température\n" + "".join(f"{i},{i % 7}\n" for i in range(20))          # real text still reads
    assert series_task(text).output_labels == ["température"]


def test_pair_data_refuses_unknown_words():
    data = PairData.from_pairs([(["casa", "de", "papel"], ["paper", "house"])])
    assert data.target_vocab[:2] == ["<s>", "<end>"]
    assert data.target[:, 0].tolist() == [2, 3, 1]                      # paper house <end>
    assert data.decoder_input[:, 0].argmax(-1).tolist() == [0, 2, 3]    # <s> paper house
    with pytest.raises(InputError, match="unknown word"):
        PairData.from_pairs([(["casa", "azul"], [])], data.source_vocab, data.target_vocab)


def test_model_that_has_not_learned_is_not_called_learned():
    """The outcome checks must be able to say no."""
    for key in ("jazz", "kennedy", "namaskar", "xor"):
        example = EXAMPLES[key]
        data = example.data()
        model = example.build_model(example.defaults, data)
        assert not example.learned(model, data).ok, key
    assert isinstance(model, SequenceModel)
