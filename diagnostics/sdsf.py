"""The SDSF workbench (schéma départemental des services aux familles, circular §1.1.2).

Pure computations, shared by the page, the PDF, the XLSX and the batch:

- the **8 indicators of the arrêté du 4 juillet 2024** (:data:`INDICATORS`), those the
  workspace can compute (:func:`computed_indicators`) and the trajectory of each one from its
  baseline to its target at the schéma's horizon, linear or through milestones
  (:func:`indicator_trajectory`), the gap of the realised values and a status;
- the **SDSF calendar** (:func:`sdsf_calendar`): Cnaf diagnostic indicators before 31 March,
  indicators to the Cnaf before 1 July, annual synthèse to the minister by 1 February,
  rapport d'évaluation three months before the end, relative to a reference date;
- **assistant maternel departures** from the DREES series of valid agréments
  (:func:`am_trend`);
- **EAJE projects** entering the trajectory in their expected opening year
  (:func:`projects_by_year`);
- **places to develop per AO competence territory** (commune or EPCI holding the planning
  competence) for a whole département at once, with per-territory trajectories
  (:func:`territory_base`, :func:`places_to_develop`, :func:`territory_trajectories`).

Never imports streamlit, never mutates its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from diagnostics.formatting import fmt_number, fmt_percent

# ---------------------------------------------------------------------------- indicators
IND_PSU = "places_eaje_psu"
IND_PARENTALITE = "lieux_parentalite"
IND_ETP_RPE = "etp_rpe"
IND_VILLES_RPE = "part_villes_rpe"
IND_PASSERELLES = "dispositifs_passerelles"
IND_AVIP = "creches_avip"
IND_CONTROLES_CONJOINTS = "controles_conjoints"
IND_VISITES_CD = "visites_controle_cd"

COMPUTED = "calculé"
IMPORTED = "importé"


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # the arrêté's wording, French
    unit: str
    mandatory: bool
    computed_from: str  # French: how the workspace computes it, or "" (import only)
    note: str = ""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        IND_PSU,
        "Nombre de places offertes en EAJE PSU",
        "places",
        True,
        "places EAJE PSU du département (Cnaf, places au 31 décembre) ; à défaut, somme des "
        "places des EAJE financés par la PSU de la liste des structures",
    ),
    Indicator(
        IND_PARENTALITE,
        "Nombre de lieux ressources à la parentalité",
        "lieux",
        True,
        "",
        "La liste des structures ne distingue pas les lieux ressources (« espaces parents ») : "
        "valeurs à importer.",
    ),
    Indicator(
        IND_ETP_RPE,
        "Nombre d'ETP financés par la Caf dans les RPE",
        "ETP",
        True,
        "",
        "La liste des structures ne porte pas les ETP des RPE : valeurs à importer.",
    ),
    Indicator(
        IND_VILLES_RPE,
        "Part des villes de plus de 10 000 habitants avec un RPE implanté sur la commune",
        "%",
        True,
        "communes de plus de 10 000 habitants (population municipale) du département ayant au "
        "moins un RPE implanté sur leur territoire, d'après la liste des structures",
    ),
    Indicator(
        IND_PASSERELLES,
        "Nombre de dispositifs passerelles",
        "dispositifs",
        True,
        "",
        "Aucune source de l'espace de travail ne les recense : valeurs à importer.",
    ),
    Indicator(
        IND_AVIP,
        "Nombre de crèches PSU labellisées « à vocation d'insertion professionnelle » (AVIP)",
        "crèches",
        True,
        "EAJE financés par la PSU et labellisés AVIP de la liste des structures",
    ),
    Indicator(
        IND_CONTROLES_CONJOINTS,
        "Nombre de contrôles d'EAJE conjoints Caf / CD (lorsqu'ils existent)",
        "contrôles",
        False,
        "",
        "Indicateur facultatif : la circulaire compte « 8 indicateurs, dont 7 obligatoires » "
        "et seul celui-ci porte la réserve « lorsqu'ils existent » (tous les départements "
        "n'organisent pas de contrôles conjoints). Valeurs à importer.",
    ),
    Indicator(
        IND_VISITES_CD,
        "Nombre de visites de contrôle dans des EAJE réalisées par le CD (tous EAJE confondus)",
        "visites",
        True,
        "",
        "Visites du conseil départemental (PMI) : valeurs à importer.",
    ),
)
INDICATOR_IDS = tuple(i.id for i in INDICATORS)
BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}

#: The kinds of value an SDSF indicator file holds (column « type_valeur »).
VALUE_TYPES = ("reference", "cible", "jalon", "realise")
VALUE_TYPE_LABELS = {
    "reference": "valeur de référence (année de base)",
    "cible": "cible à l'horizon du schéma",
    "jalon": "jalon de la trajectoire",
    "realise": "valeur réalisée",
}

SEUIL_VILLES = 10_000  # « villes de plus de 10 000 habitants », read strictly


@dataclass(frozen=True)
class ComputedValue:
    indicator: str
    year: int
    value: float
    source: str  # French: what it was computed from
    synthetic: bool = False


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _truthy(s: pd.Series) -> pd.Series:
    return s.map(lambda v: bool(v) if isinstance(v, (bool, np.bool_)) else False).astype(bool) | (
        s.astype("string").str.lower().isin(["true", "1", "oui"]).fillna(False).astype(bool)
    )


def psu_places_by_year(places: pd.DataFrame | None, dep: str) -> dict[int, float]:
    """PSU places of the département by year from the Cnaf places (niveau « departement »)."""
    if places is None or places.empty or "pl_eaje_psu" not in places:
        return {}
    rows = places[
        (places["niveau"].astype("string") == "departement")
        & (places["code"].astype("string") == str(dep))
    ]
    vals = _num(rows["pl_eaje_psu"])
    out: dict[int, float] = {}
    for y, v in zip(_num(rows["annee"]), vals, strict=True):
        if pd.notna(y) and pd.notna(v):
            out[int(y)] = float(v)
    return dict(sorted(out.items()))


def structures_of(structures: pd.DataFrame | None, codes: Iterable[str]) -> pd.DataFrame:
    if structures is None or structures.empty:
        return pd.DataFrame(columns=["type_structure", "code_insee", "places", "psu", "avip"])
    wanted = {str(c) for c in codes}
    return structures[structures["code_insee"].astype("string").isin(wanted)]


def psu_places_from_structures(structures: pd.DataFrame) -> float | None:
    """Σ places of the EAJE financed by the PSU (None when the list has no EAJE)."""
    eaje = structures[structures["type_structure"].astype("string") == "EAJE"]
    if eaje.empty or "psu" not in eaje:
        return None
    return float(_num(eaje.loc[_truthy(eaje["psu"]), "places"]).fillna(0).sum())


def avip_creches(structures: pd.DataFrame) -> int | None:
    """EAJE financed by the PSU and labelled AVIP (None when the list has no EAJE)."""
    eaje = structures[structures["type_structure"].astype("string") == "EAJE"]
    if eaje.empty or "avip" not in eaje:
        return None
    return int((_truthy(eaje["psu"]) & _truthy(eaje["avip"])).sum())


def towns_with_rpe(
    communes: pd.DataFrame, structures: pd.DataFrame, threshold: int = SEUIL_VILLES
) -> tuple[float | None, int, int]:
    """(share in %, towns with an RPE, towns) among the communes of more than `threshold`
    inhabitants (`communes`: code_insee, population). None when there is no such town."""
    pop = _num(communes["population"])
    towns = set(communes.loc[pop > threshold, "code_insee"].astype(str))
    if not towns:
        return None, 0, 0
    rpe = structures[structures["type_structure"].astype("string") == "RPE"]
    with_rpe = towns & set(rpe["code_insee"].astype(str))
    return len(with_rpe) / len(towns) * 100.0, len(with_rpe), len(towns)


def computed_indicators(
    dep: str,
    communes: pd.DataFrame,
    structures: pd.DataFrame | None,
    places: pd.DataFrame | None,
    year: int,
    *,
    structures_synthetic: bool = False,
    places_synthetic: bool = False,
    places_credit: str = "Cnaf",
    structures_credit: str = "liste des structures",
) -> list[ComputedValue]:
    """The indicators the workspace can compute for département `dep` (communes of the
    département: code_insee, population). The structures list has no date: its values are
    read as the situation of `year`."""
    out: list[ComputedValue] = []
    st = structures_of(structures, communes["code_insee"])
    by_year = psu_places_by_year(places, dep)
    if by_year:
        out += [
            ComputedValue(IND_PSU, y, v, f"{places_credit} (places EAJE PSU)", places_synthetic)
            for y, v in by_year.items()
        ]
    else:
        v = psu_places_from_structures(st)
        if v is not None:
            out.append(ComputedValue(IND_PSU, year, v, structures_credit, structures_synthetic))
    share, n_with, n = towns_with_rpe(communes, st)
    if share is not None and not st.empty:
        out.append(
            ComputedValue(
                IND_VILLES_RPE,
                year,
                share,
                f"{structures_credit} : {n_with} ville(s) sur {n} de plus de 10 000 habitants",
                structures_synthetic,
            )
        )
    avip = avip_creches(st)
    if avip is not None:
        out.append(
            ComputedValue(IND_AVIP, year, float(avip), structures_credit, structures_synthetic)
        )
    return out


# ---------------------------------------------------------------------------- trajectory
ST_ATTEINTE = "Cible atteinte"
ST_CONFORME = "Conforme à la trajectoire"
ST_RETARD = "En retard sur la trajectoire"
ST_SANS_CIBLE = "Cible à fixer"
ST_SANS_REALISE = "Aucune valeur réalisée"
ST_SANS_REFERENCE = "Valeur de référence à fixer"


class SdsfError(ValueError):
    """An inconsistent set of values for one indicator (French message)."""


@dataclass(frozen=True)
class IndicatorTrajectory:
    indicator: str
    baseline_year: int | None
    baseline: float | None
    target_year: int | None
    target: float | None
    milestones: tuple[tuple[int, float], ...]
    table: pd.DataFrame  # annee, trajectoire, realise, ecart, source_realise
    status: str
    last_year: int | None = None  # latest realised year
    last_gap: float | None = None
    method: str = ""  # « linéaire » or « jalons »


def expected_values(
    baseline_year: int,
    baseline: float,
    target_year: int,
    target: float,
    milestones: Mapping[int, float] | None = None,
) -> dict[int, float]:
    """Year -> value of the trajectory from the baseline to the target: linear, or piecewise
    linear through the user's milestones (years strictly between baseline and target)."""
    if target_year <= baseline_year:
        raise SdsfError(
            f"L'année de la cible ({target_year}) doit être postérieure à l'année de "
            f"référence ({baseline_year})."
        )
    points = {baseline_year: float(baseline), target_year: float(target)}
    for y, v in (milestones or {}).items():
        if not baseline_year < int(y) < target_year:
            raise SdsfError(
                f"Le jalon {y} doit être compris entre l'année de référence ({baseline_year}) "
                f"et celle de la cible ({target_year})."
            )
        points[int(y)] = float(v)
    xs = sorted(points)
    years = np.arange(baseline_year, target_year + 1)
    values = np.interp(years, xs, [points[x] for x in xs])
    return {int(y): float(v) for y, v in zip(years, values, strict=True)}


