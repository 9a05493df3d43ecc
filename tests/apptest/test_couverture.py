"""AppTest of the « Taux de couverture » page on the default workspace.

Expected published values are read from the raw CNAF CSV shipped in data/open (never typed
from the app's output). Interactions: year, map level, target rate, estimate toggle.
"""

from __future__ import annotations

import csv

import pytest

from tests.apptest.helpers import assert_no_exception, open_page
from tests.conftest import ROOT

pytestmark = pytest.mark.apptest

TAUX_FILE = ROOT / "data" / "open" / "caf_txcouv_pe_com_2017_2022.csv"


def raw_rate(code: str, year: int, column: str = "taux_de_couv_global") -> str:
    """Published value as written in the raw file, in French notation (57.4 -> 57,4)."""
    with TAUX_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["numero_commune"] == code and row["date_reference"] == str(year):
                return row[column].replace(".", ",")
    raise KeyError((code, year))


def metric(at, prefix: str):
    hits = [m for m in at.metric if m.label.startswith(prefix)]
    assert hits, [m.label for m in at.metric]
    return hits[0]


def table_texts(at) -> str:
    return "\n".join(df.value.to_csv() for df in at.dataframe)


@pytest.mark.parametrize("code", ["31555", "2A004"])
def test_published_value_shown_to_the_decimal(code):
    at = open_page("couverture", "commune", code)
    assert_no_exception(at)
    assert at.selectbox(key="couv_annee").value == 2022
    m = metric(at, "Taux global 2022")
    assert m.value == raw_rate(code, 2022)
    assert "(estimation)" not in m.label and "(calculé)" not in m.label
    # comparison table: the five components as published
    text = table_texts(at)
    for col in (
        "taux_de_couv_eaje_psu",
        "taux_de_couv_assistante_maternelle",
        "taux_de_couv_prescolarisation",
    ):
        assert raw_rate(code, 2022, col) in text
    captions = " ".join(c.value for c in at.caption)
    assert "Source : Cnaf, data.caf.fr" in captions and "2022" in captions


def test_change_year():
    at = open_page("couverture", "commune", "31555")
    at.selectbox(key="couv_annee").select(2019).run()
    assert_no_exception(at)
    assert metric(at, "Taux global 2019").value == raw_rate("31555", 2019)
    # Toulouse 2018: assistants maternels published at 0,0 -> flagged as a break in the series
    assert raw_rate("31555", 2018, "taux_de_couv_assistante_maternelle") == "0,0"
    breaks = " ".join(m.value for m in at.markdown)
    assert "Toulouse — 2018 : taux « Assistants maternels » publié à 0" in breaks


def test_lyon_is_computed_and_arrondissements_published():
    at = open_page("couverture", "commune", "69123")
    assert_no_exception(at)
    m = metric(at, "Taux global 2022")
    assert "(calculé)" in m.label
    assert any("non publié par la Cnaf" in i.value for i in at.info)
    text = table_texts(at)
    for i in range(1, 10):
        assert raw_rate(f"6938{i}", 2022) in text
    assert "calculé (arrondissements)" in text


def _demo_band(at) -> bool:
    return any(w.value.startswith("**Données de démonstration**") for w in at.warning)


def test_change_level_and_target():
    at = open_page("couverture", "departement", "31")
    assert_no_exception(at)
    assert at.selectbox(key="couv_annee").value == 2023  # the département file has 2023
    at.selectbox(key="couv_annee").select(2022).run()
    level = at.selectbox(key="couv_maille_departement:31")
    assert [str(o) for o in level.options] == ["EPCI", "Communes"]
    assert any("Classement des EPCI" in h.value for h in at.subheader)
    assert _demo_band(at)  # EPCI rates are still demonstration data
    level.select_index(1).run()
    assert_no_exception(at)
    assert any("Classement des communes" in h.value for h in at.subheader)
    # a commune published by the CNAF appears in the ranking with its published rate
    assert raw_rate("31555", 2022) in table_texts(at)
    at.number_input(key="couv_cible").set_value(80.0).run()
    assert_no_exception(at)
    assert any("taux cible (80,0)" in c.value for c in at.caption)
    # département, France and communes are all real now: no demonstration band on this screen
    assert not _demo_band(at)


