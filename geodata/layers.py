"""Map geometries per level and scale, read from the GeoParquet files of `geodata/built/`.

The build step (`python -m geodata.build`) writes one file per level and zoom; this module
picks the one suited to the scale of the territory shown and hands out plain frames
(columns code, nom, geometry) or pre-serialised GeoJSON strings for folium.

Scale -> file (see geodata/build.py for tolerances):

| territory shown      | communes               | EPCI              | départements      |
|----------------------|------------------------|-------------------|-------------------|
| commune, EPCI, dép.  | communes_full          | epci_region       | departements_full |
| région               | communes_region        | epci_region       | departements_full |
| France               | communes_france        | epci_france       | departements_france |

Payload budget per map (measurements in the shared notes, checked by tests/unit/test_maps.py):
at most 5,200 features (Grand Est, the largest région, has 5,115 communes), 100,000
coordinates and 2.5 MB of GeoJSON; measured: Rhône 266 communes / 6 k coords / 0.2 MB,
Grand Est 5,115 / 83 k / 2.2 MB, France by EPCI 1,253 / 61 k / 1.4 MB. France by commune is
the exception with its own budget (40,000 features, 400,000 coordinates, 14 MB): 34,871
features, 295 k coordinates, 9.7 MB.

Pure functions, no caching (ui/maps.py caches the GeoJSON strings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.insets import FRANCE_BOUNDS, inset_frames, place_insets
from geodata.territory import Level, Territory

BUILT_DIR = Path(__file__).resolve().parent / "built"

# Budgets (see module docstring); France by commune has its own.
MAX_FEATURES = 5_200  # Grand Est, the région with most communes, has 5,115
MAX_COORDS = 100_000
MAX_GEOJSON_BYTES = 2_500_000
FRANCE_COMMUNES_MAX_COORDS = 400_000
FRANCE_COMMUNES_MAX_GEOJSON_BYTES = 14_000_000

# National maps are framed on geodata.insets.FRANCE_BOUNDS: the mainland, Corsica and the
# column of DROM insets.
COORD_DECIMALS = 5


class Zoom:
    """Names of the built files' zoom suffixes."""

    FULL = "full"
    REGION = "region"
    FRANCE = "france"


@dataclass(frozen=True)
class MapPayload:
    """A pre-serialised GeoJSON layer and its facts (what folium needs, cacheable)."""

    geojson: str  # FeatureCollection, properties {code, nom}, coordinates rounded
    bounds: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (framing)
    n_features: int
    n_coords: int

    @property
    def n_bytes(self) -> int:
        return len(self.geojson.encode("utf-8"))


def zoom_for(level: Level, territory: Territory) -> str:
    """Zoom suffix of the file drawn for `level` features inside `territory`."""
    if territory.level is Level.FRANCE:
        return Zoom.FRANCE
    if territory.level is Level.REGION and level is Level.COMMUNE:
        return Zoom.REGION
    if level is Level.EPCI:
        return Zoom.REGION
    return Zoom.FULL


def built_file(level: Level, zoom: str) -> Path:
    """Path of a built GeoParquet, e.g. geodata/built/communes_full.parquet."""
    stem = {
        Level.COMMUNE: "communes",
        Level.EPCI: "epci",
        Level.DEPARTEMENT: "departements",
        Level.REGION: "regions",
    }[level]
    if level is Level.REGION:
        zoom = Zoom.FRANCE
    if level is Level.DEPARTEMENT and zoom == Zoom.REGION:
        zoom = Zoom.FULL
    if level is Level.EPCI and zoom == Zoom.FULL:
        zoom = Zoom.REGION
    return BUILT_DIR / f"{stem}_{zoom}.parquet"


def _filters(level: Level, territory: Territory) -> list[tuple[str, str, str]] | None:
    """Attribute filter selecting the features of `level` inside `territory`."""
    if territory.level is Level.FRANCE:
        return None
    if level is Level.EPCI and territory.level in (Level.REGION, Level.DEPARTEMENT):
        # An EPCI may straddle départements/régions: the built EPCI file lists them in
        # `deps` / `regs` (';'-joined); filtered in pandas below.
        return None
    if level is Level.DEPARTEMENT and territory.level is Level.REGION:
        return [("reg", "==", territory.code)]
    col = _BUILT_COLUMN[territory.level]
    return [(col, "==", territory.code)]


