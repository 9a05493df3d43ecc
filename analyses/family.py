"""Family key figures of a territory (« Territoire » page): children under 3, births,
allocataires and the published coverage rate, each with its year, its source and how much of
the territory it covers.

Pure: ui/ passes the geography and the workspace datasets; the result is frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from datastore.store import Dataset, DatasetMeta
from diagnostics.formatting import fmt_number
from geodata.plm import ARRONDISSEMENT_PARENT, PLM_CITIES
from geodata.territory import Geography, Level, Territory, communes_of

DEMO = "données de démonstration"


@dataclass(frozen=True)
class FamilyFigure:
    id: str
    label: str  # « Enfants de moins de 3 ans (2024) »
    text: str  # « 1 234 » or « — »
    source: str  # producer, nature, and the share of the territory covered
    synthetic: bool = False
    missing: str = ""  # why the figure is absent (French), when it is


def _credit(metas: Sequence[DatasetMeta], ids: set[int]) -> tuple[str, bool]:
    used = [m for m in metas if m.id in ids] or list(metas)
    lines = list(dict.fromkeys(m.credit() for m in used))
    synthetic = any(m.is_synthetic for m in used)
    return " ; ".join(lines), synthetic


def _sum_figure(
    fid: str,
    label: str,
    ds: Dataset | None,
    column: str,
    codes: set[str],
    missing: str,
    note: str = "",
) -> FamilyFigure:
    """Sum of `column` over the territory's communes in the latest year that has it."""
    if ds is None or ds.empty or column not in ds.frame.columns:
        return FamilyFigure(fid, label, "—", "", missing=missing)
    f = ds.frame
    f = f.loc[f["code_insee"].astype(str).isin(codes) & f[column].notna()]
    if f.empty:
        return FamilyFigure(
            fid, label, "—", "", missing=f"{label} : aucune commune du territoire dans le jeu."
        )
    year = int(f["annee"].max())
    rows = f.loc[f["annee"] == year]
    total = float(pd.to_numeric(rows[column], errors="coerce").sum())
    credit, synthetic = _credit(ds.metas, {int(i) for i in rows.get("dataset_id", [])})
    # an arrondissement of Paris, Lyon or Marseille counts as its city
    units = {ARRONDISSEMENT_PARENT.get(c, c) for c in rows["code_insee"].astype(str)}
    n_all = len({ARRONDISSEMENT_PARENT.get(c, c) for c in codes})
    share = (
        ""
        if len(units) >= n_all
        else f" ; {fmt_number(len(units))} commune(s) sur {fmt_number(n_all)} renseignée(s)"
    )
    source = credit + (f" — {DEMO}" if synthetic and DEMO not in credit else "") + share + note
    return FamilyFigure(f"{fid}", f"{label} ({year})", fmt_number(round(total)), source, synthetic)


def _coverage_figure(taux: Dataset | None, territory: Territory) -> FamilyFigure:
    label = "Taux de couverture global"
    if taux is None or taux.empty:
        return FamilyFigure(
            "couverture", label, "—", "", missing="Taux de couverture : aucun jeu importé."
        )
    f = taux.frame
    level = "france" if territory.level is Level.FRANCE else territory.level.value
    rows = f.loc[(f["niveau"] == level) & f["tx_global"].notna()]
    if territory.level is not Level.FRANCE:
        rows = rows.loc[rows["code"].astype(str) == territory.code]
    if rows.empty:
        return FamilyFigure(
            "couverture",
            label,
            "—",
            "",
            missing="Taux de couverture : la Cnaf ne publie pas de taux pour ce territoire dans "
            "les jeux importés (page « Taux de couverture » pour les estimations et les niveaux "
            "voisins).",
        )
    year = int(rows["annee"].max())
    last = rows.loc[rows["annee"] == year]
    if "edition" in last.columns and last["edition"].nunique() > 1:
        last = last.sort_values("edition").tail(1)  # « courant » after « hist »
    value = float(last["tx_global"].iloc[0])
    ids = {int(i) for i in last.get("dataset_id", [])}
    credit, synthetic = _credit(taux.metas, ids)
    edition = f", édition {last['edition'].iloc[0]}" if "edition" in last.columns else ""
    return FamilyFigure(
        "couverture",
        f"{label} ({year})",
        f"{fmt_number(value, 1)} places pour 100 enfants",
        f"{credit} (taux publié{edition})"
        + (f" — {DEMO}" if synthetic and DEMO not in credit else ""),
        synthetic,
    )


def family_figures(
    geo: Geography,
    territory: Territory,
    enfants: Dataset | None,
    allocataires: Dataset | None,
    taux: Dataset | None,
) -> tuple[FamilyFigure, ...]:
    """Children under 3, births, allocataires, published coverage rate of `territory`."""
    codes = set(communes_of(geo, territory)["code_insee"].astype(str))
    for city in codes & set(PLM_CITIES):  # Paris, Lyon, Marseille: files by arrondissement
        codes |= set(PLM_CITIES[city][1])
    return (
        _sum_figure(
            "enfants_moins_3",
            "Enfants de moins de 3 ans",
            enfants,
            "enfants_moins_3",
            codes,
            "Enfants de moins de 3 ans : aucun jeu importé (type « enfants de moins de 3 ans »).",
        ),
        _sum_figure(
            "naissances",
            "Naissances domiciliées",
            enfants,
            "naissances",
            codes,
            "Naissances : aucun jeu importé (type « enfants de moins de 3 ans », colonne "
            "naissances).",
        ),
        _sum_figure(
            "allocataires",
            "Allocataires de la Caf",
            allocataires,
            "allocataires",
            codes,
            "Allocataires : aucun jeu importé (type « allocataires »).",
        ),
        _coverage_figure(taux, territory),
    )
