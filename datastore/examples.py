"""Example file per dataset kind, generated from its schema (datastore/schemas.py).

The example uses the canonical column names, the French CSV conventions the importers
accept (`;` separator, decimal comma, UTF-8 with BOM) and plausible values; importing it
back with `datastore.importers.prepare` succeeds (checked by tests/unit/test_importers_examples.py).
"""

from __future__ import annotations

import io

import pandas as pd

from datastore.schemas import Column, Dtype, dataset_type

_OVERRIDES: dict[str, dict[str, list[object]]] = {
    "caf_taux": {
        "edition": ["hist", "hist", "courant"],
        "niveau": ["commune", "commune", "departement"],
        "code": ["01004", "42218", "42"],
        "nom": ["Ambérieu-en-Bugey", "Saint-Étienne", "Loire"],
    },
    "taux_national": {
        "annee": [2022, 2022, 2023],
        "edition": ["hist", "courant", "courant"],
        "tx_global": [60.3, 59.5, 60.9],
        "source_publication": [
            "Cnaf, communiqué du 16/12/2024 (rapport ONAPE 2024)",
            "Rapport ONAPE 2025 (2022 révisé)",
            "Rapport ONAPE 2025",
        ],
        "url": [
            "https://caf.fr/professionnels/presse/publications",
            "https://caf.fr/professionnels/presse/publications",
            "https://caf.fr/professionnels/presse/publications",
        ],
    },
    "caf_places": {
        "niveau": ["commune", "commune", "departement"],
        "code": ["01004", "42218", "42"],
        "nom": ["Ambérieu-en-Bugey", "Saint-Étienne", "Loire"],
    },
    "population": {"type_population": ["municipale", "municipale", "municipale"]},
    "structures": {
        "type_structure": ["EAJE", "RPE", "LAEP"],
        "nom": ["Crèche Les Lucioles", "RPE du Val", "LAEP La Passerelle"],
        "latitude": [45.9577, 45.4397, 45.4412],
        "longitude": [5.3583, 4.3872, 4.3901],
        "places": [40, None, None],
    },
    "filoue": {
        "age_mois": [14, 27, 33],
        "situation_familiale": ["couple", "monoparentale", "couple"],
        "tranche_revenu": ["QF < 700", "700–1 100", "≥ 2 000"],
        "id_enfant": ["E0001", "E0002", "E0003"],
        "id_eaje": ["EAJE01", "EAJE01", "EAJE02"],
    },
    "filoue_reference": {
        "dimension": ["age", "situation_familiale", "tranche_revenu"],
        "modalite": ["moins de 1 an", "monoparentale", "QF < 700"],
    },
    "ctg": {
        "niveau": ["intercommunal", "communal", "intercommunal"],
        "signataires": ["240100883|01004|01007", "42218", "200066744|42095"],
        "date_debut": ["2022-01-01", "2023-07-01", "2021-01-01"],
        "date_fin": ["2026-12-31", "2027-06-30", "2025-12-31"],
    },
    "ctg_avenants": {
        "id_ctg": ["CTG-01-001", "CTG-42-002", "CTG-42-002"],
        "date_avenant": ["2025-11-15", "2024-03-01", "2025-06-30"],
        "objet": [
            "Prolongation d'un an (circulaire, section 2.2)",
            "Entrée de la commune au titre de la planification",
            "Volet petite enfance complété (décret 2025-253)",
        ],
        "signataires_ajoutes": ["", "42095", ""],
        "nouvelle_date_fin": ["2026-12-31", "", ""],
    },
    "ctg_suivi": {
        "id_ctg": ["CTG-42-002"] * 3,
        "thematique": ["Petite enfance", "Petite enfance", "Parentalité"],
        "action": [
            "Créer une micro-crèche en centre-bourg",
            "Créer une micro-crèche en centre-bourg",
            "Ouvrir un LAEP itinérant",
        ],
        "indicateur": ["Places créées", "Places créées", "Familles accueillies"],
        "valeur_initiale": [0, 0, 0],
        "cible": [12, 12, 40],
        "annee": [2024, 2025, 2025],
        "trimestre": [4, 2, None],
        "realise": [0, 12, 25],
        "statut": ["en cours", "réalisée", "en cours"],
        "commentaire": ["Permis déposé", "Ouverture en avril", ""],
    },
    "ao_transferts": {
        "siren_epci": ["240100883", "240100883", "200066744"],
        "competence": ["planifier", "qualite", "informer"],
        "communes": ["", "", "42095|42218"],
    },
    "zones": {
        "geometry": [
            '{"type": "Polygon", "coordinates": [[[4.38, 45.43], [4.40, 45.43], [4.40, 45.45], '
            "[4.38, 45.43]]]}"
        ]
        * 3,
        "type_zone": ["QPV", "QPV", "autre"],
    },
    "qpv": {"code_qpv": ["QP042001", "QP042002", "QP001001"]},
    "drees_offre": {
        "tableau": ["Tableau 23", "Tableau 23", "Tableau 28"],
        "indicateur": ["Nombre d'établissements de crèches collectives"] * 2
        + ["Nombre de places en crèches collectives"],
        "code_departement": ["01", "2A", "01"],
    },
    "sdsf_indicateurs": {
        "code_departement": ["42", "42", "42"],
        "indicateur": ["places_eaje_psu", "places_eaje_psu", "places_eaje_psu"],
        "annee": [2024, 2029, 2025],
        "type_valeur": ["reference", "cible", "realise"],
        "valeur": [5120.0, 5600.0, 5210.0],
        "commentaire": ["Cnaf, places au 31/12/2024", "CPOG 2025-2029", "Cnaf, 31/12/2025"],
    },
    "eaje_projets": {
        "id_projet": ["P-42-001", "P-42-002", "P-01-001"],
        "nom": ["Crèche des Tilleuls", "Micro-crèche du centre", "Extension Les Lucioles"],
        "code_insee": ["42218", "42095", "01004"],
        "places": [40, 12, 10],
        "psu": ["oui", "non", "oui"],
        "annee_ouverture": [2026, 2027, 2026],
        "statut": ["autorisé", "en projet", "en travaux"],
        "latitude": [45.4397, 45.4755, 45.9577],
        "longitude": [4.3872, 4.2595, 5.3583],
    },
    "densite": {
        "dens7": [3, 1, 6],
        "dens7_lib": ["Petites villes", "Grands centres urbains", "Rural à habitat dispersé"],
    },
}
_COMMUNES = ["01004", "42218", "42095"]


