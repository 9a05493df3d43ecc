"""Streamlit glue of the « Taux de couverture » page (issue 4).

Computation lives in diagnostics/coverage.py; this module loads the workspace frames (cached
on the store revision), turns the figures into French tables and chart specifications
(charts.coverage: plotly on screen, the same definition as a PNG), and draws the page sections.
Display helpers that do not call Streamlit (tables, chart specifications, credits) are plain
functions, tested in tests/unit/test_coverage_ui.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analyses import ept
from analyses.coverage import BIRTHS_CHILDREN_METHOD, CoverageData, coverage_data
from catalogue.sources import DEMO_LABEL, SOURCES, Nature, credit
from charts import coverage as chart_defs
from charts import static
from charts.spec import ChartSpec
from datastore.national import NATIONAL_KIND
from diagnostics import coverage as cv
from diagnostics.coverage import Place, Status
from diagnostics.formatting import fmt_number, fmt_rate
from geodata.maps import GREENS, classify_quantiles, static_map_png
from geodata.territory import (
    LEVEL_LABELS,
    LEVEL_LABELS_PLURAL,
    Geography,
    Level,
    Territory,
    communes_of,
    sublevels,
)
from reports.tables import to_csv_fr  # noqa: F401  (tests export through this module)
from ui import auth, cache, maps, state
from ui.components import chart, credits, demo_band, download_table
from ui.text import md

MODE_RATIO = "Rapport au taux national"
MODE_QUANTILES = "Quantiles du taux global"
_SOURCE_IDS = {src.id for src in SOURCES}
ESTIMATE_HELP = (
    "La Cnaf ne publie pas de taux pour ce territoire. Une estimation de l'application peut être "
    "affichée ; elle est signalée « estimation » partout, avec sa méthode."
)


# --------------------------------------------------------------------------- data


@st.cache_data(show_spinner="Chargement des taux de couverture…", max_entries=2)
def _load(revision: int) -> CoverageData:  # noqa: ARG001 - Streamlit cache key
    # a census count of children (real file) replaces the derived ones; the births estimate
    # (nature « estimé ») only fills the units without any count (children_estimate)
    census = any(m.nature is Nature.REEL for m in cache.workspace().datasets("enfants"))
    return coverage_data(
        cache.dataset("caf_taux"),  # with the published national series (france)
        cache.dataset("caf_places"),
        cache.dataset("enfants").frame if census else None,
        cache.dataset(NATIONAL_KIND),
    )


def _children_year(year: int) -> pd.DataFrame | None:
    """The estimated children of one year (one millésime read, not the 2008-2024 series)."""
    ds = cache.dataset_year("enfants", year)
    if ds.empty or ds.is_synthetic:
        return None  # synthetic children never stand next to published figures
    return ds.frame[["code_insee", "annee", "enfants_moins_3"]]


def children_estimate_of(level: Level, year: int) -> pd.Series | None:
    """`children_of` of analyses.coverage.territory_coverage (level first)."""
    return children_estimate(level, year)


def children_estimate(level: Level, year: int) -> pd.Series | None:
    """Children under 3 per unit of `level` in `year` estimated from births (None if absent);
    cached per level, year and workspace revision (never mutate the series)."""
    return _children_estimate(level.value, int(year), cache.revision())


@st.cache_data(show_spinner=False, max_entries=16)
def _children_estimate(level: str, year: int, revision: int) -> pd.Series | None:  # noqa: ARG001 - Streamlit cache key
    return _children_estimate_uncached(cache.geography(), Level(level), year)


def _children_estimate_uncached(geo: Geography, level: Level, year: int) -> pd.Series | None:
    frame = _children_year(int(year))
    if frame is None:
        return None
    column = {
        Level.COMMUNE: "code_insee",
        Level.EPCI: "siren_epci",
        Level.DEPARTEMENT: "dep",
        Level.REGION: "reg",
    }.get(level)
    if column is None:
        return None
    return cv.children_by_unit(frame, geo.communes, column, int(year))


def load() -> CoverageData:
    """The page's frames, cached until the workspace changes (never mutate them)."""
    return _load(cache.revision())


# --------------------------------------------------------------------------- territories


