"""Key figures of a territory: population, communes, EPCI, density classes, AO tiers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from diagnostics.registry import Indicator
from geodata.reference import DENSITY_LABELS
from geodata.tiers import TIERS, ao_tiers


@dataclass(frozen=True)
class KeyFigures:
    population: int
    n_communes: int
    n_epci: int
    density: pd.DataFrame  # dens7, libelle, communes, population, part_population
    tiers: pd.DataFrame  # tier, communes, population


def population_total(communes: pd.DataFrame) -> int:
    """Sum of the population column (missing counted as 0)."""
    return int(pd.to_numeric(communes["population"], errors="coerce").fillna(0).sum())


def density_breakdown(communes: pd.DataFrame) -> pd.DataFrame:
    """Communes and population by INSEE density level (1 to 7, plus 'non classée')."""
    pop = pd.to_numeric(communes["population"], errors="coerce").fillna(0)
    df = pd.DataFrame({"dens7": communes["dens7"].astype("Int64"), "population": pop})
    g = df.groupby("dens7", dropna=False).agg(
        communes=("population", "size"), population=("population", "sum")
    )
    g = g.reset_index()
    g["libelle"] = g["dens7"].map(
        lambda d: DENSITY_LABELS.get(int(d), "?") if pd.notna(d) else "Non classée"
    )
    total = g["population"].sum()
    g["part_population"] = (g["population"] / total * 100) if total else 0.0
    return g[["dens7", "libelle", "communes", "population", "part_population"]]


def tier_breakdown(communes: pd.DataFrame) -> pd.DataFrame:
    """Communes and population per AO size tier (all three tiers always listed)."""
    tiers = ao_tiers(communes["population"])
    df = pd.DataFrame(
        {"tier": tiers, "population": pd.to_numeric(communes["population"], errors="coerce")}
    )
    g = df.groupby("tier", observed=False).agg(
        communes=("population", "size"), population=("population", "sum")
    )
    return g.reindex(list(TIERS)).fillna(0).astype({"communes": int}).reset_index()


def key_figures(communes: pd.DataFrame) -> KeyFigures:
    epci = communes["siren_epci"].dropna()
    return KeyFigures(
        population=population_total(communes),
        n_communes=len(communes),
        n_epci=int(epci[epci != ""].nunique()),
        density=density_breakdown(communes),
        tiers=tier_breakdown(communes),
    )


INDICATORS = (
    Indicator(
        "population",
        "Population municipale",
        "habitants",
        ("insee_pop_2023",),
        population_total,
        "Somme des populations municipales 2023 des communes du territoire.",
    ),
    Indicator(
        "densite_communes",
        "Communes par niveau de densité",
        "communes",
        ("insee_densite_2024",),
        density_breakdown,
        "Répartition des communes et de la population selon la grille INSEE à 7 niveaux.",
    ),
    Indicator(
        "strates_ao",
        "Communes par strate d'autorité organisatrice",
        "communes",
        ("insee_pop_2023",),
        tier_breakdown,
        "Moins de 3 500, 3 500 à 10 000, plus de 10 000 habitants (population municipale).",
    ),
)
