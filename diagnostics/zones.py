"""Under-served zones: per-commune indicators, explainable rules and priority zones.

Décret 2025-253 asks every AO schéma (and the early-childhood part of every CTG) to identify
« les zones géographiques caractérisées par une offre d'accueil insuffisante ou par des
difficultés dans l'accès à cette offre ». No rule is imposed; this module offers five
explicit rules that the user combines and tunes, each able to describe itself in one French
sentence generated from its parameters:

1. `CnafPriorityRule`: coverage below the national rate and an income proxy worse than the
   national level (share of allocataires with low income when the workspace holds it, else
   share of allocataires receiving the RSA);
2. `CoverageThresholdRule`: coverage below an absolute value or a percentage of the
   département or national rate;
3. `NoEajeRule`: communes without any EAJE with at least N children under 3 (weighted by
   their number of children in the ranking and the composite score);
4. `AccessibilityRule`: places within reach per 100 children (diagnostics.access, 2SFCA)
   below a threshold;
5. `CompositeRule`: a 0–100 score, weighted mean of normalised components.

Flagged communes that share a boundary are grouped (connected components of the rook
adjacency graph) and dissolved into named priority zones. Saved zonings are JSON
documents (`zoning_payload`) read back as typed `SavedZoning` objects (`saved_zonings`) by
the zones page, the pre-diagnostic and the workshop view.

Pure module: no streamlit, inputs are never mutated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from diagnostics import coverage
from diagnostics.access import DECAY_LABELS, DECAYS, two_step_fca
from diagnostics.formatting import MISSING_TEXT, fmt_number, fmt_percent
from diagnostics.registry import Indicator

RURAL_LEVELS = (5, 6, 7)
ZONING_DOCUMENT_KIND = "zonage"

BASE_COLUMNS = [
    "code_insee",
    "nom",
    "dep",
    "siren_epci",
    "epci_nom",
    "population",
    "dens7",
    "enfants_moins_3",
    "enfants_nature",
    "places",
    "places_eaje",
    "places_assmat",
    "taux",
    "taux_nature",
    "n_eaje",
    "part_monoparentales",
    "part_revenus",
    "n_qpv",
    "rural",
]


# --------------------------------------------------------------------------- helpers
def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def _latest(frame: pd.DataFrame, year: int | None, keys: Sequence[str]) -> pd.DataFrame:
    """Rows of the most recent year ≤ `year` for each key (all years when year is None)."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(frame.columns) if frame is not None else list(keys))
    df = frame.copy()
    df["annee"] = pd.to_numeric(df["annee"], errors="coerce")
    if year is not None:
        df = df[df["annee"] <= year]
    df = df.sort_values("annee")
    return df.drop_duplicates(list(keys), keep="last")


def caf_commune_rows(frame: pd.DataFrame | None, year: int | None) -> pd.DataFrame:
    """Commune rows of a Cnaf file (caf_taux or caf_places) for exactly one year.

    The year is `year` when given, else the most recent year of the commune rows.
    """
    if frame is None or frame.empty:
        return pd.DataFrame()
    df = frame[frame["niveau"].astype("string") == "commune"].copy()
    if df.empty:
        return df
    years = pd.to_numeric(df["annee"], errors="coerce")
    wanted = int(years.max()) if year is None else int(year)
    df = df[years == wanted]
    df["code"] = df["code"].astype("string")
    return df.drop_duplicates("code", keep="last")


