"""`python -m datastore ...`: import (dry-run, refused, committed), list, schema, exemple, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from datastore.cli import main
from datastore.store import Workspace


@pytest.fixture
def ws_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIAG_WORKSPACE_DIR", str(tmp_path / "ws"))
    return tmp_path / "ws"


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "extra", "code", "stored", "fragment"),
    [
        ("CODGEO;NB_D502\n1004;3\n", ["--annee", "2021"], 0, 1, "Enregistré : jeu n°"),
        (
            "CODGEO;NB_D502\n1004;3\n",
            ["--annee", "2021", "--dry-run"],
            0,
            0,
            "rien n'a été enregistré",
        ),
        (
            "CODGEO;NB_D502\n1004;-3\n",
            ["--annee", "2021"],
            1,
            0,
            "ligne 2, colonne « NB_D502 » : « -3 » trouvé",
        ),
        ("CODGEO;NB_D502\n1004;3\n", [], 1, 0, "aucune colonne d'année"),
    ],
)
def test_import(ws_dir, tmp_path, capsys, text, extra, code, stored, fragment) -> None:
    path = _file(tmp_path, "bpe.csv", text)
    assert main(["import", str(path), "--type", "bpe_eaje", *extra]) == code
    out = capsys.readouterr().out
    assert fragment in out
    assert len(Workspace(ws_dir).datasets()) == stored


def test_list_delete(ws_dir, tmp_path, capsys) -> None:
    path = _file(tmp_path, "bpe_2021.csv", "CODGEO;NB_D502\n42218;40\n")
    assert main(["import", str(path), "--type", "bpe_eaje", "--producteur", "INSEE"]) == 0
    meta = Workspace(ws_dir).datasets()[0]
    capsys.readouterr()
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "bpe_2021.csv" in out and "INSEE" in out and "réel" in out
    assert main(["delete", str(meta.id)]) == 0
    assert Workspace(ws_dir).datasets() == []
    assert main(["delete", str(meta.id)]) == 1
    assert "introuvable" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["caf_taux", "structures", "zones"])
@pytest.mark.usefixtures("ws_dir")
def test_schema_and_exemple(tmp_path, capsys, kind) -> None:
    assert main(["schema", kind]) == 0
    assert "Clé" in capsys.readouterr().out
    out = tmp_path / f"exemple_{kind}"
    assert main(["exemple", kind, "-o", str(out)]) == 0
    assert main(["import", str(out), "--type", kind, "--dry-run"]) == 0


def test_preview_versions_restore(ws_dir, tmp_path, capsys) -> None:
    first = _file(tmp_path, "bpe_2021.csv", "CODGEO;NB_D502\n42218;40\n31555;200\n01004;3\n")
    assert main(["import", str(first), "--type", "bpe_eaje", "--auteur", "Agnès"]) == 0
    before = Workspace(ws_dir).checksum("bpe_eaje")
    update = _file(tmp_path, "maj_2021.csv", "CODGEO;NB_D502\n42218;41\n")
    capsys.readouterr()
    assert (
        main(["import", str(update), "--type", "bpe_eaje", "--remplacer", "annee", "--dry-run"])
        == 0
    )
    out = capsys.readouterr().out
    assert "2021 : 0 ligne(s) ajoutée(s), 1 remplacée(s), 2 retirée(s)" in out
    assert (
        "2 territoire(s) ou élément(s) perdent un chiffre : Toulouse (31555), Ambérieu-en-Bugey (01004)"
        in out
    )
    assert main(["import", str(update), "--type", "bpe_eaje"]) == 0  # default: by key
    out = capsys.readouterr().out
    assert "0 ligne(s) ajoutée(s), 1 remplacée(s), 0 retirée(s)" in out
    assert sorted(Workspace(ws_dir).read("bpe_eaje").frame["nb_eaje"]) == [3, 41, 200]
    assert main(["versions", "bpe_eaje"]) == 0
    out = capsys.readouterr().out
    assert "Agnès" in out and "maj_2021.csv" in out and "bpe_2021.csv" in out
    first_version = Workspace(ws_dir).versions("bpe_eaje")[-1]
    assert main(["restore", "bpe_eaje", str(first_version.id)]) == 0
    assert Workspace(ws_dir).checksum("bpe_eaje") == before
    meta = Workspace(ws_dir).datasets()[0]
    assert main(["delete", str(meta.id)]) == 0
    assert "Pour annuler : python -m datastore restore bpe_eaje" in capsys.readouterr().out
    assert main(["restore", "bpe_eaje", "999"]) == 1
