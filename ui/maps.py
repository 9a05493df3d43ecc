"""Streamlit glue for the maps of geodata/maps.py: cached GeoJSON payloads and display.

Pages do:

    m = ui.maps.territory_map(level, territory, cl.colors, cl.legend, title=..., credit=...,
                              tooltip=tips)
    code = ui.maps.show_map(m, key="couverture_map")   # code of a clicked feature, or None

Every map of the app passes `overlays_of=territory` to show_map: the shared overlays
(analyses/overlays.py, cached per territory in ui/cache.py) are then offered by one layer
control above the map (`overlay_control`, kept in the URL by ui.state), the map and its
control run in a fragment (a toggle reruns neither the page nor its computations), and the
component adds or removes an overlay without redrawing the base layer.

The Territoire page calls show_territory_map(territory, level, theme, credit=..., key=...),
which caches the whole map script. Clickable maps render in the page (st.components.v2),
view-only ones (clickable=False) in a static HTML iframe (`st.iframe`, the supported API that
replaced the deprecated `st.components.v1.html`).

What is cached (bounded): the GeoJSON strings per (level, territory), the département
outlines and, for the Territoire page, the rendered map script per (territory, level,
colouring). They are immutable strings, so st.cache_resource hands out the cached objects
themselves (st.cache_data would unpickle a fresh copy of up to 12 MB on every run: 0,3 s for
France by commune). Never the folium.Map: a fresh Map is built on each run from the
cached strings (a cached Map mutated by a render would lose its polygons).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import os
import re
from collections.abc import Sequence
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analyses import overlays as ovl
from diagnostics import coverage as cv
from diagnostics import publication as pub
from diagnostics import zones as dz
from diagnostics.formatting import fmt_number, fmt_percent
from geodata import assets, layers
from geodata.layers import MapPayload
from geodata.maps import (
    MAP_CSS_RULES,
    Classified,
    Overlay,
    build_map,
    classify_categories,
    map_html,
    overlay_body,
    overlay_geojson,
)
from geodata.territory import Level, Territory, communes_of, make_territory, parents
from ui import cache, state
from ui.text import md


@st.cache_resource(show_spinner=False, max_entries=24)
def _payload(level: str, territory_key: str, code: str, territory_level: str) -> MapPayload:  # noqa: ARG001 - Streamlit cache key
    return layers.payload(Level(level), Territory(Level(territory_level), code, ""))


@st.cache_resource(show_spinner=False, max_entries=24)
def _outlines(territory_key: str, code: str, territory_level: str) -> MapPayload:  # noqa: ARG001 - Streamlit cache key
    return layers.outlines_payload(Territory(Level(territory_level), code, ""))


def payload(level: Level, territory: Territory) -> MapPayload:
    """Cached GeoJSON payload of the `level` features of `territory`."""
    return _payload(Level(level).value, territory.key, territory.code, territory.level.value)


def outlines(territory: Territory) -> MapPayload:
    """Cached département outlines around `territory`."""
    return _outlines(territory.key, territory.code, territory.level.value)


def territory_map(
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
    height: int = 560,
) -> folium.Map:
    """geodata.maps.build_map with the cached payloads (same arguments)."""
    level = Level(level)
    return build_map(
        level,
        territory,
        colors,
        legend,
        title=title,
        credit=credit,
        tooltip=tooltip,
        overlays=overlays,
        highlight=highlight,
        tiles=tiles,
        legend_title=legend_title,
        payload=payload(level, territory),
        outlines=outlines(territory) if layers.draws_outlines(level, territory) else None,
        height=height,
    )


# The clickable map is a `st.components.v2` component rendered in the page itself (no iframe,
# no st_folium bundle): the vendored Leaflet (geodata/assets) is bundled into the component's
# module, evaluated once per browser session and kept across reruns; a rerun that sends the
# same map (same signature) leaves it as it is. The map script is the one folium renders for
# geodata/maps.build_map, run against a div created here. A click on a territory of the main
# layer is sent back as the trigger value `click` (its code). Measured in bench/README.md.
_MAP_JS = """
function diagFetchGeo(url) {
  // A large GeoJSON served as a static gzip file (ui.maps.static_geo): fetched, inflated by
  // the browser's own DecompressionStream, handed to the map script as text.
  return fetch(url).then(function (r) {
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).text();
  });
}

