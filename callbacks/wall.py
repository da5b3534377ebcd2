"""The wall screen's callbacks: one server refresh that patches figures in place, and the
clientside parts (clock, rotation, the refresh gate) that need no round trip.

The page itself arrives with its first figures in it (``first_screen``: the refresh's
answer for a wall that shows nothing yet, applied on the server), so a new screen draws
once, at once. A refresh is asked for by the clientside gate (``wall.gate`` in assets/wall.js), which
never asks while the previous answer is outstanding. The server reads the figures once
per (area, language, day, data version) and answers with Patches, so charts are updated
rather than rebuilt. If the warehouse cannot be read, the answer says so and every
figure on screen is left exactly as it was; wall.js then shows how old they are.
"""
from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta

from dash import ALL, ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, html, no_update

from data import areas, content, labels, periods, present, query, settings
from data import text as catalogue  # read_figures has a local called text
from data import cache as data_cache
from data import playlist as playlists
from data.periods import month_end, month_start, week_start
from layouts import wall as view
from layouts.ids import Wall

log = logging.getLogger(__name__)

LEAGUE_METRICS = [(code, catalogue.pair(f"league.{code}")) for code in
                  ("activity_participants", "volunteer_hours", "hotline_satisfaction_rate", "grid_events_closure_rate")]
LEAGUE_ROWS = 10
LIST_ITEMS = 6
AGENDA_ITEMS = 8
TICKER_ITEMS = 12
TICKER_CHARS = 120  # a title longer than this would hold the ticker for minutes
AGE_ORDER = ["0-17", "18-34", "35-59", "60+"]
HOTLINE_TRENDS = ("hotline_received", "hotline_on_time_rate", "hotline_satisfaction_rate")


# --- numbers and words ------------------------------------------------------------------

# Figures are written by data.present, words come from data.text, dates from data.periods;
# these names stay for the code below.

def is_percent(code: str) -> bool:
    return present.is_percent(code)


def number(value, *, percent: bool = False, lang: str = "zh") -> dict:
    """``text`` and the parts wall.js counts up (``n``, ``d``, ``s``): ``present.show``, compact."""
    return present.show(value, None, lang, compact=True, percent=percent).counter()


def month_label(d: date, lang: str) -> str:
    return catalogue.month_name(d.month, lang, short=True)


def long_month(d: date, lang: str) -> str:
    return f"{catalogue.month_name(d.month, lang, short=True)} {d.year}" if lang == "en" else f"{d.year}年{d.month}月"


def day_label(d: date, lang: str) -> str:
    return f"{d.day} {catalogue.month_name(d.month, lang, short=True)}" if lang == "en" else f"{d.month}月{d.day}日"


def member_label(key, row_label_en, lang: str, limit: int = 24) -> str:
    value = labels.label(key, lang) if lang == "en" else labels.label(key, "zh")
    if lang == "en" and value == str(key) and row_label_en:
        value = row_label_en
    return value if len(value) <= limit else value[: limit - 1] + "…"


months_back = periods.months_back


# --- reading the warehouse ----------------------------------------------------------------

def _breakdown(metric, area, start, end, by, lang, *, order=None):
    rows = [(r["key"], r["label_en"], r["value"]) for r in query.breakdown_rows(metric, area, start, end, by=by)
            if r["value"] is not None and r["value"] > 0]
    if order:
        rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    return [{"label": member_label(k, en, lang), "value": v} for k, en, v in rows]


def _points(pairs, lang):
    return [{"label": month_label(period, lang), "value": value} for period, value in pairs]


def _latest_month(metric: str, area: str) -> tuple[date, date] | None:
    """The month of the latest figure of a monthly-reported metric (party reports lag a month)."""
    latest = query.latest_period(metric, area)
    if latest is None:
        return None
    return month_start(latest), month_end(latest)


