"""A bad file, tried as an attacker or a broken exporter would make it (issue 19).

Workbook bombs are refused whole before they exhaust the host, naming file, row and
column; one bad file never stops the others and is not retried forever; implausible
dates are refused; refusals point at the right row; stored rejects stay small.
"""
from __future__ import annotations

import json
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest
import xlsxwriter
from sqlalchemy import func, select

from data import health
from data.schema import etl_reject, etl_run, fact
from etl import cli, extract, load, pipeline
from etl.extract import Delivery, Limits, RefusedFile
from test_etl_activities import signup, write_lines
from test_etl_hotline import orders

NOW = datetime(2025, 3, 20, 18, 0)
GOOD = ("汇泉路社区", "已办结", "否", "满意", "物业管理", "电话", "投诉")


def hotline_frame(days: list[str]) -> pd.DataFrame:
    return orders(*[(f"A{i}", day, *GOOD) for i, day in enumerate(days)])


def write_book(path, frame: pd.DataFrame, extra: list[list[str]] = ()):
    """An XLSX of ``frame`` (header first) and ``extra`` rows below it, as xlsxwriter writes it."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet()
    for r, row in enumerate([list(frame.columns), *frame.astype(str).values.tolist(), *extra]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def facts(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(fact)).scalar_one()


def runs(engine, source: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.location.rsplit("/", 1)[-1], r.status) for r in conn.execute(
            select(etl_run.c.location, etl_run.c.status).where(etl_run.c.source == source).order_by(etl_run.c.id))]


# --- workbooks -----------------------------------------------------------------------

def test_a_workbook_is_read_in_chunks_with_excel_row_numbers(tmp_path):
    path = write_book(tmp_path / "orders.xlsx", hotline_frame(["2025/3/7 9:05"] * 7))
    chunks = list(extract.read_excel_chunks(Delivery(str(path), path=path), 3))
    assert [len(c.frame) for c in chunks] == [3, 3, 2]  # header + 7 orders, three rows at a time
    assert [c.row_numbers.tolist() for c in chunks] == [[1, 2, 3], [4, 5, 6], [7, 8]]
    assert chunks[0].frame.iloc[0, 1] == "受理时间" and chunks[2].frame.iloc[1, 0] == "A6"


def test_a_big_workbook_loads_chunk_by_chunk_like_at_once(sqlite_url, tmp_path, monkeypatch):
    frame = hotline_frame([f"2025/3/{1 + i % 9} 9:05" for i in range(40)])
    path = write_book(tmp_path / "orders.xlsx", frame)
    whole = pipeline.prepare_warehouse(sqlite_url)
    [once] = pipeline.load_location(whole, "hotline", str(path), now=NOW)
    chunked = pipeline.prepare_warehouse(f"sqlite:///{tmp_path / 'chunked.db'}")
    monkeypatch.setattr(extract, "XLSX_CHUNK_ROWS", 7)  # the cap on a workbook's chunk, made small
    [again] = pipeline.load_location(chunked, "hotline", str(path), now=NOW)
    assert (once.rows_read, once.rows_loaded) == (again.rows_read, again.rows_loaded) == (40, 40)
    query = select(fact.c.period, fact.c.area_code, fact.c.metric_code, fact.c.dimension, fact.c.member, fact.c.value)
    with whole.connect() as a, chunked.connect() as b:
        assert sorted(a.execute(query).all()) == sorted(b.execute(query).all())


def shared_strings_bomb(path, characters: int, rows: int = 1):
    """A valid XLSX whose one shared string is ``characters`` long (it packs to a few KB)."""
    base = write_book(tmp_path_book := path.with_suffix(".base.xlsx"), hotline_frame(["2025/3/7 9:05"] * rows))
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace("小区门口占道经营".encode(), b"x" * characters)
            out.writestr(item.filename, data)
    tmp_path_book.unlink()
    return path


@pytest.mark.parametrize("limits, reason", [
    ({"max_strings_bytes": 2**20}, "xl/sharedStrings.xml unpacks to"),  # the zip's declared size, before reading
    ({"max_cell_chars": 5000}, "row 2, column K"),  # the long string is refused where a cell uses it
])
def test_a_shared_strings_bomb_is_refused_whole(warehouse, tmp_path, limits, reason):
    pipeline.load_location(warehouse, "hotline", str(write_book(tmp_path / "good.xlsx",
                                                                hotline_frame(["2025/3/6 9:05"]))), now=NOW)
    before = facts(warehouse)
    path = shared_strings_bomb(tmp_path / "bomb.xlsx", 3 * 2**20)
    assert path.stat().st_size < 64 * 2**10
    with pytest.raises(RefusedFile, match=reason) as refused:
        pipeline.load_location(warehouse, "hotline", str(path), now=NOW, limits=Limits(**limits))
    assert "bomb.xlsx" in str(refused.value)
    assert facts(warehouse) == before
    assert runs(warehouse, "hotline")[-1] == ("bomb.xlsx", "failed")


def understate(path, part: str, size: int) -> None:
    """Make the zip claim ``part`` unpacks to ``size`` bytes (its local and central headers)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:  # local headers: size at +22, name at +30
        if data[at + 30:at + 30 + len(name)] == name:
            data[at + 22:at + 26] = size.to_bytes(4, "little")
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # central directory: size at +24, name at +46
        if data[at + 46:at + 46 + len(name)] == name:
            data[at + 24:at + 28] = size.to_bytes(4, "little")
        at += 4
    path.write_bytes(bytes(data))


