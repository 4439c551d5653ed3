"""The vanishing & exploding gradients page under AppTest: defaults, the scale crossing 1, every activation, the
chosen cell, clipping, the memory experiment in a test-sized setting, and a bad link."""

import numpy as np
import pytest

from apptest import array, button, charts, page, shows_training, texts, wait_for_trainings
from rnn_core import gradient_study as gs


def _run(**state):
    return page("gradients", timeout=120, **state).run()


def _chart(at, first_trace):
    for spec in charts(at):
        if spec["data"] and spec["data"][0].get("name") == first_trace:
            return spec
    shown = [[t.get("name") for t in c["data"]] for c in charts(at)]
    raise AssertionError(f"no chart starting with {first_trace!r}: {shown}")


def _norms(at, name="Vanilla RNN (tanh)"):
    spec = _chart(at, name)
    return {t["name"]: array([np.nan if v is None else v for v in t["y"]] if isinstance(t["y"], list) else t["y"])
            for t in spec["data"]}


def test_defaults_show_three_cells_eigenvalues_jacobians_and_clipping():
    at = _run()
    assert not at.exception
    norms = _norms(at)
    assert list(norms) == ["Vanilla RNN (tanh)", "LSTM", "GRU"]
    expected = gs.gradient_by_distance("lstm", 50, 0.8, "tanh", hidden=8, seed=0, gate_bias=3.0).norms
    np.testing.assert_allclose(norms["LSTM"], expected)
    assert all(len(v) == 50 and v[-1] == pytest.approx(1.0) for v in norms.values())
    # the first picture's lesson: the vanilla RNN's gradient vanishes, the gated cells' (gates open) does not
    assert norms["Vanilla RNN (tanh)"][0] < 1e-4 < 1e-2 < min(norms["LSTM"][0], norms["GRU"][0])
    kinds = [[t.get("type", "scatter") for t in c["data"]] for c in charts(at)]
    assert ["heatmap"] in kinds                                          # the RNN's Jacobian products
    assert len(charts(at)) == 4                                          # memory waits for its button
    shown = texts(at)
    assert shown.count("How to read it") == 4
    assert "Press **Run**" in shown
    assert "exploding gradients" in shown                                # the divergence explained
    assert len(at.get("download_button")) == 4


def test_the_rnn_line_tips_over_when_the_scale_crosses_one():
    low = _norms(_run(v_scale=0.5))["Vanilla RNN (tanh)"]
    high = _norms(_run(v_scale=1.5))["Vanilla RNN (tanh)"]
    assert low[0] < 1e-6 < 1 < high[0]                                   # falls below 1, grows above 1
    assert np.all(np.diff(low) > 0)                                      # falls all the way back


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
def test_each_activation(act):
    at = _run(v_act=act, v_len=30, v_scale=2.0)
    assert not at.exception
    norms = _norms(at, f"Vanilla RNN ({act})")
    expected = gs.gradient_by_distance("rnn", 30, 2.0, act, hidden=8, seed=0).norms
    np.testing.assert_allclose(norms[f"Vanilla RNN ({act})"], expected)
    if act == "tanh":                                                    # the default stays out of the link
        assert "v_act" not in at.query_params
    else:
        assert at.query_params["v_act"] in (act, [act])


def test_the_chosen_cell_stands_beside_the_rnn():
    at = _run(cell="lstm", v_len=20, hidden=4)
    assert not at.exception
    eig = _chart(at, "W_hh")
    assert [t["name"] for t in eig["data"]] == ["W_hh", "input gate i", "forget gate f", "candidate g",
                                                "output gate o"]
    heat = [c for c in charts(at) if c["data"][0].get("type") == "heatmap"][0]
    assert len(heat["data"]) == 2
    moduli = np.abs(array(eig["data"][2]["x"]) + 1j * array(eig["data"][2]["y"]))
    np.testing.assert_allclose(moduli, 0.8)                              # every |λ| is the scale (0.8 by default)


def test_closing_the_gates_makes_the_gated_cells_forget():
    norms = _norms(_run(v_bias=0.0))
    assert norms["LSTM"][0] < norms["Vanilla RNN (tanh)"][0] and norms["GRU"][0] < norms["Vanilla RNN (tanh)"][0]
    expected = gs.gradient_by_distance("gru", 50, 0.8, "tanh", hidden=8, seed=0, gate_bias=0.0).norms
    np.testing.assert_allclose(norms["GRU"], expected)


def test_show_lstm_button_switches_the_cell():
    at = _run(v_len=20)
    button(at, "Show the LSTM beside it").click().run()
    assert not at.exception and at.session_state["cell"] == "lstm"


