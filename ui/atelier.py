"""Streamlit glue of the workshop view (« Vue atelier (élus) »).

A presentation of the pre-diagnostic for elected officials: large type, one message per
screen, previous / next buttons, the sidebar and technical controls hidden. The URL holds the
subject (`niveau` + `code`, or `ctg`, or `communes`) and the slide number (`diapo`, from 1), so
a copied link reopens the same screen.
"""

from __future__ import annotations

import html

import streamlit as st

from catalogue.sources import DEMO_LABEL
from geodata.territory import Level
from reports.prediag import (
    Slide,
    Subject,
    subject_from_communes,
    subject_from_territory,
    workshop_slides,
)
from ui import cache, state
from ui import prediag as ui_prediag
from ui.components import chart

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
.block-container { padding-top: 1.2rem; max-width: 1200px; }
.atelier-titre { font-size: 2.6rem; font-weight: 700; color: #1f5c99; margin: 0 0 .4rem 0; line-height: 1.15; }
.atelier-message { font-size: 1.9rem; line-height: 1.35; margin: .6rem 0 1.2rem 0; }
.atelier-detail { font-size: 1.3rem; line-height: 1.4; color: #333; margin: .2rem 0; }
.atelier-chiffre { background: #ecf2f9; border-radius: .6rem; padding: .8rem 1rem; height: 100%; }
.atelier-chiffre .valeur { font-size: 2.4rem; font-weight: 700; color: #1f5c99; }
.atelier-chiffre .libelle { font-size: 1.05rem; color: #333; }
.atelier-demo { background: #e07b39; color: white; font-weight: 700; font-size: 1.1rem; padding: .4rem .8rem;
                border-radius: .4rem; display: inline-block; margin-bottom: .6rem; }
.atelier-source { font-size: .95rem; color: #555; margin-top: .8rem; }
.atelier-pied { font-size: 1rem; color: #666; text-align: center; padding-top: .7rem; }
</style>
"""


def hide_chrome() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def subject_from_url() -> Subject | None:
    """The subject named by the URL (territory, CTG or communes), else the selected territory."""
    params = st.query_params
    geo = cache.geography()
    if params.get("ctg"):
        return ui_prediag.ctg_subject(str(params["ctg"]))
    if params.get("communes"):
        codes = [c.strip() for c in str(params["communes"]).split(",") if c.strip()]
        subject = subject_from_communes(geo, codes) if codes else None
        return subject if subject is not None and subject.communes else None
    territory = state.current_territory()
    if territory.level in (Level.COMMUNE, Level.EPCI):
        return subject_from_territory(geo, territory)
    return None


def _link_notice() -> str | None:
    """French notice when the link names communes or a territory that do not exist."""
    raw = str(st.query_params.get("communes", "") or "")
    if raw.strip():
        shown = raw[:80] + ("…" if len(raw) > 80 else "")
        return (
            f"Le lien demande les communes « {shown} » : aucun de ces codes n'est une commune du "
            "COG 2025. Rien à présenter ; ouvrez la vue atelier depuis la page « Pré-diagnostic "
            "CTG » ou corrigez les codes (5 caractères, ex. 42218, 2A004)."
        )
    return state.url_notice()


def slide_number(n_slides: int) -> int:
    """1-based slide number from the URL, clamped to the deck."""
    raw = str(st.query_params.get("diapo", "1"))
    number = int(raw) if raw.isdigit() else 1
    return min(max(number, 1), n_slides)


def _go(number: int) -> None:
    st.query_params["diapo"] = str(number)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def render_slide(subject: Subject, slide: Slide) -> None:
    if slide.synthetic:
        st.markdown(
            f'<div class="atelier-demo">{_esc(DEMO_LABEL.capitalize())} : chiffres fictifs</div>',
            unsafe_allow_html=True,
        )
    st.markdown(f'<div class="atelier-titre">{_esc(slide.title)}</div>', unsafe_allow_html=True)
    if slide.message:
        st.markdown(
            f'<div class="atelier-message">{_esc(slide.message)}</div>', unsafe_allow_html=True
        )
    if slide.figures:
        cols = st.columns(len(slide.figures))
        for col, f in zip(cols, slide.figures, strict=True):
            col.markdown(
                f'<div class="atelier-chiffre"><div class="valeur">{_esc(f.text)}</div>'
                f'<div class="libelle">{_esc(f.label)}</div></div>',
                unsafe_allow_html=True,
            )
    if slide.chart is not None:
        left, mid, right = st.columns([1, 6, 1])
        with mid:
            if slide.chart.kind == "carte":
                st.image(ui_prediag.chart_png(subject, slide.chart), width="stretch")
            else:
                chart(slide.chart, key=f"atelier_chart_{slide.chart.id}")
    for d in slide.details:
        st.markdown(f'<div class="atelier-detail">{_esc(d)}</div>', unsafe_allow_html=True)
    if slide.sources:
        st.markdown(
            '<div class="atelier-source">' + "<br>".join(_esc(s) for s in slide.sources) + "</div>",
            unsafe_allow_html=True,
        )


def render_nav(number: int, total: int) -> None:
    c1, c2, c3 = st.columns([1, 2, 1])
    c1.button(
        "◀ Précédent",
        key="atelier_prev",
        disabled=number <= 1,
        on_click=_go,
        args=(number - 1,),
        width="stretch",
    )
    c2.markdown(f'<div class="atelier-pied">{number} / {total}</div>', unsafe_allow_html=True)
    c3.button(
        "Suivant ▶",
        key="atelier_next",
        disabled=number >= total,
        on_click=_go,
        args=(number + 1,),
        width="stretch",
    )


def render() -> None:
    hide_chrome()
    subject = subject_from_url()
    if subject is None:
        st.markdown('<div class="atelier-titre">Vue atelier</div>', unsafe_allow_html=True)
        notice = _link_notice()
        if notice:
            st.warning(notice, icon=":material/link_off:")
        st.info(
            "Ouvrez cette vue depuis la page « Pré-diagnostic CTG » (lien « Ouvrir la vue atelier »), ou "
            "avec une adresse du type `atelier?niveau=epci&code=200066587&diapo=1` (commune ou EPCI), "
            "`atelier?ctg=IDENTIFIANT` (CTG importée)."
        )
        return
    slides = workshop_slides(ui_prediag.prediag(subject))
    number = slide_number(len(slides))
    if st.query_params.get("diapo") != str(number):
        st.query_params["diapo"] = str(number)
    render_nav(number, len(slides))
    render_slide(subject, slides[number - 1])
