"""Deterministic synthetic (demo) datasets for what French open data does not publish.

The embedded default workspace ships the real open data (CNAF commune rates and places,
INSEE BPE counts, populations, ...). What is not public is generated here, from those real
files, so that every page has something coherent to show until the user imports the real
file: EAJE and other structures with places and coordinates, CNAF-format EPCI files (rates and
places), a CTG list, AO competence transfers, a Filoué extract and its allocataire reference.
What is now real is no longer generated: département rates (data.caf.fr), the national rate
(ONAPE), children under 3 (estimated from INSEE births, `datastore.importers.births_estimate`);
région rates are not generated at all (an estimate from the départements, on request, or
nothing). The generators still build on children for every commune: the births estimate
(:func:`births_children`), or :func:`generate_enfants` when no births file is given. `datastore/defaults.py` commits these frames
with ``nature=Nature.SYNTHETIQUE``; every page shows them as « données de démonstration ».

Determinism: every generator draws from its own ``numpy.random.Generator`` seeded with
``(seed, kind)``, never depends on set or hash order, and returns frames whose columns, order and
dtypes follow ``datastore/schemas.py`` exactly (CODE/TEXT -> ``string``, INT -> ``Int64``,
FLOAT -> ``Float64``, BOOL -> ``boolean``, DATE -> ``datetime64``). The same inputs
(including ``reference_date`` for the CTG) give byte-identical frames.

Geography: COG 2025 (``geodata.reference``). Codes of older files are mapped with
``datastore.codes`` (Paris/Lyon/Marseille arrondissements -> their commune, merged communes
-> their commune nouvelle through the COG passage table). Codes that exist neither in the
COG 2025 nor in the passage table, and the collectivités d'outre-mer (977, 978), are ignored:
in the BPE 2021 file they are 14 codes (e.g. 02077, 25282, 95282), all with zero EAJE; the
CNAF commune files lose only 97701 and 97801 (Saint-Barthélemy, Saint-Martin).

CNAF-format frames (``caf_places``, ``caf_taux``): niveau epci (SIREN) only
(:data:`SYNTHETIC_CAF_LEVELS`); :func:`generate_caf` can still build the other levels for tests.

Public entry point: :func:`generate_all`. Per-kind functions take their inputs as frames so
tests can run them on tiny hand-made inputs; :func:`load_inputs` reads the shipped files.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from datastore.codes import PASSAGE_FILE, plm_parent
from datastore.schemas import AO_COMPETENCES, Dtype, dataset_type

ROOT = Path(__file__).resolve().parent.parent
OPEN_DIR = ROOT / "data" / "open"
BPE_FILE = OPEN_DIR / "insee_bpe2021_eaje_nb_par_commune.csv"
CNAF_PLACES_FILE = OPEN_DIR / "caf_nbpla_pe_com_2017_2022.csv"
CNAF_TAUX_FILE = OPEN_DIR / "caf_txcouv_pe_com_2017_2022.csv"
BIRTHS_FILE = OPEN_DIR / "insee_naissances_domiciliees_com_arm_2008_2024.csv"

DEFAULT_SEED = 20250101
SYNTHETIC_KINDS: tuple[str, ...] = (
    "structures",
    "caf_places",
    "caf_taux",
    "ao_transferts",
    "ctg",
    "filoue",
    "filoue_reference",
)

CAF_YEARS: tuple[int, ...] = tuple(range(2017, 2023))
#: Levels of the synthetic CNAF files: the EPCI only (départements and France are real).
SYNTHETIC_CAF_LEVELS: tuple[str, ...] = ("epci",)
ENFANTS_YEARS: tuple[int, ...] = tuple(range(2017, 2024))
REFERENCE_YEAR = 2022  # latest year of the shipped CNAF commune files; structures stand for it
FILOUE_YEAR = 2023

# Départements of the default demo Filoué extract: Rhône and Seine-Saint-Denis (urban, many
# QPV), Ille-et-Vilaine and Loire (mixed), Creuse (rural), La Réunion (DROM). About 100,000
# rows, which keeps the default workspace small.
FILOUE_DEFAULT_DEPARTEMENTS: tuple[str, ...] = ("69", "93", "35", "42", "23", "974")
FILOUE_MAX_DEFAULT_ROWS = 150_000

# Quotient-familial-like income bands of the demo Filoué and its reference (monthly QF in
# euros, as the CNAF dashboards band them). Ordered from lowest to highest.
TRANCHES_REVENU: tuple[str, ...] = (
    "QF < 700",
    "QF 700 à 1 099",
    "QF 1 100 à 1 499",
    "QF 1 500 à 1 999",
    "QF ≥ 2 000",
)
# Age bands shared by the Filoué extract (age_mois) and the allocataire reference.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("moins de 1 an", 0, 11),
    ("1 an", 12, 23),
    ("2 ans", 24, 35),
    ("3 ans ou plus", 36, 96),
)
SITUATIONS: tuple[str, ...] = ("couple", "monoparentale", "autre")

# Approximate national births (France, INSEE état civil), used only as a relative trend index.
NATIONAL_BIRTHS: dict[int, float] = {
    2012: 821_000, 2013: 812_000, 2014: 818_600, 2015: 798_900, 2016: 783_600,
    2017: 769_600, 2018: 758_600, 2019: 753_400, 2020: 735_200, 2021: 742_100,
    2022: 726_000, 2023: 678_200,
}  # fmt: skip

GESTIONNAIRES_PSU = (
    ("Commune", 0.38),
    ("CCAS / CIAS", 0.10),
    ("Intercommunalité", 0.10),
    ("Association", 0.27),
    ("Association parentale", 0.05),
    ("Entreprise", 0.07),
    ("Mutuelle", 0.03),
)
GESTIONNAIRES_HORS_PSU = (("Entreprise", 0.85), ("Association", 0.15))

_NAME_LABELS = (
    "Les Petits Loups", "Les Lucioles", "Les Coccinelles", "Pomme d'Api", "Les Câlins",
    "Les Pitchouns", "Les Galopins", "Les Bout'choux", "L'Île aux enfants", "Les Papillons",
    "Les Marmousets", "Les Canaillous", "Le Jardin des doudous", "Les Petits Princes",
    "Les Frimousses", "Les Oursons", "La Maison des lutins", "Les P'tits Mousses",
    "Arc-en-ciel", "Les Colibris", "Les Hirondelles", "Les Écureuils", "La Ribambelle",
    "Les Farfadets", "Le Petit Prince", "Les Mésanges", "Les Lutins", "Les Diablotins",
    "La Farandole", "Les Poussins", "Les Pirates", "Les Tournesols", "La Comptine",
    "Les Moussaillons", "Les Chérubins", "Les Étoiles", "Les Petits Pas", "La Cabane",
    "Les Hérissons", "Les Libellules",
)  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _rng(seed: int, kind: str) -> np.random.Generator:
    """Independent generator per dataset kind (call order does not matter)."""
    return np.random.default_rng([int(seed), zlib.crc32(kind.encode("utf-8"))])


def conform(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Columns of the schema of ``kind``, in order, with the dtypes the store returns."""
    dtype = dataset_type(kind)
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in dtype.columns:
        s = frame[col.name].reset_index(drop=True)
        if col.dtype is Dtype.INT:
            out[col.name] = pd.to_numeric(s).astype("Int64")
        elif col.dtype is Dtype.FLOAT:
            out[col.name] = pd.to_numeric(s).astype("Float64")
        elif col.dtype is Dtype.BOOL:
            out[col.name] = s.astype("boolean")
        elif col.dtype is Dtype.DATE:
            out[col.name] = pd.to_datetime(s)
        else:
            out[col.name] = s.astype("string")
    return out


