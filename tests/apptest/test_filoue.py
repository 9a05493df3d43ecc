"""AppTest of the « Profils Filoué » page on the default (synthetic) extract, Villeurbanne (69266)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geodata.territory import normalize_text
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest

COMMUNE = "69266"  # Villeurbanne: many EAJE in the default demo extract
TABS = ["Données de cadrage", "Âges des enfants", "Situation familiale", "Revenus des familles"]


def _number(text: str) -> float:
    return float(re.sub(r"[\s\u202f\xa0%]", "", text).replace(",", "."))


def _comparison_tables(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if "Modalité" in d.value.columns]


def _assert_counts_respect_threshold(at, threshold: int) -> int:
    """Every count shown in a comparison table is « s », 0 or at least the threshold."""
    hidden = 0
    tables = _comparison_tables(at)
    assert len(tables) == 3
    for df in tables:
        body = df.loc[df["Modalité"] != "Ensemble"]
        for col in [c for c in df.columns if c.endswith(": effectif")]:
            for cell in body[col]:
                if cell == "s":
                    hidden += 1
                    continue
                value = _number(cell)
                assert value == 0 or value >= threshold, (col, cell)
        for col in [c for c in df.columns if c.endswith(": part (%)")]:
            eff = col.replace(": part (%)", ": effectif")
            assert ((body[col] == "s") == (body[eff] == "s")).all(), col
    return hidden


@pytest.fixture(scope="module")
def at():
    page = open_page("filoue", "commune", COMMUNE)
    assert_no_exception(page)
    return page


def test_four_tabs_demo_band_and_selection(at):
    assert [t.label for t in at.tabs] == TABS
    assert any("Données de démonstration" in w.value for w in at.warning)
    assert at.selectbox(key="filoue_eaje").value.startswith(f"EAJE-{COMMUNE}")
    assert "Villeurbanne" in at.subheader[0].value


@pytest.mark.parametrize("index", range(4))
def test_each_tab_has_table_chart_sources_and_downloads(at, index):
    tab = at.tabs[index]
    kinds: dict[str, int] = {}

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            kinds[str(getattr(child, "type", ""))] = (
                kinds.get(str(getattr(child, "type", "")), 0) + 1
            )
            walk(child)

    walk(tab)
    assert kinds.get("dataframe", 0) >= 1
    assert kinds.get("download_button", 0) >= 2
    captions = " ".join(c.value for c in tab.caption)
    assert "Source" in captions and "2023" in captions and "secret statistique" in captions
    if index == 0:
        # map of the communes of residence (in-page component) and its layer control
        assert kinds.get("bidi_component", 0) == 1 and kinds.get("button_group", 0) == 1
    else:
        assert kinds.get("plotly_chart", 0) == 1


def test_cadrage_table(at):
    df = at.tabs[0].dataframe[0].value
    assert list(df["Indicateur"][:2]) == ["Places", "Enfants accueillis"]
    assert "Heures réalisées / heures facturées" in set(df["Indicateur"])
    assert df.shape[1] == 4  # indicator, unit, this EAJE, the commune


def test_secrecy_in_every_comparison_table(at):
    hidden = _assert_counts_respect_threshold(at, 5)
    assert hidden > 0  # the demo commune does have small counts


def test_higher_threshold_hides_more():
    page = open_page("filoue", "commune", COMMUNE)
    hidden5 = _assert_counts_respect_threshold(page, 5)
    page.number_input(key="filoue_seuil").set_value(12).run()
    assert_no_exception(page)
    hidden12 = _assert_counts_respect_threshold(page, 12)
    assert hidden12 >= hidden5


def test_search_by_name():
    page = open_page("filoue", "commune", COMMUNE)
    first_label = page.selectbox(key="filoue_eaje").format_func(
        page.selectbox(key="filoue_eaje").value
    )
    name = first_label.split(" — ")[0]
    page.text_input(key="filoue_q").set_value(name).run()
    assert_no_exception(page)
    sb = page.selectbox(key="filoue_eaje")
    words = normalize_text(name).split()
    assert sb.options and all(all(w in normalize_text(o) for w in words) for o in sb.options)
    page.text_input(key="filoue_q").set_value(f"{name} {COMMUNE}").run()
    assert all(COMMUNE in o for o in page.selectbox(key="filoue_eaje").options)


def test_commune_view_ranks_its_eaje():
    page = open_page("filoue", "commune", COMMUNE)
    page.radio(key="filoue_mode").set_value("Une commune").run()
    assert_no_exception(page)
    assert page.selectbox(key="filoue_commune").value == COMMUNE
    ranking = [d.value for d in page.dataframe if "Rang" in d.value.columns]
    assert len(ranking) == 1 and len(ranking[0]) > 5
    shown = ranking[0].loc[ranking[0]["Part (%)"] != "s", "Part (%)"].map(_number)
    assert shown.is_monotonic_decreasing
    overview = [
        d.value for d in page.dataframe if "Part résidant dans la commune" in d.value.columns
    ]
    assert len(overview) == 1
    for df in _comparison_tables(page):
        assert not any(c.startswith("Cet EAJE") for c in df.columns)
    page.selectbox(key="filoue_rank_ind").set_value("mono").run()
    assert_no_exception(page)


def test_structure_outside_the_territory_is_shown_with_its_reason() -> None:
    """Aurillac (15014) has no EAJE in the demo extract: the EAJE shown instead is elsewhere,
    and the page says where and why (never silently)."""
    at = open_page("filoue", "commune", "15014")
    assert_no_exception(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "hors du territoire sélectionné (Aurillac (15014))" in warnings
    assert "aucun EAJE de l'extrait Filoué" in warnings
    # inside the territory: no such notice
    inside = open_page("filoue", "commune", COMMUNE)
    assert not any("hors du territoire" in w.value for w in inside.warning)


def test_secrecy_note_gives_the_threshold_in_force() -> None:
    at = open_page("filoue", "commune", COMMUNE)
    at.number_input(key="filoue_seuil").set_value(11).run()
    assert_no_exception(at)
    captions = " ".join(c.value for c in at.caption)
    if "Autres communes" in captions:
        assert "seuil de 11 enfants" in captions
    assert "inférieur à 11" in captions and "inférieur à 5 " not in captions
