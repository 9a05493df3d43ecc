"""Screen back-end: a `ChartSpec` as an interactive plotly figure (st.plotly_chart).

French everywhere: `layout.separators` (decimal comma, narrow no-break space for thousands)
formats axes, hover labels and bar labels; the hover label gives the figure with its unit,
its year and its status (publié, calculé, estimation, données de démonstration); the toolbar
speaks French through `CONFIG` (a plotly.js locale given in the chart's own config, so nothing
is fetched: Streamlit's plotly.js bundle ships no locale). The source is written under the
chart by the page (ui.components.credits), as for every figure.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from charts.spec import SEPARATORS, ChartSpec
from diagnostics.formatting import MONTHS

#: French toolbar and tooltips of plotly.js (translation of the English strings of plotly.js
#: 2.x/3.x; keys are plotly.js's own).
FR_LOCALE = {
    "dictionary": {
        "Autoscale": "Échelle automatique",
        "Box Select": "Sélection rectangulaire",
        "Compare data on hover": "Comparer les données au survol",
        "Double-click on legend to isolate one trace": (
            "Double-cliquer sur la légende pour isoler une série"
        ),
        "Double-click to zoom back out": "Double-cliquer pour revenir au zoom initial",
        "Download plot as a png": "Télécharger le graphique (PNG)",
        "Download plot as a PNG": "Télécharger le graphique (PNG)",
        "Download plot": "Télécharger le graphique",
        "Lasso Select": "Sélection au lasso",
        "Pan": "Déplacer",
        "Produced with Plotly.js": "Réalisé avec Plotly.js",
        "Reset": "Réinitialiser",
        "Reset axes": "Réinitialiser les axes",
        "Reset view": "Réinitialiser la vue",
        "Reset views": "Réinitialiser les vues",
        "Show closest data on hover": "Afficher la donnée la plus proche au survol",
        "Snapshot succeeded": "Image enregistrée",
        "Taking snapshot - this may take a few seconds": (
            "Création de l'image : quelques secondes"
        ),
        "Toggle Spike Lines": "Afficher ou masquer les lignes de repère",
        "Toggle show closest data on hover": ("Afficher ou non la donnée la plus proche au survol"),
        "Zoom": "Zoom",
        "Zoom in": "Zoom avant",
        "Zoom out": "Zoom arrière",
        "close:": "clôture :",
        "high:": "haut :",
        "low:": "bas :",
        "max:": "max :",
        "mean:": "moyenne :",
        "median:": "médiane :",
        "min:": "min :",
        "new text": "nouveau texte",
        "open:": "ouverture :",
        "q1:": "q1 :",
        "q3:": "q3 :",
        "trace": "série",
    },
    "format": {
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": list(MONTHS),
        "shortMonths": [
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        ],
        "date": "%d/%m/%Y",
        # number format: without `grouping`, plotly.js's d3 locale groups no thousands at all
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
    },
}

_IMAGE_OPTIONS = {"format": "png", "scale": 2}

#: st.plotly_chart(config=CONFIG): French locale, no plotly logo, no editing, PNG export named
#: like the chart.
CONFIG = {
    "locale": "fr",
    "locales": {"fr": FR_LOCALE},
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": _IMAGE_OPTIONS,
}

FONT = "Source Sans, sans-serif"


def config(spec: ChartSpec) -> dict:
    """Plotly config of one chart (the PNG button names the file after the chart)."""
    out = dict(CONFIG)
    out["toImageButtonOptions"] = {**_IMAGE_OPTIONS, "filename": spec.id}
    return out


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


def _value_format(spec: ChartSpec) -> str:
    return f",.{spec.decimals}f"


def _hover(spec: ChartSpec, name: str, value_ref: str, category_ref: str) -> str:
    """Hover template: category in bold, then « série : valeur unité », then year and status,
    then the optional detail line (customdata: year, status, detail)."""
    unit = f" {_esc(spec.value_unit)}" if spec.value_unit else ""
    head = f"<b>%{{{category_ref}}}</b><br>" if spec.kind != "courbes" else ""
    return (
        head
        + f"{_esc(name)} : %{{{value_ref}:{_value_format(spec)}}}{unit}<br>"
        + "Année %{customdata[0]} · %{customdata[1]}"
        + "%{customdata[2]}<extra></extra>"
    )


def _customdata(spec: ChartSpec, name: str) -> list[list[str]]:
    details = [f"<br>{_esc(d)}" if d else "" for d in spec.details(name)]
    return [
        [y, s or "—", d] for y, s, d in zip(spec.years(), spec.statuses(name), details, strict=True)
    ]


def figure(spec: ChartSpec) -> go.Figure:
    """The interactive figure of `spec` (bars, stacked bars or lines)."""
    if spec.kind == "carte":
        raise ValueError("Les cartes sont dessinées par geodata.maps, pas par plotly.")
    fig = go.Figure()
    cats = spec.categories()
    for i, name in enumerate(spec.series):
        values = [None if v != v else v for v in spec.values(name)]  # NaN -> gap
        common = {
            "name": name,
            "customdata": _customdata(spec, name),
            "legendrank": i,
        }
        if spec.kind == "courbes":
            xs = [float(v) for v in spec.data[spec.x]]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=values,
                    mode="lines+markers",
                    line={"color": spec.color(i), "dash": spec.dash(i), "width": 2},
                    marker={"size": 6},
                    hovertemplate=_hover(spec, name, "y", "x"),
                    connectgaps=False,
                    **common,
                )
            )
        elif spec.kind == "barres_empilees":
            fig.add_trace(
                go.Bar(
                    y=cats,
                    x=values,
                    orientation="h",
                    marker_color=spec.color(i),
                    hovertemplate=_hover(spec, name, "x", "y"),
                    **common,
                )
            )
        else:
            fig.add_trace(
                go.Bar(
                    x=cats,
                    y=values,
                    marker_color=spec.color(i),
                    hovertemplate=_hover(spec, name, "y", "x"),
                    **common,
                )
            )
    _layout(fig, spec, cats)
    _rules(fig, spec)
    _labels(fig, spec, cats)
    return fig


def _layout(fig: go.Figure, spec: ChartSpec, cats: list[str]) -> None:
    horizontal = spec.kind == "barres_empilees"
    value_axis = {
        "title": {"text": spec.ylabel},
        "tickformat": ",~f",
        "separatethousands": True,
        "zeroline": True,
        "gridcolor": "#e5e5e5",
    }
    if horizontal:
        height = spec.height or 150 + 48 * len(cats)
        fig.update_layout(
            barmode="stack",
            xaxis=value_axis,
            yaxis={"autorange": "reversed", "automargin": True, "title": {"text": spec.xlabel}},
        )
    elif spec.kind == "courbes":
        height = spec.height or 420
        years = sorted({int(v) for v in spec.data[spec.x].dropna()})
        fig.update_layout(
            yaxis={**value_axis, "zeroline": False},
            xaxis={
                "title": {"text": spec.xlabel},
                "tickmode": "array",
                "tickvals": years,
                "ticktext": [str(y) for y in years],
                "showgrid": False,
            },
        )
    else:
        height = spec.height or 380
        fig.update_layout(
            barmode="group",
            yaxis=value_axis,
            xaxis={"title": {"text": spec.xlabel}, "automargin": True, "tickangle": 0},
        )
    # legend between the title and the plot (under the axis title it collides with the tick
    # labels of short charts): one row of about three entries per 22 px of top margin
    legend_rows = -(-len(spec.series) // 3) if len(spec.series) > 1 else 0
    fig.update_layout(
        title={
            "text": _esc(spec.title),
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 8},
            "font": {"size": 15},
        },
        separators=SEPARATORS,
        height=height + 22 * legend_rows,
        margin={"l": 10, "r": 30, "t": 48 + 22 * legend_rows, "b": 10},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "xanchor": "left",
            "title": {"text": spec.legend_title},
            "traceorder": "normal",
        },
        showlegend=len(spec.series) > 1,
        hovermode="closest",
        hoverlabel={"namelength": -1, "align": "left"},
        font={"family": FONT},
        plot_bgcolor="white",
    )


def _rules(fig: go.Figure, spec: ChartSpec) -> None:
    for r in spec.rules:
        on_value = r.axis == "valeur"
        vertical = (spec.kind == "barres_empilees") == on_value
        kwargs = {"line_dash": "dash", "line_color": r.color, "line_width": 1.5}
        if vertical:
            fig.add_vline(x=r.value, **kwargs)
        else:
            fig.add_hline(y=r.value, **kwargs)
        # an invisible point on the rule carries its label in a hover, like the altair rules
        point = go.Scatter(
            x=[r.value] if vertical else None,
            y=None if vertical else [r.value],
            mode="markers",
            marker={"size": 12, "color": r.color, "opacity": 0},
            hovertemplate=f"{_esc(r.label)}<extra></extra>",
            showlegend=False,
            name=r.label,
        )
        if vertical:
            point.y = [_rule_anchor(spec)]
        else:
            point.x = [_rule_anchor(spec, axis="x")]
        fig.add_trace(point)


def _rule_anchor(spec: ChartSpec, axis: str = "y"):
    """Where the hover point of a rule sits on the other axis: the top of the value range for
    line charts, the first category for bars."""
    if spec.kind == "courbes":
        if axis == "x":
            return float(spec.data[spec.x].min())
        tops = [spec.values(n).max() for n in spec.series]
        finite = [t for t in tops if t == t]
        return max(finite) if finite else 0.0
    return spec.categories()[0] if len(spec.data) else None


def _labels(fig: go.Figure, spec: ChartSpec, cats: list[str]) -> None:
    if not spec.labels or spec.kind != "barres_empilees":
        return
    totals = [0.0] * len(cats)
    for name in spec.series:
        for j, v in enumerate(spec.values(name)):
            totals[j] += 0.0 if v != v else float(v)
    for cat, total, text in zip(cats, totals, spec.labels, strict=True):
        fig.add_annotation(
            x=total,
            y=cat,
            text=f"<b>{_esc(text)}</b>",
            showarrow=False,
            xanchor="left",
            xshift=4,
            font={"size": 12},
        )