def status_of(
    baseline: float, target: float, expected: float, realised: float, tolerance: float = 1e-9
) -> str:
    """Status of a realised value against the trajectory; the direction is that of the target
    (a target below the baseline means « lower is better »)."""
    up = target >= baseline
    if (realised >= target - tolerance) if up else (realised <= target + tolerance):
        return ST_ATTEINTE
    if (realised >= expected - tolerance) if up else (realised <= expected + tolerance):
        return ST_CONFORME
    return ST_RETARD


def indicator_trajectory(
    indicator: str,
    values: pd.DataFrame,
    computed: Sequence[ComputedValue] = (),
) -> IndicatorTrajectory:
    """The trajectory of one indicator from its values (rows of the SDSF indicator dataset
    for one département and this indicator: annee, type_valeur, valeur) and the values the
    workspace computes (used for the realised years the file does not give, and for the
    baseline when the file has none)."""
    v = values[values["indicateur"].astype("string") == indicator] if not values.empty else values

    def of(kind: str) -> dict[int, float]:
        if v.empty:
            return {}
        rows = v[v["type_valeur"].astype("string") == kind]
        return {
            int(y): float(x)
            for y, x in zip(_num(rows["annee"]), _num(rows["valeur"]), strict=True)
            if pd.notna(y) and pd.notna(x)
        }

    refs, targets, milestones, realised = of("reference"), of("cible"), of("jalon"), of("realise")
    sources = {y: "fichier importé" for y in realised}
    for c in computed:
        if c.indicator == indicator and c.year not in realised:
            realised[c.year] = c.value
            sources[c.year] = f"calculé : {c.source}"
    base_year, base = (max(refs), refs[max(refs)]) if refs else (None, None)
    if base_year is None and realised and targets:
        # no baseline in the file: the first realised value before the target year
        before = [y for y in realised if y < max(targets)]
        if before:
            base_year = min(before)
            base = realised[base_year]
    target_year, target = (max(targets), targets[max(targets)]) if targets else (None, None)
    expected: dict[int, float] = {}
    method = ""
    if (
        base_year is not None
        and target_year is not None
        and base is not None
        and target is not None
    ):
        expected = expected_values(base_year, base, target_year, target, milestones)
        method = "jalons" if milestones else "linéaire"
    years = sorted(set(expected) | set(realised))
    table = pd.DataFrame(
        {
            "annee": years,
            "trajectoire": [expected.get(y, math.nan) for y in years],
            "realise": [realised.get(y, math.nan) for y in years],
            "source_realise": [sources.get(y, "") for y in years],
        }
    )
    table["ecart"] = table["realise"] - table["trajectoire"]
    status = ST_SANS_CIBLE if target is None else ST_SANS_REFERENCE
    last_year = last_gap = None
    if base is not None and target is not None:
        on_path = table.dropna(subset=["realise", "trajectoire"])
        on_path = on_path[on_path["annee"] > base_year] if len(on_path) > 1 else on_path
        if on_path.empty:
            status = ST_SANS_REALISE
        else:
            last = on_path.iloc[-1]
            last_year, last_gap = int(last["annee"]), float(last["ecart"])
            status = status_of(base, target, float(last["trajectoire"]), float(last["realise"]))
    elif target is None and realised:
        last_year = max(realised)
    return IndicatorTrajectory(
        indicator,
        base_year,
        base,
        target_year,
        target,
        tuple(sorted(milestones.items())),
        table,
        status,
        last_year,
        last_gap,
        method,
    )


