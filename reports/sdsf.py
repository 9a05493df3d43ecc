"""The département SDSF diagnostic: PDF (the pre-diagnostic's style, reports/pdf.render_report)
and XLSX, from the SDSF analysis (analyses/sdsf.py); also the French tables, the trajectory
chart (charts.trajectory, one ChartSpec for the page and the PDF) and the map points the page
shows, so the page, the PDF and the XLSX print the same frames. The département-level zones
and CTG themes come from the pre-diagnostic's builders (reports/prediag.py) over inputs that
hold only published documents (reports.batch.workspace_inputs): no draft zoning reaches the
PDF."""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd

from analyses.sdsf import TREND_YEARS, SdsfAnalysis
from catalogue.sources import DEMO_LABEL
from charts.spec import ChartSpec
from charts.trajectory import trajectory_spec
from diagnostics import sdsf
from diagnostics.formatting import fmt_number, fmt_signed
from geodata import layers
from geodata.territory import Level, Territory
from reports import charts, prediag
from reports.pdf import Record, render_report
from reports.prediag import KeyFigure, PrediagInputs, Section, Table
from reports.tables import to_xlsx

_SOURCE_SEP = re.compile(r"\s?;\s")  # between the sources of one line (« a ; b », « a; b »)
PROJECT_RADIUS_M = 600.0  # drawn size of a project point on the maps


def places_frame(a: SdsfAnalysis) -> pd.DataFrame:
    """The places to develop per planning territory, French headers, numbers kept numeric."""
    t = a.places
    return pd.DataFrame(
        {
            "Territoire de compétence": t["ao_planif_nom"].astype(str),
            "Code": t["ao_planif_code"].astype(str),
            "Titulaire": t["ao_planif_type"].map({"epci": "EPCI", "commune": "Commune"}),
            "Communes": t["n_communes"].astype(int),
            "Population (AO)": t["population"].round(0),
            f"Enfants de moins de 3 ans {a.base_year}": t["enfants"].round(0),
            f"Places {a.base_year} (tous modes)": t["places"].round(0),
            f"Places EAJE PSU {a.base_year}": t["places_psu"].round(0),
            "Taux (tous modes)": t["taux"].round(1),
            "Taux EAJE PSU": t["taux_psu"].round(1),
            "Part des enfants dans des communes aux places estimées (%)": t[
                "part_enfants_places_estimees"
            ].round(0),
            "Tendance des naissances (% par an)": (t["tendance_naissances"] * 100).round(1),
            f"Enfants {a.targets.horizon}": t["enfants_horizon"].round(0),
            "Places des projets d'EAJE": t["projets_places"].round(0),
            "Places à développer (tous modes)": t["a_developper"].round(0),
            "Places EAJE PSU à développer": t["a_developper_psu"].round(0),
            "Places EAJE PSU par an": t["par_an_psu"].round(1),
        }
    )


def trajectory_frame(t: pd.DataFrame) -> pd.DataFrame:
    """One territory's trajectories (rows of SdsfAnalysis.trajectories), French headers."""
    return pd.DataFrame(
        {
            "Scénario": t["scenario"].astype(str),
            "Année": t["annee"].astype(int),
            "Enfants de moins de 3 ans": t["enfants"].round(0),
            "Places d'assistants maternels": t["places_assmat"].round(0),
            "Places des projets": t["places_projets"].round(0),
            "Places sans nouvelle action": t["places_sans_action"].round(0),
            "Places EAJE PSU sans nouvelle action": t["places_psu_sans_action"].round(0),
        }
    )


TRAJECTORY_COLUMNS = (
    "enfants",
    "places_assmat",
    "places_projets",
    "places_sans_action",
    "places_psu_sans_action",
)


def trajectory_rows(a: SdsfAnalysis, code: str | None = None) -> pd.DataFrame:
    """The trajectories of one planning territory (`code`), or of the whole département
    (every territory summed, per scenario and year)."""
    t = a.trajectories
    if code is not None:
        return t[t["ao_planif_code"] == code]
    return t.groupby(["scenario", "annee"], as_index=False, sort=False)[
        list(TRAJECTORY_COLUMNS)
    ].sum()


