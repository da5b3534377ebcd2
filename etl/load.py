"""Writing one delivery into the warehouse: one transaction, recorded in ``etl_run``.

A delivery's facts *replace* that source's facts for the days and streets it covers (every
registered community of each street it names, unless the source declares its communities):
a corrected re-delivery never adds to the first one, even when it moves records between
communities. Each load also records what its data covers (``etl_coverage``). The same bytes loaded again change
nothing. A refused file leaves the warehouse as it was; only its failed run is recorded,
in a transaction of its own. A big file is written chunk by chunk inside that one
transaction (:class:`Load`), so memory holds one chunk and readers see all of it or none.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    ARRAY,
    Connection,
    DateTime,
    Engine,
    Transaction,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from data import settings
from data.db import driver_connection, new_id
from data.schema import area, etl_coverage, etl_reject, etl_run, fact, metric
from etl.groups import distinct_rows
from etl.monthly import MonthRollup

FACT_COLUMNS = ["period", "area_code", "metric_code", "dimension", "member", "value"]
CHUNK = 500  # bind parameters per IN list, well under every engine's limit
BATCH = 200_000  # rows per executemany or COPY write
ROWS_PER_INSERT = 100  # rows in one SQLite INSERT ... VALUES statement (7 columns: 700 parameters)
SAMPLE_REJECTS = 100  # rejects kept with a run that failed because every row was refused
CACHE_KIB = 256 * 1024  # SQLite page cache while a load writes: fewer dirty pages spilled twice


@dataclass
class Output:
    """What a source makes of one delivery.

    ``facts`` has the columns of :data:`FACT_COLUMNS`. ``periods``/``communities`` say
    what the delivery covers (default: what its facts cover); the source's ``metrics``
    for those are replaced. ``store`` is an optional extra write in the same
    transaction, ``store(conn, run_id)``, for sources that fill other tables (content).
    ``people`` (sources that count distinct people) go to the ETL's own reach store, never
    to the warehouse, which gets their aggregates (:mod:`etl.reach`).
    """

    facts: pd.DataFrame
    rejects: pd.DataFrame | None = None
    warnings: pd.DataFrame | None = None  # rows kept, a field of theirs not: same columns as rejects
    rows_read: int = 0
    rows_loaded: int = 0
    periods: list[date] | None = None
    communities: list[str] | None = None
    store: Callable[[Connection, int], None] | None = None
    notes: list[str] = field(default_factory=list)
    covers: tuple[date, date] | None = None
    people: pd.DataFrame | None = None  # who took part, pseudonymised (etl.reach.people): for the reach store only

    def coverage(self) -> tuple[date, date] | None:
        """The first and last day whose data this delivery holds: ``covers`` when the
        source says (a monthly report covers its whole months), else its facts' span.
        Not the replaced scope: a weekly delivery replaces whole months of monthly stocks
        but holds data only up to its last day."""
        if self.covers is not None:
            return self.covers
        if self.facts is None or not len(self.facts):
            return None
        days = pd.to_datetime(self.facts["period"])
        return days.min().date(), days.max().date()

    def scope(self) -> tuple[list[date], list[str]]:
        """The days and community codes whose facts this delivery replaces."""
        has_facts = self.facts is not None and len(self.facts) > 0
        periods = self.periods
        if periods is None:
            days = (pd.to_datetime(pd.Series(self.facts["period"].unique())) if has_facts
                    else pd.Series([], dtype="datetime64[us]"))
            periods = sorted(set(days.dt.date))
        communities = self.communities
        if communities is None:
            codes = pd.Series(self.facts["area_code"].unique() if has_facts else [], dtype=str)
            communities = sorted(set(codes.str[:12]))
        return list(periods), list(communities)


@dataclass
class RunResult:
    run_id: int
    source: str
    location: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""


def _now() -> datetime:
    return settings.local_now().replace(microsecond=0)


def previous_success(engine: Engine, source: str, checksum: str) -> int | None:
    """Id of an earlier successful load of exactly these bytes for this source."""
    with engine.connect() as conn:
        return conn.execute(
            select(etl_run.c.id)
            .where(etl_run.c.source == source, etl_run.c.checksum == checksum, etl_run.c.status == "success")
            .order_by(etl_run.c.id.desc())
            .limit(1)
        ).scalar()


def loaded_checksums(engine: Engine, source: str) -> dict[str, int]:
    """Every checksum ``source`` loaded successfully, with its latest such run: one query
    for a whole folder of deliveries, so a pass over unchanged files reads no run per file."""
    with engine.connect() as conn:
        rows = conn.execute(select(etl_run.c.checksum, func.max(etl_run.c.id))
                            .where(etl_run.c.source == source, etl_run.c.status == "success",
                                   etl_run.c.checksum.is_not(None))
                            .group_by(etl_run.c.checksum)).all()
    return {checksum: run_id for checksum, run_id in rows}


def failing_locations(engine: Engine, source: str) -> set[str]:
    """The locations of ``source`` whose latest attempt failed: an unchanged file there is
    still said on its own line (its failure is resolved by the bytes that loaded before)."""
    latest = (select(etl_run.c.location, func.max(etl_run.c.id).label("id"))
              .where(etl_run.c.source == source, etl_run.c.status.in_(("success", "unchanged", *FAILURES)))
              .group_by(etl_run.c.location).subquery())
    with engine.connect() as conn:
        return set(conn.execute(select(etl_run.c.location).join(latest, latest.c.id == etl_run.c.id)
                                .where(etl_run.c.status.in_(FAILURES))).scalars())


def record_unchanged(engine: Engine, source: str, location: str, runs: list[int], started_at: datetime,
                     checksum: str | None = None) -> RunResult:
    """One line for a pass over ``source`` that found its deliveries at ``location`` unchanged
    (``runs``: the earlier loads of their bytes). When the source's latest run is already
    such a line for the same place, that line is brought up to date (checked again at
    ``started_at``) instead of a new one: checking every few minutes adds no rows while
    nothing arrives, and ``etl status`` and the data page still say when it last looked."""
    files = len(runs)
    message = (f"与第 {runs[0]} 次运行的文件相同 / same file as run {runs[0]}; nothing changed" if files == 1 else
               f"{files} 个文件均未变 / {files} files unchanged (same bytes as runs {min(runs)}..{max(runs)}); "
               f"nothing changed")
    with engine.begin() as conn:
        last = conn.execute(select(etl_run.c.id, etl_run.c.status, etl_run.c.location)
                            .where(etl_run.c.source == source).order_by(etl_run.c.id.desc()).limit(1)).first()
        if last is not None and last.status == "unchanged" and last.location == location:
            run_id = last.id
            conn.execute(update(etl_run).where(etl_run.c.id == run_id).values(
                started_at=started_at, finished_at=_now(), checksum=checksum, message=message))
        else:
            run_id = new_id(conn.execute(insert(etl_run).values(
                source=source, location=location, checksum=checksum, started_at=started_at, finished_at=_now(),
                status="unchanged", rows_read=0, rows_loaded=0, rows_rejected=0, message=message)))
    return RunResult(run_id, source, location, "unchanged", message=message)


def record_run(engine: Engine, source: str, location: str, checksum: str | None, started_at: datetime,
               status: str, message: str, rows_read: int = 0, rows_rejected: int = 0,
               rejects: pd.DataFrame | None = None) -> RunResult:
    """A run that wrote no facts (unchanged, failed, quarantined, an operator's retry), in
    a transaction of its own; with ``rejects`` (a failed run whose every row was refused:
    the first of them), those too, so the data page can say why."""
    with engine.begin() as conn:
        run_id = new_id(conn.execute(insert(etl_run).values(
            source=source, location=location, checksum=checksum, started_at=started_at,
            finished_at=_now(), status=status, rows_read=rows_read, rows_loaded=0, rows_rejected=rows_rejected,
            message=message,
        )))
        if rejects is not None and len(rejects):
            _store_rejects(conn, run_id, rejects, "refused")
    return RunResult(run_id, source, location, status, rows_read, rows_rejected=rows_rejected, message=message)


#: Statuses of a run that tried a delivery's bytes and ended: what decides whether the
#: bytes are quarantined (see :func:`quarantined`).
FAILURES = ("failed", "quarantined")


def failures_since_retry(engine: Engine, source: str, checksum: str) -> list[str]:
    """The messages of the failed runs of these bytes for this source since an operator
    last asked to retry them (``python -m etl retry``), newest first."""
    with engine.connect() as conn:
        retried = conn.execute(select(func.max(etl_run.c.id)).where(
            etl_run.c.source == source, etl_run.c.checksum == checksum, etl_run.c.status == "retry")).scalar() or 0
        return [m or "" for m in conn.execute(
            select(etl_run.c.message).where(etl_run.c.source == source, etl_run.c.checksum == checksum,
                                            etl_run.c.status.in_(FAILURES), etl_run.c.id > retried)
            .order_by(etl_run.c.id.desc()).limit(5)).scalars()]


def quarantined(engine: Engine, source: str, checksum: str) -> dict | None:
    """The run that quarantined these bytes, when that is the latest word on them (no
    operator's retry or successful load since); else None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(etl_run.c.id, etl_run.c.status, etl_run.c.message, etl_run.c.location)
            .where(etl_run.c.source == source, etl_run.c.checksum == checksum,
                   etl_run.c.status.in_(("quarantined", "retry", "success")))
            .order_by(etl_run.c.id.desc()).limit(1)).first()
    return dict(row._mapping) if row is not None and row.status == "quarantined" else None


def quarantined_runs(engine: Engine, source: str | None = None) -> list[dict]:
    """Every (source, bytes) quarantined now, its latest quarantining run each."""
    with engine.connect() as conn:
        query = select(etl_run.c.id, etl_run.c.source, etl_run.c.checksum, etl_run.c.location, etl_run.c.message,
                       etl_run.c.status).where(etl_run.c.status.in_(("quarantined", "retry", "success")),
                                               etl_run.c.checksum.is_not(None))
        if source:
            query = query.where(etl_run.c.source == source)
        latest: dict[tuple[str, str], dict] = {}
        for row in conn.execute(query.order_by(etl_run.c.id.desc())):
            latest.setdefault((row.source, row.checksum), dict(row._mapping))
    return [run for run in latest.values() if run["status"] == "quarantined"]


#: Characters of a refused row (``etl_reject.raw``) and of a reason that are stored; the
#: rest is cut and the cut marked (:func:`bounded`): a 400 MB cell is not a row to keep.
STORED_CHARS = 4096


def bounded(texts: pd.Series, limit: int = STORED_CHARS) -> pd.Series:
    """``texts`` with every text over ``limit`` characters cut there and marked
    ``…[已截断 / truncated: N characters in all]``."""
    texts = texts.astype(object)
    lengths = texts.map(lambda v: len(v) if isinstance(v, str) else 0)
    long = lengths > limit
    if not long.any():
        return texts
    cut = texts.copy()
    cut[long] = [f"{v[:limit]}…[已截断，原文 {n:,} 字符 / truncated: {n:,} characters in all]"
                 for v, n in zip(texts[long], lengths[long])]
    return cut


def _store_rejects(conn: Connection, run_id: int, frame: pd.DataFrame, severity: str) -> None:
    rows = frame[["row_number", "field", "reason", "raw"]].copy()
    rows["reason"] = bounded(rows["reason"])
    rows["raw"] = bounded(rows["raw"])
    rows.insert(0, "run_id", run_id)
    rows["severity"] = severity
    bulk_insert(conn, etl_reject, rows)


class Load:
    """The write of one delivery: one transaction from its first chunk to its last.

    ``with Load(...) as load: load.add(output) ...; load.commit()``. Each chunk's facts
    go in as they come (a fact another chunk already wrote is added to: facts are sums
    of rows), its rejects too, so memory holds one chunk. The source's older facts in
    the delivery's scope (its days x its communities' subtrees) that this delivery did
    not rewrite are deleted at the end: the delivery replaces them, it never adds to
    them. Leaving the block without ``commit`` (an error, a refusal) rolls all of it
    back; a killed process leaves an uncommitted transaction, which no engine keeps.
    """

    # Opened by __enter__: a Load is only ever used inside its ``with`` block.
    conn: Connection
    transaction: Transaction
    run_id: int
    months: MonthRollup

    def __init__(self, engine: Engine, source: str, metrics: list[str], location: str, checksum: str,
                 started_at: datetime):
        self.engine, self.source, self.metrics = engine, source, list(metrics)
        self.location, self.checksum, self.started_at = location, checksum, started_at
        self.periods: set[date] = set()
        self.communities: set[str] = set()
        self.dimensions: set[tuple[str, str]] = set()
        self.rows_read = self.rows_loaded = self.rows_rejected = self.facts = self.chunks = self.warnings = 0
        self.notes: list[str] = []
        self.cleared: dict[str, set[date]] = {}  # community -> days whose older facts are gone
        self.first_pairs: set[tuple[str, str]] | None = None  # (metric, dimension) cleared with every chunk
        self.covered: tuple[date, date] | None = None  # the delivery's first and last day of data
        self.streets: dict[str, list[str]] = {}  # street (9 digits) -> its registered communities
        self.reached: set[str] = set()  # the communities its data speaks for (its coverage)
        self.sample = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])  # the first rejects

    def __enter__(self) -> Load:
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()
        self.run_id = new_id(self.conn.execute(insert(etl_run).values(
            source=self.source, location=self.location, checksum=self.checksum, started_at=self.started_at,
            status="running", rows_read=0,
        )))
        if self.conn.dialect.name == "sqlite":
            # Only the page cache: journal and sync settings (durability) stay as they are.
            self.conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.months = MonthRollup(self.conn, self.run_id, self.metrics)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
            if self.conn.dialect.name == "sqlite":
                self.conn.exec_driver_sql("PRAGMA cache_size = -2000")  # SQLite's default, for the pool
        finally:
            self.conn.close()

    def add(self, output: Output) -> None:
        """One chunk's facts, rejects and extra rows, written inside the transaction."""
        periods, communities = output.scope()
        if output.communities is None:
            communities = self._streets_of(communities)
        self.reached.update(communities)  # it speaks for its scope: no rows there are real zeros
        span = output.coverage()
        if span is not None:
            self.covered = span if self.covered is None else (min(self.covered[0], span[0]),
                                                              max(self.covered[1], span[1]))
        self.periods.update(periods)
        self.communities.update(communities)
        self.chunks += 1
        if output.facts is not None and len(output.facts):
            facts = output.facts[FACT_COLUMNS].copy(deep=False)  # copy-on-write: the source's frame stays as it was
            facts["period"] = pd.to_datetime(facts["period"]).dt.normalize()
            facts["value"] = facts["value"].astype(float)
            facts["run_id"] = self.run_id
            self.dimensions.update(facts[["metric_code", "dimension"]].drop_duplicates().itertuples(index=False, name=None))
        self._clear(periods, communities)
        if output.facts is not None and len(output.facts):
            self.months.before_write(self.conn, facts, periods, communities)
            upsert_facts(self.conn, facts)
            self.months.add(facts)
            self.facts += len(facts)
        if output.rejects is not None and len(output.rejects):
            _store_rejects(self.conn, self.run_id, output.rejects, "refused")
            self.rows_rejected += int(output.rejects["row_number"].nunique())
            if len(self.sample) < SAMPLE_REJECTS:  # kept for a failed run if every row is refused
                first = output.rejects.head(SAMPLE_REJECTS - len(self.sample))[["row_number", "field", "reason", "raw"]]
                self.sample = pd.concat([self.sample, first.assign(raw=bounded(first["raw"]),
                                                                   reason=bounded(first["reason"]))],
                                        ignore_index=True)
        if output.warnings is not None and len(output.warnings):
            _store_rejects(self.conn, self.run_id, output.warnings, "warning")
            self.warnings += len(output.warnings)
        if output.store is not None:
            output.store(self.conn, self.run_id)
        if output.people is not None:
            self._reach(output.people, periods, communities)
        self.rows_read += output.rows_read
        self.rows_loaded += output.rows_loaded
        self.notes.extend(n for n in output.notes if n not in self.notes)

    def _reach(self, people: pd.DataFrame, periods: list[date], communities: list[str]) -> None:
        """The reach store replaces the delivery's scope, then the reach facts follow (etl.reach)."""
        from etl import pseudonym, reach

        key = pseudonym.current_key()
        self.facts += reach.update(self.conn, self.run_id, self.source, people, periods, communities, key)
        if key.development:
            note = (f"参与人数使用开发密钥 / reach counted with the development pseudonym key {pseudonym.dev_key_path()}: "
                    f"set {pseudonym.ENV} on a production ETL host")
            if note not in self.notes:
                self.notes.append(note)

    def _streets_of(self, communities: list[str]) -> list[str]:
        """Every registered community of the streets ``communities`` lie in, and themselves.

        A delivery that does not declare its scope implies its streets (DOMAIN.md,
        "Re-delivery"): a corrected export that moves a community's records to its
        neighbour replaces the first community's old figures too, never counts them twice.
        """
        found = set(communities)
        for street in sorted({str(c)[:9] for c in communities} - self.streets.keys()):
            self.streets[street] = list(self.conn.execute(
                select(area.c.code).where(area.c.level == "community", area.c.code >= street,
                                          area.c.code < street + "~")).scalars())
        for community in communities:
            found.update(self.streets[str(community)[:9]])
        return sorted(found)

    def commit(self) -> RunResult:
        """Drop what the delivery replaced, mark the run a success, and commit."""
        periods, communities = sorted(self.periods), sorted(self.communities)
        if self._clear_the_rest(periods, communities):
            self.months.own = False  # facts outside the months it checked changed: recompute
        # The monthly roll-up follows the facts in the same transaction (data/rollup.py).
        self.months.finish(self.conn, periods, communities)
        if self.chunks > 1:  # a fact written by two chunks counted twice: count what is stored
            self.facts = self.conn.execute(select(func.count()).select_from(fact).where(
                fact.c.metric_code.in_(self.metrics or [""]), fact.c.run_id == self.run_id)).scalar_one()
        record_coverage(self.conn, self.run_id, self.covered, sorted(self.reached), self.started_at.date())
        notes = self.notes + ([f"{self.warnings} 个字段警告 / field warnings (rows kept)"] if self.warnings else [])
        message = summary(self.facts, periods, communities, notes)
        self.conn.execute(update(etl_run).where(etl_run.c.id == self.run_id).values(
            status="success", finished_at=_now(), rows_read=self.rows_read, rows_loaded=self.rows_loaded,
            rows_rejected=self.rows_rejected, message=message,
        ))
        self.transaction.commit()
        return RunResult(self.run_id, self.source, self.location, "success", self.rows_read, self.rows_loaded,
                         self.rows_rejected, message)

    def _clear(self, periods: list[date], communities: list[str]) -> None:
        """Delete older facts of the source in a chunk's days x communities before the chunk
        is written, so its inserts meet only this run's facts, and no pass over the
        delivery's whole scope is needed at the end (see :meth:`_clear_the_rest`)."""
        if self.first_pairs is None:
            self.first_pairs = catalogue_pairs(self.conn, self.metrics) | self.dimensions
        pairs = self.first_pairs | self.dimensions
        remove_replaced(self.conn, self.metrics, pairs, periods, communities, self.run_id, catalogue=False)
        for community in communities:
            self.cleared.setdefault(community, set()).update(periods)

    def _clear_the_rest(self, periods: list[date], communities: list[str]) -> int:
        """The older facts in the delivery's scope (every day x every community it covers)
        that no chunk's own scope held; returns how many were deleted. Nothing for a
        delivery read in one chunk."""
        deleted = 0
        late = self.dimensions - (self.first_pairs or set())  # breakdowns first seen after chunk one
        if late:
            deleted += remove_replaced(self.conn, self.metrics, late, periods, communities, self.run_id,
                                       catalogue=False)
        groups: dict[frozenset, list[str]] = {}
        for community in communities:
            missing = frozenset(set(periods) - self.cleared.get(community, set()))
            if missing:
                groups.setdefault(missing, []).append(community)
        for missing, group in groups.items():
            deleted += remove_replaced(self.conn, self.metrics, self.first_pairs or set(), sorted(missing),
                                       sorted(group), self.run_id, catalogue=False)
        return deleted


