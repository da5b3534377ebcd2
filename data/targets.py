"""Targets per metric, area and year: the one rule every screen and the API asks.

A street may aim higher than the city, a community higher than its street. Staff set
targets in the console (``set_target``); ``target_for`` answers the target in force for a
metric in an area and a year, walking from the area up (community -> street -> district ->
city) to the first one set, else the catalogue's (``metric.target``, data/reference/metrics.csv),
and says where it came from, so a screen can say so ("目标 95%（街道设定）"). ``applied``
puts that answer into a catalogue row, where the pages have always read ``target``.

The ``target`` table keeps every change (never updated): the latest row of a metric, area
and year is in force; a row without a value clears that area's own target.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select

from data import areas, present, query, settings, text
from data import cache as data_cache
from data.db import engine_or_default, get_engine
from data.schema import target

CATALOGUE = "catalogue"  # the fallback's source: the metric catalogue's target
LEVELS = ("grid", "community", "street", "district", "city")  # an area's target source is its level
SOURCES = (*LEVELS, CATALOGUE)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # a year outside is a typo


class TargetError(ValueError):
    """A target that cannot be set: ``field`` names what is wrong, ``message(lang)`` says why."""

    def __init__(self, field: str, why: str, value: object):
        self.field, self.why, self.value = field, why, str(value)
        self.reason = self.message("en")
        super().__init__(f"{field}: {self.reason}")

    def message(self, lang: str | None) -> str:
        return text.t(f"target_error.{self.why}", lang, value=self.value, low=EARLIEST_YEAR, high=LATEST_YEAR)


@dataclass(frozen=True)
class Target:
    """A target in force: its value (None: no target at all), where it was set (an area's
    level, ``CATALOGUE``, or None) and the area that set it."""

    value: float | None
    source: str | None = None
    area: str | None = None

    def words(self, lang: str) -> str:
        """Where it came from, in words: "街道设定" / "set by the street", "" when nowhere."""
        return text.t(f"target_source.{self.source}", lang) if self.source else ""


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def read_in_force(conn: Connection) -> dict[tuple[str, str, int], float | None]:
    """{(metric, area, year): value} of the latest row of each, None where it was cleared."""
    latest = select(func.max(target.c.id)).group_by(target.c.metric_code, target.c.area_code, target.c.year)
    rows = conn.execute(select(target.c.metric_code, target.c.area_code, target.c.year, target.c.value)
                        .where(target.c.id.in_(latest)))
    return {(r.metric_code, r.area_code, int(r.year)): r.value for r in rows}


_memo: dict[str, tuple[str, dict]] = {}
_lock = threading.Lock()


def in_force(*, engine: Engine | None = None) -> dict[tuple[str, str, int], float | None]:
    """``read_in_force`` of the app's warehouse, kept in this process until the next load or
    console change (``data.cache.stamp``: a target is set through the console, which records
    it); read on every call for another engine or without an app cache."""
    if engine is not None or not data_cache.enabled():
        with engine_or_default(engine).connect() as conn:
            return read_in_force(conn)
    url = settings.database_url()
    revision = data_cache.stamp(url)
    with _lock:
        seen = _memo.get(url)
        if seen is not None and seen[0] == revision:
            return seen[1]
    with get_engine(url).connect() as conn:
        found = read_in_force(conn)
    with _lock:
        _memo[url] = (revision, found)
    return found


def resolve(metric: str, chain: list[dict], year: int, catalogue_target,
            table: dict[tuple[str, str, int], float | None]) -> Target:
    """The target of ``metric`` in the last area of ``chain`` (root first, as
    ``areas.ancestors`` gives it) for ``year``: the nearest area's own, else the catalogue's."""
    for place in reversed(chain):
        value = table.get((metric, place["code"], year))
        if not _missing(value):
            return Target(float(value), place["level"], place["code"])  # type: ignore[arg-type]
    if _missing(catalogue_target):
        return Target(None)
    return Target(float(catalogue_target), CATALOGUE)


def _chain(area: str, engine: Engine | None) -> list[dict]:
    try:
        return areas.ancestors(area, engine=engine)
    except areas.UnknownArea:
        return []


def target_for(metric: str, area: str, year: int, *, engine: Engine | None = None) -> Target:
    """The target in force for ``metric`` in ``area`` in ``year``, and where it was set."""
    info = query.metric_info(metric, engine=engine) or {}
    return resolve(metric, _chain(area, engine), year, info.get("target"), in_force(engine=engine))


def applied(info: dict, area: str, year: int, *, engine: Engine | None = None) -> dict:
    """A copy of the catalogue row ``info`` with the target in force in ``area`` and ``year``
    as its ``target``, and ``target_source``/``target_area`` saying where it was set.
    The catalogue's own target stays in ``catalogue_target``."""
    if not info:
        return info
    own = info.get("catalogue_target", info.get("target"))
    found = resolve(info["code"], _chain(area, engine), year, own, in_force(engine=engine))
    return {**info, "catalogue_target": own, "target": found.value, "target_source": found.source,
            "target_area": found.area}


