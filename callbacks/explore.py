"""The explorer's callbacks: URL state, drill-down, charts, the table and its downloads.

The view's state is the URL's query string (``data/urlstate.py``): the controls write it
to the address bar without a reload, and every chart reads it from ``Explore.STATE``.
Each chart's callback also stores the table behind it, already masked ("<5" for small
counts of people) and labelled, which is what the grid shows and the downloads contain.
"""
from __future__ import annotations

import functools
import json
import math
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from callbacks.overview import area_options
from data import areas, export, periods, present, query, settings, text, urlstate
from data import cache as data_cache
from layouts import components as ui
from layouts.explore import DIMENSION_LABELS, TABLE_LABELS, metric_dimensions
from layouts.ids import Explore

CITY = "510100000000"
MAX_KEYS = 12  # stacked and small-multiple charts draw the largest keys; the table keeps them all
PALETTE = ["#c8161d", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#99d8c9"]
MAP_SCALE = [[0.0, "#fde3e1"], [0.5, "#ef7f73"], [1.0, "#a50f15"]]
NO_DATA_FILL = "#e9edf1"
# Date ticks in Chinese for Chinese pages (plotly's own are English: "Jan 2026").
ZH_DATE_TICKS = [
    dict(dtickrange=[None, 86_400_000 * 28], value="%-m月%-d日"),
    dict(dtickrange=[86_400_000 * 28, "M12"], value="%Y年%-m月"),
    dict(dtickrange=["M12", None], value="%Y年"),
]
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
    Output(Explore.BY, "options"),
    Output(Explore.BY, "value"),
    Input(Explore.METRIC, "value"),
    State(Explore.BY, "value"),
    State(Explore.STATE, "data"),
)
def breakdowns_for_metric(metric, by, search_state):
    """A new metric may not have the current breakdown: fall back to child areas."""
    from layouts.explore import by_options

    options = by_options(metric, read_state(search_state).lang)
    allowed = [o["value"] for o in options]
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
    State(Explore.STATE, "data"),
)
def sync_state(metric, area, period, start, end, grain, by, chart, compare, search_state):
    """The controls, validated, as the query string: into the store and the address bar."""
    if not area or not metric:
        raise PreventUpdate
    lang = read_state(search_state).lang
    params = {"metric": metric, "area": area, "period": period, "start": start, "end": end, "grain": grain,
              "by": by, "chart": chart, "compare": ",".join(compare or []), "lang": lang}
    state, _ = urlstate.parse_explore(params, metric_dimensions())
    search = urlstate.explore_query(state)
    return search, search


# --------------------------------------------------------------------------- context

def _info(code: str) -> dict:
    info = query.metric_info(code)
    if info is None:
        raise query.UnknownMetric(code)
    return info


