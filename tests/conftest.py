"""Shared test set-up.

Every test session works in its own temporary workspace (DIAG_WORKSPACE_DIR), never in the
developer's ./workspace. The workspace is set before any app module creates one.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

_SESSION_WS = Path(tempfile.mkdtemp(prefix="diag-ws-"))
os.environ.setdefault("DIAG_WORKSPACE_DIR", str(_SESSION_WS))


@pytest.fixture(scope="session")
def workspace_dir() -> Path:
    return Path(os.environ["DIAG_WORKSPACE_DIR"])


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ------------------------------------------------------------------ the two storage backends
# The store's test-suite runs on SQLite and on a real PostgreSQL/PostGIS server: the one
# `make test` starts (scripts/pg_test_server.py, URL in DIAG_TEST_DATABASE_URL), else one
# started here for the session. Without the Debian binaries the PostgreSQL cases are skipped
# on a workstation and fail in CI (CI=true), so that they can never pass unseen.
# The deployment's own settings never leak into the tests (environment or secrets.toml): set
# empty, they mean the defaults (SQLite workspace, no sign-in); tests that need them set them.
os.environ["DIAG_DATABASE_URL"] = ""
os.environ["DIAG_AUTH"] = ""
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server():
    from scripts import pg_test_server

    url = os.environ.get(pg_test_server.ENV_URL)
    if url:
        yield url
        return
    try:
        url, base = pg_test_server.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL de test indisponible : {exc}")
        pytest.skip(f"PostgreSQL de test indisponible : {exc}")
    try:
        yield url
    finally:
        pg_test_server.stop(base)


@pytest.fixture
def pg_url(pg_server: str):
    """A new, empty PostgreSQL database (PostGIS installed) for one test."""
    from scripts import pg_test_server

    name = f"t_{uuid.uuid4().hex[:16]}"
    url = pg_test_server.create_database(pg_server, name)
    yield url
    pg_test_server.drop_database(pg_server, name)


class WorkspaceOn:
    """One test's workspace on one backend; `open()` opens it (again), like a new process."""

    def __init__(self, backend: str, root: Path, url: str | None) -> None:
        self.backend, self.root, self.url = backend, root, url

    def open(self):
        from datastore.store import Workspace

        return Workspace(url=self.url) if self.url else Workspace(self.root)


@pytest.fixture(params=BACKENDS)
def workspace_on(request: pytest.FixtureRequest, tmp_path: Path) -> WorkspaceOn:
    if request.param == "postgresql":
        return WorkspaceOn("postgresql", tmp_path, request.getfixturevalue("pg_url"))
    return WorkspaceOn("sqlite", tmp_path / "ws", None)
