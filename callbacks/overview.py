"""The overview's figures: KPI cards, the "needs attention" list, the league table.

Everything here reads the warehouse through ``data.query`` and ``data.areas`` only. The
pieces that decide what needs attention are plain functions of figures, so they can be
read (and tested) without a browser.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd
from dash import Input, Output, State, callback, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine

from data import areas, coverage, export, kinds, labels, periods, present, query, settings, targets, text, unusual, urlstate
from data import health as source_health
from data import items as work_items
from layouts import components as ui
from layouts import shell
from layouts.components import BAD
from layouts.ids import Overview
from layouts.overview import KPIS, PER_1000, all_kpis

WORSENING_PERCENT = 10.0  # a relative move this large against the last period is worth a look
WORSENING_POINTS = 2.0  # ... and for a ratio, this many percentage points
RISING_CATEGORIES = 3
MAX_ATTENTION = 10
LAGGING_NAMES = 3  # communities named in a "not reported" line before "and N more"
ACTIVE_DAYS = 92  # a community whose report stopped longer ago than this no longer counts as late


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
        if c in seen:
            continue
        try:  # the city is not offered, but chosen (the explorer's breadcrumb, a link) it is named
            seen[c] = {"label": ui.area_option_label(areas.ancestors(c), lang), "value": c}
        except areas.UnknownArea:  # unknown code: keep it visible so the notice makes sense
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
    Input(Overview.LEAGUE_SORT, "value"),
    Input(Overview.LEAGUE_SCALE, "value"),
)
def sync_url(area, period, start, end, lang, sort=None, scale=None):
    """Keep the address bar in step with the view (the league's sort and scale too), so the
    link can be shared."""
    if not area:
        raise PreventUpdate
    dates_style = {} if period == "custom" else {"display": "none"}
    state, _ = urlstate.parse_overview({"area": area, "period": period, "start": start, "end": end, "lang": lang,
                                        "sort": sort, "scale": scale}, all_kpis())
    return urlstate.overview_query(state), dates_style


def _explore_href(metric: str, area: str, lang: str, **extra) -> str:
    state = urlstate.ExploreState(metric=metric, area=area, lang=lang, **extra)
    return "/explore" + urlstate.explore_query(state)


def attention_items(infos: dict[str, dict], current: dict, previous: dict, *, overdue=None, still_open=None,
                    categories: pd.DataFrame | None = None, area: str, lang: str,
                    late: list[dict] | None = None, unusual: list[dict] | None = None,
                    needs: list[dict] | None = None) -> list[dict]:
    """What a leader should look at today, most serious first.

    Ratios below (or, where lower is better, above) target; metrics that moved the wrong
    way against the last period by more than a threshold; overdue and open 12345 work
    orders; and the complaint categories that rose most (``categories`` has ``label``,
    ``label_en``, ``current`` and ``previous``). ``late`` are the sources that have not
    delivered (``late_items``): their figures are left out of ``current``/``previous``
    by the caller, so a late report is flagged as late, never as a drop. ``unusual`` are the
    figures outside their usual range (``unusual_items``), listed with the worsenings. ``needs``
    is the line of the co-building needs past their promised time (``needs_waiting``), after the
    overdue work orders: a promise to a resident broken like theirs, before the orders still open
    inside their time and the worsenings. The list is cut at ``MAX_ATTENTION`` lines, all of them
    counted, the least serious left off.
    """
    items: list[dict] = list(late or []) + list(unusual or [])
    flagged: set[str] = set()
    for code, info in infos.items():
        target, value = info.get("target"), current.get(code)
        if value is None or ui.is_missing(target) or ui.is_missing(value):
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
    items += needs or []  # rank 1, after the overdue orders (the sort below is stable)
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


# --------------------------------------------------------------------------- honest figures
# Each card's period ends where its metric's data ends, and is compared like-for-like
# (DOMAIN.md, "Time, completeness and provenance"): periods.cut, coverage.as_of.

OK, CARRIED, LATE, STALE, MONTHLY, NONE = "ok", "carried", "late", "stale", "monthly", "none"
BELOW = "below"  # an area finer than the metric's source records (a grid cell, for a community figure)


@dataclass(frozen=True)
class Card:
    """One KPI card's figures and what they cover.

    ``state``: ``ok`` (the period cut to the data), ``carried`` (a stock's latest report
    before the period, within its carry-forward window), ``late`` (the source has not
    delivered for the period: "not yet reported"), ``stale`` (a stock's latest report is
    beyond its window), ``monthly`` (a monthly report and a window that cuts its months),
    ``none`` (the source never delivered for the area), ``below`` (the area is finer than
    the level the metric is recorded at, ``coverage.has_figures_at``: no figure of its own,
    not 0 and not "no data yet"; ``level`` says which). ``lagging`` lists (source,
    community, data-through day) of communities under the area whose report for
    ``period`` is missing: a flow's sum lacks them, so its change is not compared (a
    stock's carries them forward, see ``comparable``).
    """

    code: str
    info: dict
    state: str
    sources: tuple[str, ...] = ()
    as_of: date | None = None
    period: periods.Period | None = None
    previous: periods.Period | None = None
    last_year: periods.Period | None = None
    lagging: tuple[tuple[str, str, date], ...] = ()
    behind: bool = False  # the data stops before the asked period ends (a late source, if not OK)
    young: bool = False  # a figure that matures (a closure rate) over a period too recent to have settled
    no_base: dict | None = None  # a ratio's denominator (its catalogue row) when it is 0 over the period
    level: str = ""  # the level the metric is recorded at, for a ``below`` card
    value: float | None = None
    before: float | None = None
    year_ago: float | None = None

    @property
    def comparable(self) -> bool:
        """True when a change against last period means something: no report missing from
        the sum, or, for a stock, each missing one carried forward inside it (its data
        reaches into the carry window, ``kinds.reads_from``), so the sum is like-for-like. Never
        for a ``young`` figure that matures (``coverage.settled``): its events have had less time
        to close than last period's, so a fall is not a worsening."""
        if self.state not in (OK, CARRIED) or self.young:
            return False
        if not self.lagging or self.info.get("kind") != kinds.STOCK or self.period is None:
            return not self.lagging
        since = kinds.reads_from(kinds.STOCK, self.period.start, self.info.get("carry_months"))
        return all(last >= since for _, _, last in self.lagging)


JUDGED_DAYS = 7  # a daily figure's change is judged over a week at least: every weekday once


def judged(card: Card) -> bool:
    """Whether "needs attention" may call ``card``'s change a worsening: like-for-like
    (``Card.comparable``) and, for a daily figure, over at least a week. 1–4 December
    against 1–4 November sets Tuesday–Friday against Sunday–Wednesday; activities and
    volunteering fall on weekends, so a short window moves with the calendar, not the
    work. The card still shows the change and what it compared."""
    if not card.comparable or card.period is None:
        return False
    if (card.info.get("grain") or "day") == "month":
        return True
    return (card.period.end - card.period.start).days + 1 >= JUDGED_DAYS


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def day_label(day: date, grain: str, lang: str, *, year: int | None = None) -> str:
    """How far data reaches, as a card says it: "12月4日" / "4 Dec", a monthly report's
    "11月" / "November"; the year is added when it is not ``year``."""
    whole_month = grain == "month" and day == periods.month_end(day)
    en = text.is_en(lang)
    if en:
        words = (text.month_name(day.month, lang) if whole_month
                 else f"{day.day} {text.month_name(day.month, lang, short=True)}")
    else:
        words = text.month_name(day.month, lang) + ("" if whole_month else f"{day.day}日")
    if year is None or day.year == year:
        return words
    return f"{words} {day.year}" if en else f"{day.year}年{words}"


def span_label(span: periods.Period, lang: str, *, year: int | None = None) -> str:
    """A compared period, short: "12月1–4日", "11月", "10–11月" / "1–4 Dec", "Nov", "Oct–Nov";
    the year is added when it is not ``year``."""
    start, end = span.start, span.end
    if start.year != end.year:
        return text.pick(periods.describe(start, end), lang)
    en = text.is_en(lang)

    def month(d: date) -> str:
        return text.month_name(d.month, lang, short=True) if en else str(d.month)

    if start == periods.month_start(start) and end == periods.month_end(end):
        words = month(start) if start.month == end.month else f"{month(start)}–{month(end)}"
        words = words if en else words + "月"
    elif start.month == end.month:
        days = str(start.day) if start == end else f"{start.day}–{end.day}"
        words = f"{days} {month(start)}" if en else f"{start.month}月{days}日"
    else:
        words = (f"{start.day} {month(start)} – {end.day} {month(end)}" if en
                 else f"{start.month}月{start.day}日–{end.month}月{end.day}日")
    if year is None or start.year == year:
        return words
    return f"{words} {start.year}" if en else f"{start.year}年{words}"


def _parts(info: dict, engine: Engine | None) -> list[dict] | None:
    if info.get("kind") != "ratio":
        return None
    return [query.metric_info(info[role], engine=engine) or {} for role in ("numerator", "denominator")]


def _carried(info: dict, period: periods.Period, as_of: date) -> periods.Period | None:
    """The latest whole report period of a stock up to ``period``'s end (a month)."""
    grain = info.get("grain") or "day"
    last = min(as_of, period.end)
    for first in (periods.month_start(last), periods.add_months(periods.month_start(last), -1)):
        month = periods.Period(first, periods.month_end(first), *periods.describe(first, periods.month_end(first)),
                               "month")
        found = periods.cut(month, as_of, grain)
        if found is not None:
            return found
    return None


def _carry_months(info: dict) -> int:
    months = info.get("carry_months")
    return 0 if months is None or present.is_missing(months) else int(months)


def _lagging(sources: tuple[str, ...], area: dict, span: periods.Period,
             found: dict[str, dict[str, tuple[date, date]]]) -> tuple[tuple[str, str, date], ...]:
    """Communities under ``area`` whose source's data stops before ``span`` ends, while
    still reporting recently (one that stopped long ago is no longer late, just gone).
    ``found`` is ``coverage.spans()``."""
    if area["level"] in ("community", "grid"):
        return ()
    prefix = areas.subtree_prefix(area["code"], area["level"])
    recent = span.start - timedelta(days=ACTIVE_DAYS)
    return tuple(sorted(
        (source, code, last) for source in sources for code, (_, last) in found.get(source, {}).items()
        if code.startswith(prefix) and recent <= last < span.end))


def plan_card(info: dict, area: dict, period: periods.Period, *, engine: Engine | None = None,
              spans: dict[str, dict[str, tuple[date, date]]] | None = None) -> Card:
    """What one card shows for ``period`` in ``area`` (a register row), before its figures.
    ``spans`` is ``coverage.spans()``, read once for all the cards."""
    parts = _parts(info, engine)
    sources = tuple(dict.fromkeys(s for s in (coverage.source_of(r) for r in (parts or [info])) if s))
    grain = info.get("grain") or "day"
    if not coverage.has_figures_at(info, area["level"], parts):
        return Card(info["code"], info, BELOW, sources, level=coverage.recorded_level(info, parts))
    as_of = coverage.as_of(info, area["code"], parts=parts, engine=engine)
    card = Card(info["code"], info, NONE, sources, as_of, behind=as_of is not None and as_of < period.end)
    if as_of is None:
        return card
    cut = periods.cut(period, as_of, grain)
    if cut is None and info.get("kind") == "stock":
        carried = _carried(info, period, as_of)
        if carried is None or _month_index(period.end) - _month_index(carried.end) > _carry_months(info):
            return replace(card, state=STALE, period=carried)
        card, cut = replace(card, state=CARRIED), carried
    elif cut is None:
        return replace(card, state=MONTHLY if as_of >= period.end else LATE)
    else:
        card = replace(card, state=OK)
    return replace(card, period=cut, previous=periods.previous(cut), last_year=periods.same_period_last_year(cut),
                   lagging=_lagging(sources, area, cut, coverage.spans(engine=engine) if spans is None else spans),
                   young=not coverage.settled(info, cut.end, as_of, parts))


def fill_cards(cards: dict[str, Card], area: str, *, engine: Engine | None = None) -> dict[str, Card]:
    """The cards with their figures: one ``query.values_many`` for every card's periods."""
    wanted: dict[tuple[date, date], list[str]] = {}
    for card in cards.values():
        if card.state in (OK, CARRIED):
            for span in (card.period, card.previous, card.last_year):
                if span is not None:
                    wanted.setdefault((span.start, span.end), []).append(card.code)
    asks = tuple((tuple(dict.fromkeys(codes)), start, end) for (start, end), codes in wanted.items())
    found = dict(zip(wanted, query.values_many(asks, area, engine=engine))) if asks else {}

    def get(code: str, span: periods.Period | None):
        return None if span is None or (span.start, span.end) not in found else found[(span.start, span.end)].get(code)

    filled = {code: replace(card, value=get(code, card.period), before=get(code, card.previous),
                            year_ago=get(code, card.last_year)) if card.state in (OK, CARRIED) else card
              for code, card in cards.items()}
    for code, card in filled.items():
        # A ratio with no figure over data that reaches the period: is it that nothing came in
        # to divide by (no public funds received in December), which the card then says?
        base = card.info.get("denominator")
        if (card.state == OK and card.value is None and card.info.get("kind") == "ratio" and base and card.period
                and query.value(base, area, card.period.start, card.period.end, engine=engine) == 0):
            filled[code] = replace(card, no_base=query.metric_info(base, engine=engine) or {"name": base})
    return filled


def kpi_cards(codes: list[str], area: dict, period: periods.Period, *, engine: Engine | None = None) -> dict[str, Card]:
    """Every KPI card of ``area`` (a register row) for ``period``, its figures filled in."""
    cards = {}
    spans = coverage.spans(engine=engine)
    # Each card is judged against the target in force for this area in the period's year
    # (data.targets: the area's own, an area's above it, else the catalogue's).
    found = {code: info for code in codes if (info := query.metric_info(code, engine=engine)) is not None}
    for code, info in targets.applied_all(found, area["code"], period.end.year, engine=engine).items():
        cards[code] = plan_card(info, area, period, engine=engine, spans=spans)
    return fill_cards(cards, area["code"], engine=engine)


def _source_name(source: str, lang: str) -> str:
    names = text.group("source")
    return text.pick(names[source], lang) if source in names else source


DUE, OVERDUE = source_health.DUE, source_health.OVERDUE
owed = source_health.owed


def card_owed(card: Card, today: date, rhythms: dict[str, source_health.Rhythm]) -> str | None:
    """What a card's data owes on ``today``: ``OVERDUE`` or ``DUE`` (the worse of its sources')
    when its data stops before its period ends (``Card.behind``) and a source of it owes a
    delivery (``owed``); None otherwise: a report not yet owed is not late. The same cards and
    the same rule as the sources ``late_items`` lists."""
    if not card.behind or card.as_of is None:
        return None
    found = {owed(source, card.as_of, today, rhythms) for source in card.sources}
    return OVERDUE if OVERDUE in found else DUE if DUE in found else None


def owed_tag(state: str, lang: str) -> str:
    """How an owed delivery is tagged, in the list and on a card: "逾期未报" / "Data overdue"
    (``OVERDUE``), "未报送" / "Not in yet" (``DUE``)."""
    return text.t("overview.late_overdue" if state == OVERDUE else "overview.late", lang)


def late_items(cards: dict[str, Card], lang: str, *, today: date, names: dict[str, str] | None = None,
               year: int | None = None, rhythms: dict[str, source_health.Rhythm] | None = None) -> list[dict]:
    """"党组织月报未报送（截至10月）": a source whose data stops before the period ends and is
    owed by ``today``, once per source (whether its card says "not yet reported", a carried
    level or a period cut to its data: a hotline stopped a week ago mid-month is as late),
    and the communities whose report is missing from an area's sum and owed too. ``names``
    gives the communities' names by code.

    Owed is the data page's rule (``data.health.reach`` with the source's rhythm and grace days,
    ``rhythms``, default ``etl/sources.yaml``): ``due`` (past its delivery day, inside the
    grace days: "未报送") or ``overdue`` (the grace used up: "逾期未报", the more urgent,
    listed first). November's party report on 5 December, or a daily source's data through
    yesterday, is owed by nobody yet: not listed (its card still says how far it reaches).

    Sources owing in the same way with data through the same day share one line, named in the
    cards' order ("12345 热线工单、网格事件、便民服务未报送（截至12月4日）"): when the deliveries
    stop, five daily sources are one fact, not five of the list's ``MAX_ATTENTION`` lines that
    would push the worsenings and rising complaints off it. Through different days they stay
    lines of their own, each saying its day. A source's line links to the data page, which
    shows each source's loads and how far its data reaches, worst first."""
    rhythms = source_health.rhythms() if rhythms is None else rhythms

    def item(state: str, words: str, **extra) -> dict:
        return {"tone": BAD if state == OVERDUE else "warn", "tag": owed_tag(state, lang), "rank": 1, "text": words,
                **extra}

    sep = text.t("word.list_separator", lang)
    items: list[dict | tuple[str, str]] = []  # a (state, day) stands for the line of the sources owing through that day
    owing: dict[tuple[str, str], list[str]] = {}
    seen: set[str] = set()
    for card in cards.values():
        grain = card.info.get("grain") or "day"
        if card.behind and card.as_of is not None:  # its data stops before the period ends
            for source in card.sources:
                if source in seen or (state := owed(source, card.as_of, today, rhythms)) is None:
                    continue
                seen.add(source)
                line = (state, day_label(card.as_of, grain, lang, year=year))
                if line not in owing:
                    owing[line] = []
                    items.append(line)
                owing[line].append(_source_name(source, lang))
        for source in dict.fromkeys(s for s, _, _ in card.lagging):
            if "lag:" + source in seen:
                continue
            seen.add("lag:" + source)
            by_state: dict[str, list[tuple[str, date]]] = {}
            for s, code, last in card.lagging:
                if s == source and (state := owed(source, last, today, rhythms)) is not None:
                    by_state.setdefault(state, []).append((code, last))
            for state, late in by_state.items():
                shown = [(names or {}).get(code, code) for code, _ in late[:LAGGING_NAMES]]
                who = sep.join(shown)
                if len(late) > LAGGING_NAMES:
                    who += text.t("overview.and_more", lang, count=len(late), more=len(late) - LAGGING_NAMES)
                items.append(item(state, text.t("overview.late_communities", lang, source=_source_name(source, lang),
                                                names=who, day=day_label(max(last for _, last in late), grain, lang,
                                                                         year=year))))
    data_page = shell.href("/data", lang)
    worded = [item(found[0], text.t("overview.late_text", lang, source=sep.join(owing[found]), day=found[1]),
                   href=data_page) if isinstance(found, tuple) else found for found in items]
    return sorted(worded, key=lambda found: found["tone"] != BAD)  # overdue first, each kind in its order


def spark_marks(trend: list, carried: tuple, as_of: date | None, lang: str, year: int) -> tuple[list, list, str]:
    """A sparkline's marks: the indices of its months holding carried reports
    (``query.carried_buckets``) and of its months not yet reported (no figure, starting after
    the source's ``as_of``), and the words saying so on hover ("4月含结转…", "12月未报送")."""
    months = [month for month, _ in trend]
    held = [i for i, (month, v) in enumerate(trend) if month in carried and v is not None]
    late = [i for i, (month, v) in enumerate(trend) if v is None and as_of is not None and month > as_of
            and any(w is not None for _, w in trend[:i])]
    sep = text.t("word.list_separator", lang)
    words = []
    if held:
        words.append(text.t("overview.spark_carried", lang,
                            months=sep.join(day_label(periods.month_end(months[i]), "month", lang, year=year)
                                            for i in held)))
    if late:
        words.append(text.t("overview.spark_late", lang,
                            months=sep.join(day_label(periods.month_end(months[i]), "month", lang, year=year)
                                            for i in late)))
    return held, late, " · ".join(words)


def _card_view(card: Card, trend: list, area: str, lang: str, year: int, period_end: date, carried: tuple = (),
               owing: str | None = None):
    """One card as the page draws it: the figure, what it covers and was compared with, its source.
    ``owing`` (``card_owed``): its data stops short and its source owes a delivery, which the card
    says beside its figure ("逾期未报 · 截至12月4日", red when overdue), its comparison unchanged; a
    card not yet reported says "逾期未报" for "未报送" once overdue."""
    info, grain = card.info, card.info.get("grain") or "day"
    source = text.t("word.list_separator", lang).join(_source_name(s, lang) for s in card.sources)
    through = day_label(card.as_of, grain, lang, year=year) if card.as_of else None
    title = (text.t("overview.provenance", lang, source=source, day=day_label(card.as_of, "day", lang))
             if card.as_of else text.t("overview.provenance_none", lang, source=source))
    shown = note = as_of = reason = None
    if card.state == LATE:
        shown, note = text.t("overview.not_reported", lang), text.t("overview.through", lang, day=through)
    elif card.state == STALE:
        reason = text.t("overview.stale", lang, months=_carry_months(info), day=through)
    elif card.state == MONTHLY:
        reason = text.t("overview.monthly_only", lang)
    elif card.state == BELOW:
        reason = text.t("overview.not_recorded_at_level", lang, level=text.t(f"explore12.level.{card.level}", lang))
    elif card.state in (OK, CARRIED) and card.period is not None and card.previous is not None:
        note = text.t("overview.vs", lang, now=span_label(card.period, lang, year=year),
                      then=span_label(card.previous, lang, year=card.period.start.year))
        if card.last_year is not None:
            title += " · " + text.t("overview.vs", lang, now=span_label(card.period, lang, year=year),
                                    then=span_label(card.last_year, lang, year=year))
        if card.state == CARRIED:
            as_of = text.t("overview.through", lang, day=day_label(card.period.end, grain, lang, year=year))
    if card.no_base:
        note = text.t("overview.no_base", lang, base=ui.metric_name(card.no_base, lang))
    if card.lagging:
        note = text.t("overview.some_missing", lang, count=len({c for _, c, _ in card.lagging}))
    elif card.young and card.state in (OK, CARRIED):
        note = text.t("overview.young", lang)
        title += " · " + text.t("overview.young_why", lang, days=coverage.MATURE_DAYS)
    partial = None
    if trend and card.as_of is not None:  # the last month's point, when the month is not over
        last, reach = trend[-1][0], min(card.as_of, period_end)
        if last <= reach < periods.month_end(last):
            partial = text.t("overview.partial_month", lang, day=day_label(reach, "day", lang, year=year))
    late_tone = None
    if owing is not None and through is not None:
        late_tone = BAD if owing == OVERDUE else "warn"
        if card.state == LATE:  # "未报送" and how far it reaches are said already
            shown = owed_tag(owing, lang) if owing == OVERDUE else shown
        else:
            as_of = owed_tag(owing, lang) + ui.OWED_SEPARATOR + text.t("overview.through", lang, day=through)
    compared = card.comparable
    held, late, spark_title = spark_marks(trend, carried, card.as_of, lang, year)
    return ui.kpi_card(info, card.value, card.before if compared else None, card.year_ago if compared else None,
                       [v for _, v in trend], lang, href=_explore_href(card.code, area, lang), shown=shown,
                       note=note, as_of=as_of, title=title, reason=reason, partial=partial, carried=held,
                       late=late, spark_title=spark_title, late_tone=late_tone)


def _kpi_section(domain: str, cards: dict[str, Card], trends, area, lang, period: periods.Period,
                 carried: dict[str, tuple] | None = None, owing: dict[str, str | None] | None = None):
    carried, owing = carried or {}, owing or {}
    shown = [_card_view(cards[code], trends.get(code, []), area, lang, period.end.year, period.end,
                        carried.get(code, ()), owing.get(code))
             for code in KPIS[domain] if code in cards]
    return ui.domain_section(labels.domain_label(domain, lang), shown)


def heading_as_of(cards: dict[str, Card], lang: str, *, year: int) -> str | None:
    """How far the daily figures shown reach, for the page's heading: "数据截至12月4日" when they
    all reach one day, else the earliest to the latest, "数据截至12月4–11日" / "Data through 4–11 Dec"
    (naming only the earliest would say the fresh figures stop there, only the latest that the
    stale ones reach it). Each card says its own day, and one whose source owes data says so;
    monthly reports are left out (a card says its month). None when no daily figure is shown."""
    reach = sorted({card.period.end for card in cards.values()
                    if card.state == OK and card.period is not None and card.info.get("grain") != "month"})
    if not reach:
        return None
    first, last = reach[0], reach[-1]
    day = (day_label(first, "day", lang, year=year) if first == last
           else span_label(periods.Period(first, last, "", ""), lang, year=year))
    return text.t("overview.as_of", lang, day=day)


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
    try:
        place = areas.ancestors(area)[-1]
    except areas.UnknownArea:
        message = text.t("word.unknown_area", lang, area=area)
        return message, html.P(message, className="page-notice"), ""
    codes = all_kpis()
    cards = kpi_cards(codes, place, period)
    infos = {code: card.info for code, card in cards.items()}
    trend_start = periods.add_months(periods.month_start(period.end), -11)
    trends = query.trends(codes, area, trend_start, period.end, "month")  # one statement for every sparkline
    # The sparkline months of a stock that hold a missed report carried forward, to mark them.
    carried = {code: query.carried_buckets(code, area, trend_start, period.end, "month")
               for code in codes if infos[code].get("kind") == kinds.STOCK}
    label = period.label_en if lang == "en" else period.label_zh
    heading = [
        html.Span(ui.area_name(place, lang), className="heading-area"),
        html.Span(f"{label} · {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}", className="heading-period"),
    ]
    as_of = heading_as_of(cards, lang, year=period.end.year)
    if as_of:
        heading.append(html.Span(as_of, className="heading-as-of"))
    today, rhythms = periods.today(), source_health.rhythms()
    owing = {code: card_owed(card, today, rhythms) for code, card in cards.items()}
    kpis = [_kpi_section(d, cards, trends, area, lang, period, carried, owing) for d in KPIS]
    # What needs attention compares like-for-like only: a late or partial report is not a drop.
    current = {code: card.value for code, card in cards.items() if card.state in (OK, CARRIED)}
    previous = {code: card.before for code, card in cards.items() if judged(card)}
    hotline = cards.get("hotline_received")
    now = hotline.period if hotline is not None and hotline.state == OK and hotline.period else None
    work, categories = {}, None
    if now is not None:
        work = query.values(["hotline_overdue", "hotline_open"], area, now.start, now.end)
        if hotline is not None and hotline.comparable and hotline.previous is not None:
            categories = _category_change(area, now, hotline.previous)
    names = {c: ui.area_name(a, lang) for c in {code for card in cards.values() for _, code, _ in card.lagging}
             for a in [areas.get(c) or {"name": c}]}
    items = attention_items(infos, current, previous, overdue=work.get("hotline_overdue"),
                            still_open=work.get("hotline_open"), categories=categories, area=area, lang=lang,
                            late=late_items(cards, lang, today=today, names=names, year=period.end.year,
                                            rhythms=rhythms),
                            unusual=unusual_items(cards, area, lang, year=period.end.year),
                            needs=needs_waiting(area, lang))
    return heading, kpis, ui.attention_list(items, lang)


def unusual_items(cards: dict[str, Card], area: str, lang: str, *, year: int,
                  engine: Engine | None = None) -> list[dict]:
    """"高于常态 · 常态 41–148件": each card whose latest whole month up to its period's end
    (``unusual.judged_month``) left its usual range (``data.unusual``), with the range. Only a
    card whose period is cut to its data (``OK``) is judged, and ``data.unusual`` judges only a
    whole, covered, settled month: a late, partial or missing report is never unusual. A count
    of people under 5 is said as "<5", as everywhere counts of people are masked."""
    how = text.t("unusual.how", lang, trend=unusual.TREND_MONTHS, z=f"{unusual.Z:g}", months=unusual.RATE_MONTHS)
    items = []
    for code, card in cards.items():
        if card.state != OK or card.period is None or not unusual.judged_kind(card.info):
            continue
        found = unusual.judge(code, area, unusual.judged_month(card.period.end), engine=engine)
        if not found.flagged:
            continue
        info = card.info
        value = export.mask_value(found.value) if export.counts_people(info.get("unit")) else found.value  # "<5"
        items.append({
            "tone": "unusual", "tag": text.t(f"unusual.{found.state}", lang), "rank": 3, "title": how,
            "href": _explore_href(code, area, lang),
            "text": text.t("unusual.text", lang, name=text.pick((info["name"], info["name_en"]), lang),
                           month=day_label(periods.month_end(found.month), "month", lang, year=year),
                           shown=present.show(value, info, lang).with_unit,
                           low=present.show(found.low, info, lang).text,
                           high=present.show(found.high, info, lang).with_unit),
        })
    return items


def needs_waiting(area: str, lang: str, *, now: datetime | None = None) -> list[dict]:
    """The open needs (待认领, 已认领) of the area past their promised time, as one line: how
    many, and the one furthest past it, by community, category and who claimed it (the kind,
    never a name): "5 项需求超过承诺时限 · 最久 44 天（同心社区 · 助老 · 企业）". A single one
    keeps its line with its number ("同心社区助老需求 XQ…（企业）超过承诺时限 44 天"). One line,
    like the late sources (``late_items``): a line per need let five of them push the rising
    complaints and the worsenings off the list's ``MAX_ATTENTION`` lines. Empty when none is late.
    ``now``: default now in Chengdu, as the promised times are written."""
    now = now or settings.local_now()
    found = work_items.past_due("needs", area, now, limit=1)
    if not found:
        return []
    row, count = found[0], work_items.count_past_due("needs", area, now)
    place = (row.get("area_name_en") or row.get("area_name")) if lang == "en" else row.get("area_name")
    words = {"community": place or row["area_code"], "category": labels.label(row.get("category") or "其他", lang),
             "claimer": (labels.label(row["handled_by"], lang) if row.get("handled_by")
                         else text.t("overview.unclaimed", lang)),
             "days": row["days_over"]}
    line = (text.t("overview.needs_overdue_text", lang, item=row["item_id"], **words) if count <= 1
            else text.t("overview.needs_overdue_many", lang, count=count, **words))
    return [{"tone": BAD, "tag": text.t("overview.needs_overdue", lang), "rank": 1,
             "href": _explore_href("needs_overdue", area, lang, by="category"), "text": line}]


def league_target(info: dict) -> float | None:
    """The target a league cell is measured against: its catalogue row's ``target``, which the
    caller has set to the one in force for that row's own area (``targets.applied_all``)."""
    target = info.get("target")
    return None if target is None or ui.is_missing(target) else float(target)


def _gap_text(gap: float | None, info: dict, lang: str) -> str:
    """A gap cell: "▼ −1.8" below target (the mark is a sign and a glyph, not colour alone), "+0.5";
    percentage points with one decimal, as the cards write a change (``present.change_text``)."""
    if gap is None:
        return present.DASH
    shown = f"{abs(gap):.1f}" if present.is_percent(info) else present.show(abs(gap), None, lang).text
    return f"▼ −{shown}" if gap < 0 else f"+{shown}"


def league_rows(table: pd.DataFrame, infos: dict[str, dict], sort_by: str, lang: str, *, per_1000: bool = False,
                populations: dict[str, int | None] | None = None,
                in_force: dict[str, dict[str, dict]] | None = None) -> list[dict]:
    """The league table's rows, best first by ``sort_by``, small counts of people masked.

    Ratios become percentages with one decimal so the grid shows what the cards show. With
    ``per_1000`` counts are per 1,000 residents (``populations`` by area code;
    ``present.per_thousand``), ranked so too; a masked count stays masked. Each row carries
    ``target`` and ``gap`` (``present.target_gap``) of ``sort_by`` where it has a target,
    ``below`` when it falls short, and ``<code>__below`` for every other cell short of its target.
    A row's targets are ``in_force[its area]`` ({code: catalogue row with the target in force
    there, ``targets.applied_all``}) where given, else ``infos``' own.
    """
    frame = table.copy()
    rated = {code for code, info in infos.items() if per_1000 and code in frame and present.per_thousand(info)}
    people = populations or {}
    raw = {code: dict(zip(frame["code"], frame[code])) for code in infos if code in frame}
    for code in rated:
        frame[code] = [present.per_thousand_value(v, people.get(c)) for c, v in zip(frame["code"], frame[code])]
        frame[code] = frame[code].astype("float64")
    key = frame[sort_by] if sort_by in frame else pd.Series(0.0, index=frame.index)
    lower = infos.get(sort_by, {}).get("better") == "lower"
    frame["_key"] = key
    frame = frame.sort_values("_key", ascending=lower, na_position="last", kind="stable")
    frame["rank"] = range(1, len(frame) + 1)
    counted = [c for c, info in infos.items() if c in frame and export.counts_people(info.get("unit"))]
    masked = export.suppress_columns(pd.DataFrame({c: pd.Series(raw[c]) for c in counted}), counted)
    for code, info in infos.items():
        if code in frame:
            frame[code] = present.scale(frame[code], info).round(1)
    frame = export.suppress_columns(frame, [c for c in counted if c not in rated])  # children add up to the area
    rows = []
    for record in frame.to_dict("records"):
        area = record["code"]
        row: dict = {"rank": record["rank"], "code": area,
                     "name": record["name_en"] if lang == "en" else record["name"]}
        for code, info in infos.items():
            value = record.get(code)
            if code in rated and code in counted and isinstance(masked[code].get(area), str):
                value = masked[code][area]  # a rate would tell the masked count back
            row[code] = None if ui.is_missing(value) else value
            target = league_target((in_force or {}).get(area, infos).get(code) or info)
            gap = present.target_gap(raw.get(code, {}).get(area), target, info) if target is not None else None
            if code == sort_by and target is not None:
                row["target"] = round(float(present.scale(target, info)), 1)
                row["gap"] = None if gap is None else round(gap, 1)
                row["gap_text"] = _gap_text(row["gap"], info, lang)
                row["below"] = gap is not None and gap < 0
            elif gap is not None and gap < 0:
                row[f"{code}__below"] = True
        rows.append(row)
    return rows


# Mixed cells ("<5" and numbers) sort as if "<5" were just under 5; the chosen column as the
# server ranked it (assets/dashAgGridFunctions.js: dash-ag-grid takes a comparator by name).
_MASK_AWARE_SORT = {"function": "maskAwareSort"}
_RANKED_SORT = {"function": "leagueRanked"}


def _metric_column(code: str, info: dict, lang: str, reach: date | None, *, per_1000: bool) -> dict:
    unit = present.unit_label(info, lang)
    if per_1000 and present.per_thousand(info):
        unit = text.t("overview.league_per_1000_unit", lang, unit=unit)
    return {
        "field": code,
        "headerName": f"{ui.metric_name(info, lang)}（{unit}）" if lang != "en" else f"{info['name_en']} ({unit})",
        "headerTooltip": str(info.get("description") or "") + (
            " · " + text.t("overview.as_of", lang, day=day_label(reach, info.get("grain") or "day", lang))
            if reach else ""),
        "type": "rightAligned", "cellDataType": False, "minWidth": 120, "wrapHeaderText": True,
        "autoHeaderHeight": True, "comparator": _MASK_AWARE_SORT,
        # a cell short of its target is marked by a glyph (assets/pages.css), not by colour alone
        "cellClassRules": {"league-cell-below": f"params.data && params.data['{code}__below'] === true"},
    }


def league_columns(infos: dict[str, dict], lang: str, as_of: dict[str, date | None] | None = None, *,
                   sort_by: str | None = None, per_1000: bool = False) -> list[dict]:
    """The league table's columns: rank and name (pinned, narrow enough to leave a phone room),
    then the chosen KPI (``sort_by``) with its target and gap where it has one, then the other
    KPIs. ``as_of`` (per metric) adds how far its data reaches to its tooltip."""
    as_of = as_of or {}
    columns = [
        {"field": "rank", "headerName": "#", "pinned": "left", "width": 48, "minWidth": 44, "sortable": False},
        {"field": "name", "headerName": text.t("word.area", lang), "pinned": "left", "width": 116, "minWidth": 96,
         "wrapText": True, "autoHeight": True, "cellClass": "league-name"},
    ]
    chosen = sort_by if sort_by in infos else None
    if chosen is not None:
        info = infos[chosen]
        column = _metric_column(chosen, info, lang, as_of.get(chosen), per_1000=per_1000)
        # (the classes of the "rightAligned" type kept: a colDef's own classes replace the type's)
        column.update(width=112, minWidth=96, comparator=_RANKED_SORT,  # narrow: beside the name on a phone
                      cellClass=["league-chosen", "ag-right-aligned-cell"],
                      headerClass=["league-chosen", "ag-right-aligned-header"],
                      sort="asc" if info.get("better") == "lower" else "desc")
        columns.append(column)
        if not ui.is_missing(info.get("target")):
            unit = text.t("overview.league_points", lang) if present.is_percent(info) else present.unit_label(info, lang)
            columns += [
                {"field": "gap", "headerName": text.t("overview.league_gap", lang, unit=unit),
                 "headerTooltip": text.t("overview.league_gap_tip", lang), "type": "rightAligned",
                 "cellDataType": False, "width": 132, "minWidth": 96, "wrapHeaderText": True, "autoHeaderHeight": True,
                 "valueFormatter": {"function": "params.data ? params.data.gap_text : ''"},
                 "cellClassRules": {"league-gap-below": "params.data && params.data.below === true"}},
                {"field": "target", "headerName": text.t("overview.league_target", lang,
                                                          unit=present.unit_label(info, lang)),
                 "type": "rightAligned", "cellDataType": False, "width": 96, "minWidth": 80, "wrapHeaderText": True,
                 "autoHeaderHeight": True},
            ]
    for code, info in infos.items():
        if code != chosen:
            columns.append(_metric_column(code, info, lang, as_of.get(code), per_1000=per_1000))
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
    Input(Overview.LEAGUE_SCALE, "value"),
    State(Overview.LANG, "data"),
)
def render_league(area, period_name, start, end, sort_by, scale, lang):
    """比学赶超: the child areas side by side, sorted by the chosen KPI, counts per 1,000
    residents on request."""
    if not area:
        raise PreventUpdate
    state, _ = urlstate.parse_overview({"area": area, "period": period_name, "start": start, "end": end})
    period = periods.resolve_state(state)
    place = areas.get(area)
    if place is None:
        return no_update, [], []
    codes = all_kpis()
    sort_by = sort_by if sort_by in codes else codes[0]
    per_1000 = scale == PER_1000
    infos = {code: query.metric_info(code) or {} for code in codes}
    kids = areas.children(area)
    levels = text.group("league_level")
    level = text.pick(levels.get(place["level"], levels["other"]), lang)
    title = text.t("overview.league_title", lang, level=level)
    if not kids:
        return title, [], league_columns(infos, lang, sort_by=sort_by, per_1000=per_1000)
    # The table's period ends where the freshest of its metrics' data ends; a column whose data
    # stops earlier shows no figure (not 0), and its tooltip says how far it reaches.
    as_of = {code: coverage.as_of(info, area, parts=_parts(info, None)) for code, info in infos.items() if info}
    reach = [day for day in as_of.values() if day is not None]
    cut = periods.cut(period, max(reach)) if reach else None
    if cut is not None:
        period = cut
        title = text.t("overview.league_as_of", lang, title=title, span=span_label(cut, lang, year=cut.end.year))
    table = query.league_table(area, codes, period.start, period.end)
    populations = areas.population_each(area, [kid["code"] for kid in kids]) if per_1000 else None
    in_force = targets.applied_each(infos, [kid["code"] for kid in kids], period.end.year)
    rows = league_rows(table, infos, sort_by, lang, per_1000=per_1000, populations=populations, in_force=in_force)
    return title, rows, league_columns(infos, lang, as_of, sort_by=sort_by, per_1000=per_1000)
