"""The wall screen's callbacks: one server refresh that sends what changed, and the
clientside parts (clock, rotation, the refresh gate) that need no round trip.

Where things are: what each part of the wall shows is declared in ``layouts/wall.py``
(``KPI_STRIP``, ``FRAME``, ``PANELS``); ``read_figures`` reads all of it with one call,
``data/wallfigures.read``, and turns the answer into text (the KPI strip: ``_kpis``; a panel's
figures, charts and lists: ``_panel_figures``); ``answer`` is the refresh (what differs from
what the screen shows); ``first_screen`` is the page with that answer already
applied; ``assets/wall.js`` draws the KPI tiles and the ticker from the refresh's data.

The page itself arrives with its first figures in it (``first_screen``: the refresh's
answer for a wall that shows nothing yet, applied on the server), so a new screen draws
once, at once. A refresh is asked for by the clientside gate (``wall.gate`` in assets/wall.js), which
never asks while the previous answer is outstanding. The server reads the figures once
per (area, language, day, data version) and answers with what changed: a chart's marks are
the page's own elements (``chart_children``): a changed chart is drawn anew, with no chart library.
If the warehouse cannot be read, the answer says so and every
figure on screen is left exactly as it was; wall.js then shows how old they are.

How far the figures reach (DOMAIN.md, "Time, completeness and provenance"): the header says
when the data last loaded (``_loaded``); each panel's title row its main metrics' as-of
(``_through``); a trend's last month, while unfinished, is marked (``_points``) and drawn
lighter with its "至12月4日" (layouts/wallcharts.py); a figure whose source
stops before its period ends and has none reads "未报送" with its as-of (``_reading``).
"""
from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import flask
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    Patch,
    State,
    callback,
    clientside_callback,
    html,
    no_update,
)
from dash.development.base_component import Component

from console import screens
from data import areas, content, coverage, labels, periods, present, query, settings, targets, wallfigures
from data import cache as data_cache
from data import health as source_health
from data import playlist as playlists
from data import text as catalogue  # read_figures has a local called text
from data.labels import place_name
from data.wallfigures import (
    COMING,
    LAST_12_MONTHS,
    LAST_30_DAYS,
    THIS_MONTH,
    THIS_YEAR,
    LatestMonth,
)
from layouts import wall as view
from layouts.ids import Wall
from layouts.wallcharts import chart_body
from layouts.wallmap import map_body

log = logging.getLogger(__name__)

LEAGUE_METRICS = view.LEAGUE_METRICS  # the league's columns, declared with its panel
TICKER_CHARS = 120  # a title longer than this would hold the ticker for minutes


# --- numbers and words ------------------------------------------------------------------

# Figures are written by data.present, words come from data.text, dates from data.periods;
# these names stay for the code below.

def is_percent(code: str) -> bool:
    return present.is_percent(code)


def number(value, *, percent: bool = False, lang: str = "zh") -> dict:
    """``text`` and the parts wall.js counts up (``n``, ``d``, ``s``): ``present.show``, compact."""
    return view.shown(value, lang, percent=percent).counter()


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


# --- the warehouse's answer as text ------------------------------------------------------

def _rows(rows: list[dict], lang: str, order: tuple = ()) -> list[dict]:
    """A breakdown's rows with a figure, as chart rows (largest first, or in ``order``)."""
    shown = [(r["key"], r["label_en"], r["value"]) for r in rows if r["value"] is not None and r["value"] > 0]
    if order:
        shown.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    return [{"label": member_label(k, en, lang), "value": v} for k, en, v in shown]


def _points(pairs, lang, as_of: date | None = None):
    """A trend's months as chart points; a month whose data stops before its end (this
    month, so far) is ``partial`` and says how far it reaches. A missing month stays None."""
    pairs, points = list(pairs), []
    for period, value in pairs:
        point = {"label": month_label(period, lang), "value": value}
        if value is not None and as_of is not None and period <= as_of < periods.month_end(period):
            point.update(partial=True, through=catalogue.t("wall12.partial_to", lang, day=day_label(as_of, lang)))
        points.append(point)
    # Twelve whole months and this one so far (data.periods.last_months): the first month's
    # name comes round again at the end, and a chart's category axis would draw both on one
    # place. The earlier one says it is last year's ("12月" over "去年", "Dec '25": "Dec 2025"
    # ran into "Feb").
    later = {pt["label"] for pt in points[1:]}
    if points and points[0]["label"] in later:
        first = pairs[0][0]
        points[0]["label"] = catalogue.t("wall12.month_last_year", lang, month=month_label(first, lang),
                                         yy=f"{first:%y}")
    return points


def _reading(value, info: dict, as_of: date | None, span: tuple[date, date],
             lang: str) -> tuple[present.Reading, bool]:
    """``value`` as the wall writes it, and whether it is late: with no figure because its
    source's data does not reach into ``span`` (``periods.cut`` finds nothing left of it,
    as the overview's late cards), "未报送" with that as-of as its reason: late is not zero,
    nor a bare "—"."""
    reading = present.show(value, info, lang, compact=True)
    if not present.is_missing(value) or as_of is None or as_of >= span[1]:
        return reading, False
    period = periods.Period(span[0], span[1], *periods.describe(*span))
    if periods.cut(period, as_of, info.get("grain") or "day") is not None:
        return reading, False
    return replace(reading, number=catalogue.t("wall12.not_reported", lang),
                   reason=catalogue.t("wall12.tile_through", lang, day=day_label(as_of, lang))), True


def _day_time(moment: datetime, lang: str) -> str:
    """A moment as the wall writes it with its day: "12月5日 22:32", "5 Dec 22:32" (no weekday:
    a line's end is what a narrow line clips)."""
    return f"{day_label(moment.date(), lang)} {moment:%H:%M}"


def _loaded(moment: datetime | None, today: date, lang: str) -> str:
    """The header's "数据更新于": when the data last loaded (Chengdu time, as the loads record it)."""
    if moment is None:
        return ""
    when = f"{moment:%H:%M}" if moment.date() == today else _day_time(moment, lang)
    return catalogue.t("wall12.loaded", lang, when=when)


def _through(codes: tuple[str, ...], reach: dict, metrics: dict, sources: dict, lang: str,
             overdue: frozenset[str] = frozenset()) -> str | dict:
    """A panel's title-row as-of: "数据截至12月4日", or a monthly report's month ("党组织月报截至11月").

    Sources within a day of the freshest share one date, the earliest of them (a daily
    source delivered yesterday is on time): every figure they give reaches it. A source
    further behind, or one that never delivered here, is named with its own date. A part
    whose source is past its grace days (``overdue``: codes, ``_overdue``) is tagged
    "逾期未报" in red before it ({"parts": [[words, overdue], ...]}, written by ``_stat``): a
    report that stopped is named as late on the screen, not only dated."""
    def day(code):
        as_of = reach[code]
        if (metrics[code].get("grain") or "day") == "month":
            return month_label(as_of, lang) if lang == "en" else f"{as_of.month}月"
        return day_label(as_of, lang)

    def source(code):
        return _source_name(code, metrics, sources, lang)

    known = [c for c in codes if reach.get(c) is not None]
    if not known:
        return catalogue.t("wall12.not_reported", lang) if codes else ""
    freshest = max(reach[c] for c in known)
    current = [c for c in known if (freshest - reach[c]).days <= 1]
    head = min(current, key=lambda c: reach[c])
    if all((metrics[c].get("grain") or "day") == "month" for c in current):
        parts = [(catalogue.t("wall12.source_through", lang, source=source(head), day=day(head)), head in overdue)]
    else:
        parts = [(catalogue.t("wall12.through", lang, day=day(head)), any(c in overdue for c in current))]
    # The sources behind, one part per (day, overdue or not), in the panel's order: two care
    # sources stopped on the same day are one "一老一小、志愿服务截至11月15日", so the title
    # row stays one line.
    behind: dict[tuple[str | None, bool], list[str]] = {}
    for code in codes:
        if code in current:
            continue
        names = behind.setdefault((day(code) if reach.get(code) is not None else None, code in overdue), [])
        if source(code) not in names:
            names.append(source(code))
    sep = catalogue.t("word.list_separator", lang)
    for (when, late), names in behind.items():
        words = (catalogue.t("wall12.source_through", lang, source=sep.join(names), day=when) if when is not None
                 else catalogue.t("wall12.source_not_reported", lang, source=sep.join(names)))
        parts.append((words, late))
    if not any(late for _, late in parts):
        return " · ".join(w for w, _ in parts)
    return {"parts": [[w, late] for w, late in parts]}