# ------------------------------------------------------------------------------ calendar
@dataclass(frozen=True)
class Deadline:
    due: date
    label: str
    who: str
    text_basis: str  # the text the deadline comes from


CAL_PASSED = "Échéance passée"
CAL_SOON = "À venir (moins de 3 mois)"
CAL_LATER = "À venir"
SOON_DAYS = 92


def sdsf_calendar(start: date, end: date, reference: date) -> pd.DataFrame:
    """What is due when over the schéma's period, relative to `reference`.

    Columns: echeance (date), evenement, acteur, texte, statut, jours (days from the
    reference date; negative when passed). Rules (circular §1.1.2): diagnostic indicators
    made available by the Cnaf before 31 March of each year; indicators sent to the Cnaf
    before 1 July of each year; annual synthèse of the CDSF to the minister by 1 February of
    the following year; rapport d'évaluation at the latest three months before the end."""
    if end <= start:
        raise SdsfError(
            f"La fin du schéma ({end:%d/%m/%Y}) doit être postérieure à son début ({start:%d/%m/%Y})."
        )
    items: list[Deadline] = [
        Deadline(start, "Début du schéma", "CDSF", "période du schéma"),
        Deadline(end, "Fin du schéma", "CDSF", "période du schéma"),
        Deadline(
            _minus_months(end, 3),
            "Rapport d'évaluation de la mise en œuvre du schéma adopté par le comité",
            "CDSF (transmis au ministre, au HCFEA et à la Cnaf)",
            "CASF, art. D. 214-2-1 : au plus tard trois mois avant l'échéance du SDSF",
        ),
    ]
    for y in range(start.year, end.year + 1):
        if date(y, 3, 31) >= start and date(y, 3, 31) <= end:
            items.append(
                Deadline(
                    date(y, 3, 31),
                    f"Indicateurs de diagnostic {y} mis à disposition du CDSF par la Cnaf",
                    "Cnaf",
                    "arrêté du 4 juillet 2024 : avant le 31 mars de chaque année",
                )
            )
        if date(y, 6, 30) >= start and date(y, 6, 30) <= end:
            items.append(
                Deadline(
                    date(y, 6, 30),
                    f"Indicateurs prévisionnels et de suivi {y} transmis à la Cnaf",
                    "Caf (secrétaire générale du CDSF)",
                    "circulaire §1.1.2 : avant le 1er juillet de chaque année",
                )
            )
        items.append(
            Deadline(
                date(y + 1, 2, 1),
                f"Synthèse annuelle {y} des travaux du CDSF adressée au ministre chargé de la famille",
                "Président du CDSF (copie à la Cnaf)",
                "CASF, art. D. 214-2-1 : au plus tard le 1er février",
            )
        )
    rows = []
    for d in sorted(items, key=lambda x: (x.due, x.label)):
        days = (d.due - reference).days
        statut = CAL_PASSED if days < 0 else (CAL_SOON if days <= SOON_DAYS else CAL_LATER)
        rows.append(
            {
                "echeance": d.due,
                "evenement": d.label,
                "acteur": d.who,
                "texte": d.text_basis,
                "statut": statut,
                "jours": days,
            }
        )
    return pd.DataFrame(rows)


