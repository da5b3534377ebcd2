"""Participation reach: how many distinct residents, not only how many visits (人 beside 人次).

The activities and volunteers sources read an id that names a person, already replaced by its
keyed pseudonym (``etl.pseudonym``). Pseudonyms never reach the warehouse: the ETL keeps them
in a store of its own, a SQLite file the dashboard never opens (``CSB_REACH_STORE``; by
default one per warehouse, ``var/warehouse.reach.db`` beside the embedded one, mode 0600).
It holds only what counting needs: one row per source, pseudonym, community and day someone
took part (with the age band they gave that day), and the id of the key that made them. Rows
per day, not per month, because a delivery replaces what its source held for its days and
streets (DOMAIN.md, "Re-delivery"), and the store follows the same rule.

From the store the load writes the aggregates, as facts of kind ``distinct`` (data/kinds.py):
a count of distinct people that is never summed, neither over areas (a resident active in two
communities counts once in their street) nor over months. So they are stored per level:
for every community, street, district and city with participants, per month (first day):

- ``activity_reach`` (checked-in participants; by ``age_band``: the band they gave last in
  the month and area) and ``volunteer_reach`` (volunteers with a service record);
- ``activity_new`` / ``volunteer_new``: of those, the ones not seen in that area in the 12
  months before; ``activity_returning`` / ``volunteer_returning`` the others (new + returning =
  reach). Written only for months with 12 months of the source's history before them in the
  store: before that everybody would look new;
- ``activity_regulars``: the month's participants who were active in 3 or more of the 6
  months ending with it (in that area), from the 6th month of history on.

A month with no one in an area that had participants in the months computed is stored as 0
(the coverage check still hides it where the source has not delivered). A load recomputes
every month from the first it touched to the last in the store (a month's new and returning
depend on the twelve before it) for every area.

Key rotation (``python -m etl rotate-pseudonyms``): a pseudonym cannot be turned into
another key's, so the store is rebuilt under the new key from the raw exports the warehouse
was loaded from (:func:`rotate`: each checked against its load's checksum), then swapped in
whole; a load under a key other than the store's is refused, so a half-rotated host never
counts one person twice.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, select

from data import settings
from data.areas import implied_ancestor_codes
from data.schema import fact
from etl.extract import RefusedFile
from etl.pseudonym import Key

ENV = "CSB_REACH_STORE"
LEVELS = ("community", "street", "district", "city")
NEW_AFTER_MONTHS = 12  # "new": not seen in the area in the 12 months before
REGULAR_WINDOW, REGULAR_MONTHS = 6, 3  # "regular": active in 3 or more of the last 6 months
UNFILLED = "未填写"

#: source -> (reach, new, returning, regulars or None)
METRICS = {
    "activities": ("activity_reach", "activity_new", "activity_returning", "activity_regulars"),
    "volunteers": ("volunteer_reach", "volunteer_new", "volunteer_returning", None),
}
AGE_BANDS = ("0-17", "18-34", "35-59", "60+")

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL, community TEXT NOT NULL, day TEXT NOT NULL, person TEXT NOT NULL,
    age_band TEXT NOT NULL DEFAULT '', key_id TEXT NOT NULL,
    PRIMARY KEY (source, community, day, person)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS source_key (source TEXT PRIMARY KEY, key_id TEXT NOT NULL);
"""
PEOPLE = ["person", "community", "day", "age_band"]


class KeyMismatch(RefusedFile):
    """The store holds pseudonyms of another key: counting on would count everyone twice."""


def store_path(warehouse_url: str) -> Path:
    """``CSB_REACH_STORE``, else one store per warehouse: beside a SQLite warehouse file
    (``var/warehouse.reach.db``), or ``var/reach-<digest of the URL>.db`` for a server's."""
    chosen = os.environ.get("CSB_REACH_STORE", "").strip()
    if chosen:
        return Path(chosen)
    from data.db import sqlite_file

    file = sqlite_file(warehouse_url)
    if file is not None:
        return file.with_name(file.stem + ".reach.db")
    return settings.var_dir() / f"reach-{hashlib.sha256(warehouse_url.encode()).hexdigest()[:12]}.db"


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not path.exists()
    conn = sqlite3.connect(path)
    if fresh:
        os.chmod(path, 0o600)  # pseudonyms: for the ETL's account only
    conn.executescript(SCHEMA)
    return conn


def metrics(source: str) -> list[str]:
    return [m for m in METRICS[source] if m]


# --- the store ---------------------------------------------------------------------------------

