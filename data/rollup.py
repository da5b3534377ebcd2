"""The monthly roll-up: ``fact`` per month by its kind's rule (``data.kinds``: flows summed, stocks last-valued).

A question over whole months (a twelve-month trend, last quarter's total) gives the same
answer from ``fact_month`` as from the daily facts, reading fewer rows: up to a thirtieth
for a figure reported every day, a fifth over the sample warehouse. The ETL refreshes
the months, metrics and communities a load touched in the load's own transaction
(``refresh_for_load``), and marks the roll-up current for that load in ``rollup_state``.
The query layer uses the roll-up only while that marker equals the warehouse's data
version, so facts changed any other way are read raw, never wrongly.

    python -m data.rollup [--database-url URL]     # rebuild the whole roll-up
"""
from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy import Connection, Date, and_, cast, delete, func, insert, or_, select, type_coerce, update

from data import kinds, settings
from data import version as data_versions
from data.schema import fact, fact_month, metric, rollup_state

NAME = "fact_month"
STREETS_FROM = 50  # more communities than this in one load: refresh their streets instead (a superset is still right)
COLUMNS = ["period", "area_code", "metric_code", "dimension", "member", "value"]


def month_of(dialect: str, column):
    """The first day of ``column``'s month, as a SQL expression of type Date."""
    if dialect == "sqlite":
        return type_coerce(func.date(column, "start of month"), Date)
    return cast(func.date_trunc("month", column), Date)


def next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def month_runs(months) -> list[tuple[date, date]]:
    """Contiguous runs of months as ``[first day, first day after)`` ranges."""
    runs: list[list[date]] = []
    for m in sorted({date(d.year, d.month, 1) for d in months}):
        if runs and runs[-1][1] == m:
            runs[-1][1] = next_month(m)
        else:
            runs.append([m, next_month(m)])
    return [(a, b) for a, b in runs]


def marker(conn: Connection) -> int | None:
    """The load the roll-up was last brought up to date in (None: never, or unknown)."""
    return conn.execute(select(rollup_state.c.run_id).where(rollup_state.c.name == NAME)).scalar()


def data_version(conn: Connection, before: int | None = None) -> int:
    """The latest successful load's id (before run ``before``, when given): ``data.version``'s."""
    return data_versions.read(conn, before)


def is_current(conn: Connection) -> bool:
    """Whether the roll-up answers for the warehouse as it is now."""
    mark = marker(conn)
    return mark is not None and mark == data_version(conn)


def mark_current(conn: Connection, run_id: int) -> None:
    """Record that the roll-up now answers for load ``run_id`` (for writers that fill it themselves)."""
    _mark(conn, run_id)


def _mark(conn: Connection, run_id: int) -> None:
    done = conn.execute(update(rollup_state).where(rollup_state.c.name == NAME)
                        .values(run_id=run_id, refreshed_at=settings.local_now().replace(microsecond=0)))
    if not done.rowcount:
        conn.execute(insert(rollup_state).values(name=NAME, run_id=run_id,
                                                 refreshed_at=settings.local_now().replace(microsecond=0)))


def _prefixes(communities) -> list[str] | None:
    if communities is None:
        return None
    codes = sorted({str(c)[:12] for c in communities})
    if len(codes) > STREETS_FROM:
        codes = sorted({c[:9] for c in codes})
    return codes


def _dimensions(conn: Connection, metrics) -> list[str] | None:
    """Every dimension the metrics are broken down by, and '' for their totals.

    fact's key runs (metric, dimension, area, period, member): naming the dimensions lets
    a subtree's area range use the key instead of reading every row of the metrics.
    """
    if metrics is None:
        return None
    listed = conn.execute(select(metric.c.dimensions).where(metric.c.code.in_(sorted(set(metrics))))).scalars()
    found = {""}
    for text in listed:
        found.update(d.strip() for d in (text or "").split(",") if d.strip())
    # The catalogue lists every breakdown a metric has; the query layer answers no other
    # (``by`` is checked against it), so rows under an unlisted dimension are never read.
    return sorted(found)


