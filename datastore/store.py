"""The workspace: a transactional store of imported datasets, on SQLite (embedded default) or
PostgreSQL/PostGIS (a shared deployment), behind one interface.

Why SQLite by default: it ships with Python (no extra dependency or server), gives real ACID
transactions (one import = one transaction: a failing import leaves the previous data
untouched), survives restarts, and WAL mode lets several browser sessions read while one
writes. Volumes (≤ a few million rows) are well within its range; heavy computation is done
in pandas after loading. A team's shared instance (several app processes) uses PostgreSQL,
selected by one setting (`database_url`): same tables, same SQL, same behaviour; what differs
between the engines is in `datastore.backends`, and schema changes go through the Alembic
migrations of `datastore.migrate`, run when an older workspace is opened.

Layout: table `datasets` (one row per imported dataset, its provenance), one table
`data_<kind>` per dataset type (schema columns + `dataset_id`), `documents` for small
JSON documents (CTG checklists, saved zonings, settings) and `meta` (revision counter,
bumped by every write, used as cache key by the UI: every app process reads it at each
rerun, so an import in one process is seen by the others at their next rerun).

Versions: stored rows are never updated nor deleted. Every write of a dataset type (import,
restore, deletion) is a new row of `versions` listing the datasets that are current after it;
`datasets.active` marks the current ones. An import by key keeps the rows of a current
dataset that the file does not replace in a copy with the same provenance (`copy_of`), so
restoring any earlier version is one UPDATE and gives back the very same rows. The planner
(`datastore.changes`) says beforehand what a commit changes; the commit recomputes the plan
inside its transaction. `DatasetStore` is the interface both backends implement (one class,
`Workspace`, over a `datastore.backends.Backend`).

The SQLite folder is set by the environment variable DIAG_WORKSPACE_DIR (default: ./workspace);
the PostgreSQL database by DIAG_DATABASE_URL (or `.streamlit/secrets.toml`, see database_url).

Faults (issue 12): every SQLite or file-system error is turned into a `StoreError` whose
French message says what happened, that nothing was changed, and what to do, without any
server path (`fault_message`): damaged file (truncated, garbage, « not a database »),
read-only folder or file, missing file, full disk, locked workspace. The file is created
only when the workspace is opened for the first time and does not exist, atomically (a
complete file prepared beside it is hard-linked into place, so a concurrent process never
sees a half-created 0-byte file); afterwards it is opened with `mode=rw`, so a file that
disappears is reported instead of being silently recreated, and a 0-byte file is reported
instead of being refilled with the demo data. A failed write is rolled back when SQLite has
not already done it, so the real cause (e.g. « disque plein ») is reported rather than
« cannot rollback ».
"""

from __future__ import annotations

import dataclasses
import errno
import getpass
import hashlib
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from catalogue.sources import Nature
from datastore import accounts as audit
from datastore import settings
from datastore.backends import DB_NAME, Backend, PostgresBackend, SqliteBackend
from datastore.changes import (
    MODES,
    ROWID,
    Change,
    Current,
    Incoming,
    KindPlan,
    PlanError,
    Slice,
    plan_changes,
)
from datastore.schemas import DATASET_TYPES, DatasetType, Dtype, dataset_type

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "workspace"
ENV_VAR = "DIAG_WORKSPACE_DIR"
URL_ENV_VAR = "DIAG_DATABASE_URL"
LOW_DISK_BYTES = 50_000_000  # below this free space, a successful import still warns


def workspace_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def database_url() -> str | None:
    """The PostgreSQL workspace's URL, when the deployment names one: DIAG_DATABASE_URL, else
    `database_url` under `[diag]` in `.streamlit/secrets.toml` (datastore.settings, read
    without Streamlit, so that the CLI and the app open the same workspace). An empty value
    (or none): SQLite."""
    return settings.setting("database_url") or None


@dataclass(frozen=True)
class DatasetMeta:
    """Provenance of one imported dataset."""

    id: int
    kind: str
    millesime: int | None
    producer: str
    source_file: str
    rows: int
    imported_at: str
    nature: Nature
    label: str = ""
    source_id: str = ""  # id in catalogue.sources when the file is a shipped one
    notes: tuple[str, ...] = field(default=())
    scope: str = ""  # sub-family replaced together (e.g. the CAF scale 'commune', 'epci'...)

    @property
    def is_synthetic(self) -> bool:
        return self.nature is Nature.SYNTHETIQUE

    @property
    def edition(self) -> str:
        """CNAF edition of the dataset (« hist », « courant ») or '' (see scope_family)."""
        return self.scope.partition(":")[2]

    def credit(self) -> str:
        """French credit line, e.g. « Source : Cnaf, 2022 (fichier x.csv) »."""
        year = f", {self.millesime}" if self.millesime else ""
        text = f"Source : {self.producer}{year}"
        if self.nature is Nature.SYNTHETIQUE:
            text += " — données de démonstration (synthétiques)"
        elif self.nature is Nature.ESTIME:
            text += " — estimation"
        return text


@dataclass(frozen=True)
class Dataset:
    """Rows of one dataset type (possibly several imported datasets) with provenance."""

    kind: str
    frame: pd.DataFrame
    metas: tuple[DatasetMeta, ...]

    @property
    def empty(self) -> bool:
        return self.frame.empty

    @property
    def is_synthetic(self) -> bool:
        return any(m.is_synthetic for m in self.metas)

    def credits(self) -> list[str]:
        return sorted({m.credit() for m in self.metas})


