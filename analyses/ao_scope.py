"""The AO scope of a set of communes, built once for the AO page, the zones page and the
pre-diagnostic (page, PDF, batch, workshop).

An AO is judged on all its communes: the planning holder of an EPCI counts the population of
every member, so the scope of a territory is its communes plus every commune of their EPCIs.
The population that the thresholds read is resolved on that scope (an imported population
totale replaces the municipale one, `diagnostics.ao.resolve_population`), and the holders
of the competences are computed at the caller's reference date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from diagnostics import ao
from diagnostics.frames import isin


@dataclass(frozen=True)
class AoScope:
    """The communes an AO analysis reads, and the population of its thresholds."""

    codes: frozenset[str]  # communes of the subject
    communes: pd.DataFrame  # those communes and every commune of their EPCIs (read-only)
    sirens: frozenset[str]  # EPCIs of the subject's communes
    population: pd.Series  # aligned on `communes.index`: the population of the thresholds
    basis: ao.PopulationBasis


def ao_scope(
    communes: pd.DataFrame, codes: Iterable[str], population: pd.DataFrame | None
) -> AoScope:
    """The scope of `codes` within the reference `communes` (code_insee, nom, siren_epci,
    population…), with the population dataset (kind « population ») when one is imported."""
    wanted = frozenset(str(c) for c in codes)
    inside = isin(communes["code_insee"].astype(str), wanted)
    sirens = frozenset(communes.loc[inside, "siren_epci"].dropna().astype(str))
    in_epci = isin(communes["siren_epci"].astype("string"), sirens).fillna(False)
    scope = communes.loc[inside | in_epci].reset_index(drop=True)
    values, basis = ao.resolve_population(scope, population)
    return AoScope(wanted, scope, sirens, values, basis)


def scope_holders(
    scope: AoScope, transfers: pd.DataFrame | None, reference_date: date
) -> pd.DataFrame:
    """Holders of the AO competences of every commune of the scope at `reference_date`
    (`diagnostics.ao.competence_holders`; raises `ao.AoDataError` on unreadable transfers)."""
    return ao.competence_holders(
        scope.communes, transfers, reference_date, population=scope.population
    )


def scope_holders_and_refused(
    scope: AoScope, transfers: pd.DataFrame | None, reference_date: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`scope_holders` and, computed with them, the planning or quality transfers that name a
    commune of 3,500 inhabitants or fewer, not taken into account
    (`diagnostics.ao.holders_and_refused`, CASF L.214-1-3)."""
    return ao.holders_and_refused(
        scope.communes, transfers, reference_date, population=scope.population
    )
