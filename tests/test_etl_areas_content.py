"""The area register export and the content feed: the two sources that fill tables other
than ``fact`` (``area`` and ``content``), in the same transaction as their run record."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from data.schema import area, content, etl_reject, etl_run, fact
from etl import pipeline
from etl.extract import RefusedFile

NOW = datetime(2025, 4, 10, 12, 0)
SHAHE, HUIQUAN, CHUANGYE = "510104011000", "510104011001", "510104011002"


def rejects(engine) -> dict[int, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.row_number: (r.field, r.reason) for r in conn.execute(select(etl_reject))}


# --- areas -----------------------------------------------------------------------------

def register_export(path, rows):
    lines = [["沙河街道区划登记导出"], ["编码", "名称", "层级", "上级编码", "户数", "人口", "经度", "纬度"], *rows, [""] * 8]
    path.write_bytes("".join(",".join(str(c) for c in line) + "\r\n" for line in lines).encode("gbk"))
    return path


def areas_by_code(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["code"]: dict(r) for r in conn.execute(select(area)).mappings()}


def test_the_register_export_adds_and_updates_communities_and_grids(warehouse, tmp_path):
    before = areas_by_code(warehouse)
    path = register_export(tmp_path / "register.csv", [
        [HUIQUAN, "汇泉路社区", "社区", SHAHE, "4400", "12500", "", ""],
        ["510104011001020", "汇泉路社区第20网格", "网格", HUIQUAN, "300", "800", "104.1331", "30.6031"],
        ["510104011050.0", "望月社区", "社区", SHAHE, "3000", "8000", "104.1400", "30.6100"],
        ["510104011050001", "望月社区第1网格", "网格", "510104011050", "500", "1300", "", ""],
        ["510104012051", "错位社区", "社区", SHAHE, "", "", "", ""],
        ["510104011099001", "无主网格", "网格", "510104011099", "", "", "", ""],
        [SHAHE, "沙河街道", "街道", "510104000000", "", "", "", ""],
        ["510104011051", "东湖社区", "社区", SHAHE, "", "", "30.61", "104.14"],
        ["510104011050001", "望月社区第1网格", "网格", "510104011050", "500", "1300", "", ""],
    ])
    [result] = pipeline.load_location(warehouse, "areas", str(path), now=NOW)
    # 东湖社区's swapped coordinates cost only the coordinates: the community is added.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (9, 5, 4)

    after = areas_by_code(warehouse)
    huiquan = after[HUIQUAN]
    assert (huiquan["population"], huiquan["households"]) == (12500, 4400)
    assert huiquan["lon"] == before[HUIQUAN]["lon"]  # a blank cell keeps what the register has
    assert huiquan["is_sample"] is True and huiquan["name_en"] == "Huiquanlu Community"
    grid = after["510104011001020"]
    assert (grid["level"], grid["parent_code"], grid["is_sample"]) == ("grid", HUIQUAN, True)
    assert grid["name_en"] == "Huiquanlu Community Grid 20"
    wangyue = after["510104011050"]
    assert (wangyue["level"], wangyue["parent_code"], wangyue["is_sample"]) == ("community", SHAHE, False)
    assert wangyue["name_en"] == "Wangyue Community"
    assert after["510104011050001"]["name_en"] == "Wangyue Community Grid 1"
    assert after[SHAHE] == before[SHAHE]
    assert "510104012051" not in after
    donghu = after["510104011051"]
    assert (donghu["name"], donghu["lon"], donghu["lat"]) == ("东湖社区", None, None)

    reasons = rejects(warehouse)  # title row 1, header row 2, data from row 3
    assert "prefix" in reasons[7][1] and "510104011" in reasons[7][1]
    assert "510104011099" in reasons[8][1] and "not in the area register" in reasons[8][1]
    assert reasons[9][0] == "层级" and "街道" in reasons[9][1]
    with warehouse.connect() as conn:  # longitude and latitude swapped: two warnings, the row kept
        swapped = conn.execute(select(etl_reject.c.field, etl_reject.c.severity, etl_reject.c.reason)
                               .where(etl_reject.c.row_number == 10)).all()
    assert sorted((r.field, r.severity) for r in swapped) == [("纬度", "warning"), ("经度", "warning")]
    assert any("'30.61'" in r.reason and "below 73" in r.reason for r in swapped)
    assert "earlier row" in reasons[11][1]
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(fact)).scalar() == 0


def test_later_exports_can_name_a_community_the_register_just_learnt(warehouse, tmp_path):
    register = register_export(tmp_path / "register.csv", [
        ["510104011050", "望月社区", "社区", SHAHE, "3000", "8000", "", ""],
    ])
    pipeline.load_location(warehouse, "areas", str(register), now=NOW)
    care = tmp_path / "care.csv"
    care.write_text("日期,社区,服务项目,服务人次\n2025-03-03,望月,老年助餐,30\n", encoding="utf-8")
    [result] = pipeline.load_location(warehouse, "care", str(care), now=NOW)
    assert result.rows_rejected == 0
    with warehouse.connect() as conn:
        assert conn.execute(select(fact.c.value).where(
            fact.c.area_code == "510104011050", fact.c.metric_code == "elderly_meals")).scalar() == 30


# --- content ---------------------------------------------------------------------------

GUIDE = """---
kind: guide
title: 办事指引：居住证办理（新版）
title_en: "Service guide: residence permit"
area: 沙河街道
published_at: 2025-03-01 09:00
location: 沙河街道公共服务大厅
---

