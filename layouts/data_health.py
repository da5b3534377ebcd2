"""The data-health page (/data): is every source delivering, and what did it refuse?

For whoever runs the ETL: one card per source, worst first, with its status badge (on
time, due, overdue, failed, never loaded) against its delivery rhythm, when it last
loaded, how far its data reaches (and whether that is behind), how many rows came in,
were loaded and were refused, and, over the chosen period, its refusals and field
warnings apart, a refused file's full reason unfolding; below, the runs, the refused
rows and the warnings of that period and source, and their download as CSV. ``layout`` only places things;
``callbacks/data_health.py`` reads ``data.health`` and calls the builders below, which
are pure functions of what they are given.

The page's older styles sit here as style dicts and are kept few: the cards' grid, the
badge colours, the type sizes; the newer pieces use the ``dh-`` classes of assets/pages.css.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import PurePath

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from data import health, periods, text
from layouts import shell
from layouts.components import dropdown_labels
from layouts.ids import DataHealth

# Short names for the card titles (the configuration's description is the fallback), the
# delivery rhythms and the statuses: from data.text.
NAMES = text.group("source")
RHYTHMS = text.group("rhythm")
STATUS_WORDS = text.group("status")
RUN_STATUS_WORDS = text.group("run")
REACH_WORDS = text.group("reach")  # a data-through date that is behind: due, overdue
SEVERITY_WORDS = text.group("severity")
GRID_ROWS = 200  # rows each grid holds
DOWNLOAD_ROWS = 50_000  # rows the download holds (each stored row at most a few KB: etl.load.STORED_CHARS)
# Badge colours: text on tint, each pair readable (contrast above 4.5:1).
BADGE_COLOURS = {
    "ok": ("#17702f", "#e3f4e8"),  # 5.4:1: the green of the cards (#1a7f37) is 4.4:1 on this tint
    "due": ("#8a5300", "#fff1d6"),
    "overdue": ("#ffffff", "#c8161d"),
    "failed": ("#ffffff", "#8f1d21"),
    "never": ("#3d4652", "#e6e9ee"),
}

CARD_GRID = {"display": "grid", "gridTemplateColumns": "repeat(auto-fill, minmax(18.125rem, 1fr))", "gap": "0.75rem"}
CARD = {"background": "var(--csb-card)", "border": "1px solid var(--csb-line)", "borderRadius": "0.5rem",
        "padding": "0.75rem 0.875rem", "display": "flex", "flexDirection": "column", "gap": "0.375rem", "minWidth": 0}
SECTION = {"background": "var(--csb-card)", "border": "1px solid var(--csb-line)", "borderRadius": "0.5rem",
           "padding": "0.75rem 0.875rem", "marginTop": "0.875rem"}
H2 = {"fontSize": "1.125rem", "margin": "0 0 0.625rem"}
MUTED = {"color": "var(--csb-muted)", "fontSize": "0.875rem"}


def source_name(entry: dict, lang: str) -> str:
    """The card title: a short name, else the configuration's description, else the code."""
    if entry["source"] in NAMES:
        return text.pick(NAMES[entry["source"]], lang)
    description = entry.get("description")
    if description and " / " in description:
        return text.pick(tuple(description.rsplit(" / ", 1)), lang)
    return description or entry["source"]


def when(moment: datetime | None, today: date, lang: str) -> str:
    """``2025-03-01 08:03（今天）``: the time and how long ago, in days."""
    if moment is None:
        return text.t("data.never", lang)
    days = (today - moment.date()).days
    if days <= 0:
        ago = text.t("data.today", lang)
    elif days == 1:
        ago = text.t("data.yesterday", lang)
    else:
        ago = text.t("data.days_ago", lang, days=days)
    return text.t("data.stamp_ago", lang, stamp=moment.strftime("%Y-%m-%d %H:%M"), ago=ago)


def rhythm_text(entry: dict, lang: str) -> str:
    if not entry.get("rhythm"):
        return text.t("data.no_delivery_rhythm_set", lang)
    return text.t("data.rhythm", lang, rhythm=text.pick(RHYTHMS[entry["rhythm"]], lang),
                  grace=entry.get("grace_days") or 0)


def badge(status: str, lang: str) -> html.Span:
    ink, tint = BADGE_COLOURS[status]
    return html.Span(text.pick(STATUS_WORDS[status], lang), className=f"dh-badge dh-{status}", style={
        "color": ink, "background": tint, "borderRadius": "999px", "padding": "0.125rem 0.625rem",
        "fontSize": "0.875rem", "fontWeight": 600, "whiteSpace": "nowrap"})