def _rebuilt_communes(
    tx: pd.DataFrame, pl: pd.DataFrame, passage: Mapping[str, str] | None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Put the Cnaf commune rows of one year on the COG 2025 communes, as coverage does.

    - Paris, Lyon and Marseille (published by arrondissement only): places summed, derived
      children summed, rate recomputed from the arrondissements (nature « calculé »,
      `coverage.aggregate_parts`), only when every arrondissement is published with places
      and a rate, as `coverage.plm_figure` does. Cities already present are left as published.
    - Communes merged since the file's year (`coverage.merged_groups`, INSEE passage table of
      datastore.codes): the former communes' places and derived children summed, rate
      recomputed (« estimation »), only when every former commune is published; otherwise the
      current commune gets no Cnaf figure (a former perimeter is never used as is).

    Returns the new rate and place rows and the nature of each rebuilt commune.
    """
    if tx.empty or pl.empty:
        return tx, pl, {}
    year = int(pd.to_numeric(tx["annee"], errors="coerce").max())
    ptx, ppl = coverage.prepare(tx), coverage.prepare(pl)
    present = set(tx["code"])
    groups: dict[str, tuple[list[str], str]] = {
        city: (list(arrs), coverage.Status.CALCULE)
        for city, arrs in coverage.PLM_ARRONDISSEMENTS.items()
        if city not in present
    }
    for new, olds in coverage.merged_groups(ptx, year, passage).items():
        groups[new] = (olds, coverage.Status.ESTIME)
    dropped: set[str] = set()
    add_tx: list[dict] = []
    add_pl: list[dict] = []
    natures: dict[str, str] = {}
    for code, (parts_codes, status) in groups.items():
        parts = coverage.published_parts(ptx, ppl, year, parts_codes)
        if status == coverage.Status.ESTIME:
            dropped |= {code, *parts_codes}
        if parts.empty or set(parts["code"]) != set(parts_codes):
            # as coverage.plm_figure / merger_figure: a partial sum is never shown
            continue
        agg = coverage.aggregate_parts(parts)
        add_tx.append({"code": code, "tx_global": agg[coverage.GLOBAL]})
        row = {"code": code, "pl_total": agg["pl_total"]}
        used = pl["code"].isin(parts["code"])
        for col in ("pl_eaje", "pl_assmat"):
            if col in pl:
                row[col] = float(_num(pl.loc[used, col]).sum())
        add_pl.append(row)
        natures[code] = str(status)
    if not natures and not dropped:
        return tx, pl, {}
    keep = [c for c in ("code", "pl_total", "pl_eaje", "pl_assmat") if c in pl]
    tx2 = pd.concat(
        [tx.loc[~tx["code"].isin(dropped), ["code", "tx_global"]], pd.DataFrame(add_tx)],
        ignore_index=True,
    )
    pl2 = pd.concat(
        [pl.loc[~pl["code"].isin(dropped), keep], pd.DataFrame(add_pl)], ignore_index=True
    )
    tx2["code"] = tx2["code"].astype("string")
    pl2["code"] = pl2["code"].astype("string")
    return tx2, pl2, natures


def income_proxy(allocataires: pd.DataFrame | None) -> tuple[str | None, str]:
    """Column used as the low-income proxy and its French label.

    Prefers `allocataires_bas_revenus` (allocataires à bas revenus) when it holds values,
    else `allocataires_rsa` (share of allocataires receiving the RSA). None when neither.
    """
    if allocataires is None or allocataires.empty:
        return None, "aucun indicateur de revenus disponible"
    for col, label in (
        ("allocataires_bas_revenus", "part des allocataires à bas revenus"),
        ("allocataires_rsa", "part des allocataires percevant le RSA"),
    ):
        if col in allocataires and _num(allocataires[col]).notna().any():
            return col, label
    return None, "aucun indicateur de revenus disponible"


# ----------------------------------------------------------------------- indicators
def build_commune_base(
    communes: pd.DataFrame,
    *,
    taux: pd.DataFrame | None = None,
    places: pd.DataFrame | None = None,
    enfants: pd.DataFrame | None = None,
    bpe: pd.DataFrame | None = None,
    structures: pd.DataFrame | None = None,
    allocataires: pd.DataFrame | None = None,
    qpv: pd.DataFrame | None = None,
    zones: pd.DataFrame | None = None,
    year: int | None = None,
    estimate_children: bool = False,
    passage: Mapping[str, str] | None = None,
    enfants_label: str = "INSEE",
) -> pd.DataFrame:
    """One row per commune with the indicators the rules use (columns `BASE_COLUMNS`).

    `enfants_label` says what the `enfants` file is (`enfants_nature` of its communes): « INSEE »
    for a census count, « estimation (naissances domiciliées, Insee) » for the births estimate,
    « données de démonstration » for synthetic children.

    - taux: Cnaf global rate as published (`taux_nature` « publié »); where Cnaf publishes
      none but both total places and children under 3 are known, places ÷ children × 100
      (`taux_nature` « estimation »); else missing. Paris, Lyon, Marseille and communes
      merged since the Cnaf year are rebuilt as coverage does (`_rebuilt_communes`; `passage`
      old code -> COG 2025 code, default the INSEE passage table).
    - enfants_moins_3: INSEE file (`enfants`, latest year ≤ year), else derived from Cnaf
      places ÷ rate × 100 (`enfants_nature` « dérivé »); with `estimate_children`, the
      others get population × (Σ known children ÷ Σ population of those communes)
      (« estimation », never used to estimate a rate).
    - places_eaje: Cnaf EAJE places, else the sum of EAJE places of the structures list.
    - n_eaje: EAJE count of the structures list where it has rows for the commune, else BPE.
    - part_monoparentales: single-parent families among allocataire families with children;
      part_revenus: income proxy share (see `income_proxy`), both in %.
    - n_qpv: quartiers prioritaires attached to the commune (QPV indicators or zones of
      type QPV); rural: INSEE density level 5, 6 or 7.
    """
    base = communes[
        ["code_insee", "nom", "dep", "siren_epci", "epci_nom", "population", "dens7"]
    ].copy()
    base["code_insee"] = base["code_insee"].astype("string")
    base = base.drop_duplicates("code_insee").reset_index(drop=True)
    base["population"] = _num(base["population"])
    base["dens7"] = pd.to_numeric(base["dens7"], errors="coerce").astype("Int64")
    code = base["code_insee"]

    tx = caf_commune_rows(taux, year)
    pl = caf_commune_rows(places, year)
    tx, pl, rebuilt = _rebuilt_communes(tx, pl, passage)
    tx_map = _num(tx.set_index("code")["tx_global"]) if not tx.empty else pd.Series(dtype=float)
    pl_total = _num(pl.set_index("code")["pl_total"]) if not pl.empty else pd.Series(dtype=float)
    pl_eaje = _num(pl.set_index("code")["pl_eaje"]) if not pl.empty else pd.Series(dtype=float)
    pl_assmat = (
        _num(pl.set_index("code")["pl_assmat"])
        if not pl.empty and "pl_assmat" in pl
        else pd.Series(dtype=float)
    )
    published = code.map(tx_map).astype(float)
    total_places = code.map(pl_total).astype(float)

    kids = pd.Series(np.nan, index=base.index)
    kids_nature = pd.Series(pd.NA, index=base.index, dtype="string")
    derived = total_places / published * 100.0
    derived = derived.where(published > 0)
    file_is_estimate = enfants_label.startswith("estimation")
    if file_is_estimate:  # the CNAF denominator first; the births estimate fills the others
        kids = kids.mask(derived.notna(), derived)
        kids_nature = kids_nature.mask(derived.notna(), "dérivé")
    if enfants is not None and not enfants.empty:
        e = _latest(enfants, year, ["code_insee"])
        e = e[_num(e["enfants_moins_3"]).notna()]
        emap = _num(e.set_index(e["code_insee"].astype("string"))["enfants_moins_3"])
        from_file = code.map(emap).astype(float)
        fill = kids.isna() & from_file.notna()
        kids = kids.mask(fill, from_file)
        kids_nature = kids_nature.mask(fill, enfants_label)
    fill = kids.isna() & derived.notna()
    kids = kids.mask(fill, derived)
    kids_nature = kids_nature.mask(fill, "dérivé")
    if estimate_children:
        known = kids.notna() & base["population"].notna()
        pop_known = float(base.loc[known, "population"].sum())
        if pop_known > 0:
            ratio = float(kids[known].sum()) / pop_known
            fill = kids.isna() & base["population"].notna()
            kids = kids.mask(fill, base["population"] * ratio)
            kids_nature = kids_nature.mask(fill, "estimation")
    base["enfants_moins_3"] = kids
    base["enfants_nature"] = kids_nature

    base["places_assmat"] = code.map(pl_assmat).astype(float)
    # a rate is computed from places and children only where the children are counted or
    # derived, never from an estimate (population share or births)
    counted = ~kids_nature.fillna("").str.startswith("estimation")
    estimated = (total_places / kids * 100.0).where((kids > 0) & counted)
    rate = published.copy()
    nature = pd.Series(pd.NA, index=base.index, dtype="string").mask(published.notna(), "publié")
    nature = nature.mask(published.notna() & code.isin(rebuilt), code.map(rebuilt))
    est_mask = rate.isna() & estimated.notna()
    rate = rate.mask(est_mask, estimated)
    nature = nature.mask(est_mask, "estimation")
    base["places"] = total_places
    base["taux"] = rate
    base["taux_nature"] = nature

    eaje_places = code.map(pl_eaje).astype(float)
    n_eaje = pd.Series(np.nan, index=base.index)
    if structures is not None and not structures.empty:
        st_eaje = structures[structures["type_structure"].astype("string") == "EAJE"]
        by_code = st_eaje.groupby(st_eaje["code_insee"].astype("string"))
        n_eaje = code.map(by_code.size()).astype(float)
        sp = code.map(by_code["places"].sum(min_count=1)).astype(float)
        eaje_places = eaje_places.fillna(sp)
    if bpe is not None and not bpe.empty:
        b = _latest(bpe, year, ["code_insee"])
        bmap = _num(b.set_index(b["code_insee"].astype("string"))["nb_eaje"])
        n_eaje = n_eaje.fillna(code.map(bmap).astype(float))
    if structures is not None and not structures.empty:
        n_eaje = n_eaje.fillna(0.0)  # a list of structures is exhaustive for its communes
    base["places_eaje"] = eaje_places
    base["n_eaje"] = n_eaje

    mono = pd.Series(np.nan, index=base.index)
    revenus = pd.Series(np.nan, index=base.index)
    if allocataires is not None and not allocataires.empty:
        a = _latest(allocataires, year, ["code_insee"]).copy()
        a.index = a["code_insee"].astype("string")
        fam = _num(a["familles_monoparentales"]) + _num(a["couples_avec_enfants"])
        mono_share = (_num(a["familles_monoparentales"]) / fam * 100.0).where(fam > 0)
        mono = code.map(mono_share).astype(float)
        col, _ = income_proxy(allocataires)
        if col is not None:
            alloc = _num(a["allocataires"])
            share = (_num(a[col]) / alloc * 100.0).where(alloc > 0)
            revenus = code.map(share).astype(float)
    base["part_monoparentales"] = mono
    base["part_revenus"] = revenus

    n_qpv = pd.Series(0.0, index=base.index)
    qpv_codes: list[pd.Series] = []
    if qpv is not None and not qpv.empty:
        # quartiers counted in the latest geography only (QPV 2024 when imported; the 2022
        # file keeps its indicators but its list of quartiers is no longer in force)
        q_years = pd.to_numeric(qpv["annee"], errors="coerce") if "annee" in qpv else None
        if q_years is not None and q_years.notna().any():
            qpv = qpv[q_years == q_years.max()]
        q = qpv.dropna(subset=["code_insee"]).drop_duplicates("code_qpv")
        pairs = q[["code_qpv", "code_insee"]].rename(columns={"code_qpv": "id"})
        if "communes" in q:  # a quartier on several communes counts in each of them
            every = q["communes"].astype("string").fillna("").str.split(";")
            extra = pd.DataFrame({"id": q["code_qpv"], "code_insee": every}).explode("code_insee")
            pairs = pd.concat([pairs, extra[extra["code_insee"].astype(str) != ""]])
        qpv_codes.append(pairs)
    if zones is not None and not zones.empty and "type_zone" in zones:
        z = zones[zones["type_zone"].astype("string").str.upper() == "QPV"].dropna(
            subset=["code_insee"]
        )
        qpv_codes.append(z[["id_zone", "code_insee"]].rename(columns={"id_zone": "id"}))
    if qpv_codes:
        allq = pd.concat(qpv_codes)
        allq = allq.assign(code_insee=allq["code_insee"].astype("string")).drop_duplicates()
        counts = allq.groupby(allq["code_insee"].astype("string")).size()
        n_qpv = code.map(counts).fillna(0).astype(float)
    base["n_qpv"] = n_qpv
    base["rural"] = base["dens7"].isin(RURAL_LEVELS).fillna(False).astype(bool)
    return base[BASE_COLUMNS]


@dataclass(frozen=True)
class References:
    """National and départemental reference values the rules compare communes with."""

    national_rate: float | None
    national_rate_nature: str  # « publié » or « estimation »
    national_rate_year: int | None
    income_share: float | None  # national share of the income proxy, %
    income_label: str
    mono_share: float | None  # national share of single-parent families, %
    departement_rates: Mapping[str, float] = field(default_factory=dict)
    departement_nature: str = "publié"


def references(
    base: pd.DataFrame,
    *,
    taux: pd.DataFrame | None = None,
    allocataires: pd.DataFrame | None = None,
    year: int | None = None,
    synthetic_ids: frozenset[int] = frozenset(),
) -> References:
    """Reference values computed on the national base (all communes).

    National and départemental rates: Cnaf rows of level « france » / « departement » for the
    year (published); when absent, Σ places ÷ Σ children × 100 over the communes with a
    published rate (« estimation »). Rows whose `dataset_id` is in `synthetic_ids` are
    labelled « données de démonstration ». Income and single-parent shares: national sums.
    """

    def nature_of(rows: pd.DataFrame) -> str:
        if "dataset_id" in rows and rows["dataset_id"].isin(list(synthetic_ids)).any():
            return "données de démonstration"
        return "publié"

    nat_rate: float | None = None
    nat_nature = "estimation"
    nat_year = year
    dep_rates: dict[str, float] = {}
    dep_nature = "estimation"
    if taux is not None and not taux.empty:
        yrs = pd.to_numeric(taux["annee"], errors="coerce")
        com_years = yrs[taux["niveau"].astype("string") == "commune"]
        latest = com_years.max() if com_years.notna().any() else yrs.max()
        wanted = int(latest) if year is None else int(year)
        t = taux[yrs == wanted]
        # the commune rates compared are of one edition (2022: first publication): the
        # national and départemental references are taken in that edition too
        edition = coverage.level_edition(t, "commune", wanted)
        t = coverage.at_edition(t, edition or None)
        fr_rows = t[(t["niveau"].astype("string") == "france") & _num(t["tx_global"]).notna()]
        if not fr_rows.empty:
            nat_rate, nat_year = float(_num(fr_rows["tx_global"]).iloc[-1]), wanted
            nat_nature = nature_of(fr_rows)
        dep = t[(t["niveau"].astype("string") == "departement") & _num(t["tx_global"]).notna()]
        if not dep.empty:
            dep_rates = {
                str(c): float(v) for c, v in zip(dep["code"], _num(dep["tx_global"]), strict=True)
            }
            dep_nature = nature_of(dep)
    pub = base[
        (base["taux_nature"] == "publié").fillna(False).astype(bool)
        & base["places"].notna()
        & base["enfants_moins_3"].notna()
    ]
    if nat_rate is None and pub["enfants_moins_3"].sum() > 0:
        nat_rate = float(pub["places"].sum() / pub["enfants_moins_3"].sum() * 100.0)
    if not dep_rates and not pub.empty:
        g = pub.groupby("dep")[["places", "enfants_moins_3"]].sum()
        g = g[g["enfants_moins_3"] > 0]
        dep_rates = {
            str(k): float(v) for k, v in (g["places"] / g["enfants_moins_3"] * 100.0).items()
        }
    col, label = income_proxy(allocataires)
    income = mono = None
    if allocataires is not None and not allocataires.empty:
        a = _latest(allocataires, year, ["code_insee"])
        alloc = _num(a["allocataires"])
        if col is not None:
            ok = alloc.notna() & _num(a[col]).notna()
            if alloc[ok].sum() > 0:
                income = float(_num(a[col])[ok].sum() / alloc[ok].sum() * 100.0)
        m, c = _num(a["familles_monoparentales"]), _num(a["couples_avec_enfants"])
        ok = m.notna() & c.notna()
        if (m[ok] + c[ok]).sum() > 0:
            mono = float(m[ok].sum() / (m[ok] + c[ok]).sum() * 100.0)
    return References(nat_rate, nat_nature, nat_year, income, label, mono, dep_rates, dep_nature)


# ---------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class RuleOutcome:
    flag: pd.Series  # bool, True = flagged
    evaluated: pd.Series  # bool, False = data missing for the commune
    score: pd.Series | None = None  # optional ranking weight


#: Supply sources of the accessibility rule (chosen on the page, not saved with the rule).
SUPPLY_STRUCTURES = "Places des EAJE géolocalisés (liste des structures)"
SUPPLY_COMMUNES = "Places Cnaf des communes publiées (tous modes d'accueil)"
REFERENCE_LABELS: dict[str, str] = {
    "france": "% du taux national",
    "departement": "% du taux du département",
    "absolu": "places pour 100 enfants",
}
COMBINE_LABELS: dict[str, str] = {"une": "au moins une règle", "toutes": "toutes les règles"}


@dataclass(frozen=True)
class Control:
    """Declarative description of one control of a rule; ui/zones.py draws them in a loop.

    `param` is the key of the value in the rule's parameters (`Rule.params`, saved with a
    zoning; « poids.couverture » sets the « couverture » entry of the « poids » mapping);
    a control whose param starts with « _ » is a page setting, not a rule parameter.
    `key` is the widget key, formatted with the values chosen above it (« {reference} »).
    `default_by`: (param of a control above, default per value of it); `default` otherwise.
    Consecutive controls of one `group` are drawn side by side in `columns` columns.
    `options_from`: options given by the page (e.g. the supply sources available).
    """

    param: str
    label: str
    widget: Literal["number", "slider", "select"]
    key: str
    default: float | str = 0.0
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    number_format: str | None = None
    integer: bool = False
    options: tuple[str, ...] = ()
    option_labels: Mapping[str, str] = field(default_factory=dict)
    options_from: str = ""
    default_by: tuple[str, Mapping[str, float]] | None = None
    group: str = ""
    columns: int = 1
    caption: str = ""  # appended to the rule sentence, formatted with {value}

    def default_for(self, chosen: Mapping[str, object]) -> float | str:
        if self.default_by is not None:
            other, table = self.default_by
            return table.get(str(chosen.get(other)), self.default)
        return self.default

    def widget_key(self, chosen: Mapping[str, object]) -> str:
        return self.key.format(**{k.lstrip("_"): v for k, v in chosen.items()})


@dataclass(frozen=True)
class CnafPriorityRule:
    """Rule 1: coverage below the national rate AND income proxy above the national share."""

    id: str = "cnaf"
    label: str = "Critères historiques Cnaf"
    toggle: ClassVar[tuple[str, bool]] = ("zones_r_cnaf", True)  # widget key, checked at first
    controls: ClassVar[tuple[Control, ...]] = ()

    def params(self) -> dict:
        return {}

    @classmethod
    def from_params(cls, p: Mapping) -> CnafPriorityRule:  # noqa: ARG003 - rule interface
        return cls()

    def describe(self, refs: References) -> str:
        return (
            "Commune retenue si son taux de couverture est inférieur au taux national "
            f"({fmt_number(refs.national_rate, 1, missing=MISSING_TEXT)} places pour 100 enfants, "
            f"{refs.national_rate_nature}) et si la {refs.income_label} dépasse le niveau national "
            f"({fmt_percent(refs.income_share, missing=MISSING_TEXT)}), indicateur de revenus "
            "retenu faute de revenu médian communal dans l'espace de travail."
        )

    def evaluate(self, base: pd.DataFrame, refs: References) -> RuleOutcome:
        rate, income = _num(base["taux"]), _num(base["part_revenus"])
        if refs.national_rate is None or refs.income_share is None:
            none = pd.Series(False, index=base.index)
            return RuleOutcome(none, none.copy())
        evaluated = rate.notna() & income.notna()
        flag = evaluated & (rate < refs.national_rate) & (income > refs.income_share)
        return RuleOutcome(flag, evaluated)


CoverageReference = Literal["absolu", "departement", "france"]


@dataclass(frozen=True)
class CoverageThresholdRule:
    """Rule 2: coverage below an absolute value, or a percentage of the département or
    national rate."""

    reference: CoverageReference = "france"
    value: float = 100.0  # places per 100 children (absolu) or % of the reference rate
    id: str = "seuil"
    label: str = "Seuil de taux de couverture"
    toggle: ClassVar[tuple[str, bool]] = ("zones_r_seuil", True)
    controls: ClassVar[tuple[Control, ...]] = (
        Control(
            "reference",
            "Référence",
            "select",
            "zones_seuil_ref",
            options=tuple(REFERENCE_LABELS),
            option_labels=REFERENCE_LABELS,
        ),
        Control(
            "valeur",
            "Valeur du seuil",
            "number",
            "zones_seuil_val_{reference}",
            default=80.0,
            default_by=("reference", {"absolu": 50.0}),
            minimum=0.0,
            maximum=300.0,
            step=5.0,
            number_format="%.1f",
        ),
    )

    def params(self) -> dict:
        return {"reference": self.reference, "valeur": self.value}

    @classmethod
    def from_params(cls, p: Mapping) -> CoverageThresholdRule:
        return cls(p["reference"], float(p["valeur"]))

    def describe(self, refs: References) -> str:
        if self.reference == "absolu":
            return (
                f"Commune retenue si son taux de couverture (publié ou estimé) est inférieur à "
                f"{fmt_number(self.value, 1, missing=MISSING_TEXT)} places pour 100 enfants de "
                "moins de 3 ans."
            )
        share = fmt_percent(self.value, 0, missing=MISSING_TEXT)
        if self.reference == "departement":
            return (
                f"Commune retenue si son taux de couverture est inférieur à {share} "
                f"du taux de son département ({refs.departement_nature})."
            )
        limit = fmt_number(self.threshold_france(refs), 1, missing=MISSING_TEXT)
        return (
            f"Commune retenue si son taux de couverture est inférieur à {share} du "
            f"taux national, soit {limit} places pour 100 enfants."
        )

    def threshold_france(self, refs: References) -> float | None:
        if refs.national_rate is None:
            return None
        return refs.national_rate * self.value / 100.0

    def evaluate(self, base: pd.DataFrame, refs: References) -> RuleOutcome:
        rate = _num(base["taux"])
        if self.reference == "absolu":
            limit = pd.Series(float(self.value), index=base.index)
        elif self.reference == "departement":
            dep_rate = base["dep"].astype("string").map(dict(refs.departement_rates)).astype(float)
            limit = dep_rate * self.value / 100.0
        else:
            t = self.threshold_france(refs)
            limit = pd.Series(np.nan if t is None else t, index=base.index)
        evaluated = rate.notna() & limit.notna()
        return RuleOutcome(evaluated & (rate < limit), evaluated)


@dataclass(frozen=True)
class NoEajeRule:
    """Rule 3: communes without any EAJE with at least `min_children` children under 3."""

    min_children: float = 20.0
    id: str = "sans_eaje"
    label: str = "Communes sans EAJE"
    toggle: ClassVar[tuple[str, bool]] = ("zones_r_eaje", True)
    controls: ClassVar[tuple[Control, ...]] = (
        Control(
            "enfants_min",
            "Enfants de moins de 3 ans au moins",
            "number",
            "zones_eaje_min",
            default=40,
            minimum=0,
            maximum=10_000,
            step=5,
            integer=True,
        ),
    )

    def params(self) -> dict:
        return {"enfants_min": self.min_children}

    @classmethod
    def from_params(cls, p: Mapping) -> NoEajeRule:
        return cls(float(p["enfants_min"]))

    def describe(self, refs: References) -> str:  # noqa: ARG002 - rule interface
        return (
            "Commune retenue si elle ne compte aucun établissement d'accueil du jeune enfant (EAJE) "
            f"et au moins {fmt_number(self.min_children, 0, missing=MISSING_TEXT)} enfants de "
            "moins de 3 ans ; les communes sont classées par nombre d'enfants concernés."
        )

    def evaluate(self, base: pd.DataFrame, refs: References) -> RuleOutcome:  # noqa: ARG002 - rule interface
        n, kids = _num(base["n_eaje"]), _num(base["enfants_moins_3"])
        evaluated = n.notna() & kids.notna()
        flag = evaluated & (n == 0) & (kids >= self.min_children)
        return RuleOutcome(flag, evaluated, score=kids.where(flag, 0.0))


@dataclass(frozen=True)
class AccessibilityRule:
    """Rule 4: places within reach (2SFCA, column `accessibilite`) below a threshold."""

    threshold: float = 40.0
    radius_km: float = 10.0
    decay: str = "gaussienne"
    id: str = "accessibilite"
    label: str = "Accessibilité (2SFCA)"
    toggle: ClassVar[tuple[str, bool]] = ("zones_r_acc", False)
    #: page context the rule needs (the supply sources): the toggle is disabled without it
    needs: ClassVar[str] = "offres"
    needs_help: ClassVar[str] = "Aucune offre géolocalisable dans l'espace de travail."
    controls: ClassVar[tuple[Control, ...]] = (
        Control(
            "rayon_km",
            "Rayon (km)",
            "slider",
            "zones_acc_radius",
            default=10,
            minimum=2,
            maximum=40,
            integer=True,
            group="portee",
            columns=2,
        ),
        Control(
            "decroissance",
            "Décroissance",
            "select",
            "zones_acc_decay",
            options=DECAYS,
            option_labels=DECAY_LABELS,
            group="portee",
            columns=2,
        ),
        Control(
            "_offre",
            "Offre prise en compte",
            "select",
            "zones_acc_supply",
            options_from="offres",
            caption="Offre : {value_lower}.",
        ),
        Control(
            "seuil",
            "Seuil (places accessibles pour 100 enfants)",
            "number",
            "zones_acc_thr_{offre}",
            default=30.0,
            default_by=("_offre", {SUPPLY_STRUCTURES: 10.0}),
            minimum=0.0,
            maximum=300.0,
            step=5.0,
            number_format="%.1f",
        ),
    )

    def params(self) -> dict:
        return {"seuil": self.threshold, "rayon_km": self.radius_km, "decroissance": self.decay}

    @classmethod
    def from_params(cls, p: Mapping) -> AccessibilityRule:
        return cls(float(p["seuil"]), float(p["rayon_km"]), p["decroissance"])

    def describe(self, refs: References) -> str:  # noqa: ARG002 - rule interface
        return (
            f"Commune retenue si moins de {fmt_number(self.threshold, 0, missing=MISSING_TEXT)} "
            "places pour 100 enfants sont accessibles dans un rayon de "
            f"{fmt_number(self.radius_km, 0, missing=MISSING_TEXT)} km ({DECAY_LABELS[self.decay]}), "
            "selon la méthode 2SFCA de cette application (distances à vol d'oiseau entre points "
            "représentatifs des communes)."
        )

    def evaluate(self, base: pd.DataFrame, refs: References) -> RuleOutcome:  # noqa: ARG002 - rule interface
        if "accessibilite" not in base:
            none = pd.Series(False, index=base.index)
            return RuleOutcome(none, none.copy())
        acc = _num(base["accessibilite"])
        evaluated = acc.notna()
        return RuleOutcome(evaluated & (acc < self.threshold), evaluated)


COMPONENT_LABELS: dict[str, str] = {
    "couverture": "déficit de couverture",
    "accessibilite": "déficit d'accessibilité",
    "sans_eaje": "absence d'EAJE (pondérée par les enfants)",
    "revenus": "bas revenus",
    "monoparentales": "familles monoparentales",
    "rural": "commune rurale",
    "qpv": "quartier prioritaire",
}
NO_EAJE_FULL_WEIGHT = 50.0  # children under 3 from which a commune without EAJE counts fully
DEFAULT_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("couverture", 3.0),
    ("accessibilite", 2.0),
    ("sans_eaje", 1.0),
    ("revenus", 2.0),
    ("monoparentales", 1.0),
    ("rural", 0.0),
    ("qpv", 1.0),
)


def composite_components(base: pd.DataFrame, refs: References) -> pd.DataFrame:
    """Components of the composite score, each in [0, 1] (NaN when data is missing).

    couverture: 1 − rate ÷ national rate (0 at or above it); accessibilite: the same with the
    accessibility; sans_eaje: no EAJE × min(1, children ÷ 50); revenus and monoparentales:
    share ÷ (2 × national share), capped at 1 (0,5 at the national level); rural: density
    level 5–7; qpv: at least one quartier prioritaire.
    """
    out = pd.DataFrame(index=base.index)
    nat = refs.national_rate
    rate = _num(base["taux"])
    out["couverture"] = (1 - rate / nat).clip(0, 1) if nat else np.nan
    if "accessibilite" in base and nat:
        out["accessibilite"] = (1 - _num(base["accessibilite"]) / nat).clip(0, 1)
    else:
        out["accessibilite"] = np.nan
    n, kids = _num(base["n_eaje"]), _num(base["enfants_moins_3"])
    out["sans_eaje"] = ((n == 0).astype(float) * (kids / NO_EAJE_FULL_WEIGHT).clip(0, 1)).where(
        n.notna() & kids.notna()
    )
    inc, mono = refs.income_share, refs.mono_share
    out["revenus"] = (_num(base["part_revenus"]) / (2 * inc)).clip(0, 1) if inc else np.nan
    out["monoparentales"] = (
        (_num(base["part_monoparentales"]) / (2 * mono)).clip(0, 1) if mono else np.nan
    )
    out["rural"] = base["rural"].astype(float)
    out["qpv"] = (_num(base["n_qpv"]) > 0).astype(float)
    return out


def composite_score(
    base: pd.DataFrame, refs: References, weights: Mapping[str, float]
) -> pd.Series:
    """0–100 score: weighted mean of the components available for each commune.

    Weights of missing components are left out of the mean for that commune (the score
    reflects what is known); a commune with no weighted component known gets NaN.
    """
    comps = composite_components(base, refs)
    w = pd.Series({k: float(v) for k, v in weights.items() if k in comps and float(v) > 0})
    if w.empty:
        return pd.Series(np.nan, index=base.index, name="score")
    c = comps[w.index]
    known = c.notna()
    num = (c.fillna(0) * w).sum(axis=1)
    den = (known * w).sum(axis=1)
    return (num / den * 100.0).where(den > 0).rename("score")


@dataclass(frozen=True)
class CompositeRule:
    """Rule 5: composite score (0–100) at or above a threshold."""

    weights: tuple[tuple[str, float], ...] = DEFAULT_WEIGHTS
    threshold: float = 50.0
    id: str = "score"
    label: str = "Score composite"
    toggle: ClassVar[tuple[str, bool]] = ("zones_r_score", False)
    controls: ClassVar[tuple[Control, ...]] = (
        *(
            Control(
                f"poids.{comp}",
                label.capitalize(),
                "number",
                f"zones_w_{comp}",
                default=dict(DEFAULT_WEIGHTS).get(comp, 0.0),
                minimum=0.0,
                maximum=10.0,
                step=0.5,
                number_format="%.1f",
                group="poids",
                columns=2,
            )
            for comp, label in COMPONENT_LABELS.items()
        ),
        Control(
            "seuil",
            "Score minimal (sur 100)",
            "slider",
            "zones_score_thr",
            default=50,
            minimum=0,
            maximum=100,
            integer=True,
        ),
    )

    def params(self) -> dict:
        return {"poids": dict(self.weights), "seuil": self.threshold}

    @classmethod
    def from_params(cls, p: Mapping) -> CompositeRule:
        return cls(tuple((k, float(v)) for k, v in p["poids"].items()), float(p["seuil"]))

    def describe(self, refs: References) -> str:  # noqa: ARG002 - rule interface
        used = [(k, v) for k, v in self.weights if v > 0]
        parts = (
            ", ".join(
                f"{COMPONENT_LABELS[k]} × {fmt_number(v, 1, missing=MISSING_TEXT)}" for k, v in used
            )
            or "aucun critère"
        )
        return (
            "Commune retenue si son score composite atteint "
            f"{fmt_number(self.threshold, 0, missing=MISSING_TEXT)} sur 100, "
            f"moyenne pondérée de : {parts} (chaque critère ramené entre 0 et 1)."
        )

    def evaluate(self, base: pd.DataFrame, refs: References) -> RuleOutcome:
        score = composite_score(base, refs, dict(self.weights))
        evaluated = score.notna()
        return RuleOutcome(evaluated & (score >= self.threshold), evaluated, score=score)


Rule = CnafPriorityRule | CoverageThresholdRule | NoEajeRule | AccessibilityRule | CompositeRule
Combine = Literal["une", "toutes"]

#: The registry of the rules, in the order the page numbers them: adding a rule is one class
#: (parameters, sentence, evaluation, controls) and one entry here.
RULE_TYPES: tuple[type[Rule], ...] = (
    CnafPriorityRule,
    CoverageThresholdRule,
    NoEajeRule,
    AccessibilityRule,
    CompositeRule,
)
RULES: dict[str, type[Rule]] = {cls().id: cls for cls in RULE_TYPES}


def rule_from_controls(rule_id: str, values: Mapping[str, object]) -> Rule:
    """A rule from the values of its controls (keys: `Control.param`; « _… » page settings
    are left out, « poids.x » entries gathered into « poids »)."""
    params: dict[str, object] = {}
    for key, value in values.items():
        if key.startswith("_"):
            continue
        head, _, sub = key.partition(".")
        if sub:
            params.setdefault(head, {})[sub] = value  # type: ignore[index]
        else:
            params[key] = value
    return RULES[rule_id].from_params(params)


@dataclass(frozen=True)
class RulesResult:
    flags: pd.DataFrame  # code_insee + one bool column per rule id + "prioritaire"
    sentences: tuple[str, ...]
    combine_sentence: str
    missing: Mapping[str, int]  # rule id -> communes that could not be evaluated
    score: pd.Series | None  # composite score when that rule is used

    @property
    def flagged_codes(self) -> list[str]:
        return self.flags.loc[self.flags["prioritaire"], "code_insee"].astype(str).tolist()


def apply_rules(
    base: pd.DataFrame, rules: Sequence[Rule], refs: References, combine: Combine = "une"
) -> RulesResult:
    """Evaluate the rules; a commune is flagged when one (« une ») or all (« toutes ») hold."""
    flags = pd.DataFrame({"code_insee": base["code_insee"].to_numpy()}, index=base.index)
    sentences: list[str] = []
    missing: dict[str, int] = {}
    score: pd.Series | None = None
    for rule in rules:
        outcome = rule.evaluate(base, refs)
        flags[rule.id] = outcome.flag.astype(bool).to_numpy()
        missing[rule.id] = int((~outcome.evaluated).sum())
        sentences.append(f"{rule.label} : {rule.describe(refs)}")
        if isinstance(rule, CompositeRule):
            score = outcome.score
    ids = [r.id for r in rules]
    if not ids:
        flags["prioritaire"] = False
    elif combine == "toutes":
        flags["prioritaire"] = flags[ids].all(axis=1)
    else:
        flags["prioritaire"] = flags[ids].any(axis=1)
    if len(ids) <= 1:
        combine_sentence = "Une seule règle est appliquée."
    elif combine == "toutes":
        combine_sentence = "Une commune est prioritaire si elle remplit toutes les règles choisies."
    else:
        combine_sentence = (
            "Une commune est prioritaire si elle remplit au moins une des règles choisies."
        )
    return RulesResult(flags, tuple(sentences), combine_sentence, missing, score)


# --------------------------------------------------------------- rules <-> parameters
def rules_to_params(rules: Sequence[Rule], combine: Combine) -> dict:
    """JSON-ready parameters of a rule set (saved with a zoning)."""
    return {"regles": [{"regle": r.id, **r.params()} for r in rules], "combinaison": combine}


def rules_from_params(params: Mapping) -> tuple[list[Rule], Combine]:
    """Inverse of `rules_to_params`."""
    rules: list[Rule] = []
    for p in params.get("regles", []):
        kind = p["regle"]
        if kind not in RULES:
            raise ValueError(f"Règle inconnue : {kind!r}")
        rules.append(RULES[kind].from_params(p))
    return rules, params.get("combinaison", "une")


# -------------------------------------------------------------------- contiguity
def adjacency_pairs(geoms: np.ndarray | gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of polygons sharing a boundary segment (rook contiguity).

    Polygons touching at a single point are not adjacent. Slight overlaps (generalised
    contours are not a strict coverage) count as adjacency.
    """
    arr = np.asarray(geoms.values if isinstance(geoms, gpd.GeoSeries) else geoms, dtype=object)
    if len(arr) < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    tree = shapely.STRtree(arr)
    i, j = tree.query(arr, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if len(i) == 0:
        return i.astype(np.int64), j.astype(np.int64)
    # DE-9IM matrix, one call: boundaries share a line (B∩B of dimension 1, character 5) or
    # interiors overlap (I∩I of dimension 2, character 1).
    rel = np.asarray(shapely.relate(arr[i], arr[j]), dtype="U9").view("U1").reshape(-1, 9)
    rook = (rel[:, 4] == "1") | (rel[:, 0] == "2")
    return i[rook].astype(np.int64), j[rook].astype(np.int64)


def connected_components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Component label (0..k-1, in order of first appearance) of each of n nodes."""
    parent = np.arange(n)

    def find(a: int) -> int:
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(k) for k in range(n)], dtype=np.int64)
    _, labels = np.unique(roots, return_inverse=True)
    # relabel by first appearance for stability
    order: dict[int, int] = {}
    out = np.empty(n, dtype=np.int64)
    for k, lab in enumerate(labels.tolist()):
        out[k] = order.setdefault(lab, len(order))
    return out


def zone_name(main_commune: str, n_communes: int) -> str:
    """« Zone de X », « Zone de X et 1 commune », « Zone de X et N communes »."""
    others = n_communes - 1
    if others <= 0:
        return f"Zone de {main_commune}"
    return f"Zone de {main_commune} et {others} commune{'s' if others > 1 else ''}"


def zone_members(flagged: gpd.GeoDataFrame) -> pd.DataFrame:
    """Group flagged communes into zones of contiguous communes.

    flagged: code_insee, nom, population, geometry. Returns code_insee, zone_id, zone_nom;
    zones are numbered Z01, Z02… by decreasing population; each is named after its most
    populated commune.
    """
    f = flagged.reset_index(drop=True)
    if f.empty:
        return pd.DataFrame(
            {
                "code_insee": pd.Series(dtype="string"),
                "zone_id": pd.Series(dtype="string"),
                "zone_nom": pd.Series(dtype="string"),
            }
        )
    i, j = adjacency_pairs(f.geometry)
    comp = connected_components(len(f), i, j)
    df = pd.DataFrame(
        {
            "code_insee": f["code_insee"].astype("string"),
            "nom": f["nom"],
            "population": _num(f["population"]).fillna(0),
            "comp": comp,
        }
    )
    tot = df.groupby("comp")["population"].sum()
    size = df.groupby("comp").size()
    main = (
        df.sort_values(["population", "code_insee"], ascending=[False, True])
        .drop_duplicates("comp")
        .set_index("comp")["nom"]
    )
    rank = pd.DataFrame({"pop": tot, "main": main}).sort_values(
        ["pop", "main"], ascending=[False, True]
    )
    width = max(2, len(str(len(rank))))
    ids = {c: f"Z{k + 1:0{width}d}" for k, c in enumerate(rank.index)}
    df["zone_id"] = df["comp"].map(ids).astype("string")
    df["zone_nom"] = (
        df["comp"].map(lambda c: zone_name(str(main[c]), int(size[c]))).astype("string")
    )
    return (
        df[["code_insee", "zone_id", "zone_nom"]]
        .sort_values(["zone_id", "code_insee"])
        .reset_index(drop=True)
    )


def flagged_zone_members(
    base: pd.DataFrame, flags: pd.DataFrame, geometries: gpd.GeoDataFrame
) -> pd.DataFrame:
    """`zone_members` of the communes flagged « prioritaire » (flags aligned on base)."""
    keep = flags["prioritaire"].to_numpy(dtype=bool)
    flagged = base.loc[keep, ["code_insee", "nom", "population"]].copy()
    flagged["code_insee"] = flagged["code_insee"].astype("string")
    geo = geometries[["code_insee", "geometry"]].copy()
    geo["code_insee"] = geo["code_insee"].astype("string")
    gdf = gpd.GeoDataFrame(
        flagged.merge(geo, on="code_insee"), geometry="geometry", crs=geometries.crs
    )
    return zone_members(gdf)


def dissolve_zones(geometries: gpd.GeoDataFrame, members: pd.DataFrame) -> gpd.GeoDataFrame:
    """One polygon per zone: union of its communes' polygons (code_insee, geometry input)."""
    g = geometries[["code_insee", "geometry"]].copy()
    g["code_insee"] = g["code_insee"].astype("string")
    m = members.merge(g, on="code_insee", how="inner")
    rows: list[tuple[str, str, object]] = []
    for (zid, znom), grp in m.groupby(["zone_id", "zone_nom"], sort=True):
        geoms = np.asarray(grp["geometry"].to_numpy(), dtype=object)
        geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        rows.append((str(zid), str(znom), geom))
    crs = geometries.crs if isinstance(geometries, gpd.GeoDataFrame) else None
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["zone_id", "zone_nom", "geometry"]),
        geometry="geometry",
        crs=crs,
    )


