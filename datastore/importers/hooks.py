"""Kind-specific import hooks, run before (`_PRE_HOOKS`) and after (`_POST_HOOKS`) the generic
conversion of datastore/importers/__init__.py: population, structures, CTG, AO transfers,
DREES, QPV, SDSF targets…"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from datastore import codes, ctg_checks
from datastore.importers.common import _map_merged
from datastore.readers import (
    norm_header,
)
from datastore.schemas import Dtype, dataset_type
from datastore.validation import (
    Report,
    note_missing_markers,
)


# --------------------------------------------------------------------- kind-specific hooks
def _pre_population(frame, lines, header, opts, report, headers):
    pop_header = headers.get("population", "")
    h = norm_header(pop_header)
    if "type_population" not in frame.columns:
        kind = "totale" if ("tot" in h) else "municipale"
        frame["type_population"] = kind
        report.note(f"Population « {pop_header} » lue comme population {kind}.")
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", pop_header) or re.fullmatch(
        r"p(?:mun|tot)_?(\d{2})", h
    )
    if "annee" not in frame.columns and m and not opts.annee:
        year = m.group(1) if len(m.group(1)) == 4 else str(2000 + int(m.group(1)))
        frame["annee"] = year
        report.note(f"Millésime {year} lu dans l'en-tête « {pop_header} ».")
    return frame, lines


def _pre_enfants(frame, lines, header, opts, report, headers):
    patterns = {
        "enfants_moins_3": r"^p(\d{2})_",
        "enfants_moins_6": r"^p(\d{2})_",
        "naissances": r"^naisd(\d{2})$",
    }
    for col, pattern in patterns.items():
        m = re.match(pattern, norm_header(headers.get(col, "")))
        if m and "annee" not in frame.columns and not opts.annee:
            frame["annee"] = str(2000 + int(m.group(1)))
            report.note(f"Millésime {2000 + int(m.group(1))} lu dans l'en-tête « {headers[col]} ».")
    return frame, lines


def _sum_codes(
    frame: pd.DataFrame,
    lines: np.ndarray,
    report: Report,
    value_cols: list[str],
    headers: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Sum IRIS rows (9-character codes) to their commune (first 5 characters)."""
    codes_ = frame["code_insee"].astype(str).str.strip()
    iris = codes_.str.fullmatch(r"(?:\d{9}|2[AB]\d{7})")
    if not iris.any():
        return frame, lines
    frame = frame.copy()
    frame["code_insee"] = codes_.where(~iris, codes_.str[:5])
    headers = headers or {}
    n_iris = int(iris.sum())
    frame["_line"] = lines
    parsed = {}
    from datastore.readers import parse_numbers

    for c in value_cols:
        if c in frame.columns:
            note_missing_markers(report, headers.get(c, c), frame[c])
            num, invalid = parse_numbers(frame[c])
            if invalid.any():
                report.cells(lines[invalid.to_numpy()], c, frame.loc[invalid, c], "un nombre")
            parsed[c] = num
    if not report.ok:
        return frame.drop(columns="_line"), lines
    for c, num in parsed.items():
        frame[c] = num
    keys = ["code_insee"] + (["annee"] if "annee" in frame.columns else [])
    gb = frame.groupby(keys, sort=False)
    firsts = [c for c in frame.columns if c not in parsed and c not in keys]
    out = gb[firsts].first().join(gb[list(parsed)].sum(min_count=1)).reset_index()
    for c in parsed:
        out[c] = out[c].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    report.note(
        f"{n_iris} ligne(s) IRIS additionnée(s) en {len(out)} commune(s) (code commune = 5 premiers "
        "caractères du code IRIS, géographie de l'année du fichier)."
    )
    return out.drop(columns="_line"), out["_line"].to_numpy(dtype=np.int64)


def _pre_allocataires(frame, lines, header, opts, report, headers):
    cols = [
        c for c in dataset_type("allocataires").column_names if c not in ("code_insee", "annee")
    ]
    return _sum_codes(frame, lines, report, cols, headers)


def _count_cols(kind: str) -> list[str]:
    return [
        c.name
        for c in dataset_type(kind).columns
        if c.dtype in (Dtype.INT, Dtype.FLOAT) and c.name != "annee"
    ]


