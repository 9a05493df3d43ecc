"""The generic import of a kind: headers mapped, kind hooks run, columns converted and
checked (every kind but the Cnaf files and births goes through it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datastore.importers.aliases import ALIASES, _alias_hit
from datastore.importers.common import (
    ImportOptions,
    Prepared,
    _communes,
    _convert_all,
    _frame_from,
    _map_headers,
    _missing_columns,
    _note_ignored,
    _rescue_required,
    _score,
    _year_option,
)
from datastore.importers.hooks import _POST_HOOKS, _PRE_HOOKS
from datastore.readers import (
    RawTable,
    best_sheet,
    locate_header,
    norm_header,
)
from datastore.schemas import DatasetType, Dtype
from datastore.validation import (
    Report,
)


# ------------------------------------------------------------------------ generic kinds
def _generic(
    raw: RawTable, dtype: DatasetType, opts: ImportOptions, report: Report, prepared: Prepared
) -> tuple[pd.DataFrame | None, np.ndarray]:
    aliases = ALIASES[dtype.kind]
    raw = best_sheet(raw, _score(aliases))
    for n in raw.notes:
        report.note(n)
    choice = locate_header(raw, _score(aliases))
    if choice.merged_rows > 1:
        report.note(
            f"En-tête sur deux lignes (cellules fusionnées) reconstitué à la ligne {raw.lines[choice.row]}."
        )
    elif choice.row > 0:
        report.note(f"{choice.row} ligne(s) de titre au-dessus de l'en-tête ignorée(s).")
    mapping, _ = _map_headers(choice.header, aliases, report)
    provided = _provided_defaults(dtype.kind, choice.header, opts)
    ignored = _rescue_required(dtype, choice.header, aliases, mapping, provided, report)
    prepared.mapping = {choice.header[i]: c for i, c in mapping.items()}
    _note_ignored(report, ignored)
    if _missing_columns(report, dtype, set(mapping.values()), choice.header, provided):
        return None, np.array([], dtype=np.int64)
    frame, lines, headers = _frame_from(raw, choice.row, choice.header, mapping, report)
    hook = _PRE_HOOKS.get(dtype.kind)
    if hook is not None:
        frame, lines = hook(frame, lines, choice.header, opts, report, headers)
        if frame is None:
            return None, lines
    if (
        dtype.year_column == "annee"
        and "annee" in dtype.column_names
        and not _year_option(frame, opts, report, report.file)
    ):
        return None, lines
    for col in dtype.columns:
        if (
            col.dtype is Dtype.CODE
            and col.name.startswith("code_insee")
            and col.name in frame.columns
        ):
            frame, lines = _communes(
                frame,
                col.name,
                lines,
                report,
                headers.get(col.name, col.name),
                required=col.required,
            )
    typed = _convert_all(frame, dtype, lines, report, headers)
    post = _POST_HOOKS.get(dtype.kind)
    if post is not None and report.ok:
        typed, lines = post(typed, lines, report)
    return typed, lines


def _provided_defaults(kind: str, header: list[str], opts: ImportOptions) -> set[str]:
    provided = {"annee"}  # from the options or the file name, checked later
    if kind == "taux_national" and opts.edition:
        provided.add("edition")  # the option « édition » (_pre_taux_national)
    if kind == "population":
        provided.add("type_population")
    if kind == "structures":
        provided |= {"type_structure", "id_structure"}
        names = ALIASES["structures"]["_nom_commune"]
        if any(_alias_hit(norm_header(h), names) for h in header if h):
            provided.add("code_insee")  # found by name and postal code (_pre_structures)
    return provided