def _minus_months(d: date, months: int) -> date:
    m = d.month - months
    y = d.year + (m - 1) // 12
    m = (m - 1) % 12 + 1
    day = d.day
    while True:
        try:
            return date(y, m, day)
        except ValueError:
            day -= 1


def default_period(
    baseline_year: int | None, target_year: int | None, reference: date
) -> tuple[date, date]:
    """Default schéma period: from 1 January after the baseline year to 31 December of the
    target year; else a five-year schéma starting on 1 January of the reference year."""
    if baseline_year and target_year and target_year > baseline_year:
        return date(baseline_year + 1, 1, 1), date(target_year, 12, 31)
    return date(reference.year, 1, 1), date(reference.year + 4, 12, 31)


# ---------------------------------------------------------------------- AM departures
@dataclass(frozen=True)
class AmTrend:
    first_year: int
    last_year: int
    first: float
    last: float
    yearly_change: float  # net yearly change of valid agréments (negative: decline)
    departures: float  # share lost per year net of the current replacement (≥ 0)
    text: str


AM_TABLE = "Tableau 33"


def am_series(drees: pd.DataFrame | None, dep: str) -> pd.Series:
    """Valid agréments of assistants maternels by year (DREES tableau 33) of `dep`."""
    if drees is None or drees.empty:
        return pd.Series(dtype=float)
    rows = drees[
        (drees["tableau"].astype("string") == AM_TABLE)
        & (drees["code_departement"].astype("string") == str(dep))
    ]
    s = pd.Series(_num(rows["valeur"]).to_numpy(), index=_num(rows["annee"]).astype(int).to_numpy())
    return s.dropna().sort_index()


