"""The overview's figures: KPI cards, the "needs attention" list, the league table.

Everything here reads the warehouse through ``data.query`` and ``data.areas`` only. The
pieces that decide what needs attention are plain functions of figures, so they can be
read (and tested) without a browser.
"""
from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, callback, html, no_update
from dash.exceptions import PreventUpdate

from data import areas, export, labels, periods, present, query, text, urlstate
from layouts import components as ui
from layouts.components import BAD
from layouts.ids import Overview
from layouts.overview import KPIS, all_kpis

WORSENING_PERCENT = 10.0  # a relative move this large against the last period is worth a look
WORSENING_POINTS = 2.0  # ... and for a ratio, this many percentage points
RISING_CATEGORIES = 3
MAX_ATTENTION = 10


def area_options(code: str | list | None, search: str | None, lang: str, *, extra: list | None = None) -> list[dict]:
    """Options for an area picker: the area with the areas above it, its children and
    siblings, whatever else is selected, and what the typed text finds."""
    seen: dict[str, dict] = {}

    def add(area: dict) -> None:
        if area["code"] in seen or area.get("level") == "city":
            return
        try:
            chain = areas.ancestors(area["code"])
        except areas.UnknownArea:
            return
        seen[area["code"]] = {"label": ui.area_option_label(chain, lang), "value": area["code"]}

    codes = [c for c in ([code] if isinstance(code, str) else list(code or [])) + list(extra or []) if c]
    for c in codes:
        found = areas.get(c)
        if found is None:
            continue
        try:
            for above in areas.ancestors(c):
                add(above)
        except areas.UnknownArea:
            pass
        if found.get("parent_code"):
            for sibling in areas.children(found["parent_code"]):
                add(sibling)
        for child in areas.children(c):
            add(child)
    if search:
        for found in areas.search(search, limit=20):
            add(found)
    for c in codes:
        if c not in seen:  # unknown code: keep it visible so the notice makes sense
            seen[c] = {"label": c, "value": c}
    return list(seen.values())


@callback(
    Output(Overview.AREA, "options"),
    Input(Overview.AREA, "value"),
    Input(Overview.AREA, "search_value"),
    State(Overview.LANG, "data"),
)
def fill_area_options(code, search, lang):
    return area_options(code, search, lang)


# What the page shows: area and period (both callbacks below follow them), in the page's language.
VIEW_INPUTS = (
    Input(Overview.AREA, "value"),
    Input(Overview.PERIOD, "value"),
    Input(Overview.DATES, "start_date"),
    Input(Overview.DATES, "end_date"),
    State(Overview.LANG, "data"),
)


@callback(
    Output(Overview.URL, "search"),
    Output(Overview.DATES, "style"),
    *VIEW_INPUTS,
)
def sync_url(area, period, start, end, lang):
    """Keep the address bar in step with the view, so the link can be shared."""
    if not area:
        raise PreventUpdate
    dates_style = {} if period == "custom" else {"display": "none"}
    state, _ = urlstate.parse_overview({"area": area, "period": period, "start": start, "end": end, "lang": lang})
    return urlstate.overview_query(state), dates_style


def _explore_href(metric: str, area: str, lang: str, **extra) -> str:
    state = urlstate.ExploreState(metric=metric, area=area, lang=lang, **extra)
    return "/explore" + urlstate.explore_query(state)


