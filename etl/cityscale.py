"""A city-sized sample warehouse, written straight into the database.

    python -m etl.cityscale --database-url URL [--districts 510104000000 ...] [--years 3]

Every real street and town of Chengdu (``data/reference/chengdu_divisions.csv``) gets
about eleven communities (about 3,000 in all; the register's sample communities are kept,
the rest get codes ``street[:9] + NNN`` and ``is_sample`` true) and their grid cells. Each
community then gets daily figures for every flow metric of ``data/reference/metrics.csv``
for ``--years`` years up to yesterday (grid events on the grid cells, where the grid system
records them; the party organisation's flows once a month, the way its report arrives),
monthly stocks, and the breakdowns the wall screen draws: tens of millions of fact rows.

The figures are drawn with numpy in whole arrays, one district at a time. 12345 work
orders and grid events are drawn as counts of rows in each state and counted by their
sources' own rules (``counted`` in ``etl.sources.hotline`` and ``etl.sources.grid_events``);
the other figures keep the identities their sources guarantee (tests/test_cityscale.py);
only non-zero flows are stored, as the sources do. On PostgreSQL they go in with COPY,
with the fact table's key and indexes rebuilt once afterwards when the table was smaller
than the load (readers wait for the build meanwhile). The monthly roll-up's rows are
computed from the generated rows as they go (or the roll-up is rebuilt from all facts when
it was not current before), a successful ``etl_run`` is recorded, all in one transaction
(readers see the old warehouse or the new one), and the tables are analysed.

The pages tell missing from zero and "data through" per source from ``etl_coverage``, so
every real source whose metrics are generated (the catalogue's ``source`` column) gets a
successful run of its own in the same transaction, covering every generated community
from the first generated day to the last (a monthly report to the end of its last whole
month: the unfinished month's report has not arrived, so it is not generated either).
"""
from __future__ import annotations

import argparse
import csv
import inspect
import io
import sys
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from data import kinds, periods, rollup, settings
from data.db import driver_connection, new_id
from data.schema import area, etl_run, fact, fact_month
from data.schema import metric as metric_table
from etl.load import bulk_insert, record_coverage
from etl.sources import grid_events, hotline

SOURCE = "cityscale"
SEED = 20261124
COMMUNITIES_PER_STREET = (5, 19)  # drawn uniformly: about 11.5 a street, about 3,000 in the city
GRIDS_PER_COMMUNITY = (6, 12)  # Pidu: 195 communities, 1,689 grid cells
NAME_PARTS = list("和平幸福光华新华锦城青龙金沙桂花芙蓉玉林红星长寿安康永丰东升西园南苑北湖文翁")
FACT_COLUMNS = ["period", "area_code", "metric_code", "dimension", "member", "value", "run_id"]

# Daily rate per 10,000 residents for the community-level flows that start a chain, at
# intensity 1 (roughly Chengdu's real volumes: about 100 million fact rows for the city).
# The default intensity, 0.2, keeps the build near 50 million rows (47 million measured
# before grid events gained their urgency and closed-by-category breakdowns, which add
# about 6% on one district) and 10 minutes on two cores; the shape of the data (which
# cells are empty, how breakdowns split) stays real.
INTENSITY = 0.2
HOTLINE_RATE = 1.6
SERVICE_RATE = 9.0  # weekdays; a fifth of that at weekends
ACTIVITY_RATE = 0.35
VOLUNTEER_RATE = 2.5
CARE_RATES = {  # 服务项目 -> (metric, daily rate per 10,000 residents)
    "老年助餐": ("elderly_meals", 14.0),
    "居家养老上门": ("elderly_home_visits", 1.2),
    "康复理疗": ("rehabilitation_sessions", 0.8),
    "儿童托管": ("child_daycare", 2.0),
    "婴幼儿托育": ("infant_care", 0.6),
    "困境儿童帮扶": ("children_in_difficulty_support", 0.08),
}
GRID_EVENT_RATE = 0.25  # a day, per grid cell
EVENT_CATEGORIES = (["安全隐患", "矛盾纠纷", "环境卫生", "治安防控", "民生服务", "城市管理"],
                    [0.18, 0.12, 0.30, 0.08, 0.17, 0.15])
SERVICE_ITEMS = (["社保", "医保", "户籍", "民政", "残联", "不动产", "企业登记", "其他"],
                 [0.26, 0.22, 0.14, 0.10, 0.04, 0.08, 0.06, 0.10])
