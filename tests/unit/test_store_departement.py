"""The store's mode « slice » by département, used by the SDSF page's editors: a save for one
département replaces exactly that département's rows (optionally only some values),
and leaves every other département's rows and their provenance as they were, on both
backends (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import pytest

from datastore.codes import departement_of_commune
from datastore.importers import Slice, plan, prepare
from datastore.store import Workspace
from tests.conftest import WorkspaceOn
from tests.unit import store_slices
from tests.unit.store_slices import (
    EDITED,
    assert_one_slice_version,
    assert_refused,
    assert_restore_undoes,
    assert_stale_save_refused,
    csv,
    import_file,
    opened_with,
    with_provenance,
)

TARGETS = (("type_valeur", ("reference", "cible")),)
KINDS = ("sdsf_indicateurs", "eaje_projets")

SDSF_FILE = (
    b"code_departement;indicateur;annee;type_valeur;valeur;commentaire\n"
    b"59;places_eaje_psu;2024;reference;15000;Cnaf 2024\n"
    b"59;places_eaje_psu;2029;cible;16500;CPOG\n"
    b"59;places_eaje_psu;2025;realise;15300;Cnaf 2025\n"
    b"59;lieux_parentalite;2024;reference;40;\n"
    b"62;places_eaje_psu;2024;reference;9000;Cnaf 2024\n"
    b"62;places_eaje_psu;2029;cible;9900;CPOG\n"
    b"62;places_eaje_psu;2025;realise;9100;Cnaf 2025\n"
)

PROJECTS_FILE = (
    "id_projet;nom;code_insee;places;psu;annee_ouverture;statut\n"
    "P59-1;Crèche A;59350;40;oui;2026;autorisé\n"
    "P59-2;Crèche B;59183;12;non;2027;en projet\n"
    "P62-1;Crèche C;62041;20;oui;2026;en travaux\n"
    "P974-1;Crèche D;97411;30;oui;2027;en projet\n"
).encode()


FILES = (
    ("sdsf_indicateurs", SDSF_FILE, "sdsf_nord_pas_de_calais.csv", "Caf du Nord"),
    ("eaje_projets", PROJECTS_FILE, "projets_2025.csv", "Caf (registre)"),
)


@pytest.fixture
def ws(workspace_on: WorkspaceOn) -> Workspace:
    return opened_with(workspace_on, *FILES)


def _dep(kind: str, frame: pd.DataFrame) -> pd.Series:
    if kind == "sdsf_indicateurs":
        return frame["code_departement"].astype(str)
    return frame["code_insee"].astype(str).map(departement_of_commune)


def _kept_of_59(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the Nord outside the editors' slice (its realised values)."""
    if kind != "sdsf_indicateurs":
        return frame.iloc[:0]
    return frame[(_dep(kind, frame) == "59") & ~frame["type_valeur"].isin(["reference", "cible"])]


def rows_with_provenance(ws: Workspace, kind: str, dep: str) -> str:
    """The rows of one département and the provenance of the dataset holding each (producer,
    file, date of import, nature, notes...), as text: equal text = the same bytes."""
    frame = ws.read(kind).frame
    return with_provenance(ws, frame[_dep(kind, frame) == dep], kind)


def _targets_59(ws: Workspace, revision: int | None = None) -> None:
    rows = [
        {
            "code_departement": "59",
            "indicateur": "places_eaje_psu",
            "annee": 2024,
            "type_valeur": "reference",
            "valeur": 15100,
            "commentaire": EDITED,
        },
        {
            "code_departement": "59",
            "indicateur": "places_eaje_psu",
            "annee": 2030,
            "type_valeur": "cible",
            "valeur": 17000,
            "commentaire": EDITED,
        },
    ]  # lieux_parentalite's baseline cleared
    _save(ws, "sdsf_indicateurs", rows, Slice("59", TARGETS), revision)


def _save(
    ws: Workspace, kind: str, rows: list[dict], slice_: Slice, revision: int | None = None
) -> None:
    store_slices.save(ws, kind, rows, slice_, f"saisie ({slice_.departement})", revision)


