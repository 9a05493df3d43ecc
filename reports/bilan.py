"""Intermediate or final bilan of a CTG (CNAF circular, section 2.3.2), PDF and XLSX.

`build_bilan(ctg, kind, inputs, followup)` puts the CTG's follow-up table (socle minimum
d'évaluation: latest point of each action, progress towards its target, status) next to the
evolution of the territory's indicators since the CTG's start (coverage rate, places,
children under 3 — CNAF figures, published or estimated with their method — and the saved
zonings touching it), with the CTG's calendar (avenants, prolongation, the window in which
the diagnostic expense can be claimed). Same structures (Section, Table, KeyFigure,
ChartSpec) and PDF style as the pre-diagnostic (reports/prediag.py, reports/pdf.py).

Pure: no Streamlit; inputs never mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from catalogue.sources import credit
from diagnostics import ao, coverage, publication, zones
from diagnostics import ctg_followup as fu
from diagnostics import narrative as nv
from diagnostics.formatting import fmt_number, fmt_signed
from reports import charts, pdf
from reports.prediag import (
    ChartSpec,
    KeyFigure,
    PrediagInputs,
    Section,
    Subject,
    Table,
    compact_credits,
    ctg_title,
    import_hint,
    sections_sources,
)
from reports.tables import to_xlsx

SUIVI_SOURCE = "Tableau de suivi de la CTG saisi ou importé dans l'espace de travail"


@dataclass(frozen=True)
class Bilan:
    ctg: ao.Ctg
    kind: str  # fu.BILAN_INTERMEDIAIRE or fu.BILAN_FINAL
    subject: Subject
    generated: date
    sections: tuple[Section, ...]
    #: drafts picked for a preview (diagnostics.publication): the PDF is then watermarked
    drafts: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return fu.BILAN_LABELS[self.kind]

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.sections)

    @property
    def sources(self) -> tuple[str, ...]:
        return sections_sources(self.sections)


def build_bilan(
    ctg: ao.Ctg,
    kind: str,
    inputs: PrediagInputs,
    followup: pd.DataFrame | None,
    followup_sources: tuple[str, ...] = (),
    names: Mapping[str, str] | None = None,
) -> Bilan:
    """The bilan of one CTG. `followup`: rows of the dataset « ctg_suivi » (any CTG; those of
    `ctg` are kept); `followup_sources`: their credits; `names`: code -> name of signatories."""
    if kind not in fu.BILAN_LABELS:
        raise ValueError(f"Type de bilan inconnu : {kind!r}")
    subject = Subject("ctg", ctg.id_ctg, ctg.nom, ctg.communes_couvertes)
    rows = fu.followup_of(followup, ctg.id_ctg)
    sections = (
        _ctg_section(ctg, kind, inputs, names or {}),
        _followup_section(rows, followup_sources),
        _territory_section(ctg, subject, inputs),
    )
    return Bilan(
        ctg, kind, subject, inputs.today, sections, publication.drafts_in(inputs.documents)
    )


# ------------------------------------------------------------------------------ sections
def _ctg_section(
    ctg: ao.Ctg, kind: str, inputs: PrediagInputs, names: Mapping[str, str]
) -> Section:
    cal = fu.calendar(ctg)
    docs = inputs.documents.get(ao.CHECKLIST_DOCUMENT_KIND) or {}
    doc = docs.get(ctg.id_ctg)
    progress = ao.checklist_progress(doc if isinstance(doc, Mapping) else None)
    ctg_ds = inputs.datasets.get("ctg")
    av_ds = inputs.datasets.get("ctg_avenants")
    src = " ; ".join(
        dict.fromkeys(
            (compact_credits(ctg_ds.metas) if ctg_ds is not None else [])
            + (compact_credits(av_ds.metas) if av_ds is not None else [])
        )
    )
    synthetic = bool(ctg_ds is not None and ctg_ds.is_synthetic)
    who = ", ".join(names.get(s, s) for s in (*ctg.epci_signataires, *ctg.communes_signataires))
    ident = pd.DataFrame(
        {
            "CTG": [ctg.id_ctg],
            "Nom": [ctg.nom],
            "Échelon": [ctg.niveau],
            "Signataires": [who],
            "Début": [_d(ctg.date_debut)],
            "Fin initiale": [_d(ctg.date_fin_initiale)],
            "Fin en vigueur": [_d(ctg.date_fin)],
            "Communes couvertes": [len(ctg.communes_couvertes)],
        }
    )
    tables = [Table("bilan_ctg", "La convention", ident, src, synthetic)]
    if ctg.avenants:
        av = pd.DataFrame(
            {
                "Date": [_d(a.date_avenant) for a in ctg.avenants],
                "Objet": [a.objet for a in ctg.avenants],
                "Signataires ajoutés": [
                    ", ".join(names.get(x, x) for x in a.signataires_ajoutes) for a in ctg.avenants
                ],
                "Nouvelle date de fin": [_d(a.nouvelle_date_fin) for a in ctg.avenants],
            }
        )
        tables.append(Table("bilan_avenants", "Avenants", av, src, synthetic))
    sentences = [cal.diagnostic_text()]
    if cal.mid_term is not None:
        sentences.append(
            f"Points d'étape annuels : {', '.join(map(str, cal.points_etape))} ; bilan "
            f"intermédiaire à mi-parcours (vers le {cal.mid_term:%d/%m/%Y}) ; bilan final au terme "
            f"de la CTG ({_d(ctg.date_fin)})."
        )
    if ctg.prolongee:
        sentences.append(
            f"CTG prolongée par avenant : fin initiale le {_d(ctg.date_fin_initiale)}, fin en "
            f"vigueur le {_d(ctg.date_fin)}."
        )
    sentences.extend(ctg.notes)
    sentences.append(
        f"Volet petite enfance : {progress.label} éléments du décret 2025-253 présents"
        + (f" ; manquent : {ao.missing_items_text(progress)}." if progress.missing else ".")
        + (
            f" Liste de contrôle : {publication.version_line(publication.CHECKLIST, doc)}."
            if isinstance(doc, Mapping)
            else " Aucune liste de contrôle publiée pour cette CTG (un brouillon n'est pas repris)."
        )
    )
    sentences.append(
        "Circulaire, section 2.3.2 : « "
        + (fu.S_BILAN_FINAL if kind == fu.BILAN_FINAL else fu.S_BILAN_INTERMEDIAIRE)
        + " » Lorsque la CTG tient lieu de schéma pluriannuel : « "
        + fu.S_CDSF
        + " »"
    )
    figures = (
        KeyFigure(
            "Communes couvertes",
            len(ctg.communes_couvertes),
            fmt_number(len(ctg.communes_couvertes)),
            src,
            synthetic,
        ),
        KeyFigure("Avenants", len(ctg.avenants), fmt_number(len(ctg.avenants)), src, synthetic),
        KeyFigure(
            "Volet petite enfance (décret)",
            progress.done,
            progress.label,
            "Liste du décret cochée dans la page « Compétences AO et CTG »",
        ),
    )
    return Section(
        "ctg",
        "La CTG et son calendrier",
        figures,
        tuple(sentences),
        tuple(tables),
    )


def _followup_section(rows: pd.DataFrame, sources: tuple[str, ...]) -> Section:
    src = " ; ".join(dict.fromkeys([SUIVI_SOURCE, *sources]))
    if rows.empty:
        return Section(
            "suivi",
            "Suivi du plan d'actions",
            missing=(
                "Aucun point de suivi pour cette CTG : saisissez le tableau de suivi dans la page "
                "« Compétences AO et CTG » ou "
                + import_hint("ctg_suivi")[0].lower()
                + import_hint("ctg_suivi")[1:],
            ),
        )
    last = fu.latest_points(rows)
    shown = pd.DataFrame(
        {
            "Thématique": last["thematique"].astype(str),
            "Action": last["action"].astype(str),
            "Indicateur": last["indicateur"].astype(str),
            "Initiale": _whole(last["valeur_initiale"]),
            "Cible": _whole(last["cible"]),
            "Point": [_point(a, t) for a, t in zip(last["annee"], last["trimestre"], strict=True)],
            "Réalisé": _whole(last["realise"]),
            "Avancement": pd.to_numeric(last["avancement"], errors="coerce")
            .round()
            .astype("Int64"),
            "État": last["statut"].astype(str),
        }
    )
    counts = fu.status_counts(rows)
    figures = tuple(
        KeyFigure(f"Actions : {s}", n, fmt_number(n), src) for s, n in counts.items() if n
    )
    n = len(last)
    done = counts.get("réalisée", 0)
    sentences = [
        f"{nv.capitalise(nv.count_phrase(n, 'couple action-indicateur', 'couples action-indicateur'))} "
        f"suivi{'s' if n > 1 else ''}, dont {fmt_number(done)} réalisé{'s' if done > 1 else ''} "
        "au dernier point.",
        f"Circulaire, section 2.3.2 : « {fu.S_TABLEAU_SUIVI} » (idéalement actualisé chaque "
        "trimestre).",
    ]
    history = pd.DataFrame(
        {
            "Action": rows["action"].astype(str),
            "Indicateur": rows["indicateur"].astype(str),
            "Point": [_point(a, t) for a, t in zip(rows["annee"], rows["trimestre"], strict=True)],
            "Réalisé": _whole(rows["realise"]),
            "État": rows["statut"].astype(str),
            "Commentaire": rows["commentaire"].astype("string").fillna(""),
        }
    )
    return Section(
        "suivi",
        "Suivi du plan d'actions",
        figures,
        tuple(sentences),
        (
            Table(
                "suivi_dernier_point",
                "Dernier point de suivi de chaque action",
                shown,
                src,
                note="Initiale : valeur initiale de l'indicateur ; avancement : part (%) du chemin "
                "parcouru de la valeur initiale à la cible au dernier point.",
            ),
            Table("suivi_historique", "Tous les points de suivi", history, src),
        ),
    )


def _territory_section(ctg: ao.Ctg, subject: Subject, inputs: PrediagInputs) -> Section:
    missing: list[str] = []
    tables: list[Table] = []
    charts_: list[ChartSpec] = []
    figures: list[KeyFigure] = []
    sentences: list[str] = []
    taux_ds = inputs.datasets.get("caf_taux")
    places_ds = inputs.datasets.get("caf_places")
    if taux_ds is None or taux_ds.empty:
        missing.append("Taux de couverture : " + import_hint("caf_taux"))
    else:
        evo = coverage_evolution(ctg, subject, inputs)
        if evo.empty:
            missing.append(
                "Taux de couverture : aucun millésime importé depuis le début de la CTG. "
                + import_hint("caf_taux")
            )
        else:
            src = " ; ".join(
                dict.fromkeys(
                    compact_credits(taux_ds.metas)
                    + (compact_credits(places_ds.metas) if places_ds is not None else [])
                )
            )
            synthetic = bool(evo["synthetique"].any())
            table = pd.DataFrame(
                {
                    "Année (offre au 31 décembre)": evo["annee"].astype(int),
                    "Taux de couverture global": evo["tx_global"].round(1),
                    "Places offertes": evo["pl_total"].round().astype("Int64"),
                    "Enfants de moins de 3 ans (dérivés)": evo["enfants_moins_3"]
                    .round()
                    .astype("Int64"),
                    "Statut": evo["statut"].astype(str),
                }
            )
            notes = [coverage.DERIVED_CHILDREN_METHOD]
            methods = [m for m in evo["methode"].astype(str).unique() if m]
            notes.extend(methods[:2])
            tables.append(
                Table(
                    "bilan_couverture",
                    "Couverture, places et enfants depuis le début de la CTG",
                    table,
                    src,
                    synthetic,
                    " ".join(notes),
                )
            )
            first, last = evo.iloc[0], evo.iloc[-1]
            for label, col, dec in (
                ("Taux de couverture global (places pour 100 enfants)", "tx_global", 1),
                ("Places offertes", "pl_total", 0),
                ("Enfants de moins de 3 ans (dérivés)", "enfants_moins_3", 0),
            ):
                if pd.notna(last[col]):
                    figures.append(
                        KeyFigure(
                            f"{label}, {int(last['annee'])}",
                            float(last[col]),
                            fmt_number(float(last[col]), dec),
                            src,
                            synthetic,
                            str(last["statut"]) == str(coverage.Status.ESTIME),
                        )
                    )
            if len(evo) > 1 and pd.notna(first["tx_global"]) and pd.notna(last["tx_global"]):
                diff = float(last["tx_global"]) - float(first["tx_global"])
                sentences.append(
                    f"Taux de couverture global : {fmt_number(float(first['tx_global']), 1)} en "
                    f"{int(first['annee'])}, {fmt_number(float(last['tx_global']), 1)} en "
                    f"{int(last['annee'])} ({fmt_signed(diff, 1)} point(s))."
                )
            if len(evo) > 1 and pd.notna(first["pl_total"]) and pd.notna(last["pl_total"]):
                diff = float(last["pl_total"]) - float(first["pl_total"])
                sentences.append(
                    f"Places offertes : {fmt_number(float(first['pl_total']))} en "
                    f"{int(first['annee'])}, {fmt_number(float(last['pl_total']))} en "
                    f"{int(last['annee'])} ({fmt_signed(diff, 0)})."
                )
            if len(evo) > 1:
                charts_.append(
                    ChartSpec(
                        "bilan_couverture_courbe",
                        "Taux de couverture global depuis le début de la CTG",
                        "courbes",
                        pd.DataFrame(
                            {
                                "Année": evo["annee"].astype(int).astype(str),
                                subject.name: evo["tx_global"].round(1),
                            }
                        ),
                        src,
                        synthetic,
                        x="Année",
                        series=(subject.name,),
                        ylabel="places pour 100 enfants",
                    )
                )
    zone_table = _zonings(subject, inputs)
    if zone_table is None:
        missing.append(
            "Zones sous-dotées : aucun zonage enregistré ne touche le territoire de la CTG "
            "(page « Zones sous-dotées »)."
        )
    else:
        tables.append(zone_table)
    return Section(
        "territoire",
        "Évolution du territoire depuis le début de la CTG",
        tuple(figures),
        tuple(sentences),
        tuple(tables),
        tuple(charts_),
        tuple(missing),
    )


def coverage_evolution(ctg: ao.Ctg, subject: Subject, inputs: PrediagInputs) -> pd.DataFrame:
    """Coverage rate, places and derived children of the CTG's territory for every imported
    millésime from the year before the CTG's start (the offer when it started) onwards.

    A single commune is read as published; several communes as the aggregate estimate of
    diagnostics.coverage (published communes summed, labelled « estimation »)."""
    taux_ds = inputs.datasets["caf_taux"]
    places_ds = inputs.datasets.get("caf_places")
    taux = coverage.prepare(coverage.with_nature(taux_ds.frame, taux_ds.metas))
    places = coverage.prepare(
        coverage.with_nature(places_ds.frame, places_ds.metas)
        if places_ds is not None
        else pd.DataFrame(columns=["niveau", "code", "annee"])
    )
    start = ctg.date_debut.year - 1 if ctg.date_debut is not None else None
    years = [y for y in coverage.years_available(taux) if start is None or y >= start]
    geo = inputs.geo
    members = geo.communes.loc[
        geo.communes["code_insee"].isin(list(subject.communes)), ["code_insee", "population"]
    ]
    if len(subject.communes) == 1:
        place = coverage.Place("commune", subject.communes[0], subject.name)
        estimate = False
    else:
        place = coverage.Place("ensemble", subject.key, subject.name)
        estimate = True
    rows = []
    for y in years:
        fig = coverage.territory_figure(
            taux,
            places,
            place,
            y,
            estimate=estimate,
            communes=members if estimate else None,
        )
        if pd.isna(fig.get("tx_global")):
            continue
        rows.append(
            {
                "annee": y,
                "tx_global": float(fig["tx_global"]),
                "pl_total": fig.get("pl_total"),
                "enfants_moins_3": fig.get("enfants_moins_3"),
                "statut": str(fig.get("statut")),
                "methode": str(fig.get("methode") or ""),
                "synthetique": "synth" in str(fig.get("nature") or ""),
            }
        )
    cols = ["annee", "tx_global", "pl_total", "enfants_moins_3", "statut", "methode", "synthetique"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("pl_total", "enfants_moins_3"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out


def _zonings(subject: Subject, inputs: PrediagInputs) -> Table | None:
    docs = inputs.documents.get(zones.ZONING_DOCUMENT_KIND) or {}
    codes = set(subject.communes)
    rows = []
    for name, doc in docs.items():
        zoning = zones.SavedZoning.from_document(name, doc)
        if zoning is None:
            continue
        for z in zoning.zones:
            inside = codes & set(z.communes)
            if inside:
                rows.append(
                    {
                        "Zonage": zoning.nom,
                        "Version": publication.version_line(publication.ZONING, doc).split(", ", 1)[
                            -1
                        ],
                        "Zone prioritaire": z.nom,
                        "Communes de la CTG dans la zone": len(inside),
                    }
                )
    if not rows:
        return None
    return Table(
        "bilan_zones",
        "Zones prioritaires des zonages publiés (page « Zones sous-dotées »)",
        pd.DataFrame(rows),
        "Zonage publié dans l'espace de travail (méthode de cette application) ; "
        + credit("ign_admin_express_2025"),
    )


def _d(ts: pd.Timestamp | None) -> str:
    return "—" if ts is None or pd.isna(ts) else f"{ts:%d/%m/%Y}"


def _whole(values: pd.Series) -> pd.Series:
    """Numbers as integers when they all are (« 12 », not « 12,0 »), else as decimals."""
    num = pd.to_numeric(values, errors="coerce").astype("Float64").reset_index(drop=True)
    known = num.dropna()
    if not known.empty and bool((known == known.round()).all()):
        return num.round().astype("Int64")
    return num


def _point(year: object, quarter: object) -> str:
    if year is None or pd.isna(year):
        return "—"
    if quarter is None or pd.isna(quarter):
        return f"{int(year)}"
    return f"T{int(quarter)} {int(year)}"


# ------------------------------------------------------------------------------- outputs
INTRO = (
    "Bilan de la convention territoriale globale établi à partir du tableau de suivi partagé "
    "entre la Caf et les signataires et des données de l'espace de travail (circulaire Cnaf, "
    "section 2.3.2 : socle minimum d'évaluation). Il rend compte des réalisations (ce qui a été "
    "fait) et de l'évolution du territoire (ce qui a évolué pour les habitants). Les phrases "
    "générées énoncent des faits chiffrés ; elles ne portent pas d'appréciation."
)


def render_pdf(
    b: Bilan,
    chart_renderer: Callable[[ChartSpec], bytes] = charts.render,
    record: pdf.Record | None = None,
) -> bytes:
    """The bilan as PDF bytes, in the pre-diagnostic's style (`record`: for layout tests)."""
    return pdf.render_report(
        f"{b.title} de CTG",
        f"{ctg_title(b.ctg.nom)} ({b.ctg.id_ctg})",
        INTRO,
        b.generated,
        b.sections,
        b.sources,
        chart_renderer,
        record,
        watermark=publication.WATERMARK if b.drafts else "",
    )


SHEET_NAMES = {
    "bilan_ctg": "Convention",
    "bilan_avenants": "Avenants",
    "suivi_dernier_point": "Suivi - dernier point",
    "suivi_historique": "Suivi - tous les points",
    "bilan_couverture": "Évolution du territoire",
    "bilan_zones": "Zones prioritaires",
}


def render_xlsx(b: Bilan) -> bytes:
    """The bilan's tables as an XLSX workbook (one sheet per table, source under each)."""
    sheets: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for s in b.sections:
        for t in s.tables:
            name = SHEET_NAMES.get(t.id, t.title[:31])
            sheets[name] = t.frame
            sources[name] = t.source + (" — données de démonstration" if t.synthetic else "")
    if not sheets:
        sheets["Bilan"] = pd.DataFrame({"Message": ["Aucune donnée"]})
    return to_xlsx(sheets, sources)