SERVICE_CHANNELS = (["窗口", "自助终端", "网上"], [0.5, 0.3, 0.2])
ACTIVITY_TYPES = (["党建", "文化", "体育", "亲子", "助老", "公益课程", "志愿服务", "议事协商"],
                  [0.14, 0.18, 0.12, 0.14, 0.14, 0.12, 0.10, 0.06])
AGE_BANDS = (["0-17", "18-34", "35-59", "60+"], [0.16, 0.22, 0.30, 0.32])


# --- the area tree ------------------------------------------------------------------------

def city_areas(districts: list[str] | None, seed: int = SEED, streets_only: list[str] | None = None) -> pd.DataFrame:
    """Streets of the chosen districts with their communities and grid cells (area rows).

    Communities already in the register keep their codes and names; the others are made
    up under their real street, flagged ``is_sample``.
    """
    from data.catalog import read_areas

    rng = np.random.default_rng(seed)
    register = read_areas()
    divisions = pd.read_csv(settings.catalog_dir() / "chengdu_divisions.csv", dtype=str)
    streets = divisions[divisions["level"] == "street"]
    if districts:
        unknown = sorted(set(districts) - set(divisions.loc[divisions["level"] == "district", "code"]))
        if unknown:
            raise ValueError(f"--districts: {', '.join(unknown)} is not a district of Chengdu "
                             "(see data/reference/chengdu_divisions.csv)")
        streets = streets[streets["code"].str[:6].isin([d[:6] for d in districts])]
    if streets_only:
        streets = streets[streets["code"].isin(streets_only)]
    known = register.set_index("code")
    rows = []
    for street in streets.itertuples():
        base = known.loc[street.code] if street.code in known.index else None
        lon = float(base["lon"]) if base is not None and pd.notna(base["lon"]) else 104.06
        lat = float(base["lat"]) if base is not None and pd.notna(base["lat"]) else 30.66
        street_en = base["name_en"] if base is not None and isinstance(base["name_en"], str) else street.name
        existing = register[(register["parent_code"] == street.code) & (register["level"] == "community")]
        wanted = max(int(rng.integers(*COMMUNITIES_PER_STREET)), len(existing))
        used = {int(c[9:]) for c in existing["code"]}
        numbers = [n for n in range(1, 1000) if n not in used][: wanted - len(existing)]
        for n in numbers:
            code = street.code[:9] + f"{n:03d}"
            word = NAME_PARTS[(n * 7 + int(street.code[6:9])) % len(NAME_PARTS)]
            population = int(np.clip(rng.lognormal(np.log(9000), 0.45), 2500, 40000))
            rows.append({
                "code": code, "name": f"{word}{n}社区", "name_en": f"Community {n}, {street_en}",
                "level": "community", "parent_code": street.code, "population": population,
                "households": int(population / 2.7), "lon": round(lon + rng.normal(0, 0.01), 5),
                "lat": round(lat + rng.normal(0, 0.01), 5), "is_sample": True,
            })
        for c in existing.itertuples():
            rows.append({k: getattr(c, k) for k in ("code", "name", "name_en", "level", "parent_code", "population",
                                                     "households", "lon", "lat", "is_sample")})
    communities = pd.DataFrame(rows)
    communities["population"] = communities["population"].fillna(9000).astype(int)
    grids = []
    registered_grids = set(register.loc[register["level"] == "grid", "code"])
    for c in communities.itertuples():
        registered = sum(1 for g in registered_grids if g.startswith(c.code))
        count = max(int(rng.integers(*GRIDS_PER_COMMUNITY)), registered)
        for n in range(1, count + 1):
            code = c.code + f"{n:03d}"
            if code in registered_grids:
                continue
            share = c.population / count
            grids.append({"code": code, "name": f"{c.name}第{n}网格", "name_en": f"{c.name_en} Grid {n}",
                          "level": "grid", "parent_code": c.code, "population": int(share),
                          "households": int(share / 2.7), "lon": c.lon, "lat": c.lat, "is_sample": True})
    grid_frame = pd.DataFrame(grids) if grids else pd.DataFrame(columns=communities.columns)
    registered_grid_rows = register[(register["level"] == "grid") & register["parent_code"].isin(communities["code"])]
    return pd.concat([communities, grid_frame, registered_grid_rows[communities.columns]], ignore_index=True)


