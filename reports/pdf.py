"""PDF rendering of a pre-diagnostic (fpdf2, fonts shipped in reports/fonts).

Cover, summary page, one section per theme with key figures, generated sentences, charts,
static maps and tables, the source and year under every figure and table, the date and page
numbers in the footer, and an orange « données de démonstration » band on every page of a
section that uses synthetic data (and on the cover when any section does). French
typography (diagnostics.narrative.typographie) is applied to every string written.

Fonts: DejaVu Sans (copied from matplotlib, licence in reports/fonts/LICENSE_DEJAVU), so no
system font or browser is needed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from PIL import Image

from catalogue.sources import DEMO_LABEL
from diagnostics import narrative
from diagnostics.formatting import MONTHS, fmt_number
from reports import charts
from reports.prediag import ChartSpec, Prediag, Section, Table

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MAX_TABLE_ROWS = 40
BLUE = (31, 92, 153)
ORANGE = (224, 123, 57)
GREY = (90, 90, 90)


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(FONT_DIR / "DejaVuSans-Latin.ttf").getBestCmap())


def typographie(text: str) -> str:
    """French typography, and any character the shipped font lacks (the fonts are subset to
    Latin scripts; names from user files may hold others) replaced by « ? »."""
    text = narrative.typographie(str(text))
    glyphs = _glyphs()
    if all(ord(ch) in glyphs or ch == "\n" for ch in text):
        return text
    return "".join(ch if ord(ch) in glyphs or ch == "\n" else "?" for ch in text)


def date_fr(d: date) -> str:
    """« 26 novembre 2026 » (« 1er » for the first day)."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def cell_text(value: object, decimals: int = 1) -> str:
    """A table cell in French format: integers without decimals, other numbers with
    `decimals`; years (integers 1900-2100 in an « Année » column) are written by the caller."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fmt_number(value, 0)
    if isinstance(value, float):
        return fmt_number(value, decimals)
    return str(value)


def _frame_texts(frame: pd.DataFrame) -> list[list[str]]:
    years = [str(c).startswith("Année") or str(c) in ("Début", "Fin") for c in frame.columns]
    out = []
    for row in frame.itertuples(index=False):
        cells = []
        for is_year, v in zip(years, row, strict=True):
            if is_year and pd.api.types.is_number(v) and not pd.isna(v):
                cells.append(str(int(v)))
            else:
                cells.append(typographie(cell_text(v.item() if hasattr(v, "item") else v)))
        out.append(cells)
    return out


class _Doc(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.demo_band = False
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans-Latin.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold-Latin.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique-Latin.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.demo_band:
            self.set_fill_color(*ORANGE)
            self.set_text_color(255, 255, 255)
            self.set_font(FONT, "B", 8)
            self.set_xy(0, 0)
            self.cell(
                self.w,
                7,
                typographie(
                    f"{DEMO_LABEL.upper()} — certains chiffres de ces pages sont "
                    "fictifs (jeu synthétique)"
                ),
                align="C",
                fill=True,
            )
            self.set_text_color(0, 0, 0)
            self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 5, typographie(self.footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} / {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # ------------------------------------------------------------------ blocks
    def text(
        self, text: str, size: float = 9.5, style: str = "", colour=(0, 0, 0), h: float = 5
    ) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.lines(typographie(text), h)
        self.set_text_color(0, 0, 0)

    def lines(self, text: str, h: float) -> None:
        """Left-aligned text at the current font: a plain cell per line when it fits (much
        faster than multi_cell's line breaking), multi_cell otherwise."""
        for line in text.split("\n"):
            if self.get_string_width(line) <= self.epw - 1:
                self.cell(0, h, line, new_x="LMARGIN", new_y="NEXT", align="L")
            else:
                self.multi_cell(0, h, line, new_x="LMARGIN", new_y="NEXT", align="L")

    def heading(self, text: str, size: float = 15) -> None:
        self.set_font(FONT, "B", size)
        self.set_text_color(*BLUE)
        self.multi_cell(0, size * 0.55, typographie(text), new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_draw_color(*BLUE)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def source_line(self, text: str, synthetic: bool) -> None:
        self.set_font(FONT, "I", 7)
        self.set_text_color(*GREY)
        self.lines(typographie(text.replace(" ; ", "\n")), 3.6)
        if synthetic:
            self.set_font(FONT, "B", 7)
            self.set_text_color(*ORANGE)
            self.multi_cell(
                0,
                3.6,
                typographie(f"« {DEMO_LABEL} » : valeurs fictives."),
                new_x="LMARGIN",
                new_y="NEXT",
                align="L",
            )
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def ensure_space(self, height: float) -> None:
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()


def _figures_block(pdf: _Doc, section: Section) -> None:
    figs = section.figures[:8]
    if not figs:
        return
    per_row = 4
    width = (pdf.w - pdf.l_margin - pdf.r_margin - (per_row - 1) * 3) / per_row
    for start in range(0, len(figs), per_row):
        pdf.ensure_space(20)
        y = pdf.get_y()
        for i, f in enumerate(figs[start : start + per_row]):
            x = pdf.l_margin + i * (width + 3)
            pdf.set_fill_color(236, 242, 249) if not f.synthetic else pdf.set_fill_color(
                253, 236, 224
            )
            pdf.rect(x, y, width, 17, style="F")
            pdf.set_xy(x + 2, y + 1.5)
            pdf.set_font(FONT, "B", 11)
            pdf.set_text_color(*BLUE)
            pdf.cell(width - 4, 6, typographie(f.text), align="L")
            pdf.set_xy(x + 2, y + 8)
            pdf.set_font(FONT, "", 7)
            pdf.set_text_color(0, 0, 0)
            pdf.multi_cell(width - 4, 3.2, typographie(f.label), align="L")
        pdf.set_xy(pdf.l_margin, y + 19)
    sources = []
    for f in figs:
        if f.source not in sources:
            sources.append(f.source)
    pdf.source_line("Chiffres clés — " + " ; ".join(sources), any(f.synthetic for f in figs))


def _chart_block(pdf: _Doc, chart: ChartSpec, png: bytes) -> None:
    px_w, px_h = Image.open(io.BytesIO(png)).size
    width = 150.0 if chart.kind == "carte" else 165.0
    height = width * px_h / px_w
    max_h = 115.0
    if height > max_h:
        width, height = width * max_h / height, max_h
    pdf.ensure_space(height + 22 + (4.5 if len(chart.series) > 1 else 0))
    pdf.text(chart.title, size=10, style="B")
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    _legend_line(pdf, chart)
    if chart.note:
        pdf.text(chart.note, size=7.5, style="I")
    pdf.source_line(chart.source, chart.synthetic)


def _legend_line(pdf: _Doc, chart: ChartSpec) -> None:
    """The chart's legend as text (its colour, dash and series name), under the image drawn
    without it (charts.static): the PDF's text then names the same series as the screen."""
    if chart.kind == "carte" or len(chart.series) < 2:
        return
    pdf.set_font(FONT, "", 7)
    x, y, right = pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin
    for i, name in enumerate(chart.series):
        label = typographie(name)
        w = 6 + pdf.get_string_width(label) + 4
        if x + w > right and x > pdf.l_margin:
            x, y = pdf.l_margin, y + 4
        r, g, b = (int(chart.color(i)[k : k + 2], 16) for k in (1, 3, 5))
        pdf.set_draw_color(r, g, b)
        pdf.set_fill_color(r, g, b)
        if chart.kind == "courbes":
            pdf.set_line_width(0.6)
            if chart.dash(i) != "solid":
                pdf.set_dash_pattern(dash=1.2, gap=0.8)
            pdf.line(x, y + 1.6, x + 4.5, y + 1.6)
            pdf.set_dash_pattern()
            pdf.set_line_width(0.2)
        else:
            pdf.rect(x, y + 0.4, 3.2, 2.6, style="F")
        pdf.set_xy(x + 5.5, y)
        pdf.cell(w - 6, 3.4, label)
        x += w
    pdf.set_draw_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + 5)


def _col_widths(pdf: _Doc, frame: pd.DataFrame, texts: list[list[str]]) -> list[float]:
    """Column widths (mm) from the printed widths: at least the longest header word (bold), at
    most 60 mm of content; shrunk or stretched proportionally to the usable width."""
    pdf.set_font(FONT, "B", 7)
    head = [
        max((pdf.get_string_width(w) for w in str(c).split()), default=4.0) + 2.0
        for c in frame.columns
    ]
    pdf.set_font(FONT, "", 7.5)
    wanted = []
    for j, h in enumerate(head):
        content = max((pdf.get_string_width(r[j]) for r in texts), default=0.0) + 2.0
        wanted.append(max(h, min(content, 60.0), 8.0))
    total = sum(wanted)
    return [w / total * pdf.epw for w in wanted]


def _fit(pdf: _Doc, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _table_block(pdf: _Doc, table: Table) -> None:
    frame = table.frame
    shown = frame.head(MAX_TABLE_ROWS)
    texts = _frame_texts(shown)
    widths = _col_widths(pdf, shown, texts)
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) for c in shown.columns]
    pdf.ensure_space(25)
    pdf.text(table.title, size=10, style="B")
    row_h = 4.4

    def header() -> None:
        pdf.set_font(FONT, "B", 7)
        pdf.set_fill_color(*BLUE)
        pdf.set_text_color(255, 255, 255)
        heads = [typographie(str(c)) for c in shown.columns]
        lines = max(
            len(pdf.multi_cell(w - 1, 3.4, h, dry_run=True, output="LINES"))
            for w, h in zip(widths, heads, strict=True)
        )
        y = pdf.get_y()
        x = pdf.l_margin
        for w, h in zip(widths, heads, strict=True):
            pdf.rect(x, y, w, lines * 3.4 + 1.2, style="F")
            pdf.set_xy(x + 0.5, y + 0.6)
            pdf.multi_cell(w - 1, 3.4, h, align="L")
            x += w
        pdf.set_xy(pdf.l_margin, y + lines * 3.4 + 1.2)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 7.5)

    header()
    for i, row in enumerate(texts):
        if pdf.get_y() + row_h > pdf.h - pdf.b_margin:
            pdf.add_page()
            header()
        fill = i % 2 == 1
        if fill:
            pdf.set_fill_color(244, 246, 250)
        for j, (w, txt) in enumerate(zip(widths, row, strict=True)):
            pdf.cell(w, row_h, _fit(pdf, txt, w - 1), fill=fill, align="R" if numeric[j] else "L")
        pdf.ln(row_h)
    pdf.ln(1)
    if len(frame) > MAX_TABLE_ROWS:
        pdf.text(
            f"{MAX_TABLE_ROWS} premières lignes sur {fmt_number(len(frame))} ; le tableau complet est dans "
            "l'export XLSX.",
            size=7.5,
            style="I",
        )
    if table.note:
        pdf.text(table.note, size=7.5, style="I")
    pdf.source_line(table.source, table.synthetic)