function diagDraw(component, holder, data, geo) {
  var old = holder.diagMap;
  // Maps of unmounted components (another territory, another page): free them, once
  // (a second remove() of a Leaflet map throws).
  window.__diagMaps = (window.__diagMaps || []).filter(function (m) {
    if (m === old) return false;
    if (document.body.contains(m.getContainer())) return true;
    m.remove();
    return false;
  });
  if (old) { old.remove(); holder.diagMap = null; }
  holder.innerHTML = '';
  var div = document.createElement('div');
  // A unique element id per drawing: during a rerun Streamlit may keep the previous
  // instance of the component (same map id) in the page until the new one is mounted.
  window.__diagMapSeq = (window.__diagMapSeq || 0) + 1;
  var uid = data.id + '_' + window.__diagMapSeq;
  div.id = uid;
  div.style.width = '100%';
  div.style.height = '100%';
  holder.appendChild(div);
  var script = data.script.split('"' + data.id + '"').join('"' + uid + '"');
  var run = new Function('L', '__geo', script + '\\nreturn ' + data.id + ';');
  var map = run(window.L, geo);
  holder.diagMap = map;
  holder.diagOverlays = {};
  holder.dataset.sig = data.sig;
  window.__diagMaps.push(map);
  window.diagMap = map;
  performance.mark('diag-map-drawn');
  var main = window.diagMainLayer;
  if (data.clickable !== false && main && main._map === map) {
    main.on('click', function (e) {
      var p = (e.layer && e.layer.feature && e.layer.feature.properties) || {};
      if (p.code) component.setTriggerValue('click', String(p.code));
    });
  }
}

function diagReportPaint(component, holder, data) {
  // ui.pages.map_first: the first run of a session sent the map alone; once it is painted
  // (two animation frames after it was drawn), or could not be loaded, ask for the rerun
  // that draws the rest of the page. Once per map holder.
  if (!data.reportPaint || holder.diagPaintReported) return;
  holder.diagPaintReported = true;
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      performance.mark('diag-map-paint-reported');
      component.setTriggerValue('painted', data.sig);
    });
  });
}

function diagGeoText(holder, g) {
  // An overlay's GeoJSON: inline text, or a static file fetched once per URL while it is
  // wanted (holder.diagFetches, pruned to the latest overlays at each call).
  if (typeof g === 'string') return g;
  var f = holder.diagFetches = holder.diagFetches || {};
  if (!f[g.url]) f[g.url] = diagFetchGeo(g.url);
  return f[g.url];
}

function diagPrefetch(holder, data) {
  // Start the overlays' downloads as soon as the message arrives (in parallel with the base
  // map's own downloads and drawing); forget those no longer wanted.
  var keep = {}, f = holder.diagFetches || {};
  (data.overlays || []).forEach(function (o) {
    if (typeof o.geo !== 'string') { diagGeoText(holder, o.geo); keep[o.geo.url] = true; }
  });
  Object.keys(f).forEach(function (u) { if (!keep[u]) delete f[u]; });
}

function diagOverlays(holder, data) {
  // Overlays (ui.maps.overlay_control): added and removed on the map in place, never
  // redrawing the base layer; each overlay's script returns the function that removes it.
  // An overlay delivered as a static file (ui.maps.delivered_overlay) is drawn once fetched;
  // dataset.overlays names the overlays once all of them are drawn.
  var map_ = holder.diagMap, have = holder.diagOverlays || {}, want = {};
  var list = data.overlays || [];
  list.forEach(function (o) { want[o.sig] = o; });
  Object.keys(have).forEach(function (s) { if (!want[s]) { have[s](); delete have[s]; } });
  holder.diagOverlays = have;
  holder.diagWant = want;
  var keys = list.map(function (o) { return o.key; }).join(',');
  var missing = list.filter(function (o) { return !have[o.sig]; });
  var texts = missing.map(function (o) { return diagGeoText(holder, o.geo); });
  var draw = function (values) {
    if (holder.diagMap !== map_ || holder.diagWant !== want) return;  // superseded
    missing.forEach(function (o, i) {
      if (have[o.sig]) return;
      performance.mark('diag-overlay-start');
      have[o.sig] = new Function('L', 'map', '__g', o.body)(window.L, map_, JSON.parse(values[i]));
      performance.measure('diag-overlay-' + o.key, 'diag-overlay-start');
    });
    holder.dataset.overlays = keys;
    performance.mark('diag-overlays-drawn');
  };
  if (texts.every(function (t) { return typeof t === 'string'; })) { draw(texts); return; }
  Promise.all(texts).then(draw).catch(function () {
    if (holder.diagMap !== map_ || holder.diagWant !== want) return;
    holder.dataset.overlays = 'erreur';
    var note = document.createElement('div');
    note.className = 'diag-ov-error';
    note.style.cssText = 'position:absolute;top:8px;left:56px;z-index:1000;background:#fff;' +
      'padding:4px 8px;border-radius:4px;font-size:13px';
    note.textContent = 'Une couche superposée n’a pas pu être chargée : rechargez la page.';
    holder.appendChild(note);
  });
}

