"""Is every source delivering? Per-source health from ``etl_run`` and ``etl_reject``.

Each source system has an expected delivery rhythm (daily, weekly, monthly) and a few
days of grace, set in ``etl/sources.yaml``. A source is overdue when its last
successful load is older than one rhythm step plus the grace; the data-health page
shows that, the row counts of the last load and the latest reasons rows were refused,
so whoever runs the ETL knows which export to chase before the leaders notice a flat line.

A load on time is not yet data on time: an export can arrive every day and still stop at
October. So each source also has its *data-through date* (``data.coverage``) and a
``data_status`` read from it with the same rhythm and grace (``reach``), and the page
counts refused rows and field warnings over a chosen period (``PERIODS``, ``since``).
``etl_reject.raw`` (the row as stored, cut at a few KB by the loader) is read whole only
for the download, and only for the rows of the page or download asked for.

The configuration is read as plain YAML (this module does not import ``etl``).
"""
from __future__ import annotations

import calendar
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, Engine, and_, exists, func, select

from data import coverage, periods, settings
from data.db import engine_or_default
from data.schema import etl_reject, etl_run, metric
from data.settings import PROJECT_ROOT

SOURCES_FILE = PROJECT_ROOT / "etl" / "sources.yaml"

#: The source systems of the warehouse contract, in the order the page lists them.
SOURCES = ("hotline", "grid_events", "activities", "volunteers", "party", "services", "care", "needs", "merchants",
           "funds", "areas", "content")

RHYTHMS = ("daily", "weekly", "monthly")

#: Statuses, worst first: never loaded, overdue, last attempt failed, due (inside the
#: grace days), on time.
STATUSES = ("never", "overdue", "failed", "due", "ok")

#: What an ``etl_reject`` row is: the row turned away, or the row kept with one field unusable.
SEVERITIES = ("refused", "warning")

#: The periods the data page counts refusals and warnings over: names of ``data.periods``, and "all".
PERIODS = ("last_7_days", "last_30_days", "this_month", "all")
DEFAULT_PERIOD = "last_30_days"

# Runs that read a delivery. "unchanged" (the same file again), "running" and "retry" (an
# operator's release of a quarantined file) did not; "quarantined" failed the same way twice.
_ATTEMPTS = ("success", "failed", "quarantined")
_FAILED = ("failed", "quarantined")


@dataclass(frozen=True)
class Rhythm:
    """How often a source should deliver, and how many days late is still fine."""

    rhythm: str | None  # daily|weekly|monthly; None when the configuration gives none
    grace_days: int = 0
    description: str | None = None  # "中文 / English", as the configuration words it


# The rhythms as last read, by file: the overview asks on every render, and parsing the YAML
# each time cost ~5 ms. A file's stamp (inode, modification time, size) changes when it is
# edited or replaced, so an edit is read at the next call; a bad file raises every time.
_read: dict[Path, tuple[tuple[int, int, int], dict[str, Rhythm]]] = {}
_read_lock = threading.Lock()


def rhythms(path: Path | str | None = None) -> dict[str, Rhythm]:
    """Every source's rhythm from ``etl/sources.yaml`` (missing file: no rhythms), read
    again only when the file changes.

    Accepts the sources as a mapping at the top level or under ``sources:``, or as a
    list of mappings naming themselves with ``name`` or ``source``; a rhythm outside
    daily|weekly|monthly is a configuration error and says where it is.
    """
    path = Path(path) if path else SOURCES_FILE
    key = path.absolute()
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _read_lock:
        cached = _read.get(key)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])  # a copy: a caller's change never reaches the next caller
    found = _parse_rhythms(path)
    with _read_lock:
        _read[key] = (stamp, found)
    return dict(found)


def _parse_rhythms(path: Path) -> dict[str, Rhythm]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("sources", document) if isinstance(document, dict) else document
    if isinstance(entries, list):
        entries = {str(e.get("name") or e.get("source")): e for e in entries if isinstance(e, dict)}
    found: dict[str, Rhythm] = {}
    for name, entry in (entries or {}).items():
        if not isinstance(entry, dict):
            continue
        rhythm = entry.get("rhythm")
        if rhythm is not None and rhythm not in RHYTHMS:
            raise ValueError(f"{path}: source {name!r}, field 'rhythm': {rhythm!r} is not one of {', '.join(RHYTHMS)}")
        try:
            grace = int(entry.get("grace_days") or 0)
        except (TypeError, ValueError):
            raise ValueError(f"{path}: source {name!r}, field 'grace_days': {entry.get('grace_days')!r} "
                             "is not a whole number") from None
        description = entry.get("description")
        found[str(name)] = Rhythm(rhythm, grace, str(description) if description else None)
    return found


