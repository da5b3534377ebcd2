"""The data-health page's one callback: read the ETL log and fill the page.

Runs when the page opens and every few minutes after; a warehouse that cannot be read
shows a notice with the reason instead of an empty page.
"""
from __future__ import annotations

import logging

from dash import Input, Output, State, callback, no_update
from sqlalchemy.exc import DBAPIError

from data import health, query, settings, text
from layouts import data_health as page
from layouts.ids import DataHealth

log = logging.getLogger(__name__)

NOTICE_STYLE = {"display": "block", "background": "#fdecec", "color": "#7a1f1f", "border": "1px solid #f3b7b9",
                "borderRadius": "6px", "padding": "10px 14px", "marginBottom": "12px", "fontSize": "15px"}


@callback(
    Output(DataHealth.SUMMARY, "children"),
    Output(DataHealth.SOURCES, "children"),
    Output(DataHealth.RUNS, "rowData"),
    Output(DataHealth.REJECTS, "rowData"),
    Output(DataHealth.NOTICE, "children"),
    Output(DataHealth.NOTICE, "style"),
    Input(DataHealth.REFRESH, "n_intervals"),
    State(DataHealth.LANG, "data"),
)
def refresh(_n, lang):
    lang = lang or "zh"
    today = settings.local_today()
    try:
        found = health.sources(today)
        runs = health.recent_runs(100)
        rejects = health.recent_rejects(200)
        version = query.data_version()
    except DBAPIError as err:
        log.warning("data health: warehouse unavailable: %s", err)
        reason = str(err.orig if err.orig is not None else err).strip().splitlines()[0]
        words = text.t("data.unreadable", lang) + reason
        return no_update, no_update, no_update, no_update, words, NOTICE_STYLE
    names = {entry["source"]: page.source_name(entry, lang) for entry in found}
    loaded = [entry["last_loaded_at"] for entry in found if entry["last_loaded_at"]]
    loaded_at = max(loaded) if loaded else None
    return (
        page.summary(health.summary(found), version, loaded_at, today, lang),
        page.source_cards(found, today, lang),
        page.run_rows(runs, names, lang),
        page.reject_rows(rejects, names),
        None,
        {"display": "none"},
    )
