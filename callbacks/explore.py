"""The explorer's callbacks: URL state, drill-down, charts, the table and its downloads.

The view's state is the URL's query string (``data/urlstate.py``): the controls write it
to the address bar without a reload, and every chart reads it from ``Explore.STATE``.
Every figure of one view is fetched once (``view_figures``) so that the cells of counts
of people to hide are decided over all of them together (``export.suppress``); each
chart's callback stores the table behind it, already masked and labelled, which is what
the grid shows and the downloads contain. Honest figures (DOMAIN.md, "Time, completeness
and provenance"): a period its data does not cover in full is drawn and marked as such,
a missing figure is a gap or "—", a monthly report is taken by whole months, and child
areas below the level a metric is recorded at are not offered.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, html
from dash.dcc.express import send_bytes  # dcc.send_bytes itself: dash.dcc builds its export list at run time
from dash.exceptions import PreventUpdate
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from callbacks.charts import at_page_scale
from callbacks.overview import area_options
from data import areas, comparison, coverage, export, periods, present, query, settings, targets, text, unusual, urlstate
from data import cache as data_cache
from data.labels import place_name  # the wall's map labels places the same way
from data.outlines import district_of, district_outlines
from layouts import components as ui
from layouts.components import metric_dimensions
from layouts.explore import CHARTS, DIMENSION_LABELS, TABLE_LABELS
from layouts.ids import Explore

CITY = "510100000000"
MAX_KEYS = 12  # stacked and small-multiple charts draw the largest keys; the table keeps them all
PALETTE = ["#c8161d", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#99d8c9"]
MAP_SCALE = [[0.0, "#fde3e1"], [0.5, "#ef7f73"], [1.0, "#a50f15"]]
NO_DATA_FILL = "#e9edf1"
FONT = dict(family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif", size=13, color="#1f2933")


def read_state(search: str | None) -> urlstate.ExploreState:
    return urlstate.parse_explore(search or "", metric_dimensions())[0]


# --------------------------------------------------------------------------- controls

@callback(
    Output(Explore.AREA, "options"),
    Input(Explore.AREA, "value"),
    Input(Explore.AREA, "search_value"),
    State(Explore.STATE, "data"),
)
def fill_area_options(code, search, search_state):
    return area_options(code, search, read_state(search_state).lang)


@callback(
    Output(Explore.COMPARE, "options"),
    Input(Explore.COMPARE, "value"),
    Input(Explore.COMPARE, "search_value"),
    Input(Explore.AREA, "value"),
    State(Explore.STATE, "data"),
)
def fill_compare_options(chosen, search, area, search_state):
    options = area_options(area, search, read_state(search_state).lang, extra=list(chosen or []))
    return [o for o in options if o["value"] != area]


@callback(
    Output(Explore.COMPARE_AS_BOX, "style"),
    Input(Explore.COMPARE, "value"),
)
def compare_as_shown(chosen):
    """How to compare areas is asked only while some are compared."""
    return {} if chosen else {"display": "none"}


@callback(
    Output(Explore.BY, "options"),
    Output(Explore.BY, "value"),
    Input(Explore.METRIC, "value"),
    Input(Explore.AREA, "value"),
    State(Explore.BY, "value"),
    State(Explore.STATE, "data"),
)
def breakdowns_for_metric(metric, area, by, search_state):
    """A new metric may not have the current breakdown: fall back to child areas. Child
    areas below the level the metric is recorded at are not offered, and say why."""
    from layouts.explore import by_options

    lang = read_state(search_state).lang
    options = by_options(metric, lang)
    allowed = [o["value"] for o in options]
    try:
        info, place = _info(metric), areas.get(area) if area else None
        below = recorded_below(info, _parts(info), place) if place else None
    except query.UnknownMetric:
        below = None
    if below:
        reason = text.t("explore12.not_recorded_below", lang, level=text.t(f"explore12.level.{below}", lang))
        options = [dict(o, disabled=True, title=reason) if o["value"] == "children" else o for o in options]
    return options, by if by in allowed else "children"


@callback(
    Output(Explore.DATES, "style"),
    Output(Explore.DATES, "start_date"),
    Output(Explore.DATES, "end_date"),
    Input(Explore.PERIOD, "value"),
    State(Explore.DATES, "start_date"),
    State(Explore.DATES, "end_date"),
)
def dates_for_period(period, start, end):
    """The date range shows for "custom", starting from the dates of the period before it."""
    if period == "custom":
        return {}, start, end
    resolved = periods.resolve(period, periods.today())
    return {"display": "none"}, resolved.start.isoformat(), resolved.end.isoformat()


@callback(
    Output(Explore.AREA, "value"),
    Input(Explore.BREAKDOWN, "clickData"),
    Input(Explore.MAP, "clickData"),
    Input(Explore.crumb(ALL), "n_clicks"),
    State(Explore.STATE, "data"),
    State(Explore.MAP_DATA, "data"),
    prevent_initial_call=True,
)
def drill(breakdown_click, map_click, _crumbs, search_state, map_data):
    """Click a child area (bar or district) to go down; click the breadcrumb to go up."""
    trigger = ctx.triggered_id
    state = read_state(search_state)
    if isinstance(trigger, dict) and trigger.get("type") == "explore-crumb":
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            raise PreventUpdate  # the breadcrumb was redrawn, not clicked
        return trigger["code"]
    if trigger == Explore.BREAKDOWN and breakdown_click and state.by == "children":
        code = clicked_code(breakdown_click)
        child = areas.get(code) if code else None
        if child is not None and child.get("parent_code") == state.area:
            return code
    if trigger == Explore.MAP and map_click:
        code = clicked_code(map_click, (map_data or {}).get("trace_codes"))
        if code and areas.get(code) is not None:
            return code
    raise PreventUpdate


def clicked_code(click: dict, trace_codes: list | None = None) -> str | None:
    """The area code a click landed on: the point's customdata, or its trace's district."""
    points = (click or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    custom = point.get("customdata")
    if isinstance(custom, list):
        custom = custom[0] if custom else None
    if isinstance(custom, str) and custom.isdigit():
        return custom
    curve = point.get("curveNumber")
    if trace_codes and isinstance(curve, int) and 0 <= curve < len(trace_codes):
        return trace_codes[curve]
    return None


@callback(
    Output(Explore.STATE, "data"),
    Output(Explore.URL, "search"),
    Input(Explore.METRIC, "value"),
    Input(Explore.AREA, "value"),
    Input(Explore.PERIOD, "value"),
    Input(Explore.DATES, "start_date"),
    Input(Explore.DATES, "end_date"),
    Input(Explore.GRAIN, "value"),
    Input(Explore.BY, "value"),
    Input(Explore.CHART, "value"),
    Input(Explore.COMPARE, "value"),
    Input(Explore.COMPARE_AS, "value"),
    Input(Explore.YOY, "value"),
    State(Explore.STATE, "data"),
)
def sync_state(metric, area, period, start, end, grain, by, chart, compare, compare_as, yoy, search_state):
    """The controls, validated, as the query string: into the store and the address bar."""
    if not area or not metric:
        raise PreventUpdate
    lang = read_state(search_state).lang
    params = {"metric": metric, "area": area, "period": period, "start": start, "end": end, "grain": grain,
              "by": by, "chart": chart, "compare": ",".join(compare or []), "lang": lang,
              "compare_as": compare_as, "yoy": "1" if yoy else "0"}
    state, _ = urlstate.parse_explore(params, metric_dimensions())
    search = urlstate.explore_query(state)
    return search, search


# Chart images: plotly's own ``downloadImage`` (the function behind its mode bar's camera),
# in the browser, from the bundle the app serves: PNG or SVG, named after chart, metric and area.
clientside_callback(
    """
    function(clicks, search) {
        const ctx = window.dash_clientside.callback_context;
        const id = ctx.triggered_id;
        if (!id || !ctx.triggered.length || !ctx.triggered[0].value) {
            return window.dash_clientside.no_update;
        }
        const graph = document.querySelector('#explore-' + id.chart + ' .js-plotly-plot');
        if (!graph || !window.Plotly) {
            return window.dash_clientside.no_update;
        }
        const q = new URLSearchParams(search || '');
        const name = ['csb', id.chart, q.get('metric'), q.get('area')].filter(Boolean).join('-');
        window.Plotly.downloadImage(graph, {format: id.format, filename: name, scale: id.format === 'png' ? 2 : 1,
                                            width: graph.offsetWidth, height: graph.offsetHeight});
        return name + '.' + id.format;
    }
    """,
    Output(Explore.IMAGE_SAVED, "data"),
    Input(Explore.image(ALL, ALL), "n_clicks"),
    State(Explore.STATE, "data"),
    prevent_initial_call=True,
)


# --------------------------------------------------------------------------- context

def _info(code: str) -> dict:
    info = query.metric_info(code)
    if info is None:
        raise query.UnknownMetric(code)
    return info


# --------------------------------------------------------------------------- the view's figures

def _parts(info: dict) -> list[dict] | None:
    """A ratio's numerator and denominator rows (its source, its level, its as-of come from them)."""
    if info.get("kind") != "ratio":
        return None
    return [_info(info["numerator"]), _info(info["denominator"])]


