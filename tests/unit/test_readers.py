"""Tolerant reading of French files: encodings, separators, numbers, headers, codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from datastore import codes
from datastore.readers import (
    RawTable,
    ReadError,
    decode,
    locate_header,
    norm_header,
    parse_numbers,
    read_raw,
    sniff_separator,
)


@pytest.mark.parametrize(
    ("data", "text", "label"),
    [
        ("code;nom\n01004;Ambérieu".encode(), "code;nom\n01004;Ambérieu", "UTF-8"),
        (b"\xef\xbb\xbfcode;nom", "code;nom", "UTF-8 avec BOM"),
        ("Crèche Œuf".encode("cp1252"), "Crèche Œuf", "Windows-1252"),
        (b"caf\x81\xe9", "caf\x81é", "Latin-1 (ISO-8859-1)"),  # 0x81 is undefined in cp1252
        ("a\tb\né".encode("utf-16"), "a\tb\né", "UTF-16"),
    ],
)
def test_decode(data: bytes, text: str, label: str) -> None:
    assert decode(data) == (text, label)


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("a;b;c\n1;2,5;3\n4;5;6", ";"),
        ("a,b,c\n1,2.5,3\n4,5,6", ","),
        ("a\tb\tc\n1\t2,5\t3", "\t"),
        ("a|b\n1|2", "|"),
        ("Titre du tableau\n\na;b;c\n1;2;3\n4;5;6", ";"),
        ('nom,code\n"Dupont; Martin",01004\n"X; Y",42218', ","),
    ],
)
def test_sniff_separator(text: str, sep: str) -> None:
    assert sniff_separator(text) == sep


@pytest.mark.parametrize(
    ("cell", "value", "invalid"),
    [
        ("12", 12.0, False),
        ("12,5", 12.5, False),
        ("1 234", 1234.0, False),
        ("1\u00a0234,5", 1234.5, False),
        ("6\u202f490", 6490.0, False),
        ("1.234,5", 1234.5, False),
        ("1,234.5", 1234.5, False),
        ("12,5 %", 12.5, False),
        ("-3", -3.0, False),
        ("", None, False),
        ("nd", None, False),
        ("s", None, False),
        ("NA", None, False),
        ("abc", None, True),
        ("=1+1", None, True),
        ("@SUM(A1)", None, True),
        ("0x1F", None, True),
        ("inf", None, True),
    ],
)
def test_parse_numbers(cell: str, value: float | None, invalid: bool) -> None:
    num, bad = parse_numbers(pd.Series([cell]))
    assert bool(bad.iloc[0]) is invalid
    if value is None:
        assert np.isnan(num.iloc[0])
    else:
        assert num.iloc[0] == pytest.approx(value)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Date de référence", "date_de_reference"),
        ("  NB_D502 ", "nb_d502"),
        (
            "Taux de couverture assistant(e) maternel(le)",
            "taux_de_couverture_assistant_e_maternel_le",
        ),
        ("Numéro de l'EPCI", "numero_de_l_epci"),
    ],
)
def test_norm_header(header: str, key: str) -> None:
    assert norm_header(header) == key


def _raw(rows: list[list[str]]) -> RawTable:
    width = max(len(r) for r in rows)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows])
    return RawTable("t.csv", grid, np.arange(1, len(rows) + 1))


def _score(cells: list[str]) -> int:
    known = {"code", "annee", "places eaje", "places total"}
    return sum(1 for c in cells if c.lower() in known)


@pytest.mark.parametrize(
    ("rows", "row", "header", "merged"),
    [
        ([["code", "annee"], ["01004", "2022"]], 0, ["code", "annee"], 1),
        ([["Titre"], [""], ["code", "annee"], ["01004", "2022"]], 2, ["code", "annee"], 1),
        (
            [["code", "places", ""], ["", "eaje", "total"], ["01004", "3", "4"]],
            1,
            ["code", "places eaje", "places total"],
            2,
        ),
    ],
)
def test_locate_header(rows: list[list[str]], row: int, header: list[str], merged: int) -> None:
    choice = locate_header(_raw(rows), _score)
    assert (choice.row, choice.header, choice.merged_rows) == (row, header, merged)


def test_raw_frame_keeps_physical_lines_and_drops_empty_rows() -> None:
    raw = read_raw(b"Titre\ncode;n\n01004;1\n;\n42218;2\n", "f.csv")
    body, lines = raw.frame(1, ["code", "n"])
    assert body["code"].tolist() == ["01004", "42218"]
    assert lines.tolist() == [3, 5]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "le fichier est vide"),
        (b"   \n  ", "le fichier est vide"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 10, "(.xls) n'est pas lu"),
        (b"PK\x03\x04broken", "classeur Excel illisible"),
    ],
)
def test_read_raw_refuses(data: bytes, fragment: str) -> None:
    with pytest.raises(ReadError) as err:
        read_raw(data, "f.csv")
    assert fragment in str(err.value)
    assert str(err.value).startswith("f.csv")


def test_read_raw_size_limit() -> None:
    with pytest.raises(ReadError, match="trop volumineux"):
        read_raw(b"a;b\n" * 1000, "gros.csv", max_bytes=100)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1001", "01001"),
        ("01001", "01001"),
        ("2a004", "2A004"),
        ("1001.0", "01001"),
        (" 42 218 ", "42218"),
        ("97411", "97411"),
        ("123", None),
        ("ABCDE", None),
        ("", None),
        ("750560", None),
    ],
)
def test_normalize_commune(raw: str, code: str | None) -> None:
    assert codes.normalize_commune(raw) == code
    vec = codes.normalize_communes(pd.Series([raw], dtype="string")).iloc[0]
    assert (None if pd.isna(vec) else vec) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1", "01"),
        ("01", "01"),
        ("2A", "2A"),
        ("20R", "20R"),
        ("69d", "69D"),
        ("69M", "69M"),
        ("971", "971"),
        ("6AE", None),
        ("100", None),
    ],
)
def test_normalize_departement(raw: str, code: str | None) -> None:
    assert codes.normalize_departement(raw) == code


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("75101", "75056"),
        ("75120", "75056"),
        ("69381", "69123"),
        ("69389", "69123"),
        ("13201", "13055"),
        ("13216", "13055"),
        ("75056", "75056"),
        ("13217", "13217"),
        ("01004", "01004"),
    ],
)
def test_plm_parent(code: str, parent: str) -> None:
    assert codes.plm_parent(code) == parent
    assert codes.plm_parent_series(pd.Series([code])).iloc[0] == parent


@pytest.mark.parametrize(
    ("code", "placeholder"),
    [
        ("XX", True),
        ("XXX", True),
        ("XXXXX", True),
        ("01XXX", True),
        ("01004", False),
        ("2A004", False),
        ("X", False),
    ],
)
def test_is_placeholder(code: str, placeholder: bool) -> None:
    assert codes.is_placeholder(code) is placeholder


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        ("93059", "93066", "merged"),
        ("49069", "49126", "merged"),
        ("69152", "69149", "merged"),
        ("42218", "42218", "cog"),
        ("75101", "75101", "cog"),
        ("97701", "97701", "com"),
        ("99999", "99999", "unknown"),
    ],
)
def test_commune_reference(old: str, new: str, status: str) -> None:
    ref = codes.commune_reference()
    assert codes.map_to_cog(pd.Series([old]), ref).iloc[0] == new
    assert ref.status(old) == status
    assert codes.statuses(pd.Series([old], dtype="string"), ref).iloc[0] == status


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["59350", None, "62041", "2A004", "59350"], dtype="string[pyarrow]"),
        pd.Series(["59350", None, "62041", "2A004", "59350"], dtype="string[python]"),
        pd.Series(["59350", None, "62041", "2A004", "59350"], dtype=object),
    ],
    ids=["pyarrow", "python", "object"],
)
@pytest.mark.parametrize(
    "collection",
    [{"59350", "2A004"}, ["62041"], ("x",), frozenset(), pd.Series(["2A004", None]).dropna()],
    ids=["set", "list", "absent", "empty", "series"],
)
def test_fast_isin_matches_pandas_and_missing_is_never_in(values, collection):
    """datastore.codes.isin (pyarrow compute for pyarrow strings, the SDSF PDF's hot path)
    gives Series.isin's answer, a missing code never being in the collection."""
    from datastore.codes import isin

    expected = values.isin(list(collection)).fillna(False).to_numpy(dtype=bool).copy()
    expected[values.isna().to_numpy()] = False
    got = isin(values, collection)
    assert got.dtype == bool and got.tolist() == expected.tolist()


def test_geojson_points_as_a_table() -> None:
    """A GeoJSON of points (an open-data list of structures) is a table: properties as
    columns, coordinates as longitude/latitude, the feature's number as its line."""
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nom": "Crèche A", "code_insee": "01004", "places": 24},
                "geometry": {"type": "Point", "coordinates": [5.37, 45.96]},
            },
            {
                "type": "Feature",
                "properties": {"nom": "RPE B", "code_insee": "42218", "type": "RPE"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]},
            },
        ],
    }
    raw = read_raw(json.dumps(doc).encode(), "structures.geojson")
    assert raw.head()[0] == ["nom", "code_insee", "places", "longitude", "latitude", "type"]
    assert raw.head()[1] == ["Crèche A", "01004", "24", "5.37", "45.96", ""]
    assert raw.head()[2][:2] == ["RPE B", "42218"] and raw.head()[2][3:5] == ["", ""]
    assert raw.lines.tolist() == [0, 1, 2]
    assert any("1 géométrie(s) autre(s) que des points" in n for n in raw.notes)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [\n  {"type": ', "ligne 2, colonne"),
        (b'{"type": "Feature"}', "JSON non reconnu"),
        (b'{"type": "FeatureCollection", "features": []}', "aucune entité"),
        (b"[1, 2]", "entité 1 : un objet JSON est attendu"),
    ],
)
def test_bad_json_is_refused_in_french(body: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        read_raw(body, "liste.geojson")
    assert message in " ".join(err.value.messages)


def test_structures_from_a_geojson_of_points() -> None:
    from datastore.importers import prepare

    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "Nom": "Crèche A",
                    "Code INSEE": "1004",
                    "Type de structure": "EAJE",
                },
                "geometry": {"type": "Point", "coordinates": [5.37, 45.96]},
            }
        ],
    }
    p = prepare("structures", json.dumps(doc).encode(), name="eaje.geojson")
    assert p.ok, p.report.text()
    row = p.frame.iloc[0]
    assert (row["code_insee"], row["longitude"], row["latitude"]) == ("01004", 5.37, 45.96)
