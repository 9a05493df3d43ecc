"""AppTest: every chart of every page is a plotly chart in French format (issue 18).

The elements are read from the page as Streamlit sends them (type `plotly_chart`, the figure
and config as JSON): French separators in the layout, the French toolbar locale, a hover
template giving the unit, the year and the status; no Vega chart is left, and the
pre-diagnostic and workshop views draw their charts (maps stay images).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from datastore.store import Workspace
from geodata.territory import Level, make_territory
from reports import batch, prediag
from tests.apptest.helpers import APP, assert_no_exception, open_page

pytestmark = pytest.mark.apptest

EPCI = "200066587"


def elements(node, kind: str) -> list:
    found = []
    for child in getattr(node, "children", {}).values():
        if str(getattr(child, "type", "")) == kind:
            found.append(child)
        found.extend(elements(child, kind))
    return found


def plotly_figures(at: AppTest) -> list[tuple[dict, dict]]:
    """(figure, config) of each plotly chart of the page."""
    return [
        (json.loads(e.proto.spec), json.loads(e.proto.config))
        for e in elements(at.main, "plotly_chart")
    ]


def assert_french(figures: list[tuple[dict, dict]]) -> None:
    for fig, config in figures:
        layout = fig["layout"]
        assert layout["separators"] == ",\u202f", layout.get("title")
        assert config["locale"] == "fr" and "fr" in config["locales"]
        data_traces = [t for t in fig["data"] if t.get("showlegend") is not False]
        assert data_traces
        for t in data_traces:
            tpl = t["hovertemplate"]
            assert "Année %{customdata[0]} · %{customdata[1]}" in tpl, tpl
            assert all(len(row) == 3 and row[1] for row in t["customdata"])  # a status each


def _titles(figures) -> list[str]:
    return [f["layout"]["title"]["text"] for f, _c in figures]


def test_couverture_charts():
    at = open_page("couverture", "commune", "31555")
    assert_no_exception(at)
    figures = plotly_figures(at)
    titles = _titles(figures)
    assert any("par mode d&#x27;accueil" in t or "par mode d'accueil" in t for t in titles)
    assert any(t.startswith("Évolution du taux de couverture") for t in titles)
    assert_french(figures)
    assert not elements(at.main, "vega_lite_chart")
    # statuses come from the data: the synthetic comparison levels say so
    statuses = {row[1] for f, _c in figures for t in f["data"] for row in t.get("customdata", [])}
    assert "publié" in statuses and any("démonstration" in s for s in statuses)


def test_zones_trajectory_chart():
    at = open_page("zones", "epci", "200065886", timeout=300)  # Pas-de-Calais: children known
    assert_no_exception(at)
    figures = plotly_figures(at)
    assert len(figures) == 1
    fig = figures[0][0]
    assert [t["line"]["dash"] for t in fig["data"]][:2] == ["solid", "dash"]
    assert_french(figures)


def test_filoue_charts():
    from tests.apptest.test_filoue import COMMUNE

    at = open_page("filoue", "commune", COMMUNE)
    assert_no_exception(at)
    figures = plotly_figures(at)
    assert len(figures) >= 4  # three dimension tabs and the ranking of the commune's EAJE
    assert_french(figures)
    assert not elements(at.main, "vega_lite_chart")


@pytest.fixture(scope="module")
def epci_prediag() -> prediag.Prediag:
    from datastore.defaults import ensure_defaults

    ws = Workspace()
    ensure_defaults(ws)  # the data the app itself fills at first start (test order independent)
    geo = batch.load_geography()
    inputs = batch.workspace_inputs(ws, geo, date.today())
    subject = prediag.subject_from_territory(geo, make_territory(geo, Level.EPCI, EPCI))
    return prediag.build_prediag(subject, inputs)


def test_prediagnostic_charts_are_the_pdf_specs(epci_prediag):
    at = open_page("prediagnostic", "epci", EPCI, timeout=300)
    assert_no_exception(at)
    figures = plotly_figures(at)
    specs = [c for s in epci_prediag.sections for c in s.charts if c.kind != "carte"]
    maps = [c for s in epci_prediag.sections for c in s.charts if c.kind == "carte"]
    assert len(figures) == len(specs)
    for (fig, _cfg), spec in zip(figures, specs, strict=True):
        assert fig["layout"]["title"]["text"].replace("&#x27;", "'") == spec.title
        names = [t["name"] for t in fig["data"] if t.get("showlegend") is not False]
        assert names == list(spec.series)
    assert_french(figures)
    # maps are live Leaflet maps (issue 15), one per map specification, no image left
    live = [el for el in at.get("bidi_component") if el.proto.component_name == "diag_leaflet_map"]
    assert len(live) == len(maps) > 0
    assert not elements(at.main, "image")


def test_atelier_chart_slide(epci_prediag):
    slides = prediag.workshop_slides(epci_prediag)
    number = next(i for i, s in enumerate(slides, 1) if s.chart and s.chart.kind != "carte")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"niveau": "epci", "code": EPCI, "diapo": str(number)})
    at.run()
    at.switch_page("app_pages/atelier.py")
    at.run()
    assert_no_exception(at)
    figures = plotly_figures(at)
    assert _titles(figures) == [slides[number - 1].chart.title.replace("'", "&#x27;")] or [
        t.replace("&#x27;", "'") for t in _titles(figures)
    ] == [slides[number - 1].chart.title]
    assert_french(figures)
