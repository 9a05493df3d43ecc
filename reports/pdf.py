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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from PIL import Image

from catalogue.sources import DEMO_LABEL
from diagnostics import narrative
from diagnostics.formatting import MONTHS, fmt_number
from diagnostics.publication import WATERMARK
from reports import charts
from reports.prediag import ChartSpec, Prediag, Section, Table
from reports.tables import display_frame, numeric_columns

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MAX_TABLE_ROWS = 40
BLUE = (31, 92, 153)
ORANGE = (224, 123, 57)
GREY = (90, 90, 90)


# « 10 000 » typed with a plain space (never « 2023 250 »): held by a narrow no-break space
_DIGIT_GROUP = re.compile(r"(?<![\d,.])\d{1,3}(?: \d{3})+(?!\d)")


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(FONT_DIR / "DejaVuSans-Latin.ttf").getBestCmap())


def typographie(text: str) -> str:
    """French typography, and any character the shipped font lacks (the fonts are subset to
    Latin scripts; names from user files may hold others) replaced by « ? »."""
    text = _DIGIT_GROUP.sub(
        lambda m: m.group(0).replace(" ", "\u202f"), narrative.typographie(str(text))
    )
    glyphs = _glyphs()
    if all(ord(ch) in glyphs or ch == "\n" for ch in text):
        return text
    return "".join(ch if ord(ch) in glyphs or ch == "\n" else "?" for ch in text)


