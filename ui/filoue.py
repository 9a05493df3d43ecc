"""Streamlit glue of the « Profils Filoué » page.

Computation lives in diagnostics/filoue.py (profiles) and diagnostics/secrecy.py (secret
statistique). This module caches the per-EAJE aggregation once per extract and year, the
protected commune views per (commune, threshold), and draws the four tabs. Everything it
shows or exports comes from the protected views: hidden figures are NaN there, shown « s »
on screen and left empty in exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from catalogue.sources import DEMO_LABEL
from charts import filoue as chart_defs
from charts.spec import ChartSpec
from diagnostics import filoue as F
from diagnostics.formatting import fmt_number, fmt_signed
from diagnostics.secrecy import DEFAULT_THRESHOLD, UI_MAX_THRESHOLD, UI_MIN_THRESHOLD
from geodata.maps import MISSING_COLOR, classify_quantiles
from geodata.territory import Level, Territory, communes_of, make_territory, normalize_text
from ui import cache, state
from ui.components import chart, credits, demo_band, download_table
from ui.text import md

SECRET = "s"
SECRET_COLOR = "#8c8c8c"
POP_COLORS = {"eaje": "#1f5fa8", "commune": "#7fb2e5", "alloc": "#e6862e"}
TABS = ("Données de cadrage", "Âges des enfants", "Situation familiale", "Revenus des familles")


# --------------------------------------------------------------------------------------------
# Cached data
# --------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=2)
def _years(revision: int) -> list[int]:  # noqa: ARG001 - Streamlit cache key
    ws = cache.workspace()
    metas = ws.datasets("filoue")
    yrs = {m.millesime for m in metas if m.millesime}
    if yrs:
        return sorted(yrs, reverse=True)
    return F.years(ws.read("filoue").frame)


@st.cache_data(show_spinner=False, max_entries=64)
def _reference_view(annee: int, code_insee: str, threshold: int, revision: int) -> F.ReferenceView:  # noqa: ARG001 - Streamlit cache key
    ref = cache.dataset("filoue_reference").frame
    return F.reference_view(ref, code_insee, annee, threshold)


@st.cache_data(show_spinner=False, max_entries=2)
def _eaje_index(annee: int, revision: int) -> pd.DataFrame:
    """EAJE list with commune names and a normalised search text."""
    eaje = (
        cache.filoue_prepared(annee, revision)
        .eaje[["id_eaje", "nom_eaje", "code_insee_eaje"]]
        .copy()
    )
    names = cache.geography().communes.set_index("code_insee")["nom"]
    eaje["commune"] = eaje["code_insee_eaje"].map(names).fillna(eaje["code_insee_eaje"]).astype(str)
    eaje["label"] = (
        eaje["nom_eaje"].astype(str)
        + " — "
        + eaje["commune"]
        + " ("
        + eaje["id_eaje"].astype(str)
        + ")"
    )
    eaje["search"] = (
        eaje["nom_eaje"].astype(str)
        + " "
        + eaje["commune"]
        + " "
        + eaje["code_insee_eaje"]
        + " "
        + eaje["id_eaje"].astype(str)
    ).map(normalize_text)
    return eaje.reset_index(drop=True)


def _metas(kind: str) -> list:
    return cache.workspace().datasets(kind)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def _fmt(value: float, decimals: int = 0, suffix: str = "") -> str:
    text = fmt_number(value, decimals, missing=SECRET)
    return text if text == SECRET else text + suffix


def _fmt_gap(value: float) -> str:
    text = fmt_signed(value, 1, missing=SECRET)
    return text if text == SECRET else f"{text} pt"


def _pop_label(pop: str, eaje_name: str | None) -> str:
    if pop == "eaje" and eaje_name:
        return f"{F.POPULATION_LABELS['eaje']} ({eaje_name})"
    return F.POPULATION_LABELS[pop]


def comparison_labels(comp: pd.DataFrame) -> dict[str, str]:
    """French column names of a comparison table."""
    names = {"modalite": "Modalité"}
    for pop in ("eaje", "commune", "alloc"):
        lab = F.POPULATION_LABELS[pop]
        names[f"n_{pop}"] = f"{lab} : effectif"
        names[f"part_{pop}"] = f"{lab} : part (%)"
    names["ecart_eaje_commune"] = "Écart EAJE − commune (points)"
    names["ecart_eaje_alloc"] = "Écart EAJE − allocataires (points)"
    names["ecart_commune_alloc"] = "Écart commune − allocataires (points)"
    return {c: names[c] for c in comp.columns if c in names}


def comparison_display(comp: pd.DataFrame) -> pd.DataFrame:
    """Comparison table as French strings (hidden figures shown « s »)."""
    out = pd.DataFrame({"Modalité": comp["modalite"]})
    labels = comparison_labels(comp)
    for col in comp.columns:
        if col == "modalite":
            continue
        if col.startswith("n_"):
            out[labels[col]] = comp[col].map(lambda v: _fmt(v, 0))
        elif col.startswith("part_"):
            out[labels[col]] = comp[col].map(lambda v: _fmt(v, 1, " %"))
        else:
            out[labels[col]] = comp[col].map(_fmt_gap)
    return out


def comparison_export(comp: pd.DataFrame) -> pd.DataFrame:
    """Comparison table for CSV/XLSX: counts as integers, hidden cells empty, French headers."""
    out = comp.copy()
    for col in [c for c in out.columns if c.startswith("n_")]:
        out[col] = out[col].round().astype("Int64")
    return out.rename(columns=comparison_labels(comp))


def export_source(lines: list[str], threshold: int, synthetic: bool) -> str:
    text = " ; ".join(dict.fromkeys(lines))
    text += (
        f". Cellules vides : secret statistique (effectif inférieur à {threshold} ou masqué pour "
        "empêcher de le retrouver par différence)"
    )
    if synthetic and DEMO_LABEL not in text:
        text += f" — {DEMO_LABEL}"
    return text


# --------------------------------------------------------------------------------------------
# Page
# --------------------------------------------------------------------------------------------


def render() -> None:
    apply_map_click()
    st.title("Profils Filoué")
    st.caption(
        "Qui fréquente chaque EAJE, comparé à l'ensemble des EAJE de la commune et aux enfants "
        "des familles allocataires de la commune (tableau de bord Filoué, circulaire Cnaf, § 2.3.1)."
    )
    metas = _metas("filoue")
    if not metas:
        st.info(
            "Aucun extrait Filoué dans l'espace de travail. Importez-le dans la page "
            "« Données et sources ».",
            icon=":material/info:",
        )
        return
    revision = cache.revision()
    synthetic = any(m.is_synthetic for m in metas)
    demo_band(synthetic, "extrait Filoué et référence allocataires")
    years = _years(revision)
    if not years:
        st.info("L'extrait Filoué ne contient aucune ligne.")
        return

    c1, c2, c3 = st.columns([1, 1, 2])
    annee = c1.selectbox("Année", years, key="filoue_annee")
    threshold = int(
        c2.number_input(
            "Seuil du secret statistique",
            min_value=UI_MIN_THRESHOLD,
            max_value=UI_MAX_THRESHOLD,
            value=DEFAULT_THRESHOLD,
            step=1,
            key="filoue_seuil",
            help="Tout effectif inférieur au seuil est masqué (« s »), ainsi que les effectifs qui "
            "permettraient de le retrouver par différence (totaux, autres EAJE de la commune). "
            "Le seuil ne peut pas descendre sous 5.",
        )
    )
    mode = c3.radio("Profil de", ["Un EAJE", "Une commune"], horizontal=True, key="filoue_mode")

    prep = cache.filoue_prepared(int(annee), revision)
    index = _eaje_index(int(annee), revision)
    if index.empty:
        st.info(f"Aucun EAJE dans l'extrait Filoué {annee}.")
        return
    territory = state.current_territory()
    if mode == "Un EAJE":
        id_eaje = _pick_eaje(index, territory)
        if id_eaje is None:
            return
        code = str(index.loc[index["id_eaje"] == id_eaje, "code_insee_eaje"].iloc[0])
    else:
        id_eaje = None
        code = _pick_commune(index, territory)
        if code is None:
            return
    _outside_notice(territory, code, id_eaje, int(annee), set(index["code_insee_eaje"]))

    view = cache.filoue_commune_view(int(annee), code, threshold, revision)
    ref = _reference_view(int(annee), code, threshold, revision)
    src = [m.credit() for m in metas]
    ref_src = [m.credit() for m in _metas("filoue_reference")]
    ref_synth = any(m.is_synthetic for m in _metas("filoue_reference"))
    ctx = _Context(view, ref, id_eaje, index, src, ref_src, synthetic or ref_synth, threshold, prep)

    _header(ctx)
    tabs = st.tabs(list(TABS))
    with tabs[0]:
        _tab_cadrage(ctx)
    for tab, dim in zip(tabs[1:], F.DIMENSIONS, strict=True):
        with tab:
            _tab_dimension(ctx, dim)
    st.divider()
    _ranking_section(ctx)


class _Context:
    def __init__(
        self,
        view: F.CommuneView,
        ref: F.ReferenceView,
        id_eaje: str | None,
        index: pd.DataFrame,
        src: list[str],
        ref_src: list[str],
        synthetic: bool,
        threshold: int,
        prep: F.FilouePrepared,
    ) -> None:
        self.view, self.ref, self.id_eaje, self.index = view, ref, id_eaje, index
        self.src, self.ref_src, self.synthetic, self.threshold, self.prep = (
            src,
            ref_src,
            synthetic,
            threshold,
            prep,
        )
        names = cache.geography().communes.set_index("code_insee")["nom"]
        self.commune_names = names
        self.commune_name = str(names.get(view.code_insee, view.code_insee))
        self.eaje_name = None
        if id_eaje is not None:
            self.eaje_name = str(index.loc[index["id_eaje"] == id_eaje, "nom_eaje"].iloc[0])

    def source(self, with_reference: bool = False) -> str:
        lines = self.src + (self.ref_src if with_reference else [])
        return export_source(lines, self.threshold, self.synthetic)

    def credit_lines(self, with_reference: bool = False) -> list[str]:
        lines = [f"{line} (Filoué {self.view.annee})" for line in self.src]
        if with_reference:
            year = f" {self.ref.annee}" if self.ref.annee else ""
            lines += [f"{line} (enfants allocataires{year})" for line in self.ref_src]
        lines.append(
            f"« {SECRET} » : secret statistique (effectif inférieur à {self.threshold}, ou masqué "
            "pour qu'aucun effectif masqué ne puisse être retrouvé par différence). Secret "
            "vérifié : même en combinant tout ce que la page publie, à tous les seuils, un "
            f"effectif masqué inférieur à {self.threshold} ne peut être situé qu'entre deux bornes "
            f"distantes d'au moins {self.threshold}, la plus haute valant au moins {self.threshold}."
        )
        return lines


def outside_reason(
    inside: set[str], known: set[str], searched: bool, linked: bool, annee: int, what: str
) -> str:
    """Why a structure outside the selected territory is shown (French, for the notice)."""
    if searched:
        return "la recherche porte sur toute la France"
    if linked:
        return "le lien ouvert désigne " + ("cet EAJE" if what == "EAJE" else "cette commune")
    if not inside & known:
        return (
            f"aucun EAJE de l'extrait Filoué {annee} n'est situé dans le territoire sélectionné ; "
            "la liste propose donc "
            + ("ceux de toute la France" if what == "EAJE" else "les communes de toute la France")
        )
    return (
        "choisi dans la liste, après ceux du territoire"
        if what == "EAJE"
        else "choisie dans la liste, après celles du territoire"
    )


def _outside_notice(
    territory: Territory, code: str, id_eaje: str | None, annee: int, known: set[str]
) -> None:
    """A structure outside the selected territory is never shown without saying so and why."""
    if territory.level is Level.FRANCE:
        return
    geo = cache.geography()
    inside = set(communes_of(geo, territory)["code_insee"].astype(str))
    if code in inside:
        return
    rows = geo.communes.loc[geo.communes["code_insee"] == code]
    where = (
        f"{rows['nom'].iloc[0]} ({rows['dep_nom'].iloc[0]}, {rows['dep'].iloc[0]})"
        if not rows.empty
        else code
    )
    searched = bool(str(st.session_state.get("filoue_q", "")).strip()) and id_eaje is not None
    linked = id_eaje is not None and st.query_params.get("eaje") == id_eaje
    what = "EAJE" if id_eaje is not None else "commune"
    reason = outside_reason(inside, known, searched, linked, annee, what)
    subject = "Cet EAJE est situé à" if id_eaje is not None else "La commune affichée,"
    st.warning(
        f"{subject} {md(where)}, hors du territoire sélectionné ({md(territory.label)}) : "
        f"{md(reason)}.",
        icon=":material/location_off:",
    )


def _pick_eaje(index: pd.DataFrame, territory: Territory) -> str | None:
    wanted = st.query_params.get("eaje")
    query = st.text_input(
        "Rechercher un EAJE (nom, commune ou identifiant)",
        key="filoue_q",
        placeholder="Ex. : Les Lucioles, Villeurbanne, 69266, identifiant…",
    )
    cand = index
    if query.strip():
        words = normalize_text(query).split()
        mask = pd.Series(True, index=index.index)
        for w in words:
            mask &= index["search"].str.contains(w, regex=False)
        cand = index.loc[mask]
    elif territory.level is not Level.FRANCE:
        inside = set(communes_of(cache.geography(), territory)["code_insee"])
        local = index.loc[index["code_insee_eaje"].isin(inside)]
        if not local.empty:
            cand = local
    if wanted and wanted in set(index["id_eaje"]) and not query.strip():
        cand = pd.concat(
            [index.loc[index["id_eaje"] == wanted], cand.loc[cand["id_eaje"] != wanted]]
        )
    if cand.empty:
        st.warning("Aucun EAJE ne correspond à la recherche.")
        return None
    options = cand["id_eaje"].head(300).tolist()
    labels = dict(zip(index["id_eaje"], index["label"], strict=True))
    if len(cand) > 300:
        st.caption(
            f"{fmt_number(len(cand))} EAJE correspondent ; précisez la recherche (300 premiers listés)."
        )
    return st.selectbox("EAJE", options, format_func=labels.__getitem__, key="filoue_eaje")


def _pick_commune(index: pd.DataFrame, territory: Territory) -> str | None:
    codes = sorted(index["code_insee_eaje"].unique().tolist())
    names = cache.geography().communes.set_index("code_insee")["nom"]
    if territory.level is not Level.FRANCE:
        inside = set(communes_of(cache.geography(), territory)["code_insee"])
        local = [c for c in codes if c in inside]
        if local:
            codes = local + [c for c in codes if c not in inside]
    if not codes:
        return None
    return st.selectbox(
        "Commune (communes ayant au moins un EAJE dans l'extrait)",
        codes,
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="filoue_commune",
    )


def _header(ctx: _Context) -> None:
    v = ctx.view
    if ctx.id_eaje is not None:
        st.subheader(f"{md(ctx.eaje_name)} — {md(ctx.commune_name)} ({md(v.code_insee)})")
    else:
        st.subheader(f"{md(ctx.commune_name)} ({md(v.code_insee)}) : {len(v.eaje)} EAJE")
    if v.all_hidden:
        st.warning(
            f"Moins de {ctx.threshold} enfants accueillis dans les EAJE de la commune : tous les "
            "effectifs sont couverts par le secret statistique.",
            icon=":material/lock:",
        )
    elif ctx.id_eaje is not None and v.is_secret(ctx.id_eaje):
        st.warning(
            "Les effectifs de cet EAJE sont couverts par le secret statistique (moins de "
            f"{ctx.threshold} enfants, ou EAJE masqué pour qu'un autre ne puisse pas être retrouvé par "
            "différence avec le total de la commune). Seules les données de la commune sont affichées.",
            icon=":material/lock:",
        )
    n_secret = int(v.eaje["secret"].sum())
    if ctx.id_eaje is None and n_secret and not v.all_hidden:
        st.info(
            f"{n_secret} EAJE de la commune ont des effectifs couverts par le secret statistique ; "
            "ils restent comptés dans le total de la commune.",
            icon=":material/lock:",
        )


def _tab_cadrage(ctx: _Context) -> None:
    v = ctx.view
    tab = F.cadrage(v, ctx.id_eaje)
    decimals = {"%": 1, "enfants par place": 2, "heures par place": 0}
    disp = pd.DataFrame({"Indicateur": tab["indicateur"], "Unité": tab["unite"]})
    cols = [("eaje", _pop_label("eaje", ctx.eaje_name))] if "eaje" in tab else []
    cols.append(("commune", f"EAJE de la commune ({ctx.commune_name})"))
    for key, label in cols:
        disp[label] = [
            fmt_number(val, decimals.get(unit, 0))
            if ind == "Places" and pd.notna(val)
            else _fmt(val, decimals.get(unit, 0))
            for ind, unit, val in zip(tab["indicateur"], tab["unite"], tab[key], strict=True)
        ]
    st.dataframe(disp, hide_index=True, width="stretch")
    st.caption(
        "Heures réalisées / heures facturées : part des heures facturées effectivement réalisées. "
        "Heures réalisées par place : heures de présence sur l'année rapportées aux places de l'EAJE. "
        "L'extrait ne donne pas les heures d'ouverture : le taux d'occupation réglementaire n'est "
        "pas calculable ici."
    )
    credits(ctx.credit_lines())
    export = tab.rename(
        columns={
            "indicateur": "Indicateur",
            "unite": "Unité",
            "eaje": "Cet EAJE",
            "commune": "EAJE de la commune",
        }
    )
    download_table(
        export,
        f"filoue_cadrage_{v.code_insee}",
        ctx.source(),
        key="filoue_dl_cadrage",
        export="filoue",
    )

    st.markdown("##### Où habitent les enfants accueillis ?")
    res = F.residence(v, ctx.id_eaje)
    if res.empty:
        st.info("Commune de résidence non disponible.")
        return
    c1, c2 = st.columns([3, 2])
    with c1:
        _residence_map(ctx, res)
    with c2:
        names = ctx.commune_names
        show = pd.DataFrame(
            {
                "Commune de résidence": [
                    f"{names.get(c, c)} ({c})" if c in names.index else c for c in res["code_insee"]
                ],
                "Enfants": res["enfants"].map(lambda x: _fmt(x, 0)),
                "Part (%)": res["part"].map(lambda x: _fmt(x, 1, " %")),
            }
        )
        st.dataframe(show, hide_index=True, width="stretch")
        if (res["code_insee"] == F.AUTRES_COMMUNES).any():
            st.caption(
                f"« {F.AUTRES_COMMUNES} » : communes d'où viennent moins de {F.RESIDENCE_GROUP_BELOW} "
                "enfants de l'ensemble des EAJE de la commune, regroupées (regroupement fixe, "
                "le même à tous les seuils). Secret statistique en vigueur : seuil de "
                f"{ctx.threshold} enfants ; tout effectif inférieur à {ctx.threshold} est masqué "
                f"(« {SECRET} »)."
            )
        export = pd.DataFrame(
            {
                "code_insee": res["code_insee"],
                "commune": [names.get(c, c) for c in res["code_insee"]],
                "enfants": res["enfants"].round().astype("Int64"),
                "part (%)": res["part"],
            }
        )
        download_table(
            export,
            f"filoue_residence_{v.code_insee}",
            ctx.source(),
            key="filoue_dl_res",
            export="filoue",
        )
    credits(ctx.credit_lines())
    if ctx.id_eaje is None:
        st.markdown("##### EAJE de la commune")
        ov = F.eaje_overview(v)
        st.dataframe(
            pd.DataFrame(
                {
                    "EAJE": ov["nom_eaje"],
                    "Places": ov["places"].map(lambda x: fmt_number(x)),
                    "Enfants": ov["enfants"].map(lambda x: _fmt(x)),
                    "Enfants par place": ov["enfants_par_place"].map(lambda x: _fmt(x, 2)),
                    "Heures réalisées / facturées": ov["taux_realisation"].map(
                        lambda x: _fmt(x, 1, " %")
                    ),
                    "Heures réalisées par place": ov["heures_par_place"].map(lambda x: _fmt(x)),
                    "Part résidant dans la commune": ov["part_residents"].map(
                        lambda x: _fmt(x, 1, " %")
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
        )


CLICKED_KEY = "filoue_clicked"


def _select_clicked(ctx: _Context, code: str | None) -> None:
    """A commune clicked on the residence map becomes the territory and the commune profiled
    (« Une commune »), when it has an EAJE in the extract; the widgets are set at the top of
    the next run (`apply_map_click`), before they are drawn."""
    if not code or code == ctx.view.code_insee:
        return
    if code not in set(ctx.index["code_insee_eaje"].astype(str)):
        name = ctx.commune_names.get(code, code)
        st.info(
            f"{md(str(name))} ({md(code)}) n'a aucun EAJE dans l'extrait Filoué "
            f"{ctx.view.annee} : pas de profil à afficher.",
            icon=":material/info:",
        )
        return
    st.session_state[CLICKED_KEY] = code
    st.rerun()


def apply_map_click() -> None:
    """Select the commune clicked on the residence map (see _select_clicked)."""
    code = st.session_state.pop(CLICKED_KEY, None)
    if not code:
        return
    st.session_state["filoue_mode"] = "Une commune"
    st.session_state["filoue_commune"] = code
    state.select_territory(make_territory(cache.geography(), Level.COMMUNE, code), rerun=False)


def _residence_map(ctx: _Context, res: pd.DataFrame) -> None:
    from geodata.maps import Classified
    from ui import maps as ui_maps

    geo = cache.geography()
    dep_of = geo.communes.set_index("code_insee")["dep"]
    dep = dep_of.get(ctx.view.code_insee)
    if dep is None or pd.isna(dep):
        st.caption("Carte indisponible pour cette commune.")
        return
    territory = make_territory(geo, Level.DEPARTEMENT, str(dep))
    known = res.loc[~res["code_insee"].isin([F.NON_RENSEIGNE, F.AUTRES_COMMUNES])]
    shown = known.loc[known["enfants"].notna()].set_index("code_insee")["enfants"]
    hidden = known.loc[known["enfants"].isna(), "code_insee"].tolist()
    cl: Classified = classify_quantiles(shown, k=4, unit="enfants")
    colors = cl.colors.copy()
    for c in hidden:
        colors.loc[c] = SECRET_COLOR
    legend = [(c, lab) for c, lab in cl.legend if c != MISSING_COLOR]
    if hidden:
        legend.append((SECRET_COLOR, f"Effectif masqué (secret statistique, « {SECRET} »)"))
    tips = pd.DataFrame(
        {"Enfants accueillis": [_fmt(x, 0) for x in known["enfants"]]},
        index=known["code_insee"].astype(str),
    )
    who = ctx.eaje_name if ctx.id_eaje else f"EAJE de {ctx.commune_name}"
    credit = " ; ".join(dict.fromkeys(ctx.src))
    m = ui_maps.territory_map(
        Level.COMMUNE,
        territory,
        colors,
        legend,
        title=f"Communes de résidence des enfants — {who}",
        legend_title="Enfants accueillis",
        credit=credit,
        tooltip=tips,
        highlight=ctx.view.code_insee,
        height=420,
    )
    clicked = ui_maps.show_map(m, key="filoue_map", height=420, overlays_of=territory)
    _select_clicked(ctx, clicked)
    outside = [c for c in known["code_insee"] if str(dep_of.get(c, "")) != str(dep)]
    note = (
        f"Contour rouge : {md(ctx.commune_name)}, commune de l'EAJE. Cliquez sur une commune "
        "ayant un EAJE dans l'extrait pour afficher son profil."
    )
    if outside:
        note += f" {len(outside)} commune(s) de résidence hors du département {md(dep)} : voir le tableau."
    st.caption(note)


def _comparison_spec(comp: pd.DataFrame, ctx: _Context, title: str, dim: str) -> ChartSpec | None:
    pops = [
        (p, _pop_label(p, ctx.eaje_name), POP_COLORS[p])
        for p in ("eaje", "commune", "alloc")
        if f"part_{p}" in comp
    ]
    return chart_defs.comparison_spec(
        comp,
        pops,
        title,
        ctx.source(with_reference=True),
        ctx.view.annee,
        synthetic=ctx.synthetic,
        chart_id=f"filoue_{dim}",
    )


def _tab_dimension(ctx: _Context, dim: str) -> None:
    v = ctx.view
    comp = F.comparison(v, ctx.ref, dim, ctx.id_eaje, ctx.prep.modalites.get(dim))
    title = F.DIMENSION_LABELS[dim]
    who = ctx.eaje_name if ctx.id_eaje else ctx.commune_name
    spec = _comparison_spec(comp, ctx, f"{title} — {who}", dim)
    if spec is None:
        st.info("Toutes les parts sont couvertes par le secret statistique.")
    else:
        chart(spec, key=f"filoue_chart_{dim}")
    hidden_mods = (
        comp.loc[comp["modalite"] != "Ensemble"].filter(like="part_").isna().any(axis=1).sum()
    )
    if hidden_mods:
        st.caption(
            f"Barres absentes : parts couvertes par le secret statistique (« {SECRET} » dans le tableau)."
        )
    if ctx.ref.series.get(dim) is None:
        st.caption(
            "Pas de référence « enfants allocataires » pour cette commune et cette dimension."
        )
    st.dataframe(comparison_display(comp), hide_index=True, width="stretch")
    credits(ctx.credit_lines(with_reference=True))
    export = comparison_export(comp)
    download_table(
        export,
        f"filoue_{dim}_{v.code_insee}",
        ctx.source(with_reference=True),
        key=f"filoue_dl_{dim}",
        export="filoue",
    )


_RANKINGS = {
    "revenus": "Part des familles des tranches de revenus choisies",
    "mono": "Part des familles monoparentales",
    "bebes": "Part des enfants de moins d'1 an",
    "residents": "Part des enfants résidant dans la commune",
}


def _ranking_section(ctx: _Context) -> None:
    v = ctx.view
    st.markdown(f"#### Comparer les EAJE de {md(ctx.commune_name)}")
    st.caption(
        "Classement des EAJE de la commune sur un même indicateur, par exemple la part des familles "
        "à bas revenus pour discuter de mixité sociale (bonus « mixité sociale »)."
    )
    c1, c2 = st.columns([1, 2])
    which = c1.selectbox(
        "Indicateur", list(_RANKINGS), format_func=_RANKINGS.__getitem__, key="filoue_rank_ind"
    )
    if which == "revenus":
        mods = [m for m in ctx.prep.modalites.get("tranche_revenu", ()) if m != F.NON_RENSEIGNE]
        chosen = c2.multiselect(
            "Tranches de revenus comptées", mods, default=mods[:1], key="filoue_rank_mods"
        )
        dim, modalites = "tranche_revenu", chosen
    elif which == "mono":
        dim, modalites = "situation_familiale", [F.SITUATION_LABELS["monoparentale"]]
    elif which == "bebes":
        dim, modalites = "age", [F.AGE_BANDS[0]]
    else:
        dim, modalites = F.RESIDENCE, [v.code_insee]
    if not modalites:
        st.info("Choisissez au moins une tranche.")
        return
    rk = F.ranking(v, dim, modalites)
    val = F.commune_share(v, dim, modalites)
    spec = chart_defs.ranking_spec(
        rk,
        _RANKINGS[which],
        float(val) if np.isfinite(val) else None,
        ctx.commune_name,
        ctx.source(),
        v.annee,
        synthetic=ctx.synthetic,
        color=POP_COLORS["eaje"],
    )
    if spec is not None:
        chart(spec, key="filoue_rank_chart")
    disp = pd.DataFrame(
        {
            "Rang": rk["rang"].map(lambda x: "—" if pd.isna(x) else str(int(x))),
            "EAJE": rk["nom_eaje"],
            "Enfants": rk["enfants"].map(lambda x: _fmt(x)),
            "Effectif": rk["effectif"].map(lambda x: _fmt(x)),
            "Part (%)": rk["part"].map(lambda x: _fmt(x, 1, " %")),
            "Écart à la commune": rk["ecart_commune"].map(_fmt_gap),
        }
    )
    st.dataframe(disp, hide_index=True, width="stretch")
    credits(ctx.credit_lines())
    export = rk.assign(
        enfants=rk["enfants"].round().astype("Int64"),
        effectif=rk["effectif"].round().astype("Int64"),
    ).rename(
        columns={
            "rang": "Rang",
            "id_eaje": "Identifiant EAJE",
            "nom_eaje": "EAJE",
            "enfants": "Enfants accueillis",
            "effectif": "Effectif",
            "part": "Part (%)",
            "ecart_commune": "Écart à la commune (points)",
        }
    )
    download_table(
        export,
        f"filoue_classement_{v.code_insee}",
        ctx.source(),
        key="filoue_dl_rank",
        export="filoue",
    )
