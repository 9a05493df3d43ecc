"""Dataset types the workspace accepts, with their documented schemas.

This module is the contract between importers (which produce frames in these schemas)
and diagnostics (which consume them). Column names are canonical French snake_case;
importers map the many real-world header variants onto them (see datastore/readers.py
and datastore/importers/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Dtype(StrEnum):
    CODE = "code"  # string identifier (INSEE, SIREN, ...); never a number
    TEXT = "texte"
    INT = "entier"
    FLOAT = "décimal"
    BOOL = "booléen"
    DATE = "date"  # ISO yyyy-mm-dd in storage
    GEOMETRY = "géométrie"  # GeoJSON geometry text in storage


@dataclass(frozen=True)
class Column:
    name: str
    dtype: Dtype
    label: str  # French description shown in the app
    unit: str = ""
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetType:
    kind: str
    label: str  # French
    description: str  # French
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    default_producer: str = ""
    year_column: str | None = "annee"  # column giving the millésime, if any
    tags: tuple[str, ...] = field(default=())
    # Columns the file must contain even though a cell may be empty (secret, not published):
    # a file without them is refused, never read as « all values missing ».
    required_headers: tuple[str, ...] = ()

    def header_required(self, name: str) -> bool:
        return name in self.required_headers or self.column(name).required

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


NIVEAUX_CAF = ("commune", "epci", "departement", "region", "france")

#: Editions of a CNAF figure (data.caf.fr publishes each year twice): « hist » is the year as
#: first published (the « _hist » files, the ONAPE report of that year), « courant » the
#: current edition (latest year, and the previous year as revised). Same order as their
#: recency: a year's latest edition is the last one of this tuple it has.
EDITIONS = ("hist", "courant")
EDITION_LABELS = {
    "hist": "première publication",
    "courant": "édition courante",
    "": "édition non précisée",
}

_RATE_COLUMNS = (
    ("tx_eaje_psu", "Taux EAJE financés par la PSU"),
    ("tx_eaje_hors_psu", "Taux EAJE hors PSU"),
    ("tx_eaje", "Taux EAJE (ensemble)"),
    ("tx_prescolarisation", "Taux préscolarisation (enfants de 2 ans)"),
    ("tx_assmat", "Taux assistants maternels"),
    ("tx_salarie_domicile", "Taux salariés à domicile"),
    ("tx_individuel", "Taux accueil individuel (ensemble)"),
    ("tx_global", "Taux de couverture global"),
)
_PLACE_COLUMNS = (
    ("pl_eaje_psu", "Places EAJE financées par la PSU"),
    ("pl_eaje_hors_psu", "Places EAJE hors PSU"),
    ("pl_eaje", "Places EAJE (ensemble)"),
    ("pl_prescolarisation", "Places préscolarisation (enfants de 2 ans)"),
    ("pl_assmat", "Places assistants maternels"),
    ("pl_salarie_domicile", "Places salariés à domicile"),
    ("pl_individuel", "Places accueil individuel (ensemble)"),
    ("pl_total", "Places offertes (ensemble)"),
)

_GEO_KEYS = (
    Column(
        "annee", Dtype.INT, "Année de référence (offre au 31 décembre)", minimum=2000, maximum=2100
    ),
    Column("niveau", Dtype.TEXT, "Échelle", choices=NIVEAUX_CAF),
    Column(
        "code",
        Dtype.CODE,
        "Code du territoire (INSEE, SIREN, département, région ; vide pour la France)",
        required=False,
    ),
    Column("nom", Dtype.TEXT, "Nom du territoire", required=False),
)

_EDITION = Column(
    "edition",
    Dtype.TEXT,
    "Édition : hist = première publication, courant = édition courante (année révisée)",
    required=False,
    choices=EDITIONS,
)

CAF_TAUX = DatasetType(
    kind="caf_taux",
    label="Cnaf : taux de couverture petite enfance",
    description=(
        "Fichiers data.caf.fr « txcouv_pe_* » (commune, EPCI, département, région, France), "
        "en-têtes de l'API actuelle (txcouv_dep…) ou anciens libellés (« Taux de couv global »). "
        "Taux en places pour 100 enfants de moins de 3 ans, tels que publiés (jamais recalculés). "
        "Édition (hist = première publication, courant = révisée) lue dans la colonne « edition », "
        "choisie à l'import, ou déduite du fichier (nom « _hist », nombre d'années)."
    ),
    columns=_GEO_KEYS
    + (_EDITION,)
    + tuple(
        Column(
            n,
            Dtype.FLOAT,
            lab,
            unit="places pour 100 enfants",
            required=False,
            minimum=0,
            maximum=400,
        )
        for n, lab in _RATE_COLUMNS
    ),
    keys=("annee", "niveau", "code", "edition"),
    default_producer="Cnaf",
    required_headers=("tx_global",),
)

TAUX_NATIONAL = DatasetType(
    kind="taux_national",
    label="Cnaf / ONAPE : taux de couverture national publié",
    description=(
        "Taux de couverture de la France, une ligne par année et édition, tel que publié (rapport "
        "de l'ONAPE, communiqué de la Cnaf), avec l'adresse de la publication et sa citation. "
        "À mettre à jour à chaque nouveau rapport de l'ONAPE (il révise l'année précédente)."
    ),
    columns=(
        Column("annee", Dtype.INT, "Année de référence", minimum=2000, maximum=2100),
        Column(
            "edition",
            Dtype.TEXT,
            "Édition : hist = première publication, courant = chiffre révisé ou dernière année",
            choices=EDITIONS,
        ),
        Column(
            "tx_global",
            Dtype.FLOAT,
            "Taux de couverture global",
            unit="places pour 100 enfants",
            minimum=0,
            maximum=400,
        ),
        *(
            Column(n, Dtype.FLOAT, lab, unit="places pour 100 enfants", required=False, minimum=0)
            for n, lab in (
                ("tx_eaje", "Taux EAJE (ensemble)"),
                ("tx_assmat", "Taux assistants maternels"),
                ("tx_prescolarisation", "Taux préscolarisation"),
                ("tx_salarie_domicile", "Taux salariés à domicile"),
            )
        ),
        Column(
            "pl_total", Dtype.FLOAT, "Places offertes", unit="places", required=False, minimum=0
        ),
        Column("source_publication", Dtype.TEXT, "Publication"),
        Column("url", Dtype.TEXT, "Adresse de la publication"),
        Column("citation", Dtype.TEXT, "Citation de la publication", required=False),
        Column("statut", Dtype.TEXT, "Statut de la source", required=False),
    ),
    keys=("annee", "edition"),
    default_producer="Cnaf, ONAPE",
)

CAF_PLACES = DatasetType(
    kind="caf_places",
    label="Cnaf : places offertes aux moins de 3 ans",
    description="Fichiers data.caf.fr « nbpla_pe_* » : nombre de places théoriques par mode d'accueil.",
    columns=_GEO_KEYS
    + tuple(
        Column(n, Dtype.FLOAT, lab, unit="places", required=False, minimum=0)
        for n, lab in _PLACE_COLUMNS
    ),
    keys=("annee", "niveau", "code"),
    default_producer="Cnaf",
    required_headers=("pl_total",),
)

ENFANTS = DatasetType(
    kind="enfants",
    label="INSEE : enfants de moins de 3 ans et naissances",
    description="Enfants de moins de 3 ans (recensement) et naissances domiciliées (état civil) par commune.",
    columns=(
        Column("code_insee", Dtype.CODE, "Code commune INSEE"),
        Column("annee", Dtype.INT, "Année", minimum=1990, maximum=2100),
        Column(
            "enfants_moins_3",
            Dtype.FLOAT,
            "Enfants de moins de 3 ans",
            unit="enfants",
            required=False,
            minimum=0,
        ),
        Column(
            "enfants_moins_6",
            Dtype.FLOAT,
            "Enfants de moins de 6 ans",
            unit="enfants",
            required=False,
            minimum=0,
        ),
        Column(
            "naissances",
            Dtype.FLOAT,
            "Naissances domiciliées",
            unit="naissances",
            required=False,
            minimum=0,
        ),
    ),
    keys=("code_insee", "annee"),
    default_producer="INSEE",
)

POPULATION = DatasetType(
    kind="population",
    label="INSEE : population (municipale ou totale)",
    description="Population par commune ; une population totale importée sert aux seuils des AO.",
    columns=(
        Column("code_insee", Dtype.CODE, "Code commune INSEE"),
        Column("annee", Dtype.INT, "Millésime", minimum=1990, maximum=2100),
        Column("population", Dtype.INT, "Population", unit="habitants", minimum=0),
        Column("type_population", Dtype.TEXT, "Type", choices=("municipale", "totale")),
    ),
    keys=("code_insee", "annee", "type_population"),
    default_producer="INSEE",
)

STRUCTURE_TYPES = ("EAJE", "RPE", "LAEP", "ALSH", "CS", "EVS")

STRUCTURES = DatasetType(
    kind="structures",
    label="Structures : EAJE, RPE, LAEP, ALSH, centres sociaux, EVS",
    description=(
        "Une ligne par structure ; coordonnées facultatives (WGS84). Sans colonne de code INSEE, "
        "la commune est retrouvée par son nom (colonne « commune ») et le département de son "
        "code postal."
    ),
    columns=(
        Column("id_structure", Dtype.CODE, "Identifiant de la structure"),
        Column("type_structure", Dtype.TEXT, "Type", choices=STRUCTURE_TYPES),
        Column("nom", Dtype.TEXT, "Nom"),
        Column("code_insee", Dtype.CODE, "Code commune INSEE d'implantation"),
        Column(
            "places", Dtype.INT, "Places agréées (EAJE)", unit="places", required=False, minimum=0
        ),
        Column("psu", Dtype.BOOL, "Financée par la PSU (EAJE)", required=False),
        Column(
            "avip", Dtype.BOOL, "Label « à vocation d'insertion professionnelle »", required=False
        ),
        Column("gestionnaire", Dtype.TEXT, "Gestionnaire", required=False),
        Column(
            "latitude", Dtype.FLOAT, "Latitude (WGS84)", required=False, minimum=-90, maximum=90
        ),
        Column(
            "longitude", Dtype.FLOAT, "Longitude (WGS84)", required=False, minimum=-180, maximum=180
        ),
    ),
    keys=("id_structure",),
    year_column=None,
)

ALLOCATAIRES = DatasetType(
    kind="allocataires",
    label="Allocataires par commune",
    description="Indicateurs allocataires (SID Caf, INSEE données Caf) par commune et année.",
    columns=(
        Column("code_insee", Dtype.CODE, "Code commune INSEE"),
        Column("annee", Dtype.INT, "Année", minimum=1990, maximum=2100),
        Column(
            "allocataires", Dtype.FLOAT, "Allocataires", unit="foyers", required=False, minimum=0
        ),
        Column(
            "personnes_couvertes",
            Dtype.FLOAT,
            "Personnes couvertes",
            unit="personnes",
            required=False,
            minimum=0,
        ),
        Column(
            "familles_enfants_moins_3",
            Dtype.FLOAT,
            "Familles avec enfant(s) de moins de 3 ans",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "familles_enfants_moins_6",
            Dtype.FLOAT,
            "Familles avec enfant(s) de moins de 6 ans",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "enfants_moins_3",
            Dtype.FLOAT,
            "Enfants de moins de 3 ans couverts",
            unit="enfants",
            required=False,
            minimum=0,
        ),
        Column(
            "enfants_3_5",
            Dtype.FLOAT,
            "Enfants de 3 à 5 ans couverts",
            unit="enfants",
            required=False,
            minimum=0,
        ),
        Column(
            "familles_monoparentales",
            Dtype.FLOAT,
            "Familles monoparentales",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "couples_avec_enfants",
            Dtype.FLOAT,
            "Couples avec enfant(s)",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "allocataires_bas_revenus",
            Dtype.FLOAT,
            "Allocataires à bas revenus",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "allocataires_rsa",
            Dtype.FLOAT,
            "Allocataires du RSA",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "allocataires_aide_logement",
            Dtype.FLOAT,
            "Allocataires d'une aide au logement",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "allocataires_prime_activite",
            Dtype.FLOAT,
            "Allocataires de la prime d'activité",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "allocataires_aah",
            Dtype.FLOAT,
            "Allocataires de l'AAH",
            unit="foyers",
            required=False,
            minimum=0,
        ),
    ),
    keys=("code_insee", "annee"),
    default_producer="Cnaf",
)

SITUATIONS_FAMILIALES = ("couple", "monoparentale", "autre")

FILOUE = DatasetType(
    kind="filoue",
    label="Filoué : enfants accueillis en EAJE",
    description="Extrait Filoué : une ligne par enfant et par EAJE (données personnelles : secret statistique).",
    columns=(
        Column("annee", Dtype.INT, "Année", minimum=2010, maximum=2100),
        Column("id_eaje", Dtype.CODE, "Identifiant de l'EAJE"),
        Column("nom_eaje", Dtype.TEXT, "Nom de l'EAJE", required=False),
        Column("code_insee_eaje", Dtype.CODE, "Commune de l'EAJE"),
        Column("id_enfant", Dtype.CODE, "Identifiant (pseudonymisé) de l'enfant"),
        Column("age_mois", Dtype.INT, "Âge de l'enfant (mois)", unit="mois", minimum=0, maximum=96),
        Column(
            "code_insee_residence", Dtype.CODE, "Commune de résidence de l'enfant", required=False
        ),
        Column(
            "situation_familiale",
            Dtype.TEXT,
            "Situation familiale",
            choices=SITUATIONS_FAMILIALES,
            required=False,
        ),
        Column(
            "tranche_revenu",
            Dtype.TEXT,
            "Tranche de revenus ou de quotient familial",
            required=False,
        ),
        Column(
            "heures_facturees",
            Dtype.FLOAT,
            "Heures facturées",
            unit="heures",
            required=False,
            minimum=0,
        ),
        Column(
            "heures_realisees",
            Dtype.FLOAT,
            "Heures réalisées",
            unit="heures",
            required=False,
            minimum=0,
        ),
        Column(
            "places_eaje", Dtype.INT, "Places de l'EAJE", unit="places", required=False, minimum=0
        ),
    ),
    keys=("annee", "id_eaje", "id_enfant"),
    default_producer="Cnaf (Filoué)",
)

FILOUE_REFERENCE = DatasetType(
    kind="filoue_reference",
    label="Référence allocataires pour Filoué",
    description=(
        "Enfants de moins de 3 ans des familles allocataires de la commune, répartis par âge, "
        "situation familiale et revenus (mêmes modalités que l'extrait Filoué)."
    ),
    columns=(
        Column("annee", Dtype.INT, "Année", minimum=2010, maximum=2100),
        Column("code_insee", Dtype.CODE, "Code commune INSEE"),
        Column(
            "dimension",
            Dtype.TEXT,
            "Dimension",
            choices=("age", "situation_familiale", "tranche_revenu"),
        ),
        Column("modalite", Dtype.TEXT, "Modalité"),
        Column("enfants", Dtype.FLOAT, "Enfants", unit="enfants", minimum=0),
    ),
    keys=("annee", "code_insee", "dimension", "modalite"),
    default_producer="Cnaf",
)

CTG = DatasetType(
    kind="ctg",
    label="Liste des CTG",
    description=(
        "Une ligne par convention territoriale globale ; signataires = codes INSEE (communes) "
        "et SIREN (EPCI) séparés par « | » ou « , »."
    ),
    columns=(
        Column("id_ctg", Dtype.CODE, "Identifiant de la CTG"),
        Column("nom", Dtype.TEXT, "Nom"),
        Column("niveau", Dtype.TEXT, "Échelon de signature", choices=("communal", "intercommunal")),
        Column("signataires", Dtype.TEXT, "Codes INSEE / SIREN des collectivités signataires"),
        Column("date_debut", Dtype.DATE, "Date de début"),
        Column("date_fin", Dtype.DATE, "Date de fin"),
    ),
    keys=("id_ctg",),
    year_column=None,
)

CTG_AVENANTS = DatasetType(
    kind="ctg_avenants",
    label="Avenants et prolongations des CTG",
    description=(
        "Une ligne par avenant à une CTG : date, objet, signataires ajoutés (codes INSEE / "
        "SIREN séparés par « | »), nouvelle date de fin en cas de prolongation."
    ),
    columns=(
        Column("id_ctg", Dtype.CODE, "Identifiant de la CTG"),
        Column("date_avenant", Dtype.DATE, "Date de l'avenant"),
        Column("objet", Dtype.TEXT, "Objet de l'avenant"),
        Column(
            "signataires_ajoutes",
            Dtype.TEXT,
            "Signataires ajoutés (codes INSEE / SIREN)",
            required=False,
        ),
        Column("nouvelle_date_fin", Dtype.DATE, "Nouvelle date de fin", required=False),
    ),
    keys=("id_ctg", "date_avenant", "objet"),
    default_producer="Caf (avenants aux CTG)",
    year_column=None,
)

SUIVI_STATUTS = ("à engager", "en cours", "réalisée", "reportée", "abandonnée")

CTG_SUIVI = DatasetType(
    kind="ctg_suivi",
    label="Tableau de suivi du plan d'actions des CTG",
    description=(
        "Socle minimum d'évaluation (circulaire, section 2.3.2) : une ligne par CTG, action, "
        "indicateur et point de suivi (année, trimestre), avec la valeur initiale, la cible, le "
        "réalisé et l'état d'avancement."
    ),
    columns=(
        Column("id_ctg", Dtype.CODE, "Identifiant de la CTG"),
        Column("thematique", Dtype.TEXT, "Thématique (petite enfance, parentalité…)"),
        Column("action", Dtype.TEXT, "Action"),
        Column("indicateur", Dtype.TEXT, "Indicateur de suivi"),
        Column("valeur_initiale", Dtype.FLOAT, "Valeur initiale", required=False),
        Column("cible", Dtype.FLOAT, "Cible", required=False),
        Column("annee", Dtype.INT, "Année du point de suivi", minimum=2000, maximum=2100),
        Column(
            "trimestre",
            Dtype.INT,
            "Trimestre (1 à 4, vide = point annuel)",
            required=False,
            minimum=1,
            maximum=4,
        ),
        Column("realise", Dtype.FLOAT, "Réalisé", required=False),
        Column("statut", Dtype.TEXT, "État d'avancement", choices=SUIVI_STATUTS),
        Column("commentaire", Dtype.TEXT, "Commentaire, difficultés", required=False),
    ),
    keys=("id_ctg", "action", "indicateur", "annee", "trimestre"),
    default_producer="Caf et signataires de la CTG (tableau de suivi partagé)",
    year_column=None,
)

AO_COMPETENCES = ("recenser", "informer", "planifier", "qualite")

AO_TRANSFERTS = DatasetType(
    kind="ao_transferts",
    label="Transferts de compétences d'AO à un EPCI",
    description=(
        "Une ligne par EPCI et compétence transférée (recenser, informer, planifier, qualite) ; "
        "communes = codes INSEE des communes qui ont transféré (vide = toutes les communes membres)."
    ),
    columns=(
        Column("siren_epci", Dtype.CODE, "SIREN de l'EPCI"),
        Column("competence", Dtype.TEXT, "Compétence transférée", choices=AO_COMPETENCES),
        Column(
            "communes",
            Dtype.TEXT,
            "Communes ayant transféré (codes INSEE), vide = toutes",
            required=False,
        ),
        Column("date_effet", Dtype.DATE, "Date d'effet", required=False),
    ),
    keys=("siren_epci", "competence", "communes"),
    year_column=None,
)

ZONES = DatasetType(
    kind="zones",
    label="Zones (QPV ou autres contours)",
    description="Contours GeoJSON (QPV, zones d'étude). Une ligne par zone.",
    columns=(
        Column("id_zone", Dtype.CODE, "Identifiant"),
        Column("nom", Dtype.TEXT, "Nom"),
        Column("type_zone", Dtype.TEXT, "Type (QPV, autre)", required=False),
        Column("code_insee", Dtype.CODE, "Commune principale", required=False),
        Column("geometry", Dtype.GEOMETRY, "Géométrie (GeoJSON, WGS84)"),
    ),
    keys=("id_zone",),
    year_column=None,
)

QPV = DatasetType(
    kind="qpv",
    label="Quartiers prioritaires : indicateurs",
    description="Indicateurs démographiques et Caf par QPV, rattachés à leur commune.",
    columns=(
        Column("code_qpv", Dtype.CODE, "Code QPV"),
        Column("nom_qpv", Dtype.TEXT, "Nom du quartier"),
        Column("annee", Dtype.INT, "Année", minimum=2000, maximum=2100),
        Column(
            "code_insee",
            Dtype.CODE,
            "Commune (code INSEE, rapproché par nom et département)",
            required=False,
        ),
        Column("nom_commune", Dtype.TEXT, "Commune (nom tel que publié)", required=False),
        Column(
            "communes",
            Dtype.TEXT,
            "Toutes les communes du quartier (codes INSEE séparés par « ; »)",
            required=False,
        ),
        Column(
            "population",
            Dtype.FLOAT,
            "Population municipale du quartier",
            unit="habitants",
            required=False,
            minimum=0,
        ),
        Column(
            "allocataires", Dtype.FLOAT, "Allocataires", unit="foyers", required=False, minimum=0
        ),
        Column(
            "familles_monoparentales",
            Dtype.FLOAT,
            "Familles monoparentales allocataires",
            unit="foyers",
            required=False,
            minimum=0,
        ),
        Column(
            "enfants_moins_3",
            Dtype.FLOAT,
            "Enfants de moins de 3 ans couverts",
            unit="enfants",
            required=False,
            minimum=0,
        ),
    ),
    keys=("code_qpv", "annee"),
    default_producer="INSEE, ANCT",
)

DREES_OFFRE = DatasetType(
    kind="drees_offre",
    label="DREES : offre d'accueil départementale",
    description="Établissements, places et agréments d'assistants maternels par département (DREES).",
    columns=(
        Column("tableau", Dtype.TEXT, "Tableau DREES"),
        Column("indicateur", Dtype.TEXT, "Indicateur"),
        Column("code_departement", Dtype.CODE, "Département (ou collectivité)"),
        Column("annee", Dtype.INT, "Année", minimum=2000, maximum=2100),
        Column("valeur", Dtype.FLOAT, "Valeur", minimum=0),
    ),
    keys=("tableau", "code_departement", "annee"),
    default_producer="DREES",
)

BPE_EAJE = DatasetType(
    kind="bpe_eaje",
    label="INSEE BPE : nombre d'EAJE par commune",
    description="Nombre d'établissements d'accueil du jeune enfant (pas de places).",
    columns=(
        Column("code_insee", Dtype.CODE, "Code commune INSEE"),
        Column("annee", Dtype.INT, "Année", minimum=2000, maximum=2100),
        Column("nb_eaje", Dtype.INT, "Nombre d'EAJE", unit="établissements", minimum=0),
    ),
    keys=("code_insee", "annee"),
    default_producer="INSEE",
)

DENSITE = DatasetType(
    kind="densite",
    label="INSEE : grille communale de densité",
    description="Degré de densité à 7 niveaux par commune.",
    columns=(
        Column("code_insee", Dtype.CODE, "Code commune INSEE"),
        Column("annee", Dtype.INT, "Géographie", minimum=2000, maximum=2100),
        Column("dens7", Dtype.INT, "Niveau de densité (1 à 7)", minimum=1, maximum=7),
        Column("dens7_lib", Dtype.TEXT, "Libellé", required=False),
    ),
    keys=("code_insee", "annee"),
    default_producer="INSEE",
)

#: The 8 indicators of the arrêté du 4 juillet 2024 (ids of `diagnostics.sdsf.INDICATORS`,
#: repeated here because datastore may not import diagnostics; tests check both agree).
SDSF_INDICATEURS_IDS = (
    "places_eaje_psu",
    "lieux_parentalite",
    "etp_rpe",
    "part_villes_rpe",
    "dispositifs_passerelles",
    "creches_avip",
    "controles_conjoints",
    "visites_controle_cd",
)
SDSF_TYPES_VALEUR = ("reference", "cible", "jalon", "realise")

SDSF_INDICATEURS = DatasetType(
    kind="sdsf_indicateurs",
    label="SDSF : valeurs et cibles des indicateurs de l'arrêté du 4 juillet 2024",
    description=(
        "Une ligne par département, indicateur, année et type de valeur : valeur de référence "
        "(année de base), cible à l'horizon du schéma, jalons de la trajectoire, valeurs "
        "réalisées. Indicateurs : " + ", ".join(SDSF_INDICATEURS_IDS) + ". L'année d'une cible "
        "ou d'un jalon suit celle de la référence ; les valeurs ne sont jamais négatives."
    ),
    columns=(
        Column("code_departement", Dtype.CODE, "Code du département (01, 2A, 59, 974…)"),
        Column("indicateur", Dtype.TEXT, "Indicateur", choices=SDSF_INDICATEURS_IDS),
        Column("annee", Dtype.INT, "Année", minimum=2000, maximum=2100),
        Column("type_valeur", Dtype.TEXT, "Type de valeur", choices=SDSF_TYPES_VALEUR),
        Column("valeur", Dtype.FLOAT, "Valeur", minimum=0),
        Column("commentaire", Dtype.TEXT, "Commentaire, source de la valeur", required=False),
    ),
    keys=("code_departement", "indicateur", "annee", "type_valeur"),
    default_producer="Caf (secrétariat du CDSF)",
    year_column=None,
)

EAJE_PROJET_STATUTS = ("en projet", "autorisé", "en travaux", "ouvert", "abandonné")

EAJE_PROJETS = DatasetType(
    kind="eaje_projets",
    label="Registre des projets d'EAJE en cours",
    description=(
        "Une ligne par projet de création ou d'extension d'EAJE : commune, places, financement "
        "PSU, année d'ouverture prévue, état. Les places entrent dans les trajectoires l'année "
        "de leur ouverture ; un projet abandonné n'est pas compté."
    ),
    columns=(
        Column("id_projet", Dtype.CODE, "Identifiant du projet"),
        Column("nom", Dtype.TEXT, "Nom du projet", required=False),
        Column("code_insee", Dtype.CODE, "Code commune INSEE d'implantation"),
        Column("places", Dtype.INT, "Places prévues", unit="places", minimum=0),
        Column("psu", Dtype.BOOL, "Financé par la PSU"),
        Column(
            "annee_ouverture", Dtype.INT, "Année d'ouverture prévue", minimum=2000, maximum=2100
        ),
        Column("statut", Dtype.TEXT, "État du projet", choices=EAJE_PROJET_STATUTS),
        Column(
            "latitude", Dtype.FLOAT, "Latitude (WGS84)", required=False, minimum=-90, maximum=90
        ),
        Column(
            "longitude", Dtype.FLOAT, "Longitude (WGS84)", required=False, minimum=-180, maximum=180
        ),
    ),
    keys=("id_projet",),
    default_producer="Caf (registre des projets)",
    year_column=None,
)

DATASET_TYPES: dict[str, DatasetType] = {
    t.kind: t
    for t in (
        CAF_TAUX,
        CAF_PLACES,
        TAUX_NATIONAL,
        ENFANTS,
        POPULATION,
        STRUCTURES,
        ALLOCATAIRES,
        FILOUE,
        FILOUE_REFERENCE,
        CTG,
        CTG_AVENANTS,
        CTG_SUIVI,
        AO_TRANSFERTS,
        ZONES,
        QPV,
        DREES_OFFRE,
        BPE_EAJE,
        DENSITE,
        SDSF_INDICATEURS,
        EAJE_PROJETS,
    )
}


def dataset_type(kind: str) -> DatasetType:
    try:
        return DATASET_TYPES[kind]
    except KeyError:
        raise KeyError(f"Type de jeu de données inconnu : {kind!r}") from None
