"""One importer per dataset kind: real-world headers -> canonical columns, with a report.

Usage (the Données page and the CLI do exactly this):

    prepared = prepare("caf_taux", path_or_bytes, name="txcouv_pe_com.csv")
    prepared.report   # French validation report, shown BEFORE committing
    if prepared.ok:
        commit(ws, prepared)   # one transaction; a failing file stores nothing

A prepared file is split into one stored dataset per millésime (and per CAF scale), so a
newer edition of a year replaces that year only and older years stay alongside.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from catalogue.sources import Nature
from datastore import codes, ctg_checks, kinds
from datastore.readers import (
    MAX_BYTES,
    RawTable,
    ReadError,
    best_sheet,
    human_size,
    locate_header,
    norm_header,
    read_raw,
)
from datastore.schemas import EDITION_LABELS, EDITIONS, DatasetType, Dtype, dataset_type
from datastore.store import (
    CommitPlan,
    DatasetMeta,
    PendingDataset,
    Workspace,
    apply_types,
    empty_frame,
)
from datastore.validation import (
    Report,
    Severity,
    check_duplicates,
    convert_column,
    note_missing_markers,
)

COMMUNE_EXPECTED = "un code commune INSEE à 5 caractères (ex. 01001, 2A004, 97411)"


#: One territory of each scale, in messages (« colonne de code commune »).
SCALE_SINGULAR = {
    "commune": "commune",
    "epci": "EPCI",
    "departement": "département",
    "region": "région",
    "france": "France",
}


#: Kinds stored as one dataset per scale (niveau) and edition as well as per millésime.
SCOPED_KINDS = ("caf_taux", "caf_places", "taux_national")


def dataset_scope(niveau: str, edition: str = "") -> str:
    """Scope of a stored dataset: the CNAF scale, then the edition (« departement:hist »); two
    editions of a year are two datasets, kept side by side (datastore.store.scope_family)."""
    return ":".join(p for p in (niveau, edition) if p)


#: French names of the scopes (échelles) of the CNAF files, used in dataset labels.
SCOPE_LABELS = {
    "commune": "communes",
    "epci": "EPCI",
    "departement": "départements",
    "region": "régions",
    "france": "France",
}


@dataclass
class ImportOptions:
    annee: int | None = None
    producteur: str | None = None
    niveau: str | None = None  # CAF scale, when the file does not say it
    edition: str | None = None  # CNAF edition (hist / courant), when the file does not say it
    nature: Nature = Nature.REEL
    source_id: str = ""
    label: str = ""
    max_bytes: int = MAX_BYTES
    # CTG lists and avenants: leave out the lines whose signatory codes are unknown (each with
    # a warning) instead of refusing the file
    drop_bad_signatory_lines: bool = False


@dataclass(frozen=True)
class Slice:
    """What a save of the SDSF page replaces (mode « departement », datastore.changes): the
    rows of one département, optionally only those whose columns hold the given values."""

    departement: str
    only: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def fields(self) -> dict:
        return {"departement": self.departement, "only": self.only}


@dataclass
class Prepared:
    """A file read, mapped and validated, not yet committed."""

    kind: str
    file: str
    report: Report
    frame: pd.DataFrame | None = None
    producer: str = ""
    nature: Nature = Nature.REEL
    source_id: str = ""
    label: str = ""
    rows_read: int = 0
    mapping: dict[str, str] = field(default_factory=dict)  # file header -> canonical column

    @property
    def ok(self) -> bool:
        return self.report.ok and self.frame is not None

    @property
    def notes(self) -> list[str]:
        return [i.message for i in self.report.issues if i.severity is not Severity.ERREUR]

    def millesimes(self) -> list[int]:
        dtype = dataset_type(self.kind)
        if self.frame is None or not dtype.year_column or dtype.year_column not in self.frame:
            return []
        return sorted(int(y) for y in self.frame[dtype.year_column].dropna().unique())

    def datasets(
        self, replace: str = "key", drop_demo: bool = False, slice_: Slice | None = None
    ) -> list[PendingDataset]:
        """One pending dataset per (scope, millésime); with `slice_` (mode « departement »),
        the rows of that département (and values) only."""
        if self.frame is None:
            raise ValueError("fichier non valide : rien à enregistrer")
        dtype = dataset_type(self.kind)
        frame = self.frame
        scope_cols = [c for c in ("niveau", "edition") if c in frame.columns]
        scope_cols = scope_cols if self.kind in SCOPED_KINDS else []
        year_col = dtype.year_column if dtype.year_column in frame.columns else None
        group_cols = [*scope_cols, *([year_col] if year_col else [])]
        notes = tuple(self.notes)[:200]
        common = dict(
            producer=self.producer,
            source_file=self.file,
            nature=self.nature,
            source_id=self.source_id,
            notes=notes,
            replace=replace,
            drop_demo=drop_demo,
            **(slice_.fields() if slice_ else {}),
        )
        if not group_cols or frame.empty:
            return [PendingDataset(self.kind, frame, label=self.label, **common)]
        out = []
        for key, sub in frame.groupby(group_cols, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            parts = dict(zip(group_cols, key, strict=True))
            year = parts.get(year_col) if year_col else None
            niveau = str(parts.get("niveau", "") or "") if "niveau" in parts else ""
            if self.kind == "taux_national":
                niveau = "france"
            edition = parts.get("edition") if "edition" in parts else None
            edition = "" if edition is None or pd.isna(edition) else str(edition)
            scope = dataset_scope(niveau, edition)
            label = self.label or dtype.label
            if niveau:
                label = f"{label} ({SCOPE_LABELS.get(niveau, niveau)})"
            if edition:
                label = f"{label}, {EDITION_LABELS.get(edition, edition)}"
            out.append(
                PendingDataset(
                    self.kind,
                    sub.reset_index(drop=True),
                    label=label,
                    scope=scope,
                    millesime=None if year is None or pd.isna(year) else int(year),
                    **common,
                )
            )
        return out


# ------------------------------------------------------------------------ header aliases
def _n(*names: str) -> tuple[str, ...]:
    """Normalised header aliases; an alias starting with 're:' is a regular expression."""
    return tuple(n if n.startswith("re:") else norm_header(n) for n in names)


def _alias_hit(key: str, aliases: tuple[str, ...]) -> bool:
    return any(re.fullmatch(a[3:], key) if a.startswith("re:") else key == a for a in aliases)


COMMUNE_ALIASES = _n(
    "code_insee",
    "codgeo",
    "code_commune",
    "insee_com",
    "com",
    "depcom",
    "code_geo",
    "code_insee_commune",
    "numero_commune",
    "num_commune",
    "numero_de_commune",
    "code commune",
    "commune_code",
    "insee",
    "cog",
)

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "enfants": {
        "code_insee": COMMUNE_ALIASES,
        "annee": _n("annee", "année", "millesime", "date_reference"),
        "enfants_moins_3": _n(
            "enfants_moins_3",
            "enfants de moins de 3 ans",
            "pop0002",
            "pop_0002",
            "moins_3_ans",
            "nb_enfants_moins_3",
            r"re:p\d{2}_pop0002",
        ),
        "enfants_moins_6": _n(
            "enfants_moins_6",
            "enfants de moins de 6 ans",
            "pop0005",
            "pop_0005",
            "moins_6_ans",
            r"re:p\d{2}_pop0005",
        ),
        "naissances": _n(
            "naissances",
            "nais",
            "naissances domiciliees",
            "nb_naissances",
            r"re:naisd\d{2}",  # INSEE état civil, e.g. NAISD22 = naissances domiciliées 2022
        ),
    },
    "taux_national": {
        "annee": _n("annee", "année", "annee_reference", "date_reference", "millesime"),
        "edition": _n("edition", "édition"),
        "tx_global": _n(
            "tx_global", "taux_global", "taux de couverture", "taux_couverture", "txcouv"
        ),
        "tx_eaje": _n("tx_eaje", "eaje", "taux_eaje"),
        "tx_assmat": _n("tx_assmat", "assistantes_maternelles", "assistants_maternels", "taux_am"),
        "tx_prescolarisation": _n("tx_prescolarisation", "prescolarisation", "taux_prescol"),
        "tx_salarie_domicile": _n(
            "tx_salarie_domicile", "salaries_domicile", "salaries_a_domicile", "taux_gad"
        ),
        "pl_total": _n("pl_total", "places_total", "places", "nombre_de_places"),
        "source_publication": _n("source_publication", "publication", "source"),
        "url": _n("url", "adresse", "lien", "url_source"),
        "citation": _n("citation", "citation_courte", "extrait"),
        "statut": _n("statut", "statut_source"),
    },
    "population": {
        "code_insee": COMMUNE_ALIASES,
        "annee": _n("annee", "année", "millesime"),
        "population": _n(
            "population",
            "pmun",
            "population_municipale",
            "pop_mun",
            "ptot",
            "population_totale",
            "pop_tot",
            "pop",
            r"re:pmun_?(?:19|20)?\d{2}",
            r"re:ptot_?(?:19|20)?\d{2}",
            r"re:p\d{2}_pmun",
            r"re:p\d{2}_ptot",
            r"re:population_(?:municipale_|totale_)?\d{4}",
        ),
        "type_population": _n("type_population", "type"),
    },
    "structures": {
        "id_structure": _n(
            "id_structure",
            "identifiant",
            "id",
            "numero",
            "finess",
            "siret",
            "matricule",
            "id_eaje",
            "numero_structure",
        ),
        "type_structure": _n("type_structure", "type", "categorie", "type d'equipement", "nature"),
        "nom": _n(
            "nom", "nom_structure", "raison_sociale", "nom_etablissement", "libelle", "denomination"
        ),
        "code_insee": COMMUNE_ALIASES + _n("code_insee_eaje", "commune_implantation"),
        # Lists without INSEE codes (many open data lists): commune name + postal code.
        "_nom_commune": _n(
            "commune", "nom_commune", "ville", "libelle_commune", "nom de la commune"
        ),
        "_code_postal": _n("code_postal", "cp", "code postal", "codepostal"),
        "places": _n(
            "places",
            "capacite",
            "nombre_de_places",
            "nb_places",
            "places_agreees",
            "capacite_agreee",
        ),
        "psu": _n("psu", "financement_psu", "finance_psu"),
        "avip": _n("avip", "label_avip", "vocation insertion professionnelle"),
        "gestionnaire": _n("gestionnaire", "nom_gestionnaire", "type_gestionnaire"),
        "latitude": _n("latitude", "lat", "y_wgs84"),
        "longitude": _n("longitude", "lon", "lng", "long", "x_wgs84"),
    },
    "allocataires": {
        "code_insee": COMMUNE_ALIASES,
        "annee": _n("annee", "année", "millesime"),
        "allocataires": _n("allocataires", "a", "nb_allocataires", "nb_alloc"),
        "personnes_couvertes": _n("personnes_couvertes", "percou"),
        "familles_enfants_moins_3": _n("familles_enfants_moins_3", "alloc_enf_moins_3"),
        "familles_enfants_moins_6": _n("familles_enfants_moins_6", "alloc_enf_moins_6"),
        "enfants_moins_3": _n("enfants_moins_3", "enf_2", "enf_0_2", "enfants de moins de 3 ans"),
        "enfants_3_5": _n("enfants_3_5", "enf_3_5"),
        "familles_monoparentales": _n("familles_monoparentales", "am", "monoparents", "alloc_mono"),
        "couples_avec_enfants": _n("couples_avec_enfants", "acavenf"),
        "allocataires_bas_revenus": _n(
            "allocataires_bas_revenus", "bas_revenus", "alloc_bas_revenus"
        ),
        "allocataires_rsa": _n("allocataires_rsa", "arsas", "rsa", "alloc_rsa"),
        "allocataires_aide_logement": _n("allocataires_aide_logement", "aal", "alloc_logement"),
        "allocataires_prime_activite": _n("allocataires_prime_activite", "appa", "prime_activite"),
        "allocataires_aah": _n("allocataires_aah", "aaah", "aah"),
    },
    "filoue": {
        "annee": _n("annee", "année", "exercice"),
        "id_eaje": _n("id_eaje", "numero_eaje", "matricule_eaje", "id_structure", "eaje"),
        "nom_eaje": _n("nom_eaje", "nom_structure"),
        "code_insee_eaje": _n("code_insee_eaje", "commune_eaje", "depcom_eaje", "insee_eaje"),
        "id_enfant": _n("id_enfant", "enfant", "identifiant_enfant", "num_enfant"),
        "age_mois": _n("age_mois", "age_en_mois", "age"),
        "code_insee_residence": _n(
            "code_insee_residence", "commune_residence", "depcom_residence", "insee_residence"
        ),
        "situation_familiale": _n("situation_familiale", "situation", "sitfam"),
        "tranche_revenu": _n(
            "tranche_revenu", "tranche_qf", "quotient_familial", "tranche_revenus"
        ),
        "heures_facturees": _n("heures_facturees", "nb_heures_facturees", "h_facturees"),
        "heures_realisees": _n("heures_realisees", "nb_heures_realisees", "h_realisees"),
        "places_eaje": _n("places_eaje", "places", "capacite"),
    },
    "filoue_reference": {
        "annee": _n("annee", "année"),
        "code_insee": COMMUNE_ALIASES,
        "dimension": _n("dimension", "variable"),
        "modalite": _n("modalite", "modalité", "categorie"),
        "enfants": _n("enfants", "nb_enfants", "effectif"),
    },
    "ctg": {
        "id_ctg": _n("id_ctg", "identifiant", "id", "numero_ctg", "code_ctg"),
        "nom": _n("nom", "nom_ctg", "intitule", "libelle"),
        "niveau": _n("niveau", "echelon", "echelon_de_signature", "type"),
        "signataires": _n("signataires", "codes_signataires", "collectivites_signataires"),
        "date_debut": _n("date_debut", "debut", "date de début", "date_signature"),
        "date_fin": _n("date_fin", "fin", "date de fin", "echeance"),
    },
    "ctg_avenants": {
        "id_ctg": _n("id_ctg", "identifiant", "id", "numero_ctg", "code_ctg", "ctg"),
        "date_avenant": _n("date_avenant", "date", "date_signature", "date_de_l_avenant"),
        "objet": _n("objet", "objet_avenant", "motif", "libelle"),
        "signataires_ajoutes": _n(
            "signataires_ajoutes", "nouveaux_signataires", "signataires", "ajouts"
        ),
        "nouvelle_date_fin": _n(
            "nouvelle_date_fin",
            "nouvelle_date_de_fin",
            "date_de_fin",
            "date_fin",
            "nouvelle_fin",
            "fin",
            "prolongation",
        ),
    },
    "ctg_suivi": {
        "id_ctg": _n("id_ctg", "identifiant", "numero_ctg", "code_ctg", "ctg"),
        "thematique": _n("thematique", "thème", "theme", "axe"),
        "action": _n("action", "intitule_action", "fiche_action"),
        "indicateur": _n("indicateur", "indicateur_de_suivi"),
        "valeur_initiale": _n("valeur_initiale", "situation_initiale", "reference", "base"),
        "cible": _n("cible", "objectif", "valeur_cible"),
        "annee": _n("annee", "année"),
        "trimestre": _n("trimestre", "trim"),
        "realise": _n("realise", "réalisé", "valeur_realisee", "resultat"),
        "statut": _n("statut", "etat", "état", "avancement", "etat_d_avancement"),
        "commentaire": _n("commentaire", "commentaires", "difficultes", "observations"),
    },
    "ao_transferts": {
        "siren_epci": _n("siren_epci", "siren", "epci", "code_epci", "numero_epci"),
        "competence": _n("competence", "compétence", "competence_transferee"),
        "communes": _n("communes", "communes_transferantes", "codes_communes"),
        "date_effet": _n("date_effet", "date", "date_transfert"),
    },
    "qpv": {
        "code_qpv": _n("code_qpv", "codgeo", "code_quartier", "qp", "code_qp"),
        "nom_qpv": _n("nom_qpv", "libgeo", "nom_quartier", "lib_qp"),
        "annee": _n("annee", "année"),
        "code_insee": _n("code_insee", "depcom", "code_commune", "insee_com"),
        "nom_commune": _n("nom_commune", "lib_com", "libcom", "commune", "nom_commune_cog2025"),
        "population": _n("population", "pop_mun", "pmun"),
        "allocataires": _n("allocataires", "a"),
        "familles_monoparentales": _n("familles_monoparentales", "am"),
        "enfants_moins_3": _n("enfants_moins_3", "enf_2"),
        "_pop_com": _n("pop_com", "population_commune"),
    },
    "drees_offre": {
        "tableau": _n("tableau"),
        "indicateur": _n("indicateur"),
        "code_departement": _n(
            "code_departement", "departement_code", "dep", "code_dep", "num_dep"
        ),
        "annee": _n("annee", "année"),
        "valeur": _n("valeur", "value", "nombre"),
    },
    "bpe_eaje": {
        "code_insee": COMMUNE_ALIASES,
        "annee": _n("annee", "année"),
        "nb_eaje": _n("nb_eaje", "nb_d502", "d502", "eaje"),
    },
    "densite": {
        "code_insee": COMMUNE_ALIASES,
        "annee": _n("annee", "année"),
        "dens7": _n("dens7", "dens", "degre_densite", "densite", "dens_7"),
        "dens7_lib": _n("dens7_lib", "libdens", "libelle_densite"),
    },
    "sdsf_indicateurs": {
        "code_departement": _n(
            "code_departement", "departement", "dep", "code_dep", "num_dep", "numdep"
        ),
        "indicateur": _n("indicateur", "code_indicateur", "id_indicateur"),
        "annee": _n("annee", "année", "millesime"),
        "type_valeur": _n("type_valeur", "type", "nature_valeur", "type_de_valeur"),
        "valeur": _n("valeur", "value", "nombre", "montant"),
        "commentaire": _n("commentaire", "commentaires", "source", "observations"),
    },
    "eaje_projets": {
        "id_projet": _n("id_projet", "identifiant", "id", "code_projet", "numero_projet"),
        "nom": _n("nom", "nom_projet", "intitule", "libelle"),
        "code_insee": COMMUNE_ALIASES,
        "places": _n("places", "nb_places", "nombre_de_places", "capacite", "places_prevues"),
        "psu": _n("psu", "financement_psu", "eaje_psu"),
        "annee_ouverture": _n(
            "annee_ouverture", "année_ouverture", "ouverture", "annee", "date_ouverture"
        ),
        "statut": _n("statut", "etat", "état", "avancement"),
        "latitude": _n("latitude", "lat", "y"),
        "longitude": _n("longitude", "lon", "lng", "x"),
    },
    "zones": {
        "id_zone": _n("id_zone", "code", "code_qp", "id", "identifiant"),
        "nom": _n("nom", "nom_qp", "libelle", "name", "lib_qp"),
        "type_zone": _n("type_zone", "type"),
        "code_insee": _n("code_insee", "insee_com", "commune", "code_commune"),
    },
}

CAF_KEY_ALIASES = {
    "annee": _n("date_reference", "date de reference", "annee", "année", "millesime", "date_ref"),
    "code_commune": _n(
        "numero_commune",
        "num_commune",
        "code_commune",
        "numero de la commune",
        "codgeo",
        "code_insee",
        "insee_com",
        "numero commune",
        "numcom",  # data.caf.fr API names (numdep, nomdep, numregi...)
    ),
    "nom_commune": _n(
        "nom_commune", "nom de la commune", "libelle_commune", "libgeo", "commune", "nomcom"
    ),
    "code_epci": _n(
        "numero_epci",
        "num_epci",
        "code_epci",
        "siren_epci",
        "numero de l'epci",
        "numero epci",
        "numepci",
    ),
    "nom_epci": _n("nom_epci", "nom de l'epci", "libelle_epci", "epci", "nomepci"),
    "code_departement": _n(
        "numero_departement",
        "num_departement",
        "code_departement",
        "numero du departement",
        "numero departement",
        "dep",
        "numdep",
    ),
    "nom_departement": _n(
        "nom_departement", "nom du departement", "libelle_departement", "departement", "nomdep"
    ),
    "code_region": _n(
        "numero_region",
        "num_region",
        "code_region",
        "numero de la region",
        "numero region",
        "reg",
        "numregi",
        "numreg",
    ),
    "nom_region": _n(
        "nom_region", "nom de la region", "libelle_region", "region", "nomregi", "nomreg"
    ),
    "edition": _n("edition", "édition"),
    "niveau": _n("niveau", "echelle"),
    "code": _n("code", "code_territoire"),
    "nom": _n("nom", "nom_territoire"),
}


#: data.caf.fr API names of the rates: « txcouv_<mode>_<échelle> », the global rate being
#: « txcouv_<échelle> » (txcouv_psu_col_dep, txcouv_am_ind_dep, txcouv_dep...).
_API_RATE = re.compile(r"txcouv(?:_(.+?))?_(?:com|epci|dep|reg|regi|nat|fr|france)")
_API_RATE_MODES = {
    None: "tx_global",
    "psu_col": "tx_eaje_psu",
    "hors_psu_col": "tx_eaje_hors_psu",
    "eaje": "tx_eaje",
    "prescol": "tx_prescolarisation",
    "am_ind": "tx_assmat",
    "gad_ind": "tx_salarie_domicile",
    "ind": "tx_individuel",
}


def caf_value_column(header_norm: str, kind: str) -> str | None:
    """Map a CNAF rate/places header (current API name or older label) to a canonical column."""
    h = header_norm
    api = _API_RATE.fullmatch(h) if kind == "caf_taux" else None
    if api is not None:
        return _API_RATE_MODES.get(api.group(1))
    if kind == "caf_taux":
        if h.startswith("tx_") and h in {c.name for c in dataset_type(kind).columns}:
            return h
        if not ("taux" in h or h.startswith("tx") or "couv" in h):
            return None
        prefix = "tx"
    else:
        if h.startswith("pl_") and h in {c.name for c in dataset_type(kind).columns}:
            return h
        if not ("place" in h or h.startswith("nb") or "nombre" in h):
            return None
        prefix = "pl"
    if (
        "global" in h
        or "offertes_ensemble" in h
        or h.endswith("_total")
        or "tous_modes" in h
        or h in ("places_offertes", "nombre_de_places_offertes", "nombre_total_de_places")
    ):
        return "tx_global" if prefix == "tx" else "pl_total"
    if "hors" in h and ("psu" in h or "eaje" in h):
        return f"{prefix}_eaje_hors_psu"
    if "psu" in h:
        return f"{prefix}_eaje_psu"
    if "prescol" in h or "scolari" in h:
        return f"{prefix}_prescolarisation"
    if "assist" in h or "assmat" in h or "maternel" in h:
        return f"{prefix}_assmat"
    if "salari" in h or "domicile" in h:
        return f"{prefix}_salarie_domicile"
    if "individuel" in h:
        return f"{prefix}_individuel"
    if "eaje" in h or "collectif" in h:
        return f"{prefix}_eaje"
    return None


# --------------------------------------------------------------------------------- entry
def prepare(
    kind: str,
    source: bytes | str | Path,
    name: str | None = None,
    options: ImportOptions | None = None,
) -> Prepared:
    """Read, map and validate a file as dataset `kind` (nothing is stored)."""
    opts = options or ImportOptions()
    dtype = dataset_type(kind)
    file = name or (Path(source).name if isinstance(source, (str, Path)) else "fichier")
    report = Report(file)
    prepared = Prepared(
        kind,
        file,
        report,
        producer=opts.producteur or dtype.default_producer or "Non renseigné",
        nature=opts.nature,
        source_id=opts.source_id,
        label=opts.label,
    )
    try:
        if kind == "zones" and (
            file.lower().endswith((".geojson", ".json")) or _looks_json(source)
        ):
            frame, lines = _read_geojson(source, file, opts, report)
        else:
            raw = read_raw(source, file, max_bytes=opts.max_bytes)
            frame, lines = _IMPORTERS.get(kind, _generic)(raw, dtype, opts, report, prepared)
    except ReadError as exc:
        for m in exc.messages:
            report.error(m)
        return prepared
    if frame is None:
        return prepared
    prepared.rows_read = len(frame)
    if frame.empty and report.ok:
        report.error(
            f"{file} : aucune ligne de données après l'en-tête ; au moins une ligne attendue."
        )
        return prepared
    if len(lines) == len(frame):  # all problems at once: duplicates are reported with cell errors
        check_duplicates(frame, dtype, lines, report)
    if report.ok:
        prepared.frame = apply_types(frame[dtype.column_names].reset_index(drop=True), dtype)
    return prepared


def plan(
    ws: Workspace,
    prepared: Prepared,
    replace: str = "key",
    *,
    drop_demo: bool = False,
    slice_: Slice | None = None,
) -> CommitPlan:
    """What committing a valid prepared file would change (the preview; nothing is stored)."""
    if not prepared.ok:
        raise ValueError(prepared.report.summary())
    return ws.plan(prepared.datasets(replace, drop_demo, slice_))


def commit(
    ws: Workspace,
    prepared: Prepared,
    replace: str = "key",
    *,
    drop_demo: bool = False,
    expected_revision: int | None = None,
    author: str | None = None,
    slice_: Slice | None = None,
) -> list[DatasetMeta]:
    """Store a valid prepared file (one transaction for all its millésimes, one new version of
    its type). With `expected_revision` (the preview's), refuses if the workspace changed.
    With `slice_` (and replace="departement"), replaces that département's rows only."""
    if not prepared.ok:
        raise ValueError(prepared.report.summary())
    metas = ws.commit_many(
        prepared.datasets(replace, drop_demo, slice_),
        expected_revision=expected_revision,
        author=author,
    )
    assert metas is not None
    return metas


def clear_slice(
    ws: Workspace,
    kind: str,
    slice_: Slice,
    *,
    name: str,
    producer: str,
    expected_revision: int | None = None,
    author: str | None = None,
) -> None:
    """Retire every row of one département (and values) of a type, as a new version of the
    type (an editor emptied: a file cannot be empty, so this does not go through prepare)."""
    ws.commit_many(
        [
            PendingDataset(
                kind,
                empty_frame(dataset_type(kind)),
                producer=producer,
                source_file=name,
                replace="departement",
                **slice_.fields(),
            )
        ],
        expected_revision=expected_revision,
        author=author,
    )


def import_file(
    ws: Workspace,
    kind: str,
    source: bytes | str | Path,
    name: str | None = None,
    options: ImportOptions | None = None,
    replace: str = "key",
    dry_run: bool = False,
) -> tuple[Prepared, list[DatasetMeta]]:
    prepared = prepare(kind, source, name, options)
    if dry_run or not prepared.ok:
        return prepared, []
    return prepared, commit(ws, prepared, replace)


# ----------------------------------------------------------------------- shared helpers
def year_from_name(name: str) -> int | None:
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", name)
    return int(years[-1]) if years else None


def _looks_json(source: bytes | str | Path) -> bool:
    if isinstance(source, bytes):
        return source.lstrip()[:1] in (b"{", b"[")
    with Path(source).open("rb") as fh:
        return fh.read(64).lstrip().lstrip(b"\xef\xbb\xbf")[:1] in (b"{", b"[")


def _score(aliases: dict[str, tuple[str, ...]]) -> Callable[[list[str]], int]:
    cache: dict[str, str | None] = {}

    def canon_of(cell: str) -> str | None:
        if cell not in cache:
            key = norm_header(cell)
            cache[cell] = next(
                (canon for canon, al in aliases.items() if key == canon or _alias_hit(key, al)),
                None,
            )
        return cache[cell]

    def score(cells: list[str]) -> int:
        return len({c for c in map(canon_of, (x for x in cells if x)) if c})

    return score


def _map_headers(
    header: list[str], aliases: dict[str, tuple[str, ...]], report: Report
) -> tuple[dict[int, str], list[str]]:
    """Column position -> canonical name; returns also the ignored headers."""
    mapping: dict[int, str] = {}
    used: dict[str, str] = {}
    ignored: list[str] = []
    # Exact canonical names win over aliases (e.g. 'nom' before 'libelle').
    for pass_exact in (True, False):
        for i, h in enumerate(header):
            if i in mapping or not h:
                continue
            key = norm_header(h)
            for canon, al in aliases.items():
                hit = key == canon if pass_exact else _alias_hit(key, al)
                if hit:
                    if canon in used:
                        if not pass_exact:
                            report.warn(
                                f"{report.file} : les colonnes « {used[canon]} » et « {h} » désignent "
                                f"toutes deux « {canon} » ; seule « {used[canon]} » est lue."
                            )
                        break
                    mapping[i] = canon
                    used[canon] = h
                    break
    for i, h in enumerate(header):
        if i not in mapping and h:
            ignored.append(h)
    return mapping, ignored


def _check_extra_fields(raw: RawTable, choice_row: int, header: list[str], report: Report) -> None:
    """Rows with more (non-empty) fields than the header are errors: a shifted row is never guessed."""
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # trailing empty header cells (e.g. ';;;;' at the end of every line)
    extra = raw.grid.iloc[choice_row + 1 :, width:]
    if extra.shape[1] == 0:
        return
    bad = (extra != "").any(axis=1).to_numpy()
    if not bad.any():
        return
    counts = (raw.grid.iloc[choice_row + 1 :] != "").to_numpy()
    lines = raw.lines[choice_row + 1 :][bad]
    last = [int(np.flatnonzero(r)[-1]) + 1 for r in counts[bad]]
    for line, n in list(zip(lines, last, strict=True))[:50]:
        report.error(
            f"{report.file}, ligne {int(line)} : {n} champs trouvés, {width} attendus (colonnes de "
            "l'en-tête) ; vérifiez les séparateurs et les guillemets de cette ligne.",
            line=int(line),
            found=f"{n} champs",
            expected=f"{width} champs",
        )
    if len(lines) > 50:
        report.error(f"{report.file} : {len(lines) - 50} autre(s) ligne(s) avec trop de champs.")


def _frame_from(
    raw: RawTable,
    choice_row: int,
    header: list[str],
    mapping: dict[int, str],
    report: Report | None = None,
) -> tuple[pd.DataFrame, np.ndarray, dict[str, str]]:
    if report is not None:
        _check_extra_fields(raw, choice_row, header, report)
    body, lines = raw.frame(choice_row, [f"c{i}" for i in range(len(header))])
    cols = {f"c{i}": canon for i, canon in mapping.items()}
    frame = body[list(cols)].rename(columns=cols)
    headers = {canon: header[i] for i, canon in mapping.items()}
    return frame, lines, headers


def _note_ignored(report: Report, ignored: list[str]) -> None:
    ignored = [h for h in ignored if h.strip()]
    if ignored:
        shown = ", ".join(f"« {h} »" for h in ignored[:15]) + (" …" if len(ignored) > 15 else "")
        report.note(f"{len(ignored)} colonne(s) non utilisée(s) : {shown}.")


def _rescue_required(
    dtype: DatasetType,
    header: list[str],
    aliases: dict[str, tuple[str, ...]],
    mapping: dict[int, str],
    provided: set[str],
    report: Report,
) -> list[str]:
    """A required column that no header names exactly may be written with a complement
    (« Nom de la CTG » for « nom », « Date de début de la convention » for « date_debut »):
    it is read from the only unused header that starts with its name or an alias, and the
    report says so. Two candidates, or none: nothing is guessed. Updates `mapping` in place
    and returns the headers still unused."""
    present = set(mapping.values())
    free = {i: norm_header(h) for i, h in enumerate(header) if h and i not in mapping}
    for c in dtype.columns:
        if not c.required or c.name in present or c.name in provided:
            continue
        stems = [c.name] + [a for a in aliases.get(c.name, ()) if not a.startswith("re:")]
        hits = [i for i, key in free.items() if any(key.startswith(f"{st}_") for st in stems)]
        if len(hits) != 1:
            continue
        i = hits[0]
        mapping[i] = c.name
        present.add(c.name)
        del free[i]
        report.note(f"Colonne « {header[i]} » lue comme « {c.name} » ({c.label}).")
    return [h for i, h in enumerate(header) if h and i not in mapping]


def _missing_columns(
    report: Report, dtype: DatasetType, present: set[str], header: list[str], provided: set[str]
) -> bool:
    missing = [
        c
        for c in dtype.columns
        if dtype.header_required(c.name) and c.name not in present and c.name not in provided
    ]
    found = ", ".join(f"« {h} »" for h in header if h) or "aucune"
    if missing:
        for c in missing:
            report.error(
                f"{report.file}, ligne d'en-tête : colonne obligatoire « {c.name} » ({c.label}) introuvable ; "
                f"colonnes trouvées : {found}.",
                column=c.name,
                expected=c.label,
            )
        return True
    values = _value_columns(dtype)
    if values and not present & set(values):
        names = ", ".join(f"« {c} »" for c in values)
        report.error(
            f"{report.file}, ligne d'en-tête : aucune colonne de valeurs reconnue (au moins une parmi "
            f"{names}) ; colonnes trouvées : {found}. Un fichier sans valeur n'est pas importé.",
            expected="au moins une colonne de valeurs",
        )
        return True
    return False


def _value_columns(dtype: DatasetType) -> list[str]:
    """The optional figures of a type whose required columns are all keys (INSEE counts,
    allocataires…): a file must bring at least one of them. Empty for the other types."""
    required = {c.name for c in dtype.columns if c.required}
    if not required <= set(dtype.keys) | {"annee"}:
        return []
    return [
        c.name
        for c in dtype.columns
        if not c.required and c.name not in dtype.keys and c.dtype in (Dtype.INT, Dtype.FLOAT)
    ]


def _convert_all(
    frame: pd.DataFrame,
    dtype: DatasetType,
    lines: np.ndarray,
    report: Report,
    headers: dict[str, str],
    skip: tuple[str, ...] = (),
) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in dtype.columns:
        if col.name in skip:
            out[col.name] = frame.get(col.name, pd.NA)
            continue
        if col.name not in frame.columns:
            out[col.name] = pd.Series(pd.NA, index=frame.index, dtype="object")
            continue
        if col.dtype is Dtype.CODE and col.name.startswith("code_insee"):
            out[col.name] = frame[col.name]  # already normalised by _communes
            continue
        out[col.name] = convert_column(frame[col.name], col, lines, report, headers.get(col.name))
    return out


def _not_placeholder(
    cleaned: pd.Series, report: Report, header: str, examples: str
) -> np.ndarray | None:
    """Rows to keep when some cleaned codes are masked or fictitious (`XX`, `XXXXX`…), with a
    note naming the column; None when there is none."""
    placeholder = cleaned.str.fullmatch(codes.PLACEHOLDER_PATTERN)
    if not placeholder.any():
        return None
    report.note(
        f"{int(placeholder.sum())} ligne(s) au code masqué ou fictif ({examples}…) "
        f"écartée(s) (colonne « {header} »)."
    )
    return ~placeholder.to_numpy(dtype=bool)


def _communes(
    frame: pd.DataFrame,
    column: str,
    lines: np.ndarray,
    report: Report,
    header: str,
    required: bool = True,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Normalise a commune code column: zero padding, placeholders dropped (noted), bad codes
    reported, well-formed unknown codes warned about. Merged communes are NOT mapped here."""
    raw = pd.Series(frame[column].to_numpy(dtype=object, na_value=""), index=frame.index)
    cleaned = codes.clean_codes(raw)
    keep = _not_placeholder(cleaned, report, header, "« XX », « XXXXX »")
    if keep is not None:
        frame, lines, raw, cleaned = frame.loc[keep], lines[keep], raw[keep], cleaned[keep]
    norm = codes.normalize_communes(cleaned)
    empty = cleaned == ""
    bad = norm.isna() & ~empty
    if bad.any():
        report.cells(lines[bad.to_numpy()], header, raw[bad], COMMUNE_EXPECTED)
    if required and empty.any():
        report.cells(lines[empty.to_numpy()], header, raw[empty], COMMUNE_EXPECTED)
    padded = (cleaned.str.len() == 4) & norm.notna()
    if padded.any():
        report.note(
            f"{int(padded.sum())} code(s) commune à 4 chiffres complété(s) par un zéro initial "
            f"(ex. {cleaned[padded].iloc[0]} → {norm[padded].iloc[0]})."
        )
    frame = frame.copy()
    frame[column] = norm.astype("string")
    ref = codes.commune_reference()
    valid = norm.dropna()
    status = codes.statuses(valid, ref)
    unknown = status == "unknown"
    if unknown.any():
        idx = np.flatnonzero(norm.notna().to_numpy())[unknown.to_numpy()]
        report.cells(
            lines[idx],
            header,
            valid[unknown],
            f"un code commune connu du COG {codes.COG_YEAR}",
            severity=Severity.AVERTISSEMENT,
        )
    com = status == "com"
    if com.any():
        report.note(
            f"{int(com.sum())} ligne(s) de collectivités d'outre-mer (ex. {valid[com].iloc[0]}) "
            "conservée(s) ; elles ne figurent pas dans le référentiel géographique de l'application."
        )
    arr = pd.Series(codes.isin(valid, codes.ARRONDISSEMENTS), index=valid.index)
    if arr.any():
        report.note(
            f"{int(arr.sum())} ligne(s) d'arrondissements de Paris, Lyon ou Marseille conservée(s) avec "
            "leur code (751xx, 6938x, 132xx) ; la commune parente est 75056, 69123 ou 13055."
        )
    return frame, lines


def _map_merged(
    frame: pd.DataFrame,
    column: str,
    keys: list[str],
    sum_cols: list[str],
    null_cols: list[str],
    report: Report,
    lines: np.ndarray,
    name_col: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Map communes merged since the file's year to the COG 2025.

    Counts (`sum_cols`) are summed over the communes merged together; values that cannot
    be summed (`null_cols`, e.g. rates, classes) become missing for the merged commune.
    """
    ref = codes.commune_reference()
    old = frame[column].astype("string")
    changed = old.isin(list(ref.passage)).fillna(False).to_numpy(dtype=bool)
    if not changed.any():
        return frame, lines
    new = old.copy()
    new[changed] = old[changed].map(ref.passage.get)
    changed = (new != old).fillna(False).to_numpy(dtype=bool)
    if not changed.any():
        return frame, lines
    examples = sorted({f"{o} → {n}" for o, n in zip(old[changed], new[changed], strict=True)})
    frame = frame.copy()
    frame[column] = new.astype("string")
    other_keys = [k for k in keys if k != column]
    group_keys = [column, *other_keys]
    touched = frame.loc[changed, group_keys].drop_duplicates()
    touched["_merged"] = True
    frame = frame.merge(touched, on=group_keys, how="left")
    merged_mask = frame["_merged"].fillna(False).astype(bool).to_numpy()
    frame = frame.drop(columns="_merged")
    frame["_line"] = lines
    plain = frame.loc[~merged_mask]
    part = frame.loc[merged_mask]
    gb = part.groupby(group_keys, dropna=False, sort=False)
    firsts = [c for c in part.columns if c not in sum_cols and c not in group_keys]
    grouped = gb[firsts].first() if firsts else gb.size().to_frame("_n").drop(columns="_n")
    if sum_cols:
        grouped = grouped.join(gb[sum_cols].sum(min_count=1))
    grouped = grouped.reset_index()[list(part.columns)]
    for c in null_cols:
        grouped[c] = pd.NA
    if name_col:
        grouped[name_col] = grouped[column].map(lambda c: ref.names.get(c, c))
    frame = pd.concat([plain, grouped], ignore_index=True)
    out_lines = frame.pop("_line").to_numpy(dtype=np.int64)
    what = []
    if sum_cols:
        what.append("effectifs additionnés")
    if null_cols:
        what.append("taux et valeurs non additionnables laissés vides pour la commune fusionnée")
    shown = ", ".join(examples[:12]) + (" …" if len(examples) > 12 else "")
    report.note(
        f"{len(examples)} commune(s) fusionnée(s) depuis l'année du fichier, rattachée(s) à leur commune "
        f"du COG {codes.COG_YEAR} ({'; '.join(what)}) : {shown}."
    )
    return frame, out_lines


def _year_option(frame: pd.DataFrame, opts: ImportOptions, report: Report, file: str) -> bool:
    """Fill a missing `annee` column from the options or the file name; False if impossible."""
    if "annee" in frame.columns:
        return True
    year = opts.annee or year_from_name(file)
    if year is None:
        report.error(
            f"{file} : aucune colonne d'année et aucune année dans le nom du fichier ; indiquez le "
            "millésime (option « année »).",
            column="annee",
            expected="une année (AAAA)",
        )
        return False
    frame["annee"] = str(year)
    if not opts.annee:
        report.note(f"Millésime {year} déduit du nom du fichier.")
    return True


# ------------------------------------------------------------------------ generic kinds
def _generic(
    raw: RawTable, dtype: DatasetType, opts: ImportOptions, report: Report, prepared: Prepared
) -> tuple[pd.DataFrame | None, np.ndarray]:
    aliases = ALIASES[dtype.kind]
    raw = best_sheet(raw, _score(aliases))
    for n in raw.notes:
        report.note(n)
    choice = locate_header(raw, _score(aliases))
    if choice.merged_rows > 1:
        report.note(
            f"En-tête sur deux lignes (cellules fusionnées) reconstitué à la ligne {raw.lines[choice.row]}."
        )
    elif choice.row > 0:
        report.note(f"{choice.row} ligne(s) de titre au-dessus de l'en-tête ignorée(s).")
    mapping, _ = _map_headers(choice.header, aliases, report)
    provided = _provided_defaults(dtype.kind, choice.header)
    ignored = _rescue_required(dtype, choice.header, aliases, mapping, provided, report)
    prepared.mapping = {choice.header[i]: c for i, c in mapping.items()}
    _note_ignored(report, ignored)
    if _missing_columns(report, dtype, set(mapping.values()), choice.header, provided):
        return None, np.array([], dtype=np.int64)
    frame, lines, headers = _frame_from(raw, choice.row, choice.header, mapping, report)
    hook = _PRE_HOOKS.get(dtype.kind)
    if hook is not None:
        frame, lines = hook(frame, lines, choice.header, opts, report, headers)
        if frame is None:
            return None, lines
    if (
        dtype.year_column == "annee"
        and "annee" in dtype.column_names
        and not _year_option(frame, opts, report, report.file)
    ):
        return None, lines
    for col in dtype.columns:
        if (
            col.dtype is Dtype.CODE
            and col.name.startswith("code_insee")
            and col.name in frame.columns
        ):
            frame, lines = _communes(
                frame,
                col.name,
                lines,
                report,
                headers.get(col.name, col.name),
                required=col.required,
            )
    typed = _convert_all(frame, dtype, lines, report, headers)
    post = _POST_HOOKS.get(dtype.kind)
    if post is not None and report.ok:
        typed, lines = post(typed, lines, report)
    return typed, lines


def _provided_defaults(kind: str, header: list[str]) -> set[str]:
    provided = {"annee"}  # from the options or the file name, checked later
    if kind == "population":
        provided.add("type_population")
    if kind == "structures":
        provided |= {"type_structure", "id_structure"}
        names = ALIASES["structures"]["_nom_commune"]
        if any(_alias_hit(norm_header(h), names) for h in header if h):
            provided.add("code_insee")  # found by name and postal code (_pre_structures)
    return provided


# --------------------------------------------------------------------- kind-specific hooks
def _pre_population(frame, lines, header, opts, report, headers):
    pop_header = headers.get("population", "")
    h = norm_header(pop_header)
    if "type_population" not in frame.columns:
        kind = "totale" if ("tot" in h) else "municipale"
        frame["type_population"] = kind
        report.note(f"Population « {pop_header} » lue comme population {kind}.")
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", pop_header) or re.fullmatch(
        r"p(?:mun|tot)_?(\d{2})", h
    )
    if "annee" not in frame.columns and m and not opts.annee:
        year = m.group(1) if len(m.group(1)) == 4 else str(2000 + int(m.group(1)))
        frame["annee"] = year
        report.note(f"Millésime {year} lu dans l'en-tête « {pop_header} ».")
    return frame, lines


def _pre_enfants(frame, lines, header, opts, report, headers):
    patterns = {
        "enfants_moins_3": r"^p(\d{2})_",
        "enfants_moins_6": r"^p(\d{2})_",
        "naissances": r"^naisd(\d{2})$",
    }
    for col, pattern in patterns.items():
        m = re.match(pattern, norm_header(headers.get(col, "")))
        if m and "annee" not in frame.columns and not opts.annee:
            frame["annee"] = str(2000 + int(m.group(1)))
            report.note(f"Millésime {2000 + int(m.group(1))} lu dans l'en-tête « {headers[col]} ».")
    return frame, lines


def _sum_codes(
    frame: pd.DataFrame,
    lines: np.ndarray,
    report: Report,
    value_cols: list[str],
    headers: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Sum IRIS rows (9-character codes) to their commune (first 5 characters)."""
    codes_ = frame["code_insee"].astype(str).str.strip()
    iris = codes_.str.fullmatch(r"(?:\d{9}|2[AB]\d{7})")
    if not iris.any():
        return frame, lines
    frame = frame.copy()
    frame["code_insee"] = codes_.where(~iris, codes_.str[:5])
    headers = headers or {}
    n_iris = int(iris.sum())
    frame["_line"] = lines
    parsed = {}
    from datastore.readers import parse_numbers

    for c in value_cols:
        if c in frame.columns:
            note_missing_markers(report, headers.get(c, c), frame[c])
            num, invalid = parse_numbers(frame[c])
            if invalid.any():
                report.cells(lines[invalid.to_numpy()], c, frame.loc[invalid, c], "un nombre")
            parsed[c] = num
    if not report.ok:
        return frame.drop(columns="_line"), lines
    for c, num in parsed.items():
        frame[c] = num
    keys = ["code_insee"] + (["annee"] if "annee" in frame.columns else [])
    gb = frame.groupby(keys, sort=False)
    firsts = [c for c in frame.columns if c not in parsed and c not in keys]
    out = gb[firsts].first().join(gb[list(parsed)].sum(min_count=1)).reset_index()
    for c in parsed:
        out[c] = out[c].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    report.note(
        f"{n_iris} ligne(s) IRIS additionnée(s) en {len(out)} commune(s) (code commune = 5 premiers "
        "caractères du code IRIS, géographie de l'année du fichier)."
    )
    return out.drop(columns="_line"), out["_line"].to_numpy(dtype=np.int64)


def _pre_allocataires(frame, lines, header, opts, report, headers):
    cols = [
        c for c in dataset_type("allocataires").column_names if c not in ("code_insee", "annee")
    ]
    return _sum_codes(frame, lines, report, cols, headers)


def _count_cols(kind: str) -> list[str]:
    return [
        c.name
        for c in dataset_type(kind).columns
        if c.dtype in (Dtype.INT, Dtype.FLOAT) and c.name != "annee"
    ]


def _post_counts(kind: str):
    def post(typed: pd.DataFrame, lines: np.ndarray, report: Report):
        keys = list(dataset_type(kind).keys)
        return _map_merged(typed, "code_insee", keys, _count_cols(kind), [], report, lines)

    return post


def _post_densite(typed, lines, report):
    return _map_merged(
        typed, "code_insee", ["code_insee", "annee"], [], ["dens7", "dens7_lib"], report, lines
    )


_TYPE_WORDS = (
    ("RPE", ("rpe", "relais", "ram")),
    ("LAEP", ("laep", "lieu d'accueil enfant", "lieu d accueil enfant")),
    ("ALSH", ("alsh", "accueil de loisirs", "centre de loisirs")),
    ("EVS", ("evs", "espace de vie sociale")),
    ("CS", ("cs", "centre social", "centres sociaux")),
    (
        "EAJE",
        (
            "eaje",
            "creche",
            "micro",
            "multi",
            "halte",
            "jardin d'enfants",
            "etablissement d'accueil",
        ),
    ),
)


def _structure_type(value: str) -> str:
    v = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower().strip()
    for canon, words in _TYPE_WORDS:
        if v == canon.lower() or any(w in v for w in words if len(w) > 3) or v in words:
            return canon
    return value


def _pre_structures(frame, lines, header, opts, report, headers):
    if "type_structure" not in frame.columns:
        frame["type_structure"] = "EAJE"
        report.note("Aucune colonne de type : toutes les structures sont lues comme des EAJE.")
    else:
        frame["type_structure"] = frame["type_structure"].astype(str).map(_structure_type)
    if "id_structure" not in frame.columns:
        frame["id_structure"] = [f"L{int(n)}" for n in lines]
        report.note(
            "Aucune colonne d'identifiant : chaque structure reçoit l'identifiant « L » + numéro de ligne."
        )
    if "code_insee" not in frame.columns and "_nom_commune" in frame.columns:
        frame = _codes_from_names(frame, lines, report, headers)
    return frame, lines


@lru_cache(maxsize=1)
def _commune_name_index() -> tuple[
    dict[tuple[str, str], tuple[tuple[str, float], ...]],
    dict[str, tuple[tuple[str, float], ...]],
]:
    """COG communes by (département, normalised name) and by normalised name (France), each
    hit as (code, population municipale): used to find communes in files that only give names
    (QPV indicators, lists of structures). Cached; read-only."""
    from geodata.reference import communes_table

    com = communes_table()
    by_dep: dict[tuple[str, str], list[tuple[str, float]]] = {}
    by_name: dict[str, list[tuple[str, float]]] = {}
    for code, nom, dep, pop in zip(
        com["code_insee"], com["nom"], com["dep"], com["population"], strict=True
    ):
        hit = (str(code), 0.0 if pd.isna(pop) else float(pop))
        key = _norm_name(nom)
        by_dep.setdefault((str(dep), key), []).append(hit)
        by_name.setdefault(key, []).append(hit)
    return (
        {k: tuple(v) for k, v in by_dep.items()},
        {k: tuple(v) for k, v in by_name.items()},
    )


def _postal_departements(cp: str) -> tuple[str, ...]:
    if not re.fullmatch(r"\d{5}", cp):
        return ()
    if cp.startswith("20"):
        return ("2A", "2B")
    return (cp[:3],) if cp.startswith("97") else (cp[:2],)


def _plm_from_postal(cp: str) -> str | None:
    """Arrondissement of Paris, Lyon or Marseille given by its postal code (75012 -> 75112)."""
    n = int(cp[-2:]) if re.fullmatch(r"\d{5}", cp) else 0
    if (cp.startswith("750") and 1 <= n <= 20) or cp == "75116":
        return f"751{n:02d}"
    if cp.startswith("6900") and 1 <= n <= 9:
        return f"6938{n}"
    if cp.startswith("130") and 1 <= n <= 16:
        return f"132{n:02d}"
    return None


def _codes_from_names(
    frame: pd.DataFrame, lines: np.ndarray, report: Report, headers: dict[str, str]
) -> pd.DataFrame:
    """INSEE code of each structure from its commune name and postal code (département)."""
    by_dep, by_name = _commune_name_index()
    names = frame["_nom_commune"].astype("string").fillna("")
    cps = (
        frame["_code_postal"].map(codes.clean_code).str.zfill(5)
        if "_code_postal" in frame.columns
        else pd.Series("", index=frame.index)
    )
    out: list[str | None] = []
    ref = codes.commune_reference()
    for line, name, cp in zip(lines, names, cps, strict=True):
        as_code = codes.normalize_commune(str(name))
        if as_code is not None and ref.is_current(as_code):  # a « Commune » column of codes
            out.append(as_code)
            continue
        key = _norm_name(str(name))
        plm = _plm_from_postal(str(cp))
        if plm and key.split(" ")[0] in ("paris", "lyon", "marseille"):
            out.append(plm)
            continue
        deps = _postal_departements(str(cp))
        hits = [c for d in deps for c, _ in by_dep.get((d, key), ())] if deps else []
        if not hits and not deps:
            hits = [c for c, _ in by_name.get(key, ())]
        if len(hits) == 1:
            out.append(hits[0])
            continue
        where = f" du département {'/'.join(deps)}" if deps else ""
        report.cell_error(
            int(line),
            headers.get("_nom_commune", "commune"),
            str(name),
            (
                f"un nom de commune{where} sans homonyme (ajoutez une colonne code_insee)"
                if len(hits) > 1
                else f"un nom de commune{where} (COG {codes.COG_YEAR})"
            ),
        )
        out.append(None)
    frame = frame.copy()
    frame["code_insee"] = out
    found = sum(c is not None for c in out)
    report.note(
        f"Pas de colonne de code INSEE : commune retrouvée par son nom"
        f"{' et le département du code postal' if '_code_postal' in frame.columns else ''} "
        f"pour {found} structure(s) sur {len(out)}."
    )
    return frame


_NIVEAU_CTG = {
    "communal": "communal",
    "commune": "communal",
    "communale": "communal",
    "intercommunal": "intercommunal",
    "intercommunale": "intercommunal",
    "epci": "intercommunal",
}


def _pre_ctg(frame, lines, header, opts, report, headers):
    if "niveau" in frame.columns:
        low = frame["niveau"].astype(str).str.strip().str.lower()
        frame["niveau"] = low.map(_NIVEAU_CTG).fillna(frame["niveau"])
    return ctg_checks.resolve_signatories(
        frame,
        lines,
        "signataires",
        headers.get("signataires", "signataires"),
        report,
        opts.drop_bad_signatory_lines,
    )


def _post_ctg(typed, lines, report):
    ctg_checks.warn_overlaps(typed, lines, report)
    return typed, lines


def _pre_ctg_avenants(frame, lines, header, opts, report, headers):
    if "signataires_ajoutes" not in frame.columns:
        return frame, lines
    return ctg_checks.resolve_signatories(
        frame,
        lines,
        "signataires_ajoutes",
        headers.get("signataires_ajoutes", "signataires_ajoutes"),
        report,
        opts.drop_bad_signatory_lines,
    )


# The four AO competences (CASF L.214-1-3), in the order of the law: a cell may name one by its
# key, its number (1 to 4) or its wording (« Recenser les besoins », « Soutien à la qualité »).
_COMPETENCE_ORDER = ("recenser", "informer", "planifier", "qualite")
_COMPETENCE_STEMS = {
    "recenser": ("recens", "besoin"),
    "informer": ("inform", "accompagn"),
    "planifier": ("planif", "developpement"),
    "qualite": ("qualit",),
}


def competence_key(text: object) -> str | None:
    """Key of the AO competence a cell names, or None when it names none or several."""
    v = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower().strip()
    if v in _COMPETENCE_ORDER:
        return v
    number = re.fullmatch(r"\(?(?:c|competence)?\s*([1-4])\)?", v)
    if number:
        return _COMPETENCE_ORDER[int(number.group(1)) - 1]
    hits = [k for k, stems in _COMPETENCE_STEMS.items() if any(st in v for st in stems)]
    return hits[0] if len(hits) == 1 else None


def _pre_ao(frame, lines, header, opts, report, headers):
    raw = frame["competence"].astype(str).str.strip()
    keys = raw.map(competence_key)
    frame["competence"] = keys.where(keys.notna(), raw.str.lower())
    siren = frame["siren_epci"].map(codes.normalize_siren)
    bad = siren.isna()
    if bad.any():
        report.cells(
            lines[bad.to_numpy()],
            headers.get("siren_epci", "siren_epci"),
            frame.loc[bad, "siren_epci"],
            "un SIREN d'EPCI à 9 chiffres",
        )
    frame["siren_epci"] = siren.fillna(frame["siren_epci"])
    if "communes" in frame.columns:
        frame["communes"] = (
            frame["communes"]
            .astype(str)
            .map(
                lambda v: "|".join(
                    codes.normalize_commune(p) or p for p in re.split(r"[|,;/ ]+", v) if p.strip()
                )
            )
        )
    else:
        frame["communes"] = ""
    ctg_checks.warn_small_transfers(frame, lines, report, headers.get("communes", "communes"))
    return frame, lines


_DREES_CODES = re.compile(r"^(?:\d{2}|2[AB]|97\d|20|20R|69[DM]|6AE)$")


def _pre_drees(frame, lines, header, opts, report, headers):
    clean = frame["code_departement"].map(codes.clean_code)
    clean = clean.where(~(clean.str.isdigit() & (clean.str.len() == 1)), "0" + clean)
    bad = ~clean.str.match(_DREES_CODES)
    if bad.any():
        report.cells(
            lines[bad.to_numpy()],
            headers.get("code_departement", "code_departement"),
            frame.loc[bad, "code_departement"],
            "un code de département (01, 2A, 971, 69M, 6AE…)",
        )
    frame["code_departement"] = clean
    special = clean.isin(["20", "6AE", "69D", "69M", "20R"])
    if special.any():
        report.note(
            f"{int(special.sum())} ligne(s) de collectivités (20 Corse, 6AE Alsace, 69D/69M Rhône et "
            "Métropole de Lyon) conservées avec leur code ; à ne pas additionner aux départements."
        )
    return frame, lines


def _norm_name(text: str) -> str:
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    t = re.sub(r"\bst\b", "saint", t)
    return re.sub(r"\bste\b", "sainte", t)


def _qpv_departement(code_qpv: str) -> str | None:
    m = re.match(r"^QP(\d{2}[0-9AB]|02[AB])\d{3}$", code_qpv.strip().upper())
    if not m:
        return None
    d = m.group(1)
    return d[1:] if d.startswith("0") else d


def _qpv_rows_per_quartier(
    frame: pd.DataFrame, lines: np.ndarray, report: Report
) -> tuple[pd.DataFrame, np.ndarray]:
    """A list with one row per commune × quartier (ANCT list of the QPV 2024) as one row per
    quartier: its first commune in `code_insee`, all of them in `communes` (« ; »)."""
    qp = frame["code_qpv"].astype(str).str.strip()
    if not qp.duplicated().any():
        return frame, lines
    frame = frame.assign(_line=lines, code_insee=frame["code_insee"].astype(str).str.strip())
    every = frame.groupby(qp, sort=False)["code_insee"].agg(lambda c: ";".join(dict.fromkeys(c)))
    first = frame.loc[~qp.duplicated()].copy()
    first["communes"] = qp[~qp.duplicated()].map(every).to_numpy()
    multi = int((first["communes"].str.contains(";")).sum())
    report.note(
        f"Liste par commune et quartier : {len(frame)} ligne(s) regroupée(s) en {len(first)} "
        f"quartier(s), dont {multi} sur plusieurs communes (colonne « communes »)."
    )
    out_lines = first.pop("_line").to_numpy(dtype=np.int64)
    return first.reset_index(drop=True), out_lines


def _pre_qpv(frame, lines, header, opts, report, headers):  # noqa: C901 - one pass over the QPV list; split with importers.py (not this session)
    """Match each QPV to its commune by name + département taken from the QPV code."""
    ref = codes.commune_reference()
    if "code_insee" in frame.columns and (frame["code_insee"].astype(str).str.strip() != "").all():
        return _qpv_rows_per_quartier(frame, lines, report)
    index, by_name = _commune_name_index()
    merged_names = {
        (codes.departement_of_commune(o), _norm_name(n)): ref.passage[o]
        for o, n in ref.passage_names.items()
    }
    pop_com = None
    if "_pop_com" in frame.columns:
        from datastore.readers import parse_numbers

        pop_com = parse_numbers(frame["_pop_com"])[0]
    counts = {"merged": 0, "renamed": 0, "elsewhere": 0, "homonyms": 0}

    def _match(dep: str | None, name: str, target: float | None) -> str:
        """COG 2025 code of the commune `name` of a QPV of département `dep` ('' if none)."""
        hits = index.get((dep or "", _norm_name(name)), []) if dep else []
        arr = re.match(
            r"^(paris|lyon|marseille) (\d{1,2})(?:e|er|eme)?(?: arrondissement)?$",
            _norm_name(name),
        )
        if arr:
            code = {"paris": "751", "lyon": "6938", "marseille": "132"}[arr.group(1)]
            code = code + arr.group(2).zfill(5 - len(code))
            if codes.is_arrondissement(code):
                hits = [(code, 0.0)]
        if dep == "75" and not hits:
            hits = index.get(("75", "paris"), [])
        if not hits and dep:
            # A commune merged since (e.g. Pierrefitte-sur-Seine -> Saint-Denis): its old name.
            old = merged_names.get((dep, _norm_name(name)))
            if old:
                hits = [(old, 0.0)]
                counts["merged"] += 1
        if not hits and dep:
            # Commune renamed since (Grigny -> Grigny-sur-Rhône): unique longer name in the département.
            stem = _norm_name(name) + " "
            longer = [
                h for (d, nm), hs in index.items() if d == dep and nm.startswith(stem) for h in hs
            ]
            if len(longer) == 1:
                hits = longer
                counts["renamed"] += 1
        if not hits:
            # Name unique in France (QPV code of a neighbouring département, as QP062040 Ostricourt).
            anywhere = by_name.get(_norm_name(name), [])
            if len(anywhere) == 1:
                hits = anywhere
                counts["elsewhere"] += 1
        if len(hits) > 1:
            counts["homonyms"] += 1
            hits = sorted(hits, key=lambda h: abs(h[1] - target) if target is not None else -h[1])
        return hits[0][0] if hits else ""

    out_codes: list[str] = []
    all_codes: list[str] = []
    unmatched: list[str] = []
    multi = 0
    for i, (qp, names) in enumerate(
        zip(frame["code_qpv"].astype(str), frame["nom_commune"].astype(str), strict=True)
    ):
        dep = _qpv_departement(qp)
        parts = [n.strip() for n in names.split(",") if n.strip()] or [names.strip()]
        if len(parts) > 1:
            multi += 1
        target = (
            float(pop_com.iloc[i]) if pop_com is not None and pd.notna(pop_com.iloc[i]) else None
        )
        found = [_match(dep, name, target if len(parts) == 1 else None) for name in parts]
        out_codes.append(found[0])
        all_codes.append(";".join(dict.fromkeys(c for c in found if c)))
        if not found[0]:
            unmatched.append(f"{qp} ({parts[0]})")
    frame = frame.copy()
    frame["code_insee"] = out_codes
    frame["communes"] = all_codes
    if multi:
        report.note(
            f"{multi} quartier(s) sur plusieurs communes : rattaché(s) à chacune (colonne « communes » ; "
            "la première citée dans « code_insee »). La population du quartier n'est pas répartie "
            "entre ses communes."
        )
    if counts["homonyms"]:
        report.note(
            f"{counts['homonyms']} nom(s) de commune homonyme(s) dans le département : la commune dont la population "
            "est la plus proche de celle publiée a été retenue."
        )
    if counts["merged"]:
        report.note(
            f"{counts['merged']} quartier(s) rattaché(s) par l'ancien nom d'une commune fusionnée depuis "
            f"(commune du COG {codes.COG_YEAR})."
        )
    if counts["renamed"]:
        report.note(
            f"{counts['renamed']} quartier(s) rattaché(s) à une commune renommée depuis (nom publié suivi d'un "
            "complément, unique dans le département)."
        )
    if counts["elsewhere"]:
        report.note(
            f"{counts['elsewhere']} quartier(s) dont la commune n'est pas dans le département du code QPV : "
            "rattaché(s) par le nom, unique en France."
        )
    if unmatched:
        report.warn(
            f"{len(unmatched)} quartier(s) sans commune retrouvée (nom + département) : "
            + ", ".join(unmatched[:20])
            + (" …" if len(unmatched) > 20 else "")
            + "."
        )
    return frame, lines


#: French labels of the SDSF indicators and value types accepted for their ids.
_SDSF_WORDS = {
    "places_eaje_psu": ("places", "psu"),
    "lieux_parentalite": ("lieux", "parentalit"),
    "etp_rpe": ("etp", "rpe"),
    "part_villes_rpe": ("villes", "rpe"),
    "dispositifs_passerelles": ("passerelle",),
    "creches_avip": ("avip",),
    "controles_conjoints": ("conjoint",),
    "visites_controle_cd": ("visite",),
}
_SDSF_VALUE_WORDS = {
    "reference": ("refer", "base", "initial"),
    "cible": ("cible", "objectif"),
    "jalon": ("jalon", "etape", "intermediaire"),
    "realise": ("realis", "constat", "observ"),
}


def _word_id(value: object, words: dict[str, tuple[str, ...]], every: bool = True) -> object:
    """The one id whose words all appear (`every`) or one of whose words appears in a French
    label (« Nombre de places offertes en EAJE PSU » -> places_eaje_psu); the value unchanged
    otherwise (the schema then names it)."""
    if not isinstance(value, str):
        return value
    key = norm_header(value)
    if key in words:
        return key
    test = all if every else any
    hits = [i for i, ws in words.items() if test(w in key for w in ws)]
    return hits[0] if len(hits) == 1 else value


def _pre_sdsf(frame, lines, header, opts, report, headers):
    frame = frame.copy()
    frame["indicateur"] = frame["indicateur"].map(lambda v: _word_id(v, _SDSF_WORDS))
    frame["type_valeur"] = frame["type_valeur"].map(
        lambda v: _word_id(v, _SDSF_VALUE_WORDS, every=False)
    )
    frame["code_departement"] = frame["code_departement"].map(
        lambda v: v.strip().zfill(2) if isinstance(v, str) and v.strip().isdigit() else v
    )
    return frame, lines


def _post_sdsf(typed, lines, report):
    from datastore.sdsf_checks import target_year_problems

    for pos, column, message in target_year_problems(typed):
        report.cell_error(
            int(lines[pos]),
            column,
            str(typed["annee"].iloc[pos]),
            f"une année postérieure à celle de la référence ({message})",
        )
    return typed, lines


_PRE_HOOKS: dict[str, Callable] = {
    "population": _pre_population,
    "enfants": _pre_enfants,
    "allocataires": _pre_allocataires,
    "structures": _pre_structures,
    "ctg": _pre_ctg,
    "ctg_avenants": _pre_ctg_avenants,
    "ao_transferts": _pre_ao,
    "drees_offre": _pre_drees,
    "qpv": _pre_qpv,
    "sdsf_indicateurs": _pre_sdsf,
}
_POST_HOOKS: dict[str, Callable] = {
    "population": _post_counts("population"),
    "enfants": _post_counts("enfants"),
    "allocataires": _post_counts("allocataires"),
    "bpe_eaje": _post_counts("bpe_eaje"),
    "densite": _post_densite,
    "ctg": _post_ctg,
    "sdsf_indicateurs": _post_sdsf,
}


# --------------------------------------------------------------------------------- CNAF
def _caf(  # noqa: C901 - Cnaf file variants in order; split with importers.py (not this session)
    raw: RawTable, dtype: DatasetType, opts: ImportOptions, report: Report, prepared: Prepared
) -> tuple[pd.DataFrame | None, np.ndarray]:
    kind = dtype.kind
    key_lookup = {a: canon for canon, al in CAF_KEY_ALIASES.items() for a in al}

    def score(cells: list[str]) -> int:
        keys = {key_lookup[norm_header(c)] for c in cells if norm_header(c) in key_lookup}
        vals = {caf_value_column(norm_header(c), kind) for c in cells if c} - {None}
        return len(keys) + len(vals)

    raw = best_sheet(raw, score)
    for n in raw.notes:
        report.note(n)
    choice = locate_header(raw, score)
    if choice.merged_rows > 1:
        report.note(
            f"En-tête sur deux lignes (cellules fusionnées) reconstitué à la ligne {raw.lines[choice.row]}."
        )
    elif choice.row > 0:
        report.note(f"{choice.row} ligne(s) de titre au-dessus de l'en-tête ignorée(s).")
    mapping: dict[int, str] = {}
    used: set[str] = set()
    ignored = []
    for i, h in enumerate(choice.header):
        key = norm_header(h)
        canon = key_lookup.get(key) or caf_value_column(key, kind)
        if canon and canon not in used:
            mapping[i] = canon
            used.add(canon)
        elif h:
            ignored.append(h)
    prepared.mapping = {choice.header[i]: c for i, c in mapping.items()}
    _note_ignored(report, ignored)
    value_cols = [c.name for c in dtype.columns if c.name.startswith(("tx_", "pl_"))]
    if not used & set(value_cols):
        what = (
            "taux de couverture (ex. « taux_de_couv_global »)"
            if kind == "caf_taux"
            else "nombres de places (ex. « places_offertes_ensemble »)"
        )
        report.error(
            f"{report.file}, ligne d'en-tête : aucune colonne de {what} reconnue ; colonnes trouvées : "
            + (", ".join(f"« {h} »" for h in choice.header if h) or "aucune")
            + ".",
            expected=what,
        )
        return None, np.array([], dtype=np.int64)
    missing_required = [c for c in dtype.required_headers if c not in used]
    if missing_required:
        found = ", ".join(f"« {h} »" for h in choice.header if h) or "aucune"
        for c in missing_required:
            report.error(
                f"{report.file}, ligne d'en-tête : colonne obligatoire « {c} » "
                f"({dtype.column(c).label}) introuvable ; colonnes trouvées : {found}. "
                "Une colonne absente n'est jamais lue comme « valeurs manquantes ».",
                column=c,
                expected=dtype.column(c).label,
            )
        return None, np.array([], dtype=np.int64)
    frame, lines, headers = _frame_from(raw, choice.row, choice.header, mapping, report)
    niveau = opts.niveau
    if niveau is None and "niveau" not in frame.columns:
        niveau = _caf_scale(headers, report, choice.header)
        if niveau is None:
            return None, lines
    if niveau is not None:
        frame["niveau"] = niveau
        col = CAF_SCALE_CODES.get(niveau)
        if col and col in frame.columns:
            frame["code"] = frame[col]
            headers["code"] = headers[col]
            frame["nom"] = frame.get(f"nom_{niveau}", "")
        elif niveau == "france":
            frame["code"] = ""
            frame["nom"] = "France"
        elif "code" not in frame.columns:
            report.error(
                f"{report.file}, ligne d'en-tête : échelle « {niveau} » choisie mais aucune colonne de "
                f"code {SCALE_SINGULAR[niveau]} ({_caf_code_examples(niveau)}) ; colonnes trouvées : "
                + (", ".join(f"« {h} »" for h in choice.header if h) or "aucune")
                + ".",
                column=col,
                expected=f"une colonne de code {SCALE_SINGULAR[niveau]}",
            )
            return None, lines
    if not _year_option(frame, opts, report, report.file):
        return None, lines
    frame["annee"] = frame["annee"].astype(str).str.strip().str[:4]
    if kind == "caf_taux":
        frame = _caf_edition(frame, opts, report)
    frame["niveau"] = frame["niveau"].astype(str).str.strip().str.lower()
    frame, lines = _caf_codes(frame, lines, report, headers.get("code", "code"))
    for c in ("nom",):
        if c not in frame.columns:
            frame[c] = ""
    typed = _convert_all(frame, dtype, lines, report, headers, skip=("code",))
    typed["code"] = frame["code"].astype("string").to_numpy()
    if not report.ok:
        return typed, lines
    communal = (typed["niveau"] == "commune").to_numpy()
    if communal.any():
        sub, sub_lines = typed.loc[communal], lines[communal]
        rest, rest_lines = typed.loc[~communal], lines[~communal]
        # places are counts (summed over merged communes); rates cannot be summed
        sums, nulls = (value_cols, []) if kind == "caf_places" else ([], value_cols)
        sub, sub_lines = _map_merged(
            sub, "code", ["code", "annee", "niveau"], sums, nulls, report, sub_lines, name_col="nom"
        )
        typed = pd.concat([rest, sub], ignore_index=True)
        lines = np.concatenate([rest_lines, sub_lines])
    return typed, lines


CAF_SCALE_CODES = {
    "commune": "code_commune",
    "epci": "code_epci",
    "departement": "code_departement",
    "region": "code_region",
}
_SCALE_ORDER = ("commune", "epci", "departement", "region", "france")
#: File-name stems of the data.caf.fr datasets (txcouv_pe_com, nbpla_pe_epci, …).
_SCALE_NAME_HINTS = (
    (r"(?:^|_)(?:com|communes?|communal)(?:_|$)", "commune"),
    (r"(?:^|_)(?:epci|intercommunal)(?:_|$)", "epci"),
    (r"(?:^|_)(?:dep|dept|departements?|departemental)(?:_|$)", "departement"),
    (r"(?:^|_)(?:reg|regions?|regional)(?:_|$)", "region"),
    (r"(?:^|_)(?:fra|france|nat|national)(?:_|$)", "france"),
)


def _caf_code_examples(niveau: str) -> str:
    names = [a for a in CAF_KEY_ALIASES[CAF_SCALE_CODES[niveau]] if not a.startswith("re:")]
    return "ex. " + ", ".join(f"« {a} »" for a in names[:3])


def _caf_scale(headers: dict[str, str], report: Report, header: list[str]) -> str | None:
    """The scale of a CNAF file without a `niveau` column, decided from its code columns only.

    The finest scale the file points to (a code column, a name column such as « nom_commune »,
    or the data.caf.fr file name « …_com », « …_epci »…) must have its code column: a commune
    file whose code header was lost is refused with the headers found, never re-read as the
    next scale that has a code. No territory column at all and no hint: national figures.
    `headers` maps the canonical columns found to the file's headers. Returns None (with an
    error) when the expected code column is absent.
    """
    stem = norm_header(Path(report.file).stem)
    from_name = next((lvl for pat, lvl in _SCALE_NAME_HINTS if re.search(pat, stem)), None)
    clues: list[tuple[str, str]] = []
    for lvl in _SCALE_ORDER[:-1]:
        for col in (CAF_SCALE_CODES[lvl], f"nom_{lvl}"):
            if col in headers:
                clues.append((lvl, f"la colonne « {headers[col]} »"))
                break
    if from_name:
        clues.append((from_name, f"le nom du fichier « {Path(report.file).name} »"))
    if not clues:
        report.note("Échelle détectée : france (aucune colonne de territoire).")
        return "france"
    niveau, why = min(clues, key=lambda c: _SCALE_ORDER.index(c[0]))
    if niveau == "france":
        report.note(f"Échelle détectée : france (d'après {why}).")
        return niveau
    code_col = CAF_SCALE_CODES[niveau]
    if code_col not in headers:
        found = ", ".join(f"« {h} »" for h in header if h) or "aucune"
        report.error(
            f"{report.file}, ligne d'en-tête : fichier à l'échelle « {niveau} » (d'après {why}) "
            f"mais colonne de code {SCALE_SINGULAR[niveau]} introuvable ({_caf_code_examples(niveau)}) ; "
            f"colonnes trouvées : {found}. L'échelle n'est jamais devinée à partir d'une autre "
            "colonne : rétablissez l'en-tête du code (cellule fusionnée ou effacée ?) ou choisissez "
            "l'échelle.",
            column=code_col,
            expected=f"une colonne de code {SCALE_SINGULAR[niveau]}",
        )
        return None
    report.note(f"Échelle détectée : {niveau} (codes lus dans la colonne « {headers[code_col]} »).")
    return niveau


_EDITION_WORDS = {
    "hist": "hist",
    "historique": "hist",
    "premiere publication": "hist",
    "courant": "courant",
    "courante": "courant",
    "revise": "courant",
    "revisee": "courant",
}


def _caf_edition(frame: pd.DataFrame, opts: ImportOptions, report: Report) -> pd.DataFrame:
    """Edition of every row (hist = first publication, courant = current, revised, edition):
    the file's « edition » column, else the import option, else decided from the file: a
    data.caf.fr « _hist » file name, or a file of three years or more (the history files hold
    2017 to N-1), is the first publication; a file of one or two years is the current edition
    (the latest year and the previous one, revised). The report says which rule decided."""
    frame = frame.copy()
    if "edition" in frame.columns:
        raw = frame["edition"].astype(str).str.strip()
        words = raw.map(lambda v: _EDITION_WORDS.get(_norm_name(v), v))
        frame["edition"] = words
        report.note("Édition lue dans la colonne « edition » (hist / courant).")
        return frame
    if opts.edition:
        if opts.edition not in EDITIONS:
            report.error(
                f"{report.file} : édition « {opts.edition} » inconnue ; hist ou courant attendu.",
                expected="hist ou courant",
            )
            return frame
        frame["edition"] = opts.edition
        report.note(
            f"Édition choisie à l'import : {opts.edition} ({EDITION_LABELS[opts.edition]})."
        )
        return frame
    years = sorted(frame["annee"].astype(str).unique())
    if "hist" in norm_header(Path(report.file).stem).split("_"):
        edition, why = "hist", "nom de fichier « _hist » (historique data.caf.fr)"
    elif len(years) >= 3:
        edition, why = "hist", f"{len(years)} années ({years[0]}-{years[-1]}) : fichier historique"
    else:
        edition, why = (
            "courant",
            (f"{len(years)} année(s) ({', '.join(years)}) : fichier de l'édition courante"),
        )
    frame["edition"] = edition
    report.note(
        f"Édition déduite du fichier : {edition} ({EDITION_LABELS[edition]}) — {why}. "
        "Pour une autre édition, indiquez-la à l'import (option « édition »)."
    )
    return frame


def _caf_codes(
    frame: pd.DataFrame, lines: np.ndarray, report: Report, header: str
) -> tuple[pd.DataFrame, np.ndarray]:
    frame = frame.copy()
    if "code" not in frame.columns:
        frame["code"] = ""
    cleaned = codes.clean_codes(frame["code"])
    keep = _not_placeholder(cleaned, report, header, "« XX », « XXX »")
    if keep is not None:
        frame, lines, cleaned = frame.loc[keep], lines[keep], cleaned[keep]
    niveau = frame["niveau"].astype(str)
    out = pd.Series("", index=frame.index, dtype=object)
    normalisers = {
        "commune": codes.normalize_commune,
        "epci": codes.normalize_siren,
        "departement": codes.normalize_departement,
        "region": codes.normalize_region,
    }
    expected = {
        "commune": COMMUNE_EXPECTED,
        "epci": "un SIREN d'EPCI à 9 chiffres",
        "departement": "un code de département (01, 2A, 971, 20R, 69D, 69M)",
        "region": "un code de région à 2 chiffres",
    }
    for lvl, fn in normalisers.items():
        m = (niveau == lvl).to_numpy()
        if not m.any():
            continue
        inverse, uniq = pd.factorize(cleaned[m])  # each code once (files repeat them)
        norm = pd.Series(
            pd.Series(uniq, dtype=object).map(fn).to_numpy(dtype=object)[inverse],
            index=cleaned[m].index,
        )
        bad = norm.isna()
        if bad.any():
            report.cells(lines[m][bad.to_numpy()], header, frame.loc[m, "code"][bad], expected[lvl])
        out[m] = norm.fillna("")
    out[(niveau == "france").to_numpy()] = ""
    unknown_lvl = ~niveau.isin(list(normalisers) + ["france"])
    if unknown_lvl.any():
        report.cells(
            lines[unknown_lvl.to_numpy()],
            "niveau",
            niveau[unknown_lvl],
            "commune, epci, departement, region ou france",
        )
    _note_padded(cleaned, out, niveau, report, header)
    frame["code"] = out
    com = (niveau == "commune").to_numpy()
    if com.any():
        sub = frame.loc[com]
        sub, _ = _communes(sub, "code", lines[com], report, header)
        frame.loc[com, "code"] = sub["code"].fillna("")
        if "nom" in frame.columns:
            _note_name_mismatch(frame.loc[com, "code"], frame.loc[com, "nom"], lines[com], report)
    _note_old_epci(frame, report)
    if frame["code"].isin(list(codes.CAF_DEPARTEMENTS)).any():
        report.note(
            "Codes départementaux propres aux Caf conservés tels que publiés : 20R (Corse), 69D (Rhône hors "
            "Métropole) et 69M (Métropole de Lyon)."
        )
    return frame, lines


def _note_padded(
    cleaned: pd.Series, normalised: pd.Series, niveau: pd.Series, report: Report, header: str
) -> None:
    """Note the codes whose leading zeros were restored (« 1004 » → « 01004 », « 1 » → « 01 »).
    Works on the distinct (code, scale) pairs: files repeat each code once per year."""
    pairs = pd.DataFrame(
        {
            "c": cleaned.astype(str).to_numpy(),
            "n": normalised.astype(str).to_numpy(),
            "lv": niveau.astype(str).to_numpy(),
        }
    )
    counts = pairs.value_counts(sort=False).reset_index(name="rows")
    c, n = counts["c"].to_numpy(dtype=str), counts["n"].to_numpy(dtype=str)
    padded = np.array(
        [
            len(b) > 0 and len(a) > len(b) and a.endswith(b) and set(a[: len(a) - len(b)]) == {"0"}
            for a, b in zip(n, c, strict=True)
        ],
        dtype=bool,
    )
    if not padded.any():
        return
    lv = counts["lv"].to_numpy(dtype=str)
    rows = counts["rows"].to_numpy()
    parts = []
    for lvl in _SCALE_ORDER:
        m = padded & (lv == lvl)
        if m.any():
            i = int(np.flatnonzero(m)[0])
            parts.append(
                f"{int(rows[m].sum())} code(s) {SCALE_SINGULAR[lvl]} (ex. {c[i]} → {n[i]})"
            )
    report.note(f"Zéros initiaux perdus rétablis (colonne « {header} ») : {' ; '.join(parts)}.")


def _note_name_mismatch(
    code: pd.Series, name: pd.Series, lines: np.ndarray, report: Report, shown: int = 5
) -> None:
    """Note the rows whose commune name is, in the COG, the name of ANOTHER commune of the same
    département (a shifted row or a wrong code): the code is kept, the note lets the user
    check. Spelling variants and renamed communes (no other commune of that name) are not
    flagged."""
    from geodata.reference import communes_table

    if name.isna().all():
        return
    pairs = pd.DataFrame({"code": code.astype(str).to_numpy(), "nom": name.astype(str).to_numpy()})
    _, first_rows = np.unique(
        pd.factorize(pairs["code"] + "\x1f" + pairs["nom"])[0], return_index=True
    )
    first = pairs.iloc[first_rows].assign(_line=np.asarray(lines)[first_rows])
    first = first[(first["nom"].str.strip() != "") & (first["code"] != "")]
    if first.empty:
        return
    com = communes_table()
    ref_name = dict(zip(com["code_insee"].astype(str), com["nom"].astype(str), strict=True))
    ref_dep = dict(zip(com["code_insee"].astype(str), com["dep"].astype(str), strict=True))
    by_dep, _ = _commune_name_index()
    found = []
    for c, n, line in zip(first["code"], first["nom"], first["_line"], strict=True):
        own = ref_name.get(c)
        if own is None:
            continue
        key = _norm_name(n)
        if key == _norm_name(own):
            continue
        others = [h[0] for h in by_dep.get((ref_dep[c], key), ()) if h[0] != c]
        if others:
            found.append(
                f"ligne {int(line)} : {c} ({own} dans le COG) nommé « {n.strip()} », nom de {others[0]}"
            )
    if found:
        text = " ; ".join(found[:shown]) + (
            f" ; et {len(found) - shown} autre(s)" if len(found) > shown else ""
        )
        report.note(
            f"{len(found)} code(s) commune dont le nom dans le fichier est celui d'une autre commune du "
            f"département (code conservé, à vérifier) : {text}."
        )


def _note_old_epci(frame: pd.DataFrame, report: Report, shown: int = 5) -> None:
    """Note the EPCI codes that are not in the 2025 reference (the CNAF files follow each
    year's perimeters: EPCI merged or renumbered since). Their rows are kept as published."""
    epci = frame[(frame["niveau"].astype(str) == "epci") & (frame["code"] != "")]
    if epci.empty:
        return
    old = epci[~codes.isin(epci["code"].astype(str), codes.epci_codes())]
    if old.empty:
        return
    first = old.drop_duplicates("code")
    names = first["nom"].astype(str) if "nom" in first else pd.Series("", index=first.index)
    years = first["annee"] if "annee" in first else pd.Series("", index=first.index)
    items = [
        f"{c} ({n.strip()}, {y})" if n.strip() else f"{c} ({y})"
        for c, n, y in zip(first["code"], names, years, strict=True)
    ]
    text = ", ".join(items[:shown])
    if len(items) > shown:
        text += f" et {len(items) - shown} autre(s)"
    report.note(
        f"{len(items)} code(s) d'EPCI absent(s) du référentiel 2025 (périmètre de l'année du fichier : "
        f"EPCI fusionné ou renuméroté depuis) : {text}. Lignes conservées telles que publiées ; "
        "elles n'apparaissent ni sur les cartes ni dans les comparaisons, qui suivent les EPCI 2025."
    )


# --------------------------------------------------------------------------------- zones
def _read_geojson(
    source: bytes | str | Path, file: str, opts: ImportOptions, report: Report
) -> tuple[pd.DataFrame | None, np.ndarray]:
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    if len(data) > opts.max_bytes:
        raise ReadError(
            [
                f"{file} : fichier trop volumineux ({human_size(len(data))}) ; taille maximale acceptée : "
                f"{human_size(opts.max_bytes)}."
            ]
        )
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        report.error(
            f"{file} : GeoJSON illisible (encodage autre que UTF-8).",
            expected="un GeoJSON en UTF-8",
        )
        return None, np.array([], dtype=np.int64)
    except json.JSONDecodeError as exc:
        report.error(
            f"{file}, ligne {exc.lineno}, colonne {exc.colno} : GeoJSON illisible (JSON mal formé ou "
            "tronqué) ; une FeatureCollection GeoJSON attendue.",
            line=exc.lineno,
            expected="un GeoJSON (FeatureCollection)",
        )
        return None, np.array([], dtype=np.int64)
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        report.error(
            f"{file} : « features » introuvable ; une FeatureCollection GeoJSON attendue.",
            expected="FeatureCollection",
        )
        return None, np.array([], dtype=np.int64)
    aliases = ALIASES["zones"]
    rows = []
    for i, f in enumerate(feats, start=1):
        props = (f or {}).get("properties") or {}
        row = {
            "geometry": json.dumps(f.get("geometry"), ensure_ascii=False)
            if f.get("geometry")
            else ""
        }
        normed = {norm_header(k): v for k, v in props.items()}
        for canon, al in aliases.items():
            for a in (canon, *al):
                if a in normed and normed[a] not in (None, ""):
                    row[canon] = str(normed[a])
                    break
        row.setdefault("id_zone", str(f.get("id") or f"Z{i}"))
        row.setdefault("nom", row["id_zone"])
        if not row["geometry"]:
            report.error(
                f"{file}, entité {i} : géométrie absente ; un polygone attendu.",
                line=i,
                column="geometry",
                expected="un polygone",
            )
        rows.append(row)
    frame = pd.DataFrame(rows)
    for c in dataset_type("zones").column_names:
        if c not in frame:
            frame[c] = ""
    frame = frame.astype(str)
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    report.note(
        f"{len(frame)} entité(s) GeoJSON lue(s) (numérotées à partir de 1 à la place des lignes)."
    )
    dtype = dataset_type("zones")
    typed = _convert_all(frame, dtype, lines, report, {})
    if "code_insee" in frame and (frame["code_insee"] != "").any():
        typed["code_insee"] = (
            frame["code_insee"].map(lambda v: codes.normalize_commune(v) or None).astype("string")
        )
    else:
        typed["code_insee"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    typed["geometry"] = frame["geometry"]
    return typed, lines


# ------------------------------------------------------------------ births (enfants)
#: A column of births of one year in INSEE's wide files (naiss_2022, NAIS2022, NAISD22...).
_WIDE_BIRTHS = re.compile(r"nais(?:s|sances?)?(?:_?dom(?:iciliees)?)?_?((?:19|20)?\d{2})")

#: Children under 3 at 31 December of year N were born in N, N-1 or N-2 (ages 0, 1 and 2):
#: the CNAF rate is « places au 31 décembre N pour 100 enfants de moins de 3 ans », so the
#: estimate of year N is the sum of the births domiciled in the commune in N-2, N-1 and N
#: (deaths, moves and the children born in the commune but living elsewhere are ignored).
BIRTHS_WINDOW = 3
BIRTHS_WINDOW_6 = 6
BIRTHS_METHOD = (
    "Estimation (naissances domiciliées, Insee) : enfants de moins de 3 ans au 31 décembre de "
    "l'année N = naissances domiciliées dans la commune en N-2, N-1 et N (âges 0, 1 et 2 ans "
    "à cette date) ; décès et déménagements ignorés (médiane 0,98 du dénominateur Cnaf, grandes "
    "villes 5 à 16 % plus bas). Moins de 6 ans : naissances de N-5 à N."
)
BIRTHS_LABEL = "Enfants de moins de 3 ans : estimation (naissances domiciliées, Insee)"


def _births_long(raw: RawTable, report: Report) -> RawTable | None:
    """An INSEE births file with one column per year, as one row per (commune, year); None
    when the file is not in that layout."""
    aliases = {"code_insee": COMMUNE_ALIASES, "_births": (f"re:{_WIDE_BIRTHS.pattern}",)}
    choice = locate_header(raw, _score(aliases))
    header = choice.header
    years: dict[int, int] = {}
    for i, h in enumerate(header):
        m = _WIDE_BIRTHS.fullmatch(norm_header(h))
        if m:
            y = int(m.group(1))
            years[i] = y if y > 100 else 2000 + y
    code_col = next(
        (i for i, h in enumerate(header) if _alias_hit(norm_header(h), COMMUNE_ALIASES)), None
    )
    if len(years) < 2 or code_col is None:
        return None
    body = raw.grid.iloc[choice.row + 1 :]
    lines = raw.lines[choice.row + 1 :]
    codes_ = body.iloc[:, code_col].astype(str).str.strip()
    unknown_arr = codes_.str.fullmatch(r"(?:75|13|69)\d?X+", case=False)
    if unknown_arr.any():
        report.note(
            f"{int(unknown_arr.sum())} ligne(s) « arrondissement non connu » (ex. "
            f"{codes_[unknown_arr].iloc[0]}) écartée(s) : ces naissances ne comptent que dans le "
            "total de Paris, Lyon ou Marseille."
        )
    keep = ((codes_ != "") & ~unknown_arr).to_numpy()
    body, lines = body.loc[keep], lines[keep]
    parts = [
        pd.DataFrame(
            {
                "code": body.iloc[:, code_col].to_numpy(),
                "annee": str(y),
                "naissances": body.iloc[:, i].to_numpy(),
            }
        )
        for i, y in years.items()
    ]
    grid = pd.concat(
        [
            pd.DataFrame(
                [["code_insee", "annee", "naissances"]], columns=["code", "annee", "naissances"]
            ),
            *parts,
        ],
        ignore_index=True,
    )
    grid.columns = range(3)
    all_lines = np.concatenate([[int(raw.lines[choice.row])], *([lines] * len(years))])
    report.note(
        f"Fichier de naissances par année ({min(years.values())}-{max(years.values())}, "
        f"{len(years)} colonnes « {header[next(iter(years))]} »…) lu comme une ligne par commune "
        "et par année."
    )
    return RawTable(
        raw.name, grid, all_lines.astype(np.int64), raw.encoding, raw.separator, list(raw.notes)
    )


def births_estimate(frame: pd.DataFrame) -> pd.DataFrame:
    """Children under 3 (and under 6) of every commune and year estimated from its births:
    births of N-2, N-1 and N (N-5 to N for under 6), only where every year of the window is
    in the file (Mayotte before 2014: « sans objet »; the first years of the file). Existing
    values (a census count imported with the births) are kept. Returns a new frame."""
    out = frame.copy()
    num = pd.to_numeric(out["naissances"], errors="coerce").astype("float64")
    code = out["code_insee"].astype(str)
    years = pd.to_numeric(out["annee"], errors="coerce").astype(int)
    births = num.groupby([code, years]).sum(min_count=1).unstack()
    births = births.reindex(columns=range(int(years.min()), int(years.max()) + 1))
    arr = births.to_numpy(dtype="float64")  # NaN (not in the file, « so ») propagates
    rows = births.index.get_indexer(code)
    cols = births.columns.get_indexer(years)
    for name, span in (("enfants_moins_3", BIRTHS_WINDOW), ("enfants_moins_6", BIRTHS_WINDOW_6)):
        roll = np.full_like(arr, np.nan)
        for k in range(span - 1, arr.shape[1]):
            roll[:, k] = arr[:, k - span + 1 : k + 1].sum(axis=1)
        values = pd.Series(roll[rows, cols], index=out.index)
        current = pd.to_numeric(out[name], errors="coerce")
        out[name] = current.where(current.notna(), values)
    return out


def _enfants(
    raw: RawTable, dtype: DatasetType, opts: ImportOptions, report: Report, prepared: Prepared
) -> tuple[pd.DataFrame | None, np.ndarray]:
    """`enfants`: long files through the generic importer; INSEE births files with one column
    per year are turned into rows first. Where the file gives births but no children under 3,
    they are estimated from the births (births_estimate, BIRTHS_METHOD): the dataset is then
    an estimate (nature « estimé »), said in its label and report."""
    raw = best_sheet(raw, _score(ALIASES["enfants"]))
    long = _births_long(raw, report)
    frame, lines = _generic(long if long is not None else raw, dtype, opts, report, prepared)
    if frame is None or not report.ok or frame["naissances"].isna().all():
        return frame, lines
    if frame["enfants_moins_3"].notna().any():
        return frame, lines
    frame = births_estimate(frame)
    prepared.nature = Nature.ESTIME
    prepared.label = BIRTHS_LABEL  # whatever the source title: the children are an estimate
    missing = sorted(
        int(y) for y, sub in frame.groupby("annee") if sub["enfants_moins_3"].isna().all()
    )
    report.note(
        BIRTHS_METHOD
        + (
            f" Années sans estimation (fenêtre incomplète) : {', '.join(map(str, missing))}."
            if missing
            else ""
        )
    )
    partial = frame[frame["enfants_moins_3"].isna() & ~frame["annee"].isin(missing)]
    if not partial.empty:
        shown = ", ".join(sorted(partial["code_insee"].astype(str).unique())[:8])
        report.note(
            f"{partial['code_insee'].nunique()} commune(s) sans estimation certaines années "
            f"(naissances « sans objet » ou absentes dans la fenêtre, ex. {shown})."
        )
    return frame, lines


_IMPORTERS: dict[str, Callable] = {"caf_taux": _caf, "caf_places": _caf, "enfants": _enfants}


def _prepare_synthetic(kind: str, frame: pd.DataFrame) -> Prepared:
    """Schema check of a synthetic frame (used by datastore.defaults)."""
    from datastore.validation import validate_frame

    dtype = dataset_type(kind)
    report = Report(f"demo_{kind}")
    out = validate_frame(frame, dtype, report)
    prepared = Prepared(
        kind,
        f"jeu de démonstration ({kind})",
        report,
        producer="Application (jeu de démonstration)",
        nature=Nature.SYNTHETIQUE,
        source_id="demo_synthetique",
        label=f"{dtype.label} — {'données de démonstration'}",
    )
    prepared.rows_read = len(frame)
    if report.ok:
        prepared.frame = out.reset_index(drop=True)
    return prepared


def guess_kind(file_name: str) -> str | None:
    """A likely dataset kind from a file name (only a suggestion for the UI)."""
    return kinds.guess_kind(norm_header(Path(file_name).stem), Path(file_name).suffix)
