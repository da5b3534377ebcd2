"""How fast the ETL loads a big hotline export, against pandas merely parsing it.

    .venv/bin/python bench/etl_throughput.py [--rows 1000000] [--pairs 3] [--keep DIR]

Writes a GBK work-order CSV the way the 12345 platform exports it (title row, caller
names, phone numbers and complaint text, messy dates, some bad rows) into a temporary
folder, then times, in ``--pairs`` interleaved pairs, (a) a bare C-engine ``pd.read_csv``
of that file and (b) the whole ETL load of it (read, clean, validate, aggregate, write,
roll-up, commit) into a fresh SQLite warehouse. It prints each pair, then the medians
by wall clock and by this process's CPU time (steadier on a shared machine: the ratio
is judged on CPU), with the CPU time of each ETL stage, and the ratio of ETL to parse
speed against the aim of issue 17: at least 0.5.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import load_line, medians, ratio_line  # noqa: E402
from data.catalog import read_areas  # noqa: E402
from data.db import dispose_engines  # noqa: E402
from etl import pipeline  # noqa: E402

CATEGORIES = ["物业管理", "噪音扰民", "市政设施", "环境卫生", "交通出行", "医疗卫生", "教育", "社会保障", "住房保障",
              "市场监管", "城市管理", "劳动纠纷", "消费维权", "公共安全", "停车管理", "供水供电", "燃气", "占道经营"]
CHANNELS, CHANNEL_P = ["电话", "微信", "APP", "网站", "信件"], [0.55, 0.2, 0.15, 0.08, 0.02]
TYPES, TYPE_P = ["咨询", "求助", "投诉", "建议", "表扬", "举报"], [0.3, 0.2, 0.35, 0.08, 0.03, 0.04]
STATUSES, STATUS_P = ["已办结", "办理中", "已退回"], [0.86, 0.11, 0.03]
RATINGS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意", "未评价", ""]
RATING_P = [0.35, 0.25, 0.1, 0.04, 0.01, 0.15, 0.10]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂")
COMPLAINTS = ["反映小区楼上漏水，物业不处理", "夜间施工噪音扰民，影响休息", "路灯损坏多日未修", "垃圾清运不及时，气味大",
              "小区门口占道经营，通行困难", "咨询社保卡办理流程", "电梯频繁故障，存在安全隐患", "共享单车乱停放堵塞人行道"]


def write_export(path: Path, rows: int, seed: int = 7, first: int = 0, append: bool = False) -> Path:
    """A realistic export of ``rows`` work orders over a year in the register's communities.

    ``append`` adds the rows (order numbers from ``first``) to an export already begun.
    """
    rng = np.random.default_rng(seed)
    areas = read_areas()
    names = areas.set_index("code")["name"]
    communities = areas[areas["level"] == "community"]
    pick = communities.sample(n=rows, replace=True, random_state=seed)
    streets = pick["parent_code"].map(names).to_numpy()
    districts = pick["parent_code"].str[:6].add("000000").map(names).to_numpy()
    start = np.datetime64("2024-04-01T00:00")
    received = start + rng.integers(0, 365 * 24 * 60, rows).astype("timedelta64[m]")
    stamp = pd.Series(received)
    text = stamp.dt.strftime("%Y-%m-%d %H:%M:%S")
    slash = stamp.dt.strftime("%Y/%m/%d %H:%M").str.replace("/0", "/", regex=False)
    status = rng.choice(STATUSES, rows, p=STATUS_P)
    closed = pd.Series(received + rng.integers(60, 10 * 24 * 60, rows).astype("timedelta64[m]")).dt.strftime("%Y-%m-%d %H:%M:%S")
    frame = pd.DataFrame({
        "工单编号": [f"CD12345{n:010d}" for n in range(first, first + rows)],
        "受理时间": np.where(rng.random(rows) < 0.5, text, slash),
        "诉求渠道": rng.choice(CHANNELS, rows, p=CHANNEL_P),
        "诉求类型": rng.choice(TYPES, rows, p=TYPE_P),
        "诉求类别": rng.choice(CATEGORIES, rows),
        "所属区县": districts,
        "所属街道": streets,
        "所属社区": pick["name"].to_numpy(),
        "来电人": np.char.add(rng.choice(SURNAMES, rows), rng.choice(GIVEN, rows)),
        "联系电话": np.char.add("13", rng.integers(100000000, 999999999, rows).astype(str)),
        "诉求内容": rng.choice(COMPLAINTS, rows),
        "办理状态": status,
        "办结时间": np.where(status == "已办结", closed, ""),
        "办理时限": "5个工作日",
        "是否超期": np.where(rng.random(rows) < 0.06, "是", "否"),
        "满意度": rng.choice(RATINGS, rows, p=RATING_P),
    })
    bad = rng.random(rows) < 0.001  # a few rows the ETL must turn away
    frame.loc[bad, "满意度"] = "很好"
    with open(path, "a" if append else "w", encoding="gbk", newline="") as handle:
        if not append:
            handle.write("12345工单明细导出\r\n")
        frame.to_csv(handle, index=False, header=not append, lineterminator="\r\n")
    return path


class StageClock:
    """A progress hook for :func:`etl.pipeline.load_location` that notes when each stage
    ends, by wall clock and by this process's CPU time."""

    def __init__(self):
        self.marks: list[tuple[str, float, float]] = []

    def __call__(self, label: str, total: int) -> StageClock:
        self.marks = [("start", time.perf_counter(), time.process_time())]
        return self

    def set_postfix_str(self, stage: str, refresh: bool = False) -> None:
        self.marks.append((stage, time.perf_counter(), time.process_time()))

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        self.marks.append(("commit", time.perf_counter(), time.process_time()))

    def cpu(self) -> dict[str, float]:
        """CPU seconds per stage, summed over the chunks of the file."""
        spent: dict[str, float] = {}
        for (_, _, begin), (name, _, end) in zip(self.marks, self.marks[1:]):
            spent[name] = spent.get(name, 0.0) + end - begin
        return spent


