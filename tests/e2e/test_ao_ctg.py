"""End-to-end: the AO map of Loire Forez Agglomération renders offline (screenshots saved)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ARTIFACTS
from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

EPCI = "200065886"  # Loire Forez Agglomération, 84 communes


def _map_frame(page, timeout: float = 180.0):
    """The frame holding the Leaflet map (the page itself: in-page component), once its
    commune layer is drawn."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            try:
                n = frame.evaluate(
                    "() => window.diagMainLayer ? window.diagMainLayer.getLayers().length : -1"
                )
            except Exception:  # noqa: BLE001 - frame detached while Streamlit re-renders
                continue
            if n and n > 0:
                return frame, n
        time.sleep(0.3)
    page.screenshot(path=str(ARTIFACTS / "ao_ctg_echec.png"))
    raise AssertionError("la carte des AO ne s'est pas affichée (voir ao_ctg_echec.png)")


def _shot(page, artifacts_dir, name: str) -> None:
    """Screenshot of the map alone."""
    page.wait_for_timeout(600)
    frame_el = page.locator("div.diag-map-holder").first
    frame_el.scroll_into_view_if_needed()
    frame_el.screenshot(path=str(artifacts_dir / f"ao_ctg_{name}.png"))


def test_ao_map_renders_offline(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/ao-ctg?niveau=epci&code={EPCI}")
    wait_for_app(page)
    page.get_by_text("Couverture et statut CTG").first.wait_for(timeout=180_000)
    page.keyboard.press("Escape")
    frame, n = _map_frame(page)
    assert n == 84
    legend = frame.locator(".diag-legend").inner_text()
    for label in ("CTG vaut schéma en droit", "Aucune CTG : schéma requis", "Contour des EPCI"):
        assert label in legend
    _shot(page, artifacts_dir, "statut")

    page.get_by_text("Titulaire de la compétence de planification").first.click()
    wait_for_app(page)
    frame, _ = _map_frame(page)
    frame.locator(".diag-legend", has_text="Titulaire").wait_for()
    assert "EPCI" in frame.locator(".diag-legend").inner_text()
    _shot(page, artifacts_dir, "titulaire")

    page.get_by_text("Strate de l'AO titulaire de la planification").first.click()
    wait_for_app(page)
    frame, _ = _map_frame(page)
    frame.locator(".diag-legend", has_text="Strate").wait_for()
    assert "plus de 10 000" in frame.locator(".diag-legend").inner_text()
    _shot(page, artifacts_dir, "strate")

    page.get_by_text("CTG se terminant dans les 12 mois").first.click()
    wait_for_app(page)
    frame, _ = _map_frame(page)
    frame.locator(".diag-title", has_text="se terminant").wait_for()
    assert "CTG expirée" in frame.locator(".diag-legend").inner_text()
    _shot(page, artifacts_dir, "echeance")

    page.get_by_text("Autorités organisatrices et statut CTG").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "ao_ctg_tableau.png"))
    # The map needs nothing from outside (the app-wide page icon of app.py, a Material Symbols
    # favicon fetched from fonts.gstatic.com, is not part of this page).
    outside = [u for u in page.blocked_requests if "materialsymbols" not in u]
    assert outside == [], outside


def test_commune_map_shows_its_epci(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/ao-ctg?niveau=commune&code=42147")
    wait_for_app(page)
    page.get_by_text("Couverture et statut CTG").first.wait_for(timeout=180_000)
    page.keyboard.press("Escape")
    frame, n = _map_frame(page)
    assert n == 84  # the communes of Loire Forez Agglomération, Montbrison highlighted
    # every commune of the EPCI has a status colour (none left « Donnée non disponible »)
    assert "Donnée non disponible" not in frame.locator(".diag-legend").inner_text()
    _shot(page, artifacts_dir, "commune")
