"""Generated sentences agree with their subject (issue 19): masculine, feminine, plural
subjects, elision, and CTG names that already start with « CTG »."""

from __future__ import annotations

import pandas as pd
import pytest

from diagnostics import narrative as nv
from reports import prediag
from reports.prediag import Subject

DENSITY = pd.DataFrame({"dens7": [5], "libelle": ["Bourgs ruraux"], "part_population": [100.0]})


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (
            Subject("commune", "42218", "Saint-Étienne", ("42218",)),
            "La commune de Saint-Étienne est classée « Bourgs ruraux »",
        ),
        (
            Subject("commune", "01004", "Ambérieu-en-Bugey", ("01004",)),
            "La commune d'Ambérieu-en-Bugey est classée",
        ),
        (Subject("commune", "72181", "Le Mans", ("72181",)), "La commune du Mans est classée"),
        (
            Subject("ctg", "CTG-1", "CTG – Arbent", ("01015",)),
            "Le territoire de la CTG « Arbent » est classé « Bourgs ruraux »",
        ),
        (
            Subject("ctg", "CTG-2", "Pays de Gex", ("01015",)),
            "Le territoire de la CTG « Pays de Gex » est classé",
        ),
        (
            Subject("epci", "200066587", "CC des Monts du Lyonnais", ("69227",)),
            "La CC des Monts du Lyonnais est classée",
        ),
        (
            Subject("epci", "200000001", "Grand Chambéry", ("73065",)),
            "L'EPCI Grand Chambéry est classé",
        ),
        (
            Subject("selection", "", "1 commune choisie", ("69027",)),
            "La sélection de communes est classée",
        ),
    ],
)
def test_density_sentence_agrees_with_its_subject(subject, expected):
    sentence = prediag._density_sentence(subject, DENSITY, 1)
    assert sentence.startswith(expected), sentence
    assert "classée » " not in sentence.replace("« Bourgs ruraux »", "")


@pytest.mark.parametrize(
    ("name", "title", "complement"),
    [
        ("CTG – Arbent", "CTG – Arbent", "du territoire de la CTG « Arbent »"),
        ("CTG Pays de Gex", "CTG Pays de Gex", "du territoire de la CTG « Pays de Gex »"),
        ("ctg: Haut-Bugey", "ctg: Haut-Bugey", "du territoire de la CTG « Haut-Bugey »"),
        ("Pays de Gex", "CTG : Pays de Gex", "du territoire de la CTG « Pays de Gex »"),
        ("CTGX Nord", "CTG : CTGX Nord", "du territoire de la CTG « CTGX Nord »"),
    ],
)
def test_ctg_names_are_never_doubled(name, title, complement):
    subject = Subject("ctg", "X", name, ("01015",))
    assert subject.title == title
    assert subject.complement == complement
    assert "CTG « CTG " not in subject.nominative and "CTG : CTG " not in subject.title


@pytest.mark.parametrize(
    ("noun", "word", "expected"),
    [
        (nv.Noun("territoire"), "classé", "classé"),
        (nv.Noun("commune", feminine=True), "classé", "classée"),
        (nv.Noun("communes", feminine=True, plural=True), "classé", "classées"),
        (nv.Noun("territoires", plural=True), "classé", "classés"),
        (nv.Noun("taux de couverture"), "inférieur", "inférieur"),
        (nv.Noun("part", feminine=True), "inférieur", "inférieure"),
    ],
)
def test_noun_agreement(noun, word, expected):
    assert noun.agree(word) == expected


def test_sources_never_name_internal_modules():
    from geodata.territory import Level, make_territory
    from tests.unit.test_prediag import CCVG, small_inputs

    inputs = small_inputs()
    p = prediag.build_prediag(
        prediag.subject_from_territory(inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG)),
        inputs,
    )
    import re

    internal = re.compile(r"\b(diagnostics|analyses|reports|datastore|geodata|charts|ui)\.\w")
    texts = list(p.sources) + [t.source for _s, t in p.tables()]
    texts += [c.source for s in p.sections for c in s.charts]
    for text in texts:
        assert not internal.search(text), text
