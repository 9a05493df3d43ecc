"""Saving the edited avenants and follow-up tables of the AO page (ui/ao._save_rows): the rows
go through the importer of their kind (same checks and French messages as a file), in place
of the rows of the edited CTG only: the rows of the other CTG are kept, with their provenance
(tests/unit/test_store_ctg.py for the store's side)."""

from __future__ import annotations

import pandas as pd
import pytest

from datastore.store import Workspace
from diagnostics import ctg_followup as fu
from ui import ao as ui_ao
from ui import cache


@pytest.fixture
def ws(tmp_path, monkeypatch):
    w = Workspace(tmp_path)
    monkeypatch.setattr(cache, "workspace", lambda: w)
    return w


def _avenants(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(ui_ao.AVENANT_LABELS))


def _files(ws: Workspace, kind: str) -> dict[str, set[str]]:
    """The file each CTG's rows are credited to."""
    data = ws.read(kind)
    metas = {m.id: m.source_file for m in data.metas}
    out: dict[str, set[str]] = {}
    for ctg, did in zip(data.frame["id_ctg"], data.frame["dataset_id"], strict=True):
        out.setdefault(str(ctg), set()).add(metas[int(did)])
    return out


def test_edited_avenants_are_validated_and_kept_with_the_others(ws):
    others = _avenants(("C9", "2024-01-01", "Autre CTG", "", ""))
    assert ui_ao._save_rows("ctg_avenants", others, ["C9"], ws.revision(), "avenants_c9.csv")
    edited = _avenants(("C1", "2025-11-15", "Prolongation d'un an", "", "2026-12-31"))
    assert ui_ao._save_rows("ctg_avenants", edited, ["C1"], ws.revision(), "avenants_saisis.csv")
    stored = ws.read("ctg_avenants")
    assert sorted(stored.frame["id_ctg"]) == ["C1", "C9"]
    c1 = stored.frame.set_index("id_ctg").loc["C1"]
    assert c1["nouvelle_date_fin"] == pd.Timestamp("2026-12-31")
    assert {m.producer for m in stored.metas} == {ui_ao.EDIT_PRODUCER}
    # C9's row keeps the file it was saved from (it used to take C1's)
    assert _files(ws, "ctg_avenants") == {"C1": {"avenants_saisis.csv"}, "C9": {"avenants_c9.csv"}}
    # an unknown signatory is refused: nothing changes
    bad = _avenants(("C1", "2025-11-15", "Entrée", "99999", ""))
    revision = ws.revision()
    assert not ui_ao._save_rows("ctg_avenants", bad, ["C1"], revision, "avenants_saisis.csv")
    assert sorted(ws.read("ctg_avenants").frame["id_ctg"]) == ["C1", "C9"]
    # a row of a CTG outside the editor, or a stale read: refused, nothing changes
    assert not ui_ao._save_rows("ctg_avenants", others, ["C1"], revision, "avenants_saisis.csv")
    assert not ui_ao._save_rows("ctg_avenants", edited, ["C1"], revision - 1, "avenants.csv")
    assert ws.revision() == revision


def test_edited_followup_round_trip(ws):
    shown = pd.DataFrame(
        {
            "Thématique": ["Petite enfance"],
            "Action": ["Micro-crèche"],
            "Indicateur": ["Places créées"],
            "Valeur initiale": [0.0],
            "Cible": [12.0],
            "Année": [2025],
            "Trimestre": [pd.NA],
            "Réalisé": [4.5],
            "État d'avancement": ["en cours"],
            "Commentaire": [""],
        }
    )
    rows = fu.from_display(shown, "C1")
    assert ui_ao._save_rows("ctg_suivi", rows, ["C1"], ws.revision(), "suivi_saisi.csv")
    back = fu.followup_of(ws.read("ctg_suivi").frame, "C1")
    assert back.iloc[0]["realise"] == 4.5 and pd.isna(back.iloc[0]["trimestre"])
    shown.loc[0, "État d'avancement"] = "terminée"  # not a status of the schema
    refused = fu.from_display(shown, "C1")
    assert not ui_ao._save_rows("ctg_suivi", refused, ["C1"], ws.revision(), "x.csv")
    assert fu.followup_of(ws.read("ctg_suivi").frame, "C1").iloc[0]["statut"] == "en cours"
    # every row cleared: C1's follow-up is retired (an empty file could not be imported)
    assert ui_ao._save_rows("ctg_suivi", rows.iloc[0:0], ["C1"], ws.revision(), "x.csv")
    assert fu.followup_of(ws.read("ctg_suivi").frame, "C1").empty
