"""The command line: list, train, trace; every mistake a person can make ends in one line, not a traceback."""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_core.cli import main
from rnn_core.examples import EXAMPLES
from rnn_core.model_file import load_model

ROOT = Path(__file__).resolve().parents[1]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def jazz_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "jazz.npz"
    code, out, _ = run("train", "jazz", "--cell", "gru", "--seed", "1", "--out", str(path))
    assert code == 0, out
    return path


def test_examples_lists_every_example_on_one_line_each():
    code, out, _ = run("examples")
    lines = out.strip().splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines[:len(EXAMPLES)]] == list(EXAMPLES)
    assert {"text", "names", "series"} <= {line.split()[0] for line in lines}


def test_train_prints_the_result_and_saves_a_loadable_model(jazz_file):
    loaded = load_model(jazz_file)
    assert loaded.meta["example"] == "jazz" and loaded.meta["config"]["cell"] == "gru"
    assert loaded.meta["config"]["seed"] == 1 and loaded.vocab == ["J", "A", "Z", "<end>"]
    code, out, _ = run("train", "kennedy", "--steps", "40", "--hidden", "3", "--lr", "0.1", "--optimizer", "rmsprop",
                       "--clip", "0", "--out", str(jazz_file.parent / "k.npz"))
    assert code == 0
    assert "RNN" not in out and "LSTM 3 hidden" in out and "40 steps" in out and "final loss" in out
    meta = load_model(jazz_file.parent / "k.npz").meta
    assert meta["config"]["clip"] is None and meta["config"]["optimizer"] == "rmsprop" and meta["steps"] == 40


