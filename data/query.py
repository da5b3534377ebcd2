"""The query layer: every figure the wall, the overview, the explorer and the API show.

The public questions, read top-down: each checks its arguments, opens a reading
connection with the warehouse's snapshot (``_reading``) and asks ``data.aggregate`` for
the figures, which applies the flow/stock/ratio rules in SQL (``data.access`` plans how
``fact`` is read; ``data.snapshot`` keeps the catalogue and the statements). What pages
and the API call goes through the app's cache, keyed by the data version (the
``@cached`` and ``@per_version`` decorators, ``data.cache``); a call with an explicit
``engine`` always reads the warehouse. Each function depends only on its arguments and
the warehouse.
"""
from __future__ import annotations

from bisect import bisect_left
from contextlib import contextmanager
from datetime import date, datetime
from typing import cast

import pandas as pd
from sqlalchemy import Connection, Engine, and_, bindparam, func, select

from data import coverage, kinds, labels
from data import version as data_versions
from data.access import skip_codes as _skip_codes
from data.aggregate import Ask as _Ask
from data.aggregate import aggregate as _aggregate
from data.aggregate import aggregate_many as _aggregate_many
from data.aggregate import buckets as _buckets
from data.aggregate import by_children as _by_children
from data.aggregate import figure as _figure
from data.aggregate import parts as _parts
from data.aggregate import prefix as _prefix
from data.aggregate import stored_metrics as _stored_metrics
from data.areas import UnknownArea, prefix_bounds
from data.cache import cached, per_version
from data.db import engine_or_default, read_connection
from data.periods import as_date, bucket_end
from data.schema import etl_run, fact, fact_month
from data.schema import metric as metric_table
from data.snapshot import Snapshot, UnknownMetric
from data.snapshot import area as _area
from data.snapshot import children as _children
from data.snapshot import metric as _metric
from data.snapshot import snapshot as _snapshot

__all__ = [
    "UnknownMetric", "UnknownArea", "GRAINS", "value", "values", "values_many", "series", "trends", "breakdown", "breakdown_rows",
    "breakdown_rows_many",
    "breakdown_series", "compare_series", "ranking", "league_table", "latest_period", "carried", "carried_buckets",
    "data_version", "last_loaded_at", "metric_info", "catalog", "breakdowns",
]

GRAINS = ("day", "week", "month", "year")
DOMAIN_ORDER = ("party", "governance", "services", "cobuild")
SKIP_DAYS = 92  # fact pieces up to this many days seek each stored area's dates (see data.access)


class _Deferred:
    """A reading connection opened when first used: a question the snapshot answers alone (a
    catalogue row, ``metric_info``: forty a wall refresh) costs no pool checkout, whose
    liveness check is a round trip of its own."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._conn: Connection | None = None

    def __getattr__(self, name: str):
        if self._conn is None:
            self._conn = read_connection(self._engine)
        return getattr(self._conn, name)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


@contextmanager
def _reading(engine: Engine | None):
    """Every question's prelude: a reading connection (opened when a statement needs it)
    and the warehouse's snapshot."""
    engine = engine_or_default(engine)
    deferred = _Deferred(engine)
    try:
        conn = cast(Connection, deferred)
        yield conn, _snapshot(engine, conn)
    finally:
        deferred.close()


# --------------------------------------------------------------------------- arguments

def _dates(start, end) -> tuple[date, date]:
    start, end = as_date(start, "start"), as_date(end, "end")
    if start > end:
        raise ValueError(f"start ({start}) must not be after end ({end})")
    return start, end


def _grain(grain) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    return grain


def _member(member) -> tuple[str, str]:
    if member is None:
        return "", ""
    if (isinstance(member, (tuple, list)) and len(member) == 2
            and all(isinstance(part, str) for part in member) and member[0]):
        return member[0], member[1]
    raise ValueError(f"member must be a (dimension, member) pair of strings, not {member!r}")