def apportion(weights: np.ndarray, group: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integer shares of ``totals[g]`` among the items of each group ``g``, proportional to
    ``weights`` (largest-remainder rounding, ties broken by position). Every group with at
    least one item receives exactly its total."""
    weights = np.asarray(weights, dtype=float)
    group = np.asarray(group, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    if weights.size == 0:
        return np.zeros(0, dtype=np.int64)
    wsum = np.bincount(group, weights=weights, minlength=totals.size)
    exact = weights / wsum[group] * totals[group]
    base = np.floor(exact + 1e-9).astype(np.int64)
    short = totals - np.bincount(group, weights=base, minlength=totals.size).astype(np.int64)
    order = np.lexsort((np.arange(weights.size), -(exact - base), group))
    g_sorted = group[order]
    starts = np.searchsorted(g_sorted, np.arange(totals.size))
    rank = np.arange(order.size) - starts[g_sorted]
    base[order[rank < short[g_sorted]]] += 1
    return base


def _choice(rng: np.random.Generator, options: Sequence[tuple[str, float]], n: int) -> np.ndarray:
    labels = np.array([o[0] for o in options], dtype=object)
    probs = np.array([o[1] for o in options], dtype=float)
    return labels[rng.choice(len(labels), size=n, p=probs / probs.sum())]


def _draw_categories(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of ``probs`` (rows are probability vectors)."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(probs.shape[0])
    return (u[:, None] > cum).sum(axis=1)


def age_band(age_mois: pd.Series | np.ndarray) -> np.ndarray:
    """Label of :data:`AGE_BANDS` for each age in months (shared by Filoué and its reference)."""
    ages = np.asarray(age_mois, dtype=float)
    labels = np.array([b[0] for b in AGE_BANDS], dtype=object)
    edges = np.array([b[2] for b in AGE_BANDS[:-1]], dtype=float)
    return labels[np.searchsorted(edges, ages, side="left")]


def _births_sum(year: int, span: int) -> float:
    return float(sum(NATIONAL_BIRTHS[y] for y in range(year - span + 1, year + 1)))


@lru_cache(maxsize=64)
def _trend_to_reference(year: int) -> float:
    """Children under 3 in REFERENCE_YEAR / in ``year``, from national births."""
    return _births_sum(REFERENCE_YEAR, 3) / _births_sum(int(year), 3)


def sample_points(geoms: np.ndarray, rng: np.random.Generator, decimals: int = 5) -> np.ndarray:
    """One random point inside each geometry (rejection sampling in the bounding box, rounded
    to ``decimals`` and re-tested after rounding). Returns an (n, 2) array of lon, lat; NaN
    where the geometry is missing or empty; a point on the surface after 80 failed draws."""
    n = len(geoms)
    out = np.full((n, 2), np.nan)
    if n == 0:
        return out
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    todo = np.flatnonzero(valid)
    bounds = shapely.bounds(geoms)
    for _ in range(80):
        if todo.size == 0:
            break
        b = bounds[todo]
        x = np.round(b[:, 0] + rng.random(todo.size) * (b[:, 2] - b[:, 0]), decimals)
        y = np.round(b[:, 1] + rng.random(todo.size) * (b[:, 3] - b[:, 1]), decimals)
        ok = shapely.contains_xy(geoms[todo], x, y)
        out[todo[ok], 0] = x[ok]
        out[todo[ok], 1] = y[ok]
        todo = todo[~ok]
    if todo.size:
        pts = shapely.point_on_surface(geoms[todo])
        out[todo, 0] = shapely.get_x(pts)
        out[todo, 1] = shapely.get_y(pts)
    return out


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class SyntheticInputs:
    """Real inputs the generators build on (all COG 2025)."""

    communes: pd.DataFrame  # geodata.reference.communes_table()
    geometries: pd.Series  # shapely geometry by code_insee (None when missing)
    epci: pd.DataFrame  # epci_table()
    departements: pd.DataFrame  # departements_table()
    regions: pd.DataFrame  # regions_table()
    bpe: pd.Series  # number of EAJE (BPE 2021) by code_insee
    cnaf: pd.DataFrame  # CNAF commune places and derived children, see cnaf_communes()
    children: pd.DataFrame | None = None  # births estimate (enfants schema), births_children()


def _passage() -> dict[str, str]:
    """Old commune code -> COG 2025 code (the passage table of ``datastore.codes``)."""
    if not PASSAGE_FILE.exists():
        return {}
    p = pd.read_csv(PASSAGE_FILE, dtype=str, keep_default_na=False)
    return dict(zip(p["code_ancien"], p["code_cog2025"], strict=True))


def _to_cog(codes: pd.Series, known: pd.Index, passage: dict[str, str]) -> pd.Series:
    """COG 2025 code of each raw commune code; NA when it is neither current nor mapped.

    Current codes are kept; an arrondissement goes to its commune; an old code goes through
    the passage table."""
    current = frozenset(known)
    out = []
    for raw in codes.astype(str).to_numpy(dtype=object):
        code = plm_parent(raw)
        out.append(code if code in current else passage.get(code, code))
    mapped = np.array(out, dtype=object)
    ok = known.get_indexer(mapped) >= 0
    return pd.Series(np.where(ok, mapped, None), index=codes.index, dtype="string")


def bpe_counts(raw: pd.DataFrame, communes: pd.DataFrame) -> pd.Series:
    """Number of EAJE per COG 2025 commune from the BPE 2021 file (CODGEO, NB_D502).

    Arrondissements are summed into Paris, Lyon and Marseille; communes merged since 2021 are
    summed into their commune nouvelle; codes unknown to the COG 2025 and to the passage table
    are ignored (all have zero EAJE in the shipped file).
    """
    known = pd.Index(communes["code_insee"].astype(str).to_numpy(dtype=object))
    code = _to_cog(raw["CODGEO"].astype(str).str.zfill(5), known, _passage())
    counts = pd.to_numeric(raw["NB_D502"], errors="coerce").fillna(0).astype(np.int64)
    out = counts.groupby(code.to_numpy(), dropna=True).sum()
    out.index = out.index.astype(str)
    return out.reindex(known.sort_values(), fill_value=0).astype(np.int64)


_CNAF_PLACE_COLUMNS = {
    "places_EAJE_PSU": "pl_eaje_psu",
    "places_hors_EAJE_PSU": "pl_eaje_hors_psu",
    "places_EAJE_ensemble": "pl_eaje",
    "places_prescolarisation": "pl_prescolarisation",
    "places_assistante_maternelle": "pl_assmat",
    "places_salariee_domicile": "pl_salarie_domicile",
    "places_accueil_individuel_ensemble": "pl_individuel",
    "places_offertes_ensemble": "pl_total",
}
PLACE_COLUMNS = tuple(_CNAF_PLACE_COLUMNS.values())


def cnaf_communes(places: pd.DataFrame, taux: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """CNAF commune files (data.caf.fr ``nbpla_pe_com`` / ``txcouv_pe_com``) on COG 2025 codes.

    One row per (annee, code_insee) with the eight place counts and ``enfants``, the derived
    denominator ``places_offertes_ensemble / taux_de_couv_global × 100`` (NaN when the rate
    is 0). Arrondissements and merged communes are summed (counts and denominators, never
    rates); collectivités d'outre-mer and unknown codes are dropped.
    """
    known = pd.Index(communes["code_insee"].astype(str).to_numpy(dtype=object))
    p = places.rename(columns={"date_reference": "annee", "num_commune": "raw"})
    p = p[["annee", "raw", *_CNAF_PLACE_COLUMNS]].rename(columns=_CNAF_PLACE_COLUMNS)
    t = taux.rename(columns={"date_reference": "annee", "numero_commune": "raw"})
    t = t[["annee", "raw", "taux_de_couv_global"]]
    for df in (p, t):
        df["annee"] = pd.to_numeric(df["annee"]).astype(np.int64)
        df["raw"] = df["raw"].astype(str).str.zfill(5)
    df = p.merge(t, on=["annee", "raw"], how="left")
    for col in PLACE_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    rate = pd.to_numeric(df["taux_de_couv_global"], errors="coerce").astype(float)
    df["enfants"] = (df["pl_total"] / rate * 100).where(rate > 0)
    df["code_insee"] = _to_cog(df["raw"], known, _passage())
    df = df[df["code_insee"].notna()]
    agg = {c: "sum" for c in PLACE_COLUMNS}
    out = df.groupby(["annee", "code_insee"], as_index=False).agg(agg)
    out["enfants"] = df.groupby(["annee", "code_insee"])["enfants"].sum(min_count=1).to_numpy()
    out["code_insee"] = out["code_insee"].astype(str)
    return out.sort_values(["annee", "code_insee"]).reset_index(drop=True)


def load_inputs() -> SyntheticInputs:
    """Read the shipped reference and open-data files the generators need."""
    from geodata.reference import (
        COMMUNES_FILE,
        communes_table,
        departements_table,
        epci_table,
        read_geometries,
        regions_table,
    )

    communes = communes_table()
    geo = read_geometries(COMMUNES_FILE, columns=["insee_com", "geometry"])
    geometries = pd.Series(geo.geometry.to_numpy(), index=geo["insee_com"].astype(str))
    bpe_raw = pd.read_csv(BPE_FILE, dtype={"CODGEO": str})
    places = pd.read_csv(CNAF_PLACES_FILE, dtype={"num_commune": str})
    taux = pd.read_csv(CNAF_TAUX_FILE, dtype={"numero_commune": str})
    children = births_children(pd.read_csv(BIRTHS_FILE, dtype={"codgeo": str}), communes)
    return SyntheticInputs(
        communes=communes,
        geometries=geometries,
        epci=epci_table(),
        departements=departements_table(),
        regions=regions_table(),
        bpe=bpe_counts(bpe_raw, communes),
        cnaf=cnaf_communes(places, taux, communes),
        children=children,
    )


def births_children(
    births: pd.DataFrame, communes: pd.DataFrame, years: Sequence[int] = ENFANTS_YEARS
) -> pd.DataFrame:
    """Children under 3 (and under 6) of every COG 2025 commune estimated from the INSEE births
    file (``codgeo``, ``naiss_YYYY``), with the importer's method (births of N-2, N-1, N); a
    commune missing from the births file gets 0. Frame in the ``enfants`` schema: the input
    of the synthetic structures and places, never stored as synthetic."""
    from datastore.importers import births_estimate

    cols = [c for c in births.columns if str(c).startswith("naiss_")]
    long = births.melt(
        id_vars=["codgeo"], value_vars=cols, var_name="annee", value_name="naissances"
    )
    long = long.rename(columns={"codgeo": "code_insee"})
    long["annee"] = long["annee"].str[-4:].astype(int)
    long["naissances"] = pd.to_numeric(long["naissances"], errors="coerce")
    long["enfants_moins_3"] = np.nan
    long["enfants_moins_6"] = np.nan
    est = births_estimate(long)
    est = est[est["annee"].isin(list(years))]
    grid = pd.MultiIndex.from_product(
        [communes["code_insee"].astype(str), list(years)], names=["code_insee", "annee"]
    )
    out = est.set_index(["code_insee", "annee"]).reindex(grid).reset_index()
    for c in ("enfants_moins_3", "enfants_moins_6", "naissances"):
        out[c] = pd.to_numeric(out[c], errors="coerce").fillna(0.0)
    return conform(
        out[["code_insee", "annee", "enfants_moins_3", "enfants_moins_6", "naissances"]], "enfants"
    )


# --------------------------------------------------------------------------- enfants

_CHILD_DENSITY_FACTOR = {1: 1.0, 2: 1.0, 3: 0.95, 4: 1.05, 5: 0.92, 6: 0.88, 7: 0.82}


def departement_child_shares(communes: pd.DataFrame, cnaf: pd.DataFrame) -> pd.Series:
    """Children under 3 per inhabitant by département, measured on the communes the CNAF
    publishes (derived denominator of their latest year / population municipale 2023).
    Départements without such a commune get the national share (index ``""``)."""
    latest = cnaf[cnaf["enfants"] > 0].sort_values("annee").groupby("code_insee").tail(1)
    pop = communes.set_index(communes["code_insee"].astype(str))
    m = latest.join(pop[["dep", "population"]], on="code_insee")
    m = m[m["population"].notna() & (m["population"] > 0)]
    births = m["annee"].map(_trend_to_reference)
    m = m.assign(enfants=m["enfants"] * births, population=m["population"].astype(float))
    by_dep = m.groupby(m["dep"].astype(str))[["enfants", "population"]].sum()
    shares = by_dep["enfants"] / by_dep["population"]
    national = float(m["enfants"].sum() / m["population"].sum()) if len(m) else 0.031
    all_deps = sorted(set(communes["dep"].astype(str)))
    return pd.concat([shares.reindex(all_deps).fillna(national), pd.Series({"": national})])


def generate_enfants(
    communes: pd.DataFrame,
    cnaf: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] = ENFANTS_YEARS,
) -> pd.DataFrame:
    """Children under 3 and under 6 and births per commune and year (estimates).

    Method (synthetic; stated in the app as an estimation):
    - level in 2022: where the CNAF publishes places and a global rate (communes over
      10,000 inhabitants), the derived denominator ``places_offertes_ensemble /
      taux_de_couv_global × 100``; elsewhere population municipale 2023 × the département's
      share of children under 3 (measured on its CNAF communes, see
      :func:`departement_child_shares`) × a density factor (0.82 very rural to 1.05 urban
      belts) × a small commune noise (±8 %);
    - other years: that level × the ratio of national births of the three previous years
      (INSEE état civil) × a commune drift of about ±1 % a year; CNAF communes keep their own
      derived denominator in each year it exists (2017–2022);
    - under 6: under 3 × births of the six previous years / births of the three previous;
      births of the year: under 3 × births of the year / births of the three previous years
      (so about under 3 / 3, following the national trend).
    Values are rounded to 0.1 (like INSEE census counts).
    """
    rng = _rng(seed, "enfants")
    codes = communes["code_insee"].astype(str).to_numpy()
    n = codes.size
    pop = pd.to_numeric(communes["population"], errors="coerce").fillna(0).to_numpy(float)
    dens = pd.to_numeric(communes["dens7"], errors="coerce").fillna(5).astype(int).to_numpy()
    shares = departement_child_shares(communes, cnaf)
    dep_share = shares.reindex(communes["dep"].astype(str)).fillna(shares[""]).to_numpy()
    factor = np.array([_CHILD_DENSITY_FACTOR.get(int(d), 1.0) for d in dens])
    noise = np.exp(rng.normal(0.0, 0.08, n))
    drift = rng.normal(0.0, 0.01, n)
    base = pop * dep_share * factor * noise

    real = cnaf[cnaf["enfants"] > 0].pivot_table(
        index="code_insee", columns="annee", values="enfants", aggfunc="sum"
    )
    real = real.reindex(codes)
    has_real = real.notna().any(axis=1).to_numpy()
    if has_real.any():
        latest_year = real.notna().to_numpy()[:, ::-1].argmax(axis=1)
        cols = np.asarray(real.columns)[::-1]
        ly = cols[latest_year]
        lv = real.to_numpy()[np.arange(n), real.columns.get_indexer(ly)]
        scale = pd.Series(ly).map(_trend_to_reference).to_numpy(float)
        base = np.where(has_real, lv * scale, base)

    frames = []
    t3_ref = _births_sum(REFERENCE_YEAR, 3)
    for year in years:
        t3 = _births_sum(year, 3)
        under3 = base * t3 / t3_ref * np.exp(drift * (year - REFERENCE_YEAR))
        if year in real.columns:
            obs = real[year].to_numpy(float)
            under3 = np.where(np.isnan(obs), under3, obs)
        frames.append(
            pd.DataFrame(
                {
                    "code_insee": codes,
                    "annee": year,
                    "enfants_moins_3": np.round(under3, 1),
                    "enfants_moins_6": np.round(under3 * _births_sum(year, 6) / t3, 1),
                    "naissances": np.round(under3 * NATIONAL_BIRTHS[year] / t3, 1),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True).sort_values(["code_insee", "annee"])
    return conform(out, "enfants")


# ------------------------------------------------------------------------ structures

_MICRO_SHARE_BY_DENSITY = {1: 0.40, 2: 0.40, 3: 0.45, 4: 0.45, 5: 0.55, 6: 0.55, 7: 0.55}


def _eaje_from_counts(
    rng: np.random.Generator, communes: pd.DataFrame, counts: np.ndarray
) -> pd.DataFrame:
    """EAJE of communes without CNAF places: a plausible size mix (micro-crèches of 10 to 12
    places, mostly outside the PSU; crèches of 20 to 60 places, 16 to 45 in rural areas and
    up to 80 in large cities, mostly PSU)."""
    idx = np.repeat(np.arange(len(communes)), counts)
    dens = pd.to_numeric(communes["dens7"], errors="coerce").fillna(5).astype(int).to_numpy()[idx]
    p_micro = np.array([_MICRO_SHARE_BY_DENSITY.get(int(d), 0.5) for d in dens])
    micro = rng.random(idx.size) < p_micro
    psu = np.where(micro, rng.random(idx.size) < 0.12, rng.random(idx.size) < 0.90)
    creche = np.where(
        dens >= 5,
        rng.integers(16, 46, idx.size),
        np.where(dens == 1, rng.integers(20, 81, idx.size), rng.integers(20, 61, idx.size)),
    )
    places = np.where(micro, rng.integers(10, 13, idx.size), creche)
    return pd.DataFrame({"pos": idx, "places": places, "psu": psu, "micro": micro})


def _eaje_from_cnaf(
    rng: np.random.Generator,
    total: np.ndarray,
    psu_total: np.ndarray,
    counts: np.ndarray,
    pos: np.ndarray,
) -> pd.DataFrame:
    """EAJE of the communes where the CNAF publishes places: ``counts`` structures whose places
    add up exactly to the CNAF EAJE places; hors-PSU places go to hors-PSU structures (mostly
    micro-crèches) and PSU places to PSU structures, so both CNAF components are met exactly,
    except when one component is under 8 places (folded into the other) or there is a single
    structure (PSU when PSU places are the majority)."""
    hors = total - psu_total
    n_h = np.clip(np.rint(counts * hors / np.maximum(total, 1)), 1, np.maximum(counts - 1, 1))
    n_h = np.where(hors < 8, 0, np.where(psu_total < 8, counts, n_h)).astype(np.int64)
    single = counts == 1
    n_h = np.where(single, (hors > psu_total).astype(np.int64), n_h)
    n_p = counts - n_h
    hors_total = np.where(n_h == 0, 0, np.where(n_p == 0, total, hors))
    psu_total_eff = total - hors_total

    g_hors = np.repeat(np.arange(pos.size), n_h)
    g_psu = np.repeat(np.arange(pos.size), n_p)
    w_hors = np.where(
        rng.random(g_hors.size) < 0.75,
        rng.integers(10, 13, g_hors.size),
        rng.integers(20, 41, g_hors.size),
    ).astype(float)
    w_psu = rng.integers(20, 61, g_psu.size).astype(float)
    groups = np.concatenate([g_hors * 2, g_psu * 2 + 1])
    weights = np.concatenate([w_hors, w_psu])
    totals = np.empty(pos.size * 2, dtype=np.int64)
    totals[0::2] = hors_total
    totals[1::2] = psu_total_eff
    places = apportion(weights, groups, totals)
    _fix_zero_sizes(places, groups)
    is_psu = groups % 2 == 1
    return pd.DataFrame(
        {
            "pos": pos[groups // 2],
            "places": places,
            "psu": is_psu,
            "micro": (~is_psu) & (places <= 12),
        }
    )


def _fix_zero_sizes(places: np.ndarray, groups: np.ndarray) -> None:
    """Give one place to any zero-place structure, taken from the largest of its group."""
    for i in np.flatnonzero(places == 0):
        members = np.flatnonzero(groups == groups[i])
        donor = members[np.argmax(places[members])]
        if places[donor] > 1:
            places[donor] -= 1
            places[i] += 1


def generate_structures(
    communes: pd.DataFrame,
    geometries: pd.Series,
    bpe: pd.Series,
    cnaf: pd.DataFrame,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """EAJE, RPE, LAEP, ALSH, centres sociaux (CS) and EVS with coordinates (synthetic).

    EAJE: as many per commune as the INSEE BPE 2021 counts (``bpe``, COG 2025). Where the CNAF
    publishes the commune's places (latest year of ``cnaf``), their places add up exactly to
    ``places_EAJE_ensemble`` and the PSU flags follow ``places_EAJE_PSU`` (see
    :func:`_eaje_from_cnaf`); a CNAF commune with places but no BPE establishment gets one
    EAJE per 40 places (at least one). Elsewhere sizes follow :func:`_eaje_from_counts`.
    AVIP label: 8 % of PSU EAJE in communes over 10,000 inhabitants, 3 % elsewhere.
    RPE: one per commune over 10,000 inhabitants plus one per 50,000 (at most 20); one
    intercommunal RPE in the main commune of 60 % of EPCI (two above 60,000 inhabitants);
    a quarter of the other communes of 3,500 to 10,000 inhabitants. LAEP, ALSH, CS and EVS:
    probabilities by population (see the code), giving national orders of magnitude close to
    the real ones (about 1,500 LAEP, 20,000 ALSH, 2,000 CS, 1,000 EVS).
    Coordinates: uniform random points inside the commune polygon (5 decimals); missing for
    communes without geometry.
    """
    rng = _rng(seed, "structures")
    com = communes.reset_index(drop=True)
    codes = com["code_insee"].astype(str).to_numpy()
    pop = pd.to_numeric(com["population"], errors="coerce").fillna(0).to_numpy(float)
    n_bpe = bpe.reindex(codes).fillna(0).astype(np.int64).to_numpy()

    latest = cnaf[cnaf["annee"] == cnaf["annee"].max()] if len(cnaf) else cnaf
    latest = latest.set_index("code_insee").reindex(codes)
    total = latest["pl_eaje"].fillna(0).to_numpy().round().astype(np.int64)
    psu_total = latest["pl_eaje_psu"].fillna(0).to_numpy().round().astype(np.int64)
    psu_total = np.minimum(psu_total, total)
    has_cnaf = total > 0
    n_cnaf = np.where(n_bpe > 0, n_bpe, np.maximum(1, np.rint(total / 40))).astype(np.int64)

    pos_c = np.flatnonzero(has_cnaf)
    eaje = pd.concat(
        [
            _eaje_from_cnaf(rng, total[pos_c], psu_total[pos_c], n_cnaf[pos_c], pos_c),
            _eaje_from_counts(rng, com, np.where(has_cnaf, 0, n_bpe)),
        ],
        ignore_index=True,
    ).sort_values(["pos", "psu", "places"], kind="stable", ignore_index=True)
    eaje["type_structure"] = "EAJE"
    big = pop[eaje["pos"].to_numpy()] > 10_000
    eaje["avip"] = eaje["psu"].to_numpy() & (rng.random(len(eaje)) < np.where(big, 0.08, 0.03))
    n = len(eaje)
    dens = pd.to_numeric(com["dens7"], errors="coerce").fillna(5).to_numpy()[eaje["pos"]]
    gest_psu = _choice(rng, GESTIONNAIRES_PSU, n)
    rural_epci = (dens >= 5) & (rng.random(n) < 0.2)
    gest_psu = np.where(rural_epci, "Intercommunalité", gest_psu)
    gest = np.where(eaje["psu"], gest_psu, _choice(rng, GESTIONNAIRES_HORS_PSU, n))
    eaje["gestionnaire"] = gest
    kind_psu = _choice(
        rng, (("Multi-accueil", 0.6), ("Crèche collective", 0.3), ("Crèche familiale", 0.1)), n
    )
    prefix = np.where(
        eaje["micro"],
        "Micro-crèche",
        np.where(
            ~eaje["psu"],
            "Crèche",
            np.where(gest == "Association parentale", "Crèche parentale", kind_psu),
        ),
    )
    eaje["prefix"] = prefix

    rows = pd.concat([eaje, _other_structures(rng, com, pop)], ignore_index=True)
    pos = rows["pos"].to_numpy()
    k = rows.groupby(["type_structure", "pos"]).cumcount().to_numpy()
    label_offset = rng.integers(0, len(_NAME_LABELS), len(com))
    labels = np.array(_NAME_LABELS, dtype=object)[(k + label_offset[pos]) % len(_NAME_LABELS)]
    rep = k // len(_NAME_LABELS)
    suffix = np.where(rep > 0, " " + (rep + 1).astype(str).astype(object), "")
    nom = rows["prefix"].to_numpy(dtype=object) + " " + labels + suffix
    rpe = rows["type_structure"].to_numpy() == "RPE"
    inter = rows["intercommunal"].fillna(False).to_numpy(dtype=bool)
    rpe_suffix = np.where(k > 0, " " + (k + 1).astype(str).astype(object), "")
    noms = com["nom"].astype(str).to_numpy(dtype=object)[pos]
    epci_noms = com["epci_nom"].fillna("").astype(str).to_numpy(dtype=object)[pos]
    nom = np.where(
        rpe & inter,
        "Relais petite enfance intercommunal – " + epci_noms,
        np.where(rpe, "Relais petite enfance de " + noms + rpe_suffix, nom),
    )

    geoms = geometries.reindex(codes).to_numpy()[pos]
    coords = sample_points(np.asarray(geoms, dtype=object), rng)
    types = rows["type_structure"].to_numpy(dtype=object)
    number = pd.Series(k + 1).astype(str).str.zfill(3).to_numpy(dtype=object)
    is_eaje = types == "EAJE"
    out = pd.DataFrame(
        {
            "id_structure": types + "-" + codes[pos] + "-" + number,
            "type_structure": types,
            "nom": nom,
            "code_insee": codes[pos],
            "places": pd.array(np.where(is_eaje, rows["places"], 0), dtype="Int64"),
            "psu": rows["psu"].astype("boolean"),
            "avip": rows["avip"].astype("boolean"),
            "gestionnaire": rows["gestionnaire"].to_numpy(),
            "latitude": coords[:, 1],
            "longitude": coords[:, 0],
        }
    )
    not_eaje = out["type_structure"] != "EAJE"
    out.loc[not_eaje, "places"] = pd.NA
    out.loc[not_eaje, "psu"] = pd.NA
    out.loc[not_eaje, "avip"] = pd.NA
    out = out.sort_values("id_structure", ignore_index=True)
    return conform(out, "structures")


_OTHER_GESTIONNAIRES: dict[str, tuple[tuple[str, float], ...]] = {
    "RPE": (("Commune", 0.55), ("CCAS / CIAS", 0.15), ("Association", 0.30)),
    "LAEP": (
        ("Association", 0.5),
        ("Commune", 0.2),
        ("CCAS / CIAS", 0.15),
        ("Centre social", 0.15),
    ),
    "ALSH": (("Commune", 0.45), ("Association", 0.4), ("Intercommunalité", 0.15)),
    "CS": (("Association", 0.6), ("Commune", 0.25), ("CCAS / CIAS", 0.15)),
    "EVS": (("Association", 1.0),),
}
_OTHER_PREFIXES = {
    "RPE": "Relais petite enfance",
    "LAEP": "Lieu d'accueil enfants-parents",
    "ALSH": "Accueil de loisirs",
    "CS": "Centre social",
    "EVS": "Espace de vie sociale",
}


def _other_structures(rng: np.random.Generator, com: pd.DataFrame, pop: np.ndarray) -> pd.DataFrame:
    """RPE, LAEP, ALSH, CS and EVS positions (``pos`` = row of ``com``), see
    :func:`generate_structures` for the rules."""
    n = len(com)
    u = rng.random((6, n))
    big = pop > 10_000
    medium = (pop > 3_500) & ~big

    # Intercommunal RPE: in the most populated commune (and the second above 60,000 inh.).
    epci = com["siren_epci"].astype("string")
    order = np.lexsort((-pop, epci.fillna("").to_numpy()))
    ranked = pd.Series(np.arange(n), index=order).sort_index().to_numpy()
    rank_in_epci = ranked - pd.Series(ranked).groupby(epci.fillna("").to_numpy()).transform("min")
    rank_in_epci = rank_in_epci.to_numpy()
    epci_codes = sorted(set(epci.dropna().astype(str)))
    epci_pick = pd.Series(
        rng.random(len(epci_codes)) < 0.6, index=pd.Index(epci_codes, dtype=object)
    )
    epci_pop = pd.Series(pop).groupby(epci.fillna("").to_numpy()).transform("sum").to_numpy()
    has_epci = epci.notna().to_numpy()
    picked = has_epci & epci_pick.reindex(epci.fillna("").to_numpy(dtype=object)).fillna(
        False
    ).to_numpy(dtype=bool)
    inter_rpe = picked & ((rank_in_epci == 0) | ((rank_in_epci == 1) & (epci_pop > 60_000)))
    n_rpe = np.where(big, np.minimum(1 + pop // 50_000, 20), 0)
    n_rpe = n_rpe + np.where(medium & ~inter_rpe & (u[0] < 0.25), 1, 0)

    n_laep = np.where(big & (u[1] < 0.55), np.minimum(1 + pop // 100_000, 10), 0)
    n_laep = n_laep + np.where(medium & (u[1] < 0.12), 1, 0)
    n_alsh = np.where(
        pop >= 2_000,
        np.minimum(np.maximum(1, np.rint(pop / 5_000)), 60),
        np.where(
            pop >= 1_000,
            (u[2] < 0.85).astype(int),
            np.where(pop >= 300, (u[2] < 0.25).astype(int), 0),
        ),
    )
    n_cs = np.where(
        big,
        np.where(u[3] < 0.7, np.minimum(np.maximum(1, pop // 25_000), 40), 0),
        np.where(
            pop > 5_000,
            (u[3] < 0.2).astype(int),
            np.where(pop > 2_000, (u[3] < 0.05).astype(int), 0),
        ),
    )
    n_evs = np.where(
        big,
        (u[4] < 0.25).astype(int),
        np.where(pop >= 1_000, (u[4] < 0.06).astype(int), (u[4] < 0.01).astype(int)),
    )

    parts = []
    counts_by_type = {"RPE": n_rpe, "LAEP": n_laep, "ALSH": n_alsh, "CS": n_cs, "EVS": n_evs}
    specs = [
        (t, counts_by_type[t], _OTHER_GESTIONNAIRES[t], _OTHER_PREFIXES[t])
        for t in ("RPE", "LAEP", "ALSH", "CS", "EVS")
    ]
    for type_structure, counts, gest, prefix in specs:
        counts = np.asarray(counts, dtype=np.int64)
        pos = np.repeat(np.arange(n), counts)
        parts.append(
            pd.DataFrame(
                {
                    "pos": pos,
                    "type_structure": type_structure,
                    "prefix": prefix,
                    "gestionnaire": _choice(rng, gest, pos.size),
                    "intercommunal": False,
                }
            )
        )
    inter_pos = np.flatnonzero(inter_rpe)
    parts.append(
        pd.DataFrame(
            {
                "pos": inter_pos,
                "type_structure": "RPE",
                "prefix": "RPE",
                "gestionnaire": "Intercommunalité",
                "intercommunal": True,
            }
        )
    )
    out = pd.concat(parts, ignore_index=True)
    out["places"] = 0
    out["psu"] = False
    out["avip"] = False
    out["micro"] = False
    return out.sort_values(
        ["type_structure", "pos", "intercommunal"], kind="stable", ignore_index=True
    )


# ------------------------------------------------------------------- caf (CNAF format)

_ASSMAT_UPLIFT = {1: 1.0, 2: 1.35, 3: 1.5, 4: 1.6, 5: 1.85, 6: 1.85, 7: 1.75}
_PRESCO_UPLIFT = {1: 1.0, 2: 1.0, 3: 1.1, 4: 1.0, 5: 1.3, 6: 1.3, 7: 1.3}
_SALARIE_UPLIFT = {1: 1.0, 2: 0.5, 3: 0.4, 4: 0.5, 5: 0.25, 6: 0.2, 7: 0.2}
# Ceiling of a mode's places per child before the commune noise (keeps rural départements
# whose CNAF communes already have high rates within published ranges).
_MODE_CAP = {"pl_assmat": 0.60, "pl_prescolarisation": 0.25, "pl_salarie_domicile": 0.05}
EAJE_GROWTH = 0.015  # yearly growth of EAJE places used to back-cast the structures (2017–2021)
_RATE_OF_PLACE = {
    "pl_eaje_psu": "tx_eaje_psu",
    "pl_eaje_hors_psu": "tx_eaje_hors_psu",
    "pl_eaje": "tx_eaje",
    "pl_prescolarisation": "tx_prescolarisation",
    "pl_assmat": "tx_assmat",
    "pl_salarie_domicile": "tx_salarie_domicile",
    "pl_individuel": "tx_individuel",
    "pl_total": "tx_global",
}


# National places per child of the CNAF communes (2022), used only when no CNAF data is given.
_DEFAULT_MODE_RATES = {"pl_assmat": 0.21, "pl_prescolarisation": 0.035, "pl_salarie_domicile": 0.03}


def _departement_rates(cnaf: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Places per child of the CNAF communes, by (annee, dep) for assmat, préscolarisation
    and salariés à domicile; missing départements take their région's rate, then the
    national one."""
    com = communes.set_index(communes["code_insee"].astype(str))[["dep", "reg"]].astype(str)
    c = cnaf[cnaf["enfants"] > 0].join(com, on="code_insee")
    modes = list(_DEFAULT_MODE_RATES)
    out = []
    deps = com.drop_duplicates("dep").sort_values("dep")
    if c.empty:
        return deps.assign(**_DEFAULT_MODE_RATES, annee=REFERENCE_YEAR)
    for year in sorted(c["annee"].unique()):
        cy = c[c["annee"] == year]
        sums = {lvl: cy.groupby(lvl)[[*modes, "enfants"]].sum() for lvl in ("dep", "reg")}
        nat = cy[[*modes, "enfants"]].sum()
        frame = deps.copy()
        for mode in modes:
            r_dep = (sums["dep"][mode] / sums["dep"]["enfants"]).reindex(frame["dep"]).to_numpy()
            r_reg = (sums["reg"][mode] / sums["reg"]["enfants"]).reindex(frame["reg"]).to_numpy()
            r_nat = float(nat[mode] / nat["enfants"])
            frame[mode] = np.where(np.isnan(r_dep), np.where(np.isnan(r_reg), r_nat, r_reg), r_dep)
        frame["annee"] = int(year)
        out.append(frame)
    return pd.concat(out, ignore_index=True)


def commune_places(
    communes: pd.DataFrame,
    enfants: pd.DataFrame,
    structures: pd.DataFrame,
    cnaf: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] = CAF_YEARS,
) -> pd.DataFrame:
    """Places by mode and children under 3 for every commune and year (the commune layer the
    CNAF-format aggregates are built from).

    Communes the CNAF publishes keep their real places and derived children. Elsewhere:
    EAJE places are those of the synthetic structures (PSU or not), back-cast by
    ``EAJE_GROWTH`` a year before 2022; assistants maternels, préscolarisation and salariés
    à domicile are children × the département's rate measured on its CNAF communes × a
    density factor (assistants maternels dominate in rural areas: ×1.35 to ×1.85; salariés à
    domicile are mostly urban: ×0.2 to ×0.5), capped (60, 25 and 5 places per 100 children)
    × a commune noise (±25 %). Places are integers.
    """
    rng = _rng(seed, "caf")
    com = communes.reset_index(drop=True)
    codes = com["code_insee"].astype(str).to_numpy()
    n = codes.size
    dens = pd.to_numeric(com["dens7"], errors="coerce").fillna(5).astype(int).to_numpy()
    noise = {
        m: np.exp(rng.normal(0.0, 0.25, n))
        for m in ("pl_assmat", "pl_prescolarisation", "pl_salarie_domicile")
    }
    uplift = {
        "pl_assmat": np.array([_ASSMAT_UPLIFT.get(int(d), 1.5) for d in dens]),
        "pl_prescolarisation": np.array([_PRESCO_UPLIFT.get(int(d), 1.0) for d in dens]),
        "pl_salarie_domicile": np.array([_SALARIE_UPLIFT.get(int(d), 0.3) for d in dens]),
    }
    eaje = structures[structures["type_structure"] == "EAJE"]
    eaje_places = pd.to_numeric(eaje["places"]).fillna(0).to_numpy(float)
    psu = eaje["psu"].fillna(False).to_numpy(bool)
    by_code = (
        pd.DataFrame(
            {
                "code": eaje["code_insee"].astype(str).to_numpy(),
                "psu": np.where(psu, eaje_places, 0.0),
                "hors": np.where(psu, 0.0, eaje_places),
            }
        )
        .groupby("code")
        .sum()
    )
    by_code = by_code.reindex(codes).fillna(0.0)
    rates = _departement_rates(cnaf, com)
    kids = enfants.pivot_table(
        index="code_insee", columns="annee", values="enfants_moins_3", aggfunc="sum"
    ).reindex(codes)
    frames = []
    rate_years = np.array(sorted(rates["annee"].unique()))
    for year in years:
        children = kids[year].fillna(0).to_numpy(float) if year in kids else np.zeros(n)
        nearest = int(rate_years[np.argmin(np.abs(rate_years - year))])
        r = rates[rates["annee"] == nearest].set_index("dep").reindex(com["dep"].astype(str))
        back = (1.0 + EAJE_GROWTH) ** (year - REFERENCE_YEAR)
        f = pd.DataFrame({"code_insee": codes, "annee": year, "enfants": children})
        f["pl_eaje_psu"] = np.rint(by_code["psu"].to_numpy() * back)
        f["pl_eaje_hors_psu"] = np.rint(by_code["hors"].to_numpy() * back)
        for mode in ("pl_assmat", "pl_prescolarisation", "pl_salarie_domicile"):
            rate = np.minimum(r[mode].to_numpy(float) * uplift[mode], _MODE_CAP[mode])
            f[mode] = np.rint(children * rate * noise[mode])
        real = cnaf[cnaf["annee"] == year].set_index("code_insee").reindex(codes)
        has = real["pl_total"].notna().to_numpy()
        for col in (
            "pl_eaje_psu",
            "pl_eaje_hors_psu",
            "pl_assmat",
            "pl_prescolarisation",
            "pl_salarie_domicile",
        ):
            f[col] = np.where(has, real[col].to_numpy(float), f[col].to_numpy(float))
        f["pl_eaje"] = f["pl_eaje_psu"] + f["pl_eaje_hors_psu"]
        f["pl_individuel"] = f["pl_assmat"] + f["pl_salarie_domicile"]
        f["pl_total"] = f["pl_eaje"] + f["pl_prescolarisation"] + f["pl_individuel"]
        for col in ("pl_eaje", "pl_individuel", "pl_total"):
            f[col] = np.where(has, real[col].to_numpy(float), f[col].to_numpy(float))
        f["cnaf"] = has
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def generate_caf(
    communes: pd.DataFrame,
    epci: pd.DataFrame,
    departements: pd.DataFrame,
    regions: pd.DataFrame,
    places: pd.DataFrame,
    levels: Sequence[str] = SYNTHETIC_CAF_LEVELS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CNAF-format ``caf_places`` and ``caf_taux`` at the given ``levels`` among epci,
    departement, region and france (code empty for France), by summing the commune layer of
    :func:`commune_places` over COG 2025 perimeters (the real CNAF files follow each year's
    perimeters). Rates are places / children × 100 rounded to 0.1, as the CNAF publishes them.
    By default the EPCI only: département and national rates are real, région rates are never
    synthetic."""
    com = communes.set_index(communes["code_insee"].astype(str))[["siren_epci", "dep", "reg"]]
    p = places.join(com.astype("string"), on="code_insee")
    sum_cols = [*PLACE_COLUMNS, "enfants"]
    level_defs = (
        ("epci", "siren_epci", epci.set_index(epci["siren_epci"].astype(str))["nom"]),
        ("departement", "dep", departements.set_index(departements["dep"].astype(str))["nom"]),
        ("region", "reg", regions.set_index(regions["reg"].astype(str))["nom"]),
    )
    frames = []
    for niveau, col, names in level_defs:
        if niveau not in levels:
            continue
        g = p[p[col].notna()].groupby(["annee", col], as_index=False)[sum_cols].sum()
        g = g.rename(columns={col: "code"})
        g["code"] = g["code"].astype(str)
        g["niveau"] = niveau
        g["nom"] = names.reindex(g["code"]).to_numpy()
        frames.append(g)
    if "france" in levels:
        nat = p.groupby("annee", as_index=False)[sum_cols].sum()
        nat["code"] = None
        nat["niveau"] = "france"
        nat["nom"] = "France"
        frames.append(nat)
    agg = pd.concat(frames, ignore_index=True)
    order = {"epci": 1, "departement": 2, "region": 3, "france": 4}
    agg = agg.assign(_o=agg["niveau"].map(order)).sort_values(["annee", "_o", "code"])
    agg = agg.drop(columns="_o").reset_index(drop=True)
    places_out = conform(agg, "caf_places")
    taux = agg[["annee", "niveau", "code", "nom"]].copy()
    taux["edition"] = None  # synthetic: no CNAF edition
    kids = agg["enfants"].to_numpy(float)
    for pl, tx in _RATE_OF_PLACE.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(kids > 0, agg[pl].to_numpy(float) / kids * 100, np.nan)
        taux[tx] = np.round(rate, 1)
    return places_out, conform(taux, "caf_taux")


# --------------------------------------------------------------------- AO and CTG

AO_TRANSFER_SHARES = (("toutes", 0.15), ("planifier_qualite", 0.10), ("partiel", 0.06))
_DATES_EFFET = (
    ("2025-01-01", 0.6),
    ("2025-07-01", 0.15),
    ("2025-09-01", 0.1),
    ("2026-01-01", 0.15),
)


def _epci_members(communes: pd.DataFrame) -> dict[str, list[str]]:
    """Member commune codes of each EPCI (sorted codes), EPCI in SIREN order."""
    c = communes[communes["siren_epci"].notna()]
    sirens = np.asarray(c["siren_epci"].astype(str).to_numpy(dtype=object), dtype="U")
    codes = np.asarray(c["code_insee"].astype(str).to_numpy(dtype=object), dtype="U")
    if sirens.size == 0:
        return {}
    order = np.lexsort((codes, sirens))
    sirens, codes = sirens[order], codes[order]
    cuts = np.flatnonzero(sirens[1:] != sirens[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [sirens.size]])
    return {str(sirens[a]): codes[a:b].tolist() for a, b in zip(starts, ends, strict=True)}


def generate_ao_transferts(communes: pd.DataFrame, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """A sample of EPCI that took AO competences (synthetic).

    About 15 % of EPCI took all four competences for all members (``communes`` empty), 10 %
    only « planifier » and « qualite », 6 % a partial transfer: a subset (30 to 70 %) of the
    member communes transferred « planifier » and « qualite » (and, one time in two, all
    four). Dates of effect from 1 January 2025.
    """
    rng = _rng(seed, "ao_transferts")
    members = _epci_members(communes)
    rows: list[dict[str, object]] = []
    sirens = [s for s in members if len(members[s]) >= 2]
    cats = _choice(
        rng,
        (*AO_TRANSFER_SHARES, ("aucun", 1 - sum(p for _, p in AO_TRANSFER_SHARES))),
        len(sirens),
    )
    dates = _choice(rng, _DATES_EFFET, len(sirens))
    for siren, cat, date_effet in zip(sirens, cats, dates, strict=True):
        if cat == "aucun":
            continue
        if cat == "toutes":
            comps, subset = AO_COMPETENCES, None
        elif cat == "planifier_qualite":
            comps, subset = ("planifier", "qualite"), None
        else:
            codes = members[siren]
            k = int(np.clip(round(len(codes) * rng.uniform(0.3, 0.7)), 1, len(codes) - 1))
            chosen = sorted(rng.choice(codes, size=k, replace=False).tolist())
            subset = "|".join(chosen)
            comps = AO_COMPETENCES if rng.random() < 0.5 else ("planifier", "qualite")
        for comp in comps:
            rows.append(
                {
                    "siren_epci": siren,
                    "competence": comp,
                    "communes": subset,
                    "date_effet": date_effet,
                }
            )
    out = pd.DataFrame(rows, columns=["siren_epci", "competence", "communes", "date_effet"])
    return conform(out, "ao_transferts")


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, 28)
    return date(year, month, day)


def _ctg_dates(rng: np.random.Generator, n: int, today: date) -> tuple[list[date], list[date]]:
    """Start and end dates: 70 % in force beyond 12 months, 17 % ending within 12 months,
    13 % expired (up to 20 months ago); CTG last 5 years (one in five: 4 years), start on the
    first day of a month, end on the last day of a month, and all have started by ``today``."""
    kind = rng.choice(3, size=n, p=[0.70, 0.17, 0.13])
    years = np.where(rng.random(n) < 0.8, 5, 4)
    u = rng.random(n)
    valid_ahead = 13 + np.floor(u * (years * 12 - 6 - 13 + 1)).astype(int)
    ahead = np.where(
        kind == 0,
        valid_ahead,
        np.where(kind == 1, 1 + np.floor(u * 11).astype(int), -(1 + np.floor(u * 20).astype(int))),
    )
    month0 = date(today.year, today.month, 1)
    starts, ends = [], []
    for a, y in zip(ahead.tolist(), years.tolist(), strict=True):
        after_end = _add_months(month0, a + 1)  # first day of the month after the end
        ends.append(date.fromordinal(after_end.toordinal() - 1))
        starts.append(date(after_end.year - y, after_end.month, 1))
    return starts, ends


def generate_ctg(  # noqa: C901 - sequential generation of one coherent CTG set (demo data)
    communes: pd.DataFrame,
    ao_transferts: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    reference_date: date | None = None,
) -> pd.DataFrame:
    """CTG list for every département (synthetic), signatories as real COG 2025 codes.

    Per EPCI, depending on whether it holds « planifier » for all its members:
    - holder EPCI: 54 % signed by the EPCI and all members, 35 % by the EPCI only, 7 % by
      the member communes only (the planning holder has not signed), 4 % no CTG;
    - otherwise: 48 % EPCI and all members, 12 % member communes only, 10 % EPCI and some
      members (the others, when over 10,000 inhabitants, have a communal CTG one time in
      two, else no CTG), 6 % EPCI only (the communes holding planning have not signed),
      19 % communal CTG (communes over 3,500 inhabitants 85 times in 100, smaller ones
      one time in five), 5 % no CTG at all (AO without CTG);
    - communes without EPCI, and EPCI spanning three départements or more (Métropole du
      Grand Paris): communal CTG; a département left without any CTG gets one for its
      largest commune;
    - overlaps: in about a third of the départements, one commune over 10,000 inhabitants
      covered by its EPCI's CTG also has its own communal CTG.
    Dates are relative to ``reference_date`` (default: today), see :func:`_ctg_dates`.
    Identifiers ``CTG-<dep>-<nnn>``; signatories joined by « | », EPCI SIREN first.
    """
    rng = _rng(seed, "ctg")
    today = reference_date or date.today()
    com = communes.reset_index(drop=True)
    code_list = com["code_insee"].astype(str).to_numpy(dtype=object).tolist()
    pop = dict(
        zip(
            code_list,
            pd.to_numeric(com["population"], errors="coerce").fillna(0).to_numpy(float).tolist(),
            strict=True,
        )
    )
    dep_of = dict(
        zip(code_list, com["dep"].astype(str).to_numpy(dtype=object).tolist(), strict=True)
    )
    nom_of = dict(
        zip(code_list, com["nom"].astype(str).to_numpy(dtype=object).tolist(), strict=True)
    )
    epci_nom = (
        com[com["siren_epci"].notna()]
        .drop_duplicates("siren_epci")
        .set_index("siren_epci")["epci_nom"]
        .astype(str)
        .to_dict()
    )
    members = _epci_members(com)
    t = ao_transferts
    full = t[(t["competence"] == "planifier") & t["communes"].isna()]
    holder = set(full["siren_epci"].astype(str))

    ctgs: list[dict[str, object]] = []

    def add(niveau: str, nom: str, signataires: list[str], dep: str) -> None:
        ctgs.append(
            {"niveau": niveau, "nom": nom, "signataires": "|".join(signataires), "dep": dep}
        )

    communal_done: set[str] = set()

    def communal(code: str) -> None:
        if code not in communal_done:
            communal_done.add(code)
            add("communal", f"CTG – {nom_of[code]}", [code], dep_of[code])

    candidates_overlap: list[tuple[str, str]] = []
    for siren, codes in members.items():
        main = max(codes, key=lambda c: (pop[c], c))
        dep = dep_of[main]
        name = epci_nom.get(siren, siren)
        if siren in holder:
            cat = rng.choice(
                ["epci_all", "epci_only", "communes_only", "none"], p=[0.54, 0.35, 0.07, 0.04]
            )
        else:
            cat = rng.choice(
                ["epci_all", "communes_only", "epci_partial", "epci_only", "communal", "none"],
                p=[0.48, 0.12, 0.10, 0.06, 0.19, 0.05],
            )
        if len(codes) == 1 and cat in ("communes_only", "epci_partial"):
            cat = "epci_all"
        if len({dep_of[c] for c in codes}) >= 3:  # Métropole du Grand Paris: communal CTG
            cat = "communal"
        if cat == "epci_all":
            add("intercommunal", f"CTG – {name}", [siren, *codes], dep)
        elif cat == "epci_only":
            add("intercommunal", f"CTG – {name}", [siren], dep)
        elif cat == "communes_only":
            add("intercommunal", f"CTG – {name} (communes membres)", codes, dep)
        elif cat == "epci_partial":
            k = int(np.clip(round(len(codes) * rng.uniform(0.5, 0.9)), 1, len(codes) - 1))
            signing = sorted(rng.choice(codes, size=k, replace=False).tolist())
            add("intercommunal", f"CTG – {name}", [siren, *signing], dep)
            for code in codes:
                if code not in signing and pop[code] > 10_000 and rng.random() < 0.5:
                    communal(code)
        elif cat == "communal":
            for code in codes:
                if rng.random() < (0.85 if pop[code] > 3_500 else 0.2):
                    communal(code)
        if cat in ("epci_all", "epci_only", "epci_partial"):
            candidates_overlap.extend((dep_of[c], c) for c in codes if pop[c] > 10_000)
    for code in sorted(com.loc[com["siren_epci"].isna(), "code_insee"].astype(str)):
        communal(code)

    covered = {c["dep"] for c in ctgs}
    for dep in sorted(set(dep_of.values()) - covered):
        communal(max((c for c in code_list if dep_of[c] == dep), key=lambda c: (pop[c], c)))

    by_dep: dict[str, list[str]] = {}
    for dep, code in candidates_overlap:
        by_dep.setdefault(dep, []).append(code)
    for dep in sorted(by_dep):
        free = sorted(c for c in by_dep[dep] if c not in communal_done)
        if free and rng.random() < 0.35:
            communal(free[int(rng.integers(len(free)))])

    out = pd.DataFrame(ctgs)
    out = out.sort_values(["dep", "niveau", "nom", "signataires"], kind="stable", ignore_index=True)
    out["id_ctg"] = (
        "CTG-" + out["dep"] + "-" + (out.groupby("dep").cumcount() + 1).astype(str).str.zfill(3)
    )
    starts, ends = _ctg_dates(rng, len(out), today)
    out["date_debut"] = pd.to_datetime(pd.Series(starts).astype(str))
    out["date_fin"] = pd.to_datetime(pd.Series(ends).astype(str))
    return conform(out, "ctg")


# ------------------------------------------------------------------------------ Filoué

# Income-band distributions (shares of TRANCHES_REVENU) of EAJE children and of allocataire
# children: PSU crèches are socially mixed, PAJE micro-crèches serve higher incomes, AVIP
# crèches lower incomes; allocataire children are poorer on average than EAJE children.
_INCOME_PSU = np.array([0.22, 0.20, 0.21, 0.18, 0.19])
_INCOME_HORS_PSU = np.array([0.04, 0.08, 0.18, 0.28, 0.42])
_INCOME_AVIP = np.array([0.40, 0.24, 0.16, 0.11, 0.09])
_INCOME_REFERENCE = np.array([0.33, 0.22, 0.18, 0.14, 0.13])
_SITUATION_EAJE = np.array([0.78, 0.17, 0.05])
_SITUATION_AVIP = np.array([0.58, 0.36, 0.06])
_SITUATION_REFERENCE = np.array([0.70, 0.24, 0.06])


def _dirichlet_rows(rng: np.random.Generator, base: np.ndarray, concentration: float) -> np.ndarray:
    """One probability vector per row of ``base``, drawn around it."""
    g = rng.gamma(np.maximum(base * concentration, 1e-3))
    return g / g.sum(axis=1, keepdims=True)


def generate_filoue(
    structures: pd.DataFrame | None = None,
    communes: pd.DataFrame | None = None,
    n_rows: int | None = None,
    departements: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
    annee: int = FILOUE_YEAR,
) -> pd.DataFrame:
    """Synthetic Filoué extract: one row per child and EAJE of ``structures`` for ``annee``.

    ``structures`` and ``communes`` default to the national synthetic structures and the
    COG 2025 communes (``generate_filoue(n_rows=450_000)`` gives a benchmark extract of the
    whole country in about 2 s after loading).
    Scope: the EAJE of ``departements``; by default :data:`FILOUE_DEFAULT_DEPARTEMENTS`
    (about 100,000 rows) when ``n_rows`` is None,
    and the whole country when ``n_rows`` is given (benchmark extracts: exactly ``n_rows``
    rows, children shared among EAJE in proportion to their places).
    Children per EAJE: places × 1.4 to 2.2 (turnover and part-time contracts).
    - age_mois: 94 % from 3 to 35 months, 5 % from 36 to 47, 1 % under 3 months;
    - code_insee_residence: the EAJE's commune for 70 to 95 % of its children, else another
      commune of its EPCI drawn in proportion to population;
    - situation_familiale: couple / monoparentale / autre around 78/17/5 % (58/36/6 % in
      AVIP crèches), varying by EAJE;
    - tranche_revenu: :data:`TRANCHES_REVENU` (monthly quotient familial bands); PSU crèches
      mixed, micro-crèches outside the PSU richer, AVIP crèches poorer, varying by EAJE;
    - heures_facturees: each EAJE bills 1,600 to 2,100 hours per place a year, shared among
      its children by a contract weight (halved from 36 months, school age);
      heures_realisees = billed / 1.02 to 1.12 (billing rate).
    """
    if structures is None or communes is None:
        inp = load_inputs()
        communes = inp.communes if communes is None else communes
        if structures is None:
            structures = generate_structures(communes, inp.geometries, inp.bpe, inp.cnaf, seed)
    rng = _rng(seed, "filoue")
    eaje = structures[
        (structures["type_structure"] == "EAJE")
        & (pd.to_numeric(structures["places"]).fillna(0) > 0)
    ]
    com = communes.reset_index(drop=True)
    if departements is None and n_rows is None:
        departements = FILOUE_DEFAULT_DEPARTEMENTS
    if departements is not None:
        dep_of = com.set_index(com["code_insee"].astype(str))["dep"].astype(str)
        keep = dep_of.reindex(eaje["code_insee"].astype(str)).isin(list(departements))
        eaje = eaje[keep.to_numpy()]
    eaje = eaje.sort_values("id_structure").reset_index(drop=True)
    n_e = len(eaje)
    places = pd.to_numeric(eaje["places"]).to_numpy(float)
    psu = eaje["psu"].fillna(False).to_numpy(bool)
    avip = eaje["avip"].fillna(False).to_numpy(bool)
    per_place = rng.uniform(1.4, 2.2, n_e)
    if n_rows is None:
        counts = np.maximum(1, np.rint(places * per_place)).astype(np.int64)
    else:
        counts = (
            apportion(places * per_place, np.zeros(n_e, dtype=np.int64), np.array([int(n_rows)]))
            if n_e
            else np.zeros(0, np.int64)
        )
    e = np.repeat(np.arange(n_e), counts)
    n = e.size

    # Ages.
    u = rng.random(n)
    age = np.where(
        u < 0.94,
        3 + np.floor(rng.beta(1.5, 1.3, n) * 33),
        np.where(u < 0.99, rng.integers(36, 48, n), rng.integers(0, 3, n)),
    )
    # Residence: own commune, else a commune of the same EPCI weighted by population.
    codes = com["code_insee"].astype(str).to_numpy()
    pos_of = pd.Series(np.arange(codes.size), index=codes)
    epci = com["siren_epci"].fillna("").astype(str).to_numpy()
    order = np.lexsort((codes, epci))
    cum = np.cumsum(
        pd.to_numeric(com["population"], errors="coerce").fillna(0).to_numpy(float)[order] + 1.0
    )
    first = pd.Series(np.arange(order.size)).groupby(epci[order]).transform("min").to_numpy()
    last = pd.Series(np.arange(order.size)).groupby(epci[order]).transform("max").to_numpy()
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    e_pos = pos_of.reindex(eaje["code_insee"].astype(str)).to_numpy().astype(np.int64)
    lo = first[rank[e_pos]]
    hi = last[rank[e_pos]]
    base_cum = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    span = cum[hi] - base_cum
    same = rng.random(n) < rng.uniform(0.70, 0.95, n_e)[e]
    target = base_cum[e] + rng.random(n) * span[e]
    picked = order[np.minimum(np.searchsorted(cum, target, side="right"), hi[e])]
    no_epci = epci[e_pos][e] == ""
    residence = np.where(same | no_epci, e_pos[e], picked)
    # Situation and income, with EAJE-level distributions.
    sit_base = np.where(avip[:, None], _SITUATION_AVIP, _SITUATION_EAJE)
    sit_p = _dirichlet_rows(rng, sit_base, 80.0)
    inc_base = np.where(
        avip[:, None], _INCOME_AVIP, np.where(psu[:, None], _INCOME_PSU, _INCOME_HORS_PSU)
    )
    inc_p = _dirichlet_rows(rng, inc_base, 40.0)
    sit = _draw_categories(rng, sit_p[e])
    inc = _draw_categories(rng, inc_p[e])
    # Hours.
    weight = rng.gamma(2.5, 1.0, n) * np.where(age >= 36, 0.5, 1.0)
    wsum = np.bincount(e, weights=weight, minlength=n_e)
    billed_total = places * rng.uniform(1_600, 2_100, n_e)
    billed = billed_total[e] * weight / wsum[e]
    realised = billed / rng.uniform(1.02, 1.12, n)
    ids = pd.Series(rng.permutation(n) + 1, dtype=np.int64).astype(str).str.zfill(7)
    child_ids = (f"E{annee}-" + ids).to_numpy()

    out = pd.DataFrame(
        {
            "annee": np.full(n, annee),
            "id_eaje": eaje["id_structure"].astype(str).to_numpy(dtype=object)[e],
            "nom_eaje": eaje["nom"].astype(str).to_numpy(dtype=object)[e],
            "code_insee_eaje": eaje["code_insee"].astype(str).to_numpy(dtype=object)[e],
            "id_enfant": child_ids,
            "age_mois": age.astype(np.int64),
            "code_insee_residence": codes[residence],
            "situation_familiale": np.array(SITUATIONS, dtype=object)[sit],
            "tranche_revenu": np.array(TRANCHES_REVENU, dtype=object)[inc],
            "heures_facturees": np.round(billed, 1),
            "heures_realisees": np.round(realised, 1),
            "places_eaje": places[e].astype(np.int64),
        }
    )
    return conform(out, "filoue")


def generate_filoue_reference(
    filoue: pd.DataFrame, enfants: pd.DataFrame, seed: int = DEFAULT_SEED, annee: int = FILOUE_YEAR
) -> pd.DataFrame:
    """Allocataire children under 3 of each commune having an EAJE in ``filoue`` (synthetic).

    Total: children under 3 of the commune in ``annee`` (``enfants``) × 82 to 92 %
    (allocataire coverage), rounded. Split three ways with the same modalities as the
    extract: age (:data:`AGE_BANDS` under 3, in proportion to the national births of the
    three years), situation familiale (around 70/24/6 %, more single parents than in EAJE)
    and tranche_revenu (lower incomes than in EAJE), each split summing exactly to the total.
    """
    rng = _rng(seed, "filoue_reference")
    codes = np.array(sorted(set(filoue["code_insee_eaje"].astype(str))), dtype=object)
    kids = enfants[enfants["annee"] == annee]
    under3 = pd.Series(
        pd.to_numeric(kids["enfants_moins_3"]).to_numpy(float),
        index=kids["code_insee"].astype(str).to_numpy(dtype=object),
    )
    under3 = under3.reindex(codes).fillna(0).to_numpy(float)
    total = np.rint(under3 * rng.uniform(0.82, 0.92, codes.size)).astype(np.int64)
    t3 = _births_sum(annee, 3)
    age_p = (
        np.array([NATIONAL_BIRTHS[annee], NATIONAL_BIRTHS[annee - 1], NATIONAL_BIRTHS[annee - 2]])
        / t3
    )
    dims = (
        ("age", tuple(b[0] for b in AGE_BANDS[:3]), np.tile(age_p, (codes.size, 1))),
        (
            "situation_familiale",
            SITUATIONS,
            _dirichlet_rows(rng, np.tile(_SITUATION_REFERENCE, (codes.size, 1)), 60.0),
        ),
        (
            "tranche_revenu",
            TRANCHES_REVENU,
            _dirichlet_rows(rng, np.tile(_INCOME_REFERENCE, (codes.size, 1)), 30.0),
        ),
    )
    frames = []
    for dimension, modalities, probs in dims:
        k = len(modalities)
        group = np.repeat(np.arange(codes.size), k)
        counts = apportion(probs.reshape(-1) + 1e-12, group, total)
        frames.append(
            pd.DataFrame(
                {
                    "annee": annee,
                    "code_insee": np.repeat(codes, k),
                    "dimension": dimension,
                    "modalite": np.tile(np.array(modalities, dtype=object), codes.size),
                    "enfants": counts.astype(float),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True).sort_values(
        ["code_insee", "dimension"], kind="stable", ignore_index=True
    )
    return conform(out, "filoue_reference")


# ------------------------------------------------------------------------- everything


def generate_all(
    seed: int = DEFAULT_SEED,
    reference_date: date | None = None,
    inputs: SyntheticInputs | None = None,
    filoue_departements: Sequence[str] = FILOUE_DEFAULT_DEPARTEMENTS,
) -> dict[str, pd.DataFrame]:
    """Every synthetic dataset, keyed by dataset kind (in :data:`SYNTHETIC_KINDS` order).

    ``reference_date`` (default today) anchors the CTG dates; ``inputs`` defaults to
    :func:`load_inputs`; the Filoué extract covers ``filoue_departements``. Deterministic
    for given seed, reference date and inputs.
    """
    inp = inputs or load_inputs()
    # children of every commune: the INSEE births estimate (real births), else generated
    enfants = (
        inp.children if inp.children is not None else generate_enfants(inp.communes, inp.cnaf, seed)
    )
    structures = generate_structures(inp.communes, inp.geometries, inp.bpe, inp.cnaf, seed)
    layer = commune_places(inp.communes, enfants, structures, inp.cnaf, seed)
    caf_places, caf_taux = generate_caf(
        inp.communes, inp.epci, inp.departements, inp.regions, layer
    )
    ao = generate_ao_transferts(inp.communes, seed)
    ctg = generate_ctg(inp.communes, ao, seed, reference_date)
    filoue = generate_filoue(
        structures=structures, communes=inp.communes, departements=filoue_departements, seed=seed
    )
    reference = generate_filoue_reference(filoue, enfants, seed)
    out = {
        "structures": structures,
        "caf_places": caf_places,
        "caf_taux": caf_taux,
        "ao_transferts": ao,
        "ctg": ctg,
        "filoue": filoue,
        "filoue_reference": reference,
    }
    return {kind: out[kind] for kind in SYNTHETIC_KINDS}
