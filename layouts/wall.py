"""The lobby wall screen: a fixed 1920x1080 canvas that rotates panels and never goes blank.

Everything here is drawn at design size; ``assets/wall.js`` scales the canvas uniformly to
the screen (letterboxed). The layout only builds the frame and empty chart skeletons:
figures come from ``callbacks/wall.py``, which fills the first screen before it is sent
and patches them in place on every refresh, so nothing is rebuilt and nothing flashes.

Reading distance is 3 to 8 metres: no text under 20 px on the canvas, headline numbers
48 px and up, charts with few large labels and no toolbar.
"""
from __future__ import annotations

from dash import dcc, html

from data import playlist as playlists
from data import present, text
from layouts.ids import Wall

DEFAULT_AREA = "510104011000"  # 沙河街道, the embedded deployment
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

# Palette: party red and gold on a deep night blue, plus calm blues and greens for series.
RED = "#e5413a"
GOLD = "#f3c15f"
INK = "#eef2f8"
MUTED = "#aab6cc"
GRID = "rgba(170, 182, 204, 0.18)"
SERIES = [RED, GOLD, "#4fb3ff", "#3fcfa6", "#b996ff", "#ff8c5a", "#8fa9cc", "#ffe08a"]

# Words come from data.text (keys "wall.*"), figures' labels from there too, by metric code.
TEXT = text.group("wall")


def _figures(place: str, rows: list[tuple[str, str]]) -> list[tuple[str, tuple[str, str], tuple[str, str]]]:
    """(code, label (zh, en), unit (zh, en)) rows: labels from data.text, units by their Chinese."""
    return [(code, text.pair(f"{place}.{code}"), present.wall_unit(unit)) for code, unit in rows]


# The KPI strip: metric code, short label (zh, en), unit (zh, en). Figures come from the callback.
KPIS = _figures("kpi", [
    ("party_members", "人"), ("activities_held", "场"), ("activity_participants", "人次"),
    ("hotline_on_time_rate", "%"), ("hotline_satisfaction_rate", "%"), ("volunteer_hours", "小时"),
    ("elderly_meals", "人次"), ("service_transactions", "件"),
])

# Stats written as text on the panels: key, label (zh, en), unit (zh, en).
PARTY_STATS = _figures("stat", [
    ("party_organisations", "个"), ("party_members", "人"), ("party_mobile_members", "人"),
    ("party_new_members", "人"), ("party_three_sessions", "次"), ("party_theme_days", "次"),
    ("party_school_attendance", "人次"), ("party_volunteer_hours", "小时"),
])
GOVERNANCE_STATS = _figures("stat", [
    ("hotline_received", "件"), ("hotline_resolution_rate", "%"), ("grid_events_reported", "件"),
    ("grid_events_closure_rate", "%"), ("disputes_mediated", "件"), ("grid_events_avg_closure_hours", "小时"),
])
SERVICE_STATS = _figures("stat", [("service_self_service_share", "%"), ("service_avg_wait", "分钟")])
VOLUNTEER_STATS = _figures("stat", [("volunteer_hours", "小时"), ("active_volunteers", "人"), ("volunteer_teams", "支")])
PARTICIPATION_STATS = _figures("stat", [("activities_held", "场"), ("activity_checkin_rate", "%")])

# Charts: id -> (kind, width, height). Sizes are design-canvas pixels.
CHARTS = {
    "party-trend": ("trend", 900, 520),
    "governance-events": ("hbar", 560, 520),
    "governance-hotline": ("hotline", 700, 520),
    "services-items": ("hbar", 600, 520),
    "services-channels": ("donut", 556, 340),
    "services-care": ("hbar", 600, 340),
    "participation-types": ("hbar", 600, 520),
    "participation-ages": ("donut", 556, 340),
    "participation-trend": ("trend", 600, 520),
}


def t(key: str, lang: str) -> str:
    return text.t(f"wall.{key}", lang)


pick = text.pick


def _lang(value) -> str:
    return "en" if str(value or "").lower().startswith("en") else "zh"


def _build() -> str:
    """The build this page was served by; wall.js reloads when /healthz reports another."""
    try:
        from flask import current_app

        return str(current_app.config.get("CSB_BUILD_ID", ""))
    except RuntimeError:  # outside a request (a unit test calling layout())
        return ""