def _dimension_list(row: dict) -> list[str]:
    return [d.strip() for d in (row.get("dimensions") or "").split(",") if d.strip()]


def _allowed_breakdowns(snap: Snapshot, conn: Connection, m: dict) -> list[str]:
    if m["kind"] != "ratio":
        return _dimension_list(m)
    numerator, denominator = _parts(snap, conn, m)
    other = set(_dimension_list(denominator))
    return [d for d in _dimension_list(numerator) if d in other]


def _by(snap: Snapshot, conn: Connection, m: dict, by) -> str:
    if by == "children":
        return by
    allowed = _allowed_breakdowns(snap, conn, m)
    if by in allowed:
        return by
    choices = ", ".join(["children", *allowed])
    raise ValueError(f"by must be one of {choices} for metric {m['code']!r}, not {by!r}")


def _covered(engine: Engine | None, where: dict, start: date, end: date, grain: str | None = None,
             areas: list[dict] | None = None):
    """``covered(part, key, bucket)`` for ``aggregate.figure``: whether the part's source
    covers the key's area (one of ``areas`` by code, else ``where``) in the bucket's days
    (the whole [start, end] without a bucket). Missing is not zero (DOMAIN.md)."""
    check = coverage.covered(engine=engine)
    prefixes = {row["code"]: _prefix(row) for row in areas or []}
    base = _prefix(where)

    def covered(part: dict, key, bucket: date | None) -> bool:
        first, last = start, end
        if bucket is not None and grain is not None:
            first, last = max(bucket, start), min(bucket_end(bucket, grain), end)
        return check(part.get("source"), prefixes.get(key, base), first, last)

    return covered


# --------------------------------------------------------------------------- answers

def _number(v):
    return float("nan") if v is None else v


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    # Column by column: several times faster than pandas reading a list of dicts.
    data = {c: [r[c] for r in rows] for c in columns}
    if "value" in data:
        data["value"] = pd.array([float("nan") if v is None else v for v in data["value"]], dtype="float64")
    return pd.DataFrame(data, columns=columns)


def _sort_by_value(rows: list[dict], descending: bool = True) -> list[dict]:
    known = [r for r in rows if r["value"] is not None]
    unknown = [r for r in rows if r["value"] is None]
    known.sort(key=lambda r: (-r["value"] if descending else r["value"]))
    return known + unknown


# --------------------------------------------------------------------------- one area

@cached
def value(metric: str, area: str, start, end, *, member=None, engine: Engine | None = None) -> float | None:
    """One figure for ``area`` from ``start`` to ``end`` (inclusive).

    ``member=(dimension, member)`` asks for one breakdown row instead of the total.
    """
    return values([metric], area, start, end, member=member, engine=engine)[metric]


@cached
def values(metrics: list[str] | str, area: str, start, end, *, member=None,
           engine: Engine | None = None) -> dict[str, float | None]:
    """Many figures for one area and period in a single SQL statement (the KPI strip)."""
    if isinstance(metrics, str):
        metrics = [metrics]
    start, end = _dates(start, end)
    dimension, member_value = _member(member)
    with _reading(engine) as (conn, snap):
        ms = [_metric(snap, conn, code) for code in metrics]
        where = _area(snap, conn, area)
        found = _aggregate(snap, conn, _stored_metrics(snap, conn, ms), [(None, _prefix(where))], start, end,
                           dimension=dimension, member=member_value, skip_days=SKIP_DAYS)
        covered = _covered(engine, where, start, end)
        return {m["code"]: _figure(snap, conn, m, found, covered=covered) for m in ms}


