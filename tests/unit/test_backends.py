"""The two backends (SQLite, PostgreSQL/PostGIS) and the migrations (issue 20).

The store's own suite (test_store.py, test_versions.py) runs on both backends; these are the
checks that concern the engines themselves: migrations of existing workspaces, readers never
blocked by a writer, a write seen by another process, PostGIS columns, faults in French.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from datastore import migrate
from datastore.store import DB_NAME, StoreError, Workspace
from tests.conftest import ROOT, WorkspaceOn

BEFORE_MIGRATIONS = Path(__file__).parent / "data" / "workspace_before_migrations.sql"
#: checksum("bpe_eaje") computed by the code of commit ff7a079 on that workspace
CHECKSUM_BEFORE = "3fb2ab7d3f886bec6c37cbb74d4a1517ab06f31cc0572d166498e29092b9973b"


def _bpe(year: int, n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"code_insee": ["01004", "42218", "2A004"], "annee": [year] * 3, "nb_eaje": [n, 40, 0]}
    )


def test_migrate_head_is_alembic_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrate.config()).get_current_head() == migrate.HEAD
    assert migrate.known_revisions()[-1] == migrate.HEAD


def test_a_sqlite_workspace_of_the_previous_code_is_upgraded_without_loss(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / DB_NAME)
    con.executescript(BEFORE_MIGRATIONS.read_text(encoding="utf-8"))
    con.close()
    ws = Workspace(tmp_path)
    assert ws.schema_version() == migrate.HEAD
    assert ws.checksum("bpe_eaje") == CHECKSUM_BEFORE
    assert ws.revision() == 5
    assert [v.action for v in ws.versions("bpe_eaje")] == ["delete", "import", "import", "import"]
    assert ws.document("zonage", "Essai") == {"communes": ["42218"], "nom": "Essai"}
    # the versions made before still restore: back to the state after the third import
    third = ws.versions("bpe_eaje")[1]
    ws.restore("bpe_eaje", third.id, author="test")
    assert sorted(ws.read("bpe_eaje").frame["annee"].tolist()) == [2021] * 3 + [2022] * 3
    ws.restore("bpe_eaje", ws.versions("bpe_eaje")[1].id, author="test")  # the deletion
    assert ws.checksum("bpe_eaje") == CHECKSUM_BEFORE
    assert Workspace(tmp_path).schema_version() == migrate.HEAD  # opening again: nothing to do


def test_a_workspace_newer_than_the_code_is_refused(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    with ws._transaction() as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="version plus récente"):
        workspace_on.open()


def test_postgres_migrations_create_the_schema_and_postgis(pg_url: str) -> None:
    import psycopg

    ws = Workspace(url=pg_url)
    assert ws.backend == "postgresql" and ws.schema_version() == migrate.HEAD
    with psycopg.connect(pg_url) as con:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
            )
        }
        assert {"datasets", "versions", "documents", "meta", "alembic_version"} <= tables
        assert con.execute("SELECT extname FROM pg_extension WHERE extname='postgis'").fetchone()
    ws.close()


def test_readers_are_not_blocked_by_a_writer(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", millesime=2021)
    rev = ws.revision()
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        w = workspace_on.open()
        with w._transaction() as con:
            con.execute("UPDATE datasets SET producer = 'en cours' WHERE kind = 'bpe_eaje'")
            inside.set()
            release.wait(30)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert inside.wait(30)
        reader = workspace_on.open()
        start = time.perf_counter()
        frame = reader.read("bpe_eaje").frame
        metas = reader.datasets("bpe_eaje")
        assert reader.revision() == rev
        elapsed = time.perf_counter() - start
    finally:
        release.set()
        t.join(30)
    assert frame["nb_eaje"].tolist() == [3, 40, 0]
    assert [m.producer for m in metas] == ["INSEE"]  # the uncommitted write is not seen
    assert elapsed < 5
    assert ws.revision() == rev + 1


def _import_in_another_process(root: str, url: str | None) -> None:
    code = (
        "import sys, pandas as pd\n"
        "from datastore.store import Workspace\n"
        "root, url = sys.argv[1], sys.argv[2] or None\n"
        "ws = Workspace(url=url) if url else Workspace(root)\n"
        "ws.commit('bpe_eaje', pd.DataFrame({'code_insee': ['42218'], 'annee': [2023], "
        "'nb_eaje': [99]}), producer='INSEE', source_file='autre.csv', millesime=2023)\n"
    )
    subprocess.run([sys.executable, "-c", code, root, url or ""], cwd=ROOT, check=True)


def test_a_write_in_another_process_is_seen_at_the_next_read(workspace_on: WorkspaceOn) -> None:
    ws = workspace_on.open()
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", millesime=2021)
    rev = ws.revision()
    _import_in_another_process(str(workspace_on.root), workspace_on.url)
    assert ws.revision() == rev + 1  # the cache key of ui.cache changes: the next rerun reads
    assert sorted(ws.read("bpe_eaje").frame["annee"].tolist()) == [2021, 2021, 2021, 2023]


def test_postgis_columns_for_zones_and_structure_points(pg_url: str) -> None:
    import psycopg

    from datastore.importers import import_file

    ws = Workspace(url=pg_url)
    square = {
        "type": "Polygon",
        "coordinates": [[[4.3, 45.4], [4.4, 45.4], [4.4, 45.5], [4.3, 45.5], [4.3, 45.4]]],
    }
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id_zone": "Z1", "nom": "Centre", "code_insee": "42218"},
                "geometry": square,
            }
        ],
    }
    prepared, metas = import_file(ws, "zones", json.dumps(geojson).encode(), name="zones.geojson")
    assert prepared.ok, prepared.report.text()
    body = (
        b"id_structure;type_structure;nom;code_insee;latitude;longitude\n"
        b"E1;EAJE;Les Lutins;42218;45.43;4.39\nE2;EAJE;Sans position;42218;;\n"
    )
    prepared, _ = import_file(ws, "structures", body, name="s.csv")
    assert prepared.ok, prepared.report.text()
    stored = json.loads(ws.read("zones").frame["geometry"].iloc[0])
    assert stored == square  # the text read back is the text stored
    with psycopg.connect(pg_url) as con:
        srid, area = con.execute("SELECT ST_SRID(geom), ST_Area(geom) FROM data_zones").fetchone()
        points = con.execute(
            "SELECT id_structure, ST_AsText(geom) FROM data_structures ORDER BY id_structure"
        ).fetchall()
    assert srid == 4326 and area == pytest.approx(0.01)
    assert points == [("E1", "POINT(4.39 45.43)"), ("E2", None)]
    ws.close()


def test_an_unreachable_server_is_told_in_french_without_the_password() -> None:
    from scripts.pg_test_server import _free_port

    url = f"postgresql://diag:motdepasse-secret@127.0.0.1:{_free_port()}/diag"
    with pytest.raises(StoreError) as info:
        Workspace(url=url)
    message = str(info.value)
    assert "injoignable" in message and "DIAG_DATABASE_URL" in message
    assert "motdepasse" not in message and "127.0.0.1" not in message


def test_the_database_url_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from datastore import settings, store

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[diag]\ndatabase_url = "postgresql://u@h/db"\n', encoding="utf-8")
    monkeypatch.setattr(settings, "SECRETS", secrets)
    monkeypatch.delenv(store.URL_ENV_VAR, raising=False)
    assert store.database_url() == "postgresql://u@h/db"
    monkeypatch.setenv(store.URL_ENV_VAR, "postgresql://v@h/autre")
    assert store.database_url() == "postgresql://v@h/autre"
    monkeypatch.setenv(store.URL_ENV_VAR, "")
    assert store.database_url() is None  # set but empty: SQLite
    monkeypatch.setattr(settings, "SECRETS", tmp_path / "absent.toml")
    monkeypatch.delenv(store.URL_ENV_VAR)
    assert store.database_url() is None


def test_the_command_line_works_on_postgres(pg_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "bpe_2021.csv"
    csv.write_text("CODGEO;NB_D502\n42218;41\n01004;3\n", encoding="utf-8")
    env = {**os.environ, "DIAG_DATABASE_URL": pg_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "datastore", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    migrated = run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"(postgresql) : schéma sans version → {migrate.HEAD}" in migrated.stdout
    imported = run("import", str(csv), "--type", "bpe_eaje", "--auteur", "alice")
    assert imported.returncode == 0, imported.stderr
    listed = run("list")
    assert "bpe_2021.csv" in listed.stdout
    assert Workspace(url=pg_url).versions("bpe_eaje")[0].author == "alice"
