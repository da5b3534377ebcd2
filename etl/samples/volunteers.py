"""Volunteer platform: one CSV of service records per month (UTF-8 or GBK).

Every community has the same volunteers (stable ids, names, phones) in the same teams in
every month; a few regulars serve most of the hours. March (学雷锋) is the busiest month,
the Spring Festival the quietest.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import mess, people
from .context import Context, Month, stack
from .places import Community

CATEGORIES = np.array(["助老", "助残", "文明劝导", "环境保护", "应急救援", "社区治理"], dtype=object)
_FOCUS = [("助老", 0), ("长者", 0), ("康复", 1), ("助残", 1), ("帮扶", 1), ("劝导", 2), ("文明", 2),
          ("环境", 3), ("清洁", 3), ("应急", 4), ("救援", 4), ("巡逻", 4), ("安全", 4)]
HOURS = np.array([0.5, 1, 1.5, 2, 2.5, 3, 4, 6])
HOURS_P = [0.05, 0.2, 0.15, 0.25, 0.1, 0.13, 0.09, 0.03]
MONTH_FACTOR = {1: 0.85, 2: 0.7, 3: 1.5, 4: 1.0, 5: 1.0, 6: 1.0, 7: 1.1, 8: 1.05, 9: 1.0,
                10: 1.05, 11: 0.95, 12: 0.9}
HEADERS = ["记录编号", "志愿者编号", "姓名", "手机号", "队伍名称", "所属社区", "服务日期",
           "服务时长(小时)", "服务类别"]


def _focus(team: str) -> int:
    for word, k in _FOCUS:
        if word in team:
            return k
    return 5


class Roster:
    """A community's volunteers: the same in every month."""

    def __init__(self, ctx: Context, c: Community):
        rng = ctx.rng("volunteer-roster", c.code)
        n = int(30 + c.households / 60)
        self.ids = np.array([f"ZY{c.code}{i:04d}" for i in range(1, n + 1)], dtype=object)
        self.names = people.names(rng, n)
        self.phones = people.phones(rng, n)
        teams = c.profile.volunteer_teams or ("邻里守望队",)
        self.team_names = np.array([c.short_name + "社区" + t if not t.startswith(c.short_name)
                                    else t for t in teams], dtype=object)
        self.team = rng.integers(0, len(teams), n)
        self.focus = np.array([_focus(t) for t in teams])[self.team]
        self.weight = rng.gamma(0.7, 1.0, n) + 0.02


def _records(ctx: Context, m: Month, c: Community, roster: Roster) -> dict | None:
    rng = ctx.rng("volunteers", c.code, m.key)
    t = m.table
    lam = (len(roster.ids) * 0.35 / 30.4 * MONTH_FACTOR[m.month] * ctx.scale
           * np.where(t.weekend, 1.8, 0.8) * t.spring)
    counts = rng.poisson(lam)
    n = int(counts.sum())
    if n == 0:
        return None
    day = np.repeat(np.arange(t.n), counts)
    who = rng.choice(len(roster.ids), size=n, p=roster.weight / roster.weight.sum())
    category = np.where(rng.random(n) < 0.7, roster.focus[who], rng.integers(0, 6, n))
    return {
        "volunteer": roster.ids[who], "name": roster.names[who], "phone": roster.phones[who],
        "team": roster.team_names[roster.team[who]], "community": np.full(n, c.name, dtype=object),
        "date": t.dates[day], "hours": rng.choice(HOURS, size=n, p=HOURS_P),
        "category": CATEGORIES[category],
    }


def write(ctx: Context, out: Path) -> list[Path]:
    rosters = {c.code: Roster(ctx, c) for c in ctx.communities}
    files = []
    for m in ctx.months:
        df = stack([_records(ctx, m, c, rosters[c.code]) for c in ctx.communities])
        if df is None:
            continue
        df = df.iloc[np.argsort(df["date"].to_numpy(), kind="stable")].reset_index(drop=True)
        df.insert(0, "id", [f"JL{m.key}{i:06d}" for i in range(1, len(df) + 1)])
        rng = ctx.rng("volunteers-bad", m.key)
        negative, unknown, future = mess.split_bad(rng, mess.bad_rows(rng, len(df)), 3)
        df.loc[negative, "hours"] = -df.loc[negative, "hours"]
        df.loc[unknown, "community"] = rng.choice(mess.UNKNOWN_COMMUNITIES, len(unknown))
        df.loc[future, "date"] = np.datetime64(ctx.end) + rng.integers(30, 400, len(future))
        df["community"] = mess.messy_names(ctx.rng("volunteers-names", m.key),
                                           df["community"].to_numpy(), 0.03)
        o = m.ordinal
        df["date"] = mess.format_datetimes(df["date"].to_numpy(), "date" if o % 2 else "date_slash")
        df.columns = HEADERS
        encoding = "gbk" if o % 2 == 0 else "utf-8"
        files.append(mess.write_csv(out / "volunteers" / f"volunteers_{m.label}.csv", df,
                                    encoding=encoding, blank_rows=o % 2))
    return files