@cached
def values_many(asks: tuple[tuple[tuple[str, ...], date, date], ...], area: str, *,
                engine: Engine | None = None) -> list[dict[str, float | None]]:
    """``values`` of each (metrics, start, end) of ``asks`` in ``area``, in order, in one
    statement for them all (a page's figures over several periods: one round trip)."""
    with _reading(engine) as (conn, snap):
        plans = [([_metric(snap, conn, code) for code in codes], *_dates(start, end)) for codes, start, end in asks]
        where = _area(snap, conn, area)
        found = _aggregate_many(snap, conn, [_Ask(_stored_metrics(snap, conn, ms), [(None, _prefix(where))], start, end)
                                             for ms, start, end in plans], skip_days=SKIP_DAYS)
        answers = []
        for (ms, start, end), got in zip(plans, found):
            covered = _covered(engine, where, start, end)
            answers.append({m["code"]: _figure(snap, conn, m, got, covered=covered) for m in ms})
        return answers


def series(metric: str, area: str, start, end, grain: str = "month", *, member=None,
           engine: Engine | None = None) -> pd.DataFrame:
    """``period`` (first day of each bucket) and ``value``, every bucket present.

    Empty buckets are 0 for a flow whose source covered them (NaN where it did not: a month
    never delivered is a gap) and NaN for a stock or ratio (unknown, not zero).
    """
    points = trends([metric], area, start, end, grain, member=member, engine=engine)[metric]
    return _frame([{"period": b, "value": v} for b, v in points], ["period", "value"])


@cached
def trends(metrics: list[str] | str, area: str, start, end, grain: str = "month", *, member=None,
           engine: Engine | None = None) -> dict[str, list[tuple[date, float | None]]]:
    """``series`` of several metrics for one area, in one statement: {code: [(period, value)]}.

    Plain pairs rather than frames: the wall and the overview draw a handful of trends on
    every refresh, and each frame would cost more to build and cache than its query.
    """
    if isinstance(metrics, str):
        metrics = [metrics]
    start, end = _dates(start, end)
    grain = _grain(grain)
    dimension, member_value = _member(member)
    with _reading(engine) as (conn, snap):
        ms = [_metric(snap, conn, code) for code in metrics]
        where = _area(snap, conn, area)
        found = _aggregate(snap, conn, _stored_metrics(snap, conn, ms), [(None, _prefix(where))], start, end,
                           dimension=dimension, member=member_value, grain=grain, skip_days=SKIP_DAYS)
        buckets = _buckets(start, end, grain)
        covered = _covered(engine, where, start, end, grain)
        return {m["code"]: [(b, _figure(snap, conn, m, found, None, b, covered)) for b in buckets] for m in ms}


# --------------------------------------------------------------------------- breakdowns

def _keys(snap, conn, m, by, where, found) -> list[dict]:
    """The breakdown's rows (key, label, label_en) before values: children, or members seen."""
    if by == "children":
        return [{"key": c["code"], "label": c["name"], "label_en": c["name_en"] or c["name"]}
                for c in _children(snap, conn, where["code"])]
    members = sorted({key for (_code, key, _bucket) in found})
    return [{"key": k, "label": labels.label(k, "zh"), "label_en": labels.label(k, "en")} for k in members]


def _breakdown_data(snap, conn, m, where, start, end, by, grain=None):
    stored = _parts(snap, conn, m)
    if by == "children":
        children = _children(snap, conn, where["code"])
        return _by_children(snap, conn, stored, where, children, start, end, grain, skip_days=SKIP_DAYS)
    return _aggregate(snap, conn, stored, [(None, _prefix(where))], start, end, dimension=by, member=None,
                      by_member=True, grain=grain, skip_days=SKIP_DAYS)


def breakdown(metric: str, area: str, start, end, by: str = "children", *,
              engine: Engine | None = None) -> pd.DataFrame:
    """``key``, ``label``, ``label_en``, ``value`` per child area or per dimension member, largest first."""
    return _frame(breakdown_rows(metric, area, start, end, by, engine=engine), ["key", "label", "label_en", "value"])


