"""The console's Notices section: preview as the wall shows it, publish, edit, withdraw, list.

Every change passes ``console.guard.require`` (signed-in editor of the item's area, the
page's CSRF token) and is written with its audit record by ``console.notices``; nothing
is written when either refuses, and the section says why, naming the field.
"""
from __future__ import annotations

from datetime import datetime

from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from callbacks import wall
from callbacks.console import change_states, clicked, done, lang_of, refusal
from console import guard, notices
from data import areas, content, db, settings, text
from layouts.ids import Console

FORM = (Console.NOTICE_KIND, Console.NOTICE_TITLE, Console.NOTICE_TITLE_EN, Console.NOTICE_BODY,
        Console.NOTICE_AREA, Console.NOTICE_PUBLISH, Console.NOTICE_EXPIRE, Console.NOTICE_PINNED)
PROPS = ("value",) * len(FORM)


def _form(values) -> dict:
    kind, title, title_en, body, area, published, ends, pinned = values
    return {"kind": kind, "title": title, "title_en": title_en, "body": body, "area_code": area or None,
            "published_at": published, "ends_at": ends, "pinned": "pinned" in (pinned or [])}


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ""


def ticker_line(item: dict, lang: str) -> html.Div:
    """The item as the wall's ticker draws it: the kind's tag and the title, clipped the wall's way."""
    line = wall._ticker([item], lang)[0]
    tag = text.t("js.notice" if line["kind"] == "notice" else "js.news", lang)
    return html.Div([html.B(tag, className="console-tick-tag"), html.Span(line["title"], className="console-tick-title")],
                    className=f"console-ticker kind-{line['kind']}", lang="en" if lang == "en" else "zh")


@callback(
    Output(Console.NOTICE_PREVIEW, "children"),
    *[Input(i, "value") for i in FORM],
    State(Console.CONTEXT, "data"),
)
def preview(*args):
    """What the wall will show, from the form as it is now (nothing is stored)."""
    *values, context = args
    lang = lang_of(context)
    form = _form(values)
    problems: list[notices.Problem] = []
    try:
        notices.check(form)
    except notices.Invalid as err:
        problems = err.problems
    title = " ".join(str(form["title"] or "").split())
    if not title:
        return html.P(text.t("console.notice_preview_empty", lang), className="console-muted")
    item = {"id": 0, "kind": form["kind"] if form["kind"] in notices.KINDS else "notice", "title": title,
            "title_en": " ".join(str(form["title_en"] or "").split()) or None}
    body = content.plain_text(str(form["body"] or ""))
    return [
        html.H3(text.t("console.notice_preview_ticker", lang)),
        html.Div([ticker_line(item, "zh"), ticker_line(item, "en")], className="console-tickers"),
        html.H3(text.t("console.notice_preview_body", lang)),
        html.P(body or "—", className="console-body-preview"),
        html.Ul([html.Li(p.message(lang)) for p in problems], className="console-problems") if problems else None,
    ]


EDIT_TYPE, WITHDRAW_TYPE = Console.notice_edit(ALL)["type"], Console.notice_withdraw(ALL)["type"]
EMPTY_FORM = ["notice", "", "", "", no_update, "", "", []]


