r"""Table exports in the formats French users open in Excel.

CSV: `;` separator, decimal comma, UTF-8 with BOM (Excel detects the encoding).
XLSX: one sheet per table, a source line under each table. Text stays text: xlsxwriter's
conversions of strings to hyperlinks (« http://… », « external:C:\… » would become live
links), to formulas and to numbers are switched off (`XLSX_OPTIONS`).
Formula-looking text cells (starting with = + - @, or tab/CR) are neutralised with a
leading apostrophe so a spreadsheet never executes them (CSV/formula injection).

Numbers (issue 19): one rule per column (`column_decimals`), shared by the exports
(`export_frame`: counts as integers, rates to one decimal, ratios to two, never « 43766,0 »,
« 10814,5 » children or « 54,761904761904766 ») and by the tables people read on screen and
in the PDF (`display_frame`, `cell_text`: French text through diagnostics.formatting).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pandas as pd

from diagnostics.formatting import fmt_number, fmt_signed, is_missing

_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_OPTIONS = {"strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False}


# Column names (lower case, as words) -> how many decimals its numbers keep.
_PRECISE = re.compile(r"\b(latitude|longitude|lat|lon|coordonnées?|x|y)\b")
_RATIO = re.compile(r"\b(rapport|ratio|indice)\b")
_RATE = re.compile(
    r"(\btaux\b|pour 100|%|\bparts?\b|\bpoints?\b|\bscore|\bpar an\b|évolution|écart|"
    r"\bmoyenne|\bdensité|accessibilité|\bpar (enfant|habitant|commune)\b)"
)
_COUNT = re.compile(
    r"\b(enfants?|naissances?|places?|population|allocataires?|nombre|effectifs?|rang|"
    r"familles?|communes?|structures?|habitants?|bénéficiaires?|eaje|assistants?|salariés?|"
    r"couples?|foyers?|ménages?|personnes?|avenants?)\b"
)


def is_year_column(name: object) -> bool:
    """« Année », « Année (offre au 31 décembre) », « Début », « Fin », « Horizon »,
    « Dernière année réalisée », and the stored column names « annee », « annee_ouverture »,
    « millesime »: written 2024, not 2 024."""
    text = str(name)
    low = text.lower()
    return (
        text.startswith("Année")
        or text in ("Début", "Fin", "Millésime", "Horizon")
        or low.startswith(("annee", "année", "dernière année", "première année"))
        or low in ("millesime", "millésime")
    )


def is_signed_column(name: object) -> bool:
    """A difference (« Écart », « Écart à la trajectoire »): written « +12,5 » / « −3,0 »."""
    return str(name).strip().lower().startswith("écart")


_IDENTIFIER = re.compile(
    r"^(n°|version|ligne|lignes? du fichier|id|dataset_id|id_\w+|code\b.*|siren\w*)$"
)


def is_identifier_column(name: object) -> bool:
    """A number that names something (« N° » of a dataset, « Version », file « Ligne », a
    code): written 1234 as the messages write it (« ligne 1234 »), never « 1 234 »."""
    return bool(_IDENTIFIER.match(str(name).strip().lower()))


def column_decimals(name: object, values: pd.Series) -> int | None:
    """Decimals a numeric column keeps: None (unchanged) for coordinates, 2 for ratios, 1 for
    rates, shares, points and yearly figures, 0 for counts (children, places, ranks…) and for
    columns whose values are all whole; 2 otherwise."""
    text = str(name).lower()
    if _PRECISE.search(text):
        return None
    if _RATIO.search(text):
        return 2
    if _RATE.search(text):
        return 1
    if _COUNT.search(text) or is_year_column(name):
        return 0
    clean = pd.to_numeric(values, errors="coerce").dropna()
    if clean.empty or bool((clean == clean.round()).all()):
        return 0
    return 2


def _numeric(values: pd.Series) -> pd.Series | None:
    """The column as numbers when it holds numbers only (object columns of floats included),
    else None (text, booleans, dates)."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values
    if values.dtype != object:
        return None
    present = values.dropna()
    if present.empty or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in present
    ):
        return None
    return pd.to_numeric(values, errors="coerce")


def export_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` whose numbers are clean for a spreadsheet: integers as integers (nullable
    Int64, no « 43766,0 »), rates to one decimal, ratios to two (`column_decimals`)."""
    out = df.copy()
    for col in out.columns:
        values = _numeric(out[col])
        if values is None:
            continue
        decimals = column_decimals(col, values)
        if decimals is None:
            continue
        rounded = values.astype("Float64").round(decimals)
        out[col] = rounded.astype("Int64") if decimals == 0 else rounded.astype(float)
    return out


def cell_text(value: object, decimals: int = 1) -> str:
    """A table cell in French format: integers without decimals, other numbers with
    `decimals`, « — » when missing, « oui » / « non »."""
    if is_missing(value):
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fmt_number(value, 0)
    if isinstance(value, float):
        return fmt_number(value, decimals)
    return str(value)


def display_frame(
    df: pd.DataFrame, exact: bool = False, decimals: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """`df` as French text for people (screen tables, PDF): « 31 072 », « 13,6 », years as
    2024, identifiers (N°, version, line, code) as 1234, differences (« Écart… ») signed, with
    the decimals of `column_decimals`; `exact`: every figure as stored, in French, without
    rounding (the preview of an import: « 13,64 » stays « 13,64 »). `decimals`: columns whose
    rows hold different units (one row per indicator: places, ETP, shares), written with at
    most that many decimals, trailing zeros dropped (« 15 000 », « 12,4 »). Column order and
    names are kept."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        values = _numeric(df[col])
        if values is None:
            out[col] = [cell_text(v.item() if hasattr(v, "item") else v) for v in df[col]]
            continue
        if is_year_column(col) or is_identifier_column(col):
            out[col] = [cell_text(v) if is_missing(v) else str(int(v)) for v in values]
            continue
        fixed = (decimals or {}).get(str(col))
        if is_signed_column(col) and not exact:
            d = fixed if fixed is not None else column_decimals(col, values)
            out[col] = [cell_text(v) if is_missing(v) else fmt_signed(v, d or 0) for v in values]
            continue
        if fixed is not None and not exact:
            out[col] = [
                cell_text(v) if is_missing(v) else fmt_number(v, fixed, trim=True) for v in values
            ]
            continue
        decimals_ = None if exact else column_decimals(col, values)
        out[col] = [
            cell_text(v)
            if is_missing(v)
            else fmt_number(v, 6, trim=True)
            if decimals_ is None
            else fmt_number(v, decimals_)
            for v in values
        ]
    return out


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """The columns holding numbers (right-aligned on screen and in the PDF)."""
    return [str(c) for c in df.columns if _numeric(df[c]) is not None]


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
    safe = neutralise_frame(export_frame(df))
    text = safe.to_csv(
        sep=";", decimal=",", index=False, lineterminator="\r\n", float_format="%.15g"
    )
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
            safe = neutralise_frame(export_frame(df))
            safe.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for j, col in enumerate(safe.columns):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)]) + 2
                ws.set_column(j, j, min(width, 60))
            if sources and name in sources:
                ws.write_string(len(safe) + 2, 0, str(neutralise_cell(sources[name])))
    return buf.getvalue()
