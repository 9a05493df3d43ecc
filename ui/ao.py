"""Streamlit glue of the « Compétences AO et CTG » page (rules in diagnostics/ao.py).

Caching: the whole analysis of a territory is one `st.cache_data` entry keyed on the
territory, the reference date and the workspace revision (bounded); EPCI outlines are cached
as GeoJSON strings. The folium map is rebuilt on every run (never cached).
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st

from analyses.ao import AoAnalysis, AoInputs, ao_analysis
from catalogue.sources import DEMO_LABEL, credit
from diagnostics import ao
from diagnostics.formatting import fmt_number
from geodata import layers
from geodata.maps import TIER_COLORS, Overlay, classify_categories
from geodata.territory import Level, Territory, make_territory
from geodata.tiers import TIER_DESCRIPTIONS, TIERS
from ui import cache, maps, state
from ui.components import credits, demo_band, download_table

STATUS_COLORS = {
    ao.STATUS_LABELS[ao.ST_VAUT_SCHEMA]: "#1a9850",
    ao.STATUS_LABELS[ao.ST_AVENANT]: "#f4a53c",
    ao.STATUS_LABELS[ao.ST_ECHEANCE]: "#8e63b5",
    ao.STATUS_LABELS[ao.ST_SCHEMA_REQUIS]: "#d73027",
    f"{ao.STATUS_LABELS[ao.ST_NON_CONCERNE]}, couverte par une CTG": "#abd9e9",
    f"{ao.STATUS_LABELS[ao.ST_NON_CONCERNE]}, sans CTG": "#f2f2f2",
}
HOLDER_COLORS = {
    "Commune": "#80b1d3",
    "EPCI": "#fb8072",
    "Non applicable (3 500 habitants ou moins)": "#ececec",
}
ECHEANCE_COLORS = {
    ao.ECH_EXPIREE: "#b2182b",
    ao.ECH_PROCHE: "#ef8a62",
    ao.ECH_EN_COURS: "#67a9cf",
    ao.ECH_AUCUNE: "#f2f2f2",
}
LAYER_TIER = "Strate de l'AO titulaire de la planification"
LAYER_HOLDER = "Titulaire de la compétence de planification"
LAYER_STATUS = "Couverture et statut CTG"
LAYER_ENDING = "CTG se terminant dans les 12 mois"
LAYERS = (LAYER_STATUS, LAYER_HOLDER, LAYER_TIER, LAYER_ENDING)
EPCI_STROKE = "#1b2733"


def reference_date_input() -> date:
    """The reference date, visible and editable (default: today)."""
    value = st.date_input(
        "Date de référence",
        value=state.reference_date(),
        format="DD/MM/YYYY",
        key="ao_reference_date",
        help="Date à laquelle les transferts, les échéances des CTG et l'obligation de relais "
        "petite enfance (1er janvier 2026) sont appréciés.",
    )
    state.set_reference_date(value)
    return value


def analysis(territory: Territory, reference_date: date) -> AoAnalysis:
    """Cached analysis of the territory (recomputed when the workspace changes)."""
    return _analysis(territory.key, reference_date.isoformat(), cache.revision())


@st.cache_data(show_spinner="Calcul des statuts des AO…", max_entries=16)
def _analysis(territory_key: str, reference_iso: str, revision: int) -> AoAnalysis:  # noqa: ARG001 - Streamlit cache key
    geo = cache.geography()
    level, _, code = territory_key.partition(":")
    return ao_analysis(
        geo,
        make_territory(geo, Level(level), code),
        AoInputs(cache.dataset("ctg"), cache.dataset("ao_transferts"), cache.dataset("population")),
        date.fromisoformat(reference_iso),
    )


def source_line(result: AoAnalysis) -> str:
    """One-line credit for exports (« données de démonstration » when synthetic)."""
    text = " ; ".join(result.sources)
    if result.is_synthetic and DEMO_LABEL not in text:
        text += f" — {DEMO_LABEL}"
    return text


# ------------------------------------------------------------------------------ header
def render_header(result: AoAnalysis) -> None:
    demo_band(result.is_synthetic, "liste des CTG et transferts de compétences d'AO")
    st.caption(
        f"Seuils de 3 500 et 10 000 habitants lus sur la {result.basis.label}. "
        "« Plus de » s'entend strictement : une commune de 10 000 habitants exactement "
        "n'est pas soumise au schéma."
    )
    if result.errors:
        st.error(
            "Les données importées ne permettent pas d'établir les statuts :\n\n"
            + "\n".join(f"- {e}" for e in result.errors)
            + "\n\nCorrigez le fichier dans la page « Données et sources »."
        )


def render_metrics(result: AoAnalysis) -> None:
    t = result.table
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Autorités organisatrices", fmt_number(len(t)))
    for col, status in (
        (c2, ao.ST_VAUT_SCHEMA),
        (c3, ao.ST_AVENANT),
        (c4, ao.ST_SCHEMA_REQUIS),
        (c5, ao.ST_ECHEANCE),
    ):
        col.metric(_short_status(status), fmt_number(int((t["statut"] == status).sum())))


def _short_status(status: str) -> str:
    return {
        ao.ST_VAUT_SCHEMA: "CTG vaut schéma",
        ao.ST_AVENANT: "Avenant recommandé",
        ao.ST_SCHEMA_REQUIS: "Schéma requis",
        ao.ST_ECHEANCE: "CTG à renégocier",
        ao.ST_NON_CONCERNE: "Non concerné",
    }[status]


# --------------------------------------------------------------------------------- map
@st.cache_data(show_spinner=False, max_entries=16)
def _epci_outlines(sirens: tuple[str, ...]) -> str:
    path = layers.built_file(Level.EPCI, layers.Zoom.REGION)
    gdf = gpd.read_parquet(
        path, columns=["code", "nom", "geometry"], filters=[("code", "in", list(sirens))]
    )
    return layers.to_geojson(gdf.sort_values("code"))


def map_values(layer: str, frame: pd.DataFrame) -> tuple[pd.Series, dict[str, str]]:
    """Category per commune code for one map layer, and its colours (legend order)."""
    idx = frame["code_insee"].astype(str)
    if layer == LAYER_TIER:
        return pd.Series(frame["strate"].to_numpy(), index=idx), dict(TIER_COLORS)
    if layer == LAYER_HOLDER:
        return pd.Series(frame["titulaire_planification"].to_numpy(), index=idx), HOLDER_COLORS
    if layer == LAYER_ENDING:
        return pd.Series(frame["echeance_ctg"].to_numpy(), index=idx), ECHEANCE_COLORS
    non = ao.STATUS_LABELS[ao.ST_NON_CONCERNE]
    covered = frame["couverture_ctg"] == "Couverte par une CTG en vigueur"
    values = frame["statut"].where(
        frame["statut"] != non,
        covered.map({True: f"{non}, couverte par une CTG", False: f"{non}, sans CTG"}),
    )
    return pd.Series(values.to_numpy(), index=idx), STATUS_COLORS


def render_map(territory: Territory, result: AoAnalysis) -> None:
    if territory.level is Level.FRANCE:
        st.info(
            "Choisissez une région, un département, un EPCI ou une commune pour afficher la carte "
            "des communes (le tableau ci-dessous couvre toute la France)."
        )
        return
    layer = st.radio("Couche affichée", LAYERS, horizontal=True, key="ao_layer")
    frame = result.layers
    values, colours = map_values(layer, frame)
    cl = classify_categories(values, colours)
    tips = pd.DataFrame(
        {
            "Titulaire de la planification": frame["titulaire_planification"].to_numpy(),
            "AO (planification)": frame["ao_planification"].replace("", "—").to_numpy(),
            "Strate": frame["strate"].fillna("—").to_numpy(),
            "Statut": frame["statut"].to_numpy(),
            "CTG": frame["ctg"].replace("", "aucune").to_numpy(),
            "Échéance": frame["echeance_ctg"].to_numpy(),
        },
        index=frame["code_insee"].astype(str),
    )
    sirens = tuple(sorted(set(result.holders["siren_epci"].dropna())))
    overlays = []
    if sirens:
        overlays.append(
            Overlay(
                data=_epci_outlines(sirens),
                name="EPCI",
                stroke=EPCI_STROKE,
                weight=2.4,
                legend_label="Contour des EPCI",
            )
        )
    m = maps.territory_map(
        Level.COMMUNE,
        territory,
        cl.colors,
        cl.legend,
        title=layer,
        credit=f"{'; '.join(result.sources)} ; {credit('ign_admin_express_2025')}",
        tooltip=tips,
        overlays=overlays,
        height=520,
        highlight=territory.code if territory.level is Level.COMMUNE else None,
    )
    maps.show_map(m, key="ao_map", clickable=False, height=520)
    if layer == LAYER_TIER:
        st.caption(" ; ".join(f"**{t}** : {TIER_DESCRIPTIONS[t]}" for t in TIERS))
    credits([*result.sources, credit("ign_admin_express_2025")])


# ------------------------------------------------------------------------------- table
_AO_DISPLAY = {
    "ao_type": "Type",
    "ao_code": "Code",
    "ao_nom": "Autorité organisatrice",
    "statut_libelle": "Statut",
    "detail": "Ce qu'il faut faire",
    "population": "Population (seuils)",
    "strate": "Strate",
    "schema": "Schéma pluriannuel",
    "rpe": "Relais petite enfance",
    "ctg": "CTG",
    "date_fin_ctg": "Fin de la CTG retenue",
    "a_signer_en_opportunite": "À faire signer en opportunité",
    "repartition": "Répartition des compétences",
    "cellule": "Cellule du tableau de la circulaire",
    "phrase_circulaire": "Phrase de la circulaire",
    "competences": "Compétences exercées",
    "n_communes": "Communes",
}


MAX_ROWS_ALL = 2_000  # above, « non concerné » is unticked by default
MAX_ROWS_SHOWN = 3_000  # rows sent to the browser (exports hold every filtered row)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """French, export-ready copy of the AO table."""
    out = table[list(_AO_DISPLAY)].copy()
    out["ao_type"] = out["ao_type"].map(ao.HOLDER_LABELS)
    out["repartition"] = out["repartition"].map(ao.DISTRIBUTION_LABELS)
    out["population"] = pd.to_numeric(out["population"]).round().astype("Int64")
    out["date_fin_ctg"] = pd.to_datetime(out["date_fin_ctg"]).dt.strftime("%d/%m/%Y")
    return out.rename(columns=_AO_DISPLAY)


def filter_table(
    table: pd.DataFrame, statuts: list[str], types: list[str], query: str
) -> pd.DataFrame:
    """Rows whose status label and type are selected and whose name or code contains `query`."""
    keep = table["statut_libelle"].isin(statuts) & table["ao_type"].map(ao.HOLDER_LABELS).isin(
        types
    )
    q = query.strip().lower()
    if q:
        keep &= table["ao_nom"].str.lower().str.contains(q, regex=False) | table[
            "ao_code"
        ].str.contains(q, regex=False)
    return table.loc[keep]


def render_table(result: AoAnalysis) -> None:
    st.subheader("Autorités organisatrices et statut CTG")
    t = result.table
    c1, c2, c3 = st.columns([3, 1.3, 1.7])
    present = [ao.STATUS_LABELS[s] for s in ao.STATUSES if (t["statut"] == s).any()]
    non = ao.STATUS_LABELS[ao.ST_NON_CONCERNE]
    # large territories: the AO with nothing to do are left out by default (still selectable)
    default = present if len(t) <= MAX_ROWS_ALL else [p for p in present if p != non]
    statuts = c1.multiselect("Statut", present, default=default, key="ao_filter_statut")
    types = c2.multiselect(
        "Type d'AO",
        list(ao.HOLDER_LABELS.values()),
        default=list(ao.HOLDER_LABELS.values()),
        key="ao_filter_type",
    )
    query = c3.text_input("Rechercher une AO", key="ao_filter_query", placeholder="Nom ou code")
    exported = display_table(filter_table(t, statuts, types, query))
    shown = exported.head(MAX_ROWS_SHOWN)
    cut = (
        f" Seules les {fmt_number(MAX_ROWS_SHOWN)} premières sont affichées ; les exports les "
        "contiennent toutes."
        if len(exported) > MAX_ROWS_SHOWN
        else ""
    )
    st.caption(
        f"{fmt_number(len(exported))} AO retenue(s) sur {fmt_number(len(t))}.{cut} Date de "
        f"référence : {result.reference_date:%d/%m/%Y}. Population (seuils) : {result.basis.label}."
    )
    shown = shown.assign(**{"Population (seuils)": shown["Population (seuils)"].map(fmt_number)})
    st.dataframe(shown, hide_index=True, width="stretch", height=380)
    download_table(exported, "ao_statuts_ctg", source_line(result), key="ao_export")
    credits(result.sources)
    with st.expander("Le tableau de la circulaire (section 2.2)"):
        rows = []
        for (dist, level), cell in ao.CELLS.items():
            rows.append(
                {
                    "Répartition des compétences": ao.DISTRIBUTION_LABELS[dist],
                    "Échelon de signature": ao.LEVEL_LABELS[level],
                    "En droit": cell.droit,
                    "En opportunité": cell.opportunite,
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(
            "Source : Cnaf, circulaire relative aux conventions territoriales globales, section 2.2."
        )


# --------------------------------------------------------------------------- checklists
def checklist_payloads() -> dict[str, dict]:
    """Stored checklists of all CTG (workspace documents `checklist_ctg`)."""
    docs = cache.workspace().documents(ao.CHECKLIST_DOCUMENT_KIND)
    return {name: p for name, p in docs.items() if isinstance(p, dict)}


def _save_checklist(id_ctg: str) -> None:
    checked = [
        item for item, _ in ao.checklist_items() if st.session_state.get(f"ao_chk_{id_ctg}_{item}")
    ]
    cache.workspace().save_document(
        ao.CHECKLIST_DOCUMENT_KIND, id_ctg, ao.checklist_payload(checked)
    )


def render_ctgs(result: AoAnalysis) -> None:
    st.subheader("CTG du territoire et contenu du volet petite enfance")
    if not result.ctgs:
        st.info("Aucune CTG de la liste importée ne couvre ce territoire.")
        return
    payloads = checklist_payloads()
    rows = result.ctg_rows.copy()
    progress = [ao.checklist_progress(payloads.get(i)) for i in rows["id_ctg"]]
    phase_labels = {
        "expiree": "Expirée",
        "fin_proche": "Se termine dans les 12 mois",
        "en_cours": "En cours",
    }
    shown = pd.DataFrame(
        {
            "CTG": rows["id_ctg"],
            "Nom": rows["nom"],
            "Échelon": rows["niveau"],
            "Début": pd.to_datetime(rows["date_debut"]).dt.strftime("%d/%m/%Y"),
            "Fin": pd.to_datetime(rows["date_fin"]).dt.strftime("%d/%m/%Y"),
            "Échéance": rows["phase"].map(phase_labels),
            "Signataires": rows["signataires"],
            "Communes couvertes": rows["n_communes_couvertes"],
            "Volet petite enfance (décret 2025-253)": [p.label for p in progress],
            "Avancement": [p.ratio for p in progress],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "Avancement": st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )
    download_table(
        shown.drop(columns=["Avancement"]), "ctg_territoire", source_line(result), key="ctg_export"
    )
    labels = {c.id_ctg: f"{c.nom} ({c.id_ctg})" for c in result.ctgs}
    chosen = st.selectbox(
        "Liste de contrôle de la CTG",
        list(labels),
        format_func=labels.__getitem__,
        key="ao_checklist_ctg",
    )
    p = ao.checklist_progress(payloads.get(chosen))
    st.markdown(
        f"**Le volet petite enfance de la CTG devra désormais comporter spécifiquement** "
        f"(décret n° 2025-253 du 20 mars 2025) — {p.label} élément(s) présent(s) :"
    )
    for item, text in ao.checklist_items():
        st.checkbox(
            text,
            value=item in p.checked,
            key=f"ao_chk_{chosen}_{item}",
            on_change=_save_checklist,
            args=(chosen,),
        )
    st.caption(
        "Les cases cochées sont enregistrées dans l'espace de travail et reprises dans le "
        "pré-diagnostic. Source : Cnaf, circulaire CTG, section 2.2."
    )