def _scope(table, metrics, prefix: str | None, runs, dimensions=None) -> list:
    """Conditions on ``table`` (fact or fact_month) for metrics, one subtree and month runs."""
    conditions = []
    if metrics is not None:
        conditions.append(table.c.metric_code.in_(sorted(set(metrics))))
    if dimensions is not None:
        conditions.append(table.c.dimension.in_(dimensions))
    if prefix is not None:
        conditions += [table.c.area_code >= prefix, table.c.area_code < prefix + "~"]
    if runs is not None:
        conditions.append(or_(*[and_(table.c.period >= a, table.c.period < b) for a, b in runs]))
    return conditions


def _rebuild(conn: Connection, conditions_fact: list, conditions_month: list) -> None:
    conn.execute(delete(fact_month).where(*conditions_month))
    month = month_of(conn.dialect.name, fact.c.period).label("period")
    not_flows = select(metric.c.code).where(metric.c.kind.in_((kinds.STOCK, kinds.DISTINCT)))
    stocks = select(metric.c.code).where(metric.c.kind == kinds.STOCK)
    keys = [fact.c.area_code, fact.c.metric_code, fact.c.dimension, fact.c.member]
    # Distinct counts are stored by month already and read from ``fact`` (data.aggregate): not rolled up.
    for kind, of_kind in ((kinds.FLOW, fact.c.metric_code.not_in(not_flows)), (kinds.STOCK, fact.c.metric_code.in_(stocks))):
        rows = kinds.over_time_sql(kind, series=keys, bucket=month, period=fact.c.period, value=fact.c.value,
                                   where=[*conditions_fact, of_kind])
        conn.execute(insert(fact_month).from_select(COLUMNS, rows))


def refresh(conn: Connection, *, metrics=None, months=None, communities=None, run_id: int | None = None) -> None:
    """Recompute the roll-up from ``fact``: all of it, or only the given scope.

    ``metrics`` codes, ``months`` (any day of each month) and ``communities`` (each with
    its grid cells) narrow the work; None means all. The roll-up is then marked current
    for ``run_id`` (default: the data version now), so call it in the transaction that
    changed the facts.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    runs = month_runs(months) if months is not None else None
    prefixes = _prefixes(communities)
    if (metrics is not None and not metrics) or (runs is not None and not runs) or prefixes == []:
        pass  # an empty scope: nothing to recompute
    else:
        dimensions = _dimensions(conn, metrics) if prefixes is not None else None
        for prefix in prefixes if prefixes is not None else [None]:
            _rebuild(conn, _scope(fact, metrics, prefix, runs, dimensions),
                     _scope(fact_month, metrics, prefix, runs, dimensions))
    _mark(conn, data_version(conn) if run_id is None else run_id)


def refresh_for_load(conn: Connection, run_id: int, metrics, periods, communities) -> None:
    """What a load calls inside its transaction after replacing facts.

    The touched scope is enough when the roll-up was current for the load before this
    one; otherwise (facts were changed by hand in between, or the roll-up is new) the
    whole roll-up is rebuilt, so it is right again from this load on.
    """
    if marker(conn) == data_version(conn, before=run_id):
        refresh(conn, metrics=metrics, months=periods, communities=communities, run_id=run_id)
    else:
        refresh(conn, run_id=run_id)


def main(argv: list[str] | None = None) -> int:
    from data.db import get_engine

    args = argparse.ArgumentParser(prog="python -m data.rollup", description=__doc__.splitlines()[0])
    args.add_argument("--database-url", help="warehouse URL (default: DATABASE_URL)")
    options = args.parse_args(argv)
    engine = get_engine(options.database_url)
    with engine.begin() as conn:
        refresh(conn)
        rows = conn.execute(select(func.count()).select_from(fact_month)).scalar()
    print(f"fact_month: {rows} rows, current for load {data_version_of(engine)}")
    return 0


def data_version_of(engine) -> int:
    with engine.connect() as conn:
        return data_version(conn)


if __name__ == "__main__":
    raise SystemExit(main())
