"""The store's mode « slice » by CTG, used by the AO page's editors (avenants, follow-up
table; ui.ao.ctg_slice): a save for some CTG replaces exactly these CTG's rows and leaves
every other CTG's rows and their provenance as they were, on both backends (SQLite,
PostgreSQL). It used to rewrite the whole dataset (« tout remplacer »): the other CTG's rows
kept their figures but took the provenance « Saisie dans l'application »."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import pytest

from datastore.importers import Slice
from datastore.store import Workspace
from tests.conftest import WorkspaceOn
from tests.unit import store_slices
from tests.unit.store_slices import (
    EDITED,
    assert_one_slice_version,
    assert_refused,
    assert_restore_undoes,
    assert_stale_save_refused,
    import_file,
    opened_with,
    with_provenance,
)
from ui.ao import ctg_slice

KINDS = ("ctg_suivi", "ctg_avenants")
FOLLOWUP_FILE = (
    "id_ctg;thematique;action;indicateur;valeur_initiale;cible;annee;trimestre;realise;statut\n"
    "C1;Petite enfance;Micro-crèche;Places créées;0;12;2025;2;4;en cours\n"
    "C1;Parentalité;LAEP itinérant;Familles accueillies;0;40;2025;;25;en cours\n"
    "C2;Petite enfance;Micro-crèche;Places créées;0;20;2025;2;8;en cours\n"  # C1's key but C2
    "C2;Jeunesse;Point info;Jeunes reçus;100;150;2025;4;130;réalisée\n"
    "C3;Petite enfance;RPE;Assistantes maternelles;50;60;2024;;55;réalisée\n"
).encode()

AVENANTS_FILE = (
    b"id_ctg;date_avenant;objet;signataires_ajoutes;nouvelle_date_fin\n"
    b"C1;2025-03-01;Prolongation d'un an;;2026-12-31\n"
    b"C1;2025-06-01;Ajout d'une fiche action;;\n"
    b"C2;2025-03-01;Prolongation d'un an;;2027-06-30\n"
    b"C3;2024-01-15;Prolongation de six mois;;2025-06-30\n"
)


FILES = (
    ("ctg_suivi", FOLLOWUP_FILE, "suivi_partage_2025.csv", "Caf et signataires"),
    ("ctg_avenants", AVENANTS_FILE, "avenants_2025.csv", "Caf du Rhône"),
)


@pytest.fixture
def ws(workspace_on: WorkspaceOn) -> Workspace:
    return opened_with(workspace_on, *FILES)


def rows_with_provenance(ws: Workspace, kind: str, ids: tuple[str, ...]) -> str:
    """The rows of these CTG and the provenance of the dataset holding each, as text."""
    frame = ws.read(kind).frame
    return with_provenance(ws, frame[frame["id_ctg"].astype(str).isin(ids)], kind)


def _followup(ctg: str, action: str, cible: float, realise: float, trimestre: object = 2) -> dict:
    return {
        "id_ctg": ctg,
        "thematique": "Petite enfance",
        "action": action,
        "indicateur": "Places créées",
        "valeur_initiale": 0,
        "cible": cible,
        "annee": 2025,
        "trimestre": trimestre,
        "realise": realise,
        "statut": "en cours",
    }


def _save(
    ws: Workspace,
    kind: str,
    rows: list[dict],
    ids: tuple[str, ...],
    revision: int | None = None,
) -> None:
    store_slices.save(ws, kind, rows, ctg_slice(list(ids)), f"saisie ({', '.join(ids)})", revision)


def _followup_c1(ws: Workspace, revision: int | None = None) -> None:
    """C1's micro-crèche updated, its LAEP cleared, a new action added."""
    rows = [_followup("C1", "Micro-crèche", 12, 6), _followup("C1", "Relais", 2, 1, "")]
    _save(ws, "ctg_suivi", rows, ("C1",), revision)


def _followup_c1_cleared(ws: Workspace) -> None:
    _save(ws, "ctg_suivi", [], ("C1",))