def _overdue(codes: tuple[str, ...], reach: dict, sources: dict, today: date) -> frozenset[str]:
    """The ``codes`` whose data stops with a source past its delivery day and grace days
    (``data.health.owed``, the data page's and the overview's rule, etl/sources.yaml)."""
    rhythms = source_health.rhythms()
    return frozenset(code for code in codes if reach.get(code) is not None and any(
        source_health.owed(name, reach[code], today, rhythms) == source_health.OVERDUE
        for name in sources.get(code, ())))


def _source_name(code: str, metrics: dict, sources: dict, lang: str) -> str:
    """The source system ``code``'s figures come from, by name ("一老一小"), else the metric's name."""
    keys = [f"source.{name}" for name in sources.get(code, ())]
    return catalogue.t(keys[0], lang) if keys and keys[0] in catalogue.TEXT else _metric_name(code, metrics, lang)


def _metric_name(code: str, metrics: dict, lang: str) -> str:
    """The catalogue's name of ``code`` (a metric without a named source system)."""
    info = metrics.get(code) or {}
    return (info.get("name_en") if lang == "en" else info.get("name")) or code


def _target_source(info: dict, lang: str) -> str:
    """Who set ``info``'s target, in the wall's one word ("街道", "street"), "" for the catalogue's
    default (``data.targets``): a tile's line holds about a dozen characters."""
    source = info.get("target_source")
    return catalogue.t(f"wall_target_source.{source}", lang) if source and source != targets.CATALOGUE else ""


def _target(info: dict, value, lang: str, period: str = "") -> tuple[str, bool]:
    """The line under a KPI (its target in force here, marked when missed, else its period)
    and whether it is missed. ``info`` is the metric's row with its target applied (``data.targets``);
    a target an area set says which ("目标98.5%·社区"), the catalogue's does not ("目标 95%")."""
    target = info.get("target")
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return period, False
    higher = (info.get("better") or "higher") != "lower"
    shown = ("" if higher else "≤") + present.target_text(target, info)
    below = value is not None and (value < target if higher else value > target)
    if source := _target_source(info, lang):
        line = catalogue.t("wall.target_set", lang, target=shown, source=source)
        return (f"▼ {line}", True) if below else (line, False)
    if below:
        return f"{catalogue.t('wall.below_target', lang)} {shown}", True
    return f"{catalogue.t('wall.target', lang)} {shown.replace('≤', '≤ ')}", False


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


def spans(today: date) -> dict[str, tuple[date, date]]:
    """The dates of the periods the wall's declarations name, on ``today`` (data.periods)."""
    found = {name: periods.resolve(name, today) for name in (THIS_MONTH, LAST_12_MONTHS, LAST_30_DAYS, THIS_YEAR)}
    return {**{name: (p.start, p.end) for name, p in found.items()}, COMING: (today, today + timedelta(days=13))}


def read_figures(area: str, lang: str, today: date, map_metric: str | None = None) -> dict:
    """Every figure the wall shows for ``area`` on ``today``, as plain data (cached by the caller).

    One read of the warehouse (``wallfigures.read`` of everything ``layouts/wall.py``
    declares), turned into text here. Nothing in it depends on the time of day: which
    activities are on now or still to come is worked out at each refresh (``_agenda_at``), so a day's
    figures can be shared until midnight.
    """
    dates = spans(today)
    found = wallfigures.read(view.needs_for(map_metric), area, dates)
    answers = found["answers"]
    # Catalogue rows, read once per metric (what data.present needs), with the targets in force
    # for this area and year (data.targets: its own, an area's above, else the catalogue's).
    metrics = targets.applied_all(found["metrics"], area, today.year)
    reach = found["as_of"]  # {code: the last day its data covers here}
    info = found["area"] or {"code": area, "name": area, "name_en": area}
    f: dict = {
        "area_name": (info.get("name_en") or info["name"]) if lang == "en" else info["name"],
        "kpis": _kpis(answers[view.KPI_STRIP], metrics, reach, dates[THIS_MONTH], lang,
                      _comparisons(info["code"], metrics, today, lang), level=info.get("level")),
        "loaded": _loaded(found["loaded"], today, lang),
        "stats": {},
        "charts": {},
        "lists": {},
    }
    for panel in view.panels_for(map_metric).values():
        _panel_figures(panel, answers, metrics, reach, found["sources"], today, lang, f, level=info.get("level"))
    f["ticker"] = _ticker(answers[view.TICKER], lang)
    return f


def _has_target(info: dict) -> bool:
    target = info.get("target")
    return target is not None and not (isinstance(target, float) and math.isnan(target))


@data_cache.cached
def kpi_changes(area: str, codes: tuple[str, ...], today: date) -> dict[str, dict]:
    """Each of ``codes`` against the same days of last period, by the overview's rule
    (``overview.kpi_cards``: this month cut to where its data ends, a stock's latest report,
    compared only when like-for-like, ``Card.comparable``): {code: {"delta", "then"}}, the
    change (None when it rose from 0, which no percentage can say) and the month compared
    with. A KPI with no honest comparison (a late or lagging source, a young rate) is left
    out. Worked out once per area and day, whatever the language (cached per data version)."""
    from callbacks import overview  # its cards are the one like-for-like rule

    row = areas.get(area)
    if row is None or not codes:
        return {}
    found = {}
    for code, card in overview.kpi_cards(list(codes), row, periods.resolve(THIS_MONTH, today)).items():
        delta = present.change(card.value, card.before, card.info) if card.comparable else None
        if delta is None and card.comparable and card.value is not None and card.value == card.before:
            delta = 0.0  # 0 then and 0 now: unchanged, which present.change cannot put as a percentage
        # 0 then and some now: no percentage can say it, but "was 0" can (never the bare period)
        from_zero = delta is None and card.comparable and card.before == 0 and not present.is_missing(card.value)
        if (delta is None and not from_zero) or card.previous is None or card.period is None:
            continue
        found[code] = {"delta": delta, "then": card.previous.start.month}
    return found


def _comparisons(area: str, metrics: dict, today: date, lang: str) -> dict[str, dict[str, str]]:
    """Each KPI without a target, against the same days of last period ("环比▲12.5%"):
    ``kpi_changes`` in words."""
    codes = tuple(code for code, _label, _unit in view.KPIS if metrics.get(code) and not _has_target(metrics[code]))
    found = {}
    for code, change in kpi_changes(area, codes, today).items():
        # A tile's line holds about a dozen characters at 24 px: "环比▲14%" / "▲14% vs Nov" (the
        # same days of that month; the overview's card spells out "12月1–4日 vs 11月1–4日").
        then = catalogue.month_name(change["then"], lang, short=True)
        if change["delta"] is None:  # up from 0 on the same days of last month
            words = catalogue.t("wall.kpi_from_zero", lang, then=then)
            found[code] = {"text": words, "change": words}
            continue
        moved = _change(change["delta"], metrics[code], lang)
        found[code] = {"text": catalogue.t("wall.kpi_vs", lang, then=then, change=moved), "change": moved}
    return found


