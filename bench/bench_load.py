"""Load: concurrent browser sessions on two app processes sharing one PostgreSQL workspace,
while a large import runs in a third process (issue 20). Budgets in bench/README.md.

Set-up: a new database on a PostgreSQL server (the one of DIAG_TEST_DATABASE_URL, started by
scripts/pg_test_server.py around `make bench`, else one started here and stopped afterwards),
filled by `python -m datastore init`; two `streamlit run app.py` processes on it
(DIAG_DATABASE_URL), warmed up by one load of each measured page on each (a running
deployment has its caches filled). One headless Chromium, one browser context per session,
every request outside the two servers blocked.

Measured, in two rounds:
1. « seules » — SESSIONS sessions opened at once (alternately on each server, as sticky
   sessions behind the README's reverse proxy), each on the Territoire page of a département
   (5 départements of Auvergne-Rhône-Alpes in turn, map by commune);
2. « pendant l'import » — the same, started while `python -m datastore import --type filoue`
   of a N_FILOUE-row Filoué extract (a French CSV of tens of Mo) runs in a third process; the
   import is checked to have been running while the sessions loaded, and to have succeeded.
Per session: navigation start -> the map's main layer holds all the département's communes
and two animation frames have passed (time taken in the page, `performance.now()`, so the
polling of twenty pages does not blur it). Reported: median, p90, max over the sessions.

A session fails if its page shows a Streamlit exception, its WebSocket closes or errs before
the end of the round, a request to the servers answers ≥ 500 or fails, the page has a
JavaScript error, or the map is not painted within TIMEOUT_S; the servers' logs must hold no
traceback or error line. The load average of the machine is reported with the figures.

    .venv/bin/python -m bench load          # BENCH_LOAD_SESSIONS=10 to measure fewer sessions
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.server import ROOT, Server, chromium, local_context

SESSIONS = int(os.environ.get("BENCH_LOAD_SESSIONS", "20"))
N_FILOUE = int(os.environ.get("BENCH_LOAD_FILOUE_ROWS", "450000"))
DEPARTEMENTS = ("69", "42", "38", "01", "63")
TIMEOUT_S = 300.0
#: budgets of the round during the import (bench/README.md)
BUDGET_MEDIAN_S = 8.0
BUDGET_P90_S = 12.0
BUDGET_MAX_S = 15.0
LOG_ERRORS = ("Traceback", "Exception", "Error", "Erreur")

#: Records, in the page, when the map's main layer holds `n` features and two frames have
#: passed (performance.now(): milliseconds since the navigation started).
PAINT_PROBE = """
(() => {
  const n = %d;
  const check = () => {
    const l = window.diagMainLayer;
    if (l && l._map && Object.keys(l._layers).length === n &&
        document.querySelector('canvas.leaflet-zoom-animated')) {
      requestAnimationFrame(() => requestAnimationFrame(() => {
        window.__diagPaintedMs = performance.now();
      }));
      return;
    }
    setTimeout(check, 20);
  };
  setTimeout(check, 20);
})();
"""


#: (painted at, in ms since the navigation, or null; the script has finished its run)
STATE_JS = """() => [window.__diagPaintedMs ?? null,
  document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state') === 'notRunning']"""


@dataclass
class Session:
    index: int
    server: str
    departement: str
    context: Any = None
    page: Any = None
    painted_s: float | None = None
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    closing: bool = False  # set before the context closes: its WebSocket closes then

    def problem(self, text: str) -> None:
        if not self.closing:
            self.problems.append(text)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _fmt(v: float) -> str:
    return f"{v:.2f}".replace(".", ",")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}".replace(".", ",")


