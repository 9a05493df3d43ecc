"""The shared geospatial layer: overlays drawn above the choropleth of every map.

Five overlays, each built by a pure function from commune polygons and the datasets of the
workspace (no streamlit; `ui/cache.py` caches them once per territory and revision, and
`ui/maps.py` draws them, with one layer control, on every map):

- `ao_competence_overlay`: who holds the planning competence (an EPCI: solid outline of
  the communes that transferred it; a commune: dashed outline), coloured by the AO size
  tier (the colours of `geodata.maps.TIER_COLORS`, as on every tier map);
- `ctg_overlay`: perimeter of each CTG in force, coloured by its status (vaut schéma,
  avenant à prévoir, échéance dans les 12 mois, en vigueur);
- `zones_overlay`: a zoning (saved, or being edited) as dissolved outlines with the zone
  names;
- `qpv_overlay`: communes with a quartier prioritaire (QPV 2024 list: no positions are
  published for the quartiers, only their communes);
- `structures_overlay`: structures (EAJE, RPE, LAEP…) with coordinates, as points sized
  by their places.

Every builder returns a `geodata.maps.Overlay` whose data is a pre-serialised GeoJSON string
(immutable, cacheable) with a `tip` property (plain text, escaped by the browser) and its
legend entries and credit. `geometries` is a frame with columns `code_insee` (or `code`)
and `geometry` (EPSG:4326): the commune polygons of the map. Pass `placed=True` when they
were already placed for the map (DROM insets of national maps, `geodata.layers.drawn`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from diagnostics import ao
from diagnostics.formatting import ctg_title, fmt_number
from geodata import layers
from geodata.maps import TIER_COLORS, Overlay

AO, CTG, ZONES, QPV, STRUCTURES = "ao", "ctg", "zones", "qpv", "structures"
#: Overlay keys in the order of the layer control (also their order in the URL).
OVERLAY_KEYS = (AO, CTG, ZONES, QPV, STRUCTURES)
OVERLAY_LABELS = {
    AO: "Compétence AO",
    CTG: "CTG",
    ZONES: "Zones prioritaires",
    QPV: "QPV 2024",
    STRUCTURES: "Structures",
}

AO_DASH_COMMUNE = "5 4"
AO_WEIGHT = 2.6

CTG_VAUT_SCHEMA = "CTG valant schéma"
CTG_AVENANT = "Avenant à prévoir"
CTG_ECHEANCE = "Se termine dans les 12 mois"
CTG_EN_VIGUEUR = "En vigueur, sans autre statut"
#: Same hues as the AO statuses of the « Compétences AO et CTG » page.
CTG_STATUS_COLORS = {
    CTG_VAUT_SCHEMA: "#1a9850",
    CTG_AVENANT: "#f4a53c",
    CTG_ECHEANCE: "#8e63b5",
    CTG_EN_VIGUEUR: "#35978f",
}

ZONE_COLOR = "#b2182b"
QPV_COLOR = "#e7298a"
STRUCTURE_COLORS = {
    "EAJE": "#e07b39",
    "RPE": "#1f78b4",
    "LAEP": "#33a02c",
    "ALSH": "#6a3d9a",
    "CS": "#b15928",
    "EVS": "#a6761d",
}
STRUCTURE_LABELS = {
    "EAJE": "EAJE (taille selon les places)",
    "RPE": "Relais petite enfance (RPE)",
    "LAEP": "Lieu d'accueil enfants-parents (LAEP)",
    "ALSH": "Accueil de loisirs (ALSH)",
    "CS": "Centre social",
    "EVS": "Espace de vie sociale (EVS)",
}
POINT_MIN_RADIUS = 2.5
POINT_MAX_RADIUS = 9.0


def _codes(geometries: gpd.GeoDataFrame) -> pd.Series:
    col = "code_insee" if "code_insee" in geometries else "code"
    return geometries[col].astype(str)


def _union(geoms: Sequence[object]) -> object:
    arr = np.asarray(list(geoms), dtype=object)
    return arr[0] if len(arr) == 1 else shapely.union_all(arr)


def dissolve(
    geometries: gpd.GeoDataFrame, groups: Mapping[str, Sequence[str]]
) -> dict[str, object]:
    """Union of the commune polygons of each group (group id -> commune codes); groups with
    no polygon among `geometries` are left out."""
    by_code = dict(zip(_codes(geometries), geometries.geometry.values, strict=True))
    out: dict[str, object] = {}
    for gid, codes in groups.items():
        parts = [by_code[c] for c in dict.fromkeys(codes) if c in by_code]
        if parts:
            out[gid] = _union(parts)
    return out


def _frame(rows: list[dict], crs: object) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=crs)
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def _geojson(frame: gpd.GeoDataFrame, properties: tuple[str, ...]) -> str:
    if frame.empty:
        return '{"type":"FeatureCollection","features":[]}'
    return layers.to_geojson(frame, properties=properties)


# ------------------------------------------------------------------------ AO competence
def ao_competence_overlay(
    geometries: gpd.GeoDataFrame,
    commune_layers: pd.DataFrame,
    *,
    credit: str = "",
    placed: bool = False,
) -> Overlay:
    """Who holds the planning competence: one outline per AO holding it (`commune_layers`:
    `diagnostics.ao.commune_layers`, columns code_insee, titulaire_planification, ao_planification,
    strate). An EPCI holder is drawn as the solid outline of the communes that transferred
    the competence, a commune holder dashed; the colour is the AO size tier. Communes of
    3,500 inhabitants or fewer, which hold no planning competence, are not drawn."""
    crs = geometries.crs
    holders = commune_layers.loc[
        commune_layers["titulaire_planification"].isin(list(ao.HOLDER_LABELS.values()))
    ]
    groups: dict[str, list[str]] = {}
    facts: dict[str, tuple[str, str, str]] = {}
    for r in holders.itertuples(index=False):
        gid = f"{r.titulaire_planification}|{r.ao_planification}"
        groups.setdefault(gid, []).append(str(r.code_insee))
        facts[gid] = (str(r.titulaire_planification), str(r.ao_planification), str(r.strate))
    shapes = dissolve(geometries, groups)
    rows = []
    for gid, geom in shapes.items():
        kind, name, tier = facts[gid]
        n = len(groups[gid])
        epci = kind == ao.HOLDER_LABELS[ao.HOLDER_EPCI]
        tip = (
            f"Planification : {name} ({'EPCI' if epci else 'commune'})\n"
            f"Strate de l'AO : {tier}\n"
            + (
                f"{fmt_number(n)} commune(s) ayant transféré la compétence"
                if epci
                else "La commune exerce la compétence"
            )
        )
        rows.append(
            {
                "tip": tip,
                "couleur": TIER_COLORS.get(tier, "#555555"),
                "trait": "" if epci else AO_DASH_COMMUNE,
                "geometry": geom,
            }
        )
    frame = _frame(rows, crs)
    tiers = {facts[gid][2] for gid in shapes}
    legend = tuple((c, f"AO de {t} habitants") for t, c in TIER_COLORS.items() if t in tiers)
    legend += (
        ("#555555", "Trait plein : EPCI titulaire (compétence transférée)"),
        ("#555555", "Tirets : commune titulaire"),
    )
    return Overlay(
        data=_geojson(frame, ("tip", "couleur", "trait")),
        name=OVERLAY_LABELS[AO],
        key=AO,
        stroke="#555555",
        weight=AO_WEIGHT,
        tooltip_column="tip",
        color_property="couleur",
        dash_property="trait",
        legend=legend,
        legend_title="Titulaire de la planification (strate de l'AO)",
        credit=credit,
        placed=placed,
        n_features=len(frame),
    )


# --------------------------------------------------------------------------------- CTG
def ctg_status(ctg: ao.Ctg, commune_layers: pd.DataFrame, reference_date: date) -> str | None:
    """Status drawn for a CTG at `reference_date` (None when it is not in force): it ends
    within 12 months; else an avenant is due for an AO it covers; else every AO holding
    planning on its communes is « CTG vaut schéma »; else in force."""
    phase = ao.ctg_phase(ctg, reference_date)
    if phase == "expiree":
        return None
    if ctg.date_debut is not None and ctg.date_debut > pd.Timestamp(reference_date):
        return None
    if phase == "fin_proche":
        return CTG_ECHEANCE
    covered = commune_layers.loc[
        commune_layers["code_insee"].astype(str).isin(list(ctg.communes_couvertes))
    ]
    statuses = set(covered["statut"].astype(str))
    if ao.STATUS_LABELS[ao.ST_AVENANT] in statuses:
        return CTG_AVENANT
    concerned = statuses - {ao.STATUS_LABELS[ao.ST_NON_CONCERNE]}
    if concerned and concerned == {ao.STATUS_LABELS[ao.ST_VAUT_SCHEMA]}:
        return CTG_VAUT_SCHEMA
    return CTG_EN_VIGUEUR


def _date(ts: pd.Timestamp | None) -> str:
    return "—" if ts is None else ts.strftime("%d/%m/%Y")


def ctg_overlay(
    geometries: gpd.GeoDataFrame,
    ctgs: Sequence[ao.Ctg],
    commune_layers: pd.DataFrame,
    reference_date: date,
    *,
    credit: str = "",
    placed: bool = False,
) -> Overlay:
    """Perimeter of each CTG in force at `reference_date` (union of the communes it covers),
    coloured by `ctg_status`; expired and future CTG are not drawn."""
    groups, status = {}, {}
    for c in ctgs:
        s = ctg_status(c, commune_layers, reference_date)
        if s is not None:
            groups[c.id_ctg] = list(c.communes_couvertes)
            status[c.id_ctg] = s
    shapes = dissolve(geometries, groups)
    by_id = {c.id_ctg: c for c in ctgs}
    rows = []
    for cid, geom in shapes.items():
        c = by_id[cid]
        tip = (
            f"{ctg_title(c.nom) if c.nom else f'CTG {cid}'} ({cid})\n{status[cid]}\n"
            f"Du {_date(c.date_debut)} au {_date(c.date_fin)}\n"
            f"{fmt_number(len(c.communes_couvertes))} commune(s) couverte(s)"
        )
        rows.append({"tip": tip, "couleur": CTG_STATUS_COLORS[status[cid]], "geometry": geom})
    frame = _frame(rows, geometries.crs)
    return Overlay(
        data=_geojson(frame, ("tip", "couleur")),
        name=OVERLAY_LABELS[CTG],
        key=CTG,
        stroke=CTG_STATUS_COLORS[CTG_EN_VIGUEUR],
        fill=CTG_STATUS_COLORS[CTG_EN_VIGUEUR],
        fill_opacity=0.12,
        weight=2.2,
        tooltip_column="tip",
        color_property="couleur",
        legend=tuple((c, s) for s, c in CTG_STATUS_COLORS.items() if s in set(status.values())),
        legend_title=f"Périmètres des CTG en vigueur au {reference_date.strftime('%d/%m/%Y')}",
        credit=credit,
        placed=placed,
        n_features=len(frame),
    )


# ------------------------------------------------------------------------------ zones
def zones_overlay(
    geometries: gpd.GeoDataFrame,
    members: pd.DataFrame,
    zoning_name: str,
    *,
    credit: str = "",
    placed: bool = False,
) -> Overlay:
    """The zones of a zoning (`members`: code_insee, zone_id, zone_nom) as dissolved outlines
    with their names written on them."""
    groups: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for r in members.itertuples(index=False):
        groups.setdefault(str(r.zone_id), []).append(str(r.code_insee))
        names[str(r.zone_id)] = str(r.zone_nom)
    shapes = dissolve(geometries, groups)
    rows = [
        {
            "nom": names[zid],
            "tip": f"{names[zid]}\n{fmt_number(len(groups[zid]))} commune(s)\n{zoning_name}",
            "geometry": geom,
        }
        for zid, geom in shapes.items()
    ]
    return _zones(_frame(rows, geometries.crs), zoning_name, credit, placed)


def polygons_overlay(
    polygons: gpd.GeoDataFrame, zoning_name: str, *, credit: str = "", placed: bool = False
) -> Overlay:
    """The zones overlay of already dissolved zones (`diagnostics.zones.dissolve_zones`:
    zone_id, zone_nom, geometry), e.g. the zoning being edited on the zones page."""
    rows = [
        {"nom": str(r.zone_nom), "tip": f"{r.zone_nom}\n{zoning_name}", "geometry": r.geometry}
        for r in polygons.itertuples(index=False)
    ]
    return _zones(_frame(rows, polygons.crs), zoning_name, credit, placed)


def _zones(frame: gpd.GeoDataFrame, zoning_name: str, credit: str, placed: bool) -> Overlay:
    return Overlay(
        data=_geojson(frame, ("nom", "tip")),
        name=OVERLAY_LABELS[ZONES],
        key=ZONES,
        stroke=ZONE_COLOR,
        fill=ZONE_COLOR,
        fill_opacity=0.15,
        weight=3.0,
        tooltip_column="tip",
        label_property="nom",
        legend=((ZONE_COLOR, f"Zone prioritaire — {zoning_name}"),),
        legend_title=OVERLAY_LABELS[ZONES],
        credit=credit,
        placed=placed,
        n_features=len(frame),
    )


# -------------------------------------------------------------------------------- QPV
def qpv_year(qpv: pd.DataFrame) -> int | None:
    """The QPV list drawn: 2024 (the quartiers in force since 1 January 2024) when imported,
    else the latest year."""
    if qpv.empty or "annee" not in qpv:
        return None
    years = pd.to_numeric(qpv["annee"], errors="coerce").dropna().astype(int)
    if years.empty:
        return None
    return 2024 if (years == 2024).any() else int(years.max())


def qpv_overlay(
    geometries: gpd.GeoDataFrame,
    qpv: pd.DataFrame,
    *,
    credit: str = "",
    placed: bool = False,
) -> Overlay:
    """Communes with at least one quartier prioritaire of `qpv_year` (dataset kind « qpv »:
    code_qpv, nom_qpv, annee, code_insee, communes), with the names of their quartiers."""
    year = qpv_year(qpv)
    quartiers: dict[str, list[str]] = {}
    if year is not None:
        rows_year = qpv.loc[pd.to_numeric(qpv["annee"], errors="coerce") == year]
        for r in rows_year.to_dict("records"):
            codes = [c.strip() for c in str(r.get("communes") or "").split(";") if c and c.strip()]
            main = r.get("code_insee")
            if not codes and isinstance(main, str) and main:
                codes = [main]
            name = str(r.get("nom_qpv") or r.get("code_qpv") or "")
            for c in codes:
                quartiers.setdefault(c, [])
                if name not in quartiers[c]:
                    quartiers[c].append(name)
    shapes = dissolve(geometries, {c: [c] for c in quartiers})
    rows = []
    for code, geom in shapes.items():
        names = quartiers[code]
        shown = ", ".join(names[:5]) + (f" et {len(names) - 5} autre(s)" if len(names) > 5 else "")
        rows.append({"tip": f"{fmt_number(len(names))} QPV {year} : {shown}", "geometry": geom})
    frame = _frame(rows, geometries.crs)
    return Overlay(
        data=_geojson(frame, ("tip",)),
        name=OVERLAY_LABELS[QPV],
        key=QPV,
        stroke=QPV_COLOR,
        fill=QPV_COLOR,
        fill_opacity=0.3,
        weight=1.6,
        dash="2 3",
        tooltip_column="tip",
        legend=((QPV_COLOR, f"Commune ayant au moins un QPV ({year or '—'})"),),
        legend_title=f"Quartiers prioritaires {year or ''}".strip(),
        credit=credit,
        placed=placed,
        n_features=len(frame),
    )


# ------------------------------------------------------------------------- structures
def point_radius(places: pd.Series) -> pd.Series:
    """Circle radius (pixels) of each structure: area proportional to its places, from
    POINT_MIN_RADIUS (no places, or very few) to POINT_MAX_RADIUS (the largest shown)."""
    p = pd.to_numeric(places, errors="coerce").fillna(0).clip(lower=0).astype(float)
    biggest = float(p.max()) if len(p) else 0.0
    if biggest <= 0:
        return pd.Series(POINT_MIN_RADIUS, index=p.index)
    scale = (p / biggest).map(math.sqrt)
    return (POINT_MIN_RADIUS + (POINT_MAX_RADIUS - POINT_MIN_RADIUS) * scale).round(1)


def structures_overlay(
    structures: pd.DataFrame,
    codes: Sequence[str] | None = None,
    *,
    credit: str = "",
    place: object = None,
) -> Overlay:
    """Structures of the communes `codes` (all when None) that have coordinates, as points
    coloured by type and sized by places (`point_radius`). `place`: function placing a
    frame for the map (e.g. `geodata.layers.drawn` with the territory), or None."""
    frame = structures
    if codes is not None and "code_insee" in frame:
        frame = frame.loc[frame["code_insee"].astype(str).isin(set(map(str, codes)))]
    lat = pd.to_numeric(frame.get("latitude"), errors="coerce")
    lon = pd.to_numeric(frame.get("longitude"), errors="coerce")
    ok = lat.notna() & lon.notna() if len(frame) else pd.Series(dtype=bool)
    frame = frame.loc[ok]
    lat, lon = lat[ok], lon[ok]
    places = frame["places"] if "places" in frame else pd.Series(np.nan, index=frame.index)
    kinds = frame["type_structure"].astype(str) if len(frame) else pd.Series(dtype=str)
    tips = [
        f"{nom}\n{kind}" + (f" · {fmt_number(p)} places" if pd.notna(p) else "")
        for nom, kind, p in zip(frame.get("nom", kinds), kinds, places, strict=True)
    ]
    gdf = gpd.GeoDataFrame(
        {
            "tip": tips,
            "couleur": [STRUCTURE_COLORS.get(k, "#666666") for k in kinds],
            "rayon": point_radius(places).to_numpy() if len(frame) else [],
        },
        geometry=gpd.points_from_xy(lon.to_numpy(), lat.to_numpy()),
        crs="EPSG:4326",
    )
    if callable(place) and not gdf.empty:
        gdf = place(gdf)
    present = [k for k in STRUCTURE_COLORS if k in set(kinds)]
    return Overlay(
        data=_geojson(gdf, ("tip", "couleur", "rayon")),
        name=OVERLAY_LABELS[STRUCTURES],
        key=STRUCTURES,
        kind="points",
        stroke="#5a3a1a",
        fill=STRUCTURE_COLORS["EAJE"],
        fill_opacity=0.75,
        tooltip_column="tip",
        color_property="couleur",
        radius_property="rayon",
        legend=tuple((STRUCTURE_COLORS[k], STRUCTURE_LABELS[k]) for k in present),
        legend_title="Structures (coordonnées connues)",
        credit=credit,
        placed=True,
        n_features=len(gdf),
    )
