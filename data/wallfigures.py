"""One read of the warehouse for a whole wall refresh.

The wall's panels say what they show as data (``layouts/wall.py``: ``KPI_STRIP``,
``FRAME``, ``PANELS``), in the words of this module: ``Totals``, ``Kpis``, ``Breakdown``,
``Trends``, ``League``, ``Items``, ``Agenda``, ``JustClosed``, ``JustIn``, ``AsOf``, each over a named period. ``read``
answers all of them at once, with as few calls into the query layer as it allows: one
``query.values_many`` for every period's figures, one ``query.trends`` per period, one
``metric_info`` per metric, one ``latest_period`` per "latest month" anchor, one
``query.breakdown_rows_many`` for every breakdown. The league table and the content lists
are one call each.

It also says how far each metric's data reaches (``"as_of"``: ``coverage.as_of``, from the
loads' recorded coverage, the same for every question of the read) and when the data last
loaded (``"loaded"``): every figure on the wall can say how complete and how fresh it is.

The answer is plain data in the warehouse's terms (numbers, dates, rows), the same in every
language: ``callbacks/wall.py`` turns it into text. It is cached per data version, so walls
of one area in Chinese and in English share it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from data import areas, codec, content, coverage, items, outlines, query, settings
from data.aggregate import buckets
from data.cache import cached
from data.periods import month_end, month_start

log = logging.getLogger(__name__)

# Named periods. ``read`` is given their dates (the wall works them out from its day).
THIS_MONTH = "this_month"
LAST_12_MONTHS = "last_12_months"
LAST_30_DAYS = "last_30_days"
COMING = "coming"  # today and the 13 days after: the agenda's "what is next"
THIS_YEAR = "this_year"


@dataclass(frozen=True)
class LatestMonth:
    """The month of ``metric``'s latest figure: monthly reports (the party's) lag a month."""

    metric: str


@dataclass(frozen=True)
class Totals:
    """Each metric's figure over ``period``: {"span": (start, end) or None, "values": {code: value}}."""

    metrics: tuple[str, ...]
    period: str | LatestMonth = THIS_MONTH


@dataclass(frozen=True)
class Kpis:
    """This month's figure of each metric; a stock with none this month shows its latest month.

    Answer: {code: {"value": value, "span": (start, end) or None}}, the span a stock's figure covers.
    """

    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Breakdown:
    """``metric`` by a dimension (``by``) over ``period``: ``query.breakdown_rows``."""

    metric: str
    by: str
    period: str = THIS_MONTH


@dataclass(frozen=True)
class Trends:
    """Each metric by month over ``period``: {code: [(month, value), ...]}."""

    metrics: tuple[str, ...]
    period: str = LAST_12_MONTHS


@dataclass(frozen=True)
class League:
    """The areas to compare, one row each with a column per metric (``query.league_table`` records).

    Answer: {"level": "children" | "siblings", "area": the wall's own code, "rows": records},
    each record with the area's ``population`` (``areas.populations``), for rates per 1,000.
    A street or district compares the areas below it; a community (or a grid cell) compares
    the communities of its street, since most metrics are recorded per community and its
    grid cells would have no figure to rank (``coverage.recorded_level``).
    """

    metrics: tuple[str, ...]
    period: str = LAST_30_DAYS


@dataclass(frozen=True)
class Items:
    """The newest ``limit`` content items of ``kinds`` for the area."""

    kinds: tuple[str, ...]
    limit: int


@dataclass(frozen=True)
class ServicePoints:
    """Up to ``limit`` service points of the 15-minute living circle (content of kind
    ``resource``). A community's wall: its own (``Items``). A street's or district's: spread
    over its communities, at most ``per_community`` each, the nearest (by the walk the body
    gives) first, so the panel serves the whole street rather than the community that
    wrote last. Each row carries its community's ``community`` and ``community_en`` names
    (None for a point written for the street or above); answer: {"spread": bool, "rows": rows}."""

    limit: int
    per_community: int = 2


