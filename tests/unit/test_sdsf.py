"""SDSF workbench computations (diagnostics/sdsf.py) on hand-made frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from diagnostics import sdsf
from diagnostics import trajectory as traj

COMMUNES = pd.DataFrame(
    {
        "code_insee": ["59001", "59002", "59003", "59004"],
        "population": [25_000, 10_000, 10_001, 800],
    }
)


def _structures(rows):
    return pd.DataFrame(rows, columns=["type_structure", "code_insee", "places", "psu", "avip"])


# ---------------------------------------------------------------------- indicators
@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], None),
        ([("RPE", "59001", None, None, None)], None),  # no EAJE at all
        ([("EAJE", "59001", 40, True, False), ("EAJE", "59004", 12, False, False)], 40.0),
        ([("EAJE", "59001", 40, True, True), ("EAJE", "59002", 20, True, None)], 60.0),
        ([("EAJE", "99999", 40, True, True)], None),  # another département
    ],
)
def test_psu_places_from_structures(rows, expected):
    st = sdsf.structures_of(_structures(rows), COMMUNES["code_insee"])
    assert sdsf.psu_places_from_structures(st) == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("EAJE", "59001", 40, True, True), ("EAJE", "59002", 20, False, True)], 1),
        ([("EAJE", "59001", 40, "true", "oui"), ("EAJE", "59002", 20, True, False)], 1),
        ([("EAJE", "59001", 40, True, False)], 0),
    ],
)
def test_avip_creches(rows, expected):
    assert sdsf.avip_creches(_structures(rows)) == expected


@pytest.mark.parametrize(
    ("rows", "share", "with_rpe", "towns"),
    [
        # towns over 10,000 (strictly): 59001 and 59003; 59002 has exactly 10,000
        ([("RPE", "59001", None, None, None)], 50.0, 1, 2),
        ([("RPE", "59002", None, None, None), ("RPE", "59004", None, None, None)], 0.0, 0, 2),
        ([("RPE", "59001", None, None, None), ("RPE", "59003", None, None, None)], 100.0, 2, 2),
        ([("EAJE", "59001", 10, True, False)], 0.0, 0, 2),
    ],
)
def test_towns_with_rpe(rows, share, with_rpe, towns):
    assert sdsf.towns_with_rpe(COMMUNES, _structures(rows)) == (share, with_rpe, towns)


def test_computed_indicators_prefer_cnaf_places_by_year():
    places = pd.DataFrame(
        {
            "niveau": ["departement", "departement", "commune"],
            "code": ["59", "59", "59001"],
            "annee": [2021, 2022, 2022],
            "pl_eaje_psu": [1000.0, 1100.0, 50.0],
        }
    )
    st = _structures([("EAJE", "59001", 40, True, True), ("RPE", "59001", None, None, None)])
    out = sdsf.computed_indicators("59", COMMUNES, st, places, 2025)
    by = {(c.indicator, c.year): c.value for c in out}
    assert by[(sdsf.IND_PSU, 2021)] == 1000.0 and by[(sdsf.IND_PSU, 2022)] == 1100.0
    assert (sdsf.IND_PSU, 2025) not in by
    assert by[(sdsf.IND_AVIP, 2025)] == 1.0
    assert by[(sdsf.IND_VILLES_RPE, 2025)] == 50.0
    # without Cnaf places the structures list gives the PSU places of the year
    out = sdsf.computed_indicators("59", COMMUNES, st, None, 2025)
    assert {(c.indicator, c.year): c.value for c in out}[(sdsf.IND_PSU, 2025)] == 40.0


def test_eight_indicators_one_optional():
    assert len(sdsf.INDICATORS) == 8
    optional = [i.id for i in sdsf.INDICATORS if not i.mandatory]
    assert optional == [sdsf.IND_CONTROLES_CONJOINTS]
    assert "lorsqu'ils existent" in sdsf.BY_ID[sdsf.IND_CONTROLES_CONJOINTS].label


# ---------------------------------------------------------------------- trajectory
@pytest.mark.parametrize(
    ("milestones", "expected"),
    [
        ({}, {2024: 100.0, 2025: 110.0, 2026: 120.0, 2027: 130.0, 2028: 140.0}),
        ({2025: 100.0}, {2024: 100.0, 2025: 100.0, 2026: 113.333, 2027: 126.667, 2028: 140.0}),
        ({2026: 130.0}, {2024: 100.0, 2025: 115.0, 2026: 130.0, 2027: 135.0, 2028: 140.0}),
    ],
)
def test_expected_values_linear_and_milestones(milestones, expected):
    got = sdsf.expected_values(2024, 100.0, 2028, 140.0, milestones)
    assert got.keys() == expected.keys()
    for y, v in expected.items():
        assert got[y] == pytest.approx(v, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2024, 100.0, 2024, 140.0, {}), "postérieure"),
        ((2024, 100.0, 2020, 140.0, {}), "postérieure"),
        ((2024, 100.0, 2028, 140.0, {2029: 1.0}), "jalon 2029"),
    ],
)
def test_expected_values_refuses(args, message):
    with pytest.raises(sdsf.SdsfError, match=message):
        sdsf.expected_values(*args)


def _values(rows):
    return pd.DataFrame(rows, columns=["indicateur", "annee", "type_valeur", "valeur"])


@pytest.mark.parametrize(
    ("rows", "computed", "status", "last_gap"),
    [
        # realised above the linear path (110 expected in 2025)
        (
            [("x", 2024, "reference", 100), ("x", 2028, "cible", 140), ("x", 2025, "realise", 112)],
            [],
            sdsf.ST_CONFORME,
            2.0,
        ),
        (
            [("x", 2024, "reference", 100), ("x", 2028, "cible", 140), ("x", 2026, "realise", 115)],
            [],
            sdsf.ST_RETARD,
            -5.0,
        ),
        (
            [("x", 2024, "reference", 100), ("x", 2028, "cible", 140), ("x", 2026, "realise", 141)],
            [],
            sdsf.ST_ATTEINTE,
            21.0,
        ),
        # lower is better: a target below the baseline
        (
            [("x", 2024, "reference", 100), ("x", 2028, "cible", 60), ("x", 2025, "realise", 85)],
            [],
            sdsf.ST_CONFORME,
            -5.0,
        ),
        # a computed value fills a year the file does not give
        (
            [("x", 2024, "reference", 100), ("x", 2028, "cible", 140)],
            [sdsf.ComputedValue("x", 2026, 118.0, "liste")],
            sdsf.ST_RETARD,
            -2.0,
        ),
        (
            [("x", 2024, "reference", 100), ("x", 2028, "cible", 140)],
            [],
            sdsf.ST_SANS_REALISE,
            None,
        ),
        ([("x", 2025, "realise", 3)], [], sdsf.ST_SANS_CIBLE, None),
        ([("x", 2028, "cible", 3)], [], sdsf.ST_SANS_REFERENCE, None),
    ],
)
def test_indicator_trajectory_status_and_gap(rows, computed, status, last_gap):
    t = sdsf.indicator_trajectory("x", _values(rows), computed)
    assert t.status == status
    if last_gap is None:
        assert t.last_gap is None
    else:
        assert t.last_gap == pytest.approx(last_gap)


def test_indicator_trajectory_file_wins_over_computed_and_milestones():
    rows = [
        ("x", 2024, "reference", 100),
        ("x", 2028, "cible", 140),
        ("x", 2026, "jalon", 100),
        ("x", 2026, "realise", 101),
    ]
    t = sdsf.indicator_trajectory("x", _values(rows), [sdsf.ComputedValue("x", 2026, 5.0, "l")])
    row = t.table.set_index("annee").loc[2026]
    assert row["realise"] == 101 and row["source_realise"] == "fichier importé"
    assert row["trajectoire"] == 100 and t.method == "jalons" and t.status == sdsf.ST_CONFORME


# ------------------------------------------------------------------------ calendar
def test_calendar_deadlines_and_status():
    cal = sdsf.sdsf_calendar(date(2025, 1, 1), date(2029, 12, 31), date(2026, 5, 15))
    by = {(r["evenement"][:30], r["echeance"]): r["statut"] for r in cal.to_dict("records")}
    assert cal["echeance"].is_monotonic_increasing
    dues = set(cal["echeance"])
    assert date(2029, 9, 30) in dues  # rapport d'évaluation: 3 months before the end
    assert {date(y, 3, 31) for y in range(2025, 2030)} <= dues
    assert {date(y, 6, 30) for y in range(2025, 2030)} <= dues
    assert {date(y, 2, 1) for y in range(2026, 2031)} <= dues
    rows = cal.set_index("echeance")
    assert rows.loc[date(2026, 3, 31), "statut"] == sdsf.CAL_PASSED
    assert rows.loc[date(2026, 6, 30), "statut"] == sdsf.CAL_SOON
    assert rows.loc[date(2027, 2, 1), "statut"] == sdsf.CAL_LATER
    assert rows.loc[date(2026, 6, 30), "jours"] == 46
    assert by  # one row per deadline


def test_calendar_refuses_end_before_start_and_months():
    with pytest.raises(sdsf.SdsfError, match="postérieure"):
        sdsf.sdsf_calendar(date(2025, 1, 1), date(2024, 1, 1), date(2025, 1, 1))
    assert sdsf._minus_months(date(2029, 5, 31), 3) == date(2029, 2, 28)
    assert sdsf._minus_months(date(2030, 1, 15), 3) == date(2029, 10, 15)


# ------------------------------------------------------------------ AM departures
@pytest.mark.parametrize(
    ("series", "window", "change", "departures"),
    [
        (
            {2018: 1000, 2019: 950, 2020: 900, 2021: 850, 2022: 800, 2023: 810},
            5,
            (810 / 1000) ** 0.2 - 1,
            1 - (810 / 1000) ** 0.2,
        ),
        ({2020: 100, 2022: 121}, 5, 0.1, 0.0),  # growing stock: no departures
        ({2010: 100, 2020: 50, 2021: 25}, 1, -0.5, 0.5),
    ],
)
def test_am_trend(series, window, change, departures):
    t = sdsf.am_trend(pd.Series(series), window)
    assert t is not None
    assert t.yearly_change == pytest.approx(change)
    assert t.departures == pytest.approx(departures)
    assert "par an" in t.text


def test_am_trend_needs_two_years_and_series_reads_tableau_33():
    assert sdsf.am_trend(pd.Series({2023: 100})) is None
    drees = pd.DataFrame(
        {
            "tableau": ["Tableau 33", "Tableau 33", "Tableau 24", "Tableau 33"],
            "code_departement": ["59", "59", "59", "62"],
            "annee": [2022, 2023, 2023, 2023],
            "valeur": [14380.0, 13260.0, 5.0, 1.0],
        }
    )
    assert sdsf.am_series(drees, "59").to_dict() == {2022: 14380.0, 2023: 13260.0}


# ------------------------------------------------------------------------ projects
def test_projects_enter_in_their_opening_year():
    projects = pd.DataFrame(
        {
            "code_insee": ["59001", "59001", "59002", "59002", "59004"],
            "places": [30, 10, 20, 12, 8],
            "psu": [True, False, True, True, True],
            "annee_ouverture": [2026, 2026, 2024, 2027, 2031],
            "statut": ["autorisé", "en projet", "ouvert", "abandonné", "en travaux"],
        }
    )
    got = sdsf.projects_by_year(projects, 2024, 2030)
    assert got.to_dict("records") == [
        {"code_insee": "59001", "annee": 2026, "places": 40.0, "places_psu": 30.0}
    ]


# ---------------------------------------------------------- places per AO territory
def _holders(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "code_insee",
            "ao_planif_type",
            "ao_planif_code",
            "ao_planif_nom",
            "ao_planif_population",
        ],
    )


# EPCI 200000001 holds planning for 59002 and 59003 only; 59001 keeps it (commune)
HOLDERS = _holders(
    [
        ("59001", "commune", "59001", "Ville A", 25_000),
        ("59002", "epci", "200000001", "CC B", 10_500),
        ("59003", "epci", "200000001", "CC B", 10_500),
        ("59004", "commune", "59004", "Village D", 800),
    ]
)
BASE = pd.DataFrame(
    {
        "code_insee": ["59001", "59002", "59003", "59004"],
        "enfants": [1000.0, 300.0, 200.0, 30.0],
        "places": [500.0, 150.0, None, None],
        "places_psu": [300.0, 50.0, None, None],
        "places_assmat": [100.0, 60.0, None, None],
    }
)
DEP_RATES = {"global": 60.0, "psu": 20.0, "assmat": 30.0}


def test_territory_base_estimates_communes_without_cnaf_places():
    b = sdsf.territory_base(HOLDERS, BASE, DEP_RATES).set_index("code_insee")
    assert b.loc["59003", "places"] == pytest.approx(120.0)
    assert b.loc["59003", "places_psu"] == pytest.approx(40.0)
    assert bool(b.loc["59003", "places_estimees"]) and not bool(b.loc["59002", "places_estimees"])


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        # no departures, stable births: need 0.6 × children − places
        (
            sdsf.Scenario("s", 0.0, 0.0, 0.0),
            {"59001": (100.0, 0.0), "200000001": (30.0, 10.0), "59004": (0.0, 0.0)},
        ),
        # 10 % of assmat places lost each year for 2 years, none replaced
        (
            sdsf.Scenario("s", 0.0, 0.1, 0.0),
            {
                "59001": (119.0, 0.0),
                "200000001": (30.0 + 0.19 * 120, 10.0),
                "59004": (0.19 * 9, 0.0),
            },
        ),
        # the same departures, all replaced
        (
            sdsf.Scenario("s", 0.0, 0.1, 1.0),
            {"59001": (100.0, 0.0), "200000001": (30.0, 10.0), "59004": (0.0, 0.0)},
        ),
    ],
)
def test_places_to_develop_per_planning_territory(scenario, expected):
    base = sdsf.territory_base(HOLDERS, BASE, DEP_RATES)
    targets = sdsf.Targets(60.0, 20.0, 2026)
    table = sdsf.places_to_develop(
        base, sdsf.projects_by_year(None, 2024, 2026), scenario, targets, 2024
    )
    got = table.set_index("ao_planif_code")
    assert set(got.index) == set(expected)
    assert got.loc["200000001", "n_communes"] == 2
    for code, (all_modes, psu) in expected.items():
        assert got.loc[code, "a_developper"] == pytest.approx(all_modes), code
        assert got.loc[code, "a_developper_psu"] == pytest.approx(psu), code


def test_projects_reduce_places_to_develop_from_opening_year():
    base = sdsf.territory_base(HOLDERS, BASE, DEP_RATES)
    projects = pd.DataFrame(
        {"code_insee": ["59002"], "annee": [2026], "places": [25.0], "places_psu": [25.0]}
    )
    sc = sdsf.Scenario("s", 0.0, 0.0, 0.0)
    traj_ = sdsf.territory_trajectories(base, projects, sc, 2024, 2027)
    cc = traj_[traj_["ao_planif_code"] == "200000001"].set_index("annee")
    assert list(cc["places_projets"]) == [0.0, 0.0, 25.0, 25.0]
    table = sdsf.places_to_develop(base, projects, sc, sdsf.Targets(60.0, 20.0, 2027), 2024)
    row = table.set_index("ao_planif_code").loc["200000001"]
    assert row["a_developper"] == pytest.approx(5.0) and row["a_developper_psu"] == 0.0
    tie = sdsf.psu_tie(table, 700.0, 2027)
    assert tie.places_now == pytest.approx(300 + 50 + 40 + 6)
    assert tie.projects == 25.0
    assert tie.at_horizon == pytest.approx(tie.places_now + 25.0 + tie.to_develop)
    assert tie.difference == pytest.approx(tie.at_horizon - 700.0)


def test_vectorised_trajectories_match_diagnostics_trajectory():
    """The per-territory arithmetic is the one of diagnostics.trajectory (one territory)."""
    holders = _holders([("59001", "commune", "59001", "A", 25_000)])
    one = pd.DataFrame(
        {
            "code_insee": ["59001"],
            "enfants": [1000.0],
            "places": [500.0],
            "places_psu": [200.0],
            "places_assmat": [200.0],
            "enfants_t0": [1000.0],
            "enfants_t1": [1000.0 * 0.98**4],
            "tendance_annees": [4],
        }
    )
    base = sdsf.territory_base(holders, one, DEP_RATES)
    sc = sdsf.Scenario("s", None, 0.06, 0.25)
    projects = pd.DataFrame(
        {"code_insee": ["59001"], "annee": [2027], "places": [40.0], "places_psu": [40.0]}
    )
    mine = sdsf.territory_trajectories(base, projects, sc, 2024, 2029).set_index("annee")
    ref = traj.trajectory(
        traj.Situation(2024, 1000.0, 500.0, 200.0),
        60.0,
        2029,
        [traj.PlannedPlaces(2027, 40.0)],
        traj.Scenario("s", -0.02, 0.06, 0.25),
    ).table.set_index("annee")
    for col in ("enfants", "places_assmat", "places_sans_action"):
        assert list(mine[col]) == pytest.approx(list(ref[col]))
    table = sdsf.places_to_develop(base, projects, sc, sdsf.Targets(60.0, 25.0, 2029), 2024)
    assert table.loc[0, "a_developper"] == pytest.approx(
        traj.trajectory(
            traj.Situation(2024, 1000.0, 500.0, 200.0),
            60.0,
            2029,
            [traj.PlannedPlaces(2027, 40.0)],
            traj.Scenario("s", -0.02, 0.06, 0.25),
        ).gap
    )
    assert table.loc[0, "tendance_naissances"] == pytest.approx(-0.02)


def test_horizon_must_follow_base_year():
    base = sdsf.territory_base(HOLDERS, BASE, DEP_RATES)
    with pytest.raises(sdsf.SdsfError, match="postérieur"):
        sdsf.territory_trajectories(base, None, sdsf.Scenario("s"), 2024, 2024)
