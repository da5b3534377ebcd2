"""The area tree: look-ups, breadcrumbs, search, population, and the content that follows it.

    510100000000 成都市
      510104000000 锦江区
        510104011000 沙河街道            population 60000 (stored)
          510104011001 汇泉路社区        population none; grids 1200 + 800
            510104011001001, 510104011001002
          510104011002 东光社区          population 5000
        510104012000 邻街街道            population none, no communities
"""
from datetime import date, datetime

import pytest
from sqlalchemy import insert

from data import areas, content, labels
from data.schema import area as area_table
from data.schema import content as content_table

CITY, DISTRICT = "510100000000", "510104000000"
STREET, OTHER_STREET = "510104011000", "510104012000"
HUIQUAN, DONGGUANG = "510104011001", "510104011002"
GRID1, GRID2 = "510104011001001", "510104011001002"

TREE = [
    (CITY, "成都市", "Chengdu", "city", None, None),
    (DISTRICT, "锦江区", "Jinjiang District", "district", CITY, None),
    (STREET, "沙河街道", "Shahe Subdistrict", "street", DISTRICT, 60000),
    (OTHER_STREET, "邻街街道", "Neighbour Subdistrict", "street", DISTRICT, None),
    (DONGGUANG, "东光社区", "Dongguang Community", "community", STREET, 5000),
    (HUIQUAN, "汇泉路社区", "Huiquanlu Community", "community", STREET, None),
    (GRID2, "汇泉路第二网格", "Huiquanlu Grid 2", "grid", HUIQUAN, 800),
    (GRID1, "汇泉路第一网格", "Huiquanlu Grid 1", "grid", HUIQUAN, 1200),
]


@pytest.fixture
def tree(engine):
    with engine.begin() as conn:
        conn.execute(insert(area_table), [
            {"code": c, "name": n, "name_en": en, "level": lv, "parent_code": p, "population": pop, "is_sample": True}
            for c, n, en, lv, p, pop in TREE
        ])
    return engine


def test_get_returns_the_register_row(tree):
    row = areas.get(STREET, engine=tree)
    assert row["name"] == "沙河街道" and row["level"] == "street" and row["parent_code"] == DISTRICT
    assert {"code", "name", "name_en", "level", "parent_code", "population", "households", "lon", "lat",
            "is_sample"} <= set(row)
    assert areas.get("510104099000", engine=tree) is None


def test_children_are_ordered_by_code(tree):
    assert [c["code"] for c in areas.children(STREET, engine=tree)] == [HUIQUAN, DONGGUANG]
    assert [c["code"] for c in areas.children(HUIQUAN, engine=tree)] == [GRID1, GRID2]
    assert areas.children(GRID1, engine=tree) == []


def test_ancestors_make_a_breadcrumb_from_the_city_down(tree):
    crumbs = [a["name"] for a in areas.ancestors(GRID2, engine=tree)]
    assert crumbs == ["成都市", "锦江区", "沙河街道", "汇泉路社区", "汇泉路第二网格"]
    assert [a["code"] for a in areas.ancestors(CITY, engine=tree)] == [CITY]
    with pytest.raises(areas.UnknownArea):
        areas.ancestors("510104099000", engine=tree)


def test_subtree_prefixes_by_level():
    assert areas.subtree_prefix(CITY, "city") == "5101"
    assert areas.subtree_prefix(DISTRICT, "district") == "510104"
    assert areas.subtree_prefix(STREET, "street") == "510104011"
    assert areas.subtree_prefix(HUIQUAN, "community") == HUIQUAN
    assert areas.subtree_prefix(GRID1, "grid") == GRID1
    with pytest.raises(ValueError, match="level"):
        areas.subtree_prefix(STREET, "village")


def test_codes_imply_their_ancestors():
    assert areas.implied_ancestor_codes(GRID1) == [HUIQUAN, STREET, DISTRICT, CITY]
    assert areas.implied_ancestor_codes(STREET) == [DISTRICT, CITY]
    assert areas.implied_ancestor_codes(CITY) == []


def test_search_by_chinese_english_or_code(tree):
    assert [a["code"] for a in areas.search("汇泉路", engine=tree)] == [HUIQUAN, GRID1, GRID2]
    assert [a["code"] for a in areas.search("shahe", engine=tree)] == [STREET]
    assert areas.search("510104012", engine=tree)[0]["code"] == OTHER_STREET
    assert len(areas.search("社区", limit=1, engine=tree)) == 1
    assert areas.search("   ", engine=tree) == []
    assert areas.search("100%", engine=tree) == []  # wildcards in the text are plain characters


def test_population_is_stored_or_rolled_up_from_below(tree):
    assert areas.population(STREET, engine=tree) == 60000  # stored wins over the sum below
    assert areas.population(HUIQUAN, engine=tree) == 1200 + 800
    assert areas.population(DISTRICT, engine=tree) == 60000  # the other street knows nothing
    assert areas.population(OTHER_STREET, engine=tree) is None
    with pytest.raises(areas.UnknownArea):
        areas.population("510104099000", engine=tree)


