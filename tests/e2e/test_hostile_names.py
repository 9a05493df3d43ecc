"""End-to-end: names from imported data are always shown as text (issue 12).

A workspace is seeded with an EAJE, a CTG (name and id), a dataset producer and, through
the upload form, a file name, a column header and a producer, all made of Markdown, links,
images pointing to a local listener, LaTeX, colour directives and HTML. The pages that
show them (Filoué, pré-diagnostic, Données) are walked in headless Chromium; the test fails
on any request leaving the app's origin (the image would be fetched by every visitor),
on any link or image to another origin, on any rendered formula, and on any Markdown text
where the payload did not survive literally (it was turned into formatting).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pandas as pd
import pytest

from bench.server import local_context
from catalogue.sources import Nature
from datastore.store import Workspace
from tests.e2e.conftest import started_server, wait_for_app

pytestmark = pytest.mark.e2e

MARK = "XSSMARK"
PAYLOAD = (
    "![p](http://127.0.0.1:9/i.png) [lien](http://127.0.0.1:9/a) $x^2$ :red[rouge] "
    "<b>gras</b> **gras** www.exemple.fr :smile: " + MARK
)
EAJE_ID = "EAJE-H1"
CTG_ID = "CTG)](http://127.0.0.1:9/x.png"

CHECK_JS = """
([mark, payload]) => {
  const root = document.querySelector('[data-testid="stApp"]');
  const bad = [];
  for (const a of root.querySelectorAll('a[href]')) {
    const u = new URL(a.getAttribute('href'), location.href);
    if (u.origin !== location.origin) bad.push('lien : ' + a.href);
  }
  for (const i of root.querySelectorAll('img[src]')) {
    const u = new URL(i.getAttribute('src'), location.href);
    if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== location.origin)
      bad.push('image : ' + i.src);
  }
  if (root.querySelector('.katex, math')) bad.push('formule rendue');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let seen = 0;
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (!n.textContent.includes(mark)) continue;
    const box = n.parentElement.closest(
      '[data-testid="stMarkdownContainer"], [data-testid="stHeading"], [data-testid="stCaptionContainer"]');
    if (!box) continue;
    seen += 1;
    const text = box.textContent.replaceAll('\\u2060', '');
    if (!text.includes(payload)) bad.push('mis en forme : ' + text.slice(0, 160));
    if (n.parentElement.closest('a, strong, em, code, del, [style*="color"]')
        && !text.includes('**gras**')) bad.push('balise : ' + n.parentElement.tagName);
  }
  return {bad, seen};
}
"""


def _seed(root: str) -> None:
    ws = Workspace(root)
    rows = [
        {
            "annee": 2023,
            "id_eaje": EAJE_ID,
            "nom_eaje": "Crèche " + PAYLOAD,
            "code_insee_eaje": "01004",
            "id_enfant": f"E{i}",
            "age_mois": 6 + 9 * (i % 4),
            "code_insee_residence": "01004",
            "situation_familiale": "couple",
            "tranche_revenu": "QF < 700",
            "heures_facturees": 100.0,
            "heures_realisees": 90.0,
            "places_eaje": 20,
        }
        for i in range(12)
    ]
    ws.commit(
        "filoue",
        pd.DataFrame(rows),
        producer="Caf " + PAYLOAD,
        source_file=PAYLOAD + ".csv",
        millesime=2023,
        nature=Nature.REEL,
    )
    ctg = pd.DataFrame(
        {
            "id_ctg": [CTG_ID],
            "nom": ["CTG " + PAYLOAD],
            "niveau": ["intercommunal"],
            "signataires": ["240100883|01004"],
            "date_debut": ["2022-01-01"],
            "date_fin": ["2026-12-31"],
        }
    )
    ws.commit("ctg", ctg, producer="Caf " + PAYLOAD, source_file=PAYLOAD + ".csv")


@pytest.fixture(scope="module")
def hostile_url(browser) -> Iterator[str]:
    with started_server(browser, "diag-hostile", _seed) as server:
        yield server.url


@pytest.fixture
def hpage(browser, hostile_url) -> Iterator[object]:
    context, blocked = local_context(browser, hostile_url)
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    pg.blocked_requests = blocked  # type: ignore[attr-defined]
    yield pg
    context.close()


def _assert_plain(page, min_seen: int = 1) -> None:
    page.wait_for_timeout(1500)  # images (if any) get requested
    res = page.evaluate(CHECK_JS, [MARK, PAYLOAD])
    assert res["bad"] == [], res["bad"]
    assert res["seen"] >= min_seen, "le nom piégé n'apparaît pas dans la page"
    assert page.blocked_requests == [], page.blocked_requests


def test_filoue_eaje_name_and_producer(hpage, hostile_url, artifacts_dir):
    hpage.goto(f"{hostile_url}/filoue?eaje={quote(EAJE_ID)}")
    wait_for_app(hpage)
    hpage.get_by_role("heading", name="Profils Filoué").wait_for(timeout=120_000)
    hpage.get_by_role("tab", name="Données de cadrage").wait_for(timeout=120_000)
    wait_for_app(hpage)
    hpage.screenshot(path=str(artifacts_dir / "e2e_hostile_filoue.png"))
    _assert_plain(hpage, min_seen=2)  # subheader and the source captions


def test_prediag_ctg_name_id_and_workshop_link(hpage, hostile_url, artifacts_dir):
    hpage.goto(f"{hostile_url}/prediagnostic?ctg={quote(CTG_ID, safe='')}")
    wait_for_app(hpage)
    hpage.get_by_text("Ouvrir la vue atelier", exact=False).first.wait_for(timeout=180_000)
    wait_for_app(hpage)
    hpage.screenshot(path=str(artifacts_dir / "e2e_hostile_prediag.png"))
    _assert_plain(hpage, min_seen=1)
    link = hpage.get_by_role("link", name="Ouvrir la vue atelier (élus)")
    href = link.get_attribute("href")
    assert href.startswith("atelier?ctg=") and quote(CTG_ID, safe="") in href, href


def test_upload_file_name_header_and_producer(hpage, hostile_url, artifacts_dir):
    hpage.goto(f"{hostile_url}/donnees")
    wait_for_app(hpage)
    hpage.get_by_text("Données et sources", exact=True).first.wait_for()
    hpage.get_by_role("tab", name="Importer un fichier").click()
    data = (
        "id_structure;type_structure;nom;code_insee;places;" + PAYLOAD + "\r\n"
        "B1;EAJE;Crèche " + PAYLOAD + ";42218;20;x\r\n"
    ).encode("utf-8-sig")
    hpage.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": PAYLOAD + " structures.csv", "mimeType": "text/csv", "buffer": data}
    )
    hpage.get_by_text("aucune erreur", exact=False).first.wait_for(timeout=120_000)
    producer = hpage.get_by_label("Producteur")
    producer.fill("Caf " + PAYLOAD)
    producer.press("Enter")
    wait_for_app(hpage)
    hpage.get_by_text("aucune erreur", exact=False).first.wait_for(timeout=120_000)
    _assert_plain(hpage, min_seen=1)  # the report summary names the file
    hpage.get_by_role("button", name="Enregistrer dans l'espace de travail").click()
    hpage.get_by_text("Import enregistré", exact=False).first.wait_for(timeout=120_000)
    wait_for_app(hpage)
    hpage.screenshot(path=str(artifacts_dir / "e2e_hostile_donnees.png"), full_page=True)
    _assert_plain(hpage, min_seen=1)
