"""The SDSF analysis of a département (« Schéma départemental (SDSF) »): the 8 indicators
and their trajectories, the calendar, the AO of more than 10,000 inhabitants with their
schéma/CTG status, the places to develop per AO planning territory and the trajectories of
every territory under three scenarios.

Pure: ui/sdsf.py caches and renders the result, reports/sdsf.py prints it (PDF, XLSX) and
the batch computes the places to develop of every département with `places_table`. The
result is immutable (frozen dataclass; its frames are never mutated after they are returned).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analyses.ao import AoAnalysis, AoInputs, ao_analysis
from analyses.ao_scope import ao_scope, scope_holders
from catalogue.sources import DEMO_LABEL, Nature
from datastore.kinds import kind_label
from datastore.store import Dataset
from diagnostics import ao, sdsf, zones
from diagnostics.formatting import fmt_number, fmt_percent
from geodata.plm import ARRONDISSEMENT_PARENT
from geodata.territory import Geography, Level, Territory, make_territory

TARGET_NATIONAL = "national"
TARGET_DEPARTEMENT = "departemental"
TARGET_VALUE = "valeur"
TARGET_SDSF = "sdsf"  # PSU only: the rate the SDSF target for PSU places implies
TARGET_LABELS = {
    TARGET_NATIONAL: "Taux national",
    TARGET_DEPARTEMENT: "Taux du département",
    TARGET_VALUE: "Valeur choisie",
    TARGET_SDSF: "Cible du SDSF (places EAJE PSU)",
}
TREND_YEARS = 5  # births trend: estimates of children under 3 five years apart

DEFAULT_SCENARIOS = (
    sdsf.Scenario("Tendance observée", None, math.nan, 0.0),
    sdsf.Scenario("Remplacement de la moitié des départs", None, math.nan, 0.5),
    sdsf.Scenario("Naissances stables, départs remplacés", 0.0, math.nan, 1.0),
)
"""The three scenarios: births trend None = observed in each territory; departures NaN =
the net decline of the DREES series of the département (filled by `resolved_scenarios`)."""


@dataclass(frozen=True)
class SdsfSettings:
    horizon: int | None = None  # default: end of the schéma, else base year + 5
    global_mode: str = TARGET_NATIONAL
    global_value: float | None = None
    psu_mode: str = TARGET_DEPARTEMENT
    psu_value: float | None = None
    scenarios: tuple[sdsf.Scenario, ...] = DEFAULT_SCENARIOS
    scenario_index: int = 0  # the scenario of the table and map of places to develop
    start: date | None = None  # the schéma's period (default: from the indicator file)
    end: date | None = None


@dataclass(frozen=True)
class SdsfInputs:
    datasets: Mapping[str, Dataset]  # kinds_read_by(Analysis.SDSF)
    checklists: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SdsfAnalysis:
    territory: Territory
    reference_date: date
    indicators: tuple[sdsf.IndicatorTrajectory, ...]
    indicator_table: pd.DataFrame  # French headers, one row per indicator
    indicator_years: pd.DataFrame  # French headers, one row per indicator and year
    indicator_sources: tuple[str, ...]
    indicators_synthetic: bool
    start: date
    end: date
    calendar: pd.DataFrame  # diagnostics.sdsf.sdsf_calendar
    ao_table: pd.DataFrame  # AO of more than 10,000 inhabitants (analyses.ao table rows)
    ao_counts: pd.DataFrame  # Statut, Nombre
    ao_sources: tuple[str, ...]
    ao_synthetic: bool
    ao_errors: tuple[str, ...]
    base_year: int
    targets: sdsf.Targets
    scenarios: tuple[sdsf.Scenario, ...]
    scenario: sdsf.Scenario  # the scenario of the places table and map
    am: sdsf.AmTrend | None
    places: pd.DataFrame  # diagnostics.sdsf.places_to_develop of the chosen scenario
    scenario_summary: pd.DataFrame  # one row per scenario
    trajectories: pd.DataFrame  # every territory × year × scenario
    tie: sdsf.PsuTie
    projects: pd.DataFrame  # the register rows of the département (map points)
    members: pd.DataFrame  # code_insee -> ao_planif_code of the département's communes
    places_sources: tuple[str, ...]
    places_synthetic: bool
    coverage: pd.DataFrame  # published rates of the département by year (French headers)
    coverage_source: str
    notes: tuple[str, ...] = ()


def _frame(inputs: SdsfInputs, kind: str) -> pd.DataFrame:
    ds = inputs.datasets.get(kind)
    return ds.frame if ds is not None else pd.DataFrame()


def _ds(inputs: SdsfInputs, kind: str) -> Dataset | None:
    return inputs.datasets.get(kind)


def _credits(inputs: SdsfInputs, *kinds: str) -> list[str]:
    """One credit line per kind, producer and nature, its millésimes as a range (« Source :
    Cnaf, 2017-2022 (places) »), instead of one line per imported millésime."""
    out: list[str] = []
    for k in kinds:
        ds = _ds(inputs, k)
        if ds is None or ds.empty:
            continue
        groups: dict[tuple[str, object], list[int]] = {}
        for m in ds.metas:
            groups.setdefault((m.producer, m.nature), []).extend(
                [m.millesime] if m.millesime else []
            )
        for (producer, nature), years in groups.items():
            span = (
                f", {min(years)}" + (f"-{max(years)}" if max(years) != min(years) else "")
                if years
                else ""
            )
            text = f"Source : {producer}{span} ({kind_label(k)})"
            if nature is Nature.SYNTHETIQUE:
                text += f" — {DEMO_LABEL} (synthétiques)"
            elif nature is Nature.ESTIME:
                text += " — estimation"
            out.append(text)
    return out


def _synthetic(inputs: SdsfInputs, *kinds: str) -> bool:
    return any(
        (ds := _ds(inputs, k)) is not None and not ds.empty and ds.is_synthetic for k in kinds
    )


def _unique(lines: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in lines if s))


# --------------------------------------------------------------------------- rates
def departement_rates(taux: pd.DataFrame, dep: str, year: int) -> tuple[dict[str, float], str]:
    """Published rates of the département for `year` (global, psu, assmat) and the edition
    used: the first publication when the year has two (as the Cnaf commune file shipped)."""
    if taux.empty:
        return {}, ""
    rows = taux[
        (taux["niveau"].astype("string") == "departement")
        & (taux["code"].astype("string") == str(dep))
        & (pd.to_numeric(taux["annee"], errors="coerce") == year)
    ]
    if rows.empty:
        return {}, ""
    if "edition" in rows and rows["edition"].nunique(dropna=True) > 1:
        hist = rows[rows["edition"].astype("string") == "hist"]
        rows = hist if not hist.empty else rows
    r = rows.iloc[0]
    out = {
        k: float(v)
        for k, col in (("global", "tx_global"), ("psu", "tx_eaje_psu"), ("assmat", "tx_assmat"))
        if col in r and pd.notna(v := pd.to_numeric(r[col], errors="coerce"))
    }
    edition = str(r["edition"]) if "edition" in r and pd.notna(r["edition"]) else ""
    return out, edition


def national_rates(taux: pd.DataFrame, year: int) -> dict[str, float]:
    if taux.empty:
        return {}
    rows = taux[
        (taux["niveau"].astype("string") == "france")
        & (pd.to_numeric(taux["annee"], errors="coerce") == year)
    ]
    if "edition" in rows and rows["edition"].nunique(dropna=True) > 1:
        hist = rows[rows["edition"].astype("string") == "hist"]
        rows = hist if not hist.empty else rows
    if rows.empty:
        return {}
    r = rows.iloc[0]
    return {
        k: float(v)
        for k, col in (("global", "tx_global"), ("psu", "tx_eaje_psu"))
        if col in r and pd.notna(v := pd.to_numeric(r[col], errors="coerce"))
    }


def base_year_of(places: pd.DataFrame) -> int | None:
    """Latest year of the Cnaf commune places (the starting point of the trajectories)."""
    if places.empty:
        return None
    com = places[places["niveau"].astype("string") == "commune"]
    years = pd.to_numeric(com["annee"], errors="coerce").dropna()
    return int(years.max()) if not years.empty else None


# ---------------------------------------------------------------------- commune base
def commune_places(places: pd.DataFrame, year: int) -> pd.DataFrame:
    """Cnaf places of the communes for `year` (Paris, Lyon and Marseille: their arrondissements
    added up): code_insee, places, places_psu, places_assmat."""
    rows = zones.caf_commune_rows(places, year)
    if rows.empty:
        return pd.DataFrame(columns=["code_insee", "places", "places_psu", "places_assmat"])
    code = rows["code"].astype(str)
    code = code.map(lambda c: ARRONDISSEMENT_PARENT.get(c, c))
    out = pd.DataFrame(
        {
            "code_insee": code.to_numpy(),
            "places": pd.to_numeric(rows["pl_total"], errors="coerce").to_numpy(),
            "places_psu": pd.to_numeric(rows.get("pl_eaje_psu"), errors="coerce").to_numpy(),
            "places_assmat": pd.to_numeric(rows.get("pl_assmat"), errors="coerce").to_numpy(),
        }
    )
    return out.groupby("code_insee", as_index=False).sum(min_count=1)


def children_of(enfants: pd.DataFrame, year: int) -> pd.Series:
    """Children under 3 by commune code for `year` (the latest year ≤ year of the dataset)."""
    if enfants.empty:
        return pd.Series(dtype=float)
    years = pd.to_numeric(enfants["annee"], errors="coerce")
    known = enfants[
        (years <= year) & pd.to_numeric(enfants["enfants_moins_3"], errors="coerce").notna()
    ]
    if known.empty:
        return pd.Series(dtype=float)
    y = pd.to_numeric(known["annee"], errors="coerce").max()
    rows = known[pd.to_numeric(known["annee"], errors="coerce") == y]
    return (
        pd.Series(
            pd.to_numeric(rows["enfants_moins_3"], errors="coerce").to_numpy(),
            index=rows["code_insee"].astype(str).to_numpy(),
        )
        .groupby(level=0)
        .sum()
    )


def commune_base(communes: pd.DataFrame, inputs: SdsfInputs, year: int) -> pd.DataFrame:
    """Children and places of `communes` at `year`: code_insee, enfants (Cnaf-derived where
    the Cnaf publishes places and rate, else the children dataset), places, places_psu,
    places_assmat (Cnaf; missing for the communes the Cnaf does not publish), enfants_t0,
    enfants_t1, tendance_annees (births trend)."""
    codes = communes["code_insee"].astype(str)
    pl = commune_places(_frame(inputs, "caf_places"), year).set_index("code_insee")
    taux = zones.caf_commune_rows(_frame(inputs, "caf_taux"), year)
    rate = pd.Series(dtype=float)
    if not taux.empty:
        t = taux.assign(
            code=taux["code"].astype(str).map(lambda c: ARRONDISSEMENT_PARENT.get(c, c))
        )
        t = t[~t["code"].isin(ARRONDISSEMENT_PARENT.values()) | ~t["code"].duplicated(keep=False)]
        rate = pd.Series(pd.to_numeric(t["tx_global"], errors="coerce").to_numpy(), index=t["code"])
        rate = rate[~rate.index.duplicated()]
    enfants = _frame(inputs, "enfants")
    kids_file = children_of(enfants, year)
    places = codes.map(pl["places"]) if not pl.empty else pd.Series(math.nan, index=codes.index)
    derived = (places / codes.map(rate) * 100.0).where(codes.map(rate) > 0)
    kids = derived.fillna(codes.map(kids_file))
    out = pd.DataFrame(
        {
            "code_insee": codes.to_numpy(),
            "enfants": kids.to_numpy(dtype=float),
            "places": places.to_numpy(dtype=float),
            "places_psu": (
                codes.map(pl["places_psu"]) if not pl.empty else places * math.nan
            ).to_numpy(dtype=float),
            "places_assmat": (
                codes.map(pl["places_assmat"]) if not pl.empty else places * math.nan
            ).to_numpy(dtype=float),
        }
    )
    t1 = children_of(enfants, year)
    t0 = children_of(enfants, year - TREND_YEARS)
    out["enfants_t0"] = codes.map(t0).to_numpy(dtype=float)
    out["enfants_t1"] = codes.map(t1).to_numpy(dtype=float)
    out["tendance_annees"] = TREND_YEARS
    return out


# ----------------------------------------------------------------------- indicators
INDICATOR_COLUMNS = [
    "Indicateur",
    "Obligatoire",
    "Année de référence",
    "Valeur de référence",
    "Horizon",
    "Cible",
    "Trajectoire",
    "Dernière année réalisée",
    "Réalisé",
    "Attendu",
    "Écart à la trajectoire",
    "Statut",
    "Origine",
]


def _indicator_rows(
    trajs: tuple[sdsf.IndicatorTrajectory, ...],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, years = [], []
    for t in trajs:
        ind = sdsf.BY_ID[t.indicator]
        realised = t.table.dropna(subset=["realise"])
        last = realised.iloc[-1] if not realised.empty else None
        expected = (
            t.table.set_index("annee")["trajectoire"].get(int(last["annee"]))
            if last is not None
            else None
        )
        origin = (
            (
                "calculé dans l'application"
                if str(last["source_realise"]).startswith("calculé")
                else "fichier importé"
            )
            if last is not None
            else ("fichier importé" if t.target is not None else "à importer")
        )
        rows.append(
            {
                "Indicateur": ind.label,
                "Obligatoire": "oui" if ind.mandatory else "non (facultatif)",
                "Année de référence": t.baseline_year,
                "Valeur de référence": t.baseline,
                "Horizon": t.target_year,
                "Cible": t.target,
                "Trajectoire": {"linéaire": "linéaire", "jalons": "par jalons"}.get(t.method, "—"),
                "Dernière année réalisée": int(last["annee"]) if last is not None else None,
                "Réalisé": float(last["realise"]) if last is not None else None,
                "Attendu": float(expected) if expected is not None and pd.notna(expected) else None,
                "Écart à la trajectoire": t.last_gap,
                "Statut": t.status,
                "Origine": origin,
            }
        )
        for r in t.table.to_dict("records"):
            years.append(
                {
                    "Indicateur": ind.label,
                    "Année": int(r["annee"]),
                    "Trajectoire": r["trajectoire"],
                    "Réalisé": r["realise"],
                    "Écart": r["ecart"],
                    "Origine du réalisé": r["source_realise"],
                }
            )
    cols_y = ["Indicateur", "Année", "Trajectoire", "Réalisé", "Écart", "Origine du réalisé"]
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS), pd.DataFrame(years, columns=cols_y)


def indicators_of(
    dep: str, dep_communes: pd.DataFrame, inputs: SdsfInputs, reference: date
) -> tuple[tuple[sdsf.IndicatorTrajectory, ...], tuple[str, ...], bool, tuple[str, ...]]:
    values = _frame(inputs, "sdsf_indicateurs")
    if not values.empty:
        values = values[values["code_departement"].astype("string") == str(dep)]
    computed = sdsf.computed_indicators(
        dep,
        dep_communes,
        _frame(inputs, "structures"),
        _frame(inputs, "caf_places"),
        reference.year,
        structures_synthetic=_synthetic(inputs, "structures"),
        places_synthetic=_synthetic(inputs, "caf_places"),
        places_credit="places du département (jeu « places »)"
        + (" — données de démonstration" if _synthetic(inputs, "caf_places") else ""),
        structures_credit="liste des structures"
        + (" — données de démonstration" if _synthetic(inputs, "structures") else ""),
    )
    notes: list[str] = []
    trajs = []
    for ind in sdsf.INDICATORS:
        try:
            trajs.append(sdsf.indicator_trajectory(ind.id, values, computed))
        except sdsf.SdsfError as err:
            notes.append(f"{ind.label} : {err}")
            trajs.append(sdsf.indicator_trajectory(ind.id, values.iloc[0:0], computed))
    sources = [*_credits(inputs, "sdsf_indicateurs")]
    used = {c.indicator for c in computed}
    if used & {sdsf.IND_VILLES_RPE, sdsf.IND_AVIP} or (
        sdsf.IND_PSU in used and not sdsf.psu_places_by_year(_frame(inputs, "caf_places"), dep)
    ):
        sources += _credits(inputs, "structures")
    if sdsf.psu_places_by_year(_frame(inputs, "caf_places"), dep):
        sources += _credits(inputs, "caf_places")
    if sdsf.IND_VILLES_RPE in used:
        sources.append(
            "Source : INSEE, populations légales 2023 (villes de plus de 10 000 habitants)"
        )
    synthetic = any(c.synthetic for c in computed) or _synthetic(inputs, "sdsf_indicateurs")
    return tuple(trajs), _unique(sources), synthetic, tuple(notes)


def _period(
    trajs: tuple[sdsf.IndicatorTrajectory, ...], settings: SdsfSettings, reference: date
) -> tuple[date, date]:
    if settings.start and settings.end:
        return settings.start, settings.end
    bases = [t.baseline_year for t in trajs if t.baseline_year and t.target_year]
    targets = [t.target_year for t in trajs if t.baseline_year and t.target_year]
    start, end = sdsf.default_period(
        min(bases) if bases else None, max(targets) if targets else None, reference
    )
    return settings.start or start, settings.end or end


# ------------------------------------------------------------------------------- AO
def _ao_part(
    geo: Geography,
    territory: Territory,
    inputs: SdsfInputs,
    reference: date,
    result: AoAnalysis | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...], bool, tuple[str, ...], pd.DataFrame | None]:
    """The AO of more than 10,000 inhabitants with their status, counts by status, and the
    planning holders of the département's communes (reused by the places to develop; None
    when the transfers cannot be read)."""
    empty = pd.Series(dtype=object)

    def ds(kind: str) -> Dataset:
        d = _ds(inputs, kind)
        return d if d is not None else Dataset(kind, pd.DataFrame(), ())

    a = result or ao_analysis(
        geo,
        territory,
        AoInputs(
            ds("ctg"), ds("ao_transferts"), ds("population"), ds("ctg_avenants"), inputs.checklists
        ),
        reference,
    )
    table = a.table
    if not table.empty:
        big = pd.to_numeric(table["population"], errors="coerce") > ao.SEUIL_SCHEMA
        table = table.loc[big].reset_index(drop=True)
    counts = (
        table.groupby("statut_libelle").size().rename("Nombre").reset_index()
        if not table.empty
        else pd.DataFrame({"statut_libelle": empty, "Nombre": empty})
    )
    counts = counts.rename(columns={"statut_libelle": "Statut"})
    holders = a.holders if not a.errors and not a.holders.empty else None
    return table, counts, a.sources, a.is_synthetic, a.errors, holders


# ------------------------------------------------------------------ places per AO
def resolved_scenarios(
    scenarios: tuple[sdsf.Scenario, ...], am: sdsf.AmTrend | None
) -> tuple[sdsf.Scenario, ...]:
    """Scenarios whose AM departures are NaN take the département's DREES net decline (5 %
    a year when the series is missing, as diagnostics.trajectory's stable scenario)."""
    d = am.departures if am is not None else 0.05
    return tuple(
        sdsf.Scenario(
            s.name,
            s.births_trend,
            d if math.isnan(s.am_departures) else s.am_departures,
            s.replacement,
        )
        for s in scenarios
    )