def _projects_59(ws: Workspace, revision: int | None = None) -> None:
    rows = [  # P59-1 changed, P59-2 deleted, P59-3 added
        {
            "id_projet": "P59-1",
            "nom": "Crèche A",
            "code_insee": "59350",
            "places": 48,
            "psu": "oui",
            "annee_ouverture": 2026,
            "statut": "en travaux",
        },
        {
            "id_projet": "P59-3",
            "nom": "Crèche E",
            "code_insee": "59009",
            "places": 10,
            "psu": "non",
            "annee_ouverture": 2028,
            "statut": "en projet",
        },
    ]
    _save(ws, "eaje_projets", rows, Slice("59"), revision)


def _clear_targets_59(ws: Workspace) -> None:
    _save(ws, "sdsf_indicateurs", [], Slice("59", TARGETS))


def _clear_projects_59(ws: Workspace) -> None:
    _save(ws, "eaje_projets", [], Slice("59"))


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    save: Callable[[Workspace], None]
    others: tuple[str, ...]  # départements whose rows must stay byte for byte
    expected: dict  # key -> value column of the edited département after the save
    kept_in_slice_dep: int  # rows of the edited département outside the slice (kept as is)
    added: int
    replaced: int
    removed: int


def _values(ws: Workspace, kind: str, dep: str) -> dict:
    f = ws.read(kind).frame
    f = f[_dep(kind, f) == dep]
    if kind == "sdsf_indicateurs":
        f = f[f["type_valeur"].isin(["reference", "cible"])]
        return {
            (r.indicateur, int(r.annee), r.type_valeur): float(r.valeur) for r in f.itertuples()
        }
    return {r.id_projet: (int(r.places), str(r.statut)) for r in f.itertuples()}