# ------------------------------------------------------------------------ tables
def places_needed(children: float, places: float, target_rate: float) -> float:
    """Places to create so that places ÷ children × 100 reaches the target (never negative)."""
    if children is None or places is None or math.isnan(children) or math.isnan(places):
        return math.nan
    return float(max(0.0, math.ceil(target_rate * children / 100.0 - places - 1e-9)))


def zone_table(
    base: pd.DataFrame,
    members: pd.DataFrame,
    target_rate: float,
    holders: pd.Series | None = None,
    by_ao: bool = True,
) -> pd.DataFrame:
    """Zones listed per AO (holder of the planning competence).

    holders: code_insee -> French label of the AO holding planning (commune or EPCI);
    defaults to the commune itself. by_ao=False gives one row per zone (ao lists the AO).
    Children and places are summed over the communes whose
    places are known; the rate is Σ places ÷ Σ children × 100 on those communes, and
    `communes_sans_places` counts the others.
    """
    m = members.merge(base, on="code_insee", how="left")
    if holders is None:
        m["ao"] = m["nom"].astype("string") + " (commune)"
    else:
        h = holders.copy()
        h.index = h.index.astype("string")
        m["ao"] = m["code_insee"].map(h).fillna(m["nom"].astype("string") + " (commune)")
    if not by_ao:
        m["ao"] = m.groupby("zone_id")["ao"].transform(lambda s: " | ".join(sorted(set(s))))
    known = m["places"].notna() & m["enfants_moins_3"].notna()
    m["enf_k"] = m["enfants_moins_3"].where(known)
    m["pl_k"] = m["places"].where(known)
    m["has_enf"] = m["enfants_moins_3"].notna().astype(int)
    m["has_k"] = known.astype(int)
    m["no_places"] = (~known).astype(int)
    m["no_eaje"] = (m["n_eaje"] == 0).fillna(False).astype(int)
    g = (
        m.groupby(["zone_id", "zone_nom", "ao"], sort=True)
        .agg(
            communes=("code_insee", "size"),
            population=("population", "sum"),
            enfants_moins_3=("enfants_moins_3", "sum"),
            has_enf=("has_enf", "sum"),
            enfants_avec_places=("enf_k", "sum"),
            places=("pl_k", "sum"),
            has_k=("has_k", "sum"),
            communes_sans_places=("no_places", "sum"),
            sans_eaje=("no_eaje", "sum"),
        )
        .reset_index()
    )
    g["enfants_moins_3"] = g["enfants_moins_3"].where(g["has_enf"] > 0)
    g["enfants_avec_places"] = g["enfants_avec_places"].where(g["has_k"] > 0)
    g["places"] = g["places"].where(g["has_k"] > 0)
    g["taux"] = (g["places"] / g["enfants_avec_places"] * 100.0).where(g["enfants_avec_places"] > 0)
    g["places_a_creer"] = [
        places_needed(float(e), float(p), target_rate) if pd.notna(e) and pd.notna(p) else math.nan
        for e, p in zip(g["enfants_avec_places"], g["places"], strict=True)
    ]
    return g[
        [
            "zone_id",
            "zone_nom",
            "ao",
            "communes",
            "population",
            "enfants_moins_3",
            "places",
            "taux",
            "places_a_creer",
            "communes_sans_places",
            "sans_eaje",
        ]
    ]


