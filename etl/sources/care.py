""""One old, one young" (一老一小) services: daily counts per community and service.

Every row adds its 服务人次 to ``care_services`` (broken down by ``item``) and to the
metric of its own service: 老年助餐 -> elderly_meals, 居家养老上门 -> elderly_home_visits,
康复理疗 -> rehabilitation_sessions, 儿童托管 -> child_daycare, 婴幼儿托育 -> infant_care,
困境儿童帮扶 -> children_in_difficulty_support. A day, community and service appearing
twice in one export would be counted twice, so the later row is rejected.

Every field is essential: a row is a day's count (服务人次) of one service (服务项目, which
decides the metric) in one community (社区, 街道) on one day (日期); without any of them
the row says nothing.
"""
from __future__ import annotations

import pandas as pd

from etl.facts import breakdown, totals
from etl.load import Output
from etl.validate import Field, combine_rejects, reject_repeats

NAME = "care"

ITEM_METRICS = {
    "老年助餐": "elderly_meals",
    "居家养老上门": "elderly_home_visits",
    "康复理疗": "rehabilitation_sessions",
    "儿童托管": "child_daycare",
    "婴幼儿托育": "infant_care",
    "困境儿童帮扶": "children_in_difficulty_support",
}
METRICS = ("care_services", *ITEM_METRICS.values())

FIELDS = [
    Field("日期", ("服务日期", "统计日期"), kind="datetime", required=True, nullable=False, label_en="date"),
    Field("街道", ("所属街道", "街道(镇)"), label_en="street"),
    Field("社区", ("所属社区", "社区名称", "服务社区"), required=True, nullable=False, label_en="community"),
    Field("服务项目", ("项目", "服务类别", "服务内容"), required=True, nullable=False, allowed=tuple(ITEM_METRICS),
          label_en="service"),
    Field("服务人次", ("人次", "服务人数", "服务量"), kind="number", required=True, nullable=False, minimum=0,
          label_en="services"),
]


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Daily rows -> daily community totals, by service and per service metric."""
    rows, codes, area_rejects = ctx.matched_rows(rows, community="社区", street="街道")

    rows, codes, dup_rejects = reject_repeats(rows, ctx.fields, codes, {"d": rows["日期"], "a": codes, "i": rows["服务项目"]},
                                              "服务项目", "同一天同一社区的 {value} 已在前面的行中出现 / the same "
                                              "day, community and service already appear in an earlier row")

    item, count = rows["服务项目"], rows["服务人次"]
    services = pd.DataFrame({
        "period": rows["日期"].dt.normalize(),
        "area_code": codes,
        "item": item,
        "care_services": count,
        **{metric: count.where(item.eq(name), 0) for name, metric in ITEM_METRICS.items()},
    })
    facts = pd.concat([
        totals(services, list(METRICS)),
        breakdown(services, "care_services", ["item"]),
    ], ignore_index=True)
    return Output(facts, combine_rejects(dup_rejects, area_rejects))
