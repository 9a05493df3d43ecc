"""Command-line equivalent of the Données page.

    python -m datastore import FICHIER --type KIND [--annee N] [--producteur P] [--niveau N]
                                       [--remplacer cle|annee|tout] [--retirer-demo]
                                       [--auteur NOM] [--dry-run]
    python -m datastore list
    python -m datastore delete ID             # a new version: undo with « restore »
    python -m datastore versions KIND         # who, when, which file, how many rows
    python -m datastore restore KIND VERSION  # one step, as a new version
    python -m datastore schema KIND
    python -m datastore exemple KIND [-o FICHIER]
    python -m datastore init            # fills an empty workspace with the embedded default data
    python -m datastore migrate         # upgrades the workspace's schema (Alembic), says which

The workspace is the PostgreSQL database of DIAG_DATABASE_URL (or database_url in
.streamlit/secrets.toml) when set, else the SQLite folder DIAG_WORKSPACE_DIR (default
./workspace). Exit codes: 0 success,
1 file refused (validation errors) or unknown dataset, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from datastore.changes import change_text
from datastore.examples import example_csv, example_geojson, schema_frame
from datastore.importers import ImportOptions, commit, plan, prepare
from datastore.schemas import DATASET_TYPES, EDITIONS, NIVEAUX_CAF, dataset_type
from datastore.store import ACTION_LABELS, StoreError, VersionMeta, Workspace

REPLACE = {"cle": "key", "annee": "same_millesime", "tout": "all"}


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
        "--edition",
        choices=EDITIONS,
        help="édition des taux Cnaf (hist : première publication, courant : édition courante), "
        "si le fichier ne la donne pas (sinon déduite du nom et des années du fichier)",
    )
    imp.add_argument(
        "--remplacer",
        choices=list(REPLACE),
        default="cle",
        help="cle (défaut) : remplace seulement les lignes dont la clé est dans le fichier ; "
        "annee : remplace l'année entière (retire les lignes absentes du fichier) ; "
        "tout : remplace toutes les lignes du type et de l'échelle",
    )
    imp.add_argument(
        "--retirer-demo",
        action="store_true",
        help="retirer aussi les données de démonstration de ce type et de cette échelle",
    )
    imp.add_argument("--auteur", help="qui importe (par défaut DIAG_AUTHOR ou l'utilisateur)")
    imp.add_argument(
        "--dry-run", action="store_true", help="valider et afficher l'aperçu sans enregistrer"
    )
    sub.add_parser("list", help="lister les jeux de données courants et leur provenance")
    de = sub.add_parser("delete", help="retirer un jeu de données (nouvelle version, annulable)")
    de.add_argument("id", type=int)
    ve = sub.add_parser("versions", help="lister les versions d'un type de données")
    ve.add_argument("kind", choices=sorted(DATASET_TYPES))
    re_ = sub.add_parser(
        "restore", help="restaurer une version (en une étape, comme nouvelle version)"
    )
    re_.add_argument("kind", choices=sorted(DATASET_TYPES))
    re_.add_argument("version", type=int)
    sc = sub.add_parser("schema", help="afficher le schéma documenté d'un type")
    sc.add_argument("kind", choices=sorted(DATASET_TYPES))
    ex = sub.add_parser("exemple", help="écrire un fichier d'exemple pour un type")
    ex.add_argument("kind", choices=sorted(DATASET_TYPES))
    ex.add_argument("-o", "--sortie", type=Path, help="fichier à écrire (défaut : sortie standard)")
    sub.add_parser("init", help="remplir un espace vide avec les données embarquées")
    sub.add_parser(
        "migrate", help="mettre le schéma de l'espace de travail à jour (migrations Alembic)"
    )
    return p


def _print_table(df: pd.DataFrame) -> None:
    with pd.option_context(
        "display.max_columns", 30, "display.width", 200, "display.max_colwidth", 60
    ):
        print(df.to_string(index=False))


def cmd_import(args: argparse.Namespace) -> int:
    opts = ImportOptions(
        annee=args.annee, producteur=args.producteur, niveau=args.niveau, edition=args.edition
    )
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
    ws = Workspace()
    mode = REPLACE[args.remplacer]
    preview = plan(ws, prepared, mode, drop_demo=args.retirer_demo)
    print(f"\nCe que l'enregistrement changera (mode « {args.remplacer} ») :")
    for change in preview.changes:
        print("  " + change_text(change))
    if args.dry_run:
        print("\n--dry-run : rien n'a été enregistré.")
        return 0
    try:
        metas = commit(ws, prepared, mode, expected_revision=preview.revision, author=args.auteur)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for m in metas:
        print(
            f"Enregistré : jeu n° {m.id}, {m.kind}{' ' + m.scope if m.scope else ''}, "
            f"millésime {m.millesime or '—'}, {m.rows} lignes."
        )
    version = ws.versions(args.kind)[0]
    print(
        f"Version n° {version.id} de « {args.kind} ». Pour revenir en arrière : "
        f"python -m datastore versions {args.kind}, puis restore {args.kind} N."
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
    ws = Workspace()
    kind = next((m.kind for m in ws.datasets() if m.id == args.id), None)
    previous = ws.versions(kind)[0] if kind else None
    try:
        ws.delete(args.id)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Jeu n° {args.id} retiré (nouvelle version ; les lignes sont conservées).")
    if kind and previous:
        print(f"Pour annuler : python -m datastore restore {kind} {previous.id}")
    return 0


def versions_frame(versions: list[VersionMeta]) -> pd.DataFrame:
    """The versions of a type, newest first, French headers (CLI and Données page)."""
    return pd.DataFrame(
        {
            "version": [v.id for v in versions],
            "le": [v.created_at.replace("T", " ").replace("+00:00", " UTC") for v in versions],
            "par": [v.author for v in versions],
            "action": [
                ACTION_LABELS.get(v.action, v.action)
                + (f" de la version {v.restored_from}" if v.restored_from else "")
                for v in versions
            ],
            "fichier": [v.source_file for v in versions],
            "ajoutées": [v.added for v in versions],
            "remplacées": [v.replaced for v in versions],
            "retirées": [v.removed for v in versions],
            "lignes courantes": [v.rows for v in versions],
        }
    )


def cmd_versions(args: argparse.Namespace) -> int:
    versions = Workspace().versions(args.kind)
    if not versions:
        print(f"Aucune version pour « {args.kind} ».")
        return 0
    print(f"Versions de « {dataset_type(args.kind).label} » (la plus récente en premier) :")
    _print_table(versions_frame(versions))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        version = Workspace().restore(args.kind, args.version)
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"Version {args.version} de « {args.kind} » restaurée : nouvelle version n° {version.id}, "
        f"{version.rows} lignes courantes."
    )
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


def cmd_migrate(_: argparse.Namespace) -> int:
    from datastore import migrate

    backend = Workspace.backend_for()
    try:
        with backend.connect() as con:
            before = migrate.current(backend, con)
    except backend.faults:
        before = None  # no workspace yet: it is created at the newest schema
    try:
        ws = Workspace()
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    after = ws.schema_version()
    described = dict(migrate.history())
    print(f"Espace de travail ({ws.backend}) : schéma {before or 'sans version'} → {after}.")
    if before == after:
        print("Déjà à jour : rien à faire.")
    else:
        print(f"Dernière migration : {after} — {described.get(after or '', '').splitlines()[0]}")
    ws.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {
        "import": cmd_import,
        "list": cmd_list,
        "delete": cmd_delete,
        "versions": cmd_versions,
        "restore": cmd_restore,
        "schema": cmd_schema,
        "exemple": cmd_exemple,
        "init": cmd_init,
        "migrate": cmd_migrate,
    }
    return handlers[args.commande](args)
