"""Benchmark of the Filoué profiles on a national-size extract (450,000 rows).

Budgets (issue 12, replacing issue 8's 0.3 s): a profile *with its secrecy audit* in
≤ 0.5 s warm for the median commune and ≤ 2 s for the largest (Paris, 1 688 EAJE). "Load" =
reading the extract and the one-off per-EAJE aggregation (`diagnostics.filoue.prepare`,
cached by the UI per extract and year); a "profile" = statistical secrecy and its audit
for all EAJE of the commune (`commune_view`) plus the views of the four tabs and the
ranking, for one EAJE, at the default threshold. Each profile is timed interleaved with
the same profile without the audit (the suppression of before issue 12) and the ratio is
reported.

The extract comes from `datastore.synthetic.generate_filoue(n_rows=...)` when that
function exists, else from `make_extract` below (same schema, EAJE spread over French
communes by population, so the largest cities get hundreds of EAJE: the worst case).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from diagnostics import filoue as F

BUDGET_MEDIAN_S = 0.5
BUDGET_LARGEST_S = 2.0
N_ROWS = 450_000
QF_BANDS = ("QF < 700", "QF 700 à 1 099", "QF 1 100 à 1 499", "QF 1 500 à 1 999", "QF ≥ 2 000")


def _communes(departements: tuple[str, ...] | None) -> pd.DataFrame:
    from geodata.reference import communes_table

    com = communes_table()[["code_insee", "dep", "population"]].dropna()
    if departements:
        com = com.loc[com["dep"].isin(departements)]
    return com.loc[com["population"] > 0].reset_index(drop=True)


def make_extract(
    n_rows: int = N_ROWS,
    seed: int = 1,
    annee: int = 2023,
    departements: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """A synthetic Filoué extract (one row per child and EAJE) following datastore.schemas."""
    rng = np.random.default_rng(seed)
    com = _communes(departements)
    pop = com["population"].to_numpy(dtype=float)
    n_eaje = max(1, n_rows // 40)
    w = pop**1.15
    eaje_com = rng.choice(len(com), size=n_eaje, p=w / w.sum())
    places = rng.integers(10, 70, size=n_eaje)
    child_eaje = rng.choice(n_eaje, size=n_rows, p=places / places.sum())
    codes = com["code_insee"].astype(str).to_numpy()
    deps = com["dep"].astype(str).to_numpy()
    home = eaje_com[child_eaje]
    # Residence: mostly the EAJE's commune, else another commune of the same département.
    resid = home.copy()
    away = rng.random(n_rows) < 0.25
    by_dep: dict[str, np.ndarray] = {d: np.flatnonzero(deps == d) for d in np.unique(deps)}
    for d, members in by_dep.items():
        sel = away & (deps[home] == d)
        if sel.any():
            pw = pop[members] / pop[members].sum()
            resid[sel] = rng.choice(members, size=int(sel.sum()), p=pw)
    resid_code = codes[resid].astype(object)
    resid_code[rng.random(n_rows) < 0.01] = None
    tilt = rng.normal(0, 0.8, size=n_eaje)[child_eaje]
    base = np.log(np.array([0.22, 0.22, 0.2, 0.18, 0.18]))
    logits = base[None, :] + np.outer(tilt, np.linspace(1, -1, 5))
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    band = (rng.random(n_rows)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, 4)
    revenu = np.array(QF_BANDS, dtype=object)[band]
    revenu[rng.random(n_rows) < 0.02] = None
    situation = rng.choice(
        np.array(["couple", "monoparentale", "autre"], dtype=object),
        size=n_rows,
        p=[0.74, 0.21, 0.05],
    )
    situation[rng.random(n_rows) < 0.01] = None
    billed = rng.gamma(4, 300, size=n_rows).round(1)
    return pd.DataFrame(
        {
            "annee": annee,
            "id_eaje": np.char.add("EAJE", (child_eaje + 1).astype(str)).astype(object),
            "nom_eaje": np.char.add("Crèche n° ", (child_eaje + 1).astype(str)).astype(object),
            "code_insee_eaje": codes[home],
            "id_enfant": np.char.add("E", np.arange(n_rows).astype(str)).astype(object),
            "age_mois": rng.integers(2, 48, size=n_rows),
            "code_insee_residence": resid_code,
            "situation_familiale": situation,
            "tranche_revenu": revenu,
            "heures_facturees": billed,
            "heures_realisees": (billed * rng.uniform(0.8, 1.0, size=n_rows)).round(1),
            "places_eaje": places[child_eaje],
        }
    )


def make_reference(extract: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """Allocataire children per commune of the EAJE, by dimension (same modalities)."""
    rng = np.random.default_rng(seed)
    rows = []
    annee = int(extract["annee"].iloc[0])
    for code, n in extract.groupby("code_insee_eaje").size().items():
        kids = int(n * rng.uniform(2.5, 4.0))
        for dim, mods, p in (
            ("age", ("moins de 1 an", "1 an", "2 ans"), (0.33, 0.34, 0.33)),
            ("situation_familiale", ("couple", "monoparentale", "autre"), (0.7, 0.25, 0.05)),
            ("tranche_revenu", QF_BANDS, (0.3, 0.2, 0.2, 0.15, 0.15)),
        ):
            for mod, k in zip(mods, rng.multinomial(kids, p), strict=True):
                rows.append((annee, code, dim, mod, float(k)))
    return pd.DataFrame(rows, columns=["annee", "code_insee", "dimension", "modalite", "enfants"])


def _extract(n_rows: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Extract and allocataire reference: datastore.synthetic when available, else ours."""
    try:
        from datastore import synthetic as syn
    except ImportError:
        syn = None
    needed = (
        "load_inputs",
        "generate_enfants",
        "generate_structures",
        "generate_filoue",
        "generate_filoue_reference",
    )
    if syn is None or not all(hasattr(syn, name) for name in needed):
        extract = make_extract(n_rows)
        return extract, make_reference(extract), "générateur du benchmark"
    inp = syn.load_inputs()
    enfants = syn.generate_enfants(inp.communes, inp.cnaf)
    structures = syn.generate_structures(inp.communes, inp.geometries, inp.bpe, inp.cnaf)
    extract = syn.generate_filoue(structures, inp.communes, n_rows=n_rows)
    reference = syn.generate_filoue_reference(extract, enfants)
    return extract, reference, "datastore.synthetic.generate_filoue"