# ------------------------------------------------------------------ saved zonings
@dataclass(frozen=True)
class SavedZone:
    id: str
    nom: str
    communes: tuple[str, ...]


@dataclass(frozen=True)
class SavedZoning:
    """A zoning saved in the workspace (document kind « zonage »), read once, typed.

    The JSON document (`to_document`) is what `Workspace.save_document` stores: nom,
    territoire, date (ISO), parametres (`rules_to_params`), taux_cible, communes, zones.
    """

    nom: str
    territoire: str
    date: str  # ISO 8601, « 2026-11-26T12:00:00+00:00 »
    parametres: Mapping[str, object]
    taux_cible: float | None
    communes: tuple[str, ...]
    zones: tuple[SavedZone, ...]

    @classmethod
    def from_document(cls, name: str, doc: object) -> SavedZoning | None:
        """The zoning of a stored document (None when the document is not a zoning)."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("zones"), list):
            return None
        zones_ = tuple(
            SavedZone(
                str(z.get("id", "")),
                str(z.get("nom", z.get("id", ""))),
                tuple(str(c) for c in z.get("communes", [])),
            )
            for z in doc["zones"]
            if isinstance(z, Mapping)
        )
        target = doc.get("taux_cible")
        params = doc.get("parametres")
        return cls(
            nom=str(doc.get("nom") or name),
            territoire=str(doc.get("territoire", "")),
            date=str(doc.get("date", "")),
            parametres=params if isinstance(params, Mapping) else {},
            taux_cible=None if target is None else float(target),
            communes=tuple(str(c) for c in doc.get("communes", [])),
            zones=zones_,
        )

    def to_document(self) -> dict:
        return {
            "nom": self.nom,
            "territoire": self.territoire,
            "date": self.date,
            "parametres": json.loads(json.dumps(dict(self.parametres))),
            "taux_cible": self.taux_cible,
            "communes": list(self.communes),
            "zones": [{"id": z.id, "nom": z.nom, "communes": list(z.communes)} for z in self.zones],
        }

    def rules(self) -> tuple[list[Rule], Combine]:
        """The rules and combination the zoning was made with (`rules_from_params`)."""
        return rules_from_params(self.parametres)

    def members(self) -> pd.DataFrame:
        """code_insee, zone_id, zone_nom of the zoning's communes."""
        rows = [(c, z.id, z.nom) for z in self.zones for c in z.communes]
        return pd.DataFrame(rows, columns=["code_insee", "zone_id", "zone_nom"]).astype("string")


