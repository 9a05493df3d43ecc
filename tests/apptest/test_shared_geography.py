"""The reference geography is shared by every session (`ui.cache.geography` is a
`st.cache_resource`, not a copy): pages must never modify it in place. The pages that read it
most are run, then the shared object is compared with a fresh load of the same files."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from geodata import reference
from tests.apptest.helpers import assert_no_exception, open_page
from ui import cache

pytestmark = pytest.mark.apptest

PAGES = [
    ("territoire", "commune", "2A004"),
    ("territoire", "departement", "69"),
    ("couverture", "departement", "69"),
    ("zones", "departement", "69"),
    ("prediagnostic", "departement", "69"),
    ("ao-ctg", "departement", "69"),
]


def test_pages_leave_the_shared_geography_unchanged(monkeypatch) -> None:
    loads: list[object] = []
    original = reference.load_geography

    def counting_load():
        geo = original()
        loads.append(geo)
        return geo

    monkeypatch.setattr(cache.reference, "load_geography", counting_load)
    cache.geography.clear()
    try:
        for url_path, niveau, code in PAGES:
            assert_no_exception(open_page(url_path, niveau, code))
        shared = cache.geography()
        # the pages used this very object: loaded once, and handed out again, not copied
        assert len(loads) == 1 and shared is loads[0] and cache.geography() is shared
        fresh = original()
        for field in dataclasses.fields(shared):
            pd.testing.assert_frame_equal(
                getattr(shared, field.name), getattr(fresh, field.name), obj=field.name
            )
    finally:
        cache.geography.clear()
