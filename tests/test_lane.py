"""Live training's slices in a worker process (ui.lane): the same training as here, in another process at a lower
priority, and training here whenever the lane cannot take a trainer."""

import os
import time

import numpy as np
import pytest

from rnn_core.examples import EXAMPLES
from rnn_core.trainer import Trainer
from ui import lane as ul
from ui import training


def kennedy_trainer(cell="lstm", steps=200, **changes):
    ex = EXAMPLES["kennedy"]
    data = ex.data()
    config = ex.defaults.replace(cell=cell, steps=steps, **changes)
    return Trainer(ex.build_model(config, data), data, config)


def without_time(rows):
    return [{k: v for k, v in row.items() if k != "time"} for row in rows]


@pytest.fixture
def lane():
    one = ul.Lane(idle=2.0)
    yield one
    ul.end(one._proc)


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_slices_in_the_lane_train_exactly_as_training_here(lane, cell):
    here, there = kennedy_trainer(cell), kennedy_trainer(cell)
    here.run(steps=25)
    for _ in range(5):                                      # five slices of five updates, each back and forth
        after, seconds, _ = lane.call(ul.run_slice, there, None, 5)
        there.__dict__.update(after.__dict__)
        assert seconds > 0
    assert lane.pid() not in (None, os.getpid())
    assert there.step == here.step == 25
    for name, w in here.model.parameters().items():
        np.testing.assert_array_equal(there.model.parameters()[name], w)
    assert without_time(there.history) == without_time(here.history)
    np.testing.assert_array_equal(there.rng.random(3), here.rng.random(3))  # the batch order goes on the same


def test_a_slice_sent_comes_back_into_the_same_trainer_with_only_its_new_rows(lane):
    trainer = kennedy_trainer()
    trainer.run(steps=3)
    rows, model = trainer.history, trainer.model
    pending = ul.send_slice(trainer, 0.05, lane)
    trainer.history.append("a row added while the slice is out")      # the slice was pickled when sent
    rows.pop()
    assert ul.take_slice(trainer, pending, wait=True) > 0
    assert trainer.history is rows and len(rows) == trainer.step > 3        # the same list, the new rows added
    assert [r["step"] for r in rows] == list(range(1, trainer.step + 1))
    assert trainer.model is not model                                       # the weights came back from there
    assert lane.calls == 1


def test_a_tick_sends_its_slice_and_takes_it_back_at_the_next_tick(lane):
    ex = EXAMPLES["kennedy"]
    session = training.new_session(ex, "kennedy", ex.defaults.replace(steps=5000), compare=True)
    session.running = True
    training.tick(session, 0.03, lane)
    # the lane's process is still starting (Python and NumPy load there for far longer than the tick's 0.03 s and
    # 50 ms of grace): the tick drew without the slices, which stay out
    assert set(session.pending) == {"rnn", "lstm", "gru"}
    assert all(t.step == 0 for t in session.trainers.values())
    for _ in range(5):
        time.sleep(0.1)
        training.tick(session, 0.03, lane)
    training.take_slices(session, wait=True)                               # as Pause and Step do first
    assert not session.pending and session.wall > 0
    for trainer in session.trainers.values():
        assert trainer.step > 0 and len(trainer.history) == trainer.step
        assert [r["step"] for r in trainer.history] == list(range(1, trainer.step + 1))


def test_a_starts_own_tick_answers_without_waiting_for_its_slice(lane):
    """Start's click is answered at once (its button turns to Pause); the ticks after it wait their own time."""
    ex = EXAMPLES["kennedy"]
    session = training.new_session(ex, "kennedy", ex.defaults.replace(steps=5000))
    lane.call(ul.run_slice, kennedy_trainer(), None, 1)                      # the lane's process is up
    session.running = session.answer_now = True                             # as Start sets them
    training.tick(session, 0.5, lane)
    # on an idle lane the slice would be back within the tick's wait (its budget and 50 ms): this one did not wait
    assert set(session.pending) == {"lstm"} and session.trainer.step == 0
    assert not session.answer_now                                           # the ticks after it wait again
    training.take_slices(session, wait=True)
    assert session.trainer.step > 0


