"""The lobby wall screen: a fixed 1920x1080 canvas that rotates panels and never goes blank.

Where things are (a map of the wall):

- what each part of the wall shows, as data: ``KPI_STRIP`` (the strip of nine tiles under
  the header), ``FRAME`` (the ticker) and ``PANELS`` (one ``Panel`` per rotating panel: its
  charts, its figures, its lists, its period, and the main metrics whose data-through date
  its title row states, ``as_of``), here, in "what the wall shows";
- how each part is drawn: the builders below (``_kpi``, ``_party``, ``_governance``, ...);
- the one read of the warehouse those declarations make: ``data/wallfigures.read``;
- figures turned into text and patches, the refresh and the first screen: ``callbacks/wall.py``;
- the browser side (scaling, clock, rotation, KPI count-up, ticker): ``assets/wall.js``;
- which panels rotate and for how long: ``data/playlist.py`` and the playlist file.

Everything here is drawn at design size; ``assets/wall.js`` scales the canvas uniformly to
the screen (letterboxed). The layout only builds the frame and empty chart boxes:
figures come from ``callbacks/wall.py``, which fills the first screen before it is sent
and, on every refresh, sends only the charts whose figures changed; their marks are the
page's own elements (``layouts/wallcharts.py``, ``layouts/wallmap.py``), so a change moves
a bar rather than redrawing a chart, and nothing flashes.

Reading distance is 3 to 8 metres: no text under 24 px on the canvas (``SMALLEST``; the
browser test tests/test_wall_legible.py walks every text node and chart label), headline
numbers 48 px and up, charts with few large labels and no toolbar.

Every figure says how far it reaches (DOMAIN.md, "Time, completeness and provenance"): the
header's "data loaded" is the last load, each panel's title row its own sources' as-of, a
trend's unfinished month is drawn lighter and labelled, and a figure whose source has not
delivered for the period reads "not yet reported" with its as-of, never 0.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dash import dcc, html

from data import items, present, settings, text
from data import playlist as playlists
from data.wallfigures import (
    COMING,
    LAST_30_DAYS,
    THIS_MONTH,
    THIS_YEAR,
    Agenda,
    AsOf,
    Breakdown,
    Items,
    JustClosed,
    JustIn,
    Kpis,
    LatestMonth,
    League,
    Places,
    ServicePoints,
    Totals,
    Trends,
)
from layouts.ids import Wall

SMALLEST = 24  # px on the 1920x1080 canvas: the least a reader at 5 m can read (wall.css keeps to it too)
DEFAULT_AREA = "510104011000"  # 沙河街道, the embedded deployment
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

# Palette: party red and gold on a deep night blue, plus calm blues and greens for series.
RED = "#e5413a"
GOLD = "#f3c15f"
INK = "#eef2f8"
MUTED = "#aab6cc"
GRID = "rgba(170, 182, 204, 0.18)"
BLUE = "#4fb3ff"
GREEN = "#3fcfa6"
VIOLET = "#b996ff"
SERIES = [RED, GOLD, BLUE, GREEN, VIOLET, "#ff8c5a", "#8fa9cc", "#ffe08a"]
CARD = "#0e1526"  # a panel's background

# One colour per domain (the catalogue's ``domain`` of a metric, data/reference/metrics.csv),
# used everywhere on the wall: a panel's title mark and top edge, a KPI tile's strip and tint,
# its charts' bars and slices, the map's dots. Party building keeps the party red.
DOMAIN_COLOURS = {"party": RED, "governance": BLUE, "services": GREEN, "cobuild": VIOLET}
NEUTRAL = GOLD  # what belongs to no one domain (the league table compares them all)


def rgba(colour: str, alpha: float) -> str:
    """``colour`` ("#rrggbb") at ``alpha``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def mix(colour: str, other: str, share: float) -> str:
    """``colour`` with ``share`` of ``other`` mixed in, as "#rrggbb"."""
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b))


def partial(colour: str) -> str:
    """An unfinished month's bar: the series' colour, lighter, outlined (callbacks/wall.py ``_partial``)."""
    return rgba(colour, 0.32)


def dimmed(colour: str) -> str:
    """The other bars beside the largest, which is drawn in the full colour (callbacks/wall ``_leading``)."""
    return mix(colour, CARD, 0.35)


# The party's unfinished month, as before the domain colours (tests and callers that name it).
PARTIAL_RED = partial(RED)


