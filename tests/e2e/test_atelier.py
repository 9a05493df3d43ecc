"""The workshop view on a projector (issue 19): at 1024×768 and 1920×1080 no slide scrolls
(every element of the page ends inside the window), the keyboard moves between slides
(arrows, Page Up / Page Down, space), the way back to the app is visible, and the slides
with synthetic figures carry the demo label. Screenshots in the artifacts folder."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_fits_window, wait_for_app, window_page

pytestmark = pytest.mark.e2e

EPCI = "200066587"


def _settle(page) -> None:
    wait_for_app(page)
    # elements of the previous slide stay (faded, « stale ») until the run ends
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')", timeout=120_000
    )
    page.locator(".atelier-titre").first.wait_for(timeout=120_000)
    if page.locator('[data-testid="stPlotlyChart"]').count():
        page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    if page.locator("div.diag-map-holder").count():  # a map slide: the live map drawn
        page.wait_for_function(
            "() => { const h = document.querySelector('div.diag-map-holder');"
            " return h && h.diagMap && h.diagMap.getSize().y > 0; }",
            timeout=60_000,
        )
    page.wait_for_timeout(1200)


def _number(page) -> tuple[int, int]:
    n, total = page.locator(".atelier-pied").inner_text().split("/")
    return int(n), int(total)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_every_slide_fits_and_the_keyboard_moves(browser, app_url, artifacts_dir, width, height):
    with window_page(browser, width, height) as page:
        page.goto(f"{app_url}/atelier?niveau=epci&code={EPCI}&diapo=1")
        _settle(page)
        assert page.get_by_text("Quitter la présentation").is_visible()
        n, total = _number(page)
        assert n == 1 and total >= 4
        keys = ["ArrowRight", "PageDown", "Space", "ArrowDown"]
        labelled = 0
        for i in range(1, total + 1):
            _settle(page)
            assert_fits_window(page, artifacts_dir / f"atelier_{width}x{height}_{i}.png", i)
            assert _number(page)[0] == i
            band = page.locator(".atelier-demo").count()
            if page.locator(".atelier-chiffre.demo").count():
                assert band, i  # a synthetic figure: the slide says so
            labelled += bool(band)
            if i < total:
                page.keyboard.press(keys[(i - 1) % len(keys)])
                page.wait_for_function(
                    f"() => window.location.search.includes('diapo={i + 1}')", timeout=60_000
                )
                page.locator(".atelier-pied").filter(has_text=f"{i + 1} /").wait_for()
        for back, key in ((total - 1, "ArrowLeft"), (total - 2, "PageUp")):
            page.keyboard.press(key)
            page.wait_for_function(
                f"() => window.location.search.includes('diapo={back}')", timeout=60_000
            )
            _settle(page)
            assert _number(page)[0] == back
        assert labelled  # the EPCI rates of the default data are a demo set


def test_way_back_to_the_app(page, app_url):
    page.goto(f"{app_url}/atelier?niveau=epci&code={EPCI}&diapo=2")
    _settle(page)
    page.get_by_text("Quitter la présentation").click()
    page.wait_for_function("() => window.location.pathname.endsWith('/prediagnostic')")
    wait_for_app(page)
    page.locator('[data-testid="stSidebar"]').first.wait_for(state="attached", timeout=60_000)
    assert "code=" + EPCI in page.url