def _change(delta: float, info: dict, lang: str) -> str:
    """A tile's change, short enough for its line: "▲250%", "▼41.8%" (points for a rate)."""
    if present.is_percent(info):
        return present.change_text(delta, info, lang).replace(" ", "", 1)
    arrow = "▲" if delta > 0.05 else "▼" if delta < -0.05 else "■"
    return f"{arrow}{abs(delta):.0f}%" if abs(delta) >= 10 else f"{arrow}{abs(delta):.1f}%"


def _not_recorded(info: dict, metrics: dict, level: str | None, lang: str) -> str:
    """Why ``info`` has no figure on the wall of an area at ``level``: it is recorded only at
    a coarser level (a community metric on a grid cell's wall, ``coverage.has_figures_at``);
    "" when it is recorded there."""
    if not level:
        return ""
    parts = ([metrics.get(info.get(role)) or {} for role in ("numerator", "denominator")]
             if info.get("kind") == "ratio" else None)
    if coverage.has_figures_at(info, level, parts):
        return ""
    recorded = catalogue.t(f"explore12.level.{coverage.recorded_level(info, parts)}", lang)
    return catalogue.t("wall12.not_recorded", lang, level=recorded)


def _kpis(answer: dict, metrics: dict, reach: dict, month: tuple[date, date], lang: str,
          compared: dict[str, dict[str, str]] | None = None, *, level: str | None = None) -> list[dict]:
    """The KPI strip's tiles: figure, and the line under it: its target, else its change
    against last period like-for-like (``_comparisons``), else the period it covers.

    A tile is drawn by wall.js from these alone (value counted up, target line, ``below``,
    ``late``). A tile whose source has not delivered for this month reads "未报送" and its
    line says how far that source reaches (``_reading``).
    """
    this_month = view.t("this_month", lang)
    tiles = []
    for code, got in answer.items():
        period = this_month.capitalize() if lang == "en" else this_month
        span = month
        if got["span"]:  # a stock: the month its figure is from
            span = got["span"]
            period = f"As of {month_label(span[0], lang)}" if lang == "en" else f"截至{span[0].month}月"
        reading, late = _reading(got["value"], metrics[code], reach.get(code), span, lang)
        if not metrics[code]:  # not in the catalogue (data.wallfigures logs it): no figure, never 0
            tiles.append({"code": code, "below": False, "late": False, "target": catalogue.t("wall.unread", lang),
                          **reading.counter()})
            continue
        if late:
            tiles.append({"code": code, "below": False, "late": True, "target": reading.reason, **reading.counter()})
            continue
        target, below = _target(metrics[code], got["value"], lang, period)
        if not _has_target(metrics[code]) and code in (compared or {}):
            # A stock keeps its month ("11月 ▼0.1%": November's level against October's); a
            # flow its change against the same days of last month ("环比▲14%").
            moved = (compared or {})[code]
            target = (f"{catalogue.month_name(got['span'][0].month, lang, short=True)} {moved['change']}"
                      if got["span"] else moved["text"])
        if present.is_missing(got["value"]) and (why := _not_recorded(metrics[code], metrics, level, lang)):
            target = why  # a community figure on a grid cell's wall: "—" and why, not "本月"
        tiles.append({"code": code, "below": below, "late": False, "target": target, **reading.counter()})
    return tiles


def _panel_figures(panel: view.Panel, answers: dict, metrics: dict, reach: dict, sources: dict, today: date,
                   lang: str, f: dict, *, level: str | None = None) -> None:
    """One panel's period line, as-of, figures, charts and lists, into ``f``.

    A stat is its text, or for a late source {"text": "未报送", "note": its as-of}, or for a
    metric not recorded at the area's level {"text": "—", "note": why, "below": True}."""
    stats = f["stats"]
    stats[f"{panel.id}-period"] = _period_text(panel, answers, today, lang)
    if panel.as_of:
        reach_here = answers[panel.as_of]
        stats[f"{panel.id}-through"] = _through(panel.as_of.metrics, reach_here, metrics, sources, lang,
                                                _overdue(panel.as_of.metrics, reach_here, sources, today))
    else:
        stats[f"{panel.id}-through"] = ""
    for figures in panel.figures:
        answer = answers[figures.shows]
        for code, value in answer["values"].items():
            if not metrics[code]:  # not in the catalogue (data.wallfigures logs it): no figure, never 0
                stats[figures.prefix + code] = catalogue.t("wall.unread", lang)
                continue
            reading, late = _reading(value, metrics[code], reach.get(code), answer["span"], lang)
            stats[figures.prefix + code] = ({"text": reading.number, "note": reading.reason} if late
                                            else reading.number)
            if not late and present.is_missing(value) and (why := _not_recorded(metrics[code], metrics, level, lang)):
                stats[figures.prefix + code] = {"text": reading.number, "note": why, "below": True}
    for chart in panel.charts:
        got = answers[chart.shows]
        if chart.kind == "hotline":
            assert isinstance(chart.shows, wallfigures.Trends)  # the hotline chart is three trends
            codes = chart.shows.metrics
            f["charts"][chart.id] = {
                **{line: _points(got[code], lang, reach.get(code))
                   for line, code in zip(("received", "on_time", "satisfied"), codes)},
                "names": [pick_metric_name(code, lang) for code in codes],
            }
        elif isinstance(chart.shows, wallfigures.Places):
            code = chart.shows.metric
            f["charts"][chart.id] = _map(got, metrics[code], lang)
            f["stats"][f"{panel.id}-period"] = catalogue.t("wall.map_caption", lang,
                                                           metric=_metric_name(code, metrics, lang))
        elif isinstance(chart.shows, wallfigures.Trends):
            code = chart.shows.metrics[0]
            f["charts"][chart.id] = _points(got[code], lang, reach.get(code))
        else:
            # A breakdown: its rows, and what an empty chart says (a late source: "未报送", its as-of).
            code = chart.shows.metric
            _, late = _reading(None, metrics[code], reach.get(code), spans(today)[chart.shows.period], lang)
            empty = (catalogue.t("wall12.chart_late", lang, source=_source_name(code, metrics, sources, lang),
                                 day=day_label(reach[code], lang)) if late else view.t("no_data", lang))
            f["charts"][chart.id] = {"rows": _rows(got, lang, chart.order), "empty": empty}
    for listing in panel.lists:
        if listing.name == "league":  # each row against its own area's target
            f["lists"][listing.name] = _league(answers[listing.shows], metrics, lang, year=today.year)
            stats.update(_league_notes(metrics, lang))
            # Areas with no figure at all are not ranked: the caption says how many, so the
            # table is not read as every area there is.
            if unranked := len(answers[listing.shows]["rows"]) - len(_ranked(answers[listing.shows], metrics)):
                stats[f"{panel.id}-period"] += catalogue.t("wall.league_unranked", lang, count=unranked)
        else:
            f["lists"][listing.name] = LIST_ROWS[listing.name](answers[listing.shows], metrics, lang)