def applied_all(infos: dict[str, dict], area: str, year: int, *, engine: Engine | None = None) -> dict[str, dict]:
    """``applied`` for every row of ``infos`` ({code: row}), reading the area chain and the table once."""
    return _applied_in(infos, _chain(area, engine), year, in_force(engine=engine))


def applied_each(infos: dict[str, dict], places: list[str], year: int, *,
                 engine: Engine | None = None) -> dict[str, dict[str, dict]]:
    """``applied_all`` in each of ``places`` ({area: {code: row}}), every area's chain read
    in one statement and the table once (a league asks it for each of its rows)."""
    chains, table = areas.ancestors_of(list(dict.fromkeys(places)), engine=engine), in_force(engine=engine)
    return {place: _applied_in(infos, chains[place], year, table) for place in chains}


def _applied_in(infos: dict[str, dict], chain: list[dict], year: int,
                table: dict[tuple[str, str, int], float | None]) -> dict[str, dict]:
    found = {}
    for code, info in infos.items():
        if not info:
            found[code] = info
            continue
        own = info.get("catalogue_target", info.get("target"))
        hit = resolve(info["code"], chain, year, own, table)
        found[code] = {**info, "catalogue_target": own, "target": hit.value, "target_source": hit.source,
                       "target_area": hit.area}
    return found


def source_words(info: dict, lang: str) -> str:
    """Where ``info``'s target (an ``applied`` row) was set, in words; "" for a plain catalogue row."""
    return Target(info.get("target"), info.get("target_source")).words(lang)


# --- setting ------------------------------------------------------------------------------

def check(metric: str, area: str, year, value, *, engine: Engine | None = None) -> tuple[str, str, int, float | None]:
    """The target as it will be stored, or ``TargetError`` naming the field and the reason."""
    info = query.metric_info(str(metric or ""), engine=engine)
    if info is None:
        raise TargetError("metric", "metric", metric)
    if areas.get(str(area or ""), engine=engine) is None:
        raise TargetError("area", "area", area)
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        raise TargetError("year", "year", year) from None
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise TargetError("year", "year", year)
    if value is None or (isinstance(value, str) and not value.strip()):
        return info["code"], str(area), year, None
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise TargetError("value", "number", value) from None
    if not math.isfinite(number):
        raise TargetError("value", "number", value)
    if number < 0:
        raise TargetError("value", "negative", present.show(number, info, "zh").text)
    if present.is_percent(info) and number > 1:
        raise TargetError("value", "rate", present.show(number, info, "zh").text)
    return info["code"], str(area), year, number


def set_target(conn: Connection, metric: str, area: str, year, value, user: str, *,
               engine: Engine | None = None) -> dict:
    """Record ``area``'s own target for ``metric`` in ``year`` (``value`` None clears it) in
    ``conn``'s transaction; returns the row written. ``TargetError`` for a bad one."""
    code, where, when, number = check(metric, area, year, value, engine=engine)
    row = {"metric_code": code, "area_code": where, "year": when, "value": number,
           "set_by": str(user), "set_at": settings.local_now().replace(tzinfo=None)}
    conn.execute(insert(target).values(**row))
    return row


def own(conn: Connection, metric: str, area: str, year: int) -> float | None:
    """``area``'s own target for ``metric`` in ``year`` as last set (None: not set, or cleared)."""
    return read_in_force(conn).get((metric, area, year))


def history(conn: Connection, area: str, year: int | None = None, limit: int = 50) -> list[dict]:
    """The latest changes to ``area``'s own targets, newest first."""
    query_ = select(target).where(target.c.area_code == area)
    if year is not None:
        query_ = query_.where(target.c.year == year)
    rows = conn.execute(query_.order_by(target.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def now_year() -> int:
    """This year where the dashboard runs (``CSB_TIMEZONE``)."""
    return settings.local_now().year