def _post_counts(kind: str):
    def post(typed: pd.DataFrame, lines: np.ndarray, report: Report):
        keys = list(dataset_type(kind).keys)
        return _map_merged(typed, "code_insee", keys, _count_cols(kind), [], report, lines)

    return post


def _post_densite(typed, lines, report):
    return _map_merged(
        typed, "code_insee", ["code_insee", "annee"], [], ["dens7", "dens7_lib"], report, lines
    )


_TYPE_WORDS = (
    ("RPE", ("rpe", "relais", "ram")),
    ("LAEP", ("laep", "lieu d'accueil enfant", "lieu d accueil enfant")),
    ("ALSH", ("alsh", "accueil de loisirs", "centre de loisirs")),
    ("EVS", ("evs", "espace de vie sociale")),
    ("CS", ("cs", "centre social", "centres sociaux")),
    (
        "EAJE",
        (
            "eaje",
            "creche",
            "micro",
            "multi",
            "halte",
            "jardin d'enfants",
            "etablissement d'accueil",
        ),
    ),
)


def _structure_type(value: str) -> str:
    v = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower().strip()
    for canon, words in _TYPE_WORDS:
        if v == canon.lower() or any(w in v for w in words if len(w) > 3) or v in words:
            return canon
    return value


def _type_in_name(name: str) -> str | None:
    """The structure type a name spells (« RPE du Val » → RPE, « Centre social X » → CS),
    else None: whole words for the short acronyms, phrases for the long ones."""
    v = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = set(re.findall(r"[a-z0-9]+", v))
    for canon, names in _TYPE_WORDS:
        if any((w in v) if len(w) > 4 else (w in words) for w in names):
            return canon
    return None


def _pre_structures(frame, lines, header, opts, report, headers):
    if "type_structure" not in frame.columns:
        frame["type_structure"] = "EAJE"
        report.note("Aucune colonne de type : toutes les structures sont lues comme des EAJE.")
        if "nom" in frame.columns:
            spelt = frame["nom"].astype(str).map(_type_in_name)
            other = spelt.notna() & (spelt != "EAJE")
            if other.any():
                i = int(np.flatnonzero(other.to_numpy())[0])
                report.warn(
                    f"{report.file} : {int(other.sum())} structure(s) dont le nom désigne un autre "
                    f"type qu'un EAJE (ex. ligne {int(lines[i])} : « {frame['nom'].iloc[i]} », "
                    f"{spelt.iloc[i]}) seront lues comme des EAJE, faute de colonne de type. "
                    "Ajoutez une colonne « type_structure » (EAJE, RPE, LAEP, ALSH, EVS, CS) "
                    "pour qu'elles soient comptées à part."
                )
    else:
        frame["type_structure"] = frame["type_structure"].astype(str).map(_structure_type)
    if "id_structure" not in frame.columns:
        frame["id_structure"] = [f"L{int(n)}" for n in lines]
        report.note(
            "Aucune colonne d'identifiant : chaque structure reçoit l'identifiant « L » + numéro de ligne."
        )
    if "code_insee" not in frame.columns and "_nom_commune" in frame.columns:
        frame = _codes_from_names(frame, lines, report, headers)
    return frame, lines


@lru_cache(maxsize=1)
def _commune_name_index() -> tuple[
    dict[tuple[str, str], tuple[tuple[str, float], ...]],
    dict[str, tuple[tuple[str, float], ...]],
]:
    """COG communes by (département, normalised name) and by normalised name (France), each
    hit as (code, population municipale): used to find communes in files that only give names
    (QPV indicators, lists of structures). Cached; read-only."""
    from geodata.reference import communes_table

    com = communes_table()
    by_dep: dict[tuple[str, str], list[tuple[str, float]]] = {}
    by_name: dict[str, list[tuple[str, float]]] = {}
    for code, nom, dep, pop in zip(
        com["code_insee"], com["nom"], com["dep"], com["population"], strict=True
    ):
        hit = (str(code), 0.0 if pd.isna(pop) else float(pop))
        key = _norm_name(nom)
        by_dep.setdefault((str(dep), key), []).append(hit)
        by_name.setdefault(key, []).append(hit)
    return (
        {k: tuple(v) for k, v in by_dep.items()},
        {k: tuple(v) for k, v in by_name.items()},
    )


def _postal_departements(cp: str) -> tuple[str, ...]:
    if not re.fullmatch(r"\d{5}", cp):
        return ()
    if cp.startswith("20"):
        return ("2A", "2B")
    return (cp[:3],) if cp.startswith("97") else (cp[:2],)


