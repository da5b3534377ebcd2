"""How far each source's data reaches: its data-through date, from what its loads covered.

Every successful load records, per community its delivery reached, the first and last
day of data it held (``etl_coverage``, written by ``etl.load``; a monthly report covers its
months to their last day). A source's *data-through date* for an area is the last day any
of its loads covered under that area: the day its figures there reach, and the day
"this month", comparisons and as-of labels must end on (DOMAIN.md, "Time, completeness and
provenance"). None means the source never delivered for that area: there is no figure,
which is not the same as a zero.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import Connection, Engine, func, select

from data.areas import LEVELS, level_rank, prefix_bounds, subtree_prefix
from data.cache import cached, decoded_per_version  # pages ask on every refresh: kept per data version
from data.db import read_connection
from data.schema import area as area_table
from data.schema import etl_coverage, etl_run


def _day(value) -> date:
    """A stored day (never null) as a date, whatever the driver returned (SQLite: text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _bounds(conn: Connection, code: str | None) -> tuple[str, str] | None:
    """The community-code range under ``code`` (coverage is kept per community)."""
    if code is None:
        return None
    level = conn.execute(select(area_table.c.level).where(area_table.c.code == code)).scalar()
    if level is None:
        raise LookupError(f"area {code!r} is not in the area register")
    if level == "grid":
        return prefix_bounds(code[:12])  # a grid cell's figures come from its community's deliveries
    return prefix_bounds(subtree_prefix(code, level))


@cached
def through(area: str | None = None, *, engine: Engine | None = None) -> dict[str, date]:
    """{source: data-through date} for every source that ever delivered for ``area`` (default: anywhere)."""
    with read_connection(engine) as conn:
        bounds = _bounds(conn, area)
        query = (select(etl_run.c.source, func.max(etl_coverage.c.last_day))
                 .select_from(etl_coverage.join(etl_run, etl_run.c.id == etl_coverage.c.run_id))
                 .where(etl_run.c.status == "success")
                 .group_by(etl_run.c.source))
        if bounds is not None:
            query = query.where(etl_coverage.c.area_code >= bounds[0], etl_coverage.c.area_code < bounds[1])
        return {source: _day(last) for source, last in conn.execute(query) if last is not None}


def data_through(source: str, area: str | None = None, *, engine: Engine | None = None) -> date | None:
    """The last day ``source``'s data covers in ``area`` (anywhere when None); None: never delivered there."""
    return through(area, engine=engine).get(source)


def source_of(metric: dict) -> str | None:
    """The source a metric's figures come from (a ratio's: its numerator's, via ``parts``)."""
    return metric.get("source") or None


def as_of(metric: dict, area: str | None = None, *, engine: Engine | None = None,
          parts: list[dict] | None = None) -> date | None:
    """The last day ``metric``'s data covers in ``area``: its source's data-through date.

    ``metric`` is a catalogue row (``query.metric_info``); a ratio passes its two ``parts``
    and reaches as far as the nearer of them. None: the source never delivered there.
    """
    found = through(area, engine=engine)
    rows = parts if metric.get("kind") == "ratio" and parts else [metric]
    days = [found.get(source_of(row) or "") for row in rows]
    if not days or any(d is None for d in days):
        return None
    return min(d for d in days if d is not None)


@decoded_per_version
def spans(*, engine: Engine | None = None) -> dict[str, dict[str, tuple[date, date]]]:
    """{source: {community: (first day, last day)}} that its successful loads cover.

    Small: one row per source and community (a city: some 3,000 communities x 9 sources),
    kept per data version (and decoded once per process: a wall refresh asks for it some
    twenty times), so every question can tell missing from zero without a query. Read only.
    """
    found: dict[str, dict[str, tuple[date, date]]] = {}
    for source, groups in _stored_spans(engine=engine).items():
        of_source = found[source] = {}
        for first, last, codes in groups:
            span = (date.fromisoformat(first), date.fromisoformat(last))
            for code in codes.split(","):
                of_source[code] = span
    return found


@cached
def _stored_spans(*, engine: Engine | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """``spans`` as the cache keeps it: {source: [(first day, last day, "code,code,...")]},
    the communities of one span in one string. Stored one tuple of dates per community, a
    city's spans took 60 ms to encode (485 KiB) on a cold wall refresh; most communities of
    a source share a span, so this is a few strings a source, and the database makes them:
    fetched a row per community instead, a city's 22,000 rows took some 100 ms to come over
    and be grouped in Python on a cold refresh (PostgreSQL: 33 ms for the statement)."""
    per_community = (
        select(etl_run.c.source.label("source"), func.min(etl_coverage.c.first_day).label("first"),
               func.max(etl_coverage.c.last_day).label("last"), etl_coverage.c.area_code.label("code"))
        .select_from(etl_coverage.join(etl_run, etl_run.c.id == etl_coverage.c.run_id))
        .where(etl_run.c.status == "success")
        .group_by(etl_run.c.source, etl_coverage.c.area_code)).subquery()
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(per_community.c.source, per_community.c.first, per_community.c.last,
                   func.aggregate_strings(per_community.c.code, ","))
            .group_by(per_community.c.source, per_community.c.first, per_community.c.last)).all()
    found: dict[str, list[tuple[str, str, str]]] = {}
    for source, first, last, codes in rows:  # days as the driver gave them (SQLite: text)
        found.setdefault(source, []).append((_day(first).isoformat(), _day(last).isoformat(), codes))
    return found


@decoded_per_version
@cached
def gaps(*, engine: Engine | None = None) -> dict[str, dict[str, tuple[tuple[date, date], ...]]]:
    """{source: {community: ((first day, last day), ...)}}: the stretches between a community's
    first and last covered day (``spans``) that no successful load covers, such as a month
    never delivered between two deliveries. Empty where deliveries follow on (the usual case),
    so it stays as small as ``spans``. A figure there is missing, not zero (DOMAIN.md)."""
    # A load per day and community in a warehouse of daily deliveries: tens of thousands of
    # loads. Each community's loads in order of their first day, a load that starts more than
    # a day after the furthest day any earlier one reached leaves a gap before it: the
    # database finds those few (a window over each community's loads), instead of sending
    # every load to be sorted and walked here (a city's 22,000: some 85 ms of a cold wall
    # refresh on PostgreSQL).
    loads = (select(etl_run.c.source.label("source"), etl_coverage.c.area_code.label("code"),
                    etl_coverage.c.first_day.label("first"),
                    func.max(etl_coverage.c.last_day).over(
                        partition_by=(etl_run.c.source, etl_coverage.c.area_code),
                        order_by=(etl_coverage.c.first_day, etl_coverage.c.last_day),
                        rows=(None, -1)).label("reach"))
             .select_from(etl_coverage.join(etl_run, etl_run.c.id == etl_coverage.c.run_id))
             .where(etl_run.c.status == "success")).subquery()
    with read_connection(engine) as conn:
        if conn.dialect.name == "sqlite":  # days stored as text: compared as day numbers
            after = func.julianday(loads.c.first) > func.julianday(loads.c.reach) + 1
        else:
            after = loads.c.first > loads.c.reach + 1  # a date plus one day
        rows = conn.execute(select(loads.c.source, loads.c.code, loads.c.first, loads.c.reach).where(after)).all()
    found: dict[str, dict[str, tuple[tuple[date, date], ...]]] = {}
    one_day = timedelta(days=1)
    for source, code, first, reach in sorted((s, c, _day(f), _day(r)) for s, c, f, r in rows):
        held = found.setdefault(source, {})
        held[code] = (*held.get(code, ()), (reach + one_day, first - one_day))
    return found


def covered(*, engine: Engine | None = None) -> Covered:
    """The ``Covered`` check for the warehouse: its ``spans`` and their ``gaps``."""
    return Covered(spans(engine=engine), gaps(engine=engine))


@cached
def whole_months(source: str, area: str, first: date, last: date, *,
                 engine: Engine | None = None) -> tuple[date, ...]:
    """The months (first days) from ``first``'s month to ``last``'s that ``source``'s loads
    cover whole in ``area``: every day of the month, in every community under ``area`` that the
    source covers at any time in those months. A month one community's report left out, a
    month before a source's first delivery or after its latest, and a month still running are
    not whole: a figure there is missing or partial, never a usual figure or an unusual one
    (``data.unusual``). Unlike ``spans`` (first and last day per community), this reads each
    load's days, so a month missed between two deliveries counts as missed."""
    first, last = first.replace(day=1), last.replace(day=1)
    with read_connection(engine) as conn:
        bounds = _bounds(conn, area)
        query = (select(etl_coverage.c.area_code, etl_coverage.c.first_day, etl_coverage.c.last_day)
                 .select_from(etl_coverage.join(etl_run, etl_run.c.id == etl_coverage.c.run_id))
                 .where(etl_run.c.status == "success", etl_run.c.source == source,
                        etl_coverage.c.last_day >= first, etl_coverage.c.first_day <= _month_last(last)))
        if bounds is not None:
            query = query.where(etl_coverage.c.area_code >= bounds[0], etl_coverage.c.area_code < bounds[1])
        days: dict[str, list[tuple[date, date]]] = {}
        for code, low, high in conn.execute(query):
            days.setdefault(code, []).append((_day(low), _day(high)))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = _month_last(month) + timedelta(days=1)
    if not days:
        return ()
    whole = None
    for spans_of_one in days.values():
        found = _whole_months_of(sorted(spans_of_one), months)
        whole = found if whole is None else whole & found
    return tuple(m for m in months if whole and m in whole)


def _month_last(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _whole_months_of(spans: list[tuple[date, date]], months: list[date]) -> set[date]:
    """The ``months`` that the (sorted) spans of days, joined where they touch, hold whole."""
    joined: list[list[date]] = []
    for low, high in spans:
        if joined and low <= joined[-1][1] + timedelta(days=1):
            joined[-1][1] = max(joined[-1][1], high)
        else:
            joined.append([low, high])
    return {m for m in months if any(low <= m and _month_last(m) <= high for low, high in joined)}


# The communities of each source in ``spans``, sorted, for the ``spans`` last asked about: a
# wall refresh makes some twenty ``Covered`` of one (decoded once per process, ``spans``),
# each looking up a few prefixes, which a scan of a city's 3,000 communities made slow.
_sorted: tuple[dict | None, dict[str, list[str]]] = (None, {})
_sorted_lock = threading.Lock()


def _sorted_codes(spans: dict[str, dict[str, tuple[date, date]]], source: str) -> list[str]:
    global _sorted
    with _sorted_lock:
        if _sorted[0] is not spans:
            _sorted = (spans, {})
        codes = _sorted[1]
        found = codes.get(source)
        if found is None:
            found = codes[source] = sorted(spans.get(source, {}))
        return found


class Covered:
    """Whether a source's data covers an area for a span of days: a flow with no facts there
    is a real zero only then; otherwise it is missing (DOMAIN.md, "No data is not zero").

    A warehouse with no recorded coverage at all (written by hand, or before coverage was
    recorded) is taken as covered everywhere: its figures read as they always did. Where
    loads have recorded coverage, a source with none has never delivered: no figure. Below the level a
    source records at (``recorded_level``: a grid cell of a community source) nothing is
    covered. Days between two deliveries that no load covers (``gaps``: a month's export
    that never came) are not covered either: build it with ``covered()``.
    """

    def __init__(self, spans: dict[str, dict[str, tuple[date, date]]],
                 gaps: dict[str, dict[str, tuple[tuple[date, date], ...]]] | None = None):
        self.spans = spans
        self.gaps = gaps or {}
        self._memo: dict[tuple[str, str], tuple[date, date] | None] = {}
        self._holes: dict[tuple[str, str], list[tuple[date, date]]] = {}

    def span(self, source: str, prefix: str) -> tuple[date, date] | None:
        """The first and last day ``source`` covers under the area code prefix ``prefix``."""
        key = (source, prefix)
        if key not in self._memo:
            hits = [span for _code, span in self._under(source, prefix)]
            self._memo[key] = (min(s[0] for s in hits), max(s[1] for s in hits)) if hits else None
        return self._memo[key]

    def _under(self, source: str, prefix: str) -> list[tuple[str, tuple[date, date]]]:
        """(community, its span) of ``source`` for the communities under ``prefix``: found by
        bisection in the sorted codes, not a scan of a city's 3,000 communities."""
        of_source = self.spans.get(source, {})
        codes = _sorted_codes(self.spans, source)
        low, high = prefix_bounds(prefix[:12])  # the codes that start with its community's prefix
        return [(code, of_source[code]) for code in codes[bisect_left(codes, low):bisect_left(codes, high)]]

    def __call__(self, source: str | None, prefix: str, first: date, last: date) -> bool:
        if source and len(prefix) > 12 and _levels().get(source, DEFAULT_LEVEL) != "grid":
            return False  # a grid cell of a source recorded per community: no figure, not zero
        if not source or not self.spans:
            return True
        if source not in self.spans:
            return False  # the warehouse records coverage and this source never delivered: missing, not 0
        span = self.span(source, prefix)
        if span is None or span[0] > last or span[1] < first:
            return False
        low, high = max(first, span[0]), min(last, span[1])
        return not any(hole[0] <= low and high <= hole[1] for hole in self.holes(source, prefix))

    def holes(self, source: str, prefix: str) -> list[tuple[date, date]]:
        """The stretches within ``span(source, prefix)`` that no community under ``prefix``
        covers: a month every community missed between two deliveries (``gaps``), or the
        days between one community's last delivery and another's first."""
        key = (source, prefix)
        if key not in self._holes:
            day = timedelta(days=1)
            held = self.gaps.get(source, {})
            under = self._under(source, prefix)
            whole = self.span(source, prefix)
            if whole is None or any(span == whole and code not in held for code, span in under):
                self._holes[key] = []  # one community covers it all (the usual case): no hole, no sort
                return self._holes[key]
            stretches = []
            for code, (low, high) in under:
                for gap in held.get(code, ()):
                    stretches.append((low, gap[0] - day))
                    low = gap[1] + day
                stretches.append((low, high))
            stretches.sort()
            holes: list[tuple[date, date]] = []
            reach: date | None = None
            for low, high in stretches:
                if reach is not None and low > reach + day:
                    holes.append((reach + day, low - day))
                reach = high if reach is None else max(reach, high)
            self._holes[key] = holes
        return self._holes[key]


# --------------------------------------------------------------------------- recorded level

SOURCES_FILE = Path(__file__).resolve().parent.parent / "etl" / "sources.yaml"
DEFAULT_LEVEL = "community"


@lru_cache(maxsize=1)
def _levels() -> dict[str, str]:
    """{source: level} from the ``level:`` entries of ``etl/sources.yaml`` (read once)."""
    try:
        document = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    entries = document.get("sources", []) if isinstance(document, dict) else []
    found = {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") and entry.get("level"):
            level = str(entry["level"])
            if level not in LEVELS:
                raise ValueError(f"{SOURCES_FILE}: source {entry['name']!r}, level {level!r} is not one of "
                                 f"{', '.join(LEVELS)}")
            found[str(entry["name"])] = level
    return found


def recorded_level(metric: dict, parts: list[dict] | None = None) -> str:
    """The finest area level ``metric``'s figures are recorded at ("community" or "grid").

    The one rule for it (DOMAIN.md: "at levels a metric is not recorded at there is no
    figure"): its source's ``level:`` in ``etl/sources.yaml``, community by default. A
    ratio passes its ``parts`` and is recorded only as finely as the coarser of them.
    """
    rows = parts if metric.get("kind") == "ratio" and parts else [metric]
    levels = [_levels().get(source_of(row) or "", DEFAULT_LEVEL) for row in rows]
    return min(levels, key=level_rank)


def has_figures_at(metric: dict, level: str, parts: list[dict] | None = None) -> bool:
    """Whether ``metric`` has figures for areas at ``level`` (a grid cell, for a community metric: no)."""
    return level_rank(level) <= level_rank(recorded_level(metric, parts))


# --------------------------------------------------------------------------- maturity

#: Stored metrics counted on the day an order or event was received, by its status in the
#: latest export (resolved, on time, rated, overdue, still open, closed, its closing hours): a
#: period's figure keeps changing as its events age, so a recent period reads low (or high)
#: against an older one only because its events have not had time to close.
MATURING = frozenset({
    "hotline_resolved", "hotline_on_time", "hotline_overdue", "hotline_open", "hotline_returned", "hotline_rated",
    "hotline_satisfied", "grid_events_closed", "grid_events_closure_hours", "grid_events_closure_timed",
    "disputes_mediated",
})
#: How long such a figure takes to settle: 12345's 15 working days, with margin.
MATURE_DAYS = 31


def matures(metric: dict, parts: list[dict] | None = None) -> bool:
    """Whether ``metric``'s figure for a period keeps changing after it (``MATURING``); a ratio
    passes its ``parts`` and matures when either does (网格事件办结率: its closed events)."""
    rows = parts if metric.get("kind") == "ratio" and parts else [metric]
    return any(row.get("code") in MATURING for row in rows)


def settled(metric: dict, end: date, as_of: date | None, parts: list[dict] | None = None) -> bool:
    """Whether ``metric``'s figure for a period ending ``end`` has settled by ``as_of`` (its data's
    last day): always for a figure that does not mature, else once ``MATURE_DAYS`` have passed.
    Two periods that have not both settled are not like-for-like: the younger one has had less
    time to close its events."""
    if not matures(metric, parts):
        return True
    return as_of is not None and (as_of - end).days >= MATURE_DAYS
