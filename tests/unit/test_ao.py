"""Rules of diagnostics/ao.py on small hand-made geographies (one EPCI per scenario)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from diagnostics import ao

E1, E2 = "200000001", "200000002"
A, B, C = "01001", "01002", "01003"  # members of E1: 12,000 / 5,000 / 2,000 inhabitants
D, F, G, H = "02001", "02002", "02003", "02004"  # members of E2: 3,500 / 10,000 / 10,001 / 3,501
ISLAND = "29155"  # a commune in no EPCI
REF = date(2026, 1, 15)
FAR = "2030-12-31"

COMMUNES = pd.DataFrame(
    {
        "code_insee": [A, B, C, D, F, G, H],
        "nom": ["Aville", "Bbourg", "Cvillage", "Dpile", "Fpile", "Gplus", "Hplus"],
        "siren_epci": [E1, E1, E1, E2, E2, E2, E2],
        "epci_nom": ["CC Un"] * 3 + ["CC Deux"] * 4,
        "population": [12_000, 5_000, 2_000, 3_500, 10_000, 10_001, 3_501],
    }
)
EPCI = pd.DataFrame({"siren_epci": [E1, E2], "nom": ["CC Un", "CC Deux"]})
NAMES = {A: "Aville", B: "Bbourg", C: "Cvillage", E1: "CC Un", E2: "CC Deux"}


def transfers(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """rows: (siren_epci, competence, communes text)."""
    return pd.DataFrame(
        [
            {"siren_epci": s, "competence": c, "communes": m, "date_effet": pd.NaT}
            for s, c, m in rows
        ],
        columns=["siren_epci", "competence", "communes", "date_effet"],
    )


def ctg_frame(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """rows: (id_ctg, niveau, signataires, date_fin)."""
    return pd.DataFrame(
        [
            {
                "id_ctg": i,
                "nom": f"CTG {i}",
                "niveau": n,
                "signataires": s,
                "date_debut": pd.Timestamp("2022-01-01"),
                "date_fin": pd.Timestamp(f),
            }
            for i, n, s, f in rows
        ]
    )


FULL = ao.checklist_progress(ao.checklist_payload([i for i, _ in ao.checklist_items()]))


def run(
    tr: pd.DataFrame,
    ctg: pd.DataFrame,
    ref: date = REF,
    communes: pd.DataFrame = COMMUNES,
    contents: dict | None = None,
    avenants: pd.DataFrame | None = None,
):
    """Holders, CTG and AO table; `contents` None = every CTG has the eleven items of the
    décret (the cells of the circular's table are about who signed)."""
    holders = ao.competence_holders(communes, tr, ref)
    ctgs = ao.parse_ctg(ctg, communes, EPCI, avenants)
    if contents is None:
        contents = {c.id_ctg: FULL for c in ctgs}
    return holders, ctgs, ao.ao_table(holders, ctgs, ref, contents)


def row(table: pd.DataFrame, code: str) -> dict:
    hit = table.loc[table["ao_code"] == code]
    assert len(hit) == 1, table[["ao_code", "ao_nom"]]
    return hit.iloc[0].to_dict()


ALL_TO_E1 = tuple((E1, c, "") for c in ao.COMPETENCES)
PLANNING_TO_E1 = ((E1, "planifier", ""), (E1, "qualite", ""))
FAMILIES_TO_E1 = ((E1, "recenser", ""), (E1, "informer", ""))


# --------------------------------------------------------- every cell, en droit / en opportunité
@pytest.mark.parametrize(
    ("case", "tr", "niveau", "signataires", "ao_code", "statut", "dist", "a_signer"),
    [
        # all competences at the commune
        ("commune×communal, droit", (), "communal", A, A, ao.ST_VAUT_SCHEMA, ao.DIST_COMMUNE, ""),
        (
            "commune×communal, signée par l'EPCI seul",
            (),
            "communal",
            E1,
            A,
            ao.ST_AVENANT,
            ao.DIST_COMMUNE,
            "Aville",
        ),
        (
            "commune×interco, EPCI et communes",
            (),
            "intercommunal",
            f"{E1}|{A}|{B}|{C}",
            A,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_COMMUNE,
            "",
        ),
        (
            "commune×interco, EPCI seul",
            (),
            "intercommunal",
            E1,
            A,
            ao.ST_AVENANT,
            ao.DIST_COMMUNE,
            "Aville",
        ),
        (
            "commune×interco, communes seules",
            (),
            "intercommunal",
            f"{A},{B},{C}",
            A,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_COMMUNE,
            "",
        ),
        # all competences at the EPCI
        (
            "epci×communal, droit (EPCI signe)",
            ALL_TO_E1,
            "communal",
            f"{A}|{E1}",
            E1,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_EPCI,
            "",
        ),
        (
            "epci×communal, commune seule",
            ALL_TO_E1,
            "communal",
            A,
            E1,
            ao.ST_AVENANT,
            ao.DIST_EPCI,
            "CC Un",
        ),
        (
            "epci×interco, EPCI seul",
            ALL_TO_E1,
            "intercommunal",
            E1,
            E1,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_EPCI,
            "",
        ),
        (
            "epci×interco, communes seules",
            ALL_TO_E1,
            "intercommunal",
            f"{A}|{B}|{C}",
            E1,
            ao.ST_AVENANT,
            ao.DIST_EPCI,
            "CC Un",
        ),
        # shared: EPCI plans, communes inform
        (
            "réparties×communal, EPCI planifie et signe",
            PLANNING_TO_E1,
            "communal",
            f"{A}|{E1}",
            E1,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_SHARED,
            "Bbourg",  # Cvillage (2,000) transfers no planning: not in the EPCI's scope
        ),
        (
            "réparties×communal, commune seule",
            PLANNING_TO_E1,
            "communal",
            A,
            E1,
            ao.ST_AVENANT,
            ao.DIST_SHARED,
            "CC Un",
        ),
        # shared: communes plan, EPCI informs
        (
            "réparties×interco, commune planifie et signe",
            FAMILIES_TO_E1,
            "intercommunal",
            f"{E1}|{A}",
            A,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_SHARED,
            "",
        ),
        (
            "réparties×interco, EPCI seul",
            FAMILIES_TO_E1,
            "intercommunal",
            E1,
            A,
            ao.ST_AVENANT,
            ao.DIST_SHARED,
            "Aville",
        ),
        (
            "réparties×interco, EPCI planifie, communes seules",
            PLANNING_TO_E1,
            "intercommunal",
            f"{A}|{B}|{C}",
            E1,
            ao.ST_AVENANT,
            ao.DIST_SHARED,
            "CC Un",
        ),
        (
            "réparties×interco, EPCI planifie, EPCI et communes",
            PLANNING_TO_E1,
            "intercommunal",
            f"{E1}|{A}|{B}|{C}",
            E1,
            ao.ST_VAUT_SCHEMA,
            ao.DIST_SHARED,
            "",
        ),
    ],
)
def test_cells_of_the_circular_table(
    case, tr, niveau, signataires, ao_code, statut, dist, a_signer
):
    _, _, table = run(transfers(*tr), ctg_frame(("X", niveau, signataires, FAR)))
    r = row(table, ao_code)
    cell = ao.CELLS[(dist, niveau)]
    assert r["statut"] == statut, (case, r["detail"])
    assert r["repartition"] == dist
    assert r["cellule"] == cell.label
    assert r["niveau_ctg"] == niveau
    assert r["a_signer_en_opportunite"] == a_signer
    if statut == ao.ST_VAUT_SCHEMA:
        assert r["phrase_circulaire"].startswith(cell.droit)
        assert ao.S_LOI_DISPENSE in r["phrase_circulaire"]  # every AO here is above 10,000
        assert r["schema"] == ao.SCHEMA_DISPENSE
    else:
        assert ao.S_SIGNATURE_PLANIFICATION in r["phrase_circulaire"]
        assert cell.droit in r["phrase_circulaire"]
        assert f"à signer par {r['ao_nom']}" in r["detail"]  # names who must sign
        assert r["schema"] == ao.SCHEMA_REQUIS


def test_every_cell_has_both_sentences():
    assert len(ao.CELLS) == 6
    for (dist, level), cell in ao.CELLS.items():
        assert dist in ao.DISTRIBUTION_LABELS and level in ao.LEVEL_LABELS
        assert cell.droit and cell.opportunite
        assert ("en droit" in cell.droit.lower()) or ("droit" in cell.opportunite)


def _seed_text() -> str | None:
    path = Path("/work/shared/seeds/000_71fd8ff23175afc0.txt")
    if not path.exists():
        return None
    return re.sub(r"\s+", " ", re.sub(r"</?b>", "", path.read_text(encoding="utf-8")))


QUOTES = [
    ao.S_LOI_DISPENSE,
    ao.S_SCHEMA_REQUIS,
    ao.S_SIGNATURE_PLANIFICATION,
    ao.S_RENEGOCIER,
    ao.S_SEUIL_3500,
    ao.S_AVENANT_ECARTS,
    ao.S_AVENANTS,
    *(c.droit for c in ao.CELLS.values()),
    *(c.opportunite for c in ao.CELLS.values()),
    *(text for _, text in ao.checklist_items()),
]


@pytest.mark.parametrize("quote", QUOTES)
def test_sentences_are_quoted_verbatim(quote):
    text = _seed_text()
    if text is None:
        pytest.skip("texte de la circulaire absent de cette machine")
    assert quote in text


# ------------------------------------------------------------------------- transfers
@pytest.mark.parametrize(
    ("tr", "code", "titulaire_planifier", "population_planifier", "applicable", "dist"),
    [
        ((), A, "commune", 12_000, True, ao.DIST_COMMUNE),
        ((), C, "commune", 2_000, False, ao.DIST_COMMUNE),
        # partial transfer of planning by A and B: the EPCI's population is A+B
        (((E1, "planifier", f"{A}|{B}"),), A, "epci", 17_000, True, ao.DIST_SHARED),
        (((E1, "planifier", f"{A}|{B}"),), C, "commune", 2_000, False, ao.DIST_COMMUNE),
        # « transfer » by B and C: C (2,000) holds no planning (CASF L.214-1-3), only B counts
        (((E1, "planifier", f"{B},{C}"),), C, "commune", 2_000, False, ao.DIST_COMMUNE),
        (((E1, "planifier", f"{B},{C}"),), B, "epci", 5_000, True, ao.DIST_SHARED),
        (((E1, "planifier", f"{B},{C}"),), A, "commune", 12_000, True, ao.DIST_COMMUNE),
        # quality transferred by C alone (2,000): does not apply, C stays « commune »
        (((E1, "qualite", C),), C, "commune", 2_000, False, ao.DIST_COMMUNE),
        # all members transfer everything: the EPCI plans for A and B (17,000), not for C
        (ALL_TO_E1, B, "epci", 17_000, True, ao.DIST_EPCI),
        (ALL_TO_E1, C, "commune", 2_000, False, ao.DIST_EPCI),
    ],
)
def test_holders_and_partial_transfers(
    tr, code, titulaire_planifier, population_planifier, applicable, dist
):
    holders = ao.competence_holders(COMMUNES, transfers(*tr), REF)
    r = holders.set_index("code_insee").loc[code]
    assert r["titulaire_planifier"] == titulaire_planifier
    assert r["population_planifier"] == population_planifier
    assert bool(r["applicable_planifier"]) is applicable
    assert r["repartition"] == dist


def test_quality_transfer_by_a_small_commune_is_not_taken_into_account():
    holders = ao.competence_holders(COMMUNES, transfers((E1, "qualite", C)), REF)
    r = holders.set_index("code_insee").loc[C]
    assert r["titulaire_qualite"] == "commune" and r["population_qualite"] == 2_000
    assert not r["applicable_qualite"]


def test_partial_transfer_ao_table():
    _, _, table = run(transfers((E1, "planifier", f"{A}|{B}")), ctg_frame())
    epci = row(table, E1)
    assert epci["population"] == 17_000 and epci["strate"] == "plus de 10 000"
    assert epci["communes"] == (A, B)
    assert epci["statut"] == ao.ST_SCHEMA_REQUIS
    # A still recenses and informs: it is an AO, but not for planning
    assert row(table, A)["statut"] == ao.ST_NON_CONCERNE
    assert row(table, A)["titulaire_planification"] is False


def test_transfer_not_in_force_yet_is_ignored():
    tr = transfers(*ALL_TO_E1).assign(date_effet=pd.Timestamp("2026-06-01"))
    holders = ao.competence_holders(COMMUNES, tr, REF)
    assert (holders["titulaire_planifier"] == "commune").all()
    later = ao.competence_holders(COMMUNES, tr, date(2026, 6, 1)).set_index("code_insee")
    assert list(later.loc[[A, B, C], "titulaire_planifier"]) == ["epci", "epci", "commune"]


@pytest.mark.parametrize(
    ("tr", "message"),
    [
        (((E1, "planifier", D),), "n'en est pas membre"),
        (((E1, "planifier", "99999"),), "code commune inconnu « 99999 »"),
        (((E1, "planifier", ISLAND),), "n'en est pas membre \\(aucun EPCI\\)"),
        (((E1, "garder", ""),), "compétence inconnue « garder »"),
    ],
)
def test_transfer_errors(tr, message):
    island = pd.DataFrame(
        {
            "code_insee": [ISLAND],
            "nom": ["Île"],
            "siren_epci": [pd.NA],
            "epci_nom": [pd.NA],
            "population": [800],
        }
    )
    communes = pd.concat([COMMUNES, island], ignore_index=True)
    with pytest.raises(ao.AoDataError, match=message):
        ao.competence_holders(communes, transfers(*tr), REF)


def test_holders_do_not_mutate_inputs():
    before = COMMUNES.copy()
    tr = transfers(*ALL_TO_E1)
    tr_before = tr.copy()
    ao.competence_holders(COMMUNES, tr, REF)
    pd.testing.assert_frame_equal(COMMUNES, before)
    pd.testing.assert_frame_equal(tr, tr_before)


# ------------------------------------------------------------------------ thresholds
@pytest.mark.parametrize(
    ("code", "planning", "strate", "statut", "schema"),
    [
        (D, False, "moins de 3 500", ao.ST_NON_CONCERNE, ao.SCHEMA_NON_CONCERNE),  # exactly 3,500
        (H, True, "3 500 à 10 000", ao.ST_NON_CONCERNE, ao.SCHEMA_NON_REQUIS),  # 3,501
        (F, True, "3 500 à 10 000", ao.ST_NON_CONCERNE, ao.SCHEMA_NON_REQUIS),  # exactly 10,000
        (G, True, "plus de 10 000", ao.ST_SCHEMA_REQUIS, ao.SCHEMA_REQUIS),  # 10,001
    ],
)
def test_thresholds(code, planning, strate, statut, schema):
    _, _, table = run(transfers(), ctg_frame())
    r = row(table, code)
    assert r["titulaire_planification"] is planning
    assert r["strate"] == strate
    assert r["statut"] == statut
    assert r["schema"] == schema
    expected_phrase = ao.S_SCHEMA_REQUIS if planning else ao.S_SIGNATURE_PLANIFICATION
    assert expected_phrase in r["phrase_circulaire"]


@pytest.mark.parametrize(
    ("case", "listed", "population", "statut"),
    [
        # D (exactly 3,500) holds no planning: only F's 10,000 count, not above 10,000
        ("3 500 exactement + 10 000", f"{D}|{F}", 10_000, ao.ST_NON_CONCERNE),
        # H (3,501) does hold planning: 13,502 for the EPCI
        ("3 501 + 10 001", f"{G}|{H}", 13_502, ao.ST_SCHEMA_REQUIS),
        ("3 500 + 3 501 + 10 000", f"{D}|{H}|{F}", 13_501, ao.ST_SCHEMA_REQUIS),
    ],
)
def test_transferred_planning_population_counts_communes_above_3500_only(
    case, listed, population, statut
):
    _, _, table = run(transfers((E2, "planifier", listed)), ctg_frame())
    r = row(table, E2)
    assert r["population"] == population and r["statut"] == statut, case


SMALL = "01004"  # a 2,000-inhabitant commune of E1 for the transfer cases
COMMUNES_SMALL = pd.concat(
    [
        COMMUNES,
        pd.DataFrame(
            {
                "code_insee": [SMALL],
                "nom": ["Petitbourg"],
                "siren_epci": [E1],
                "epci_nom": ["CC Un"],
                "population": [2_000],
            }
        ),
    ],
    ignore_index=True,
)


@pytest.mark.parametrize(
    ("competence", "refused", "holder", "epci_population"),
    [
        ("planifier", True, "commune", 12_000),  # refused: A's 12,000 only
        ("qualite", True, "commune", 12_000),
        ("recenser", False, "epci", 14_000),  # every commune holds it and may transfer it
        ("informer", False, "epci", 14_000),
    ],
)
def test_a_2000_inhabitant_commune_transferring(competence, refused, holder, epci_population):
    tr = transfers((E1, competence, f"{A}|{SMALL}"))
    holders = ao.competence_holders(COMMUNES_SMALL, tr, REF).set_index("code_insee")
    assert holders.loc[SMALL, f"titulaire_{competence}"] == holder
    assert holders.loc[A, f"population_{competence}"] == epci_population
    bad = ao.refused_transfers(COMMUNES_SMALL, tr, REF)
    assert len(bad) == (1 if refused else 0)
    if refused:
        msg = bad.iloc[0]["motif"]
        assert "Petitbourg (01004, 2\u202f000 habitants)" in msg
        assert "CASF, article L.214-1-3" in msg and "non pris en compte" in msg
        assert bad.iloc[0]["code_insee"] == SMALL


def test_small_commune_planning_never_turns_no_schema_into_schema_required():
    # 9,000 + 2,000 « transferring » planning: the EPCI would read 11,000 (> 10,000)
    communes = COMMUNES_SMALL.assign(
        population=COMMUNES_SMALL["population"].where(COMMUNES_SMALL["code_insee"] != A, 9_000)
    )
    tr = transfers((E1, "planifier", f"{A}|{SMALL}"))
    holders = ao.competence_holders(communes, tr, REF)
    table = ao.ao_table(holders, [], REF)
    r = row(table, E1)
    assert r["population"] == 9_000 and r["statut"] == ao.ST_NON_CONCERNE


@pytest.mark.parametrize(
    ("ref", "rpe"),
    [(date(2025, 6, 1), "obligatoire à compter du 01/01/2026"), (date(2026, 1, 1), "obligatoire")],
)
def test_relais_petite_enfance(ref, rpe):
    _, _, table = run(transfers(), ctg_frame(), ref=ref)
    assert row(table, G)["rpe"] == rpe
    assert row(table, F)["rpe"] == ""


@pytest.mark.parametrize(
    ("imported", "expected_pop", "type_population", "label_part"),
    [
        (None, 10_000, "municipale", "population municipale 2023"),
        (
            pd.DataFrame(
                {
                    "code_insee": [F],
                    "annee": [2022],
                    "population": [10_050],
                    "type_population": ["totale"],
                }
            ),
            10_050,
            "totale",
            "population totale 2022",
        ),
        (
            pd.DataFrame(
                {
                    "code_insee": [F],
                    "annee": [2022],
                    "population": [10_050],
                    "type_population": ["municipale"],
                }
            ),
            10_000,
            "municipale",
            "municipale 2023",
        ),
    ],
)
def test_population_basis(imported, expected_pop, type_population, label_part):
    pop, basis = ao.resolve_population(COMMUNES, imported)
    assert pop[COMMUNES["code_insee"] == F].iloc[0] == expected_pop
    assert basis.type_population == type_population
    assert label_part in basis.label


def test_population_totale_moves_a_commune_above_10000():
    imported = pd.DataFrame(
        {"code_insee": [F], "annee": [2022], "population": [10_050], "type_population": ["totale"]}
    )
    pop, basis = ao.resolve_population(COMMUNES, imported)
    assert basis.n_totale == 1 and basis.n_municipale == 6
    holders = ao.competence_holders(COMMUNES, transfers(), REF, population=pop)
    table = ao.ao_table(holders, [], REF)
    assert row(table, F)["statut"] == ao.ST_SCHEMA_REQUIS


# ------------------------------------------------------------------------------- CTG
def test_epci_signatory_covers_its_members():
    ctgs = ao.parse_ctg(ctg_frame(("X", "intercommunal", E1, FAR)), COMMUNES, EPCI)
    assert ctgs[0].communes_couvertes == (A, B, C)
    assert ctgs[0].epci_signataires == (E1,) and ctgs[0].communes_signataires == ()


def test_commune_signatories_cover_themselves_and_codes_are_normalised():
    ctgs = ao.parse_ctg(ctg_frame(("X", "intercommunal", "1001 , 1002", FAR)), COMMUNES, EPCI)
    assert ctgs[0].communes_couvertes == (A, B)


@pytest.mark.parametrize(
    ("signataires", "message"),
    [
        (f"{A}|75999", "CTG « X » \\(X\\) : code signataire inconnu « 75999 »"),
        ("123456789", "code signataire inconnu « 123456789 »"),
        ("abc", "code signataire inconnu « abc »"),
        ("", "aucun signataire"),
    ],
)
def test_unknown_signatory_is_a_clear_error(signataires, message):
    with pytest.raises(ao.AoDataError, match=message):
        ao.parse_ctg(ctg_frame(("X", "communal", signataires, FAR)), COMMUNES, EPCI)


def test_all_unknown_codes_are_reported_together():
    frame = ctg_frame(("X", "communal", "99998", FAR), ("Y", "communal", f"{A}|99997", FAR))
    with pytest.raises(ao.AoDataError) as err:
        ao.parse_ctg(frame, COMMUNES, EPCI)
    assert len(err.value.errors) == 2
    assert "99998" in err.value.errors[0] and "CTG « Y » (Y)" in err.value.errors[1]


def test_two_ctg_on_one_commune():
    frame = ctg_frame(("X", "communal", A, FAR), ("Y", "intercommunal", E1, "2026-06-30"))
    _, ctgs, table = run(transfers(), frame)
    r = row(table, A)
    assert r["ctg"] == "X, Y"
    # never a silent pick: « chevauchement », naming both CTG and what each is used for
    assert r["statut"] == ao.ST_CHEVAUCHEMENT and r["ctg_retenue"] == "X"
    assert r["statut_planification"] == ao.ST_VAUT_SCHEMA
    assert r["schema"] == ao.SCHEMA_DISPENSE
    assert "Les CTG « X » (X) et « Y » (Y) couvrent en même temps Aville." in r["detail"]
    assert "Pour la planification de Aville, la CTG retenue est « X » (X)" in r["detail"]
    assert "« Y » (Y), signée par CC Un, couvre aussi ces communes" in r["detail"]
    assert r["chevauchement"] == r["detail"]
    # B and C are covered by Y only: no overlap for them
    assert row(table, B)["statut"] != ao.ST_CHEVAUCHEMENT
    overlaps = ao.ctg_overlaps(ctgs, REF)
    assert overlaps == [ao.Overlap("X", "Y", (A,))]
    msg = ao.overlap_message(overlaps[0], {c.id_ctg: c for c in ctgs}, NAMES)
    assert msg == (
        "Les CTG « X » (X) et « Y » (Y) couvrent toutes deux 1 commune(s) sur la même "
        "période : Aville (01001)."
    )
    layers = ao.commune_layers(ao.competence_holders(COMMUNES, transfers(), REF), table, ctgs, REF)
    la = layers.set_index("code_insee").loc[A]
    assert la["ctg"] == "X, Y" and la["echeance_ctg"] == ao.ECH_EN_COURS
    lb = layers.set_index("code_insee").loc[B]
    assert lb["echeance_ctg"] == ao.ECH_PROCHE
    assert lb["couverture_ctg"] == "Couverte par une CTG en vigueur"
    lg = layers.set_index("code_insee").loc[G]
    assert lg["echeance_ctg"] == ao.ECH_AUCUNE and lg["couverture_ctg"] == "Aucune CTG"
    assert list(ao.ctg_table(ctgs, REF)["chevauchements"]) == ["Y", "X"]


def test_overlap_says_which_competences_the_other_ctg_serves():
    # the EPCI holds recenser/informer for A, B, C; A plans and signs its communal CTG
    frame = ctg_frame(("X", "communal", A, FAR), ("Y", "intercommunal", E1, FAR))
    _, _, table = run(transfers(*FAMILIES_TO_E1), frame)
    r = row(table, A)
    assert r["statut"] == ao.ST_CHEVAUCHEMENT and r["statut_planification"] == ao.ST_VAUT_SCHEMA
    assert (
        "La CTG « Y » (Y), signée par CC Un, vaut pour les compétences « recenser les "
        "besoins », « informer et accompagner les familles » que ses signataires exercent"
    ) in r["detail"]


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        (("2020-01-01", "2024-12-31"), ("2025-01-01", FAR), False),  # a CTG and its renewal
        (("2022-01-01", FAR), ("2024-01-01", FAR), True),
        (("2022-01-01", "2025-06-30"), ("2025-01-01", FAR), False),  # first expired at REF
    ],
)
def test_overlap_needs_periods_that_meet(first, second, overlap):
    frame = pd.DataFrame(
        {
            "id_ctg": ["X", "Y"],
            "nom": ["X", "Y"],
            "niveau": ["communal", "intercommunal"],
            "signataires": [A, E1],
            "date_debut": pd.to_datetime([first[0], second[0]]),
            "date_fin": pd.to_datetime([first[1], second[1]]),
        }
    )
    ctgs = ao.parse_ctg(frame, COMMUNES, EPCI)
    assert bool(ao.ctg_overlaps(ctgs, REF)) is overlap