@dataclass(frozen=True)
class Agenda:
    """Up to ``limit`` activities taking place in ``period``, soonest first (the wall picks
    at each refresh which of them are still to come: ``callbacks.wall._agenda_at``)."""

    limit: int
    period: str = COMING


@dataclass(frozen=True)
class JustClosed:
    """The ``limit`` work items of ``source`` (of ``kind``, closed as ``status``) that closed
    last in the area: ``data.items.just_closed`` rows (category, type, who took it on;
    never a person)."""

    source: str
    kind: str | None
    status: str | None
    limit: int


@dataclass(frozen=True)
class JustIn:
    """The ``limit`` work items of ``sources`` received last in the area, newest first:
    ``data.items.just_in`` rows (source, category, time, status, community and its
    coordinates; never a number, a person or text). The wall's "just in" pulses; a map of
    them reads the same rows (their ``community_code``, ``lon``, ``lat``)."""

    sources: tuple[str, ...]
    limit: int


@dataclass(frozen=True)
class AsOf:
    """How far a panel's main ``metrics`` reach in the area: {code: last day its data covers,
    or None where its source never delivered} (``coverage.as_of``)."""

    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Places:
    """The areas a map places, each by its coordinates with ``metric``'s figure over ``period``.

    Answer: {"level": "children" | "siblings", "area": the wall's own code, "district": the
    district whose outline frames them, "rows": [{code, name, name_en, lon, lat, value}],
    "services": the area's service points with a position and the count of those without
    one (``_service_points``)}. A street or district places the areas below it; a community
    its grid cells where ``metric`` is recorded per grid cell, else (as the league) the
    communities of its street, its own marked. ``value`` is None where an area has no figure: drawn hollow, never as 0.
    """

    metric: str
    period: str = LAST_30_DAYS



# the answer is keyed by them
codec.stored(LatestMonth, Totals, Kpis, Breakdown, Trends, League, Items, ServicePoints, Agenda, JustClosed, JustIn,
             AsOf, Places)


def metrics_of(need) -> tuple[str, ...]:
    """The metric codes a declaration names."""
    if isinstance(need, (Breakdown, Places)):
        return (need.metric,)
    found = tuple(getattr(need, "metrics", ()))
    period = getattr(need, "period", None)
    return found + ((period.metric,) if isinstance(period, LatestMonth) else ())