def _avenants(ctg: str, day: str, objet: str, fin: str = "") -> dict:
    return {
        "id_ctg": ctg,
        "date_avenant": day,
        "objet": objet,
        "signataires_ajoutes": "",
        "nouvelle_date_fin": fin,
    }


def _avenants_c1_c2(ws: Workspace, revision: int | None = None) -> None:
    """The editor of a territory with C1 and C2: C1's prolongation moved, its second avenant
    deleted, C2's kept as it was, one added to C2."""
    rows = [
        _avenants("C1", "2025-03-01", "Prolongation d'un an", "2027-03-31"),
        _avenants("C2", "2025-03-01", "Prolongation d'un an", "2027-06-30"),
        _avenants("C2", "2025-09-01", "Nouveau signataire"),
    ]
    _save(ws, "ctg_avenants", rows, ("C1", "C2"), revision)


def _avenants_c1_cleared(ws: Workspace) -> None:
    _save(ws, "ctg_avenants", [], ("C1",))


def _values(ws: Workspace, kind: str, ids: tuple[str, ...]) -> dict:
    f = ws.read(kind).frame
    f = f[f["id_ctg"].astype(str).isin(ids)]
    if kind == "ctg_suivi":
        return {
            (r.id_ctg, r.action, None if pd.isna(r.trimestre) else int(r.trimestre)): (
                float(r.cible),
                float(r.realise),
            )
            for r in f.itertuples()
        }
    return {
        (r.id_ctg, r.date_avenant.date().isoformat(), r.objet): (
            None if pd.isna(r.nouvelle_date_fin) else r.nouvelle_date_fin.date().isoformat()
        )
        for r in f.itertuples()
    }


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    save: Callable[[Workspace], None]
    edited: tuple[str, ...]  # the CTG of the save
    others: tuple[str, ...]  # CTG whose rows must stay byte for byte
    expected: dict  # the edited CTG's rows after the save
    counts: tuple[int, int, int]  # rows added, replaced, removed