# Columns of the built commune files holding each level's code.
_BUILT_COLUMN = {
    Level.REGION: "reg",
    Level.DEPARTEMENT: "dep",
    Level.EPCI: "siren_epci",
    Level.COMMUNE: "code",
}


def _context_territory(level: Level, territory: Territory) -> Territory:
    """A commune drawn by commune shows the communes of its EPCI (itself when it has none)."""
    if territory.level is not Level.COMMUNE or level is not Level.COMMUNE:
        return territory
    row = pd.read_parquet(
        built_file(Level.COMMUNE, Zoom.FULL),
        columns=["siren_epci"],
        filters=[("code", "==", territory.code)],
    )
    siren = row["siren_epci"].iloc[0] if len(row) else None
    if isinstance(siren, str) and siren:
        return Territory(Level.EPCI, siren, "")
    return territory


def geometries(level: Level, territory: Territory) -> gpd.GeoDataFrame:
    """Features of `level` inside `territory` (columns code, nom, geometry; EPSG:4326).

    Detail suits the scale: a département by commune at full detail, a région by commune
    simplified, France by EPCI simplified, France by commune at the strongest simplification.
    For a commune, the communes of its EPCI are returned (context), or the commune alone
    when it belongs to no EPCI; for an EPCI, its communes.
    """
    level = Level(level)
    territory = _context_territory(level, territory)
    path = built_file(level, zoom_for(level, territory))
    gdf = gpd.read_parquet(path, filters=_filters(level, territory))
    if level is Level.EPCI and territory.level in (Level.REGION, Level.DEPARTEMENT):
        key = "regs" if territory.level is Level.REGION else "deps"
        gdf = gdf[gdf[key].str.split(";").map(lambda xs: territory.code in xs)]
    return gdf[["code", "nom", "geometry"]].sort_values("code").reset_index(drop=True)


def outlines(territory: Territory) -> gpd.GeoDataFrame:
    """Département outlines drawn for context (columns code, nom, geometry).

    France: all départements (simplified); a région: its départements; a département, an
    EPCI or a commune: the département(s) it lies in.
    """
    if territory.level is Level.FRANCE:
        gdf = gpd.read_parquet(built_file(Level.DEPARTEMENT, Zoom.FRANCE))
    elif territory.level is Level.REGION:
        gdf = gpd.read_parquet(
            built_file(Level.DEPARTEMENT, Zoom.FULL), filters=[("reg", "==", territory.code)]
        )
    else:
        col = _BUILT_COLUMN[territory.level]
        deps = (
            pd.read_parquet(
                built_file(Level.COMMUNE, Zoom.FULL),
                columns=["dep"],
                filters=[(col, "==", territory.code)],
            )["dep"]
            .unique()
            .tolist()
        )
        gdf = gpd.read_parquet(
            built_file(Level.DEPARTEMENT, Zoom.FULL),
            filters=[("code", "in", deps)] if deps else None,
        )
    return gdf[["code", "nom", "geometry"]].sort_values("code").reset_index(drop=True)


def count_coords(gdf: gpd.GeoDataFrame) -> int:
    """Number of vertices in a frame's geometries."""
    return int(shapely.get_num_coordinates(gdf.geometry.values).sum())


def to_geojson(
    gdf: gpd.GeoDataFrame,
    properties: tuple[str, ...] = ("code", "nom"),
    decimals: int = COORD_DECIMALS,
) -> str:
    """Compact GeoJSON FeatureCollection string, coordinates rounded to `decimals`.

    Serialised once with shapely (never `__geo_interface__` twice as folium would).
    Characters that could close an HTML <script> block (<, >, &) are escaped as JSON
    unicode escapes, so the string may be embedded verbatim in a page.
    """
    geoms = (
        shapely.set_precision(gdf.geometry.values, 10.0**-decimals)
        if decimals
        else gdf.geometry.values
    )
    geo_json = shapely.to_geojson(geoms)
    props = gdf[list(properties)].astype(object).where(gdf[list(properties)].notna(), None)
    parts: list[str] = []
    for geom_text, row in zip(geo_json, props.itertuples(index=False, name=None), strict=True):
        if geom_text is None:
            continue
        prop_text = json.dumps(
            dict(zip(properties, row, strict=True)), ensure_ascii=False, separators=(",", ":")
        )
        parts.append(f'{{"type":"Feature","properties":{prop_text},"geometry":{geom_text}}}')
    text = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
    return escape_for_script(text)


