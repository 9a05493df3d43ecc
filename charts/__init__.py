"""Chart definitions shared by the screen and the exports (one definition per chart).

- `charts.spec`: `ChartSpec`, what a chart shows (data, series, units, statuses, colours);
- `charts.plotly_figure`: the screen back-end (interactive plotly, French format and toolbar);
- `charts.static`: the print back-end (matplotlib PNG for the PDF and the PNG downloads);
- `charts.coverage`, `charts.filoue`, `charts.trajectory`: the specifications of the charts of
  the pages and of the pre-diagnostic, built from the diagnostics' frames.

A package of its own, outside `ui/` and `reports/`: the pages (ui/), the pre-diagnostic PDF and
workshop view (reports/) and the bilan PDF all draw these charts; neither may import the
other's layer. No streamlit here.
"""