#: A reason's closing aside, "(允许 / allowed: 社保, 医保)": its Chinese label, English label and the list.
ASIDE = re.compile(r"\s*\(([^()/]+?) / ([^():]+): (.*)\)$")
#: The offending value a reason opens with ("{value!r} 不是数字 / is not a number", etl/validate.py).
OPENING_VALUE = re.compile(r"^('[^']*')\s")


def localized(text: str, lang: str) -> str:
    """The ETL words most reasons "中文 / English", with the offending value only in the
    Chinese half. A Chinese page keeps that half (and of a closing "(允许 / allowed: …)"
    aside, "（允许：…）"). An English page keeps the English half where the value opens the
    Chinese one ("'很好' is not an allowed value (allowed: …)"), else the whole text, so that
    no value is lost. Text with no separator, or with more than one outside such an aside,
    is shown whole."""
    words, aside_zh, aside_en = text, "", ""
    found = ASIDE.search(text)
    if found:
        words = text[:found.start()]
        aside_zh, aside_en = f"（{found[1].strip()}：{found[3]}）", f" ({found[2].strip()}: {found[3]})"
    if words.count(" / ") != 1:
        return text
    zh, en = words.split(" / ")
    if lang != "en":
        return zh + aside_zh
    value = OPENING_VALUE.match(zh)
    return f"{value[1]} {en}{aside_en}" if value else text


def reason_text(reason: dict, lang: str) -> str:
    """``第 12 行 · 受理时间：不是日期`` (row and field when the refusal has them)."""
    parts = []
    if reason.get("row_number") is not None:
        parts.append(text.t("data.row_number", lang, row=reason["row_number"]))
    if reason.get("field"):
        parts.append(str(reason["field"]))
    where = " · ".join(parts)
    words = localized(str(reason["reason"]), lang)
    return f"{where}{text.t('word.colon', lang)}{words}" if where else words


def period_label(period: str | None, lang: str) -> str:
    """``近30天``: a period of ``health.PERIODS`` in the page's words."""
    period = period or health.DEFAULT_PERIOD
    return text.t("data.period_all", lang) if period == "all" else text.t(f"period.{period}", lang)


def through_text(entry: dict, lang: str) -> html.Div | None:
    """``数据截至2026年11月30日 · 已逾期``: how far the source's data reaches, and whether that
    is behind its rhythm (``health.reach``); nothing for a source that feeds no dated figure."""
    reach = entry.get("data_status")
    if reach is None:
        return None
    day = entry.get("data_through")
    if day is None:
        words = text.t("data.no_dated_data", lang)
    else:
        words = text.t("data.data_through", lang, date=text.pick(periods.describe(day, day), lang))
        if reach in REACH_WORDS:
            words += " · " + text.pick(REACH_WORDS[reach], lang)
    return html.Div(words, className=f"dh-through dh-reach-{reach}", **{"data-reach": reach})


def _reason_list(rows: list[dict], lang: str, class_name: str, empty: str) -> html.Ul | html.Div:
    if not rows:
        return html.Div(empty, className=f"{class_name} dh-none")
    return html.Ul([html.Li(reason_text(r, lang), title=reason_text(r, lang)) for r in rows], className=class_name)


def failure_details(run: dict, lang: str) -> html.Details:
    """A file refused whole: its name and first line, unfolding to the full ``etl_run.message``."""
    message = str(run.get("message") or "").strip()
    body = html.Pre(message, className="dh-message") if message else None
    held = None
    if run.get("status") == "quarantined":  # failed the same way twice: skipped until a retry or new delivery
        held = html.Div(text.t("data.quarantined", lang, file=run.get("location") or ""), className="dh-quarantined",
                        style={**MUTED, "fontSize": "0.8125rem"})
    summary = failure_text(run, lang)
    if run.get("status") == "quarantined":
        summary = f"{text.pick(RUN_STATUS_WORDS['quarantined'], lang)} · {summary}"
    return html.Details([html.Summary(summary, title=text.t("data.full_reason", lang)), held, body],
                        className="dh-failure" + (" dh-failure-quarantined" if held else ""))


def _count(label: str, value, colour: str | None = None) -> html.Div:
    shown = "—" if value is None else f"{int(value):,}"
    return html.Div([
        html.Div(shown, style={"fontSize": "1.375rem", "fontWeight": 700, "color": colour or "var(--csb-ink)",
                               "fontVariantNumeric": "tabular-nums"}),
        html.Div(label, style=MUTED),
    ], style={"flex": "1", "minWidth": 0})


