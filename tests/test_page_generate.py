"""The Generate page: the ready-trained model writes what the engine writes for the same settings, every control
changes what a student would see, bad input is explained, and live training takes samples as it goes.

AppTest does not drive ``run_every`` timers; each ``at.run()`` is one more tick while training runs.
"""

import time

import numpy as np

from apptest import array, button, charts, page, texts
from rnn_core import text_model as tm
from rnn_core.corpus import structured_corpus


def run(**state):
    at = page("generate", **state).run()
    assert not at.exception, at.exception
    return at


def shipped():
    model, vocab, _ = tm.shipped_model()
    return model, vocab


def grid(at):
    """(characters shown, values) of the generated-text grid, in reading order."""
    trace = charts(at)[0]["data"][0]
    z = array(trace["z"]).reshape(len(trace["text"]), -1)
    text = np.array(trace["text"], dtype=object)
    filled = [(r, c) for r in range(z.shape[0]) for c in range(z.shape[1]) if trace["customdata"][r][c]]
    return [text[r, c] for r, c in filled], np.array([z[r, c] for r, c in filled])


def test_defaults_show_the_shipped_models_text_with_each_characters_probability():
    at = run()
    model, vocab = shipped()
    expected = tm.sample(model, vocab, "(", 200, 1.0, None, 0)
    assert at.code[0].value == "(" + expected.text
    chars, values = grid(at)
    assert len(chars) == 201 and np.isnan(values[0])                    # the prime is not coloured
    assert np.allclose(values[1:], expected.chosen_prob, atol=1e-12)
    assert "ready-trained model" in texts(at) and "LSTM, 64 units" in texts(at)


def test_temperature_zero_writes_the_argmax_and_puts_all_mass_on_one_bar():
    at = run(gen_temp=0.0, gen_pos=5)
    model, vocab = shipped()
    greedy = tm.sample(model, vocab, "(", 200, 0.0, None, 0)
    assert at.code[0].value == "(" + greedy.text
    bars = charts(at)[1]["data"]
    after = array(bars[1]["y"])
    assert after.max() == 1.0 and np.count_nonzero(after) == 1
    assert np.allclose(np.sort(array(bars[0]["y"]))[::-1], np.sort(greedy.model_probs[4])[::-1][:len(after)])


def test_seed_length_prime_and_top_k_change_the_text_as_the_engine_says():
    model, vocab = shipped()
    a = run(gen_seed=3, gen_len=50, gen_prime="((the", gen_topk=2, gen_temp=1.5)
    expected = tm.sample(model, vocab, "((the", 50, 1.5, 2, 3)
    assert a.code[0].value == "((the" + expected.text
    bars = charts(a)[1]["data"]
    assert np.count_nonzero(array(bars[1]["y"])) <= 2                   # top-2: two bars at most
    assert run(gen_seed=3, gen_len=50, gen_prime="((the", gen_topk=2, gen_temp=1.5).code[0].value == \
        a.code[0].value                                                 # the same settings, the same text
    assert run(gen_seed=4, gen_len=50, gen_prime="((the", gen_topk=2, gen_temp=1.5).code[0].value != \
        a.code[0].value


def test_the_position_slider_shows_that_steps_distribution():
    at = run(gen_len=30)
    at.slider(key="gen_pos").set_value(7).run()
    model, vocab = shipped()
    s = tm.sample(model, vocab, "(", 30, 1.0, None, 0)
    before = array(charts(at)[1]["data"][0]["y"])
    assert np.allclose(before, np.sort(s.model_probs[6])[::-1][:len(before)])
    assert "gen_pos=7" in str(at.query_params) or at.query_params.get("gen_pos") in ("7", ["7"])


def test_a_link_asking_for_more_than_the_model_has_opens_within_its_range():
    at = page("generate")
    at.query_params["gen_topk"] = "100"
    at.query_params["gen_pos"] = "900"
    at.query_params["tx_hidden"] = "65"                                  # not a size offered
    at.run()
    assert not at.exception
    assert at.session_state.gen_topk == 32 and at.session_state.gen_pos == 200
    assert at.session_state.tx_hidden == 64 and "Link setting ignored" in texts(at)


def test_a_prime_the_model_never_saw_is_explained_and_the_settings_stay():
    at = run(gen_prime="(Ωmega")
    assert at.error and "never saw" in at.error[0].value
    assert at.session_state.gen_prime == "(Ωmega" and at.session_state.tx_hidden == 64


def test_an_over_long_pasted_prime_says_so_and_keeps_the_last_prime():
    at = run()
    at.text_input(key="gen_prime").set_value("(a)").run()
    at.text_input(key="gen_prime").set_value("(" * 5000).run()
    assert not at.exception and at.session_state.gen_prime == "(a)"
    assert "5,000 characters" in at.warning[0].value and "at most 200" in at.warning[0].value


def test_own_text_trains_a_model_of_it_and_a_bad_one_is_refused():
    poem = ("the quick brown fox jumps over the lazy dog\n" * 8)
    at = run(tx_corpus="own", tx_own=poem, tx_hidden=16, gen_prime="the", gen_len=40)
    written = at.code[0].value
    assert written.startswith("the") and set(written) <= set(poem)
    short = run(tx_corpus="own", tx_own="too short", tx_hidden=16)
    assert short.error and "at least" in short.error[0].value
    assert not short.code


def test_live_training_takes_a_sample_every_100_updates_and_pauses_and_resets():
    at = run(tx_hidden=16)
    assert "Press **Start**" in texts(at)
    at = button(at, "Start").click().run()
    live = at.session_state.gen_live
    assert live.running and live.samples[0][0] == 0
    # a tick draws the slices back from the lane's process (ui.lane), the first once that process has started
    for _ in range(400):
        if live.trainer.step >= 100:
            break
        time.sleep(0.02)
        at.run()
    assert [s[0] for s in live.samples][:2] == [0, 100]
    assert at.get("progress")[0].proto.value > 0
    assert any(t.value.strip() == live.samples[1][1].strip() for t in at.text)     # shown as written
    bits = charts(at)[-1]["data"][0]
    assert np.allclose(array(bits["y"]), [tm.bits(r["loss"]) for r in live.trainer.history])
    at = button(at, "Pause").click().run()
    paused = live.trainer.step
    assert not live.running and at.run().session_state.gen_live.trainer.step == paused
    at.toggle(key="gen_use_live").set_value(True).run()
    assert f"trained live ({paused} updates)" in texts(at)
    at = button(at, "Reset").click().run()
    assert at.session_state.gen_live is None


def test_the_shipped_file_is_the_default_model_and_scores_as_its_file_says():
    model, vocab, meta = tm.shipped_model()
    passage = structured_corpus(n_chars=3000, seed=1)[:3000]
    assert vocab == sorted(set(structured_corpus()))
    assert meta[tm.KIND]["config"] == tm.DEFAULTS.to_dict()
    assert tm.evaluate_bits(model, vocab, passage) < 1.7
