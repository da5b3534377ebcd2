"""The query layer: every figure the wall, the overview, the explorer and the API show.

Facts are stored once, at the finest area a source gives (community or grid cell);
everything higher is computed here, in SQL, by metric kind:

- a flow sums over the dates and over the area's subtree;
- a stock takes, for each stored area, its latest value in the period, then sums those;
- a ratio is sum(numerator) / sum(denominator) over the same selection, never an
  average of ratios, and None when the denominator is 0 or unknown.

An area's subtree is one code-prefix range on ``fact.area_code`` (see ``data.areas``), so
each question is one range scan of the fact table's key (metric, dimension, area, period,
member) plus a GROUP BY. Within that range the dates can only be filtered, so a short
range (up to ``SKIP_DAYS``: this month so far, the last 30 days, the partial months at
the ends of a longer range) walks the subtree's stored area codes one index seek each
and seeks each one's days instead (``_skip_codes``): a month to date reads its own rows,
not the street's whole history (on a SQLite warehouse that also has the date index
``ix_fact_metric_period``, whose range its planner misjudges, ``_access_path`` picks the
index). Values are always bound parameters, and statements are built once per shape.
Several metrics, areas or kinds asked together go into one UNION ALL statement: one
round trip. The small metric and area tables are cached per engine and dropped as soon
as a new successful ETL run changes ``data_version()`` (while the app has a cache, the
version its keys carry, re-read every ``CSB_VERSION_TTL`` seconds; otherwise read on each
call); everything else is read fresh, so each function depends only on its arguments and
the warehouse.

Questions over whole months (a twelve-month trend, last quarter) read those months from
the monthly roll-up ``fact_month`` (``data/rollup.py``) and only the partial months at
either end from ``fact``: the same answer from fewer rows (up to a thirtieth for a figure
reported every day; a fifth over the sample warehouse). The roll-up is used on both
engines (the same code and tests for both; SQLite gains as much as PostgreSQL), but only
while it is current for the warehouse's data version (the ETL refreshes it in each
load's transaction); otherwise everything is read raw.
"""
from __future__ import annotations

