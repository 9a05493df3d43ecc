"""Territoire: map of the selected territory and its key figures (thin page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from catalogue.sources import credit
from diagnostics.formatting import fmt_number, fmt_percent
from geodata.reference import POPULATION_LABEL
from geodata.territory import (
    LEVEL_LABELS,
    LEVEL_LABELS_PLURAL,
    Level,
    default_sublevel,
    make_territory,
    sublevels,
)
from geodata.tiers import TIER_DESCRIPTIONS
from ui import cache, maps, pages, state, territoire
from ui.components import credits

geo = cache.geography()
territory = state.current_territory()

st.title(territory.label)
st.caption(f"{LEVEL_LABELS[territory.level]} · carte et chiffres clés")

# ---- map, then its controls ------------------------------------------------------------
# The map is sent first and its selectors after it, in a container placed above it (same
# place on screen): the browser starts drawing the map before it loads the selectors' code
# (bench/README.md, « Carte contre son plancher »). Their values are read beforehand, as
# Streamlit will return them (ui.state.widget_value).
levels = sublevels(territory)
default_level = default_sublevel(territory)
wanted = st.query_params.get("maille", "")
start = Level(wanted) if wanted in {lv.value for lv in levels} else default_level
level_key = f"territoire_maille_{territory.key}"
level = state.widget_value(level_key, levels, start)
themes = maps.themes_for(level)
theme_key = f"territoire_theme_{level.value}"
theme = state.widget_value(theme_key, themes, themes[0])

sources = [credit("ign_admin_express_2025"), credit("insee_pop_2023")]
if theme == maps.THEME_DENSITY or theme == maps.THEME_RURAL:
    sources.append(credit("insee_densite_2024"))

# On the first run of a browser session the map is sent alone (title, map, its credits), the
# place of the selectors kept; the map asks for the next run once painted, which draws the
# whole page (ui.pages.map_first, bench/README.md « La carte d'abord »).
first = pages.map_first("territoire")
controls = st.container(key=maps.TERRITOIRE_CONTROLS_KEY)  # its place kept: ui.maps.PAGE_CSS_RULES
if first:
    with controls:
        st.empty()  # sent before the map: an empty container is not shown, this one keeps its place
col_map, col_fig = st.columns([3, 2], gap="large")
with col_map:
    clicked = maps.show_territory_map(
        territory,
        level,
        theme,
        credit=" · ".join(sources),
        key=f"territoire_{territory.key}_{level.value}",
        height=580,
        map_first=first,
    )
    credits(sources + ["Cliquez sur un territoire de la carte pour le sélectionner."])
    if clicked and clicked != territory.code:
        try:
            picked = make_territory(geo, level, clicked)
        except KeyError:
            picked = None
        if picked is not None:
            state.select_territory(picked)
if first:
    pages.stop()

with controls:
    c1, c2 = st.columns([1, 2])
    shown_level = c1.selectbox(
        "Maille",
        levels,
        index=levels.index(start),
        format_func=lambda lv: LEVEL_LABELS_PLURAL[lv][:1].upper() + LEVEL_LABELS_PLURAL[lv][1:],
        key=level_key,
        disabled=len(levels) == 1,
    )
    shown_theme = c2.selectbox("Colorer par", themes, key=theme_key)
if (shown_level, shown_theme) != (level, theme):  # never seen; the map must follow them
    st.rerun()
if level is not default_level:
    st.query_params["maille"] = level.value
elif "maille" in st.query_params:
    del st.query_params["maille"]

# ---- key figures -----------------------------------------------------------------------
kf = territoire.key_figures_of(territory.key)
with col_fig:
    st.subheader("Chiffres clés")
    st.metric("Population", fmt_number(kf.population))
    b, c = st.columns(2)
    b.metric("Communes", fmt_number(kf.n_communes))
    c.metric("EPCI", fmt_number(kf.n_epci))
    credits(
        [
            f"Population : {credit('insee_pop_2023')} ({POPULATION_LABEL})",
            f"Communes et EPCI : {credit('ign_admin_express_2025')}",
        ]
    )

    territoire.family_section(territory)
    territoire.tiers_section(territory, kf.tiers, kf.population)
    credits(
        [
            f"Strates calculées sur la {POPULATION_LABEL} ; seuils de 3 500 et 10 000 habitants "
            "(CASF L.214-1-3). {0}".format(credit("insee_pop_2023"))
        ]
    )

    with st.expander("Ce que la loi demande à chaque strate"):
        st.markdown("\n".join(f"- **{k}** : {v}" for k, v in TIER_DESCRIPTIONS.items()))

    st.markdown("##### Niveaux de densité")
    dens = pd.DataFrame(
        {
            "Niveau": kf.density["libelle"].astype(str),
            "Communes": kf.density["communes"].map(fmt_number),
            "Population": kf.density["population"].map(fmt_number),
            "Part de la population": kf.density["part_population"].map(lambda v: fmt_percent(v, 1)),
        }
    )
    st.markdown(
        maps.markdown_table(dens, right=["Communes", "Population", "Part de la population"])
    )
    credits([credit("insee_densite_2024"), credit("insee_pop_2023")])
