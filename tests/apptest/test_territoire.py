"""The Territoire page: title, key figures with sources, map controls, for several levels."""

from __future__ import annotations

import pytest

from catalogue.sources import credit
from diagnostics.formatting import fmt_number
from diagnostics.territory_profile import key_figures
from geodata import reference
from geodata.territory import Level
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest


def _communes(col: str | None, code: str | None):
    com = reference.communes_table()
    return com if col is None else com[com[col] == code]


@pytest.mark.parametrize(
    ("niveau", "code", "title", "col", "mailles"),
    [
        (None, None, "France", None, ["Départements", "EPCI", "Communes"]),
        ("region", "94", "Corse", "reg", ["Départements", "EPCI", "Communes"]),
        ("departement", "69", "Rhône (69)", "dep", ["EPCI", "Communes"]),
        ("departement", "974", "La Réunion (974)", "dep", ["EPCI", "Communes"]),
        ("epci", "200046977", "Métropole de Lyon", "siren_epci", ["Communes"]),
        ("commune", "2A004", "Ajaccio (2A004)", "code_insee", ["Communes"]),
        ("commune", "13055", "Marseille (13055)", "code_insee", ["Communes"]),
    ],
)
def test_territoire_page(niveau, code, title, col, mailles):
    at = open_page("territoire", niveau, code)
    assert_no_exception(at)
    assert at.title[0].value == title
    kf = key_figures(_communes(col, code))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Population"] == fmt_number(kf.population)
    assert metrics["Communes"] == fmt_number(kf.n_communes)
    assert metrics["EPCI"] == fmt_number(kf.n_epci)
    captions = " ".join(c.value for c in at.caption)
    for source in ("insee_pop_2023", "ign_admin_express_2025", "insee_densite_2024"):
        assert credit(source) in captions
    assert "population municipale 2023" in captions
    maille = at.selectbox[0]
    assert maille.label == "Maille"
    assert [o for o in maille.options] == [m for m in mailles]


@pytest.mark.parametrize(
    ("maille", "themes"),
    [
        (
            Level.COMMUNE,
            [
                "Strate d'autorité organisatrice (AO)",
                "Niveau de densité (grille INSEE)",
                "Population municipale",
            ],
        ),
        (Level.EPCI, ["Population municipale", "Part de la population en commune rurale"]),
    ],
)
def test_every_theme_renders(maille, themes):
    at = open_page("territoire", "departement", "2A")
    at.selectbox[0].set_value(maille).run()
    assert_no_exception(at)
    theme_box = at.selectbox[1]
    assert list(theme_box.options) == themes
    for theme in themes[1:]:
        theme_box.set_value(theme).run()
        assert_no_exception(at)
        theme_box = at.selectbox[1]


@pytest.mark.parametrize(
    ("niveau", "code"),
    [("commune", "69123"), ("epci", "200046977"), ("departement", "69"), (None, None)],
)
def test_family_key_figures_with_sources(niveau, code):
    at = open_page("territoire", niveau, code)
    assert_no_exception(at)
    metrics = {m.label.split(" (")[0]: m.value for m in at.metric}
    captions = " ".join(c.value for c in at.caption)
    assert "Familles et petite enfance" in " ".join(m.value for m in at.markdown)
    for label in (
        "Enfants de moins de 3 ans",
        "Naissances domiciliées",
        "Taux de couverture global",
    ):
        shown = label in metrics
        absent = f"{label.split(' ')[0]}" in captions and "Non disponible" in captions
        assert shown or absent, label
        if shown:
            assert f"{label} : Source" in captions, label  # every figure names its source
    if niveau == "commune":
        text = " ".join(m.value for m in at.markdown)
        assert "Communes par strate" not in text  # no table of zeros for one commune
        assert "Strate d'autorité organisatrice** : plus de 10 000 habitants" in text
