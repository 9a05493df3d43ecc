"""Print back-end: a `ChartSpec` as a PNG (matplotlib), for the PDF and the PNG downloads.

Same data, series order, colours, dashes, axis titles, reference lines and bar labels as the
screen (charts.plotly_figure); French number format (12 345,6). No browser and no pyplot
state: each chart is drawn on its own `Figure` (Agg canvas), safe in Streamlit's server
threads and in batch runs. Why not plotly's own static export (kaleido): measured in
bench/README.md (« Graphiques »): it needs Chromium at run time and costs more than the whole
PDF budget on its own.

`png(spec, titled=True)` writes the title above and the source (and note) under the chart, for
a standalone image; the PDF writes them itself as text (`titled=False`) and draws the legend
as text too (`legend=False`), so that the PDF's text holds the chart's series.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from charts.spec import ChartSpec
from diagnostics.formatting import fmt_number

DPI = 96
_DASHES = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-."}


def tick_decimals(locs: list[float], least: int = 0, most: int = 4) -> int:
    """The fewest decimals (at least `least`) at which every tick label is true (the value
    rounds back to the tick) and the labels are distinct: ticks 57,5 58 58,5 -> 1, never
    « 58 58 58 »."""
    values = [float(v) for v in locs]
    for d in range(least, most + 1):
        labels = [round(v, d) for v in values]
        true = all(
            abs(r - v) <= 1e-9 * max(1.0, abs(v)) for r, v in zip(labels, values, strict=True)
        )
        if true and len(set(labels)) == len(labels):
            return d
    return most


class FrenchTicks(Formatter):
    """Axis labels in French (12 345,5), all with the same decimals, as many as the ticks
    need to be true and distinct (`tick_decimals`)."""

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        self.decimals = tick_decimals(list(locs))

    def __call__(self, x, pos=None) -> str:  # noqa: ARG002 - matplotlib's Formatter API
        return fmt_number(x, self.decimals)


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _save(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _axes(width: float, height: float):
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_axisbelow(True)
    return fig, ax


def _legend(ax, spec: ChartSpec, anchor_y: float) -> None:
    if len(spec.series) > 1:
        ax.legend(
            fontsize=7,
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, anchor_y),
            ncol=min(len(spec.series), 3),
            title=spec.legend_title or None,
            title_fontsize=7,
        )


def _bars(spec: ChartSpec, legend: bool):
    df = spec.data
    fig, ax = _axes(7.0, 3.4)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.yaxis.set_major_formatter(FrenchTicks())
    n = max(len(spec.series), 1)
    width = 0.8 / n
    xs = range(len(df))
    for i, name in enumerate(spec.series):
        ax.bar(
            [x + (i - (n - 1) / 2) * width for x in xs],
            spec.values(name).fillna(0),
            width=width,
            color=spec.color(i),
            label=_short(name, 40),
        )
    ax.set_xticks(list(xs))
    ax.set_xticklabels([_short(c, 24) for c in spec.categories()], fontsize=8)
    ax.set_ylabel(spec.ylabel, fontsize=8)
    ax.set_xlabel(spec.xlabel, fontsize=8)
    for r in spec.rules:
        ax.axhline(r.value, color=r.color, linestyle="--", linewidth=1)
    if legend:
        _legend(ax, spec, -0.18)
    return fig, ax


def _stacked(spec: ChartSpec, legend: bool):
    df = spec.data
    fig, ax = _axes(7.0, 0.9 + 0.45 * len(df))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.xaxis.set_major_formatter(FrenchTicks())
    left = pd.Series(0.0, index=df.index)
    ys = list(range(len(df)))
    for i, name in enumerate(spec.series):
        vals = spec.values(name).fillna(0)
        ax.barh(ys, vals, left=left, color=spec.color(i), label=name)
        left = left + vals
    ax.set_yticks(ys)
    ax.set_yticklabels([_short(c, 34) for c in spec.categories()])
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(spec.ylabel, fontsize=8)
    top = float(left.max()) if len(left) else 1.0
    for r in spec.rules:
        ax.axvline(r.value, color=r.color, linestyle="--", linewidth=1)
        top = max(top, r.value)
    if spec.labels:
        for y, total, text in zip(ys, left, spec.labels, strict=True):
            ax.text(total + top * 0.01, y, text, va="center", fontsize=7.5, fontweight="bold")
        ax.set_xlim(0, top * 1.28 or 1)
    if legend:
        _legend(ax, spec, -0.9 / max(len(df), 1) - 0.12)
    return fig, ax


def _lines(spec: ChartSpec, legend: bool):
    df = spec.data.sort_values(spec.x)
    fig, ax = _axes(7.0, 3.4)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.yaxis.set_major_formatter(FrenchTicks())
    xs = pd.to_numeric(df[spec.x], errors="coerce")
    for i, name in enumerate(spec.series):
        ax.plot(
            xs,
            pd.to_numeric(df[name], errors="coerce").astype(float),
            marker="o",
            markersize=3,
            color=spec.color(i),
            linestyle=_DASHES.get(spec.dash(i), "-"),
            label=_short(name, 40),
        )
    for r in spec.rules:
        if r.axis == "valeur":
            ax.axhline(r.value, color=r.color, linestyle="--", linewidth=1)
        else:
            ax.axvline(r.value, color=r.color, linestyle="--", linewidth=1)
    years = sorted({int(v) for v in xs.dropna()})
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years], fontsize=8)
    ax.set_ylabel(spec.ylabel, fontsize=8)
    ax.set_xlabel(spec.xlabel, fontsize=8)
    if legend:
        _legend(ax, spec, -0.14)
    return fig, ax


_DRAW = {"barres": _bars, "barres_empilees": _stacked, "courbes": _lines}


def png(spec: ChartSpec, *, titled: bool = True, legend: bool = True) -> bytes:
    """PNG bytes of a bar or line chart specification."""
    return _save(figure(spec, titled=titled, legend=legend))


def figure(spec: ChartSpec, *, titled: bool = True, legend: bool = True) -> Figure:
    """The matplotlib figure of a bar or line chart specification (what `png` saves)."""
    draw = _DRAW.get(spec.kind)
    if draw is None:
        raise ValueError(f"Type de graphique sans rendu statique ici : {spec.kind!r}")
    fig, ax = draw(spec, legend)
    if titled:
        ax.set_title(spec.title, loc="left", fontsize=10)
        foot = "\n".join(t for t in (spec.note, spec.source.replace(" ; ", "\n")) if t)
        if spec.rules and spec.kind == "courbes":
            foot += "\nTirets : " + " ; ".join(r.label for r in spec.rules)
        _foot(fig, ax, foot)
    return fig


FOOT_GAP_PT = 8.0  # between the lowest of the axis labels and legend, and the source lines


def _foot(fig: Figure, ax, text: str) -> None:
    """The source (and note) lines under everything the axes draw below themselves: tick
    labels, the x-axis title and the legend, measured once drawn (they used to be written at
    a fixed place, over the x-axis title of the taller charts), aligned on their left edge."""
    if not text:
        return
    renderer = FigureCanvasAgg(fig).get_renderer()
    box = ax.get_tightbbox(renderer)
    x0, y0 = fig.transFigure.inverted().transform((box.x0, box.y0))
    gap = FOOT_GAP_PT / (fig.get_figheight() * 72)
    fig.text(max(x0, 0.0), y0 - gap, text, fontsize=6.5, color="#444444", va="top", wrap=True)
