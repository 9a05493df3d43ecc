"""AO competences (autorité organisatrice de l'accueil du jeune enfant) and CTG status.

Rules from the CNAF circular, section 2.2 (loi pour le plein emploi, CASF L.214-1-3,
décret 2025-253):

* every commune holds four competences: (1) recenser les besoins, (2) informer et
  accompagner les familles, (3) planifier le développement des modes d'accueil,
  (4) soutenir la qualité. (3) and (4) apply only above 3,500 inhabitants;
* a competence may be transferred to the commune's EPCI, by all member communes or by some
  of them (partial transfer). When transferred, the thresholds use the population of all
  the communes that transferred that competence to the EPCI;
* above 10,000 inhabitants the holder of planning must adopt a schéma pluriannuel, unless
  a CTG signed by it stands in for the schéma, and must have a relais petite enfance from
  1 January 2026;
* the circular's table crosses the level at which the CTG is signed (commune /
  intercommunal) with the distribution of competences (all at the commune / all at the
  EPCI / shared) and says when the CTG is worth a schéma « en droit » and who should sign
  « en opportunité ».

Life cycle of a CTG (issue 16):

* a commune of 3,500 inhabitants or fewer holds no planning or quality competence and cannot
  transfer it: such transfers are ignored (`refused_transfers` says which, with CASF
  L.214-1-3) and never count in the EPCI's population;
* « vaut schéma » in law needs the planning holder's signature **and** the eleven items of the
  décret 2025-253 in the early-childhood part (« une convention dont le contenu correspond aux
  exigences du schéma »); otherwise « contenu à compléter (n/11) »;
* two CTG in force over the same communes give the « chevauchement » status, which says which
  CTG is used for planning and what the other is for (never a silent pick);
* avenants add signatories and prolong a CTG: the end date in force drives every expiry rule;
* one CTG with an unknown signatory is left out and named (`read_ctgs`); it never blocks the
  others.

Thresholds read « plus de » strictly (exactly 3,500 or 10,000 stays below), as in
geodata/tiers.py. Population: INSEE population municipale 2023 by default; an imported
`population` dataset of type « totale » replaces it where it has a value
(see `resolve_population`).

Everything here is pure: frames in, new frames out, inputs never mutated. The reference
date is always an explicit parameter (callers pass today's date when they mean today).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import cast

import pandas as pd

from diagnostics.formatting import ctg_quoted, fmt_number
from diagnostics.frames import cells, frame_of, records
from diagnostics.registry import Indicator
from geodata.territory import normalize_code_insee
from geodata.tiers import SEUIL_PLANIFICATION, SEUIL_SCHEMA, ao_tier

# ---------------------------------------------------------------------------- vocabulary
COMPETENCES = ("recenser", "informer", "planifier", "qualite")
COMPETENCE_LABELS = {
    "recenser": "Recenser les besoins",
    "informer": "Informer et accompagner les familles",
    "planifier": "Planifier le développement des modes d'accueil",
    "qualite": "Soutenir la qualité des modes d'accueil",
}
COMPETENCES_ABOVE_3500 = ("planifier", "qualite")

HOLDER_COMMUNE = "commune"
HOLDER_EPCI = "epci"
HOLDER_LABELS = {HOLDER_COMMUNE: "Commune", HOLDER_EPCI: "EPCI"}

DIST_COMMUNE = "commune"
DIST_EPCI = "epci"
DIST_SHARED = "reparties"
DISTRIBUTION_LABELS = {
    DIST_COMMUNE: "Toutes les compétences d'AO sont à la commune",
    DIST_EPCI: "Toutes les compétences d'AO sont à l'EPCI",
    DIST_SHARED: "Les compétences d'AO sont réparties aux communes et à l'EPCI",
}
LEVEL_COMMUNAL = "communal"
LEVEL_INTERCOMMUNAL = "intercommunal"
LEVEL_LABELS = {
    LEVEL_COMMUNAL: "La CTG est signée à l'échelon de la commune",
    LEVEL_INTERCOMMUNAL: "La CTG est signée à l'échelon intercommunal",
}

RPE_DATE = date(2026, 1, 1)
EXTENSION_DEADLINE = date(2025, 12, 31)
ENDING_SOON_MONTHS = 12

# ------------------------------------------------------------- sentences of the circular
# Quoted verbatim from the circular, section 2.2 (tests check each one against the text).
S_LOI_DISPENSE = (
    "La loi prévoit que les AO de plus de 10 000 habitants sont dispensées de cette obligation dès "
    "lors qu'elles ont conclu avec la Caf une convention dont le contenu correspond aux exigences du "
    "schéma."
)
S_SCHEMA_REQUIS = (
    "Ainsi, seules les AO de plus de 10 000 habitants qui ne sont pas déjà couvertes par une CTG sont "
    "soumises à l'obligation d'élaborer un schéma – ou de s'engager dans une procédure de "
    "contractualisation via une CTG."
)
S_SIGNATURE_PLANIFICATION = (
    "La CTG doit être signée par la collectivité locale exerçant la compétence de « planification », "
    "y compris lorsqu'elle est signée à l'échelon intercommunal."
)
S_RENEGOCIER = (
    "Dès lors, il est recommandé de renégocier les CTG arrivant à échéance au 31 décembre 2025. En cas "
    "de blocage partenarial, un avenant de prolongation d'un an pourra être conclu avant le 31/12/2025 "
    "sans procéder à de nouveaux lissages."
)
S_SEUIL_3500 = "Les communes de plus de 3 500 habitants doivent en plus :"


@dataclass(frozen=True)
class Cell:
    """One cell of the circular's table: distribution of competences × signature level."""

    distribution: str
    level: str
    droit: str  # the « en droit » sentence, verbatim
    opportunite: str  # the « en opportunité » sentence, verbatim

    @property
    def label(self) -> str:
        return f"{DISTRIBUTION_LABELS[self.distribution]} × {LEVEL_LABELS[self.level]}"


_CELL_COMMUNE_COMMUNAL = (
    "La Ctg est signée avec la commune qui exerce la compétence d'AO et en droit pourra valoir schéma "
    "au titre de la compétence de planification."
)
_CELL_COMMUNE_INTERCO = (
    "En opportunité, la CTG doit être signée (éventuellement par avenant) par les communes qui "
    "exercent les compétences d'AO, ce qui doit permettre que la CTG vaille en droit schéma au titre "
    "de la compétence de planification."
)
_CELL_EPCI_INTERCO = (
    "En opportunité et en droit, si la CTG est signée avec l'EPCI, elle pourra valoir schéma au titre "
    "de la compétence de planification."
)
CELLS: dict[tuple[str, str], Cell] = {
    (DIST_COMMUNE, LEVEL_COMMUNAL): Cell(
        DIST_COMMUNE, LEVEL_COMMUNAL, _CELL_COMMUNE_COMMUNAL, _CELL_COMMUNE_COMMUNAL
    ),
    (DIST_COMMUNE, LEVEL_INTERCOMMUNAL): Cell(
        DIST_COMMUNE, LEVEL_INTERCOMMUNAL, _CELL_COMMUNE_INTERCO, _CELL_COMMUNE_INTERCO
    ),
    (DIST_EPCI, LEVEL_COMMUNAL): Cell(
        DIST_EPCI,
        LEVEL_COMMUNAL,
        "En droit, pour valoir schéma au titre de la compétence de planification, la CTG doit être "
        "signée par l'EPCI.",
        "En opportunité, une CTG signée à l'échelon intercommunal doit être privilégiée.",
    ),
    (DIST_EPCI, LEVEL_INTERCOMMUNAL): Cell(
        DIST_EPCI, LEVEL_INTERCOMMUNAL, _CELL_EPCI_INTERCO, _CELL_EPCI_INTERCO
    ),
    (DIST_SHARED, LEVEL_COMMUNAL): Cell(
        DIST_SHARED,
        LEVEL_COMMUNAL,
        "En droit, pour valoir schéma au titre de la compétence de planification, la CTG doit être "
        "signée par l'EPCI s'il l'exerce.",
        "En opportunité, la CTG doit être signée par l'EPCI et les communes qui exercent de manière "
        "partagée des compétences d'AO.",
    ),
    (DIST_SHARED, LEVEL_INTERCOMMUNAL): Cell(
        DIST_SHARED,
        LEVEL_INTERCOMMUNAL,
        "En droit, pour valoir schéma au titre de la compétence de planification, la CTG doit être "
        "signée par les communes et/ou l'EPCI qui l'exercent.",
        "En opportunité, la CTG doit être signée par les communes et l'EPCI qui exercent les "
        "compétences d'AO.",
    ),
}

