"""The Filoué profile charts (« Profils Filoué » page): shares of children by modality and
population, and the ranking of a commune's EAJE on one indicator.

Shares are computed by diagnostics.filoue from the Filoué counts (status « calculé »); parts
under statistical secrecy are missing (no bar), never zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from charts.spec import STATUS_COMPUTED, ChartSpec, Rule
from diagnostics.formatting import fmt_number, fmt_percent, fmt_signed


def comparison_spec(
    comp: pd.DataFrame,
    populations: Sequence[tuple[str, str, str]],
    title: str,
    source: str,
    year: object,
    *,
    synthetic: bool,
    chart_id: str,
) -> ChartSpec | None:
    """Grouped bars: one group per modality (rows of `comp` but « Ensemble »), one bar per
    population (`populations`: key of `part_<key>`/`n_<key>`, label, colour). None when every
    share is under secrecy."""
    body = comp.loc[comp["modalite"] != "Ensemble"].reset_index(drop=True)
    pops = [p for p in populations if f"part_{p[0]}" in body]
    data = pd.DataFrame({"Modalité": body["modalite"].astype(str)})
    detail = pd.DataFrame(index=data.index)
    for key, label, _color in pops:
        data[label] = pd.to_numeric(body[f"part_{key}"], errors="coerce").to_numpy()
        detail[label] = [
            f"Effectif : {fmt_number(float(n), 0)} enfants" if pd.notna(n) else ""
            for n in pd.to_numeric(body[f"n_{key}"], errors="coerce")
        ]
    if not pops or data[[p[1] for p in pops]].isna().all().all():
        return None
    return ChartSpec(
        chart_id,
        title,
        "barres",
        data,
        source,
        synthetic=synthetic,
        x="Modalité",
        series=tuple(p[1] for p in pops),
        ylabel="Part des enfants (%)",
        unit="%",
        decimals=1,
        year=str(year),
        default_status=STATUS_COMPUTED,
        detail=detail,
        colors=tuple(p[2] for p in pops),
    )


def ranking_spec(
    ranking: pd.DataFrame,
    indicator: str,
    commune_share: float | None,
    commune_name: str,
    source: str,
    year: object,
    *,
    synthetic: bool,
    color: str,
) -> ChartSpec | None:
    """Horizontal bars of the EAJE (columns nom_eaje, part, ecart_commune), highest share
    first, the commune's share as a dashed rule. None when no share is shown."""
    shown = ranking.loc[ranking["part"].notna()].sort_values("part", ascending=False)
    if shown.empty:
        return None
    data = pd.DataFrame(
        {"EAJE": shown["nom_eaje"].astype(str).to_numpy(), "Part (%)": shown["part"].to_numpy()}
    )
    gaps = [
        "" if pd.isna(g) else f"Écart à la commune : {fmt_signed(g, 1)} pt"
        for g in shown["ecart_commune"]
    ]
    rules: tuple[Rule, ...] = ()
    if commune_share is not None and pd.notna(commune_share):
        rules = (
            Rule(
                float(commune_share),
                f"{commune_name} (commune) : {fmt_percent(commune_share, 1)}",
                axis="valeur",
            ),
        )
    return ChartSpec(
        "filoue_classement",
        f"{indicator} (%), EAJE de {commune_name}",
        "barres_empilees",
        data,
        source,
        synthetic=synthetic,
        x="EAJE",
        series=("Part (%)",),
        ylabel=f"{indicator} (%)",
        unit="%",
        decimals=1,
        year=str(year),
        default_status=STATUS_COMPUTED,
        detail=pd.DataFrame({"Part (%)": gaps}),
        colors=(color,),
        rules=rules,
        height=max(180, 110 + 28 * len(data)),
    )
