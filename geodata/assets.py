"""Offline map assets: folium's CDN links replaced by files vendored in `static/vendor/`.

folium loads Leaflet, jQuery, Bootstrap and font/marker plugins from four CDN hosts; with no
internet the map stays blank. Leaflet 1.9.4 (npm package `leaflet`, BSD-2-Clause, licence
copied next to it) is vendored in static/vendor/leaflet/ and served by Streamlit's static
serving (`server.enableStaticServing = true`) at /app/static/vendor/leaflet/.

The clickable map of ui/maps.py bundles leaflet.js and leaflet.css into its in-page
component (leaflet_js_source, leaflet_css_source) instead of fetching them.

The maps of this app only need Leaflet: jQuery, Bootstrap, awesome-markers and the glyph
fonts are dropped from the maps we build (`localize`). Any other CDN link an element may
add is rewritten to a vendored file when one exists, otherwise removed, and reported by
`external_links` (the unit tests assert it finds none in our maps).
"""

from __future__ import annotations

from pathlib import Path

import folium
from branca.element import Element

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor"
STATIC_URL = "/app/static/vendor"

LEAFLET_VERSION = "1.9.4"
LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"

LOCAL_JS = [("leaflet", LEAFLET_JS)]
LOCAL_CSS = [("leaflet_css", LEAFLET_CSS)]

# Known CDN file names -> vendored URL (anything else from a CDN is dropped).
_VENDORED = {
    "leaflet.js": LEAFLET_JS,
    "leaflet.css": LEAFLET_CSS,
}


def vendored_files() -> list[Path]:
    """Files that must exist under static/vendor for the maps to work offline."""
    return [VENDOR_DIR / "leaflet" / name for name in ("leaflet.js", "leaflet.css", "LICENSE")]


def leaflet_js_source() -> str:
    """leaflet.js itself, to bundle into the in-page map component of ui/maps.py (one script
    less to fetch after the page's own chunks; Leaflet sets window.L when evaluated)."""
    text = (VENDOR_DIR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    return text.replace("//# sourceMappingURL=leaflet.js.map", "")


def leaflet_css_source() -> str:
    """leaflet.css with its image URLs pointed at the vendored files (for inline use)."""
    text = (VENDOR_DIR / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    return text.replace("url(images/", f"url({STATIC_URL}/leaflet/images/")


def _localize_links(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in links:
        if url.startswith("/"):
            out.append((name, url))
            continue
        local = _VENDORED.get(url.rsplit("/", 1)[-1])
        if local:
            out.append((name, local))
    return out


def _walk(element: Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localize(m: folium.Map) -> folium.Map:
    """Point every JS/CSS link of the map's elements at vendored files (in place)."""
    for el in _walk(m):
        if getattr(el, "default_js", None):
            el.default_js = _localize_links(list(el.default_js))
        if getattr(el, "default_css", None):
            el.default_css = _localize_links(list(el.default_css))
    m.default_js = list(LOCAL_JS)
    m.default_css = list(LOCAL_CSS)
    return m


def external_links(m: folium.Map) -> list[str]:
    """JS/CSS links of the map that do not point at this app (should be empty)."""
    out: list[str] = []
    for el in _walk(m):
        for _, url in list(getattr(el, "default_js", [])) + list(getattr(el, "default_css", [])):
            if not url.startswith("/"):
                out.append(url)
    return out