def _plm_from_postal(cp: str) -> str | None:
    """Arrondissement of Paris, Lyon or Marseille given by its postal code (75012 -> 75112)."""
    n = int(cp[-2:]) if re.fullmatch(r"\d{5}", cp) else 0
    if (cp.startswith("750") and 1 <= n <= 20) or cp == "75116":
        return f"751{n:02d}"
    if cp.startswith("6900") and 1 <= n <= 9:
        return f"6938{n}"
    if cp.startswith("130") and 1 <= n <= 16:
        return f"132{n:02d}"
    return None


def _codes_from_names(
    frame: pd.DataFrame, lines: np.ndarray, report: Report, headers: dict[str, str]
) -> pd.DataFrame:
    """INSEE code of each structure from its commune name and postal code (département)."""
    by_dep, by_name = _commune_name_index()
    names = frame["_nom_commune"].astype("string").fillna("")
    cps = (
        frame["_code_postal"].map(codes.clean_code).str.zfill(5)
        if "_code_postal" in frame.columns
        else pd.Series("", index=frame.index)
    )
    out: list[str | None] = []
    ref = codes.commune_reference()
    for line, name, cp in zip(lines, names, cps, strict=True):
        as_code = codes.normalize_commune(str(name))
        if as_code is not None and ref.is_current(as_code):  # a « Commune » column of codes
            out.append(as_code)
            continue
        key = _norm_name(str(name))
        plm = _plm_from_postal(str(cp))
        if plm and key.split(" ")[0] in ("paris", "lyon", "marseille"):
            out.append(plm)
            continue
        deps = _postal_departements(str(cp))
        hits = [c for d in deps for c, _ in by_dep.get((d, key), ())] if deps else []
        if not hits and not deps:
            hits = [c for c, _ in by_name.get(key, ())]
        if len(hits) == 1:
            out.append(hits[0])
            continue
        where = f" du département {'/'.join(deps)}" if deps else ""
        report.cell_error(
            int(line),
            headers.get("_nom_commune", "commune"),
            str(name),
            (
                f"un nom de commune{where} sans homonyme (ajoutez une colonne code_insee)"
                if len(hits) > 1
                else f"un nom de commune{where} (COG {codes.COG_YEAR})"
            ),
        )
        out.append(None)
    frame = frame.copy()
    frame["code_insee"] = out
    found = sum(c is not None for c in out)
    report.note(
        f"Pas de colonne de code INSEE : commune retrouvée par son nom"
        f"{' et le département du code postal' if '_code_postal' in frame.columns else ''} "
        f"pour {found} structure(s) sur {len(out)}."
    )
    return frame


_NIVEAU_CTG = {
    "communal": "communal",
    "commune": "communal",
    "communale": "communal",
    "intercommunal": "intercommunal",
    "intercommunale": "intercommunal",
    "epci": "intercommunal",
}


def _pre_ctg(frame, lines, header, opts, report, headers):
    if "niveau" in frame.columns:
        low = frame["niveau"].astype(str).str.strip().str.lower()
        frame["niveau"] = low.map(_NIVEAU_CTG).fillna(frame["niveau"])
    return ctg_checks.resolve_signatories(
        frame,
        lines,
        "signataires",
        headers.get("signataires", "signataires"),
        report,
        opts.drop_bad_signatory_lines,
    )


def _post_ctg(typed, lines, report):
    ctg_checks.warn_overlaps(typed, lines, report)
    return typed, lines


def _pre_ctg_avenants(frame, lines, header, opts, report, headers):
    if "signataires_ajoutes" not in frame.columns:
        return frame, lines
    return ctg_checks.resolve_signatories(
        frame,
        lines,
        "signataires_ajoutes",
        headers.get("signataires_ajoutes", "signataires_ajoutes"),
        report,
        opts.drop_bad_signatory_lines,
    )


# The four AO competences (CASF L.214-1-3), in the order of the law: a cell may name one by its
# key, its number (1 to 4) or its wording (« Recenser les besoins », « Soutien à la qualité »).
_COMPETENCE_ORDER = ("recenser", "informer", "planifier", "qualite")
_COMPETENCE_STEMS = {
    "recenser": ("recens", "besoin"),
    "informer": ("inform", "accompagn"),
    "planifier": ("planif", "developpement"),
    "qualite": ("qualit",),
}


