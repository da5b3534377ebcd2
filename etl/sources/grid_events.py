"""网格事件: one row per event reported by a grid worker, counted by day reported.

Facts sit on the grid cell when the row's 网格编号 or 网格名称 matches the register,
else on the community. The reporter's name is personal data and is dropped on reading.

Essential (a bad cell refuses the event): 事件编号, 上报时间, the area (社区 and the 街道/区县
that place it), 事件大类 (there is no "other" category) and 处置状态. Not essential (a bad
cell is blanked with a warning, the event still counts): 办结时间 (an event closed without
a usable closing time still counts as reported and closed; it only drops out of the
closure hours and of the events they average over, ``grid_events_closure_timed``),
紧急程度 (the event goes under 未填写 and is not counted urgent), 事件小类, and
网格编号/网格名称 (an event whose grid is not matched counts on its community).

Each event also goes to the ``item`` table (:mod:`etl.items`): its number, grid or
community, 事件大类, 紧急程度, reported, closed (办结时间 of a closed event) and status; never
the reporter, a party, an address or the description. The export gives no due time, so an
event is never listed as overdue, only as waiting (待受理, 处置中).
"""
from __future__ import annotations

import pandas as pd

from etl import items as item_rows
from etl.facts import breakdown, totals
from etl.load import Output
from etl.validate import Field, combine_rejects, reject_rows, warn_rows

NAME = "grid_events"

METRICS = (
    "grid_events_reported", "grid_events_closed", "grid_events_closure_hours", "grid_events_closure_timed",
    "grid_events_urgent", "disputes_reported", "disputes_mediated",
)

CATEGORIES = ("安全隐患", "矛盾纠纷", "环境卫生", "治安防控", "民生服务", "城市管理")
URGENCIES = ("一般", "紧急", "特急")
STATUSES = ("待受理", "处置中", "已办结", "已核查")
CLOSED = ("已办结", "已核查")
DISPUTE = "矛盾纠纷"
URGENT = ("紧急", "特急")

