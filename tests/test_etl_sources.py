"""Volunteers, party reports, service halls and "one old, one young" services.

Each test writes an export the way the source system (or the person re-saving it in
Excel/WPS) does, loads it, and checks the figures against values worked out by hand.
"""
from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from data.catalog import read_metrics
from data.schema import etl_reject
from etl import pipeline, reach
from etl.sources import care, party, services, volunteers
from support import everything_stored, figures

NOW = datetime(2025, 4, 10, 12, 0)
HUIQUAN, CHUANGYE = "510104011001", "510104011002"  # 汇泉路社区 and 创业社区, in 沙河街道
SHAHE = "510104011000"


def write_csv(path, lines, encoding="gbk"):
    """Lines of cells as Excel saves a CSV (CRLF; cells holding commas are not used here)."""
    path.write_bytes("".join(",".join(str(c) for c in line) + "\r\n" for line in lines).encode(encoding))
    return path


def rejects(engine) -> dict[int, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.row_number: (r.field, r.reason) for r in conn.execute(select(etl_reject))}


@pytest.mark.parametrize("module", [volunteers, party, services, care])
def test_metric_codes_are_the_catalogues(module):
    catalogue = read_metrics()
    counted = reach.metrics(module.NAME) if module.NAME in reach.METRICS else []  # distinct people, etl.reach
    assert set(module.METRICS) | set(counted) == set(catalogue.loc[catalogue["source"] == module.NAME, "code"])


# --- volunteers ------------------------------------------------------------------------

VOLUNTEER_HEADER = ["记录编号", "志愿者编号", "姓名", "手机号", "队伍名称", "所属社区", "服务日期", "服务时长", "服务类别"]


def volunteer_export(path, rows):
    return write_csv(path, [["2025年3月志愿服务记录导出"], VOLUNTEER_HEADER, *rows,
                            ["合计", "", "", "", "", "", "", "99", ""], [""] * 9])


def test_volunteer_hours_services_and_monthly_stocks(warehouse, tmp_path):
    path = volunteer_export(tmp_path / "volunteers.csv", [
        ["JL1", "V1", "张晓梅", "13800000001", "汇泉路社区助老队", "汇泉路社区", "2025/3/1", "2", "助老"],
        ["JL2", "V1", "张晓梅", "13800000001", "汇泉路社区助老队", "汇泉路社区", "2025/3/1", "1.5", "助老"],
        ["JL3", "V2", "李卫东", "13800000002", "汇泉路社区文明劝导队", "汇泉路 社区", "2025-03-05", "3", "文明劝导"],
        ["JL4", "V3", "赵一", "13800000003", "", "汇泉路社区", "2025-03-05", "１", "环境保护"],
        ["JL5", "V4", "钱二", "13800000004", "创业社区巡逻队", "创业", "2025年3月2日", "2", "社区治理"],
        ["JL6", "V5", "孙三", "13800000005", "创业社区巡逻队", "创业社区", "2025/3/2", "-2", "社区治理"],
        ["JL7", "V6", "周四", "13800000006", "创业社区巡逻队", "创业社区", "2025/3/2", "25", "社区治理"],
        ["JL8", "V7", "吴五", "13800000007", "创业社区巡逻队", "创业社区", "2025/3/9", "14", "社区治理"],
        ["JL9", "V7", "吴五", "13800000007", "创业社区巡逻队", "创业社区", "2025/3/9 20:00", "12", "社区治理"],
        ["JL3", "V2", "李卫东", "13800000002", "汇泉路社区文明劝导队", "汇泉路社区", "2025-03-06", "1", "文明劝导"],
    ])
    [result] = pipeline.load_location(warehouse, "volunteers", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 5, 5)

    got = figures(warehouse)
    assert got[("2025-03-01", HUIQUAN, "volunteer_hours", "", "")] == 3.5
    assert got[("2025-03-01", HUIQUAN, "volunteer_services", "", "")] == 2
    assert got[("2025-03-01", HUIQUAN, "volunteer_hours", "category", "助老")] == 3.5
    assert got[("2025-03-05", HUIQUAN, "volunteer_hours", "", "")] == 4
    assert got[("2025-03-05", HUIQUAN, "volunteer_services", "category", "环境保护")] == 1
    # Stocks on the month's first day: V1, V2, V3 served; two named teams.
    assert got[("2025-03-01", HUIQUAN, "active_volunteers", "", "")] == 3
    assert got[("2025-03-01", HUIQUAN, "volunteer_teams", "", "")] == 2
    assert got[("2025-03-01", CHUANGYE, "active_volunteers", "", "")] == 1
    assert got[("2025-03-02", CHUANGYE, "volunteer_hours", "", "")] == 2

    reasons = rejects(warehouse)  # the title row is row 1 and the header row 2
    assert reasons[8][0] == "服务时长(小时)" and "-2" in reasons[8][1]
    assert reasons[9][0] == "服务时长(小时)" and "25" in reasons[9][1]
    # The reason names the day and the hours, never the volunteer (an id that names a person).
    assert "V7" not in reasons[10][1] and "26" in reasons[10][1] and "24" in reasons[10][1]
    assert 11 in reasons
    assert reasons[12][0] == "记录编号" and "JL3" in reasons[12][1]

    stored = everything_stored(warehouse)
    for personal in ("张晓梅", "李卫东", "13800000001", "13800000007"):
        assert personal not in stored


