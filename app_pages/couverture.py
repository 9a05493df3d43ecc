"""Taux de couverture: CNAF coverage rates of the selected territory (thin page, issue 4)."""

from __future__ import annotations

import math
from functools import partial

import streamlit as st

from analyses.coverage import territory_coverage
from diagnostics import coverage as cv
from geodata.territory import LEVEL_LABELS
from ui import cache, couverture, pages, state
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
    pages.stop()

ctl = couverture.controls(
    territory,
    data.years,
    data.year_levels,
    {y: cv.editions_in(data.taux, y) for y in data.years},
)
# One edition for the comparison (the territory's own, or the one chosen), one for the map.
cov = territory_coverage(
    geo,
    data,
    territory,
    ctl.year,
    ctl.level,
    estimate=ctl.estimate,
    target=ctl.target,
    edition=ctl.edition,
    children_of=partial(couverture.children_estimate_of, year=ctl.year),
)
national, chain, figures, rank = cov.national, cov.chain, cov.figures, cov.rank
demo_band(
    couverture.uses_synthetic(figures.iloc[[0]]) or cov.national_nature == "synthétique",
    "taux de ce territoire ou taux national servant au rapport",
)
couverture.headline(
    figures.iloc[0].to_dict(),
    national,
    ctl.year,
    couverture.credit_lines(data, [chain[0].niveau], ctl.year, cov.edition),
    couverture.national_caption(data, ctl.year, cov.edition, national),
)
map_mode = couverture.effective_map_mode(ctl.mode, cov.rank_national)
if math.isnan(cov.rank_national):  # national rate of that edition not imported
    st.warning(
        f"Taux national {ctl.year} non importé : le rapport au taux national et les "
        "places manquantes pour l'atteindre ne sont pas disponibles ; la carte est colorée "
        "par quantiles du taux global."
    )

rank_sources = couverture.credit_lines(data, [ctl.level.value], ctl.year, cov.rank_edition)
rank_sources.append(
    couverture.national_caption(data, ctl.year, cov.rank_edition, cov.rank_national)
)

st.subheader("Carte")
demo_band(couverture.uses_synthetic(rank), "taux de la carte")
if note := couverture.empty_level_note(rank, ctl.level, ctl.year, data):
    st.info(note, icon=":material/info:")
couverture.map_section(territory, ctl.level, rank, map_mode, ctl.year, rank_sources)
couverture.comparison_section(data, figures, national, ctl.year, cov.edition)
couverture.plm_section(data, territory, ctl.year, national)
couverture.ept_section(data, territory, ctl.year, cov.rank_national)
couverture.evolution_section(data, list(chain), ctl.estimate, ctl.edition)
couverture.ranking_section(rank, ctl.level, ctl.year, ctl.target, cov.rank_national, rank_sources)
