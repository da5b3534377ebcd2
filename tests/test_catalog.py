"""The area register and the metric catalogue: what ships, what is refused, how it loads."""
from __future__ import annotations

import csv
import re
import shutil
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from data import catalog, schema, settings
from data.catalog import CatalogError, load_catalog, read_areas, read_metrics
from etl import register

REFERENCE = settings.catalog_dir()


def read_csv(name):
    with open(REFERENCE / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def areas():
    return read_areas()


@pytest.fixture(scope="module")
def children(areas):
    result = defaultdict(list)
    for row in areas.itertuples(index=False):
        result[row.parent_code].append(row)
    return result


# --- the committed register ----------------------------------------------------------------

def test_committed_register_is_exactly_what_the_builder_makes():
    committed = (REFERENCE / "areas.csv").read_text(encoding="utf-8")
    assert register.render_csv(register.build_areas()) == committed, "run: python -m etl.register"
    assert register.main(["--check"]) == 0


def test_register_has_the_contract_columns(areas):
    header = (REFERENCE / "areas.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "code,name,name_en,level,parent_code,population,households,lon,lat,is_sample"
    assert Counter(areas.level)["city"] == 1
    assert Counter(areas.level)["district"] == 20
    assert Counter(areas.level)["street"] == 261


def test_every_real_division_is_present_with_its_real_code(areas):
    real = areas[~areas.is_sample].fillna({"parent_code": ""})
    register_rows = {(r.code, r.name, r.level, r.parent_code) for r in real.itertuples(index=False)}
    divisions = {(d["code"], d["name"], d["level"], d["parent_code"]) for d in read_csv("chengdu_divisions.csv")}
    assert register_rows == divisions
    assert len(divisions) == 1 + 20 + 261


def test_seed_communities_sit_under_their_real_streets_with_the_lowest_numbers(children):
    seeds = read_csv("seed_communities.csv")
    by_street = defaultdict(list)
    for seed in seeds:
        by_street[seed["street_code"]].append(seed["community"])
    assert len(by_street) == 15
    for street_code, names in by_street.items():
        communities = sorted(children[street_code], key=lambda r: r.code)
        assert [c.name for c in communities[: len(names)]] == names
        assert [c.code for c in communities[: len(names)]] == [f"{street_code[:9]}{n:03d}" for n in range(1, len(names) + 1)]


def test_seed_streets_have_5_to_15_communities_with_real_looking_names(areas, children):
    seed_streets = {s["street_code"] for s in read_csv("seed_communities.csv")}
    counts = []
    for street_code in seed_streets:
        communities = children[street_code]
        counts.append(len(communities))
        names = [c.name for c in communities]
        assert 5 <= len(communities) <= 15
        assert len(set(names)) == len(names), f"names repeat under {street_code}"
        assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,8}社区", n) for n in names), names
    assert len(set(counts)) > 3, "the number of communities per street should vary"
    # Only the seed streets carry communities: other streets wait for real registers.
    community_parents = set(areas.loc[areas.level == "community", "parent_code"])
    assert community_parents == seed_streets


def test_grid_cells_extend_their_community_code_and_split_its_population(areas, children):
    communities = areas[areas.level == "community"]
    for community in communities.itertuples(index=False):
        grids = sorted(children[community.code], key=lambda r: r.code)
        assert 6 <= len(grids) <= 12
        for number, grid in enumerate(grids, start=1):
            assert grid.level == "grid" and grid.is_sample
            assert grid.code == f"{community.code}{number:03d}"
            assert grid.name == f"{community.name}第{number}网格"
            assert grid.name_en == f"{community.name_en} Grid {number}"
        assert sum(g.population for g in grids) == community.population
        assert sum(g.households for g in grids) == community.households


def test_populations_are_plausible_and_only_where_they_are_not_summed(areas):
    communities = areas[areas.level == "community"]
    assert communities.population.between(3_000, 30_000).all()
    persons_per_household = communities.population / communities.households
    assert persons_per_household.between(2.3, 3.0).all()
    assert communities.is_sample.all()
    de_an = communities[communities.name == "德安社区"].iloc[0]
    assert de_an.population == 10_000  # seed_facts.csv: over 1 wan residents
    upper = areas[areas.level.isin(["city", "district", "street"])]
    assert upper.population.isna().all() and upper.households.isna().all()


@pytest.mark.parametrize("name, expected", [
    ("成都市", "Chengdu"),
    ("春熙路街道", "Chunxilu Subdistrict"),
    ("西安路街道", "Xi'anlu Subdistrict"),
    ("安西镇", "Anxi Town"),
    ("郫都区", "Pidu District"),
    ("新都区", "Xindu District"),
    ("金堂县", "Jintang County"),
    ("都江堰市", "Dujiangyan City"),
    ("汇泉路社区", "Huiquanlu Community"),
    ("汇泉路社区第3网格", "Huiquanlu Community Grid 3"),
])
def test_english_names_follow_pinyin_and_the_designation(areas, name, expected):
    assert areas.loc[areas.name == name, "name_en"].tolist() == [expected]


def test_every_area_lies_inside_its_district_outline(areas):
    outlines = register.read_outlines(REFERENCE / "chengdu_districts.geojson")
    below_city = areas[areas.level != "city"]
    outside = [row.name for row in below_city.itertuples(index=False)
               if not outlines[row.code[:6] + "000000"].contains(row.lon, row.lat)]
    assert outside == []
    jinjiang = outlines["510104000000"].centroid
    district = areas[areas.code == "510104000000"].iloc[0]
    assert (district.lon, district.lat) == (round(jinjiang[0], 5), round(jinjiang[1], 5))


def test_the_builder_reads_only_the_reference_files(tmp_path):
    for name in ("chengdu_divisions.csv", "chengdu_districts.geojson", "seed_communities.csv"):
        shutil.copy(REFERENCE / name, tmp_path / name)
    assert register.render_csv(register.build_areas(tmp_path)) == (REFERENCE / "areas.csv").read_text(encoding="utf-8")


# --- the metric catalogue -------------------------------------------------------------------

def test_the_shipped_metric_catalogue_is_valid():
    metrics = read_metrics()
    assert len(metrics) == 83  # 76 + the 7 distinct counts of people (issue 16)
    ratios = metrics[metrics.kind == "ratio"]
    kinds = dict(zip(metrics.code, metrics.kind))
    assert {kinds[c] for c in ratios.numerator} | {kinds[c] for c in ratios.denominator} == {"flow"}
    core = {"hotline_received", "hotline_on_time_rate", "party_members", "activity_participants", "elderly_meals"}
    assert core <= set(metrics.code)


METRIC_HEADER = "code,domain,name,name_en,unit,unit_en,kind,numerator,denominator,target,better,dimensions,source,description"
GOOD_METRICS = [
    "hotline_received,governance,12345受理,Work orders received,件,orders,flow,,,,lower,category,hotline,",
    "hotline_resolved,governance,12345办结,Work orders resolved,件,orders,flow,,,,higher,,hotline,",
    "party_members,party,党员总数,Party members,人,members,stock,,,,higher,,party,",
    "hotline_resolution_rate,governance,办结率,Resolution rate,%,%,ratio,hotline_resolved,hotline_received,0.9,higher,,,",
]


def write(path, header, rows):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_small_valid_catalogue_reads_with_numbers_as_numbers(tmp_path):
    metrics = read_metrics(write(tmp_path / "metrics.csv", METRIC_HEADER, GOOD_METRICS))
    assert list(metrics.code) == ["hotline_received", "hotline_resolved", "party_members", "hotline_resolution_rate"]
    assert metrics.loc[3, "target"] == 0.9


@pytest.mark.parametrize("line, reason", [
    ("bad_kind,governance,坏,Bad,件,x,level,,,,higher,,hotline,", "unknown kind 'level'"),
    ("bad_domain,health,坏,Bad,件,x,flow,,,,higher,,hotline,", "unknown domain 'health'"),
    ("bad_better,party,坏,Bad,件,x,flow,,,,more,,party,", "unknown better 'more'"),
    ("Hotline-Open,governance,坏,Bad,件,x,flow,,,,lower,,hotline,", "'Hotline-Open' is not lowercase_with_underscores"),
    ("hotline_received,governance,重复,Again,件,x,flow,,,,lower,,hotline,",
     "duplicate code 'hotline_received' (first on line 2)"),
    ("lonely_rate,governance,坏,Bad,%,%,ratio,,hotline_received,,higher,,,", "a ratio needs a numerator flow"),
    ("member_rate,party,坏,Bad,%,%,ratio,party_members,hotline_received,,higher,,,",
     "'party_members' is a stock, a ratio needs a flow"),
    ("ghost_rate,governance,坏,Bad,%,%,ratio,hotline_received,ghost_count,,higher,,,",
     "'ghost_count' is not a metric in this file"),
    ("wrong_target,governance,坏,Bad,%,%,ratio,hotline_resolved,hotline_received,high,higher,,,",
     "'high' is not a number"),
])
def test_a_broken_metric_names_the_file_the_line_and_the_reason(tmp_path, line, reason):
    path = write(tmp_path / "metrics.csv", METRIC_HEADER, [*GOOD_METRICS, line])
    with pytest.raises(CatalogError) as caught:
        read_metrics(path)
    message = str(caught.value)
    assert str(path) in message and "line 6" in message and reason in message
    assert caught.value.problems[0].line == 6


def test_a_missing_column_is_refused_at_the_header(tmp_path):
    path = write(tmp_path / "metrics.csv", METRIC_HEADER.replace(",kind", ""), [])
    with pytest.raises(CatalogError, match=r"line 1, field 'kind': required column is missing"):
        read_metrics(path)


AREA_HEADER = "code,name,name_en,level,parent_code,population,households,lon,lat,is_sample"
GOOD_AREAS = [
    "510100000000,成都市,Chengdu,city,,,,104.06,30.66,false",
    "510104000000,锦江区,Jinjiang District,district,510100000000,,,104.11,30.60,false",
    "510104011000,沙河街道,Shahe Subdistrict,street,510104000000,,,104.13,30.61,false",
    "510104011001,汇泉路社区,Huiquanlu Community,community,510104011000,9000,3500,104.13,30.60,true",
    "510104011001001,汇泉路社区第1网格,Huiquanlu Community Grid 1,grid,510104011001,4500,1750,104.13,30.60,true",
]


@pytest.mark.parametrize("line, reason", [
    ("510104011002,桂溪社区,,village,510104011000,,,,,true", "unknown level 'village'"),
    ("510104011002,桂溪社区,,community,510104012000,,,,,true", "parent '510104012000' is missing from the register"),
    ("510105011002,桂溪社区,,community,510104011000,,,,,true", "does not extend its parent's prefix 510104011"),
    ("510104011001,汇泉路社区,,community,510104011000,,,,,true", "duplicate code '510104011001' (first on line 5)"),
    ("51010401100102,网格,,grid,510104011001,,,,,true", "'51010401100102' is not a 15-digit grid code"),
    ("510104011002,桂溪社区,,community,510104000000,,,,,true", "a community's parent must be a street"),
    ("510104011002,桂溪社区,,community,510104011000,many,,,,true", "'many' is not a whole number"),
    ("510104011002,桂溪社区,,community,510104011000,,,,,maybe", "'maybe' is not true or false"),
])
def test_a_broken_area_names_the_file_the_line_and_the_reason(tmp_path, line, reason):
    path = write(tmp_path / "areas.csv", AREA_HEADER, [*GOOD_AREAS, line])
    with pytest.raises(CatalogError) as caught:
        read_areas(path)
    message = str(caught.value)
    assert str(path) in message and "line 7" in message and reason in message


def test_a_small_valid_register_reads_with_types(tmp_path):
    areas = read_areas(write(tmp_path / "areas.csv", AREA_HEADER, GOOD_AREAS))
    grid = areas.iloc[4]
    assert grid.population == 4500 and bool(grid.is_sample) is True and grid.lat == 30.60
    assert areas.population.isna().sum() == 3


# --- loading into the warehouse -------------------------------------------------------------

def table_count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_load_catalog_inserts_then_changes_nothing_then_updates_only_the_edit(engine, tmp_path):
    metrics_file = shutil.copy(REFERENCE / "metrics.csv", tmp_path / "metrics.csv")
    areas_file = shutil.copy(REFERENCE / "areas.csv", tmp_path / "areas.csv")
    n_areas, n_metrics = len(read_areas(areas_file)), len(read_metrics(metrics_file))

    first = load_catalog(engine, metrics_file, areas_file)
    assert first == {"metric": {"inserted": n_metrics, "updated": 0, "unchanged": 0},
                     "area": {"inserted": n_areas, "updated": 0, "unchanged": 0}}
    again = load_catalog(engine, metrics_file, areas_file)
    assert set(again) == {"unchanged"}, "the same files are recognised by checksum and nothing is written"

    text = metrics_file.read_text(encoding="utf-8").replace("Party members on the register", "Members on the register")
    metrics_file.write_text(text, encoding="utf-8")
    edited = load_catalog(engine, metrics_file, areas_file)
    assert edited["metric"] == {"inserted": 0, "updated": 1, "unchanged": n_metrics - 1}
    assert table_count(engine, schema.metric) == n_metrics and table_count(engine, schema.area) == n_areas

    with engine.connect() as conn:
        description = conn.execute(select(schema.metric.c.description)
                                   .where(schema.metric.c.code == "party_members")).scalar()
        de_an = conn.execute(select(schema.area).where(schema.area.c.name == "德安社区")).mappings().one()
    assert description.startswith("Members on the register")
    assert de_an["population"] == 10_000 and de_an["is_sample"] is True and de_an["level"] == "community"


def test_register_updates_from_the_areas_source_survive_an_unchanged_catalogue(engine, tmp_path):
    """The ETL loads the catalogue before every command; it must not undo the areas source."""
    from sqlalchemy import update

    load_catalog(engine)
    with engine.begin() as conn:
        conn.execute(update(schema.area).where(schema.area.c.name == "德安社区").values(population=12_345))
    assert set(load_catalog(engine)) == {"unchanged"}
    with engine.connect() as conn:
        population = conn.execute(select(schema.area.c.population).where(schema.area.c.name == "德安社区")).scalar()
    assert population == 12_345


def test_loading_a_changed_catalogue_moves_the_data_version(engine, tmp_path):
    """Pages cache by data version; a changed catalogue must reach them like a load does."""
    from data import query

    load_catalog(engine)
    before = query.data_version(engine=engine)
    metrics_file = shutil.copy(REFERENCE / "metrics.csv", tmp_path / "metrics.csv")
    text = metrics_file.read_text(encoding="utf-8").replace("Party members on the register", "Members on the register")
    metrics_file.write_text(text, encoding="utf-8")
    load_catalog(engine, metrics_file)
    assert query.data_version(engine=engine) > before


def test_a_broken_catalogue_leaves_the_warehouse_untouched(engine, tmp_path):
    broken = write(tmp_path / "metrics.csv", METRIC_HEADER, [*GOOD_METRICS, GOOD_METRICS[0]])
    with pytest.raises(CatalogError, match="duplicate code"):
        load_catalog(engine, broken, catalog.areas_path())
    assert table_count(engine, schema.metric) == 0 and table_count(engine, schema.area) == 0


def test_each_metric_has_a_grain_and_stocks_a_carry_forward_window():
    """DOMAIN.md "Grain": the party report is monthly, so is every ratio of its flows; the
    hotline is daily. A stock's latest report may stand in for a late one for carry_months."""
    metrics = read_metrics().set_index("code")
    assert set(metrics.grain) == {"day", "month"}
    assert metrics.loc["party_members", "grain"] == "month" and metrics.loc["party_school_attendance", "grain"] == "month"
    assert metrics.loc["hotline_received", "grain"] == "day" and metrics.loc["hotline_on_time_rate", "grain"] == "day"
    # Levels a report states (party members) stand in for a late report; a month's count of
    # the volunteers who served is no level: a community without records in it had none.
    levels = metrics[(metrics.kind == "stock") & (metrics.source == "party")]
    assert (levels.carry_months >= 1).all() and len(levels) == 3
    assert metrics.loc[["active_volunteers", "volunteer_teams"], "carry_months"].isna().all()
    assert metrics[metrics.kind != "stock"].carry_months.isna().all()


GRAIN_HEADER = METRIC_HEADER + ",grain,carry_months"


@pytest.mark.parametrize("rows, reason", [
    (["a_flow,party,甲,A,人,people,flow,,,,higher,,party,,week,"],
     "field 'grain': unknown grain 'week': expected one of day, month"),
    (["a_flow,party,甲,A,人,people,flow,,,,higher,,party,,day,2"], "field 'carry_months': only a stock is carried forward"),
    (["a_flow,party,甲,A,人,people,flow,,,,higher,,party,,month,",
      "b_flow,party,乙,B,人,people,flow,,,,higher,,party,,day,",
      "a_rate,party,率,Rate,%,%,ratio,a_flow,b_flow,,higher,,,,day,"], "field 'grain': 'a_flow' has grain month, the ratio day"),
])
def test_a_grain_that_does_not_fit_is_refused(tmp_path, rows, reason):
    with pytest.raises(CatalogError) as caught:
        read_metrics(write(tmp_path / "metrics.csv", GRAIN_HEADER, rows))
    assert reason in str(caught.value)