def test_a_sheet_that_unpacks_to_more_than_its_zip_declares_is_refused(tmp_path):
    path = write_book(tmp_path / "orders.xlsx", hotline_frame(["2025/3/7 9:05"] * 200))
    declared = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    with pytest.raises(RefusedFile, match="sheet1.xml unpacks to"):  # the declared size, before reading
        extract.read_excel(Delivery(str(path), path=path), Limits(max_unpacked_bytes=declared - 1))
    understate(path, "xl/worksheets/sheet1.xml", 1000)  # a zip that lies: never more than it claims comes out
    with pytest.raises(RefusedFile, match="orders.xlsx: the sheet"):
        extract.read_excel(Delivery(str(path), path=path), Limits(max_unpacked_bytes=declared - 1))


def without_dimension(path):
    """The workbook with its sheet's declared extent (``<dimension ref=...>``) taken out."""
    import re

    data = {}
    with zipfile.ZipFile(path) as book:
        for item in book.infolist():
            data[item.filename] = book.read(item.filename)
    data["xl/worksheets/sheet1.xml"] = re.sub(rb"<dimension [^>]*/>", b"", data["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, part in data.items():
            book.writestr(name, part)
    return path


@pytest.mark.parametrize("limits, extra, declared, reason", [
    ({"max_rows": 5}, [], True, "row 6: the sheet declares 6 rows, more than 5"),  # before its first row
    ({"max_rows": 5}, [], False, "row 6: more than 5 rows"),  # while reading
    ({"max_columns": 20}, [["x"] * 16 + ["", "", "", "", "y"]], True, "column U: the sheet declares 21 columns"),
    ({"max_columns": 20}, [["x"] * 16 + ["", "", "", "", "y"]], False, "row 4, column U: more than 20 columns"),
    ({"max_cell_chars": 100}, [["A9", "y" * 101]], True, "row 4, column B: a cell of 101 characters, more than 100"),
])
def test_rows_columns_and_cells_over_the_limits_refuse_the_file(sqlite_url, tmp_path, limits, extra, declared,
                                                                 reason):
    engine = pipeline.prepare_warehouse(sqlite_url)
    path = write_book(tmp_path / "orders.xlsx", hotline_frame(["2025/3/7 9:05"] * (5 if "max_rows" in limits else 2)),
                      extra)
    if not declared:
        without_dimension(path)
    with pytest.raises(RefusedFile, match=reason):
        pipeline.load_location(engine, "hotline", str(path), now=NOW, limits=Limits(**limits))
    assert facts(engine) == 0
    with pytest.raises(RefusedFile, match="orders.xlsx"):  # a source read whole is held to them too
        extract.read_sheet(Delivery(str(path), path=path), Limits(**limits))


def test_limits_come_from_sources_yaml(tmp_path):
    custom = tmp_path / "sources.yaml"
    custom.write_text("sources:\n  - name: hotline\n    max_unpacked_mb: 8\n    max_strings_mb: 2\n    max_rows: 100\n"
                      "    max_columns: 30\n    max_cell_chars: 1000\n    earliest: 2015-01-01\n    days_ahead: 0\n",
                      encoding="utf-8")
    from etl import config

    limits = config.limits_for("hotline", custom)
    assert (limits.max_unpacked_bytes, limits.max_strings_bytes, limits.max_rows, limits.max_columns,
            limits.max_cell_chars, limits.earliest, limits.days_ahead) == (
        8 * 2**20, 2 * 2**20, 100, 30, 1000, date(2015, 1, 1), 0)


# --- one bad file never stops the others -----------------------------------------------

def deep_json(depth: int = 5000) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_a_bad_file_first_does_not_stop_the_files_or_sources_after_it(warehouse, tmp_path):
    inbox = tmp_path / "activities"
    inbox.mkdir()
    (inbox / "a-deep.jsonl").write_text(deep_json() + "\n", encoding="utf-8")  # 30 KB nested 5,000 deep
    write_lines(inbox / "b-good.jsonl", [signup("A1", "汇泉路社区", "文化", "2025-03-07 09:30")])
    write_lines(inbox / "c-good.jsonl", [signup("A2", "汇泉路社区", "文化", "2025-03-08 09:30")])
    hotline = write_book(tmp_path / "orders.xlsx", hotline_frame(["2025/3/7 9:05"]))
    config = tmp_path / "sources.yaml"
    config.write_text(f"sources:\n  - name: activities\n    location: {inbox}\n"
                      f"  - name: hotline\n    location: {hotline}\n", encoding="utf-8")
    run = ["--database-url", url(warehouse), "run", "--config", str(config)]

    assert cli.main(run) == cli.REFUSED
    assert runs(warehouse, "activities") == [("a-deep.jsonl", "failed"), ("b-good.jsonl", "success"),
                                             ("c-good.jsonl", "success")]
    assert runs(warehouse, "hotline") == [("orders.xlsx", "success")]
    with warehouse.connect() as conn:
        message = conn.execute(select(etl_run.c.message).where(etl_run.c.status == "failed")).scalar_one()
    assert "a-deep.jsonl" in message and "nested too deeply" in message

    # The same bytes failing the same way again are quarantined; after that not read at all.
    assert cli.main(run) == cli.REFUSED
    assert cli.main(run) == cli.REFUSED
    assert [s for name, s in runs(warehouse, "activities") if name == "a-deep.jsonl"] == ["failed", "quarantined"]
    [entry] = [e for e in health.sources(date(2025, 3, 20), engine=warehouse) if e["source"] == "activities"]
    assert entry["status"] == "failed" and entry["unresolved"][0]["status"] == "quarantined"

    # An operator's retry reads it again (here it fails again, now on record after the retry).
    assert cli.main(["--database-url", url(warehouse), "retry", str(inbox / "a-deep.jsonl")]) == cli.REFUSED
    assert [s for name, s in runs(warehouse, "activities") if name == "a-deep.jsonl"][-2:] == ["retry", "failed"]
    # A new delivery at the same place is read at once.
    write_lines(inbox / "a-deep.jsonl", [signup("A3", "汇泉路社区", "文化", "2025-03-09 09:30")])
    assert cli.main(run) == 0
    assert [s for name, s in runs(warehouse, "activities") if name == "a-deep.jsonl"][-1] == "success"
    assert load.quarantined_runs(warehouse, "activities") == []


def test_retry_of_a_source_with_nothing_quarantined_says_so(sqlite_url, capsys):
    pipeline.prepare_warehouse(sqlite_url)
    assert cli.main(["--database-url", sqlite_url, "retry", "hotline"]) == cli.REFUSED
    assert "nothing quarantined matches hotline" in capsys.readouterr().err


# --- plausible dates ---------------------------------------------------------------------

@pytest.mark.parametrize("year, reason", [(1900, "before 2000-01-01"), (2099, "in the future")])
def test_an_export_dated_in_1900_or_2099_is_a_failed_run(sqlite_url, tmp_path, capsys, year, reason):
    path = tmp_path / f"orders_{year}.csv"
    hotline_frame([f"{year}/3/{d} 9:05" for d in range(1, 8)]).to_csv(path, index=False, encoding="gbk")
    assert cli.main(["--database-url", sqlite_url, "load", "hotline", str(path)]) == cli.REFUSED
    assert "every one of the 7 rows" in capsys.readouterr().err
    engine = pipeline.prepare_warehouse(sqlite_url)
    assert runs(engine, "hotline") == [(path.name, "failed")] and facts(engine) == 0
    with engine.connect() as conn:
        rejects = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason)
                               .order_by(etl_reject.c.row_number)).all()
    assert [(r.row_number, r.field) for r in rejects] == [(n, "受理时间") for n in range(2, 9)]
    assert all(reason in r.reason for r in rejects)