def source_text(info: dict, parts: list[dict] | None, lang: str) -> str:
    """The source system(s) a metric's figures come from, by name."""
    names = []
    for row in parts or [info]:
        source = coverage.source_of(row)
        if source and source not in names:
            names.append(source)
    return text.t("word.list_separator", lang).join(text.t(f"source.{s}", lang) for s in names)


def day_text(day: date, lang: str) -> str:
    return text.t("explore12.day", lang, month=text.month_name(day.month, lang, short=True), day=day.day)


@dataclass(frozen=True)
class Window:
    """What a view covers: the period asked for, the one queried and the grain drawn.

    A monthly report (catalogue grain "month") is never cut into days (DOMAIN.md, "Grain"):
    it is drawn by months at least and queried over the whole months of the window only
    (``periods.cut``); ``query`` is None when the window holds no whole month.
    """

    period: periods.Period
    query: periods.Period | None
    grain: str
    notes: tuple[str, ...] = ()


def window(state: urlstate.ExploreState, info: dict) -> Window:
    period = periods.resolve_state(state)
    if info.get("grain") != "month":
        return Window(period, period, state.grain)
    notes = []
    grain = state.grain
    if grain in ("day", "week"):
        grain = "month"
        notes.append(text.t("explore12.monthly_grain", state.lang))
    whole = periods.cut(period, period.end, "month")
    if whole is None:
        return Window(period, None, grain, (text.t("explore12.window_cuts_months", state.lang),))
    if whole != period:
        label = whole.label_en if text.is_en(state.lang) else whole.label_zh
        notes.append(text.t("explore12.whole_months", state.lang, span=label))
    if info.get("kind") == "distinct" and (whole.start.year, whole.start.month) != (whole.end.year, whole.end.month):
        notes.append(text.t("reach.one_month", state.lang))  # distinct people: no total over months (etl.reach)
    return Window(period, whole, grain, tuple(notes))


def covered_part(bucket: date, grain: str, query: periods.Period, as_of: date | None) -> tuple[date, date] | None:
    """The days of ``bucket`` the view's data covers; None when they are the whole bucket."""
    whole_end = periods.bucket_end(bucket, grain)
    first, last = max(bucket, query.start), min(whole_end, query.end)
    if as_of is not None:
        last = min(last, as_of)
    if (first, last) == (bucket, whole_end) or last < first:
        return None
    return first, last


def partial_label(span: tuple[date, date] | None, bucket: date, lang: str) -> str:
    """"至12月4日" for a bucket its data covers from its start, else the days covered; "" when whole."""
    if span is None:
        return ""
    if span[0] == bucket:
        return text.t("explore12.partial_through", lang, date=day_text(span[1], lang))
    zh, en = periods.describe(*span)
    return en if text.is_en(lang) else zh


def recorded_below(info: dict, parts: list[dict] | None, area: dict) -> str | None:
    """The level ``info`` is recorded at when ``area``'s children lie below it (no breakdown by them)."""
    child_level = areas.LEVELS[min(areas.level_rank(area["level"]) + 1, len(areas.LEVELS) - 1)]
    if area["level"] == areas.LEVELS[-1] or coverage.has_figures_at(info, child_level, parts):
        return None
    return coverage.recorded_level(info, parts)


def _is_partition(parts: list, total) -> bool:
    known = [v for v in parts if not present.is_missing(v)]
    return bool(known) and not present.is_missing(total) and abs(sum(known) - total) < 1e-6


