"""End-to-end: on the first run of a browser session the Territoire page sends its map alone,
and the rest of the page comes with the run the map asks for once painted (ui.pages.map_first,
issue 15). Checked in headless Chromium: the map is painted once and not redrawn, it does not
move when the rest comes, the whole page (selectors, layer buttons, key figures, the sidebar's
territory picker) is there in the end, later runs draw the whole page at once, and a map whose
code cannot load does not hold the page back (ui.pages.rest_of_page_fallback).
"""

from __future__ import annotations

import time

import pytest

from bench.server import local_context
from ui.pages import MAP_FIRST_FALLBACK_SECONDS

pytestmark = pytest.mark.e2e

RHONE = "?niveau=departement&code=69"
N_RHONE = 266  # communes of the Rhône (COG 2025)

STATE_JS = """() => {
  const N_RHONE = __N__;
  const h = document.querySelector('div.diag-map-holder');
  const painted = !!(window.diagMainLayer && window.diagMainLayer._map && h
    && Object.keys(window.diagMainLayer._layers).length === N_RHONE);
  return {
    painted: painted,
    top: h ? Math.round(h.getBoundingClientRect().top + window.scrollY) : null,
    metrics: document.querySelectorAll('[data-testid="stMetric"]').length,
    picker: !!document.querySelector('input[placeholder^="Nom ou code"]'),
    selectors: [...document.querySelectorAll('label')].some(l => l.textContent.includes('Colorer par')),
    layers: [...document.querySelectorAll('button')].some(b => b.textContent.includes('QPV 2024')),
    drawn: performance.getEntriesByName('diag-map-drawn').length,
    reported: performance.getEntriesByName('diag-map-paint-reported').length,
  };
}""".replace("__N__", str(N_RHONE))


def _whole(state: dict) -> bool:
    return bool(state["metrics"] and state["picker"] and state["selectors"] and state["layers"])


def _poll(page, until, timeout: float = 120) -> list[dict]:
    """States of the page every 30 ms until `until(state)` holds (all of them, in order)."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(page.evaluate(STATE_JS))
        if until(seen[-1]):
            return seen
        page.wait_for_timeout(30)
    raise AssertionError(f"état attendu non atteint en {timeout} s ; dernier : {seen[-1:]}")


def test_map_painted_first_then_whole_page_without_redraw(page, app_url):
    page.goto(f"{app_url}/{RHONE}")
    seen = _poll(page, lambda s: s["painted"])
    at_paint = seen[-1]
    # nothing else than the map and the title can have been drawn before the map was painted
    assert not any(_whole(s) for s in seen), seen[-1]
    seen = _poll(page, lambda s: _whole(s) and s["reported"] == 1)
    page.wait_for_timeout(1_500)  # the page settles
    final = page.evaluate(STATE_JS)
    assert _whole(final)
    assert final["drawn"] == 1, "la carte a été redessinée par la page entière"
    assert final["reported"] == 1
    # the places of the selectors and layer buttons were kept: the map did not move down
    # (1400 px wide: the layer buttons hold on one row)
    assert abs(final["top"] - at_paint["top"]) <= 4, (at_paint["top"], final["top"])
    assert page.locator('[data-testid="stException"]').count() == 0


def test_map_first_only_on_first_run(page, app_url):
    page.goto(f"{app_url}/{RHONE}")
    _poll(page, _whole)
    page.wait_for_timeout(500)
    # another colouring: a run of the same session, the whole page at once, no paint report
    page.get_by_label("Colorer par").click()
    page.get_by_role("option").nth(1).click()
    page.wait_for_function(
        "() => performance.getEntriesByName('diag-map-drawn').length >= 2", timeout=60_000
    )
    page.wait_for_timeout(1_000)
    state = page.evaluate(STATE_JS)
    assert _whole(state)
    assert state["reported"] == 1


def test_page_drawn_whole_when_the_map_cannot_load(browser, app_url):
    """The browser cannot load the code that mounts components (Streamlit's component chunk):
    the map never reports; after MAP_FIRST_FALLBACK_SECONDS the page is drawn whole anyway."""
    context, _ = local_context(browser, app_url)
    context.route("**/BidiComponent*.js", lambda route: route.abort())
    page = context.new_page()
    try:
        t0 = time.monotonic()
        page.goto(f"{app_url}/{RHONE}")
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
        page.get_by_placeholder("Nom ou code").wait_for(timeout=60_000)
        waited = time.monotonic() - t0
        assert not page.evaluate("() => !!window.diagMainLayer")
        assert waited >= MAP_FIRST_FALLBACK_SECONDS - 1, waited  # the fallback brought it
        page.get_by_text("Chiffres clés").first.wait_for()
    finally:
        context.close()
