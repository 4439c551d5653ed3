"""The live-training page: start, ticks, pause, step, reset, divergence and the way back, model files.

AppTest does not drive ``run_every`` timers; each ``at.run()`` is one more tick while training runs.
"""

import io
import math
import zipfile

import numpy as np

from apptest import button, charts, charts_by_id, page, texts
from rnn_core.examples import EXAMPLES
from rnn_core.model import SequenceModel
from rnn_core.model_file import save_model


def start(**state):
    at = page("training", **state).run()
    assert not at.exception, at.exception
    return at


def trainer(at, cell=None):
    session = at.session_state.train
    return session.trainers[cell] if cell else session.trainer


def tick_until(at, done, ticks=100):
    """Let the timer tick (a tick about every 50 ms) until ``done(at)``, at most ``ticks`` times. A tick draws the
    slices of training that are back from the lane's worker process (ui.lane), the first after its process has
    started, so a tick may come back without new updates."""
    import time
    for _ in range(ticks):
        if done(at):
            return at
        time.sleep(0.05)
        at.run()
    assert done(at), "the training did not advance"
    return at


def train_until_stopped(at, ticks=10):
    """Start, then let the timer tick until training stops by itself (done or diverged), at most ``ticks``."""
    at = button(at, "Start").click().run()
    for _ in range(ticks):
        if not at.session_state.train.running:
            break
        at.run()
    return at


def test_defaults_wait_for_start_with_kennedy_untrained():
    at = start()
    assert trainer(at).step == 0 and not at.session_state.train.running
    assert "No updates yet" in texts(at)
    assert "not learned yet" in texts(at)                     # the untrained network's answers, for comparison
    assert len(charts(at)) == 3                # loss, path, weights: the gradients wait for the first update


def test_start_ticks_pause_step_and_reset():
    at = start(tr_steps=5000)
    at = button(at, "Start").click().run()
    assert at.session_state.train.running
    at = tick_until(at, lambda at: trainer(at).step >= 1)
    first = trainer(at).step
    at = tick_until(at, lambda at: trainer(at).step > first)  # more ticks, more updates
    second = trainer(at).step
    loss_curve = next(tr for tr in charts(at)[0]["data"] if tr.get("name") == "RNN")
    x = [int(v) for v in loss_curve["x"]]
    # the curve grows with the updates: it starts at the first and ends at the latest (a long one is thinned to
    # at most 400 points, every k-th and the last, however fast this machine trains)
    assert x[0] == 1 and x[-1] == second and x == sorted(set(x))
    assert len(x) == second if second <= 400 else 200 <= len(x) <= 401
    at = button(at, "Pause").click().run()
    assert not at.session_state.train.running
    paused = trainer(at).step
    at.run()
    assert trainer(at).step == paused                         # pause freezes
    at = button(at, "Step").click().run()
    assert trainer(at).step == paused + 1                     # exactly one update
    at = button(at, "Reset").click().run()
    assert trainer(at).step == 0 and not trainer(at).history
    assert not at.exception


def test_kennedy_trains_to_its_outcome_and_says_so():
    at = start()
    at = button(at, "Start").click().run()
    for _ in range(30):
        if not at.session_state.train.running:
            break
        at.run()
    session = at.session_state.train
    assert session.trainer.done and session.outcomes["rnn"].ok
    assert "learned" in texts(at) and "after" in texts(at)
    assert button(at, "Start").disabled                       # nothing left to do but Reset


def test_divergence_stops_with_an_explanation_and_the_restore_button_recovers():
    at = start(tr_example="jazz", tr_act="relu", tr_opt="sgd", tr_lr=50.0, tr_clip=0.0, tr_steps=300)
    at = train_until_stopped(at)
    t = trainer(at)
    assert t.stopped and "exploding gradients" in at.error[0].value
    assert button(at, "Start").disabled and button(at, "Step").disabled
    assert max(row["loss"] for row in t.history) > 1e100                  # the climb before the NaN
    at = button(at, "Restore the last good weights and go on with the learning rate ÷ 10").click().run()
    t = trainer(at)
    assert t.stopped is None and math.isclose(t.config.lr, 5.0)
    assert at.select_slider(key="tr_lr").value == 5.0                      # the widget says the new rate
    assert not button(at, "Start").disabled and not button(at, "Step").disabled
    assert "Restored: back to the weights after update 0" in texts(at) and "50 → 5" in texts(at)
    assert "settings changed" not in texts(at)                             # the new rate is this run's own
    assert not at.error
    at = train_until_stopped(at, ticks=40)
    t = trainer(at)
    assert t.stopped is None and t.done and not at.error                   # went on to the end, no NaN again
    assert all(math.isfinite(row["loss"]) for row in t.history)
    assert t.history[-1]["loss"] < 2                                       # not the 1e160 of the blow-up
    assert not at.exception