def test_a_corrected_month_replaces_the_whole_month(warehouse, tmp_path):
    first = volunteer_export(tmp_path / "march.csv", [
        ["JL1", "V1", "张晓梅", "13800000001", "汇泉路社区助老队", "汇泉路社区", "2025/3/1", "2", "助老"],
        ["JL3", "V2", "李卫东", "13800000002", "汇泉路社区文明劝导队", "汇泉路社区", "2025-03-05", "3", "文明劝导"],
    ])
    pipeline.load_location(warehouse, "volunteers", str(first), now=NOW)
    corrected = volunteer_export(tmp_path / "march-corrected.csv", [
        ["JL1", "V1", "张晓梅", "13800000001", "汇泉路社区助老队", "汇泉路社区", "2025/3/1", "2.5", "助老"],
    ])
    pipeline.load_location(warehouse, "volunteers", str(corrected), now=NOW)
    got = figures(warehouse)
    assert got[("2025-03-01", HUIQUAN, "volunteer_hours", "", "")] == 2.5
    assert ("2025-03-05", HUIQUAN, "volunteer_hours", "", "") not in got
    assert got[("2025-03-01", HUIQUAN, "active_volunteers", "", "")] == 1


# --- party -----------------------------------------------------------------------------

PARTY_HEADER = ["统计月份", "街道", "社区", "党组织数", "党员总数", "流动党员数", "本月发展党员", "三会一课次数",
                "主题党日次数", "微党校学习人次", "党员志愿服务时长"]


def excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def test_party_report_months_in_every_form(warehouse, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2025年社区党组织建设情况月报汇总表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PARTY_HEADER))
    sheet.append(PARTY_HEADER)
    for row in [
        ["2025-03", "沙河街道", "汇泉路社区", 7, "231", 11, 1, 13, 6, 306, "176.5"],  # numbers stored as text
        ["2025年3月", "沙河街道", "创业社区 ", 6, 163, 9, 0, 10, 5, None, 165.5],  # a blank figure
        ["2025/2", "沙河街道", "汇泉路社区", 7, 229, 11, 0, 12, 6, 290, 150],
        [excel_serial(date(2025, 1, 1)), "沙河街道", "创业社区", 6, 162, 9, 0, 10, 5, 50, 120],  # Excel serial
        [datetime(2024, 12, 1), "沙河街道", "汇泉路社区", 7, 228, 10, 2, 12, 6, 280, 140],  # a date cell
        ["2025-13", "沙河街道", "汇泉路社区", 7, 228, 10, 2, 12, 6, 280, 140],
        ["2026-01", "沙河街道", "汇泉路社区", 7, 228, 10, 2, 12, 6, 280, 140],
        ["2025-01", "沙河街道", "汇泉路社区", 7, 100, 120, 0, 12, 6, 280, 140],
        ["2025-03", "沙河街道", "汇泉路", 7, 999, 11, 1, 13, 6, 306, 176.5],
        ["2025-03", "沙河街道", "幸福里社区", 5, 120, 3, 0, 8, 4, 100, 90],
        ["合计", "", "", 52, 2000, 200, 5, 107, 50, 1886, 1258.5],
    ]:
        sheet.append(row)
    path = tmp_path / "party_2025.xlsx"
    book.save(path)

    [result] = pipeline.load_location(warehouse, "party", str(path), now=NOW)
    # More mobile members than members (row 10) costs only 流动党员数: the row loads, warned.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 6, 4)
    got = figures(warehouse)
    march = ("2025-03-01", HUIQUAN)
    assert got[(*march, "party_members", "", "")] == 231
    assert got[(*march, "party_organisations", "", "")] == 7
    assert got[(*march, "party_mobile_members", "", "")] == 11
    assert got[(*march, "party_new_members", "", "")] == 1
    assert got[(*march, "party_three_sessions", "", "")] == 13
    assert got[(*march, "party_theme_days", "", "")] == 6
    assert got[(*march, "party_school_attendance", "", "")] == 306
    assert got[(*march, "party_volunteer_hours", "", "")] == 176.5
    assert got[("2025-03-01", CHUANGYE, "party_members", "", "")] == 163
    assert ("2025-03-01", CHUANGYE, "party_school_attendance", "", "") not in got  # blank: not reported
    assert got[("2025-02-01", HUIQUAN, "party_members", "", "")] == 229
    assert got[("2025-01-01", CHUANGYE, "party_members", "", "")] == 162
    assert got[("2024-12-01", HUIQUAN, "party_new_members", "", "")] == 2
    january = {key[2]: value for key, value in got.items() if key[:2] == ("2025-01-01", HUIQUAN)}
    assert "party_mobile_members" not in january
    assert january["party_members"] == 100 and january["party_new_members"] == 0

    reasons = rejects(warehouse)  # title row 1, header row 2, data from row 3
    assert reasons[8] == ("统计月份", reasons[8][1]) and "2025-13" in reasons[8][1]
    assert "future" in reasons[9][1]
    assert reasons[10][0] == "流动党员数" and "more mobile members than members" in reasons[10][1]
    assert reasons[11][0] == "社区" and "earlier row" in reasons[11][1]
    assert reasons[12][0] == "社区" and "幸福里社区" in reasons[12][1]


# --- services --------------------------------------------------------------------------

SERVICE_HEADER = ["日期", "街道", "社区", "服务点", "事项类别", "渠道", "办件量", "平均等候分钟", "评价数", "好评数"]


