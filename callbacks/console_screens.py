"""The console's Screens section: the area's lobby screens and "reload now" for one of them.

A screen's area is its kiosk token's; an editor sees and reloads the screens of their
areas only (a token made without ``--area`` is an admin's). "Reload now" passes
``console.guard.require`` for the screen's area and is audited (``console.screens``).
"""
from __future__ import annotations

from datetime import UTC, datetime

from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from auth.guard import current_guard
from callbacks.console import change_states, changed, clicked, lang_of, refusal
from console import guard, screens
from data import areas as area_tree
from data import db, settings, text
from layouts.ids import Console

RELOAD_TYPE = Console.screen_reload(ALL)["type"]


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(settings.timezone()).strftime("%Y-%m-%d %H:%M:%S")


def _within(area: str | None, chosen: str | None) -> bool:
    """Whether a screen of ``area`` belongs under the area chosen in the console (None: all)."""
    if chosen is None:
        return True
    if area is None:
        return False
    try:
        return chosen in {row["code"] for row in area_tree.ancestors(area)}
    except area_tree.UnknownArea:
        return False


def visible(who, chosen: str | None) -> list[dict]:
    """The screens ``who`` may manage under the chosen area, with their contact."""
    tokens = current_guard()
    if tokens is None:
        return []
    found = [s for s in tokens.tokens.list() if guard.may_act_for(who, s["area"] or None) and _within(s["area"] or None, chosen)]
    return screens.listing(found, db.get_engine())


def _seen(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return text.t("console.screen_never", lang)
    seconds = max(0, int((datetime.now(UTC) - moment).total_seconds()))
    if seconds < 3600:
        ago = f"{seconds // 60}{text.t('js.min', lang)}"
    elif seconds < 86400:
        ago = f"{seconds // 3600}{text.t('js.hour', lang)}"
    else:
        ago = f"{seconds // 86400}{text.t('js.day', lang)}"
    return text.t("console.screen_seen_ago", lang, when=_local(moment), ago=ago)


@callback(
    Output(Console.SCREEN_LIST, "children"),
    Input(Console.SCREEN_VERSION, "data"),
    State(Console.CONTEXT, "data"),
)
def listing(_version, context):
    lang = lang_of(context)
    try:
        who = guard.editor()
    except guard.Refused as refused:
        return refusal(refused.message(lang))
    rows = visible(who, (context or {}).get("area") or None)
    if not rows:
        return html.P(text.t("console.screens_none", lang), className="console-muted")
    head = html.Tr([html.Th(text.t(f"console.{key}", lang)) for key in
                    ("screen_name", "screen_area", "screen_seen", "screen_reloaded")] + [html.Th("")])
    body = [html.Tr([
        html.Td(row["screen"]),
        html.Td(row["area"] or text.t("console.screen_any_area", lang)),
        html.Td(_seen(row["last_seen_at"], lang)),
        html.Td(f"{_local(row['reload_at'])} {row['reload_by'] or ''}".strip()),
        html.Td(html.Button(text.t("console.screen_reload", lang), id=Console.screen_reload(row["screen"]), n_clicks=0,
                            className="button console-small")),
    ], className=f"console-screen screen-{row['screen']}") for row in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="console-table")


@callback(
    Output(Console.SCREEN_RESULT, "children"),
    Output(Console.SCREEN_VERSION, "data"),
    Input(Console.screen_reload(ALL), "n_clicks"),
    State(Console.screen_reload(ALL), "id"),
    *change_states(Console.SCREEN_VERSION),
    prevent_initial_call=True,
)
def reload_now(clicks, ids, csrf, context, version):
    """Ask one screen to reload at its next refresh."""
    lang = lang_of(context)
    trigger = ctx.triggered_id
    if not clicked(clicks, ids):
        return no_update, no_update
    name = str(trigger.get("screen"))
    tokens = current_guard()
    known = {s["screen"]: s for s in tokens.tokens.list()} if tokens is not None else {}
    try:
        area = (known[name]["area"] or None) if name in known else None
        who = guard.require(area, csrf)
        if name not in known:
            return html.Div(text.t("console.screen_unknown", lang, screen=name), className="console-refusal"), no_update
        screens.request_reload(db.get_engine(), who, name, area)
    except guard.Refused as refused:
        return refusal(refused.message(lang)), no_update
    return changed(text.t("console.screen_reload_done", lang, screen=name), version)