@cached  # per data version, in the app's cache: walls of one area in two languages share one read
def read(needs: tuple, area: str, spans: dict[str, tuple[date, date]]) -> dict:
    """Everything ``needs`` ask for ``area``: {"area": its row, "metrics": {code: catalogue
    row}, "as_of": {code: last day its data covers}, "loaded": when the data last loaded,
    "answers": {need: answer}}. ``spans`` gives each named period's dates."""
    needs = tuple(dict.fromkeys(needs))
    codes = list(dict.fromkeys(code for need in needs for code in metrics_of(need)))
    infos = {code: query.metric_info(code) or {} for code in codes}
    parts = {code: _parts(info) for code, info in infos.items()}  # a ratio's two catalogue rows, else None
    reach, sources = _reach(infos, area, parts)
    # A metric the catalogue cannot give costs only what needs it: those figures are None
    # (the wall's "无数据"), the rest of the wall is read as usual (DOMAIN.md, "Rows and fields").
    left_out = _unusable(infos, parts)

    def usable(found) -> list[str]:
        return [code for code in dict.fromkeys(found) if code not in left_out]
    answers: dict = {}

    # Figures of a named period: one statement per period, the KPI strip's with this month's.
    by_period: dict[str, list[str]] = {}
    for need in needs:
        if isinstance(need, Totals) and not isinstance(need.period, LatestMonth):
            by_period.setdefault(need.period, []).extend(need.metrics)
        elif isinstance(need, Kpis):
            by_period.setdefault(THIS_MONTH, []).extend(need.metrics)

    # "Latest month" figures: the month of each anchor, then one statement per month.
    # Every stock KPI: this month's figure of a stock may be last month's reports carried
    # forward (kinds.reads_from), which is last month's level, not this month's.
    kpi_stocks = [code for need in needs if isinstance(need, Kpis) for code in need.metrics
                  if infos[code].get("kind") == "stock" and code not in left_out]
    anchors = list(dict.fromkeys([need.period.metric for need in needs
                                  if isinstance(need, Totals) and isinstance(need.period, LatestMonth)]
                                 + kpi_stocks))
    latest_spans = {anchor: _month_of(query.latest_period(anchor, area)) if anchor not in left_out else None
                    for anchor in anchors}
    by_span: dict[tuple, list[str]] = {}
    for need in needs:
        if isinstance(need, Totals) and isinstance(need.period, LatestMonth):
            span = latest_spans[need.period.metric]
            if span:
                by_span.setdefault(span, []).extend(need.metrics)
    for code in kpi_stocks:
        span = latest_spans[code]
        if span:
            by_span.setdefault(span, []).append(code)
    # Every period's and month's figures in one statement.
    asks = [(tuple(usable(found)), *spans[period]) for period, found in by_period.items() if usable(found)]
    asks += [(tuple(usable(found)), *span) for span, found in by_span.items() if usable(found)]
    read_values = iter(query.values_many(tuple(asks), area) if asks else [])
    named = {period: next(read_values) if usable(found) else {} for period, found in by_period.items()}
    dated = {span: next(read_values) if usable(found) else {} for span, found in by_span.items()}

    # Trends: one statement per period.
    trend_codes: dict[str, list[str]] = {}
    for need in needs:
        if isinstance(need, Trends):
            trend_codes.setdefault(need.period, []).extend(need.metrics)
    trends = {period: query.trends(usable(found), area, *spans[period], "month") if usable(found) else {}
              for period, found in trend_codes.items()}
    for period, found in trend_codes.items():  # a month of a metric that cannot be read: no figure
        trends[period].update({code: [(b, None) for b in buckets(*spans[period], "month")]
                               for code in found if code in left_out})

    # Breakdowns: one statement for them all.
    charts = [need for need in needs if isinstance(need, Breakdown) and need.metric not in left_out]
    breakdowns = dict(zip(charts, query.breakdown_rows_many(
        tuple((need.metric, *spans[need.period], need.by) for need in charts), area))) if charts else {}

    for need in needs:
        if isinstance(need, Totals):
            if isinstance(need.period, LatestMonth):
                span = latest_spans[need.period.metric]
                values = dated[span] if span else {}
            else:
                span, values = spans[need.period], named[need.period]
            answers[need] = {"span": span, "values": {code: values.get(code) for code in need.metrics} if span else {}}
        elif isinstance(need, Kpis):
            answers[need] = {code: _kpi(code, infos[code], named[THIS_MONTH], latest_spans, dated, spans[THIS_MONTH])
                             for code in need.metrics}
        elif isinstance(need, Trends):
            answers[need] = {code: trends[need.period][code] for code in need.metrics}
        elif isinstance(need, Breakdown):
            answers[need] = [] if need.metric in left_out else breakdowns[need]
        elif isinstance(need, League):
            answers[need] = _league(need, area, spans[need.period], left_out)
        elif isinstance(need, Items):
            answers[need] = content.items(list(need.kinds), area, limit=need.limit)
        elif isinstance(need, ServicePoints):
            answers[need] = _spread_points(need, area)
        elif isinstance(need, Agenda):
            answers[need] = content.upcoming(area, *spans[need.period], limit=need.limit)
        elif isinstance(need, JustClosed):
            answers[need] = items.just_closed(need.source, area, kind=need.kind, status=need.status, limit=need.limit)
        elif isinstance(need, JustIn):
            answers[need] = items.just_in(area, need.sources, limit=need.limit)
        elif isinstance(need, AsOf):
            answers[need] = {code: reach[code] for code in need.metrics}
        elif isinstance(need, Places):
            answers[need] = _places(need, area, spans[need.period], infos[need.metric], need.metric in left_out)
        else:
            raise TypeError(f"the wall cannot read {need!r}")
    return {"area": areas.get(area), "metrics": infos, "as_of": reach, "sources": sources,
            "loaded": query.last_loaded_at(), "answers": answers}


