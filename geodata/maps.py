"""Choropleth maps of communes, EPCI or départements: classification, folium map, static PNG.

Pure (no streamlit). Typical use from a page, through the cached wrapper of ui/maps.py:

    cl = classify_bins(taux, bins=[0, 20, 40, 60, float("inf")],
                       labels=["< 20", "20 à 40", "40 à 60", "60 et plus"], palette=BLUES)
    m = ui.maps.territory_map(Level.COMMUNE, territory, cl.colors, cl.legend,
                              title="Taux de couverture", credit=source.credit(), tooltip=tips)
    code = ui.maps.show_map(m, key="couverture_map")

Design (measured, see docs/ and bench/): the colour of each feature is looked up by code in
a small JS object by a plain Leaflet style function (folium's `style_function` emits one
`switch` case per feature, O(N²) in the browser); the GeoJSON is handed over as a cached,
pre-serialised string; canvas rendering; département outlines for context; no basemap tiles
unless asked; every user-visible string is HTML-escaped (names can come from user files).
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from diagnostics.formatting import fmt_number
from geodata import assets, layers
from geodata.layers import MapPayload
from geodata.territory import Level, Territory

MISSING_COLOR = "#d9d9d9"
MISSING_LABEL = "Donnée non disponible"
BORDER_COLOR = "#ffffff"
OUTLINE_COLOR = "#4a5560"
HIGHLIGHT_COLOR = "#e4002b"
BACKGROUND_COLOR = "#eef2f5"

# Colour-blind-safe sequential palettes (ColorBrewer), light to dark.
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
GREENS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
ORANGES = ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603")
REDS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
PURPLES = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
DEFAULT_PALETTE = BLUES

# Categorical colours used by several pages.
TIER_COLORS = {
    "moins de 3 500": "#c6dbef",
    "3 500 à 10 000": "#4292c6",
    "plus de 10 000": "#08306b",
}
DENSITY_COLORS = {
    "Grands centres urbains": "#7a0177",
    "Centres urbains intermédiaires": "#c51b8a",
    "Petites villes": "#f768a1",
    "Ceintures urbaines": "#fbb4b9",
    "Bourgs ruraux": "#c2e699",
    "Rural à habitat dispersé": "#78c679",
    "Rural à habitat très dispersé": "#238443",
}


@dataclass(frozen=True)
class Classified:
    """A colour per code and the legend that explains it."""

    colors: pd.Series  # index: code (str); values: hex colour (MISSING_COLOR when no value)
    legend: list[tuple[str, str]]  # (hex colour, French label), in display order
    classes: pd.Series | None = None  # index: code; values: class label (None when missing)


@dataclass(frozen=True)
class Overlay:
    """An extra layer drawn above the choropleth (priority zones, AO, CTG, QPV, structures…).

    `data` is a GeoDataFrame (EPSG:4326) or a GeoJSON FeatureCollection string.
    `tooltip_column`: property shown (escaped; a « \\n » starts a new line) on hover; None
    makes the layer inert (no hover, clicks go through to the territories below).
    `kind`: "polygons" (outlines, optionally filled) or "points" (circle markers).
    `color_property`: property holding each feature's colour (stroke of a polygon, fill of a
    point); features without it use `stroke` / `fill`. `radius_property`: radius in pixels of
    each point. `label_property`: name written permanently on each polygon (up to 8
    polygons; beyond, names would cover the map and `tooltip_column` shows on hover).
    `dash_property`: property holding each feature's dash pattern (empty: solid).
    `legend`: (colour, label) entries of the overlay's own legend box (with `legend_title`);
    `legend_label` is a single entry. `credit`: its source and year, added to the map's
    credits. `placed`: geometries already placed for the map's territory (DROM insets).
    `key`: identifier of the layer (layer control, URL, e2e checks).
    """

    data: gpd.GeoDataFrame | str
    name: str
    stroke: str = "#d7301f"
    fill: str | None = None  # None: outline only
    fill_opacity: float = 0.25
    weight: float = 2.0
    dash: str | None = None  # e.g. "4 3"
    tooltip_column: str | None = None
    legend_label: str | None = None  # added to the legend when given
    kind: str = "polygons"
    color_property: str | None = None
    radius_property: str | None = None
    label_property: str | None = None
    dash_property: str | None = None
    legend: tuple[tuple[str, str], ...] = ()
    legend_title: str | None = None
    credit: str = ""
    placed: bool = False
    key: str = ""
    n_features: int = 0

    def legend_entries(self) -> list[tuple[str, str]]:
        """(colour, label) rows of the overlay's legend."""
        rows = list(self.legend)
        if self.legend_label:
            rows.append((self.stroke, self.legend_label))
        return rows


