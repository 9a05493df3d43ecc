"""Two `streamlit run app.py` processes on one PostgreSQL workspace (issue 20), in real
headless Chromium: an import made through the Données page of one server, and a zoning saved
on the zones page of one server, are seen by a page already open on the other server at its
next rerun (the « R » key, Streamlit's rerun shortcut: same browser session, no reload).

The database is a new one on the test PostgreSQL server (DIAG_TEST_DATABASE_URL, started by
scripts/pg_test_server.py around `make test`), filled with `python -m datastore init` before
the servers start, as the README's deployment section says. Both servers are stopped
afterwards and must have exited.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import ROOT, Server, local_context
from tests.e2e.conftest import server_log_tail, wait_for_app
from tests.e2e.test_server_log import wait_script_done

pytestmark = pytest.mark.e2e

DEP = "42"  # Loire: published rate 59,8 in 2023 (data/open/txcouv_pe_dep.csv)
HEADER = (
    "Date référence;Numéro Département;Nom Département;Numéro Région;Nom Région;"
    "Taux de couv EAJE PSU;Taux de couv hors EAJE PSU;Taux de couv EAJE - ensemble;"
    "Taux de couv préscolarisation;Taux de couv assistante maternelle;"
    "Taux de couv salariée à domicile;Taux de couv accueil individuel - ensemble;"
    "Taux de couv global"
)
#: the Loire's 2023 row of the current edition with another global rate (update by key)
NEW_RATE = "71,3"
RATE_FILE = (
    "\ufeff" + HEADER + "\r\n2023;42;LOIRE;84;AUVERGNE RHONE ALPES;16.0;3.7;19.7;3.4;35.7;1.0;"
    "36.7;71.3\r\n"
).encode("utf-8")
ZONING = "Zonage partagé deux serveurs"
#: server log lines that mean a request failed
LOG_ERRORS = ("Traceback", "Exception", "Error", "Erreur")


def init_workspace(url: str) -> None:
    """`python -m datastore init` on the database (what an administrator runs once)."""
    env = {**os.environ, "DIAG_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "datastore", "init"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def shared_db(pg_server: str) -> Iterator[str]:
    """A fresh database on the test PostgreSQL server, filled with the shipped data."""
    from scripts import pg_test_server

    name = f"two_{uuid.uuid4().hex[:12]}"
    url = pg_test_server.create_database(pg_server, name)
    try:
        init_workspace(url)
        yield url
    finally:
        pg_test_server.drop_database(pg_server, name)


@pytest.fixture
def two_servers(shared_db: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    servers = [
        Server(
            prefix=f"diag-two-{tag}",
            workspace=str(tmp_path / f"ws-{tag}"),  # unused for data: the database holds them
            env={"DIAG_DATABASE_URL": shared_db},
        )
        for tag in ("a", "b")
    ]
    procs = []
    try:
        for s in servers:
            s.start()
            procs.append(s.proc)
        for s in servers:
            s.wait_healthy(timeout=180)
        yield servers[0], servers[1]
    finally:
        logs = [Path(s.log.name) for s in servers]
        for s in servers:
            s.stop()
        # no orphan: both `streamlit run` processes have exited
        assert all(p is not None and p.poll() is not None for p in procs)
        for log in logs:
            log.unlink(missing_ok=True)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    box.wait_for(timeout=180_000)
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def rerun(page) -> None:
    """What a user's next interaction does: rerun the page's script in the same session."""
    page.keyboard.press("r")
    page.wait_for_timeout(300)
    wait_script_done(page)


def log_errors(server: Server) -> list[str]:
    server.log.flush()
    text = Path(server.log.name).read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if any(m in line for m in LOG_ERRORS)]


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")


def test_import_and_zoning_seen_by_the_other_server(browser, two_servers, artifacts_dir) -> None:
    a, b = two_servers
    ctx_a, blocked_a = local_context(browser, a.url)
    ctx_b, blocked_b = local_context(browser, b.url)
    try:
        on_a, on_b = ctx_a.new_page(), ctx_b.new_page()
        for pg in (on_a, on_b):
            pg.set_default_timeout(180_000)
        # B: the Loire's coverage page, open before the import
        on_b.goto(f"{b.url}/couverture?niveau=departement&code={DEP}")
        wait_for_app(on_b)
        assert metric(on_b, "Taux global 2023") == "59,8"

        # A: import the file through the Données page, as a user would
        on_a.goto(f"{a.url}/donnees")
        wait_for_app(on_a)
        on_a.get_by_role("tab", name="Importer un fichier").click()
        on_a.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": "txcouv_pe_dep.csv", "mimeType": "text/csv", "buffer": RATE_FILE}
        )
        on_a.get_by_text("aucune erreur", exact=False).first.wait_for()
        on_a.get_by_text("Aucune donnée existante ne sera retirée", exact=False).first.wait_for()
        wait_for_app(on_a)
        on_a.get_by_role("button", name="Enregistrer dans l'espace de travail").click()
        on_a.get_by_text("Import enregistré", exact=False).first.wait_for()
        no_exception(on_a)

        # B, same session, next rerun: the new figure (B's caches are keyed by the
        # workspace revision, read from the database at each rerun)
        assert metric(on_b, "Taux global 2023") == "59,8"  # nothing pushed without a rerun
        rerun(on_b)
        assert metric(on_b, "Taux global 2023") == NEW_RATE
        no_exception(on_b)
        on_b.screenshot(path=str(artifacts_dir / "deux_serveurs_import.png"))

        # the other way round: a zoning saved on B is listed by A's zones page at its rerun
        zones_url = "/zones?niveau=departement&code=69"
        on_a.goto(a.url + zones_url)
        wait_for_app(on_a)
        on_a.get_by_role("button", name="Enregistrer le zonage").wait_for()
        wait_script_done(on_a)
        assert on_a.get_by_text(ZONING).count() == 0
        on_b.goto(b.url + zones_url)
        wait_for_app(on_b)
        on_b.get_by_label("Nom de la version").fill(ZONING)
        on_b.get_by_label("Nom de la version").press("Enter")
        wait_script_done(on_b)
        on_b.get_by_role("button", name="Enregistrer le zonage").click()
        on_b.get_by_text("enregistré dans l'espace de travail").wait_for()
        no_exception(on_b)
        rerun(on_a)
        # the saved-zonings list appears, on the version saved on B
        on_a.get_by_text(f"Version « {ZONING} » du", exact=False).first.wait_for()
        no_exception(on_a)
        on_a.screenshot(path=str(artifacts_dir / "deux_serveurs_zonage.png"), full_page=True)

        assert blocked_a == [] and blocked_b == []
        for s in (a, b):
            assert log_errors(s) == [], server_log_tail(s)
    except Exception:
        for s in (a, b):
            print(f"--- {s.url}\n{server_log_tail(s)}")
        raise
    finally:
        ctx_a.close()
        ctx_b.close()