@callback(
    Output(Explore.BREADCRUMB, "children"),
    Output(Explore.HEADING, "children"),
    Output(Explore.FIGURE, "children"),
    Input(Explore.STATE, "data"),
)
def render_context(search_state):
    state = read_state(search_state)
    lang = state.lang
    period = periods.resolve_state(state)
    try:
        chain = areas.ancestors(state.area)
        info = _info(state.metric)
    except (areas.UnknownArea, query.UnknownMetric):
        message = text.t("word.unknown_area", lang, area=state.area)
        return [], message, ""
    crumbs = []
    for i, place in enumerate(chain):
        name = ui.area_name(place, lang)
        if i < len(chain) - 1:
            crumbs.append(html.Button(name, id=Explore.crumb(place["code"]), className="crumb", n_clicks=0))
            crumbs.append(html.Span("›", className="crumb-sep"))
        else:
            crumbs.append(html.Span(name, className="crumb current", **{"aria-current": "page"}))
    label = period.label_en if lang == "en" else period.label_zh
    heading = [html.Span(ui.metric_name(info, lang)), html.Small(f"{ui.area_name(chain[-1], lang)} · {label}")]
    unknown = [code for code in state.compare if areas.get(code) is None]
    if unknown:
        areas_text = text.t("word.list_separator", lang).join(unknown)
        heading.append(html.Small(text.t("explore.compare_unknown", lang, areas=areas_text), className="heading-warning"))
    total = query.value(state.metric, state.area, period.start, period.end)
    figure = [html.Span(present.show(total, info, lang).text, className="ex-figure-value"),
              html.Span(present.shown_unit(info, lang), className="ex-figure-unit"),
              html.Span(f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}", className="ex-figure-dates")]
    return crumbs, heading, figure


# --------------------------------------------------------------------------- tables

def value_header(info: dict, lang: str) -> str:
    unit = present.unit_label(info, lang)
    return text.t("explore.value_in", lang, unit=unit) if unit else text.t("explore.value", lang)


def figure_table(frame: pd.DataFrame, info: dict, lang: str, *, masked: bool, key_header: str | None = None) -> dict:
    """A query frame as the stored table: labelled columns, display values, small counts masked.

    ``frame`` has ``value`` and any of ``period``, ``key``, ``label``, ``label_en``;
    ``key_header`` names the key column (area codes unless told otherwise).
    """
    unit = info.get("unit") or ""
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
    out["value"] = [present.display_value(v, info) for v in frame["value"].tolist()]
    columns.append({"field": "value", "headerName": value_header(info, lang)})
    if masked and export.counts_people(unit):
        out = export.mask_small_counts(out, ["value"])
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
    """What a chart draws for a cell: masked cells ("<5") are not drawn at all."""
    return None if isinstance(value, str) or value is None else value


def hover_text(value, info: dict, lang: str) -> str:
    """A table cell (display units, or a masked "<5") with its unit, for a tooltip."""
    return present.show(value, info, lang, scaled=True).with_unit


def bar_label(value, info: dict) -> str:
    """The figure written after a bar: short, the unit is on the axis."""
    if isinstance(value, str) or value is None:
        return value or ""
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

def cached_view(fn):
    """A view callback (URL state -> figure, table, ...) built once per URL state, day
    (relative periods) and data version, through the app's cache; figures as plain dicts,
    what the browser gets anyway and cheap to cache and copy."""

    @functools.wraps(fn)  # the cache key names the view
    def plain(search_state: str, day: str) -> tuple:
        return tuple(part.to_plotly_json() if isinstance(part, go.Figure) else part for part in fn(search_state))

    shared = data_cache.cached(plain)

    @functools.wraps(fn)
    def view(search_state):
        return shared(search_state or "", settings.local_today().isoformat())

    return view


def trend_figure(table: dict, info: dict, lang: str, compare: bool) -> go.Figure:
    rows = table["rows"]
    if not rows:
        return empty_figure(text.t("explore.no_data_for_this_period", lang))
    fig = go.Figure()
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get("label") or "", []).append(row)
    for i, (name, items) in enumerate(groups.items()):
        fig.add_trace(go.Scatter(
            x=[r["period"] for r in items], y=[plotted(r["value"]) for r in items], name=name,
            mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)], width=3 if i == 0 else 2),
            marker=dict(size=5), text=[hover_text(r["value"], info, lang) for r in items],
            customdata=[r.get("code") for r in items],
            hovertemplate="%{x}<br>" + (f"{name}: " if compare else "") + "%{text}<extra></extra>",
        ))
    target = info.get("target")
    if target is not None and not ui.is_missing(target):
        fig.add_hline(y=present.scale(target, info), line=dict(color="#5f6b7a", dash="dash", width=1),
                      annotation_text=text.t("word.target", lang), annotation_position="top left")
    if lang != "en":
        fig.update_xaxes(tickformatstops=ZH_DATE_TICKS)
    return _layout(fig, height=260, info=info, legend=compare)


@callback(
    Output(Explore.TREND, "figure"),
    Output(Explore.TREND_DATA, "data"),
    Input(Explore.STATE, "data"),
)
@cached_view
def render_trend(search_state: str):
    state = read_state(search_state)
    period = periods.resolve_state(state)
    try:
        info = _info(state.metric)
        if state.compare:
            codes = [state.area, *[c for c in state.compare if areas.get(c) is not None]]
            frame = query.compare_series(state.metric, codes, period.start, period.end, state.grain)
        else:
            frame = query.series(state.metric, state.area, period.start, period.end, state.grain)
            place = areas.get(state.area) or {}
            frame = frame.assign(key=state.area, label=place.get("name", state.area),
                                 label_en=place.get("name_en") or place.get("name", state.area))
    except (areas.UnknownArea, query.UnknownMetric, ValueError) as err:
        return empty_figure(str(err)), None
    table = figure_table(frame[["period", "key", "label", "label_en", "value"]], info, state.lang, masked=False)
    return trend_figure(table, info, state.lang, bool(state.compare)), table


