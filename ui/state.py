"""Settings that live in the URL: one table of every setting, its type, default and allowed values.

As in TensorFlow Playground's ``state.ts``, a page's state is the list of its settings' values, the
seed included, so a link reproduces what the sender saw. On a session's first run each setting is
read from ``st.query_params`` (a bad value falls back to its default with a note); after the widgets
have run, every setting that differs from its default is written back to the URL.

Widgets own their keys in ``st.session_state`` (key = the setting's name = the URL parameter), and
:func:`keep` re-assigns them on every run so that a setting survives a visit to a page that does not
draw its widget.
"""

from dataclasses import dataclass

import streamlit as st

from rnn_core.data import MAX_TEXT


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` is both its session-state key and its URL parameter."""

    name: str
    default: object
    choices: tuple | None = None      # allowed values (str settings), or None
    low: float | None = None          # bounds (numbers)
    high: float | None = None
    max_length: int = MAX_TEXT        # text settings

    def parse(self, raw):
        """The value a URL string stands for; ValueError if it is not allowed."""
        kind = type(self.default)
        if kind is bool:
            if raw not in ("0", "1", "true", "false"):
                raise ValueError(raw)
            return raw in ("1", "true")
        value = kind(raw)
        if self.choices is not None and value not in self.choices:
            raise ValueError(raw)
        if self.low is not None and not (self.low <= value <= self.high):
            raise ValueError(raw)
        if isinstance(value, str) and len(value) > self.max_length:
            raise ValueError(raw[:20])
        return value

    def format(self, value):
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(value)


CELLS = ("rnn", "lstm", "gru")
CELL_NAMES = {"rnn": "Vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
STEP_EXAMPLES = ("jazz", "kennedy", "home", "namaskar", "own")
WEIGHTS = ("untrained", "trained")

#: the settings shared by every page (drawn in the sidebar)
SHARED = (
    Setting("example", "jazz", STEP_EXAMPLES),
    Setting("text", "Unrolled", max_length=40),          # the person's own word, for example="own"
    Setting("cell", "rnn", CELLS),
    Setting("hidden", 8, low=1, high=32),
    Setting("layers", 1, low=1, high=3),
    Setting("seed", 0, low=0, high=9999),
    Setting("weights", "untrained", WEIGHTS),
)


def _problems():
    return st.session_state.setdefault("_url_problems", [])


def init(settings):
    """Give every setting a value in session state: from the URL on first sight, else its default."""
    params = st.query_params
    for s in settings:
        if s.name in st.session_state:
            continue
        value = s.default
        if s.name in params:
            try:
                value = s.parse(params[s.name])
            except (TypeError, ValueError):
                _problems().append(f"the link's {s.name}={params[s.name][:20]!r} is not allowed; "
                                   f"using {s.format(s.default)!r}")
        st.session_state[s.name] = value


def keep(settings):
    """Re-assign widget-owned keys so that Streamlit keeps them while another page is shown."""
    for s in settings:
        if s.name in st.session_state:
            st.session_state[s.name] = st.session_state[s.name]


def write_url(settings):
    """Put every non-default setting into the URL and take the defaults out."""
    params = st.query_params
    for s in settings:
        value = st.session_state.get(s.name, s.default)
        text = s.format(value)
        if value == s.default:
            if s.name in params:
                del params[s.name]
        elif params.get(s.name) != text:
            params[s.name] = text


def values(settings):
    """The current value of each setting, as a dict."""
    return {s.name: st.session_state.get(s.name, s.default) for s in settings}


def url_problems():
    """Link settings that were refused on this session's first run: shown on that run and on the runs the page
    asks for itself (:func:`show_url_problems_again`), then forgotten at the person's next action."""
    problems = list(_problems())
    _problems().clear()
    if problems:
        st.session_state["_url_problems_shown"] = problems
    elif st.session_state.pop("_url_problems_again", False):
        problems = st.session_state.get("_url_problems_shown", [])
    else:
        st.session_state.pop("_url_problems_shown", None)
    return problems


def show_url_problems_again():
    """The next run is the page's own (a training that finished, ``ui.jobs.waiting``), not the person's: it
    shows the refused link settings again, or they would vanish a second after the page opened."""
    st.session_state["_url_problems_again"] = True
