"""Accessibility of childcare places: a two-step floating catchment area (2SFCA).

This is the method of this application (not a Cnaf indicator). Demand points are communes
(children under 3 at a representative point inside the commune polygon); supply points are
EAJE with coordinates, or communes with their places when no coordinates exist.

Step 1, for every supply point j: R_j = S_j / sum_k W(d_kj) * P_k over demand points k within
the catchment radius d0 (S = places, P = children).
Step 2, for every demand point i: A_i = 100 * sum_j W(d_ij) * R_j over supply points within d0,
i.e. places per 100 children within reach.

Decay functions W (d0 = radius):
- « gaussienne »: (exp(-½ (d/d0)²) − exp(-½)) / (1 − exp(-½)), 1 at distance 0 and 0 at d0;
- « paliers »: 1 up to d0/3, 0.68 up to 2·d0/3, 0.22 up to d0 (enhanced 2SFCA weights);
- « uniforme »: 1 within d0 (original 2SFCA).

Distances are straight lines between projected coordinates in metres (EPSG:2154 for
metropolitan France). Pairs within the radius are found with a square grid of cell size d0
(3×3 neighbouring cells), vectorised with numpy; no KD-tree is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from diagnostics.formatting import fmt_compact

Decay = Literal["gaussienne", "paliers", "uniforme"]
DECAYS: tuple[Decay, ...] = ("gaussienne", "paliers", "uniforme")
DECAY_LABELS: dict[str, str] = {
    "gaussienne": "décroissance gaussienne",
    "paliers": "décroissance par paliers (1 ; 0,68 ; 0,22)",
    "uniforme": "sans décroissance",
}
STEP_WEIGHTS = (1.0, 0.68, 0.22)

METRO_CRS = "EPSG:2154"


@dataclass(frozen=True)
class AccessParams:
    radius_km: float = 10.0
    decay: Decay = "gaussienne"

    def describe(self) -> str:
        """One French sentence naming the method and its parameters."""
        return (
            "Accessibilité calculée par cette application (méthode à deux étapes des aires de "
            f"chalandise flottantes, 2SFCA) : places pour 100 enfants de moins de 3 ans situées à "
            f"moins de {fmt_compact(self.radius_km)} km à vol d'oiseau, {DECAY_LABELS[self.decay]}, "
            "chaque place étant partagée entre les enfants des communes qui l'entourent."
        )


def decay_weights(distance_m: np.ndarray, radius_m: float, decay: Decay) -> np.ndarray:
    """Weight of each distance (0 beyond the radius)."""
    d = np.asarray(distance_m, dtype=float)
    inside = d <= radius_m
    if decay == "uniforme":
        w = np.ones_like(d)
    elif decay == "gaussienne":
        edge = np.exp(-0.5)
        w = (np.exp(-0.5 * (d / radius_m) ** 2) - edge) / (1.0 - edge)
    elif decay == "paliers":
        w = np.where(
            d <= radius_m / 3.0,
            STEP_WEIGHTS[0],
            np.where(d <= 2.0 * radius_m / 3.0, STEP_WEIGHTS[1], STEP_WEIGHTS[2]),
        )
    else:
        raise ValueError(f"Décroissance inconnue : {decay!r}")
    return np.where(inside, np.clip(w, 0.0, 1.0), 0.0)


def pairs_within(
    ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, radius_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (i in a, j in b) closer than radius_m, with their distances.

    Grid buckets of size radius_m: a point can only reach points in its own cell or the
    8 neighbouring ones. Returns (i, j, distance) arrays.
    """
    ax, ay, bx, by = (np.asarray(v, dtype=float) for v in (ax, ay, bx, by))
    if radius_m <= 0:
        raise ValueError("Le rayon doit être positif.")
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))
    if len(ax) == 0 or len(bx) == 0:
        return empty
    x0 = min(ax.min(), bx.min())
    y0 = min(ay.min(), by.min())
    acx = np.floor((ax - x0) / radius_m).astype(np.int64)
    acy = np.floor((ay - y0) / radius_m).astype(np.int64)
    bcx = np.floor((bx - x0) / radius_m).astype(np.int64)
    bcy = np.floor((by - y0) / radius_m).astype(np.int64)
    width = int(max(acy.max(), bcy.max())) + 3
    bkey = bcx * width + bcy
    order = np.argsort(bkey, kind="stable")
    skey = bkey[order]
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            key = (acx + dx) * width + (acy + dy)
            lo = np.searchsorted(skey, key, side="left")
            hi = np.searchsorted(skey, key, side="right")
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            i = np.repeat(np.arange(len(ax)), counts)
            starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
            j = order[starts + np.arange(total)]
            out_i.append(i)
            out_j.append(j)
    if not out_i:
        return empty
    i = np.concatenate(out_i)
    j = np.concatenate(out_j)
    d = np.hypot(ax[i] - bx[j], ay[i] - by[j])
    keep = d <= radius_m
    return i[keep], j[keep], d[keep]


