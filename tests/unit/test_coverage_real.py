"""Coverage functions against the real shipped CNAF commune files (data/open/caf_*.csv).

Expected values are read from the raw CSV text in the test (never typed from our output).
The raw file is mapped onto the `caf_taux` / `caf_places` schema with the column names of
data.caf.fr documented in the data README (§3).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from diagnostics import coverage as cv
from diagnostics.coverage import Place, Status

ROOT = Path(__file__).resolve().parents[2]
TAUX_FILE = ROOT / "data" / "open" / "caf_txcouv_pe_com_2017_2022.csv"
PLACES_FILE = ROOT / "data" / "open" / "caf_nbpla_pe_com_2017_2022.csv"

TAUX_COLUMNS = {
    "date_reference": "annee",
    "numero_commune": "code",
    "nom_commune": "nom",
    "taux_de_couv_eaje_psu": "tx_eaje_psu",
    "taux_de_couv_hors_eaje_psu": "tx_eaje_hors_psu",
    "taux_de_couv_prescolarisation": "tx_prescolarisation",
    "taux_de_couv_assistante_maternelle": "tx_assmat",
    "taux_de_couv_salariee_a_domicile": "tx_salarie_domicile",
    "taux_de_couv_global": "tx_global",
}
PLACES_COLUMNS = {
    "date_reference": "annee",
    "num_commune": "code",
    "places_EAJE_PSU": "pl_eaje_psu",
    "places_hors_EAJE_PSU": "pl_eaje_hors_psu",
    "places_prescolarisation": "pl_prescolarisation",
    "places_assistante_maternelle": "pl_assmat",
    "places_salariee_domicile": "pl_salarie_domicile",
    "places_offertes_ensemble": "pl_total",
}


def _load(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str).rename(columns=columns)[list(columns.values())]
    df["niveau"] = "commune"
    return df


def _imported() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same files through the importers the default workspace uses."""
    from datastore.defaults import SHIPPED, prepare_shipped

    out = []
    for kind in ("caf_taux", "caf_places"):
        item = next(i for i in SHIPPED if i.kind == kind)
        prepared = prepare_shipped(item)
        assert prepared.ok, prepared.report
        out.append(prepared.frame)
    return out[0], out[1]


@pytest.fixture(scope="module", params=["brut", "importeur"])
def frames(request) -> tuple[pd.DataFrame, pd.DataFrame]:
    if request.param == "brut":
        return _load(TAUX_FILE, TAUX_COLUMNS), _load(PLACES_FILE, PLACES_COLUMNS)
    return _imported()


def _raw_rows(path: Path, code_col: str, code: str) -> dict[int, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {int(r["date_reference"]): r for r in csv.DictReader(fh) if r[code_col] == code}


@pytest.mark.parametrize(
    "code",
    ["31555", "2A004", "2B033", *[f"6938{i}" for i in range(1, 10)], "75112", "13201"],
)
def test_published_values_to_the_decimal(frames, code):
    taux, places = frames
    raw = _raw_rows(TAUX_FILE, "numero_commune", code)
    raw_places = _raw_rows(PLACES_FILE, "num_commune", code)
    assert raw, f"{code} absent du fichier brut"
    for year, r in raw.items():
        fig = cv.territory_figure(taux, places, Place("commune", code, r["nom_commune"]), year)
        assert fig["statut"] == Status.PUBLIE
        for raw_col, col in TAUX_COLUMNS.items():
            if col.startswith("tx_"):
                # shown with one decimal exactly as in the raw text
                assert f"{fig[col]:.1f}" == r[raw_col], (year, col)
        if year in raw_places:
            assert fig["pl_total"] == float(raw_places[year]["places_offertes_ensemble"])
            expected = (
                float(raw_places[year]["places_offertes_ensemble"])
                / float(r["taux_de_couv_global"])
                * 100
            )
            assert fig["enfants_moins_3"] == pytest.approx(expected)


def test_corsica_uses_2a_code(frames):
    taux, _ = frames
    assert not cv.published_rates(taux, "commune", 2022, ["2A004"]).empty
    assert cv.published_rates(taux, "commune", 2022, ["20004"]).empty


def test_toulouse_derived_children_about_17200(frames):
    taux, places = frames
    fig = cv.territory_figure(taux, places, Place("commune", "31555", "Toulouse"), 2022)
    assert 17_000 < fig["enfants_moins_3"] < 17_400


def test_lyon_commune_is_computed_not_published(frames):
    taux, places = frames
    fig = cv.territory_figure(taux, places, Place("commune", "69123", "Lyon"), 2022)
    assert fig["statut"] == Status.CALCULE
    total = 0.0
    children = 0.0
    for i in range(1, 10):
        code = f"6938{i}"
        r = _raw_rows(TAUX_FILE, "numero_commune", code)[2022]
        p = _raw_rows(PLACES_FILE, "num_commune", code)[2022]
        total += float(p["places_offertes_ensemble"])
        children += float(p["places_offertes_ensemble"]) / float(r["taux_de_couv_global"]) * 100
    assert fig["pl_total"] == pytest.approx(total)
    assert fig["tx_global"] == pytest.approx(total / children * 100)


def test_real_merger_oullins_pierre_benite():
    """69152 Pierre-Bénite merged into 69149 (COG passage table): rates never summed."""
    taux, places = _load(TAUX_FILE, TAUX_COLUMNS), _load(PLACES_FILE, PLACES_COLUMNS)
    place = Place("commune", "69149", "Oullins-Pierre-Bénite")
    fig = cv.territory_figure(taux, places, place, 2022)
    assert fig["statut"] == Status.ABSENT
    for code in ("69149", "69152"):
        raw = _raw_rows(TAUX_FILE, "numero_commune", code)[2022]["taux_de_couv_global"]
        assert raw.replace(".", ",") in fig["methode"]
    # After the importer mapped the merged codes (rates left empty, places summed) the figure
    # is still « non publié », never the sum of the two rates.
    taux_i, places_i = _imported()
    fig_i = cv.territory_figure(taux_i, places_i, place, 2022)
    assert fig_i["statut"] == Status.ABSENT
    assert "fusion" in fig_i["methode"]