@dataclass(frozen=True)
class PendingDataset:
    """A validated frame waiting to be committed (see Workspace.commit_many)."""

    kind: str
    frame: pd.DataFrame
    producer: str
    source_file: str
    nature: Nature = Nature.REEL
    millesime: int | None = None
    label: str = ""
    source_id: str = ""
    notes: tuple[str, ...] = ()
    replace: str = "key"
    scope: str = ""
    drop_demo: bool = False  # also retire the demo datasets of this type and scope
    # replace="slice": the rows this item replaces (one département's, one CTG's...); every
    # other row stays as it is, with its provenance
    slice_: Slice | None = None


#: French names of the commit modes a user picks for a file (the Données page, the CLI); the
#: mode « slice » of datastore.changes.MODES is the editors' of the SDSF and AO pages (one
#: département's or one CTG's rows), never offered for a file.
MODE_LABELS = {
    "key": "Mettre à jour par clé : remplacer seulement les lignes présentes dans le fichier",
    "same_millesime": "Remplacer l'année entière (retire les lignes de ces millésimes absentes du fichier)",
    "all": "Tout remplacer (retire toutes les lignes de ce type et de cette échelle)",
}

ACTION_LABELS = {
    "import": "import",
    "restore": "restauration",
    "delete": "suppression",
    "initial": "état initial",
}


@dataclass(frozen=True)
class VersionMeta:
    """One version of a dataset type: who changed it, when, how, and what is current after."""

    id: int
    kind: str
    created_at: str
    author: str
    action: str  # ACTION_LABELS keys
    source_file: str
    mode: str
    added: int
    replaced: int
    removed: int
    rows: int  # current rows of the type after this version
    datasets: tuple[int, ...]  # current datasets after this version
    restored_from: int | None = None

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


@dataclass(frozen=True)
class CommitPlan:
    """What a commit will change (the preview), for the workspace revision it was made on."""

    revision: int
    kinds: tuple[KindPlan, ...]
    skipped: tuple[int, ...] = ()  # batch items left out (keep_existing)

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for k in self.kinds for c in k.changes)


class DatasetStore(Protocol):
    """The storage interface the app uses, on SQLite and on PostgreSQL with the same meaning
    (one transaction per commit, rows never rewritten, readers never blocked by a writer)."""

    def revision(self) -> int: ...
    def datasets(self, kind: str | None = None) -> list[DatasetMeta]: ...
    def read(self, kind: str, millesime: int | None = None) -> Dataset: ...
    def plan(self, items: Sequence[PendingDataset]) -> CommitPlan: ...
    def commit_many(
        self,
        items: list[PendingDataset],
        once_key: str | None = None,
        *,
        keep_existing: bool = False,
        expected_revision: int | None = None,
        author: str | None = None,
    ) -> list[DatasetMeta] | None: ...
    def versions(self, kind: str) -> list[VersionMeta]: ...
    def restore(self, kind: str, version_id: int, author: str | None = None) -> VersionMeta: ...
    def delete(self, dataset_id: int, author: str | None = None) -> VersionMeta: ...
    def checksum(self, kind: str) -> str: ...