def test_a_few_implausible_dates_are_refused_and_the_rest_loads(sqlite_url, tmp_path):
    engine = pipeline.prepare_warehouse(sqlite_url)
    path = tmp_path / "orders.csv"
    hotline_frame(["2025/3/7 9:05", "1999/12/31 23:59", "2000/1/1 0:00"]).to_csv(path, index=False)
    [result] = pipeline.load_location(engine, "hotline", str(path), now=NOW)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("success", 2, 1)
    with engine.connect() as conn:
        reject = conn.execute(select(etl_reject)).one()
    assert (reject.row_number, reject.field) == (3, "受理时间") and "1999-12-31" in reject.reason


# --- refusals point at the right row -----------------------------------------------------

def test_a_gbk_file_with_some_utf8_lines_is_refused_at_the_first_of_them(sqlite_url, tmp_path):
    engine = pipeline.prepare_warehouse(sqlite_url)
    lines = hotline_frame(["2025/3/7 9:05"] * 3000).to_csv(index=False).splitlines()
    path = tmp_path / "orders.csv"
    path.write_bytes(b"".join(line.encode("utf-8" if i in (2500, 2700) else "gbk") + b"\n"
                              for i, line in enumerate(lines)))
    for chunk_rows in (1_000_000, 700):
        with pytest.raises(RefusedFile, match=r"orders.csv.*row 2501 \(byte"):
            pipeline.load_location(engine, "hotline", str(path), now=NOW, limits=Limits(chunk_rows=chunk_rows))


