"""Which replica serves this session, and a notice for a student whose replica stopped (``make serve``).

``deploy/serve.py`` starts each replica with its name in ``UNROLLED_REPLICA``, and HAProxy gives each browser a
cookie naming the replica that opened its websocket. When that replica stops, the browser's reconnect carries
the old name to a live replica: the session there is new, its settings come back from the URL (``ui.state``),
and only what lived in the old process (a training run, an upload) is gone, which the notice says.
"""

import os

import streamlit as st

HEARTBEAT_SECONDS = 20.0         # see moved_notice
COOKIE = "UNROLLED_SOCKET"       # set by HAProxy on each websocket it opens (deploy/haproxy.cfg.template)
ENV = "UNROLLED_REPLICA"


def moved_from():
    """The replica this browser was on before, when it is not this one (else None)."""
    here = os.environ.get(ENV)
    try:
        before = st.context.cookies.get(COOKIE)
    except Exception:                     # no browser behind this run (AppTest, bare mode)
        return None
    if not here or not before or before == here:
        return None
    return before


def moved_notice():
    """A warning at the top of the page for a session that came over from a stopped replica.

    Behind ``make serve`` it also draws an empty fragment with a slow timer: Streamlit's page reruns itself after a
    reconnect only when it has a timer (otherwise it waits for the student's next action, expecting its old
    session), so a page whose replica stopped comes back on the new one by itself, with this notice.
    """
    if os.environ.get(ENV):
        with st.sidebar:
            _heartbeat()
    if moved_from():
        st.warning("The server this page was on stopped, so it was opened again on another one, with the "
                   "settings from its link. Anything that lived only in the old server (a training run in "
                   "progress, an uploaded file) has to be started again.", icon=":material/sync_problem:")


@st.fragment(run_every=HEARTBEAT_SECONDS)
def _heartbeat():
    """Nothing to draw: the timer is the point (about 1 ms of server time per session every 20 s)."""
