"""The sample exports look and behave like the real source systems' exports.

One street (沙河街道, home of 汇泉路社区) over three months up to the end of July, at full
volume, is generated once for the module; the determinism test makes two more, smaller runs.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from etl.samples import SOURCES, generate
from etl.samples.__main__ import main
from etl.samples.mess import UNKNOWN_COMMUNITIES

SHAHE = "510104011000"  # 沙河街道, the embedded default street
END = dt.date(2026, 7, 31)


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    out = tmp_path_factory.mktemp("samples")
    written = generate(out, end=END, months=3, streets=[SHAHE])
    return out, written


def decode(path: Path) -> str:
    """Text of an export as the ETL would see it: BOM means UTF-8, else UTF-8 or GBK."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gbk")


def read_csv(path: Path, first_header: str) -> pd.DataFrame:
    """The data rows of an Excel-made CSV: title row skipped, totals and blank rows dropped."""
    lines = decode(path).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first_header))
    frame = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype=str, keep_default_na=False)
    first = frame.columns[0]
    return frame[(frame[first] != "合计") & (frame[first] != "")].reset_index(drop=True)


def hotline_frame(path: Path) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        raw = pd.read_excel(path, header=None, dtype=object, engine="calamine")
        start = raw.index[raw[0] == "工单编号"][0]
        frame = raw.iloc[start + 1:].set_axis(list(raw.iloc[start]), axis=1)
        frame = frame[frame["工单编号"].astype(str).str.startswith("GD")]
    else:
        frame = read_csv(path, "工单编号")
    aliases = {"问题分类": "诉求类别", "诉求人": "来电人", "来电号码": "联系电话", "评价结果": "满意度"}
    return frame.rename(columns=aliases).fillna("").reset_index(drop=True)