def test_signed_ctg_ending_soon_beats_unsigned_running_one():
    frame = ctg_frame(("X", "communal", A, "2026-06-30"), ("Y", "intercommunal", E1, FAR))
    _, _, table = run(transfers(), frame)
    r = row(table, A)
    assert r["statut"] == ao.ST_CHEVAUCHEMENT
    assert r["statut_planification"] == ao.ST_ECHEANCE and r["ctg_retenue"] == "X"
    assert r["schema"] == ao.SCHEMA_DISPENSE  # still in force until June


# ---------------------------------------------------------- unknown signatory, one bad CTG
def test_one_bad_ctg_never_blocks_the_others():
    frame = ctg_frame(("X", "communal", A, FAR), ("BAD", "communal", "75999", FAR))
    result = ao.read_ctgs(frame, COMMUNES, EPCI)
    assert [c.id_ctg for c in result.ctgs] == ["X"]
    assert result.rejected_ids == ("BAD",)
    assert result.rejected == (
        "CTG « BAD » (BAD) : code signataire inconnu « 75999 » (ni code INSEE d'une commune "
        "ni SIREN d'un EPCI du référentiel).",
    )
    holders = ao.competence_holders(COMMUNES, transfers(), REF)
    table = ao.ao_table(holders, result.ctgs, REF, {"X": FULL})
    assert row(table, A)["statut"] == ao.ST_VAUT_SCHEMA


