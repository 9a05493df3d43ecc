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


def test_change_level_and_target():
    at = open_page("couverture", "departement", "31")
    assert_no_exception(at)
    level = at.selectbox(key="couv_maille_departement:31")
    assert [str(o) for o in level.options] == ["EPCI", "Communes"]
    assert any("Classement des EPCI" in h.value for h in at.subheader)
    level.select_index(1).run()
    assert_no_exception(at)
    assert any("Classement des communes" in h.value for h in at.subheader)
    # a commune published by the CNAF appears in the ranking with its published rate
    assert raw_rate("31555", 2022) in table_texts(at)
    at.number_input(key="couv_cible").set_value(80.0).run()
    assert_no_exception(at)
    assert any("taux cible (80,0)" in c.value for c in at.caption)
    assert any(w.value.startswith("**Données de démonstration**") for w in at.warning)


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
