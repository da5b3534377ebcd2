"""The data-health page's callbacks: read the ETL log and fill the page; the CSV download.

The refresh runs when the page opens, every few minutes after, and when the period or
the source picked changes; a warehouse that cannot be read shows a notice with the
reason instead of an empty page. The grids show the start of each stored row
(``health.RAW_PREVIEW`` characters); only the download reads them whole.
"""
from __future__ import annotations

import logging
from datetime import date

from dash import Input, Output, State, callback, no_update
from dash.dcc.express import send_bytes  # dcc.send_bytes itself: dash.dcc builds its export list at run time
from sqlalchemy.exc import DBAPIError

from data import export, health, query, settings, text
from layouts import data_health as page
from layouts.ids import DataHealth

log = logging.getLogger(__name__)

NOTICE_STYLE = {"display": "block", "background": "#fdecec", "color": "#7a1f1f", "border": "1px solid #f3b7b9",
                "borderRadius": "6px", "padding": "10px 14px", "marginBottom": "12px", "fontSize": "15px"}


def _period(period: str | None) -> str:
    """A period of ``health.PERIODS``; anything else (a stale or forged value) is the default."""
    return period if period in health.PERIODS else health.DEFAULT_PERIOD


@callback(
    Output(DataHealth.SUMMARY, "children"),
    Output(DataHealth.SOURCES, "children"),
    Output(DataHealth.RUNS, "rowData"),
    Output(DataHealth.REJECTS, "rowData"),
    Output(DataHealth.WARNINGS, "rowData"),
    Output(DataHealth.SOURCE, "options"),
    Output(DataHealth.NOTICE, "children"),
    Output(DataHealth.NOTICE, "style"),
    Input(DataHealth.REFRESH, "n_intervals"),
    Input(DataHealth.PERIOD, "value"),
    Input(DataHealth.SOURCE, "value"),
    State(DataHealth.LANG, "data"),
)
def refresh(_n, period, source, lang):
    lang = lang or "zh"
    period = _period(period)
    today = settings.local_today()
    since = health.since(period, today)
    try:
        found = health.sources(today, since=since)
        runs = health.recent_runs(100, since=since, source=source)
        refused, warnings = (health.rejects(since, source=source, severity=severity, limit=page.GRID_ROWS,
                                            preview=health.RAW_PREVIEW) for severity in health.SEVERITIES)
        version = query.data_version()
    except DBAPIError as err:
        log.warning("data health: warehouse unavailable: %s", err)
        reason = str(err.orig if err.orig is not None else err).strip().splitlines()[0]
        words = text.t("data.unreadable", lang) + reason
        return (no_update,) * 6 + (words, NOTICE_STYLE)
    names = {entry["source"]: page.source_name(entry, lang) for entry in found}
    loaded = [entry["last_loaded_at"] for entry in found if entry["last_loaded_at"]]
    loaded_at = max(loaded) if loaded else None
    return (
        page.summary(health.summary(found), version, loaded_at, today, lang),
        page.source_cards(found, today, lang, period),
        page.run_rows(runs, names, lang),
        page.reject_rows(refused, names),
        page.reject_rows(warnings, names),
        page.source_options(found, lang),
        None,
        {"display": "none"},
    )


def download(period: str | None, source: str | None, lang: str, today: date | None = None) -> dict:
    """The ``dcc.Download`` payload: the latest ``page.DOWNLOAD_ROWS`` refused rows and
    warnings of ``period`` and ``source`` (None: all) with the row as stored (a few KB at
    most each, so the answer is bounded), as CSV (data/export.py: byte-order mark,
    formulas neutralised), named by source and dates."""
    period = _period(period)
    today = today or settings.local_today()
    since = health.since(period, today)
    rows = health.rejects(since, source=source, limit=page.DOWNLOAD_ROWS, raw=True)
    names = {name: page.source_name({"source": name}, lang) for name in {r["source"] for r in rows}}
    frame = page.download_frame(rows, names, lang)
    dates = f"{since:%Y%m%d}-{today:%Y%m%d}" if since else f"all-{today:%Y%m%d}"
    return send_bytes(export.to_csv_bytes(frame), export.download_name("etl-rejects", source or "", dates, ext="csv"))


@callback(
    Output(DataHealth.DOWNLOAD, "data"),
    Input(DataHealth.CSV, "n_clicks"),
    State(DataHealth.PERIOD, "value"),
    State(DataHealth.SOURCE, "value"),
    State(DataHealth.LANG, "data"),
    prevent_initial_call=True,
)
def download_rejects(_clicks, period, source, lang):
    return download(period, source, lang or "zh")
