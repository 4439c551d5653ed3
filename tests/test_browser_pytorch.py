"""Your PyTorch model on Step through in a real browser: the weights and a CSV uploaded through the sidebar,
every step drawn in the browser with the engine's numbers and no message to the server per step; a CSV
without targets shows predictions and no loss; a wrong-size file is refused with both sizes."""

import time

import numpy as np
import safetensors.numpy
from browser import browser, fresh_server, screenshot, settle  # noqa: F401
from test_browser_stepping import button, fmt, shown, wait_for_step

from rnn_core import SequenceModel

MODEL = SequenceModel("lstm", 2, 5, 3, seed=7)
CSV = b"sequence,u,v\nwalk,0.5,-1\nwalk,1,0.25\nwalk,-0.5,0.5\nrun,2,2\n"


def weights(model):
    """The file PyTorch's safetensors.torch.save_file writes for a module with attributes ``rnn`` and ``head``."""
    return safetensors.numpy.save(model.state_dict())


def files(page):
    return page.locator('[data-testid="stSidebar"] input[type="file"]')


def test_an_uploaded_lstm_steps_through_a_csv_in_the_browser_without_asking_the_server(browser):  # noqa: F811
    x = np.zeros((3, 2, 2))
    x[:, 0] = [[0.5, -1], [1, 0.25], [-0.5, 0.5]]
    x[0, 1] = [2, 2]
    rec = MODEL.forward(x, np.array([3, 1]))
    with fresh_server() as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(60_000)
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.monotonic())))
        page.goto(f"{url}/step_through?source=pytorch")
        page.get_by_text("Upload the weights of a PyTorch model").wait_for()
        files(page).nth(0).set_input_files(files=[{"name": "walker.safetensors", "mimeType": "application/octet-stream",
                                                    "buffer": weights(MODEL)}])
        page.get_by_text("Now upload its inputs as a CSV").wait_for()
        files(page).nth(1).set_input_files(files=[{"name": "walk.csv", "mimeType": "text/csv", "buffer": CSV}])
        wait_for_step(page, 0)
        settle(page)
        view = shown(page)
        assert view["tables"]["units"]["h_t"] == [fmt(v) for v in rec.rnn.layers[0].hidden[0, 0]]
        assert "loss ℓ_t" not in view["tables"]["sequence"] and "target" not in view["tables"]["sequence"]
        assert page.get_by_text("no target given").count() == 1
        page.wait_for_timeout(2000)
        before = len(sent)
        for t in (1, 2):
            button(page, "next").click()
            wait_for_step(page, t)
            view = shown(page)
            assert view["tables"]["units"]["h_t"] == [fmt(v) for v in rec.rnn.layers[0].hidden[t, 0]]
            assert view["tables"]["units"]["c_t"] == [fmt(v) for v in rec.rnn.layers[0].cell[t, 0]]
            assert view["tables"]["outputs"]["y_t"] == [f"{v:.4f}" for v in rec.head.y[t, 0]]
        assert len(sent) == before, "a step went to the server"
        screenshot(page, "pytorch_step_through_1280x720")
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()


def test_a_model_of_the_wrong_size_for_the_example_is_refused_naming_both_sizes(browser):  # noqa: F811
    with fresh_server() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/step_through?source=pytorch&pt_inputs=jazz")
        page.get_by_text("Upload the weights of a PyTorch model").wait_for()
        files(page).nth(0).set_input_files(files=[{"name": "walker.safetensors", "mimeType": "application/octet-stream",
                                                    "buffer": weights(MODEL)}])
        page.get_by_text("the model takes 2 inputs and gives 3 outputs; JAZZ has 4 inputs and 4 outputs").wait_for()
        assert page.locator('[data-testid="stException"]').count() == 0
        page.close()
