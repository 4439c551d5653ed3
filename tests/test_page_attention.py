"""The attention page as a session runs it: opens trained from the shipped model, the map and the decoder show the
engine's numbers, Previous / Next / Play / the slider step the decoder, every control, your own sentence (bad input
gets a message, never an exception), casa de papel, live training of another setting, downloads, the link.

AppTest does not drive ``run_every`` timers: each ``at.run()`` is one more poll of a training in the worker.
"""

import numpy as np
import pytest

from apptest import array, attention_seed_run, button, charts_by_id, page, shows_training, texts, wait_for_trainings
from rnn_core import attention_study as study
from rnn_core.examples import ATTENTION_EN, ATTENTION_FR, EXAMPLES
from rnn_core.model_file import load_model

EN = ATTENTION_EN.split()


def start(**state):
    at = page("attention", **state).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def shipped_record():
    """The default model's greedy run on the seed sentence, from the model file and the engine alone."""
    return attention_seed_run()


def chart(at, name):
    """The figure of the chart with key ``name`` (AppTest keeps the key in the element's id)."""
    (found,) = [c for id_, c in charts_by_id(at).items() if name in id_]
    return found


def test_opens_trained_from_the_shipped_model_with_the_engines_map(shipped_record):
    written, rec = shipped_record
    at = start()
    assert "loaded from the shipped model file" in texts(at)
    assert " ".join(ATTENTION_FR.split()).replace(".", r"\.") in texts(at)      # the translation, as written
    heat = chart(at, "att-map")["data"][0]
    z = array(heat["z"])
    np.testing.assert_allclose(z, rec.weights[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(z.sum(axis=1), 1.0, atol=1e-9)
    (box,) = chart(at, "att-map")["layout"]["shapes"]
    assert (box["x0"], box["x1"], box["y0"], box["y1"]) == (3.5, 6.5, 3.5, 6.5)   # European..Area × zone..européenne
    assert not at.info                                         # aligned as the dictionary says: no note


def test_next_previous_slider_and_the_link_step_the_decoder(shipped_record):
    written, rec = shipped_record
    at = start()
    assert at.subheader[0].value.startswith("Output step t = 0 of 14: writing “L'”")
    for t in (1, 2):
        at = button(at, "Next").click().run()
        assert f"Output step t = {t} of 14: writing “{written[t]}”" in at.subheader[0].value
    step = chart(at, "att-step")["data"]
    np.testing.assert_allclose(array(step[0]["y"]), rec.scores[2, 0], rtol=1e-12)      # e_2j
    np.testing.assert_allclose(array(step[1]["y"]), rec.weights[2, 0], rtol=1e-12)     # α_2j
    assert at.query_params["at_t"] in ("2", ["2"])
    at = button(at, "Previous").click().run()
    assert "t = 1 of 14" in at.subheader[0].value
    at.slider(key="at_t").set_value(4).run()
    assert "writing “zone”" in at.subheader[0].value
    assert f"{rec.scores[4, 0].max():.4f}" in "".join(x.value for x in at.latex)          # e_tj in the equations
    assert f"{rec.y[4, 0].max():.4f}" in "".join(x.value for x in at.latex)
    at = button(at, "First").click().run()
    assert "t = 0 of 14" in at.subheader[0].value
    linked = page("attention")
    linked.query_params["at_t"] = "13"
    linked.run()
    assert "t = 13 of 14" in linked.subheader[0].value


def test_the_equations_show_h_j_as_both_directions_states(shipped_record):
    written, rec = shipped_record
    at = page("attention")
    at.query_params["at_t"] = "4"                              # writing "zone": it looks most at "Area"
    at.run()
    assert "writing “zone”" in at.subheader[0].value
    j = int(rec.weights[4, 0].argmax())
    (line,) = [x.value.strip("$\n") for x in at.latex if x.value.strip("$\n").startswith(f"h_{{{j}}} = ")]
    assert r"[\overrightarrow{h}_{" + str(j) + r"} ; \overleftarrow{h}_{" + str(j) + "}]" in line
    half = rec.encoder.forward_states.shape[-1]
    forward, backward = line.split(" ; ")[1:]               # the numbers: →h_j, then ←h_j, the engine's own
    assert f"{rec.encoder.output[j, 0, 0]:.3f}" in forward and f"{rec.encoder.output[j, 0, half]:.3f}" in backward
    assert f"_{{{half}}}" in forward and f"_{{{half}}}" in backward


def test_play_starts_and_pause_stops():
    at = start(at_t=14)
    at = button(at, "Play").click().run()                      # at the end, Play starts over
    assert at.session_state.at_playing and "t = 0 of 14" in at.subheader[0].value
    at = button(at, "Pause").click().run()
    assert not at.session_state.at_playing
    button(at, "Play")


def test_your_own_sentence_is_translated_with_its_map():
    at = start()
    at.text_input(key="at_text").input("The treaty on the Social Monetary Bank was approved in May 1990.").run()
    assert not at.exception and not at.error
    assert "le traité sur la banque monétaire sociale a été approuvé en mai 1990" in texts(at)
    heat = chart(at, "att-map")
    assert heat["layout"]["xaxis"]["ticktext"][4:7] == ["Social", "Monetary", "Bank"]
    assert heat["layout"]["yaxis"]["ticktext"][4:7] == ["banque", "monétaire", "sociale"]
    assert heat["layout"]["shapes"], "the reordered block is outlined for a person's sentence too"


@pytest.mark.parametrize(("text", "said"), [
    ("The agreement on the Europen Area was signed .", "nearest known: European"),
    ("word " * 25, "25 words"),
    ("**bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)>", "never read"),
])
def test_bad_sentences_get_a_message_and_the_seed_sentence_stays(text, said):
    at = start()
    at.text_input(key="at_text").set_value(text).run()
    assert not at.exception
    assert at.error and said in at.error[0].value, [e.value for e in at.error]
    assert "Showing the example's own sentence instead." in texts(at)
    assert chart(at, "att-map")["layout"]["xaxis"]["ticktext"] == EN
    if "link" in text:                                         # typed Markdown stays literal text
        assert r"\[link\]\(javascript:alert\(1\)\)" in at.error[0].value and "\\<img" in at.error[0].value


def test_casa_de_papel_is_the_small_example_on_the_same_page():
    at = start()
    at.selectbox(key="at_ex").set_value("casa").run()
    assert not at.exception
    heat = chart(at, "att-map")
    assert heat["layout"]["xaxis"]["ticktext"] == ["casa", "de", "papel"]
    assert "Why attention" not in [h.value for h in at.header]
    np.testing.assert_allclose(array(heat["data"][0]["z"]).sum(axis=1), 1.0, atol=1e-9)


def set_control(at, control, value):
    if control == "at_cell":
        return at.segmented_control(key=control).set_value(value).run()
    if control == "at_score":
        return at.selectbox(key=control).set_value(value).run()
    return at.number_input(key=control).set_value(value).run()


@pytest.mark.parametrize(("control", "value"), [("at_cell", "lstm"), ("at_score", "dot"), ("at_seed", 5)])
def test_another_setting_trains_in_the_worker_once_per_server(control, value):
    from ui import jobs
    at = set_control(page("attention", wait_for_training=False).run(), control, value)
    assert not at.exception
    assert "trains now, once for everyone" in texts(at) and shows_training(at)
    assert not charts_by_id(at)                          # nothing drawn from a model not trained yet
    setting = {"at_cell": "gru", "at_score": "additive", "at_seed": 0, control: value}
    key = ("attention", "attention", setting["at_cell"], setting["at_score"], setting["at_seed"])
    job = jobs.pool().get(key)
    other = page("attention", wait_for_training=False, **{control: value}).run()    # a second session joins it
    assert shows_training(other) and jobs.pool().get(key) is job
    assert at.query_params[control] in (str(value), [str(value)])
    if control != "at_seed":
        return                                                 # one of the three is followed to the end
    at.run()                                                   # the browser's poll, until the job has finished
    while shows_training(at):
        wait_for_trainings()
        at.run()
    job = jobs.pool().get(key)
    assert not at.exception and job.state == "done" and "trained on this server in" in texts(at)
    tr = study.translate(job.value.trainer.model, EXAMPLES["attention"].data(), tuple(EN), "attention")
    np.testing.assert_allclose(array(chart(at, "att-map")["data"][0]["z"]), tr.weights, rtol=0, atol=1e-12)


def test_a_training_that_fails_is_said_in_words():
    from ui import jobs, trained
    key = ("attention", "attention", "rnn", "dot", 17)
    job = jobs.pool().submit(key, trained.fail, ("the worker ran out of memory",))
    job.wait(120)
    at = start(at_cell="rnn", at_score="dot", at_seed=17)
    assert not at.exception and job.state == "failed"
    assert "did not finish" in at.error[0].value and "ran out of memory" in at.error[0].value


def test_downloads_are_offered():
    at = start()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the comparison (CSV)", "Download α (CSV)", "Download the decoder's record (CSV)",
                      "Download the model (.npz)"]


def test_a_bad_link_falls_back_to_the_defaults_with_a_note():
    at = page("attention")
    at.query_params.update(at_cell="transformer", at_t="999")
    at.run()
    assert not at.exception
    assert "at_cell" in texts(at) and "loaded from the shipped model file" in texts(at)


def test_the_downloaded_files_hold_the_models_weights_and_its_alpha():
    import io

    import pandas as pd

    from ui import attention
    shipped = load_model(study.weights_file("gru", "additive", 0))
    loaded = load_model(attention.model_bytes("attention", "gru", "additive", 0))
    assert loaded.config == shipped.config and loaded.meta["target_vocab"] == shipped.meta["target_vocab"]
    for name, w in shipped.model.parameters().items():
        np.testing.assert_array_equal(loaded.model.parameters()[name], w)
    alpha_csv, record_csv = attention.tables_csv("attention", "gru", "additive", 0, tuple(EN))
    alpha = pd.read_csv(io.BytesIO(alpha_csv), keep_default_na=False)
    assert list(alpha.columns) == ["output step", "output word", "source position", "source word", "alpha"]
    np.testing.assert_allclose(alpha.groupby("output step")["alpha"].sum(), 1.0, atol=1e-9)
    zone = alpha[alpha["output word"] == "zone"]
    assert zone.loc[zone["alpha"].idxmax(), "source word"] == "Area"
    record = pd.read_csv(io.BytesIO(record_csv), keep_default_na=False)
    assert set(record["quantity"]) == {"s_prev", "s", "c", "q", "e", "alpha", "y"}


def finished_untrained(cell, score, seed):
    """Mark this setting's training as finished, with its untrained weights, in the server's pool."""
    from ui import attention, jobs
    trainer = study.trainer("attention", cell, score, seed)
    result = {"state": trainer.model.state_dict(), "step": trainer.config.steps, "history": [], "stopped": None,
              "seconds": 0.0}
    return jobs.pool().put(("attention", "attention", cell, score, seed),
                           attention.SharedTraining("attention", cell, score, seed, result=result))


def test_why_attention_for_another_setting_trains_its_twin_without_attention():
    # this setting's own model and its twin are marked finished (untrained weights): the test is of the controls,
    # the trainings themselves are tested in test_attention_study.py
    finished_untrained("lstm", "dot", 11)
    at = page("attention", wait_for_training=False, at_cell="lstm", at_score="dot", at_seed=11).run()
    assert chart(at, "att-comparison")["data"][1]["name"] == "without attention"       # the shipped one meanwhile
    at.toggle(key="at_mine").set_value(True).run()
    assert not at.exception
    assert shows_training(at) and "LSTM without attention, seed 11" in texts(at)
    assert at.query_params["at_mine"] in ("1", ["1"])
    finished_untrained("lstm", "none", 11)
    at.run()
    fig = chart(at, "att-comparison")
    assert [t["name"] for t in fig["data"]] == ["with attention", "without attention"]
    assert "The same LSTM encoder–decoder, trained on the same pairs from seed 11" in texts(at)
