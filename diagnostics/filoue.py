"""Filoué profiles: who attends each EAJE, compared with all EAJE of the commune and with
the children of allocataire families of the commune (circular 2.3.1, four tabs:
données de cadrage, âges, situation familiale, revenus des familles).

Pipeline (pure, no streamlit):

1. `prepare(extract, annee)` groups the extract (one row per child and EAJE) once:
   one row per EAJE (places, children, hours) and the counts of children per EAJE and
   modality of each dimension (age band, family situation, income band, commune of
   residence). This is the only step that reads the rows of children.
2. `commune_view(prepared, code_insee, threshold)` applies statistical secrecy
   (diagnostics.secrecy) to all EAJE of one commune at once, so every view of the commune
   or of one of its EAJE comes from the same protected tables: hidden figures are NaN
   and cannot be recovered from totals, other rows, or commune minus the other EAJE.
   `reference_view` protects the allocataire children of the commune the same way.
3. Views (`cadrage`, `comparison`, `residence`, `ranking`, `eaje_overview`) only read the
   protected objects: they never see a hidden count.

Counting unit: a child attending two EAJE is counted in each (one row per child and
EAJE), so the commune figures are the sums of its EAJE figures.

Occupancy (cadrage): the extract gives hours billed and hours realised per child, not the
opening hours, so the regulatory occupancy rate cannot be computed. Two ratios are shown
instead: « heures réalisées / heures facturées » (share of the billed hours actually
attended, %) and « heures réalisées par place » (hours of attendance per approved place
over the year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from diagnostics.registry import Indicator
from diagnostics.secrecy import (
    DEFAULT_THRESHOLD,
    UnitsProtection,
    protect_line_chain,
    protect_units,
    protect_units_step,
)

AGE_BANDS = ("< 1 an", "1 an", "2 ans", "3 ans et plus")
NON_RENSEIGNE = "Non renseigné"
SITUATION_LABELS = {
    "couple": "Couple",
    "monoparentale": "Famille monoparentale",
    "autre": "Autre situation",
}
DIMENSIONS = ("age", "situation_familiale", "tranche_revenu")
RESIDENCE = "residence"
DIMENSION_LABELS = {
    "age": "Âge des enfants accueillis",
    "situation_familiale": "Situation familiale",
    "tranche_revenu": "Revenus des familles",
    RESIDENCE: "Commune de résidence",
}
POPULATION_LABELS = {
    "eaje": "Cet EAJE",
    "commune": "EAJE de la commune",
    "alloc": "Enfants allocataires de la commune",
}
COMMUNE = "__commune__"
AUTRES_COMMUNES = "Autres communes"
RESIDENCE_GROUP_BELOW = DEFAULT_THRESHOLD  # fixed: independent of the user's threshold  # column of the commune (all its EAJE) in the protected tables

_AGE_ALIASES = {
    "< 1 an": "< 1 an",
    "<1 an": "< 1 an",
    "moins d'1 an": "< 1 an",
    "moins d'un an": "< 1 an",
    "moins de 1 an": "< 1 an",
    "0": "< 1 an",
    "0 an": "< 1 an",
    "1 an": "1 an",
    "1": "1 an",
    "2 ans": "2 ans",
    "2": "2 ans",
    "3 ans et plus": "3 ans et plus",
    "3 ans ou plus": "3 ans et plus",
    "3 ans": "3 ans et plus",
    "3": "3 ans et plus",
    "3+": "3 ans et plus",
}


def age_band(age_mois: pd.Series) -> pd.Series:
    """Age band of each child from its age in months (missing age -> « Non renseigné »)."""
    a = pd.to_numeric(age_mois, errors="coerce").astype(float)
    idx = np.clip(np.floor(a.to_numpy() / 12), 0, 3)
    labels = np.array(AGE_BANDS, dtype=object)
    out = np.where(np.isnan(idx), NON_RENSEIGNE, labels[np.nan_to_num(idx).astype(int)])
    return pd.Series(out, index=age_mois.index, dtype=object)


def normalise_age_label(label: str) -> str:
    """Canonical age band of a label of the allocataire reference (« 0 », « moins d'1 an »…)."""
    key = str(label).strip().lower().replace("\u2019", "'")
    return _AGE_ALIASES.get(key, str(label))


def _situation_label(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return NON_RENSEIGNE
    return SITUATION_LABELS.get(str(value).strip().lower(), str(value))


def band_order_key(label: str) -> tuple[int, float, str]:
    """Natural order of band labels: by the first number, « < x » before « x », unknown last."""
    if label == NON_RENSEIGNE:
        return (2, 0.0, label)
    text = str(label).replace("\u202f", "").replace("\xa0", "")
    m = re.search(r"\d+(?:[ .]\d{3})*(?:,\d+)?", text)
    if not m:
        return (1, 0.0, label)
    num = float(m.group(0).replace(" ", "").replace(".", "").replace(",", "."))
    before = text[: m.start()].lower()
    if "<" in before or "moins" in before or "inf" in before:
        num -= 0.5
    return (0, num, label)


# --------------------------------------------------------------------------------------------
# 1. Preparation (once per extract and year)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilouePrepared:
    """Per-EAJE aggregates of one year of a Filoué extract.

    eaje: one row per EAJE sorted by commune then identifier (id_eaje, nom_eaje,
    code_insee_eaje, places, enfants, heures_facturees, heures_realisees).
    counts[dim]: children per EAJE and modality, with integer codes: eaje_pos (row of
    `eaje`), mod (index in modalites[dim]), enfants; sorted by eaje_pos.
    """

    annee: int
    eaje: pd.DataFrame
    counts: dict[str, pd.DataFrame]
    modalites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)  # commune -> eaje rows [a, b)
    starts: dict[str, np.ndarray] = field(
        default_factory=dict
    )  # dim -> first counts row per eaje_pos

    def eaje_rows(self, code_insee: str) -> tuple[int, int]:
        return self.bounds.get(str(code_insee), (0, 0))

    def long_counts(self, dim: str) -> pd.DataFrame:
        """counts[dim] with labels: id_eaje, modalite, enfants."""
        c = self.counts[dim]
        return pd.DataFrame(
            {
                "id_eaje": self.eaje["id_eaje"].to_numpy()[c["eaje_pos"].to_numpy()],
                "modalite": np.asarray(self.modalites[dim], dtype=object)[c["mod"].to_numpy()],
                "enfants": c["enfants"].to_numpy(),
            }
        )


def years(extract: pd.DataFrame) -> list[int]:
    """Years present in an extract, most recent first."""
    if extract.empty:
        return []
    return sorted({int(y) for y in pd.to_numeric(extract["annee"]).dropna()}, reverse=True)


def _codes(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip()


def _labels(values: pd.Series) -> np.ndarray:
    """Object array of labels, missing or empty -> NON_RENSEIGNE."""
    v = values.astype("string").str.strip()
    v = v.where(v.notna() & (v != ""), NON_RENSEIGNE)
    return v.to_numpy(dtype=object)


def _display_order(dim: str, present: set[str]) -> list[str]:
    if dim == "age":
        order = [*AGE_BANDS, *sorted(present - set(AGE_BANDS) - {NON_RENSEIGNE})]
    elif dim == "situation_familiale":
        std = list(SITUATION_LABELS.values())
        order = [*std, *sorted(present - set(std) - {NON_RENSEIGNE})]
    elif dim == RESIDENCE:
        order = sorted(present - {NON_RENSEIGNE})
    else:
        order = sorted(present - {NON_RENSEIGNE}, key=band_order_key)
    if NON_RENSEIGNE in present:
        order.append(NON_RENSEIGNE)
    return order


def _numeric(f: pd.DataFrame, col: str) -> np.ndarray:
    if col not in f:
        return np.full(len(f), np.nan)
    return pd.to_numeric(f[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def prepare(extract: pd.DataFrame, annee: int) -> FilouePrepared:
    """Group one year of the extract per EAJE (done once; profiles then read only this)."""
    f = extract.loc[pd.to_numeric(extract["annee"]) == int(annee)]
    row_eaje, uniq_ids = pd.factorize(_codes(f["id_eaje"]).to_numpy(dtype=object))
    n_eaje = len(uniq_ids)
    _, first = np.unique(row_eaje, return_index=True)
    communes = _codes(f["code_insee_eaje"]).to_numpy(dtype=object)[first]
    names = (
        f["nom_eaje"].astype("string").to_numpy(dtype=object)[first]
        if "nom_eaje" in f
        else np.full(n_eaje, None, dtype=object)
    )
    places = (
        pd.Series(_numeric(f, "places_eaje"))
        .groupby(row_eaje)
        .max()
        .reindex(range(n_eaje))
        .to_numpy()
    )

    def hours(col: str) -> np.ndarray:
        h = _numeric(f, col)
        ok = ~np.isnan(h)
        total = np.bincount(row_eaje, weights=np.where(ok, h, 0.0), minlength=n_eaje)
        return np.where(np.bincount(row_eaje, weights=ok, minlength=n_eaje) > 0, total, np.nan)

    eaje = pd.DataFrame(
        {
            "id_eaje": np.asarray(uniq_ids, dtype=object),
            "nom_eaje": names,
            "code_insee_eaje": communes,
            "places": places,
            "enfants": np.bincount(row_eaje, minlength=n_eaje).astype(float),
            "heures_facturees": hours("heures_facturees"),
            "heures_realisees": hours("heures_realisees"),
        }
    )
    eaje["nom_eaje"] = eaje["nom_eaje"].where(eaje["nom_eaje"].notna(), eaje["id_eaje"])
    order = np.lexsort(
        (eaje["id_eaje"].astype(str).to_numpy(), eaje["code_insee_eaje"].astype(str).to_numpy())
    )
    eaje = eaje.iloc[order].reset_index(drop=True)
    pos_of = np.empty(n_eaje, dtype=np.int64)
    pos_of[order] = np.arange(n_eaje)
    row_pos = pos_of[row_eaje]
    sorted_communes = eaje["code_insee_eaje"].astype(str).to_numpy()
    uniq_c, start_c = np.unique(sorted_communes, return_index=True)
    ends = np.append(start_c[1:], n_eaje)
    bounds = {str(c): (int(a), int(b)) for c, a, b in zip(uniq_c, start_c, ends, strict=True)}

    n = len(f)
    nr = np.full(n, NON_RENSEIGNE, dtype=object)
    values = {
        "age": age_band(f["age_mois"]).to_numpy(dtype=object) if "age_mois" in f else nr,
        "situation_familiale": _situations(f["situation_familiale"])
        if "situation_familiale" in f
        else nr,
        "tranche_revenu": _labels(f["tranche_revenu"]) if "tranche_revenu" in f else nr,
        RESIDENCE: _labels(f["code_insee_residence"]) if "code_insee_residence" in f else nr,
    }
    counts: dict[str, pd.DataFrame] = {}
    modalites: dict[str, tuple[str, ...]] = {}
    starts: dict[str, np.ndarray] = {}
    for dim, val in values.items():
        codes, vocab = pd.factorize(val)
        display = _display_order(dim, {str(v) for v in vocab})
        where = {label: i for i, label in enumerate(display)}
        remap = np.array([where[str(v)] for v in vocab], dtype=np.int64)
        mod = remap[codes] if n else np.zeros(0, dtype=np.int64)
        n_mod = max(len(display), 1)
        keys, cnt = np.unique(row_pos * n_mod + mod, return_counts=True)
        c = pd.DataFrame({"eaje_pos": keys // n_mod, "mod": keys % n_mod, "enfants": cnt})
        counts[dim] = c
        modalites[dim] = tuple(display)
        starts[dim] = np.searchsorted(c["eaje_pos"].to_numpy(), np.arange(n_eaje + 1))
    return FilouePrepared(int(annee), eaje, counts, modalites, bounds, starts)


def _situations(values: pd.Series) -> np.ndarray:
    v = values.astype("string").str.strip().str.lower()
    mapped = v.map(SITUATION_LABELS)
    out = mapped.where(mapped.notna(), values.astype("string").str.strip())
    out = out.where(out.notna() & (out != ""), NON_RENSEIGNE)
    return out.to_numpy(dtype=object)


# --------------------------------------------------------------------------------------------
# 2. Secrecy, one commune at a time
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneView:
    """Protected figures of all EAJE of one commune (hidden figures are NaN)."""

    code_insee: str
    annee: int
    threshold: int
    eaje: (
        pd.DataFrame
    )  # id_eaje, nom_eaje, places, enfants, heures_facturees, heures_realisees, secret
    totals: dict[str, float]  # commune: places, enfants, heures_facturees, heures_realisees
    tables: dict[
        str, pd.DataFrame
    ]  # dimension -> index modalite, columns visible id_eaje + COMMUNE
    all_hidden: bool
    protection: UnitsProtection | None = None  # the audited suppression behind the figures

    @property
    def ids(self) -> list[str]:
        return self.eaje["id_eaje"].tolist()

    def is_secret(self, id_eaje: str) -> bool:
        row = self.eaje.loc[self.eaje["id_eaje"] == id_eaje, "secret"]
        return bool(row.iloc[0]) if len(row) else True


def communes_with_eaje(prep: FilouePrepared) -> list[str]:
    return sorted(prep.bounds)


def _matrix(prep: FilouePrepared, dim: str, start: int, end: int, all_rows: bool) -> pd.DataFrame:
    """Counts of the EAJE rows [start, end) by modality (rows) and EAJE (columns)."""
    c = prep.counts[dim]
    lo, hi = prep.starts[dim][start], prep.starts[dim][end]
    pos = c["eaje_pos"].to_numpy()[lo:hi] - start
    mod = c["mod"].to_numpy()[lo:hi]
    vocab = np.asarray(prep.modalites[dim], dtype=object)
    rows = np.arange(len(vocab)) if all_rows else np.unique(mod)
    row_of = np.full(max(len(vocab), 1), -1, dtype=np.int64)
    row_of[rows] = np.arange(len(rows))
    mat = np.zeros((len(rows), end - start))
    mat[row_of[mod], pos] = c["enfants"].to_numpy()[lo:hi]
    ids = prep.eaje["id_eaje"].to_numpy()[start:end]
    return pd.DataFrame(mat, index=pd.Index(vocab[rows], name="modalite"), columns=ids)


def group_rare_residences(
    mat: pd.DataFrame, code_insee: str, below: int = RESIDENCE_GROUP_BELOW
) -> pd.DataFrame:
    """Merge the communes of residence sending fewer than `below` children to all EAJE of
    the commune into one row « Autres communes » (the EAJE's own commune and « Non
    renseigné » are kept). The grouping does not depend on the user's threshold, so the
    tables of two thresholds keep the same rows (nested publications, see secrecy)."""
    margin = mat.sum(axis=1)
    rare = (margin < below) & ~mat.index.isin([str(code_insee), NON_RENSEIGNE])
    if rare.sum() < 1:
        return mat
    kept = mat.loc[~rare]
    other = mat.loc[rare].sum(axis=0).to_frame(AUTRES_COMMUNES).T
    out = pd.concat([kept, other])
    out.index.name = mat.index.name
    return out


def commune_view(
    prep: FilouePrepared,
    code_insee: str,
    threshold: int = DEFAULT_THRESHOLD,
    previous: CommuneView | None = None,
) -> CommuneView:
    """Statistical secrecy applied to every EAJE of a commune and to the commune totals.

    The protection at a threshold is built on the one at the threshold below (nested
    publications, see diagnostics.secrecy); `previous`, the view of the same commune at
    threshold − 1, saves recomputing that chain (same result).
    """
    code = str(code_insee)
    start, end = prep.eaje_rows(code)
    eaje = prep.eaje.iloc[start:end].reset_index(drop=True)
    if end <= start:
        return CommuneView(code, prep.annee, threshold, eaje.assign(secret=True), {}, {}, True)
    mats = {
        dim: _matrix(prep, dim, start, end, dim != RESIDENCE) for dim in (*DIMENSIONS, RESIDENCE)
    }
    mats[RESIDENCE] = group_rare_residences(mats[RESIDENCE], code)
    totals = eaje["enfants"].to_numpy(dtype=float)
    arrays = {d: m.to_numpy() for d, m in mats.items()}
    if (
        previous is not None
        and previous.protection is not None
        and previous.code_insee == code
        and previous.annee == prep.annee
        and previous.threshold == threshold - 1
        and threshold - 1 >= DEFAULT_THRESHOLD
    ):
        prot = protect_units_step(arrays, totals, threshold, previous.protection)
    else:
        prot = protect_units(arrays, totals, threshold)
    return _publish(code, prep.annee, threshold, eaje, mats, prot)


def _publish(
    code: str,
    annee: int,
    threshold: int,
    eaje: pd.DataFrame,
    mats: dict[str, pd.DataFrame],
    prot: UnitsProtection,
) -> CommuneView:
    hidden_units = prot.hidden_units
    out_eaje = eaje[
        ["id_eaje", "nom_eaje", "places", "enfants", "heures_facturees", "heures_realisees"]
    ].copy()
    out_eaje["secret"] = hidden_units
    for col in ("enfants", "heures_facturees", "heures_realisees"):
        out_eaje[col] = out_eaje[col].where(~hidden_units, np.nan)
    places = float(eaje["places"].sum(min_count=1)) if eaje["places"].notna().any() else np.nan
    if prot.all_hidden:
        totals = {
            "places": places,
            "enfants": np.nan,
            "heures_facturees": np.nan,
            "heures_realisees": np.nan,
        }
    else:
        totals = {
            "places": places,
            "enfants": float(eaje["enfants"].sum()),
            "heures_facturees": float(eaje["heures_facturees"].sum(min_count=1)),
            "heures_realisees": float(eaje["heures_realisees"].sum(min_count=1)),
        }
    visible = [i for i, h in zip(eaje["id_eaje"], hidden_units, strict=True) if not h]
    tables: dict[str, pd.DataFrame] = {}
    for dim, mat in mats.items():
        tp = prot.tables[dim]
        if prot.all_hidden:
            tables[dim] = pd.DataFrame(np.nan, index=mat.index, columns=[COMMUNE], dtype=float)
            continue
        shown = mat[visible].to_numpy(dtype=float)
        shown = np.where(tp.cells[:, : len(visible)], np.nan, shown)
        commune = np.where(tp.margin, np.nan, mat.to_numpy(dtype=float).sum(axis=1))
        t = pd.DataFrame(shown, index=mat.index, columns=visible)
        t[COMMUNE] = commune
        tables[dim] = t
    return CommuneView(
        code, annee, threshold, out_eaje, totals, tables, bool(prot.all_hidden), prot
    )


@dataclass(frozen=True)
class ReferenceView:
    """Protected allocataire children of a commune per dimension (hidden figures are NaN)."""

    code_insee: str
    annee: int | None
    series: dict[str, pd.Series]  # dimension -> counts by modality (NaN hidden)
    totals: dict[str, float]  # dimension -> total (NaN when hidden)


def reference_view(
    reference: pd.DataFrame, code_insee: str, annee: int, threshold: int = DEFAULT_THRESHOLD
) -> ReferenceView:
    """Allocataire children of the commune (same year, else the closest earlier one), protected."""
    code = str(code_insee)
    if reference is None or reference.empty:
        return ReferenceView(code, None, {}, {})
    col = reference["code_insee"]
    r = reference.loc[(col if pd.api.types.is_string_dtype(col) else col.astype(str)) == code]
    yrs = sorted({int(y) for y in pd.to_numeric(r["annee"]).dropna()})
    if not yrs:
        return ReferenceView(code, None, {}, {})
    earlier = [y for y in yrs if y <= int(annee)]
    year = earlier[-1] if earlier else yrs[-1]
    r = r.loc[pd.to_numeric(r["annee"]) == year]
    series: dict[str, pd.Series] = {}
    totals: dict[str, float] = {}
    for dim in DIMENSIONS:
        part = r.loc[r["dimension"].astype(str) == dim]
        if part.empty:
            continue
        mod = part["modalite"].astype(str)
        if dim == "age":
            mod = mod.map(normalise_age_label)
        elif dim == "situation_familiale":
            mod = mod.map(_situation_label)
        values = (
            pd.to_numeric(part["enfants"], errors="coerce").fillna(0).groupby(mod.to_numpy()).sum()
        )
        hidden, total_hidden = protect_line_chain(values.to_numpy(dtype=float), threshold)
        series[dim] = values.where(~hidden, np.nan).astype(float)
        totals[dim] = np.nan if total_hidden else float(values.sum())
    return ReferenceView(code, year, series, totals)


# --------------------------------------------------------------------------------------------
# 3. Views (read only protected figures)
# --------------------------------------------------------------------------------------------


def _share(n: pd.Series, total: float) -> pd.Series:
    if total is None or not np.isfinite(total) or total <= 0:
        return pd.Series(np.nan, index=n.index)
    return n / total * 100


def _ratio(num: float, den: float, factor: float = 1.0) -> float:
    if num is None or den is None or not np.isfinite(num) or not np.isfinite(den) or den <= 0:
        return np.nan
    return float(num) / float(den) * factor


def comparison(
    view: CommuneView,
    ref: ReferenceView | None,
    dimension: str,
    id_eaje: str | None = None,
    modalites: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Three-way comparison for one dimension: counts, shares (%) and gaps (points).

    Columns: modalite, then n_<pop> and part_<pop> for pop in (eaje, commune, alloc) — eaje
    only when `id_eaje` is given — and ecart_<a>_<b> in percentage points. Last row
    « Ensemble ». Hidden counts, and every share or gap derived from one, are NaN.
    """
    tab = view.tables.get(dimension)
    rows = (
        list(modalites) if modalites is not None else (list(tab.index) if tab is not None else [])
    )
    if tab is not None:
        rows = rows + [m for m in tab.index if m not in rows]
    alloc = ref.series.get(dimension) if ref is not None else None
    if alloc is not None:
        rows = rows + [m for m in alloc.index if m not in rows]
    out = pd.DataFrame({"modalite": rows})
    pops: list[str] = []
    if id_eaje is not None:
        pops.append("eaje")
        if tab is not None and id_eaje in tab.columns:
            n, total = _column(tab[id_eaje], rows), _eaje_value(view, id_eaje, "enfants")
        else:
            n, total = pd.Series(np.nan, index=rows), np.nan
        out["n_eaje"] = n.to_numpy()
        out["part_eaje"] = _share(n, total).to_numpy()
    pops.append("commune")
    if tab is not None:
        n, total = _column(tab[COMMUNE], rows), view.totals.get("enfants", np.nan)
    else:
        n, total = pd.Series(np.nan, index=rows), np.nan
    out["n_commune"] = n.to_numpy()
    out["part_commune"] = _share(n, total).to_numpy()
    pops.append("alloc")
    if alloc is not None and ref is not None:
        n, total = _column(alloc, rows), ref.totals.get(dimension, np.nan)
    else:
        n, total = pd.Series(np.nan, index=rows), np.nan
    out["n_alloc"] = n.to_numpy()
    out["part_alloc"] = _share(n, total).to_numpy()
    totals_row: dict[str, object] = {"modalite": "Ensemble"}
    for p in pops:
        tot = {
            "eaje": _eaje_value(view, id_eaje, "enfants") if id_eaje else np.nan,
            "commune": view.totals.get("enfants", np.nan),
            "alloc": ref.totals.get(dimension, np.nan)
            if ref is not None and alloc is not None
            else np.nan,
        }[p]
        totals_row[f"n_{p}"] = tot
        totals_row[f"part_{p}"] = 100.0 if np.isfinite(tot) and tot > 0 else np.nan
    out = pd.concat([out, pd.DataFrame([totals_row])], ignore_index=True)
    for a, b in (("eaje", "commune"), ("eaje", "alloc"), ("commune", "alloc")):
        if a in pops and b in pops:
            out[f"ecart_{a}_{b}"] = out[f"part_{a}"] - out[f"part_{b}"]
    return out


def _column(values: pd.Series, rows: list[str]) -> pd.Series:
    """Values on `rows`: NaN stays NaN (hidden), a modality absent from the table is 0."""
    present = pd.Series(pd.Index(rows).isin(values.index), index=rows)
    return values.reindex(rows).where(present, 0.0).astype(float)


def _eaje_value(view: CommuneView, id_eaje: str | None, column: str) -> float:
    row = view.eaje.loc[view.eaje["id_eaje"] == id_eaje, column]
    return float(row.iloc[0]) if len(row) and pd.notna(row.iloc[0]) else np.nan


def resident_share(view: CommuneView, id_eaje: str | None = None) -> tuple[float, float]:
    """(children living in the EAJE's commune, share in %) for one EAJE or the commune."""
    tab = view.tables.get(RESIDENCE)
    if tab is None or view.code_insee not in tab.index:
        return (0.0, 0.0) if tab is not None and not view.all_hidden else (np.nan, np.nan)
    col = COMMUNE if id_eaje is None else id_eaje
    if col not in tab.columns:
        return np.nan, np.nan
    n = float(tab.at[view.code_insee, col])
    total = (
        view.totals.get("enfants", np.nan)
        if id_eaje is None
        else _eaje_value(view, id_eaje, "enfants")
    )
    return n, _ratio(n, total, 100)


def cadrage(view: CommuneView, id_eaje: str | None = None) -> pd.DataFrame:
    """Key figures (données de cadrage) of one EAJE and of all EAJE of the commune.

    Columns: indicateur (French), unite, eaje (when id_eaje), commune. Hidden -> NaN.
    """

    def figures(vals: dict[str, float], resident: tuple[float, float]) -> list[float]:
        return [
            vals.get("places", np.nan),
            vals.get("enfants", np.nan),
            _ratio(vals.get("enfants", np.nan), vals.get("places", np.nan)),
            vals.get("heures_facturees", np.nan),
            vals.get("heures_realisees", np.nan),
            _ratio(vals.get("heures_realisees", np.nan), vals.get("heures_facturees", np.nan), 100),
            _ratio(vals.get("heures_realisees", np.nan), vals.get("places", np.nan)),
            resident[0],
            resident[1],
        ]

    out = pd.DataFrame(
        {
            "indicateur": [
                "Places",
                "Enfants accueillis",
                "Enfants par place",
                "Heures facturées",
                "Heures réalisées",
                "Heures réalisées / heures facturées",
                "Heures réalisées par place",
                "Enfants résidant dans la commune de l'EAJE",
                "Part des enfants résidant dans la commune de l'EAJE",
            ],
            "unite": [
                "places",
                "enfants",
                "enfants par place",
                "heures",
                "heures",
                "%",
                "heures par place",
                "enfants",
                "%",
            ],
        }
    )
    if id_eaje is not None:
        row = view.eaje.loc[view.eaje["id_eaje"] == id_eaje]
        vals = row.iloc[0].to_dict() if len(row) else {}
        out["eaje"] = figures(vals, resident_share(view, id_eaje))
    out["commune"] = figures(view.totals, resident_share(view, None))
    return out


def residence(view: CommuneView, id_eaje: str | None = None) -> pd.DataFrame:
    """Children per commune of residence (code_insee, enfants, part %), hidden -> NaN.

    Communes with a published zero are left out; hidden ones are kept (shown « secret »).
    """
    tab = view.tables.get(RESIDENCE)
    col = COMMUNE if id_eaje is None else id_eaje
    if tab is None or col not in tab.columns:
        return pd.DataFrame(
            {
                "code_insee": pd.Series(dtype=object),
                "enfants": pd.Series(dtype=float),
                "part": pd.Series(dtype=float),
            }
        )
    s = tab[col]
    s = s[s.isna() | (s > 0)]
    total = (
        view.totals.get("enfants", np.nan)
        if id_eaje is None
        else _eaje_value(view, id_eaje, "enfants")
    )
    out = pd.DataFrame({"code_insee": s.index.astype(str), "enfants": s.to_numpy(dtype=float)})
    out["part"] = _share(out["enfants"], total).to_numpy()
    return out.sort_values(
        ["enfants", "code_insee"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


def commune_share(
    view: CommuneView, dimension: str, modalites: list[str] | tuple[str, ...]
) -> float:
    """Share (%) of the commune's children in `modalites`; NaN when any cell is hidden."""
    tab = view.tables.get(dimension)
    rows = [m for m in modalites if tab is not None and m in tab.index]
    if tab is None or not rows:
        return np.nan
    cells = tab.loc[rows, COMMUNE]
    if cells.isna().any():
        return np.nan
    return _ratio(float(cells.sum()), view.totals.get("enfants", np.nan), 100)


def ranking(
    view: CommuneView, dimension: str, modalites: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """EAJE of the commune ranked by their share of children in `modalites` of `dimension`.

    Columns: rang, id_eaje, nom_eaje, enfants, effectif, part (%), ecart_commune (points).
    A sum involving a hidden cell is hidden (it would give the cell back by difference).
    EAJE under secrecy are listed last without figures.
    """
    tab = view.tables.get(dimension)
    rows = [m for m in modalites if tab is not None and m in tab.index]
    out = view.eaje[["id_eaje", "nom_eaje", "enfants"]].copy()
    if tab is not None and rows:
        # A sum with one hidden cell is hidden (skipna=False), else it gives the cell back.
        sums = tab.loc[rows].drop(columns=COMMUNE).sum(axis=0, skipna=False)
        out["effectif"] = out["id_eaje"].map(sums).astype(float)
    else:
        out["effectif"] = np.nan
    out["part"] = out["effectif"] / out["enfants"] * 100
    part_c = commune_share(view, dimension, modalites)
    out["ecart_commune"] = out["part"] - part_c
    out = out.sort_values(
        ["part", "nom_eaje"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)
    out.insert(0, "rang", out["part"].rank(ascending=False, method="min"))
    return out


def eaje_overview(view: CommuneView) -> pd.DataFrame:
    """One row per EAJE of the commune with its cadrage ratios (hidden -> NaN)."""
    out = view.eaje[["id_eaje", "nom_eaje", "places", "enfants"]].copy()
    out["enfants_par_place"] = out["enfants"] / out["places"].where(out["places"] > 0)
    out["taux_realisation"] = (
        view.eaje["heures_realisees"]
        / view.eaje["heures_facturees"].where(view.eaje["heures_facturees"] > 0)
        * 100
    )
    out["heures_par_place"] = view.eaje["heures_realisees"] / out["places"].where(out["places"] > 0)
    tab = view.tables.get(RESIDENCE)
    if tab is not None and view.code_insee in tab.index:
        out["part_residents"] = (
            out["id_eaje"].map(tab.loc[view.code_insee]).astype(float) / out["enfants"] * 100
        )
    else:
        out["part_residents"] = 0.0 if tab is not None and not view.all_hidden else np.nan
        out.loc[out["enfants"].isna(), "part_residents"] = np.nan
    return out


INDICATORS = (
    Indicator(
        "filoue_cadrage",
        "Données de cadrage des EAJE (Filoué)",
        "places, enfants, heures",
        ("dataset:filoue",),
        cadrage,
        "Places, enfants accueillis, heures facturées et réalisées, heures réalisées / facturées, "
        "heures réalisées par place et part des enfants résidant dans la commune, après secret statistique.",
    ),
    Indicator(
        "filoue_comparaison",
        "Profil des enfants accueillis : EAJE, commune, allocataires",
        "%",
        ("dataset:filoue", "dataset:filoue_reference"),
        comparison,
        "Répartition (effectifs et parts) par âge, situation familiale ou revenus pour l'EAJE, "
        "l'ensemble des EAJE de la commune et les enfants allocataires ; écarts en points.",
    ),
    Indicator(
        "filoue_residence",
        "Communes de résidence des enfants accueillis",
        "enfants",
        ("dataset:filoue",),
        residence,
        "Enfants accueillis par commune de résidence, effectifs inférieurs au seuil masqués.",
    ),
    Indicator(
        "filoue_classement",
        "Classement des EAJE de la commune",
        "%",
        ("dataset:filoue",),
        ranking,
        "Part des enfants d'une ou plusieurs modalités (ex. tranches de revenus les plus basses) "
        "dans chaque EAJE de la commune, écart à l'ensemble de la commune en points.",
    ),
)
