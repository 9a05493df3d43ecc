"""Territory selection, search and codes on a small hand-made geography.

Covers Corsica (2A/2B), a DROM (97411), Paris/Lyon/Marseille (75056/69123/13055), codes that
lost their leading zero in a spreadsheet, homonyms and a commune without EPCI.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geodata.territory import (
    FRANCE,
    Geography,
    Level,
    SearchIndex,
    Territory,
    communes_of,
    default_sublevel,
    from_query_params,
    make_territory,
    normalize_code_insee,
    normalize_text,
    parents,
    sublevels,
    to_query_params,
)

COMMUNES = [
    # code, nom, dep, reg, siren_epci, population
    ("01001", "L'Abergement-Clémenciat", "01", "84", "200069193", 859),
    ("13055", "Marseille", "13", "93", "200054807", 877_215),
    ("29083", "Île-de-Sein", "29", "53", None, 250),
    ("2A004", "Ajaccio", "2A", "94", "242010056", 75_000),
    ("2B033", "Bastia", "2B", "94", "242020071", 48_000),
    ("42218", "Saint-Étienne", "42", "84", "244200770", 173_000),
    ("69123", "Lyon", "69", "84", "200046977", 520_774),
    ("75056", "Paris", "75", "11", "200054781", 2_113_705),
    ("93066", "Saint-Denis", "93", "11", "200054781", 113_000),
    ("97411", "Saint-Denis", "974", "04", "249740119", 153_000),
]
EPCI = [
    ("200046977", "Métropole de Lyon", "METLYON", "69"),
    ("200054781", "Métropole du Grand Paris", "MET69", "75;93"),
    ("200054807", "Métropole d'Aix-Marseille-Provence", "MET", "13"),
    ("200069193", "CC de la Dombes", "CC", "01"),
    ("242010056", "CA du Pays Ajaccien", "CA", "2A"),
    ("242020071", "CA de Bastia", "CA", "2B"),
    ("244200770", "Saint-Étienne Métropole", "MET", "42"),
    ("249740119", "CA CINOR", "CA", "974"),
]
DEPS = [
    ("01", "Ain", "84", "Auvergne-Rhône-Alpes"),
    ("13", "Bouches-du-Rhône", "93", "Provence-Alpes-Côte d'Azur"),
    ("29", "Finistère", "53", "Bretagne"),
    ("2A", "Corse-du-Sud", "94", "Corse"),
    ("2B", "Haute-Corse", "94", "Corse"),
    ("42", "Loire", "84", "Auvergne-Rhône-Alpes"),
    ("69", "Rhône", "84", "Auvergne-Rhône-Alpes"),
    ("75", "Paris", "11", "Île-de-France"),
    ("93", "Seine-Saint-Denis", "11", "Île-de-France"),
    ("974", "La Réunion", "04", "La Réunion"),
]


@pytest.fixture(scope="module")
def geo() -> Geography:
    com = pd.DataFrame(
        COMMUNES, columns=["code_insee", "nom", "dep", "reg", "siren_epci", "population"]
    )
    com["siren_epci"] = com["siren_epci"].astype("string")
    com["dens7"] = pd.array([5, 1, 7, 2, 2, 1, 1, 1, 1, 2], dtype="Int64")
    dep_names = {d: n for d, n, _, _ in DEPS}
    com["dep_nom"] = com["dep"].map(dep_names)
    epci = pd.DataFrame(EPCI, columns=["siren_epci", "nom", "epci_type", "deps"])
    pops = com.groupby("siren_epci")["population"].sum()
    epci["population"] = epci["siren_epci"].map(pops).fillna(0).astype(int)
    epci["n_communes"] = (
        epci["siren_epci"].map(com.groupby("siren_epci").size()).fillna(0).astype(int)
    )
    deps = pd.DataFrame(DEPS, columns=["dep", "nom", "reg", "reg_nom"])
    deps["population"] = deps["dep"].map(com.groupby("dep")["population"].sum()).astype(int)
    deps["n_communes"] = deps["dep"].map(com.groupby("dep").size()).astype(int)
    regs = (
        deps.groupby(["reg", "reg_nom"], as_index=False)
        .agg(
            population=("population", "sum"),
            n_communes=("n_communes", "sum"),
            n_departements=("dep", "count"),
        )
        .rename(columns={"reg_nom": "nom"})
    )
    return Geography(communes=com, epci=epci, departements=deps, regions=regs)


@pytest.fixture(scope="module")
def index(geo) -> SearchIndex:
    return SearchIndex(geo)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01001", "01001"),
        (1001, "01001"),  # lost its leading zero in a spreadsheet
        ("1001", "01001"),
        (1001.0, "01001"),
        ("1001.0", "01001"),
        ("2a004", "2A004"),
        (" 2B033 ", "2B033"),
        ("97411", "97411"),
        ("75056", "75056"),
        ("69123", "69123"),
        ("13055", "13055"),
        ("2C004", None),
        ("123", None),
        ("ABCDE", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_normalize_code_insee(raw, expected):
    assert normalize_code_insee(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("ST ETIENNE", "saint etienne"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
        ("Œuilly", "oeuilly"),
        ("  L'Abergement-Clémenciat ", "l abergement clemenciat"),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("query", "level", "code"),
    [
        ("saint etienne", Level.COMMUNE, "42218"),
        ("SAINT-ÉTIENNE", Level.COMMUNE, "42218"),
        ("st etienne", Level.COMMUNE, "42218"),
        ("69123", Level.COMMUNE, "69123"),
        ("75056", Level.COMMUNE, "75056"),
        ("13055", Level.COMMUNE, "13055"),
        ("2A004", Level.COMMUNE, "2A004"),
        ("2a004", Level.COMMUNE, "2A004"),
        ("97411", Level.COMMUNE, "97411"),
        ("1001", Level.COMMUNE, "01001"),
        ("200046977", Level.EPCI, "200046977"),
        ("2A", Level.DEPARTEMENT, "2A"),
        ("2b", Level.DEPARTEMENT, "2B"),
        ("974", Level.DEPARTEMENT, "974"),
        ("corse du sud", Level.DEPARTEMENT, "2A"),
        ("reunion", Level.REGION, "04"),
        ("lyon", Level.COMMUNE, "69123"),
    ],
)
def test_search_first_hit(index, query, level, code):
    hits = index.search(query)
    assert hits, query
    assert (hits[0].territory.level, hits[0].territory.code) == (level, code)


def test_search_homonyms_listed_by_population(index):
    hits = [
        h.territory.code for h in index.search("saint denis") if h.territory.level is Level.COMMUNE
    ]
    assert hits[:2] == ["97411", "93066"]


@pytest.mark.parametrize("query", ["", "   ", "zzzz introuvable"])
def test_search_nothing(index, query):
    assert index.search(query) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, FRANCE),
        ({"niveau": "commune", "code": "2a004"}, Territory(Level.COMMUNE, "2A004", "Ajaccio")),
        (
            {"niveau": "commune", "code": "1001"},
            Territory(Level.COMMUNE, "01001", "L'Abergement-Clémenciat"),
        ),
        (
            {"niveau": "departement", "code": "2B"},
            Territory(Level.DEPARTEMENT, "2B", "Haute-Corse"),
        ),
        (
            {"niveau": "epci", "code": "200054781"},
            Territory(Level.EPCI, "200054781", "Métropole du Grand Paris"),
        ),
        ({"niveau": "region", "code": "04"}, Territory(Level.REGION, "04", "La Réunion")),
        ({"niveau": "commune", "code": "99999"}, FRANCE),
        ({"niveau": "bogus", "code": "69"}, FRANCE),
    ],
)
def test_from_query_params(geo, params, expected):
    assert from_query_params(geo, params) == expected


@pytest.mark.parametrize(
    ("level", "code"),
    [
        (Level.COMMUNE, "2A004"),
        (Level.DEPARTEMENT, "974"),
        (Level.EPCI, "200046977"),
        (Level.REGION, "94"),
    ],
)
def test_query_params_round_trip(geo, level, code):
    t = make_territory(geo, level, code)
    assert from_query_params(geo, to_query_params(t)) == t


@pytest.mark.parametrize(
    ("level", "code", "expected"),
    [
        (Level.COMMUNE, "69123", ["epci:200046977", "departement:69", "region:84", "france"]),
        (Level.COMMUNE, "29083", ["departement:29", "region:53", "france"]),  # no EPCI
        (Level.COMMUNE, "97411", ["epci:249740119", "departement:974", "region:04", "france"]),
        (Level.EPCI, "200054781", ["departement:75", "region:11", "france"]),  # most populous dep
        (Level.DEPARTEMENT, "2A", ["region:94", "france"]),
        (Level.REGION, "94", ["france"]),
        (Level.FRANCE, "", []),
    ],
)
def test_parents(geo, level, code, expected):
    t = make_territory(geo, level, code)
    assert [p.key for p in parents(geo, t)] == expected


@pytest.mark.parametrize(
    ("level", "code", "codes"),
    [
        (Level.DEPARTEMENT, "2A", ["2A004"]),
        (Level.REGION, "94", ["2A004", "2B033"]),
        (Level.EPCI, "200054781", ["75056", "93066"]),
        (Level.COMMUNE, "13055", ["13055"]),
    ],
)
def test_communes_of(geo, level, code, codes):
    rows = communes_of(geo, make_territory(geo, level, code))
    assert sorted(rows["code_insee"]) == codes


def test_communes_of_returns_a_copy(geo):
    rows = communes_of(geo, make_territory(geo, Level.DEPARTEMENT, "69"))
    rows["population"] = 0
    assert geo.communes.loc[geo.communes["code_insee"] == "69123", "population"].iloc[0] == 520_774


@pytest.mark.parametrize(
    ("level", "default", "subs"),
    [
        (Level.FRANCE, Level.DEPARTEMENT, [Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE]),
        (Level.REGION, Level.COMMUNE, [Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE]),
        (Level.DEPARTEMENT, Level.COMMUNE, [Level.EPCI, Level.COMMUNE]),
        (Level.EPCI, Level.COMMUNE, [Level.COMMUNE]),
        (Level.COMMUNE, Level.COMMUNE, [Level.COMMUNE]),
    ],
)
def test_sublevels(level, default, subs):
    t = Territory(level, "x", "x")
    assert default_sublevel(t) is default
    assert sublevels(t) == subs


@pytest.mark.parametrize(("level", "code"), [(Level.COMMUNE, "00000"), (Level.DEPARTEMENT, "20")])
def test_make_territory_unknown(geo, level, code):
    with pytest.raises(KeyError):
        make_territory(geo, level, code)


@pytest.mark.parametrize(
    ("level", "code", "name"),
    [
        (Level.COMMUNE, "2A004", "Ajaccio"),
        (Level.COMMUNE, "97411", "Saint-Denis"),
        (Level.COMMUNE, "75056", "Paris"),
        (Level.COMMUNE, "13055", "Marseille"),
        (Level.DEPARTEMENT, "2B", "Haute-Corse"),
        (Level.DEPARTEMENT, "974", "La Réunion"),
    ],
)
def test_real_reference_codes(level, code, name):
    """The shipped COG 2025 tables hold these codes as strings (Corsica, DROM, PLM)."""
    from geodata import reference

    com = reference.communes_table() if level is Level.COMMUNE else reference.departements_table()
    col = "code_insee" if level is Level.COMMUNE else "dep"
    hit = com.loc[com[col] == code, "nom"]
    assert hit.tolist() == [name]


# ------------------------------------------------------------------- homonymous communes
@pytest.fixture(scope="module")
def real_geo():
    from geodata.reference import load_geography

    return load_geography()


@pytest.mark.parametrize(
    ("code", "name", "label"),
    [
        ("93066", "Saint-Denis (93)", "Saint-Denis (93)"),
        ("97411", "Saint-Denis (974)", "Saint-Denis (974)"),
        ("11339", "Saint-Denis (11)", "Saint-Denis (11)"),
        ("93048", "Montreuil (93)", "Montreuil (93)"),
        ("42147", "Montbrison", "Montbrison (42147)"),  # a unique name keeps its code
        ("2A004", "Ajaccio", "Ajaccio (2A004)"),
    ],
)
def test_homonymous_communes_carry_their_departement(real_geo, code, name, label):
    from geodata.territory import SearchIndex

    t = make_territory(real_geo, Level.COMMUNE, code)
    assert (t.name, t.label) == (name, label)
    hits = SearchIndex(real_geo).search(name.split(" (")[0], limit=40)
    assert any(h.territory == t for h in hits)  # found by its COG name, shown qualified


def test_qualified_names_only_touch_shared_names():
    from geodata.territory import qualified_names

    names = pd.Series(["Saint-Denis", "Saint-Denis", "Lyon", "Valence"])
    deps = pd.Series(["93", "974", "69", "26"])
    assert qualified_names(names, deps).tolist() == [
        "Saint-Denis (93)",
        "Saint-Denis (974)",
        "Lyon",
        "Valence",
    ]


def test_prediag_title_of_a_homonym(real_geo):
    from reports.prediag import subject_from_communes, subject_from_territory

    t = make_territory(real_geo, Level.COMMUNE, "97411")
    assert subject_from_territory(real_geo, t).title == "Commune : Saint-Denis (974)"
    assert subject_from_communes(real_geo, ["93066"]).title == "Commune : Saint-Denis (93)"
