"""Entry point: page config, navigation and the shared sidebar.

Run with `make run` (see README). Pages live in `app_pages/` and stay thin: computations are
in `diagnostics/`, geography in `geodata/`, data in `datastore/`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import state

# A local image: a material icon or an emoji favicon would be fetched from a CDN, and the
# app must work with no internet access.
FAVICON = str(Path(__file__).resolve().parent / "static" / "favicon.png")

st.set_page_config(
    page_title="Diagnostics territoriaux — services aux familles",
    page_icon=FAVICON,
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Territoire": [
        st.Page(
            "app_pages/territoire.py",
            title="Territoire",
            icon=":material/map:",
            url_path="territoire",
            default=True,
        ),
        st.Page(
            "app_pages/couverture.py",
            title="Taux de couverture",
            icon=":material/child_care:",
            url_path="couverture",
        ),
        st.Page(
            "app_pages/ao_ctg.py",
            title="Compétences AO et CTG",
            icon=":material/account_balance:",
            url_path="ao-ctg",
        ),
        st.Page(
            "app_pages/zones.py",
            title="Zones sous-dotées",
            icon=":material/crisis_alert:",
            url_path="zones",
        ),
    ],
    "Restitutions": [
        st.Page(
            "app_pages/prediagnostic.py",
            title="Pré-diagnostic CTG",
            icon=":material/description:",
            url_path="prediagnostic",
        ),
        st.Page(
            "app_pages/atelier.py",
            title="Vue atelier (élus)",
            icon=":material/co_present:",
            url_path="atelier",
        ),
        st.Page(
            "app_pages/filoue.py",
            title="Profils Filoué",
            icon=":material/groups:",
            url_path="filoue",
        ),
    ],
    "Données": [
        st.Page(
            "app_pages/donnees.py",
            title="Données et sources",
            icon=":material/database:",
            url_path="donnees",
        ),
    ],
}

navigation = st.navigation(PAGES)
state.render_sidebar()
navigation.run()