def people(person: pd.Series, community: pd.Series, moment: pd.Series, age_band: pd.Series | None = None) -> pd.DataFrame:
    """The store's rows of one chunk: one per person, community and day (empty ids dropped)."""
    frame = pd.DataFrame({"person": person.to_numpy(dtype=object), "community": community.to_numpy(dtype=object),
                          "day": pd.to_datetime(moment).dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
                          "age_band": (age_band if age_band is not None else pd.Series([""] * len(person)))
                          .to_numpy(dtype=object)})
    frame = frame[frame["person"].astype(str).str.len() > 0]
    # The band given last that day wins (rows come in the export's order).
    return frame.drop_duplicates(["person", "community", "day"], keep="last").reset_index(drop=True)


def record(store: sqlite3.Connection, source: str, rows: pd.DataFrame, days: Iterable[date],
           communities: Iterable[str], key: Key, where: Path | str = "") -> None:
    """Replace what the store held for ``source`` on these days in these communities by ``rows``."""
    # The key each source's rows were made with, one row a source: no scan of the rows per load.
    found = store.execute("SELECT key_id FROM source_key WHERE source = ? AND key_id != ?",
                          (source, key.key_id)).fetchone()
    if found is not None:
        raise KeyMismatch(
            f"参与人数存储由另一密钥生成 / the reach store {where} holds {source} pseudonyms made with "
            f"another key (id {found[0]}, this key's id {key.key_id}): set CSB_PSEUDONYM_KEY back, or rebuild "
            f"the store under the new key with `python -m etl rotate-pseudonyms` (README, 'Participation reach')")
    day_list = sorted({d.isoformat() for d in days})
    community_list = sorted(set(communities))
    store.execute("CREATE TEMP TABLE IF NOT EXISTS scope_day (day TEXT PRIMARY KEY)")
    store.execute("CREATE TEMP TABLE IF NOT EXISTS scope_community (community TEXT PRIMARY KEY)")
    store.execute("DELETE FROM scope_day")
    store.execute("DELETE FROM scope_community")
    store.executemany("INSERT OR IGNORE INTO scope_day VALUES (?)", [(d,) for d in day_list])
    store.executemany("INSERT OR IGNORE INTO scope_community VALUES (?)", [(c,) for c in community_list])
    store.execute("DELETE FROM seen WHERE source = ? AND day IN (SELECT day FROM scope_day) "
                  "AND community IN (SELECT community FROM scope_community)", (source,))
    store.execute("INSERT OR REPLACE INTO source_key VALUES (?, ?)", (source, key.key_id))
    store.executemany(
        "INSERT INTO seen (source, community, day, person, age_band, key_id) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (source, community, day, person) DO UPDATE SET age_band = excluded.age_band",
        zip([source] * len(rows), rows["community"], rows["day"], rows["person"], rows["age_band"],
            [key.key_id] * len(rows)))


def _months(days: Iterable[date]) -> list[date]:
    return sorted({date(d.year, d.month, 1) for d in days})


