"""Entry point: page config, navigation and the shared sidebar.

Run with `make run` (see README). Pages are declared once in `ui/pages.py`; their scripts live in `app_pages/` and stay thin: computations are
in `diagnostics/`, geography in `geodata/`, data in `datastore/`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from datastore.store import StoreError
from ui import auth, cache, maps, pages, state
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
#
# On the Territoire page (ui.pages.PICKER_AFTER) the territory picker of the sidebar is sent
# AFTER the page (in its place at the top of the sidebar): the browser gets the map before the
# picker's widgets (measured in bench/README.md, « Carte contre son plancher »). Its widgets
# act through callbacks, which run before the script, so the page sees the same selection.
# Every other page draws the picker first, so that a long page never leaves the user without
# it. A page ends early with ui.pages.stop(), not st.stop() (after which nothing more can be
# drawn), and the picker is drawn when a page fails too: the user can always pick another
# territory.
pages.count_run()  # ui.pages.map_first: the first run of a session sends the map first
try:
    cache.store()  # opens (and checks) the workspace first, whatever the page
    user = auth.current_user()
    navigation = st.navigation(pages.navigation(auth.menu_grants(user)))
    user = auth.gate(pages.page_of(navigation.url_path).url_path)
    cache.workspace()  # the default data, imported once (not for the sign-in page)
    auth.render_account_box(user)
    auth.start_territory(user)
    state.show_url_notice()
    refusal = auth.territory_refusal(user, state.current_territory())
    if refusal:
        state.render_sidebar()  # to pick a territory of the user's départements
        auth.refuse(refusal)
    spec = pages.page_of(navigation.url_path)
    if spec.url_path in pages.WITH_MAPS:
        maps.preload_map_code(st.sidebar)  # the map's code is loaded first (ui/maps.py)
    picker = st.sidebar.container()
    # The first run of a session on a ui.pages.MAP_FIRST page sends its map alone: the picker
    # and the rest of the page come with the next run, which the map asks for once painted
    # (or rest_of_page_fallback does, if the map never reports).
    first = pages.map_first(spec.url_path)
    if first:
        with st.sidebar:
            pages.rest_of_page_fallback()
    with pages.then_draw(
        (lambda: None) if first else (lambda: state.render_sidebar(picker)),
        after=spec.url_path in pages.PICKER_AFTER,
    ):
        if state.arrondissement_gate(navigation.url_path):
            navigation.run()
except StoreError as exc:
    st.error(md(exc), icon=":material/database:")
    st.stop()
