"""AppTest of the « Schéma départemental (SDSF) » page with imported indicator targets."""

from __future__ import annotations

import pandas as pd
import pytest

from datastore import importers
from datastore.store import Workspace
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest

TARGETS = (
    "\ufeffcode_departement;indicateur;annee;type_valeur;valeur\r\n"
    "59;places_eaje_psu;2022;reference;11000\r\n"
    "59;places_eaje_psu;2029;cible;12500\r\n"
    "59;creches_avip;2024;reference;10\r\n"
    "59;creches_avip;2029;cible;25\r\n"
    "59;creches_avip;2026;realise;12\r\n"
    "59;controles_conjoints;2025;realise;14\r\n"
).encode()


@pytest.fixture(scope="module")
def at59():
    p, metas = importers.import_file(Workspace(), "sdsf_indicateurs", TARGETS, "sdsf_nord.csv")
    assert p.ok and metas, p.report.summary()
    return open_page("sdsf", "departement", "59", timeout=300)


def _frame(at, column):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"tableau absent : {column}"
    return frames[0]


def test_page_shows_imported_targets_and_statuses(at59) -> None:
    assert_no_exception(at59)
    assert at59.title[0].value.startswith("Schéma départemental des services aux familles — Nord")
    ind = _frame(at59, "Statut").set_index("Indicateur")
    assert len(ind) == 8
    psu = ind.loc["Nombre de places offertes en EAJE PSU"]
    assert psu["Cible"] == "12\u202f500" and psu["Horizon"] == "2029"
    assert psu["Année de référence"] == "2022"
    avip = ind.loc[
        "Nombre de crèches PSU labellisées « à vocation d'insertion professionnelle » (AVIP)"
    ]
    assert avip["Statut"] == "En retard sur la trajectoire"
    assert avip["Origine"] == "fichier importé"
    joint = ind.loc["Nombre de contrôles d'EAJE conjoints Caf / CD (lorsqu'ils existent)"]
    assert joint["Obligatoire"] == "non (facultatif)" and joint["Statut"] == "Cible à fixer"
    captions = " ".join(c.value for c in at59.caption)
    assert "sdsf_nord.csv" in captions or "Caf (secrétariat du CDSF)" in captions


def test_page_shows_calendar_ao_places_and_downloads(at59) -> None:
    cal = _frame(at59, "Échéance")
    assert cal["Événement"].str.contains("Rapport d'évaluation").any()
    assert cal["Échéance"].str.contains("30/09/2029").any()  # three months before 31/12/2029
    places = _frame(at59, "Places EAJE PSU à développer")
    assert len(places) > 10 and places["Titulaire"].isin(["EPCI", "Commune"]).all()
    infos = " ".join(i.value for i in at59.info)
    assert "Cible du SDSF (2029) : 12\u202f500 places EAJE PSU" in infos
    labels = {b.label for b in at59.get("download_button")}
    assert {"Diagnostic SDSF (PDF)", "Diagnostic SDSF (XLSX)"} <= labels


def test_france_asks_for_a_departement() -> None:
    at = open_page("sdsf", timeout=300)
    assert_no_exception(at)
    assert any("choisissez un département" in i.value for i in at.info)


@pytest.mark.usefixtures("at59")
def test_pdf_and_xlsx_name_indicators_sources_and_years() -> None:
    """The SDSF PDF of the same workspace (filled by the page): indicator names, sources and
    years in its text (pypdf); the XLSX has a sheet per table with its source line."""
    import io
    from datetime import date

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from analyses import sdsf as asdsf
    from datastore.kinds import Analysis, kinds_read_by
    from datastore.national import with_national
    from geodata import reference
    from reports import sdsf as rsdsf
    from reports.batch import workspace_inputs

    ws = Workspace()
    data = {k: ws.read(k) for k in kinds_read_by(Analysis.SDSF)}
    data["caf_taux"] = with_national(data["caf_taux"], ws.read("taux_national"))
    a = asdsf.sdsf_analysis(
        reference.load_geography(),
        "59",
        asdsf.SdsfInputs(data),
        asdsf.SdsfSettings(),
        date(2026, 12, 1),
    )
    official = workspace_inputs(ws, reference.load_geography())
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(rsdsf.render_sdsf_pdf(a, official))).pages
    )
    flat = " ".join(text.split())
    for needle in (
        "Diagnostic SDSF",
        "Nord",
        "Les 8 indicateurs du SDSF",
        "lieux ressources à la parentalité",
        "Calendrier du schéma",
        "Rapport d'évaluation",
        "Autorités organisatrices de plus de 10 000 habitants",
        "Places à développer par territoire de compétence",
        "DREES",
        "Cnaf",
        "2022",
        "2029",
        "données de démonstration",
        "Trajectoires du département",
        "Places d'accueil sans nouvelle action, par scénario",
        "Zones prioritaires",
        "Parentalité",
        "Logement",
    ):
        assert needle.replace(" ", "") in flat.replace(" ", ""), needle
    book = load_workbook(io.BytesIO(rsdsf.sdsf_xlsx(a, official)))
    assert "Places (détail)" in book.sheetnames and len(book.sheetnames) >= 7


@pytest.mark.usefixtures("at59")
def test_batch_places_match_the_departement_table() -> None:
    """The batch (one national pass) gives each département the page's places table."""
    from datetime import date

    from analyses import sdsf as asdsf
    from datastore.kinds import Analysis, kinds_read_by
    from datastore.national import with_national
    from geodata import reference

    ws = Workspace()
    data = {k: ws.read(k) for k in kinds_read_by(Analysis.SDSF)}
    data["caf_taux"] = with_national(data["caf_taux"], ws.read("taux_national"))
    geo, inputs, settings = reference.load_geography(), asdsf.SdsfInputs(data), asdsf.SdsfSettings()
    batch = asdsf.batch_places(geo, inputs, settings, date(2026, 12, 1), ["59", "2A"])
    assert set(batch["departement"]) == {"59", "2A"}
    one = asdsf.places_table(geo, "59", inputs, settings, date(2026, 12, 1))["places"]
    mine = batch[batch["departement"] == "59"].drop(columns="departement").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, one, check_dtype=False)


def test_trajectory_chart_is_the_chart_spec_and_departement_sections_show(at59) -> None:
    """The trajectory chart is drawn from its ChartSpec (plotly, as the PDF draws it with
    matplotlib), not st.line_chart; the zones and themes sections of the PDF are on the page."""
    import json

    assert not at59.get("arrow_vega_lite_chart")
    figures = [json.loads(c.proto.spec) for c in at59.get("plotly_chart")]
    traj = [f for f in figures if "sans nouvelle action" in json.dumps(f["layout"].get("title"))]
    assert traj, [f["layout"].get("title") for f in figures]
    names = [t["name"] for t in traj[0]["data"]]
    assert "Tendance observée" in names and len(names) == 3
    assert "Tout le département (Nord (59))" in at59.selectbox(key="sdsf_traj_territory").options
    labels = [t.label for t in at59.tabs]
    for wanted in ("Zones prioritaires", "Parentalité", "Logement", "Inclusion et handicap"):
        assert wanted in labels, labels