def _values(kind: str, col: Column) -> list[object]:
    over = _OVERRIDES.get(kind, {})
    if col.name in over:
        return list(over[col.name])
    if col.choices:
        return [col.choices[i % len(col.choices)] for i in range(3)]
    if col.dtype is Dtype.CODE:
        if "insee" in col.name:
            return list(_COMMUNES)
        return [f"{col.name.upper()[:3]}{i:03d}" for i in range(1, 4)]
    if col.name == "annee":
        return [2022, 2022, 2022]
    if col.dtype is Dtype.INT:
        lo = int(col.minimum or 0)
        return [lo + 12, lo + 40, lo + 7]
    if col.dtype is Dtype.FLOAT:
        return (
            [12.5, 48.3, 1234.0]
            if col.maximum is None or col.maximum > 1000
            else [12.5, 48.3, 61.0]
        )
    if col.dtype is Dtype.BOOL:
        return ["oui", "non", "oui"]
    if col.dtype is Dtype.DATE:
        return ["2024-01-01", "2024-09-01", "2025-01-01"]
    return [f"{col.label} {i}" for i in range(1, 4)]


def example_frame(kind: str) -> pd.DataFrame:
    """Three example rows in the canonical columns of `kind`."""
    dtype = dataset_type(kind)
    return pd.DataFrame({c.name: _values(kind, c) for c in dtype.columns})


def _fr(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(value)


def example_csv(kind: str) -> bytes:
    """The example as a French CSV (`;`, decimal comma, UTF-8 with BOM)."""
    frame = example_frame(kind)
    text = frame.map(_fr)
    buf = io.StringIO()
    text.to_csv(buf, sep=";", index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def example_geojson() -> bytes:
    """Example GeoJSON for the `zones` kind."""
    import json

    frame = example_frame("zones")
    feats = [
        {
            "type": "Feature",
            "properties": {
                "id_zone": r.id_zone,
                "nom": r.nom,
                "type_zone": r.type_zone,
                "code_insee": r.code_insee,
            },
            "geometry": json.loads(r.geometry),
        }
        for r in frame.itertuples(index=False)
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": feats}, ensure_ascii=False, indent=1
    ).encode()


def schema_frame(kind: str) -> pd.DataFrame:
    """The documented schema of `kind` as a table (French headers) for the app and the CLI."""
    dtype = dataset_type(kind)
    return pd.DataFrame(
        {
            "Colonne": [c.name for c in dtype.columns],
            "Description": [c.label for c in dtype.columns],
            "Type": [str(c.dtype) for c in dtype.columns],
            "Unité": [c.unit for c in dtype.columns],
            "Obligatoire": [
                "oui"
                if c.required
                else "colonne obligatoire (cellules vides admises)"
                if c.name in dtype.required_headers
                else "non"
                for c in dtype.columns
            ],
            "Clé": ["oui" if c.name in dtype.keys else "" for c in dtype.columns],
            "Valeurs admises": [_allowed(c) for c in dtype.columns],
        }
    )


def _allowed(c: Column) -> str:
    if c.choices:
        return ", ".join(c.choices)
    parts = []
    if c.minimum is not None:
        parts.append(f"≥ {c.minimum:g}".replace(".", ","))
    if c.maximum is not None:
        parts.append(f"≤ {c.maximum:g}".replace(".", ","))
    return " et ".join(parts)
