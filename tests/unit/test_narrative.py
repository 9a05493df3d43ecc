"""Generated French sentences: number format, agreement, elision, typography."""

from __future__ import annotations

import math

import pytest

from diagnostics import narrative as nv

NN = "\u202f"
NB = "\u00a0"


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        (8.1, "8,1 points"),
        (-8.1, "8,1 points"),
        (1.5, "1,5 point"),
        (1.96, "2,0 points"),
        (0.01, "0,0 point"),
    ],
)
def test_points_singular_below_two(diff, expected):
    assert nv.points_phrase(diff) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Annecy", "d'Annecy"),
        ("Le Mans", "du Mans"),
        ("Les Ulis", "des Ulis"),
        ("La Rochelle", "de La Rochelle"),
        ("Lyon", "de Lyon"),
        ("Hérouville-Saint-Clair", "d'Hérouville-Saint-Clair"),
        ("Yzeron", "d'Yzeron"),
    ],
)
def test_de_elision_and_contraction(name, expected):
    assert nv.de(name) == expected


@pytest.mark.parametrize(
    ("level", "name", "expected"),
    [
        ("epci", "CC du Pays de Gex", "de la CC du Pays de Gex"),
        (
            "epci",
            "Communauté de communes des Monts du Lyonnais",
            "de la Communauté de communes des Monts du Lyonnais",
        ),
        ("epci", "Métropole de Lyon", "de la Métropole de Lyon"),
        ("epci", "SIVOM X", "de l'EPCI SIVOM X"),
        ("commune", "Annecy", "d'Annecy"),
        ("departement", "Rhône", "du département (Rhône)"),
        ("france", "France", "de la France"),
    ],
)
def test_territory_complement(level, name, expected):
    assert nv.territory_complement(level, name) == expected


@pytest.mark.parametrize(
    ("noun", "value", "ref", "expected"),
    [
        (
            nv.TAUX_COUVERTURE,
            52.3,
            60.4,
            "Le taux de couverture de la CC X (52,3) est inférieur de 8,1 points à celui du département (60,4).",
        ),
        (
            nv.TAUX_COUVERTURE,
            61.0,
            59.5,
            "Le taux de couverture de la CC X (61,0) est supérieur de 1,5 point à celui du département (59,5).",
        ),
        (
            nv.Noun("part des familles monoparentales", feminine=True),
            20.0,
            20.04,
            "La part des familles monoparentales de la CC X (20,0) est égale à celle du département (20,0).",
        ),
        (
            nv.Noun("offre", feminine=True),
            30.0,
            20.0,
            "L'offre de la CC X (30,0) est supérieure de 10,0 points à celle du département (20,0).",
        ),
        (
            nv.Noun("places", feminine=True, plural=True),
            10.0,
            12.5,
            "Les places de la CC X (10,0) sont inférieures de 2,5 points à celles du département (12,5).",
        ),
    ],
)
def test_compare_sentence_agreement(noun, value, ref, expected):
    got = nv.compare_sentence(noun, "de la CC X", value, "du département", ref)
    assert got == expected


@pytest.mark.parametrize(("value", "ref"), [(None, 3.0), (3.0, None), (math.nan, 1.0)])
def test_compare_sentence_missing_value_gives_none(value, ref):
    assert nv.compare_sentence(nv.TAUX_COUVERTURE, "de X", value, "de Y", ref) is None


@pytest.mark.parametrize(
    ("n", "pop", "expected"),
    [
        (1, 1, "La CC X compte 1 commune et 1 habitant."),
        (12, 45678, f"La CC X compte 12 communes et 45{NN}678 habitants."),
        (0, 0, "La CC X ne compte aucune commune."),
    ],
)
def test_count_sentence(n, pop, expected):
    assert nv.count_sentence("la CC X", n, pop) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            1234,
            1082,
            f"Le nombre de naissances de Lyon a baissé de 12,3{NN}% entre 2015 et 2022 (de 1{NN}234 à 1{NN}082).",
        ),
        (
            100,
            110,
            f"Le nombre de naissances de Lyon a augmenté de 10,0{NN}% entre 2015 et 2022 (de 100 à 110).",
        ),
        (100, 100, "Le nombre de naissances de Lyon est stable entre 2015 et 2022 (de 100 à 100)."),
        (0, 5, "Le nombre de naissances de Lyon est passé de 0 à 5 entre 2015 et 2022."),
    ],
)
def test_trend_sentence(start, end, expected):
    assert (
        nv.trend_sentence(nv.Noun("nombre de naissances"), "de Lyon", 2015, start, 2022, end)
        == expected
    )


def test_share_sentence_plural_verb():
    got = nv.share_sentence(
        nv.Noun("familles monoparentales", True, True), 23.44, "des allocataires", "de Lyon"
    )
    assert got == f"Les familles monoparentales représentent 23,4{NN}% des allocataires de Lyon."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Source : INSEE", f"Source{NB}: INSEE"),
        ("Source: INSEE", f"Source{NB}: INSEE"),
        ("voir « ici »", f"voir «{NB}ici{NB}»"),
        ("«ici»", f"«{NB}ici{NB}»"),
        ("Vraiment ? Oui ; non !", f"Vraiment{NN}? Oui{NN}; non{NN}!"),
        ("https://data.caf.fr/x?a=b à 10:30", "https://data.caf.fr/x?a=b à 10:30"),
        ("", ""),
    ],
)
def test_typographie(text, expected):
    assert nv.typographie(text) == expected