def shades(colour: str, count: int) -> list[str]:
    """``count`` distinguishable shades of ``colour`` for a donut's slices: full, then darker and lighter."""
    steps = [0.0, 0.45, -0.45, 0.7, -0.7, 0.25, -0.2, 0.85]
    return [mix(colour, CARD if step > 0 else "#ffffff", abs(step)) for step in steps[:count]]


@lru_cache(maxsize=1)
def metric_domains() -> dict[str, str]:
    """{metric code: its domain}, from the shipped catalogue file."""
    from data import catalog

    frame = catalog.read_metrics()
    return dict(zip(frame["code"], frame["domain"]))


def colour_of(code: str | None) -> str:
    """The colour of ``code``'s domain (``DOMAIN_COLOURS``), else ``NEUTRAL``."""
    return DOMAIN_COLOURS.get(metric_domains().get(code or "", ""), NEUTRAL)

# Words come from data.text (keys "wall.*"), figures' labels from there too, by metric code.
TEXT = text.group("wall")


def _figures(place: str, rows: list[tuple[str, str]]) -> list[tuple[str, tuple[str, str], tuple[str, str]]]:
    """(code, label (zh, en), unit (zh, en)) rows: labels from data.text, units by their Chinese."""
    return [(code, text.pair(f"{place}.{code}"), present.wall_unit(unit)) for code, unit in rows]


