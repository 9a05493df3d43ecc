"""DROM insets of national maps (geodata/insets.py) on tiny hand-made geometries."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geodata.insets import DROM_INSETS, FRANCE_BOUNDS, inset_frames, place_insets


def _square(lon: float, lat: float, size: float = 0.1) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + size, lat + size)


FRAME = gpd.GeoDataFrame(
    {"code": ["69123", "97101", "97411", "97302", "vide"]},
    geometry=[
        _square(4.8, 45.7),  # Lyon: stays
        _square(-61.6, 16.2),  # Guadeloupe
        _square(55.4, -21.0),  # La Réunion
        _square(-53.0, 4.0, 1.0),  # Guyane
        None,  # a missing geometry is kept as it is
    ],
    crs="EPSG:4326",
)


def _inset(code: str):
    return next(i for i in DROM_INSETS if i.code == code)


@pytest.mark.parametrize(
    ("row", "dep"),
    [(1, "971"), (2, "974"), (3, "973")],
)
def test_a_drom_feature_lands_in_its_box(row, dep):
    out = place_insets(FRAME)
    x0, y0, x1, y1 = _inset(dep).target
    bx0, by0, bx1, by1 = out.geometry.iloc[row].bounds
    assert x0 <= bx0 < bx1 <= x1 and y0 <= by0 < by1 <= y1


def test_mainland_features_and_attributes_are_untouched_and_input_not_modified():
    before = FRAME.copy()
    out = place_insets(FRAME)
    assert out.geometry.iloc[0].equals(FRAME.geometry.iloc[0])
    assert out.geometry.iloc[4] is None
    assert out["code"].tolist() == FRAME["code"].tolist()
    assert out.crs == FRAME.crs
    assert all(a.equals(b) for a, b in zip(FRAME.geometry[:4], before.geometry[:4], strict=True))


def test_shape_is_kept_relative_sizes_within_an_inset():
    # two squares of one DROM keep their relative size and order (uniform scale)
    g = gpd.GeoDataFrame(
        geometry=[_square(-61.6, 16.2, 0.1), _square(-61.3, 16.0, 0.2)], crs="EPSG:4326"
    )
    out = place_insets(g)
    a, b = out.geometry.iloc[0], out.geometry.iloc[1]
    assert b.area / a.area == pytest.approx(4.0, rel=0.02)
    assert a.centroid.x < b.centroid.x and a.centroid.y > b.centroid.y


def test_boxes_lie_east_of_alsace_above_corsica_in_the_frame_and_do_not_overlap():
    frames = inset_frames()
    assert len(frames) == 5
    x0, y0, x1, y1 = FRANCE_BOUNDS
    for box in frames.geometry:
        bx0, by0, bx1, by1 = box.bounds
        assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1
        assert bx0 > 8.3 and by0 > 43.1  # Alsace ends at 8.2° E, Corsica at 43.0° N
    assert not any(
        a.intersects(b) for i, a in enumerate(frames.geometry) for b in frames.geometry[i + 1 :]
    )


def test_empty_frame():
    empty = FRAME.iloc[0:0]
    assert place_insets(empty).empty
