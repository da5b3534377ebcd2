"""The ETL framework: messy exports in, clean facts and plain-words rejects out.

The first half feeds the cleaning steps the mess real exports carry (GBK, title rows,
merged headers, totals rows, full-width text, Excel serials). The second half loads
hotline files into real warehouses (SQLite and PostgreSQL) and checks the promises a
user relies on: the same file twice changes nothing, a corrected file replaces, a file
that cannot be read changes nothing at all, and no personal data is ever stored.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import MetaData, select, text
from tenacity import wait_none

from data import settings
from data.schema import etl_reject, etl_run, fact
from etl import clean, cli, extract, pipeline
from etl.extract import Delivery, RefusedFile
from etl.sources import hotline
from etl.validate import Field, validate

NOW = datetime(2025, 4, 1, 12, 0)
HEADER = ["工单编号", "受理时间", "诉求渠道", "诉求类型", "诉求类别", "所属区县", "所属街道", "所属社区",
          "来电人", "联系电话", "诉求内容", "办理状态", "办结时间", "办理时限", "是否超期", "满意度"]
PEOPLE = [("张三丰", "13800138000"), ("李秀英", "13912345678"), ("王建国", "13700001111")]


def order(number, received, community="汇泉路社区", status="已办结", overdue="否", rating="满意",
          category="物业管理", channel="电话", kind="投诉", person=0):
    name, phone = PEOPLE[person % len(PEOPLE)]
    return [number, received, channel, kind, category, "锦江区", "沙河街道", community, name, phone,
            f"{name}反映楼上漏水，电话{phone}", status, "", "5", overdue, rating]


def write_csv(path, rows, header=HEADER, encoding="gbk", title="12345工单明细（导出）"):
    """A CSV the way Excel saves one: CRLF, quoted where needed, a title row on top."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow([title])
    writer.writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def snapshot(engine) -> dict:
    """Every row of every table, in a stable order: 'byte for byte the same' as data."""
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            rows = conn.execute(select(table)).all()
            out[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def load(engine, path):
    return pipeline.load_location(engine, "hotline", str(path), now=NOW)


def facts(engine, metric, dimension="", member=""):
    with engine.connect() as conn:
        rows = conn.execute(
            select(fact.c.period, fact.c.area_code, fact.c.value)
            .where(fact.c.metric_code == metric, fact.c.dimension == dimension, fact.c.member == member)
            .order_by(fact.c.period, fact.c.area_code)
        ).all()
    return [(str(p), a, v) for p, a, v in rows]


# --- extract ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_any_encoding_excel_produces_reads_the_same(tmp_path, encoding):
    path = write_csv(tmp_path / "orders.csv", [order("GD1", "2025/3/7 9:05")], encoding=encoding)
    sheet = extract.read_sheet(extract.deliveries(path)[0])
    assert sheet.frame.iloc[1, 0] == "工单编号"
    assert sheet.frame.iloc[2, 7] == "汇泉路社区"
    assert list(sheet.row_numbers[:3]) == [1, 2, 3]


def test_a_gbk_file_whose_4096th_byte_splits_a_character_is_read(tmp_path):
    """Encoding is sniffed on a window of the file; a window cut inside a character is no error."""
    rows = [order(f"GD{i}", "2025/3/7 9:05", category="噪音扰民") for i in range(60)]
    for pad in range(4):  # a title a byte longer moves every character after it
        path = write_csv(tmp_path / "orders.csv", rows, title="工单明细" + "x" * pad)
        data = path.read_bytes()
        text = data.decode("gbk")
        ends, at = set(), 0
        for ch in text:
            at += len(ch.encode("gbk"))
            ends.add(at)
        if 4096 not in ends:
            break
    assert 4096 not in ends and len(data) > 4096  # byte 4,096 is the first half of a character
    sheet = extract.read_sheet(extract.deliveries(path)[0])
    assert len(sheet.frame) == 62 and sheet.frame.iloc[61, 4] == "噪音扰民"


def test_folder_inbox_yields_every_file_in_name_order(tmp_path):
    for name in ["b.csv", "a.csv", "c.xlsx", "notes.docx"]:
        (tmp_path / name).write_bytes(b"x")
    assert [d.location.rsplit("/", 1)[-1] for d in extract.deliveries(tmp_path)] == ["a.csv", "b.csv", "c.xlsx"]


def test_json_lines_and_markdown_front_matter_become_rows():
    lines = Delivery("a.jsonl", b'{"activity_id": 1, "participant": {"age_band": "60+"}}\n{"activity_id": 2}\n')
    sheet = extract.read_sheet(lines)
    assert list(sheet.frame.iloc[0]) == ["activity_id", "participant.age_band"]
    assert list(sheet.frame.iloc[2]) == ["2", ""]
    assert list(sheet.row_numbers) == [0, 1, 2]  # record n is line n

    page = Delivery("p.json", json.dumps({"data": [{"a": 1}], "page": 1, "total": 1}).encode())
    assert extract.read_sheet(page).frame.iloc[1, 0] == "1"

    note = Delivery("n.md", "---\nkind: news\ntitle: 社区议事会\n---\n正文 **加粗**\n".encode())
    sheet = extract.read_sheet(note)
    assert dict(zip(sheet.frame.iloc[0], sheet.frame.iloc[1])) == {"kind": "news", "title": "社区议事会", "body": "正文 **加粗**"}


def test_http_fetch_retries_a_flaky_server_then_succeeds():
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    calls = []

    class Flaky(BaseHTTPRequestHandler):
        def do_GET(self):
            calls.append(self.path)
            self.send_response(503 if len(calls) < 3 else 200)
            self.end_headers()
            self.wfile.write(b'{"data": [], "page": 1, "total": 0}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        quick = extract.fetch.retry_with(wait=wait_none())  # same policy, no waiting in a test
        response = quick(f"http://127.0.0.1:{server.server_port}/signups", params={"page": 1})
    finally:
        server.shutdown()
    assert response.json()["total"] == 0
    assert len(calls) == 3 and calls[-1] == "/signups?page=1"


# --- clean -----------------------------------------------------------------------------

ALIASES = {"编号": ["工单编号"], "社区": ["所属社区"], "开始": ["开始时间"], "结束": [], "人数": ["服务人次"]}


def grid(rows):
    return extract.Sheet(pd.DataFrame(rows, dtype=str))


def test_header_is_found_below_title_rows():
    sheet = grid([["沙河街道工单统计", "", ""], ["导出时间：2025-03-31", "", ""],
                  ["工单编号", "所属社区", "服务人次"], ["A1", "汇泉路社区", "3"]])
    header = clean.locate_header(sheet, ALIASES, ["编号", "社区"])
    assert (header.first_row, header.height) == (2, 1)
    assert header.columns == {"编号": 0, "社区": 1, "人数": 2}


def test_two_row_merged_header_is_flattened():
    # "时间" spans two columns above 开始/结束; the other cells are merged vertically.
    sheet = grid([["编号", "社区", "时间", ""], ["", "", "开始", "结束"], ["A1", "汇泉路社区", "2025-3-1", "2025-3-2"]])
    header = clean.locate_header(sheet, ALIASES, ["编号", "开始"])
    assert header.height == 2
    assert header.columns == {"编号": 0, "社区": 1, "开始": 2, "结束": 3}


def test_aliases_and_full_width_headers_map_to_canonical_names():
    sheet = grid([["工单编号 ", "所属社区（全称）", "服务人次*"], ["A1", "x", "1"]])
    assert clean.locate_header(sheet, ALIASES, ["编号"]).columns == {"编号": 0, "人数": 2}
    sheet = grid([["ＮＯ", "所属社区"], ["A1", "x"]])
    with pytest.raises(RefusedFile, match="编号"):
        clean.locate_header(sheet, ALIASES, ["编号"])


def test_blank_and_totals_rows_are_dropped_and_row_numbers_kept():
    sheet = grid([["统计表", "", ""], ["工单编号", "所属社区", "服务人次"], ["A1", "汇泉路社区", "3"],
                  ["", "", ""], ["  ", " ", ""], ["A2", "创业社区", "4"], ["合  计", "", "7"], ["总计：", "", "7"]])
    rows = clean.tidy(sheet, ALIASES, ["编号"])
    assert list(rows["编号"]) == ["A1", "A2"]
    assert list(rows["_row"]) == [3, 6]


def test_text_is_nfkc_normalised_and_trimmed():
    values = pd.Series(["　汇泉路社区 ", "ＡＰＰ", "创业  社区", "Smart  Brain\u200b", None])
    assert list(clean.normalize_text(values)) == ["汇泉路社区", "APP", "创业社区", "Smart Brain", ""]


def test_numbers_stored_as_text_are_read():
    values = pd.Series(["1,234", " 12 ", "１２", "3.5", "", "很多", "50%"])
    parsed = clean.parse_numbers(values)
    assert list(parsed[:4]) == [1234, 12, 12, 3.5]
    assert parsed[4:6].isna().all()
    assert parsed[6] == 0.5


def test_every_date_form_of_the_exports_is_read():
    values = pd.Series(["2025/3/7 9:05", "2025-03-07 09:05:00", "2025年3月7日", "45723.378472222",
                        "2025年3月7日 9时5分", "2025-03-07T09:05", "", "下周二"])
    parsed = clean.parse_datetimes(values)
    assert list(parsed[:6]) == [pd.Timestamp("2025-03-07 09:05"), pd.Timestamp("2025-03-07 09:05"),
                                pd.Timestamp("2025-03-07"), pd.Timestamp("2025-03-07 09:05"),
                                pd.Timestamp("2025-03-07 09:05"), pd.Timestamp("2025-03-07 09:05")]
    assert parsed[6:].isna().all()


def test_times_with_a_zone_become_chengdu_wall_clock_time():
    """APIs write UTC or +08:00; the warehouse keeps Chengdu local times without a zone."""
    parsed = clean.parse_datetimes(pd.Series(["2025-03-07T01:05:00Z", "2025-03-07T09:05:00+08:00",
                                              "2025-03-06T20:05:00-0500", "2025-03-07 09:05"]))
    assert list(parsed) == [pd.Timestamp("2025-03-07 09:05")] * 4


def test_messy_gbk_export_cleans_to_canonical_rows(tmp_path):
    rows = [order("GD1", "2025/3/7 9:05", community="　汇泉路 社区"), order("GD2", "45723.5"),
            [""] * len(HEADER), order("GD3", "2025年3月8日", channel="ＡＰＰ"), ["合计", "3"] + [""] * 14]
    header = [h if h != "满意度" else "评价结果" for h in HEADER]
    header = [h if h != "诉求类别" else "问题分类" for h in header]
    path = write_csv(tmp_path / "orders.csv", rows, header=header)
    clean_rows = pipeline.read_rows(hotline, extract.deliveries(path)[0])
    assert list(clean_rows["_row"]) == [3, 4, 6]
    assert list(clean_rows["所属社区"]) == ["汇泉路社区", "汇泉路社区", "汇泉路社区"]
    assert list(clean_rows["诉求渠道"]) == ["电话", "电话", "APP"]
    assert "满意度" in clean_rows and "诉求类别" in clean_rows
    assert not {"来电人", "联系电话", "诉求内容"} & set(clean_rows.columns)


# --- validate --------------------------------------------------------------------------

def test_a_failing_row_is_rejected_with_its_row_field_and_reason():
    fields = [Field("编号", nullable=False), Field("时长", kind="number", minimum=0),
              Field("评价", allowed=("满意", "不满意")), Field("日期", kind="datetime"),
              Field("姓名", personal=True)]
    rows = pd.DataFrame({"_row": [3, 4, 5, 6, 7], "编号": ["a", "b", "", "d", "e"],
                         "时长": ["1.5", "-2", "1", "x", "2"], "评价": ["满意", "满意", "满意", "很好", ""],
                         "日期": ["2025-3-1", "2025-3-1", "2025-3-1", "2025-3-1", "2099-1-1"]})
    checked = validate(rows, fields, now=NOW)
    assert list(checked.rows["编号"]) == ["a"]
    found = {(r.row_number, r.field): r.reason for r in checked.rejects.itertuples()}
    assert found[(4, "时长")] == "'-2' 小于 0 / is below 0"
    assert found[(5, "编号")].endswith("/ is empty")
    assert found[(6, "时长")] == "'x' 不是数字 / is not a number"
    assert found[(6, "评价")].startswith("'很好' 不是允许的值 / is not an allowed value")
    assert found[(7, "日期")] == "'2099-1-1' 晚于当前时间 / is in the future"
    assert checked.rows_rejected == 4
    assert json.loads(checked.rejects.iloc[0]["raw"]) == {"编号": "b", "时长": "-2", "评价": "满意", "日期": "2025-3-1"}


# --- loading into the warehouse ----------------------------------------------------------

def test_now_is_chengdu_wall_clock_time_whatever_zone_the_server_runs_in(warehouse, tmp_path):
    """Source systems write Chengdu times; an order taken a minute ago is not "in the future"
    on a server that keeps UTC, and the run is stamped in Chengdu time too."""
    a_minute_ago = settings.local_now() - timedelta(minutes=1)
    path = write_csv(tmp_path / "orders.csv", [order("GD1", a_minute_ago.strftime("%Y-%m-%d %H:%M"))])
    [result] = pipeline.load_location(warehouse, "hotline", str(path))  # the real clock
    assert (result.rows_loaded, result.rows_rejected) == (1, 0)
    with warehouse.connect() as conn:
        started = conn.execute(select(etl_run.c.started_at).where(etl_run.c.id == result.run_id)).scalar()
    assert abs(started - settings.local_now()) < timedelta(minutes=5)


def test_a_load_is_recorded_and_rejects_point_at_the_source_row(warehouse, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [order("GD1", "2025/3/7 9:05"), order("GD2", "2025/3/7 10:00", rating="很好"),
                                                order("GD3", "2025/3/7 11:00", community="不存在社区")])
    [result] = load(warehouse, path)
    # The unknown rating costs only the rating (a warning); the unknown community costs its row.
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("success", 3, 2, 1)
    with warehouse.connect() as conn:
        run = conn.execute(select(etl_run).where(etl_run.c.source == "hotline")).mappings().one()
        rejects = conn.execute(select(etl_reject).order_by(etl_reject.c.row_number)).mappings().all()
    assert run["source"] == "hotline" and run["location"] == str(path) and len(run["checksum"]) == 64
    assert run["finished_at"] >= run["started_at"]
    assert [(r["row_number"], r["field"], r["severity"]) for r in rejects] == [
        (4, "满意度", "warning"), (5, "所属社区", "refused")]
    assert "'很好' 不是允许的值" in rejects[0]["reason"]
    assert "不存在社区" in rejects[1]["reason"] and "not in the area register" in rejects[1]["reason"]
    assert facts(warehouse, "hotline_received") == [("2025-03-07", "510104011001", 2.0)]
    assert facts(warehouse, "hotline_rated") == [("2025-03-07", "510104011001", 1.0)]


def test_loading_the_same_file_again_changes_nothing(warehouse, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [order("GD1", "2025/3/7 9:05"), order("GD2", "2025/3/7 10:00")])
    load(warehouse, path)
    before = snapshot(warehouse)
    [again] = load(warehouse, path)
    assert again.status == "unchanged"
    after = snapshot(warehouse)
    assert after["fact"] == before["fact"] and after["etl_reject"] == before["etl_reject"]
    assert len(after["etl_run"]) == len(before["etl_run"]) + 1  # the attempt is on record
    assert facts(warehouse, "hotline_received") == [("2025-03-07", "510104011001", 2.0)]


def test_a_corrected_redelivery_replaces_the_days_and_communities_it_covers(warehouse, tmp_path):
    first = write_csv(tmp_path / "march.csv", [
        order("GD1", "2025/3/7 9:05"), order("GD2", "2025/3/7 10:00"), order("GD3", "2025/3/8 10:00"),
        order("GD4", "2025/3/7 10:00", community="创业社区"),
    ])
    load(warehouse, first)
    # The correction covers 7 March in 沙河街道 (the street of its only row, DOMAIN.md
    # "Re-delivery"): one order that day, now overdue, and none in 创业社区 any more.
    fixed = write_csv(tmp_path / "march-fixed.csv", [order("GD1", "2025/3/7 9:05", overdue="是")])
    load(warehouse, fixed)
    assert facts(warehouse, "hotline_received") == [
        ("2025-03-07", "510104011001", 1.0),  # replaced, not 3
        ("2025-03-08", "510104011001", 1.0),  # other day untouched
    ]
    assert facts(warehouse, "hotline_overdue")[0] == ("2025-03-07", "510104011001", 1.0)
    assert facts(warehouse, "hotline_received", "category", "物业管理")[0] == ("2025-03-07", "510104011001", 1.0)


def _truncated_xlsx(path):
    frame = pd.DataFrame([order("GD1", "2025/3/7 9:05")], columns=HEADER)
    frame.to_excel(path, index=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _empty(path):
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make, reason", [
    (lambda p: _empty(p / "empty.csv"), "文件为空 / the file is empty"),
    (lambda p: _truncated_xlsx(p / "cut.xlsx"), "cannot open the workbook"),
    (lambda p: write_csv(p / "other.csv", [["1", "2", "3"]], header=["订单号", "金额", "备注"]), "missing required columns"),
    (lambda p: write_csv(p / "header-only.csv", []), "no data rows"),
], ids=["empty", "truncated-xlsx", "unknown-columns", "header-only"])
def test_a_file_that_cannot_be_read_is_refused_whole(warehouse, tmp_path, make, reason):
    load(warehouse, write_csv(tmp_path / "good.csv", [order("GD1", "2025/3/7 9:05", rating="很好"),
                                                      order("GD2", "2025/3/7 9:06")]))
    before = snapshot(warehouse)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = make(inbox)
    with pytest.raises(RefusedFile, match=reason):
        load(warehouse, path)
    after = snapshot(warehouse)
    for table in ("fact", "etl_reject", "area", "metric", "content"):
        assert after[table] == before[table], table
    with warehouse.connect() as conn:
        failed = conn.execute(select(etl_run).where(etl_run.c.status == "failed")).mappings().one()
    assert reason in failed["message"] and failed["rows_loaded"] == 0


def test_no_personal_data_reaches_any_table(warehouse, tmp_path):
    rows = [order(f"GD{i}", "2025/3/7 9:05", person=i, rating="很好" if i == 1 else "满意",
                  community="不存在社区" if i == 2 else "汇泉路社区") for i in range(6)]
    load(warehouse, write_csv(tmp_path / "orders.csv", rows))
    with pytest.raises(RefusedFile):  # a headerless dump: the first row is personal data
        load(warehouse, write_csv(tmp_path / "dump.csv", rows[1:], header=order("GD0", "2025/3/7 9:05"), title=None))
    dump = json.dumps(snapshot(warehouse), ensure_ascii=False)
    assert "GD1" in dump  # the rejected rows are there...
    for name, phone in PEOPLE:
        assert name not in dump and phone not in dump  # ...without names or phone numbers
    assert "漏水" not in dump


def test_commas_quotes_and_tabs_in_members_survive_the_bulk_insert(warehouse, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [order("GD1", "2025/3/7 9:05", category="噪音，扰民"),
                                                order("GD2", "2025/3/7 9:05", category='"引号"\t类')])
    load(warehouse, path)
    with warehouse.connect() as conn:
        members = conn.execute(text(
            "select member from fact where metric_code = 'hotline_received' and dimension = 'category'"
        )).scalars().all()
    assert sorted(members) == sorted(["噪音,扰民", '"引号"类'])


# --- command line ------------------------------------------------------------------------

def test_cli_load_then_status(warehouse_url, tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", [order("GD1", "2025/3/7 9:05"),
                                                order("GD2", "2025/3/7 10:00", community="不存在社区")])
    assert cli.main(["--database-url", warehouse_url, "load", "hotline", str(path)]) == 0
    assert "read 2, loaded 1, rejected 1" in capsys.readouterr().out
    assert cli.main(["--database-url", warehouse_url, "load", "hotline", str(path)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert cli.main(["--database-url", warehouse_url, "status"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].split()[:8] == ["run", "source", "status", "started", "secs", "read", "loaded", "rejected"]
    assert shown[2].split()[1:3] == ["hotline", "unchanged"]
    assert shown[3].split()[1:3] == ["hotline", "success"]


def test_cli_refused_file_exits_2_with_the_reason_on_stderr(warehouse_url, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert cli.main(["--database-url", warehouse_url, "load", "hotline", str(empty)]) == 2
    assert "文件为空 / the file is empty" in capsys.readouterr().err


# --- configuration and the whole run ---------------------------------------------------

def test_every_source_is_configured_with_a_rhythm(monkeypatch, tmp_path):
    from etl import config, sources

    monkeypatch.setenv("CSB_SAMPLES_DIR", str(tmp_path / "samples"))
    configured = config.load_config()
    assert [c.name for c in configured][0] == "areas"  # the register before anything that needs it
    assert {c.name for c in configured} == set(sources.SOURCES)
    hotline_cfg = next(c for c in configured if c.name == "hotline")
    assert hotline_cfg.location == str(tmp_path / "samples" / "hotline")
    assert (hotline_cfg.rhythm, hotline_cfg.grace_days) == ("daily", 2)
    last = datetime(2025, 3, 10).date()
    assert not hotline_cfg.is_overdue(last, today=datetime(2025, 3, 13).date())
    assert hotline_cfg.is_overdue(last, today=datetime(2025, 3, 14).date())


def test_a_bad_config_names_the_entry(tmp_path):
    from etl import config

    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: hotline\n    rhythm: hourly\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="hotline.*rhythm must be one of daily, weekly, monthly"):
        config.load_config(path)


def test_run_loads_the_generated_samples_end_to_end(sqlite_url, tmp_path, monkeypatch, capsys):
    from etl.samples import generate

    samples = tmp_path / "samples"
    generate(samples, end=datetime(2025, 3, 31).date(), months=1, streets=["510104011000"], scale=0.2,
             sources=["hotline", "grid_events"])
    monkeypatch.setenv("CSB_SAMPLES_DIR", str(samples))
    assert cli.main(["--database-url", sqlite_url, "run", "--only", "hotline", "grid_events"]) == 0
    assert cli.main(["--database-url", sqlite_url, "run", "--only", "hotline", "grid_events"]) == 0
    out = capsys.readouterr().out
    assert out.count("success") == out.count("unchanged") >= 2
    engine = pipeline.prepare_warehouse(sqlite_url)
    with engine.connect() as conn:
        counted = dict(conn.execute(text(
            "select metric_code, sum(value) from fact where dimension = '' group by metric_code")).all())
    assert counted["hotline_received"] > 0 and counted["grid_events_reported"] > 0
    assert counted["hotline_satisfied"] <= counted["hotline_rated"] <= counted["hotline_received"]