def map_levels(territory: Territory) -> list[Level]:
    """Levels offered for the map and ranking (no 35,000-commune national map)."""
    levels = sublevels(territory)
    if territory.level is Level.FRANCE:
        levels = [lv for lv in levels if lv is not Level.COMMUNE]
    return levels


def default_map_level(territory: Territory) -> Level:
    """Default map level: départements of France, EPCI of a région or a département (complete
    coverage, unlike the commune file limited to communes over 10,000 inhabitants), communes of
    an EPCI (and of the EPCI around a commune)."""
    return {
        Level.FRANCE: Level.DEPARTEMENT,
        Level.REGION: Level.EPCI,
        Level.DEPARTEMENT: Level.EPCI,
        Level.EPCI: Level.COMMUNE,
        Level.COMMUNE: Level.COMMUNE,
    }[territory.level]


# --------------------------------------------------------------------------- credits


def credit_lines(
    data: CoverageData, niveaux: Sequence[str], year: int | str, edition: str | None = None
) -> list[str]:
    """« Source : Cnaf, data.caf.fr, 2022 » lines for the levels shown (demo data flagged),
    with the edition of each file (only the `edition` used, when one is given).

    `year` is one year or a « 2017-2022 » span (every millésime of the span is accepted).
    """
    span = [int(y) for y in str(year).split("-")]
    lo, hi = span[0], span[-1]
    lines: list[str] = []
    for niveau in dict.fromkeys(str(n) for n in niveaux):
        label = LEVEL_LABELS[Level(niveau)] if niveau in {lv.value for lv in Level} else niveau
        for m in data.metas.get(niveau, ()):
            if m.millesime is not None and not lo <= m.millesime <= hi:
                continue
            if edition and m.edition and m.edition != edition:
                continue
            if m.is_synthetic:
                line = f"{label} : {DEMO_LABEL} (synthétiques) au format Cnaf data.caf.fr, {year}"
            elif m.source_id and m.source_id in _SOURCE_IDS:
                line = f"{label} : {credit(m.source_id, year)}"
            else:
                line = f"{label} : Source : {m.producer}, fichier importé {m.source_file}, {year}"
            if m.edition and not m.is_synthetic:
                line += f" ({cv.EDITION_LABELS.get(m.edition, m.edition)})"
            if line not in lines:
                lines.append(line)
    return lines


def uses_synthetic(figures: pd.DataFrame) -> bool:
    return bool((figures["nature"].astype(str) == "synthétique").any())


# --------------------------------------------------------------------------- tables


def status_label(row: pd.Series) -> str:
    """Status shown to users: a synthetic rate is never « publié »."""
    status = str(row["statut"])
    synthetic = str(row.get("nature", "")) == "synthétique"
    if status == Status.ESTIME:
        return "estimation (d'après des données de démonstration)" if synthetic else "estimation"
    if synthetic and status != Status.ABSENT:
        return DEMO_LABEL
    if status == Status.CALCULE:
        return "calculé (arrondissements)"
    return status


def edition_labels(figures: pd.DataFrame) -> pd.Series:
    """« première publication » / « édition courante » per figure ('' when not said)."""
    if "edition" not in figures:
        return pd.Series("", index=figures.index)
    ed = figures["edition"].astype("string").fillna("")
    return ed.map(lambda e: cv.EDITION_LABELS[e] if e else "").where(
        figures["tx_global"].notna(), ""
    )


def national_caption(data: CoverageData, year: int, edition: str, national: float) -> str:
    """« Taux national 2022 (première publication) : 60,3 — Cnaf, communiqué … (adresse) »."""
    if pd.isna(national):
        return f"Taux national {year} non importé."
    label = cv.EDITION_LABELS.get(edition, "") if edition else ""
    text = f"Taux national {year}{f' ({label})' if label else ''} : {fmt_rate(national)}"
    src = data.national_sources
    if not src.empty:
        rows = src[(src["annee"] == year) & ((src["edition"] == edition) | (edition == ""))]
        if not rows.empty:
            r = rows.iloc[-1]
            text += f" — {r['source_publication']}"
            if isinstance(r.get("url"), str) and r["url"]:
                text += f" ({r['url']})"
    return text