DEP_FILES = {
    "hist": ROOT / "data" / "open" / "txcouv_pe_dep_hist.csv",
    "courant": ROOT / "data" / "open" / "txcouv_pe_dep.csv",
}
NATIONAL_FILE = ROOT / "data" / "published" / "taux_couverture_national_publie.csv"


def raw_dep_rate(code: str, year: int, edition: str, column: str = "Taux de couv global") -> str:
    """A département rate as written in the downloaded data.caf.fr file (labelled header)."""
    with DEP_FILES[edition].open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            if row["Numéro Département"] == code and row["Date référence"] == str(year):
                return row[column].replace(".", ",")
    raise KeyError((code, year, edition))


def raw_national(year: int, edition: str) -> str:
    with NATIONAL_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["annee_reference"] == str(year) and row["edition"] == edition:
                return row["taux_global"].replace(".", ",")
    raise KeyError((year, edition))


@pytest.mark.parametrize(("code", "year"), [("69", 2023), ("2A", 2023), ("93", 2021)])
def test_departement_rates_read_from_the_raw_file(code, year):
    at = open_page("couverture", "departement", code)
    assert_no_exception(at)
    if year != 2023:
        at.selectbox(key="couv_annee").select(year).run()
    edition = "courant" if year >= 2022 else "hist"
    m = metric(at, f"Taux global {year}")
    assert m.value == raw_dep_rate(code, year, edition)
    assert metric(at, "Enfants de moins de 3 ans (estimation)").value != "—"
    assert "(estimation)" not in m.label and "(calculé)" not in m.label
    text = table_texts(at)
    for col in ("Taux de couv EAJE PSU", "Taux de couv assistante maternelle"):
        assert raw_dep_rate(code, year, edition, col) in text
    captions = " ".join(c.value for c in at.caption)
    assert "taux de couverture petite enfance (départemental)" in captions
    assert f"Taux national {year}" in captions and raw_national(year, edition) in captions
    # département and France are real; the EPCI map of a year with demo EPCI rates has the band
    assert _demo_band(at) is (year <= 2022)
    # 2023: no EPCI rates that year -> said plainly, with the scales that have 2023
    empty = [i.value for i in at.info if i.value.startswith("Pas de taux des EPCI")]
    assert bool(empty) is (year == 2023)
    if empty:
        assert "départements, France" in empty[0]
    assert "2023 — départements, France" in at.selectbox(key="couv_annee").options


def test_edition_choice_for_a_year_published_twice():
    at = open_page("couverture", "departement", "75")
    at.selectbox(key="couv_annee").select(2022).run()
    assert_no_exception(at)
    # default: the latest edition (revised), national 59,5 of the same edition
    assert metric(at, "Taux global 2022").value == raw_dep_rate("75", 2022, "courant")
    captions = " ".join(c.value for c in at.caption)
    assert "Taux national 2022 (édition courante) : 59,5" in captions
    at.radio(key="couv_edition_2022").set_value("hist").run()
    assert_no_exception(at)
    assert metric(at, "Taux global 2022").value == raw_dep_rate("75", 2022, "hist")
    captions = " ".join(c.value for c in at.caption)
    assert "Taux national 2022 (première publication) : 60,3" in captions
    assert "rapport ONAPE 2024" in captions  # the publication of the figure is named


def test_commune_2022_compared_in_the_first_edition():
    """The commune file is the first publication of 2022: its département and France are shown
    in that edition too (national 60,3, not the revised 59,5)."""
    at = open_page("couverture", "commune", "31555")
    assert_no_exception(at)
    captions = " ".join(c.value for c in at.caption)
    assert "Taux national 2022 (première publication) : 60,3" in captions
    assert raw_dep_rate("31", 2022, "hist") in table_texts(at)
    assert "première publication" in table_texts(at)


