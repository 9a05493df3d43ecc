"""Map page against its floor, as ratios of interleaved loads (issue 15).

Floor: an otherwise empty Streamlit page plus bare Leaflet drawing the same GeoJSON
(bench/floor_app.py). App: the Territoire page of the same territory and mesh, overlays off,
then with every overlay on (`couches=ao,ctg,zones,qpv,structures`). Four scales: a
département (Rhône by commune), a région (84 by commune), France by EPCI, France by commune.
Each round loads the floor, the app without overlays and the app with overlays one after the
other (same machine load), navigation -> main layer painted (and, with overlays, every
overlay added), then until the whole page is there (key figures, selectors, layer buttons,
territory picker: the first run of a session sends the map alone, ui.pages.map_first).
Figure: ratio of the medians, app ÷ floor (the median over rounds of the
per-round ratios is given too). Budget: ratio ≤ 1,15 overlays off (bench/README.md). Every
request outside the local servers is blocked; the load average is reported with each case.

    python -m bench.bench_floor                      # the four scales
    python -m bench.bench_floor departement region   # some of them
    BENCH_REFERENCE_ROOT=/work/main python -m bench.bench_floor france_communes
        # also the Territoire page of another checkout (overlays off, and on), in the same
        # rounds (A/B of a lever)
    BENCH_FLOOR_OVERLAYS=0 …                         # without the overlays variant
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
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
REFERENCE = "reference"  # the app of BENCH_REFERENCE_ROOT, overlays off
REFERENCE_OVERLAYS = "reference_couches"  # the same, every overlay on

_OVERLAYS_JS = """(keys) => {
  const h = document.querySelector('div.diag-map-holder');
  return !!h && h.dataset.overlays === keys;
}"""


def _script_dir() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="bench-floor-app-"))
    shutil.copy(ROOT / "bench" / "floor_app.py", tmp / "floor_app.py")
    shutil.copytree(ROOT / "static" / "vendor", tmp / "static" / "vendor")
    return tmp


#: The whole Territoire page is there: key figures, selectors, layer buttons and the sidebar's
#: territory picker (the first run of a session sends the map alone: ui.pages.map_first).
_WHOLE_JS = """() => !!document.querySelector('[data-testid="stMetric"]')
  && !!document.querySelector('input[placeholder^="Nom ou code"]')
  && [...document.querySelectorAll('label')].some(l => l.textContent.includes('Colorer par'))
  && [...document.querySelectorAll('button')].some(b => b.textContent.includes('QPV 2024'))"""


def _wait_whole(page, timeout: float = 240) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if page.evaluate(_WHOLE_JS):
            return
        time.sleep(0.03)
    raise TimeoutError(f"page entière non affichée en {timeout} s")


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


def _load(
    browser, url: str, base: str, overlays: str | None, n: int, whole: list[float] | None = None
) -> float:
    """Seconds from navigation to the main layer painted (and every overlay drawn); with
    `whole`, then also until the whole page is there, appended to `whole`."""
    ctx, page, blocked = _new_page(browser, base)
    try:
        t0 = time.perf_counter()
        page.goto(url)
        wait_painted(page, n, timeout=240)
        if overlays:
            _wait_overlays(page, overlays)
        seconds = time.perf_counter() - t0
        if whole is not None:
            _wait_whole(page)
            whole.append(time.perf_counter() - t0)
    finally:
        ctx.close()
    outside = [u for u in blocked if "materialsymbols" not in u]
    if outside:
        raise RuntimeError(f"requêtes hors du serveur : {outside[:3]}")
    return seconds


def load_average() -> str:
    """The 1-minute load average of the machine (2 cores shared with other work)."""
    return f"{os.getloadavg()[0]:.1f}"


def measure(cases: dict = CASES) -> tuple[dict[str, dict[str, list[float]]], dict[str, str]]:
    """Seconds per case and variant (one list per variant, one value per round), and the
    load averages seen at the start and end of each case."""
    tmp = _script_dir()
    ref_root = os.environ.get("BENCH_REFERENCE_ROOT")
    floor = Server(prefix="bench-floor", script=tmp / "floor_app.py")
    app = Server(prefix="bench-floor-app")
    servers = [floor, app]
    ref = None
    if ref_root:
        ref = Server(prefix="bench-floor-ref", root=Path(ref_root))
        servers.append(ref)
    with_overlays = os.environ.get("BENCH_FLOOR_OVERLAYS", "1") != "0"
    variants = tuple(v for v in VARIANTS if with_overlays or v != "app_couches")
    if ref is not None:
        variants = (*variants, REFERENCE, *((REFERENCE_OVERLAYS,) if with_overlays else ()))
    times: dict[str, dict[str, list[float]]] = {c: {v: [] for v in variants} for c in cases}
    wholes = WHOLE[0]
    wholes.clear()
    wholes.update({c: {v: [] for v in variants if v != "plancher"} for c in cases})
    loads: dict[str, str] = {}
    with chromium() as browser:
        try:
            for s in servers:
                s.start()
            for s in servers:
                s.wait_healthy()
            if with_overlays:
                for srv in (app, ref) if ref is not None else (app,):
                    save_zoning(browser, srv.url)
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
                if ref is not None:
                    urls[REFERENCE] = (_url(ref.url, territory, maille), ref.url, None)
                    urls[REFERENCE_OVERLAYS] = (
                        f"{urls[REFERENCE][0]}{sep}couches={ALL_OVERLAYS}",
                        ref.url,
                        ALL_OVERLAYS,
                    )
                for v in variants:  # warm-up: fills the server caches
                    _load(browser, *urls[v], n)
                start = load_average()
                for _ in range(rounds):
                    for v in variants:
                        times[case][v].append(_load(browser, *urls[v], n, wholes[case].get(v)))
                    print(  # each round as it ends (a stopped run keeps its figures)
                        f"   {label}, tour : "
                        + " ; ".join(f"{v} {times[case][v][-1]:.2f} s" for v in variants)
                        + f" (charge {load_average()})",
                        flush=True,
                    )
                loads[case] = f"{start} → {load_average()}"
                print(
                    f"   {label}: "
                    + " ; ".join(f"{v} {statistics.median(times[case][v]):.2f} s" for v in variants)
                    + " ; rapports des médianes : "
                    + " ; ".join(f"{v} {ratio(times[case], v):.2f}" for v in variants[1:])
                    + f" (charge {loads[case]})",
                    flush=True,
                )
        finally:
            for s in servers:
                s.stop()
            shutil.rmtree(tmp, ignore_errors=True)
    return times, loads


#: Seconds until the whole page is there, per case and app variant, of the last `measure`
#: (a one-item list: filled in place).
WHOLE: list[dict[str, dict[str, list[float]]]] = [{}]


def ratio(by_variant: dict[str, list[float]], variant: str) -> float:
    """Median of `variant` ÷ median of the floor (loads interleaved round by round)."""
    return statistics.median(by_variant[variant]) / statistics.median(by_variant["plancher"])


def ratios(by_variant: dict[str, list[float]], variant: str) -> float:
    """Median over rounds of `variant` ÷ floor of the same round."""
    return statistics.median(
        a / f for a, f in zip(by_variant[variant], by_variant["plancher"], strict=True)
    )


def run(selected: list[str] | None = None) -> list[dict]:
    cases = {c: CASES[c] for c in (selected or CASES)}
    times, loads = measure(cases)
    rows = []
    whats = {
        "app": "couches retirées",
        "app_couches": "toutes les couches",
        REFERENCE: "code de référence, couches retirées",
        REFERENCE_OVERLAYS: "code de référence, toutes les couches",
    }
    for case, by_variant in times.items():
        label = CASES[case][0]
        floor = statistics.median(by_variant["plancher"])
        for variant in by_variant:
            if variant == "plancher":
                continue
            r = ratio(by_variant, variant)
            rows.append(
                {
                    "name": f"Territoire / plancher, {label}, {whats[variant]}",
                    "seconds": round(r * floor, 2),
                    "budget_seconds": round(BUDGET_RATIO * floor, 2) if variant == "app" else None,
                    "note": f"rapport des médianes {r:.2f} (médiane des rapports par tour "
                    f"{ratios(by_variant, variant):.2f}) ; plancher {floor:.2f} s ; "
                    f"{len(by_variant['plancher'])} tours entrelacés ; charge {loads[case]} ; "
                    f"{variant} : {', '.join(f'{t:.2f}' for t in by_variant[variant])} ; "
                    f"page entière : médiane {statistics.median(WHOLE[0][case][variant]):.2f} s ; "
                    f"plancher : {', '.join(f'{t:.2f}' for t in by_variant['plancher'])}",
                }
            )
    return rows


if __name__ == "__main__":
    unknown = [c for c in sys.argv[1:] if c not in CASES]
    if unknown:
        raise SystemExit(f"cas inconnus : {unknown} (au choix : {', '.join(CASES)})")
    for row in run(sys.argv[1:]):
        print(row["name"], "—", row["note"])