def figures_table(figures: pd.DataFrame, national: float) -> pd.DataFrame:
    """French display table: one row per territory, rates with one decimal (as published)."""
    out = pd.DataFrame(
        {
            "Territoire": figures["nom"].astype(str),
            "Échelle": figures["niveau"].map(lambda n: LEVEL_LABELS.get(Level(n), n)),
            "Statut": figures.apply(status_label, axis=1),
            "Édition": edition_labels(figures),
            "Taux global": figures["tx_global"].map(fmt_rate),
        }
    )
    for col, label in cv.COMPONENTS:
        out[label] = figures[col].map(fmt_rate)
    ratio = cv.ratio_to_national(figures["tx_global"], national)
    out["Rapport au national"] = ratio.map(lambda v: fmt_number(v, 2))
    out["Places offertes"] = figures["pl_total"].map(fmt_number)
    out["Enfants de moins de 3 ans"] = [
        fmt_number(v) + (" (estimation)" if m == BIRTHS_CHILDREN_METHOD and pd.notna(v) else "")
        for v, m in zip(figures["enfants_moins_3"], _children_methods(figures), strict=True)
    ]
    out["Méthode / remarque"] = figures["methode"].fillna("").astype(str)
    return out


def _children_methods(figures: pd.DataFrame) -> list[str]:
    if "enfants_methode" not in figures:
        return [""] * len(figures)
    return figures["enfants_methode"].fillna("").astype(str).tolist()


def export_table(figures: pd.DataFrame, national: float) -> pd.DataFrame:
    """Numeric table for CSV/XLSX exports (French headers; « estimation » in the status)."""
    out = pd.DataFrame(
        {
            "Territoire": figures["nom"].astype(str),
            "Code": figures["code"].astype(str),
            "Échelle": figures["niveau"].astype(str),
            "Année": figures["annee"],
            "Statut": figures.apply(status_label, axis=1),
            "Nature des données": figures["nature"].astype(str),
            "Édition": edition_labels(figures),
            "Taux global": figures["tx_global"].round(1),
        }
    )
    for col, label in cv.COMPONENTS:
        out[label] = figures[col].round(1)
    out["Rapport au taux national"] = cv.ratio_to_national(figures["tx_global"], national).round(3)
    out["Places offertes"] = figures["pl_total"]
    out["Enfants de moins de 3 ans"] = figures["enfants_moins_3"].round(0)
    out["Enfants : méthode"] = _children_methods(figures)
    for extra, label in (
        ("places_manquantes_national", "Places manquantes (taux national)"),
        ("places_manquantes_cible", "Places manquantes (taux cible)"),
    ):
        if extra in figures:
            out[label] = figures[extra].round(0)
    out["Méthode"] = figures["methode"].fillna("").astype(str)
    return out


RANK_SORTS = {
    "Taux global": "tx_global",
    "Rapport au taux national": "ratio_national",
    "Places offertes": "pl_total",
    "Enfants de moins de 3 ans": "enfants_moins_3",
    "Places manquantes (taux national)": "places_manquantes_national",
    "Places manquantes (taux cible)": "places_manquantes_cible",
    "Nom": "nom",
}


RANK_SCREEN_FIRST = (
    "Rang",
    "Territoire",
    "Taux global",
    "Places manquantes (national)",
    "Places manquantes (cible)",
    "Rapport au national",
)


def ranking_table(rank: pd.DataFrame, sort_by: str, ascending: bool) -> pd.DataFrame:
    """Sorted French display of the ranking (numbers sorted before being formatted)."""
    col = RANK_SORTS[sort_by]
    df = rank.sort_values(col, ascending=ascending, na_position="last", kind="stable")
    return pd.DataFrame(
        {
            "Rang": range(1, len(df) + 1),
            "Territoire": df["nom"].astype(str),
            "Code": df["code"].astype(str),
            "Statut": df.apply(status_label, axis=1),
            "Taux global": df["tx_global"].map(fmt_rate),
            "Rapport au national": df["ratio_national"].map(lambda v: fmt_number(v, 2)),
            "Places offertes": df["pl_total"].map(fmt_number),
            "Enfants de moins de 3 ans": df["enfants_moins_3"].map(fmt_number),
            "Places manquantes (national)": df["places_manquantes_national"].map(fmt_number),
            "Places manquantes (cible)": df["places_manquantes_cible"].map(fmt_number),
        }
    )


# --------------------------------------------------------------------------- charts


