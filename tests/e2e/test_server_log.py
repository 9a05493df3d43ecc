"""End-to-end: no page calls a deprecated Streamlit API.

Streamlit logs a warning (« Please replace `st.components.v1.html` with `st.iframe` … will be
removed after … ») each time a deprecated function or argument is used; the next upgrade can
remove it. This test opens every page with a territory that draws its maps and charts, then
reads the server's log. The session fixture (conftest.app_server) checks the log again once
all the e2e tests have run.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import deprecation_lines, wait_for_app

pytestmark = pytest.mark.e2e

PAGES = (
    "?niveau=departement&code=69",  # the Territoire page, the default one, is served at « / »
    "couverture?niveau=commune&code=31555",
    "ao-ctg?niveau=epci&code=200066587",
    "zones?niveau=epci&code=200066587",
    "prediagnostic?niveau=epci&code=200066587",
    "atelier?niveau=epci&code=200066587&diapo=3",
    "filoue?niveau=commune&code=69123",
    "donnees",
)


_DONE_JS = """
() => document.querySelector('[data-testid="stApp"]')
        ?.getAttribute('data-test-script-state') === 'notRunning'
"""


def wait_script_done(page, settle_ms: int = 600) -> None:
    """Until the page's script run has finished (Streamlit's `data-test-script-state`), and
    is still finished `settle_ms` later (a run triggered by the first one, e.g. a fragment)."""
    for _ in range(3):
        page.wait_for_function(_DONE_JS, timeout=180_000)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_DONE_JS):
            return


@pytest.mark.parametrize("path", PAGES)
def test_page_logs_no_deprecation(page, app_server, path):
    page.goto(f"{app_server.url}/{path}")
    wait_for_app(page)
    wait_script_done(page)
    assert not page.locator('[data-testid="stException"]').count(), page.inner_text("body")
    # a wrong path would run the default page instead, after Streamlit's dialog
    assert not page.get_by_text("Page not found").count(), path
    found = deprecation_lines(app_server)
    assert not found, f"{path} : API Streamlit dépréciée :\n" + "\n".join(found)
