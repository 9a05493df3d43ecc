"""Benchmark of the under-served zones computation (issue 6).

Measured after data is loaded (commune table, geometries, representative points and the
commune base are what the app caches): rules (the five of diagnostics.zones, combined with
« une »), accessibility (2SFCA, 10 km, gaussian decay) and dissolve of the flagged communes
into priority zones.

Budgets: the largest département (62 Pas-de-Calais, 890 communes) under 1 s; all of France
(34,875 communes) under 10 s.

Contiguity and dissolve use the geometries the map draws at each scale (geodata.layers):
the département at full detail, France at the national simplification (dissolving 20,000
communes at full detail takes about 13 s, at the national simplification about 4 s).

Inputs are built from the files shipped in data/ (Cnaf commune rates and places 2022, BPE
EAJE counts). Where the shipped files hold no figure (children under 3 of communes under
10,000 inhabitants, places of small communes), the benchmark fills in proxies (3.3 % of
the population; 20 places per BPE EAJE) so that every commune takes part in the
computation: this changes the values, not the amount of work.

Run: `.venv/bin/python -m bench.bench_zones`.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from diagnostics import access, zones
from geodata import layers, reference
from geodata.territory import FRANCE, Level, Territory

ROOT = Path(__file__).resolve().parent.parent
OPEN = ROOT / "data" / "open"
DEPARTEMENT = "62"
BUDGET_DEPARTEMENT = 1.0
BUDGET_FRANCE = 10.0


def _caf(path: Path, code_col: str, mapping: dict[str, str]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={code_col: str})
    df = df.rename(columns={"date_reference": "annee", code_col: "code", **mapping})
    df["niveau"] = "commune"
    return df[["annee", "niveau", "code", *mapping.values()]]


def load_inputs() -> dict[str, object]:
    """Commune base, geometries and points for all of France (not timed)."""
    communes = reference.communes_table()
    taux = _caf(
        OPEN / "caf_txcouv_pe_com_2017_2022.csv",
        "numero_commune",
        {"taux_de_couv_global": "tx_global"},
    )
    places = _caf(
        OPEN / "caf_nbpla_pe_com_2017_2022.csv",
        "num_commune",
        {"places_offertes_ensemble": "pl_total", "places_EAJE_ensemble": "pl_eaje"},
    )
    bpe = pd.read_csv(OPEN / "insee_bpe2021_eaje_nb_par_commune.csv", dtype={"CODGEO": str})
    bpe = bpe.rename(columns={"CODGEO": "code_insee", "NB_D502": "nb_eaje"}).assign(annee=2021)
    base = zones.build_commune_base(communes, taux=taux, places=places, bpe=bpe, year=2022)
    proxy = base["population"] * 0.033
    base["enfants_moins_3"] = base["enfants_moins_3"].fillna(proxy)
    rng = np.random.default_rng(62)
    guess = base["enfants_moins_3"] * rng.uniform(0.25, 1.0, len(base))
    base["places"] = base["places"].fillna(guess)
    base["taux"] = base["taux"].fillna(base["places"] / base["enfants_moins_3"] * 100.0)
    base["part_revenus"] = 5.0 + (base["population"] % 11)
    base["part_monoparentales"] = 15.0 + (base["population"] % 17)
    full = _aligned(
        layers.geometries(Level.COMMUNE, Territory(Level.DEPARTEMENT, DEPARTEMENT)), base
    )
    france = _aligned(layers.geometries(Level.COMMUNE, FRANCE), base)
    ref_geo = gpd.read_parquet(reference.COMMUNES_FILE, columns=["insee_com", "geometry"])
    ref_geo = _aligned(ref_geo.rename(columns={"insee_com": "code"}), base)
    points = access.commune_points(base["code_insee"], base["dep"], ref_geo.geometry.values)
    points.index = base.index
    refs = zones.references(base)
    refs = zones.References(
        refs.national_rate,
        refs.national_rate_nature,
        2022,
        10.0,
        "proxy de banc d'essai",
        25.0,
        refs.departement_rates,
        refs.departement_nature,
    )
    return {"base": base, "geo_dep": full, "geo_france": france, "points": points, "refs": refs}


def _aligned(gdf: gpd.GeoDataFrame, base: pd.DataFrame) -> gpd.GeoDataFrame:
    """Geometries in the order of the base (missing communes get an empty geometry)."""
    g = gdf.rename(columns={"code": "code_insee"})[["code_insee", "geometry"]]
    g = g.set_index("code_insee").reindex(base["code_insee"].astype(str)).reset_index()
    g.index = base.index
    return gpd.GeoDataFrame(g, geometry="geometry", crs="EPSG:4326")


RULES: list[zones.Rule] = [
    zones.CnafPriorityRule(),
    zones.CoverageThresholdRule("departement", 90.0),
    zones.NoEajeRule(20.0),
    zones.AccessibilityRule(40.0, 10.0, "gaussienne"),
    zones.CompositeRule(),
]
PARAMS = access.AccessParams(10.0, "gaussienne")


def compute(inputs: dict[str, object], mask: np.ndarray, geo_key: str) -> dict[str, float]:
    """Accessibility + rules + zones for the communes in `mask`; returns timings and counts.

    geo_key: geometries used for contiguity and dissolve, the ones the map draws at that
    scale (« geo_dep »: full detail; « geo_france »: the national simplification).
    """
    base: pd.DataFrame = inputs["base"]  # type: ignore[assignment]
    geo: gpd.GeoDataFrame = inputs[geo_key]  # type: ignore[assignment]
    points: pd.DataFrame = inputs["points"]  # type: ignore[assignment]
    refs: zones.References = inputs["refs"]  # type: ignore[assignment]
    t0 = time.perf_counter()
    demand = points[["x", "y"]].assign(enfants=base["enfants_moins_3"])
    supply = points[["x", "y"]].assign(places=base["places"])
    wanted = base.index[mask]
    acc = access.two_step_fca_local(demand, supply, PARAMS, wanted)
    t1 = time.perf_counter()
    sub = base.loc[wanted].assign(accessibilite=acc)
    result = zones.apply_rules(sub, RULES, refs, "une")
    t2 = time.perf_counter()
    flagged = result.flags["prioritaire"].to_numpy()
    fl = geo.loc[wanted[flagged]].assign(
        nom=sub.loc[flagged, "nom"].to_numpy(), population=sub.loc[flagged, "population"].to_numpy()
    )
    members = zones.zone_members(fl)
    polygons = zones.dissolve_zones(fl, members)
    t3 = time.perf_counter()
    return {
        "accessibilite": t1 - t0,
        "regles": t2 - t1,
        "zones": t3 - t2,
        "total": t3 - t0,
        "communes": int(mask.sum()),
        "retenues": int(flagged.sum()),
        "zones_n": len(polygons),
    }


def run() -> list[dict]:
    t = time.perf_counter()
    inputs = load_inputs()
    load = time.perf_counter() - t
    base: pd.DataFrame = inputs["base"]  # type: ignore[assignment]
    out: list[dict] = []
    for name, mask, budget, geo_key in (
        (
            f"zones : département {DEPARTEMENT}",
            (base["dep"] == DEPARTEMENT).to_numpy(),
            BUDGET_DEPARTEMENT,
            "geo_dep",
        ),
        ("zones : France entière", np.ones(len(base), dtype=bool), BUDGET_FRANCE, "geo_france"),
    ):
        compute(inputs, mask, geo_key)  # warm-up (imports, pyproj, GEOS)
        best = min((compute(inputs, mask, geo_key) for _ in range(2)), key=lambda r: r["total"])
        out.append(
            {
                "name": name,
                "seconds": round(best["total"], 3),
                "budget_seconds": budget,
                "note": (
                    f"{best['communes']} communes, {best['retenues']} retenues, "
                    f"{best['zones_n']} zones ; accessibilité {best['accessibilite']:.3f} s, "
                    f"règles {best['regles']:.3f} s, contiguïté et fusion {best['zones']:.3f} s "
                    f"(chargement des données, non compté : {load:.1f} s)"
                ),
            }
        )
    return out


if __name__ == "__main__":
    for row in run():
        status = "OK" if row["seconds"] <= row["budget_seconds"] else "DÉPASSÉ"
        print(
            f"{row['name']}: {row['seconds']:.3f} s (budget {row['budget_seconds']} s) "
            f"{status} — {row['note']}"
        )
