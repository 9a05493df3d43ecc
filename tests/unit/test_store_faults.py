"""Workspace faults told plainly: every fault is a French StoreError without server paths,
saying what happened, that nothing was changed, and what to do; nothing is silently
recreated or refilled, and a failed write leaves the previous data current.

The full-disk and read-only cases use a small tmpfs mount when the tests run as root
(CI), and are skipped with the reason otherwise (a read-only folder also works as a
normal user through its permissions).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datastore.store import DB_NAME, StoreError, Workspace


def _bpe(n: int = 3, year: int = 2021) -> pd.DataFrame:
    codes = [f"{i:05d}" for i in range(1001, 1001 + n)]
    return pd.DataFrame({"code_insee": codes, "annee": [year] * n, "nb_eaje": list(range(n))})


def _filled(root: Path) -> Workspace:
    ws = Workspace(root)
    ws.commit("bpe_eaje", _bpe(200), producer="INSEE", source_file="bpe.csv", millesime=2021)
    return ws


def _checkpoint(root: Path) -> None:
    """Fold the WAL into the main file so that damaging the file damages the data."""
    import sqlite3

    con = sqlite3.connect(root / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for extra in ("-wal", "-shm"):
        p = root / (DB_NAME + extra)
        if p.exists():
            p.unlink()


def assert_plain(exc: StoreError, root: Path, *words: str) -> None:
    msg = str(exc)
    assert str(root) not in msg and "/tmp" not in msg and "Traceback" not in msg, msg
    assert "Rien n'a été modifié" in msg, msg
    for w in words:
        assert w in msg, msg


def test_truncated_file(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _filled(root)
    _checkpoint(root)
    f = root / DB_NAME
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 3])
    with pytest.raises(StoreError) as err:
        Workspace(root).read("bpe_eaje")
    assert_plain(err.value, root, "endommagé", "Restaurez")


def test_garbage_file(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / DB_NAME).write_bytes(np.random.default_rng(0).bytes(50_000))
    with pytest.raises(StoreError) as err:
        Workspace(root)
    assert_plain(err.value, root, "endommagé")


def test_empty_file_is_reported_not_refilled(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / DB_NAME).write_bytes(b"")
    with pytest.raises(StoreError) as err:
        Workspace(root)
    assert "vide (0 octet)" in str(err.value) and str(root) not in str(err.value)
    assert (root / DB_NAME).stat().st_size == 0  # not refilled


def test_missing_file_is_reported_not_recreated(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    ws = _filled(root)
    for p in root.iterdir():
        p.unlink()
    with pytest.raises(StoreError) as err:
        ws.datasets()
    assert_plain(err.value, root, "introuvable")
    assert not (root / DB_NAME).exists()


def test_directory_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as err:
        Workspace(blocker / "ws")
    assert str(tmp_path) not in str(err.value)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (root only)."""
    if not _is_root():
        pytest.skip("montage d'un petit système de fichiers : nécessite root")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"mount tmpfs impossible : {res.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_reports_the_cause_and_keeps_previous_data(tiny_fs: Path) -> None:
    root = tiny_fs / "ws"
    ws = _filled(root)
    before = ws.revision()
    with pytest.raises(StoreError) as err:
        ws.commit(
            "bpe_eaje", _bpe(60_000, 2022), producer="INSEE", source_file="gros.csv", millesime=2022
        )
    assert_plain(err.value, root, "disque du serveur est plein", "Libérez")
    assert "rollback" not in str(err.value).lower()
    # The previous data are still the current ones.
    again = Workspace(root)
    assert again.revision() == before
    assert [m.millesime for m in again.datasets("bpe_eaje")] == [2021]
    assert len(again.read("bpe_eaje").frame) == 200


def _write_one(root: Path) -> None:
    Workspace(root).commit(
        "bpe_eaje", _bpe(3, 2022), producer="INSEE", source_file="b.csv", millesime=2022
    )


def test_read_only_directory(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _filled(root)
    if _is_root():
        res = subprocess.run(
            ["mount", "--bind", "-o", "ro", str(root), str(root)], capture_output=True
        )
        if res.returncode != 0:
            pytest.skip(f"montage en lecture seule impossible : {res.stderr.decode().strip()}")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(root)], check=False)
        undo = ["umount", "-l", str(root)]
    else:
        os.chmod(root, 0o555)
        for p in root.iterdir():
            os.chmod(p, 0o444)
        undo = None
    try:
        with pytest.raises(StoreError) as err:
            _write_one(root)
        assert "lecture seule" in str(err.value), str(err.value)
        assert str(root) not in str(err.value)
    finally:
        if undo:
            subprocess.run(undo, check=False)
        else:
            os.chmod(root, 0o755)
            for p in root.iterdir():
                os.chmod(p, 0o644)
    assert [m.millesime for m in Workspace(root).datasets("bpe_eaje")] == [2021]


def test_nearly_full_disk_warns_after_a_successful_import(tiny_fs: Path) -> None:
    ws = _filled(tiny_fs / "ws")
    assert ws.disk_warning(margin_bytes=10) is None
    warning = ws.disk_warning()  # a 1 MB disk is below the 50 MB margin
    assert warning and "presque plein" in warning and str(tiny_fs) not in warning


def _open_workspace(root: str) -> str:
    try:
        Workspace(root).revision()
    except StoreError as exc:  # reported to the parent
        return str(exc)
    return ""


def test_concurrent_first_openings_never_see_a_half_created_file(tmp_path: Path) -> None:
    """Several processes opening a new workspace at once: the atomic creation means none of
    them sees a 0-byte file (which would be reported as truncated)."""
    import multiprocessing as mp

    for attempt in range(3):
        root = str(tmp_path / f"ws{attempt}")
        with mp.get_context("spawn").Pool(4) as pool:
            errors = pool.map(_open_workspace, [root] * 8)
        assert errors == [""] * 8, errors
