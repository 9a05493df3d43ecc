"""Coverage rates of childcare for children under 3 (taux de couverture, CNAF).

Inputs are the workspace frames of kinds `caf_taux` and `caf_places` (see datastore.schemas):
one row per (annee, niveau, code) with the rates and places *as published* by the CNAF.

Rules implemented here (and tested in tests/unit/test_coverage*.py):

* Published rates are returned exactly as published; they are never recomputed from their
  components (CNAF rounds every rate to 0.1, so the components do not add up to the global rate).
* Paris, Lyon and Marseille are published by arrondissement. The commune figure is *computed*
  (status `calculé`): places summed, derived children summed, rate = places ÷ children × 100.
* Communes merged since the file's year (COG changes): rates of the former communes are never
  summed; a figure for the current perimeter is only an *estimate* built like the PLM one.
* Children under 3, when no INSEE count is given, are *derived*: places ÷ global rate × 100
  (the CNAF denominator, recovered from its own two published figures).
* Editions: the CNAF publishes a year (« hist », first publication), then revises it
  (« courant »); a frame may hold both. By default each year shows its latest edition
  (`at_edition(taux)`); a comparison or a ratio uses figures of ONE edition
  (`comparison_edition`, `level_edition`, then `at_edition(taux, edition)`), said on screen.
  Rows without an edition (synthetic, or files of an unknown edition) go with any edition.
* Where the CNAF publishes nothing (communes under 10,000 inhabitants, a level whose file is not
  imported) the status is `non publié`; an estimate (status `estimation`, method written in
  French in `methode`) is produced only when explicitly requested.

Every function returns new frames and leaves its inputs untouched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from diagnostics.formatting import fmt_number, fmt_percent
from diagnostics.registry import Indicator

# --------------------------------------------------------------------------- constants

GLOBAL = "tx_global"
#: The five components of the global rate, in the order CNAF lists them (French labels).
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("tx_eaje_psu", "EAJE financés par la PSU"),
    ("tx_eaje_hors_psu", "EAJE hors PSU"),
    ("tx_assmat", "Assistants maternels"),
    ("tx_salarie_domicile", "Salariés à domicile"),
    ("tx_prescolarisation", "Préscolarisation à 2 ans"),
)
COMPONENT_LABELS: dict[str, str] = dict(COMPONENTS)
RATE_COLUMNS: tuple[str, ...] = (GLOBAL, *(c for c, _ in COMPONENTS))
RATE_LABELS: dict[str, str] = {GLOBAL: "Taux global", **COMPONENT_LABELS}

#: Place column matching each rate column.
PLACES_OF: dict[str, str] = {
    GLOBAL: "pl_total",
    "tx_eaje_psu": "pl_eaje_psu",
    "tx_eaje_hors_psu": "pl_eaje_hors_psu",
    "tx_assmat": "pl_assmat",
    "tx_salarie_domicile": "pl_salarie_domicile",
    "tx_prescolarisation": "pl_prescolarisation",
}
PLACE_COLUMNS: tuple[str, ...] = tuple(PLACES_OF.values())

FIRST_YEAR = 2017

#: Paris, Lyon, Marseille: the CNAF commune file lists arrondissements only.
PLM_ARRONDISSEMENTS: dict[str, tuple[str, ...]] = {
    "75056": tuple(f"751{i:02d}" for i in range(1, 21)),
    "69123": tuple(f"6938{i}" for i in range(1, 10)),
    "13055": tuple(f"132{i:02d}" for i in range(1, 17)),
}
ARRONDISSEMENT_TO_PLM: dict[str, str] = {
    arr: city for city, arrs in PLM_ARRONDISSEMENTS.items() for arr in arrs
}


#: Départements that a CNAF file may publish only in parts, under the Caf codes of
#: datastore.codes (69D Rhône hors Métropole, 69M Métropole de Lyon).
DEPARTEMENT_PARTS: dict[str, tuple[str, ...]] = {"69": ("69D", "69M")}


def default_passage() -> Mapping[str, str]:
    """Old commune code -> COG 2025 code (INSEE passage table, see datastore.codes)."""
    from datastore.codes import commune_reference

    return commune_reference().passage


class Status(StrEnum):
    """How a figure was obtained; shown to users."""

    PUBLIE = "publié"
    CALCULE = "calculé"  # PLM commune (arrondissements) or Rhône (69D + 69M) from published parts
    ESTIME = "estimation"
    ABSENT = "non publié"


#: Ratio to the national rate: class bounds (lower inclusive) and French labels. The same classes
#: are used at every scale so a colour always means the same position relative to France.
RATIO_BOUNDS: tuple[float, ...] = (0.0, 0.6, 0.8, 0.95, 1.05, 1.2, math.inf)
RATIO_LABELS: tuple[str, ...] = (
    "moins de 0,6 fois le taux national",
    "0,6 à 0,8 fois",
    "0,8 à 0,95 fois",
    "0,95 à 1,05 fois (proche du national)",
    "1,05 à 1,2 fois",
    "1,2 fois ou plus",
)
#: One colour per ratio class (ColorBrewer RdYlBu, colour-blind safe): red far below the
#: national rate, pale yellow to pale blue around it, blue above. Every map of the ratio uses
#: these classes and colours (ui.maps.ratio_colouring).
RATIO_COLORS: tuple[str, ...] = ("#d73027", "#fc8d59", "#fee090", "#e0f3f8", "#91bfdb", "#4575b4")
RATIO_METHOD = (
    "Rapport au taux national = taux global du territoire ÷ taux global de la France de la même "
    "année. Classes : < 0,6 ; 0,6–0,8 ; 0,8–0,95 ; 0,95–1,05 ; 1,05–1,2 ; ≥ 1,2."
)
DERIVED_CHILDREN_METHOD = (
    "Enfants de moins de 3 ans dérivés des chiffres Cnaf : places offertes ÷ taux global × 100 "
    "(dénominateur implicite de la Cnaf ; arrondis du taux à 0,1 près)."
)
INSEE_CHILDREN_METHOD = "Enfants de moins de 3 ans : fichier INSEE importé ({year})."
PLM_METHOD = (
    "Calculé à partir des {n} arrondissements publiés par la Cnaf : places additionnées, enfants "
    "de moins de 3 ans dérivés (places ÷ taux × 100) additionnés, taux = places ÷ enfants × 100."
)
DEPARTEMENT_PARTS_METHOD = (
    "Calculé à partir des {n} territoires publiés séparément par la Cnaf ({codes}) : places "
    "additionnées, enfants de moins de 3 ans dérivés (places ÷ taux × 100) additionnés, taux = "
    "places ÷ enfants × 100 (les taux ne sont jamais additionnés)."
)
MERGER_METHOD = (
    "Estimation sur le périmètre actuel ({name}) : communes fusionnées publiées séparément "
    "({codes}) ; places et enfants dérivés additionnés, taux recalculé (les taux ne sont jamais "
    "additionnés)."
)
AGGREGATE_METHOD = (
    "Estimation : places des {n} communes publiées (plus de 10 000 habitants) ÷ leurs enfants "
    "de moins de 3 ans dérivés × 100 ; ces communes regroupent {share} de la population du "
    "territoire, les autres communes ne sont pas comptées."
)
PARENT_METHOD = (
    "Estimation : taux {what} de {parent} ({year}) appliqué au territoire, faute de taux Cnaf "
    "pour ce territoire."
)
#: What the parent rate of PARENT_METHOD is, by its nature and status (labels never overstate).
PARENT_RATE_WORDS = {
    "synthétique": "de démonstration (synthétique)",
    "estimé": "estimé",
    Status.CALCULE.value: "calculé",
    Status.PUBLIE.value: "publié",
}
NOT_PUBLISHED_COMMUNE = (
    "La Cnaf ne publie pas de taux de couverture pour cette commune en {year} (le fichier communal "
    "ne couvre que les communes de plus de 10 000 habitants)."
)
BLANK_RATE_NOTE = (
    "Pas de taux pour le périmètre actuel en {year} : la commune résulte d'une fusion postérieure "
    "et les taux publiés des anciennes communes ne s'additionnent pas (laissés vides à l'import)."
)
NOT_PUBLISHED_LEVEL = "Aucun taux Cnaf importé au niveau « {level} » pour {year}."
NOT_PUBLISHED_MAYOTTE = (
    "La Cnaf ne publie aucun taux de couverture pour Mayotte : le département et ses communes "
    "sont absents de ses fichiers (communaux et départementaux), quelle que soit leur taille."
)


def absent_reason(niveau: str, code: str, year: int) -> str:
    """Why a territory has no published rate, in French (Mayotte: absent from the CNAF files,
    not a question of size)."""
    if (niveau == "commune" and str(code).startswith("976")) or (
        niveau == "departement" and str(code) == "976"
    ):
        return NOT_PUBLISHED_MAYOTTE
    if niveau == "commune":
        return NOT_PUBLISHED_COMMUNE.format(year=year)
    return NOT_PUBLISHED_LEVEL.format(level=LEVEL_NAMES_FR.get(niveau, niveau), year=year)


LEVEL_NAMES_FR = {
    "commune": "commune",
    "epci": "EPCI",
    "departement": "département",
    "region": "région",
    "france": "France",
}

FIGURE_COLUMNS: tuple[str, ...] = (
    "niveau",
    "code",
    "nom",
    "annee",
    "edition",
    "statut",
    "methode",
    "nature",
    *RATE_COLUMNS,
    "pl_total",
    "enfants_moins_3",
    "enfants_methode",
    "ancien_perimetre",
)


# --------------------------------------------------------------------------- helpers


def _num(s: pd.Series) -> pd.Series:
    """Numeric float64 copy (NA -> NaN)."""
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _code(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("").str.strip()


_PREPARED = "coverage_prepared"


def _prepare(frame: pd.DataFrame, value_columns: Iterable[str]) -> pd.DataFrame:
    """Typed copy: codes as strings, years as int, values as float, `nature` default 'réel'.

    A frame returned by `prepare` (flagged in `attrs`) is returned as is, without a copy:
    callers here only filter it, never write into it.
    """
    if frame.attrs.get(_PREPARED):
        return frame
    out = frame.copy()
    out["niveau"] = _code(out["niveau"])
    out["code"] = _code(out["code"]) if "code" in out else ""
    out["annee"] = pd.to_numeric(out["annee"], errors="coerce").astype("Int64")
    for c in value_columns:
        if c in out:
            out[c] = _num(out[c])
        else:
            out[c] = np.nan
    if "nature" not in out:
        out["nature"] = "réel"
    if "nom" not in out:
        out["nom"] = ""
    out["edition"] = _code(out["edition"]) if "edition" in out else ""
    return out


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed copy of a `caf_taux` or `caf_places` frame, flagged so later calls skip the typing.

    Optional (every function types its inputs itself); use it once on large frames that are
    passed to many calls (a page drawing dozens of figures).
    """
    out = _prepare(frame, (*RATE_COLUMNS, *PLACE_COLUMNS))
    out.attrs[_PREPARED] = True
    return out


