"""Editions of the CNAF figures (hist = first publication, courant = current, revised).

Rule (docs/donnees.md): each year shows its latest edition by default; a comparison or a ratio
uses figures of ONE edition; a user can choose the edition where a year has two.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from datastore.importers import prepare
from datastore.national import national_rows, with_national
from datastore.store import Dataset
from diagnostics import coverage as cv
from diagnostics.coverage import Place
from tests.conftest import ROOT


def _rates(rows):
    cols = ["niveau", "code", "nom", "annee", "edition", "tx_global", "nature"]
    return pd.DataFrame(rows, columns=cols)


#: 2022 published twice for the département and France, once (hist) for the commune; 2023 in
#: the current edition only; the demo EPCI has no edition.
TAUX = _rates(
    [
        ("commune", "31555", "Toulouse", 2022, "hist", 57.4, "réel"),
        ("epci", "243100518", "Toulouse Métropole", 2022, "", 55.0, "synthétique"),
        ("departement", "31", "Haute-Garonne", 2022, "hist", 64.0, "réel"),
        ("departement", "31", "Haute-Garonne", 2022, "courant", 63.2, "réel"),
        ("departement", "31", "Haute-Garonne", 2023, "courant", 64.5, "réel"),
        ("france", "", "France", 2022, "hist", 60.3, "réel"),
        ("france", "", "France", 2022, "courant", 59.5, "réel"),
        ("france", "", "France", 2023, "courant", 60.9, "réel"),
        ("france", "", "France", 2021, "hist", 59.4, "réel"),
    ]
)
PLACES = pd.DataFrame(columns=["niveau", "code", "annee", "pl_total"])
COMMUNE = Place("commune", "31555", "Toulouse")
EPCI = Place("epci", "243100518", "Toulouse Métropole")
DEP = Place("departement", "31", "Haute-Garonne")
FRANCE = Place("france", "", "France")


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2022, 59.5), (2023, 60.9), (2021, 59.4), (2019, math.nan)],
)
def test_latest_edition_by_default(year, expected):
    value, _ = cv.national_rate(TAUX, year)
    assert value == pytest.approx(expected, nan_ok=True)
    assert cv.national_rate(cv.at_edition(TAUX), year)[0] == pytest.approx(expected, nan_ok=True)


def test_explicit_edition():
    assert cv.national_rate(TAUX, 2022, "hist")[0] == 60.3
    assert cv.national_rate(TAUX, 2022, "courant")[0] == 59.5
    assert math.isnan(cv.national_rate(TAUX, 2023, "hist")[0])  # 2023: no first-edition row here
    assert cv.editions_in(TAUX, 2022) == ["hist", "courant"]
    assert cv.editions_in(TAUX, 2023) == ["courant"]
    assert cv.editions_in(TAUX, 2022, "commune", ["31555"]) == ["hist"]


@pytest.mark.parametrize(
    ("place", "year", "chosen", "expected"),
    [
        (COMMUNE, 2022, None, "hist"),  # the commune file is the first publication
        (DEP, 2022, None, "courant"),  # the département's latest edition
        (FRANCE, 2022, None, "courant"),
        (EPCI, 2022, None, "courant"),  # no edition of its own: the latest of the year
        (DEP, 2022, "hist", "hist"),  # the user's choice
        (DEP, 2023, "hist", "courant"),  # a choice the year does not have: its latest
        (Place("commune", "01001", "X"), 2022, None, "courant"),
    ],
)
def test_comparison_edition(place, year, chosen, expected):
    assert cv.comparison_edition(TAUX, place, year, chosen) == expected


def test_comparison_uses_one_edition_and_says_which():
    """Toulouse 2022 (first publication) is compared with the first publication of its
    département and of France: 60,3, not the revised 59,5."""
    edition = cv.comparison_edition(TAUX, COMMUNE, 2022)
    taux = cv.at_edition(TAUX, edition)
    figs = cv.comparison(taux, PLACES, [COMMUNE, EPCI, DEP, FRANCE], 2022)
    assert figs["tx_global"].tolist() == [57.4, 55.0, 64.0, 60.3]
    assert figs["edition"].tolist() == ["hist", "", "hist", "hist"]
    assert cv.national_rate(taux, 2022)[0] == 60.3
    # a département page in 2022 compares the revised figures
    taux = cv.at_edition(TAUX, cv.comparison_edition(TAUX, DEP, 2022))
    figs = cv.comparison(taux, PLACES, [DEP, FRANCE], 2022)
    assert figs["tx_global"].tolist() == [63.2, 59.5]
    assert set(figs["edition"]) == {"courant"}


def test_level_edition_for_maps():
    assert cv.level_edition(TAUX, "commune", 2022) == "hist"
    assert cv.level_edition(TAUX, "departement", 2022) == "courant"
    assert cv.level_edition(TAUX, "departement", 2022, "hist") == "hist"
    assert cv.level_edition(TAUX, "commune", 2023) == "courant"  # nothing at that level


def test_published_rates_keep_the_latest_edition_whatever_the_row_order():
    shuffled = TAUX.iloc[::-1].reset_index(drop=True)
    for frame in (TAUX, shuffled):
        rows = cv.published_rates(frame, "departement", 2022, ["31"])
        assert rows["tx_global"].tolist() == [63.2] and rows["edition"].tolist() == ["courant"]


def test_evolution_one_edition_per_year_and_break():
    series = cv.evolution(TAUX, PLACES, [DEP, FRANCE], [2021, 2022, 2023], passage={})
    dep = series[series["niveau"] == "departement"].set_index("annee")
    fr = series[series["niveau"] == "france"].set_index("annee")
    assert dep.loc[2022, "tx_global"] == 63.2 and fr.loc[2022, "tx_global"] == 59.5
    hist = cv.evolution(TAUX, PLACES, [DEP, FRANCE], [2022], passage={}, edition="hist")
    assert hist["tx_global"].tolist() == [64.0, 60.3]
    series = cv.evolution(TAUX, PLACES, [COMMUNE, FRANCE], [2022], passage={})
    assert series["tx_global"].tolist() == [57.4, 60.3]  # the commune's edition
    breaks = cv.series_breaks(fr.reset_index(), [2021, 2022, 2023])
    assert any(b.kind == "edition" and b.annee == 2022 for b in breaks)


def test_year_coverage_lists_levels_per_year():
    cov = cv.year_coverage(TAUX)
    assert cov[2023] == ["departement", "france"]
    assert cov[2022] == ["commune", "epci", "departement", "france"]


# ------------------------------------------------------------------ importers and national
DEP_HIST = ROOT / "data" / "open" / "txcouv_pe_dep_hist.csv"
DEP_COURANT = ROOT / "data" / "open" / "txcouv_pe_dep.csv"


def _api_copy(path, tmp_path, name):
    """The same rows under the current data.caf.fr API names (as an export today)."""
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
    raw.columns = [
        "annee",
        "numdep",
        "nomdep",
        "numregi",
        "nomregi",
        "txcouv_psu_col_dep",
        "txcouv_hors_psu_col_dep",
        "txcouv_eaje_dep",
        "txcouv_prescol_dep",
        "txcouv_am_ind_dep",
        "txcouv_gad_ind_dep",
        "txcouv_ind_dep",
        "txcouv_dep",
    ]
    out = tmp_path / name
    raw.to_csv(out, sep=";", index=False)
    return out


@pytest.mark.parametrize(("path", "edition"), [(DEP_HIST, "hist"), (DEP_COURANT, "courant")])
def test_labelled_and_api_headers_give_the_same_result(tmp_path, path, edition):
    labelled = prepare("caf_taux", path)
    api = prepare("caf_taux", _api_copy(path, tmp_path, path.name))
    assert labelled.ok and api.ok, (labelled.report.text(), api.report.text())
    pd.testing.assert_frame_equal(labelled.frame, api.frame)
    assert set(labelled.frame["edition"]) == {edition}
    assert set(labelled.frame["niveau"]) == {"departement"}
    assert "Édition déduite du fichier" in labelled.report.text()
    scopes = {d.scope for d in labelled.datasets()}
    assert scopes == {f"departement:{edition}"}


def test_edition_from_option_and_from_years(tmp_path):
    one_year = tmp_path / "export_dep.csv"
    raw = pd.read_csv(DEP_HIST, sep=";", dtype=str, encoding="utf-8-sig")
    raw[raw["Date référence"] == "2019"].to_csv(one_year, sep=";", index=False)
    assert set(prepare("caf_taux", one_year).frame["edition"]) == {"courant"}
    from datastore.importers import ImportOptions

    chosen = prepare("caf_taux", one_year, options=ImportOptions(edition="hist"))
    assert set(chosen.frame["edition"]) == {"hist"}
    assert "Édition choisie à l'import" in chosen.report.text()
    wrong = prepare("caf_taux", one_year, options=ImportOptions(edition="vieille"))
    assert not wrong.ok


def test_raw_values_of_both_editions():
    hist = prepare("caf_taux", DEP_HIST).frame.set_index(["code", "annee"])
    cur = prepare("caf_taux", DEP_COURANT).frame.set_index(["code", "annee"])
    # read from the downloaded files: Paris 2022 first published, then revised
    raw = {}
    for name, path in (("hist", DEP_HIST), ("courant", DEP_COURANT)):
        r = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
        r = r[(r["Numéro Département"] == "75") & (r["Date référence"] == "2022")]
        raw[name] = float(r["Taux de couv global"].iloc[0])
    assert hist.loc[("75", 2022), "tx_global"] == raw["hist"]
    assert cur.loc[("75", 2022), "tx_global"] == raw["courant"]
    assert ("976", 2023) not in cur.index  # Mayotte is absent from the CNAF file


NATIONAL = ROOT / "data" / "published" / "taux_couverture_national_publie.csv"


def test_national_series_as_rates():
    p = prepare("taux_national", NATIONAL)
    assert p.ok, p.report.text()
    frame = p.frame.assign(dataset_id=1)
    rows = national_rows(frame)
    assert set(rows["niveau"]) == {"france"} and set(rows["code"]) == {""}
    nat = rows.set_index(["annee", "edition"])["tx_global"]
    assert nat[(2022, "hist")] == 60.3 and nat[(2022, "courant")] == 59.5
    assert nat[(2023, "courant")] == 60.9
    assert {d.scope for d in p.datasets()} == {"france:hist", "france:courant"}


def test_cnaf_national_file_wins_over_the_typed_series():
    from catalogue.sources import Nature
    from datastore.store import DatasetMeta

    def meta(i):
        return DatasetMeta(i, "caf_taux", 2022, "Cnaf", "f.csv", 1, "", Nature.REEL)

    taux = Dataset(
        "caf_taux",
        _rates([("france", "", "France", 2022, "hist", 60.2, "réel")]).assign(dataset_id=1),
        (meta(1),),
    )
    national = Dataset(
        "taux_national",
        prepare("taux_national", NATIONAL).frame.assign(dataset_id=2),
        (meta(2),),
    )
    combined = with_national(taux, national).frame
    fr22 = combined[(combined["annee"] == 2022)].set_index("edition")["tx_global"]
    assert fr22["hist"] == 60.2 and fr22["courant"] == 59.5


def test_mamoudzou_told_the_true_reason():
    row = cv.territory_figure(TAUX, PLACES, Place("commune", "97611", "Mamoudzou"), 2022)
    assert row["statut"] == cv.Status.ABSENT
    assert "Mayotte" in row["methode"] and "10 000" not in row["methode"]
    small = cv.territory_figure(TAUX, PLACES, Place("commune", "01001", "X"), 2022)
    assert "10 000" in small["methode"]


def test_region_estimate_from_departements_weighted_by_children():
    taux = _rates(
        [
            ("departement", "01", "Ain", 2022, "courant", 60.0, "réel"),
            ("departement", "03", "Allier", 2022, "courant", 80.0, "réel"),
        ]
    )
    place = Place("region", "84", "ARA")
    est = cv.region_estimate(taux, place, 2022, ["01", "03"], {"01": 300.0, "03": 100.0})
    assert est["statut"] == cv.Status.ESTIME and est["nature"] == "estimé"
    assert est["tx_global"] == pytest.approx((60 * 300 + 80 * 100) / 400)
    assert "pondérée par leurs enfants" in est["methode"] and "édition courante" in est["methode"]
    missing = cv.region_estimate(taux, place, 2022, ["01", "03", "07"], {"01": 1.0, "03": 1.0})
    assert missing["statut"] == cv.Status.ABSENT and pd.isna(missing["tx_global"])
    # without the toggle, a région has no rate at all (never a synthetic one)
    row = cv.territory_figure(taux, PLACES, place, 2022)
    assert row["statut"] == cv.Status.ABSENT