# --------------------------------------------------------------------------- breakdown

def _top_keys(rows: list[dict], limit: int = MAX_KEYS) -> list[str]:
    seen: list[str] = []
    for row in rows:
        if row["code"] not in seen:
            seen.append(row["code"])
    return seen[:limit]


def breakdown_figure(table: dict, info: dict, state: urlstate.ExploreState) -> go.Figure:
    lang = state.lang
    rows = table["rows"]
    if not rows:
        message = (text.t("explore.this_area_has_no_lower_level", lang) if state.by == "children"
                   else text.t("explore.no_breakdown_for_this_period", lang))
        return empty_figure(message)
    clickable = state.by == "children"
    if state.chart == "bars":
        ordered = list(reversed(rows))  # largest at the top of a horizontal bar chart
        fig = go.Figure(go.Bar(
            y=[r["label"] for r in ordered], x=[plotted(r["value"]) for r in ordered], orientation="h",
            marker=dict(color="#c8161d"), customdata=[r["code"] for r in ordered],
            text=[bar_label(r["value"], info) for r in ordered], textposition="outside",
            hovertext=[hover_text(r["value"], info, lang) for r in ordered],
            cliponaxis=False, hovertemplate="%{y}: %{hovertext}<extra></extra>",
        ))
        height = max(300, min(900, 28 * len(rows) + 80))
        fig = _layout(fig, height=height, info=info, legend=False, margin_left=120)
        fig.update_layout(margin=dict(r=90))  # room for the value written after each bar
        fig.update_yaxes(rangemode=None, ticksuffix="", automargin=True)
        fig.update_xaxes(rangemode="tozero", ticksuffix=present.percent_sign(info),
                         title=dict(text=present.shown_unit(info, lang), font=dict(size=12)))
    else:
        keys = _top_keys(rows)
        by_key: dict[str, list[dict]] = {k: [r for r in rows if r["code"] == k] for k in keys}
        ratio = info.get("kind") == "ratio"
        if state.chart == "stacked":
            fig = go.Figure()
            for i, key in enumerate(keys):
                items = by_key[key]
                trace = dict(x=[r["period"] for r in items], y=[plotted(r["value"]) for r in items],
                             name=items[0]["label"], customdata=[key] * len(items),
                             text=[hover_text(r["value"], info, lang) for r in items],
                             hovertemplate=f"{items[0]['label']}<br>%{{x}}: %{{text}}<extra></extra>")
                if ratio:  # shares do not stack: one line per key instead
                    fig.add_trace(go.Scatter(mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)]), **trace))
                else:
                    fig.add_trace(go.Bar(marker=dict(color=PALETTE[i % len(PALETTE)]), textposition="none", **trace))
            fig.update_layout(barmode="stack")
            fig = _layout(fig, height=380, info=info)
        else:
            cols = 3 if len(keys) > 4 else 2 if len(keys) > 1 else 1
            nrows = math.ceil(len(keys) / cols)
            titles = [by_key[k][0]["label"] for k in keys]
            fig = make_subplots(rows=nrows, cols=cols, shared_xaxes=True, shared_yaxes=True, subplot_titles=titles,
                                vertical_spacing=0.12 if nrows > 1 else 0.2, horizontal_spacing=0.04)
            for i, key in enumerate(keys):
                items = by_key[key]
                fig.add_trace(go.Scatter(
                    x=[r["period"] for r in items], y=[plotted(r["value"]) for r in items], mode="lines+markers",
                    name=items[0]["label"], line=dict(color=PALETTE[0], width=2), marker=dict(size=4),
                    customdata=[key] * len(items), text=[hover_text(r["value"], info, lang) for r in items],
                    hovertemplate=f"{items[0]['label']}<br>%{{x}}: %{{text}}<extra></extra>",
                ), row=i // cols + 1, col=i % cols + 1)
            fig = _layout(fig, height=max(300, 170 * nrows + 40), info=info, legend=False)
            fig.update_annotations(font=dict(size=12))
        if lang != "en":
            fig.update_xaxes(tickformatstops=ZH_DATE_TICKS)
    if clickable:
        fig.update_layout(hovermode="closest", clickmode="event")
    return fig


@callback(
    Output(Explore.BREAKDOWN, "figure"),
    Output(Explore.BREAKDOWN_DATA, "data"),
    Output(Explore.MASK_NOTE, "children"),
    Input(Explore.STATE, "data"),
)
@cached_view
def render_breakdown(search_state: str):
    state = read_state(search_state)
    period = periods.resolve_state(state)
    try:
        info = _info(state.metric)
        if state.chart == "bars":
            frame = query.breakdown(state.metric, state.area, period.start, period.end, by=state.by)
        else:
            frame = query.breakdown_series(state.metric, state.area, period.start, period.end, state.grain, by=state.by)
    except (areas.UnknownArea, query.UnknownMetric, ValueError) as err:
        return empty_figure(str(err)), None, ""
    key_header = None if state.by == "children" else text.pick(DIMENSION_LABELS.get(state.by, (state.by, state.by)),
                                                                state.lang)
    table = figure_table(frame, info, state.lang, masked=True, key_header=key_header)
    masked = any(isinstance(r["value"], str) for r in table["rows"])
    note = ui.masked_note(state.lang) if masked else ""
    if state.by == "children" and table["rows"]:
        note = (note + " " if note else "") + text.t("explore.click_a_bar_to_drill_down", state.lang)
    return breakdown_figure(table, info, state), table, note


# --------------------------------------------------------------------------- map

@lru_cache(maxsize=1)
def district_outlines() -> tuple[dict, ...]:
    """Each district's code, name and outer rings (lon, lat lists with None between rings)."""
    path = settings.catalog_dir() / "chengdu_districts.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    outlines = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        xs, ys = [], []
        for polygon in polygons:
            ring = polygon[0]  # outer ring; the schematic outlines have no holes worth drawing
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        code = str(feature.get("id") or feature["properties"]["code"])
        outlines.append({"code": code, "name": feature["properties"].get("name", code), "x": xs, "y": ys})
    return tuple(outlines)


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
        name = (place.get("name_en") if lang == "en" else place.get("name")) or outline["name"]
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


@callback(
    Output(Explore.MAP, "figure"),
    Output(Explore.MAP_DATA, "data"),
    Input(Explore.STATE, "data"),
)
@cached_view
def render_map(search_state: str):
    state = read_state(search_state)
    period = periods.resolve_state(state)
    try:
        info = _info(state.metric)
        frame = query.breakdown(state.metric, CITY, period.start, period.end, by="children")
    except (areas.UnknownArea, query.UnknownMetric, ValueError) as err:
        return empty_figure(str(err)), None
    table = figure_table(frame, info, state.lang, masked=True)
    # colours follow the display values (percentages for ratios), which the colour bar shows
    fig, codes = map_figure(table, info, state.area, state.lang)
    return fig, dict(table, trace_codes=codes)


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


def download(kind: str, which: str, tables: dict[str, dict | None], search_state: str | None) -> dict:
    """The ``dcc.Download`` payload: the shown table as CSV, or every table as Excel sheets."""
    state = read_state(search_state)
    period = periods.resolve_state(state)
    base = [state.metric, state.area, f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"]
    if kind == "csv":
        frame = table_frame(tables.get(which))
        return dcc.send_bytes(export.to_csv_bytes(frame), export.download_name(*base, which, ext="csv"))
    sheets = {text.pick(TABLE_LABELS[name], state.lang): table_frame(tables.get(name)) for name in TABLE_LABELS}
    return dcc.send_bytes(export.to_excel_bytes(sheets), export.download_name(*base, ext="xlsx"))


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
