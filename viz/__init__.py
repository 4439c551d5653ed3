"""Plotly figure builders: engine records in, ``go.Figure`` out. NumPy, pandas and Plotly only; no Streamlit,
and no math of their own: every number drawn comes from the record or the parameters passed in."""
