"""End-to-end: the « Profils Filoué » page of an EAJE of Villeurbanne, in headless Chromium.

Checks the four tabs, the map of the communes of residence (drawn offline), the secrecy
marks, and saves screenshots under tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

HARMLESS_HOSTS = {"fonts.gstatic.com", "fonts.googleapis.com"}
COMMUNE = "69266"  # Villeurbanne


def residence_map_features(page, timeout_ms: int = 60_000) -> int:
    """Number of communes drawn by the residence map (in-page component)."""
    waited = 0
    while waited < timeout_ms:
        for frame in page.frames:
            try:
                n = frame.evaluate(
                    "() => window.diagMainLayer ? Object.keys(window.diagMainLayer._layers).length"
                    " : 0"
                )
            except Exception:  # noqa: BLE001 - a frame may be detached while Streamlit reruns
                n = 0
            if n:
                return int(n)
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError("carte des communes de résidence non dessinée")


def test_filoue_page_tabs_map_and_secrecy(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/filoue?niveau=commune&code={COMMUNE}")
    wait_for_app(page)
    page.get_by_role("heading", name="Profils Filoué").wait_for(timeout=120_000)
    page.get_by_text("Données de démonstration").first.wait_for()
    for label in (
        "Données de cadrage",
        "Âges des enfants",
        "Situation familiale",
        "Revenus des familles",
    ):
        page.get_by_role("tab", name=label).wait_for(timeout=120_000)
        assert page.get_by_role("tab", name=label).count() == 1
    assert residence_map_features(page) > 50  # the communes of the Rhône
    page.get_by_text("Où habitent les enfants accueillis ?").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "e2e_filoue_cadrage.png"), full_page=False)

    page.get_by_role("tab", name="Revenus des familles").click()
    # the charts of the other tabs are in the page too, hidden
    chart = (
        page.locator('[data-testid="stPlotlyChart"]:visible').filter(has=page.locator("svg")).first
    )
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts_dir / "e2e_filoue_revenus.png"), full_page=False)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert re.search(r"secret statistique", body)

    # The commune view: its EAJE ranked, the map of where all their children live.
    page.get_by_text("Une commune", exact=True).click()
    # Only the commune view has the commune picker: wait for it, then for the rerun to settle.
    page.get_by_text("Commune (communes ayant au moins un EAJE dans l'extrait)").wait_for(
        timeout=60_000
    )
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stTab\"]').length === 4", timeout=60_000
    )
    page.get_by_role("tab", name="Données de cadrage").first.click()
    page.get_by_text("EAJE de la commune", exact=True).first.wait_for(timeout=60_000)
    assert residence_map_features(page) > 50
    page.get_by_text("Où habitent les enfants accueillis ?").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts_dir / "e2e_filoue_commune_carte.png"), full_page=False)
    page.get_by_text(re.compile(r"^Comparer les EAJE de Villeurbanne")).scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts_dir / "e2e_filoue_classement.png"), full_page=False)
    assert not [u for u in page.blocked_requests if not any(h in u for h in HARMLESS_HOSTS)]
