"""End-to-end fixtures: a real `streamlit run` server and Debian's headless Chromium.

Playwright cannot download browsers here; we drive the system Chromium through
`executable_path`. Every request to a host other than the local server is aborted and
recorded (`page.blocked_requests`), so the tests prove the app works with no internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.server import Server, chromium, local_context

pytestmark = pytest.mark.e2e


@contextmanager
def started_server(browser, prefix: str, seed=None) -> Iterator[Server]:
    """A streamlit server running app.py on a fresh workspace (`seed(workspace_dir)` fills it
    first), warmed up: a first session opens "/" and waits for the territory picker, which
    fills the workspace with the default data before the tests start (so no test pays for
    it). The server's log tail is printed if it fails to start."""
    server = Server(prefix=prefix)
    if seed is not None:
        seed(server.ws)
    server.start()
    try:
        server.wait_healthy()
        warm = browser.new_page()
        warm.goto(server.url + "/", timeout=120_000)
        # The territory search box is drawn by app.py (ui.state): waiting for it proves
        # st.navigation ran and the default data are in the workspace.
        warm.wait_for_selector('input[aria-label="Rechercher un territoire"]', timeout=180_000)
        wait_for_app(warm)
        warm.close()
    except Exception:
        print(server_log_tail(server))
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_server(browser) -> Iterator[Server]:
    """The server shared by the e2e tests that do not change its data (a test that replaces
    or removes data, e.g. test_donnees.py, overrides `app_url` with a server of its own: the
    tests that follow it must see the default workspace whatever their order)."""
    with started_server(browser, "diag-e2e") as server:
        yield server
        # Every e2e run doubles as a check that no deprecated Streamlit API is called
        # (Streamlit logs a warning, once per call, when one is: see test_server_log.py).
        found = deprecation_lines(server)
        assert not found, "API Streamlit dépréciée dans le journal du serveur :\n" + "\n".join(
            found
        )


@pytest.fixture(scope="session")
def app_url(app_server: Server) -> str:
    return app_server.url


def server_log_tail(server: Server, lines: int = 60) -> str:
    """Last lines of the server's log, to explain a failure in the test report."""
    server.log.flush()
    text = Path(server.log.name).read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


#: What Streamlit writes to its log when a deprecated API is called
#: (streamlit.deprecation_util.make_deprecated_name_warning and its other messages).
DEPRECATION_MARKERS = ("deprecat", "will be removed", "please replace")


def deprecation_lines(server: Server) -> list[str]:
    """Lines of the server's log that report a deprecated Streamlit API (with the next line,
    which names the replacement)."""
    if not server.log.closed:
        server.log.flush()
    lines = Path(server.log.name).read_text(encoding="utf-8", errors="replace").splitlines()
    return [
        "\n".join(lines[i : i + 2])
        for i, line in enumerate(lines)
        if any(m in line.lower() for m in DEPRECATION_MARKERS)
    ]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, app_url) -> Iterator[object]:
    """A page in a fresh context; any request outside the local server is blocked and recorded."""
    context, blocked = local_context(browser, app_url, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.blocked_requests = blocked  # type: ignore[attr-defined]
    yield pg
    context.close()


#: Bottom of the lowest element of the page, the scroll height and the window's height; the
#: inside of a live map is left out (Leaflet's panes hold far-off elements, clipped by the map).
BOTTOM_JS = """() => {
  const all = [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter(e => e.getClientRects().length)
    .filter(e => !e.parentElement.closest('.leaflet-container'));
  return [Math.max(...all.map(e => e.getBoundingClientRect().bottom)),
          document.documentElement.scrollHeight, window.innerHeight];
}"""


@contextmanager
def window_page(browser, width: int, height: int) -> Iterator[object]:
    """A page in a fresh French context of a given window size (a projector, a screen)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        yield page
    finally:
        context.close()


def assert_fits_window(page, shot: Path, what: object = "") -> None:
    """Screenshot the page into `shot`, then check nothing ends below the window and the page
    does not scroll (the workshop view on a projector)."""
    bottom, scroll, inner = page.evaluate(BOTTOM_JS)
    page.screenshot(path=str(shot))
    assert bottom <= inner + 1 and scroll <= inner, (what, bottom, scroll, inner)


def wait_for_app(page) -> None:
    """Wait until Streamlit has finished running the script (no 'running' status)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=90_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=90_000,
    )


def wait_for_overlays(
    page, state_js: str, want_keys: str, *args, timeout_ms: int = 120_000
) -> dict:
    """Poll a map's state (`state_js` evaluated with `args`: {main, keys, counts, …}) until its
    main layer is drawn and exactly the overlays `want_keys` (« ao,zones ») are drawn on it."""
    waited, state = 0, None
    while waited < timeout_ms:
        state = page.evaluate(state_js, *args)
        if (
            state
            and state["main"] > 0
            and state["keys"] == want_keys
            and all(state["counts"].get(k, 0) > 0 for k in filter(None, want_keys.split(",")))
        ):
            return state
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"couches « {want_keys} » non dessinées : {state}")
