"""One chart specification (data, labels, units, statuses, colours), drawn by two back-ends.

A `ChartSpec` says what a chart shows; it never draws. `charts.plotly_figure.figure(spec)`
draws it interactively on screen (st.plotly_chart) and `charts.static.png(spec)` draws the
same data with the same title, series, colours, axis titles and source as a PNG for the PDF
and the « Image (PNG) » downloads (matplotlib: no browser, so `make run` and the batch need
no Chromium; measured in bench/README.md). Pure: no streamlit, no plotly, no matplotlib here.

Kinds:
- « barres »: vertical bars, one group per row of `x`, one bar per series;
- « barres_empilees »: horizontal bars, one bar per row of `x` (read top to bottom), the
  series stacked left to right (one series: a simple horizontal bar chart);
- « courbes »: one line per series over `x` (years);
- « carte »: a static map of communes (reports/charts.py draws it; `data` has code_insee and
  `valeur`, optional `points` with longitude, latitude, taille).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from catalogue.sources import DEMO_LABEL, Nature

KINDS = ("barres", "barres_empilees", "courbes", "carte")

#: French number format of every chart: decimal comma, narrow no-break space for thousands
#: (plotly `layout.separators`: decimal then thousands).
SEPARATORS = ",\u202f"

PALETTE = ("#1f5c99", "#e07b39", "#5a9e6f", "#b8476a", "#8c6bb1", "#c9a227", "#4aa3b5", "#7f7f7f")
RULE_COLOR = "#b2182b"

#: How a figure was obtained, as the hover labels say it.
STATUS_PUBLISHED = "publié"
STATUS_COMPUTED = "calculé"
STATUS_ESTIMATE = "estimation"
STATUS_SYNTHETIC = f"{DEMO_LABEL} (synthétique)"


def status_text(statut: object = None, nature: object = None) -> str:
    """The hover status of one figure from its data: synthetic data first (whatever its
    status), then the figure's own status (« publié », « calculé », « estimation »), then an
    estimated dataset; empty when the data say nothing."""
    nat = "" if nature is None or (not isinstance(nature, str) and pd.isna(nature)) else nature
    stat = "" if statut is None or (not isinstance(statut, str) and pd.isna(statut)) else statut
    if str(nat) == str(Nature.SYNTHETIQUE):
        return STATUS_SYNTHETIC
    text = str(stat)
    if text.startswith("estim"):
        return STATUS_ESTIMATE
    if text.startswith("calcul"):
        return STATUS_COMPUTED
    if text:
        return text
    if str(nat) == str(Nature.ESTIME):
        return STATUS_ESTIMATE
    if str(nat) == str(Nature.REEL):
        return STATUS_PUBLISHED
    return ""


@dataclass(frozen=True)
class Rule:
    """A reference line: on the `x` axis (a year of a line chart: a break in series) or on
    the value axis (`axis="valeur"`: the commune's share on a ranking)."""

    value: float
    label: str
    axis: str = "x"
    color: str = RULE_COLOR


@dataclass(frozen=True)
class ChartSpec:
    """What to draw. `data` is wide: the `x` column, then one column per name of `series`.

    `status` and `detail` (optional) have the index of `data` and the columns of `series`:
    the status of each figure (see `status_text`) and an extra line of hover text (an
    effective, a rate). Without `status`, every figure gets « données de démonstration »
    when `synthetic`, else `default_status`. `year` is the year of the figures when `x` is not
    the year. `labels` are written at the end of each bar (stacked bars: one per row).
    """

    id: str
    title: str
    kind: str
    data: pd.DataFrame
    source: str
    synthetic: bool = False
    x: str = ""
    series: tuple[str, ...] = ()
    ylabel: str = ""
    note: str = ""
    points: pd.DataFrame | None = None
    unit: str = ""
    decimals: int = 0
    year: str = ""
    default_status: str = ""
    status: pd.DataFrame | None = None
    detail: pd.DataFrame | None = None
    colors: tuple[str, ...] = ()
    dashes: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    xlabel: str = ""
    legend_title: str = ""
    height: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Type de graphique inconnu : {self.kind!r}")
        if self.kind != "carte":
            missing = [c for c in (self.x, *self.series) if c not in self.data.columns]
            if missing:
                raise ValueError(f"Graphique {self.id!r} : colonnes absentes {missing}")

    # ------------------------------------------------------------------ per series / cell

    def color(self, i: int) -> str:
        return self.colors[i] if i < len(self.colors) else PALETTE[i % len(PALETTE)]

    def dash(self, i: int) -> str:
        return self.dashes[i] if i < len(self.dashes) else "solid"

    @property
    def value_unit(self) -> str:
        return self.unit or self.ylabel

    @property
    def x_is_year(self) -> bool:
        return self.kind == "courbes"

    def values(self, name: str) -> pd.Series:
        return pd.to_numeric(self.data[name], errors="coerce").astype(float)

    def statuses(self, name: str) -> list[str]:
        """Status of each figure of series `name` (row order of `data`)."""
        if self.status is not None and name in self.status:
            col = self.status[name].reindex(self.data.index)
            return ["" if pd.isna(v) else str(v) for v in col]
        default = STATUS_SYNTHETIC if self.synthetic else self.default_status
        return [default] * len(self.data)

    def details(self, name: str) -> list[str]:
        if self.detail is not None and name in self.detail:
            col = self.detail[name].reindex(self.data.index)
            return ["" if pd.isna(v) else str(v) for v in col]
        return [""] * len(self.data)

    def years(self) -> list[str]:
        """Year of each row: the `x` value of a line chart, else `year`."""
        if self.x_is_year:
            return [_year_text(v) for v in self.data[self.x]]
        return [self.year] * len(self.data)

    def categories(self) -> list[str]:
        return [str(v) for v in self.data[self.x]]


def _year_text(value: object) -> str:
    try:
        return str(int(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def status_frame(data: pd.DataFrame, series: tuple[str, ...], by_row: list[str]) -> pd.DataFrame:
    """A `status` frame giving every series of a row the same status (one per row)."""
    return pd.DataFrame({name: by_row for name in series}, index=data.index)
