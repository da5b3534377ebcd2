"""A field that cannot be used costs only what depends on it, for every source.

Each source gets a small export with one bad value in a field it declares not essential
(``Field(essential=False)``): the row still counts everywhere else, the figure that
depends on the field leaves it out, and a warning names the row, the field and why.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from data.schema import area, content, etl_reject
from etl import pipeline, sources
from support import figures
from tests.test_etl_framework import order
from tests.test_etl_framework import write_csv as write_orders
from tests.test_etl_grid_events import EVENTS, write_ledger
from tests.test_etl_sources import PARTY_HEADER, SERVICE_HEADER, write_csv

NOW = datetime(2025, 4, 10, 12, 0)
HUIQUAN, CHUANGYE, SHAHE = "510104011001", "510104011002", "510104011000"
DAY = "2025-03-03"


def stored(engine) -> list[tuple[int, str, str, str]]:
    """Every reject and warning as (row, field, severity, reason), in row order."""
    with engine.connect() as conn:
        rows = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.severity,
                                   etl_reject.c.reason)).all()
    return sorted((r.row_number, r.field, r.severity, r.reason) for r in rows)


def load(engine, source, path):
    [result] = pipeline.load_location(engine, source, str(path), now=NOW)
    return result


def readme_table() -> dict[str, tuple[set[str], set[str]]]:
    """The README's table of essential fields: source -> (essential, not essential)."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| source | essential | not essential |"):]
    found = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("| `"):
            break
        name, yes, no = (cell.strip() for cell in line.strip("|").split("|"))
        no = re.sub(r"\s\([^)]*\)", "", no)  # a note in brackets after a name explains, it is not a field
        found[name.strip("`")] = ({n.strip() for n in yes.split(",")},
                                  {n.strip() for n in re.split(r",| and ", no) if n.strip()})
    return found


@pytest.mark.parametrize("name", list(sources.SOURCES))
def test_the_readme_says_which_fields_of_each_source_are_essential(name):
    fields = [f for f in sources.get(name).FIELDS if not f.personal and f.name != "source_file"]
    essential, other = readme_table()[name]
    assert essential == {f.name for f in fields if f.essential}
    assert {f.name for f in fields if not f.essential} <= other


def test_hotline_a_bad_rating_costs_only_the_satisfaction_figures(warehouse, tmp_path):
    rows = [order(f"GD{n}", f"2025/3/3 9:0{n}", person=n) for n in range(3)]
    rows[1][15] = "还行"  # 满意度 nobody offers
    rows[2][2] = "传真"  # 诉求渠道 nobody offers
    result = load(warehouse, "hotline", write_orders(tmp_path / "orders.csv", rows))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    got = figures(warehouse)
    day = (DAY, HUIQUAN)
    assert got[(*day, "hotline_received", "", "")] == 3
    assert got[(*day, "hotline_resolved", "", "")] == 3
    assert got[(*day, "hotline_rated", "", "")] == 2  # the unreadable rating is not an evaluation
    assert got[(*day, "hotline_satisfied", "", "")] == 2
    assert got[(*day, "hotline_received", "channel", "电话")] == 2
    assert got[(*day, "hotline_received", "channel", "未填写")] == 1
    # Title row 1, header row 2: order i is on row i + 3.
    warned = stored(warehouse)
    assert [(r[0], r[1], r[2]) for r in warned] == [(4, "满意度", "warning"), (5, "诉求渠道", "warning")]
    assert "'还行' 不是允许的值" in warned[0][3] and "'传真' 不是允许的值" in warned[1][3]


def test_hotline_warnings_of_a_refused_row_are_not_kept(warehouse, tmp_path):
    rows = [order("GD1", "2025/3/3 9:00"), order("GD2", "2025/3/3 9:05", community="幸福里社区", rating="还行")]
    result = load(warehouse, "hotline", write_orders(tmp_path / "orders.csv", rows))
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert [(r[0], r[1], r[2]) for r in stored(warehouse)] == [(4, "所属社区", "refused")]


def signup(activity, gender="女", age="35-59"):
    return {"activity_id": activity, "activity_name": "插花课", "community": "汇泉路社区", "type": "公益课程",
            "start_time": "2025-03-07 14:30", "participant": {"age_band": age, "is_party_member": False,
                                                              "gender": gender}, "checked_in": True}