import functools
import threading
import weakref
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import (
    Connection,
    and_,
    Date,
    DateTime,
    Engine,
    String,
    bindparam,
    cast,
    func,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from data import areas as area_tree
from data import cache as data_cache
from data import labels
from data import version as data_versions
from data.areas import UnknownArea, prefix_bounds, subtree_prefix
from data.periods import as_date, month_start, week_start
from data.rollup import next_month
from data.schema import area as area_table, etl_run, fact, fact_month, metric as metric_table

__all__ = [
    "UnknownMetric", "UnknownArea", "GRAINS", "value", "values", "series", "trends", "breakdown", "breakdown_rows",
    "breakdown_series", "compare_series", "ranking", "league_table", "latest_period",
    "data_version", "last_loaded_at", "metric_info", "catalog", "breakdowns",
]

GRAINS = ("day", "week", "month", "year")
DOMAIN_ORDER = ("party", "governance", "services")
INDEX_ENTRY_ADVANTAGE = 10  # fetching a table row / reading an index entry, roughly, on SQLite
SKIP_DAYS = 92  # fact pieces up to this many days seek each stored area's dates (see _fact_access)


class UnknownMetric(LookupError):
    """A metric code that is not in the ``metric`` table."""


# --------------------------------------------------------------------------- caching

class _Snapshot:
    """The metric catalogue and the areas seen so far, for one warehouse version."""

    def __init__(self, version: int, metrics: dict[str, dict], rollup: bool = False):
        self.version = version
        self.metrics = metrics
        self.rollup = rollup  # fact_month is current for this version: whole months may be read from it
        self.areas: dict[str, dict] = {}
        self.children: dict[str, list[dict]] = {}
        # Statistics for choosing an index on SQLite (see _access_path), loaded on demand.
        self.span: tuple[date, date] | None = None
        self.area_total: int | None = None
        self.subtree_sizes: dict[str, int] = {}
        self.period_index: bool | None = None


_snapshots: "weakref.WeakKeyDictionary[Engine, _Snapshot]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _engine(engine: Engine | None) -> Engine:
    if engine is None:
        from data.db import get_engine

        return get_engine()
    return engine


def _connect(engine: Engine) -> Connection:
    """A connection for reading: on PostgreSQL in autocommit, so a question costs its own
    statements and the pool's liveness check, not also a BEGIN and a ROLLBACK round trip
    each (reads see the same as under READ COMMITTED: each statement its own snapshot)."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def _load_metrics(conn: Connection) -> dict[str, dict]:
    return {row.code: dict(row._mapping) for row in conn.execute(select(metric_table))}


def _snapshot(engine: Engine, conn: Connection) -> _Snapshot:
    snap = _snapshots.get(engine)
    if snap is not None and snap.version == data_cache.trusted_version(engine):
        return snap  # made for the version the cache trusts: its roll-up marker was read then
    version, marker = data_versions.read_state(conn)
    if snap is None or snap.version != version:
        snap = _Snapshot(version, _load_metrics(conn))
        with _lock:
            _snapshots[engine] = snap
    snap.rollup = marker is not None and marker == version
    return snap


def _metric(snap: _Snapshot, conn: Connection, code) -> dict:
    found = snap.metrics.get(code)
    if found is None and isinstance(code, str):
        # Catalogue rows loaded without an ETL run (tests, a manual fix): look again once.
        snap.metrics = _load_metrics(conn)
        found = snap.metrics.get(code)
    if found is None:
        raise UnknownMetric(f"metric {code!r} is not in the metric catalogue")
    return found


def _area(snap: _Snapshot, conn: Connection, code) -> dict:
    found = snap.areas.get(code)
    if found is None:
        found = area_tree.fetch(conn, code) if isinstance(code, str) else None
        if found is None:
            raise UnknownArea(f"area {code!r} is not in the area register")
        snap.areas[code] = found
    return found


def _children(snap: _Snapshot, conn: Connection, code: str) -> list[dict]:
    found = snap.children.get(code)
    if found is None:
        found = area_tree.fetch_children(conn, code)
        snap.children[code] = found
        for child in found:
            snap.areas.setdefault(child["code"], child)
    return found


def _prefix(row: dict) -> str:
    return subtree_prefix(row["code"], row["level"])


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


def _parts(snap: _Snapshot, conn: Connection, m: dict) -> list[dict]:
    """The stored metrics a metric is computed from: itself, or a ratio's two flows."""
    if m["kind"] != "ratio":
        return [m]
    parts = []
    for role in ("numerator", "denominator"):
        code = m.get(role)
        if not code:
            raise UnknownMetric(f"ratio {m['code']!r} has no {role} in the metric catalogue")
        part = _metric(snap, conn, code)
        if part["kind"] == "ratio":
            raise ValueError(f"ratio {m['code']!r}: its {role} {code!r} is itself a ratio")
        parts.append(part)
    return parts


def _allowed_breakdowns(snap: _Snapshot, conn: Connection, m: dict) -> list[str]:
    if m["kind"] != "ratio":
        return _dimension_list(m)
    numerator, denominator = _parts(snap, conn, m)
    other = set(_dimension_list(denominator))
    return [d for d in _dimension_list(numerator) if d in other]


def _by(snap: _Snapshot, conn: Connection, m: dict, by) -> str:
    if by == "children":
        return by
    allowed = _allowed_breakdowns(snap, conn, m)
    if by in allowed:
        return by
    choices = ", ".join(["children", *allowed])
    raise ValueError(f"by must be one of {choices} for metric {m['code']!r}, not {by!r}")


# --------------------------------------------------------------------------- SQL

def _bucket(dialect: str, grain: str | None, period=fact.c.period):
    """The first day of the grain bucket a fact's period falls in, as a SQL expression."""
    if grain is None:
        return cast(null(), Date)
    if grain == "day":
        return period
    if dialect == "sqlite":
        modifiers = {"week": ("weekday 0", "-6 days"), "month": ("start of month",), "year": ("start of year",)}
        return type_coerce(func.date(period, *modifiers[grain]), Date)
    return cast(func.date_trunc(grain, cast(period, DateTime)), Date)


def _pieces(start: date, end: date, grain: str | None, rollup: bool) -> list[tuple]:
    """Where [start, end] is read from: (table, first day, last day) pieces.

    Whole months come from the roll-up when it is current and the grain does not cut
    months (none, month, year); the partial months at either end from ``fact``.
    """
    if not rollup or grain not in (None, "month", "year"):
        return [(fact, start, end)]
    first_whole = start if start.day == 1 else next_month(start)
    after_end = end + timedelta(days=1)
    tail_start = date(after_end.year, after_end.month, 1)  # first day of the (partial) month holding `end`
    if first_whole >= tail_start:
        return [(fact, start, end)]
    pieces = []
    if start < first_whole:
        pieces.append((fact, start, first_whole - timedelta(days=1)))
    pieces.append((fact_month, first_whole, tail_start - timedelta(days=1)))
    if tail_start <= end:
        pieces.append((fact, tail_start, end))
    return pieces


def _as_day(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _access_path(snap: _Snapshot, conn: Connection, prefix: str, start: date, end: date) -> str | None:
    """Which index a SQLite query should use: "area" (the subtree range) or "period".

    SQLite's planner, even after ANALYZE, takes ``ix_fact_metric_period`` whenever both
    could serve, and then reads every area's rows in the date range: twenty times too
    many for one street of a district warehouse. The other index reads the subtree's
    whole history instead: too many for a month of a one-street warehouse. The subtree
    index checks dates inside the index and fetches only matching rows, while the date
    index fetches every row in range to test its area; reading an index entry costs about
    a tenth (measured: a sixteenth) of fetching a row. So the subtree index wins unless
    its share of the registered areas is over ten times the range's share of the stored
    dates. PostgreSQL keeps real statistics: None there.
    """
    if conn.dialect.name != "sqlite":
        return None
    if snap.period_index is None:
        snap.period_index = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'ix_fact_metric_period'").first() is not None
    if not snap.period_index:
        return None  # only the key serves the query: nothing to choose
    if snap.span is None:
        first = conn.execute(select(func.min(fact.c.period))).scalar()
        last = conn.execute(select(func.max(fact.c.period))).scalar()
        snap.span = (_as_day(first), _as_day(last)) if first is not None else (start, end)
        snap.area_total = conn.execute(select(func.count()).select_from(area_table)).scalar() or 0
    if prefix not in snap.subtree_sizes:
        low, high = prefix_bounds(prefix)
        snap.subtree_sizes[prefix] = conn.execute(
            select(func.count()).select_from(area_table).where(area_table.c.code >= low, area_table.c.code < high)
        ).scalar() or 0
    first, last = snap.span
    stored_days = max((last - first).days + 1, 1)
    asked_days = (min(end, last) - max(start, first)).days + 1
    time_share = max(asked_days, 0) / stored_days
    area_share = snap.subtree_sizes[prefix] / snap.area_total if snap.area_total else 1.0
    return "area" if area_share <= INDEX_ENTRY_ADVANTAGE * time_share else "period"


def _fact_access(snap: _Snapshot, conn: Connection, prefix: str, start: date, end: date) -> str | None:
    """How to read ``fact`` for one subtree and a date range: "skip", "area", "period" or None.

    The key runs (metric, dimension, area, period, member): a subtree is a range of its
    area column, so the dates can only be filtered, not sought, and a range of days costs
    as much as the subtree's whole history (a month to date on a two-year warehouse: 24
    times the rows it needs). For up to ``SKIP_DAYS`` days the area codes are walked one
    seek each (``_skip_codes``) and each area's days sought; longer ranges read the key
    range (or, on SQLite with the date index, what ``_access_path`` picks).
    """
    path = _access_path(snap, conn, prefix, start, end)
    if path != "period" and (end - start).days < SKIP_DAYS:
        return "skip"
    return path


def _unindexed(column):
    """``+column``: SQLite's documented way to keep a term from choosing an index."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _skip_codes(table, name: str, param):
    """(m, c): every metric asked and every area code of the subtree it has rows under.

    A recursive CTE that walks the key's distinct area codes one index seek at a time
    (a "loose index scan": the first code in range, then the first code after it, ...),
    per metric and for the asked dimension. It reads one index entry per stored area,
    however long its history, and needs nothing but the key: no register, no statistics.
    """
    first = table.alias(name + "first")
    anchor = select(
        metric_table.c.code.label("m"),
        select(func.min(first.c.area_code)).where(
            first.c.metric_code == metric_table.c.code,
            first.c.dimension == param("dimension"),
            first.c.area_code >= param("low"),
            first.c.area_code < param("high"),
        ).scalar_subquery().label("c"),
    ).where(metric_table.c.code.in_(param("metrics", expanding=True)))
    codes = anchor.cte(name + "codes", recursive=True)
    after = table.alias(name + "after")
    step = select(
        codes.c.m,
        select(func.min(after.c.area_code)).where(
            after.c.metric_code == codes.c.m,
            after.c.dimension == param("dimension"),
            after.c.area_code > codes.c.c,
            after.c.area_code < param("high"),
        ).scalar_subquery(),
    ).where(codes.c.c.is_not(None))
    return codes.union_all(step)


def _rows(table, dialect: str, name: str, *, by_member: bool, child_length: int | None, grain: str | None,
          access: str | None = None):
    """The stored rows (``fact`` or ``fact_month``) one aggregate reads, with key and bucket.

    Every value is a bound parameter named ``name`` + a suffix (see ``_aggregate``).
    ``access`` "skip" seeks each stored area's date range (see ``_skip_codes``) instead of
    reading the subtree's whole history in the key range and filtering dates.
    """
    def param(suffix: str, **kw):
        return bindparam(name + suffix, **kw)

    if child_length is not None:
        key = func.substr(table.c.area_code, 1, child_length)
    elif by_member:
        key = table.c.member
    else:
        key = cast(param("label", type_=String), String)
    area_code = _unindexed(table.c.area_code) if access == "period" else table.c.area_code
    period = _unindexed(table.c.period) if access == "area" else table.c.period
    member = table.c.member != "" if by_member else table.c.member == param("member")
    if access == "skip":
        codes = _skip_codes(table, name, param)
        source = codes.join(table, and_(table.c.metric_code == codes.c.m, table.c.area_code == codes.c.c))
        conditions = [table.c.dimension == param("dimension"), period >= param("start"), period <= param("end"),
                      member]
    else:
        source = table
        conditions = [
            table.c.metric_code.in_(param("metrics", expanding=True)),
            table.c.dimension == param("dimension"),
            member,
            area_code >= param("low"),
            area_code < param("high"),
            period >= param("start"),
            period <= param("end"),
        ]
    return select(
        table.c.metric_code.label("metric"),
        key.label("key"),
        _bucket(dialect, grain, table.c.period).label("bucket"),
        table.c.area_code,
        table.c.member,
        table.c.period,
        table.c.value,
    ).select_from(source).where(*conditions)


def _part_query(dialect: str, index: int, kind: str, pieces: tuple, *, by_member: bool,
                child_length: int | None, grain: str | None):
    """One SELECT: (metric, key, bucket, value) for metrics of one kind in one subtree.

    ``pieces`` are (table, access path) pairs, read together: a month's roll-up row
    stands for its month's rows (a flow's sum, a stock's latest value, dated the month's
    first day), so the sums and the "latest per area" below come out the same whichever
    pieces the range is read from.
    """
    parts = [
        _rows(_TABLES[table], dialect, f"q{index}p{number}_", by_member=by_member, child_length=child_length,
              grain=grain, access=access)
        for number, (table, access) in enumerate(pieces)
    ]
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    if kind == "stock":
        # Latest value per stored area (and member) within each bucket, then summed.
        ranked = select(
            rows.c.metric, rows.c.key, rows.c.bucket, rows.c.value,
            func.row_number().over(
                partition_by=[rows.c.metric, rows.c.area_code, rows.c.member, rows.c.bucket],
                order_by=rows.c.period.desc(),
            ).label("rn"),
        ).subquery()
        return (
            select(ranked.c.metric, ranked.c.key, ranked.c.bucket, func.sum(ranked.c.value).label("value"))
            .where(ranked.c.rn == 1)
            .group_by(ranked.c.metric, ranked.c.key, ranked.c.bucket)
        )
    return (
        select(rows.c.metric, rows.c.key, rows.c.bucket, func.sum(rows.c.value).label("value"))
        .group_by(rows.c.metric, rows.c.key, rows.c.bucket)
    )


_TABLES = {"fact": fact, "fact_month": fact_month}
# Statements by shape (engine, grain, key, and per part: kind and the tables it reads), with
# every value bound: built once, so a question costs SQLAlchemy a cache hit, not a rebuild.
_statements: dict[tuple, object] = {}


def _statement(shape: tuple):
    statement = _statements.get(shape)
    if statement is None:
        dialect, grain, by_member, child_length, specs = shape
        queries = [_part_query(dialect, index, kind, pieces, by_member=by_member, child_length=child_length,
                               grain=grain)
                   for index, (kind, pieces) in enumerate(specs)]
        statement = queries[0] if len(queries) == 1 else union_all(*queries)
        if len(_statements) > 1000:
            _statements.clear()
        _statements[shape] = statement
    return statement


def _aggregate(snap: _Snapshot, conn: Connection, stored: list[dict], selections: list[tuple[str | None, str]],
               start: date, end: date, *, dimension: str = "", member: str | None = "",
               by_member: bool = False, child_length: int | None = None,
               grain: str | None = None) -> dict[tuple, float]:
    """{(metric code, key, bucket): value} for stored (flow/stock) metrics, in one statement.

    ``selections`` are (label, prefix) pairs: one subtree each. The key is the label, the
    child-area prefix (``child_length``) or the member (``by_member``); the bucket is the
    grain bucket's first day (None without a grain).
    """
    by_kind: dict[str, list[str]] = {}
    for m in stored:
        codes = by_kind.setdefault("stock" if m["kind"] == "stock" else "flow", [])
        if m["code"] not in codes:
            codes.append(m["code"])
    specs, params = [], {}
    pieces = _pieces(start, end, grain, snap.rollup)
    for label, prefix in selections:
        low, high = prefix_bounds(prefix)
        for kind, codes in by_kind.items():
            index = len(specs)
            shape = []
            for number, (table, first, last) in enumerate(pieces):
                access = _fact_access(snap, conn, prefix, first, last) if table is fact else None
                shape.append((table.name, access))
                name = f"q{index}p{number}_"
                params.update({name + "metrics": codes, name + "dimension": dimension, name + "low": low,
                               name + "high": high, name + "start": first, name + "end": last})
                if child_length is None and not by_member:
                    params[name + "label"] = label or ""
                if not by_member:
                    params[name + "member"] = member
            specs.append((kind, tuple(shape)))
    if not specs:
        return {}
    statement = _statement((conn.dialect.name, grain, by_member, child_length, tuple(specs)))
    found: dict[tuple, float] = {}
    for row in conn.execute(statement, params):
        if row.value is None:
            continue
        key = row.key if row.key != "" else None  # no key: the single selection's figures
        bucket = row.bucket if grain is not None else None
        if isinstance(bucket, datetime):
            bucket = bucket.date()
        elif isinstance(bucket, str):
            bucket = date.fromisoformat(bucket[:10])
        found[(row.metric, key, bucket)] = float(row.value)
    return found


def _figure(snap: _Snapshot, conn: Connection, m: dict, found: dict, key=None, bucket=None) -> float | None:
    """A metric's value from aggregated parts: 0 for a flow with no rows, None for unknown."""
    def stored(part: dict):
        v = found.get((part["code"], key, bucket))
        if v is None and part["kind"] == "flow":
            return 0.0
        return v

    if m["kind"] != "ratio":
        return stored(m)
    numerator, denominator = _parts(snap, conn, m)
    den = stored(denominator)
    if not den:
        return None
    num = stored(numerator)
    return None if num is None else num / den


def _stored_metrics(snap: _Snapshot, conn: Connection, ms: list[dict]) -> list[dict]:
    stored: list[dict] = []
    for m in ms:
        for part in _parts(snap, conn, m):
            if part not in stored:
                stored.append(part)
    return stored


# --------------------------------------------------------------------------- buckets

def _bucket_of(d: date, grain: str) -> date:
    if grain == "day":
        return d
    if grain == "week":
        return week_start(d)
    if grain == "month":
        return month_start(d)
    return date(d.year, 1, 1)


def _buckets(start: date, end: date, grain: str) -> list[date]:
    """The first day of every grain bucket touching [start, end], in order."""
    out = []
    current = _bucket_of(start, grain)
    while current <= end:
        out.append(current)
        if grain == "day":
            current += timedelta(days=1)
        elif grain == "week":
            current += timedelta(days=7)
        elif grain == "month":
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current = date(current.year + 1, 1, 1)
    return out


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

def value(metric: str, area: str, start, end, *, member=None, engine: Engine | None = None) -> float | None:
    """One figure for ``area`` from ``start`` to ``end`` (inclusive).

    ``member=(dimension, member)`` asks for one breakdown row instead of the total.
    """
    return values([metric], area, start, end, member=member, engine=engine)[metric]


def values(metrics: list[str], area: str, start, end, *, member=None,
           engine: Engine | None = None) -> dict[str, float | None]:
    """Many figures for one area and period in a single SQL statement (the KPI strip)."""
    if isinstance(metrics, str):
        metrics = [metrics]
    start, end = _dates(start, end)
    dimension, member_value = _member(member)
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        ms = [_metric(snap, conn, code) for code in metrics]
        where = _area(snap, conn, area)
        found = _aggregate(snap, conn, _stored_metrics(snap, conn, ms), [(None, _prefix(where))], start, end,
                           dimension=dimension, member=member_value)
        return {m["code"]: _figure(snap, conn, m, found) for m in ms}


def series(metric: str, area: str, start, end, grain: str = "month", *, member=None,
           engine: Engine | None = None) -> pd.DataFrame:
    """``period`` (first day of each bucket) and ``value``, every bucket present.

    Empty buckets are 0 for a flow and NaN for a stock or ratio (unknown, not zero).
    """
    points = trends([metric], area, start, end, grain, member=member, engine=engine)[metric]
    return _frame([{"period": b, "value": v} for b, v in points], ["period", "value"])


def trends(metrics: list[str], area: str, start, end, grain: str = "month", *, member=None,
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
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        ms = [_metric(snap, conn, code) for code in metrics]
        where = _area(snap, conn, area)
        found = _aggregate(snap, conn, _stored_metrics(snap, conn, ms), [(None, _prefix(where))], start, end,
                           dimension=dimension, member=member_value, grain=grain)
        buckets = _buckets(start, end, grain)
        return {m["code"]: [(b, _figure(snap, conn, m, found, None, b)) for b in buckets] for m in ms}


# --------------------------------------------------------------------------- breakdowns

def _child_groups(children: list[dict]) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = {}
    for child in children:
        groups.setdefault(len(_prefix(child)), []).append(child)
    return groups


def _by_children(snap, conn, stored, where, children, start, end, grain=None) -> dict[tuple, float]:
    """Aggregates keyed by child code: one grouped range scan per child prefix length."""
    found: dict[tuple, float] = {}
    for length, group in _child_groups(children).items():
        part = _aggregate(snap, conn, stored, [(None, _prefix(where))], start, end, child_length=length, grain=grain)
        codes = {_prefix(child): child["code"] for child in group}
        for (code, key, bucket), v in part.items():
            if key in codes:
                found[(code, codes[key], bucket)] = v
    return found


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
        return _by_children(snap, conn, stored, where, children, start, end, grain)
    return _aggregate(snap, conn, stored, [(None, _prefix(where))], start, end, dimension=by, member=None,
                      by_member=True, grain=grain)


def breakdown(metric: str, area: str, start, end, by: str = "children", *,
              engine: Engine | None = None) -> pd.DataFrame:
    """``key``, ``label``, ``label_en``, ``value`` per child area or per dimension member, largest first."""
    return _frame(breakdown_rows(metric, area, start, end, by, engine=engine), ["key", "label", "label_en", "value"])


def breakdown_rows(metric: str, area: str, start, end, by: str = "children", *,
                   engine: Engine | None = None) -> list[dict]:
    """``breakdown`` as plain rows (None for an unknown value), for the wall's charts: six a
    refresh, where a frame would cost more to build and cache than the query."""
    start, end = _dates(start, end)
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        m = _metric(snap, conn, metric)
        where = _area(snap, conn, area)
        by = _by(snap, conn, m, by)
        found = _breakdown_data(snap, conn, m, where, start, end, by)
        rows = [dict(row, value=_figure(snap, conn, m, found, row["key"])) for row in _keys(snap, conn, m, by, where, found)]
    return _sort_by_value(rows)


def breakdown_series(metric: str, area: str, start, end, grain: str = "month", by: str = "children", *,
                     engine: Engine | None = None) -> pd.DataFrame:
    """``period``, ``key``, ``label``, ``label_en``, ``value``: every bucket for every key.

    Keys come in the order of their total (largest first), so stacked charts put the
    biggest share at the bottom and colours stay put between refreshes.
    """
    start, end = _dates(start, end)
    grain = _grain(grain)
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        m = _metric(snap, conn, metric)
        where = _area(snap, conn, area)
        by = _by(snap, conn, m, by)
        found = _breakdown_data(snap, conn, m, where, start, end, by, grain)
        keys = _keys(snap, conn, m, by, where, found)
        buckets = _buckets(start, end, grain)
        # Order keys by their whole-range figure: flows and ratio parts add up over buckets.
        totals: dict[tuple, float] = {}
        for (code, key, bucket), v in sorted(found.items(), key=lambda item: item[0][2]):
            stock = snap.metrics[code]["kind"] == "stock"
            totals[(code, key, None)] = v if stock else totals.get((code, key, None), 0.0) + v
        order = _sort_by_value([dict(k, value=_figure(snap, conn, m, totals, k["key"])) for k in keys])
        rows = [
            {"period": b, "key": k["key"], "label": k["label"], "label_en": k["label_en"],
             "value": _figure(snap, conn, m, found, k["key"], b)}
            for k in order
            for b in buckets
        ]
    rows.sort(key=lambda r: r["period"])  # stable: keys keep their order within a bucket
    return _frame(rows, ["period", "key", "label", "label_en", "value"])


def compare_series(metric: str, areas: list[str], start, end, grain: str = "month", *,
                   engine: Engine | None = None) -> pd.DataFrame:
    """``period``, ``key`` (area code), ``label``, ``label_en``, ``value`` for each area, in one statement."""
    if isinstance(areas, str):
        areas = [areas]
    start, end = _dates(start, end)
    grain = _grain(grain)
    engine = _engine(engine)
    codes = list(dict.fromkeys(areas))
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        m = _metric(snap, conn, metric)
        rows_by_area = [_area(snap, conn, code) for code in codes]
        selections = [(row["code"], _prefix(row)) for row in rows_by_area]
        found = _aggregate(snap, conn, _parts(snap, conn, m), selections, start, end, grain=grain)
        buckets = _buckets(start, end, grain)
        rows = [
            {"period": b, "key": row["code"], "label": row["name"], "label_en": row["name_en"] or row["name"],
             "value": _figure(snap, conn, m, found, row["code"], b)}
            for b in buckets
            for row in rows_by_area
        ]
    return _frame(rows, ["period", "key", "label", "label_en", "value"])


def ranking(metric: str, parent: str, start, end, *, engine: Engine | None = None) -> pd.DataFrame:
    """The children of ``parent`` ranked best first (``metric.better``); areas without a figure last."""
    start, end = _dates(start, end)
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        m = _metric(snap, conn, metric)
        where = _area(snap, conn, parent)
        children = _children(snap, conn, where["code"])
        found = _by_children(snap, conn, _parts(snap, conn, m), where, children, start, end)
        rows = [{"code": c["code"], "name": c["name"], "name_en": c["name_en"] or c["name"],
                 "value": _figure(snap, conn, m, found, c["code"])} for c in children]
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


def league_table(parent: str, metrics: list[str], start, end, *, engine: Engine | None = None) -> pd.DataFrame:
    """One row per child of ``parent``: ``code``, ``name``, ``name_en`` and a column per metric."""
    if isinstance(metrics, str):
        metrics = [metrics]
    start, end = _dates(start, end)
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        ms = [_metric(snap, conn, code) for code in metrics]
        where = _area(snap, conn, parent)
        children = _children(snap, conn, where["code"])
        found = _by_children(snap, conn, _stored_metrics(snap, conn, ms), where, children, start, end)
        rows = []
        for c in children:
            row = {"code": c["code"], "name": c["name"], "name_en": c["name_en"] or c["name"]}
            for m in ms:
                row[m["code"]] = _number(_figure(snap, conn, m, found, c["code"]))
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["code", "name", "name_en", *dict.fromkeys(metrics)])
    for code in dict.fromkeys(metrics):
        frame[code] = frame[code].astype("float64")
    return frame


# --------------------------------------------------------------------------- freshness

def _latest_skip():
    codes = _skip_codes(fact, "lp_", lambda suffix, **kw: bindparam("lp_" + suffix, **kw))
    return (select(func.max(fact.c.period))
            .select_from(codes.join(fact, and_(fact.c.metric_code == codes.c.m, fact.c.area_code == codes.c.c)))
            .where(fact.c.dimension == "", fact.c.member == "", fact.c.period >= bindparam("lp_since")))


_LATEST_SKIP = _latest_skip()


def latest_period(metric: str | list[str], area: str | None = None, *,
                  engine: Engine | None = None) -> date | None:
    """The latest date with data for ``metric`` (in ``area``'s subtree): the "as of" date.

    Several metrics give the latest date of any of them (the wall's "as of" line).
    """
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
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


def data_version(*, engine: Engine | None = None) -> int:
    """The id of the latest successful ETL run, 0 before the first: a cache key for results.

    Read from the warehouse on every call (a health check or an API answer must fail when
    the warehouse is away); ``data.cache.data_version`` is the one the keys carry.
    """
    with _connect(_engine(engine)) as conn:
        return data_versions.read(conn)


def last_loaded_at(*, engine: Engine | None = None) -> datetime | None:
    """When the latest successful ETL run finished."""
    with _connect(_engine(engine)) as conn:
        version = data_versions.read(conn)
        if not version:
            return None
        return conn.execute(select(etl_run.c.finished_at).where(etl_run.c.id == version)).scalar()


# --------------------------------------------------------------------------- catalogue

def metric_info(code: str, *, engine: Engine | None = None) -> dict | None:
    """The metric's catalogue row, plus ``breakdowns``: the ``by`` values it accepts besides children."""
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
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


def catalog(*, engine: Engine | None = None) -> pd.DataFrame:
    """Every metric, ordered by domain (party, governance, services) then code."""
    engine = _engine(engine)
    with _connect(engine) as conn:
        snap = _snapshot(engine, conn)
        rows = list(snap.metrics.values())
    columns = [c.name for c in metric_table.columns]
    rank = {d: i for i, d in enumerate(DOMAIN_ORDER)}
    rows.sort(key=lambda r: (rank.get(r["domain"], len(rank)), r["code"]))
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- caching
# What pages and the API call goes through the app's cache, keyed by data version
# (data/cache.py); a call with an explicit ``engine`` always reads the warehouse.
from data.cache import cached as _cached  # noqa: E402 - after the functions it wraps

value = _cached(value)
values = _cached(values)
# series and breakdown are frames of trends and breakdown_rows: cached through those.
trends = _cached(trends)
breakdown_rows = _cached(breakdown_rows)
breakdown_series = _cached(breakdown_series)
compare_series = _cached(compare_series)
ranking = _cached(ranking)
league_table = _cached(league_table)
latest_period = _cached(latest_period)
catalog = _cached(catalog)


def _per_version(fn):
    """Keep ``fn``'s answers in this process for the current data version.

    For the catalogue look-ups a screen makes by the hundred (is this metric a
    percentage?): a dict read instead of a cache round trip each. Like ``cached``, only
    while the app has a cache, and never for calls with their own engine.
    """
    from data import settings

    memo: dict[str, tuple[int, dict]] = {}

    @functools.wraps(fn)
    def wrapper(code, *, engine: Engine | None = None):
        if engine is not None or not data_cache.enabled():
            return fn(code, engine=engine)
        url = settings.database_url()
        version = data_cache.data_version(url)
        seen = memo.get(url)
        if seen is None or seen[0] != version:
            seen = memo[url] = (version, {})
        found = seen[1].get(code)
        if found is None:
            found = fn(code)
            if found is None:
                return None  # unknown codes are asked again: a catalogue may grow without a load
            seen[1][code] = found
        return dict(found)

    wrapper.uncached = fn
    return wrapper


metric_info = _per_version(metric_info)
