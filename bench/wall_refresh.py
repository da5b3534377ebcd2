"""The server time of one full wall refresh, warm and cold, next to a naive implementation.

    .venv/bin/python bench/wall_refresh.py [--area 510104011000] [--repeat 7]
        [--sqlite-url URL] [--pg-url URL] [--skip-pg]

One wall refresh is ``callbacks.wall.read_figures(area, lang, today)``: every panel's
figures for one street (KPIs, party, governance, services, participation, league table,
lists, as-of date). It is timed on two warehouses, each in this one run:

- the sample SQLite warehouse: the full default samples (15 streets, 24 months) built by
  ``python -m etl run`` into ``var/bench/sample-warehouse.db`` (built once, then reused);
- the city-scale PostgreSQL warehouse: ``python -m etl.cityscale`` into the database
  ``csb_city`` (created and built once when missing, then reused).

Three ways, the median of ``--repeat`` runs each:

- warm: what the refresh callback (``callbacks.wall.figures``) costs once the street's
  figures are in the app's cache (flask-caching; Redis in a deployment), read as a worker
  would that did not compute them: its own per-process memo emptied before every run;
- cold: ``data.cache.reset()``, the query layer's per-engine catalogue dropped and the
  connection pool closed before every run, so every figure is computed from the warehouse
  on new connections (the database server's own buffer cache stays warm);
- naive: each panel reads its raw fact rows with ``pd.read_sql`` and groups them with
  pandas: no roll-up, no cache, no SQL aggregation.

Also printed: "rebuilt", ``read_figures`` recomputing the answer from cached query
answers (a day or language not cached as a whole yet), and "memo", the per-process memo
hit of a screen's worker, and "first", the first refresh of the fresh child process on its
own. Cold and naive runs are interleaved (a change of load falls on both). Aims: warm <= 5 ms;
cold <= 50 ms on SQLite and <= 200 ms at city scale (issue 17); cold at least 10x faster
than naive. The load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import kinds, settings  # noqa: E402

CITY_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/csb_city"
SAMPLE_DB = settings.var_dir() / "bench" / "sample-warehouse.db"


# --- the warehouses -----------------------------------------------------------------------

def sample_warehouse() -> str:
    """The full default sample warehouse on SQLite, built by the real ETL once."""
    url = f"sqlite:///{SAMPLE_DB}"
    if SAMPLE_DB.exists():
        return url
    SAMPLE_DB.parent.mkdir(parents=True, exist_ok=True)
    samples = SAMPLE_DB.parent / "samples"
    env = {**os.environ, "DATABASE_URL": url, "CSB_SAMPLES_DIR": str(samples)}
    print(f"building the sample warehouse into {SAMPLE_DB} (python -m etl run) ...", flush=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "etl", "run"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    return url


def city_warehouse(url: str) -> str:
    """The city-scale warehouse on PostgreSQL: created and built once when missing."""
    database = url.rsplit("/", 1)[1].split("?")[0]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    probe = create_engine(url)
    with probe.connect() as conn:
        built = conn.execute(text(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'etl_run'")).scalar() and \
            conn.execute(text("SELECT count(*) FROM etl_run WHERE source = 'cityscale' AND status = 'success'")).scalar()
    probe.dispose()
    if not built:
        print(f"building the city-scale warehouse into {url} (python -m etl.cityscale) ...", flush=True)
        subprocess.run([sys.executable, "-m", "etl.cityscale", "--database-url", url], cwd=ROOT, check=True)
    return url


def describe(url: str) -> str:
    from data import rollup
    from data.db import get_engine

    engine = get_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            facts = conn.exec_driver_sql("SELECT reltuples::bigint FROM pg_class WHERE oid = 'fact'::regclass").scalar()
            months = conn.exec_driver_sql("SELECT reltuples::bigint FROM pg_class WHERE oid = 'fact_month'::regclass").scalar()
        else:
            facts = conn.exec_driver_sql("SELECT count(*) FROM fact").scalar()
            months = conn.exec_driver_sql("SELECT count(*) FROM fact_month").scalar()
        areas = conn.exec_driver_sql("SELECT count(*) FROM area").scalar()
        current = rollup.is_current(conn)
    return f"{facts:,} facts, {months:,} roll-up rows, {areas:,} areas, roll-up current: {current}"


# --- the naive wall: raw rows into pandas, every panel on its own ---------------------------

class Naive:
    """What a first version would do: each panel reads raw rows and groups them in pandas."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    def read(self, sql: str, **params) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(text(sql), conn, params=params)

    def rows(self, metrics, prefix, start, end):
        names = ", ".join(f":m{i}" for i in range(len(metrics)))
        frame = self.read(
            f"SELECT period, area_code, metric_code, dimension, member, value FROM fact "
            f"WHERE metric_code IN ({names}) AND area_code >= :low AND area_code < :high "
            f"AND period >= :start AND period <= :end",
            **{f"m{i}": m for i, m in enumerate(metrics)}, low=prefix, high=prefix + "~", start=start, end=end)
        frame["period"] = pd.to_datetime(frame["period"])
        return frame

    def figures(self, area: str, today: date) -> dict:
        from callbacks.wall import LEAGUE_METRICS, months_back
        from data.periods import month_start
        from layouts import wall as view

        catalog = self.read("SELECT * FROM metric").set_index("code")
        where = self.read("SELECT * FROM area WHERE code = :c", c=area).iloc[0]
        prefix = area[:{"city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}[where["level"]]]
        month, year_ago, last_30 = (month_start(today), today), (months_back(today), today), (today - timedelta(days=29), today)

        def parts(codes):
            out = []
            for c in codes:
                row = catalog.loc[c]
                out += [row["numerator"], row["denominator"]] if row["kind"] == "ratio" else [c]
            return sorted(set(out))

        stocks = set(catalog.index[catalog["kind"] == "stock"])

        def carried_from(codes, start):
            return min([kinds.reads_from(kinds.STOCK, start, None if pd.isna(catalog.loc[c, "carry_months"])
                                         else int(catalog.loc[c, "carry_months"])) for c in codes if c in stocks] + [start])

        def figure(frame, code, since=None):
            row = catalog.loc[code]
            if row["kind"] == "ratio":
                den = figure(frame, row["denominator"], since)
                return None if not den else figure(frame, row["numerator"], since) / den
            got = frame[(frame["metric_code"] == code) & (frame["dimension"] == "")]
            if row["kind"] == "stock":
                if since is not None:  # the month's figure: each area's latest report inside the carry window
                    carry = None if pd.isna(row["carry_months"]) else int(row["carry_months"])
                    got = got[got["period"] >= pd.Timestamp(kinds.reads_from(kinds.STOCK, since, carry))]
                if got.empty:
                    return None
                latest = got.sort_values("period").groupby(["area_code", "member"]).tail(1)
                return float(latest["value"].sum())
            return float(got["value"].sum())

        out = {}
        for name, table in (("kpis", view.KPIS), ("gov", view.GOVERNANCE_STATS), ("svc", view.SERVICE_STATS),
                            ("vol", view.VOLUNTEER_STATS), ("act", view.PARTICIPATION_STATS)):
            codes = [c for c, *_ in table]
            # flows over the month; a stock from the first day any carries from (kinds.reads_from)
            frame = self.rows(parts(codes), prefix, carried_from(parts(codes), month[0]), today)
            frame = frame[(frame["period"] >= pd.Timestamp(month[0])) | frame["metric_code"].isin(stocks)]
            out[name] = {c: figure(frame, c, month[0]) for c in codes}
        party = self.rows(["party_members"], prefix, date(2000, 1, 1), today)
        if not party.empty:
            last = party["period"].max()
            first = last.replace(day=1)
            codes = [c for c, *_ in view.PARTY_STATS]
            frame = self.rows(parts(codes), prefix, first.date(), (first + pd.offsets.MonthEnd(0)).date())
            out["party"] = {c: figure(frame, c) for c in codes}
        for chart, metric in (("party-trend", "activity_party_participants"), ("participation-trend", "activity_participants"),
                              ("hotline", "hotline_received"), ("on_time", "hotline_on_time_rate"),
                              ("satisfied", "hotline_satisfaction_rate")):
            frame = self.rows(parts([metric]), prefix, *year_ago)
            frame["bucket"] = frame["period"].dt.to_period("M")
            out[chart] = {str(b): figure(g, metric) for b, g in frame.groupby("bucket")}
        for chart, metric, by in (("events", "grid_events_reported", "category"), ("items", "service_transactions", "item"),
                                  ("channels", "service_transactions", "channel"), ("care", "care_services", "item"),
                                  ("types", "activity_participants", "type"), ("ages", "activity_participants", "age_band")):
            frame = self.rows([metric], prefix, *month)
            frame = frame[frame["dimension"] == by]
            out[chart] = frame.groupby("member")["value"].sum().sort_values(ascending=False).to_dict()
        codes = [c for c, _ in LEAGUE_METRICS]
        frame = self.rows(parts(codes), prefix, *last_30)
        children = self.read("SELECT code, name FROM area WHERE parent_code = :c ORDER BY code", c=area)
        out["league"] = {
            child: {c: figure(frame[frame["area_code"].str.startswith(child[:12 if len(child) >= 12 else 9])], c)
                    for c in codes}
            for child in children["code"]
        }
        for kind in ("guide", "resource", "news", "notice"):
            out[kind] = self.read("SELECT * FROM content WHERE kind = :k ORDER BY published_at DESC LIMIT 24", k=kind)
        week = today - timedelta(days=today.weekday())
        out["agenda"] = self.read("SELECT * FROM content WHERE kind = 'activity' AND starts_at >= :a AND starts_at < :b",
                                  a=week, b=week + timedelta(days=7))
        latest = self.rows(["hotline_received", "service_transactions", "grid_events_reported"], prefix,
                           date(2000, 1, 1), today)
        out["as_of"] = latest["period"].max()
        return out


# --- timing -------------------------------------------------------------------------------

def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(url: str, area: str, repeat: int) -> dict:
    os.environ["DATABASE_URL"] = url
    from flask import Flask

    from callbacks.wall import read_figures
    from data import cache, db, query, snapshot

    engine = db.get_engine(url)
    today = date.today()
    # The time the warehouse's statements take (sent to their rows fetched) and how many: the
    # split of a cold refresh between the database server and Python in the app.
    sql: dict[str, float] = {"seconds": 0.0, "statements": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _sent(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_sent"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _answered(conn, cursor, statement, parameters, context, executemany):
        sql["seconds"] += time.perf_counter() - conn.info.pop("bench_sent", time.perf_counter())
        sql["statements"] += 1

    cold_sql: list[float] = []
    statements: list[int] = []

    def cold_once() -> float:
        cache.reset()
        snapshot.forget()
        engine.dispose()  # new connections, as a fresh process would open
        os.environ["CSB_CACHE"] = "simple"
        cache.init_app(Flask("bench"))  # an empty per-process cache, filled by this refresh
        sql.update(seconds=0.0, statements=0)
        started = time.perf_counter()
        read_figures(area, "zh", today)
        took = time.perf_counter() - started
        cold_sql.append(sql["seconds"])
        statements.append(int(sql["statements"]))
        return took

    # The first refresh of this fresh process (first connection, statements compiled, the
    # catalogue read), reported on its own: a worker's first visitor waits for it unless the
    # worker warmed itself (dashboard.warm).
    started = time.perf_counter()
    read_figures(area, "zh", today)
    first = time.perf_counter() - started
    naive = Naive(url)
    naive.figures(area, today)  # its imports and first connection, likewise not a sample

    def naive_once() -> tuple[float, dict]:
        naive.engine.dispose()
        started = time.perf_counter()
        result = naive.figures(area, today)
        return time.perf_counter() - started, result

    # Cold and naive interleaved, so a change of the machine's load falls on both alike.
    cold, naive_runs = [], []
    for _ in range(repeat):
        cold.append(cold_once())
        took, result = naive_once()
        naive_runs.append(took)
    rebuilt = []
    for _ in range(repeat):  # the query answers are cached from the last cold run
        started = time.perf_counter()
        read_figures(area, "zh", today)
        rebuilt.append(time.perf_counter() - started)
    from callbacks import wall  # what the refresh callback calls: the answer once per area, day and version

    wall.figures(area, "zh", today)  # into the app's cache
    warm = []
    for _ in range(repeat):
        wall._cache.clear()  # a worker that did not compute it: from the app's cache
        started = time.perf_counter()
        wall.figures(area, "zh", today)
        warm.append(time.perf_counter() - started)
    screen = []
    for _ in range(repeat):
        started = time.perf_counter()
        wall.figures(area, "zh", today)
        screen.append(time.perf_counter() - started)
    cache.reset()

    # The naive path is a baseline only if it computes the same figures: compare the KPIs.
    from data.periods import month_start

    agree = total = 0
    differ = []
    for code, naive_value in result["kpis"].items():
        exact = query.value(code, area, month_start(today), today, engine=engine)
        if exact is None and naive_value is None:
            continue
        total += 1
        same = exact is not None and naive_value is not None and abs(exact - naive_value) <= 1e-9 * max(1, abs(exact))
        agree += same
        if not same:  # e.g. a stock whose month has no report yet: the query layer carries the last one forward
            differ.append(f"{code}: query {exact}, naive {naive_value}")
    return {"warm": _median_ms(warm), "cold": _median_ms(cold), "cold_sql": _median_ms(cold_sql),
            "statements": int(statistics.median(statements)), "screen": _median_ms(screen),
            "rebuilt": _median_ms(rebuilt), "naive": _median_ms(naive_runs),
            "kpis": f"{agree}/{total}", "differ": differ, "first": first * 1000, "load": os.getloadavg()[0]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="510104011000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sqlite-url", help="a built SQLite warehouse (default: the full samples, built once)")
    parser.add_argument("--pg-url", default=CITY_URL)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # one warehouse, in a child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.area, args.repeat)))
        return 0

    targets = [("SQLite, samples", args.sqlite_url or sample_warehouse(), 50.0)]
    if not args.skip_pg:
        targets.append(("PostgreSQL, city", city_warehouse(args.pg_url), 200.0))
    print(f"one wall refresh of {args.area}, median of {args.repeat} runs (ms)\n")
    results = []
    for label, url, aim in targets:
        print(f"{label}: {describe(url)}", flush=True)
        # Each warehouse in a process of its own: nothing one leaves behind slows the other.
        child = subprocess.run([sys.executable, __file__, "--measure", url, "--area", args.area,
                                "--repeat", str(args.repeat)], cwd=ROOT, capture_output=True, text=True, check=True)
        got = json.loads(child.stdout.strip().splitlines()[-1])
        results.append((label, got, aim))
        print(f"  the naive path agrees with the query layer on {got['kpis']} KPIs of this month", flush=True)
        for line in got["differ"]:  # the naive path knows none of the honest-figures rules (carrying a late stock)
            print(f"    differs: {line}", flush=True)
    print()
    print(f"{'warehouse':<18} {'warm':>8} {'cold':>8} {'naive':>9} {'naive/cold':>11}   aims (warm<=5, cold<=aim, >=10x)"
          f"   {'rebuilt':>8} {'memo':>7} {'first':>8}  load")
    for label, got, aim in results:
        ratio = got["naive"] / got["cold"]
        verdict = ", ".join([
            "warm ok" if got["warm"] <= 5 else "warm MISSED",
            f"cold ok (<= {aim:.0f})" if got["cold"] <= aim else f"cold MISSED (> {aim:.0f})",
            "10x ok" if ratio >= 10 else "10x MISSED",
        ])
        print(f"{label:<18} {got['warm']:>8.1f} {got['cold']:>8.1f} {got['naive']:>9.1f} {ratio:>10.1f}x   {verdict}"
              f"   {got['rebuilt']:>8.1f} {got['screen']:>7.3f} {got['first']:>8.1f}  {got['load']:.2f}")
    for label, got, _aim in results:
        print(f"{label}: cold {got['cold']:.1f} ms = SQL {got['cold_sql']:.1f} ms on the server ({got['statements']} "
              f"statements, sent to fetched) + {got['cold'] - got['cold_sql']:.1f} ms in Python (medians)")
    print("\nwarm: the refresh callback's figures() with the answer in the app's cache and its own process"
          "\nmemo empty (a worker that did not compute it); rebuilt: read_figures recomputing the answer"
          "\nfrom cached query answers; memo: figures() from the worker's own memo; first: the first refresh"
          "\nof a fresh process, on its own (one run); cold and naive interleaved, medians."
          f"\nload average at the end: {os.getloadavg()[0]:.2f}/{os.getloadavg()[1]:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
