"""Filoué profiles on small hand-made extracts, including an attack on everything the views publish."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from diagnostics import filoue as F
from diagnostics.registry import all_indicators
from tests.unit.test_secrecy import UnitsModel

YEAR = 2023


def children(
    id_eaje: str,
    commune: str,
    ages: list[int],
    situations: list[str | None],
    revenus: list[str | None],
    residences: list[str | None],
    places: int = 20,
    billed: float = 100.0,
    realised: float = 90.0,
    nom: str | None = None,
) -> list[dict]:
    n = len(ages)
    assert len(situations) == len(revenus) == len(residences) == n
    return [
        {
            "annee": YEAR,
            "id_eaje": id_eaje,
            "nom_eaje": nom or f"Crèche {id_eaje}",
            "code_insee_eaje": commune,
            "id_enfant": f"{id_eaje}-{i}",
            "age_mois": ages[i],
            "code_insee_residence": residences[i],
            "situation_familiale": situations[i],
            "tranche_revenu": revenus[i],
            "heures_facturees": billed,
            "heures_realisees": realised,
            "places_eaje": places,
        }
        for i in range(n)
    ]


def block(
    id_eaje: str, commune: str, n: int, age: int, situation: str, revenu: str, residence: str, **kw
) -> list[dict]:
    return children(
        id_eaje, commune, [age] * n, [situation] * n, [revenu] * n, [residence] * n, **kw
    )


def extract(*blocks: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for b in blocks for row in b])


# --------------------------------------------------------------------------------------------
# Bands and labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "< 1 an"),
        (11, "< 1 an"),
        (12, "1 an"),
        (23, "1 an"),
        (24, "2 ans"),
        (35, "2 ans"),
        (36, "3 ans et plus"),
        (70, "3 ans et plus"),
        (None, F.NON_RENSEIGNE),
    ],
)
def test_age_band(age, band):
    assert F.age_band(pd.Series([age], dtype="Float64")).iloc[0] == band


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("moins de 1 an", "< 1 an"),
        ("Moins d'1 an", "< 1 an"),
        ("0", "< 1 an"),
        ("1 an", "1 an"),
        ("2", "2 ans"),
        ("3 ans ou plus", "3 ans et plus"),
        ("bizarre", "bizarre"),
    ],
)
def test_normalise_age_label(label, expected):
    assert F.normalise_age_label(label) == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            ["QF ≥ 2 000", "QF 700 à 1 099", "QF < 700", "QF 1 500 à 1 999", "QF 1 100 à 1 499"],
            ["QF < 700", "QF 700 à 1 099", "QF 1 100 à 1 499", "QF 1 500 à 1 999", "QF ≥ 2 000"],
        ),
        (
            [F.NON_RENSEIGNE, "2 000 € et plus", "moins de 1 000 €", "1 000 à 2 000 €"],
            ["moins de 1 000 €", "1 000 à 2 000 €", "2 000 € et plus", F.NON_RENSEIGNE],
        ),
        (["C", "A", "B"], ["A", "B", "C"]),
    ],
)
def test_band_order(labels, expected):
    assert sorted(labels, key=F.band_order_key) == expected


# --------------------------------------------------------------------------------------------
# Preparation and views without secrecy (all counts large)
# --------------------------------------------------------------------------------------------


def big_commune() -> pd.DataFrame:
    return extract(
        block(
            "A", "69001", 10, 6, "couple", "QF < 700", "69001", places=10, billed=100, realised=80
        ),
        block(
            "A",
            "69001",
            10,
            30,
            "monoparentale",
            "QF ≥ 2 000",
            "69002",
            places=10,
            billed=100,
            realised=80,
        ),
        block(
            "B", "69001", 20, 18, "couple", "QF ≥ 2 000", "69001", places=15, billed=50, realised=50
        ),
        block("C", "69003", 8, 18, "couple", "QF < 700", "69003", places=8),
    )


def test_prepare_aggregates_per_eaje():
    ext = big_commune()
    before = ext.copy()
    prep = F.prepare(ext, YEAR)
    pd.testing.assert_frame_equal(ext, before)  # input not mutated
    e = prep.eaje.set_index("id_eaje")
    assert (
        e.loc["A", "enfants"] == 20 and e.loc["B", "enfants"] == 20 and e.loc["C", "enfants"] == 8
    )
    assert e.loc["A", "heures_facturees"] == 2000 and e.loc["A", "heures_realisees"] == 1600
    assert e.loc["B", "places"] == 15
    assert prep.modalites["age"][:4] == F.AGE_BANDS
    assert prep.modalites["tranche_revenu"] == ("QF < 700", "QF ≥ 2 000")
    long = prep.long_counts("age").set_index(["id_eaje", "modalite"])["enfants"]
    assert long[("A", "< 1 an")] == 10 and long[("A", "2 ans")] == 10 and long[("B", "1 an")] == 20
    assert F.communes_with_eaje(prep) == ["69001", "69003"]


def test_comparison_three_way_shares_and_gaps():
    prep = F.prepare(big_commune(), YEAR)
    view = F.commune_view(prep, "69001")
    ref = F.reference_view(
        pd.DataFrame(
            {
                "annee": YEAR,
                "code_insee": "69001",
                "dimension": "situation_familiale",
                "modalite": ["couple", "monoparentale", "autre"],
                "enfants": [60.0, 30.0, 10.0],
            }
        ),
        "69001",
        YEAR,
    )
    comp = F.comparison(
        view, ref, "situation_familiale", "A", prep.modalites["situation_familiale"]
    )
    row = comp.set_index("modalite")
    assert row.loc["Couple", "n_eaje"] == 10 and row.loc["Couple", "part_eaje"] == pytest.approx(50)
    assert row.loc["Couple", "n_commune"] == 30 and row.loc[
        "Couple", "part_commune"
    ] == pytest.approx(75)
    assert row.loc["Couple", "part_alloc"] == pytest.approx(60)
    assert row.loc["Couple", "ecart_eaje_commune"] == pytest.approx(-25)
    assert row.loc["Couple", "ecart_eaje_alloc"] == pytest.approx(-10)
    assert row.loc["Famille monoparentale", "ecart_commune_alloc"] == pytest.approx(25 - 30)
    assert (
        row.loc["Autre situation", "n_eaje"] == 0 and row.loc["Autre situation", "part_alloc"] == 10
    )
    assert row.loc["Ensemble", "n_commune"] == 40 and row.loc["Ensemble", "part_commune"] == 100


@pytest.mark.parametrize(
    ("id_eaje", "indicator", "eaje_value", "commune_value"),
    [
        ("A", "Places", 10, 25),
        ("A", "Enfants accueillis", 20, 40),
        ("A", "Enfants par place", 2.0, 40 / 25),
        ("A", "Heures réalisées / heures facturées", 80.0, 2600 / 3000 * 100),
        ("A", "Heures réalisées par place", 160.0, 2600 / 25),
        ("A", "Enfants résidant dans la commune de l'EAJE", 10, 30),
        ("B", "Part des enfants résidant dans la commune de l'EAJE", 100.0, 75.0),
    ],
)
def test_cadrage(id_eaje, indicator, eaje_value, commune_value):
    view = F.commune_view(F.prepare(big_commune(), YEAR), "69001")
    tab = F.cadrage(view, id_eaje).set_index("indicateur")
    assert tab.loc[indicator, "eaje"] == pytest.approx(eaje_value)
    assert tab.loc[indicator, "commune"] == pytest.approx(commune_value)


def test_residence_and_ranking():
    view = F.commune_view(F.prepare(big_commune(), YEAR), "69001")
    res = F.residence(view, "A")
    assert res["code_insee"].tolist() == ["69001", "69002"] and res["part"].tolist() == [50.0, 50.0]
    rk = F.ranking(view, "tranche_revenu", ["QF < 700"])
    assert rk["id_eaje"].tolist() == ["A", "B"]
    assert rk["part"].tolist() == [50.0, 0.0]
    assert rk["rang"].tolist() == [1, 2]
    assert rk["ecart_commune"].tolist() == [25.0, -25.0]


# --------------------------------------------------------------------------------------------
# Secrecy through the views
# --------------------------------------------------------------------------------------------


def small_commune() -> pd.DataFrame:
    """Two EAJE in 69001 (B has one baby and one single parent), one EAJE in 69003."""
    return extract(
        block("A", "69001", 12, 15, "couple", "QF < 700", "69001"),
        block("A", "69001", 9, 28, "couple", "QF ≥ 2 000", "69001"),
        block("A", "69001", 6, 30, "monoparentale", "QF < 700", "69002"),
        block("B", "69001", 1, 5, "monoparentale", "QF < 700", "69002"),
        block("B", "69001", 14, 20, "couple", "QF ≥ 2 000", "69001"),
        block("B", "69001", 7, 26, "autre", "QF ≥ 2 000", "69001"),
        block("C", "69003", 30, 20, "couple", "QF < 700", "69003"),
    )


def test_hidden_counts_hide_shares_and_gaps():
    prep = F.prepare(small_commune(), YEAR)
    view = F.commune_view(prep, "69001")
    for dim in F.DIMENSIONS:
        for eaje in ("A", "B"):
            comp = F.comparison(view, None, dim, eaje, prep.modalites[dim])
            for pop in ("eaje", "commune"):
                hidden = comp[f"n_{pop}"].isna()
                assert comp.loc[hidden, f"part_{pop}"].isna().all()
                assert comp.loc[hidden, "ecart_eaje_commune"].isna().all()
                shown = comp.loc[~hidden & (comp["modalite"] != "Ensemble"), f"n_{pop}"]
                assert not ((shown > 0) & (shown < 5)).any()
    age_b = F.comparison(view, None, "age", "B", prep.modalites["age"]).set_index("modalite")
    assert np.isnan(age_b.loc["< 1 an", "n_eaje"])
    # commune − A would give B's baby: the commune figure or A's must be hidden as well
    assert np.isnan(age_b.loc["< 1 an", "n_commune"]) or np.isnan(
        F.comparison(view, None, "age", "A").set_index("modalite").loc["< 1 an", "n_eaje"]
    )


def _published_functionals(  # noqa: C901 - reference implementation written as the published text reads
    ext: pd.DataFrame, prep: F.FilouePrepared, code: str, threshold: int
) -> tuple[UnitsModel, list[tuple[np.ndarray, float]]]:
    """Every figure the views publish for commune `code`, as (functional, value) pairs."""
    ext = ext.loc[ext["code_insee_eaje"] == code]
    ids = sorted(ext["id_eaje"].unique())
    raw = {
        "age": F.age_band(ext["age_mois"]),
        "situation_familiale": ext["situation_familiale"].str.lower().map(F.SITUATION_LABELS),
        "tranche_revenu": ext["tranche_revenu"],
        F.RESIDENCE: ext["code_insee_residence"],
    }
    rows = {
        d: list(prep.modalites[d]) if d != F.RESIDENCE else sorted(set(v)) for d, v in raw.items()
    }
    tables = {
        d: pd.crosstab(pd.Categorical(v, categories=rows[d]), ext["id_eaje"], dropna=False)
        .reindex(index=rows[d], columns=ids, fill_value=0)
        .to_numpy()
        for d, v in raw.items()
    }
    model = UnitsModel(tables)
    view = F.commune_view(prep, code, threshold)
    pub: list[tuple[np.ndarray, float]] = []
    col = {e: j for j, e in enumerate(ids)}

    res = tables[F.RESIDENCE]
    grouped = [
        m
        for i, m in enumerate(rows[F.RESIDENCE])
        if res[i].sum() < F.RESIDENCE_GROUP_BELOW and m not in (code, F.NON_RENSEIGNE)
    ]

    def cell(d: str, mod: str, e: str | None) -> np.ndarray:
        if d == F.RESIDENCE and mod == F.AUTRES_COMMUNES:  # the grouped row: a sum of communes
            return sum((cell(d, m, e) for m in grouped), np.zeros(model.n))
        i = rows[d].index(mod)
        return model.margin(d, i) if e is None else model.cell(d, i, col[e])

    def total(e: str | None) -> np.ndarray:
        if e is None:
            return sum((model.unit_total("age", j) for j in range(len(ids))), np.zeros(model.n))
        return model.unit_total("age", col[e])

    for e in [None, *ids]:
        for dim in F.DIMENSIONS:
            comp = F.comparison(view, None, dim, e, prep.modalites[dim])
            for pop in (["eaje"] if e else []) + ["commune"]:
                who = e if pop == "eaje" else None
                for mod, n, part in zip(
                    comp["modalite"], comp[f"n_{pop}"], comp[f"part_{pop}"], strict=True
                ):
                    assert np.isnan(n) == np.isnan(part) or n == 0
                    if np.isnan(n):
                        continue
                    pub.append((total(who) if mod == "Ensemble" else cell(dim, mod, who), n))
        cad = F.cadrage(view, e).set_index("indicateur")
        key = "eaje" if e else "commune"
        n = cad.loc["Enfants accueillis", key]
        if not np.isnan(n):
            pub.append((total(e), n))
        n = cad.loc["Enfants résidant dans la commune de l'EAJE", key]
        if not np.isnan(n):
            pub.append((cell(F.RESIDENCE, code, e), n))
        for r in F.residence(view, e).itertuples():
            if not np.isnan(r.enfants):
                pub.append((cell(F.RESIDENCE, r.code_insee, e), r.enfants))
    for dim in F.DIMENSIONS:
        mods = list(prep.modalites[dim])
        for size in (1, 2):
            for subset in itertools.combinations(mods, size):
                rk = F.ranking(view, dim, list(subset))
                for r in rk.itertuples():
                    if not np.isnan(r.effectif):
                        f = sum((cell(dim, m, r.id_eaje) for m in subset), np.zeros(model.n))
                        pub.append((f, r.effectif))
    ov = F.eaje_overview(view)
    for r in ov.itertuples():
        if not np.isnan(r.part_residents):
            pub.append((cell(F.RESIDENCE, code, r.id_eaje), r.part_residents * r.enfants / 100))
    return model, pub


@pytest.mark.parametrize("threshold", [5, 8])
@pytest.mark.parametrize("code", ["69001", "69003"])
def test_attack_everything_the_views_publish(code, threshold):
    """Feed an attacker every figure of every view (all EAJE, the commune, rankings on every
    pair of modalities): no count below the threshold can be solved for."""
    ext = small_commune()
    prep = F.prepare(ext, YEAR)
    model, pub = _published_functionals(ext, prep, code, threshold)
    attacker = model.attacker()
    for f, value in pub:
        assert model.value(f) == pytest.approx(value)  # the views publish true figures only
        attacker.learn(f, value)
    sensitive = []
    for d, x in model.tables.items():
        for i in range(x.shape[0]):
            for j in range(model.k):
                if 0 < x[i, j] < threshold:
                    sensitive.append(model.cell(d, i, j))
            if 0 < x[i].sum() < threshold:
                sensitive.append(model.margin(d, i))
    assert code != "69001" or sensitive  # the commune does hold small counts
    for f in sensitive:
        assert not attacker.can_solve(f), f"recovered {model.value(f)}"


def test_attacker_recovers_cells_from_an_unprotected_publication():
    """The same attacker, fed the raw tables minus the small cells, recovers them: the test can fail."""
    ext = small_commune()
    prep = F.prepare(ext, YEAR)
    model, _ = _published_functionals(ext, prep, "69001", 5)
    attacker = model.attacker()
    x = model.tables["age"]
    for i in range(x.shape[0]):
        attacker.learn(model.margin("age", i), x[i].sum())
        for j in range(model.k):
            if not 0 < x[i, j] < 5:
                attacker.learn(model.cell("age", i, j), x[i, j])
    baby = F.AGE_BANDS.index("< 1 an")
    assert attacker.can_solve(model.cell("age", baby, 1))
    assert attacker.solve(model.cell("age", baby, 1)) == pytest.approx(1)


def test_rare_communes_of_residence_are_grouped():
    ext = extract(
        block("A", "69001", 20, 15, "couple", "QF < 700", "69001"),
        block("A", "69001", 3, 15, "couple", "QF < 700", "69002"),
        block("A", "69001", 4, 15, "couple", "QF < 700", "69003"),
        block("A", "69001", 9, 15, "couple", "QF < 700", "69004"),
    )
    view = F.commune_view(F.prepare(ext, YEAR), "69001")
    res = F.residence(view, "A").set_index("code_insee")["enfants"]
    assert res.to_dict() == {"69001": 20.0, "69004": 9.0, F.AUTRES_COMMUNES: 7.0}


def test_small_eaje_hides_both_eaje_of_a_two_eaje_commune():
    ext = extract(
        block("S", "35001", 3, 10, "couple", "QF < 700", "35001"),
        block("T", "35001", 25, 20, "couple", "QF < 700", "35001"),
    )
    view = F.commune_view(F.prepare(ext, YEAR), "35001")
    assert view.eaje["secret"].tolist() == [True, True]
    assert view.eaje["enfants"].isna().all() and view.eaje["heures_realisees"].isna().all()
    assert view.totals["enfants"] == 28
    cad = F.cadrage(view, "T").set_index("indicateur")
    assert np.isnan(cad.loc["Enfants accueillis", "eaje"]) and cad.loc["Places", "eaje"] == 20
    comp = F.comparison(view, None, "age", "T")
    assert comp["n_eaje"].isna().all()
    assert F.ranking(view, "age", ["1 an"])["part"].isna().all()


def test_commune_below_threshold_hides_everything():
    ext = extract(block("S", "23001", 3, 10, "couple", "QF < 700", "23001"))
    view = F.commune_view(F.prepare(ext, YEAR), "23001")
    assert view.all_hidden
    assert np.isnan(view.totals["enfants"])
    comp = F.comparison(view, None, "tranche_revenu", "S")
    assert comp[["n_eaje", "n_commune", "part_eaje", "part_commune"]].isna().all().all()
    assert F.residence(view, None)["enfants"].isna().all()


@pytest.mark.parametrize(
    ("values", "hidden"),
    [
        (
            {"couple": 40, "monoparentale": 3, "autre": 9},
            {"Famille monoparentale", "Autre situation"},
        ),
        ({"couple": 40, "monoparentale": 12, "autre": 9}, set()),
        (
            {"couple": 2, "monoparentale": 1, "autre": 1},
            {"Couple", "Famille monoparentale", "Autre situation"},
        ),
    ],
)
def test_reference_view_secrecy(values, hidden):
    ref = pd.DataFrame(
        {
            "annee": YEAR,
            "code_insee": "69001",
            "dimension": "situation_familiale",
            "modalite": list(values),
            "enfants": [float(v) for v in values.values()],
        }
    )
    rv = F.reference_view(ref, "69001", YEAR)
    s = rv.series["situation_familiale"]
    assert set(s.index[s.isna()]) == hidden
    assert np.isnan(rv.totals["situation_familiale"]) == (sum(values.values()) < 5)


def test_reference_year_falls_back_to_latest_earlier():
    ref = pd.DataFrame(
        {
            "annee": [2021, 2022, 2025],
            "code_insee": "69001",
            "dimension": "age",
            "modalite": "1 an",
            "enfants": [10.0, 20.0, 30.0],
        }
    )
    assert F.reference_view(ref, "69001", 2023).annee == 2022
    assert F.reference_view(ref, "69001", 2020).annee == 2025


def test_indicators_registered():
    ids = {i.id for i in all_indicators()}
    assert {"filoue_cadrage", "filoue_comparaison", "filoue_residence", "filoue_classement"} <= ids
    for ind in F.INDICATORS:
        assert callable(ind.function) and ind.label and ind.unit