# ------------------------------------------------------------ content: « vaut schéma » in law
SEVEN = [i for i, _ in ao.checklist_items()][:7]


@pytest.mark.parametrize(
    ("ticked", "statut", "schema_part", "contenu"),
    [
        ([i for i, _ in ao.checklist_items()], ao.ST_VAUT_SCHEMA, ao.SCHEMA_DISPENSE, "11/11"),
        (SEVEN, ao.ST_CONTENU, f"{ao.SCHEMA_CONTENU} (7/11)", "7/11"),
        ([], ao.ST_CONTENU, f"{ao.SCHEMA_CONTENU} (0/11)", "0/11"),
    ],
)
def test_ctg_signed_by_planning_holder_with_n_items(ticked, statut, schema_part, contenu):
    contents = {"X": ao.checklist_progress(ao.checklist_payload(ticked))}
    _, _, table = run(transfers(), ctg_frame(("X", "communal", A, FAR)), contents=contents)
    r = row(table, A)
    assert r["statut"] == statut and r["schema"] == schema_part and r["contenu"] == contenu
    if statut == ao.ST_CONTENU:
        assert ao.STATUS_LABELS[statut] == "CTG signée par l'AO, contenu à compléter"
        assert f"ne comporte que {contenu} éléments du décret 2025-253" in r["detail"]
        assert ao.S_AVENANT_ECARTS in r["phrase_circulaire"]
    if ticked == SEVEN:
        # the four missing items, named
        assert "Manquent : les coûts prévisionnels" in r["detail"]
        for item in ("couts", "calendrier", "evaluation", "partenariats"):
            assert dict(ao.checklist_items())[item].lower() in r["detail"]
        assert "les zones caractérisées" not in r["detail"]


