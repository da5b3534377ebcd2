"""12345 / 网络理政 work orders: one row per order, counted by community and day received.

The worked example of a source: declare the columns, then turn validated rows into
facts. Caller names, phone numbers and complaint text are declared ``personal`` and so
never leave the extract step.

Essential (a bad cell refuses the order): 工单编号, 受理时间, the area (所属社区 and the
所属街道/所属区县 that place it), 办理状态 and 是否超期 (the resolution and on-time rates
count over every received or resolved order: an order whose status or overdue flag could
not be read would bias them). Not essential (a bad cell is blanked with a warning, the
order still counts): 诉求渠道 and 诉求类型 (the order goes under 未填写 in that
breakdown), 诉求类别, 满意度 (the order drops out of the evaluated orders and so of the
satisfaction rate), 办结时间 and 办理时限 (no figure depends on them).

Each order also goes to the ``item`` table (:mod:`etl.items`): its number, community,
category, type, received, due (办理时限: a deadline, or a limit such as ``5个工作日``,
``3天``, ``24小时`` counted from 受理时间; an unreadable one leaves the order without a due
time, with a warning; a bare number counts working days), closed (办结时间 of an 已办结
order) and status; never the caller, phone, address or text. Open orders stay there while open, closed ones a while after closing.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etl import clean
from etl import items as item_rows
from etl.facts import breakdown, combine, totals
from etl.load import Output
from etl.validate import Field, combine_rejects, reject_rows, warn_rows

NAME = "hotline"
CHUNKED = True  # every fact is a sum over orders: a big export is read a chunk at a time

METRICS = (
    "hotline_received", "hotline_resolved", "hotline_on_time", "hotline_overdue",
    "hotline_open", "hotline_returned", "hotline_rated", "hotline_satisfied",
)

CHANNELS = ("电话", "微信", "APP", "网站", "信件")
TYPES = ("咨询", "求助", "投诉", "建议", "表扬", "举报")
STATUSES = ("已办结", "办理中", "已退回")
SATISFIED = ("非常满意", "满意", "基本满意")
EVALUATIONS = SATISFIED + ("不满意", "非常不满意")
UNFILLED = "未填写"  # breakdown member for an empty category/channel/type, so members sum to the total

FIELDS = [
    Field("工单编号", ("工单号", "工单编码", "编号"), required=True, nullable=False, label_en="order number"),
    Field("受理时间", ("受理日期", "来电时间", "登记时间"), kind="datetime", required=True, nullable=False,
          label_en="received at"),
    Field("诉求渠道", ("来源渠道", "渠道"), allowed=CHANNELS, label_en="channel", essential=False),
    Field("诉求类型", ("类型",), allowed=TYPES, label_en="type", essential=False),
    Field("诉求类别", ("问题分类", "问题类别", "诉求分类"), few=True, label_en="category", essential=False),
    Field("所属区县", ("区县", "所属区(市)县", "区(市)县"), few=True, label_en="district"),
    Field("所属街道", ("街道", "街道(镇)", "所属街道(镇)"), few=True, label_en="street"),
    Field("所属社区", ("社区", "社区名称"), required=True, nullable=False, few=True, label_en="community"),
    Field("办理状态", ("处理状态", "工单状态", "状态"), required=True, nullable=False, allowed=STATUSES,
          label_en="status"),
    Field("办结时间", ("办结日期",), kind="datetime", label_en="resolved at", essential=False),
    Field("办理时限", ("时限",), few=True, label_en="deadline", essential=False),
    Field("是否超期", ("超期",), allowed=("是", "否"), label_en="overdue"),
    Field("满意度", ("评价结果", "满意度评价", "回访满意度"), allowed=EVALUATIONS + ("未评价",), label_en="satisfaction",
          essential=False),
    # Personal data: recognised so the header is found, then dropped.
    Field("来电人", ("诉求人", "姓名", "联系人"), personal=True),
    Field("联系电话", ("来电号码", "手机号", "电话号码", "联系方式"), personal=True),
    Field("诉求内容", ("内容", "诉求描述", "问题描述"), personal=True),
    Field("诉求地址", ("地址", "事发地址", "详细地址"), personal=True),
    Field("身份证号", ("证件号码", "身份证号码"), personal=True),
]


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Orders -> daily community counts (totals and the catalogue's breakdowns).

    The breakdown columns are grouped as categoricals: a million orders have a few
    dozen distinct values, so the group-bys work on small integer codes.
    """
    duplicate = ctx.repeated("工单编号", rows["工单编号"])
    rows, dup_rejects = reject_rows(rows, ctx.fields, duplicate, "工单编号",
                                    "工单编号 {value!r} 重复 / duplicate order number (already in an earlier row)")

    codes, reasons = ctx.match_areas(rows, community="所属社区", street="所属街道", district="所属区县",
                                     categorical=True)
    rows, area_rejects = reject_rows(rows, ctx.fields, codes.isna(), "所属社区", reasons)
    codes = codes.dropna().reset_index(drop=True)

    orders = pd.DataFrame({
        "period": rows["受理时间"].dt.normalize(),
        "area_code": codes,
        "category": _filled(rows["诉求类别"]),
        "channel": _filled(rows["诉求渠道"]),
        "type": _filled(rows["诉求类型"]),
        **counted(rows["办理状态"], rows["是否超期"], rows["满意度"]),
    })
    facts = combine([
        totals(orders, list(METRICS)),
        # by category in one grouping for the four metrics broken down by it
        breakdown(orders, ["hotline_received", "hotline_resolved", "hotline_overdue", "hotline_open"], ["category"]),
        breakdown(orders, "hotline_received", ["channel", "type"]),
    ])
    due = due_times(rows["受理时间"], rows["办理时限"])
    unreadable = due.isna() & rows["办理时限"].astype(str).ne("")
    warnings = warn_rows(rows, ctx.fields, unreadable, "办理时限",
                         "办理时限 {value!r} 无法识别 (应为日期时间或如 5个工作日) / not a deadline or a limit such as "
                         "5个工作日; the order has no due time in the work-item lists")
    items = pd.DataFrame({
        "item_id": rows["工单编号"],
        "area_code": codes.to_numpy(),
        "category": rows["诉求类别"],
        "kind": rows["诉求类型"],
        "received_at": rows["受理时间"],
        "due_at": due,
        "closed_at": rows["办结时间"].where(rows["办理状态"].eq("已办结").to_numpy()),
        "status": rows["办理状态"],
    })
    # The open and recent orders are kept (a tenth of a year's): their texts are made then.
    items = item_rows.kept(items, NAME, ctx.now)
    items = items.astype({name: object for name in ("item_id", "area_code", "category", "kind", "status")})
    items[["category", "kind"]] = items[["category", "kind"]].replace("", None)
    items["item_id"] = items["item_id"].astype(str)
    span = (rows["受理时间"].min(), rows["受理时间"].max()) if len(rows) else None
    store = item_rows.store(NAME, items, sorted(map(str, codes.unique())), span)
    return Output(facts, combine_rejects(dup_rejects, area_rejects), store=store,
                  warnings=warnings[warnings["row_number"].isin(rows["_row"])].reset_index(drop=True))