def _records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None:
        return []
    return [{k: (None if k == "value" and present.is_missing(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


@data_cache.cached
def view_figures(search_state: str, day: str) -> dict:
    """Every figure one explorer view shows, and which of them are hidden.

    Built once for the heading, the trend, the breakdown, the map and the downloads, so
    that masking is decided over all of them together (``export.suppress``): a cell
    hidden in one table cannot be worked out from a total shown in another. ``day`` keys
    the cache (relative periods move with the day).
    """
    state = read_state(search_state)
    info = _info(state.metric)
    parts = _parts(info)
    win = window(state, info)
    area = areas.get(state.area)
    if area is None:
        raise areas.UnknownArea(state.area)
    codes = [state.area, *[c for c in state.compare if areas.get(c) is not None]] if state.compare else [state.area]
    as_of = {code: coverage.as_of(info, code, parts=parts) for code in codes}
    out = {"window": win, "as_of": as_of, "parts": parts, "head": None, "trend": [], "last_year": [], "bars": [], "cube": [],
           "map": [], "below": recorded_below(info, parts, area) if state.by == "children" else None, "marks": {},
           "carried": {}}
    q = win.query
    if q is None:
        return out
    out["head"] = query.value(state.metric, state.area, q.start, q.end)
    if state.compare:
        trend = query.compare_series(state.metric, codes, q.start, q.end, win.grain)
    else:
        trend = query.series(state.metric, state.area, q.start, q.end, win.grain).assign(
            key=state.area, label=area["name"], label_en=area.get("name_en") or area["name"])
    out["trend"] = _records(trend)
    if state.yoy and not state.compare:
        out["last_year"] = year_ago_records(state, win, as_of.get(state.area))
    if info.get("kind") == "stock":  # which buckets hold a missed report carried forward, to mark them
        out["carried"] = {code: query.carried_buckets(state.metric, code, q.start, q.end, win.grain) for code in codes}
    people = export.counts_people(info.get("unit")) and info.get("kind") != "ratio"
    if out["below"] is None:
        if state.chart == "bars" or people:
            out["bars"] = _records(query.breakdown(state.metric, state.area, q.start, q.end, by=state.by))
        if state.chart != "bars" or people:
            out["cube"] = _records(query.breakdown_series(state.metric, state.area, q.start, q.end, win.grain,
                                                          by=state.by))
    level = out["map_level"] = map_level(area)
    out["map"] = _records(query.breakdown(state.metric, level["parent"], q.start, q.end, by="children"))
    if people:
        out["marks"] = _suppression(out, state, info)
    return out


def year_ago_records(state: urlstate.ExploreState, win: Window, as_of: date | None) -> list[dict]:
    """Last year's same days (``periods.year_ago_window``) for the year-on-year overlay, each
    row with the bucket it is drawn at on this year's axis (``drawn_at``) and, for a partial
    bucket, the days it covers (the same days as this year's partial bucket)."""
    q = win.query
    then = periods.year_ago_window(q, as_of, win.grain) if q is not None else None
    if then is None:
        return []
    frame = query.series(state.metric, state.area, then.start, then.end, win.grain)
    rows = []
    for bucket, number in zip(frame["period"], frame["value"]):
        day = periods.as_date(bucket)
        drawn = periods.year_later(day, win.grain)
        if drawn is None:
            continue
        rows.append({"period": day, "drawn_at": drawn, "value": None if present.is_missing(number) else number,
                     "span": covered_part(day, win.grain, then, then.end)})
    return rows


def _suppression(out: dict, state: urlstate.ExploreState, info: dict) -> dict:
    """{cell: "<5" or "*"}: the view's cells of counts of people that are hidden.

    Cells: ``("head",)``, ``("trend", area, period)``, ``("bars", key)``, ``("cube",
    period, key)``, ``("map", district)``. Groups are the sums a reader can check: the
    heading is the sum of the trend's periods and of the breakdown's keys, each period of
    the trend the sum of that period's keys, each key the sum of its periods, and the
    districts add up to the city. A stock's periods do not add up (it is a level).
    """
    flow = info.get("kind") == "flow"
    values: dict = {("head",): out["head"]}
    groups: list[tuple] = []
    total: tuple | None
    by_area: dict[str, list] = {}
    for r in out["trend"]:
        values[("trend", r["key"], r["period"])] = r["value"]
        by_area.setdefault(r["key"], []).append(("trend", r["key"], r["period"]))
    for code, cells in by_area.items():
        if flow:
            total = ("head",) if code == state.area and _is_partition([values[c] for c in cells], out["head"]) else None
            groups.append((total, cells))
    bars = [("bars", r["key"]) for r in out["bars"]]
    for r in out["bars"]:
        values[("bars", r["key"])] = r["value"]
    if bars:
        groups.append((("head",) if _is_partition([values[c] for c in bars], out["head"]) else None, bars))
    per_period: dict = {}
    per_key: dict = {}
    for r in out["cube"]:
        cell = ("cube", r["period"], r["key"])
        values[cell] = r["value"]
        per_period.setdefault(r["period"], []).append(cell)
        per_key.setdefault(r["key"], []).append(cell)
    for period, cells in per_period.items():
        total = ("trend", state.area, period)
        groups.append((total if _is_partition([values[c] for c in cells], values.get(total)) else None, cells))
    if flow:
        for key, cells in per_key.items():
            total = ("bars", key)
            groups.append((total if _is_partition([values[c] for c in cells], values.get(total)) else None, cells))
    last_year = [("last_year", r["period"]) for r in out["last_year"]]
    for r in out["last_year"]:
        values[("last_year", r["period"])] = r["value"]
    if last_year:  # last year's buckets add up to last year's total, which no table shows
        groups.append((None, last_year))
    districts = [("map", r["key"]) for r in out["map"]]
    for r in out["map"]:
        values[("map", r["key"])] = r["value"]
    if districts:
        groups.append((None, districts))
    return export.suppress(values, groups)


@callback(
    Output(Explore.BREADCRUMB, "children"),
    Output(Explore.HEADING, "children"),
    Output(Explore.FIGURE, "children"),
    Input(Explore.STATE, "data"),
)
def render_context(search_state):
    state = read_state(search_state)
    lang = state.lang
    try:
        chain = areas.ancestors(state.area)
        info = _info(state.metric)
        view = view_figures(search_state or "", settings.local_today().isoformat())
    except (areas.UnknownArea, query.UnknownMetric):
        message = text.t("word.unknown_area", lang, area=state.area)
        return [], message, ""
    except ValueError as err:  # a view the query layer refuses: the charts say why too
        return [], str(err), ""
    win = view["window"]
    crumbs: list[html.Button | html.Span] = []
    for i, place in enumerate(chain):
        name = ui.area_name(place, lang)
        if i < len(chain) - 1:
            crumbs.append(html.Button(name, id=Explore.crumb(place["code"]), className="crumb", n_clicks=0))
            crumbs.append(html.Span("›", className="crumb-sep"))
        else:
            current: dict[str, Any] = {"aria-current": "page"}  # not a Python name: only as **
            crumbs.append(html.Span(name, className="crumb current", **current))
    label = win.period.label_en if lang == "en" else win.period.label_zh
    heading = [html.Span(ui.metric_name(info, lang)), html.Small(f"{ui.area_name(chain[-1], lang)} · {label}")]
    unknown = [code for code in state.compare if areas.get(code) is None]
    if unknown:
        areas_text = text.t("word.list_separator", lang).join(unknown)
        heading.append(html.Small(text.t("explore.compare_unknown", lang, areas=areas_text), className="heading-warning"))
    total = view["marks"].get(("head",), view["head"])
    shown = present.show(total, info, lang)
    figure = [html.Span(shown.text, className="ex-figure-value", title=shown.reason or None),
              html.Span(present.shown_unit(info, lang), className="ex-figure-unit")]
    if win.query is not None:
        figure.append(html.Span(f"{win.query.start:%Y-%m-%d} – {win.query.end:%Y-%m-%d}", className="ex-figure-dates"))
    figure.append(html.Span(provenance(info, view["parts"], view["as_of"].get(state.area), lang),
                            className="ex-figure-asof"))
    figure += [html.Span(note, className="ex-figure-note") for note in win.notes]
    return crumbs, heading, figure


def provenance(info: dict, parts: list[dict] | None, as_of: date | None, lang: str) -> str:
    """"来源：12345 热线工单 · 数据截至2026-12-04" (or that the source never reported here)."""
    source = source_text(info, parts, lang)
    if as_of is None:
        return text.t("explore12.never_delivered", lang, source=source)
    return (text.t("explore12.source", lang, source=source) + " · "
            + text.t("explore12.as_of", lang, date=as_of.isoformat()))


# --------------------------------------------------------------------------- tables

def value_header(info: dict, lang: str) -> str:
    unit = present.unit_label(info, lang)
    return text.t("explore.value_in", lang, unit=unit) if unit else text.t("explore.value", lang)


def figure_table(frame: pd.DataFrame, info: dict, lang: str, *, marks: list | None = None,
                 partial: list[str] | None = None, key_header: str | None = None,
                 held: list[str] | None = None) -> dict:
    """A query frame as the stored table: labelled columns, display values, hidden cells marked.

    ``frame`` has ``value`` and any of ``period``, ``key``, ``label``, ``label_en``;
    ``marks`` gives each row's mask ("<5", "*", or None: shown), decided for the whole
    view by ``export.suppress``; ``partial`` each row's partial-period label ("" when
    whole), which adds a completeness column; ``held`` each row's other mark for that column
    ("含结转", "未报送": ``trend_marks``); ``key_header`` names the key column (area codes
    unless told otherwise).
    """
    out = pd.DataFrame(index=frame.index)
    columns = []
    if "period" in frame:
        out["period"] = [p.isoformat() if hasattr(p, "isoformat") else str(p) for p in frame["period"]]
        columns.append({"field": "period", "headerName": text.t("explore.period", lang)})
    if "key" in frame:
        out["code"] = frame["key"].astype(str)
        columns.append({"field": "code", "headerName": key_header or text.t("explore.code", lang)})
    if "label" in frame:
        out["label"] = frame["label_en"] if lang == "en" and "label_en" in frame else frame["label"]
        columns.append({"field": "label", "headerName": text.t("explore.name", lang)})
    values = [present.display_value(v, info) for v in frame["value"].tolist()]
    out["value"] = pd.Series([m if m else v for v, m in zip(values, marks or [None] * len(values))],
                             index=frame.index, dtype=object)
    columns.append({"field": "value", "headerName": value_header(info, lang)})
    if partial is not None:
        held = held or [""] * len(partial)
        out["partial"] = [" · ".join(w for w in (text.t("explore12.partial_row", lang, span=p) if p else "", h) if w)
                          for p, h in zip(partial, held)]
        columns.append({"field": "partial", "headerName": text.t("explore12.partial_column", lang)})
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in out.to_dict("records")]
    return {"columns": columns, "rows": rows}


def table_frame(table: dict | None) -> pd.DataFrame:
    """A stored table as a DataFrame with its readable headers (what a download holds)."""
    if not table or not table.get("columns"):
        return pd.DataFrame()
    fields = [c["field"] for c in table["columns"]]
    frame = pd.DataFrame(table["rows"], columns=fields)
    return frame.rename(columns={c["field"]: c["headerName"] for c in table["columns"]})


def plotted(value):
    """What a chart draws for a cell: hidden cells ("<5", "*") and missing ones are not drawn."""
    return None if isinstance(value, str) or value is None else value


def hover_text(value, info: dict, lang: str) -> str:
    """A table cell (display units, or a hidden "<5") with its unit, for a tooltip; "—" says why."""
    shown = present.show(value, info, lang, scaled=True)
    if shown.n is None and not isinstance(value, str):
        return text.t("explore12.no_value_reason", lang, dash=shown.text, reason=shown.reason)
    return shown.with_unit


def bar_label(value, info: dict) -> str:
    """The figure written after a bar: short, the unit is on the axis; "—" for no figure."""
    if isinstance(value, str):
        return value
    return present.show(value, info, scaled=True).text


def _layout(fig: go.Figure, *, height: int, info: dict, legend: bool = True, margin_left: int = 56) -> go.Figure:
    fig.update_layout(
        height=height, font=FONT, paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=margin_left, r=16, t=16, b=40), hoverlabel=dict(font=FONT),
        showlegend=legend, legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, font=dict(size=12)),
        separators=".,",
    )
    fig.update_xaxes(gridcolor="#eef1f4", linecolor="#cfd6de")
    fig.update_yaxes(gridcolor="#eef1f4", linecolor="#cfd6de", rangemode="tozero",
                     ticksuffix=present.percent_sign(info))
    return fig


def empty_figure(message: str, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=15, color="#5f6b7a"), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_layout(height=height, font=FONT, paper_bgcolor="white", plot_bgcolor="white",
                      xaxis=dict(visible=False), yaxis=dict(visible=False), margin=dict(l=10, r=10, t=10, b=10))
    return fig


# --------------------------------------------------------------------------- trend

def cached_view(fn: Callable[[str], tuple]) -> Callable[[str | None], tuple]:
    """A view callback (URL state -> figure, table, ...) built once per URL state, day
    (relative periods) and data version, through the app's cache; figures as plain dicts,
    what the browser gets anyway and cheap to cache and copy."""

    @functools.wraps(fn)  # the cache key names the view
    def plain(search_state: str, day: str) -> tuple:
        return tuple(part.to_plotly_json() if isinstance(part, go.Figure) else part for part in fn(search_state))

    shared = data_cache.cached(plain)

    @functools.wraps(fn)
    def view(search_state: str | None) -> tuple:
        return shared(search_state or "", settings.local_today().isoformat())

    return view


def _partial_segments(xs: list, ys: list, partial: list[str]) -> tuple[list, list]:
    """The dashed pieces of a line: each partial point joined to its drawn neighbours."""
    px: list = []
    py: list = []
    for i, label in enumerate(partial):
        if not label or ys[i] is None:
            continue
        for j in (i - 1, i, i + 1):
            if 0 <= j < len(xs):
                px.append(xs[j])
                py.append(ys[j])
        px.append(None)
        py.append(None)
    return px, py


def trend_marks(records: list[dict], carried: dict, as_of: dict) -> tuple[list[bool], list[bool]]:
    """Which trend rows hold a stock's carried-forward report (``carried``: {area: buckets},
    ``query.carried_buckets``) and which are not yet reported (no figure, the bucket after the
    source's ``as_of`` there, once the area had figures): two marks besides partial ones."""
    held = [r["value"] is not None and r["period"] in carried.get(r["key"], ()) for r in records]
    seen: set = set()
    late = []
    for r in records:
        through = as_of.get(r["key"])
        late.append(r["value"] is None and through is not None and r["period"] > through and r["key"] in seen)
        if r["value"] is not None:
            seen.add(r["key"])
    return held, late


def trend_figure(table: dict, info: dict, lang: str, compare: bool, message: str | None = None,
                 partial: list[str] | None = None, carried: list[bool] | None = None,
                 late: list[bool] | None = None, grain: str = "month") -> go.Figure:
    """One line per area; a period its data does not cover in full is dashed, hollow and
    labelled ("至12月4日"); a missing period is a gap, never a fall to zero. A point holding
    carried-forward reports (``carried``) is a hollow square ("含结转" on hover); a period not yet
    reported (``late``) is a grey band labelled "未报送", not a fall."""
    rows = table["rows"]
    if not rows or all(plotted(r["value"]) is None and not isinstance(r["value"], str) for r in rows):
        return empty_figure(message or text.t("explore.no_data_for_this_period", lang))
    fig = go.Figure()
    groups: dict[str, list[tuple[dict, str]]] = {}
    for row, label in zip(rows, partial or [""] * len(rows)):
        groups.setdefault(present.plot_text(row.get("label") or ""), []).append((row, label))
    held_at = {(present.plot_text(r.get("label") or ""), r["period"]) for r, c in zip(rows, carried or [False] * len(rows)) if c}
    late_at = sorted({r["period"] for r, gap in zip(rows, late or [False] * len(rows)) if gap})
    for i, (name, pairs) in enumerate(groups.items()):
        color = PALETTE[i % len(PALETTE)]
        items = [r for r, _ in pairs]
        partials = [p for _, p in pairs]
        xs = [r["period"] for r in items]
        ys = [plotted(r["value"]) for r in items]
        solid = [None if p else y for y, p in zip(ys, partials)]
        hover = [hover_text(r["value"], info, lang) + (f" · {p}" if p else "") for r, p in zip(items, partials)]
        fig.add_trace(go.Scatter(
            x=xs, y=solid, name=name, mode="lines+markers",
            line=dict(color=color, width=3 if i == 0 else 2), marker=dict(size=5), text=hover,
            customdata=[r.get("code") for r in items],
            hovertemplate="%{x}<br>" + (f"{name}: " if compare else "") + "%{text}<extra></extra>",
        ))
        squares = [k for k, x in enumerate(xs) if (name, x) in held_at and ys[k] is not None]
        if squares:
            word = text.t("explore12.carried_point", lang)
            fig.add_trace(go.Scatter(
                x=[xs[k] for k in squares], y=[ys[k] for k in squares], mode="markers", showlegend=False,
                marker=dict(size=10, symbol="square-open", color=color, line=dict(width=2)), name=name,
                hovertext=[f"{hover[k]} · {word}" for k in squares],
                hovertemplate="%{x}<br>" + (f"{name}: " if compare else "") + "%{hovertext}<extra></extra>",
            ))
        px, py = _partial_segments(xs, ys, partials)
        if px:
            fig.add_trace(go.Scatter(
                x=px, y=py, mode="lines", line=dict(color=color, width=2, dash="dot"), hoverinfo="skip",
                showlegend=False, name=name,
            ))
            points = [k for k, p in enumerate(partials) if p and ys[k] is not None]
            fig.add_trace(go.Scatter(
                x=[xs[k] for k in points], y=[ys[k] for k in points], mode="markers+text", showlegend=False,
                marker=dict(size=8, color="white", line=dict(color=color, width=2)), name=name,
                text=[partials[k] for k in points], textposition="top center",
                textfont=dict(size=11, color="#5f6b7a"), hovertext=[hover[k] for k in points],
                hovertemplate="%{x}<br>" + (f"{name}: " if compare else "") + "%{hovertext}<extra></extra>",
                cliponaxis=False,
            ))
    for first in late_at:
        day = periods.as_date(first)
        fig.add_vrect(x0=day, x1=periods.bucket_end(day, grain), fillcolor="#8a94a3", opacity=0.15, line_width=0,
                      annotation_text=text.t("explore12.late_bucket", lang), annotation_position="top left",
                      annotation_font=dict(size=11, color="#5f6b7a"))
    target = info.get("target")
    if target is not None and not ui.is_missing(target):
        # "目标（街道设定）": the target in force, and who set it when an area did
        source = targets.source_words(info, lang) if info.get("target_source") != targets.CATALOGUE else ""
        fig.add_hline(y=present.scale(target, info), line=dict(color="#5f6b7a", dash="dash", width=1),
                      annotation_text=text.t("target.with_source", lang, target=text.t("word.target", lang),
                                             source=source) if source else text.t("word.target", lang),
                      annotation_position="top left")
    return _layout(fig, height=260, info=info, legend=compare)


def _view(search_state: str) -> tuple[urlstate.ExploreState, dict, dict]:
    state = read_state(search_state)
    info = _info(state.metric)
    return state, info, view_figures(search_state or "", settings.local_today().isoformat())


def _no_window_message(state: urlstate.ExploreState, view: dict) -> str:
    return " ".join(view["window"].notes) or text.t("explore.no_data_for_this_period", state.lang)


# The charts are drawn at the page's scale in the browser, from the figures the callbacks store.
at_page_scale(CHARTS)


def view_chart(*outputs: Output, rest: tuple = (None,)) -> Callable[[Callable[..., tuple]], Callable[[str | None], tuple]]:
    """A chart of the view: ``draw(state, info, view)`` as a callback of ``Explore.STATE``, built
    once per state (``cached_view``) from the view's figures read once (``_view``). A view that
    cannot be read (an unknown area or metric, a value out of range) draws an empty figure
    saying why, and ``rest`` for the other outputs."""

    def register(draw: Callable[..., tuple]) -> Callable[[str | None], tuple]:
        def from_state(search_state: str) -> tuple:
            try:
                state, info, view = _view(search_state)
            except (areas.UnknownArea, query.UnknownMetric, ValueError) as err:
                return (empty_figure(str(err)), *rest)
            return draw(state, info, view)

        # named as the chart (the cache key names the view), called as before: with the URL state
        from_state.__name__, from_state.__qualname__, from_state.__doc__ = draw.__name__, draw.__qualname__, draw.__doc__
        shown = cached_view(from_state)
        callback(*outputs, Input(Explore.STATE, "data"))(shown)
        return shown

    return register


@view_chart(Output(Explore.TREND_UNSCALED, "data"), Output(Explore.TREND_DATA, "data"))
def render_trend(state: urlstate.ExploreState, info: dict, view: dict) -> tuple:
    """The trend and its table; the table's ``note`` says what the chart compares."""
    win = view["window"]
    if win.query is None:
        return empty_figure(_no_window_message(state, view)), None
    info = targets.applied(info, state.area, win.query.end.year)  # its target line: the one in force there
    records = view["trend"]
    frame = pd.DataFrame(records, columns=["period", "key", "label", "label_en", "value"])
    marks = [view["marks"].get(("trend", r["key"], r["period"])) for r in records]
    partial = [partial_label(covered_part(r["period"], win.grain, win.query, view["as_of"].get(r["key"]))
                             if r["value"] is not None else None, r["period"], state.lang) for r in records]
    carried, late = trend_marks(records, view["carried"], view["as_of"])
    held = [text.t("explore12.carried_point", state.lang) if c else text.t("explore12.late_bucket", state.lang)
            if gap else "" for c, gap in zip(carried, late)]
    table = figure_table(frame, info, state.lang, marks=marks, partial=partial, held=held)
    message = None
    if all(view["as_of"].get(code) is None for code in view["as_of"]):
        message = provenance(info, view["parts"], None, state.lang)
    notes: list[str] = []
    if state.compare and state.compare_as == "index":
        fig, note = indexed_trend(table, partial, info, state, win.grain, carried, late)
        notes.append(note)
    elif state.compare and state.compare_as == "multiples":
        fig = multiples_trend(table, partial, info, state.lang, win.grain)
    else:
        fig = trend_figure(table, info, state.lang, bool(state.compare), message, partial, carried, late,
                           win.grain)
    if state.yoy and state.compare:
        notes.append(text.t("explore18.yoy_not_with_compare", state.lang))
    elif state.yoy:
        notes.append(add_last_year(fig, table, view["last_year"], view["marks"], info, state.lang, win.grain))
    fig = usual_band(fig, table, state, info, win)
    panels = "xaxis2" in fig.layout.to_plotly_json()  # small multiples: narrow panels, fewer ticks
    date_axis(fig, [r["period"] for r in table["rows"]], win.grain, state.lang, 5 if panels else 8)
    table["note"] = " ".join(n for n in notes if n)
    return fig, table


UNUSUAL_COLOUR = "#6a3fb5"  # the overview's "高于常态" purple (assets/pages.css)


def usual_band(fig: go.Figure, table: dict, state: urlstate.ExploreState, info: dict, win: Window) -> go.Figure:
    """The trend's usual range (``data.unusual``) as a shaded band under the line, and each month
    outside it ringed ("高于常态 · 常态 41–148 件" on hover). One area by months only: a range is a
    month's, and a comparison of areas would draw one band per line. A month without a range
    (partial, not reported, too little history) has no band, and a hidden cell ("<5") no ring."""
    if state.compare or win.grain != "month" or win.query is None or not unusual.judged_kind(info) \
            or not fig.data:
        return fig
    lang = state.lang
    ranges = [r for r in unusual.usual_ranges(state.metric, state.area, win.query.start, win.query.end)
              if r.low is not None and r.high is not None]
    if not ranges:
        return fig
    shown = {str(row["period"])[:10]: row["value"] for row in table["rows"]}
    runs: list[list[unusual.Usual]] = []
    for r in ranges:  # contiguous months make one band each
        if runs and periods.add_months(runs[-1][-1].month, 1) == r.month:
            runs[-1].append(r)
        else:
            runs.append([r])
    band = []
    for i, run in enumerate(runs):
        xs = [r.month.isoformat() for r in run]
        highs = [present.scale(r.high, info) for r in run]
        lows = [present.scale(r.low, info) for r in run]
        if len(run) == 1:  # a lone month: a short bar across it
            xs, highs, lows = [xs[0]] * 2, highs * 2, lows * 2
        band.append(go.Scatter(
            x=xs + xs[::-1], y=highs + lows[::-1], fill="toself", mode="lines", line=dict(width=0),
            fillcolor="rgba(106, 63, 181, 0.16)", name=text.t("unusual.band", lang), legendgroup="usual",
            showlegend=i == 0, hoverinfo="skip"))
    outside = [r for r in ranges if r.flagged and not isinstance(shown.get(r.month.isoformat()), str)
               and shown.get(r.month.isoformat()) is not None]
    if outside:
        band.append(go.Scatter(
            x=[r.month.isoformat() for r in outside], y=[shown[r.month.isoformat()] for r in outside],
            mode="markers", name=text.t("unusual.outside", lang),
            marker=dict(size=15, symbol="circle-open", color=UNUSUAL_COLOUR, line=dict(width=3)),
            hovertext=[text.t(f"unusual.{r.state}", lang) + " · " + text.t(
                "unusual.range", lang, low=present.show(r.low, info, lang).text,
                high=present.show(r.high, info, lang).with_unit) for r in outside],
            hovertemplate="%{x}<br>%{hovertext}<extra></extra>"))
    line = list(fig.data)
    for trace in band:
        fig.add_trace(trace)
    fig.data = tuple(fig.data[len(line):len(line) + len(band) - (1 if outside else 0)]) + tuple(fig.data[:len(line)]) \
        + (tuple(fig.data[-1:]) if outside else ())
    fig.update_layout(showlegend=True)
    return fig


@callback(
    Output(Explore.TREND_NOTE, "children"),
    Input(Explore.TREND_DATA, "data"),
)
def render_trend_note(table):
    return (table or {}).get("note", "")


# --------------------------------------------------------------------------- comparisons (issue 18)

INDEX_INFO = {"code": "index", "unit": None, "unit_en": None, "kind": "ratio", "target": None}  # an index has no unit


def date_axis(fig: go.Figure, buckets: list, grain: str, lang: str, most: int = 8) -> None:
    """The date axis's ticks on the buckets' first days, never repeated (``present.date_ticks``)."""
    values, labels = present.date_ticks(buckets, grain, lang, most)
    if values:
        fig.update_xaxes(tickmode="array", tickvals=values, ticktext=labels)


def _by_area(table: dict, partial: list[str]) -> dict[str, list[tuple[dict, str]]]:
    groups: dict[str, list[tuple[dict, str]]] = {}
    for row, label in zip(table["rows"], partial or [""] * len(table["rows"])):
        groups.setdefault(row["code"], []).append((row, label))
    return groups


def indexed_trend(table: dict, partial: list[str], info: dict, state: urlstate.ExploreState, grain: str,
                  carried: list[bool], late: list[bool]) -> tuple[go.Figure, str]:
    """Compared areas as indexed lines: each area's figure over its figure in the base period,
    × 100 (``comparison.index_base``: the first period whole and shown for every area). Adds
    the index to the trend's table; says when the base is not the first period, and why."""
    lang = state.lang
    groups = _by_area(table, partial)
    base = comparison.index_base({k: [r["value"] for r, _ in rows] for k, rows in groups.items()},
                                 {k: [bool(p) for _, p in rows] for k, rows in groups.items()})
    if base.at is None:
        note = text.t("explore18.no_index_base", lang)
        return multiples_trend(table, partial, info, lang, grain), note
    first = next(iter(groups.values()))
    base_day = periods.as_date(first[base.at][0]["period"])
    base_text = present.date_ticks([base_day], grain, lang)[1][0]
    index_of: dict[tuple[str, str], float | None] = {}
    for key, rows in groups.items():
        numbers = comparison.indexed([r["value"] for r, _ in rows], base.at, [bool(p) for _, p in rows])
        for (row, _), number in zip(rows, numbers):
            index_of[(key, row["period"])] = number
    header = text.t("explore18.index_column", lang, base=base_text)
    table["columns"].insert(len(table["columns"]) - 1, {"field": "index", "headerName": header})
    for row in table["rows"]:
        row["index"] = index_of.get((row["code"], row["period"]))
    shown = {"columns": table["columns"], "rows": [dict(r, value=r["index"]) for r in table["rows"]]}
    fig = trend_figure(shown, INDEX_INFO, lang, True, None, partial, carried, late, grain)
    fig.add_hline(y=100, line=dict(color="#5f6b7a", width=1, dash="dot"))
    fig.update_yaxes(rangemode="normal", ticksuffix="",
                     title=dict(text=text.t("explore18.index_axis", lang, base=base_text), font=dict(size=12)))
    notes = []
    if base.at != 0:
        first_text = present.date_ticks([periods.as_date(first[0][0]["period"])], grain, lang)[1][0]
        why = text.t(f"explore18.index_why_{base.first_unfit or 'missing'}", lang)
        notes.append(text.t("explore18.index_base_moved", lang, base=base_text, first=first_text, why=why))
    unindexed = sorted({present.date_ticks([periods.as_date(r["period"])], grain, lang)[1][0]
                        for rows in groups.values() for r, p in rows if p and not present.is_missing(r["value"])})
    if unindexed:
        notes.append(text.t("explore18.index_partial", lang,
                            periods=text.t("word.list_separator", lang).join(unindexed)))
    return fig, " ".join(notes)


def multiples_trend(table: dict, partial: list[str], info: dict, lang: str, grain: str) -> go.Figure:
    """Compared areas as small multiples, one panel and one y axis each: a community's 150
    is not flattened by its street's 3,500. A partial period is a hollow point."""
    groups = _by_area(table, partial)
    if not groups:
        return empty_figure(text.t("explore.no_data_for_this_period", lang))
    cols = 2 if len(groups) > 1 else 1
    nrows = math.ceil(len(groups) / cols)
    titles = [present.plot_text(rows[0][0].get("label") or key) for key, rows in groups.items()]
    fig = make_subplots(rows=nrows, cols=cols, shared_xaxes=True, shared_yaxes=False, subplot_titles=titles,
                        vertical_spacing=0.22 if nrows > 1 else 0.2, horizontal_spacing=0.1)
    for i, (key, rows) in enumerate(groups.items()):
        color = PALETTE[i % len(PALETTE)]
        xs = [r["period"] for r, _ in rows]
        ys = [plotted(r["value"]) for r, _ in rows]
        labels = [p for _, p in rows]
        place = dict(row=i // cols + 1, col=i % cols + 1)
        fig.add_trace(go.Scatter(  # whole periods solid; a partial one hollow, reached by a dotted line
            x=xs, y=[None if p else y for y, p in zip(ys, labels)], mode="lines+markers", name=titles[i],
            line=dict(color=color, width=2), marker=dict(size=5, color=color), customdata=[key] * len(rows),
            text=[hover_text(r["value"], info, lang) for r, _ in rows],
            hovertemplate=f"{titles[i]}<br>%{{x}}: %{{text}}<extra></extra>",
        ), **place)
        px, py = _partial_segments(xs, ys, labels)
        if px:
            fig.add_trace(go.Scatter(x=px, y=py, mode="lines", line=dict(color=color, width=2, dash="dot"),
                                     hoverinfo="skip", showlegend=False, name=titles[i]), **place)
            points = [k for k, p in enumerate(labels) if p and ys[k] is not None]
            fig.add_trace(go.Scatter(
                x=[xs[k] for k in points], y=[ys[k] for k in points], mode="markers", showlegend=False,
                marker=dict(size=8, color="white", line=dict(color=color, width=2)), name=titles[i],
                hovertext=[hover_text(rows[k][0]["value"], info, lang) + f" · {labels[k]}" for k in points],
                hovertemplate=f"{titles[i]}<br>%{{x}}: %{{hovertext}}<extra></extra>",
            ), **place)
    fig = _layout(fig, height=max(260, 210 * nrows + 40), info=info, legend=False)
    fig.update_layout(margin=dict(t=36))
    fig.update_xaxes(showticklabels=True)  # every panel names its dates, the last row's neighbours too
    fig.update_annotations(font=dict(size=12))
    return fig


def add_last_year(fig: go.Figure, table: dict, last_year: list[dict], marks: dict, info: dict, lang: str,
                  grain: str) -> str:
    """Last year's same days over this year's line (dashed, grey), each bucket drawn at this
    year's bucket (``drawn_at``); a partial bucket holds the same days as this year's. Adds the
    figures to the trend's table (``last_year``) and returns the note that says what is drawn."""
    if not last_year:
        return text.t("explore18.yoy_no_data", lang)
    shown = [marks.get(("last_year", r["period"]), present.display_value(r["value"], info)) for r in last_year]
    spans = [partial_label(r["span"], r["period"], lang) for r in last_year]
    name = text.t("explore18.last_year", lang)
    hover = [f"{present.date_ticks([r['period']], grain, lang)[1][0]}" + (f"（{p}）" if p and not text.is_en(lang)
             else f" ({p})" if p else "") + ": " + hover_text(v, info, lang) for r, v, p in zip(last_year, shown, spans)]
    fig.add_trace(go.Scatter(
        x=[r["drawn_at"] for r in last_year], y=[plotted(v) for v in shown], name=name, mode="lines+markers",
        line=dict(color="#8a94a3", width=2, dash="dash"), marker=dict(size=5, symbol="diamond"),
        hovertext=hover, hovertemplate=f"{name} %{{hovertext}}<extra></extra>", connectgaps=False,
    ))
    fig.update_layout(showlegend=True)
    by_day = {r["drawn_at"].isoformat(): v for r, v in zip(last_year, shown)}
    table["columns"].insert(len(table["columns"]) - 1,
                            {"field": "last_year", "headerName": text.t("explore18.last_year_column", lang)})
    for row in table["rows"]:
        row["last_year"] = by_day.get(str(row["period"])[:10])
    first, last = last_year[0], last_year[-1]
    end = (last["span"] or (last["period"], periods.bucket_end(last["period"], grain)))[1]
    zh, en = periods.describe(first["period"], end)
    return text.t("explore18.yoy_note", lang, span=en if text.is_en(lang) else zh)


# --------------------------------------------------------------------------- breakdown

def _top_keys(rows: list[dict], limit: int = MAX_KEYS) -> list[str]:
    seen: list[str] = []
    for row in rows:
        if row["code"] not in seen:
            seen.append(row["code"])
    return seen[:limit]


def breakdown_figure(table: dict, info: dict, state: urlstate.ExploreState, partial: list[str] | None = None,
                     grain: str | None = None) -> go.Figure:
    lang = state.lang
    rows = table["rows"]
    if not rows:
        message = (text.t("explore.this_area_has_no_lower_level", lang) if state.by == "children"
                   else text.t("explore.no_breakdown_for_this_period", lang))
        return empty_figure(message)
    clickable = state.by == "children"
    partial = partial or [""] * len(rows)
    if state.chart == "bars":
        ordered = list(reversed(rows))  # largest at the top of a horizontal bar chart
        fig = go.Figure(go.Bar(
            y=[present.plot_text(r["label"]) for r in ordered], x=[plotted(r["value"]) for r in ordered], orientation="h",
            marker=dict(color="#c8161d"), customdata=[r["code"] for r in ordered],
            text=[bar_label(r["value"], info) for r in ordered], textposition="outside",
            hovertext=[hover_text(r["value"], info, lang) for r in ordered],
            cliponaxis=False, hovertemplate="%{y}: %{hovertext}<extra></extra>",
        ))
        undrawn = [r for r in ordered if plotted(r["value"]) is None]
        if undrawn:  # no bar for a hidden or missing figure, but its "<5", "*" or "—" is written
            fig.add_trace(go.Scatter(
                x=[0] * len(undrawn), y=[present.plot_text(r["label"]) for r in undrawn], mode="text",
                textposition="middle right",
                text=[bar_label(r["value"], info) for r in undrawn], textfont=dict(color="#5f6b7a"),
                hovertext=[hover_text(r["value"], info, lang) for r in undrawn], customdata=[r["code"] for r in undrawn],
                hovertemplate="%{y}: %{hovertext}<extra></extra>", showlegend=False, cliponaxis=False,
            ))
        height = max(300, min(900, 28 * len(rows) + 80))
        fig = _layout(fig, height=height, info=info, legend=False, margin_left=120)
        fig.update_layout(margin=dict(r=90))  # room for the value written after each bar
        fig.update_yaxes(rangemode=None, ticksuffix="", automargin=True)
        fig.update_xaxes(rangemode="tozero", ticksuffix=present.percent_sign(info),
                         title=dict(text=present.shown_unit(info, lang), font=dict(size=12)))
    else:
        keys = _top_keys(rows)
        by_key: dict[str, list[tuple[dict, str]]] = {
            k: [(r, p) for r, p in zip(rows, partial) if r["code"] == k] for k in keys}
        ratio = info.get("kind") == "ratio"
        if state.chart == "stacked":
            fig = go.Figure()
            for i, key in enumerate(keys):
                items = [r for r, _ in by_key[key]]
                labels = [p for _, p in by_key[key]]
                hover = [hover_text(r["value"], info, lang) + (f" · {p}" if p else "") for r, p in by_key[key]]
                label = present.plot_text(items[0]["label"])
                trace = dict(x=[r["period"] for r in items], y=[plotted(r["value"]) for r in items],
                             name=label, customdata=[key] * len(items), text=hover,
                             hovertemplate=f"{label}<br>%{{x}}: %{{text}}<extra></extra>")
                color = PALETTE[i % len(PALETTE)]
                if ratio:  # shares do not stack: one line per key instead
                    fig.add_trace(go.Scatter(mode="lines+markers", line=dict(color=color),
                                             marker=dict(symbol=["circle-open" if p else "circle" for p in labels]),
                                             **trace))
                else:  # a partial period's bar pale and hatched: not a fall, a period still running
                    fig.add_trace(go.Bar(marker=dict(color=color, opacity=[0.45 if p else 1 for p in labels],
                                                     pattern=dict(shape=["/" if p else "" for p in labels])),
                                         textposition="none", **trace))
            fig.update_layout(barmode="stack")
            fig = _layout(fig, height=380, info=info)
        else:
            cols = 3 if len(keys) > 4 else 2 if len(keys) > 1 else 1
            nrows = math.ceil(len(keys) / cols)
            titles = [present.plot_text(by_key[k][0][0]["label"]) for k in keys]
            fig = make_subplots(rows=nrows, cols=cols, shared_xaxes=True, shared_yaxes=True, subplot_titles=titles,
                                vertical_spacing=0.12 if nrows > 1 else 0.2, horizontal_spacing=0.04)
            for i, key in enumerate(keys):
                items = [r for r, _ in by_key[key]]
                labels = [p for _, p in by_key[key]]
                fig.add_trace(go.Scatter(
                    x=[r["period"] for r in items], y=[plotted(r["value"]) for r in items], mode="lines+markers",
                    name=titles[i], line=dict(color=PALETTE[0], width=2),
                    marker=dict(size=[7 if p else 4 for p in labels],
                                symbol=["circle-open" if p else "circle" for p in labels]),
                    customdata=[key] * len(items),
                    text=[hover_text(r["value"], info, lang) + (f" · {p}" if p else "") for r, p in by_key[key]],
                    hovertemplate=f"{titles[i]}<br>%{{x}}: %{{text}}<extra></extra>",
                ), row=i // cols + 1, col=i % cols + 1)
            fig = _layout(fig, height=max(300, 170 * nrows + 40), info=info, legend=False)
            fig.update_annotations(font=dict(size=12))
        date_axis(fig, [r["period"] for r in rows], grain or state.grain, lang)
    if clickable:
        fig.update_layout(hovermode="closest", clickmode="event")
    return fig


@view_chart(Output(Explore.BREAKDOWN_UNSCALED, "data"), Output(Explore.BREAKDOWN_DATA, "data"),
            Output(Explore.MASK_NOTE, "children"), rest=(None, ""))
def render_breakdown(state: urlstate.ExploreState, info: dict, view: dict) -> tuple:
    lang = state.lang
    win = view["window"]
    if win.query is None:
        return empty_figure(_no_window_message(state, view)), None, ""
    if view["below"]:
        level = text.t(f"explore12.level.{view['below']}", lang)
        message = text.t("explore12.not_recorded_below", lang, level=level)
        return empty_figure(message), None, message
    key_header = None if state.by == "children" else text.pick(DIMENSION_LABELS.get(state.by, (state.by, state.by)), lang)
    partial = None
    if state.chart == "bars":
        records = view["bars"]
        frame = pd.DataFrame(records, columns=["key", "label", "label_en", "value"])
        marks = [view["marks"].get(("bars", r["key"])) for r in records]
    else:
        records = view["cube"]
        frame = pd.DataFrame(records, columns=["period", "key", "label", "label_en", "value"])
        marks = [view["marks"].get(("cube", r["period"], r["key"])) for r in records]
        as_of = view["as_of"].get(state.area)
        partial = [partial_label(covered_part(r["period"], win.grain, win.query, as_of)
                                 if r["value"] is not None else None, r["period"], lang) for r in records]
    table = figure_table(frame, info, lang, marks=marks, partial=partial, key_header=key_header)
    notes = []
    if any(m for m in marks):
        notes.append(ui.masked_note(lang))
    if any(m == export.SUPPRESSED for m in view["marks"].values()):
        notes.append(text.t("explore12.suppressed_note", lang, n=export.SMALL_COUNT_THRESHOLD))
    if partial and any(partial):
        span = next(p for p in reversed(partial) if p)
        notes.append(text.t("explore12.partial_note", lang, span=span))
    if state.by == "children" and table["rows"]:
        notes.append(text.t("explore.click_a_bar_to_drill_down", lang))
    return breakdown_figure(table, info, state, partial, win.grain), table, " ".join(notes)


# --------------------------------------------------------------------------- map

def map_figure(table: dict, info: dict, current_area: str, lang: str) -> tuple[go.Figure, list[str]]:
    """Chengdu's districts as filled outlines coloured by the metric: no tiles, no requests.

    Returns the figure and the district code of each trace, for clicks on a fill.
    """
    values = {r["code"]: r for r in table["rows"]}
    numbers = [plotted(r["value"]) for r in table["rows"] if plotted(r["value"]) is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0, 1)
    span = (high - low) or 1
    current_district = current_area[:6] + "000000"
    fig = go.Figure()
    codes = []
    names_en = {a["code"]: a for a in areas.children(CITY)}
    for outline in district_outlines():
        row = values.get(outline["code"])
        number = plotted(row["value"]) if row else None
        color = NO_DATA_FILL if number is None else sample_colorscale(MAP_SCALE, [(number - low) / span])[0]
        place = names_en.get(outline["code"], {})
        name = present.plot_text((place.get("name_en") if lang == "en" else place.get("name")) or outline["name"])
        shown = hover_text(row["value"], info, lang) if row else text.t("explore.no_data", lang)
        selected = outline["code"] == current_district
        fig.add_trace(go.Scatter(
            x=outline["x"], y=outline["y"], fill="toself", fillcolor=color, mode="lines",
            line=dict(color="#1f2933" if selected else "#ffffff", width=2.5 if selected else 1),
            hoveron="fills", hoverinfo="text", text=f"{name}: {shown}", name=name, showlegend=False,
        ))
        codes.append(outline["code"])
    if numbers:
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
            marker=dict(colorscale=MAP_SCALE, cmin=low, cmax=high if high != low else low + 1,
                        color=[low], showscale=True,
                        colorbar=dict(thickness=12, len=0.8, outlinewidth=0,
                                      ticksuffix=present.percent_sign(info))),
        ))
    fig.update_layout(height=420, font=FONT, paper_bgcolor="white", plot_bgcolor="white",
                      margin=dict(l=4, r=4, t=4, b=4), hovermode="closest", clickmode="event", dragmode="pan",
                      hoverlabel=dict(font=FONT))
    # One degree of longitude is cos(latitude) of one of latitude: keep Chengdu's shape.
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(30.6)))
    return fig, codes


