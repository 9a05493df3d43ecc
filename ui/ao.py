"""Streamlit glue of the « Compétences AO et CTG » page (rules in diagnostics/ao.py).

Caching: the whole analysis of a territory is one shared, read-only `st.cache_resource` entry
(ui.cache.ao_analysis) keyed on the territory, the reference date and the workspace revision
(bounded); EPCI outlines are cached as GeoJSON strings. The folium map is rebuilt on every
run (never cached).
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st

from analyses.ao import AoAnalysis
from catalogue.sources import DEMO_LABEL, credit
from datastore import importers
from diagnostics import ao
from diagnostics import ctg_followup as fu
from diagnostics import publication as pub
from diagnostics.formatting import fmt_number
from geodata import layers
from geodata.maps import TIER_COLORS, Overlay, classify_categories
from geodata.territory import Level, Territory
from geodata.tiers import TIER_DESCRIPTIONS, TIERS
from reports import bilan
from reports.prediag import PrediagInputs
from ui import auth, cache, edits, maps, state
from ui import prediag as ui_prediag
from ui import publication as ui_pub
from ui.components import credits, demo_band, download_table, table
from ui.text import md

STATUS_COLORS = {
    ao.STATUS_LABELS[ao.ST_VAUT_SCHEMA]: "#1a9850",
    ao.STATUS_LABELS[ao.ST_CONTENU]: "#a6d96a",
    ao.STATUS_LABELS[ao.ST_CHEVAUCHEMENT]: "#c51b7d",
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


def _analysis(territory_key: str, reference_iso: str, revision: int) -> AoAnalysis:
    """The analysis is cached once in ui/cache.py (shared with the overlays of every map)."""
    return cache.ao_analysis(territory_key, reference_iso, revision)


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
            + "\n".join(f"- {md(e)}" for e in result.errors)
            + "\n\nCorrigez le fichier dans la page « Données et sources »."
        )
    if result.rejected:
        st.warning(
            f"{len(result.rejected)} problème(s) dans la liste des CTG : les CTG concernées sont "
            "laissées de côté, les statuts des autres territoires sont établis normalement.\n\n"
            + "\n".join(f"- {md(e)}" for e in result.rejected)
            + "\n\nCorrigez la liste dans la page « Données et sources ».",
            icon=":material/warning:",
        )
    if result.avenant_errors:
        st.warning(
            "Avenants non pris en compte :\n\n"
            + "\n".join(f"- {md(e)}" for e in result.avenant_errors),
            icon=":material/warning:",
        )
    if result.refused_transfers:
        st.warning(
            "Transferts de compétences non pris en compte :\n\n"
            + "\n".join(f"- {md(e)}" for e in result.refused_transfers),
            icon=":material/gavel:",
        )
    if result.overlaps:
        st.info(
            "CTG qui se chevauchent (statut « "
            + ao.STATUS_LABELS[ao.ST_CHEVAUCHEMENT]
            + " » dans le tableau des AO, qui précise laquelle est retenue pour la planification "
            "et à quoi sert l'autre) :\n\n" + "\n".join(f"- {md(e)}" for e in result.overlaps),
            icon=":material/layers:",
        )


def render_metrics(result: AoAnalysis) -> None:
    t = result.table
    cols = st.columns(4) + st.columns(4)
    cols[0].metric("Autorités organisatrices", fmt_number(len(t)))
    shown = (
        ao.ST_VAUT_SCHEMA,
        ao.ST_CONTENU,
        ao.ST_CHEVAUCHEMENT,
        ao.ST_AVENANT,
        ao.ST_SCHEMA_REQUIS,
        ao.ST_ECHEANCE,
    )
    for col, status in zip(cols[1:], shown, strict=False):
        col.metric(_short_status(status), fmt_number(int((t["statut"] == status).sum())))


def _short_status(status: str) -> str:
    return {
        ao.ST_VAUT_SCHEMA: "CTG vaut schéma",
        ao.ST_CONTENU: "Contenu à compléter",
        ao.ST_CHEVAUCHEMENT: "CTG qui se chevauchent",
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
    clicked = maps.show_map(m, key="ao_map", height=520, overlays_of=territory)
    state.select_clicked(Level.COMMUNE, clicked, territory)  # a click selects the commune
    st.caption("Cliquez sur un territoire de la carte pour le sélectionner.")
    if layer == LAYER_TIER:
        st.caption(" ; ".join(f"**{t}** : {TIER_DESCRIPTIONS[t]}" for t in TIERS))
    credits([*result.sources, credit("ign_admin_express_2025")])


# ------------------------------------------------------------------------------- table
_AO_DISPLAY = {
    "ao_type": "Type",
    "ao_code": "Code",
    "ao_nom": "Autorité organisatrice",
    "statut_libelle": "Statut",
    "statut_planification": "Statut au titre de la planification",
    "detail": "Ce qu'il faut faire",
    "population": "Population (seuils)",
    "strate": "Strate",
    "schema": "Schéma pluriannuel",
    "contenu": "Contenu de la CTG retenue (liste du décret)",
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


#: Columns of the AO table shown first on screen (name pinned, then the action).
AO_SCREEN_FIRST = ("Autorité organisatrice", "Ce qu'il faut faire", "Statut", "Code", "Type")
MAX_ROWS_ALL = 2_000  # above, « non concerné » is unticked by default
MAX_ROWS_SHOWN = 3_000  # rows sent to the browser (exports hold every filtered row)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """French, export-ready copy of the AO table."""
    out = table[list(_AO_DISPLAY)].copy()
    out["ao_type"] = out["ao_type"].map(ao.HOLDER_LABELS)
    out["statut_planification"] = out["statut_planification"].map(ao.STATUS_LABELS)
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
    table(  # French numbers (« 15 764 »), right-aligned (reports.tables.display_frame)
        shown,
        height=380,
        # what to do and for whom first, so that both fit at 1024 px (the export keeps the
        # order of display_table)
        column_order=[*AO_SCREEN_FIRST, *(c for c in shown.columns if c not in AO_SCREEN_FIRST)],
        column_config={
            "Autorité organisatrice": st.column_config.TextColumn(pinned=True, width="medium"),
            "Ce qu'il faut faire": st.column_config.TextColumn(width="large"),
        },
    )
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
    """Store the ticks and the links of one CTG's checklist (both from the widgets)."""
    checked = [
        item for item, _ in ao.checklist_items() if st.session_state.get(f"ao_chk_{id_ctg}_{item}")
    ]
    links = {
        item: st.session_state.get(f"ao_link_{id_ctg}_{item}") or ""
        for item in ao.CHECKLIST_LINK_KINDS
    }
    cache.workspace().save_document(
        ao.CHECKLIST_DOCUMENT_KIND, id_ctg, ao.checklist_payload(checked, links)
    )


