r"""Table exports in the formats French users open in Excel.

CSV: `;` separator, decimal comma, UTF-8 with BOM (Excel detects the encoding).
XLSX: one sheet per table, a source line under each table. Text stays text: xlsxwriter's
conversions of strings to hyperlinks (« http://… », « external:C:\… » would become live
links), to formulas and to numbers are switched off (`XLSX_OPTIONS`).
Formula-looking text cells (starting with = + - @, or tab/CR) are neutralised with a
leading apostrophe so a spreadsheet never executes them (CSV/formula injection).
"""

from __future__ import annotations

import io
import re

import pandas as pd

_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_OPTIONS = {"strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False}


def neutralise_cell(value: object) -> object:
    """Prefix a quote to text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        # A plain negative number written as text is data, not a formula.
        if re.fullmatch(r"-\d+([.,]\d+)?", value):
            return value
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` whose text cells (and column names) cannot be executed as formulas."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_fr(df: pd.DataFrame, source: str | None = None) -> bytes:
    """CSV in French format: `;`, decimal comma, UTF-8 with BOM; optional source footer line."""
    safe = neutralise_frame(df)
    text = safe.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    if source:
        text += f"\r\n{neutralise_cell(source)}\r\n"
    return text.encode("utf-8-sig")


def to_xlsx(sheets: dict[str, pd.DataFrame], sources: dict[str, str] | None = None) -> bytes:
    """XLSX workbook, one sheet per table, a source line two rows below each table."""
    buf = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(
        buf, engine="xlsxwriter", engine_kwargs={"options": dict(XLSX_OPTIONS)}
    ) as writer:
        for name, df in sheets.items():
            sheet = _SHEET_FORBIDDEN.sub(" ", str(name))[:31] or "Feuille"
            base, i = sheet, 2
            while sheet in used:
                sheet = f"{base[:28]}_{i}"
                i += 1
            used.add(sheet)
            safe = neutralise_frame(df)
            safe.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for j, col in enumerate(safe.columns):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)]) + 2
                ws.set_column(j, j, min(width, 60))
            if sources and name in sources:
                ws.write_string(len(safe) + 2, 0, str(neutralise_cell(sources[name])))
    return buf.getvalue()
