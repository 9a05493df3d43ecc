"""The zones computation of a territory: rules, priority zones and their tables
(« Zones sous-dotées »).

Pure: ui/zones.py gathers the cached inputs (national base, geometries, accessibility, AO
holders), calls `zones_analysis`, and renders the immutable result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from diagnostics import zones


@dataclass(frozen=True)
class ZonesAnalysis:
    base: pd.DataFrame  # communes of the territory (+ accessibilite when measured)
    result: zones.RulesResult
    members: pd.DataFrame  # code_insee, zone_id, zone_nom of the priority zones
    table: pd.DataFrame  # zones per AO (diagnostics.zones.zone_table)
    summary: pd.DataFrame  # one row per zone


def zones_analysis(
    base: pd.DataFrame,
    geometries: gpd.GeoDataFrame,
    rules: Sequence[zones.Rule],
    refs: zones.References,
    combine: zones.Combine,
    target: float,
    holder_labels: pd.Series,
    accessibility: pd.Series | None = None,
) -> ZonesAnalysis:
    """Rules applied to the communes of `base` drawn in `geometries` (code_insee, geometry),
    flagged communes grouped into contiguous zones, zones per AO (`holder_labels`: planning
    holder per commune code) and per zone for the `target` rate."""
    if accessibility is not None:
        base = base.assign(accessibilite=accessibility.to_numpy())
    result = zones.apply_rules(base, rules, refs, combine)
    members = zones.flagged_zone_members(base, result.flags, geometries)
    table = zones.zone_table(base, members, target, holder_labels)
    summary = zones.zone_table(base, members, target, holder_labels, by_ao=False)
    return ZonesAnalysis(base, result, members, table, summary)