def trajectory_chart(a: SdsfAnalysis, code: str | None = None, name: str = "") -> ChartSpec:
    """Places without new action per year and scenario, for one planning territory or the
    whole département: the same specification on the page (plotly) and in the PDF
    (matplotlib)."""
    where = name or a.territory.label
    return trajectory_spec(
        trajectory_rows(a, code),
        [s.name for s in a.scenarios],
        " ; ".join(a.places_sources),
        title=f"Places d'accueil sans nouvelle action, par scénario — {where}",
        synthetic=a.places_synthetic,
        with_baseline=False,
        baseline_only=True,
        chart_id="sdsf_trajectoire" if code is None else f"sdsf_trajectoire_{code}",
        note=(
            f"Départ {a.base_year} : places Cnaf (estimées au taux du département pour les "
            "communes non publiées) ; assistants maternels diminués des départs non remplacés ; "
            "projets d'EAJE ajoutés l'année de leur ouverture."
        ),
    )


def _is_true(value: object) -> bool:
    """A stored boolean (bool, numpy.bool_, pandas' nullable boolean), missing = False."""
    return not pd.isna(value) and bool(value)


def project_points(a: SdsfAnalysis) -> gpd.GeoDataFrame:
    """The projects of the register as small discs (their coordinates, else a point inside
    their commune), with a French label: the map overlays draw polygons."""
    p = a.projects
    if p.empty:
        return gpd.GeoDataFrame({"label": []}, geometry=[], crs="EPSG:4326")
    lat = pd.to_numeric(p["latitude"], errors="coerce")
    lon = pd.to_numeric(p["longitude"], errors="coerce")
    pts = gpd.GeoSeries.from_xy(lon, lat, crs="EPSG:4326")
    if (lat.isna() | lon.isna()).any():
        communes = layers.geometries(Level.COMMUNE, a.territory)
        inside = communes.set_index("code")["geometry"].representative_point()
        fallback = p["code_insee"].astype(str).map(inside)
        pts = gpd.GeoSeries(
            [
                f if (pd.isna(y) or pd.isna(x)) else g
                for g, f, y, x in zip(pts, fallback, lat, lon, strict=True)
            ],
            crs="EPSG:4326",
        )
    discs = pts.to_crs(2154).buffer(PROJECT_RADIUS_M).to_crs(4326)
    labels = [
        f"{r.id_projet} — {r.nom if isinstance(r.nom, str) and r.nom else 'projet'} : "
        f"{fmt_number(r.places)} places{' PSU' if _is_true(r.psu) else ''}, ouverture "
        f"{r.annee_ouverture} ({r.statut})"
        for r in p.itertuples(index=False)
    ]
    out = gpd.GeoDataFrame({"label": labels}, geometry=discs.to_numpy(), crs="EPSG:4326")
    return out[~out.geometry.is_empty & out.geometry.notna()]


#: Decimals of the indicator tables' value columns, one row per indicator with its own unit
#: (places, ETP, shares): at most one, trailing zeros dropped (« 15 000 », « 12,4 »); the
#: page (ui.sdsf) and the PDF write them the same (reports.tables.display_frame).
INDICATOR_DECIMALS = tuple(
    (c, 1)
    for c in (
        "Valeur de référence",
        "Cible",
        "Réalisé",
        "Attendu",
        "Écart à la trajectoire",
        "Trajectoire",
        "Écart",
    )
)
#: The scenarios' replacement rate is a choice (0, 50, 100 %): no decimal.
SCENARIO_DECIMALS = (("Départs remplacés (%)", 0),)


def _indicator_section(a: SdsfAnalysis) -> Section:
    table = a.indicator_table.copy()
    figures = []
    for t in a.indicators:
        if t.target is None:
            continue
        ind = sdsf.BY_ID[t.indicator]
        figures.append(
            KeyFigure(
                ind.label,
                t.target,
                f"{fmt_number(t.target, 1, trim=True)} {ind.unit} en {t.target_year}",
                "; ".join(a.indicator_sources) or "fichier importé",
                synthetic=a.indicators_synthetic,
            )
        )
    optional = [i.label for i in sdsf.INDICATORS if not i.mandatory]
    sentences = (
        "Huit indicateurs communs à tous les SDSF (arrêté du 4 juillet 2024), dont sept "
        f"obligatoires ; facultatif : {', '.join(optional)}.",
        *(f"{sdsf.BY_ID[t.indicator].label} : {t.status.lower()}." for t in a.indicators),
        *a.notes,
    )
    src = " ; ".join(
        [*a.indicator_sources, "trajectoires et statuts : méthode de cette application"]
    )
    return Section(
        "indicateurs",
        "Les 8 indicateurs du SDSF",
        figures=tuple(figures[:6]),
        sentences=sentences,
        tables=(
            Table(
                "indicateurs",
                "Indicateurs, cibles et trajectoires",
                table,
                src,
                a.indicators_synthetic,
                decimals=INDICATOR_DECIMALS,
            ),
            Table(
                "indicateurs_annees",
                "Valeurs année par année",
                a.indicator_years,
                src,
                a.indicators_synthetic,
                decimals=INDICATOR_DECIMALS,
            ),
        ),
    )