def am_trend(series: pd.Series, window: int = 5) -> AmTrend | None:
    """Net yearly change of the agréments over the last `window` years of the series
    (year -> count): (last ÷ first)^(1 ÷ years) − 1. The departures rate of the scenarios is
    its decline (0 when the stock grows): places of assistants maternels lost each year that
    the current flow of new agréments does not replace. None with fewer than two years."""
    s = series.dropna()
    s = s[s > 0]
    if len(s) < 2:
        return None
    last_year = int(s.index.max())
    first_year = max(int(s.index.min()), last_year - window)
    first, last = float(s.loc[first_year]), float(s.loc[last_year])
    change = (last / first) ** (1.0 / (last_year - first_year)) - 1.0
    departures = max(0.0, -change)
    text = (
        f"Agréments d'assistants maternels en cours de validité : {fmt_number(first)} en "
        f"{first_year}, {fmt_number(last)} en {last_year}, soit "
        f"{fmt_percent(change * 100, 1)} par an ; départs nets retenus : "
        f"{fmt_percent(departures * 100, 1)} des places d'assistants maternels par an."
    )
    return AmTrend(first_year, last_year, first, last, change, departures, text)


# ---------------------------------------------------------------------------- projects
PROJECT_STATUSES = ("en projet", "autorisé", "en travaux", "ouvert", "abandonné")
PROJECT_COUNTED = frozenset({"en projet", "autorisé", "en travaux", "ouvert"})