# --- chart skeletons -----------------------------------------------------------------------

def _base_layout(width: int, height: int, lang: str, **extra) -> dict:
    base = dict(
        width=width,
        height=height,
        autosize=False,
        margin=dict(l=16, r=24, t=16, b=16),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(family=FONT, size=22, color=INK),
        showlegend=False,
        annotations=[dict(
            text=t("no_data", lang), name="no-data", visible=False, showarrow=False,
            xref="paper", yref="paper", x=0.5, y=0.5, font=dict(size=30, color=MUTED),
        )],
    )
    base.update(extra)
    return base


def skeleton(kind: str, width: int, height: int, lang: str) -> dict:
    """An empty figure of ``kind`` whose traces the refresh callback fills by Patch."""
    axis = dict(showgrid=False, zeroline=False, tickfont=dict(size=22, color=INK), automargin=True,
                fixedrange=True, showline=False, ticks="")
    if kind == "hbar":
        return dict(
            data=[dict(type="bar", orientation="h", x=[], y=[], text=[], textposition="outside",
                       textfont=dict(size=22, color=INK), cliponaxis=False, constraintext="none", marker=dict(color=RED),
                       hoverinfo="skip")],
            layout=_base_layout(width, height, lang, bargap=0.35,
                                xaxis=dict(axis, visible=False),
                                yaxis=dict(axis, autorange="reversed", ticksuffix="  ")),
        )
    if kind == "donut":
        return dict(
            data=[dict(type="pie", labels=[], values=[], hole=0.58, sort=False, direction="clockwise",
                       textinfo="none", marker=dict(colors=SERIES[:6], line=dict(color="#0e1526", width=3)),
                       hoverinfo="skip")],
            layout=_base_layout(width, height, lang, showlegend=True,
                                legend=dict(font=dict(size=22, color=INK), x=1.0, xanchor="left", y=0.5,
                                            yanchor="middle", itemclick=False, itemdoubleclick=False),
                                margin=dict(l=10, r=200, t=10, b=10)),
        )
    if kind == "trend":
        return dict(
            data=[dict(type="bar", x=[], y=[], text=[], textposition="outside", cliponaxis=False, constraintext="none",
                       textfont=dict(size=22, color=INK), marker=dict(color=RED), hoverinfo="skip")],
            layout=_base_layout(width, height, lang, bargap=0.3,
                                xaxis=dict(axis, type="category", tickfont=dict(size=20, color=MUTED)),
                                yaxis=dict(axis, visible=False)),
        )
    if kind == "hotline":
        return dict(
            data=[
                dict(type="bar", name="", x=[], y=[], marker=dict(color="rgba(229, 65, 58, 0.75)"),
                     hoverinfo="skip"),
                dict(type="scatter", mode="lines+markers", name="", x=[], y=[], yaxis="y2",
                     line=dict(color=GOLD, width=4), marker=dict(size=10), hoverinfo="skip"),
                dict(type="scatter", mode="lines+markers", name="", x=[], y=[], yaxis="y2",
                     line=dict(color="#4fb3ff", width=4), marker=dict(size=10), hoverinfo="skip"),
            ],
            layout=_base_layout(
                width, height, lang, showlegend=True, bargap=0.35,
                legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom", font=dict(size=22, color=INK),
                            itemclick=False, itemdoubleclick=False),
                margin=dict(l=16, r=16, t=64, b=16),
                xaxis=dict(axis, type="category", tickfont=dict(size=20, color=MUTED)),
                yaxis=dict(axis, showgrid=True, gridcolor=GRID, tickfont=dict(size=20, color=MUTED)),
                yaxis2=dict(axis, overlaying="y", side="right", range=[0, 1.05], tickformat=".0%",
                            tickvals=[0, 0.5, 1], tickfont=dict(size=20, color=MUTED)),
            ),
        )
    raise ValueError(f"unknown chart kind {kind!r}")


