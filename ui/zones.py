"""Streamlit glue of the « Zones sous-dotées » page (issue 6).

Computation lives in diagnostics/zones.py, diagnostics/access.py and
diagnostics/trajectory.py; this module loads the workspace frames (cached on the store
revision), draws the controls, the map (shared map layer, zones as an Overlay), the tables,
downloads, saved zonings and the trajectory section. Pure display helpers (French tables,
chart, source lines) do not call Streamlit and are reused by tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from analyses import overlays
from analyses.ao_scope import ao_scope, scope_holders
from analyses.zones import zones_analysis
from catalogue.sources import DEMO_LABEL, credit
from charts import trajectory as chart_defs
from charts.spec import ChartSpec
from datastore.kinds import Analysis, kind_label, kinds_read_by
from datastore.store import scope_family
from diagnostics import access, trajectory, zones
from diagnostics import publication as pub
from diagnostics.ao import AoDataError
from diagnostics.formatting import fmt_number, fmt_percent, fmt_rate
from diagnostics.narrative import capitalise
from geodata import layers, reference
from geodata.territory import Level, Territory, make_territory
from reports.tables import to_csv_fr, to_xlsx
from ui import auth, cache, maps, state
from ui import publication as ui_pub
from ui.components import chart, credits, demo_band
from ui.text import md

KINDS = kinds_read_by(Analysis.ZONES)


# --------------------------------------------------------------------------- data
def _frame(kind: str) -> pd.DataFrame:
    return cache.dataset(kind).frame


def _children_frame(year: int | None) -> pd.DataFrame:
    """Children under 3 of `year` (the base takes the latest year ≤ year): one millésime read,
    not the 2008-2024 births series; every millésime when no year is given."""
    if year is not None:
        one = cache.dataset_year("enfants", year)
        if not one.empty:
            return one.frame
    return _frame("enfants")


def caf_years() -> list[int]:
    taux = _frame("caf_taux")
    if taux.empty:
        return []
    com = taux[taux["niveau"].astype("string") == "commune"]
    return sorted({int(y) for y in pd.to_numeric(com["annee"], errors="coerce").dropna()})


@st.cache_data(show_spinner="Calcul des indicateurs communaux…", max_entries=4)
def _national_base(revision: int, year: int | None) -> pd.DataFrame:  # noqa: ARG001 - Streamlit cache key
    geo = cache.geography()
    return zones.build_commune_base(
        geo.communes,
        taux=_frame("caf_taux"),
        places=_frame("caf_places"),
        enfants=_children_frame(year),
        bpe=_frame("bpe_eaje"),
        structures=_frame("structures"),
        allocataires=_frame("allocataires"),
        qpv=_frame("qpv"),
        zones=_frame("zones"),
        year=year,
        estimate_children=True,
        enfants_label=children_label(cache.workspace().datasets("enfants")),
    )


def qpv_column_label() -> str:
    """« QPV (géographie 2024) »: the list of quartiers the count uses (the latest imported)."""
    years = [m.millesime for m in cache.dataset("qpv").metas if m.millesime]
    return f"QPV (géographie {max(years)})" if years else "QPV"


def children_label(metas) -> str:
    """What the children under 3 of the workspace are (their datasets' metadata), for the
    « Enfants : origine » column: never « INSEE » for synthetic or estimated children."""
    from catalogue.sources import DEMO_LABEL, Nature

    if any(m.is_synthetic for m in metas):
        return DEMO_LABEL
    if any(m.nature is Nature.ESTIME for m in metas):
        return "estimation (naissances domiciliées, Insee)"
    return "INSEE"


def national_base(year: int | None) -> pd.DataFrame:
    """Per-commune indicators for all of France (cached until the workspace changes)."""
    return _national_base(cache.revision(), year)


@st.cache_data(show_spinner=False, max_entries=4)
def _references(revision: int, year: int | None) -> zones.References:  # noqa: ARG001 - Streamlit cache key
    synthetic = frozenset(m.id for m in cache.dataset("caf_taux").metas if m.is_synthetic)
    return zones.references(
        national_base(year),
        taux=_frame("caf_taux"),
        allocataires=_frame("allocataires"),
        year=year,
        synthetic_ids=synthetic,
    )


def references(year: int | None) -> zones.References:
    return _references(cache.revision(), year)


@st.cache_data(show_spinner="Points représentatifs des communes…", max_entries=1)
def _commune_points() -> pd.DataFrame:
    gdf = gpd.read_parquet(reference.COMMUNES_FILE, columns=["insee_com", "dep", "geometry"])
    return access.commune_points(gdf["insee_com"], gdf["dep"], gdf.geometry.values).set_index(
        "code_insee"
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _structure_supply(revision: int) -> pd.DataFrame:  # noqa: ARG001 - Streamlit cache key
    st_frame = _frame("structures")
    if st_frame.empty:
        return pd.DataFrame(columns=["x", "y", "places"])
    dep_of = cache.geography().communes.set_index("code_insee")["dep"]
    deps = st_frame["code_insee"].astype("string").map(dep_of).fillna("")
    pts = access.structure_points(st_frame, deps)
    return pts.dropna(subset=["x", "y"])


def supply_options() -> list[str]:
    """Supply sources available in the workspace, geolocated structures first."""
    out: list[str] = []
    if not _structure_supply(cache.revision()).empty:
        out.append(zones.SUPPLY_STRUCTURES)
    if not _frame("caf_places").empty:
        out.append(zones.SUPPLY_COMMUNES)
    return out


@st.cache_data(show_spinner="Calcul de l'accessibilité (2SFCA)…", max_entries=16)
def _accessibility(
    revision: int,
    year: int | None,
    codes: tuple[str, ...],
    radius_km: float,
    decay: str,
    supply_kind: str,
) -> pd.Series:
    base = national_base(year).set_index("code_insee")
    pts = _commune_points().reindex(base.index)
    demand = pts[["x", "y"]].assign(enfants=base["enfants_moins_3"].to_numpy())
    if supply_kind == zones.SUPPLY_STRUCTURES:
        supply = _structure_supply(revision)
    else:
        supply = pts[["x", "y"]].assign(places=base["places"].to_numpy()).reset_index(drop=True)
    params = access.AccessParams(radius_km, decay)  # type: ignore[arg-type]
    wanted = pd.Index([c for c in codes if c in demand.index])
    return access.two_step_fca_local(demand, supply, params, wanted)


@st.cache_data(show_spinner=False, max_entries=8)
def _geometries(level: str, code: str) -> gpd.GeoDataFrame:
    gdf = layers.geometries(Level.COMMUNE, Territory(Level(level), code, ""))
    return gdf.rename(columns={"code": "code_insee"})


def scope_geometries(territory: Territory) -> gpd.GeoDataFrame:
    """Commune polygons drawn for the territory (a commune: the communes of its EPCI)."""
    return _geometries(territory.level.value, territory.code)


@st.cache_data(show_spinner=False, max_entries=8)
def _holders(revision: int, codes: tuple[str, ...], reference_iso: str) -> tuple[pd.Series, str]:  # noqa: ARG001 - Streamlit cache key
    scope = ao_scope(cache.geography().communes, codes, _frame("population"))
    try:
        h = scope_holders(scope, _frame("ao_transferts"), date.fromisoformat(reference_iso))
    except AoDataError as err:
        return pd.Series(
            dtype="string"
        ), f"Transferts de compétences non lus ({err}) : AO = commune."
    kind = h["ao_planif_type"].map({"epci": "EPCI", "commune": "commune"}).fillna("commune")
    labels = h["ao_planif_nom"].astype("string") + " (" + kind.astype("string") + ")"
    return pd.Series(labels.to_numpy(), index=h["code_insee"].astype("string")), ""


def holders(codes: Sequence[str]) -> tuple[pd.Series, str]:
    """Planning-competence holder label per commune (analyses.ao_scope, at the reference
    date shared with the AO page: ui.state.reference_date)."""
    return _holders(cache.revision(), tuple(sorted(codes)), state.reference_date().isoformat())


@st.cache_data(show_spinner=False, max_entries=16)
def _dissolved(level: str, code: str, rows: tuple[tuple[str, str, str], ...]) -> gpd.GeoDataFrame:
    members = pd.DataFrame(
        list(rows), columns=["code_insee", "zone_id", "zone_nom"], dtype="string"
    )
    return zones.dissolve_zones(_geometries(level, code), members)


def dissolved(territory: Territory, members: pd.DataFrame) -> gpd.GeoDataFrame:
    """Zone polygons (cached on the territory and the membership)."""
    rows = tuple(
        members[["code_insee", "zone_id", "zone_nom"]]
        .astype(str)
        .itertuples(index=False, name=None)
    )
    return _dissolved(territory.level.value, territory.code, rows)


#: CNAF scales the zoning rules use (commune rates and places, national and départemental
#: references): the demo EPCI files are not used on this page, so they do not flag it.
ZONES_CAF_SCALES = frozenset({"commune", "departement", "france"})


def synthetic_kinds() -> list[str]:
    """Dataset kinds of this page that are demonstration data (metadata only, no rows read)."""
    out = []
    for k in KINDS:
        metas = [m for m in cache.workspace().datasets(k) if m.is_synthetic]
        if k in ("caf_taux", "caf_places"):
            metas = [m for m in metas if scope_family(m.scope) in ZONES_CAF_SCALES]
        if metas:
            out.append(k)
    return out


def kind_credit(kind: str, metas: Sequence) -> str:
    """One French credit line per dataset kind: producers, years (range) and nature."""
    if not metas:
        return ""
    by_key: dict[tuple[str, str], list[int]] = {}
    for m in metas:
        by_key.setdefault((m.producer, str(m.nature)), []).extend(
            [m.millesime] if m.millesime else []
        )
    parts = []
    for (producer, nature), years in by_key.items():
        span = ""
        if years:
            lo, hi = min(years), max(years)
            span = f", {lo}" if lo == hi else f", {lo}-{hi}"
        flag = {"synthétique": f" ({DEMO_LABEL})", "estimé": " (estimation)"}.get(nature, "")
        parts.append(f"{producer}{span}{flag}")
    return f"{capitalise(kind_label(kind))} : " + " ; ".join(parts)


def source_lines(extra: Sequence[str] = ()) -> list[str]:
    """Credit lines of every dataset this page uses, plus the geometry and the extras."""
    used = []
    for k in KINDS:  # metadata only (the 2008-2024 births series is not read for a credit)
        metas = cache.workspace().datasets(k)
        if k in ("caf_taux", "caf_places"):
            metas = [m for m in metas if scope_family(m.scope) in ZONES_CAF_SCALES]
        used.append(kind_credit(k, metas))
    lines = ["Sources — " + " · ".join(u for u in used if u)]
    lines.append(credit("ign_admin_express_2025"))
    lines.append(credit("insee_pop_2023"))
    return [*lines, *extra]


def map_credit() -> str:
    """Short attribution of the map (producers; the full lines are printed under the map)."""
    producers: list[str] = []
    for kind in ("caf_taux", "caf_places", "enfants", "bpe_eaje", "structures"):
        for m in cache.workspace().datasets(kind):
            if not m.is_synthetic and m.producer not in producers:
                producers.append(m.producer)
    text = "Sources : " + ", ".join([*producers, "IGN Admin Express 2025"])
    if synthetic_kinds():
        text += f" ; en partie {DEMO_LABEL}"
    return text + " (détail sous la carte)"


def export_source(lines: Sequence[str]) -> str:
    text = " ; ".join(dict.fromkeys(lines))
    if synthetic_kinds():
        text += f" — contient des {DEMO_LABEL}"
    return text


# ---------------------------------------------------------------------- controls
@dataclass(frozen=True)
class Controls:
    year: int | None
    rules: tuple[zones.Rule, ...]
    combine: zones.Combine
    target: float
    access: access.AccessParams | None
    supply: str


def controls(
    refs_for: Callable[[int | None], zones.References], years: list[int], rules_box: DeltaGenerator
) -> tuple[Controls, zones.References]:
    """Year, target and combination on top; rule pickers (each with its French sentence) and
    their parameters in `rules_box`."""
    c1, c2, c3 = st.columns([1, 1, 1])
    year = None
    if years:
        year = c1.selectbox(
            "Année des données Cnaf",
            years[::-1],
            key="zones_year",
            help="Offre au 31 décembre de l'année (fichiers data.caf.fr).",
        )
    refs: zones.References = refs_for(year)
    target = state.target_input(
        c2,
        "Taux cible (places pour 100 enfants)",
        key="zones_target",
        help="Sert au calcul des places à créer par zone et par AO ; le même sur toutes les pages.",
    )
    combine = c3.radio(
        "Une commune est prioritaire si elle remplit…",
        list(zones.COMBINE_LABELS),
        format_func=zones.COMBINE_LABELS.__getitem__,
        key="zones_combine",
        horizontal=True,
    )
    rules: list[zones.Rule] = []
    access_params: access.AccessParams | None = None
    supplies = supply_options()
    supply = supplies[0] if supplies else ""
    context = {"offres": supplies}
    with rules_box, st.container(border=True):
        st.markdown("**Règles de repérage** (cochez, combinez, réglez)")
        for number, rule_type in enumerate(zones.RULE_TYPES, start=1):
            drawn = _rule_controls(number, rule_type, refs, context)
            if drawn is None:
                continue
            rule, values = drawn
            rules.append(rule)
            if isinstance(rule, zones.AccessibilityRule):
                access_params = access.AccessParams(rule.radius_km, rule.decay)  # type: ignore[arg-type]
                supply = str(values["_offre"])
    return Controls(year, tuple(rules), combine, float(target), access_params, supply), refs


def _rule_controls(
    number: int,
    rule_type: type[zones.Rule],
    refs: zones.References,
    context: dict[str, list[str]],
) -> tuple[zones.Rule, dict[str, object]] | None:
    """The checkbox of one rule, then its controls (declared by the rule), then its sentence;
    the rule and the values of its controls, None when the rule is not ticked."""
    proto = rule_type()
    key, checked = rule_type.toggle
    needs = getattr(rule_type, "needs", "")
    available = not needs or bool(context.get(needs))
    if not st.checkbox(
        f"{number}. {proto.label}",
        value=checked,
        key=key,
        disabled=not available,
        help=None if available else getattr(rule_type, "needs_help", None),
    ):
        return None
    values: dict[str, object] = {}
    captions: list[str] = []
    group, cols, k = "", None, 0
    for control in rule_type.controls:
        if control.group and control.group == group and cols is not None:
            k += 1
        elif control.group:
            group, cols, k = control.group, st.columns(control.columns), 0
        else:
            group, cols = "", None
        where = cols[k % len(cols)] if cols is not None else st
        values[control.param] = _control_widget(where, control, values, context)
        if control.caption:
            value = str(values[control.param])
            captions.append(control.caption.format(value=value, value_lower=value.lower()))
    rule = zones.rule_from_controls(proto.id, values)
    st.caption(" ".join([rule.describe(refs), *captions]))
    return rule, values


def _control_widget(
    where, control: zones.Control, chosen: dict[str, object], context: dict[str, list[str]]
) -> object:
    """One declared control as a Streamlit widget; returns its value."""
    key = control.widget_key(chosen)
    if control.widget == "select":
        options = (
            list(context.get(control.options_from, []))
            if control.options_from
            else list(control.options)
        )
        labels = control.option_labels
        return where.selectbox(
            control.label,
            options,
            format_func=labels.__getitem__ if labels else str,
            key=key,
        )
    default = control.default_for(chosen)
    cast = int if control.integer else float
    if control.widget == "slider":
        return where.slider(
            control.label,
            cast(control.minimum),
            cast(control.maximum),
            cast(default),
            key=key,
        )
    return where.number_input(
        control.label,
        min_value=cast(control.minimum),
        max_value=cast(control.maximum),
        value=cast(default),
        step=cast(control.step),
        format=control.number_format,
        key=key,
    )


# ------------------------------------------------------------------------ tables
def commune_table(
    base: pd.DataFrame,
    result: zones.RulesResult,
    members: pd.DataFrame,
    rules: Sequence[zones.Rule],
) -> pd.DataFrame:
    """French table of the communes of the territory with indicators and rule outcomes."""
    b = base.reset_index(drop=True)
    flags = result.flags.reset_index(drop=True)
    zone_of = (
        members.set_index("code_insee")["zone_nom"]
        if not members.empty
        else pd.Series(dtype="string")
    )
    out = pd.DataFrame(
        {
            "Code commune": b["code_insee"].astype(str),
            "Commune": b["nom"].astype(str),
            "Population": b["population"],
            "Enfants de moins de 3 ans": b["enfants_moins_3"].round(0),
            "Enfants : origine": b["enfants_nature"].fillna("non disponible"),
            "Places (tous modes)": b["places"],
            "Taux de couverture": b["taux"].round(1),
            "Taux : nature": b["taux_nature"].fillna("non disponible"),
            "EAJE": b["n_eaje"],
            "Zone blanche (aucun EAJE)": (b["n_eaje"] == 0)
            .map({True: "oui", False: "non"})
            .where(b["n_eaje"].notna(), "non disponible"),
            "Familles monoparentales (%)": b["part_monoparentales"].round(1),
            "Indicateur de revenus (%)": b["part_revenus"].round(1),
            "Niveau de densité": b["dens7"],
            "Rurale (densité 5 à 7)": b["rural"].map({True: "oui", False: "non"}),
            qpv_column_label(): b["n_qpv"].astype(int),
        }
    )
    if "accessibilite" in b:
        out["Accessibilité (places pour 100 enfants)"] = b["accessibilite"].round(1)
    if result.score is not None:
        out["Score composite"] = result.score.reset_index(drop=True).round(1)
    for r in rules:
        out[f"Règle : {r.label}"] = flags[r.id].map({True: "oui", False: "non"})
    out["Prioritaire"] = flags["prioritaire"].map({True: "oui", False: "non"})
    out["Zone"] = out["Code commune"].map(zone_of).fillna("")
    return out.sort_values(
        ["Prioritaire", "Enfants de moins de 3 ans"], ascending=[False, False]
    ).reset_index(drop=True)


def zone_table_fr(table: pd.DataFrame) -> pd.DataFrame:
    """French labels of diagnostics.zones.zone_table; the AO right after the zone (at 1024 px
    it was off-screen and the rows of a zone shared by two AO looked like duplicates)."""
    first = [c for c in ("zone_id", "zone_nom", "ao") if c in table.columns]
    table = table[first + [c for c in table.columns if c not in first]]
    return table.rename(
        columns={
            "zone_id": "Zone (n°)",
            "zone_nom": "Zone",
            "ao": "AO (compétence de planification)",
            "communes": "Communes",
            "population": "Population",
            "enfants_moins_3": "Enfants de moins de 3 ans",
            "places": "Places (communes connues)",
            "taux": "Taux de couverture",
            "places_a_creer": "Places à créer pour le taux cible",
            "communes_sans_places": "Communes sans places connues",
            "sans_eaje": "Communes sans EAJE",
        }
    ).round({"Enfants de moins de 3 ans": 0, "Taux de couverture": 1})


def trajectory_spec(long: pd.DataFrame, order: Sequence[str], source: str) -> ChartSpec:
    """Places per year and scenario, without new action (dashed) and with the places to create
    (solid): charts.trajectory, the pre-diagnostic's definition."""
    synthetic = bool(set(synthetic_kinds()) & {"caf_taux", "caf_places", "enfants"})
    return chart_defs.trajectory_spec(long, order, source, synthetic=synthetic)


def trajectory_table_fr(long: pd.DataFrame) -> pd.DataFrame:
    return long.rename(
        columns={
            "scenario": "Scénario",
            "annee": "Année",
            "enfants": "Enfants de moins de 3 ans",
            "places_assmat": "Places d'assistants maternels",
            "places_programmees": "Places programmées (cumul)",
            "places_sans_action": "Places sans action nouvelle",
            "places_a_creer_annee": "Places à créer dans l'année",
            "places_creees_cumul": "Places créées (cumul)",
            "places_totales": "Places totales",
            "taux": "Taux de couverture",
        }
    ).round(1)


def summary_fr(summary: pd.DataFrame) -> pd.DataFrame:
    return summary.rename(
        columns={
            "scenario": "Scénario",
            "evolution_naissances": "Naissances (% par an)",
            "departs_assmat": "Départs d'assistants maternels (% par an)",
            "remplacement": "Départs remplacés (%)",
            "enfants_horizon": "Enfants à l'horizon",
            "places_sans_action_horizon": "Places sans action à l'horizon",
            "places_a_creer_total": "Places à créer (total)",
            "places_a_creer_par_an": "Places à créer par an",
            "taux_horizon": "Taux à l'horizon",
        }
    ).round(1)


def display_fr(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers as French text for display (12 345,6): one decimal for rates, shares and
    yearly figures, none for counts. Exports keep the numbers."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            name = str(col)
            one = any(
                k in name
                for k in (
                    "Taux",
                    "taux",
                    "%",
                    "Score",
                    "Accessibilité",
                    "par an",
                    "Naissances",
                    "Départs",
                )
            )
            out[col] = out[col].map(lambda v, d=1 if one else 0: fmt_number(v, d))
    return out


# ----------------------------------------------------------------------- sections
def coverage_colors(base: pd.DataFrame, refs: zones.References) -> tuple[pd.Series, list]:
    """Colour per commune code: coverage rate ÷ national rate, classes of diagnostics.coverage."""
    nat = refs.national_rate or math.nan
    ratio = pd.Series((base["taux"] / nat).to_numpy(), index=base["code_insee"].astype(str))
    cl = maps.ratio_colouring(ratio)
    return cl.colors, cl.legend


def map_section(
    territory: Territory,
    base: pd.DataFrame,
    refs: zones.References,
    polygons: gpd.GeoDataFrame,
    communes: pd.DataFrame,
) -> None:
    """The map of the zoning; a click on a commune shows its figures and its zone below the
    map (`commune_card`: the analysis and the selected territory stay as they are)."""
    colors, legend = coverage_colors(base, refs)
    tips = pd.DataFrame(
        {
            "Taux de couverture": [
                fmt_number(v, 1) + (" (estimation)" if n == "estimation" else "")
                for v, n in zip(base["taux"], base["taux_nature"].fillna(""), strict=True)
            ],
            "Enfants de moins de 3 ans": [fmt_number(v) for v in base["enfants_moins_3"]],
            "EAJE": [fmt_number(v) for v in base["n_eaje"]],
        },
        index=base["code_insee"].astype(str),
    )
    # The zoning being edited: drawn by the builder of the shared zones overlay; the layer
    # control offers the saved zonings above it.
    editing = overlays.polygons_overlay(polygons, "zonage en cours", credit=map_credit())
    m = maps.territory_map(
        Level.COMMUNE,
        _map_territory(territory),
        colors,
        legend,
        title="Zones prioritaires sur le taux de couverture",
        legend_title="Taux de couverture rapporté au taux national",
        credit=map_credit(),
        tooltip=tips,
        overlays=[editing] if not polygons.empty else [],
        highlight=territory.code if territory.level is Level.COMMUNE else None,
    )
    clicked = maps.show_map(m, key="zones_map", overlays_of=territory)
    commune_card(communes, clicked_commune(territory, clicked))


CLICKED_KEY = "zones_clicked"
#: Columns of the commune table (commune_table) shown in the card of a clicked commune.
CARD_COLUMNS = (
    "Population",
    "Enfants de moins de 3 ans",
    "Places (tous modes)",
    "Taux de couverture",
    "Taux : nature",
    "EAJE",
    "Accessibilité (places pour 100 enfants)",
    "Score composite",
)


def clicked_commune(territory: Territory, code: str | None) -> str | None:
    """The commune last clicked on the zones map of `territory` (kept across reruns)."""
    if code:
        st.session_state[CLICKED_KEY] = (territory.key, code)
        return code
    stored = st.session_state.get(CLICKED_KEY)
    return stored[1] if stored and stored[0] == territory.key else None


def commune_card(communes: pd.DataFrame, code: str | None) -> None:
    """Figures, rules met and zone of the commune clicked on the map."""
    if code is None:
        st.caption("Cliquez sur une commune de la carte pour afficher ses chiffres et sa zone.")
        return
    rows = communes.loc[communes["Code commune"] == code]
    if rows.empty:
        st.caption(f"La commune {md(code)} n'est pas une commune du territoire étudié.")
        return
    row = display_fr(rows).iloc[0]
    zone = str(row["Zone"] or "")
    where = (
        f"zone prioritaire « {md(zone)} »"
        if zone
        else "commune prioritaire"
        if row["Prioritaire"] == "oui"
        else "hors zone prioritaire"
    )
    shown = [c for c in CARD_COLUMNS if c in row.index]
    shown += [c for c in row.index if str(c).startswith("Règle : ")]
    frame = pd.DataFrame({"Indicateur": shown, "Valeur": [row[c] for c in shown]})
    with st.container(border=True, key="zones_commune_card"):
        st.markdown(f"**{md(str(row['Commune']))} ({md(code)})** — {where}")
        st.markdown(maps.markdown_table(frame, right=("Valeur",)))


def _map_territory(territory: Territory) -> Territory:
    return territory


def saved_section(
    territory: Territory, payload: dict, default_name: str, base: pd.DataFrame
) -> None:
    """Save the current zoning as a named version; list, reopen and delete saved ones."""
    ws = cache.workspace()
    c1, c2 = st.columns([3, 1])
    name = c1.text_input("Nom de la version", value=default_name, key="zones_save_name")
    if c2.button(
        "Enregistrer le zonage",
        key="zones_save",
        width="stretch",
        type="primary",
        disabled=not name.strip() or not payload["communes"],
    ):
        ws.save_document(zones.ZONING_DOCUMENT_KIND, name.strip(), {**payload, "nom": name.strip()})
        st.success(f"Zonage « {md(name)} » enregistré dans l'espace de travail.")
    saved = ws.documents(zones.ZONING_DOCUMENT_KIND)
    here = {d.nom: d for d in zones.saved_zonings(saved, territory.key)}
    if here:
        published = ui_pub.published(pub.ZONING, territory.key)
        rows = [
            {
                "Version": k,
                "Statut": pub.draft_status(k, saved.get(k) or {}, published).label,
                "Enregistrée le": pub.date_fr(v.date),
                "Communes": len(v.communes),
                "Zones": len(v.zones),
                "Taux cible": fmt_number(v.taux_cible, 1),
            }
            for k, v in here.items()
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        d1, d2 = st.columns([3, 1])
        picked = d1.selectbox("Version enregistrée", list(here), key="zones_saved_pick")
        doc = here[picked]
        raw = saved.get(picked)
        if isinstance(raw, dict):
            ui_pub.publish_controls(pub.ZONING, picked, territory.key, raw, "zones_saved")
        members = doc.members()
        rules, combine = doc.rules()
        st.caption(
            f"Version « {md(picked)} » du {md(doc.date[:10])} : "
            f"{len(doc.communes)} commune(s) en {len(doc.zones)} "
            f"zone(s) ; règles : {', '.join(r.label for r in rules) or 'aucune'} "
            f"({zones.COMBINE_LABELS.get(combine, combine)}) ; taux cible "
            f"{fmt_number(doc.taux_cible, 1)}. Chiffres recalculés avec les données "
            "actuelles de l'espace de travail."
        )
        if not members.empty:
            labels, _ = holders(members["code_insee"].tolist())
            saved_table = zones.zone_table(
                base, members, float(doc.taux_cible or 0.0), labels, by_ao=False
            )
            st.dataframe(display_fr(zone_table_fr(saved_table)), hide_index=True, width="stretch")
            polygons = dissolved(territory, members)
            auth.download_button(
                st,
                "GeoJSON de cette version",
                partial(_geojson_bytes, polygons, saved_table, export_source(source_lines())),
                file_name=f"zonage_{picked}.geojson",
                mime="application/geo+json",
                key="zones_saved_geojson",
                export="zones",
                on_click="ignore",
            )
        if d2.button("Supprimer", key="zones_delete", width="stretch"):
            ws.delete_document(zones.ZONING_DOCUMENT_KIND, picked)
            st.rerun()
    else:
        st.caption("Aucun zonage enregistré pour ce territoire.")


def _geojson_bytes(polygons: gpd.GeoDataFrame, table: pd.DataFrame, source: str) -> bytes:
    if polygons.empty:
        return b'{"type":"FeatureCollection","features":[]}'
    return zones.zones_geojson(polygons, table, source).encode("utf-8")


def _xlsx_bytes(table: pd.DataFrame, communes: pd.DataFrame, source: str) -> bytes:
    return to_xlsx(
        {"Zones par AO": zone_table_fr(table), "Communes": communes},
        {"Zones par AO": source, "Communes": source},
    )


def downloads(
    territory: Territory,
    polygons: gpd.GeoDataFrame,
    table: pd.DataFrame,
    communes: pd.DataFrame,
    source: str,
) -> None:
    """GeoJSON, CSV and XLSX of the zoning; files are built only when clicked."""
    stem = f"zones_prioritaires_{territory.level.value}_{territory.code or 'france'}"
    c1, c2, c3 = st.columns(3)
    auth.download_button(
        c1,
        "GeoJSON des zones",
        partial(_geojson_bytes, polygons, table, source),
        file_name=f"{stem}.geojson",
        mime="application/geo+json",
        key="zones_dl_geojson",
        export="zones",
        on_click="ignore",
        width="stretch",
    )
    auth.download_button(
        c2,
        "CSV des communes (Excel, ;)",
        partial(to_csv_fr, communes, source),
        file_name=f"{stem}_communes.csv",
        mime="text/csv",
        key="zones_dl_csv",
        export="zones",
        on_click="ignore",
        width="stretch",
    )
    auth.download_button(
        c3,
        "XLSX (zones par AO et communes)",
        partial(_xlsx_bytes, table, communes, source),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="zones_dl_xlsx",
        export="zones",
        on_click="ignore",
        width="stretch",
    )


def observed_births_trend(codes: Sequence[str]) -> tuple[float, str] | None:
    """Yearly births trend of the communes `codes` from the INSEE births (first and last
    three-year windows of the series, read as the births estimate of two years), with its
    French method; None when the workspace has no births estimate."""
    metas = [m for m in cache.workspace().datasets("enfants") if m.millesime]
    years = sorted(m.millesime for m in metas if not m.is_synthetic)
    if len(years) < 2:
        return None
    wanted = set(map(str, codes))
    sums = []
    for year in (years[0], years[-1]):
        f = cache.dataset_year("enfants", year).frame
        value = pd.to_numeric(
            f.loc[f["code_insee"].astype(str).isin(wanted), "enfants_moins_3"], errors="coerce"
        ).sum(min_count=1)
        sums.append((year, float(value) if pd.notna(value) else math.nan))
    (y0, s0), (y1, s1) = sums
    if math.isnan(s0):  # the first years have no estimate (incomplete window): the next one
        later = [y for y in years if y > y0]
        f = cache.dataset_year("enfants", later[1]).frame if len(later) > 1 else None
        if f is None:
            return None
        y0 = later[1]
        s0 = float(
            pd.to_numeric(
                f.loc[f["code_insee"].astype(str).isin(wanted), "enfants_moins_3"],
                errors="coerce",
            ).sum()
        )
    trend = trajectory.births_trend(s0, s1, y0, y1)
    if math.isnan(trend):
        return None
    text = trajectory.BIRTHS_TREND_METHOD.format(
        a=y0 - 2, b=y0, c=y1 - 2, d=y1, trend=fmt_number(trend * 100, 1) + " %"
    )
    return trend, text


def trajectory_section(
    territory: Territory,
    base: pd.DataFrame,
    members: pd.DataFrame,
    year: int | None,
    target: float,
    lines: Sequence[str],
) -> None:
    st.subheader("Trajectoire de développement")
    st.caption(
        "Places à créer chaque année pour atteindre un taux cible à un horizon donné, "
        "compte tenu des places programmées, des départs d'assistants maternels et de "
        "l'évolution des naissances (démarche des Caf du Val-d'Oise, du Rhône et des "
        "Pyrénées-Atlantiques, circulaire, parties 1.1.2 et 2.2)."
    )
    start = int(year) if year else date.today().year - 1
    kids, places, assmat, t_target, horizon = _trajectory_start(base, members, start, target)
    planned = _planned_places(start)
    scopes = _trajectory_scopes(base, members)
    scope = str(st.session_state.get("zones_traj_scope") or next(iter(scopes)))
    scenarios = _scenario_inputs(scope, scopes.get(scope, []))
    try:
        situation = trajectory.Situation(start, kids, places, assmat)
        results, summary = trajectory.compare_scenarios(
            situation, t_target, horizon, planned, scenarios
        )
    except ValueError as err:
        st.error(md(err))
        return
    _trajectory_results(results, summary, scenarios, lines, start)
    saved = trajectory.SavedTrajectory(
        "",
        territory.key,
        scope,
        "",
        situation,
        t_target,
        horizon,
        tuple(planned),
        tuple(scenarios),
    )
    saved_trajectories(territory, saved, scopes.get(scope, []))


def saved_trajectories(
    territory: Territory, current: trajectory.SavedTrajectory, codes: Sequence[str]
) -> None:
    """Save the trajectory shown as a named draft; list, publish and delete saved ones."""
    ws = cache.workspace()
    kind = trajectory.TRAJECTORY_DOCUMENT_KIND
    st.markdown("**Enregistrer la trajectoire**")
    c1, c2 = st.columns([3, 1])
    name = c1.text_input(
        "Nom de la trajectoire", value=f"Trajectoire {territory.name}", key="zones_traj_name"
    )
    if c2.button(
        "Enregistrer la trajectoire",
        key="zones_traj_save",
        width="stretch",
        disabled=not name.strip(),
    ):
        doc = {
            **current.to_document(),
            "nom": name.strip(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "communes": sorted(str(c) for c in codes),
        }
        ws.save_document(kind, name.strip(), doc)
        st.success(f"Trajectoire « {md(name.strip())} » enregistrée (brouillon).")
    docs = {
        n: d
        for n, d in ws.documents(kind).items()
        if isinstance(d, dict) and d.get("territoire") == territory.key
    }
    if not docs:
        st.caption("Aucune trajectoire enregistrée pour ce territoire.")
        return
    published = ui_pub.published(pub.TRAJECTORY, territory.key)
    rows = []
    for n, d in docs.items():
        t = trajectory.SavedTrajectory.from_document(n, d)
        rows.append(
            {
                "Trajectoire": n,
                "Statut": pub.draft_status(n, d, published).label,
                "Enregistrée le": pub.date_fr(d.get("date")),
                "Périmètre": t.perimetre if t else "—",
                "Taux cible": fmt_number(t.target_rate, 1) if t else "—",
                "Horizon": str(t.horizon) if t else "—",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    d1, d2 = st.columns([3, 1])
    picked = d1.selectbox("Trajectoire enregistrée", list(docs), key="zones_traj_pick")
    ui_pub.publish_controls(pub.TRAJECTORY, picked, territory.key, docs[picked], "zones_traj")
    if d2.button("Supprimer", key="zones_traj_delete", width="stretch"):
        ws.delete_document(kind, picked)
        st.rerun()


def _trajectory_scopes(base: pd.DataFrame, members: pd.DataFrame) -> dict[str, list[str]]:
    """Perimeters of the trajectory: the whole territory, then each priority zone."""
    scopes = {"Territoire entier": base["code_insee"].astype(str).tolist()}
    if not members.empty:
        for (zid, znom), grp in members.groupby(["zone_id", "zone_nom"], sort=True):
            scopes[f"{zid} — {znom}"] = grp["code_insee"].astype(str).tolist()
    return scopes


def _trajectory_start(
    base: pd.DataFrame, members: pd.DataFrame, start: int, target: float
) -> tuple[float, float, float, float, int]:
    """Perimeter and starting point (children, places, of which childminders; prefilled,
    editable), target rate and horizon."""
    scopes = _trajectory_scopes(base, members)
    scope = st.selectbox("Périmètre", list(scopes), key="zones_traj_scope")
    sub = base[base["code_insee"].astype(str).isin(scopes[scope])]
    known = sub[sub["places"].notna() & sub["enfants_moins_3"].notna()]
    kids0 = float(known["enfants_moins_3"].sum())
    places0 = float(known["places"].sum())
    assmat0 = float(known["places_assmat"].fillna(0).sum())
    st.caption(
        f"Point de départ prérempli avec les {len(known)} commune(s) du périmètre dont "
        f"les places Cnaf {start} sont connues (sur {len(sub)}) ; modifiez-le au besoin."
    )
    c = st.columns(5)
    kids = c[0].number_input(
        "Enfants de moins de 3 ans",
        min_value=0,
        value=int(round(kids0)),
        step=10,
        key=f"zones_traj_kids_{scope}",
    )
    places = c[1].number_input(
        "Places (tous modes)",
        min_value=0,
        value=int(round(places0)),
        step=10,
        key=f"zones_traj_places_{scope}",
    )
    assmat = c[2].number_input(
        "dont assistants maternels",
        min_value=0,
        value=int(min(round(assmat0), round(places0))),
        step=10,
        key=f"zones_traj_assmat_{scope}",
    )
    t_target = c[3].number_input(
        "Taux cible",
        min_value=1.0,
        max_value=200.0,
        value=float(target),
        step=1.0,
        format="%.1f",
        key="zones_traj_target",
    )
    horizon = c[4].number_input(
        "Horizon",
        min_value=start + 1,
        max_value=start + 30,
        value=max(start + 1, 2030),
        step=1,
        key="zones_traj_horizon",
    )
    # French read-out of the inputs (Streamlit's number inputs write « 31072 », « 58.8 »)
    st.caption(
        f"Point de départ : {fmt_number(kids)} enfants de moins de 3 ans, {fmt_number(places)} "
        f"places dont {fmt_number(assmat)} chez des assistants maternels ; cible "
        f"{fmt_rate(t_target)} places pour 100 enfants en {horizon}."
    )
    return float(kids), float(places), float(assmat), float(t_target), int(horizon)


def _planned_places(start: int) -> list[trajectory.PlannedPlaces]:
    """The places already planned (editable table)."""
    st.markdown("**Places déjà programmées**")
    planned_df = st.data_editor(
        pd.DataFrame(
            {
                "Année": pd.Series([start + 2], dtype="int64"),
                "Places": pd.Series([0.0]),
                "Type": pd.Series(["EAJE PSU"]),
            }
        ),
        num_rows="dynamic",
        key="zones_traj_planned",
        width="stretch",
        column_config={
            "Année": st.column_config.NumberColumn(
                min_value=start + 1, max_value=start + 30, step=1
            ),
            "Places": st.column_config.NumberColumn(min_value=0.0, step=1.0),
            "Type": st.column_config.SelectboxColumn(
                options=["EAJE PSU", "Micro-crèche", "Maison d'assistants maternels", "Autre"]
            ),
        },
    )
    return [
        trajectory.PlannedPlaces(int(r["Année"]), float(r["Places"]), str(r["Type"]))
        for r in planned_df.dropna(subset=["Année", "Places"]).to_dict("records")
    ]


def _scenario_inputs(scope: str, codes: Sequence[str]) -> list[trajectory.Scenario]:
    """The three scenarios (births trend, departures and replacement of childminders); the
    middle one follows the observed births trend of the perimeter `scope` (communes `codes`)."""
    st.markdown("**Scénarios**")
    defaults_sc = list(trajectory.DEFAULT_SCENARIOS)
    observed = observed_births_trend(codes)
    if observed is not None:
        trend, text = observed
        defaults_sc[1] = trajectory.observed_scenario(trend, "Tendance observée des naissances")
        st.caption(text)
    scenarios: list[trajectory.Scenario] = []
    for col, sc in zip(st.columns(3), defaults_sc, strict=True):
        with col:
            i = defaults_sc.index(sc)
            name = st.text_input(
                "Nom",
                value=sc.name,
                key=f"zones_sc_name_{i}" + ("_obs" if observed and i == 1 else ""),
            )
            births = st.number_input(
                "Naissances (% par an)",
                -10.0,
                10.0,
                sc.births_trend * 100,
                0.5,
                # the observed trend follows the perimeter chosen
                key=f"zones_sc_births_{i}" + (f"_{scope}" if observed and i == 1 else ""),
            )
            dep = st.number_input(
                "Départs d'assistants maternels (% par an)",
                0.0,
                50.0,
                sc.assmat_departures * 100,
                0.5,
                key=f"zones_sc_dep_{i}",
            )
            rep = st.number_input(
                "Départs remplacés (%)",
                0.0,
                100.0,
                sc.replacement * 100,
                5.0,
                key=f"zones_sc_rep_{i}",
            )
            scenarios.append(trajectory.Scenario(name, births / 100, dep / 100, rep / 100))
    return scenarios


def _trajectory_results(
    results: Sequence[trajectory.TrajectoryResult],
    summary: pd.DataFrame,
    scenarios: Sequence[trajectory.Scenario],
    lines: Sequence[str],
    start: int,
) -> None:
    """Chart, summary, method and year-by-year detail of the scenarios."""
    long = trajectory.long_table(results)
    chart(
        trajectory_spec(long, [sc.name for sc in scenarios], export_source(lines)),
        key="zones_traj_chart",
    )
    st.dataframe(display_fr(summary_fr(summary)), hide_index=True, width="stretch")
    for r in results:
        st.caption(f"**Méthode** — {md(r.method)}")
    with st.expander("Détail année par année"):
        detail = trajectory_table_fr(long)
        st.dataframe(display_fr(detail), hide_index=True, width="stretch")
        src = export_source(lines)
        auth.download_button(
            st,
            "XLSX de la trajectoire",
            to_xlsx(
                {"Scénarios": summary_fr(summary), "Détail": detail},
                {"Scénarios": src, "Détail": src},
            ),
            file_name="trajectoire.xlsx",
            key="zones_traj_xlsx",
            export="zones",
            on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    credits(
        [
            *lines,
            f"Situation de départ {start} : places et enfants Cnaf des communes connues, "
            "modifiables ; projection : méthode de cette application.",
        ]
    )


def territory_of(level: str, code: str) -> Territory:
    return make_territory(cache.geography(), Level(level), code)


def metric_row(base: pd.DataFrame, flags: pd.DataFrame, members: pd.DataFrame) -> None:
    pri = flags["prioritaire"].to_numpy()
    kids = base["enfants_moins_3"].fillna(0).to_numpy()
    c = [*st.columns(2), *st.columns(2)]
    c[0].metric("Communes prioritaires", f"{fmt_number(int(pri.sum()))} / {fmt_number(len(base))}")
    c[1].metric(
        "Zones prioritaires", fmt_number(members["zone_id"].nunique() if not members.empty else 0)
    )
    share = kids[pri].sum() / kids.sum() * 100 if kids.sum() else np.nan
    c[2].metric(
        "Enfants de moins de 3 ans concernés",
        fmt_number(kids[pri].sum()),
        help="Somme des enfants des communes prioritaires (INSEE, dérivés ou estimés).",
    )
    c[3].metric("Part des enfants du territoire", fmt_percent(share, 1))


def demo(kinds: Sequence[str]) -> None:
    if kinds:
        demo_band(True, ", ".join(kind_label(k) for k in kinds))


def accessibility(
    year: int | None, codes: Sequence[str], params: access.AccessParams, supply: str
) -> pd.Series:
    """2SFCA accessibility of the communes `codes` (cached on the workspace revision)."""
    return _accessibility(
        cache.revision(), year, tuple(codes), float(params.radius_km), str(params.decay), supply
    )


@dataclass(frozen=True)
class Computed:
    """Everything the page shows for one territory and one set of rules."""

    base: pd.DataFrame  # communes of the territory (+ accessibilite when the rule is on)
    result: zones.RulesResult
    members: pd.DataFrame  # code_insee, zone_id, zone_nom
    polygons: gpd.GeoDataFrame
    table: pd.DataFrame  # zones per AO
    summary: pd.DataFrame  # one row per zone
    holder_note: str
    method_lines: list[str]


def compute(territory: Territory, ctl: Controls, refs: zones.References) -> Computed:
    """Rules, zones and tables for the communes drawn for `territory`."""
    geoms = scope_geometries(territory)
    base_all = national_base(ctl.year)
    base = base_all[base_all["code_insee"].isin(geoms["code_insee"])].reset_index(drop=True)
    codes = base["code_insee"].astype(str).tolist()
    method_lines: list[str] = []
    acc = None
    if ctl.access is not None:
        acc = accessibility(ctl.year, codes, ctl.access, ctl.supply)
        method_lines.append(f"{ctl.access.describe()} Offre : {ctl.supply.lower()}.")
    labels, note = holders(codes)
    z = zones_analysis(base, geoms, ctl.rules, refs, ctl.combine, ctl.target, labels, acc)
    polygons = dissolved(territory, z.members)
    return Computed(z.base, z.result, z.members, polygons, z.table, z.summary, note, method_lines)
