"""AppTest (issue 15): the pre-diagnostic page and the workshop view draw live maps (the in-page
Leaflet component, no image) with the shared overlays of the one « Couches superposées »
control, kept in the URL; the PDF is redrawn with the overlays that are on."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest.helpers import APP, assert_no_exception, open_page

pytestmark = pytest.mark.apptest

EPCI = "200066587"  # Communauté de communes des Monts du Lyonnais (32 communes)


def live_maps(at) -> dict[str, dict]:
    """The map components of the page, by key: their data (script, overlays…)."""
    out = {}
    for el in at.get("bidi_component"):
        if el.proto.component_name == "diag_leaflet_map":
            data = json.loads(el.proto.json)
            out[data["id"]] = data
    return out


def overlay_keys(data: dict) -> list[str]:
    return [o["key"] for o in data["overlays"]]


def pills(at):
    return next(w for w in at.button_group if w.label == "Couches superposées")


def download_url(at, label: str) -> str:
    return next(b.proto.url for b in at.get("download_button") if b.proto.label == label)


def test_prediagnostic_maps_are_live_with_the_overlays_of_the_link():
    at = open_page("prediagnostic", "epci", EPCI)
    assert_no_exception(at)
    assert not at.get("imgs")  # no static map image left on the page
    maps = live_maps(at)
    assert set(maps) == {
        "diagmap_prediag_map_identite_carte_densite_0",
        "diagmap_prediag_map_petite_enfance_carte_eaje_2",
    }
    density = maps["diagmap_prediag_map_identite_carte_densite_0"]
    drawn = density["script"] + json.dumps(density["geo"], ensure_ascii=False)
    assert "Niveau de densité (grille INSEE)" in drawn
    assert drawn.count('code\\":') + drawn.count('"code":') >= 32  # the EPCI's 32 communes
    assert all(overlay_keys(m) == [] for m in maps.values())
    assert list(pills(at).value) == []
    pdf_before = download_url(at, "Télécharger le PDF")
    xlsx_before = download_url(at, "Tableaux (XLSX)")

    pills(at).set_value(["ao", "ctg"]).run()
    assert_no_exception(at)
    assert at.query_params["couches"] == "ao,ctg"
    assert all(overlay_keys(m) == ["ao", "ctg"] for m in live_maps(at).values())
    # the base layer is unchanged: the component adds the overlays in place
    assert live_maps(at)[density["id"]]["sig"] == density["sig"]
    # the PDF is the one drawn with these overlays (another file); the XLSX has no map
    assert download_url(at, "Tableaux (XLSX)") == xlsx_before
    assert download_url(at, "Télécharger le PDF") != pdf_before
    link = next(m.value for m in at.markdown if "Ouvrir la vue atelier" in m.value)
    assert "couches=ao%2Cctg" in link or "couches=ao,ctg" in link
    captions = " ".join(c.value for c in at.caption)
    assert "Compétence AO : Source" in captions


def open_workshop(query: dict[str, str]) -> AppTest:
    """The workshop view opened by a link (a new session: the link's overlays are read)."""
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in {"niveau": "epci", "code": EPCI, **query}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/atelier.py")
    at.run()
    return at


def test_workshop_map_slide_is_live_with_the_session_overlays():
    at = open_workshop({"diapo": "2", "couches": "ao"})
    assert_no_exception(at)
    assert not at.get("imgs")
    maps = live_maps(at)
    assert list(maps) == ["diagmap_atelier_map_carte_densite"]
    data = maps["diagmap_atelier_map_carte_densite"]
    assert overlay_keys(data) == ["ao"]
    assert data["clickable"] is False  # a click neither reruns nor leaves the slide
    sources = " ".join(m.value for m in at.markdown if "atelier-source" in m.value)
    assert "Compétence AO : Source" in sources
    # no overlay in the link: the map alone
    plain = open_workshop({"diapo": "2"})
    assert overlay_keys(live_maps(plain)["diagmap_atelier_map_carte_densite"]) == []


def communes_of_epci(epci: str) -> list[str]:
    from geodata.reference import load_geography

    c = load_geography().communes
    return sorted(c.loc[c["siren_epci"] == epci, "code_insee"].astype(str))


def test_a_click_on_the_zones_map_shows_the_commune_without_changing_the_analysis():
    at = open_page("zones", "epci", EPCI, timeout=300)
    assert_no_exception(at)
    assert live_maps(at)["diagmap_zones_map"]["clickable"] is True
    assert any("Cliquez sur une commune de la carte" in c.value for c in at.caption)
    code = communes_of_epci(EPCI)[0]
    at.session_state["_map_clicked_zones_map"] = code  # what the map's click hands over
    at.run()
    assert_no_exception(at)
    text = " ".join(m.value for m in at.markdown)
    assert f"({code})**" in text and "Taux de couverture" in text
    assert "hors zone prioritaire" in text or "zone prioritaire « " in text
    assert at.query_params["code"] == EPCI  # the territory and the analysis stay
    at.run()  # kept on the next rerun
    assert f"({code})**" in " ".join(m.value for m in at.markdown)


def test_a_click_on_the_filoue_map_selects_a_commune_with_an_eaje():
    from datastore.store import Workspace

    at = open_page("filoue", "commune", "69266")
    assert_no_exception(at)
    assert live_maps(at)["diagmap_filoue_map"]["clickable"] is True
    with_eaje = set(Workspace().read("filoue").frame["code_insee_eaje"].astype(str))
    target = next(c for c in sorted(with_eaje) if c.startswith("69") and c != "69266")
    at.session_state["_map_clicked_filoue_map"] = target
    at.run()
    assert_no_exception(at)
    assert at.query_params["code"] == target and at.query_params["niveau"] == "commune"
    assert at.radio(key="filoue_mode").value == "Une commune"
    assert at.selectbox(key="filoue_commune").value == target
    assert f"({target})" in at.subheader[0].value
    # a commune without EAJE in the extract: said, nothing changes
    from geodata.reference import load_geography

    c = load_geography().communes
    without = sorted(set(c.loc[c["dep"] == "69", "code_insee"].astype(str)) - with_eaje)
    at.session_state["_map_clicked_filoue_map"] = without[0]
    at.run()
    assert_no_exception(at)
    assert at.query_params["code"] == target
    assert any("n'a aucun EAJE dans l'extrait Filoué" in i.value for i in at.info)
