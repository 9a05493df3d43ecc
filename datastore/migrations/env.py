"""Alembic environment of the workspace (see datastore/migrate.py).

Called by `datastore.migrate.upgrade` with an open connection (in `config.attributes`), or by
the `alembic` command at the repository root: the workspace is then the one the app would open
(DIAG_DATABASE_URL, `.streamlit/secrets.toml`, else DIAG_WORKSPACE_DIR).
"""

from __future__ import annotations

from alembic import context


def _run(connection) -> None:
    context.configure(connection=connection, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from datastore import migrate
    from datastore.store import Workspace

    backend = Workspace.backend_for()  # opens nothing, runs no migration
    engine = migrate.engine(backend)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()