def write(engine: Engine, source: str, metrics: list[str], location: str, checksum: str,
          started_at: datetime, output: Output) -> RunResult:
    """Write a whole delivery's output at once: all or nothing."""
    with Load(engine, source, metrics, location, checksum, started_at) as load:
        load.add(output)
        return load.commit()


def month_days(months) -> list[date]:
    """Every day of every month in ``months`` (any day of each): what a monthly report covers."""
    days: list[date] = []
    for first in sorted({pd.Timestamp(m).to_period("M").start_time for m in months if not pd.isna(m)}):
        days.extend(pd.date_range(first, first + pd.offsets.MonthEnd(0), freq="D").date)
    return days


def span_days(periods: pd.Series) -> list[date]:
    """Every day from a delivery's first to its last: what it replaces, so a corrected
    export that drops a day's last entry drops its figure too (a day without entries in
    an export that spans it is a day with none)."""
    if not len(periods):
        return []
    return list(pd.date_range(periods.min(), periods.max(), freq="D").date)


def record_coverage(conn: Connection, run_id: int, span: tuple[date, date] | None,
                    communities: list[str], loaded_on: date) -> None:
    """What this delivery covers, per community: its first and last day (``etl_coverage``).

    Never the day it was loaded nor later: a month's report delivered on the 5th holds
    nothing about the 20th, and the load day itself is not over (its activities not yet held
    or checked in, its orders still coming), so an incomplete day never counts as covered
    and "this month" is never compared through a day half-recorded. Sources that write no
    facts (the area register, content) cover nothing.
    """
    if span is None or not communities:
        return
    first, last = span[0], min(span[1], loaded_on - timedelta(days=1))
    if last < first:
        return
    rows = [{"run_id": run_id, "area_code": code, "first_day": first, "last_day": last}
            for code in sorted(set(communities))]
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(etl_coverage), rows[start:start + BATCH])


