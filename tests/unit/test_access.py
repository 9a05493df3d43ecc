"""2SFCA accessibility on hand-made points (3×3 grid of 10 km squares, centres 10 km apart)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from diagnostics.access import (
    AccessParams,
    commune_points,
    decay_weights,
    pairs_within,
    two_step_fca,
)

E = math.exp(-0.5)


def gauss(d: float, r: float) -> float:
    return (math.exp(-0.5 * (d / r) ** 2) - E) / (1 - E)


def grid_demand(children: float = 10.0) -> pd.DataFrame:
    """Centres of a 3×3 grid of 10 km squares, row-major from the south-west corner."""
    xs = [(c * 10_000 + 5_000, r * 10_000 + 5_000) for r in range(3) for c in range(3)]
    return pd.DataFrame(
        {"x": [p[0] for p in xs], "y": [p[1] for p in xs], "enfants": [children] * 9},
        index=[f"0100{k}" for k in range(1, 10)],
    )


@pytest.mark.parametrize(
    ("distance", "radius", "decay", "expected"),
    [
        (0.0, 10.0, "gaussienne", 1.0),
        (10.0, 10.0, "gaussienne", 0.0),
        (5.0, 10.0, "gaussienne", gauss(5, 10)),
        (11.0, 10.0, "gaussienne", 0.0),
        (3.0, 10.0, "paliers", 1.0),
        (5.0, 10.0, "paliers", 0.68),
        (9.0, 10.0, "paliers", 0.22),
        (10.5, 10.0, "paliers", 0.0),
        (9.99, 10.0, "uniforme", 1.0),
        (10.01, 10.0, "uniforme", 0.0),
    ],
)
def test_decay_weights(distance: float, radius: float, decay: str, expected: float) -> None:
    got = decay_weights(np.array([distance]), radius, decay)[0]
    assert got == pytest.approx(expected)


def test_decay_unknown_raises() -> None:
    with pytest.raises(ValueError, match="Décroissance inconnue"):
        decay_weights(np.array([1.0]), 10.0, "lineaire")  # type: ignore[arg-type]


@pytest.mark.parametrize("radius", [500.0, 2_000.0, 7_500.0])
def test_pairs_within_matches_brute_force(radius: float) -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(-10_000, 20_000, size=(120, 2))
    b = rng.uniform(0, 25_000, size=(80, 2))
    i, j, d = pairs_within(a[:, 0], a[:, 1], b[:, 0], b[:, 1], radius)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    dist = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    want = {(int(p), int(q)) for p, q in zip(*np.nonzero(dist <= radius), strict=True)}
    assert got == want
    assert np.allclose(d, dist[i, j])


@pytest.mark.parametrize(
    ("radius_km", "decay", "expected"),
    [
        # centre cell holds 60 places; 10 children per cell.
        # 10 km uniform: centre + 4 rook neighbours reach it (50 children): 60/50*100 = 120.
        (10.0, "uniforme", [0, 120, 0, 120, 120, 120, 0, 120, 0]),
        # 15 km uniform: the diagonals (14.14 km) too: 60/90*100.
        (15.0, "uniforme", [600 / 9] * 9),
        # 20 km gaussian: weights 1 (0 km), g(10), g(14.14); R = 60 / (10 (1 + 4 g10 + 4 g14)).
        (20.0, "gaussienne", "gauss"),
        # 12 km steps: 0..4 km weight 1, 4..8 0.68, 8..12 0.22 -> neighbours at 10 km weigh 0.22.
        (
            12.0,
            "paliers",
            [
                0,
                22 * 60 / (10 * 1.88),
                0,
                22 * 60 / (10 * 1.88),
                100 * 60 / (10 * 1.88),
                22 * 60 / (10 * 1.88),
                0,
                22 * 60 / (10 * 1.88),
                0,
            ],
        ),
    ],
)
def test_two_step_fca_grid_hand_values(radius_km: float, decay: str, expected) -> None:
    demand = grid_demand()
    supply = pd.DataFrame({"x": [15_000.0], "y": [15_000.0], "places": [60.0]})
    got = two_step_fca(demand, supply, AccessParams(radius_km, decay))
    if expected == "gauss":
        g10, g14 = gauss(10, 20), gauss(math.hypot(10, 10), 20)
        r = 60 / (10 * (1 + 4 * g10 + 4 * g14))
        w = [g14, g10, g14, g10, 1.0, g10, g14, g10, g14]
        expected = [100 * wi * r for wi in w]
    assert got.tolist() == pytest.approx(expected)
    assert list(got.index) == list(demand.index)


def test_two_step_fca_competition_between_supplies() -> None:
    # Two cells 10 km apart, radius 10 km uniform: each supply serves both cells.
    demand = pd.DataFrame({"x": [0.0, 10_000.0], "y": [0.0, 0.0], "enfants": [100.0, 50.0]})
    supply = pd.DataFrame({"x": [0.0, 10_000.0], "y": [0.0, 0.0], "places": [30.0, 15.0]})
    got = two_step_fca(demand, supply, AccessParams(10.0, "uniforme"))
    # R1 = 30/150, R2 = 15/150, both reach both cells: A = (0.2 + 0.1) * 100 = 30.
    assert got.tolist() == pytest.approx([30.0, 30.0])


def test_two_step_fca_missing_coordinates_and_empty_supply() -> None:
    demand = pd.DataFrame({"x": [0.0, np.nan], "y": [0.0, 1.0], "enfants": [10.0, 10.0]})
    supply = pd.DataFrame({"x": [0.0], "y": [0.0], "places": [0.0]})
    got = two_step_fca(demand, supply, AccessParams(5.0, "uniforme"))
    assert got.iloc[0] == 0.0
    assert math.isnan(got.iloc[1])


def test_inputs_not_mutated() -> None:
    demand = grid_demand()
    supply = pd.DataFrame({"x": [15_000.0], "y": [15_000.0], "places": [60.0]})
    before_d, before_s = demand.copy(), supply.copy()
    two_step_fca(demand, supply, AccessParams())
    pd.testing.assert_frame_equal(demand, before_d)
    pd.testing.assert_frame_equal(supply, before_s)


def test_describe_names_method_and_parameters() -> None:
    text = AccessParams(12.5, "paliers").describe()
    assert "2SFCA" in text and "12,5 km" in text and "paliers" in text
    assert "cette application" in text


def test_commune_points_projects_metro_and_drom_apart() -> None:
    import shapely

    geoms = np.array(
        [shapely.box(4.8, 45.7, 4.9, 45.8), shapely.box(55.4, -21.0, 55.5, -20.9), None],
        dtype=object,
    )
    pts = commune_points(
        pd.Series(["69123", "97411", "15031"]), pd.Series(["69", "974", "15"]), geoms
    )
    # Lyon in Lambert-93 is around x = 842 km, y = 6 520 km.
    assert 830_000 < pts.loc[0, "x"] < 860_000 and 6_500_000 < pts.loc[0, "y"] < 6_540_000
    assert pts.loc[1, "x"] > 1e8  # Réunion shifted far away from the mainland
    assert np.isnan(pts.loc[2, "x"])


@pytest.mark.parametrize("radius_km", [3.0, 8.0, 20.0])
def test_local_computation_equals_global(radius_km: float) -> None:
    from diagnostics.access import two_step_fca_local

    rng = np.random.default_rng(7)
    demand = pd.DataFrame(
        {
            "x": rng.uniform(0, 100_000, 400),
            "y": rng.uniform(0, 100_000, 400),
            "enfants": rng.uniform(0, 50, 400),
        }
    )
    supply = pd.DataFrame(
        {
            "x": rng.uniform(0, 100_000, 60),
            "y": rng.uniform(0, 100_000, 60),
            "places": rng.uniform(5, 60, 60),
        }
    )
    params = AccessParams(radius_km, "gaussienne")
    wanted = demand.index[(demand["x"] < 30_000) & (demand["y"] < 30_000)]
    full = two_step_fca(demand, supply, params).loc[wanted]
    local = two_step_fca_local(demand, supply, params, wanted)
    assert np.allclose(full.to_numpy(), local.to_numpy())
