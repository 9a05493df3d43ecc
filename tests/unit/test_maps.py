"""Map classification, escaping, offline assets, payload budgets and the PNG export."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geodata import assets, layers, maps
from geodata.layers import MapPayload
from geodata.maps import MISSING_COLOR, MISSING_LABEL, Overlay
from geodata.territory import Level, Territory

P3 = ("#111111", "#222222", "#333333")
NAN = float("nan")


# ---- classification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 5, 10], [P3[0], P3[0], P3[1]]),  # left-closed classes: 10 opens class 2
        ([19.99, 20, 30], [P3[1], P3[2], P3[2]]),  # last edge (30) belongs to the last class
        ([-1, 31], [MISSING_COLOR, MISSING_COLOR]),  # outside the edges
        ([NAN, None, 15], [MISSING_COLOR, MISSING_COLOR, P3[1]]),
    ],
)
def test_classify_bins(values, expected):
    s = pd.Series(values, index=[f"c{i}" for i in range(len(values))], dtype=object)
    cl = maps.classify_bins(s, [0, 10, 20, 30], ["0 à 10", "10 à 20", "20 à 30"], P3)
    assert cl.colors.tolist() == expected
    assert cl.legend[:3] == [(P3[0], "0 à 10"), (P3[1], "10 à 20"), (P3[2], "20 à 30")]
    assert ((MISSING_COLOR, MISSING_LABEL) in cl.legend) == (MISSING_COLOR in expected)


@pytest.mark.parametrize(
    ("bins", "labels"),
    [([0, 10], ["a", "b"]), ([0, 10, 10], ["a", "b"]), ([10, 0], ["a"])],
)
def test_classify_bins_rejects_bad_edges(bins, labels):
    with pytest.raises(ValueError, match="doit"):
        maps.classify_bins(pd.Series([1.0]), bins, labels, P3)


def test_classify_bins_string_index_and_no_mutation():
    s = pd.Series([1.0, 2.0], index=[1001, 2004])
    before = s.copy()
    cl = maps.classify_bins(s, [0, 1.5, 3], ["bas", "haut"], P3)
    assert cl.colors.index.tolist() == ["1001", "2004"]
    pd.testing.assert_series_equal(s, before)


@pytest.mark.parametrize(
    ("values", "k", "n_classes", "has_missing"),
    [
        (list(range(10)), 5, 5, False),
        ([1, 1, 1, 1], 5, 1, False),  # one distinct value -> one class
        ([1, 1, 1, 2], 5, 1, False),  # edges are observed values: at most distinct-1 classes
        ([3.4, 3.45, 9], 3, 1, False),  # edges printing alike (« 3 à 3 ») are merged
        ([NAN, NAN], 5, 0, True),  # nothing to classify
        ([1, 2, NAN], 2, 1, True),
        ([1, 2, 3, 4, NAN], 2, 2, True),
        ([3.5, 7.25], 10, 1, False),  # k larger than the number of values
    ],
)
def test_classify_quantiles(values, k, n_classes, has_missing):
    s = pd.Series(values, index=[str(i) for i in range(len(values))], dtype=float)
    cl = maps.classify_quantiles(s, k=k)
    classes = [entry for entry in cl.legend if entry[1] != MISSING_LABEL]
    assert len(classes) == n_classes
    assert ((MISSING_COLOR, MISSING_LABEL) in cl.legend) is has_missing
    assert cl.colors[s.isna()].eq(MISSING_COLOR).all()
    assert not cl.colors[s.notna()].eq(MISSING_COLOR).any()


def test_classify_quantiles_french_labels():
    s = pd.Series([1000.0, 2500.5, 12000.0, 50000.0], index=list("abcd"))
    cl = maps.classify_quantiles(s, k=2, decimals=1, unit="hab.")
    assert cl.legend[0][1] == "1\u202f000,0 à 2\u202f500,5 hab."


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["A", "B", "A"], ["#aa0000", "#00bb00", "#aa0000"]),
        (["A", "Z", None], ["#aa0000", MISSING_COLOR, MISSING_COLOR]),
        ([NAN], [MISSING_COLOR]),
    ],
)
def test_classify_categories(values, expected):
    s = pd.Series(values, index=[f"x{i}" for i in range(len(values))], dtype=object)
    cl = maps.classify_categories(s, {"A": "#aa0000", "B": "#00bb00"})
    assert cl.colors.tolist() == expected
    assert cl.legend[:2] == [("#aa0000", "A"), ("#00bb00", "B")]
    assert ((MISSING_COLOR, MISSING_LABEL) in cl.legend) == (MISSING_COLOR in expected)


# ---- folium map on a hand-made layer ---------------------------------------------------------

EVIL = "<script>alert('x')</script>"


@pytest.fixture
def tiny() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["01001", "01002"], "nom": [f"Ville {EVIL}", "Autre & Cie"]},
        geometry=[box(5.0, 46.0, 5.1, 46.1), box(5.1, 46.0, 5.2, 46.1)],
        crs="EPSG:4326",
    )


def _payload(gdf: gpd.GeoDataFrame) -> MapPayload:
    x0, y0, x1, y1 = gdf.total_bounds
    return MapPayload(layers.to_geojson(gdf), (x0, y0, x1, y1), len(gdf), layers.count_coords(gdf))


def _tiny_map(gdf, **kw):
    t = Territory(Level.DEPARTEMENT, "01", "Ain")
    cl = maps.classify_categories(
        pd.Series(["A", "B"], index=gdf["code"]), {"A": "#aa0000", "B": "#00bb00"}
    )
    tip = pd.DataFrame({"Valeur <b>": [EVIL, "12 345"]}, index=gdf["code"])
    return maps.build_map(
        Level.COMMUNE,
        t,
        cl.colors,
        cl.legend,
        title=f"Titre {EVIL}",
        credit=f"Source : test {EVIL}",
        tooltip=tip,
        payload=_payload(gdf),
        outlines=_payload(gdf),
        **kw,
    )


def test_build_map_escapes_everything(tiny):
    ov = Overlay(
        tiny.assign(lib=[EVIL, "zone"]), name="zones", tooltip_column="lib", legend_label=EVIL
    )
    html = maps.map_html(_tiny_map(tiny, overlays=[ov]))
    assert "<script>alert" not in html  # nothing can close the page's <script> block
    # What the browser's JS sees once the JSON escapes are decoded: title, legend and credit
    # are escaped HTML; names, tooltip labels and values stay data and are escaped by esc()
    # in the browser when shown (main layer, outlines, overlay label, tooltip value).
    decoded = html.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    assert decoded.count("&lt;script&gt;alert") >= 3
    in_data = (
        decoded.count(f'"nom":"Ville {EVIL}"')
        + decoded.count(f'"lib":"{EVIL}"')
        + decoded.count(f'["{EVIL}"')
    )
    assert decoded.count("<script>alert") == in_data == 4
    for call in ("esc(p.nom)", "esc(tl[k])", "esc(v[k])", "esc(t)"):
        assert call in html


def test_names_are_not_templates(tiny):
    """Jinja syntax in a name stays text (folium would compile the script as a template)."""
    gdf = tiny.assign(nom=["{{ 6 * 7 }}", "{% if true %}x{% endif %}"])
    html = maps.map_html(_tiny_map(gdf))
    assert '"nom":"{{ 6 * 7 }}"' in html
    assert "{% if true %}x{% endif %}" in html


def test_build_map_offline_and_canvas(tiny):
    m = _tiny_map(tiny)
    html = maps.map_html(m)
    assert assets.external_links(m) == []
    assert re.findall(r"https?://", html) == []  # no CDN, no tiles
    assert assets.LEAFLET_JS in html and assets.LEAFLET_CSS in html
    assert 'preferCanvas": true' in html or "prefer_canvas" in html or "preferCanvas: true" in html


def test_build_map_colours_by_lookup_not_switch(tiny):
    html = maps.map_html(_tiny_map(tiny))
    assert "switch" not in html  # folium's style_function would emit one case per feature
    assert 'pal = ["#aa0000","#00bb00"]' in html
    assert 'ci = {"01001":0,"01002":1}' in html


def test_build_map_tiles_option(tiny):
    html = maps.map_html(_tiny_map(tiny, tiles=True))
    assert "tile.openstreetmap.org" in html


def test_build_map_highlight(tiny):
    html = maps.map_html(_tiny_map(tiny, highlight="01002"))
    assert 'hl = "01002"' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [("</script>", "\\u003c/script\\u003e"), ("a & b", "a \\u0026 b"), ("plain", "plain")],
)
def test_escape_for_script(text, expected):
    assert layers.escape_for_script(text) == expected


def test_to_geojson_rounds_and_escapes(tiny):
    gdf = tiny.copy()
    gdf.geometry = [box(5.0000049, 46.0, 5.1234567891, 46.1), box(5.1, 46.0, 5.2, 46.1)]
    text = layers.to_geojson(gdf)
    assert "5.12346" in text and "5.1234567" not in text
    assert "<" not in text and ">" not in text


def test_static_map_png(tiny):
    t = Territory(Level.DEPARTEMENT, "01", "Ain")
    cl = maps.classify_categories(pd.Series(["A", None], index=tiny["code"]), {"A": "#aa0000"})
    png = maps.static_map_png(
        Level.COMMUNE,
        t,
        cl.colors,
        cl.legend,
        title="Titre é",
        credit="Source : test",
        gdf=tiny,
        outlines_gdf=tiny,
        dpi=60,
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# ---- payload budgets on the built files ------------------------------------------------------

CASES = [
    (Level.COMMUNE, Territory(Level.DEPARTEMENT, "59", "Nord")),
    (Level.COMMUNE, Territory(Level.DEPARTEMENT, "2A", "Corse-du-Sud")),
    (Level.COMMUNE, Territory(Level.DEPARTEMENT, "974", "La Réunion")),
    (Level.COMMUNE, Territory(Level.REGION, "44", "Grand Est")),  # the région with most communes
    (Level.COMMUNE, Territory(Level.REGION, "84", "Auvergne-Rhône-Alpes")),
    (Level.EPCI, Territory(Level.REGION, "84", "Auvergne-Rhône-Alpes")),
    (Level.EPCI, Territory(Level.FRANCE)),
    (Level.DEPARTEMENT, Territory(Level.FRANCE)),
    (Level.COMMUNE, Territory(Level.FRANCE)),
    (Level.COMMUNE, Territory(Level.COMMUNE, "75056", "Paris")),
]


@pytest.mark.parametrize(
    ("level", "territory"), CASES, ids=[f"{lv.value}-{t.key}" for lv, t in CASES]
)
def test_payload_within_budget(level, territory):
    p = layers.payload(level, territory)
    max_features, max_coords, max_bytes = layers.budget(level, territory)
    assert 0 < p.n_features <= max_features
    assert p.n_coords <= max_coords
    assert p.n_bytes <= max_bytes


def test_france_budget_is_the_exception():
    assert layers.budget(Level.COMMUNE, Territory(Level.FRANCE)) != layers.budget(
        Level.EPCI, Territory(Level.FRANCE)
    )
    assert layers.MAX_FEATURES <= 5_200 and layers.MAX_COORDS <= 100_000


# ---- colourings of the Territoire page -------------------------------------------------------


@pytest.fixture
def communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_insee": ["01001", "01002", "01003", "02001"],
            "dep": ["01", "01", "01", "02"],
            "reg": ["84", "84", "84", "32"],
            "siren_epci": pd.array(["E1", "E1", None, "E2"], dtype="string"),
            "population": pd.array([3500, 3501, 10001, None], dtype="Int64"),
            "dens7": pd.array([5, 2, 1, None], dtype="Int64"),
            "dens7_lib": [
                "Bourgs ruraux",
                "Centres urbains intermédiaires",
                "Grands centres urbains",
                None,
            ],
        }
    )


def test_colouring_tiers(communes):
    from ui import maps as ui_maps

    cl, tip, _ = ui_maps.colouring(communes, Level.COMMUNE, ui_maps.THEME_TIER)
    tc = maps.TIER_COLORS
    assert cl.colors.tolist() == [
        tc["moins de 3 500"],
        tc["3 500 à 10 000"],
        tc["plus de 10 000"],
        MISSING_COLOR,
    ]
    assert tip.loc["02001", "Population municipale 2023"] == "—"


@pytest.mark.parametrize(
    ("level", "code", "population", "communes_n", "rural"),
    [
        (Level.DEPARTEMENT, "01", 17002, 3, 3500 / 17002 * 100),
        (Level.EPCI, "E1", 7001, 2, 3500 / 7001 * 100),
        (Level.REGION, "32", 0, 1, np.nan),
    ],
)
def test_aggregate_by(communes, level, code, population, communes_n, rural):
    from ui import maps as ui_maps

    agg = ui_maps.aggregate_by(communes, level)
    assert agg.loc[code, "population"] == population
    assert agg.loc[code, "communes"] == communes_n
    assert agg.loc[code, "part_rurale"] == pytest.approx(rural, nan_ok=True)


# ---- the in-page clickable map (ui/maps.show_map) --------------------------------------------


@pytest.mark.parametrize(
    ("key", "dom_id"),
    [
        ("territoire_departement:69_commune", "diagmap_territoire_departement_69_commune"),
        ("territoire_france:_departement", "diagmap_territoire_france__departement"),
        ("a b-c", "diagmap_a_b_c"),
    ],
)
def test_map_script_renames_the_map(tiny, key, dom_id):
    from ui import maps as ui_maps

    assert ui_maps._dom_id(key) == dom_id
    m = _tiny_map(tiny)
    script = ui_maps.map_script(m, dom_id)
    assert f"var {dom_id} = L.map(" in script
    assert m.get_name() not in script
    assert "window.diagMainLayer = layer" in script  # the layer the component binds clicks on
    assert "<script" not in script and re.findall(r"https?://", script) == []
    # Same inputs, same script: a rerun that does not change the map does not redraw it.
    assert ui_maps.map_script(_tiny_map(tiny), dom_id) == script


def test_map_component_bundles_leaflet():
    from ui import maps as ui_maps

    js = ui_maps._MAP_JS
    assert re.findall(r"https?://", js) == []  # nothing to fetch from outside
    assert "setTriggerValue('click'" in js
    leaflet = assets.leaflet_js_source()
    assert "Leaflet 1.9.4" in leaflet and "window.L=" in leaflet
    assert "sourceMappingURL" not in leaflet
    css = assets.leaflet_css_source()
    assert "url(images/" not in css and "url(/app/static/vendor/leaflet/images/layers.png)" in css
    for name in ("layers.png", "layers-2x.png", "marker-icon.png"):
        assert (assets.VENDOR_DIR / "leaflet" / "images" / name).exists()


@pytest.mark.parametrize(
    ("cells", "right", "expected_row"),
    [
        (["moins de 3 500", "12,5 %"], ["Part"], "| moins de 3 500 | 12,5\u00a0% |"),
        (["a|b", "1 234"], [], "| a\\|b | 1 234 |"),  # a pipe cannot open a new column
        (["<b>x</b>", "*gras*"], [], "| &lt;b&gt;x&lt;/b&gt; | \\*gras\\* |"),
        ([None, float("nan")], ["Part"], "|  |  |"),
    ],
)
def test_markdown_table(cells, right, expected_row):
    from ui import maps as ui_maps

    frame = pd.DataFrame([cells], columns=["Strate (habitants)", "Part"], dtype=object)
    lines = ui_maps.markdown_table(frame, right=right).split("\n")
    assert lines[0] == "| Strate \\(habitants\\) | Part |"
    assert lines[1] == ("|---|---:|" if right else "|---|---|")
    assert lines[2] == expected_row


@pytest.mark.parametrize(
    ("script", "shapes", "expected_script", "expected_geo"),
    [
        ("L.geoJSON(GA, o); L.geoJSON(GB, p);", ["GA", "GB"], None, ["GA", "GB"]),
        ("L.geoJSON(GA, o);", ["GA", "GX"], "L.geoJSON(JSON.parse(__geo[0]), o);", ["GA"]),
        ("L.geoJSON(GA, o);", ["", "GX"], "L.geoJSON(GA, o);", []),
    ],
)
def test_split_geojson(script, shapes, expected_script, expected_geo):
    from ui import maps as ui_maps

    out, geo = ui_maps.split_geojson(script, shapes)
    assert geo == expected_geo
    if expected_script is not None:
        assert out == expected_script
    for i, text in enumerate(geo):
        assert text not in out and f"JSON.parse(__geo[{i}])" in out


def test_split_geojson_on_a_real_map(tiny):
    """The GeoJSON of a built map leaves the script as valid JSON strings."""
    import json

    from ui import maps as ui_maps

    payload = _payload(tiny)
    script = ui_maps.map_script(_tiny_map(tiny), "diagmap_t")
    out, geo = ui_maps.split_geojson(script, [payload.geojson])
    assert len(geo) == 1 and json.loads(geo[0])["type"] == "FeatureCollection"
    assert "L.geoJSON(JSON.parse(__geo[0])" in out and '"coordinates"' not in out


def test_json_texts_of_a_built_map_leave_the_script_as_json(tiny, monkeypatch):
    """Geometry and per-feature tables of a built map are sent apart from its script, each a
    JSON text that the script reads with JSON.parse (names with HTML stay escaped)."""
    import json

    from ui import maps as ui_maps

    m = _tiny_map(tiny)
    texts = m.diag_json_texts
    assert len(texts) == 4  # geometry, département outlines, colour index, tooltip values
    colour_index, tips = json.loads(texts[2]), json.loads(texts[3])
    assert colour_index == {"01001": 0, "01002": 1}
    assert tips["01001"] == [EVIL]
    assert "<" not in texts[3]  # inert inside a <script> block
    monkeypatch.setattr(ui_maps, "MIN_SPLIT_CHARS", 0)
    script, geo = ui_maps.split_geojson(ui_maps.map_script(m, "diagmap_t"), ui_maps.json_texts(m))
    # the test map's outlines are its own geometry: one text, sent once
    assert geo == [texts[0], texts[2], texts[3]]
    assert "ci = JSON.parse(__geo[1])" in script and "tv = JSON.parse(__geo[2])" in script
    assert '"01001"' not in script
    monkeypatch.setattr(ui_maps, "MIN_SPLIT_CHARS", 10_000)
    assert ui_maps.json_texts(m) == []  # small tables stay in the script


def test_static_geo_writes_a_content_hashed_gzip_file(tmp_path, monkeypatch):
    """The JSON texts of a large map go to the browser as static/geo/<hash>.json.gz next to
    the running app (written once, same name for the same text); a small map's stay inline;
    so does everything when static serving is off."""
    import gzip
    import types

    from ui import maps as ui_maps

    (tmp_path / "app.py").write_text("")
    ctx = types.SimpleNamespace(main_script_path=str(tmp_path / "app.py"))
    monkeypatch.setattr(ui_maps, "get_script_run_ctx", lambda: ctx)
    monkeypatch.setattr(ui_maps, "STATIC_GEO_MIN_BYTES", 300)
    monkeypatch.setattr(ui_maps, "STATIC_GEO_MIN_TEXT", 100)
    options = {"server.enableStaticServing": True, "server.baseUrlPath": ""}
    monkeypatch.setattr(ui_maps.st, "get_option", options.__getitem__)
    big = '{"type":"FeatureCollection","features":[]' + " " * 200 + "}"
    table = '{"01001":0' + " " * 100 + "}"
    assert ui_maps.delivered([big, "{}"]) == [big, "{}"]  # 250 characters: inline
    items = ui_maps.delivered([big, table, "{}"])
    assert items[2] == "{}"  # a short text of a large map stays inline
    names = [item["url"].rsplit("/", 1)[1] for item in items[:2]]
    for item, name, text in zip(items, names, [big, table], strict=False):
        assert item == {"url": f"/app/static/geo/{name}"} and name.endswith(".json.gz")
        path = tmp_path / "static" / "geo" / name
        assert gzip.decompress(path.read_bytes()).decode() == text
    assert names[0] != names[1]
    assert ui_maps.static_geo(big) == items[0]  # same text, same file
    assert not [p for p in (tmp_path / "static" / "geo").iterdir() if p.name.startswith(".")]
    path = tmp_path / "static" / "geo" / names[0]
    path.unlink()
    assert ui_maps.static_geo(big) == items[0] and path.exists()  # written again if removed
    options["server.baseUrlPath"] = "/diag/"
    assert ui_maps.static_geo(big) == {"url": f"/diag/app/static/geo/{names[0]}"}
    options["server.enableStaticServing"] = False
    assert ui_maps.static_geo(big) == big


def _static_ctx(tmp_path, monkeypatch, ui_maps) -> dict:
    import types

    (tmp_path / "app.py").write_text("")
    ctx = types.SimpleNamespace(main_script_path=str(tmp_path / "app.py"))
    monkeypatch.setattr(ui_maps, "get_script_run_ctx", lambda: ctx)
    options = {"server.enableStaticServing": True, "server.baseUrlPath": ""}
    monkeypatch.setattr(ui_maps.st, "get_option", options.__getitem__)
    return options


def _points_overlay(n: int) -> Overlay:
    features = ",".join(
        f'{{"type":"Feature","properties":{{"tip":"<b>S{i}</b>"}},'
        f'"geometry":{{"type":"Point","coordinates":[4.{i:05d},45.7]}}}}'
        for i in range(n)
    )
    text = layers.escape_for_script('{"type":"FeatureCollection","features":[' + features + "]}")
    return Overlay(
        data=text,
        name="Structures",
        key="structures",
        kind="points",
        tooltip_column="tip",
        legend=(("#e07b39", "EAJE"),),
        credit="Source : test",
    )


def test_a_large_overlay_is_delivered_as_a_static_file_equal_to_its_inline_text(
    tmp_path, monkeypatch
):
    """An overlay's GeoJSON from OVERLAY_STATIC_MIN_TEXT on travels as static/geo/<hash>.json.gz
    (same scheme as the base map), whose content is exactly the text that would be inline; the
    script (legend, tooltip, credit) and the signature do not depend on the delivery; a small
    overlay stays inline."""
    import gzip
    import json

    from ui import maps as ui_maps

    options = _static_ctx(tmp_path, monkeypatch, ui_maps)
    monkeypatch.setattr(ui_maps, "OVERLAY_STATIC_MIN_TEXT", 5_000)
    big, small = _points_overlay(100), _points_overlay(3)
    inline_text = maps.overlay_geojson(big)
    assert len(inline_text) >= 5_000 > len(maps.overlay_geojson(small))
    item = ui_maps._overlay_item(big)
    name = item["geo"]["url"].rsplit("/", 1)[1]
    assert item["geo"] == {"url": f"/app/static/geo/{name}"}
    on_disk = gzip.decompress((tmp_path / "static" / "geo" / name).read_bytes()).decode()
    assert on_disk == inline_text
    assert len(json.loads(on_disk)["features"]) == 100
    assert "\\u003cb\\u003eS0" in on_disk  # tooltips stay escaped, as inline
    assert ui_maps._overlay_item(small)["geo"] == maps.overlay_geojson(small)
    options["server.enableStaticServing"] = False
    inline = ui_maps._overlay_item(big)
    assert inline["geo"] == inline_text
    assert {k: v for k, v in inline.items() if k != "geo"} == {
        k: v for k, v in item.items() if k != "geo"
    }
    assert "Source : test" in inline["body"] and "EAJE" in inline["body"]


def test_a_large_overlay_stays_inline_when_the_static_folder_is_not_writable(tmp_path, monkeypatch):
    from ui import maps as ui_maps

    _static_ctx(tmp_path, monkeypatch, ui_maps)
    monkeypatch.setattr(ui_maps, "OVERLAY_STATIC_MIN_TEXT", 5_000)
    (tmp_path / "static").write_text("a file where the folder should be")
    big = _points_overlay(100)
    assert ui_maps._overlay_item(big)["geo"] == maps.overlay_geojson(big)


def test_overlay_texts_are_computed_once_per_cached_overlay(monkeypatch):
    """The cached overlays (st.cache_resource: the same object on every run) are serialised
    and hashed once, not on every run; another object with other data gets its own."""
    from ui import maps as ui_maps

    calls = []
    real = ui_maps.overlay_body
    monkeypatch.setattr(ui_maps, "overlay_body", lambda ov: calls.append(ov) or real(ov))
    monkeypatch.setattr(ui_maps.st, "get_option", lambda _name: False)
    ov, other = _points_overlay(3), _points_overlay(4)
    first = ui_maps._overlay_item(ov)
    assert ui_maps._overlay_item(ov) == first and len(calls) == 1
    assert ui_maps._overlay_item(other)["sig"] != first["sig"] and len(calls) == 2