def default_author() -> str:
    """Who is writing: DIAG_AUTHOR, else the system user name."""
    name = os.environ.get("DIAG_AUTHOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


class StoreError(Exception):
    """A workspace operation failed; the message is in French."""


_NOTHING_CHANGED = "Rien n'a été modifié : les données déjà enregistrées restent celles en cours."


def _read_only(folder: Path | None) -> bool:
    if folder is None or not folder.exists():
        return False
    try:
        return not os.access(folder, os.W_OK) or bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def fault_message(exc: BaseException, folder: Path | None = None) -> str:
    """French message (no server path) for a SQLite or file-system error on the workspace
    (`folder`: the workspace folder, to tell a read-only folder from a missing file)."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if "unable to open" in text and _read_only(folder):
        code = errno.EROFS
    if code == errno.ENOSPC or "disk is full" in text or "no space" in text:
        return (
            "Le disque du serveur est plein : l'enregistrement n'a pas pu se terminer. "
            f"{_NOTHING_CHANGED} Libérez de l'espace disque sur le serveur (ou demandez-le à "
            "l'administrateur), puis recommencez."
        )
    if (
        code in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "readonly" in text
        or "read-only" in text
        or "permission denied" in text
    ):
        return (
            "L'espace de travail est en lecture seule (droits insuffisants sur son dossier ou "
            f"son fichier) : il ne peut pas être modifié. {_NOTHING_CHANGED} Demandez à "
            "l'administrateur de rendre le dossier de l'espace de travail accessible en écriture "
            "(variable DIAG_WORKSPACE_DIR)."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            "Le fichier de l'espace de travail est endommagé (tronqué ou illisible) : il ne peut "
            "pas être lu. Rien n'a été modifié. Restaurez une sauvegarde de l'espace de travail, "
            "ou mettez le fichier endommagé de côté pour repartir d'un espace de travail neuf "
            "(les données par défaut seront rechargées, vos imports seront à refaire)."
        )
    if "locked" in text or "busy" in text:
        return (
            "L'espace de travail est occupé par une autre opération (import en cours ?). "
            "Rien n'a été modifié. Patientez quelques secondes, puis recommencez."
        )
    if type(exc).__module__.startswith("psycopg") and (
        "connect" in text or "password" in text or "does not exist" in text
    ):
        return (
            "La base de données PostgreSQL de l'espace de travail est injoignable ou refuse la "
            "connexion (serveur arrêté, adresse, nom de la base, utilisateur ou mot de passe "
            "incorrects). Rien n'a été modifié. Vérifiez le réglage DIAG_DATABASE_URL (ou "
            "database_url dans .streamlit/secrets.toml) et que le serveur est démarré, ou "
            "demandez-le à l'administrateur, puis rechargez la page."
        )
    if "unable to open" in text or code == errno.ENOENT:
        return (
            "Le fichier de l'espace de travail est introuvable ou ne peut pas être ouvert "
            "(déplacé, supprimé, ou dossier inaccessible). Rien n'a été modifié. Vérifiez le "
            "dossier de l'espace de travail (variable DIAG_WORKSPACE_DIR) ou restaurez une "
            "sauvegarde, puis rechargez la page."
        )
    return (
        f"Erreur de l'espace de travail ({type(exc).__name__}). {_NOTHING_CHANGED} "
        "Rechargez la page ; si l'erreur persiste, signalez-la à l'administrateur "
        "(le journal du serveur en donne le détail)."
    )


def _store_error(exc: BaseException, folder: Path | None = None) -> StoreError:
    return StoreError(fault_message(exc, folder))


class Workspace:
    """The workspace: SQLite in a folder (default), or PostgreSQL when a database URL is set
    (`DIAG_DATABASE_URL`, or `database_url` under `[diag]` in `.streamlit/secrets.toml`).

    `Workspace()` opens the one the settings name; `Workspace(folder)` a SQLite workspace in
    that folder; `Workspace(url=...)` a PostgreSQL database. Opening upgrades an older
    schema through the migrations (datastore.migrate)."""

    def __init__(self, root: Path | str | None = None, *, url: str | None = None) -> None:
        if url is None and root is None:
            url = database_url()
        self.url = url
        self._db: Backend
        if url:
            self.root: Path | None = None
            self.path: Path | None = None
            self._db = PostgresBackend(url)
        else:
            self.root = Path(root) if root is not None else workspace_dir()
            self.path = self.root / DB_NAME
            self._db = SqliteBackend(self.path)
            self._open_file()
        self._upgrade()
        with self._connect() as con:
            _add_new_columns(self._db, con)

    @property
    def backend(self) -> str:
        """« sqlite » or « postgresql »."""
        return self._db.name

    @staticmethod
    def backend_for(root: Path | str | None = None, url: str | None = None) -> Backend:
        """The backend the settings name, opened on nothing (for `alembic` at the root)."""
        url = url if url is not None else (database_url() if root is None else None)
        if url:
            return PostgresBackend(url)
        folder = Path(root) if root is not None else workspace_dir()
        return SqliteBackend(folder / DB_NAME)

    def _open_file(self) -> None:
        assert self.root is not None and self.path is not None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _store_error(exc) from exc
        try:
            if not self.path.exists():
                self._create()
            empty = self.path.stat().st_size == 0
        except OSError as exc:
            raise _store_error(exc, self.root) from exc
        if empty:
            raise StoreError(
                "Le fichier de l'espace de travail est vide (0 octet) : il a probablement été "
                "tronqué (disque plein, copie interrompue). Il n'a pas été rempli à nouveau, pour "
                "ne rien masquer. Restaurez une sauvegarde de l'espace de travail, ou supprimez ce "
                "fichier vide pour repartir des données par défaut."
            )

    def _upgrade(self) -> None:
        """Run the migrations when the workspace's schema is older than the code (once,
        whoever opens first: the upgrade re-reads the version under the writers' lock)."""
        from datastore import migrate

        with self._connect() as con:
            try:
                needed = migrate.needs_upgrade(self._db, con)
            except migrate.SchemaTooNew as exc:
                raise StoreError(
                    f"L'espace de travail a été mis à jour par une version plus récente de "
                    f"l'application (schéma {exc}) : cette version ne sait pas le lire. Rien "
                    "n'a été modifié. Installez la dernière version de l'application."
                ) from exc
        if not needed:
            return
        try:
            migrate.upgrade(self._db)
        except self._db.faults as exc:
            raise _store_error(exc, self.root) from exc

    def schema_version(self) -> str | None:
        """The workspace's migration (Alembic revision)."""
        from datastore import migrate

        with self._connect() as con:
            return migrate.current(self._db, con)

    def _create(self) -> None:
        """Create the workspace file atomically: a complete SQLite file is prepared beside it
        and hard-linked into place, so no process ever sees a half-created (0-byte) file; if
        another process created it meanwhile, its file is kept."""
        assert self.root is not None and self.path is not None
        tmp = self.root / f".{DB_NAME}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        try:
            con = sqlite3.connect(tmp, isolation_level=None)
            try:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
            finally:
                con.close()
            with suppress(FileExistsError):  # another process created it first: keep it
                os.link(tmp, self.path)
        except sqlite3.Error as exc:
            raise _store_error(exc, self.root) from exc
        finally:
            for extra in ("", "-wal", "-shm"):
                Path(f"{tmp}{extra}").unlink(missing_ok=True)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        """A connection; engine and file errors become a French StoreError. A SQLite file
        must exist (`mode=rw`): a missing file is an error, never a new empty workspace."""
        try:
            with self._db.connect() as con:
                yield con
        except self._db.faults as exc:
            raise _store_error(exc, self.root) from exc

    @contextmanager
    def _transaction(self, bump: bool = True, lock: bool = True) -> Iterator[Any]:
        """One write transaction (the writers' lock first; the revision bumped at the end,
        except for writes that no cached data depends on: accounts, audit rows). `lock=False`
        (audit rows, which no writer plans on): on PostgreSQL, no writers' lock, so a sign-in
        or an export is not kept waiting by an import's commit (SQLite has one writer)."""
        with self._connect() as con:
            if lock or self._db.name != "postgresql":
                self._db.begin_write(con)
            else:
                con.execute("BEGIN")
            try:
                yield con
                if bump:
                    self._db.bump_revision(con)
                con.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (e.g. disk full): rolling back again
                # would raise « cannot rollback » and hide the real cause.
                if self._db.in_transaction(con):
                    with suppress(*self._db.faults):  # the original error is the one to report
                        con.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the pooled connections (PostgreSQL; nothing for SQLite)."""
        if isinstance(self._db, PostgresBackend):
            self._db.close()

    def disk_warning(self, margin_bytes: int = LOW_DISK_BYTES) -> str | None:
        """French warning when the disk holding the workspace is nearly full (after an import
        that succeeded, the next one may not), else None."""
        if self.root is None:  # PostgreSQL: the server's disk is the administrator's
            return None
        try:
            usage = shutil.disk_usage(self.root)
        except OSError:
            return None
        if usage.free >= margin_bytes:
            return None
        free_mb = usage.free / 1e6
        return (
            f"Le disque du serveur est presque plein ({free_mb:.0f} Mo libres) : l'import a bien été "
            "enregistré, mais le suivant pourrait échouer. Libérez de l'espace disque sur le "
            "serveur (ou demandez-le à l'administrateur)."
        )

    # ------------------------------------------------------------------ reads
    def revision(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT value FROM meta WHERE key='revision'").fetchone()[0])

    def datasets(self, kind: str | None = None) -> list[DatasetMeta]:
        sql = f"SELECT {_META_COLS} FROM datasets WHERE active = 1"
        args: tuple = ()
        if kind:
            sql += " AND kind = ?"
            args = (kind,)
        sql += " ORDER BY kind, millesime NULLS FIRST, id"
        with self._connect() as con:
            rows = con.execute(sql, args).fetchall()
        return [_meta_from_row(r) for r in rows]

    def read(self, kind: str, millesime: int | None = None) -> Dataset:
        """All rows of a dataset type (optionally one millésime), typed per the schema."""
        dtype = dataset_type(kind)
        metas = [m for m in self.datasets(kind) if millesime is None or m.millesime == millesime]
        table = _table(kind)
        cols = ", ".join(f'"{c}"' for c in dtype.column_names)
        if not metas:
            return Dataset(kind, _empty_frame(dtype), ())
        ids = ",".join(str(m.id) for m in metas)
        with self._connect() as con:
            frame = self._db.frame(
                con, f"SELECT dataset_id, {cols} FROM {table} WHERE dataset_id IN ({ids})"
            )
        return Dataset(kind, _apply_types(frame, dtype), tuple(metas))

    # ----------------------------------------------------------------- writes
    def commit(
        self,
        kind: str,
        frame: pd.DataFrame,
        *,
        producer: str,
        source_file: str,
        nature: Nature = Nature.REEL,
        millesime: int | None = None,
        label: str = "",
        source_id: str = "",
        notes: list[str] | tuple[str, ...] = (),
        replace: str = "key",
        scope: str = "",
        author: str | None = None,
    ) -> DatasetMeta:
        """Store a validated frame as one dataset, atomically, as a new version of its type.

        replace (see datastore.changes): 'key' replaces the current rows with the same key
        only, 'same_millesime' every row of this kind, scope and millésime, 'all' every row
        of this kind and scope. A synthetic dataset never removes a real one.
        """
        pending = PendingDataset(
            kind,
            frame,
            producer=producer,
            source_file=source_file,
            nature=nature,
            millesime=millesime,
            label=label,
            source_id=source_id,
            notes=tuple(notes),
            replace=replace,
            scope=scope,
        )
        metas = self.commit_many([pending], author=author)
        assert metas is not None
        return metas[0]

    def plan(self, items: Sequence[PendingDataset], *, keep_existing: bool = False) -> CommitPlan:
        """What commit_many(items) would change now (nothing is written)."""
        items = [_with_optional_columns(it) for it in items]
        with self._connect() as con:
            self._db.begin_read(con)  # one consistent snapshot for the plan and its revision
            try:
                return self._plan(con, list(items), keep_existing)
            finally:
                con.execute("ROLLBACK")

    def _plan(self, con: Any, items: list[PendingDataset], keep_existing: bool) -> CommitPlan:
        revision = int(con.execute("SELECT value FROM meta WHERE key='revision'").fetchone()[0])
        skipped = tuple(
            i for i, it in enumerate(items) if keep_existing and self._shadows_existing(con, it)
        )
        by_kind: dict[str, list[Incoming]] = {}
        for i, it in enumerate(items):
            if it.replace not in MODES:
                raise ValueError(it.replace)
            if i in skipped:
                continue
            by_kind.setdefault(it.kind, []).append(
                Incoming(
                    i,
                    it.scope,
                    it.millesime,
                    it.nature is Nature.SYNTHETIQUE,
                    it.replace,
                    it.frame,
                    it.drop_demo,
                    it.slice_,
                )
            )
        plans = []
        for kind, incoming in by_kind.items():
            dtype = dataset_type(kind)
            current = self._current(con, dtype, incoming)
            try:
                plans.append(plan_changes(dtype, current, incoming, _territory_names(dtype)))
            except PlanError as exc:
                raise StoreError(str(exc)) from exc
        return CommitPlan(revision, tuple(plans), skipped)

    def _current(self, con: Any, dtype: DatasetType, incoming: list[Incoming]) -> list[Current]:
        """The current datasets an incoming batch may touch, with the columns the planner
        reads (keys, figures, name) and the SQLite rowid of each row."""
        by_year = dtype.year_column is not None and dtype.year_column in dtype.keys
        table = _table(dtype.kind)
        exists = table in self._db.tables(con)
        out = []
        for m in self.datasets_in(con, dtype.kind):
            relevant = [
                inc
                for inc in incoming
                if inc.scope == m.scope
                or (  # a real edition retires the demo data of its scale (changes._touches)
                    inc.drop_demo
                    and m.is_synthetic
                    and scope_family(inc.scope) == scope_family(m.scope)
                )
            ]
            if not relevant:
                continue
            if by_year and all(
                inc.mode not in ("all", "slice")
                and inc.millesime != m.millesime
                and not (inc.drop_demo and m.is_synthetic)
                for inc in relevant
            ):
                continue
            cols = [c for c in dtype.column_names if c in dtype.keys or c == "nom"]
            cols += [
                c.name
                for c in dtype.columns
                if c.name not in cols and c.dtype in (Dtype.INT, Dtype.FLOAT, Dtype.BOOL)
            ]
            for inc in relevant:  # mode « slice »: the columns its slice is read from
                if inc.slice_ is not None:
                    cols += [c for c in inc.slice_.columns(dtype) if c not in cols]
            if exists:
                frame = self._db.frame(
                    con,
                    f"SELECT rowid AS {ROWID}, "
                    + ", ".join(f'"{c}"' for c in cols)
                    + f" FROM {table} WHERE dataset_id = ?",
                    (m.id,),
                )
                frame = _apply_types(frame, dtype)
            else:
                frame = pd.DataFrame({ROWID: [], **{c: [] for c in cols}})
            out.append(Current(m.id, m.scope, m.millesime, m.is_synthetic, frame))
        return out

    def commit_many(
        self,
        items: list[PendingDataset],
        once_key: str | None = None,
        *,
        keep_existing: bool = False,
        expected_revision: int | None = None,
        author: str | None = None,
    ) -> list[DatasetMeta] | None:
        """Store several datasets in ONE transaction (all or nothing), one new version per
        dataset type touched.

        once_key: if given, the batch is stored only if the meta key is not set yet, and the key
        is set in the same transaction (used by the embedded defaults: two processes starting
        at once fill the workspace exactly once). Returns None when the key was already set.
        keep_existing: never replace nor shadow what the workspace holds (the embedded defaults
        arriving after a user's import): an item is skipped when its type and scope already
        have a dataset of the same millésime, or, for a synthetic item, any real dataset.
        expected_revision: the revision the preview was computed on; if the workspace changed
        since, nothing is stored (StoreError): the user sees a new preview first.
        """
        items = [_with_optional_columns(it) for it in items]
        prepared = []
        for it in items:
            dtype = dataset_type(it.kind)
            missing = [c for c in dtype.column_names if c not in it.frame.columns]
            if missing:
                raise StoreError(f"Colonnes absentes pour « {dtype.label} » : {', '.join(missing)}")
            if it.replace not in MODES:
                raise ValueError(it.replace)
            prepared.append((it, dtype, _to_storage(it.frame[dtype.column_names], dtype)))
        now = _now()
        author = author or default_author()
        out: list[DatasetMeta] = []
        with self._transaction() as con:
            if once_key is not None:
                row = con.execute("SELECT value FROM meta WHERE key = ?", (once_key,)).fetchone()
                if row is not None:
                    return None
                con.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (once_key, now))
            plan = self._plan(con, items, keep_existing)
            if expected_revision is not None and plan.revision != expected_revision:
                raise StoreError(
                    "L'espace de travail a été modifié depuis l'aperçu (autre import, restauration ou "
                    "suppression) : rien n'a été enregistré. Vérifiez le nouvel aperçu puis "
                    "enregistrez de nouveau."
                )
            for kplan in plan.kinds:
                files = " ; ".join(
                    sorted({it.source_file for it in items if it.kind == kplan.kind})
                )
                modes = ",".join(sorted({it.replace for it in items if it.kind == kplan.kind}))
                sliced = _slice_detail(
                    [it.slice_ for it in items if it.kind == kplan.kind and it.slice_]
                )
                counts = (
                    sum(c.added for c in kplan.changes),
                    sum(c.replaced for c in kplan.changes),
                    sum(c.removed for c in kplan.changes),
                )
                version = self._record_version(
                    con, kplan.kind, "import", now, author, files, modes, counts
                )
                audit.record(
                    con,
                    author,
                    "remplacement" if counts[1] or counts[2] else "import",
                    kind=kplan.kind,
                    target=files,
                    detail={
                        "version": version,
                        "mode": modes,
                        "ajoutées": counts[0],
                        "remplacées": counts[1],
                        "retirées": counts[2],
                        **sliced,
                    },
                )
                new_ids = self._apply_plan(con, kplan)
                for i, (it, dtype, data) in enumerate(prepared):
                    if it.kind != kplan.kind or i in plan.skipped:
                        continue
                    if it.replace == "slice" and it.frame.empty:
                        continue  # a slice cleared: nothing to store in its place
                    meta = self._insert(con, it, dtype, data, now)
                    new_ids.append(meta.id)
                    out.append(meta)
                self._close_version(con, version, kplan.kind, new_ids)
        return out

    def _apply_plan(self, con: Any, kplan: KindPlan) -> list[int]:
        """Retire the datasets the plan replaces; keep the rows it does not replace in a copy
        with the original provenance. Returns the ids of the copies."""
        table = _table(kplan.kind)
        copies: list[int] = []
        dropped = dict(kplan.remainders)
        for did in kplan.retire:
            con.execute("UPDATE datasets SET active = 0 WHERE id = ?", (did,))
            if did not in dropped:
                continue
            rows = int(con.execute("SELECT rows FROM datasets WHERE id = ?", (did,)).fetchone()[0])
            left = rows - len(dropped[did])
            if left <= 0:
                continue
            new_id = self._db.insert_id(
                con,
                "INSERT INTO datasets(kind, millesime, producer, source_file, rows, imported_at, "
                "nature, label, source_id, notes, scope, active, copy_of) "
                "SELECT kind, millesime, producer, source_file, ?, imported_at, nature, label, "
                "source_id, notes, scope, 1, COALESCE(copy_of, id) FROM datasets WHERE id = ?",
                (left, did),
            )
            con.execute("CREATE TEMP TABLE IF NOT EXISTS _dropped (r BIGINT PRIMARY KEY)")
            con.execute("DELETE FROM _dropped")
            self._db.bulk_insert(con, "_dropped", ["r"], ((int(r),) for r in dropped[did]))
            cols = ", ".join(f'"{c}"' for c in dataset_type(kplan.kind).column_names)
            con.execute(
                f"INSERT INTO {table} (dataset_id, {cols}) SELECT ?, {cols} FROM {table} "
                "WHERE dataset_id = ? AND rowid NOT IN (SELECT r FROM _dropped) ORDER BY rowid",
                (new_id, did),
            )
            copies.append(new_id)
        return copies

    def _record_version(
        self,
        con: Any,
        kind: str,
        action: str,
        now: str,
        author: str,
        source_file: str,
        mode: str,
        counts: tuple[int, int, int],
        restored_from: int | None = None,
    ) -> int:
        """A new version row; its list of current datasets is set by _close_version (or now,
        for an action that does not add datasets)."""
        vid = self._db.insert_id(
            con,
            "INSERT INTO versions(kind, created_at, author, action, source_file, mode, added, "
            "replaced, removed, rows, datasets, restored_from) VALUES (?,?,?,?,?,?,?,?,?,0,'[]',?)",
            (kind, now, author, action, source_file, mode, *counts, restored_from),
        )
        if action != "import":
            self._close_version(con, vid, kind, [])
        return vid

    def _close_version(self, con: Any, version_id: int, kind: str, new_ids: list[int]) -> None:
        if new_ids:
            con.execute(
                f"UPDATE datasets SET version_id = ? WHERE id IN ({','.join('?' * len(new_ids))})",
                (version_id, *new_ids),
            )
        ids = [
            int(r[0])
            for r in con.execute(
                "SELECT id FROM datasets WHERE kind = ? AND active = 1 ORDER BY id", (kind,)
            )
        ]
        rows = con.execute(
            "SELECT COALESCE(SUM(rows), 0) FROM datasets WHERE kind = ? AND active = 1", (kind,)
        ).fetchone()[0]
        con.execute(
            "UPDATE versions SET datasets = ?, rows = ? WHERE id = ?",
            (json.dumps(ids), int(rows), version_id),
        )

    def _shadows_existing(self, con: Any, it: PendingDataset) -> bool:
        """Same scale (any edition) and millésime, or a synthetic item next to real data
        (module function `_shadows_existing`); the batch's own items are not in the workspace
        yet while the plan is made, so two editions of one year do not shadow each other."""
        return _shadows_existing(self.datasets_in(con, it.kind), it)

    def _insert(
        self,
        con: Any,
        it: PendingDataset,
        dtype: DatasetType,
        data: list[list[object]],
        now: str,
    ) -> DatasetMeta:
        table = _table(it.kind)
        self._db.ensure_table(con, dtype)
        nrows = len(data[0]) if data else 0
        did = self._db.insert_id(
            con,
            "INSERT INTO datasets(kind, millesime, producer, source_file, rows, imported_at, nature, "
            "label, source_id, notes, scope) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                it.kind,
                it.millesime,
                it.producer,
                it.source_file,
                nrows,
                now,
                str(it.nature),
                it.label,
                it.source_id,
                json.dumps(list(it.notes), ensure_ascii=False),
                it.scope,
            ),
        )
        self._db.bulk_insert(
            con,
            table,
            ["dataset_id", *dtype.column_names],
            zip([did] * nrows, *data, strict=True),
        )
        row = con.execute(f"SELECT {_META_COLS} FROM datasets WHERE id = ?", (did,)).fetchone()
        return _meta_from_row(row)

    # --------------------------------------------------------------- versions
    def versions(self, kind: str) -> list[VersionMeta]:
        """The versions of a dataset type, newest first."""
        dataset_type(kind)
        with self._connect() as con:
            rows = con.execute(
                f"SELECT {_VERSION_COLS} FROM versions WHERE kind = ? ORDER BY id DESC", (kind,)
            ).fetchall()
        return [_version_from_row(r) for r in rows]

    def version_datasets(self, version_id: int) -> list[DatasetMeta]:
        """The datasets that were current after a version (their provenance)."""
        with self._connect() as con:
            row = con.execute(
                "SELECT datasets FROM versions WHERE id = ?", (version_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"Version n° {version_id} introuvable.")
            ids = json.loads(row[0])
            if not ids:
                return []
            rows = con.execute(
                f"SELECT {_META_COLS} FROM datasets WHERE id IN ({','.join('?' * len(ids))}) "
                "ORDER BY millesime NULLS FIRST, id",
                ids,
            ).fetchall()
        return [_meta_from_row(r) for r in rows]

    def restore(self, kind: str, version_id: int, author: str | None = None) -> VersionMeta:
        """Make the datasets current after `version_id` current again, as a NEW version
        (nothing is rewritten: the very rows of that version come back)."""
        with self._transaction() as con:
            row = con.execute(
                "SELECT kind, datasets FROM versions WHERE id = ?", (version_id,)
            ).fetchone()
            if row is None or row[0] != kind:
                raise StoreError(
                    f"Version n° {version_id} introuvable pour « {dataset_type(kind).label} »."
                )
            ids = json.loads(row[1])
            con.execute("UPDATE datasets SET active = 0 WHERE kind = ? AND active = 1", (kind,))
            if ids:
                con.execute(
                    f"UPDATE datasets SET active = 1 WHERE id IN ({','.join('?' * len(ids))})",
                    ids,
                )
            vid = self._record_version(
                con,
                kind,
                "restore",
                _now(),
                author or default_author(),
                "",
                "",
                (0, 0, 0),
                restored_from=version_id,
            )
            audit.record(
                con,
                author or default_author(),
                "restauration",
                kind=kind,
                target=f"version {version_id}",
                detail={"version": vid, "restaure": version_id},
            )
            out = con.execute(
                f"SELECT {_VERSION_COLS} FROM versions WHERE id = ?", (vid,)
            ).fetchone()
        return _version_from_row(out)

    def checksum(self, kind: str) -> str:
        """SHA-256 of the current rows of a type and of their provenance (same data = same
        checksum: used to check that a restore gives back the data byte for byte)."""
        h = hashlib.sha256()
        metas = self.datasets(kind)
        dtype = dataset_type(kind)
        for m in sorted(metas, key=lambda m: m.id):
            h.update(
                repr(
                    (
                        m.millesime,
                        m.scope,
                        m.producer,
                        m.source_file,
                        m.rows,
                        str(m.nature),
                        m.notes,
                    )
                ).encode()
            )
        if not metas:
            return h.hexdigest()
        cols = ", ".join(f'"{c}"' for c in dtype.column_names)
        with self._connect() as con:
            for m in sorted(metas, key=lambda m: m.id):
                cur = con.execute(
                    f"SELECT {cols} FROM {_table(kind)} WHERE dataset_id = ? ORDER BY rowid",
                    (m.id,),
                )
                while batch := cur.fetchmany(50_000):
                    h.update(repr(batch).encode())
        return h.hexdigest()

    def meta_value(self, key: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def delete(self, dataset_id: int, author: str | None = None) -> VersionMeta:
        """Retire a dataset, as a new version of its type (undo: restore the version before)."""
        with self._transaction() as con:
            row = con.execute(
                "SELECT kind, source_file, rows FROM datasets WHERE id = ? AND active = 1",
                (dataset_id,),
            ).fetchone()
            if row is None:
                raise StoreError(f"Jeu de données n° {dataset_id} introuvable (déjà supprimé ?).")
            con.execute("UPDATE datasets SET active = 0 WHERE id = ?", (dataset_id,))
            vid = self._record_version(
                con,
                row[0],
                "delete",
                _now(),
                author or default_author(),
                row[1],
                "",
                (0, 0, int(row[2])),
            )
            audit.record(
                con,
                author or default_author(),
                "suppression",
                kind=row[0],
                target=row[1],
                detail={"version": vid, "jeu": dataset_id, "lignes": int(row[2])},
            )
            out = con.execute(
                f"SELECT {_VERSION_COLS} FROM versions WHERE id = ?", (vid,)
            ).fetchone()
        return _version_from_row(out)

    @staticmethod
    def datasets_in(con: Any, kind: str) -> list[DatasetMeta]:
        rows = con.execute(
            f"SELECT {_META_COLS} FROM datasets WHERE kind = ? AND active = 1", (kind,)
        ).fetchall()
        return [_meta_from_row(r) for r in rows]

    # -------------------------------------------------------------- documents
    def save_document(self, kind: str, name: str, payload: dict | list) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction() as con:
            con.execute(
                "INSERT INTO documents(kind, name, payload, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(kind, name) DO UPDATE SET payload=excluded.payload, updated_at=excluded.updated_at",
                (kind, name, json.dumps(payload, ensure_ascii=False), now),
            )

    def document(self, kind: str, name: str) -> dict | list | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT payload FROM documents WHERE kind=? AND name=?", (kind, name)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def documents(self, kind: str) -> dict[str, dict | list]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT name, payload FROM documents WHERE kind=? ORDER BY name", (kind,)
            ).fetchall()
        return {name: json.loads(p) for name, p in rows}

    def delete_document(self, kind: str, name: str) -> None:
        with self._transaction() as con:
            con.execute("DELETE FROM documents WHERE kind=? AND name=?", (kind, name))

    def is_empty(self) -> bool:
        with self._connect() as con:
            return con.execute("SELECT COUNT(*) FROM datasets").fetchone()[0] == 0


_META_COLS = (
    "id, kind, millesime, producer, source_file, rows, imported_at, nature, label, "
    "source_id, notes, scope"
)
_VERSION_COLS = (
    "id, kind, created_at, author, action, source_file, mode, added, replaced, removed, rows, "
    "datasets, restored_from"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _territory_names(dtype: DatasetType) -> dict[str, str]:
    """Names of the territories of a type's rows, for the preview (communes only: the other
    scales carry their name in the file)."""
    from datastore.changes import territory_column

    if territory_column(dtype) != "code_insee":
        return {}
    from datastore.codes import commune_reference

    return commune_reference().names


def _version_from_row(r: tuple) -> VersionMeta:
    return VersionMeta(
        id=int(r[0]),
        kind=r[1],
        created_at=r[2],
        author=r[3],
        action=r[4],
        source_file=r[5] or "",
        mode=r[6] or "",
        added=int(r[7]),
        replaced=int(r[8]),
        removed=int(r[9]),
        rows=int(r[10]),
        datasets=tuple(json.loads(r[11] or "[]")),
        restored_from=None if r[12] is None else int(r[12]),
    )


def _shadows_existing(existing: list[DatasetMeta], it: PendingDataset) -> bool:
    """A default dataset is not stored next to what the user imported before: same type and
    scale (any edition) and same millésime, or, for a synthetic one, any real dataset."""
    for m in existing:
        if scope_family(m.scope) != scope_family(it.scope):
            continue
        if m.millesime == it.millesime:
            return True
        if it.nature is Nature.SYNTHETIQUE and not m.is_synthetic:
            return True
    return False


def _with_optional_columns(it: PendingDataset) -> PendingDataset:
    """An item whose frame lacks optional columns of its schema (one a schema gained later,
    e.g. the CNAF `edition`) gets them empty; a missing required column stays an error."""
    dtype = dataset_type(it.kind)
    absent = [c for c in dtype.columns if not c.required and c.name not in it.frame.columns]
    if not absent:
        return it
    frame = it.frame.copy()
    for c in absent:
        frame[c.name] = pd.NA
    return dataclasses.replace(it, frame=frame)


def scope_family(scope: str) -> str:
    """The scale part of a scope (« departement:hist » -> « departement »): a real dataset of
    any edition replaces the synthetic one of its scale, and keeps the other edition."""
    return scope.partition(":")[0]


def _table(kind: str) -> str:
    dataset_type(kind)  # validates the name
    return f"data_{kind}"


def _add_new_columns(db: Backend, con: Any) -> None:
    """Workspaces made by an earlier version: add the optional columns a schema gained since
    (empty for the datasets stored before). Nothing is removed or rewritten."""
    tables = db.tables(con)
    for dtype in DATASET_TYPES.values():
        table = _table(dtype.kind)
        if table not in tables:
            continue
        have = db.columns(con, table)
        for c in dtype.columns:
            if c.name not in have:
                db.add_column(con, table, c.name, db.sql_types[c.dtype])


def _meta_from_row(r: tuple) -> DatasetMeta:
    return DatasetMeta(
        id=int(r[0]),
        kind=r[1],
        millesime=None if r[2] is None else int(r[2]),
        producer=r[3],
        source_file=r[4],
        rows=int(r[5]),
        imported_at=r[6],
        nature=Nature(r[7]),
        label=r[8] or "",
        source_id=r[9] or "",
        notes=tuple(json.loads(r[10] or "[]")),
        scope=r[11] or "",
    )


def _empty_frame(dtype: DatasetType) -> pd.DataFrame:
    return _apply_types(pd.DataFrame({c: [] for c in ["dataset_id", *dtype.column_names]}), dtype)


def _slice_detail(slices: Sequence[Slice]) -> dict[str, list[str]]:
    """What the saves of the mode « slice » replaced, for the audit line: the départements
    and the values per column (« départements : ['59'] », « id_ctg : ['C1'] »)."""
    out: dict[str, set[str]] = {}
    for s in slices:
        if s.departement:
            out.setdefault("départements", set()).add(s.departement)
        for column, values in s.only:
            out.setdefault(column, set()).update(values)
    return {k: sorted(v) for k, v in out.items()}


def empty_frame(dtype: DatasetType) -> pd.DataFrame:
    """No row, the columns of the schema with their types."""
    return _apply_types(pd.DataFrame({c: [] for c in dtype.column_names}), dtype)


def _to_storage(frame: pd.DataFrame, dtype: DatasetType) -> list[list[object]]:
    """Columns as lists of plain Python values (None for missing), ready for executemany."""
    cols: list[list[object]] = []
    for c in dtype.columns:
        s = frame[c.name]
        if c.dtype is Dtype.INT:
            num = pd.to_numeric(s, errors="raise")
            arr = (
                num.astype("Float64").round().astype("Int64").to_numpy(dtype=object, na_value=None)
            )
        elif c.dtype is Dtype.FLOAT:
            arr = (
                pd.to_numeric(s, errors="raise")
                .astype("Float64")
                .to_numpy(dtype=object, na_value=None)
            )
        elif c.dtype is Dtype.BOOL:
            arr = s.astype("boolean").astype("Int64").to_numpy(dtype=object, na_value=None)
        elif c.dtype is Dtype.DATE:
            d = pd.to_datetime(s, errors="raise")
            arr = d.dt.strftime("%Y-%m-%d").astype("string").to_numpy(dtype=object, na_value=None)
        else:
            arr = s.astype("string").to_numpy(dtype=object, na_value=None)
        cols.append(list(arr))
    return cols


def _apply_types(frame: pd.DataFrame, dtype: DatasetType) -> pd.DataFrame:
    out = frame.copy()
    if "dataset_id" in out:
        out["dataset_id"] = pd.to_numeric(out["dataset_id"]).astype("Int64")
    for c in dtype.columns:
        if c.name not in out:
            continue
        s = out[c.name]
        if c.dtype is Dtype.INT:
            out[c.name] = pd.to_numeric(s).astype("Int64")
        elif c.dtype is Dtype.FLOAT:
            out[c.name] = pd.to_numeric(s).astype("Float64")
        elif c.dtype is Dtype.BOOL:
            out[c.name] = pd.to_numeric(s).astype("Int64").astype("boolean")
        elif c.dtype is Dtype.DATE:
            out[c.name] = pd.to_datetime(s)
        else:
            out[c.name] = s.astype("string")
    return out


def apply_types(frame: pd.DataFrame, dtype: DatasetType) -> pd.DataFrame:
    """Copy of `frame` with the pandas dtypes of the schema (Int64, Float64, boolean, string...)."""
    out = frame.copy()
    for c in dtype.columns:
        if c.name in out and c.dtype is Dtype.BOOL:
            out[c.name] = out[c.name].astype("boolean")
    return _apply_types(out, dtype)


def meta_as_dict(meta: DatasetMeta) -> dict:
    d = asdict(meta)
    d["nature"] = str(meta.nature)
    return d
