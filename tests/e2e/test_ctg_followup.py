"""End-to-end: the follow-up table of a CTG and its bilan (PDF) in real Chromium.

A follow-up file is imported into the server's workspace (the importer a user runs from the
« Données et sources » page) for the first CTG covering Loire Forez Agglomération; the page
then shows it in the editable table, and the bilan PDF is downloaded and rendered with
pdftoppm (screenshots and page images in tests/artifacts).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from datastore import importers
from datastore.store import Workspace
from diagnostics import ao
from geodata.reference import communes_table, epci_table
from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.e2e

EPCI = "200065886"  # Loire Forez Agglomération


def _first_local_ctg(ws: Workspace) -> ao.Ctg:
    communes, epci = communes_table(), epci_table()
    ctgs = ao.read_ctgs(ws.read("ctg").frame, communes, epci, ws.read("ctg_avenants").frame).ctgs
    members = set(communes.loc[communes["siren_epci"] == EPCI, "code_insee"])
    return next(c for c in ctgs if members & set(c.communes_couvertes))


def test_followup_table_and_bilan_pdf(page, app_server, app_url, artifacts_dir, tmp_path):
    url = f"{app_url}/ao-ctg?niveau=epci&code={EPCI}"
    page.goto(url)  # the first page that reads data fills the workspace with the defaults
    wait_for_app(page)
    page.get_by_text("Suivi du plan d'actions et bilans").first.wait_for(timeout=180_000)
    ws = Workspace(app_server.ws)
    ctg = _first_local_ctg(ws)
    csv = (
        "id_ctg;thematique;action;indicateur;valeur_initiale;cible;annee;trimestre;realise;"
        "statut;commentaire\n"
        f"{ctg.id_ctg};Petite enfance;Micro-crèche de Saint-Just;Places créées;0;12;2025;2;4;"
        "en cours;Travaux engagés\n"
        f"{ctg.id_ctg};Petite enfance;Micro-crèche de Saint-Just;Places créées;0;12;2025;4;12;"
        "réalisée;Ouverture en octobre\n"
        f"{ctg.id_ctg};Parentalité;LAEP itinérant;Familles accueillies;0;40;2025;;25;en cours;\n"
        f"{ctg.id_ctg};Accès aux droits;Permanences France services;Permanences par mois;2;6;"
        "2025;;3;reportée;Recrutement en cours\n"
    )
    prepared, _ = importers.import_file(
        ws, "ctg_suivi", csv.encode("utf-8"), name="suivi_e2e.csv", replace="all"
    )
    assert prepared.ok, prepared.report.text()

    page.set_viewport_size({"width": 1900, "height": 1000})  # the whole table in view
    page.goto(url)  # a fresh run reads the imported follow-up (new workspace revision)
    wait_for_app(page)
    heading = page.get_by_text("Suivi du plan d'actions et bilans").first
    heading.wait_for(timeout=180_000)
    heading.scroll_into_view_if_needed()
    page.get_by_text("Dépense de diagnostic").first.wait_for()
    editor = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).last
    grid = page.locator('[data-testid="stDataFrameResizable"]').last
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1_000)
    # the editable follow-up table, with the calendar above it
    box = grid.bounding_box()
    assert box is not None and box["height"] > 80
    grid.screenshot(path=str(artifacts_dir / "ctg_suivi_tableau.png"))
    page.screenshot(path=str(artifacts_dir / "ctg_suivi_page.png"))
    assert editor.count() >= 1

    page.get_by_role("button", name="Préparer le bilan (PDF et XLSX)").click()
    wait_for_app(page)
    link = page.get_by_role("button", name="Télécharger le bilan (PDF)")
    link.wait_for(timeout=180_000)
    with page.expect_download() as dl:
        link.click()
    pdf_path = tmp_path / "bilan.pdf"
    dl.value.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm absent (paquet Debian poppler-utils)")
    out = artifacts_dir / "ctg_bilan_page"
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "3", "-l", "3", str(pdf_path), str(out)], check=True
    )
    pages = sorted(artifacts_dir.glob("ctg_bilan_page*.png"))
    assert pages, "page 3 du bilan non rendue"
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Micro-crèche de Saint-Just" in text and "Suivi du plan d'actions" in text
    assert ctg.id_ctg in text
    assert f"{date.today():%Y}" in text or "édité le" in text
