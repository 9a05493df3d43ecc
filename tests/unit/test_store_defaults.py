"""The embedded default workspace: real files through the importers, then the demo data, once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from datastore import defaults
from datastore.store import Workspace, scope_family


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, float, bool]:
    ws = Workspace(tmp_path_factory.mktemp("defaults"))
    t0 = time.perf_counter()
    stored = defaults.ensure_defaults(ws)
    return ws, time.perf_counter() - t0, stored


def test_fills_real_open_data(filled) -> None:
    ws, _, stored = filled
    assert stored
    real = {m.kind for m in ws.datasets() if not m.is_synthetic}
    assert {
        "caf_taux",
        "caf_places",
        "drees_offre",
        "bpe_eaje",
        "densite",
        "population",
        "allocataires",
        "qpv",
        "taux_national",
    } <= real
    taux = ws.read("caf_taux").frame
    communes = taux[taux["niveau"] == "commune"]
    assert sorted(communes["annee"].unique().tolist()) == list(range(2017, 2023))
    assert {m.source_id for m in ws.datasets("caf_taux") if not m.is_synthetic} == {
        "cnaf_txcouv_com",
        "cnaf_txcouv_dep",
    }
    # département rates: both editions of 2022 side by side, 2023 in the current edition
    dep = sorted(
        (m.millesime, m.edition) for m in ws.datasets("caf_taux") if m.scope.startswith("dep")
    )
    assert dep == [(y, "hist") for y in range(2017, 2022)] + [
        (2022, "courant"),
        (2022, "hist"),
        (2023, "courant"),
    ]
    # what is real is no longer synthetic: no demo département, région or France rate,
    # no demo children; the children are the births estimate
    demo_scopes = {scope_family(m.scope) for m in ws.datasets("caf_taux") if m.is_synthetic}
    assert demo_scopes == {"epci"}
    assert {str(m.nature) for m in ws.datasets("enfants")} == {"estimé"}
    assert {m.millesime for m in ws.datasets("qpv")} == {2022, 2024}
    assert [m.millesime for m in ws.datasets("allocataires")] == [2016, 2017, 2018, 2019, 2020]


def test_demo_data_flagged(filled) -> None:
    ws, _, _ = filled
    if not defaults.synthetic_available():
        pytest.skip("datastore.synthetic absent")
    demo = [m for m in ws.datasets() if m.is_synthetic]
    assert demo and all(m.source_id == "demo_synthetique" for m in demo)
    assert all("données de démonstration" in m.credit() for m in demo)
    assert ws.read("structures").is_synthetic


def test_idempotent(filled) -> None:
    ws, _, _ = filled
    before = [(m.id, m.rows) for m in ws.datasets()]
    rev = ws.revision()
    assert defaults.ensure_defaults(ws) is False
    assert [(m.id, m.rows) for m in ws.datasets()] == before and ws.revision() == rev


def test_deleted_default_stays_deleted(filled) -> None:
    ws, _, _ = filled
    qpv = ws.datasets("qpv")[0]
    ws.delete(qpv.id)
    defaults.ensure_defaults(ws)
    assert qpv.id not in [m.id for m in ws.datasets("qpv")]
    assert len(ws.datasets("qpv")) == 1


def test_cache_roundtrip_gives_the_same_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    monkeypatch.setenv(defaults.CACHE_ENV, str(tmp_path / "cache"))
    built = defaults._cached("open", defaults.build_open)  # prepares and writes the cache
    assert any((tmp_path / "cache" / "defaults").iterdir())
    loaded = defaults._cached("open", lambda: pytest.fail("le cache aurait dû servir"))
    assert len(built) == len(loaded)
    for a, b in zip(built, loaded, strict=True):
        assert (a.kind, a.millesime, a.scope, a.source_file, a.notes) == (
            b.kind,
            b.millesime,
            b.scope,
            b.source_file,
            b.notes,
        )
        pd.testing.assert_frame_equal(
            a.frame.reset_index(drop=True), b.frame.reset_index(drop=True)
        )


def _start(root: str, barrier) -> bool:
    ws = Workspace(root)
    barrier.wait()
    return defaults.ensure_defaults(ws)


def test_two_processes_starting_at_once_fill_once(filled, tmp_path: Path) -> None:
    import multiprocessing as mp

    reference, _, _ = filled  # same defaults (the prepared frames are cached by now)
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            results = pool.starmap(_start, [(str(tmp_path), barrier)] * 2)
    ws = Workspace(tmp_path)
    assert sum(results) >= 1

    def shape(metas) -> list[tuple]:
        return sorted((m.kind, m.scope, m.millesime or 0, m.rows) for m in metas if m.kind != "qpv")

    # Exactly one fill: the same datasets as the single-process reference, no duplicates
    # (QPV compared apart: another test of this module deletes it from the reference).
    assert shape(ws.datasets()) == shape(Workspace(reference.root).datasets())
    assert len(ws.datasets("qpv")) == 2


def test_an_import_made_before_the_first_start_is_kept(tmp_path: Path) -> None:
    """A user imports on the command line before ever opening the app: the defaults that come
    afterwards neither replace a real file of the same millésime nor shadow it with demo data."""
    from datastore.importers import prepare

    tx = tmp_path / "tx_dep.csv"
    tx.write_text(
        "date_reference;numero_departement;nom_departement;taux_de_couv_global\n"
        "2022;69D;RHONE;64,0\n2022;69M;METROPOLE DE LYON;69,5\n",
        encoding="utf-8",
    )
    com = tmp_path / "tx_com.csv"
    com.write_text(
        "date_reference;numero_commune;nom_commune;taux_de_couv_global\n2022;31555;TOULOUSE;99,9\n",
        encoding="utf-8",
    )
    ws = Workspace(tmp_path / "ws")
    for path in (tx, com):
        prepared = prepare("caf_taux", path)
        assert prepared.ok, prepared.report.text()
        ws.commit_many(prepared.datasets())
    assert defaults.ensure_defaults(ws)
    dep = [
        m
        for m in ws.datasets("caf_taux")
        if scope_family(m.scope) == "departement" and m.millesime == 2022
    ]
    # neither edition of the shipped 2022 file comes next to the user's 2022 file
    assert [(m.millesime, m.is_synthetic, m.source_file) for m in dep] == [
        (2022, False, "tx_dep.csv")
    ]
    dep_years = {
        m.millesime for m in ws.datasets("caf_taux") if scope_family(m.scope) == "departement"
    }
    assert dep_years == set(range(2017, 2024))  # the other shipped years arrive
    com_2022 = [
        m
        for m in ws.datasets("caf_taux")
        if scope_family(m.scope) == "commune" and m.millesime == 2022
    ]
    assert [m.source_file for m in com_2022] == ["tx_com.csv"]
    # the other shipped years still arrive
    years = {m.millesime for m in ws.datasets("caf_taux") if scope_family(m.scope) == "commune"}
    assert years == set(range(2017, 2023))
