"""AppTest of the « Zones sous-dotées » page: rules, zones, saving a zoning, trajectory."""

from __future__ import annotations

import pytest

from datastore.store import Workspace
from diagnostics import zones as z
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest


def _metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"métrique absente : {label}")


def _count(value: str) -> int:
    return int(value.split("/")[0].replace("\u202f", "").strip())


@pytest.fixture(scope="module")
def at62():
    return open_page("zones", "departement", "62", timeout=300)


def test_france_asks_for_a_smaller_territory() -> None:
    at = open_page("zones", timeout=300)
    assert_no_exception(at)
    assert any("Choisissez une région" in i.value for i in at.info)


def test_page_shows_rules_zones_and_sources(at62) -> None:
    assert_no_exception(at62)
    assert at62.title[0].value.startswith("Zones sous-dotées — Pas-de-Calais")
    text = " ".join(m.value for m in at62.markdown)
    assert "Commune retenue si son taux de couverture est inférieur" in text
    assert _count(_metric(at62, "Communes prioritaires")) > 0
    assert int(_metric(at62, "Zones prioritaires").replace("\u202f", "")) > 0
    captions = " ".join(c.value for c in at62.caption)
    assert "Source" in captions and "IGN" in captions
    zone_frames = [
        d.value
        for d in at62.dataframe
        if "Zone" in d.value.columns and "Places à créer pour le taux cible" in d.value.columns
    ]
    assert zone_frames and zone_frames[0]["Zone"].str.startswith("Zone de ").all()


def test_rule_parameters_change_the_result(at62) -> None:
    before = _count(_metric(at62, "Communes prioritaires"))
    at62.checkbox(key="zones_r_cnaf").uncheck()
    at62.checkbox(key="zones_r_seuil").uncheck()
    at62.number_input(key="zones_eaje_min").set_value(5000)
    at62.run()
    assert_no_exception(at62)
    assert _count(_metric(at62, "Communes prioritaires")) == 0
    assert any("Aucune commune ne remplit" in i.value for i in at62.info)
    at62.number_input(key="zones_eaje_min").set_value(40)
    at62.checkbox(key="zones_r_acc").check()
    at62.run()
    assert_no_exception(at62)
    text = " ".join(m.value for m in at62.markdown)
    assert "2SFCA" in text and "10 km" in text
    assert _count(_metric(at62, "Communes prioritaires")) > 0
    assert before >= 0


def test_save_zoning_in_workspace(at62) -> None:
    at62.text_input(key="zones_save_name").set_value("Essai AppTest")
    at62.button(key="zones_save").click()
    at62.run()
    assert_no_exception(at62)
    doc = Workspace().document(z.ZONING_DOCUMENT_KIND, "Essai AppTest")
    assert doc is not None and doc["territoire"] == "departement:62"
    assert doc["communes"] and doc["zones"]
    rules, _ = z.rules_from_params(doc["parametres"])
    assert rules  # parameters saved with the zoning
    assert z.zoning_members(doc)["code_insee"].str.startswith("62").all()
    assert any("Version « Essai AppTest »" in c.value for c in at62.caption)


def test_trajectory_scenarios(at62) -> None:
    at62.number_input(key="zones_traj_target").set_value(70.0)
    at62.run()
    assert_no_exception(at62)
    summary = [d.value for d in at62.dataframe if "Places à créer par an" in d.value.columns]
    assert summary and len(summary[0]) == 3
    rates = summary[0]["Taux à l'horizon"].map(
        lambda v: float(v.replace("\u202f", "").replace(",", "."))
    )
    assert (rates >= 70.0 - 0.05).all()  # French text: « 70,0 »
    assert any("Méthode" in c.value and "70,0 places pour 100" in c.value for c in at62.caption)


@pytest.mark.parametrize(
    ("niveau", "code", "n_communes"),
    [("epci", "200065886", 84), ("commune", "62193", 14)],  # a commune: with its EPCI
)
def test_other_levels(niveau: str, code: str, n_communes: int) -> None:
    at = open_page("zones", niveau, code, timeout=300)
    assert_no_exception(at)
    total = _metric(at, "Communes prioritaires").split("/")[1]
    assert int(total.replace("\u202f", "").strip()) == n_communes


def test_demo_band_names_only_the_synthetic_data_the_page_uses(at62) -> None:
    """Children (births estimate) and département / national rates are real or estimated now:
    the band of this page names the EAJE list only (the demo EPCI rates are not used here)."""
    bands = [w.value for w in at62.warning if w.value.startswith("**Données de démonstration**")]
    assert bands, [w.value for w in at62.warning]
    text = " ".join(bands)
    assert "liste des EAJE" in text
    assert "enfants de moins de 3 ans" not in text and "taux de couverture" not in text
    tables = [d.value for d in at62.dataframe if "Enfants : origine" in d.value.columns]
    assert tables
    assert set(tables[0]["Enfants : origine"]) <= {
        "dérivé",
        "estimation (naissances domiciliées, Insee)",
        "estimation",
        "non disponible",
    }
    assert any(c.startswith("QPV (géographie 2024)") for c in tables[0].columns)