def insert_areas(conn: Connection, areas: pd.DataFrame) -> int:
    """Add the area rows the register does not have yet; existing rows are left alone."""
    have = {row.code for row in conn.execute(select(area.c.code))}
    new = areas[~areas["code"].isin(have)]
    records = [
        {k: (None if pd.isna(v) else v) for k, v in r.items()}
        for r in new.astype(object).to_dict("records")
    ]
    for i in range(0, len(records), 5000):
        conn.execute(insert(area), records[i:i + 5000])
    return len(records)


# --- the figures --------------------------------------------------------------------------

class Frames:
    """Collects (period index, area index) arrays per metric and member, then one DataFrame."""

    def __init__(self, days: pd.DatetimeIndex, codes: np.ndarray):
        self.day_text = np.asarray(days.strftime("%Y-%m-%d"), dtype=object)
        self.codes = codes
        self.parts: list[pd.DataFrame] = []

    def add(self, metric: str, values: np.ndarray, dimension: str = "", member: str = "", decimals: int = 0):
        """``values`` is (areas, days); zero cells are not stored, like a source's empty days."""
        ai, di = np.nonzero(values)
        if not len(ai):
            return
        v = values[ai, di]
        self.parts.append(pd.DataFrame({
            "period": self.day_text[di], "area_code": self.codes[ai], "metric_code": metric,
            "dimension": dimension, "member": member,
            "value": np.round(v, decimals) if decimals else v.astype(np.int64),
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=FACT_COLUMNS[:-1])
        return pd.concat(self.parts, ignore_index=True)


def _split(rng, counts: np.ndarray, names_p) -> list[tuple[str, np.ndarray]]:
    """Split every cell's count over members (a multinomial per cell, vectorised)."""
    names, p = names_p
    left = counts.astype(np.int64)
    rest = 1.0
    out = []
    for name, share in zip(names[:-1], p[:-1]):
        part = rng.binomial(left, min(share / rest, 1.0))
        out.append((name, part))
        left = left - part
        rest -= share
    out.append((names[-1], left))
    return out


def district_facts(rng, communities: pd.DataFrame, grids: pd.DataFrame, days: pd.DatetimeIndex,
                   intensity: float = INTENSITY) -> pd.DataFrame:
    """Every fact of one district's communities and grid cells over ``days``."""
    n_days = len(days)
    scale = (communities["population"].to_numpy(float) / 10_000)[:, None]
    weekday = np.asarray(days.day_of_week < 5)[None, :]
    season = (1 + 0.15 * np.sin((np.asarray(days.day_of_year) - 80) / 365 * 2 * np.pi))[None, :]
    shape = (len(communities), n_days)
    out = Frames(days, communities["code"].to_numpy(object))

    def poisson(rate, mask=None):
        lam = rate * intensity * scale * season * np.ones(shape)
        if mask is not None:
            lam = lam * mask
        return rng.poisson(lam)

    # 12345 work orders: how many are in each state (status, overdue mark, rating), each
    # counted towards the metrics by the hotline source's own rule. Disputes are grid
    # events of category 矛盾纠纷 (see grid_facts).
    received = poisson(HOTLINE_RATE)
    resolved = rng.binomial(received, 0.88)
    returned = rng.binomial(received - resolved, 0.2)
    _tally(out, hotline.counted, _orders(rng, resolved, received - resolved - returned, returned))

    # Service hall and terminals: transactions by channel and item, waits, reviews.
    transactions = poisson(SERVICE_RATE, np.where(weekday, 1.0, 0.2))
    channels = _split(rng, transactions, SERVICE_CHANNELS)
    by_channel = dict(channels)
    out.add("service_transactions", transactions)
    for name, values in channels:
        out.add("service_transactions", values, "channel", name)
    for name, values in _split(rng, transactions, SERVICE_ITEMS):
        out.add("service_transactions", values, "item", name)
    out.add("service_self_service", by_channel["自助终端"])
    out.add("service_online", by_channel["网上"])
    out.add("service_wait_minutes", by_channel["窗口"] * rng.gamma(4.0, 2.0, shape), decimals=1)
    reviews = rng.binomial(transactions, 0.45)
    out.add("service_reviews", reviews)
    out.add("service_good_reviews", rng.binomial(reviews, 0.96))

    # "One old, one young": each service, and their total by item.
    care_total = np.zeros(shape, dtype=np.int64)
    for item, (metric, rate) in CARE_RATES.items():
        values = poisson(rate, np.where(weekday, 1.0, 0.6))
        care_total += values
        out.add(metric, values)
        out.add("care_services", values, "item", item)
    out.add("care_services", care_total)

    services = poisson(VOLUNTEER_RATE)
    out.add("volunteer_services", services)
    out.add("volunteer_hours", services * rng.gamma(3.0, 0.8, shape), decimals=1)

    # Activities: held -> sign-ups -> checked-in participants, by type and age band.
    held = poisson(ACTIVITY_RATE, np.where(weekday, 0.8, 1.5))
    signups = rng.poisson(held * 32.0)
    participants = rng.binomial(signups, 0.84)
    out.add("activities_held", held)
    out.add("activity_signups", signups)
    out.add("activity_participants", participants)
    for name, values in _split(rng, participants, ACTIVITY_TYPES):
        out.add("activity_participants", values, "type", name)
    for name, values in _split(rng, participants, AGE_BANDS):
        out.add("activity_participants", values, "age_band", name)
    out.add("activity_party_participants", rng.binomial(participants, 0.22))

    frames = [out.frame(), grid_facts(rng, grids, days, season, intensity), monthly_facts(rng, communities, days)]
    return pd.concat(frames, ignore_index=True)


def grid_facts(rng, grids: pd.DataFrame, days: pd.DatetimeIndex, season: np.ndarray,
               intensity: float = INTENSITY) -> pd.DataFrame:
    """Grid events on the grid cells, counted by the grid source's own rule: reported and
    closed by category, reported by urgency, urgent, disputes, closure hours."""
    out = Frames(days, grids["code"].to_numpy(object))
    shape = (len(grids), len(days))
    reported = rng.poisson(GRID_EVENT_RATE * intensity * season * np.ones(shape))

    def events():
        for category, count in _split(rng, reported, EVENT_CATEGORIES):
            closed = rng.binomial(count, 0.93)
            for status, n in (("已办结", closed), ("处置中", count - closed)):
                urgent = rng.binomial(n, 0.08)
                yield (category, status, "紧急"), urgent
                yield (category, status, "一般"), n - urgent

    counts = _tally(out, grid_events.counted, events(),
                    {"grid_events_reported": ["category", "urgency"], "grid_events_closed": ["category"]})
    closed = counts["grid_events_closed"]
    out.add("grid_events_closure_hours", closed * rng.gamma(2.0, 14.0, shape), decimals=1)
    out.add("grid_events_closure_timed", closed)  # every generated closed event has its closing time
    return out.frame()


def _orders(rng, resolved: np.ndarray, open_: np.ndarray, returned: np.ndarray):
    """(办理状态, 是否超期, 满意度) of generated work orders, with how many are in each:
    some of every status marked overdue, resolved orders evaluated."""
    for status, count, overdue_share in (("已办结", resolved, 0.06), ("办理中", open_, 0.25), ("已退回", returned, 0.1)):
        overdue = rng.binomial(count, overdue_share)
        for mark, n in (("是", overdue), ("否", count - overdue)):
            if status != "已办结":
                yield (status, mark, ""), n
                continue
            rated = rng.binomial(n, 0.8)
            satisfied = rng.binomial(rated, 0.92)
            yield (status, mark, "满意"), satisfied
            yield (status, mark, "不满意"), rated - satisfied
            yield (status, mark, ""), n - rated


def _tally(out: Frames, counted, states, breakdowns: dict[str, list[str]] | None = None) -> dict[str, np.ndarray]:
    """Add the figures of generated source rows, counted by the source's own rule.

    ``states`` are (row, how many) pairs: a row is the tuple of fields ``counted`` (the
    source's function, e.g. ``etl.sources.hotline.counted``) takes, the count an (areas,
    days) array. ``breakdowns`` names the fields a metric is also broken down by. Returns
    each metric's totals.
    """
    names = list(inspect.signature(counted).parameters)
    totals: dict[str, np.ndarray] = {}
    parts: dict[tuple[str, str, str], np.ndarray] = {}
    for row, count in states:
        for metric, weight in counted(*(pd.Series([value]) for value in row)).items():
            weight = int(weight.iloc[0])
            totals.setdefault(metric, np.zeros_like(count))
            if not weight:
                continue
            totals[metric] = totals[metric] + weight * count
            for dimension in (breakdowns or {}).get(metric, ()):
                member = row[names.index(dimension)]
                parts[metric, dimension, member] = parts.get((metric, dimension, member), 0) + weight * count
    for metric, values in totals.items():
        out.add(metric, values)
    for (metric, dimension, member), values in parts.items():
        out.add(metric, values, dimension, member)
    return totals


def monthly_facts(rng, communities: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """The party organisation's monthly report and the volunteer platform's monthly stocks."""
    months = pd.DatetimeIndex(sorted({d.replace(day=1) for d in days}))
    out = Frames(months, communities["code"].to_numpy(object))
    scale = (communities["population"].to_numpy(float) / 10_000)[:, None]
    shape = (len(communities), len(months))
    growth = np.cumsum(rng.poisson(0.4, shape), axis=1)
    members = np.rint(70 + 110 * np.clip(scale / 2, 0, 1)).astype(np.int64) + growth
    out.add("party_members", members)
    out.add("party_organisations", np.maximum(1, members // 45))
    out.add("party_mobile_members", rng.binomial(members, 0.07))
    out.add("active_volunteers", np.rint(60 * scale + rng.normal(0, 5, shape)).clip(5).astype(np.int64))
    out.add("volunteer_teams", np.rint(3 + 2 * scale).astype(np.int64) + (growth // 6))
    out.add("party_new_members", rng.poisson(0.35 * np.ones(shape)))
    out.add("party_three_sessions", rng.poisson(np.maximum(1, members // 45) * 4.0))
    out.add("party_theme_days", rng.poisson(np.maximum(1, members // 45) * 1.0))
    out.add("party_school_attendance", rng.poisson(members * 0.6))
    out.add("party_volunteer_hours", members * rng.gamma(2.0, 0.9, shape), decimals=1)
    return out.frame()


def month_rollup(frame: pd.DataFrame, stocks: set[str]) -> pd.DataFrame:
    """The ``fact_month`` rows of ``frame`` (periods as YYYY-MM-DD text) by ``data.kinds``'
    rule, as ``data.rollup.refresh`` computes them in SQL, done here while the rows are in
    memory instead of re-reading tens of millions of them."""
    frame = frame.assign(month=frame["period"].str[:8] + "01")
    out = kinds.over_time_frame(frame, stocks, series=["metric_code", "area_code", "dimension", "member"],
                                bucket="month")
    out = out.rename(columns={"month": "period"})
    out["value"] = out["value"].astype(float)
    return out[rollup.COLUMNS]


# --- coverage -----------------------------------------------------------------------------

def source_metrics(conn: Connection) -> tuple[dict[str, str], set[str]]:
    """({metric: source} of the catalogue's sourced metrics, the sources reporting by month:
    every metric of theirs has grain ``month``)."""
    rows = conn.execute(select(metric_table.c.code, metric_table.c.source, metric_table.c.grain)
                        .where(metric_table.c.source.is_not(None), metric_table.c.source != "")).all()
    daily = {source for _, source, grain in rows if grain != "month"}
    return {code: source for code, source, _ in rows}, {source for _, source, _ in rows} - daily


def last_whole_month_end(end: date) -> date:
    """The last day of the last month that is complete on ``end``."""
    return end if end == periods.month_end(end) else periods.month_start(end) - timedelta(days=1)


def start_source_runs(conn: Connection, sources: list[str], started, location: str) -> dict[str, int]:
    """A running ``etl_run`` per source, taken before the build's own run so that run stays
    the latest successful load (the data version the roll-up is marked for)."""
    return {source: new_id(conn.execute(insert(etl_run).values(
        source=source, location=location, started_at=started, status="running"))) for source in sources}


def finish_source_runs(conn: Connection, runs: dict[str, int], facts: dict[str, int], span: tuple[date, date],
                       monthly: set[str], communities: list[str], run_id: int, loaded_on: date) -> None:
    """Each source that got facts: a successful run covering every generated community, from
    the first generated day to the last (a monthly report: its last whole month). A source
    that got none has no run: it never delivered."""
    for source, sid in runs.items():
        if not facts.get(source):
            conn.execute(delete(etl_run).where(etl_run.c.id == sid))
            continue
        first, last = span[0], last_whole_month_end(span[1]) if source in monthly else span[1]
        record_coverage(conn, sid, (first, last), communities, loaded_on)
        conn.execute(update(etl_run).where(etl_run.c.id == sid).values(
            status="success", finished_at=settings.local_now().replace(microsecond=0), rows_read=facts[source],
            rows_loaded=facts[source], rows_rejected=0,
            message=f"{facts[source]} 条事实 / facts · {first}..{last} · {len(communities)} 个社区 / communities · "
                    f"由 cityscale 生成 / generated by run {run_id}"))


# --- writing ------------------------------------------------------------------------------

def _fact_indexes(conn: Connection) -> tuple[list[tuple[str, str]], list[str]]:
    """(constraint name, definition) of the primary key and CREATE statements of the other indexes."""
    keys = conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'fact'::regclass AND contype = 'p'")).all()
    names = {k for k, _ in keys}
    indexes = [d for n, d in conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'fact' AND schemaname = current_schema()"))
        if n not in names]
    return [(k, d) for k, d in keys], indexes


def copy_rows(conn: Connection, table: str, columns: list[str], frame: pd.DataFrame, freeze: bool = False) -> None:
    """COPY the rows in; ``freeze`` (table emptied in this transaction) writes them already
    visible to all, so index-only scans work without waiting for a vacuum."""
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, index=False, header=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    cursor = driver_connection(conn).cursor()
    options = "FORMAT csv, NULL '\\N'" + (", FREEZE" if freeze else "")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})") as copy:
        copy.write(buffer.getvalue())


def build(engine: Engine, districts: list[str] | None = None, years: int = 3, end: date | None = None,
          seed: int = SEED, intensity: float = INTENSITY, log=print, streets: list[str] | None = None) -> dict:
    """Write the city-scale warehouse into ``engine``; returns counts and timings."""
    from data.catalog import load_catalog

    started = settings.local_now().replace(microsecond=0)
    clock = time.monotonic()
    end = end or settings.local_today() - timedelta(days=1)
    first = rollup.next_month(date(end.year - years, end.month, 1))  # years * 12 months, the last one partial
    days = pd.date_range(first, end, freq="D")
    load_catalog(engine)
    areas = city_areas(districts, seed, streets)
    district_codes = sorted({c[:6] for c in areas.loc[areas["level"] == "community", "code"]})
    postgres = engine.dialect.name == "postgresql"
    rng = np.random.default_rng(seed)
    total = 0
    community_codes = sorted(areas.loc[areas["level"] == "community", "code"])
    location = f"districts={','.join(district_codes)} years={years}"
    with engine.begin() as conn:
        if postgres:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        source_of, monthly = source_metrics(conn)
        unfinished = [m for m, s in source_of.items() if s in monthly] if last_whole_month_end(end) < end else []
        source_runs = start_source_runs(conn, sorted(set(source_of.values())), started, location)
        facts_of: dict[str, int] = {}
        run_id = new_id(conn.execute(insert(etl_run).values(
            source=SOURCE, location=location, started_at=started, status="running")))
        added = insert_areas(conn, areas)
        log(f"areas: {added} new rows ({(areas['level'] == 'community').sum()} communities, "
            f"{(areas['level'] == 'grid').sum()} grid cells)")
        scopes = sorted({c[:9] for c in areas.loc[areas["level"] == "community", "code"]}) if streets else district_codes
        # The roll-up is written from the generated rows when it was current before this load
        # (or the warehouse is new); otherwise it is rebuilt from all facts at the end.
        rollup_was_current = rollup.marker(conn) == rollup.data_version(conn, before=run_id)
        stocks = set(conn.execute(select(metric_table.c.code).where(metric_table.c.kind == kinds.STOCK)).scalars())
        if not conn.execute(select(fact.c.metric_code).limit(1)).first():
            conn.execute(delete(fact_month))  # no facts yet: the roll-up starts empty, written as we go
            rollup_was_current = True
        for prefix in scopes:
            for table in (fact, fact_month):
                conn.execute(delete(table).where(table.c.area_code >= prefix, table.c.area_code < prefix + "~",
                                                 table.c.period >= first, table.c.period <= end))
        rebuild, freeze = None, False
        if postgres:
            existing = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = 'fact'::regclass").scalar()
            if not conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM fact)").scalar():
                conn.exec_driver_sql("TRUNCATE fact, fact_month")  # no facts: lets COPY write frozen rows
                freeze = True
            if (existing or 0) < 5_000_000:
                rebuild = _fact_indexes(conn)
                for name, _ in rebuild[0]:
                    conn.exec_driver_sql(f'ALTER TABLE fact DROP CONSTRAINT "{name}"')
                for definition in rebuild[1]:
                    conn.exec_driver_sql("DROP INDEX " + definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0])
        for d in district_codes:
            in_district = areas["code"].str[:6] == d
            communities = areas[in_district & (areas["level"] == "community")].reset_index(drop=True)
            grids = areas[in_district & (areas["level"] == "grid")].reset_index(drop=True)
            frame = district_facts(rng, communities, grids, days, intensity)
            if unfinished:  # a monthly report of the month still running has not arrived
                frame = frame[~(frame["metric_code"].isin(unfinished)
                                & (frame["period"] >= str(periods.month_start(end))))].reset_index(drop=True)
            frame["run_id"] = run_id
            for metric_code, count in frame["metric_code"].value_counts().items():
                source = source_of.get(str(metric_code))
                if source:
                    facts_of[source] = facts_of.get(source, 0) + int(count)
            months_frame = month_rollup(frame, stocks) if rollup_was_current else None
            if postgres:
                copy_rows(conn, "fact", FACT_COLUMNS, frame, freeze)
                if months_frame is not None:
                    copy_rows(conn, "fact_month", rollup.COLUMNS, months_frame, freeze)
            else:
                frame["period"] = pd.to_datetime(frame["period"])
                bulk_insert(conn, fact, frame[FACT_COLUMNS].sort_values(["metric_code", "dimension", "area_code",
                                                                          "period", "member"]))
                if months_frame is not None:
                    months_frame["period"] = pd.to_datetime(months_frame["period"])
                    bulk_insert(conn, fact_month, months_frame)
            total += len(frame)
            log(f"  {d}: {len(communities)} communities, {len(grids)} grid cells, {len(frame):,} facts "
                f"({time.monotonic() - clock:.0f} s)")
        if rebuild is not None:
            for name, definition in rebuild[0]:
                conn.exec_driver_sql(f'ALTER TABLE fact ADD CONSTRAINT "{name}" {definition}')
            for definition in rebuild[1]:
                conn.exec_driver_sql(definition)
            log(f"indexes rebuilt ({time.monotonic() - clock:.0f} s)")
        finish_source_runs(conn, source_runs, facts_of, (first, end), monthly, community_codes, run_id,
                           started.date())
        if rollup_was_current:
            rollup.mark_current(conn, run_id)
            log("roll-up written from the generated rows")
        else:
            rollup.refresh(conn, run_id=run_id)
            log(f"roll-up rebuilt from all facts ({time.monotonic() - clock:.0f} s)")
        conn.execute(update(etl_run).where(etl_run.c.id == run_id).values(
            status="success", finished_at=settings.local_now().replace(microsecond=0), rows_read=total,
            rows_loaded=total, rows_rejected=0,
            message=f"{total} 条事实 / facts · {first}..{end} · {(areas['level'] == 'community').sum()} 个社区 / communities"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE fact" if postgres else "ANALYZE")
        if postgres:
            conn.exec_driver_sql("VACUUM ANALYZE fact_month")
            conn.exec_driver_sql("ANALYZE area")
            conn.exec_driver_sql("ANALYZE etl_run")
    seconds = time.monotonic() - clock
    log(f"done: {total:,} facts in {seconds:.0f} s, run {run_id}")
    return {"run_id": run_id, "facts": total, "seconds": seconds, "first": first, "end": end}


def main(argv: list[str] | None = None) -> int:
    from data.db import get_engine

    parser = argparse.ArgumentParser(prog="python -m etl.cityscale", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="warehouse URL (default: DATABASE_URL)")
    parser.add_argument("--districts", nargs="+", metavar="CODE", help="12-digit district codes (default: all 20)")
    parser.add_argument("--years", type=int, default=3, help="years of daily figures up to yesterday (default 3)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day, YYYY-MM-DD (default: yesterday)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--intensity", type=float, default=INTENSITY,
                        help=f"multiplier on daily volumes; 1 is about real (default {INTENSITY})")
    args = parser.parse_args(argv)
    if args.years < 1:
        parser.error("--years must be at least 1")
    try:
        build(get_engine(args.database_url), args.districts, args.years, args.end, args.seed, args.intensity)
    except ValueError as err:
        print(f"cityscale: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
