"""The app as Streamlit's own ASGI application: ``st.App`` around ``app.py``, with the middleware that tells the
page where its server is (``deploy/base_url.py`` says why).

    streamlit run deploy/asgi.py --server.port 8501    # what `make run`, each `make serve` replica and the tests run

The pages, settings (``.streamlit/config.toml``) and static files are the app's, as with ``streamlit run app.py``.
"""

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the project, wherever the server was started
from deploy.base_url import BaseUrlScript  # noqa: E402

app = st.App("../app.py", middleware=[Middleware(BaseUrlScript)])
