"""AO size tiers and key figures."""

from __future__ import annotations

import pandas as pd
import pytest

from diagnostics.territory_profile import density_breakdown, key_figures, tier_breakdown
from geodata.tiers import TIER_LARGE, TIER_MEDIUM, TIER_SMALL, ao_tier, ao_tiers


@pytest.mark.parametrize(
    ("population", "tier"),
    [
        (0, TIER_SMALL),
        (3_500, TIER_SMALL),  # « plus de 3 500 » : 3 500 exactement reste dans la première strate
        (3_501, TIER_MEDIUM),
        (10_000, TIER_MEDIUM),
        (10_001, TIER_LARGE),
        (2_100_000, TIER_LARGE),
        (None, None),
        (float("nan"), None),
    ],
)
def test_ao_tier(population, tier) -> None:
    assert ao_tier(population) == tier


def test_ao_tiers_vectorised_matches_scalar() -> None:
    pops = pd.Series([10, 3_500, 3_501, 10_000, 10_001, None], index=list("abcdef"))
    out = ao_tiers(pops)
    got = [None if pd.isna(v) else v for v in out.astype(object)]
    assert got == [ao_tier(p) for p in [10, 3_500, 3_501, 10_000, 10_001, None]]
    assert list(out.index) == list("abcdef")


def _communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_insee": ["01001", "01002", "2A004", "97411"],
            "population": pd.array([800, 5_000, 75_000, None], dtype="Int64"),
            "dens7": pd.array([6, 4, 2, None], dtype="Int64"),
            "siren_epci": ["200000001", "200000001", "242010056", pd.NA],
        }
    )


def test_key_figures_hand_computed() -> None:
    communes = _communes()
    before = communes.copy()
    k = key_figures(communes)
    pd.testing.assert_frame_equal(communes, before)  # inputs never mutated
    assert k.population == 80_800
    assert k.n_communes == 4
    assert k.n_epci == 2
    tiers = tier_breakdown(communes).set_index("tier")["communes"].to_dict()
    assert tiers == {TIER_SMALL: 1, TIER_MEDIUM: 1, TIER_LARGE: 1}


def test_density_breakdown_keeps_unclassified() -> None:
    d = density_breakdown(_communes())
    assert "Non classée" in set(d["libelle"])
    assert d["communes"].sum() == 4
    assert d["part_population"].sum() == pytest.approx(100)
