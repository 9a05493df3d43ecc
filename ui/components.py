"""Small display helpers shared by pages (credits, demo band, downloads, number format)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal

import pandas as pd
import streamlit as st

from catalogue.sources import DEMO_LABEL
from charts import plotly_figure
from charts.spec import ChartSpec
from reports.tables import display_frame, numeric_columns, to_csv_fr, to_xlsx
from ui import auth
from ui.text import md


def chart(spec: ChartSpec, key: str) -> None:
    """An interactive chart (plotly) of a chart specification: French number format, hover
    with unit, year and status, French toolbar (charts.plotly_figure). The caller writes the
    source under it (`credits`)."""
    st.plotly_chart(
        plotly_figure.figure(spec),
        key=key,
        width="stretch",
        config=plotly_figure.config(spec),
        alt=spec.title,
    )


def table(
    frame: pd.DataFrame,
    *,
    key: str | None = None,
    height: int | None = None,
    column_order: Iterable[str] | None = None,
    column_config: dict | None = None,
    raw: Iterable[str] = (),
    exact: bool = False,
    decimals: Mapping[str, int] | None = None,
) -> None:
    """A table of numbers as people read them: French text (« 31 072 », « 13,6 », years as
    2024; reports.tables.display_frame, the same text as the PDF), numbers right-aligned.
    Exports keep the numbers (download_table). `column_config` entries win over the
    right-alignment; `raw` columns are passed as they are (a progress bar needs its numbers);
    `exact`: figures unrounded (an import preview); `decimals`: columns whose rows hold
    different units, with at most that many decimals (display_frame)."""
    kept = [c for c in raw if c in frame.columns]
    shown = display_frame(frame.drop(columns=kept), exact=exact, decimals=decimals)
    for c in kept:
        shown[c] = frame[c].to_numpy()
    shown = shown[list(frame.columns)]
    config: dict = {
        c: st.column_config.TextColumn(alignment="right")
        for c in numeric_columns(frame)
        if c not in kept
    }
    config.update(column_config or {})
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=key,
        height=height if height is not None else "auto",
        column_order=list(column_order) if column_order is not None else None,
        column_config=config,
    )


def credits(lines: Iterable[str]) -> None:
    """Source lines under a figure (deduplicated, in order), shown as plain text: they carry
    producers and file names typed by users (ui.text.md)."""
    seen: list[str] = []
    for line in lines:
        if line and line not in seen:
            seen.append(line)
    if seen:
        st.caption("  \n".join(md(line) for line in seen))


def demo_band(is_synthetic: bool, what: str = "") -> None:
    """Visible band when a figure uses synthetic data."""
    if is_synthetic:
        extra = f" : {what}" if what else ""
        st.warning(
            f"**{DEMO_LABEL.capitalize()}**{extra}. Ces chiffres sont fictifs ; importez le fichier réel "
            "dans la page « Données et sources » pour les remplacer.",
            icon=":material/science:",
        )


def download_table(
    df: pd.DataFrame,
    name: str,
    source: str,
    key: str,
    *,
    png: bytes | Callable[[], bytes] | None = None,
    on_click: Literal["rerun", "ignore"] = "ignore",
    export: str = "tableau",
) -> None:
    """CSV (French format) and XLSX download buttons for one table, and a PNG when given,
    through the guarded export helper (`ui.auth.download_button`: the export's role, the
    audit trail; `export="filoue"` for Filoué tables).

    `png` may be a callable (the image is then drawn on click only); `on_click="ignore"`
    downloads without rerunning the page.
    """
    if not auth.may_export(export):  # nothing is even prepared for a user without the role
        st.caption(auth.export_refusal(export))
        return
    cols = st.columns(3 if png is not None else 2)
    auth.download_button(
        cols[0],
        "CSV (Excel, ;)",
        to_csv_fr(df, source),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        export=export,
        on_click=on_click,
        width="stretch",
    )
    auth.download_button(
        cols[1],
        "XLSX",
        to_xlsx({name: df}, {name: source}),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        export=export,
        on_click=on_click,
        width="stretch",
    )
    if png is not None:
        auth.download_button(
            cols[2],
            "Image (PNG)",
            png,
            file_name=f"{name}.png",
            mime="image/png",
            key=f"{key}_png",
            export=export,
            on_click=on_click,
            width="stretch",
        )