def _missing_block(pdf: _Doc, section: Section) -> None:
    if not section.missing:
        return
    pdf.ensure_space(20)
    pdf.text("Données non disponibles dans l'espace de travail", size=9.5, style="B", colour=GREY)
    for m in section.missing:
        pdf.text(f"• {m}", size=8.5, colour=GREY, h=4.3)
    pdf.ln(2)


def _cover(pdf: _Doc, p: Prediag) -> None:
    pdf.demo_band = p.synthetic
    pdf.add_page()
    pdf.set_y(60)
    pdf.text("Pré-diagnostic CTG", size=28, style="B", colour=BLUE, h=13)
    pdf.ln(2)
    pdf.text(p.subject.title, size=17, style="B", h=9)
    pdf.ln(2)
    pdf.text(
        f"{narrative.count_phrase(len(p.subject.communes), 'commune', feminine=True)} ; comparaison avec : "
        + ", ".join(c.label for c in p.comparisons)
        + ".",
        size=11,
        h=6,
    )
    pdf.ln(6)
    pdf.text(f"Édité le {date_fr(p.generated)}", size=11, colour=GREY)
    pdf.ln(10)
    pdf.text(
        "Document de travail produit à partir des données de l'espace de travail de la Caf, pour préparer "
        "le renouvellement de la convention territoriale globale (circulaire Cnaf, section 2.3.1 : "
        "répertorier l'offre d'accueil, préciser les besoins, identifier les zones insuffisamment dotées). "
        "Les phrases générées énoncent des faits chiffrés ; elles ne portent pas d'appréciation.",
        size=9,
        colour=GREY,
    )
    if p.synthetic:
        pdf.ln(8)
        pdf.set_fill_color(*ORANGE)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(FONT, "B", 10)
        names = ", ".join(s.title for s in p.sections if s.synthetic)
        pdf.multi_cell(
            0,
            6,
            typographie(
                f"Ce document contient des {DEMO_LABEL} (chiffres fictifs) dans les "
                f"sections : {names}. Importez les fichiers réels pour les remplacer."
            ),
            fill=True,
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
            padding=2,
        )
        pdf.set_text_color(0, 0, 0)
    for note in p.subject.notes:
        pdf.ln(4)
        pdf.text(note, size=9, style="I")


