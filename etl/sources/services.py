"""Service hall and self-service terminals: daily aggregates per service point, item, channel.

Transactions are counted by item, channel and service point; self-service (渠道 自助终端)
and online (网上) transactions by item; waiting minutes as 平均等候分钟 × 办件量 (so an
average over any selection is waiting minutes / transactions, never an average of
averages); reviews and good reviews as given. A row with more good reviews than reviews
is rejected.

The street hall (街道公共服务大厅) belongs to the street, not to a community, and its rows
name no community (or name the street in the community column). **Its figures are kept on
the street's own code** (沙河街道 510104011000): the finest area the source gives. They count
in the street's total and above, in no community's, so no community tops a league table
with its street's hall; the ``point`` breakdown of service_transactions still separates it.
A blank 平均等候分钟 counts as no waiting (online rows leave it blank or 0).

Essential (a bad cell refuses the row): 日期, the area (社区, 街道), 服务点 (it decides
whether the row is the street hall's), 渠道 (the self-service and online shares count over
all transactions), 办件量 and 平均等候分钟 (the average wait is over all transactions).
Not essential (a bad cell is blanked with a warning, the transactions still count):
事项类别 (the row goes under 未填写 in the item breakdowns), and 评价数 and 好评数, which
go together: when either cannot be used (not a number, more good reviews than reviews,
one given without the other) both are left out, so the good-review rate is over the
rows that have both.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from etl.facts import breakdown, totals
from etl.load import Output
from etl.validate import Field, combine_rejects, reject_rows, screen

NAME = "services"

METRICS = ("service_transactions", "service_self_service", "service_online", "service_wait_minutes",
           "service_reviews", "service_good_reviews")

HALL, STATION, SELF_SERVICE = "街道公共服务大厅", "社区便民服务站", "24小时自助服务区"
POINTS = (HALL, STATION, SELF_SERVICE)
ITEMS = ("社保", "医保", "户籍", "民政", "残联", "不动产", "企业登记", "其他")
UNFILLED = "未填写"  # item breakdown member of a row whose 事项类别 could not be used
CHANNELS = ("窗口", "自助终端", "网上")

_COUNT: dict[str, Any] = dict(kind="number", minimum=0)
FIELDS = [
    Field("日期", ("办理日期", "统计日期", "业务日期"), kind="datetime", required=True, nullable=False, label_en="date"),
    Field("街道", ("所属街道", "街道(镇)", "镇街"), label_en="street"),
    Field("社区", ("所属社区", "社区名称"), label_en="community"),
    Field("服务点", ("服务网点", "办理点", "服务场所"), required=True, nullable=False, allowed=POINTS,
          label_en="service point"),
    Field("事项类别", ("事项分类", "业务类别", "事项"), required=True, nullable=False, allowed=ITEMS, label_en="item",
          essential=False),
    Field("渠道", ("办理渠道", "办件渠道"), required=True, nullable=False, allowed=CHANNELS, label_en="channel"),
    Field("办件量", ("办件数", "办理量", "业务量"), required=True, nullable=False, label_en="transactions", **_COUNT),
    Field("平均等候分钟", ("平均等候时间", "平均等候时长(分钟)", "平均等待分钟", "平均等候时长"),
          label_en="average wait (minutes)", maximum=600, **_COUNT),
    Field("评价数", ("评价量", "评价总数"), label_en="reviews", essential=False, **_COUNT),
    Field("好评数", ("好评量", "满意数"), label_en="good reviews", essential=False, **_COUNT),
]


def _hall_areas(rows: pd.DataFrame, ctx) -> tuple[pd.Series, pd.Series]:
    """Area code (or None) and reason for street-hall rows, once per distinct street text."""
    matcher = ctx.matcher
    found: dict[str, tuple[str | None, str | None]] = {}
    for street in rows["_street"].unique():
        match = matcher.street(street)
        found[street] = (match.code, None) if match.ok else (None, match.reason)
    codes = rows["_street"].map(lambda s: found[s][0])
    reasons = rows["_street"].map(lambda s: found[s][1])
    return codes, reasons


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Daily aggregates -> daily community figures (the street hall's on the street)."""
    rows, review_rejects, warnings = screen(rows, ctx.fields, review_checks(rows))

    codes, area_reasons, hall = area_codes(rows, ctx)
    rows = rows.assign(_hall=hall)
    rows, area_rejects = reject_rows(rows, ctx.fields, codes.isna(), "社区", area_reasons)
    codes = codes.dropna().reset_index(drop=True).astype(str)

    key = pd.DataFrame({"day": rows["日期"], "area": codes, "point": rows["服务点"], "item": rows["事项类别"],
                        "channel": rows["渠道"]})
    duplicate = key.duplicated() & rows["事项类别"].ne("")  # two unreadable items may be two items
    rows, dup_rejects = reject_rows(rows, ctx.fields, duplicate, "日期",
                                    "同一天、社区、服务点、事项和渠道已在前面的行中出现 / the same day, community, "
                                    "point, item and channel already appear in an earlier row")
    codes = codes[~duplicate].reset_index(drop=True)

    count = rows["办件量"]
    channel = rows["渠道"]
    figures = pd.DataFrame({
        "period": rows["日期"].dt.normalize(),
        "area_code": codes,
        "item": rows["事项类别"].replace("", UNFILLED),
        "channel": channel,
        "point": rows["服务点"],
        "service_transactions": count,
        "service_self_service": count.where(channel.eq("自助终端"), 0),
        "service_online": count.where(channel.eq("网上"), 0),
        "service_wait_minutes": (rows["平均等候分钟"].fillna(0) * count).round(2),
        "service_reviews": rows["评价数"].fillna(0),
        "service_good_reviews": rows["好评数"].fillna(0),
    })
    facts = pd.concat([
        totals(figures, list(METRICS)),
        breakdown(figures, "service_transactions", ["item", "channel", "point"]),
        breakdown(figures, "service_self_service", ["item"]),
        breakdown(figures, "service_online", ["item"]),
    ], ignore_index=True)
    notes = []
    on_street = int(rows["_hall"].sum()) if len(rows) else 0
    if on_street:
        notes.append(f"{on_street} 行街道大厅数据计入街道 / street-hall rows counted on their street")
    return Output(facts, combine_rejects(review_rejects, dup_rejects, area_rejects), notes=notes,
                  warnings=warnings)