def _kpi_value(code: str, area: str, start: date, end: date, lang: str, value) -> tuple[float | None, str]:
    """A KPI's figure and the period it covers: this month (``value``), or a stock's latest report."""
    info = query.metric_info(code) or {}
    period = view.t("this_month", lang).capitalize() if lang == "en" else view.t("this_month", lang)
    if info.get("kind") == "stock":
        span = _latest_month(code, area) if value is None else (start, end)
        if value is None and span:
            value = query.value(code, area, *span)
        if span:
            period = f"As of {month_label(span[0], lang)}" if lang == "en" else f"截至{span[0].month}月"
    return value, period


def _target(code: str, value, lang: str, period: str = "") -> tuple[str, bool]:
    """The line under a KPI (its target, marked when missed, else its period) and whether it is missed."""
    info = query.metric_info(code) or {}
    target = info.get("target")
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return period, False
    higher = (info.get("better") or "higher") != "lower"
    shown = present.target_text(target, info)
    below = value is not None and (value < target if higher else value > target)
    if below:
        return f"{catalogue.t('wall.below_target', lang)} {shown}", True
    limit = "" if higher else "≤ "
    return f"{catalogue.t('wall.target', lang)} {limit}{shown}", False


GUIDE_PREFIXES = ("办事指引：", "办事指引:", "Service guide: ", "Service guide:")


def _title(item: dict, lang: str) -> str:
    title = (item.get("title_en") or item["title"]) if lang == "en" else item["title"]
    for prefix in GUIDE_PREFIXES:  # the panel's caption already says so
        if title.startswith(prefix):
            return title[len(prefix):].strip()
    return title


def _first_line(text: str | None, skip: str = "", limit: int = 70) -> str:
    """The first line of prose in a Markdown body (headings, list marks and markup skipped)."""
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = content.plain_text(line)
        if not line:
            continue
        if skip and line.startswith(skip):
            line = line[len(skip):].lstrip("，,：: ")
        return _clip(line, limit)
    return ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    if lang == "en":
        return (f"{catalogue.weekday_name(moment.weekday(), lang, short=True)} {moment.day} "
                f"{month_label(moment, lang)} {moment:%H:%M}")
    return f"周{catalogue.weekday_name(moment.weekday(), lang)} {moment.month}/{moment.day} {moment:%H:%M}"


