"""Streamlit glue shared by the pages: the one caching boundary (`ui.cache`), the shared
sidebar and territory state (`ui.state`), and small display helpers (`ui.components`).

Only this package and `app_pages/` import streamlit.
"""
