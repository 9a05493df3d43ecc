"""End-to-end: the shared overlays (AO competence, priority zones…) on the coverage map of a
département and on the Filoué map, in headless Chromium: turned on with the layer control,
painted above the choropleth without redrawing it, and reopened by the copied link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import wait_for_app, wait_for_overlays

pytestmark = pytest.mark.e2e

#: [main layer features, overlay keys on the map, features of each overlay, base layer id]
STATE_JS = """() => {
  const h = document.querySelector('div.diag-map-holder');
  const main = window.diagMainLayer;
  if (!h || !main || !main._map) return null;
  const ov = window.diagOverlays || {};
  const counts = {};
  for (const k of Object.keys(ov)) { if (ov[k]._map) counts[k] = ov[k].getLayers().length; }
  return {main: main.getLayers().length, keys: h.dataset.overlays || '', counts: counts,
          base: main._leaflet_id};
}"""


def map_state(page, want_keys: str, timeout_ms: int = 120_000) -> dict:
    """The map's state once the overlays `want_keys` (« ao,zones ») are all drawn."""
    return wait_for_overlays(page, STATE_JS, want_keys, timeout_ms=timeout_ms)


def save_zoning(page, app_url: str, query: str) -> None:
    """Save the zoning computed with the default rules of the zones page."""
    page.goto(f"{app_url}/zones?{query}")
    wait_for_app(page)
    button = page.get_by_role("button", name="Enregistrer le zonage")
    button.wait_for(timeout=180_000)
    button.click()
    page.get_by_text("enregistré dans l'espace de travail").wait_for(timeout=60_000)


def turn_on(page, labels: list[str], keys: str) -> dict:
    for label in labels:
        page.get_by_role("button", name=label, exact=True).click()
        wait_for_app(page)
    return map_state(page, keys)


def check_link(browser, url: str, keys: str, artifacts_dir, name: str) -> None:
    """The copied URL names the layers and reopens them in a new session."""
    assert parse_qs(urlparse(url).query)["couches"] == [keys]
    fresh = browser.new_page(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    try:
        fresh.goto(url)
        wait_for_app(fresh)
        state = map_state(fresh, keys, timeout_ms=180_000)
        assert all(state["counts"][k] > 0 for k in keys.split(","))
        for label in ("Compétence AO", "Zones prioritaires"):
            pill = fresh.get_by_role("button", name=label, exact=True)
            assert pill.get_attribute("aria-pressed") == "true", label
        holder = fresh.locator("div.diag-map-holder")
        holder.scroll_into_view_if_needed()
        fresh.wait_for_timeout(600)
        holder.screenshot(path=str(artifacts_dir / f"{name}_lien.png"))
    finally:
        fresh.close()


def test_coverage_map_overlays_and_shared_link(page, browser, app_url, artifacts_dir):
    save_zoning(page, app_url, "niveau=departement&code=69")
    page.goto(f"{app_url}/couverture?niveau=departement&code=69")
    wait_for_app(page)
    before = map_state(page, "")
    state = turn_on(page, ["Compétence AO", "Zones prioritaires"], "ao,zones")
    assert state["base"] == before["base"]  # the choropleth was not redrawn
    assert state["main"] == before["main"]
    holder = page.locator("div.diag-map-holder")
    holder.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    holder.screenshot(path=str(artifacts_dir / "overlays_couverture.png"))
    legend = holder.locator(".diag-ov-legend").all_inner_texts()
    assert any("Titulaire de la planification" in t for t in legend)
    assert any("Zone prioritaire" in t for t in legend)
    credits = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    assert any("Compétence AO : Source" in t for t in credits)
    check_link(browser, page.url, "ao,zones", artifacts_dir, "overlays_couverture")
    # turning one off removes it, the other stays
    page.get_by_role("button", name="Compétence AO", exact=True).click()
    wait_for_app(page)
    state = map_state(page, "zones")
    assert "ao" not in state["counts"] and state["base"] == before["base"]


def test_filoue_map_overlays_and_shared_link(page, browser, app_url, artifacts_dir):
    page.goto(f"{app_url}/filoue?niveau=commune&code=69266")
    wait_for_app(page)
    page.get_by_role("heading", name="Profils Filoué").wait_for(timeout=120_000)
    page.get_by_text("Où habitent les enfants accueillis ?").wait_for(timeout=120_000)
    before = map_state(page, "")
    state = turn_on(page, ["Compétence AO", "Zones prioritaires"], "ao,zones")
    assert state["base"] == before["base"]
    holder = page.locator("div.diag-map-holder")
    holder.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    holder.screenshot(path=str(artifacts_dir / "overlays_filoue.png"))
    check_link(browser, page.url, "ao,zones", artifacts_dir, "overlays_filoue")


#: Page position of the n-th feature of an overlay (a point: its centre) and its tooltip text.
POINT_JS = """([key, n]) => {
  const layer = window.diagOverlays[key], l = layer.getLayers()[n], map = layer._map;
  const p = map.latLngToContainerPoint(l.getLatLng()), r = map.getContainer().getBoundingClientRect();
  return {x: r.left + p.x, y: r.top + p.y, tip: l.feature.properties.tip};
}"""


def test_a_large_overlay_comes_as_a_static_file_with_its_tooltips(page, app_url):
    """The structures of the Rhône (1 268 points, 0,23 MB of GeoJSON) travel as a static gzip
    file (ui.maps.delivered_overlay), not in the component's message; they are drawn with
    their legend, and hovering a point shows its own tooltip (one tooltip for the layer)."""
    fetched: list[str] = []
    page.on(
        "response",
        lambda r: fetched.append(r.url) if "/app/static/geo/" in r.url and r.ok else None,
    )
    page.goto(f"{app_url}/?niveau=departement&code=69&couches=structures")
    wait_for_app(page)
    state = map_state(page, "structures")
    assert state["counts"]["structures"] > 1000
    assert any(u.endswith(".json.gz") for u in fetched)
    holder = page.locator("div.diag-map-holder")
    holder.scroll_into_view_if_needed()
    legend = holder.locator(".diag-ov-legend").all_inner_texts()
    assert any("Structures (coordonnées connues)" in t for t in legend)
    for n in range(0, 1000, 97):  # a point not covered by another one
        point = page.evaluate(POINT_JS, ["structures", n])
        page.mouse.move(point["x"], point["y"])
        tip = page.locator(".leaflet-tooltip .diag-tt")
        try:
            tip.wait_for(timeout=2_000)
        except PlaywrightTimeout:  # under the legend or the controls: the next one
            continue
        if tip.inner_text().split("\n")[0] == point["tip"].split("\n")[0]:
            return
    raise AssertionError("aucune infobulle de structure sous la souris")
