"""Entry point: page config, navigation and the shared sidebar.

Run with `make run` (see README). Pages are declared once in `ui/pages.py`; their scripts live in `app_pages/` and stay thin: computations are
in `diagnostics/`, geography in `geodata/`, data in `datastore/`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from datastore.store import StoreError
from ui import auth, cache, pages, state
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

# A workspace fault (damaged, read-only, missing file, full disk) is told in French, without
# server paths, instead of a traceback (datastore.store.fault_message). Sign-in and roles
# (issue 20) are checked by ui.auth.gate before anything of a page runs.
try:
    cache.store()  # opens (and checks) the workspace first, whatever the page
    user = auth.current_user()
    navigation = st.navigation(pages.navigation(auth.menu_grants(user)))
    user = auth.gate(pages.page_of(navigation.url_path).url_path)
    cache.workspace()  # the default data, imported once (not for the sign-in page)
    auth.render_account_box(user)
    auth.start_territory(user)
    state.render_sidebar()
    auth.check_territory(user, state.current_territory())
    if state.arrondissement_gate(navigation.url_path):
        navigation.run()
except StoreError as exc:
    st.error(md(exc), icon=":material/database:")
    st.stop()
