"""Saving what an editor of a page holds (the SDSF page's targets and projects, the AO page's
avenants and CTG follow-up table): through the importer of its kind (same checks and French
messages as a file), in place of the rows of ONE slice of the type only (mode « slice »,
datastore.changes.Slice: one département's rows, one CTG's rows...). Every other row keeps
its figures and its provenance (producer, file, date of import); the save is one transaction
and one version of the type, with its audit line."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from datastore import importers
from datastore.store import StoreError
from reports.tables import to_csv_fr
from ui import cache
from ui.components import table
from ui.text import md

EDIT_PRODUCER = "Saisie dans l'application"
#: Validation report columns on screen: the message before what was found and expected.
REPORT_ORDER = ["Gravité", "Ligne", "Colonne", "Message", "Trouvé", "Attendu"]


def save_slice(
    kind: str, frame: pd.DataFrame, slice_: importers.Slice, revision: int, name: str
) -> bool:
    """Stores the editor's rows `frame` of `kind` in place of the rows of `slice_` (an empty
    frame retires them), credited to EDIT_PRODUCER, under the file name `name`. Refused,
    nothing stored and the reason shown (False): rows the importer refuses (its report), a row
    outside the slice, or a workspace changed since `revision`, the one the editor's rows
    were read from."""
    ws = cache.workspace()
    try:
        if frame.empty:  # every row cleared: the slice's rows are retired
            importers.clear_slice(
                ws, kind, slice_, name=name, producer=EDIT_PRODUCER, expected_revision=revision
            )
            return True
        prepared = importers.prepare(
            kind,
            to_csv_fr(frame),
            name=name,
            options=importers.ImportOptions(producteur=EDIT_PRODUCER),
        )
        if not prepared.ok:
            st.error(md(prepared.report.summary()))
            table(
                prepared.report.as_frame(),
                column_order=REPORT_ORDER,
                column_config={"Message": st.column_config.TextColumn(width="large")},
            )
            return False
        importers.commit(ws, prepared, "slice", expected_revision=revision, slice_=slice_)
    except StoreError as exc:
        st.error(md(str(exc)), icon=":material/error:")
        return False
    return True