def competence_key(text: object) -> str | None:
    """Key of the AO competence a cell names, or None when it names none or several."""
    v = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower().strip()
    if v in _COMPETENCE_ORDER:
        return v
    number = re.fullmatch(r"\(?(?:c|competence)?\s*([1-4])\)?", v)
    if number:
        return _COMPETENCE_ORDER[int(number.group(1)) - 1]
    hits = [k for k, stems in _COMPETENCE_STEMS.items() if any(st in v for st in stems)]
    return hits[0] if len(hits) == 1 else None


def _pre_ao(frame, lines, header, opts, report, headers):
    raw = frame["competence"].astype(str).str.strip()
    keys = raw.map(competence_key)
    frame["competence"] = keys.where(keys.notna(), raw.str.lower())
    siren = frame["siren_epci"].map(codes.normalize_siren)
    bad = siren.isna()
    if bad.any():
        report.cells(
            lines[bad.to_numpy()],
            headers.get("siren_epci", "siren_epci"),
            frame.loc[bad, "siren_epci"],
            "un SIREN d'EPCI à 9 chiffres",
        )
    frame["siren_epci"] = siren.fillna(frame["siren_epci"])
    if "communes" in frame.columns:
        frame["communes"] = (
            frame["communes"]
            .astype(str)
            .map(
                lambda v: "|".join(
                    codes.normalize_commune(p) or p for p in re.split(r"[|,;/ ]+", v) if p.strip()
                )
            )
        )
    else:
        frame["communes"] = ""
    ctg_checks.warn_small_transfers(frame, lines, report, headers.get("communes", "communes"))
    return frame, lines


_DREES_CODES = re.compile(r"^(?:\d{2}|2[AB]|97\d|20|20R|69[DM]|6AE)$")


def _pre_drees(frame, lines, header, opts, report, headers):
    clean = frame["code_departement"].map(codes.clean_code)
    clean = clean.where(~(clean.str.isdigit() & (clean.str.len() == 1)), "0" + clean)
    bad = ~clean.str.match(_DREES_CODES)
    if bad.any():
        report.cells(
            lines[bad.to_numpy()],
            headers.get("code_departement", "code_departement"),
            frame.loc[bad, "code_departement"],
            "un code de département (01, 2A, 971, 69M, 6AE…)",
        )
    frame["code_departement"] = clean
    special = clean.isin(["20", "6AE", "69D", "69M", "20R"])
    if special.any():
        report.note(
            f"{int(special.sum())} ligne(s) de collectivités (20 Corse, 6AE Alsace, 69D/69M Rhône et "
            "Métropole de Lyon) conservées avec leur code ; à ne pas additionner aux départements."
        )
    return frame, lines


def _norm_name(text: str) -> str:
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    t = re.sub(r"\bst\b", "saint", t)
    return re.sub(r"\bste\b", "sainte", t)


def _qpv_departement(code_qpv: str) -> str | None:
    m = re.match(r"^QP(\d{2}[0-9AB]|02[AB])\d{3}$", code_qpv.strip().upper())
    if not m:
        return None
    d = m.group(1)
    return d[1:] if d.startswith("0") else d


def _qpv_rows_per_quartier(
    frame: pd.DataFrame, lines: np.ndarray, report: Report
) -> tuple[pd.DataFrame, np.ndarray]:
    """A list with one row per commune × quartier (ANCT list of the QPV 2024) as one row per
    quartier: its first commune in `code_insee`, all of them in `communes` (« ; »)."""
    qp = frame["code_qpv"].astype(str).str.strip()
    if not qp.duplicated().any():
        return frame, lines
    frame = frame.assign(_line=lines, code_insee=frame["code_insee"].astype(str).str.strip())
    every = frame.groupby(qp, sort=False)["code_insee"].agg(lambda c: ";".join(dict.fromkeys(c)))
    first = frame.loc[~qp.duplicated()].copy()
    first["communes"] = qp[~qp.duplicated()].map(every).to_numpy()
    multi = int((first["communes"].str.contains(";")).sum())
    report.note(
        f"Liste par commune et quartier : {len(frame)} ligne(s) regroupée(s) en {len(first)} "
        f"quartier(s), dont {multi} sur plusieurs communes (colonne « communes »)."
    )
    out_lines = first.pop("_line").to_numpy(dtype=np.int64)
    return first.reset_index(drop=True), out_lines