def map_level(area: dict) -> dict:
    """What the map draws for ``area``: the city's districts (``parent`` the city), or the
    places below a district or a street as points, or, for a community or grid cell, the
    communities of its street with its own (``own``) ringed. ``parent`` is whose children."""
    level = area["level"]
    if level == "city":
        return {"kind": "districts", "parent": area["code"], "own": None}
    if level in ("district", "street"):
        return {"kind": "places", "parent": area["code"], "own": None}
    community = area if level == "community" else (areas.get(area.get("parent_code") or "") or area)
    return {"kind": "places", "parent": community.get("parent_code") or community["code"], "own": community["code"]}


MAP_DOT = (9, 30)  # px: the smallest and largest dot of a places map (area by the figure)
MAP_MIN_SPAN = 0.04  # degrees: a places map never frames less, so the district around it shows


def places_figure(table: dict, info: dict, level: dict, lang: str) -> tuple[go.Figure, list[str]]:
    """A district's streets or a street's communities as dots over the district's outline
    (schematic, no tiles): each dot sized and coloured by the figure, a ring where there is
    none (never a 0), the current community ringed in black; a click on a dot drills down
    (its customdata is the area's code). Returns the figure and the names left undrawn
    (places with no coordinates)."""
    values = {r["code"]: r for r in table["rows"]}
    places = areas.children(level["parent"])
    numbers = [plotted(r["value"]) for r in table["rows"] if plotted(r["value"]) is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0, 1)
    district = district_of(level["parent"])
    fig = go.Figure()
    for outline in district_outlines():
        own = outline["code"] == district
        fig.add_trace(go.Scatter(
            x=outline["x"], y=outline["y"], mode="lines", hoverinfo="skip", showlegend=False,
            fill="toself" if own else None, fillcolor="rgba(200, 22, 29, 0.04)" if own else None,
            line=dict(color="#8a94a3" if own else "#dde3ea", width=2 if own else 1),
        ))
    placed = [p for p in places if p.get("lon") is not None and p.get("lat") is not None]
    unplaced = [ui.area_name(p, lang) for p in places if p not in placed]
    drawn: list[tuple[dict, dict]] = []
    hollow: list[tuple[dict, dict | None]] = []
    for place in placed:
        row = values.get(place["code"])
        if row is None or plotted(row["value"]) is None:
            hollow.append((place, row))
        else:
            drawn.append((place, row))

    def hover(place: dict, row: dict | None) -> str:
        shown = hover_text(row["value"], info, lang) if row else text.t("explore.no_data", lang)
        return f"{present.plot_text(ui.area_name(place, lang))}: {shown}"

    if hollow:
        fig.add_trace(go.Scatter(
            x=[p["lon"] for p, _ in hollow], y=[p["lat"] for p, _ in hollow], mode="markers+text",
            marker=dict(size=MAP_DOT[0] + 4, symbol="circle-open", color="#8a94a3", line=dict(width=2)),
            text=[present.plot_text(place_name(p, lang)) for p, _ in hollow], textposition="top center",
            textfont=dict(size=11, color="#5f6b7a"), customdata=[p["code"] for p, _ in hollow],
            hovertext=[hover(p, r) for p, r in hollow], hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False, cliponaxis=False,
        ))
    if drawn:
        # a dot's area grows with its figure (from 0, so sizes compare); its colour spans low to high
        top = max(abs(high), abs(low)) or 1
        shares = [abs(plotted(r["value"])) / top for _, r in drawn]
        fig.add_trace(go.Scatter(
            x=[p["lon"] for p, _ in drawn], y=[p["lat"] for p, _ in drawn], mode="markers+text",
            marker=dict(size=[MAP_DOT[0] + (MAP_DOT[1] - MAP_DOT[0]) * math.sqrt(f) for f in shares],
                        color=[plotted(r["value"]) for _, r in drawn], colorscale=MAP_SCALE, cmin=low,
                        cmax=high if high != low else low + 1, line=dict(color="#a50f15", width=1),
                        showscale=True, colorbar=dict(thickness=12, len=0.8, outlinewidth=0,
                                                      ticksuffix=present.percent_sign(info))),
            text=[present.plot_text(place_name(p, lang)) for p, _ in drawn], textposition="top center",
            textfont=dict(size=11, color="#1f2933"), customdata=[p["code"] for p, _ in drawn],
            hovertext=[hover(p, r) for p, r in drawn], hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False, cliponaxis=False,
        ))
    own = next((p for p in placed if p["code"] == level.get("own")), None)
    if own is not None:
        fig.add_trace(go.Scatter(
            x=[own["lon"]], y=[own["lat"]], mode="markers", hoverinfo="skip", showlegend=False,
            marker=dict(size=MAP_DOT[1] + 10, symbol="circle-open", color="#1f2933", line=dict(width=2.5)),
        ))
    fig.update_layout(height=420, font=FONT, paper_bgcolor="white", plot_bgcolor="white",
                      margin=dict(l=4, r=4, t=4, b=4), hovermode="closest", clickmode="event", dragmode="pan",
                      hoverlabel=dict(font=FONT))
    aspect = 1 / math.cos(math.radians(30.6))  # a degree of longitude is cos(latitude) of one of latitude
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=aspect)
    if placed:
        xs, ys = [p["lon"] for p in placed], [p["lat"] for p in placed]
        across = max(max(xs) - min(xs), (max(ys) - min(ys)) * aspect, MAP_MIN_SPAN) * 1.4
        middle = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        fig.update_xaxes(range=[middle[0] - across / 2, middle[0] + across / 2])
        fig.update_yaxes(range=[middle[1] - across / aspect / 2, middle[1] + across / aspect / 2])
    return fig, unplaced


