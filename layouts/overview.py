"""The leaders' overview (/): where the area stands, what needs action, who is behind.

Read on a laptop between meetings, or on a phone: KPI cards per domain against target
and against last period and last year, a "needs attention" list, and the league table
of the child areas. The layout only places things; figures arrive through
``callbacks/overview.py``. Area and period live in the URL, so a view can be shared.
"""
from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from data import items, labels, text, urlstate
from layouts import shell
from layouts.components import area_picker, dropdown_labels, labelled, metric_rows, period_picker
from layouts.ids import Overview

# The cards, per domain, in reading order. Every code is in data/reference/metrics.csv.
KPIS: dict[str, list[str]] = {
    "party": ["party_members", "party_organisations", "party_three_sessions",
              "party_school_attendance", "activity_party_share"],
    "governance": ["hotline_received", "hotline_on_time_rate", "hotline_satisfaction_rate",
                   "grid_events_reported", "grid_events_closure_rate", "dispute_mediation_rate"],
    "services": ["service_transactions", "service_good_review_rate", "service_avg_wait",
                 "elderly_meals", "volunteer_hours", "activity_participants"],
    # Not the fulfilment rate: counted by the day a need was raised, this period's needs have
    # had less time than last period's, so it always "drops". What needs action is the needs
    # past their promised time (callbacks/overview.needs_waiting).
    "cobuild": ["needs_raised", "needs_satisfaction_rate", "needs_avg_fulfil_days", "alliance_merchants",
                "merchant_service_hours", "fund_leverage"],
}


DEFAULT_SORT = urlstate.LEAGUE_SORT
TOTALS, PER_1000 = urlstate.LEAGUE_SCALES  # the league's counts: as they are, or per 1,000 residents


def all_kpis() -> list[str]:
    return [code for codes in KPIS.values() for code in codes]


def sort_options(lang: str) -> list[dict]:
    """Every KPI of the league table, by its name in the catalogue."""
    names = {r["code"]: (r["name_en"] if lang == "en" else r["name"]) for r in metric_rows()}
    return [{"label": names[code], "value": code} for code in all_kpis()]


def todo_section(lang: str) -> html.Section:
    """待办 / needs action: the area's open work orders and events past or near their due
    time, oldest first, filterable by source and status, downloadable (callbacks/todo.py)."""
    sources = [{"label": text.t(f"item.source_{s}", lang), "value": s} for s in items.ACTION_SOURCES]
    statuses = [{"label": labels.label(status, lang), "value": status}
                for s in items.ACTION_SOURCES for status in items.OPEN[s]]
    grid = dag.AgGrid(
        id=Overview.TODO, rowData=[], columnDefs=[],
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 90, "flex": 1},
        dashGridOptions={"animateRows": False, "domLayout": "autoHeight", "pagination": True,
                         "paginationPageSize": 10, "paginationPageSizeSelector": False,
                         "localeText": text.grid_locale(lang, noRowsToShow=text.t("todo.none", lang))},
        className="ag-theme-quartz todo-grid", style={"width": "100%"},
    )
    return html.Section([
        html.Div([
            html.H2(text.t("todo.title", lang)),
            html.Span(id=Overview.TODO_COUNT, className="todo-count"),
            labelled(text.t("todo.source", lang),
                     dcc.Checklist(id=Overview.TODO_SOURCE, options=sources, value=list(items.ACTION_SOURCES),
                                   inline=True), "control-todo-source"),
            labelled(text.t("todo.status", lang),
                     dcc.Dropdown(id=Overview.TODO_STATUS, options=statuses, value=[], multi=True,
                                  placeholder=text.t("todo.all_statuses", lang), searchable=False,
                                  labels=dropdown_labels(lang)),
                     "control-todo-status"),
            html.Button(text.t("todo.csv", lang), id=Overview.TODO_CSV, className="button todo-csv"),
            dcc.Download(id=Overview.TODO_DOWNLOAD),
        ], className="todo-head"),
        html.P(text.t("todo.hint", lang, days=items.SOON_DAYS), className="todo-hint"),
        html.Div(id=Overview.TODO_LINKS, className="todo-links"),
        grid,
    ], className="ov-todo card")


def layout(**query) -> html.Div:
    state, problems = urlstate.parse_overview(query, all_kpis())
    lang = state.lang
    controls = html.Div([
        labelled(text.t("word.area", lang), area_picker(Overview.AREA, state.area, lang), "control-area"),
        labelled(text.t("word.period", lang),
                 period_picker(Overview.PERIOD, Overview.DATES, urlstate.OVERVIEW_PERIODS,
                               state.period, state.start, state.end, lang), "control-period"),
    ], className="ov-controls")
    league = dag.AgGrid(
        id=Overview.LEAGUE,
        rowData=[],
        columnDefs=[],
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 96},
        dashGridOptions={"animateRows": False, "domLayout": "autoHeight",
                         # a row below its target on the chosen KPI (callbacks/overview.league_rows)
                         "rowClassRules": {"league-below": "params.data && params.data.below === true"},
                         "localeText": text.grid_locale(lang, noRowsToShow=text.t("overview.no_child_areas", lang))},
        className="ag-theme-quartz league-grid",
        style={"width": "100%"},
    )
    return shell.page(
        "/", lang,
        dcc.Location(id=Overview.URL, refresh=False),
        dcc.Store(id=Overview.LANG, data=lang),
        html.Div(problems and text.t("word.ignored_parameters", lang) + "; ".join(problems),
                 id=Overview.NOTICE, className="page-notice" if problems else "page-notice hidden"),
        html.Div([html.H1(id=Overview.HEADING, className="page-heading"), controls], className="ov-top"),
        html.Div([
            html.Div(id=Overview.KPIS, className="ov-kpis"),
            html.Aside([
                html.H2(text.t("overview.needs_attention", lang)),
                dcc.Loading(html.Div(id=Overview.ATTENTION), type="dot", delay_show=400),
            ], className="ov-attention card"),
        ], className="ov-body"),
        todo_section(lang),
        html.Section([
            html.Div([
                html.H2(id=Overview.LEAGUE_TITLE),
                labelled(text.t("overview.sort_by", lang),
                         dcc.Dropdown(id=Overview.LEAGUE_SORT, options=sort_options(lang), value=state.sort,
                                      clearable=False, searchable=False, maxHeight=320,
                                      labels=dropdown_labels(lang)), "control-sort"),
                labelled(text.t("overview.league_scale", lang),
                         dcc.RadioItems(id=Overview.LEAGUE_SCALE, value=state.scale, inline=True, className="segmented",
                                        options=[{"label": text.t("overview.league_totals", lang), "value": TOTALS},
                                                 {"label": text.t("overview.league_per_1000", lang),
                                                  "value": PER_1000}]),
                         "control-scale"),
            ], className="league-head"),
            league,
        ], className="ov-league card"),
    )