def test_nul_and_encoding_refusals_give_the_row(tmp_path):
    path = tmp_path / "orders.csv"
    text = hotline_frame(["2025/3/7 9:05"] * 5).to_csv(index=False).encode("utf-8")
    lines = text.splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:4]) + b"A9,\x00\x00" + b"".join(lines[4:]))
    with pytest.raises(RefusedFile, match="orders.csv, 第 5 行 / row 5: holds binary data"):
        extract.inspect(Delivery(str(path), path=path), Limits())
    with pytest.raises(RefusedFile, match="row 3 "):
        extract.detect_encoding(b"a,b\nc,d\n\xff\xfe\xfd\xfc,x\n" + b"y" * 10, "orders.csv")


def test_an_empty_feed_names_its_file(sqlite_url, tmp_path):
    engine = pipeline.prepare_warehouse(sqlite_url)
    path = tmp_path / "signups_empty.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(RefusedFile, match="no records: .*signups_empty.json"):
        pipeline.load_location(engine, "activities", str(path), now=NOW)


# --- stored rejects stay small -------------------------------------------------------------

def test_a_huge_refused_row_is_stored_cut_and_marked_and_the_page_reads_only_its_preview(sqlite_url, tmp_path):
    engine = pipeline.prepare_warehouse(sqlite_url)
    frame = hotline_frame(["2025/3/7 9:05", "2025/3/7 9:06"])
    frame.loc[1, "办理状态"] = "已办结" + "很长" * 100_000  # a 200,000-character status: refused
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False)
    [result] = pipeline.load_location(engine, "hotline", str(path), now=NOW)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    with engine.connect() as conn:
        raw, reason = conn.execute(select(etl_reject.c.raw, etl_reject.c.reason)).one()
    assert len(raw) < load.STORED_CHARS + 100 and "truncated" in raw and "characters in all" in raw
    assert len(reason) < load.STORED_CHARS + 100
    [shown] = health.rejects(engine=engine, preview=health.RAW_PREVIEW)
    assert len(shown["raw"]) == health.RAW_PREVIEW + 1 and shown["raw"].endswith("…")
    [whole] = health.rejects(engine=engine, raw=True)
    assert whole["raw"] == raw
    [bare] = health.rejects(engine=engine)
    assert "raw" not in bare


