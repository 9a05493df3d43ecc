"""The AO scope built once (analyses/ao_scope.py) for the AO page, the zones page and the
pre-diagnostic."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analyses.ao_scope import ao_scope, scope_holders, scope_holders_and_refused
from tests.unit.test_prediag import CCVG, small_geo

REF = date(2026, 11, 26)


def _transfer(start: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "siren_epci": [CCVG],
            "competence": ["planifier"],
            "communes": [None],
            "date_effet": pd.to_datetime([start]),
        }
    )


def test_scope_is_the_communes_and_every_member_of_their_epci():
    geo = small_geo()
    scope = ao_scope(geo.communes, ["69268"], None)
    assert scope.codes == frozenset({"69268"})
    assert scope.sirens == frozenset({CCVG})
    assert sorted(scope.communes["code_insee"]) == ["69027", "69043", "69133", "69136", "69268"]
    assert scope.basis.type_population == "municipale"


def test_communes_without_epci_stay_alone():
    scope = ao_scope(small_geo().communes, ["01004"], None)
    assert scope.communes["code_insee"].tolist() == ["01004"]
    assert scope.sirens == frozenset()


def test_population_totale_replaces_the_municipale_for_the_thresholds():
    pop = pd.DataFrame(
        {
            "code_insee": ["69268"],
            "annee": [2022],
            "type_population": ["totale"],
            "population": [3600],
        }
    )
    scope = ao_scope(small_geo().communes, ["69268"], pop)
    assert scope.basis.n_totale == 1
    row = scope.communes.index[scope.communes["code_insee"] == "69268"][0]
    assert scope.population.loc[row] == 3600


def test_holders_are_read_at_the_reference_date_given():
    # Millery (4,299 inhabitants) holds planning and can transfer it
    scope = ao_scope(small_geo().communes, ["69133"], None)
    before = scope_holders(scope, _transfer("2027-01-01"), REF)
    after = scope_holders(scope, _transfer("2027-01-01"), date(2027, 6, 1))
    assert _planner(before, "69133") == "commune"
    assert _planner(after, "69133") == "epci"


def test_communes_of_3500_or_fewer_keep_out_of_the_epci_planning():
    # Vourles (3,332) holds no planning (CASF L.214-1-3): a transfer by every member skips it
    scope = ao_scope(small_geo().communes, ["69268"], None)
    holders = scope_holders(scope, _transfer("2025-01-01"), REF)
    assert _planner(holders, "69268") == "commune"
    assert _planner(holders, "69133") == "epci"
    listed = _transfer("2025-01-01").assign(communes=["69133|69268"])
    _, refused = scope_holders_and_refused(scope, listed, REF)
    assert list(refused["code_insee"]) == ["69268"]
    assert "CASF, article L.214-1-3" in refused.iloc[0]["motif"]


def _planner(holders: pd.DataFrame, code: str) -> str:
    return str(holders.loc[holders["code_insee"] == code, "titulaire_planifier"].iloc[0])
