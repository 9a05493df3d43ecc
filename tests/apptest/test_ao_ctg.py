"""AppTest of the « Compétences AO et CTG » page on Loire Forez Agglomération (42).

The session workspace is shared with other tests (and xdist workers), so this module does not
write CTG rows into it: `ui.cache.dataset("ctg")` is wrapped to append two test CTG to
whatever the workspace holds, and `ui.cache.revision` is shifted so the page's cached analysis
is keyed apart from the real one. Checklist ticks are written for real (documents named after
the test CTG, removed afterwards).
"""

from __future__ import annotations

import os
import re
from datetime import date

import pandas as pd
import pytest

from datastore.store import Dataset, Workspace
from diagnostics import ao
from tests.apptest.helpers import assert_no_exception, open_page
from ui import cache as ui_cache

pytestmark = pytest.mark.apptest

EPCI = "200065886"  # Loire Forez Agglomération
MONTBRISON = "42147"
# xdist workers share the session workspace: ids (and checklist documents) are per worker
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
CTG_EPCI, CTG_COMMUNE = f"TEST-AO-1-{_WORKER}", f"TEST-AO-2-{_WORKER}"
REVISION_SHIFT = 10**9

TEST_CTG = pd.DataFrame(
    {
        "id_ctg": [CTG_EPCI, CTG_COMMUNE],
        "nom": ["CTG test Loire Forez", "CTG test Montbrison"],
        "niveau": ["intercommunal", "communal"],
        "signataires": [EPCI, MONTBRISON],
        "date_debut": pd.to_datetime(["2022-01-01", "2022-01-01"]),
        "date_fin": pd.to_datetime(["2026-06-30", "2099-12-31"]),
    }
)


def _wrap(extra: pd.DataFrame, shift: int):
    real_dataset, real_revision = ui_cache.dataset, ui_cache.revision

    def dataset(kind: str) -> Dataset:
        ds = real_dataset(kind)
        if kind != "ctg":
            return ds
        frame = pd.concat(
            [ds.frame.drop(columns="dataset_id", errors="ignore"), extra], ignore_index=True
        )
        return Dataset(kind, frame, ds.metas)

    return dataset, (lambda: real_revision() + shift)


@pytest.fixture(scope="module")
def ws():
    dataset, revision = _wrap(TEST_CTG, REVISION_SHIFT)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ui_cache, "dataset", dataset)
        mp.setattr(ui_cache, "revision", revision)
        yield Workspace()
    for ident in (CTG_EPCI, CTG_COMMUNE):
        Workspace().delete_document(ao.CHECKLIST_DOCUMENT_KIND, ident)


def _ctg_frame(at) -> pd.DataFrame:
    for df in at.dataframe:
        if "Volet petite enfance (décret 2025-253)" in df.value.columns:
            return df.value
    raise AssertionError("tableau des CTG absent")


def _ao_frame(at) -> pd.DataFrame:
    for df in at.dataframe:
        if "Statut" in df.value.columns and "Autorité organisatrice" in df.value.columns:
            return df.value
    raise AssertionError("tableau des AO absent")


@pytest.mark.usefixtures("ws")
def test_page_shows_statuses_and_ctg():
    at = open_page("ao-ctg", "epci", EPCI)
    assert_no_exception(at)
    assert not at.error
    assert at.title[0].value == "Compétences AO et CTG"
    table = _ao_frame(at)
    assert set(table["Statut"]) <= set(ao.STATUS_LABELS.values())
    # Montbrison (16,123 inhabitants) appears as an AO or through its EPCI
    assert (table["Code"].isin([MONTBRISON, EPCI])).any()
    assert table["Phrase de la circulaire"].str.len().min() > 20
    ctg = _ctg_frame(at).set_index("CTG")
    assert {CTG_EPCI, CTG_COMMUNE} <= set(ctg.index)
    covered = ctg["Communes couvertes"].str.replace("\u202f", "").astype(int)
    assert covered[CTG_EPCI] > 50  # the EPCI covers all its members
    assert covered[CTG_COMMUNE] == 1
    # French numbers (issue 19): thousands by a narrow no-break space, no « .0 », right-aligned
    french = re.compile(r"^(—|\d{1,3}(\u202f\d{3})*)$")
    for col in ("Population (seuils)", "Communes"):
        assert table[col].map(lambda v: bool(french.match(str(v)))).all(), table[col].tolist()
    assert table["Population (seuils)"].str.contains("\u202f").any()
    assert ctg["Communes couvertes"].map(lambda v: bool(french.match(str(v)))).all()
    assert ctg["Avancement"].between(0, 1).all()  # the progress bar keeps its numbers
    # synthetic data: demo band and population basis are shown
    assert any("données de démonstration" in w.value.lower() for w in at.warning)
    assert any("population municipale 2023" in c.value for c in at.caption)
    assert len(at.radio(key="ao_layer").options) == 4


