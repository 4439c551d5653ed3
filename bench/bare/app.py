"""The smallest Streamlit page (a title and a line): what a first load costs before any of the app's own work.
``bench.first_load`` serves it beside the app to measure the floor on this machine."""

import streamlit as st

st.title("A bare page")
st.write("Nothing else.")
