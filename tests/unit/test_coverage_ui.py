"""Display helpers of ui/couverture.py that do not need a running app (hand-made frames)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analyses import coverage as analysis
from catalogue.sources import Nature
from datastore.store import DatasetMeta
from diagnostics import coverage as cv
from diagnostics.coverage import Status
from geodata.territory import FRANCE, Level, Territory
from ui import couverture as ui


def fig(nom, niveau, statut, glob, nature="réel", pl=100.0, enfants=200.0, methode=""):
    row = cv._empty_figure(niveau, nom[:3], nom, 2022, statut, methode)
    row.update(
        tx_global=glob,
        tx_eaje_psu=10.0,
        tx_eaje_hors_psu=1.0,
        tx_assmat=20.0,
        tx_salarie_domicile=2.0,
        tx_prescolarisation=3.0,
        pl_total=pl,
        enfants_moins_3=enfants,
        nature=nature,
    )
    return row


def meta(id_, niveau, nature, millesime, source_id=""):
    return DatasetMeta(
        id=id_,
        kind="caf_taux",
        millesime=millesime,
        producer="Cnaf",
        source_file="f.csv",
        rows=1,
        imported_at="",
        nature=Nature(nature),
        source_id=source_id,
        scope=niveau,
    )


@pytest.fixture
def figures():
    return cv.figures_frame(
        [
            fig("Toulouse", "commune", Status.PUBLIE, 57.4),
            fig(
                "Lyon",
                "commune",
                Status.CALCULE,
                71.689,
                methode="Calculé à partir des arrondissements",
            ),
            fig(
                "Petite",
                "commune",
                Status.ESTIME,
                45.5,
                pl=math.nan,
                enfants=math.nan,
                methode="Estimation : taux publié de CC",
            ),
            fig("CC", "epci", Status.ABSENT, math.nan, pl=math.nan, enfants=math.nan),
            fig("France", "france", Status.PUBLIE, 58.8, nature="synthétique"),
        ]
    )


def test_figures_table_french_format_and_status(figures):
    t = ui.figures_table(figures, 58.8)
    assert t["Taux global"].tolist() == ["57,4", "71,7", "45,5", "—", "58,8"]
    assert t["Statut"].tolist() == [
        "publié",
        "calculé (arrondissements)",
        "estimation",
        "non publié",
        "données de démonstration",  # a synthetic rate is never « publié »
    ]
    assert t["Rapport au national"].iloc[0] == "0,98"
    assert t["Échelle"].tolist()[-2:] == ["EPCI", "France"]


def test_export_table_keeps_numbers_and_labels_estimates(figures):
    t = ui.export_table(figures, 58.8)
    assert t["Taux global"].iloc[1] == pytest.approx(71.7)
    assert "estimation" in t["Statut"].tolist()
    assert t["Nature des données"].iloc[-1] == "synthétique"
    csv = ui.to_csv_fr(t, "Source : Cnaf, data.caf.fr, 2022").decode("utf-8-sig")
    assert "57,4" in csv and ";" in csv.splitlines()[0]


@pytest.mark.parametrize(
    ("sort_by", "ascending", "first"),
    [
        ("Taux global", False, "Lyon"),
        ("Taux global", True, "Petite"),
        ("Nom", True, "CC"),
        ("Places offertes", False, "Toulouse"),
    ],
)
def test_ranking_table_sorts_numbers_before_formatting(figures, sort_by, ascending, first):
    rank = figures.copy()
    rank["ratio_national"] = cv.ratio_to_national(rank["tx_global"], 58.8)
    rank["places_manquantes_national"] = cv.places_missing(
        rank["pl_total"], rank["enfants_moins_3"], 58.8
    )
    rank["places_manquantes_cible"] = math.nan
    t = ui.ranking_table(rank, sort_by, ascending)
    assert t["Territoire"].iloc[0] == first
    assert t["Rang"].tolist() == list(range(1, len(t) + 1))


def test_credit_lines_name_source_year_and_demo():
    data = ui.CoverageData(
        taux=pd.DataFrame(),
        places=pd.DataFrame(),
        enfants=None,
        metas={
            "commune": (
                meta(1, "commune", "réel", 2021, "cnaf_txcouv_com"),
                meta(2, "commune", "réel", 2022, "cnaf_txcouv_com"),
            ),
            "france": (meta(3, "france", "synthétique", 2022),),
        },
    )
    lines = ui.credit_lines(data, ["commune", "france", "commune"], 2022)
    assert lines[0].startswith("Commune : Source : Cnaf, data.caf.fr")
    assert lines[0].endswith("2022")
    assert len(lines) == 2
    assert "données de démonstration" in lines[1]
    span = ui.credit_lines(data, ["commune"], "2017-2022")
    assert span == [lines[0].replace("2022", "2017-2022")]


def test_estimate_notes(figures):
    notes = ui.estimate_notes(figures)
    assert notes == ["Petite — estimation : Estimation : taux publié de CC"]


@pytest.mark.parametrize("mode", [ui.MODE_RATIO, ui.MODE_QUANTILES])
def test_map_colouring(figures, mode):
    rank = figures.copy()
    rank["ratio_national"] = cv.ratio_to_national(rank["tx_global"], 58.8)
    classified, tooltip, title = ui.map_colouring(rank, mode)
    assert classified.colors.index.tolist() == rank["code"].tolist()
    assert classified.colors.loc["CC"] == "#d9d9d9"  # no rate: missing colour
    assert "(estimation)" in tooltip.loc["Pet", "Taux global"]
    if mode == ui.MODE_RATIO:
        assert classified.classes.loc["Tou"] == "0,95 à 1,05 fois (proche du national)"
        assert classified.colors.loc["Lyo"] == cv.RATIO_COLORS[-1]
        assert title == "Rapport au taux national"


def test_pngs_come_from_the_screen_definition(figures):
    from charts import static

    spec = ui.components_spec(figures, 2022, "Source : Cnaf, data.caf.fr, 2022")
    assert static.png(spec)[:8] == b"\x89PNG\r\n\x1a\n"
    series = pd.concat([figures.assign(annee=y) for y in (2021, 2022)], ignore_index=True)
    breaks = [cv.SeriesBreak(2022, "source", "2022 : changement de source")]
    evo = ui.evolution_spec(series, breaks, "Source : Cnaf")
    assert static.png(evo)[:8] == b"\x89PNG\r\n\x1a\n"


def test_charts_are_french_plotly(figures):
    from charts.plotly_figure import figure

    fig_ = figure(ui.components_spec(figures, 2022, "Source : Cnaf"))
    assert fig_.layout.separators == ",\u202f"
    assert [t.name for t in fig_.data] == [label for _c, label in cv.COMPONENTS]
    # statuses read from the data: Lyon computed, the estimated row labelled, the total labels
    statuses = {row[1] for row in fig_.data[0].customdata}
    assert {"publié", "calculé"} <= statuses
    texts = [a.text for a in fig_.layout.annotations]
    assert any("(calculé)" in t for t in texts) and any("non publié" in t for t in texts)
    series = pd.concat([figures.assign(annee=y) for y in (2021, 2022)], ignore_index=True)
    evo = figure(ui.evolution_spec(series, [cv.SeriesBreak(2022, "source", "x")], "Source"))
    assert len(evo.layout.shapes) == 1  # the break year as a dashed rule
    assert evo.layout.shapes[0].x0 == 2022


@pytest.mark.parametrize(
    ("territory", "expected"),
    [
        (FRANCE, [Level.DEPARTEMENT, Level.EPCI]),
        (Territory(Level.DEPARTEMENT, "31", "Haute-Garonne"), [Level.EPCI, Level.COMMUNE]),
        (Territory(Level.COMMUNE, "31555", "Toulouse"), [Level.COMMUNE]),
    ],
)
def test_map_levels(territory, expected):
    assert ui.map_levels(territory) == expected


def test_unit_parents():
    chain = [cv.Place("commune", "1", "c"), cv.Place("epci", "2", "e"), cv.Place("france", "", "F")]
    assert analysis.unit_parents(Territory(Level.COMMUNE, "1", "c"), chain) == chain[1:]
    assert analysis.unit_parents(Territory(Level.EPCI, "2", "e"), chain[1:]) == chain[1:]


@pytest.mark.parametrize(
    ("mode", "national", "expected"),
    [
        (ui.MODE_RATIO, 58.8, ui.MODE_RATIO),
        (ui.MODE_QUANTILES, 58.8, ui.MODE_QUANTILES),
        (ui.MODE_RATIO, math.nan, ui.MODE_QUANTILES),  # national rate of the year not imported
        (ui.MODE_QUANTILES, math.nan, ui.MODE_QUANTILES),
    ],
)
def test_map_falls_back_to_quantiles_without_national_rate(mode, national, expected):
    assert ui.effective_map_mode(mode, national) == expected


def test_demo_data_said_in_image_titles(figures):
    """A PNG pasted alone still says it holds demonstration data (not only the credit line)."""
    assert ui.demo_title("Taux 2022", True).startswith("CONTIENT DES DONNÉES DE DÉMONSTRATION")
    assert ui.demo_title("Taux 2022", False) == "Taux 2022"
    assert ui.uses_synthetic(figures)  # the fixture's France row is synthetic


def test_synthetic_parent_rate_is_not_called_published():
    taux = pd.DataFrame(
        {
            "niveau": ["epci"],
            "code": ["200000001"],
            "nom": ["CC Demo"],
            "annee": [2022],
            "tx_global": [55.0],
            "nature": ["synthétique"],
        }
    )
    places = pd.DataFrame(columns=["niveau", "code", "annee", "pl_total"])
    row = cv.territory_figure(
        taux,
        places,
        cv.Place("commune", "01001", "Petite"),
        2022,
        estimate=True,
        parents=[cv.Place("epci", "200000001", "CC Demo")],
    )
    assert row["statut"] == cv.Status.ESTIME
    assert "taux publié" not in row["methode"]
    assert "de démonstration (synthétique) de CC Demo" in row["methode"]
    assert ui.status_label(pd.Series(row)) == "estimation (d'après des données de démonstration)"