def date_fr(d: date) -> str:
    """« 26 novembre 2026 » (« 1er » for the first day)."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def _frame_texts(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> list[list[str]]:
    """The table's cells as printed: the screen's French text (reports.tables.display_frame)
    with French typography."""
    shown = display_frame(frame, decimals=decimals)
    return [[typographie(v) for v in row] for row in shown.itertuples(index=False)]


@dataclass(frozen=True)
class DrawnCell:
    """One table cell as drawn: its full text, the lines it was split into, its column width
    (mm), font size (pt) and style (« B » for headers)."""

    table: str
    part: str  # « header » or « cell »
    text: str
    lines: tuple[str, ...]
    width: float
    size: float
    style: str


@dataclass
class Record:
    """What a rendering drew, for the layout tests: every table cell, the pages that end a
    section (a short page is expected there) and the number of pages."""

    cells: list[DrawnCell] = field(default_factory=list)
    section_ends: set[int] = field(default_factory=set)
    pages: int = 0
    # per section (cover and summary included): [synthetic, first page, last page]
    sections: list[list] = field(default_factory=list)


SECTION_MIN_SPACE = 70.0  # mm: a section starts on the current page when this much is left


class _Doc(FPDF):
    def __init__(self, footer_text: str, record: Record | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.record = record
        self._widths: dict[tuple, float] = {}  # get_string_width, remembered
        self.demo_band = False  # the band is drawn on every new page while True
        self.band_pages: set[int] = set()
        self.watermark = ""  # « BROUILLON – version non publiée » on every page of a preview
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans-Latin.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold-Latin.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique-Latin.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.alias_nb_pages()

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        """fpdf's width of `s` at the current font, remembered per font, style, size, spacing
        and stretching: the layout of the tables measures the same words and numbers again
        and again (fpdf parses the text into styled fragments at every call: an eighth of
        the time of an SDSF PDF went there)."""
        if markdown:
            return super().get_string_width(s, normalized, markdown)
        key = (
            s,
            self.font_family,
            self.font_style,
            self.font_size_pt,
            self.char_spacing,
            self.font_stretching,
        )
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = super().get_string_width(s, normalized)
        return width

    def header(self) -> None:
        if self.record is not None and self.record.sections:
            self.record.sections[-1][2] = self.page
        if self.watermark:
            self._draw_watermark()
        if self.demo_band:
            self.band()

    def band(self) -> None:
        """The orange « données de démonstration » band at the top of the current page (once
        per page; drawn afterwards when a synthetic section starts in the middle of a page)."""
        if self.page in self.band_pages:
            return
        self.band_pages.add(self.page)
        x, y = self.get_x(), self.get_y()
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
        self.set_xy(x, y)

    def _draw_watermark(self) -> None:
        """A large light-red diagonal line across the page (drawn first, under the content)."""
        self.set_font(FONT, "B", 30)
        self.set_text_color(235, 150, 150)
        text = typographie(self.watermark)
        width = self.get_string_width(text)
        cx, cy = self.w / 2, self.h / 2
        with self.rotation(50, cx, cy):
            self.set_xy(cx - width / 2, cy - 6)
            self.cell(width, 12, text, align="C")
        self.set_text_color(0, 0, 0)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        """The document's title and date on the left (wrapped if long), the page number on the
        right in its own box: the two never run into each other."""
        self.set_font(FONT, "", 7)
        self.set_text_color(*GREY)
        number_w = self.get_string_width(f"Page {self.page_no()} / 9999") + 2
        self.set_xy(self.w - self.r_margin - number_w, -13)
        self.cell(number_w, 3.4, f"Page {self.page_no()} / {{nb}}", align="R")
        self.set_xy(self.l_margin, -13)
        self.multi_cell(self.epw - number_w - 8, 3.4, typographie(self.footer_text), align="L")
        self.set_text_color(0, 0, 0)

    def note_cell(
        self,
        table: str,
        part: str,
        text: str,
        lines: tuple[str, ...],
        width: float,
        size: float,
        style: str,
    ) -> None:
        if self.record is not None:
            self.record.cells.append(DrawnCell(table, part, text, lines, width, size, style))

    def start_section(self, synthetic: bool, new_page: bool = False) -> None:
        """A new section: on the current page when it has room, else (or when `new_page`) on
        a new page; the current one then ends a section and may be short. The demo band is on
        every page that holds part of a synthetic section."""
        room = self.h - self.b_margin - self.get_y()
        if not new_page and self.page and room >= SECTION_MIN_SPACE:
            self.ln(6)
            if self.record is not None:
                self.record.sections.append([synthetic, self.page, self.page])
        else:
            if self.record is not None:
                if self.page:
                    self.record.section_ends.add(self.page)
                self.record.sections.append([synthetic, self.page + 1, self.page + 1])
            self.demo_band = synthetic
            self.add_page()
        self.demo_band = synthetic
        if synthetic:
            self.band()

    def finish(self) -> bytes:
        if self.record is not None:
            self.record.section_ends.add(self.page)
            self.record.pages = self.page
        return bytes(self.output())

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


# ------------------------------------------------------------------ tables
TABLE_FONT = 7.5  # body size (pt); headers are bold, the same size
TABLE_FONTS = (7.5, 7.0, 6.5)  # tried in turn until the table fits the width
CELL_PAD = 1.6  # mm of horizontal padding inside a cell (both sides together)
LINE_H = 3.4  # mm per line of a cell
ROW_PAD = 1.0  # mm added to a row's height
MAX_COL = 70.0  # mm: a column's natural width is capped (longer text wraps)
MIN_COL = 7.0  # mm


@dataclass(frozen=True)
class TableLayout:
    """How a table is drawn: font size, column widths (mm), every header and cell split into
    lines at word boundaries, and the legend of the headers abbreviated to « (1) », « (2) »."""

    size: float
    widths: tuple[float, ...]
    headers: tuple[str, ...]  # as printed (a number « (1) » when abbreviated)
    header_lines: tuple[tuple[str, ...], ...]
    rows: tuple[tuple[tuple[str, ...], ...], ...]  # row -> column -> lines
    numeric: tuple[bool, ...]
    legend: tuple[str, ...] = ()

    @property
    def header_height(self) -> float:
        return max((len(h) for h in self.header_lines), default=1) * LINE_H + ROW_PAD + 0.4

    def row_height(self, i: int) -> float:
        return max((len(c) for c in self.rows[i]), default=1) * LINE_H + ROW_PAD


_HYPHEN = re.compile(r"(?<=-)(?=.)")


def _words(text: str) -> list[str]:
    """Words split at ordinary spaces only (no-break spaces hold numbers and « : » together)."""
    return [w for w in text.split(" ") if w]


def wrap(pdf: FPDF, text: str, width: float) -> tuple[str, ...]:
    """`text` in lines no wider than `width` (mm, current font), broken at spaces; a word
    wider than the column (text cells only: the layout makes headers and numbers fit) is
    broken after a hyphen (« Chambost- / Longessaigne »), else between characters, never
    dropped. Explicit line breaks are kept."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _words(paragraph):
            candidate = f"{line} {word}" if line else word
            if pdf.get_string_width(candidate) <= width:
                line = candidate
                continue
            if line:
                out.append(line)
            line = ""
            for piece in _HYPHEN.split(word):
                if pdf.get_string_width(line + piece) <= width:
                    line += piece
                    continue
                if line:
                    out.append(line)
                line = piece
                while pdf.get_string_width(line) > width and len(line) > 1:
                    cut = len(line) - 1
                    while cut > 1 and pdf.get_string_width(line[:cut]) > width:
                        cut -= 1
                    out.append(line[:cut])
                    line = line[cut:]
        out.append(line)
    return tuple(out) or ("",)


