"""End-to-end: plotly charts in French, in headless Chromium with no network (issue 18).

Three charts are hovered (coverage components and evolution on « Taux de couverture », the
trajectory on « Zones sous-dotées »): the hover label gives the figure in French format
(decimal comma, narrow no-break space for thousands), its unit, year and status, and the
toolbar is in French. Screenshots of each chart with its hover label go to tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

FRENCH_NUMBER = re.compile(r"\d,\d")
THOUSANDS = re.compile(r"\d\u202f\d{3}")


def _chart(page, title: str):
    chart = page.locator('[data-testid="stPlotlyChart"]', has_text=title).first
    chart.wait_for(timeout=120_000)
    chart.scroll_into_view_if_needed()
    chart.locator(".main-svg").first.wait_for()
    page.wait_for_timeout(500)
    return chart


def _hover(page, chart, selector: str, index: int = 0) -> str:
    """Move the mouse over one mark of the chart and return the hover label's text."""
    mark = chart.locator(selector).nth(index)
    box = mark.bounding_box()
    assert box, selector
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    label = chart.locator(".hoverlayer .hovertext").first
    label.wait_for(timeout=10_000)
    return label.text_content() or ""


def _french_toolbar(chart) -> None:
    chart.hover()
    titles = [b.get_attribute("data-title") for b in chart.locator(".modebar-btn").all()]
    assert "Zoom avant" in titles and "Télécharger le graphique (PNG)" in titles, titles


def test_coverage_charts_hover_in_french(page, app_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{app_url}/couverture?niveau=commune&code=31555")
    wait_for_app(page)
    page.get_by_text("Classement des").first.wait_for(timeout=120_000)

    chart = _chart(page, "par mode d'accueil")
    _french_toolbar(chart)
    text = _hover(page, chart, ".barlayer .point path", 0)
    assert "Toulouse" in text and "EAJE financés par la PSU" in text, text
    assert FRENCH_NUMBER.search(text) and "places pour 100 enfants" in text, text
    assert "Année 2022" in text and "publié" in text, text
    chart.screenshot(path=str(artifacts_dir / "e2e_chart_composantes_hover.png"))

    chart = _chart(page, "Évolution du taux de couverture")
    text = _hover(page, chart, ".scatterlayer .trace:first-child .point", 0)
    assert re.search(r"Année 20\d\d", text) and FRENCH_NUMBER.search(text), text
    assert re.search(r"publié|démonstration|estimation|calculé", text), text
    chart.screenshot(path=str(artifacts_dir / "e2e_chart_evolution_hover.png"))
    assert page.blocked_requests == [] or all(  # no CDN: plotly.js and its locale are local
        "materialsymbols" in u for u in page.blocked_requests
    ), page.blocked_requests


def test_trajectory_hover_in_french(page, app_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{app_url}/zones?niveau=departement&code=62")
    wait_for_app(page)
    chart = _chart(page, "Places projetées")
    _french_toolbar(chart)
    text = _hover(page, chart, ".scatterlayer .trace:first-child .point", 3)
    assert THOUSANDS.search(text) and " places" in text, text  # e.g. « 12 345 places »
    assert re.search(r"Année 20\d\d · estimation", text), text
    assert "Taux : " in text and FRENCH_NUMBER.search(text), text
    ticks = [t.text_content() or "" for t in chart.locator(".ytick text").all()]
    assert any(THOUSANDS.search(t) for t in ticks), ticks  # axis: « 8 500 »
    chart.screenshot(path=str(artifacts_dir / "e2e_chart_trajectoire_hover.png"))
