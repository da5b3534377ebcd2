"""网格事件 (grid events): one XLSX per month with a title row and a two-row merged header.

Grid workers report 20 to 80 events a month per community, spread over the grid cells by
households, mostly in working hours; urgent events close within hours, ordinary ones in a
day or a few.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import mess, people
from .context import Context, Month, stack
from .places import Community
from .xlsx import Sheet, write_workbook

CATEGORIES = {
    "安全隐患": ["消防通道堵塞", "电动车违规充电", "燃气使用隐患", "高空坠物隐患", "房屋安全隐患"],
    "矛盾纠纷": ["邻里纠纷", "家庭纠纷", "物业纠纷", "劳资纠纷", "房屋租赁纠纷"],
    "环境卫生": ["垃圾乱堆乱放", "乱贴乱画", "污水外溢", "绿化带损毁", "卫生死角"],
    "治安防控": ["可疑人员线索", "出租房屋登记", "重点人员走访", "防诈骗宣传"],
    "民生服务": ["独居老人探访", "困难群众帮扶", "残疾人帮扶", "就业需求登记", "政策咨询"],
    "城市管理": ["占道经营", "违章搭建", "乱停乱放", "井盖破损", "路灯损坏"],
}
MAJOR = list(CATEGORIES)
MAJOR_W = np.array([22, 12, 24, 10, 20, 12], dtype=float)
URGENCY = np.array(["一般", "紧急", "特急"], dtype=object)
URGENCY_P = [0.9, 0.08, 0.02]
MEDIAN_HOURS = np.array([18.0, 4.0, 1.5])

GROUPS = [("事件信息", ["事件编号", "上报时间"]),
          ("属地", ["区县", "街道", "社区", "网格编号", "网格名称"]),
          ("事件内容", ["事件大类", "事件小类", "紧急程度"]),
          ("处置情况", ["处置状态", "办结时间"]),
          ("上报人", ["上报人"])]


def monthly_events(c: Community) -> float:
    """About 20 events a month in a small community, 80 in a large one."""
    return 20 + 60 * float(np.clip((c.households - 1500) / 9000, 0, 1))


def _community_events(ctx: Context, m: Month, c: Community) -> dict | None:
    rng = ctx.rng("grid_events", c.code, m.key)
    t = m.table
    lam = (monthly_events(c) / 30.4 * ctx.scale * t.spring * (0.85 + 0.5 * (t.summer - 1))
           * np.where(t.weekend | t.holiday, 0.6, 1.15))
    counts = rng.poisson(lam)
    n = int(counts.sum())
    if n == 0:
        return None
    day = np.repeat(np.arange(t.n), counts)
    hh = np.array([g.households for g in c.grids], dtype=float)
    grid = rng.choice(len(c.grids), size=n, p=hh / hh.sum())
    minute = (7 * 60 + 14 * 60 * rng.beta(2.2, 2.5, n)).astype(np.int64)  # 7:00 to 21:00
    reported = (t.dates[day].astype("datetime64[s]")
                + (minute * 60 + rng.integers(0, 60, n)).astype("timedelta64[s]"))
    w = np.tile(MAJOR_W, (n, 1))
    heat = ((t.summer[day] - 1.0) / 0.3)
    w[:, 0] *= 1 + 0.6 * heat
    w[:, 2] *= 1 + 0.4 * heat
    cum = w.cumsum(axis=1)
    major = (cum < (rng.random(n) * cum[:, -1])[:, None]).sum(axis=1)
    minor = [CATEGORIES[MAJOR[k]][p % len(CATEGORIES[MAJOR[k]])]
             for k, p in zip(major.tolist(), rng.integers(0, 5, n).tolist())]
    urgency = rng.choice(3, size=n, p=URGENCY_P)
    hours = np.minimum(rng.lognormal(np.log(MEDIAN_HOURS[urgency]), 0.9), 24 * 30)
    closed = reported + (np.maximum(hours, 0.25) * 3600).astype("timedelta64[s]")
    done = closed <= ctx.end_moment
    checked = done & (closed + np.timedelta64(2 * 86400, "s") <= ctx.end_moment) & (rng.random(n) < 0.55)
    fresh = ctx.end_moment - reported < np.timedelta64(6 * 3600, "s")
    status = np.where(checked, "已核查", np.where(done, "已办结", np.where(fresh, "待受理", "处置中")))
    # each cell has its own grid worker, the same person in every month
    workers = people.names(ctx.rng("grid-workers", c.code), len(c.grids))
    return {
        "reported": reported,
        "district": np.full(n, c.district_name, dtype=object),
        "street": np.full(n, c.street_name, dtype=object),
        "community": np.full(n, c.name, dtype=object),
        "grid_code": np.array([g.code for g in c.grids], dtype=object)[grid],
        "grid_name": np.array([g.name for g in c.grids], dtype=object)[grid],
        "major": np.array(MAJOR, dtype=object)[major],
        "minor": np.array(minor, dtype=object),
        "urgency": URGENCY[urgency],
        "status": status.astype(object),
        "closed": np.where(done, closed, np.datetime64("NaT")).astype("datetime64[s]"),
        "reporter": workers[grid],
    }


def write(ctx: Context, out: Path) -> list[Path]:
    files = []
    for m in ctx.months:
        df = stack([_community_events(ctx, m, c) for c in ctx.communities])
        if df is None:
            continue
        df = df.iloc[np.argsort(df["reported"].to_numpy(), kind="stable")].reset_index(drop=True)
        day = df["reported"].to_numpy().astype("datetime64[D]")
        seq = df.groupby(day).cumcount().to_numpy() + 1
        ids = np.strings.add(np.strings.add("SJ", np.strings.replace(
            mess.format_datetimes(day, "date").astype(str), "-", "")),
            np.strings.zfill(seq.astype(str), 4))
        df.insert(0, "id", ids.astype(object))
        rng = ctx.rng("grid_events-bad", m.key)
        unknown, future, stray = mess.split_bad(rng, mess.bad_rows(rng, len(df)), 3)
        df.loc[unknown, "community"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
        df.loc[future, "reported"] = np.datetime64(ctx.end, "s") + (
            rng.integers(30, 400, len(future)) * 86400
            + rng.integers(8 * 3600, 18 * 3600, len(future))).astype("timedelta64[s]")
        df.loc[stray, "grid_code"] = [g[:12] + "999" for g in df.loc[stray, "grid_code"]]
        df["community"] = mess.messy_names(ctx.rng("grid_events-names", m.key),
                                           df["community"].to_numpy(), 0.04)
        files.append(_write_month(m, df, out))
    return files


def _write_month(m: Month, df, out: Path) -> Path:
    o = m.ordinal
    headers = [h for _, hs in GROUPS for h in hs]
    sheet = Sheet("事件台账")
    sheet.row([f"网格化服务管理事件台账（{m.zh}）"])
    sheet.merge(1, 0, 1, len(headers) - 1)
    top = []
    col = 0
    for group, members in GROUPS:
        top += [group] + [""] * (len(members) - 1)
        if len(members) > 1:
            sheet.merge(2, col, 2, col + len(members) - 1)
        else:
            sheet.merge(2, col, 3, col)
        col += len(members)
    sheet.row(top, "s" * len(top))
    sheet.row([h if len(members) > 1 else "" for _, members in GROUPS for h in members],
              "s" * len(headers))
    if o % 2 == 0:
        reported = (mess.excel_serial(df["reported"].to_numpy()), "d")
    else:
        reported = (mess.format_datetimes(df["reported"].to_numpy(), "iso"), "s")
    # every third file, someone let Excel turn the grid codes into numbers
    grid_code = (df["grid_code"].astype("int64").to_numpy(), "n") if o % 3 == 0 else (df["grid_code"].to_numpy(), "s")
    closed = (mess.excel_serial(df["closed"].to_numpy()), "n" if o % 2 else "d")
    sheet.block([(df["id"].to_numpy(), "s"), reported, (df["district"].to_numpy(), "s"),
                 (df["street"].to_numpy(), "s"), (df["community"].to_numpy(), "s"), grid_code,
                 (df["grid_name"].to_numpy(), "s"), (df["major"].to_numpy(), "s"),
                 (df["minor"].to_numpy(), "s"), (df["urgency"].to_numpy(), "s"),
                 (df["status"].to_numpy(), "s"), closed, (df["reporter"].to_numpy(), "s")])
    sheet.blank_rows(o % 3)
    return write_workbook(out / "grid_events" / f"grid_events_{m.label}.xlsx", [sheet])
