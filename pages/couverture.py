import streamlit as st

st.title("couverture")
st.info("Page en cours de construction.")
