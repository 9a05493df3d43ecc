"""The real-world column headers recognised for each dataset kind (producers' usual names,
docs/donnees.md) and the Cnaf rate/places value columns."""

from __future__ import annotations

import functools
import re

from datastore.readers import (
    norm_header,
)
from datastore.schemas import dataset_type


# ------------------------------------------------------------------------ header aliases
def _n(*names: str) -> tuple[str, ...]:
    """Normalised header aliases; an alias starting with 're:' is a regular expression."""
    return tuple(n if n.startswith("re:") else norm_header(n) for n in names)


#: French function words left out when a header is compared with an alias: « Type de
#: structure » is « type_structure », « Nombre de places » is « nombre_places », « Nom de la
#: commune » is « nom_commune ».
_FILLERS = re.compile(r"(?:^|_)(?:de|du|des|d|la|le|les|l)(?=_|$)")


@functools.lru_cache(maxsize=4096)
def _core(key: str) -> str:
    return re.sub(r"_+", "_", _FILLERS.sub("", key)).strip("_")


def _alias_hit(key: str, aliases: tuple[str, ...]) -> bool:
    core = _core(key)
    return any(
        re.fullmatch(a[3:], key) if a.startswith("re:") else key == a or (core and core == _core(a))
        for a in aliases
    )


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
