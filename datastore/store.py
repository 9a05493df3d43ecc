"""The workspace: an embedded, transactional SQLite store of imported datasets.

Why SQLite: it ships with Python (no extra dependency or server), gives real ACID
transactions (one import = one transaction: a failing import leaves the previous data
untouched), survives restarts, and WAL mode lets several browser sessions read while one
writes. Volumes (≤ a few million rows) are well within its range; heavy computation is done
in pandas after loading.

Layout: table `datasets` (one row per imported dataset, its provenance), one table
`data_<kind>` per dataset type (schema columns + `dataset_id`), `documents` for small
JSON documents (CTG checklists, saved zonings, settings) and `meta` (revision counter,
bumped by every write, used as cache key by the UI).

The folder is set by the environment variable DIAG_WORKSPACE_DIR (default: ./workspace).

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

import errno
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import pathname2url

import pandas as pd

from catalogue.sources import Nature
from datastore.schemas import DATASET_TYPES, DatasetType, Dtype, dataset_type

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "workspace"
ENV_VAR = "DIAG_WORKSPACE_DIR"
DB_NAME = "workspace.sqlite"
LOW_DISK_BYTES = 50_000_000  # below this free space, a successful import still warns


def workspace_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


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


_SQL_TYPES = {
    Dtype.CODE: "TEXT",
    Dtype.TEXT: "TEXT",
    Dtype.INT: "INTEGER",
    Dtype.FLOAT: "REAL",
    Dtype.BOOL: "INTEGER",
    Dtype.DATE: "TEXT",
    Dtype.GEOMETRY: "TEXT",
}


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
    replace: str = "same_millesime"
    scope: str = ""


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


_FAULTS = (sqlite3.Error, OSError, pd.errors.DatabaseError)


class Workspace:
    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else workspace_dir()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _store_error(exc) from exc
        self.path = self.root / DB_NAME
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
        with self._connect() as con:
            con.executescript(
                """
                CREATE TABLE IF NOT EXISTS datasets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL, millesime INTEGER, producer TEXT NOT NULL,
                    source_file TEXT NOT NULL, rows INTEGER NOT NULL, imported_at TEXT NOT NULL,
                    nature TEXT NOT NULL, label TEXT, source_id TEXT, notes TEXT
                );
                CREATE TABLE IF NOT EXISTS documents (
                    kind TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL,
                    updated_at TEXT NOT NULL, PRIMARY KEY (kind, name)
                );
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT OR IGNORE INTO meta(key, value) VALUES ('revision', '0');
                """
            )
            cols = {r[1] for r in con.execute("PRAGMA table_info(datasets)")}
            if "scope" not in cols:
                try:
                    con.execute("ALTER TABLE datasets ADD COLUMN scope TEXT NOT NULL DEFAULT ''")
                except sqlite3.OperationalError as exc:  # another process added it meanwhile
                    if "duplicate column" not in str(exc):
                        raise
            _add_new_columns(con)

    def _create(self) -> None:
        """Create the workspace file atomically: a complete SQLite file is prepared beside it
        and hard-linked into place, so no process ever sees a half-created (0-byte) file; if
        another process created it meanwhile, its file is kept."""
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
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection; SQLite and file errors become a French StoreError. The file must
        exist (`mode=rw`): a missing file is an error, never a new empty workspace."""
        uri = f"file:{pathname2url(str(self.path))}?mode=rw"
        try:
            con = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        except _FAULTS as exc:
            raise _store_error(exc, self.root) from exc
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=30000")
            con.execute("PRAGMA synchronous=NORMAL")
            yield con
        except _FAULTS as exc:
            raise _store_error(exc, self.root) from exc
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'"
                )
                con.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (e.g. disk full): rolling back again
                # would raise « cannot rollback » and hide the real cause.
                if con.in_transaction:
                    with suppress(sqlite3.Error):  # the original error is the one to report
                        con.execute("ROLLBACK")
                raise

    def disk_warning(self, margin_bytes: int = LOW_DISK_BYTES) -> str | None:
        """French warning when the disk holding the workspace is nearly full (after an import
        that succeeded, the next one may not), else None."""
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
        sql = (
            "SELECT id, kind, millesime, producer, source_file, rows, imported_at, nature, label, "
            "source_id, notes, scope FROM datasets"
        )
        args: tuple = ()
        if kind:
            sql += " WHERE kind = ?"
            args = (kind,)
        sql += " ORDER BY kind, millesime, id"
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
            frame = pd.read_sql_query(
                f"SELECT dataset_id, {cols} FROM {table} WHERE dataset_id IN ({ids})", con
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
        replace: str = "same_millesime",
        scope: str = "",
    ) -> DatasetMeta:
        """Store a validated frame as one dataset, atomically.

        replace: 'same_millesime' removes the datasets of this kind (and scope) with the same
        millésime (a newer edition of the same year), 'all' removes every dataset of this kind
        (and scope), 'none' keeps them all side by side. A real or estimated dataset always
        removes the synthetic datasets of its kind and scope (the demo data stand in only until
        a real file arrives); a synthetic dataset never removes a real one.
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
        metas = self.commit_many([pending])
        assert metas is not None
        return metas[0]

    def commit_many(
        self,
        items: list[PendingDataset],
        once_key: str | None = None,
        *,
        keep_existing: bool = False,
    ) -> list[DatasetMeta] | None:
        """Store several datasets in ONE transaction (all or nothing).

        once_key: if given, the batch is stored only if the meta key is not set yet, and the key
        is set in the same transaction (used by the embedded defaults: two processes starting
        at once fill the workspace exactly once). Returns None when the key was already set.
        keep_existing: never replace nor shadow what the workspace holds (the embedded defaults
        arriving after a user's import): an item is skipped when its type and scope already
        have a dataset of the same millésime, or, for a synthetic item, any real dataset.
        """
        prepared = []
        for it in items:
            dtype = dataset_type(it.kind)
            missing = [c for c in dtype.column_names if c not in it.frame.columns]
            if missing:
                raise StoreError(f"Colonnes absentes pour « {dtype.label} » : {', '.join(missing)}")
            if it.replace not in ("same_millesime", "all", "none"):
                raise ValueError(it.replace)
            prepared.append((it, dtype, _to_storage(it.frame[dtype.column_names], dtype)))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        out: list[DatasetMeta] = []
        with self._transaction() as con:
            if once_key is not None:
                row = con.execute("SELECT value FROM meta WHERE key = ?", (once_key,)).fetchone()
                if row is not None:
                    return None
                con.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (once_key, now))
            for it, dtype, data in prepared:
                if keep_existing and self._shadows_existing(con, it):
                    continue
                out.append(self._insert(con, it, dtype, data, now))
        return out

    def _shadows_existing(self, con: sqlite3.Connection, it: PendingDataset) -> bool:
        for m in self.datasets_in(con, it.kind):
            if m.scope != it.scope:
                continue
            if m.millesime == it.millesime:
                return True
            if it.nature is Nature.SYNTHETIQUE and not m.is_synthetic:
                return True
        return False

    def _insert(
        self,
        con: sqlite3.Connection,
        it: PendingDataset,
        dtype: DatasetType,
        data: list[list[object]],
        now: str,
    ) -> DatasetMeta:
        table = _table(it.kind)
        _ensure_table(con, dtype)
        synthetic = it.nature is Nature.SYNTHETIQUE
        doomed: list[int] = []
        for m in self.datasets_in(con, it.kind):
            if m.scope != it.scope or (synthetic and not m.is_synthetic):
                continue
            if (
                it.replace == "all"
                or (it.replace == "same_millesime" and m.millesime == it.millesime)
                or (not synthetic and m.is_synthetic)
            ):
                doomed.append(m.id)
        for did in doomed:
            con.execute(f"DELETE FROM {table} WHERE dataset_id = ?", (did,))
            con.execute("DELETE FROM datasets WHERE id = ?", (did,))
        nrows = len(data[0]) if data else 0
        cur = con.execute(
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
        did = int(cur.lastrowid)
        placeholders = ",".join("?" for _ in range(len(dtype.column_names) + 1))
        cols = ", ".join(["dataset_id"] + [f'"{c}"' for c in dtype.column_names])
        con.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({placeholders})",
            zip([did] * nrows, *data, strict=True),
        )
        row = con.execute(
            "SELECT id, kind, millesime, producer, source_file, rows, imported_at, nature, label, "
            "source_id, notes, scope FROM datasets WHERE id = ?",
            (did,),
        ).fetchone()
        return _meta_from_row(row)

    def meta_value(self, key: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def delete(self, dataset_id: int) -> None:
        with self._transaction() as con:
            row = con.execute("SELECT kind FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
            if row is None:
                raise StoreError(f"Jeu de données n° {dataset_id} introuvable.")
            con.execute(f"DELETE FROM {_table(row[0])} WHERE dataset_id = ?", (dataset_id,))
            con.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))

    @staticmethod
    def datasets_in(con: sqlite3.Connection, kind: str) -> list[DatasetMeta]:
        rows = con.execute(
            "SELECT id, kind, millesime, producer, source_file, rows, imported_at, nature, label, "
            "source_id, notes, scope FROM datasets WHERE kind = ?",
            (kind,),
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


def _table(kind: str) -> str:
    dataset_type(kind)  # validates the name
    return f"data_{kind}"


def _add_new_columns(con: sqlite3.Connection) -> None:
    """Workspaces made by an earlier version: add the optional columns a schema gained since
    (empty for the datasets stored before). Nothing is removed or rewritten."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for dtype in DATASET_TYPES.values():
        table = _table(dtype.kind)
        if table not in tables:
            continue
        have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        for c in dtype.columns:
            if c.name in have:
                continue
            try:
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{c.name}" {_SQL_TYPES[c.dtype]}')
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise


def _ensure_table(con: sqlite3.Connection, dtype: DatasetType) -> None:
    cols = ", ".join(f'"{c.name}" {_SQL_TYPES[c.dtype]}' for c in dtype.columns)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {_table(dtype.kind)} (dataset_id INTEGER NOT NULL, {cols})"
    )
    con.execute(
        f"CREATE INDEX IF NOT EXISTS idx_{dtype.kind}_ds ON {_table(dtype.kind)}(dataset_id)"
    )


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
