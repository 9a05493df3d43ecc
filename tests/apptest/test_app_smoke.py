"""Smoke test: the app and every page run without exception, for France and a département.

The page list is read from app.py's navigation (tests/apptest/helpers.py maps url paths to
files), so a page added later is covered as soon as it is registered there.
"""

from __future__ import annotations

import pytest

from tests.apptest.helpers import _page_file, assert_no_exception, open_page

pytestmark = pytest.mark.apptest

URL_PATHS = [
    "territoire",
    "couverture",
    "ao-ctg",
    "zones",
    "prediagnostic",
    "atelier",
    "filoue",
    "donnees",
]
TERRITORIES = [(None, None), ("departement", "69"), ("commune", "2A004")]


def test_every_page_is_listed():
    """Each page file of app.py's navigation is in the smoke list."""
    from tests.conftest import ROOT

    app = (ROOT / "app.py").read_text(encoding="utf-8")
    for path in URL_PATHS:
        assert f'"app_pages/{_page_file(path)}"' in app
    assert app.count("st.Page(") == len(URL_PATHS)


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
