"""Party organisation monthly reports: one XLSX per year, a row per community and month.

Party members (70 to 250 per community) drift slowly from a fixed origin in 2020, so a
month's figure does not depend on the window asked for; new members cluster around 1 July.
The sheet has a title row, a 合计 row, months written two ways and numbers now and then
stored as text, as in the spreadsheets the street offices pass around. The current month's
report is not delivered yet: it arrives after its month ends.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import mess
from .context import Context
from .places import Community
from .xlsx import Sheet, write_workbook

HEADERS = ["统计月份", "街道", "社区", "党组织数", "党员总数", "流动党员数", "本月发展党员",
           "三会一课次数", "主题党日次数", "微党校学习人次", "党员志愿服务时长"]
ORIGIN = (2020, 1)


def _history(ctx: Context, c: Community, last_key: int) -> dict[int, list[float]]:
    """Monthly figures from ORIGIN up to ``last_key`` (YYYYMM), keyed by YYYYMM."""
    rng = ctx.rng("party", c.code)
    p = c.profile
    members = float(p.party_members)
    branches = 2 + int(members // 45)
    out = {}
    y, m = ORIGIN
    while y * 100 + m <= last_key:
        new = rng.poisson(0.9 if m in (6, 7) else 0.18)
        moved = rng.poisson(0.45) - rng.poisson(0.45) - rng.poisson(0.08)
        members = float(np.clip(members + new + moved, 70, 250))
        if rng.random() < 0.01:
            branches = int(np.clip(branches + rng.choice([-1, 1]), 2, 8))
        orgs = branches + 1  # the community party committee and its branches
        mobile = max(0, round(members * p.mobile_share + rng.normal(0, 1.2)))
        sessions = 2 * branches + (1 if m % 3 == 0 else 0) + int(rng.integers(0, 3))
        theme_days = branches
        season = 0.6 if m == 2 else 1.3 if m in (6, 7) else 1.0
        school = round(members * rng.uniform(0.3, 0.8) * p.micro_party_school * season)
        hours = round(members * rng.uniform(1.2, 3.0) * (1.6 if m == 3 else season), 1)
        out[y * 100 + m] = [orgs, members, mobile, new, sessions, theme_days, school, hours]
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def write(ctx: Context, out: Path) -> list[Path]:
    """The reports delivered by ``ctx.end``: a month's report arrives after the month, so the
    month of ``end`` has none yet (on 5 December, November's is the latest: the usual case)."""
    reported = ctx.months[:-1]
    if not reported:
        return []
    last = reported[-1].key
    histories = {c.code: _history(ctx, c, last) for c in ctx.communities}
    files = []
    for year in sorted({m.year for m in reported}):
        months = [m for m in reported if m.year == year]
        rng = ctx.rng("party-file", year)
        zh_months = year % 2 == 1
        labels, streets, names, numbers = [], [], [], []
        for m in months:
            for c in ctx.communities:
                other = rng.random() < 0.03
                labels.append(m.zh if zh_months != other else m.label)
                streets.append(c.street_name)
                names.append(c.name)
                numbers.append(histories[c.code][m.key])
        values = np.array(numbers, dtype=float)
        shown = mess.messy_names(rng, np.array(names, dtype=object), 0.03)
        unknown, future = mess.split_bad(rng, mess.bad_rows(rng, len(labels)), 2)
        for i in unknown.tolist():
            shown[i] = mess.UNKNOWN_COMMUNITIES[i % len(mess.UNKNOWN_COMMUNITIES)]
        for i in future.tolist():
            labels[i] = f"{ctx.end.year + 1}-{ctx.end.month:02d}"
        sheet = Sheet(f"{year}年")
        sheet.row([f"{year}年社区党组织建设情况月报汇总表"])
        sheet.merge(1, 0, 1, len(HEADERS) - 1)
        sheet.row(HEADERS)
        columns = [(np.array(labels, dtype=object), "s"), (np.array(streets, dtype=object), "s"),
                   (shown, "s")]
        for j in range(values.shape[1]):
            col = values[:, j].astype(object)
            as_text = rng.random(len(col)) < 0.05  # numbers stored as text
            col[as_text] = [f"{v:g}" for v in values[as_text, j]]
            columns.append((col, "m"))
        sheet.block(columns)
        sheet.row(["合计", "", ""] + [round(float(v), 1) for v in values.sum(axis=0)])
        sheet.blank_rows(year % 3)
        files.append(write_workbook(out / "party" / f"party_{year}.xlsx", [sheet]))
    return files
