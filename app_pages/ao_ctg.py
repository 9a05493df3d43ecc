"""Compétences d'autorité organisatrice (AO) et statut des CTG (circulaire, section 2.2)."""

from __future__ import annotations

import streamlit as st

from ui import ao as ui_ao
from ui import pages, state

territory = state.current_territory()
st.title("Compétences AO et CTG")
st.caption(
    f"{territory.label} — qui exerce les quatre compétences d'autorité organisatrice de l'accueil du "
    "jeune enfant, qui doit planifier, et la CTG tient-elle lieu de schéma pluriannuel ?"
)
reference_date = ui_ao.reference_date_input()
result = ui_ao.analysis(territory, reference_date)
ui_ao.render_header(result)
if result.errors:
    pages.stop()
ui_ao.render_metrics(result)
ui_ao.render_map(territory, result)
ui_ao.render_table(result)
ui_ao.render_ctgs(result)
ui_ao.render_avenants(result)
ui_ao.render_followup(result)