def targets_of(
    settings: SdsfSettings,
    dep_rates: Mapping[str, float],
    nat: Mapping[str, float],
    base_year: int,
    horizon: int,
    psu_target: float | None,
    children_h: float,
) -> tuple[sdsf.Targets, tuple[str, ...]]:
    """The target rates the user picked (national, départemental, a value; for PSU also the
    rate the SDSF target implies), with French notes when one is not available."""
    notes: list[str] = []

    def pick(mode: str, value: float | None, key: str, what: str) -> tuple[float, str]:
        if mode == TARGET_VALUE and value is not None:
            return float(value), f"{what} : valeur choisie ({fmt_number(value, 1)})"
        if mode == TARGET_SDSF and key == "psu":
            if psu_target is not None and children_h > 0:
                r = psu_target / children_h * 100.0
                return r, (
                    f"{what} : cible du SDSF ({fmt_number(psu_target)} places EAJE PSU), soit "
                    f"{fmt_number(r, 1)} places pour 100 enfants à l'horizon"
                )
            notes.append(
                "Aucune cible du SDSF pour les places EAJE PSU : taux du département retenu."
            )
        if mode == TARGET_NATIONAL:
            if key in nat:
                return nat[key], f"{what} : taux national {base_year} ({fmt_number(nat[key], 1)})"
            notes.append(
                f"{what} : pas de taux national publié pour {base_year} ; taux du département retenu."
            )
        if key in dep_rates:
            return dep_rates[
                key
            ], f"{what} : taux du département {base_year} ({fmt_number(dep_rates[key], 1)})"
        notes.append(f"{what} : aucun taux du département pour {base_year}.")
        return math.nan, f"{what} : non disponible"

    g, g_label = pick(settings.global_mode, settings.global_value, "global", "Tous modes")
    p, p_label = pick(settings.psu_mode, settings.psu_value, "psu", "EAJE PSU")
    return sdsf.Targets(g, p, horizon, f"{g_label} ; {p_label} ; horizon {horizon}"), tuple(notes)


