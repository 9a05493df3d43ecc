"""End-to-end: pick a département in the sidebar, see its communes painted, click one.

Runs the real app in headless Chromium with every request outside the local server blocked
(tests/e2e/conftest.py), which proves the map works with no internet (vendored Leaflet).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from geodata import layers
from geodata.territory import Level, Territory
from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

# Hosts whose blocked requests would be tolerated (tiles, fonts). None: the favicon is local
# (static/favicon.png) and Material icons come from Streamlit's bundled font, so the page,
# the search and the maps must not try to reach any outside host at all.
HARMLESS_HOSTS: set[str] = set()

DEP = "69"
COMMUNE = "69264"  # Villefranche-sur-Saône


def map_frame(page, min_features: int, timeout: float = 60, exact: bool = False):
    """The frame holding the clickable map (the page itself: the map component renders in
    the page, not in an iframe) once its main layer holds `min_features` painted features
    (at least, or exactly when `exact`: tells the new map from the one it replaces)."""
    deadline = timeout * 1000
    waited = 0
    while waited < deadline:
        frame = page.main_frame
        n = frame.evaluate(
            "() => (window.diagMainLayer && window.diagMainLayer._map"
            " && document.querySelector('canvas.leaflet-zoom-animated'))"
            " ? Object.keys(window.diagMainLayer._layers).length : 0"
        )
        if n == min_features if exact else n >= min_features:
            return frame
        page.wait_for_timeout(200)
        waited += 200
    raise AssertionError(f"carte non dessinée (moins de {min_features} entités)")


def params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_select_departement_then_click_commune(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/")  # Territoire is the default page: its URL is the root
    wait_for_app(page)
    map_frame(page, min_features=90)  # France by département

    search = page.get_by_label("Rechercher un territoire", exact=True)
    search.fill("rhone")
    search.press("Enter")
    page.get_by_text(re.compile(r"^Rhône \(69\) — Département")).click()
    page.wait_for_url(re.compile(r"niveau=departement&code=69"), timeout=60_000)
    wait_for_app(page)
    frame = map_frame(page, min_features=266, exact=True)  # the 266 communes of the Rhône
    page.screenshot(path=str(artifacts_dir / "e2e_territoire_rhone.png"))

    # Click inside Villefranche-sur-Saône (a point surely inside the polygon).
    communes = layers.geometries(Level.COMMUNE, Territory(Level.DEPARTEMENT, DEP, ""))
    point = communes.loc[communes["code"] == COMMUNE, "geometry"].iloc[0].representative_point()
    assert page.locator("iframe").count() == 0  # the clickable map is in the page itself
    frame.evaluate(
        "() => window.diagMainLayer._map.getContainer().scrollIntoView({block: 'center'})"
    )
    page.wait_for_timeout(300)
    xy = frame.evaluate(
        """([lat, lng]) => { const m = window.diagMainLayer._map;
        const p = m.latLngToContainerPoint([lat, lng]);
        const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""",
        [point.y, point.x],
    )
    page.mouse.click(xy[0], xy[1])
    page.wait_for_url(re.compile(rf"niveau=commune&code={COMMUNE}"), timeout=60_000)
    wait_for_app(page)
    assert params(page) == {"niveau": "commune", "code": COMMUNE}
    epci_communes = layers.geometries(Level.COMMUNE, Territory(Level.COMMUNE, COMMUNE, ""))
    map_frame(page, min_features=len(epci_communes), exact=True)  # the communes of its EPCI
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "e2e_territoire_commune.png"))
    assert page.get_by_role("heading", name=re.compile("Villefranche-sur-Saône")).count() >= 1

    outside = {urlparse(u).netloc for u in page.blocked_requests}
    assert outside <= HARMLESS_HOSTS, sorted(page.blocked_requests)


def test_france_by_commune_comes_as_a_static_file_and_stays_clickable(page, app_url):
    """France by commune (12,5 MB of JSON): the geometry and the per-feature tables are
    fetched as content-hashed static files (ui.maps.static_geo), not sent in the WebSocket
    message; every commune is painted with its class colour and a click still selects a
    territory."""
    static = []
    page.on(
        "response",
        lambda r: static.append((r.url, r.status)) if "/app/static/geo/" in r.url else None,
    )
    page.goto(f"{app_url}/?maille=commune")
    n = layers.payload(Level.COMMUNE, Territory(Level.FRANCE)).n_features
    map_frame(page, min_features=n, timeout=240, exact=True)
    # geometry, département outlines, colour and tooltip tables: four files, once each
    assert len({url for url, _ in static}) == len(static) == 4, static
    for url, status in static:
        assert status == 200 and re.search(r"/app/static/geo/[0-9a-f]{24}\.json\.gz$", url)
    colours = page.evaluate(
        "() => { const s = new Set(); window.diagMainLayer.eachLayer("
        "l => s.add(l.options.fillColor)); return [...s]; }"
    )
    assert "#d9d9d9" not in colours and len(colours) >= 3, colours  # every commune classed
    code = page.evaluate(
        "() => { const l = Object.values(window.diagMainLayer._layers)[0];"
        " l.fire('click', {latlng: l.getBounds().getCenter()}, true);"
        " return l.feature.properties.code; }"
    )
    page.wait_for_url(re.compile(rf"niveau=commune&code={code}"), timeout=120_000)
    outside = {urlparse(u).netloc for u in page.blocked_requests}
    assert outside <= HARMLESS_HOSTS, sorted(page.blocked_requests)
