"""The single caching boundary of the app.

Core functions (geodata, datastore, diagnostics) are plain Python; this module wraps them
with `st.cache_data` / `st.cache_resource`, with bounds. Cached objects are never mutated:
`st.cache_data` hands out copies, and `st.cache_resource` only holds read-only objects
(the search index, the workspace handle, the AO analysis, the overlays and their commune
polygons).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from datastore.accounts import Role
from datastore.store import Dataset, Workspace
from diagnostics import filoue
from geodata import reference
from geodata.territory import Geography, SearchIndex
from ui.auth import GuardedWorkspace, require

if TYPE_CHECKING:
    import geopandas as gpd

    from analyses.ao import AoAnalysis
    from geodata.maps import Overlay
    from geodata.territory import Territory


def workspace() -> GuardedWorkspace:
    """The workspace as pages use it: its writes checked against the signed-in user's roles
    (ui.auth.GuardedWorkspace); reads pass through."""
    return GuardedWorkspace(raw_workspace())


@st.cache_resource(show_spinner=False)
def store() -> Workspace:
    """The workspace handle, opened and checked (schema migrated), before the default data:
    the sign-in page reads the accounts without waiting for the first import."""
    return Workspace()


@st.cache_resource(show_spinner="Préparation de l'espace de travail…")
def raw_workspace() -> Workspace:
    """The workspace, filled with the embedded default data on first start (one per process,
    read-only handle: never written to without the checks of `workspace()`)."""
    ws = store()
    try:
        from datastore.defaults import ensure_defaults
    except ImportError:  # defaults not built yet in this checkout
        return ws
    ensure_defaults(ws)
    return ws


def _clear_workspace() -> None:
    """Forget the workspace handles (a changed DIAG_WORKSPACE_DIR, tests): as before the
    guarded handle, `cache.workspace.clear()` clears them."""
    raw_workspace.clear()
    store.clear()


workspace.clear = _clear_workspace  # type: ignore[attr-defined]


@st.cache_resource(show_spinner=False)
def geography() -> Geography:
    """The reference tables, shared (never copied): `st.cache_data` unpickled a fresh copy
    of 8,7 MB at each call, several times per run (0,03 to 0,1 s each, before the page's
    first element). Callers never modify them in place (`communes_of` returns copies)."""
    return reference.load_geography()


@st.cache_resource(show_spinner=False)
def search_index() -> SearchIndex:
    return SearchIndex(geography())


@st.cache_data(show_spinner=False, max_entries=64)
def _dataset(kind: str, revision: int) -> Dataset:  # noqa: ARG001 - Streamlit cache key
    return raw_workspace().read(kind)


@st.cache_data(show_spinner=False, max_entries=4)
def _rates(revision: int) -> Dataset:
    from datastore.national import NATIONAL_KIND, with_national

    return with_national(_dataset("caf_taux", revision), _dataset(NATIONAL_KIND, revision))


def dataset(kind: str) -> Dataset:
    """All rows of a dataset type, cached until the workspace changes. The CNAF rates
    (`caf_taux`) come with the published national series as their « france » level
    (datastore.national)."""
    if kind == "filoue":
        require(Role.FILOUE, "la lecture des données Filoué")
    if kind == "caf_taux":
        return _rates(revision())
    return _dataset(kind, revision())


@st.cache_data(show_spinner=False, max_entries=16)
def _dataset_year(kind: str, year: int, revision: int) -> Dataset:  # noqa: ARG001 - Streamlit cache key
    return raw_workspace().read(kind, millesime=year)


def dataset_year(kind: str, year: int) -> Dataset:
    """One millésime of a dataset type (e.g. the children of one year, not the 2008-2024
    births series), cached until the workspace changes."""
    return _dataset_year(kind, int(year), revision())


def revision() -> int:
    return raw_workspace().revision()


@st.cache_data(show_spinner=False, max_entries=4)
def _latest_national(revision: int) -> tuple[int | None, float]:
    from diagnostics import coverage

    taux = _rates(revision).frame
    years = sorted(
        {int(y) for y in taux.loc[taux["niveau"] == "france", "annee"].dropna()}, reverse=True
    )
    for year in years:
        rate, _nature = coverage.national_rate(taux, year)
        if rate == rate:  # not NaN
            return year, rate
    return None, float("nan")


def latest_national_rate() -> tuple[int | None, float]:
    """(year, rate) of the latest published national coverage rate (latest edition), or
    (None, NaN) when no national rate is imported."""
    return _latest_national(workspace().revision())


# ----------------------------------------------------------------------------- Filoué


@st.cache_data(show_spinner="Agrégation de l'extrait Filoué…", max_entries=2)
def _filoue_prepared(annee: int, revision: int) -> filoue.FilouePrepared:  # noqa: ARG001 - Streamlit cache key
    return filoue.prepare(raw_workspace().read("filoue").frame, annee)


def filoue_prepared(annee: int, revision: int) -> filoue.FilouePrepared:
    """Per-EAJE aggregation of one year of the Filoué extract (once per extract and year),
    for a user holding the Filoué grant only (checked before the shared cache is read)."""
    require(Role.FILOUE, "la lecture des données Filoué")
    return _filoue_prepared(annee, revision)


def filoue_commune_view(
    annee: int, code_insee: str, threshold: int, revision: int
) -> filoue.CommuneView:
    """`_filoue_commune_view`, for a user holding the Filoué grant only."""
    require(Role.FILOUE, "la lecture des données Filoué")
    return _filoue_commune_view(annee, code_insee, threshold, revision)


@st.cache_data(show_spinner="Secret statistique et audit…", max_entries=64)
def _filoue_commune_view(
    annee: int, code_insee: str, threshold: int, revision: int
) -> filoue.CommuneView:
    """Protected figures of one commune: suppression, then the audit of every hidden count
    (diagnostics.secrecy_audit) until each interval is wide enough. Cached per commune and
    threshold: a user switching back and forth pays the audit once, and raising the
    threshold by one reuses the (cached) protection at the threshold below."""
    from diagnostics.secrecy import DEFAULT_THRESHOLD

    previous = None
    if threshold > DEFAULT_THRESHOLD:
        previous = _filoue_commune_view(annee, code_insee, threshold - 1, revision)
    return filoue.commune_view(_filoue_prepared(annee, revision), code_insee, threshold, previous)


# ----------------------------------------------------------------------------- AO analysis


@st.cache_resource(show_spinner="Calcul des statuts des AO…", max_entries=8)
def ao_analysis(territory_key: str, reference_iso: str, revision: int) -> AoAnalysis:  # noqa: ARG001 - Streamlit cache key
    """The AO analysis of a territory at a reference date (analyses.ao.ao_analysis), shared by
    the AO page, the SDSF page and the AO and CTG overlays of every map. A shared resource,
    not a copy: `st.cache_data` unpickled the 47 MB of the France analysis at each read (0,2
    to 0,5 s, several reads per run of a map with both overlays). Read-only: its frames'
    numpy columns refuse writes (analyses.ao.read_only); pages copy before changing a frame
    (tests/apptest/test_shared_geography.py checks that the pages leave it unchanged)."""
    from datetime import date

    from analyses.ao import AoInputs, read_only
    from analyses.ao import ao_analysis as build
    from diagnostics import ao
    from geodata.territory import Level, make_territory

    geo = geography()
    level, _, code = territory_key.partition(":")
    result = build(
        geo,
        make_territory(geo, Level(level), code),
        AoInputs(
            dataset("ctg"),
            dataset("ao_transferts"),
            dataset("population"),
            dataset("ctg_avenants"),
            raw_workspace().documents(ao.CHECKLIST_DOCUMENT_KIND),
        ),
        date.fromisoformat(reference_iso),
    )
    return read_only(result)


# ----------------------------------------------------------------------------- overlays
# The shared geospatial layer (analyses/overlays.py): built once per territory (and
# revision, reference date or zoning), never per page. Each entry is a frozen Overlay whose
# data is a GeoJSON string: immutable, so st.cache_resource hands out the cached object
# itself (st.cache_data unpickled a copy of every overlay, and of the 34,871 commune
# polygons of France twice, on every run of a map with overlays: 2,6 s under cProfile for
# France by EPCI, bench/README.md « Couches à l'échelle de la France »).


@st.cache_resource(show_spinner=False, max_entries=8)
def overlay_geometries(territory_key: str) -> gpd.GeoDataFrame:
    """Commune polygons the overlays of a map of the territory are cut from (as drawn: DROM
    in their insets on national maps). Shared, read-only: callers never modify it."""
    from geodata import layers
    from geodata.territory import Level, Territory

    level, _, code = territory_key.partition(":")
    t = Territory(Level(level), code, "")
    gdf = layers.drawn(layers.geometries(Level.COMMUNE, t), t)
    return gdf.rename(columns={"code": "code_insee"})[["code_insee", "geometry"]]


@st.cache_resource(show_spinner=False, max_entries=8)
def overlay_codes(territory_key: str) -> frozenset[str]:
    """Codes of the communes of `overlay_geometries` (which zonings a map can draw)."""
    return frozenset(overlay_geometries(territory_key)["code_insee"].astype(str).tolist())


def _territory(territory_key: str) -> Territory:
    from geodata.territory import Level, make_territory

    level, _, code = territory_key.partition(":")
    return make_territory(geography(), Level(level), code)


@st.cache_resource(show_spinner="Couche des compétences AO…", max_entries=16)
def ao_overlay(territory_key: str, reference_iso: str, revision: int) -> Overlay | None:
    from analyses import overlays
    from catalogue.sources import credit

    res = ao_analysis(territory_key, reference_iso, revision)
    if res.errors or res.layers.empty:
        return None
    line = " ; ".join(
        dict.fromkeys([*dataset("ao_transferts").credits(), credit("insee_pop_2023")])
    )
    return overlays.ao_competence_overlay(
        overlay_geometries(territory_key), res.layers, credit=line, placed=True
    )


@st.cache_resource(show_spinner="Couche des CTG…", max_entries=16)
def ctg_overlay(territory_key: str, reference_iso: str, revision: int) -> Overlay | None:
    from datetime import date

    from analyses import overlays

    res = ao_analysis(territory_key, reference_iso, revision)
    if res.errors:
        return None
    line = " ; ".join(dict.fromkeys(dataset("ctg").credits() + dataset("ctg_avenants").credits()))
    return overlays.ctg_overlay(
        overlay_geometries(territory_key),
        res.ctgs,
        res.layers,
        date.fromisoformat(reference_iso),
        credit=line,
        placed=True,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def zones_overlay(
    territory_key: str,
    name: str,
    rows: tuple[tuple[str, str, str], ...],
    credit_line: str,
) -> Overlay:
    """Zones of a zoning (rows: code_insee, zone_id, zone_nom) drawn on the territory's map."""
    import pandas as pd

    from analyses import overlays

    members = pd.DataFrame(list(rows), columns=["code_insee", "zone_id", "zone_nom"])
    return overlays.zones_overlay(
        overlay_geometries(territory_key), members, name, credit=credit_line, placed=True
    )


@st.cache_resource(show_spinner="Couche des QPV…", max_entries=16)
def qpv_overlay(territory_key: str, revision: int) -> Overlay:  # noqa: ARG001 - Streamlit cache key
    from analyses import overlays

    ds = dataset("qpv")
    year = overlays.qpv_year(ds.frame)
    metas = [m for m in ds.metas if year is None or m.millesime in (None, year)]
    line = " ; ".join(sorted({m.credit() for m in metas}))
    return overlays.qpv_overlay(
        overlay_geometries(territory_key), ds.frame, credit=line, placed=True
    )


@st.cache_resource(show_spinner="Couche des structures…", max_entries=16)
def structures_overlay(territory_key: str, revision: int) -> Overlay:  # noqa: ARG001 - Streamlit cache key
    from functools import partial

    from analyses import overlays
    from geodata import layers
    from geodata.territory import Level

    territory = _territory(territory_key)
    ds = dataset("structures")
    codes = None
    if territory.level is not Level.FRANCE:
        codes = overlay_geometries(territory_key)["code_insee"].tolist()
    return overlays.structures_overlay(
        ds.frame,
        codes,
        credit=" ; ".join(ds.credits()),
        place=partial(layers.drawn, territory=territory),
    )
