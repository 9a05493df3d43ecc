"""Streamlit glue of the workshop view (« Vue atelier (élus) »), made for a projector.

A presentation of the pre-diagnostic for elected officials: one message per screen, every
screen fitting the window (1024×768 to 1920×1080) without scrolling — type sized in units of
the window's height, the chart (plotly, vector) filling the room left under the text —,
navigation by the buttons or the keyboard (arrows, Page Up / Page Down, space, Home / End),
the sidebar and technical controls hidden, a visible link back to the pre-diagnostic, the
« données de démonstration » label on every screen that shows synthetic figures. Screens
with nothing to show are left out (reports.prediag.workshop_slides).

The URL holds the subject (`niveau` + `code`, or `ctg`, or `communes`) and the slide number
(`diapo`, from 1), so a copied link reopens the same screen. Keyboard: a small
`st.components.v2` component (in the page, no iframe) listens to the keys and sends the
slide to go to as a trigger value.
"""

from __future__ import annotations

import html
import math

import streamlit as st

from catalogue.sources import DEMO_LABEL
from charts import plotly_figure
from geodata.maps import Overlay
from geodata.territory import Level
from reports.prediag import (
    Slide,
    Subject,
    subject_from_communes,
    subject_from_territory,
    workshop_slides,
)
from ui import cache, maps, state
from ui import prediag as ui_prediag

