import streamlit as st

st.title("atelier")
st.info("Page en cours de construction.")
