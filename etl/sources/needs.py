"""Residents' needs and micro-wishes (需求清单 / 微心愿): one row per need, counted by the
day it was raised.

A need is raised (提出时间), claimed by a company, social organisation, volunteer team,
merchant or party member (认领方类型; the claimer's own name is dropped: a party member is a
person), fulfilled (状态 已实现, 实现时间) and rated by the resident (评价). Every count sits
on the day the need was raised, like the hotline's, so a rate over any window compares
needs with their own outcomes. Past its promised time (提出时间 + 承诺时限(天)) a need is
overdue: fulfilled late, or still 待认领 / 已认领 when the export was loaded.

The resident's name, phone, address and the wish's text are personal and never leave the
extract step. Each need also goes to the ``item`` table (its number, community, category,
type, times, status and the *kind* of claimer), for the lists that need one line per need:
needs waiting longest past their promised time, micro-wishes just fulfilled. A delivery
replaces the needs' items of every community of the streets it names.

Not essential (a bad cell costs only what depends on it, with a warning): 认领时间,
承诺时限(天) (the need drops out of the overdue count), 实现时间 (out of the days to fulfil)
and 评价 (out of the evaluations).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from data import items as items_table
from etl import items as item_rows
from etl.facts import breakdown, combine, totals
from etl.load import Output, span_days
from etl.validate import Field, combine_rejects, reject_rows, warn_rows

NAME = "needs"

METRICS = (
    "needs_raised", "needs_claimed", "needs_fulfilled", "needs_overdue", "needs_fulfil_days",
    "needs_fulfil_timed", "needs_rated", "needs_satisfied",
)

CHANNELS = ("线下", "小程序", "网格员", "12345转办", "议事会")
CATEGORIES = ("助老", "助学", "就业", "环境", "文体", "邻里互助", "其他")
TYPES = ("微心愿", "服务需求", "建议")
CLAIMERS = ("企业", "社会组织", "志愿队伍", "商户", "党员")
STATUSES = ("待认领", "已认领", "已实现", "已关闭")
OPEN = items_table.OPEN[NAME]  # still waiting: 待认领, 已认领
CLAIMED = ("已认领", "已实现")
FULFILLED = "已实现"
SATISFIED = ("满意", "基本满意")
EVALUATIONS = SATISFIED + ("不满意",)
UNFILLED = "未填写"  # breakdown member for an empty cell, so the members sum to the total

_DAYS: dict[str, Any] = dict(kind="number", minimum=0, maximum=365)
FIELDS = [
    Field("需求编号", ("编号", "需求号", "心愿编号", "需求编码"), required=True, nullable=False, label_en="need number"),
    Field("提出时间", ("提出日期", "登记时间", "发布时间", "提交时间"), kind="datetime", required=True, nullable=False,
          label_en="raised at"),
    Field("街道", ("所属街道", "街道(镇)", "镇街"), label_en="street"),
    Field("社区", ("所属社区", "社区名称", "社区(村)"), required=True, nullable=False, label_en="community"),
    Field("提出渠道", ("渠道", "来源渠道", "收集渠道"), allowed=CHANNELS, label_en="channel"),
    Field("需求类别", ("类别", "需求分类", "心愿类别"), allowed=CATEGORIES, label_en="category"),
    Field("需求类型", ("类型",), allowed=TYPES, label_en="type"),
    Field("认领方类型", ("认领主体类型", "认领类型"), allowed=CLAIMERS, label_en="claimer type"),
    Field("认领时间", ("认领日期",), kind="datetime", label_en="claimed at", essential=False),
    Field("承诺时限(天)", ("承诺时限", "承诺天数", "时限(天)", "办理时限(天)"), label_en="promised days",
          essential=False, **_DAYS),
    Field("状态", ("需求状态", "办理状态", "心愿状态"), required=True, nullable=False, allowed=STATUSES,
          label_en="status"),
    Field("实现时间", ("实现日期", "完成时间", "办结时间"), kind="datetime", label_en="fulfilled at", essential=False),
    Field("评价", ("评价结果", "满意度", "居民评价"), allowed=EVALUATIONS + ("未评价",), label_en="evaluation",
          essential=False),
    # Personal data: recognised so the header is found, then dropped. The claimer's name
    # too: a party member who claims a wish is a person.
    Field("提出人", ("姓名", "居民姓名", "心愿人", "联系人"), personal=True),
    Field("联系电话", ("电话", "手机号", "联系方式", "手机号码"), personal=True),
    Field("需求内容", ("心愿内容", "需求描述", "具体需求", "内容"), personal=True),
    Field("地址", ("住址", "详细地址", "家庭住址"), personal=True),
    Field("认领方", ("认领单位", "认领人", "认领方名称"), personal=True),
]


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Needs -> daily community counts by the day raised, and one item per need."""
    duplicate = rows["需求编号"].duplicated()
    rows, dup_rejects = reject_rows(rows, ctx.fields, duplicate, "需求编号",
                                    "需求编号 {value!r} 重复 / duplicate need number (already in an earlier row)")
    rows, codes, area_rejects = ctx.matched_rows(rows, community="社区", street="街道")

    fulfilled = rows["状态"].eq(FULFILLED)
    days = (rows["实现时间"] - rows["提出时间"]).dt.total_seconds() / 86400
    kept = "; 计入已实现, 不计入平均实现天数 / counted as fulfilled, not in the average days to fulfil"
    warnings = combine_rejects(
        warn_rows(rows, ctx.fields, fulfilled & rows["实现时间"].isna(), "实现时间",
                  "需求已实现但实现时间为空 / the need is fulfilled but 实现时间 is empty" + kept),
        warn_rows(rows, ctx.fields, fulfilled & (days < 0), "实现时间",
                  "实现时间 {value} 早于提出时间 / fulfilled before it was raised" + kept),
    )
    due = rows["提出时间"] + pd.to_timedelta(rows["承诺时限(天)"], unit="D")
    needs = pd.DataFrame({
        "period": rows["提出时间"].dt.normalize(),
        "area_code": codes,
        "category": _filled(rows["需求类别"]),
        "channel": _filled(rows["提出渠道"]),
        "type": _filled(rows["需求类型"]),
        "claimer_type": _filled(rows["认领方类型"]),
        **counted(rows["状态"], rows["评价"], days, overdue(rows["状态"], rows["实现时间"], due, ctx.now)),
    })
    facts = combine([
        totals(needs, list(METRICS)),
        breakdown(needs, "needs_raised", ["category", "channel", "type"]),
        breakdown(needs, "needs_claimed", ["claimer_type"]),
        breakdown(needs, "needs_fulfilled", ["category", "claimer_type"]),
        breakdown(needs, "needs_overdue", ["category"]),
    ])
    items = pd.DataFrame({
        "source": NAME,
        "item_id": rows["需求编号"].astype(str),
        "area_code": codes,
        "category": rows["需求类别"].replace("", None),
        "kind": rows["需求类型"].replace("", None),
        "received_at": rows["提出时间"],
        "due_at": due,
        "closed_at": rows["实现时间"].where(fulfilled),
        "status": rows["状态"],
        "handled_by": rows["认领方类型"].where(rows["状态"].isin(CLAIMED) & rows["认领方类型"].ne(""), None),
    })
    days = span_days(needs["period"])
    span = (days[0], days[-1]) if days else None
    return Output(facts, combine_rejects(dup_rejects, area_rejects), periods=days,
                  store=item_rows.store(NAME, item_rows.kept(items, NAME, ctx.now), sorted(set(codes)), span),
                  warnings=warnings[warnings["row_number"].isin(rows["_row"])].reset_index(drop=True))


