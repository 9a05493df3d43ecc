"""The two storage engines of the workspace, behind one small interface (`Backend`).

`datastore.store.Workspace` holds all the logic (provenance, versions, plans, documents) and
writes its SQL once, with `?` placeholders; a backend gives it connections and the few
things that differ between the engines: how a write transaction takes the writers' lock,
how tables and columns are listed, how a frame is read, how an id comes back from an
INSERT, how many rows are written at once, and the column types.

- `SqliteBackend`: the embedded default (one file in the workspace folder), exactly as
  before: WAL mode (readers never blocked by the writer), `BEGIN IMMEDIATE` (one writer at a
  time), the file created atomically (see datastore.store).
- `PostgresBackend`: a PostgreSQL server (DIAG_DATABASE_URL). Every write transaction takes
  one transaction-level advisory lock first (writers one at a time, like SQLite; readers are
  never blocked: MVCC), then reads at READ COMMITTED, so it plans on the latest committed
  state. A plan (preview) reads one REPEATABLE READ snapshot. Rows are written with COPY.
  Each data table has an explicit `rowid` (identity) where SQLite has its implicit one.
  PostGIS: a table with a GeoJSON `geometry` column gets a generated PostGIS column `geom`
  (SRID 4326) and a table with `latitude`/`longitude` a generated point `geom`, each with a
  GiST index; the text stays the stored value, so both engines read back the same bytes.
  Connections are kept in a small pool (one app process serves many sessions).

Schema changes of the fixed tables go through the Alembic migrations
(`datastore/migrations/`, `datastore.migrate`), run by the Workspace when it opens a
workspace whose schema is older than the code.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol
from urllib.request import pathname2url

import pandas as pd

from datastore.schemas import DatasetType, Dtype

DB_NAME = "workspace.sqlite"
#: the key of PostgreSQL's advisory lock taken by every write transaction and by migrations
WRITE_LOCK = 0x0D1A6
MIGRATE_LOCK = 0x0D1A7


class Backend(Protocol):
    name: str  # "sqlite" | "postgresql"
    faults: tuple[type[BaseException], ...]
    sql_types: dict[Dtype, str]

    def connect(self) -> Any: ...  # context manager yielding a connection with execute()
    def begin_write(self, con: Any) -> None: ...
    def begin_read(self, con: Any) -> None: ...
    def in_transaction(self, con: Any) -> bool: ...
    def tables(self, con: Any) -> set[str]: ...
    def columns(self, con: Any, table: str) -> set[str]: ...
    def frame(self, con: Any, sql: str, params: Sequence[object] = ()) -> pd.DataFrame: ...
    def insert_id(self, con: Any, sql: str, params: Sequence[object]) -> int: ...
    def bulk_insert(
        self, con: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> None: ...
    def ensure_table(self, con: Any, dtype: DatasetType) -> None: ...
    def add_column(self, con: Any, table: str, column: str, sql_type: str) -> None: ...
    def bump_revision(self, con: Any) -> None: ...
    def engine_url(self) -> str: ...


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


# ------------------------------------------------------------------------------ SQLite


class SqliteBackend:
    name = "sqlite"
    faults: tuple[type[BaseException], ...] = (sqlite3.Error, OSError, pd.errors.DatabaseError)
    sql_types = {
        Dtype.CODE: "TEXT",
        Dtype.TEXT: "TEXT",
        Dtype.INT: "INTEGER",
        Dtype.FLOAT: "REAL",
        Dtype.BOOL: "INTEGER",
        Dtype.DATE: "TEXT",
        Dtype.GEOMETRY: "TEXT",
    }

    def __init__(self, path: Path) -> None:
        self.path = path

    def uri(self) -> str:
        return f"file:{pathname2url(str(self.path))}?mode=rw"

    def raw_connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode (transactions are explicit). The file must exist
        (`mode=rw`): a missing file is an error, never a new empty workspace."""
        return sqlite3.connect(self.uri(), uri=True, timeout=30, isolation_level=None)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = self.raw_connect()
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=30000")
            con.execute("PRAGMA synchronous=NORMAL")
            yield con
        finally:
            con.close()

    def begin_write(self, con: sqlite3.Connection) -> None:
        con.execute("BEGIN IMMEDIATE")

    def begin_read(self, con: sqlite3.Connection) -> None:
        con.execute("BEGIN")

    def in_transaction(self, con: sqlite3.Connection) -> bool:
        return con.in_transaction

    def tables(self, con: sqlite3.Connection) -> set[str]:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def columns(self, con: sqlite3.Connection, table: str) -> set[str]:
        return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}

    def frame(
        self, con: sqlite3.Connection, sql: str, params: Sequence[object] = ()
    ) -> pd.DataFrame:
        return pd.read_sql_query(sql, con, params=tuple(params) or None)

    def insert_id(self, con: sqlite3.Connection, sql: str, params: Sequence[object]) -> int:
        return int(con.execute(sql, tuple(params)).lastrowid)

    def bulk_insert(
        self,
        con: sqlite3.Connection,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> None:
        marks = ",".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({marks})", rows)

    def ensure_table(self, con: sqlite3.Connection, dtype: DatasetType) -> None:
        cols = ", ".join(f'"{c.name}" {self.sql_types[c.dtype]}' for c in dtype.columns)
        table = f"data_{dtype.kind}"
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} (dataset_id INTEGER NOT NULL, {cols})")
        con.execute(f"CREATE INDEX IF NOT EXISTS idx_{dtype.kind}_ds ON {table}(dataset_id)")

    def add_column(self, con: sqlite3.Connection, table: str, column: str, sql_type: str) -> None:
        try:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {sql_type}')
        except sqlite3.OperationalError as exc:  # another process added it meanwhile
            if "duplicate column" not in str(exc):
                raise

    def bump_revision(self, con: sqlite3.Connection) -> None:
        con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")

    def engine_url(self) -> str:
        return "sqlite://"


