"""Pré-diagnostic CTG: a CTG, a commune, an EPCI or a set of communes, compared with its EPCI,
département and France (circulaire Cnaf, section 2.3.1), with PDF and XLSX exports."""

from __future__ import annotations

import streamlit as st

from ui import prediag as ui_prediag
from ui import state

territory = state.current_territory()
st.title("Pré-diagnostic CTG")
st.caption(
    "Données et graphiques pour préparer le renouvellement d'une convention territoriale globale : offre "
    "d'accueil, besoins des familles, zones insuffisamment dotées, et les autres thèmes de la CTG. Les phrases "
    "générées énoncent des faits chiffrés, sans appréciation."
)
subject = ui_prediag.choose_subject(territory)
if subject is not None:
    previews = ui_prediag.choose_previews(subject)
    ui_prediag.render_prediag(ui_prediag.prediag(subject, previews), previews)
