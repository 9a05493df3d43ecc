"""Streamlit script of bench/bench_folium.py: one map, drawn through `st_folium` or through the
app's in-page component (`ui.maps.show_territory_map`, what the Territoire page uses).

Query parameters: `case` (departement, region, france_epci, france_communes) and `via`
(`st_folium` or `composant`). Both draw the same folium map (same payload, colouring,
tooltip and height) on an otherwise empty page; st_folium returns only what the Territoire
page needs (`returned_objects=["last_active_drawing"]`: the clicked feature, whose
properties hold its code). Run by the benchmark from a temporary copy next to a copy of
static/vendor (Streamlit serves `static/` beside the main script).
"""

from __future__ import annotations

import streamlit as st

from geodata.territory import Level, make_territory
from ui import cache, maps

CASES = {
    "departement": (Level.DEPARTEMENT, "69", Level.COMMUNE),
    "region": (Level.REGION, "84", Level.COMMUNE),
    "france_epci": (Level.FRANCE, "", Level.EPCI),
    "france_communes": (Level.FRANCE, "", Level.COMMUNE),
}
HEIGHT = 580
CREDIT = "IGN Admin Express 2025 · INSEE, populations légales 2023"

st.set_page_config(page_title="Banc d'essai des cartes", layout="wide")
case = str(st.query_params.get("case", "departement"))
via = str(st.query_params.get("via", "composant"))
kind, code, level = CASES[case]
territory = make_territory(cache.geography(), kind, code)
theme = maps.themes_for(level)[0]
st.caption(f"{case} — {via}")
if via == "st_folium":
    from streamlit_folium import st_folium

    highlight = territory.code if territory.level is Level.COMMUNE else None
    classified, tooltip, legend_title = maps.territory_colouring(territory.key, level.value, theme)
    m = maps.territory_map(  # a fresh Map each run (a cached one loses its polygons)
        level,
        territory,
        classified.colors,
        classified.legend,
        title=theme,
        legend_title=legend_title,
        credit=CREDIT,
        tooltip=tooltip,
        highlight=highlight,
        height=HEIGHT,
    )
    out = st_folium(
        m,
        key="bench_map",
        height=HEIGHT,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
else:
    maps.show_territory_map(territory, level, theme, credit=CREDIT, key="bench_map", height=HEIGHT)