@pytest.mark.usefixtures("ws")
def test_reference_date_changes_expiry():
    at = open_page("ao-ctg", "epci", EPCI)
    at.date_input(key="ao_reference_date").set_value(date(2025, 6, 1)).run()
    assert_no_exception(at)
    ctg = _ctg_frame(at).set_index("CTG")
    assert ctg.loc[CTG_EPCI, "Échéance"] == "En cours"  # ends 30/06/2026, more than 12 months away
    assert any("référence : 01/06/2025" in c.value for c in at.caption)
    at.date_input(key="ao_reference_date").set_value(date(2026, 7, 1)).run()
    assert _ctg_frame(at).set_index("CTG").loc[CTG_EPCI, "Échéance"] == "Expirée"


@pytest.mark.usefixtures("ws")
def test_filter_by_status():
    at = open_page("ao-ctg", "epci", EPCI)
    before = _ao_frame(at)
    options = at.multiselect(key="ao_filter_statut").options
    assert set(options) == set(before["Statut"])
    wanted = options[-1]
    at.multiselect(key="ao_filter_statut").set_value([wanted]).run()
    table = _ao_frame(at)
    assert len(table) == int((before["Statut"] == wanted).sum()) >= 1
    assert set(table["Statut"]) == {wanted}
    at.text_input(key="ao_filter_query").input("Montbrison").run()
    assert set(_ao_frame(at)["Autorité organisatrice"]) <= {"Montbrison"}


@pytest.mark.usefixtures("ws")
def test_ticking_a_checklist_item_is_persisted():
    at = open_page("ao-ctg", "epci", EPCI)
    at.selectbox(key="ao_checklist_ctg").select(CTG_COMMUNE).run()
    boxes = [c for c in at.checkbox if c.key.startswith(f"ao_chk_{CTG_COMMUNE}_")]
    assert len(boxes) == 11
    at.checkbox(key=f"ao_chk_{CTG_COMMUNE}_zones").check().run()
    at.checkbox(key=f"ao_chk_{CTG_COMMUNE}_calendrier").check().run()
    assert_no_exception(at)
    assert Workspace().document(ao.CHECKLIST_DOCUMENT_KIND, CTG_COMMUNE) == {
        "coches": ["zones", "calendrier"]
    }
    # a fresh session reads it back: progress on the CTG row and ticks in place
    again = open_page("ao-ctg", "epci", EPCI)
    assert (
        _ctg_frame(again)
        .set_index("CTG")
        .loc[CTG_COMMUNE, "Volet petite enfance (décret 2025-253)"]
        == "2/11"
    )
    again.selectbox(key="ao_checklist_ctg").select(CTG_COMMUNE).run()
    assert again.checkbox(key=f"ao_chk_{CTG_COMMUNE}_zones").value is True
    assert again.checkbox(key=f"ao_chk_{CTG_COMMUNE}_emplois").value is False
    again.checkbox(key=f"ao_chk_{CTG_COMMUNE}_zones").uncheck().run()
    assert Workspace().document(ao.CHECKLIST_DOCUMENT_KIND, CTG_COMMUNE) == {
        "coches": ["calendrier"]
    }


