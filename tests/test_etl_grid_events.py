"""网格事件: events land on their grid cell when the grid matches, else on the community.

The test workbook looks like a real 台账: a title row, a two-row merged header, date
cells next to Excel serial numbers, a totals row, and the reporter's name and phone.
"""
from __future__ import annotations

from datetime import datetime

import xlsxwriter
from sqlalchemy import select

from data.catalog import read_metrics
from data.schema import etl_reject, fact
from etl import pipeline
from etl.sources import grid_events

NOW = datetime(2025, 4, 1)
HUIQUAN, CHUANGYE = "510104011001", "510104011002"
GRID_3, GRID_5 = HUIQUAN + "003", HUIQUAN + "005"

# 事件编号, 上报时间, 区县, 街道, 社区, 网格编号, 网格名称, 事件大类, 事件小类, 紧急程度, 处置状态, 办结时间, 上报人, 联系电话
EVENTS = [
    ["E1", datetime(2025, 3, 3, 9), "锦江区", "沙河街道", "汇泉路社区", "510104011001003", "", "安全隐患", "消防通道堵塞",
     "一般", "已办结", datetime(2025, 3, 3, 15), "陈网格", "13011112222"],
    ["E2", 45719.375, "锦江区", "沙河街道", "汇泉路社区", "3", "", "矛盾纠纷", "邻里纠纷",
     "紧急", "已核查", "2025/3/4 9:00", "陈网格", "13011112222"],
    ["E3", "2025年3月3日 10时30分", "", "沙河街道", "汇泉路", "", "汇泉路第五网格", "环境卫生", "垃圾堆放",
     "特急", "处置中", "", "周网格", "13133334444"],
    ["E4", "2025-03-03 11:00:00", "锦江区", "沙河街道", "汇泉路社区", "", "第99网格", "矛盾纠纷", "物业纠纷",
     "一般", "待受理", "", "周网格", "13133334444"],
    ["E5", "2025-03-03 12:00", "锦江区", "沙河街道", "创业社区", "", "", "民生服务", "",
     "一般", "已办结", "2025-03-02 12:00", "吴网格", "13255556666"],
    ["E6", "2025-03-03 13:00", "锦江区", "沙河街道", "创业社区", "", "", "民生服务", "",
     "一般", "已办结", "", "吴网格", "13255556666"],
    ["E7", "2025-03-03 14:00", "锦江区", "沙河街道", "创业社区", "", "", "其它", "",
     "一般", "待受理", "", "吴网格", "13255556666"],
]


def write_ledger(path, events):
    """The 台账 as grid workers' systems export it (xlsxwriter, merged cells)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("事件台账")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.merge_range(0, 0, 0, 13, "沙河街道网格事件台账（2025年3月）")
    for col, label in [(0, "事件编号"), (1, "上报时间"), (9, "紧急程度"), (10, "处置状态"), (11, "办结时间"),
                       (12, "上报人"), (13, "联系电话")]:
        sheet.merge_range(1, col, 2, col, label)
    sheet.merge_range(1, 2, 1, 4, "所属区域")
    sheet.merge_range(1, 5, 1, 6, "网格")
    sheet.merge_range(1, 7, 1, 8, "事件分类")
    for col, label in enumerate(["区县", "街道", "社区", "网格编号", "网格名称", "事件大类", "事件小类"], start=2):
        sheet.write(2, col, label)
    for r, event in enumerate(events, start=3):
        for c, value in enumerate(event):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            else:
                sheet.write(r, c, value)
    sheet.write_row(3 + len(events), 0, ["合计", len(events)])
    book.close()
    return path


def figures(engine, metric, dimension="", member=""):
    with engine.connect() as conn:
        rows = conn.execute(select(fact.c.area_code, fact.c.value).where(
            fact.c.metric_code == metric, fact.c.dimension == dimension, fact.c.member == member,
            fact.c.period == datetime(2025, 3, 3).date(),
        )).all()
    return dict(rows)


def test_metric_codes_are_the_catalogues_grid_event_metrics():
    catalogue = read_metrics()
    assert set(grid_events.METRICS) == set(catalogue.loc[catalogue["source"] == "grid_events", "code"])


def test_events_count_on_their_grid_or_else_their_community(warehouse, tmp_path):
    [result] = pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
    # E5 (closed before it was reported) and E6 (closed, no 办结时间) load with a warning: only
    # the category 其它 of E7 cannot be used, and costs its row.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 6, 1)
    assert "1 个事件的网格未匹配" in result.message
    assert "2 个字段警告" in result.message

    assert figures(warehouse, "grid_events_reported") == {GRID_3: 2, GRID_5: 1, HUIQUAN: 1, CHUANGYE: 2}
    # Zeros are not stored: no row means none.
    assert figures(warehouse, "grid_events_closed") == {GRID_3: 2, CHUANGYE: 2}
    # E5 and E6 are closed without a usable closing time: not in the hours, nor in what they average over.
    assert figures(warehouse, "grid_events_closure_hours") == {GRID_3: 6 + 24}
    assert figures(warehouse, "grid_events_closure_timed") == {GRID_3: 2}
    assert figures(warehouse, "grid_events_urgent") == {GRID_3: 1, GRID_5: 1}
    assert figures(warehouse, "disputes_reported") == {GRID_3: 1, HUIQUAN: 1}
    assert figures(warehouse, "disputes_mediated") == {GRID_3: 1}
    assert figures(warehouse, "grid_events_reported", "category", "矛盾纠纷") == {GRID_3: 1, HUIQUAN: 1}
    assert figures(warehouse, "grid_events_reported", "urgency", "特急") == {GRID_5: 1}
    assert figures(warehouse, "grid_events_closed", "category", "安全隐患") == {GRID_3: 1}


def test_unusable_fields_and_rows_are_stored_with_the_workbook_row(warehouse, tmp_path):
    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
    with warehouse.connect() as conn:
        rejects = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason,
                                      etl_reject.c.severity).order_by(etl_reject.c.row_number)).all()
    # Title and two header rows: event E5 is on row 8 of the workbook.
    assert [(r.row_number, r.field) for r in rejects] == [(8, "办结时间"), (9, "办结时间"), (10, "事件大类")]
    assert [r.severity for r in rejects] == ["warning", "warning", "refused"]
    assert "not in the average closure time" in rejects[0].reason
    assert "早于上报时间 / closed before it was reported" in rejects[0].reason
    assert "办结时间 is empty" in rejects[1].reason
    assert rejects[2].reason.startswith("'其它' 不是允许的值")


def test_a_corrected_ledger_replaces_the_grids_of_its_communities(warehouse, tmp_path):
    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "fixed.xlsx", EVENTS[:1])), now=NOW)
    assert figures(warehouse, "grid_events_reported") == {GRID_3: 1}


def test_reporters_names_and_phones_are_not_stored(warehouse, tmp_path):
    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
    with warehouse.connect() as conn:
        raw = " ".join(conn.execute(select(etl_reject.c.raw)).scalars())
    assert "E5" in raw
    for secret in ("陈网格", "周网格", "吴网格", "13011112222", "13255556666"):
        assert secret not in raw
