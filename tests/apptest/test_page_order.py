"""The order in which the server sends a page's elements (issue 15, bench/README.md, « Carte
contre son plancher »): the Territoire map before its selectors, its key figures and the
sidebar's territory picker; on the Territoire page the picker after the page, also when the
page fails; on every other page the picker before the page, also when it ends early. The
screen layout stays the same (the selectors above the map, the picker at the top of the
sidebar)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from streamlit.proto.Element_pb2 import Element
from streamlit.runtime.forward_msg_queue import ForwardMsgQueue
from streamlit.testing.v1 import AppTest

from geodata.territory import Level
from tests.apptest.helpers import APP, assert_no_exception, open_page
from tests.conftest import ROOT
from ui import maps, pages

pytestmark = pytest.mark.apptest

SIDEBAR = 1  # root of the sidebar in a delta path (0: the page)


@contextmanager
def sent_elements() -> Iterator[list[tuple[tuple[int, ...], str, Element]]]:
    """The new elements the server sends, in sending order: (delta path, element type,
    element)."""
    seen: list[tuple[tuple[int, ...], str, Element]] = []

    def record(msg) -> None:
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            seen.append((tuple(msg.metadata.delta_path), element.WhichOneof("type"), element))

    ForwardMsgQueue.on_before_enqueue_msg(record)
    try:
        yield seen
    finally:
        ForwardMsgQueue.on_before_enqueue_msg(None)


def _first(seen, kind: str, root: int = 0) -> int:
    return next(i for i, (path, k, _e) in enumerate(seen) if k == kind and path[0] == root)


def _last_run(seen):
    """The elements of the last script run (a run starts again with the page's title)."""
    start = max(i for i, (path, k, _e) in enumerate(seen) if k == "heading" and path == (0, 0))
    return seen[start:]


def test_territoire_map_is_sent_first():
    with sent_elements() as seen:
        at = open_page("territoire", "departement", "69")
    assert_no_exception(at)
    run = _last_run(seen)
    map_at = _first(run, "bidi_component")
    assert map_at < _first(run, "button_group")  # the layer control
    assert map_at < _first(run, "selectbox")
    assert map_at < _first(run, "metric")
    assert map_at < _first(run, "text_input", SIDEBAR)
    # and the page's elements before the picker
    last_of_page = max(i for i, (p, _k, _e) in enumerate(run) if p[0] == 0)
    assert last_of_page < _first(run, "text_input", SIDEBAR)
    # same place on screen: the selectors and the layer control above the map, the map left
    # of the key figures
    paths = {k: p for p, k, _e in reversed(run) if p[0] == 0}
    assert paths["selectbox"][:2] < paths["bidi_component"][:2]
    assert paths["button_group"] < paths["bidi_component"]
    assert paths["bidi_component"][:3] < paths["metric"][:3]
    assert [s.label for s in at.selectbox] == ["Maille", "Colorer par"]


def test_map_code_is_loaded_first_on_map_pages():
    """ui.maps.preload_map_code: the first element sent on a page with maps, in the sidebar,
    before the picker; none on a page without maps."""
    with sent_elements() as seen:
        at = open_page("territoire", "departement", "69")
    assert_no_exception(at)
    path, kind, element = seen[0]
    assert (kind, element.bidi_component.component_name) == ("bidi_component", "diag_map_preload")
    assert path[0] == SIDEBAR
    assert path < next(p for p, k, _e in seen if k == "text_input" and p[0] == SIDEBAR)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/donnees.py")
    with sent_elements() as seen:
        at.run()
    assert_no_exception(at)
    assert seen and all(k != "bidi_component" for _p, k, _e in seen)


def _map_data(seen) -> dict:
    """The data of the last map component sent."""
    element = next(
        e
        for _p, k, e in reversed(seen)
        if k == "bidi_component" and e.bidi_component.component_name == "diag_leaflet_map"
    )
    return json.loads(element.bidi_component.json)


def test_territoire_selectors_still_drive_the_map():
    """The selectors are drawn after the map: their values (read beforehand) still choose it."""
    at = open_page("territoire", "departement", "69")
    with sent_elements() as seen:
        at.selectbox(key="territoire_maille_departement:69").set_value(Level.EPCI).run()
    assert_no_exception(at)
    assert at.query_params["maille"] in ("epci", ["epci"])
    themes = maps.themes_for(Level.EPCI)
    theme = at.selectbox(key="territoire_theme_epci")
    assert list(theme.options) == themes
    assert "epci" in _map_data(seen)["id"]
    assert themes[0] in _map_data(seen)["script"]
    with sent_elements() as seen:
        theme.set_value(themes[-1]).run()
    assert_no_exception(at)
    assert at.selectbox(key="territoire_theme_epci").value == themes[-1]
    assert themes[-1] in _map_data(seen)["script"]


def _picker_before_page(seen) -> bool:
    """Whether the last run sent the sidebar's picker before the page's title."""
    title = max(i for i, (path, k, _e) in enumerate(seen) if k == "heading" and path == (0, 0))
    picker = max(i for i, (p, k, _e) in enumerate(seen) if k == "text_input" and p[0] == SIDEBAR)
    return picker < title


def test_picker_is_drawn_after_the_territoire_page_only():
    assert {"territoire"} == pages.PICKER_AFTER
    with sent_elements() as seen:
        at = open_page("territoire", "departement", "69")
    assert_no_exception(at)
    assert not _picker_before_page(seen)


@pytest.mark.parametrize(
    ("url_path", "niveau", "code"),
    [
        ("couverture", "departement", "69"),
        ("sdsf", "departement", "90"),
        ("donnees", None, None),
    ],
)
def test_picker_is_drawn_before_the_other_pages(url_path, niveau, code):
    """A long page (the SDSF of the Nord takes seconds) never leaves the user without the
    picker (the regression of the sixth session)."""
    with sent_elements() as seen:
        at = open_page(url_path, niveau, code)
    assert_no_exception(at)
    assert _picker_before_page(seen)


def test_picker_is_drawn_with_a_page_that_stops():
    """The zones page stops at France level (ui.pages.stop): the picker is there, before it."""
    with sent_elements() as seen:
        at = open_page("zones")
    assert_no_exception(at)
    assert any("Choisissez une région" in i.value for i in at.info)
    assert at.sidebar.text_input(key="territory_query") is not None
    assert _picker_before_page(seen)


def test_picker_is_drawn_when_a_page_fails(monkeypatch):
    from ui import territoire

    def broken(_key):
        raise RuntimeError("panne d'essai")

    monkeypatch.setattr(territoire, "key_figures_of", broken)
    at = open_page("territoire", "departement", "69")
    assert len(at.exception) == 1  # shown (its details redacted: client.showErrorDetails)
    assert at.sidebar.text_input(key="territory_query") is not None


def test_then_draw():
    drawn: list[int] = []

    def draw() -> None:
        drawn.append(1)

    with pages.then_draw(draw):
        pass
    assert drawn == [1]
    with pages.then_draw(draw):
        pages.stop()
    assert drawn == [1, 1]
    with pytest.raises(ValueError, match="panne"), pages.then_draw(draw):
        raise ValueError("panne")
    assert drawn == [1, 1, 1]

    class Control(BaseException):  # as Streamlit's StopException and RerunException
        pass

    with pytest.raises(Control), pages.then_draw(draw):
        raise Control
    assert drawn == [1, 1, 1]
    # before the page: drawn once, first, whatever the page does
    order: list[str] = []
    with pages.then_draw(lambda: order.append("picker"), after=False):
        order.append("page")
        pages.stop()
    assert order == ["picker", "page"]
    with (
        pytest.raises(ValueError, match="panne"),
        pages.then_draw(lambda: order.append("picker"), after=False),
    ):
        raise ValueError("panne")
    assert order == ["picker", "page", "picker"]


def test_pages_do_not_call_st_stop():
    """After st.stop() nothing more can be drawn, the picker included: pages end with
    ui.pages.stop(). Only ui/auth.py stops, before the picker and the page."""
    found = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
        if p.name != "auth.py" and re.search(r"(?<!`)\bst\.stop\(", p.read_text(encoding="utf-8"))
    ]
    assert found == []