def projects_by_year(projects: pd.DataFrame | None, base_year: int, horizon: int) -> pd.DataFrame:
    """Places of the EAJE projects entering the trajectory in their expected opening year:
    one row per (code_insee, annee) with places and places_psu, for years in
    (base_year, horizon]. Abandoned projects and projects opened by the base year (already
    in the places counted) are left out."""
    cols = ["code_insee", "annee", "places", "places_psu"]
    if projects is None or projects.empty:
        return pd.DataFrame(columns=cols)
    p = projects[projects["statut"].astype("string").isin(PROJECT_COUNTED)]
    year = _num(p["annee_ouverture"])
    p = p[(year > base_year) & (year <= horizon)]
    if p.empty:
        return pd.DataFrame(columns=cols)
    places = _num(p["places"]).fillna(0)
    out = pd.DataFrame(
        {
            "code_insee": p["code_insee"].astype(str).to_numpy(),
            "annee": _num(p["annee_ouverture"]).astype(int).to_numpy(),
            "places": places.to_numpy(dtype=float),
            "places_psu": places.where(_truthy(p["psu"]), 0.0).to_numpy(dtype=float),
        }
    )
    return out.groupby(["code_insee", "annee"], as_index=False)[["places", "places_psu"]].sum()


# ------------------------------------------------------------- places per AO territory
@dataclass(frozen=True)
class Scenario:
    """One scenario of the territory trajectories. births_trend None = the trend observed in
    each territory (real births series)."""

    name: str
    births_trend: float | None = None
    am_departures: float = 0.05
    replacement: float = 0.0


@dataclass(frozen=True)
class Targets:
    global_rate: float  # places for 100 children under 3 (all modes)
    psu_rate: float  # EAJE PSU places for 100 children under 3
    horizon: int
    label: str = ""  # French: « taux national 2022 (60,3) », « valeur choisie »…


def territory_base(
    holders: pd.DataFrame,
    communes: pd.DataFrame,
    dep_rates: Mapping[str, float],
) -> pd.DataFrame:
    """One row per commune with its planning territory and starting point.

    holders: `diagnostics.ao.competence_holders` rows (code_insee, ao_planif_type,
    ao_planif_code, ao_planif_nom, ao_planif_population). communes: code_insee, enfants
    (children under 3), places (all modes), places_psu, places_assmat, trend (observed
    yearly births trend, may be NaN). dep_rates: published département rates « global »,
    « psu », « assmat » used to estimate the places of communes without Cnaf places
    (flag `places_estimees`).
    """
    h = holders[
        ["code_insee", "ao_planif_type", "ao_planif_code", "ao_planif_nom", "ao_planif_population"]
    ].copy()
    h["code_insee"] = h["code_insee"].astype(str)
    c = communes.copy()
    c["code_insee"] = c["code_insee"].astype(str)
    b = h.merge(c, on="code_insee", how="inner")
    kids = _num(b["enfants"]).fillna(0.0)
    places = _num(b["places"])
    est = places.isna()
    rate = float(dep_rates.get("global", math.nan))
    b["places_estimees"] = est
    b["places"] = places.where(~est, kids * rate / 100.0)
    for col, key in (("places_psu", "psu"), ("places_assmat", "assmat")):
        v = _num(b[col]) if col in b else pd.Series(np.nan, index=b.index)
        b[col] = v.where(~est & v.notna(), kids * float(dep_rates.get(key, math.nan)) / 100.0)
    b["enfants"] = kids
    return b


_GROUP = ["ao_planif_code", "ao_planif_type", "ao_planif_nom"]


