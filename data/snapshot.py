"""What the query layer keeps between questions: the catalogue per data version, and statements.

Two caches, each for a reason:

- ``Snapshot``, per engine: the metric catalogue (54 rows every question looks up), the
  areas and children seen so far, and whether the roll-up is current. Made for one data
  version and replaced when it moves on; while the app has a cache it is trusted for the
  version the request's cache keys carry (``data.cache.trusted_version``), so a question
  asks the warehouse only its own SQL.
- ``statement``: the aggregate statements by shape, every value bound, built once, so a
  question costs SQLAlchemy a compiled-cache hit, not a rebuild of a UNION of windows
  (measured: building one costs 0.7 ms for a month's KPIs, 2.4 ms for a roll-up trend,
  plus its cache key; a kept statement's key is memoised).
"""
from __future__ import annotations

import threading
import weakref

from sqlalchemy import Connection, Engine, select

from data import areas as area_tree
from data import cache as data_cache
from data import version as data_versions
from data.areas import UnknownArea
from data.rollup import NAME as ROLLUP
from data.schema import metric as metric_table

__all__ = ["UnknownMetric", "UnknownArea", "Snapshot", "snapshot", "metric", "area", "children", "statement", "forget"]


class UnknownMetric(LookupError):
    """A metric code that is not in the ``metric`` table."""


class Snapshot:
    """The metric catalogue and the areas seen so far, for one warehouse version."""

    def __init__(self, version: int, metrics: dict[str, dict], rollup: bool = False):
        self.version = version
        self.metrics = metrics
        self.rollup = rollup  # fact_month is current for this version: whole months may be read from it
        self.areas: dict[str, dict] = {}
        self.children: dict[str, list[dict]] = {}


_snapshots: weakref.WeakKeyDictionary[Engine, Snapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _load_metrics(conn: Connection) -> dict[str, dict]:
    return {row.code: dict(row._mapping) for row in conn.execute(select(metric_table))}


def snapshot(engine: Engine, conn: Connection) -> Snapshot:
    """``engine``'s snapshot for its current data version (and whether the roll-up is current)."""
    snap = _snapshots.get(engine)
    if snap is not None and snap.version == data_cache.trusted_version(engine):
        return snap  # made for the version the cache trusts: its roll-up marker was read then
    version, marker = data_versions.read_state(conn, ROLLUP)
    if snap is None or snap.version != version:
        snap = Snapshot(version, _load_metrics(conn))
        with _lock:
            _snapshots[engine] = snap
    snap.rollup = marker is not None and marker == version
    return snap


def metric(snap: Snapshot, conn: Connection, code) -> dict:
    found = snap.metrics.get(code)
    if found is None and isinstance(code, str):
        # Catalogue rows loaded without an ETL run (tests, a manual fix): look again once.
        snap.metrics = _load_metrics(conn)
        found = snap.metrics.get(code)
    if found is None:
        raise UnknownMetric(f"metric {code!r} is not in the metric catalogue")
    return found


def area(snap: Snapshot, conn: Connection, code) -> dict:
    found = snap.areas.get(code)
    if found is None:
        found = area_tree.fetch(conn, code) if isinstance(code, str) else None
        if found is None:
            raise UnknownArea(f"area {code!r} is not in the area register")
        snap.areas[code] = found
    return found


def children(snap: Snapshot, conn: Connection, code: str) -> list[dict]:
    found = snap.children.get(code)
    if found is None:
        found = area_tree.fetch_children(conn, code)
        snap.children[code] = found
        for child in found:
            snap.areas.setdefault(child["code"], child)
    return found


def forget() -> None:
    """Drop every engine's snapshot (benchmarks timing a cold question)."""
    with _lock:
        _snapshots.clear()


# Statements by shape (engine, grain, key, and per part: kind and the tables it reads), with
# every value bound: built once, so a question costs SQLAlchemy a cache hit, not a rebuild.
_statements: dict[tuple, object] = {}


def statement(shape: tuple, build):
    """The statement for ``shape``, made by ``build(shape)`` the first time it is asked for."""
    found = _statements.get(shape)
    if found is None:
        found = build(shape)
        if len(_statements) > 1000:
            _statements.clear()
        _statements[shape] = found
    return found
