"""Cost of the charts of one pre-diagnostic PDF: matplotlib (what the PDF uses) against plotly's
static export (kaleido 1.x driving the Debian Chromium), from the same chart specifications.

For the EPCI of bench_pdf, every bar and line chart of the pre-diagnostic (maps excluded: they
are matplotlib in both cases) is drawn by `charts.static.png` and, when kaleido and Chromium
are installed, by `plotly.io.to_image` of `charts.plotly_figure.figure(spec)` with kaleido's
persistent server started cold (what one PDF would pay in a fresh process). Interleaved rounds;
wall-clock and processor time. Budget: the whole PDF must stay ≤ 3 s cold (bench_pdf).
kaleido is not a dependency of the app (decision in docs/architecture.md): when it is absent,
only the matplotlib row is measured.
"""

from __future__ import annotations

import statistics
import time

from bench.bench_pdf import EPCI, _workspace
from charts import static
from geodata.territory import Level, make_territory
from reports import prediag
from reports.batch import load_geography, workspace_inputs

BUDGET_PDF = 3.0
ROUNDS = 3


def _specs() -> list:
    geo = load_geography()
    inputs = workspace_inputs(_workspace(), geo)
    subject = prediag.subject_from_territory(geo, make_territory(geo, Level.EPCI, EPCI))
    p = prediag.build_prediag(subject, inputs)
    return [c for s in p.sections for c in s.charts if c.kind != "carte"]


def _matplotlib(specs) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    for spec in specs:
        static.png(spec, titled=False, legend=False)
    return time.perf_counter() - t, time.process_time() - c


def _kaleido(specs) -> tuple[float, float]:
    import kaleido
    import plotly.io as pio

    from charts.plotly_figure import figure

    t, c = time.perf_counter(), time.process_time()
    kaleido.start_sync_server(silence_warnings=True)
    try:
        for spec in specs:
            pio.to_image(figure(spec), format="png", width=700, height=340)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return time.perf_counter() - t, time.process_time() - c


def run() -> list[dict]:
    specs = _specs()
    try:
        import kaleido  # noqa: F401

        engines = {"matplotlib": _matplotlib, "kaleido": _kaleido}
    except ImportError:
        engines = {"matplotlib": _matplotlib}
    walls: dict[str, list[float]] = {k: [] for k in engines}
    cpus: dict[str, list[float]] = {k: [] for k in engines}
    for _ in range(ROUNDS):
        for name, draw in engines.items():
            wall, cpu = draw(specs)
            walls[name].append(wall)
            cpus[name].append(cpu)
    base = statistics.median(walls["matplotlib"])
    rows = []
    for name in engines:
        wall = statistics.median(walls[name])
        rows.append(
            {
                "name": f"Graphiques d'un pré-diagnostic ({len(specs)}, {name})",
                "seconds": round(wall, 2),
                "budget_seconds": BUDGET_PDF,
                "note": f"médiane de {ROUNDS} tours entrelacés ; rapport à matplotlib "
                f"{wall / base:.1f} ; temps processeur de ce processus "
                f"{statistics.median(cpus[name]):.2f} s (Chromium non compté) ; "
                + ", ".join(f"{w:.2f}" for w in walls[name]),
            }
        )
    return rows