def with_nature(frame: pd.DataFrame, metas: Iterable[object]) -> pd.DataFrame:
    """Copy of a workspace frame with a `nature` column taken from its datasets' metadata.

    `metas` are `datastore.store.DatasetMeta` (any object with `id` and `nature`).
    """
    by_id = {int(m.id): str(m.nature) for m in metas}  # type: ignore[attr-defined]
    out = frame.copy()
    if "dataset_id" in out:
        out["nature"] = out["dataset_id"].map(
            lambda i: by_id.get(int(i), "réel") if pd.notna(i) else "réel"
        )
    else:
        out["nature"] = "réel"
    return out


def years_available(taux: pd.DataFrame, niveau: str | None = None) -> list[int]:
    """Sorted years present in the rates frame (optionally for one level), from 2017."""
    df = taux if niveau is None else taux[_code(taux["niveau"]) == niveau]
    years = pd.to_numeric(df["annee"], errors="coerce").dropna().astype(int)
    return sorted(int(y) for y in years.unique() if y >= FIRST_YEAR)


def levels_available(taux: pd.DataFrame, year: int | None = None) -> list[str]:
    """Levels (niveau) with at least one published row (optionally for one year)."""
    df = taux
    if year is not None:
        df = df[pd.to_numeric(df["annee"], errors="coerce") == year]
    return sorted(set(_code(df["niveau"])) - {""})


def _rows(df: pd.DataFrame, niveau: str, year: int, codes: Sequence[str] | None) -> pd.DataFrame:
    sel = (df["niveau"] == niveau) & (df["annee"] == year)
    if codes is not None and niveau != "france":
        sel &= df["code"].isin(list(codes))
    return df.loc[sel]


# --------------------------------------------------------------------------- editions

#: Recency of an edition: a year's latest edition has the highest rank ('' = not said).
EDITION_RANK: dict[str, int] = {"": 0, "hist": 1, "courant": 2}
EDITION_LABELS: dict[str, str] = {
    "hist": "première publication",
    "courant": "édition courante",
    "": "édition non précisée",
}
EDITION_RULE = (
    "La Cnaf publie chaque année deux fois : une première publication, puis une édition "
    "révisée l'année suivante. Chaque année est affichée dans sa dernière édition ; une "
    "comparaison ou un rapport au taux national utilise des chiffres de la même édition."
)


def editions_in(
    taux: pd.DataFrame, year: int, niveau: str | None = None, codes: Sequence[str] | None = None
) -> list[str]:
    """Editions (hist, courant) of the rows of `year` (optionally of one level and codes),
    oldest first; rows without an edition are not counted."""
    df = _prepare(taux, ())
    sel = df["annee"] == year
    if niveau is not None:
        sel &= df["niveau"] == niveau
        if codes is not None and niveau != "france":
            sel &= df["code"].isin(list(codes))
    found = set(df.loc[sel, "edition"]) - {""}
    return sorted(found, key=lambda e: EDITION_RANK.get(e, 0))


def _chosen_or_latest(found: list[str], chosen: str | None) -> str:
    if chosen and chosen in found:
        return chosen
    return found[-1] if found else (chosen or "")