NAV_KEY = "atelier_keys"
#: Height given to a slide's live map before the page's CSS stretches it to the room left
#: under the text (`visual_height_vh`).
MAP_HEIGHT_PX = 520

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
.stMainBlockContainer, .block-container { padding: .6rem 2.2vw 0 2.2vw !important; max-width: 100% !important; }
.st-key-atelier_nav { gap: .4rem; }
.st-key-atelier_nav button, .st-key-atelier_nav a { min-height: 2.2rem; }
.atelier-titre { font-size: 4.6vh; font-weight: 700; color: #1f5c99; margin: 0; line-height: 1.15; }
.atelier-message { font-size: 3.3vh; line-height: 1.3; margin: .3vh 0 .6vh 0; }
.atelier-detail { font-size: 2.4vh; line-height: 1.3; color: #333; margin: 0; }
.atelier-chiffre { background: #ecf2f9; border-radius: .6rem; padding: 1vh 1vw; height: 100%; }
.atelier-chiffre.demo { background: #fdece0; }
.atelier-chiffre .valeur { font-size: 4.4vh; font-weight: 700; color: #1f5c99; line-height: 1.2; }
.atelier-chiffre .libelle { font-size: 2vh; color: #333; line-height: 1.25; }
.atelier-demo { background: #e07b39; color: white; font-weight: 700; font-size: 2.2vh; padding: .3vh .8vw;
                border-radius: .4rem; display: inline-block; margin: 0 0 .4vh 0; }
.atelier-source { font-size: 1.55vh; color: #555; line-height: 1.3; margin: 0; }
.atelier-pied { font-size: 2.2vh; color: #444; text-align: center; padding-top: .3rem; }
.atelier-clavier { font-size: 1.5vh; color: #777; text-align: center; }
.st-key-atelier_visual [data-testid="stElementContainer"], .st-key-atelier_visual [data-testid="stPlotlyChart"],
.st-key-atelier_visual [data-testid="stFullScreenFrame"], .st-key-atelier_visual [data-testid="stFullScreenFrame"] > div,
.st-key-atelier_visual .js-plotly-plot, .st-key-atelier_visual .plot-container,
.st-key-atelier_visual .svg-container { height: 100% !important; }
.st-key-atelier_visual img { object-fit: contain; max-height: 100%; width: auto !important; margin: 0 auto; display: block; }
.st-key-atelier_visual [data-testid="stImageContainer"], .st-key-atelier_visual .stImage { height: 100%; }
.st-key-atelier_visual .diag-map-holder { height: 100% !important; }
.st-key-atelier_visual .diag-legend { font-size: 2.1vh; line-height: 1.3; padding: .6vh .7vw; max-width: 38vw; }
.st-key-atelier_visual .diag-legend .diag-lt { font-size: 2.2vh; }
.st-key-atelier_visual .diag-legend i { width: 2.4vh; height: 1.8vh; }
.st-key-atelier_visual .diag-legend i.diag-pt { width: 1.6vh; height: 1.6vh; }
.st-key-atelier_visual .leaflet-container .leaflet-control-attribution { display: none; }
.st-key-atelier_visual .diag-tt, .st-key-atelier_visual .diag-tt td { font-size: 2vh; }
</style>
"""

# Keyboard navigation: one listener per browser tab, sending the move (next, prev, first,
# last) through the latest component; keys typed in a field are left alone. It listens in the
# capture phase on the document and stops the keys it handles there: when the live map of a
# slide has the focus, the arrows still move the slides and never pan the map (the map keeps
# + / − for zooming, the mouse for panning).
KEYS_JS = """
export default function (component) {
  window.__diagAtelier = component;
  if (window.__diagAtelierKeys) return;
  window.__diagAtelierKeys = function (e) {
    var c = window.__diagAtelier;
    if (!c || !c.parentElement || !document.body.contains(c.parentElement)) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var move = null;
    if (['ArrowRight', 'ArrowDown', 'PageDown', ' ', 'Spacebar'].indexOf(e.key) >= 0) move = 'next';
    else if (['ArrowLeft', 'ArrowUp', 'PageUp'].indexOf(e.key) >= 0) move = 'prev';
    else if (e.key === 'Home') move = 'first';
    else if (e.key === 'End') move = 'last';
    else return;
    e.preventDefault();
    e.stopPropagation();
    c.setTriggerValue('go', move + ':' + Date.now());
  };
  document.addEventListener('keydown', window.__diagAtelierKeys, true);
}
"""

_keys = st.components.v2.component("diag_atelier_keys", js=KEYS_JS, isolate_styles=False)


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


def _lines(text: str, size_vh: float) -> int:
    """Lines a text takes at `size_vh` on a 4:3 screen (the narrowest a projector gives): the
    usable width is about 1,27 times the height, a character about half the type size."""
    per_line = max(int(244 / size_vh), 20)
    return max(1, math.ceil(len(text) / per_line))


def visual_height_vh(slide: Slide) -> float:
    """Height (in % of the window) left for the slide's chart or map under its text."""
    used = 7.5 + 6.0  # navigation bar, title
    used += 3.8 if slide.synthetic else 0.0
    if slide.message:
        used += _lines(slide.message, 3.3) * 4.3 + 1.0
    if slide.figures:
        used += 14.0
    used += sum(_lines(d, 2.4) * 3.15 for d in slide.details)
    used += 1.6 * 1.3 * min(len(slide.sources), 4) + 1.5
    return max(18.0, 100.0 - used - 5.0)


def _figure(spec):
    """The chart's plotly figure in projector type; its height is the room left on the slide
    (`height="stretch"` in a container sized by `visual_height_vh`)."""
    fig = plotly_figure.figure(spec)
    fig.update_layout(
        font={"size": 17},
        title={"font": {"size": 20}},
        legend={"font": {"size": 16}, "title": {"text": ""}},
        height=None,
        autosize=True,
    )
    fig.update_xaxes(tickfont={"size": 16}, title_font={"size": 16})
    fig.update_yaxes(tickfont={"size": 16}, title_font={"size": 16})
    for trace in fig.data:
        if getattr(trace, "textfont", None) is not None:
            trace.textfont.size = 16
    return fig


def slide_overlays(subject: Subject, slide: Slide) -> tuple[Overlay, ...]:
    """The shared overlays drawn on a map slide: those on in the session (the link from the
    pre-diagnostic carries them, `couches`), published zonings only; none on other slides."""
    if slide.chart is None or slide.chart.kind != "carte":
        return ()
    return ui_prediag.subject_overlays(subject)


def render_slide(subject: Subject, slide: Slide) -> None:
    overlays = slide_overlays(subject, slide)
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
            demo = " demo" if f.synthetic else ""
            col.markdown(
                f'<div class="atelier-chiffre{demo}"><div class="valeur">{_esc(f.text)}</div>'
                f'<div class="libelle">{_esc(f.label)}</div></div>',
                unsafe_allow_html=True,
            )
    if slide.chart is not None:
        vh = visual_height_vh(slide)
        st.markdown(
            f"<style>.st-key-atelier_visual {{ height: {vh:.1f}vh !important; flex: none !important; }}</style>",
            unsafe_allow_html=True,
        )
        with st.container(key="atelier_visual"):
            if slide.chart.kind == "carte":  # live, with the session's overlays
                maps.show_map(
                    ui_prediag.live_map(subject, slide.chart, MAP_HEIGHT_PX),
                    f"atelier_map_{slide.chart.id}",
                    False,
                    MAP_HEIGHT_PX,
                    overlays=overlays,
                )
            else:  # vector: plotly, the same definition as the PDF's chart
                st.plotly_chart(
                    _figure(slide.chart),
                    key=f"atelier_chart_{slide.chart.id}",
                    width="stretch",
                    height="stretch",
                    config=plotly_figure.config(slide.chart),
                    alt=slide.chart.title,
                )
    for d in slide.details:
        st.markdown(f'<div class="atelier-detail">{_esc(d)}</div>', unsafe_allow_html=True)
    sources = list(slide.sources[:4]) + [f"{ov.name} : {ov.credit}" for ov in overlays if ov.credit]
    if sources:
        st.markdown(
            '<div class="atelier-source">' + "<br>".join(_esc(s) for s in sources) + "</div>",
            unsafe_allow_html=True,
        )


def _back_params(subject: Subject) -> dict[str, str]:
    if subject.kind == "ctg":
        return {"ctg": subject.code}
    if subject.kind in ("commune", "epci"):
        return {"niveau": subject.kind, "code": subject.code}
    return {"communes": ",".join(subject.communes)}


def render_nav(subject: Subject, number: int, total: int) -> None:
    """Top bar: back to the app, previous, slide number, next."""
    with st.container(key="atelier_nav", horizontal=True, vertical_alignment="center"):
        st.page_link(
            "app_pages/prediagnostic.py",
            label="Quitter la présentation",
            icon=":material/arrow_back:",
            query_params=_back_params(subject),
        )
        st.button(
            "◀ Précédent",
            key="atelier_prev",
            disabled=number <= 1,
            on_click=_go,
            args=(number - 1,),
        )
        st.markdown(f'<div class="atelier-pied">{number} / {total}</div>', unsafe_allow_html=True)
        st.button(
            "Suivant ▶",
            key="atelier_next",
            disabled=number >= total,
            on_click=_go,
            args=(number + 1,),
        )
        st.markdown(
            '<div class="atelier-clavier">Clavier : ← → · Page préc. / suiv. · espace</div>',
            unsafe_allow_html=True,
        )


def keyboard(number: int, total: int) -> int:
    """The keyboard listener (drawn first, zero height); returns the slide to show: the one a
    key just asked for (trigger value « go » : next, prev, first or last), else `number`."""
    result = _keys(key=NAV_KEY, data={"total": total}, height=0)
    move = str(getattr(result, "go", None) or "").partition(":")[0]
    target = {"next": number + 1, "prev": number - 1, "first": 1, "last": total}.get(move)
    if target is not None:
        number = min(max(target, 1), total)
        _go(number)
    return number


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
        st.page_link(
            "app_pages/prediagnostic.py",
            label="Aller au pré-diagnostic",
            icon=":material/arrow_back:",
        )
        return
    slides = workshop_slides(ui_prediag.prediag(subject))
    number = keyboard(slide_number(len(slides)), len(slides))
    if st.query_params.get("diapo") != str(number):
        st.query_params["diapo"] = str(number)
    render_nav(subject, number, len(slides))
    render_slide(subject, slides[number - 1])
