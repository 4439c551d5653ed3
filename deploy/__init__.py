"""Serving a class from one machine: Streamlit replicas behind HAProxy (``python -m deploy.serve``)."""