def _map(answer: dict, info: dict, lang: str) -> dict:
    """The map's places as points: name and figure beside each dot, coloured by the figure;
    a place with no figure is a ring with "—" (never a 0); the wall's own place ringed in gold."""
    placed = [r for r in answer["rows"] if r["lon"] is not None and r["lat"] is not None]
    points = [{"x": r["lon"], "y": r["lat"], "value": r["value"],
               "label": present.plot_text(place_name(r, lang)) + "<br>"
               + present.show(r["value"], info, lang, compact=True).text,
               "own": answer["level"] == "siblings" and r["code"] == answer["area"]} for r in placed]
    return {"points": points, "district": answer["district"], "empty": view.t("no_data", lang),
            **_service_points(answer.get("services") or {"placed": [], "unplaced": 0}, lang)}


def _service_points(found: dict, lang: str) -> dict:
    """The map's service points (positions only: too many to name) and its note saying how
    many are placed and how many have no position, so an empty map is never read as "none"."""
    placed, unplaced = found["placed"], found["unplaced"]
    notes = []
    if placed:
        notes.append(catalogue.t("wall.map_services", lang, count=len(placed)))
        if unplaced:
            notes.append(catalogue.t("wall.map_services_unplaced", lang, count=unplaced))
    elif unplaced:
        notes.append(catalogue.t("wall.map_services_none", lang))
    return {"services": [{"x": p["lon"], "y": p["lat"]} for p in placed], "services_note": " · ".join(notes)}


def _period_text(panel: view.Panel, answers: dict, today: date, lang: str) -> str:
    """What a panel's header says its figures cover."""
    period = panel.period
    if isinstance(period, LatestMonth):
        span = next(answers[x.shows]["span"] for x in panel.figures if x.period == period)
        if not span:
            return view.t("no_data", lang)
        return catalogue.t("wall.monthly_report", lang) + long_month(span[0], lang)
    if period == THIS_MONTH:
        this_month = view.t("this_month", lang)
        return (this_month.capitalize() if lang == "en" else this_month) + f" · {long_month(today, lang)}"
    if period == LAST_30_DAYS:
        siblings = any(answers[x.shows]["level"] == "siblings" for x in panel.lists
                       if isinstance(x.shows, wallfigures.League))
        return catalogue.t("wall12.league_siblings", lang) if siblings else view.t("league_caption", lang)
    if period == COMING:
        return catalogue.t("wall.agenda_from", lang).format(day=day_label(today, lang))
    return ""


per_thousand = present.per_thousand  # the overview's league compares by the same rule


def _league_value(row: dict, code: str, info: dict) -> float | None:
    """A league cell's figure: the rate as it is, a count per 1,000 residents (None, never 0,
    where the figure or the population is unknown)."""
    value = row[code]
    if value is None or math.isnan(value):
        return None
    return present.per_thousand_value(value, row.get("population")) if per_thousand(info) else value


def _league_gap(value: float | None, info: dict, lang: str) -> dict | None:
    """How far a cell is from its metric's target: {"text": "差1.8点" | "达标", "below": ...}."""
    target = info.get("target")
    if value is None or target is None or (isinstance(target, float) and math.isnan(target)):
        return None
    ahead = present.target_gap(value, target, info)  # the overview league's rule: points for a rate
    if ahead is None:
        return None
    if ahead >= 0:
        return {"text": catalogue.t("wall.league_met", lang), "below": False}
    if present.is_percent(info):
        gap = catalogue.t("wall.league_points", lang, points=f"{-ahead:.1f}")
    else:
        gap = present.show(-ahead, info, lang, compact=True).text
    return {"text": catalogue.t("wall.league_short", lang, gap=gap), "below": True}


def _league_notes(metrics: dict, lang: str) -> dict[str, str]:
    """The league's column notes, under each heading: "每千人" and the target where one exists."""
    notes = {}
    for code, _heading in view.LEAGUE_METRICS:
        info = metrics[code]
        parts = [catalogue.t("wall.league_per_thousand", lang)] if per_thousand(info) else []
        if _has_target(info):
            shown = present.target_text(info["target"], info)
            source = _target_source(info, lang)
            parts.append(catalogue.t("wall.target_set", lang, target=shown, source=source) if source
                         else f"{catalogue.t('wall.target', lang)} {shown}")
        notes[f"league-note-{code}"] = " · ".join(parts)
    return notes


def _top_and_bottom(ranked: list, own) -> list:
    """The ranks shown: all of them if they fit (``LEAGUE_ROWS``), else the top and the last
    ``LEAGUE_BOTTOM``, so the laggards are on screen too; a community's own row always."""
    if len(ranked) <= view.LEAGUE_ROWS:
        return ranked
    bottom = ranked[-view.LEAGUE_BOTTOM:]
    top = ranked[:view.LEAGUE_ROWS - view.LEAGUE_BOTTOM]
    if own is not None and own not in top and own not in bottom:
        top = [*top[:-1], own]
    return top + bottom


def _ranked(answer: dict, metrics: dict) -> list[tuple[dict, dict]]:
    """The league's areas that have any figure, each with its cells' figures (``_league_value``)."""
    rows = []
    for r in answer["rows"]:
        values = {c: _league_value(r, c, metrics[c]) for c, _ in view.LEAGUE_METRICS}
        if any(v is not None for v in values.values()):
            rows.append((r, values))
    return rows


def _league(answer: dict, metrics: dict, lang: str, *, year: int | None = None) -> list[dict]:
    """The league table's rows: the areas compared (below a street, or a community's
    neighbours) with any figure, counts per 1,000 residents (``per_thousand``), ranked by
    the first column. Every area if they fit, else the top and the bottom (``gap`` marks the
    row after ranks left out). A community's wall always lists its own row (``own``). With
    ``year``, each row's gap is to the target in force for its own area that year (a
    community may aim higher than its street, ``data.targets``)."""
    codes = [code for code, _ in view.LEAGUE_METRICS]
    rows = _ranked(answer, metrics)

    def order(rv) -> float:
        first = rv[1][codes[0]]
        return -first if first is not None else math.inf

    rows.sort(key=order)
    ranked = list(enumerate(rows, start=1))
    siblings = answer["level"] == "siblings"
    own = next(((rank, rv) for rank, rv in ranked if siblings and rv[0]["code"] == answer["area"]), None)
    shown = _top_and_bottom(ranked, own)
    before = [0] + [rank for rank, _ in shown[:-1]]
    league_infos = {c: metrics[c] for c in codes}
    each = {} if year is None else targets.applied_each(league_infos, [r["code"] for _, (r, _) in shown], year)
    return [
        {"rank": rank, "own": siblings and r["code"] == answer["area"], "gap": rank != previous + 1,
         "name": (r["name_en"] or r["name"]) if lang == "en" else r["name"],
         "cells": [present.show(values[c], None if per_thousand(metrics[c]) else metrics[c], lang,
                                compact=True).text for c in codes],
         "gaps": [_league_gap(values[c], in_force[c], lang) for c in codes]}
        for previous, (rank, (r, values)) in zip(before, shown)
        for in_force in [metrics if year is None else each[r["code"]]]
    ]


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _english(words: str, lang: str) -> str:
    """``words`` as the English wall shows them: as they are if they have no Chinese, else
    clearly marked as untranslated ("(in Chinese) 周二至周日 …"): a fallback, never hidden."""
    if lang != "en" or not words or not _CJK.search(words):
        return words
    return f"{catalogue.t('wall.in_chinese', lang)} {words}"


def _place(item: dict, lang: str) -> str:
    """Where an item is: its ``location``, in English the feed's ``location_en`` (else marked)."""
    if lang == "en" and item.get("location_en"):
        return item["location_en"]
    return _english(item.get("location") or "", lang)


def _section(body: str | None, heading: str) -> list[str]:
    """The lines under a Markdown body's ``## heading`` (list marks and markup dropped)."""
    lines, inside = [], False
    for raw in (body or "").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            inside = line.lstrip("#").strip() == heading
            continue
        if inside and line:
            lines.append(content.plain_text(line.lstrip("-*· ").strip()))
    return [line for line in lines if line]