def read_figures(area: str, lang: str, today: date) -> dict:
    """Every figure the wall shows for ``area`` on ``today``, as plain data (cached by the caller).

    Nothing in it depends on the time of day: which activities have begun is worked out
    at each refresh (``_agenda_at``), so a day's figures can be shared until midnight.
    """
    info = areas.get(area) or {"code": area, "name": area, "name_en": area}
    month = (month_start(today), today)
    year_ago = (months_back(today), today)
    last_30 = (today - timedelta(days=29), today)
    f: dict = {"stats": {}, "charts": {}, "lists": {}}
    name = (info.get("name_en") or info["name"]) if lang == "en" else info["name"]
    f["area_name"] = name

    stats = f["stats"]
    kpis = []
    # This month's figures of the KPI strip and of every panel: one statement.
    month_tables = (view.KPIS, view.GOVERNANCE_STATS, view.SERVICE_STATS, view.VOLUNTEER_STATS,
                    view.PARTICIPATION_STATS)
    this_months = query.values(list(dict.fromkeys(code for table in month_tables for code, _, _ in table)),
                               area, *month)
    for code, _label, _unit in view.KPIS:
        value, period = _kpi_value(code, area, *month, lang, this_months.get(code))
        text, below = _target(code, value, lang, period)
        kpis.append({"code": code, "below": below, "target": text, **number(value, percent=is_percent(code), lang=lang)})
    f["kpis"] = kpis

    party = _latest_month("party_members", area)
    if party:
        got = query.values([k for k, _, _ in view.PARTY_STATS], area, *party)
        for code, value in got.items():
            stats[f"party-{code}"] = number(value, lang=lang)["text"]
        stats["party-period"] = catalogue.t("wall.monthly_report", lang) + long_month(party[0], lang)
    else:
        stats["party-period"] = view.t("no_data", lang)

    for prefix, table in (("gov-", view.GOVERNANCE_STATS), ("svc-", view.SERVICE_STATS),
                          ("svc-", view.VOLUNTEER_STATS), ("act-", view.PARTICIPATION_STATS)):
        for code, _, _ in table:
            stats[prefix + code] = number(this_months[code], percent=is_percent(code), lang=lang)["text"]
    this_month = view.t("this_month", lang)
    month_text = (this_month.capitalize() if lang == "en" else this_month) + f" · {long_month(today, lang)}"
    for panel in ("governance", "services", "participation"):
        stats[f"{panel}-period"] = month_text
    stats["league-period"] = view.t("league_caption", lang)
    week = (week_start(today), week_start(today) + timedelta(days=6))
    stats["activities-period"] = f"{day_label(week[0], lang)} – {day_label(week[1], lang)}"
    stats["guide-period"] = ""

    charts = f["charts"]
    trends = query.trends(["activity_party_participants", "activity_participants", *HOTLINE_TRENDS], area,
                          *year_ago, "month")  # one statement
    charts["party-trend"] = _points(trends["activity_party_participants"], lang)
    charts["governance-events"] = _breakdown("grid_events_reported", area, *month, "category", lang)
    charts["governance-hotline"] = {
        **{line: _points(trends[code], lang) for line, code in zip(("received", "on_time", "satisfied"),
                                                                     HOTLINE_TRENDS)},
        "names": [pick_metric_name(code, lang) for code in HOTLINE_TRENDS],
    }
    charts["services-items"] = _breakdown("service_transactions", area, *month, "item", lang)
    charts["services-channels"] = _breakdown("service_transactions", area, *month, "channel", lang)
    charts["services-care"] = _breakdown("care_services", area, *month, "item", lang)
    charts["participation-types"] = _breakdown("activity_participants", area, *month, "type", lang)
    charts["participation-ages"] = _breakdown("activity_participants", area, *month, "age_band", lang,
                                              order=AGE_ORDER)
    charts["participation-trend"] = _points(trends["activity_participants"], lang)

    league = query.league_table(area, [code for code, _ in LEAGUE_METRICS], *last_30)
    first = LEAGUE_METRICS[0][0]
    rows = league.to_dict("records")
    rows = [r for r in rows if any(not math.isnan(r[c]) for c, _ in LEAGUE_METRICS)]
    rows.sort(key=lambda r: -r[first] if not math.isnan(r[first]) else math.inf)
    f["league"] = [
        {"name": (r["name_en"] or r["name"]) if lang == "en" else r["name"],
         "cells": [present.show(None if math.isnan(r[c]) else r[c], c, lang, compact=True).text
                   for c, _ in LEAGUE_METRICS]}
        for r in rows[:LEAGUE_ROWS]
    ]
    for i, (_code, pair) in enumerate(LEAGUE_METRICS):
        stats[f"league-head-{i}"] = view.pick(pair, lang)

    f["lists"]["guide"] = [{"title": _title(i, lang), "sub": _first_line(i.get("body"))}
                           for i in content.items(["guide"], area, limit=LIST_ITEMS)]
    f["lists"]["resource"] = [{"title": _title(i, lang), "sub": _first_line(i.get("body"), skip=i["title"])
                               or i.get("location") or ""}
                              for i in content.items(["resource"], area, limit=LIST_ITEMS)]
    f["lists"]["agenda"] = [{"when": _when(i.get("starts_at"), lang), "title": _title(i, lang),
                             "where": i.get("location") or "",
                             "starts": i["starts_at"].isoformat() if i.get("starts_at") else None}
                            for i in content.upcoming(area, *week, limit=AGENDA_ITEMS)]
    seen, ticker = set(), []
    for item in content.items(["news", "notice"], area, limit=TICKER_ITEMS * 2):
        title = _title(item, lang)
        if title in seen:
            continue
        seen.add(title)
        ticker.append({"id": item["id"], "kind": item["kind"], "title": _clip(title, TICKER_CHARS)})
    f["ticker"] = ticker[:TICKER_ITEMS]

    latest = query.latest_period(["hotline_received", "service_transactions", "grid_events_reported"], area)
    f["as_of"] = f"{view.t('as_of', lang)} {day_label(latest, lang)}" if latest else ""
    return f


