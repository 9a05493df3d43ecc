"""Tolerant reading of French CSV/XLSX/Parquet files into a grid of text cells.

Files are read as they come: separators `;` `,` tab `|`; UTF-8 (with or without BOM),
UTF-16 (Excel « texte Unicode »), cp1252/latin-1; XLSX with title rows above the header.
Every cell is read as text (codes keep their leading zeros, formulas are never evaluated:
an XLSX formula cell is read as its formula text). Numbers are parsed later, column by column,
by `parse_numbers` (decimal comma, thousands separators space / U+00A0 / U+202F).

The header row is located by the importer (it knows which headers it expects), with
`locate_header`; `RawTable.frame(header)` then gives the body with the physical line
number of every row, used in validation messages.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from diagnostics.formatting import fmt_size

MAX_BYTES = 200 * 1024 * 1024  # 200 Mo
HEAD_ROWS = 30
SEPARATORS = (";", "\t", ",", "|")
MISSING_TOKENS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "nd",
        "n.d.",
        "n.d",
        "nc",
        "ns",
        "s",
        "so",  # « sans objet » (INSEE: Mayotte before 2014)
        "s.o.",
        "secret",
        "null",
        "\\n",
        "-",
        "–",
        ".",
    }
)


class ReadError(Exception):
    """The file cannot be read at all; `messages` are French, complete sentences."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class RawTable:
    """All rows of a file as text cells (columns 0..n-1), with physical line numbers."""

    name: str
    grid: pd.DataFrame
    lines: np.ndarray
    encoding: str = ""
    separator: str = ""
    notes: list[str] = field(default_factory=list)
    line_word: str = "ligne"
    sheet: str = ""  # XLSX: sheet name
    alternatives: list[RawTable] = field(default_factory=list)  # XLSX: the other non-empty sheets

    def head(self, n: int = HEAD_ROWS) -> list[list[str]]:
        return [list(r) for r in self.grid.head(n).itertuples(index=False, name=None)]

    def frame(self, header_row: int, header: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """Body rows below `header_row` (index in the grid) named by `header`.

        Fully empty rows are dropped. Returns (frame of str, line numbers).
        """
        body = self.grid.iloc[header_row + 1 :, : len(header)]
        lines = self.lines[header_row + 1 :]
        body = body.set_axis(header, axis=1)
        nonempty = (body != "").any(axis=1).to_numpy()
        body = body.loc[nonempty].reset_index(drop=True)
        return body, lines[nonempty]


# ---------------------------------------------------------------------------- decoding
def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding name shown to users)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 avec BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def sniff_separator(text: str) -> str:
    """The separator that splits the first lines into the most consistent number of fields."""
    lines = [ln for ln in text[:200_000].splitlines()[:60] if ln.strip()]
    if not lines:
        return ";"
    best, best_score = ";", (0, 0.0)
    for sep in SEPARATORS:
        counts = [len(r) for r in csv.reader(lines, delimiter=sep)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode = max(set(multi), key=multi.count)
        share = multi.count(mode) / len(counts)
        score = (1 if share >= 0.5 else 0, share * min(mode, 50))
        if score > best_score:
            best, best_score = sep, score
    return best


# ----------------------------------------------------------------------------- readers
def read_raw(
    source: bytes | str | Path, name: str | None = None, max_bytes: int = MAX_BYTES
) -> RawTable:
    """Read a CSV, TXT, XLSX or Parquet file into a RawTable (all cells as text)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError([_too_big(name, size, max_bytes)])
        data = path.read_bytes()
    else:
        data = source
        name = name or "fichier"
    if len(data) > max_bytes:
        raise ReadError([_too_big(name, len(data), max_bytes)])
    if not data.strip():
        raise ReadError([f"{name} : le fichier est vide."])
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name)
    if data[:4] == b"PAR1" or suffix == ".parquet":
        return _read_parquet(data, name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or suffix == ".xls":
        raise ReadError(
            [
                f"{name} : le format Excel 97-2003 (.xls) n'est pas lu ; enregistrez le fichier "
                "au format .xlsx ou .csv."
            ]
        )
    if suffix in (".geojson", ".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return _read_json_table(data, name)
    if suffix == ".ods":
        raise ReadError(
            [
                f"{name} : le format OpenDocument (.ods) n'est pas lu ; enregistrez le fichier "
                "au format .xlsx ou .csv."
            ]
        )
    return _read_csv(data, name)


def _json_cell(value: object) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return _cell_text(value)


def _read_json_table(data: bytes, name: str) -> RawTable:
    """A GeoJSON FeatureCollection (or a JSON list of objects) as a table: one row per feature,
    its properties as columns, a Point's coordinates as « longitude » and « latitude »; the
    « line » of a row is the feature's number (1 = the first). Contours are read by the
    « zones » type only (datastore.importers.geojson); here they are left out, with a note."""
    text, _encoding = decode(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(
            [f"{name}, ligne {exc.lineno}, colonne {exc.colno} : JSON illisible ({exc.msg})."]
        ) from exc
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        items = doc.get("features") or []
        kind = "GeoJSON"
    elif isinstance(doc, list):
        items, kind = doc, "JSON"
    else:
        raise ReadError(
            [
                f"{name} : JSON non reconnu ; une collection d'entités GeoJSON "
                "(« FeatureCollection ») ou une liste d'objets est attendue."
            ]
        )
    rows: list[dict[str, str]] = []
    shapes = 0
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ReadError([f"{name}, entité {n} : un objet JSON est attendu."])
        props = item.get("properties") if kind == "GeoJSON" else item
        row = {str(k): _json_cell(v) for k, v in (props or {}).items()}
        geom = item.get("geometry") if kind == "GeoJSON" else None
        if isinstance(geom, dict) and geom.get("type") == "Point":
            coords = geom.get("coordinates") or []
            if len(coords) >= 2:
                row.setdefault("longitude", _cell_text(coords[0]))
                row.setdefault("latitude", _cell_text(coords[1]))
        elif geom:
            shapes += 1
        rows.append(row)
    if not rows:
        raise ReadError([f"{name} : le fichier ne contient aucune entité."])
    columns = list(dict.fromkeys(k for r in rows for k in r))
    grid = pd.DataFrame(
        [columns] + [[r.get(c, "") for c in columns] for r in rows], dtype=object
    ).astype(str)
    notes = [
        f"Lu comme {kind} ({len(rows)} entités) : une ligne par entité, les numéros de ligne du "
        "rapport sont ceux des entités (1 = la première)."
    ]
    if shapes:
        notes.append(
            f"{shapes} géométrie(s) autre(s) que des points laissée(s) de côté : seuls les "
            "zonages (type « zones ») lisent des contours."
        )
    # the header is row 0, entity n is row n
    return RawTable(name, grid, np.arange(0, len(grid), dtype=np.int64), "", "", notes)


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} : fichier trop volumineux ({human_size(size)}) ; taille maximale acceptée : "
        f"{human_size(limit)}."
    )


human_size = fmt_size  # the name importers and tests use


def _read_csv(data: bytes, name: str) -> RawTable:
    text, encoding = decode(data)
    if "\x00" in text:
        raise ReadError(
            [
                f"{name} : le fichier contient des caractères nuls ; ce n'est pas un fichier texte "
                "(CSV) lisible."
            ]
        )
    sep = sniff_separator(text)
    if '"' not in text:
        # Fast path: no quoting, so one record per physical line.
        physical = text.splitlines()
        ncols = max((ln.count(sep) + 1 for ln in physical if ln), default=0)
        lines = list(range(1, len(physical) + 1))
    else:
        # One pass with the csv module: number of fields and physical line of each record.
        widths: list[int] = []
        lines = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        start = 1
        try:
            for row in reader:
                widths.append(len(row))
                lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise ReadError(
                [
                    f"{name}, ligne {reader.line_num} : ligne illisible ({exc}) ; vérifiez les "
                    "guillemets."
                ]
            ) from exc
        ncols = max(widths) if widths else 0
    if ncols == 0:
        raise ReadError([f"{name} : le fichier est vide."])
    grid = pd.read_csv(
        io.StringIO(text, newline=""),
        sep=sep,
        header=None,
        names=list(range(ncols)),
        dtype=object,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        quotechar='"',
    )
    grid = grid.fillna("")
    line_arr = np.asarray(lines, dtype=np.int64)
    if len(line_arr) != len(grid):
        line_arr = np.arange(1, len(grid) + 1, dtype=np.int64)
    notes = []
    sep_label = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}[
        sep
    ]
    notes.append(f"Lu comme CSV ({encoding}, séparateur {sep_label}).")
    return RawTable(name, grid, line_arr, encoding, sep, notes)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _read_xlsx(data: bytes, name: str) -> RawTable:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ReadError([f"{name} : classeur Excel illisible ({type(exc).__name__})."]) from exc
    try:
        sheets: list[tuple[str, list[list[str]]]] = []
        for ws in wb.worksheets:
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if any(c for r in rows for c in r):
                sheets.append((ws.title, rows))
        nsheets = len(wb.worksheets)
    finally:
        wb.close()
    if not sheets:
        raise ReadError([f"{name} : le classeur ne contient aucune feuille non vide."])
    tables = []
    for title, rows in sheets:
        width = max(len(r) for r in rows)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object).astype(str)
        note = f"Lu comme classeur Excel, feuille « {title} »" + (
            f" ({nsheets} feuilles dans le classeur)." if nsheets > 1 else "."
        )
        tables.append(
            RawTable(
                name, grid, np.arange(1, len(grid) + 1, dtype=np.int64), "", "", [note], sheet=title
            )
        )
    first = tables[0]
    first.alternatives = tables[1:]
    return first


def _read_parquet(data: bytes, name: str) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise ReadError([f"{name} : fichier Parquet illisible ({exc})."]) from exc
    keep = [
        f.name
        for f in table.schema
        if not pa.types.is_binary(f.type)
        and not pa.types.is_large_binary(f.type)
        and f.name != "geometry"
    ]
    df = table.select(keep).to_pandas()
    header = pd.DataFrame([keep], dtype=object)
    body = pd.DataFrame({i: _text_column(df[c]) for i, c in enumerate(keep)})
    grid = pd.concat([header, body.set_axis(range(len(keep)), axis=1)], ignore_index=True)
    return RawTable(
        name,
        grid.astype(str),
        np.arange(1, len(grid) + 1, dtype=np.int64),
        "",
        "",
        ["Lu comme fichier Parquet."],
        line_word="ligne",
    )


def _text_column(s: pd.Series) -> pd.Series:
    """Vectorised text rendering of a Parquet column (integers without '.0')."""
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
        out = (
            s.astype("Int64").astype("string")
            if not pd.api.types.is_bool_dtype(s)
            else s.map({True: "oui", False: "non"}).astype("string")
        )
    elif pd.api.types.is_float_dtype(s):
        f = s.astype("float64")
        whole = f.notna() & (f == f.round())
        out = f.astype(str).astype("string")
        out[whole] = f[whole].astype("int64").astype(str)
    elif pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.strftime("%Y-%m-%d").astype("string")
    else:
        out = s.astype("string")
    return out.fillna("").astype(object)


# ------------------------------------------------------------------------- header search
def norm_header(text: str) -> str:
    """Header key: lower case, no accents, non-alphanumerics as single underscores."""
    text = (
        unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    )
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass(frozen=True)
class HeaderChoice:
    row: int  # index in the grid of the last header row
    header: list[str]
    score: int
    merged_rows: int = 1


def best_sheet(raw: RawTable, score: Callable[[list[str]], int]) -> RawTable:
    """Among the sheets of a workbook, the one whose header the importer recognises best
    (a « Notice » or « Sommaire » sheet before the data is skipped)."""
    best, best_score = raw, locate_header(raw, score).score
    for alt in raw.alternatives:
        s = locate_header(alt, score).score
        if s > best_score:
            best, best_score = alt, s
    return best


def locate_header(raw: RawTable, score: Callable[[list[str]], int]) -> HeaderChoice:
    """Find the header: the row (or two stacked rows, for merged group headers) that the
    importer's `score` function recognises best among the first rows."""
    head = raw.head(HEAD_ROWS)
    best = HeaderChoice(0, [c.strip() for c in head[0]] if head else [], -1)
    for i, row in enumerate(head):
        cells = [c.strip() for c in row]
        s = score(cells)
        if s > best.score:
            best = HeaderChoice(i, cells, s)
        if i + 1 < len(head):
            above = _forward_fill(cells)
            below = [c.strip() for c in head[i + 1]]
            combined = [f"{a} {b}".strip() if b else a for a, b in zip(above, below, strict=False)]
            s2 = score(combined)
            if s2 > best.score and s2 > score(below):
                best = HeaderChoice(i + 1, combined, s2, merged_rows=2)
    return best


def _forward_fill(cells: list[str]) -> list[str]:
    out, last = [], ""
    for c in cells:
        last = c or last
        out.append(last)
    return out


# ----------------------------------------------------------------------------- numbers
_SPACES = "[ \t\u00a0\u202f\u2009']"


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """French numbers to floats.

    Returns (numbers as float64 with NaN for missing or invalid, mask of invalid non-empty
    cells). Accepts decimal commas, thousands separated by spaces, U+00A0, U+202F or
    apostrophes, a trailing `%`, and the usual missing markers (vide, nd, s, NA, -).
    """
    s = values.astype(str).str.strip()
    missing = s.str.lower().isin(MISSING_TOKENS)
    t = s.str.replace(_SPACES, "", regex=True).str.rstrip("%")
    both = t.str.contains(",", regex=False) & t.str.contains(".", regex=False)
    if both.any():
        t = t.copy()
        t[both] = t[both].map(_both_separators)
    t = t.str.replace(",", ".", regex=False)
    # Only plain decimal notation (no hex, no 'inf', no formulas such as '=1+1').
    ok = t.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
    num = pd.to_numeric(t.where(ok & ~missing, None), errors="coerce").astype("float64")
    invalid = ~missing & ~ok.fillna(False).astype(bool)
    return num, invalid


def _both_separators(text: str) -> str:
    if text.rfind(",") > text.rfind("."):
        return text.replace(".", "").replace(",", ".")
    return text.replace(",", "")