def escape_for_script(text: str) -> str:
    """Escape <, > and & as JSON unicode escapes (valid JSON, inert inside <script>)."""
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def framing_bounds(
    territory: Territory, gdf: gpd.GeoDataFrame
) -> tuple[float, float, float, float]:
    """Bounds a map should fit: France with its DROM insets for national maps, else the
    features."""
    if territory.level is Level.FRANCE or gdf.empty:
        return FRANCE_BOUNDS
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    return (x0, y0, x1, y1)


def draws_outlines(level: Level, territory: Territory) -> bool:
    """Whether a map of `level` features draws the département outlines: not when the
    features are départements themselves, except on national maps (the inset frames)."""
    return Level(level) is not Level.DEPARTEMENT or territory.level is Level.FRANCE


def drawn(gdf: gpd.GeoDataFrame, territory: Territory) -> gpd.GeoDataFrame:
    """Geometries as drawn on a map of `territory`: on national maps the DROM are moved into
    their insets (geodata/insets.py); elsewhere `gdf` itself. Never use them for computing."""
    return place_insets(gdf) if territory.level is Level.FRANCE else gdf


def drawn_outlines(territory: Territory) -> gpd.GeoDataFrame:
    """Département outlines as drawn, with the frames of the DROM insets on national maps."""
    gdf = outlines(territory)
    if territory.level is not Level.FRANCE:
        return gdf
    return pd.concat([place_insets(gdf), inset_frames()], ignore_index=True)


def payload(level: Level, territory: Territory) -> MapPayload:
    """GeoJSON string of `geometries(level, territory)` as drawn, with bounds and size facts."""
    gdf = drawn(geometries(level, territory), territory)
    return MapPayload(
        geojson=to_geojson(gdf),
        bounds=framing_bounds(territory, gdf),
        n_features=len(gdf),
        n_coords=count_coords(gdf),
    )


def outlines_payload(territory: Territory) -> MapPayload:
    """GeoJSON string of the département outlines drawn for context (and inset frames)."""
    gdf = drawn_outlines(territory)
    return MapPayload(
        geojson=to_geojson(gdf),
        bounds=framing_bounds(territory, gdf),
        n_features=len(gdf),
        n_coords=count_coords(gdf),
    )


def geojson_string(level: Level, territory: Territory) -> str:
    """Pre-serialised, rounded GeoJSON of `geometries(level, territory)` for folium."""
    return payload(level, territory).geojson


def budget(level: Level, territory: Territory) -> tuple[int, int, int]:
    """(max features, max coordinates, max GeoJSON bytes) allowed for this map."""
    if territory.level is Level.FRANCE and level is Level.COMMUNE:
        return (40_000, FRANCE_COMMUNES_MAX_COORDS, FRANCE_COMMUNES_MAX_GEOJSON_BYTES)
    return (MAX_FEATURES, MAX_COORDS, MAX_GEOJSON_BYTES)


def communes_payload(codes: tuple[str, ...]) -> MapPayload:
    """GeoJSON of the given communes at full detail (a CTG or a selection of communes: maps
    framed on a set of communes that is no territory of the selector)."""
    gdf = gpd.read_parquet(
        built_file(Level.COMMUNE, Zoom.FULL), filters=[("code", "in", list(codes))]
    )
    gdf = gdf[["code", "nom", "geometry"]].sort_values("code").reset_index(drop=True)
    return MapPayload(
        geojson=to_geojson(gdf),
        bounds=framing_bounds(Territory(Level.COMMUNE, "", ""), gdf),
        n_features=len(gdf),
        n_coords=count_coords(gdf),
    )
