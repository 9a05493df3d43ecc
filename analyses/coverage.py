"""Coverage of a territory: published CNAF rates of the territory and of the levels above
it, and the ranking of its sub-territories (« Taux de couverture »).

Pure: ui/couverture.py caches the prepared frames (`coverage_data`) and the page's
`territory_coverage`, and renders them; the results are frozen and never mutated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from datastore.national import national_sources
from datastore.store import Dataset, DatasetMeta
from diagnostics import coverage as cv
from diagnostics.coverage import Place
from geodata.territory import Geography, Level, Territory, communes_of, parents


@dataclass(frozen=True)
class CoverageData:
    """Workspace frames used by the page, with the nature of each row."""

    taux: pd.DataFrame  # with the published national series as the « france » level
    places: pd.DataFrame
    enfants: pd.DataFrame | None  # INSEE census children under 3 (real files only)
    metas: dict[str, tuple[DatasetMeta, ...]] = field(default_factory=dict)  # niveau -> metas
    national_sources: pd.DataFrame = field(default_factory=pd.DataFrame)  # datastore.national

    @property
    def years(self) -> list[int]:
        return cv.years_available(self.taux)

    @property
    def year_levels(self) -> dict[int, list[str]]:
        """Levels with a rate, per year (the year selector says which scales have which years)."""
        return cv.year_coverage(self.taux)


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


def coverage_data(
    taux: Dataset,
    places: Dataset,
    census: pd.DataFrame | None = None,
    national: Dataset | None = None,
) -> CoverageData:
    """The prepared frames of the coverage page: rates (with the published national series,
    `datastore.national.with_national`) and places with their nature; `census` = children
    under 3 of a real census file (they replace the derived ones); the births estimate is not
    passed here: it only fills the units without any count (`territory_coverage`)."""
    return CoverageData(
        taux=cv.prepare(cv.with_nature(taux.frame, taux.metas)),
        places=cv.prepare(cv.with_nature(places.frame, places.metas)),
        enfants=census,
        metas=_metas_by_level(taux.frame, taux.metas),
        national_sources=national_sources(national.frame)
        if national is not None
        else pd.DataFrame(),
    )


def national_rates(data: CoverageData) -> dict[int, float]:
    """The published national rate of each year (NaN when the national file is missing)."""
    return {y: cv.national_rate(data.taux, y)[0] for y in data.years}


@dataclass(frozen=True)
class TerritoryCoverage:
    """What the page shows for one territory, year and map level. The comparison and the map
    each use ONE edition of the CNAF figures (`edition`, `rank_edition`; docs/donnees.md) and
    the national rate of that edition."""

    year: int
    national: float  # of the comparison's edition; NaN when the national rate is not imported
    national_nature: str
    chain: tuple[Place, ...]  # the territory, then its EPCI, département and France
    figures: pd.DataFrame  # cv.comparison over `chain`
    level: Level  # of the ranking units
    rank: pd.DataFrame  # cv.ranking of the sub-territories of `level`
    edition: str = ""  # of the comparison ('' when no figure says it)
    rank_edition: str = ""  # of the map and ranking
    rank_national: float = math.nan  # national rate of `rank_edition`


#: How the children under 3 estimated from births are described wherever they fill a figure.
BIRTHS_CHILDREN_METHOD = (
    "Enfants de moins de 3 ans : estimation (naissances domiciliées, Insee), naissances de N-2, "
    "N-1 et N additionnées sur les communes du territoire ; jamais à la place d'un chiffre Cnaf."
)

#: The births estimate of a year per unit of a level (code -> children), e.g. a cached lookup
#: of ui/couverture; None when the workspace has no estimate.
ChildrenOf = Callable[[Level], "pd.Series | None"]


def with_children_estimate(figures: pd.DataFrame, children_of: ChildrenOf) -> pd.DataFrame:
    """Figures whose children are unknown (département and France files give rates only)
    with the births estimate of their communes (France: hors Mayotte, as the CNAF rate)."""
    out = figures.copy()
    levels = {lv.value for lv in Level}
    for i, r in out.iterrows():
        if pd.notna(r["enfants_moins_3"]) or r["niveau"] not in levels:
            continue
        if r["niveau"] == "france":
            est = children_of(Level.DEPARTEMENT)
            value = float(est.drop("976", errors="ignore").sum()) if est is not None else math.nan
        else:
            est = children_of(Level(r["niveau"]))
            value = float(est.get(str(r["code"]), math.nan)) if est is not None else math.nan
        if pd.notna(value) and value > 0:
            out.at[i, "enfants_moins_3"] = value
            out.at[i, "enfants_methode"] = BIRTHS_CHILDREN_METHOD
    return out


def with_region_estimates(
    figures: pd.DataFrame,
    taux: pd.DataFrame,
    geo: Geography,
    year: int,
    departement_children: Mapping[str, float] | pd.Series | None,
    national: float = math.nan,
) -> pd.DataFrame:
    """Région rows replaced by the estimate from their départements (cv.region_estimate):
    asked for by the « Afficher une estimation » toggle only; without it a région has no rate."""
    regions = figures.index[figures["niveau"] == "region"]
    if len(regions) == 0 or departement_children is None:
        return figures
    deps = geo.departements.groupby(geo.departements["reg"].astype(str))["dep"].apply(list)
    out = figures.copy()
    for i in regions:
        r = out.loc[i]
        place = Place("region", str(r["code"]), str(r["nom"]))
        est = cv.region_estimate(taux, place, year, deps.get(place.code, []), departement_children)
        for col, value in est.items():
            if col in out.columns:
                out.at[i, col] = value
    if "ratio_national" in out:  # a ranking: its ratio classes follow the new rates
        out["ratio_national"] = cv.ratio_to_national(out["tx_global"], national)
        out["classe"] = cv.ratio_class(out["ratio_national"]).astype("string")
    return out


def territory_coverage(
    geo: Geography,
    data: CoverageData,
    territory: Territory,
    year: int,
    level: Level,
    *,
    estimate: bool,
    target: float,
    edition: str | None = None,
    children_of: ChildrenOf | None = None,
) -> TerritoryCoverage:
    """Figures of the territory and its parents, and the ranking of its sub-territories.

    One edition for the comparison (`cv.comparison_edition`: `edition` where the year has it,
    else the territory's own) and one for the map level (`cv.level_edition`), each with the
    national rate of that edition. `children_of` (births estimate per level) fills the
    children of the figures and units without any count, and weights the région estimate."""
    chain = chain_for(geo, territory)
    fig_edition = cv.comparison_edition(data.taux, chain[0], year, edition)
    fig_taux = cv.at_edition(data.taux, fig_edition or None)
    national, nature = cv.national_rate(fig_taux, year)
    figures = cv.comparison(
        fig_taux,
        data.places,
        chain,
        year,
        estimate=estimate,
        communes_by_place=communes_for_estimates(geo, chain) if estimate else None,
    )
    children = children_of or (lambda _level: None)
    if estimate:
        figures = with_region_estimates(figures, fig_taux, geo, year, children(Level.DEPARTEMENT))
    figures = with_children_estimate(figures, children)
    rank_edition = cv.level_edition(data.taux, level.value, year, edition)
    rank_taux = cv.at_edition(data.taux, rank_edition or None)
    rank_national = cv.national_rate(rank_taux, year)[0]
    rank = cv.ranking(
        rank_taux,
        data.places,
        level.value,
        units_for(geo, territory, level),
        year,
        national=rank_national,
        target=target,
        estimate=estimate,
        parent_chain=unit_parents(territory, chain),
        enfants=data.enfants,
        communes=geo.communes if estimate else None,
        children=children(level),
        children_method=BIRTHS_CHILDREN_METHOD,
    )
    if estimate:
        rank = with_region_estimates(
            rank, rank_taux, geo, year, children(Level.DEPARTEMENT), rank_national
        )
    return TerritoryCoverage(
        year,
        national,
        nature,
        tuple(chain),
        figures,
        level,
        rank,
        fig_edition,
        rank_edition,
        rank_national,
    )
