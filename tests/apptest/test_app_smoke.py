"""Smoke test: the app and every page run without exception, for France and a département.

The page list is the one app.py's navigation is built from (ui/pages.py), so a page added
later is covered as soon as it is declared there.
"""

from __future__ import annotations

import pytest

from tests.apptest.helpers import assert_no_exception, open_page
from ui import pages

pytestmark = pytest.mark.apptest

URL_PATHS = [p.url_path for p in pages.PAGES]
TERRITORIES = [(None, None), ("departement", "69"), ("commune", "2A004")]


def test_every_page_file_is_declared():
    """Each script of app_pages/ is a declared page, and app.py navigates the declared list."""
    from tests.conftest import ROOT

    files = sorted(p.name for p in (ROOT / "app_pages").glob("*.py"))
    assert files == sorted(p.file for p in pages.PAGES)
    assert "st.navigation(pages.navigation(" in (ROOT / "app.py").read_text(encoding="utf-8")
    assert len({p.url_path for p in pages.PAGES}) == len(pages.PAGES)


@pytest.mark.parametrize(("niveau", "code"), TERRITORIES, ids=["france", "dep-69", "commune-2A004"])
@pytest.mark.parametrize("url_path", URL_PATHS)
def test_page_runs(url_path, niveau, code):
    if niveau == "commune" and url_path != "territoire":
        pytest.skip(
            "commune : couverte sur la page Territoire (les autres pages gardent France et 69)"
        )
    at = open_page(url_path, niveau, code)
    assert_no_exception(at)
    assert len(at.main.children) > 0