LIMIT = re.compile(r"^(\d+(?:\.\d+)?)\s*个?\s*(工作日|天|日|自然日|小时|h)?$", re.IGNORECASE)


def due_times(received: pd.Series, limit: pd.Series) -> pd.Series:
    """When each order is due: 办理时限 as a date and time, or as a limit counted from
    ``received`` (``5个工作日`` skips Saturdays and Sundays, ``3天`` is calendar days,
    ``24小时`` hours; a bare number is working days, as the 12345 platform sets its limits).
    NaT where empty or unreadable."""
    received = pd.Series(pd.to_datetime(received).to_numpy(), index=limit.index)
    # The texts are read once per distinct limit (a million orders have a handful), then
    # spread over the rows: only the arithmetic with each row's received time is per row.
    codes, uniques = pd.factorize(limit.astype(object).fillna(""), use_na_sentinel=True)
    distinct = pd.Series(np.append(np.asarray(uniques, dtype=object), ""), dtype=object)
    codes = np.where(codes < 0, len(distinct) - 1, codes)
    stamps = clean.parse_datetimes(distinct).to_numpy(dtype="datetime64[us]")
    parts = distinct.map(lambda t: clean.normalize_cell(t).replace(" ", "")).str.extract(LIMIT)
    bare = parts[1].isna() & parts[0].notna() & pd.isna(stamps)  # not an Excel serial date: working days
    due = pd.Series(stamps[codes], index=limit.index)
    amount = pd.Series(pd.to_numeric(parts[0]).to_numpy()[codes], index=limit.index)
    unit = parts[1].where(~bare, "工作日")
    hours = pd.Series(unit.str.lower().isin(["小时", "h"]).to_numpy()[codes], index=limit.index)
    days = pd.Series(unit.isin(["天", "日", "自然日"]).to_numpy()[codes], index=limit.index)
    working = pd.Series(unit.eq("工作日").to_numpy()[codes], index=limit.index)
    due = due.where(~hours, received + pd.to_timedelta(amount.where(hours), unit="h"))
    due = due.where(~days, received + pd.to_timedelta(amount.where(days), unit="D"))
    if working.any():
        at = working & received.notna()
        start = received[at].dt.normalize().to_numpy().astype("datetime64[D]")
        shifted = np.busday_offset(start, amount[at].astype(int).to_numpy(), roll="forward")
        due.loc[at] = pd.to_datetime(shifted) + (received[at] - received[at].dt.normalize()).to_numpy()
    return due.astype("datetime64[us]")


def counted(status: pd.Series, overdue: pd.Series, rating: pd.Series) -> dict[str, pd.Series]:
    """What each work order adds to each metric (0 or 1), from its 办理状态, 是否超期 and 满意度.

    The one statement of what the hotline's metrics count (DOMAIN.md): an order is on time
    when it is 已办结 and not 是否超期 = 是; overdue is every order marked 是否超期 = 是,
    whatever its status. ``etl.cityscale`` counts its generated orders with it too.
    """
    resolved = status.eq("已办结")
    return {
        "hotline_received": pd.Series(1, index=status.index),
        "hotline_resolved": resolved.astype(int),
        "hotline_on_time": (resolved & overdue.ne("是")).astype(int),
        "hotline_overdue": overdue.eq("是").astype(int),
        "hotline_open": status.eq("办理中").astype(int),
        "hotline_returned": status.eq("已退回").astype(int),
        "hotline_rated": rating.isin(EVALUATIONS).astype(int),
        "hotline_satisfied": rating.isin(SATISFIED).astype(int),
    }


def _filled(column: pd.Series) -> pd.Categorical:
    """A breakdown column as a categorical, an empty cell as :data:`UNFILLED`."""
    codes, values = pd.factorize(column)
    names = pd.Index(values, dtype=object).astype(str)
    if "" in names:
        names = names.where(names != "", UNFILLED)
        if names.has_duplicates:  # UNFILLED written out too: one member
            return pd.Categorical(names.to_numpy(dtype=object)[codes])
    return pd.Categorical.from_codes(codes, categories=names)
