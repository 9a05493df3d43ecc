"""PDF layout of every PDF type (issue 19): tables that fit, page breaks without near-empty pages.

For every table of every PDF type (pre-diagnostic of an EPCI, a commune, a CTG and a
selection; bilan of a CTG; SDSF diagnostic of a département, with its zones and themes; a
report holding a hostile table), the renderer records each cell
it drew (`reports.pdf.Record`); the test then measures every printed line with a fresh fpdf2
document in the same font and size, against the column's width:

- no header breaks inside a word (its lines, joined by spaces, give back the header);
- no cell is truncated (its lines give back the whole text, no « … » added) and no line is
  wider than its column; numbers are never wrapped;
- no page is less than a quarter full (measured on the page rendered by pdftoppm: lowest
  inked row between the header band and the footer), except the last page of a section.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import numpy as np
import pandas as pd
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from analyses import sdsf as asdsf
from geodata.territory import Level, make_territory
from reports import bilan, pdf, prediag, sdsf
from reports.prediag import Section, Table
from tests.unit import test_bilan
from tests.unit.test_prediag import CCVG, small_inputs


def _png(_spec) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (700, 340), (120, 160, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _hostile_sections() -> tuple[Section, ...]:
    """Long headers of long words, big numbers, long names, many columns, many rows."""
    n = 37
    frame = pd.DataFrame(
        {
            "Code INSEE": [f"{69000 + i}" for i in range(n)],
            "Commune": [
                "Saint-Germain-au-Mont-d'Or" if i % 3 else "Chambost-Longessaigne-sur-Brévenne"
                for i in range(n)
            ],
            "Établissement public de coopération intercommunale": [
                "Communauté de communes des Monts du Lyonnais et du Pays de l'Arbresle"
            ]
            * n,
            "Population municipale": [1_287_123 + 17 * i for i in range(n)],
            "EAJE hors PSU": [i % 5 for i in range(n)],
            "Taux global de couverture": [58.123 + i / 7 for i in range(n)],
            "Enfants de moins de 3 ans (estimation)": [10_814.5 + i for i in range(n)],
            "Développement des modes d'accueil": ["non applicable"] * n,
            "Accompagnement": ["EPCI"] * n,
            "Renseignements complémentaires": ["estimation à partir des naissances"] * n,
        }
    )
    small = pd.DataFrame({"Territoire": ["Rhône", "France"], "Places": [41_234, 1_387_654]})
    return (
        Section(
            "hostile",
            "Tableau très large",
            tables=(Table("large", "Communes", frame, "Source : INSEE ; Cnaf"),),
        ),
        Section(
            "court",
            "Tableau court",
            tables=(Table("court", "Places", small, "Source : Cnaf"),),
        ),
    )


def _prediag(subject: prediag.Subject) -> tuple[bytes, pdf.Record]:
    record = pdf.Record()
    p = prediag.build_prediag(subject, small_inputs())
    return pdf.render_pdf(p, chart_renderer=_png, record=record), record


def _render(kind: str) -> tuple[bytes, pdf.Record]:
    inputs = small_inputs()
    geo = inputs.geo
    if kind == "prediag_epci":
        return _prediag(prediag.subject_from_territory(geo, make_territory(geo, Level.EPCI, CCVG)))
    if kind == "prediag_commune":
        return _prediag(
            prediag.subject_from_territory(geo, make_territory(geo, Level.COMMUNE, "69027"))
        )
    if kind == "prediag_ctg":
        row = inputs.datasets["ctg"].frame.iloc[0].to_dict()
        return _prediag(prediag.subject_from_ctg(geo, row))
    if kind == "prediag_selection":
        return _prediag(prediag.subject_from_communes(geo, ["69027", "69043", "69133"]))
    record = pdf.Record()
    if kind == "sdsf":
        a = asdsf.sdsf_analysis(
            geo, "69", asdsf.SdsfInputs(inputs.datasets), asdsf.SdsfSettings(), inputs.today
        )
        return sdsf.render_sdsf_pdf(a, inputs, chart_renderer=_png, record=record), record
    if kind == "bilan":
        setup = test_bilan.setup.__wrapped__()
        b = test_bilan._bilan(setup)
        return bilan.render_pdf(b, chart_renderer=_png, record=record), record
    sections = _hostile_sections()
    data = pdf.render_report(
        "Rapport d'essai",
        "Territoire d'essai",
        "Introduction.",
        date(2026, 12, 1),
        sections,
        prediag.sections_sources(sections),
        chart_renderer=_png,
        record=record,
    )
    return data, record


KINDS = (
    "prediag_epci",
    "prediag_commune",
    "prediag_ctg",
    "prediag_selection",
    "bilan",
    "sdsf",
    "hostile",
)


@pytest.fixture(scope="module", params=KINDS)
def rendered(request) -> tuple[str, bytes, pdf.Record]:
    data, record = _render(request.param)
    return request.param, data, record


def _measurer() -> FPDF:
    doc = FPDF(unit="mm", format="A4")
    for style, name in (("", "DejaVuSans"), ("B", "DejaVuSans-Bold")):
        doc.add_font(pdf.FONT, style, str(pdf.FONT_DIR / f"{name}-Latin.ttf"))
    return doc


def test_every_table_cell_fits_its_column(rendered):
    kind, _data, record = rendered
    assert record.cells, kind
    doc = _measurer()
    for cell in record.cells:
        doc.set_font(pdf.FONT, cell.style, cell.size)
        room = cell.width - pdf.CELL_PAD + 0.01
        for line in cell.lines:
            assert doc.get_string_width(line) <= room, (kind, cell.table, cell.text, line)
            assert not line.endswith("…") or cell.text.endswith("…"), (kind, cell.text)
        # every character printed, in order (lines break at spaces, or after a hyphen)
        printed = "".join("".join(cell.lines).split())
        assert printed == "".join(cell.text.split()), (kind, cell.table, cell.text, cell.lines)


def test_headers_break_only_between_words(rendered):
    kind, _data, record = rendered
    doc = _measurer()
    for cell in (c for c in record.cells if c.part == "header"):
        words = cell.text.split()
        for line in cell.lines:
            assert all(w in words for w in line.split()), (kind, cell.text, cell.lines)
        doc.set_font(pdf.FONT, "B", cell.size)
        for word in words:
            assert doc.get_string_width(word) <= cell.width - pdf.CELL_PAD + 0.01


def test_numbers_are_never_wrapped(rendered):
    kind, _data, record = rendered
    for cell in (c for c in record.cells if c.part == "cell"):
        if (
            any(ch.isdigit() for ch in cell.text)
            and cell.text.replace("\u202f", "").replace(",", "").lstrip("\u2212").isdigit()
        ):
            assert len(cell.lines) == 1, (kind, cell.text, cell.lines)


def test_abbreviated_headers_have_their_legend(rendered):
    kind, data, record = rendered
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    for cell in (c for c in record.cells if c.part == "header"):
        if cell.text.startswith("(") and cell.text.endswith(")"):
            assert cell.text + " " in flat, (kind, cell.text)
    if kind == "hostile":
        assert "Établissement public de coopération intercommunale" in flat


def _ink_fraction(png: Image.Image) -> float:
    """The share of the writable height (under the top margin, above the footer) down to the
    lowest inked pixel row."""
    grey = np.asarray(png.convert("L"))
    h = grey.shape[0]
    mm = h / 297.0
    top, bottom = int(18 * mm), int((297 - 16) * mm)
    rows = np.where((grey[top:bottom] < 235).any(axis=1))[0]
    if rows.size == 0:
        return 0.0
    return float(rows.max() + 1) / (bottom - top)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm absent")
def test_no_near_empty_page_except_at_the_end_of_a_section(rendered, tmp_path):
    kind, data, record = rendered
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == record.pages == len(PdfReader(io.BytesIO(data)).pages)
    for number, png in enumerate(pngs, start=1):
        if number in record.section_ends:
            continue
        fill = _ink_fraction(Image.open(png))
        assert fill >= 0.25, (kind, number, round(fill, 2))
    # a section's last page is short only when the next section could not start on it
    assert len(record.section_ends) < record.pages or record.pages <= 3


def test_hostile_table_keeps_every_row_and_repeats_its_header():
    data, record = _render("hostile")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    flat = " ".join(" ".join(pages).split())
    assert "Communes (suite)" in flat
    rows = [c for c in record.cells if c.table == "Communes" and c.part == "cell"]
    assert len(rows) == 37 * 10
    squashed = "".join(flat.split()).replace("\u202f", "")
    assert "1287123" in squashed and "10814" in squashed
    assert "10814,5" not in squashed  # children are whole (reports.tables.column_decimals)
    # the page holding the continuation has the header again, with at least two rows
    cont = next(t for t in pages if "Communes (suite)" in t)
    assert "Code" in cont and cont.count("690") >= 2