# ------------------------------------------------------------------------------ statuses
ST_VAUT_SCHEMA = "vaut_schema"
ST_CONTENU = "contenu_a_completer"
ST_CHEVAUCHEMENT = "chevauchement"
ST_AVENANT = "avenant"
ST_SCHEMA_REQUIS = "schema_requis"
ST_ECHEANCE = "echeance"
ST_NON_CONCERNE = "non_concerne"
STATUSES = (
    ST_VAUT_SCHEMA,
    ST_CONTENU,
    ST_CHEVAUCHEMENT,
    ST_AVENANT,
    ST_SCHEMA_REQUIS,
    ST_ECHEANCE,
    ST_NON_CONCERNE,
)
STATUS_LABELS = {
    ST_VAUT_SCHEMA: "CTG vaut schéma en droit",
    ST_CONTENU: "CTG signée par l'AO, contenu à compléter",
    ST_CHEVAUCHEMENT: "Plusieurs CTG en vigueur se chevauchent",
    ST_AVENANT: "CTG signée sans le titulaire de la planification : avenant recommandé",
    ST_SCHEMA_REQUIS: "Aucune CTG : schéma requis",
    ST_ECHEANCE: "CTG expirée ou se terminant dans les 12 mois : renégocier",
    ST_NON_CONCERNE: "Non concerné",
}


class AoDataError(ValueError):
    """Imported CTG or transfer data cannot be used; `errors` lists French messages."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(self.errors))


# ---------------------------------------------------------------------------- population
@dataclass(frozen=True)
class PopulationBasis:
    """Which population the thresholds are read against, in French."""

    label: str
    type_population: str  # "municipale" or "totale"
    year: int | None
    n_totale: int  # communes whose population totale was used
    n_municipale: int  # communes that kept the population municipale


def resolve_population(
    communes: pd.DataFrame,
    population: pd.DataFrame | None = None,
    municipale_year: int = 2023,
) -> tuple[pd.Series, PopulationBasis]:
    """Population used for the AO thresholds, aligned on `communes.index`.

    Default: the `population` column of `communes` (INSEE population municipale, millésime
    `municipale_year`). When `population` (dataset kind « population ») holds rows of type
    « totale », the latest millésime of population totale replaces the municipale one for
    every commune it covers; communes it does not cover keep the municipale figure and the
    returned label says how many.
    """
    base = pd.to_numeric(communes["population"], errors="coerce").astype("Float64")
    municipale_label = f"population municipale {municipale_year} (INSEE)"
    if population is None or population.empty or "type_population" not in population:
        return base, PopulationBasis(municipale_label, "municipale", municipale_year, 0, len(base))
    tot = population.loc[population["type_population"].astype("string") == "totale"]
    if tot.empty:
        return base, PopulationBasis(municipale_label, "municipale", municipale_year, 0, len(base))
    year = int(pd.to_numeric(tot["annee"]).max())
    tot = tot.loc[pd.to_numeric(tot["annee"]) == year]
    codes = tot["code_insee"].map(normalize_code_insee)
    values = pd.Series(pd.to_numeric(tot["population"], errors="coerce").to_numpy(), index=codes)
    values = values[~values.index.duplicated(keep="last")]
    mapped = communes["code_insee"].astype("string").map(values).astype("Float64")
    n_tot = int(mapped.notna().sum())
    out = mapped.fillna(base)
    n_mun = len(out) - n_tot
    if n_mun == 0:
        label = f"population totale {year} (importée)"
    else:
        label = (
            f"population totale {year} (importée) pour {n_tot} commune(s), "
            f"{municipale_label} pour les {n_mun} autre(s)"
        )
    return out, PopulationBasis(label, "totale", year, n_tot, n_mun)


# ----------------------------------------------------------------------------- transfers
def _split_codes(text: object) -> list[str]:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [c.strip() for c in re.split(r"[|,;\s]+", str(text)) if c.strip()]


def transfers_in_force(
    transfers: pd.DataFrame, communes: pd.DataFrame, reference_date: date
) -> pd.DataFrame:
    """Expand transfer rows to one row per (siren_epci, competence, code_insee).

    `communes` must contain every member commune of the EPCIs it touches (empty `communes`
    in a transfer row means all members). Rows whose EPCI has no commune in `communes` are
    out of scope and skipped; rows whose `date_effet` is after `reference_date` are not in
    force yet and skipped. A listed commune that is unknown or belongs to another EPCI, or
    an unknown competence, raises AoDataError (French messages).
    """
    cols = ["siren_epci", "competence", "code_insee"]
    out = _expand_transfers(transfers, communes, reference_date)[cols]
    return out.drop_duplicates().reset_index(drop=True)


def _epci_of(communes: pd.DataFrame) -> dict[str, object]:
    """code_insee -> siren_epci (pd.NA for a commune without EPCI), as text."""
    members = communes[["code_insee", "siren_epci"]].astype("string")
    return dict(zip(cells(members["code_insee"]), cells(members["siren_epci"]), strict=True))


def _members_by_epci(epci_of: Mapping[str, object]) -> dict[str, list[str]]:
    """siren_epci -> its member communes, in the order of the communes table."""
    out: dict[str, list[str]] = {}
    for code, siren in epci_of.items():
        if isinstance(code, str) and isinstance(siren, str):
            out.setdefault(siren, []).append(code)
    return out


def _expand_transfers(
    transfers: pd.DataFrame | None, communes: pd.DataFrame, reference_date: date
) -> pd.DataFrame:
    """`transfers_in_force` rows plus `explicit` (the commune is listed in its row, not
    implied by an empty « communes » meaning every member)."""
    cols = ["siren_epci", "competence", "code_insee"]
    if transfers is None or transfers.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
        return empty.assign(explicit=pd.Series(dtype=bool))
    epci_of = _epci_of(communes)
    by_epci = _members_by_epci(epci_of)
    ref = pd.Timestamp(reference_date)
    rows: list[tuple[str, str, str, bool]] = []
    errors: list[str] = []
    for rec in records(transfers):
        siren = str(rec["siren_epci"]).strip()
        comp = str(rec["competence"]).strip()
        if comp not in COMPETENCES:
            errors.append(
                f"Transfert à l'EPCI {siren} : compétence inconnue « {comp} » "
                f"(attendu : {', '.join(COMPETENCES)})."
            )
            continue
        if siren not in by_epci:
            continue
        effet = rec.get("date_effet")
        if effet is not None and not pd.isna(effet) and pd.Timestamp(effet) > ref:
            continue
        listed = _split_codes(rec.get("communes"))
        if not listed:
            codes = by_epci[siren]
        else:
            codes = []
            for raw in listed:
                code = normalize_code_insee(raw)
                if code is None or code not in epci_of:
                    errors.append(
                        f"Transfert de « {comp} » à l'EPCI {siren} : code commune inconnu "
                        f"« {raw} »."
                    )
                elif pd.isna(epci_of[code]) or epci_of[code] != siren:
                    member_of = "aucun EPCI" if pd.isna(epci_of[code]) else f"EPCI {epci_of[code]}"
                    errors.append(
                        f"Transfert de « {comp} » à l'EPCI {siren} : la commune {code} "
                        f"n'en est pas membre ({member_of})."
                    )
                else:
                    codes.append(code)
        rows.extend((siren, comp, c, bool(listed)) for c in codes)
    if errors:
        raise AoDataError(errors)
    out = pd.DataFrame(rows, columns=[*cols, "explicit"])
    # a commune both implied and listed counts as listed
    out = out.sort_values("explicit", ascending=False, kind="stable")
    out = out.drop_duplicates(cols).sort_index().reset_index(drop=True)
    return out.astype({c: "string" for c in cols} | {"explicit": bool})


S_L214_1_3 = "CASF, article L.214-1-3"
REFUSED_TRANSFER_REASON = (
    "une commune de 3 500 habitants ou moins n'exerce pas cette compétence (réservée aux "
    f"communes de plus de 3 500 habitants, {S_L214_1_3}) et ne peut donc pas la transférer ; "
    "elle peut transférer le recensement des besoins et l'information des familles"
)


def _refused_mask(tr: pd.DataFrame, pop_by_code: Mapping[str, object]) -> pd.Series:
    """Transfer rows of planning or quality by a commune of 3,500 inhabitants or fewer."""
    pop = tr["code_insee"].map(lambda c: pop_by_code.get(c, pd.NA)).astype("Float64")
    small = (pop <= SEUIL_PLANIFICATION).fillna(False).astype(bool)
    return tr["competence"].isin(COMPETENCES_ABOVE_3500).astype(bool) & small


def refused_transfers(
    communes: pd.DataFrame,
    transfers: pd.DataFrame | None,
    reference_date: date,
    population: pd.Series | None = None,
) -> pd.DataFrame:
    """Planning or quality transfers in force that name a commune of 3,500 inhabitants or
    fewer (see `holders_and_refused`)."""
    return holders_and_refused(communes, transfers, reference_date, population)[1]


REFUSED_COLUMNS = ["siren_epci", "competence", "code_insee", "nom", "population", "motif"]


def _refused_frame(
    bad: pd.DataFrame, pop_by_code: Mapping[str, object], name_by_code: Mapping[str, str]
) -> pd.DataFrame:
    rows = []
    for r in records(bad):
        code, comp = r["code_insee"], r["competence"]
        p = pop_by_code.get(code)
        nom = name_by_code.get(code, code)
        rows.append(
            {
                "siren_epci": r["siren_epci"],
                "competence": comp,
                "code_insee": code,
                "nom": nom,
                "population": p,
                "motif": (
                    f"Transfert de « {COMPETENCE_LABELS[comp]} » par {nom} ({code}, "
                    f"{fmt_number(p)} habitants) à l'EPCI {r['siren_epci']} non pris en "
                    f"compte : {REFUSED_TRANSFER_REASON}."
                ),
            }
        )
    return pd.DataFrame(rows, columns=REFUSED_COLUMNS)


def competence_holders(
    communes: pd.DataFrame,
    transfers: pd.DataFrame | None,
    reference_date: date,
    population: pd.Series | None = None,
) -> pd.DataFrame:
    """Who holds each AO competence, per commune (see `holders_and_refused`)."""
    return holders_and_refused(communes, transfers, reference_date, population)[0]


def holders_and_refused(
    communes: pd.DataFrame,
    transfers: pd.DataFrame | None,
    reference_date: date,
    population: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who holds each AO competence, per commune, and the transfers not taken into account.

    A commune of 3,500 inhabitants or fewer holds no planning or quality competence (CASF
    L.214-1-3): a transfer of these by such a commune is not taken into account and its
    population never counts in the EPCI's AO population for them. When the transfer row
    lists the commune, the second frame says so (columns REFUSED_COLUMNS: siren_epci,
    competence, code_insee, nom, population, motif — a French sentence naming the commune,
    the competence, the population and the legal reference); a row meaning « every member »
    simply leaves the small communes out.

    communes: code_insee, nom, siren_epci, population (+ epci_nom if present); it must list
    every member of the EPCIs concerned (the population of a transferred competence is the
    sum over all the communes that transferred it). population: optional override aligned
    on `communes.index` (see `resolve_population`).

    Returns one row per commune with, for each competence c: `titulaire_<c>` (« commune » or
    « epci »), `population_<c>` (population of the holder for that competence) and
    `applicable_<c>`; then `repartition` over the applicable competences (« commune »,
    « epci », « reparties »), the planning holder (`ao_planif_type`, `ao_planif_code`,
    `ao_planif_nom`, `ao_planif_population`, `ao_planif_strate`).
    """
    pop = (
        population
        if population is not None
        else pd.to_numeric(communes["population"], errors="coerce")
    ).astype("Float64")
    out = pd.DataFrame(
        {
            "code_insee": communes["code_insee"].astype("string").to_numpy(),
            "nom": communes["nom"].astype("string").to_numpy(),
            "siren_epci": communes["siren_epci"].astype("string").to_numpy(),
            "epci_nom": (
                communes["epci_nom"].astype("string").to_numpy()
                if "epci_nom" in communes
                else pd.array([pd.NA] * len(communes), dtype="string")
            ),
            "population": pop.to_numpy(),
        }
    )
    pop_by_code = dict(zip(cells(out["code_insee"]), cells(out["population"]), strict=True))
    expanded = _expand_transfers(transfers, communes, reference_date)
    small = _refused_mask(expanded, pop_by_code)
    refused = _refused_frame(
        expanded.loc[small & expanded["explicit"]],
        pop_by_code,
        dict(zip(cells(out["code_insee"]), cells(out["nom"]), strict=True)),
    )
    tr = expanded.loc[~small]
    for comp in COMPETENCES:
        t = tr.loc[tr["competence"] == comp]
        held = dict(zip(cells(t["code_insee"]), cells(t["siren_epci"]), strict=True))
        epci_pop = (
            t.assign(p=t["code_insee"].map(pop_by_code).astype("Float64"))
            .groupby("siren_epci")["p"]
            .sum(min_count=1)
            .to_dict()
        )
        transferred = out["code_insee"].map(held)
        out[f"titulaire_{comp}"] = (
            transferred.notna().map({True: HOLDER_EPCI, False: HOLDER_COMMUNE}).astype("string")
        )
        holder_pop = transferred.map(epci_pop).astype("Float64")
        out[f"population_{comp}"] = holder_pop.where(transferred.notna(), out["population"])
        if comp in COMPETENCES_ABOVE_3500:
            out[f"applicable_{comp}"] = (out[f"population_{comp}"] > SEUIL_PLANIFICATION).fillna(
                False
            )
        else:
            out[f"applicable_{comp}"] = True
        out[f"applicable_{comp}"] = out[f"applicable_{comp}"].astype(bool)
    read = [f"{p}_{c}" for c in COMPETENCES for p in ("titulaire", "applicable")]
    out["repartition"] = [_distribution(r) for r in records(out[read])]
    planif_epci = out["titulaire_planifier"] == HOLDER_EPCI
    out["ao_planif_type"] = out["titulaire_planifier"]
    out["ao_planif_code"] = out["siren_epci"].where(planif_epci, out["code_insee"])
    out["ao_planif_nom"] = out["epci_nom"].where(planif_epci, out["nom"])
    out["ao_planif_population"] = out["population_planifier"]
    out["ao_planif_strate"] = (
        out["ao_planif_population"]
        .map(lambda p: ao_tier(None if pd.isna(p) else float(p)))
        .astype("string")
    )
    return out, refused


