"""How ``fact`` is read for one subtree and a date range: the access path.

The key runs (metric, dimension, area, period, member): a subtree is one range of its
area column, so within it the dates can only be filtered. A short range (up to
``skip_days``: this month so far, the last 30 days, the partial months at the ends of a
longer range) walks the subtree's stored area codes one index seek each and seeks each
one's days instead (``skip_codes``): a month to date reads its own rows, not the street's
whole history. On a SQLite warehouse that also has the date index
``ix_fact_metric_period``, whose range its planner misjudges, ``access_path`` picks the index.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from data.areas import prefix_bounds
from data.schema import area as area_table, fact, metric as metric_table
from data.snapshot import Snapshot

INDEX_ENTRY_ADVANTAGE = 10  # fetching a table row / reading an index entry, roughly, on SQLite


def as_day(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _access_path(snap: Snapshot, conn: Connection, prefix: str, start: date, end: date) -> str | None:
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
        snap.span = (as_day(first), as_day(last)) if first is not None else (start, end)
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


def fact_access(snap: Snapshot, conn: Connection, prefix: str, start: date, end: date, skip_days: int) -> str | None:
    """How to read ``fact`` for one subtree and a date range: "skip", "area", "period" or None.

    The key runs (metric, dimension, area, period, member): a subtree is a range of its
    area column, so the dates can only be filtered, not sought, and a range of days costs
    as much as the subtree's whole history (a month to date on a two-year warehouse: 24
    times the rows it needs). For up to ``skip_days`` days the area codes are walked one
    seek each (``skip_codes``) and each area's days sought; longer ranges read the key
    range (or, on SQLite with the date index, what ``_access_path`` picks).
    """
    path = _access_path(snap, conn, prefix, start, end)
    if path != "period" and (end - start).days < skip_days:
        return "skip"
    return path


def unindexed(column):
    """``+column``: SQLite's documented way to keep a term from choosing an index."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def skip_codes(table, name: str, param):
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