def test_service_hall_figures_with_the_street_hall_on_its_street(warehouse, tmp_path):
    path = write_csv(tmp_path / "services.csv", [
        SERVICE_HEADER,
        ["2025/3/3", "沙河街道", "", "街道公共服务大厅", "社保", "窗口", "10", "8.5", "6", "5"],
        ["2025/3/3", "沙河街道", "沙河街道", "街道公共服务大厅", "医保", "自助终端", "4", "1", "2", "2"],
        ["2025/3/3", "沙河街道", "", "街道公共服务大厅", "社保", "网上", "3", "", "0", "0"],
        ["2025/3/3", "沙河街道", "创业社区", "社区便民服务站", "民政", "窗口", "５", "3", "2", "2"],
        ["2025/3/3", "沙河街道", "创业社区", "社区便民服务站", "社保", "窗口", "2", "3", "1", "2"],
        ["2025/3/3", "沙河街道", "创业社区", "社区便民服务站", "公积金", "窗口", "2", "3", "1", "1"],
        ["2025/3/3", "沙河街道", "创业", "社区便民服务站", "民政", "窗口", "5", "3", "2", "2"],
    ], encoding="gbk")
    [result] = pipeline.load_location(warehouse, "services", str(path), now=NOW)
    # Rows 6 (more good reviews than reviews) and 7 (an item not in the list) cost only their
    # reviews and their item: their transactions count. Row 8 repeats row 5 and is refused.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 6, 1)

    got = figures(warehouse)
    hall = ("2025-03-03", SHAHE)  # the street's own code: the hall is in no community
    assert ("2025-03-03", HUIQUAN, "service_transactions", "", "") not in got
    assert got[(*hall, "service_transactions", "", "")] == 17
    assert got[(*hall, "service_self_service", "", "")] == 4
    assert got[(*hall, "service_online", "", "")] == 3
    assert got[(*hall, "service_wait_minutes", "", "")] == 10 * 8.5 + 4 * 1
    assert got[(*hall, "service_reviews", "", "")] == 8
    assert got[(*hall, "service_good_reviews", "", "")] == 7
    assert got[(*hall, "service_transactions", "point", "街道公共服务大厅")] == 17
    assert got[(*hall, "service_transactions", "channel", "窗口")] == 10
    assert got[(*hall, "service_transactions", "item", "社保")] == 13
    assert got[(*hall, "service_self_service", "item", "医保")] == 4
    assert got[(*hall, "service_online", "item", "社保")] == 3
    station = ("2025-03-03", CHUANGYE)
    assert got[(*station, "service_transactions", "", "")] == 5 + 2 + 2
    assert got[(*station, "service_wait_minutes", "", "")] == 5 * 3 + 2 * 3 + 2 * 3
    assert got[(*station, "service_transactions", "item", "未填写")] == 2  # 公积金
    assert got[(*station, "service_reviews", "", "")] == 2 + 1  # row 6's pair is left out
    assert got[(*station, "service_good_reviews", "", "")] == 2 + 1

    with warehouse.connect() as conn:
        found = sorted(conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason,
                                           etl_reject.c.severity)).all(), key=lambda r: (r.row_number, r.field))
    assert [(r.row_number, r.field, r.severity) for r in found] == [
        (6, "好评数", "warning"), (6, "评价数", "warning"), (7, "事项类别", "warning"), (8, "日期", "refused")]
    assert all("more good reviews than reviews: both left out" in r.reason for r in found[:2])
    assert "公积金" in found[2].reason
    assert "earlier row" in found[3].reason


# --- care ------------------------------------------------------------------------------

def test_care_services_by_item_and_per_item_metrics(warehouse, tmp_path):
    path = write_csv(tmp_path / "care.csv", [
        ["日期", "社区", "服务项目", "服务人次"],
        ["2025-03-03", "汇泉路社区", "老年助餐", "40"],
        ["2025-03-03", "汇泉路社区", "居家养老上门", "3"],
        ["2025-03-03", "汇泉路", "儿童托管", "12"],
        ["2025-03-03", "创业社区", "婴幼儿托育", "20"],
        ["2025-03-03", "汇泉路社区　", "老年助餐", "40"],
        ["2025-03-03", "汇泉路社区", "理发", "5"],
        ["2025-03-03", "汇泉路社区", "康复理疗", "-3"],
        ["", "", "", ""],
        ["", "", "", ""],
    ], encoding="utf-8-sig")
    [result] = pipeline.load_location(warehouse, "care", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 4, 3)

    got = figures(warehouse)
    day = ("2025-03-03", HUIQUAN)
    assert got[(*day, "care_services", "", "")] == 55
    assert got[(*day, "elderly_meals", "", "")] == 40
    assert got[(*day, "elderly_home_visits", "", "")] == 3
    assert got[(*day, "child_daycare", "", "")] == 12
    assert got.get((*day, "rehabilitation_sessions", "", ""), 0) == 0
    assert got[(*day, "care_services", "item", "老年助餐")] == 40
    assert got[("2025-03-03", CHUANGYE, "infant_care", "", "")] == 20

    reasons = rejects(warehouse)
    assert reasons[6][0] == "服务项目" and "earlier row" in reasons[6][1]
    assert reasons[7][0] == "服务项目" and "理发" in reasons[7][1]
    assert reasons[8][0] == "服务人次" and "-3" in reasons[8][1]


def test_loading_the_same_export_twice_changes_nothing(warehouse, tmp_path):
    path = write_csv(tmp_path / "care.csv", [["日期", "社区", "服务项目", "服务人次"],
                                             ["2025-03-03", "汇泉路社区", "老年助餐", "40"]])
    pipeline.load_location(warehouse, "care", str(path), now=NOW)
    [again] = pipeline.load_location(warehouse, "care", str(path), now=NOW)
    assert again.status == "unchanged"
    assert figures(warehouse)[("2025-03-03", HUIQUAN, "elderly_meals", "", "")] == 40
