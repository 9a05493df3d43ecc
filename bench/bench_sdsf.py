"""Benchmark of the SDSF workbench (issue 17).

Budgets: the page computation for the largest département (Nord, 647 communes in COG 2025)
≤ 1 s warm (Streamlit cache hit, the page's rerun) and ≤ 3 s cold (first computation, data
already read); the SDSF PDF ≤ 5 s; the places to develop per AO territory of all 101
départements in a batch ≤ 60 s.

Reads the workspace of DIAG_WORKSPACE_DIR (filled with the shipped and demonstration data
on first use). Run: `.venv/bin/python -m bench.bench_sdsf`.

The PDF is also measured in fresh processes, cold (first PDF of the process: fonts, matplotlib)
then warm (the best of three more renders of the same PDF, as the page's download after a
change of settings), wall-clock and processor time (the latter is less sensitive to the other
processes of a shared machine), for
BENCH_ROUNDS rounds (default 3); with BENCH_REFERENCE_ROOT (another checkout, e.g. main),
the rounds alternate this code and the reference on the same workspace, and the medians give
the ratio at the same load.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from analyses import sdsf as asdsf
from datastore.kinds import Analysis, kinds_read_by
from datastore.national import with_national
from geodata import reference

DEP = "59"
TODAY = date(2026, 12, 1)


def _inputs():
    from datastore.defaults import ensure_defaults
    from datastore.store import Workspace

    ws = Workspace()
    ensure_defaults(ws)
    data = {k: ws.read(k) for k in kinds_read_by(Analysis.SDSF)}
    data["caf_taux"] = with_national(data["caf_taux"], ws.read("taux_national"))
    return asdsf.SdsfInputs(data)


#: One PDF measurement in a fresh process, run in the checkout it measures (its own modules).
_PDF_ONCE = """
import json, time
from datetime import date
from analyses import sdsf as asdsf
from datastore.kinds import Analysis, kinds_read_by
from datastore.national import with_national
from datastore.defaults import ensure_defaults
from datastore.store import Workspace
from geodata import reference
from reports.batch import workspace_inputs
from reports.sdsf import render_sdsf_pdf

ws = Workspace()
ensure_defaults(ws)
data = {k: ws.read(k) for k in kinds_read_by(Analysis.SDSF)}
data["caf_taux"] = with_national(data["caf_taux"], ws.read("taux_national"))
geo = reference.load_geography()
a = asdsf.sdsf_analysis(geo, "59", asdsf.SdsfInputs(data), asdsf.SdsfSettings(), date(2026, 12, 1))
official = workspace_inputs(ws, geo, datasets=None)
t, c = time.perf_counter(), time.process_time()
render_sdsf_pdf(a, official)
out = {"cold": time.perf_counter() - t, "cold_cpu": time.process_time() - c}
warm, warm_cpu = [], []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    render_sdsf_pdf(a, official)
    warm.append(time.perf_counter() - t)
    warm_cpu.append(time.process_time() - c)
out.update(warm=min(warm), warm_cpu=min(warm_cpu))
print(json.dumps(out))
"""


def pdf_once(root: Path) -> dict[str, float]:
    """Cold and warm SDSF PDF of the Nord, in a fresh process running the code of `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", _PDF_ONCE],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pdf_rounds() -> list[dict]:
    """The PDF in fresh processes, interleaved with BENCH_REFERENCE_ROOT when it is set."""
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    ref = os.environ.get("BENCH_REFERENCE_ROOT")
    here = Path(__file__).resolve().parent.parent
    mine: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for _ in range(rounds):
        mine.append(pdf_once(here))
        if ref:
            theirs.append(pdf_once(Path(ref)))
    rows = []
    labels = {
        "cold": "froid (1er PDF du processus)",
        "warm": "tiède (meilleur de 3 PDF suivants)",
        "cold_cpu": "froid, temps processeur",
        "warm_cpu": "tiède, temps processeur",
    }
    for phase, label in labels.items():
        budget = None if phase.endswith("_cpu") else 5.0
        med = statistics.median(r[phase] for r in mine)
        note = " / ".join(f"{r[phase]:.2f}" for r in mine)
        if theirs:
            ref_med = statistics.median(r[phase] for r in theirs)
            note += (
                f" ; référence {ref_med:.2f} s ("
                + " / ".join(f"{r[phase]:.2f}" for r in theirs)
                + f") ; rapport {med / ref_med:.2f}"
            )
        rows.append(
            {
                "name": f"PDF SDSF Nord, {label}, {rounds} processus",
                "seconds": med,
                "budget_seconds": budget,
                "note": note,
            }
        )
    return rows


def run() -> list[dict]:
    geo = reference.load_geography()
    inputs = _inputs()
    settings = asdsf.SdsfSettings()
    t = time.perf_counter()
    a = asdsf.sdsf_analysis(geo, DEP, inputs, settings, TODAY)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    asdsf.sdsf_analysis(geo, DEP, inputs, settings, TODAY)
    again = time.perf_counter() - t
    import pickle

    blob = pickle.dumps(a)
    t = time.perf_counter()
    pickle.loads(blob)  # what a Streamlit cache hit costs (st.cache_data unpickles a copy)
    warm = time.perf_counter() - t
    from datastore.store import Workspace
    from reports.batch import workspace_inputs
    from reports.sdsf import render_sdsf_pdf

    official = workspace_inputs(Workspace(), geo, datasets=None)
    t = time.perf_counter()
    render_sdsf_pdf(a, official)
    pdf = time.perf_counter() - t
    t = time.perf_counter()
    table = asdsf.batch_places(geo, inputs, settings, TODAY)
    deps = sorted(set(table["departement"]))
    total = float(table["a_developper_psu"].sum())
    batch = time.perf_counter() - t
    return [
        {"name": "page Nord, froid (calcul)", "seconds": cold, "budget_seconds": 3.0, "note": ""},
        {
            "name": "page Nord, tiède (cache Streamlit)",
            "seconds": warm,
            "budget_seconds": 1.0,
            "note": f"recalcul complet sans cache : {again:.2f} s",
        },
        {"name": "PDF SDSF Nord", "seconds": pdf, "budget_seconds": 5.0, "note": ""},
        {
            "name": f"places à développer, {len(deps)} départements",
            "seconds": batch,
            "budget_seconds": 60.0,
            "note": f"Σ places EAJE PSU à développer : {total:.0f}",
        },
        *pdf_rounds(),
    ]


if __name__ == "__main__":
    for row in pdf_rounds() if "--pdf" in sys.argv else run():
        print(row)
