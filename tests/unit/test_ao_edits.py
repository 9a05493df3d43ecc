"""Saving the edited avenants and follow-up tables of the AO page (ui/ao._save_rows): the rows
go through the importer of their kind (same checks and French messages as a file), and the
rows of the other CTG are kept."""

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


def test_edited_avenants_are_validated_and_kept_with_the_others(ws):
    others = _avenants(("C9", "2024-01-01", "Autre CTG", "", ""))
    edited = _avenants(("C1", "2025-11-15", "Prolongation d'un an", "", "2026-12-31"))
    assert ui_ao._save_rows("ctg_avenants", edited, others, "avenants_saisis.csv")
    stored = ws.read("ctg_avenants")
    assert sorted(stored.frame["id_ctg"]) == ["C1", "C9"]
    c1 = stored.frame.set_index("id_ctg").loc["C1"]
    assert c1["nouvelle_date_fin"] == pd.Timestamp("2026-12-31")
    assert stored.metas[0].producer == ui_ao.EDIT_PRODUCER
    # an unknown signatory is refused: nothing changes
    bad = _avenants(("C1", "2025-11-15", "Entrée", "99999", ""))
    assert not ui_ao._save_rows("ctg_avenants", bad, others, "avenants_saisis.csv")
    assert sorted(ws.read("ctg_avenants").frame["id_ctg"]) == ["C1", "C9"]


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
    assert ui_ao._save_rows("ctg_suivi", rows, rows.iloc[0:0], "suivi_saisi.csv")
    back = fu.followup_of(ws.read("ctg_suivi").frame, "C1")
    assert back.iloc[0]["realise"] == 4.5 and pd.isna(back.iloc[0]["trimestre"])
    shown.loc[0, "État d'avancement"] = "terminée"  # not a status of the schema
    assert not ui_ao._save_rows("ctg_suivi", fu.from_display(shown, "C1"), rows.iloc[0:0], "x.csv")
    assert fu.followup_of(ws.read("ctg_suivi").frame, "C1").iloc[0]["statut"] == "en cours"