@pytest.mark.usefixtures("ws")
def test_checklist_is_a_draft_until_published():
    from diagnostics import publication as pub

    kind = pub.published_kind(pub.CHECKLIST)
    try:
        at = open_page("ao-ctg", "epci", EPCI)
        at.selectbox(key="ao_checklist_ctg").select(CTG_EPCI).run()
        at.checkbox(key=f"ao_chk_{CTG_EPCI}_objectifs").check().run()
        assert_no_exception(at)
        assert Workspace().document(kind, CTG_EPCI) is None  # ticked: a draft
        row = _ctg_frame(at).set_index("CTG").loc[CTG_EPCI]
        assert row["Liste publiée"] == "non publiée"
        at.button(key=f"ao_chk_{CTG_EPCI}_publish").click().run()
        assert_no_exception(at)
        doc = Workspace().document(kind, CTG_EPCI)
        assert doc is not None and doc["coches"] == ["objectifs"] and doc["statut"] == "publie"
        assert doc["territoire"] == f"ctg:{CTG_EPCI}"
        row = _ctg_frame(at).set_index("CTG").loc[CTG_EPCI]
        assert row["Liste publiée"].startswith("1/11, le ")
        # ticking again changes the draft, not the published version
        at.checkbox(key=f"ao_chk_{CTG_EPCI}_calendrier").check().run()
        assert Workspace().document(kind, CTG_EPCI)["coches"] == ["objectifs"]
    finally:
        Workspace().delete_document(kind, CTG_EPCI)


@pytest.mark.usefixtures("ws")
def test_unknown_signatory_is_named_and_blocks_nothing_else(monkeypatch):
    bad = pd.DataFrame(
        {
            "id_ctg": ["TEST-AO-BAD"],
            "nom": ["CTG erronée"],
            "niveau": ["communal"],
            "signataires": [f"{MONTBRISON}|99999"],
            "date_debut": pd.to_datetime(["2022-01-01"]),
            "date_fin": pd.to_datetime(["2027-12-31"]),
        }
    )
    dataset, revision = _wrap(bad, 2 * REVISION_SHIFT)  # on top of the module wrapper
    monkeypatch.setattr(ui_cache, "dataset", dataset)
    monkeypatch.setattr(ui_cache, "revision", revision)
    at = open_page("ao-ctg", "epci", EPCI)
    assert_no_exception(at)
    assert not at.error
    text = " ".join(w.value for w in at.warning).replace("\\", "")  # Markdown escapes
    assert "CTG « erronée » (TEST-AO-BAD)" in text and "« 99999 »" in text
    # every other CTG and every status is still there
    assert {CTG_EPCI, CTG_COMMUNE} <= set(_ctg_frame(at)["CTG"])
    assert "TEST-AO-BAD" not in set(_ctg_frame(at)["CTG"])
    assert len(_ao_frame(at)) >= 1


@pytest.mark.usefixtures("ws")
def test_departement_level_lists_its_ao():
    at = open_page("ao-ctg", "departement", "42")
    assert_no_exception(at)
    table = _ao_frame(at)
    assert (table["Code"] == MONTBRISON).any() or (table["Code"] == EPCI).any()


@pytest.mark.usefixtures("ws")
def test_commune_level():
    at = open_page("ao-ctg", "commune", MONTBRISON)
    assert_no_exception(at)
    table = _ao_frame(at)
    # Montbrison is AO for its own competences, or through its EPCI when transferred
    assert set(table["Code"]) <= {MONTBRISON, EPCI} and len(table) >= 1
    assert CTG_COMMUNE in set(_ctg_frame(at)["CTG"])


@pytest.mark.usefixtures("ws")
def test_france_level_table_without_map():
    at = open_page("ao-ctg", timeout=300)
    assert_no_exception(at)
    assert any("Choisissez une région" in i.value for i in at.info)
    non = ao.STATUS_LABELS[ao.ST_NON_CONCERNE]
    statuts = at.multiselect(key="ao_filter_statut")
    assert non in statuts.options and non not in statuts.value  # unticked on large territories
    table = _ao_frame(at)
    assert 0 < len(table) <= 3_000 and non not in set(table["Statut"])