def next_delivery(last: date, rhythm: str) -> date:
    """When the delivery after one on ``last`` is expected: a day, a week or a calendar
    month later (31 January -> 28 or 29 February)."""
    if rhythm == "daily":
        return last + timedelta(days=1)
    if rhythm == "weekly":
        return last + timedelta(days=7)
    if rhythm == "monthly":
        year, month = (last.year + 1, 1) if last.month == 12 else (last.year, last.month + 1)
        return last.replace(year=year, month=month, day=min(last.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"rhythm must be one of {', '.join(RHYTHMS)}, not {rhythm!r}")


def status(last_loaded: date | None, rhythm: Rhythm, today: date, *, last_attempt_failed: bool = False) -> str:
    """The badge of one source: never, overdue, failed, due or ok (see ``STATUSES``).

    ``due`` means the next delivery is late but still inside its grace days; ``overdue``
    means the grace is used up too. ``last_attempt_failed`` (a delivery that could not
    be loaded and has not been loaded since) shows as ``failed`` unless the source is
    already overdue, which is the more urgent news.
    """
    if last_loaded is None:
        return "failed" if last_attempt_failed else "never"
    if rhythm.rhythm is not None:
        expected = next_delivery(last_loaded, rhythm.rhythm)
        if today > expected + timedelta(days=rhythm.grace_days):
            return "overdue"
    if last_attempt_failed:
        return "failed"
    if rhythm.rhythm is not None and today > next_delivery(last_loaded, rhythm.rhythm):
        return "due"
    return "ok"


def reach(through: date | None, rhythm: Rhythm, today: date) -> str:
    """The badge of a source's data: never, overdue, due or ok by its data-through date.

    Data through a day is what a delivery on the next day holds (November's report,
    through 30 November, counts as delivered on 1 December), so the rhythm and grace of
    ``status`` apply unchanged: a daily source with data through 2 December is due on the
    5th, and the party report still through October is overdue once December's grace days
    are gone. None (the source never covered a day): never.
    """
    if through is None:
        return "never"
    return status(through + timedelta(days=1), rhythm, today)


DUE, OVERDUE = "due", "overdue"  # what a source owes (``reach``): past its day; past its grace days too


def owed(source: str, through: date, today: date, rhythms: dict[str, Rhythm]) -> str | None:
    """``DUE`` or ``OVERDUE`` when ``source``, with data through ``through``, owes a delivery
    on ``today``; None when nothing is owed yet: ``reach`` with the source's rhythm and grace
    days (``rhythms``, from ``rhythms()``). The data page's rule, which the overview's "needs
    attention" and cards and the wall's panels ask too: a report not yet owed is not late."""
    found = reach(through, rhythms.get(source, Rhythm(None)), today)
    return found if found in (DUE, OVERDUE) else None


def since(period: str | None, today: date) -> date | None:
    """The first day of ``period`` (one of ``PERIODS``; None: the default) on ``today``,
    from ``data.periods``; None for "all" (no lower bound)."""
    period = period or DEFAULT_PERIOD
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    if period == "all":
        return None
    return periods.resolve(period, today).start


def severity_rank(entry: dict) -> int:
    """Where a source's card stands, worst first (``STATUSES``): the worse of its loads'
    status and its data's, since loads on time with data stuck in October need chasing too."""
    ranks = [STATUSES.index(entry["status"])]
    if entry.get("data_status"):
        ranks.append(STATUSES.index(entry["data_status"]))
    return min(ranks)


def ordered(found: list[dict], name: Callable[[dict], str] = lambda entry: entry["source"]) -> list[dict]:
    """The sources worst first (``severity_rank``), then by ``name`` (default: the code)."""
    return sorted(found, key=lambda entry: (severity_rank(entry), name(entry)))


def _from(day: date | None):
    """The runs started on or after ``day`` (``started_at`` is local time, like ``today``)."""
    return etl_run.c.started_at >= datetime.combine(day, time.min) if day is not None else None


def _run(row) -> dict | None:
    return dict(row._mapping) if row is not None else None


_RUN_COLUMNS = (
    etl_run.c.id, etl_run.c.source, etl_run.c.location, etl_run.c.started_at, etl_run.c.finished_at,
    etl_run.c.status, etl_run.c.rows_read, etl_run.c.rows_loaded, etl_run.c.rows_rejected, etl_run.c.message,
)


def sources(today: date | None = None, *, engine: Engine | None = None, reasons: int = 3,
            config: dict[str, Rhythm] | None = None, since: date | None = None) -> list[dict]:
    """One dict per source: its rhythm, last good load, last attempt, status, its
    data-through date (the last day its loads cover, ``data.coverage``) and ``data_status``
    (``reach``; None for a source that feeds no metric and covers no days, like the area
    register), and, over the runs started on or after ``since`` (None: all), ``counts``
    of refused rows and field warnings and the latest ``reasons`` of each (row, field, reason).

    Lists the nine contract sources first, then any other source that has runs or a
    rhythm, so a new source is never hidden; ``ordered`` puts the worst first.
    """
    today = today or settings.local_today()
    config = rhythms() if config is None else config
    engine = engine_or_default(engine)
    through = coverage.through(engine=engine)
    counts = reject_counts(since, engine=engine)
    in_period = [c for c in (_from(since),) if c is not None]
    with engine.connect() as conn:
        seen = [r for (r,) in conn.execute(select(etl_run.c.source).distinct())]
        dated = {r for (r,) in conn.execute(select(metric.c.source).distinct()) if r}
        names = list(SOURCES) + sorted({*seen, *config} - set(SOURCES))
        found = []
        for name in names:
            last_good = _run(conn.execute(
                select(*_RUN_COLUMNS).where(etl_run.c.source == name, etl_run.c.status == "success")
                .order_by(etl_run.c.id.desc()).limit(1)
            ).first())
            last_attempt = _run(conn.execute(
                select(*_RUN_COLUMNS).where(etl_run.c.source == name, etl_run.c.status.in_(_ATTEMPTS))
                .order_by(etl_run.c.id.desc()).limit(1)
            ).first())
            last_run = _run(conn.execute(
                select(*_RUN_COLUMNS).where(etl_run.c.source == name).order_by(etl_run.c.id.desc()).limit(1)
            ).first())
            refusals, warnings = ([dict(r._mapping) for r in conn.execute(
                select(etl_reject.c.run_id, etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason)
                .join(etl_run, etl_run.c.id == etl_reject.c.run_id)
                .where(etl_run.c.source == name, etl_reject.c.severity == severity, *in_period)
                .order_by(etl_reject.c.run_id.desc(), etl_reject.c.row_number, etl_reject.c.id)
                .limit(reasons)
            )] for severity in SEVERITIES)
            unresolved = _unresolved(conn, name)
            rhythm = config.get(name, Rhythm(None))
            loaded_at = _loaded_at(last_good)
            failed = bool(unresolved) or (last_attempt is not None and last_attempt["status"] in _FAILED)
            loaded_on = loaded_at.date() if loaded_at else None
            data_through = through.get(name)
            found.append(dict(
                source=name,
                description=rhythm.description,
                rhythm=rhythm.rhythm,
                grace_days=rhythm.grace_days,
                last_loaded_at=loaded_at,
                days_since=(today - loaded_on).days if loaded_on else None,
                expected_by=(next_delivery(loaded_on, rhythm.rhythm) + timedelta(days=rhythm.grace_days)
                             if loaded_on and rhythm.rhythm else None),
                last_load=last_good,
                last_attempt=last_attempt,
                last_run=last_run,
                status=status(loaded_on, rhythm, today, last_attempt_failed=failed),
                unresolved=unresolved,
                reasons=refusals,
                warnings=warnings,
                counts=counts.get(name, dict.fromkeys(SEVERITIES, 0)),
                data_through=data_through,
                data_status=(reach(data_through, rhythm, today)
                             if data_through is not None or name in dated else None),
            ))
    return found


def _unresolved(conn, name: str, limit: int = 5) -> list[dict]:
    """Failed runs of ``name`` whose file has not loaded since: a month's export refused
    whole stays a gap in the figures even after later files load fine. A quarantined one
    (status ``quarantined``: it failed the same way twice and is no longer retried) stays
    here until a new delivery of that file loads or an operator retries it."""
    later = etl_run.alias("later")
    rows = conn.execute(
        select(*_RUN_COLUMNS)
        .where(etl_run.c.source == name, etl_run.c.status.in_(_FAILED))
        .where(~exists().where(and_(
            later.c.source == name, later.c.status.in_(("success", "unchanged")),
            later.c.location == etl_run.c.location, later.c.id > etl_run.c.id,
        )))
        .order_by(etl_run.c.id.desc()).limit(limit * 10)
    )
    latest: dict[str | None, dict] = {}  # one entry per file: its latest failure
    for row in rows:
        latest.setdefault(row.location, dict(row._mapping))
    return list(latest.values())[:limit]


def _loaded_at(run: dict | None) -> datetime | None:
    if run is None:
        return None
    return run["finished_at"] or run["started_at"]


def recent_runs(limit: int = 50, *, engine: Engine | None = None, since: date | None = None,
                source: str | None = None) -> list[dict]:
    """The latest ``limit`` runs (of ``source``, default every source; started on or after
    ``since``, default ever), newest first."""
    conditions = [c for c in (_from(since),) if c is not None]
    if source:
        conditions.append(etl_run.c.source == source)
    with engine_or_default(engine).connect() as conn:
        rows = conn.execute(select(*_RUN_COLUMNS).where(*conditions).order_by(etl_run.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]


#: Characters of a stored row the page shows (``rejects(preview=...)``); the download has them all.
RAW_PREVIEW = 300


def rejects(since: date | None = None, *, source: str | None = None, severity: str | None = None,
            limit: int | None = 200, raw: bool = False, preview: int = 0, offset: int = 0,
            engine: Engine | None = None) -> list[dict]:
    """Refused rows and field warnings (``severity``, default both) of the runs started on
    or after ``since`` (default ever), of ``source`` (default every source), newest run first,
    in row order; at most ``limit`` (None: all) from ``offset`` on (a page).

    The stored row (``raw``, personal data removed and cut at a few KB by the loader) is
    never read to find or sort the page: the page's rows are found by their keys, then
    their stored rows read, whole when asked (the download), their first ``preview``
    characters (ending "…" when cut) for the page's grids, and not at all otherwise.
    """
    columns: list[ColumnElement[Any]] = [
        etl_reject.c.id, etl_run.c.source, etl_run.c.location, etl_run.c.started_at, etl_reject.c.run_id,
        etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason, etl_reject.c.severity]
    query = (select(*columns)
             .join(etl_run, etl_run.c.id == etl_reject.c.run_id)
             .order_by(etl_reject.c.run_id.desc(), etl_reject.c.row_number, etl_reject.c.id))
    if since is not None:
        query = query.where(_from(since))
    if source:
        query = query.where(etl_run.c.source == source)
    if severity:
        query = query.where(etl_reject.c.severity == severity)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    with engine_or_default(engine).connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(query)]
        if raw or preview:
            stored: dict[int, tuple[str | None, int | None]] = {}
            text = etl_reject.c.raw if raw else func.substr(etl_reject.c.raw, 1, preview)
            ids = [row["id"] for row in found]
            for start in range(0, len(ids), 500):
                for key, value, length in conn.execute(
                        select(etl_reject.c.id, text, func.length(etl_reject.c.raw))
                        .where(etl_reject.c.id.in_(ids[start:start + 500]))):
                    stored[key] = (value, length)
            for row in found:
                value, length = stored.get(row["id"], (None, None))
                row["raw"] = value + "…" if value is not None and not raw and (length or 0) > preview else value
    for row in found:
        row.pop("id")
    return found


def recent_rejects(limit: int = 200, *, engine: Engine | None = None) -> list[dict]:
    """The latest ``limit`` refused rows and field warnings (``severity``) with their source,
    newest run first, in row order (``rejects`` of every period, without the stored row)."""
    return rejects(limit=limit, engine=engine)


def reject_counts(since: date | None = None, *, engine: Engine | None = None) -> dict[str, dict[str, int]]:
    """{source: {"refused": n, "warning": n}} over the runs started on or after ``since``
    (None: ever); a source with neither is left out."""
    query = (select(etl_run.c.source, etl_reject.c.severity, func.count())
             .select_from(etl_reject.join(etl_run, etl_run.c.id == etl_reject.c.run_id))
             .group_by(etl_run.c.source, etl_reject.c.severity))
    if since is not None:
        query = query.where(_from(since))
    found: dict[str, dict[str, int]] = {}
    with engine_or_default(engine).connect() as conn:
        for source, severity, count in conn.execute(query):
            found.setdefault(source, dict.fromkeys(SEVERITIES, 0))[severity] = int(count)
    return found


def summary(found: list[dict]) -> dict[str, int]:
    """How many sources are in each status, for the page's headline."""
    counts = {s: 0 for s in STATUSES}
    for entry in found:
        counts[entry["status"]] += 1
    counts["total"] = len(found)
    return counts
