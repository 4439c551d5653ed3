"""Streamlit glue shared by the pages: URL-backed settings, cached engine calls, common controls."""
