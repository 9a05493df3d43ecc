"""charts/: one specification, two back-ends (plotly on screen, matplotlib for the PDF/PNG)."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from PIL import Image

from charts import filoue as filoue_charts
from charts import plotly_figure, static
from charts.spec import (
    SEPARATORS,
    STATUS_COMPUTED,
    STATUS_ESTIMATE,
    STATUS_PUBLISHED,
    STATUS_SYNTHETIC,
    ChartSpec,
    Rule,
    status_text,
)
from charts.trajectory import trajectory_spec


def _spec(kind: str = "barres_empilees", **kw) -> ChartSpec:
    data = pd.DataFrame({"Territoire": ["A", "B"], "s1": [1234.5, 10.0], "s2": [2.0, math.nan]})
    args = dict(
        x="Territoire",
        series=("s1", "s2"),
        ylabel="places",
        unit="places",
        decimals=1,
        year="2022",
    )
    args.update(kw)
    return ChartSpec("t", "Titre du graphique", kind, data, "Source : Cnaf, 2022", **args)


@pytest.mark.parametrize(
    ("statut", "nature", "expected"),
    [
        ("publié", "réel", STATUS_PUBLISHED),
        ("calculé", "réel", STATUS_COMPUTED),
        ("estimation", "réel", STATUS_ESTIMATE),
        ("publié", "synthétique", STATUS_SYNTHETIC),  # synthetic data first, whatever the status
        (None, "estimé", STATUS_ESTIMATE),
        (None, "réel", STATUS_PUBLISHED),
        (math.nan, None, ""),
    ],
)
def test_status_text_reads_the_data(statut, nature, expected):
    assert status_text(statut, nature) == expected


def test_spec_rejects_unknown_kind_and_missing_columns():
    with pytest.raises(ValueError, match="inconnu"):
        _spec(kind="camembert")
    with pytest.raises(ValueError, match="colonnes absentes"):
        _spec(series=("s1", "absente"))


@pytest.mark.parametrize("kind", ["barres", "barres_empilees"])
def test_plotly_figure_is_french_with_unit_year_status(kind):
    spec = _spec(kind, synthetic=True)
    fig = plotly_figure.figure(spec)
    assert fig.layout.separators == SEPARATORS == ",\u202f"
    assert fig.layout.title.text == "Titre du graphique"
    assert [t.name for t in fig.data] == ["s1", "s2"]
    tpl = fig.data[0].hovertemplate
    value, category = ("x", "y") if kind == "barres_empilees" else ("y", "x")
    assert tpl.startswith(f"<b>%{{{category}}}</b><br>")  # the territory or modality
    assert f"s1 : %{{{value}:,.1f}} places" in tpl
    assert "Année %{customdata[0]} · %{customdata[1]}" in tpl
    assert list(fig.data[0].customdata[0][:2]) == ["2022", STATUS_SYNTHETIC]
    assert fig.data[1].x[1] is None if kind == "barres_empilees" else fig.data[1].y[1] is None


def test_plotly_status_and_detail_per_cell():
    status = pd.DataFrame({"s1": ["publié", "estimation"], "s2": ["publié", "publié"]})
    detail = pd.DataFrame({"s1": ["Effectif : 12", ""], "s2": ["", ""]})
    fig = plotly_figure.figure(_spec(status=status, detail=detail))
    rows = [tuple(r) for r in fig.data[0].customdata]
    assert rows == [("2022", "publié", "<br>Effectif : 12"), ("2022", "estimation", "")]


def test_lines_use_the_year_of_each_point_and_rules():
    data = pd.DataFrame({"Année": [2020, 2021, 2022], "A": [50.0, math.nan, 52.5]})
    spec = ChartSpec(
        "evo",
        "Évolution",
        "courbes",
        data,
        "Source",
        x="Année",
        series=("A",),
        default_status=STATUS_PUBLISHED,
        rules=(Rule(2021.0, "2021 : pas de taux"),),
    )
    fig = plotly_figure.figure(spec)
    assert [r[0] for r in fig.data[0].customdata] == ["2020", "2021", "2022"]
    assert fig.data[0].y[1] is None  # a missing year is a gap, not a zero
    assert fig.layout.shapes[0].x0 == 2021.0
    assert "2021 : pas de taux" in fig.data[1].hovertemplate


def test_config_has_a_french_locale_and_no_cdn():
    cfg = plotly_figure.config(_spec())
    assert cfg["locale"] == "fr"
    fr = cfg["locales"]["fr"]
    assert fr["dictionary"]["Zoom in"] == "Zoom avant"
    assert fr["format"]["decimal"] == ","
    assert cfg["toImageButtonOptions"]["filename"] == "t"
    assert "topojsonURL" not in cfg and "mathjax" not in str(cfg).lower()


@pytest.mark.parametrize("kind", ["barres", "barres_empilees", "courbes"])
def test_static_png_of_the_same_spec(kind):
    spec = _spec(kind, x="Territoire") if kind != "courbes" else None
    if spec is None:
        data = pd.DataFrame({"Année": [2021, 2022], "s1": [1.0, 2.0]})
        spec = ChartSpec("c", "T", "courbes", data, "S", x="Année", series=("s1",))
    titled = static.png(spec)
    bare = static.png(spec, titled=False, legend=False)
    assert titled[:8] == bare[:8] == b"\x89PNG\r\n\x1a\n"
    # the titled image holds the title and source lines above and below the chart
    assert Image.open(io.BytesIO(titled)).size[1] > Image.open(io.BytesIO(bare)).size[1]


def test_stacked_labels_on_both_backends():
    spec = _spec(labels=("1 236,5", "non publié"))
    fig = plotly_figure.figure(spec)
    assert [a.text for a in fig.layout.annotations] == ["<b>1 236,5</b>", "<b>non publié</b>"]
    assert static.png(spec)[:4] == b"\x89PNG"


def test_trajectory_spec_pairs_colours_and_dashes():
    long = pd.DataFrame(
        {
            "scenario": ["S1", "S1", "S2", "S2"],
            "annee": [2024, 2025, 2024, 2025],
            "enfants": [1000.0, 1000.0, 1000.0, 1000.0],
            "places_sans_action": [500.0, 490.0, 500.0, 480.0],
            "places_totales": [500.0, 550.0, 500.0, 560.0],
        }
    )
    spec = trajectory_spec(long, ["S1", "S2"], "Calcul")
    assert spec.series == (
        "S1 — avec les places à créer",
        "S1 — sans action nouvelle",
        "S2 — avec les places à créer",
        "S2 — sans action nouvelle",
    )
    assert spec.dashes == ("solid", "dash", "solid", "dash")
    assert spec.colors[0] == spec.colors[1] != spec.colors[2]
    assert spec.statuses(spec.series[0]) == [STATUS_ESTIMATE, STATUS_ESTIMATE]
    assert spec.details(spec.series[0])[1] == "Taux : 55,0 places pour 100 enfants"
    short = trajectory_spec(long, ["S1", "S2"], "Calcul", with_baseline=False, synthetic=True)
    assert short.series == ("S1", "S2")
    assert short.statuses("S1")[0] == "estimation sur données de démonstration"


def test_filoue_secret_parts_are_gaps_and_all_secret_is_none():
    comp = pd.DataFrame(
        {
            "modalite": ["Moins d'1 an", "1 an", "Ensemble"],
            "part_eaje": [40.0, math.nan, 100.0],
            "n_eaje": [12, math.nan, 30],
            "part_alloc": [35.0, 30.0, 100.0],
            "n_alloc": [350, 300, 1000],
        }
    )
    pops = [("eaje", "Enfants de l'EAJE", "#1f5fa8"), ("alloc", "Allocataires", "#e6862e")]
    spec = filoue_charts.comparison_spec(
        comp, pops, "Âge", "Source : Filoué", 2024, synthetic=False, chart_id="f"
    )
    assert spec is not None and spec.categories() == ["Moins d'1 an", "1 an"]
    fig = plotly_figure.figure(spec)
    assert fig.data[0].y[1] is None  # secret: no bar, never zero
    assert fig.data[0].customdata[0][2] == "<br>Effectif : 12 enfants"
    secret = comp.assign(part_eaje=math.nan, part_alloc=math.nan)
    assert (
        filoue_charts.comparison_spec(secret, pops, "Âge", "S", 2024, synthetic=False, chart_id="f")
        is None
    )


def test_filoue_ranking_sorted_with_commune_rule():
    rk = pd.DataFrame(
        {"nom_eaje": ["A", "B", "C"], "part": [10.0, 30.0, math.nan], "ecart_commune": [-5, 15, 0]}
    )
    spec = filoue_charts.ranking_spec(
        rk, "Part des bébés", 15.0, "Lyon", "S", 2024, synthetic=False, color="#000"
    )
    assert spec.categories() == ["B", "A"]
    fig = plotly_figure.figure(spec)
    assert fig.layout.shapes[0].x0 == 15.0  # vertical rule on the value axis
    assert fig.data[0].customdata[0][2] == "<br>Écart à la commune : +15,0 pt"


# --- Y labels of the exported PNG (issue 19): distinct and true ---------------------------
@pytest.mark.parametrize(
    ("locs", "decimals"),
    [
        ([56, 57, 58, 59, 60], 0),
        ([56, 56.5, 57, 57.5, 58, 58.5, 59, 59.5, 60], 1),
        ([57.75, 58.0, 58.25, 58.5], 2),
        ([0, 2000, 4000], 0),
        ([0.1, 0.2, 0.3], 1),
    ],
)
def test_tick_decimals(locs, decimals):
    assert static.tick_decimals(locs) == decimals


def _drawn_y_labels(spec) -> list[tuple[float, str]]:
    fig, ax = static._DRAW[spec.kind](spec, True)
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    return [
        (float(t), label.get_text())
        for t, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
        if lo <= t <= hi
    ]


@pytest.mark.parametrize(
    "values",
    [
        [56.2, 56.9, 57.4, 58.1, 58.6, 59.0, 59.5],  # the series: ticks every 0,5
        [58.0, 58.1, 58.3, 58.2, 58.4],  # a flat series: ticks every 0,05 or 0,1
        [1200.0, 1850.0, 2400.0],
    ],
)
def test_evolution_png_y_labels_are_distinct_and_true(values):
    from charts.coverage import evolution_spec

    years = list(range(2017, 2017 + len(values)))
    series = pd.DataFrame(
        {"annee": years, "nom": "France", "tx_global": values, "statut": "publié", "nature": "réel"}
    )
    spec = evolution_spec(series, (), "Source : Cnaf")
    labels = _drawn_y_labels(spec)
    assert len(labels) >= 3
    texts = [text for _t, text in labels]
    assert len(set(texts)) == len(texts), texts
    for tick, text in labels:
        value = float(text.replace("\u202f", "").replace("\u2212", "-").replace(",", "."))
        assert value == pytest.approx(tick, abs=1e-9), (tick, text)
    assert Image.open(io.BytesIO(static.png(spec))).size[0] > 300


def _coverage_row(nom, total, comps, statut="publié"):
    from diagnostics import coverage as cv

    row = {"nom": nom, "tx_global": total, "statut": statut, "nature": "réel"}
    row.update({col: v for (col, _label), v in zip(cv.COMPONENTS, comps, strict=True)})
    return row


@pytest.mark.parametrize(
    ("total", "comps", "statut", "label"),
    [
        (61.0, (22.4, 5.1, 27.6, 2.5, 3.4), "publié", "61,0"),
        # the national series: a total, no split by mode -> said on the bar
        (59.5, (math.nan,) * 5, "publié", "59,5 — composantes non publiées"),
        (59.5, (None,) * 5, "estimation", "59,5 (estimation) — composantes non publiées"),
        # one component published: the bar shows it, no note
        (40.0, (20.0, math.nan, math.nan, math.nan, math.nan), "publié", "40,0"),
        (math.nan, (math.nan,) * 5, "publié", "non publié"),
    ],
)
def test_components_bar_without_components_says_so(total, comps, statut, label):
    from charts.coverage import components_spec

    figures = pd.DataFrame(
        [
            _coverage_row("Rhône", 61.0, (22.4, 5.1, 27.6, 2.5, 3.4)),
            _coverage_row("France", total, comps, statut),
        ]
    )
    spec = components_spec(figures, 2023, "Source : Cnaf")
    assert spec.labels == ("61,0", label)
    fig = plotly_figure.figure(spec)
    assert [a.text for a in fig.layout.annotations][-1] == f"<b>{label}</b>"


@pytest.mark.parametrize("kind", ["barres", "barres_empilees", "courbes"])
def test_png_source_lines_sit_below_the_axis_title_and_legend(kind):
    """The source lines of an exported PNG were written over the x-axis title (coverage
    components): now below the tick labels, the axis title and the legend, for every kind."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    years = kind == "courbes"
    data = pd.DataFrame(
        {
            "x": [2020, 2021, 2022] if years else ["Toulouse", "Haute-Garonne", "France"],
            "s1": [58.0, 59.5, 61.0],
            "s2": [57.0, 58.0, 59.5],
        }
    )
    spec = ChartSpec(
        "t",
        "Taux de couverture",
        kind,
        data,
        "Source : Cnaf, 2022 ; Insee, estimations de population ; composantes : Cnaf",
        x="x",
        series=("s1", "s2"),
        xlabel="Année (offre au 31 décembre)" if years else "Territoire",
        ylabel="Places pour 100 enfants de moins de 3 ans",
        note="Note : chiffres provisoires",
    )
    fig = static.figure(spec)
    renderer = FigureCanvasAgg(fig).get_renderer()
    (foot,) = [t for t in fig.texts if "Source : Cnaf" in t.get_text()]
    top = foot.get_window_extent(renderer).y1
    ax = fig.axes[0]
    above = [ax.xaxis.label, *ax.get_xticklabels()]
    if ax.get_legend() is not None:
        above.append(ax.get_legend())
    for artist in above:
        if artist.get_visible() and (not hasattr(artist, "get_text") or artist.get_text()):
            assert artist.get_window_extent(renderer).y0 > top, artist
    # and the saved image holds all of it
    assert static.png(spec)[:4] == b"\x89PNG"
