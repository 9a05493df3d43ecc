"""Benchmark of the SDSF workbench (issue 17).

Budgets: the page computation for the largest département (Nord, 647 communes in COG 2025)
≤ 1 s warm (Streamlit cache hit, the page's rerun) and ≤ 3 s cold (first computation, data
already read); the SDSF PDF ≤ 5 s; the places to develop per AO territory of all 101
départements in a batch ≤ 60 s.

Reads the workspace of DIAG_WORKSPACE_DIR (filled with the shipped and demonstration data
on first use). Run: `.venv/bin/python -m bench.bench_sdsf`.
"""

from __future__ import annotations

import time
from datetime import date

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
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