FIELDS = [
    Field("事件编号", ("事件编码", "编号", "事件号"), required=True, nullable=False, label_en="event number"),
    Field("上报时间", ("上报日期", "发现时间", "登记时间"), kind="datetime", required=True, nullable=False,
          label_en="reported at"),
    Field("区县", ("所属区县", "区(市)县"), label_en="district"),
    Field("街道", ("所属街道", "街道(镇)", "镇街"), label_en="street"),
    Field("社区", ("所属社区", "社区名称", "社区(村)"), required=True, nullable=False, label_en="community"),
    Field("网格编号", ("网格编码", "网格代码"), label_en="grid number", essential=False),
    Field("网格名称", ("所属网格", "网格"), label_en="grid name", essential=False),
    Field("事件大类", ("事件类别", "大类", "事件类型"), required=True, nullable=False, allowed=CATEGORIES,
          label_en="category"),
    Field("事件小类", ("小类", "事件子类"), label_en="subcategory", essential=False),
    Field("紧急程度", ("紧急等级", "缓急程度"), allowed=URGENCIES, label_en="urgency", essential=False),
    Field("处置状态", ("办理状态", "事件状态", "状态"), required=True, nullable=False, allowed=STATUSES,
          label_en="status"),
    Field("办结时间", ("办结日期", "处置完成时间", "结案时间"), kind="datetime", label_en="closed at",
          essential=False),
    # Personal data: recognised so the header is found, then dropped.
    Field("上报人", ("网格员", "上报人姓名", "网格员姓名"), personal=True),
    Field("联系电话", ("上报人电话", "手机号", "联系方式"), personal=True),
    Field("事件描述", ("事件内容", "描述", "情况描述"), personal=True),
    Field("事发地址", ("地址", "事件地址", "详细地址"), personal=True),
    Field("当事人", ("当事人姓名", "涉事人员"), personal=True),
]


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Events -> daily grid (or community) counts and closure hours."""
    rows, dup_rejects = reject_rows(rows, ctx.fields, rows["事件编号"].duplicated(), "事件编号",
                                    "事件编号 {value!r} 重复 / duplicate event number (already in an earlier row)")

    closed = rows["处置状态"].isin(CLOSED)
    hours = (rows["办结时间"] - rows["上报时间"]).dt.total_seconds() / 3600
    no_close_time = closed & rows["办结时间"].isna()
    negative = closed & (hours < 0)
    kept = "; 计入上报与办结, 不计入平均处置时长 / counted as reported and closed, not in the average closure time"
    warnings = combine_rejects(
        warn_rows(rows, ctx.fields, no_close_time, "办结时间",
                  "事件已办结但办结时间为空 / the event is closed but 办结时间 is empty" + kept),
        warn_rows(rows, ctx.fields, negative, "办结时间",
                  "办结时间 {value} 早于上报时间 / closed before it was reported" + kept),
    )

    rows, codes, area_rejects = ctx.matched_rows(rows, community="社区", street="街道", district="区县",
                                                 grid_code="网格编号", grid_name="网格名称")

    closed = rows["处置状态"].isin(CLOSED)
    hours = (rows["办结时间"] - rows["上报时间"]).dt.total_seconds() / 3600
    timed = closed & hours.notna() & (hours >= 0)
    hours = hours.where(timed, 0.0)
    events = pd.DataFrame({
        "period": rows["上报时间"].dt.normalize(),
        "area_code": codes,
        "category": rows["事件大类"],
        "urgency": rows["紧急程度"].replace("", "未填写"),
        **counted(rows["事件大类"], rows["处置状态"], rows["紧急程度"]),
        "grid_events_closure_hours": hours.round(2),
        "grid_events_closure_timed": timed.astype(int),
    })
    facts = pd.concat([
        totals(events, list(METRICS)),
        breakdown(events, "grid_events_reported", ["category", "urgency"]),
        breakdown(events, "grid_events_closed", ["category"]),
    ], ignore_index=True)

    notes = []
    named_grid = rows["网格编号"].ne("") | rows["网格名称"].ne("") if len(rows) else pd.Series(dtype=bool)
    on_community = int((named_grid & codes.str.len().eq(12)).sum()) if len(rows) else 0
    if on_community:
        notes.append(f"{on_community} 个事件的网格未匹配, 计入社区 / events counted on their community (grid not matched)")
    items = pd.DataFrame({
        "item_id": rows["事件编号"].astype(str),
        "area_code": codes.to_numpy(),
        "category": rows["事件大类"].astype(object),
        "kind": rows["紧急程度"].astype(object).replace("", None),
        "received_at": rows["上报时间"],
        "due_at": pd.NaT,
        "closed_at": rows["办结时间"].where(closed.to_numpy()),
        "status": rows["处置状态"].astype(object),
    })
    span = (rows["上报时间"].min(), rows["上报时间"].max()) if len(rows) else None
    store = item_rows.store(NAME, item_rows.kept(items, NAME, ctx.now), sorted(set(codes.str[:12])), span)
    return Output(facts, combine_rejects(dup_rejects, area_rejects), notes=notes, store=store,
                  warnings=warnings[warnings["row_number"].isin(rows["_row"])].reset_index(drop=True))


def counted(category: pd.Series, status: pd.Series, urgency: pd.Series) -> dict[str, pd.Series]:
    """What each event adds to each count (0 or 1), from its 事件大类, 处置状态 and 紧急程度.

    The one statement of what the grid metrics count: closed is 已办结 or 已核查, urgent
    is 紧急 or 特急, a dispute is an event of category 矛盾纠纷 (mediated when closed).
    ``etl.cityscale`` counts its generated events with it too.
    """
    closed = status.isin(CLOSED)
    dispute = category.eq(DISPUTE)
    return {
        "grid_events_reported": pd.Series(1, index=category.index),
        "grid_events_closed": closed.astype(int),
        "grid_events_urgent": urgency.isin(URGENT).astype(int),
        "disputes_reported": dispute.astype(int),
        "disputes_mediated": (dispute & closed).astype(int),
    }