def comparison_edition(
    taux: pd.DataFrame, place: Place, year: int, chosen: str | None = None
) -> str:
    """The ONE edition of a comparison centred on `place` in `year`: `chosen` when the year
    has it, else the latest edition of the place's own figure (its arrondissements or Caf
    parts for Paris, Lyon, Marseille and the Rhône), else the latest edition of the year.

    The shipped commune file is the first publication: a commune's 2022 comparison uses the
    first publication of its département and of France (national 60,3, not the revised 59,5).
    """
    if chosen:
        return _chosen_or_latest(editions_in(taux, year), chosen)
    codes = [place.code, *PLM_ARRONDISSEMENTS.get(place.code, ())]
    codes += list(DEPARTEMENT_PARTS.get(place.code, ()) if place.niveau == "departement" else ())
    own = editions_in(taux, year, place.niveau, codes)
    return own[-1] if own else _chosen_or_latest(editions_in(taux, year), None)


def level_edition(taux: pd.DataFrame, niveau: str, year: int, chosen: str | None = None) -> str:
    """The ONE edition of a map or ranking of `niveau` in `year`: `chosen` when that level has
    it, else the latest edition of the level (communes 2022: first publication)."""
    found = editions_in(taux, year, niveau) or editions_in(taux, year)
    return _chosen_or_latest(found, chosen)


def at_edition(taux: pd.DataFrame, edition: str | None = None) -> pd.DataFrame:
    """Rows of one edition: `edition` None keeps the latest edition of every figure (niveau,
    code, annee); otherwise the rows of that edition and those without an edition. The result
    is flagged prepared (no copy of the rows kept)."""
    df = _prepare(taux, (*RATE_COLUMNS, *PLACE_COLUMNS))
    ed = df["edition"]
    if edition is None:
        if ed.nunique() <= 1:
            return df if df.attrs.get(_PREPARED) else _flag(df)
        rank = ed.map(EDITION_RANK).fillna(0)
        best = rank.groupby([df["niveau"], df["code"], df["annee"]], dropna=False).transform("max")
        out = df[rank == best]
    else:
        out = df[(ed == edition) | (ed == "")]
    return _flag(out)


def _flag(df: pd.DataFrame) -> pd.DataFrame:
    df.attrs[_PREPARED] = True
    return df


def year_coverage(taux: pd.DataFrame) -> dict[int, list[str]]:
    """Levels with at least one rate, per year (for a year selector that says which scales
    have which years)."""
    df = _prepare(taux, (GLOBAL,))
    df = df[df[GLOBAL].notna() & (df["annee"] >= FIRST_YEAR)]
    out: dict[int, list[str]] = {}
    for (year, niveau), _ in df.groupby(["annee", "niveau"]):
        out.setdefault(int(year), []).append(str(niveau))
    order = list(LEVEL_NAMES_FR)
    return {
        y: sorted(v, key=lambda n: order.index(n) if n in order else 99) for y, v in out.items()
    }


# --------------------------------------------------------------------------- published figures