def pick_metric_name(code: str, lang: str) -> str:
    """The hotline chart's legend: a short name from data.text, else the catalogue's name."""
    if f"short.{code}" in catalogue.TEXT:
        return catalogue.t(f"short.{code}", lang)
    info = query.metric_info(code) or {}
    return (info.get("name_en") if lang == "en" else info.get("name")) or code


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
MEMO_ITEMS = 1024  # answers kept per process: every area a district's screens show, in two languages


@data_cache.cached
def _shared_figures(area: str, lang: str, day: str) -> dict:
    """``read_figures`` through the app's cache (Redis in a deployment), so of all the
    workers and hosts serving walls, one computes an area's day and the rest read it."""
    return read_figures(area, lang, date.fromisoformat(day))


def figures(area: str, lang: str, today: date) -> tuple[str, dict]:
    """``read_figures`` once per area, language, day and data version; walls share the answer.

    Returns the cache key too: the wall sends it back with its next request, so a refresh
    that finds nothing new patches nothing.
    """
    # The version this request's cache keys carry (pinned for the request, no SQL within
    # the TTL): a fresh read here could file an older version's figures under a newer key.
    key = f"{data_cache.data_version()}|{today.isoformat()}|{area}|{lang}"
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return key, _cache[key]
    if data_cache.enabled():
        found = _shared_figures(area, lang, today.isoformat())
    else:
        found = read_figures(area, lang, today)
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > MEMO_ITEMS:
            _cache.popitem(last=False)
    return key, found


def shown_figures(key: str | None) -> dict | None:
    """The figures a wall last received, if still cached (to send only what changed)."""
    with _cache_lock:
        return _cache.get(key) if key else None


# --- patches ------------------------------------------------------------------------------

def _empty(patch: Patch, empty: bool, *axes: str) -> None:
    patch["layout"]["annotations"][0]["visible"] = empty
    for axis in axes:
        patch["layout"][axis]["visible"] = not empty


def patch_hbar(rows: list[dict], lang: str) -> Patch:
    p = Patch()
    values = [r["value"] for r in rows]
    p["data"][0]["y"] = [r["label"] for r in rows]
    p["data"][0]["x"] = values
    p["data"][0]["text"] = [number(v, lang=lang)["text"] for v in values]
    p["layout"]["xaxis"]["range"] = [0, (max(values) if values else 1) * 1.28]
    _empty(p, not rows, "yaxis")
    return p


def patch_donut(rows: list[dict], lang: str) -> Patch:
    p = Patch()
    total = sum(r["value"] for r in rows) or 1
    # Percentages go into the legend: slice labels would shrink below legible size.
    p["data"][0]["labels"] = [f"{r['label']}  {r['value'] / total:.0%}" for r in rows]
    p["data"][0]["values"] = [r["value"] for r in rows]
    p["layout"]["showlegend"] = bool(rows)
    _empty(p, not rows)
    return p


def patch_trend(points: list[dict], lang: str) -> Patch:
    p = Patch()
    values = [pt["value"] or 0 for pt in points]
    empty = not any(values)
    p["data"][0]["x"] = [pt["label"] for pt in points]
    p["data"][0]["y"] = values
    # Only the latest month carries its number: twelve labels would crowd a wall chart.
    p["data"][0]["text"] = ([""] * (len(values) - 1) + [number(values[-1], lang=lang)["text"]]) if not empty else []
    p["layout"]["yaxis"]["range"] = [0, (max(values) if values else 1) * 1.2 or 1]
    _empty(p, empty, "xaxis")
    return p


