"""Administration: audit trail and accounts (issue 20; role « administrateur »)."""

from __future__ import annotations

import streamlit as st

from ui import admin

st.title("Administration")
st.caption(
    "Qui a importé, remplacé, supprimé, restauré ou exporté quoi et quand (exports Filoué "
    "compris), les connexions et les modifications de comptes."
)
tab_audit, tab_accounts = st.tabs(["Journal d'audit", "Comptes"])
with tab_audit:
    admin.render_audit()
with tab_accounts:
    admin.render_accounts()