## 所需材料

- 居民身份证
- 近期免冠照片

在街道公共服务大厅户籍窗口受理，１５个工作日内制证。
"""


def feed(*items) -> str:
    return json.dumps({"items": list(items)}, ensure_ascii=False, indent=1)


def contents(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(content).order_by(content.c.id)).mappings()]


def test_markdown_items_keep_their_text_exactly(warehouse, tmp_path):
    inbox = tmp_path / "content"
    inbox.mkdir()
    (inbox / "guide-residence.md").write_text(GUIDE, encoding="utf-8")
    (inbox / "untitled.md").write_text("---\nkind: news\ntitle: \n---\n\n没有标题的稿子\n", encoding="utf-8")
    # A file whose every row is refused is a failed run (the others load); its reasons are kept.
    with pytest.raises(RefusedFile, match="untitled.md"):
        pipeline.load_location(warehouse, "content", str(inbox), now=NOW)
    with warehouse.connect() as conn:
        runs = conn.execute(select(etl_run.c.location, etl_run.c.status, etl_run.c.rows_rejected)
                            .where(etl_run.c.source == "content").order_by(etl_run.c.id)).all()
    assert [(r.location.rsplit("/", 1)[-1], r.status, r.rows_rejected) for r in runs] == [
        ("guide-residence.md", "success", 0), ("untitled.md", "failed", 1)]

    [item] = contents(warehouse)
    assert item["kind"] == "guide" and item["area_code"] == SHAHE
    assert item["title"] == "办事指引：居住证办理（新版）"
    assert item["body"] == GUIDE.split("---", 2)[2].strip()  # Markdown, line breaks and full-width digits kept
    assert item["published_at"] == datetime(2025, 3, 1, 9, 0)
    assert item["source"] == "guide-residence.md"
    with warehouse.connect() as conn:
        reject = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_run.c.location)
                              .join(etl_run, etl_run.c.id == etl_reject.c.run_id)).one()
    assert (reject.row_number, reject.field) == (1, "title") and reject.location.endswith("untitled.md")

    (inbox / "guide-residence.md").write_text(GUIDE.replace("（新版）", "（2025版）"), encoding="utf-8")
    pipeline.load_location(warehouse, "content", str(inbox / "guide-residence.md"), now=NOW)
    assert [i["title"] for i in contents(warehouse)] == ["办事指引：居住证办理（2025版）"]


def test_a_feed_reloaded_replaces_its_items(warehouse, tmp_path):
    news = {"id": "n1", "kind": "news", "title": "汇泉路社区举办邻里节", "area": CHUANGYE,
            "published_at": "2025-03-05T10:00:00+08:00", "body": "近日，社区举办邻里节。"}
    flowers = {"kind": "activity", "title": "插花课", "area": "汇泉路社区", "published_at": "2025-03-01 09:00",
               "starts_at": "2025-03-08 14:30", "ends_at": "2025-03-08 16:30", "location": "社区书屋", "body": ""}
    path = tmp_path / "feed.json"
    path.write_text(feed(
        news,
        flowers,
        {**flowers, "area": "创业社区"},  # the same course in another community is another item
        {"kind": "广告", "title": "促销", "area": "", "published_at": "2025-03-05 10:00", "body": ""},
        {"kind": "news", "title": "", "area": "", "published_at": "2025-03-05 10:00", "body": "无标题"},
        {"kind": "通知", "title": "停水通知", "area": CHUANGYE, "published_at": "2025-03-05 10:00",
         "starts_at": "2025-03-09 08:00", "ends_at": "2025-03-08 18:00", "body": ""},
        {"kind": "通知", "title": "电梯维保", "area": CHUANGYE, "published_at": "2025-03-06 10:00", "body": ""},
    ), encoding="utf-8")
    [result] = pipeline.load_location(warehouse, "content", str(path), now=NOW)
    # The notice that ends before it starts costs only its end (a warning): it is kept.
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 5, 2)
    reasons = rejects(warehouse)
    assert reasons[4][0] == "kind" and "广告" in reasons[4][1]
    assert reasons[5][0] == "title"
    assert reasons[6][0] == "ends_at" and "the end is left out" in reasons[6][1]

    items = contents(warehouse)
    assert [(i["kind"], i["area_code"]) for i in items] == [
        ("news", CHUANGYE), ("activity", HUIQUAN), ("activity", CHUANGYE), ("notice", CHUANGYE),
        ("notice", CHUANGYE)]
    assert items[0]["published_at"] == datetime(2025, 3, 5, 10, 0)  # Beijing time, offset removed
    water = items[3]
    assert (water["title"], water["starts_at"], water["ends_at"]) == ("停水通知", datetime(2025, 3, 9, 8, 0), None)

    path.write_text(feed({**news, "title": "汇泉路社区举办第二届邻里节"}, flowers), encoding="utf-8")
    pipeline.load_location(warehouse, "content", str(path), now=NOW)
    titles = sorted(i["title"] for i in contents(warehouse))
    assert titles == ["停水通知", "插花课", "插花课", "汇泉路社区举办第二届邻里节", "电梯维保"]
