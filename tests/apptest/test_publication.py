"""AppTest of drafts and published versions (issue 19): a draft zoning never reaches the
pre-diagnostic PDF unless it is picked for a preview, which is then watermarked; once
published from the « Zones sous-dotées » page, it is in the PDF with its date.

The PDF is the one the page's download button serves: the bytes handed to Streamlit's media
storage are recorded (the real storage still stores them)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from datastore.store import Workspace
from diagnostics import publication as pub
from diagnostics import zones as z
from geodata import reference
from tests.apptest.helpers import assert_no_exception, open_page

pytestmark = pytest.mark.apptest

EPCI = "200066587"  # Communauté de communes des Monts du Lyonnais
KEY = f"epci:{EPCI}"
NAME = "Essai i19 brouillon"


@pytest.fixture(scope="module")
def draft():
    geo = reference.load_geography()
    codes = sorted(geo.communes.loc[geo.communes["siren_epci"] == EPCI, "code_insee"])[:3]
    members = pd.DataFrame({"code_insee": codes, "zone_id": "Z1", "zone_nom": "Zone d'essai"})
    payload = z.zoning_payload(NAME, KEY, {}, members, 60.0)
    ws = Workspace()
    ws.save_document(z.ZONING_DOCUMENT_KIND, NAME, payload)
    yield payload
    ws.delete_document(z.ZONING_DOCUMENT_KIND, NAME)
    ws.delete_document(pub.published_kind(pub.ZONING), KEY)


@pytest.fixture
def served(monkeypatch) -> list[bytes]:
    """PDF bytes given to the media storage by download buttons, in order."""
    seen: list[bytes] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if mimetype == "application/pdf" and isinstance(path_or_data, bytes):
            seen.append(path_or_data)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def _pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def _frames_text(at) -> str:
    return " ".join(d.value.to_string() for d in at.dataframe)


def test_draft_never_reaches_the_pdf_unless_picked(draft, served) -> None:  # noqa: ARG001
    at = open_page("prediagnostic", "epci", EPCI)
    assert_no_exception(at)
    assert served, "aucun PDF servi par la page"
    official = _pages(served[-1])
    assert not any(NAME in t or "BROUILLON" in t for t in official)
    assert NAME not in _frames_text(at)
    box = at.multiselect(key="prediag_previews")
    wanted = next(o for o in box.options if NAME in o)
    box.select(wanted).run()
    assert_no_exception(at)
    assert any(pub.WATERMARK in e.value for e in at.error)
    preview = _pages(served[-1])
    assert all("BROUILLON" in t for t in preview)
    assert any(NAME in t for t in preview)
    assert NAME in _frames_text(at)


def test_published_zoning_reaches_the_pdf_with_its_date(draft, served) -> None:  # noqa: ARG001
    zones_page = open_page("zones", "epci", EPCI, timeout=300)
    assert_no_exception(zones_page)
    zones_page.selectbox(key="zones_saved_pick").select(NAME).run()
    assert any("Brouillon" in d.value.to_string() for d in zones_page.dataframe)
    zones_page.button(key="zones_saved_publish").click().run()
    assert_no_exception(zones_page)
    doc = Workspace().document(pub.published_kind(pub.ZONING), KEY)
    assert doc is not None and doc["nom"] == NAME and doc["statut"] == "publie"
    assert any(
        f"« {NAME} »" in c.value and "Version publiée" in c.value for c in zones_page.caption
    )
    served.clear()
    at = open_page("prediagnostic", "epci", EPCI)
    assert_no_exception(at)
    text = " ".join(_pages(served[-1]))
    assert NAME in text and "BROUILLON" not in text
    assert f"publiée le {pub.date_fr(doc['publie_le'])}" in " ".join(text.split())


CCVG = "246900757"  # CC de la Vallée du Garon: Brignais has Cnaf places (a starting point)
CCVG_KEY = f"epci:{CCVG}"


def test_trajectory_saved_as_draft_then_published() -> None:
    ws = Workspace()
    name = "Trajectoire essai i19"
    try:
        at = open_page("zones", "epci", CCVG, timeout=300)
        at.text_input(key="zones_traj_name").set_value(name)
        at.button(key="zones_traj_save").click().run()
        assert_no_exception(at)
        doc = ws.document("trajectoire", name)
        assert doc is not None and doc["territoire"] == CCVG_KEY and len(doc["scenarios"]) == 3
        assert ws.document(pub.published_kind(pub.TRAJECTORY), CCVG_KEY) is None
        at.selectbox(key="zones_traj_pick").select(name).run()
        at.button(key="zones_traj_publish").click().run()
        assert_no_exception(at)
        published = ws.document(pub.published_kind(pub.TRAJECTORY), CCVG_KEY)
        assert published is not None and published["nom"] == name
        inputs_docs = pub.official_documents(
            {pub.published_kind(k): ws.documents(pub.published_kind(k)) for k in pub.PUBLISHABLE}
        )
        assert CCVG_KEY in inputs_docs["trajectoire"]
    finally:
        ws.delete_document("trajectoire", name)
        ws.delete_document(pub.published_kind(pub.TRAJECTORY), CCVG_KEY)
