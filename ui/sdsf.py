"""The « Schéma départemental (SDSF) » page: caches the SDSF analysis of a département
(analyses/sdsf.py) and draws its sections, the map of places to develop, the editors of the
targets and of the EAJE projects register, and the PDF/XLSX downloads."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st

from analyses import sdsf as asdsf
from datastore import importers
from datastore.kinds import Analysis, kinds_read_by
from diagnostics import sdsf
from diagnostics.formatting import fmt_number, fmt_signed
from geodata.maps import Overlay, classify_bins
from geodata.territory import Level, Territory, make_territory
from reports import prediag
from reports import sdsf as rsdsf
from reports.prediag import PrediagInputs, Section
from ui import auth, cache, edits, maps, state
from ui.components import chart, credits, demo_band, download_table, table
from ui.text import md

KINDS = kinds_read_by(Analysis.SDSF)
EDIT_PRODUCER = edits.EDIT_PRODUCER
PROJECT_STROKE = "#6a3d9a"
TERRITORY_STROKE = "#252525"
PLACES_BINS = (0.0, 0.5, 10.0, 25.0, 50.0, 100.0, 1e12)
PLACES_LABELS = ("aucune", "1 à 10", "10 à 25", "25 à 50", "50 à 100", "plus de 100")
PLACES_PALETTE = ("#f7f7f7", "#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
WHOLE_DEPARTEMENT = ""  # the trajectory selector's value for the whole département
SAVED_KEY = "sdsf_saved"  # session key of the last save's confirmation


def inputs() -> asdsf.SdsfInputs:
    from diagnostics import ao as dao

    return asdsf.SdsfInputs(
        {k: cache.dataset(k) for k in KINDS},
        dict(cache.workspace().documents(dao.CHECKLIST_DOCUMENT_KIND)),
    )


@st.cache_data(show_spinner="Calcul du schéma départemental…", max_entries=16)
def _analysis(
    dep: str,
    settings: asdsf.SdsfSettings,
    reference_iso: str,
    revision: int,  # noqa: ARG001 - Streamlit cache key
) -> asdsf.SdsfAnalysis:
    from ui import ao as ui_ao

    geo = cache.geography()
    ref = date.fromisoformat(reference_iso)
    territory = make_territory(geo, Level.DEPARTEMENT, dep)
    return asdsf.sdsf_analysis(geo, dep, inputs(), settings, ref, ui_ao.analysis(territory, ref))


def analysis(dep: str, settings: asdsf.SdsfSettings) -> asdsf.SdsfAnalysis:
    return _analysis(dep, settings, state.reference_date().isoformat(), cache.revision())


def _official_inputs() -> PrediagInputs:
    """The pre-diagnostic's inputs (published documents only: no draft zoning in the SDSF
    page's département sections nor in its PDF/XLSX)."""
    from ui import prediag as ui_prediag

    return ui_prediag.inputs()


@st.cache_data(show_spinner="Zones et thèmes du département…", max_entries=8)
def _departement_sections(
    dep: str,
    settings: asdsf.SdsfSettings,
    reference_iso: str,
    revision: int,
) -> tuple[Section, ...]:
    return rsdsf.departement_sections(
        _analysis(dep, settings, reference_iso, revision).territory, _official_inputs()
    )