def patch_hotline(data: dict, lang: str) -> Patch:
    p = Patch()
    received = data["received"]
    months = [pt["label"] for pt in received]
    empty = not any(pt["value"] for pt in received)
    for index, key in enumerate(("received", "on_time", "satisfied")):
        p["data"][index]["x"] = months
        p["data"][index]["y"] = [pt["value"] if pt["value"] is not None else None for pt in data[key]]
        p["data"][index]["name"] = data["names"][index]
    p["layout"]["showlegend"] = not empty
    _empty(p, empty, "xaxis", "yaxis", "yaxis2")
    return p


PATCHERS = {"hbar": patch_hbar, "donut": patch_donut, "trend": patch_trend, "hotline": patch_hotline}


def _league_rows(rows: list[dict], lang: str):
    if not rows:
        return [html.Tr(html.Td(view.t("no_data", lang), colSpan=6, className="wall-empty"))]
    return [
        html.Tr([html.Td(str(i), className=f"wall-league-rank r{i}"), html.Td(r["name"], className="wall-league-name")]
                + [html.Td(cell) for cell in r["cells"]])
        for i, r in enumerate(rows, start=1)
    ]


def _items(rows: list[dict], lang: str):
    if not rows:
        return [html.Li(view.t("no_data", lang), className="wall-empty")]
    return [html.Li([html.Div(r["title"], className="wall-item-title"), html.Div(r["sub"], className="wall-item-sub")])
            for r in rows]


def _agenda_at(rows: list[dict], now: datetime) -> list[dict]:
    """The week's activities with ``past`` set for those that have begun by ``now``."""
    return [dict(r, past=r["starts"] is not None and datetime.fromisoformat(r["starts"]) < now) for r in rows]


def _agenda(rows: list[dict], lang: str):
    if not rows:
        return [html.Li(view.t("no_data", lang), className="wall-empty")]
    return [
        html.Li([html.Span(r["when"], className="wall-agenda-when"),
                 html.Span(r["title"], className="wall-agenda-title"),
                 html.Span(r["where"], className="wall-agenda-where")],
                className="wall-agenda-item past" if r["past"] else "wall-agenda-item")
        for r in rows
    ]


def _note(problem, unknown_area: str | None, lang: str) -> str:
    notes = []
    if unknown_area:
        notes.append(f"Unknown area {unknown_area}; showing the default area" if lang == "en"
                     else f"未知区域 {unknown_area}，显示默认区域")
    if problem is not None:
        where = f"{problem.as_dict()['name']}" + (f", line {problem.line}" if problem.line else "")
        if lang == "en":
            notes.append(f"Playlist error ({where}): {problem.reason}. Using the default playlist.")
        else:
            line = f" 第{problem.line}行" if problem.line else ""
            notes.append(f"播放列表有误（{problem.as_dict()['name']}{line}）：{problem.reason}。已使用默认播放列表。")
    return " ".join(notes)


# --- the server refresh -------------------------------------------------------------------

# The refresh's single-component outputs after the pattern-matching ones, in order.
SINGLE_OUTPUTS = (Wall.AREA_NAME, Wall.AS_OF, Wall.LEAGUE_BODY, Wall.GUIDE_LIST, Wall.RESOURCE_LIST,
                  Wall.ACTIVITY_LIST, Wall.NOTE)


@callback(
    Output(Wall.DATA, "data"),
    Output(Wall.chart(ALL), "figure"),
    Output(Wall.panel(ALL), "data-as-of"),
    Output(Wall.kpi(ALL), "className"),
    Output(Wall.stat(ALL), "children"),
    *[Output(single, "children") for single in SINGLE_OUTPUTS],
    Output(Wall.PLAYLIST, "data"),
    Input(Wall.REQUEST, "data"),
    State(Wall.DATA, "data"),
    State(Wall.CONFIG, "data"),
    State(Wall.PLAYLIST, "data"),
    State(Wall.chart(ALL), "id"),
    State(Wall.panel(ALL), "id"),
    State(Wall.kpi(ALL), "id"),
    State(Wall.stat(ALL), "id"),
    prevent_initial_call=True,
)
def refresh(request, shown, config, shown_playlist, chart_ids, panel_ids, kpi_ids, stat_ids):
    """Re-read the figures and patch them in; on failure leave the screen as it is and say so."""
    return answer(request, shown, config, shown_playlist, chart_ids, panel_ids, kpi_ids, stat_ids)


