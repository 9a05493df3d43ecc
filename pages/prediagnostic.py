import streamlit as st

st.title("prediagnostic")
st.info("Page en cours de construction.")
