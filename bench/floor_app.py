"""Streamlit script of the map floor (bench/bench_floor.py): an otherwise empty Streamlit page
and bare Leaflet drawing the same GeoJSON as the app's map (same payload, canvas, one fill
colour, fit on the same bounds), through a minimal `st.components.v2` component.

Query parameter `case` (departement, region, france_epci, france_communes). Run from a
temporary copy next to a copy of static/vendor, like bench/folium_app.py.
"""

from __future__ import annotations

import streamlit as st

from geodata import assets, layers
from geodata.territory import FRANCE, Level, Territory

CASES = {
    "departement": (Territory(Level.DEPARTEMENT, "69", ""), Level.COMMUNE),
    "region": (Territory(Level.REGION, "84", ""), Level.COMMUNE),
    "france_epci": (FRANCE, Level.EPCI),
    "france_communes": (FRANCE, Level.COMMUNE),
}
HEIGHT = 580

_JS = """
export default function (component) {
  var data = component.data, root = component.parentElement;
  var div = root.querySelector('div.floor-map');
  if (div) return;
  div = document.createElement('div');
  div.className = 'floor-map';
  div.style.height = data.height + 'px';
  root.appendChild(div);
  var map = L.map(div, {preferCanvas: true, zoomSnap: 0.25});
  var layer = L.geoJSON(JSON.parse(data.geo), {style: function () {
    return {fillColor: '#6baed6', fillOpacity: 0.85, color: '#ffffff', weight: 0.6}; }});
  layer.addTo(map);
  var b = data.bounds;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {animate: false});
  window.diagMainLayer = layer;
}
"""


@st.cache_data(show_spinner=False, max_entries=4)
def _payload(case: str) -> tuple[str, list[float]]:
    territory, level = CASES[case]
    p = layers.payload(level, territory)
    return p.geojson, list(p.bounds)


_floor = st.components.v2.component(
    "floor_leaflet_map",
    js=assets.leaflet_js_source() + "\n" + _JS,
    css=assets.leaflet_css_source(),
    isolate_styles=False,
)

case = str(st.query_params.get("case", "departement"))
geo, bounds = _payload(case)
_floor(key="floor", data={"geo": geo, "bounds": bounds, "height": HEIGHT}, height="content")
