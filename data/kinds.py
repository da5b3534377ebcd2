"""What each kind of metric does over time within a bucket: the roll-up rule, stated once.

- a **flow** (orders received, meals served) sums: its value for a bucket is the sum of
  its rows in the bucket;
- a **stock** (party members, volunteer teams) is a level: each series (one stored area
  and member of one metric) counts with its value at its latest period in the bucket,
  and those are summed over the series;
- a **ratio** is never stored, so never rolled up: the query layer divides the sums of its
  parts;
- a **distinct** count of people (residents reached, ``etl.reach``) is neither summed nor
  carried: a resident active in two communities, or in two months, is one person. It is
  stored per month at every level it is shown at (community, street, district, city), and an
  area's figure for a month is its own stored row (``DISTINCT_LEVELS``); a period of more than
  one month has no figure (``distinct_month``), never a sum of months.

A bucket is a month for the ``fact_month`` roll-up, a grain bucket (week, month, ...) or
the whole range for a question. The rule comes in the two forms the code needs, side by
side here and held equal by tests/test_kinds.py on random facts: :func:`over_time_sql`
(SQLAlchemy: ``data.rollup``'s refresh, ``data.query``'s reads) and :func:`over_time_frame`
(pandas: the roll-up of rows still in memory, ``etl.monthly`` and ``etl.cityscale``).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from data.periods import add_months, month_start

FLOW, STOCK, RATIO, DISTINCT = "flow", "stock", "ratio", "distinct"
KINDS = (FLOW, STOCK, RATIO, DISTINCT)
STORED = (FLOW, STOCK)  # the kinds rolled up from facts; a ratio is computed, a distinct count read as stored
DISTINCT_LEVELS = ("community", "street", "district", "city")  # where distinct counts are stored


def distinct_month(first: date, last: date, through: date | None) -> date | None:
    """The month whose stored distinct count answers for the days ``first``..``last``: their
    month when they are that whole month, or its beginning up to a day on or after its
    source's data-through date ``through`` (the stored count holds no later day: "this month"
    so far); None for anything else (two months, the first half of a month whose data goes
    on, a slice from the middle of one), which no stored count answers."""
    if first.day != 1 or (first.year, first.month) != (last.year, last.month):
        return None
    whole = (last + timedelta(days=1)).day == 1
    return first if whole or (through is not None and through <= last) else None


#: The grains whose buckets are whole months: a stock's series carries per bucket at them.
WHOLE_MONTHS = ("month", "year")


def carry(kind: str, carry_months: int | None) -> int:
    """How many months before a period a stock's figure reads (the catalogue's ``carry_months``), 0 for
    no carry: an area that missed the period's report counts with its latest one in that window."""
    if kind != STOCK or carry_months is None or pd.isna(carry_months) or not carry_months:
        return 0
    return int(carry_months)


def reads_from(kind: str, start: date, carry_months: int | None, grain: str | None = None) -> date:
    """The first day a figure for a period from ``start`` reads: a stock also reads the
    ``carry_months`` months before it, so an area that missed the period's report counts with
    its latest earlier one (carried forward) rather than dropping out of the sum; "latest per
    series" then keeps the in-period value wherever there is one (DOMAIN.md, "Late is not zero;
    missing is not zero"). The same holds for every bucket of a series at a grain of whole
    months (``WHOLE_MONTHS``: ``carry_shifts``); a day or week bucket is not carried."""
    months = carry(kind, carry_months)
    if not months or (grain is not None and grain not in WHOLE_MONTHS):
        return start
    return add_months(month_start(start), -months)


def carry_shifts(kind: str, carry_months: int | None, grain: str | None) -> int:
    """For a series (``grain``), how many months a report also counts in after its own: a report
    dated in month M stands in the buckets of M, M+1, .. M+shifts, where the bucket's own report
    (the latest per series) wins. So each bucket of whole months reads exactly what
    ``reads_from`` reads for a period of that bucket. 0 without a grain (one period) or carry."""
    if grain not in WHOLE_MONTHS:
        return 0
    return carry(kind, carry_months)


def over_time_sql(kind: str, *, series: list, bucket, period, value, by: list | None = None, where=()):
    """A SELECT of ``by`` and ``value``: the kind's value per bucket, summed over series.

    ``series`` are the expressions naming one series (for a stock: the area, member and
    metric), ``bucket`` the bucket each row falls in, ``period`` its date, ``value`` its
    figure, ``where`` conditions on the rows. ``by`` (labelled expressions, each fixed
    within a series and bucket) are what the result is grouped by; None gives one row per
    series and bucket, labelled as ``series`` and ``bucket`` are.
    """
    if kind not in STORED:
        raise ValueError(f"a {kind} metric is not stored, so it has no roll-up")
    outer = [bucket, *series] if by is None else list(by)
    if kind == FLOW:
        return select(*outer, func.sum(value).label("value")).where(*where).group_by(*outer)
    ranked = select(
        *outer, value.label("value"),
        func.row_number().over(partition_by=[*series, bucket], order_by=period.desc()).label("rn"),
    ).where(*where).subquery()
    columns = [ranked.c[c.name] for c in outer]
    if by is None:  # one row per series and bucket: its latest value, nothing to sum
        return select(*columns, ranked.c.value).where(ranked.c.rn == 1)
    return select(*columns, func.sum(ranked.c.value).label("value")).where(ranked.c.rn == 1).group_by(*columns)


def over_time_frame(frame: pd.DataFrame, is_stock, *, series: list[str], bucket: str, period: str = "period",
                    value: str = "value", keep_period: bool = False) -> pd.DataFrame:
    """One row per series and bucket of ``frame``: a flow's sum, a stock's latest value.

    ``is_stock`` marks the stock rows (a boolean array, or the set of stock metric codes
    when ``series`` starts with the metric column). With ``keep_period`` the result keeps
    ``period``: the date of a stock's latest row, the bucket for a flow, so results of
    several pieces can be put together and rolled up again.
    """
    if isinstance(is_stock, (set, frozenset)):
        is_stock = frame[series[0]].isin(is_stock).to_numpy()
    is_stock = np.asarray(is_stock, dtype=bool)
    keys = [*series, bucket]
    columns = [*keys, period, value] if keep_period else [*keys, value]
    parts = []
    if not is_stock.all():
        flows = _sums(frame if not is_stock.any() else frame[~is_stock], keys, value)
        if keep_period:
            flows[period] = flows[bucket]
        parts.append(flows)
    if is_stock.any():
        latest = frame[is_stock].sort_values(period, kind="stable").groupby(keys, sort=False, observed=True).tail(1)
        parts.append(latest)
    if not parts:
        return pd.DataFrame({c: frame[c] for c in columns})
    return pd.concat([p[columns] for p in parts], ignore_index=True)


def _sums(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """``frame[value]`` summed by ``keys``: on integer group codes with an exact ``bincount``
    when every value is a whole number (counts), else pandas' own group-by."""
    values = frame[value].to_numpy(dtype=float)
    if len(values) and np.isfinite(values).all() and (values == np.round(values)).all() \
            and np.abs(values).sum() < 2.0**53:
        from etl.groups import distinct_rows  # numpy grouping; the dashboard never gets here

        group, firsts = distinct_rows(frame[keys])
        out = frame[keys].iloc[firsts].reset_index(drop=True)
        out[value] = np.bincount(group, weights=values, minlength=len(firsts))
        return out
    out = frame.groupby(keys, sort=False, observed=True)[value].sum().reset_index()
    out[value] = out[value].astype(float)
    return out