def _pre_qpv(frame, lines, header, opts, report, headers):  # noqa: C901 - one pass over the QPV list
    """Match each QPV to its commune by name + département taken from the QPV code."""
    ref = codes.commune_reference()
    if "code_insee" in frame.columns and (frame["code_insee"].astype(str).str.strip() != "").all():
        return _qpv_rows_per_quartier(frame, lines, report)
    index, by_name = _commune_name_index()
    merged_names = {
        (codes.departement_of_commune(o), _norm_name(n)): ref.passage[o]
        for o, n in ref.passage_names.items()
    }
    pop_com = None
    if "_pop_com" in frame.columns:
        from datastore.readers import parse_numbers

        pop_com = parse_numbers(frame["_pop_com"])[0]
    counts = {"merged": 0, "renamed": 0, "elsewhere": 0, "homonyms": 0}

    def _match(dep: str | None, name: str, target: float | None) -> str:
        """COG 2025 code of the commune `name` of a QPV of département `dep` ('' if none)."""
        hits = index.get((dep or "", _norm_name(name)), []) if dep else []
        arr = re.match(
            r"^(paris|lyon|marseille) (\d{1,2})(?:e|er|eme)?(?: arrondissement)?$",
            _norm_name(name),
        )
        if arr:
            code = {"paris": "751", "lyon": "6938", "marseille": "132"}[arr.group(1)]
            code = code + arr.group(2).zfill(5 - len(code))
            if codes.is_arrondissement(code):
                hits = [(code, 0.0)]
        if dep == "75" and not hits:
            hits = index.get(("75", "paris"), [])
        if not hits and dep:
            # A commune merged since (e.g. Pierrefitte-sur-Seine -> Saint-Denis): its old name.
            old = merged_names.get((dep, _norm_name(name)))
            if old:
                hits = [(old, 0.0)]
                counts["merged"] += 1
        if not hits and dep:
            # Commune renamed since (Grigny -> Grigny-sur-Rhône): unique longer name in the département.
            stem = _norm_name(name) + " "
            longer = [
                h for (d, nm), hs in index.items() if d == dep and nm.startswith(stem) for h in hs
            ]
            if len(longer) == 1:
                hits = longer
                counts["renamed"] += 1
        if not hits:
            # Name unique in France (QPV code of a neighbouring département, as QP062040 Ostricourt).
            anywhere = by_name.get(_norm_name(name), [])
            if len(anywhere) == 1:
                hits = anywhere
                counts["elsewhere"] += 1
        if len(hits) > 1:
            counts["homonyms"] += 1
            hits = sorted(hits, key=lambda h: abs(h[1] - target) if target is not None else -h[1])
        return hits[0][0] if hits else ""

    out_codes: list[str] = []
    all_codes: list[str] = []
    unmatched: list[str] = []
    multi = 0
    for i, (qp, names) in enumerate(
        zip(frame["code_qpv"].astype(str), frame["nom_commune"].astype(str), strict=True)
    ):
        dep = _qpv_departement(qp)
        parts = [n.strip() for n in names.split(",") if n.strip()] or [names.strip()]
        if len(parts) > 1:
            multi += 1
        target = (
            float(pop_com.iloc[i]) if pop_com is not None and pd.notna(pop_com.iloc[i]) else None
        )
        found = [_match(dep, name, target if len(parts) == 1 else None) for name in parts]
        out_codes.append(found[0])
        all_codes.append(";".join(dict.fromkeys(c for c in found if c)))
        if not found[0]:
            unmatched.append(f"{qp} ({parts[0]})")
    frame = frame.copy()
    frame["code_insee"] = out_codes
    frame["communes"] = all_codes
    if multi:
        report.note(
            f"{multi} quartier(s) sur plusieurs communes : rattaché(s) à chacune (colonne « communes » ; "
            "la première citée dans « code_insee »). La population du quartier n'est pas répartie "
            "entre ses communes."
        )
    if counts["homonyms"]:
        report.note(
            f"{counts['homonyms']} nom(s) de commune homonyme(s) dans le département : la commune dont la population "
            "est la plus proche de celle publiée a été retenue."
        )
    if counts["merged"]:
        report.note(
            f"{counts['merged']} quartier(s) rattaché(s) par l'ancien nom d'une commune fusionnée depuis "
            f"(commune du COG {codes.COG_YEAR})."
        )
    if counts["renamed"]:
        report.note(
            f"{counts['renamed']} quartier(s) rattaché(s) à une commune renommée depuis (nom publié suivi d'un "
            "complément, unique dans le département)."
        )
    if counts["elsewhere"]:
        report.note(
            f"{counts['elsewhere']} quartier(s) dont la commune n'est pas dans le département du code QPV : "
            "rattaché(s) par le nom, unique en France."
        )
    if unmatched:
        report.warn(
            f"{len(unmatched)} quartier(s) sans commune retrouvée (nom + département) : "
            + ", ".join(unmatched[:20])
            + (" …" if len(unmatched) > 20 else "")
            + "."
        )
    return frame, lines