PHASE_LABELS = {
    "expiree": "Expirée",
    "fin_proche": "Se termine dans les 12 mois",
    "en_cours": "En cours",
}
NO_LINK = ""


def _date_fr(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%d/%m/%Y").fillna("—")


def render_ctgs(result: AoAnalysis) -> None:
    st.subheader("CTG du territoire et contenu du volet petite enfance")
    if not result.ctgs:
        st.info("Aucune CTG de la liste importée ne couvre ce territoire.")
        return
    payloads = checklist_payloads()
    published = cache.workspace().documents(pub.published_kind(pub.CHECKLIST))
    rows = result.ctg_rows.copy()
    progress = [ao.checklist_progress(payloads.get(i)) for i in rows["id_ctg"]]
    shown = pd.DataFrame(
        {
            "CTG": rows["id_ctg"],
            "Nom": rows["nom"],
            "Échelon": rows["niveau"],
            "Début": _date_fr(rows["date_debut"]),
            "Fin (en vigueur)": _date_fr(rows["date_fin"]),
            "Fin initiale": _date_fr(rows["date_fin_initiale"]),
            "Échéance": rows["phase"].map(PHASE_LABELS),
            "Signataires": rows["signataires"],
            "Communes couvertes": rows["n_communes_couvertes"],
            "Avenants": rows["avenants"].replace("", "—"),
            "Chevauche": rows["chevauchements"].replace("", "—"),
            "Volet petite enfance (décret 2025-253)": [p.label for p in progress],
            "Avancement": [p.ratio for p in progress],
            "Liste publiée": [_published_label(published.get(i)) for i in rows["id_ctg"]],
            "Remarques": rows["remarques"],
        }
    )
    table(
        shown,
        raw=["Avancement"],
        column_config={
            "Avancement": st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )
    st.caption(
        "« Fin (en vigueur) » tient compte des avenants de prolongation ; c'est elle qui décide "
        "de l'échéance, de la carte des CTG se terminant dans les 12 mois et des statuts."
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
        f"(décret n° 2025-253 du 20 mars 2025) — {p.label} élément(s) présent(s) ; la CTG ne vaut "
        "schéma que lorsque le titulaire de la planification l'a signée **et** que les onze "
        "éléments y figurent :"
    )
    links = dict(p.links)
    for item, text in ao.checklist_items():
        st.checkbox(
            text,
            value=item in p.checked,
            key=f"ao_chk_{chosen}_{item}",
            on_change=_save_checklist,
            args=(chosen,),
        )
        if item in ao.CHECKLIST_LINK_KINDS:
            _link_input(chosen, item, links.get(item, NO_LINK))
    st.caption(
        "Les cases cochées sont enregistrées dans l'espace de travail comme brouillon de la liste "
        "de cette CTG et reprises dans le statut des AO de cette page ; le pré-diagnostic, le lot, "
        "le bilan et la vue atelier ne reprennent que la version publiée. Source : Cnaf, "
        "circulaire CTG, section 2.2."
    )
    ui_pub.publish_controls(
        pub.CHECKLIST,
        chosen,
        pub.checklist_territory(chosen),
        payloads.get(chosen) or ao.checklist_payload([]),
        key=f"ao_chk_{chosen}",
    )


def _published_label(doc: object) -> str:
    """« 7/11, le 01/12/2026 » or « non publiée » for the CTG table."""
    if not isinstance(doc, dict):
        return "non publiée"
    return f"{ao.checklist_progress(doc).label}, le {pub.date_fr(doc.get(pub.PUBLISHED_AT))}"


def _link_input(id_ctg: str, item: str, current: str) -> None:
    kind = ao.CHECKLIST_LINK_KINDS[item]
    saved = sorted(cache.workspace().documents(kind))
    what = "zonage" if item == "zones" else "trajectoire"
    if not saved:
        st.caption(
            f"↳ Aucun(e) {what} enregistré(e) dans l'espace de travail à rattacher à cet élément"
            + (" (page « Zones sous-dotées »)." if item == "zones" else ".")
        )
        return
    options = [NO_LINK, *saved]
    st.selectbox(
        f"↳ {what.capitalize()} enregistré(e) qui documente cet élément",
        options,
        index=options.index(current) if current in options else 0,
        format_func=lambda v: "— aucun —" if v == NO_LINK else v,
        key=f"ao_link_{id_ctg}_{item}",
        on_change=_save_checklist,
        args=(id_ctg,),
    )


# ------------------------------------------------------------------- avenants (editable)
AVENANT_LABELS = {
    "id_ctg": "CTG",
    "date_avenant": "Date de l'avenant",
    "objet": "Objet",
    "signataires_ajoutes": "Signataires ajoutés (codes INSEE / SIREN)",
    "nouvelle_date_fin": "Nouvelle date de fin",
}
EDIT_PRODUCER = edits.EDIT_PRODUCER


def ctg_slice(ids: list[str]) -> importers.Slice:
    """What a save of the avenants or follow-up editor replaces: the rows of these CTG only
    (every other CTG's rows keep their figures and their provenance)."""
    label = f"de la CTG {ids[0]}" if len(ids) == 1 else f"des {len(ids)} CTG de ce territoire"
    return importers.Slice(only=(("id_ctg", tuple(ids)),), label=label)


def _save_rows(
    kind: str, edited: pd.DataFrame, ids: list[str], revision: int, file_name: str
) -> bool:
    """Validate the edited rows of the CTG `ids` with the importer of `kind` (same French
    messages as a file), then store them in place of these CTG's rows only (ui.edits):
    refused, nothing stored, for a row of another CTG or a workspace changed since
    `revision`, the one the editor was read from."""
    return edits.save_slice(kind, edited, ctg_slice(ids), revision, file_name)


def _canonical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.drop(columns="dataset_id", errors="ignore").copy()
    for c in columns:
        if c not in out.columns:
            out[c] = pd.NA
    return out[columns]


def _dates_for_csv(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
    return out


def render_avenants(result: AoAnalysis) -> None:
    st.subheader("Avenants et prolongations")
    if not result.ctgs:
        return
    st.caption(
        f"« {ao.S_AVENANTS} » « {ao.S_RENEGOCIER} » (circulaire, section 2.2). Une nouvelle "
        "date de fin prolonge la CTG : les échéances, la carte et les statuts l'utilisent."
    )
    cols = list(AVENANT_LABELS)
    revision = cache.revision()  # the rows below are this revision's (checked at the save)
    ds = cache.dataset("ctg_avenants")
    every = _canonical(ds.frame, cols)
    ids = [c.id_ctg for c in result.ctgs]
    mine = every["id_ctg"].astype(str).isin(ids)
    shown = every.loc[mine].reset_index(drop=True)
    for c in ("date_avenant", "nouvelle_date_fin"):
        shown[c] = pd.to_datetime(shown[c]).dt.date
    edited = st.data_editor(
        shown.rename(columns=AVENANT_LABELS),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="ao_avenants_editor",
        column_config={
            "CTG": st.column_config.SelectboxColumn(options=ids, required=True),
            "Date de l'avenant": st.column_config.DateColumn(format="DD/MM/YYYY", required=True),
            "Objet": st.column_config.TextColumn(required=True),
            "Nouvelle date de fin": st.column_config.DateColumn(format="DD/MM/YYYY"),
        },
    )
    credits(ds.credits())
    if st.button("Enregistrer les avenants", key="ao_avenants_save"):
        back = edited.rename(columns={v: k for k, v in AVENANT_LABELS.items()})
        dates = ("date_avenant", "nouvelle_date_fin")
        if _save_rows(
            "ctg_avenants",
            _dates_for_csv(back[cols].dropna(how="all"), dates),
            ids,
            revision,
            "avenants_saisis.csv",
        ):
            st.rerun()


# ------------------------------------------------------- follow-up table and bilans (2.3.2)
def render_followup(result: AoAnalysis) -> None:
    st.subheader("Suivi du plan d'actions et bilans (socle minimum d'évaluation)")
    if not result.ctgs:
        return
    st.caption(
        f"« {fu.S_TABLEAU_SUIVI} » (circulaire, section 2.3.2), actualisé idéalement chaque "
        "trimestre. Saisissez les lignes ci-dessous ou importez un fichier « Tableau de suivi du "
        "plan d'actions des CTG » dans la page « Données et sources »."
    )
    labels = {c.id_ctg: f"{c.nom} ({c.id_ctg})" for c in result.ctgs}
    chosen = st.selectbox(
        "CTG suivie", list(labels), format_func=labels.__getitem__, key="ao_followup_ctg"
    )
    ctg = next(c for c in result.ctgs if c.id_ctg == chosen)
    cal = fu.calendar(ctg)
    st.info(cal.diagnostic_text(), icon=":material/event:")
    revision = cache.revision()  # the rows below are this revision's (checked at the save)
    ds = cache.dataset("ctg_suivi")
    every = _canonical(ds.frame, fu.FOLLOWUP_COLUMNS)
    rows = fu.followup_of(every, chosen)
    shown = fu.display_followup(rows.drop(columns=["id_ctg"]))
    edited = st.data_editor(
        shown,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"ao_followup_editor_{chosen}",
        column_config={
            "Thématique": st.column_config.TextColumn(required=True),
            "Action": st.column_config.TextColumn(required=True),
            "Indicateur": st.column_config.TextColumn(required=True),
            "Année": st.column_config.NumberColumn(
                min_value=2000, max_value=2100, step=1, format="%d", required=True
            ),
            "Trimestre": st.column_config.NumberColumn(min_value=1, max_value=4, step=1),
            "État d'avancement": st.column_config.SelectboxColumn(
                options=list(fu.STATUTS), required=True
            ),
        },
    )
    source = " ; ".join([bilan.SUIVI_SOURCE, *ds.credits()])
    c1, c2 = st.columns([1, 2])
    if c1.button("Enregistrer le suivi", key="ao_followup_save", type="primary"):
        back = fu.from_display(edited, chosen)
        if _save_rows("ctg_suivi", back, [chosen], revision, f"suivi_saisi_{chosen}.csv"):
            st.rerun()
    with c2:
        download_table(
            fu.display_followup(rows), f"suivi_{chosen}", source, key="ao_followup_export"
        )
    render_bilan(result, ctg)


def render_bilan(result: AoAnalysis, ctg: ao.Ctg) -> None:
    default = fu.default_bilan_kind(ctg, result.reference_date)
    kinds = list(fu.BILAN_LABELS)
    kind = st.radio(
        "Bilan",
        kinds,
        index=kinds.index(default),
        format_func=fu.BILAN_LABELS.__getitem__,
        horizontal=True,
        key=f"ao_bilan_kind_{ctg.id_ctg}",
        help="Bilan intermédiaire à mi-parcours ; bilan final au terme de la CTG, pour préparer "
        "son renouvellement. Les parties « petite enfance » sont communiquées au CDSF lorsque la "
        "CTG tient lieu de schéma.",
    )
    request = (ctg.id_ctg, kind)
    if st.button("Préparer le bilan (PDF et XLSX)", key="ao_bilan_build"):
        st.session_state["ao_bilan_request"] = request
    if st.session_state.get("ao_bilan_request") != request:
        return
    pdf_data, xlsx_data = _bilan_files(
        ctg.id_ctg, kind, result.reference_date.isoformat(), cache.revision(), ctg
    )
    base = f"bilan_{kind}_{ctg.id_ctg}"
    d1, d2 = st.columns(2)
    auth.download_button(
        d1,
        "Télécharger le bilan (PDF)",
        pdf_data,
        file_name=f"{base}.pdf",
        mime="application/pdf",
        key="ao_bilan_pdf",
        export="ao",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        width="stretch",
        type="primary",
    )
    auth.download_button(
        d2,
        "Tableaux du bilan (XLSX)",
        xlsx_data,
        file_name=f"{base}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="ao_bilan_xlsx",
        export="ao",
        on_click="ignore",
        icon=":material/table:",
        width="stretch",
    )


@st.cache_data(show_spinner="Préparation du bilan…", max_entries=8)
def _bilan_files(
    id_ctg: str,  # noqa: ARG001 - Streamlit cache key
    kind: str,
    reference_iso: str,
    revision: int,  # noqa: ARG001 - Streamlit cache key
    _ctg: ao.Ctg,
) -> tuple[bytes, bytes]:
    """PDF and XLSX of a bilan, cached per CTG, kind, reference date and workspace revision
    (the CTG, avenants applied, is a function of these)."""
    base = ui_prediag.inputs()
    inputs = PrediagInputs(
        base.geo, base.datasets, base.documents, date.fromisoformat(reference_iso), base.memo
    )
    ds = cache.dataset("ctg_suivi")
    geo = cache.geography()
    names = dict(zip(geo.communes["code_insee"], geo.communes["nom"], strict=True))
    names.update(zip(geo.epci["siren_epci"], geo.epci["nom"], strict=True))
    b = bilan.build_bilan(
        _ctg,
        kind,
        inputs,
        ds.frame,
        tuple(ds.credits()),
        {str(k): str(v) for k, v in names.items()},
    )
    return bilan.render_pdf(b), bilan.render_xlsx(b)