# A guide's body (the content feed's convention): "## 所需材料" lists what to bring ("## What
# to bring" in English, if the feed has it), "## 办理地点" says where; the wall gives each its own line.
GUIDE_BRING, GUIDE_WHERE, GUIDE_BRING_EN = "所需材料", "办理地点", "What to bring"
GUIDE_LINE = 90  # a bound: the panel clips a long line with an ellipsis (wall.css)


def _guide(items: list[dict], _metrics: dict, lang: str) -> list[dict]:
    """Each guide: what to bring and where, a line each (the body's first line if it has neither)."""
    rows = []
    for i in items:
        bring = _section(i.get("body"), GUIDE_BRING)
        english = _section(i.get("body"), GUIDE_BRING_EN) if lang == "en" else []
        what = (catalogue.t("word.list_separator", "en").join(english) if english
                else _english(catalogue.t("word.list_separator", "zh").join(bring), lang))
        where = _place(i, lang) or (_section(i.get("body"), GUIDE_WHERE) or [""])[0]
        lines = []
        if what:
            lines.append(_clip(catalogue.t("wall.guide_bring", lang, what=what), GUIDE_LINE))
        if where:
            lines.append(_clip(catalogue.t("wall.guide_where", lang, where=where.split("（")[0]), GUIDE_LINE))
        rows.append({"title": _title(i, lang), "sub": lines or _first_line(i.get("body"))})
    return rows


_HOURS = re.compile(r"开放时间[：:]\s*([^。\n]+)")
_HOURS_EN = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"), ("周六", "Sat"),
             ("周日", "Sun"), ("至", "–"), ("全天24小时", "24 hours"), ("全天开放", "open all day"),
             ("寒暑假", "school holidays"), ("，", "; "), ("、", ", "))


def _hours(text: str, lang: str) -> str:
    """Opening hours as written ("周一至周五 9:00-17:00"); in English the day names and the
    usual words translated ("Mon–Fri 9:00-17:00"), anything left in Chinese marked."""
    if lang != "en":
        return text
    for zh, en in _HOURS_EN:
        text = text.replace(zh, en)
    return _english(text, lang)


def _resources(answer: dict, _metrics: dict, lang: str) -> list[dict]:
    """Each service point of the 15-minute living circle (``wallfigures.ServicePoints``): its
    name, then on a street's wall its community, and its walking time and opening hours
    (from its body: "步行约8分钟", "开放时间：…"), else its first line or its place."""
    rows = []
    for i in answer["rows"]:
        body = i.get("body") or ""
        walk, hours = content.walk_minutes(body), _HOURS.search(body)
        title, parts = _title(i, lang), []
        if answer["spread"] and i.get("community"):
            own = {"name": i["community"], "name_en": i.get("community_en")}
            full = (own["name_en"] or own["name"]) if lang == "en" else own["name"]
            if title.startswith(full) and len(title) > len(full) + 1:  # "汇泉路社区党群服务中心"
                title = title[len(full):].strip(" ·")
            parts.append(full)  # "创业社区": a short "创业" would not read as a place
        if walk is not None:
            parts.append(catalogue.t("wall.walk_minutes", lang, minutes=walk))
        if hours:
            parts.append(_hours(hours.group(1).strip(), lang))
        sub = " · ".join(parts) or _english(_first_line(body, skip=i["title"]), lang) or _place(i, lang)
        rows.append({"title": title, "sub": sub})
    return rows


def _agenda_rows(items: list[dict], _metrics: dict, lang: str) -> list[dict]:
    return [{"when": _when(i.get("starts_at"), lang), "title": _title(i, lang), "where": _place(i, lang),
             "starts": i["starts_at"].isoformat() if i.get("starts_at") else None,
             "ends": i["ends_at"].isoformat() if i.get("ends_at") else None}
            for i in items if i.get("starts_at")]


def _wishes(items: list[dict], _metrics: dict, lang: str) -> list[dict]:
    """Micro-wishes just fulfilled: what kind of wish, in which community, and the kind of
    party that fulfilled it (a company, a volunteer team ...): never the resident, never a name."""
    rows = []
    for i in items:
        category = labels.label(i.get("category") or "其他", lang)
        who = labels.label(i.get("handled_by") or "", lang) if i.get("handled_by") else ""
        title = catalogue.t("wall.fulfilled_by", lang, category=category, who=who.lower() if lang == "en" else who) \
            if who else category
        place = (i.get("area_name_en") or i.get("area_name")) if lang == "en" else i.get("area_name")
        closed = i.get("closed_at")
        if closed is not None and not isinstance(closed, datetime):
            closed = datetime.fromisoformat(str(closed))
        rows.append({"title": title, "sub": " · ".join(x for x in (place or "", day_label(closed.date(), lang)
                                                                   if closed else "") if x)})
    return rows


def _pulses(items: list[dict], _metrics: dict, lang: str) -> list[dict]:
    """Work orders and grid events just in: which system, what category, in which
    community, when and how far along; never a number, a name or the resident's words."""
    rows = []
    for i in items:
        received = i.get("received_at")
        if received is not None and not isinstance(received, datetime):
            received = datetime.fromisoformat(str(received))
        place = (i.get("community_en") or i.get("community")) if lang == "en" else i.get("community")
        if lang == "en" and place:  # "Hongpailou", as on the map: " Community" pushed the time off the line
            place = place_name({"name": place, "name_en": place}, lang)
        kind = catalogue.t(f"item.source_{i['source']}", lang)
        rows.append({"title": f"{kind} · {labels.label(i.get('category') or '未填写', lang)}",
                     # the status first: on a narrow screen the time is what gets clipped
                     "sub": " · ".join(x for x in (labels.label(i.get("status") or "", lang), place or "",
                                                   # no weekday ("Sat 5 Dec 2…" at 1920 in English)
                                                   _day_time(received, lang) if received else "") if x),
                     "open": bool(i.get("open")), "community": i.get("community_code"),
                     "lon": i.get("lon"), "lat": i.get("lat")})
    return rows


# A panel's list (``view.Listing.name``) as rows: written whole into ``Wall.list(name)``.
LIST_ROWS: dict[str, Callable[..., list]] = {"league": _league, "guide": _guide, "resource": _resources,
                                              "agenda": _agenda_rows, "wishes": _wishes, "pulses": _pulses}


def _ticker(items: list[dict], lang: str) -> list[dict]:
    """The ticker's news and notices, each title once, clipped, with the times they show
    between (``from``: published, ``until``: expiry; see ``showing``)."""
    seen, ticker = set(), []
    for item in items:
        title = _title(item, lang)
        if title in seen:
            continue
        seen.add(title)
        published, ends = item.get("published_at"), item.get("ends_at") if item.get("kind") == "notice" else None
        ticker.append({"id": item["id"], "kind": item["kind"], "title": _clip(title, TICKER_CHARS),
                       "from": published.isoformat() if isinstance(published, datetime) else None,
                       "until": ends.isoformat() if isinstance(ends, datetime) else None})
    return ticker


