import streamlit as st

st.title("zones")
st.info("Page en cours de construction.")