def signups(out: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((out / "activities").glob("signups_*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pd.json_normalize(rows)


def test_every_source_gets_its_folder_and_the_files_it_reports(samples):
    out, written = samples
    assert list(written) == list(SOURCES)
    for source, files in written.items():
        assert files, f"{source} wrote nothing"
        for path in files:
            assert path.is_file() and path.parent.relative_to(out).parts[0] == source


def test_same_arguments_give_byte_identical_files_and_another_seed_does_not(tmp_path):
    args = dict(end=dt.date(2026, 2, 20), months=2, streets=[SHAHE], scale=0.2)
    first = generate(tmp_path / "a", **args)
    second = generate(tmp_path / "b", **args)
    other = generate(tmp_path / "c", seed=7, **args)
    for source in SOURCES:
        names_a = [p.relative_to(tmp_path / "a") for p in first[source]]
        assert names_a == [p.relative_to(tmp_path / "b") for p in second[source]]
        for a, b in zip(first[source], second[source]):
            assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between runs"
    differing = [a for a, c in zip(first["hotline"], other["hotline"]) if a.read_bytes() != c.read_bytes()]
    assert differing


def test_hotline_months_come_in_gbk_utf8_bom_and_xlsx(samples):
    out, _ = samples
    files = sorted((out / "hotline").iterdir())
    assert {p.suffix for p in files} == {".csv", ".xlsx"}
    csvs = [p.read_bytes() for p in files if p.suffix == ".csv"]
    assert any(raw.startswith(b"\xef\xbb\xbf") for raw in csvs)
    gbk = [raw for raw in csvs if not raw.startswith(b"\xef\xbb\xbf")]
    assert gbk
    with pytest.raises(UnicodeDecodeError):
        gbk[0].decode("utf-8")
    assert "工单编号" in gbk[0].decode("gbk")


def test_hotline_has_title_rows_totals_rows_aliases_and_messy_names(samples):
    out, _ = samples
    texts = [decode(p) for p in sorted((out / "hotline").glob("*.csv"))]
    assert any(t.splitlines()[0].endswith(",") and "12345工单明细" in t.splitlines()[0] for t in texts)
    assert any(line.startswith("合计,") for t in texts for line in t.splitlines())
    assert any(line.strip(",") == "" for t in texts for line in t.splitlines())
    headers = {line for t in texts for line in t.splitlines() if line.startswith("工单编号")}
    assert any("问题分类" in h and "诉求人" in h and "来电号码" in h and "评价结果" in h for h in headers)
    assert any("诉求类别" in h and "满意度" in h for h in headers)
    names = pd.concat([hotline_frame(p) for p in sorted((out / "hotline").iterdir())])["所属社区"]
    assert (names == "汇泉路").any() or (names.str.strip() != names).any()


def test_hotline_xlsx_carries_excel_serial_dates(samples):
    out, _ = samples
    book = openpyxl.load_workbook(next((out / "hotline").glob("*.xlsx")), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "工单编号")
    closed = rows[header].index("办结时间")
    serials = [r[closed] for r in rows[header + 1:] if isinstance(r[closed], float)]
    assert serials and all(40000 < s < 50000 for s in serials)


def test_hotline_rates_are_those_of_a_well_run_street(samples):
    out, _ = samples
    frame = pd.concat([hotline_frame(p) for p in sorted((out / "hotline").iterdir())])
    names = frame["所属社区"].str.replace(r"[\s\u3000]", "", regex=True)
    names = names.where(names.str.endswith("社区"), names + "社区")
    per_community = frame.groupby(names).size()
    assert per_community.get("汇泉路社区", 0) > 100
    assert 40 * 3 * 0.6 < per_community.median() < 120 * 3 * 1.3
    resolved = frame[frame["办理状态"] == "已办结"]
    assert 0.93 <= (resolved["是否超期"] == "否").mean() <= 0.98
    rated = resolved[~resolved["满意度"].isin(["", "未评价"])]
    assert 0.6 <= len(rated) / len(resolved) <= 0.7
    assert 0.85 <= rated["满意度"].isin(["非常满意", "满意", "基本满意"]).mean() <= 0.95
    recent = frame[frame["工单编号"].str.startswith("GD20260731")]
    assert (recent["办理状态"] == "办理中").mean() > (frame["办理状态"] == "办理中").mean()


def test_personal_data_is_in_the_exports_for_the_etl_to_remove(samples):
    out, _ = samples
    hotline = pd.concat([hotline_frame(p) for p in sorted((out / "hotline").iterdir())])
    assert hotline["联系电话"].astype(str).str.fullmatch(r"1\d{10}").mean() > 0.99
    assert hotline["来电人"].str.len().gt(0).all()
    assert hotline["诉求内容"].str.contains("栋").mean() > 0.9  # mentions an address
    signed = signups(out)
    assert signed["phone"].notna().mean() > 0.05 and signed["name"].notna().any()
    volunteers = read_csv(next((out / "volunteers").glob("*.csv")), "记录编号")
    assert {"姓名", "手机号"} <= set(volunteers.columns)
    book = openpyxl.load_workbook(next((out / "grid_events").glob("*.xlsx")), read_only=True)
    assert "上报人" in next(book.active.iter_rows(min_row=2, max_row=2, values_only=True))


def test_grid_events_have_a_title_and_a_two_row_merged_header(samples):
    out, _ = samples
    book = openpyxl.load_workbook(next((out / "grid_events").glob("*.xlsx")))
    sheet = book.active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A1:M1" in merged and "A2:B2" in merged and "C2:G2" in merged and "M2:M3" in merged
    assert sheet["A1"].value.startswith("网格化服务管理事件台账")
    assert [sheet.cell(2, c).value for c in (1, 3, 8, 11, 13)] == ["事件信息", "属地", "事件内容",
                                                                 "处置情况", "上报人"]
    assert sheet["A3"].value == "事件编号" and sheet["F3"].value == "网格编号"
    register = decode(out / "areas" / "area_register.csv")
    grid_codes = {line.split(",")[0] for line in register.splitlines() if ",网格," in line}
    codes = [str(int(v)) if isinstance(v, (int, float)) else v
             for (v,) in sheet.iter_rows(min_row=4, min_col=6, max_col=6, values_only=True) if v]
    assert len(codes) > 100
    assert all(len(c) == 15 for c in codes)
    assert sum(c in grid_codes for c in codes) / len(codes) > 0.99


def test_huiquanlu_activity_volume_matches_its_published_figures(samples):
    out, _ = samples
    signed = signups(out)
    signed["month"] = signed["start_time"].str[:7]
    signed["code"] = signed["activity_id"].str[2:10]
    huiquan = signed[signed["code"] == "04011001"]
    # seed facts: over 150 activities, over 370 public-benefit courses and 14,000
    # participations (courses and activities) in its first half year
    huiquan = huiquan[huiquan["month"].isin(["2026-05", "2026-06", "2026-07"])]
    assert huiquan["month"].nunique() == 3
    for _, month in huiquan.groupby("month"):
        one_off = month[~month["activity_id"].str.startswith("KC")]
        assert 15 <= one_off["activity_id"].nunique() <= 45
        courses = month.loc[month["type"] == "公益课程", "activity_id"].nunique()
        assert 370 / 6 * 0.7 <= courses <= 370 / 6 * 1.5
        assert 14000 / 6 * 0.7 <= month["checked_in"].sum() <= 14000 / 6 * 2
    others = signed[signed["code"] != "04011001"].groupby(["code", "month"]).size()
    assert 60 <= others.median() <= 600
    per_activity = signed.groupby("activity_id").size()
    assert per_activity.median() >= 8  # sign-ups cluster in activities


def test_childcare_peaks_in_the_summer_holidays(samples):
    out, _ = samples
    totals = {}
    for path in sorted((out / "care").glob("*.csv")):
        care = read_csv(path, "日期")
        childcare = care[care["服务项目"] == "儿童托管"]
        totals[path.stem[-2:]] = pd.to_numeric(childcare["服务人次"]).sum()
    assert totals["07"] > 1.5 * totals["05"]


def test_service_halls_close_on_sundays_and_terminals_do_not(samples):
    out, _ = samples
    frame = pd.concat([read_csv(p, "日期") for p in sorted((out / "services").glob("*.csv"))])
    days = pd.to_datetime(frame["日期"].str.replace("/", "-"), errors="coerce")
    sunday = days.dt.day_of_week == 6
    windows = frame["渠道"] == "窗口"
    assert windows.any() and not (sunday & windows & (days <= pd.Timestamp(END))).any()
    assert (sunday & (frame["服务点"] == "24小时自助服务区")).any()
    count, reviews, good = (pd.to_numeric(frame[c]) for c in ("办件量", "评价数", "好评数"))
    assert ((good <= reviews) & (reviews <= count)).all()


def test_a_trickle_of_bad_rows_for_the_reject_path(samples):
    out, _ = samples
    lines = total = 0
    for source in ("hotline", "volunteers", "services", "care", "activities"):
        for path in (out / source).glob("*.*sv*") if source != "activities" else (out / source).glob("*.jsonl"):
            text = decode(path).splitlines()
            total += len(text)
            lines += sum(any(u in line for u in UNKNOWN_COMMUNITIES) for line in text)
    assert 0 < lines < total * 0.005


def test_party_report_has_totals_text_numbers_and_plausible_members(samples):
    out, _ = samples
    rows = list(openpyxl.load_workbook(out / "party" / "party_2026.xlsx").active.values)
    assert rows[0][0].endswith("月报汇总表") and rows[1][0] == "统计月份"
    body = [r for r in rows[2:] if r[0] and r[0] != "合计"]
    assert any(r[0] == "合计" for r in rows)
    assert len(body) == 12 * 2  # 12 communities x May and June: July's report arrives in August
    assert any(isinstance(v, str) for r in body for v in r[3:])  # numbers stored as text
    members = [float(r[4]) for r in body]
    assert all(70 <= m <= 250 for m in members)


def test_content_keeps_the_screen_current(samples):
    out, _ = samples
    feed = json.loads((out / "content" / "feed.json").read_text(encoding="utf-8"))["items"]
    docs = []
    for path in sorted((out / "content").glob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        docs.append(yaml.safe_load(front) | {"body": body})
    items = feed + docs
    kinds = {it["kind"] for it in items}
    assert kinds == {"news", "notice", "activity", "guide", "resource"}
    assert all(str(it["area"]).startswith("510104011") for it in items)
    recent = [it for it in items if it["kind"] in ("news", "notice")
              and str(it["published_at"])[:10] >= str(END - dt.timedelta(days=30))]
    assert len(recent) >= 10
    coming = [it for it in feed if it["kind"] == "activity"
              and str(END) < it["starts_at"][:10] <= str(END + dt.timedelta(days=7))]
    assert coming and all(it["location"] for it in coming)
    guides = " ".join(it["title"] for it in items if it["kind"] == "guide")
    assert all(word in guides for word in ("医疗保险", "养老保险", "居住证", "户口"))
    assert any("长者食堂" in it["title"] for it in items if it["kind"] == "resource")
    assert all(str(it["published_at"])[:10] <= str(END) for it in items)


def test_area_register_export_is_gbk_with_chinese_levels(samples):
    out, _ = samples
    raw = (out / "areas" / "area_register.csv").read_bytes()
    lines = raw.decode("gbk").splitlines()
    assert lines[0] == "编码,名称,层级,上级编码,户数,人口,经度,纬度"
    levels = {line.split(",")[2] for line in lines[1:]}
    assert levels == {"社区", "网格"}


def test_a_small_register_of_ones_own_works_and_bad_streets_are_named(tmp_path):
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "code,name,name_en,level,parent_code,population,households,lon,lat,is_sample\n"
        "510104000000,锦江区,Jinjiang,district,510100000000,,,104.1,30.6,false\n"
        "510104011000,沙河街道,Shahe,street,510104000000,,,104.13,30.6,false\n"
        "510104011001,汇泉路社区,Huiquanlu,community,510104011000,12000,4400,104.13,30.6,true\n",
        encoding="utf-8")
    written = generate(tmp_path / "out", end=dt.date(2025, 1, 31), months=1, areas_path=areas,
                       scale=0.1, sources=["areas", "grid_events"])
    register = decode(written["areas"][0])
    assert "510104011001001,汇泉路社区第1网格,网格" in register  # cells made up when none are given
    with pytest.raises(ValueError, match="510999001000"):
        generate(tmp_path / "bad", streets=["510999001000"], areas_path=areas)


def test_command_line_writes_the_samples_and_reports_errors(tmp_path, capsys):
    code = main(["--out", str(tmp_path), "--end", "2026-03-15", "--months", "1",
                 "--streets", SHAHE, "--scale", "0.05", "--sources", "hotline,care"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["care", "hotline"]
    assert "hotline" in capsys.readouterr().out
    assert main(["--out", str(tmp_path), "--streets", "123"]) == 2
    assert "123" in capsys.readouterr().err


def test_every_breakdown_member_the_samples_load_has_an_english_name(sample_warehouse_url):
    """An English page names each category, channel, item and type in English: a member the
    label table does not know is shown as stored ("12345 requests on 住房 up 2" on the
    overview's English attention list)."""
    import re

    from sqlalchemy import create_engine, select

    from data import labels
    from data.schema import fact

    engine = create_engine(sample_warehouse_url)
    with engine.connect() as conn:
        members = {m for (m,) in conn.execute(select(fact.c.member).where(fact.c.member != "").distinct())}
    engine.dispose()
    untranslated = sorted(m for m in members if re.search(r"[\u4e00-\u9fff]", m) and labels.label(m, "en") == m)
    assert members and untranslated == []