def components_spec(figures: pd.DataFrame, year: int, source: str, note: str = "") -> ChartSpec:
    """The comparison chart: the same definition as the pre-diagnostic's (charts.coverage)."""
    return chart_defs.components_spec(
        figures, year, source, title=f"Taux de couverture {year} par mode d'accueil", note=note
    )


def evolution_spec(
    series: pd.DataFrame, breaks: Sequence[cv.SeriesBreak], source: str
) -> ChartSpec:
    return chart_defs.evolution_spec(
        series, breaks, source, title="Évolution du taux de couverture global"
    )


# --------------------------------------------------------------------------- map colouring


def demo_title(title: str, synthetic: bool) -> str:
    """Image title: demonstration data said in the title itself, not only in the small credit
    line (a PNG is pasted into slides without its page)."""
    return f"CONTIENT DES {DEMO_LABEL.upper()} (synthétiques) — {title}" if synthetic else title


def map_colouring(rank: pd.DataFrame, mode: str):
    """Classified colours, tooltip and legend title for the map of the ranking units."""
    idx = rank["code"].astype(str)
    if mode == MODE_QUANTILES:
        classified = classify_quantiles(
            pd.Series(rank["tx_global"].to_numpy(), index=idx), k=5, palette=GREENS, decimals=1
        )
        legend_title = "Taux global (quantiles)"
    else:
        classified = maps.ratio_colouring(pd.Series(rank["ratio_national"].to_numpy(), index=idx))
        legend_title = "Rapport au taux national"
    tooltip = pd.DataFrame(
        {
            "Taux global": [
                fmt_rate(v)
                + (" (estimation)" if s == Status.ESTIME else "")
                + (" (calculé)" if s == Status.CALCULE else "")
                for v, s in zip(rank["tx_global"], rank["statut"], strict=True)
            ],
            "Rapport au national": rank["ratio_national"].map(lambda v: fmt_number(v, 2)).tolist(),
            "Places offertes": rank["pl_total"].map(fmt_number).tolist(),
            "Statut": rank.apply(status_label, axis=1).tolist() if len(rank) else [],
        },
        index=idx,
    )
    return classified, tooltip, legend_title


# --------------------------------------------------------------------------- sections (Streamlit)


@dataclass(frozen=True)
class Controls:
    year: int
    level: Level
    mode: str
    estimate: bool
    target: float
    edition: str | None = None  # None: the latest edition of each figure (cv.comparison_edition)


EDITION_DEFAULT = "Celle des chiffres du territoire (la plus récente)"


def year_label(year: int, year_levels: dict[int, list[str]] | None) -> str:
    """« 2023 — départements, France » : which scales have rates that year."""
    levels = (year_levels or {}).get(int(year))
    if not levels:
        return str(year)
    names = [
        LEVEL_LABELS_PLURAL[Level(n)] if n in {lv.value for lv in Level} else n for n in levels
    ]
    return f"{year} — {', '.join(names)}"


def default_year(
    territory: Territory, years: Sequence[int], year_levels: dict[int, list[str]] | None
) -> int:
    """Latest year with rates at the territory's own scale (communes: 2022, départements:
    2023), else the latest year."""
    own = [y for y in years if territory.level.value in (year_levels or {}).get(int(y), [])]
    return int(max(own or years))


