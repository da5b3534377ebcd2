"""The console's Notices section (公告): write, preview, publish, edit and withdraw.

The form on the left, its preview on the right (the wall's ticker line in both languages,
drawn by the wall's own code, and the body as every screen shows one: its words), the
area's notices and news below, each staff item with "edit" and "withdraw". Filled and
acted on by ``callbacks/console_notices.py``; checked by ``console/notices.py``.
"""
from __future__ import annotations

from dash import dcc, html

from console.notices import KINDS, LIMITS
from data import text
from layouts.ids import Console


def _field(label: str, control, hint: str = "", class_name: str = "") -> html.Label:
    parts = [html.Span(label, className="console-label"), control]
    if hint:
        parts.append(html.Small(hint, className="console-hint"))
    return html.Label(parts, className=f"console-field {class_name}".strip())


def form(ctx) -> html.Section:
    lang = ctx.lang
    kinds = [{"label": text.t(f"console.kind_{kind}", lang), "value": kind} for kind in KINDS]
    return html.Section([
        html.H2(text.t("console.notice_form", lang), id=Console.NOTICE_HEADING),
        dcc.Store(id=Console.NOTICE_ID, data=None),
        dcc.Store(id=Console.NOTICE_VERSION, data=0),
        _field(text.t("console.notice_kind", lang),
               dcc.RadioItems(id=Console.NOTICE_KIND, options=kinds, value="notice", inline=True,
                              className="console-radio")),
        _field(text.t("console.notice_title", lang),
               dcc.Input(id=Console.NOTICE_TITLE, type="text", value="", debounce=False,
                         maxLength=LIMITS["title"] * 2, className="console-input")),
        _field(text.t("console.notice_title_en", lang),
               dcc.Input(id=Console.NOTICE_TITLE_EN, type="text", value="", maxLength=LIMITS["title_en"] * 2,
                         className="console-input")),
        _field(text.t("console.notice_body", lang),
               dcc.Textarea(id=Console.NOTICE_BODY, value="", className="console-textarea")),
        html.Div([
            _field(text.t("console.notice_area_code", lang),
                   dcc.Dropdown(id=Console.NOTICE_AREA, options=ctx.area_options, value=ctx.area or "",
                                clearable=False, searchable=True, className="console-dropdown")),
            _field(text.t("console.notice_published_at", lang),
                   dcc.Input(id=Console.NOTICE_PUBLISH, type="text", value="", className="console-input",
                             placeholder=text.t("console.notice_time_format", lang)),
                   text.t("console.notice_time_hint", lang)),
            _field(text.t("console.notice_ends_at", lang),
                   dcc.Input(id=Console.NOTICE_EXPIRE, type="text", value="", className="console-input",
                             placeholder=text.t("console.notice_time_format", lang)),
                   text.t("console.notice_expiry_hint", lang)),
        ], className="console-row"),
        dcc.Checklist(id=Console.NOTICE_PINNED, options=[{"label": text.t("console.notice_pin", lang), "value": "pinned"}],
                      value=[], className="console-check"),
        html.Div([
            html.Button(text.t("console.notice_publish", lang), id=Console.NOTICE_SAVE, n_clicks=0,
                        className="button console-primary"),
            html.Button(text.t("console.notice_new", lang), id=Console.NOTICE_NEW, n_clicks=0,
                        className="button console-secondary"),
        ], className="console-buttons"),
        html.Div(id=Console.NOTICE_RESULT, className="console-result", role="status"),
    ], className="card console-form")


def preview_frame(ctx) -> html.Section:
    return html.Section([
        html.H2(text.t("console.notice_preview", ctx.lang)),
        html.Div(html.P(text.t("console.notice_preview_empty", ctx.lang), className="console-muted"),
                 id=Console.NOTICE_PREVIEW),
    ], className="card console-preview")


def section(ctx) -> html.Div:
    return html.Div([
        html.Div([form(ctx), preview_frame(ctx)], className="console-notice-top"),
        html.Section([
            html.H2(text.t("console.notice_list", ctx.lang)),
            html.Div(id=Console.NOTICE_LIST, className="console-list"),
        ], className="card console-notice-list"),
    ])
