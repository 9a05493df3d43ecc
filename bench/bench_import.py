"""Benchmark of the data workspace imports (issue 3).

Budgets: a national-size commune file (35,000 communes, CNAF places format, French CSV with
decimal commas and U+202F thousands) read, validated AND committed in ≤ 5 s; a 450,000-row
Filoué extract (French CSV) read, validated and committed in ≤ 15 s. Each import goes
through `datastore.importers.prepare` + `commit` into a fresh temporary workspace, exactly
as the Données page and the CLI do. Generating the input files is not timed. Also reported
(no budget of their own, target ≤ 10 s): `ensure_defaults` on a new workspace, cold (no
cache) and warm (prepared frames cached, the usual case for a test session).

Issue 14: a 150 Mo CNAF commune file made of 41 communes repeated 30,000 times (1,230,000
rows, 41 duplicated keys) is read, validated and REFUSED with the totals (« 41 clés en
double, 1 230 000 lignes concernées ; les 10 premières… ») in ≤ 60 s; the duplicate check
itself (vectorised) is timed on its own. Also timed: the preview (plan) of an update by key
and its commit on a workspace holding the 35,000-commune file.

    .venv/bin/python -m bench.bench_import
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from datastore.importers import commit, prepare
from datastore.store import Workspace

BUDGET_COMMUNES_S = 5.0
BUDGET_FILOUE_S = 15.0
BUDGET_DUPLICATES_S = 60.0
BUDGET_PLAN_S = 3.0
N_FILOUE = 450_000


def _fr_number(values: np.ndarray) -> list[str]:
    return [f"{v:,.1f}".replace(",", "\u202f").replace(".", ",") for v in values]


def national_places_csv(n: int = 35_000, seed: int = 3) -> bytes:
    """CNAF `nbpla_pe_com`-like file for n communes of the COG 2025 (one year)."""
    from geodata.reference import communes_table

    com = communes_table().head(n)
    rng = np.random.default_rng(seed)
    k = len(com)
    psu = rng.integers(0, 2_000, k).astype(float)
    hors = rng.integers(0, 50, k).astype(float)
    assmat = rng.integers(0, 3_000, k) + 0.5
    frame = pd.DataFrame(
        {
            "date_reference": "2023",
            "num_commune": com["code_insee"].str.lstrip("0"),  # lost leading zeros too
            "nom_commune": com["nom"],
            "numero_EPCI": com["siren_epci"].fillna(""),
            "nom_EPCI": com["epci_nom"].fillna(""),
            "numero_departement": com["dep"],
            "nom_departement": com["dep_nom"],
            "places_EAJE_PSU": _fr_number(psu),
            "places_hors_EAJE_PSU": _fr_number(hors),
            "places_EAJE_ensemble": _fr_number(psu + hors),
            "places_prescolarisation": _fr_number(hors),
            "places_assistante_maternelle": _fr_number(assmat),
            "places_salariee_domicile": _fr_number(hors),
            "places_accueil_individuel_ensemble": _fr_number(assmat + hors),
            "places_offertes_ensemble": _fr_number(psu + 2 * hors + assmat + hors),
        }
    )
    buf = io.StringIO()
    frame.to_csv(buf, sep=";", index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def filoue_csv(n: int = N_FILOUE) -> tuple[bytes, str]:
    """A Filoué extract of n rows as a French CSV; from datastore.synthetic when available."""
    try:
        from datastore.synthetic import generate_filoue
    except ImportError:
        generate_filoue = None
    if generate_filoue is not None:
        frame = generate_filoue(n_rows=n)
        origin = "datastore.synthetic.generate_filoue"
    else:
        rng = np.random.default_rng(5)
        frame = pd.DataFrame(
            {
                "annee": 2023,
                "id_eaje": [f"E{i // 30:06d}" for i in range(n)],
                "nom_eaje": "Crèche",
                "code_insee_eaje": "42218",
                "id_enfant": [f"C{i:07d}" for i in range(n)],
                "age_mois": rng.integers(0, 48, n),
                "code_insee_residence": "42218",
                "situation_familiale": rng.choice(["couple", "monoparentale", "autre"], n),
                "tranche_revenu": "QF < 700",
                "heures_facturees": rng.integers(100, 2_000, n) + 0.5,
                "heures_realisees": rng.integers(100, 2_000, n) + 0.25,
                "places_eaje": 30,
            }
        )
        origin = "générateur local du banc"
    out = frame.copy()
    for col in ("heures_facturees", "heures_realisees"):
        out[col] = (
            out[col]
            .astype("float64")
            .map(lambda v: "" if np.isnan(v) else f"{v:.2f}".replace(".", ","))
        )
    buf = io.StringIO()
    out.to_csv(buf, sep=";", index=False)
    return buf.getvalue().encode("utf-8"), origin


def _timed_import(kind: str, data: bytes, name: str) -> tuple[float, float, float, int, str]:
    """(read+validate seconds, commit seconds, CPU seconds of both, rows, summary)."""
    with tempfile.TemporaryDirectory(prefix="bench-ws-") as tmp:
        ws = Workspace(tmp)
        c0 = time.process_time()
        t0 = time.perf_counter()
        prepared = prepare(kind, data, name=name)
        t1 = time.perf_counter()
        if not prepared.ok:
            raise RuntimeError(prepared.report.text()[:2000])
        metas = commit(ws, prepared)
        t2 = time.perf_counter()
        cpu = time.process_time() - c0
        return t1 - t0, t2 - t1, cpu, sum(m.rows for m in metas), prepared.report.summary()


CAF_TX_HEADER = (
    "date_reference;numero_commune;nom_commune;numero_epci;nom_epci;numero_departement;"
    "nom_departement;taux_de_couv_eaje_psu;taux_de_couv_hors_eaje_psu;taux_de_couv_eaje_ensemble;"
    "taux_de_couv_prescolarisation;taux_de_couv_assistante_maternelle;"
    "taux_de_couv_salariee_a_domicile;taux_de_couv_accueil_individuel_ensemble;taux_de_couv_global"
)


def duplicated_csv(keys: int = 41, copies: int = 30_000) -> bytes:
    """A ~150 Mo CNAF commune rates file: `keys` communes, each repeated `copies` times."""
    from geodata.reference import communes_table

    com = communes_table().head(keys)
    body = "".join(
        f"2023;{c};{n.upper()};{e};{en};{d};{dn};30,1;0,5;30,6;2,1;25,3;0,9;26,2;58,9\n"
        for c, n, e, en, d, dn in zip(
            com["code_insee"],
            com["nom"],
            com["siren_epci"].fillna(""),
            com["epci_nom"].fillna(""),
            com["dep"],
            com["dep_nom"],
            strict=True,
        )
    )
    return (CAF_TX_HEADER + "\n" + body * copies).encode("utf-8")


def _duplicates() -> tuple[float, float, int, str]:
    """(prepare seconds, duplicate-check seconds, bytes, first error)."""
    from datastore.schemas import dataset_type
    from datastore.validation import Report, check_duplicates

    data = duplicated_csv()
    t0 = time.perf_counter()
    prepared = prepare("caf_taux", data, name="txcouv_pe_com_2023.csv")
    seconds = time.perf_counter() - t0
    if prepared.ok:
        raise RuntimeError("le fichier aux clés en double a été accepté")
    first = prepared.report.sorted_issues()[0].message
    n = 1_230_000
    frame = pd.DataFrame(
        {
            "annee": np.full(n, 2023),
            "niveau": "commune",
            "code": np.tile(np.array([f"{i:05d}" for i in range(1001, 1042)]), n // 41),
        }
    )
    t1 = time.perf_counter()
    check_duplicates(frame, dataset_type("caf_taux"), np.arange(2, n + 2), Report("x"))
    return seconds, time.perf_counter() - t1, len(data), first


def _plan_and_commit() -> tuple[float, float, str]:
    """Preview + commit of a 41-commune update by key over the 35,000-commune file."""
    from datastore.changes import change_text
    from datastore.importers import plan

    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        ws = Workspace(tmp)
        commit(ws, prepare("caf_places", national_places_csv(), name="nbpla_pe_com_2023.csv"))
        update = national_places_csv(41, seed=9)
        prepared = prepare("caf_places", update, name="nbpla_pe_com_2023_maj.csv")
        t0 = time.perf_counter()
        preview = plan(ws, prepared)
        t1 = time.perf_counter()
        commit(ws, prepared, expected_revision=preview.revision)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, change_text(preview.changes[0], shown=2)


def _defaults(cache: str | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ensure_defaults on a new workspace."""
    from datastore import defaults

    old = os.environ.get(defaults.CACHE_ENV)
    with tempfile.TemporaryDirectory(prefix="bench-defaults-") as tmp:
        os.environ[defaults.CACHE_ENV] = cache or str(Path(tmp) / "cache")
        try:
            ws = Workspace(Path(tmp) / "ws")
            c0, t0 = time.process_time(), time.perf_counter()
            defaults.ensure_defaults(ws)
            return time.perf_counter() - t0, time.process_time() - c0
        finally:
            if old is None:
                os.environ.pop(defaults.CACHE_ENV, None)
            else:
                os.environ[defaults.CACHE_ENV] = old