#: French labels of the SDSF indicators and value types accepted for their ids.
_SDSF_WORDS = {
    "places_eaje_psu": ("places", "psu"),
    "lieux_parentalite": ("lieux", "parentalit"),
    "etp_rpe": ("etp", "rpe"),
    "part_villes_rpe": ("villes", "rpe"),
    "dispositifs_passerelles": ("passerelle",),
    "creches_avip": ("avip",),
    "controles_conjoints": ("conjoint",),
    "visites_controle_cd": ("visite",),
}
_SDSF_VALUE_WORDS = {
    "reference": ("refer", "base", "initial"),
    "cible": ("cible", "objectif"),
    "jalon": ("jalon", "etape", "intermediaire"),
    "realise": ("realis", "constat", "observ"),
}


def _word_id(value: object, words: dict[str, tuple[str, ...]], every: bool = True) -> object:
    """The one id whose words all appear (`every`) or one of whose words appears in a French
    label (« Nombre de places offertes en EAJE PSU » -> places_eaje_psu); the value unchanged
    otherwise (the schema then names it)."""
    if not isinstance(value, str):
        return value
    key = norm_header(value)
    if key in words:
        return key
    test = all if every else any
    hits = [i for i, ws in words.items() if test(w in key for w in ws)]
    return hits[0] if len(hits) == 1 else value


def _pre_sdsf(frame, lines, header, opts, report, headers):
    frame = frame.copy()
    frame["indicateur"] = frame["indicateur"].map(lambda v: _word_id(v, _SDSF_WORDS))
    frame["type_valeur"] = frame["type_valeur"].map(
        lambda v: _word_id(v, _SDSF_VALUE_WORDS, every=False)
    )
    frame["code_departement"] = frame["code_departement"].map(
        lambda v: v.strip().zfill(2) if isinstance(v, str) and v.strip().isdigit() else v
    )
    return frame, lines


def _post_sdsf(typed, lines, report):
    from datastore.sdsf_checks import target_year_problems

    for pos, column, message in target_year_problems(typed):
        report.cell_error(
            int(lines[pos]),
            column,
            str(typed["annee"].iloc[pos]),
            f"une année postérieure à celle de la référence ({message})",
        )
    return typed, lines


def _pre_taux_national(frame, lines, header, opts, report, headers):
    """A published national series without an edition column (ONAPE's own table): every row
    takes the edition given at the import (hist: first publication, courant: revised)."""
    if "edition" not in frame.columns and opts.edition:
        frame["edition"] = opts.edition
        report.note(
            f"Aucune colonne « edition » : toutes les lignes sont lues comme édition "
            f"« {opts.edition} » (option à l'import)."
        )
    return frame, lines


_PRE_HOOKS: dict[str, Callable] = {
    "taux_national": _pre_taux_national,
    "population": _pre_population,
    "enfants": _pre_enfants,
    "allocataires": _pre_allocataires,
    "structures": _pre_structures,
    "ctg": _pre_ctg,
    "ctg_avenants": _pre_ctg_avenants,
    "ao_transferts": _pre_ao,
    "drees_offre": _pre_drees,
    "qpv": _pre_qpv,
    "sdsf_indicateurs": _pre_sdsf,
}
_POST_HOOKS: dict[str, Callable] = {
    "population": _post_counts("population"),
    "enfants": _post_counts("enfants"),
    "allocataires": _post_counts("allocataires"),
    "bpe_eaje": _post_counts("bpe_eaje"),
    "densite": _post_densite,
    "ctg": _post_ctg,
    "sdsf_indicateurs": _post_sdsf,
}