def test_three_cells_side_by_side_from_the_same_seed():
    at = start(tr_compare=True, tr_steps=20)
    session = at.session_state.train
    assert set(session.trainers) == {"rnn", "lstm", "gru"}
    at = button(at, "Step").click().run()
    names = {tr.get("name") for tr in charts(at)[0]["data"]}
    assert {"RNN", "LSTM", "GRU"} <= names
    assert all(t.step == 1 for t in at.session_state.train.trainers.values())


def test_changing_the_example_loads_its_tried_setting_and_puts_it_in_the_link():
    at = start()
    at.selectbox(key="tr_example").set_value("memory").run()
    assert at.session_state.tr_opt == "momentum" and at.session_state.tr_lr == 0.5
    assert at.session_state.hidden == EXAMPLES["memory"].defaults.hidden
    assert at.query_params["tr_example"] in ("memory", ["memory"])
    assert at.session_state.train.key == "memory"


def test_own_text_trains_and_bad_own_data_gets_a_message():
    at = start(tr_example="own_text", tr_text="abcabc")
    assert not at.error and at.session_state.train.data.x.shape[0] == 6
    at = start(tr_example="own_text", tr_text="   ")
    assert at.error and "empty" in at.error[0].value
    at = start(tr_example="own_series")
    assert not at.error and "Upload a CSV file" in texts(at)        # nothing uploaded yet is not an error


def test_a_paste_longer_than_the_box_takes_is_refused_with_a_message_and_the_text_kept():
    at = start(tr_example="own_text", tr_text="abcabc")
    at.text_input(key="tr_text").input("x" * 5000).run()
    assert not at.exception
    assert any("5,000 characters" in w.value and "at most 400" in w.value for w in at.warning)
    assert at.text_input(key="tr_text").value == "abcabc" and at.session_state.train.data.x.shape[0] == 6
    at.text_input(key="tr_text").input("abcd").run()
    assert not at.warning and at.session_state.train.data.x.shape[0] == 4


def test_a_binary_file_as_csv_gets_a_plain_message():
    at = start(tr_example="own_series")
    at.file_uploader(key="tr_csv").upload("photo.csv", b"\x89PNG\r\n\x1a\n\0\0" + bytes(range(256)), "text/csv")
    at.run()
    assert not at.exception
    assert at.error and "not plain text" in at.error[0].value and "NUL" not in at.error[0].value


def test_a_series_from_a_csv_upload_trains():
    at = start(tr_example="own_series")
    csv = "day,value\n" + "\n".join(f"{i},{np.sin(i / 3):.4f}" for i in range(60))
    at.file_uploader(key="tr_csv").upload("series.csv", csv.encode(), "text/csv")
    at.run()
    assert not at.exception and not at.error
    assert at.session_state.train.data.x.shape[0] > 10


def model_file(model, meta):
    buf = io.BytesIO()
    save_model(buf, model, meta=meta)
    return buf.getvalue()


def test_a_model_file_round_trips_and_continues_training():
    at = start(tr_steps=40)
    at = train_until_stopped(at)
    trained = trainer(at)
    data = at.session_state.train.data
    downloaded = next(d for d in at.get("download_button") if "model" in d.proto.label)
    assert downloaded is not None
    # the same bytes the download button offers, rebuilt through the page's own module
    from ui.training import model_bytes
    raw = model_bytes(at.session_state.train, "rnn")
    fresh = start()
    fresh.file_uploader(key="tr_upload").upload("kennedy_rnn.npz", raw)
    fresh.run()
    assert not fresh.exception and not fresh.error
    loaded = trainer(fresh)
    assert loaded.step == trained.step
    x = data.x
    assert np.array_equal(loaded.model.forward(x, data.lengths).y, trained.model.forward(x, data.lengths).y)
    assert "Continuing an uploaded model" in texts(fresh)
    fresh = button(fresh, "Step").click().run()
    assert trainer(fresh).step == trained.step + 1


