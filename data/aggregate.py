"""The rules: how stored facts become a figure for any area, period and grain, in SQL.

By metric kind:

- a flow sums over the dates and over the area's subtree;
- a stock takes, for each stored area, its latest value in the period (or, if it has none
  there, in the metric's carry-forward window before it: ``kinds.reads_from``), then sums those;
- a ratio is sum(numerator) / sum(denominator) over the same selection, never an
  average of ratios, and None when the denominator is 0 or unknown.

An area's subtree is one code-prefix range on ``fact.area_code`` (see ``data.areas``), so
each question is one range scan of the fact table's key plus a GROUP BY (read as
``data.access`` says). Values are always bound parameters, and statements are built once
per shape (``data.snapshot.statement``). Several metrics, areas or kinds asked together go
into one UNION ALL statement: one round trip. Whole months are read from the monthly
roll-up ``fact_month`` (``data/rollup.py``) while it is current for the data version,
the partial months at either end from ``fact``: the same answer from fewer rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
)
from sqlalchemy import union_all as _union_all

from data import kinds
from data.access import fact_access, skip_codes
from data.areas import prefix_bounds, subtree_prefix
from data.periods import bucket_end, bucket_start
from data.rollup import next_month
from data.schema import fact, fact_month
from data.snapshot import Snapshot, UnknownMetric, metric
from data.snapshot import statement as cached_statement

# mypy 2.4 crashes (INTERNAL ERROR in expandtype) on SQLAlchemy's TypeVarTuple signature of
# union_all(*selects); called through an untyped name it checks the rest of this module.
union_all: Any = _union_all


def prefix(row: dict) -> str:
    return subtree_prefix(row["code"], row["level"])


def parts(snap: Snapshot, conn: Connection, m: dict) -> list[dict]:
    """The stored metrics a metric is computed from: itself, or a ratio's two flows."""
    if m["kind"] != "ratio":
        return [m]
    parts = []
    for role in ("numerator", "denominator"):
        code = m.get(role)
        if not code:
            raise UnknownMetric(f"ratio {m['code']!r} has no {role} in the metric catalogue")
        part = metric(snap, conn, code)
        if part["kind"] == "ratio":
            raise ValueError(f"ratio {m['code']!r}: its {role} {code!r} is itself a ratio")
        parts.append(part)
    return parts


def stored_metrics(snap: Snapshot, conn: Connection, ms: list[dict]) -> list[dict]:
    stored: list[dict] = []
    for m in ms:
        for part in parts(snap, conn, m):
            if part not in stored:
                stored.append(part)
    return stored


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


def _later(dialect: str, period, months: int):
    """The first day of the month ``months`` after ``period``'s, as a SQL expression (``months`` is
    a small int of the catalogue's, never a user's: it is written into the statement)."""
    if not months:
        return period
    if dialect == "sqlite":
        return type_coerce(func.date(period, "start of month", f"+{int(months)} months"), Date)
    return func.date_trunc("month", cast(period, DateTime)) + literal_column(f"INTERVAL '{int(months)} months'")


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


def _rows(table, dialect: str, name: str, *, by_member: bool, child_length: int | None, grain: str | None,
          access: str | None = None, shift: int = 0):
    """The stored rows (``fact`` or ``fact_month``) one aggregate reads, with key and bucket.

    ``shift`` puts each row in the bucket of the month ``shift`` months after its own: the
    copy of a stock's report that is carried forward into a later bucket (``kinds.carry_shifts``).

    Every value is a bound parameter named ``name`` + a suffix (see ``aggregate``).
    ``access`` "skip" seeks each stored area's date range (see ``data.access.skip_codes``)
    instead of reading the subtree's whole history in the key range and filtering dates.
    """
    def param(suffix: str, **kw):
        return bindparam(name + suffix, **kw)

    key: ColumnElement[Any]
    if child_length is not None:
        key = func.substr(table.c.area_code, 1, child_length)
    elif by_member:
        key = table.c.member
    else:
        key = cast(param("label", type_=String), String)
    area_code, period = table.c.area_code, table.c.period
    member = table.c.member != "" if by_member else table.c.member == param("member")
    if access == "skip":
        codes = skip_codes(table, f"{name}s{shift}_" if shift else name, param)  # each copy's own CTE name
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
        _bucket(dialect, grain, _later(dialect, table.c.period, shift)).label("bucket"),
        table.c.area_code,
        table.c.member,
        table.c.period,
        table.c.value,
    ).select_from(source).where(*conditions)