def test_the_lane_runs_at_a_lower_priority_and_ends_when_idle(lane):
    lane.call(ul.run_slice, kennedy_trainer(), None, 1)
    pid = lane.pid()
    assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + ul.NICE
    deadline = time.monotonic() + 10
    while lane.pid() is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert lane.pid() is None                                               # idle 2 s: its process ended
    lane.call(ul.run_slice, kennedy_trainer(), None, 1)                      # and the next slice starts one
    assert lane.pid() not in (None, pid)


def test_a_trainer_that_cannot_cross_trains_here(lane):
    ex = EXAMPLES["kennedy"]
    session = training.new_session(ex, "kennedy", ex.defaults.replace(steps=5000))
    session.trainer.callbacks.append(lambda t, row: None)                  # a lambda cannot be pickled
    with pytest.raises(ul.LaneError):
        lane.submit(ul.run_slice, session.trainer, None, 1)
    session.running = True
    training.tick(session, 0.02, lane)
    assert not session.pending and session.trainer.step >= 1               # trained here, at once
    assert len(session.trainer.history) == session.trainer.step and lane.calls == 0


def test_a_stopped_lane_process_costs_the_training_nothing(lane):
    trainer = kennedy_trainer()
    assert ul.take_slice(trainer, ul.send_slice(trainer, 0.02, lane), wait=True) > 0
    steps = trainer.step
    os.kill(lane.pid(), 9)
    time.sleep(0.3)
    assert ul.take_slice(trainer, ul.send_slice(trainer, 0.02, lane), wait=True) > 0   # a new process took it
    assert trainer.step > steps and len(trainer.history) == trainer.step
    steps, calls = trainer.step, lane.calls
    lane.nice = "not a number"                               # a worker that cannot start: the slice runs here
    ul.end(lane._proc)
    assert ul.take_slice(trainer, ul.send_slice(trainer, 0.02, lane), wait=True) > 0
    assert trainer.step > steps and len(trainer.history) == trainer.step and lane.calls == calls


def test_a_divergence_in_the_lane_stops_with_its_explanation_and_restores_here(lane):
    ex = EXAMPLES["jazz"]
    config = ex.defaults.replace(cell="rnn", nonlinearity="relu", optimizer="sgd", lr=50.0, clip=None, steps=300)
    session = training.new_session(ex, "jazz", config)
    for _ in range(100):
        session.running = True
        training.tick(session, 0.05, lane)
        training.take_slices(session, wait=True)
        if session.stopped:
            break
    assert session.stopped and "Training stopped" in session.stopped and lane.calls >= 1
    training.restore(session, 5.0)
    assert session.stopped is None and len(session.trainer.history) == session.trainer.step
    assert all(np.all(np.isfinite(w)) for w in session.trainer.model.parameters().values())


def test_generate_ticks_in_the_lane_train_and_write_the_samples_exactly_as_here(lane):
    """The Generate page's live training: its slices stop at each sample point, where the lane writes the sample;
    the weights and every sample are bit for bit those of ticks trained here."""
    from rnn_core import text_model as tm
    from rnn_core.corpus import structured_corpus
    from ui import generate as ug
    text, config = structured_corpus(n_chars=3000, seed=1)[:3000], tm.DEFAULTS.replace(hidden=16, steps=250)
    here, there = ug.new_live("key", text, config), ug.new_live("key", text, config)
    for live, where in ((here, None), (there, lane)):
        deadline = time.monotonic() + 120
        while not live.trainer.done and time.monotonic() < deadline:
            ug.tick(live, 0.03, where)
            if live.pending is not None:                    # out: the next tick takes it back if it is there
                live.pending.done.wait(0.5)
        ug.take_back(live, wait=True)
    assert lane.pid() is not None and there.pending is None
    assert here.trainer.step == there.trainer.step == 250
    assert [update for update, _ in there.samples] == [0, 100, 200, 250]     # every 100 updates and the last
    assert there.samples == here.samples and len(set(text for _, text in there.samples)) == 4
    assert without_time(there.trainer.history) == without_time(here.trainer.history)
    for name, w in here.trainer.model.parameters().items():
        np.testing.assert_array_equal(there.trainer.model.parameters()[name], w)
