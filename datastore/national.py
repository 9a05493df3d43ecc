"""The published national rate (dataset kind `taux_national`) next to the CNAF rate files.

The national coverage rate is not in a data.caf.fr file shipped here: it is typed from the
ONAPE reports and Cnaf press releases, one row per year and edition with its publication,
address and quotation (`data/published/taux_couverture_national_publie.csv`). Every screen
reads rates from the `caf_taux` frame; `with_national` appends these rows to it as the
« france » level, so the national figure of each year and edition is the published one.

A national row of a CNAF file imported by the user (`txcouv_pe_nat`, level france) wins over
the typed series for the same year and edition: it is the producer's own file.
"""

from __future__ import annotations

import pandas as pd

from datastore.schemas import dataset_type
from datastore.store import Dataset, apply_types

NATIONAL_KIND = "taux_national"


def national_rows(national: pd.DataFrame) -> pd.DataFrame:
    """`taux_national` rows in the `caf_taux` layout (niveau france, code '', nom France);
    `dataset_id` is kept so the rows carry their dataset's provenance."""
    cols = dataset_type("caf_taux").column_names
    out = pd.DataFrame(index=national.index)
    for c in cols:
        if c in national.columns:
            out[c] = national[c]
        else:
            out[c] = pd.NA
    out["niveau"] = "france"
    out["code"] = ""
    out["nom"] = "France"
    if "dataset_id" in national.columns:
        out.insert(0, "dataset_id", national["dataset_id"])
    return out.reset_index(drop=True)


def with_national(taux: Dataset, national: Dataset | None) -> Dataset:
    """`taux` with the published national rows appended (years and editions it lacks)."""
    if national is None or national.empty:
        return taux
    rows = national_rows(national.frame)
    frame = taux.frame
    if not frame.empty:
        fr = frame[frame["niveau"].astype("string") == "france"]
        have = set(
            zip(
                pd.to_numeric(fr["annee"], errors="coerce"),
                fr["edition"].astype("string").fillna("") if "edition" in fr else [""] * len(fr),
                strict=True,
            )
        )
        keep = [
            (y, e) not in have and (y, "") not in have
            for y, e in zip(
                pd.to_numeric(rows["annee"], errors="coerce"),
                rows["edition"].astype("string").fillna(""),
                strict=True,
            )
        ]
        rows = rows.loc[keep]
    if rows.empty:
        return taux
    parts = [f for f in (frame, rows) if len(f)]
    combined = apply_types(pd.concat(parts, ignore_index=True), dataset_type("caf_taux"))
    used = set(pd.to_numeric(rows["dataset_id"], errors="coerce").dropna().astype(int))
    metas = taux.metas + tuple(m for m in national.metas if m.id in used)
    return Dataset(taux.kind, combined.reset_index(drop=True), metas)


def national_sources(national: pd.DataFrame) -> pd.DataFrame:
    """Publication, address and quotation of each (annee, edition) of the national series."""
    cols = ["annee", "edition", "tx_global", "source_publication", "url", "citation", "statut"]
    if national.empty:
        return pd.DataFrame(columns=cols)
    out = national[[c for c in cols if c in national.columns]].copy()
    out["annee"] = pd.to_numeric(out["annee"], errors="coerce").astype("Int64")
    out["edition"] = out["edition"].astype("string").fillna("")
    return out.sort_values(["annee", "edition"]).reset_index(drop=True)