def test_checklist_links_to_saved_work():
    payload = ao.checklist_payload(["zones"], {"zones": "Zonage 2026", "objectifs": ""})
    assert payload == {"coches": ["zones"], "liens": {"zones": "Zonage 2026"}}
    assert ao.checklist_progress(payload).links == (("zones", "Zonage 2026"),)
    with pytest.raises(ValueError, match="Lien impossible"):
        ao.checklist_payload([], {"calendrier": "x"})


# ------------------------------------------------------------ avenants and prolongations
def avenant_frame(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """rows: (id_ctg, date_avenant, objet, signataires_ajoutes, nouvelle_date_fin)."""
    return pd.DataFrame(
        [
            {
                "id_ctg": i,
                "date_avenant": pd.Timestamp(d),
                "objet": o,
                "signataires_ajoutes": s,
                "nouvelle_date_fin": pd.Timestamp(f) if f else pd.NaT,
            }
            for i, d, o, s, f in rows
        ],
        columns=["id_ctg", "date_avenant", "objet", "signataires_ajoutes", "nouvelle_date_fin"],
    )


@pytest.mark.parametrize(
    ("case", "avenant", "ref", "phase", "statut", "notes"),
    [
        ("sans avenant", None, REF, "expiree", ao.ST_ECHEANCE, ""),
        (
            "prolongation d'un an signée avant le 31/12/2025",
            ("X", "2025-11-15", "Prolongation d'un an", "", "2026-12-31"),
            REF,
            "fin_proche",
            ao.ST_ECHEANCE,
            "",
        ),
        (
            "prolongation signée trop tard",
            ("X", "2026-01-10", "Prolongation", "", "2026-12-31"),
            REF,
            "fin_proche",
            ao.ST_ECHEANCE,
            "après le 31/12/2025",
        ),
        (
            "prolongation de plus d'un an",
            ("X", "2025-10-01", "Prolongation", "", "2027-06-30"),
            REF,
            "en_cours",
            ao.ST_VAUT_SCHEMA,
            "au-delà d'un an",
        ),
    ],
)
def test_prolongation_of_a_ctg_ending_31_12_2025(case, avenant, ref, phase, statut, notes):
    avenants = avenant_frame(avenant) if avenant else None
    _, ctgs, table = run(
        transfers(), ctg_frame(("X", "communal", A, "2025-12-31")), ref, avenants=avenants
    )
    c = ctgs[0]
    assert c.date_fin_initiale == pd.Timestamp("2025-12-31")
    assert ao.ctg_phase(c, ref) == phase, case
    assert row(table, A)["statut"] == statut
    assert notes in " ".join(c.notes)
    if not notes:
        assert c.notes == ()
    if avenant:
        assert c.date_fin == pd.Timestamp(avenant[4]) and c.prolongee
        tab = ao.ctg_table(ctgs, ref).iloc[0]
        assert f"fin portée au {pd.Timestamp(avenant[4]):%d/%m/%Y}" in tab["avenants"]
        assert tab["date_fin_initiale"] == pd.Timestamp("2025-12-31")
        layers = ao.commune_layers(
            ao.competence_holders(COMMUNES, transfers(), ref), table, ctgs, ref
        ).set_index("code_insee")
        assert layers.loc[A, "echeance_ctg"] != ao.ECH_EXPIREE  # expiry layer uses the new end


def test_avenant_adds_the_planning_holder_as_signatory():
    # the EPCI signed alone; the commune holding planning joins by avenant
    frame = ctg_frame(("X", "intercommunal", E1, FAR))
    _, _, before = run(transfers(), frame)
    assert row(before, A)["statut"] == ao.ST_AVENANT
    avenants = avenant_frame(("X", "2025-09-01", "Entrée de la commune", A, ""))
    _, ctgs, after = run(transfers(), frame, avenants=avenants)
    assert row(after, A)["statut"] == ao.ST_VAUT_SCHEMA
    assert A in ctgs[0].signataires and ctgs[0].date_fin == ctgs[0].date_fin_initiale
    assert "signataires ajoutés : Aville" in ao.ctg_table(ctgs, REF, NAMES).iloc[0]["avenants"]


def test_avenant_problems_are_reported_not_applied():
    frame = ctg_frame(("X", "intercommunal", E1, FAR))
    avenants = avenant_frame(
        ("X", "2025-09-01", "Entrée", "99999", ""), ("NOPE", "2025-09-01", "Prolongation", "", FAR)
    )
    result = ao.read_ctgs(frame, COMMUNES, EPCI, avenants)
    assert result.ctgs[0].signataires == frozenset({E1})
    assert any("code signataire inconnu « 99999 »" in e for e in result.avenant_errors)
    assert any("CTG NOPE, absente de la liste des CTG" in e for e in result.avenant_errors)


# -------------------------------------------------------------------------- expiry windows
@pytest.mark.parametrize(
    ("ref", "date_fin", "phase", "statut", "detail_part"),
    [
        (REF, "2026-01-14", "expiree", ao.ST_ECHEANCE, "n'était possible qu'avant le 31/12/2025"),
        (REF, "2026-01-15", "fin_proche", ao.ST_ECHEANCE, "se termine le 15/01/2026"),
        (REF, "2027-01-15", "fin_proche", ao.ST_ECHEANCE, "moins de 12 mois"),
        (REF, "2027-01-16", "en_cours", ao.ST_VAUT_SCHEMA, "en cours jusqu'au 16/01/2027"),
        (
            date(2025, 6, 1),
            "2025-12-31",
            "fin_proche",
            ao.ST_ECHEANCE,
            "peut être conclu avant le 31/12/2025",
        ),
    ],
)
def test_expiry_windows(ref, date_fin, phase, statut, detail_part):
    _, ctgs, table = run(transfers(), ctg_frame(("X", "communal", A, date_fin)), ref=ref)
    assert ao.ctg_phase(ctgs[0], ref) == phase
    r = row(table, A)
    assert r["statut"] == statut
    assert detail_part in r["detail"]
    if statut == ao.ST_ECHEANCE:
        assert r["phrase_circulaire"] == ao.S_RENEGOCIER


def test_expired_ctg_above_10000_requires_a_schema():
    _, _, table = run(transfers(), ctg_frame(("X", "communal", A, "2025-12-31")))
    r = row(table, A)
    assert r["statut"] == ao.ST_ECHEANCE and r["schema"] == ao.SCHEMA_REQUIS
    assert "un schéma est requis" in r["detail"]


def test_expired_unsigned_ctg_names_who_must_sign():
    _, _, table = run(transfers(*ALL_TO_E1), ctg_frame(("X", "communal", A, "2025-12-31")))
    assert "CC Un, titulaire de la planification, doit la signer" in row(table, E1)["detail"]


# ------------------------------------------------------------------------------ checklist
def test_checklist_has_the_eleven_items():
    items = ao.checklist_items()
    assert len(items) == 11
    assert len({i for i, _ in items}) == 11


@pytest.mark.parametrize(
    ("payload", "done", "label"),
    [
        (None, 0, "0/11"),
        ({}, 0, "0/11"),
        ({"coches": ["zones", "calendrier"]}, 2, "2/11"),
        ({"coches": ["zones", "inconnu"]}, 1, "1/11"),
        ({"coches": [i for i, _ in ao.checklist_items()]}, 11, "11/11"),
    ],
)
def test_checklist_progress(payload, done, label):
    p = ao.checklist_progress(payload)
    assert p.done == done and p.total == 11 and p.label == label
    assert p.ratio == pytest.approx(done / 11)


def test_checklist_payload_round_trip_and_order():
    payload = ao.checklist_payload(["calendrier", "zones"])
    assert payload == {"coches": ["zones", "calendrier"]}
    assert ao.checklist_progress(payload).checked == ("zones", "calendrier")
    with pytest.raises(ValueError, match="inconnus"):
        ao.checklist_payload(["nope"])


def test_status_counts_lists_every_status():
    _, _, table = run(transfers(), ctg_frame(("X", "communal", A, FAR)))
    counts = ao.status_counts(table).set_index("statut")
    assert list(counts.index) == list(ao.STATUSES)
    assert counts.loc[ao.ST_VAUT_SCHEMA, "ao"] == 1
    assert counts.loc[ao.ST_SCHEMA_REQUIS, "ao"] == 1  # G
    assert counts["ao"].sum() == len(table)


@pytest.mark.parametrize(
    ("ends", "expected"),
    [
        ((), ao.ECH_AUCUNE),
        (("2025-12-31",), ao.ECH_EXPIREE),
        (("2025-12-31", "2026-03-31"), ao.ECH_PROCHE),
        (("2026-03-31", FAR), ao.ECH_EN_COURS),
    ],
)
def test_ending_soon_layer(ends, expected):
    frame = ctg_frame(*((f"X{i}", "communal", A, end) for i, end in enumerate(ends)))
    holders, ctgs, table = run(transfers(), frame)
    layers = ao.commune_layers(holders, table, ctgs, REF).set_index("code_insee")
    assert layers.loc[A, "echeance_ctg"] == expected
    assert layers.loc[B, "echeance_ctg"] == ao.ECH_AUCUNE


def test_every_member_transfer_leaves_small_communes_out_without_a_message():
    # an empty « communes » means every member: Cvillage (2,000) is simply not part of it
    tr = transfers((E1, "planifier", ""), (E1, "planifier", C))
    holders, refused = ao.holders_and_refused(COMMUNES, transfers((E1, "planifier", "")), REF)
    assert refused.empty
    assert holders.set_index("code_insee").loc[A, "population_planifier"] == 17_000
    # listed explicitly as well: then the message names it
    _, refused = ao.holders_and_refused(COMMUNES, tr, REF)
    assert list(refused["code_insee"]) == [C]
