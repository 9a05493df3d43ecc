"""The SDSF diagnostic's report parts (reports/sdsf.py): the trajectory chart is one ChartSpec
for the page and the PDF; the département-level zones and themes read published zonings only."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analyses import sdsf as asdsf
from charts import plotly_figure, static
from diagnostics import publication, zones
from geodata.territory import Level, make_territory
from reports import prediag, sdsf
from tests.unit.test_prediag import CCVG, small_datasets, small_geo, small_inputs


@pytest.fixture(scope="module")
def analysis() -> asdsf.SdsfAnalysis:
    inputs = small_inputs()
    return asdsf.sdsf_analysis(
        inputs.geo, "69", asdsf.SdsfInputs(small_datasets()), asdsf.SdsfSettings(), inputs.today
    )


def test_trajectory_chart_sums_the_territories_per_scenario(analysis):
    spec = sdsf.trajectory_chart(analysis)
    assert spec.kind == "courbes"
    assert spec.series == tuple(s.name for s in analysis.scenarios)
    t = analysis.trajectories
    for name in spec.series:
        expected = (
            t[t["scenario"] == name].groupby("annee")["places_sans_action"].sum().round().tolist()
        )
        assert spec.values(name).tolist() == expected
    assert spec.data["Année"].tolist() == sorted(set(t["annee"]))
    assert analysis.territory.label in spec.title
    # one territory: its own rows only
    code = str(analysis.places["ao_planif_code"].iloc[0])
    one = sdsf.trajectory_chart(analysis, code, "Essai")
    mine = t[(t["ao_planif_code"] == code) & (t["scenario"] == spec.series[0])]
    assert one.values(spec.series[0]).tolist() == mine["places_sans_action"].round().tolist()
    assert "Essai" in one.title
    # both back-ends draw it (the page: plotly; the PDF: matplotlib)
    fig = plotly_figure.figure(spec)
    assert [tr.name for tr in fig.data] == list(spec.series)
    assert static.png(spec).startswith(b"\x89PNG")


def _zoning(name: str, communes: list[str]) -> dict:
    return {
        "nom": name,
        "territoire": "epci:" + CCVG,
        "date": "2026-11-01T10:00:00",
        "taux_cible": 60.0,
        "communes": communes,
        "zones": [{"id": "Z1", "nom": f"Zone de {name}", "communes": communes}],
    }


@pytest.mark.parametrize(
    ("published", "draft", "shown", "hidden"),
    [
        ("Officiel", "Essai", "Zone de Officiel", "Zone de Essai"),
        (None, "Essai", None, "Zone de Essai"),
    ],
)
def test_departement_zones_read_published_zonings_only(published, draft, shown, hidden):
    stored: dict[str, dict[str, object]] = {
        zones.ZONING_DOCUMENT_KIND: {draft: _zoning(draft, ["69027", "69043"])}
    }
    if published:
        kind, name, doc = publication.publish(
            zones.ZONING_DOCUMENT_KIND,
            published,
            "epci:" + CCVG,
            _zoning(published, ["69133"]),
            datetime(2026, 11, 20, 9, 0),
        )
        stored[kind] = {name: doc}
    base = small_inputs()
    inputs = prediag.PrediagInputs(
        base.geo, base.datasets, publication.official_documents(stored), base.today
    )
    rhone = make_territory(small_geo(), Level.DEPARTEMENT, "69")
    parts = sdsf.departement_sections(rhone, inputs)
    assert [p.id for p in parts] == ["zones", *(t[0] for t in prediag.THEMES)]
    z = parts[0]
    text = " ".join(
        [
            *z.sentences,
            *z.missing,
            *(" ".join(map(str, t.frame.to_numpy().ravel())) for t in z.tables),
        ]
    )
    assert hidden not in text
    if shown:
        assert shown in text and "publiée le 20/11/2026" in text
        assert z.charts and z.charts[0].kind == "carte"
    else:
        assert not z.tables and "aucun zonage publié" in text


def test_departement_themes_compare_with_france_only():
    inputs = small_inputs()
    rhone = make_territory(inputs.geo, Level.DEPARTEMENT, "69")
    subject = prediag.subject_from_departement(inputs.geo, rhone)
    assert set(subject.communes) == set(
        inputs.geo.communes.loc[inputs.geo.communes["dep"] == "69", "code_insee"]
    )
    assert [c.level for c in prediag.comparisons(inputs.geo, subject)] == [Level.FRANCE]
    assert subject.title == "Département : Rhône"
    assert subject.noun.text.startswith("département")
    parentalite = next(s for s in sdsf.departement_sections(rhone, inputs) if s.id == "parentalite")
    shares = next(t for t in parentalite.tables if "Part des allocataires (%)" in t.frame)
    assert set(shares.frame["Territoire"]) <= {"Rhône", "France"}
    with pytest.raises(ValueError, match="département"):
        prediag.subject_from_departement(inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG))


def test_pdf_holds_trajectory_chart_zones_and_themes(analysis):
    data = sdsf.render_sdsf_pdf(analysis, small_inputs(), chart_renderer=lambda _s: _PNG)
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    for needle in (
        "Trajectoires du département",
        "Places d'accueil sans nouvelle action, par scénario",
        "Zones prioritaires",
        "Zone de Chaponost",  # the published zoning of small_documents
        "Enfance et jeunesse",
        "Parentalité",
        "Animation de la vie sociale",
        "Logement",
        "Inclusion et handicap",
    ):
        assert needle in flat, needle
    book = pd.ExcelFile(io.BytesIO(sdsf.sdsf_xlsx(analysis, small_inputs())))
    assert len(book.sheet_names) == len(set(book.sheet_names))
    assert any(n.startswith("Trajectoires du département") for n in book.sheet_names)


@pytest.mark.parametrize(
    ("psu", "label"),
    [
        (np.bool_(True), "24 places PSU, ouverture 2026"),
        (True, "24 places PSU, ouverture 2026"),
        (pd.NA, "24 places, ouverture 2026"),
        (np.bool_(False), "24 places, ouverture 2026"),
    ],
)
def test_project_points_label_reads_stored_booleans(analysis, psu, label):
    from dataclasses import replace

    projects = pd.DataFrame(
        {
            "id_projet": ["P1"],
            "nom": ["Crèche"],
            "code_insee": ["69027"],
            "places": [24],
            "psu": pd.array([psu], dtype="object"),
            "annee_ouverture": [2026],
            "statut": ["autorisé"],
            "latitude": [45.6],
            "longitude": [4.8],
        }
    )
    points = sdsf.project_points(replace(analysis, projects=projects))
    assert len(points) == 1 and label in points["label"].iloc[0]
    assert points.geometry.iloc[0].geom_type == "Polygon"  # a small disc


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (700, 340), (120, 160, 200)).save(buf, format="PNG")
    return buf.getvalue()


_PNG = _png()
