"""The lobby screens as the console sees them: their tokens, their last contact, "reload now".

The screens are the kiosk tokens (``python -m auth add-token SCREEN --area CODE``, the
tokens file); the warehouse's ``screen`` table adds when each last reached the server and
when staff last asked it to reload. The access guard calls ``seen`` for every request a
kiosk screen makes (written at most once a minute per screen and process); the wall's
refresh answer carries ``reload_stamp`` and ``assets/wall.js`` reloads the page when it
changes. A screen's area is its token's; a token made without ``--area`` shows any area
and is an admin's to manage.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from console import audit
from data.schema import screen

log = logging.getLogger("csb.console")
#: Seconds between two writes of one screen's last contact by one process: a wall asks
#: several times a minute, its contact matters to the minute.
SEEN_EVERY = 60.0
_written: dict[str, float] = {}
_lock = threading.Lock()


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _upsert(conn, name: str, values: dict) -> None:
    if conn.execute(update(screen).where(screen.c.name == name).values(**values)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(screen).values(name=name, **values))
    except IntegrityError:  # another worker made the row meanwhile
        conn.execute(update(screen).where(screen.c.name == name).values(**values))


def seen(name: str, engine: Engine | None = None) -> None:
    """Record that screen ``name`` reached the server now (at most every ``SEEN_EVERY`` s)."""
    now = time.monotonic()
    with _lock:
        if now - _written.get(name, -SEEN_EVERY) < SEEN_EVERY:
            return
        _written[name] = now
    try:
        if engine is None:
            from data.db import get_engine

            engine = get_engine()
        with engine.begin() as conn:
            _upsert(conn, name, {"last_seen_at": _utc_now()})
    except Exception as err:  # noqa: BLE001 - a screen is served whether or not its contact is written
        log.warning("could not record the contact of screen %s: %s", name, str(err).splitlines()[0] if str(err) else err)
        with _lock:
            _written.pop(name, None)


def forget_seen() -> None:
    """Write the next contact of every screen at once (tests)."""
    with _lock:
        _written.clear()


def reload_stamp(name: str, engine: Engine | None = None) -> str:
    """The screen's last reload request ('' for none): what the wall compares between refreshes."""
    if engine is None:
        from data.db import get_engine

        engine = get_engine()
    with engine.connect() as conn:
        at = conn.execute(select(screen.c.reload_at).where(screen.c.name == name)).scalar()
    return at.isoformat() if isinstance(at, datetime) else ""


def request_reload(engine: Engine, who, name: str, area: str | None) -> dict:
    """Ask screen ``name`` to reload at its next refresh; audited. Returns its row after."""
    with engine.begin() as conn:
        row = conn.execute(select(screen).where(screen.c.name == name)).first()
        before = {"name": name, "reload_at": row.reload_at, "reload_by": row.reload_by} if row is not None else None
        at = _utc_now()
        if before is not None and before["reload_at"] is not None and before["reload_at"] >= at:
            at = before["reload_at"].replace(microsecond=0) + timedelta(seconds=1)  # two in one second: a new stamp
        _upsert(conn, name, {"reload_at": at, "reload_by": who.name})
        after = {"name": name, "reload_at": at, "reload_by": who.name}
        audit.record(conn, who, "screen.reload", f"screen:{name}", before, after, area=area)
    return after


def listing(tokens: list[dict], engine: Engine) -> list[dict]:
    """The screens of the tokens file (``TokenStore.list()``), each with its last contact and
    last reload request (UTC, aware; None when never)."""
    with engine.connect() as conn:
        rows = {r.name: r for r in conn.execute(select(screen))}
    found = []
    for token in tokens:
        row = rows.get(token["screen"])
        found.append({
            "screen": token["screen"], "area": token.get("area") or None, "created_at": token.get("created_at"),
            "last_seen_at": row.last_seen_at.replace(tzinfo=UTC) if row is not None and row.last_seen_at else None,
            "reload_at": row.reload_at.replace(tzinfo=UTC) if row is not None and row.reload_at else None,
            "reload_by": row.reload_by if row is not None else None,
        })
    return found
