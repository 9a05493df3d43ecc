"""One target rate per session, shared by the coverage and zones pages (issue 19)."""

from __future__ import annotations

from datastore.store import Workspace
from diagnostics import coverage as cv
from diagnostics.formatting import fmt_rate
from tests.apptest.helpers import assert_no_exception, open_page


def _latest_national() -> float:
    from datastore.national import NATIONAL_KIND, with_national

    ws = Workspace()
    taux = with_national(ws.read("caf_taux"), ws.read(NATIONAL_KIND)).frame
    years = sorted({int(y) for y in taux.loc[taux["niveau"] == "france", "annee"]}, reverse=True)
    return next(r for y in years if (r := cv.national_rate(taux, y)[0]) == r)


def test_default_target_is_the_same_on_both_pages_and_follows_the_user():
    at = open_page("couverture", "departement", "69")
    assert_no_exception(at)
    national = round(_latest_national(), 1)  # the workspace is filled by the first run
    assert at.number_input(key="couv_cible").value == national  # 58,8, never 59 here
    assert any(f"Cible : {fmt_rate(national)} places" in c.value for c in at.caption)
    at.switch_page("app_pages/zones.py").run()
    assert_no_exception(at)
    assert at.number_input(key="zones_target").value == national
    at.number_input(key="zones_target").set_value(70.5).run()
    assert any("Cible : 70,5 places" in c.value for c in at.caption)
    at.switch_page("app_pages/couverture.py").run()
    assert_no_exception(at)
    assert at.number_input(key="couv_cible").value == 70.5
