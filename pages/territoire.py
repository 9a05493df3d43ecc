import streamlit as st

st.title("territoire")
st.info("Page en cours de construction.")