@dataclass(frozen=True)
class MapStyle:
    """Stroke of the territories (thinner for dense national maps)."""

    border_weight: float = 0.6
    fill_opacity: float = 0.85
    extra: dict[str, float] = field(default_factory=dict)


def _as_str_index(values: pd.Series) -> pd.Series:
    out = values.copy()
    out.index = out.index.astype(str)
    return out


def _missing_entry(colors: pd.Series) -> list[tuple[str, str]]:
    return [(MISSING_COLOR, MISSING_LABEL)] if (colors == MISSING_COLOR).any() else []


def _palette(palette: Sequence[str] | None, n: int) -> list[str]:
    """n colours from a palette (interpolated by index when the palette is longer/shorter)."""
    base = list(palette or DEFAULT_PALETTE)
    if n <= 0:
        return []
    if n == len(base):
        return base
    if n == 1:
        return [base[len(base) // 2]]
    idx = np.linspace(0, len(base) - 1, n).round().astype(int)
    return [base[i] for i in idx]


def classify_bins(
    values: pd.Series,
    bins: Sequence[float],
    labels: Sequence[str],
    palette: Sequence[str] | None = None,
) -> Classified:
    """Classes by fixed edges: value v is in class i when bins[i] <= v < bins[i+1]
    (the last class also takes v == bins[-1]). Values outside the edges or missing get
    MISSING_COLOR and « Donnée non disponible »."""
    if len(labels) != len(bins) - 1:
        raise ValueError("labels doit compter une étiquette de moins que bins")
    if any(b1 <= b0 for b0, b1 in zip(bins, bins[1:], strict=False)):
        raise ValueError("bins doit être strictement croissant")
    vals = pd.to_numeric(_as_str_index(values), errors="coerce").astype(float)
    colours = _palette(palette, len(labels))
    edges = np.asarray(bins, dtype=float)
    arr = vals.to_numpy()
    pos = np.searchsorted(edges, arr, side="right") - 1
    pos = np.where(arr == edges[-1], len(labels) - 1, pos)
    valid = ~np.isnan(arr) & (pos >= 0) & (pos < len(labels))
    color_arr = np.array(
        [colours[p] if ok else MISSING_COLOR for p, ok in zip(pos, valid, strict=True)],
        dtype=object,
    )
    class_arr = [labels[p] if ok else None for p, ok in zip(pos, valid, strict=True)]
    colors = pd.Series(color_arr, index=vals.index, dtype=object)
    legend = list(zip(colours, labels, strict=True)) + _missing_entry(colors)
    return Classified(
        colors=colors, legend=legend, classes=pd.Series(class_arr, index=vals.index, dtype=object)
    )


def quantile_edges(values: pd.Series, k: int = 5) -> list[float]:
    """Distinct quantile edges of the non-missing values (at most k classes, fewer when
    values repeat). Empty when there is no value."""
    vals = pd.to_numeric(values, errors="coerce").astype(float).dropna()
    vals = vals[np.isfinite(vals)]
    if vals.empty:
        return []
    # Edges are observed values (inverted CDF), so there are never more classes than
    # distinct values.
    qs = np.quantile(vals.to_numpy(), np.linspace(0, 1, max(int(k), 1) + 1), method="inverted_cdf")
    edges = sorted(set(float(q) for q in qs))
    if len(edges) == 1:
        edges = [edges[0], edges[0]]
    return edges


def classify_quantiles(
    values: pd.Series,
    k: int = 5,
    palette: Sequence[str] | None = None,
    decimals: int = 0,
    unit: str = "",
) -> Classified:
    """Quantile classes (k at most; fewer when values repeat), labels « 12 à 35 » in French
    number format with an optional unit."""
    vals = pd.to_numeric(_as_str_index(values), errors="coerce").astype(float)
    edges = quantile_edges(vals, k)
    suffix = f" {unit}" if unit else ""
    if not edges:
        colors = pd.Series(MISSING_COLOR, index=vals.index, dtype=object)
        return Classified(
            colors=colors,
            legend=_missing_entry(colors),
            classes=pd.Series(None, index=vals.index, dtype=object),
        )
    if edges[0] == edges[-1]:
        label = f"{fmt_number(edges[0], decimals)}{suffix}"
        colour = _palette(palette, 1)[0]
        ok = vals == edges[0]
        colors = pd.Series(np.where(ok, colour, MISSING_COLOR), index=vals.index, dtype=object)
        classes = pd.Series(label, index=vals.index, dtype=object).where(ok, None)
        return Classified(
            colors=colors, legend=[(colour, label)] + _missing_entry(colors), classes=classes
        )
    # Drop inner edges that would print like their neighbour (« 3 à 3 »).
    kept = [edges[0]]
    for e in edges[1:-1]:
        if fmt_number(e, decimals) != fmt_number(kept[-1], decimals):
            kept.append(e)
    if fmt_number(edges[-1], decimals) == fmt_number(kept[-1], decimals) and len(kept) > 1:
        kept.pop()
    edges = [*kept, edges[-1]]
    labels = [
        f"{fmt_number(a, decimals)} à {fmt_number(b, decimals)}{suffix}"
        for a, b in zip(edges, edges[1:], strict=False)
    ]
    return classify_bins(vals, edges, labels, palette)


def classify_categories(values: pd.Series, colours: dict[str, str]) -> Classified:
    """Categorical colours (legend lists every category of `colours`, in its order).
    Values absent from `colours` or missing get MISSING_COLOR."""
    vals = _as_str_index(values).astype(object)
    mapped = vals.map(lambda v: colours.get(str(v)) if v is not None and not pd.isna(v) else None)
    colors = mapped.where(mapped.notna(), MISSING_COLOR).astype(object)
    classes = vals.where(mapped.notna(), None).astype(object)
    legend = list((c, str(label)) for label, c in colours.items()) + _missing_entry(colors)
    return Classified(colors=colors, legend=legend, classes=classes)


# --------------------------------------------------------------------------------------------
# Folium map
# --------------------------------------------------------------------------------------------


def _js(obj: object) -> str:
    """JSON for embedding in a <script> block (inert: <, >, & escaped)."""
    return layers.escape_for_script(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return str(value)


def tooltip_table(tooltip: pd.DataFrame | None) -> tuple[list[str], dict[str, list[str]]]:
    """(column labels, code -> values as text) for the tooltips; the browser escapes both
    (esc) when it builds the rows. Labels are sent once, not once per feature."""
    if tooltip is None or tooltip.empty:
        return [], {}
    labels = [str(c) for c in tooltip.columns]
    cells = tooltip.astype(object).to_numpy()
    texts = [[_cell(v) for v in row] for row in cells.tolist()]
    rows = dict(zip(tooltip.index.astype(str).tolist(), texts, strict=True))
    return labels, rows


def color_table(colors: pd.Series) -> tuple[list[str], dict[str, int]]:
    """(palette, code -> index in the palette): a few colours sent once, small ints per code."""
    idx, uniques = pd.factorize(_as_str_index(colors).astype(str), sort=False)
    palette = [str(u) for u in uniques]
    return palette, dict(zip(colors.index.astype(str).tolist(), idx.tolist(), strict=True))


_CSS = """
<style>
.leaflet-container { background: BGCOLOR; font-family: "Source Sans Pro", sans-serif; }
.diag-legend, .diag-title { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.25); color: #1b2733; font-size: 12px; line-height: 1.35; }
.diag-title { font-weight: 600; font-size: 13px; max-width: 320px; }
.diag-legend .diag-lt { font-weight: 600; margin-bottom: 3px; }
.diag-legend i { display: inline-block; width: 14px; height: 11px; margin-right: 6px;
  border: 1px solid rgba(0,0,0,0.2); vertical-align: -1px; }
.diag-legend i.diag-ov { background: transparent !important; border-width: 2px; }
.diag-legend i.diag-pt { width: 10px; height: 10px; border-radius: 50%; border-color: #5a3a1a !important; }
.diag-ov-legend { margin-top: 4px !important; max-width: 260px; font-size: 11px; padding: 4px 7px; }
.leaflet-tooltip.diag-ov-label { background: rgba(255,255,255,0.8); border: 0; box-shadow: none;
  font-size: 11px; font-weight: 600; color: #6b1010; padding: 0 3px; }
.leaflet-tooltip.diag-ov-label:before { display: none; }
.diag-tt table { border-collapse: collapse; margin-top: 2px; }
.diag-tt td { padding: 0 6px 0 0; font-size: 12px; }
.diag-tt td + td { font-weight: 600; }
.leaflet-container .leaflet-control-attribution { font-size: 10px; line-height: 1.3; max-width: 75%;
  background: rgba(255,255,255,0.85); color: #333; }
</style>
""".replace("BGCOLOR", BACKGROUND_COLOR)

# The same rules without the <style> tags (for the in-page map component of ui/maps.py).
MAP_CSS_RULES = _CSS.replace("<style>", "").replace("</style>", "").strip()


class _RawScript(Element):
    """Script text added to the page as is (branca's Element would compile it as a Jinja
    template: slow for megabytes of GeoJSON, and `{{` in a name would be interpreted)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:  # noqa: ARG002 - branca's Element.render signature
        return self._text


class _MapElement(MacroElement):
    """A raw Leaflet snippet attached to the map (variables scoped in an IIFE)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map){ {{ this.code }} })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "DiagLayer"
        self.code = code

    def render(self, **kwargs) -> str:  # noqa: ARG002 - branca's Element.render signature
        """Standalone HTML path (st_folium calls the `script` macro directly instead)."""
        parent = cast(Element, self._parent)  # set by add_to(map) before any render
        text = f"(function(map){{ {self.code} }})({parent.get_name()});"
        cast(Figure, self.get_root()).script.add_child(_RawScript(text), name=self.get_name())
        return ""


_ESC_JS = (
    "function esc(s){return String(s==null?'':s).replace(/[&<>\"']/g,"
    "function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','\"':'&quot;',\"'\":'&#39;'}[c];});}"
)


def choropleth_tables(colors: pd.Series, tooltip: pd.DataFrame | None) -> tuple[str, str]:
    """The two per-feature tables of a choropleth script as JSON text (colour index by code,
    tooltip values by code), as they appear in the script: the in-page map hands them to
    `JSON.parse` (ui.maps.split_geojson), much faster than the same text as JavaScript."""
    return _js(color_table(colors)[1]), _js(tooltip_table(tooltip)[1])


def _choropleth_js(
    geojson: str,
    colors: pd.Series,
    tooltip: pd.DataFrame | None,
    highlight: str | None,
    style: MapStyle,
) -> str:
    palette, _ = color_table(colors)
    labels, _ = tooltip_table(tooltip)
    ci, tv = choropleth_tables(colors, tooltip)
    return f"""
{_ESC_JS}
var pal = {_js(palette)}, ci = {ci}, hl = {_js(highlight)};
var tl = {_js(labels)}, tv = {tv};
var toGeo = function(){{ return {{type: 'Feature', geometry: null,
  properties: {{code: this.feature.properties.code, layer: 'diag-main'}}}}; }};
var layer = L.geoJSON({geojson}, {{
  style: function(f){{
    var c = f.properties.code, i = ci[c];
    var s = {{fillColor: i === undefined ? '{MISSING_COLOR}' : pal[i], fillOpacity: {style.fill_opacity},
             color: '{BORDER_COLOR}', weight: {style.border_weight}}};
    if (hl !== null && c === hl) {{ s.color = '{HIGHLIGHT_COLOR}'; s.weight = 3; }}
    return s;
  }},
  onEachFeature: function(f, l){{ l.toGeoJSON = toGeo; }}
}});
layer.bindTooltip(function(l){{
  var p = l.feature.properties, v = tv[p.code], rows = '';
  if (v) {{ for (var k = 0; k < tl.length; k++) {{
    rows += '<tr><td>' + esc(tl[k]) + '</td><td>' + esc(v[k]) + '</td></tr>'; }} }}
  return '<div class="diag-tt"><b>' + esc(p.nom) + '</b> (' + esc(p.code) + ')'
    + (rows ? '<table>' + rows + '</table>' : '') + '</div>';
}}, {{sticky: true}});
layer.addTo(map);
window.diagMainLayer = layer;
if (hl !== null) {{ layer.eachLayer(function(l){{ if (l.feature.properties.code === hl) l.bringToFront(); }}); }}
"""


def _fit_js(bounds: tuple[float, float, float, float]) -> str:
    """Fit the view on the territory without a zoom animation (the polygons are drawn once,
    at their final scale), then again if the container got another size after creation (an
    iframe embed may size it later). Only then: fitting again to the same view redraws every
    polygon (0,5 s for France by commune, bench/README.md). A map created in a hidden
    container (an inactive tab of the pre-diagnostic) has no size: it is fitted when it is
    first shown, and told its new size whenever its container changes (ResizeObserver)."""
    x0, y0, x1, y1 = bounds
    return f"""
var b = [[{y0}, {x0}], [{y1}, {x1}]];
var fit = {{paddingTopLeft: [8, 8], paddingBottomRight: [8, 24], animate: false}};
L.control.scale({{imperial: false}}).addTo(map);
var fitted = null;
var refit = function(){{ var c = map.getContainer();
  if (!c.offsetWidth || !c.offsetHeight) return;
  map.invalidateSize(false);
  if (!fitted) {{ map.fitBounds(b, fit); fitted = map.getSize(); }} }};
refit();
setTimeout(function(){{ if (!fitted) return refit(); map.invalidateSize(false);
  if (!map.getSize().equals(fitted)) {{ map.fitBounds(b, fit); fitted = map.getSize(); }} }}, 0);
if (window.ResizeObserver) {{ var ro = new ResizeObserver(refit); ro.observe(map.getContainer());
  map.on('unload', function(){{ ro.disconnect(); }}); }}
"""


def _outlines_js(geojson: str) -> str:
    return f"""
L.geoJSON({geojson}, {{interactive: false,
  style: function(){{ return {{fill: false, color: '{OUTLINE_COLOR}', weight: 1.2, opacity: 0.9}}; }}
}}).addTo(map);
"""


def overlay_geojson(ov: Overlay) -> str:
    """The overlay's GeoJSON text (a string overlay as is; a frame serialised with its
    tooltip, colour, radius and label properties), inert inside a <script> block."""
    if isinstance(ov.data, str):
        return layers.escape_for_script(ov.data)
    gdf = ov.data
    frame = gpd.GeoDataFrame(geometry=gdf.geometry.values, crs=gdf.crs)
    props: list[str] = []
    cols = (
        ov.tooltip_column,
        ov.color_property,
        ov.radius_property,
        ov.label_property,
        ov.dash_property,
    )
    for col in cols:
        if col and col not in props:
            values = gdf[col].to_numpy()
            frame[col] = values if col == ov.radius_property else gdf[col].astype(str).to_numpy()
            props.append(col)
    return layers.to_geojson(frame, properties=tuple(props))


def overlay_legend_html(ov: Overlay) -> str:
    """Escaped HTML of the overlay's legend box ('' when it has no entry)."""
    rows = ov.legend_entries()
    if not rows:
        return ""
    shape = "diag-pt" if ov.kind == "points" else "diag-ov"
    out = [f'<div class="diag-lt">{html.escape(ov.legend_title or ov.name)}</div>']
    for colour, label in rows:
        out.append(
            f'<div><i class="{shape}" style="border-color:{html.escape(colour)};'
            f'background:{html.escape(colour)}"></i>{html.escape(label)}</div>'
        )
    return "".join(out)


def overlay_body(ov: Overlay, own_legend: bool = True) -> str:
    """JavaScript statements that draw `ov` on `map` from the parsed GeoJSON `__g`, add its
    legend box and its credit, and return a function that removes all three (the in-page
    component adds and removes overlays without redrawing the base map). Every text coming
    from the data is escaped by esc() in the browser."""
    style = {
        "color": ov.stroke,
        "weight": ov.weight,
        "fill": ov.fill is not None,
        "fillColor": ov.fill or ov.stroke,
        "fillOpacity": ov.fill_opacity if ov.fill else 0,
        "dashArray": ov.dash,
    }
    opts = {
        "kind": ov.kind,
        "tip": ov.tooltip_column,
        "cp": ov.color_property,
        "rp": ov.radius_property,
        "lp": ov.label_property,
        "dp": ov.dash_property,
        "key": ov.key or ov.name,
    }
    legend = overlay_legend_html(ov) if own_legend else ""
    credit = html.escape(ov.credit) if ov.credit else ""
    return f"""
{_ESC_JS}
var st = {_js(style)}, o = {_js(opts)}, leg = {_js(legend)}, cr = {_js(credit)};
var tt = function(t){{ return esc(t).replace(/\\n/g, '<br>'); }};
var inert = function(){{ return {{type: 'Feature', geometry: null, properties: {{layer: 'diag-overlay'}}}}; }};
// Names written on the polygons (a few zones): one tooltip each; else one sticky tooltip for
// the whole layer, its text read from the hovered feature (37 746 structures of France: one
// Leaflet tooltip and its five listeners per point cost 1 to 2 s, bench/README.md).
var labels = !!o.lp && __g.features.length <= 8;
var layerOpts = {{interactive: !!(o.tip || o.lp),
  style: function(f){{ var s = Object.assign({{}}, st), c = o.cp && f.properties[o.cp];
    if (c) {{ s.color = c; if (s.fill) s.fillColor = c; }}
    if (o.dp && o.dp in f.properties) {{ s.dashArray = f.properties[o.dp] || null; }} return s; }},
  onEachFeature: function(f, l){{ l.toGeoJSON = inert; var p = f.properties;
    if (labels) {{
      if (o.lp && p[o.lp]) {{ l.bindTooltip(tt(p[o.lp]), {{permanent: true, direction: 'center',
        className: 'diag-ov-label'}}); }}
      else if (o.tip && p[o.tip]) {{ l.bindTooltip('<div class="diag-tt">' + tt(p[o.tip]) + '</div>',
        {{sticky: true}}); }}
    }} else if (!(o.tip && p[o.tip])) {{ l.options.interactive = false; }} }}
}};
if (o.kind === 'points') {{
  if (!map.getPane('diagPoints')) {{ map.createPane('diagPoints').style.zIndex = 450; }}
  var rend = L.canvas({{pane: 'diagPoints'}});
  layerOpts.pointToLayer = function(f, ll){{ var p = f.properties, c = (o.cp && p[o.cp]) || st.fillColor;
    return L.circleMarker(ll, {{renderer: rend, radius: (o.rp && +p[o.rp]) || 4, color: st.color,
      weight: 1, fillColor: c, fillOpacity: st.fill ? st.fillOpacity : 0.8}}); }};
}}
var layer = L.geoJSON(__g, layerOpts);
if (!labels && o.tip) {{ layer.bindTooltip(function(l){{
  return '<div class="diag-tt">' + tt(l.feature.properties[o.tip]) + '</div>'; }}, {{sticky: true}}); }}
layer.addTo(map);
layer.diagKey = o.key;
(window.diagOverlays = window.diagOverlays || {{}})[o.key] = layer;
var box = null;
if (leg) {{ box = L.control({{position: 'topright'}});
  box.onAdd = function(){{ var d = L.DomUtil.create('div', 'diag-legend diag-ov-legend');
    d.innerHTML = leg; L.DomEvent.disableClickPropagation(d); return d; }};
  box.addTo(map); }}
if (cr) {{ map.attributionControl.addAttribution(cr); }}
return function(){{ map.removeLayer(layer); if (box) box.remove();
  if (cr) map.attributionControl.removeAttribution(cr);
  if (window.diagOverlays && window.diagOverlays[o.key] === layer) delete window.diagOverlays[o.key]; }};
"""


def _overlay_js(ov: Overlay) -> str:
    """An overlay of the page's own map (build_map: its legend rows go in the map legend)."""
    return f"(function(__g){{ {overlay_body(ov, own_legend=False)} }})({overlay_geojson(ov)});"


def legend_html(
    title: str, legend: Sequence[tuple[str, str]], overlays: Sequence[Overlay] = ()
) -> str:
    """Escaped HTML of the legend box."""
    rows = [f'<div class="diag-lt">{html.escape(title)}</div>'] if title else []
    for colour, label in legend:
        rows.append(
            f'<div><i style="background:{html.escape(colour)}"></i>{html.escape(label)}</div>'
        )
    for ov in overlays:
        cls = "diag-pt" if ov.kind == "points" else "diag-ov"
        for colour, label in ov.legend_entries():
            rows.append(
                f'<div><i class="{cls}" style="border-color:{html.escape(colour)}"></i>'
                f"{html.escape(label)}</div>"
            )
    return "".join(rows)


def _control_js(position: str, css_class: str, inner_html: str) -> str:
    return f"""
var ctl = L.control({{position: {_js(position)}}});
ctl.onAdd = function(){{ var d = L.DomUtil.create('div', {_js(css_class)}); d.innerHTML = {_js(inner_html)};
  L.DomEvent.disableClickPropagation(d); return d; }};
ctl.addTo(map);
"""


INSET_NOTE = "Outre-mer en encarts, à des échelles différentes"


def with_inset_note(credit: str, territory: Territory | None) -> str:
    """The credit line, with a note on the DROM insets for national maps."""
    if territory is None or territory.level is not Level.FRANCE:
        return credit
    return f"{credit} · {INSET_NOTE}" if credit else INSET_NOTE


def drawn_overlay(ov: Overlay, territory: Territory | None) -> Overlay:
    """The overlay as drawn on a map of `territory` (DROM moved into their insets on
    national maps, like the choropleth below it)."""
    if territory is None or territory.level is not Level.FRANCE or ov.placed:
        return ov
    data = ov.data if isinstance(ov.data, gpd.GeoDataFrame) else _read_geojson(ov.data)
    return replace(ov, data=layers.drawn(data, territory))


def _read_geojson(text: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(io.StringIO(text))
    return gdf.set_crs("EPSG:4326") if gdf.crs is None else gdf


def build_map(
    level: Level,
    territory: Territory,
    colors: pd.Series,
    legend: Sequence[tuple[str, str]],
    *,
    title: str,
    credit: str,
    tooltip: pd.DataFrame | None = None,
    overlays: Sequence[Overlay] = (),
    highlight: str | None = None,
    tiles: bool = False,
    legend_title: str | None = None,
    payload: MapPayload | None = None,
    outlines: MapPayload | None = None,
    height: int = 560,
) -> folium.Map:
    """A folium choropleth of the `level` features of `territory`.

    colors: hex colour per code (index code, e.g. Classified.colors); codes absent get
    MISSING_COLOR. legend: (colour, label) pairs drawn in the map with `legend_title`
    (defaults to `title`). tooltip: index code, columns French labels, values already
    formatted (escaped here). credit: source line shown as the map attribution.
    highlight: code drawn with a thick red border. tiles: OpenStreetMap basemap (needs
    internet; off by default, the map then has a plain background and département
    outlines). payload / outlines: pre-serialised GeoJSON (cached by ui/maps.py); read
    from geodata/built when omitted. Never cache the returned Map (rendering mutates it).
    """
    level = Level(level)
    payload = payload or layers.payload(level, territory)
    if outlines is None and layers.draws_outlines(level, territory):
        outlines = layers.outlines_payload(territory)
    x0, y0, x1, y1 = payload.bounds
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=6,
        tiles="OpenStreetMap" if tiles else None,
        prefer_canvas=True,
        zoom_snap=0.25,
        height=height,
    )
    _MapElement(_fit_js((x0, y0, x1, y1))).add_to(m)
    cast(Figure, m.get_root()).header.add_child(folium.Element(_CSS))
    style = MapStyle(border_weight=0.25 if payload.n_features > 5_000 else 0.6)
    _MapElement(_choropleth_js(payload.geojson, colors, tooltip, highlight, style)).add_to(m)
    # The large JSON texts of the script (geometry, per-feature tables), for ui.maps to send
    # apart from the script (JSON.parse, or a static file for France by commune).
    m.diag_json_texts = [  # type: ignore[attr-defined]
        payload.geojson,
        *([outlines.geojson] if outlines is not None else []),
        *choropleth_tables(colors, tooltip),
    ]
    if outlines is not None:
        _MapElement(_outlines_js(outlines.geojson)).add_to(m)
    for ov in overlays:
        _MapElement(_overlay_js(drawn_overlay(ov, territory))).add_to(m)
    if title:
        _MapElement(_control_js("topright", "diag-title", html.escape(title))).add_to(m)
    _MapElement(
        _control_js(
            "bottomleft",
            "diag-legend",
            legend_html(legend_title if legend_title is not None else title, legend, overlays),
        )
    ).add_to(m)
    _MapElement(
        f"map.attributionControl.setPrefix(false); map.attributionControl.addAttribution({_js(html.escape(with_inset_note(credit, territory)))});"
    ).add_to(m)
    return assets.localize(m)


def map_html(m: folium.Map) -> str:
    """Standalone HTML of a map (for a view-only embed or a download)."""
    return m.get_root().render()


# --------------------------------------------------------------------------------------------
# Static PNG (PDF exports)
# --------------------------------------------------------------------------------------------


#: EAJE points on static maps (size proportional to places).
POINT_COLOR = "#e07b39"
POINT_EDGE_COLOR = "#7a3d12"


def _plot_overlay(ax, ov: Overlay) -> None:
    """Draw one overlay on a matplotlib axis (same colours as the interactive map)."""
    og = ov.data if isinstance(ov.data, gpd.GeoDataFrame) else _read_geojson(ov.data)
    if og.empty:
        return
    colours: object = ov.stroke
    if ov.color_property and ov.color_property in og:
        colours = og[ov.color_property].fillna(ov.fill or ov.stroke).astype(str).tolist()
    if ov.kind == "points":
        radius = (
            pd.to_numeric(og[ov.radius_property], errors="coerce").fillna(4.0)
            if ov.radius_property and ov.radius_property in og
            else pd.Series(4.0, index=og.index)
        )
        ax.scatter(
            og.geometry.x,
            og.geometry.y,
            s=(radius.to_numpy() * 1.2) ** 2,
            color=colours if ov.color_property else (ov.fill or POINT_COLOR),
            edgecolor=POINT_EDGE_COLOR,
            linewidth=0.4,
            alpha=0.85,
            zorder=4,
        )
        return
    if ov.fill is not None:
        og.plot(
            ax=ax,
            color=colours if ov.color_property else ov.fill,
            alpha=ov.fill_opacity,
            linewidth=0,
            zorder=2,
        )
    dashed = pd.Series(bool(ov.dash), index=og.index)
    if ov.dash_property and ov.dash_property in og:
        dashed = og[ov.dash_property].fillna("").astype(str) != ""
    stroke = pd.Series(
        colours if isinstance(colours, list) else [colours] * len(og), index=og.index
    )
    for is_dashed in (False, True):
        part = og.loc[dashed == is_dashed]
        if not part.empty:
            part.boundary.plot(
                ax=ax,
                color=stroke[dashed == is_dashed].tolist(),
                linewidth=ov.weight * 0.6,
                linestyle="--" if is_dashed else "-",
                zorder=3,
            )


def static_map_png(  # noqa: C901 - static map drawing steps (owned by the charts work, issue 18)
    level: Level,
    territory: Territory | None,
    colors: pd.Series,
    legend: Sequence[tuple[str, str]],
    *,
    title: str,
    credit: str,
    overlays: Sequence[Overlay] = (),
    highlight: str | None = None,
    gdf: gpd.GeoDataFrame | None = None,
    outlines_gdf: gpd.GeoDataFrame | None = None,
    outline_color: str = OUTLINE_COLOR,
    outline_width: float = 0.7,
    points: Sequence[tuple[float, float, float]] = (),
    legend_outside: bool = False,
    width_in: float = 7.0,
    height_in: float = 6.0,
    dpi: int = 150,
) -> bytes:
    """PNG of the same map drawn with matplotlib (same colours, legend, title and credit).

    Object-oriented matplotlib only (a `Figure` on its own Agg canvas, no pyplot state), so it
    is safe in the Streamlit server threads and in batch runs.

    gdf / outlines_gdf default to `layers.geometries(level, territory)` / `layers.outlines`
    (`territory` may be None when gdf is given: the map is then framed on gdf; pass an empty
    outlines_gdf for no outlines). National maps are framed on mainland France, like the
    interactive map. `points` are (longitude, latitude, size) circles drawn above the map,
    sized relative to the largest. An empty title or credit is not drawn; `legend_outside`
    puts the legend to the right of the map, without a frame (PDF layout).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    level = Level(level)
    if gdf is None:
        if territory is None:
            raise ValueError("static_map_png: gdf is required when territory is None")
        gdf = layers.geometries(level, territory)
    if outlines_gdf is None:
        if territory is None:
            raise ValueError("static_map_png: outlines_gdf is required when territory is None")
        outlines_gdf = layers.drawn_outlines(territory)
    if territory is not None:
        gdf = layers.drawn(gdf, territory)
        overlays = [drawn_overlay(ov, territory) for ov in overlays]
    code_colors = _as_str_index(colors)
    fill = gdf["code"].astype(str).map(code_colors).fillna(MISSING_COLOR).to_numpy()
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(BACKGROUND_COLOR)
    gdf.plot(ax=ax, color=fill, edgecolor=BORDER_COLOR, linewidth=0.2 if len(gdf) > 5_000 else 0.4)
    if not outlines_gdf.empty:
        outlines_gdf.boundary.plot(ax=ax, color=outline_color, linewidth=outline_width)
    handles = [Patch(facecolor=c, edgecolor="#999999", label=lab) for c, lab in legend]
    for ov in overlays:
        _plot_overlay(ax, ov)
        for colour, label in ov.legend_entries():
            if ov.kind == "points":
                handles.append(Patch(facecolor=colour, edgecolor=POINT_EDGE_COLOR, label=label))
            else:
                handles.append(Patch(facecolor="none", edgecolor=colour, label=label))
    if points:
        xs, ys, sizes = zip(*points, strict=True)
        biggest = max(max(sizes), 1.0)
        ax.scatter(
            xs,
            ys,
            s=[12 + 120 * s / biggest for s in sizes],
            color=POINT_COLOR,
            edgecolor=POINT_EDGE_COLOR,
            linewidth=0.5,
            alpha=0.85,
            zorder=3,
        )
    if highlight is not None:
        hl = gdf[gdf["code"].astype(str) == str(highlight)]
        if not hl.empty:
            hl.boundary.plot(ax=ax, color=HIGHLIGHT_COLOR, linewidth=1.6)
    if territory is None:
        x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    else:
        x0, y0, x1, y1 = layers.framing_bounds(territory, gdf)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    if handles and legend_outside:
        ax.legend(
            handles=handles, fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0)
        )
    elif handles:
        ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=True, framealpha=0.9)
    if credit:
        fig.text(
            0.01,
            0.01,
            with_inset_note(credit, territory),
            fontsize=6.5,
            color="#444444",
            ha="left",
            va="bottom",
        )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buf.getvalue()
