"""What a small re-delivery costs against the city-scale PostgreSQL warehouse.

    .venv/bin/python bench/etl_redelivery.py [--source hotline|care] [--days 2026-11-22 ...]
        [--every N] [--runs 3] [--keep] [--source-db csb_city] [--copy csb_city_copy]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432]

Never writes to ``--source-db``: it loads into ``--copy`` (made with ``CREATE DATABASE copy
TEMPLATE source`` when it does not exist, retried every 30 s while the source is in use;
dropped at the end unless ``--keep``). It writes the source's sample export (the generator of
``etl/samples``, given the copy's area register: every community of the city, or of every
N-th street with ``--every N``, so spread over the city) and keeps
the rows of the chosen days, then loads that ``--runs`` times through the real ETL path
(``pipeline.load_location``), each time as a corrected re-delivery that leaves out a
different 2 % of the rows (so no run, in this invocation or a later one on a kept copy, is
"unchanged", and each one deletes facts the one before wrote). For every run it prints the
wall-clock time of the whole load and the part of it spent in ``etl.load.remove_replaced``
(wrapped by this script; nothing in the ETL is changed), then the medians. It measures the
code checked out: run it before and after a change to compare.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl import load, pipeline  # noqa: E402
from etl.samples import generate  # noqa: E402


def make_copy(server: str, source: str, copy: str) -> bool:
    """Create ``copy`` from ``source`` unless it exists; True when it was made here."""
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": copy}).scalar():
            return False
        for attempt in range(20):
            try:
                started = time.perf_counter()
                conn.exec_driver_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
                print(f"created {copy} from {source} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
                return True
            except Exception as err:  # the source is in use: wait and retry
                if "being accessed by other users" not in str(err) or attempt == 19:
                    raise
                time.sleep(30)
    return False


def drop_copy(server: str, copy: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy}"')


DAY_COLUMN = {"hotline": "受理时间", "care": "日期"}  # the column whose day a row counts on


def _day(cell: str) -> date | None:
    try:
        year, month, day = cell.split(" ")[0].replace("/", "-").split("-")
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def export(url: str, source: str, days: list[date], work: Path,
           every: int = 1) -> tuple[list[list[str]], list[list[str]]]:
    """The rows above the data (title, header) and the data rows of ``days``, of ``source``'s
    sample export for the communities of every ``every``-th street of the warehouse's register."""
    engine = create_engine(url)
    areas = work / "areas.csv"
    with engine.connect() as conn, open(areas, "w", newline="", encoding="utf-8") as out:
        rows = conn.exec_driver_sql("SELECT code, name, name_en, level, parent_code, population, households, "
                                    "lon, lat, is_sample FROM area ORDER BY code").all()
        writer = csv.writer(out)
        writer.writerow(["code", "name", "name_en", "level", "parent_code", "population", "households",
                         "lon", "lat", "is_sample"])
        for r in rows:
            writer.writerow(["" if v is None else ("true" if v is True else "false" if v is False else v) for v in r])
        streets = [r[0] for r in rows if r[3] == "street"][::every]
    engine.dispose()
    end = max(days)
    months = (end.year - min(days).year) * 12 + end.month - min(days).month + 1
    generate(work / "samples", end=end, months=months, areas_path=areas, sources=[source],
             streets=None if every == 1 else streets)
    wanted = set(days)
    head: list[list[str]] = []
    kept: list[list[str]] = []
    for path in sorted((work / "samples" / source).glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            head = []
            for row in reader:
                head.append(row)
                if DAY_COLUMN[source] in row:
                    at = row.index(DAY_COLUMN[source])
                    break
            kept.extend(r for r in reader if len(r) > at and _day(r[at]) in wanted)
    return head, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", nargs="+", type=date.fromisoformat, default=[date(2026, 11, 22)])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", choices=sorted(DAY_COLUMN), default="hotline")
    parser.add_argument("--every", type=int, default=1, metavar="N",
                        help="only every N-th street's communities (default 1: the whole city)")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--source-db", default="csb_city")
    parser.add_argument("--copy", default="csb_city_copy")
    parser.add_argument("--keep", action="store_true", help="keep the copy database afterwards")
    args = parser.parse_args(argv)

    made = make_copy(args.server, args.source_db, args.copy)
    url = f"{args.server}/{args.copy}"
    spent = {"remove_replaced": 0.0, "calls": 0}
    original = load.remove_replaced

    def timed(*a, **k):
        started = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            spent["remove_replaced"] += time.perf_counter() - started
            spent["calls"] += 1

    load.remove_replaced = timed
    totals, removes = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            head, orders = export(url, args.source, sorted(args.days), work, args.every)
            print(f"{args.source} re-delivery: {len(orders)} rows, days {', '.join(map(str, sorted(args.days)))}")
            engine = pipeline.prepare_warehouse(url)
            with engine.connect() as conn:  # a seed per run of the source: never a file loaded before
                earlier = conn.execute(text("SELECT count(*) FROM etl_run WHERE source = :s"),
                                       {"s": args.source}).scalar_one()
            for run in range(args.runs):
                path = work / f"{args.source}_redelivery_{run}.csv"
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                writer.writerows(head)
                left_out = set(random.Random(earlier + run).sample(range(len(orders)), len(orders) // 50))
                writer.writerows(r for i, r in enumerate(orders) if i not in left_out)
                path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
                spent.update(remove_replaced=0.0, calls=0)
                started = time.perf_counter()
                results = pipeline.load_location(engine, args.source, str(path))
                total = time.perf_counter() - started
                totals.append(total)
                removes.append(spent["remove_replaced"])
                status = ", ".join(f"{r.status} run {r.run_id}: {r.message[:60]}" for r in results)
                print(f"run {run + 1}: load {total:.2f} s, remove_replaced {spent['remove_replaced']:.2f} s "
                      f"in {spent['calls']} calls ({100 * spent['remove_replaced'] / total:.0f} %)  [{status}]")
            engine.dispose()
        print(f"median of {args.runs}: load {statistics.median(totals):.2f} s, "
              f"remove_replaced {statistics.median(removes):.2f} s")
    finally:
        load.remove_replaced = original
        if not args.keep:
            drop_copy(args.server, args.copy)
        elif made:
            print(f"kept {args.copy}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
