"""One classifier and one palette for the ratio to the national coverage rate (issue 11).

46.4 / 58 is 0.79999… in floating point: before issue 11 the coverage map rounded it into
« 0,8 à 0,95 » and the zones map did not (« 0,6 à 0,8 »). Every map now goes through
ui.maps.ratio_colouring (diagnostics.coverage.ratio_class + RATIO_COLORS).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from diagnostics import coverage as cv
from diagnostics import zones as z
from diagnostics.coverage import Status
from ui import couverture, maps
from ui import zones as ui_zones

NATIONAL = 58.0
REFS = z.References(NATIONAL, "publié", 2022, None, "", None)


def _coverage_map(rates: list[float]) -> pd.DataFrame:
    codes = [f"C{i}" for i in range(len(rates))]
    rank = pd.DataFrame(
        {
            "code": codes,
            "tx_global": rates,
            "ratio_national": cv.ratio_to_national(pd.Series(rates), NATIONAL),
            "pl_total": [10.0] * len(rates),
            "statut": [Status.PUBLIE] * len(rates),
        }
    )
    classified, _, _ = couverture.map_colouring(rank, couverture.MODE_RATIO)
    return pd.DataFrame({"color": classified.colors, "class": classified.classes})


def _zones_map(rates: list[float]) -> pd.Series:
    base = pd.DataFrame({"code_insee": [f"C{i}" for i in range(len(rates))], "taux": rates})
    colors, _ = ui_zones.coverage_colors(base, REFS)
    return colors


RATES = [46.4, 34.8, 55.1, 60.9, 69.6, 80.0, 0.0, math.nan]


def test_the_edge_case_of_the_issue_is_in_the_upper_class():
    assert cv.ratio_class(pd.Series([46.4 / 58])).iloc[0] == "0,8 à 0,95 fois"


@pytest.mark.parametrize("rate", RATES)
def test_same_class_and_colour_on_the_coverage_and_zones_maps(rate):
    cov = _coverage_map([rate])
    zon = _zones_map([rate])
    assert cov["color"].iloc[0] == zon.iloc[0]
    expected = cv.ratio_class(pd.Series([rate / NATIONAL])).iloc[0]
    if pd.isna(expected):
        assert cov["color"].iloc[0] == maps.ratio_colouring(pd.Series([math.nan])).colors.iloc[0]
    else:
        assert cov["class"].iloc[0] == expected
        assert cov["color"].iloc[0] == cv.RATIO_COLORS[cv.RATIO_LABELS.index(expected)]


def test_one_palette_one_colour_per_class():
    assert len(cv.RATIO_COLORS) == len(cv.RATIO_LABELS) == len(cv.RATIO_BOUNDS) - 1
    legend = maps.ratio_colouring(pd.Series([0.5, 1.0])).legend
    assert [label for _, label in legend] == list(cv.RATIO_LABELS)