def _index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _first_day(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def read(store: sqlite3.Connection, source: str, since: date | None = None) -> pd.DataFrame:
    """The store's rows of ``source`` from ``since`` on: person, community, day, age_band, and month (index)."""
    query = "SELECT person, community, day, age_band FROM seen WHERE source = ?"
    params: list = [source]
    if since is not None:
        query += " AND day >= ?"
        params.append(since.isoformat())
    frame = pd.read_sql_query(query, store, params=params)
    frame["month"] = frame["day"].str[:4].astype(int) * 12 + frame["day"].str[5:7].astype(int) - 1
    return frame


def history_start(store: sqlite3.Connection, source: str) -> date | None:
    first = store.execute("SELECT min(day) FROM seen WHERE source = ?", (source,)).fetchone()[0]
    return date.fromisoformat(first[:7] + "-01") if first else None


# --- the aggregates ----------------------------------------------------------------------------

def _at_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Each row once per level: ``area`` the community, then its street, district and city."""
    codes = frame["community"].unique()
    ancestors = {c: [str(c)[:12], *implied_ancestor_codes(str(c)[:12])] for c in codes}
    parts = []
    for depth in range(len(LEVELS)):
        mapping = {c: a[depth] for c, a in ancestors.items() if len(a) > depth}
        part = frame.assign(area=frame["community"].map(mapping))
        parts.append(part[part["area"].notna()])
    return pd.concat(parts, ignore_index=True)


def aggregates(frame: pd.DataFrame, source: str, first: int, last: int, start: int) -> pd.DataFrame:
    """The facts (FACT_COLUMNS) of months ``first``..``last`` (indexes) for every area, from
    the store's rows of ``frame`` (which reach back 12 months before ``first``); ``start`` is
    the source's first month of history in the store."""
    reach_code, new_code, returning_code, regulars_code = METRICS[source]
    out: list[pd.DataFrame] = []
    if frame.empty:
        return pd.DataFrame(columns=["period", "area_code", "metric_code", "dimension", "member", "value"])
    leveled = _at_levels(frame)
    # One row per person, area and month: their last age band there that month.
    monthly = (leveled.sort_values("day", kind="stable")
               .drop_duplicates(["person", "area", "month"], keep="last")[["person", "area", "month", "age_band"]])
    areas = monthly.loc[monthly["month"].between(first - NEW_AFTER_MONTHS, last), "area"].unique()

    def counted(series: pd.Series, code: str, member: str = "", dimension: str = "", since: int = first) -> None:
        """Per area and month from ``since``: the count, 0 where the area had nobody that month."""
        grid = pd.MultiIndex.from_product([areas, np.arange(since, last + 1)], names=["area", "month"])
        full = series.reindex(grid, fill_value=0)
        out.append(pd.DataFrame({"area_code": full.index.get_level_values("area"),
                                 "month": full.index.get_level_values("month"), "metric_code": code,
                                 "dimension": dimension, "member": member, "value": full.to_numpy(dtype=float)}))

    now = monthly[monthly["month"].between(first, last)]
    counted(now.groupby(["area", "month"])["person"].size(), reach_code)
    if source == "activities":
        bands = now["age_band"].replace("", UNFILLED)
        for band in sorted(set(AGE_BANDS) | set(bands.unique())):
            counted(now[bands == band].groupby(["area", "month"])["person"].size(), reach_code, band, "age_band")

    known_from = max(first, start + NEW_AFTER_MONTHS)  # 12 months of history before: "new" means new
    if known_from <= last:
        ordered = monthly.sort_values(["person", "area", "month"], kind="stable")
        previous = ordered.groupby(["person", "area"], sort=False)["month"].shift()
        is_new = previous.isna() | (ordered["month"] - previous > NEW_AFTER_MONTHS)
        known = ordered["month"].between(known_from, last)
        counted(ordered[known & is_new].groupby(["area", "month"])["person"].size(), new_code, since=known_from)
        counted(ordered[known & ~is_new].groupby(["area", "month"])["person"].size(), returning_code,
                since=known_from)

    regular_from = max(first, start + REGULAR_WINDOW - 1)
    if regulars_code is not None and regular_from <= last:
        # Each active month counts in the windows of itself and the 5 months after it.
        active = monthly[["person", "area", "month"]]
        shifted = pd.concat([active.assign(month=active["month"] + k) for k in range(REGULAR_WINDOW)],
                            ignore_index=True)
        shifted = shifted[shifted["month"].between(regular_from, last)]
        times = shifted.groupby(["person", "area", "month"]).size()
        # Of the month's participants (so regulars <= reach): active in 3 or more of the 6.
        times = times[times >= REGULAR_MONTHS].reset_index()
        times = times.merge(active, on=["person", "area", "month"])
        regulars = times.groupby(["area", "month"])["person"].size()
        counted(regulars, regulars_code, since=regular_from)

    facts = pd.concat(out, ignore_index=True)
    facts["period"] = pd.to_datetime([_first_day(int(i)) for i in facts["month"]])
    return facts[["period", "area_code", "metric_code", "dimension", "member", "value"]]


def write_facts(conn: Connection, run_id: int, source: str, store: sqlite3.Connection, touched: Iterable[date]) -> int:
    """Recompute the source's reach facts from the first month touched to the store's last
    month, for every area, replacing what the warehouse held there; returns the facts written."""
    from etl.load import bulk_insert  # the load calls this module: import at use

    months = _months(touched)
    start = history_start(store, source)
    if not months or start is None:
        return 0
    first = _index(months[0])
    latest = store.execute("SELECT max(day) FROM seen WHERE source = ?", (source,)).fetchone()[0]
    last = max(_index(months[-1]), _index(date.fromisoformat(latest[:7] + "-01")))
    since = _first_day(first - NEW_AFTER_MONTHS)
    facts = aggregates(read(store, source, since), source, first, last, _index(start))
    conn.execute(delete(fact).where(fact.c.metric_code.in_(metrics(source)), fact.c.period >= _first_day(first)))
    if len(facts):
        facts = facts.assign(period=facts["period"].dt.date, run_id=run_id)
        bulk_insert(conn, fact, facts)
    return len(facts)


def update(conn: Connection, run_id: int, source: str, rows: pd.DataFrame, days: list[date],
           communities: list[str], key: Key) -> int:
    """What a load of ``source`` does for reach, inside its transaction: the store first (its own
    file: a load that then fails is retried with the same bytes, which write the same rows), then
    the warehouse's facts."""
    path = store_path(conn.engine.url.render_as_string(hide_password=True))
    if not path.exists() and conn.execute(select(fact.c.metric_code).where(
            fact.c.metric_code.in_(metrics(source))).limit(1)).first() is not None:
        # Counting on from an empty store would take everyone for new and drop the months before.
        raise RefusedFile(f"参与人数存储不见了 / the reach store {path} is missing, though the warehouse holds "
                          f"{source} reach figures: restore it, or rebuild it from the raw exports with "
                          f"`python -m etl rotate-pseudonyms` (README, 'Participation reach')")
    with closing(connect(path)) as store:
        with store:
            record(store, source, rows, days, communities, key, path)
        return write_facts(conn, run_id, source, store, days)


# --- key rotation ------------------------------------------------------------------------------

class CannotRotate(RuntimeError):
    """An export the store was built from is gone or changed: the store cannot be rebuilt."""


def _streets_of(conn: Connection, communities: list[str]) -> list[str]:
    """Every registered community of the streets ``communities`` lie in (a load's scope, etl.load)."""
    from data.schema import area

    found = set(communities)
    for street in sorted({str(c)[:9] for c in communities}):
        found.update(conn.execute(select(area.c.code).where(area.c.level == "community", area.c.code >= street,
                                                            area.c.code < street + "~")).scalars())
    return sorted(found)


def loaded_exports(engine, source: str) -> list[tuple[int, str, str, datetime]]:
    """(run id, location, checksum, started_at) of the latest successful load of each place
    ``source`` was loaded from, in the order they were loaded."""
    from sqlalchemy import func

    from data.schema import etl_run

    latest = (select(func.max(etl_run.c.id).label("id")).where(etl_run.c.source == source,
                                                                 etl_run.c.status == "success")
              .group_by(etl_run.c.location).subquery())
    with engine.connect() as conn:
        rows = conn.execute(select(etl_run.c.id, etl_run.c.location, etl_run.c.checksum, etl_run.c.started_at)
                            .join(latest, latest.c.id == etl_run.c.id).order_by(etl_run.c.id)).all()
    return [(r.id, r.location, r.checksum, r.started_at) for r in rows]


def rotate(engine, key: Key) -> dict[str, int]:
    """Rebuild the reach store under ``key`` from the exports the warehouse was loaded from
    (each checked against the checksum of its load), then put it in place of the old store in
    one rename. Returns the rows written per source. The warehouse's counts do not change: the
    same people get other pseudonyms. Refuses (:class:`CannotRotate`), leaving the old store
    as it was, when an export is gone or changed, or came from a URL."""
    from etl import pipeline, sources
    from etl.extract import Delivery

    path = store_path(engine.url.render_as_string(hide_password=True))
    fresh = path.with_name(path.name + ".rotating")
    fresh.unlink(missing_ok=True)
    written: dict[str, int] = {}
    try:
        with closing(connect(fresh)) as store:
            for source in METRICS:
                module = sources.get(source)
                written[source] = 0
                for run_id, location, checksum, started in loaded_exports(engine, source):
                    file = Path(location)
                    if not file.is_file():
                        raise CannotRotate(f"第 {run_id} 次运行的导出文件已不在 / the export of run {run_id} is gone "
                                           f"(or is a URL): {location}; keep the raw exports until rotation is done")
                    delivery = Delivery(location, path=file)
                    if delivery.checksum != checksum:
                        raise CannotRotate(f"第 {run_id} 次运行后导出文件已改变 / {location} changed since run {run_id} "
                                           f"loaded it; rotation needs the exports the store was built from")
                    ctx = pipeline.Context(engine, started, list(module.FIELDS))
                    for rows in pipeline.read_chunks(module, delivery, None):
                        if rows.empty:
                            continue
                        output = pipeline.process_rows(module, rows, ctx, pipeline._Steps(None, ""))
                        if output.people is None:
                            continue
                        days, communities = output.scope()
                        if output.communities is None:
                            with engine.connect() as conn:
                                communities = _streets_of(conn, communities)
                        with store:
                            record(store, source, output.people, days, communities, key, fresh)
                        written[source] += len(output.people)
        os.chmod(fresh, 0o600)
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
    return written