def two_step_fca(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    params: AccessParams,
) -> pd.Series:
    """Places per 100 children within reach, per demand point (2SFCA).

    demand: columns x, y (metres), enfants (children under 3); index = demand ids.
    supply: columns x, y (metres), places.
    Returns a float Series on demand's index. Demand points with no supply in reach get 0;
    a supply point with no children in reach serves nobody (its places are not counted).
    Demand points with missing coordinates get NaN.
    """
    radius_m = float(params.radius_km) * 1000.0
    dem = demand[["x", "y", "enfants"]].astype(float)
    sup = supply[["x", "y", "places"]].astype(float)
    dem_ok = dem["x"].notna().to_numpy() & dem["y"].notna().to_numpy()
    sup = sup[sup["x"].notna() & sup["y"].notna() & (sup["places"].fillna(0) > 0)]
    dx = dem["x"].to_numpy()[dem_ok]
    dy = dem["y"].to_numpy()[dem_ok]
    pop = dem["enfants"].fillna(0.0).clip(lower=0).to_numpy()[dem_ok]
    i, j, d = pairs_within(dx, dy, sup["x"].to_numpy(), sup["y"].to_numpy(), radius_m)
    w = decay_weights(d, radius_m, params.decay)
    denom = np.bincount(j, weights=w * pop[i], minlength=len(sup))
    places = sup["places"].to_numpy()
    ratio = np.divide(places, denom, out=np.zeros(len(sup)), where=denom > 0)
    access = np.bincount(i, weights=w * ratio[j], minlength=len(dx)) * 100.0
    out = np.full(len(dem), np.nan)
    out[dem_ok] = access
    return pd.Series(out, index=demand.index, name="accessibilite")


def project_lonlat(
    lon: np.ndarray, lat: np.ndarray, crs: str = METRO_CRS
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude to projected metres (Lambert-93 by default)."""
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


# Projected CRS per zone (metres), and an x offset so that distinct zones never mix.
ZONE_CRS: dict[str, tuple[str, float]] = {
    "metro": (METRO_CRS, 0.0),
    "antilles": ("EPSG:5490", 1.0e8),
    "guyane": ("EPSG:2972", 2.0e8),
    "reunion": ("EPSG:2975", 3.0e8),
    "mayotte": ("EPSG:4471", 4.0e8),
}
_DEP_ZONE = {
    "971": "antilles",
    "972": "antilles",
    "973": "guyane",
    "974": "reunion",
    "976": "mayotte",
}


def zone_of_departement(dep: str) -> str:
    """Projection zone of a département code (metropolitan France unless a DROM)."""
    return _DEP_ZONE.get(str(dep), "metro")


def commune_points(codes: pd.Series, deps: pd.Series, geometries: np.ndarray) -> pd.DataFrame:
    """Representative point of each commune (inside its polygon), projected in metres.

    geometries are WGS84 polygons. Metropolitan France uses Lambert-93; each DROM its own
    projected CRS, shifted by a large x offset so points of different zones are never
    within reach of each other. Missing geometries give NaN coordinates.
    """
    geoms = np.asarray(geometries, dtype=object)
    import shapely

    pts = shapely.point_on_surface(geoms)
    lon = shapely.get_x(pts)
    lat = shapely.get_y(pts)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    zones = np.array([zone_of_departement(d) for d in deps.astype(str)], dtype=object)
    for zone, (crs, offset) in ZONE_CRS.items():
        mask = (zones == zone) & ~np.isnan(lon)
        if mask.any():
            px, py = project_lonlat(lon[mask], lat[mask], crs)
            x[mask] = px + offset
            y[mask] = py
    return pd.DataFrame({"code_insee": codes.astype("string").to_numpy(), "x": x, "y": y})


def structure_points(structures: pd.DataFrame, deps: pd.Series) -> pd.DataFrame:
    """EAJE with coordinates and places, projected like `commune_points`.

    deps: département of each structure (aligned on structures' index).
    """
    eaje = structures[(structures["type_structure"].astype("string") == "EAJE")]
    lon = pd.to_numeric(eaje["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(eaje["latitude"], errors="coerce").to_numpy(dtype=float)
    places = pd.to_numeric(eaje["places"], errors="coerce").fillna(0).to_numpy(dtype=float)
    ok = ~np.isnan(lon) & ~np.isnan(lat)
    x = np.full(len(eaje), np.nan)
    y = np.full(len(eaje), np.nan)
    zones = np.array(
        [zone_of_departement(d) for d in deps.loc[eaje.index].astype(str)], dtype=object
    )
    for zone, (crs, offset) in ZONE_CRS.items():
        mask = (zones == zone) & ok
        if mask.any():
            px, py = project_lonlat(lon[mask], lat[mask], crs)
            x[mask] = px + offset
            y[mask] = py
    return pd.DataFrame({"x": x, "y": y, "places": places}, index=eaje.index)


def two_step_fca_local(
    demand: pd.DataFrame, supply: pd.DataFrame, params: AccessParams, wanted: pd.Index
) -> pd.Series:
    """`two_step_fca` for the demand points `wanted` only, computed on the points near them.

    Exact: the accessibility of a point depends on supply within the radius r, whose ratios
    depend on demand within r of that supply, so supply within r and demand within 2r of the
    bounding box of the wanted points are all that is needed.
    """
    r = float(params.radius_km) * 1000.0
    target = demand.loc[wanted]
    x0, x1 = target["x"].min(), target["x"].max()
    y0, y1 = target["y"].min(), target["y"].max()
    if pd.isna(x0):
        return pd.Series(np.nan, index=wanted, name="accessibilite")

    def near(df: pd.DataFrame, margin: float) -> pd.DataFrame:
        return df[
            (df["x"] >= x0 - margin)
            & (df["x"] <= x1 + margin)
            & (df["y"] >= y0 - margin)
            & (df["y"] <= y1 + margin)
        ]

    dem = near(demand, 2 * r)
    sup = near(supply, r)
    return two_step_fca(dem, sup, params).reindex(wanted)
