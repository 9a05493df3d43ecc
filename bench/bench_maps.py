"""Map timings in headless Chromium against a real `streamlit run` of the app.

Measured (budgets in bench/README.md), on the Territoire page:
  (a) page load -> polygons painted: navigation to the URL of the territory until the map's
      main layer holds all its features and two animation frames have passed (canvas drawn);
      median of 3 warm loads (after one load that fills the server caches);
  (b) change of territory -> polygons painted: from a loaded page, click on a sidebar search
      result (département, région) or change the « Maille » (France by EPCI / by commune)
      until the new map is painted;
  cold start: `streamlit run` launched -> first page (France by département) painted.
Every request outside the local server is blocked, as in the end-to-end tests.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError

from bench.server import Server, chromium, local_context
from geodata import layers
from geodata.territory import Level, Territory

ROOT = Path(__file__).resolve().parent.parent

BUDGETS = {  # (a) load, (b) change
    "departement": (1.6, 0.8),
    "region": (2.2, 1.5),
    "france_epci": (2.0, 1.0),
    "france_communes": (5.0, 4.0),
}
BUDGET_COLD = 5.0
WARM_RUNS = 3


_PAINTED_JS = """
(n) => {
  const l = window.diagMainLayer;
  if (!l || !l._map || Object.keys(l._layers).length !== n) return false;
  if (!document.querySelector('canvas.leaflet-zoom-animated')) return false;
  return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))));
}
"""


def _frames(page):
    """The page itself (in-page map component) then any map iframe (view-only embeds)."""
    yield page.main_frame
    for handle in page.query_selector_all("iframe"):
        frame = handle.content_frame()
        if frame is not None:
            yield frame


def wait_painted(page, n_features: int, timeout: float = 120) -> None:
    """Until the page (or a map iframe) shows a main layer of exactly `n_features` features,
    painted."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        for frame in _frames(page):
            try:
                if frame.evaluate(_PAINTED_JS, n_features):
                    return
            except PlaywrightError as exc:  # the frame was replaced while polling: poll again
                if "detached" not in str(exc) and "destroyed" not in str(exc):
                    raise
        time.sleep(0.03)
    raise TimeoutError(f"carte de {n_features} entités non dessinée en {timeout} s")


def _new_page(browser, base: str):
    ctx, blocked = local_context(browser, base)
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    return ctx, page, blocked


def _n(level: Level, territory: Territory) -> int:
    return layers.payload(level, territory).n_features


def _url(base: str, territory: Territory, maille: Level | None = None) -> str:
    params = (
        []
        if territory.level is Level.FRANCE
        else [f"niveau={territory.level.value}", f"code={territory.code}"]
    )
    if maille is not None:
        params.append(f"maille={maille.value}")
    return f"{base}/?{'&'.join(params)}" if params else f"{base}/"


def measure_load(
    browser, base: str, territory: Territory, level: Level, maille: Level | None
) -> float:
    n = _n(level, territory)
    times = []
    for i in range(WARM_RUNS + 1):
        ctx, page, _ = _new_page(browser, base)
        t0 = time.perf_counter()
        page.goto(_url(base, territory, maille))
        wait_painted(page, n)
        if i > 0:  # the first load fills the server caches
            times.append(time.perf_counter() - t0)
        ctx.close()
    return statistics.median(times)


def _search_and_pick(page, query: str, label: str) -> None:
    box = page.get_by_label("Rechercher un territoire", exact=True)
    box.fill(query)
    box.press("Enter")
    page.get_by_text(re.compile(rf"^{re.escape(label)} — ")).first.wait_for()


def measure_change_search(
    browser, base: str, start: Territory, target: Territory, query: str, label: str
) -> float:
    """From the page of `start`, pick `target` in the sidebar search: click -> painted."""
    n_target = _n(Level.COMMUNE, target)
    times = []
    for i in range(WARM_RUNS + 1):
        ctx, page, _ = _new_page(browser, base)
        page.goto(_url(base, start))
        wait_painted(page, _n(Level.COMMUNE, start))
        _search_and_pick(page, query, label)
        option = page.get_by_text(re.compile(rf"^{re.escape(label)} — ")).first
        t0 = time.perf_counter()
        option.click()
        wait_painted(page, n_target)
        if i > 0:
            times.append(time.perf_counter() - t0)
        ctx.close()
    return statistics.median(times)