def overdue(status: pd.Series, fulfilled_at: pd.Series, due: pd.Series, now) -> pd.Series:
    """Whether each need is past its promised time: fulfilled after it, or still open when
    loaded (``now``) after it. A need without a usable 承诺时限 is never overdue."""
    late = status.eq(FULFILLED) & fulfilled_at.notna() & (fulfilled_at > due)
    waiting = status.isin(OPEN) & (pd.Timestamp(now) > due)
    return (late | waiting) & due.notna()


def counted(status: pd.Series, rating: pd.Series, days: pd.Series, late: pd.Series) -> dict[str, pd.Series]:
    """What each need adds to each metric, from its 状态, 评价, days to fulfil and lateness.

    The one statement of what the needs metrics count (DOMAIN.md, "Co-building"): claimed
    is 已认领 or 已实现, fulfilled 已实现, rated an evaluation other than 未评价 or empty,
    satisfied 满意 or 基本满意.
    """
    fulfilled = status.eq(FULFILLED)
    timed = fulfilled & days.notna() & (days >= 0)
    return {
        "needs_raised": pd.Series(1, index=status.index),
        "needs_claimed": status.isin(CLAIMED).astype(int),
        "needs_fulfilled": fulfilled.astype(int),
        "needs_overdue": late.astype(int),
        "needs_fulfil_days": days.where(timed, 0.0).round(2),
        "needs_fulfil_timed": timed.astype(int),
        "needs_rated": rating.isin(EVALUATIONS).astype(int),
        "needs_satisfied": rating.isin(SATISFIED).astype(int),
    }


def _filled(column: pd.Series) -> pd.Series:
    return column.where(column.ne(""), UNFILLED)