def _part_query(dialect: str, index: int, kind: str, shifts: int, pieces: tuple, *, by_member: bool,
                child_length: int | None, grain: str | None, ask: str = ""):
    """One SELECT: (metric, key, bucket, value) for metrics of one kind in one subtree.

    ``pieces`` are (table, access path) pairs, read together: a month's roll-up row
    stands for its month's rows (a flow's sum, a stock's latest value, dated the month's
    first day), so the sums and the "latest per area" below come out the same whichever
    pieces the range is read from. A stock carried per bucket (``shifts`` > 0) reads each
    row once more for each of the ``shifts`` months after its own; the latest per series and
    bucket is then the bucket's own report where there is one, else the carried one.
    """
    parts = [
        _rows(_TABLES[table], dialect, f"{ask}q{index}p{number}_", by_member=by_member, child_length=child_length,
              grain=grain, access=access, shift=shift)
        for number, (table, access) in enumerate(pieces)
        for shift in range(shifts + 1)
    ]
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return kinds.over_time_sql(kind, series=[rows.c.metric, rows.c.area_code, rows.c.member], bucket=rows.c.bucket,
                               period=rows.c.period, value=rows.c.value, by=[rows.c.metric, rows.c.key, rows.c.bucket])


_TABLES = {"fact": fact, "fact_month": fact_month}


def _build(shape: tuple, ask: str = ""):
    """One statement for a shape: each part's SELECT, in one UNION ALL (one round trip)."""
    dialect, grain, by_member, child_length, specs = shape
    queries = [_part_query(dialect, index, kind, shifts, pieces, by_member=by_member, child_length=child_length,
                           grain=grain, ask=ask)
               for index, (kind, shifts, pieces) in enumerate(specs)]
    return queries[0] if len(queries) == 1 else union_all(*queries)


def _build_many(shapes: tuple):
    """One statement for several asks' shapes: each ask's statement (``_build``, its bound
    parameters named ``a<n>`` + its own names), its rows marked with the ask's number."""
    queries = []
    for number, shape in enumerate(shapes):
        rows = _build(shape, ask=f"a{number}").subquery(f"a{number}")
        queries.append(select(literal_column(str(number)).label("ask"), rows.c.metric, rows.c.key, rows.c.bucket,
                              rows.c.value))
    return queries[0] if len(queries) == 1 else union_all(*queries)


def aggregate(snap: Snapshot, conn: Connection, stored: list[dict], selections: list[tuple[str | None, str]],
               start: date, end: date, *, dimension: str = "", member: str | None = "",
               by_member: bool = False, child_length: int | None = None,
               grain: str | None = None, skip_days: int) -> dict[tuple, float]:
    """{(metric code, key, bucket): value} for stored (flow/stock) metrics, in one statement.

    ``selections`` are (label, prefix) pairs: one subtree each. The key is the label, the
    child-area prefix (``child_length``) or the member (``by_member``); the bucket is the
    grain bucket's first day (None without a grain). A stock is read from ``kinds.reads_from``
    (its carry-forward window before ``start``), so a stored area without a report in the
    range, or in a bucket of whole months (``kinds.carry_shifts``), counts with its latest one
    in that window: each bucket is what the whole range would be for that bucket's days.
    """
    return aggregate_many(snap, conn, [Ask(stored, selections, start, end, dimension=dimension, member=member,
                                           by_member=by_member, child_length=child_length, grain=grain)],
                          skip_days=skip_days)[0]


@dataclass(frozen=True)
class Ask:
    """One ``aggregate`` question (its arguments), for ``aggregate_many``."""

    stored: list[dict]
    selections: list[tuple[str | None, str]]
    start: date
    end: date
    dimension: str = ""
    member: str | None = ""
    by_member: bool = False
    child_length: int | None = None
    grain: str | None = None


