"""Import-time checks of CTG lists, their avenants and AO competence transfers.

These are the checks that need the reference geography (COG 2025 communes, their EPCI and
population municipale 2023) and the CNAF circular's rules (section 2.2):

* every signatory code must be a commune or an EPCI of the reference: an unknown code is an
  error naming the file, the line, the column and the code (or, if the user chooses, that
  line is left out with a warning);
* two CTG whose periods meet and which cover the same communes are flagged (warning naming
  both CTG and the communes): the AO page then shows an « overlap » status;
* a commune of 3,500 inhabitants or fewer holds no planning or quality competence (CASF
  L.214-1-3) and cannot transfer it: such a transfer is flagged with the reason and the
  legal reference (it is not taken into account by diagnostics/ao.py).

Pure: frames in, report entries out; inputs are never mutated.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from datastore import codes
from datastore.validation import Report
from diagnostics.formatting import ctg_quoted, fmt_number

UNKNOWN_EXPECTED = (
    "un code INSEE de commune ou un SIREN d'EPCI du référentiel (COG "
    f"{codes.COG_YEAR}, EPCI au 1er janvier {codes.COG_YEAR})"
)
FORMAT_EXPECTED = "des codes INSEE (5 caractères) ou SIREN (9 chiffres) séparés par « | »"
SMALL_TRANSFER_REASON = (
    "une commune de 3 500 habitants ou moins n'exerce pas la compétence « {comp} » (réservée aux "
    "communes de plus de 3 500 habitants, CASF, article L.214-1-3) et ne peut pas la transférer : "
    "ce transfert n'est pas pris en compte ; le recensement des besoins et l'information des "
    "familles peuvent, eux, être transférés"
)
_SPLIT = re.compile(r"[|,;/ ]+")
#: « Les communes de plus de 3 500 habitants » plan and support quality (CASF L.214-1-3); the
#: same threshold as geodata.tiers.SEUIL_PLANIFICATION (checked by the tests; the datastore
#: layer reads only geodata.reference).
SEUIL_PLANIFICATION = 3_500


def split_codes(value: object) -> list[str]:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    return [p.strip() for p in _SPLIT.split(str(value)) if p.strip()]


def resolve_signatories(
    frame: pd.DataFrame,
    lines: np.ndarray,
    column: str,
    header: str,
    report: Report,
    drop_bad_lines: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Normalise the signatory codes of `column` and check them against the reference.

    Malformed codes and codes that are neither a commune (COG 2025, or an older code merged
    into one: replaced with a warning) nor an EPCI of the reference are errors naming the
    file, the line, the column (`header`, as written in the file) and the code. With
    `drop_bad_lines`, those lines are left out instead, each with a warning, and the rest is
    imported. Empty cells are left to the schema (required or not).
    """
    ref = codes.commune_reference()
    epci = codes.epci_codes()
    out: list[str] = []
    keep = np.ones(len(frame), dtype=bool)
    for i, (line, value) in enumerate(zip(lines, frame[column].tolist(), strict=True)):
        parts = split_codes(value)
        resolved: list[str] = []
        malformed: list[str] = []
        unknown: list[str] = []
        for p in parts:
            siren = codes.normalize_siren(p)
            if siren is not None and siren in epci:
                resolved.append(siren)
                continue
            commune = codes.normalize_commune(p)
            if commune is None and siren is None:
                malformed.append(p)
                continue
            if commune is not None and ref.is_current(commune):
                resolved.append(commune)
            elif commune is not None and commune in ref.passage:
                new = ref.passage[commune]
                report.warn(
                    f"{report.file}, ligne {int(line)}, colonne « {header} » : commune {commune} "
                    f"({ref.passage_names.get(commune, '')}) fusionnée, remplacée par {new} "
                    f"({ref.names.get(new, '')}), code du COG {codes.COG_YEAR}.",
                    line=int(line),
                    column=header,
                    found=commune,
                    expected=new,
                )
                resolved.append(new)
            else:
                unknown.append(p)
        bad = bool(malformed or unknown)
        if bad and drop_bad_lines:
            keep[i] = False
            report.warn(
                f"{report.file}, ligne {int(line)}, colonne « {header} » : code(s) signataire(s) "
                f"« {', '.join(malformed + unknown)} » inconnu(s) du référentiel ; ligne non "
                "importée (choix « importer sans les lignes en erreur »).",
                line=int(line),
                column=header,
                found=", ".join(malformed + unknown),
                expected=UNKNOWN_EXPECTED,
            )
        else:
            if malformed:
                report.cell_error(int(line), header, ", ".join(malformed), FORMAT_EXPECTED)
            if unknown:
                report.cell_error(int(line), header, ", ".join(unknown), UNKNOWN_EXPECTED)
        out.append("|".join(dict.fromkeys(resolved)) if not bad else str(value))
    result = frame.copy()
    result[column] = out
    if keep.all():
        return result, lines
    return result.loc[keep].reset_index(drop=True), lines[keep]