def _summary(pdf: _Doc, p: Prediag) -> None:
    pdf.demo_band = p.synthetic
    pdf.add_page()
    pdf.heading("Synthèse")
    figs = [f for s in p.sections for f in s.figures[:2]][:8]
    if figs:
        _figures_block(pdf, Section("synthese", "Synthèse", tuple(figs)))
    pdf.text("Faits marquants", size=11, style="B")
    pdf.ln(1)
    for s in p.sections:
        if not s.sentences:
            continue
        pdf.text(s.title, size=9.5, style="B", colour=BLUE)
        for sentence in s.sentences[:3]:
            pdf.text(f"• {sentence}", size=9, h=4.6)
        pdf.ln(1)
    pdf.ln(2)
    pdf.text("Sections", size=11, style="B")
    for s in p.sections:
        status = (
            "données de démonstration" if s.synthetic else ("à compléter" if not s.figures else "")
        )
        pdf.text(f"• {s.title}" + (f" ({status})" if status else ""), size=9, h=4.6)


def render_pdf(p: Prediag, chart_renderer: Callable[[ChartSpec], bytes] = charts.render) -> bytes:
    """The pre-diagnostic as PDF bytes."""
    footer = f"Pré-diagnostic CTG — {p.subject.title} — édité le {date_fr(p.generated)}"
    pdf = _Doc(footer)
    pdf.set_title(typographie(f"Pré-diagnostic CTG — {p.subject.title}"))
    pdf.set_author("Caf — application de diagnostics territoriaux")
    pdf.set_creation_date(pd.Timestamp(p.generated).to_pydatetime())
    _cover(pdf, p)
    _summary(pdf, p)
    _sections_and_sources(pdf, p.sections, p.sources, chart_renderer)
    return bytes(pdf.output())