def _chart(chart: str, caption: str, lang: str) -> html.Div:
    kind, width, height = CHARTS[chart]
    return html.Div(
        [
            html.H3(caption, className="wall-caption"),
            dcc.Graph(
                id=Wall.chart(chart),
                figure=skeleton(kind, width, height, lang),
                config={"staticPlot": True, "displayModeBar": False, "responsive": False},
                responsive=False,
                style={"width": f"{width}px", "height": f"{height}px"},
                className="wall-graph",
            ),
        ],
        className="wall-block",
    )


# --- small pieces -------------------------------------------------------------------------

def _stat(key: str, label: tuple, unit: tuple, lang: str, prefix: str = "") -> html.Div:
    return html.Div(
        [
            html.Div(pick(label, lang), className="wall-stat-label"),
            html.Div(
                [html.Span("—", id=Wall.stat(prefix + key), className="wall-stat-value"),
                 html.Span(pick(unit, lang), className="wall-stat-unit")],
                className="wall-stat-figure",
            ),
        ],
        className="wall-stat",
    )


def _kpi(code: str, label: tuple, unit: tuple, lang: str) -> html.Div:
    return html.Div(
        [
            html.Div([html.Span(pick(label, lang), className="wall-kpi-name"),
                      html.Span(pick(unit, lang), className="wall-kpi-unit")], className="wall-kpi-label"),
            # The value is written (and counted up) by wall.js from the refresh's data.
            html.Div("—", className="wall-kpi-value", **{"data-kpi": code}),
            html.Div("", id=Wall.stat(f"target-{code}"), className="wall-kpi-target"),
        ],
        id=Wall.kpi(code),
        className="wall-kpi",
    )


def _panel(panel: str, lang: str, subtitle_key: str, body) -> html.Section:
    return html.Section(
        [
            html.Header(
                [html.H2(t(panel, lang), className="wall-panel-title"),
                 html.Span(t(subtitle_key, lang) if subtitle_key in TEXT else "",
                           id=Wall.stat(f"{panel}-period"), className="wall-panel-period")],
                className="wall-panel-head",
            ),
            html.Div(body, className=f"wall-panel-body wall-body-{panel}"),
        ],
        id=Wall.panel(panel),
        className="wall-panel",
        **{"data-panel": panel, "data-as-of": ""},
    )


def _list(list_id: str, caption: str, lang: str) -> html.Div:
    return html.Div(
        [html.H3(caption, className="wall-caption"),
         html.Ul([html.Li(t("no_data", lang), className="wall-empty")], id=list_id, className="wall-list")],
        className="wall-block wall-list-block",
    )


# --- panels -----------------------------------------------------------------------------

def _party(lang):
    stats = html.Div([_stat(k, lb, u, lang, "party-") for k, lb, u in PARTY_STATS], className="wall-stat-grid g4")
    return _panel("party", lang, "", [stats, _chart("party-trend", t("party_trend", lang), lang)])


def _governance(lang):
    stats = html.Div([_stat(k, lb, u, lang, "gov-") for k, lb, u in GOVERNANCE_STATS], className="wall-stat-grid g2")
    return _panel("governance", lang, "this_month", [
        _chart("governance-events", t("events_by_category", lang), lang),
        _chart("governance-hotline", t("hotline_trend", lang), lang),
        stats,
    ])


def _services(lang):
    middle = html.Div([
        _chart("services-channels", t("services_by_channel", lang), lang),
        html.Div([_stat(k, lb, u, lang, "svc-") for k, lb, u in SERVICE_STATS], className="wall-stat-row"),
    ], className="wall-column")
    right = html.Div([
        _chart("services-care", t("care_by_item", lang), lang),
        html.Div([_stat(k, lb, u, lang, "svc-") for k, lb, u in VOLUNTEER_STATS], className="wall-stat-row"),
    ], className="wall-column")
    return _panel("services", lang, "this_month", [
        _chart("services-items", t("services_by_item", lang), lang), middle, right,
    ])


def _participation(lang):
    middle = html.Div([
        _chart("participation-ages", t("activities_by_age", lang), lang),
        html.Div([_stat(k, lb, u, lang, "act-") for k, lb, u in PARTICIPATION_STATS], className="wall-stat-row"),
    ], className="wall-column")
    return _panel("participation", lang, "this_month", [
        _chart("participation-types", t("activities_by_type", lang), lang),
        middle,
        _chart("participation-trend", t("participation_trend", lang), lang),
    ])


