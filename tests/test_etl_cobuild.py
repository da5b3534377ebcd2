"""Co-building (issue 14): residents' needs, the merchant alliance and the community funds.

Each test writes an export the way the source system (or someone re-saving it in Excel)
does: GBK with a title row and a 合计 row, a workbook with a sheet per year, amounts as
"1.2万" or "12,345.00", names, phones and free text beside the figures. It loads it with
the real pipeline and checks the figures against values worked out by hand, the refusals
(row, field, reason), the warnings, that nothing personal is stored, that the same bytes
change nothing and that a corrected delivery replaces the first. SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from data import db
from data.catalog import load_catalog, read_metrics
from data.schema import etl_reject, fact, item
from etl import pipeline
from etl.clean import parse_amounts
from etl.samples import generate
from etl.sources import funds, merchants, needs
from support import api_app, everything_stored, figures

NOW = datetime(2026, 12, 5, 9, 0)
HUIQUAN, CHUANGYE, THIRD = "510104011001", "510104011002", "510104011003"  # 汇泉路社区, 创业社区, 沙河街道's third
SHAHE = "510104011000"
DAY = "2026-11-02"


def write_csv(path, lines, encoding="gbk"):
    path.write_bytes("".join(",".join(str(c) for c in line) + "\r\n" for line in lines).encode(encoding))
    return path


def reasons(engine, severity="refused") -> dict[int, tuple[str, str, str]]:
    with engine.connect() as conn:
        return {r.row_number: (r.field, r.reason, r.raw) for r in conn.execute(
            select(etl_reject).where(etl_reject.c.severity == severity))}


def items(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.item_id: r._asdict() for r in conn.execute(select(item))}


@pytest.mark.parametrize("module", [needs, merchants, funds])
def test_metric_codes_are_the_catalogues(module):
    catalogue = read_metrics()
    assert set(module.METRICS) == set(catalogue.loc[catalogue["source"] == module.NAME, "code"])
    assert set(catalogue.loc[catalogue["source"] == module.NAME, "domain"]) == {"cobuild"}


@pytest.mark.parametrize("text, yuan", [
    ("1.2万", 12000.0), ("12,345.00", 12345.0), ("¥3,000", 3000.0), ("3000元", 3000.0), ("0.8万元", 8000.0),
    ("１２０", 120.0), (" 45.5 ", 45.5), ("2亿", 2e8), ("", None), ("待核", None), ("1,2,3", None), ("12%", None),
])
def test_amounts_are_read_as_ledgers_write_them(text, yuan):
    [got] = parse_amounts(pd.Series([text])).tolist()
    assert (got != got and yuan is None) or got == yuan


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from("0123456789,.万亿元¥￥ -%e１２a\u3000"), max_size=16))
def test_any_amount_text_is_a_finite_number_of_yuan_or_nothing(text):
    [got] = parse_amounts(pd.Series([text])).tolist()
    assert got != got or (math.isfinite(got) and abs(got) < 1e20)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
@settings(max_examples=100, deadline=None, database=None)
def test_an_amount_written_with_separators_or_in_wan_reads_back(amount):
    value = float(amount)
    assert parse_amounts(pd.Series([f"{value:,.2f}"])).iloc[0] == pytest.approx(value)
    assert parse_amounts(pd.Series([f"{value / 10_000:.6f}万"])).iloc[0] == pytest.approx(value, abs=0.01)


# --- needs ------------------------------------------------------------------------------

NEEDS_HEADER = ["需求编号", "提出时间", "街道", "社区", "提出渠道", "需求类别", "需求类型", "提出人", "联系电话", "地址",
                "需求内容", "认领方类型", "认领方", "认领时间", "承诺时限(天)", "状态", "实现时间", "评价"]
PERSONAL = ("张晓梅", "13800000001", "锦绣花园3栋2单元", "想要一台血压计", "王建国", "13800000002", "楼道灯坏了")


def need(number, raised, community, channel, category, kind, who, phone, address, wish, claimer_type, claimer,
         claimed, promised, status, done, rating):
    return [number, raised, "沙河街道", community, channel, category, kind, who, phone, address, wish, claimer_type,
            claimer, claimed, promised, status, done, rating]


FIRST_NEEDS = [
    need("XQ1", "2026/11/2 9:00", "汇泉路社区", "小程序", "助老", "微心愿", "张晓梅", "13800000001", "锦绣花园3栋2单元",
         "想要一台血压计", "企业", "蜀信科技有限公司", "2026/11/3 10:00", "7", "已实现", "2026/11/6 9:00", "满意"),
    need("XQ2", "2026/11/2 10:00", "汇泉路社区", "线下", "助老", "服务需求", "李卫东", "13800000002", "和平苑1栋",
         "陪老人复查", "党员", "王建国", "2026/11/2 12:00", "3", "已实现", "2026/11/7 10:00", "不满意"),
    need("XQ3", "2026/11/2 11:00", "汇泉路 社区", "网格员", "环境", "建议", "赵一", "13800000003", "", "楼道灯坏了",
         "", "", "", "7", "待认领", "", ""),
    need("XQ4", "2026/11/2 14:00", "创业社区", "议事会", "文体", "建议", "钱二", "13800000004", "", "开设太极拳班",
         "社会组织", "成都爱心社工服务中心", "2026/11/3", "60", "已认领", "", ""),
    need("XQ5", "2026/11/2 15:00", "汇泉路社区", "小程序", "助学", "微心愿", "孙三", "13800000005", "", "要一个书包",
         "志愿队伍", "邻里守望志愿队", "2026/11/3", "7", "已实现", "", "未评价"),
    need("XQ1", "2026/11/2 15:30", "汇泉路社区", "线下", "助老", "微心愿", "周四", "13800000006", "", "重复录入",
         "", "", "", "7", "待认领", "", ""),
    need("XQ7", "2026/11/2 15:40", "幸福里社区", "线下", "助老", "微心愿", "吴五", "13800000007", "", "",
         "", "", "", "7", "待认领", "", ""),
    need("XQ8", "2026/11/2 15:50", "汇泉路社区", "线下", "助老", "微心愿", "郑六", "13800000008", "", "",
         "", "", "", "7", "办理中", "", ""),
    need("XQ9", "2026/11/2 16:00", "汇泉路社区", "线下", "其他", "服务需求", "冯七", "13800000009", "", "",
         "商户", "惠民大药房", "2026/11/2", "7", "已实现", "2026/11/4 16:00", "很好"),
    need("XQ10", "2026/11/2 17:00", "汇泉路社区", "线下", "助老", "微心愿", "陈八", "13800000010", "", "",
         "", "", "", "abc", "待认领", "", ""),
]


def needs_export(path, rows, encoding="gbk"):
    return write_csv(path, [["社区居民需求（微心愿）清单 2026年11月"], NEEDS_HEADER, *rows, ["合计", "10条"], [""] * 18],
                     encoding)


def test_needs_are_counted_on_the_day_raised_with_refusals_and_warnings(warehouse, tmp_path):
    path = needs_export(tmp_path / "needs_2026-11.csv", FIRST_NEEDS)
    [result] = pipeline.load_location(warehouse, "needs", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 7, 3)

    got = figures(warehouse)
    at = lambda area, code, dim="", member="": got.get((DAY, area, code, dim, member))  # noqa: E731
    # 汇泉路社区: XQ1, XQ2, XQ3, XQ5, XQ9, XQ10 raised; XQ1, 2, 5, 9 claimed and fulfilled.
    assert at(HUIQUAN, "needs_raised") == 6 and at(HUIQUAN, "needs_claimed") == 4
    assert at(HUIQUAN, "needs_fulfilled") == 4
    # Days to fulfil: XQ1 4, XQ2 5, XQ9 2; XQ5 has no 实现时间 (a warning), so 3 timed needs.
    assert at(HUIQUAN, "needs_fulfil_days") == pytest.approx(11) and at(HUIQUAN, "needs_fulfil_timed") == 3
    # Overdue: XQ2 fulfilled 5 days after a 3-day promise; XQ3 still unclaimed past its 7 days.
    # XQ10's promise cannot be read: never overdue. XQ4 (60 days) is not due yet.
    assert at(HUIQUAN, "needs_overdue") == 2 and at(CHUANGYE, "needs_overdue") is None
    # Evaluations: XQ1 满意, XQ2 不满意; 未评价 is none, and XQ9's "很好" is unusable (a warning).
    assert at(HUIQUAN, "needs_rated") == 2 and at(HUIQUAN, "needs_satisfied") == 1
    assert at(HUIQUAN, "needs_raised", "category", "助老") == 3
    assert at(HUIQUAN, "needs_raised", "type", "微心愿") == 3
    assert {m: at(HUIQUAN, "needs_claimed", "claimer_type", m) for m in ("企业", "党员", "志愿队伍", "商户")} == \
        {"企业": 1, "党员": 1, "志愿队伍": 1, "商户": 1}
    assert at(CHUANGYE, "needs_raised") == 1 and at(CHUANGYE, "needs_claimed") == 1

    refused = reasons(warehouse)  # the title row is row 1, the header row 2
    assert {row: field for row, (field, _, _) in refused.items()} == {8: "需求编号", 9: "社区", 10: "状态"}
    assert "XQ1" in refused[8][1] and "幸福里社区" in refused[9][1] and "办理中" in refused[10][1]
    warned = reasons(warehouse, "warning")
    assert {row: field for row, (field, _, _) in warned.items()} == {7: "实现时间", 11: "评价", 12: "承诺时限(天)"}

    stored = everything_stored(warehouse)
    for personal in PERSONAL:
        assert personal not in stored, f"{personal!r} reached the warehouse"
    listed = items(warehouse)
    assert set(listed) == {"XQ1", "XQ2", "XQ3", "XQ4", "XQ5", "XQ9", "XQ10"}
    assert listed["XQ2"]["handled_by"] == "党员" and listed["XQ2"]["area_code"] == HUIQUAN
    assert listed["XQ3"]["status"] == "待认领" and listed["XQ3"]["handled_by"] is None
    assert pd.Timestamp(listed["XQ3"]["due_at"]) == pd.Timestamp("2026-11-09 11:00")
    assert listed["XQ10"]["due_at"] is None


def test_the_same_needs_export_twice_changes_nothing_and_a_correction_replaces_it(warehouse, tmp_path):
    first = needs_export(tmp_path / "needs_2026-11.csv", FIRST_NEEDS)
    pipeline.load_location(warehouse, "needs", str(first), now=NOW)
    before = figures(warehouse)
    [again] = pipeline.load_location(warehouse, "needs", str(first), now=NOW)
    assert again.status == "unchanged" and figures(warehouse) == before

    # The corrected export: XQ3 was entered by mistake, XQ4 belongs to 汇泉路社区. UTF-8 this time.
    corrected = [r for r in FIRST_NEEDS if r[0] != "XQ3"]
    corrected = [[*r[:3], "汇泉路社区", *r[4:]] if r[0] == "XQ4" else r for r in corrected]
    [result] = pipeline.load_location(warehouse, "needs", str(needs_export(tmp_path / "fixed.csv", corrected,
                                                                               "utf-8-sig")), now=NOW)
    assert result.status == "success"
    got = figures(warehouse)
    assert got[(DAY, HUIQUAN, "needs_raised", "", "")] == 6  # -XQ3 +XQ4
    assert got[(DAY, HUIQUAN, "needs_overdue", "", "")] == 1  # XQ2 only
    assert not [k for k in got if k[1] == CHUANGYE], "创业社区's need moved: nothing of it is left there"
    listed = items(warehouse)
    assert "XQ3" not in listed and listed["XQ4"]["area_code"] == HUIQUAN


# --- merchants --------------------------------------------------------------------------

MERCHANT_HEADER = ["统计月份", "街道", "社区", "商户名称", "行业", "是否联盟成员", "是否示范商户", "优惠服务项数",
                   "公益服务次数", "公益服务时长(小时)", "负责人", "联系电话"]


def merchant_export(path, rows):
    return write_csv(path, [["商居联盟商户服务情况统计表（2026年10月）"], MERCHANT_HEADER, *rows,
                            ["合计", "", "", "", "", "", "", "5", "3", "6"]])


MERCHANT_ROWS = [
    ["2026-10", "沙河街道", "汇泉路社区", "蜀香面馆", "餐饮", "是", "是", "3", "2", "4.5", "张老板", "13900000001"],
    ["2026年10月", "沙河街道", "汇泉路社区", "好邻居便利店", "零售", "是", "否", "2", "1", " 1.5 ", "李四", "13900000002"],
    ["2026-10", "沙河街道", "汇泉路社区", "阳光理发店", "生活服务", "否", "否", "0", "0", "0", "王五", "13900000003"],
    ["2026-10", "沙河街道", "创业社区", "康宁大药房", "医疗健康", "否", "否", "", "", "", "赵六", "13900000004"],
    ["2026-10", "沙河街道", "汇泉路社区", "蜀香面馆", "餐饮", "是", "否", "1", "1", "1", "张老板", "13900000001"],
    ["2026-10", "沙河街道", "汇泉路社区", "乐学书法培训", "教育培训", "否", "是", "1", "0", "0", "钱七", "13900000005"],
    ["2026-10", "沙河街道", "汇泉路社区", "巷子火锅", "娱乐", "是", "否", "1", "0", "0", "孙八", "13900000006"],
    ["2027-01", "沙河街道", "汇泉路社区", "福满花店", "其他", "是", "否", "1", "0", "0", "周九", "13900000007"],
]


def test_merchant_months_give_levels_and_flows_and_missing_is_not_zero(warehouse, tmp_path):
    path = merchant_export(tmp_path / "merchants_2026-10.csv", MERCHANT_ROWS)
    [result] = pipeline.load_location(warehouse, "merchants", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 4, 4)

    got = figures(warehouse)
    month = "2026-10-01"
    at = lambda area, code, dim="", member="": got.get((month, area, code, dim, member))  # noqa: E731
    assert at(HUIQUAN, "alliance_merchants") == 2 and at(HUIQUAN, "model_merchants") == 1
    assert at(HUIQUAN, "merchant_offers") == 5 and at(HUIQUAN, "merchant_services") == 3
    assert at(HUIQUAN, "merchant_service_hours") == pytest.approx(6.0)
    assert at(HUIQUAN, "alliance_merchants", "trade", "餐饮") == 1
    assert at(HUIQUAN, "alliance_merchants", "trade", "零售") == 1
    # 创业社区 reported a merchant that has not signed: its alliance has 0 members, a real 0.
    assert at(CHUANGYE, "alliance_merchants") == 0
    # The third community of the street sent nothing: no figure at all, not a 0.
    assert not [k for k in got if k[1] == THIRD]

    refused = reasons(warehouse)
    assert {row: field for row, (field, _, _) in refused.items()} == {
        7: "商户名称", 8: "是否示范商户", 9: "行业", 10: "统计月份"}
    stored = everything_stored(warehouse)
    for personal in ("张老板", "13900000001", "赵六", "13900000004"):
        assert personal not in stored


# --- funds ------------------------------------------------------------------------------

FUND_HEADER = ["记账日期", "街道", "社区", "收支", "类别", "项目名称", "领域", "金额(元)", "经办人", "备注"]


def fund_workbook(path, years: dict[str, list[list]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in years.items():
        sheet = book.create_sheet(name)
        sheet.append([f"社区发展治理保障资金及社区基金收支台账（{name}）"])
        sheet.append(["单位：元"])
        sheet.append(FUND_HEADER)
        for row in rows:
            sheet.append(row)
        sheet.append(["合计", "", "", "", "", "", "", 999999])
    book.save(path)
    return path


FUND_YEARS = {
    "2025年": [
        ["2025/3/10", "沙河街道", "汇泉路社区", "收入", "财政保障资金", "", "", "10万", "张会计", "上半年保障资金拨付"],
        ["2025/4/1", "沙河街道", "汇泉路社区", "收入", "企业捐赠", "", "", "12,345.00", "张会计", "蜀信科技捐赠"],
        ["2025/4/2", "沙河街道", "汇泉路社区", "支出", "项目支出", "楼道微更新", "环境微更新", "¥8,000", "张会计", "结算"],
    ],
    "2026年": [
        [datetime(2026, 3, 10), "沙河街道", "汇泉路社区", "收入", "财政保障资金", "", "", 50000, "李出纳", ""],
        ["2026-05-01", "沙河街道", "汇泉路社区", "收入", "居民自筹", "", "", "0.8万", "李出纳", "居民自筹"],
        ["2026-05-02", "沙河街道", "汇泉路社区", "收入", "个人捐赠", "", "", "1,200.50", "李出纳", "王大爷捐赠"],
        ["2026-05-03", "沙河街道", "汇泉路社区", "支出", "企业捐赠", "", "", "3000", "李出纳", ""],
        ["2026-05-04", "沙河街道", "创业社区", "支出", "运营支出", "", "其他", "待核", "李出纳", ""],
        ["2026-05-05", "沙河街道", "创业社区", "收入", "其他收入", "", "", "300", "李出纳", "废品回收"],
    ],
}


def test_a_fund_workbook_of_yearly_sheets_gives_income_spending_and_leverage(warehouse, tmp_path):
    path = fund_workbook(tmp_path / "funds.xlsx", FUND_YEARS)
    [result] = pipeline.load_location(warehouse, "funds", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (9, 7, 2)

    got = figures(warehouse)
    assert got[("2025-03-10", HUIQUAN, "fund_public_income", "", "")] == 100000
    assert got[("2025-04-01", HUIQUAN, "fund_social_income", "kind", "企业捐赠")] == pytest.approx(12345)
    assert got[("2025-04-02", HUIQUAN, "fund_spending", "domain", "环境微更新")] == 8000
    assert got[("2025-04-02", HUIQUAN, "fund_spending", "kind", "项目支出")] == 8000
    assert got[("2026-05-01", HUIQUAN, "fund_social_income", "", "")] == 8000
    assert got[("2026-05-02", HUIQUAN, "fund_income", "kind", "个人捐赠")] == pytest.approx(1200.5)
    # 其他收入 is income, neither public nor social money.
    assert got[("2026-05-05", CHUANGYE, "fund_income", "", "")] == 300
    assert ("2026-05-05", CHUANGYE, "fund_social_income", "", "") not in got
    social_2026 = sum(v for k, v in got.items() if k[0] >= "2026" and k[2] == "fund_social_income" and not k[3])
    public_2026 = sum(v for k, v in got.items() if k[0] >= "2026" and k[2] == "fund_public_income" and not k[3])
    assert (social_2026, public_2026) == (pytest.approx(9200.5), 50000)

    refused = reasons(warehouse)
    # Rows are numbered through the workbook: the 2025 sheet has 7 rows (2 title rows, the
    # header, 3 entries, 合计), so the 2026 sheet's row 7 is row 14; 工作表 says where it is.
    assert {row: field for row, (field, _, _) in refused.items()} == {14: "类别", 15: "金额(元)"}
    assert json.loads(refused[14][2])["工作表"].startswith("2026年 第7行")
    assert "待核" in refused[15][1]
    stored = everything_stored(warehouse)
    for personal in ("张会计", "李出纳", "王大爷捐赠", "上半年保障资金拨付"):
        assert personal not in stored


def test_a_corrected_fund_workbook_replaces_the_first(warehouse, tmp_path):
    pipeline.load_location(warehouse, "funds", str(fund_workbook(tmp_path / "a.xlsx", FUND_YEARS)), now=NOW)
    fixed = {"2025年": FUND_YEARS["2025年"][:1] + FUND_YEARS["2025年"][2:], "2026年": FUND_YEARS["2026年"]}
    pipeline.load_location(warehouse, "funds", str(fund_workbook(tmp_path / "b.xlsx", fixed)), now=NOW)
    got = figures(warehouse)
    assert not [k for k in got if k[0] == "2025-04-01"], "the donation taken out of the ledger is gone"
    assert got[("2025-03-10", HUIQUAN, "fund_public_income", "", "")] == 100000  # not doubled


# --- the API answers the new metrics, rolled up as the catalogue says --------------------

@pytest.fixture
def sample_warehouse(warehouse_url, tmp_path):
    generate(tmp_path / "samples", end=date(2026, 12, 4), months=4, streets=[SHAHE],
             sources=["needs", "merchants", "funds"])
    engine = db.get_engine(warehouse_url)
    load_catalog(engine)
    for source in ("needs", "merchants", "funds"):
        pipeline.load_location(engine, source, str(tmp_path / "samples" / source), now=NOW)
    return engine


def _facts(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(fact).where(fact.c.dimension == "")).mappings().all())
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def test_the_api_rolls_the_new_metrics_up_from_the_fact_table(warehouse_url, sample_warehouse):
    facts = _facts(sample_warehouse)
    start, end = pd.Timestamp("2026-09-01"), pd.Timestamp("2026-11-30")
    window = facts[(facts.period >= start) & (facts.period <= end)]

    def total(code, area=SHAHE, frame=window):
        return frame[(frame.metric_code == code) & frame.area_code.str.startswith(area[:9] if area == SHAHE else area)
                     ]["value"].sum()

    november = facts[facts.period == pd.Timestamp("2026-11-01")]
    expected = {
        "needs_raised": total("needs_raised"),
        "needs_satisfaction_rate": total("needs_satisfied") / total("needs_rated"),
        "needs_fulfilment_rate": total("needs_fulfilled") / total("needs_raised"),
        "fund_leverage": total("fund_social_income") / total("fund_public_income"),
        "fund_spending": total("fund_spending"),
    }
    # A stock over a period is each community's latest level in it, summed over communities.
    levels = november[november.metric_code == "alliance_merchants"]
    assert levels.area_code.nunique() > 3 and (levels.value > 0).all()
    with api_app(warehouse_url, "api-cobuild") as app:
        client = app.test_client()
        for code, value in expected.items():
            answer = client.get(f"/api/v1/value?metric={code}&area={SHAHE}&start=2026-09-01&end=2026-11-30").get_json()
            assert answer["value"] == pytest.approx(value), code
            assert answer["metric"]["domain"] == "cobuild"
        answer = client.get(f"/api/v1/value?metric=alliance_merchants&area={SHAHE}&start=2026-11-01&end=2026-11-30")
        assert answer.get_json()["value"] == pytest.approx(levels.value.sum())
        answer = client.get(f"/api/v1/value?metric=needs_raised&area={HUIQUAN}&start=2026-09-01&end=2026-11-30")
        assert answer.get_json()["value"] == pytest.approx(total("needs_raised", HUIQUAN))
        listed = client.get("/api/v1/metrics?domain=cobuild").get_json()
        assert {"needs_satisfaction_rate", "fund_leverage", "alliance_merchants"} <= {m["code"] for m in listed["metrics"]}


def test_samples_carry_the_mess_and_agree_with_the_seeds(tmp_path):
    """南山国际化社区 (华阳街道) has its 80 signed merchants, 10 of them model merchants; the
    exports come in GBK with title and 合计 rows and carry the personal data the ETL drops."""
    written = generate(tmp_path, end=date(2026, 12, 4), months=3, streets=["510116004000"],
                       sources=["needs", "merchants", "funds"])
    merchants_csv = written["merchants"][-1]
    raw = merchants_csv.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("gbk").splitlines()
    assert lines[0].startswith("商居联盟商户服务情况统计表") and any(line.startswith("合计") for line in lines)
    frame = pd.read_csv(merchants_csv, encoding="gbk", skiprows=1, dtype=str)
    nanshan = frame[frame["社区"].str.replace(" ", "").eq("南山国际化社区")]
    assert (nanshan["是否联盟成员"] == "是").sum() == 80 and (nanshan["是否示范商户"] == "是").sum() == 10
    assert nanshan["联系电话"].str.fullmatch(r"1\d{10}").all()  # personal data, for the ETL to drop
    needs_files = [p.suffix for p in written["needs"]]
    assert {".csv", ".xlsx"} <= set(needs_files)
    book = openpyxl.load_workbook(written["funds"][0])
    assert book.sheetnames == ["2026年"] and book["2026年"]["A2"].value == "单位：元"
    amounts = [row[7] for row in book["2026年"].iter_rows(min_row=4, values_only=True) if row[0] != "合计"]
    assert any(isinstance(a, str) and a.endswith("万") for a in amounts)
    assert any(isinstance(a, str) and "," in a for a in amounts)
