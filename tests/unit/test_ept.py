"""EPT of the Métropole du Grand Paris declared by the user (analyses.ept)."""

from __future__ import annotations

import pandas as pd
import pytest

from analyses import ept
from geodata.territory import Geography

COMMUNES = pd.DataFrame(
    {
        "code_insee": ["93066", "93001", "93048", "77001"],
        "siren_epci": [ept.MGP_SIREN, ept.MGP_SIREN, ept.MGP_SIREN, "200000001"],
        "population": [110000, 90000, 110000, 1000],
    }
)
GEO = Geography(COMMUNES, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


@pytest.mark.parametrize(
    ("rows", "ept_", "errors"),
    [
        (
            [("Plaine Commune", "93066"), ("Plaine Commune", "93001"), ("Est Ensemble", "93048")],
            {"Plaine Commune": ("93001", "93066"), "Est Ensemble": ("93048",)},
            [],
        ),
        ([("Plaine Commune", "77001")], {}, ["ligne 1 : « 77001 » n'est pas"]),
        ([("", "93066")], {}, ["ligne 1 : nom de l'EPT manquant"]),
        (
            [("A", "93066"), ("B", "93066")],
            {"A": ("93066",)},
            ["ligne 2 : la commune 93066 est déjà dans un EPT (ligne 1)"],
        ),
        ([("A", "3066x")], {}, ["ligne 1 : « 3066x »"]),
        ([("", "")], {}, []),  # an empty editor row is not an error
    ],
)
def test_parse_declaration(rows, ept_, errors):
    decl = ept.parse_declaration(GEO, pd.DataFrame(rows, columns=["EPT", "Code commune"]))
    assert dict(decl.ept) == ept_
    assert len(decl.errors) == len(errors)
    for got, want in zip(decl.errors, errors, strict=True):
        assert got.startswith(want)
    assert ept.from_document(ept.to_document(decl)) == dict(decl.ept)


def test_ept_coverage_aggregates_published_communes():
    taux = pd.DataFrame(
        {
            "annee": [2022, 2022],
            "niveau": ["commune", "commune"],
            "code": ["93066", "93001"],
            "nom": ["Saint-Denis", "Aubervilliers"],
            "edition": ["hist", "hist"],
            "tx_global": [40.0, 20.0],
            "nature": ["réel", "réel"],
        }
    )
    places = pd.DataFrame(
        {
            "annee": [2022, 2022],
            "niveau": ["commune", "commune"],
            "code": ["93066", "93001"],
            "pl_total": [2000.0, 500.0],
            "nature": ["réel", "réel"],
        }
    )
    from diagnostics import coverage as cv

    table = ept.ept_coverage(
        GEO,
        cv.prepare(taux),
        cv._prepare(places, ["pl_total"]),
        {"Plaine Commune": ("93001", "93066"), "Est Ensemble": ("93048",)},
        2022,
        60.0,
    )
    assert table["ept"].tolist() == ["Plaine Commune", "Est Ensemble"]
    # children derived: 2000/40*100 = 5000 and 500/20*100 = 2500; rate = 2500/7500*100
    assert table.loc[0, "tx_global"] == pytest.approx(2500 / 7500 * 100)
    assert table.loc[1, "methode"] == "aucune commune publiée par la Cnaf"