def showing(ticker: list[dict], now: datetime) -> list[dict]:
    """The ticker's items on screen at ``now`` (local, naive): published, and a notice not
    past its expiry; at most ``TICKER_ITEMS``, as wall.js draws them (id, kind, title).

    A day's figures are shared until midnight; what is on the ticker is worked out at each
    refresh, so a notice staff schedule for 17:00 appears at the first refresh after it.
    """
    moment = now.isoformat()
    shown = [{"id": i["id"], "kind": i["kind"], "title": i["title"]} for i in ticker
             if (not i.get("from") or i["from"] <= moment) and (not i.get("until") or moment < i["until"])]
    return shown[:view.TICKER_ITEMS]


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
def _shared_figures(area: str, lang: str, day: str, map_metric: str | None = None) -> dict:
    """``read_figures`` through the app's cache (Redis in a deployment), so of all the
    workers and hosts serving walls, one computes an area's day and the rest read it."""
    return read_figures(area, lang, date.fromisoformat(day), map_metric)


def figures(area: str, lang: str, today: date, map_metric: str | None = None) -> tuple[str, dict]:
    """``read_figures`` once per area, language, day and data version; walls share the answer.

    Returns the cache key too: the wall sends it back with its next request, so a refresh
    that finds nothing new patches nothing.
    """
    # The version this request's cache keys carry (pinned for the request, no SQL within
    # the TTL): a fresh read here could file an older version's figures under a newer key.
    key = f"{data_cache.stamp()}|{today.isoformat()}|{area}|{lang}" + (f"|{map_metric}" if map_metric else "")
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return key, _cache[key]
    found = (_shared_figures(area, lang, today.isoformat(), map_metric) if data_cache.enabled()
             else read_figures(area, lang, today, map_metric))
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > MEMO_ITEMS:
            _cache.popitem(last=False)
    return key, found


def shown_figures(key: str | None) -> dict | None:
    """The figures a wall last received, if still cached (to send only what changed)."""
    with _cache_lock:
        return _cache.get(key) if key else None


# --- charts -------------------------------------------------------------------------------

def chart_children(chart: str, data: Any, lang: str, colour: str) -> list:
    """A chart's marks (its box's children) drawn from its figures ``data`` in ``colour``: the
    page's own elements (layouts/wallcharts.py, layouts/wallmap.py), sent whole when its figures
    change and drawn anew (a few dozen elements; no chart library runs on the wall)."""
    kind, width, height = view.CHARTS[chart]
    if kind == "map":
        return map_body(data, lang, colour, width, height)
    return chart_body(kind, data, lang, colour, width, height)


def _league_cell(text: str, gap: dict | None):
    if not gap:
        return html.Td(text)
    return html.Td([text, html.Span(gap["text"], className="wall-league-gap" + (" below" if gap["below"] else ""))])


def _league_rows(rows: list[dict], lang: str):
    if not rows:
        return [html.Tr(html.Td(view.t("no_data", lang), colSpan=6, className="wall-empty"))]
    return [
        html.Tr([html.Td(str(r["rank"]), className=f"wall-league-rank r{r['rank']}"),
                 html.Td(r["name"], className="wall-league-name")]
                + [_league_cell(cell, gap) for cell, gap in zip(r["cells"], r.get("gaps") or [None] * len(r["cells"]))],
                className=" ".join(c for c in ("wall-league-own" if r["own"] else "",
                                               "wall-league-after-gap" if r.get("gap") else "") if c) or None)
        for r in rows
    ]


def _stat(value, lang: str):
    """A stat as written on screen: its text, or "未报送" with its as-of beneath (``_panel_figures``)."""
    if isinstance(value, dict) and "parts" in value:  # a panel's as-of with an overdue source (``_through``)
        shown: list = []
        for words, late in value["parts"]:
            if shown:
                shown.append(" · ")
            if late:
                shown.append(html.Span(catalogue.t("wall12.overdue", lang), className="wall-overdue"))
            shown.append(words)
        return shown
    if isinstance(value, dict) and value.get("below"):  # not recorded at this level: "—" and why
        return [html.Span(value["text"], className="wall-none"), html.Span(value["note"], className="wall-none-note")]
    if isinstance(value, dict):
        return [html.Span(value["text"], className="wall-late"), html.Span(value["note"], className="wall-late-note")]
    return value


def _items(rows: list[dict], lang: str):
    """A list's rows: a title and its line (a guide: a line each for what to bring and where)."""
    if not rows:
        return [html.Li(view.t("no_data", lang), className="wall-empty")]
    return [html.Li([html.Div(r["title"], className="wall-item-title"),
                     *[html.Div(sub, className="wall-item-sub")
                       for sub in (r["sub"] if isinstance(r["sub"], list) else [r["sub"]])]])
            for r in rows]


# An activity without an end time stays on the agenda, marked "now", this long after it began.
AGENDA_GRACE = timedelta(minutes=30)


def _wish_items(rows: list[dict], lang: str):
    if not rows:
        return [html.Li(catalogue.t("wall.no_recent_wishes", lang), className="wall-empty")]
    return _items(rows, lang)


def _pulse_items(rows: list[dict], lang: str):
    if not rows:
        return [html.Li(catalogue.t("wall.no_recent_pulses", lang), className="wall-empty")]
    return [html.Li([html.Div(r["title"], className="wall-item-title"), html.Div(r["sub"], className="wall-item-sub")],
                    className="wall-pulse" + (" wall-pulse-open" if r.get("open") else "")) for r in rows]


def _agenda_at(rows: list[dict], now: datetime) -> list[dict]:
    """What the agenda shows at ``now``: what is on now (marked ``now``), then what is next,
    soonest first, at most ``AGENDA_ITEMS``; what has ended is gone.

    The rows (the next two weeks' activities) are cached for the day; this choice is made at
    every refresh, so the list moves on through the day without another read.
    """
    shown = []
    for r in rows:
        starts = datetime.fromisoformat(r["starts"])
        ends = datetime.fromisoformat(r["ends"]) if r["ends"] else starts + AGENDA_GRACE
        if ends <= now:
            continue
        shown.append(dict(r, now=starts <= now, days=(starts.date() - now.date()).days))
    return shown[:view.AGENDA_ITEMS]


def _agenda_key(rows: list[dict]) -> str:
    """What a wall's agenda looks like: a refresh rewrites the list only when this changes."""
    return "|".join(f"{r['starts']}{'*' if r['now'] else ''}" for r in rows)


def _agenda_when(row: dict, lang: str) -> str:
    """When, as a passer-by reads it: "进行中", "今天 14:00", "明天 09:30", else the weekday and date."""
    if row["now"]:
        return catalogue.t("wall.agenda_now", lang)
    if row["days"] in (0, 1):
        word = catalogue.t("wall.agenda_today" if row["days"] == 0 else "wall.agenda_tomorrow", lang)
        return f"{word} {datetime.fromisoformat(row['starts']):%H:%M}"
    return row["when"]


