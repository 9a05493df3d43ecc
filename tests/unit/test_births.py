"""Children under 3 estimated from INSEE births (N-2 + N-1 + N), through the `enfants` importer."""

from __future__ import annotations

import pandas as pd
import pytest

from catalogue.sources import Nature
from datastore.importers import BIRTHS_LABEL, births_estimate, prepare
from tests.conftest import ROOT

BIRTHS = ROOT / "data" / "open" / "insee_naissances_domiciliees_com_arm_2008_2024.csv"


def _long(rows):
    df = pd.DataFrame(rows, columns=["code_insee", "annee", "naissances"])
    return df.assign(enfants_moins_3=pd.NA, enfants_moins_6=pd.NA)


@pytest.mark.parametrize(
    ("births", "year", "expected"),
    [
        ({2020: 10, 2021: 20, 2022: 30}, 2022, 60.0),  # N-2 + N-1 + N
        ({2020: 10, 2021: 20, 2022: 30}, 2021, None),  # 2019 missing: no estimate
        ({2020: None, 2021: 20, 2022: 30}, 2022, None),  # « sans objet »: never 0
        ({2019: 0, 2020: 0, 2021: 0, 2022: 0}, 2022, 0.0),  # true zeros stay zeros
    ],
)
def test_window(births, year, expected):
    frame = _long([("01001", y, b) for y, b in births.items()])
    out = births_estimate(frame).set_index("annee")["enfants_moins_3"]
    got = out.get(year)
    if expected is None:
        assert pd.isna(got)
    else:
        assert got == expected


def test_under_6_uses_six_years_and_census_counts_are_kept():
    frame = _long([("01001", y, 1.0) for y in range(2017, 2023)])
    frame.loc[frame["annee"] == 2022, "enfants_moins_3"] = 99.0  # an imported census count
    out = births_estimate(frame).set_index("annee")
    assert out.loc[2022, "enfants_moins_6"] == 6.0
    assert out.loc[2022, "enfants_moins_3"] == 99.0
    assert out.loc[2021, "enfants_moins_3"] == 3.0


@pytest.fixture(scope="module")
def imported():
    p = prepare("enfants", BIRTHS)
    assert p.ok, p.report.text()
    return p


def test_shipped_births_file_is_an_estimate(imported):
    assert imported.nature is Nature.ESTIME
    assert imported.label == BIRTHS_LABEL
    assert "estimation (naissances domiciliées, Insee)" in imported.label
    text = imported.report.text()
    assert "N-2, N-1 et N" in text
    assert "2008, 2009" in text  # first years: incomplete window


def _raw(code: str) -> dict[int, float]:
    raw = pd.read_csv(BIRTHS, dtype=str)
    row = raw[raw["codgeo"] == code].iloc[0]
    return {
        int(c[-4:]): float(v) if isinstance(v, str) else None
        for c, v in row.items()
        if c.startswith("naiss_")
    }


@pytest.mark.parametrize("code", ["31555", "75056", "75112", "69381", "13201", "01001"])
def test_values_from_the_raw_file(imported, code):
    """Communes and PLM arrondissements: the estimate is the sum of the raw births."""
    raw = _raw(code)
    f = imported.frame.set_index(["code_insee", "annee"])
    assert f.loc[(code, 2022), "enfants_moins_3"] == raw[2020] + raw[2021] + raw[2022]
    assert f.loc[(code, 2024), "naissances"] == raw[2024]


def test_toulouse_2022_matches_the_data_readme(imported):
    f = imported.frame.set_index(["code_insee", "annee"])
    assert f.loc[("31555", 2022), "enfants_moins_3"] == 18_558  # README §12


def test_unknown_arrondissement_rows_set_aside(imported):
    codes = set(imported.frame["code_insee"])
    assert not {"751XX", "132XX", "693XX"} & codes
    assert "arrondissement non connu" in imported.report.text()


def test_mayotte_before_2014_has_no_estimate(imported):
    f = imported.frame[imported.frame["code_insee"] == "97611"].set_index("annee")
    assert f.loc[2013, "naissances"] is pd.NA or pd.isna(f.loc[2013, "naissances"])
    assert pd.isna(f.loc[2015, "enfants_moins_3"])  # window 2013-2015 incomplete
    assert f.loc[2016, "enfants_moins_3"] == sum(f.loc[y, "naissances"] for y in (2014, 2015, 2016))


def test_communes_missing_from_the_births_file():
    """The 4 Cantal communes restored in 2025 are absent from the INSEE file: no row, so the
    app has no estimate for them (never a 0)."""
    from geodata.reference import communes_table

    com = set(communes_table()["code_insee"].astype(str))
    births = set(pd.read_csv(BIRTHS, dtype=str)["codgeo"])
    missing = com - births
    assert 1 <= len(missing) <= 4
    assert all(c.startswith("15") for c in missing)
