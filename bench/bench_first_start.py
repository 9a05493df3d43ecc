"""First start: the first data page (Taux de couverture) on a fresh workspace (issue 13).

`make run` imports the embedded default data (`python -m datastore init`) before the server
starts; the first page a user opens then only reads the workspace. Measured in headless
Chromium against a real `streamlit run app.py`:

- **set-up** (`python -m datastore init` on an empty workspace, what `make run` does once):
  reported, no budget (it runs before the server, never during a page view);
- **first data page, prepared workspace**: from the navigation to /couverture (Toulouse) on a
  newly started server until the ranking is drawn and the script has finished. Budget 3 s;
- **first data page, unprepared workspace** (the old behaviour, import during the first page
  view), for comparison; no budget.

The two page measures are interleaved (prepared, unprepared, prepared, unprepared) so that the
load of the shared machine weighs on both alike; the median of each is reported.

Reference: with ``BENCH_REFERENCE_ROOT`` set to a checkout of the previous code (e.g.
``git archive main | tar -x -C /tmp/ref``), its first page on its own prepared workspace is
measured interleaved with this one's, and the ratio reported: on a loaded machine the absolute
seconds say little, the ratio says whether this code is slower than the one it replaces.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.server import ROOT, Server, chromium

BUDGET_PAGE = 3.0
URL = "/couverture?niveau=commune&code=31555"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def _init(ws: str, root=ROOT) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "datastore", "init"],
        cwd=root,
        env=dict(os.environ, DIAG_WORKSPACE_DIR=ws),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def _first_page(browser, ws: str | None, root=ROOT) -> float:
    """Seconds from navigation to the drawn page, on a server just started on `ws`."""
    server = Server(prefix="diag-first", workspace=ws, root=root)
    server.start()
    try:
        server.wait_healthy()
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        t0 = time.perf_counter()
        page.goto(server.url + URL, timeout=180_000)
        page.get_by_text("Classement des").first.wait_for(timeout=180_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText"
            ".includes('Running')",
            timeout=180_000,
        )
        seconds = time.perf_counter() - t0
        page.close()
        return seconds
    finally:
        server.stop()


def run() -> list[dict]:
    from pathlib import Path

    ref_root = os.environ.get("BENCH_REFERENCE_ROOT")
    setups, prepared, unprepared, reference = [], [], [], []
    with chromium() as browser:
        ref_ws = None
        if ref_root:
            ref_ws = tempfile.mkdtemp(prefix="diag-first-ref-ws-")
            _init(ref_ws, Path(ref_root))
        for _ in range(ROUNDS):
            ws = tempfile.mkdtemp(prefix="diag-first-ws-")
            setups.append(_init(ws))
            prepared.append(_first_page(browser, ws))
            if ref_root:
                reference.append(_first_page(browser, ref_ws, Path(ref_root)))
            unprepared.append(_first_page(browser, None))  # a new empty workspace
    extra = []
    if reference:
        ratio = statistics.median(prepared) / statistics.median(reference)
        extra.append(
            {
                "name": "première page, code de référence (espace existant), même charge",
                "seconds": statistics.median(reference),
                "budget_seconds": None,
                "note": f"rapport ce code / référence = {ratio:.2f} ; "
                + " / ".join(f"{s:.2f}" for s in reference),
            }
        )
    return [
        {
            "name": "mise en place (python -m datastore init, make run)",
            "seconds": statistics.median(setups),
            "budget_seconds": None,
            "note": "avant le lancement du serveur ; " + " / ".join(f"{s:.2f}" for s in setups),
        },
        {
            "name": "première page de données, espace préparé",
            "seconds": statistics.median(prepared),
            "budget_seconds": BUDGET_PAGE,
            "note": "Couverture, Toulouse, serveur neuf ; "
            + " / ".join(f"{s:.2f}" for s in prepared),
        },
        {
            "name": "première page de données, espace vide (import pendant la page)",
            "seconds": statistics.median(unprepared),
            "budget_seconds": None,
            "note": "ancien comportement, pour comparaison ; "
            + " / ".join(f"{s:.2f}" for s in unprepared),
        },
        *extra,
    ]


if __name__ == "__main__":  # pragma: no cover
    for row in run():
        print(row)