def _checked(entry: dict, today: date, lang: str) -> html.Div | None:
    """When the ETL last looked for a delivery of this source (an unchanged pass included:
    ``python -m etl watch`` looks every few minutes), if later than its last load."""
    run = entry.get("last_run") or {}
    looked = run.get("finished_at") or run.get("started_at")
    if looked is None or run.get("id") == (entry.get("last_load") or {}).get("id"):
        return None
    return html.Div([text.t("data.last_checked", lang), when(looked, today, lang)], className="dh-checked",
                    style={**MUTED, "fontSize": "0.8125rem"})


def source_card(entry: dict, today: date, lang: str, period: str | None = None) -> html.Article:
    """One source: name and badge, rhythm, last load, how far its data reaches, the row
    counts of its latest read, and over ``period`` its refusals and warnings, apart."""
    load = entry.get("last_attempt") or {}
    rejected = load.get("rows_rejected")
    good = entry.get("last_load") or {}
    # The counts are of the latest read; say so when that is not the last good load.
    attempt = attempt_text(load, today, lang) if load and load.get("id") != good.get("id") else None
    expected = entry.get("expected_by")
    next_due = text.t("data.next_due", lang, date=f"{expected:%Y-%m-%d}") if expected else ""
    when_words = period_label(period, lang)
    counts = entry.get("counts") or {}
    reasons = _reason_list(entry["reasons"], lang, "dh-reasons", text.t("data.no_refusals_in", lang, period=when_words))
    warnings = _reason_list(entry.get("warnings") or [], lang, "dh-warnings", "") if entry.get("warnings") else None
    failed_note = None
    if entry.get("unresolved"):
        failed_note = html.Div([
            html.Div(text.t("data.not_loaded", lang), style={"fontWeight": 600}),
            *[failure_details(run, lang) for run in entry["unresolved"][:3]],
        ], className="dh-unresolved")
    return html.Article([
        html.Div([
            html.Div([
                html.H3(source_name(entry, lang), style={"fontSize": "1.125rem", "margin": 0, "whiteSpace": "nowrap",
                                                         "overflow": "hidden", "textOverflow": "ellipsis"}),
                html.Code(entry["source"], style={**MUTED, "fontSize": "0.75rem"}),
            ], style={"minWidth": 0}),
            badge(entry["status"], lang),
        ], style={"display": "flex", "justifyContent": "space-between", "alignItems": "flex-start", "gap": "0.5rem"}),
        html.Div(rhythm_text(entry, lang), style=MUTED),
        html.Div([text.t("data.last_loaded", lang), when(entry.get("last_loaded_at"), today, lang)],
                 className="dh-loaded", style={"fontSize": "0.9375rem"}),
        _checked(entry, today, lang),
        through_text(entry, lang),
        html.Div(next_due, style=MUTED) if next_due else None,
        failed_note,
        html.Div(attempt, style={**MUTED, "fontSize": "0.8125rem"}) if attempt else None,
        html.Div([
            _count(text.t("data.rows_in", lang), load.get("rows_read")),
            _count(text.t("data.loaded", lang), load.get("rows_loaded")),
            _count(text.t("data.refused", lang), rejected, "var(--csb-bad)" if rejected else None),
        ], style={"display": "flex", "gap": "0.5rem", "padding": "0.25rem 0", "borderTop": "1px solid var(--csb-line)",
                  "borderBottom": "1px solid var(--csb-line)"}),
        html.Div(text.t("data.period_counts", lang, period=when_words, refused=f"{counts.get('refused', 0):,}",
                        warnings=f"{counts.get('warning', 0):,}"), className="dh-period-counts"),
        html.Div(text.t("data.latest_refusals_in", lang, period=when_words), className="dh-list-head")
        if entry["reasons"] else None,
        reasons,
        html.Div(text.t("data.latest_warnings_in", lang, period=when_words), className="dh-list-head")
        if warnings else None,
        warnings,
    ], className=f"dh-card dh-card-{entry['status']}", style=CARD, **{"data-source": entry["source"],
                                                                         "data-status": entry["status"]})


def failure_text(run: dict, lang: str) -> str:
    """``hotline_2026-10.csv：无法识别文件编码``: which file, and why it was refused whole."""
    name = PurePath(str(run.get("location") or "")).name or text.t("data.unknown_file", lang)
    message = localized(str(run.get("message") or "").strip().splitlines()[0] if run.get("message") else "", lang)
    return f"{name}{text.t('word.colon', lang)}{message}" if message else name