def test_a_league_reads_every_childs_population_at_once_by_the_same_rule(tree):
    assert areas.populations(STREET, engine=tree) == {HUIQUAN: 1200 + 800, DONGGUANG: 5000}
    assert areas.populations(DISTRICT, engine=tree) == {STREET: 60000, OTHER_STREET: None}
    assert areas.populations(GRID1, engine=tree) == {}
    for parent in (CITY, DISTRICT, STREET, HUIQUAN):
        assert areas.populations(parent, engine=tree) == {
            child["code"]: areas.population(child["code"], engine=tree) for child in areas.children(parent, engine=tree)}
    with pytest.raises(areas.UnknownArea):
        areas.populations("510104099000", engine=tree)
    # A league's rows, whichever of them the subtree holds: the same figures, a row outside it too.
    rows = [DONGGUANG, HUIQUAN, STREET]
    assert areas.population_each(STREET, rows, engine=tree) == {
        code: areas.population(code, engine=tree) for code in rows}


def test_a_breadcrumb_follows_parent_links_the_codes_do_not_imply(tree):
    # A community registered under a street its digits do not name: its breadcrumb is the register's.
    with tree.begin() as conn:
        conn.execute(insert(area_table), [{"code": "510104012005", "name": "迁入社区", "name_en": None,
                                           "level": "community", "parent_code": STREET, "population": 300,
                                           "is_sample": True}])
    assert [a["code"] for a in areas.ancestors("510104012005", engine=tree)] == [CITY, DISTRICT, STREET, "510104012005"]


def test_labels_translate_members_and_domains():
    assert labels.label("自助终端", "en") == "Self-service terminal"
    assert labels.label("自助终端", "zh") == "自助终端"
    assert labels.label("60+", "zh") == "60岁及以上"
    assert labels.label("一种新类别", "en") == "一种新类别"
    assert labels.label("party", "zh") == "党建" and labels.label("governance", "en") == "Governance"
    assert labels.label("治理", "en-GB") == "Governance"


# ---------------------------------------------------------------- content follows the tree

def add_content(engine, *rows):
    with engine.begin() as conn:
        conn.execute(insert(content_table), [
            {"kind": "news", "title": "t", "area_code": None, "published_at": None, "starts_at": None,
             "ends_at": None, **row}
            for row in rows
        ])


@pytest.fixture
def notices(tree):
    add_content(
        tree,
        {"kind": "notice", "title": "全市通知", "area_code": CITY, "published_at": datetime(2025, 3, 1, 9)},
        {"kind": "news", "title": "街道新闻", "area_code": STREET, "published_at": datetime(2025, 3, 5, 9)},
        {"kind": "news", "title": "汇泉路新闻", "area_code": HUIQUAN, "published_at": datetime(2025, 3, 7, 9)},
        {"kind": "news", "title": "东光新闻", "area_code": DONGGUANG, "published_at": datetime(2025, 3, 6, 9)},
        {"kind": "news", "title": "邻街新闻", "area_code": OTHER_STREET, "published_at": datetime(2025, 3, 8, 9)},
        {"kind": "guide", "title": "办事指引", "area_code": STREET, "published_at": datetime(2025, 1, 1)},
    )
    return tree


def titles(rows):
    return [r["title"] for r in rows]


def test_a_community_sees_its_own_and_everything_aimed_above_it(notices):
    got = content.items(["news", "notice"], HUIQUAN, engine=notices)
    assert titles(got) == ["汇泉路新闻", "街道新闻", "全市通知"]


def test_a_street_also_sees_its_communities_but_not_the_neighbours(notices):
    got = content.items(["news", "notice"], STREET, engine=notices)
    assert titles(got) == ["汇泉路新闻", "东光新闻", "街道新闻", "全市通知"]
    assert titles(content.items("guide", STREET, engine=notices)) == ["办事指引"]


def test_items_by_publication_window_and_limit(notices):
    got = content.items("news", None, since=date(2025, 3, 6), until=date(2025, 3, 7), engine=notices)
    assert titles(got) == ["汇泉路新闻", "东光新闻"]
    assert titles(content.items("news", None, limit=1, engine=notices)) == ["邻街新闻"]


def test_content_arguments_are_checked(notices):
    with pytest.raises(ValueError, match="kinds"):
        content.items("gossip", STREET, engine=notices)
    with pytest.raises(ValueError, match="limit"):
        content.items("news", STREET, limit=0, engine=notices)
    with pytest.raises(areas.UnknownArea):
        content.items("news", "510104099000", engine=notices)


def test_upcoming_activities_in_order_of_start(tree):
    add_content(
        tree,
        {"kind": "activity", "title": "周末亲子活动", "area_code": DONGGUANG,
         "starts_at": datetime(2025, 3, 15, 9), "ends_at": datetime(2025, 3, 15, 11)},
        {"kind": "activity", "title": "书法展(一周)", "area_code": STREET,
         "starts_at": datetime(2025, 3, 8, 9), "ends_at": datetime(2025, 3, 14, 17)},
        {"kind": "activity", "title": "上周活动", "area_code": HUIQUAN,
         "starts_at": datetime(2025, 3, 3, 9), "ends_at": datetime(2025, 3, 3, 11)},
        {"kind": "activity", "title": "微党课", "area_code": HUIQUAN, "starts_at": datetime(2025, 3, 10, 14)},
        {"kind": "activity", "title": "邻街活动", "area_code": OTHER_STREET, "starts_at": datetime(2025, 3, 11, 9)},
    )
    week = content.upcoming(STREET, date(2025, 3, 10), date(2025, 3, 16), engine=tree)
    assert titles(week) == ["书法展(一周)", "微党课", "周末亲子活动"]
    assert titles(content.upcoming(HUIQUAN, date(2025, 3, 10), date(2025, 3, 16), engine=tree)) == [
        "书法展(一周)", "微党课"]
