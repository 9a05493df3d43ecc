"""What a commit will change, computed before it happens (pure pandas, no storage).

The preview of the Données page and of the command line, and the commit itself, use the
same function (`plan_changes`): the commit recomputes the plan inside its transaction, so
what is stored is exactly what was announced (the commit refuses if the workspace changed
since the preview). Nothing here touches a database: a PostgreSQL backend gives the same
inputs (current datasets with a row id per row) and executes the same plan.

Modes (`PendingDataset.replace`):

- ``key`` (default, « mettre à jour par clé ») : the rows of the file replace the current rows
  that have the same key (e.g. code_insee + annee); every other row stays.
- ``same_millesime`` (« remplacer l'année entière ») : every current row of the same type,
  scale and millésime goes, even the keys absent from the file.
- ``all`` (« tout remplacer ») : every current row of the same type and scale goes.
- ``slice`` (the editors of the SDSF and AO pages, never offered for a file) : every current
  row of the same type and scale that belongs to ONE slice (`Incoming.slice_`, a `Slice`)
  goes: the rows of one département (the département of a row is its `code_departement`,
  else that of its `code_insee`) and/or the rows whose columns hold given values (`only`:
  one CTG's rows by `id_ctg`, the baselines and targets of an indicator file but not its
  realised values). Every other row stays, with its provenance (kept in a copy, as in an
  update by key). Every incoming row must belong to the slice, and a key already held by a
  row outside it is refused (`PlanError`): a save for one département or CTG never touches
  another's rows. An empty incoming frame clears the slice.

A synthetic (demo) file never removes real or estimated data, in any mode. With
``drop_demo``, a real file also retires every demo dataset of its type and scale (all years):
an explicit choice, shown in the preview like any removal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from datastore.schemas import DatasetType, Dtype
from diagnostics.formatting import fmt_number

MODES = ("key", "same_millesime", "all", "slice")
#: Territories kept in a plan for display (the count is always exact).
LOST_KEPT = 5_000
ROWID = "_rowid"


@dataclass(frozen=True)
class Current:
    """One current dataset as the planner sees it: provenance and its rows (with ROWID)."""

    id: int
    scope: str
    millesime: int | None
    synthetic: bool
    frame: pd.DataFrame


@dataclass(frozen=True)
class Slice:
    """The rows a save of an editor replaces (mode « slice »): those of one département
    (`departement`), and/or those whose columns hold one of the given values (`only`, e.g.
    ``(("id_ctg", ("C1",)),)`` for one CTG's rows, ``(("type_valeur", ("reference",
    "cible")),)`` for the SDSF targets). `label` names it in the French messages, after
    « hors » and « les lignes » (« de la CTG C1 »); by default from its fields."""

    departement: str = ""
    only: tuple[tuple[str, tuple[str, ...]], ...] = ()
    label: str = ""

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.departement:
            return f"du département {self.departement}"
        shown = " ; ".join(f"{c} {', '.join(v)}" for c, v in self.only)
        return f"de la sélection ({shown})"

    def columns(self, dtype: DatasetType) -> list[str]:
        """The columns the slice is read from."""
        col = departement_column(dtype) if self.departement else None
        return [*([col] if col else []), *(c for c, _ in self.only)]

    def rows(self, frame: pd.DataFrame, dtype: DatasetType) -> np.ndarray:
        """Rows of `frame` in the slice: its département (if any) and the values of `only`."""
        if not (self.departement or self.only):
            raise PlanError(
                "Enregistrement d'une partie des lignes : ni département ni valeurs indiqués."
            )
        mask = np.ones(len(frame), dtype=bool)
        if self.departement:
            mask &= departement_codes(frame, dtype) == self.departement
        for column, values in self.only:
            mask &= frame[column].astype("string").isin(list(values)).fillna(False).to_numpy(bool)
        return mask

    def where(self, row: pd.Series, dtype: DatasetType) -> str:
        """« code_insee 62041 », « id_ctg C2 »: the slice's columns of one row."""
        return ", ".join(f"{c} {row[c]}" for c in self.columns(dtype))


@dataclass(frozen=True)
class Incoming:
    """One dataset about to be stored."""

    index: int  # position in the batch
    scope: str
    millesime: int | None
    synthetic: bool
    mode: str
    frame: pd.DataFrame
    drop_demo: bool = False
    slice_: Slice | None = None  # mode « slice »: the rows it replaces


class PlanError(ValueError):
    """A batch the planner refuses (French message, nothing is stored)."""