def aggregate_many(snap: Snapshot, conn: Connection, asks: list[Ask], *, skip_days: int) -> list[dict[tuple, float]]:
    """``aggregate`` of each of ``asks``, in order: their flows and stocks in one statement
    (one round trip for a wall's breakdowns, or a page's figures over several periods)."""
    found: list[dict[tuple, float]] = []
    shapes: list[tuple] = []
    params: dict[str, Any] = {}
    numbers: list[int] = []  # the asks in the statement, by their place in it
    for ask in asks:
        distinct = [m for m in ask.stored if m["kind"] == kinds.DISTINCT]
        answer: dict[tuple, float] = {}
        if distinct:
            answer.update(_distinct(conn, distinct, ask.selections, ask.start, ask.end, dimension=ask.dimension,
                                    member=ask.member, by_member=ask.by_member, child_length=ask.child_length,
                                    grain=ask.grain))
        found.append(answer)
        specs, own = _plan(snap, ask, skip_days, f"a{len(shapes)}" if len(asks) > 1 else "")
        if specs:
            numbers.append(len(found) - 1)
            shapes.append((conn.dialect.name, ask.grain, ask.by_member, ask.child_length, tuple(specs)))
            params.update(own)
    if not shapes:
        return found
    if len(asks) == 1:
        statement = cached_statement(shapes[0], _build)
    else:
        statement = cached_statement(("many", tuple(shapes)), lambda shape: _build_many(shape[1]))
    first_buckets = [None if (grain := asks[n].grain) is None else bucket_start(asks[n].start, grain)
                     for n in numbers]
    for row in conn.execute(statement, params):
        if row.value is None:
            continue
        place = int(row.ask) if len(asks) > 1 else 0
        ask, first_bucket = asks[numbers[place]], first_buckets[place]
        key = row.key if row.key != "" else None  # no key: the single selection's figures
        bucket = row.bucket if ask.grain is not None else None
        if isinstance(bucket, datetime):
            bucket = bucket.date()
        elif isinstance(bucket, str):
            bucket = date.fromisoformat(bucket[:10])
        if bucket is not None and first_bucket is not None and not first_bucket <= bucket <= ask.end:
            continue  # a carry window's report before the range, or one carried past its end
        found[numbers[place]][(row.metric, key, bucket)] = float(row.value)
    return found


def _plan(snap: Snapshot, ask: Ask, skip_days: int, name: str) -> tuple[list[tuple[str, int, tuple]], dict[str, Any]]:
    """An ask's parts (kind, carry shifts, (table, access) pieces) and their bound parameters,
    named ``name`` + ``q<part>p<piece>_`` + what each is."""
    by_kind: dict[tuple[str, date, int], list[str]] = {}  # (kind, first day read, shifts): codes
    for m in ask.stored:
        if m["kind"] == kinds.DISTINCT:
            continue
        kind = kinds.STOCK if m["kind"] == kinds.STOCK else kinds.FLOW
        carry = m.get("carry_months")
        spec = (kind, kinds.reads_from(kind, ask.start, carry, ask.grain), kinds.carry_shifts(kind, carry, ask.grain))
        codes = by_kind.setdefault(spec, [])
        if m["code"] not in codes:
            codes.append(m["code"])
    specs: list[tuple[str, int, tuple]] = []
    params: dict[str, Any] = {}
    for label, prefix in ask.selections:
        low, high = prefix_bounds(prefix)
        for (kind, first_read, shifts), codes in by_kind.items():
            index = len(specs)
            shape = []
            for number, (table, first, last) in enumerate(_pieces(first_read, ask.end, ask.grain, snap.rollup)):
                access = fact_access(first, last, skip_days) if table is fact else None
                shape.append((table.name, access))
                part = f"{name}q{index}p{number}_"
                params.update({part + "metrics": codes, part + "dimension": ask.dimension, part + "low": low,
                               part + "high": high, part + "start": first, part + "end": last})
                if ask.child_length is None and not ask.by_member:
                    params[part + "label"] = label or ""
                if not ask.by_member:
                    params[part + "member"] = ask.member
            specs.append((kind, shifts, tuple(shape)))
    return specs, params


def own_code(prefix: str) -> str | None:
    """The code of the area whose subtree ``prefix`` is (codes pad with zeros to 12 digits), or
    None for a grid cell's: where an area's own distinct count is stored (``kinds.DISTINCT_LEVELS``)."""
    return prefix.ljust(12, "0") if len(prefix) <= 12 else None