# ---- the map alone on the first run of a browser session (ui.pages.map_first) ------------


@pytest.mark.parametrize(
    ("url_path", "runs", "browser", "expected"),
    [
        ("territoire", 1, True, True),  # the first run of a browser session
        ("territoire", 2, True, False),  # every later run: the whole page
        ("territoire", 5, True, False),
        ("territoire", 1, False, False),  # streamlit.testing: no browser, whole page at once
        ("couverture", 1, True, False),  # not a MAP_FIRST page
        ("donnees", 1, True, False),
    ],
)
def test_map_first_rule(monkeypatch, url_path, runs, browser, expected):
    monkeypatch.setattr(pages, "has_browser", lambda: browser)

    def script(url_path: str, runs: int) -> None:
        import streamlit as st

        from ui import pages

        for _ in range(runs):
            pages.count_run()
        st.text(repr(pages.map_first(url_path)))

    at = AppTest.from_function(script, args=(url_path, runs)).run()
    assert_no_exception(at)
    assert at.text[0].value == repr(expected)


def test_first_browser_run_sends_the_map_alone_then_the_whole_page(monkeypatch):
    """With a browser (stood in for: streamlit.testing has none), the first run sends the
    title, the map (which reports its paint), the places of its selectors and the hidden
    fallback; no selector, metric, layer button nor territory picker. The next run (the one
    the map asks for) sends the whole page, the map at the same place in the page's tree, so
    that the browser keeps it as drawn."""
    monkeypatch.setattr(pages, "has_browser", lambda: True)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["niveau"] = "departement"
    at.query_params["code"] = "69"
    with sent_elements() as seen:
        at.run()
    assert_no_exception(at)
    kinds = {k for _p, k, _e in seen}
    assert {"heading", "bidi_component", "empty"} <= kinds
    assert not kinds & {"selectbox", "metric", "button_group", "text_input"}, kinds
    first_map = next(
        p
        for p, k, e in seen
        if k == "bidi_component" and e.bidi_component.component_name == "diag_leaflet_map"
    )
    data = _map_data(seen)
    assert data["reportPaint"] is True
    # the places of the selectors are sent before the map (an empty container is not shown)
    assert min(i for i, (_p, k, _e) in enumerate(seen) if k == "empty") < next(
        i
        for i, (_p, k, e) in enumerate(seen)
        if k == "bidi_component" and e.bidi_component.component_name == "diag_leaflet_map"
    )
    assert not at.metric and not at.selectbox and not at.sidebar.text_input

    with sent_elements() as seen:
        at.run()  # the run the map asks for once painted (or any interaction)
    assert_no_exception(at)
    kinds = {k for _p, k, _e in seen}
    assert {"selectbox", "metric", "button_group", "text_input"} <= kinds
    whole_map = next(
        p
        for p, k, e in seen
        if k == "bidi_component" and e.bidi_component.component_name == "diag_leaflet_map"
    )
    assert whole_map == first_map
    data2 = _map_data(seen)
    assert "reportPaint" not in data2
    assert data2["sig"] == data["sig"]  # the same map: the browser does not redraw it
    assert [s.label for s in at.selectbox] == ["Maille", "Colorer par"]
    assert at.metric and at.sidebar.text_input