def _calendar_section(a: SdsfAnalysis) -> Section:
    cal = a.calendar
    frame = pd.DataFrame(
        {
            "Échéance": [d.strftime("%d/%m/%Y") for d in cal["echeance"]],
            "Événement": cal["evenement"],
            "Qui": cal["acteur"],
            "Statut": cal["statut"],
        }
    )
    passed = int((cal["statut"] == sdsf.CAL_PASSED).sum())
    soon = int((cal["statut"] == sdsf.CAL_SOON).sum())
    return Section(
        "calendrier",
        "Calendrier du schéma",
        sentences=(
            f"Schéma du {a.start:%d/%m/%Y} au {a.end:%d/%m/%Y} ; au {a.reference_date:%d/%m/%Y}, "
            f"{passed} échéance(s) passée(s) et {soon} dans les trois mois.",
        ),
        tables=(
            Table(
                "calendrier",
                "Échéances",
                frame,
                "Source : circulaire Cnaf (§1.1.2), CASF art. D. 214-2-1, arrêté du 4 juillet 2024.",
            ),
        ),
    )


def _ao_section(a: SdsfAnalysis) -> Section:
    t = a.ao_table
    frame = (
        pd.DataFrame(
            {
                "AO": t["ao_nom"],
                "Type": t["ao_type"],
                "Population": t["population"],
                "Statut": t["statut_libelle"],
                "CTG": t["ctg"],
            }
        )
        if not t.empty
        else pd.DataFrame(columns=["AO", "Type", "Population", "Statut", "CTG"])
    )
    src = " ; ".join(a.ao_sources)
    return Section(
        "ao",
        "Autorités organisatrices de plus de 10 000 habitants",
        sentences=(
            f"{len(t)} AO de plus de 10 000 habitants ; le diagnostic du SDSF doit être "
            "compatible avec leurs schémas pluriannuels (circulaire, §1.1.2).",
            *a.ao_errors,
        ),
        tables=(
            Table("ao_statuts", "Nombre d'AO par statut", a.ao_counts, src, a.ao_synthetic),
            Table("ao_liste", "AO et statut schéma / CTG", frame, src, a.ao_synthetic),
        ),
    )


def _places_section(a: SdsfAnalysis) -> Section:
    tie = a.tie
    src = " ; ".join(a.places_sources)
    frame = places_frame(a)
    short = frame[
        [
            "Territoire de compétence",
            "Titulaire",
            f"Enfants de moins de 3 ans {a.base_year}",
            "Taux (tous modes)",
            "Taux EAJE PSU",
            "Places à développer (tous modes)",
            "Places EAJE PSU à développer",
        ]
    ]
    sentences = [
        f"Cibles : {a.targets.label}. Scénario : « {a.scenario.name} ».",
        f"Places EAJE PSU : {fmt_number(tie.places_now)} en {a.base_year}, "
        f"{fmt_number(tie.projects)} par les projets, {fmt_number(tie.to_develop)} à développer, "
        f"{fmt_number(tie.at_horizon)} à l'horizon {a.targets.horizon}.",
    ]
    if tie.sdsf_target is not None:
        sentences.append(
            f"Cible du SDSF : {fmt_number(tie.sdsf_target)} places EAJE PSU en "
            f"{tie.sdsf_target_year} ; écart : {fmt_signed(tie.difference, 0)} places."
        )
    if a.am is not None:
        sentences.append(a.am.text + " (DREES, tableau 33)")
    return Section(
        "places",
        "Places à développer par territoire de compétence",
        figures=(
            KeyFigure(
                "Places à développer (tous modes)",
                float(a.places["a_developper"].sum()),
                fmt_number(a.places["a_developper"].sum()),
                src,
                a.places_synthetic,
                True,
            ),
            KeyFigure(
                "Places EAJE PSU à développer",
                tie.to_develop,
                fmt_number(tie.to_develop),
                src,
                a.places_synthetic,
                True,
            ),
        ),
        sentences=tuple(sentences),
        tables=(
            Table("places", "Places à développer", short, src, a.places_synthetic),
            Table(
                "scenarios",
                "Scénarios",
                a.scenario_summary,
                src,
                a.places_synthetic,
                decimals=SCENARIO_DECIMALS,
            ),
        ),
    )