def controls(
    territory: Territory,
    years: list[int],
    year_levels: dict[int, list[str]] | None = None,
    editions: dict[int, list[str]] | None = None,
) -> Controls:
    """Year (with the scales it covers), edition where a year has two, map level, colouring,
    estimate toggle and target rate."""
    c1, c2, c3, c4 = st.columns([1.3, 1.3, 1.6, 1.4])
    ordered = sorted(years, reverse=True)
    year = c1.selectbox(
        "Année",
        ordered,
        index=ordered.index(default_year(territory, years, year_levels)),
        key="couv_annee",
        format_func=lambda y: year_label(y, year_levels),
        help="Offre au 31 décembre de l'année ; entre parenthèses, les échelles qui ont un taux "
        "cette année-là (fichiers Cnaf importés et taux national publié).",
    )
    levels = map_levels(territory)
    level = c2.selectbox(
        "Maille de la carte et du classement",
        levels,
        index=levels.index(default_map_level(territory)),
        format_func=lambda lv: _first_upper(LEVEL_LABELS_PLURAL[lv]),
        key=f"couv_maille_{territory.key}",
        disabled=len(levels) == 1,
    )
    mode = c3.radio(
        "Coloration de la carte",
        [MODE_RATIO, MODE_QUANTILES],
        key="couv_mode",
        horizontal=True,
        help="Rapport au taux national : mêmes classes à toutes les échelles. "
        "Quantiles : cinq groupes d'effectifs égaux parmi les territoires affichés.",
    )
    # one target per session, shared with the zones page (ui.state.target_rate)
    target = state.target_input(c4, "Taux cible (places pour 100 enfants)", key="couv_cible")
    edition = None
    year_editions = (editions or {}).get(int(year), [])
    if len(year_editions) > 1:
        options = [EDITION_DEFAULT, *year_editions]
        chosen = st.radio(
            f"Édition des chiffres {year}",
            options,
            key=f"couv_edition_{year}",
            horizontal=True,
            format_func=lambda e: (
                cv.EDITION_LABELS.get(e, e).capitalize() if e in cv.EDITION_LABELS else e
            ),
            help=cv.EDITION_RULE,
        )
        edition = None if chosen == EDITION_DEFAULT else str(chosen)
    estimate = st.toggle("Afficher une estimation", key="couv_estimation", help=ESTIMATE_HELP)
    return Controls(int(year), Level(level), str(mode), bool(estimate), float(target), edition)


def headline(
    fig: dict, national: float, year: int, sources: Sequence[str] = (), national_text: str = ""
) -> None:
    """Key figures of the selected territory, or the plain statement when nothing is published."""
    status = str(fig["statut"])
    if status == Status.ABSENT:
        st.info(
            f"**Pas de taux Cnaf publié pour {fig['nom']} en {year}.** {fig['methode']}  \n"
            "Activez « Afficher une estimation » pour voir une estimation (signalée comme "
            "telle, méthode indiquée).",
            icon=":material/info:",
        )
        return
    suffix = {Status.ESTIME: " (estimation)", Status.CALCULE: " (calculé)"}.get(status, "")
    a, b, c, d = st.columns(4)
    rate_help = (
        "Places pour 100 enfants de moins de 3 ans, tel que publié par la Cnaf."
        if status == Status.PUBLIE
        else str(fig["methode"])
    )
    if str(fig.get("nature", "")) == "synthétique":  # never « tel que publié »
        suffix += " (démonstration)"
        rate_help = (
            f"{DEMO_LABEL.capitalize()} (synthétiques) au format Cnaf : pas un chiffre publié. "
            + (str(fig["methode"]) if status != Status.PUBLIE else "")
        )
    a.metric(f"Taux global {year}{suffix}", fmt_rate(fig["tx_global"]), help=rate_help)
    ratio = cv.ratio_to_national(fig["tx_global"], national)
    b.metric(
        "Rapport au national",
        fmt_number(ratio, 2),
        help=cv.RATIO_METHOD
        + " "
        + (national_text or f"Taux national {year} : {fmt_rate(national)}."),
    )
    c.metric("Places offertes", fmt_number(fig["pl_total"]))
    d.metric(
        "Enfants de moins de 3 ans"
        + (" (estimation)" if fig.get("enfants_methode") == BIRTHS_CHILDREN_METHOD else ""),
        fmt_number(fig["enfants_moins_3"]),
        help=fig.get("enfants_methode") or cv.DERIVED_CHILDREN_METHOD,
    )
    if status == Status.ESTIME:
        st.warning(f"**Estimation** — {fig['methode']}", icon=":material/calculate:")
    elif status == Status.CALCULE:
        st.info(
            f"**Chiffre calculé, non publié par la Cnaf** — {fig['methode']}",
            icon=":material/calculate:",
        )
    credits([*sources, *([national_text] if national_text else [])])


def source_text(lines: Sequence[str]) -> str:
    return " · ".join(dict.fromkeys(lines))


def estimate_notes(figures: pd.DataFrame) -> list[str]:
    """« estimation : méthode » lines for the estimated rows."""
    est = figures[figures["statut"] == Status.ESTIME]
    return [f"{r.nom} — estimation : {r.methode}" for r in est.itertuples()]


