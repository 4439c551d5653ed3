"""The command line for character models: `train text --text-file`, `sample`; mistakes end in one line."""

import io

import numpy as np
import pytest

from rnn_core import text_model as tm
from rnn_core.cli import main
from rnn_core.corpus import structured_corpus
from rnn_core.model_file import load_model


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    text_file = folder / "brackets.txt"
    text_file.write_text(structured_corpus(n_chars=4000, seed=2), encoding="utf-8")
    path = folder / "model.npz"
    code, out, err = run("train", "text", "--text-file", text_file, "--cell", "gru", "--hidden", 16, "--steps", 30,
                         "--seed", 4, "--out", path, "--quiet")
    assert code == 0, err
    assert "GRU 16 hidden × 1" in out and "30 updates" in out and "bits per character" in out
    return path


def test_train_text_saves_a_character_model_with_its_characters_and_settings(model_file):
    loaded = load_model(model_file)
    assert loaded.vocab == sorted(set(structured_corpus(n_chars=4000, seed=2)))
    info = loaded.meta[tm.KIND]
    assert info["config"]["cell"] == "gru" and info["config"]["seed"] == 4 and info["steps"] == 30
    assert info["bits_per_char"] < np.log2(len(loaded.vocab))
    assert loaded.model.rnn.kind == "gru" and loaded.model.rnn.hidden_size == 16


def test_sample_prints_the_prime_then_what_the_model_writes_and_a_seed_reproduces_it(model_file):
    model, vocab, _ = tm.load_text_model(model_file)
    code, out, _ = run("sample", "--model", model_file, "--prime", "(the", "--length", 80, "--seed", 7)
    expected = tm.sample(model, vocab, "(the", 80, 1.0, None, 7).text
    assert code == 0 and out.rstrip("\n") == ("(the" + expected).rstrip("\n")
    assert run("sample", "--model", model_file, "--prime", "(the", "--length", 80, "--seed", 7)[1] == out
    _, only, _ = run("sample", "--model", model_file, "--prime", "(the", "--length", 80, "--seed", 7, "--no-prime")
    assert only.rstrip("\n") == expected.rstrip("\n")


def test_temperature_zero_is_greedy_and_top_k_is_passed_on(model_file):
    model, vocab, _ = tm.load_text_model(model_file)
    _, greedy, _ = run("sample", "--model", model_file, "--prime", "(", "--length", 50, "--temperature", 0,
                       "--no-prime", "--seed", 1)
    s = tm.sample(model, vocab, "(", 50, 0, None, 3)
    assert greedy.rstrip("\n") == s.text.rstrip("\n")
    _, topk, _ = run("sample", "--model", model_file, "--prime", "(", "--length", 50, "--temperature", 1.5,
                     "--top-k", 2, "--no-prime")
    assert topk.rstrip("\n") == tm.sample(model, vocab, "(", 50, 1.5, 2, 0).text.rstrip("\n")


def test_help_text_mentions_the_prime(capsys):
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    assert "the prime is included" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv, why", [
    (["sample", "--model", "{model}", "--prime", "(é"], "never saw"),
    (["sample", "--model", "{model}", "--length", "0"], "length"),
    (["sample", "--model", "{binary}"], "not an Unrolled model file"),
    (["sample", "--model", "{jazz}"], "not a character model"),
    (["train", "text", "--text-file", "{binary}", "--out", "{out}"], "UTF-8"),
    (["train", "text", "--text-file", "{short}", "--out", "{out}"], "at least"),
    (["train", "text", "--text-file", "{missing}", "--out", "{out}"], "No such file"),
    (["train", "text", "--corpus", "structured", "--hidden", "300", "--out", "{out}"], "--hidden"),
])
def test_mistakes_end_in_one_line_and_exit_2(model_file, tmp_path, argv, why):
    (tmp_path / "binary").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "short").write_text("(a)\n", encoding="utf-8")
    jazz = tmp_path / "jazz.npz"
    assert run("train", "jazz", "--steps", 5, "--out", jazz)[0] == 0
    paths = {"model": model_file, "binary": tmp_path / "binary", "short": tmp_path / "short", "jazz": jazz,
             "missing": tmp_path / "nope.txt", "out": tmp_path / "out.npz"}
    code, out, err = run(*[a.format(**paths) for a in argv])
    assert code == 2 and out == ""
    assert err.startswith("rnn_core: error: ") and why in err and err.count("\n") == 1, err
    assert not (tmp_path / "out.npz").exists()
