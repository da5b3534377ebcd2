"""The console's Screens section (屏幕): the area's lobby screens, their last contact, "reload now".

Filled by ``callbacks/console_screens.py`` from the kiosk tokens and ``console/screens.py``.
"""
from __future__ import annotations

from dash import dcc, html

from data import text
from layouts.ids import Console


def section(ctx) -> html.Section:
    return html.Section([
        html.H2(text.t("console.screens_title", ctx.lang)),
        dcc.Store(id=Console.SCREEN_VERSION, data=0),
        html.Div(id=Console.SCREEN_RESULT, className="console-result", role="status"),
        html.Div(id=Console.SCREEN_LIST, className="console-list"),
    ], className="card")
