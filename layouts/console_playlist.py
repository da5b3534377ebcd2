"""The console's Playlist (轮播) section: a placeholder the ``targets`` branch fills in.

``section(ctx)`` gets the console's ``layouts.console.Context`` (language, user, CSRF
token, the area chosen and the areas the user may act for) and returns the section's
content; its ids go in a class of their own in ``layouts/ids.py`` named ``Console...``.
"""
from __future__ import annotations

from dash import html

from data import text


def section(ctx) -> html.Div:
    return html.Div(html.P(text.t("console.placeholder", ctx.lang), className="console-placeholder"))
