"""Images of the pre-diagnostic's charts and maps for the PDF (PNG bytes).

Bar and line charts are drawn by charts.static from the same `ChartSpec` the screen draws
with plotly (one definition per chart); the PDF writes their title, legend and source as text.
Maps draw the communes of the territory from the
shipped COG geometries (data/reference/communes_2025.parquet), coloured by a class or a value,
with optional points (EAJE), drawn by `geodata.maps.static_map_png` (the app's static map);
map images are cached per territory and content (`lru_cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import pandas as pd

from charts import static
from charts.spec import PALETTE, ChartSpec
from geodata.maps import DENSITY_COLORS, MISSING_COLOR, Overlay, static_map_png
from geodata.reference import COMMUNES_FILE
from geodata.territory import Level

#: Class colours of the maps: INSEE density levels (shared with the app's maps), no class,
#: and a plain commune (no value to show).
CLASS_COLOURS = {**DENSITY_COLORS, "Non classée": MISSING_COLOR, "commune": "#e8eef5"}
DPI = 96


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


def class_colours(
    codes: Sequence[str], values: Sequence[str]
) -> tuple[pd.Series, list[tuple[str, str]]]:
    """Colour of each commune of a map (index: code) from its class, and the legend: known
    classes (CLASS_COLOURS) in their order, then the others sorted, coloured from PALETTE;
    the plain « commune » class has no legend row. The same on the PDF's static map and
    the page's live map (ui.prediag)."""
    present = [v for v in CLASS_COLOURS if v in set(values)]
    others = sorted(set(values) - set(CLASS_COLOURS))
    colours = dict(CLASS_COLOURS)
    for i, v in enumerate(others):
        colours[v] = PALETTE[i % len(PALETTE)]
    legend = [(colours[v], v) for v in present + others if v != "commune"]
    series = pd.Series(
        {str(c): colours[v] for c, v in zip(codes, values, strict=True)}, dtype="object"
    )
    return series, legend


@lru_cache(maxsize=128)
def _map_png(
    codes: tuple[str, ...],
    values: tuple[str, ...],
    points: tuple[tuple[float, float, float], ...],
    overlays: tuple[Overlay, ...] = (),
) -> bytes:
    gdf = commune_geometries(codes).rename(columns={"code_insee": "code"})
    colours, legend = class_colours(codes, values)
    return static_map_png(
        Level.COMMUNE,
        None,
        colours,
        legend,
        title="",
        credit="",
        gdf=gdf,
        outlines_gdf=gdf,
        outline_color="#888888",
        outline_width=0.2,
        points=points,
        overlays=overlays,
        legend_outside=True,
        width_in=6.4,
        height_in=4.6,
        dpi=DPI,
    )


def map_png(spec: ChartSpec, overlays: Sequence[Overlay] = ()) -> bytes:
    """Static map of the spec's communes (cached per territory and content), with the shared
    overlays that were on (analyses/overlays.py; framed on the spec's communes)."""
    df = spec.data
    codes = tuple(df["code_insee"].astype(str))
    values = tuple(df["valeur"].astype(str))
    pts: tuple[tuple[float, float, float], ...] = ()
    if spec.points is not None and not spec.points.empty:
        pts = tuple(
            (float(r.longitude), float(r.latitude), float(r.taille))
            for r in spec.points.itertuples(index=False)
        )
    return _map_png(codes, values, pts, tuple(overlays))


def render(spec: ChartSpec, overlays: Sequence[Overlay] = ()) -> bytes:
    """PNG bytes of a chart specification for the PDF: a map (with `overlays`, the shared
    overlays that were on), or the chart without its title and legend (the PDF writes them
    as text)."""
    if spec.kind == "carte":
        return map_png(spec, overlays)
    return static.png(spec, titled=False, legend=False)
