"""CTG bilan (reports/bilan.py) on the pre-diagnostic's small hand-made geography."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from catalogue.sources import Nature
from diagnostics import ao, coverage
from diagnostics import ctg_followup as fu
from reports import bilan, prediag
from tests.unit.test_prediag import TODAY, make_ds, small_datasets, small_documents, small_geo

SUIVI = [
    dict(
        id_ctg="CTG-A",
        thematique="Petite enfance",
        action="Micro-crèche de Chaponost",
        indicateur="Places créées",
        valeur_initiale=0,
        cible=12,
        annee=2025,
        trimestre=2,
        realise=4,
        statut="en cours",
    ),
    dict(
        id_ctg="CTG-A",
        thematique="Petite enfance",
        action="Micro-crèche de Chaponost",
        indicateur="Places créées",
        valeur_initiale=0,
        cible=12,
        annee=2025,
        trimestre=4,
        realise=12,
        statut="réalisée",
    ),
    dict(
        id_ctg="CTG-B",
        thematique="Parentalité",
        action="LAEP",
        indicateur="Familles",
        annee=2025,
        statut="à engager",
    ),
]


@pytest.fixture(scope="module")
def setup():
    geo = small_geo()
    ds = dict(small_datasets())
    ds["ctg_suivi"] = make_ds("ctg_suivi", SUIVI, Nature.REEL, None, "Caf du Rhône", 9)
    ds["ctg_avenants"] = make_ds(
        "ctg_avenants",
        [
            dict(
                id_ctg="CTG-A",
                date_avenant="2025-03-01",
                objet="Volet petite enfance complété",
                signataires_ajoutes="69027",
            )
        ],
        Nature.REEL,
        None,
        "Caf du Rhône",
        10,
    )
    inputs = prediag.PrediagInputs(geo, ds, small_documents(), TODAY)
    ctgs = ao.read_ctgs(ds["ctg"].frame, geo.communes, geo.epci, ds["ctg_avenants"].frame).ctgs
    return inputs, {c.id_ctg: c for c in ctgs}


def _bilan(setup, ident="CTG-A", kind=fu.BILAN_INTERMEDIAIRE):
    inputs, ctgs = setup
    return bilan.build_bilan(
        ctgs[ident],
        kind,
        inputs,
        inputs.datasets["ctg_suivi"].frame,
        tuple(inputs.datasets["ctg_suivi"].credits()),
        {"69027": "Brignais"},
    )


def test_followup_next_to_the_territory(setup):
    b = _bilan(setup)
    assert [s.id for s in b.sections] == ["ctg", "suivi", "territoire"]
    suivi = b.sections[1]
    last = next(t for t in suivi.tables if t.id == "suivi_dernier_point").frame
    assert len(last) == 1  # CTG-B's row is not in CTG-A's bilan
    assert last.iloc[0]["Point"] == "T4 2025"
    assert last.iloc[0]["Avancement"] == 100
    assert last.iloc[0]["État"] == "réalisée"
    assert (
        "Caf du Rhône" in last.attrs.get("source", "") or "Caf du Rhône" in suivi.tables[0].source
    )
    terr = b.sections[2]
    evo = next(t for t in terr.tables if t.id == "bilan_couverture")
    # CTG-A starts on 01/01/2023: the offer at 31/12/2022 onwards (2021 left out)
    assert list(evo.frame["Année (offre au 31 décembre)"]) == [2022]
    expected = bilan.coverage_evolution(b.ctg, b.subject, setup[0])
    assert evo.frame["Taux de couverture global"].iloc[0] == pytest.approx(
        round(expected["tx_global"].iloc[0], 1)
    )
    assert expected["statut"].iloc[0] == str(coverage.Status.ESTIME)
    assert "Cnaf" in evo.source
    assert any(t.id == "bilan_zones" for t in terr.tables)


def test_calendar_avenants_and_content(setup):
    b = _bilan(setup)
    sec = b.sections[0]
    text = " ".join(sec.sentences)
    assert "du 01/01/2023 au 31/12/2023" in text and "du 01/07/2026 au 30/06/2027" in text
    assert "3/11 éléments du décret 2025-253" in text
    assert fu.S_BILAN_INTERMEDIAIRE in text and fu.S_CDSF in text
    av = next(t for t in sec.tables if t.id == "bilan_avenants").frame
    assert av.iloc[0]["Signataires ajoutés"] == "Brignais"
    final = _bilan(setup, kind=fu.BILAN_FINAL)
    assert final.title == "Bilan final" and fu.S_BILAN_FINAL in " ".join(
        final.sections[0].sentences
    )
    with pytest.raises(ValueError, match="inconnu"):
        _bilan(setup, kind="annuel")


def test_missing_followup_says_what_to_do(setup):
    inputs, ctgs = setup
    b = bilan.build_bilan(ctgs["CTG-A"], fu.BILAN_FINAL, inputs, None)
    assert "Aucun point de suivi" in b.sections[1].missing[0]


def test_pdf_and_xlsx(setup):
    b = _bilan(setup)
    data = bilan.render_pdf(b, chart_renderer=lambda _spec: _png())
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Bilan intermédiaire de CTG" in text
    assert "Suivi du plan d'actions" in text and "Évolution du territoire" in text
    assert "Micro-crèche de Chaponost" in text
    wb = load_workbook(io.BytesIO(bilan.render_xlsx(b)))
    assert wb.sheetnames == [
        "Convention",
        "Avenants",
        "Suivi - dernier point",
        "Suivi - tous les points",
        "Évolution du territoire",
        "Zones prioritaires",
    ]
    ws = wb["Suivi - dernier point"]
    assert ws["B2"].value == "Micro-crèche de Chaponost"
    assert any("Tableau de suivi" in str(c.value) for row in ws.iter_rows() for c in row)


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_inputs_are_not_mutated(setup):
    inputs, _ = setup
    before = inputs.datasets["ctg_suivi"].frame.copy()
    _bilan(setup)
    pd.testing.assert_frame_equal(inputs.datasets["ctg_suivi"].frame, before)


def test_prediag_says_overlaps_prolongations_and_refused_transfers():
    from tests.unit.test_prediag import CCVG

    geo = small_geo()
    ds = dict(small_datasets())
    ctg_rows = [
        dict(
            id_ctg="CTG-A",
            nom="CTG Vallée du Garon",
            niveau="intercommunal",
            signataires=CCVG,
            date_debut="2023-01-01",
            date_fin="2027-06-30",
        ),
        dict(
            id_ctg="CTG-C",
            nom="CTG Brignais",
            niveau="communal",
            signataires="69027",
            date_debut="2021-01-01",
            date_fin="2025-12-31",
        ),
        dict(
            id_ctg="CTG-X",
            nom="CTG erronée",
            niveau="communal",
            signataires="69027|99999",
            date_debut="2021-01-01",
            date_fin="2027-12-31",
        ),
    ]
    ds["ctg"] = make_ds("ctg", ctg_rows, Nature.REEL, None, "Caf du Rhône", 8)
    ds["ctg_avenants"] = make_ds(
        "ctg_avenants",
        [
            dict(
                id_ctg="CTG-C",
                date_avenant="2025-11-15",
                objet="Prolongation d'un an",
                nouvelle_date_fin="2026-12-31",
            )
        ],
        Nature.REEL,
        None,
        "Caf du Rhône",
        10,
    )
    # Montagny (3,218) « transfers » planning with Brignais
    ds["ao_transferts"] = make_ds(
        "ao_transferts",
        [dict(siren_epci=CCVG, competence="planifier", communes="69027|69136")],
        Nature.REEL,
        None,
        "Caf du Rhône",
        11,
    )
    inputs = prediag.PrediagInputs(geo, ds, small_documents(), pd.Timestamp("2026-06-01").date())
    subject = prediag.Subject(
        "epci",
        CCVG,
        "CCVG",
        tuple(sorted(geo.communes.loc[geo.communes["siren_epci"] == CCVG, "code_insee"])),
    )
    p = prediag.build_prediag(subject, inputs)
    ident = p.section("identite")
    text = " ".join(ident.sentences)
    assert (
        "Les CTG « Vallée du Garon » (CTG-A) et « Brignais » (CTG-C) couvrent toutes deux" in text
    )
    assert "prolongée par avenant jusqu'au 31/12/2026 (fin initiale : 31/12/2025)" in text
    assert "Montagny (69136" in text and "CASF, article L.214-1-3" in text
    assert any("CTG-X" in m and "99999" in m for m in ident.missing)
    ctg_table = next(t for t in ident.tables if t.id == "ctg").frame
    assert "Fin (avenants compris)" in ctg_table.columns
