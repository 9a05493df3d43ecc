"""The geometry build step: deterministic, valid, polygonal, gap-free; built files in place."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from geodata import build, layers
from geodata.territory import Level

BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # self-intersecting


@pytest.mark.parametrize(
    ("geom", "kind"),
    [
        (box(0, 0, 1, 1), "Polygon"),
        (BOWTIE, "MultiPolygon"),
        (GeometryCollection([box(0, 0, 1, 1), LineString([(2, 2), (3, 3)])]), "Polygon"),
        (GeometryCollection([box(0, 0, 1, 1), box(2, 2, 3, 3), Point(5, 5)]), "MultiPolygon"),
        (GeometryCollection([LineString([(0, 0), (1, 1)])]), None),
        (Polygon(), None),
        (None, None),
    ],
)
def test_clean_keeps_valid_polygons_only(geom, kind):
    out = build.clean(np.array([geom], dtype=object), tolerance=0.0)[0]
    if kind is None:
        assert out is None
    else:
        assert out.geom_type == kind
        assert out.is_valid


def test_clean_rounds_coordinates():
    g = box(0.123456789, 0.0, 1.0, 1.0)
    out = build.clean(np.array([g], dtype=object), tolerance=0.0)[0]
    xs = shapely.get_coordinates(out)[:, 0]
    assert np.allclose(xs, np.round(xs, 5))


@pytest.fixture(scope="module")
def belfort() -> gpd.GeoDataFrame:
    """The 101 communes of the Territoire de Belfort (90), from the shipped reference file."""
    return build.communes_source(filters=[("dep", "==", "90")])


@pytest.mark.parametrize("tolerance", [0.0, 0.004, 0.012])
def test_build_one_departement_deterministic_and_valid(belfort, tolerance):
    a = build.build_communes(belfort, tolerance)
    b = build.build_communes(belfort, tolerance)
    assert a["code"].tolist() == b["code"].tolist() == sorted(belfort["code"])
    assert list(shapely.to_wkb(a.geometry.values)) == list(shapely.to_wkb(b.geometry.values))
    assert a.geometry.is_valid.all()
    assert set(a.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    assert a["code"].map(type).eq(str).all()


@pytest.mark.parametrize("tolerance", [0.004, 0.012])
def test_coverage_simplify_leaves_no_gaps(belfort, tolerance):
    """Neighbours keep shared edges: the union keeps the département's area and the pieces
    do not overlap (per-polygon simplification would open slivers of several %)."""
    full = build.build_communes(belfort, 0.0)
    simp = build.build_communes(belfort, tolerance)
    assert layers.count_coords(simp) < layers.count_coords(full)
    union_full = shapely.union_all(full.geometry.values).area
    union_simp = shapely.union_all(simp.geometry.values).area
    assert union_simp == pytest.approx(union_full, rel=0.03)  # only the outer outline moves
    assert shapely.area(simp.geometry.values).sum() == pytest.approx(
        union_simp, rel=0.001
    )  # no overlaps
    holes = shapely.union_all(simp.geometry.values)
    interior_rings = sum(len(p.interiors) for p in shapely.get_parts(holes))
    union_full_rings = sum(
        len(p.interiors) for p in shapely.get_parts(shapely.union_all(full.geometry.values))
    )
    assert interior_rings <= union_full_rings  # no new hole (gap) inside the département


def test_regions_dissolved_from_departements():
    deps = build.build_departements(build.departements_source().query("reg == '94'"), 0.01)
    regs = build.build_regions(deps, build.departements_source())
    assert regs["code"].tolist() == ["94"]
    assert shapely.area(regs.geometry.iloc[0]) == pytest.approx(
        shapely.area(deps.geometry.values).sum(), rel=0.01
    )


@pytest.mark.parametrize(
    ("level", "zoom", "n"),
    [
        (Level.COMMUNE, "full", 34_871),
        (Level.COMMUNE, "region", 34_871),
        (Level.COMMUNE, "france", 34_871),
        (Level.EPCI, "region", 1_253),
        (Level.EPCI, "france", 1_253),
        (Level.DEPARTEMENT, "full", 101),
        (Level.DEPARTEMENT, "france", 101),
        (Level.REGION, "france", 18),
    ],
)
def test_built_files_are_shipped(level, zoom, n):
    gdf = gpd.read_parquet(layers.built_file(level, zoom), columns=["code", "geometry"])
    assert len(gdf) == n
    assert gdf["code"].is_unique
    assert set(gdf.geometry.geom_type) <= {"Polygon", "MultiPolygon"}


def test_multipolygon_kept_whole():
    g = MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)])
    out = build.clean(np.array([g], dtype=object), tolerance=0.0)[0]
    assert out.geom_type == "MultiPolygon" and len(out.geoms) == 2