def _trajectory_section(a: SdsfAnalysis) -> Section:
    t = trajectory_rows(a)
    horizon = t[t["annee"] == t["annee"].max()]
    sentences = tuple(
        f"Scénario « {r.scenario} » : {fmt_number(r.places_sans_action)} places d'accueil sans "
        f"nouvelle action en {int(r.annee)} pour {fmt_number(r.enfants)} enfants de moins de "
        "3 ans."
        for r in horizon.itertuples(index=False)
    )
    return Section(
        "trajectoires",
        "Trajectoires du département",
        sentences=sentences,
        tables=(
            Table(
                "trajectoires",
                "Trajectoires du département (tous territoires de compétence)",
                trajectory_frame(t),
                " ; ".join(a.places_sources),
                a.places_synthetic,
            ),
        ),
        charts=(trajectory_chart(a),),
    )


def departement_sections(territory: Territory, inputs: PrediagInputs) -> tuple[Section, ...]:
    """The priority zones of the published zonings touching the département and the CTG
    themes (childhood and youth, parenting, social life, rights, housing, disability) at
    département level, compared with France. `inputs` hold only published documents."""
    subject = prediag.subject_from_departement(inputs.geo, territory)
    comps = prediag.comparisons(inputs.geo, subject)
    return (
        prediag.zones_section(subject, inputs),
        *prediag.theme_sections(subject, comps, inputs),
    )


def _coverage_section(a: SdsfAnalysis) -> Section:
    if a.coverage.empty:
        return Section(
            "couverture",
            "Couverture du département",
            missing=(
                "Aucun taux de couverture départemental : importez le fichier Cnaf txcouv_pe_dep.",
            ),
        )
    return Section(
        "couverture",
        "Couverture du département",
        tables=(Table("couverture", "Taux de couverture publiés", a.coverage, a.coverage_source),),
    )


def sections(a: SdsfAnalysis, inputs: PrediagInputs) -> tuple[Section, ...]:
    return (
        _indicator_section(a),
        _calendar_section(a),
        _ao_section(a),
        _places_section(a),
        _trajectory_section(a),
        _coverage_section(a),
        *departement_sections(a.territory, inputs),
    )


def sources(a: SdsfAnalysis, parts: tuple[Section, ...] = ()) -> tuple[str, ...]:
    """Every source once, each « ; »-joined line split as the sections' sources are."""
    lines = (
        *a.indicator_sources,
        *a.ao_sources,
        *a.places_sources,
        a.coverage_source,
        "Source : DREES, offre d'accueil du jeune enfant (tableau 33, agréments d'assistants maternels)",
        *prediag.sections_sources(parts),
    )
    return tuple(dict.fromkeys(p for line in lines for p in _SOURCE_SEP.split(line) if p))


def render_sdsf_pdf(
    a: SdsfAnalysis,
    inputs: PrediagInputs,
    chart_renderer: Callable[[ChartSpec], bytes] = charts.render,
    record: Record | None = None,
) -> bytes:
    """The SDSF diagnostic PDF; `inputs`: the pre-diagnostic's inputs of the same workspace
    (published documents only) for the département-level zones and themes. `record`: filled
    with what was drawn (tests/unit/test_pdf_layout.py)."""
    intro = (
        "Diagnostic départemental préparatoire au schéma départemental des services aux familles "
        "(circulaire Cnaf, §1.1.2) : indicateurs de l'arrêté du 4 juillet 2024 et trajectoires, "
        "calendrier, autorités organisatrices, places à développer par territoire de compétence "
        f"petite enfance (tendance des naissances sur {TREND_YEARS} ans, départs d'assistants "
        "maternels, projets d'EAJE), puis les zones prioritaires des zonages publiés et les "
        "thèmes de la CTG à l'échelle du département. Chaque tableau indique sa source et son "
        "année."
    )
    parts = sections(a, inputs)
    return render_report(
        "Diagnostic SDSF",
        a.territory.label,
        intro,
        a.reference_date,
        parts,
        sources(a, parts),
        chart_renderer=chart_renderer,
        record=record,
    )


def sdsf_xlsx(a: SdsfAnalysis, inputs: PrediagInputs) -> bytes:
    sheets: dict[str, pd.DataFrame] = {}
    srcs: dict[str, str] = {}
    for s in sections(a, inputs):
        for t in s.tables:
            name = t.title[:31]
            if name in sheets:
                name = f"{s.id[:12]}-{t.id}"[:31]
            sheets[name] = t.frame
            srcs[name] = t.source + (
                f" — {DEMO_LABEL}" if t.synthetic and DEMO_LABEL not in t.source else ""
            )
    full = places_frame(a)
    sheets["Places (détail)"] = full
    srcs["Places (détail)"] = " ; ".join(a.places_sources)
    return to_xlsx(sheets, srcs)