def attempt_text(load: dict, today: date, lang: str) -> str:
    """Which load the row counts are of: the latest that read a delivery, good or failed."""
    status = text.pick(RUN_STATUS_WORDS.get(load["status"], (load["status"], load["status"])), lang)
    moment = load.get("finished_at") or load.get("started_at")
    return text.t("data.latest_read", lang, status=status, when=when(moment, today, lang))


def source_cards(found: list[dict], today: date, lang: str, period: str | None = None) -> list[html.Article]:
    """The cards worst first, then by their titles in the page's language (``health.ordered``)."""
    ordered = health.ordered(found, name=lambda entry: source_name(entry, lang))
    return [source_card(entry, today, lang, period) for entry in ordered]


def summary(counts: dict, version: int, loaded_at: datetime | None, today: date, lang: str) -> list:
    """The headline: how many sources are in each state, the data version, the last load."""
    parts = [text.t("data.sources", lang, count=counts["total"])]
    for status in ("ok", "due", "overdue", "failed", "never"):
        if counts.get(status):
            zh, en = STATUS_WORDS[status]
            parts.append(f"{text.pick((zh, en.lower()), lang)} {counts[status]}")
    loaded = when(loaded_at, today, lang) if loaded_at else text.t("data.none_yet", lang)
    return [
        html.Span(" · ".join(parts), style={"fontWeight": 600}),
        html.Span(text.t("data.version", lang, version=version, loaded=loaded), style=MUTED),
    ]


def _stamp(moment) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None


def run_rows(runs: list[dict], names: dict[str, str], lang: str) -> list[dict]:
    """Rows for the recent-runs grid: words in the page's language, times as text."""
    return [{
        "id": r["id"],
        "source": names.get(r["source"], r["source"]),
        "status": text.pick(RUN_STATUS_WORDS.get(r["status"], (r["status"], r["status"])), lang),
        "started_at": _stamp(r["started_at"]),
        "finished_at": _stamp(r["finished_at"]),
        "rows_read": r["rows_read"],
        "rows_loaded": r["rows_loaded"],
        "rows_rejected": r["rows_rejected"],
        "location": r["location"],
        "message": r["message"],
    } for r in runs]


def reject_rows(rejects: list[dict], names: dict[str, str]) -> list[dict]:
    """Rows for the refused-rows and warnings grids (the stored row as its preview, if read)."""
    return [{
        "run_id": r["run_id"],
        "source": names.get(r["source"], r["source"]),
        "row_number": r["row_number"],
        "field": r["field"],
        "reason": r["reason"],
        "raw": r.get("raw"),
    } for r in rejects]


def download_frame(rejects: list[dict], names: dict[str, str], lang: str) -> pd.DataFrame:
    """The CSV's table: each refused row and warning with its run, file, row number, field,
    reason, severity and the row as stored (personal data never is), headed in the page's words."""
    columns = {
        "source": text.t("data.source", lang), "run_id": text.t("data.run", lang),
        "started_at": text.t("data.started", lang), "location": text.t("data.file", lang),
        "row_number": text.t("data.row", lang), "field": text.t("data.field", lang),
        "reason": text.t("data.reason", lang), "severity": text.t("data.severity", lang),
        "raw": text.t("data.raw_stored", lang),
    }
    rows = [{
        **{key: r.get(key) for key in columns},
        "source": names.get(r["source"], r["source"]),
        "started_at": _stamp(r.get("started_at")),
        "severity": text.pick(SEVERITY_WORDS.get(r["severity"], (r["severity"], r["severity"])), lang),
        "row_number": r["row_number"] if r["row_number"] is not None else pd.NA,
    } for r in rejects]
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["row_number"] = frame["row_number"].astype("Int64")
    return frame.rename(columns=columns)


def source_options(found: list[dict], lang: str) -> list[dict]:
    """The source picker: every source the page lists, by its title."""
    return [{"label": source_name(entry, lang), "value": entry["source"]} for entry in found]


def _grid(grid_id: str, columns: list[dict], empty: str, lang: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=columns,
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 80},
        columnSize="responsiveSizeToFit",
        # The empty grid's words go through localeText: dash-ag-grid refuses (and logs an error
        # for) an overlayNoRowsTemplate, a string AG Grid would evaluate as HTML.
        dashGridOptions={"animateRows": False, "tooltipShowDelay": 300,
                         "enableCellTextSelection": True, "domLayout": "autoHeight",
                         "pagination": True, "paginationPageSize": 10, "paginationPageSizeSelector": [10, 25, 50, 100],
                         "localeText": text.grid_locale(lang, noRowsToShow=empty)},
        className="ag-theme-quartz",
        style={"width": "100%"},
    )


