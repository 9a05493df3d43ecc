"""What every importer shares: options, prepared slices, the commune-code and header
helpers (datastore/importers/__init__.py calls them for every kind)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from catalogue.sources import Nature
from datastore import codes
from datastore.changes import Slice  # what a save of an editor replaces (mode « slice »)
from datastore.importers.aliases import _alias_hit
from datastore.readers import (
    MAX_BYTES,
    RawTable,
    norm_header,
)
from datastore.schemas import EDITION_LABELS, DatasetType, Dtype, dataset_type
from datastore.store import (
    PendingDataset,
)
from datastore.validation import (
    Report,
    Severity,
    convert_column,
)

COMMUNE_EXPECTED = "un code commune INSEE à 5 caractères (ex. 01001, 2A004, 97411)"


#: One territory of each scale, in messages (« colonne de code commune »).
SCALE_SINGULAR = {
    "commune": "commune",
    "epci": "EPCI",
    "departement": "département",
    "region": "région",
    "france": "France",
}


#: Kinds stored as one dataset per scale (niveau) and edition as well as per millésime.
SCOPED_KINDS = ("caf_taux", "caf_places", "taux_national")


def dataset_scope(niveau: str, edition: str = "") -> str:
    """Scope of a stored dataset: the CNAF scale, then the edition (« departement:hist »); two
    editions of a year are two datasets, kept side by side (datastore.store.scope_family)."""
    return ":".join(p for p in (niveau, edition) if p)


#: French names of the scopes (échelles) of the CNAF files, used in dataset labels.
SCOPE_LABELS = {
    "commune": "communes",
    "epci": "EPCI",
    "departement": "départements",
    "region": "régions",
    "france": "France",
}


@dataclass
class ImportOptions:
    annee: int | None = None
    producteur: str | None = None
    niveau: str | None = None  # CAF scale, when the file does not say it
    edition: str | None = None  # CNAF edition (hist / courant), when the file does not say it
    nature: Nature = Nature.REEL
    source_id: str = ""
    label: str = ""
    max_bytes: int = MAX_BYTES
    # CTG lists and avenants: leave out the lines whose signatory codes are unknown (each with
    # a warning) instead of refusing the file
    drop_bad_signatory_lines: bool = False


@dataclass
class Prepared:
    """A file read, mapped and validated, not yet committed."""

    kind: str
    file: str
    report: Report
    frame: pd.DataFrame | None = None
    producer: str = ""
    nature: Nature = Nature.REEL
    source_id: str = ""
    label: str = ""
    rows_read: int = 0
    mapping: dict[str, str] = field(default_factory=dict)  # file header -> canonical column

    @property
    def ok(self) -> bool:
        return self.report.ok and self.frame is not None

    @property
    def notes(self) -> list[str]:
        return [i.message for i in self.report.issues if i.severity is not Severity.ERREUR]

    def millesimes(self) -> list[int]:
        dtype = dataset_type(self.kind)
        if self.frame is None or not dtype.year_column or dtype.year_column not in self.frame:
            return []
        return sorted(int(y) for y in self.frame[dtype.year_column].dropna().unique())

    def datasets(
        self, replace: str = "key", drop_demo: bool = False, slice_: Slice | None = None
    ) -> list[PendingDataset]:
        """One pending dataset per (scope, millésime); with `slice_` (mode « slice »), in place
        of the rows of that slice only (one département's, one CTG's...)."""
        if self.frame is None:
            raise ValueError("fichier non valide : rien à enregistrer")
        dtype = dataset_type(self.kind)
        frame = self.frame
        scope_cols = [c for c in ("niveau", "edition") if c in frame.columns]
        scope_cols = scope_cols if self.kind in SCOPED_KINDS else []
        year_col = dtype.year_column if dtype.year_column in frame.columns else None
        group_cols = [*scope_cols, *([year_col] if year_col else [])]
        notes = tuple(self.notes)[:200]
        common = dict(
            producer=self.producer,
            source_file=self.file,
            nature=self.nature,
            source_id=self.source_id,
            notes=notes,
            replace=replace,
            drop_demo=drop_demo,
            slice_=slice_,
        )
        if not group_cols or frame.empty:
            return [PendingDataset(self.kind, frame, label=self.label, **common)]
        out = []
        for key, sub in frame.groupby(group_cols, sort=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            parts = dict(zip(group_cols, key, strict=True))
            year = parts.get(year_col) if year_col else None
            niveau = str(parts.get("niveau", "") or "") if "niveau" in parts else ""
            if self.kind == "taux_national":
                niveau = "france"
            edition = parts.get("edition") if "edition" in parts else None
            edition = "" if edition is None or pd.isna(edition) else str(edition)
            scope = dataset_scope(niveau, edition)
            label = self.label or dtype.label
            if niveau:
                label = f"{label} ({SCOPE_LABELS.get(niveau, niveau)})"
            if edition:
                label = f"{label}, {EDITION_LABELS.get(edition, edition)}"
            out.append(
                PendingDataset(
                    self.kind,
                    sub.reset_index(drop=True),
                    label=label,
                    scope=scope,
                    millesime=None if year is None or pd.isna(year) else int(year),
                    **common,
                )
            )
        return out


# ----------------------------------------------------------------------- shared helpers
def year_from_name(name: str) -> int | None:
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", name)
    return int(years[-1]) if years else None


def _looks_json(source: bytes | str | Path) -> bool:
    if isinstance(source, bytes):
        return source.lstrip()[:1] in (b"{", b"[")
    with Path(source).open("rb") as fh:
        return fh.read(64).lstrip().lstrip(b"\xef\xbb\xbf")[:1] in (b"{", b"[")


def _score(aliases: dict[str, tuple[str, ...]]) -> Callable[[list[str]], int]:
    cache: dict[str, str | None] = {}

    def canon_of(cell: str) -> str | None:
        if cell not in cache:
            key = norm_header(cell)
            cache[cell] = next(
                (canon for canon, al in aliases.items() if key == canon or _alias_hit(key, al)),
                None,
            )
        return cache[cell]

    def score(cells: list[str]) -> int:
        return len({c for c in map(canon_of, (x for x in cells if x)) if c})

    return score


def _map_headers(
    header: list[str], aliases: dict[str, tuple[str, ...]], report: Report
) -> tuple[dict[int, str], list[str]]:
    """Column position -> canonical name; returns also the ignored headers."""
    mapping: dict[int, str] = {}
    used: dict[str, str] = {}
    ignored: list[str] = []
    # Exact canonical names win over aliases (e.g. 'nom' before 'libelle').
    for pass_exact in (True, False):
        for i, h in enumerate(header):
            if i in mapping or not h:
                continue
            key = norm_header(h)
            for canon, al in aliases.items():
                hit = key == canon if pass_exact else _alias_hit(key, al)
                if hit:
                    if canon in used:
                        if not pass_exact:
                            report.warn(
                                f"{report.file} : les colonnes « {used[canon]} » et « {h} » désignent "
                                f"toutes deux « {canon} » ; seule « {used[canon]} » est lue."
                            )
                        break
                    mapping[i] = canon
                    used[canon] = h
                    break
    for i, h in enumerate(header):
        if i not in mapping and h:
            ignored.append(h)
    return mapping, ignored


def _check_extra_fields(raw: RawTable, choice_row: int, header: list[str], report: Report) -> None:
    """Rows with more (non-empty) fields than the header are errors: a shifted row is never guessed."""
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # trailing empty header cells (e.g. ';;;;' at the end of every line)
    extra = raw.grid.iloc[choice_row + 1 :, width:]
    if extra.shape[1] == 0:
        return
    bad = (extra != "").any(axis=1).to_numpy()
    if not bad.any():
        return
    counts = (raw.grid.iloc[choice_row + 1 :] != "").to_numpy()
    lines = raw.lines[choice_row + 1 :][bad]
    last = [int(np.flatnonzero(r)[-1]) + 1 for r in counts[bad]]
    for line, n in list(zip(lines, last, strict=True))[:50]:
        report.error(
            f"{report.file}, ligne {int(line)} : {n} champs trouvés, {width} attendus (colonnes de "
            "l'en-tête) ; vérifiez les séparateurs et les guillemets de cette ligne.",
            line=int(line),
            found=f"{n} champs",
            expected=f"{width} champs",
        )
    if len(lines) > 50:
        report.error(f"{report.file} : {len(lines) - 50} autre(s) ligne(s) avec trop de champs.")


def _frame_from(
    raw: RawTable,
    choice_row: int,
    header: list[str],
    mapping: dict[int, str],
    report: Report | None = None,
) -> tuple[pd.DataFrame, np.ndarray, dict[str, str]]:
    if report is not None:
        _check_extra_fields(raw, choice_row, header, report)
    body, lines = raw.frame(choice_row, [f"c{i}" for i in range(len(header))])
    cols = {f"c{i}": canon for i, canon in mapping.items()}
    frame = body[list(cols)].rename(columns=cols)
    headers = {canon: header[i] for i, canon in mapping.items()}
    return frame, lines, headers


def _note_ignored(report: Report, ignored: list[str]) -> None:
    ignored = [h for h in ignored if h.strip()]
    if ignored:
        shown = ", ".join(f"« {h} »" for h in ignored[:15]) + (" …" if len(ignored) > 15 else "")
        report.note(f"{len(ignored)} colonne(s) non utilisée(s) : {shown}.")


def _rescue_required(
    dtype: DatasetType,
    header: list[str],
    aliases: dict[str, tuple[str, ...]],
    mapping: dict[int, str],
    provided: set[str],
    report: Report,
) -> list[str]:
    """A required column that no header names exactly may be written with a complement
    (« Nom de la CTG » for « nom », « Date de début de la convention » for « date_debut »):
    it is read from the only unused header that starts with its name or an alias, and the
    report says so. Two candidates, or none: nothing is guessed. Updates `mapping` in place
    and returns the headers still unused."""
    present = set(mapping.values())
    free = {i: norm_header(h) for i, h in enumerate(header) if h and i not in mapping}
    for c in dtype.columns:
        if not c.required or c.name in present or c.name in provided:
            continue
        stems = [c.name] + [a for a in aliases.get(c.name, ()) if not a.startswith("re:")]
        hits = [i for i, key in free.items() if any(key.startswith(f"{st}_") for st in stems)]
        if len(hits) != 1:
            continue
        i = hits[0]
        mapping[i] = c.name
        present.add(c.name)
        del free[i]
        report.note(f"Colonne « {header[i]} » lue comme « {c.name} » ({c.label}).")
    return [h for i, h in enumerate(header) if h and i not in mapping]


def _missing_columns(
    report: Report, dtype: DatasetType, present: set[str], header: list[str], provided: set[str]
) -> bool:
    missing = [
        c
        for c in dtype.columns
        if dtype.header_required(c.name) and c.name not in present and c.name not in provided
    ]
    found = ", ".join(f"« {h} »" for h in header if h) or "aucune"
    if missing:
        for c in missing:
            report.error(
                f"{report.file}, ligne d'en-tête : colonne obligatoire « {c.name} » ({c.label}) introuvable ; "
                f"colonnes trouvées : {found}."
                + (
                    " Si toutes les lignes sont de la même édition, indiquez-la à l'import "
                    "(option « édition »)."
                    if c.name == "edition"
                    else ""
                ),
                column=c.name,
                expected=c.label,
            )
        return True
    values = _value_columns(dtype)
    if values and not present & set(values):
        names = ", ".join(f"« {c} »" for c in values)
        report.error(
            f"{report.file}, ligne d'en-tête : aucune colonne de valeurs reconnue (au moins une parmi "
            f"{names}) ; colonnes trouvées : {found}. Un fichier sans valeur n'est pas importé.",
            expected="au moins une colonne de valeurs",
        )
        return True
    return False


def _value_columns(dtype: DatasetType) -> list[str]:
    """The optional figures of a type whose required columns are all keys (INSEE counts,
    allocataires…): a file must bring at least one of them. Empty for the other types."""
    required = {c.name for c in dtype.columns if c.required}
    if not required <= set(dtype.keys) | {"annee"}:
        return []
    return [
        c.name
        for c in dtype.columns
        if not c.required and c.name not in dtype.keys and c.dtype in (Dtype.INT, Dtype.FLOAT)
    ]


def _convert_all(
    frame: pd.DataFrame,
    dtype: DatasetType,
    lines: np.ndarray,
    report: Report,
    headers: dict[str, str],
    skip: tuple[str, ...] = (),
) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in dtype.columns:
        if col.name in skip:
            out[col.name] = frame.get(col.name, pd.NA)
            continue
        if col.name not in frame.columns:
            out[col.name] = pd.Series(pd.NA, index=frame.index, dtype="object")
            continue
        if col.dtype is Dtype.CODE and col.name.startswith("code_insee"):
            out[col.name] = frame[col.name]  # already normalised by _communes
            continue
        out[col.name] = convert_column(frame[col.name], col, lines, report, headers.get(col.name))
    return out


def _not_placeholder(
    cleaned: pd.Series, report: Report, header: str, examples: str
) -> np.ndarray | None:
    """Rows to keep when some cleaned codes are masked or fictitious (`XX`, `XXXXX`…), with a
    note naming the column; None when there is none."""
    placeholder = cleaned.str.fullmatch(codes.PLACEHOLDER_PATTERN)
    if not placeholder.any():
        return None
    report.note(
        f"{int(placeholder.sum())} ligne(s) au code masqué ou fictif ({examples}…) "
        f"écartée(s) (colonne « {header} »)."
    )
    return ~placeholder.to_numpy(dtype=bool)


def _communes(
    frame: pd.DataFrame,
    column: str,
    lines: np.ndarray,
    report: Report,
    header: str,
    required: bool = True,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Normalise a commune code column: zero padding, placeholders dropped (noted), bad codes
    reported, well-formed unknown codes warned about. Merged communes are NOT mapped here."""
    raw = pd.Series(frame[column].to_numpy(dtype=object, na_value=""), index=frame.index)
    cleaned = codes.clean_codes(raw)
    keep = _not_placeholder(cleaned, report, header, "« XX », « XXXXX »")
    if keep is not None:
        frame, lines, raw, cleaned = frame.loc[keep], lines[keep], raw[keep], cleaned[keep]
    norm = codes.normalize_communes(cleaned)
    empty = cleaned == ""
    bad = norm.isna() & ~empty
    if bad.any():
        report.cells(lines[bad.to_numpy()], header, raw[bad], COMMUNE_EXPECTED)
    if required and empty.any():
        report.cells(lines[empty.to_numpy()], header, raw[empty], COMMUNE_EXPECTED)
    padded = (cleaned.str.len() == 4) & norm.notna()
    if padded.any():
        report.note(
            f"{int(padded.sum())} code(s) commune à 4 chiffres complété(s) par un zéro initial "
            f"(ex. {cleaned[padded].iloc[0]} → {norm[padded].iloc[0]})."
        )
    frame = frame.copy()
    frame[column] = norm.astype("string")
    ref = codes.commune_reference()
    valid = norm.dropna()
    status = codes.statuses(valid, ref)
    unknown = status == "unknown"
    if unknown.any():
        idx = np.flatnonzero(norm.notna().to_numpy())[unknown.to_numpy()]
        report.cells(
            lines[idx],
            header,
            valid[unknown],
            f"un code commune connu du COG {codes.COG_YEAR}",
            severity=Severity.AVERTISSEMENT,
        )
    com = status == "com"
    if com.any():
        report.note(
            f"{int(com.sum())} ligne(s) de collectivités d'outre-mer (ex. {valid[com].iloc[0]}) "
            "conservée(s) ; elles ne figurent pas dans le référentiel géographique de l'application."
        )
    arr = pd.Series(codes.isin(valid, codes.ARRONDISSEMENTS), index=valid.index)
    if arr.any():
        report.note(
            f"{int(arr.sum())} ligne(s) d'arrondissements de Paris, Lyon ou Marseille conservée(s) avec "
            "leur code (751xx, 6938x, 132xx) ; la commune parente est 75056, 69123 ou 13055."
        )
    return frame, lines


