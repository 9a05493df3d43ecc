"""AppTest of the SDSF page's two save buttons (targets editor, EAJE projects register) and of
the project points drawn on the map of places to develop.

The editors are seeded through their edit state (edited_rows / added_rows), as AppTest
allows for a keyed st.data_editor, then the button is clicked. Each test works on a private
copy of the session workspace (tests/apptest/conftest.py), on the Territoire de Belfort
(90), small enough to compute quickly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from datastore.store import Workspace
from diagnostics import sdsf
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = [pytest.mark.apptest, pytest.mark.usefixtures("private_workspace")]

DEP = "90"
COMMUNE = "90010"  # Belfort
EDITED = "Saisie dans l'application"


def _rows(kind: str, column: str, values: set[str]) -> pd.DataFrame:
    frame = Workspace().read(kind).frame
    if frame.empty:
        return frame
    return frame[frame[column].astype(str).isin(values)]


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


OTHER = "25"  # the Doubs: its rows must keep their figures and their provenance


def test_a_save_for_one_departement_keeps_the_other_departements_rows_and_provenance() -> None:
    """The saves used to rewrite the whole dataset: the Doubs' rows took the provenance
    « Saisie dans l'application ». Now they stay byte for byte (values, file, date)."""
    from datastore.importers import ImportOptions, commit, prepare
    from tests.unit.test_store_departement import rows_with_provenance

    ws = Workspace()
    targets = (
        "code_departement;indicateur;annee;type_valeur;valeur;commentaire\n"
        f"{DEP};places_eaje_psu;2024;reference;1400;Cnaf\n"
        f"{DEP};places_eaje_psu;2025;realise;1420;Cnaf\n"
        f"{OTHER};places_eaje_psu;2024;reference;5000;Cnaf\n"
        f"{OTHER};places_eaje_psu;2029;cible;5400;CPOG\n"
    ).encode()
    projects = (
        "id_projet;nom;code_insee;places;psu;annee_ouverture;statut\n"
        f"P90-1;Crèche A;{COMMUNE};20;oui;2026;autorisé\n"
        "P90-2;Crèche B;90001;12;non;2027;en projet\n"
        "P25-1;Crèche C;25056;30;oui;2026;en travaux\n"
    ).encode()
    for kind, data, name in (
        ("sdsf_indicateurs", targets, "sdsf_90_25.csv"),
        ("eaje_projets", projects, "projets_90_25.csv"),
    ):
        prepared = prepare(kind, data, name=name, options=ImportOptions(producteur="Caf"))
        assert prepared.ok, prepared.report.text()
        commit(ws, prepared)
    before = {k: rows_with_provenance(ws, k, OTHER) for k in ("sdsf_indicateurs", "eaje_projets")}
    versions = {k: len(ws.versions(k)) for k in before}

    at = open_page("sdsf", "departement", DEP, timeout=300)
    assert_no_exception(at)
    at.session_state["sdsf_targets_editor"] = _edit(**{"Année de la cible": 2029, "Cible": 1600})
    at.run()
    at.button(key="sdsf_targets_save").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Cibles enregistrées." for s in at.success)
    # every project of the Territoire de Belfort deleted in the register
    at.session_state["sdsf_projects_editor"] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [0, 1],
    }
    at.run()
    at.button(key="sdsf_projects_save").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Projets enregistrés." for s in at.success)

    for kind, text in before.items():
        assert rows_with_provenance(ws, kind, OTHER) == text, kind
        (v, *_) = ws.versions(kind)
        assert len(ws.versions(kind)) == versions[kind] + 1
        assert v.mode == "slice" and f"(département {DEP})" in v.source_file
    psu = _rows("sdsf_indicateurs", "code_departement", {DEP}).set_index("type_valeur")
    assert psu.loc["cible", "valeur"] == 1600 and int(psu.loc["cible", "annee"]) == 2029
    assert psu.loc["reference", "valeur"] == 1400  # unchanged in the editor
    # the realised value (outside the editor) keeps the provenance of its file
    metas = {m.id: m for m in ws.datasets("sdsf_indicateurs")}
    assert metas[int(psu.loc["realise", "dataset_id"])].source_file == "sdsf_90_25.csv"
    assert _rows("eaje_projets", "id_projet", {"P90-1", "P90-2"}).empty
    assert not _rows("eaje_projets", "id_projet", {"P25-1"}).empty