CASES = [
    Case(
        "targets of 59 edited, one cleared",
        "sdsf_indicateurs",
        _targets_59,
        ("62",),
        {
            ("places_eaje_psu", 2024, "reference"): 15100.0,
            ("places_eaje_psu", 2030, "cible"): 17000.0,
        },
        1,  # the realised value of 59 stays
        added=1,
        replaced=1,
        removed=2,  # the old 2029 target and the cleared lieux_parentalite baseline
    ),
    Case(
        "every target of 59 cleared",
        "sdsf_indicateurs",
        _clear_targets_59,
        ("62",),
        {},
        1,
        added=0,
        replaced=0,
        removed=3,
    ),
    Case(
        "projects of 59 edited, one deleted, one added",
        "eaje_projets",
        _projects_59,
        ("62", "974"),
        {"P59-1": (48, "en travaux"), "P59-3": (10, "en projet")},
        0,
        added=1,
        replaced=1,
        removed=1,
    ),
    Case(
        "every project of 59 cleared",
        "eaje_projets",
        _clear_projects_59,
        ("62", "974"),
        {},
        0,
        added=0,
        replaced=0,
        removed=2,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_save_for_one_departement_leaves_the_others_byte_for_byte(
    ws: Workspace, case: Case
) -> None:
    before = {d: rows_with_provenance(ws, case.kind, d) for d in case.others}
    kept_before = with_provenance(ws, _kept_of_59(case.kind, ws.read(case.kind).frame), case.kind)
    versions = len(ws.versions(case.kind))

    case.save(ws)

    for d in case.others:
        assert rows_with_provenance(ws, case.kind, d) == before[d], d
    assert _values(ws, case.kind, "59") == case.expected
    # the rows of 59 outside the slice (realised values) keep theirs too
    data = ws.read(case.kind)
    f = data.frame
    kept = _kept_of_59(case.kind, f)
    assert len(kept) == case.kept_in_slice_dep
    assert with_provenance(ws, kept, case.kind) == kept_before
    # the edited rows are credited to the application
    metas = {m.id: m for m in data.metas}
    edited = f[(_dep(case.kind, f) == "59")].drop(kept.index)
    assert {metas[int(i)].producer for i in edited["dataset_id"]} <= {EDITED}
    # one new version of the type, in the history and the audit trail
    counts = (case.added, case.replaced, case.removed)
    assert_one_slice_version(
        ws, case.kind, versions, counts, "saisie (59)", "départements : ['59']"
    )


def test_the_preview_of_a_save_says_what_it_removes(ws: Workspace) -> None:
    rows = [
        {
            "code_departement": "59",
            "indicateur": "places_eaje_psu",
            "annee": 2024,
            "type_valeur": "reference",
            "valeur": 15100,
        }
    ]
    prepared = prepare("sdsf_indicateurs", csv(rows), name="x.csv")
    preview = plan(ws, prepared, "slice", slice_=Slice("59", TARGETS))
    (change,) = preview.changes
    assert (change.added, change.replaced, change.removed) == (0, 1, 2)
    assert len(ws.read("sdsf_indicateurs").frame) == 7  # nothing stored


def test_restoring_the_version_before_a_save_gives_the_rows_back(ws: Workspace) -> None:
    assert_restore_undoes(ws, "eaje_projets", _projects_59)


REFUSED = [
    pytest.param(
        "eaje_projets",
        [
            {
                "id_projet": "P59-9",
                "code_insee": "62041",  # Arras: in the Pas-de-Calais
                "places": 10,
                "psu": "oui",
                "annee_ouverture": 2027,
                "statut": "en projet",
            }
        ],
        Slice("59"),
        "1 ligne(s) hors du département 59 (première : code_insee 62041)",
        id="a project outside the département",
    ),
    pytest.param(
        "eaje_projets",
        [
            {
                "id_projet": "P62-1",  # already a project of the Pas-de-Calais
                "code_insee": "59350",
                "places": 10,
                "psu": "oui",
                "annee_ouverture": 2027,
                "statut": "en projet",
            }
        ],
        Slice("59"),
        "L'identifiant P62-1 est déjà enregistré hors du département 59 (code_insee 62041)",
        id="an id held by another département",
    ),
    pytest.param(
        "sdsf_indicateurs",
        [
            {
                "code_departement": "59",
                "indicateur": "places_eaje_psu",
                "annee": 2026,
                "type_valeur": "realise",  # not a target: outside the editor's slice
                "valeur": 15500,
            }
        ],
        Slice("59", TARGETS),
        "1 ligne(s) hors du département 59",
        id="a value outside the slice",
    ),
]


@pytest.mark.parametrize(("kind", "rows", "slice_", "message"), REFUSED)
def test_a_save_outside_its_departement_is_refused_and_stores_nothing(
    ws: Workspace, kind: str, rows: list[dict], slice_: Slice, message: str
) -> None:
    assert_refused(ws, KINDS, partial(_save, ws, kind, rows, slice_), message)


def test_two_editors_of_two_departements_both_keep_their_rows(ws: Workspace) -> None:
    """Both read the same revision: the second save no longer rewrites the first's rows
    (the old « tout remplacer » save, built from a stale read, lost them)."""
    _projects_59(ws)  # editor of the Nord
    rows_62 = [
        {
            "id_projet": "P62-1",
            "nom": "Crèche C",
            "code_insee": "62041",
            "places": 25,
            "psu": "oui",
            "annee_ouverture": 2026,
            "statut": "en travaux",
        }
    ]
    _save(ws, "eaje_projets", rows_62, Slice("62"))  # editor of the Pas-de-Calais
    assert _values(ws, "eaje_projets", "59") == {
        "P59-1": (48, "en travaux"),
        "P59-3": (10, "en projet"),
    }
    assert _values(ws, "eaje_projets", "62") == {"P62-1": (25, "en travaux")}
    assert _values(ws, "eaje_projets", "974") == {"P974-1": (30, "en projet")}


@pytest.mark.parametrize("save", [_targets_59, _projects_59], ids=["targets", "projects"])
def test_a_save_on_a_stale_revision_is_refused(ws: Workspace, save: Callable[..., None]) -> None:
    """A write since the editor's rows were read (here another import) refuses the save."""

    def write() -> None:
        import_file(ws, "eaje_projets", PROJECTS_FILE, "projets_bis.csv", "Caf (registre)")

    assert_stale_save_refused(ws, KINDS, save, write)
