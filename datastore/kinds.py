"""The registry of dataset kinds: one enum, and per kind what the rest of the app needs.

`Kind` is a StrEnum, so ``Kind.CAF_TAUX == "caf_taux"`` and a kind reads and writes as the
plain string the workspace stores. Per kind, :data:`KINDS` gives:

- ``label``: the short French noun used in source lines and demonstration bands
  (« taux de couverture », « liste des EAJE »); the long title and the columns are the
  schema's (`datastore.schemas.DATASET_TYPES`, the contract between importers and analyses);
- ``file_hints``: fragments of a file name that suggest the kind (only a suggestion in the
  import page; :data:`FILE_HINTS` keeps the order in which they are tried);
- ``read_by``: the analyses (`Analysis`) that read it, so that the page, the PDF, the batch
  and the workshop of one subject load the same datasets (`kinds_read_by`).

The column aliases and the kind-specific import hooks stay in `datastore/importers/`
(``ALIASES``, ``_PRE_HOOKS``, ``_POST_HOOKS``), keyed by these kinds; tests/unit/test_kinds.py
checks that every table covers exactly the registered kinds.

No import from the rest of the project: every layer may use this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CAF_TAUX = "caf_taux"
    CAF_PLACES = "caf_places"
    TAUX_NATIONAL = "taux_national"
    ENFANTS = "enfants"
    POPULATION = "population"
    STRUCTURES = "structures"
    ALLOCATAIRES = "allocataires"
    FILOUE = "filoue"
    FILOUE_REFERENCE = "filoue_reference"
    CTG = "ctg"
    CTG_AVENANTS = "ctg_avenants"
    CTG_SUIVI = "ctg_suivi"
    AO_TRANSFERTS = "ao_transferts"
    ZONES = "zones"
    QPV = "qpv"
    DREES_OFFRE = "drees_offre"
    BPE_EAJE = "bpe_eaje"
    DENSITE = "densite"
    SDSF_INDICATEURS = "sdsf_indicateurs"
    EAJE_PROJETS = "eaje_projets"


class Analysis(StrEnum):
    """The subjects of the screens, PDF and batch (one function each in `analyses/`)."""

    COUVERTURE = "couverture"
    AO = "ao"
    ZONES = "zones"
    PREDIAG = "prediagnostic"  # also the workshop view and the batch PDFs
    FILOUE = "filoue"
    SDSF = "sdsf"  # the département SDSF workbench (page, PDF, XLSX, batch)


@dataclass(frozen=True)
class KindInfo:
    kind: Kind
    label: str  # short French noun (source lines, demonstration bands)
    read_by: frozenset[Analysis] = frozenset()

    @property
    def file_hints(self) -> tuple[str, ...]:
        """File-name fragments that suggest this kind (from :data:`FILE_HINTS`)."""
        return tuple(hint for hint, kind in FILE_HINTS if kind is self.kind)


_A = Analysis
_COUNTS = frozenset({_A.COUVERTURE, _A.ZONES, _A.PREDIAG})  # rates, places, children
_LOCAL = frozenset({_A.ZONES, _A.PREDIAG})  # commune indicators of the zones and sections
_AO = frozenset({_A.AO, _A.ZONES, _A.PREDIAG})  # wherever AO holders and thresholds show
_FIL = frozenset({_A.FILOUE})
_SD = frozenset({_A.SDSF})

KINDS: dict[Kind, KindInfo] = {
    i.kind: i
    for i in (
        KindInfo(Kind.CAF_TAUX, "taux de couverture", _COUNTS | _SD),
        KindInfo(Kind.CAF_PLACES, "places", _COUNTS | _SD),
        # the published national series, read as the « france » level of the rates
        KindInfo(Kind.TAUX_NATIONAL, "taux national publié", _COUNTS | _SD),
        KindInfo(Kind.ENFANTS, "enfants de moins de 3 ans", _COUNTS | _SD),
        # An imported population totale replaces the municipale for the AO thresholds.
        KindInfo(Kind.POPULATION, "population", _AO | _SD),
        KindInfo(Kind.STRUCTURES, "liste des EAJE", _LOCAL | _SD),
        KindInfo(Kind.ALLOCATAIRES, "allocataires", _LOCAL),
        KindInfo(Kind.FILOUE, "Filoué", _FIL),
        KindInfo(Kind.FILOUE_REFERENCE, "référence allocataires Filoué", _FIL),
        KindInfo(Kind.CTG, "CTG", frozenset({_A.AO, _A.PREDIAG, _A.SDSF})),
        # Avenants move end dates and add signatories: wherever CTG are read.
        KindInfo(Kind.CTG_AVENANTS, "avenants aux CTG", frozenset({_A.AO, _A.PREDIAG, _A.SDSF})),
        # The follow-up table of the socle minimum d'évaluation: AO page and bilans.
        KindInfo(Kind.CTG_SUIVI, "tableau de suivi des CTG", frozenset({_A.AO})),
        KindInfo(Kind.AO_TRANSFERTS, "transferts de compétences", _AO | _SD),
        KindInfo(Kind.ZONES, "contours importés", _LOCAL),
        KindInfo(Kind.QPV, "quartiers prioritaires", _LOCAL),
        KindInfo(Kind.DREES_OFFRE, "offre d'accueil DREES", _SD),
        KindInfo(Kind.BPE_EAJE, "EAJE (BPE)", _LOCAL),
        KindInfo(Kind.DENSITE, "densité"),
        KindInfo(Kind.SDSF_INDICATEURS, "indicateurs du SDSF", frozenset({_A.SDSF})),
        KindInfo(Kind.EAJE_PROJETS, "projets d'EAJE", frozenset({_A.SDSF})),
    )
}

#: File-name fragments in the order they are tried: the more specific first
#: (« filoue_ref » before « filoue », « bpe » before « eaje »).
FILE_HINTS: tuple[tuple[str, Kind], ...] = (
    ("sdsf", Kind.SDSF_INDICATEURS),
    ("projets_eaje", Kind.EAJE_PROJETS),
    ("eaje_projets", Kind.EAJE_PROJETS),
    ("projet", Kind.EAJE_PROJETS),
    ("national_publie", Kind.TAUX_NATIONAL),
    ("taux_couverture_national", Kind.TAUX_NATIONAL),
    ("txcouv", Kind.CAF_TAUX),
    ("taux_de_couv", Kind.CAF_TAUX),
    ("nbpla", Kind.CAF_PLACES),
    ("places_pe", Kind.CAF_PLACES),
    ("filoue_ref", Kind.FILOUE_REFERENCE),
    ("reference_filoue", Kind.FILOUE_REFERENCE),
    ("filoue", Kind.FILOUE),
    ("avenant", Kind.CTG_AVENANTS),  # before « ctg »: « ctg_avenants_2025.csv »
    ("prolongation", Kind.CTG_AVENANTS),
    ("suivi", Kind.CTG_SUIVI),
    ("ctg", Kind.CTG),
    ("transfert", Kind.AO_TRANSFERTS),
    ("qpv", Kind.QPV),
    ("bpe", Kind.BPE_EAJE),
    ("densite", Kind.DENSITE),
    ("drees", Kind.DREES_OFFRE),
    ("donnees_caf", Kind.ALLOCATAIRES),
    ("allocataires", Kind.ALLOCATAIRES),
    ("eaje", Kind.STRUCTURES),
    ("creche", Kind.STRUCTURES),
    ("structure", Kind.STRUCTURES),
    ("naissance", Kind.ENFANTS),
    ("enfants", Kind.ENFANTS),
    ("population", Kind.POPULATION),
)
GEOJSON_SUFFIXES = (".geojson",)  # always zones


def info(kind: str) -> KindInfo:
    """The registry entry of a kind (KeyError with a French message when unknown)."""
    try:
        return KINDS[Kind(kind)]
    except ValueError:
        raise KeyError(f"Type de jeu de données inconnu : {kind!r}") from None


def kind_label(kind: str) -> str:
    """The short French noun of a kind (« liste des EAJE »)."""
    return info(kind).label


def kinds_read_by(analysis: Analysis) -> tuple[Kind, ...]:
    """The kinds an analysis reads, in registry order."""
    return tuple(k for k, i in KINDS.items() if analysis in i.read_by)


def guess_kind(normalised_stem: str, suffix: str) -> Kind | None:
    """A likely kind from a file name (stem already normalised by importers.norm_header)."""
    if suffix.lower() in GEOJSON_SUFFIXES:
        return Kind.ZONES
    for hint, kind in FILE_HINTS:
        if hint in normalised_stem:
            return kind
    return None
