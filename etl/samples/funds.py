"""Community fund and governance-fund ledger (社区基金 / 保障资金): one XLSX workbook of
every street's communities, one sheet per year, each with two title rows (the title and
"单位：元"), a header and a 合计 row; amounts as ledgers write them ("12,345.00", "1.2万",
plain numbers), dates as Excel serials or text; the 经办人 and a free-text 备注.

Public funds (财政保障资金) come in two tranches a year, about 10万 plus 8 yuan a resident;
residents' own money, company and individual donations lever them; spending goes to
projects (环境微更新, 助老助残, ...) and running costs. 南山国际化社区's fund takes a company's
2000 a month and about 8万 of donations a year and pays for its 600 m² micro-renewal.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from . import mess, people
from .cobuild import profile
from .context import Context
from .places import Community
from .xlsx import Sheet, write_workbook

HEADERS = ["记账日期", "街道", "社区", "收支", "类别", "项目名称", "领域", "金额(元)", "经办人", "备注"]
PROJECTS = {"环境微更新": ("楼道微更新", "小游园改造", "垃圾分类亭建设"), "助老助残": ("老年助餐补贴", "适老化改造"),
            "儿童服务": ("四点半课堂", "儿童之家活动"), "文体活动": ("邻里文化节", "社区运动会"),
            "邻里互助": ("邻里互助站", "时间银行积分兑换"), "其他": ("社区议事会运行",)}


def _entries(ctx: Context, c: Community, year: int) -> list[tuple]:
    """(day, 收支, 类别, 项目名称, 领域, yuan, 备注) of one community's year, up to ``end``."""
    p = profile(c, ctx.seed)
    rng = ctx.rng("funds", c.code, year)
    first = max(dt.date(year, 1, 1), ctx.months[0].first)
    last = min(dt.date(year, 12, 31), ctx.end)
    if last < first:
        return []

    def day(month: int, lo: int = 1, hi: int = 28) -> dt.date:
        return dt.date(year, month, int(rng.integers(lo, hi + 1)))

    public = round((100_000 + 8 * c.population) / 2, -2)
    out = [(day(3, 5, 20), "收入", "财政保障资金", "", "", public, "上半年保障资金"),
           (day(9, 5, 20), "收入", "财政保障资金", "", "", public, "下半年保障资金")]
    for month in range(1, 13):
        if rng.random() < 0.5 * p.fund + 0.2:
            out.append((day(month), "收入", "居民自筹", "", "", round(float(rng.uniform(500, 6000) * p.fund), -1),
                        "居民自筹"))
        if rng.random() < 0.25 * p.fund:
            out.append((day(month), "收入", "企业捐赠", "", "", round(float(rng.uniform(3000, 20000) * p.fund), -2),
                        "辖区企业捐赠"))
        if p.monthly_donation:
            out.append((day(month, 1, 5), "收入", "企业捐赠", "", "", p.monthly_donation, "爱心企业月度捐赠"))
        if rng.random() < 0.4:
            out.append((day(month), "收入", "个人捐赠", "", "", round(float(rng.uniform(100, 3000) * p.fund), -1),
                        "爱心人士捐赠"))
        out.append((day(month, 20, 28), "支出", "运营支出", "", "其他", round(float(rng.uniform(800, 2500)), -1),
                    "日常运营"))
    for _ in range(int(rng.integers(3, 7))):
        domain = list(PROJECTS)[int(rng.integers(0, len(PROJECTS)))]
        name = PROJECTS[domain][int(rng.integers(0, len(PROJECTS[domain])))]
        out.append((day(int(rng.integers(3, 12))), "支出", "项目支出", name, domain,
                    round(float(rng.uniform(8000, 60000) * p.fund), -2), "项目结算"))
    if p.renewal and year == ctx.end.year:
        out.append((day(6, 10, 25), "支出", "项目支出", p.renewal, "环境微更新", 186_000.0, "微更新项目结算"))
    return sorted(e for e in out if first <= e[0] <= last)


def _amount_text(rng, yuan: float) -> object:
    """As someone typed it: 12,345.00, 1.2万, or a number."""
    u = rng.random()
    if u < 0.35:
        return f"{yuan:,.2f}"
    if u < 0.5 and yuan >= 10_000 and yuan % 1000 == 0:
        return f"{yuan / 10_000:g}万"
    return yuan


def write(ctx: Context, out: Path) -> list[Path]:
    years = sorted({m.year for m in ctx.months})
    sheets = []
    for year in years:
        rng = ctx.rng("funds-file", year)
        rows = []
        for c in ctx.communities:
            for when, side, kind, project, domain, yuan, note in _entries(ctx, c, year):
                rows.append([when, c.street_name, c.name, side, kind, project, domain, yuan,
                             people.names(rng, 1)[0], note])
        if not rows:
            continue
        bad = mess.bad_rows(rng, len(rows), 0.004)
        unknown, wrong_side, not_money = mess.split_bad(rng, bad, 3)
        for i in unknown.tolist():
            rows[i][2] = mess.UNKNOWN_COMMUNITIES[i % len(mess.UNKNOWN_COMMUNITIES)]
        for i in wrong_side.tolist():
            rows[i][3] = "支出" if rows[i][3] == "收入" else "收入"
        for i in not_money.tolist():
            rows[i][7] = "待核"
        names = mess.messy_names(rng, np.array([r[2] for r in rows], dtype=object), 0.03)
        sheet = Sheet(f"{year}年")
        sheet.row([f"社区发展治理保障资金及社区基金收支台账（{year}年）"])
        sheet.merge(1, 0, 1, len(HEADERS) - 1)
        sheet.row(["单位：元"])
        sheet.row(HEADERS)
        serial = year % 2 == 0
        days = np.array([r[0] for r in rows], dtype="datetime64[s]")
        dates = (mess.excel_serial(days), "d") if serial else (mess.format_datetimes(days, "date_slash"), "s")
        amounts = np.array([r[7] if isinstance(r[7], str) else _amount_text(rng, r[7]) for r in rows], dtype=object)
        columns = [dates] + [(np.array([r[j] for r in rows], dtype=object), "s") for j in (1,)]
        columns += [(names, "s")] + [(np.array([r[j] for r in rows], dtype=object), "s") for j in (3, 4, 5, 6)]
        columns += [(amounts, "m")] + [(np.array([r[j] for r in rows], dtype=object), "s") for j in (8, 9)]
        sheet.block(columns)
        total = sum(r[7] for r in rows if not isinstance(r[7], str))
        sheet.row(["合计", "", "", "", "", "", "", round(total, 2), "", ""])
        sheet.blank_rows(year % 2)
        sheets.append(sheet)
    if not sheets:
        return []
    return [write_workbook(out / "funds" / "funds_ledger.xlsx", sheets)]