def _agenda(rows: list[dict], lang: str):
    if not rows:
        return [html.Li(catalogue.t("wall.agenda_none", lang), className="wall-empty")]
    return [
        html.Li([html.Span(_agenda_when(r, lang), className="wall-agenda-when"),
                 html.Span(r["title"], className="wall-agenda-title"),
                 html.Span(r["where"], className="wall-agenda-where")],
                className="wall-agenda-item" + (" now" if r["now"] else " today" if r["days"] == 0 else ""))
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

# What ``answer`` gives, in order: DATA, then one list per pattern of PATTERN_OUTPUTS (one
# item per component of that type on the page), then one item per SINGLE_OUTPUTS, then the
# playlist. A panel's list (``Wall.list``) is on the page only if its panel is on the
# playlist, so the refresh declares those as one pattern output (``_as_declared``).
PATTERN_OUTPUTS = (("wall-chart", "children"), ("wall-panel", "data-as-of"), ("wall-kpi", "className"),
                   ("wall-stat", "children"))
SINGLE_OUTPUTS = (Wall.AREA_NAME, Wall.LEAGUE_BODY, Wall.GUIDE_LIST, Wall.RESOURCE_LIST,
                  Wall.ACTIVITY_LIST, Wall.WISH_LIST, Wall.PULSE_LIST, Wall.NOTE)
PANEL_LISTS = SINGLE_OUTPUTS[1:-1]  # the panels' lists among them
# How each panel list is written from its rows (``Wall.list(name)`` <- ``f["lists"][name]``).
LIST_WRITERS = {"league": lambda rows, lang, _past: _league_rows(rows, lang),
                "guide": lambda rows, lang, _past: _items(rows, lang),
                "resource": lambda rows, lang, _past: _items(rows, lang),
                "agenda": lambda rows, lang, shown: _agenda(shown, lang),
                "wishes": lambda rows, lang, _past: _wish_items(rows, lang),
                "pulses": lambda rows, lang, _past: _pulse_items(rows, lang)}


@callback(
    Output(Wall.DATA, "data"),
    Output(Wall.chart(ALL), "children"),
    Output(Wall.panel(ALL), "data-as-of"),
    Output(Wall.stat(ALL), "children"),
    Output(Wall.AREA_NAME, "children"),
    Output(Wall.list(ALL), "children"),
    Output(Wall.NOTE, "children"),
    Output(Wall.PLAYLIST, "data"),
    Output(Wall.DEFERRED, "data"),
    Output(Wall.PENDING, "data"),
    Input(Wall.REQUEST, "data"),
    State(Wall.DATA, "data"),
    State(Wall.CONFIG, "data"),
    State(Wall.PLAYLIST, "data"),
    State(Wall.chart(ALL), "id"),
    State(Wall.panel(ALL), "id"),
    State(Wall.stat(ALL), "id"),
    State(Wall.list(ALL), "id"),
    State(Wall.slot(ALL, ALL), "id"),
    State(Wall.STAGE, "data-active"),
    State(Wall.PENDING, "data"),
    prevent_initial_call=True,
)
def refresh(request, shown, config, shown_playlist, chart_ids, panel_ids, stat_ids, list_ids, slot_ids,
            active=None, pending=None):
    """Re-read the figures and send what changed; on failure leave the screen as it is and say so."""
    outputs = answer(request, shown, config, shown_playlist, chart_ids, panel_ids, [], stat_ids)
    charts, waiting = off_screen(outputs[0], outputs[1], chart_ids, active, pending)
    return (*_as_declared((outputs[0], charts, *outputs[2:]), list_ids),
            deferred_charts(outputs[0], shown, config, slot_ids, chart_ids), waiting)


CHART_PANEL = {chart.id: panel.id for panel in view.PANELS.values() for chart in panel.charts}


def off_screen(data: dict, drawn: list, chart_ids: list[dict], active: str | None, pending: dict | None) -> tuple[list, Any]:
    """Draw what is seen, for figures that change: a chart whose panel is not on screen is not
    changed now (an update nobody sees, every time its figures change); its new marks wait in
    PENDING (a Patch of the store) and wall.js's ``drawPending`` puts them in when the rotation
    comes to the panel before its own, as ``drawSeen`` does with a panel's first charts, so
    the panel comes round already up to date. A chart changed here drops what was waiting for
    it. Returns (the charts' new marks, the PENDING patch or no_update)."""
    if not data.get("ok") or not active:
        return drawn, no_update
    store, changed, out = Patch(), False, []
    for ident, marks in zip(chart_ids, drawn):
        chart = ident["chart"]
        if marks is not no_update and CHART_PANEL.get(chart, active) != active:
            store[chart] = {"panel": CHART_PANEL[chart], "v": data["key"], "children": marks}
            changed = True
            out.append(no_update)
            continue
        if marks is not no_update and chart in (pending or {}):
            del store[chart]
            changed = True
        out.append(marks)
    return out, store if changed else no_update


def area_playlist(config: dict | None) -> playlists.Playlist:
    """The playlist of the wall's area (``config``'s, else the default area's)."""
    return playlists.for_area((config or {}).get("area") or view.DEFAULT_AREA)


def chart_colours(config: dict | None, playlist: playlists.Playlist | None = None) -> dict[str, str]:
    """{chart id: its series colour} on this wall: the map's follows the metric of its area's
    playlist, so a chart drawn now, drawn late (deferred_charts) or drawn when its panel comes
    round (off_screen) has the colour of the same chart drawn by answer()."""
    return view.chart_colours((playlist or area_playlist(config)).map_metric())


def deferred_charts(data: dict, shown: dict | None, config: dict | None, slot_ids: list[dict],
                    chart_ids: list[dict]) -> Any:
    """DEFERRED brought up to date: the box of each chart still waiting for its panel to
    come round (a slot with no chart on the page yet) whose figures changed since the wall's
    last answer, so a panel drawn late is drawn with the figures of now. A Patch of the
    store (the rest stays as it is), or no_update."""
    mounted = {i["chart"] for i in chart_ids}
    waiting = [i["chart"] for i in slot_ids if i["chart"] not in mounted]
    new = shown_figures(data.get("key")) if data.get("ok") else None
    if not waiting or new is None:
        return no_update
    old = shown_figures((shown or {}).get("key"))
    lang = (config or {}).get("lang", "zh")
    colours = chart_colours(config)
    patch, changed = Patch(), False
    for chart in waiting:
        if old is None or old["charts"].get(chart) != new["charts"].get(chart):
            patch[chart] = view.chart_box(chart, chart_children(chart, new["charts"][chart], lang, colours[chart]))
            changed = True
    return patch if changed else no_update


def _as_declared(outputs: tuple, list_ids: list[dict]) -> tuple:
    """``answer``'s outputs in the order ``refresh`` declares them: the panel lists on the
    page as one pattern output, and no KPI tile output (wall.js draws the tiles from DATA)."""
    data, charts, stamps, _tiles, stats, *singles, playlist = outputs

    def single(component_id):
        return singles[SINGLE_OUTPUTS.index(component_id)]

    return (data, charts, stamps, stats, single(Wall.AREA_NAME),
            [single(i) for i in list_ids], single(Wall.NOTE), playlist)


def _reload_request() -> dict:
    """For a kiosk screen, ``{"reload": its last reload request}`` (console "reload now";
    wall.js reloads when it changes); nothing for anyone else."""
    who = flask.g.get("csb_principal") if flask.has_request_context() else None
    if who is None or who.via != "kiosk":
        return {}
    try:
        return {"reload": screens.reload_stamp(who.name)}
    except Exception as err:  # noqa: BLE001 - the figures are shown whether or not this is read
        log.warning("could not read the reload request of screen %s: %s", who.name, err)
        return {}


def answer(request, shown, config, shown_playlist, chart_ids, panel_ids, kpi_ids, stat_ids) -> tuple:
    """The refresh's answer (see PATTERN_OUTPUTS): only what differs from ``shown``.

    The KPI tiles (``kpi_ids``) are never written here: a tile is drawn by wall.js from
    DATA's ``kpis`` (value, target line, below-target mark), its one channel.
    """
    request = request or {}
    config = config or {}
    lang = config.get("lang", "zh")
    area = config.get("area") or view.DEFAULT_AREA
    playlist = area_playlist(config)  # a save in the console reaches the wall here, at its next refresh
    client = playlist.for_client()
    new_playlist = client if client["signature"] != (shown_playlist or {}).get("signature") else no_update
    now = settings.local_now()
    stamp = now.astimezone().isoformat(timespec="seconds")
    tiles = [no_update] * len(kpi_ids)
    try:
        unknown = None
        if areas.get(area) is None:
            unknown, area = area, view.DEFAULT_AREA
        key, f = figures(area, lang, now.date(), playlist.map_metric())
    except Exception as err:  # noqa: BLE001 - any failure: keep the last figures, report it
        log.warning("wall refresh for %s failed: %s", area, err)
        keep = no_update
        return ({"n": request.get("n"), "ok": False, "key": (shown or {}).get("key"),
                 "error": str(err).splitlines()[0] if str(err) else type(err).__name__},
                [keep] * len(chart_ids), [keep] * len(panel_ids), tiles, [keep] * len(stat_ids),
                *[keep] * len(SINGLE_OUTPUTS), new_playlist)

    # Send only what differs from what this wall already shows: an unchanged chart is not
    # touched at all, so a refresh that finds nothing new costs the screen nothing.
    old = shown_figures((shown or {}).get("key"))

    def changed(pick):
        return old is None or pick(old) != pick(f)

    def only_changed(pick, make):
        return make() if changed(pick) else no_update

    colours = chart_colours(config, playlist)
    drawn = [
        only_changed(lambda fig, c=i["chart"]: fig["charts"][c],
                     lambda c=i["chart"]: chart_children(c, f["charts"][c], lang, colours[c]))
        for i in chart_ids
    ]
    agenda = _agenda_at(f["lists"]["agenda"], now)
    agenda_key = _agenda_key(agenda)  # what is on now and next moves on through the day
    new_stats, old_stats = f["stats"], old["stats"] if old else {}
    stats = [_stat(new_stats.get(i["stat"], "—"), lang)
             if old is None or new_stats.get(i["stat"]) != old_stats.get(i["stat"]) else no_update for i in stat_ids]
    data = {
        "n": request.get("n"),
        "ok": True,
        "key": key,
        "at": stamp,
        "kpis": [{k: v for k, v in kpi.items() if k in ("code", "text", "n", "d", "s", "target", "below", "late")}
                 for kpi in f["kpis"]],
        "loaded": f["loaded"],  # the header's "数据更新于": the last load, written by wall.js
        "ticker": showing(f["ticker"], now),
        "agenda": agenda_key,
        **_reload_request(),
    }

    def panel_list(name):
        moved = name == "agenda" and (shown or {}).get("agenda") != agenda_key
        if not moved and not changed(lambda fig: fig["lists"][name]):
            return no_update
        return LIST_WRITERS[name](f["lists"][name], lang, agenda)

    return (
        data,
        drawn,
        [stamp] * len(panel_ids),
        tiles,
        stats,
        only_changed(lambda fig: fig["area_name"], lambda: f["area_name"]),
        *[panel_list(i["list"]) for i in PANEL_LISTS],
        _note(playlist.problem, unknown, lang),
        new_playlist,
    )


# --- the first screen ---------------------------------------------------------------------

def _key(component_id):
    return tuple(sorted(component_id.items())) if isinstance(component_id, dict) else component_id


def _components(page: Component) -> dict:
    """Every component of ``page`` that has an id, by its id, in layout order: one walk of
    the tree through its public ``children``."""
    found: dict = {}
    stack: list[Any] = [page]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, Component):
            ident = getattr(item, "id", None)
            if ident is not None:
                found[_key(ident)] = item
            stack.append(getattr(item, "children", None))
    return found


