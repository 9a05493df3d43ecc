"""AO size tiers of communes (autorité organisatrice de l'accueil du jeune enfant).

Law (CASF L.214-1-3, loi pour le plein emploi): every commune takes stock of needs and
informs families; above 3,500 inhabitants it also plans the offer and supports quality;
above 10,000 the AO holding planning must adopt a schéma pluriannuel (or be covered by a
CTG that stands in for it).

Which population: by default the INSEE *population municipale* millésime 2023 shipped in
data/reference (populations légales in force on 1 January 2026). The decree reads the
thresholds against the *population totale*; it is usually a little larger, so a commune
just under a threshold in population municipale may be above it in population totale.
When the user imports a `population` dataset of type « totale », diagnostics/ao.py uses it
instead and says so. Tiers here are pure functions of whatever population is passed in.
"""

from __future__ import annotations

import pandas as pd

SEUIL_PLANIFICATION = 3_500
SEUIL_SCHEMA = 10_000

TIER_SMALL = "moins de 3 500"
TIER_MEDIUM = "3 500 à 10 000"
TIER_LARGE = "plus de 10 000"
TIERS = (TIER_SMALL, TIER_MEDIUM, TIER_LARGE)
TIER_DESCRIPTIONS = {
    TIER_SMALL: "Recenser les besoins, informer et accompagner les familles",
    TIER_MEDIUM: "+ planifier le développement de l'offre et soutenir la qualité",
    TIER_LARGE: "+ schéma pluriannuel (ou CTG en tenant lieu) et relais petite enfance au 1er janvier 2026",
}


def ao_tier(population: float | int | None) -> str | None:
    """Tier label for one population. « plus de 10 000 » means strictly more than 10,000
    (the law says « plus de »); exactly 3,500 stays in the small tier for the same reason."""
    if population is None or pd.isna(population):
        return None
    if population > SEUIL_SCHEMA:
        return TIER_LARGE
    if population > SEUIL_PLANIFICATION:
        return TIER_MEDIUM
    return TIER_SMALL


def ao_tiers(population: pd.Series) -> pd.Series:
    """Vectorised `ao_tier`: an ordered categorical Series with the same index (missing -> NA)."""
    pop = pd.to_numeric(population, errors="coerce")
    out = pd.Series(pd.NA, index=pop.index, dtype="object")
    out[pop.notna()] = TIER_SMALL
    out[pop > SEUIL_PLANIFICATION] = TIER_MEDIUM
    out[pop > SEUIL_SCHEMA] = TIER_LARGE
    return pd.Series(pd.Categorical(out, categories=list(TIERS), ordered=True), index=pop.index)
