import streamlit as st

st.title("filoue")
st.info("Page en cours de construction.")
