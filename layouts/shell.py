"""The frame of the laptop pages: a top bar with the product name and the page links.

The top bar links only the pages the signed-in user may open (``auth.may_open``; with
logins off, every page). The wall screen has no frame: it owns the whole screen.
"""
from __future__ import annotations

from dash import dcc, html
from flask import has_request_context

from auth import current_user, may_open
from data import labels, text
from layouts.ids import Shell

LINKS = ["/", "/explore", "/data", "/wall", "/console"]


def href(path: str, lang: str | None) -> str:
    """A laptop page's address in ``lang``: ``/data``, ``/data?lang=en``."""
    return f"{path}?lang=en" if text.is_en(lang) else path


def nav(active: str, lang: str = "zh") -> html.Header:
    """Top bar; ``active`` is the current path, ``lang`` is 'zh' or 'en'. A page the user
    may not open is left out: its link would only lead to "no access"."""
    links = [
        dcc.Link(
            text.t(f"nav.{path}", lang),
            href=href(path, lang),
            className="shell-link active" if path == active else "shell-link",
            # The wall is a page of its own with its own lighter scripts: load it whole.
            refresh=path == "/wall",
        )
        for path in LINKS
        if may_open(href(path, lang))
    ]
    return html.Header(
        [html.Span(text.t("app.title", lang), className="shell-brand"), html.Nav(links), *signed_in(lang)],
        id=Shell.NAV,
        className="shell-nav",
    )


def signed_in(lang: str) -> list:
    """Who is signed in, at the bar's right end, and a way out ("王芳（查看） 退出"); nothing
    with logins off. A user who came through the login page logs out there (/logout asks
    first); one a trusted proxy vouches for signs out at the proxy, so no link."""
    who = current_user() if has_request_context() else None  # a layout built by a test or a script
    if who is None or who["via"] == "kiosk":
        return []
    role = labels.role_label(who["role"], lang)
    parts: list = [html.Span(text.t("nav.user", lang, name=who["name"], role=role), className="shell-user-name")]
    if who["via"] == "session":
        parts.append(html.A(text.t("nav.logout", lang), href="/logout", className="shell-link"))
    return [html.Div(parts, className="shell-user")]


def page(active: str, lang: str, *children) -> html.Div:
    """A laptop page: the top bar above the page's own content, and the factor its charts are
    drawn at (``Shell.CHART_SCALE``, callbacks/charts.py)."""
    return html.Div([nav(active, lang), html.Main(list(children), className="shell-main"),
                     dcc.Store(id=Shell.CHART_SCALE)], className="shell-page")