def run() -> list[dict]:
    from datastore.codes import commune_reference

    commune_reference()  # one-off load of the COG reference, shared by every import
    out: list[dict] = []
    data = national_places_csv()
    read, store, cpu, rows, summary = _timed_import("caf_places", data, "nbpla_pe_com_2023.csv")
    out.append(
        {
            "name": "import_communes_35000",
            "seconds": read + store,
            "budget_seconds": BUDGET_COMMUNES_S,
            "note": f"{rows} lignes ; lecture + validation {read:.2f} s, enregistrement {store:.2f} s "
            f"(temps CPU {cpu:.2f} s) ; "
            f"{len(data) / 1e6:.1f} Mo ; {summary}",
        }
    )
    data, origin = filoue_csv()
    read, store, cpu, rows, summary = _timed_import("filoue", data, "filoue_2023.csv")
    out.append(
        {
            "name": "import_filoue_450000",
            "seconds": read + store,
            "budget_seconds": BUDGET_FILOUE_S,
            "note": f"{rows} lignes ({origin}) ; lecture + validation {read:.2f} s, enregistrement {store:.2f} s "
            f"(temps CPU {cpu:.2f} s) ; "
            f"{len(data) / 1e6:.1f} Mo",
        }
    )
    seconds, dup_seconds, size, first = _duplicates()
    out.append(
        {
            "name": "import_doublons_150mo",
            "seconds": seconds,
            "budget_seconds": BUDGET_DUPLICATES_S,
            "note": f"{size / 1e6:.0f} Mo, 1 230 000 lignes refusées ; contrôle des doublons seul "
            f"{dup_seconds:.2f} s ; premier message : {first}",
        }
    )
    plan_s, commit_s, text = _plan_and_commit()
    out.append(
        {
            "name": "apercu_mise_a_jour_par_cle",
            "seconds": plan_s,
            "budget_seconds": BUDGET_PLAN_S,
            "note": f"aperçu de 41 communes sur 35 000 ; enregistrement {commit_s:.2f} s ; {text}",
        }
    )
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        cold, cold_cpu = _defaults(cache)
        warm, warm_cpu = _defaults(cache)
    out.append(
        {
            "name": "ensure_defaults_cold",
            "seconds": cold,
            "budget_seconds": None,
            "note": "espace neuf, sans cache : lecture des fichiers embarqués + jeu de démonstration "
            f"(cible ≤ 10 s ; temps CPU {cold_cpu:.2f} s)",
        }
    )
    out.append(
        {
            "name": "ensure_defaults_warm",
            "seconds": warm,
            "budget_seconds": None,
            "note": "espace neuf, cadres préparés en cache (cas des sessions de test) "
            f"(cible ≤ 10 s ; temps CPU {warm_cpu:.2f} s)",
        }
    )
    return out


if __name__ == "__main__":
    for r in run():
        budget = f" / budget {r['budget_seconds']:.0f} s" if r["budget_seconds"] else ""
        print(f"{r['name']:<26} {r['seconds']:6.2f} s{budget}  {r['note']}")
