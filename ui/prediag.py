"""Streamlit glue of the « Pré-diagnostic CTG » page and the workshop view.

Caching: the pre-diagnostic inputs (reference geography + workspace datasets) are one
`st.cache_resource` entry per workspace revision (read-only; its memo only stores derived
values); a pre-diagnostic, its PDF and its XLSX are `st.cache_data` entries
keyed on the subject, the workspace revision and the date (bounded). Subjects are passed to
cached functions as plain tuples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import partial

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analyses.overlays import point_radius
from catalogue.sources import DEMO_LABEL
from diagnostics import publication as pub
from diagnostics.formatting import fmt_number
from geodata import layers as geolayers
from geodata.layers import MapPayload
from geodata.maps import POINT_COLOR, POINT_EDGE_COLOR, Overlay, build_map
from geodata.territory import Level, Territory
from reports import charts
from reports.batch import DOCUMENT_KINDS, KINDS, prediag_xlsx, workspace_inputs
from reports.pdf import render_pdf
from reports.prediag import (
    ChartSpec,
    Prediag,
    PrediagInputs,
    Section,
    Subject,
    build_prediag,
    ctg_departements,
    subject_from_communes,
    subject_from_ctg,
    subject_from_territory,
)
from ui import auth, cache, maps, state
from ui import publication as ui_pub
from ui.components import chart, credits, demo_band, table
from ui.text import md, url_query

MODE_TERRITORY = "Le territoire sélectionné"
MODE_CTG = "Une CTG importée"
MODE_SELECTION = "Une sélection de communes"
MODES = (MODE_TERRITORY, MODE_CTG, MODE_SELECTION)


@st.cache_resource(show_spinner="Préparation des données du pré-diagnostic…", max_entries=2)
def _inputs(revision: int) -> PrediagInputs:  # noqa: ARG001 - Streamlit cache key
    datasets = {k: cache.dataset(k) for k in KINDS}
    return workspace_inputs(cache.workspace(), cache.geography(), datasets=datasets)


def inputs() -> PrediagInputs:
    return _inputs(cache.revision())


def _subject_args(subject: Subject) -> tuple:
    return (subject.kind, subject.code, subject.name, subject.communes, subject.notes)


#: Drafts picked for a preview, as a cache key: ((kind, version, territory), ...).
PreviewKey = tuple[tuple[str, str, str], ...]


def preview_key(previews: tuple[pub.Preview, ...]) -> PreviewKey:
    return tuple((p.kind, p.version, p.territory) for p in previews)


def _documents(base: PrediagInputs, previews: PreviewKey) -> Mapping[str, Mapping[str, object]]:
    """The published documents, with the drafts of `previews` in place of the published
    versions of their territories (read from the workspace, as they are now)."""
    if not previews:
        return base.documents
    ws = cache.workspace()
    picked = []
    for kind, version, territory in previews:
        doc = ws.document(kind, version)
        if isinstance(doc, Mapping):
            picked.append(pub.Preview(kind, version, territory, doc))
    stored = {k: ws.documents(k) for k in DOCUMENT_KINDS}
    return pub.official_documents(stored, picked)


@st.cache_data(show_spinner="Calcul du pré-diagnostic…", max_entries=16)
def _prediag(args: tuple, revision: int, today: date, previews: PreviewKey = ()) -> Prediag:  # noqa: ARG001 - Streamlit cache key
    base = inputs()
    dated = PrediagInputs(base.geo, base.datasets, _documents(base, previews), today, base.memo)
    return build_prediag(Subject(*args), dated)


def prediag(subject: Subject, previews: PreviewKey = ()) -> Prediag:
    return _prediag(_subject_args(subject), cache.revision(), date.today(), previews)


@st.cache_data(show_spinner="Préparation du PDF…", max_entries=8)
def _pdf(
    args: tuple,
    revision: int,
    today: date,
    previews: PreviewKey = (),
    layers: tuple = (),  # noqa: ARG001 - Streamlit cache key
    _overlays: tuple = (),
) -> bytes:
    renderer = partial(charts.render, overlays=_overlays)
    return render_pdf(_prediag(args, revision, today, previews), chart_renderer=renderer)


@st.cache_data(show_spinner=False, max_entries=8)
def _xlsx(args: tuple, revision: int, today: date, previews: PreviewKey = ()) -> bytes:
    return prediag_xlsx(_prediag(args, revision, today, previews))


def pdf_bytes(subject: Subject, previews: PreviewKey = ()) -> bytes:
    """The PDF, its maps drawn with the overlays that are on (ui.maps.overlay_control)."""
    overlays = subject_overlays(subject)
    return _pdf(
        _subject_args(subject),
        cache.revision(),
        date.today(),
        previews,
        _layers_key(overlays),
        overlays,
    )


def overlay_territory(subject: Subject) -> Territory | None:
    """The territory whose shared overlays the subject's maps draw: the département of its
    first commune (the overlays are cut once per département, the map frames the subject)."""
    communes = cache.geography().communes
    rows = communes.loc[communes["code_insee"].isin(list(subject.communes)[:1]), "dep"]
    if rows.empty or pd.isna(rows.iloc[0]):
        return None
    return Territory(Level.DEPARTEMENT, str(rows.iloc[0]), "")


def subject_overlays(subject: Subject) -> tuple[Overlay, ...]:
    """The overlays that are on, for the maps of the subject (page, PDF, workshop view)."""
    territory = overlay_territory(subject)
    if territory is None or not state.overlay_keys():
        return ()
    return tuple(maps.current_overlays(territory, official=True))


def _layers_key(overlays: Sequence[Overlay]) -> tuple:
    return tuple((o.key, o.n_features, hash(o.data), o.legend) for o in overlays)


def overlay_control(subject: Subject, p: Prediag) -> list[Overlay]:
    """The one layer control of the pre-diagnostic's maps (when it has maps): the overlays to
    draw on them, in the PDF and the workshop view (published zonings only)."""
    territory = overlay_territory(subject)
    has_map = any(c.kind == "carte" for s in p.sections for c in s.charts)
    if territory is None or not has_map:
        return []
    chosen = maps.overlay_control(territory, "prediag", official=True)
    st.caption(
        "Couches dessinées sur les cartes du pré-diagnostic, de son PDF et de la vue atelier."
    )
    return chosen


# ----------------------------------------------------------------------------- live maps

#: Legend titles of the pre-diagnostic's maps (reports.prediag map specifications).
MAP_LEGEND_TITLES = {
    "carte_densite": "Niveau de densité (grille INSEE)",
    "carte_zones": "Zones prioritaires (zonages publiés)",
    "carte_eaje": "",
}
MAP_HEIGHT = 460


@st.cache_data(show_spinner=False, max_entries=16)
def _communes_payload(codes: tuple[str, ...]) -> MapPayload:
    return geolayers.communes_payload(codes)


def _points_overlay(points: pd.DataFrame) -> Overlay:
    """The EAJE of a map specification as points, sized by places (as on the static map)."""
    gdf = gpd.GeoDataFrame(
        {
            "tip": [f"EAJE · {fmt_number(t)} places" for t in points["taille"]],
            "rayon": point_radius(points["taille"]).to_numpy(),
        },
        geometry=gpd.points_from_xy(points["longitude"], points["latitude"]),
        crs="EPSG:4326",
    )
    return Overlay(
        data=gdf,
        name="EAJE",
        key="eaje",
        kind="points",
        stroke=POINT_EDGE_COLOR,
        fill=POINT_COLOR,
        fill_opacity=0.85,
        tooltip_column="tip",
        radius_property="rayon",
        legend_label="EAJE (taille selon les places)",
        n_features=len(gdf),
    )


def live_map(subject: Subject, spec: ChartSpec, height: int = MAP_HEIGHT) -> folium.Map:
    """The live map of one of the pre-diagnostic's maps: its communes coloured by class with
    the colours and legend of the PDF's static map (reports.charts.class_colours), its EAJE
    points, the département outline; the shared overlays are added by the caller."""
    df = spec.data
    codes = tuple(df["code_insee"].astype(str))
    values = tuple(df["valeur"].astype(str))
    colours, legend = charts.class_colours(codes, values)
    legend_title = MAP_LEGEND_TITLES.get(spec.id, spec.legend_title)
    tooltip = (
        pd.DataFrame({legend_title or "Classe": list(values)}, index=list(codes))
        if legend
        else None
    )
    own = []
    if spec.points is not None and not spec.points.empty:
        own.append(_points_overlay(spec.points))
    dep = overlay_territory(subject)
    return build_map(
        Level.COMMUNE,
        dep or Territory(Level.COMMUNE, "", ""),
        colours,
        legend,
        title="",
        legend_title=legend_title,
        credit=spec.source,
        tooltip=tooltip,
        overlays=own,
        payload=_communes_payload(codes),
        outlines=maps.outlines(dep) if dep is not None else None,
        height=height,
    )


def show_live_map(
    subject: Subject, spec: ChartSpec, chosen: Sequence[Overlay], key: str, height: int
) -> None:
    """Draw a live map of the pre-diagnostic with the overlays `chosen` and their credits."""
    maps.show_map(live_map(subject, spec, height), key, False, height, overlays=chosen)
    maps.overlay_credits(chosen)


MapSlot = tuple[ChartSpec, str, object]  # specification, component key, container


@st.fragment
def _maps_and_downloads(
    subject: Subject, p: Prediag, previews: PreviewKey, slots: list[MapSlot], downloads
) -> None:
    """The layer control, the live maps (drawn into their sections' containers) and the
    download row: turning an overlay on or off reruns only this fragment — the maps get the
    overlay in place, the PDF is the one drawn with the new overlays, and the
    pre-diagnostic is neither rebuilt nor redrawn."""
    chosen = overlay_control(subject, p)
    for spec, key, slot in slots:
        with slot:  # type: ignore[attr-defined]
            show_live_map(subject, spec, chosen, key, MAP_HEIGHT)
    with downloads:
        render_downloads(subject, previews)


def xlsx_bytes(subject: Subject, previews: PreviewKey = ()) -> bytes:
    return _xlsx(_subject_args(subject), cache.revision(), date.today(), previews)


def choose_previews(subject: Subject) -> PreviewKey:
    """Drafts the user picks for a watermarked preview (none: the official version)."""
    return preview_key(ui_pub.draft_previews(subject.key, subject.communes, key="prediag_previews"))


# ----------------------------------------------------------------------------- subject


@st.cache_data(show_spinner=False, max_entries=4)
def _ctg_departements(revision: int) -> dict[str, frozenset[str]]:  # noqa: ARG001 - Streamlit cache key
    ds = cache.dataset("ctg")
    return {} if ds.empty else ctg_departements(cache.geography(), ds.frame)


def territory_departement(territory: Territory) -> str | None:
    """Département of a commune, EPCI (main one) or département; None for larger levels."""
    if territory.level is Level.DEPARTEMENT:
        return territory.code
    if territory.level in (Level.COMMUNE, Level.EPCI):
        communes = cache.geography().communes
        col = "code_insee" if territory.level is Level.COMMUNE else "siren_epci"
        rows = communes.loc[communes[col] == territory.code]
        if not rows.empty:
            return str(rows.groupby("dep")["population"].sum().sort_values().index[-1])
    return None


def ctg_options(departement: str | None = None) -> dict[str, str]:
    """id_ctg -> label, sorted by name, optionally only the CTG touching a département
    (empty when no CTG list is imported)."""
    ds = cache.dataset("ctg")
    if ds.empty:
        return {}
    f = ds.frame.sort_values("nom")
    if departement:
        deps = _ctg_departements(cache.revision())
        f = f.loc[[departement in deps.get(str(i), ()) for i in f["id_ctg"]]]
    return {str(i): f"{n} ({i})" for i, n in zip(f["id_ctg"], f["nom"], strict=True)}


def ctg_subject(ctg_id: str) -> Subject | None:
    ds = cache.dataset("ctg")
    rows = ds.frame.loc[ds.frame["id_ctg"] == ctg_id]
    if rows.empty:
        return None
    return subject_from_ctg(cache.geography(), rows.iloc[0].to_dict())


def _commune_choices(territory: Territory) -> pd.DataFrame:
    communes = cache.geography().communes
    dep = territory.code if territory.level is Level.DEPARTEMENT else None
    if territory.level in (Level.COMMUNE, Level.EPCI):
        row = communes.loc[
            communes["code_insee" if territory.level is Level.COMMUNE else "siren_epci"]
            == territory.code
        ]
        dep = str(row["dep"].iloc[0]) if not row.empty else None
    if dep is None:
        return communes.iloc[0:0]
    return communes.loc[communes["dep"] == dep].sort_values("nom")


def choose_subject(territory: Territory) -> Subject | None:
    """The subject picker: selected territory, an imported CTG, or a list of communes."""
    params = st.query_params
    default = (
        MODE_CTG
        if params.get("ctg")
        else MODE_SELECTION
        if params.get("communes")
        else MODE_TERRITORY
    )
    mode = st.radio(
        "Pré-diagnostic pour",
        MODES,
        index=MODES.index(default),
        horizontal=True,
        key="prediag_mode",
    )
    geo = cache.geography()
    for key, owner in (("ctg", MODE_CTG), ("communes", MODE_SELECTION)):
        if mode != owner and key in params:
            del params[key]  # the URL names only what is shown
    if mode == MODE_TERRITORY:
        if territory.level not in (Level.COMMUNE, Level.EPCI):
            st.info(
                "Choisissez une commune ou un EPCI dans le volet latéral (recherche par nom ou code), "
                "ou bien une CTG importée ou une sélection de communes ci-dessus."
            )
            return None
        return subject_from_territory(geo, territory)
    if mode == MODE_CTG:
        dep = territory_departement(territory)
        everywhere = st.toggle(
            "Toutes les CTG de France",
            value=dep is None,
            key="prediag_all_ctg",
            disabled=dep is None,
            help="Par défaut, la liste se limite au département du territoire sélectionné.",
        )
        options = ctg_options(None if everywhere else dep)
        wanted = params.get("ctg")
        if wanted and wanted not in options:
            options = {**ctg_options(None), **options}
        if not options:
            st.info(
                "Aucune liste de CTG dans l'espace de travail : importez le type « Liste des CTG » dans la "
                "page « Données et sources »."
            )
            return None
        wanted = params.get("ctg")
        keys = list(options)
        index = keys.index(wanted) if wanted in options else 0
        ctg_id = st.selectbox(
            "CTG", keys, index=index, format_func=options.__getitem__, key="prediag_ctg"
        )
        if params.get("ctg") != ctg_id:
            params["ctg"] = ctg_id
        return ctg_subject(ctg_id)
    choices = _commune_choices(territory)
    if choices.empty:
        st.info(
            "Choisissez d'abord dans le volet latéral un département, un EPCI ou une commune : la liste "
            "propose les communes de son département."
        )
        return None
    labels = dict(
        zip(
            choices["code_insee"].astype(str),
            choices["nom"].astype(str) + " (" + choices["code_insee"].astype(str) + ")",
            strict=True,
        )
    )
    preset = [c for c in str(params.get("communes", "")).split(",") if c in labels]
    picked = st.multiselect(
        "Communes",
        list(labels),
        default=preset,
        format_func=labels.__getitem__,
        key="prediag_communes",
        placeholder="Choisissez une ou plusieurs communes",
    )
    if not picked:
        st.caption("La sélection est vide.")
        return None
    wanted_param = ",".join(sorted(picked))
    if params.get("communes") != wanted_param:
        params["communes"] = wanted_param
    return subject_from_communes(geo, picked)


# ----------------------------------------------------------------------------- rendering


def render_header(p: Prediag) -> None:
    st.subheader(md(p.subject.title))
    if p.drafts:
        st.error(
            f"**{pub.WATERMARK}** — aperçu avec "
            + " ; ".join(md(d) for d in p.drafts)
            + ". Le PDF porte cette mention sur chaque page ; videz le choix d'aperçu pour "
            "revenir à la version officielle (versions publiées seulement).",
            icon=":material/draft:",
        )
    st.caption(
        f"{len(p.subject.communes)} commune(s) · comparaison avec : "
        + ", ".join(md(c.label) for c in p.comparisons)
        + f" · édité le {p.generated:%d/%m/%Y}"
    )
    for note in p.subject.notes:
        st.warning(md(note))
    if p.synthetic:
        demo_band(
            True,
            "une partie des chiffres de ce pré-diagnostic (sections : "
            + ", ".join(md(s.title) for s in p.sections if s.synthetic)
            + ")",
        )


def render_downloads(subject: Subject, previews: PreviewKey = ()) -> None:
    """PDF and XLSX download buttons. The files are built when the buttons are drawn (cached per
    subject, data revision and day; about 1 s for a PDF the first time), not on click: a plain
    download link is what Caf networks and browsers handle best, and the page draws this row
    last (see render_prediag), so the sections are never kept waiting. No rerun on click."""
    base = f"pre-diagnostic_{subject.kind}_{subject.code or 'selection'}" + (
        "_brouillon" if previews else ""
    )
    c1, c2, c3 = st.columns(3)
    auth.download_button(
        c1,
        "Télécharger le PDF",
        pdf_bytes(subject, previews),
        file_name=f"{base}.pdf",
        mime="application/pdf",
        key="prediag_pdf",
        export="prediagnostic",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        width="stretch",
        type="primary",
    )
    auth.download_button(
        c2,
        "Tableaux (XLSX)",
        xlsx_bytes(subject, previews),
        file_name=f"{base}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="prediag_xlsx",
        export="prediagnostic",
        on_click="ignore",
        icon=":material/table:",
        width="stretch",
    )
    c3.markdown(f"[Ouvrir la vue atelier (élus)](atelier?{atelier_query(subject)})")


def atelier_query(subject: Subject, diapo: int = 1) -> str:
    """Query string of the workshop view for a subject, every value percent-encoded (a CTG id
    comes from an imported file); the overlays that are on go with it (`couches`, `zonage`)."""
    if subject.kind in ("commune", "epci"):
        params: dict[str, object] = {"niveau": subject.kind, "code": subject.code}
    elif subject.kind == "ctg":
        params = {"ctg": subject.code}
    else:
        params = {"communes": ",".join(subject.communes)}
    params["diapo"] = diapo
    keys = state.overlay_keys()
    if keys:
        params[state.OVERLAY_PARAM] = ",".join(keys)
        if state.zoning_choice():
            params[state.ZONING_PARAM] = state.zoning_choice()
    return url_query(params)


def render_section(section: Section, slots: list[MapSlot]) -> None:
    """A section; its maps get a container each (`slots`), filled by _maps_and_downloads."""
    demo_band(section.synthetic, section.title)
    if section.figures:
        cols = st.columns(min(len(section.figures), 4))
        for i, f in enumerate(section.figures):
            cols[i % len(cols)].metric(md(f.label), f.text)
        credits(dict.fromkeys(f.source for f in section.figures))
    if section.sentences:
        st.markdown("\n".join(f"- {md(s)}" for s in section.sentences))
    for i, c in enumerate(section.charts):
        if c.kind == "carte":
            st.markdown(f"**{md(c.title)}**")
            slots.append((c, f"prediag_map_{section.id}_{c.id}_{i}", st.container()))
        else:  # the PDF draws the same specification (charts.static)
            chart(c, key=f"prediag_{section.id}_{c.id}_{i}")
        if c.note:
            st.caption(md(c.note))
        credits(c.source.split(" ; ") + ([f"« {DEMO_LABEL} »"] if c.synthetic else []))
    for t in section.tables:
        st.markdown(f"**{md(t.title)}**")
        table(t.frame)
        if t.note:
            st.caption(md(t.note))
        credits(t.source.split(" ; ") + ([f"« {DEMO_LABEL} »"] if t.synthetic else []))
    if section.missing:
        st.info(
            "**Données non disponibles dans l'espace de travail**\n\n"
            + "\n".join(f"- {md(m)}" for m in section.missing)
        )


def render_prediag(p: Prediag, previews: PreviewKey = ()) -> None:
    render_header(p)
    control = st.container()
    downloads = st.container()  # filled last: the sections show while the PDF is built
    tabs = st.tabs([s.title for s in p.sections])
    slots: list[MapSlot] = []
    for tab, section in zip(tabs, p.sections, strict=True):
        with tab:
            render_section(section, slots)
    with control:
        _maps_and_downloads(p.subject, p, previews, slots, downloads)