def _longest_word(pdf: FPDF, text: str) -> float:
    return max((pdf.get_string_width(w) for w in _words(text)), default=0.0)


def _measure(
    pdf: FPDF,
    size: float,
    headers: list[str],
    rows: list[list[str]],
    numeric: list[bool],
    word_cap: float,
) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    """Per column at font `size` (mm): the narrowest width (its longest header word, its widest
    number, its longest word of text up to `word_cap`), the width that holds every cell on one
    line, the width that also holds the header on one line, the narrowest width its header
    alone needs and the narrowest its cells alone need."""
    pdf.set_font(FONT, "B", size)
    head_min = [_longest_word(pdf, h) + CELL_PAD for h in headers]
    head_full = [pdf.get_string_width(h) + CELL_PAD for h in headers]
    pdf.set_font(FONT, "", size)
    mins, cells, fulls, body = [], [], [], []
    for j, is_num in enumerate(numeric):
        texts = [r[j] for r in rows]
        full = max((pdf.get_string_width(c) for c in texts), default=0.0) + CELL_PAD
        word = max((_longest_word(pdf, c) for c in texts), default=0.0) + CELL_PAD
        body.append(max(full if is_num else min(word, word_cap), MIN_COL))
        mins.append(max(head_min[j], body[-1]))
        cells.append(max(mins[-1], min(full, MAX_COL)))
        fulls.append(max(cells[-1], min(head_full[j], MAX_COL)))
    return mins, cells, fulls, head_min, body


def _grow(widths: list[float], targets: list[float], spare: float) -> float:
    """Widen columns towards their targets, in proportion to what each lacks; returns the
    space left."""
    lack = [max(t - w, 0.0) for w, t in zip(widths, targets, strict=True)]
    total = sum(lack)
    if total <= 0 or spare <= 0:
        return spare
    share = min(spare / total, 1.0)
    for j, gap in enumerate(lack):
        widths[j] += gap * share
    return spare - total * share


def _distribute(
    mins: list[float], cells: list[float], fulls: list[float], numeric: list[bool], width: float
) -> list[float]:
    """Column widths filling `width`: every column gets its narrowest width, then the space is
    shared so that cells hold on one line, then headers; what is left goes to the text
    columns."""
    widths = list(mins)
    spare = _grow(widths, cells, width - sum(mins))
    spare = _grow(widths, fulls, spare)
    takers = [j for j, n in enumerate(numeric) if not n] or list(range(len(widths)))
    base = sum(widths[j] for j in takers) or 1.0
    for j in takers:
        widths[j] += spare * widths[j] / base
    return widths


