"""Static charts and maps for the pre-diagnostic (matplotlib -> PNG bytes).

No browser, no pyplot state: each chart is drawn on its own `matplotlib.figure.Figure`
(Agg canvas), so this is safe in the Streamlit server threads and in batch runs. Axis
numbers use the French format (12 345,6). Maps draw the communes of the territory from the
shipped COG geometries (data/reference/communes_2025.parquet), coloured by a class or a value,
with optional points (EAJE), drawn by `geodata.maps.static_map_png` (the app's static map);
map images are cached per territory and content (`lru_cache`).
"""

from __future__ import annotations

import io
from functools import lru_cache

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from diagnostics.formatting import fmt_number
from geodata.maps import DENSITY_COLORS, MISSING_COLOR, static_map_png
from geodata.reference import COMMUNES_FILE
from geodata.territory import Level
from reports.prediag import ChartSpec

PALETTE = ("#1f5c99", "#e07b39", "#5a9e6f", "#b8476a", "#8c6bb1", "#c9a227", "#4aa3b5", "#7f7f7f")
#: Class colours of the maps: INSEE density levels (shared with the app's maps), no class,
#: and a plain commune (no value to show).
CLASS_COLOURS = {**DENSITY_COLORS, "Non classée": MISSING_COLOR, "commune": "#e8eef5"}
DPI = 96
_FR = FuncFormatter(lambda v, _pos: fmt_number(v, 0 if float(v).is_integer() else 1))


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _axes(width: float = 7.0, height: float = 3.4):
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(_FR)
    return fig, ax


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def bars(spec: ChartSpec) -> bytes:
    """Grouped bars: one group per row of `x`, one bar per series."""
    df = spec.data
    fig, ax = _axes()
    n = max(len(spec.series), 1)
    width = 0.8 / n
    xs = range(len(df))
    for i, name in enumerate(spec.series):
        vals = pd.to_numeric(df[name], errors="coerce").fillna(0).astype(float)
        ax.bar(
            [x + (i - (n - 1) / 2) * width for x in xs],
            vals,
            width=width,
            color=PALETTE[i % len(PALETTE)],
            label=_short(name, 40),
        )
    ax.set_xticks(list(xs))
    ax.set_xticklabels([_short(str(v), 24) for v in df[spec.x]], fontsize=8)
    ax.set_ylabel(spec.ylabel, fontsize=8)
    ax.legend(
        fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=min(n, 3)
    )
    return _png(fig)


def stacked(spec: ChartSpec) -> bytes:
    """Stacked horizontal bars: one bar per row of `x`, segments = series."""
    df = spec.data
    fig, ax = _axes(7.0, 0.6 + 0.55 * len(df))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(_FR)
    left = pd.Series(0.0, index=df.index)
    ys = list(range(len(df)))
    for i, name in enumerate(spec.series):
        vals = pd.to_numeric(df[name], errors="coerce").fillna(0).astype(float)
        ax.barh(ys, vals, left=left, color=PALETTE[i % len(PALETTE)], label=name)
        left = left + vals
    ax.set_yticks(ys)
    ax.set_yticklabels([_short(str(v), 34) for v in df[spec.x]])
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(spec.ylabel, fontsize=8)
    ax.legend(
        fontsize=7,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
        ncol=min(len(spec.series), 5),
    )
    return _png(fig)


def lines(spec: ChartSpec) -> bytes:
    """One line per series over `x` (years)."""
    df = spec.data.sort_values(spec.x)
    fig, ax = _axes()
    for i, name in enumerate(spec.series):
        vals = pd.to_numeric(df[name], errors="coerce").astype(float)
        ax.plot(
            df[spec.x].astype(int),
            vals,
            marker="o",
            markersize=3,
            color=PALETTE[i % len(PALETTE)],
            label=_short(name, 40),
        )
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _p: str(int(v)) if float(v).is_integer() else "")
    )
    ax.set_ylabel(spec.ylabel, fontsize=8)
    if len(spec.series) > 1:
        ax.legend(
            fontsize=7,
            frameon=False,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(len(spec.series), 3),
        )
    return _png(fig)


def _dep_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


@lru_cache(maxsize=8)
def departement_geometries(dep: str) -> gpd.GeoDataFrame:
    """Commune geometries (EPSG:4326) of one département, read once (a batch of the CTG of a
    département reads the file once). Never mutated: callers get copies."""
    gdf = gpd.read_parquet(
        COMMUNES_FILE, columns=["insee_com", "geometry"], filters=[("dep", "==", dep)]
    )
    return gdf.rename(columns={"insee_com": "code_insee"})


def commune_geometries(codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Geometries (EPSG:4326) of the given communes (a copy)."""
    parts = [departement_geometries(d) for d in sorted({_dep_of(c) for c in codes})]
    gdf = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return gdf.loc[gdf["code_insee"].isin(list(codes))].copy()


@lru_cache(maxsize=128)
def _map_png(
    codes: tuple[str, ...], values: tuple[str, ...], points: tuple[tuple[float, float, float], ...]
) -> bytes:
    gdf = commune_geometries(codes).rename(columns={"code_insee": "code"})
    present = [v for v in CLASS_COLOURS if v in set(values)]
    others = sorted(set(values) - set(CLASS_COLOURS))
    colours = dict(CLASS_COLOURS)
    for i, v in enumerate(others):
        colours[v] = PALETTE[i % len(PALETTE)]
    legend = [(colours[v], v) for v in present + others if v != "commune"]
    return static_map_png(
        Level.COMMUNE,
        None,
        pd.Series({c: colours[v] for c, v in zip(codes, values, strict=True)}, dtype="object"),
        legend,
        title="",
        credit="",
        gdf=gdf,
        outlines_gdf=gdf,
        outline_color="#888888",
        outline_width=0.2,
        points=points,
        legend_outside=True,
        width_in=6.4,
        height_in=4.6,
        dpi=DPI,
    )


def map_png(spec: ChartSpec) -> bytes:
    """Static map of the spec's communes (cached per territory and content)."""
    df = spec.data
    codes = tuple(df["code_insee"].astype(str))
    values = tuple(df["valeur"].astype(str))
    pts: tuple[tuple[float, float, float], ...] = ()
    if spec.points is not None and not spec.points.empty:
        pts = tuple(
            (float(r.longitude), float(r.latitude), float(r.taille))
            for r in spec.points.itertuples(index=False)
        )
    return _map_png(codes, values, pts)


def render(spec: ChartSpec) -> bytes:
    """PNG bytes of a chart specification."""
    kind = {"barres": bars, "barres_empilees": stacked, "courbes": lines, "carte": map_png}.get(
        spec.kind
    )
    if kind is None:
        raise ValueError(f"Type de graphique inconnu : {spec.kind!r}")
    return kind(spec)
