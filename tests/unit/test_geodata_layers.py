"""Which built file and which features a map of a territory gets."""

from __future__ import annotations

import json

import pytest
import shapely

from geodata import layers
from geodata.insets import FRANCE_BOUNDS
from geodata.layers import Zoom
from geodata.territory import Level, Territory

FR = Territory(Level.FRANCE)


@pytest.mark.parametrize(
    ("level", "territory", "zoom"),
    [
        (Level.COMMUNE, Territory(Level.DEPARTEMENT, "69", ""), Zoom.FULL),
        (Level.COMMUNE, Territory(Level.EPCI, "200046977", ""), Zoom.FULL),
        (Level.COMMUNE, Territory(Level.COMMUNE, "69123", ""), Zoom.FULL),
        (Level.COMMUNE, Territory(Level.REGION, "84", ""), Zoom.REGION),
        (Level.COMMUNE, FR, Zoom.FRANCE),
        (Level.EPCI, FR, Zoom.FRANCE),
        (Level.EPCI, Territory(Level.DEPARTEMENT, "69", ""), Zoom.REGION),
        (Level.DEPARTEMENT, FR, Zoom.FRANCE),
    ],
)
def test_zoom_for(level, territory, zoom):
    assert layers.zoom_for(level, territory) == zoom
    assert layers.built_file(level, zoom).exists()


@pytest.mark.parametrize(
    ("level", "territory", "n", "contains"),
    [
        (Level.COMMUNE, Territory(Level.DEPARTEMENT, "2A", ""), 124, "2A004"),
        (Level.COMMUNE, Territory(Level.DEPARTEMENT, "974", ""), 24, "97411"),
        (
            Level.COMMUNE,
            Territory(Level.DEPARTEMENT, "01", ""),
            391,
            "01001",
        ),  # 392 minus 1 new 2025 commune without contour
        (Level.COMMUNE, Territory(Level.EPCI, "200046977", ""), 58, "69123"),  # Métropole de Lyon
        (Level.COMMUNE, Territory(Level.COMMUNE, "69123", ""), 58, "69123"),  # Lyon within its EPCI
        (Level.COMMUNE, Territory(Level.COMMUNE, "29083", ""), 1, "29083"),  # Île-de-Sein: no EPCI
        (Level.DEPARTEMENT, Territory(Level.REGION, "94", ""), 2, "2B"),
        (Level.DEPARTEMENT, FR, 101, "976"),
        (Level.REGION, FR, 18, "94"),
    ],
)
def test_geometries(level, territory, n, contains):
    gdf = layers.geometries(level, territory)
    assert list(gdf.columns) == ["code", "nom", "geometry"]
    assert len(gdf) == n
    assert contains in set(gdf["code"])
    assert gdf["code"].is_monotonic_increasing


def test_epci_of_a_departement_includes_straddling_epci():
    """An EPCI spanning two départements is drawn on both."""
    gdf = layers.geometries(Level.EPCI, Territory(Level.DEPARTEMENT, "69", ""))
    assert "200046977" in set(gdf["code"])
    assert all(len(code) == 9 for code in gdf["code"])


@pytest.mark.parametrize(
    ("territory", "codes"),
    [
        (Territory(Level.DEPARTEMENT, "69", ""), {"69"}),
        (Territory(Level.COMMUNE, "2A004", ""), {"2A"}),
        (Territory(Level.REGION, "94", ""), {"2A", "2B"}),
    ],
)
def test_outlines(territory, codes):
    assert set(layers.outlines(territory)["code"]) == codes


def test_outlines_france():
    assert len(layers.outlines(FR)) == 101


def test_payload_is_valid_geojson():
    p = layers.payload(Level.COMMUNE, Territory(Level.DEPARTEMENT, "2A", ""))
    fc = json.loads(p.geojson)
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == p.n_features == 124
    assert set(fc["features"][0]["properties"]) == {"code", "nom"}
    x0, y0, x1, y1 = p.bounds
    assert 8.4 < x0 < x1 < 9.6 and 41.3 < y0 < y1 < 42.4


def test_national_maps_framed_on_mainland_and_drom_insets():
    p = layers.payload(Level.DEPARTEMENT, FR)
    assert p.bounds == FRANCE_BOUNDS
    x0, y0, x1, y1 = p.bounds
    for f in json.loads(p.geojson)["features"]:  # every département, DROM included, in frame
        geom = shapely.geometry.shape(f["geometry"])
        bx0, by0, bx1, by1 = geom.bounds
        assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, f["properties"]
    mainland = [
        shapely.geometry.shape(f["geometry"])
        for f in json.loads(layers.payload(Level.DEPARTEMENT, FR).geojson)["features"]
        if not f["properties"]["code"].startswith("97")
    ]
    frames = json.loads(layers.outlines_payload(FR).geojson)["features"]
    for f in frames:  # no inset frame covers a mainland département
        if f["properties"]["code"].startswith("cadre"):
            box = shapely.geometry.shape(f["geometry"])
            assert not any(box.intersects(d) for d in mainland), f["properties"]
    assert {
        f["properties"]["nom"] for f in frames if f["properties"]["code"].startswith("cadre")
    } == {
        "Guadeloupe",
        "Martinique",
        "Guyane",
        "La Réunion",
        "Mayotte",
    }
    # below the national scale the DROM are where they are
    reunion = layers.payload(Level.COMMUNE, Territory(Level.DEPARTEMENT, "974", "")).bounds
    assert 55.2 < reunion[0] < reunion[2] < 55.9


def test_communes_payload_holds_exactly_the_communes_asked():
    codes = ("69001", "69003", "42218")  # two départements, not a territory of the selector
    p = layers.communes_payload(codes)
    data = json.loads(p.geojson)
    assert sorted(f["properties"]["code"] for f in data["features"]) == sorted(codes)
    assert p.n_features == 3
    x0, y0, x1, y1 = p.bounds
    assert 4.0 < x0 < x1 < 5.0 and 45.0 < y0 < y1 < 46.0
