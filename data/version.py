"""The data version: the id of the latest successful ETL load, 0 before the first.

Every cached answer's key carries it (``data.cache``), the query layer's catalogue
snapshot is made for it (``data.snapshot``), the wall's memo is keyed by it. This module
is the one place that says what it is and how the app reads it:

- ``latest`` is its SQL; ``read_state`` reads it with a roll-up's marker in the same
  round trip (the query layer needs both);
- ``Reader`` is the app's reader, made by the app factory and kept in
  ``app.extensions``: it re-reads the warehouse at most every ``CSB_VERSION_TTL``
  seconds per process, and within one Flask request it answers the value it gave first
  (pinned on ``flask.g``). A wall refresh is one request: its memo key and every cache
  key it makes carry one version, so figures computed for an older version can never be
  stored under a newer one (the wall's stale-figure race). A TTL of 0 trusts nothing, not
  even within a request: every use reads the warehouse.

The staff console changes what screens show without a load (a notice, a target, a
playlist). Each change is a row of its ``audit`` trail, so the trail's highest id counts
the console's edits; the Reader reads it in the same round trip as the data version, and
``stamp`` (the two together) is what cache keys carry: a console change is a miss on
every screen's next refresh, like a load. The data version itself (the API's
``data_version``, the roll-up's marker) stays the loads' alone.
"""
from __future__ import annotations

import os
import threading
import time

from flask import g, has_app_context
from sqlalchemy import Connection, bindparam, func, select

from data.schema import audit, etl_run, rollup_state

EXTENSION = "csb.data_version"  # the app's Reader, in app.extensions
_PINNED = "csb_data_versions"  # on flask.g: {database url: version} for the current request


def latest(before: int | None = None):
    """SELECT the latest successful load's id (before run ``before``, when given)."""
    query = select(func.max(etl_run.c.id)).where(etl_run.c.status == "success")
    if before is not None:
        query = query.where(etl_run.c.id < before)
    return query


def read(conn: Connection, before: int | None = None) -> int:
    return int(conn.execute(latest(before)).scalar() or 0)


_STATE = select(
    latest().scalar_subquery(),
    select(rollup_state.c.run_id).where(rollup_state.c.name == bindparam("marker")).scalar_subquery(),
)


def read_state(conn: Connection, marker: str) -> tuple[int, int | None]:
    """The data version and the load roll-up ``marker`` is current for, in one round trip."""
    row = conn.execute(_STATE, {"marker": marker}).one()
    return int(row[0] or 0), row[1]


_WITH_EDITS = select(latest().scalar_subquery(), select(func.max(audit.c.id)).scalar_subquery())


def read_with_edits(conn: Connection) -> tuple[int, int]:
    """(the data version, the console's edit count) in one round trip."""
    row = conn.execute(_WITH_EDITS).one()
    return int(row[0] or 0), int(row[1] or 0)


def stamp_of(version: int, edits: int) -> str:
    """What a cache key carries: the loads' version, and the console's edits when there are any."""
    return f"{version}.{edits}" if edits else str(version)


def read_fresh(url: str | None = None) -> int:
    """The version as the warehouse says it now (raises when the warehouse is away)."""
    return read_fresh_with_edits(url)[0]


def read_fresh_with_edits(url: str | None = None) -> tuple[int, int]:
    """(version, console edits) as the warehouse says them now (raises when it is away)."""
    from data.db import get_engine, read_connection

    with read_connection(get_engine(url)) as conn:
        return read_with_edits(conn)


class Reader:
    """The app's data version: trusted for ``ttl`` seconds per process, one value per request."""

    def __init__(self, ttl: float | None = None):
        self.ttl = float(os.environ.get("CSB_VERSION_TTL", "1")) if ttl is None else float(ttl)
        # database url -> (read at, (version, console edits))
        self._seen: dict[str, tuple[float, tuple[int, int]]] = {}
        self._lock = threading.Lock()

    def recent(self, url: str) -> tuple[int, int]:
        """(version, edits) read at most ``ttl`` seconds ago in this process (read now if older)."""
        seen = self._seen.get(url)
        if seen and time.monotonic() - seen[0] < self.ttl:
            return seen[1]
        with self._lock:
            seen = self._seen.get(url)  # another thread may have just read it
            if seen and time.monotonic() - seen[0] < self.ttl:
                return seen[1]
            both = read_fresh_with_edits(url)
            self._seen[url] = (time.monotonic(), both)
            return both

    def forget(self) -> None:
        """Trust nothing read so far: this process has just changed what the version says (a
        console edit committed), so the next request reads it again instead of serving up
        to ``ttl`` seconds of the old one (an overview opened right after a target was saved
        showed the old target, and kept it)."""
        with self._lock:
            self._seen.clear()

    def both(self, url: str) -> tuple[int, int]:
        """(version, edits) for the current request: the first ones it was given, or ``recent``."""
        if self.ttl <= 0 or not has_app_context():
            return self.recent(url)
        pinned = g.setdefault(_PINNED, {})
        both = pinned.get(url)
        if both is None:
            both = pinned[url] = self.recent(url)
        return both

    def __call__(self, url: str) -> int:
        """The data version for the current request (see ``both``)."""
        return self.both(url)[0]

    def stamp(self, url: str) -> str:
        """What this request's cache keys carry: the version and the console's edits (``stamp_of``)."""
        return stamp_of(*self.both(url))
