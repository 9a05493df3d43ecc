"""A throw-away PostgreSQL/PostGIS server for the tests (and the benchmarks).

    python scripts/pg_test_server.py run -- COMMAND...   # start, run COMMAND, stop
    python scripts/pg_test_server.py start DIR            # prints the URL; stop with:
    python scripts/pg_test_server.py stop DIR

The Debian binaries (`postgresql`, `postgresql-NN-postgis-3`, installed by
scripts/ensure_postgres.sh) are used as they are: `initdb` in a temporary directory, the server
listening on 127.0.0.1 on a free port (and on a socket in that directory), trust
authentication for the local test user, no fsync. As root (CI), initdb and postgres run as
the unprivileged `postgres` user created by the Debian package (`runuser`). A database
`diag_template` with the PostGIS extension is created: each test makes its own database from
it (`CREATE DATABASE … TEMPLATE diag_template`). `run` exports the server's URL to COMMAND
as DIAG_TEST_DATABASE_URL and stops the server afterwards, whatever COMMAND's outcome.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ENV_URL = "DIAG_TEST_DATABASE_URL"
TEMPLATE = "diag_template"
USER = "postgres"


def bindir() -> Path | None:
    """The newest Debian PostgreSQL bin directory holding initdb, or the PATH's."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def postgis_available(bin_dir: Path) -> bool:
    version = bin_dir.parent.name
    return any(Path(f"/usr/share/postgresql/{version}/extension").glob("postgis*.control"))


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", USER, "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(directory: Path | None = None) -> tuple[str, Path]:
    """Start a server in `directory` (a new temporary one by default): (URL, directory)."""
    bin_dir = bindir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL absent : lancez scripts/ensure_postgres.sh")
    if not postgis_available(bin_dir):
        raise RuntimeError("PostGIS absent : lancez scripts/ensure_postgres.sh")
    base = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="diag-pg-"))
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, USER)
        base.chmod(0o700)
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    opts = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w"]
            + ["start"]
        ),
        check=True,
        capture_output=True,
    )
    (base / "port").write_text(str(port))
    url = f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    _create_template(url)
    return url, base


def _create_template(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {TEMPLATE}")
    with psycopg.connect(url.rsplit("/", 1)[0] + f"/{TEMPLATE}", autocommit=True) as con:
        con.execute("CREATE EXTENSION postgis")


def stop(directory: Path) -> None:
    bin_dir = bindir()
    data = Path(directory) / "data"
    if bin_dir is not None and data.exists():
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
    shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def server() -> Iterator[str]:
    url, base = start()
    try:
        yield url
    finally:
        stop(base)


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def create_database(server_url: str, name: str) -> str:
    """A new database from the PostGIS template; its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as con:
        for _ in range(50):  # the template may be in use by another CREATE DATABASE
            try:
                con.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)
        else:
            raise RuntimeError("modèle PostgreSQL occupé")
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "run":
        cmd = argv[2:] if argv[1] == "--" else argv[1:]
        with server() as url:
            env = {**os.environ, ENV_URL: url}
            print(f"PostgreSQL de test : {url}", flush=True)
            return subprocess.run(cmd, env=env, check=False).returncode
    if len(argv) == 2 and argv[0] == "start":
        url, _ = start(Path(argv[1]))
        print(url)
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        stop(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
