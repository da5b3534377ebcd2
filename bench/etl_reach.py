"""The ETL's extra cost for participation reach, as a ratio to the same load without it.

    .venv/bin/python bench/etl_reach.py [--rows 1000000] [--repeats 3]

Writes a JSON Lines export of ``--rows`` activity sign-ups over a year in the register's
communities (resident ids from per-community pools, some from a neighbouring community,
phone numbers, names), then loads it into a fresh SQLite warehouse ``--repeats`` times with
reach and as often without it, interleaved (with, without, with, ...) so a busy machine
weighs on both alike, and prints the medians (wall clock and this process's CPU time) and
their ratio. "Without" is the same load with the reach step switched off: ids are not
pseudonymised (``etl.pipeline._pseudonymised`` passes the chunks on) and no people reach the
store or the aggregates (``etl.reach.people`` gives None). The hotline export of
bench/etl_throughput.py carries no ids: reach costs it nothing.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import load_line, medians, ratio_line  # noqa: E402
from data.catalog import read_areas  # noqa: E402
from etl import pipeline, reach  # noqa: E402
from etl.config import limits_for  # noqa: E402

TYPES = ["党建", "文化", "体育", "亲子", "助老", "公益课程", "志愿服务", "议事协商"]
AGE_BANDS = ["0-17", "18-34", "35-59", "60+"]


def write_export(path: Path, rows: int, seed: int = 11) -> Path:
    """``rows`` sign-ups from 2025-01 to 2025-12 in every registered community."""
    rng = np.random.default_rng(seed)
    communities = read_areas()
    codes = communities.loc[communities["level"] == "community", "code"].to_numpy(dtype=str)
    pool = 400  # residents per community who take part
    home = rng.integers(0, len(codes), rows)
    where = np.where(rng.random(rows) < 0.08, np.minimum(home + 1, len(codes) - 1), home)  # a neighbour's resident
    who = np.minimum(rng.zipf(1.6, rows), pool) - 1
    resident = np.char.add(np.char.add("JM", codes[home].astype("U12")), np.char.zfill(who.astype("U4"), 4))
    activity = rng.integers(0, 60, rows)
    day = np.datetime64("2025-01-01") + rng.integers(0, 365, rows).astype("timedelta64[D]")
    start = np.char.add(day.astype("U10"), " 09:30")
    kind = np.array(TYPES)[rng.integers(0, len(TYPES), rows)]
    age = np.array(AGE_BANDS)[who % 4]
    checked = np.where(rng.random(rows) < 0.88, "true", "false")
    party = np.where(rng.random(rows) < 0.2, "true", "false")
    phone = np.char.add("13", rng.integers(100000000, 999999999, rows).astype("U9"))
    with open(path, "w", encoding="utf-8") as out:
        for i in range(0, rows, 100_000):
            part = slice(i, min(rows, i + 100_000))
            lines = [
                f'{{"activity_id":"HD{c}{a:03d}","activity_name":"社区活动","community":"{c}","type":"{k}",'
                f'"start_time":"{s}","participant":{{"id":"{r}","phone":"{p}","age_band":"{g}",'
                f'"is_party_member":{pm},"gender":"女"}},"checked_in":{ck},"name":"王芳"}}\n'
                for c, a, k, s, r, p, g, pm, ck in zip(codes[where[part]], activity[part], kind[part], start[part],
                                                      resident[part], phone[part], age[part], party[part],
                                                      checked[part])]
            out.writelines(lines)
    return path


@contextmanager
def without_reach():
    """The load with the reach step switched off (see the module doc)."""
    with patch.object(pipeline, "_pseudonymised", lambda chunks, fields: chunks), \
            patch.object(reach, "people", lambda *args, **kwargs: None):
        yield


def load_once(folder: Path, export: Path, run: int, with_reach: bool) -> tuple[float, float, int]:
    """(wall s, CPU s, facts) of one load of ``export`` into a fresh warehouse and store."""
    database = folder / f"warehouse-{run}.db"
    os.environ["CSB_REACH_STORE"] = str(folder / f"reach-{run}.db")
    engine = pipeline.prepare_warehouse(f"sqlite:///{database}")
    wall, cpu = time.perf_counter(), time.process_time()
    # The source's own limits, but room for the whole file (its default is 256 MB).
    limits = dataclasses.replace(limits_for("activities"), max_bytes=2 * 2**30)
    if with_reach:
        [result] = pipeline.load_location(engine, "activities", str(export), limits=limits)
    else:
        with without_reach():
            [result] = pipeline.load_location(engine, "activities", str(export), limits=limits)
    spent = time.perf_counter() - wall, time.process_time() - cpu
    assert result.status == "success", result.message
    with engine.connect() as conn:
        facts = conn.exec_driver_sql("SELECT count(*) FROM fact").scalar() or 0
    engine.dispose()
    return spent[0], spent[1], facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("CSB_PSEUDONYM_KEY", "bench-" + "x" * 40)
    with tempfile.TemporaryDirectory(prefix="csb-bench-reach-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        export = write_export(folder / "signups.jsonl", args.rows)
        print(f"export: {args.rows:,} sign-ups, {export.stat().st_size / 1e6:.0f} MB, "
              f"written in {time.perf_counter() - began:.1f} s")
        times: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
        for run in range(args.repeats * 2):
            with_reach = run % 2 == 0
            spent = load_once(folder, export, run, with_reach)
            times[with_reach].append(spent)
            print(f"  run {run + 1}: {'with' if with_reach else 'without'} reach {spent[0]:6.1f} s wall, "
                  f"{spent[1]:6.1f} s CPU, {spent[2]:,} facts")
        found = {k: medians(v) for k, v in times.items()}
        print(f"median with reach   : {found[True][0]:6.1f} s wall, {found[True][1]:6.1f} s CPU")
        print(f"median without reach: {found[False][0]:6.1f} s wall, {found[False][1]:6.1f} s CPU")
        print(ratio_line("with / without", found[True], found[False]))
        print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