def _distinct(conn: Connection, ms: list[dict], selections: list[tuple[str | None, str]], start: date,
              end: date, *, dimension: str, member: str | None, by_member: bool, child_length: int | None,
              grain: str | None) -> dict[tuple, float]:
    """Distinct counts (``kinds.DISTINCT``): each area's own stored row for the month a bucket
    (or the whole range, without a grain) is, never a sum over areas or months. A bucket that
    is not one month (``kinds.distinct_month``) gets no entry: no figure."""
    from data.coverage import data_through  # per source, cached per data version

    found: dict[tuple, float] = {}
    by_source: dict[str | None, list[str]] = {}
    for m in ms:
        by_source.setdefault(m.get("source"), []).append(m["code"])
    for source, codes in by_source.items():
        through = data_through(source, engine=conn.engine) if source else None
        months: dict[date, date | None] = {}  # month -> the bucket it answers for (None: no grain)
        if grain is None:
            month = kinds.distinct_month(start, end, through)
            if month is not None:
                months[month] = None
        else:
            for b in buckets(start, end, grain):
                month = kinds.distinct_month(max(b, start), min(bucket_end(b, grain), end), through)
                if month is not None:
                    months[month] = b
        if months:
            found.update(_distinct_rows(conn, codes, months, selections, dimension=dimension, member=member,
                                        by_member=by_member, child_length=child_length))
    return found


def _distinct_rows(conn: Connection, codes: list[str], months: dict[date, date | None],
                   selections: list[tuple[str | None, str]], *, dimension: str, member: str | None,
                   by_member: bool, child_length: int | None) -> dict[tuple, float]:
    found: dict[tuple, float] = {}
    for label, prefix in selections:
        low, high = prefix_bounds(prefix)
        conditions = [fact.c.metric_code.in_(codes), fact.c.dimension == dimension,
                      fact.c.area_code >= low, fact.c.area_code < high, fact.c.period.in_(sorted(months))]
        if child_length is None:
            own = own_code(prefix)
            if own is None:
                continue
            conditions.append(fact.c.area_code == own)
        conditions.append(fact.c.member != "" if by_member else fact.c.member == (member or ""))
        rows = conn.execute(select(fact.c.metric_code, fact.c.area_code, fact.c.period, fact.c.member,
                                   fact.c.value).where(*conditions))
        for row in rows:
            if child_length is not None:
                key = row.area_code[:child_length]
                if len(row.area_code) != 12 or own_code(key) != row.area_code:
                    continue  # a row of an area below the child: the child's own row is its figure
            elif by_member:
                key = row.member
            else:
                key = label
            period = row.period
            if isinstance(period, datetime):
                period = period.date()
            elif not isinstance(period, date):
                period = date.fromisoformat(str(period)[:10])
            found[(row.metric_code, key, months[period])] = float(row.value)
    return found


def figure(snap: Snapshot, conn: Connection, m: dict, found: dict, key=None, bucket=None,
           covered: Callable[[dict, object, date | None], bool] | None = None) -> float | None:
    """A metric's value from aggregated parts: None for unknown. A flow with no rows is 0
    where its source's data covers the area and the bucket (``covered(part, key, bucket)``,
    see ``data.coverage.Covered``), and missing (None) where it does not. A stock's series
    bucket that its source has not delivered for at all (December's party report on 5
    December) is not carried into: None, not yet reported (a whole period's figure, without
    a bucket, is the latest level, dated)."""
    def stored(part: dict):
        v = found.get((part["code"], key, bucket))
        # A distinct count is stored with its zeros (etl.reach): no row is no figure.
        if v is None and part["kind"] == "flow":
            return 0.0 if covered is None or covered(part, key, bucket) else None
        if v is not None and bucket is not None and covered is not None and not covered(part, key, bucket):
            return None
        return v

    if m["kind"] != "ratio":
        return stored(m)
    numerator, denominator = parts(snap, conn, m)
    den = stored(denominator)
    if not den:
        return None
    num = stored(numerator)
    return None if num is None else num / den


def child_groups(children: list[dict]) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = {}
    for child in children:
        groups.setdefault(len(prefix(child)), []).append(child)
    return groups


def by_children(snap, conn, stored, where, children, start, end, grain=None, *, skip_days: int) -> dict[tuple, float]:
    """Aggregates keyed by child code: one grouped range scan per child prefix length."""
    found: dict[tuple, float] = {}
    for length, group in child_groups(children).items():
        part = aggregate(snap, conn, stored, [(None, prefix(where))], start, end, child_length=length, grain=grain,
                          skip_days=skip_days)
        codes = {prefix(child): child["code"] for child in group}
        for (code, key, bucket), v in part.items():
            if key in codes:
                found[(code, codes[key], bucket)] = v
    return found


def buckets(start: date, end: date, grain: str) -> list[date]:
    """The first day of every grain bucket touching [start, end], in order."""
    out = []
    current = bucket_start(start, grain)
    while current <= end:
        out.append(current)
        current = bucket_end(current, grain) + timedelta(days=1)
    return out
