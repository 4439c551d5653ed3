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


def test_memory_distance_sets_the_task_and_trace_follows_it(tmp_path):
    path = tmp_path / "memory.npz"
    code, out, _ = run("train", "memory", "--distance", "3", "--steps", "5", "--hidden", "4", "--out", str(path))
    assert code == 0 and "after 3 distractors" in out
    code, out, _ = run("trace", "--model", str(path), "--format", "json")
    steps = json.loads(out)["steps"]
    assert max(s["step"] for s in steps) == 3 + 1                        # symbol, 3 distractors, question
    code, _, err = run("train", "kennedy", "--distance", "3", "--out", str(tmp_path / "k.npz"))
    assert code == 2 and "--distance is for the memory example" in err