def _map_merged(
    frame: pd.DataFrame,
    column: str,
    keys: list[str],
    sum_cols: list[str],
    null_cols: list[str],
    report: Report,
    lines: np.ndarray,
    name_col: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Map communes merged since the file's year to the COG 2025.

    Counts (`sum_cols`) are summed over the communes merged together; values that cannot
    be summed (`null_cols`, e.g. rates, classes) become missing for the merged commune.
    """
    ref = codes.commune_reference()
    old = frame[column].astype("string")
    changed = old.isin(list(ref.passage)).fillna(False).to_numpy(dtype=bool)
    if not changed.any():
        return frame, lines
    new = old.copy()
    new[changed] = old[changed].map(ref.passage.get)
    changed = (new != old).fillna(False).to_numpy(dtype=bool)
    if not changed.any():
        return frame, lines
    examples = sorted({f"{o} → {n}" for o, n in zip(old[changed], new[changed], strict=True)})
    frame = frame.copy()
    frame[column] = new.astype("string")
    other_keys = [k for k in keys if k != column]
    group_keys = [column, *other_keys]
    touched = frame.loc[changed, group_keys].drop_duplicates()
    touched["_merged"] = True
    frame = frame.merge(touched, on=group_keys, how="left")
    merged_mask = frame["_merged"].fillna(False).astype(bool).to_numpy()
    frame = frame.drop(columns="_merged")
    frame["_line"] = lines
    plain = frame.loc[~merged_mask]
    part = frame.loc[merged_mask]
    gb = part.groupby(group_keys, dropna=False, sort=False)
    firsts = [c for c in part.columns if c not in sum_cols and c not in group_keys]
    grouped = gb[firsts].first() if firsts else gb.size().to_frame("_n").drop(columns="_n")
    if sum_cols:
        grouped = grouped.join(gb[sum_cols].sum(min_count=1))
    grouped = grouped.reset_index()[list(part.columns)]
    for c in null_cols:
        grouped[c] = pd.NA
    if name_col:
        grouped[name_col] = grouped[column].map(lambda c: ref.names.get(c, c))
    frame = pd.concat([plain, grouped], ignore_index=True)
    out_lines = frame.pop("_line").to_numpy(dtype=np.int64)
    what = []
    if sum_cols:
        what.append("effectifs additionnés")
    if null_cols:
        what.append("taux et valeurs non additionnables laissés vides pour la commune fusionnée")
    shown = ", ".join(examples[:12]) + (" …" if len(examples) > 12 else "")
    report.note(
        f"{len(examples)} commune(s) fusionnée(s) depuis l'année du fichier, rattachée(s) à leur commune "
        f"du COG {codes.COG_YEAR} ({'; '.join(what)}) : {shown}."
    )
    return frame, out_lines


def _year_option(frame: pd.DataFrame, opts: ImportOptions, report: Report, file: str) -> bool:
    """Fill a missing `annee` column from the options or the file name; False if impossible."""
    if "annee" in frame.columns:
        return True
    year = opts.annee or year_from_name(file)
    if year is None:
        report.error(
            f"{file} : aucune colonne d'année et aucune année dans le nom du fichier ; indiquez le "
            "millésime (option « année »).",
            column="annee",
            expected="une année (AAAA)",
        )
        return False
    frame["annee"] = str(year)
    if not opts.annee:
        report.note(f"Millésime {year} déduit du nom du fichier.")
    return True