def summary(facts: int, periods: list[date], communities: list[str], notes: list[str]) -> str:
    parts = [f"{facts} 条事实 / facts"]
    if periods:
        parts.append(f"{min(periods)}..{max(periods)}")
    if communities:
        parts.append(f"{len(communities)} 个社区 / communities")
    return " · ".join(parts + notes)


def catalogue_pairs(conn: Connection, metrics: list[str]) -> set[tuple[str, str]]:
    """(metric, dimension) of every breakdown the catalogue lists for ``metrics``, and the totals."""
    pairs = {(code, "") for code in metrics}
    rows = conn.execute(select(metric.c.code, metric.c.dimensions).where(metric.c.code.in_(metrics or [""]))).all()
    for code, dimensions in rows:
        pairs.update((code, d.strip()) for d in ["", *(dimensions or "").split(",")])
    return pairs


def remove_replaced(conn: Connection, metrics: list[str], written: set[tuple[str, str]], periods: list[date],
                    communities: list[str], run_id: int, catalogue: bool = True) -> int:
    """Delete the source's facts for these days in these communities' subtrees that
    this run did not write; returns how many.

    Facts are stored only at codes of the area register (every source's codes come from
    the register's matcher, and nothing leaves the register), so a subtree's facts are those
    at its community's code and at the register's codes below it (:func:`subtree_codes`).
    Per metric and breakdown (the ``written`` ones, and with ``catalogue`` the catalogue's),
    the codes below a community are named only when the breakdown has facts below that
    community at all (one seek of the key per community), and each statement names a slice
    of codes and a run of consecutive days (or a slice of single days): a short seek of the
    key per code, not a read of the metric's whole history between the slice's first and
    last community.
    """
    if not metrics or not periods or not communities:
        return 0
    known = set(written) | (catalogue_pairs(conn, metrics) if catalogue else set())
    pairs = sorted((code, dimension) for code, dimension in known if code in metrics)
    if not pairs:
        return 0
    communities = sorted(set(communities))
    below, registered = subtree_codes(conn, communities)
    days = _day_conditions(periods)
    older = or_(fact.c.run_id != run_id, fact.c.run_id.is_(None))
    deleted = 0
    for code, dimension in pairs:
        codes = list(communities)
        for community in _with_facts_below(conn, code, dimension, below, registered):
            codes.extend(below[community])
        codes.sort()
        for c in range(0, len(codes), CHUNK):
            in_areas = one_of(conn, fact.c.area_code, codes[c:c + CHUNK])
            for on_days in days:
                done = conn.execute(delete(fact).where(
                    fact.c.metric_code == code, fact.c.dimension == dimension, in_areas, on_days, older))
                deleted += max(done.rowcount or 0, 0)
    return deleted


