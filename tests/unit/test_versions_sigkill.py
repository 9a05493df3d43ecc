"""SIGKILL at random points of a large import (issue 14): the workspace opens, the previous
version is intact and current, nothing is half-written (or the import is complete). On both
backends (issue 20): the embedded SQLite file and a real PostgreSQL server (the importing
process is killed, its server connection dropped mid-transaction)."""

from __future__ import annotations

import os
import pickle
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datastore.importers import import_file, prepare
from geodata.reference import communes_table
from tests.conftest import WorkspaceOn

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import pickle, sys
from datastore.importers import commit
from datastore.store import Workspace
where = sys.argv[1]
ws = Workspace(url=where) if where.startswith("postgresql://") else Workspace(where)
assert ws.backend == sys.argv[3], ws.backend
with open(sys.argv[2], "rb") as fh:
    prepared = pickle.load(fh)
print("commit", flush=True)
commit(ws, prepared)
print("done", flush=True)
"""


def _big_file(path: Path, years: range) -> int:
    codes = communes_table()["code_insee"].astype(str).tolist()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("CODGEO;ANNEE;P20_POP0002\n")
        for y in years:
            fh.writelines(f"{c};{y};{(i % 997) + 0.5}\n" for i, c in enumerate(codes))
    return len(codes) * len(years)


def _state(on: WorkspaceOn) -> tuple[str, int, int]:
    ws = on.open()  # must open whatever happened
    assert ws.backend == on.backend
    try:
        if on.backend == "sqlite":
            con = sqlite3.connect(on.root / "workspace.sqlite")
            try:
                assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finally:
                con.close()
        versions = ws.versions("enfants")
        return ws.checksum("enfants"), versions[0].id, len(ws.read("enfants").frame)
    finally:
        ws.close()


def _restore(on: WorkspaceOn, version: int) -> None:
    ws = on.open()
    try:
        ws.restore("enfants", version)
    finally:
        ws.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_sigkill_during_a_large_import_leaves_the_previous_version(
    workspace_on: WorkspaceOn, tmp_path: Path
) -> None:
    ws = workspace_on.open()  # on each backend (SQLite, PostgreSQL)
    assert ws.backend == workspace_on.backend
    _, metas = import_file(
        ws,
        "enfants",
        b"CODGEO;ANNEE;P20_POP0002\n42218;2015;5000\n31555;2009;17000\n",
        name="a.csv",
    )
    assert metas
    ws.close()
    where = workspace_on.url or str(workspace_on.root)
    big = tmp_path / "enfants_big.csv"
    rows = _big_file(big, range(2010, 2017))
    assert rows > 200_000
    # prepared (read, checked, converted) once: each child process only commits it, and is
    # killed during that commit
    prepared = prepare("enfants", str(big))
    assert prepared.ok, prepared.report.text()
    payload = tmp_path / "prepared.pickle"
    payload.write_bytes(pickle.dumps(prepared))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, where, str(payload), workspace_on.backend],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "commit", child.stderr.read() if child.stderr else ""
        return child

    # One complete run gives the duration of the commit and the state it leaves.
    before = _state(workspace_on)
    child = start()
    t0 = time.perf_counter()
    assert child.stdout is not None
    done = child.stdout.readline()
    duration = time.perf_counter() - t0  # « commit » to « done »: the commit, not the exit
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0 and done.strip() == "done", err
    complete = _state(workspace_on)
    assert complete[1] != before[1] and complete[2] == before[2] - 1 + rows  # 42218 2015 replaced
    _restore(workspace_on, before[1])
    assert _state(workspace_on)[0] == before[0]
    # Then kills at random points of the commit (conversion, writing, index, version), one in
    # each quarter of its duration: the conversion takes about half of it, the writes into
    # the database the rest (with every statement committed on its own, the kills of the
    # last quarters leave a partial version: checked once, by hand, on PostgreSQL).
    rng = random.Random(20261201)
    for quarter in range(4):
        before = _state(workspace_on)
        child = start()
        time.sleep(rng.uniform(quarter / 4, (quarter + 1) / 4) * duration)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        after = _state(workspace_on)
        if after == before:  # killed inside the commit: nothing of it is visible
            assert "done" not in out
            assert child.returncode == -signal.SIGKILL
            continue
        # The kill came after the transaction was committed (possibly before « done » was
        # printed): the new version is then complete, never partial.
        assert after[0] == complete[0], "a new version is either absent or complete"
        assert after[2] == complete[2] and after[1] != before[1]
        _restore(workspace_on, before[1])
        assert _state(workspace_on)[0] == before[0]
