"""Helpers of the tests of the store's mode « slice » (a save replaces the rows of one slice
of a type, one département's or one CTG's: tests/unit/test_store_departement.py,
tests/unit/test_store_ctg.py and their AppTests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import pytest

from datastore import accounts
from datastore.importers import ImportOptions, Slice, clear_slice, commit, prepare
from datastore.store import StoreError, Workspace
from tests.conftest import WorkspaceOn

EDITED = "Saisie dans l'application"
#: What the provenance of a row is: the fields of the dataset that holds it.
PROVENANCE = ("producer", "source_file", "imported_at", "nature", "label", "notes", "scope")


def import_file(ws: Workspace, kind: str, data: bytes, name: str, producer: str) -> None:
    prepared = prepare(kind, data, name=name, options=ImportOptions(producteur=producer))
    assert prepared.ok, prepared.report.text()
    commit(ws, prepared)


def opened_with(workspace_on: WorkspaceOn, *files: tuple[str, bytes, str, str]) -> Workspace:
    """The test's workspace, with these files imported: (kind, data, file name, producer)."""
    ws = workspace_on.open()
    for kind, data, name, producer in files:
        import_file(ws, kind, data, name, producer)
    return ws


def csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(sep=";", index=False).encode()


def save(
    ws: Workspace,
    kind: str,
    rows: list[dict],
    slice_: Slice,
    name: str,
    revision: int | None = None,
) -> None:
    """What an editor's save does (ui.edits.save_slice, without Streamlit): no row clears
    the slice, else the rows go through the importer, in place of the slice's rows."""
    if not rows:
        clear_slice(ws, kind, slice_, name=name, producer=EDITED, expected_revision=revision)
        return
    prepared = prepare(kind, csv(rows), name=name, options=ImportOptions(producteur=EDITED))
    assert prepared.ok, prepared.report.text()
    commit(ws, prepared, "slice", expected_revision=revision, slice_=slice_)


def with_provenance(ws: Workspace, frame: pd.DataFrame, kind: str) -> str:
    """Rows of `kind` read from `ws` and the provenance of the dataset holding each, as text
    (equal text = the same bytes)."""
    metas = {m.id: m for m in ws.datasets(kind)}
    out = frame.copy()
    for field in PROVENANCE:
        out[field] = [str(getattr(metas[int(i)], field)) for i in out["dataset_id"]]
    out = out.drop(columns="dataset_id")
    return out.sort_values(list(out.columns)).to_csv(index=False)


def assert_one_slice_version(
    ws: Workspace,
    kind: str,
    versions: int,
    counts: tuple[int, int, int],
    source_file: str,
    audit_text: str,
) -> None:
    """The save was ONE new version of `kind` (mode « slice », rows added, replaced and
    removed), from `source_file`, with its audit line naming the slice (`audit_text`)."""
    history = ws.versions(kind)
    assert len(history) == versions + 1
    v = history[0]
    assert (v.mode, v.added, v.replaced, v.removed) == ("slice", *counts)
    assert v.source_file == source_file
    audit = accounts.audit_frame(ws, limit=1).iloc[0]
    assert audit["type de données"] == kind and audit_text in audit["détail"], audit["détail"]


def assert_refused(ws: Workspace, kinds: Sequence[str], save: Callable[[], None], message: str):
    """`save` is refused with `message` (StoreError) and stores nothing: the rows of `kinds`
    and the workspace's revision are as they were."""
    checksums, revision = {k: ws.checksum(k) for k in kinds}, ws.revision()
    with pytest.raises(StoreError) as refused:
        save()
    assert message in str(refused.value)
    assert {k: ws.checksum(k) for k in kinds} == checksums and ws.revision() == revision


def assert_restore_undoes(ws: Workspace, kind: str, save: Callable[[Workspace], None]) -> None:
    """Restoring the version before a save gives its rows back, byte for byte."""
    checksum = ws.checksum(kind)
    previous = ws.versions(kind)[0].id
    save(ws)
    assert ws.checksum(kind) != checksum
    ws.restore(kind, previous)
    assert ws.checksum(kind) == checksum


def assert_stale_save_refused(
    ws: Workspace,
    kinds: Sequence[str],
    save: Callable[[Workspace, int], None],
    write: Callable[[], None],
) -> None:
    """The editor's rows were read at a revision; a write since (`write`) makes the save
    refuse, storing nothing; on the current revision it goes through."""
    stale = ws.revision()
    write()
    assert_refused(ws, kinds, lambda: save(ws, stale), "modifié depuis l'aperçu")
    save(ws, ws.revision())
