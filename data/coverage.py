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

from datetime import date, datetime

from sqlalchemy import Connection, Engine, func, select

from data.areas import prefix_bounds, subtree_prefix
from data.cache import cached  # pages ask on every refresh: kept per data version
from data.schema import area as area_table
from data.schema import etl_coverage, etl_run


def _engine(engine: Engine | None) -> Engine:
    if engine is None:
        from data.db import get_engine

        return get_engine()
    return engine


def _day(value) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
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
    with _engine(engine).connect() as conn:
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