export default function (component) {
  var data = component.data, root = component.parentElement;
  if (data && data.preload) {  // ui.maps.preload_map_code: the module is loaded, nothing to draw
    var box = root.closest('[data-testid="stElementContainer"]');
    if (box) box.style.display = 'none';
    return;
  }
  performance.mark('diag-map-start');
  var holder = root.querySelector('div.diag-map-holder');
  if (!holder) {
    holder = document.createElement('div');
    holder.className = 'diag-map-holder';
    holder.style.width = '100%';
    holder.style.position = 'relative';
    root.appendChild(holder);
  }
  holder.style.height = data.height + 'px';
  holder.diagLatest = data;
  diagPrefetch(holder, data);
  if (holder.dataset.sig === data.sig && holder.diagMap) {
    diagOverlays(holder, data);
    return;
  }
  var geo = data.geo || [];
  if (geo.every(function (g) { return typeof g === 'string'; })) {
    try {
      diagDraw(component, holder, data, geo);
      diagOverlays(holder, data);
    } finally {
      diagReportPaint(component, holder, data);
    }
    return;
  }
  if (holder.diagPending === data.sig) return;  // being fetched: drawn with the latest data
  holder.diagPending = data.sig;
  Promise.all(geo.map(function (g) {
    return typeof g === 'string' ? g : diagFetchGeo(g.url);
  })).then(function (texts) {
    if (holder.diagPending !== data.sig) return;  // another map was asked for meanwhile
    holder.diagPending = null;
    try {
      diagDraw(component, holder, data, texts);
      diagOverlays(holder, holder.diagLatest);
    } finally {
      diagReportPaint(component, holder, data);
    }
  }).catch(function () {
    if (holder.diagPending !== data.sig) return;
    holder.diagPending = null;
    holder.textContent = 'La carte n’a pas pu être chargée : rechargez la page.';
    diagReportPaint(component, holder, data);
  });
}
"""

#: From this total size of its JSON texts on, a map gets them as static files (delivered,
#: static_geo): France by commune (12,5 MB); every other map (at most 2.5 MB of GeoJSON,
#: geodata/layers.py) stays inline, in the component's message (bench/README.md).
STATIC_GEO_MIN_BYTES = 3_000_000
STATIC_GEO_MIN_TEXT = 100_000
STATIC_GEO_FOLDER = "geo"  # under the app's static/ folder, written at run time (.gitignore)

#: Key prefix of the container of a map's layer control (its CSS class: PAGE_CSS_RULES).
OVERLAY_CONTROL_KEY = "diag-ovl-"
#: Key of the Territoire page's container of « Maille » and « Colorer par ».
TERRITOIRE_CONTROLS_KEY = "diag-territoire-controls"

#: Page rules sent with the map's code (global CSS, loaded first: preload_map_code). The
#: containers of the controls above a map keep their place while the controls are not drawn
#: yet (the map sent alone by ui.pages.map_first) or their code is still loading: the map
#: painted first does not move down when they come (heights of the label and one row of
#: selectors or layer buttons, measured in Chromium at 1024 to 1920 px wide; they can grow).
PAGE_CSS_RULES = f"""
.st-key-{TERRITOIRE_CONTROLS_KEY} {{ min-height: 74px; }}
[class*="st-key-{OVERLAY_CONTROL_KEY}"] {{ min-height: 60px; }}
"""

_map_component = st.components.v2.component(
    "diag_leaflet_map",
    js=assets.leaflet_js_source() + "\n" + _MAP_JS,
    css=assets.leaflet_css_source() + "\n" + MAP_CSS_RULES + PAGE_CSS_RULES,
    isolate_styles=False,
)
_preload_component = st.components.v2.component(
    "diag_map_preload",
    js=assets.leaflet_js_source() + "\n" + _MAP_JS,
    css=assets.leaflet_css_source() + "\n" + MAP_CSS_RULES + PAGE_CSS_RULES,
    isolate_styles=False,
)


def _dom_id(key: str) -> str:
    return "diagmap_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


def map_script(m: folium.Map, dom_id: str) -> str:
    """The JavaScript folium renders for `m` (map creation and its layers), its map variable
    and div renamed `dom_id` (stable across reruns, so an unchanged map is not redrawn)."""
    root = m.get_root()
    root.render()
    return root.script.render().replace(m.get_name(), dom_id)


def show_map(
    m: folium.Map,
    key: str,
    clickable: bool = True,
    height: int = 560,
    *,
    overlays_of: Territory | None = None,
    editing: Overlay | None = None,
    overlays: Sequence[Overlay] | None = None,
) -> str | None:
    """Display a map; return the code of a feature the user just clicked (else None).

    overlays_of: the territory whose shared overlays (analyses/overlays.py: AO competence,
    CTG, priority zones, QPV, structures) are offered above the map by the layer control
    (`overlay_control`, the same on every map, kept in the URL). The map and its control
    run in a fragment: turning an overlay on or off reruns neither the page nor its
    computations, and the base layer is not redrawn (the overlay is added in place).
    editing: the zoning being edited (zones page), offered first in the zoning choice.
    overlays: the shared overlays to draw, chosen by one `overlay_control` the caller draws
    for several maps (the pre-diagnostic page, in its own fragment) or by the session (the
    workshop view); the map then has no control and no fragment of its own.

    Without overlays_of: clickable=False is a static HTML embed (no rerun on any
    interaction); clickable=True the in-page Leaflet component: a click on a territory
    reruns the page once and returns its code (None on the following reruns). Pan and zoom
    never rerun the page.
    """
    if not clickable and overlays_of is None and overlays is None:
        st.iframe(map_html(m), height=height + 10)
        return None
    dom_id = _dom_id(key)
    script, geo = split_geojson(map_script(m, dom_id), json_texts(m))
    sig = _signature(script, geo, height)
    if overlays is not None:
        return _show_script(script, geo, sig, dom_id, key, height, overlays, clickable)
    if overlays_of is None:
        return _show_script(script, geo, sig, dom_id, key, height)
    return _show_with_overlays(
        script, geo, sig, dom_id, key, height, overlays_of, editing, clickable
    )


#: JSON texts shorter than this stay in the map script (not worth a JSON.parse of their own).
MIN_SPLIT_CHARS = 10_000


def json_texts(m: folium.Map) -> list[str]:
    """The large JSON texts of a map built by geodata.maps.build_map (geometry, département
    outlines, per-feature colour and tooltip tables), to be sent apart from its script."""
    return [t for t in getattr(m, "diag_json_texts", ()) if len(t) >= MIN_SPLIT_CHARS]


def _signature(script: str, geo: Sequence[str], height: int) -> str:
    h = hashlib.sha1(f"{height}|{script}".encode())
    for g in geo:
        h.update(g.encode())
    return h.hexdigest()


def split_geojson(script: str, geojsons: Sequence[str]) -> tuple[str, list[str]]:
    """The script with each GeoJSON literal of `geojsons` found in it replaced by
    `JSON.parse(__geo[i])`, and those GeoJSON strings: the browser parses them as JSON, much
    faster than the same megabytes as JavaScript source."""
    geo: list[str] = []
    for text in geojsons:
        if text and text in script:
            script = script.replace(text, f"JSON.parse(__geo[{len(geo)}])")
            geo.append(text)
    return script, geo


def _show_script(
    script: str,
    geo: Sequence[str],
    sig: str,
    dom_id: str,
    key: str,
    height: int,
    overlays: Sequence[Overlay] = (),
    clickable: bool = True,
    report_paint: bool = False,
) -> str | None:
    """Send one map to the component; returns the code of a clicked territory. With
    `report_paint` (ui.pages.map_first), the browser reports when the map is painted, and
    that report reruns the whole app, which then draws the rest of the page."""
    data: dict[str, object] = {
        "id": dom_id,
        "script": script,
        "geo": delivered(geo),
        "height": int(height),
        "sig": sig,
        "clickable": bool(clickable),
        "overlays": [_overlay_item(ov) for ov in overlays],
    }
    callbacks = {"on_click_change": _ignore}
    if report_paint:
        data["reportPaint"] = True
        callbacks["on_painted_change"] = _ignore
    result = _map_component(key=key, data=data, height="content", **callbacks)
    if report_paint and getattr(result, "painted", None):
        st.rerun()  # a full run (also from the map's fragment): the rest of the page
    code = getattr(result, "click", None)
    return str(code) if code else None


#: From this size on, an overlay's GeoJSON travels as a static gzip file (static_geo), not in
#: the component's message: at France scale the overlays are 10 MB of GeoJSON (structures
#: 6,7 MB, CTG 1,8 MB, AO 1,1 MB), 15 MB once JSON-escaped in the message of every run
#: (bench/README.md « Couches à l'échelle de la France »). An overlay is drawn after the base
#: map, so its fetch never delays the base map.
OVERLAY_STATIC_MIN_TEXT = STATIC_GEO_MIN_TEXT

_OVERLAY_TEXTS: dict[int, tuple[Overlay, str, str, str]] = {}  # id -> (overlay, body, geo, sig)


def _overlay_texts(ov: Overlay) -> tuple[str, str, str]:
    """Script, GeoJSON text and signature of an overlay, computed once per overlay object (the
    cached overlays of ui/cache.py are the same objects on every run: st.cache_resource)."""
    entry = _OVERLAY_TEXTS.get(id(ov))
    if entry is not None and entry[0] is ov:
        return entry[1], entry[2], entry[3]
    body = overlay_body(ov)
    geo = overlay_geojson(ov)
    sig = hashlib.sha1(f"{body}|{geo}".encode()).hexdigest()
    if len(_OVERLAY_TEXTS) >= 32:
        _OVERLAY_TEXTS.clear()
    _OVERLAY_TEXTS[id(ov)] = (ov, body, geo, sig)  # holds `ov`: its id is not reused meanwhile
    return body, geo, sig


def _overlay_item(ov: Overlay) -> dict[str, object]:
    """What the component needs to draw one overlay: its script, its GeoJSON (inline, or the
    URL of a static gzip file from OVERLAY_STATIC_MIN_TEXT on: delivered_overlay) and its
    signature."""
    body, geo, sig = _overlay_texts(ov)
    return {"key": ov.key or ov.name, "sig": sig, "body": body, "geo": delivered_overlay(geo)}


def delivered_overlay(geo: str) -> str | dict[str, str]:
    """How the component receives an overlay's GeoJSON: inline below OVERLAY_STATIC_MIN_TEXT,
    else as a static file like the base map's large texts (static_geo; inline when static
    serving is off or the folder is not writable)."""
    return static_geo(geo) if len(geo) >= OVERLAY_STATIC_MIN_TEXT else geo


EDITING_ZONING = "Zonage en cours (non enregistré)"


def _zoning_options(territory: Territory, official: bool = False) -> dict[str, dz.SavedZoning]:
    """Zonings that can be drawn on a map of `territory` (those saved for it and those with
    a commune on its map), by label: the published versions (« … — publié le … ») first,
    then, unless `official` (PDF, workshop: published versions only, diagnostics.publication),
    the drafts (« … — brouillon »), newest first."""
    ws = cache.workspace()
    shown = cache.overlay_codes(territory.key)
    out: dict[str, dz.SavedZoning] = {}
    kinds = [(pub.published_kind(pub.ZONING), True)]
    if not official:
        kinds.append((dz.ZONING_DOCUMENT_KIND, False))
    for kind, published in kinds:
        docs = ws.documents(kind)
        when = {
            str(d.get(pub.VERSION, "")): pub.date_fr(d.get(pub.PUBLISHED_AT))
            for d in docs.values()
            if isinstance(d, dict)
        }
        for z in dz.saved_zonings(docs):
            if z.territoire == territory.key or shown.intersection(z.communes):
                status = f"publié le {when.get(z.nom, '')}" if published else "brouillon"
                out.setdefault(f"{z.nom} — {status}", z)
    return out


def _saved_zones_overlay(territory: Territory, label: str, zoning: dz.SavedZoning) -> Overlay:
    rows = tuple(
        zoning.members()[["code_insee", "zone_id", "zone_nom"]]
        .astype(str)
        .itertuples(index=False, name=None)
    )
    line = f"zonage « {label} » (règles choisies dans l'application, enregistré le {pub.date_fr(zoning.date)})"
    return cache.zones_overlay(territory.key, label, rows, line)


def overlays_for(
    territory: Territory,
    keys: Sequence[str],
    zoning: str | None = None,
    editing: Overlay | None = None,
    official: bool = False,
) -> list[Overlay]:
    """The overlays `keys` (analyses.overlays.OVERLAY_KEYS) of a map of `territory`, built
    once per territory and revision (ui/cache.py). Zones: the zoning `zoning` (a saved
    zoning's name, or EDITING_ZONING for `editing`), else the zoning being edited, else the
    newest saved one; `official`: published zonings only (PDF, workshop view). Also used by
    the static map exports (the overlays that are on)."""
    rev = cache.revision()
    ref = state.reference_date().isoformat()
    out: list[Overlay] = []
    for k in ovl.OVERLAY_KEYS:
        if k not in keys:
            continue
        ov: Overlay | None = None
        if k == ovl.AO:
            ov = cache.ao_overlay(territory.key, ref, rev)
        elif k == ovl.CTG:
            ov = cache.ctg_overlay(territory.key, ref, rev)
        elif k == ovl.QPV:
            ov = cache.qpv_overlay(territory.key, rev)
        elif k == ovl.STRUCTURES:
            ov = cache.structures_overlay(territory.key, rev)
        elif k == ovl.ZONES:
            saved = _zoning_options(territory, official)
            if editing is not None and zoning in (None, EDITING_ZONING):
                ov = editing
            elif zoning in saved:
                ov = _saved_zones_overlay(territory, zoning, saved[zoning])
            elif saved:
                first = next(iter(saved))
                ov = _saved_zones_overlay(territory, first, saved[first])
        if ov is not None:
            out.append(ov)
    return out


def current_overlays(
    territory: Territory, editing: Overlay | None = None, official: bool = False
) -> list[Overlay]:
    """The overlays that are on (URL / layer control) for a map of `territory`: what a
    static export (PNG, PDF) draws (`official`: a published zoning only)."""
    return overlays_for(territory, state.overlay_keys(), state.zoning_choice(), editing, official)


def _on_overlays(widget_key: str) -> None:
    state.set_overlay_keys(st.session_state.get(widget_key) or [])


def _on_zoning(widget_key: str) -> None:
    state.set_zoning_choice(st.session_state.get(widget_key))


def _overlay_choice(
    territory: Territory, key: str, editing: Overlay | None = None, official: bool = False
) -> tuple[list[str], str | None]:
    """The overlay keys and the zoning `overlay_control` returns in this run, read without
    drawing it (the session's widget values, else their defaults)."""
    raw = st.session_state.get(f"couches_{key}", list(state.overlay_keys()))
    keys = [k for k in ovl.OVERLAY_KEYS if k in (raw or [])]
    zoning = state.zoning_choice()
    if ovl.ZONES in keys:
        options = ([EDITING_ZONING] if editing is not None else []) + list(
            _zoning_options(territory, official)
        )
        if options:
            default = zoning if zoning in options else options[0]
            zoning = state.widget_value(f"zonage_{key}", options, default)
    return keys, zoning


def overlay_control(
    territory: Territory, key: str, editing: Overlay | None = None, official: bool = False
) -> list[Overlay]:
    """The one layer control of every map: the overlays to draw above the page's own
    choropleth (and, when the zones are on, which zoning). The choice is shared by every
    map of the session and kept in the URL (`couches`, `zonage`), so a copied link reopens
    the same layers. Returns the overlays to draw."""
    state.sync_overlay_url()
    widget = f"couches_{key}"
    chosen = st.pills(
        "Couches superposées",
        list(ovl.OVERLAY_KEYS),
        selection_mode="multi",
        default=list(state.overlay_keys()),
        format_func=ovl.OVERLAY_LABELS.__getitem__,
        key=widget,
        on_change=_on_overlays,
        args=(widget,),
        help="Compétence AO : titulaire de la planification et strate de l'AO ; CTG : "
        "périmètres des CTG en vigueur selon leur statut ; zones prioritaires d'un zonage ; "
        "communes ayant un quartier prioritaire (QPV 2024) ; structures localisées (EAJE, "
        "RPE, LAEP…), taille selon les places.",
    )
    keys = [k for k in ovl.OVERLAY_KEYS if k in (chosen or [])]
    zoning = state.zoning_choice()
    if ovl.ZONES in keys:
        saved = _zoning_options(territory, official)
        options = ([EDITING_ZONING] if editing is not None else []) + list(saved)
        if options:
            index = options.index(zoning) if zoning in options else 0
            zwidget = f"zonage_{key}"
            zoning = st.selectbox(
                "Zonage dessiné",
                options,
                index=index,
                key=zwidget,
                on_change=_on_zoning,
                args=(zwidget,),
            )
        else:
            st.caption("Aucun zonage enregistré pour ce territoire (page « Zones sous-dotées »).")
    if official and ovl.ZONES in keys:
        st.caption("Sorties officielles (PDF, vue atelier) : seul un zonage publié est dessiné.")
    return overlays_for(territory, keys, zoning, editing, official)


def overlay_credits(chosen: Sequence[Overlay]) -> None:
    """Source and year of the overlays drawn, under the map (and those with nothing to draw)."""
    lines = [f"{ov.name} : {ov.credit}" for ov in chosen if ov.credit]
    empty = [ov.name for ov in chosen if ov.n_features == 0]
    if empty:
        lines.append("Rien à dessiner sur ce territoire pour : " + ", ".join(empty) + ".")
    if lines:
        st.caption("  \n".join(md(line) for line in dict.fromkeys(lines)))


def _clicked_key(key: str) -> str:
    return f"_map_clicked_{key}"


def _show_with_overlays(
    script: str,
    geo: Sequence[str],
    sig: str,
    dom_id: str,
    key: str,
    height: int,
    territory: Territory,
    editing: Overlay | None,
    clickable: bool,
    map_first: bool = False,
) -> str | None:
    clicked = st.session_state.pop(_clicked_key(key), None)
    _map_fragment(
        script, list(geo), sig, dom_id, key, height, territory, editing, clickable, map_first
    )
    return clicked


@st.fragment
def _map_fragment(
    script: str,
    geo: list[str],
    sig: str,
    dom_id: str,
    key: str,
    height: int,
    territory: Territory,
    editing: Overlay | None,
    clickable: bool,
    map_first: bool = False,
) -> None:
    """The layer control and the map: a toggle reruns only this fragment. The map is sent
    before the layer control, which is drawn above it (same place on screen): the browser
    starts drawing the map before it loads the control's code (bench/README.md). The
    overlays drawn are those the control returns, read beforehand (`_overlay_choice`).
    With `map_first` (ui.pages.map_first) the control is not drawn yet: its place is kept
    (PAGE_CSS_RULES) and the map reports its paint, which brings the whole page."""
    controls = st.container(key=f"{OVERLAY_CONTROL_KEY}{key}")
    if map_first:
        with controls:
            st.empty()  # sent before the map: an empty container is not shown, this one is kept
    keys, zoning = _overlay_choice(territory, key, editing)
    chosen = overlays_for(territory, keys, zoning, editing)
    code = _show_script(
        script, geo, sig, dom_id, key, height, chosen, clickable, report_paint=map_first
    )
    overlay_credits(chosen)
    if map_first:
        return
    with controls:
        overlay_control(territory, key, editing)
    if _overlay_choice(territory, key, editing) != (keys, zoning):  # never seen
        st.rerun(scope="fragment")
    if code and clickable:
        st.session_state[_clicked_key(key)] = code
        st.rerun()


@st.cache_resource(show_spinner=False, max_entries=8)
def _territory_script(
    territory_key: str,
    level: str,
    theme: str,
    credit: str,
    highlight: str | None,
    height: int,
    dom_id: str,
) -> tuple[str, list[str], str]:
    kind, _, code = territory_key.partition(":")
    territory = make_territory(cache.geography(), Level(kind), code)
    classified, tooltip, legend_title = territory_colouring(territory_key, level, theme)
    m = territory_map(
        Level(level),
        territory,
        classified.colors,
        classified.legend,
        title=theme,
        legend_title=legend_title,
        credit=credit,
        tooltip=tooltip,
        highlight=highlight,
        height=height,
    )
    script, geo = split_geojson(map_script(m, dom_id), json_texts(m))
    return script, geo, _signature(script, geo, height)


_STATIC_NAMES: dict[str, str] = {}  # text -> file name (the cached texts are hashed once)


def _static_name(text: str) -> str:
    """Content-hashed file name of a JSON text, computed once per text."""
    name = _STATIC_NAMES.get(text)
    if name is None:
        if len(_STATIC_NAMES) >= 32:
            _STATIC_NAMES.clear()
        name = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24] + ".json.gz"
        _STATIC_NAMES[text] = name
    return name


def delivered(geo: Sequence[str]) -> list[str | dict[str, str]]:
    """How the map component receives the JSON texts of one map: inline, or, for a map whose
    texts reach STATIC_GEO_MIN_BYTES together (France by commune: 12,5 MB), each text of
    100 kB or more as a static file (static_geo)."""
    if sum(len(g) for g in geo) < STATIC_GEO_MIN_BYTES:
        return list(geo)
    return [static_geo(g) if len(g) >= STATIC_GEO_MIN_TEXT else g for g in geo]


def static_geo(text: str) -> str | dict[str, str]:
    """The URL of a static file `static/geo/<hash of the text>.json.gz` holding `text`,
    which the browser fetches and inflates (measured in bench/README.md: the megabytes no
    longer travel inside the WebSocket message, JSON-escaped, nor are they serialised and
    hashed by Streamlit on every run). The file is written once, when the server first draws
    that map, next to the running app (Streamlit's static serving,
    `server.enableStaticServing`); its name changes with its content, so a browser cache
    never serves a stale map. The text itself (inline) when static serving is off or the
    folder is not writable."""
    if not st.get_option("server.enableStaticServing"):
        return text
    ctx = get_script_run_ctx()
    if ctx is None or not ctx.main_script_path:
        return text
    name = _static_name(text)
    folder = Path(ctx.main_script_path).resolve().parent / "static" / STATIC_GEO_FOLDER
    path = folder / name
    if not path.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}.tmp"  # another server may write it too
            tmp.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
            os.replace(tmp, path)
        except OSError:
            return text
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    return {"url": f"{prefix}/app/static/{STATIC_GEO_FOLDER}/{name}"}


