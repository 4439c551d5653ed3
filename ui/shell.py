"""The shell every page draws first: the page config and the sidebar's navigation in teaching order.

Streamlit routes ``pages/<stem>.py`` by file name and runs it without ``app.py``, so each page (and the
home page, ``app.py`` itself) calls :func:`page_shell` before anything else; a page opened first by its URL
then shows the same title, navigation and settings as one reached through the navigation.
"""

import gc
from pathlib import Path

import streamlit as st

from .nav import sections
from .replica import moved_notice

# the tab's icon, served by this server: a named Material icon is fetched from Google's font servers, which a
# classroom's firewall may block
ICON = str(Path(__file__).resolve().parents[1] / "static" / "favicon.png")

APP_TITLE = "Unrolled: see inside recurrent networks"


@st.cache_resource(max_entries=32, show_spinner=False)
def _settled_heap(page):
    """Once per page and server process, at its first run (its libraries imported by then): ``gc.freeze()``.

    Python's full garbage collection stops every session of the process while it walks every object alive,
    and it came every ten seconds or so under a class: 80–350 ms each on this machine (the libraries alone are
    hundreds of thousands of objects), the pauses behind the class's slowest answers. Frozen objects are never
    walked again, so the full collections walk only what the sessions made since (30–100 ms). What is frozen
    is what a page needs for the life of the process; a cycle among the few session objects alive at that
    moment is never collected, a few kilobytes at most, ten times per process.
    """
    gc.freeze()
    return page


def page_shell(page=""):
    """Set the page config and draw the navigation at the top of the sidebar (the current page highlighted).
    ``page``: the page's title (the first run of each page settles the heap)."""
    st.set_page_config(page_title=APP_TITLE, page_icon=ICON, layout="wide",
                       initial_sidebar_state="expanded")
    _settled_heap(page)
    with st.sidebar.container(key="navigation"):
        for section, pages in sections().items():
            st.caption(section)
            for page in pages:
                st.page_link(page.file, label=page.title, icon=page.icon)
    moved_notice()                       # behind `make serve`: this student's replica stopped