def layout_table(
    pdf: FPDF, headers: list[str], rows: list[list[str]], numeric: list[bool], width: float
) -> TableLayout:
    """The layout of a table in `width` mm: the largest of TABLE_FONTS at which every number
    and every header word fits its column; headers whose words still cannot fit become « (1) »,
    « (2) »… with a legend under the table. Long text wraps at word boundaries."""
    shown = list(headers)
    legend: list[str] = []
    # 1. smaller type, then long words of text (names) allowed to break after a hyphen
    for cap, size in ((c, s) for c in (45.0, 24.0) for s in TABLE_FONTS):
        mins, cells, fulls, head, body = _measure(pdf, size, shown, rows, numeric, cap)
        if sum(mins) <= width:
            break
    # 2. headers abbreviated, the one that costs the most width beyond its cells first
    while sum(mins) > width:
        excess = [h - c for h, c in zip(head, body, strict=True)]
        j = max(range(len(shown)), key=excess.__getitem__)
        if excess[j] <= 0.5:
            break  # nothing left to abbreviate: text columns share what is left
        legend.append(f"({len(legend) + 1}) {shown[j]}")
        shown[j] = f"({len(legend)})"
        mins, cells, fulls, head, body = _measure(pdf, size, shown, rows, numeric, cap)
    widths = _distribute(mins, cells, fulls, numeric, width)
    pdf.set_font(FONT, "B", size)
    header_lines = tuple(wrap(pdf, h, w - CELL_PAD) for h, w in zip(shown, widths, strict=True))
    pdf.set_font(FONT, "", size)
    body = tuple(
        tuple(wrap(pdf, c, w - CELL_PAD) for c, w in zip(r, widths, strict=True)) for r in rows
    )
    return TableLayout(
        size, tuple(widths), tuple(shown), header_lines, body, tuple(numeric), tuple(legend)
    )


def _draw_header(pdf: _Doc, lay: TableLayout, title: str) -> None:
    pdf.set_font(FONT, "B", lay.size)
    pdf.set_fill_color(*BLUE)
    pdf.set_text_color(255, 255, 255)
    y, x, h = pdf.get_y(), pdf.l_margin, lay.header_height
    for j, (w, lines) in enumerate(zip(lay.widths, lay.header_lines, strict=True)):
        pdf.rect(x, y, w, h, style="F")
        _draw_lines(pdf, x, y + 0.6, w, lines, "R" if lay.numeric[j] else "L")
        pdf.note_cell(title, "header", lay.headers[j], lines, w, lay.size, "B")
        x += w
    pdf.set_xy(pdf.l_margin, y + h)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", lay.size)


def _draw_lines(
    pdf: _Doc, x: float, y: float, w: float, lines: tuple[str, ...], align: str
) -> None:
    for k, line in enumerate(lines):
        pdf.set_xy(x + CELL_PAD / 2, y + k * LINE_H)
        pdf.cell(w - CELL_PAD, LINE_H, line, align=align)


def _draw_row(pdf: _Doc, lay: TableLayout, i: int, texts: list[str], title: str) -> None:
    y, x, h = pdf.get_y(), pdf.l_margin, lay.row_height(i)
    if i % 2 == 1:
        pdf.set_fill_color(244, 246, 250)
        pdf.rect(x, y, sum(lay.widths), h, style="F")
    for j, (w, lines) in enumerate(zip(lay.widths, lay.rows[i], strict=True)):
        _draw_lines(pdf, x, y + ROW_PAD / 2, w, lines, "R" if lay.numeric[j] else "L")
        pdf.note_cell(title, "cell", texts[j], lines, w, lay.size, "")
        x += w
    pdf.set_xy(pdf.l_margin, y + h)


def _rows_fitting(lay: TableLayout, start: int, space: float) -> int:
    """How many rows from `start` fit in `space` mm."""
    k, used = 0, 0.0
    while start + k < len(lay.rows) and used + lay.row_height(start + k) <= space:
        used += lay.row_height(start + k)
        k += 1
    return k