def _distribution(row: Mapping[str, object]) -> str:
    holders = {row[f"titulaire_{c}"] for c in COMPETENCES if row[f"applicable_{c}"]}
    if holders == {HOLDER_EPCI}:
        return DIST_EPCI
    if holders == {HOLDER_COMMUNE}:
        return DIST_COMMUNE
    return DIST_SHARED


# ----------------------------------------------------------------------------------- CTG
S_AVENANT_ECARTS = (
    "Pour les CTG en cours, un avenant pourra être envisagé si les écarts avec les exigences du "
    "schéma d'AO sont trop significatifs, en priorité pour les collectivités locales de plus de "
    "10 000 habitants ou les EPCI exerçant la compétence d'AO."
)
S_AVENANTS = (
    "La CTG peut évoluer et faire l'objet d'avenants notamment pour intégrer de nouveaux "
    "signataires ou faire évoluer le plan d'actions (en particulier pour le mettre en adéquation "
    "avec les enjeux du SPPE)."
)
PROLONGATION_END = pd.Timestamp(EXTENSION_DEADLINE)  # CTG ending on 31/12/2025
PROLONGATION_MAX_END = pd.Timestamp(date(2026, 12, 31))  # « d'un an »


@dataclass(frozen=True)
class Avenant:
    """One avenant to a CTG (dataset kind « ctg_avenants »)."""

    id_ctg: str
    date_avenant: pd.Timestamp | None
    objet: str
    signataires_ajoutes: tuple[str, ...] = ()  # codes resolved (communes, EPCI)
    nouvelle_date_fin: pd.Timestamp | None = None

    @property
    def is_prolongation(self) -> bool:
        return self.nouvelle_date_fin is not None


@dataclass(frozen=True)
class Ctg:
    """One CTG with its signatories resolved and its avenants applied.

    `date_fin` is the end date in force (the latest « nouvelle date de fin » of its avenants,
    else the initial one, `date_fin_initiale`); signatories added by avenant are included.
    """

    id_ctg: str
    nom: str
    niveau: str
    date_debut: pd.Timestamp | None
    date_fin: pd.Timestamp | None
    communes_signataires: tuple[str, ...]
    epci_signataires: tuple[str, ...]
    communes_couvertes: tuple[str, ...]
    date_fin_initiale: pd.Timestamp | None = None
    avenants: tuple[Avenant, ...] = ()
    notes: tuple[str, ...] = ()  # French remarks on the avenants (prolongation rules)

    @property
    def signataires(self) -> frozenset[str]:
        return frozenset(self.communes_signataires) | frozenset(self.epci_signataires)

    @property
    def prolongee(self) -> bool:
        """The end date in force comes from an avenant and differs from the initial one."""
        return (
            self.date_fin_initiale is not None
            and self.date_fin is not None
            and self.date_fin != self.date_fin_initiale
        )


