"""Preview of a commit, update by key, versions and restore (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from catalogue.sources import Nature
from datastore.importers import commit, plan, prepare
from datastore.store import PendingDataset, StoreError, Workspace
from tests.conftest import WorkspaceOn

CODES = ["01004", "01053", "15014", "31555", "42218", "69123", "75056"]


def _enfants(year: int, codes: list[str], base: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_insee": codes,
            "annee": [year] * len(codes),
            "enfants_moins_3": [base + i for i in range(len(codes))],
            "enfants_moins_6": [None] * len(codes),
            "naissances": [None] * len(codes),
        }
    )


@pytest.fixture
def ws(workspace_on: WorkspaceOn) -> Workspace:
    ws = workspace_on.open()  # on each backend (SQLite, PostgreSQL)
    for year in range(2017, 2024):  # seven demo years, as shipped
        ws.commit(
            "enfants",
            _enfants(year, CODES),
            producer="démo",
            source_file="demo",
            millesime=year,
            nature=Nature.SYNTHETIQUE,
        )
    return ws


def _value(ws: Workspace, code: str, year: int) -> float | None:
    f = ws.read("enfants").frame
    row = f[(f["code_insee"] == code) & (f["annee"] == year)]
    assert len(row) <= 1
    return None if row.empty else float(row["enfants_moins_3"].iloc[0])


def test_default_import_replaces_only_the_keys_of_the_file(ws: Workspace) -> None:
    """Issue 14: a 2-commune 2023 file took every year of the type away."""
    prepared = prepare(
        "enfants", b"CODGEO;ANNEE;P23_POP0002\n31555;2023;17000\n42218;2023;5000\n", name="x.csv"
    )
    assert prepared.ok, prepared.report.text()
    preview = plan(ws, prepared)
    (change,) = preview.changes
    assert (change.millesime, change.added, change.replaced, change.removed) == (2023, 0, 2, 0)
    assert change.lost_count == 0 and change.demo_kept == 5
    commit(ws, prepared, expected_revision=preview.revision)
    assert _value(ws, "31555", 2023) == 17000 and _value(ws, "42218", 2023) == 5000
    assert _value(ws, "15014", 2023) == 102  # Aurillac keeps its figure
    assert sorted(ws.read("enfants").frame["annee"].unique()) == list(range(2017, 2024))
    assert len(ws.read("enfants").frame) == 7 * len(CODES)
    # provenance is per row: the replaced rows are credited to the file, the others to the demo
    credits = ws.read("enfants").credits()
    assert any("INSEE" in c for c in credits) and any("démonstration" in c for c in credits)


def test_replace_year_says_what_it_removes(ws: Workspace) -> None:
    prepared = prepare("enfants", b"CODGEO;P22_POP0002\n42218;5000\n", name="enfants_2022.csv")
    preview = plan(ws, prepared, "same_millesime")
    (change,) = preview.changes
    assert (change.millesime, change.added, change.replaced, change.removed) == (2022, 0, 1, 6)
    assert change.lost_count == 6
    assert "Toulouse (31555)" in change.lost and "Aurillac (15014)" in change.lost
    commit(ws, prepared, "same_millesime")
    assert _value(ws, "31555", 2022) is None and _value(ws, "31555", 2021) == 103


def test_emptied_value_counts_as_a_lost_figure(ws: Workspace) -> None:
    prepared = prepare("enfants", b"CODGEO;ANNEE;P23_POP0002\n31555;2023;nd\n", name="x.csv")
    (change,) = plan(ws, prepared).changes
    assert change.replaced == 1 and change.removed == 0
    assert change.lost == ("Toulouse (31555)",)


def test_every_commit_is_a_version_and_restore_gives_back_the_same_bytes(ws: Workspace) -> None:
    before = ws.checksum("enfants")
    versions = ws.versions("enfants")
    assert len(versions) == 7 and versions[0].action == "import"
    prepared = prepare("enfants", b"CODGEO;P22_POP0002\n42218;5000\n", name="enfants_2022.csv")
    commit(ws, prepared, "all", author="agent Caf")
    assert len(ws.read("enfants").frame) == 1
    newest = ws.versions("enfants")[0]
    assert (newest.author, newest.source_file, newest.mode, newest.rows) == (
        "agent Caf",
        "enfants_2022.csv",
        "all",
        1,
    )
    assert newest.removed == 7 * len(CODES) - 1 and newest.replaced == 1
    restored = ws.restore("enfants", versions[0].id, author="agent Caf")
    assert restored.action == "restore" and restored.restored_from == versions[0].id
    assert ws.checksum("enfants") == before
    assert len(ws.versions("enfants")) == 9  # restoring is a new version, nothing rewritten
    # and the import can itself be restored again
    ws.restore("enfants", newest.id)
    assert len(ws.read("enfants").frame) == 1


def test_delete_is_undoable(ws: Workspace) -> None:
    before = ws.checksum("enfants")
    target = ws.datasets("enfants")[0]
    previous = ws.versions("enfants")[0]
    version = ws.delete(target.id)
    assert version.action == "delete" and version.removed == target.rows
    assert target.id not in {m.id for m in ws.datasets("enfants")}
    with pytest.raises(StoreError, match="introuvable"):
        ws.delete(target.id)
    ws.restore("enfants", previous.id)
    assert ws.checksum("enfants") == before


def test_commit_refuses_a_stale_preview(ws: Workspace) -> None:
    prepared = prepare("enfants", b"CODGEO;ANNEE;P23_POP0002\n31555;2023;1\n", name="x.csv")
    preview = plan(ws, prepared)
    ws.delete(ws.datasets("enfants")[0].id)
    with pytest.raises(StoreError, match="modifié depuis l'aperçu"):
        commit(ws, prepared, expected_revision=preview.revision)


def test_restore_unknown_version(ws: Workspace) -> None:
    with pytest.raises(StoreError, match="introuvable"):
        ws.restore("enfants", 999_999)
    with pytest.raises(StoreError, match="introuvable"):
        ws.restore("population", ws.versions("enfants")[0].id)


def test_old_workspace_gets_an_initial_version(tmp_path: Path) -> None:
    """A workspace written before versions existed opens with its data current."""
    root = tmp_path / "old"
    root.mkdir()
    con = sqlite3.connect(root / "workspace.sqlite")
    con.executescript(
        """
        CREATE TABLE datasets (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
            millesime INTEGER, producer TEXT NOT NULL, source_file TEXT NOT NULL,
            rows INTEGER NOT NULL, imported_at TEXT NOT NULL, nature TEXT NOT NULL, label TEXT,
            source_id TEXT, notes TEXT, scope TEXT NOT NULL DEFAULT '');
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('revision', '4');
        CREATE TABLE data_bpe_eaje (dataset_id INTEGER NOT NULL, "code_insee" TEXT,
            "annee" INTEGER, "nb_eaje" INTEGER);
        INSERT INTO datasets(kind, millesime, producer, source_file, rows, imported_at, nature,
            notes) VALUES ('bpe_eaje', 2021, 'INSEE', 'bpe.csv', 1, '2026-01-01', 'réel', '[]');
        INSERT INTO data_bpe_eaje VALUES (1, '42218', 2021, 40);
        """
    )
    con.commit()
    con.close()
    ws = Workspace(root)
    assert ws.read("bpe_eaje").frame["nb_eaje"].tolist() == [40]
    (v,) = ws.versions("bpe_eaje")
    assert v.action == "initial" and v.datasets == (1,) and v.rows == 1
    Workspace(root)  # opening again adds nothing
    assert len(ws.versions("bpe_eaje")) == 1


def test_caf_update_by_key_keeps_other_communes(workspace_on: WorkspaceOn) -> None:
    """Issue 14: a 41-row commune file for 2022 removed the rates of 1,002 communes."""
    ws = workspace_on.open()
    base = pd.DataFrame(
        {
            "annee": [2022] * 3,
            "niveau": ["commune"] * 3,
            "code": ["31555", "42218", "01004"],
            "nom": ["TOULOUSE", "SAINT ETIENNE", "AMBERIEU"],
            **{
                c: [None] * 3
                for c in (
                    "tx_eaje_psu",
                    "tx_eaje_hors_psu",
                    "tx_eaje",
                    "tx_prescolarisation",
                    "tx_assmat",
                    "tx_salarie_domicile",
                    "tx_individuel",
                )
            },
            "tx_global": [50.0, 58.9, 61.0],
        }
    )
    ws.commit_many(
        [
            PendingDataset(
                "caf_taux",
                base.assign(edition="courant"),  # issue 13: the edition is part of the key
                producer="Cnaf",
                source_file="txcouv.csv",
                millesime=2022,
                scope="commune:courant",
            )
        ]
    )
    prepared = prepare(  # one year: the current edition (datastore.importers._caf_edition)
        "caf_taux",
        b"date_reference;numero_commune;nom_commune;taux_de_couv_global\n2022;42218;ST ETIENNE;60\n",
        name="maj.csv",
    )
    (change,) = plan(ws, prepared).changes
    assert (change.scope, change.added, change.replaced, change.removed) == (
        "commune:courant",
        0,
        1,
        0,
    )
    year = plan(ws, prepared, "same_millesime").changes[0]
    assert year.removed == 2 and year.lost == ("TOULOUSE (31555)", "AMBERIEU (01004)")
    commit(ws, prepared)
    got = ws.read("caf_taux").frame.set_index("code")["tx_global"].to_dict()
    assert got == {"31555": 50.0, "42218": 60.0, "01004": 61.0}
