"""The shell every page draws first: the page config and the sidebar's navigation in teaching order.

Streamlit routes ``pages/<stem>.py`` by file name and runs it without ``app.py``, so each page (and the
home page, ``app.py`` itself) calls :func:`page_shell` before anything else; a page opened first by its URL
then shows the same title, navigation and settings as one reached through the navigation.
"""

import streamlit as st

from .nav import sections
from .replica import moved_notice

APP_TITLE = "Unrolled: see inside recurrent networks"


def page_shell():
    """Set the page config and draw the navigation at the top of the sidebar (the current page highlighted)."""
    st.set_page_config(page_title=APP_TITLE, page_icon=":material/all_inclusive:", layout="wide",
                       initial_sidebar_state="expanded")
    with st.sidebar.container(key="navigation"):
        for section, pages in sections().items():
            st.caption(section)
            for page in pages:
                st.page_link(page.file, label=page.title, icon=page.icon)
    moved_notice()                       # behind `make serve`: this student's replica stopped
