"""The overlay builders of the shared geospatial layer (analyses/overlays.py), on a 3×3
grid of hand-made communes: an EPCI holding planning for some of its communes, two CTG
perimeters, a zone, QPV and structures."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from analyses import overlays as ov
from diagnostics import ao
from geodata import maps
from geodata.maps import TIER_COLORS

#   row 2:  C7 C8 C9
#   row 1:  C4 C5 C6
#   row 0:  C1 C2 C3
CODES = [f"C{i}" for i in range(1, 10)]
REF = date(2026, 6, 1)
VAUT = ao.STATUS_LABELS[ao.ST_VAUT_SCHEMA]
AVENANT = ao.STATUS_LABELS[ao.ST_AVENANT]
NON = ao.STATUS_LABELS[ao.ST_NON_CONCERNE]


@pytest.fixture
def grid() -> gpd.GeoDataFrame:
    cells = [box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)]
    return gpd.GeoDataFrame({"code_insee": CODES}, geometry=cells, crs="EPSG:4326")


def _features(overlay: maps.Overlay) -> list[dict]:
    assert isinstance(overlay.data, str)
    return json.loads(overlay.data)["features"]


def _shape(feature: dict):
    return shapely.geometry.shape(feature["geometry"])


def _layers(statut: dict[str, str] | None = None) -> pd.DataFrame:
    """commune_layers of the grid: the EPCI « CC du Carré » holds planning for C1, C2, C4,
    C5 (transferred); C3 holds it itself (a commune of more than 3,500); the others have
    3,500 inhabitants or fewer."""
    rows = []
    for c in CODES:
        if c in ("C1", "C2", "C4", "C5"):
            holder, name, tier = "EPCI", "CC du Carré", "plus de 10 000"
        elif c == "C3":
            holder, name, tier = "Commune", "Ville C3", "3 500 à 10 000"
        else:
            holder, name, tier = "Non applicable (3 500 habitants ou moins)", "", "moins de 3 500"
        rows.append(
            {
                "code_insee": c,
                "titulaire_planification": holder,
                "ao_planification": name,
                "strate": tier,
                "statut": (statut or {}).get(c, NON),
            }
        )
    return pd.DataFrame(rows)


def test_ao_competence_overlay(grid):
    out = ov.ao_competence_overlay(grid, _layers(), credit="Source : test, 2026")
    feats = _features(out)
    assert out.key == ov.AO and out.n_features == len(feats) == 2
    by_kind = {("EPCI" in f["properties"]["tip"]): f for f in feats}
    epci, commune = by_kind[True], by_kind[False]
    # the EPCI is drawn as the union of the four communes that transferred: one square
    assert _shape(epci).equals(box(0, 0, 2, 2))
    assert epci["properties"]["couleur"] == TIER_COLORS["plus de 10 000"]
    assert epci["properties"]["trait"] == ""  # solid
    assert "4 commune(s)" in epci["properties"]["tip"]
    assert _shape(commune).equals(box(2, 0, 3, 1))
    assert commune["properties"]["couleur"] == TIER_COLORS["3 500 à 10 000"]
    assert commune["properties"]["trait"] == ov.AO_DASH_COMMUNE  # dashed
    assert out.credit == "Source : test, 2026"
    assert [lab for _, lab in out.legend][:2] == [
        "AO de 3 500 à 10 000 habitants",
        "AO de plus de 10 000 habitants",
    ]


def _ctg(cid: str, communes: tuple[str, ...], debut: str, fin: str) -> ao.Ctg:
    return ao.Ctg(
        id_ctg=cid,
        nom=f"CTG {cid}",
        niveau="epci",
        date_debut=pd.Timestamp(debut),
        date_fin=pd.Timestamp(fin),
        communes_signataires=(),
        epci_signataires=("E1",),
        communes_couvertes=communes,
    )


def test_ctg_overlay_two_perimeters_and_statuses(grid):
    ctgs = [
        _ctg("A", ("C1", "C2", "C4", "C5"), "2023-01-01", "2029-12-31"),  # AO vaut schéma
        _ctg("B", ("C6", "C9"), "2022-01-01", "2026-12-31"),  # ends within 12 months
        _ctg("OLD", ("C7",), "2015-01-01", "2019-12-31"),  # expired: not drawn
    ]
    layers = _layers({c: VAUT for c in ("C1", "C2", "C4", "C5")})
    out = ov.ctg_overlay(grid, ctgs, layers, REF)
    feats = {f["properties"]["tip"].split("(")[1].split(")")[0]: f for f in _features(out)}
    assert set(feats) == {"A", "B"}
    assert _shape(feats["A"]).equals(box(0, 0, 2, 2))
    assert _shape(feats["B"]).equals(box(2, 1, 3, 3))
    assert feats["A"]["properties"]["couleur"] == ov.CTG_STATUS_COLORS[ov.CTG_VAUT_SCHEMA]
    assert feats["B"]["properties"]["couleur"] == ov.CTG_STATUS_COLORS[ov.CTG_ECHEANCE]
    assert "Du 01/01/2023 au 31/12/2029" in feats["A"]["properties"]["tip"]


@pytest.mark.parametrize(
    ("statuses", "fin", "expected"),
    [
        ({"C1": VAUT, "C2": VAUT}, "2030-01-01", ov.CTG_VAUT_SCHEMA),
        ({"C1": VAUT, "C2": AVENANT}, "2030-01-01", ov.CTG_AVENANT),
        ({"C1": VAUT, "C2": AVENANT}, "2026-09-01", ov.CTG_ECHEANCE),
        ({}, "2030-01-01", ov.CTG_EN_VIGUEUR),  # no AO concerned
        ({"C1": VAUT}, "2020-01-01", None),  # expired
    ],
)
def test_ctg_status(statuses, fin, expected):
    ctg = _ctg("X", ("C1", "C2"), "2021-01-01", fin)
    assert ov.ctg_status(ctg, _layers(statuses), REF) == expected


def test_zones_overlay_dissolved_with_names(grid):
    members = pd.DataFrame(
        {
            "code_insee": ["C5", "C6", "C8", "C1"],
            "zone_id": ["Z1", "Z1", "Z1", "Z2"],
            "zone_nom": ["Zone de C5", "Zone de C5", "Zone de C5", "Zone de C1"],
        }
    )
    out = ov.zones_overlay(grid, members, "Zonage 2026")
    feats = {f["properties"]["nom"]: f for f in _features(out)}
    assert set(feats) == {"Zone de C5", "Zone de C1"}
    assert _shape(feats["Zone de C5"]).area == pytest.approx(3.0)  # C5, C6 and C8
    assert "3 commune(s)" in feats["Zone de C5"]["properties"]["tip"]
    assert out.label_property == "nom" and out.key == ov.ZONES
    assert "Zonage 2026" in out.legend[0][1]
    # the same zones, already dissolved (the zoning being edited)
    from diagnostics.zones import dissolve_zones

    again = ov.polygons_overlay(dissolve_zones(grid, members), "en cours")
    assert {f["properties"]["nom"] for f in _features(again)} == set(feats)


def test_qpv_overlay_latest_list_and_all_communes(grid):
    qpv = pd.DataFrame(
        {
            "code_qpv": ["QP1", "QP2", "QP0"],
            "nom_qpv": ["Les Tilleuls", "Centre <ancien>", "Ancien quartier"],
            "annee": [2024, 2024, 2022],
            "code_insee": ["C1", "C2", "C9"],
            "communes": ["C1;C4", "", ""],
        }
    )
    out = ov.qpv_overlay(grid, qpv, credit="Source : ANCT, 2024")
    tips = {f["properties"]["tip"] for f in _features(out)}
    assert out.n_features == 3  # C1 and C4 (one quartier on two communes), C2; not C9 (2022)
    assert "1 QPV 2024 : Les Tilleuls" in tips
    assert "Centre \\u003cancien\\u003e" in out.data  # inert inside a <script> block
    assert ov.qpv_year(qpv) == 2024


def test_structures_overlay_points_sized_by_places():
    frame = pd.DataFrame(
        {
            "id_structure": ["s1", "s2", "s3", "s4"],
            "type_structure": ["EAJE", "EAJE", "RPE", "EAJE"],
            "nom": ["Crèche A", "Micro B", "Relais C", "Sans position"],
            "code_insee": ["C1", "C2", "C3", "C1"],
            "places": [60, 10, None, 20],
            "latitude": [0.5, 0.5, 0.5, None],
            "longitude": [0.5, 1.5, 2.5, None],
        }
    )
    out = ov.structures_overlay(frame, ["C1", "C2"])
    feats = {f["properties"]["tip"].split("\n")[0]: f for f in _features(out)}
    assert set(feats) == {"Crèche A", "Micro B"}  # C3 outside, s4 without coordinates
    big, small = feats["Crèche A"]["properties"], feats["Micro B"]["properties"]
    assert big["rayon"] == ov.POINT_MAX_RADIUS and small["rayon"] < big["rayon"]
    assert big["couleur"] == ov.STRUCTURE_COLORS["EAJE"]
    assert out.kind == "points" and "60 places" in big["tip"]
    everything = ov.structures_overlay(frame)
    assert everything.n_features == 3
    assert [lab for _, lab in everything.legend] == [
        ov.STRUCTURE_LABELS["EAJE"],
        ov.STRUCTURE_LABELS["RPE"],
    ]


@pytest.mark.parametrize("builder", ["ao", "ctg", "zones", "qpv"])
def test_empty_inputs_give_empty_layers(grid, builder):
    empty_layers = _layers().iloc[0:0]
    out = {
        "ao": lambda: ov.ao_competence_overlay(grid, empty_layers),
        "ctg": lambda: ov.ctg_overlay(grid, [], empty_layers, REF),
        "zones": lambda: ov.zones_overlay(
            grid, pd.DataFrame(columns=["code_insee", "zone_id", "zone_nom"]), "z"
        ),
        "qpv": lambda: ov.qpv_overlay(grid, pd.DataFrame(columns=["code_qpv", "annee"])),
    }[builder]()
    assert out.n_features == 0 and _features(out) == []


def test_overlay_script_escapes_and_removes(grid):
    """The component's overlay script escapes every data text and returns its remover."""
    evil = "<img src=x onerror=alert(1)>"
    members = pd.DataFrame({"code_insee": ["C1"], "zone_id": ["Z"], "zone_nom": [evil]})
    out = ov.zones_overlay(grid, members, evil, credit=f"Source : {evil}")
    body, geo = maps.overlay_body(out), maps.overlay_geojson(out)
    assert "<img" not in body and "<img" not in geo
    decoded = body.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    assert decoded.count("&lt;img") == 2  # legend and credit: escaped HTML
    assert "esc(t)" in body and "return function()" in body
    assert json.loads(geo)["features"][0]["properties"]["nom"] == evil  # data stays data
