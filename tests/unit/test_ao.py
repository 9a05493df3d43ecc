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


def run(tr: pd.DataFrame, ctg: pd.DataFrame, ref: date = REF, communes: pd.DataFrame = COMMUNES):
    holders = ao.competence_holders(communes, tr, ref)
    ctgs = ao.parse_ctg(ctg, communes, EPCI)
    return holders, ctgs, ao.ao_table(holders, ctgs, ref)


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
            "Bbourg, Cvillage",
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
        # partial transfer by B and C only: 7,000
        (((E1, "planifier", f"{B},{C}"),), C, "epci", 7_000, True, ao.DIST_SHARED),
        (((E1, "planifier", f"{B},{C}"),), A, "commune", 12_000, True, ao.DIST_COMMUNE),
        # quality transferred by C alone (2,000): does not apply, C stays « commune »
        (((E1, "qualite", C),), C, "commune", 2_000, False, ao.DIST_COMMUNE),
        (ALL_TO_E1, B, "epci", 19_000, True, ao.DIST_EPCI),
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


def test_partial_quality_transfer_population():
    holders = ao.competence_holders(COMMUNES, transfers((E1, "qualite", C)), REF)
    r = holders.set_index("code_insee").loc[C]
    assert r["titulaire_qualite"] == "epci" and r["population_qualite"] == 2_000
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
    later = ao.competence_holders(COMMUNES, tr, date(2026, 6, 1))
    assert (later.loc[later["siren_epci"] == E1, "titulaire_planifier"] == "epci").all()


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


def test_transferred_planning_crosses_threshold():
    # D (3,500) and F (10,000) transfer planning: 13,500 for the EPCI, above 10,000
    _, _, table = run(transfers((E2, "planifier", f"{D}|{F}")), ctg_frame())
    r = row(table, E2)
    assert r["population"] == 13_500 and r["statut"] == ao.ST_SCHEMA_REQUIS


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
        (f"{A}|75999", "CTG « CTG X » \\(X\\) : code signataire inconnu « 75999 »"),
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
    assert "99998" in err.value.errors[0] and "CTG Y" in err.value.errors[1]


def test_two_ctg_on_one_commune():
    frame = ctg_frame(("X", "communal", A, FAR), ("Y", "intercommunal", E1, "2026-06-30"))
    _, ctgs, table = run(transfers(), frame)
    r = row(table, A)
    assert r["ctg"] == "X, Y"
    assert r["statut"] == ao.ST_VAUT_SCHEMA and r["ctg_retenue"] == "X"
    layers = ao.commune_layers(ao.competence_holders(COMMUNES, transfers(), REF), table, ctgs, REF)
    la = layers.set_index("code_insee").loc[A]
    assert la["ctg"] == "X, Y" and la["echeance_ctg"] == ao.ECH_EN_COURS
    lb = layers.set_index("code_insee").loc[B]
    assert lb["echeance_ctg"] == ao.ECH_PROCHE
    assert lb["couverture_ctg"] == "Couverte par une CTG en vigueur"
    lg = layers.set_index("code_insee").loc[G]
    assert lg["echeance_ctg"] == ao.ECH_AUCUNE and lg["couverture_ctg"] == "Aucune CTG"


def test_signed_ctg_ending_soon_beats_unsigned_running_one():
    frame = ctg_frame(("X", "communal", A, "2026-06-30"), ("Y", "intercommunal", E1, FAR))
    _, _, table = run(transfers(), frame)
    assert row(table, A)["statut"] == ao.ST_ECHEANCE
    assert row(table, A)["schema"] == ao.SCHEMA_DISPENSE  # still in force until June


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
