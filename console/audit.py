"""The console's audit trail: every change, who made it, when (UTC), the subject before and after.

``record`` is called in the same transaction as the change it describes (pass the
connection), so a change is never kept without its record nor the other way round. Its
rows are also the console's edit count: ``data.version`` reads the highest id with the
data version, so every cache key moves on with a console change and open walls show it at
their next refresh.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, event, insert, select

from data.schema import audit

#: The most rows ``entries`` gives at once: the admin's view pages through the rest.
MAX_ROWS = 500


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime  # UTC, aware
    user: str
    role: str | None
    action: str
    subject: str
    area: str | None
    before: Any
    after: Any


def _plain(value: Any) -> Any:
    """JSON for what a row holds: datetimes and dates as ISO text, decimals as numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot record a {type(value).__name__} in the audit trail")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


@contextmanager
def _connection(conn_or_engine: Connection | Engine) -> Iterator[Connection]:
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.begin() as conn:
            yield conn
    else:
        yield conn_or_engine


def _who(user: Any) -> tuple[str, str | None]:
    """(name, role) of a principal (anything with ``name`` and ``role``), a dict or a name."""
    if isinstance(user, str):
        return user, None
    if isinstance(user, dict):
        return str(user.get("name") or ""), user.get("role")
    return str(getattr(user, "name", "") or ""), getattr(user, "role", None)


def record(conn_or_engine: Connection | Engine, user: Any, action: str, subject: str, before: Any, after: Any,
           *, area: str | None = None) -> int:
    """Record one change; returns its id.

    ``user`` is who made it (the guard's principal, or a name), ``action`` a word
    (``notice.publish``, ``screen.reload``, ...), ``subject`` what it was made to
    (``content:12``, ``screen:shahe-lobby``), ``before``/``after`` the subject as plain
    data (None: it did not exist / no longer does), ``area`` the area it acts for.
    """
    name, role = _who(user)
    if not name:
        raise ValueError("an audit record needs the name of who made the change")
    if not action or not subject:
        raise ValueError("an audit record needs an action and a subject")
    row = {"at": datetime.now(UTC).replace(tzinfo=None, microsecond=0), "user_name": name[:64],
           "role": role, "action": action[:32], "subject": subject[:128], "area_code": area,
           "before": _json(before), "after": _json(after)}
    with _connection(conn_or_engine) as conn:
        result = conn.execute(insert(audit).values(**row))
        key = result.inserted_primary_key
        # Once the change is committed, this process's trusted data version is out of date:
        # cache keys carry the audit count (data.cache.stamp), so forget it at once.
        event.listen(conn, "commit", _forget_version, once=True)
        return int(key[0]) if key else 0


def _forget_version(_conn) -> None:
    from data import cache as data_cache

    data_cache.forget_version()


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def entries(engine: Engine, *, limit: int = 100, offset: int = 0, user: str | None = None,
            action: str | None = None, subject: str | None = None, area: str | None = None) -> list[Entry]:
    """The trail, newest first, optionally for one user, action (or ``prefix.``), subject or area."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_ROWS:
        raise ValueError(f"limit must be between 1 and {MAX_ROWS}, not {limit!r}")
    query = select(audit)
    if user:
        query = query.where(audit.c.user_name == user)
    if action:
        query = query.where(audit.c.action.startswith(action) if action.endswith(".") else audit.c.action == action)
    if subject:
        query = query.where(audit.c.subject == subject)
    if area:
        query = query.where(audit.c.area_code == area)
    query = query.order_by(audit.c.id.desc()).limit(limit).offset(max(0, int(offset)))
    with engine.connect() as conn:
        return [Entry(r.id, r.at.replace(tzinfo=UTC), r.user_name, r.role, r.action, r.subject, r.area_code,
                      _load(r.before), _load(r.after)) for r in conn.execute(query)]