def attention_items(infos: dict[str, dict], current: dict, previous: dict, *, overdue=None, still_open=None,
                    categories: pd.DataFrame | None = None, area: str, lang: str) -> list[dict]:
    """What a leader should look at today, most serious first.

    Ratios below (or, where lower is better, above) target; metrics that moved the wrong
    way against the last period by more than a threshold; overdue and open 12345 work
    orders; and the complaint categories that rose most (``categories`` has ``label``,
    ``label_en``, ``current`` and ``previous``).
    """
    items: list[dict] = []
    flagged: set[str] = set()
    for code, info in infos.items():
        target, value = info.get("target"), current.get(code)
        if ui.is_missing(target) or ui.is_missing(value):
            continue
        lower = info.get("better") == "lower"
        if (value > target) if lower else (value < target):
            flagged.add(code)
            shown = present.show(value, info, lang).with_unit
            goal = present.show(target, info, lang).with_unit
            items.append({
                "tone": BAD, "tag": text.t("overview.below_target", lang), "href": _explore_href(code, area, lang),
                "text": text.t("overview.above_target_text" if lower else "overview.below_target_text", lang,
                               name=text.pick((info["name"], info["name_en"]), lang), shown=shown, goal=goal),
                "rank": 0,
            })
    if not ui.is_missing(overdue) and overdue > 0:
        items.append({"tone": BAD, "tag": text.t("overview.overdue", lang), "rank": 1,
                      "href": _explore_href("hotline_overdue", area, lang, by="category"),
                      "text": text.t("overview.overdue_orders", lang, count=present.show(overdue).text)})
    if not ui.is_missing(still_open) and still_open > 0:
        items.append({"tone": "warn", "tag": text.t("overview.open", lang), "rank": 2,
                      "href": _explore_href("hotline_open", area, lang, by="category"),
                      "text": text.t("overview.open_orders", lang, count=present.show(still_open).text)})
    worsening = []
    for code, info in infos.items():
        if code in flagged:
            continue
        delta = present.change(current.get(code), previous.get(code), info)
        if delta is None or ui.tone(delta, info.get("better") or "higher") != BAD:
            continue
        if abs(delta) < (WORSENING_POINTS if present.is_percent(info) else WORSENING_PERCENT):
            continue
        worsening.append((abs(delta), code, info, delta))
    for _, code, info, delta in sorted(worsening, key=lambda w: (-w[0], w[1])):
        moved = present.change_text(delta, info, lang)
        items.append({"tone": "warn", "tag": text.t("overview.worse", lang), "rank": 3,
                      "href": _explore_href(code, area, lang),
                      "text": text.t("overview.worse_text", lang, name=text.pick((info["name"], info["name_en"]), lang),
                                     moved=moved)})
    if categories is not None and not categories.empty:
        rising = categories.assign(rise=categories["current"].fillna(0) - categories["previous"].fillna(0))
        rising = rising[rising["rise"] > 0].sort_values(["rise", "label"], ascending=[False, True]).head(RISING_CATEGORIES)
        for row in rising.itertuples():
            name = row.label_en if lang == "en" else row.label
            items.append({"tone": "warn", "tag": text.t("overview.rising", lang), "rank": 4,
                          "href": _explore_href("hotline_received", area, lang, by="category", chart="stacked"),
                          "text": text.t("overview.rising_text", lang, name=name, rise=present.show(row.rise).text)})
    items.sort(key=lambda item: item["rank"])
    return items[:MAX_ATTENTION]


def _kpi_section(domain: str, infos, current, previous, last_year, trends, area, lang):
    cards = [
        ui.kpi_card(infos[code], current.get(code), previous.get(code), last_year.get(code), trends.get(code, []),
                    lang, href=_explore_href(code, area, lang))
        for code in KPIS[domain]
    ]
    return ui.domain_section(labels.domain_label(domain, lang), cards)


def _category_change(area: str, period: periods.Period, before: periods.Period) -> pd.DataFrame:
    now = query.breakdown("hotline_received", area, period.start, period.end, by="category")
    then = query.breakdown("hotline_received", area, before.start, before.end, by="category")
    merged = now.rename(columns={"value": "current"}).merge(
        then[["key", "value"]].rename(columns={"value": "previous"}), on="key", how="left")
    return merged


@callback(
    Output(Overview.HEADING, "children"),
    Output(Overview.KPIS, "children"),
    Output(Overview.ATTENTION, "children"),
    *VIEW_INPUTS,
)
def render(area, period_name, start, end, lang):
    """KPI cards and the attention list for the chosen area and period."""
    if not area:
        raise PreventUpdate
    state, _ = urlstate.parse_overview({"area": area, "period": period_name, "start": start, "end": end})
    period = periods.resolve_state(state)
    before, year_ago = periods.previous(period), periods.same_period_last_year(period)
    try:
        place = areas.ancestors(area)[-1]
    except areas.UnknownArea:
        message = text.t("word.unknown_area", lang, area=area)
        return message, html.P(message, className="page-notice"), ""
    codes = all_kpis()
    infos = {code: query.metric_info(code) for code in codes}
    current = query.values(codes, area, period.start, period.end)
    previous = query.values(codes, area, before.start, before.end)
    last_year = query.values(codes, area, year_ago.start, year_ago.end)
    trend_start = periods.add_months(periods.month_start(period.end), -11)
    trends = {code: [value for _, value in points]  # one statement for every card's sparkline
              for code, points in query.trends(codes, area, trend_start, period.end, "month").items()}
    label = period.label_en if lang == "en" else period.label_zh
    heading = [
        html.Span(ui.area_name(place, lang), className="heading-area"),
        html.Span(f"{label} · {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}", className="heading-period"),
    ]
    kpis = [_kpi_section(d, infos, current, previous, last_year, trends, area, lang) for d in KPIS]
    work = query.values(["hotline_overdue", "hotline_open"], area, period.start, period.end)
    items = attention_items(infos, current, previous, overdue=work.get("hotline_overdue"),
                            still_open=work.get("hotline_open"), categories=_category_change(area, period, before),
                            area=area, lang=lang)
    return heading, kpis, ui.attention_list(items, lang)


