"""Map page against its floor, as ratios of interleaved loads (issue 15).

Floor: an otherwise empty Streamlit page plus bare Leaflet drawing the same GeoJSON
(bench/floor_app.py). App: the Territoire page of the same territory and mesh, overlays off,
then with every overlay on (`couches=ao,ctg,zones,qpv,structures`). Each round loads the
floor, the app without overlays and the app with overlays one after the other (same machine
load), navigation -> main layer painted (and, with overlays, every overlay added); the ratio
reported is the median over rounds of app ÷ floor of the same round. Budget: ratio ≤ 1,15
overlays off (bench/README.md). Every request outside the local servers is blocked.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_maps import _new_page, _url, wait_painted
from bench.server import Server, chromium
from geodata import layers
from geodata.territory import FRANCE, Level, Territory

ROOT = Path(__file__).resolve().parent.parent
CASES = {  # case -> (label, territory, level, maille in the URL, rounds)
    "departement": (
        "Rhône par commune",
        Territory(Level.DEPARTEMENT, "69", ""),
        Level.COMMUNE,
        None,
        5,
    ),
    "region": ("Région 84 par commune", Territory(Level.REGION, "84", ""), Level.COMMUNE, None, 5),
    "france_epci": ("France par EPCI", FRANCE, Level.EPCI, Level.EPCI, 4),
    "france_communes": ("France par commune", FRANCE, Level.COMMUNE, Level.COMMUNE, 3),
}
ALL_OVERLAYS = "ao,ctg,zones,qpv,structures"
BUDGET_RATIO = 1.15
VARIANTS = ("plancher", "app", "app_couches")

_OVERLAYS_JS = """(keys) => {
  const h = document.querySelector('div.diag-map-holder');
  return !!h && h.dataset.overlays === keys;
}"""


def _script_dir() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="bench-floor-app-"))
    shutil.copy(ROOT / "bench" / "floor_app.py", tmp / "floor_app.py")
    shutil.copytree(ROOT / "static", tmp / "static")
    return tmp


def _wait_overlays(page, keys: str, timeout: float = 240) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if page.evaluate(_OVERLAYS_JS, keys):
            return
        time.sleep(0.03)
    raise TimeoutError(f"couches {keys} non dessinées en {timeout} s")


def save_zoning(browser, base: str) -> None:
    """A saved zoning of the Rhône (zones page, default rules), so that the zones overlay
    has something to draw on the Rhône, région 84 and France maps."""
    ctx, page, _ = _new_page(browser, base)
    try:
        page.goto(f"{base}/zones?niveau=departement&code=69")
        button = page.get_by_role("button", name="Enregistrer le zonage")
        button.wait_for(timeout=300_000)
        page.wait_for_timeout(2_000)
        button.click()
        page.get_by_text("enregistré dans l'espace de travail").wait_for(timeout=120_000)
    finally:
        ctx.close()


def _load(browser, url: str, base: str, n: int, overlays: str | None) -> float:
    ctx, page, blocked = _new_page(browser, base)
    try:
        t0 = time.perf_counter()
        page.goto(url)
        wait_painted(page, n, timeout=240)
        if overlays:
            _wait_overlays(page, overlays)
        seconds = time.perf_counter() - t0
    finally:
        ctx.close()
    outside = [u for u in blocked if "materialsymbols" not in u]
    if outside:
        raise RuntimeError(f"requêtes hors du serveur : {outside[:3]}")
    return seconds


def measure(cases: dict = CASES) -> dict[str, dict[str, list[float]]]:
    tmp = _script_dir()
    floor = Server(prefix="bench-floor", script=tmp / "floor_app.py")
    app = Server(prefix="bench-floor-app")
    times: dict[str, dict[str, list[float]]] = {c: {v: [] for v in VARIANTS} for c in cases}
    with chromium() as browser:
        try:
            floor.start()
            app.start()
            floor.wait_healthy()
            app.wait_healthy()
            save_zoning(browser, app.url)
            for case, (label, territory, level, maille, rounds) in cases.items():
                n = layers.payload(level, territory).n_features
                urls = {
                    "plancher": (f"{floor.url}/?case={case}", floor.url, None),
                    "app": (_url(app.url, territory, maille), app.url, None),
                }
                sep = "&" if "?" in urls["app"][0] else "?"
                urls["app_couches"] = (
                    f"{urls['app'][0]}{sep}couches={ALL_OVERLAYS}",
                    app.url,
                    ALL_OVERLAYS,
                )
                for v in VARIANTS:  # warm-up: fills the server caches
                    _load(browser, urls[v][0], urls[v][1], n, urls[v][2])
                for _ in range(rounds):
                    for v in VARIANTS:
                        times[case][v].append(_load(browser, *urls[v][:2], n, urls[v][2]))
                    print(  # each round as it ends (a stopped run keeps its figures)
                        f"   {label}, tour : "
                        + " ; ".join(f"{v} {times[case][v][-1]:.2f} s" for v in VARIANTS),
                        flush=True,
                    )
                print(
                    f"   {label}: "
                    + " ; ".join(
                        f"{v} {statistics.median(times[case][v]):.2f} s" for v in VARIANTS
                    ),
                    flush=True,
                )
        finally:
            floor.stop()
            app.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    return times


def ratios(by_variant: dict[str, list[float]], variant: str) -> float:
    """Median over rounds of `variant` ÷ floor of the same round."""
    return statistics.median(
        a / f for a, f in zip(by_variant[variant], by_variant["plancher"], strict=True)
    )


def run() -> list[dict]:
    rows = []
    for case, by_variant in measure().items():
        label = CASES[case][0]
        floor = statistics.median(by_variant["plancher"])
        for variant, what in (("app", "couches retirées"), ("app_couches", "toutes les couches")):
            r = ratios(by_variant, variant)
            rows.append(
                {
                    "name": f"Territoire / plancher, {label}, {what}",
                    "seconds": round(r * floor, 2),
                    "budget_seconds": round(BUDGET_RATIO * floor, 2) if variant == "app" else None,
                    "note": f"rapport {r:.2f} (médiane des rapports par tour ; plancher "
                    f"{floor:.2f} s ; {len(by_variant['plancher'])} tours entrelacés ; "
                    f"{variant} : {', '.join(f'{t:.2f}' for t in by_variant[variant])} ; "
                    f"plancher : {', '.join(f'{t:.2f}' for t in by_variant['plancher'])})",
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row["name"], "—", row["note"])
