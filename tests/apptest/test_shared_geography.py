"""Objects shared by every session (`st.cache_resource`, not copies) must never be modified in
place by a page: the reference geography (`ui.cache.geography`) and the AO analysis
(`ui.cache.ao_analysis`, read by the AO page, the SDSF page and the AO and CTG overlays of
every map). The pages that read them most are run, then each shared object is checked to be
the one the pages used (built once, handed out again) and equal to a fresh build."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import analyses.ao
from geodata import reference
from tests.apptest.helpers import APP, assert_no_exception, open_page
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


def _open_with_layers(page_file: str, niveau: str, code: str, layers: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"niveau": niveau, "code": code, "couches": layers})
    at.run()
    if page_file:
        at.switch_page(f"app_pages/{page_file}")
        at.run()
    return at


def assert_analysis_equal(shared: analyses.ao.AoAnalysis, fresh: analyses.ao.AoAnalysis) -> None:
    for field in dataclasses.fields(shared):
        got, want = getattr(shared, field.name), getattr(fresh, field.name)
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=field.name)
        else:
            assert got == want, field.name


def test_pages_leave_the_shared_ao_analysis_unchanged(monkeypatch) -> None:
    """The AO page (its table, map, CTG, avenants and follow-up), the SDSF page and a map with
    the AO and CTG overlays read one AO analysis of the Rhône; afterwards it is the object
    they were handed, unchanged."""
    builds: list[tuple[analyses.ao.AoAnalysis, tuple]] = []
    original = analyses.ao.ao_analysis

    def counting_build(*args):
        result = original(*args)
        builds.append((result, args))
        return result

    monkeypatch.setattr(analyses.ao, "ao_analysis", counting_build)
    cache.ao_analysis.clear()
    try:
        for at in (
            open_page("ao-ctg", "departement", "69"),
            open_page("sdsf", "departement", "69"),
            _open_with_layers("", "departement", "69", "ao,ctg"),
            open_page("ao-ctg", "departement", "69"),
        ):
            assert_no_exception(at)
        # one territory, one reference date (today), one revision: built once, shared
        assert len(builds) == 1, [a[1].key for _, a in builds]
        result, args = builds[0]
        geo, territory, inputs, reference_date = args
        assert territory.key == "departement:69" and reference_date == date.today()
        key = (territory.key, reference_date.isoformat(), cache.revision())
        assert cache.ao_analysis(*key) is result
        assert not result.table.empty and not result.layers.empty
        assert_analysis_equal(result, original(geo, territory, inputs, reference_date))
    finally:
        cache.ao_analysis.clear()