def empty_level_note(rank: pd.DataFrame, level: Level, year: int, data: CoverageData) -> str:
    """« Pas de taux des EPCI en 2023 (échelles ayant des taux en 2023 : …) » when no unit of the
    map has a rate that year, else ''."""
    if rank.empty or rank["tx_global"].notna().any():
        return ""
    have = [
        LEVEL_LABELS_PLURAL[Level(n)]
        for n in data.year_levels.get(int(year), [])
        if n in {lv.value for lv in Level}
    ]
    return (
        f"Pas de taux des {LEVEL_LABELS_PLURAL[level]} en {year} dans les fichiers importés "
        f"(échelles ayant des taux en {year} : {', '.join(have) or 'aucune'}). Choisissez une "
        "autre année ou une autre maille."
    )


def effective_map_mode(mode: str, national: float) -> str:
    """The map colouring actually used: quantiles when the national rate of the year is not
    imported (a ratio to the national rate has no base then), else the user's choice."""
    return MODE_QUANTILES if pd.isna(national) else mode


def map_section(
    territory: Territory, level: Level, rank: pd.DataFrame, mode: str, year: int, sources: list[str]
) -> None:
    classified, tooltip, legend_title = map_colouring(rank, mode)
    title = f"Taux de couverture {year} — {LEVEL_LABELS_PLURAL[level]}"
    credit_line = source_text(sources)
    highlight = territory.code if territory.level is Level.COMMUNE else None
    m = maps.territory_map(
        level,
        territory,
        classified.colors,
        classified.legend,
        title=title,
        legend_title=legend_title,
        credit=credit_line,
        tooltip=tooltip,
        highlight=highlight,
        height=520,
    )
    clicked = maps.show_map(
        m, key=f"couv_map_{territory.key}_{level.value}", height=520, overlays_of=territory
    )
    state.select_clicked(level, clicked, territory)  # a click selects the territory
    st.caption("Cliquez sur un territoire de la carte pour le sélectionner.")
    notes = []
    if (rank["statut"] == Status.ESTIME).any():
        notes.append(
            "Les territoires sans taux publié sont colorés d'après une estimation "
            "(voir le classement, colonne « Statut »)."
        )
    if mode == MODE_RATIO:
        notes.append(cv.RATIO_METHOD)
    credits(sources + notes)

    def _png() -> bytes:
        return static_map_png(
            level,
            territory,
            classified.colors,
            classified.legend,
            title=demo_title(f"{title} ({legend_title.lower()})", uses_synthetic(rank)),
            credit=credit_line,
            highlight=highlight,
            overlays=maps.current_overlays(territory),
        )

    auth.download_button(
        st,
        "Carte (PNG)",
        _png,
        file_name=f"carte_couverture_{year}.png",
        mime="image/png",
        key="couv_map_png",
        export="couverture",
        on_click="ignore",
    )


def comparison_section(
    data: CoverageData, figures: pd.DataFrame, national: float, year: int, edition: str = ""
) -> None:
    """Stacked bars + table of the territory, its EPCI, département and France (one edition)."""
    st.subheader(f"Comparaison des taux {year} : global et cinq modes d'accueil")
    if edition:
        st.caption(
            f"Chiffres de la même édition : {cv.EDITION_LABELS[edition]} de {year}. "
            + cv.EDITION_RULE
        )
    sources = credit_lines(data, figures["niveau"].tolist(), year, edition or None)
    sources.append(national_caption(data, year, edition, national))
    demo_band(uses_synthetic(figures), "une partie des taux comparés est synthétique")
    src = source_text(sources)
    spec = components_spec(figures, year, src, note=" ".join(estimate_notes(figures)))
    chart(spec, key="couv_cmp_chart")
    st.dataframe(figures_table(figures, national), hide_index=True, width="stretch")
    notes = [
        "Taux tels que publiés par la Cnaf, arrondis à 0,1 : la somme des composantes peut "
        "différer du taux global d'un ou deux dixièmes.",
        *estimate_notes(figures),
    ]
    credits(sources + notes)
    download_table(
        export_table(figures, national),
        f"couverture_comparaison_{year}",
        src,
        "couv_cmp",
        png=lambda: static.png(spec),
        on_click="ignore",
    )


