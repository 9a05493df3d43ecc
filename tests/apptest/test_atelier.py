"""AppTest of the workshop view: one message per screen, navigation, URL that reopens a screen."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from datastore.store import Workspace
from geodata.territory import Level, make_territory
from reports import batch, prediag
from tests.apptest.helpers import APP, assert_no_exception

pytestmark = pytest.mark.apptest

EPCI = "200066587"


def open_atelier(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/atelier.py")
    at.run()
    return at


@pytest.fixture(scope="module")
def slides() -> tuple[prediag.Slide, ...]:
    geo = batch.load_geography()
    inputs = batch.workspace_inputs(Workspace(), geo, date.today())
    subject = prediag.subject_from_territory(geo, make_territory(geo, Level.EPCI, EPCI))
    return prediag.workshop_slides(prediag.build_prediag(subject, inputs))


def _html(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_url_reopens_the_same_slide(slides):
    at = open_atelier(niveau="epci", code=EPCI, diapo="3")
    assert_no_exception(at)
    html = _html(at)
    assert f"3 / {len(slides)}" in html
    assert slides[2].title.replace("'", "&#x27;") in html or slides[2].title in html
    assert (
        '[data-testid="stSidebar"]' in html and "display: none" in html
    )  # technical controls hidden
    assert "atelier-demo" in html  # coverage of the demo set: demo band shown


def test_next_and_previous(slides):
    at = open_atelier(niveau="epci", code=EPCI, diapo="1")
    assert at.button(key="atelier_prev").disabled
    at.button(key="atelier_next").click().run()
    assert_no_exception(at)
    assert at.query_params["diapo"] == "2"
    assert f"2 / {len(slides)}" in _html(at)
    at.button(key="atelier_prev").click().run()
    assert at.query_params["diapo"] == "1"
    assert slides[0].message in _html(at).replace("&#x27;", "'")


def test_out_of_range_slide_is_clamped(slides):
    at = open_atelier(niveau="epci", code=EPCI, diapo="99")
    assert_no_exception(at)
    assert at.query_params["diapo"] == str(len(slides))
    assert at.button(key="atelier_next").disabled


def test_without_territory_explains_how_to_open():
    at = open_atelier()
    assert_no_exception(at)
    assert any("atelier?niveau=epci" in i.value for i in at.info)