def planning_members(
    geo: Geography, dep_communes: pd.DataFrame, inputs: SdsfInputs, reference: date
) -> pd.DataFrame:
    """The planning holder of every commune of the département at `reference` (its EPCI or
    itself), the AO population read on the whole EPCI (analyses.ao_scope)."""
    pop = _ds(inputs, "population")
    scope = ao_scope(
        geo.communes, dep_communes["code_insee"], pop.frame if pop is not None else None
    )
    tr = _frame(inputs, "ao_transferts")
    try:
        holders = scope_holders(scope, tr if not tr.empty else None, reference)
    except ao.AoDataError:  # unreadable transfers (named on the AO part): communes hold
        holders = scope_holders(scope, None, reference)
    return holders[holders["code_insee"].isin(set(dep_communes["code_insee"].astype(str)))]


def places_table(
    geo: Geography,
    dep: str,
    inputs: SdsfInputs,
    settings: SdsfSettings,
    reference: date,
    psu_target: float | None = None,
    holders: pd.DataFrame | None = None,
    communes_base: pd.DataFrame | None = None,
    all_scenarios: bool = True,
) -> dict:
    """Places to develop per AO planning territory of département `dep` (also the batch's
    unit of work): a dict with base_year, targets, scenarios, am, places, trajectories,
    scenario_summary, members, projects, notes, dep_rates."""
    dep_communes = geo.communes[geo.communes["dep"] == dep]
    places = _frame(inputs, "caf_places")
    base_year = base_year_of(places) or reference.year - 1
    horizon = settings.horizon or (settings.end.year if settings.end else base_year + 5)
    if horizon <= base_year:
        horizon = base_year + 1
    rates, _edition = departement_rates(_frame(inputs, "caf_taux"), dep, base_year)
    nat = national_rates(_frame(inputs, "caf_taux"), base_year)
    am = sdsf.am_trend(sdsf.am_series(_frame(inputs, "drees_offre"), dep))
    scenarios = resolved_scenarios(settings.scenarios, am)
    if holders is None:
        holders = planning_members(geo, dep_communes, inputs, reference)
    if communes_base is None:
        communes_base = commune_base(dep_communes, inputs, base_year)
    base = sdsf.territory_base(holders, communes_base, rates)
    proj_all = _frame(inputs, "eaje_projets")
    projects = (
        proj_all[proj_all["code_insee"].astype(str).isin(set(dep_communes["code_insee"]))]
        if not proj_all.empty
        else proj_all
    )
    entering = sdsf.projects_by_year(projects, base_year, horizon)
    chosen = scenarios[min(settings.scenario_index, len(scenarios) - 1)]
    run = scenarios if all_scenarios else (chosen,)
    trajs = [sdsf.territory_trajectories(base, entering, s, base_year, horizon) for s in run]
    traj = pd.concat(
        [t.assign(scenario=s.name) for t, s in zip(trajs, run, strict=True)], ignore_index=True
    )
    kids_h = float(
        traj[(traj["scenario"] == chosen.name) & (traj["annee"] == horizon)]["enfants"].sum()
    )
    targets, notes = targets_of(settings, rates, nat, base_year, horizon, psu_target, kids_h)
    summary = []
    table = None
    for s, s_traj in zip(run, trajs, strict=True):
        t = sdsf.places_to_develop(base, entering, s, targets, base_year, s_traj)
        if s is chosen:
            table = t
        summary.append(
            {
                "Scénario": s.name,
                "Naissances (% par an)": "tendance observée par territoire"
                if s.births_trend is None
                else fmt_percent(s.births_trend * 100, 1),
                "Départs d'assistants maternels (% par an)": s.am_departures * 100,
                "Départs remplacés (%)": s.replacement * 100,
                "Enfants à l'horizon": float(t["enfants_horizon"].sum()),
                "Places à développer (tous modes)": float(t["a_developper"].sum()),
                "Places EAJE PSU à développer": float(t["a_developper_psu"].sum()),
            }
        )
    assert table is not None
    return {
        "base_year": base_year,
        "targets": targets,
        "scenarios": scenarios,
        "scenario": chosen,
        "am": am,
        "places": table,
        "trajectories": traj,
        "scenario_summary": pd.DataFrame(summary),
        "members": base[["code_insee", "ao_planif_code", "ao_planif_nom", "places_estimees"]],
        "projects": projects,
        "notes": notes,
        "dep_rates": rates,
        "edition": _edition,
    }