def zoning_payload(
    name: str,
    territory_key: str,
    params: Mapping,
    members: pd.DataFrame,
    target_rate: float,
    when: datetime | None = None,
) -> dict:
    """JSON document of a zoning (Workspace.save_document(kind='zonage', name, payload))."""
    when = when or datetime.now(UTC)
    zones_: dict[str, SavedZone] = {}
    for r in members.itertuples(index=False):
        z = zones_.setdefault(str(r.zone_id), SavedZone(str(r.zone_id), str(r.zone_nom), ()))
        zones_[z.id] = SavedZone(z.id, z.nom, (*z.communes, str(r.code_insee)))
    return SavedZoning(
        nom=name,
        territoire=territory_key,
        date=when.isoformat(timespec="seconds"),
        parametres=params,
        taux_cible=float(target_rate),
        communes=tuple(sorted(members["code_insee"].astype(str).tolist())),
        zones=tuple(zones_.values()),
    ).to_document()


def saved_zonings(
    documents: Mapping[str, object], territory_key: str | None = None
) -> list[SavedZoning]:
    """Saved zonings (Workspace.documents('zonage')), newest first.

    territory_key: keep only the zonings saved for that territory (e.g. 'epci:200065886');
    a zoning saved for a larger territory can still be filtered by commune with its
    `members`. Documents that are not zonings are skipped.
    """
    out = [
        z
        for name, doc in documents.items()
        if (z := SavedZoning.from_document(name, doc)) is not None
        and (territory_key is None or z.territoire == territory_key)
    ]
    return sorted(out, key=lambda z: (z.date, z.nom), reverse=True)