def preload_map_code(where: DeltaGenerator) -> None:
    """An invisible element, sent before anything else of a page with maps, that makes the
    browser load the map component's code (Streamlit's component module, Leaflet) first: the
    page's other elements (selectors, text inputs, metrics) load their code lazily at the same
    time, over six connections, and the map's code came behind them (bench/README.md, « Carte
    contre son plancher »). Another component name with the same code: the browser loads and
    evaluates it once for both."""
    with where:
        _preload_component(key="diag_map_preload", data={"preload": True}, height="content")


def show_territory_map(
    territory: Territory,
    level: Level,
    theme: str,
    *,
    credit: str,
    key: str,
    height: int = 560,
    overlays: bool = True,
    map_first: bool = False,
) -> str | None:
    """The Territoire page's clickable map (colouring `theme` of the `level` units), its
    script cached per territory, level and theme: a rerun that keeps them (or comes back to
    them) neither rebuilds nor re-renders the map. Returns a clicked code, like show_map.
    `map_first`: this run sends the map alone (ui.pages.map_first), without its layer
    control, and the map reports its paint."""
    dom_id = _dom_id(key)
    highlight = territory.code if territory.level is Level.COMMUNE else None
    script, geo, sig = _territory_script(
        territory.key, Level(level).value, theme, credit, highlight, int(height), dom_id
    )
    if not overlays:
        return _show_script(script, geo, sig, dom_id, key, height, report_paint=map_first)
    return _show_with_overlays(
        script, geo, sig, dom_id, key, height, territory, None, True, map_first
    )


