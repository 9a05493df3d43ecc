"""End-to-end: the pre-diagnostic PDF is downloaded from the browser (offline) and is a valid
PDF; the workshop view opens on the slide named in its URL without the sidebar."""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import server_log_tail, wait_for_app

pytestmark = pytest.mark.e2e

EPCI = "200066587"  # Communauté de communes des Monts du Lyonnais
# Blocked on purpose and harmless: Streamlit fetches the Material Symbols SVG of the page icon
# (app.py page_icon) from Google Fonts for the favicon. Nothing of this page goes out.
HARMLESS_HOSTS = {"fonts.gstatic.com", "fonts.googleapis.com"}


def _outside(page) -> list[str]:
    return [u for u in page.blocked_requests if urlparse(u).netloc not in HARMLESS_HOSTS]


def _click_and_download(page, button, server, artifacts_dir, timeout: float = 120):
    """Click a deferred download button; fail at once with the error the button shows (it
    disappears after 5 s) and the server's log, rather than after a bare timeout."""
    downloads: list = []
    page.on("download", lambda d: downloads.append(d))
    button.click()
    error = page.locator('[data-testid="stDownloadButtonError"]')
    deadline = time.monotonic() + timeout
    while not downloads and time.monotonic() < deadline:
        if error.count():
            break
        page.wait_for_timeout(200)
    if downloads:
        return downloads[0]
    page.screenshot(path=str(artifacts_dir / "prediagnostic_download_failed.png"))
    pytest.fail(
        f"Aucun téléchargement. Erreur affichée : {error.all_inner_texts()!r}\n"
        f"Journal du serveur :\n{server_log_tail(server)}"
    )


def test_pdf_download_from_the_browser(page, app_server, artifacts_dir):
    app_url = app_server.url
    page.goto(f"{app_url}/prediagnostic?niveau=epci&code={EPCI}")
    wait_for_app(page)
    button = page.get_by_role("button", name="Télécharger le PDF")
    button.wait_for(timeout=180_000)
    page.get_by_text("Monts du Lyonnais").first.wait_for(timeout=60_000)
    wait_for_app(page)  # the script may still be drawing the sections below the button
    page.screenshot(path=str(artifacts_dir / "prediagnostic_page.png"), full_page=False)
    start = time.perf_counter()
    download = _click_and_download(page, button, app_server, artifacts_dir)
    data = Path(download.path()).read_bytes()
    elapsed = time.perf_counter() - start
    assert download.suggested_filename == f"pre-diagnostic_epci_{EPCI}.pdf"
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 10
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Pré-diagnostic CTG" in text and "Monts du Lyonnais" in text
    assert "DONNÉES DE DÉMONSTRATION" in text
    (artifacts_dir / "prediagnostic_download.pdf").write_bytes(data)
    assert elapsed < 60
    assert not _outside(page), page.blocked_requests


def test_workshop_view_reopens_its_slide(page, app_url, artifacts_dir):
    page.goto(f"{app_url}/atelier?niveau=epci&code={EPCI}&diapo=3")
    wait_for_app(page)
    page.get_by_text("L'accueil du jeune enfant").first.wait_for(timeout=180_000)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    # the slide's chart: plotly, the same definition as the PDF's
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.locator(".main-svg").first.wait_for(timeout=60_000)
    assert "mode d'accueil" in chart.inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "atelier_diapo3.png"), full_page=False)
    page.get_by_role("button", name="Suivant ▶").click()
    page.wait_for_function("() => window.location.search.includes('diapo=4')", timeout=30_000)
    page.locator(".atelier-pied").filter(has_text="4 /").wait_for(timeout=60_000)
    assert not _outside(page), page.blocked_requests