def zoning_members(zoning: SavedZoning | Mapping) -> pd.DataFrame:
    """code_insee, zone_id, zone_nom of a saved zoning (typed, or its JSON document)."""
    if not isinstance(zoning, SavedZoning):
        typed = SavedZoning.from_document(str(zoning.get("nom", "")), zoning)
        if typed is None:
            return pd.DataFrame(columns=["code_insee", "zone_id", "zone_nom"], dtype="string")
        zoning = typed
    return zoning.members()


def zones_from_payload(
    payload: SavedZoning | Mapping, geometries: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Polygons of a saved zoning (re-dissolved from the communes' polygons)."""
    return dissolve_zones(geometries, zoning_members(payload))


def zones_geojson(
    zones: gpd.GeoDataFrame, table: pd.DataFrame | None = None, source: str | None = None
) -> str:
    """GeoJSON FeatureCollection (WGS84) of the zones, with their table figures as properties
    and, when given, a top-level « source » member (credits, demo label)."""
    z = zones.to_crs("EPSG:4326") if zones.crs is not None else zones
    if table is not None and not table.empty:
        agg = (
            table.groupby("zone_id")
            .agg(
                communes=("communes", "sum"),
                enfants_moins_3=("enfants_moins_3", "sum"),
                places=("places", "sum"),
                places_a_creer=("places_a_creer", "sum"),
                ao=("ao", lambda s: " | ".join(sorted(set(map(str, s))))),
            )
            .reset_index()
        )
        z = z.merge(agg, on="zone_id", how="left")
    text = z.to_json(drop_id=True, ensure_ascii=False)
    if source:
        doc = json.loads(text)
        doc = {"type": doc["type"], "source": source, "features": doc["features"]}
        text = json.dumps(doc, ensure_ascii=False)
    return text


def _flag_share(base: pd.DataFrame, flags: pd.DataFrame) -> float:
    """Share (%) of children under 3 living in flagged communes."""
    kids = _num(base["enfants_moins_3"]).fillna(0)
    tot = kids.sum()
    return float(kids[flags["prioritaire"].to_numpy()].sum() / tot * 100.0) if tot else math.nan


INDICATORS = (
    Indicator(
        "zones_communes_sans_eaje",
        "Communes sans EAJE",
        "communes",
        ("insee_bpe_2021", "dataset:structures", "dataset:enfants"),
        NoEajeRule().evaluate,
        "Communes sans aucun établissement d'accueil du jeune enfant, classées par nombre "
        "d'enfants de moins de 3 ans.",
    ),
    Indicator(
        "zones_accessibilite_2sfca",
        "Places accessibles pour 100 enfants (2SFCA)",
        "places pour 100 enfants",
        ("dataset:structures", "cnaf_nbpla_com", "dataset:enfants", "ign_admin_express_2025"),
        two_step_fca,
        "Méthode de cette application : places situées à moins d'un rayon choisi, partagées entre "
        "les enfants de moins de 3 ans des communes qui les entourent, avec une décroissance "
        "selon la distance (deux étapes des aires de chalandise flottantes).",
        estimated=True,
    ),
    Indicator(
        "zones_score_composite",
        "Score composite de priorité",
        "score sur 100",
        ("cnaf_txcouv_com", "cnaf_nbpla_com", "insee_caf_iris", "dataset:enfants"),
        composite_score,
        "Moyenne pondérée, choisie par l'utilisateur, de critères ramenés entre 0 et 1 "
        "(déficit de couverture et d'accessibilité, absence d'EAJE, revenus, familles "
        "monoparentales, ruralité, quartiers prioritaires).",
        estimated=True,
    ),
    Indicator(
        "zones_part_enfants_prioritaires",
        "Part des enfants vivant en zone prioritaire",
        "%",
        ("dataset:enfants", "cnaf_txcouv_com"),
        _flag_share,
        "Enfants de moins de 3 ans des communes retenues par les règles choisies, rapportés à "
        "ceux du territoire.",
        estimated=True,
    ),
)