@st.cache_data(show_spinner="Préparation du PDF…", max_entries=4)
def _pdf(dep: str, settings: asdsf.SdsfSettings, reference_iso: str, revision: int) -> bytes:
    return rsdsf.render_sdsf_pdf(
        _analysis(dep, settings, reference_iso, revision), _official_inputs()
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _xlsx(dep: str, settings: asdsf.SdsfSettings, reference_iso: str, revision: int) -> bytes:
    return rsdsf.sdsf_xlsx(_analysis(dep, settings, reference_iso, revision), _official_inputs())


# ------------------------------------------------------------------------- settings
def gate(territory: Territory) -> str | None:
    """The département of the page (the selected one, or the one of the selected commune or
    EPCI with a button), None after a notice when there is none."""
    if territory.level is Level.DEPARTEMENT:
        return territory.code
    geo = cache.geography()
    dep = None
    if territory.level is Level.COMMUNE:
        rows = geo.communes.loc[geo.communes["code_insee"] == territory.code, "dep"]
        dep = str(rows.iloc[0]) if not rows.empty else None
    elif territory.level is Level.EPCI:
        rows = geo.communes.loc[geo.communes["siren_epci"] == territory.code, "dep"]
        dep = str(rows.mode().iloc[0]) if not rows.empty else None
    st.info(
        "Le schéma départemental des services aux familles se construit à l'échelle d'un "
        "département : choisissez un département dans la barre latérale.",
        icon=":material/info:",
    )
    if dep:
        target = make_territory(geo, Level.DEPARTEMENT, dep)
        if st.button(f"Ouvrir cette page pour {target.label}", key="sdsf_dep"):
            state.select_territory(target)
    return None


def settings_controls(base_year_hint: int) -> asdsf.SdsfSettings:
    """The user's choices: schéma period, targets, horizon, scenarios."""
    with st.expander("Réglages : période du schéma, cibles, horizon et scénarios", expanded=False):
        c = st.columns(2)
        start = c[0].date_input(
            "Début du schéma", value=None, key="sdsf_start", format="DD/MM/YYYY"
        )
        end = c[1].date_input("Fin du schéma", value=None, key="sdsf_end", format="DD/MM/YYYY")
        st.caption(
            "Sans date, la période va du 1er janvier suivant l'année de référence des "
            "indicateurs au 31 décembre de l'année de leur cible."
        )
        c = st.columns(3)
        g_modes = [asdsf.TARGET_NATIONAL, asdsf.TARGET_DEPARTEMENT, asdsf.TARGET_VALUE]
        g_mode = c[0].selectbox(
            "Cible tous modes",
            g_modes,
            format_func=asdsf.TARGET_LABELS.__getitem__,
            key="sdsf_gmode",
        )
        g_value = c[0].number_input(
            "Taux cible tous modes (places pour 100 enfants)",
            0.0,
            200.0,
            60.0,
            1.0,
            key="sdsf_gvalue",
            disabled=g_mode != asdsf.TARGET_VALUE,
        )
        p_modes = [
            asdsf.TARGET_DEPARTEMENT,
            asdsf.TARGET_SDSF,
            asdsf.TARGET_NATIONAL,
            asdsf.TARGET_VALUE,
        ]
        p_mode = c[1].selectbox(
            "Cible EAJE PSU", p_modes, format_func=asdsf.TARGET_LABELS.__getitem__, key="sdsf_pmode"
        )
        p_value = c[1].number_input(
            "Taux cible EAJE PSU (places pour 100 enfants)",
            0.0,
            200.0,
            20.0,
            1.0,
            key="sdsf_pvalue",
            disabled=p_mode != asdsf.TARGET_VALUE,
        )
        horizon = c[2].number_input(
            "Horizon (0 = fin du schéma)",
            0,
            2100,
            0,
            1,
            key="sdsf_horizon",
            help=f"Année de départ des trajectoires : {base_year_hint} (dernières places Cnaf).",
        )
        st.markdown(
            "**Scénarios** (naissances vides = tendance observée de chaque territoire ; "
            "départs vides = baisse nette des agréments DREES du département)"
        )
        scenarios = []
        for i, (col, sc) in enumerate(zip(st.columns(3), asdsf.DEFAULT_SCENARIOS, strict=True)):
            with col:
                name = st.text_input("Nom", sc.name, key=f"sdsf_sc_name_{i}")
                births = st.number_input(
                    "Naissances (% par an)",
                    -10.0,
                    10.0,
                    None if sc.births_trend is None else sc.births_trend * 100,
                    0.5,
                    key=f"sdsf_sc_births_{i}",
                )
                dep = st.number_input(
                    "Départs d'assistants maternels (% par an)",
                    0.0,
                    50.0,
                    None,
                    0.5,
                    key=f"sdsf_sc_dep_{i}",
                )
                rep = st.number_input(
                    "Départs remplacés (%)",
                    0.0,
                    100.0,
                    sc.replacement * 100,
                    5.0,
                    key=f"sdsf_sc_rep_{i}",
                )
                scenarios.append(
                    sdsf.Scenario(
                        name or sc.name,
                        None if births is None else births / 100,
                        math.nan if dep is None else dep / 100,
                        rep / 100,
                    )
                )
        names = [s.name for s in scenarios]
        chosen = st.radio(
            "Scénario de la carte et du tableau des places",
            names,
            horizontal=True,
            key="sdsf_sc_pick",
        )
    return asdsf.SdsfSettings(
        horizon=int(horizon) or None,
        global_mode=g_mode,
        global_value=float(g_value),
        psu_mode=p_mode,
        psu_value=float(p_value),
        scenarios=tuple(scenarios),
        scenario_index=names.index(chosen) if chosen in names else 0,
        start=start if isinstance(start, date) else None,
        end=end if isinstance(end, date) else None,
    )


# -------------------------------------------------------------------------- sections
def render_indicators(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Les 8 indicateurs de l'arrêté du 4 juillet 2024")
    st.caption(
        "Cibles de développement « à atteindre à l'horizon du terme du schéma, selon une "
        "trajectoire pluriannuelle » (circulaire, §1.1.2). Trajectoire linéaire de la valeur de "
        "référence à la cible, ou par les jalons importés ; écart = réalisé − attendu la même "
        "année."
    )
    demo_band(a.indicators_synthetic, "valeurs calculées à partir de données de démonstration")
    table(a.indicator_table, decimals=dict(rsdsf.INDICATOR_DECIMALS))
    with st.expander("Ce que l'application calcule, ce qui s'importe"):
        for ind in sdsf.INDICATORS:
            how = f"calculé : {ind.computed_from}" if ind.computed_from else ind.note
            extra = f" {ind.note}" if ind.computed_from and ind.note else ""
            st.markdown(f"- **{md(ind.label)}** — {md(how)}{md(extra)}")
    with st.expander("Valeurs année par année"):
        table(a.indicator_years, decimals=dict(rsdsf.INDICATOR_DECIMALS))
    credits(
        [
            *a.indicator_sources,
            "Trajectoires, écarts et statuts : méthode de cette application.",
        ]
    )
    for n in a.notes:
        st.warning(md(n), icon=":material/warning:")


def render_targets_editor(a: asdsf.SdsfAnalysis) -> None:
    """Editable baseline and target of each indicator, saved through the importer."""
    dep = a.territory.code
    revision = cache.revision()  # the rows below are this revision's (checked at the save)
    with st.expander("Saisir ou modifier les cibles (chargé d'études)"):
        st.caption(
            "Les lignes enregistrées passent par l'importeur du type « SDSF : valeurs et cibles "
            "des indicateurs » (mêmes contrôles et messages qu'un fichier) et remplacent les "
            f"valeurs de référence et cibles du département {dep} ; les réalisés et jalons "
            "importés sont conservés."
        )
        rows = []
        for t in a.indicators:
            rows.append(
                {
                    "indicateur": t.indicator,
                    "Indicateur": sdsf.BY_ID[t.indicator].label,
                    "Année de référence": t.baseline_year,
                    "Valeur de référence": t.baseline,
                    "Année de la cible": t.target_year,
                    "Cible": t.target,
                }
            )
        edited = st.data_editor(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            disabled=["indicateur", "Indicateur"],
            column_config={
                "indicateur": None,
                "Année de référence": st.column_config.NumberColumn(
                    min_value=2000, max_value=2100, step=1
                ),
                "Année de la cible": st.column_config.NumberColumn(
                    min_value=2000, max_value=2100, step=1
                ),
                "Valeur de référence": st.column_config.NumberColumn(min_value=0.0),
                "Cible": st.column_config.NumberColumn(min_value=0.0),
            },
            key="sdsf_targets_editor",
        )
        if st.button("Enregistrer les cibles", key="sdsf_targets_save"):
            _save_targets(dep, edited, revision)


#: What the targets editor replaces: the baselines and targets of its département (the
#: realised values and milestones imported from a file stay, with their provenance).
TARGET_VALUES = (("type_valeur", ("reference", "cible")),)


def _save_targets(dep: str, edited: pd.DataFrame, revision: int) -> None:
    lines = []
    for r in edited.to_dict("records"):
        for year_col, value_col, kind in (
            ("Année de référence", "Valeur de référence", "reference"),
            ("Année de la cible", "Cible", "cible"),
        ):
            if pd.notna(r[year_col]) and pd.notna(r[value_col]):
                lines.append(
                    {
                        "code_departement": dep,
                        "indicateur": r["indicateur"],
                        "annee": int(r[year_col]),
                        "type_valeur": kind,
                        "valeur": float(r[value_col]),
                        "commentaire": EDIT_PRODUCER,
                    }
                )
    _store_edits(
        "sdsf_indicateurs",
        pd.DataFrame(lines),
        importers.Slice(dep, TARGET_VALUES),
        revision,
        f"saisie des cibles du SDSF (département {dep})",
        "Cibles enregistrées.",
    )


def _store_edits(
    kind: str,
    frame: pd.DataFrame,
    slice_: importers.Slice,
    revision: int,
    name: str,
    done: str,
) -> None:
    """Stores what an editor holds in place of the rows of its département (`slice_`:
    ui.edits.save_slice; the other départements' rows and their provenance stay as they are),
    then reruns the page with the confirmation `done`; the reason is shown when refused."""
    if not edits.save_slice(kind, frame, slice_, revision, name):
        return
    st.session_state[SAVED_KEY] = done  # shown after the rerun (show_saved)
    st.rerun()


def show_saved() -> None:
    """The confirmation of the last save (the page reruns right after it)."""
    done = st.session_state.pop(SAVED_KEY, None)
    if done:
        st.success(done, icon=":material/check_circle:")


def render_calendar(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Calendrier du schéma")
    st.caption(
        f"Schéma du {a.start:%d/%m/%Y} au {a.end:%d/%m/%Y} ; échéances rapportées à la date de "
        f"référence de l'application, le {a.reference_date:%d/%m/%Y} (page « Compétences AO et "
        "CTG »). Une échéance passée n'est pas forcément en retard : l'application ne sait pas "
        "si la transmission a été faite."
    )
    cal = a.calendar
    passed = int((cal["statut"] == sdsf.CAL_PASSED).sum())
    soon = cal[cal["statut"] == sdsf.CAL_SOON]
    c = st.columns(3)
    c[0].metric("Échéances passées", passed)
    c[1].metric("À venir dans les 3 mois", len(soon))
    c[2].metric("Rapport d'évaluation", f"{sdsf._minus_months(a.end, 3):%d/%m/%Y}")
    shown = pd.DataFrame(
        {
            "Échéance": [d.strftime("%d/%m/%Y") for d in cal["echeance"]],
            "Événement": cal["evenement"],
            "Qui": cal["acteur"],
            "Texte": cal["texte"],
            "Statut": cal["statut"],
            "Dans (jours)": cal["jours"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    credits(["Source : circulaire Cnaf (§1.1.2), CASF art. D. 214-2-1, arrêté du 4 juillet 2024."])


def render_ao(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Autorités organisatrices de plus de 10 000 habitants")
    st.caption(
        "Le diagnostic du SDSF « doit désormais être compatible avec les schémas pluriannuels "
        "de maintien et de développement de l'offre d'accueil du jeune enfant transmis par les "
        "AO de plus de 10 000 habitants » (circulaire, §1.1.2). Statuts de la page « Compétences "
        "AO et CTG » à la même date de référence."
    )
    for e in a.ao_errors:
        st.error(md(e))
    demo_band(a.ao_synthetic, "CTG et transferts de compétences")
    if a.ao_table.empty:
        st.info("Aucune AO de plus de 10 000 habitants trouvée dans ce département.")
    else:
        c = st.columns([1, 2])
        c[0].dataframe(a.ao_counts, hide_index=True, width="stretch")
        t = a.ao_table
        c[1].dataframe(
            pd.DataFrame(
                {
                    "AO": t["ao_nom"],
                    "Type": t["ao_type"],
                    "Population": t["population"].map(fmt_number),
                    "Statut": t["statut_libelle"],
                    "Schéma": t["schema"],
                    "CTG": t["ctg"],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    credits(a.ao_sources)


def places_display(a: asdsf.SdsfAnalysis) -> pd.DataFrame:
    return rsdsf.places_frame(a)


def render_places(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Places à développer par territoire de compétence petite enfance")
    t = a.targets
    st.caption(
        f"Pour chaque titulaire de la compétence de planification (commune ou EPCI), places à "
        f"développer pour atteindre les cibles à l'horizon {t.horizon}, départ {a.base_year} : "
        f"{md(t.label)}. Scénario : « {md(a.scenario.name)} »."
    )
    if a.am is not None:
        st.caption(md(a.am.text) + " (DREES, tableau 33).")
    demo_band(a.places_synthetic, "places, enfants ou compétences")
    _places_map(a)
    df = places_display(a)
    st.dataframe(df, hide_index=True, width="stretch")
    src = " ; ".join(a.places_sources)
    download_table(df, f"places_a_developper_{a.territory.code}", src, "sdsf_places")
    tie = a.tie
    lines = [
        f"Places EAJE PSU des territoires en {a.base_year} : {fmt_number(tie.places_now)} ; "
        f"projets ouvrant d'ici {t.horizon} : {fmt_number(tie.projects)} ; à développer : "
        f"{fmt_number(tie.to_develop)} ; total à l'horizon : {fmt_number(tie.at_horizon)}."
    ]
    if tie.sdsf_target is not None:
        lines.append(
            f"Cible du SDSF ({tie.sdsf_target_year}) : {fmt_number(tie.sdsf_target)} places EAJE "
            f"PSU ; écart du total à la cible : {fmt_signed(tie.difference, 0)} places."
        )
    else:
        lines.append("Aucune cible du SDSF pour les places EAJE PSU : saisissez-la ci-dessus.")
    st.info("  \n".join(lines), icon=":material/functions:")
    credits(a.places_sources)


def _places_map(a: asdsf.SdsfAnalysis) -> None:
    territory = a.territory
    members = a.members.copy()
    per = a.places.set_index("ao_planif_code")
    members["psu"] = members["ao_planif_code"].map(per["a_developper_psu"])
    members["all"] = members["ao_planif_code"].map(per["a_developper"])
    codes = members["code_insee"].astype(str)
    classified = classify_bins(
        pd.Series(members["psu"].to_numpy(), index=codes),
        PLACES_BINS,
        PLACES_LABELS,
        PLACES_PALETTE,
    )
    tips = pd.DataFrame(
        {
            "Territoire de compétence": members["ao_planif_nom"].astype(str).to_numpy(),
            "Places EAJE PSU à développer": [fmt_number(v) for v in members["psu"]],
            "Places tous modes à développer": [fmt_number(v) for v in members["all"]],
            "Places des communes": [
                "estimées (taux du département)" if e else "Cnaf"
                for e in members["places_estimees"]
            ],
        },
        index=codes.to_numpy(),
    )
    overlays = [*_territory_overlay(territory, members), *_project_overlay(a)]
    m = maps.territory_map(
        Level.COMMUNE,
        territory,
        classified.colors,
        classified.legend,
        title=f"Places EAJE PSU à développer d'ici {a.targets.horizon}",
        legend_title="Places EAJE PSU à développer (territoire de compétence)",
        credit=" ; ".join(a.places_sources[:3]),
        tooltip=tips,
        overlays=overlays,
    )
    maps.show_map(m, key="sdsf_map", clickable=False, overlays_of=territory)


@st.cache_data(show_spinner=False, max_entries=8)
def _dissolved(dep: str, pairs: tuple[tuple[str, str], ...]) -> gpd.GeoDataFrame:
    from ui.zones import scope_geometries

    geoms = scope_geometries(make_territory(cache.geography(), Level.DEPARTEMENT, dep))
    m = pd.DataFrame(pairs, columns=["code_insee", "territoire"])
    g = geoms.merge(m, on="code_insee")
    return g.dissolve(by="territoire", as_index=False)[["territoire", "geometry"]]


def _territory_overlay(territory: Territory, members: pd.DataFrame) -> list[Overlay]:
    pairs = tuple(
        zip(members["code_insee"].astype(str), members["ao_planif_nom"].astype(str), strict=True)
    )
    shapes = _dissolved(territory.code, pairs)
    if shapes.empty:
        return []
    return [
        Overlay(
            shapes,
            name="Territoires de compétence",
            stroke=TERRITORY_STROKE,
            weight=1.6,
            tooltip_column=None,
            legend_label="Limite d'un territoire de compétence (planification)",
        )
    ]


def _project_overlay(a: asdsf.SdsfAnalysis) -> list[Overlay]:
    points = rsdsf.project_points(a)
    if points.empty:
        return []
    return [
        Overlay(
            points,
            name="Projets d'EAJE",
            stroke=PROJECT_STROKE,
            fill=PROJECT_STROKE,
            fill_opacity=0.8,
            weight=1.0,
            tooltip_column="label",
            legend_label="Projet d'EAJE en cours (registre)",
        )
    ]


def render_trajectories(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Trajectoires par territoire et scénarios")
    st.caption(
        "Chaque territoire suit la tendance de ses naissances (estimations Insee des enfants de "
        f"moins de 3 ans, {a.base_year - asdsf.TREND_YEARS} et {a.base_year}) ou la valeur du "
        "scénario ; les places d'assistants maternels diminuent des départs non remplacés ; les "
        "projets d'EAJE s'ajoutent l'année de leur ouverture."
    )
    table(a.scenario_summary, decimals=dict(rsdsf.SCENARIO_DECIMALS))
    names = {
        WHOLE_DEPARTEMENT: f"Tout le département ({a.territory.label})",
        **dict(zip(a.places["ao_planif_code"], a.places["ao_planif_nom"], strict=True)),
    }
    pick = st.selectbox(
        "Territoire",
        list(names),
        format_func=lambda c: str(names[c]),
        key="sdsf_traj_territory",
    )
    code = None if pick == WHOLE_DEPARTEMENT else pick
    spec = rsdsf.trajectory_chart(a, code, "" if code is None else str(names[pick]))
    chart(spec, key="sdsf_trajectory_chart")  # the PDF draws the same spec (charts.static)
    if spec.note:
        st.caption(md(spec.note))
    table(rsdsf.trajectory_frame(rsdsf.trajectory_rows(a, code)))
    credits(a.places_sources)


def render_projects(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Registre des projets d'EAJE en cours")
    proj = a.projects
    if proj.empty:
        st.info(
            "Aucun projet d'EAJE enregistré pour ce département : importez le registre (type "
            "« Registre des projets d'EAJE en cours ») ou saisissez-le ci-dessous."
        )
    cols = [
        "id_projet",
        "nom",
        "code_insee",
        "places",
        "psu",
        "annee_ouverture",
        "statut",
        "latitude",
        "longitude",
    ]
    shown = proj[cols] if not proj.empty else pd.DataFrame(columns=cols)
    revision = cache.revision()  # the rows below are this revision's (checked at the save)
    with st.expander("Saisir ou modifier les projets (chargé d'études)"):
        edited = st.data_editor(
            shown.reset_index(drop=True),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            key="sdsf_projects_editor",
            column_config={
                "statut": st.column_config.SelectboxColumn(options=list(sdsf.PROJECT_STATUSES)),
                "places": st.column_config.NumberColumn(min_value=0, step=1),
                "annee_ouverture": st.column_config.NumberColumn(
                    min_value=2000, max_value=2100, step=1
                ),
            },
        )
        if st.button("Enregistrer les projets", key="sdsf_projects_save"):
            _save_projects(a, edited, revision)
    if not proj.empty:
        st.dataframe(proj[cols], hide_index=True, width="stretch")


def _save_projects(a: asdsf.SdsfAnalysis, edited: pd.DataFrame, revision: int) -> None:
    """The register's rows of this département replace its stored projects (a row deleted in
    the editor is retired; the other départements' projects stay as they were)."""
    dep = a.territory.code
    frame = edited.dropna(how="all").reset_index(drop=True)
    if "psu" in frame:
        frame["psu"] = frame["psu"].map(
            lambda v: "oui" if v is True or str(v).lower() in ("true", "oui", "1") else "non"
        )
    _store_edits(
        "eaje_projets",
        frame,
        importers.Slice(dep),
        revision,
        f"saisie des projets d'EAJE (département {dep})",
        "Projets enregistrés.",
    )


def render_coverage(a: asdsf.SdsfAnalysis) -> None:
    st.subheader("Couverture du département")
    if a.coverage.empty:
        st.info("Aucun taux de couverture publié pour ce département dans l'espace de travail.")
        return
    table(a.coverage)
    credits([a.coverage_source])


def render_departement_sections(dep: str, settings: asdsf.SdsfSettings) -> None:
    """The priority zones of the published zonings and the CTG themes at département level
    (the same sections as the PDF; published versions only)."""
    from ui import prediag as ui_prediag

    st.subheader("Zones prioritaires et thèmes de la CTG à l'échelle du département")
    st.caption(
        "Les mêmes sections que le PDF : zones prioritaires des zonages **publiés** (un "
        "brouillon n'entre dans aucun document officiel) et thèmes de la CTG, comparés à la "
        "France."
    )
    parts = _departement_sections(
        dep, settings, state.reference_date().isoformat(), cache.revision()
    )
    territory = make_territory(cache.geography(), Level.DEPARTEMENT, dep)
    subject = prediag.subject_from_departement(cache.geography(), territory)
    slots: list[ui_prediag.MapSlot] = []
    for tab, section in zip(st.tabs([s.title for s in parts]), parts, strict=True):
        with tab:
            ui_prediag.render_section(section, slots)
    # the sections' maps are live maps with the overlays that are on (set on the
    # département map above; published zonings only, as in the PDF)
    chosen = maps.current_overlays(territory, official=True)
    for spec, key, slot in slots:
        with slot:  # type: ignore[attr-defined]
            ui_prediag.show_live_map(subject, spec, chosen, f"sdsf_{key}", ui_prediag.MAP_HEIGHT)


def downloads(dep: str, settings: asdsf.SdsfSettings) -> None:
    ref = state.reference_date().isoformat()
    rev = cache.revision()
    c = st.columns(2)
    auth.download_button(
        c[0],
        "Diagnostic SDSF (PDF)",
        _pdf(dep, settings, ref, rev),
        file_name=f"diagnostic_sdsf_{dep}.pdf",
        mime="application/pdf",
        key="sdsf_pdf",
        export="sdsf",
        on_click="ignore",
        width="stretch",
    )
    auth.download_button(
        c[1],
        "Diagnostic SDSF (XLSX)",
        _xlsx(dep, settings, ref, rev),
        file_name=f"diagnostic_sdsf_{dep}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="sdsf_xlsx",
        export="sdsf",
        on_click="ignore",
        width="stretch",
    )


def render_page(territory: Territory) -> None:
    dep = gate(territory)
    if dep is None:
        return
    st.title(f"Schéma départemental des services aux familles — {territory.label}")
    show_saved()
    settings = settings_controls(asdsf.base_year_of(cache.dataset("caf_places").frame) or 0)
    try:
        a = analysis(dep, settings)
    except sdsf.SdsfError as err:
        st.error(md(err))
        return
    render_indicators(a)
    render_targets_editor(a)
    render_calendar(a)
    render_ao(a)
    render_places(a)
    render_trajectories(a)
    render_projects(a)
    render_coverage(a)
    render_departement_sections(dep, settings)
    downloads(dep, replace(settings))
