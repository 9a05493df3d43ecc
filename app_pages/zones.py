"""Zones sous-dotées: explainable rules, priority zones per AO, trajectories (thin page, issue 6)."""

from __future__ import annotations

import streamlit as st

from diagnostics import zones as z
from geodata.territory import LEVEL_LABELS, Level
from ui import pages, state
from ui import zones as uz
from ui.components import credits

territory = state.current_territory()
st.title(f"Zones sous-dotées — {territory.label}")
st.caption(
    f"{LEVEL_LABELS[territory.level]} · le décret 2025-253 demande à chaque schéma d'autorité "
    "organisatrice (et au volet petite enfance de chaque CTG) d'identifier « les zones "
    "géographiques caractérisées par une offre d'accueil insuffisante ou par des difficultés dans "
    "l'accès à cette offre ». Aucune règle n'est imposée : choisissez et réglez les vôtres, chacune "
    "est écrite en clair sous son interrupteur."
)
if territory.level is Level.FRANCE:
    st.info(
        "Choisissez une région, un département, un EPCI ou une commune dans le panneau de "
        "gauche : les zones se repèrent commune par commune."
    )
    pages.stop()

if territory.level is Level.COMMUNE:
    st.caption(
        "Une commune est étudiée avec les autres communes de son EPCI : les zones "
        "prioritaires se lisent à l'échelle de l'intercommunalité."
    )
top = st.container()
left, right = st.columns([2, 3], gap="large")
with top:
    ctl, refs = uz.controls(uz.references, uz.caf_years(), left)
    uz.demo(uz.synthetic_kinds())
run = uz.compute(territory, ctl, refs)
base, result, members, polygons = run.base, run.result, run.members, run.polygons
table, summary, holder_note = run.table, run.summary, run.holder_note
method_lines = run.method_lines
lines = uz.source_lines(method_lines)
communes = uz.commune_table(base, result, members, ctl.rules)

with right:
    uz.metric_row(base, result.flags, members)
    uz.map_section(territory, base, refs, polygons, communes)
    credits(lines)

with right, st.container(border=True):
    st.markdown("**Règles appliquées**")
    if not ctl.rules:
        st.warning("Aucune règle n'est cochée : aucune commune n'est retenue.")
    for sentence in result.sentences:
        st.markdown(f"- {sentence}")
    st.caption(result.combine_sentence)
    missing = {k: v for k, v in result.missing.items() if v}
    if missing:
        st.caption(
            "Communes non évaluées faute de donnée : "
            + " ; ".join(f"{r.label} : {missing[r.id]}" for r in ctl.rules if r.id in missing)
            + "."
        )

st.subheader("Zones prioritaires")
st.caption(
    "Une zone = communes prioritaires contiguës (frontière commune), nommée d'après sa "
    "commune la plus peuplée. Places à créer = taux cible × enfants ÷ 100 − places, sur les "
    "communes dont les places sont connues." + (f" {holder_note}" if holder_note else "")
)
if members.empty:
    st.info("Aucune commune ne remplit les règles choisies.")
else:
    st.dataframe(uz.display_fr(uz.zone_table_fr(summary)), hide_index=True, width="stretch")
    with st.expander(
        "Par autorité organisatrice (titulaire de la compétence de planification)", expanded=True
    ):
        st.dataframe(
            uz.display_fr(uz.zone_table_fr(table)),
            hide_index=True,
            width="stretch",
            column_config={
                "Zone": st.column_config.TextColumn(pinned=True),
                "AO (compétence de planification)": st.column_config.TextColumn(
                    pinned=True, width="medium"
                ),
            },
        )
    credits(lines)
with st.expander(f"Indicateurs des {len(communes)} communes", expanded=False):
    st.dataframe(uz.display_fr(communes), hide_index=True, width="stretch")
    credits(lines)
uz.downloads(territory, polygons, table, communes, uz.export_source(lines))

st.subheader("Enregistrer le zonage")
payload = z.zoning_payload(
    "", territory.key, z.rules_to_params(ctl.rules, ctl.combine), members, ctl.target
)
uz.saved_section(territory, payload, f"Zonage {territory.name}", base)

st.divider()
uz.trajectory_section(territory, base, members, ctl.year, ctl.target, lines)
