"""Upload names that are not valid UTF-8 or too long: a French message, never a crash."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from datastore.filenames import MAX_NAME_LENGTH, check_upload_name
from datastore.store import Workspace


def test_valid_name_is_kept():
    assert check_upload_name("bpe_2023 (copie).csv").name == "bpe_2023 (copie).csv"
    assert check_upload_name("bpe_2023.csv").note is None


def test_non_utf8_name_is_repaired_and_storable(tmp_path: Path):
    raw = b"cr\xe8ches_2023.csv".decode("utf-8", "surrogateescape")  # cp1252 bytes from a browser
    checked = check_upload_name(raw)
    assert checked.error is None and checked.name == "crèches_2023.csv"
    assert "encodage" in checked.note
    ws = Workspace(tmp_path)
    frame = pd.DataFrame({"code_insee": ["01001"], "annee": [2023], "nb_eaje": [1]})
    meta = ws.commit("bpe_eaje", frame, producer="INSEE", source_file=checked.name, millesime=2023)
    assert ws.datasets()[0].source_file == meta.source_file == "crèches_2023.csv"


def test_undecodable_bytes_are_replaced():
    raw = b"\x81\x8d\x8f.csv".decode("utf-8", "surrogateescape")  # not cp1252 either
    checked = check_upload_name(raw)
    checked.name.encode("utf-8")  # storable
    assert checked.error is None and checked.name.endswith(".csv")


def test_too_long_name_is_refused_with_a_french_message():
    checked = check_upload_name("a" * 5000 + ".csv")
    assert checked.name == ""
    assert "trop long" in checked.error and str(MAX_NAME_LENGTH) in checked.error
    assert check_upload_name("a" * (MAX_NAME_LENGTH - 4) + ".csv").error is None


def test_control_characters_are_dropped():
    assert check_upload_name("bpe\n\x00_2023.csv").name == "bpe_2023.csv"
    assert check_upload_name("").name == "fichier sans nom"
