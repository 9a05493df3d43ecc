"""Links naming an arrondissement, an unknown or a malformed territory (issue 14): a French
notice and the choice, never a silent switch to France, never a traceback."""

from __future__ import annotations

import pytest

from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest


def test_arrondissement_coverage_page_shows_its_published_rate() -> None:
    at = open_page("couverture", "commune", "69383")
    assert_no_exception(at)
    assert at.title[0].value == "Taux de couverture — Lyon 3e Arrondissement (69383)"
    assert "77,6" in [m.value for m in at.metric]  # Cnaf 2022, as published


def test_arrondissement_on_a_commune_page_offers_its_city() -> None:
    at = open_page("territoire", "commune", "75119")
    assert_no_exception(at)
    assert any(
        "Paris 19e Arrondissement (75119) est un arrondissement" in w.value for w in at.warning
    )
    at.button(key="arrondissement_city").click().run()
    assert_no_exception(at)
    assert not any("arrondissement municipal" in w.value for w in at.warning)
    assert at.query_params["code"] in ("75056", ["75056"])


@pytest.mark.parametrize(
    ("niveau", "code", "fragment"),
    [
        (
            "commune",
            "99999",
            "Le lien demande la commune « 99999 » : ce code ne correspond à aucune",
        ),
        ("commune", "<b>x</b>", "Le lien demande la commune « <b>x</b> »"),
        ("epci", "123", "Le lien demande l'EPCI « 123 »"),
        ("canton", "42", "Le lien demande le niveau « canton », qui n'existe pas"),
    ],
)
def test_unknown_or_malformed_code_gives_a_notice(niveau: str, code: str, fragment: str) -> None:
    at = open_page("territoire", niveau, code)
    assert_no_exception(at)
    assert any(fragment in w.value for w in at.warning), [w.value for w in at.warning]


def test_workshop_link_with_unknown_communes() -> None:
    at = open_page("atelier")
    at.query_params["communes"] = "99999,00000"
    at.run()
    assert_no_exception(at)
    assert any("Le lien demande les communes « 99999,00000 »" in w.value for w in at.warning)
