"""Cross-row checks of an SDSF indicator file (kind « sdsf_indicateurs »).

Per-cell checks (unknown indicator, negative value, unknown value type) are the schema's
(`datastore.schemas.SDSF_INDICATEURS`); this module checks what needs several rows: the year
of a target or milestone must follow the baseline year of the same département and
indicator.
"""

from __future__ import annotations

import pandas as pd


def target_year_problems(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(row position, column, French detail) for every target or milestone whose year is not
    after the baseline year (« reference ») of its département and indicator."""
    out: list[tuple[int, str, str]] = []
    f = frame.reset_index(drop=True)
    kinds = f["type_valeur"].astype("string")
    years = pd.to_numeric(f["annee"], errors="coerce")
    groups = f.groupby(
        [f["code_departement"].astype("string"), f["indicateur"].astype("string")], sort=False
    )
    for (dep, ind), grp in groups:
        refs = grp.index[kinds.loc[grp.index] == "reference"]
        if len(refs) == 0:
            continue
        base_year = int(years.loc[refs].max())
        for i in grp.index[kinds.loc[grp.index].isin(["cible", "jalon"])]:
            y = years.loc[i]
            if pd.notna(y) and int(y) <= base_year:
                what = "cible" if kinds.loc[i] == "cible" else "jalon"
                out.append(
                    (
                        int(i),
                        "annee",
                        f"{what} de l'indicateur « {ind} » du département {dep}, "
                        f"référence en {base_year}",
                    )
                )
    return out