def test_bad_uploads_give_a_message_and_keep_the_training():
    at = start()
    at = button(at, "Step").click().run()
    zip_bomb = io.BytesIO()
    with zipfile.ZipFile(zip_bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("rnn.weight_ih_l0.npy", b"\0" * (80 * 2**20))
    wrong_example = model_file(SequenceModel("rnn", 3, 4, 2), {"example": "kennedy"})
    no_meta = model_file(SequenceModel("rnn", 8, 8, 1), None)
    bad_setting = model_file(SequenceModel("rnn", 8, 8, 1, head="sigmoid"),
                             {"example": "kennedy", "config": {"lr": "fast"}})
    for name, raw, words in (("text.npz", b"hello", "not an Unrolled model file"),
                             ("bomb.npz", zip_bomb.getvalue(), ""), ("wrong.npz", wrong_example, "inputs"),
                             ("nometa.npz", no_meta, "which example"),
                             ("setting.npz", bad_setting, "lr")):
        at.file_uploader(key="tr_upload").upload(name, raw)
        at.run()
        assert not at.exception, name
        assert at.error and words in at.error[0].value, (name, at.error[0].value if at.error else None)
        assert trainer(at).step == 1                          # the training in progress is untouched


def progress_text(at):
    return " ".join(p.proto.text for p in at.get("progress"))


def test_after_an_upload_every_setting_and_label_describes_the_uploaded_model():
    at = start(tr_example="jazz", cell="gru", hidden=6, layers=2, seed=7, tr_steps=40, tr_opt="rmsprop", tr_lr=0.02)
    at = train_until_stopped(at)
    assert trainer(at).done
    from ui.training import model_bytes
    raw = model_bytes(at.session_state.train, "gru")          # the bytes the download button offers
    fresh = start()                                           # a new visitor: Kennedy, vanilla RNN, 8 units
    assert fresh.session_state.cell == "rnn"
    fresh.file_uploader(key="tr_upload").upload("jazz_gru.npz", raw)
    fresh.run()
    assert not fresh.exception and not fresh.error
    # the sidebar and the page's own settings are the file's
    assert fresh.segmented_control(key="cell").value == "gru"
    assert fresh.slider(key="hidden").value == 6 and fresh.slider(key="layers").value == 2
    assert fresh.number_input(key="seed").value == 7
    assert fresh.selectbox(key="tr_example").value == "jazz"
    assert fresh.selectbox(key="tr_opt").value == "rmsprop" and fresh.select_slider(key="tr_lr").value == 0.02
    shown = texts(fresh)
    assert "settings changed" not in shown
    assert "GRU with 6 units in 2 layer(s), 40 updates so far" in shown
    assert "after 0 updates" not in shown
    assert "already when uploaded, after 40 updates" in shown              # JAZZ learned in those 40
    assert "the curves start at the upload" in shown                       # the empty chart is explained
    assert "0 of 40 more updates after the 40 in the uploaded file" in progress_text(fresh)
    assert "update 40 of 80" not in progress_text(fresh)
    fresh = button(fresh, "Step").click().run()
    assert trainer(fresh).step == 41 and trainer(fresh).config.cell == "gru"
    assert "1 of 40 more updates" in progress_text(fresh)
    assert "settings changed" not in texts(fresh)
    fresh.slider(key="hidden").set_value(8).run()                          # a change now is a change
    assert "settings changed" in texts(fresh)


def test_the_gradient_chart_waits_for_the_first_update():
    """Before any update there are no gradients: the page says where they will appear instead of drawing empty
    axes; after one Step the chart holds that update's global norm."""
    at = start()
    assert not [k for k in charts_by_id(at) if k.endswith("-gradients")]
    assert any("gradient norms appear here after the first update" in m.value for m in at.info)
    at = button(at, "Step").click().run()
    (fig,) = [f for k, f in charts_by_id(at).items() if k.endswith("-gradients")]
    (line,) = [t for t in fig["data"] if t.get("name") == "global, before"]
    assert line["y"] == [trainer(at).history[0]["grad_norm"]]
