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