def _ignore() -> None:
    """Callback that makes `click` a trigger value of the component (nothing else to do)."""


def markdown_table(frame: pd.DataFrame, right: Sequence[str] = ()) -> str:
    """A small table as Markdown (rendered by st.markdown: no dataframe module to load in the
    browser for a few rows). Cells are text; Markdown and HTML characters are escaped. The
    `right` columns (figures) are right-aligned and never wrap (no-break spaces)."""

    def cell(value: object, nowrap: bool = False) -> str:
        text = (
            "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        )
        text = html.escape(text, quote=False).replace("\n", " ")
        text = re.sub(r"([\\`*_{}\[\]()#+!|~-])", r"\\\1", text)
        return text.replace(" ", "\u00a0") if nowrap else text

    cols = [str(c) for c in frame.columns]
    nowrap = [c in right for c in cols]
    head = "| " + " | ".join(cell(c) for c in cols) + " |"
    sep = "|" + "|".join("---:" if nw else "---" for nw in nowrap) + "|"
    rows = [
        "| " + " | ".join(cell(v, nw) for v, nw in zip(row, nowrap, strict=True)) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, sep, *rows])


# --------------------------------------------------------------------------------------------
# Colourings of the Territoire page (plain pandas, no streamlit; tested in test_maps.py)
# --------------------------------------------------------------------------------------------

