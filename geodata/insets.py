"""DROM insets of national maps: the five overseas départements drawn in boxes beside mainland
France, as on the maps INSEE and the CNAF publish.

On a national map the DROM are thousands of kilometres away: framed on the mainland they are
invisible, framed on everything France is a dot. Each DROM is moved (translation and uniform
scale, in Web Mercator so its shape is kept) into a box of a column east of Alsace and above
Corsica, where nothing else is drawn (no basemap) and clear of the map's title (top right),
legend (bottom left) and credits (bottom right). Only *drawn* geometries are moved: every
computation (distances, contiguity, zones) uses the true ones from `geodata.layers`.
Scales differ from one box to the next (Guyane is shrunk, Mayotte enlarged), as on any inset map.

Pure functions on GeoDataFrames (EPSG:4326); inputs are never modified.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely


@dataclass(frozen=True)
class Inset:
    """One DROM: where it is (`source`) and the box it is drawn in (`target`), both as
    (lon_min, lat_min, lon_max, lat_max)."""

    code: str  # code of the département
    nom: str
    source: tuple[float, float, float, float]
    target: tuple[float, float, float, float]


# Column of boxes east of Alsace (which ends at 8.2° E), from above Corsica (43.0° N) to below
# the map title. Top to bottom in the order of the codes.
_COLUMN_LON = (9.3, 11.0)
_BOX_HEIGHT = 1.1
_BOX_GAP = 0.15
_COLUMN_TOP = 49.8


def _box(i: int) -> tuple[float, float, float, float]:
    top = _COLUMN_TOP - i * (_BOX_HEIGHT + _BOX_GAP)
    return (_COLUMN_LON[0], top - _BOX_HEIGHT, _COLUMN_LON[1], top)


DROM_INSETS: tuple[Inset, ...] = (
    Inset("971", "Guadeloupe", (-62.0, 15.7, -60.8, 16.7), _box(0)),
    Inset("972", "Martinique", (-61.4, 14.2, -60.6, 15.0), _box(1)),
    Inset("973", "Guyane", (-54.8, 1.9, -51.4, 6.0), _box(2)),
    Inset("974", "La Réunion", (55.0, -21.6, 56.0, -20.6), _box(3)),
    Inset("976", "Mayotte", (44.8, -13.2, 45.5, -12.4), _box(4)),
)

#: Frame of national maps: mainland France, Corsica and the column of insets.
FRANCE_BOUNDS = (-5.2, 41.3, 11.1, 51.1)


def _merc_y(lat: np.ndarray | float) -> np.ndarray | float:
    """Web Mercator ordinate, in degree-like units (same scale as longitudes)."""
    return np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))


def _lat(y: np.ndarray) -> np.ndarray:
    return np.degrees(2 * np.arctan(np.exp(np.radians(y))) - np.pi / 2)


def _transform(inset: Inset):
    """Function mapping an (n, 2) array of lon/lat in `inset.source` into `inset.target`."""
    sx0, sy0, sx1, sy1 = inset.source
    tx0, ty0, tx1, ty1 = inset.target
    s_y0, s_y1 = float(_merc_y(sy0)), float(_merc_y(sy1))
    t_y0, t_y1 = float(_merc_y(ty0)), float(_merc_y(ty1))
    scale = min((tx1 - tx0) / (sx1 - sx0), (t_y1 - t_y0) / (s_y1 - s_y0))
    s_cx, s_cy = (sx0 + sx1) / 2, (s_y0 + s_y1) / 2
    t_cx, t_cy = (tx0 + tx1) / 2, (t_y0 + t_y1) / 2

    def fn(coords: np.ndarray) -> np.ndarray:
        x = (coords[:, 0] - s_cx) * scale + t_cx
        y = (np.asarray(_merc_y(coords[:, 1])) - s_cy) * scale + t_cy
        return np.column_stack([x, _lat(y)])

    return fn


def _in_box(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = box
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    return (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)


def place_insets(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy of `gdf` with the features lying in a DROM moved into that DROM's inset box.

    A feature belongs to a DROM when a point inside it lies in the DROM's source box, so this
    works for communes, EPCI, départements, régions or priority zones alike. Other features
    are returned unchanged; `gdf` itself is not modified.
    """
    out = gdf.copy()
    if out.empty:
        return out
    geoms = np.asarray(out.geometry.values, dtype=object)
    valid = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    points = np.full(len(geoms), None, dtype=object)
    points[valid] = shapely.point_on_surface(geoms[valid])
    moved = geoms.copy()
    for inset in DROM_INSETS:
        mask = valid.copy()
        mask[valid] = _in_box(points[valid], inset.source)
        if mask.any():
            moved[mask] = shapely.transform(geoms[mask], _transform(inset))
    return out.set_geometry(gpd.GeoSeries(moved, index=out.index, crs=gdf.crs))


def inset_frames(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """The boxes of the insets (columns code, nom, geometry), drawn as thin frames."""
    return gpd.GeoDataFrame(
        {
            "code": [f"cadre-{i.code}" for i in DROM_INSETS],
            "nom": [i.nom for i in DROM_INSETS],
        },
        geometry=[shapely.box(*i.target) for i in DROM_INSETS],
        crs=crs,
    )
