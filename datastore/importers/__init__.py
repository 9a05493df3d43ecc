"""One importer per dataset kind: real-world headers -> canonical columns, with a report.

Usage (the Données page and the CLI do exactly this):

    prepared = prepare("caf_taux", path_or_bytes, name="txcouv_pe_com.csv")
    prepared.report   # French validation report, shown BEFORE committing
    if prepared.ok:
        commit(ws, prepared)   # one transaction; a failing file stores nothing

A prepared file is split into one stored dataset per millésime (and per CAF scale), so a
newer edition of a year replaces that year only and older years stay alongside.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from catalogue.sources import Nature
from datastore import kinds

# The package's public names, and the ones tests reach (one import path for all): the
# pieces live in common (options, slices, shared helpers), aliases (headers), generic
# (the generic kind import), hooks (per kind), cnaf, births and geojson.
from datastore.importers.aliases import ALIASES, caf_value_column
from datastore.importers.births import BIRTHS_LABEL, _enfants, births_estimate
from datastore.importers.cnaf import _caf, _caf_edition
from datastore.importers.common import ImportOptions, Prepared, Slice, _looks_json, year_from_name
from datastore.importers.generic import _generic
from datastore.importers.geojson import _read_geojson
from datastore.importers.hooks import _POST_HOOKS, _PRE_HOOKS, competence_key
from datastore.readers import ReadError, norm_header, read_raw
from datastore.schemas import dataset_type
from datastore.store import (
    CommitPlan,
    DatasetMeta,
    PendingDataset,
    Workspace,
    apply_types,
    empty_frame,
)
from datastore.validation import Report, check_duplicates


# --------------------------------------------------------------------------------- entry
def prepare(
    kind: str,
    source: bytes | str | Path,
    name: str | None = None,
    options: ImportOptions | None = None,
) -> Prepared:
    """Read, map and validate a file as dataset `kind` (nothing is stored)."""
    opts = options or ImportOptions()
    dtype = dataset_type(kind)
    file = name or (Path(source).name if isinstance(source, (str, Path)) else "fichier")
    report = Report(file)
    prepared = Prepared(
        kind,
        file,
        report,
        producer=opts.producteur or dtype.default_producer or "Non renseigné",
        nature=opts.nature,
        source_id=opts.source_id,
        label=opts.label,
    )
    try:
        if kind == "zones" and (
            file.lower().endswith((".geojson", ".json")) or _looks_json(source)
        ):
            frame, lines = _read_geojson(source, file, opts, report)
        else:
            raw = read_raw(source, file, max_bytes=opts.max_bytes)
            frame, lines = _IMPORTERS.get(kind, _generic)(raw, dtype, opts, report, prepared)
    except ReadError as exc:
        for m in exc.messages:
            report.error(m)
        return prepared
    if frame is None:
        return prepared
    prepared.rows_read = len(frame)
    if frame.empty and report.ok:
        report.error(
            f"{file} : aucune ligne de données après l'en-tête ; au moins une ligne attendue."
        )
        return prepared
    if len(lines) == len(frame):  # all problems at once: duplicates are reported with cell errors
        check_duplicates(frame, dtype, lines, report)
    if report.ok:
        prepared.frame = apply_types(frame[dtype.column_names].reset_index(drop=True), dtype)
    return prepared


def plan(
    ws: Workspace,
    prepared: Prepared,
    replace: str = "key",
    *,
    drop_demo: bool = False,
    slice_: Slice | None = None,
) -> CommitPlan:
    """What committing a valid prepared file would change (the preview; nothing is stored)."""
    if not prepared.ok:
        raise ValueError(prepared.report.summary())
    return ws.plan(prepared.datasets(replace, drop_demo, slice_))


def commit(
    ws: Workspace,
    prepared: Prepared,
    replace: str = "key",
    *,
    drop_demo: bool = False,
    expected_revision: int | None = None,
    author: str | None = None,
    slice_: Slice | None = None,
) -> list[DatasetMeta]:
    """Store a valid prepared file (one transaction for all its millésimes, one new version of
    its type). With `expected_revision` (the preview's), refuses if the workspace changed.
    With `slice_` (and replace="slice"), replaces that slice's rows only (one département's,
    one CTG's...: datastore.changes.Slice)."""
    if not prepared.ok:
        raise ValueError(prepared.report.summary())
    metas = ws.commit_many(
        prepared.datasets(replace, drop_demo, slice_),
        expected_revision=expected_revision,
        author=author,
    )
    assert metas is not None
    return metas


def clear_slice(
    ws: Workspace,
    kind: str,
    slice_: Slice,
    *,
    name: str,
    producer: str,
    expected_revision: int | None = None,
    author: str | None = None,
) -> None:
    """Retire every row of one slice of a type (one département's, one CTG's...), as a new
    version of the type (an editor emptied: a file cannot be empty, so this does not go
    through prepare)."""
    ws.commit_many(
        [
            PendingDataset(
                kind,
                empty_frame(dataset_type(kind)),
                producer=producer,
                source_file=name,
                replace="slice",
                slice_=slice_,
            )
        ],
        expected_revision=expected_revision,
        author=author,
    )


def import_file(
    ws: Workspace,
    kind: str,
    source: bytes | str | Path,
    name: str | None = None,
    options: ImportOptions | None = None,
    replace: str = "key",
    dry_run: bool = False,
) -> tuple[Prepared, list[DatasetMeta]]:
    prepared = prepare(kind, source, name, options)
    if dry_run or not prepared.ok:
        return prepared, []
    return prepared, commit(ws, prepared, replace)


_IMPORTERS: dict[str, Callable] = {"caf_taux": _caf, "caf_places": _caf, "enfants": _enfants}


def _prepare_synthetic(kind: str, frame: pd.DataFrame) -> Prepared:
    """Schema check of a synthetic frame (used by datastore.defaults)."""
    from datastore.validation import validate_frame

    dtype = dataset_type(kind)
    report = Report(f"demo_{kind}")
    out = validate_frame(frame, dtype, report)
    prepared = Prepared(
        kind,
        f"jeu de démonstration ({kind})",
        report,
        producer="Application (jeu de démonstration)",
        nature=Nature.SYNTHETIQUE,
        source_id="demo_synthetique",
        label=f"{dtype.label} — {'données de démonstration'}",
    )
    prepared.rows_read = len(frame)
    if report.ok:
        prepared.frame = out.reset_index(drop=True)
    return prepared


def guess_kind(file_name: str) -> str | None:
    """A likely dataset kind from a file name (only a suggestion for the UI)."""
    return kinds.guess_kind(norm_header(Path(file_name).stem), Path(file_name).suffix)


__all__ = [
    "ALIASES",
    "BIRTHS_LABEL",
    "ImportOptions",
    "Prepared",
    "Slice",
    "_POST_HOOKS",
    "_PRE_HOOKS",
    "_caf_edition",
    "_prepare_synthetic",
    "births_estimate",
    "caf_value_column",
    "clear_slice",
    "commit",
    "competence_key",
    "guess_kind",
    "import_file",
    "norm_header",
    "plan",
    "prepare",
    "year_from_name",
]