def test_rejects_come_a_page_at_a_time(sqlite_url, tmp_path):
    engine = pipeline.prepare_warehouse(sqlite_url)
    path = tmp_path / "orders.csv"
    hotline_frame(["2025/3/7 9:05"] + ["1990/1/1 9:00"] * 9).to_csv(path, index=False)
    pipeline.load_location(engine, "hotline", str(path), now=NOW)
    first, second = (health.rejects(engine=engine, limit=5, offset=o) for o in (0, 5))
    assert [r["row_number"] for r in first + second] == list(range(3, 12))
    json.dumps([{k: str(v) for k, v in r.items()} for r in first])  # plain values the page can send


def test_the_data_page_says_a_file_is_quarantined_and_how_to_retry_it():
    from layouts import data_health as page

    def words(component) -> str:
        children = getattr(component, "children", component)
        if isinstance(children, list):
            return " ".join(words(c) for c in children if c is not None)
        return str(children) if children is not None else ""

    run = {"status": "quarantined", "location": "/inbox/a-deep.jsonl", "message": "JSON 嵌套过深 / nested too deeply"}
    held = words(page.failure_details(run, "en"))
    assert "quarantined · a-deep.jsonl" in held and "python -m etl retry /inbox/a-deep.jsonl" in held
    failed = words(page.failure_details({**run, "status": "failed"}, "zh"))
    assert "已隔离" not in failed and "a-deep.jsonl" in failed


def test_the_rejects_download_holds_the_latest_rows_up_to_its_limit(sqlite_url, tmp_path, monkeypatch):
    import base64
    import csv
    import io

    from callbacks.data_health import download
    from data import settings
    from layouts import data_health as page

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    engine = pipeline.prepare_warehouse(sqlite_url)
    path = tmp_path / "orders.csv"
    hotline_frame(["2025/3/7 9:05"] + ["1990/1/1 9:00"] * 9).to_csv(path, index=False)
    pipeline.load_location(engine, "hotline", str(path), now=NOW)
    monkeypatch.setattr(page, "DOWNLOAD_ROWS", 4)  # the cap made small: the file stops there
    answer = download("all", "hotline", "en", today=settings.local_today())
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(answer["content"]).decode("utf-8-sig"))))
    assert [r["Row"] for r in rows] == ["3", "4", "5", "6"]


def test_a_workbook_reads_as_excel_shows_it_rich_text_dates_and_numbers(tmp_path):
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    sheet.write_rich_string(0, 0, "汇泉路", bold, "社区", "（二）")  # runs of one shared string
    sheet.write_datetime(0, 1, datetime(2025, 3, 7, 9, 30), book.add_format({"num_format": 'yyyy"年"m"月"d"日" hh:mm'}))
    sheet.write_datetime(0, 2, datetime(2025, 3, 7), book.add_format({"num_format": "yyyy/m/d"}))
    sheet.write_number(0, 3, 12)
    sheet.write_number(0, 4, 0.25)
    sheet.write_boolean(0, 5, True)
    sheet.write_string(2, 7, "last")  # a row left out and a gap of columns
    book.close()
    grid = extract.read_excel(Delivery(str(path), path=path))
    assert grid.frame.values.tolist() == [
        ["汇泉路社区（二）", "2025-03-07 09:30:00", "2025-03-07", "12", "0.25", "True", "", ""],
        ["", "", "", "", "", "", "", "last"]]
    assert grid.row_numbers.tolist() == [1, 3]  # rows as Excel numbers them