def _table_block(pdf: _Doc, table: Table) -> None:
    """A table: its title, kept with its header and first rows; the header repeated on every
    page it runs onto (title « (suite) »); never a single row left alone on a page."""
    frame = table.frame
    shown = frame.head(MAX_TABLE_ROWS)
    texts = _frame_texts(shown, dict(table.decimals))
    numbers = set(numeric_columns(shown))
    numeric = [str(c) in numbers for c in shown.columns]
    heads = [typographie(str(c)) for c in shown.columns]
    lay = layout_table(pdf, heads, texts, numeric, pdf.epw)
    n = len(texts)
    title = typographie(table.title)
    first = sum(lay.row_height(i) for i in range(min(n, 3)))
    pdf.ensure_space(6 + lay.header_height + first + (10 if n <= 3 else 0))
    pdf.text(table.title, size=10, style="B")
    _draw_header(pdf, lay, title)
    i = 0
    while i < n:
        space = pdf.h - pdf.b_margin - pdf.get_y()
        k = _rows_fitting(lay, i, space)
        if i + k < n and n - (i + k) < 2 and k > 2:
            k -= 1  # keep two rows together on the next page
        k = max(k, 1)  # a fresh page (or a row taller than a page)
        for r in range(i, i + k):
            _draw_row(pdf, lay, r, texts[r], title)
        i += k
        if i < n:
            pdf.add_page()
            pdf.text(f"{table.title} (suite)", size=8.5, style="B")
            _draw_header(pdf, lay, title)
    pdf.ln(1)
    if lay.legend:
        pdf.text(" ; ".join(lay.legend), size=7, h=3.6)
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
    pdf.start_section(p.synthetic, new_page=True)
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
    if p.drafts:
        pdf.ln(6)
        pdf.text(
            f"{WATERMARK} : aperçu avec " + " ; ".join(p.drafts) + ". Ce document n'est pas "
            "la version officielle ; seules les versions publiées sont reprises sans ce bandeau.",
            size=10,
            style="B",
            colour=(180, 30, 30),
        )


def _summary(pdf: _Doc, p: Prediag) -> None:
    pdf.start_section(p.synthetic, new_page=True)
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


def render_pdf(
    p: Prediag,
    chart_renderer: Callable[[ChartSpec], bytes] = charts.render,
    record: Record | None = None,
) -> bytes:
    """The pre-diagnostic as PDF bytes (`record`: filled with what was drawn, for tests)."""
    footer = f"Pré-diagnostic CTG — {p.subject.title} — édité le {date_fr(p.generated)}"
    pdf = _Doc(footer, record)
    pdf.watermark = WATERMARK if p.drafts else ""
    pdf.set_title(typographie(f"Pré-diagnostic CTG — {p.subject.title}"))
    pdf.set_author("Caf — application de diagnostics territoriaux")
    pdf.set_creation_date(pd.Timestamp(p.generated).to_pydatetime())
    _cover(pdf, p)
    _summary(pdf, p)
    _sections_and_sources(pdf, p.sections, p.sources, chart_renderer)
    return pdf.finish()


def _sections_and_sources(
    pdf: _Doc,
    sections: tuple[Section, ...],
    sources: tuple[str, ...],
    chart_renderer: Callable[[ChartSpec], bytes],
) -> None:
    """The sections, one after the other (a section starts a new page when the page is nearly
    full or when its demo band differs), then the sources."""
    for i, s in enumerate(sections, start=1):
        pdf.start_section(s.synthetic)
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
    pdf.start_section(False)
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
    record: Record | None = None,
    watermark: str = "",
) -> bytes:
    """Another report in the pre-diagnostic's style (fonts, blocks, tables, page breaks, demo
    bands, footer): a cover (title, subject, date, intro), then the sections and the sources
    (e.g. a CTG bilan, reports/bilan.py). `record`: filled with what was drawn, for tests."""
    synthetic = any(s.synthetic for s in sections)
    pdf = _Doc(f"{title} — {subject} — édité le {date_fr(generated)}", record)
    pdf.watermark = watermark
    pdf.set_title(typographie(f"{title} — {subject}"))
    pdf.set_author("Caf — application de diagnostics territoriaux")
    pdf.set_creation_date(pd.Timestamp(generated).to_pydatetime())
    pdf.start_section(synthetic, new_page=True)
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
    return pdf.finish()