def subtree_codes(conn: Connection, communities: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """For the communities (sorted): community -> the register's codes below it (its grid
    cells), for those that have any, and which of the communities the register holds. The
    codes are those whose first 12 characters are one of the communities (for a community
    alone in its slice, that start with it), as the delete of old read them from the facts."""
    below: dict[str, list[str]] = {}
    registered: set[str] = set()
    for c in range(0, len(communities), CHUNK):
        some = communities[c:c + CHUNK]
        in_subtrees = [area.c.code >= some[0], area.c.code < some[-1] + "~"]
        if len(some) > 1:
            in_subtrees.append(func.substr(area.c.code, 1, 12).in_(some))
        mine = set(some)
        for code in conn.execute(select(area.c.code).where(*in_subtrees).order_by(area.c.code)).scalars():
            if code in mine:
                registered.add(code)
            else:
                below.setdefault(code[:12] if len(some) > 1 else some[0], []).append(code)
    return below, registered


def _with_facts_below(conn: Connection, code: str, dimension: str, below: dict[str, list[str]],
                      registered: set[str]) -> list[str]:
    """The communities of ``below`` with facts of this metric and breakdown at codes below
    their own (any day, any run): one seek of the key each. A community the register lacks
    (so not asked through it) is counted in."""
    found = [c for c in below if c not in registered]
    asked = sorted(c for c in below if c in registered)
    inner = select(fact.c.area_code).where(
        fact.c.metric_code == code, fact.c.dimension == dimension,
        fact.c.area_code > area.c.code, fact.c.area_code < area.c.code + "~").exists()
    for c in range(0, len(asked), CHUNK):
        some = one_of(conn, area.c.code, asked[c:c + CHUNK])
        found += conn.execute(select(area.c.code).where(some, inner)).scalars()
    return found


def one_of(conn: Connection, column, values: list):
    """``column IN (values)``; on PostgreSQL as one array parameter (``= ANY``), which the
    driver sends whole instead of a placeholder per value to render and parse."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _day_conditions(periods: list[date]) -> list:
    """Conditions that together pick exactly ``periods``: a key range for each run of two or
    more consecutive days, and the single days in IN lists of at most :data:`CHUNK`."""
    days = sorted(set(periods))
    if not all(type(d) is date for d in days):  # not plain dates: no day arithmetic, plain IN lists
        return [fact.c.period.in_(days[i:i + CHUNK]) for i in range(0, len(days), CHUNK)]
    runs: list[list[date]] = []
    for d in days:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    single = [run[0] for run in runs if len(run) == 1]
    conditions = [and_(fact.c.period >= run[0], fact.c.period <= run[-1]) for run in runs if len(run) > 1]
    conditions += [fact.c.period.in_(single[i:i + CHUNK]) for i in range(0, len(single), CHUNK)]
    return conditions


def bulk_insert(conn: Connection, table, frame: pd.DataFrame, suffix: str = "",
                constants: dict[str, str] | None = None) -> None:
    """Insert a DataFrame fast: COPY on PostgreSQL; on SQLite multi-row INSERTs of
    :data:`ROWS_PER_INSERT` rows, so the driver's per-statement cost is paid once per
    hundred rows rather than per row; :data:`BATCH` rows at a time (memory holds one
    batch of Python values).

    ``suffix`` (an ON CONFLICT clause) is for the INSERT; COPY takes none. ``constants``
    (SQLite: column -> SQL literal) are the same in every row and not bound per row.
    """
    if not len(frame):
        return
    columns = list(frame.columns)
    constants = constants or {}
    if conn.dialect.name == "postgresql" and not suffix:
        _copy(conn, table.name, columns, frame)
        return
    if conn.dialect.paramstyle != "qmark":
        for i in range(0, len(frame), BATCH):
            rows = _tuples(frame.iloc[i:i + BATCH])
            conn.execute(insert(table), [dict(zip(columns, r)) for r in rows])
        return
    stamps = {c.name for c in table.columns if isinstance(c.type, DateTime)}
    one = f"({', '.join(['?'] * len(columns) + list(constants.values()))})"
    head = f"INSERT INTO {table.name} ({', '.join(columns + list(constants))}) VALUES "
    many = head + ", ".join([one] * ROWS_PER_INSERT) + f" {suffix}"
    for i in range(0, len(frame), BATCH):
        cells = _cells(frame.iloc[i:i + BATCH], stamps)
        whole = len(cells) // ROWS_PER_INSERT * ROWS_PER_INSERT
        if whole:
            conn.exec_driver_sql(many, list(map(tuple, cells[:whole].reshape(-1, ROWS_PER_INSERT * len(columns)).tolist())))
        if whole < len(cells):
            rest = cells[whole:]
            conn.exec_driver_sql(head + ", ".join([one] * len(rest)) + f" {suffix}", tuple(rest.ravel().tolist()))


def _cells(frame: pd.DataFrame, stamps: set[str] = frozenset()) -> np.ndarray:  # type: ignore[assignment]
    """The frame as a 2-D object array of plain Python values (None for missing; dates, and
    the date-times of ``stamps`` columns, as SQLAlchemy stores them on SQLite), made once
    per distinct value where that is cheaper."""
    cells = np.empty((len(frame), len(frame.columns)), dtype=object)
    for j, name in enumerate(frame.columns):
        cells[:, j] = _plain_column(frame[name], name in stamps)
    return cells


_NONE = np.array([None], dtype=object)  # appended as the value of a missing category or day
#: How SQLAlchemy's SQLite ``DateTime`` stores a time (its default storage format).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _plain_column(column: pd.Series, stamp: bool = False) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = np.append(_plain_column(pd.Series(column.cat.categories), stamp), _NONE)
        return values[column.cat.codes.to_numpy()]
    if stamp and pd.api.types.is_datetime64_any_dtype(column):
        # A date-time column: its text as SQLAlchemy writes it (the deletes compare that text).
        texts = np.array(column.dt.strftime(SQLITE_DATETIME), dtype=object)
        texts[column.isna().to_numpy()] = None
        return texts
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M" and len(column) and not column.hasnans:
        # How SQLAlchemy's SQLite Date is stored; each day of the span formatted once,
        # picked by its number (no hashing of the column's values).
        day = column.to_numpy().astype("datetime64[D]").view(np.int64)
        first, last = int(day.min()), int(day.max())
        if last - first < 4 * len(day) + 1024:
            span = np.arange(first, last + 1).astype("datetime64[D]")
            return np.asarray(pd.DatetimeIndex(span).strftime("%Y-%m-%d"), dtype=object)[day - first]
    if pd.api.types.is_datetime64_any_dtype(column):
        # How SQLAlchemy's SQLite Date is stored; formatted once per distinct day.
        codes, days = pd.factorize(column)
        return np.append(np.asarray(days.strftime("%Y-%m-%d"), dtype=object), _NONE)[codes]
    if len(column) and isinstance(column.iloc[0], date) and not isinstance(column.iloc[0], datetime):
        column = column.map(date.isoformat)
    values = column.to_numpy(dtype=object)
    if column.hasnans:
        values = values.copy()  # pandas may hand out a read-only view of its own values
        values[column.isna().to_numpy()] = None
    return values


def _tuples(frame: pd.DataFrame) -> list[tuple]:
    """Rows as tuples of plain Python values (dates as SQLAlchemy stores them on SQLite)."""
    return list(map(tuple, _cells(frame).tolist()))


KEY = ["metric_code", "dimension", "area_code", "period", "member"]  # the fact table's key order


def upsert_facts(conn: Connection, facts: pd.DataFrame) -> None:
    """Facts in key order (appends to the key's B-tree rather than scattered inserts).

    A key the same run already wrote (an earlier chunk) is added to; a key an older run
    wrote is overwritten.
    """
    facts = facts.iloc[key_order(facts)]
    merge = ("ON CONFLICT ({key}) DO UPDATE SET value = CASE WHEN fact.run_id = excluded.run_id "
             "THEN fact.value + excluded.value ELSE excluded.value END, run_id = excluded.run_id")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS fact_load (LIKE fact) ON COMMIT DROP")
        conn.exec_driver_sql("TRUNCATE fact_load")
        _copy(conn, "fact_load", list(facts.columns), facts)
        columns = ", ".join(facts.columns)
        conn.exec_driver_sql(f"INSERT INTO fact ({columns}) SELECT {columns} FROM fact_load "
                             + merge.format(key=", ".join(KEY)))
        return
    suffix = merge.format(key=", ".join(KEY))
    if conn.dialect.paramstyle != "qmark" or facts["run_id"].nunique() != 1:
        bulk_insert(conn, fact, facts, suffix=suffix)
        return
    # In key order each (metric, breakdown) is one run of rows: write it with the metric,
    # breakdown and run as constants of the statement (four values a row to bind, not seven).
    run_id = int(facts["run_id"].iloc[0])
    pair, _ = distinct_rows(facts[["metric_code", "dimension"]])  # on the columns' codes, not their texts
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(facts)]):
        code, dimension = (_literal(v) for v in facts[["metric_code", "dimension"]].iloc[start])
        bulk_insert(conn, fact, facts.iloc[start:end][["period", "area_code", "member", "value"]], suffix=suffix,
                    constants={"metric_code": code, "dimension": dimension, "run_id": str(run_id)})


def _literal(text: str) -> str:
    """A text as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def key_order(facts: pd.DataFrame) -> np.ndarray:
    """Positions that sort ``facts`` by the table's key, from integer codes per column
    (one int64 sort when the codes fit in one, which they do for any real delivery)."""
    codes, sizes = [], []
    for name in KEY:
        column = facts[name]
        if isinstance(column.dtype, pd.CategoricalDtype):  # by the categories' text, not their order
            rank = np.argsort(np.argsort(column.cat.categories.astype(str).to_numpy(dtype=object), kind="stable"))
            column_codes, size = rank[column.cat.codes.to_numpy()], len(rank)
        elif column.dtype.kind == "M" and len(column) and not column.hasnans:
            # Days: their number from the first is already their order (no hash, no sort).
            days = column.to_numpy().astype("datetime64[D]").view(np.int64)
            first = int(days.min())
            column_codes, size = days - first, int(days.max()) - first + 1
        else:
            column_codes, uniques = pd.factorize(column, sort=True)
            size = len(uniques)
        codes.append(np.asarray(column_codes, dtype=np.int64))
        sizes.append(max(size, 1))
    if float(np.prod(sizes, dtype=np.float64)) < 2.0**62:
        combined = np.zeros(len(facts), dtype=np.int64)
        for column_codes, size in zip(codes, sizes):
            combined = combined * size + column_codes
        # Keys are distinct in most deliveries (facts are sums): then any sort is the stable
        # one, and quicksort is three times faster than the stable sort of int64s.
        order = np.argsort(combined)
        ordered = combined[order]
        if (ordered[1:] == ordered[:-1]).any():  # a key twice: keep the rows' own order among equals
            return np.argsort(combined, kind="stable")
        return order
    return np.lexsort(codes[::-1])


def _copy(conn: Connection, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    cursor = driver_connection(conn).cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t', NULL '\\N')") as copy:
        for i in range(0, len(frame), BATCH):
            buffer = io.StringIO()
            # CSV mode: empty strings stay empty strings (dimension '' is part of the key), NULL is \\N.
            frame.iloc[i:i + BATCH].to_csv(buffer, index=False, header=False, na_rep="\\N", sep="\t",
                                           lineterminator="\n")
            copy.write(buffer.getvalue())
