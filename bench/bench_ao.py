"""The « Compétences AO et CTG » page: the AO analysis and the page's first run and rerun.

Each measure runs in a new process (cold caches), on a workspace holding the default data
(`python -m datastore init` in a temporary folder, once):
- *analyse* : `analyses.ao.ao_analysis` of the territory (reference tables and datasets
  already read), the work `ui.cache.ao_analysis` caches;
- *page* : AppTest of the app opened on the territory (Territoire page, not measured), then
  the AO page: its first run (the analysis is built) and a rerun (the analysis is read back
  from the cache; the map, table and lists are drawn again).

Territories: France and the Rhône. With BENCH_REFERENCE_ROOT (another checkout, e.g. main
before a change), the same measures of that checkout run in the same rounds, one after the
other (A/B as ratios of interleaved runs: the machine is shared, its load varies).
Budgets: bench/README.md, « Page Compétences AO et CTG ».

    python -m bench.bench_ao                       # France and Rhône, this checkout
    python -m bench.bench_ao rhone                 # one territory
    BENCH_REFERENCE_ROOT=/tmp/ref BENCH_AO_ROUNDS=3 python -m bench.bench_ao
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {"france": ("France", "france", ""), "rhone": ("Rhône", "departement", "69")}
BUDGETS = {  # (case, measure) -> seconds, for a quiet machine (bench/README.md)
    ("france", "analyse"): 6.0,
    ("france", "page_premiere"): 25.0,
    ("france", "page_relance"): 10.0,
    ("rhone", "analyse"): 1.5,
    ("rhone", "page_premiere"): 10.0,
    ("rhone", "page_relance"): 2.0,
}

# Run in the measured checkout (its own code, its cwd): prints one JSON line.
_ANALYSIS = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
from datetime import date
from analyses.ao import AoInputs, ao_analysis
from datastore.store import Workspace
from diagnostics import ao
from geodata import reference
from geodata.territory import Level, make_territory
ws, geo = Workspace(), reference.load_geography()
inputs = AoInputs(ws.read("ctg"), ws.read("ao_transferts"), ws.read("population"),
                  ws.read("ctg_avenants"), ws.documents(ao.CHECKLIST_DOCUMENT_KIND))
territory = make_territory(geo, Level(sys.argv[1]), sys.argv[2])
t = time.perf_counter()
result = ao_analysis(geo, territory, inputs, date.today())
print(json.dumps({"analyse": time.perf_counter() - t, "ao": len(result.table)}))
"""
_PAGE = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(os.path.join(os.getcwd(), "app.py"), default_timeout=900)
at.query_params["niveau"] = sys.argv[1]
if sys.argv[2]:
    at.query_params["code"] = sys.argv[2]
at.run()
at.switch_page("app_pages/ao_ctg.py")
t = time.perf_counter(); at.run(); first = time.perf_counter() - t
assert not at.exception, [e.value for e in at.exception]
assert [x.value for x in at.title] == ["Compétences AO et CTG"], [x.value for x in at.title]
t = time.perf_counter(); at.run(); rerun = time.perf_counter() - t
assert not at.exception, [e.value for e in at.exception]
print(json.dumps({"page_premiere": first, "page_relance": rerun}))
"""


def _env(workspace: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DIAG_WORKSPACE_DIR=str(workspace), DIAG_DATABASE_URL="", DIAG_AUTH="")
    return env


def _measure(root: Path, script: str, case: str, workspace: Path) -> dict[str, float]:
    _, niveau, code = CASES[case]
    out = subprocess.run(
        [sys.executable, "-c", script, niveau, code],
        cwd=root,
        env=_env(workspace),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}".replace(".", ",")


def measure(cases: list[str], rounds: int, reference: Path | None) -> list[dict]:
    """Rows: case, variant (« branche » or « reference »), round, measure -> seconds."""
    workspace = Path(tempfile.mkdtemp(prefix="bench-ao-ws-"))
    rows: list[dict] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "datastore", "init"],
            cwd=ROOT,
            env=_env(workspace),
            check=True,
            capture_output=True,
        )
        variants = [("branche", ROOT)] + ([("reference", reference)] if reference else [])
        for case in cases:
            for r in range(rounds):
                for variant, root in variants if r % 2 == 0 else variants[::-1]:
                    load = _load()
                    values = _measure(root, _ANALYSIS, case, workspace)
                    values.pop("ao")
                    values |= _measure(root, _PAGE, case, workspace)
                    for name, seconds in values.items():
                        rows.append(
                            {
                                "case": case,
                                "variant": variant,
                                "round": r,
                                "measure": name,
                                "seconds": seconds,
                                "load": load,
                            }
                        )
                    print(case, variant, r, {k: round(v, 2) for k, v in values.items()}, load)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return rows


def _median(rows: list[dict], case: str, variant: str, name: str) -> float:
    return statistics.median(
        r["seconds"]
        for r in rows
        if (r["case"], r["variant"], r["measure"]) == (case, variant, name)
    )


def report(rows: list[dict]) -> str:
    """Markdown: medians per variant, and the median of the per-round ratios branche ÷
    reference when there is a reference."""
    lines = [
        "| cas | mesure | branche (s) | référence (s) | rapport par tour | médiane |",
        "|---|---|---:|---:|---|---:|",
    ]
    for case in dict.fromkeys(r["case"] for r in rows):
        for name in dict.fromkeys(r["measure"] for r in rows if r["case"] == case):
            mine = _median(rows, case, "branche", name)
            has_ref = any(r["variant"] == "reference" for r in rows)
            ref = _median(rows, case, "reference", name) if has_ref else None
            ratios = []
            if has_ref:
                by = {
                    (r["variant"], r["round"]): r["seconds"]
                    for r in rows
                    if (r["case"], r["measure"]) == (case, name)
                }
                ratios = [
                    by[("branche", i)] / by[("reference", i)] for i in sorted({k[1] for k in by})
                ]
            fmt = lambda x: f"{x:.2f}".replace(".", ",")  # noqa: E731
            lines.append(
                f"| {CASES[case][0]} | {name} | {fmt(mine)} | {fmt(ref) if ref else '—'} | "
                f"{' ; '.join(fmt(x) for x in ratios) or '—'} | "
                f"{fmt(statistics.median(ratios)) if ratios else '—'} |"
            )
    return "\n".join(lines)


def run(selected: list[str] | None = None) -> list[dict]:
    """Entry point of `python -m bench`: one round of this checkout, with the budgets."""
    rows = measure(selected or list(CASES), 1, None)
    return [
        {
            "name": f"{CASES[r['case']][0]} : {r['measure']}",
            "seconds": r["seconds"],
            "budget_seconds": BUDGETS.get((r["case"], r["measure"])),
            "note": f"charge {r['load']}",
        }
        for r in rows
    ]


if __name__ == "__main__":
    chosen = [a for a in sys.argv[1:] if a in CASES] or list(CASES)
    ref_root = os.environ.get("BENCH_REFERENCE_ROOT")
    n = int(os.environ.get("BENCH_AO_ROUNDS", "3" if ref_root else "1"))
    print(report(measure(chosen, n, Path(ref_root) if ref_root else None)))
