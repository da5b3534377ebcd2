"""Volunteer platform: one row per service record (CSV, UTF-8 or GBK).

Hours and services are counted on the service date in the volunteer's community, by
服务类别. Active volunteers and volunteer teams are stocks: the distinct 志愿者编号 and
队伍名称 with a record in the month, stored on the month's first day. Because a month's
stock can only be counted from the whole month, a delivery covers whole months: it
replaces this source's figures for every day of each month it touches (the platform
exports a month at a time; a corrected export of March replaces all of March).

Hours below zero or above 24 in one record, or above 24 for one volunteer on one day,
are rejected. 姓名 and 手机号 never leave the extract step; the volunteer number comes as its
keyed pseudonym (``etl.pseudonym``), is used for the distinct counts only (active volunteers,
and the ETL's reach store, ``etl.reach``) and is never written to the warehouse, not even in a
refused row or its reason.

Essential (a bad cell refuses the record): 记录编号, 志愿者编号 (the active volunteers and
the 24-hours-a-day check count by it), 所属社区, 服务日期 and 服务时长(小时). Not essential
(a bad cell is blanked with a warning, the record still counts): 服务类别 (the record goes
under 未填写 in that breakdown) and 队伍名称 (the record's team is not counted).
"""
from __future__ import annotations

import pandas as pd

from etl import reach
from etl.facts import breakdown, totals
from etl.load import FACT_COLUMNS, Output, month_days
from etl.validate import Field, combine_rejects, reject_rows

NAME = "volunteers"

METRICS = ("volunteer_hours", "volunteer_services", "active_volunteers", "volunteer_teams")

CATEGORIES = ("助老", "助残", "文明劝导", "环境保护", "应急救援", "社区治理")
UNFILLED = "未填写"
MAX_HOURS_A_DAY = 24

FIELDS = [
    Field("记录编号", ("服务记录编号", "记录号", "编号"), required=True, nullable=False, label_en="record number"),
    Field("志愿者编号", ("志愿者ID", "志愿者id", "志愿者号", "志愿者编码"), required=True, nullable=False,
          label_en="volunteer number", pseudonym="volunteer"),
    Field("队伍名称", ("志愿队伍", "所属队伍", "服务队"), label_en="team", essential=False),
    Field("所属社区", ("社区", "社区名称", "服务社区"), required=True, nullable=False, label_en="community"),
    Field("服务日期", ("服务时间", "日期", "活动日期"), kind="datetime", required=True, nullable=False,
          label_en="service date"),
    Field("服务时长(小时)", ("服务时长", "时长(小时)", "服务时长（小时）", "时长"), kind="number", required=True,
          nullable=False, minimum=0, maximum=MAX_HOURS_A_DAY, label_en="hours"),
    Field("服务类别", ("服务类型", "类别"), allowed=CATEGORIES, label_en="category", essential=False),
    # Personal data: recognised so the header is found, then dropped.
    Field("姓名", ("志愿者姓名", "志愿者"), personal=True),
    Field("手机号", ("联系电话", "手机号码", "电话"), personal=True),
    Field("身份证号", ("证件号码", "身份证号码"), personal=True),
]


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Service records -> daily hours and services, monthly active volunteers and teams."""
    rows, dup_rejects = reject_rows(rows, ctx.fields, rows["记录编号"].duplicated(), "记录编号",
                                    "记录编号 {value!r} 重复 / duplicate record number (already in an earlier row)")

    day = rows["服务日期"].dt.normalize()
    per_day = rows.groupby([rows["志愿者编号"], day])["服务时长(小时)"].transform("sum")
    too_long = per_day > MAX_HOURS_A_DAY
    reasons = ("该志愿者在 " + day.dt.strftime("%Y-%m-%d") + " 的服务时长合计 "
               + per_day.map("{:g}".format) + f" 小时，超过 {MAX_HOURS_A_DAY} 小时 / more than "
               f"{MAX_HOURS_A_DAY} hours in one day for one volunteer")
    rows, day_rejects = reject_rows(rows, ctx.fields, too_long, "服务时长(小时)", reasons)

    rows, codes, area_rejects = ctx.matched_rows(rows, community="所属社区")

    records = pd.DataFrame({
        "period": rows["服务日期"].dt.normalize(),
        "area_code": codes,
        "category": rows["服务类别"].replace("", UNFILLED),
        "volunteer_hours": rows["服务时长(小时)"],
        "volunteer_services": 1,
    })
    month = rows["服务日期"].dt.to_period("M").dt.start_time
    facts = pd.concat([
        totals(records, ["volunteer_hours", "volunteer_services"]),
        breakdown(records, "volunteer_hours", ["category"]),
        breakdown(records, "volunteer_services", ["category"]),
        stocks(month, codes, rows["志愿者编号"], rows["队伍名称"]),
    ], ignore_index=True)
    return Output(facts, combine_rejects(dup_rejects, day_rejects, area_rejects), periods=month_days(month),
                  people=reach.people(rows["志愿者编号"], codes, rows["服务日期"]))


def stocks(month: pd.Series, codes: pd.Series, volunteers: pd.Series, teams: pd.Series) -> pd.DataFrame:
    """Distinct volunteers and named teams per community and month, on the month's first day."""
    if month.empty:
        return pd.DataFrame(columns=FACT_COLUMNS)
    frame = pd.DataFrame({"period": month, "area_code": codes, "volunteer": volunteers,
                          "team": teams.where(teams.ne(""))})
    counted = frame.groupby(["period", "area_code"]).agg(
        active_volunteers=("volunteer", "nunique"), volunteer_teams=("team", "nunique")).reset_index()
    long = counted.melt(id_vars=["period", "area_code"], var_name="metric_code", value_name="value")
    return long.assign(dimension="", member="")[FACT_COLUMNS]