CASES = [
    Case(
        "follow-up of C1 edited, one row cleared, one added",
        "ctg_suivi",
        _followup_c1,
        ("C1",),
        ("C2", "C3"),
        {("C1", "Micro-crèche", 2): (12.0, 6.0), ("C1", "Relais", None): (2.0, 1.0)},
        (1, 1, 1),  # removed: the LAEP of C1; C2's row of the same action, indicator and date stays
    ),
    Case(
        "follow-up of C1 emptied",
        "ctg_suivi",
        _followup_c1_cleared,
        ("C1",),
        ("C2", "C3"),
        {},
        (0, 0, 2),
    ),
    Case(
        "avenants of C1 and C2 edited, one deleted, one added",
        "ctg_avenants",
        _avenants_c1_c2,
        ("C1", "C2"),
        ("C3",),
        {
            ("C1", "2025-03-01", "Prolongation d'un an"): "2027-03-31",
            ("C2", "2025-03-01", "Prolongation d'un an"): "2027-06-30",
            ("C2", "2025-09-01", "Nouveau signataire"): None,
        },
        (1, 2, 1),
    ),
    Case(
        "avenants of C1 emptied",
        "ctg_avenants",
        _avenants_c1_cleared,
        ("C1",),
        ("C2", "C3"),
        {},
        (0, 0, 2),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_save_for_some_ctg_leaves_the_other_ctg_byte_for_byte(ws: Workspace, case: Case) -> None:
    before = rows_with_provenance(ws, case.kind, case.others)
    other_kind = ({"ctg_suivi", "ctg_avenants"} - {case.kind}).pop()
    untouched = ws.checksum(other_kind)
    versions = len(ws.versions(case.kind))

    case.save(ws)

    assert rows_with_provenance(ws, case.kind, case.others) == before
    assert ws.checksum(other_kind) == untouched
    assert _values(ws, case.kind, case.edited) == case.expected
    # the edited rows are credited to the application, the others keep their file
    data = ws.read(case.kind)
    metas = {m.id: m for m in data.metas}
    mine = data.frame["id_ctg"].astype(str).isin(case.edited)
    assert {metas[int(i)].producer for i in data.frame.loc[mine, "dataset_id"]} <= {EDITED}
    assert {metas[int(i)].producer for i in data.frame.loc[~mine, "dataset_id"]} == {
        "Caf et signataires" if case.kind == "ctg_suivi" else "Caf du Rhône"
    }
    # one new version of the type, in the history and the audit trail
    name, audited = f"saisie ({', '.join(case.edited)})", f"id_ctg : {sorted(case.edited)}"
    assert_one_slice_version(ws, case.kind, versions, case.counts, name, audited)


def test_restoring_the_version_before_a_save_gives_the_rows_back(ws: Workspace) -> None:
    assert_restore_undoes(ws, "ctg_suivi", _followup_c1)


#: id -> (kind, rows of the save, its slice, the French message of the refusal)
REFUSED: dict[str, tuple[str, list[dict], Slice, str]] = {
    "a follow-up row of another CTG": (
        "ctg_suivi",
        [_followup("C1", "Micro-crèche", 12, 6), _followup("C2", "Micro-crèche", 20, 9)],
        ctg_slice(["C1"]),
        "1 ligne(s) hors de la CTG C1 (première : id_ctg C2) : cet enregistrement ne peut "
        "modifier que les lignes de la CTG C1. Rien n'a été enregistré.",
    ),
    "avenants of a CTG outside the territory": (
        "ctg_avenants",
        [_avenants("C3", "2025-01-01", "Prolongation"), _avenants("C3", "2025-02-01", "Autre")],
        ctg_slice(["C1", "C2"]),
        "2 ligne(s) hors des 2 CTG de ce territoire (première : id_ctg C3)",
    ),
    "a slice that names no rows": (
        "ctg_suivi",
        [_followup("C1", "Micro-crèche", 12, 6)],
        Slice(),
        "ni département ni valeurs indiqués",
    ),
    "a type without département cleared by département": (
        "ctg_suivi",
        [],
        Slice(departement="69"),
        "n'a pas de colonne de département ou de commune",
    ),
}


@pytest.mark.parametrize("refused", list(REFUSED.values()), ids=list(REFUSED))
def test_a_save_outside_its_ctg_is_refused_and_stores_nothing(
    ws: Workspace, refused: tuple[str, list[dict], Slice, str]
) -> None:
    kind, rows, slice_, message = refused
    assert_refused(ws, KINDS, partial(store_slices.save, ws, kind, rows, slice_, "refus"), message)


def test_two_editors_of_two_ctg_both_keep_their_rows(ws: Workspace) -> None:
    """Both read the same revision (no expected revision given): the second save no longer
    rewrites the first's rows (the old « tout remplacer » save, built from a stale read,
    lost them)."""
    _followup_c1(ws)
    _save(ws, "ctg_suivi", [_followup("C2", "Micro-crèche", 20, 11)], ("C2",))
    assert _values(ws, "ctg_suivi", ("C1",)) == CASES[0].expected
    assert _values(ws, "ctg_suivi", ("C2",)) == {("C2", "Micro-crèche", 2): (20.0, 11.0)}
    assert _values(ws, "ctg_suivi", ("C3",)) == {("C3", "RPE", None): (60.0, 55.0)}


@pytest.mark.parametrize("save", [_followup_c1, _avenants_c1_c2], ids=["follow-up", "avenants"])
def test_a_save_on_a_stale_revision_is_refused(ws: Workspace, save: Callable[..., None]) -> None:
    """A write since the editor's rows were read (here another import) refuses the save."""

    def write() -> None:
        import_file(ws, "ctg_suivi", FOLLOWUP_FILE, "suivi_bis.csv", "Caf et signataires")

    assert_stale_save_refused(ws, KINDS, save, write)
