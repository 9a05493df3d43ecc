"""The AO analysis of a territory: who holds each AO competence, the status of each AO
against the CTG covering it, and those CTG, at a reference date (« Compétences AO et CTG »).

Pure: ui/cache.py caches the result as a shared resource (`st.cache_resource`: every session
and every map's AO and CTG overlays read the same object) and ui/ao.py renders it. It is
immutable: a frozen dataclass whose frames are never mutated after they are returned
(`read_only` marks their numpy columns read-only; callers that need to change a frame copy it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

import pandas as pd

from analyses.ao_scope import ao_scope, scope_holders_and_refused
from catalogue.sources import credit
from datastore.store import Dataset
from diagnostics import ao, frames
from diagnostics.frames import cells, isin
from geodata.territory import Geography, Territory, communes_of


@dataclass(frozen=True)
class AoInputs:
    """The datasets an AO analysis reads (datastore.kinds: Analysis.AO), and the décret
    checklists of the CTG (workspace documents « checklist_ctg »: id_ctg -> payload)."""

    ctg: Dataset
    transfers: Dataset  # kind « ao_transferts »
    population: Dataset  # kind « population » (a population totale replaces the municipale)
    avenants: Dataset | None = None  # kind « ctg_avenants »
    checklists: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AoAnalysis:
    """Everything the page shows for one territory and reference date."""

    reference_date: date
    holders: pd.DataFrame  # communes of the territory (diagnostics.ao.competence_holders)
    table: pd.DataFrame  # AO with at least one commune in the territory (ao_table)
    layers: pd.DataFrame  # per commune of the territory and of its EPCIs (commune_layers)
    ctgs: tuple[ao.Ctg, ...]  # CTG covering at least one commune of the territory
    ctg_rows: pd.DataFrame  # ctg_table of `ctgs`
    basis: ao.PopulationBasis
    errors: tuple[str, ...]  # blocking: the statuses cannot be computed at all
    sources: tuple[str, ...]
    is_synthetic: bool
    rejected: tuple[str, ...] = ()  # CTG left out (unknown signatory…), the others are used
    avenant_errors: tuple[str, ...] = ()
    refused_transfers: tuple[str, ...] = ()  # planning/quality by communes of 3,500 or fewer
    overlaps: tuple[str, ...] = ()  # French sentences, one per pair of overlapping CTG
    contents: tuple[tuple[str, ao.ChecklistProgress], ...] = ()  # id_ctg -> décret checklist


def read_only(result: AoAnalysis) -> AoAnalysis:
    """`result`, its frames marked read-only (diagnostics.frames.read_only), to be shared."""
    for f in fields(result):
        value = getattr(result, f.name)
        if isinstance(value, pd.DataFrame):
            frames.read_only(value)
    return result


def ao_analysis(
    geo: Geography, territory: Territory, inputs: AoInputs, reference_date: date
) -> AoAnalysis:
    """AO holders, statuses and CTG of a territory at a reference date (the page's subject).

    The scope is `analyses.ao_scope` (the territory's communes and every commune of their
    EPCIs, the population of the thresholds); errors of the imported files are returned in
    French in `errors`, never raised.
    """
    ref = reference_date
    inside = communes_of(geo, territory)
    ctg_ds, tr_ds, pop_ds, av_ds = inputs.ctg, inputs.transfers, inputs.population, inputs.avenants
    aos = ao_scope(geo.communes, inside["code_insee"], pop_ds.frame)
    scope, basis = aos.communes, aos.basis
    sources = [*ctg_ds.credits(), *(av_ds.credits() if av_ds else []), *tr_ds.credits()]
    sources.append(credit("insee_pop_2023") if basis.n_municipale else "")
    if basis.n_totale:
        sources.extend(pop_ds.credits())
    is_synthetic = ctg_ds.is_synthetic or tr_ds.is_synthetic
    empty = pd.DataFrame()
    try:
        holders, refused = scope_holders_and_refused(aos, tr_ds.frame, ref)
    except ao.AoDataError as err:
        return AoAnalysis(
            ref, empty, empty, empty, (), empty, basis, err.errors, _unique(sources), is_synthetic
        )
    # one bad CTG never blocks the others: it is left out and named
    read = ao.read_ctgs(
        ctg_ds.frame, geo.communes, geo.epci, av_ds.frame if av_ds is not None else None
    )
    scope_codes = set(scope["code_insee"])
    ctgs = [c for c in read.ctgs if scope_codes.intersection(c.communes_couvertes)]
    contents = ao.checklist_contents(inputs.checklists)
    full_table = ao.ao_table(holders, ctgs, ref, contents)
    # the map of a commune shows its whole EPCI: layers cover every commune of the scope
    commune_layers = ao.commune_layers(holders, full_table, ctgs, ref)
    codes_in = set(inside["code_insee"])
    table = full_table.loc[full_table["communes"].map(lambda cs: bool(codes_in.intersection(cs)))]
    table = table.reset_index(drop=True)
    holders_in = holders.loc[isin(holders["code_insee"], codes_in)].reset_index(drop=True)
    local = [c for c in ctgs if codes_in.intersection(c.communes_couvertes)]
    names = dict(zip(cells(geo.communes["code_insee"]), cells(geo.communes["nom"]), strict=True))
    names.update(zip(cells(geo.epci["siren_epci"]), cells(geo.epci["nom"]), strict=True))
    str_names = {str(k): str(v) for k, v in names.items()}
    order = {st_: i for i, st_ in enumerate(_STATUS_ORDER)}
    table = table.assign(
        _o=table["statut"].map(order), _p=-pd.to_numeric(table["population"]).fillna(0)
    )
    table = (
        table.sort_values(["_o", "_p", "ao_nom"]).drop(columns=["_o", "_p"]).reset_index(drop=True)
    )
    by_id = {c.id_ctg: c for c in local}
    overlaps = tuple(
        ao.overlap_message(o, by_id, str_names)
        for o in ao.ctg_overlaps(local, ref)
        if codes_in.intersection(o.communes)
    )
    return AoAnalysis(
        reference_date=ref,
        holders=holders_in,
        table=table,
        layers=commune_layers,
        ctgs=tuple(local),
        ctg_rows=ao.ctg_table(local, ref, str_names),
        basis=basis,
        errors=(),
        sources=_unique(sources),
        is_synthetic=is_synthetic,
        rejected=read.rejected,
        avenant_errors=read.avenant_errors,
        refused_transfers=tuple(
            refused.loc[isin(refused["code_insee"], codes_in), "motif"].astype(str)
        ),
        overlaps=overlaps,
        contents=tuple((i, p) for i, p in contents.items() if i in by_id),
    )


_STATUS_ORDER = (
    ao.ST_SCHEMA_REQUIS,
    ao.ST_CHEVAUCHEMENT,
    ao.ST_AVENANT,
    ao.ST_CONTENU,
    ao.ST_ECHEANCE,
    ao.ST_VAUT_SCHEMA,
    ao.ST_NON_CONCERNE,
)


def _unique(lines: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in lines if s))
