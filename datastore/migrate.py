"""Versioned schema migrations of the workspace (Alembic), on both engines.

The migrations live in `datastore/migrations/versions/` (one file per schema change,
numbered). `Workspace` checks the schema version of the workspace it opens (the
`alembic_version` table) and, when it is older than `HEAD`, upgrades it before anything else,
under the writers' lock (SQLite: `BEGIN IMMEDIATE` on the file; PostgreSQL: the store's
advisory lock), in ONE transaction: a failed upgrade leaves the workspace as it was, and two
processes opening an old workspace at once upgrade it exactly once. A workspace made before
the migrations existed (no `alembic_version`) is upgraded from the baseline `0001`, which only
adds what is missing and never rewrites a row. By hand: `python -m datastore migrate` (or
`alembic upgrade head` at the repository root, same settings).

The tables of the dataset types (`data_<kind>`) follow `datastore/schemas.py`: created at the
first import of a type, and an optional column a schema gains is added when the workspace is
opened (`Workspace._add_new_columns`); the migrations handle the fixed tables (datasets,
versions, documents, meta, accounts, audit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datastore.backends import WRITE_LOCK, Backend, SqliteBackend

SCRIPTS = Path(__file__).resolve().parent / "migrations"
#: the newest migration; a test checks it is Alembic's head
HEAD = "0002"


class SchemaTooNew(Exception):
    """The workspace was migrated by a newer version of the application."""


def known_revisions() -> list[str]:
    return sorted(p.name.split("_", 1)[0] for p in (SCRIPTS / "versions").glob("[0-9]*.py"))


def current(backend: Backend, con: Any) -> str | None:
    """The schema version of an open workspace (None: before the migrations)."""
    if "alembic_version" not in backend.tables(con):
        return None
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def needs_upgrade(backend: Backend, con: Any) -> bool:
    version = current(backend, con)
    if version is not None and version not in known_revisions():
        raise SchemaTooNew(version)
    return version != HEAD


def engine(backend: Backend) -> Any:
    """A SQLAlchemy engine on the backend's database, whose transactions take the writers'
    lock first."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    if isinstance(backend, SqliteBackend):
        eng = sa.create_engine("sqlite://", creator=backend.raw_connect, poolclass=NullPool)

        @sa.event.listens_for(eng, "connect")
        def _autocommit(dbapi_con: Any, _record: Any) -> None:
            dbapi_con.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's

        @sa.event.listens_for(eng, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    eng = sa.create_engine(backend.engine_url(), poolclass=NullPool)

    @sa.event.listens_for(eng, "begin")
    def _lock(conn: Any) -> None:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    return eng


def config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(backend: Backend, target: str = "head") -> None:
    """Bring the workspace to `target` in one transaction (nothing when already there)."""
    from alembic import command
    from sqlalchemy.exc import DBAPIError

    eng = engine(backend)
    try:
        with eng.begin() as conn:
            command.upgrade(config(conn), target)
    except DBAPIError as exc:  # the driver's own error, as the store reports it
        raise exc.orig from exc
    finally:
        eng.dispose()


def history() -> list[tuple[str, str]]:
    """(revision, description) of every migration, oldest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(config())
    return [(s.revision, s.doc or "") for s in reversed(list(scripts.walk_revisions()))]