def _ids(components: dict, kind: str) -> list[dict]:
    """The pattern ids of one type, as the refresh's ``ALL`` would list them."""
    return [c.id for c in components.values() if isinstance(c.id, dict) and c.id.get("type") == kind]


def first_screen(area: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The wall page with its first figures already in it: the refresh's ``answer`` for a
    wall that shows nothing yet, applied to the page on the server.

    A wall that asked for them after loading waited for the chart code, a second round
    trip and a second drawing of every chart; now the page arrives drawn, and the first
    refresh finds nothing new. If the warehouse cannot be read, the page is the empty
    frame as before and the refresh says what is wrong. Only the components the page has
    are filled: a playlist may leave panels (and their lists) out.
    """
    page = view.layout(area, lang, **query)
    found = _components(page)
    ids = [_ids(found, kind) for kind, _prop in PATTERN_OUTPUTS]
    outputs = answer({"n": 0}, None, found[Wall.CONFIG].data, found[Wall.PLAYLIST].data, *ids)
    data, patterned, singles = outputs[0], outputs[1:1 + len(ids)], outputs[1 + len(ids):-1]
    if not data.get("ok"):
        return page
    found[Wall.DATA].data = data
    for (_kind, prop), wanted, values in zip(PATTERN_OUTPUTS, ids, patterned):
        for target, value in zip(wanted, values):
            if value is no_update:
                continue
            setattr(found[_key(target)], prop, value)
    for single_id, single in zip(SINGLE_OUTPUTS, singles):
        if single is not no_update and _key(single_id) in found:
            found[_key(single_id)].children = single
    _write_kpis(found, data["kpis"])
    _defer_unseen(found)
    return page


def _write_kpis(found: dict, kpis: list[dict]) -> None:
    """The KPIs of the first answer on the page's root (``data-first-kpis``), for wall.js to
    draw the tiles with at once (``applyKpis``, their one channel), as soon as the page is
    rendered: not after the first refresh's round trip, which Dash runs before it hands
    DATA to the page's callbacks."""
    setattr(found[Wall.ROOT], "data-first-kpis", json.dumps(kpis, ensure_ascii=False))


def _defer_unseen(found: dict) -> None:
    """Draw what is seen: only the charts of the panel the rotation opens with stay on the
    page; every other chart goes to DEFERRED (its box, marks in), and an empty slot of
    its size (``Wall.slot``) takes its place. wall.js's ``drawSeen`` puts a panel's charts in
    when the rotation comes to the panel before it, and the rest one panel a second once the
    first screen is up, so a fresh screen draws one panel's charts, not every panel's,
    before it shows anything."""
    opening = getattr(found[Wall.STAGE], "data-active", None)
    deferred: dict[str, Component] = {}
    for section in [c for c in found.values() if isinstance(c.id, dict) and c.id.get("type") == "wall-panel"]:
        panel = section.id["panel"]
        if panel == opening:
            continue
        stack: list[Any] = [section]
        while stack:
            item = stack.pop()
            children = getattr(item, "children", None)
            if not isinstance(children, list):
                if isinstance(children, Component):
                    stack.append(children)
                continue
            for n, child in enumerate(children):
                ident = getattr(child, "id", None)
                if isinstance(ident, dict) and ident.get("type") == "wall-chart":
                    deferred[ident["chart"]] = child
                    children[n] = html.Div([], id=Wall.slot(ident["chart"], panel), className="wall-slot",
                                           style=getattr(child, "style", None))
                elif isinstance(child, Component):
                    stack.append(child)
    found[Wall.DEFERRED].data = deferred


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
    State(Wall.ROTATE, "interval"),  # a duration unchanged is not written again (no re-render)
)

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="drawSeen"),
    Output(Wall.slot(ALL, ALL), "children"),
    Input(Wall.STAGE, "data-active"),
    Input(Wall.TICK, "n_intervals"),
    State(Wall.DEFERRED, "data"),
    State(Wall.PLAYLIST, "data"),
    State(Wall.slot(ALL, ALL), "id"),
    State(Wall.slot(ALL, ALL), "children"),
)

clientside_callback(
    ClientsideFunction(namespace="wall", function_name="drawPending"),
    Output(Wall.chart(ALL), "children", allow_duplicate=True),
    Input(Wall.STAGE, "data-active"),
    Input(Wall.PENDING, "data"),
    State(Wall.PLAYLIST, "data"),
    State(Wall.chart(ALL), "id"),
    prevent_initial_call=True,
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
    State(Wall.UPDATED, "children"),  # the same "数据更新于" is not written again
)
