"""Entry point: page config, navigation and the shared sidebar.

Run with `make run` (see README). Pages are declared once in `ui/pages.py`; their scripts live in `app_pages/` and stay thin: computations are
in `diagnostics/`, geography in `geodata/`, data in `datastore/`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from datastore.store import StoreError
from ui import cache, pages, state
from ui.text import md

# A local image: a material icon or an emoji favicon would be fetched from a CDN, and the
# app must work with no internet access.
FAVICON = str(Path(__file__).resolve().parent / "static" / "favicon.png")

st.set_page_config(
    page_title="Diagnostics territoriaux — services aux familles",
    page_icon=FAVICON,
    layout="wide",
    # « auto »: open on a computer, collapsed on a phone (it covered the whole page at load)
    initial_sidebar_state="auto",
)

navigation = st.navigation(pages.navigation())
# A workspace fault (damaged, read-only, missing file, full disk) is told in French, without
# server paths, instead of a traceback (datastore.store.fault_message).
try:
    cache.workspace()  # opens (and checks) the workspace first, whatever the page
    state.render_sidebar()
    if state.arrondissement_gate(navigation.url_path):
        navigation.run()
except StoreError as exc:
    st.error(md(exc), icon=":material/database:")
    st.stop()
