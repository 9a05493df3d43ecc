"""AppTest of the SDSF page's two save buttons (targets editor, EAJE projects register) and of
the project points drawn on the map of places to develop.

The editors are seeded through their edit state (edited_rows / added_rows), as AppTest
allows for a keyed st.data_editor, then the button is clicked. Each test works on a private
copy of the session workspace (a save replaces whole datasets), on the Territoire de Belfort
(90), small enough to compute quickly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from datastore.store import Workspace
from diagnostics import sdsf
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest

DEP = "90"
COMMUNE = "90010"  # Belfort
EDITED = "Saisie dans l'application"


def _rows(kind: str, column: str, values: set[str]) -> pd.DataFrame:
    frame = Workspace().read(kind).frame
    if frame.empty:
        return frame
    return frame[frame[column].astype(str).isin(values)]


@pytest.fixture(autouse=True)
def private_workspace(tmp_path):
    """A copy of the session workspace for each test: the saves replace whole datasets
    (their provenance included), which other tests of the shared workspace read. The
    Streamlit caches are cleared on the way in and out (their keys are revisions, which the
    two workspaces share)."""
    import sqlite3

    import streamlit as st

    from datastore.defaults import ensure_defaults
    from datastore.store import DB_NAME, ENV_VAR
    from ui import cache

    shared = Path(os.environ[ENV_VAR])
    ensure_defaults(Workspace())
    root = tmp_path / "ws"
    root.mkdir()
    src, dst = sqlite3.connect(shared / DB_NAME), sqlite3.connect(root / DB_NAME)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_VAR, str(root))
    cache.workspace.clear()
    st.cache_data.clear()
    try:
        yield root
    finally:
        mp.undo()
        cache.workspace.clear()
        st.cache_data.clear()


def _indicator_row() -> int:
    return [i.id for i in sdsf.INDICATORS].index(sdsf.IND_PSU)


def _edit(**cells) -> dict:
    return {"edited_rows": {_indicator_row(): cells}, "added_rows": [], "deleted_rows": []}


def test_save_targets_stores_them_through_the_importer() -> None:
    at = open_page("sdsf", "departement", DEP, timeout=300)
    assert_no_exception(at)
    at.session_state["sdsf_targets_editor"] = _edit(
        **{
            "Année de référence": 2022,
            "Valeur de référence": 1500,
            "Année de la cible": 2029,
            "Cible": 1800,
        }
    )
    at.run()
    at.button(key="sdsf_targets_save").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Cibles enregistrées." for s in at.success)
    stored = _rows("sdsf_indicateurs", "code_departement", {DEP})
    psu = stored[stored["indicateur"] == sdsf.IND_PSU].set_index("type_valeur")
    assert psu.loc["reference", "valeur"] == 1500 and int(psu.loc["reference", "annee"]) == 2022
    assert psu.loc["cible", "valeur"] == 1800 and int(psu.loc["cible", "annee"]) == 2029
    assert set(stored["commentaire"]) == {EDITED}
    # the page reads them back: the indicator's target and horizon
    table = next(d.value for d in at.dataframe if "Statut" in d.value.columns)
    row = table.set_index("Indicateur").loc[sdsf.BY_ID[sdsf.IND_PSU].label]
    assert row["Cible"] == "1\u202f800" and row["Horizon"] == "2029"


def test_refused_targets_show_the_report_and_store_nothing() -> None:
    before = _rows("sdsf_indicateurs", "code_departement", {DEP})
    at = open_page("sdsf", "departement", DEP, timeout=300)
    at.session_state["sdsf_targets_editor"] = _edit(
        **{
            "Année de référence": 2024,
            "Valeur de référence": 1500,
            "Année de la cible": 2020,  # before the baseline
            "Cible": 1800,
        }
    )
    at.run()
    at.button(key="sdsf_targets_save").click().run()
    assert_no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "2020" in errors or any(
        "2020" in " ".join(map(str, d.value.to_numpy().ravel())) for d in at.dataframe
    ), errors
    assert not any(s.value == "Cibles enregistrées." for s in at.success)
    after = _rows("sdsf_indicateurs", "code_departement", {DEP})
    assert len(after) == len(before)


def test_save_projects_and_their_points_on_the_map() -> None:
    at = open_page("sdsf", "departement", DEP, timeout=300)
    assert_no_exception(at)
    project = {
        "id_projet": "P-T1",
        "nom": "Creche test",
        "code_insee": COMMUNE,
        "places": 24,
        "psu": True,
        "annee_ouverture": 2026,
        "statut": "autorisé",
        "latitude": None,
        "longitude": None,
    }
    at.session_state["sdsf_projects_editor"] = {
        "edited_rows": {},
        "added_rows": [project],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="sdsf_projects_save").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Projets enregistrés." for s in at.success)
    stored = _rows("eaje_projets", "id_projet", {"P-T1"}).iloc[0]
    assert str(stored["code_insee"]) == COMMUNE and int(stored["places"]) == 24
    assert bool(stored["psu"]) is True and str(stored["statut"]) == "autorisé"
    # the register table and the map of places to develop show it (a disc in Belfort, no
    # coordinates given: a point inside the commune)
    shown = [d.value for d in at.dataframe if "id_projet" in d.value.columns]
    assert any("P-T1" in set(f["id_projet"].astype(str)) for f in shown)
    maps = [m for m in at.get("bidi_component") if "sdsf_map" in m.proto.id]
    assert len(maps) == 1
    payload = maps[0].proto.json
    assert "P-T1" in payload and "Creche test" in payload
    assert "24 places PSU, ouverture 2026" in payload  # the point's label (a numpy bool)
    # the places to develop of Belfort's planning territory count the project's places
    places = next(d.value for d in at.dataframe if "Places des projets d'EAJE" in d.value.columns)
    assert (pd.to_numeric(places["Places des projets d'EAJE"]) >= 24).any()