def _coverage(taux: pd.DataFrame, dep: str) -> pd.DataFrame:
    if taux.empty:
        return pd.DataFrame()
    rows = taux[
        (taux["niveau"].astype("string") == "departement") & (taux["code"].astype("string") == dep)
    ].copy()
    if rows.empty:
        return pd.DataFrame()
    rows["annee"] = pd.to_numeric(rows["annee"], errors="coerce")
    rows["ed"] = rows["edition"].astype("string").fillna("") if "edition" in rows else ""
    rows = rows.sort_values(["annee", "ed"]).drop_duplicates("annee", keep="last")
    from datastore.schemas import EDITION_LABELS

    return pd.DataFrame(
        {
            "Année": rows["annee"].astype(int).to_numpy(),
            "Édition": [EDITION_LABELS.get(str(e), str(e)) for e in rows["ed"]],
            "Taux global": pd.to_numeric(rows["tx_global"], errors="coerce").to_numpy(),
            "Taux EAJE PSU": pd.to_numeric(rows.get("tx_eaje_psu"), errors="coerce").to_numpy(),
            "Taux assistants maternels": pd.to_numeric(
                rows.get("tx_assmat"), errors="coerce"
            ).to_numpy(),
        }
    )


def sdsf_analysis(
    geo: Geography,
    dep: str,
    inputs: SdsfInputs,
    settings: SdsfSettings,
    reference: date,
    ao_result: AoAnalysis | None = None,
) -> SdsfAnalysis:
    """Everything the page, the PDF and the XLSX show for département `dep`. `ao_result`: the
    AO analysis of the département at `reference` when already computed (the page reuses the
    cached one of « Compétences AO et CTG »)."""
    territory = make_territory(geo, Level.DEPARTEMENT, dep)
    dep_communes = geo.communes[geo.communes["dep"] == dep]
    trajs, ind_sources, ind_synth, notes = indicators_of(dep, dep_communes, inputs, reference)
    start, end = _period(trajs, settings, reference)
    try:
        calendar = sdsf.sdsf_calendar(start, end, reference)
    except sdsf.SdsfError as err:
        notes = (*notes, str(err))
        start, end = sdsf.default_period(None, None, reference)
        calendar = sdsf.sdsf_calendar(start, end, reference)
    ao_rows, ao_counts, ao_sources, ao_synth, ao_errors, ao_holders = _ao_part(
        geo, territory, inputs, reference, ao_result
    )
    psu = next(t for t in trajs if t.indicator == sdsf.IND_PSU)
    settings_h = (
        settings
        if settings.horizon or settings.end
        else SdsfSettings(**{**settings.__dict__, "end": end})
    )
    pt = places_table(geo, dep, inputs, settings_h, reference, psu.target, ao_holders)
    table_ind, years_ind = _indicator_rows(trajs)
    tie = sdsf.psu_tie(pt["places"], psu.target, psu.target_year)
    kinds = (
        "caf_places",
        "caf_taux",
        "enfants",
        "ao_transferts",
        "population",
        "drees_offre",
        "eaje_projets",
    )
    place_sources = _credits(inputs, *kinds)
    place_sources.append(
        "Places des communes non publiées par la Cnaf (10 000 habitants ou moins) : estimation "
        "au taux publié du département ; trajectoires : méthode de cette application."
    )
    taux = _frame(inputs, "caf_taux")
    return SdsfAnalysis(
        territory=territory,
        reference_date=reference,
        indicators=trajs,
        indicator_table=table_ind,
        indicator_years=years_ind,
        indicator_sources=ind_sources,
        indicators_synthetic=ind_synth,
        start=start,
        end=end,
        calendar=calendar,
        ao_table=ao_rows,
        ao_counts=ao_counts,
        ao_sources=ao_sources,
        ao_synthetic=ao_synth,
        ao_errors=ao_errors,
        base_year=pt["base_year"],
        targets=pt["targets"],
        scenarios=pt["scenarios"],
        scenario=pt["scenario"],
        am=pt["am"],
        places=pt["places"],
        scenario_summary=pt["scenario_summary"],
        trajectories=pt["trajectories"],
        tie=tie,
        projects=pt["projects"],
        members=pt["members"],
        places_sources=_unique(place_sources),
        places_synthetic=_synthetic(inputs, *kinds[:-1]),
        coverage=_coverage(taux, dep),
        coverage_source="; ".join(_credits(inputs, "caf_taux")),
        notes=(*notes, *pt["notes"]),
    )


