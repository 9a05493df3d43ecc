"""Tests of the deterministic synthetic (demo) datasets (datastore/synthetic.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from catalogue.sources import Nature
from datastore import synthetic as syn
from datastore.schemas import Dtype, dataset_type
from datastore.store import Workspace

REF_DATE = date(2026, 11, 26)


# ----------------------------------------------------------------- national fixtures


@pytest.fixture(scope="module")
def inputs() -> syn.SyntheticInputs:
    return syn.load_inputs()


@pytest.fixture(scope="module")
def generated(inputs: syn.SyntheticInputs) -> dict[str, pd.DataFrame]:
    return syn.generate_all(reference_date=REF_DATE, inputs=inputs)


# ------------------------------------------------------------------- small helpers


@pytest.mark.parametrize(
    ("weights", "groups", "totals", "expected"),
    [
        ([1, 1, 1], [0, 0, 0], [10], [4, 3, 3]),
        ([10, 12, 40], [0, 0, 0], [62], [10, 12, 40]),
        ([1, 3, 1, 1], [0, 0, 1, 1], [8, 5], [2, 6, 3, 2]),
        ([5.0], [0], [0], [0]),
        ([2, 1], [1, 1], [0, 7], [5, 2]),
    ],
)
def test_apportion_hits_totals_exactly(weights, groups, totals, expected):
    got = syn.apportion(np.array(weights, float), np.array(groups), np.array(totals))
    assert got.tolist() == expected
    sums = np.bincount(np.array(groups), weights=got, minlength=len(totals))
    assert sums.astype(int).tolist() == list(totals)


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "moins de 1 an"),
        (11, "moins de 1 an"),
        (12, "1 an"),
        (23, "1 an"),
        (24, "2 ans"),
        (35, "2 ans"),
        (36, "3 ans ou plus"),
        (47, "3 ans ou plus"),
    ],
)
def test_age_band(age, band):
    assert syn.age_band(np.array([age]))[0] == band


def _tiny_communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_insee": pd.array(["01001", "01002", "01003", "75056"], dtype="string"),
            "nom": ["Aville", "Bville", "Cville", "Paris"],
            "dep": pd.array(["01", "01", "01", "75"], dtype="string"),
            "reg": pd.array(["84", "84", "84", "11"], dtype="string"),
            "siren_epci": pd.array(["200000001", "200000001", pd.NA, "200054781"], dtype="string"),
            "epci_nom": ["CC Test", "CC Test", None, "Métropole du Grand Paris"],
            "population": pd.array([12_000, 800, 3_000, 2_100_000], dtype="Int64"),
            "dens7": pd.array([2, 6, 5, 1], dtype="Int64"),
        }
    )


def _tiny_geometries() -> pd.Series:
    boxes = [
        shapely.box(5.0, 46.0, 5.1, 46.1),
        shapely.box(5.1, 46.0, 5.2, 46.1),
        shapely.Polygon([(5.2, 46.0), (5.3, 46.0), (5.2, 46.1)]),
        shapely.box(2.25, 48.8, 2.42, 48.9),
    ]
    return pd.Series(boxes, index=["01001", "01002", "01003", "75056"])


def test_bpe_counts_maps_arrondissements_and_merged_communes():
    communes = pd.DataFrame({"code_insee": pd.array(["75056", "93066", "01001"], dtype="string")})
    raw = pd.DataFrame(
        {
            "CODGEO": ["75101", "75102", "93066", "93059", "1001", "99999"],
            "NB_D502": [5, 8, 10, 6, 1, 4],
        }
    )
    got = syn.bpe_counts(raw, communes)
    assert got.to_dict() == {"01001": 1, "75056": 13, "93066": 16}


def test_cnaf_communes_sums_counts_and_derives_children():
    communes = pd.DataFrame({"code_insee": pd.array(["75056", "01004"], dtype="string")})
    cols = {c: [0, 0, 0, 0] for c in syn._CNAF_PLACE_COLUMNS}
    places = pd.DataFrame(
        {
            "date_reference": [2022, 2022, 2022, 2022],
            "num_commune": ["75101", "75102", "01004", "97701"],
            **cols,
        }
    )
    places["places_offertes_ensemble"] = [100, 300, 50, 10]
    places["places_EAJE_ensemble"] = [40, 60, 20, 5]
    taux = pd.DataFrame(
        {
            "date_reference": [2022] * 4,
            "numero_commune": ["75101", "75102", "01004", "97701"],
            "taux_de_couv_global": [50.0, 60.0, 0.0, 10.0],
        }
    )
    got = syn.cnaf_communes(places, taux, communes).set_index("code_insee")
    assert sorted(got.index) == ["01004", "75056"]
    assert got.loc["75056", "pl_total"] == 400
    assert got.loc["75056", "pl_eaje"] == 100
    assert got.loc["75056", "enfants"] == pytest.approx(200 + 500)
    assert np.isnan(got.loc["01004", "enfants"])


# ------------------------------------------------------------ structures (tiny inputs)


def _tiny_cnaf(total: int, psu: int) -> pd.DataFrame:
    row = {c: 0.0 for c in syn.PLACE_COLUMNS}
    row.update(
        annee=2022,
        code_insee="01001",
        pl_eaje=float(total),
        pl_eaje_psu=float(psu),
        pl_eaje_hors_psu=float(total - psu),
        pl_total=float(total),
        enfants=400.0,
    )
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    ("total", "psu", "bpe", "n_expected", "psu_exact"),
    [
        (100, 80, 3, 3, True),
        (50, 50, 2, 2, True),
        (40, 0, 2, 2, True),
        (6, 0, 1, 1, True),
        (30, 27, 1, 1, False),
        (120, 5, 0, 3, False),
        (345, 300, 9, 9, True),
    ],
)
def test_structures_meet_cnaf_places_and_bpe_counts(total, psu, bpe, n_expected, psu_exact):
    communes = _tiny_communes()
    bpe_s = pd.Series({"01001": bpe, "01002": 2, "01003": 0, "75056": 0})
    st = syn.generate_structures(communes, _tiny_geometries(), bpe_s, _tiny_cnaf(total, psu), 7)
    eaje = st[st["type_structure"] == "EAJE"]
    here = eaje[eaje["code_insee"] == "01001"]
    assert len(here) == n_expected
    assert int(here["places"].sum()) == total
    assert (here["places"] > 0).all()
    psu_places = int(here.loc[here["psu"], "places"].sum())
    if psu_exact:
        assert psu_places == psu
    else:
        assert abs(psu_places - psu) < 8 or n_expected == 1
    other = eaje[eaje["code_insee"] == "01002"]
    assert len(other) == 2
    assert other["places"].between(10, 60).all()


def test_structures_points_inside_their_commune_and_schema():
    geoms = _tiny_geometries()
    bpe_s = pd.Series({"01001": 4, "01002": 2, "01003": 1, "75056": 30})
    st = syn.generate_structures(_tiny_communes(), geoms, bpe_s, _tiny_cnaf(100, 80), 3)
    _assert_schema(st, "structures")
    polys = geoms.reindex(st["code_insee"].astype(str)).to_numpy()
    assert shapely.contains_xy(
        polys, st["longitude"].to_numpy(float), st["latitude"].to_numpy(float)
    ).all()
    # RPE in every commune over 10,000 inhabitants.
    rpe = st[st["type_structure"] == "RPE"]
    assert {"01001", "75056"} <= set(rpe["code_insee"])
    assert st.loc[st["type_structure"] != "EAJE", "places"].isna().all()


def test_structures_are_deterministic_and_depend_on_seed():
    args = (
        _tiny_communes(),
        _tiny_geometries(),
        pd.Series({"01001": 3, "01002": 2}),
        _tiny_cnaf(100, 80),
    )
    a = syn.generate_structures(*args, seed=11)
    b = syn.generate_structures(*args, seed=11)
    c = syn.generate_structures(*args, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_sample_points_missing_geometry_gives_nan():
    rng = np.random.default_rng(0)
    geoms = np.array([shapely.box(0, 0, 1, 1), None, shapely.Polygon()], dtype=object)
    pts = syn.sample_points(geoms, rng)
    assert 0 < pts[0, 0] < 1 and 0 < pts[0, 1] < 1
    assert np.isnan(pts[1:]).all()


# -------------------------------------------------------------- enfants (tiny inputs)


def test_enfants_use_cnaf_denominator_and_population_elsewhere():
    communes = _tiny_communes()
    cnaf = _tiny_cnaf(100, 80)  # 400 children in 2022 for 01001
    got = syn.generate_enfants(communes, cnaf, seed=5)
    _assert_schema(got, "enfants")
    assert sorted(got["annee"].unique()) == list(syn.ENFANTS_YEARS)
    by = got.set_index(["code_insee", "annee"])
    assert by.loc[("01001", 2022), "enfants_moins_3"] == pytest.approx(400.0)
    # Elsewhere: population × département share (here 400 / 12,000) × density factor.
    paris_2022 = by.loc[("75056", 2022), "enfants_moins_3"]
    assert 0.025 * 2_100_000 < paris_2022 < 0.042 * 2_100_000
    small = by.loc[("01002", 2022), "enfants_moins_3"]
    assert 0.02 * 800 < small < 0.04 * 800
    ratio = got["naissances"] / got["enfants_moins_3"]
    assert ratio.between(0.30, 0.36).all()
    assert (got["enfants_moins_6"] > got["enfants_moins_3"]).all()


# ------------------------------------------------------------------ caf (tiny inputs)


def test_caf_aggregates_sum_places_and_round_rates():
    communes = _tiny_communes()
    layer = pd.DataFrame(
        {
            "code_insee": ["01001", "01002", "01003", "75056"],
            "annee": 2022,
            "enfants": [300.0, 30.0, 100.0, 60_000.0],
            "pl_eaje_psu": [60.0, 0.0, 10.0, 20_000.0],
            "pl_eaje_hors_psu": [10.0, 12.0, 0.0, 3_000.0],
            "pl_eaje": [70.0, 12.0, 10.0, 23_000.0],
            "pl_prescolarisation": [5.0, 1.0, 3.0, 500.0],
            "pl_assmat": [80.0, 15.0, 45.0, 6_000.0],
            "pl_salarie_domicile": [3.0, 0.0, 0.0, 2_000.0],
            "pl_individuel": [83.0, 15.0, 45.0, 8_000.0],
            "pl_total": [158.0, 28.0, 58.0, 31_500.0],
        }
    )
    epci = pd.DataFrame({"siren_epci": ["200000001", "200054781"], "nom": ["CC Test", "MGP"]})
    deps = pd.DataFrame({"dep": ["01", "75"], "nom": ["Ain", "Paris"]})
    regs = pd.DataFrame({"reg": ["84", "11"], "nom": ["ARA", "IDF"]})
    places, taux = syn.generate_caf(
        communes, epci, deps, regs, layer, levels=("epci", "departement", "region", "france")
    )
    _assert_schema(places, "caf_places")
    _assert_schema(taux, "caf_taux")
    p = places.set_index(["niveau", places["code"].fillna("")])
    t = taux.set_index(["niveau", taux["code"].fillna("")])
    assert p.loc[("epci", "200000001"), "pl_total"] == 186  # 01003 has no EPCI
    assert p.loc[("departement", "01"), "pl_total"] == 244
    assert p.loc[("france", ""), "pl_total"] == 244 + 31_500
    assert t.loc[("epci", "200000001"), "tx_global"] == round(186 / 330 * 100, 1)
    assert t.loc[("departement", "01"), "tx_eaje"] == round(92 / 430 * 100, 1)
    assert t.loc[("france", ""), "nom"] == "France"
    assert pd.isna(taux.loc[taux["niveau"] == "france", "code"]).all()


# ----------------------------------------------------------------- national checks


def _assert_schema(frame: pd.DataFrame, kind: str) -> None:
    dtype = dataset_type(kind)
    assert list(frame.columns) == dtype.column_names
    checks = {
        Dtype.CODE: pd.api.types.is_string_dtype,
        Dtype.TEXT: pd.api.types.is_string_dtype,
        Dtype.INT: pd.api.types.is_integer_dtype,
        Dtype.FLOAT: pd.api.types.is_float_dtype,
        Dtype.BOOL: pd.api.types.is_bool_dtype,
        Dtype.DATE: pd.api.types.is_datetime64_any_dtype,
    }
    for col in dtype.columns:
        s = frame[col.name]
        assert checks[col.dtype](s.dtype), (kind, col.name, s.dtype)
        if col.required:
            assert s.notna().all(), (kind, col.name)
        if col.choices:
            assert set(s.dropna()) <= set(col.choices), (kind, col.name)
        if col.minimum is not None:
            assert (s.dropna() >= col.minimum).all(), (kind, col.name)
        if col.maximum is not None:
            assert (s.dropna() <= col.maximum).all(), (kind, col.name)
    assert not frame.duplicated(list(dtype.keys)).any(), kind


@pytest.mark.parametrize("kind", syn.SYNTHETIC_KINDS)
def test_every_kind_follows_its_schema(generated, kind):
    assert list(generated) == list(syn.SYNTHETIC_KINDS)
    assert len(generated[kind]) > 0
    _assert_schema(generated[kind], kind)


def test_generate_all_is_deterministic(inputs, generated):
    """The whole country, generated twice, gives the same frames. Its speed (it runs at the
    app's first start) is measured by `bench first_start`, not here."""
    again = syn.generate_all(reference_date=REF_DATE)
    for kind in syn.SYNTHETIC_KINDS:
        pd.testing.assert_frame_equal(generated[kind], again[kind], check_exact=True)
        a = pd.util.hash_pandas_object(generated[kind], index=True).to_numpy()
        b = pd.util.hash_pandas_object(again[kind], index=True).to_numpy()
        assert (a == b).all(), kind
    other = syn.generate_ctg(
        inputs.communes, generated["ao_transferts"], seed=1, reference_date=REF_DATE
    )
    assert not other.equals(generated["ctg"])


def test_frames_round_trip_through_the_workspace(tmp_path, generated):
    ws = Workspace(tmp_path)
    for kind in syn.SYNTHETIC_KINDS:
        ws.commit(kind, generated[kind], producer="Démo", source_file="synthetique",
                  nature=Nature.SYNTHETIQUE)  # fmt: skip
        back = ws.read(kind)
        assert back.is_synthetic
        pd.testing.assert_frame_equal(back.frame.drop(columns="dataset_id"), generated[kind])


def test_eaje_counts_follow_bpe(inputs, generated):
    st = generated["structures"]
    counts = st[st["type_structure"] == "EAJE"].groupby("code_insee").size()
    counts = counts.reindex(inputs.bpe.index, fill_value=0)
    latest = inputs.cnaf[inputs.cnaf["annee"] == inputs.cnaf["annee"].max()]
    cnaf_places = latest.set_index("code_insee")["pl_eaje"].reindex(counts.index).fillna(0)
    expected = inputs.bpe.where(
        ~((inputs.bpe == 0) & (cnaf_places > 0)),
        np.maximum(1, np.rint(cnaf_places / 40)).astype(np.int64),
    )
    assert (counts == expected).all()
    assert inputs.bpe.sum() >= 13_600  # national BPE 2021 total 13,697 after mapping
    assert int(inputs.bpe.loc["75056"]) > 300  # Paris arrondissements summed


def test_eaje_places_follow_cnaf(inputs, generated):
    st = generated["structures"]
    eaje = st[st["type_structure"] == "EAJE"]
    got = eaje.groupby("code_insee")["places"].sum()
    got_psu = eaje[eaje["psu"]].groupby("code_insee")["places"].sum()
    n = eaje.groupby("code_insee").size()
    latest = inputs.cnaf[(inputs.cnaf["annee"] == 2022) & (inputs.cnaf["pl_eaje"] > 0)]
    latest = latest.set_index("code_insee")
    assert len(latest) > 900
    assert (got.reindex(latest.index) == latest["pl_eaje"]).all()
    hors = latest["pl_eaje"] - latest["pl_eaje_psu"]
    exact = (latest["pl_eaje_psu"] >= 8) & (hors >= 8) & (n.reindex(latest.index) >= 2)
    psu = got_psu.reindex(latest.index).fillna(0)
    assert (psu[exact] == latest.loc[exact, "pl_eaje_psu"]).all()
    assert ((psu - latest["pl_eaje_psu"]).abs() < 8)[~exact & (n.reindex(latest.index) > 1)].all()


def test_structures_are_inside_their_commune_polygon(inputs, generated):
    st = generated["structures"]
    geoms = inputs.geometries.reindex(st["code_insee"].astype(str)).to_numpy()
    has_geom = ~shapely.is_missing(geoms)
    assert st.loc[has_geom, "latitude"].notna().all()
    inside = shapely.contains_xy(
        geoms[has_geom],
        st.loc[has_geom, "longitude"].to_numpy(float),
        st.loc[has_geom, "latitude"].to_numpy(float),
    )
    assert inside.all()
    assert set(st["code_insee"]) <= set(inputs.communes["code_insee"])


@pytest.mark.parametrize(
    ("type_structure", "low", "high"),
    [
        ("EAJE", 13_000, 15_000),
        ("RPE", 2_000, 4_500),
        ("LAEP", 500, 2_500),
        ("ALSH", 10_000, 35_000),
        ("CS", 1_000, 3_000),
        ("EVS", 500, 2_000),
    ],
)
def test_structure_numbers_are_plausible(generated, type_structure, low, high):
    st = generated["structures"]
    assert low <= (st["type_structure"] == type_structure).sum() <= high


def test_rpe_in_every_large_commune_and_eaje_sizes(inputs, generated):
    st = generated["structures"]
    big = inputs.communes.loc[inputs.communes["population"] > 10_000, "code_insee"]
    rpe = set(st.loc[st["type_structure"] == "RPE", "code_insee"])
    assert set(big) <= rpe
    eaje = st[st["type_structure"] == "EAJE"]
    assert eaje["places"].between(1, 400).all()
    assert 400_000 < eaje["places"].sum() < 520_000
    micro = eaje[eaje["nom"].str.startswith("Micro-crèche")]
    assert micro["places"].le(12).all() and len(micro) > 1_000
    assert eaje["avip"].sum() > 100


def test_children_are_the_births_estimate(inputs, generated):
    """The generators build on the INSEE births estimate (births N-2 + N-1 + N); no synthetic
    children are produced any more."""
    assert "enfants" not in generated
    e = inputs.children
    by_year = e.groupby("annee")[["enfants_moins_3", "naissances"]].sum()
    assert 2.0e6 < by_year.loc[2022, "enfants_moins_3"] < 2.4e6
    assert 650_000 < by_year.loc[2023, "naissances"] < 760_000
    assert by_year.loc[2023, "naissances"] < by_year.loc[2017, "naissances"]  # falling births
    toulouse = e[(e["code_insee"] == "31555") & (e["annee"] == 2022)]
    assert float(toulouse["enfants_moins_3"].iloc[0]) == 18_558  # data README §12


def test_synthetic_epci_rates_near_the_published_national_rate(generated):
    """The demo EPCI rates stay plausible: over all EPCI, places ÷ implied children close to
    the published national rate (60,3 in 2022, first publication)."""
    t = generated["caf_taux"]
    p = generated["caf_places"]
    m = t.merge(p, on=["annee", "niveau", "code"])
    m = m[(m["annee"] == 2022) & (m["tx_global"] > 0)]
    kids = (m["pl_total"] / m["tx_global"] * 100).sum()
    assert 56.0 <= m["pl_total"].sum() / kids * 100 <= 64.0


def test_caf_levels_and_consistency(inputs, generated):
    """Only EPCI files are synthetic: départements and France are real, régions never made."""
    places, taux = generated["caf_places"], generated["caf_taux"]
    assert set(places["niveau"]) == set(taux["niveau"]) == {"epci"}
    counts = places.groupby(["annee", "niveau"]).size().unstack()
    assert list(counts.index) == list(syn.CAF_YEARS)
    assert (counts["epci"] == len(inputs.epci)).all()
    assert taux["edition"].isna().all()  # no CNAF edition for demo data
    epci = taux[taux["tx_global"].notna()]
    assert epci["tx_global"].between(0, 400).all()  # the schema's bounds
    assert 40 <= epci["tx_global"].median() <= 80
    rounded = (epci["tx_global"] * 10).round() == epci["tx_global"] * 10
    assert rounded.all()


def test_ao_transferts_cover_the_three_patterns(inputs, generated):
    ao = generated["ao_transferts"]
    members = syn._epci_members(inputs.communes)
    comps = ao.groupby("siren_epci")["competence"].apply(frozenset)
    whole = ao[ao["communes"].isna()]
    whole_comps = whole.groupby("siren_epci")["competence"].apply(frozenset)
    assert (whole_comps == frozenset(syn.AO_COMPETENCES)).sum() > 50
    assert (whole_comps == frozenset({"planifier", "qualite"})).sum() > 30
    partial = ao[ao["communes"].notna()]
    assert partial["siren_epci"].nunique() > 20
    for siren, subset in zip(partial["siren_epci"], partial["communes"], strict=True):
        codes = subset.split("|")
        assert set(codes) < set(members[siren])
    assert set(comps.index) <= set(inputs.epci["siren_epci"])


def _coverage(ctg: pd.DataFrame, members: dict[str, list[str]]) -> pd.DataFrame:
    """(id_ctg, code_insee) covered: an EPCI signatory covers its members."""
    rows = []
    for id_ctg, sig in zip(ctg["id_ctg"], ctg["signataires"], strict=True):
        for code in sig.split("|"):
            for c in members.get(code, [code]):
                rows.append((id_ctg, c))
    return pd.DataFrame(rows, columns=["id_ctg", "code_insee"]).drop_duplicates()


def test_ctg_signatories_are_valid_codes(inputs, generated):
    ctg = generated["ctg"]
    valid = set(inputs.communes["code_insee"]) | set(inputs.epci["siren_epci"])
    codes = [c for sig in ctg["signataires"] for c in sig.split("|")]
    assert set(codes) <= valid
    assert not ctg.duplicated(["niveau", "signataires"]).any()
    deps = set(ctg["id_ctg"].str.split("-").str[1])
    assert deps == set(inputs.departements["dep"])
    assert (ctg["date_debut"] <= pd.Timestamp(REF_DATE)).all()
    assert (ctg["date_debut"] < ctg["date_fin"]).all()


def test_ctg_cover_every_status(inputs, generated):
    ctg = generated["ctg"]
    ref = pd.Timestamp(REF_DATE)
    expired = ctg["date_fin"] < ref
    soon = (ctg["date_fin"] >= ref) & (ctg["date_fin"] <= ref + pd.DateOffset(months=12))
    assert expired.sum() > 50 and soon.sum() > 50 and (~expired & ~soon).sum() > 500
    assert 0.3 < (ctg["niveau"] == "communal").mean() < 0.7
    members = syn._epci_members(inputs.communes)
    cov = _coverage(ctg, members)
    per_commune = cov.groupby("code_insee").size()
    assert (per_commune >= 2).sum() >= 2  # overlaps
    big = inputs.communes.loc[inputs.communes["population"] > 10_000, "code_insee"]
    assert (~big.isin(cov["code_insee"])).sum() > 10  # AO over 10,000 without CTG
    # Planning held by the EPCI (full transfer) but the CTG is signed by communes only.
    ao = generated["ao_transferts"]
    holders = set(ao.loc[(ao["competence"] == "planifier") & ao["communes"].isna(), "siren_epci"])
    first = ctg["signataires"].str.split("|").str[0]
    inter = ctg[(ctg["niveau"] == "intercommunal") & ~first.isin(list(members))]
    epci_of = inputs.communes.set_index("code_insee")["siren_epci"]
    unsigned = [s for s in inter["signataires"] if epci_of.get(s.split("|")[0]) in holders]
    assert len(unsigned) >= 3


# ------------------------------------------------------------------------------ Filoué


def test_filoue_default_extract(inputs, generated):
    f = generated["filoue"]
    assert 60_000 < len(f) <= syn.FILOUE_MAX_DEFAULT_ROWS
    dep = inputs.communes.set_index("code_insee")["dep"]
    assert set(dep.reindex(f["code_insee_eaje"].unique())) == set(syn.FILOUE_DEFAULT_DEPARTEMENTS)
    assert f["age_mois"].between(0, 47).all()
    assert 0.9 < (f["age_mois"] < 36).mean() < 0.99
    epci = inputs.communes.set_index("code_insee")["siren_epci"]
    same = f["code_insee_residence"] == f["code_insee_eaje"]
    assert 0.7 < same.mean() < 0.95
    moved = f[~same]
    assert (
        epci.reindex(moved["code_insee_residence"]).to_numpy()
        == epci.reindex(moved["code_insee_eaje"]).to_numpy()
    ).all()
    assert set(f["tranche_revenu"]) == set(syn.TRANCHES_REVENU)
    per_eaje = f.groupby("id_eaje").agg(
        h=("heures_facturees", "sum"),
        r=("heures_realisees", "sum"),
        p=("places_eaje", "first"),
        n=("id_enfant", "size"),
    )
    assert (per_eaje["h"] / per_eaje["p"]).between(1_550, 2_150).all()
    assert (per_eaje["r"] < per_eaje["h"]).all()
    assert (per_eaje["n"] / per_eaje["p"]).between(1.0, 2.5).all()
    st = generated["structures"].set_index("id_structure")
    assert (st.loc[per_eaje.index, "places"].to_numpy() == per_eaje["p"].to_numpy()).all()


def test_filoue_benchmark_size_is_exact(inputs, generated):
    """The size asked for by `bench filoue` (its timing is measured there)."""
    big = syn.generate_filoue(generated["structures"], inputs.communes, n_rows=450_000)
    assert len(big) == 450_000
    assert not big.duplicated(["annee", "id_eaje", "id_enfant"]).any()
    assert big["code_insee_eaje"].str[:2].nunique() > 90  # whole country


def test_filoue_reference_matches_extract_and_differs(generated):
    f, ref = generated["filoue"], generated["filoue_reference"]
    assert set(ref["code_insee"]) == set(f["code_insee_eaje"])
    totals = ref.groupby(["code_insee", "dimension"])["enfants"].sum().unstack()
    assert (totals["age"] == totals["situation_familiale"]).all()
    assert (totals["age"] == totals["tranche_revenu"]).all()
    mods = ref.groupby("dimension")["modalite"].apply(set)
    assert mods["age"] == {b[0] for b in syn.AGE_BANDS[:3]}
    assert mods["tranche_revenu"] == set(f["tranche_revenu"])
    assert mods["situation_familiale"] == set(f["situation_familiale"])
    share = ref[ref["dimension"] == "situation_familiale"].groupby("modalite")["enfants"].sum()
    ref_mono = share["monoparentale"] / share.sum()
    eaje_mono = (f["situation_familiale"] == "monoparentale").mean()
    assert ref_mono - eaje_mono > 0.03
    inc = ref[ref["dimension"] == "tranche_revenu"].groupby("modalite")["enfants"].sum()
    assert inc["QF < 700"] / inc.sum() > (f["tranche_revenu"] == "QF < 700").mean() + 0.05


def _tiny_inputs() -> syn.SyntheticInputs:
    return syn.SyntheticInputs(
        communes=_tiny_communes(),
        geometries=_tiny_geometries(),
        epci=pd.DataFrame({"siren_epci": ["200000001", "200054781"], "nom": ["CC", "MGP"]}),
        departements=pd.DataFrame({"dep": ["01", "75"], "nom": ["Ain", "Paris"]}),
        regions=pd.DataFrame({"reg": ["84", "11"], "nom": ["ARA", "IDF"]}),
        bpe=pd.Series({"01001": 3, "01002": 1, "01003": 0, "75056": 12}),
        cnaf=_tiny_cnaf(100, 80),
    )


@pytest.mark.parametrize("departements", [("01",), ("01", "75"), ("2A",)])
def test_generate_all_on_tiny_inputs(departements):
    a = syn.generate_all(
        seed=3, reference_date=REF_DATE, inputs=_tiny_inputs(), filoue_departements=departements
    )
    b = syn.generate_all(
        seed=3, reference_date=REF_DATE, inputs=_tiny_inputs(), filoue_departements=departements
    )
    for kind in syn.SYNTHETIC_KINDS:
        _assert_schema(a[kind], kind)
        pd.testing.assert_frame_equal(a[kind], b[kind], check_exact=True)
    eaje = a["structures"][a["structures"]["type_structure"] == "EAJE"]
    expected = eaje[eaje["code_insee"].str[:2].isin(departements)]
    assert set(a["filoue"]["id_eaje"]) == set(expected["id_structure"])
    assert set(a["filoue_reference"]["code_insee"]) == set(a["filoue"]["code_insee_eaje"])
    assert set(a["ctg"]["id_ctg"].str.split("-").str[1]) == {"01", "75"}
