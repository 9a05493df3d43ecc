"""The Cnaf coverage-rate and places files (data.caf.fr, API exports, edition and scale
detected from the file): every variant in one importer."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from datastore import codes
from datastore.importers.aliases import CAF_KEY_ALIASES, caf_value_column
from datastore.importers.common import (
    COMMUNE_EXPECTED,
    SCALE_SINGULAR,
    ImportOptions,
    Prepared,
    _communes,
    _convert_all,
    _frame_from,
    _map_merged,
    _not_placeholder,
    _note_ignored,
    _year_option,
)
from datastore.importers.hooks import _commune_name_index, _norm_name
from datastore.readers import (
    RawTable,
    best_sheet,
    locate_header,
    norm_header,
)
from datastore.schemas import EDITION_LABELS, EDITIONS, DatasetType
from datastore.validation import (
    Report,
)


# --------------------------------------------------------------------------------- CNAF
def _caf(  # noqa: C901 - Cnaf file variants in order
    raw: RawTable, dtype: DatasetType, opts: ImportOptions, report: Report, prepared: Prepared
) -> tuple[pd.DataFrame | None, np.ndarray]:
    kind = dtype.kind
    key_lookup = {a: canon for canon, al in CAF_KEY_ALIASES.items() for a in al}

    def score(cells: list[str]) -> int:
        keys = {key_lookup[norm_header(c)] for c in cells if norm_header(c) in key_lookup}
        vals = {caf_value_column(norm_header(c), kind) for c in cells if c} - {None}
        return len(keys) + len(vals)

    raw = best_sheet(raw, score)
    for n in raw.notes:
        report.note(n)
    choice = locate_header(raw, score)
    if choice.merged_rows > 1:
        report.note(
            f"En-tête sur deux lignes (cellules fusionnées) reconstitué à la ligne {raw.lines[choice.row]}."
        )
    elif choice.row > 0:
        report.note(f"{choice.row} ligne(s) de titre au-dessus de l'en-tête ignorée(s).")
    mapping: dict[int, str] = {}
    used: set[str] = set()
    ignored = []
    for i, h in enumerate(choice.header):
        key = norm_header(h)
        canon = key_lookup.get(key) or caf_value_column(key, kind)
        if canon and canon not in used:
            mapping[i] = canon
            used.add(canon)
        elif h:
            ignored.append(h)
    prepared.mapping = {choice.header[i]: c for i, c in mapping.items()}
    _note_ignored(report, ignored)
    value_cols = [c.name for c in dtype.columns if c.name.startswith(("tx_", "pl_"))]
    if not used & set(value_cols):
        what = (
            "taux de couverture (ex. « taux_de_couv_global »)"
            if kind == "caf_taux"
            else "nombres de places (ex. « places_offertes_ensemble »)"
        )
        report.error(
            f"{report.file}, ligne d'en-tête : aucune colonne de {what} reconnue ; colonnes trouvées : "
            + (", ".join(f"« {h} »" for h in choice.header if h) or "aucune")
            + ".",
            expected=what,
        )
        return None, np.array([], dtype=np.int64)
    missing_required = [c for c in dtype.required_headers if c not in used]
    if missing_required:
        found = ", ".join(f"« {h} »" for h in choice.header if h) or "aucune"
        for c in missing_required:
            report.error(
                f"{report.file}, ligne d'en-tête : colonne obligatoire « {c} » "
                f"({dtype.column(c).label}) introuvable ; colonnes trouvées : {found}. "
                "Une colonne absente n'est jamais lue comme « valeurs manquantes ».",
                column=c,
                expected=dtype.column(c).label,
            )
        return None, np.array([], dtype=np.int64)
    frame, lines, headers = _frame_from(raw, choice.row, choice.header, mapping, report)
    niveau = opts.niveau
    if niveau is None and "niveau" not in frame.columns:
        niveau = _caf_scale(headers, report, choice.header)
        if niveau is None:
            return None, lines
    if niveau is not None:
        frame["niveau"] = niveau
        col = CAF_SCALE_CODES.get(niveau)
        if col and col in frame.columns:
            frame["code"] = frame[col]
            headers["code"] = headers[col]
            frame["nom"] = frame.get(f"nom_{niveau}", "")
        elif niveau == "france":
            frame["code"] = ""
            frame["nom"] = "France"
        elif "code" not in frame.columns:
            report.error(
                f"{report.file}, ligne d'en-tête : échelle « {niveau} » choisie mais aucune colonne de "
                f"code {SCALE_SINGULAR[niveau]} ({_caf_code_examples(niveau)}) ; colonnes trouvées : "
                + (", ".join(f"« {h} »" for h in choice.header if h) or "aucune")
                + ".",
                column=col,
                expected=f"une colonne de code {SCALE_SINGULAR[niveau]}",
            )
            return None, lines
    if not _year_option(frame, opts, report, report.file):
        return None, lines
    frame["annee"] = frame["annee"].astype(str).str.strip().str[:4]
    if kind == "caf_taux":
        frame = _caf_edition(frame, opts, report)
    frame["niveau"] = frame["niveau"].astype(str).str.strip().str.lower()
    frame, lines = _caf_codes(frame, lines, report, headers.get("code", "code"))
    for c in ("nom",):
        if c not in frame.columns:
            frame[c] = ""
    typed = _convert_all(frame, dtype, lines, report, headers, skip=("code",))
    typed["code"] = frame["code"].astype("string").to_numpy()
    if not report.ok:
        return typed, lines
    communal = (typed["niveau"] == "commune").to_numpy()
    if communal.any():
        sub, sub_lines = typed.loc[communal], lines[communal]
        rest, rest_lines = typed.loc[~communal], lines[~communal]
        # places are counts (summed over merged communes); rates cannot be summed
        sums, nulls = (value_cols, []) if kind == "caf_places" else ([], value_cols)
        sub, sub_lines = _map_merged(
            sub, "code", ["code", "annee", "niveau"], sums, nulls, report, sub_lines, name_col="nom"
        )
        typed = pd.concat([rest, sub], ignore_index=True)
        lines = np.concatenate([rest_lines, sub_lines])
    return typed, lines


CAF_SCALE_CODES = {
    "commune": "code_commune",
    "epci": "code_epci",
    "departement": "code_departement",
    "region": "code_region",
}
_SCALE_ORDER = ("commune", "epci", "departement", "region", "france")
#: File-name stems of the data.caf.fr datasets (txcouv_pe_com, nbpla_pe_epci, …).
_SCALE_NAME_HINTS = (
    (r"(?:^|_)(?:com|communes?|communal)(?:_|$)", "commune"),
    (r"(?:^|_)(?:epci|intercommunal)(?:_|$)", "epci"),
    (r"(?:^|_)(?:dep|dept|departements?|departemental)(?:_|$)", "departement"),
    (r"(?:^|_)(?:reg|regions?|regional)(?:_|$)", "region"),
    (r"(?:^|_)(?:fra|france|nat|national)(?:_|$)", "france"),
)


def _caf_code_examples(niveau: str) -> str:
    names = [a for a in CAF_KEY_ALIASES[CAF_SCALE_CODES[niveau]] if not a.startswith("re:")]
    return "ex. " + ", ".join(f"« {a} »" for a in names[:3])


def _caf_scale(headers: dict[str, str], report: Report, header: list[str]) -> str | None:
    """The scale of a CNAF file without a `niveau` column, decided from its code columns only.

    The finest scale the file points to (a code column, a name column such as « nom_commune »,
    or the data.caf.fr file name « …_com », « …_epci »…) must have its code column: a commune
    file whose code header was lost is refused with the headers found, never re-read as the
    next scale that has a code. No territory column at all and no hint: national figures.
    `headers` maps the canonical columns found to the file's headers. Returns None (with an
    error) when the expected code column is absent.
    """
    stem = norm_header(Path(report.file).stem)
    from_name = next((lvl for pat, lvl in _SCALE_NAME_HINTS if re.search(pat, stem)), None)
    clues: list[tuple[str, str]] = []
    for lvl in _SCALE_ORDER[:-1]:
        for col in (CAF_SCALE_CODES[lvl], f"nom_{lvl}"):
            if col in headers:
                clues.append((lvl, f"la colonne « {headers[col]} »"))
                break
    if from_name:
        clues.append((from_name, f"le nom du fichier « {Path(report.file).name} »"))
    if not clues:
        report.note("Échelle détectée : france (aucune colonne de territoire).")
        return "france"
    niveau, why = min(clues, key=lambda c: _SCALE_ORDER.index(c[0]))
    if niveau == "france":
        report.note(f"Échelle détectée : france (d'après {why}).")
        return niveau
    code_col = CAF_SCALE_CODES[niveau]
    if code_col not in headers:
        found = ", ".join(f"« {h} »" for h in header if h) or "aucune"
        report.error(
            f"{report.file}, ligne d'en-tête : fichier à l'échelle « {niveau} » (d'après {why}) "
            f"mais colonne de code {SCALE_SINGULAR[niveau]} introuvable ({_caf_code_examples(niveau)}) ; "
            f"colonnes trouvées : {found}. L'échelle n'est jamais devinée à partir d'une autre "
            "colonne : rétablissez l'en-tête du code (cellule fusionnée ou effacée ?) ou choisissez "
            "l'échelle.",
            column=code_col,
            expected=f"une colonne de code {SCALE_SINGULAR[niveau]}",
        )
        return None
    report.note(f"Échelle détectée : {niveau} (codes lus dans la colonne « {headers[code_col]} »).")
    return niveau


_EDITION_WORDS = {
    "hist": "hist",
    "historique": "hist",
    "premiere publication": "hist",
    "courant": "courant",
    "courante": "courant",
    "revise": "courant",
    "revisee": "courant",
}


def _caf_edition(frame: pd.DataFrame, opts: ImportOptions, report: Report) -> pd.DataFrame:
    """Edition of every row (hist = first publication, courant = current, revised, edition):
    the file's « edition » column, else the import option, else decided from the file: a
    data.caf.fr « _hist » file name, or a file of three years or more (the history files hold
    2017 to N-1), is the first publication; a file of one or two years is the current edition
    (the latest year and the previous one, revised). The report says which rule decided."""
    frame = frame.copy()
    if "edition" in frame.columns:
        raw = frame["edition"].astype(str).str.strip()
        words = raw.map(lambda v: _EDITION_WORDS.get(_norm_name(v), v))
        frame["edition"] = words
        report.note("Édition lue dans la colonne « edition » (hist / courant).")
        return frame
    if opts.edition:
        if opts.edition not in EDITIONS:
            report.error(
                f"{report.file} : édition « {opts.edition} » inconnue ; hist ou courant attendu.",
                expected="hist ou courant",
            )
            return frame
        frame["edition"] = opts.edition
        report.note(
            f"Édition choisie à l'import : {opts.edition} ({EDITION_LABELS[opts.edition]})."
        )
        return frame
    years = sorted(frame["annee"].astype(str).unique())
    if "hist" in norm_header(Path(report.file).stem).split("_"):
        edition, why = "hist", "nom de fichier « _hist » (historique data.caf.fr)"
    elif len(years) >= 3:
        edition, why = "hist", f"{len(years)} années ({years[0]}-{years[-1]}) : fichier historique"
    else:
        edition, why = (
            "courant",
            (f"{len(years)} année(s) ({', '.join(years)}) : fichier de l'édition courante"),
        )
    frame["edition"] = edition
    report.note(
        f"Édition déduite du fichier : {edition} ({EDITION_LABELS[edition]}) — {why}. "
        "Pour une autre édition, indiquez-la à l'import (option « édition »)."
    )
    return frame


def _caf_codes(
    frame: pd.DataFrame, lines: np.ndarray, report: Report, header: str
) -> tuple[pd.DataFrame, np.ndarray]:
    frame = frame.copy()
    if "code" not in frame.columns:
        frame["code"] = ""
    cleaned = codes.clean_codes(frame["code"])
    keep = _not_placeholder(cleaned, report, header, "« XX », « XXX »")
    if keep is not None:
        frame, lines, cleaned = frame.loc[keep], lines[keep], cleaned[keep]
    niveau = frame["niveau"].astype(str)
    out = pd.Series("", index=frame.index, dtype=object)
    normalisers = {
        "commune": codes.normalize_commune,
        "epci": codes.normalize_siren,
        "departement": codes.normalize_departement,
        "region": codes.normalize_region,
    }
    expected = {
        "commune": COMMUNE_EXPECTED,
        "epci": "un SIREN d'EPCI à 9 chiffres",
        "departement": "un code de département (01, 2A, 971, 20R, 69D, 69M)",
        "region": "un code de région à 2 chiffres",
    }
    for lvl, fn in normalisers.items():
        m = (niveau == lvl).to_numpy()
        if not m.any():
            continue
        inverse, uniq = pd.factorize(cleaned[m])  # each code once (files repeat them)
        norm = pd.Series(
            pd.Series(uniq, dtype=object).map(fn).to_numpy(dtype=object)[inverse],
            index=cleaned[m].index,
        )
        bad = norm.isna()
        if bad.any():
            report.cells(lines[m][bad.to_numpy()], header, frame.loc[m, "code"][bad], expected[lvl])
        out[m] = norm.fillna("")
    out[(niveau == "france").to_numpy()] = ""
    unknown_lvl = ~niveau.isin(list(normalisers) + ["france"])
    if unknown_lvl.any():
        report.cells(
            lines[unknown_lvl.to_numpy()],
            "niveau",
            niveau[unknown_lvl],
            "commune, epci, departement, region ou france",
        )
    _note_padded(cleaned, out, niveau, report, header)
    frame["code"] = out
    com = (niveau == "commune").to_numpy()
    if com.any():
        sub = frame.loc[com]
        # codes already checked above (a bad or empty one reported once, with what was found)
        sub, _ = _communes(sub, "code", lines[com], report, header, required=False)
        frame.loc[com, "code"] = sub["code"].fillna("")
        if "nom" in frame.columns:
            _note_name_mismatch(frame.loc[com, "code"], frame.loc[com, "nom"], lines[com], report)
    _note_old_epci(frame, report)
    if frame["code"].isin(list(codes.CAF_DEPARTEMENTS)).any():
        report.note(
            "Codes départementaux propres aux Caf conservés tels que publiés : 20R (Corse), 69D (Rhône hors "
            "Métropole) et 69M (Métropole de Lyon)."
        )
    return frame, lines


def _note_padded(
    cleaned: pd.Series, normalised: pd.Series, niveau: pd.Series, report: Report, header: str
) -> None:
    """Note the codes whose leading zeros were restored (« 1004 » → « 01004 », « 1 » → « 01 »).
    Works on the distinct (code, scale) pairs: files repeat each code once per year."""
    pairs = pd.DataFrame(
        {
            "c": cleaned.astype(str).to_numpy(),
            "n": normalised.astype(str).to_numpy(),
            "lv": niveau.astype(str).to_numpy(),
        }
    )
    counts = pairs.value_counts(sort=False).reset_index(name="rows")
    c, n = counts["c"].to_numpy(dtype=str), counts["n"].to_numpy(dtype=str)
    padded = np.array(
        [
            len(b) > 0 and len(a) > len(b) and a.endswith(b) and set(a[: len(a) - len(b)]) == {"0"}
            for a, b in zip(n, c, strict=True)
        ],
        dtype=bool,
    )
    if not padded.any():
        return
    lv = counts["lv"].to_numpy(dtype=str)
    rows = counts["rows"].to_numpy()
    parts = []
    for lvl in _SCALE_ORDER:
        m = padded & (lv == lvl)
        if m.any():
            i = int(np.flatnonzero(m)[0])
            parts.append(
                f"{int(rows[m].sum())} code(s) {SCALE_SINGULAR[lvl]} (ex. {c[i]} → {n[i]})"
            )
    report.note(f"Zéros initiaux perdus rétablis (colonne « {header} ») : {' ; '.join(parts)}.")


def _note_name_mismatch(
    code: pd.Series, name: pd.Series, lines: np.ndarray, report: Report, shown: int = 5
) -> None:
    """Note the rows whose commune name is, in the COG, the name of ANOTHER commune of the same
    département (a shifted row or a wrong code): the code is kept, the note lets the user
    check. Spelling variants and renamed communes (no other commune of that name) are not
    flagged."""
    from geodata.reference import communes_table

    if name.isna().all():
        return
    pairs = pd.DataFrame({"code": code.astype(str).to_numpy(), "nom": name.astype(str).to_numpy()})
    _, first_rows = np.unique(
        pd.factorize(pairs["code"] + "\x1f" + pairs["nom"])[0], return_index=True
    )
    first = pairs.iloc[first_rows].assign(_line=np.asarray(lines)[first_rows])
    first = first[(first["nom"].str.strip() != "") & (first["code"] != "")]
    if first.empty:
        return
    com = communes_table()
    ref_name = dict(zip(com["code_insee"].astype(str), com["nom"].astype(str), strict=True))
    ref_dep = dict(zip(com["code_insee"].astype(str), com["dep"].astype(str), strict=True))
    by_dep, _ = _commune_name_index()
    found = []
    for c, n, line in zip(first["code"], first["nom"], first["_line"], strict=True):
        own = ref_name.get(c)
        if own is None:
            continue
        key = _norm_name(n)
        if key == _norm_name(own):
            continue
        others = [h[0] for h in by_dep.get((ref_dep[c], key), ()) if h[0] != c]
        if others:
            found.append(
                f"ligne {int(line)} : {c} ({own} dans le COG) nommé « {n.strip()} », nom de {others[0]}"
            )
    if found:
        text = " ; ".join(found[:shown]) + (
            f" ; et {len(found) - shown} autre(s)" if len(found) > shown else ""
        )
        report.note(
            f"{len(found)} code(s) commune dont le nom dans le fichier est celui d'une autre commune du "
            f"département (code conservé, à vérifier) : {text}."
        )


def _note_old_epci(frame: pd.DataFrame, report: Report, shown: int = 5) -> None:
    """Note the EPCI codes that are not in the 2025 reference (the CNAF files follow each
    year's perimeters: EPCI merged or renumbered since). Their rows are kept as published."""
    epci = frame[(frame["niveau"].astype(str) == "epci") & (frame["code"] != "")]
    if epci.empty:
        return
    old = epci[~codes.isin(epci["code"].astype(str), codes.epci_codes())]
    if old.empty:
        return
    first = old.drop_duplicates("code")
    names = first["nom"].astype(str) if "nom" in first else pd.Series("", index=first.index)
    years = first["annee"] if "annee" in first else pd.Series("", index=first.index)
    items = [
        f"{c} ({n.strip()}, {y})" if n.strip() else f"{c} ({y})"
        for c, n, y in zip(first["code"], names, years, strict=True)
    ]
    text = ", ".join(items[:shown])
    if len(items) > shown:
        text += f" et {len(items) - shown} autre(s)"
    report.note(
        f"{len(items)} code(s) d'EPCI absent(s) du référentiel 2025 (périmètre de l'année du fichier : "
        f"EPCI fusionné ou renuméroté depuis) : {text}. Lignes conservées telles que publiées ; "
        "elles n'apparaissent ni sur les cartes ni dans les comparaisons, qui suivent les EPCI 2025."
    )