@dataclass(frozen=True)
class CtgList:
    """CTG read from the imported list: the usable ones and, in French, the rejected ones
    (one message per problem, naming the CTG and the code). A rejected CTG never blocks the
    others."""

    ctgs: tuple[Ctg, ...]
    rejected: tuple[str, ...] = ()
    rejected_ids: tuple[str, ...] = ()
    avenant_errors: tuple[str, ...] = ()


def read_ctgs(
    ctg: pd.DataFrame,
    communes: pd.DataFrame,
    epci: pd.DataFrame,
    avenants: pd.DataFrame | None = None,
) -> CtgList:
    """Resolve the signatories of each CTG against the reference tables and apply avenants.

    A 9-digit code known in `epci` is an EPCI (it covers all its member communes); a code
    normalising to a known INSEE code is a commune. A CTG with any other code (or no
    signatory, or an unknown level) is rejected with a message naming it and the code; the
    other CTG are kept. `communes` and `epci` should be the full reference tables
    (signatories may lie outside the territory shown). `avenants` (kind « ctg_avenants »):
    id_ctg, date_avenant, objet, signataires_ajoutes, nouvelle_date_fin.
    """
    known_epci = set(epci["siren_epci"].astype("string").dropna())
    known_communes = set(communes["code_insee"].astype("string").dropna())
    members = _members_by_epci(_epci_of(communes))

    def resolve(codes: list[str], who: str, errors: list[str]) -> tuple[list[str], list[str]]:
        com: list[str] = []
        eps: list[str] = []
        for raw in codes:
            if raw in known_epci:
                eps.append(raw)
                continue
            code = normalize_code_insee(raw)
            if code is not None and code in known_communes:
                com.append(code)
            else:
                errors.append(
                    f"{who} : code signataire inconnu « {raw} » (ni code INSEE d'une "
                    "commune ni SIREN d'un EPCI du référentiel)."
                )
        return com, eps

    by_ctg, avenant_errors = _read_avenants(avenants, resolve)
    out: list[Ctg] = []
    rejected: list[str] = []
    rejected_ids: list[str] = []
    for rec in records(ctg):
        ident = str(rec["id_ctg"])
        nom = "" if rec.get("nom") is None or pd.isna(rec.get("nom")) else str(rec["nom"])
        who = f"CTG {ctg_quoted(nom)} ({ident})" if nom else f"CTG {ident}"
        errors: list[str] = []
        codes = _split_codes(rec.get("signataires"))
        niveau = str(rec.get("niveau") or "").strip()
        if not codes:
            errors.append(f"{who} : aucun signataire indiqué.")
        elif niveau not in (LEVEL_COMMUNAL, LEVEL_INTERCOMMUNAL):
            errors.append(
                f"{who} : échelon de signature « {niveau} » inconnu "
                "(attendu : communal ou intercommunal)."
            )
        com, eps = resolve(codes, who, errors) if not errors else ([], [])
        if errors:
            rejected.extend(errors)
            rejected_ids.append(ident)
            continue
        fin0 = _ts(rec.get("date_fin"))
        own = by_ctg.pop(ident, [])
        fin = fin0
        notes: list[str] = []
        for av in own:
            com.extend(c for c in av.signataires_ajoutes if c in known_communes)
            eps.extend(c for c in av.signataires_ajoutes if c in known_epci)
            if av.nouvelle_date_fin is not None:
                fin = av.nouvelle_date_fin
                notes.extend(_prolongation_notes(who, fin0, av))
        covered = set(com)
        for s in eps:
            covered.update(members.get(s, ()))
        out.append(
            Ctg(
                id_ctg=ident,
                nom=nom or ident,
                niveau=niveau,
                date_debut=_ts(rec.get("date_debut")),
                date_fin=fin,
                communes_signataires=tuple(dict.fromkeys(com)),
                epci_signataires=tuple(dict.fromkeys(eps)),
                communes_couvertes=tuple(sorted(covered)),
                date_fin_initiale=fin0,
                avenants=tuple(own),
                notes=tuple(notes),
            )
        )
    for ident, avs in by_ctg.items():
        if ident not in rejected_ids:
            avenant_errors.append(
                f"{len(avs)} avenant(s) pour la CTG {ident}, absente de la liste des CTG : "
                "non pris en compte."
            )
    return CtgList(tuple(out), tuple(rejected), tuple(rejected_ids), tuple(avenant_errors))


def _read_avenants(
    avenants: pd.DataFrame | None, resolve: Callable
) -> tuple[dict[str, list[Avenant]], list[str]]:
    """Avenants by CTG id, in date order, and French messages on unusable ones."""
    by_ctg: dict[str, list[Avenant]] = {}
    errors: list[str] = []
    if avenants is None or avenants.empty:
        return by_ctg, errors
    for rec in records(avenants):
        ident = str(rec["id_ctg"])
        when = _ts(rec.get("date_avenant"))
        who = f"Avenant du {_fmt(when)} à la CTG {ident}"
        problems: list[str] = []
        com, eps = resolve(_split_codes(rec.get("signataires_ajoutes")), who, problems)
        errors.extend(problems)
        objet = rec.get("objet")
        by_ctg.setdefault(ident, []).append(
            Avenant(
                id_ctg=ident,
                date_avenant=when,
                objet="" if objet is None or pd.isna(objet) else str(objet),
                signataires_ajoutes=tuple(dict.fromkeys([*eps, *com])),
                nouvelle_date_fin=_ts(rec.get("nouvelle_date_fin")),
            )
        )
    for avs in by_ctg.values():
        avs.sort(key=lambda a: (a.date_avenant is None, a.date_avenant or pd.Timestamp.min))
    return by_ctg, errors


def _prolongation_notes(who: str, fin0: pd.Timestamp | None, av: Avenant) -> list[str]:
    """Remarks when a prolongation of a CTG ending on 31/12/2025 departs from the circular."""
    if fin0 is None or fin0 != PROLONGATION_END or av.nouvelle_date_fin is None:
        return []
    notes = []
    if av.date_avenant is not None and av.date_avenant > PROLONGATION_END:
        notes.append(
            f"{who} : avenant de prolongation conclu le {_fmt(av.date_avenant)}, après le "
            "31/12/2025 ; la circulaire prévoit qu'il soit conclu avant cette date."
        )
    if av.nouvelle_date_fin > PROLONGATION_MAX_END:
        notes.append(
            f"{who} : prolongation jusqu'au {_fmt(av.nouvelle_date_fin)}, au-delà d'un an "
            "(31/12/2026) ; la circulaire prévoit une prolongation d'un an."
        )
    return notes


def parse_ctg(
    ctg: pd.DataFrame,
    communes: pd.DataFrame,
    epci: pd.DataFrame,
    avenants: pd.DataFrame | None = None,
) -> list[Ctg]:
    """Strict `read_ctgs`: any rejected CTG raises AoDataError (French messages)."""
    result = read_ctgs(ctg, communes, epci, avenants)
    if result.rejected:
        raise AoDataError(result.rejected)
    return list(result.ctgs)


@dataclass(frozen=True)
class Overlap:
    """Two CTG in force at the same time covering the same communes."""

    first: str  # id_ctg
    second: str
    communes: tuple[str, ...]


def _periods_meet(a: Ctg, b: Ctg) -> bool:
    lo = max(a.date_debut or pd.Timestamp.min, b.date_debut or pd.Timestamp.min)
    hi = min(a.date_fin or pd.Timestamp.max, b.date_fin or pd.Timestamp.max)
    return lo <= hi


def ctg_overlaps(ctgs: Iterable[Ctg], reference_date: date | None = None) -> list[Overlap]:
    """Pairs of CTG whose periods meet and which cover common communes.

    With `reference_date`, CTG already expired at that date are left out (a CTG and its
    renewal do not overlap once the first has ended).
    """
    items = list(ctgs)
    if reference_date is not None:
        items = [c for c in items if ctg_phase(c, reference_date) != "expiree"]
    by_commune: dict[str, list[int]] = {}
    for i, c in enumerate(items):
        for code in c.communes_couvertes:
            by_commune.setdefault(code, []).append(i)
    shared: dict[tuple[int, int], list[str]] = {}
    for code, idx in by_commune.items():
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                shared.setdefault((idx[x], idx[y]), []).append(code)
    out = []
    for (i, j), codes in sorted(shared.items()):
        a, b = items[i], items[j]
        if _periods_meet(a, b):
            first, second = sorted((a.id_ctg, b.id_ctg))
            out.append(Overlap(first, second, tuple(sorted(codes))))
    return out


