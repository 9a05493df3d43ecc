"""Socle minimum d'évaluation of a CTG (CNAF circular, section 2.3.2) and its calendar.

The follow-up table (dataset kind « ctg_suivi ») has one row per CTG, action, indicator and
follow-up point (year, optional quarter): baseline, target, realised and status. This module
reads it for one CTG (latest point per action and indicator, progress towards the target,
counts by status), dates the key moments of the CTG (annual points d'étape, mid-term
intermediate bilan, final bilan) and the window in which the diagnostic expense can be
claimed (section 2.3: first year of the CTG, or its last year to prepare the next one).

Pure: frames in, new frames out; inputs never mutated; the reference date is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from diagnostics.ao import Ctg

# Quoted verbatim from the circular (tests check them against the text).
S_DEPENSE_DIAGNOSTIC = (
    "Une dépense de diagnostic peut être mobilisée au démarrage ou au renouvellement de la CTG. "
    "La dépense doit être engagée au cours de la première année ou lors de la dernière année de "
    "la Ctg, pour préparer la suivante."
)
S_TABLEAU_SUIVI = (
    "Un tableau de suivi partagé entre les Caf et les signataires des CTG est mis en place dès le "
    "démarrage de la CTG"
)
S_BILAN_INTERMEDIAIRE = (
    "Le bilan intermédiaire permet notamment de rendre compte des modalités de mise en œuvre, "
    "des avancements et des difficultés rencontrées."
)
S_BILAN_FINAL = (
    "Le bilan final permet, quant à lui, de rendre compte de l'analyse des résultats obtenus, de "
    "l'évaluation de la plus-value de la démarche CTG et de préparer son renouvellement."
)
S_CDSF = (
    "Ainsi, a minima les parties relatives au champ thématique « petite enfance » de ces bilans "
    "sont communiquées au CDSF."
)

BILAN_INTERMEDIAIRE = "intermediaire"
BILAN_FINAL = "final"
BILAN_LABELS = {BILAN_INTERMEDIAIRE: "Bilan intermédiaire", BILAN_FINAL: "Bilan final"}

#: Columns and statuses of the dataset kind « ctg_suivi » (datastore/schemas.py; a test checks
#: they are the same, diagnostics never import the datastore).
STATUTS = ("à engager", "en cours", "réalisée", "reportée", "abandonnée")
FOLLOWUP_LABELS = {
    "id_ctg": "CTG",
    "thematique": "Thématique",
    "action": "Action",
    "indicateur": "Indicateur",
    "valeur_initiale": "Valeur initiale",
    "cible": "Cible",
    "annee": "Année",
    "trimestre": "Trimestre",
    "realise": "Réalisé",
    "statut": "État d'avancement",
    "commentaire": "Commentaire",
}
FOLLOWUP_COLUMNS = list(FOLLOWUP_LABELS)


def followup_of(frame: pd.DataFrame | None, id_ctg: str) -> pd.DataFrame:
    """Rows of one CTG, in the schema's columns, sorted by theme, action, indicator, time."""
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FOLLOWUP_COLUMNS})
    rows = frame.loc[frame["id_ctg"].astype(str) == str(id_ctg), FOLLOWUP_COLUMNS]
    rows = rows.astype(
        {
            "valeur_initiale": "Float64",
            "cible": "Float64",
            "realise": "Float64",
            "annee": "Int64",
            "trimestre": "Int64",
        }
    )
    return _sorted(rows).reset_index(drop=True)


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    tmp = rows.assign(
        _a=pd.to_numeric(rows["annee"], errors="coerce"),
        _t=pd.to_numeric(rows["trimestre"], errors="coerce").fillna(5),  # annual point last
    )
    return tmp.sort_values(["thematique", "action", "indicateur", "_a", "_t"], kind="stable").drop(
        columns=["_a", "_t"]
    )


def latest_points(followup: pd.DataFrame) -> pd.DataFrame:
    """Latest follow-up point per action and indicator, with `avancement` (% of the way from
    the baseline to the target, when both are known and differ; may exceed 100)."""
    cols = [*FOLLOWUP_COLUMNS, "avancement"]
    if followup.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    last = _sorted(followup).groupby(["action", "indicateur"], sort=False).tail(1)
    base = pd.to_numeric(last["valeur_initiale"], errors="coerce")
    target = pd.to_numeric(last["cible"], errors="coerce")
    done = pd.to_numeric(last["realise"], errors="coerce")
    span = target - base
    progress = ((done - base) / span * 100).where(span.ne(0) & span.notna())
    return last.assign(avancement=progress.astype("Float64")).reset_index(drop=True)[cols]


def status_counts(followup: pd.DataFrame) -> dict[str, int]:
    """Number of actions (latest point per action and indicator) per status, every status."""
    last = latest_points(followup)
    counts = last["statut"].astype("string").value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUTS}


@dataclass(frozen=True)
class Calendar:
    """Key dates of a CTG: diagnostic expense windows and bilans (None when dates are missing)."""

    first_year: tuple[date, date] | None
    last_year: tuple[date, date] | None
    mid_term: date | None
    points_etape: tuple[int, ...]

    def diagnostic_text(self) -> str:
        """When the diagnostic expense can be claimed, in French."""
        if self.first_year is None or self.last_year is None:
            return (
                "Dates de la CTG incomplètes : la période où la dépense de diagnostic peut être "
                "engagée (première ou dernière année de la CTG) ne peut pas être calculée."
            )
        f0, f1 = self.first_year
        l0, l1 = self.last_year
        return (
            f"Dépense de diagnostic : à engager au cours de la première année de la CTG (du "
            f"{f0:%d/%m/%Y} au {f1:%d/%m/%Y}) ou lors de sa dernière année, pour préparer la "
            f"suivante (du {l0:%d/%m/%Y} au {l1:%d/%m/%Y})."
        )


def calendar(ctg: Ctg) -> Calendar:
    """Key dates of a CTG, from its start and its end in force (prolongations included)."""
    if ctg.date_debut is None or ctg.date_fin is None:
        return Calendar(None, None, None, ())
    start, end = ctg.date_debut, ctg.date_fin
    first_end = min(start + pd.DateOffset(years=1) - pd.Timedelta(days=1), end)
    last_start = max(end - pd.DateOffset(years=1) + pd.Timedelta(days=1), start)
    mid = start + (end - start) / 2
    years = tuple(range(start.year, end.year + 1))
    return Calendar(
        (start.date(), first_end.date()),
        (last_start.date(), end.date()),
        mid.date(),
        years,
    )


def default_bilan_kind(ctg: Ctg, reference_date: date) -> str:
    """« final » from the start of the CTG's last year (or once it has ended), else
    « intermediaire »."""
    cal = calendar(ctg)
    if cal.last_year is not None and reference_date >= cal.last_year[0]:
        return BILAN_FINAL
    return BILAN_INTERMEDIAIRE


def display_followup(followup: pd.DataFrame) -> pd.DataFrame:
    """French headers for a follow-up table (as shown and exported)."""
    return followup.rename(columns=FOLLOWUP_LABELS)


def from_display(frame: pd.DataFrame, id_ctg: str) -> pd.DataFrame:
    """Back from French headers (the edited table) to the schema's columns, for one CTG."""
    back = {v: k for k, v in FOLLOWUP_LABELS.items()}
    out = frame.rename(columns=back).copy()
    out["id_ctg"] = str(id_ctg)
    for c in FOLLOWUP_COLUMNS:
        if c not in out.columns:
            out[c] = pd.NA
    return out[FOLLOWUP_COLUMNS]
