"""The workspace store: provenance, replace/keep/delete, atomicity, persistence, defaults."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pandas as pd
import pytest

from catalogue.sources import Nature
from datastore.importers import import_file
from datastore.store import PendingDataset, StoreError, Workspace
from tests.conftest import WorkspaceOn


def _bpe(year: int, n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"code_insee": ["01004", "42218", "2A004"], "annee": [year] * 3, "nb_eaje": [n, 40, 0]}
    )


def _taux(niveau: str, year: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "annee": [year],
            "niveau": [niveau],
            "code": ["42" if niveau == "departement" else "42218"],
            "nom": ["x"],
            "edition": [None],
            "tx_eaje_psu": [1.0],
            "tx_eaje_hors_psu": [None],
            "tx_eaje": [None],
            "tx_prescolarisation": [None],
            "tx_assmat": [None],
            "tx_salarie_domicile": [None],
            "tx_individuel": [None],
            "tx_global": [58.9],
        }
    )


@pytest.fixture
def ws(workspace_on: WorkspaceOn) -> Workspace:
    """A new workspace, on each backend (SQLite, PostgreSQL)."""
    return workspace_on.open()


def test_commit_keeps_provenance_and_types(ws: Workspace) -> None:
    meta = ws.commit(
        "bpe_eaje",
        _bpe(2021),
        producer="INSEE",
        source_file="bpe.csv",
        millesime=2021,
        notes=["note 1"],
    )
    assert (meta.kind, meta.millesime, meta.producer, meta.source_file, meta.rows, meta.nature) == (
        "bpe_eaje",
        2021,
        "INSEE",
        "bpe.csv",
        3,
        Nature.REEL,
    )
    assert meta.imported_at and meta.notes == ("note 1",)
    ds = ws.read("bpe_eaje")
    assert ds.frame["code_insee"].tolist() == ["01004", "42218", "2A004"]  # codes stay strings
    assert str(ds.frame["nb_eaje"].dtype) == "Int64"
    assert ds.credits() == ["Source : INSEE, 2021"]


@pytest.mark.parametrize(
    ("replace", "years_after"),
    [("same_millesime", [2020, 2021]), ("key", [2020, 2021]), ("all", [2021])],
)
def test_replace_modes(ws: Workspace, replace: str, years_after: list[int]) -> None:
    ws.commit("bpe_eaje", _bpe(2020), producer="INSEE", source_file="a.csv", millesime=2020)
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="b.csv", millesime=2021)
    ws.commit(
        "bpe_eaje",
        _bpe(2021, 9),
        producer="INSEE",
        source_file="c.csv",
        millesime=2021,
        replace=replace,
    )
    assert sorted(m.millesime for m in ws.datasets("bpe_eaje")) == years_after
    assert ws.datasets("bpe_eaje")[-1].source_file == "c.csv"


def test_scopes_are_replaced_separately(ws: Workspace) -> None:
    ws.commit(
        "caf_taux",
        _taux("commune", 2022),
        producer="Cnaf",
        source_file="com.csv",
        millesime=2022,
        scope="commune",
    )
    ws.commit(
        "caf_taux",
        _taux("departement", 2022),
        producer="Cnaf",
        source_file="dep.csv",
        millesime=2022,
        scope="departement",
    )
    ws.commit(
        "caf_taux",
        _taux("departement", 2022),
        producer="Cnaf",
        source_file="dep2.csv",
        millesime=2022,
        scope="departement",
    )
    assert sorted((m.scope, m.source_file) for m in ws.datasets("caf_taux")) == [
        ("commune", "com.csv"),
        ("departement", "dep2.csv"),
    ]


def test_real_replacing_all_removes_synthetic_of_its_scope_only(ws: Workspace) -> None:
    for scope in ("departement", "epci"):
        ws.commit(
            "caf_taux",
            _taux(scope, 2021),
            producer="démo",
            source_file="demo",
            millesime=2021,
            nature=Nature.SYNTHETIQUE,
            scope=scope,
        )
    ws.commit(
        "caf_taux",
        _taux("departement", 2022),
        producer="Cnaf",
        source_file="dep.csv",
        millesime=2022,
        scope="departement",
        replace="all",
    )
    got = sorted((m.scope, m.millesime, str(m.nature)) for m in ws.datasets("caf_taux"))
    assert got == [("departement", 2022, "réel"), ("epci", 2021, "synthétique")]


def test_two_editions_of_a_year_stay_side_by_side(ws: Workspace) -> None:
    """« departement:hist » and « departement:courant » of 2022 are two datasets; a real
    edition asked to retire the demo data retires those of its scale, whatever their
    edition; a new hist file of the year replaces the hist one only."""
    ws.commit(
        "caf_taux",
        _taux("departement", 2022),
        producer="démo",
        source_file="demo",
        millesime=2022,
        nature=Nature.SYNTHETIQUE,
        scope="departement",
    )
    for edition, name in (("hist", "h.csv"), ("courant", "c.csv"), ("hist", "h2.csv")):
        ws.commit_many(
            [
                PendingDataset(
                    "caf_taux",
                    _taux("departement", 2022).assign(edition=edition),
                    producer="Cnaf",
                    source_file=name,
                    millesime=2022,
                    scope=f"departement:{edition}",
                    replace="same_millesime",
                    drop_demo=True,
                )
            ]
        )
    got = sorted((m.scope, m.edition, m.source_file) for m in ws.datasets("caf_taux"))
    assert got == [
        ("departement:courant", "courant", "c.csv"),
        ("departement:hist", "hist", "h2.csv"),
    ]
    assert sorted(ws.read("caf_taux").frame["edition"]) == ["courant", "hist"]


def test_synthetic_never_removes_real(ws: Workspace) -> None:
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="bpe.csv", millesime=2021)
    ws.commit(
        "bpe_eaje",
        _bpe(2021),
        producer="démo",
        source_file="demo",
        millesime=2021,
        nature=Nature.SYNTHETIQUE,
        replace="all",
    )
    assert sorted(str(m.nature) for m in ws.datasets("bpe_eaje")) == ["réel", "synthétique"]
    assert ws.read("bpe_eaje").is_synthetic


def test_delete(ws: Workspace) -> None:
    meta = ws.commit(
        "bpe_eaje", _bpe(2021), producer="INSEE", source_file="bpe.csv", millesime=2021
    )
    ws.delete(meta.id)
    assert ws.read("bpe_eaje").empty and ws.datasets() == []
    with pytest.raises(StoreError, match="introuvable"):
        ws.delete(meta.id)


def test_commit_many_is_all_or_nothing(ws: Workspace) -> None:
    ws.commit("bpe_eaje", _bpe(2020), producer="INSEE", source_file="old.csv", millesime=2020)
    rev = ws.revision()
    bad = _bpe(2021).assign(nb_eaje=["3", "x", "1"])  # fails while converting, inside the batch
    with pytest.raises((ValueError, TypeError)):
        ws.commit_many(
            [
                PendingDataset(
                    "bpe_eaje", _bpe(2022), producer="INSEE", source_file="ok.csv", millesime=2022
                ),
                PendingDataset(
                    "bpe_eaje", bad, producer="INSEE", source_file="bad.csv", millesime=2021
                ),
            ]
        )
    assert [m.source_file for m in ws.datasets()] == ["old.csv"] and ws.revision() == rev


def test_failure_inside_transaction_rolls_back(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.commit("bpe_eaje", _bpe(2020), producer="INSEE", source_file="old.csv", millesime=2020)
    calls = {"n": 0}
    original = Workspace._insert

    def flaky(self, con, it, dtype, data, now):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disque plein")
        return original(self, con, it, dtype, data, now)

    monkeypatch.setattr(Workspace, "_insert", flaky)
    with pytest.raises(RuntimeError):
        ws.commit_many(
            [
                PendingDataset(
                    "bpe_eaje",
                    _bpe(2020, 7),
                    producer="INSEE",
                    source_file="new.csv",
                    millesime=2020,
                ),
                PendingDataset(
                    "bpe_eaje", _bpe(2021), producer="INSEE", source_file="b.csv", millesime=2021
                ),
            ]
        )
    assert [m.source_file for m in ws.datasets()] == ["old.csv"]
    assert ws.read("bpe_eaje").frame["nb_eaje"].tolist() == [3, 40, 0]


def test_refused_file_leaves_store_untouched(ws: Workspace) -> None:
    ws.commit("bpe_eaje", _bpe(2021), producer="INSEE", source_file="bpe.csv", millesime=2021)
    rev = ws.revision()
    prepared, metas = import_file(
        ws, "bpe_eaje", b"CODGEO;NB_D502\n42218;-1\n01004;x\n", name="bad_2021.csv"
    )
    assert not prepared.ok and metas == [] and len(prepared.report.errors) == 2
    assert ws.revision() == rev
    assert ws.read("bpe_eaje").frame["nb_eaje"].tolist() == [3, 40, 0]


def test_import_file_then_newer_edition_replaces_same_year(ws: Workspace) -> None:
    _, m1 = import_file(ws, "bpe_eaje", b"CODGEO;NB_D502\n42218;40\n", name="bpe_2021.csv")
    _, m2 = import_file(ws, "bpe_eaje", b"CODGEO;NB_D502\n42218;41\n", name="bpe_2022.csv")
    _, m3 = import_file(ws, "bpe_eaje", b"CODGEO;NB_D502\n42218;42\n", name="bpe_2022_v2.csv")
    assert [m.millesime for m in ws.datasets("bpe_eaje")] == [2021, 2022]
    assert sorted(ws.read("bpe_eaje").frame["nb_eaje"].tolist()) == [40, 42]
    assert {m1[0].id, m3[0].id} == {m.id for m in ws.datasets()}
    assert m2[0].id not in {m.id for m in ws.datasets()}


def test_survives_restart(workspace_on: WorkspaceOn) -> None:
    workspace_on.open().commit(
        "bpe_eaje", _bpe(2021), producer="INSEE", source_file="bpe.csv", millesime=2021
    )
    again = workspace_on.open()
    assert again.read("bpe_eaje").frame["nb_eaje"].tolist() == [3, 40, 0]


def test_once_key(ws: Workspace) -> None:
    item = PendingDataset(
        "bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", millesime=2021
    )
    assert ws.commit_many([item], once_key="k") is not None
    assert ws.commit_many([item], once_key="k") is None
    assert len(ws.datasets()) == 1 and ws.meta_value("k") is not None


def _fill_once(root: str, url: str | None, barrier) -> int:
    ws = Workspace(url=url) if url else Workspace(root)
    item = PendingDataset(
        "bpe_eaje", _bpe(2021), producer="INSEE", source_file="a.csv", millesime=2021
    )
    barrier.wait()
    return 0 if ws.commit_many([item], once_key="defaults") is None else 1


def test_two_processes_fill_once(workspace_on: WorkspaceOn) -> None:
    ctx = mp.get_context("spawn")
    workspace_on.open()  # schema created once
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            results = pool.starmap(
                _fill_once, [(str(workspace_on.root), workspace_on.url, barrier)] * 2
            )
    assert sorted(results) == [0, 1]
    assert len(workspace_on.open().datasets()) == 1


def test_html_and_formulas_are_stored_as_text(ws: Workspace) -> None:
    body = (
        b"id_structure;type_structure;nom;code_insee\nE1;EAJE;<script>alert(1)</script>;42218\n"
        b'E2;EAJE;=HYPERLINK("x");01004\n'
    )
    prepared, _ = import_file(ws, "structures", body, name="s.csv")
    assert prepared.ok
    names = ws.read("structures").frame["nom"].tolist()
    assert names == ["<script>alert(1)</script>", '=HYPERLINK("x")']


def test_a_workspace_of_an_earlier_version_gains_new_optional_columns(tmp_path: Path) -> None:
    """A qpv table stored before the « communes » column existed: opening the workspace adds the
    column (empty for the old rows), and the rows stay readable and unchanged."""
    import sqlite3

    Workspace(tmp_path)  # creates the base tables
    con = sqlite3.connect(tmp_path / "workspace.sqlite")
    con.execute(
        "CREATE TABLE data_qpv (dataset_id INTEGER NOT NULL, code_qpv TEXT, nom_qpv TEXT, "
        "annee INTEGER, code_insee TEXT, nom_commune TEXT, population REAL)"
    )
    con.execute(
        "INSERT INTO datasets(kind, millesime, producer, source_file, rows, imported_at, nature) "
        "VALUES ('qpv', 2022, 'INSEE', 'qpv.csv', 1, '2026-01-01', 'réel')"
    )
    con.execute(
        "INSERT INTO data_qpv VALUES (1, 'QP006003', 'Ranguin', 2022, '06029', 'Cannes', 4743)"
    )
    con.commit()
    con.close()
    frame = Workspace(tmp_path).read("qpv").frame
    assert frame["code_insee"].tolist() == ["06029"]
    assert frame["population"].tolist() == [4743.0]
    assert frame["communes"].isna().all()
