"""The work items behind the counts (the ``item`` table), for lists of one line per item.

Two questions are asked of them: which items of an area closed most recently (the wall's
"micro-wishes just fulfilled") and which open items are furthest past their promised
time (the overview's "needs attention"). An item tells its number, community, category,
type, times, status and the kind of party that took it on: never a name, a phone, an
address or the resident's text (the ETL never stores them).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from data import areas, settings
from data.areas import prefix_bounds, subtree_prefix
from data.cache import cached
from data.schema import area, item

#: Per source, the statuses of an item still waiting: the needs register's 待认领 and
#: 已认领, a 12345 order 办理中 (已退回 went back to the dispatcher: not the area's to do),
#: a grid event 待受理 or 处置中.
OPEN = {"needs": ("待认领", "已认领"), "hotline": ("办理中",), "grid_events": ("待受理", "处置中")}

#: Days a closed item stays in ``item`` after it closed (DOMAIN.md: "a configurable time").
KEEP_CLOSED_DAYS = 90


def _engine(engine: Engine | None) -> Engine:
    if engine is None:
        from data.db import get_engine

        return get_engine()
    return engine


def _in_area(code: str, engine: Engine | None):
    """Items of the area's subtree (a street: its communities; a community: itself)."""
    row = areas.get(code, engine=engine)
    prefix = subtree_prefix(code, row["level"]) if row else str(code)
    low, high = prefix_bounds(prefix)
    return item.c.area_code >= low, item.c.area_code < high


def _rows(query, engine: Engine | None) -> list[dict]:
    names = area.alias("named")
    query = query.add_columns(names.c.name.label("area_name"), names.c.name_en.label("area_name_en")).outerjoin(
        names, names.c.code == item.c.area_code)
    with _engine(engine).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


@cached  # the wall asks on every refresh: kept per data version
def just_closed(source: str, code: str, *, kind: str | None = None, status: str | None = None, limit: int = 4,
                engine: Engine | None = None) -> list[dict]:
    """The ``limit`` items of ``source`` in the area that closed last (of ``kind`` and
    ``status`` when given), newest first."""
    query = select(item).where(item.c.source == source, *_in_area(code, engine), item.c.closed_at.is_not(None))
    if kind is not None:
        query = query.where(item.c.kind == kind)
    if status is not None:
        query = query.where(item.c.status == status)
    query = query.order_by(item.c.closed_at.desc(), item.c.item_id).limit(max(1, min(int(limit), 50)))
    return _rows(query, engine)


def past_due(source: str, code: str, now: datetime | None = None, *, limit: int = 5,
             engine: Engine | None = None) -> list[dict]:
    """The open items of ``source`` (:data:`OPEN`) in the area whose promised time passed
    before ``now`` (default: now in Chengdu, as the due times are written), longest overdue
    first, each with ``days_over`` (whole days past it)."""
    if now is None:
        now = settings.local_now()
    query = (select(item).where(item.c.source == source, *_in_area(code, engine), item.c.status.in_(OPEN[source]),
                                item.c.due_at.is_not(None), item.c.due_at < now)
             .order_by(item.c.due_at, item.c.item_id).limit(max(1, min(int(limit), 50))))
    rows = _rows(query, engine)
    for row in rows:
        due = row["due_at"] if isinstance(row["due_at"], datetime) else datetime.fromisoformat(str(row["due_at"]))
        row["days_over"] = (now - due).days
    return rows