def map_words(level: dict, lang: str) -> tuple[str, str]:
    """The map card's title and note: which places it shows, and that its outlines are schematic."""
    if level["kind"] == "districts":
        return text.t("explore.chengdu_by_district", lang), text.t("explore.map_note", lang)
    parent = areas.get(level["parent"]) or {"name": level["parent"]}
    kids = areas.children(level["parent"])
    kind = text.t(f"explore12.level.{kids[0]['level']}", lang) if kids else ""
    note = text.t("explore18.map_note_places", lang)
    if level.get("own"):
        own = areas.get(level["own"]) or {"name": level["own"]}
        title = text.t("explore18.map_siblings", lang, area=ui.area_name(own, lang),
                       parent=ui.area_name(parent, lang), level=kind)
    else:
        title = text.t("explore18.map_places", lang, area=ui.area_name(parent, lang), level=kind)
    return title, note


@view_chart(Output(Explore.MAP_UNSCALED, "data"), Output(Explore.MAP_DATA, "data"))
def render_map(state: urlstate.ExploreState, info: dict, view: dict) -> tuple:
    """The map and its table; the table's ``title`` and ``note`` say what the map shows."""
    level = view.get("map_level") or {"kind": "districts", "parent": CITY, "own": None}
    title, note = map_words(level, state.lang)
    if view["window"].query is None:
        return empty_figure(_no_window_message(state, view)), {"title": title, "note": note}
    records = view["map"]
    frame = pd.DataFrame(records, columns=["key", "label", "label_en", "value"])
    table = figure_table(frame, info, state.lang, marks=[view["marks"].get(("map", r["key"])) for r in records])
    # colours follow the display values (percentages for ratios), which the colour bar shows
    if level["kind"] == "districts":
        fig, codes = map_figure(table, info, state.area, state.lang)
        return fig, dict(table, trace_codes=codes, title=title, note=note)
    fig, unplaced = places_figure(table, info, level, state.lang)
    if unplaced:
        note += " " + text.t("explore18.map_unplaced", state.lang, n=len(unplaced),
                             names=text.t("word.list_separator", state.lang).join(unplaced))
    return fig, dict(table, trace_codes=[], title=title, note=note)


