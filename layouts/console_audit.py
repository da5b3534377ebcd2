"""The console's Audit section (审计), for admins: every change, who, when, before and after.

Filled by ``callbacks/console_audit.py`` from ``console.audit.entries``.
"""
from __future__ import annotations

from dash import html

from data import text
from layouts.ids import Console


def section(ctx) -> html.Section:
    return html.Section([
        html.H2(text.t("console.audit_title", ctx.lang)),
        html.Div(id=Console.AUDIT_LIST, className="console-list"),
    ], className="card")
