"""Command line: `python -m reports batch --departement 69 --sortie DIR [--sans-xlsx]`.

Writes the pre-diagnostic PDF (and XLSX of its tables) of every CTG of the département,
read from the workspace (DIAG_WORKSPACE_DIR), with a progress line per CTG and a summary of
failures. Exit code 1 when at least one CTG failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from datastore.store import Workspace
from reports.batch import load_geography, run_batch, workspace_inputs


def _progress(i: int, total: int, ctg_id: str, status: str) -> None:
    width = 30
    done = int(width * i / total) if total else width
    print(f"[{'#' * done}{'.' * (width - done)}] {i}/{total} {ctg_id} : {status}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports", description="Exports des pré-diagnostics CTG."
    )
    sub = parser.add_subparsers(dest="commande", required=True)
    batch = sub.add_parser("batch", help="PDF (et XLSX) de toutes les CTG d'un département")
    batch.add_argument("--departement", required=True, help="code du département, ex. 69, 2A, 971")
    batch.add_argument(
        "--sortie", required=True, type=Path, help="dossier de sortie (créé au besoin)"
    )
    batch.add_argument("--sans-xlsx", action="store_true", help="ne pas écrire les classeurs XLSX")
    batch.add_argument("--limite", type=int, default=None, help="nombre maximal de CTG (essais)")
    args = parser.parse_args(argv)

    ws = Workspace()
    try:
        from datastore.defaults import ensure_defaults
    except ImportError:  # default data not available in this checkout
        ensure_defaults = None
    if ensure_defaults is not None:
        ensure_defaults(ws)
    geo = load_geography()
    dep = args.departement.upper().zfill(2)
    if dep not in set(geo.departements["dep"]):
        print(f"Département inconnu : {args.departement}", file=sys.stderr)
        return 2
    inputs = workspace_inputs(ws, geo)
    print(f"Pré-diagnostics des CTG du département {dep} -> {args.sortie}", flush=True)
    result = run_batch(
        inputs, dep, args.sortie, xlsx=not args.sans_xlsx, progress=_progress, limit=args.limite
    )
    n_pdf = sum(1 for p in result.written if p.suffix == ".pdf")
    print(f"\n{n_pdf} PDF écrits en {result.seconds:.1f} s dans {args.sortie}.")
    if result.failures:
        print(f"{len(result.failures)} échec(s) :")
        for ctg_id, message in result.failures:
            print(f"  - {ctg_id} : {message}")
        return 1
    print("Aucun échec.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