def measure_change_maille(browser, base: str, level: Level, label: str) -> float:
    """France by département -> France by `level` (« Maille » select): click -> painted."""
    france = Territory(Level.FRANCE)
    n_target = _n(level, france)
    times = []
    for i in range(WARM_RUNS + 1):
        ctx, page, _ = _new_page(browser, base)
        page.goto(_url(base, france))
        wait_painted(page, _n(Level.DEPARTEMENT, france))
        page.get_by_label("Maille").click()
        option = page.get_by_role("option", name=label)
        t0 = time.perf_counter()
        option.click()
        wait_painted(page, n_target, timeout=180)
        if i > 0:
            times.append(time.perf_counter() - t0)
        ctx.close()
    return statistics.median(times)


def run() -> list[dict]:
    dep = Territory(Level.DEPARTEMENT, "69", "Rhône")
    dep_other = Territory(Level.DEPARTEMENT, "42", "Loire")
    reg = Territory(Level.REGION, "84", "Auvergne-Rhône-Alpes")
    reg_other = Territory(Level.REGION, "93", "Provence-Alpes-Côte d'Azur")
    france = Territory(Level.FRANCE)
    rows: list[dict] = []
    server = Server(prefix="bench-maps")
    with chromium() as browser:
        try:
            t0 = time.perf_counter()
            server.start()
            server.wait_healthy()
            t_up = time.perf_counter() - t0
            ctx, page, blocked = _new_page(browser, server.url)
            page.goto(server.url + "/")
            wait_painted(page, _n(Level.DEPARTEMENT, france))
            cold = time.perf_counter() - t0
            ctx.close()
            rows.append(
                {
                    "name": "Démarrage à froid (serveur lancé → France par département dessinée)",
                    "seconds": round(cold, 2),
                    "budget_seconds": BUDGET_COLD,
                    "note": f"dont serveur prêt en {t_up:.1f} s",
                }
            )
            cases = [
                ("departement", "Département 69 par commune", dep, Level.COMMUNE, None),
                ("region", "Région 84 (AURA) par commune", reg, Level.COMMUNE, None),
                ("france_epci", "France par EPCI", france, Level.EPCI, Level.EPCI),
                ("france_communes", "France par commune", france, Level.COMMUNE, Level.COMMUNE),
            ]
            for key, label, territory, level, maille in cases:
                n = _n(level, territory)
                a = measure_load(browser, server.url, territory, level, maille)
                print(f"   (a) {label}: {a:.2f} s", flush=True)
                rows.append(
                    {
                        "name": f"(a) chargement → polygones : {label}",
                        "seconds": round(a, 2),
                        "budget_seconds": BUDGETS[key][0],
                        "note": f"{n} entités, médiane de {WARM_RUNS} chargements à chaud",
                    }
                )
                if key == "departement":
                    b = measure_change_search(
                        browser, server.url, dep_other, dep, "rhone", "Rhône (69)"
                    )
                    how = "depuis la Loire (42), clic sur le résultat de recherche"
                elif key == "region":
                    b = measure_change_search(
                        browser, server.url, reg_other, reg, "auvergne", "Auvergne-Rhône-Alpes"
                    )
                    how = "depuis PACA (93), clic sur le résultat de recherche"
                else:
                    b = measure_change_maille(
                        browser, server.url, level, "EPCI" if level is Level.EPCI else "Communes"
                    )
                    how = "depuis France par département, changement de maille"
                rows.append(
                    {
                        "name": f"(b) changement → polygones : {label}",
                        "seconds": round(b, 2),
                        "budget_seconds": BUDGETS[key][1],
                        "note": how,
                    }
                )
            for r in rows:
                print(
                    f"   {r['name']}: {r['seconds']} s (budget {r['budget_seconds']} s)", flush=True
                )
            outside = sorted({urlparse(u).netloc for u in blocked})
            if outside:
                rows[0]["note"] += f" ; requêtes extérieures bloquées : {', '.join(outside)}"
        finally:
            server.stop()
    return rows