@cached
def breakdown_rows(metric: str, area: str, start, end, by: str = "children", *,
                   engine: Engine | None = None) -> list[dict]:
    """``breakdown`` as plain rows (None for an unknown value), for the wall's charts: six a
    refresh, where a frame would cost more to build and cache than the query."""
    start, end = _dates(start, end)
    with _reading(engine) as (conn, snap):
        m = _metric(snap, conn, metric)
        where = _area(snap, conn, area)
        by = _by(snap, conn, m, by)
        found = _breakdown_data(snap, conn, m, where, start, end, by)
        covered = _covered(engine, where, start, end, areas=_children(snap, conn, where["code"]) if by == "children" else None)
        rows = [dict(row, value=_figure(snap, conn, m, found, row["key"], covered=covered))
                for row in _keys(snap, conn, m, by, where, found)]
    return _sort_by_value(rows)


@cached
def breakdown_rows_many(asks: tuple[tuple[str, date, date, str], ...], area: str, *,
                        engine: Engine | None = None) -> list[list[dict]]:
    """``breakdown_rows`` of each (metric, start, end, by) of ``asks`` in ``area``, in order: those
    by a dimension in one statement (a wall refresh's charts: one round trip, not seven)."""
    with _reading(engine) as (conn, snap):
        where = _area(snap, conn, area)
        plans = []
        for metric, start, end, by in asks:
            start, end = _dates(start, end)
            m = _metric(snap, conn, metric)
            plans.append((m, start, end, _by(snap, conn, m, by)))
        by_member = [n for n, (_m, _start, _end, by) in enumerate(plans) if by != "children"]
        read = dict(zip(by_member, _aggregate_many(
            snap, conn, [_Ask(_parts(snap, conn, plans[n][0]), [(None, _prefix(where))], plans[n][1], plans[n][2],
                              dimension=plans[n][3], member=None, by_member=True) for n in by_member],
            skip_days=SKIP_DAYS))) if by_member else {}
        answers = []
        for n, (m, start, end, by) in enumerate(plans):
            found = read[n] if n in read else _breakdown_data(snap, conn, m, where, start, end, by)
            covered = _covered(engine, where, start, end,
                               areas=_children(snap, conn, where["code"]) if by == "children" else None)
            answers.append(_sort_by_value([dict(row, value=_figure(snap, conn, m, found, row["key"], covered=covered))
                                           for row in _keys(snap, conn, m, by, where, found)]))
    return answers


@cached
def breakdown_series(metric: str, area: str, start, end, grain: str = "month", by: str = "children", *,
                     engine: Engine | None = None) -> pd.DataFrame:
    """``period``, ``key``, ``label``, ``label_en``, ``value``: every bucket for every key.

    Keys come in the order of their total (largest first), so stacked charts put the
    biggest share at the bottom and colours stay put between refreshes.
    """
    start, end = _dates(start, end)
    grain = _grain(grain)
    with _reading(engine) as (conn, snap):
        m = _metric(snap, conn, metric)
        where = _area(snap, conn, area)
        by = _by(snap, conn, m, by)
        found = _breakdown_data(snap, conn, m, where, start, end, by, grain)
        keys = _keys(snap, conn, m, by, where, found)
        buckets = _buckets(start, end, grain)
        # Order keys by their whole-range figure: flows and ratio parts add up over buckets.
        totals: dict[tuple, float] = {}
        for (code, key, _bucket), v in sorted(found.items(), key=lambda item: item[0][2]):
            stock = snap.metrics[code]["kind"] == "stock"
            totals[(code, key, None)] = v if stock else totals.get((code, key, None), 0.0) + v
        covered = _covered(engine, where, start, end, grain,
                           areas=_children(snap, conn, where["code"]) if by == "children" else None)
        order = _sort_by_value([dict(k, value=_figure(snap, conn, m, totals, k["key"], covered=covered)) for k in keys])
        rows = [
            {"period": b, "key": k["key"], "label": k["label"], "label_en": k["label_en"],
             "value": _figure(snap, conn, m, found, k["key"], b, covered)}
            for k in order
            for b in buckets
        ]
    rows.sort(key=lambda r: r["period"])  # stable: keys keep their order within a bucket
    return _frame(rows, ["period", "key", "label", "label_en", "value"])


