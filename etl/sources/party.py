"""Party organisation monthly report: one XLSX row per community and month.

Every figure goes on the first day of its month (统计月份, written ``2025-03``,
``2025年3月``, ``2025/3``, as a date or as an Excel serial). Organisations, members and
mobile members are stocks (the level at the end of the month); new members, 三会一课,
theme days, micro party school attendance and party members' volunteer hours are the
month's flows. The title row, numbers stored as text and the 合计 row are handled by the
generic cleaning; a blank figure is "not reported" and writes no fact.

Essential (a bad cell refuses the row): 统计月份, 社区 (and the 街道 that places it), and
the two levels every report gives, 党组织数 and 党员总数 (a community that reported
without its levels would drop out of the street's totals while counting as reported).
Not essential: the other six figures, each its own metric: a bad cell (not a number,
below zero, 流动党员数 above 党员总数) is blanked with a warning and writes no fact for
that metric only; the row's other figures load.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from etl.load import FACT_COLUMNS, Output, month_days
from etl.validate import Field, combine_rejects, reject_repeats, reject_rows, screen

NAME = "party"

# Source column -> metric, in the order of the report.
COLUMNS = {
    "党组织数": "party_organisations",
    "党员总数": "party_members",
    "流动党员数": "party_mobile_members",
    "本月发展党员": "party_new_members",
    "三会一课次数": "party_three_sessions",
    "主题党日次数": "party_theme_days",
    "微党校学习人次": "party_school_attendance",
    "党员志愿服务时长": "party_volunteer_hours",
}
METRICS = tuple(COLUMNS.values())

_COUNT: dict[str, Any] = dict(kind="number", minimum=0)
_FIGURE: dict[str, Any] = dict(_COUNT, essential=False)  # a bad cell costs its own metric only
FIELDS = [
    Field("统计月份", ("月份", "统计期", "报告月份", "统计时间"), required=True, nullable=False, label_en="month"),
    Field("街道", ("所属街道", "街道(镇)", "镇街"), label_en="street"),
    Field("社区", ("所属社区", "社区名称", "社区(村)", "单位"), required=True, nullable=False, label_en="community"),
    Field("党组织数", ("党组织数量", "党组织(个)", "党组织数(个)"), required=True, nullable=False,
          label_en="party organisations", **_COUNT),
    Field("党员总数", ("党员数", "党员人数", "党员(人)", "党员总数(人)"), required=True, nullable=False,
          label_en="party members", **_COUNT),
    Field("流动党员数", ("流动党员", "流动党员(人)"), label_en="mobile members", **_FIGURE),
    Field("本月发展党员", ("发展党员", "新发展党员", "发展党员数"), label_en="new members", **_FIGURE),
    Field("三会一课次数", ("三会一课", "三会一课(次)"), label_en="three sessions", **_FIGURE),
    Field("主题党日次数", ("主题党日", "主题党日(次)"), label_en="theme days", **_FIGURE),
    Field("微党校学习人次", ("微党校", "微党校学习", "微党校学习(人次)"), label_en="micro party school", **_FIGURE),
    Field("党员志愿服务时长", ("党员志愿服务时长(小时)", "志愿服务时长", "志愿服务时长(小时)"),
          label_en="volunteer hours", **_FIGURE),
]

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SERIALS = (20000, 80000)  # Excel day numbers of 1954..2119
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?|月\s*\d{1,2}\s*日)?(?:\s+[\d:.]+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})$")


def parse_month(text: str) -> pd.Timestamp | None:
    """The first day of the month a cell names, or None if it names none."""
    text = text.strip()
    found = _MONTH.match(text) or _COMPACT.match(text)
    if found:
        year, month = int(found[1]), int(found[2])
        return pd.Timestamp(year, month, 1) if 1 <= month <= 12 else None
    try:
        serial = float(text)
    except ValueError:
        return None
    if SERIALS[0] <= serial <= SERIALS[1]:
        day = EXCEL_EPOCH + pd.Timedelta(days=int(serial))
        return pd.Timestamp(day.year, day.month, 1)
    return None


def report_months(rows: pd.DataFrame, ctx, column: str = "统计月份") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A monthly report's rows with ``_month`` (the first day of the month ``column`` names),
    and the rows refused for a month that cannot be read or is still to come. The party
    report's rule, used by every monthly register (the merchant alliance's too)."""
    months = {text: parse_month(text) for text in rows[column].unique()}
    month = rows[column].map(months)
    rows = rows.assign(_month=month)
    rows, unreadable = reject_rows(rows, ctx.fields, month.isna(), column,
                                   "{value!r} 不是可识别的月份 / is not a month we can read (e.g. 2025-03, 2025年3月)")
    this_month = pd.Timestamp(ctx.now).to_period("M").start_time
    rows, future = reject_rows(rows, ctx.fields, rows["_month"] > this_month, column,
                               "{value!r} 晚于当前月份 / is a month in the future")
    return rows, combine_rejects(unreadable, future)


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Community-months -> one fact per reported figure on the month's first day."""
    rows, month_rejects = report_months(rows, ctx)
    mobile = rows["流动党员数"] > rows["党员总数"]
    rows, mobile_rejects, warnings = screen(rows, ctx.fields, [
        (mobile, "流动党员数", "流动党员数 {value} 大于党员总数, 不计入 / more mobile members than members: left out")])

    rows, codes, area_rejects = ctx.matched_rows(rows, community="社区", street="街道")

    rows, codes, dup_rejects = reject_repeats(rows, ctx.fields, codes, {"m": rows["_month"], "a": codes}, "社区",
                                              "该社区本月已在前面的行中出现 / this community and month already "
                                              "appear in an earlier row")

    wide = pd.DataFrame({"period": rows["_month"], "area_code": codes,
                         **{metric: rows[column] for column, metric in COLUMNS.items()}})
    long = wide.melt(id_vars=["period", "area_code"], var_name="metric_code", value_name="value")
    facts = long.dropna(subset=["value"]).assign(dimension="", member="")[FACT_COLUMNS]
    rejects = combine_rejects(month_rejects, mobile_rejects, area_rejects, dup_rejects)
    days = month_days(wide["period"])  # a monthly report covers its months to their last day
    # A report speaks only for the communities in it: one that sent no row is missing, not zero.
    return Output(facts.reset_index(drop=True), rejects, warnings=warnings, covers=(days[0], days[-1]) if days else None,
                  communities=sorted(set(codes.str[:12])))
