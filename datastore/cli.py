"""Command-line equivalent of the Données page.

    python -m datastore import FICHIER --type KIND [--annee N] [--producteur P] [--niveau N]
                                       [--remplacer annee|tout|aucun] [--dry-run]
    python -m datastore list
    python -m datastore delete ID
    python -m datastore schema KIND
    python -m datastore exemple KIND [-o FICHIER]
    python -m datastore init            # fills an empty workspace with the embedded default data

The workspace folder is DIAG_WORKSPACE_DIR (default ./workspace). Exit codes: 0 success,
1 file refused (validation errors) or unknown dataset, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from datastore.examples import example_csv, example_geojson, schema_frame
from datastore.importers import ImportOptions, commit, prepare
from datastore.schemas import DATASET_TYPES, NIVEAUX_CAF, dataset_type
from datastore.store import StoreError, Workspace

REPLACE = {"annee": "same_millesime", "tout": "all", "aucun": "none"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m datastore",
        description="Espace de données : import, liste, suppression, schémas.",
    )
    sub = p.add_subparsers(dest="commande", required=True)
    imp = sub.add_parser(
        "import", help="importer un fichier (aperçu et rapport de validation avant enregistrement)"
    )
    imp.add_argument("fichier", type=Path)
    imp.add_argument(
        "--type",
        dest="kind",
        required=True,
        choices=sorted(DATASET_TYPES),
        help="type de jeu de données",
    )
    imp.add_argument("--annee", type=int, help="millésime, si le fichier ne le donne pas")
    imp.add_argument("--producteur", help="producteur (par défaut celui du type)")
    imp.add_argument(
        "--niveau",
        choices=NIVEAUX_CAF,
        help="échelle des fichiers Cnaf, si le fichier ne la donne pas",
    )
    imp.add_argument(
        "--remplacer",
        choices=sorted(REPLACE),
        default="annee",
        help="annee : remplace le même millésime (défaut) ; tout : remplace tous les millésimes ; "
        "aucun : conserve les jeux existants à côté",
    )
    imp.add_argument("--dry-run", action="store_true", help="valider sans enregistrer")
    sub.add_parser("list", help="lister les jeux de données et leur provenance")
    de = sub.add_parser("delete", help="supprimer un jeu de données")
    de.add_argument("id", type=int)
    sc = sub.add_parser("schema", help="afficher le schéma documenté d'un type")
    sc.add_argument("kind", choices=sorted(DATASET_TYPES))
    ex = sub.add_parser("exemple", help="écrire un fichier d'exemple pour un type")
    ex.add_argument("kind", choices=sorted(DATASET_TYPES))
    ex.add_argument("-o", "--sortie", type=Path, help="fichier à écrire (défaut : sortie standard)")
    sub.add_parser("init", help="remplir un espace vide avec les données embarquées")
    return p


def _print_table(df: pd.DataFrame) -> None:
    with pd.option_context(
        "display.max_columns", 30, "display.width", 200, "display.max_colwidth", 60
    ):
        print(df.to_string(index=False))


def cmd_import(args: argparse.Namespace) -> int:
    opts = ImportOptions(annee=args.annee, producteur=args.producteur, niveau=args.niveau)
    if not args.fichier.is_file():
        print(f"Fichier introuvable : {args.fichier}", file=sys.stderr)
        return 1
    prepared = prepare(args.kind, args.fichier, options=opts)
    print(f"Type : {dataset_type(args.kind).label}")
    if prepared.mapping:
        print(
            "Colonnes reconnues : " + ", ".join(f"{h} → {c}" for h, c in prepared.mapping.items())
        )
    if prepared.report.issues:
        print("\nRapport de validation :")
        print(prepared.report.text())
    print("\n" + prepared.report.summary())
    if not prepared.ok:
        return 1
    assert prepared.frame is not None
    print(
        f"\nAperçu ({len(prepared.frame)} lignes ; millésimes : "
        f"{', '.join(map(str, prepared.millesimes())) or 'sans'}) :"
    )
    _print_table(prepared.frame.head(10))
    if args.dry_run:
        print("\n--dry-run : rien n'a été enregistré.")
        return 0
    metas = commit(Workspace(), prepared, REPLACE[args.remplacer])
    for m in metas:
        print(
            f"Enregistré : jeu n° {m.id}, {m.kind}{' ' + m.scope if m.scope else ''}, "
            f"millésime {m.millesime or '—'}, {m.rows} lignes."
        )
    return 0


def cmd_list(_: argparse.Namespace) -> int:
    metas = Workspace().datasets()
    if not metas:
        print("Espace vide.")
        return 0
    _print_table(
        pd.DataFrame(
            {
                "n°": [m.id for m in metas],
                "type": [m.kind for m in metas],
                "échelle": [m.scope for m in metas],
                "millésime": [m.millesime or "" for m in metas],
                "producteur": [m.producer for m in metas],
                "nature": [str(m.nature) for m in metas],
                "lignes": [m.rows for m in metas],
                "fichier": [m.source_file for m in metas],
                "importé le": [m.imported_at for m in metas],
            }
        )
    )
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    try:
        Workspace().delete(args.id)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Jeu n° {args.id} supprimé.")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    dtype = dataset_type(args.kind)
    print(f"{dtype.label}\n{dtype.description}\nClé : {', '.join(dtype.keys)}\n")
    _print_table(schema_frame(args.kind))
    return 0


def cmd_exemple(args: argparse.Namespace) -> int:
    data = example_geojson() if args.kind == "zones" else example_csv(args.kind)
    if args.sortie:
        args.sortie.write_bytes(data)
        print(f"Exemple écrit : {args.sortie}")
    else:
        sys.stdout.write(data.decode("utf-8-sig"))
    return 0


def cmd_init(_: argparse.Namespace) -> int:
    from datastore.defaults import ensure_defaults

    ws = Workspace()
    filled = ensure_defaults(ws)
    print("Données embarquées importées." if filled else "Espace déjà initialisé : rien à faire.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {
        "import": cmd_import,
        "list": cmd_list,
        "delete": cmd_delete,
        "schema": cmd_schema,
        "exemple": cmd_exemple,
        "init": cmd_init,
    }
    return handlers[args.commande](args)
