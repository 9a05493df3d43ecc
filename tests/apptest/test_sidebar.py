"""The shared sidebar: search a territory, pick it, go up to a parent; the URL follows."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import APP, assert_no_exception

pytestmark = pytest.mark.apptest


def _sidebar_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert_no_exception(at)
    return at


@pytest.mark.parametrize(
    ("query", "expected_label", "expected_key", "expected_params"),
    [
        (
            "saint etienne",
            "Saint-Étienne (42218)",
            "commune:42218",
            {"niveau": "commune", "code": "42218"},
        ),
        ("2A004", "Ajaccio (2A004)", "commune:2A004", {"niveau": "commune", "code": "2A004"}),
        (
            "200046977",
            "Métropole de Lyon",
            "epci:200046977",
            {"niveau": "epci", "code": "200046977"},
        ),
    ],
)
def test_search_then_pick(
    query: str, expected_label: str, expected_key: str, expected_params: dict
) -> None:
    at = _sidebar_app()
    at.sidebar.text_input(key="territory_query").input(query).run()
    hits = at.sidebar.radio(key="territory_hits")
    assert hits.options[0].startswith(expected_label)
    hits.set_value(expected_key).run()
    assert_no_exception(at)
    assert at.session_state["territory_key"] == expected_key
    for k, v in expected_params.items():
        assert at.query_params[k] == [v] or at.query_params[k] == v
    # the search box is emptied once a territory is picked
    assert at.sidebar.text_input(key="territory_query").value == ""


def test_unknown_search_says_so() -> None:
    at = _sidebar_app()
    at.sidebar.text_input(key="territory_query").input("zzzz introuvable").run()
    assert any("Aucun territoire" in c.value for c in at.sidebar.caption)


def test_go_up_to_parent() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["niveau"] = "commune"
    at.query_params["code"] = "69123"
    at.run()
    assert at.session_state["territory_key"] == "commune:69123"
    at.sidebar.button(key="up_departement:69").click().run()
    assert_no_exception(at)
    assert at.session_state["territory_key"] == "departement:69"


def test_bad_url_falls_back_to_france() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["niveau"] = "departement"
    at.query_params["code"] = "<script>"
    at.run()
    assert_no_exception(at)
    assert at.session_state["territory_key"] == "france"
