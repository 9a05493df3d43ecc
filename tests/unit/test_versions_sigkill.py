"""SIGKILL at random points of a large import (issue 14): the workspace opens, the previous
version is intact and current, nothing is half-written (or the import is complete)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datastore.importers import import_file
from geodata.reference import communes_table

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from datastore.importers import commit, prepare
from datastore.store import Workspace
ws = Workspace(sys.argv[1])
prepared = prepare("enfants", sys.argv[2])
assert prepared.ok, prepared.report.text()
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


def _state(root: Path) -> tuple[str, int, int]:
    from datastore.store import Workspace

    ws = Workspace(root)  # must open whatever happened
    con = sqlite3.connect(root / "workspace.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    versions = ws.versions("enfants")
    return ws.checksum("enfants"), versions[0].id, len(ws.read("enfants").frame)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_sigkill_during_a_large_import_leaves_the_previous_version(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    from datastore.store import Workspace

    ws = Workspace(root)
    _, metas = import_file(
        ws,
        "enfants",
        b"CODGEO;ANNEE;P20_POP0002\n42218;2015;5000\n31555;2009;17000\n",
        name="a.csv",
    )
    assert metas
    big = tmp_path / "enfants_big.csv"
    rows = _big_file(big, range(2010, 2017))
    assert rows > 200_000
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(root), str(big)],
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
    before = _state(root)
    child = start()
    t0 = time.perf_counter()
    out, err = child.communicate(timeout=600)
    duration = time.perf_counter() - t0
    assert child.returncode == 0 and "done" in out, err
    complete = _state(root)
    assert complete[1] != before[1] and complete[2] == before[2] - 1 + rows  # 42218 2015 replaced
    Workspace(root).restore("enfants", before[1])
    assert _state(root)[0] == before[0]
    # Then kills at random points of the commit (conversion, writing, index, version).
    rng = random.Random(20261201)
    for _ in range(3):
        before = _state(root)
        child = start()
        time.sleep(rng.uniform(0.05, 0.95) * duration)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        after = _state(root)
        if after == before:  # killed inside the commit: nothing of it is visible
            assert "done" not in out
            assert child.returncode == -signal.SIGKILL
            continue
        # The kill came after the transaction was committed (possibly before « done » was
        # printed): the new version is then complete, never partial.
        assert after[0] == complete[0], "a new version is either absent or complete"
        assert after[2] == complete[2] and after[1] != before[1]
        Workspace(root).restore("enfants", before[1])
        assert _state(root)[0] == before[0]
