"""Exports never turn data into links, formulas or numbers (XLSX) and neutralise formulas (CSV)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from reports.tables import to_csv_fr, to_xlsx

HOSTILE = [
    r"external:C:\Windows\System32\calc.exe",
    "http://127.0.0.1:9/b.png",
    "https://example.org/x",
    "mailto:a@b.fr",
    "ftp://example.org/f",
    '=HYPERLINK("http://x","clic")',
    "+1+1",
    "@SUM(A1)",
    "0123",
]


def test_xlsx_keeps_hostile_text_as_plain_text():
    df = pd.DataFrame({"nom": HOSTILE, "n": range(len(HOSTILE))})
    data = to_xlsx({"t": df}, {"t": "Source : http://example.org"})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert not any("rels" in n and "sheet" in n for n in names), names  # no hyperlink relations
    assert "<hyperlink" not in sheet and "<f>" not in sheet
    ws = openpyxl.load_workbook(io.BytesIO(data))["t"]
    values = [ws.cell(row=i + 2, column=1).value for i in range(len(HOSTILE))]
    for cell in ws["A"]:
        assert cell.hyperlink is None
    # Formula-looking text is neutralised with a quote; the rest is kept as typed.
    assert values[0] == HOSTILE[0] and values[1] == HOSTILE[1] and values[-1] == "0123"
    assert values[5].startswith("'=") and values[6] == "'+1+1" and values[7] == "'@SUM(A1)"


@pytest.mark.parametrize("text", ["=1+1", "+A1", "-A1", "@A1", "\tx"])
def test_csv_neutralises_formulas(text):
    out = to_csv_fr(pd.DataFrame({"a": [text]})).decode("utf-8-sig")
    assert "'" + text in out


# --- numbers (issue 19): one rule per column for exports, screens and PDF -----------------
NUMBERS = pd.DataFrame(
    {
        "Territoire": ["A", "B"],
        "Enfants de moins de 3 ans": [43766.0, 10814.5],
        "Part (%)": [54.761904761904766, 3.0],
        "Rang": [1.0, 2.0],
        "Taux global": [13.63, None],
        "Rapport au taux national": [0.8712, 1.0],
        "Année": [2023, 2024],
        "Latitude": [45.123456, 4.5],
        "Places à créer par an": [161.37, 2.0],
    }
)


def test_csv_numbers_are_clean():
    text = to_csv_fr(NUMBERS).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1] == "A;43766;54,8;1;13,6;0,87;2023;45,123456;161,4"
    assert lines[2] == "B;10814;3;2;;1;2024;4,5;2"
    for bad in ("43766,0", "10814,5", "54,76190", "1,0;", "."):
        assert bad not in text


def test_xlsx_numbers_are_numbers_rounded():
    data = to_xlsx({"t": NUMBERS})
    ws = openpyxl.load_workbook(io.BytesIO(data))["t"]
    row = [c.value for c in ws[2]]
    assert row[:4] == ["A", 43766, 54.8, 1]
    assert isinstance(row[1], int) and isinstance(row[3], int)
    assert row[5] == 0.87 and row[6] == 2023


@pytest.mark.parametrize(
    ("column", "values", "decimals"),
    [
        ("Enfants de moins de 3 ans", [1.5], 0),
        ("Enfants de moins de 3 ans pour 100 habitants", [2.59], 1),
        ("Places pour 100 enfants", [58.8], 1),
        ("Part des familles monoparentales", [0.2], 1),
        ("Départs d'assistants maternels (% par an)", [5.0], 1),
        ("Rapport au taux national", [0.87], 2),
        ("Longitude", [4.8], None),
        ("Heures facturées", [12.0, 13.0], 0),
        ("Heures facturées", [12.25], 2),
        ("Rang", [1.0], 0),
    ],
)
def test_column_decimals(column, values, decimals):
    from reports.tables import column_decimals

    assert column_decimals(column, pd.Series(values)) == decimals


def test_display_frame_is_french_text():
    from reports.tables import display_frame, numeric_columns

    shown = display_frame(NUMBERS)
    assert shown.iloc[0].tolist() == [
        "A",
        "43\u202f766",
        "54,8",
        "1",
        "13,6",
        "0,87",
        "2023",
        "45,123456",
        "161,4",
    ]
    assert shown.iloc[1]["Taux global"] == "—"
    assert numeric_columns(NUMBERS) == [c for c in NUMBERS.columns if c != "Territoire"]
    objects = pd.DataFrame({"Population": pd.Series([31072, None], dtype=object)})
    assert display_frame(objects)["Population"].tolist() == ["31\u202f072", "—"]


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        # identifiers as the messages write them (« ligne 1234 »), floats from NaN included
        ("Ligne", [2.0, 1234.0, float("nan")], ["2", "1234", "—"]),
        ("N°", [7, 1520], ["7", "1520"]),
        ("Version", [12, 1003], ["12", "1003"]),
        # counts with thousands, never « 43766,0 »
        ("Lignes", [43766, 12], ["43\u202f766", "12"]),
        ("Lignes après", [43766.0, 3.0], ["43\u202f766", "3"]),
        ("Communes couvertes", [1, 1240], ["1", "1\u202f240"]),
        # stored names of year columns are years
        ("annee", [2022, 2023], ["2022", "2023"]),
        ("annee_ouverture", [2027.0, float("nan")], ["2027", "—"]),
        ("millesime", [2024], ["2024"]),
        # the SDSF tables' years (were « 2 029 » in the PDF)
        ("Horizon", [2029, None], ["2029", "—"]),
        ("Dernière année réalisée", [2026.0, float("nan")], ["2026", "—"]),
        # differences are signed, zero is not
        ("Écart à la trajectoire", [12.34, -3.0, 0.0, None], ["+12,3", "\u22123,0", "0,0", "—"]),
        ("Écart", [5, -5], ["+5,0", "\u22125,0"]),
    ],
)
def test_display_frame_identifiers_counts_and_years(column, values, shown):
    from reports.tables import display_frame

    assert display_frame(pd.DataFrame({column: values}))[column].tolist() == shown


def test_display_frame_exact_keeps_every_decimal_in_french():
    """The import preview shows the figures as stored (French, unrounded)."""
    from reports.tables import display_frame

    frame = pd.DataFrame(
        {"tx_global": [13.64, 60.0], "population": [31072, 5], "annee": [2022, 2023]}
    )
    exact = display_frame(frame, exact=True)
    assert exact["tx_global"].tolist() == ["13,64", "60"]
    assert exact["population"].tolist() == ["31\u202f072", "5"]
    assert exact["annee"].tolist() == ["2022", "2023"]
    rounded = display_frame(frame.rename(columns={"tx_global": "Taux global"}))
    assert rounded["Taux global"].tolist() == ["13,6", "60,0"]  # screens: one decimal


def test_display_frame_mixed_unit_columns_keep_at_most_their_decimals():
    """One row per indicator (places, ETP, shares): « 15 000 » and « 12,4 », never
    « 15 000,00 » because one row is fractional; a signed column keeps its sign."""
    from reports.tables import display_frame

    frame = pd.DataFrame(
        {
            "Cible": [15000.0, 12.36, None],
            "Écart à la trajectoire": [-250.0, 0.45, None],
            "Départs remplacés (%)": [50.0, 100.0, 0.0],
        }
    )
    default = display_frame(frame)
    assert default["Cible"].tolist() == ["15\u202f000,00", "12,36", "—"]
    shown = display_frame(
        frame, decimals={"Cible": 1, "Écart à la trajectoire": 1, "Départs remplacés (%)": 0}
    )
    assert shown["Cible"].tolist() == ["15\u202f000", "12,4", "—"]
    assert shown["Écart à la trajectoire"].tolist() == ["\u2212250,0", "+0,5", "—"]
    assert shown["Départs remplacés (%)"].tolist() == ["50", "100", "0"]
    assert display_frame(frame, exact=True, decimals={"Cible": 1})["Cible"].tolist() == [
        "15\u202f000",
        "12,36",
        "—",
    ]
