import streamlit as st

st.title("ao_ctg")
st.info("Page en cours de construction.")
