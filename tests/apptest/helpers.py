"""Helpers for streamlit.testing AppTest over the multipage app.

Pages are opened with the territory given through the URL query parameters, exactly what a
copied link does; tests/apptest/test_sidebar.py drives the sidebar picker itself.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import pages

APP = str(ROOT / "app.py")


def open_page(
    url_path: str, niveau: str | None = None, code: str | None = None, timeout: float = 120
) -> AppTest:
    """Run the app on one page (by its url_path, e.g. 'couverture') for a territory."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if niveau:
        at.query_params["niveau"] = niveau
    if code:
        at.query_params["code"] = code
    at.run()
    if url_path and url_path != "territoire":
        at.switch_page(f"app_pages/{_page_file(url_path)}")
        at.run()
    return at


def _page_file(url_path: str) -> str:
    return pages.page(url_path).file


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
