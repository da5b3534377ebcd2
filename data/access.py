"""How ``fact`` is read for one subtree and a date range: its key range, or a seek per area.

The key runs (metric, dimension, area, period, member): a subtree is one range of its
area column, so within it the dates can only be filtered, not sought, and a range of
days costs as much as the subtree's whole history (a month to date on a two-year
warehouse: 24 times the rows it needs). A short range (up to the query layer's
``SKIP_DAYS``: this month so far, the last 30 days, the partial months at the ends of a
longer range) walks the subtree's stored area codes one index seek each and seeks each
one's days instead (``skip_codes``); longer ranges read the key range.

There was also a SQLite index planner here, choosing between the key and a date index
``ix_fact_metric_period``. No warehouse has that index since the key was reordered (the
initial migration no longer makes it), so it only ever cost a probe per data version;
with the index made by hand, it made a district's month to date 9x slower than the seek
(50 ms against 5.5 ms on the full sample warehouse, medians of interleaved runs) and
gained a quarter on a district's 26-week trend: removed.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from data.schema import metric as metric_table


def fact_access(start: date, end: date, skip_days: int) -> str | None:
    """"skip" (seek each stored area's days) for a range shorter than ``skip_days`` days;
    None (the subtree's key range, dates filtered) otherwise."""
    return "skip" if (end - start).days < skip_days else None


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