THEME_TIER = "Strate d'autorité organisatrice (AO)"
THEME_DENSITY = "Niveau de densité (grille INSEE)"
THEME_POPULATION = "Population municipale"
THEME_RURAL = "Part de la population en commune rurale"


def themes_for(level: Level) -> list[str]:
    """Colourings offered for a map level (first one is the default)."""
    if Level(level) is Level.COMMUNE:
        return [THEME_TIER, THEME_DENSITY, THEME_POPULATION]
    return [THEME_POPULATION, THEME_RURAL]


def map_territory(geo, territory: Territory) -> Territory:
    """Territory whose communes a map of `territory` shows: a commune is drawn within its EPCI."""
    if territory.level is Level.COMMUNE:
        for up in parents(geo, territory):
            if up.level is Level.EPCI:
                return up
    return territory


def aggregate_by(communes: pd.DataFrame, level: Level) -> pd.DataFrame:
    """Population, communes and rural share per unit of `level` (index: code)."""
    col = {
        Level.COMMUNE: "code_insee",
        Level.EPCI: "siren_epci",
        Level.DEPARTEMENT: "dep",
        Level.REGION: "reg",
    }[Level(level)]
    pop = pd.to_numeric(communes["population"], errors="coerce").fillna(0)
    dens = pd.to_numeric(communes["dens7"], errors="coerce")
    frame = pd.DataFrame(
        {
            "code": communes[col].astype("string"),
            "population": pop,
            "rural_pop": pop.where(dens >= 5, 0),
        }
    )
    frame = frame.dropna(subset=["code"])
    g = frame.groupby("code").agg(
        population=("population", "sum"),
        communes=("population", "size"),
        rural_pop=("rural_pop", "sum"),
    )
    g["part_rurale"] = (g["rural_pop"] / g["population"].where(g["population"] > 0) * 100).astype(
        float
    )
    g.index = g.index.astype(str)
    return g[["population", "communes", "part_rurale"]]