@dataclass(frozen=True)
class Change:
    """One line of the preview: a (type, scale, millésime) and what happens to its rows."""

    kind: str
    scope: str
    millesime: int | None
    added: int = 0
    replaced: int = 0
    removed: int = 0
    lost_count: int = 0  # territories (or items) that lose at least one figure
    lost: tuple[str, ...] = ()  # their labels, first LOST_KEPT
    demo_kept: int = 0  # rows of demo data that stay in this type and scale


@dataclass(frozen=True)
class KindPlan:
    """Everything one commit does to one dataset type."""

    kind: str
    changes: tuple[Change, ...]
    retire: tuple[int, ...]  # current datasets that stop being current
    # current dataset id -> rowids left out of its remaining copy (the copy keeps the
    # provenance of the original; empty copy = no copy)
    remainders: tuple[tuple[int, tuple[int, ...]], ...] = field(default=())

    @property
    def removed(self) -> int:
        return sum(c.removed for c in self.changes)


def territory_column(dtype: DatasetType) -> str:
    """The key column that names the territory (or item) of a row."""
    for name in ("code", "code_insee", "siren_epci", "code_departement", "code_qpv"):
        if name in dtype.keys:
            return name
    return next(k for k in dtype.keys if k not in ("annee", "niveau"))


def departement_column(dtype: DatasetType) -> str | None:
    """The column giving the département of a row (a `Slice` by département), if the type has
    one: `code_departement`, else `code_insee` (the commune's département)."""
    names = dtype.column_names
    for name in ("code_departement", "code_insee"):
        if name in names:
            return name
    return None


def departement_codes(frame: pd.DataFrame, dtype: DatasetType) -> np.ndarray:
    """The département of each row (`departement_column`); PlanError if the type has none."""
    col = departement_column(dtype)
    if col is None:
        raise PlanError(
            f"« {dtype.label} » n'a pas de colonne de département ou de commune : "
            "l'enregistrement par département n'est pas possible."
        )
    codes = frame[col].astype("string").fillna("").str.strip()
    if col != "code_insee":
        return codes.to_numpy(object)
    drom = codes.str.startswith("97").to_numpy(dtype=bool)  # codes.departement_of_commune
    return np.where(drom, codes.str[:3].to_numpy(object), codes.str[:2].to_numpy(object))