_TOLD: set[tuple[str, str, str]] = set()  # (warehouse, metric, why) already in this process's log


def _unusable(infos: dict[str, dict], parts: dict[str, list[dict] | None]) -> dict[str, str]:
    """{code: why} for each metric the wall names but cannot read: one not in the metric
    catalogue, or a ratio one of whose parts is not. Each is logged once per process and warehouse."""
    found = {}
    for code, info in infos.items():
        if not info:
            found[code] = "not in the metric catalogue"
        elif info.get("kind") == "ratio":
            missing = [f"its {role} {info.get(role)!r}"
                       for role, part in zip(("numerator", "denominator"), parts[code] or [], strict=True) if not part]
            if missing:
                found[code] = " and ".join(missing) + " not in the metric catalogue"
    for code, why in found.items():
        if (told := (settings.database_url(), code, why)) not in _TOLD:
            _TOLD.add(told)
            log.warning("wall: metric %r cannot be read (%s); what needs it shows no data", code, why)
    return found


def _reach(infos: dict[str, dict], area: str,
           parts_of: dict[str, list[dict] | None]) -> tuple[dict[str, date | None], dict[str, tuple[str, ...]]]:
    """{code: ``coverage.as_of``} and {code: its sources} for every metric read; a ratio
    reaches as far as the nearer of its parts (their catalogue rows: ``query.metric_info``,
    kept per data version; the whole catalogue as a frame cost more to cache than this)."""
    found, sources = {}, {}
    for code, info in infos.items():
        parts = parts_of[code]
        found[code] = coverage.as_of(info, area, parts=parts)
        named = (coverage.source_of(row) for row in (parts or [info]))
        sources[code] = tuple(dict.fromkeys(s for s in named if isinstance(s, str) and s))
    return found, sources


def _league(need: League, area: str, span: tuple[date, date], left_out: dict[str, str]) -> dict:
    """``need``'s rows: the areas below ``area``, or for a community (or grid cell) wall the
    communities of its street; a column of a metric ``left_out`` has no figures."""
    row = areas.get(area) or {}
    level, parent = "children", area
    if row.get("level") in ("community", "grid"):
        community = area if row.get("level") == "community" else row.get("parent_code")
        own = areas.get(community) if community else None
        if own and own.get("parent_code"):
            level, parent, area = "siblings", own["parent_code"], own["code"]
    read = [code for code in need.metrics if code not in left_out]
    records = (query.league_table(parent, read, *span).to_dict("records") if read else
               [{"code": c["code"], "name": c["name"], "name_en": c["name_en"] or c["name"]}
                for c in areas.children(parent)])
    for record in records:
        record.update({code: float("nan") for code in need.metrics if code in left_out})
    people = areas.population_each(parent, [record["code"] for record in records])
    for record in records:  # residents, for figures per 1,000 (None where no one knows)
        record["population"] = people[record["code"]]
    return {"level": level, "area": area, "rows": records}


