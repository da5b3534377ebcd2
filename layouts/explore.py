"""The analysts' explorer (/explore): any metric over time, by area and by dimension.

The whole view is in the URL (see ``data/urlstate.py``): the layout reads it once to set
the controls, and ``callbacks/explore.py`` writes every change back without reloading.
Metric names come from the catalogue file shipped with the project; figures arrive
through callbacks.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from data import labels, periods, text, urlstate
from layouts import reach, shell
from layouts.components import area_picker, chart, dropdown_labels, labelled, metric_dimensions, metric_rows, period_picker
from layouts.ids import Explore

GRAIN_LABELS = text.group("grain")
CHART_LABELS = text.group("chart")
DIMENSION_LABELS = text.group("dimension")
TABLE_LABELS = text.group("table")
COMPARE_AS_LABELS = text.group("compare_as")


def metric_options(lang: str) -> list[dict]:
    """Metrics grouped by domain: a disabled heading per domain, then its metrics."""
    options, domain = [], None
    for row in metric_rows():
        if row["domain"] != domain:
            domain = row["domain"]
            options.append({"label": f"— {labels.domain_label(domain, lang)} —", "value": f"domain:{domain}",
                            "disabled": True})
        options.append({"label": row["name_en"] if lang == "en" else row["name"], "value": row["code"]})
    return options


def by_options(metric: str, lang: str) -> list[dict]:
    dims = metric_dimensions().get(metric, ())
    return [{"label": text.pick(DIMENSION_LABELS.get(d, (d, d)), lang), "value": d} for d in ("children", *dims)]


def _radio(component_id, labels_by_value: dict, value, lang):
    return dcc.RadioItems(
        id=component_id,
        options=[{"label": text.pick(names, lang), "value": v} for v, names in labels_by_value.items()],
        value=value, inline=True, className="segmented",
    )


def _card(title, body, class_name="", extra=None):
    head = [html.H2(title)] + ([extra] if extra is not None else [])
    return html.Section([html.Div(head, className="card-head"), *body], className=f"card {class_name}".strip())


def graph_config(chart: str) -> Any:
    """A chart's plotly config: plotly's own "save as image" in its mode bar (the bundle is
    served by the app, nothing is fetched), named after the chart; the card's PNG and SVG
    buttons call the same plotly function (``Plotly.downloadImage``) for either format."""
    return {"responsive": True, "displaylogo": False, "displayModeBar": "hover", "modeBarButtons": [["toImage"]],
            "toImageButtonOptions": {"format": "png", "filename": f"csb-{chart}", "scale": 2}}


#: The explorer's charts, each with the Store its figure comes in (drawn at the page's scale: callbacks/charts.py).
CHARTS = {Explore.TREND: Explore.TREND_UNSCALED, Explore.BREAKDOWN: Explore.BREAKDOWN_UNSCALED,
          Explore.MAP: Explore.MAP_UNSCALED}


def _graph(component_id, height_class, name: str):
    return chart(dcc.Graph(id=component_id, config=graph_config(name), className=f"ex-graph {height_class}"),
                 CHARTS[component_id], type="dot", delay_show=400)


def image_buttons(chart: str, lang: str) -> html.Div:
    """PNG and SVG buttons for one chart, reachable by keyboard (the mode bar shows on hover only)."""
    title = text.t(f"table.{chart}", lang)
    buttons = []
    for fmt in ("png", "svg"):
        words = text.t("explore18.download_chart", lang, chart=title, format=fmt.upper())
        aria: dict[str, Any] = {"aria-label": words}  # not a Python name: only as **
        buttons.append(html.Button(text.t(f"explore18.download_{fmt}", lang), id=Explore.image(chart, fmt),
                                   n_clicks=0, className="button button-small", type="button", title=words, **aria))
    return html.Div(buttons, className="image-buttons")


def layout(**query) -> html.Div:
    state, problems = urlstate.parse_explore(query, metric_dimensions())
    lang = state.lang
    start: date | None
    end: date | None
    try:
        period = urlstate.resolve_period(state, periods.today())
        start, end = period.start, period.end
    except ValueError:
        start, end = state.start, state.end
    controls = html.Aside([
        labelled(text.t("explore.metric", lang),
                 dcc.Dropdown(id=Explore.METRIC, options=metric_options(lang), value=state.metric,
                              clearable=False, maxHeight=420, labels=dropdown_labels(lang))),
        labelled(text.t("word.area", lang), area_picker(Explore.AREA, state.area, lang)),
        labelled(text.t("word.period", lang),
                 period_picker(Explore.PERIOD, Explore.DATES, urlstate.EXPLORE_PERIODS, state.period,
                               start, end, lang)),
        labelled(text.t("explore.grain", lang), _radio(Explore.GRAIN, GRAIN_LABELS, state.grain, lang)),
        labelled(text.t("explore.break_down_by", lang),
                 dcc.Dropdown(id=Explore.BY, options=by_options(state.metric, lang), value=state.by,
                              clearable=False, searchable=False, labels=dropdown_labels(lang))),
        labelled(text.t("explore.breakdown_chart", lang), _radio(Explore.CHART, CHART_LABELS, state.chart, lang)),
        labelled(text.t("explore.compare_with", lang), area_picker(Explore.COMPARE, list(state.compare), lang, multi=True)),
        html.Div(labelled(text.t("explore18.compare_as", lang),
                          _radio(Explore.COMPARE_AS, COMPARE_AS_LABELS, state.compare_as, lang)),
                 id=Explore.COMPARE_AS_BOX, style={} if state.compare else {"display": "none"}),
        dcc.Checklist(id=Explore.YOY, options=[{"label": text.t("explore18.year_on_year", lang), "value": "1"}],
                      value=["1"] if state.yoy else [], className="ex-switch"),
    ], className="ex-controls card")
    table_switch = labelled(text.t("explore.table_of", lang), _radio(Explore.TABLE_OF, TABLE_LABELS, "breakdown", lang),
                            "control-table-of")
    downloads = html.Div([
        html.Button(text.t("explore.download_csv", lang), id=Explore.CSV, className="button"),
        html.Button(text.t("explore.download_excel", lang), id=Explore.EXCEL, className="button"),
        dcc.Download(id=Explore.DOWNLOAD),
    ], className="downloads")
    grid = dag.AgGrid(
        id=Explore.TABLE,
        rowData=[], columnDefs=[],
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 90, "flex": 1},
        dashGridOptions={"animateRows": False, "pagination": True, "paginationPageSize": 20,
                         "paginationPageSizeSelector": False, "localeText": text.grid_locale(lang)},
        className="ag-theme-quartz ex-grid",
        style={"height": "26.25rem", "width": "100%"},
    )
    aria: dict[str, Any] = {"aria-label": text.t("explore.area_levels", lang)}  # not a Python name: only as **
    main = html.Div([
        html.Nav(id=Explore.BREADCRUMB, className="breadcrumb", **aria),
        html.Div([html.H1(id=Explore.HEADING, className="page-heading"),
                  html.Div(id=Explore.FIGURE, className="ex-figure")], className="ex-title"),
        html.Div([
            _card(text.t("table.trend", lang), [
                _graph(Explore.TREND, "graph-trend", "trend"),
                html.P(id=Explore.TREND_NOTE, className="note"),
            ], "ex-trend", extra=image_buttons("trend", lang)),
            _card(text.t("table.breakdown", lang), [
                _graph(Explore.BREAKDOWN, "graph-breakdown", "breakdown"),
                html.P(id=Explore.MASK_NOTE, className="note"),
                html.Div(id=Explore.BAR_KEYS),
            ], "ex-breakdown", extra=image_buttons("breakdown", lang)),
            _card(html.Span(text.t("explore.chengdu_by_district", lang), id=Explore.MAP_TITLE), [
                _graph(Explore.MAP, "graph-map", "map"),
                html.P(text.t("explore.map_note", lang), id=Explore.MAP_NOTE, className="note"),
                html.Div(id=Explore.MAP_KEYS),
            ], "ex-map", extra=image_buttons("map", lang)),
            reach.section(lang),
            _card(text.t("explore.figures_behind_the_charts", lang), [grid], "ex-table",
                  extra=html.Div([table_switch, downloads], className="table-tools")),
        ], className="ex-cards"),
    ], className="ex-main")
    return shell.page(
        "/explore", lang,
        dcc.Location(id=Explore.URL, refresh=False),
        dcc.Store(id=Explore.STATE, data=urlstate.explore_query(state)),
        dcc.Store(id=Explore.TREND_DATA),
        dcc.Store(id=Explore.BREAKDOWN_DATA),
        dcc.Store(id=Explore.MAP_DATA),
        dcc.Store(id=Explore.IMAGE_SAVED),
        html.Div(problems and text.t("word.ignored_parameters", lang) + "; ".join(problems),
                 id=Explore.NOTICE, className="page-notice" if problems else "page-notice hidden"),
        html.Div([controls, main], className="ex-layout"),
    )
