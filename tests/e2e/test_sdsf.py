"""End-to-end: the map of places to develop per AO competence territory of Nord, offline."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

LAYERS_JS = """() => {
  if (!window.diagMainLayer || !window.diagMainLayer._map) return [-1, -1];
  let overlays = 0;
  window.diagMainLayer._map.eachLayer(l => {
    if (l.feature && l.toGeoJSON && l.toGeoJSON().properties &&
        l.toGeoJSON().properties.layer === 'diag-overlay') overlays++;
  });
  return [window.diagMainLayer.getLayers().length, overlays];
}"""


def _map_frame(page, timeout: float = 180.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:  # the page itself: in-page map component
            try:
                communes, overlays = frame.evaluate(LAYERS_JS)
            except Exception:  # noqa: BLE001 - frame detached while Streamlit re-renders
                continue
            if communes > 0:
                return frame, communes, overlays
        time.sleep(0.3)
    raise AssertionError("la carte des places à développer ne s'est pas affichée")


def test_map_of_places_to_develop(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/sdsf?niveau=departement&code=59")
    wait_for_app(page)
    page.get_by_text("Places à développer par territoire de compétence").first.wait_for(
        timeout=240_000
    )
    frame, communes, overlays = _map_frame(page)
    assert communes == 647  # every commune of Nord (COG 2025)
    assert overlays > 10  # the outlines of the planning territories
    legend = frame.locator(".diag-legend").first.inner_text()
    assert "Places EAJE PSU à développer" in legend
    assert "territoire de compétence" in legend
    # the shared layer control, sent after the map (ui.maps: the map's element goes first)
    page.get_by_text("Couches superposées").first.wait_for(timeout=60_000)
    holder = page.locator("div.diag-map-holder")
    holder.scroll_into_view_if_needed()
    holder.screenshot(path=str(artifacts_dir / "sdsf_carte_places.png"))
    outside = [u for u in page.blocked_requests if "materialsymbols" not in u]
    assert outside == [], outside