def _territories(base: pd.DataFrame) -> pd.DataFrame:
    """One row per planning territory (in order of first appearance): sums of its communes
    (numpy bincount over the factorised planning code: the page, PDF and batch call it for
    every scenario)."""
    ids, uniques = pd.factorize(base["ao_planif_code"].astype(str), sort=False)
    n = len(uniques)
    first = pd.Series(np.arange(len(base))).groupby(ids).first().to_numpy() if n else []

    def total(values: pd.Series | np.ndarray) -> np.ndarray:
        v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
        return np.bincount(ids, weights=v, minlength=n)

    t = pd.DataFrame(
        {
            "ao_planif_code": np.asarray(uniques, dtype=object),
            "ao_planif_type": base["ao_planif_type"].to_numpy()[first] if n else [],
            "ao_planif_nom": base["ao_planif_nom"].to_numpy()[first] if n else [],
            "n_communes": np.bincount(ids, minlength=n),
            "population": pd.to_numeric(base["ao_planif_population"], errors="coerce").to_numpy(
                dtype=float
            )[first]
            if n
            else [],
            "enfants": total(base["enfants"]),
            "places": total(base["places"]),
            "places_psu": total(base["places_psu"]),
            "places_assmat": total(base["places_assmat"]),
        }
    )
    kids_est = total(base["enfants"].where(base["places_estimees"].astype(bool), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t["part_enfants_places_estimees"] = np.where(
            t["enfants"] > 0, kids_est / t["enfants"].to_numpy() * 100.0, np.nan
        )
        # births trend of the territory: its births estimates of children under 3 at two
        # years (sums over its communes known at both), (last ÷ first)^(1 ÷ years) − 1
        if {"enfants_t0", "enfants_t1", "tendance_annees"} <= set(base.columns):
            both = (base["enfants_t0"].notna() & base["enfants_t1"].notna()).to_numpy()
            s0 = total(np.where(both, base["enfants_t0"], 0.0))
            s1 = total(np.where(both, base["enfants_t1"], 0.0))
            years = float(base["tendance_annees"].iloc[0]) if len(base) else 1.0
            ratio = np.where(s0 > 0, s1 / s0, np.nan)
            t["tendance_naissances"] = np.power(ratio, 1.0 / years) - 1.0
        else:
            t["tendance_naissances"] = math.nan
    return t


def territory_trajectories(
    base: pd.DataFrame,
    projects: pd.DataFrame,
    scenario: Scenario,
    base_year: int,
    horizon: int,
) -> pd.DataFrame:
    """Year-by-year trajectory of every planning territory at once (vectorised), with the
    arithmetic of `diagnostics.trajectory`: children(t) = children(t0) × (1 + trend)^(t − t0);
    assmat(t) = assmat(t0) × (1 − departures × (1 − replacement))^(t − t0); projects add
    their places (and PSU places) from their opening year; places without action(t) = other
    places + assmat(t) + projects(t).

    Columns: ao_planif_code, annee, enfants, places_assmat, places_projets,
    places_psu_projets, places_sans_action, places_psu_sans_action."""
    if horizon <= base_year:
        raise SdsfError(
            f"L'horizon ({horizon}) doit être postérieur à l'année de départ ({base_year})."
        )
    if not 0 <= scenario.am_departures <= 1 or not 0 <= scenario.replacement <= 1:
        raise SdsfError("Les parts de départs et de remplacement sont comprises entre 0 et 1.")
    t = _territories(base)
    trend = (
        t["tendance_naissances"].fillna(0.0).to_numpy()
        if scenario.births_trend is None
        else np.full(len(t), scenario.births_trend)
    )
    years = np.arange(base_year, horizon + 1)
    k = (years - base_year)[None, :]
    kids = t["enfants"].to_numpy()[:, None] * (1.0 + trend[:, None]) ** k
    keep = 1.0 - scenario.am_departures * (1.0 - scenario.replacement)
    assmat0 = np.minimum(t["places_assmat"].to_numpy(), t["places"].to_numpy())
    assmat = assmat0[:, None] * keep**k
    other = (t["places"].to_numpy() - assmat0)[:, None]
    proj = np.zeros_like(kids)
    proj_psu = np.zeros_like(kids)
    if projects is not None and not projects.empty:
        where = dict(zip(base["code_insee"].astype(str), base["ao_planif_code"], strict=False))
        p = projects.assign(ao=projects["code_insee"].astype(str).map(where)).dropna(subset=["ao"])
        index = {code: i for i, code in enumerate(t["ao_planif_code"])}
        for r in p.itertuples(index=False):
            i = index.get(r.ao)
            if i is None:
                continue
            opened = years >= int(r.annee)
            proj[i, opened] += float(r.places)
            proj_psu[i, opened] += float(r.places_psu)
    psu0 = t["places_psu"].to_numpy()[:, None]
    n_t, n_y = kids.shape
    return pd.DataFrame(
        {
            "ao_planif_code": np.repeat(t["ao_planif_code"].to_numpy(), n_y),
            "annee": np.tile(years, n_t),
            "enfants": kids.ravel(),
            "places_assmat": assmat.ravel(),
            "places_projets": proj.ravel(),
            "places_psu_projets": proj_psu.ravel(),
            "places_sans_action": (other + assmat + proj).ravel(),
            "places_psu_sans_action": (np.broadcast_to(psu0, kids.shape) + proj_psu).ravel(),
        }
    )


def places_to_develop(
    base: pd.DataFrame,
    projects: pd.DataFrame,
    scenario: Scenario,
    targets: Targets,
    base_year: int,
    trajectories: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Places to develop per planning territory to reach the targets at their horizon.

    One row per territory (commune or EPCI holding the planning competence): ao_planif_code,
    ao_planif_type, ao_planif_nom, n_communes, population, enfants, places, places_psu,
    taux, taux_psu, part_enfants_places_estimees, tendance_naissances, enfants_horizon,
    places_sans_action_horizon, places_psu_sans_action_horizon, projets_places,
    projets_places_psu, a_developper (all modes), a_developper_psu (EAJE PSU), par_an,
    par_an_psu; sorted by places to develop (most first). `trajectories`: the scenario's
    `territory_trajectories` when already computed."""
    t = _territories(base)
    traj = (
        trajectories
        if trajectories is not None
        else territory_trajectories(base, projects, scenario, base_year, targets.horizon)
    )
    at_h = traj[traj["annee"] == targets.horizon].set_index("ao_planif_code")
    t = t.set_index("ao_planif_code")
    kids = t["enfants"]
    t["taux"] = (t["places"] / kids * 100.0).where(kids > 0)
    t["taux_psu"] = (t["places_psu"] / kids * 100.0).where(kids > 0)
    t["enfants_horizon"] = at_h["enfants"]
    t["places_sans_action_horizon"] = at_h["places_sans_action"]
    t["places_psu_sans_action_horizon"] = at_h["places_psu_sans_action"]
    t["projets_places"] = at_h["places_projets"]
    t["projets_places_psu"] = at_h["places_psu_projets"]
    need = targets.global_rate * t["enfants_horizon"] / 100.0
    need_psu = targets.psu_rate * t["enfants_horizon"] / 100.0
    t["a_developper"] = (need - t["places_sans_action_horizon"]).clip(lower=0.0)
    t["a_developper_psu"] = (need_psu - t["places_psu_sans_action_horizon"]).clip(lower=0.0)
    n = targets.horizon - base_year
    t["par_an"] = t["a_developper"] / n
    t["par_an_psu"] = t["a_developper_psu"] / n
    t = t.reset_index()
    return t.sort_values(["a_developper_psu", "a_developper"], ascending=False).reset_index(
        drop=True
    )


@dataclass(frozen=True)
class PsuTie:
    """How the places to develop add up against the SDSF target for PSU places."""

    places_now: float  # Σ PSU places of the territories at the base year
    projects: float  # Σ PSU places of the projects opening by the horizon
    to_develop: float  # Σ PSU places to develop
    at_horizon: float  # places_now + projects + to_develop
    sdsf_target: float | None
    sdsf_target_year: int | None
    difference: float | None = None  # at_horizon − target
    notes: tuple[str, ...] = field(default_factory=tuple)


def psu_tie(table: pd.DataFrame, target: float | None, target_year: int | None) -> PsuTie:
    now = float(table["places_psu"].sum())
    proj = float(table["projets_places_psu"].sum())
    dev = float(table["a_developper_psu"].sum())
    total = now + proj + dev
    diff = total - target if target is not None else None
    return PsuTie(now, proj, dev, total, target, target_year, diff)