def layout(lang: str = "zh", **_query) -> html.Div:
    """The page; ``?lang=en`` for English. Other URL parameters are ignored."""
    lang = "en" if lang == "en" else "zh"
    number = {"type": "numericColumn", "filter": False, "minWidth": 90, "maxWidth": 120}
    runs = _grid(DataHealth.RUNS, [
        {"field": "id", "headerName": text.t("data.run", lang), **number, "sort": "desc"},
        {"field": "source", "headerName": text.t("data.source", lang), "minWidth": 150},
        {"field": "status", "headerName": text.t("data.result", lang), "maxWidth": 110},
        {"field": "started_at", "headerName": text.t("data.started", lang), "minWidth": 165},
        {"field": "finished_at", "headerName": text.t("data.finished", lang), "minWidth": 165},
        {"field": "rows_read", "headerName": text.t("data.in", lang), **number},
        {"field": "rows_loaded", "headerName": text.t("data.head_loaded", lang), **number},
        {"field": "rows_rejected", "headerName": text.t("data.head_refused", lang), **number},
        {"field": "location", "headerName": text.t("data.file", lang), "minWidth": 200, "tooltipField": "location"},
        {"field": "message", "headerName": text.t("data.message", lang), "minWidth": 200, "tooltipField": "message"},
    ], text.t("data.no_loads_yet", lang), lang)
    reject_columns = [
        {"field": "run_id", "headerName": text.t("data.run", lang), **number},
        {"field": "source", "headerName": text.t("data.source", lang), "minWidth": 130, "maxWidth": 180},
        {"field": "row_number", "headerName": text.t("data.row", lang), **number},
        {"field": "field", "headerName": text.t("data.field", lang), "minWidth": 110, "maxWidth": 180},
        {"field": "reason", "headerName": text.t("data.reason", lang), "minWidth": 280, "tooltipField": "reason"},
        {"field": "raw", "headerName": text.t("data.raw_row", lang), "minWidth": 260, "tooltipField": "raw"},
    ]
    rejects = _grid(DataHealth.REJECTS, reject_columns, text.t("data.no_refused_rows", lang), lang)
    warnings = _grid(DataHealth.WARNINGS, reject_columns, text.t("data.no_warnings", lang), lang)
    controls = html.Div([
        html.Div([
            html.Span(text.t("word.period", lang), className="control-label"),
            dcc.RadioItems(id=DataHealth.PERIOD, value=health.DEFAULT_PERIOD, inline=True, className="segmented",
                           options=[{"label": period_label(p, lang), "value": p} for p in health.PERIODS]),
        ], className="control"),
        html.Div([
            html.Span(text.t("data.source", lang), className="control-label"),
            dcc.Dropdown(id=DataHealth.SOURCE, options=[], value=None, placeholder=text.t("data.all_sources", lang),
                         searchable=False, className="dh-source-picker", labels=dropdown_labels(lang)),
        ], className="control"),
        html.Div([
            html.Button(text.t("data.download_csv", lang), id=DataHealth.CSV, className="button"),
            dcc.Download(id=DataHealth.DOWNLOAD),
        ], className="downloads"),
    ], className="dh-controls")
    return shell.page(
        "/data", lang,
        dcc.Store(id=DataHealth.LANG, data=lang),
        dcc.Interval(id=DataHealth.REFRESH, interval=5 * 60 * 1000),
        html.Div([
            html.H1(text.t("data.data_health", lang), style={"fontSize": "1.5rem", "margin": "0"}),
            html.Div(id=DataHealth.SUMMARY, style={"display": "flex", "flexWrap": "wrap", "gap": "0.25rem 1rem",
                                                   "alignItems": "baseline", "fontSize": "0.9375rem"}),
        ], style={"display": "flex", "flexWrap": "wrap", "gap": "0.25rem 1.25rem", "alignItems": "baseline",
                  "marginBottom": "0.75rem"}),
        html.Div(id=DataHealth.NOTICE, role="alert", style={"display": "none"}),
        controls,
        dcc.Loading(html.Div(id=DataHealth.SOURCES, style=CARD_GRID), type="dot", delay_show=400),
        html.Section([html.H2(text.t("data.recent_loads", lang), style=H2), runs], style=SECTION),
        html.Section([html.H2(text.t("data.refused_rows", lang), style=H2), rejects], style=SECTION,
                     className="dh-refused-section"),
        html.Section([html.H2(text.t("data.warning_rows", lang), style=H2), warnings,
                      html.P(text.t("data.grid_limit", lang, limit=GRID_ROWS, download=f"{DOWNLOAD_ROWS:,}"), className="note")],
                     style=SECTION, className="dh-warnings-section"),
    )
