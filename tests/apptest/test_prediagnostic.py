"""AppTest of the « Pré-diagnostic CTG » page on the default workspace (real open data plus the
synthetic demo set). Expected numbers are computed with the same functions, from the same
workspace, never typed in by hand."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from datastore.store import Workspace
from geodata.territory import Level, make_territory
from reports import batch, prediag
from tests.apptest.helpers import APP, assert_no_exception, open_page

pytestmark = pytest.mark.apptest

EPCI = "200066587"  # Communauté de communes des Monts du Lyonnais (32 communes)


@pytest.fixture(scope="module")
def page_epci():
    return open_page("prediagnostic", "epci", EPCI)


@pytest.fixture(scope="module")
def expected() -> prediag.Prediag:
    geo = batch.load_geography()
    inputs = batch.workspace_inputs(Workspace(), geo, date.today())
    subject = prediag.subject_from_territory(geo, make_territory(geo, Level.EPCI, EPCI))
    return prediag.build_prediag(subject, inputs)


def test_page_shows_every_section_and_exports(page_epci, expected):
    at = page_epci
    assert_no_exception(at)
    assert at.subheader[0].value == expected.subject.title
    assert [t.label for t in at.tabs] == [s.title for s in expected.sections]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Télécharger le PDF", "Tableaux (XLSX)"]
    assert any("atelier?niveau=epci&code=" + EPCI in m.value for m in at.markdown)


def test_page_figures_match_the_prediagnostic(page_epci, expected):
    shown = {m.label: m.value for m in page_epci.metric}
    for section in expected.sections:
        for f in section.figures:
            assert shown.get(f.label) == f.text, f.label
    assert page_epci.metric, "aucun chiffre clé affiché"


def test_page_sentences_and_sources(page_epci, expected):
    text = "\n".join(m.value for m in page_epci.markdown) + "\n".join(
        c.value for c in page_epci.caption
    )
    for section in expected.sections:
        for sentence in section.sentences:
            assert sentence in text, sentence
        for src in section.sources:
            assert src in text, src
    assert any("Données de démonstration" in w.value for w in page_epci.warning)


def test_ctg_mode_lists_the_ctg_of_the_departement():
    at = open_page("prediagnostic", "epci", EPCI)
    at.radio(key="prediag_mode").set_value("Une CTG importée").run()
    assert_no_exception(at)
    box = at.selectbox(key="prediag_ctg")
    geo = batch.load_geography()
    ctg = Workspace().read("ctg").frame
    deps = prediag.ctg_departements(geo, ctg)
    in_69 = {str(i) for i in ctg["id_ctg"] if "69" in deps.get(str(i), ())}
    assert in_69 and {o.rsplit("(", 1)[1].rstrip(")") for o in box.options} == in_69
    box.select(box.options[-1]).run()
    assert_no_exception(at)
    name = box.options[-1].rsplit(" (", 1)[0]
    assert at.subheader[0].value == prediag.ctg_title(name)  # never « CTG : CTG – … »
    assert at.query_params["ctg"] == box.options[-1].rsplit("(", 1)[1].rstrip(")")


def test_selection_mode_from_url():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"niveau": "departement", "code": "69", "communes": "69027,69043"})
    at.run()
    at.switch_page("app_pages/prediagnostic.py")
    at.run()
    assert_no_exception(at)
    assert at.radio(key="prediag_mode").value == "Une sélection de communes"
    assert at.subheader[0].value == "Sélection : 2 communes choisies"
    assert any(
        m.label.startswith("Taux de couverture global") and "estimation" in m.label
        for m in at.metric
    )


def test_france_asks_for_a_commune_or_epci():
    at = open_page("prediagnostic")
    assert_no_exception(at)
    assert any("Choisissez une commune ou un EPCI" in i.value for i in at.info)
    assert not at.tabs


def test_page_tables_write_french_numbers(page_epci, expected):
    """Every table of the page is the pre-diagnostic's table as French text, the same text as
    the PDF (reports.tables.display_frame): « 13,6 », « 31 072 », never « 13.6 » or « 31072 »."""
    from reports.tables import display_frame

    shown = [df.value for df in page_epci.dataframe]
    tables = [t.frame for _s, t in expected.tables()]
    assert len(shown) == len(tables)
    big = 0
    for frame, table in zip(shown, tables, strict=True):
        assert frame.astype(str).values.tolist() == display_frame(table).values.tolist()
        for value in frame.astype(str).to_numpy().ravel():
            assert not re.fullmatch(r"−?\d+\.\d+", value), value
        big += sum("\u202f" in v for v in frame.astype(str).to_numpy().ravel())
    assert big  # thousands are separated somewhere (populations)