def review_checks(rows: pd.DataFrame) -> list:
    """评价数 and 好评数 count only together: (mask, field, reason) for :func:`screen`.

    More good reviews than reviews, or a figure (above 0) without the other (given
    blank, or blanked as unreadable by the validation), leaves both out.
    """
    reviews, good = rows["评价数"], rows["好评数"]
    too_many = good > reviews
    told = ("好评数 " + good.map("{:g}".format) + " 大于评价数 " + reviews.map("{:g}".format)
            + ", 两者均不计入 / more good reviews than reviews: both left out")
    lone_good = good.gt(0) & reviews.isna()
    lone_reviews = reviews.gt(0) & good.isna()
    without = ", 不计入评价与好评 / left out of reviews and good reviews"
    return [
        (too_many, "好评数", told), (too_many, "评价数", told),
        (lone_good, "好评数", "没有可用的评价数" + without + " (no usable 评价数)"),
        (lone_reviews, "评价数", "没有可用的好评数" + without + " (no usable 好评数)"),
    ]


def area_codes(rows: pd.DataFrame, ctx) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Community codes, reasons where none, and which rows are street-hall rows.

    A hall row is one at 街道公共服务大厅 whose 社区 is blank or names the street itself.
    Every other row must name a community of the register.
    """
    matcher = ctx.matcher
    names_street = {}
    for community in rows["社区"].unique():
        names_street[community] = community == "" or (
            matcher.street(community).ok and not matcher.community(community).ok)
    hall = rows["服务点"].eq(HALL) & rows["社区"].map(names_street).astype(bool)
    rows = rows.assign(_street=rows["街道"].where(rows["街道"].ne(""), rows["社区"]))

    codes = pd.Series(None, index=rows.index, dtype=object)
    reasons = pd.Series(None, index=rows.index, dtype=object)
    if hall.any():
        codes[hall], reasons[hall] = _hall_areas(rows[hall], ctx)
    if (~hall).any():
        named = rows[~hall]
        codes[~hall], reasons[~hall] = ctx.match_areas(named, community="社区", street="街道")
    return codes, reasons, hall