@cached
def compare_series(metric: str, areas: list[str] | str, start, end, grain: str = "month", *,
                   engine: Engine | None = None) -> pd.DataFrame:
    """``period``, ``key`` (area code), ``label``, ``label_en``, ``value`` for each area, in one statement."""
    if isinstance(areas, str):
        areas = [areas]
    start, end = _dates(start, end)
    grain = _grain(grain)
    codes = list(dict.fromkeys(areas))
    with _reading(engine) as (conn, snap):
        m = _metric(snap, conn, metric)
        rows_by_area = [_area(snap, conn, code) for code in codes]
        selections = [(row["code"], _prefix(row)) for row in rows_by_area]
        found = _aggregate(snap, conn, _parts(snap, conn, m), selections, start, end, grain=grain,
                           skip_days=SKIP_DAYS)
        buckets = _buckets(start, end, grain)
        covered = _covered(engine, rows_by_area[0], start, end, grain, areas=rows_by_area) if rows_by_area else None
        rows = [
            {"period": b, "key": row["code"], "label": row["name"], "label_en": row["name_en"] or row["name"],
             "value": _figure(snap, conn, m, found, row["code"], b, covered)}
            for b in buckets
            for row in rows_by_area
        ]
    return _frame(rows, ["period", "key", "label", "label_en", "value"])


@cached
def ranking(metric: str, parent: str, start, end, *, engine: Engine | None = None) -> pd.DataFrame:
    """The children of ``parent`` ranked best first (``metric.better``); areas without a figure last."""
    start, end = _dates(start, end)
    with _reading(engine) as (conn, snap):
        m = _metric(snap, conn, metric)
        where = _area(snap, conn, parent)
        children = _children(snap, conn, where["code"])
        found = _by_children(snap, conn, _parts(snap, conn, m), where, children, start, end, skip_days=SKIP_DAYS)
        covered = _covered(engine, where, start, end, areas=children)
        rows = [{"code": c["code"], "name": c["name"], "name_en": c["name_en"] or c["name"],
                 "value": _figure(snap, conn, m, found, c["code"], covered=covered)} for c in children]
    rows = _sort_by_value(rows, descending=(m.get("better") or "higher") != "lower")
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row["value"] is None:
            row["rank"] = None
            continue
        if row["value"] != previous:
            rank, previous = position, row["value"]
        row["rank"] = rank  # ties share a rank: 1, 2, 2, 4
    frame = _frame(rows, ["code", "name", "name_en", "value", "rank"])
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


@cached
def league_table(parent: str, metrics: list[str] | str, start, end, *, engine: Engine | None = None) -> pd.DataFrame:
    """One row per child of ``parent``: ``code``, ``name``, ``name_en`` and a column per metric."""
    if isinstance(metrics, str):
        metrics = [metrics]
    start, end = _dates(start, end)
    with _reading(engine) as (conn, snap):
        ms = [_metric(snap, conn, code) for code in metrics]
        where = _area(snap, conn, parent)
        children = _children(snap, conn, where["code"])
        found = _by_children(snap, conn, _stored_metrics(snap, conn, ms), where, children, start, end,
                             skip_days=SKIP_DAYS)
        covered = _covered(engine, where, start, end, areas=children)
        rows = []
        for c in children:
            row = {"code": c["code"], "name": c["name"], "name_en": c["name_en"] or c["name"]}
            for m in ms:
                row[m["code"]] = _number(_figure(snap, conn, m, found, c["code"], covered=covered))
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["code", "name", "name_en", *dict.fromkeys(metrics)])
    for code in dict.fromkeys(metrics):
        frame[code] = frame[code].astype("float64")
    return frame