def _profile(prep: F.FilouePrepared, ref: pd.DataFrame, code: str, id_eaje: str) -> None:
    view = F.commune_view(prep, code, 5)
    rv = F.reference_view(ref, code, prep.annee, 5)
    F.cadrage(view, id_eaje)
    F.residence(view, id_eaje)
    for dim in F.DIMENSIONS:
        F.comparison(view, rv, dim, id_eaje, prep.modalites[dim])
    F.ranking(view, "tranche_revenu", list(prep.modalites["tranche_revenu"][:1]))


def _without_audit():
    """Context manager: the suppression of before issue 12 (line and bridge rules only)."""
    from contextlib import contextmanager

    from diagnostics import secrecy

    @contextmanager
    def off():
        saved = secrecy._enforce_audit, secrecy._enforce_unit_line
        secrecy._enforce_audit = lambda *_: True
        secrecy._enforce_unit_line = lambda _totals, hidden, all_hidden, _t: (hidden, all_hidden)
        try:
            yield
        finally:
            secrecy._enforce_audit, secrecy._enforce_unit_line = saved

    return off()


def interleaved(prep, ref, code: str, id_eaje: str, rounds: int = 3) -> tuple[float, float]:
    """Median seconds of a profile with the audit and without it, runs interleaved
    (the machine is shared: a ratio of interleaved runs is what compares)."""
    with_audit, without = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        _profile(prep, ref, code, id_eaje)
        with_audit.append(time.perf_counter() - t0)
        with _without_audit():
            t0 = time.perf_counter()
            _profile(prep, ref, code, id_eaje)
            without.append(time.perf_counter() - t0)
    return float(np.median(with_audit)), float(np.median(without))


def run() -> list[dict]:
    t0 = time.perf_counter()
    extract, ref, origin = _extract(N_ROWS)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    annee = F.years(extract)[0]
    prep = F.prepare(extract, annee)
    t_prep = time.perf_counter() - t0
    per_commune = prep.eaje.groupby("code_insee_eaje").size().sort_values()
    median_code = str(per_commune.index[len(per_commune) // 2])
    big_code = str(per_commune.index[-1])
    out = [
        {
            "name": "filoue_generate_450k",
            "seconds": t_gen,
            "budget_seconds": None,
            "note": f"{len(extract):,} lignes ({origin})".replace(",", " "),
        },
        {
            "name": "filoue_prepare_450k",
            "seconds": t_prep,
            "budget_seconds": None,
            "note": f"agrégation par EAJE une fois après chargement : {len(prep.eaje)} EAJE",
        },
    ]
    _profile(prep, ref, median_code, str(prep.eaje["id_eaje"].iloc[0]))  # imports, warm-up
    for label, code, budget in (
        ("median", median_code, BUDGET_MEDIAN_S),
        ("largest", big_code, BUDGET_LARGEST_S),
    ):
        eaje = prep.eaje.loc[prep.eaje["code_insee_eaje"] == code, "id_eaje"].iloc[0]
        secs, old = interleaved(prep, ref, code, str(eaje))
        out.append(
            {
                "name": f"filoue_profile_{label}_commune",
                "seconds": secs,
                "budget_seconds": budget,
                "note": f"commune {code} ({int(per_commune[code])} EAJE) : secret statistique + audit "
                f"de la commune + 4 onglets + classement, médiane de 3 essais ; sans l'audit "
                f"(entrelacé) {old:.2f} s, rapport {secs / old:.1f}".replace(".", ","),
            }
        )
    return out


if __name__ == "__main__":  # pragma: no cover
    for row in run():
        print(row)
