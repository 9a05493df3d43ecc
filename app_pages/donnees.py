"""Données et sources: datasets and provenance, import with validation, schemas, sources (issue 3)."""

from __future__ import annotations

import streamlit as st

from ui import donnees

st.title("Données et sources")
st.caption(
    "Espace de travail : jeux de données importés, avec leur provenance (producteur, millésime, fichier, "
    "date d'import, nature réelle, estimée ou synthétique). Les données restent sur ce serveur."
)
donnees.render_last_commit()
tab_list, tab_import, tab_schemas, tab_sources = st.tabs(
    ["Jeux de données", "Importer un fichier", "Schémas et exemples", "Sources et crédits"]
)
with tab_list:
    donnees.render_undo()
    donnees.render_datasets()
    st.markdown("##### Versions et restauration")
    donnees.render_versions()
with tab_import:
    donnees.render_import()
with tab_schemas:
    donnees.render_schemas()
with tab_sources:
    donnees.render_sources()
