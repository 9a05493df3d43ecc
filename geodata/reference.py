"""Reference tables of the French administrative geography (COG 2025).

Plain loaders, no caching (the UI adds `st.cache_data` in `ui/cache.py`). Codes are strings.
Population: `population` is the INSEE *population municipale* millésime 2023 (populations
légales in force on 1 January 2026): it is the population the law's AO thresholds are read
against in this app unless the user imports a *population totale* (see diagnostics/ao.py).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

# Re-exported: datastore may import geodata.reference only (tests/unit/test_architecture.py).
from geodata.plm import (
    ARRONDISSEMENT_PARENT,
    PLM_CITIES,
    arrondissement_name,
)
from geodata.territory import Geography, qualified_names

__all__ = [
    "ARRONDISSEMENT_PARENT",
    "PLM_CITIES",
    "arrondissement_name",
]  # re-exported for datastore

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "data" / "reference"
BUILT_DIR = ROOT / "geodata" / "built"

COMMUNES_FILE = REFERENCE_DIR / "communes_2025.parquet"
EPCI_FILE = REFERENCE_DIR / "epci_2025.parquet"
DEPARTEMENTS_FILE = REFERENCE_DIR / "departements_2025.parquet"
DENSITE_FILE = REFERENCE_DIR / "insee_grille_densite_7niveaux_2024.csv"

COG_YEAR = 2025
POPULATION_YEAR = 2023
POPULATION_LABEL = "population municipale 2023 (INSEE, populations légales)"

DENSITY_LABELS = {
    1: "Grands centres urbains",
    2: "Centres urbains intermédiaires",
    3: "Petites villes",
    4: "Ceintures urbaines",
    5: "Bourgs ruraux",
    6: "Rural à habitat dispersé",
    7: "Rural à habitat très dispersé",
}
DENSITY_GROUPS = {
    1: "dense",
    2: "intermédiaire",
    3: "intermédiaire",
    4: "intermédiaire",
    5: "rural",
    6: "rural",
    7: "rural",
}

_COMMUNE_COLUMNS = {
    "insee_com": "code_insee",
    "nom": "nom",
    "dep": "dep",
    "dep_nom": "dep_nom",
    "reg": "reg",
    "reg_nom": "reg_nom",
    "epci_siren": "siren_epci",
    "epci_nom": "epci_nom",
    "epci_type": "epci_type",
    "pmun_2023": "population",
    "dens7_2024": "dens7",
    "dens7_2024_lib": "dens7_lib",
}


def communes_table() -> pd.DataFrame:
    """One row per commune (COG 2025, 34,875 rows), without geometry.

    Columns: code_insee, nom, dep, dep_nom, reg, reg_nom, siren_epci, epci_nom, epci_type,
    population (Int64), dens7 (Int64, null for 8 communes created in 2025), dens7_lib.
    """
    df = pd.read_parquet(COMMUNES_FILE, columns=list(_COMMUNE_COLUMNS))
    df = df.rename(columns=_COMMUNE_COLUMNS)
    for col in ("code_insee", "dep", "reg", "siren_epci"):
        df[col] = df[col].astype("string")
    df["siren_epci"] = df["siren_epci"].replace("", pd.NA)
    return df.sort_values("code_insee").reset_index(drop=True)


def epci_table() -> pd.DataFrame:
    """One row per EPCI: siren_epci, nom, epci_type, population, n_communes, deps."""
    df = pd.read_parquet(
        EPCI_FILE,
        columns=["epci_siren", "epci_nom", "epci_type", "pmun_2023", "n_communes", "deps"],
    )
    df = df.rename(
        columns={"epci_siren": "siren_epci", "epci_nom": "nom", "pmun_2023": "population"}
    )
    df["siren_epci"] = df["siren_epci"].astype("string")
    return df.sort_values("siren_epci").reset_index(drop=True)


def departements_table() -> pd.DataFrame:
    """One row per département: dep, nom, reg, reg_nom, population, n_communes."""
    df = pd.read_parquet(
        DEPARTEMENTS_FILE, columns=["dep", "dep_nom", "reg", "reg_nom", "pmun_2023", "n_communes"]
    )
    df = df.rename(columns={"dep_nom": "nom", "pmun_2023": "population"})
    return df.sort_values("dep").reset_index(drop=True)


def regions_table() -> pd.DataFrame:
    """One row per région, aggregated from the départements."""
    dep = departements_table()
    reg = dep.groupby(["reg", "reg_nom"], as_index=False).agg(
        population=("population", "sum"),
        n_communes=("n_communes", "sum"),
        n_departements=("dep", "count"),
    )
    return reg.rename(columns={"reg_nom": "nom"}).sort_values("reg").reset_index(drop=True)


def load_geography() -> Geography:
    """The four reference tables as one Geography (the app caches it in ui/cache.py).

    Commune names shared by several communes carry their département (« Saint-Denis (93) »,
    `geodata.territory.qualified_names`) so that every title, selector, table and PDF built from
    the geography names them unambiguously; `nom_cog` keeps the COG spelling (search, matching
    of names in imported files, which read `communes_table` itself)."""
    communes = communes_table()
    communes.insert(2, "nom_cog", communes["nom"])
    communes["nom"] = qualified_names(communes["nom"], communes["dep"])
    return Geography(
        communes=communes,
        epci=epci_table(),
        departements=departements_table(),
        regions=regions_table(),
    )


def read_geometries(
    path: Path, columns: list[str] | None = None, filters: list | None = None
) -> gpd.GeoDataFrame:
    """Read a GeoParquet file (optionally filtered on attributes, e.g. [("dep", "==", "69")])."""
    return gpd.read_parquet(path, columns=columns, filters=filters)
