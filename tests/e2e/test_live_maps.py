"""End-to-end (issue 15): the pre-diagnostic page and the workshop view draw live maps with the
shared overlays, in headless Chromium. On the pre-diagnostic, the one « Couches superposées »
control adds an overlay to the maps in place (the base layer is not redrawn), keeps it in the
URL and in the links of the download row (redrawn by the same fragment); the workshop's map
slides fit 1024×768 and 1920×1080 with the session's overlays, and the arrows move the slides,
not the map, when the map has the focus. Screenshots in the artifacts folder."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import assert_fits_window, wait_for_app, wait_for_overlays, window_page

pytestmark = pytest.mark.e2e

EPCI = "200066587"  # Communauté de communes des Monts du Lyonnais (32 communes)

#: State of the live map in the n-th map holder: its Leaflet id (a redraw makes a new map),
#: features of its main layer, and features of each overlay drawn on it (by key).
HOLDER_JS = """(i) => {
  const h = document.querySelectorAll('div.diag-map-holder')[i];
  if (!h || !h.diagMap) return null;
  const m = h.diagMap, counts = {};
  let main = 0;
  m.eachLayer(l => {
    if (l.diagKey && l.getLayers) counts[l.diagKey] = l.getLayers().length;
    if (l === window.diagMainLayer || (l.getLayers && !l.diagKey && l.options && l.options.style
        && l.getLayers().length && l.getLayers()[0].feature
        && l.getLayers()[0].feature.properties.code)) main = Math.max(main, l.getLayers().length);
  });
  const r = h.getBoundingClientRect();
  return {id: m._leaflet_id, main: main, keys: h.dataset.overlays || '', counts: counts,
          width: r.width, height: r.height, size: m.getSize().x,
          legend: [...h.querySelectorAll('.diag-legend')].map(e => e.innerText).join('\\n')};
}"""


#: Number of map components per tab panel (« 101000000 »), to explain a missing map.
MAPS_PER_TAB_JS = """() => [...document.querySelectorAll('[data-testid=stTabPanel]')]
  .map(p => p.querySelectorAll('[class*=st-key-prediag_map]').length).join('')"""


def holder_state(page, index: int, want_keys: str, timeout_ms: int = 120_000) -> dict:
    """The n-th map's state once the overlays `want_keys` (« ao,ctg ») are all drawn on it."""
    try:
        return wait_for_overlays(page, HOLDER_JS, want_keys, index, timeout_ms=timeout_ms)
    except AssertionError as err:
        raise AssertionError(f"carte {index} : {err}") from None


def test_prediagnostic_live_map_with_an_overlay(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/prediagnostic?niveau=epci&code={EPCI}")
    wait_for_app(page)
    page.get_by_role("button", name="Télécharger le PDF").wait_for(timeout=180_000)
    wait_for_app(page)
    before = holder_state(page, 0, "")
    assert before["main"] == 32 and before["size"] > 300  # the EPCI's communes, sized
    assert "Niveau de densité" in before["legend"]
    assert not page.locator('[data-testid="stImage"]').count()  # no static image left
    page.get_by_role("button", name="Compétence AO", exact=True).click()
    wait_for_app(page)
    state = holder_state(page, 0, "ao")
    assert state["id"] == before["id"] and state["main"] == before["main"]  # not redrawn
    assert "Titulaire de la planification" in state["legend"]
    assert parse_qs(urlparse(page.url).query)["couches"] == ["ao"]
    # the download row was redrawn by the same fragment: its workshop link names the layer
    link = page.locator('a[href*="atelier?"][href*="couches=ao"]')
    link.wait_for(timeout=120_000)
    assert link.inner_text() == "Ouvrir la vue atelier (élus)"
    credits = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    assert any("Compétence AO : Source" in t for t in credits)
    holder = page.locator("div.diag-map-holder").first
    holder.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    holder.screenshot(path=str(artifacts_dir / "prediag_live_map_ao.png"))
    # the maps of another tab (drawn while hidden) are sized and framed once shown
    page.get_by_role("tab", name="Petite enfance").click()
    # the tab's map is mounted once the tab is shown (timing varies with the machine's load)
    try:
        page.wait_for_function(
            "document.querySelectorAll('div.diag-map-holder').length >= 2", timeout=120_000
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            "la carte de l'onglet « Petite enfance » n'est pas montée ; cartes par onglet : "
            + page.evaluate(MAPS_PER_TAB_JS)
            + " (les données EAJE de l'espace de travail ont-elles été retirées ?)"
        ) from None
    shown = holder_state(page, 1, "ao")
    assert shown["size"] > 300 and shown["height"] > 300
    page.locator("div.diag-map-holder").nth(1).scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    page.locator("div.diag-map-holder").nth(1).screenshot(
        path=str(artifacts_dir / "prediag_live_map_tab2.png")
    )
    # a copied link reopens the page with the layer on the map
    fresh = page.context.new_page()
    try:
        fresh.goto(page.url)
        wait_for_app(fresh)
        again = holder_state(fresh, 0, "ao", timeout_ms=180_000)
        assert again["counts"]["ao"] == state["counts"]["ao"]
    finally:
        fresh.close()


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_workshop_map_slide_fits_and_the_arrows_move_the_slides(
    browser, app_url, artifacts_dir, width, height
):
    with window_page(browser, width, height) as page:
        page.goto(f"{app_url}/atelier?niveau=epci&code={EPCI}&diapo=2&couches=ao")
        wait_for_app(page)
        page.locator(".atelier-titre").filter(has_text="Le territoire").wait_for(timeout=180_000)
        state = holder_state(page, 0, "ao", timeout_ms=180_000)
        assert state["main"] == 32
        assert state["height"] >= 0.4 * height and state["width"] >= 0.8 * width, state
        page.wait_for_timeout(800)
        assert_fits_window(page, artifacts_dir / f"atelier_carte_{width}x{height}.png")
        # projector type: the legends are sized in window heights (2,1 vh), not 12 px
        size = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector("
            "'div.diag-map-holder .diag-legend')).fontSize)"
        )
        assert size >= 0.02 * height, size
        assert "Compétence AO" in page.locator(".atelier-source").inner_text()
        # the map has the focus: the arrows move the slides and do not pan the map
        page.locator("div.diag-map-holder .leaflet-container").click(position={"x": 30, "y": 120})
        page.evaluate(
            "() => { window.__diagPanned = false; document.querySelector('div.diag-map-holder')"
            ".diagMap.on('movestart', () => { window.__diagPanned = true; }); }"
        )
        assert page.evaluate("() => document.activeElement.classList.contains('leaflet-container')")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.location.search.includes('diapo=3')", timeout=60_000)
        page.locator(".atelier-pied").filter(has_text="3 /").wait_for()
        assert page.evaluate("() => window.__diagPanned") is False
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => window.location.search.includes('diapo=2')", timeout=60_000)
        assert holder_state(page, 0, "ao")["main"] == 32  # the map slide again, with its layer
