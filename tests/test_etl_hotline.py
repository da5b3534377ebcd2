"""12345 work orders: what the governance screen's hotline figures are made of.

Orders are counted on the day they were received, in the community they belong to:
resolved = 已办结, on time = resolved and not overdue, rated = any evaluation but
未评价/empty, satisfied = 非常满意/满意/基本满意.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from data.catalog import read_metrics
from etl import pipeline
from etl.sources import hotline
from support import figures

NOW = datetime(2025, 4, 1)
HUIQUAN, CHUANGYE = "510104011001", "510104011002"

COLUMNS = ["工单编号", "受理时间", "诉求渠道", "诉求类型", "问题分类", "所属区县", "所属街道", "所属社区",
           "诉求人", "来电号码", "诉求内容", "办理状态", "办结时间", "办理时限", "是否超期", "评价结果"]


def orders(*specs):
    """Rows from (number, received, community, status, overdue, rating, category, channel, type)."""
    rows = []
    for number, received, community, status, overdue, rating, category, channel, kind in specs:
        rows.append([number, received, channel, kind, category, "锦江区", "沙河街道", community, "刘小红",
                     "13512345678", "小区门口占道经营", status, "", "5个工作日", overdue, rating])
    return pd.DataFrame(rows, columns=COLUMNS)


def test_metric_codes_are_the_catalogues_hotline_metrics():
    catalogue = read_metrics()
    assert set(hotline.METRICS) == set(catalogue.loc[catalogue["source"] == "hotline", "code"])


def test_counts_follow_the_domain_rules(warehouse, tmp_path):
    frame = orders(
        ("A1", "2025/3/7 9:05", "汇泉路社区", "已办结", "否", "非常满意", "物业管理", "电话", "投诉"),
        ("A2", "2025/3/7 10:00", "汇泉路社区", "已办结", "是", "不满意", "物业管理", "微信", "投诉"),
        ("A3", "2025/3/7 11:00", "汇泉路社区", "已办结", "", "基本满意", "噪音扰民", "APP", "咨询"),
        ("A4", "2025/3/7 12:00", "汇泉路社区", "办理中", "否", "未评价", "噪音扰民", "电话", "求助"),
        ("A5", 45723.541666667, "汇泉路社区", "已退回", "否", "", "", "电话", "建议"),
        ("A6", pd.Timestamp("2025-03-08 08:30"), "创业社区", "办理中", "是", "", "物业管理", "网站", "投诉"),
    )
    path = tmp_path / "orders.xlsx"  # text dates, an Excel serial number and a real date cell
    frame.to_excel(path, index=False)
    [result] = pipeline.load_location(warehouse, "hotline", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 6, 0)

    got = figures(warehouse)
    day = ("2025-03-07", HUIQUAN)
    total = {m: got[(*day, m, "", "")] for m in hotline.METRICS}
    assert total == {
        "hotline_received": 5, "hotline_resolved": 3, "hotline_on_time": 2, "hotline_overdue": 1,
        "hotline_open": 1, "hotline_returned": 1, "hotline_rated": 3, "hotline_satisfied": 2,
    }
    assert got[(*day, "hotline_received", "category", "物业管理")] == 2
    assert got[(*day, "hotline_received", "category", "噪音扰民")] == 2
    assert got[(*day, "hotline_received", "category", "未填写")] == 1
    assert got[(*day, "hotline_received", "channel", "电话")] == 3
    assert got[(*day, "hotline_received", "type", "投诉")] == 2
    assert got[(*day, "hotline_resolved", "category", "物业管理")] == 2
    assert got[(*day, "hotline_overdue", "category", "物业管理")] == 1
    assert got[(*day, "hotline_open", "category", "噪音扰民")] == 1
    assert got[("2025-03-08", CHUANGYE, "hotline_overdue", "", "")] == 1
    assert ("2025-03-08", CHUANGYE, "hotline_on_time", "", "") not in got  # zero: nothing stored


def test_every_breakdown_adds_up_to_its_total(warehouse, tmp_path):
    specs = [(f"B{i}", f"2025-03-{1 + i % 5:02d} 09:{i % 60:02d}:00", ["汇泉路社区", "创业社区"][i % 2],
              ["已办结", "办理中", "已退回"][i % 3], ["是", "否", ""][i % 3], ["满意", "未评价", "", "不满意"][i % 4],
              ["物业管理", "噪音扰民", "市政设施", ""][i % 4], ["电话", "微信", "APP", "网站", "信件"][i % 5],
              ["咨询", "求助", "投诉", "建议", "表扬", "举报"][i % 6]) for i in range(120)]
    path = tmp_path / "orders.csv"
    orders(*specs).to_csv(path, index=False, encoding="utf-8-sig")
    pipeline.load_location(warehouse, "hotline", str(path), now=NOW)
    frame = (pd.Series(figures(warehouse)).rename_axis(["period", "area", "metric", "dimension", "member"])
             .reset_index(name="value"))
    totals = frame[frame["dimension"] == ""].set_index(["period", "area", "metric"])["value"]
    parts = frame[frame["dimension"] != ""].groupby(["period", "area", "metric", "dimension"])["value"].sum()
    for (period, area, metric, dimension), value in parts.items():
        assert value == totals[(period, area, metric)], (metric, dimension)
    assert totals.xs("hotline_received", level="metric").sum() == 120


def test_a_duplicate_order_number_is_counted_once(warehouse, tmp_path):
    frame = orders(
        ("C1", "2025/3/7 9:05", "汇泉路社区", "已办结", "否", "满意", "物业管理", "电话", "投诉"),
        ("C1", "2025/3/7 9:05", "汇泉路社区", "已办结", "否", "满意", "物业管理", "电话", "投诉"),
    )
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    [result] = pipeline.load_location(warehouse, "hotline", str(path), now=NOW)
    assert result.rows_rejected == 1
    assert figures(warehouse)[("2025-03-07", HUIQUAN, "hotline_received", "", "")] == 1


def test_a_corrected_export_that_moves_orders_to_the_neighbour_never_counts_them_twice(warehouse, tmp_path):
    """DOMAIN.md, "Re-delivery": an export that declares no scope implies its streets. The
    correction books all of 汇泉路's orders to 创业社区: 汇泉路's old figures go, the street's
    total stays what the corrected export says."""
    from data import query

    first = orders(
        ("B1", "2025/3/7 9:05", "汇泉路社区", "已办结", "否", "满意", "物业管理", "电话", "投诉"),
        ("B2", "2025/3/7 10:00", "汇泉路社区", "已办结", "否", "满意", "物业管理", "电话", "投诉"),
        ("B3", "2025/3/7 11:00", "创业社区", "已办结", "否", "满意", "物业管理", "电话", "投诉"),
    )
    corrected = first.assign(所属社区="创业社区")
    first.to_csv(tmp_path / "2025-03-07.csv", index=False)
    pipeline.load_location(warehouse, "hotline", str(tmp_path / "2025-03-07.csv"), now=NOW)
    corrected.to_csv(tmp_path / "2025-03-07-corrected.csv", index=False)
    pipeline.load_location(warehouse, "hotline", str(tmp_path / "2025-03-07-corrected.csv"), now=NOW)

    got = figures(warehouse)
    assert ("2025-03-07", HUIQUAN, "hotline_received", "", "") not in got
    assert got[("2025-03-07", CHUANGYE, "hotline_received", "", "")] == 3
    shahe = "510104011000"
    assert query.value("hotline_received", shahe, "2025-03-01", "2025-03-31", engine=warehouse) == 3
