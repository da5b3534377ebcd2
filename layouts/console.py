"""The staff console (/console): the frame and its five sections, Chinese first.

A 社工 or duty officer (role ``editor``) runs the screens of their areas here; an admin
runs every area and reads the audit trail. The page is drawn by ``callbacks/console.py``
``page``, which knows who is asking and which areas they may act for, and hands each
section a ``Context``; this module only places things. Each section's layout lives in a
module of its own (``layouts/console_notices.py``, ``console_playlist.py``,
``console_targets.py``, ``console_screens.py``, ``console_audit.py``) with a
``section(ctx)`` function.

Every change a section makes sends the page's CSRF token (``Console.CSRF``) and goes
through ``console.guard.require`` and ``console.audit.record``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dash import dcc, html

from data import labels, text
from layouts import console_audit, console_notices, console_playlist, console_screens, console_targets, shell
from layouts.ids import Console

TABS = ("notices", "playlist", "targets", "screens", "audit")
SECTIONS = {"notices": console_notices.section, "playlist": console_playlist.section,
            "targets": console_targets.section, "screens": console_screens.section, "audit": console_audit.section}
#: Sections only an admin sees (the others need the editor role, which an admin has too).
ADMIN_ONLY = {"audit"}


@dataclass(frozen=True)
class Context:
    """What every section is drawn with."""

    lang: str = "zh"
    user: str | None = None
    role: str | None = None
    csrf: str = ""
    area: str | None = None  # the area chosen; None: all areas (admins only)
    #: The areas the user may act for, as dropdown options ({"label", "value"}), theirs first.
    area_options: list[dict] = field(default_factory=list)
    tab: str = "notices"
    refused: str = ""  # why the console cannot be used at all (not logged in, no areas, logins off)

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def href(lang: str, tab: str, area: str | None, *, switch: bool = False) -> str:
    english = (lang == "en") != switch
    query = [f"tab={tab}"] + ([f"area={area}"] if area else []) + (["lang=en"] if english else [])
    return "/console?" + "&".join(query)


def header(ctx: Context) -> html.Div:
    role = labels.role_label(ctx.role, ctx.lang)
    who = text.t("console.signed_in", ctx.lang, name=ctx.user, role=role) if ctx.user else ""
    picker = dcc.Dropdown(id=Console.AREA, options=ctx.area_options, value=ctx.area or "", clearable=False,
                          searchable=True, className="console-area-picker")
    return html.Div([
        html.H1(text.t("console.title", ctx.lang), className="page-heading"),
        html.Div([
            html.Label([html.Span(text.t("console.area", ctx.lang)), picker], className="console-area"),
            html.Span(who, className="console-who"),
            html.A(text.t("console.switch_lang", ctx.lang), href=href(ctx.lang, ctx.tab, ctx.area, switch=True),
                   className="console-lang", lang="en" if ctx.lang != "en" else "zh"),
        ], className="console-bar"),
    ], className="console-top")


def tabs(ctx: Context) -> dcc.Tabs:
    shown = [tab for tab in TABS if ctx.admin or tab not in ADMIN_ONLY]
    chosen = ctx.tab if ctx.tab in shown else shown[0]
    return dcc.Tabs(
        id=Console.TABS, value=chosen, className="console-tabs",
        children=[dcc.Tab(label=text.t(f"console.tab_{tab}", ctx.lang), value=tab, className="console-tab",
                          selected_className="console-tab-selected",
                          children=html.Div(SECTIONS[tab](ctx), className=f"console-section console-{tab}"))
                  for tab in shown],
    )


def frame(ctx: Context) -> html.Div:
    """The whole console page for ``ctx``; a refusal instead of the sections when it cannot be used."""
    stores = [dcc.Store(id=Console.CSRF, data=ctx.csrf),
              dcc.Store(id=Console.CONTEXT, data={"lang": ctx.lang, "area": ctx.area, "tab": ctx.tab}),
              dcc.Location(id=Console.URL, refresh=True)]
    if ctx.refused:
        return shell.page("/console", ctx.lang, *stores,
                          html.H1(text.t("console.title", ctx.lang), className="page-heading"),
                          html.P(ctx.refused, id=Console.MESSAGE, className="console-refused", role="alert"))
    return shell.page("/console", ctx.lang, *stores, header(ctx), tabs(ctx))


def layout(lang: str | None = None, **_query) -> html.Div:
    """Without a request to say who is asking (tests, Dash's page registry): the refusal."""
    lang = "en" if text.is_en(lang) else "zh"
    return frame(Context(lang=lang, refused=text.t("console.refused_no_login", lang)))