def answer(request, shown, config, shown_playlist, chart_ids, panel_ids, kpi_ids, stat_ids) -> tuple:
    """The refresh's outputs, in the order of its ``Output``s: what differs from ``shown``."""
    request = request or {}
    config = config or {}
    lang = config.get("lang", "zh")
    area = config.get("area") or view.DEFAULT_AREA
    playlist = playlists.load()
    client = playlist.for_client()
    new_playlist = client if client["signature"] != (shown_playlist or {}).get("signature") else no_update
    now = settings.local_now()
    stamp = now.astimezone().isoformat(timespec="seconds")
    try:
        unknown = None
        if areas.get(area) is None:
            unknown, area = area, view.DEFAULT_AREA
        key, f = figures(area, lang, now.date())
    except Exception as err:  # noqa: BLE001 - any failure: keep the last figures, report it
        log.warning("wall refresh for %s failed: %s", area, err)
        keep = no_update
        return ({"n": request.get("n"), "ok": False, "key": (shown or {}).get("key"),
                 "error": str(err).splitlines()[0] if str(err) else type(err).__name__},
                [keep] * len(chart_ids), [keep] * len(panel_ids), [keep] * len(kpi_ids), [keep] * len(stat_ids),
                keep, keep, keep, keep, keep, keep, keep, new_playlist)

    # Send only what differs from what this wall already shows: an unchanged chart is not
    # touched at all, so a refresh that finds nothing new costs the screen nothing.
    old = shown_figures((shown or {}).get("key"))

    def changed(pick):
        return old is None or pick(old) != pick(f)

    def only_changed(pick, make):
        return make() if changed(pick) else no_update

    kinds = {chart: kind for chart, (kind, _w, _h) in view.CHARTS.items()}
    patches = [
        only_changed(lambda fig, c=i["chart"]: fig["charts"][c],
                     lambda c=i["chart"]: PATCHERS[kinds[c]](f["charts"][c], lang))
        for i in chart_ids
    ]
    below = {k["code"]: k["below"] for k in f["kpis"]}

    def stats_of(fig):
        return {**fig["stats"], **{f"target-{k['code']}": k["target"] for k in fig["kpis"]}}

    agenda = _agenda_at(f["lists"]["agenda"], now)
    past = sum(r["past"] for r in agenda)  # the screen greys an activity once it has begun
    new_stats, old_stats = stats_of(f), stats_of(old) if old else {}
    stats = [new_stats.get(i["stat"], "—") if old is None or new_stats.get(i["stat"]) != old_stats.get(i["stat"])
             else no_update for i in stat_ids]
    data = {
        "n": request.get("n"),
        "ok": True,
        "key": key,
        "at": stamp,
        "kpis": [{k: v for k, v in kpi.items() if k in ("code", "text", "n", "d", "s")} for kpi in f["kpis"]],
        "ticker": f["ticker"],
        "past": past,
    }
    return (
        data,
        patches,
        [stamp] * len(panel_ids),
        ["wall-kpi below" if below.get(i["metric"]) else "wall-kpi" for i in kpi_ids],
        stats,
        only_changed(lambda fig: fig["area_name"], lambda: f["area_name"]),
        only_changed(lambda fig: fig["as_of"], lambda: f["as_of"]),
        only_changed(lambda fig: fig["league"], lambda: _league_rows(f["league"], lang)),
        only_changed(lambda fig: fig["lists"]["guide"], lambda: _items(f["lists"]["guide"], lang)),
        only_changed(lambda fig: fig["lists"]["resource"], lambda: _items(f["lists"]["resource"], lang)),
        _agenda(agenda, lang) if changed(lambda fig: fig["lists"]["agenda"]) or (shown or {}).get("past") != past
        else no_update,
        _note(playlist.problem, unknown, lang),
        new_playlist,
    )