@contextmanager
def database() -> Iterator[str]:
    """A new database filled with the shipped data (`python -m datastore init`), dropped
    afterwards; on the server of DIAG_TEST_DATABASE_URL, else on one started here."""
    from scripts import pg_test_server

    server_url = os.environ.get(pg_test_server.ENV_URL)
    base = None
    if not server_url:
        server_url, base = pg_test_server.start()
    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    try:
        url = pg_test_server.create_database(server_url, name)
        done = subprocess.run(
            [sys.executable, "-m", "datastore", "init"],
            cwd=ROOT,
            env={**os.environ, "DIAG_DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"datastore init : {done.stdout[-500:]} {done.stderr[-500:]}")
        yield url
    finally:
        pg_test_server.drop_database(server_url, name)
        if base is not None:
            pg_test_server.stop(base)


def _n_features(dep: str) -> int:
    from geodata import layers
    from geodata.territory import Level, Territory

    return layers.payload(Level.COMMUNE, Territory(Level.DEPARTEMENT, dep)).n_features


def _open(browser: Any, session: Session, allowed: set[str], n: int) -> None:
    ctx, session.blocked = local_context(browser, *(f"http://{a}" for a in allowed))
    ctx.add_init_script(PAINT_PROBE % n)
    page = ctx.new_page()
    page.set_default_timeout(120_000)

    def _ws(ws: Any) -> None:
        ws.on("close", lambda _ws: session.problem("WebSocket fermé"))
        ws.on("socketerror", lambda err: session.problem(f"WebSocket : {err}"))

    def _response(r: Any) -> None:
        if r.status >= 500:
            session.problem(f"HTTP {r.status} {r.url}")

    def _failed(r: Any) -> None:
        if urlparse(r.url).netloc in allowed:
            session.problem(f"requête échouée {r.url}")

    page.on("websocket", _ws)
    page.on("pageerror", lambda exc: session.problem(f"JavaScript : {exc}"))
    page.on("response", _response)
    page.on("requestfailed", _failed)
    session.context, session.page = ctx, page


def _round(browser: Any, servers: list[Server], count: int) -> list[Session]:
    """`count` sessions opened at once; returns them once each is painted (or timed out) and
    checked. The WebSockets stay open until every session is done."""
    allowed = {urlparse(s.url).netloc for s in servers}
    sessions = [
        Session(i, servers[i % len(servers)].url, DEPARTEMENTS[i % len(DEPARTEMENTS)])
        for i in range(count)
    ]
    n = {d: _n_features(d) for d in {s.departement for s in sessions}}
    for s in sessions:
        _open(browser, s, allowed, n[s.departement])
    for s in sessions:  # navigations started together: `commit` returns at the first byte
        s.page.goto(f"{s.server}/?niveau=departement&code={s.departement}", wait_until="commit")
    deadline = time.perf_counter() + TIMEOUT_S
    waiting = list(sessions)
    while waiting and time.perf_counter() < deadline:
        for s in list(waiting):
            ms, done = s.page.evaluate(STATE_JS)
            if ms is not None and s.painted_s is None:
                s.painted_s = float(ms) / 1000
            if s.painted_s is not None and done:  # painted, and the script ran to its end
                waiting.remove(s)
        time.sleep(0.1)
    for s in waiting:
        s.problem(
            f"carte non dessinée en {TIMEOUT_S:.0f} s"
            if s.painted_s is None
            else f"script non terminé en {TIMEOUT_S:.0f} s"
        )
    for s in sessions:
        if s.page.locator('[data-testid="stException"]').count():
            s.problem("exception Streamlit dans la page")
    for s in sessions:
        s.closing = True
        s.context.close()
    return sessions


def _warm(browser: Any, servers: list[Server]) -> int:
    """One load of each measured page on each server, all at once (caches filled); the
    number of warm-up sessions that failed (reported, not counted in the figures)."""
    count = min(SESSIONS, len(servers) * len(DEPARTEMENTS))  # every (server, page) pair
    warm = _round(browser, servers, count)
    return sum(1 for s in warm if s.problems)


def _filoue_file(directory: Path) -> Path:
    from bench.bench_import import filoue_csv

    data, _ = filoue_csv(N_FILOUE)
    path = directory / "filoue_2023.csv"
    path.write_bytes(data)
    return path


def _log_errors(server: Server) -> list[str]:
    server.log.flush()
    text = Path(server.log.name).read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if any(m in line for m in LOG_ERRORS)]


def _summary(sessions: list[Session]) -> tuple[list[float], int, list[str]]:
    times = [s.painted_s for s in sessions if s.painted_s is not None]
    failed = [s for s in sessions if s.problems]
    details = [f"session {s.index} ({s.departement}) : {'; '.join(s.problems)}" for s in failed]
    return times, len(failed), details


def _rows(label: str, sessions: list[Session], budgets: bool, extra: str) -> list[dict]:
    times, failed, details = _summary(sessions)
    for d in details:
        print("   " + d, flush=True)
    per_server = {
        u: [s.painted_s for s in sessions if s.server == u and s.painted_s is not None]
        for u in dict.fromkeys(s.server for s in sessions)
    }
    split = " ; ".join(
        f"serveur {i + 1} : médiane {_fmt(statistics.median(v))} s ({len(v)} sessions)"
        for i, v in enumerate(per_server.values())
        if v
    )
    note = f"{len(sessions)} sessions, {failed} en échec ; {split} ; {extra}"
    if not times:
        return [
            {
                "name": f"{label} : carte peinte",
                "seconds": None,
                "budget_seconds": None,
                "note": note,
            }
        ]
    figures = (
        ("médiane", statistics.median(times), BUDGET_MEDIAN_S),
        ("p90", percentile(times, 90), BUDGET_P90_S),
        ("max", max(times), BUDGET_MAX_S),
    )
    rows = [
        {
            "name": f"{label} : carte peinte, {what}",
            "seconds": round(value, 2),
            "budget_seconds": budget if budgets else None,
            "note": note if what == "médiane" else "",
        }
        for what, value, budget in figures
    ]
    rows.append(
        {
            "name": f"{label} : sessions en échec (nombre, pas des secondes)",
            "seconds": failed,
            "budget_seconds": 0,
            "note": " | ".join(details)[:600],
        }
    )
    return rows


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp, database() as url:
        big = _filoue_file(Path(tmp))
        size_mb = big.stat().st_size / 1e6
        import_log = open(Path(tmp) / "import.log", "w")  # noqa: SIM115 - closed once the import ends
        servers = [
            Server(
                prefix=f"bench-load-{k}", workspace=f"{tmp}/ws-{k}", env={"DIAG_DATABASE_URL": url}
            )
            for k in ("a", "b")
        ]
        importer = None
        import_ended: list[float] = []
        try:
            for s in servers:
                s.start()
            for s in servers:
                s.wait_healthy(timeout=180)
            with chromium() as browser:
                warm_failed = _warm(browser, servers)
                print(f"   chauffe faite ({warm_failed} en échec), charge {_load()}", flush=True)
                load_before = _load()
                alone = _round(browser, servers, SESSIONS)
                load_alone = _load()
                print(f"   sessions seules faites, charge {load_alone}", flush=True)
                t_import = time.perf_counter()
                # its output goes to a file: a full pipe would stall the import
                importer = subprocess.Popen(
                    [sys.executable, "-m", "datastore", "import", "--type", "filoue", str(big)],
                    cwd=ROOT,
                    env={**os.environ, "DIAG_DATABASE_URL": url},
                    stdout=import_log,
                    stderr=subprocess.STDOUT,
                )
                watcher = threading.Thread(
                    target=lambda: (importer.wait(), import_ended.append(time.perf_counter())),
                    daemon=True,
                )
                watcher.start()
                time.sleep(2.0)  # the import is reading its file when the sessions start
                t_sessions = time.perf_counter()
                during = _round(browser, servers, SESSIONS)
                t_done = time.perf_counter()
                import_running_at_end = importer.poll() is None
                load_during = _load()
                print(f"   sessions pendant l'import faites, charge {load_during}", flush=True)
            importer.wait(timeout=900)
            watcher.join(timeout=10)
            t_import_end = import_ended[0] if import_ended else time.perf_counter()
            import_log.close()
            out = Path(import_log.name).read_text(encoding="utf-8", errors="replace")
            if importer.returncode != 0 or "Enregistré" not in out:
                raise RuntimeError(f"import en échec : {out[-800:]}")
            imported = next((ln for ln in out.splitlines() if ln.startswith("Enregistré")), "")
        finally:
            if importer is not None and importer.poll() is None:
                importer.kill()
                importer.wait()
            logs = {s.url: _log_errors(s) for s in servers}
            for s in servers:
                s.stop()
                Path(s.log.name).unlink(missing_ok=True)
    import_s = t_import_end - t_import
    before_end = sum(
        1 for s in during if s.painted_s is not None and t_sessions + s.painted_s < t_import_end
    )
    overlap = (
        "l'import tournait encore à la fin des sessions"
        if import_running_at_end
        else f"l'import s'est terminé {t_import_end - t_sessions:.0f} s après le début des sessions"
        f" (qui ont duré {t_done - t_sessions:.0f} s)"
    ) + f" ; {before_end} cartes peintes avant la fin de l'import"
    rows += _rows(
        "seules",
        alone,
        budgets=False,
        extra=f"charge moyenne avant {load_before}, après {load_alone} ; chauffe : "
        f"{warm_failed} session(s) en échec",
    )
    rows += _rows(
        "pendant l'import",
        during,
        budgets=True,
        extra=f"charge moyenne (1/5/15 min) à la fin {load_during} ; {overlap}",
    )
    rows.append(
        {
            "name": f"import Filoué {N_FILOUE} lignes (3e processus, pendant les sessions)",
            "seconds": round(import_s, 2),
            "budget_seconds": None,
            "note": f"{size_mb:.0f} Mo ; {imported}",
        }
    )
    errors = [f"{u} : {line}" for u, lines in logs.items() for line in lines]
    rows.append(
        {
            "name": "lignes d'erreur dans les journaux des deux serveurs (nombre)",
            "seconds": len(errors),
            "budget_seconds": 0,
            "note": " | ".join(errors)[:600],
        }
    )
    for r in rows:
        print(f"   {r['name']}: {r['seconds']} ({r['note'][:200]})", flush=True)
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