def overlap_message(
    overlap: Overlap, by_id: Mapping[str, Ctg], names: Mapping[str, str], shown: int = 8
) -> str:
    """French sentence naming both CTG and the communes they share."""
    a, b = by_id[overlap.first], by_id[overlap.second]
    listed = [f"{names.get(c, c)} ({c})" for c in overlap.communes[:shown]]
    more = len(overlap.communes) - shown
    tail = f" et {more} autre(s)" if more > 0 else ""
    return (
        f"Les CTG {ctg_quoted(a.nom)} ({a.id_ctg}) et {ctg_quoted(b.nom)} ({b.id_ctg}) "
        "couvrent toutes deux "
        f"{len(overlap.communes)} commune(s) sur la même période : {', '.join(listed)}{tail}."
    )


def _ts(value: object) -> pd.Timestamp | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value)


def ending_limit(reference_date: date) -> pd.Timestamp:
    """Last end date counted as « se terminant dans les 12 mois »."""
    return _phase_bounds(reference_date)[1]


@functools.lru_cache(maxsize=64)
def _phase_bounds(reference_date: date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The reference date and `ending_limit` as timestamps, computed once per date: the AO
    analysis of France asks for the phase of its CTG 14,000 times (1,3 s of date offsets)."""
    ref = pd.Timestamp(reference_date)
    return ref, ref + pd.DateOffset(months=ENDING_SOON_MONTHS)


def ctg_phase(ctg: Ctg, reference_date: date) -> str:
    """« expiree » (ended before the date), « fin_proche » (ends within 12 months, inclusive)
    or « en_cours ». A CTG without an end date is « en_cours »."""
    if ctg.date_fin is None:
        return "en_cours"
    ref, limit = _phase_bounds(reference_date)
    if ctg.date_fin < ref:
        return "expiree"
    if ctg.date_fin <= limit:
        return "fin_proche"
    return "en_cours"


def ctg_table(
    ctgs: list[Ctg] | tuple[Ctg, ...],
    reference_date: date,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per CTG: id, name, level, dates (end in force and initial end), signatories
    (names when known), phase, avenants (French summary), overlaps (ids of the CTG in force
    over the same communes at the same time) and remarks on the avenants."""
    names = names or {}
    overlaps: dict[str, list[str]] = {}
    for o in ctg_overlaps(ctgs, reference_date):
        overlaps.setdefault(o.first, []).append(o.second)
        overlaps.setdefault(o.second, []).append(o.first)
    rows = []
    for c in ctgs:
        rows.append(
            {
                "id_ctg": c.id_ctg,
                "nom": c.nom,
                "niveau": c.niveau,
                "date_debut": c.date_debut,
                "date_fin": c.date_fin,
                "date_fin_initiale": c.date_fin_initiale,
                "signataires": ", ".join(
                    names.get(s, s) for s in (*c.epci_signataires, *c.communes_signataires)
                ),
                "n_communes_couvertes": len(c.communes_couvertes),
                "phase": ctg_phase(c, reference_date),
                "avenants": " ; ".join(_avenant_label(a, names) for a in c.avenants),
                "chevauchements": ", ".join(sorted(overlaps.get(c.id_ctg, []))),
                "remarques": " ".join(c.notes),
            }
        )
    return pd.DataFrame(rows, columns=CTG_TABLE_COLUMNS)


CTG_TABLE_COLUMNS = [
    "id_ctg",
    "nom",
    "niveau",
    "date_debut",
    "date_fin",
    "date_fin_initiale",
    "signataires",
    "n_communes_couvertes",
    "phase",
    "avenants",
    "chevauchements",
    "remarques",
]


def _avenant_label(a: Avenant, names: Mapping[str, str]) -> str:
    parts = [f"{_fmt(a.date_avenant)} : {a.objet}" if a.objet else _fmt(a.date_avenant)]
    if a.signataires_ajoutes:
        added = ", ".join(names.get(x, x) for x in a.signataires_ajoutes)
        parts.append(f"signataires ajoutés : {added}")
    if a.nouvelle_date_fin is not None:
        parts.append(f"fin portée au {_fmt(a.nouvelle_date_fin)}")
    return " — ".join(parts)


# ------------------------------------------------------------------------------ AO table
@dataclass(frozen=True)
class StatusResult:
    statut: str
    detail: str  # French, names who must sign / what to do
    phrase: str  # sentence(s) of the circular, verbatim
    cellule: str  # label of the table cell, or ""
    ctg: str  # id of the CTG the status is about, or ""
    a_signer_en_opportunite: tuple[str, ...] = ()
    contenu: str = ""  # checklist progress of the CTG retained (« 7/11 »), when relevant


def ao_table(
    holders: pd.DataFrame,
    ctgs: list[Ctg] | tuple[Ctg, ...],
    reference_date: date,
    contents: Mapping[str, ChecklistProgress] | None = None,
) -> pd.DataFrame:
    """One row per AO (commune or EPCI holding at least one applicable competence) with its
    status from the circular's table.

    contents: id_ctg -> progress of the décret checklist of that CTG (absent: nothing
    ticked); a CTG signed by the planning holder is worth a schéma only when complete.
    Two CTG in force over the same communes of an AO give the status « chevauchement »; the
    status the planning rules alone would give stays in `statut_planification`, and
    `chevauchement` says which CTG is used for what.

    Columns: ao_type, ao_code, ao_nom, competences (French list), titulaire_planification,
    population, strate, n_communes, communes (tuple), ctg (ids covering its communes),
    n_communes_couvertes, repartition, niveau_ctg, cellule, statut, statut_libelle, detail,
    phrase_circulaire, ctg_retenue, date_fin_ctg, schema (obligation, French), rpe,
    a_signer_en_opportunite, statut_planification, contenu, chevauchement.
    """
    units = _ao_units(holders)
    covering: dict[str, list[Ctg]] = {}
    for c in ctgs:
        for code in c.communes_couvertes:
            covering.setdefault(code, []).append(c)
    # holders of the applicable competences per commune: code -> {competence -> AO code}, and
    # code -> set of AO codes (« opportunité »)
    by_comp = _holders_by_competence(holders)
    holders_of = {code: set(h.values()) for code, h in by_comp.items()}
    names = _names(holders)
    rows = []
    for u in units:
        relevant = _dedupe([c for code in u["communes"] for c in covering.get(code, [])])
        base = ao_status(u, relevant, reference_date, holders_of, names, contents)
        overlaps = (
            [
                o
                for o in ctg_overlaps(relevant, reference_date)
                if set(o.communes) & set(u["communes"])
            ]
            if len(relevant) > 1
            else []
        )
        res = _with_overlaps(u, base, overlaps, relevant, by_comp, names) if overlaps else base
        pop = u["population"]
        big = bool(pd.notna(pop) and pop > SEUIL_SCHEMA and u["titulaire_planification"])
        rpe = ""
        if big:
            rpe = (
                "obligatoire"
                if reference_date >= RPE_DATE
                else f"obligatoire à compter du {RPE_DATE:%d/%m/%Y}"
            )
        chosen = next((c for c in relevant if c.id_ctg == res.ctg), None)
        rows.append(
            {
                **{k: u[k] for k in _UNIT_COLUMNS},
                "ctg": ", ".join(c.id_ctg for c in relevant),
                "n_communes_couvertes": sum(1 for code in u["communes"] if code in covering),
                "niveau_ctg": chosen.niveau if chosen else "",
                "cellule": res.cellule,
                "statut": res.statut,
                "statut_libelle": STATUS_LABELS[res.statut],
                "detail": res.detail,
                "phrase_circulaire": res.phrase,
                "ctg_retenue": res.ctg,
                "date_fin_ctg": chosen.date_fin if chosen else pd.NaT,
                "schema": _schema_text(u, big, chosen, reference_date, contents),
                "rpe": rpe,
                "a_signer_en_opportunite": ", ".join(res.a_signer_en_opportunite),
                "statut_planification": base.statut,
                "contenu": base.contenu,
                "chevauchement": res.detail if overlaps else "",
            }
        )
    return frame_of(rows, _AO_COLUMNS)


def _with_overlaps(
    unit: Mapping[str, object],
    base: StatusResult,
    overlaps: list[Overlap],
    relevant: list[Ctg],
    by_comp: Mapping[str, Mapping[str, str]],
    names: Mapping[str, str],
) -> StatusResult:
    """The « chevauchement » status: which CTG decides planning, what the others are for."""
    by_id = {c.id_ctg: c for c in relevant}
    nom = str(unit["ao_nom"])
    mine = set(cast(Collection[str], unit["communes"]))
    involved = sorted({i for o in overlaps for i in (o.first, o.second)})
    shared = sorted({c for o in overlaps for c in o.communes} & mine)
    listed = ", ".join(names.get(c, c) for c in shared[:8]) + (
        f" et {len(shared) - 8} autre(s)" if len(shared) > 8 else ""
    )
    ctg_list = " et ".join(f"{ctg_quoted(by_id[i].nom)} ({i})" for i in involved)
    parts = [f"Les CTG {ctg_list} couvrent en même temps {listed}."]
    if base.ctg:
        parts.append(
            f"Pour la planification de {nom}, la CTG retenue est {ctg_quoted(by_id[base.ctg].nom)} "
            f"({base.ctg}) : {STATUS_LABELS[base.statut].lower()}."
        )
    else:
        parts.append(
            f"Statut de {nom} au titre de la planification : {STATUS_LABELS[base.statut].lower()}."
        )
    for ident in involved:
        if ident == base.ctg:
            continue
        c = by_id[ident]
        comps = sorted(
            {
                comp
                for code in shared
                for comp, holder in by_comp.get(code, {}).items()
                if holder in c.signataires
            },
            key=COMPETENCES.index,
        )
        who = ", ".join(names.get(s, s) for s in (*c.epci_signataires, *c.communes_signataires))
        if comps:
            what = ", ".join(f"« {COMPETENCE_LABELS[k].lower()} »" for k in comps)
            parts.append(
                f"La CTG {ctg_quoted(c.nom)} ({ident}), signée par {who}, vaut pour les compétences "
                f"{what} que ses signataires exercent sur ces communes."
            )
        else:
            parts.append(
                f"La CTG {ctg_quoted(c.nom)} ({ident}), signée par {who}, couvre aussi ces communes mais "
                "aucun de ses signataires n'y exerce de compétence d'AO : elle ne décide d'aucun "
                "statut."
            )
    parts.append("Clarifier l'articulation des deux conventions (avenant ou fin de l'une).")
    return StatusResult(
        ST_CHEVAUCHEMENT,
        " ".join(parts),
        base.phrase,
        base.cellule,
        base.ctg,
        base.a_signer_en_opportunite,
        base.contenu,
    )


def _holders_by_competence(holders: pd.DataFrame) -> dict[str, dict[str, str]]:
    """commune -> {applicable competence -> code of its holder}."""
    out: dict[str, dict[str, str]] = {}
    read = [f"{p}_{c}" for c in COMPETENCES for p in ("titulaire", "applicable")]
    for r in records(holders[["code_insee", "siren_epci", *read]]):
        out[r["code_insee"]] = {
            comp: (r["siren_epci"] if r[f"titulaire_{comp}"] == HOLDER_EPCI else r["code_insee"])
            for comp in COMPETENCES
            if r[f"applicable_{comp}"]
        }
    return out


#: Columns copied from the AO unit, then the columns of the status.
_UNIT_COLUMNS = (
    "ao_type",
    "ao_code",
    "ao_nom",
    "competences",
    "titulaire_planification",
    "population",
    "strate",
    "n_communes",
    "communes",
    "repartition",
)
_AO_COLUMNS = [
    *_UNIT_COLUMNS,
    "ctg",
    "n_communes_couvertes",
    "niveau_ctg",
    "cellule",
    "statut",
    "statut_libelle",
    "detail",
    "phrase_circulaire",
    "ctg_retenue",
    "date_fin_ctg",
    "schema",
    "rpe",
    "a_signer_en_opportunite",
    "statut_planification",
    "contenu",
    "chevauchement",
]

SCHEMA_NON_CONCERNE = "non concerné (n'exerce pas la planification)"
SCHEMA_NON_REQUIS = "non requis (10 000 habitants ou moins)"
SCHEMA_DISPENSE = "dispensé : CTG signée par l'AO"
SCHEMA_CONTENU = "requis tant que le volet petite enfance de la CTG n'est pas complété"
SCHEMA_REQUIS = "requis"


def _schema_text(
    unit: Mapping,
    big: bool,
    chosen: Ctg | None,
    reference_date: date,
    contents: Mapping[str, ChecklistProgress] | None,
) -> str:
    """Schéma obligation of one AO: the holder of planning above 10,000 must adopt one unless a
    CTG in force that it signed, whose content matches the schéma (the eleven items of the
    décret), stands in for it."""
    if not unit["titulaire_planification"]:
        return SCHEMA_NON_CONCERNE
    if not big:
        return SCHEMA_NON_REQUIS
    if (
        chosen is not None
        and str(unit["ao_code"]) in chosen.signataires
        and ctg_phase(chosen, reference_date) != "expiree"
    ):
        progress = (contents or {}).get(chosen.id_ctg) or checklist_progress(None)
        if progress.done < progress.total:
            return f"{SCHEMA_CONTENU} ({progress.label})"
        return SCHEMA_DISPENSE
    return SCHEMA_REQUIS


def _dedupe(ctgs: list[Ctg]) -> list[Ctg]:
    seen: dict[str, Ctg] = {}
    for c in ctgs:
        seen.setdefault(c.id_ctg, c)
    return list(seen.values())


def _names(holders: pd.DataFrame) -> dict[str, str]:
    names = dict(zip(cells(holders["code_insee"]), cells(holders["nom"]), strict=True))
    epci = holders.dropna(subset=["siren_epci"])
    names.update(
        dict(
            zip(
                cells(epci["siren_epci"]),
                cells(epci["epci_nom"].fillna(epci["siren_epci"])),
                strict=True,
            )
        )
    )
    return {str(k): str(v) for k, v in names.items()}


def _ao_units(holders: pd.DataFrame) -> list[dict]:
    """Group communes by AO: each commune holding a competence, each EPCI holding transfers."""
    units: dict[tuple[str, str], dict] = {}
    keys = [(c, f"applicable_{c}", f"titulaire_{c}", f"population_{c}") for c in COMPETENCES]
    read = ["code_insee", "nom", "siren_epci", "epci_nom", "repartition"]
    for r in records(holders[read + [k for ks in keys for k in ks[1:]]]):
        code = r["code_insee"]
        for comp, applicable, titulaire, population in keys:
            if not r[applicable]:
                continue
            if r[titulaire] == HOLDER_EPCI:
                key = (HOLDER_EPCI, r["siren_epci"])
            else:
                key = (HOLDER_COMMUNE, code)
            u = units.get(key)
            if u is None:
                if key[0] == HOLDER_EPCI:
                    nom = r["epci_nom"] if pd.notna(r["epci_nom"]) else r["siren_epci"]
                else:
                    nom = r["nom"]
                u = units[key] = {
                    "ao_type": key[0],
                    "ao_code": key[1],
                    "ao_nom": nom,
                    "comps": set(),
                    "communes": {},  # insertion-ordered set
                    "dists": set(),
                    "pops": {},
                    "planif_communes": [],
                }
            u["comps"].add(comp)
            if code not in u["communes"]:
                u["communes"][code] = None
                u["dists"].add(r["repartition"])
            u["pops"][comp] = r[population]
            if comp == "planifier":
                u["planif_communes"].append(code)
    out = []
    for u in units.values():
        planif = "planifier" in u["comps"]
        pops = [p for p in u["pops"].values() if pd.notna(p)]
        pop = u["pops"]["planifier"] if planif else (max(pops) if pops else pd.NA)
        if u["ao_type"] == HOLDER_COMMUNE:
            dist = next(iter(u["dists"]))
        else:
            dist = DIST_EPCI if u["dists"] == {DIST_EPCI} else DIST_SHARED
        out.append(
            {
                "ao_type": u["ao_type"],
                "ao_code": u["ao_code"],
                "ao_nom": u["ao_nom"],
                "competences": ", ".join(
                    COMPETENCE_LABELS[c] for c in COMPETENCES if c in u["comps"]
                ),
                "titulaire_planification": planif,
                "population": pop,
                "strate": ao_tier(None if pd.isna(pop) else float(pop)),
                "n_communes": len(u["communes"]),
                "communes": tuple(sorted(u["communes"])),
                "planif_communes": tuple(sorted(u["planif_communes"])),
                "repartition": dist,
            }
        )
    out.sort(key=lambda u: (u["ao_type"] != HOLDER_EPCI, u["ao_nom"]))
    return out


def ao_status(
    unit: Mapping[str, object],
    relevant: list[Ctg],
    reference_date: date,
    holders_of: Mapping[str, set[str]],
    names: Mapping[str, str],
    contents: Mapping[str, ChecklistProgress] | None = None,
) -> StatusResult:
    """Status of one AO against the CTGs covering its communes (see module docstring).

    Order: not holding planning -> non concerné; a CTG in force signed by the AO and not
    ending within 12 months -> vaut schéma when its early-childhood part holds the eleven
    items of the décret (`contents`: id_ctg -> checklist progress; absent = nothing ticked),
    else contenu à compléter; only signed CTGs ending soon (or all CTGs ending soon /
    expired) -> échéance; a CTG in force it did not sign -> avenant; no CTG -> schéma requis
    above 10,000, else non concerné. Overlaps are added by `ao_table`.
    """
    code = str(unit["ao_code"])
    nom = str(unit["ao_nom"])
    pop = cast(float, unit["population"])
    big = bool(pd.notna(pop) and pop > SEUIL_SCHEMA)
    if not unit["titulaire_planification"]:
        if unit["ao_type"] == HOLDER_EPCI:
            return StatusResult(
                ST_NON_CONCERNE,
                f"{nom} n'exerce pas la compétence de planification (non transférée, ou transférée "
                "par des communes totalisant 3 500 habitants ou moins) : la CTG doit être signée par "
                "les communes qui l'exercent.",
                S_SIGNATURE_PLANIFICATION,
                "",
                "",
            )
        return StatusResult(
            ST_NON_CONCERNE,
            f"{nom} n'exerce pas la compétence de planification (3 500 habitants ou moins, ou "
            "compétence transférée à l'EPCI) : pas d'obligation de schéma pour elle.",
            f"{S_SEUIL_3500} {S_SIGNATURE_PLANIFICATION}",
            "",
            "",
        )
    ref_phase = {c.id_ctg: ctg_phase(c, reference_date) for c in relevant}
    live = [c for c in relevant if ref_phase[c.id_ctg] != "expiree"]
    signed = [c for c in live if code in c.signataires]
    dist = str(unit["repartition"])

    def cell_of(c: Ctg) -> Cell:
        return CELLS[(dist, c.niveau)]

    unit_communes = cast(Collection[str], unit["communes"])

    def opportunity(c: Ctg) -> tuple[str, ...]:
        wanted: set[str] = set()
        for commune in c.communes_couvertes:
            if commune in unit_communes:
                wanted |= holders_of.get(commune, set())
        return tuple(sorted(names.get(w, w) for w in wanted - c.signataires))

    solid = [c for c in signed if ref_phase[c.id_ctg] == "en_cours"]
    if solid:
        c = _latest(solid)
        cell = cell_of(c)
        progress = (contents or {}).get(c.id_ctg) or checklist_progress(None)
        if progress.done == progress.total:
            return StatusResult(
                ST_VAUT_SCHEMA,
                f"{nom} a signé la CTG {ctg_quoted(c.nom)} ({c.id_ctg}), en cours jusqu'au "
                f"{_fmt(c.date_fin)}, et son volet petite enfance comporte les "
                f"{progress.total} éléments du décret 2025-253 : elle vaut schéma au titre de "
                "la planification.",
                f"{cell.droit} {S_LOI_DISPENSE}" if big else cell.droit,
                cell.label,
                c.id_ctg,
                opportunity(c),
                progress.label,
            )
        return StatusResult(
            ST_CONTENU,
            f"{nom} a signé la CTG {ctg_quoted(c.nom)} ({c.id_ctg}), en cours jusqu'au "
            f"{_fmt(c.date_fin)}, mais son volet petite enfance ne comporte que {progress.label} "
            f"éléments du décret 2025-253. Manquent : {missing_items_text(progress)}. "
            "Compléter le contenu, par avenant si nécessaire, pour qu'elle vaille schéma.",
            f"{S_LOI_DISPENSE} {S_AVENANT_ECARTS}",
            cell.label,
            c.id_ctg,
            opportunity(c),
            progress.label,
        )
    extension = (
        "un avenant de prolongation d'un an peut être conclu avant le 31/12/2025"
        if reference_date <= EXTENSION_DEADLINE
        else "l'avenant de prolongation d'un an n'était possible qu'avant le 31/12/2025"
    )
    if signed:
        c = _latest(signed)
        return StatusResult(
            ST_ECHEANCE,
            f"La CTG {ctg_quoted(c.nom)} ({c.id_ctg}) signée par {nom} se termine le {_fmt(c.date_fin)} "
            f"(moins de 12 mois) : la renégocier ; {extension}.",
            S_RENEGOCIER,
            cell_of(c).label,
            c.id_ctg,
            opportunity(c),
        )
    running = [c for c in live if ref_phase[c.id_ctg] == "en_cours"]
    if running:
        c = _latest(running)
        cell = cell_of(c)
        return StatusResult(
            ST_AVENANT,
            f"La CTG {ctg_quoted(c.nom)} ({c.id_ctg}) couvre le territoire mais {nom}, titulaire de la "
            f"planification, ne l'a pas signée : avenant recommandé, à signer par {nom}.",
            f"{S_SIGNATURE_PLANIFICATION} {cell.droit}",
            cell.label,
            c.id_ctg,
            opportunity(c),
        )
    if relevant:
        c = _latest(relevant)
        when = "s'est terminée" if ref_phase[c.id_ctg] == "expiree" else "se termine"
        must = (
            ""
            if code in c.signataires
            else f" ; {nom}, titulaire de la planification, doit la signer"
        )
        schema = (
            " ; d'ici là, un schéma est requis (plus de 10 000 habitants)"
            if (big and ref_phase[c.id_ctg] == "expiree")
            else ""
        )
        return StatusResult(
            ST_ECHEANCE,
            f"La CTG {ctg_quoted(c.nom)} ({c.id_ctg}) {when} le {_fmt(c.date_fin)} : la renégocier{must}"
            f"{schema} ; {extension}.",
            S_RENEGOCIER,
            cell_of(c).label,
            c.id_ctg,
            opportunity(c),
        )
    if big:
        return StatusResult(
            ST_SCHEMA_REQUIS,
            f"{nom} exerce la planification pour plus de 10 000 habitants et aucune CTG ne couvre son "
            "territoire : schéma pluriannuel requis, ou signature d'une CTG.",
            S_SCHEMA_REQUIS,
            "",
            "",
        )
    return StatusResult(
        ST_NON_CONCERNE,
        f"{nom} exerce la planification pour 10 000 habitants ou moins et n'est couverte par aucune "
        "CTG : pas d'obligation de schéma.",
        S_SCHEMA_REQUIS,
        "",
        "",
    )


def _latest(ctgs: list[Ctg]) -> Ctg:
    return max(
        ctgs, key=lambda c: (c.date_fin is not None, c.date_fin or pd.Timestamp.min, c.id_ctg)
    )


def _fmt(ts: pd.Timestamp | None) -> str:
    return "—" if ts is None else f"{ts:%d/%m/%Y}"


ECH_AUCUNE = "Aucune CTG"
ECH_EXPIREE = "CTG expirée"
ECH_PROCHE = "CTG se terminant dans les 12 mois"
ECH_EN_COURS = "CTG en vigueur au-delà de 12 mois"
ECHEANCES = (ECH_EXPIREE, ECH_PROCHE, ECH_EN_COURS, ECH_AUCUNE)


def _echeance(phases: list[str]) -> str:
    """The most durable CTG of a commune decides: one running beyond 12 months is enough."""
    if "en_cours" in phases:
        return ECH_EN_COURS
    if "fin_proche" in phases:
        return ECH_PROCHE
    if "expiree" in phases:
        return ECH_EXPIREE
    return ECH_AUCUNE


def commune_layers(
    holders: pd.DataFrame, ao: pd.DataFrame, ctgs: list[Ctg], reference_date: date
) -> pd.DataFrame:
    """Per commune, the values the map layers show: AO tier of the planning holder, planning
    holder type, CTG coverage, status of the planning AO, CTG ending soon (`echeance_ctg`,
    one of ECHEANCES)."""
    status_of = {
        (r["ao_type"], r["ao_code"]): r
        for r in records(ao[["ao_type", "ao_code", "statut_libelle"]])
    }
    phase_by_commune: dict[str, list[str]] = {}
    ids_by_commune: dict[str, list[str]] = {}
    for c in ctgs:
        ph = ctg_phase(c, reference_date)
        for code in c.communes_couvertes:
            phase_by_commune.setdefault(code, []).append(ph)
            ids_by_commune.setdefault(code, []).append(c.id_ctg)
    rows = []
    read = ["code_insee", "nom", "applicable_planifier"]
    read += ["ao_planif_type", "ao_planif_code", "ao_planif_nom", "ao_planif_strate"]
    for r in records(holders[read]):
        code = r["code_insee"]
        key = (r["ao_planif_type"], r["ao_planif_code"])
        st = status_of.get(key) if r["applicable_planifier"] else None
        phases = phase_by_commune.get(code, [])
        if not phases:
            couverture = "Aucune CTG"
        elif "en_cours" in phases or "fin_proche" in phases:
            couverture = "Couverte par une CTG en vigueur"
        else:
            couverture = "CTG expirée"
        rows.append(
            {
                "code_insee": code,
                "nom": r["nom"],
                "strate": r["ao_planif_strate"],
                "titulaire_planification": (
                    HOLDER_LABELS[r["ao_planif_type"]]
                    if r["applicable_planifier"]
                    else "Non applicable (3 500 habitants ou moins)"
                ),
                "ao_planification": r["ao_planif_nom"] if r["applicable_planifier"] else "",
                "couverture_ctg": couverture,
                "ctg": ", ".join(ids_by_commune.get(code, [])),
                "statut": st["statut_libelle"]
                if st is not None
                else STATUS_LABELS[ST_NON_CONCERNE],
                "echeance_ctg": _echeance(phases),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- checklist
CHECKLIST_DOCUMENT_KIND = "checklist_ctg"
_CHECKLIST = (
    (
        "zones",
        "Les zones caractérisées par une offre d'accueil insuffisante ou par des difficultés "
        "dans l'accès à l'offre",
    ),
    (
        "objectifs",
        "Les objectifs de maintien et de développement de l'offre d'accueil, en cohérence "
        "avec l'identification de ces zones",
    ),
    (
        "emplois",
        "Les besoins en matière d'emplois et de compétences qui découlent des objectifs de "
        "maintien et de développement des services",
    ),
    (
        "vulnerables",
        "Les partenariats et actions à développer pour répondre aux difficultés spécifiques "
        "des familles vulnérables",
    ),
    (
        "avip",
        "L'objectif d'un développement renforcé des modes d'accueil « à vocation d'insertion "
        "professionnelle »",
    ),
    (
        "qualite",
        "Les modalités d'accompagnement de l'ensemble des modes d'accueil du territoire en "
        "matière de qualité d'accueil",
    ),
    (
        "investissements",
        "Les projets d'investissements en matière de rénovation, entretien et création "
        "d'équipements, services ou modes d'accueil du jeune enfant",
    ),
    ("couts", "Les coûts prévisionnels et les moyens en ingénierie, financiers ou humains"),
    ("calendrier", "Le calendrier prévisionnel de réalisation de ces opérations"),
    ("evaluation", "Les indicateurs et modalités d'évaluation des objectifs énoncés"),
    (
        "partenariats",
        "Les partenariats à développer pour atteindre ces objectifs, notamment avec le "
        "conseil départemental, d'autres collectivités territoriales, les gestionnaires ou "
        "les professionnels de l'accueil individuel situés concernés par les orientations",
    ),
)


#: Checklist items that may point to a saved piece of work: item -> workspace document kind
#: (« zones » to a saved zoning of the Zones page, « objectifs » to a saved trajectory).
CHECKLIST_LINK_KINDS = {"zones": "zonage", "objectifs": "trajectoire"}


@dataclass(frozen=True)
class ChecklistProgress:
    done: int
    total: int
    checked: tuple[str, ...]  # ids of the ticked items, in checklist order
    links: tuple[tuple[str, str], ...] = ()  # (item, name of the saved document)

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def label(self) -> str:
        return f"{self.done}/{self.total}"

    @property
    def missing(self) -> tuple[str, ...]:
        """Ids of the items not ticked, in checklist order."""
        return tuple(i for i, _ in _CHECKLIST if i not in self.checked)


def checklist_items() -> tuple[tuple[str, str], ...]:
    """The eleven items the early-childhood part of a CTG must now contain (décret 2025-253),
    as (id, French text quoted from the circular)."""
    return _CHECKLIST


def missing_items_text(progress: ChecklistProgress) -> str:
    """French list of the items missing from a CTG's early-childhood part."""
    texts = dict(_CHECKLIST)
    return " ; ".join(texts[i].lower() for i in progress.missing) or "aucun"


def checklist_payload(checked: Iterable[str], links: Mapping[str, str] | None = None) -> dict:
    """Workspace document for one CTG's checklist (kind `checklist_ctg`, name = id_ctg).
    `links`: item -> name of a saved document (CHECKLIST_LINK_KINDS). Unknown ids raise
    ValueError."""
    ids = [i for i, _ in _CHECKLIST]
    chosen = set(checked)
    unknown = chosen - set(ids)
    if unknown:
        raise ValueError(f"Éléments de liste inconnus : {', '.join(sorted(unknown))}")
    payload: dict = {"coches": [i for i in ids if i in chosen]}
    kept = {k: str(v) for k, v in (links or {}).items() if v}
    bad = set(kept) - set(CHECKLIST_LINK_KINDS)
    if bad:
        raise ValueError(f"Lien impossible pour : {', '.join(sorted(bad))}")
    if kept:
        payload["liens"] = {k: kept[k] for k in CHECKLIST_LINK_KINDS if k in kept}
    return payload


def checklist_progress(payload: Mapping | None) -> ChecklistProgress:
    """Progress of one CTG's checklist from its stored payload (None = nothing ticked).
    Ids that are not checklist items are ignored."""
    ids = [i for i, _ in _CHECKLIST]
    ticked = set((payload or {}).get("coches", ()))
    checked = tuple(i for i in ids if i in ticked)
    raw_links = (payload or {}).get("liens") or {}
    links = tuple(
        (k, str(raw_links[k]))
        for k in CHECKLIST_LINK_KINDS
        if isinstance(raw_links, Mapping) and raw_links.get(k)
    )
    return ChecklistProgress(len(checked), len(ids), checked, links)


def checklist_contents(documents: Mapping[str, object] | None) -> dict[str, ChecklistProgress]:
    """id_ctg -> checklist progress, from the workspace documents `checklist_ctg`."""
    return {
        str(k): checklist_progress(v if isinstance(v, Mapping) else None)
        for k, v in (documents or {}).items()
    }


# ---------------------------------------------------------------------------- indicators
def status_counts(ao: pd.DataFrame) -> pd.DataFrame:
    """Number of AO and population per status (every status listed)."""
    g = ao.groupby("statut").agg(
        ao=("ao_code", "size"), population=("population", lambda s: pd.to_numeric(s).sum())
    )
    g = g.reindex(list(STATUSES)).fillna(0).astype({"ao": int}).reset_index()
    g["libelle"] = g["statut"].map(STATUS_LABELS)
    return g[["statut", "libelle", "ao", "population"]]


def covered_population_share(layers: pd.DataFrame, population: pd.Series) -> float:
    """Share (%) of the population living in a commune covered by a CTG in force."""
    pop = pd.to_numeric(population, errors="coerce").fillna(0).to_numpy()
    covered = (layers["couverture_ctg"] == "Couverte par une CTG en vigueur").to_numpy()
    total = pop.sum()
    return float(pop[covered].sum() / total * 100) if total else 0.0


INDICATORS = (
    Indicator(
        "ao_statuts_ctg",
        "Autorités organisatrices par statut CTG",
        "AO",
        ("dataset:ctg", "dataset:ctg_avenants", "dataset:ao_transferts", "insee_pop_2023"),
        status_counts,
        "Statut de chaque AO selon le tableau de la circulaire (section 2.2) : CTG valant "
        "schéma (signée par le titulaire de la planification, volet petite enfance complet), "
        "contenu à compléter, CTG qui se chevauchent, avenant recommandé, schéma requis, "
        "échéance (fin de CTG avenants compris), non concerné.",
    ),
    Indicator(
        "ctg_population_couverte",
        "Part de la population couverte par une CTG en vigueur",
        "%",
        ("dataset:ctg", "insee_pop_2023"),
        covered_population_share,
        "Population des communes couvertes par une CTG en vigueur (signataire ou membre d'un EPCI "
        "signataire) rapportée à la population du territoire.",
    ),
)
