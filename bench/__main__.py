"""Run every bench/bench_*.py module, print a table and write bench/results.md.

Each module exposes `run() -> list[dict]` with keys name, seconds, budget_seconds, note.
    python -m bench               # all modules
    python -m bench maps pdf      # only bench_maps.py and bench_pdf.py
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    return names


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def table(rows: list[dict]) -> str:
    lines = [
        "| module | mesure | durée (s) | budget (s) | verdict | note |",
        "|---|---|---:|---:|---|---|",
    ]
    for r in rows:
        budget = r.get("budget_seconds")
        seconds = r.get("seconds")
        if seconds is None:
            verdict = "erreur"
        elif budget is None:
            verdict = "—"
        else:
            verdict = "OK" if seconds <= budget else "DÉPASSÉ"
        note = str(r.get("note", "")).replace("|", "/")
        lines.append(
            f"| {r['module']} | {r['name']} | {_fmt(seconds)} | {_fmt(budget)} | {verdict} | {note} |"
        )
    return "\n".join(lines)


def _previous_rows(path: Path, rerun: set[str]) -> list[str]:
    """Table rows of results.md for modules not run this time (a partial run keeps them)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            line.startswith("| ")
            and cells[0] not in ("module", *rerun)
            and not set(cells[0]) <= {"-"}
        ):
            out.append(line)
    return out


def main(argv: list[str]) -> int:
    rows: list[dict] = []
    failed = False
    for name in modules(argv):
        module = importlib.import_module(f"bench.{name}")
        t0 = time.perf_counter()
        print(f"== {name} …", flush=True)
        try:
            results = module.run()
        except (RuntimeError, OSError, ValueError, KeyError, TimeoutError, AssertionError) as exc:
            failed = True
            results = [
                {
                    "name": "exécution",
                    "seconds": None,
                    "budget_seconds": None,
                    "note": f"erreur : {type(exc).__name__}: {exc}",
                }
            ]
        for r in results:
            rows.append({"module": name.removeprefix("bench_"), **r})
        print(f"   {time.perf_counter() - t0:.1f} s", flush=True)
    print(table(rows))
    text = table(rows)
    kept = _previous_rows(HERE / "results.md", {r["module"] for r in rows})
    if kept:
        text += "\n" + "\n".join(kept)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Résultats des benchmarks\n\n{stamp} · {platform.node()} · Python "
        f"{platform.python_version()} · {len(rows)} mesures (`python -m bench {' '.join(argv)}`)\n\n"
    )
    (HERE / "results.md").write_text(header + text + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