def test_france_national_rate_is_the_published_one():
    at = open_page("couverture", "france", "")
    assert_no_exception(at)
    assert metric(at, "Taux global 2023").value == raw_national(2023, "courant")
    for year, edition in ((2022, "courant"), (2021, "hist"), (2017, "hist")):
        at.selectbox(key="couv_annee").select(year).run()
        assert_no_exception(at)
        assert metric(at, f"Taux global {year}").value == raw_national(year, edition)


def test_target_changes_places_missing():
    at = open_page("couverture", "commune", "31555")
    low = at.dataframe[-1].value.copy()
    at.number_input(key="couv_cible").set_value(150.0).run()
    assert_no_exception(at)
    high = at.dataframe[-1].value
    assert (low["Places manquantes (cible)"] != high["Places manquantes (cible)"]).any()
    assert (high["Places manquantes (cible)"] != "0").sum() >= (
        low["Places manquantes (cible)"] != "0"
    ).sum()


def test_unpublished_commune_and_opt_in_estimate():
    at = open_page("couverture", "commune", "01001")  # L'Abergement-Clémenciat, < 10 000 hab.
    assert_no_exception(at)
    assert any("Pas de taux Cnaf publié" in i.value for i in at.info)
    assert not [m for m in at.metric if m.label.startswith("Taux global")]
    at.toggle(key="couv_estimation").set_value(True).run()
    assert_no_exception(at)
    m = metric(at, "Taux global 2022")
    assert "(estimation)" in m.label
    assert any("Estimation" in w.value for w in at.warning)


def test_quantile_mode():
    at = open_page("couverture", "epci", "243100518")  # Toulouse Métropole
    assert_no_exception(at)
    ratio_note = "Rapport au taux national = taux global du territoire"
    assert any(ratio_note in c.value for c in at.caption)
    at.radio(key="couv_mode").set_value("Quantiles du taux global").run()
    assert_no_exception(at)
    assert not any(ratio_note in c.value for c in at.caption)


def test_demo_epci_rate_never_called_published():
    at = open_page("couverture", "epci", "243100518")  # Toulouse Métropole: demo EPCI rate
    assert_no_exception(at)
    m = metric(at, "Taux global 2022")
    assert "(démonstration)" in m.label
    assert "tel que publié" not in (m.help or "")
    assert _demo_band(at)
    assert "données de démonstration" in table_texts(at)  # the Statut column


def test_mgp_is_not_ranked_alone_and_ept_can_be_declared():
    from analyses import ept
    from datastore.store import Workspace

    at = open_page("couverture", "departement", "93")
    assert_no_exception(at)
    infos = " ".join(i.value for i in at.info)
    assert "Pas de classement" in infos and "établissements publics territoriaux" in infos
    assert not any("Rang" in d.value.columns and len(d.value) == 1 for d in at.dataframe)
    assert "Déclarez-les ci-dessous" in infos  # no perimeter ships: the user declares them
    ws = Workspace()
    try:
        ws.save_document(
            ept.DOCUMENT_KIND,
            ept.DOCUMENT_NAME,
            {
                "ept": [
                    {"nom": "Plaine Commune", "communes": ["93066", "93001", "93070"]},
                    {"nom": "Est Ensemble", "communes": ["93048", "93008"]},
                ]
            },
        )
        at = open_page("couverture", "departement", "93")
        assert_no_exception(at)
        table = next(d.value for d in at.dataframe if "EPT" in d.value.columns)
        assert set(table["EPT"]) == {"Plaine Commune", "Est Ensemble"}
        assert table["Rang"].tolist() == ["1", "2"]
        captions = " ".join(c.value for c in at.caption)
        assert "Périmètres des EPT déclarés" in captions
    finally:
        ws.delete_document(ept.DOCUMENT_KIND, ept.DOCUMENT_NAME)