def parse(path: Path, rows: int) -> tuple[float, float]:
    """Wall and CPU seconds of a bare C-engine parse of the whole export."""
    wall, cpu = time.perf_counter(), time.process_time()
    parsed = pd.read_csv(path, encoding="gbk", skiprows=1, dtype=str, keep_default_na=False, engine="c")
    took = time.perf_counter() - wall, time.process_time() - cpu
    assert len(parsed) == rows
    return took


def etl(path: Path, folder: Path) -> tuple[float, float, dict[str, float], str]:
    """Wall and CPU seconds of the whole ETL load into a fresh warehouse, CPU per stage, and what it loaded."""
    database = folder / "warehouse.db"
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        stale.unlink(missing_ok=True)  # an earlier warehouse: the load would be "unchanged"
    engine = pipeline.prepare_warehouse(f"sqlite:///{database}")
    pipeline._SEEN.clear()  # the checksum is part of the work: not remembered from the last pair
    stages = StageClock()
    wall, cpu = time.perf_counter(), time.process_time()
    [result] = pipeline.load_location(engine, "hotline", str(path), progress=stages)
    etl_s, etl_cpu = time.perf_counter() - wall, time.process_time() - cpu
    with engine.connect() as conn:
        facts = conn.exec_driver_sql("SELECT count(*) FROM fact").scalar()
        items = conn.exec_driver_sql("SELECT count(*) FROM item").scalar()
    dispose_engines()  # the next pair's fresh file is a new warehouse, with its own engine
    loaded = (f"loaded {result.rows_loaded:,}, rejected {result.rows_rejected:,}, {facts:,} facts, "
              f"{items:,} work items")
    return etl_s, etl_cpu, stages.cpu(), loaded


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3, help="interleaved parse/ETL pairs (medians over them)")
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="csb-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        path = write_export(folder / "hotline.csv", args.rows)
        size = path.stat().st_size
        print(f"export: {args.rows:,} rows, {size / 1e6:.1f} MB GBK, written in {time.perf_counter() - began:.1f} s")

        rows = args.rows
        parses, loads, stages = [], [], []
        for pair in range(args.pairs):
            before = load()
            # Alternate which goes first, so a burst of load elsewhere falls on both alike.
            if pair % 2 == 0:
                parses.append(parse(path, rows))
                *timing, stage, loaded = etl(path, folder)
            else:
                *timing, stage, loaded = etl(path, folder)
                parses.append(parse(path, rows))
            loads.append(tuple(timing))
            stages.append(stage)
            print(f"pair {pair + 1}: parse {parses[-1][1]:6.2f} s CPU ({parses[-1][0]:6.2f} wall), "
                  f"ETL {loads[-1][1]:6.2f} s CPU ({loads[-1][0]:6.2f} wall), ratio "
                  f"{parses[-1][1] / loads[-1][1]:.2f} CPU; load before {before}")
        parse_s, parse_cpu = medians(parses)
        etl_s, etl_cpu = medians(loads)
        ratios = [p[1] / e[1] for p, e in zip(parses, loads)]
        per_stage = {name: statistics.median(s.get(name, 0.0) for s in stages) for name in stages[0]}
        print(f"medians of {args.pairs} interleaved pairs:")
        print(f"pandas read_csv : {parse_s:7.2f} s wall {rows / parse_s:11,.0f} rows/s | "
              f"{parse_cpu:7.2f} s CPU {rows / parse_cpu:11,.0f} rows/s")
        print(f"ETL load        : {etl_s:7.2f} s wall {rows / etl_s:11,.0f} rows/s | "
              f"{etl_cpu:7.2f} s CPU {rows / etl_cpu:11,.0f} rows/s")
        print(f"  {loaded}; stages (CPU): {', '.join(f'{n} {v:.2f} s' for n, v in per_stage.items())}")
        print(ratio_line("ETL / parse", (parse_s, parse_cpu), (etl_s, etl_cpu))
              + f" (median of pair ratios {statistics.median(ratios):.2f}; aim: at least 0.5)")
        print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