def test_trace_json_shows_every_step_of_jazz(jazz_file):
    code, out, _ = run("trace", "--model", str(jazz_file), "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert [s["input"] for s in doc["steps"]] == ["J", "A", "Z", "Z"]
    assert [s["predicted"] for s in doc["steps"]] == ["A", "Z", "Z", "<end>"]
    for s in doc["steps"]:
        assert len(s["output"]) == 4 and abs(sum(s["output"]) - 1) < 1e-9


def test_trace_numbers_are_the_models_own(jazz_file):
    loaded = load_model(jazz_file)
    data = EXAMPLES["jazz"].data()
    y = loaded.model.forward(data.x).y[:, 0]
    _, out, _ = run("trace", "--model", str(jazz_file), "--format", "json")
    np.testing.assert_array_equal(np.array([s["output"] for s in json.loads(out)["steps"]]), y)


def test_trace_typed_input_as_table_and_csv(jazz_file):
    code, out, _ = run("trace", "--model", str(jazz_file), "--input", "ZAJ")
    assert code == 0 and out.splitlines()[0].split()[:4] == ["seq", "step", "input", "predicted"]
    assert [line.split()[2] for line in out.splitlines()[1:]] == ["Z", "A", "J"]
    code, out, _ = run("trace", "--model", str(jazz_file), "--input", "JA", "--format", "csv")
    rows = out.strip().splitlines()
    assert rows[0] == "sequence,step,input,predicted,output" and rows[1].startswith("0,0,J,A,")


def test_trace_of_an_encoder_decoder_includes_attention(tmp_path):
    path = tmp_path / "casa.npz"
    assert run("train", "casa", "--out", str(path))[0] == 0
    code, out, _ = run("trace", "--model", str(path), "--input", "casa de papel", "--format", "json")
    doc = json.loads(out)
    assert [s["predicted"] for s in doc["steps"]] == ["paper", "house", "<end>"]
    assert doc["attention"]["source"] == ["casa", "de", "papel"]
    weights = np.array(doc["attention"]["weights"])
    assert weights.shape == (3, 3) and np.allclose(weights.sum(axis=1), 1)


def test_typed_sentence_keeps_its_full_stop_as_a_token(tmp_path):
    path = tmp_path / "casa.npz"
    assert run("train", "casa", "--out", str(path))[0] == 0
    code, out, _ = run("trace", "--model", str(path), "--input", "casa de papel.", "--format", "json")
    assert code == 0 and json.loads(out)["attention"]["source"] == ["casa", "de", "papel"]
    code, _, err = run("trace", "--model", str(path), "--input", "casa <b>azul</b>")
    assert code == 2 and "unknown word(s)" in err and "azul" in err and "known words: casa de papel" in err


def test_own_data_from_the_command_line(tmp_path):
    code, out, _ = run("train", "names", "--text", "Ada met Alan", "--labels", "1 0 1",
                       "--out", str(tmp_path / "n.npz"))
    assert code == 0 and "learned" in out
    code, out, _ = run("trace", "--model", str(tmp_path / "n.npz"), "--format", "json")
    assert [s["predicted"] for s in json.loads(out)["steps"]] == ["name", "not name", "name"]
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("t,v\n" + "\n".join(f"{i},{np.sin(i / 2):.4f}" for i in range(80)))
    code, out, _ = run("train", "series", "--csv", str(csv_path), "--column", "v", "--steps", "30",
                       "--out", str(tmp_path / "s.npz"))
    assert code == 0 and "saved" in out


@pytest.mark.parametrize("argv,message", [
    (["train", "nope", "--out", "x.npz"], "no example called 'nope'"),
    (["train", "jazz"], "required: --out"),
    (["train", "jazz", "--cell", "transformer", "--out", "x"], "invalid choice"),
    (["train", "jazz", "--hidden", "0", "--out", "x"], "--hidden must be from 1"),
    (["train", "jazz", "--lr", "nan", "--out", "x"], "--lr must be"),
    (["train", "text", "--out", "x"], "must be text"),
    (["train", "names", "--text", "a b", "--labels", "1", "--out", "x"], "2 words but 1 labels"),
    (["train", "series", "--csv", "/no/such.csv", "--out", "x"], "No such file"),
    (["trace", "--model", "/no/such.npz"], "No such file"),
    (["frobnicate"], "invalid choice"),
])
def test_mistakes_give_one_line_and_a_nonzero_exit(argv, message):
    code, out, err = run(*argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_bad_text_and_bad_files_in_trace(jazz_file, tmp_path):
    code, _, err = run("trace", "--model", str(jazz_file), "--input", "JAQ")
    assert code == 2 and "'Q' not in this model's alphabet" in err
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"<script>alert(1)</script>")
    code, _, err = run("trace", "--model", str(junk))
    assert code == 2 and "not an Unrolled model file" in err and len(err.splitlines()) == 1


def test_module_entry_point_runs_in_a_fresh_process():
    proc = subprocess.run([sys.executable, "-m", "rnn_core", "train", "jazz"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("rnn_core: error:") and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "rnn_core", "examples"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("jazz")


# ---------------------------------------------------------------------- every typed token is fed
@pytest.fixture(scope="module")
def namaskar_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "namaskar.npz"
    code, out, _ = run("train", "namaskar", "--out", str(path))
    assert code == 0 and "outcome: learned" in out, out
    return path


def test_trace_feeds_every_typed_letter_and_predicts_after_the_last(namaskar_file):
    code, out, _ = run("trace", "--model", str(namaskar_file), "--input", "namaska", "--format", "json")
    steps = json.loads(out)["steps"]
    assert code == 0 and [s["input"] for s in steps] == list("namaska")
    assert "".join(s["predicted"] for s in steps) == "amaskar"            # the eighth letter, r, after the seventh
    model = load_model(namaskar_file).model
    y = model.forward(EXAMPLES["namaskar"].data().x).y[:, 0]              # the same seven letters, fed by hand
    np.testing.assert_array_equal(np.array([s["output"] for s in steps]), y)
    _, table, _ = run("trace", "--model", str(namaskar_file), "--input", "namaska")
    assert [line.split()[2:4] for line in table.splitlines()[1:]][-1] == ["a", "r"] and len(table.splitlines()) == 8
    _, rows, _ = run("trace", "--model", str(namaskar_file), "--input", "nam", "--format", "csv")
    assert [r.split(",")[2] for r in rows.strip().splitlines()[1:]] == ["n", "a", "m"]


def test_trace_feeds_every_typed_number(tmp_path):
    path = tmp_path / "sine.npz"
    assert run("train", "sine", "--steps", "5", "--out", str(path))[0] == 0
    code, out, _ = run("trace", "--model", str(path), "--input", "0.1, 0.5, 0.9", "--format", "json")
    steps = json.loads(out)["steps"]
    assert code == 0 and [s["input"] for s in steps] == ["0.1", "0.5", "0.9"]
    y = load_model(path).model.forward(np.array([0.1, 0.5, 0.9])[:, None, None]).y[:, 0]
    np.testing.assert_array_equal(np.array([s["output"] for s in steps]), y)


# ---------------------------------------------------------------------- evaluate
def test_evaluate_prints_the_outcome_line_train_printed(tmp_path):
    path = tmp_path / "casa.npz"
    _, trained, _ = run("train", "casa", "--out", str(path))
    code, out, _ = run("evaluate", "--model", str(path))
    outcome = next(line for line in trained.splitlines() if line.startswith("outcome:"))
    assert code == 0 and out.splitlines()[1] == outcome and "token accuracy" in out.splitlines()[0]
    code, out, _ = run("evaluate", "--model", str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["learned"] is True and doc["score"] == 1.0 and doc["example"] == "casa"


def test_evaluate_says_when_a_model_has_not_learned(tmp_path):
    path = tmp_path / "memory.npz"
    assert run("train", "memory", "--steps", "10", "--out", str(path))[0] == 0    # far too short to remember
    code, out, _ = run("evaluate", "--model", str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["learned"] is False and doc["measure"] == "recall on 512 new sequences"
    assert isinstance(doc["score"], float) and doc["score"] < 0.6 and "after 20 distractors" in doc["details"][0]


def test_every_example_says_what_its_score_measures():
    from rnn_core.cli import MEASURES, OWN
    assert set(MEASURES) == set(EXAMPLES) | set(OWN)


# ---------------------------------------------------------------------- PyTorch files: trace --csv, convert
def pytorch_gru_file(path):
    """A GRU (3 inputs, 4 hidden) with an nn.Linear head called fc, written as PyTorch names its weights."""
    from safetensors.numpy import save_file

    from rnn_core import SequenceModel
    model = SequenceModel("gru", 3, 4, 2, num_layers=2, seed=11)
    state = {("fc." + k[5:] if k.startswith("head.") else "gru." + k[4:]): v for k, v in model.state_dict().items()}
    save_file(state, path)
    return model


def test_trace_a_pytorch_file_on_a_csv_of_inputs(tmp_path):
    model = pytorch_gru_file(tmp_path / "gru.safetensors")
    (tmp_path / "in.csv").write_text("sequence,a,b,c\nlong,1,0,0.5\nshort,0,1,0\nlong,0,0,1\nlong,0.25,1,0\n")
    code, out, _ = run("trace", "--model", str(tmp_path / "gru.safetensors"), "--csv", str(tmp_path / "in.csv"),
                       "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["columns"] == ["a", "b", "c"] and doc["model"]["rnn"]["kind"] == "gru"
    assert [(s["sequence"], s["step"], s["input"]) for s in doc["steps"]] == [
        ("long", 0, "1 0 0.5"), ("long", 1, "0 0 1"), ("long", 2, "0.25 1 0"), ("short", 0, "0 1 0")]
    x = np.zeros((3, 2, 3))
    x[:, 0] = [[1, 0, 0.5], [0, 0, 1], [0.25, 1, 0]]
    x[0, 1] = [0, 1, 0]
    y = model.forward(x, np.array([3, 1])).y
    np.testing.assert_array_equal(np.array([s["output"] for s in doc["steps"]]), [y[0, 0], y[1, 0], y[2, 0], y[0, 1]])
    assert doc["steps"][0]["predicted"] == f"class {int(y[0, 0].argmax())}"
    code, out, _ = run("trace", "--model", str(tmp_path / "gru.safetensors"), "--csv", str(tmp_path / "in.csv"),
                       "--head", "sigmoid")
    assert code == 0 and out.splitlines()[0].split()[:4] == ["seq", "step", "input", "predicted"]


def test_a_bare_recurrent_module_traces_its_hidden_state(tmp_path):
    from safetensors.numpy import save_file

    from rnn_core import Recurrent
    lstm = Recurrent("lstm", 2, 3, seed=1)
    save_file(lstm.state_dict(), tmp_path / "lstm.safetensors")
    (tmp_path / "in.csv").write_text("0.5,-1\n1,0\n")                    # no header: one sequence, columns x0, x1
    code, out, _ = run("trace", "--model", str(tmp_path / "lstm.safetensors"), "--csv", str(tmp_path / "in.csv"),
                       "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["columns"] == ["x0", "x1"] and doc["output"].startswith("hidden state")
    np.testing.assert_array_equal([s["output"] for s in doc["steps"]],
                                  lstm.forward(np.array([[[0.5, -1]], [[1, 0]]])).output[:, 0])


@pytest.mark.parametrize("text,message", [
    ("a,b\n1,2\n", "the CSV has 2 input column(s) (a, b); the model takes 3 input(s) per step"),
    ("a,b,c\n1,2,x\n", "row 2, column 'c' of the CSV is 'x', not a finite number"),
    ("a,b,c\n1,2,nan\n", "not a finite number"),
    ("a,b,c\n1,2\n", "row 2 of the CSV has 2 cells; the header has 3"),
    ("sequence\nq\n", "no input column besides 'sequence'"),
    ("a,b,c\n", "a header but no rows"),
])
def test_a_csv_that_does_not_fit_gets_one_line(tmp_path, text, message):
    pytorch_gru_file(tmp_path / "gru.safetensors")
    (tmp_path / "in.csv").write_text(text)
    code, out, err = run("trace", "--model", str(tmp_path / "gru.safetensors"), "--csv", str(tmp_path / "in.csv"))
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1


def test_a_pytorch_file_without_an_example_asks_for_a_csv(tmp_path):
    pytorch_gru_file(tmp_path / "gru.safetensors")
    code, _, err = run("trace", "--model", str(tmp_path / "gru.safetensors"))
    assert code == 2 and "names no example: trace it with --csv" in err


def test_convert_npz_to_safetensors_and_back_gives_the_same_file(jazz_file, tmp_path):
    st, back = tmp_path / "jazz.safetensors", tmp_path / "back.npz"
    assert run("convert", str(jazz_file), str(st))[0] == 0
    assert run("convert", str(st), str(back))[0] == 0
    assert back.read_bytes() == jazz_file.read_bytes()                   # vocabulary and notes included
    _, a, _ = run("trace", "--model", str(st), "--format", "json")
    _, b, _ = run("trace", "--model", str(jazz_file), "--format", "json")
    assert a == b


def test_convert_keeps_what_a_pytorch_file_cannot_say(tmp_path):
    model = pytorch_gru_file(tmp_path / "gru.safetensors")
    code, out, _ = run("convert", str(tmp_path / "gru.safetensors"), str(tmp_path / "gru.npz"), "--head", "identity")
    loaded = load_model(tmp_path / "gru.npz")
    assert code == 0 and "gru.safetensors → gru.npz" in out and loaded.model.head.activation == "identity"
    np.testing.assert_array_equal(loaded.model.state_dict()["rnn.weight_hh_l1"], model.state_dict()["rnn.weight_hh_l1"])


@pytest.mark.parametrize("argv,message", [
    (["convert", "a.npz", "b.pt"], "OUT must end in .npz or .safetensors, not 'b.pt'"),
    (["convert", "/no/such.npz", "b.safetensors"], "No such file"),
    (["evaluate", "--model", "/no/such.npz"], "No such file"),
    (["evaluate", "--model", "x.npz", "--format", "yaml"], "invalid choice"),
    (["trace", "--model", "x.npz", "--input", "a", "--csv", "b.csv"], None),
])
def test_mistakes_with_the_new_commands_give_one_line(argv, message, tmp_path):
    code, out, err = run(*argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert message is None or message in err


def test_memory_distance_sets_the_task_and_trace_follows_it(tmp_path):
    path = tmp_path / "memory.npz"
    code, out, _ = run("train", "memory", "--distance", "3", "--steps", "5", "--hidden", "4", "--out", str(path))
    assert code == 0 and "after 3 distractors" in out
    code, out, _ = run("trace", "--model", str(path), "--format", "json")
    steps = json.loads(out)["steps"]
    assert max(s["step"] for s in steps) == 3 + 1                        # symbol, 3 distractors, question
    code, _, err = run("train", "kennedy", "--distance", "3", "--out", str(tmp_path / "k.npz"))
    assert code == 2 and "--distance is for the memory example" in err