# The KPI strip: metric code, short label (zh, en), unit (zh, en). One tile each (``_kpi``);
# what they show is KPI_STRIP, written by callbacks/wall._kpis, drawn by wall.js applyKpis.
KPIS = _figures("kpi", [
    ("party_members", "人"), ("activities_held", "场"), ("activity_participants", "人次"),
    ("hotline_on_time_rate", "%"), ("hotline_satisfaction_rate", "%"), ("needs_satisfaction_rate", "%"),
    ("volunteer_hours", "小时"),
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
# Co-building (共建共享): this month's needs, the alliance's latest month, the fund's year.
NEEDS_STATS = _figures("stat", [("needs_raised", "件"), ("needs_fulfilled", "件"), ("needs_rated", "件"),
                                ("needs_satisfaction_rate", "%")])
MERCHANT_STATS = _figures("stat", [("alliance_merchants", "家"), ("model_merchants", "家"), ("merchant_offers", "项"),
                                   ("merchant_service_hours", "小时")])
FUND_STATS = _figures("stat", [("fund_income", "元"), ("fund_spending", "元"), ("fund_leverage", "元/元")])
WISHES_SHOWN = 3
PULSES_SHOWN = 3  # the governance panel's "just in": the newest 12345 orders and grid events

# The league table's columns: metric code, heading (zh, en).
LEAGUE_METRICS = [(code, text.pair(f"league.{code}")) for code in
                  ("activity_participants", "volunteer_hours", "hotline_satisfaction_rate", "grid_events_closure_rate")]
LEAGUE_ROWS = 10  # rows that fit; more areas than this: the top and the last LEAGUE_BOTTOM
LEAGUE_BOTTOM = 3
LIST_ITEMS = 6
GUIDE_ITEMS = 4  # a guide takes three lines (title, what to bring, where): four fit
AGENDA_ITEMS = 8  # shown at once: what is on now and next
AGENDA_READ = 60  # read per day, so the refresh can drop what has ended and still show eight
TICKER_ITEMS = 12
AGE_ORDER = ("0-17", "18-34", "35-59", "60+")
HOTLINE_TRENDS = ("hotline_received", "hotline_on_time_rate", "hotline_satisfaction_rate")


def shown(value, lang: str, *, percent: bool = False) -> present.Reading:
    """A figure as the wall writes it, in a tile, a stat or beside a bar: ``present.show``,
    compact (1.2万), with no catalogue row. The one rule the callbacks and the charts share."""
    return present.show(value, None, lang, compact=True, percent=percent)


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


# The map (``layouts/wallmap.py``): the places by longitude and latitude over the bundled
# district outlines (data/outlines.py). No tiles, no geo basemap: nothing is fetched.
MAP_SERVICE = 11  # px: a service point's diamond, under the places' dots and labels
MAP_HALO = ", ".join(f"{x}px {y}px 3px {CARD}" for x, y in ((1, 1), (-1, -1), (1, -1), (-1, 1)))
MAP_MARKER = 30  # px: each place's dot
MAP_MARGIN = 8  # px around the map's plotting area
MAP_RING = 22  # px the gold ring around the wall's own place is wider than a dot
MAP_HOLLOW = "rgba(170, 182, 204, 0.9)"  # a place with no figure: a ring, never a 0
MAP_ASPECT = 1 / 0.8607  # 1 / cos(30.6°): a degree of longitude at Chengdu's latitude


def chart_box(chart: str, children: list | None = None) -> html.Div:
    """A wall chart: a box of its design size whose children are its marks, drawn by
    ``layouts/wallcharts.py`` (``layouts/wallmap.py`` for the map) from its figures. The
    page's own elements, not a Plotly graph: a changed figure is a small change of their
    sizes (CSS moves them), with no chart library redrawing (the heap stays flat for weeks)."""
    kind, width, height = CHARTS[chart]
    return html.Div(
        children if children is not None else [],
        id=Wall.chart(chart),
        style={"width": f"{width}px", "height": f"{height}px"},
        className=f"wall-graph wall-chart wall-chart-{kind}",
    )


def _chart(chart: str, caption: str, lang: str) -> html.Div:
    return html.Div(
        [*([html.H3(caption, className="wall-caption")] if caption else []), chart_box(chart)],
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
            # The whole tile (value counted up, target line, "below" mark) is written by
            # wall.js from the refresh's data (``kpis``): one channel, see KPI_STRIP.
            html.Div("—", className="wall-kpi-value", **_data({"data-kpi": code})),
            html.Div("", className="wall-kpi-target"),  # its target, or its period: wall.js too
        ],
        id=Wall.kpi(code),
        className="wall-kpi",
        style={"--wall-domain": colour_of(code)},  # its domain's colour: the strip and tint (wall.css)
    )


def _panel(panel: str, lang: str, subtitle_key: str, body) -> html.Section:
    return html.Section(
        [
            html.Header(
                [html.H2(t(panel, lang), className="wall-panel-title"),
                 html.Span(t(subtitle_key, lang) if subtitle_key in TEXT else "",
                           id=Wall.stat(f"{panel}-period"), className="wall-panel-period"),
                 # How far the panel's main figures reach (``Panel.as_of``): callbacks/wall.py.
                 html.Span("", id=Wall.stat(f"{panel}-through"), className="wall-panel-through")],
                className="wall-panel-head",
            ),
            html.Div(body, className=f"wall-panel-body wall-body-{panel}"),
        ],
        id=Wall.panel(panel),
        className="wall-panel",
        **_data({"data-panel": panel, "data-as-of": ""}),
    )


def _stat_block(figures: Figures, lang: str, class_name: str) -> html.Div:
    """A panel's figures (a ``Figures`` declaration) as a grid or row of stats."""
    return html.Div([_stat(k, lb, u, lang, figures.prefix) for k, lb, u in figures.table], className=class_name)


def _data(attributes: dict[str, Any]) -> dict[str, Any]:
    """``data-*`` attributes for a component: not Python names, so they go in as ``**``."""
    return attributes


def _list(list_id: str | dict, caption: str, lang: str) -> html.Div:
    return html.Div(
        [html.H3(caption, className="wall-caption"),
         html.Ul([html.Li(t("no_data", lang), className="wall-empty")], id=list_id, className="wall-list")],
        className="wall-block wall-list-block",
    )


# --- panels -----------------------------------------------------------------------------

def _party(lang):
    stats = _stat_block(PANELS["party"].figures[0], lang, "wall-stat-grid g4")
    return _panel("party", lang, "", [stats, _chart("party-trend", t("party_trend", lang), lang)])


def _governance(lang):
    stats = _stat_block(PANELS["governance"].figures[0], lang, "wall-stat-grid g2")
    return _panel("governance", lang, "this_month", [
        _chart("governance-events", t("events_by_category", lang), lang),
        _chart("governance-hotline", t("hotline_trend", lang), lang),
        html.Div([stats, _list(Wall.PULSE_LIST, t("just_in", lang), lang)], className="wall-column wall-gov-side"),
    ])


def _services(lang):
    middle = html.Div([
        _chart("services-channels", t("services_by_channel", lang), lang),
        _stat_block(PANELS["services"].figures[0], lang, "wall-stat-row"),
    ], className="wall-column")
    right = html.Div([
        _chart("services-care", t("care_by_item", lang), lang),
        _stat_block(PANELS["services"].figures[1], lang, "wall-stat-row"),
    ], className="wall-column")
    return _panel("services", lang, "this_month", [
        _chart("services-items", t("services_by_item", lang), lang), middle, right,
    ])


def _participation(lang):
    middle = html.Div([
        _chart("participation-ages", t("activities_by_age", lang), lang),
        _stat_block(PANELS["participation"].figures[0], lang, "wall-stat-row"),
    ], className="wall-column")
    return _panel("participation", lang, "this_month", [
        _chart("participation-types", t("activities_by_type", lang), lang),
        middle,
        _chart("participation-trend", t("participation_trend", lang), lang),
    ])


def _cobuild(lang):
    needs = html.Div([
        html.H3(t("needs_this_month", lang), className="wall-caption"),
        _stat_block(PANELS["cobuild"].figures[0], lang, "wall-stat-grid g22"),
        _list(Wall.WISH_LIST, t("just_fulfilled", lang), lang),
    ], className="wall-column wall-cobuild-needs")
    alliance = html.Div([
        html.H3(t("alliance", lang), className="wall-caption"),
        _stat_block(PANELS["cobuild"].figures[1], lang, "wall-stat-grid g22"),
    ], className="wall-column wall-cobuild-alliance")
    fund = html.Div([
        html.H3(t("fund_this_year", lang), className="wall-caption"),
        _stat_block(PANELS["cobuild"].figures[2], lang, "wall-stat-row"),
        _chart("cobuild-funds", t("fund_by_domain", lang), lang),
    ], className="wall-column wall-cobuild-fund")
    return _panel("cobuild", lang, "this_month", [needs, alliance, fund])


def _map(lang):
    return _panel("map", lang, "", _chart("map-places", "", lang))


def _league(lang):
    head = html.Thead(html.Tr([html.Th("", className="wall-league-rank"), html.Th(t("area", lang))]
                              + [html.Th([html.Div(pick(heading, lang)),
                                          # "每千人 · 目标 90%": written by callbacks/wall._league_notes
                                          html.Div("", id=Wall.stat(f"league-note-{code}"),
                                                   className="wall-league-note")])
                                 for code, heading in LEAGUE_METRICS]))
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


# --- what the wall shows ------------------------------------------------------------------
# Each part of the wall declares what it shows as data; data/wallfigures.read answers all of
# it in one read, and callbacks/wall.py turns the answer into text and chart patches.

@dataclass(frozen=True)
class Chart:
    """A chart on a panel: its kind, design size, and what it shows."""

    id: str
    kind: str  # "hbar" | "donut" | "trend" | "hotline" | "map": see ``layouts/wallcharts.py``
    width: int
    height: int
    shows: Breakdown | Trends | Places
    order: tuple[str, ...] = ()  # a breakdown's members in this order (else largest first)


@dataclass(frozen=True)
class Figures:
    """Figures written as text on a panel: stat ids ``prefix + code``, over ``period``."""

    prefix: str
    table: tuple  # (code, label, unit) rows, as PARTY_STATS
    period: str | LatestMonth = THIS_MONTH

    @property
    def shows(self) -> Totals:
        return Totals(tuple(code for code, _label, _unit in self.table), self.period)


@dataclass(frozen=True)
class Listing:
    """A list on a panel, written whole into ``Wall.list(name)``."""

    name: str
    shows: Items | ServicePoints | Agenda | League | JustClosed | JustIn


@dataclass(frozen=True)
class Panel:
    """A rotating panel: how it is drawn and what it shows.

    ``period`` is what the panel's header says its figures cover: this month, a monthly
    report's latest month, the last 30 days, this week, or nothing (None). ``as_of`` names
    its main metrics: the title row says how far their data reaches (their sources' as-of).
    """

    id: str
    build: Callable[[str], html.Section]
    period: str | LatestMonth | None
    charts: tuple[Chart, ...] = ()
    figures: tuple[Figures, ...] = ()
    lists: tuple[Listing, ...] = ()
    as_of: AsOf | None = None

    def needs(self) -> tuple:
        reach = (self.as_of,) if self.as_of else ()
        return (*(c.shows for c in self.charts), *(f.shows for f in self.figures), *(x.shows for x in self.lists),
                *reach)


# The KPI strip: this month's figure of each metric of KPIS (a stock: its latest report).
KPI_STRIP = Kpis(tuple(code for code, _label, _unit in KPIS))
# The frame around the panels: the ticker's news and notices. (No screen-wide "data as of":
# sources reach different days, so each panel states its own; the header says when the
# data last loaded.)
TICKER = Items(("news", "notice"), TICKER_ITEMS * 2)  # twice: repeated titles are dropped
FRAME = (KPI_STRIP, TICKER)

PARTY_REPORT = LatestMonth("party_members")
# The map's figure unless the playlist names another (``metric:`` on its ``map`` entry).
MAP_METRIC = "activity_participants"


def _map_panel(metric: str) -> Panel:
    """The map panel showing ``metric`` (over the last 30 days, as the league table)."""
    return Panel("map", _map, LAST_30_DAYS, charts=(Chart("map-places", "map", 1800, 570, Places(metric)),),
                 as_of=AsOf((metric,)))

MERCHANT_LOG = LatestMonth("alliance_merchants")

PANELS = {panel.id: panel for panel in (
    Panel("party", _party, PARTY_REPORT,
          charts=(Chart("party-trend", "trend", 900, 520, Trends(("activity_party_participants",))),),
          figures=(Figures("party-", tuple(PARTY_STATS), PARTY_REPORT),),
          as_of=AsOf(("party_members",))),
    Panel("governance", _governance, THIS_MONTH,
          charts=(Chart("governance-events", "hbar", 560, 520, Breakdown("grid_events_reported", "category")),
                  Chart("governance-hotline", "hotline", 700, 520, Trends(HOTLINE_TRENDS))),
          figures=(Figures("gov-", tuple(GOVERNANCE_STATS)),),
          lists=(Listing("pulses", JustIn(items.PULSES, PULSES_SHOWN)),),
          as_of=AsOf(("hotline_received", "grid_events_reported"))),
    Panel("services", _services, THIS_MONTH,
          charts=(Chart("services-items", "hbar", 600, 520, Breakdown("service_transactions", "item")),
                  Chart("services-channels", "donut", 556, 340, Breakdown("service_transactions", "channel")),
                  Chart("services-care", "hbar", 600, 340, Breakdown("care_services", "item"))),
          figures=(Figures("svc-", tuple(SERVICE_STATS)), Figures("svc-", tuple(VOLUNTEER_STATS))),
          as_of=AsOf(("service_transactions", "care_services", "volunteer_hours"))),
    Panel("participation", _participation, THIS_MONTH,
          charts=(Chart("participation-types", "hbar", 600, 520, Breakdown("activity_participants", "type")),
                  Chart("participation-ages", "donut", 556, 340, Breakdown("activity_participants", "age_band"),
                        order=AGE_ORDER),
                  Chart("participation-trend", "trend", 600, 520, Trends(("activity_participants",)))),
          figures=(Figures("act-", tuple(PARTICIPATION_STATS)),),
          as_of=AsOf(("activity_participants",))),
    Panel("cobuild", _cobuild, THIS_MONTH,
          charts=(Chart("cobuild-funds", "hbar", 600, 300, Breakdown("fund_spending", "domain", THIS_YEAR)),),
          figures=(Figures("cob-", tuple(NEEDS_STATS)), Figures("cob-", tuple(MERCHANT_STATS), MERCHANT_LOG),
                   Figures("cob-", tuple(FUND_STATS), THIS_YEAR)),
          lists=(Listing("wishes", JustClosed("needs", "微心愿", "已实现", WISHES_SHOWN)),),
          as_of=AsOf(("needs_raised", "alliance_merchants", "fund_income"))),
    _map_panel(MAP_METRIC),
    Panel("league", _league, LAST_30_DAYS,
          lists=(Listing("league", League(tuple(code for code, _ in LEAGUE_METRICS))),),
          as_of=AsOf(tuple(code for code, _ in LEAGUE_METRICS))),
    Panel("guide", _guide, None,
          lists=(Listing("guide", Items(("guide",), GUIDE_ITEMS)), Listing("resource", ServicePoints(LIST_ITEMS)))),
    Panel("activities", _activities, COMING,
          lists=(Listing("agenda", Agenda(AGENDA_READ)),)),
)}

# Everything one refresh reads: every panel, on the playlist or not, so a day's figures
# do not depend on the playlist they are shown by.
NEEDS = tuple(dict.fromkeys([*FRAME, *(need for panel in PANELS.values() for need in panel.needs())]))


def panels_for(map_metric: str | None = None) -> dict[str, Panel]:
    """``PANELS`` with the map showing ``map_metric`` (the playlist's choice; None: the default)."""
    if not map_metric or map_metric == MAP_METRIC:
        return PANELS
    return {**PANELS, "map": _map_panel(map_metric)}


def needs_for(map_metric: str | None = None) -> tuple:
    """``NEEDS`` with the map showing ``map_metric``."""
    if not map_metric or map_metric == MAP_METRIC:
        return NEEDS
    return tuple(dict.fromkeys([*FRAME, *(need for panel in panels_for(map_metric).values() for need in panel.needs())]))


CHARTS = {c.id: (c.kind, c.width, c.height) for panel in PANELS.values() for c in panel.charts}


def panel_colour(panel: Panel) -> str:
    """A panel's colour: its main metrics' domain (``Panel.as_of``); the league, which compares
    them all, and the panels without figures are ``NEUTRAL``."""
    if panel.id == "league" or not panel.as_of:
        return NEUTRAL
    return colour_of(panel.as_of.metrics[0])


def chart_colours(map_metric: str | None = None) -> dict[str, str]:
    """{chart id: the colour of its series}: its panel's (the map's follows the playlist's metric)."""
    return {c.id: panel_colour(panel) for panel in panels_for(map_metric).values() for c in panel.charts}


CHART_COLOURS = chart_colours()
PANEL_BUILDERS = {panel.id: panel.build for panel in PANELS.values()}


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
                         html.Div(html.Span("", id=Wall.UPDATED), className="wall-freshness"),
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


def _sections(panels: list[str], map_metric: str | None, lang: str) -> list[html.Section]:
    """The playlist's panels, each marked with its domain's colour (the title mark, the top edge)."""
    chosen = panels_for(map_metric)
    sections = []
    for panel in panels:
        section = chosen[panel].build(lang)
        # Dash components take their props as attributes, which its type stubs do not declare.
        section.style = {"--wall-domain": panel_colour(chosen[panel])}  # type: ignore[attr-defined]
        sections.append(section)
    return sections


def layout(area: str | None = None, lang: str | None = None, **_query) -> html.Div:
    """The wall for ``area`` (default 沙河街道) in ``lang`` ("zh" or "en")."""
    lang = _lang(lang)
    area = str(area or DEFAULT_AREA).strip()
    playlist = playlists.for_area(area)  # saved in the console for this area, else the file
    client = playlist.for_client()
    panels = playlist.panels()
    now = settings.local_now()
    # The panel wall.js's rotation opens with at this hour (a window's first, else the default's).
    opening = playlist.rotation_at(now.hour * 60 + now.minute)
    first = opening[0].panel if opening else panels[0]
    dim = playlist.dim_at(now.hour * 60 + now.minute)  # wall.js keeps it as the hours pass
    # data-now: a pinned clock (CSB_FAKE_NOW, tests and screenshots only) for wall.js too.
    pinned = ({"data-now": str(round(now.replace(tzinfo=settings.timezone()).timestamp() * 1000))}
              if settings.fake_offset() is not None else {})
    return html.Div(
        [
            html.Div(
                [
                    _header(lang),
                    html.Div([_kpi(code, label, unit, lang) for code, label, unit in KPIS], className="wall-kpis"),
                    html.Main(_sections(panels, playlist.map_metric(), lang), id=Wall.STAGE, className="wall-stage",
                              **_data({"data-active": first})),
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
            dcc.Store(id=Wall.DEFERRED, data={}),
            dcc.Store(id=Wall.PENDING, data={}),
            dcc.Interval(id=Wall.TICK, interval=1000),
            dcc.Interval(id=Wall.ROTATE, interval=client["panels"][0]["ms"]),
            dcc.Interval(id=Wall.REFRESH, interval=client["refresh_ms"]),
        ],
        id=Wall.ROOT,
        className=f"wall-root lang-{lang}",
        lang="en" if lang == "en" else "zh-CN",
        # data-text: the month and weekday names, number separators and notes wall.js writes.
        # data-zone: the deployment's time zone, for the clock and the playlist's hours.
        **_data({"data-state": "stale", "data-dim": dim, "data-build": _build(), "data-lang": lang,
                 "data-zone": settings.timezone().key,
                 "data-text": present.wall_settings(lang), **pinned}),
    )