@st.cache_data(show_spinner=False, max_entries=16)
def territory_colouring(territory_key: str, level: str, theme: str) -> tuple:
    """Cached `colouring` of the communes a map of the territory shows (Territoire page)."""
    geo = cache.geography()
    kind, _, code = territory_key.partition(":")
    territory = make_territory(geo, Level(kind), code)
    communes = communes_of(geo, map_territory(geo, territory))
    return colouring(communes, Level(level), theme)


def colouring(communes: pd.DataFrame, level: Level, theme: str) -> tuple:
    """(Classified, tooltip frame, legend title) of a theme for the `level` units of `communes`."""
    from geodata.maps import (
        DENSITY_COLORS,
        ORANGES,
        TIER_COLORS,
        classify_categories,
        classify_quantiles,
    )
    from geodata.tiers import ao_tiers

    level = Level(level)
    if level is Level.COMMUNE:
        codes = communes["code_insee"].astype(str).to_numpy()
        pop = pd.Series(
            pd.to_numeric(communes["population"], errors="coerce").to_numpy(), index=codes
        )
        tiers = pd.Series(pd.Series(ao_tiers(pop)).astype(object).to_numpy(), index=codes)
        dens = pd.Series(communes["dens7_lib"].astype(object).to_numpy(), index=codes)
        tooltip = pd.DataFrame(
            {
                "Population municipale 2023": pop.map(fmt_number),
                "Strate AO": tiers.where(tiers.notna(), "—"),
                "Densité (INSEE 2024)": dens.where(dens.notna(), "—"),
            },
            index=codes,
        )
        if theme == THEME_DENSITY:
            return classify_categories(dens, DENSITY_COLORS), tooltip, "Niveau de densité"
        if theme == THEME_POPULATION:
            return classify_quantiles(pop, k=5, unit="hab."), tooltip, "Population municipale 2023"
        return (
            classify_categories(tiers, TIER_COLORS),
            tooltip,
            "Strate AO (population municipale 2023)",
        )
    agg = aggregate_by(communes, level)
    tooltip = pd.DataFrame(
        {
            "Population municipale 2023": agg["population"].map(fmt_number),
            "Communes": agg["communes"].map(fmt_number),
            "Population en commune rurale": agg["part_rurale"].map(lambda v: fmt_percent(v, 1)),
        },
        index=agg.index,
    )
    if theme == THEME_RURAL:
        return (
            classify_quantiles(agg["part_rurale"], k=5, palette=ORANGES, decimals=0, unit="%"),
            tooltip,
            "Part de la population en commune rurale (densité 5 à 7)",
        )
    return (
        classify_quantiles(agg["population"], k=5, unit="hab."),
        tooltip,
        "Population municipale 2023",
    )


def ratio_colouring(ratios: pd.Series) -> Classified:
    """Colours of a ratio to the national rate (index: code): the classes of
    diagnostics.coverage.ratio_class and its palette, the same on every map."""
    classes = cv.ratio_class(ratios).astype(object)
    return classify_categories(classes, dict(zip(cv.RATIO_LABELS, cv.RATIO_COLORS, strict=True)))
