"""The live-training page and PyTorch files: a safetensors download beside the .npz, and PyTorch state dicts
uploaded to continue the example chosen on the page (written here by hand, PyTorch's key names on NumPy arrays)."""

import numpy as np
import safetensors.numpy

from apptest import button, page
from rnn_core import Recurrent, SequenceModel, load_pytorch


def start(**state):
    at = page("training", **state).run()
    assert not at.exception, at.exception
    return at


def upload(at, name, raw):
    at.file_uploader(key="tr_upload").upload(name, raw)
    at.run()
    assert not at.exception, at.exception
    return at


def pytorch_file(model):
    """A SequenceModel's weights as PyTorch's save_file writes a module with attributes lstm and fc."""
    state = {("fc." + k[5:] if k.startswith("head.") else "lstm." + k[4:]): v for k, v in model.state_dict().items()}
    return safetensors.numpy.save(state)


def test_the_trained_model_downloads_as_safetensors_beside_the_npz():
    at = start(tr_steps=30)
    at = button(at, "Step").click().run()
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Download the model (.npz)" in labels and "Download for PyTorch (.safetensors)" in labels
    from ui.training import model_bytes  # the bytes the button offers
    session = at.session_state.train
    raw = model_bytes(session, session.shown, "safetensors")
    assert set(safetensors.numpy.load(raw)) == set(session.trainer.model.state_dict())  # rnn.* and head.*
    loaded = load_pytorch(raw)
    data = session.data
    np.testing.assert_array_equal(loaded.forward(data.x, data.lengths).y,
                                  session.trainer.model.forward(data.x, data.lengths).y)
    fresh = upload(start(), "kennedy_rnn.safetensors", raw)    # and it continues where it stopped
    assert not fresh.error and fresh.session_state.train.trainer.step == 1


def test_a_pytorch_state_dict_continues_the_chosen_example():
    mine = SequenceModel("lstm", 8, 6, 1, head="sigmoid", seed=4)   # Kennedy's sizes: 8 words in, 1 output
    at = upload(start(), "from_pytorch.safetensors", pytorch_file(mine))
    assert not at.error
    session = at.session_state.train
    model = session.trainer.model
    assert session.key == "kennedy" and model.rnn.kind == "lstm" and model.rnn.hidden_size == 6
    assert model.head.activation == "sigmoid"                  # Kennedy's head, which the weights cannot say
    data = session.data
    np.testing.assert_array_equal(model.forward(data.x, data.lengths).y, mine.forward(data.x, data.lengths).y)
    at = button(at, "Step").click().run()
    assert at.session_state.train.trainer.step == 1


def test_pytorch_files_that_do_not_fit_get_a_message_and_keep_the_training():
    at = start()
    at = button(at, "Step").click().run()
    wrong = pytorch_file(SequenceModel("lstm", 3, 4, 2, seed=0))
    no_head = safetensors.numpy.save(Recurrent("gru", 8, 4).state_dict())
    two_way = safetensors.numpy.save({**Recurrent("gru", 8, 4).state_dict(), "weight_ih_l0_reverse": np.zeros((12, 8))})
    for name, raw, words in (("wrong.safetensors", wrong, "the model takes 3 inputs and gives 2 outputs; the example "
                                                          "'kennedy' has 8 and 1"),
                             ("gru.safetensors", no_head, "a recurrent layer without a head"),
                             ("bi.safetensors", two_way, "bidirectional"),
                             ("model.safetensors", b"\x80\x02}q\x00.", "never unpickles")):
        at = upload(at, name, raw)
        assert at.error and words in at.error[0].value, (name, at.error[0].value if at.error else None)
        assert at.session_state.train.trainer.step == 1        # the training in progress is untouched
