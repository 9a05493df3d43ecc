"""Benchmark of the pre-diagnostic PDF (issue 7).

Measured once the workspace data is loaded (what the app keeps in its cache): building the
pre-diagnostic (reports.prediag) plus rendering its PDF (reports.pdf, charts and static maps
included) for one EPCI, cold (first time: map geometry read, charts drawn) and warm (same
territory again: static map images cached per territory); and the batch of 50 CTG of one
département (PDF and XLSX of each, `reports.batch.run_batch`, what `python -m reports batch`
runs).

Budgets: ≤ 3 s per PDF; ≤ 120 s for 50 CTG.

Workspace: DIAG_WORKSPACE_DIR when set, else a temporary one filled with the default data
(not timed). Run: `.venv/bin/python -m bench.bench_pdf`.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from datastore.store import Workspace
from geodata.territory import Level, make_territory
from reports import prediag
from reports.batch import load_geography, run_batch, workspace_inputs
from reports.pdf import render_pdf

EPCI = "200066587"  # Communauté de communes des Monts du Lyonnais (32 communes)
BUDGET_PDF = 3.0
BUDGET_BATCH_50 = 120.0
N_BATCH = 50


def _workspace() -> Workspace:
    if not os.environ.get("DIAG_WORKSPACE_DIR"):
        os.environ["DIAG_WORKSPACE_DIR"] = tempfile.mkdtemp(prefix="bench-pdf-ws-")
    ws = Workspace()
    from datastore.defaults import ensure_defaults

    ensure_defaults(ws)
    return ws


def _busiest_departement(inputs: prediag.PrediagInputs) -> str:
    deps = prediag.ctg_departements(inputs.geo, inputs.datasets["ctg"].frame)
    counts: dict[str, int] = {}
    for ds in deps.values():
        for d in ds:
            counts[d] = counts.get(d, 0) + 1
    return max(counts, key=counts.__getitem__)


def run() -> list[dict]:
    ws = _workspace()
    geo = load_geography()
    inputs = workspace_inputs(ws, geo)
    subject = prediag.subject_from_territory(geo, make_territory(geo, Level.EPCI, EPCI))
    out = []
    for label in ("à froid", "à chaud"):
        start, cpu = time.perf_counter(), time.process_time()
        data = render_pdf(prediag.build_prediag(subject, inputs))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        out.append(
            {
                "name": f"PDF d'un pré-diagnostic (EPCI {EPCI}, {label})",
                "seconds": round(seconds, 2),
                "budget_seconds": BUDGET_PDF,
                "note": f"{len(data) // 1024} Ko ; construction + rendu, cartes et graphiques compris ; "
                f"temps processeur {cpu:.2f} s",
            }
        )
    dep = _busiest_departement(inputs)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        cpu = time.process_time()
        result = run_batch(inputs, dep, Path(tmp), xlsx=True, limit=N_BATCH)
        cpu = time.process_time() - cpu
        n_pdf = sum(1 for p in result.written if p.suffix == ".pdf")
    out.append(
        {
            "name": f"Lot de {N_BATCH} CTG (département {dep}, PDF + XLSX)",
            "seconds": round(result.seconds, 1),
            "budget_seconds": BUDGET_BATCH_50,
            "note": f"{n_pdf} PDF écrits, {len(result.failures)} échec(s) ; temps processeur {cpu:.1f} s",
        }
    )
    return out


if __name__ == "__main__":
    for row in run():
        flag = "OK " if row["seconds"] <= row["budget_seconds"] else "DÉPASSÉ"
        print(
            f"{flag} {row['name']}: {row['seconds']} s (budget {row['budget_seconds']} s) — {row['note']}"
        )
