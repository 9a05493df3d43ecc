"""The vectorised name normalisation of the search index matches normalize_text exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata.territory import normalize_text, normalize_texts


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Saint-Étienne", "L'Haÿ-les-Roses"], ["saint etienne", "l hay les roses"]),
        (["Œuilly", "Ste-Foy-lès-Lyon"], ["oeuilly", "sainte foy les lyon"]),
        (["St-Jean-de-Luz", "ÆRØ 12"], ["saint jean de luz", "aer 12"]),
        (["  Île-d'Yeu  ", "Pœuilly-le-Vieil"], ["ile d yeu", "poeuilly le vieil"]),
        (["a\u0323b\u1dc0c", "Ça"], ["abc", "ca"]),  # combining marks beyond U+0300–U+036F
        ([12, "N°5"], ["12", "n 5"]),
    ],
)
def test_normalize_texts_matches_normalize_text(names, expected):
    s = pd.Series(names, index=[f"i{i}" for i in range(len(names))], dtype=object)
    before = s.copy()
    out = normalize_texts(s)
    assert out.tolist() == expected == [normalize_text(n) for n in names]
    assert out.index.tolist() == s.index.tolist()
    pd.testing.assert_series_equal(s, before)  # input untouched


def test_arrondissements_are_territories_of_their_own() -> None:
    from geodata import reference
    from geodata.territory import (
        Geography,
        Level,
        SearchIndex,
        make_territory,
        parents,
        resolve_query_params,
    )

    geo = Geography(
        reference.communes_table(),
        reference.epci_table(),
        reference.departements_table(),
        reference.regions_table(),
    )
    index = SearchIndex(geo)
    assert index.search("lyon 3e", 1)[0].territory.label == "Lyon 3e Arrondissement (69383)"
    assert index.search("75119", 1)[0].territory.name == "Paris 19e Arrondissement"
    assert index.search("13201", 1)[0].territory.name == "Marseille 1er Arrondissement"
    t, notice = resolve_query_params(geo, {"niveau": "commune", "code": "13203"})
    assert (t.level, t.code, notice) == (Level.COMMUNE, "13203", None)
    assert [p.label for p in parents(geo, make_territory(geo, "commune", "69383"))][:2] == [
        "Lyon (69123)",
        "Métropole de Lyon",
    ]