def _league(lang):
    head = html.Thead(html.Tr([html.Th("", className="wall-league-rank"), html.Th(t("area", lang))]
                              + [html.Th("", id=Wall.stat(f"league-head-{i}")) for i in range(4)]))
    body = html.Tbody([html.Tr(html.Td(t("no_data", lang), colSpan=6, className="wall-empty"))],
                      id=Wall.LEAGUE_BODY)
    return _panel("league", lang, "league_caption", html.Table([head, body], className="wall-league"))


def _guide(lang):
    return _panel("guide", lang, "", [
        _list(Wall.GUIDE_LIST, t("guide_list", lang), lang),
        _list(Wall.RESOURCE_LIST, t("resource_list", lang), lang),
    ])


def _activities(lang):
    return _panel("activities", lang, "", html.Ul(
        [html.Li(t("no_data", lang), className="wall-empty")], id=Wall.ACTIVITY_LIST, className="wall-agenda",
    ))


PANEL_BUILDERS = {
    "party": _party,
    "governance": _governance,
    "services": _services,
    "participation": _participation,
    "league": _league,
    "guide": _guide,
    "activities": _activities,
}


# --- the page ---------------------------------------------------------------------------

def _header(lang):
    return html.Header(
        [
            html.Div(
                [html.Span(className="wall-emblem"),
                 html.H1([html.Span("", id=Wall.AREA_NAME, className="wall-area"),
                          html.Span(t("title", lang), className="wall-title")])],
                className="wall-brand",
            ),
            html.Div(
                [
                    html.Div(
                        [html.Div("", id=Wall.DATE, className="wall-date"),
                         html.Div([html.Span("", id=Wall.UPDATED), html.Span("", id=Wall.AS_OF)],
                                  className="wall-freshness"),
                         # Written by wall.js only when the figures are not live.
                         html.Div(className="wall-status", id=Wall.STATUS)],
                        className="wall-when",
                    ),
                    html.Div("", id=Wall.CLOCK, className="wall-clock"),
                ],
                className="wall-time",
            ),
        ],
        className="wall-header",
    )


def layout(area: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The wall for ``area`` (default 沙河街道) in ``lang`` ("zh" or "en")."""
    lang = _lang(lang)
    area = str(area or DEFAULT_AREA).strip()
    playlist = playlists.load()
    client = playlist.for_client()
    panels = playlist.panels()
    first = client["panels"][0]["id"] if client["panels"] else panels[0]
    return html.Div(
        [
            html.Div(
                [
                    _header(lang),
                    html.Div([_kpi(code, label, unit, lang) for code, label, unit in KPIS], className="wall-kpis"),
                    html.Main([PANEL_BUILDERS[p](lang) for p in panels], id=Wall.STAGE, className="wall-stage",
                              **{"data-active": first}),
                    html.Footer(
                        [html.Div(t("ticker", lang), className="wall-ticker-label"),
                         html.Div(html.Div(className="wall-ticker-track"), className="wall-ticker-window")],
                        id=Wall.TICKER, className="wall-ticker",
                    ),
                    html.Div("", id=Wall.NOTE, className="wall-note"),
                ],
                id=Wall.CANVAS,
                className="wall-canvas",
            ),
            dcc.Store(id=Wall.CONFIG, data={"area": area, "lang": lang}),
            dcc.Store(id=Wall.PLAYLIST, data=client),
            dcc.Store(id=Wall.REQUEST),
            dcc.Store(id=Wall.DATA),
            dcc.Interval(id=Wall.TICK, interval=1000),
            dcc.Interval(id=Wall.ROTATE, interval=client["panels"][0]["ms"]),
            dcc.Interval(id=Wall.REFRESH, interval=client["refresh_ms"]),
        ],
        id=Wall.ROOT,
        className=f"wall-root lang-{lang}",
        lang="en" if lang == "en" else "zh-CN",
        # data-text: the month and weekday names, number separators and notes wall.js writes.
        **{"data-state": "stale", "data-build": _build(), "data-lang": lang, "data-text": present.wall_settings(lang)},
    )