def _places(need: Places, area: str, span: tuple[date, date], info: dict, unusable: bool = False) -> dict:
    """``need``'s areas with their coordinates and figure (see ``Places``); none where the
    metric cannot be read (``unusable``)."""
    row = areas.get(area) or {}
    level, parent, own = "children", area, area
    if row.get("level") == "grid":
        parent = row.get("parent_code") or area
    if _level(parent) == "community" and not coverage.has_figures_at(info, "grid", _parts(info)):
        own = parent
        street = (areas.get(parent) or {}).get("parent_code")
        if street:
            level, parent = "siblings", street
    elif row.get("level") == "grid":
        level = "siblings"
    where = {a["code"]: a for a in areas.children(parent)}
    records = ([dict(code=c["code"], name=c["name"], name_en=c["name_en"] or c["name"], **{need.metric: None})
                for c in where.values()] if unusable
               else query.league_table(parent, [need.metric], *span).to_dict("records"))
    rows = []
    for r in records:
        place = where.get(r["code"], {})
        value = r[need.metric]
        rows.append({"code": r["code"], "name": r["name"], "name_en": r["name_en"],
                     "lon": place.get("lon"), "lat": place.get("lat"),
                     "value": None if value is None or value != value else float(value)})  # NaN: no figure
    return {"level": level, "area": own, "district": outlines.district_of(parent), "rows": rows,
            "services": _service_points(area)}


SERVICE_POINTS = 500  # read for a map at most: a district's communities have a few each


def _spread_points(need: ServicePoints, area: str) -> dict:
    """``need``'s service points for ``area`` (see ``ServicePoints``): round by round, each
    community's nearest point not yet taken, nearer first, until ``limit``."""
    row = areas.get(area) or {}
    if row.get("level") in ("community", "grid"):
        return {"spread": False, "rows": content.items(["resource"], area, limit=need.limit)}
    by_community: dict[str, list[dict]] = {}
    for item in content.items(["resource"], area, limit=SERVICE_POINTS):
        code = item.get("area_code") or ""
        by_community.setdefault(code[:12] if len(code) >= 12 else "", []).append(item)

    def near(item: dict) -> tuple:
        minutes = content.walk_minutes(item.get("body"))
        return (minutes is None, minutes or 0, item.get("title") or "")

    for found in by_community.values():
        found.sort(key=near)
    rows: list[dict] = []
    for turn in range(need.per_community):
        this_turn = sorted((found[turn] for found in by_community.values() if len(found) > turn), key=near)
        rows.extend(this_turn[:need.limit - len(rows)])
    named = []
    for item in rows:  # copies: the items are the cache's
        code = (item.get("area_code") or "")[:12]
        own = (areas.get(code) or {}) if len(code) == 12 and code != area else {}
        named.append(dict(item, community=own.get("name"), community_en=own.get("name_en")))
    return {"spread": True, "rows": named}


def _service_points(area: str) -> dict:
    """The service points of the 15-minute living circle in ``area`` (its own, its
    communities', and those written for the areas above it) that have a position
    (``content.coordinates``), and how many have none: they are not placed."""
    placed, unplaced = [], 0
    for item in content.items(["resource"], area, limit=SERVICE_POINTS):
        where = content.coordinates(item.get("body"))
        if where is None:
            unplaced += 1
            continue
        placed.append({"lon": where[0], "lat": where[1], "title": item["title"], "title_en": item.get("title_en")})
    return {"placed": placed, "unplaced": unplaced}


def _level(code: str) -> str | None:
    return (areas.get(code) or {}).get("level")


def _parts(info: dict) -> list[dict] | None:
    """A ratio's numerator and denominator catalogue rows (``coverage.recorded_level``)."""
    if info.get("kind") != "ratio":
        return None
    return [query.metric_info(info.get(role) or "") or {} for role in ("numerator", "denominator")]


def _month_of(latest: date | None) -> tuple[date, date] | None:
    return (month_start(latest), month_end(latest)) if latest is not None else None


def _kpi(code, info, this_month, latest_spans, dated, month) -> dict:
    """A KPI's figure: this month's; for a stock, the level of its latest reported month,
    dated by that month (this month's sum carries a late report's level forward, but the
    tile must say "截至11月", not "截至12月", while December's report is not in)."""
    value = this_month.get(code)
    if info.get("kind") != "stock":
        return {"value": value, "span": None}
    span = latest_spans.get(code)
    if span:
        return {"value": dated[span].get(code), "span": span}
    return {"value": value, "span": month if value is not None else None}