def league_rows(table: pd.DataFrame, infos: dict[str, dict], sort_by: str, lang: str) -> list[dict]:
    """The league table's rows, best first by ``sort_by``, small counts of people masked.

    Ratios become percentages with one decimal so the grid shows what the cards show.
    """
    frame = table.copy()
    key = frame[sort_by] if sort_by in frame else pd.Series(0.0, index=frame.index)
    lower = infos.get(sort_by, {}).get("better") == "lower"
    frame["_key"] = key
    frame = frame.sort_values("_key", ascending=lower, na_position="last", kind="stable")
    frame["rank"] = range(1, len(frame) + 1)
    people = [c for c, info in infos.items() if c in frame and export.counts_people(info.get("unit"))]
    for code, info in infos.items():
        if code in frame:
            frame[code] = present.scale(frame[code], info).round(1)
    frame = export.mask_small_counts(frame, people)
    rows = []
    for record in frame.to_dict("records"):
        row = {"rank": record["rank"], "code": record["code"],
               "name": record["name_en"] if lang == "en" else record["name"]}
        for code in infos:
            value = record.get(code)
            row[code] = None if ui.is_missing(value) else value
        rows.append(row)
    return rows


# Mixed cells ("<5" and numbers) sort as if "<5" were just under 5.
_MASK_AWARE_SORT = {"function": "((a, b) => { const n = v => v === null || v === undefined ? -Infinity : "
                                "(typeof v === 'string' ? 4.5 : v); return n(a) - n(b); })(valueA, valueB)"}


def league_columns(infos: dict[str, dict], lang: str) -> list[dict]:
    columns = [
        {"field": "rank", "headerName": "#", "pinned": "left", "width": 64, "minWidth": 56, "sortable": False},
        {"field": "name", "headerName": text.t("word.area", lang), "pinned": "left", "minWidth": 130,
         "cellClass": "league-name"},
    ]
    for code, info in infos.items():
        unit = present.unit_label(info, lang)
        columns.append({
            "field": code,
            "headerName": f"{ui.metric_name(info, lang)}（{unit}）" if lang != "en" else f"{info['name_en']} ({unit})",
            "headerTooltip": str(info.get("description") or ""),
            "type": "rightAligned", "cellDataType": False, "minWidth": 120, "wrapHeaderText": True,
            "autoHeaderHeight": True, "comparator": _MASK_AWARE_SORT,
        })
    return columns


@callback(
    Output(Overview.LEAGUE_TITLE, "children"),
    Output(Overview.LEAGUE, "rowData"),
    Output(Overview.LEAGUE, "columnDefs"),
    Input(Overview.AREA, "value"),
    Input(Overview.PERIOD, "value"),
    Input(Overview.DATES, "start_date"),
    Input(Overview.DATES, "end_date"),
    Input(Overview.LEAGUE_SORT, "value"),
    State(Overview.LANG, "data"),
)
def render_league(area, period_name, start, end, sort_by, lang):
    """比学赶超: the child areas side by side, sorted by the chosen KPI."""
    if not area:
        raise PreventUpdate
    state, _ = urlstate.parse_overview({"area": area, "period": period_name, "start": start, "end": end})
    period = periods.resolve_state(state)
    place = areas.get(area)
    if place is None:
        return no_update, [], []
    codes = all_kpis()
    infos = {code: query.metric_info(code) for code in codes}
    kids = areas.children(area)
    levels = text.group("league_level")
    level = text.pick(levels.get(place["level"], levels["other"]), lang)
    title = text.t("overview.league_title", lang, level=level)
    if not kids:
        return title, [], league_columns(infos, lang)
    table = query.league_table(area, codes, period.start, period.end)
    return title, league_rows(table, infos, sort_by or codes[0], lang), league_columns(infos, lang)
