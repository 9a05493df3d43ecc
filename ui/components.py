"""Small display helpers shared by pages (credits, demo band, downloads, number format)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from catalogue.sources import DEMO_LABEL
from reports.tables import to_csv_fr, to_xlsx


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """French number format: 12 345,6 (narrow no-break space for thousands)."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def credits(lines: Iterable[str]) -> None:
    """Source lines under a figure (deduplicated, in order)."""
    seen: list[str] = []
    for line in lines:
        if line and line not in seen:
            seen.append(line)
    if seen:
        st.caption("  \n".join(seen))


def demo_band(is_synthetic: bool, what: str = "") -> None:
    """Visible band when a figure uses synthetic data."""
    if is_synthetic:
        extra = f" : {what}" if what else ""
        st.warning(
            f"**{DEMO_LABEL.capitalize()}**{extra}. Ces chiffres sont fictifs ; importez le fichier réel "
            "dans la page « Données et sources » pour les remplacer.",
            icon=":material/science:",
        )


def download_table(df: pd.DataFrame, name: str, source: str, key: str) -> None:
    """CSV (French format) and XLSX download buttons for one table."""
    c1, c2 = st.columns(2)
    c1.download_button(
        "CSV (Excel, ;)",
        to_csv_fr(df, source),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        width="stretch",
    )
    c2.download_button(
        "XLSX",
        to_xlsx({name: df}, {name: source}),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        width="stretch",
    )
