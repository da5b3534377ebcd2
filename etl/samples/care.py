""""One old, one young" (一老一小) services: one CSV per month, daily per community and item.

Meal points serve lunch every weekday; home visits and rehabilitation run on working days;
childcare follows the school calendar (after-school care in term, holiday care in the
winter and summer breaks, busiest at 汇泉路社区); 锦城社区 runs public infant care.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import mess
from .context import Context, Month, stack
from .places import Community

HEADERS = ["日期", "社区", "服务项目", "服务人次"]


def _services(ctx: Context, m: Month, c: Community) -> dict | None:
    rng = ctx.rng("care", c.code, m.key)
    t = m.table
    p = c.profile
    k = c.population / 10000.0
    work = (t.workday & True).astype(float) * t.spring
    term = work * ~t.school_break
    holiday_care = (~t.weekend & ~t.holiday & t.school_break).astype(float)
    lam = {
        "老年助餐": work * (40 + 45 * k) if p.meal_point else None,
        "居家养老上门": work * (1.5 + 3 * k),
        "康复理疗": work * (8 + 6 * k) if p.rehab_room else None,
        "儿童托管": ((term * (6 + 6 * k) if p.after_school_care else 0)
                 + (holiday_care * (30 + 25 * k) * (1.6 if p.activity_signups >= 1000 else 1.0)
                    if p.holiday_childcare else 0)),
        "婴幼儿托育": work * (28 + 4 * k) if p.infant_care else None,
        "困境儿童帮扶": work * (0.6 if p.children_in_difficulty else 0.04),
    }
    dates, items, counts = [], [], []
    for item, rate in lam.items():
        if rate is None or np.isscalar(rate):
            continue
        n = rng.poisson(rate * ctx.scale)
        keep = n > 0
        dates.append(t.dates[keep])
        items.append(np.full(int(keep.sum()), item, dtype=object))
        counts.append(n[keep])
    if not dates:
        return None
    count = np.concatenate(counts)
    return {"date": np.concatenate(dates), "community": np.full(len(count), c.name, dtype=object),
            "item": np.concatenate(items), "count": count}


def write(ctx: Context, out: Path) -> list[Path]:
    files = []
    for m in ctx.months:
        df = stack([_services(ctx, m, c) for c in ctx.communities])
        if df is None:
            continue
        df = df.iloc[np.argsort(df["date"].to_numpy(), kind="stable")].reset_index(drop=True)
        rng = ctx.rng("care-bad", m.key)
        unknown, future = mess.split_bad(rng, mess.bad_rows(rng, len(df)), 2)
        df.loc[unknown, "community"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
        df.loc[future, "date"] = np.datetime64(ctx.end) + rng.integers(30, 400, len(future))
        df["community"] = mess.messy_names(rng, df["community"].to_numpy(), 0.03)
        o = m.ordinal
        df["date"] = mess.format_datetimes(df["date"].to_numpy(), "date" if o % 3 else "date_slash")
        df.columns = HEADERS
        files.append(mess.write_csv(out / "care" / f"care_{m.label}.csv", df,
                                    encoding="gbk" if o % 2 else "utf-8-sig",
                                    blank_rows=2 if o % 4 == 0 else 0))
    return files
