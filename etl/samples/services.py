"""Service halls and self-service terminals: one CSV of daily aggregates per month.

Three kinds of service point: the street's 街道公共服务大厅 (every item at the window, most
at terminals and online), each community's 社区便民服务站 (a few items at the window) and
some communities' 24小时自助服务区 (terminals, open every day). Halls and stations close on
Sundays and public holidays and work half days on Saturdays; the share done at terminals
creeps up year by year.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import mess
from .context import Context, Month
from .seasons import self_service_share

ITEMS = ["社保", "医保", "户籍", "民政", "残联", "不动产", "企业登记", "其他"]
ITEM_W = np.array([22, 20, 15, 10, 4, 10, 7, 12], dtype=float)
STATION_ITEMS = [0, 1, 3, 7]
ONLINE_ITEMS = [0, 1, 2, 5, 6, 7]
TERMINAL_ITEMS = [0, 1, 2, 5, 7]
HALL, STATION, SELF = "街道公共服务大厅", "社区便民服务站", "24小时自助服务区"
HEADERS = ["日期", "街道", "社区", "服务点", "事项类别", "渠道", "办件量", "平均等候分钟",
           "评价数", "好评数"]
REVIEW_P = {"窗口": 0.55, "自助终端": 0.3, "网上": 0.2}


def _rows(rng, t, lam: np.ndarray, items: list[int], channel: str, wait_base: float, **fixed):
    """Poisson counts per day and item, with waiting minutes and reviews; zero rows dropped."""
    w = ITEM_W[items] / ITEM_W[items].sum()
    counts = rng.poisson(lam[:, None] * w[None, :])
    day, item = np.nonzero(counts)
    n = counts[day, item]
    load = n / np.maximum(lam[day] * w[item], 0.5)
    monday = t.weekday[day] == 0
    if wait_base:
        wait = np.round(np.maximum(0.5, wait_base * (0.6 + 0.4 * load) * np.where(monday, 1.3, 1.0)
                                   + rng.normal(0, wait_base * 0.15, len(n))), 1)
    else:
        wait = np.zeros(len(n))
    reviews = rng.binomial(n, REVIEW_P[channel])
    good = rng.binomial(reviews, 0.97)
    rows = {"date": t.dates[day], "item": np.array(ITEMS, dtype=object)[np.array(items)[item]],
            "channel": np.full(len(n), channel, dtype=object), "count": n, "wait": wait,
            "reviews": reviews, "good": good}
    rows.update({k: np.full(len(n), v, dtype=object) for k, v in fixed.items()})
    return rows


def _month(ctx: Context, m: Month) -> pd.DataFrame:
    t = m.table
    share = np.array([self_service_share(d) for d in t.days])
    online = 0.12 + 0.6 * (share - 0.15)
    open_hall = np.where(t.closed, 0.0, np.where(t.weekday == 5, 0.4, 1.0)) * t.spring
    parts = []
    by_street: dict[str, list] = {}
    for c in ctx.communities:
        by_street.setdefault(c.street_code, []).append(c)
    for code, name, _ in ctx.streets:
        rng = ctx.rng("services-hall", code, m.key)
        people_k = sum(c.population for c in by_street[code]) / 1000.0
        base = people_k * 1.1 * ctx.scale
        hall = dict(street=name, community="", point=HALL)
        parts.append(_rows(rng, t, base * (1 - share - online) * open_hall, list(range(8)), "窗口",
                           9.0, **hall))
        parts.append(_rows(rng, t, base * share * open_hall, TERMINAL_ITEMS, "自助终端", 1.5, **hall))
        parts.append(_rows(rng, t, base * online * np.where(t.closed, 0.25, 1.0) * t.spring,
                           ONLINE_ITEMS, "网上", 0.0, **hall))
    for c in ctx.communities:
        rng = ctx.rng("services-station", c.code, m.key)
        base = c.population / 1000.0 * 0.45 * ctx.scale
        open_station = np.where(t.closed, 0.0, np.where(t.weekday == 5, 0.5, 1.0)) * t.spring
        parts.append(_rows(rng, t, base * open_station, STATION_ITEMS, "窗口", 3.0,
                           street=c.street_name, community=c.name, point=STATION))
        if c.profile.self_service_area:
            lam = (3 + c.population / 2000.0) * share / 0.2 * ctx.scale * np.where(t.closed, 0.6, 1.0)
            parts.append(_rows(rng, t, lam, TERMINAL_ITEMS, "自助终端", 0.8,
                               street=c.street_name, community=c.name, point=SELF))
    df = pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    # by day, then in the order written: halls street by street, then stations
    order = np.argsort(df["date"].to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


def write(ctx: Context, out: Path) -> list[Path]:
    files = []
    for m in ctx.months:
        df = _month(ctx, m)
        o = m.ordinal
        rng = ctx.rng("services-bad", m.key)
        item, unknown, future = mess.split_bad(rng, mess.bad_rows(rng, len(df)), 3)
        df.loc[item, "item"] = rng.choice(["公积金", "出入境", "税务"], len(item))
        df.loc[unknown, "community"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
        df.loc[future, "date"] = np.datetime64(ctx.end) + rng.integers(30, 400, len(future))
        if o % 2:  # this month the hall rows carry the street's name as their community
            hall = df["point"].to_numpy() == HALL
            df.loc[hall, "community"] = df.loc[hall, "street"]
        df["community"] = mess.messy_names(rng, df["community"].to_numpy(), 0.02)
        df["date"] = mess.format_datetimes(df["date"].to_numpy(), "date_slash" if o % 2 else "date")
        frame = df[["date", "street", "community", "point", "item", "channel", "count", "wait",
                    "reviews", "good"]].copy()
        frame.columns = HEADERS
        encoding = "utf-8-sig" if o % 2 else "gbk"
        files.append(mess.write_csv(out / "services" / f"services_{m.label}.csv", frame,
                                    encoding=encoding))
    return files
