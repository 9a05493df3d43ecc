"""Development trajectory: places to create each year to reach a target coverage rate.

What the Caf du Val-d'Oise, du Rhône and des Pyrénées-Atlantiques do by hand (circular,
sections 1.1.2 and 2.2): start from today's places and children under 3, take into account
places already planned, assistants maternels leaving (retirement) and the trend of births,
and spread the places still missing at the horizon evenly over the years.

Arithmetic, for each year t from the base year t0 to the horizon H:
- children(t) = children(t0) × (1 + births trend)^(t − t0);
- assmat(t) = assmat(t − 1) × (1 − departures × (1 − replacement)): the share of places of
  assistants maternels lost each year, net of the share of departures replaced;
- planned(t) = places already planned with a year ≤ t;
- without new action: places(t) = other places(t0) + assmat(t) + planned(t);
- needed at H: target × children(H) ÷ 100; the gap at H (never negative) is created in equal
  yearly instalments from t0 + 1 to H, so the target is reached exactly at H.

Pure module: no streamlit, inputs never mutated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from diagnostics.formatting import fmt_number, fmt_share


@dataclass(frozen=True)
class PlannedPlaces:
    year: int
    places: float
    kind: str = "EAJE"  # e.g. « EAJE PSU », « micro-crèche », « MAM »


@dataclass(frozen=True)
class Scenario:
    name: str
    births_trend: float = 0.0  # yearly change of births (and children under 3), e.g. -0.01
    assmat_departures: float = 0.05  # share of assistants maternels places lost per year
    replacement: float = 0.0  # share of those departures replaced by new assistants maternels


@dataclass(frozen=True)
class Situation:
    """Starting point of a territory or zone."""

    year: int
    children: float  # children under 3
    places: float  # all places (EAJE, assistants maternels, préscolarisation, domicile)
    assmat_places: float = 0.0  # of which places of assistants maternels

    @property
    def rate(self) -> float:
        return self.places / self.children * 100.0 if self.children > 0 else math.nan


@dataclass(frozen=True)
class TrajectoryResult:
    scenario: Scenario
    table: pd.DataFrame  # one row per year (see `trajectory`)
    gap: float  # places missing at the horizon without new action (≥ 0)
    per_year: float  # places to create each year
    method: str  # French, with the parameters


def trajectory(
    situation: Situation,
    target_rate: float,
    horizon: int,
    planned: Sequence[PlannedPlaces],
    scenario: Scenario,
) -> TrajectoryResult:
    """Year-by-year trajectory to reach `target_rate` at `horizon`.

    Table columns: annee, enfants, places_assmat, places_programmees (cumulated),
    places_sans_action, places_a_creer_annee, places_creees_cumul, places_totales, taux.
    """
    if horizon <= situation.year:
        raise ValueError("L'horizon doit être postérieur à l'année de départ.")
    if situation.children <= 0:
        raise ValueError("Le nombre d'enfants de moins de 3 ans doit être positif.")
    if not 0 <= scenario.assmat_departures <= 1 or not 0 <= scenario.replacement <= 1:
        raise ValueError("Les parts de départs et de remplacement sont comprises entre 0 et 1.")
    if situation.assmat_places > situation.places:
        raise ValueError("Les places d'assistants maternels dépassent le total des places.")
    years = list(range(situation.year, horizon + 1))
    other = situation.places - situation.assmat_places
    keep = 1.0 - scenario.assmat_departures * (1.0 - scenario.replacement)
    rows: list[dict] = []
    for t in years:
        k = t - situation.year
        children = situation.children * (1.0 + scenario.births_trend) ** k
        assmat = situation.assmat_places * keep**k
        plan = float(sum(p.places for p in planned if situation.year < p.year <= t))
        rows.append(
            {
                "annee": t,
                "enfants": children,
                "places_assmat": assmat,
                "places_programmees": plan,
                "places_sans_action": other + assmat + plan,
            }
        )
    table = pd.DataFrame(rows)
    need_h = target_rate * float(table["enfants"].iloc[-1]) / 100.0
    gap = max(0.0, need_h - float(table["places_sans_action"].iloc[-1]))
    n_years = horizon - situation.year
    per_year = gap / n_years
    table["places_a_creer_annee"] = [0.0] + [per_year] * n_years
    table["places_creees_cumul"] = table["places_a_creer_annee"].cumsum()
    table["places_totales"] = table["places_sans_action"] + table["places_creees_cumul"]
    table["taux"] = table["places_totales"] / table["enfants"] * 100.0
    n_planned = float(sum(p.places for p in planned if situation.year < p.year <= horizon))
    method = (
        f"Scénario « {scenario.name} » : les enfants de moins de 3 ans évoluent comme les naissances "
        f"({fmt_share(scenario.births_trend, trim=True)} par an) ; {fmt_share(scenario.assmat_departures, trim=True)} des places "
        f"d'assistants maternels disparaissent chaque année (départs en retraite), dont "
        f"{fmt_share(scenario.replacement, trim=True)} sont remplacées ; {fmt_number(n_planned)} places déjà programmées "
        f"s'ajoutent l'année de leur ouverture. Pour atteindre {fmt_number(target_rate, 1)} places pour "
        f"100 enfants en {horizon}, il manque {fmt_number(gap)} places à cet horizon, soit "
        f"{fmt_number(per_year, 1)} places à créer par an de {situation.year + 1} à {horizon} "
        "(méthode de cette application)."
    )
    return TrajectoryResult(scenario, table, gap, per_year, method)


def compare_scenarios(
    situation: Situation,
    target_rate: float,
    horizon: int,
    planned: Sequence[PlannedPlaces],
    scenarios: Sequence[Scenario],
) -> tuple[list[TrajectoryResult], pd.DataFrame]:
    """Run several scenarios; also return a side-by-side summary table (one row each)."""
    results = [trajectory(situation, target_rate, horizon, planned, s) for s in scenarios]
    summary = pd.DataFrame(
        [
            {
                "scenario": r.scenario.name,
                "evolution_naissances": r.scenario.births_trend * 100.0,
                "departs_assmat": r.scenario.assmat_departures * 100.0,
                "remplacement": r.scenario.replacement * 100.0,
                "enfants_horizon": float(r.table["enfants"].iloc[-1]),
                "places_sans_action_horizon": float(r.table["places_sans_action"].iloc[-1]),
                "places_a_creer_total": r.gap,
                "places_a_creer_par_an": r.per_year,
                "taux_horizon": float(r.table["taux"].iloc[-1]),
            }
            for r in results
        ]
    )
    return results, summary


def long_table(results: Sequence[TrajectoryResult]) -> pd.DataFrame:
    """All scenarios stacked (scenario column first), e.g. for a chart or an export."""
    frames = [r.table.assign(scenario=r.scenario.name) for r in results]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out[["scenario", *[c for c in out.columns if c != "scenario"]]]


def births_trend(first_births: float, last_births: float, first_year: int, last_year: int) -> float:
    """Yearly change of births between two windows of three years (births of N-2..N, i.e. the
    births estimate of children under 3 of year N): (last ÷ first)^(1 ÷ (last_year −
    first_year)) − 1. NaN when a window has no birth or the years are not in order."""
    if (
        last_year <= first_year
        or not first_births
        or first_births <= 0
        or last_births is None
        or last_births < 0
        or math.isnan(first_births)
        or math.isnan(last_births)
    ):
        return math.nan
    return (last_births / first_births) ** (1.0 / (last_year - first_year)) - 1.0


BIRTHS_TREND_METHOD = (
    "Tendance observée des naissances domiciliées (Insee) du périmètre : naissances {a}-{b} "
    "comparées à {c}-{d}, soit {trend} par an en moyenne ; modifiable."
)


def observed_scenario(trend: float, label: str) -> Scenario:
    """The « tendance observée » scenario: births follow the territory's real trend; departures
    and replacement of assistants maternels as in the stable scenario."""
    stable = DEFAULT_SCENARIOS[1]
    return Scenario(
        label,
        births_trend=trend,
        assmat_departures=stable.assmat_departures,
        replacement=stable.replacement,
    )


DEFAULT_SCENARIOS = (
    Scenario("Naissances en baisse", births_trend=-0.015, assmat_departures=0.07, replacement=0.2),
    Scenario("Tendance stable", births_trend=0.0, assmat_departures=0.05, replacement=0.3),
    Scenario("Naissances en hausse", births_trend=0.01, assmat_departures=0.04, replacement=0.4),
)


# ------------------------------------------------------------------ saved trajectories
TRAJECTORY_DOCUMENT_KIND = "trajectoire"


@dataclass(frozen=True)
class SavedTrajectory:
    """A trajectory saved in the workspace (document kind « trajectoire »): its perimeter,
    starting point, target, horizon, planned places and scenarios, so that an output redoes
    exactly the computation the user saw (`results`)."""

    nom: str
    territoire: str  # territory key, e.g. « epci:200066587 »
    perimetre: str  # « Territoire entier » or a priority zone
    date: str  # ISO 8601
    situation: Situation
    target_rate: float
    horizon: int
    planned: tuple[PlannedPlaces, ...]
    scenarios: tuple[Scenario, ...]

    def to_document(self) -> dict:
        s = self.situation
        return {
            "nom": self.nom,
            "territoire": self.territoire,
            "perimetre": self.perimetre,
            "date": self.date,
            "situation": {
                "annee": s.year,
                "enfants": s.children,
                "places": s.places,
                "places_assmat": s.assmat_places,
            },
            "taux_cible": self.target_rate,
            "horizon": self.horizon,
            "places_programmees": [
                {"annee": p.year, "places": p.places, "type": p.kind} for p in self.planned
            ],
            "scenarios": [
                {
                    "nom": sc.name,
                    "naissances": sc.births_trend,
                    "departs_assmat": sc.assmat_departures,
                    "remplacement": sc.replacement,
                }
                for sc in self.scenarios
            ],
        }

    @classmethod
    def from_document(cls, name: str, doc: object) -> SavedTrajectory | None:
        """The trajectory of a stored document (None when it is not a readable trajectory)."""
        if not isinstance(doc, dict) or not isinstance(doc.get("situation"), dict):
            return None
        try:
            s = doc["situation"]
            return cls(
                nom=str(doc.get("nom") or name),
                territoire=str(doc.get("territoire", "")),
                perimetre=str(doc.get("perimetre", "")),
                date=str(doc.get("date", "")),
                situation=Situation(
                    int(s["annee"]),
                    float(s["enfants"]),
                    float(s["places"]),
                    float(s.get("places_assmat", 0.0)),
                ),
                target_rate=float(doc["taux_cible"]),
                horizon=int(doc["horizon"]),
                planned=tuple(
                    PlannedPlaces(int(p["annee"]), float(p["places"]), str(p.get("type", "")))
                    for p in doc.get("places_programmees", [])
                ),
                scenarios=tuple(
                    Scenario(
                        str(sc["nom"]),
                        float(sc["naissances"]),
                        float(sc["departs_assmat"]),
                        float(sc["remplacement"]),
                    )
                    for sc in doc.get("scenarios", [])
                ),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def results(self) -> tuple[list[TrajectoryResult], pd.DataFrame]:
        return compare_scenarios(
            self.situation, self.target_rate, self.horizon, self.planned, self.scenarios
        )
