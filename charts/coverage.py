"""The coverage-rate charts (« Taux de couverture » page, pre-diagnostic, workshop view).

Built from the frames of diagnostics.coverage (`figures_frame` rows: nom, statut, nature,
tx_global and the five components; `evolution` rows: annee, nom, tx_global, statut, nature).
Statuses come from the data (statut, nature), never from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from charts.spec import STATUS_SYNTHETIC, ChartSpec, Rule, status_frame, status_text
from diagnostics import coverage as cv
from diagnostics.formatting import fmt_rate

COMPONENT_COLORS = ("#1f78b4", "#a6cee3", "#33a02c", "#b2df8a", "#fdbf6f")
RATE_UNIT = "places pour 100 enfants de moins de 3 ans"


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    return frame[name].tolist() if name in frame else [None] * len(frame)


#: The end-of-bar label of a territory whose total is published without its components by
#: mode (the national series): the bar is empty, the label says why.
NO_COMPONENTS = "composantes non publiées"


def total_label(rate: float | None, statut: object, components: bool = True) -> str:
    """« 52,3 », « 52,3 (estimation) », « 48,0 (calculé) », « 59,5 — composantes non
    publiées » (a total without any component: `components` False) or « non publié »."""
    if rate is None or pd.isna(rate):
        return "non publié"
    suffix = {str(cv.Status.ESTIME): " (estimation)", str(cv.Status.CALCULE): " (calculé)"}
    text = fmt_rate(float(rate)) + suffix.get(str(statut), "")
    return text if components else f"{text} — {NO_COMPONENTS}"


def components_spec(
    figures: pd.DataFrame,
    year: int | str,
    source: str,
    *,
    title: str | None = None,
    note: str = "",
    chart_id: str = "couverture_composantes",
) -> ChartSpec:
    """Stacked bars of the five published components, one bar per territory (rows of
    `figures`, in order), the global rate written at the end of each bar; a territory with a
    total but no component (France: the national series has no split by mode) gets an empty
    bar labelled « 59,5 — composantes non publiées », never a bar that reads as one mode."""
    series = tuple(label for _c, label in cv.COMPONENTS)
    data = pd.DataFrame({"Territoire": figures["nom"].astype(str).to_numpy()})
    for col, label in cv.COMPONENTS:
        data[label] = pd.to_numeric(figures[col], errors="coerce").to_numpy()
    statuts, natures = _column(figures, "statut"), _column(figures, "nature")
    by_row = [status_text(s, n) for s, n in zip(statuts, natures, strict=True)]
    return ChartSpec(
        chart_id,
        title or f"Taux de couverture par mode d'accueil, {year}",
        "barres_empilees",
        data,
        source,
        synthetic=STATUS_SYNTHETIC in by_row,
        x="Territoire",
        series=series,
        ylabel="Places pour 100 enfants de moins de 3 ans",
        unit=RATE_UNIT,
        decimals=1,
        year=str(year),
        status=status_frame(data, series, by_row),
        colors=COMPONENT_COLORS,
        labels=tuple(
            total_label(r, s, bool(has))
            for r, s, has in zip(
                figures["tx_global"], statuts, data[list(series)].notna().any(axis=1), strict=True
            )
        ),
        legend_title="Mode d'accueil",
        note=note,
    )


def evolution_spec(
    series: pd.DataFrame,
    breaks: Sequence[cv.SeriesBreak],
    source: str,
    *,
    title: str = "Évolution du taux de couverture global",
    chart_id: str = "couverture_evolution",
    order: Sequence[str] | None = None,
) -> ChartSpec:
    """One line of the global rate per territory (long `series`: annee, nom, tx_global,
    statut, nature), years without a rate left as gaps, break years as dashed rules."""
    df = series.copy()
    df["annee"] = pd.to_numeric(df["annee"], errors="coerce")
    df = df.dropna(subset=["annee"])
    df["annee"] = df["annee"].astype(int)
    df["nom"] = df["nom"].astype(str)
    df["statut_txt"] = [
        status_text(s, n) for s, n in zip(_column(df, "statut"), _column(df, "nature"), strict=True)
    ]
    df = df.drop_duplicates(["annee", "nom"], keep="last")
    names = list(dict.fromkeys(order or [])) or list(dict.fromkeys(df["nom"]))
    names = [n for n in names if n in set(df["nom"])]
    values = df.pivot(index="annee", columns="nom", values="tx_global").sort_index()
    statuses = df.pivot(index="annee", columns="nom", values="statut_txt").sort_index()
    years = values.index.tolist()
    data = pd.DataFrame({"Année": years})
    status = pd.DataFrame(index=data.index)
    for name in names:
        data[name] = pd.to_numeric(values[name], errors="coerce").to_numpy()
        status[name] = statuses[name].to_numpy()
    by_year: dict[int, list[str]] = {}
    for b in breaks:
        by_year.setdefault(int(b.annee), []).append(b.message)
    rules = tuple(Rule(float(y), " ; ".join(msgs)) for y, msgs in sorted(by_year.items()))
    return ChartSpec(
        chart_id,
        title,
        "courbes",
        data,
        source,
        synthetic=any(str(n) == "synthétique" for n in _column(df, "nature")),
        x="Année",
        series=tuple(names),
        ylabel="Taux global (places pour 100 enfants)",
        unit=RATE_UNIT,
        decimals=1,
        status=status,
        rules=rules,
        xlabel="Année (offre au 31 décembre)",
        legend_title="Territoire",
    )