def key_strings(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """One comparable text per row for the key columns (missing = empty; 2021 == 2021.0)."""
    parts = []
    for k in keys:
        s = frame[k]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            s = pd.to_numeric(s, errors="coerce").astype("Float64")
        parts.append(s.astype("string").fillna("").reset_index(drop=True))
    out = parts[0]
    if len(parts) > 1:
        out = out.str.cat(parts[1:], sep="\x1f")
    return out.astype(object)


def _labels(frame: pd.DataFrame, dtype: DatasetType, names: dict[str, str]) -> list[str]:
    col = territory_column(dtype)
    codes = frame[col].astype("string").fillna("")
    if "nom" in frame.columns:
        own = frame["nom"].astype("string").fillna("")
    else:
        own = pd.Series("", index=frame.index, dtype="string")
    out = []
    for code, nom in zip(codes, own, strict=True):
        label = (nom or "").strip() or names.get(code, "")
        if not code:
            out.append(label or "France")
        else:
            out.append(f"{label} ({code})" if label else code)
    return out


def _value_columns(dtype: DatasetType) -> list[str]:
    return [
        c.name
        for c in dtype.columns
        if c.name not in dtype.keys and c.dtype in (Dtype.INT, Dtype.FLOAT, Dtype.BOOL)
    ]


def _lost_values(
    old: pd.DataFrame, new: pd.DataFrame, positions: np.ndarray, values: list[str]
) -> np.ndarray:
    """Old rows (replaced by new.iloc[positions]) that had a figure the new row leaves empty."""
    lost = np.zeros(len(old), dtype=bool)
    for v in values:
        if v not in old.columns or v not in new.columns:
            continue
        had = old[v].notna().to_numpy(dtype=bool)
        empty = new[v].isna().to_numpy(dtype=bool)[positions]
        lost |= had & empty
    return lost


class _Groups:
    """Counts per (scale, millésime) while a plan is computed."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, int | None], dict] = {}

    def __call__(self, scope: str, year: int | None) -> dict:
        return self.data.setdefault(
            (scope, year), {"added": 0, "replaced": 0, "removed": 0, "lost": {}, "demo": 0}
        )


def scope_family(scope: str) -> str:
    """The scale part of a scope (« departement:hist » -> « departement »; see
    datastore.store.scope_family)."""
    return scope.partition(":")[0]


def _touches(inc: Incoming, cur: Current, by_year: bool) -> tuple[bool, bool]:
    """(may replace rows of cur, retires cur as a whole)."""
    if scope_family(cur.scope) != scope_family(inc.scope) or (inc.synthetic and not cur.synthetic):
        return False, False  # other scale; demo data never remove real data
    if inc.mode == "slice":  # its slice of every year, never a whole dataset
        return cur.scope == inc.scope, False
    if cur.scope != inc.scope:  # another edition of the same scale (« departement:hist »)
        retire = inc.drop_demo and cur.synthetic and not inc.synthetic
        return retire, retire  # only the demo data of the scale go; the other edition stays
    whole = (
        inc.mode == "all"
        or (inc.mode == "same_millesime" and cur.millesime == inc.millesime)
        or (inc.drop_demo and cur.synthetic and not inc.synthetic)
    )
    if not whole and by_year and cur.millesime != inc.millesime:
        return False, False  # the key contains the year: other years cannot match
    return True, whole


def _match_incoming(
    inc: Incoming,
    current: Sequence[Current],
    ctx: dict,
) -> None:
    """Rows of the current datasets that `inc` replaces (and figures it empties)."""
    dtype: DatasetType = ctx["dtype"]
    groups: _Groups = ctx["groups"]
    new_keys = key_strings(inc.frame, dtype.keys)
    position = pd.Series(np.arange(len(new_keys)), index=pd.Index(new_keys))
    replaced = np.zeros(len(new_keys), dtype=bool)
    if inc.mode == "slice":
        _check_slice(inc, dtype)
    for cur in current:
        touches, whole = _touches(inc, cur, ctx["by_year"])
        if whole:
            ctx["whole"].add(cur.id)
        if not touches:
            continue
        cur_keys = ctx["cur_keys"][cur.id]
        hit = cur_keys.isin(position.index).to_numpy(dtype=bool)
        if inc.mode == "slice":
            assert inc.slice_ is not None  # _check_slice
            inside = inc.slice_.rows(cur.frame, dtype)
            _refuse_outside(inc, dtype, cur.frame.loc[hit & ~inside])
            ctx["hit_rows"][cur.id] |= inside  # the whole slice goes
            ctx["cleared"][cur.id] |= inside & ~hit  # the rows of the slice no longer there
        if not hit.any():
            continue
        ctx["hit_rows"][cur.id] |= hit
        pos = position.loc[cur_keys[hit]].to_numpy()
        replaced[pos] = True
        lost = _lost_values(cur.frame.loc[hit], inc.frame, pos, ctx["values"])
        if lost.any():
            g = groups(cur.scope, cur.millesime)
            for label in _labels(cur.frame.loc[hit].loc[lost], dtype, ctx["names"]):
                g["lost"][label] = None
    g = groups(inc.scope, inc.millesime)
    g["added"] += int((~replaced).sum())
    g["replaced"] += int(replaced.sum())


def _check_slice(inc: Incoming, dtype: DatasetType) -> None:
    """Every row of a « slice » item belongs to its slice (else PlanError)."""
    if inc.slice_ is None:
        raise PlanError("Enregistrement d'une partie des lignes : aucune partie indiquée.")
    outside = ~inc.slice_.rows(inc.frame, dtype)
    if not outside.any():
        return
    name = inc.slice_.name
    first = inc.slice_.where(inc.frame.loc[outside].iloc[0], dtype)
    more = int(outside.sum()) - 1
    raise PlanError(
        f"{int(outside.sum())} ligne(s) hors {name} (première : {first})"
        + (f" et {more} autre(s)" if more > 0 else "")
        + f" : cet enregistrement ne peut modifier que les lignes {name}. "
        "Rien n'a été enregistré."
    )


def _refuse_outside(inc: Incoming, dtype: DatasetType, rows: pd.DataFrame) -> None:
    """A key of a « slice » item held by a row outside its slice: refused."""
    if rows.empty:
        return
    assert inc.slice_ is not None
    key = ", ".join(str(rows[k].iloc[0]) for k in dtype.keys)
    raise PlanError(
        f"L'identifiant {key} est déjà enregistré hors {inc.slice_.name} "
        f"({inc.slice_.where(rows.iloc[0], dtype)}) : choisissez un autre identifiant, ou "
        "modifiez cette ligne là où elle est rattachée. Rien n'a été enregistré."
    )


def _settle(
    current: Sequence[Current], ctx: dict
) -> tuple[list[int], list[tuple[int, tuple[int, ...]]]]:
    """Datasets retired, remaining copies, removed rows and demo rows kept."""
    groups: _Groups = ctx["groups"]
    retire: list[int] = []
    remainders: list[tuple[int, tuple[int, ...]]] = []
    for cur in current:
        hit = ctx["hit_rows"][cur.id]
        if cur.id in ctx["whole"]:
            retire.append(cur.id)
            gone = ~hit
            if gone.any():
                g = groups(cur.scope, cur.millesime)
                g["removed"] += int(gone.sum())
                for label in _labels(cur.frame.loc[gone], ctx["dtype"], ctx["names"]):
                    g["lost"][label] = None
        elif hit.any():
            retire.append(cur.id)
            remainders.append((cur.id, tuple(int(r) for r in cur.frame[ROWID].to_numpy()[hit])))
            cleared = ctx["cleared"][cur.id]
            if cleared.any():  # mode « slice »: rows of the slice absent from the save
                g = groups(cur.scope, cur.millesime)
                g["removed"] += int(cleared.sum())
                for label in _labels(cur.frame.loc[cleared], ctx["dtype"], ctx["names"]):
                    g["lost"][label] = None
    for cur in current:
        kept = 0 if cur.id in ctx["whole"] else int((~ctx["hit_rows"][cur.id]).sum())
        if not cur.synthetic or not kept:
            continue
        for (scope, year), g in groups.data.items():
            if scope == cur.scope and (not ctx["by_year"] or year == cur.millesime):
                g["demo"] += kept
    return retire, remainders


def plan_changes(
    dtype: DatasetType,
    current: Sequence[Current],
    incoming: Sequence[Incoming],
    names: dict[str, str] | None = None,
) -> KindPlan:
    """What storing `incoming` does to the `current` datasets of one type.

    `names` maps territory codes to names, for the labels of the territories that lose a
    figure when the rows do not carry a name.
    """
    groups = _Groups()
    ctx = {
        "dtype": dtype,
        "groups": groups,
        "names": names or {},
        "values": _value_columns(dtype),
        "by_year": dtype.year_column is not None and dtype.year_column in dtype.keys,
        "cur_keys": {c.id: key_strings(c.frame, dtype.keys) for c in current},
        "hit_rows": {c.id: np.zeros(len(c.frame), dtype=bool) for c in current},
        "cleared": {c.id: np.zeros(len(c.frame), dtype=bool) for c in current},
        "whole": set(),
    }
    for inc in incoming:
        if inc.mode not in MODES:
            raise ValueError(inc.mode)
        _match_incoming(inc, current, ctx)
    retire, remainders = _settle(current, ctx)
    changes = []
    for (scope, year), g in sorted(groups.data.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if not (g["added"] or g["replaced"] or g["removed"] or g["lost"]):
            continue
        lost = list(g["lost"])
        changes.append(
            Change(
                dtype.kind,
                scope,
                year,
                added=g["added"],
                replaced=g["replaced"],
                removed=g["removed"],
                lost_count=len(lost),
                lost=tuple(lost[:LOST_KEPT]),
                demo_kept=g["demo"],
            )
        )
    return KindPlan(dtype.kind, tuple(changes), tuple(sorted(retire)), tuple(remainders))


_SCOPES = {
    "commune": "communes",
    "epci": "EPCI",
    "departement": "départements",
    "region": "régions",
    "france": "France",
}


def scope_year_label(change: Change) -> str:
    parts = [_SCOPES.get(change.scope, change.scope)] if change.scope else []
    parts.append(str(change.millesime) if change.millesime is not None else "sans millésime")
    return " ".join(parts)


def lost_text(change: Change, shown: int = 10) -> str:
    """« 1 002 territoire(s) perdent un chiffre : Toulouse (31555), … et 992 autre(s) »."""
    if not change.lost_count:
        return ""
    first = ", ".join(change.lost[:shown])
    more = change.lost_count - min(shown, len(change.lost))
    return (
        f"{fmt_number(change.lost_count)} territoire(s) ou élément(s) perdent un chiffre : {first}"
        + (f" et {fmt_number(more)} autre(s)" if more > 0 else "")
    )


def change_text(change: Change, shown: int = 10) -> str:
    """One French line of the preview for one (scale, millésime)."""
    text = (
        f"{scope_year_label(change)} : {fmt_number(change.added)} ligne(s) ajoutée(s), "
        f"{fmt_number(change.replaced)} remplacée(s), {fmt_number(change.removed)} retirée(s)"
    )
    lost = lost_text(change, shown)
    if lost:
        text += f" ; {lost}"
    if change.demo_kept:
        text += f" ; {fmt_number(change.demo_kept)} ligne(s) de démonstration restent à côté"
    return text + "."
