"""Controls shared by the pages: the sidebar settings, the intro text, downloads and messages.

Every widget's key is its setting's name (see ``ui.state``), so the URL, the session state and the
widget agree. Nothing a person typed is ever rendered as HTML or Markdown.
"""

import re

import pandas as pd
import streamlit as st

from rnn_core.examples import EXAMPLES

from . import state
from .shell import page_shell
from .state import CELL_NAMES, SHARED

EXAMPLE_NAMES = {"jazz": "JAZZ (letters)", "kennedy": "Kennedy (names)", "home": "HOME (letters)",
                 "namaskar": "namaskar (letters)", "own": "Your own word"}


def plain(text):
    """Text made safe for ``st.markdown``: HTML is escaped by Streamlit; this escapes Markdown too, so
    ``[a](javascript:…)`` or ``![](http://…)`` typed by a person stays literal text."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", str(text))


def page_start(title, intro, page_settings=(), sidebar=True, example_picker=True, weights_picker=True):
    """Title, the page's two or three sentences, the shared sidebar; returns every setting's value.

    Call first on every page: Streamlit runs each page file alone, without ``app.py``.
    """
    page_shell(title)
    settings = tuple(SHARED) + tuple(page_settings)
    state.init(settings)
    state.keep(settings)
    st.title(title)
    st.markdown(intro)
    for problem in state.url_problems():
        st.warning(f"Link setting ignored: {problem}.")
    if sidebar:
        shared_sidebar(example_picker, weights_picker)
    return state.values(settings)


def page_end(page_settings=()):
    """Write every setting that differs from its default into the URL, for a link that reproduces the page."""
    state.write_url(tuple(SHARED) + tuple(page_settings))


def shared_sidebar(example_picker=True, weights_picker=True):
    """The settings shared by the step-through, unrolled, gates and gradient pages (a page with its own
    choice of example or its own training leaves those two out)."""
    with st.sidebar:
        st.subheader("Network")
        if example_picker:
            st.selectbox("Example", state.STEP_EXAMPLES, key="example", format_func=EXAMPLE_NAMES.get,
                         help="The worked examples of the course, or a word of your own.")
        if example_picker and st.session_state.get("example") == "own":
            text_box("Your word or short sentence", "text", next(s.max_length for s in SHARED if s.name == "text"),
                     help="The network learns to predict each next letter of it.")
        st.segmented_control("Cell", state.CELLS, key="cell", format_func=CELL_NAMES.get, required=True)
        st.slider("Hidden units", 1, 32, key="hidden")
        st.slider("Layers", 1, 3, key="layers")
        st.number_input("Seed", 0, 9999, step=1, key="seed",
                        help="The random initial weights; part of the link, so others see the same network.")
        if weights_picker:
            st.segmented_control("Weights", state.WEIGHTS, key="weights", required=True,
                                 format_func=lambda w: "Untrained" if w == "untrained" else "Trained",
                                 help="Trained: the example's default training, about a second, remembered per "
                                 "setting.")


def text_box(label, key, limit, **kwargs):
    """A text box for setting ``key`` that refuses text over ``limit`` characters with a message and keeps the
    previous text. (Streamlit's ``max_chars`` stops the typing in the browser and drops a longer paste
    without a word.) The check runs in the box's callback, before the page uses the value."""
    good, refused = f"_{key}_good", f"_{key}_refused"
    st.session_state[good] = st.session_state.get(key, "")     # a value that reached a run passed the check

    def check():
        text = st.session_state[key]
        if len(text) > limit:
            st.session_state[refused] = len(text)
            st.session_state[key] = st.session_state[good]

    st.text_input(label, key=key, on_change=check, **kwargs)
    count = st.session_state.pop(refused, None)
    if count is not None:
        st.warning(f"That text has {count:,} characters; the box takes at most {limit}. The previous text is "
                   "kept: shorten the text and try again.", icon=":material/content_cut:")


def shared_run(values, page_settings=()):
    """The run the sidebar's settings ask for (``ui.engine.step_run``); bad own text is explained and the page
    stops there, its settings still written to the URL."""
    from rnn_core.data import InputError

    from . import engine, jobs
    setting = tuple(values[n] for n in ("example", "text", "cell", "hidden", "layers", "seed"))
    try:
        if values["weights"] == "trained":            # trained in the server's worker process: wait for it
            engine.step_run(*setting, "untrained")    # bad own text is refused before anything trains
            job = engine.step_job(*setting)
            if job.state != "done":
                what = f"{CELL_NAMES[values['cell']]}, seed {values['seed']}, with the example's defaults"
                (jobs.failed if job.state == "failed" else jobs.waiting)(job, what)
                page_end(page_settings)
                st.stop()
        return engine.step_run(*setting, values["weights"])
    except InputError as err:
        input_error(err)
        page_end(page_settings)
        st.stop()


def example_title(key):
    return EXAMPLE_NAMES.get(key) or EXAMPLES[key].title


def download_csv(frame, filename, label="Download the numbers (CSV)", key=None):
    """A download button for a table's numbers: a DataFrame, rows, or a function of no arguments that makes them.

    The CSV is written when the button is pressed, not at every run of the page: a page's runs are what a
    class multiplies by thirty, and few of them end in a download (a page with four tables spent a tenth of
    its run on CSVs nobody asked for). A function also leaves the table itself to the click.
    """
    def csv():
        table = frame() if callable(frame) else frame
        return (table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)).to_csv(index=False).encode("utf-8")
    st.download_button(label, csv, file_name=filename, mime="text/csv", on_click="ignore",
                       key=key or f"download-{filename}", icon=":material/download:")


def input_error(err):
    """A person's bad input, explained; the page carries on."""
    st.error(f"That input can't be used: {plain(err)}. Nothing else was changed.", icon=":material/error:")
