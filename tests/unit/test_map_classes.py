"""The classes of the pre-diagnostic's maps: one colouring for the PDF's static map and the
page's live map (reports.charts.class_colours)."""

from __future__ import annotations

from charts.spec import PALETTE
from geodata.maps import DENSITY_COLORS
from reports.charts import CLASS_COLOURS, class_colours


def test_known_classes_in_their_order_then_the_others_sorted():
    codes = ("01001", "01002", "01003", "01004", "01005")
    values = ("Zone B", "Bourgs ruraux", "Grands centres urbains", "Zone A", "Bourgs ruraux")
    colours, legend = class_colours(codes, values)
    assert legend == [
        (DENSITY_COLORS["Grands centres urbains"], "Grands centres urbains"),
        (DENSITY_COLORS["Bourgs ruraux"], "Bourgs ruraux"),
        (PALETTE[0], "Zone A"),
        (PALETTE[1], "Zone B"),
    ]
    assert colours.to_dict() == {
        "01001": PALETTE[1],
        "01002": DENSITY_COLORS["Bourgs ruraux"],
        "01003": DENSITY_COLORS["Grands centres urbains"],
        "01004": PALETTE[0],
        "01005": DENSITY_COLORS["Bourgs ruraux"],
    }


def test_plain_communes_have_a_colour_and_no_legend_row():
    colours, legend = class_colours(("01001", "01002"), ("commune", "commune"))
    assert legend == []
    assert set(colours) == {CLASS_COLOURS["commune"]}