def published_rates(
    taux: pd.DataFrame, niveau: str, year: int, codes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Published rows of one level and year (all, or the given codes), exactly as published.

    Columns: niveau, code, nom, annee, nature and the six rate columns. For `france` the code is
    ignored. Values are the stored ones: no rounding, no recomputation.
    """
    df = _prepare(taux, RATE_COLUMNS)
    rows = _rows(df, niveau, year, codes)
    if rows["edition"].nunique() > 1:  # two editions of a figure: the latest one is kept
        rank = rows["edition"].map(EDITION_RANK).fillna(0)
        rows = rows.iloc[np.argsort(rank.to_numpy(), kind="stable")]
    cols = ["niveau", "code", "nom", "annee", "edition", "nature", *RATE_COLUMNS]
    return (
        rows[cols].drop_duplicates(["niveau", "code", "annee"], keep="last").reset_index(drop=True)
    )


def derived_children(places: float | None, rate: float | None) -> float:
    """Children under 3 implied by CNAF figures: places ÷ rate × 100 (NaN if rate is 0 or missing)."""
    if places is None or rate is None or pd.isna(places) or pd.isna(rate) or rate <= 0:
        return math.nan
    return float(places) / float(rate) * 100.0


def with_derived_children(rates: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Join published rates and places (same annee/niveau/code) and derive children under 3.

    Adds `pl_total` (and the component places) and `enfants_moins_3` = pl_total ÷ tx_global × 100.
    Rows without places or with a zero rate get NaN children.
    """
    r = _prepare(rates, RATE_COLUMNS)
    raw = places
    if not places.attrs.get(_PREPARED) and "code" in places and not r.empty:
        # cheap pre-filter on the raw codes before typing the whole places frame
        raw = places[places["code"].astype("string").fillna("").str.strip().isin(set(r["code"]))]
    else:
        raw = places[places["code"].isin(set(r["code"]))] if "code" in places else places
    p = _prepare(raw, PLACE_COLUMNS)[["niveau", "code", "annee", *PLACE_COLUMNS]]
    p = p.drop_duplicates(["niveau", "code", "annee"], keep="last")
    out = r.drop(columns=[c for c in PLACE_COLUMNS if c in r], errors="ignore")
    out = out.merge(p, on=["niveau", "code", "annee"], how="left")
    rate = out[GLOBAL].where(out[GLOBAL] > 0)
    out["enfants_moins_3"] = out["pl_total"] / rate * 100.0
    return out


def _empty_figure(
    niveau: str, code: str, nom: str, year: int, status: Status, methode: str = ""
) -> dict:
    row: dict = {c: math.nan for c in FIGURE_COLUMNS}
    row.update(
        niveau=niveau,
        code=code,
        nom=nom,
        annee=year,
        statut=str(status),
        methode=methode,
        nature="réel",
        edition="",
        enfants_methode="",
        ancien_perimetre=False,
    )
    return row


def aggregate_parts(parts: pd.DataFrame) -> dict:
    """Rates of a union of published parts: places summed, derived children summed.

    `parts` has the columns of `with_derived_children`. Each rate (global and components) is
    component places ÷ total children × 100. Parts without places or rate make the result NaN
    (an incomplete union is not a figure). Returns the rate, place and children values.
    """
    children = parts["enfants_moins_3"]
    if parts.empty or children.isna().any() or parts["pl_total"].isna().any():
        return {
            **{c: math.nan for c in RATE_COLUMNS},
            "pl_total": math.nan,
            "enfants_moins_3": math.nan,
        }
    total_children = float(children.sum())
    out: dict = {"pl_total": float(parts["pl_total"].sum()), "enfants_moins_3": total_children}
    for rate_col, place_col in PLACES_OF.items():
        places = parts[place_col]
        out[rate_col] = (
            float(places.sum()) / total_children * 100.0
            if total_children > 0 and places.notna().all()
            else math.nan
        )
    return out


def _union_figure(
    taux: pd.DataFrame,
    places: pd.DataFrame,
    commune_code: str,
    nom: str,
    year: int,
    codes: Sequence[str],
    status: Status,
    methode: str,
    incomplete: str,
    no_places: str,
    niveau: str = "commune",
) -> dict:
    """Figure of one territory of `niveau` (a commune unless told) rebuilt from its published
    parts (`codes`, of the same level): places and children summed.

    `status` and `methode` when every part is published with places and a rate; otherwise a
    `non publié` figure with the reason `incomplete` (a part not published; `{n}` = parts
    published, `{total}` = parts expected) or `no_places` (places missing).
    """
    parts = with_derived_children(published_rates(taux, niveau, year, codes), places)
    if len(parts) != len(codes):
        reason = incomplete.format(n=len(parts), total=len(codes))
        return _empty_figure(niveau, commune_code, nom, year, Status.ABSENT, reason)
    agg = aggregate_parts(parts)
    if pd.isna(agg[GLOBAL]):
        return _empty_figure(niveau, commune_code, nom, year, Status.ABSENT, no_places)
    row = _empty_figure(niveau, commune_code, nom, year, status, methode)
    row.update(agg)
    row["edition"] = _one_edition(parts["edition"])
    row["nature"] = _worst_nature(parts["nature"])
    row["enfants_methode"] = DERIVED_CHILDREN_METHOD
    return row


def plm_figure(
    taux: pd.DataFrame, places: pd.DataFrame, commune_code: str, year: int, nom: str = ""
) -> dict:
    """Commune figure of Paris, Lyon or Marseille computed from its arrondissements.

    Status `calculé` (never `publié`); `non publié` when an arrondissement is missing.
    """
    arrs = PLM_ARRONDISSEMENTS[commune_code]
    return _union_figure(
        taux,
        places,
        commune_code,
        nom,
        year,
        arrs,
        Status.CALCULE,
        PLM_METHOD.format(n=len(arrs)),
        "Arrondissements publiés : {n} sur {total}.",
        "Places des arrondissements absentes : calcul impossible.",
    )


def departement_parts_figure(
    taux: pd.DataFrame, places: pd.DataFrame, code: str, year: int, nom: str = ""
) -> dict:
    """Figure of a département the CNAF publishes in parts (Rhône = 69D + 69M).

    Status `calculé`; `non publié` when a part or its places are missing.
    """
    parts = DEPARTEMENT_PARTS[code]
    return _union_figure(
        taux,
        places,
        code,
        nom,
        year,
        parts,
        Status.CALCULE,
        DEPARTEMENT_PARTS_METHOD.format(n=len(parts), codes=", ".join(parts)),
        "Territoires Caf publiés : {n} sur {total} (" + ", ".join(parts) + ").",
        "Places des territoires Caf (" + ", ".join(parts) + ") absentes : calcul impossible.",
        niveau="departement",
    )


def _published_in_parts(taux: pd.DataFrame, niveau: str, code: str, year: int) -> bool:
    """True when `code` has no published row but some of its CNAF parts have one."""
    if niveau != "departement" or code not in DEPARTEMENT_PARTS:
        return False
    own = published_rates(taux, niveau, year, [code])
    if own[GLOBAL].notna().any():
        return False
    return not published_rates(taux, niveau, year, DEPARTEMENT_PARTS[code]).empty


def plm_detail(
    taux: pd.DataFrame, places: pd.DataFrame, commune_code: str, year: int
) -> pd.DataFrame:
    """Published figures of the arrondissements of Paris, Lyon or Marseille (FIGURE_COLUMNS).

    Exactly as published (status `publié`), with derived children; empty for other communes.
    """
    arrs = PLM_ARRONDISSEMENTS.get(commune_code, ())
    if not arrs:
        return figures_frame([])
    parts = with_derived_children(published_rates(taux, "commune", year, arrs), places)
    rows = []
    for r in parts.sort_values("code").itertuples(index=False):
        row = _empty_figure("commune", r.code, str(r.nom), year, Status.PUBLIE)
        for c in (*RATE_COLUMNS, "pl_total", "enfants_moins_3"):
            row[c] = getattr(r, c)
        row["nature"] = str(r.nature)
        row["edition"] = str(r.edition)
        row["enfants_methode"] = DERIVED_CHILDREN_METHOD
        rows.append(row)
    return figures_frame(rows)


def _one_edition(editions: Iterable[str]) -> str:
    """The edition of figures built from several rows: the one they share ('' if mixed)."""
    values = {str(e) for e in editions} - {""}
    return values.pop() if len(values) == 1 else ""


def _worst_nature(natures: Iterable[str]) -> str:
    values = set(natures)
    for n in ("synthétique", "estimé"):
        if n in values:
            return n
    return "réel"


def merged_groups(
    taux: pd.DataFrame, year: int, passage: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Current communes whose perimeter changed after `year`, with the codes published that year.

    A code published in `year` that the passage table maps to another current code belongs to
    a commune merged since: the group {current code: [published codes]} is returned for every
    current code whose published codes are not exactly itself.
    """
    passage = default_passage() if passage is None else passage
    df = _prepare(taux, ())
    codes = df.loc[(df["niveau"] == "commune") & (df["annee"] == year), "code"].unique()
    groups: dict[str, list[str]] = {}
    for c in codes:
        groups.setdefault(passage.get(c, c), []).append(str(c))
    return {new: sorted(olds) for new, olds in groups.items() if sorted(olds) != [new]}


def merger_figure(
    taux: pd.DataFrame,
    places: pd.DataFrame,
    commune_code: str,
    year: int,
    olds: Sequence[str],
    nom: str = "",
) -> dict:
    """Estimate for a commune merged after `year`: its former communes' places and children summed.

    The published rates of the former communes are never summed. Status `estimation`.
    """
    return _union_figure(
        taux,
        places,
        commune_code,
        nom,
        year,
        olds,
        Status.ESTIME,
        MERGER_METHOD.format(name=nom or commune_code, codes=", ".join(olds)),
        "Communes fusionnées : chiffres incomplets pour le périmètre actuel.",
        "Communes fusionnées : places absentes, estimation impossible.",
    )


def merger_note(taux: pd.DataFrame, year: int, olds: Sequence[str]) -> str:
    """French note listing the separately published rates of a merged commune (never summed)."""
    rates = published_rates(taux, "commune", year, olds)
    parts = [
        f"{r.nom or r.code} ({r.code}) : {fmt_number(r.tx_global, 1)}" for r in rates.itertuples()
    ]
    return (
        f"Commune modifiée (fusion) après {year} : la Cnaf a publié pour {year} des taux sur "
        f"les anciens périmètres ({' ; '.join(parts) or 'aucun'}). Ces taux ne s'additionnent "
        "pas ; une estimation sur le périmètre actuel est proposée sur demande."
    )


@dataclass(frozen=True)
class Place:
    """A territory as the coverage functions need it (level as in `caf_taux.niveau`)."""

    niveau: str
    code: str
    nom: str


def _parent_estimate(
    place: Place, year: int, parents: Sequence[Place], figure_of: Callable[[Place], dict]
) -> dict | None:
    """Estimate with the rates of the nearest parent whose global rate is published or computed
    (`figure_of(parent)` gives its figure); None when no parent has one."""
    for parent in parents:
        prow = figure_of(parent)
        if prow["statut"] in (Status.PUBLIE, Status.CALCULE) and pd.notna(prow[GLOBAL]):
            row = _empty_figure(
                place.niveau,
                place.code,
                place.nom,
                year,
                Status.ESTIME,
                PARENT_METHOD.format(
                    what=PARENT_RATE_WORDS.get(
                        str(prow["nature"]), PARENT_RATE_WORDS[str(prow["statut"])]
                    )
                    if str(prow["nature"]) != "réel"
                    else PARENT_RATE_WORDS[str(prow["statut"])],
                    parent=parent.nom,
                    year=year,
                ),
            )
            for c in RATE_COLUMNS:
                row[c] = prow[c]
            row["nature"] = prow["nature"]
            row["edition"] = prow.get("edition", "")
            return row
    return None


def territory_figure(
    taux: pd.DataFrame,
    places: pd.DataFrame,
    place: Place,
    year: int,
    *,
    estimate: bool = False,
    parents: Sequence[Place] = (),
    communes: pd.DataFrame | None = None,
    passage: Mapping[str, str] | None = None,
) -> dict:
    """One figure (dict with FIGURE_COLUMNS) for a territory and year, with its status.

    Order: PLM commune → `calculé`; commune merged after `year` → `non publié` (or the merger
    estimate); published row → `publié`; otherwise `non publié` with a French reason, or, when
    `estimate` is True, an estimate (aggregation of the published communes listed in
    `communes` [code_insee, population] for a level above the commune, else the rate of the
    nearest parent in `parents` that is published).
    """
    niveau, code, nom = place.niveau, place.code, place.nom
    if niveau == "commune" and code in PLM_ARRONDISSEMENTS:
        return plm_figure(taux, places, code, year, nom)
    olds = merged_groups(taux, year, passage).get(code) if niveau == "commune" else None
    if olds:
        row = (
            merger_figure(taux, places, code, year, olds, nom)
            if estimate
            else _empty_figure(
                niveau, code, nom, year, Status.ABSENT, merger_note(taux, year, olds)
            )
        )
        row["ancien_perimetre"] = True
        return row
    if _published_in_parts(taux, niveau, code, year):
        return departement_parts_figure(taux, places, code, year, nom)
    rates = published_rates(taux, niveau, year, [code])
    blank = not rates.empty and rates[GLOBAL].isna().all()
    rates = rates[rates[GLOBAL].notna()]
    if not rates.empty:
        full = with_derived_children(rates, places).iloc[0]
        row = _empty_figure(niveau, code, nom or str(full["nom"]), year, Status.PUBLIE)
        for c in RATE_COLUMNS:
            row[c] = full[c]
        row["pl_total"] = full["pl_total"]
        row["enfants_moins_3"] = full["enfants_moins_3"]
        row["enfants_methode"] = DERIVED_CHILDREN_METHOD if pd.notna(full["pl_total"]) else ""
        row["nature"] = str(full["nature"])
        row["edition"] = str(full["edition"])
        return row
    reason = absent_reason(niveau, code, year)
    if blank:
        reason = BLANK_RATE_NOTE.format(year=year)
    if not estimate:
        row = _empty_figure(niveau, code, nom, year, Status.ABSENT, reason)
        row["ancien_perimetre"] = blank and niveau == "commune"
        return row
    if niveau != "commune" and communes is not None and not communes.empty:
        agg_row = aggregate_communes(taux, places, communes, year)
        if agg_row is not None:
            row = _empty_figure(niveau, code, nom, year, Status.ESTIME, agg_row.pop("methode"))
            row.update(agg_row)
            return row
    from_parent = _parent_estimate(
        place, year, parents, lambda parent: territory_figure(taux, places, parent, year)
    )
    if from_parent is not None:
        return from_parent
    return _empty_figure(
        niveau,
        code,
        nom,
        year,
        Status.ABSENT,
        reason + " Aucune estimation possible : pas de chiffre publié à agréger.",
    )


REGION_METHOD = (
    "Estimation : taux des {n} départements de la région publiés par la Cnaf ({year}, {edition}), "
    "moyenne pondérée par leurs enfants de moins de 3 ans estimés (naissances domiciliées, "
    "Insee) ; la Cnaf ne publie pas de taux régional dans les fichiers importés."
)


def region_estimate(
    taux: pd.DataFrame,
    place: Place,
    year: int,
    departements: Sequence[str],
    children: Mapping[str, float] | pd.Series,
) -> dict:
    """Estimated rates of a région from its départements' published rates, weighted by their
    estimated children under 3 (status `estimation`, method REGION_METHOD). `non publié` when
    a département has no rate or no children estimate (an incomplete average is no figure).
    Use it only on request, never next to a synthetic région rate."""
    deps = list(departements)
    rates = published_rates(taux, "departement", year, deps)
    rates = rates[rates[GLOBAL].notna()].set_index("code")
    weights = pd.Series({d: children.get(d, math.nan) for d in deps}, dtype="float64")
    if len(rates) != len(deps) or weights.isna().any() or weights.sum() <= 0:
        return _empty_figure(
            place.niveau,
            place.code,
            place.nom,
            year,
            Status.ABSENT,
            f"Pas de taux régional publié pour {year} ; estimation impossible : "
            f"{len(rates)} département(s) sur {len(deps)} avec un taux et des enfants estimés.",
        )
    edition = _one_edition(rates["edition"])
    row = _empty_figure(
        place.niveau,
        place.code,
        place.nom,
        year,
        Status.ESTIME,
        REGION_METHOD.format(
            n=len(deps), year=year, edition=EDITION_LABELS.get(edition, "édition non précisée")
        ),
    )
    w = weights.reindex(rates.index)
    for c in RATE_COLUMNS:
        values = rates[c]
        row[c] = float((values * w).sum() / w.sum()) if values.notna().all() else math.nan
    row["enfants_moins_3"] = float(w.sum())
    row["enfants_methode"] = "Estimation (naissances domiciliées, Insee), somme des départements."
    row["nature"] = "estimé"
    row["edition"] = edition
    return row


def published_parts(
    taux: pd.DataFrame, places: pd.DataFrame, year: int, codes: Sequence[str]
) -> pd.DataFrame:
    """Communes among `codes` published in `year` with places and a positive rate.

    Columns of `with_derived_children` (rates, places, derived children, nature): the parts an
    aggregate (`aggregate_parts`) can use; communes without places or rate are left out.
    """
    parts = with_derived_children(published_rates(taux, "commune", year, codes), places)
    return parts[parts["enfants_moins_3"].notna() & parts["pl_total"].notna()]


def aggregate_communes(
    taux: pd.DataFrame, places: pd.DataFrame, communes: pd.DataFrame, year: int
) -> dict | None:
    """Estimate for a group of communes from those the CNAF publishes (PLM via arrondissements).

    `communes` has code_insee and population (current COG). Returns the aggregated values,
    `nature`, `methode` (with the population share covered) or None if no commune is published.
    """
    codes = _code(communes["code_insee"]).tolist()
    arr_codes = [a for c in codes if c in PLM_ARRONDISSEMENTS for a in PLM_ARRONDISSEMENTS[c]]
    parts = published_parts(taux, places, year, codes + arr_codes)
    if parts.empty:
        return None
    agg = aggregate_parts(parts)
    covered = set(parts["code"]) | {ARRONDISSEMENT_TO_PLM.get(c, c) for c in parts["code"]}
    pop = _num(communes["population"]).fillna(0)
    total = float(pop.sum())
    share = (
        float(pop[_code(communes["code_insee"]).isin(covered)].sum()) / total * 100 if total else 0
    )
    n = len({ARRONDISSEMENT_TO_PLM.get(c, c) for c in parts["code"]})
    agg["nature"] = _worst_nature(parts["nature"])
    agg["edition"] = _one_edition(parts["edition"])
    agg["enfants_methode"] = DERIVED_CHILDREN_METHOD + " Communes publiées seulement."
    agg["methode"] = AGGREGATE_METHOD.format(n=n, share=fmt_percent(share, 0))
    return agg


def figures_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Frame with FIGURE_COLUMNS from figure dicts."""
    df = pd.DataFrame(list(rows), columns=list(FIGURE_COLUMNS))
    for c in (*RATE_COLUMNS, "pl_total", "enfants_moins_3"):
        df[c] = _num(df[c])
    return df


def comparison(
    taux: pd.DataFrame,
    places: pd.DataFrame,
    chain: Sequence[Place],
    year: int,
    *,
    estimate: bool = False,
    communes_by_place: Mapping[str, pd.DataFrame] | None = None,
    passage: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Side-by-side figures of a territory and its parents (e.g. commune, EPCI, département, France).

    `chain` is ordered from the territory to France; each element may be estimated from the
    following ones (its parents) when `estimate` is True.
    """
    return figures_frame(
        _chain_figures(taux, places, chain, year, estimate, communes_by_place, passage)
    )


def _chain_figures(
    taux: pd.DataFrame,
    places: pd.DataFrame,
    chain: Sequence[Place],
    year: int,
    estimate: bool,
    communes_by_place: Mapping[str, pd.DataFrame] | None,
    passage: Mapping[str, str] | None,
) -> list[dict]:
    """`territory_figure` of each place of `chain` (ordered from the territory to France), each
    one estimable from the places after it (its parents)."""
    return [
        territory_figure(
            taux,
            places,
            place,
            year,
            estimate=estimate,
            parents=chain[i + 1 :],
            communes=(communes_by_place or {}).get(f"{place.niveau}:{place.code}"),
            passage=passage,
        )
        for i, place in enumerate(chain)
    ]


def components_long(figures: pd.DataFrame) -> pd.DataFrame:
    """Long frame (territoire, composante, taux, ordre) for stacked bars of the five components."""
    out = []
    for _, r in figures.iterrows():
        for order, (col, label) in enumerate(COMPONENTS):
            out.append(
                {
                    "territoire": r["nom"],
                    "statut": r["statut"],
                    "composante": label,
                    "taux": r[col],
                    "ordre": order,
                }
            )
    return pd.DataFrame(out, columns=["territoire", "statut", "composante", "taux", "ordre"])


# --------------------------------------------------------------------------- national ratio


def national_rate(taux: pd.DataFrame, year: int, edition: str | None = None) -> tuple[float, str]:
    """Published national global rate of `year` and its nature; (NaN, '') if not imported.

    `edition` None: the latest edition of the year (or the one `taux` was restricted to by
    `at_edition`); otherwise that edition only."""
    if edition is not None:
        taux = at_edition(taux, edition)
    rows = published_rates(taux, "france", year)
    if rows.empty or pd.isna(rows[GLOBAL].iloc[0]):
        return math.nan, ""
    return float(rows[GLOBAL].iloc[0]), str(rows["nature"].iloc[0])


def ratio_to_national(rates: pd.Series | float, national: float) -> pd.Series | float:
    """Rate ÷ national rate (NaN when the national rate is missing or zero)."""
    if national is None or pd.isna(national) or national <= 0:
        return _num(rates) * math.nan if isinstance(rates, pd.Series) else math.nan
    if isinstance(rates, pd.Series):
        return _num(rates) / national
    return math.nan if rates is None or pd.isna(rates) else float(rates) / national


def ratio_class(ratios: pd.Series) -> pd.Series:
    """Fixed ratio classes (RATIO_LABELS) as an ordered categorical; NaN stays missing.

    Ratios are rounded to 6 decimals first so that 46.4 / 58 (0.79999…) falls in « 0,8 à 0,95 ».
    """
    return pd.cut(
        _num(ratios).round(6), bins=list(RATIO_BOUNDS), labels=list(RATIO_LABELS), right=False
    )


def quantile_class(values: pd.Series, k: int = 5) -> pd.Series:
    """Quantile classes (k groups, fewer when values repeat) labelled with their bounds in French."""
    v = _num(values)
    valid = v.dropna()
    if valid.empty:
        return pd.Series(pd.Categorical([None] * len(v)), index=v.index)
    edges = sorted(set(np.quantile(valid, np.linspace(0, 1, k + 1)).round(6)))
    if len(edges) == 1:
        edges = [edges[0], edges[0] + 1e-9]
    labels = [
        f"{fmt_number(a, 2)} à {fmt_number(b, 2)}"
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    return pd.cut(v, bins=edges, labels=labels, include_lowest=True, duplicates="drop")


# --------------------------------------------------------------------------- ranking


def places_missing(
    places: pd.Series | float, children: pd.Series | float, target_rate: float
) -> pd.Series | float:
    """Places to add to reach `target_rate` (per 100 children): max(0, target × children ÷ 100 − places)."""
    if isinstance(places, pd.Series) or isinstance(children, pd.Series):
        need = _num(pd.Series(children)) * target_rate / 100.0 - _num(pd.Series(places))
        return need.clip(lower=0)
    if pd.isna(places) or pd.isna(children) or pd.isna(target_rate):
        return math.nan
    return max(0.0, float(children) * target_rate / 100.0 - float(places))


def children_by_unit(
    enfants: pd.DataFrame, communes: pd.DataFrame, column: str, year: int
) -> pd.Series:
    """Children under 3 of `year` summed per unit (`column` of `communes`: code_insee, siren_epci,
    dep or reg), from a commune-level `enfants` frame (e.g. the births estimate). A unit some
    of whose communes have no value still gets the sum of the others (the 4 Cantal communes
    restored in 2025 are missing from the INSEE births file). PLM arrondissements are kept
    under their own code for the commune level only."""
    e = enfants[pd.to_numeric(enfants["annee"], errors="coerce") == year]
    values = _num(e.set_index(_code(e["code_insee"]))["enfants_moins_3"])
    values = values[~values.index.duplicated(keep="last")]
    if column == "code_insee":
        return values.dropna()
    com = communes[["code_insee", column]].copy()
    com["v"] = _code(com["code_insee"]).map(values)
    return com.groupby(_code(com[column]))["v"].sum(min_count=1).dropna()


def children_from_insee(
    enfants: pd.DataFrame, codes: Sequence[str], year: int
) -> tuple[pd.Series, int | None]:
    """INSEE children under 3 per commune code, for `year` or the latest earlier year.

    Returns (series indexed by code_insee, year used); empty series and None if nothing fits.
    """
    df = enfants.copy()
    df["code_insee"] = _code(df["code_insee"])
    df["annee"] = pd.to_numeric(df["annee"], errors="coerce")
    df = df[
        df["code_insee"].isin(list(codes))
        & (df["annee"] <= year)
        & _num(df["enfants_moins_3"]).notna()
    ]
    if df.empty:
        return pd.Series(dtype="float64"), None
    used = int(df["annee"].max())
    df = df[df["annee"] == used]
    return _num(df.set_index("code_insee")["enfants_moins_3"]), used


def ranking(  # noqa: C901 - ranking steps in order (published, estimate, places missing); split with the coverage work of issue 13
    taux: pd.DataFrame,
    places: pd.DataFrame,
    niveau: str,
    units: pd.DataFrame,
    year: int,
    *,
    national: float,
    target: float | None = None,
    estimate: bool = False,
    parent_chain: Sequence[Place] = (),
    enfants: pd.DataFrame | None = None,
    communes: pd.DataFrame | None = None,
    passage: Mapping[str, str] | None = None,
    children: pd.Series | None = None,
    children_method: str = "",
) -> pd.DataFrame:
    """Sub-territories of one level with places, rate, children, ratio and places missing.

    `children` (indexed by unit code, e.g. the births estimate summed per unit) fills the
    children of the units that have no derived or INSEE count (`children_method` says how):
    the published rate is never replaced; where the places are not published either (the
    département file has rates only), the places missing are (target − rate) × children ÷ 100.

    `units` lists the sub-territories (columns code, nom; for communes also siren_epci, dep).
    `parent_chain` are the enclosing territories (nearest first) used by estimates of
    unpublished units. `enfants` (INSEE, commune level, optional) replaces the derived children
    for communes. `communes` (code_insee, population, siren_epci, dep) lets an estimate of a
    level above the commune aggregate its published communes. Sorted by rate, highest first.
    """
    units = units.copy()
    units["code"] = _code(units["code"])
    published = with_derived_children(
        published_rates(taux, niveau, year, units["code"].tolist()), places
    )
    blank_codes = set(published.loc[published[GLOBAL].isna(), "code"])
    by_code = published[published[GLOBAL].notna()].set_index("code")
    merged = merged_groups(taux, year, passage) if niveau == "commune" else {}
    rows: list[dict] = []
    parent_cache: dict[Place, dict] = {}
    epci_rates = pd.DataFrame()
    if estimate and niveau == "commune" and "siren_epci" in units:
        sirens = units["siren_epci"].dropna().astype(str).unique().tolist()
        epci_rates = published_rates(taux, "epci", year, sirens).set_index("code")

    def _parent_rate(parent: Place) -> dict:
        if parent not in parent_cache:
            if parent.niveau == "epci" and estimate and niveau == "commune":
                row = _empty_figure("epci", parent.code, parent.nom, year, Status.ABSENT)
                if parent.code in epci_rates.index:
                    r = epci_rates.loc[parent.code]
                    row["statut"] = str(Status.PUBLIE)
                    row["nature"] = str(r["nature"])
                    row["edition"] = str(r["edition"])
                    for c in RATE_COLUMNS:
                        row[c] = r[c]
                parent_cache[parent] = row
            else:
                parent_cache[parent] = territory_figure(taux, places, parent, year)
        return parent_cache[parent]

    for u in units.itertuples(index=False):
        place = Place(niveau, u.code, str(u.nom))
        special = (niveau == "commune" and (u.code in PLM_ARRONDISSEMENTS or u.code in merged)) or (
            u.code not in by_code.index and _published_in_parts(taux, niveau, u.code, year)
        )
        if special:
            row = territory_figure(
                taux,
                places,
                place,
                year,
                estimate=estimate,
                parents=parent_chain,
                passage=passage,
            )
        elif u.code in by_code.index:
            r = by_code.loc[u.code]
            row = _empty_figure(niveau, u.code, str(u.nom), year, Status.PUBLIE)
            for c in (*RATE_COLUMNS, "pl_total", "enfants_moins_3"):
                row[c] = r[c]
            row["nature"] = str(r["nature"])
            row["edition"] = str(r["edition"])
            row["enfants_methode"] = DERIVED_CHILDREN_METHOD if pd.notna(r["pl_total"]) else ""
        elif not estimate:
            reason = (
                BLANK_RATE_NOTE.format(year=year)
                if u.code in blank_codes
                else absent_reason(niveau, u.code, year)
            )
            row = _empty_figure(niveau, u.code, str(u.nom), year, Status.ABSENT, reason)
        elif niveau == "commune":
            unit_parents = list(parent_chain)
            epci = getattr(u, "siren_epci", None)
            if isinstance(epci, str) and epci:
                epci_name = getattr(u, "epci_nom", None) or f"l'EPCI {epci}"
                unit_parents = [Place("epci", epci, str(epci_name)), *unit_parents]
            row = _parent_estimate(place, year, unit_parents, _parent_rate) or _empty_figure(
                niveau,
                u.code,
                str(u.nom),
                year,
                Status.ABSENT,
                absent_reason(niveau, u.code, year) + " Aucune estimation possible.",
            )
        else:
            sub = None
            col = {"epci": "siren_epci", "departement": "dep", "region": "reg"}.get(niveau)
            if communes is not None and col and col in communes:
                sub = communes[_code(communes[col]) == u.code]
            row = territory_figure(
                taux, places, place, year, estimate=True, parents=parent_chain, communes=sub
            )
        rows.append(row)
    out = figures_frame(rows)
    if enfants is not None and niveau == "commune" and not enfants.empty:
        insee, used = children_from_insee(enfants, out["code"].tolist(), year)
        if used is not None:
            hit = out["code"].map(insee)
            has = hit.notna()
            out.loc[has, "enfants_moins_3"] = hit[has]
            out.loc[has, "enfants_methode"] = INSEE_CHILDREN_METHOD.format(year=used)
    if children is not None and len(out):
        est = out["code"].map(children)
        fill = out["enfants_moins_3"].isna() & est.notna()
        out.loc[fill, "enfants_moins_3"] = est[fill].astype(float)
        out.loc[fill, "enfants_methode"] = children_method
    # places offered implied by the published rate where the places are not published
    offered = out["pl_total"].where(
        out["pl_total"].notna(), out[GLOBAL] * out["enfants_moins_3"] / 100.0
    )
    out["ratio_national"] = ratio_to_national(out[GLOBAL], national)
    out["classe"] = ratio_class(out["ratio_national"]).astype("string")
    out["places_manquantes_national"] = (
        places_missing(offered, out["enfants_moins_3"], national)
        if pd.notna(national)
        else math.nan
    )
    out["places_manquantes_cible"] = (
        places_missing(offered, out["enfants_moins_3"], target) if target is not None else math.nan
    )
    return out.sort_values(GLOBAL, ascending=False, na_position="last").reset_index(drop=True)


# --------------------------------------------------------------------------- evolution


def _restrict(
    taux: pd.DataFrame, places: pd.DataFrame, chain: Sequence[Place], passage: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows that the figures of `chain` can use (its codes, PLM arrondissements, Caf parts of a
    département, merged codes)."""
    codes = {p.code for p in chain}
    codes |= {a for c in list(codes) for a in PLM_ARRONDISSEMENTS.get(c, ())}
    codes |= {part for c in list(codes) for part in DEPARTEMENT_PARTS.get(c, ())}
    codes |= {old for old, new in passage.items() if new in codes}

    def keep(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty or "code" not in df:
            return df
        code = df["code"] if df.attrs.get(_PREPARED) else _code(df["code"])
        return df[code.isin(codes) | (_code(df["niveau"]) == "france")]

    return keep(taux), keep(places)


@dataclass(frozen=True)
class SeriesBreak:
    """A break in a time series of rates, with a French explanation."""

    annee: int
    kind: str  # "annee_manquante", "source", "perimetre", "statut"
    message: str


def evolution(
    taux: pd.DataFrame,
    places: pd.DataFrame,
    chain: Sequence[Place],
    years: Sequence[int] | None = None,
    *,
    estimate: bool = False,
    passage: Mapping[str, str] | None = None,
    edition: str | None = None,
) -> pd.DataFrame:
    """Figures of every territory of `chain` for every year (long frame, FIGURE_COLUMNS).

    Each year uses one edition for the whole chain (`comparison_edition`: `edition` where the
    year has it, else the latest edition of the territory's own figure)."""
    years = list(years) if years is not None else years_available(taux)
    passage = default_passage() if passage is None else passage
    taux, places = _restrict(taux, places, chain, passage)
    rows = []
    for year in years:
        ed = comparison_edition(taux, chain[0], year, edition) if len(taux) else ""
        year_taux = at_edition(taux, ed) if ed else at_edition(taux)
        rows.extend(_chain_figures(year_taux, places, chain, year, estimate, None, passage))
    return figures_frame(rows)


def series_breaks(
    series: pd.DataFrame,
    years: Sequence[int] | None = None,
) -> list[SeriesBreak]:
    """Breaks in the series of ONE territory (rows of `evolution` for one code).

    Detected: a year without figure between two years with one (or missing at the end/start of
    the imported years), a change of source nature (réel ↔ synthétique/estimé), a change of
    status (publié ↔ estimation/calculé), and a COG change of a commune (merger).
    """
    s = series.sort_values("annee")
    has = s[s[GLOBAL].notna()]
    out: list[SeriesBreak] = []
    all_years = sorted(years) if years is not None else sorted(int(y) for y in s["annee"])
    present = {int(y) for y in has["annee"]}
    if present:
        for y in all_years:
            if y not in present:
                out.append(
                    SeriesBreak(y, "annee_manquante", f"{y} : pas de taux pour ce territoire.")
                )
    prev = None
    for r in has.itertuples(index=False):
        if prev is not None:
            edition, before = getattr(r, "edition", ""), getattr(prev, "edition", "")
            if edition and before and edition != before:
                out.append(
                    SeriesBreak(
                        int(r.annee),
                        "edition",
                        f"{int(r.annee)} : {EDITION_LABELS.get(edition, edition)} de la Cnaf "
                        f"(années précédentes : {EDITION_LABELS.get(before, before)}).",
                    )
                )
            if r.nature != prev.nature:
                out.append(
                    SeriesBreak(
                        int(r.annee),
                        "source",
                        f"{int(r.annee)} : changement de source ({_nature_fr(prev.nature)} → "
                        f"{_nature_fr(r.nature)}).",
                    )
                )
            if r.statut != prev.statut:
                out.append(
                    SeriesBreak(
                        int(r.annee), "statut", f"{int(r.annee)} : {prev.statut} → {r.statut}."
                    )
                )
        prev = r
    out.extend(_component_drops(has))
    old = s[s["ancien_perimetre"].fillna(False).astype(bool)] if "ancien_perimetre" in s else s[:0]
    if not old.empty:
        last = int(old["annee"].max())
        out.append(
            SeriesBreak(
                last,
                "perimetre",
                f"Après {last} : fusion de communes (COG) ; la Cnaf a publié les anciennes "
                "communes séparément, le périmètre actuel n'a pas de taux publié.",
            )
        )
    return sorted(out, key=lambda b: (b.annee, b.kind))


#: A component published at 0 while it is at least this rate in the years before and after
#: (or the only neighbouring year, at the ends of the series) is flagged (e.g. Toulouse 2018: assistants maternels 0,0 between 17,9 and 15,8).
COMPONENT_DROP_MIN = 5.0


def _component_drops(has: pd.DataFrame) -> list[SeriesBreak]:
    """Components published at 0 between non-negligible neighbours (likely missing data)."""
    out: list[SeriesBreak] = []
    rows = has.sort_values("annee").reset_index(drop=True)
    for col, label in COMPONENTS:
        if col not in rows:
            continue
        values = _num(rows[col])
        for i, v in enumerate(values):
            if v != 0:
                continue
            neighbours = [values.iloc[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
            if neighbours and all(pd.notna(n) and n >= COMPONENT_DROP_MIN for n in neighbours):
                year = int(rows["annee"].iloc[i])
                around = " / ".join(fmt_number(n, 1) for n in neighbours)
                out.append(
                    SeriesBreak(
                        year,
                        "composante",
                        f"{year} : taux « {label} » publié à 0 (années voisines : {around}) ; "
                        "donnée probablement absente de la publication, le taux global de "
                        "cette année n'est pas comparable.",
                    )
                )
    return out


def _nature_fr(nature: str) -> str:
    return {
        "réel": "données réelles",
        "synthétique": "données de démonstration",
        "estimé": "estimation",
    }.get(str(nature), str(nature))


# --------------------------------------------------------------------------- registry wrappers


def global_rate(taux: pd.DataFrame, niveau: str, code: str, year: int) -> float:
    """Published global rate of one territory (NaN if not published)."""
    rows = published_rates(taux, niveau, year, [code])
    return float(rows[GLOBAL].iloc[0]) if not rows.empty else math.nan


def component_rates(taux: pd.DataFrame, niveau: str, code: str, year: int) -> dict[str, float]:
    """Published rates of the five components (French labels as keys)."""
    rows = published_rates(taux, niveau, year, [code])
    if rows.empty:
        return {label: math.nan for _, label in COMPONENTS}
    return {label: float(rows[col].iloc[0]) for col, label in COMPONENTS}


INDICATORS = (
    Indicator(
        "taux_couverture_global",
        "Taux de couverture global (accueil du jeune enfant)",
        "places pour 100 enfants de moins de 3 ans",
        ("dataset:caf_taux", "cnaf_txcouv_com"),
        global_rate,
        "Taux publié par la Cnaf : places théoriques au 31 décembre pour 100 enfants de moins "
        "de 3 ans, jamais recalculé à partir des composantes.",
    ),
    Indicator(
        "taux_couverture_composantes",
        "Taux de couverture par mode d'accueil",
        "places pour 100 enfants de moins de 3 ans",
        ("dataset:caf_taux", "cnaf_txcouv_com"),
        component_rates,
        "Cinq composantes publiées par la Cnaf : EAJE PSU, EAJE hors PSU, assistants "
        "maternels, salariés à domicile, préscolarisation à 2 ans.",
    ),
    Indicator(
        "ratio_taux_national",
        "Rapport au taux de couverture national",
        "rapport",
        ("dataset:caf_taux",),
        ratio_to_national,
        RATIO_METHOD,
    ),
    Indicator(
        "enfants_moins_3_derives",
        "Enfants de moins de 3 ans (dérivés des chiffres Cnaf)",
        "enfants",
        ("dataset:caf_taux", "dataset:caf_places"),
        derived_children,
        DERIVED_CHILDREN_METHOD,
        estimated=True,
    ),
    Indicator(
        "places_manquantes",
        "Places manquantes pour atteindre un taux cible",
        "places",
        ("dataset:caf_taux", "dataset:caf_places"),
        places_missing,
        "Taux cible × enfants de moins de 3 ans ÷ 100 − places offertes (0 si déjà atteint).",
        estimated=True,
    ),
    Indicator(
        "taux_couverture_plm",
        "Taux de couverture calculé de Paris, Lyon, Marseille",
        "places pour 100 enfants de moins de 3 ans",
        ("dataset:caf_taux", "dataset:caf_places"),
        plm_figure,
        "Calculé à partir des arrondissements publiés : places additionnées, enfants dérivés "
        "additionnés, taux = places ÷ enfants × 100 (jamais présenté comme publié).",
        estimated=True,
    ),
)