def test_clipping_section_shows_both_curves_and_the_clipped_norm():
    at = _run(v_len=10, v_clip=2.0)
    spec = _chart(at, "loss, no clipping")
    names = [t["name"] for t in spec["data"]]
    assert {"loss, no clipping", "loss, clipped at 2", "norm used (after clipping), clipped at 2"} <= set(names)
    used = spec["data"][names.index("norm used (after clipping), clipped at 2")]["y"]
    assert max(v for v in used if v is not None) <= 2.0 + 1e-9
    assert any("Without clipping: Training stopped" in w.value for w in at.warning)


def test_memory_experiment_in_a_test_sized_setting():
    at = _run(v_len=10, v_far=10, v_updates=50)
    button(at, "Run").click().run()
    assert not at.exception
    spec = _chart(at, "Vanilla RNN")
    assert [t["name"] for t in spec["data"]] == ["Vanilla RNN", "LSTM", "GRU"]
    assert [list(array(t["x"])) for t in spec["data"]] == [[2, 5, 10]] * 3
    assert all(0 <= v <= 1 for t in spec["data"] for v in array(t["y"]))
    assert "15 networks" not in texts(at) and "9 networks" in texts(at)
    at.run()                                                             # a rerun keeps the result
    assert _chart(at, "Vanilla RNN")


def test_a_bad_link_value_is_refused_with_a_message():
    at = page("gradients", timeout=120)
    at.query_params["v_scale"] = "9"
    at.query_params["v_act"] = "softplus"
    at.run()
    assert not at.exception
    assert sum("Link setting ignored" in w.value for w in at.warning) == 2
    assert at.session_state["v_scale"] == 0.8 and at.session_state["v_act"] == "tanh"


def test_memory_experiment_averages_three_seeds_and_shows_their_spread():
    at = _run(v_len=10, v_far=10, v_updates=50, v_seeds=3, seed=4)
    button(at, "Run").click().run()
    assert not at.exception
    spec = _chart(at, "Vanilla RNN")
    expected = np.mean([gs.memory_recall("rnn", 5, hidden=16, seed=s, max_steps=50).recall for s in (4, 5, 6)])
    assert array(spec["data"][0]["y"])[1] == pytest.approx(expected)                 # distance 5, seeds 4, 5, 6
    assert all("error_y" in t for t in spec["data"])
    assert "27 networks" in texts(at)


def test_figures_shared_between_sessions_still_follow_each_sessions_settings():
    """The page's figures are built once per setting and shared: a second session on the same settings gets the
    same chart, and one on another seed or length gets its own (a figure keyed on too little would show the
    first session's numbers to everyone)."""
    first, same = _norms(_run(seed=3)), _norms(_run(seed=3))
    other_seed, other_length = _norms(_run(seed=4)), _norms(_run(seed=3, v_len=30))
    for name in first:
        np.testing.assert_array_equal(first[name], same[name])
    expected = gs.gradient_by_distance("gru", 50, 0.8, "tanh", hidden=8, seed=4, gate_bias=3.0).norms
    np.testing.assert_allclose(other_seed["GRU"], expected)
    assert not np.allclose(other_seed["GRU"], first["GRU"])
    assert all(len(v) == 30 for v in other_length.values())


def test_memory_experiment_trains_in_the_worker_and_a_second_student_joins_it():
    """Run puts the networks in the server's worker process: the page answers at once with the waiting state (the
    replica's thread stays free for the other students), a second session pressing Run on the same settings
    waits for the same training, and both then draw the engine's recall."""
    from ui import jobs
    state = dict(v_len=10, v_far=10, v_updates=50, seed=21)
    first = page("gradients", timeout=120, wait_for_training=False, **state).run()
    button(first, "Run").click().run()
    assert not first.exception
    assert shows_training(first) and "9 networks (seed 21, up to distance 10)" in texts(first)
    assert not [c for c in charts(first) if c["data"] and c["data"][0].get("name") == "Vanilla RNN"]
    job = jobs.pool().get(("memory", ("rnn", "lstm", "gru"), (2, 5, 10), (21,), 16, 50))
    second = page("gradients", timeout=120, wait_for_training=False, **state).run()
    button(second, "Run").click().run()
    assert jobs.pool().get(job.key) is job                                  # joined, not a second training
    wait_for_trainings()
    for at in (first.run(), second.run()):
        spec = _chart(at, "Vanilla RNN")
        expected = gs.memory_recall("lstm", 10, hidden=16, seed=21, max_steps=50).recall
        assert array(spec["data"][1]["y"])[2] == pytest.approx(expected)        # the LSTM at distance 10
        assert "9 networks, trained in" in texts(at)
