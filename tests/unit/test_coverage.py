"""Unit tests of diagnostics.coverage on small hand-made frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from diagnostics import coverage as cv
from diagnostics.coverage import Place, Status

RATE_COLS = [
    "tx_global",
    "tx_eaje_psu",
    "tx_eaje_hors_psu",
    "tx_assmat",
    "tx_salarie_domicile",
    "tx_prescolarisation",
]
PLACE_COLS = [
    "pl_total",
    "pl_eaje_psu",
    "pl_eaje_hors_psu",
    "pl_assmat",
    "pl_salarie_domicile",
    "pl_prescolarisation",
]


def taux_row(annee, niveau, code, nom, glob, comps=(10.0, 1.0, 20.0, 2.0, 3.0), nature=None):
    row = {
        "annee": annee,
        "niveau": niveau,
        "code": code,
        "nom": nom,
        "tx_global": glob,
        **dict(zip(RATE_COLS[1:], comps, strict=True)),
    }
    if nature:
        row["nature"] = nature
    return row


def places_row(annee, niveau, code, total, comps=None):
    comps = comps or (total * 0.4, total * 0.05, total * 0.45, total * 0.05, total * 0.05)
    return {
        "annee": annee,
        "niveau": niveau,
        "code": code,
        "pl_total": total,
        **dict(zip(PLACE_COLS[1:], comps, strict=True)),
    }


def frame(rows):
    return pd.DataFrame(rows)


NO_PASSAGE: dict[str, str] = {}


# --------------------------------------------------------------------------- published values


def test_published_rate_is_never_recomputed_from_components():
    # Components add up to 36.0, CNAF published 35.9 (rounding): the published value wins.
    taux = frame(
        [taux_row(2022, "commune", "31555", "TOULOUSE", 35.9, (10.1, 1.1, 20.1, 2.1, 2.6))]
    )
    before = taux.copy()
    out = cv.published_rates(taux, "commune", 2022, ["31555"])
    assert out["tx_global"].iloc[0] == 35.9
    assert sum(out[c].iloc[0] for c in RATE_COLS[1:]) == pytest.approx(36.0)
    pd.testing.assert_frame_equal(taux, before)  # input untouched


@pytest.mark.parametrize(
    ("niveau", "code", "year", "expected"),
    [
        ("commune", "01004", 2021, 50.0),
        ("commune", "01004", 2022, 55.5),
        ("commune", "99999", 2022, None),
        ("france", "", 2022, 59.0),
        ("france", "FR", 2022, 59.0),  # the code is ignored at national level
        ("departement", "01", 2022, None),  # level not imported
    ],
)
def test_global_rate_selection(niveau, code, year, expected):
    taux = frame(
        [
            taux_row(2021, "commune", "01004", "A", 50.0),
            taux_row(2022, "commune", "01004", "A", 55.5),
            taux_row(2022, "france", "", "France", 59.0),
        ]
    )
    got = cv.global_rate(taux, niveau, code, year)
    if expected is None:
        assert math.isnan(got)
    else:
        assert got == expected


def test_values_above_100_are_kept():
    taux = frame([taux_row(2022, "commune", "92012", "X", 161.0)])
    fig = cv.territory_figure(
        taux,
        frame([places_row(2022, "commune", "92012", 322)]),
        Place("commune", "92012", "X"),
        2022,
        passage=NO_PASSAGE,
    )
    assert fig["tx_global"] == 161.0
    assert fig["enfants_moins_3"] == pytest.approx(200.0)


# --------------------------------------------------------------------------- derived children


@pytest.mark.parametrize(
    ("places", "rate", "expected"),
    [
        (9894, 57.4, 9894 / 57.4 * 100),
        (100, 50.0, 200.0),
        (100, 0.0, math.nan),
        (None, 50.0, math.nan),
        (100, None, math.nan),
        (0, 10.0, 0.0),
    ],
)
def test_derived_children(places, rate, expected):
    got = cv.derived_children(places, rate)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


def test_with_derived_children_joins_on_year_level_code():
    taux = frame(
        [
            taux_row(2021, "commune", "A", "a", 50.0),
            taux_row(2022, "commune", "A", "a", 40.0),
            taux_row(2022, "commune", "B", "b", 20.0),
        ]
    )
    places = frame([places_row(2021, "commune", "A", 100), places_row(2022, "commune", "A", 80)])
    out = cv.with_derived_children(taux, places).set_index(["annee", "code"])
    assert out.loc[(2021, "A"), "enfants_moins_3"] == pytest.approx(200)
    assert out.loc[(2022, "A"), "enfants_moins_3"] == pytest.approx(200)
    assert math.isnan(out.loc[(2022, "B"), "enfants_moins_3"])  # no places file row


# --------------------------------------------------------------------------- ratio and classes


@pytest.mark.parametrize(
    ("rate", "national", "ratio", "label"),
    [
        (29.0, 58.0, 0.5, "moins de 0,6 fois le taux national"),
        (34.8, 58.0, 0.6, "0,6 à 0,8 fois"),  # lower bound inclusive
        (46.4, 58.0, 0.8, "0,8 à 0,95 fois"),
        (58.0, 58.0, 1.0, "0,95 à 1,05 fois (proche du national)"),
        (63.8, 58.0, 1.1, "1,05 à 1,2 fois"),
        (69.6, 58.0, 1.2, "1,2 fois ou plus"),
        (161.0, 58.0, 161 / 58, "1,2 fois ou plus"),
    ],
)
def test_ratio_classes(rate, national, ratio, label):
    got = cv.ratio_to_national(pd.Series([rate]), national)
    assert got.iloc[0] == pytest.approx(ratio)
    assert cv.ratio_class(got).iloc[0] == label


@pytest.mark.parametrize("national", [math.nan, 0.0, None])
def test_ratio_without_national_rate_is_missing(national):
    got = cv.ratio_to_national(pd.Series([50.0, 60.0]), national)
    assert got.isna().all()
    assert cv.ratio_class(got).isna().all()


@pytest.mark.parametrize(
    ("values", "k", "n_classes"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 5),
        ([1, 1, 1, 1, 2], 5, 2),  # repeated values: fewer classes
        ([3.0, 3.0], 4, 1),
    ],
)
def test_quantile_classes(values, k, n_classes):
    cls = cv.quantile_class(pd.Series(values, dtype="float64"), k)
    assert cls.notna().all()
    assert cls.nunique() == n_classes


def test_national_rate():
    taux = frame([taux_row(2022, "france", "", "France", 59.0, nature="synthétique")])
    assert cv.national_rate(taux, 2022) == (59.0, "synthétique")
    rate, nature = cv.national_rate(taux, 2021)
    assert math.isnan(rate) and nature == ""


# --------------------------------------------------------------------------- places missing


@pytest.mark.parametrize(
    ("places", "children", "target", "expected"),
    [
        (50, 100, 60, 10.0),
        (70, 100, 60, 0.0),
        (0, 250, 40, 100.0),
        (math.nan, 100, 60, math.nan),
    ],
)
def test_places_missing(places, children, target, expected):
    got = cv.places_missing(places, children, target)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)
    series = cv.places_missing(pd.Series([places]), pd.Series([children]), target)
    assert (series.isna().iloc[0] and math.isnan(expected)) or series.iloc[0] == pytest.approx(
        expected
    )


# --------------------------------------------------------------------------- PLM


def _lyon_frames(n_arr=9):
    taux, places = [], []
    for i in range(1, n_arr + 1):
        code = f"6938{i}"
        taux.append(taux_row(2022, "commune", code, f"LYON {i}", 50.0 + i))
        places.append(places_row(2022, "commune", code, 100.0 * i))
    return frame(taux), frame(places)


def test_plm_commune_is_computed_from_arrondissements():
    taux, places = _lyon_frames()
    fig = cv.territory_figure(
        taux, places, Place("commune", "69123", "Lyon"), 2022, passage=NO_PASSAGE
    )
    children = sum(100.0 * i / (50.0 + i) * 100 for i in range(1, 10))
    assert fig["statut"] == Status.CALCULE  # never « publié »
    assert fig["pl_total"] == pytest.approx(4500)
    assert fig["enfants_moins_3"] == pytest.approx(children)
    assert fig["tx_global"] == pytest.approx(4500 / children * 100)
    assert "arrondissements" in fig["methode"]
    # component rate = component places / summed children (never a sum of rates)
    assert fig["tx_assmat"] == pytest.approx(4500 * 0.45 / children * 100)


def test_plm_with_missing_arrondissement_is_not_published():
    taux, places = _lyon_frames(8)
    fig = cv.territory_figure(
        taux, places, Place("commune", "69123", "Lyon"), 2022, passage=NO_PASSAGE
    )
    assert fig["statut"] == Status.ABSENT
    assert math.isnan(fig["tx_global"])
    assert "8 sur 9" in fig["methode"]


def _rhone_frames(parts=("69D", "69M"), own=None):
    """Département file where the CNAF publishes the Rhône as 69D and 69M (Caf codes)."""
    values = {"69D": (40.0, 3000.0), "69M": (70.0, 14000.0)}
    taux = [taux_row(2022, "departement", "42", "LOIRE", 55.0)]
    places = [places_row(2022, "departement", "42", 5500.0)]
    for code in parts:
        rate, pl = values[code]
        taux.append(taux_row(2022, "departement", code, code, rate))
        places.append(places_row(2022, "departement", code, pl))
    if own is not None:
        taux.append(taux_row(2022, "departement", "69", "RHONE", own))
        places.append(places_row(2022, "departement", "69", 17000.0))
    return frame(taux), frame(places)


def test_rhone_is_computed_from_its_two_caf_territories():
    taux, places = _rhone_frames()
    before = taux.copy()
    fig = cv.territory_figure(taux, places, Place("departement", "69", "Rhône"), 2022)
    children = 3000 / 40 * 100 + 14000 / 70 * 100  # 7 500 + 20 000
    assert fig["statut"] == Status.CALCULE  # never « publié »
    assert fig["pl_total"] == pytest.approx(17000)
    assert fig["enfants_moins_3"] == pytest.approx(children)
    assert fig["tx_global"] == pytest.approx(17000 / children * 100)  # 61,8, not (40 + 70) / 2
    assert "69D, 69M" in fig["methode"]
    pd.testing.assert_frame_equal(taux, before)


@pytest.mark.parametrize(
    ("parts", "own", "statut", "rate", "reason"),
    [
        (("69D",), None, Status.ABSENT, math.nan, "1 sur 2"),  # one part missing: no figure
        (("69D", "69M"), 62.0, Status.PUBLIE, 62.0, ""),  # « 69 » published: used as is
        ((), None, Status.ABSENT, math.nan, "non publié"),  # nothing: the usual reason
    ],
)
def test_rhone_parts_edge_cases(parts, own, statut, rate, reason):
    taux, places = _rhone_frames(parts, own)
    fig = cv.territory_figure(taux, places, Place("departement", "69", "Rhône"), 2022)
    assert fig["statut"] == statut
    if math.isnan(rate):
        assert math.isnan(fig["tx_global"])
    else:
        assert fig["tx_global"] == rate
    assert reason.replace("non publié", "") in fig["methode"]


def test_ranking_of_departements_computes_the_rhone():
    taux, places = _rhone_frames()
    units = pd.DataFrame({"code": ["42", "69"], "nom": ["Loire", "Rhône"]})
    out = cv.ranking(taux, places, "departement", units, 2022, national=60.0).set_index("code")
    assert out.loc["69", "statut"] == "calculé"
    assert out.loc["69", "tx_global"] == pytest.approx(17000 / 27500 * 100)
    assert out.loc["42", "statut"] == "publié"
    ev = cv.evolution(taux, places, [Place("departement", "69", "Rhône")], [2022])
    assert ev["tx_global"].iloc[0] == pytest.approx(17000 / 27500 * 100)


# --------------------------------------------------------------------------- COG changes


PASSAGE = {"69152": "69149"}


def _merged_frames():
    taux = frame(
        [
            taux_row(2021, "commune", "69149", "OULLINS", 60.0),
            taux_row(2021, "commune", "69152", "PIERRE BENITE", 70.0),
            taux_row(2022, "commune", "69149", "OULLINS", 62.0),
            taux_row(2022, "commune", "69152", "PIERRE BENITE", 66.0),
        ]
    )
    places = frame(
        [
            places_row(2021, "commune", "69149", 600),
            places_row(2021, "commune", "69152", 350),
            places_row(2022, "commune", "69149", 620),
            places_row(2022, "commune", "69152", 330),
        ]
    )
    return taux, places


def test_merged_groups_from_passage():
    taux, _ = _merged_frames()
    assert cv.merged_groups(taux, 2022, PASSAGE) == {"69149": ["69149", "69152"]}
    assert cv.merged_groups(taux, 2022, NO_PASSAGE) == {}


def test_merged_commune_rates_are_not_summed():
    taux, places = _merged_frames()
    place = Place("commune", "69149", "Oullins-Pierre-Bénite")
    fig = cv.territory_figure(taux, places, place, 2022, passage=PASSAGE)
    assert fig["statut"] == Status.ABSENT
    assert math.isnan(fig["tx_global"])
    assert fig["ancien_perimetre"] is True
    assert "62,0" in fig["methode"] and "66,0" in fig["methode"]
    est = cv.territory_figure(taux, places, place, 2022, estimate=True, passage=PASSAGE)
    children = 620 / 62 * 100 + 330 / 66 * 100
    assert est["statut"] == Status.ESTIME
    assert est["tx_global"] == pytest.approx(950 / children * 100)
    assert est["tx_global"] != pytest.approx(62.0 + 66.0)
    assert "estimation" in est["methode"].lower()


def test_series_breaks_detect_gap_source_and_perimeter():
    taux, places = _merged_frames()
    ev = cv.evolution(
        taux, places, [Place("commune", "69149", "O")], [2021, 2022], estimate=True, passage=PASSAGE
    )
    kinds = {b.kind for b in cv.series_breaks(ev, [2021, 2022])}
    assert "perimetre" in kinds

    series = cv.figures_frame(
        [
            {**cv._empty_figure("epci", "1", "E", y, Status.PUBLIE), "tx_global": v, "nature": n}
            for y, v, n in [
                (2017, 50.0, "réel"),
                (2018, 51.0, "réel"),
                (2019, math.nan, "réel"),
                (2020, 52.0, "synthétique"),
                (2021, 53.0, "synthétique"),
            ]
        ]
    )
    breaks = cv.series_breaks(series, [2017, 2018, 2019, 2020, 2021])
    assert [(b.annee, b.kind) for b in breaks] == [(2019, "annee_manquante"), (2020, "source")]
    assert "données de démonstration" in breaks[1].message


def test_series_without_break():
    series = cv.figures_frame(
        [
            {**cv._empty_figure("commune", "1", "C", y, Status.PUBLIE), "tx_global": 50.0}
            for y in (2017, 2018, 2019)
        ]
    )
    assert cv.series_breaks(series, [2017, 2018, 2019]) == []


# --------------------------------------------------------------------------- missing levels, estimates


def test_missing_level_is_stated_and_estimated_only_on_request():
    taux = frame(
        [taux_row(2022, "commune", "A", "a", 40.0), taux_row(2022, "commune", "B", "b", 80.0)]
    )
    places = frame([places_row(2022, "commune", "A", 400), places_row(2022, "commune", "B", 400)])
    communes = pd.DataFrame({"code_insee": ["A", "B", "C"], "population": [20000, 20000, 10000]})
    place = Place("epci", "E1", "CC Test")
    plain = cv.territory_figure(taux, places, place, 2022, communes=communes, passage=NO_PASSAGE)
    assert plain["statut"] == Status.ABSENT and math.isnan(plain["tx_global"])
    assert "« EPCI »" in plain["methode"]
    est = cv.territory_figure(
        taux, places, place, 2022, estimate=True, communes=communes, passage=NO_PASSAGE
    )
    assert est["statut"] == Status.ESTIME
    assert est["tx_global"] == pytest.approx(800 / (1000 + 500) * 100)
    assert "80\u202f%" in est["methode"]  # population share of the published communes


def test_small_commune_estimate_uses_parent_rate():
    taux = frame([taux_row(2022, "epci", "E1", "CC", 45.5, nature="synthétique")])
    place = Place("commune", "01001", "Petite commune")
    chain = [Place("epci", "E1", "CC Test"), Place("france", "", "France")]
    plain = cv.territory_figure(
        taux,
        frame([]).reindex(columns=["annee", "niveau", "code"]),
        place,
        2022,
        parents=chain,
        passage=NO_PASSAGE,
    )
    assert plain["statut"] == Status.ABSENT
    assert "10 000 habitants" in plain["methode"]
    est = cv.territory_figure(
        taux,
        frame([]).reindex(columns=["annee", "niveau", "code"]),
        place,
        2022,
        estimate=True,
        parents=chain,
        passage=NO_PASSAGE,
    )
    assert est["statut"] == Status.ESTIME
    assert est["tx_global"] == 45.5
    assert est["nature"] == "synthétique"
    assert "CC Test" in est["methode"] and "Estimation" in est["methode"]


def test_comparison_chain_and_components():
    taux = frame(
        [
            taux_row(2022, "commune", "A", "a", 40.0),
            taux_row(2022, "departement", "01", "Ain", 55.0, nature="synthétique"),
            taux_row(2022, "france", "", "France", 59.0, nature="synthétique"),
        ]
    )
    chain = [
        Place("commune", "A", "a"),
        Place("epci", "E", "CC"),
        Place("departement", "01", "Ain"),
        Place("france", "", "France"),
    ]
    out = cv.comparison(
        taux, frame([places_row(2022, "commune", "A", 10)]), chain, 2022, passage=NO_PASSAGE
    )
    assert out["statut"].tolist() == ["publié", "non publié", "publié", "publié"]
    assert out["tx_global"].tolist()[0] == 40.0
    long = cv.components_long(out)
    assert len(long) == 4 * 5
    assert set(long["composante"]) == set(cv.COMPONENT_LABELS.values())


def test_ranking_sub_territories():
    taux = frame(
        [
            taux_row(2022, "commune", "A", "a", 40.0),
            taux_row(2022, "commune", "B", "b", 80.0),
            taux_row(2022, "epci", "E", "CC", 50.0),
        ]
    )
    places = frame([places_row(2022, "commune", "A", 400), places_row(2022, "commune", "B", 400)])
    units = pd.DataFrame({"code": ["A", "B", "C"], "nom": ["a", "b", "c"], "siren_epci": ["E"] * 3})
    out = cv.ranking(
        taux, places, "commune", units, 2022, national=50.0, target=60.0, passage=NO_PASSAGE
    )
    assert out["code"].tolist() == ["B", "A", "C"]  # highest rate first, missing last
    a = out.set_index("code").loc["A"]
    assert a["enfants_moins_3"] == pytest.approx(1000)
    assert a["ratio_national"] == pytest.approx(0.8)
    assert a["places_manquantes_national"] == pytest.approx(100)
    assert a["places_manquantes_cible"] == pytest.approx(200)
    assert out.set_index("code").loc["B", "places_manquantes_cible"] == 0
    assert out.set_index("code").loc["C", "statut"] == "non publié"
    est = cv.ranking(
        taux, places, "commune", units, 2022, national=50.0, estimate=True, passage=NO_PASSAGE
    ).set_index("code")
    assert est.loc["C", "statut"] == "estimation"
    assert est.loc["C", "tx_global"] == 50.0
    assert est.loc["A", "statut"] == "publié"


def test_ranking_prefers_insee_children_when_given():
    taux = frame([taux_row(2022, "commune", "A", "a", 40.0)])
    places = frame([places_row(2022, "commune", "A", 400)])
    enfants = pd.DataFrame({"code_insee": ["A"], "annee": [2021], "enfants_moins_3": [900.0]})
    out = cv.ranking(
        taux,
        places,
        "commune",
        pd.DataFrame({"code": ["A"], "nom": ["a"]}),
        2022,
        national=50.0,
        enfants=enfants,
        passage=NO_PASSAGE,
    )
    assert out["enfants_moins_3"].iloc[0] == 900.0
    assert "INSEE" in out["enfants_methode"].iloc[0] and "2021" in out["enfants_methode"].iloc[0]
    assert out["tx_global"].iloc[0] == 40.0  # the published rate stays as published


def test_with_nature_from_metas():
    class Meta:
        def __init__(self, id_, nature):
            self.id, self.nature = id_, nature

    df = pd.DataFrame({"dataset_id": [1, 2], "x": [0, 0]})
    out = cv.with_nature(df, [Meta(1, "réel"), Meta(2, "synthétique")])
    assert out["nature"].tolist() == ["réel", "synthétique"]
    assert "nature" not in df


def test_years_and_levels_available():
    taux = frame(
        [
            taux_row(2016, "commune", "A", "a", 1.0),
            taux_row(2017, "commune", "A", "a", 1.0),
            taux_row(2022, "france", "", "F", 1.0),
        ]
    )
    assert cv.years_available(taux) == [2017, 2022]
    assert cv.levels_available(taux, 2022) == ["france"]


def test_indicators_registered():
    ids = {i.id for i in cv.INDICATORS}
    assert {
        "taux_couverture_global",
        "taux_couverture_composantes",
        "ratio_taux_national",
        "enfants_moins_3_derives",
        "places_manquantes",
    } <= ids
    assert all(callable(i.function) for i in cv.INDICATORS)


def test_row_without_rate_is_not_published():
    """The importer maps merged communes onto the COG: rates left empty, places summed."""
    taux = frame(
        [
            taux_row(2022, "commune", "69149", "Oullins-Pierre-Bénite", math.nan),
            taux_row(2022, "epci", "E", "Métropole", 70.0),
        ]
    )
    places = frame([places_row(2022, "commune", "69149", 977)])
    place = Place("commune", "69149", "Oullins-Pierre-Bénite")
    fig = cv.territory_figure(taux, places, place, 2022, passage=NO_PASSAGE)
    assert fig["statut"] == Status.ABSENT
    assert "fusion" in fig["methode"]
    est = cv.territory_figure(
        taux,
        places,
        place,
        2022,
        estimate=True,
        parents=[Place("epci", "E", "Métropole")],
        passage=NO_PASSAGE,
    )
    assert est["statut"] == Status.ESTIME and est["tx_global"] == 70.0
    units = pd.DataFrame({"code": ["69149"], "nom": ["O"]})
    rank = cv.ranking(taux, places, "commune", units, 2022, national=60.0, passage=NO_PASSAGE)
    assert rank["statut"].iloc[0] == "non publié"
    assert "fusion" in rank["methode"].iloc[0]


@pytest.mark.parametrize(
    ("assmat", "flagged"),
    [
        ((17.9, 0.0, 15.8), [2018]),  # Toulouse 2018 as published
        ((0.0, 0.0, 0.0), []),  # a territory without any assistant maternel: no break
        ((3.0, 0.0, 2.0), []),  # small neighbours: not flagged
        ((17.9, 16.0, 0.0), [2019]),  # last year dropping to 0
        ((0.0, 0.0, 6.9), []),  # a mode starting: only one neighbour is large
    ],
)
def test_component_published_at_zero_is_flagged(assmat, flagged):
    series = cv.figures_frame(
        [
            {
                **cv._empty_figure("commune", "31555", "Toulouse", y, Status.PUBLIE),
                "tx_global": 50.0,
                "tx_assmat": a,
            }
            for y, a in zip((2017, 2018, 2019), assmat, strict=True)
        ]
    )
    breaks = [b for b in cv.series_breaks(series, [2017, 2018, 2019]) if b.kind == "composante"]
    assert [b.annee for b in breaks] == flagged
    assert all("Assistants maternels" in b.message for b in breaks)