# -------------------------------------------------------------------------- PostgreSQL


def _pg_sql(sql: str) -> str:
    """The store's SQL (`?` placeholders) for psycopg (`%s`; a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection (autocommit: transactions are explicit, as with SQLite) that
    takes the store's SQL unchanged."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self.raw.execute(_pg_sql(sql), tuple(params) or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> Any:
        cur = self.raw.cursor()
        cur.executemany(_pg_sql(sql), rows)
        return cur


def pg_faults() -> tuple[type[BaseException], ...]:
    import psycopg

    return (psycopg.Error, OSError)


def is_postgres_url(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def libpq_url(url: str) -> str:
    """`postgresql+psycopg://…` (SQLAlchemy spelling) -> `postgresql://…` (libpq)."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


class PostgresBackend:
    name = "postgresql"
    sql_types = {
        Dtype.CODE: "TEXT",
        Dtype.TEXT: "TEXT",
        Dtype.INT: "BIGINT",
        Dtype.FLOAT: "DOUBLE PRECISION",
        Dtype.BOOL: "BIGINT",
        Dtype.DATE: "TEXT",
        Dtype.GEOMETRY: "TEXT",
    }
    POOL_SIZE = 8

    def __init__(self, url: str) -> None:
        self.url = libpq_url(url)
        self.faults = pg_faults()
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _take(self) -> Any:
        import psycopg

        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                raw = self._idle.pop()
                if (
                    not raw.closed
                    and raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                ):
                    return raw
                with suppress(psycopg.Error):
                    raw.close()
        return psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def _give_back(self, raw: Any) -> None:
        import psycopg

        idle = not raw.closed and raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with self._lock:
            if idle and len(self._idle) < self.POOL_SIZE and self._pid == os.getpid():
                self._idle.append(raw)
                return
        with suppress(psycopg.Error):
            raw.close()

    @contextmanager
    def connect(self) -> Iterator[PgConnection]:
        raw = self._take()
        try:
            yield PgConnection(raw)
        finally:
            self._give_back(raw)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for raw in idle:
            raw.close()

    def begin_write(self, con: PgConnection) -> None:
        con.execute("BEGIN")
        con.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    def begin_read(self, con: PgConnection) -> None:
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def in_transaction(self, con: PgConnection) -> bool:
        import psycopg

        return con.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def tables(self, con: PgConnection) -> set[str]:
        return {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }

    def columns(self, con: PgConnection, table: str) -> set[str]:
        return {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
        }

    def frame(self, con: PgConnection, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        cur = con.execute(sql, params)
        names = [d.name for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=names)

    def insert_id(self, con: PgConnection, sql: str, params: Sequence[object]) -> int:
        return int(con.execute(f"{sql} RETURNING id", params).fetchone()[0])

    def bulk_insert(
        self,
        con: PgConnection,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> None:
        with (
            con.raw.cursor() as cur,
            cur.copy(f"COPY {table} ({_quoted(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def ensure_table(self, con: PgConnection, dtype: DatasetType) -> None:
        table = f"data_{dtype.kind}"
        if table in self.tables(con):
            return
        cols = ", ".join(f'"{c.name}" {self.sql_types[c.dtype]}' for c in dtype.columns)
        names = set(dtype.column_names)
        geom = ""
        if any(c.dtype is Dtype.GEOMETRY and c.name == "geometry" for c in dtype.columns):
            geom = (
                ", geom geometry GENERATED ALWAYS AS "
                "(ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326)) STORED"
            )
        elif {"latitude", "longitude"} <= names:
            geom = (
                ", geom geometry(Point, 4326) GENERATED ALWAYS AS "
                "(ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED"
            )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (rowid BIGINT GENERATED ALWAYS AS IDENTITY "
            f"PRIMARY KEY, dataset_id BIGINT NOT NULL, {cols}{geom})"
        )
        con.execute(f"CREATE INDEX IF NOT EXISTS idx_{dtype.kind}_ds ON {table}(dataset_id)")
        if geom:
            con.execute(
                f"CREATE INDEX IF NOT EXISTS idx_{dtype.kind}_geom ON {table} USING GIST (geom)"
            )

    def add_column(self, con: PgConnection, table: str, column: str, sql_type: str) -> None:
        con.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{column}" {sql_type}')

    def bump_revision(self, con: PgConnection) -> None:
        con.execute(
            "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'revision'"
        )

    def engine_url(self) -> str:
        return "postgresql+psycopg://" + self.url.partition("://")[2]