def _members() -> dict[str, tuple[str, ...]]:
    from geodata.reference import communes_table

    com = communes_table()[["code_insee", "siren_epci"]].dropna()
    return com.groupby("siren_epci")["code_insee"].apply(tuple).to_dict()


def _names() -> dict[str, str]:
    return codes.commune_reference().names


def warn_overlaps(frame: pd.DataFrame, lines: np.ndarray, report: Report, shown: int = 8) -> int:
    """Warn about pairs of CTG whose periods meet and which cover the same communes.

    `frame` is the typed CTG list (signatories resolved). Returns the number of pairs.
    """
    members = _members()
    names = _names()
    covered: list[set[str]] = []
    for sig in frame["signataires"].astype(str):
        cover: set[str] = set()
        for code in split_codes(sig):
            cover.update(members.get(code, ()) if len(code) == 9 else (code,))
        covered.append(cover)
    starts = pd.to_datetime(frame["date_debut"]).fillna(pd.Timestamp.min).tolist()
    ends = pd.to_datetime(frame["date_fin"]).fillna(pd.Timestamp.max).tolist()
    ids = frame["id_ctg"].astype(str).tolist()
    noms = frame["nom"].astype(str).tolist()
    by_commune: dict[str, list[int]] = {}
    for i, cover in enumerate(covered):
        for code in cover:
            by_commune.setdefault(code, []).append(i)
    pairs: dict[tuple[int, int], set[str]] = {}
    for code, idx in by_commune.items():
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                pairs.setdefault((idx[x], idx[y]), set()).add(code)
    n = 0
    for (i, j), shared in sorted(pairs.items()):
        if max(starts[i], starts[j]) > min(ends[i], ends[j]):
            continue
        n += 1
        listed = sorted(shared)
        text = ", ".join(f"{names.get(c, c)} ({c})" for c in listed[:shown])
        if len(listed) > shown:
            text += f" et {len(listed) - shown} autre(s)"
        report.warn(
            f"{report.file}, lignes {int(lines[i])} et {int(lines[j])} : les CTG "
            f"{ctg_quoted(noms[i])} ({ids[i]}) et {ctg_quoted(noms[j])} ({ids[j]}) couvrent "
            f"toutes deux {len(listed)} "
            f"commune(s) sur la même période : {text}. La page « Compétences AO et CTG » indique "
            "laquelle est retenue pour la planification et à quoi sert l'autre.",
            line=int(lines[i]),
            column="signataires",
            found=f"{ids[i]}, {ids[j]}",
        )
    return n


def warn_small_transfers(
    frame: pd.DataFrame, lines: np.ndarray, report: Report, header: str
) -> int:
    """Flag planning or quality transfers by communes of 3,500 inhabitants or fewer.

    `frame`: ao_transferts rows with `competence` as a key and `communes` normalised (codes
    joined by « | », empty = every member). A listed small commune gets a warning naming
    the line, the column, the commune, its population and the legal reference; a row for
    every member says how many members of 3,500 or fewer are not counted. Returns the number
    of warnings about listed communes.
    """
    from geodata.reference import communes_table

    ref = communes_table()
    pop = dict(zip(ref["code_insee"].astype(str), ref["population"], strict=True))
    names = dict(zip(ref["code_insee"].astype(str), ref["nom"].astype(str), strict=True))
    members = _members()
    n = 0
    for line, siren, comp, listed in zip(
        lines,
        frame["siren_epci"].astype(str),
        frame["competence"].astype(str),
        frame["communes"].astype(str),
        strict=True,
    ):
        if comp not in ("planifier", "qualite"):
            continue
        reason = SMALL_TRANSFER_REASON.format(
            comp="planification" if comp == "planifier" else "soutien à la qualité"
        )
        parts = split_codes(listed)
        if not parts:
            small = [c for c in members.get(siren, ()) if _small(pop.get(c))]
            if small:
                report.note(
                    f"{report.file}, ligne {int(line)} : transfert de « {comp} » par toutes les "
                    f"communes de l'EPCI {siren} ; {len(small)} commune(s) membre(s) de 3 500 "
                    "habitants ou moins ne sont pas comptées dans la population de l'EPCI pour "
                    "cette compétence (CASF, article L.214-1-3)."
                )
            continue
        for code in parts:
            if code in pop and _small(pop[code]):
                n += 1
                report.warn(
                    f"{report.file}, ligne {int(line)}, colonne « {header} » : {names[code]} "
                    f"({code}, {fmt_number(pop[code])} habitants, population municipale 2023) : "
                    f"{reason}.",
                    line=int(line),
                    column=header,
                    found=code,
                    expected="une commune de plus de 3 500 habitants",
                )
    return n


def _small(population: object) -> bool:
    return population is not None and not pd.isna(population) and population <= SEUIL_PLANIFICATION