def evolution_section(
    data: CoverageData, chain: Sequence[Place], estimate: bool, edition: str | None = None
) -> None:
    """Lines 2017 → latest with breaks in series marked (each year in one edition)."""
    years = data.years
    st.subheader(f"Évolution {years[0]} → {years[-1]}")
    series = cv.evolution(data.taux, data.places, chain, years, estimate=estimate, edition=edition)
    if series["tx_global"].notna().sum() == 0:
        st.info("Aucun taux publié sur la période pour ces territoires.")
        return
    breaks: list[cv.SeriesBreak] = []
    for place in chain:
        one = series[(series["niveau"] == place.niveau) & (series["code"] == place.code)]
        for b in cv.series_breaks(one, years):
            breaks.append(cv.SeriesBreak(b.annee, b.kind, f"{place.nom} — {b.message}"))
    demo_band(uses_synthetic(series), "une partie des séries est synthétique")
    sources = credit_lines(data, series["niveau"].tolist(), f"{years[0]}-{years[-1]}")
    src = source_text(sources)
    spec = evolution_spec(series, breaks, src)
    chart(spec, key="couv_evo_chart")
    if breaks:
        st.markdown("**Ruptures de série** (tirets rouges sur le graphique) :")
        st.markdown("\n".join(f"- {b.message}" for b in breaks))
    credits(sources + estimate_notes(series.drop_duplicates(["niveau", "code", "statut"])))
    wide = series.pivot_table(index="annee", columns="nom", values="tx_global", aggfunc="first")
    wide = wide.reset_index().rename(columns={"annee": "Année"})
    download_table(
        wide,
        f"couverture_evolution_{years[0]}_{years[-1]}",
        src,
        "couv_evo",
        png=lambda: static.png(spec),
        on_click="ignore",
    )


def ranking_section(
    rank: pd.DataFrame, level: Level, year: int, target: float, national: float, sources: list[str]
) -> None:
    """Sortable ranking of the sub-territories with places missing (none for a single one:
    « 1 sur 1 » says nothing)."""
    st.subheader(f"Classement des {LEVEL_LABELS_PLURAL[level]} ({year})")
    if len(rank) == 1:
        name = str(rank["nom"].iloc[0])
        mgp = str(rank["code"].iloc[0]) == ept.MGP_SIREN
        st.info(
            f"Un seul territoire à cette maille : {md(name)}. Pas de classement (il serait "
            "« 1 sur 1 ») ; choisissez une maille plus fine."
            + (
                " En Seine-Saint-Denis, dans les Hauts-de-Seine, le Val-de-Marne et à Paris, le "
                "niveau intercommunal qui compte est celui des établissements publics "
                "territoriaux (EPT) : voir « Établissements publics territoriaux » ci-dessus."
                if mgp
                else ""
            ),
            icon=":material/info:",
        )
        return
    published = int((rank["statut"] != Status.ABSENT).sum())
    st.caption(
        f"{published} sur {len(rank)} avec un taux ; places manquantes pour atteindre le "
        f"taux national ({fmt_rate(national)}) ou le taux cible ({fmt_rate(target)}) : "
        "taux × enfants de moins de 3 ans ÷ 100 − places offertes."
    )
    c1, c2 = st.columns([2, 1])
    sort_by = c1.selectbox("Trier par", list(RANK_SORTS), key="couv_tri")
    ascending = c2.toggle("Ordre croissant", value=sort_by == "Nom", key="couv_tri_ordre")
    table = ranking_table(rank, sort_by, ascending)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(table)),
        # name pinned, then the rate and the places missing: visible at 1024 px
        column_order=[
            *RANK_SCREEN_FIRST,
            *(c for c in table.columns if c not in RANK_SCREEN_FIRST),
        ],
        column_config={"Territoire": st.column_config.TextColumn(pinned=True)},
    )
    notes = [cv.DERIVED_CHILDREN_METHOD]
    if (rank["statut"] == Status.ESTIME).any():
        methods = rank.loc[rank["statut"] == Status.ESTIME, "methode"].drop_duplicates().head(3)
        notes += [f"Lignes « estimation » : {m}" for m in methods]
    credits(sources + notes)
    export = export_table(rank, national)
    download_table(
        export,
        f"couverture_classement_{level.value}_{year}",
        source_text(sources),
        "couv_rank",
        on_click="ignore",
    )