@callback(
    Output(Console.NOTICE_RESULT, "children"),
    Output(Console.NOTICE_VERSION, "data"),
    Output(Console.NOTICE_ID, "data"),
    Output(Console.NOTICE_HEADING, "children"),
    Output(Console.NOTICE_SAVE, "children"),
    *[Output(i, p) for i, p in zip(FORM, PROPS)],
    Input(Console.NOTICE_SAVE, "n_clicks"),
    Input(Console.NOTICE_NEW, "n_clicks"),
    Input(Console.notice_edit(ALL), "n_clicks"),
    Input(Console.notice_withdraw(ALL), "n_clicks"),
    State(Console.notice_edit(ALL), "id"),
    State(Console.notice_withdraw(ALL), "id"),
    State(Console.NOTICE_ID, "data"),
    *[State(i, p) for i, p in zip(FORM, PROPS)],
    *change_states(Console.NOTICE_VERSION),
    prevent_initial_call=True,
)
def act(_save, _new, edit_clicks, withdraw_clicks, edit_ids, withdraw_ids, editing, *rest):
    """Publish or save the form, start a new one, load an item to edit, or withdraw one."""
    *values, csrf, context, version = rest
    lang = lang_of(context)
    keep = [no_update] * (5 + len(FORM))
    heading_new = text.t("console.notice_form", lang)
    publish_word = text.t("console.notice_publish", lang)
    trigger = ctx.triggered_id
    if trigger == Console.NOTICE_NEW:
        return [None, no_update, None, heading_new, publish_word, *EMPTY_FORM]
    engine = db.get_engine()
    try:
        if isinstance(trigger, dict) and trigger.get("type") == EDIT_TYPE:
            if not clicked(edit_clicks, edit_ids):
                return keep
            item = notices.get(engine, int(trigger["id"]))
            guard.require(item["area_code"] if item else None, csrf)
            if not notices.editable(item):
                raise notices.NotEditable(trigger["id"], "missing" if item is None else
                                          "withdrawn" if item.get("withdrawn_at") else "delivered")
            assert item is not None
            return [None, no_update, item["id"], text.t("console.notice_editing", lang, id=item["id"]),
                    text.t("console.notice_save", lang), item["kind"], item["title"], item["title_en"] or "",
                    item["body"] or "", item["area_code"] or "", _moment(item["published_at"]),
                    _moment(item["ends_at"]), ["pinned"] if item["pinned"] else []]
        if isinstance(trigger, dict) and trigger.get("type") == WITHDRAW_TYPE:
            if not clicked(withdraw_clicks, withdraw_ids):
                return keep
            item = notices.get(engine, int(trigger["id"]))
            who = guard.require(item["area_code"] if item else None, csrf)
            notices.withdraw(engine, who, int(trigger["id"]))
            reset = editing == int(trigger["id"])
            return [done(text.t("console.notice_withdrawn_done", lang, id=trigger["id"])), (version or 0) + 1,
                    None if reset else no_update, heading_new if reset else no_update,
                    publish_word if reset else no_update, *(EMPTY_FORM if reset else [no_update] * len(FORM))]
        if trigger != Console.NOTICE_SAVE:
            return keep  # drawn, not clicked (new buttons in the list)
        # publish a new item, or save the one being edited
        form = _form(values)
        checked = notices.check(form, now=settings.local_now())
        who = guard.require(checked["area_code"], csrf)
        if editing:
            before = notices.get(engine, int(editing))
            guard.require(before["area_code"] if before else None, csrf)  # moving an item needs both areas
            notices.edit(engine, who, int(editing), checked)
            message = text.t("console.notice_saved", lang, id=editing)
        else:
            new_id = notices.publish(engine, who, checked)
            message = text.t("console.notice_published", lang, id=new_id)
        return [done(message), (version or 0) + 1, None, heading_new, publish_word, *EMPTY_FORM]
    except guard.Refused as refused:
        return [refusal(refused.message(lang))] + [no_update] * (4 + len(FORM))
    except notices.Invalid as err:
        return [refusal("；".join(p.message(lang) for p in err.problems) if lang == "zh"
                         else "; ".join(p.message(lang) for p in err.problems))] + [no_update] * (4 + len(FORM))
    except notices.NotEditable as err:
        reason = text.t(f"console.notice_why_{err.reason}", lang)
        return [refusal(text.t("console.notice_not_editable", lang, id=err.content_id, reason=reason))] + \
            [no_update] * (4 + len(FORM))


def area_name(code: str | None, lang: str) -> str:
    """An item's area as staff know it (its name), the code when the register lacks it."""
    if not code:
        return text.t("console.notice_all_areas", lang)
    row = areas.get(code)
    if row is None:
        return code
    return str((row.get("name_en") or row["name"]) if lang == "en" else row["name"])


def status(item: dict, now: datetime) -> str:
    if item.get("withdrawn_at"):
        return "withdrawn"
    if item.get("published_at") and item["published_at"] > now:
        return "scheduled"
    if item.get("kind") == "notice" and item.get("ends_at") and item["ends_at"] <= now:
        return "expired"
    return "live"


def item_row(item: dict, lang: str, now: datetime) -> html.Li:
    state = status(item, now)
    staff = item.get("source") == notices.SOURCE
    who = text.t("console.notice_by", lang, name=item.get("created_by") or "?") if staff \
        else text.t("console.notice_delivered", lang)
    times = _moment(item.get("published_at")) + (f" → {_moment(item['ends_at'])}" if item.get("ends_at") else "")
    buttons = []
    if notices.editable(item):
        buttons = [html.Button(text.t("console.notice_edit", lang), id=Console.notice_edit(item["id"]), n_clicks=0,
                               className="button console-small"),
                   html.Button(text.t("console.notice_withdraw", lang), id=Console.notice_withdraw(item["id"]),
                               n_clicks=0, className="button console-small console-danger")]
    title = (item.get("title_en") or item["title"]) if lang == "en" else item["title"]
    return html.Li([
        html.Div([html.B(text.t(f"console.kind_{item['kind']}", lang), className="console-tick-tag"),
                  html.Span(f"#{item['id']} ", className="console-muted"), html.Span(title, className="console-item-title"),
                  (html.Span(text.t("console.notice_pinned", lang), className="console-pin") if item.get("pinned") else None)],
                 className="console-item-head"),
        html.Div([html.Span(text.t(f"console.notice_{state}", lang), className=f"console-state state-{state}"),
                  html.Span(times), html.Span(area_name(item.get("area_code"), lang)),
                  html.Span(who)], className="console-item-meta"),
        html.Div(buttons, className="console-item-buttons"),
    ], className=f"console-item state-{state} item-{item['id']}")


@callback(
    Output(Console.NOTICE_LIST, "children"),
    Input(Console.NOTICE_VERSION, "data"),
    State(Console.CONTEXT, "data"),
)
def listing(_version, context):
    """The area's notices and news (staff and delivered), newest first."""
    context = context or {}
    lang = lang_of(context)
    area = context.get("area") or None
    try:
        guard.reader(area)
    except guard.Refused as refused:
        return refusal(refused.message(lang))
    items = notices.listing(db.get_engine(), area)
    if not items:
        return html.P(text.t("console.notice_none", lang), className="console-muted")
    now = settings.local_now()
    return html.Ul([item_row(i, lang, now) for i in items], className="console-items")