# --- the first screen ---------------------------------------------------------------------

# The refresh's pattern-matching outputs, in order: the id's type and the property set.
PATTERN_OUTPUTS = (("wall-chart", "figure"), ("wall-panel", "data-as-of"), ("wall-kpi", "className"),
                   ("wall-stat", "children"))


def _key(component_id):
    return tuple(sorted(component_id.items())) if isinstance(component_id, dict) else component_id


def _components(page) -> dict:
    """Every component of ``page`` that has an id, by its id, in layout order (one walk of
    the tree, where ``page[id]`` walks it once per look-up)."""
    return {_key(c.id): c for c in page._traverse() if getattr(c, "id", None) is not None}


def _ids(components: dict, kind: str) -> list[dict]:
    """The pattern ids of one type, as the refresh's ``ALL`` would list them."""
    return [c.id for c in components.values() if isinstance(c.id, dict) and c.id.get("type") == kind]


def apply_patch(figure: dict, patch) -> dict:
    """``figure`` with ``patch``'s assignments made, as the browser would make them."""
    if patch is no_update:
        return figure
    for operation in patch.to_plotly_json()["operations"]:
        if operation["operation"] != "Assign":
            raise ValueError(f"cannot apply {operation['operation']} on the server")
        *path, last = operation["location"]
        target = figure
        for step in path:
            target = target[step]
        target[last] = operation["params"]["value"]
    return figure


def first_screen(area: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The wall page with its first figures already in it.

    A wall that asked for them after loading waited for the chart code, a second round
    trip and a second drawing of every chart; now the page arrives drawn, and the first
    refresh finds nothing new. If the warehouse cannot be read, the page is the empty
    frame as before and the refresh says what is wrong.
    """
    page = view.layout(area, lang, **query)
    found = _components(page)
    ids = [_ids(found, kind) for kind, _prop in PATTERN_OUTPUTS]
    outputs = answer({"n": 0}, None, found[Wall.CONFIG].data, found[Wall.PLAYLIST].data, *ids)
    data, patterned, singles = outputs[0], outputs[1:1 + len(ids)], outputs[1 + len(ids):-1]
    if not data.get("ok"):
        return page
    found[Wall.DATA].data = data
    for (_kind, prop), targets, values in zip(PATTERN_OUTPUTS, ids, patterned):
        for target, value in zip(targets, values):
            if value is no_update:
                continue
            component = found[_key(target)]
            if prop == "figure":
                value = apply_patch(component.figure, value)
            setattr(component, prop, value)
    for target, value in zip(SINGLE_OUTPUTS, singles):
        if value is not no_update:
            found[target].children = value
    return page


# --- clientside: clock, rotation, the refresh gate (assets/wall.js) ----------------------------

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="clock"),
    Output(Wall.CLOCK, "children"),
    Output(Wall.DATE, "children"),
    Input(Wall.TICK, "n_intervals"),
    State(Wall.CONFIG, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="rotate"),
    Output(Wall.STAGE, "data-active"),
    Output(Wall.ROTATE, "interval"),
    Input(Wall.ROTATE, "n_intervals"),
    Input(Wall.PLAYLIST, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="refreshEvery"),
    Output(Wall.REFRESH, "interval"),
    Input(Wall.PLAYLIST, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="gate"),
    Output(Wall.REQUEST, "data"),
    Input(Wall.REFRESH, "n_intervals"),
    State(Wall.REQUEST, "data"),
    State(Wall.DATA, "data"),
    State(Wall.PLAYLIST, "data"),
)

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="received"),
    Output(Wall.UPDATED, "children"),
    Input(Wall.DATA, "data"),
    State(Wall.CONFIG, "data"),
)