@callback(
    Output(Explore.MAP_TITLE, "children"),
    Output(Explore.MAP_NOTE, "children"),
    Input(Explore.MAP_DATA, "data"),
    prevent_initial_call=True,
)
def render_map_words(table):
    if not table or "title" not in table:
        raise PreventUpdate
    return table["title"], table["note"]


# --------------------------------------------------------------------------- table and downloads

@callback(
    Output(Explore.TABLE, "rowData"),
    Output(Explore.TABLE, "columnDefs"),
    Input(Explore.TABLE_OF, "value"),
    Input(Explore.TREND_DATA, "data"),
    Input(Explore.BREAKDOWN_DATA, "data"),
    Input(Explore.MAP_DATA, "data"),
)
def render_table(which, trend, breakdown, district_map):
    table = {"trend": trend, "breakdown": breakdown, "map": district_map}.get(which) or {}
    columns = []
    for column in table.get("columns", []):
        definition = dict(column)
        if column["field"] == "value":
            definition.update(type="rightAligned", cellDataType=False)
        columns.append(definition)
    return table.get("rows", []), columns


def about_frame(search_state: str | None) -> pd.DataFrame:
    """The workbook's "About" sheet: metric, area, period, source and as-of, the masking rule."""
    state = read_state(search_state)
    lang = state.lang
    rows = []
    try:
        state, info, view = _view(search_state or "")
        place = areas.get(state.area) or {"name": state.area}
        win = view["window"]
        span = win.query or win.period
        rows = [
            (text.t("explore12.about_metric", lang), f"{ui.metric_name(info, lang)} ({state.metric})"),
            (text.t("explore12.about_area", lang), f"{ui.area_name(place, lang)} ({state.area})"),
            (text.t("explore12.about_period", lang), f"{span.start:%Y-%m-%d} – {span.end:%Y-%m-%d}"),
            (text.t("explore12.about_source", lang), provenance(info, view["parts"], view["as_of"].get(state.area), lang)),
            *[(text.t("explore12.about_note", lang), note) for note in win.notes],
        ]
        compared = (render_trend(search_state)[1] or {}).get("note")  # the index's base, last year's days
        if compared:
            rows.append((text.t("explore12.about_note", lang), compared))
        if export.counts_people(info.get("unit")):
            rows.append((text.t("explore12.about_masking", lang), ui.masked_note(lang) + " "
                         + text.t("explore12.suppressed_note", lang, n=export.SMALL_COUNT_THRESHOLD)))
    except (areas.UnknownArea, query.UnknownMetric, ValueError):
        pass
    return pd.DataFrame(rows, columns=[text.t("explore12.about_item", lang), text.t("explore12.about_value", lang)])


