"""Property test of the versioned store (issue 14).

For random sequences of valid files and random modes: the stored data after each commit are
exactly those of an independent model of the modes, the preview's counts are those of the
model, and restoring the version before the commit gives back the same bytes (checksums).
On both backends (issue 20): the embedded SQLite file and a real PostgreSQL server (a new
database per example; fewer examples there, each costs a database and a schema).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from catalogue.sources import Nature
from datastore.store import PendingDataset, Workspace
from tests.conftest import BACKENDS

#: examples per backend (PostgreSQL: a database per example)
EXAMPLES = {"sqlite": 40, "postgresql": 12}

POOL = {"commune": ["01004", "42218", "31555", "15014"], "departement": ["01", "42", "31"]}
YEARS = [2021, 2022, 2023]
RATES = (
    "tx_eaje_psu",
    "tx_eaje_hors_psu",
    "tx_eaje",
    "tx_prescolarisation",
    "tx_assmat",
    "tx_salarie_domicile",
    "tx_individuel",
)


@st.composite
def files(draw):
    scope = draw(st.sampled_from(sorted(POOL)))
    year = draw(st.sampled_from(YEARS))
    codes = draw(st.lists(st.sampled_from(POOL[scope]), min_size=1, unique=True))
    values = draw(
        st.lists(
            st.one_of(st.none(), st.floats(0, 400, allow_nan=False).map(lambda v: round(v, 1))),
            min_size=len(codes),
            max_size=len(codes),
        )
    )
    return {
        "scope": scope,
        "year": year,
        "rows": dict(zip(codes, values, strict=True)),
        "synthetic": draw(st.booleans()),
        "mode": draw(st.sampled_from(["key", "same_millesime", "all"])),
        "drop_demo": draw(st.booleans()),
        # the commit fails part-way (its rows cannot be written): nothing of it may remain
        "fail": draw(st.sampled_from([False, False, False, True])),
    }


def _frame(f: dict) -> pd.DataFrame:
    n = len(f["rows"])
    return pd.DataFrame(
        {
            "annee": [f["year"]] * n,
            "niveau": [f["scope"]] * n,
            "code": list(f["rows"]),
            "nom": [""] * n,
            **{c: [None] * n for c in RATES},
            "tx_global": list(f["rows"].values()),
        }
    )


def _apply_model(state: list[dict], f: dict) -> tuple[list[dict], dict]:
    """The modes as documented, on plain rows: returns the new state and the counts."""
    new_keys = {(f["scope"], f["year"], c) for c in f["rows"]}

    def removable(r: dict) -> bool:
        return r["scope"] == f["scope"] and (r["synthetic"] or not f["synthetic"])

    def whole(r: dict) -> bool:
        return removable(r) and (
            f["mode"] == "all"
            or (f["mode"] == "same_millesime" and r["year"] == f["year"])
            or (f.get("drop_demo", False) and r["synthetic"] and not f["synthetic"])
        )

    keep, counts = [], {"added": 0, "replaced": 0, "removed": 0}
    replaced_keys = set()
    for r in state:
        key = (r["scope"], r["year"], r["code"])
        if removable(r) and key in new_keys:
            replaced_keys.add(key)
        elif whole(r):
            counts["removed"] += 1
        else:
            keep.append(r)
    counts["replaced"] = len(replaced_keys)
    counts["added"] = len(new_keys) - len(replaced_keys)
    for c, v in f["rows"].items():
        keep.append(
            {
                "scope": f["scope"],
                "year": f["year"],
                "code": c,
                "value": v,
                "synthetic": f["synthetic"],
            }
        )
    return keep, counts


def _stored(ws: Workspace) -> list[tuple]:
    fr = ws.read("caf_taux").frame
    return sorted(
        (n, int(y), c, None if pd.isna(v) else float(v))
        for n, y, c, v in zip(fr["niveau"], fr["annee"], fr["code"], fr["tx_global"], strict=True)
    )


def _model_rows(state: list[dict]) -> list[tuple]:
    return sorted((r["scope"], r["year"], r["code"], r["value"]) for r in state)


@pytest.fixture(scope="module", params=BACKENDS)
def new_workspace(request: pytest.FixtureRequest) -> Callable[[], AbstractContextManager]:
    """A factory of empty workspaces on one backend: a new folder, or a new database of the
    test PostgreSQL server, per example (dropped afterwards)."""
    backend = request.param
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None

    @contextmanager
    def make() -> Iterator[Workspace]:
        if server is None:
            with tempfile.TemporaryDirectory() as tmp:
                ws = Workspace(tmp)
                assert ws.backend == "sqlite"
                yield ws
            return
        from scripts import pg_test_server

        name = f"t_{uuid.uuid4().hex[:16]}"
        ws = Workspace(url=pg_test_server.create_database(server, name))
        try:
            assert ws.backend == "postgresql"
            yield ws
        finally:
            ws.close()
            pg_test_server.drop_database(server, name)

    make.backend = backend  # type: ignore[attr-defined]
    return make


def test_commit_matches_preview_and_restore_gives_back_the_bytes(new_workspace) -> None:
    backend = new_workspace.backend
    seen: list[str] = []

    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(files(), min_size=1, max_size=5))
    @example(  # demo data never remove real data, whatever the mode
        [
            {
                "scope": "commune",
                "year": 2021,
                "rows": {"01004": 1.0},
                "synthetic": False,
                "mode": "key",
            },
            {
                "scope": "commune",
                "year": 2021,
                "rows": {"42218": None},
                "synthetic": True,
                "mode": "all",
            },
        ]
    )
    @example(  # update by key keeps the other rows of the same year in a copy
        [
            {
                "scope": "commune",
                "year": 2022,
                "rows": {"01004": 1.0, "42218": 2.0, "31555": 3.0},
                "synthetic": True,
                "mode": "key",
            },
            {
                "scope": "commune",
                "year": 2022,
                "rows": {"42218": None},
                "synthetic": False,
                "mode": "key",
            },
            {
                "scope": "commune",
                "year": 2022,
                "rows": {"31555": 9.5},
                "synthetic": False,
                "mode": "key",
            },
            {
                "scope": "departement",
                "year": 2022,
                "rows": {"42": 7.0},
                "synthetic": False,
                "mode": "all",
            },
            {
                "scope": "commune",
                "year": 2023,
                "rows": {"01004": 4.0},
                "synthetic": False,
                "mode": "same_millesime",
            },
        ]
    )
    def check(sequence: list[dict]) -> None:
        with new_workspace() as ws:
            seen.append(ws.backend)
            _check_sequence(ws, sequence)

    check()
    # every example ran on the backend of this case (the two explicit ones, then random ones)
    assert len(seen) > 2 and set(seen) == {backend}


@contextmanager
def _rows_cannot_be_written(ws: Workspace) -> Iterator[None]:
    """The backend fails when the commit writes its rows (after its version row, its audit
    row and the retirement of the datasets it replaces)."""

    def cut(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("coupure simulée pendant l'écriture des lignes")

    ws._db.bulk_insert = cut  # type: ignore[method-assign]
    try:
        yield
    finally:
        del ws._db.bulk_insert  # type: ignore[attr-defined]


def _check_sequence(ws: Workspace, sequence: list[dict]) -> None:
    state: list[dict] = []
    for f in sequence:
        if f["synthetic"] and any(
            not r["synthetic"]
            and (r["scope"], r["year"], r["code"])
            in {(f["scope"], f["year"], c) for c in f["rows"]}
            for r in state
        ):
            continue  # demo data over real rows of the same key: the defaults skip them
        item = PendingDataset(
            "caf_taux",
            _frame(f),
            producer="démo" if f["synthetic"] else "Cnaf",
            source_file="f.csv",
            nature=Nature.SYNTHETIQUE if f["synthetic"] else Nature.REEL,
            millesime=f["year"],
            replace=f["mode"],
            scope=f["scope"],
            drop_demo=f.get("drop_demo", False),
        )
        before = ws.checksum("caf_taux")
        versions_before = ws.versions("caf_taux")
        preview = ws.plan([item])
        new_state, counts = _apply_model(state, f)
        got = {"added": 0, "replaced": 0, "removed": 0}
        for ch in preview.changes:
            for k in got:
                got[k] += getattr(ch, k)
        assert got == counts
        if f.get("fail"):
            revision = ws.revision()
            with _rows_cannot_be_written(ws), pytest.raises(RuntimeError, match="coupure"):
                ws.commit_many([item], expected_revision=preview.revision)
            # the version row, the retired datasets… were written before: all rolled back
            assert ws.checksum("caf_taux") == before and ws.revision() == revision
            assert ws.versions("caf_taux") == versions_before
            assert _stored(ws) == _model_rows(state)
            continue
        state = new_state
        ws.commit_many([item], expected_revision=preview.revision)
        assert _stored(ws) == _model_rows(state)
        if versions_before:
            after = ws.checksum("caf_taux")
            ws.restore("caf_taux", versions_before[0].id)
            assert ws.checksum("caf_taux") == before
            ws.restore("caf_taux", ws.versions("caf_taux")[1].id)  # back to the import
            assert ws.checksum("caf_taux") == after
            assert _stored(ws) == _model_rows(state)
