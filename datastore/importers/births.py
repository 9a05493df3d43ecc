"""Children under 3 estimated from INSEE births by commune (wide or long files)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from catalogue.sources import Nature
from datastore.importers.aliases import ALIASES, COMMUNE_ALIASES, _alias_hit
from datastore.importers.common import ImportOptions, Prepared, _score
from datastore.importers.generic import _generic
from datastore.readers import (
    RawTable,
    best_sheet,
    locate_header,
    norm_header,
)
from datastore.schemas import DatasetType
from datastore.validation import (
    Report,
)

# ------------------------------------------------------------------ births (enfants)
#: A column of births of one year in INSEE's wide files (naiss_2022, NAIS2022, NAISD22...).
_WIDE_BIRTHS = re.compile(r"nais(?:s|sances?)?(?:_?dom(?:iciliees)?)?_?((?:19|20)?\d{2})")

#: Children under 3 at 31 December of year N were born in N, N-1 or N-2 (ages 0, 1 and 2):
#: the CNAF rate is « places au 31 décembre N pour 100 enfants de moins de 3 ans », so the
#: estimate of year N is the sum of the births domiciled in the commune in N-2, N-1 and N
#: (deaths, moves and the children born in the commune but living elsewhere are ignored).
BIRTHS_WINDOW = 3
BIRTHS_WINDOW_6 = 6
BIRTHS_METHOD = (
    "Estimation (naissances domiciliées, Insee) : enfants de moins de 3 ans au 31 décembre de "
    "l'année N = naissances domiciliées dans la commune en N-2, N-1 et N (âges 0, 1 et 2 ans "
    "à cette date) ; décès et déménagements ignorés (médiane 0,98 du dénominateur Cnaf, grandes "
    "villes 5 à 16 % plus bas). Moins de 6 ans : naissances de N-5 à N."
)
BIRTHS_LABEL = "Enfants de moins de 3 ans : estimation (naissances domiciliées, Insee)"


_BARE_YEAR = re.compile(r"(?:19|20)\d{2}")
_INSEE_COMMUNE_TITLE = re.compile(r"naissances?_.*domiciliees?_par_commune")


def _insee_workbook_sheet(raw: RawTable, report: Report) -> RawTable | None:
    """INSEE's own workbook (NAIS_DOM_ANNUELLES.xlsx, one sheet per geography): the sheet of
    births by commune, whose title row says « … domiciliées par commune » and whose header
    has no name over the code and name columns, only bare years (« 2008 » … « 2024 »). The
    header is given names (code_insee, libelle, naiss_AAAA) so that it is read as the other
    wide births files; None when no sheet has that layout."""
    for sheet in (raw, *raw.alternatives):
        head = sheet.head()
        titled = any(_INSEE_COMMUNE_TITLE.search(norm_header(" ".join(r))) for r in head)
        if not titled:
            continue
        for i, row in enumerate(head):
            cells = [c.strip() for c in row]
            years = [j for j, c in enumerate(cells) if _BARE_YEAR.fullmatch(c)]
            if len(years) < 2 or years[0] < 1 or any(cells[: years[0]]):
                continue
            named = [
                f"naiss_{c}" if j in years else ("code_insee", "libelle")[j] if j < 2 else c
                for j, c in enumerate(cells)
            ]
            grid = sheet.grid.copy()
            grid.iloc[i] = named
            # notes under the table (« Source : État civil », « so : sans objet »…): the rows
            # after the last one holding a figure, with no figure themselves
            filled = (grid.iloc[i + 1 :, years] != "").any(axis=1).to_numpy()
            end = i + 1 + (int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0)
            notes = [  # the first text of each note row
                next(c for c in row if c)
                for row in grid.iloc[end:].itertuples(index=False)
                if any(row)
            ]
            if notes:
                report.note(
                    f"{len(notes)} ligne(s) de notes sous le tableau ignorée(s) "
                    f"(ex. « {notes[0][:60]} »)."
                )
            grid = grid.iloc[:end]
            report.note(
                f"Classeur Insee des naissances domiciliées, feuille « {sheet.sheet} » (par "
                f"commune) : colonnes sans en-tête lues comme code commune et libellé, années "
                f"{cells[years[0]]} à {cells[years[-1]]}."
            )
            return RawTable(
                sheet.name,
                grid,
                sheet.lines[: len(grid)],
                sheet.encoding,
                sheet.separator,
                list(sheet.notes),
                sheet=sheet.sheet,
            )
    return None


def _births_long(raw: RawTable, report: Report) -> RawTable | None:
    """An INSEE births file with one column per year, as one row per (commune, year); None
    when the file is not in that layout."""
    aliases = {"code_insee": COMMUNE_ALIASES, "_births": (f"re:{_WIDE_BIRTHS.pattern}",)}
    choice = locate_header(raw, _score(aliases))
    header = choice.header
    years: dict[int, int] = {}
    for i, h in enumerate(header):
        m = _WIDE_BIRTHS.fullmatch(norm_header(h))
        if m:
            y = int(m.group(1))
            years[i] = y if y > 100 else 2000 + y
    code_col = next(
        (i for i, h in enumerate(header) if _alias_hit(norm_header(h), COMMUNE_ALIASES)), None
    )
    if len(years) < 2 or code_col is None:
        return None
    body = raw.grid.iloc[choice.row + 1 :]
    lines = raw.lines[choice.row + 1 :]
    codes_ = body.iloc[:, code_col].astype(str).str.strip()
    unknown_arr = codes_.str.fullmatch(r"(?:75|13|69)\d?X+", case=False)
    if unknown_arr.any():
        report.note(
            f"{int(unknown_arr.sum())} ligne(s) « arrondissement non connu » (ex. "
            f"{codes_[unknown_arr].iloc[0]}) écartée(s) : ces naissances ne comptent que dans le "
            "total de Paris, Lyon ou Marseille."
        )
    keep = ((codes_ != "") & ~unknown_arr).to_numpy()
    body, lines = body.loc[keep], lines[keep]
    parts = [
        pd.DataFrame(
            {
                "code": body.iloc[:, code_col].to_numpy(),
                "annee": str(y),
                "naissances": body.iloc[:, i].to_numpy(),
            }
        )
        for i, y in years.items()
    ]
    grid = pd.concat(
        [
            pd.DataFrame(
                [["code_insee", "annee", "naissances"]], columns=["code", "annee", "naissances"]
            ),
            *parts,
        ],
        ignore_index=True,
    )
    grid.columns = range(3)
    all_lines = np.concatenate([[int(raw.lines[choice.row])], *([lines] * len(years))])
    report.note(
        f"Fichier de naissances par année ({min(years.values())}-{max(years.values())}, "
        f"{len(years)} colonnes « {header[next(iter(years))]} »…) lu comme une ligne par commune "
        "et par année."
    )
    return RawTable(
        raw.name, grid, all_lines.astype(np.int64), raw.encoding, raw.separator, list(raw.notes)
    )


def births_estimate(frame: pd.DataFrame) -> pd.DataFrame:
    """Children under 3 (and under 6) of every commune and year estimated from its births:
    births of N-2, N-1 and N (N-5 to N for under 6), only where every year of the window is
    in the file (Mayotte before 2014: « sans objet »; the first years of the file). Existing
    values (a census count imported with the births) are kept. Returns a new frame."""
    out = frame.copy()
    num = pd.to_numeric(out["naissances"], errors="coerce").astype("float64")
    code = out["code_insee"].astype(str)
    years = pd.to_numeric(out["annee"], errors="coerce").astype(int)
    births = num.groupby([code, years]).sum(min_count=1).unstack()
    births = births.reindex(columns=range(int(years.min()), int(years.max()) + 1))
    arr = births.to_numpy(dtype="float64")  # NaN (not in the file, « so ») propagates
    rows = births.index.get_indexer(code)
    cols = births.columns.get_indexer(years)
    for name, span in (("enfants_moins_3", BIRTHS_WINDOW), ("enfants_moins_6", BIRTHS_WINDOW_6)):
        roll = np.full_like(arr, np.nan)
        for k in range(span - 1, arr.shape[1]):
            roll[:, k] = arr[:, k - span + 1 : k + 1].sum(axis=1)
        values = pd.Series(roll[rows, cols], index=out.index)
        current = pd.to_numeric(out[name], errors="coerce")
        out[name] = current.where(current.notna(), values)
    return out


def _enfants(
    raw: RawTable, dtype: DatasetType, opts: ImportOptions, report: Report, prepared: Prepared
) -> tuple[pd.DataFrame | None, np.ndarray]:
    """`enfants`: long files through the generic importer; INSEE births files with one column
    per year are turned into rows first. Where the file gives births but no children under 3,
    they are estimated from the births (births_estimate, BIRTHS_METHOD): the dataset is then
    an estimate (nature « estimé »), said in its label and report."""
    raw = _insee_workbook_sheet(raw, report) or best_sheet(raw, _score(ALIASES["enfants"]))
    long = _births_long(raw, report)
    frame, lines = _generic(long if long is not None else raw, dtype, opts, report, prepared)
    if frame is None or not report.ok or frame["naissances"].isna().all():
        return frame, lines
    if frame["enfants_moins_3"].notna().any():
        return frame, lines
    frame = births_estimate(frame)
    prepared.nature = Nature.ESTIME
    prepared.label = BIRTHS_LABEL  # whatever the source title: the children are an estimate
    missing = sorted(
        int(y) for y, sub in frame.groupby("annee") if sub["enfants_moins_3"].isna().all()
    )
    report.note(
        BIRTHS_METHOD
        + (
            f" Années sans estimation (fenêtre incomplète) : {', '.join(map(str, missing))}."
            if missing
            else ""
        )
    )
    partial = frame[frame["enfants_moins_3"].isna() & ~frame["annee"].isin(missing)]
    if not partial.empty:
        shown = ", ".join(sorted(partial["code_insee"].astype(str).unique())[:8])
        report.note(
            f"{partial['code_insee'].nunique()} commune(s) sans estimation certaines années "
            f"(naissances « sans objet » ou absentes dans la fenêtre, ex. {shown})."
        )
    return frame, lines
