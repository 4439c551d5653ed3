"""Unrolled: the entry point. One page config, the navigation in teaching order, then the chosen page.

Run with ``make run`` (or ``streamlit run app.py``). Each page file in ``app_pages/`` is thin: it reads its
settings, calls the engine through ``ui``, and draws with ``viz``. The page list lives in ``ui/nav.py``.
"""

import streamlit as st

from ui.nav import sections

st.set_page_config(page_title="Unrolled: see inside recurrent networks", page_icon=":material/all_inclusive:",
                   layout="wide", initial_sidebar_state="expanded")

navigation = {
    section: [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
              for p in pages]
    for section, pages in sections().items()
}
st.navigation(navigation, position="sidebar", expanded=True).run()
