"""Rules, contiguity, dissolve and saved zonings on a hand-made 3×3 grid of square communes.

Grid (codes 01001..01009, row-major from the south-west), 10 km squares in metres:

    7 8 9
    4 5 6
    1 2 3
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from diagnostics import zones as z

CODES = [f"0100{k}" for k in range(1, 10)]
NAMES = [f"Commune {k}" for k in range(1, 10)]


def grid() -> gpd.GeoDataFrame:
    geoms = [
        shapely.box(c * 10_000, r * 10_000, (c + 1) * 10_000, (r + 1) * 10_000)
        for r in range(3)
        for c in range(3)
    ]
    return gpd.GeoDataFrame(
        {
            "code_insee": CODES,
            "nom": NAMES,
            "population": [1000, 2000, 500, 800, 5000, 300, 100, 900, 4000],
        },
        geometry=geoms,
        crs="EPSG:2154",
    )


def base(**overrides) -> pd.DataFrame:
    """A commune base (BASE_COLUMNS) for the grid with simple values."""
    df = pd.DataFrame(
        {
            "code_insee": pd.array(CODES, dtype="string"),
            "nom": NAMES,
            "dep": ["01"] * 9,
            "siren_epci": ["200000001"] * 9,
            "epci_nom": ["CC Test"] * 9,
            "population": [1000.0, 2000, 500, 800, 5000, 300, 100, 900, 4000],
            "dens7": pd.array([5, 4, 6, 5, 2, 7, 7, 5, 3], dtype="Int64"),
            "enfants_moins_3": [30.0, 60, 15, 24, 150, 9, 3, 27, 120],
            "enfants_nature": ["INSEE"] * 9,
            "places": [10.0, 40, np.nan, 12, 120, np.nan, np.nan, 20, 60],
            "places_eaje": [0.0] * 9,
            "taux": [33.3, 66.7, np.nan, 50.0, 80.0, np.nan, np.nan, 74.1, 50.0],
            "taux_nature": ["estimation"] * 9,
            "n_eaje": [0.0, 1, 0, 0, 3, 0, 0, 1, 2],
            "part_monoparentales": [20.0, 30, np.nan, 25, 40, np.nan, np.nan, 10, 22],
            "part_revenus": [5.0, 12, np.nan, 9, 15, np.nan, np.nan, 4, 11],
            "n_qpv": [0.0, 0, 0, 0, 2, 0, 0, 0, 0],
            "rural": [True, False, True, True, False, True, True, True, False],
        }
    )
    for k, v in overrides.items():
        df[k] = v
    return df


REFS = z.References(
    national_rate=60.0,
    national_rate_nature="publié",
    national_rate_year=2022,
    income_share=10.0,
    income_label="part des allocataires percevant le RSA",
    mono_share=25.0,
    departement_rates={"01": 70.0},
)


# ------------------------------------------------------------------------ contiguity
def test_grid_rook_adjacency_excludes_diagonals() -> None:
    i, j = z.adjacency_pairs(grid().geometry)
    pairs = {(CODES[a], CODES[b]) for a, b in zip(i, j, strict=True)}
    assert len(pairs) == 12
    assert ("01001", "01002") in pairs and ("01001", "01004") in pairs
    assert ("01001", "01005") not in pairs  # corner only


def test_slight_overlap_counts_as_adjacent() -> None:
    a = shapely.box(0, 0, 10, 10)
    b = shapely.box(9.999, 0, 20, 10)
    i, _ = z.adjacency_pairs(np.array([a, b], dtype=object))
    assert len(i) == 1


@pytest.mark.parametrize(
    ("flagged", "n_zones"),
    [
        ([1, 2, 3], 1),
        ([1, 3, 7, 9], 4),  # corners: never adjacent
        ([1, 5, 9], 3),  # a diagonal is not contiguous
        ([1, 2, 4, 5, 9], 2),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9], 1),
        ([2, 4, 6, 8], 4),
    ],
)
def test_zone_count(flagged: list[int], n_zones: int) -> None:
    g = grid()
    members = z.zone_members(g.iloc[[k - 1 for k in flagged]])
    assert members["zone_id"].nunique() == n_zones
    assert sorted(members["code_insee"]) == sorted(CODES[k - 1] for k in flagged)


def test_connected_components_labels() -> None:
    labels = z.connected_components(5, np.array([0, 3]), np.array([1, 4]))
    assert labels.tolist() == [0, 0, 1, 2, 2]


@pytest.mark.parametrize(
    ("flagged", "expected_area", "geom_type"),
    [
        ([1, 2, 3], 3e8, "Polygon"),
        ([1, 2, 5, 8], 4e8, "Polygon"),
        ([1, 2, 4, 5], 4e8, "Polygon"),
    ],
)
def test_dissolve_one_polygon_per_zone(
    flagged: list[int], expected_area: float, geom_type: str
) -> None:
    g = grid()
    members = z.zone_members(g.iloc[[k - 1 for k in flagged]])
    zones = z.dissolve_zones(g, members)
    assert len(zones) == 1
    assert zones.geometry.iloc[0].area == pytest.approx(expected_area)
    assert zones.geometry.iloc[0].geom_type == geom_type
    assert zones.crs == g.crs


@pytest.mark.parametrize(
    ("main", "n", "expected"),
    [
        ("Bourg", 1, "Zone de Bourg"),
        ("Bourg", 2, "Zone de Bourg et 1 commune"),
        ("Bourg", 5, "Zone de Bourg et 4 communes"),
    ],
)
def test_zone_name(main: str, n: int, expected: str) -> None:
    assert z.zone_name(main, n) == expected


def test_zones_named_after_most_populated_and_numbered_by_population() -> None:
    g = grid()
    # zone A: 1, 2, 5 (pop 8000, main Commune 5); zone B: 9 alone? 9 touches 6 and 8 only.
    members = z.zone_members(g.iloc[[0, 1, 4, 8]])
    by_zone = members.groupby("zone_id")["code_insee"].apply(sorted).to_dict()
    assert by_zone["Z01"] == ["01001", "01002", "01005"]
    assert by_zone["Z02"] == ["01009"]
    names = dict(zip(members["zone_id"], members["zone_nom"], strict=False))
    assert names["Z01"] == "Zone de Commune 5 et 2 communes"
    assert names["Z02"] == "Zone de Commune 9"


# ----------------------------------------------------------------------------- rules
@pytest.mark.parametrize(
    ("rule", "expected", "missing"),
    [
        # absolute 50: rates 33.3, 66.7, nan, 50, 80, nan, nan, 74.1, 50 -> only commune 1
        (z.CoverageThresholdRule("absolu", 50.0), ["01001"], 3),
        # 80 % of France (60) = 48
        (z.CoverageThresholdRule("france", 80.0), ["01001"], 3),
        # 100 % of France = 60: 1, 4, 9
        (z.CoverageThresholdRule("france", 100.0), ["01001", "01004", "01009"], 3),
        # 100 % of the département (70): 1, 2, 4, 9
        (z.CoverageThresholdRule("departement", 100.0), ["01001", "01002", "01004", "01009"], 3),
        # below 60 and income share above 10: commune 9 (50, 11); commune 1 has 5 %
        (z.CnafPriorityRule(), ["01009"], 3),
        # no EAJE and >= 20 children: 1 (30), 4 (24); 3 (15), 6, 7 below
        (z.NoEajeRule(20.0), ["01001", "01004"], 0),
        (z.NoEajeRule(1.0), ["01001", "01003", "01004", "01006", "01007"], 0),
    ],
)
def test_rules(rule, expected: list[str], missing: int) -> None:
    res = z.apply_rules(base(), [rule], REFS)
    assert res.flagged_codes == expected
    assert res.missing[rule.id] == missing


def test_accessibility_rule_needs_the_column() -> None:
    rule = z.AccessibilityRule(threshold=40.0)
    res = z.apply_rules(base(), [rule], REFS)
    assert res.flagged_codes == [] and res.missing["accessibilite"] == 9
    acc = [10.0, 50, 39.9, 40, np.nan, 0, 100, 45, 20]
    res = z.apply_rules(base(accessibilite=acc), [rule], REFS)
    assert res.flagged_codes == ["01001", "01003", "01006", "01009"]
    assert res.missing["accessibilite"] == 1


def test_no_eaje_scores_by_children() -> None:
    out = z.NoEajeRule(20.0).evaluate(base(), REFS)
    assert out.score.tolist() == [30.0, 0, 0, 24, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("weights", "code", "expected"),
    [
        # couverture only: commune 1: 1 - 33.3/60
        ({"couverture": 1}, "01001", 100 * (1 - 33.3 / 60)),
        # couverture above the national rate gives 0
        ({"couverture": 1}, "01005", 0.0),
        # couverture 2 + revenus 1 for commune 9: (2 * (1 - 50/60) + 1 * 11/20) / 3
        ({"couverture": 2, "revenus": 1}, "01009", 100 * (2 * (1 - 50 / 60) + 11 / 20) / 3),
        # rural + qpv for commune 5: (0 + 1) / 2
        ({"rural": 1, "qpv": 1}, "01005", 50.0),
        # missing couverture (commune 3) is left out: only sans_eaje (15/50) and rural (1)
        ({"couverture": 5, "sans_eaje": 1, "rural": 1}, "01003", 100 * (0.3 + 1) / 2),
        # monoparentales 40 / (2 * 25) = 0.8
        ({"monoparentales": 1}, "01005", 80.0),
    ],
)
def test_composite_score_hand_values(weights: dict, code: str, expected: float) -> None:
    score = z.composite_score(base(), REFS, weights)
    got = score[base()["code_insee"] == code].iloc[0]
    assert got == pytest.approx(expected)


def test_composite_score_no_weight_is_nan() -> None:
    assert z.composite_score(base(), REFS, {"couverture": 0}).isna().all()


@pytest.mark.parametrize(
    ("combine", "expected"),
    [
        ("une", ["01001", "01004", "01009"]),
        ("toutes", ["01001", "01004"]),
    ],
)
def test_combination(combine: str, expected: list[str]) -> None:
    rules = [z.CoverageThresholdRule("france", 100.0), z.NoEajeRule(20.0)]
    res = z.apply_rules(base(), rules, REFS, combine)  # type: ignore[arg-type]
    # rule 1 flags 1, 4, 9; rule 2 flags 1, 4
    assert res.flagged_codes == expected
    assert len(res.sentences) == 2


@pytest.mark.parametrize(
    ("rule", "fragments"),
    [
        (z.CoverageThresholdRule("absolu", 45.0), ["45,0 places pour 100 enfants"]),
        (z.CoverageThresholdRule("france", 80.0), ["80\u202f% du taux national", "48,0 places"]),
        (z.CoverageThresholdRule("departement", 90.0), ["90\u202f% du taux de son département"]),
        (z.CnafPriorityRule(), ["60,0 places", "RSA", "10,0\u202f%"]),
        (z.NoEajeRule(25.0), ["aucun établissement", "25 enfants"]),
        (z.AccessibilityRule(35.0, 8.0, "paliers"), ["35 places", "8 km", "2SFCA", "paliers"]),
        (
            z.CompositeRule((("couverture", 2.0), ("qpv", 1.0)), 60.0),
            ["60 sur 100", "déficit de couverture × 2,0", "quartier prioritaire × 1,0"],
        ),
    ],
)
def test_rule_sentences_are_generated_from_parameters(rule, fragments: list[str]) -> None:
    text = rule.describe(REFS)
    for f in fragments:
        assert f in text, (f, text)


def test_rules_params_round_trip() -> None:
    rules = [
        z.CnafPriorityRule(),
        z.CoverageThresholdRule("departement", 85.0),
        z.NoEajeRule(12.0),
        z.AccessibilityRule(30.0, 15.0, "uniforme"),
        z.CompositeRule((("couverture", 1.0), ("rural", 2.0)), 40.0),
    ]
    params = z.rules_to_params(rules, "toutes")
    back, combine = z.rules_from_params(json.loads(json.dumps(params)))
    assert back == rules and combine == "toutes"


def test_rules_do_not_mutate_base() -> None:
    b = base()
    before = b.copy()
    z.apply_rules(b, [z.CompositeRule(), z.CnafPriorityRule()], REFS)
    pd.testing.assert_frame_equal(b, before)


# --------------------------------------------------------------------- commune base
def communes_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_insee": ["01001", "01002", "01003", "75056"],
            "nom": ["A", "B", "C", "Paris"],
            "dep": ["01", "01", "01", "75"],
            "siren_epci": ["200000001"] * 3 + ["200054781"],
            "epci_nom": ["CC"] * 3 + ["MGP"],
            "population": [12000, 800, 15000, 2_000_000],
            "dens7": [2, 6, 3, 1],
        }
    )


def caf(kind: str, rows: list[tuple]) -> pd.DataFrame:
    col = "tx_global" if kind == "taux" else "pl_total"
    df = pd.DataFrame(rows, columns=["annee", "niveau", "code", col])
    if kind == "places":
        df["pl_eaje"] = df["pl_total"] / 2
        df["pl_assmat"] = df["pl_total"] / 4
    return df


# Paris: 75101 (rate 80, 80 places) and 75102 (rate 40, 40 places): 100 children each;
# the 18 other arrondissements: rate 50, 50 places, 100 children each.
PARIS_OTHERS = [f"751{i:02d}" for i in range(3, 21)]


def paris_rows(skip: str | None = None) -> list[tuple]:
    first = {"75101": 80.0, "75102": 40.0}
    rows = [(2022, "commune", c, v) for c, v in first.items()]
    rows += [(2022, "commune", c, 50.0) for c in PARIS_OTHERS]
    return [r for r in rows if r[2] != skip]


def test_base_published_estimated_derived_and_plm() -> None:
    taux = caf(
        "taux",
        [
            (2022, "commune", "01001", 50.0),
            (2021, "commune", "01001", 40.0),
            *paris_rows(),
            (2022, "france", None, 58.0),
        ],
    )
    places = caf(
        "places",
        [
            (2022, "commune", "01001", 100.0),
            (2022, "commune", "01003", 90.0),
            *paris_rows(),
        ],
    )
    enfants = pd.DataFrame(
        {"code_insee": ["01003", "01002"], "annee": [2021, 2021], "enfants_moins_3": [300.0, 20.0]}
    )
    b = z.build_commune_base(
        communes_frame(), taux=taux, places=places, enfants=enfants, year=None
    ).set_index("code_insee")
    assert b.loc["01001", "taux"] == 50.0 and b.loc["01001", "taux_nature"] == "publié"
    assert b.loc["01001", "enfants_moins_3"] == pytest.approx(200.0)  # 100 / 50 * 100
    assert b.loc["01001", "enfants_nature"] == "dérivé"
    assert b.loc["01003", "taux"] == pytest.approx(30.0)  # 90 / 300 * 100
    assert b.loc["01003", "taux_nature"] == "estimation"
    assert pd.isna(b.loc["01002", "taux"]) and b.loc["01002", "enfants_moins_3"] == 20.0
    # Paris: 80 + 40 + 18 × 50 = 1 020 places for 20 × 100 = 2 000 children -> 51
    assert b.loc["75056", "taux"] == pytest.approx(51.0)
    assert b.loc["75056", "taux_nature"] == "calculé"
    assert b.loc["75056", "places_assmat"] == pytest.approx(255.0)  # 1 020 / 4
    assert b.loc["01001", "places_assmat"] == pytest.approx(25.0)
    assert bool(b.loc["01002", "rural"]) and not bool(b.loc["01001", "rural"])


@pytest.mark.parametrize("missing", ["75101", "75120"])
def test_base_plm_needs_every_arrondissement(missing: str) -> None:
    """One arrondissement unpublished: no Paris figure at all (never a partial sum)."""
    taux = caf("taux", [*paris_rows(skip=missing), (2022, "france", None, 58.0)])
    places = caf("places", paris_rows())
    b = z.build_commune_base(communes_frame(), taux=taux, places=places, year=None)
    b = b.set_index("code_insee")
    assert pd.isna(b.loc["75056", "taux"])


def test_base_eaje_counts_income_and_qpv() -> None:
    structures = pd.DataFrame(
        {
            "id_structure": ["s1", "s2", "s3"],
            "type_structure": ["EAJE", "EAJE", "RPE"],
            "code_insee": ["01001", "01001", "01002"],
            "places": [20, 10, None],
        }
    )
    bpe = pd.DataFrame({"code_insee": ["01002", "01003"], "annee": [2021, 2021], "nb_eaje": [0, 2]})
    alloc = pd.DataFrame(
        {
            "code_insee": ["01001", "01003"],
            "annee": [2020, 2020],
            "allocataires": [100.0, 200.0],
            "allocataires_rsa": [10.0, 50.0],
            "allocataires_bas_revenus": [np.nan, np.nan],
            "familles_monoparentales": [5.0, 30.0],
            "couples_avec_enfants": [15.0, 30.0],
        }
    )
    qpv = pd.DataFrame({"code_qpv": ["QP1", "QP2", "QP3"], "code_insee": ["01003", "01003", None]})
    b = z.build_commune_base(
        communes_frame(), structures=structures, bpe=bpe, allocataires=alloc, qpv=qpv
    ).set_index("code_insee")
    assert b.loc["01001", "n_eaje"] == 2 and b.loc["01001", "places_eaje"] == 30
    assert b.loc["01002", "n_eaje"] == 0  # BPE (the structures list has only an RPE there)
    assert b.loc["01003", "n_eaje"] == 2
    assert b.loc["01001", "part_revenus"] == pytest.approx(10.0)
    assert b.loc["01003", "part_monoparentales"] == pytest.approx(50.0)
    assert b.loc["01003", "n_qpv"] == 2 and b.loc["01001", "n_qpv"] == 0
    # a quartier on several communes counts once in each of them
    qpv2 = qpv.assign(communes=["01003", "01003;01001", None])
    b2 = z.build_commune_base(communes_frame(), qpv=qpv2).set_index("code_insee")
    assert (b2.loc["01003", "n_qpv"], b2.loc["01001", "n_qpv"], b2.loc["01002", "n_qpv"]) == (
        2,
        1,
        0,
    )
    col, label = z.income_proxy(alloc)
    assert col == "allocataires_rsa" and "RSA" in label


def test_references_published_or_estimated() -> None:
    b = base(taux_nature=["publié"] * 9)
    taux = caf("taux", [(2022, "france", None, 59.0), (2022, "departement", "01", 66.0)])
    refs = z.references(b, taux=taux)
    assert (refs.national_rate, refs.national_rate_nature) == (59.0, "publié")
    assert refs.departement_rates == {"01": 66.0}
    refs2 = z.references(b)
    known = b["places"].notna()
    want = b.loc[known, "places"].sum() / b.loc[known, "enfants_moins_3"].sum() * 100
    assert refs2.national_rate == pytest.approx(want)
    assert refs2.national_rate_nature == "estimation"


# --------------------------------------------------------------------------- tables
@pytest.mark.parametrize(
    ("children", "places", "target", "expected"),
    [
        (100.0, 40.0, 60.0, 20.0),
        (100.0, 70.0, 60.0, 0.0),
        (33.0, 10.0, 60.0, 10.0),  # 19.8 - 10 = 9.8 -> 10 places
        (float("nan"), 10.0, 60.0, float("nan")),
    ],
)
def test_places_needed(children: float, places: float, target: float, expected: float) -> None:
    got = z.places_needed(children, places, target)
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_zone_table_per_ao() -> None:
    g = grid()
    members = z.zone_members(g.iloc[[0, 1, 2]])  # communes 1, 2, 3
    holders = pd.Series({"01001": "CC Test (EPCI)", "01002": "CC Test (EPCI)"})
    t = z.zone_table(base(), members, 60.0, holders)
    assert set(t["ao"]) == {"CC Test (EPCI)", "Commune 3 (commune)"}
    epci = t.set_index("ao").loc["CC Test (EPCI)"]
    assert epci["enfants_moins_3"] == 90 and epci["places"] == 50
    assert epci["taux"] == pytest.approx(50 / 90 * 100)
    assert epci["places_a_creer"] == 4  # 54 - 50
    c3 = t.set_index("ao").loc["Commune 3 (commune)"]
    assert c3["communes_sans_places"] == 1 and math.isnan(c3["places_a_creer"])


# ------------------------------------------------------------------- saved zonings
def test_zoning_payload_round_trip_and_geojson() -> None:
    g = grid()
    members = z.zone_members(g.iloc[[0, 1, 8]])
    params = z.rules_to_params([z.NoEajeRule(10.0)], "une")
    when = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    payload = z.zoning_payload("Essai", "epci:200000001", params, members, 60.0, when)
    payload = json.loads(json.dumps(payload))
    assert payload["date"] == "2026-11-26T12:00:00+00:00"
    assert payload["communes"] == ["01001", "01002", "01009"]
    back = z.zoning_members(payload)
    pd.testing.assert_frame_equal(
        back.reset_index(drop=True), members.astype("string").reset_index(drop=True)
    )
    zones = z.zones_from_payload(payload, g)
    assert len(zones) == 2 and zones.geometry.area.sum() == pytest.approx(3e8)
    gj = json.loads(z.zones_geojson(zones, z.zone_table(base(), back, 60.0), "Source : test"))
    assert gj["source"] == "Source : test"
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 2
    props = gj["features"][0]["properties"]
    assert {"zone_id", "zone_nom", "enfants_moins_3", "places_a_creer", "ao"} <= set(props)
    # reprojected to WGS84
    lon = gj["features"][0]["geometry"]["coordinates"][0][0][0]
    assert -10 < lon < 10


@pytest.mark.parametrize(("estimate", "expected"), [(False, None), (True, 800 * 320 / 27000)])
def test_base_children_estimated_from_population_only_on_request(
    estimate: bool, expected: float | None
) -> None:
    enfants = pd.DataFrame(
        {"code_insee": ["01001", "01003"], "annee": [2021, 2021], "enfants_moins_3": [20.0, 300.0]}
    )
    places = caf("places", [(2022, "commune", "01002", 10.0)])
    b = z.build_commune_base(
        communes_frame(), enfants=enfants, places=places, estimate_children=estimate
    ).set_index("code_insee")
    if expected is None:
        assert pd.isna(b.loc["01002", "enfants_moins_3"])
    else:
        # (20 + 300) children for 12 000 + 15 000 inhabitants
        assert b.loc["01002", "enfants_moins_3"] == pytest.approx(expected)
        assert b.loc["01002", "enfants_nature"] == "estimation"
        assert pd.isna(b.loc["01002", "taux"])  # never a rate from estimated children


def test_zone_table_one_row_per_zone() -> None:
    members = z.zone_members(grid().iloc[[0, 1, 2]])
    holders = pd.Series({"01001": "CC Test (EPCI)", "01002": "CC Test (EPCI)"})
    t = z.zone_table(base(), members, 60.0, holders, by_ao=False)
    assert len(t) == 1
    assert t["ao"].iloc[0] == "CC Test (EPCI) | Commune 3 (commune)"
    assert t["communes"].iloc[0] == 3 and t["communes_sans_places"].iloc[0] == 1


def test_references_flags_demo_national_rate() -> None:
    taux = caf("taux", [(2022, "france", None, 59.0)]).assign(dataset_id=[7])
    refs = z.references(base(), taux=taux, synthetic_ids=frozenset({7}))
    assert refs.national_rate == 59.0
    assert refs.national_rate_nature == "données de démonstration"
    assert "données de démonstration" in z.CnafPriorityRule().describe(refs)


@pytest.mark.parametrize(
    ("territory", "expected"),
    [(None, ["B", "A"]), ("epci:1", ["A"]), ("epci:9", [])],
)
def test_saved_zonings_filtered_and_sorted(territory: str | None, expected: list[str]) -> None:
    docs = {
        "A": {"territoire": "epci:1", "date": "2026-01-01T00:00:00+00:00", "zones": []},
        "B": {"territoire": "epci:2", "date": "2026-03-01T00:00:00+00:00", "zones": []},
        "checklist": {"items": []},
    }
    assert [d.nom for d in z.saved_zonings(docs, territory)] == expected


def test_references_estimate_ignores_unpublished_rows() -> None:
    nature = pd.array(
        ["publié", "publié", None, "estimation", None, None, None, None, None], dtype="string"
    )
    refs = z.references(base(taux_nature=nature))
    # communes 1 and 2 only: (10 + 40) / (30 + 60) * 100
    assert refs.national_rate == pytest.approx(50 / 90 * 100)
    assert refs.departement_rates == {"01": pytest.approx(50 / 90 * 100)}


def test_flagged_zone_members_uses_rule_flags() -> None:
    res = z.apply_rules(base(), [z.NoEajeRule(20.0)], REFS)  # communes 1 and 4: contiguous
    members = z.flagged_zone_members(base(), res.flags, grid())
    assert members["code_insee"].tolist() == ["01001", "01004"]
    assert members["zone_nom"].unique().tolist() == ["Zone de Commune 1 et 1 commune"]
