"""End-to-end: priority zones drawn over the coverage map of Pas-de-Calais, offline."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

ZONES_JS = """() => {
  if (!window.diagMainLayer || !window.diagMainLayer._map) return [-1, -1];
  const z = (window.diagOverlays || {}).zones;
  return [window.diagMainLayer.getLayers().length, z && z._map ? z.getLayers().length : 0];
}"""


def _map_frame(page, timeout: float = 180.0):
    """The frame holding the Leaflet map (the page itself: in-page component) once communes
    and zone polygons are drawn."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            try:
                communes, zones = frame.evaluate(ZONES_JS)
            except Exception:  # noqa: BLE001 - frame detached while Streamlit re-renders
                continue
            if communes > 0 and zones > 0:
                return frame, communes, zones
        time.sleep(0.3)
    raise AssertionError("la carte des zones prioritaires ne s'est pas affichée")


def test_zones_drawn_over_coverage_map(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/zones?niveau=departement&code=62")
    wait_for_app(page)
    page.get_by_text("Règles appliquées").first.wait_for(timeout=180_000)
    frame, communes, zones = _map_frame(page)
    assert communes == 887  # every commune of Pas-de-Calais drawn
    metric = page.locator('[data-testid="stMetric"]', has_text="Zones prioritaires")
    shown = int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace("\u202f", ""))
    assert zones == shown > 0
    legend = frame.locator(".diag-legend").first.inner_text()
    assert "Zone prioritaire" in legend and "taux national" in legend
    page.wait_for_timeout(800)
    holder = page.locator("div.diag-map-holder")
    holder.scroll_into_view_if_needed()
    holder.screenshot(path=str(artifacts_dir / "zones_carte.png"))
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    chart.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts_dir / "zones_trajectoire.png"), full_page=False)
    page.locator("h3", has_text="Zones prioritaires").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "zones_tableau.png"), full_page=False)
    outside = [u for u in page.blocked_requests if "materialsymbols" not in u]
    assert outside == [], outside