def download(kind: str, which: str, tables: dict[str, dict | None], search_state: str | None) -> dict:
    """The ``dcc.Download`` payload: the shown table as CSV, or every table as Excel sheets
    with an "About" sheet saying where the figures come from and how far they reach."""
    state = read_state(search_state)
    period = periods.resolve_state(state)
    base = [state.metric, state.area, f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"]
    if kind == "csv":
        frame = table_frame(tables.get(which))
        return send_bytes(export.to_csv_bytes(frame), export.download_name(*base, which, ext="csv"))
    sheets = {text.pick(TABLE_LABELS[name], state.lang): table_frame(tables.get(name)) for name in TABLE_LABELS}
    sheets[text.t("explore12.about_sheet", state.lang)] = about_frame(search_state)
    return send_bytes(export.to_excel_bytes(sheets), export.download_name(*base, ext="xlsx"))


@callback(
    Output(Explore.DOWNLOAD, "data"),
    Input(Explore.CSV, "n_clicks"),
    Input(Explore.EXCEL, "n_clicks"),
    State(Explore.TABLE_OF, "value"),
    State(Explore.TREND_DATA, "data"),
    State(Explore.BREAKDOWN_DATA, "data"),
    State(Explore.MAP_DATA, "data"),
    State(Explore.STATE, "data"),
    prevent_initial_call=True,
)
def on_download(_csv, _excel, which, trend, breakdown, district_map, search_state):
    kind = "csv" if ctx.triggered_id == Explore.CSV else "xlsx"
    tables = {"trend": trend, "breakdown": breakdown, "map": district_map}
    return download(kind, which or "breakdown", tables, search_state)


# --------------------------------------------------------------------------- keyboard

def keyboard_choices(table: dict | None, info: dict, where: str, lang: str) -> list:
    """What a click on the chart ``where`` ("bars", "map") opens, as buttons a keyboard and a
    screen reader reach: each area of ``table`` (a stored figure table) with its figure,
    folded under a summary so the page stays as it was for the mouse."""
    rows = [r for r in (table or {}).get("rows") or [] if str(r.get("code") or "").isdigit()]
    if not rows:
        return []
    buttons = []
    for r in rows:
        shown = present.show(r.get("value"), info, lang, scaled=True)
        buttons.append(html.Li(html.Button(f"{r.get('label') or r['code']} · {shown.with_unit}",
                                           id=Explore.pick(r["code"], where), n_clicks=0, className="pick")))
    return [html.Details([html.Summary(text.t(f"explore.keys_{where}", lang)), html.Ul(buttons, className="picks")],
                         className="keys")]


def _choices(table: dict | None, search_state: str | None, where: str) -> list:
    state = read_state(search_state)
    if where == "bars" and state.by != "children":
        return []
    try:
        info = _info(state.metric)
    except query.UnknownMetric:
        return []
    return keyboard_choices(table, info, where, state.lang)


# One callback per list: a list a reader has opened stays open while the other chart redraws.
@callback(Output(Explore.BAR_KEYS, "children"), Input(Explore.BREAKDOWN_DATA, "data"), State(Explore.STATE, "data"))
def render_bar_choices(breakdown, search_state):
    """The bars' areas as buttons, when the breakdown is by child area."""
    return _choices(breakdown, search_state, "bars")


@callback(Output(Explore.MAP_KEYS, "children"), Input(Explore.MAP_DATA, "data"), State(Explore.STATE, "data"))
def render_map_choices(district_map, search_state):
    """The map's districts as buttons."""
    return _choices(district_map, search_state, "map")


@callback(
    Output(Explore.AREA, "value", allow_duplicate=True),
    Input(Explore.pick(ALL, ALL), "n_clicks"),
    prevent_initial_call=True,
)
def pick_area(_clicks):
    """A button of ``keyboard_choices`` pressed: open its area, as the click on the chart would."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # the list was redrawn, not pressed
    return trigger["code"]
