"""The PDF of a pre-diagnostic: read back with pypdf, rendered to PNG with pdftoppm.

Figures expected in the text come from the same Prediag structure the page shows (itself
computed through the diagnostics functions, see test_prediag.py), never typed in by hand.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from catalogue.sources import DEMO_LABEL
from geodata.territory import Level, make_territory
from reports import pdf, prediag, tables
from tests.unit.test_prediag import CCVG, small_inputs


def _squash(text: str) -> str:
    """Text without any whitespace (pypdf line breaks and no-break spaces vary)."""
    return re.sub(r"[\s\u00a0\u202f]+", "", text)


@pytest.fixture(scope="module")
def rendered() -> tuple[prediag.Prediag, bytes, list[str]]:
    inputs = small_inputs()
    subject = prediag.subject_from_territory(
        inputs.geo, make_territory(inputs.geo, Level.EPCI, CCVG)
    )
    p = prediag.build_prediag(subject, inputs)
    data = pdf.render_pdf(p)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    return p, data, pages


def test_valid_pdf_with_cover_date_and_page_numbers(rendered):
    p, data, pages = rendered
    assert data.startswith(b"%PDF-")
    assert "Pré-diagnostic CTG" in pages[0]
    assert _squash(p.subject.name) in _squash(pages[0])
    assert "Éditéle26novembre2026" in _squash(pages[0])
    n = len(pages)
    assert n >= 10
    for i, text in enumerate(pages, start=1):
        assert f"Page{i}/{n}" in _squash(text), i


def test_every_section_is_there_with_its_sources(rendered):
    p, _data, pages = rendered
    full = _squash("\n".join(pages))
    for i, s in enumerate(p.sections, start=1):
        assert _squash(f"{i}. {s.title}") in full, s.title
        for src in s.sources:
            assert _squash(pdf.typographie(src)) in full, src


def test_figures_and_sentences_match_the_page(rendered):
    p, _data, pages = rendered
    full = _squash("\n".join(pages))
    for s in p.sections:
        for f in s.figures:
            assert _squash(f.text) in full, f.label
        for sentence in s.sentences:
            assert _squash(pdf.typographie(sentence)) in full, sentence
        for m in s.missing:
            assert _squash(pdf.typographie(m))[:60] in full, m
    cov = next(t for t in p.section("petite_enfance").tables if t.id == "couverture")
    for value in cov.frame["Taux global"].dropna():
        assert _squash(tables.cell_text(float(value))) in full


def test_demo_band_only_on_pages_of_synthetic_sections(rendered):
    """The band is on a page iff part of a synthetic section is on it (sections flow one
    after the other: a real section may share a page with the end of a synthetic one)."""
    p, _data, pages = rendered
    assert DEMO_LABEL.upper() in pages[0]  # cover: the document holds synthetic data
    record = pdf.Record()
    pdf.render_pdf(p, record=record)
    assert len(record.sections) == len(p.sections) + 3  # cover, summary, sections, sources
    for i, s in enumerate(p.sections, start=1):
        head = next(n for n, t in enumerate(pages, 1) if _squash(f"{i}. {s.title}") in _squash(t))
        assert record.sections[i + 1][1] == head, s.title
    for number, text in enumerate(pages, start=1):
        expected = any(syn and first <= number <= last for syn, first, last in record.sections)
        assert (DEMO_LABEL.upper() in text) is expected, number
    assert any(not syn for syn, _f, _l in record.sections[2:-1])


def test_french_typography_in_text(rendered):
    _p, _data, pages = rendered
    full = "\n".join(pages)
    # no-break spaces: a line never starts with « : ; ! ? » » nor ends with « « » (fpdf2 draws the
    # U+00A0 as a plain space glyph but never breaks a line there)
    for line in full.splitlines():
        assert not line.lstrip().startswith((":", ";", "!", "?", "»")), line
        assert not line.rstrip().endswith("«"), line
    assert re.search(r"\d\u202f\d{3}", full)  # thousands separated by a narrow no-break space
    assert "\u202f%" in full


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Crèche Ωmega", "Crèche ?mega"),
        ("3 500 à 10 000", "3\u202f500 à 10\u202f000"),  # never broken inside a number
        ("en 2023 250 places", "en 2023 250 places"),
        ("Œuvre « ici » : 12\u202f345 €", "Œuvre «\u00a0ici\u00a0»\u00a0: 12\u202f345 €"),
    ],
)
def test_typographie_keeps_to_the_shipped_glyphs(text, expected):
    assert pdf.typographie(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (True, "oui"),
        (12345, "12\u202f345"),
        (52.34, "52,3"),
        (float("nan"), "—"),
        ("x", "x"),
    ],
)
def test_cell_text(value, expected):
    assert tables.cell_text(value) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [(date(2026, 11, 26), "26 novembre 2026"), (date(2026, 3, 1), "1er mars 2026")],
)
def test_date_fr(d, expected):
    assert pdf.date_fr(d) == expected


def test_pages_render_to_png(rendered, artifacts_dir):
    _p, data, pages = rendered
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm absent")
    path = artifacts_dir / "prediag_ccvg.pdf"
    path.write_bytes(data)
    for old in artifacts_dir.glob("prediag_ccvg-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(path), str(artifacts_dir / "prediag_ccvg")], check=True
    )
    pngs = sorted(artifacts_dir.glob("prediag_ccvg-*.png"))
    assert len(pngs) == len(pages)
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_pdf_without_any_dataset_is_still_complete():
    inputs = prediag.PrediagInputs(small_inputs().geo, {}, {}, date(2026, 11, 26))
    subject = prediag.subject_from_communes(inputs.geo, ["69027", "69043"])
    p = prediag.build_prediag(subject, inputs)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.render_pdf(p))).pages)
    assert DEMO_LABEL.upper() not in text
    assert "Données non disponibles" in text and "Importez" in text


def test_pdf_charts_match_the_screen_charts(rendered, artifacts_dir):
    """Each chart of the PDF is drawn from the ChartSpec the page draws with plotly: the PDF's
    text holds the on-screen figure's title, its series (legend written as text) and its
    source; the page holding it renders (pdftoppm) with the chart image on it."""
    from charts.plotly_figure import figure

    p, data, pages = rendered
    drawn = [c for s in p.sections for c in s.charts if c.kind != "carte"]
    assert {c.id for c in drawn} >= {"couverture_composantes", "trajectoire"}
    for c in drawn:
        screen = figure(c)
        on_page = [
            i for i, t in enumerate(pages) if _squash(pdf.typographie(c.title)) in _squash(t)
        ]
        assert on_page, c.title
        text = _squash(
            pages[on_page[0]] + (pages[on_page[0] + 1] if on_page[0] + 1 < len(pages) else "")
        )
        assert screen.layout.title.text.replace("&#x27;", "'") == c.title
        names = [t.name for t in screen.data if t.showlegend is not False]
        assert names == list(c.series)
        if len(names) > 1:
            for name in names:
                assert _squash(pdf.typographie(name)) in text, (c.id, name)
        for part in c.source.split(" ; "):
            assert _squash(pdf.typographie(part)) in text, (c.id, part)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm absent")
    page_no = next(i for i, t in enumerate(pages, start=1) if _squash(drawn[0].title) in _squash(t))
    out = artifacts_dir / "pdf_chart_page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(page_no), "-l", str(page_no), "-", str(out)],
        input=data,
        check=True,
    )
    assert list(artifacts_dir.glob("pdf_chart_page*.png"))
