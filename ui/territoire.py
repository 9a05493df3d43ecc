"""Streamlit glue of the « Territoire » page: family key figures (analyses.family) and the
AO tier of the territory's communes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analyses.family import FamilyFigure, family_figures
from diagnostics.formatting import fmt_number, fmt_percent
from diagnostics.territory_profile import KeyFigures, key_figures
from geodata.territory import Level, Territory, communes_of, make_territory
from geodata.tiers import ao_tiers
from ui import cache, maps
from ui.components import credits
from ui.text import md


@st.cache_data(show_spinner=False, max_entries=32)
def _family(territory_key: str, revision: int) -> tuple[FamilyFigure, ...]:  # noqa: ARG001 - Streamlit cache key
    geo = cache.geography()
    level, _, code = territory_key.partition(":")
    territory = make_territory(geo, Level(level), code)
    return family_figures(
        geo,
        territory,
        cache.dataset("enfants"),
        cache.dataset("allocataires"),
        cache.dataset("caf_taux"),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def key_figures_of(territory_key: str) -> KeyFigures:
    """The Territoire page's key figures (population, communes, EPCI, tiers, density),
    computed once per territory: they depend on the reference geography only."""
    geo = cache.geography()
    level, _, code = territory_key.partition(":")
    return key_figures(communes_of(geo, make_territory(geo, Level(level), code)))


def family_section(territory: Territory) -> None:
    """Children under 3, births, allocataires and the published coverage rate, with sources."""
    st.markdown("##### Familles et petite enfance")
    figures = _family(territory.key, cache.revision())
    shown = [f for f in figures if not f.missing]
    cols = st.columns(2)
    for i, f in enumerate(shown):
        cols[i % 2].metric(md(f.label), f.text)
    credits([f"{f.label.split(' (')[0]} : {f.source}" for f in shown])
    missing = [f.missing for f in figures if f.missing]
    if missing:
        st.caption("Non disponible dans l'espace de travail : " + " ".join(md(m) for m in missing))


def tiers_section(territory: Territory, tiers: pd.DataFrame, population: int) -> bool:
    """The AO tier table of a territory's communes; for one commune, its own tier in a
    sentence instead of a table of zeros. Returns True when a table was drawn."""
    if territory.level is Level.COMMUNE:
        pop = population
        tier = str(ao_tiers(pd.Series([pop])).iloc[0])
        st.markdown(
            f"**Strate d'autorité organisatrice** : {md(tier)} habitants (population "
            f"municipale : {fmt_number(pop)})."
        )
        return False
    table = pd.DataFrame(
        {
            "Strate (habitants)": tiers["tier"].astype(str),
            "Communes": tiers["communes"].map(fmt_number),
            "Population": tiers["population"].map(fmt_number),
            "Part": (tiers["population"] / max(population, 1) * 100).map(
                lambda v: fmt_percent(v, 1)
            ),
        }
    )
    st.markdown("##### Communes par strate d'autorité organisatrice")
    st.markdown(maps.markdown_table(table, right=["Communes", "Population", "Part"]))
    return True
