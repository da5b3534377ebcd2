"""The console's audit section (placeholder until it is built)."""
from __future__ import annotations

from dash import html

from data import text


def section(ctx) -> html.Div:
    return html.Div(html.P(text.t("console.placeholder", ctx.lang), className="console-placeholder"))