def batch_places(
    geo: Geography,
    inputs: SdsfInputs,
    settings: SdsfSettings,
    reference: date,
    departements: list[str] | None = None,
) -> pd.DataFrame:
    """Places to develop per AO planning territory of every département in one pass (the
    batch): the commune base and the planning holders are computed once for France, then
    `places_table` runs per département. One row per territory, with its département."""
    deps = departements or sorted(set(geo.communes["dep"].astype(str)))
    places = _frame(inputs, "caf_places")
    base_year = base_year_of(places) or reference.year - 1
    everything = commune_base(geo.communes, inputs, base_year)
    pop = _ds(inputs, "population")
    scope = ao_scope(
        geo.communes, geo.communes["code_insee"], pop.frame if pop is not None else None
    )
    tr = _frame(inputs, "ao_transferts")
    try:
        holders = scope_holders(scope, tr if not tr.empty else None, reference)
    except ao.AoDataError:
        holders = scope_holders(scope, None, reference)
    dep_of = dict(zip(geo.communes["code_insee"].astype(str), geo.communes["dep"], strict=True))
    everything_by = dict(tuple(everything.groupby(everything["code_insee"].map(dep_of))))
    holders_by = dict(tuple(holders.groupby(holders["code_insee"].astype(str).map(dep_of))))
    out = []
    for dep in deps:
        if dep not in everything_by or dep not in holders_by:
            continue
        pt = places_table(
            geo,
            dep,
            inputs,
            settings,
            reference,
            holders=holders_by[dep],
            communes_base=everything_by[dep],
            all_scenarios=False,
        )
        out.append(pt["places"].assign(departement=dep))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()
