"""The development-trajectory chart (« Zones sous-dotées » page, pre-diagnostic, SDSF page
and PDF).

Built from `diagnostics.trajectory.long_table` (scenario, annee, enfants, places_sans_action,
places_totales, taux): places per year and scenario, with the places to create (solid) and,
optionally, without new action (dashed, same colour); the SDSF trajectories
(`diagnostics.sdsf.territory_trajectories`) draw only the places without new action, one line
per scenario (`baseline_only`). A projection of this application: every
figure's status is « estimation » (« estimation sur données de démonstration » when the
starting figures are synthetic: the hover says both).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from catalogue.sources import DEMO_LABEL
from charts.spec import PALETTE, STATUS_ESTIMATE, ChartSpec, status_frame
from diagnostics.formatting import fmt_number

WITH = "avec les places à créer"
WITHOUT = "sans action nouvelle"


def trajectory_spec(
    long: pd.DataFrame,
    order: Sequence[str],
    source: str,
    *,
    title: str = "Places projetées : sans action nouvelle et avec les créations",
    synthetic: bool = False,
    with_baseline: bool = True,
    baseline_only: bool = False,
    note: str = "",
    chart_id: str = "trajectoire",
) -> ChartSpec:
    """`with_baseline`: the places without new action (dashed) next to the places with the
    creations (solid); `baseline_only`: only the places without new action, one solid line per
    scenario (the SDSF trajectories, `places_totales` not needed)."""
    years = sorted({int(y) for y in long["annee"]})
    data = pd.DataFrame({"Année": years})
    detail = pd.DataFrame(index=data.index)
    series: list[str] = []
    colors: list[str] = []
    dashes: list[str] = []
    scenarios = [s for s in order if s in set(long["scenario"])]
    for i, name in enumerate(scenarios):
        rows = long.loc[long["scenario"] == name].set_index("annee").reindex(years)
        kids = pd.to_numeric(rows["enfants"], errors="coerce")
        parts = [(WITH, "places_totales", "solid")]
        if with_baseline:
            parts.append((WITHOUT, "places_sans_action", "dash"))
        if baseline_only:
            parts = [(WITHOUT, "places_sans_action", "solid")]
        for label, col, dash in parts:
            key = f"{name} — {label}" if len(parts) > 1 else str(name)
            places = pd.to_numeric(rows[col], errors="coerce")
            data[key] = places.round().to_numpy()
            rate = places / kids.where(kids > 0) * 100
            detail[key] = [
                f"Taux : {fmt_number(float(r), 1)} places pour 100 enfants" if pd.notna(r) else ""
                for r in rate
            ]
            series.append(key)
            colors.append(PALETTE[i % len(PALETTE)])
            dashes.append(dash)
    return ChartSpec(
        chart_id,
        title,
        "courbes",
        data,
        source,
        synthetic=synthetic,
        x="Année",
        series=tuple(series),
        ylabel="Places d'accueil (tous modes)",
        unit="places",
        decimals=0,
        status=status_frame(
            data,
            tuple(series),
            [f"{STATUS_ESTIMATE} sur {DEMO_LABEL}" if synthetic else STATUS_ESTIMATE] * len(data),
        ),
        detail=detail,
        colors=tuple(colors),
        dashes=tuple(dashes),
        legend_title="Scénario",
        note=note,
    )
