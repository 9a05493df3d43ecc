"""Trajectory arithmetic on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from diagnostics.trajectory import (
    DEFAULT_SCENARIOS,
    PlannedPlaces,
    Scenario,
    Situation,
    compare_scenarios,
    long_table,
    trajectory,
)

SIT = Situation(year=2024, children=1000.0, places=500.0, assmat_places=200.0)


@pytest.mark.parametrize(
    ("scenario", "planned", "target", "horizon", "children_h", "without_h", "gap"),
    [
        # 10 % of assmat places lost per year, none replaced: 200 * 0.9^3 = 145.8;
        # 300 other + 145.8 + 20 planned = 465.8; need 600 -> gap 134.2
        (
            Scenario("a", 0.0, 0.10, 0.0),
            [PlannedPlaces(2025, 20)],
            60.0,
            2027,
            1000.0,
            465.8,
            134.2,
        ),
        # births -1 %/year: 1000 * 0.99^3 = 970.299 -> need 582.1794
        (
            Scenario("b", -0.01, 0.10, 0.0),
            [PlannedPlaces(2025, 20)],
            60.0,
            2027,
            970.299,
            465.8,
            582.1794 - 465.8,
        ),
        # half of departures replaced: keep 0.95 per year: 200 * 0.95^2 = 180.5
        (Scenario("c", 0.0, 0.10, 0.5), [], 55.0, 2026, 1000.0, 480.5, 550.0 - 480.5),
        # target already reached: gap 0
        (Scenario("d", 0.0, 0.0, 0.0), [], 40.0, 2030, 1000.0, 500.0, 0.0),
        # planned places after the horizon, or in the base year, are not counted
        (
            Scenario("e", 0.0, 0.0, 0.0),
            [PlannedPlaces(2024, 50), PlannedPlaces(2031, 50), PlannedPlaces(2026, 30, "MAM")],
            60.0,
            2030,
            1000.0,
            530.0,
            70.0,
        ),
    ],
)
def test_trajectory_hand_values(
    scenario: Scenario,
    planned: list[PlannedPlaces],
    target: float,
    horizon: int,
    children_h: float,
    without_h: float,
    gap: float,
) -> None:
    res = trajectory(SIT, target, horizon, planned, scenario)
    t = res.table
    assert t["annee"].tolist() == list(range(2024, horizon + 1))
    assert t["enfants"].iloc[-1] == pytest.approx(children_h)
    assert t["places_sans_action"].iloc[-1] == pytest.approx(without_h)
    assert res.gap == pytest.approx(gap)
    assert res.per_year == pytest.approx(gap / (horizon - 2024))
    assert t["places_a_creer_annee"].iloc[0] == 0
    assert t["places_creees_cumul"].iloc[-1] == pytest.approx(gap)
    if gap > 0:
        assert t["taux"].iloc[-1] == pytest.approx(target)
    assert t["taux"].iloc[0] == pytest.approx(SIT.rate)


def test_method_sentence_lists_parameters() -> None:
    res = trajectory(
        SIT, 60.0, 2027, [PlannedPlaces(2025, 20)], Scenario("Central", -0.01, 0.1, 0.25)
    )
    for fragment in (
        "Central",
        "−1\u202f%",  # one minus sign and one space before % (diagnostics.formatting)
        "10\u202f%",
        "25\u202f%",
        "20 places",
        "60,0 places pour 100",
        "2027",
        "2025 à 2027",
    ):
        assert fragment in res.method, (fragment, res.method)


@pytest.mark.parametrize(
    ("situation", "horizon", "scenario"),
    [
        (SIT, 2024, Scenario("x")),
        (Situation(2024, 0.0, 10.0), 2030, Scenario("x")),
        (SIT, 2030, Scenario("x", assmat_departures=1.5)),
        (Situation(2024, 100.0, 10.0, 20.0), 2030, Scenario("x")),
    ],
)
def test_invalid_inputs_raise(situation: Situation, horizon: int, scenario: Scenario) -> None:
    with pytest.raises(ValueError, match="doit|comprises|dépassent"):
        trajectory(situation, 60.0, horizon, [], scenario)


def test_compare_scenarios_side_by_side() -> None:
    results, summary = compare_scenarios(SIT, 60.0, 2030, [], DEFAULT_SCENARIOS)
    assert len(results) == 3 and len(summary) == 3
    assert summary["scenario"].tolist() == [s.name for s in DEFAULT_SCENARIOS]
    # fewer births and more departures -> fewer children but more places lost
    assert summary["enfants_horizon"].is_monotonic_increasing
    for r, row in zip(results, summary.itertuples(), strict=True):
        assert row.places_a_creer_total == pytest.approx(r.gap)
    long = long_table(results)
    assert len(long) == 3 * 7 and long.columns[0] == "scenario"


@pytest.mark.parametrize(
    ("first", "last", "y0", "y1", "expected"),
    [
        (1000.0, 1000.0, 2010, 2024, 0.0),
        (1000.0, 810.0, 2010, 2012, 0.9 - 1.0),  # (810/1000)^(1/2) - 1 = -10 %
        (0.0, 10.0, 2010, 2024, math.nan),  # no birth in the first window: no trend
        (100.0, 90.0, 2024, 2010, math.nan),  # years not in order
    ],
)
def test_births_trend_from_two_windows(first, last, y0, y1, expected):
    from diagnostics.trajectory import births_trend

    got = births_trend(first, last, y0, y1)
    assert got == pytest.approx(expected, nan_ok=True)


def test_observed_scenario_keeps_stable_assmat_assumptions():
    from diagnostics.trajectory import DEFAULT_SCENARIOS, observed_scenario

    sc = observed_scenario(-0.02, "Tendance observée des naissances")
    assert sc.births_trend == -0.02
    assert sc.assmat_departures == DEFAULT_SCENARIOS[1].assmat_departures
