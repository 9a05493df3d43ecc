"""Coverage of a territory: published CNAF rates of the territory and of the levels above
it, and the ranking of its sub-territories (« Taux de couverture »).

Pure: ui/couverture.py caches the prepared frames (`coverage_data`) and the page's
`territory_coverage`, and renders them; the results are frozen and never mutated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from datastore.store import Dataset, DatasetMeta
from diagnostics import coverage as cv
from diagnostics.coverage import Place
from geodata.territory import Geography, Level, Territory, communes_of, parents


@dataclass(frozen=True)
class CoverageData:
    """Workspace frames used by the page, with the nature of each row."""

    taux: pd.DataFrame
    places: pd.DataFrame
    enfants: pd.DataFrame | None  # INSEE children under 3 (real files only)
    metas: dict[str, tuple[DatasetMeta, ...]] = field(default_factory=dict)  # niveau -> metas

    @property
    def years(self) -> list[int]:
        return cv.years_available(self.taux)


def _metas_by_level(frame: pd.DataFrame, metas: Sequence[DatasetMeta]) -> dict[str, tuple]:
    by_id = {m.id: m for m in metas}
    out: dict[str, tuple] = {}
    if frame.empty or "dataset_id" not in frame:
        return out
    pairs = frame[["niveau", "dataset_id"]].drop_duplicates()
    for niveau, ids in pairs.groupby("niveau")["dataset_id"]:
        out[str(niveau)] = tuple(by_id[int(i)] for i in ids if int(i) in by_id)
    return out


def chain_for(geo: Geography, territory: Territory) -> list[Place]:
    """The territory, then its EPCI, département and France (région only for a région)."""
    out = [Place(territory.level.value, territory.code, territory.name)]
    for up in parents(geo, territory):
        if up.level is Level.REGION:
            continue
        out.append(Place(up.level.value, up.code, up.name))
    return out


def units_for(geo: Geography, territory: Territory, level: Level) -> pd.DataFrame:
    """Sub-territories of `level` drawn for `territory` (code, nom, population, parents)."""
    communes = communes_of(geo, territory)
    if territory.level is Level.COMMUNE:
        siren = communes["siren_epci"].iloc[0] if not communes.empty else None
        if isinstance(siren, str) and siren:
            communes = geo.communes.loc[geo.communes["siren_epci"] == siren].copy()
    if level is Level.COMMUNE:
        out = communes.rename(columns={"code_insee": "code"})
        return out[["code", "nom", "siren_epci", "epci_nom", "dep", "reg", "population"]].copy()
    col, table = {
        Level.EPCI: ("siren_epci", geo.epci),
        Level.DEPARTEMENT: ("dep", geo.departements),
        Level.REGION: ("reg", geo.regions),
    }[level]
    codes = communes[col].dropna().astype(str).unique()
    out = table.loc[table[col].astype(str).isin(codes), [col, "nom", "population"]]
    return out.rename(columns={col: "code"}).reset_index(drop=True)


def communes_for_estimates(geo: Geography, chain: Sequence[Place]) -> dict[str, pd.DataFrame]:
    """Communes (code_insee, population) of each level above the commune, for estimates."""
    out = {}
    for place in chain:
        if place.niveau in ("commune", "france"):
            continue
        t = Territory(Level(place.niveau), place.code, place.nom)
        out[f"{place.niveau}:{place.code}"] = communes_of(geo, t)[["code_insee", "population"]]
    return out


def unit_parents(territory: Territory, chain: Sequence[Place]) -> list[Place]:
    """Enclosing territories of the ranking units (nearest first) for parent-rate estimates.

    Units lie inside the territory, except for a commune, whose map shows the communes of its
    EPCI: their parents then start above the commune.
    """
    return list(chain[1:]) if territory.level is Level.COMMUNE else list(chain)


def coverage_data(taux: Dataset, places: Dataset, enfants: Dataset) -> CoverageData:
    """The prepared frames of the coverage page (rates and places with their nature; INSEE
    children under 3 only when a real file is imported)."""
    real_enfants = None
    if not enfants.empty and not enfants.is_synthetic:
        real_enfants = enfants.frame
    return CoverageData(
        taux=cv.prepare(cv.with_nature(taux.frame, taux.metas)),
        places=cv.prepare(cv.with_nature(places.frame, places.metas)),
        enfants=real_enfants,
        metas=_metas_by_level(taux.frame, taux.metas),
    )


def national_rates(data: CoverageData) -> dict[int, float]:
    """The published national rate of each year (NaN when the national file is missing)."""
    return {y: cv.national_rate(data.taux, y)[0] for y in data.years}


@dataclass(frozen=True)
class TerritoryCoverage:
    """What the page shows for one territory, year and map level."""

    year: int
    national: float  # NaN when the national file is not imported
    national_nature: str
    chain: tuple[Place, ...]  # the territory, then its EPCI, département and France
    figures: pd.DataFrame  # cv.comparison over `chain`
    level: Level  # of the ranking units
    rank: pd.DataFrame  # cv.ranking of the sub-territories of `level`


def territory_coverage(
    geo: Geography,
    data: CoverageData,
    territory: Territory,
    year: int,
    level: Level,
    *,
    estimate: bool,
    target: float,
) -> TerritoryCoverage:
    """Figures of the territory and its parents, and the ranking of its sub-territories."""
    national, nature = cv.national_rate(data.taux, year)
    chain = chain_for(geo, territory)
    figures = cv.comparison(
        data.taux,
        data.places,
        chain,
        year,
        estimate=estimate,
        communes_by_place=communes_for_estimates(geo, chain) if estimate else None,
    )
    rank = cv.ranking(
        data.taux,
        data.places,
        level.value,
        units_for(geo, territory, level),
        year,
        national=national,
        target=target,
        estimate=estimate,
        parent_chain=unit_parents(territory, chain),
        enfants=data.enfants,
        communes=geo.communes if estimate else None,
    )
    return TerritoryCoverage(year, national, nature, tuple(chain), figures, level, rank)
