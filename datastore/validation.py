"""Validation report of one import, and typed conversion of canonical columns.

Every problem names the file, the line and the column, what was found and what was
expected, in French. All problems of a file are collected (not only the first); a report
with at least one error blocks the import. Cells are never evaluated: a formula-looking cell
(`=`, `+`, `-`, `@`) is text, and is refused in a numeric column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from datastore.readers import MISSING_TOKENS, parse_numbers
from datastore.schemas import Column, DatasetType, Dtype
from diagnostics.formatting import fmt_compact, fmt_number

MAX_ISSUES_PER_COLUMN = 50  # further problems of the same kind in a column are counted, not listed


class Severity(StrEnum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"
    NOTE = "note"


@dataclass(frozen=True)
class Issue:
    severity: Severity
    message: str
    line: int | None = None
    column: str | None = None
    found: str | None = None
    expected: str | None = None


@dataclass
class Report:
    """Problems and notes of one file."""

    file: str
    issues: list[Issue] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        message: str,
        line: int | None = None,
        column: str | None = None,
        found: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.issues.append(Issue(severity, message, line, column, found, expected))

    def error(self, message: str, **kw: object) -> None:
        self.add(Severity.ERREUR, message, **kw)  # type: ignore[arg-type]

    def warn(self, message: str, **kw: object) -> None:
        self.add(Severity.AVERTISSEMENT, message, **kw)  # type: ignore[arg-type]

    def note(self, message: str) -> None:
        self.add(Severity.NOTE, message)

    def cell_error(
        self,
        line: int,
        column: str,
        found: str,
        expected: str,
        severity: Severity = Severity.ERREUR,
    ) -> None:
        shown = found if len(found) <= 60 else found[:57] + "…"
        msg = f"{self.file}, ligne {line}, colonne « {column} » : « {shown} » trouvé, {expected} attendu."
        self.add(severity, msg, line, column, shown, expected)

    def cells(
        self,
        lines: np.ndarray,
        column: str,
        found: pd.Series,
        expected: str,
        severity: Severity = Severity.ERREUR,
    ) -> None:
        """Report several bad cells of one column (listed up to MAX_ISSUES_PER_COLUMN, then counted)."""
        n = len(found)
        for line, value in zip(
            lines[:MAX_ISSUES_PER_COLUMN], found.iloc[:MAX_ISSUES_PER_COLUMN], strict=False
        ):
            self.cell_error(int(line), column, str(value), expected, severity)
        if n > MAX_ISSUES_PER_COLUMN:
            rest = n - MAX_ISSUES_PER_COLUMN
            self.add(
                severity,
                f"{self.file}, colonne « {column} » : {rest} autre(s) ligne(s) dans le même cas "
                f"({expected} attendu).",
                None,
                column,
                None,
                expected,
            )

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERREUR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.AVERTISSEMENT]

    @property
    def notes(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.NOTE]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_issues(self) -> list[Issue]:
        """Errors first, then warnings, then notes; by line within each severity."""
        rank = {Severity.ERREUR: 0, Severity.AVERTISSEMENT: 1, Severity.NOTE: 2}
        return sorted(self.issues, key=lambda i: (rank[i.severity], i.line is None, i.line or 0))

    def as_frame(self) -> pd.DataFrame:
        issues = self.sorted_issues()
        return pd.DataFrame(
            {
                "Gravité": [str(i.severity) for i in issues],
                "Ligne": pd.array([i.line for i in issues], dtype="Int64"),
                "Colonne": [i.column or "" for i in issues],
                "Trouvé": [i.found or "" for i in issues],
                "Attendu": [i.expected or "" for i in issues],
                "Message": [i.message for i in issues],
            }
        )

    def text(self) -> str:
        return "\n".join(f"[{i.severity}] {i.message}" for i in self.sorted_issues())

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        if e:
            return f"{self.file} : {e} erreur(s), {w} avertissement(s) — fichier refusé, rien n'a été importé."
        return f"{self.file} : aucune erreur, {w} avertissement(s)."


# ------------------------------------------------------------------------- conversions
_TRUE = {"1", "oui", "o", "vrai", "true", "yes", "y", "x"}
_FALSE = {"0", "non", "n", "faux", "false", "no"}


def expected_text(col: Column) -> str:
    """French description of what a column accepts, used in messages."""
    if col.dtype is Dtype.INT:
        base = "un nombre entier"
    elif col.dtype is Dtype.FLOAT:
        base = "un nombre"
    elif col.dtype is Dtype.BOOL:
        base = "oui/non (ou 1/0)"
    elif col.dtype is Dtype.DATE:
        base = "une date (AAAA-MM-JJ ou JJ/MM/AAAA)"
    elif col.choices:
        base = "une valeur parmi " + ", ".join(col.choices)
    else:
        base = "un texte"
    if col.minimum is not None and col.maximum is not None:
        base += f" entre {fmt_compact(col.minimum)} et {fmt_compact(col.maximum)}"
    elif col.minimum is not None:
        base += f" ≥ {fmt_compact(col.minimum)}"
    return base


def is_missing(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower().isin(MISSING_TOKENS)


def convert_column(
    values: pd.Series, col: Column, lines: np.ndarray, report: Report, header: str | None = None
) -> pd.Series:
    """Convert a text column to the schema type, reporting every bad cell.

    `header` is the column name as written in the file (used in messages). The work is
    done once per distinct value (files repeat codes, ages, categories a lot), then spread
    back to the rows.
    """
    name = header or col.name
    arr = values.to_numpy(dtype=object, na_value="")
    codes_, uniques = pd.factorize(arr)
    text_u = pd.Series(uniques, dtype=object).map(str).str.strip()
    out_u, problems, missing_u = _convert_unique(text_u, col)
    if col.dtype in (Dtype.INT, Dtype.FLOAT) and not col.required:
        note_missing_markers(report, name, text_u, np.bincount(codes_, minlength=len(text_u)))
    for mask_u, expected in problems:
        mask = mask_u[codes_]
        if mask.any():
            report.cells(
                lines[mask], name, text_u.iloc[codes_[mask]].reset_index(drop=True), expected
            )
    if col.required:
        empty = missing_u[codes_]  # invalid cells were reported above, not twice
        if empty.any():
            report.cells(
                lines[empty],
                name,
                pd.Series([""] * int(empty.sum())),
                "une valeur (colonne obligatoire)",
            )
    return pd.Series(out_u.array.take(codes_), index=values.index, name=values.name)


def _convert_unique(
    text: pd.Series, col: Column
) -> tuple[pd.Series, list[tuple[np.ndarray, str]], np.ndarray]:
    """Typed values, problems (mask, expected) and missing mask, for distinct stripped texts."""
    missing = is_missing(text).to_numpy(dtype=bool)
    problems: list[tuple[np.ndarray, str]] = []
    expected = expected_text(col)
    if col.dtype in (Dtype.INT, Dtype.FLOAT):
        num, invalid = parse_numbers(text)
        inv = invalid.to_numpy(dtype=bool)
        problems.append((inv, expected))
        values = num.to_numpy(dtype="float64")
        ok = ~inv & ~np.isnan(values)
        if col.dtype is Dtype.INT:
            problems.append((ok & (np.round(values) != values), expected))
        problems.append((_out_of_range(values, col) & ok, expected))
        out: pd.Series = (
            num.round().astype("Int64") if col.dtype is Dtype.INT else num.astype("Float64")
        )
    elif col.dtype is Dtype.BOOL:
        low = text.str.lower()
        out = pd.Series(pd.NA, index=text.index, dtype="boolean")
        out[low.isin(_TRUE)] = True
        out[low.isin(_FALSE)] = False
        problems.append((out.isna().to_numpy() & ~missing, expected))
    elif col.dtype is Dtype.DATE:
        iso = pd.to_datetime(text.where(~missing, None), format="%Y-%m-%d", errors="coerce")
        fr = pd.to_datetime(
            text.where(~missing & iso.isna().to_numpy(), None), format="%d/%m/%Y", errors="coerce"
        )
        out = iso.fillna(fr)
        problems.append((out.isna().to_numpy() & ~missing, expected))
    else:
        keep = (
            ~missing | (text.str.lower() == "s").to_numpy() if col.dtype is Dtype.TEXT else ~missing
        )
        out = text.where(keep, None).astype("string")
        if col.choices:
            choices = {c.lower(): c for c in col.choices}
            mapped = out.str.lower().map(choices)
            problems.append((out.notna().to_numpy() & mapped.isna().to_numpy(), expected))
            out = mapped.astype("string")
    return out.reset_index(drop=True), problems, missing


def _out_of_range(values: np.ndarray, col: Column) -> np.ndarray:
    """Values below `col.minimum` or above `col.maximum` (NaN is never out of range)."""
    bad = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        if col.minimum is not None:
            bad |= values < col.minimum
        if col.maximum is not None:
            bad |= values > col.maximum
    return bad


def _check_range(
    num: pd.Series,
    ok: pd.Series,
    col: Column,
    lines: np.ndarray,
    text: pd.Series | None,
    report: Report,
    name: str,
) -> None:
    if col.minimum is None and col.maximum is None:
        return
    bad = _out_of_range(num.to_numpy(dtype="float64", na_value=np.nan), col)
    bad &= ok.to_numpy(dtype=bool)
    if bad.any():
        shown = text[bad] if text is not None else num[bad].map(fmt_compact)
        report.cells(lines[bad], name, shown, expected_text(col))


def note_missing_markers(
    report: Report, column: str, texts: pd.Series, counts: np.ndarray | None = None
) -> None:
    """One note per numeric column read with missing cells: count per marker as written in
    the file (« n.d. », « s », « secret », vide…). `texts` are the stripped cell texts (or
    the distinct texts when `counts` gives how many rows hold each)."""
    if counts is None:
        texts = texts.astype(str).str.strip()
        vc = texts.value_counts(sort=False)
        texts, counts = pd.Series(vc.index, dtype=object), vc.to_numpy()
    low = texts.astype(str).str.lower()
    mask = low.isin(MISSING_TOKENS).to_numpy(dtype=bool)
    if not mask.any():
        return
    per: dict[str, int] = {}
    for text, n in zip(texts[mask], np.asarray(counts)[mask], strict=True):
        if n:
            label = "vide" if text == "" else f"« {text} »"
            per[label] = per.get(label, 0) + int(n)
    total = sum(per.values())
    if not total:
        return
    detail = ", ".join(
        f"{k} × {fmt_number(v)}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])
    )
    report.note(
        f"Colonne « {column} » : {fmt_number(total)} cellule(s) lue(s) comme valeur manquante "
        f"({detail})."
    )


DUPLICATES_SHOWN = 10


def check_duplicates(
    frame: pd.DataFrame, dtype: DatasetType, lines: np.ndarray, report: Report
) -> None:
    """Rows sharing the key columns of the schema are errors: a total (keys and rows concerned)
    and the first DUPLICATES_SHOWN keys with their first line numbers. Vectorised: a 150 Mo
    file with millions of duplicated rows is reported in seconds."""
    keys = [k for k in dtype.keys if k in frame.columns]
    if not keys or frame.empty:
        return
    # A missing required key is reported as a cell error; an empty optional key is a value
    # (e.g. « communes » empty = every member commune of the EPCI).
    required = [c.name for c in dtype.columns if c.name in keys and c.required]
    complete = frame[required].notna().all(axis=1).to_numpy()
    dup = frame.duplicated(keys, keep=False).to_numpy() & complete
    if not dup.any():
        return
    sub = frame.loc[dup, keys]
    group = sub.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    dup_lines = np.asarray(lines)[dup]
    n_keys, n_rows = int(group.max()) + 1, int(dup.sum())
    if n_keys > 1:
        report.error(
            f"{report.file} : {fmt_number(n_keys)} clés en double, {fmt_number(n_rows)} lignes concernées"
            f" ; {'les ' + str(DUPLICATES_SHOWN) + ' premières' if n_keys > DUPLICATES_SHOWN else 'détail'}"
            " ci-dessous.",
            line=int(dup_lines.min()),  # listed first (the report is sorted by line)
            column=", ".join(keys),
            found=f"{fmt_number(n_keys)} clés en double",
            expected="une clé unique",
        )
    shown_mask = group < DUPLICATES_SHOWN
    first_rows = sub[shown_mask]
    first_groups = group[shown_mask]
    first_lines = dup_lines[shown_mask]
    sizes = np.bincount(group)
    for g in range(min(n_keys, DUPLICATES_SHOWN)):
        in_g = first_groups == g
        ls = [int(x) for x in first_lines[in_g][:10]]
        row = first_rows[in_g].iloc[0]
        shown = ", ".join(f"{k} = {'(vide)' if pd.isna(row[k]) else row[k]}" for k in keys)
        more = int(sizes[g]) - len(ls)
        extra = f" et {fmt_number(more)} autre(s)" if more > 0 else ""
        report.error(
            f"{report.file}, lignes {', '.join(map(str, ls))}{extra} : clé en double ({shown}) ; "
            f"une seule ligne attendue par {' + '.join(keys)}.",
            line=ls[0],
            column=", ".join(keys),
            found=shown,
            expected="une clé unique",
        )


def validate_frame(frame: pd.DataFrame, dtype: DatasetType, report: Report) -> pd.DataFrame:
    """Check an already-typed canonical frame (e.g. synthetic data) against its schema."""
    lines = np.arange(2, len(frame) + 2)
    out = frame.copy(deep=False)
    for col in dtype.columns:
        if col.name not in out.columns:
            if col.required:
                report.error(
                    f"{report.file} : colonne « {col.name} » absente ({col.label}).",
                    column=col.name,
                    expected=col.label,
                )
            out[col.name] = pd.NA
            continue
        if col.dtype in (Dtype.INT, Dtype.FLOAT) and pd.api.types.is_numeric_dtype(out[col.name]):
            num = pd.to_numeric(out[col.name]).astype("float64")
            ok = num.notna()
            _check_range(num, ok, col, lines, None, report, col.name)
        elif col.dtype in (Dtype.TEXT, Dtype.CODE) and col.choices:
            s = out[col.name].astype("string")
            bad = s.notna() & ~s.isin(col.choices)
            if bad.any():
                report.cells(lines[bad.to_numpy()], col.name, s[bad], expected_text(col))
    check_duplicates(out, dtype, lines, report)
    return out[dtype.column_names]