def test_activities_an_unknown_gender_costs_only_the_gender_breakdown(warehouse, tmp_path):
    path = tmp_path / "signups.jsonl"
    lines = [signup("A1"), signup("A1", gender="保密"), signup("A1", gender="男", age="中年")]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    result = load(warehouse, "activities", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    got = figures(warehouse)
    day = ("2025-03-07", HUIQUAN)
    assert got[(*day, "activity_signups", "", "")] == 3
    assert got[(*day, "activity_participants", "", "")] == 3
    assert got[(*day, "activities_held", "type", "公益课程")] == 1
    assert got[(*day, "activity_participants", "gender", "女")] == 1
    assert got[(*day, "activity_participants", "gender", "未填写")] == 1
    assert got[(*day, "activity_participants", "age_band", "未填写")] == 1
    warned = stored(warehouse)  # JSON Lines: the record on line 2 is row 2
    assert [(r[0], r[1], r[2]) for r in warned] == [(2, "gender", "warning"), (3, "age_band", "warning")]
    assert "'保密' 不是男/女" in warned[0][3] and "'中年' 不是允许的值" in warned[1][3]


VOLUNTEER_HEADER = ["记录编号", "志愿者编号", "队伍名称", "所属社区", "服务日期", "服务时长(小时)", "服务类别"]


def test_volunteers_an_unknown_category_costs_only_the_category_breakdown(warehouse, tmp_path):
    path = write_csv(tmp_path / "volunteers.csv", [
        VOLUNTEER_HEADER,
        ["R1", "V1", "红袖标", "汇泉路社区", DAY, "2", "助老"],
        ["R2", "V2", "红袖标", "汇泉路社区", DAY, "3", "扫地"],
    ])
    result = load(warehouse, "volunteers", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    got = figures(warehouse)
    day = (DAY, HUIQUAN)
    assert got[(*day, "volunteer_hours", "", "")] == 5
    assert got[(*day, "volunteer_services", "", "")] == 2
    assert got[("2025-03-01", HUIQUAN, "active_volunteers", "", "")] == 2
    assert got[(*day, "volunteer_hours", "category", "助老")] == 2
    assert got[(*day, "volunteer_hours", "category", "未填写")] == 3
    [warned] = stored(warehouse)  # header row 1: record R2 is row 3
    assert warned[:3] == (3, "服务类别", "warning") and "'扫地' 不是允许的值" in warned[3]


def test_party_a_bad_figure_costs_only_its_own_metric(warehouse, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["沙河街道党组织月报汇总表"])
    sheet.append(PARTY_HEADER)
    sheet.append(["2025-03", "沙河街道", "汇泉路社区", 7, 231, 11, 1, "十三", 6, 306, 176.5])
    sheet.append(["2025-03", "沙河街道", "创业社区", 6, 163, 9, 0, 10, 5, 200, 165.5])
    path = tmp_path / "party.xlsx"
    book.save(path)
    result = load(warehouse, "party", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    got = figures(warehouse)
    march = ("2025-03-01", HUIQUAN)
    assert got[(*march, "party_members", "", "")] == 231
    assert got[(*march, "party_school_attendance", "", "")] == 306
    assert (*march, "party_three_sessions", "", "") not in got  # not reported, not zero
    assert got[("2025-03-01", CHUANGYE, "party_three_sessions", "", "")] == 10
    [warned] = stored(warehouse)
    assert warned[:3] == (3, "三会一课次数", "warning") and "'十三' 不是数字" in warned[3]


def test_services_unreadable_reviews_leave_the_good_review_rate_not_the_transactions(warehouse, tmp_path):
    path = write_csv(tmp_path / "services.csv", [
        SERVICE_HEADER,
        [DAY, "沙河街道", "创业社区", "社区便民服务站", "民政", "窗口", "5", "3", "4", "4"],
        [DAY, "沙河街道", "创业社区", "社区便民服务站", "社保", "窗口", "6", "2", "很多", "3"],
    ])
    result = load(warehouse, "services", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    got = figures(warehouse)
    day = (DAY, CHUANGYE)
    assert got[(*day, "service_transactions", "", "")] == 11
    assert got[(*day, "service_wait_minutes", "", "")] == 5 * 3 + 6 * 2
    assert got[(*day, "service_transactions", "item", "社保")] == 6
    assert got[(*day, "service_reviews", "", "")] == 4  # the second row's pair is left out together
    assert got[(*day, "service_good_reviews", "", "")] == 4
    warned = stored(warehouse)
    assert [(r[0], r[1], r[2]) for r in warned] == [(3, "好评数", "warning"), (3, "评价数", "warning")]
    assert "no usable 评价数" in warned[0][3] and "'很多' 不是数字" in warned[1][3]


def test_care_has_no_field_to_lose_a_bad_count_refuses_its_row(warehouse, tmp_path):
    assert all(f.essential for f in sources.get("care").FIELDS)
    path = write_csv(tmp_path / "care.csv", [
        ["日期", "社区", "服务项目", "服务人次"],
        [DAY, "汇泉路社区", "老年助餐", "40"],
        [DAY, "汇泉路社区", "康复理疗", "很多"],
    ])
    result = load(warehouse, "care", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert figures(warehouse)[(DAY, HUIQUAN, "care_services", "", "")] == 40
    [refused] = stored(warehouse)
    assert refused[:3] == (3, "服务人次", "refused") and "不是数字" in refused[3]


def test_grid_events_an_unknown_urgency_costs_only_the_urgent_count(warehouse, tmp_path):
    events = [list(EVENTS[0]), list(EVENTS[0])]
    events[1][0], events[1][9] = "E9", "火急"  # 紧急程度 nobody offers
    load(warehouse, "grid_events", write_ledger(tmp_path / "ledger.xlsx", events))
    got = figures(warehouse)
    grid = (DAY, HUIQUAN + "003")
    assert got[(*grid, "grid_events_reported", "", "")] == 2
    assert got[(*grid, "grid_events_closed", "", "")] == 2
    assert got[(*grid, "grid_events_closure_timed", "", "")] == 2
    assert (*grid, "grid_events_urgent", "", "") not in got
    assert got[(*grid, "grid_events_reported", "urgency", "未填写")] == 1
    [warned] = stored(warehouse)  # title and two header rows: the second event is row 5
    assert warned[:3] == (5, "紧急程度", "warning") and "'火急' 不是允许的值" in warned[3]


def test_content_an_unreadable_publication_time_keeps_the_item(warehouse, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"items": [
        {"id": "n1", "kind": "news", "title": "邻里节", "area": CHUANGYE, "published_at": "2025-03-05 10:00"},
        {"id": "n2", "kind": "news", "title": "插花课开课", "area": HUIQUAN, "published_at": "上周五"},
    ]}, ensure_ascii=False), encoding="utf-8")
    result = load(warehouse, "content", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    with warehouse.connect() as conn:
        items = {r.title: r for r in conn.execute(select(content))}
    assert items["插花课开课"].area_code == HUIQUAN and items["插花课开课"].published_at is None
    assert items["邻里节"].published_at == datetime(2025, 3, 5, 10, 0)
    [warned] = stored(warehouse)
    assert warned[:3] == (2, "published_at", "warning") and "'上周五' 不是可识别的日期时间" in warned[3]


def test_areas_an_unreadable_population_keeps_the_register_and_the_rest_of_the_row(warehouse, tmp_path):
    with warehouse.connect() as conn:
        before = conn.execute(select(area.c.population).where(area.c.code == HUIQUAN)).scalar()
    lines = [["编码", "名称", "层级", "上级编码", "户数", "人口", "经度", "纬度"],
             [HUIQUAN, "汇泉路社区", "社区", SHAHE, "4400", "一万多", "", ""]]
    path = tmp_path / "register.csv"
    path.write_bytes("".join(",".join(line) + "\r\n" for line in lines).encode("gbk"))
    result = load(warehouse, "areas", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1, 1, 0)
    with warehouse.connect() as conn:
        row = conn.execute(select(area.c.population, area.c.households).where(area.c.code == HUIQUAN)).one()
    assert (row.population, row.households) == (before, 4400)
    [warned] = stored(warehouse)
    assert warned[:3] == (2, "人口", "warning") and "'一万多' 不是数字" in warned[3]
