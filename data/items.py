"""The work items behind the counts (the ``item`` table), for lists of one line per item.

Two questions are asked of them: which items of an area closed most recently (the wall's
"micro-wishes just fulfilled") and which open items are furthest past their promised
time (the overview's "needs attention"). An item tells its number, community, category,
type, times, status and the kind of party that took it on: never a name, a phone, an
address or the resident's text (the ETL never stores them).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, or_, select

from data import areas, settings
from data.areas import prefix_bounds, subtree_prefix
from data.cache import cached
from data.db import engine_or_default
from data.schema import area, item

#: Per source, the statuses of an item still waiting: the needs register's 待认领 and
#: 已认领, a 12345 order 办理中 (已退回 went back to the dispatcher: not the area's to do),
#: a grid event 待受理 or 处置中.
OPEN = {"needs": ("待认领", "已认领"), "hotline": ("办理中",), "grid_events": ("待受理", "处置中")}

#: Days a closed item stays in ``item`` after it closed (DOMAIN.md: "a configurable time").
KEEP_CLOSED_DAYS = 90


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
    with engine_or_default(engine).connect() as conn:
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
    query = (select(item).where(*_past_due(source, code, now, engine))
             .order_by(item.c.due_at, item.c.item_id).limit(max(1, min(int(limit), 50))))
    rows = _rows(query, engine)
    for row in rows:
        due = row["due_at"] if isinstance(row["due_at"], datetime) else datetime.fromisoformat(str(row["due_at"]))
        row["days_over"] = (now - due).days
    return rows


def count_past_due(source: str, code: str, now: datetime | None = None, *, engine: Engine | None = None) -> int:
    """How many open items of ``source`` in the area are past their promised time at ``now``
    (default: now in Chengdu): all of them, where ``past_due`` lists the longest overdue."""
    if now is None:
        now = settings.local_now()
    with engine_or_default(engine).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(item).where(*_past_due(source, code, now, engine)))
                   .scalar_one())


def _past_due(source: str, code: str, now: datetime, engine: Engine | None) -> tuple:
    """The open items of ``source`` in the area whose promised time passed before ``now``."""
    return (item.c.source == source, *_in_area(code, engine), item.c.status.in_(OPEN[source]),
            item.c.due_at.is_not(None), item.c.due_at < now)


#: The sources whose items are the wall's "just in" pulses: 12345 orders and grid events.
PULSES = ("hotline", "grid_events")


@cached  # the wall asks on every refresh: kept per data version (a load makes a new one)
def just_in(code: str, sources: tuple[str, ...] = PULSES, *, limit: int = 6, engine: Engine | None = None) -> list[dict]:
    """The ``limit`` items of ``sources`` in the area received last, newest first: for the
    wall's "just in" list and any map of them. Each row: ``source``, ``category``,
    ``received_at``, ``status``, ``open`` (still waiting, :data:`OPEN`), ``area_code`` (the
    grid cell or community it was recorded on) and its community's ``community_code``,
    ``community``, ``community_en``, ``lon``, ``lat`` (from the area register, None where
    it gives none). No number, no person, no text."""
    community = area.alias("community")
    query = (select(item.c.source, item.c.category, item.c.received_at, item.c.status, item.c.area_code,
                    community.c.code.label("community_code"), community.c.name.label("community"),
                    community.c.name_en.label("community_en"), community.c.lon, community.c.lat)
             .where(item.c.source.in_(sources), *_in_area(code, engine))
             .outerjoin(community, community.c.code == func.substr(item.c.area_code, 1, 12))
             .order_by(item.c.received_at.desc(), item.c.source, item.c.item_id)
             .limit(max(1, min(int(limit), 50))))
    with engine_or_default(engine).connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["open"] = row["status"] in OPEN[row["source"]]
    return rows


#: Days ahead an open item counts as "soon due" on the overview's needs-action list.
SOON_DAYS = 2
#: The sources of the overview's needs-action list, in its filter's order.
ACTION_SOURCES = ("hotline", "grid_events")


def unrecorded(sources: tuple[str, ...], *, engine: Engine | None = None) -> list[str]:
    """The ``sources`` that have not written a single item yet (a warehouse loaded before
    the item table, until their next delivery): an empty list from them is not "none"."""
    with engine_or_default(engine).connect() as conn:
        return [s for s in sources
                if conn.execute(select(item.c.source).where(item.c.source == s).limit(1)).first() is None]


def needs_action(code: str, now: datetime | None = None, *, sources: tuple[str, ...] = ACTION_SOURCES,
                 statuses: tuple[str, ...] | None = None, limit: int = 500,
                 engine: Engine | None = None) -> list[dict]:
    """The open items of ``sources`` in the area that need action at ``now`` (default: now in
    Chengdu): past their due time or due within :data:`SOON_DAYS`, and open items with no due
    time (a grid event awaiting action), oldest received first. Each row carries
    ``days_over`` (whole days past due; negative: days left; None without a due time) and
    its community (``community_code``, ``community``, ``community_en``). ``statuses`` keeps
    only those statuses (each must be open)."""
    if now is None:
        now = settings.local_now()
    soon = now + timedelta(days=SOON_DAYS)
    community = area.alias("community")
    wanted = [s for s in sources if s in OPEN]
    if not wanted:
        return []
    open_status = or_(*[and_(item.c.source == s, item.c.status.in_(OPEN[s])) for s in wanted])
    query = (select(item.c.source, item.c.item_id, item.c.category, item.c.kind, item.c.received_at, item.c.due_at,
                    item.c.status, item.c.area_code, community.c.code.label("community_code"),
                    community.c.name.label("community"), community.c.name_en.label("community_en"))
             .where(open_status, *_in_area(code, engine), or_(item.c.due_at.is_(None), item.c.due_at < soon))
             .outerjoin(community, community.c.code == func.substr(item.c.area_code, 1, 12))
             .order_by(item.c.received_at, item.c.source, item.c.item_id)
             .limit(max(1, min(int(limit), 5000))))
    if statuses:
        query = query.where(item.c.status.in_(statuses))
    with engine_or_default(engine).connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        due = row["due_at"]
        if due is not None and not isinstance(due, datetime):
            due = row["due_at"] = datetime.fromisoformat(str(due))
        row["days_over"] = None if due is None else math.floor((now - due).total_seconds() / 86400)
    return rows
