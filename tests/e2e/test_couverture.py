"""End-to-end: the « Taux de couverture » page in headless Chromium, offline.

Screenshots go to tests/artifacts/ (look at them). The published value is read from the raw
CNAF file.
"""

from __future__ import annotations

import csv

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

TAUX_FILE = ROOT / "data" / "open" / "caf_txcouv_pe_com_2017_2022.csv"


def raw_global(code: str, year: int) -> str:
    with TAUX_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["numero_commune"] == code and row["date_reference"] == str(year):
                return row["taux_de_couv_global"].replace(".", ",")
    raise KeyError((code, year))


def _open(page, app_url: str, query: str) -> None:
    page.goto(f"{app_url}/couverture?{query}")
    wait_for_app(page)
    page.get_by_text("Classement des").first.wait_for(timeout=120_000)
    wait_for_app(page)


def test_couverture_page_toulouse(page, app_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 3800})
    _open(page, app_url, "niveau=commune&code=31555")
    main = page.locator('[data-testid="stMain"]')
    metric = page.locator('[data-testid="stMetric"]').first
    assert "Taux global 2022" in metric.inner_text()
    assert raw_global("31555", 2022) in metric.inner_text()
    # the choropleth is drawn (in-page Leaflet map, canvas)
    holder = page.locator("div.diag-map-holder")
    holder.locator(".leaflet-container").wait_for(timeout=60_000)
    assert holder.locator(".diag-legend").first.inner_text().startswith("Rapport au taux national")
    # charts (plotly) and the demo band for the synthetic EPCI/département/France rates
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
    assert "Données de démonstration" in main.inner_text()
    assert "Source : Cnaf, data.caf.fr" in main.inner_text()
    page.screenshot(path=str(artifacts_dir / "couverture_toulouse.png"), full_page=True)
    # CSV download: French format with BOM
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV (Excel, ;)").first.click()
    data = dl.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Territoire;Code;")
    assert raw_global("31555", 2022) in text
    # chart and map images are generated on click (matplotlib)
    for name in ("Image (PNG)", "Carte (PNG)"):
        with page.expect_download(timeout=120_000) as dl:
            page.get_by_role("button", name=name).first.click()
        assert dl.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    icons = [u for u in page.blocked_requests if "fonts.gstatic.com" in u]  # type: ignore[attr-defined]
    assert page.blocked_requests == icons  # type: ignore[attr-defined]


def test_couverture_page_france_departements(page, app_url, artifacts_dir):
    page.set_viewport_size({"width": 1400, "height": 2400})
    _open(page, app_url, "")
    main = page.locator('[data-testid="stMain"]')
    assert "Classement des départements" in main.inner_text()
    page.locator("div.diag-map-holder .leaflet-container").wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts_dir / "couverture_france.png"), full_page=True)


DEP_FILE = ROOT / "data" / "open" / "txcouv_pe_dep.csv"


def raw_dep(code: str, year: int, column: str = "Taux de couv global") -> str:
    """A value of the downloaded data.caf.fr département file (labelled header, BOM, « ; »)."""
    with DEP_FILE.open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if row["Numéro Département"] == code and row["Date référence"] == str(year):
                return row[column].replace(".", ",")
    raise KeyError((code, year))


def test_couverture_page_rhone_real_departement_rates(page, app_url, artifacts_dir):
    """Rhône 2023: the published département rate and components, France 60,9 of the same
    edition with its publication; no demonstration band (nothing synthetic on this screen)."""
    page.set_viewport_size({"width": 1400, "height": 3400})
    _open(page, app_url, "niveau=departement&code=69")
    main = page.locator('[data-testid="stMain"]')
    metric = page.locator('[data-testid="stMetric"]').first
    assert "Taux global 2023" in metric.inner_text()
    assert raw_dep("69", 2023) in metric.inner_text()
    text = main.inner_text()  # (tables are drawn on a canvas: components checked in AppTest)
    assert "Taux national 2023 (édition courante) : 60,9" in text
    assert "taux de couverture petite enfance (départemental)" in text
    assert "Données de démonstration" not in text
    page.screenshot(path=str(artifacts_dir / "couverture_rhone_2023.png"), full_page=True)