def _sections_and_sources(
    pdf: _Doc,
    sections: tuple[Section, ...],
    sources: tuple[str, ...],
    chart_renderer: Callable[[ChartSpec], bytes],
) -> None:
    """One page (or more) per section, then the page of sources."""
    for i, s in enumerate(sections, start=1):
        pdf.demo_band = s.synthetic
        pdf.add_page()
        pdf.heading(f"{i}. {s.title}")
        _figures_block(pdf, s)
        for sentence in s.sentences:
            pdf.text(f"• {sentence}", size=9.5, h=4.8)
        if s.sentences:
            pdf.ln(3)
        for c in s.charts:
            _chart_block(pdf, c, chart_renderer(c))
        for t in s.tables:
            _table_block(pdf, t)
        _missing_block(pdf, s)
    pdf.demo_band = False
    pdf.add_page()
    pdf.heading("Sources")
    for src in sources:
        pdf.text(f"• {src}", size=9, h=4.6)


def render_report(
    title: str,
    subject: str,
    intro: str,
    generated: date,
    sections: tuple[Section, ...],
    sources: tuple[str, ...],
    chart_renderer: Callable[[ChartSpec], bytes] = charts.render,
) -> bytes:
    """Another report in the pre-diagnostic's style (fonts, blocks, demo bands, footer): a
    cover (title, subject, date, intro), then the sections and the sources (e.g. a CTG bilan,
    reports/bilan.py)."""
    synthetic = any(s.synthetic for s in sections)
    pdf = _Doc(f"{title} — {subject} — édité le {date_fr(generated)}")
    pdf.set_title(typographie(f"{title} — {subject}"))
    pdf.set_author("Caf — application de diagnostics territoriaux")
    pdf.set_creation_date(pd.Timestamp(generated).to_pydatetime())
    pdf.demo_band = synthetic
    pdf.add_page()
    pdf.set_y(60)
    pdf.text(title, size=28, style="B", colour=BLUE, h=13)
    pdf.ln(2)
    pdf.text(subject, size=17, style="B", h=9)
    pdf.ln(6)
    pdf.text(f"Édité le {date_fr(generated)}", size=11, colour=GREY)
    pdf.ln(10)
    pdf.text(intro, size=9, colour=GREY)
    if synthetic:
        pdf.ln(6)
        names = ", ".join(s.title for s in sections if s.synthetic)
        pdf.text(
            f"Ce document contient des {DEMO_LABEL} (chiffres fictifs) dans les sections : "
            f"{names}.",
            size=10,
            style="B",
            colour=ORANGE,
        )
    _sections_and_sources(pdf, sections, sources, chart_renderer)
    return bytes(pdf.output())
