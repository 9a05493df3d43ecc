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
    python -m datastore users add LOGIN --roles lecture[,charge_etudes,filoue,administrateur]
                              [--nom NOM] [--departements 42,69] [--oidc] [--mot-de-passe-stdin]
    python -m datastore users list | passwd LOGIN | roles LOGIN --roles … | disable LOGIN
                              | enable LOGIN | delete LOGIN
    python -m datastore audit [--depuis AAAA-MM-JJ] [--csv FICHIER]   # the audit trail

The workspace is the PostgreSQL database of DIAG_DATABASE_URL (or database_url in
.streamlit/secrets.toml) when set, else the SQLite folder DIAG_WORKSPACE_DIR (default
./workspace). Exit codes: 0 success,
1 file refused (validation errors) or unknown dataset, 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import pandas as pd

from datastore import accounts
from datastore.accounts import Role
from datastore.changes import change_text
from datastore.examples import example_csv, example_geojson, schema_frame
from datastore.importers import ImportOptions, commit, plan, prepare
from datastore.schemas import DATASET_TYPES, EDITIONS, NIVEAUX_CAF, dataset_type
from datastore.store import ACTION_LABELS, StoreError, VersionMeta, Workspace, default_author

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
    _users_parser(sub)
    au = sub.add_parser("audit", help="afficher ou exporter le journal d'audit")
    au.add_argument("--depuis", help="date de début (AAAA-MM-JJ)")
    au.add_argument("--csv", type=Path, help="écrire le journal dans ce fichier CSV (;)")
    return p


def _users_parser(sub: argparse._SubParsersAction) -> None:
    us = sub.add_parser("users", help="comptes de l'application (connexion, rôles)")
    usub = us.add_subparsers(dest="action", required=True)
    roles_help = "rôles séparés par des virgules : " + ", ".join(r.value for r in Role)
    add = usub.add_parser("add", help="créer (ou modifier) un compte")
    add.add_argument("login")
    add.add_argument("--roles", required=True, help=roles_help)
    add.add_argument("--nom", default="", help="nom affiché")
    add.add_argument(
        "--departements", default="", help="limiter à ces départements (ex. 42,69 ; défaut : tous)"
    )
    add.add_argument(
        "--oidc",
        action="store_true",
        help="compte du fournisseur d'identité (identifiant = adresse e-mail, sans mot de passe)",
    )
    add.add_argument(
        "--mot-de-passe-stdin",
        action="store_true",
        help="lire le mot de passe sur l'entrée standard (scripts) au lieu de le demander",
    )
    pw = usub.add_parser("passwd", help="changer le mot de passe d'un compte")
    pw.add_argument("login")
    pw.add_argument("--mot-de-passe-stdin", action="store_true")
    ro = usub.add_parser("roles", help="changer les rôles (et départements) d'un compte")
    ro.add_argument("login")
    ro.add_argument("--roles", required=True, help=roles_help)
    ro.add_argument("--departements", help="départements (vide : tous)")
    for name, text in (
        ("disable", "désactiver un compte"),
        ("enable", "réactiver un compte"),
        ("delete", "supprimer un compte"),
    ):
        usub.add_parser(name, help=text).add_argument("login")
    usub.add_parser("list", help="lister les comptes")
    un = usub.add_parser(
        "unlock",
        help="débloquer les connexions d'un compte (ou d'une adresse) après trop de "
        "mots de passe refusés ; sans argument : lister les blocages en cours",
    )
    un.add_argument("login", nargs="?")
    un.add_argument("--adresse", help="débloquer une adresse (IP) plutôt qu'un compte")


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


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Mot de passe (encore) : ") != first:
        raise ValueError("les deux mots de passe diffèrent")
    return first


def _users_add(ws: Workspace, args: argparse.Namespace, actor: str) -> str:
    roles = accounts.parse_roles(args.roles)
    deps = accounts.parse_departements(args.departements)
    existing = accounts.get_account(ws, args.login)
    password = None if args.oidc else _password(args.mot_de_passe_stdin)
    a = accounts.save_account(
        ws,
        args.login,
        roles=roles,
        name=args.nom or (existing.name if existing else ""),
        departements=deps,
        password=password,
        actor=actor,
    )
    verb = "modifié" if existing else "créé"
    return f"Compte {verb} : {a.login} ({a.roles_label()} ; départements : {', '.join(a.departements) or 'tous'})."


def _users_change(ws: Workspace, args: argparse.Namespace, actor: str) -> str:
    a = accounts.get_account(ws, args.login)
    if a is None:
        raise ValueError(f"compte inconnu : {args.login}")
    if args.action == "passwd":
        accounts.save_account(
            ws,
            a.login,
            roles=a.roles,
            name=a.name,
            departements=a.departements,
            password=_password(args.mot_de_passe_stdin),
            active=a.active,
            actor=actor,
        )
        return f"Mot de passe changé : {a.login}."
    roles, deps, active = a.roles, a.departements, a.active
    if args.action == "roles":
        roles = accounts.parse_roles(args.roles)
        if args.departements is not None:
            deps = accounts.parse_departements(args.departements)
    else:
        active = args.action == "enable"
    b = accounts.save_account(
        ws, a.login, roles=roles, name=a.name, departements=deps, active=active, actor=actor
    )
    state = "actif" if b.active else "désactivé"
    return f"Compte {b.login} : {b.roles_label()} ; départements : {', '.join(b.departements) or 'tous'} ; {state}."


def _users_unlock(ws: Workspace, args: argparse.Namespace, actor: str) -> str:
    if args.login is None and args.adresse is None:
        found = accounts.locks(ws)
        if not found:
            return "Aucune connexion bloquée."
        return "Connexions bloquées :\n" + "\n".join(f"- {lk.label}" for lk in found)
    return accounts.unlock(ws, actor=actor, login=args.login, address=args.adresse)


def cmd_users(args: argparse.Namespace) -> int:
    ws = Workspace()
    actor = f"ligne de commande ({default_author()})"
    try:
        if args.action == "list":
            rows = accounts.list_accounts(ws)
            if not rows:
                print("Aucun compte.")
                return 0
            _print_table(
                pd.DataFrame(
                    {
                        "identifiant": [a.login for a in rows],
                        "nom": [a.name for a in rows],
                        "rôles": [a.roles_label() for a in rows],
                        "départements": [", ".join(a.departements) or "tous" for a in rows],
                        "mot de passe": ["oui" if a.has_password else "non" for a in rows],
                        "actif": ["oui" if a.active else "non" for a in rows],
                    }
                )
            )
            return 0
        if args.action == "unlock":
            print(_users_unlock(ws, args, actor))
        elif args.action == "add":
            print(_users_add(ws, args, actor))
        elif args.action == "delete":
            if not accounts.delete_account(ws, args.login, actor=actor):
                raise ValueError(f"compte inconnu : {args.login}")
            print(f"Compte supprimé : {args.login}.")
        else:
            print(_users_change(ws, args, actor))
    except ValueError as exc:
        print(f"Refusé : {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    frame = accounts.audit_frame(Workspace(), since=args.depuis)
    if args.csv:
        args.csv.write_bytes(frame.to_csv(sep=";", index=False).encode("utf-8-sig"))
        print(f"Journal écrit : {args.csv} ({len(frame)} événements).")
        return 0
    if frame.empty:
        print("Journal vide.")
        return 0
    _print_table(frame)
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
        "users": cmd_users,
        "audit": cmd_audit,
    }
    return handlers[args.commande](args)
