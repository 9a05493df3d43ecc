"""AppTest: the layer control of the maps reads and writes its URL parameters."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import APP, assert_no_exception


def _open(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/couverture.py")
    at.run()
    return at


def _pills(at: AppTest):
    return next(w for w in at.button_group if w.label == "Couches superposées")


def test_link_opens_the_named_layers_and_a_toggle_updates_the_link():
    at = _open({"niveau": "departement", "code": "42", "couches": "zones,inconnue,ao"})
    assert_no_exception(at)
    pills = _pills(at)
    assert list(pills.value) == ["ao", "zones"]  # unknown keys dropped, control order
    assert at.query_params["couches"] == "ao,zones"
    pills.set_value(["ao", "qpv"]).run()
    assert_no_exception(at)
    assert at.query_params["couches"] == "ao,qpv"
    _pills(at).set_value([]).run()
    assert "couches" not in at.query_params


def test_no_layers_by_default():
    at = _open({"niveau": "departement", "code": "42"})
    assert_no_exception(at)
    assert list(_pills(at).value) == []
    assert "couches" not in at.query_params
