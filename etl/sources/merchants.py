"""The merchant alliance (商居联盟) register and service log: one row per merchant and month.

Every figure goes on the first day of its month (统计月份, read as the party report reads
it). Alliance merchants (是否联盟成员 = 是, by 行业), model merchants (示范商户, which must be
members) and the discounts and services they offer (优惠服务项数) are the month's levels;
public-benefit services (公益服务次数) and hours (公益服务时长) given by members are the
month's flows. A merchant's name is a business, not a person, and only tells two rows of
one merchant apart; the 负责人 and phone numbers are personal and dropped on reading.

A report speaks for the communities in it: a community that sent no row is missing, not
zero; one whose rows name no member has no alliance merchants that month (a real 0).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from etl.facts import breakdown, combine, totals
from etl.load import Output, month_days
from etl.sources.party import report_months
from etl.validate import Field, combine_rejects, reject_repeats, reject_rows

NAME = "merchants"

LEVELS = ("alliance_merchants", "model_merchants", "merchant_offers")
FLOWS = ("merchant_services", "merchant_service_hours")
METRICS = LEVELS + FLOWS

TRADES = ("餐饮", "零售", "生活服务", "教育培训", "医疗健康", "其他")
YES_NO = ("是", "否")
UNFILLED = "未填写"

_COUNT: dict[str, Any] = dict(kind="number", minimum=0)
FIELDS = [
    Field("统计月份", ("月份", "统计期", "统计时间"), required=True, nullable=False, label_en="month"),
    Field("街道", ("所属街道", "街道(镇)", "镇街"), label_en="street"),
    Field("社区", ("所属社区", "社区名称", "社区(村)"), required=True, nullable=False, label_en="community"),
    Field("商户名称", ("商户", "店铺名称", "商家名称"), required=True, nullable=False, label_en="merchant"),
    Field("行业", ("所属行业", "行业类别", "经营类别"), allowed=TRADES, label_en="trade"),
    Field("是否联盟成员", ("联盟成员", "是否加入联盟", "是否签约"), required=True, nullable=False, allowed=YES_NO,
          label_en="alliance member"),
    Field("是否示范商户", ("示范商户", "是否示范"), allowed=YES_NO, label_en="model merchant"),
    Field("优惠服务项数", ("优惠服务项目数", "优惠项目数", "优惠服务(项)"), label_en="offers", maximum=100, **_COUNT),
    Field("公益服务次数", ("公益服务(次)", "公益服务次"), label_en="services", maximum=1000, **_COUNT),
    Field("公益服务时长(小时)", ("公益服务时长", "服务时长(小时)", "公益服务小时数"), label_en="service hours",
          maximum=2000, **_COUNT),
    # Personal data: recognised so the header is found, then dropped.
    Field("负责人", ("联系人", "店主", "法人", "负责人姓名"), personal=True),
    Field("联系电话", ("电话", "手机号", "联系方式", "手机号码"), personal=True),
]


def transform(rows: pd.DataFrame, ctx) -> Output:
    """Merchant-months -> each community's month: levels and flows on the month's first day."""
    rows, month_rejects = report_months(rows, ctx)
    model_only = rows["是否示范商户"].eq("是") & rows["是否联盟成员"].ne("是")
    rows, model_rejects = reject_rows(rows, ctx.fields, model_only, "是否示范商户",
                                      "示范商户须是联盟成员 / a model merchant must be an alliance member")

    rows, codes, area_rejects = ctx.matched_rows(rows, community="社区", street="街道")

    rows, codes, dup_rejects = reject_repeats(rows, ctx.fields, codes, {"m": rows["_month"], "a": codes, "n": rows["商户名称"]},
                                              "商户名称", "{value!r} 本月已在前面的行中出现 / this merchant and month "
                                              "already appear in an earlier row")

    member = rows["是否联盟成员"].eq("是")
    frame = pd.DataFrame({
        "period": rows["_month"],
        "area_code": codes,
        "trade": rows["行业"].where(rows["行业"].ne(""), UNFILLED),
        **counted(member, rows["是否示范商户"], rows["优惠服务项数"], rows["公益服务次数"], rows["公益服务时长(小时)"]),
    })
    facts = combine([
        totals(frame, list(LEVELS), keep_zero=True),  # a community with no member has 0 that month
        totals(frame, list(FLOWS)),
        breakdown(frame, ["alliance_merchants", "merchant_services", "merchant_service_hours"], ["trade"]),
    ])
    rejects = combine_rejects(month_rejects, model_rejects, area_rejects, dup_rejects)
    days = month_days(frame["period"])  # a monthly register covers its months to their last day
    return Output(facts, rejects, covers=(days[0], days[-1]) if days else None,
                  communities=sorted(set(codes.str[:12])))


def counted(member: pd.Series, model: pd.Series, offers: pd.Series, services: pd.Series,
            hours: pd.Series) -> dict[str, pd.Series]:
    """What each merchant's month adds to each metric: only alliance members count; a blank
    number is none given."""
    return {
        "alliance_merchants": member.astype(int),
        "model_merchants": (member & model.eq("是")).astype(int),
        "merchant_offers": offers.fillna(0).where(member, 0),
        "merchant_services": services.fillna(0).where(member, 0),
        "merchant_service_hours": hours.fillna(0).where(member, 0).round(2),
    }