# --------------------------------------------------------------------------- freshness

def _as_day(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _latest_skip():
    codes = _skip_codes(fact, "lp_", lambda suffix, **kw: bindparam("lp_" + suffix, **kw))
    return (select(func.max(fact.c.period))
            .select_from(codes.join(fact, and_(fact.c.metric_code == codes.c.m, fact.c.area_code == codes.c.c)))
            .where(fact.c.dimension == "", fact.c.member == "", fact.c.period >= bindparam("lp_since")))


_LATEST_SKIP = _latest_skip()


@cached
def latest_period(metric: str | list[str], area: str | None = None, *,
                  engine: Engine | None = None) -> date | None:
    """The latest date with data for ``metric`` (in ``area``'s subtree): the "as of" date.

    Several metrics give the latest date of any of them (the wall's "as of" line).
    """
    with _reading(engine) as (conn, snap):
        ms = [_metric(snap, conn, code) for code in ([metric] if isinstance(metric, str) else metric)]
        codes = [part["code"] for part in _stored_metrics(snap, conn, ms)]
        bounds = prefix_bounds(_prefix(_area(snap, conn, area))) if area is not None else None

        def conditions(table):
            found = [
                table.c.metric_code.in_(codes) if len(codes) > 1 else table.c.metric_code == codes[0],
                table.c.dimension == "",
                table.c.member == "",
            ]
            if bounds is not None:
                found += [table.c.area_code >= bounds[0], table.c.area_code < bounds[1]]
            return found

        if snap.rollup:
            # The latest month from the roll-up, then the latest day within it from the facts.
            month = _as_day(conn.execute(select(func.max(fact_month.c.period)).where(*conditions(fact_month))).scalar())
            if month is None:
                return None
            if bounds is None or SKIP_DAYS <= 31:
                latest = conn.execute(select(func.max(fact.c.period)).where(*conditions(fact), fact.c.period >= month)).scalar()
            else:  # from that month on, each stored area's days are sought, not filtered (see _fact_access)
                latest = conn.execute(_LATEST_SKIP, {"lp_metrics": codes, "lp_dimension": "", "lp_low": bounds[0],
                                                     "lp_high": bounds[1], "lp_since": month}).scalar()
        else:
            latest = conn.execute(select(func.max(fact.c.period)).where(*conditions(fact))).scalar()
    if isinstance(latest, datetime):
        return latest.date()
    if isinstance(latest, str):
        return date.fromisoformat(latest[:10])
    return latest


@cached
def carried(metric: str, area: str, start, end, *, engine: Engine | None = None) -> tuple[tuple[str, date | None], ...]:
    """(stored area, its latest report) of each area under ``area`` whose figure in a stock's
    ``start``..``end`` figure is carried forward (no report in the period, one in the carry
    window before it: ``kinds.reads_from``), so the sum can say it holds carried values.
    Empty for a flow or ratio (nothing is carried)."""
    start, end = _dates(start, end)
    with _reading(engine) as (conn, snap):
        m = _metric(snap, conn, metric)
        if m["kind"] != kinds.STOCK:
            return ()
        low, high = prefix_bounds(_prefix(_area(snap, conn, area)))
        latest = func.max(fact.c.period)
        rows = conn.execute(
            select(fact.c.area_code, latest.label("latest"))
            .where(fact.c.metric_code == m["code"], fact.c.dimension == "", fact.c.member == "",
                   fact.c.area_code >= low, fact.c.area_code < high,
                   fact.c.period >= kinds.reads_from(m["kind"], start, m.get("carry_months")), fact.c.period <= end)
            .group_by(fact.c.area_code).having(latest < start).order_by(fact.c.area_code)).all()
    return tuple((row.area_code, _as_day(row.latest)) for row in rows)


@cached
def carried_buckets(metric: str, area: str, start, end, grain: str = "month", *,
                    engine: Engine | None = None) -> tuple[date, ...]:
    """The buckets (first days) of ``series(metric, area, start, end, grain)`` whose figure holds a
    carried-forward report: some stored area under ``area`` has no report in the bucket and
    counts with its latest one in the carry window (``kinds.carry_shifts``: buckets of whole
    months only). Empty for a flow or ratio, and at a day or week grain (nothing is carried)."""
    start, end = _dates(start, end)
    grain = _grain(grain)
    with _reading(engine) as (conn, snap):
        m = _metric(snap, conn, metric)
        if not kinds.carry_shifts(m["kind"], m.get("carry_months"), grain):
            return ()
        low, high = prefix_bounds(_prefix(_area(snap, conn, area)))
        rows = conn.execute(
            select(fact.c.area_code, fact.c.period).distinct()
            .where(fact.c.metric_code == m["code"], fact.c.dimension == "", fact.c.member == "",
                   fact.c.area_code >= low, fact.c.area_code < high,
                   fact.c.period >= kinds.reads_from(m["kind"], start, m.get("carry_months"), grain),
                   fact.c.period <= end)).all()
    reports: dict[str, list[date]] = {}
    for row in rows:
        day = _as_day(row.period)
        if day is not None:
            reports.setdefault(row.area_code, []).append(day)
    for days in reports.values():
        days.sort()
    found = []
    for bucket in _buckets(start, end, grain):
        first, last = max(bucket, start), min(bucket_end(bucket, grain), end)
        since = kinds.reads_from(m["kind"], first, m.get("carry_months"), grain)
        for days in reports.values():
            at = bisect_left(days, first)  # the area's first report on or after the bucket's first day
            if not (at < len(days) and days[at] <= last) and at > 0 and days[at - 1] >= since:
                found.append(bucket)  # none in the bucket, one in its carry window: carried
                break
    return tuple(found)


def data_version(*, engine: Engine | None = None) -> int:
    """The id of the latest successful ETL run, 0 before the first: a cache key for results.

    Read from the warehouse on every call (a health check or an API answer must fail when
    the warehouse is away); ``data.cache.data_version`` is the one the keys carry.
    """
    with read_connection(engine) as conn:
        return data_versions.read(conn)


def last_loaded_at(*, engine: Engine | None = None) -> datetime | None:
    """When the latest successful ETL run finished."""
    with read_connection(engine) as conn:
        version = data_versions.read(conn)
        if not version:
            return None
        return conn.execute(select(etl_run.c.finished_at).where(etl_run.c.id == version)).scalar()


# --------------------------------------------------------------------------- catalogue

@per_version
def metric_info(code: str, *, engine: Engine | None = None) -> dict | None:
    """The metric's catalogue row, plus ``breakdowns``: the ``by`` values it accepts besides children."""
    with _reading(engine) as (conn, snap):
        try:
            m = _metric(snap, conn, code)
            allowed = _allowed_breakdowns(snap, conn, m)
        except (UnknownMetric, ValueError):
            if code not in snap.metrics:
                return None
            m, allowed = snap.metrics[code], []
    return dict(m, breakdowns=allowed)


def breakdowns(code: str, *, engine: Engine | None = None) -> list[str]:
    """The dimensions ``breakdown(code, ..., by=...)`` accepts (besides "children")."""
    info = metric_info(code, engine=engine)
    if info is None:
        raise UnknownMetric(f"metric {code!r} is not in the metric catalogue")
    return info["breakdowns"]


@cached
def catalog(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every metric, ordered by domain (party, governance, services, cobuild) then code."""
    with _reading(engine) as (conn, snap):
        rows = list(snap.metrics.values())
    columns = [c.name for c in metric_table.columns]
    rank = {d: i for i, d in enumerate(DOMAIN_ORDER)}
    rows.sort(key=lambda r: (rank.get(r["domain"], len(rank)), r["code"]))
    return pd.DataFrame(rows, columns=columns)
