"""The frame of the laptop pages: a top bar with the product name and the page links.

The wall screen has no frame: it owns the whole screen.
"""
from __future__ import annotations

from dash import dcc, html

from layouts.ids import Shell

LINKS = [
    ("/", "总览", "Overview"),
    ("/explore", "分析", "Explore"),
    ("/data", "数据", "Data health"),
    ("/wall", "大屏", "Wall screen"),
]


def nav(active: str, lang: str = "zh") -> html.Header:
    """Top bar; ``active`` is the current path, ``lang`` is 'zh' or 'en'."""
    links = [
        dcc.Link(
            zh if lang == "zh" else en,
            href=path if lang == "zh" else f"{path}?lang=en",
            className="shell-link active" if path == active else "shell-link",
            # The wall is a page of its own with its own lighter scripts: load it whole.
            refresh=path == "/wall",
        )
        for path, zh, en in LINKS
    ]
    return html.Header(
        [html.Span("社区智慧大脑" if lang == "zh" else "Community Smart Brain", className="shell-brand"), html.Nav(links)],
        id=Shell.NAV,
        className="shell-nav",
    )


def page(active: str, lang: str, *children) -> html.Div:
    """A laptop page: the top bar above the page's own content."""
    return html.Div([nav(active, lang), html.Main(list(children), className="shell-main")], className="shell-page")
