"""Taux de couverture: CNAF coverage rates of the selected territory (thin page, issue 4)."""

from __future__ import annotations

import math

import streamlit as st

from diagnostics import coverage as cv
from geodata.territory import LEVEL_LABELS
from ui import cache, couverture, state
from ui.components import demo_band

geo = cache.geography()
territory = state.current_territory()
data = couverture.load()

st.title(f"Taux de couverture — {territory.label}")
st.caption(
    f"{LEVEL_LABELS[territory.level]} · places théoriques d'accueil pour 100 enfants de moins de "
    "3 ans (EAJE, assistants maternels, salariés à domicile, préscolarisation à 2 ans), au 31 "
    "décembre, telles que publiées par la Cnaf. Un taux peut dépasser 100."
)
if not data.years:
    st.warning(
        "Aucun fichier de taux de couverture Cnaf n'est importé. Importez les fichiers "
        "« txcouv_pe » et « nbpla_pe » de data.caf.fr dans la page « Données et sources »."
    )
    st.stop()

national_by_year = {y: cv.national_rate(data.taux, y)[0] for y in data.years}
ctl = couverture.controls(territory, data.years, national_by_year)
national = national_by_year[ctl.year]
chain = couverture.chain_for(geo, territory)
figures = cv.comparison(
    data.taux,
    data.places,
    chain,
    ctl.year,
    estimate=ctl.estimate,
    communes_by_place=couverture.communes_for_estimates(geo, chain) if ctl.estimate else None,
)
demo_band(
    couverture.uses_synthetic(figures.iloc[[0]])
    or cv.national_rate(data.taux, ctl.year)[1] == "synthétique",
    "taux de ce territoire ou taux national servant au rapport",
)
couverture.headline(
    figures.iloc[0].to_dict(),
    national,
    ctl.year,
    couverture.credit_lines(data, [chain[0].niveau, "france"], ctl.year),
)
map_mode = couverture.effective_map_mode(ctl.mode, national)
if math.isnan(national):  # national file not imported
    st.warning(
        f"Taux national {ctl.year} non importé : le rapport au taux national et les "
        "places manquantes pour l'atteindre ne sont pas disponibles ; la carte est colorée "
        "par quantiles du taux global."
    )

units = couverture.units_for(geo, territory, ctl.level)
rank = cv.ranking(
    data.taux,
    data.places,
    ctl.level.value,
    units,
    ctl.year,
    national=national,
    target=ctl.target,
    estimate=ctl.estimate,
    parent_chain=couverture.unit_parents(territory, chain),
    enfants=data.enfants,
    communes=geo.communes if ctl.estimate else None,
)
rank_sources = couverture.credit_lines(data, [ctl.level.value, "france"], ctl.year)

st.subheader("Carte")
demo_band(couverture.uses_synthetic(rank), "taux de la carte")
couverture.map_section(territory, ctl.level, rank, map_mode, ctl.year, rank_sources)
couverture.comparison_section(data, figures, national, ctl.year)
couverture.plm_section(data, territory, ctl.year, national)
couverture.evolution_section(data, chain, ctl.estimate)
couverture.ranking_section(rank, ctl.level, ctl.year, ctl.target, national, rank_sources)
