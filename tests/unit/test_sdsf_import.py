"""SDSF indicator and EAJE project files: import, and bad input refused with the file, line
and column named, nothing stored."""

from __future__ import annotations

import pytest

from datastore import importers
from datastore.examples import example_csv
from datastore.schemas import SDSF_INDICATEURS_IDS, SDSF_TYPES_VALEUR
from datastore.store import Workspace
from diagnostics import sdsf

HEADER = "code_departement;indicateur;annee;type_valeur;valeur\r\n"


def _csv(*lines: str) -> bytes:
    return ("\ufeff" + HEADER + "".join(f"{line}\r\n" for line in lines)).encode("utf-8")


def test_schema_ids_are_the_indicators_of_diagnostics():
    assert SDSF_INDICATEURS_IDS == sdsf.INDICATOR_IDS
    assert SDSF_TYPES_VALEUR == sdsf.VALUE_TYPES


@pytest.mark.parametrize("kind", ["sdsf_indicateurs", "eaje_projets"])
def test_examples_import(kind):
    p = importers.prepare(kind, example_csv(kind), f"exemple_{kind}.csv")
    assert p.ok, p.report.summary()
    assert len(p.frame) == 3


def test_french_labels_and_lost_leading_zero_are_read():
    data = _csv(
        "1;Nombre de places offertes en EAJE PSU;2024;Valeur de référence;1 234,5",
        "1;Nombre de places offertes en EAJE PSU;2029;cible;1400",
        "2A;creches_avip;2029;Cible;3",
    )
    p = importers.prepare("sdsf_indicateurs", data, "sdsf_ain.csv")
    assert p.ok, p.report.summary()
    f = p.frame
    assert list(f["code_departement"]) == ["01", "01", "2A"]
    assert list(f["indicateur"]) == ["places_eaje_psu", "places_eaje_psu", "creches_avip"]
    assert list(f["type_valeur"]) == ["reference", "cible", "cible"]
    assert f["valeur"].iloc[0] == pytest.approx(1234.5)


@pytest.mark.parametrize(
    ("lines", "fragments"),
    [
        (
            ["59;places_creches;2024;reference;10"],
            ["cible_sdsf.csv, ligne 2, colonne « indicateur »", "places_creches"],
        ),
        (
            ["59;creches_avip;2024;reference;10", "59;creches_avip;2023;cible;12"],
            ["cible_sdsf.csv, ligne 3, colonne « annee »", "2023", "référence en 2024"],
        ),
        (
            ["59;creches_avip;2024;reference;10", "59;creches_avip;2024;jalon;11"],
            ["ligne 3, colonne « annee »", "jalon"],
        ),
        (["59;etp_rpe;2024;realise;-3"], ["cible_sdsf.csv, ligne 2, colonne « valeur »", "-3"]),
    ],
)
def test_bad_indicator_files_are_refused_and_nothing_stored(tmp_path, lines, fragments):
    ws = Workspace(tmp_path)
    before = ws.revision()
    p, metas = importers.import_file(ws, "sdsf_indicateurs", _csv(*lines), "cible_sdsf.csv")
    assert not p.ok and metas == []
    text = " ".join(i.message for i in p.report.errors)
    for fragment in fragments:
        assert fragment in text, text
    assert ws.read("sdsf_indicateurs").empty
    assert ws.revision() == before


def test_bad_project_files_are_refused(tmp_path):
    data = (
        "\ufeffid_projet;code_insee;places;psu;annee_ouverture;statut\r\n"
        "P1;42218;-5;oui;2026;autorisé\r\n"
        "P2;42218;10;oui;2026;rêvé\r\n"
    ).encode()
    ws = Workspace(tmp_path)
    p, metas = importers.import_file(ws, "eaje_projets", data, "projets.csv")
    assert not p.ok and metas == []
    text = " ".join(i.message for i in p.report.errors)
    assert "projets.csv, ligne 2, colonne « places »" in text
    assert "projets.csv, ligne 3, colonne « statut »" in text
    assert ws.read("eaje_projets").empty


def test_good_file_is_stored(tmp_path):
    ws = Workspace(tmp_path)
    p, metas = importers.import_file(
        ws,
        "sdsf_indicateurs",
        _csv("59;creches_avip;2024;reference;10", "59;creches_avip;2029;cible;16"),
        "sdsf_nord.csv",
    )
    assert p.ok and metas
    assert len(ws.read("sdsf_indicateurs").frame) == 2
