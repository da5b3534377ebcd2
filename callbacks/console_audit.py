"""The console's Audit section: the trail of changes, newest first, for admins only."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dash import Input, Output, callback, html

from callbacks.console import lang_of, refusal
from console import audit, guard
from data import db, settings, text
from layouts.ids import Console

SHOWN = 200  # the newest changes shown; older ones are in the table for SQL


def _json(value) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _local(moment: datetime) -> str:
    return moment.astimezone(settings.timezone()).strftime("%Y-%m-%d %H:%M:%S")


@callback(
    Output(Console.AUDIT_LIST, "children"),
    Input(Console.CONTEXT, "data"),
)
def trail(context):
    lang = lang_of(context)
    try:
        guard.editor("admin")
    except guard.Refused:
        return refusal(text.t("console.audit_admins", lang))
    entries = audit.entries(db.get_engine(), limit=SHOWN)
    if not entries:
        return html.P(text.t("console.audit_none", lang), className="console-muted")
    head = html.Tr([html.Th(text.t(f"console.audit_{key}", lang))
                    for key in ("when", "who", "action", "subject", "area", "before", "after")])
    rows = [html.Tr([html.Td(_local(e.at)), html.Td(f"{e.user} ({e.role})" if e.role else e.user), html.Td(e.action),
                     html.Td(e.subject), html.Td(e.area or "—"),
                     html.Td(_scrolled(_json(e.before), text.t("console.audit_before", lang))),
                     html.Td(_scrolled(_json(e.after), text.t("console.audit_after", lang)))],
                    className="console-audit-row")
            for e in entries]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="console-table console-audit-table")


def _scrolled(words: str, name: str) -> html.Pre:
    """A before/after value, scrolled in its cell when long: focusable, so a keyboard can scroll
    it too (axe: scrollable-region-focusable), and named for a screen reader."""
    named: dict[str, Any] = {"aria-label": name}  # not a Python name: only as **
    return html.Pre(words, className="console-json", tabIndex="0", role="region", **named)
