"""streamlit-folium (`st_folium`) against the app's in-page map component, side by side.

The same folium map (bench/folium_app.py: same payload, colouring, tooltip and height) is
drawn on an otherwise empty Streamlit page through `st_folium` (returned_objects limited to
the clicked feature, what the Territoire page needs) and through `ui.maps.show_territory_map`
(the component the app uses), for a département (Rhône by commune), a région
(Auvergne-Rhône-Alpes by commune), France by EPCI and France by commune.

Measured in headless Chromium, every request outside the local server blocked: navigation
to polygons painted (the map's main layer holds all its features and two animation frames
have passed), in the page or in st_folium's iframe. Runs are interleaved (component,
st_folium, component, st_folium…) after one warm-up load of each, so both see the same load
of the shared machine; the result is the ratio of the medians (and the median of the
ratios of each st_folium load to the component load just before it). Decision rule (issue 18): if
st_folium is within 15 % of the component for the département and the région, the app uses it
for those maps. Results in bench/README.md.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_maps import _new_page, wait_painted
from bench.server import Server, chromium
from geodata import layers
from geodata.territory import FRANCE, Level, Territory

ROOT = Path(__file__).resolve().parent.parent
CASES = {  # case -> (label, territory, level, warm runs of each)
    "departement": (
        "Rhône par commune",
        Territory(Level.DEPARTEMENT, "69", "Rhône"),
        Level.COMMUNE,
        4,
    ),
    "region": (
        "Auvergne-Rhône-Alpes par commune",
        Territory(Level.REGION, "84", "Auvergne-Rhône-Alpes"),
        Level.COMMUNE,
        4,
    ),
    "france_epci": ("France par EPCI", FRANCE, Level.EPCI, 3),
    "france_communes": ("France par commune", FRANCE, Level.COMMUNE, 2),
}
VIAS = ("composant", "st_folium")
THRESHOLD = 1.15


def _script_dir() -> Path:
    """A temporary copy of bench/folium_app.py with static/vendor next to it."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-folium-app-"))
    shutil.copy(ROOT / "bench" / "folium_app.py", tmp / "folium_app.py")
    shutil.copytree(ROOT / "static", tmp / "static")
    return tmp


def _load(browser, base: str, case: str, via: str, n: int) -> float:
    ctx, page, blocked = _new_page(browser, base)
    try:
        t0 = time.perf_counter()
        page.goto(f"{base}/?case={case}&via={via}")
        wait_painted(page, n, timeout=240)
        seconds = time.perf_counter() - t0
    finally:
        ctx.close()
    outside = [u for u in blocked if "materialsymbols" not in u]
    if outside:
        raise RuntimeError(f"{via} a demandé des ressources hors du serveur : {outside[:3]}")
    return seconds


def measure(cases: dict = CASES) -> dict[str, dict[str, list[float]]]:
    tmp = _script_dir()
    server = Server(prefix="bench-folium", script=tmp / "folium_app.py")
    times: dict[str, dict[str, list[float]]] = {c: {v: [] for v in VIAS} for c in cases}
    with chromium() as browser:
        try:
            server.start()
            server.wait_healthy()
            for case, (_label, territory, level, runs) in cases.items():
                n = layers.payload(level, territory).n_features
                for via in VIAS:  # warm-up: fills the server caches of both paths
                    _load(browser, server.url, case, via, n)
                for _ in range(runs):
                    for via in VIAS:
                        times[case][via].append(_load(browser, server.url, case, via, n))
        finally:
            server.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    return times


def run() -> list[dict]:
    rows = []
    for case, by_via in measure().items():
        label = CASES[case][0]
        comp, folium = (statistics.median(by_via[v]) for v in VIAS)
        ratio = folium / comp
        # each st_folium load against the component load just before it (same machine load)
        pairs = statistics.median(
            f / c for c, f in zip(by_via["composant"], by_via["st_folium"], strict=True)
        )
        rows.append(
            {
                "name": f"st_folium / composant, {label}",
                "seconds": round(folium, 2),
                "budget_seconds": round(comp * THRESHOLD, 2),
                "note": f"composant {comp:.2f} s, st_folium {folium:.2f} s, rapport {ratio:.2f} "
                f"(médiane des rapports par paire {pairs:.2f}) "
                f"(médianes de {len(by_via['composant'])} chargements entrelacés ; "
                f"st_folium : {', '.join(f'{t:.2f}' for t in by_via['st_folium'])} ; "
                f"composant : {', '.join(f'{t:.2f}' for t in by_via['composant'])})",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row["name"], "—", row["note"])
