"""The laptop pages' charts at the page's scale, in the browser.

The laptop pages are sized in rem (assets/shell.css): up to a 1920px-wide window one rem is
16px, beyond it the page grows with the width, twice as large on a 4K screen. Plotly draws
in pixels, so a chart's callback writes its figure at the 1920 design size into a Store
beside the Graph (``layouts.components.chart``), and a clientside callback shows it in the
Graph at the page's factor, read from the root font size the CSS set (assets/charts.js:
fonts, heights, margins, dots and lines). Up to 1920px wide the factor is 1: the figure as
the server drew it. A resize that changes the factor sets ``Shell.CHART_SCALE``, and every
chart is drawn again from its Store, without asking the server.
"""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, clientside_callback

from layouts.ids import Shell


def at_page_scale(charts: dict[str, str]) -> None:
    """Show each figure of ``charts`` ({Graph id: its Store of the server's figure}) at the page's scale."""
    for graph, unscaled in charts.items():
        clientside_callback(ClientsideFunction("charts", "scale"), Output(graph, "figure"),
                            Input(unscaled, "data"), Input(Shell.CHART_SCALE, "data"))