def _save_ept(rows: pd.DataFrame) -> None:
    decl = ept.parse_declaration(cache.geography(), rows)
    st.session_state["couv_ept_errors"] = decl.errors
    if not decl.errors:
        cache.workspace().save_document(ept.DOCUMENT_KIND, ept.DOCUMENT_NAME, ept.to_document(decl))


def ept_section(data: CoverageData, territory: Territory, year: int, national: float) -> None:
    """The EPT of the Métropole du Grand Paris as a level: perimeters declared by the user
    (none ship with the application), estimate and ranking of each EPT."""
    geo = cache.geography()
    codes = set(communes_of(geo, territory)["code_insee"].astype(str))
    if not ept.touches_mgp(geo, codes):
        return
    st.subheader(f"Établissements publics territoriaux de la Métropole du Grand Paris ({year})")
    declared = ept.from_document(cache.workspace().document(ept.DOCUMENT_KIND, ept.DOCUMENT_NAME))
    if declared:
        mine = {k: v for k, v in declared.items() if set(v) & codes} or declared
        table = ept.ept_coverage(geo, data.taux, data.places, mine, year, national)
        shown = pd.DataFrame(
            {
                "Rang": [str(i) if len(table) > 1 else "—" for i in range(1, len(table) + 1)],
                "EPT": table["ept"],
                "Communes": table["communes"].map(fmt_number),
                "Population": table["population"].map(fmt_number),
                "Taux global (estimation)": table["tx_global"].map(fmt_rate),
                "Rapport au national": table["ratio_national"].map(lambda v: fmt_number(v, 2)),
                "Places offertes": table["pl_total"].map(fmt_number),
                "Méthode": table["methode"],
            }
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={"Méthode": st.column_config.TextColumn(width="large")},
        )
        credits(
            [
                ept.SOURCE + " (périmètres non vérifiés par l'application)",
                *credit_lines(data, ["commune"], year),
                "Estimation : places et enfants dérivés additionnés sur les communes publiées "
                "par la Cnaf (jamais une moyenne de taux).",
            ]
        )
    else:
        st.info(
            "Les fichiers de référence de l'application (COG 2025) ne donnent pas les "
            "périmètres des EPT. Déclarez-les ci-dessous (une ligne par commune : nom de "
            "l'EPT, code INSEE), par exemple d'après l'arrêté ou le site de la Métropole ; "
            "chaque EPT reçoit alors l'estimation de ses communes publiées par la Cnaf.",
            icon=":material/info:",
        )
    with st.expander("Déclarer ou modifier les périmètres des EPT", expanded=not declared):
        edited = st.data_editor(
            ept.editor_rows(declared),
            num_rows="dynamic",
            key="couv_ept_editor",
            width="stretch",
            column_config={
                "EPT": st.column_config.TextColumn("EPT", width="medium"),
                "Code commune": st.column_config.TextColumn("Code commune", max_chars=5),
            },
        )
        st.button(
            "Enregistrer les périmètres", key="couv_ept_save", on_click=_save_ept, args=(edited,)
        )
        for err in st.session_state.get("couv_ept_errors", ()):
            st.error(md(err))


def plm_section(data: CoverageData, territory: Territory, year: int, national: float) -> None:
    """Published rates of the arrondissements of Paris, Lyon or Marseille."""
    if territory.level is not Level.COMMUNE or territory.code not in cv.PLM_ARRONDISSEMENTS:
        return
    detail = cv.plm_detail(data.taux, data.places, territory.code, year)
    st.subheader(f"Taux publiés par arrondissement ({year})")
    if detail.empty:
        st.info(f"Aucun arrondissement publié pour {year}.")
        return
    st.caption(
        "La Cnaf publie Paris, Lyon et Marseille par arrondissement ; le chiffre de la "
        "commune ci-dessus en est calculé."
    )
    st.dataframe(figures_table(detail, national), hide_index=True, width="stretch")
    sources = credit_lines(data, ["commune"], year)
    credits(sources)
    download_table(
        export_table(detail, national),
        f"couverture_arrondissements_{territory.code}_{year}",
        source_text(sources),
        "couv_plm",
        on_click="ignore",
    )


def _first_upper(text: str) -> str:
    """« EPCI » stays « EPCI » (str.capitalize would give « Epci »)."""
    return text[:1].upper() + text[1:]
