"""What messy exports write for an area, and the code the matcher makes of it."""
from __future__ import annotations

import pandas as pd
import pytest

from data.catalog import load_catalog
from etl.areamatch import AreaMatcher, normalize_text

HUIQUANLU = "510104011001"


@pytest.fixture(scope="module")
def matcher():
    return AreaMatcher.from_register()


@pytest.fixture
def namesakes():
    """Two streets in two districts, each with a 红旗社区 (as happens in real registers)."""
    return AreaMatcher(pd.DataFrame([
        ("510100000000", "成都市", "city", None),
        ("510104000000", "锦江区", "district", "510100000000"),
        ("510104011000", "沙河街道", "street", "510104000000"),
        ("510104011001", "红旗社区", "community", "510104011000"),
        ("510104011001001", "红旗社区第1网格", "grid", "510104011001"),
        ("510117000000", "郫都区", "district", "510100000000"),
        ("510117007000", "德源街道", "street", "510117000000"),
        ("510117007001", "红旗社区", "community", "510117007000"),
        ("510117007001001", "红旗社区第1网格", "grid", "510117007001"),
        ("510117007002", "德安社区", "community", "510117007000"),
    ], columns=["code", "name", "level", "parent_code"]))


@pytest.mark.parametrize("raw, clean", [
    ("  汇泉路社区 ", "汇泉路社区"),
    ("汇泉路　社区", "汇泉路社区"),  # ideographic space inside
    ("汇泉路\u200b社区", "汇泉路社区"),  # zero-width space from a web form
    ("ＡＢＣ  １２３", "ABC 123"),  # full-width letters and digits
    ("Shahe   Subdistrict", "Shahe Subdistrict"),
    ("（沙河）", "(沙河)"),
    (None, ""),
    (float("nan"), ""),
    (pd.NA, ""),
])
def test_normalize_text_makes_what_a_person_sees(raw, clean):
    assert normalize_text(raw) == clean


@pytest.mark.parametrize("written", [
    "汇泉路社区",
    "汇泉路",
    " 汇泉路 社区 ",
    "汇泉路　社区",
    "汇泉路社区居委会",
    "汇泉路社区居民委员会",
    HUIQUANLU,
    "５１０１０４０１１００１",
    "510104011001.0",
])
def test_a_community_is_found_however_the_export_spells_it(matcher, written):
    assert matcher.community(written) == (HUIQUANLU, None)


def test_street_and_district_hints_are_spelled_loosely_too(matcher):
    assert matcher.community("德安", street="德源街道办事处", district="郫都").code == "510117007002"
    assert matcher.community("德安社区", street="德源", district="郫都区").code == "510117007002"


def test_an_unknown_community_is_refused_with_a_reason_for_the_reject_table(matcher):
    code, reason = matcher.community("某某社区")
    assert code is None
    assert reason == "社区 '某某社区' 不在区划登记中 / community not in the area register"
    assert matcher.community("  ") == (None, "社区为空 / community is empty")


def test_namesakes_are_told_apart_by_street_or_district(namesakes):
    code, reason = namesakes.community("红旗社区")
    assert code is None
    assert "有重名" in reason and "沙河街道" in reason and "德源街道" in reason and "ambiguous" in reason
    assert namesakes.community("红旗", street="沙河街道").code == "510104011001"
    assert namesakes.community("红旗社区", street="德源街道").code == "510117007001"
    assert namesakes.community("红旗社区", district="郫都区").code == "510117007001"
    assert namesakes.community("德安").code == "510117007002"  # only one 德安: no street needed


def test_a_street_that_contradicts_the_community_is_refused(namesakes):
    code, reason = namesakes.community("德安社区", street="沙河街道")
    assert code is None
    assert reason.startswith("社区 '德安社区' 不在街道 '沙河街道' 下")
    code, reason = namesakes.community("红旗社区", street="春熙路街道")
    assert code is None and "街道 '春熙路街道' 不在区划登记中" in reason


def test_a_street_name_shared_by_two_districts_needs_the_district(matcher):
    assert matcher.street("青龙街道").code == "510108013000"  # the full name is unique
    code, reason = matcher.street("青龙")  # 青龙街道 in 成华区 and 青龙镇 in 简阳市
    assert code is None and "成华区" in reason and "简阳市" in reason
    assert matcher.street("青龙", district="成华区").code == "510108013000"
    assert matcher.district("郫都").code == "510117000000"


@pytest.mark.parametrize("number, name, community", [
    ("510104011001003", None, None),
    ("510104011001003.0", "", "汇泉路社区"),
    (None, "汇泉路社区第3网格", None),
    (None, "汇泉路社区 第 3 网格", None),
    (None, "汇泉路第三网格", None),
    (None, "汇泉路社区第03网格", None),
    ("3", None, "汇泉路社区"),
    (None, "第3网格", "汇泉路"),
    ("not a code", "汇泉路社区第3网格", "汇泉路社区"),
])
def test_a_grid_cell_is_found_by_its_number_or_its_name(matcher, number, name, community):
    assert matcher.grid(number, name, community=community) == (HUIQUANLU + "003", None)


def test_grid_cells_that_do_not_exist_or_do_not_fit_are_refused(matcher, namesakes):
    code, reason = matcher.grid(name="汇泉路社区第99网格")
    assert code is None and "没有第99网格" in reason
    code, reason = matcher.grid("3")
    assert code is None and "缺少所属社区" in reason
    code, reason = matcher.grid("510104011001003", community="锦华社区")
    assert code is None and "不在社区 '锦华社区' 下" in reason
    assert matcher.grid() == (None, "网格编号和网格名称都为空 / grid number and name are both empty")
    assert namesakes.grid(name="红旗社区第1网格").reason.startswith("网格 '红旗社区第1网格' 有重名")
    assert namesakes.grid(name="红旗社区第1网格", street="德源街道").code == "510117007001001"


def test_the_matcher_built_from_the_warehouse_agrees_with_the_register(engine, matcher):
    load_catalog(engine)
    from_table = AreaMatcher.from_engine(engine)
    for written in ("汇泉路", "德安社区", "南山国际化社区", "某某社区"):
        assert from_table.community(written) == matcher.community(written)
    assert from_table.grid(name="汇泉路第三网格") == matcher.grid(name="汇泉路第三网格")
