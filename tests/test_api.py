"""The JSON API answers with the warehouse's figures, names its errors and speaks CSV.

Each test builds a small warehouse of its own (two districts down to grid cells, four
months of facts) and checks the API's answers against figures computed here, with
plain SQL and pandas, straight from the fact table: flows summed, stocks at their latest
level per stored area and then summed, ratios as a ratio of sums.
"""
from __future__ import annotations

import csv
import io
import math
import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import insert, text

import api
from data import db, schema
from data.catalog import read_metrics

CITY = "510100000000"
JINJIANG = "510104000000"  # 锦江区
SHAHE = "510104011000"  # 沙河街道
SHUANGGUI = "510104012000"  # 双桂路街道 (a sample street for the test)
QINGYANG = "510105000000"  # 青羊区
SHAOCHENG = "510105001000"
COMMUNITIES = {
    "510104011001": ("府河社区", SHAHE),
    "510104011002": ("和平社区", SHAHE),
    "510104012001": ("双桂社区", SHUANGGUI),
    "510105001001": ("少城社区", SHAOCHENG),
}
GRIDS = {code + f"{n:03d}": (f"{name}第{n}网格", code) for code, (name, _) in COMMUNITIES.items() for n in (1, 2)}

FIRST_DAY, LAST_DAY = date(2024, 11, 1), date(2025, 2, 28)
CATEGORIES = ("物业管理", "市容环境", "噪音扰民")
AGE_BANDS = ("0-17", "18-34", "35-59", "60+")


def _areas() -> list[dict]:
    def row(code, name, level, parent):
        return dict(code=code, name=name, name_en=None, level=level, parent_code=parent, population=None,
                    households=None, lon=None, lat=None, is_sample=level in ("community", "grid"))

    rows = [
        row(CITY, "成都市", "city", None),
        row(JINJIANG, "锦江区", "district", CITY),
        row(QINGYANG, "青羊区", "district", CITY),
        row(SHAHE, "沙河街道", "street", JINJIANG),
        row(SHUANGGUI, "双桂路街道", "street", JINJIANG),
        row(SHAOCHENG, "少城街道", "street", QINGYANG),
    ]
    rows += [row(code, name, "community", parent) for code, (name, parent) in COMMUNITIES.items()]
    rows += [row(code, name, "grid", parent) for code, (name, parent) in GRIDS.items()]
    rows[3]["name_en"] = "Shahe Subdistrict"
    return rows


def _facts(run_id: int) -> list[dict]:
    """Daily flows per grid cell (hotline) or community (activities), monthly stocks per community."""
    rng = random.Random(20250301)
    rows = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        for grid in GRIDS:
            split = {c: rng.randint(0, 3) for c in CATEGORIES}
            received = sum(split.values())
            resolved = rng.randint(0, received)
            on_time = rng.randint(0, resolved)
            for metric, figure in (("hotline_received", received), ("hotline_resolved", resolved),
                                   ("hotline_on_time", on_time)):
                rows.append(dict(period=day, area_code=grid, metric_code=metric, dimension="", member="",
                                 value=float(figure), run_id=run_id))
            for member, figure in split.items():
                rows.append(dict(period=day, area_code=grid, metric_code="hotline_received", dimension="category",
                                 member=member, value=float(figure), run_id=run_id))
        if day.weekday() == 5:  # activities on Saturdays, by community; one age band stays small
            for community in COMMUNITIES:
                bands = {"0-17": rng.randint(5, 20), "18-34": rng.randint(5, 20), "35-59": rng.randint(5, 20),
                         "60+": rng.randint(0, 1) if community == "510104011002" else rng.randint(10, 30)}
                rows.append(dict(period=day, area_code=community, metric_code="activity_participants", dimension="",
                                 member="", value=float(sum(bands.values())), run_id=run_id))
                for member, figure in bands.items():
                    rows.append(dict(period=day, area_code=community, metric_code="activity_participants",
                                     dimension="age_band", member=member, value=float(figure), run_id=run_id))
        if day.day == 1:
            for i, community in enumerate(COMMUNITIES):
                if community == "510104012001" and day.month == 2:
                    continue  # a community that did not report February: its January level still counts
                rows.append(dict(period=day, area_code=community, metric_code="party_members", dimension="",
                                 member="", value=float(100 + 10 * i + day.month), run_id=run_id))
        day += timedelta(days=1)
    return rows


def _build(engine) -> None:
    metrics = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
               for r in read_metrics().to_dict("records")]
    with engine.begin() as conn:
        conn.execute(insert(schema.metric), metrics)
        conn.execute(insert(schema.area), _areas())
        for run_id, status in ((1, "success"), (2, "failed"), (3, "success")):
            conn.execute(insert(schema.etl_run), dict(
                id=run_id, source="hotline", location="hotline.csv", checksum=f"c{run_id}",
                started_at=datetime(2025, 3, 1, 8, run_id), finished_at=datetime(2025, 3, 1, 8, run_id, 30),
                status=status, rows_read=10, rows_loaded=10, rows_rejected=0))
        conn.execute(insert(schema.fact), _facts(run_id=3))


@pytest.fixture
def warehouse(warehouse_url, monkeypatch):
    """A built warehouse on SQLite or PostgreSQL, and the app's engine pointing at it."""
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    db.dispose_engines()
    engine = db.get_engine(warehouse_url)
    _build(engine)
    yield engine
    db.dispose_engines()


@pytest.fixture
def client(warehouse):
    app = Flask("api-test")
    api.init_app(app)
    return app.test_client()


@pytest.fixture
def sqlite_client(sqlite_url, monkeypatch):
    """The API on a built SQLite warehouse only: for answers that do not depend on the engine."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    db.dispose_engines()
    _build(db.get_engine(sqlite_url))
    app = Flask("api-test")
    api.init_app(app)
    yield app.test_client()
    db.dispose_engines()


# -- figures computed independently from the fact table ---------------------------------

PREFIX = {4: 4, 6: 6, 9: 9, 12: 12, 15: 15}


def prefix(code: str) -> str:
    """The code prefix an area's subtree shares (district 6, street 9, community 12, grid 15)."""
    if len(code) == 15:
        return code
    if code.endswith("00000000"):
        return code[:4]
    if code.endswith("000000"):
        return code[:6]
    if code.endswith("000"):
        return code[:9]
    return code


def facts(engine, metric: str, area: str, start: date, end: date, dimension: str = "") -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(
            text("SELECT period, area_code, member, value FROM fact "
                 "WHERE metric_code = :m AND dimension = :d AND period BETWEEN :s AND :e"),
            conn, params=dict(m=metric, d=dimension, s=start, e=end),
        )
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame[frame["area_code"].str.startswith(prefix(area))]


def flow(engine, metric, area, start, end) -> float:
    return float(facts(engine, metric, area, start, end)["value"].sum())


def stock(engine, metric, area, start, end) -> float:
    frame = facts(engine, metric, area, start, end).sort_values("period")
    return float(frame.groupby("area_code")["value"].last().sum())


def ratio(engine, numerator, denominator, area, start, end) -> float:
    return flow(engine, numerator, area, start, end) / flow(engine, denominator, area, start, end)


def ask(client, path, **params):
    response = client.get(path, query_string=params)
    return response.status_code, response.get_json()


# -- answers ------------------------------------------------------------------------------

LEVELS = [("grid", "510104011001002"), ("community", "510104011001"), ("street", SHAHE),
          ("district", JINJIANG), ("city", CITY)]
PERIODS = [(date(2024, 11, 1), date(2025, 2, 28)), (date(2025, 1, 1), date(2025, 1, 31)),
           (date(2024, 12, 15), date(2025, 1, 14))]


def test_value_of_a_flow_is_the_sum_over_days_and_the_area_subtree(client, warehouse):
    for level, area in LEVELS:
        for start, end in PERIODS:
            status, body = ask(client, "/api/v1/value", metric="hotline_received", area=area,
                               start=start.isoformat(), end=end.isoformat())
            assert status == 200, body
            assert body["value"] == pytest.approx(flow(warehouse, "hotline_received", area, start, end)), (level, start)
            assert body["area"]["code"] == area and body["area"]["level"] == level
    catalogue = read_metrics().set_index("code").loc["hotline_received"]
    assert body["metric"] == {"code": "hotline_received", "name": catalogue["name"], "name_en": catalogue["name_en"],
                              "unit": "件", "unit_en": catalogue["unit_en"], "kind": "flow", "domain": "governance"}
    assert body["start"] == "2024-12-15" and body["end"] == "2025-01-14"
    assert body["data_version"] == 3


def test_value_of_a_stock_is_the_latest_level_of_each_community_summed(client, warehouse):
    for _level, area in LEVELS[1:]:
        for start, end in PERIODS:
            status, body = ask(client, "/api/v1/value", metric="party_members", area=area,
                               start=start.isoformat(), end=end.isoformat())
            assert status == 200, body
            assert body["value"] == pytest.approx(stock(warehouse, "party_members", area, start, end))
    # 双桂社区 did not report February: over the whole period its January level counts,
    # so the district's figure is not simply the February rows summed.
    status, body = ask(client, "/api/v1/value", metric="party_members", area=JINJIANG,
                       start="2024-11-01", end="2025-02-28")
    february = facts(warehouse, "party_members", JINJIANG, date(2025, 2, 1), date(2025, 2, 28))["value"].sum()
    assert body["value"] > february
    assert body["metric"]["kind"] == "stock" and body["metric"]["unit"] == "人"


def test_value_of_a_ratio_is_a_ratio_of_sums_never_an_average_of_ratios(client, warehouse):
    for _level, area in LEVELS:
        for start, end in PERIODS:
            status, body = ask(client, "/api/v1/value", metric="hotline_on_time_rate", area=area,
                               start=start.isoformat(), end=end.isoformat())
            assert status == 200, body
            expected = ratio(warehouse, "hotline_on_time", "hotline_resolved", area, start, end)
            assert body["value"] == pytest.approx(expected)
            assert 0 <= body["value"] <= 1
    assert body["metric"]["kind"] == "ratio" and body["metric"]["unit"] == "%"


@pytest.mark.parametrize("grain", ["day", "week", "month", "year"])
def test_series_has_every_bucket_with_the_fact_tables_sums(client, warehouse, grain):
    start, end = date(2024, 12, 20), date(2025, 2, 10)
    status, body = ask(client, "/api/v1/series", metric="hotline_received", area=SHAHE,
                       start=start.isoformat(), end=end.isoformat(), grain=grain)
    assert status == 200, body
    frame = facts(warehouse, "hotline_received", SHAHE, start, end)
    bucket = {
        "day": lambda d: d,
        "week": lambda d: d - timedelta(days=d.weekday()),
        "month": lambda d: d.replace(day=1),
        "year": lambda d: d.replace(month=1, day=1),
    }[grain]
    expected = frame.assign(bucket=frame["period"].map(bucket)).groupby("bucket")["value"].sum()
    assert [p["period"] for p in body["points"]] == [b.isoformat() for b in expected.index]
    assert [p["value"] for p in body["points"]] == pytest.approx(list(expected))
    assert body["grain"] == grain and body["area"]["name"] == "沙河街道"


def test_series_of_a_ratio_and_of_a_stock_per_month(client, warehouse):
    start, end = date(2024, 11, 1), date(2025, 2, 28)
    _, rates = ask(client, "/api/v1/series", metric="hotline_on_time_rate", area=JINJIANG,
                   start=start.isoformat(), end=end.isoformat(), grain="month")
    _, members = ask(client, "/api/v1/series", metric="party_members", area=SHUANGGUI,
                     start=start.isoformat(), end=end.isoformat())
    months = [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    month_ends = [date(2024, 11, 30), date(2024, 12, 31), date(2025, 1, 31), date(2025, 2, 28)]
    assert [p["value"] for p in rates["points"]] == pytest.approx(
        [ratio(warehouse, "hotline_on_time", "hotline_resolved", JINJIANG, s, e) for s, e in zip(months, month_ends)])
    # A month in which the community did not report carries its latest level (within carry_months),
    # as /value does for that month: never zero, never a drop.
    levels = [stock(warehouse, "party_members", SHUANGGUI, s, e) for s, e in zip(months[:3], month_ends[:3])]
    _, february = ask(client, "/api/v1/value", metric="party_members", area=SHUANGGUI,
                      start=months[3].isoformat(), end=month_ends[3].isoformat())
    assert [p["value"] for p in members["points"]] == [*levels, february["value"]]
    assert february["value"] == levels[2]


def test_breakdown_by_child_areas_and_by_dimension(client, warehouse):
    start, end = date(2025, 1, 1), date(2025, 2, 28)
    status, body = ask(client, "/api/v1/breakdown", metric="hotline_received", area=JINJIANG,
                       start=start.isoformat(), end=end.isoformat(), by="children")
    assert status == 200, body
    expected = {code: flow(warehouse, "hotline_received", code, start, end) for code in (SHAHE, SHUANGGUI)}
    assert {r["key"]: r["value"] for r in body["rows"]} == pytest.approx(expected)
    assert [r["value"] for r in body["rows"]] == sorted(expected.values(), reverse=True)
    assert {r["label"] for r in body["rows"]} == {"沙河街道", "双桂路街道"}

    status, body = ask(client, "/api/v1/breakdown", metric="hotline_received", area="510104011001",
                       start=start.isoformat(), end=end.isoformat(), by="category")
    assert status == 200, body
    frame = facts(warehouse, "hotline_received", "510104011001", start, end, dimension="category")
    assert {r["key"]: r["value"] for r in body["rows"]} == pytest.approx(frame.groupby("member")["value"].sum().to_dict())
    assert {r["label_en"] for r in body["rows"]} >= {"Property management"}

    status, body = ask(client, "/api/v1/breakdown", metric="hotline_on_time_rate", area=SHAHE,
                       start=start.isoformat(), end=end.isoformat())
    assert {r["key"]: r["value"] for r in body["rows"]} == pytest.approx(
        {c: ratio(warehouse, "hotline_on_time", "hotline_resolved", c, start, end) for c in ("510104011001", "510104011002")})


def test_breakdown_shows_small_counts_of_people_as_masked_never_exactly(sqlite_client):
    query = dict(metric="activity_participants", area="510104011002", start="2025-01-01", end="2025-01-31", by="age_band")
    status, body = ask(sqlite_client, "/api/v1/breakdown", **query)
    assert status == 200, body
    elderly = next(r for r in body["rows"] if r["key"] == "60+")
    assert elderly["masked"] is True and elderly["value"] is None and elderly["mask"] == "<5"
    # The rows add up to the community's /value: one more row is hidden, so 60+ cannot be worked out.
    others = [r for r in body["rows"] if r["key"] != "60+"]
    hidden = [r for r in others if r["masked"]]
    assert len(hidden) == 1 and hidden[0]["mask"] == "*" and hidden[0]["value"] is None
    assert all(r["value"] >= 5 for r in others if not r["masked"])

    response = sqlite_client.get("/api/v1/breakdown", query_string={**query, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert next(r for r in rows if r["key"] == "60+")["value"] == "<5"
    assert [r["value"] for r in rows].count("*") == 1


SUNDAY = "2025-01-05"  # no activities in the built warehouse: this test adds two


def test_a_masked_count_is_masked_in_every_answer_and_cannot_be_worked_out(sqlite_client, sqlite_url):
    """Issue 19, finding 5: /breakdown hid a community's 3 while /value gave it, and one hidden row
    was undone by subtraction (86 - 84 = 2)."""
    engine = db.get_engine(sqlite_url)
    with engine.begin() as conn:
        run = conn.execute(text("SELECT MAX(id) FROM etl_run WHERE status = 'success'")).scalar()
        for community, figure in (("510104011001", 3.0), ("510104011002", 40.0)):
            conn.execute(insert(schema.fact).values(period=date(2025, 1, 5), area_code=community,
                                                    metric_code="activity_participants", dimension="", member="",
                                                    value=figure, run_id=run))
    day = dict(metric="activity_participants", start=SUNDAY, end=SUNDAY)
    status, street = ask(sqlite_client, "/api/v1/value", area=SHAHE, **day)
    assert status == 200 and street["value"] == 43 and street["masked"] is False

    _, kids = ask(sqlite_client, "/api/v1/breakdown", area=SHAHE, by="children", **day)
    shown = {r["key"]: (r["value"], r["mask"]) for r in kids["rows"]}
    assert shown["510104011001"] == (None, "<5")
    assert shown["510104011002"] == (None, "*"), "43 - 40 would give the 3 away"

    for community, mask in (("510104011001", "<5"), ("510104011002", "*")):
        _, one = ask(sqlite_client, "/api/v1/value", area=community, **day)
        assert (one["value"], one["masked"], one["mask"]) == (None, True, mask), community
        response = sqlite_client.get("/api/v1/value", query_string={**day, "area": community, "format": "csv"})
        assert next(csv.DictReader(io.StringIO(response.get_data(as_text=True))))["value"] == mask

    # The community's days in January add up to its January /value: a hidden day needs a second one.
    _, series = ask(sqlite_client, "/api/v1/series", metric="activity_participants", area="510104011001",
                    start="2025-01-01", end="2025-01-31", grain="day")
    marks = {p["period"]: p["mask"] for p in series["points"]}
    assert marks[SUNDAY] == "<5"
    assert list(marks.values()).count("*") >= 1
    assert all(p["value"] is None for p in series["points"] if p["masked"])

    # Figures that count no people are never masked.
    _, hotline = ask(sqlite_client, "/api/v1/breakdown", metric="hotline_received", area="510104011001001",
                     start="2025-01-01", end="2025-01-01", by="category")
    assert not any(r["masked"] for r in hotline["rows"])


def test_metric_catalogue_lists_every_metric_with_unit_kind_and_breakdowns(sqlite_client):
    status, body = ask(sqlite_client, "/api/v1/metrics")
    assert status == 200
    catalogue = read_metrics()
    assert [m["code"] for m in body["metrics"]] and {m["code"] for m in body["metrics"]} == set(catalogue["code"])
    received = next(m for m in body["metrics"] if m["code"] == "hotline_received")
    assert received["kind"] == "flow" and received["unit"] == "件"
    assert received["breakdowns"] == ["children", "category", "channel", "type"]

    status, one = ask(sqlite_client, "/api/v1/metrics", code="hotline_satisfaction_rate")
    assert one["kind"] == "ratio" and one["numerator"] == "hotline_satisfied" and one["target"] == 0.9

    status, party = ask(sqlite_client, "/api/v1/metrics", domain="party")
    assert party["metrics"] and {m["domain"] for m in party["metrics"]} == {"party"}


def test_area_tree_one_area_its_children_and_the_tree_to_a_level(sqlite_client):
    status, shahe = ask(sqlite_client, "/api/v1/areas", code=SHAHE)
    assert status == 200
    assert shahe["name"] == "沙河街道" and shahe["level"] == "street" and shahe["parent_code"] == JINJIANG
    assert [a["name"] for a in shahe["ancestors"]] == ["成都市", "锦江区"]
    assert [a["code"] for a in shahe["children"]] == ["510104011001", "510104011002"]

    status, kids = ask(sqlite_client, "/api/v1/areas", parent="510104011001")
    assert [a["code"] for a in kids["areas"]] == ["510104011001001", "510104011001002"]
    assert {a["level"] for a in kids["areas"]} == {"grid"}

    def levels(node, found=None):
        found = found if found is not None else set()
        found.add(node["level"])
        for child in node.get("children", []):
            levels(child, found)
        return found

    _, default = ask(sqlite_client, "/api/v1/areas")
    assert default["root"]["code"] == CITY and levels(default["root"]) == {"city", "district", "street"}
    _, to_communities = ask(sqlite_client, "/api/v1/areas", root=JINJIANG, level="community")
    assert levels(to_communities["root"]) == {"district", "street", "community"}
    _, one_down = ask(sqlite_client, "/api/v1/areas", root=SHAHE, depth="1")
    assert [c["name"] for c in one_down["root"]["children"]] == ["府河社区", "和平社区"]
    assert all("children" not in c for c in one_down["root"]["children"])


def test_figures_of_a_warehouse_without_recorded_coverage_say_their_reach_is_unknown(sqlite_client):
    """This warehouse was written by hand, with no etl_coverage: the figures read as before,
    and none claims to be complete."""
    status, body = ask(sqlite_client, "/api/v1/value", **GOOD)
    assert status == 200 and body["value"] > 0
    assert (body["as_of"], body["complete"], body["reason"], body["data_through"]) == (None, False, "coverage_unknown", None)


def test_version_is_the_latest_successful_load(sqlite_client):
    status, body = ask(sqlite_client, "/api/v1/version")
    assert status == 200
    assert body == {"data_version": 3, "last_loaded_at": "2025-03-01T08:03:30+08:00"}, "Chengdu's time, with its offset"
    assert datetime.fromisoformat(body["last_loaded_at"]).utcoffset() == timedelta(hours=8)


def test_a_client_that_has_the_answer_is_told_it_is_unchanged(sqlite_client):
    first = sqlite_client.get("/api/v1/value", query_string=GOOD)
    assert first.headers["ETag"] and first.headers["Cache-Control"] == "no-cache"
    again = sqlite_client.get("/api/v1/value", query_string=GOOD, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


# -- CSV ----------------------------------------------------------------------------------


def test_every_figure_endpoint_answers_as_a_csv_attachment(sqlite_client, sqlite_url):
    engine = db.get_engine(sqlite_url)
    common = dict(metric="hotline_received", area=SHAHE, start="2025-01-01", end="2025-01-31", format="csv")

    response = sqlite_client.get("/api/v1/value", query_string=common)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="value_hotline_received_510104011000_2025-01-01_2025-01-31.csv"'
    [row] = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert row["area_name"] == "沙河街道" and row["unit"] == "件"
    assert float(row["value"]) == flow(engine, "hotline_received", SHAHE, date(2025, 1, 1), date(2025, 1, 31))

    response = sqlite_client.get("/api/v1/series", query_string={**common, "grain": "week"})
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert [r["period"] for r in rows][:2] == ["2024-12-30", "2025-01-06"]
    # Buckets are labelled by their first day but hold only the days asked for.
    assert sum(float(r["value"]) for r in rows) == flow(engine, "hotline_received", SHAHE, date(2025, 1, 1), date(2025, 1, 31))

    response = sqlite_client.get("/api/v1/breakdown", query_string={**common, "by": "category"})
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert list(rows[0]) == ["metric", "area", "area_name", "start", "end", "by", "key", "label", "label_en", "unit", "value",
                             "as_of", "complete", "reason"]
    assert {r["key"] for r in rows} == set(CATEGORIES)

    response = sqlite_client.get("/api/v1/metrics", query_string={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert response.headers["Content-Disposition"] == 'attachment; filename="metrics.csv"'
    assert next(r for r in rows if r["code"] == "party_members")["name"] == "党员总数"

    response = sqlite_client.get("/api/v1/areas", query_string={"root": SHAHE, "level": "grid", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert [r["level"] for r in rows].count("grid") == 4 and rows[0]["name"] == "沙河街道"


# -- errors -------------------------------------------------------------------------------

GOOD = dict(metric="hotline_received", area=SHAHE, start="2025-01-01", end="2025-01-31")


@pytest.mark.parametrize("path, changes, parameter, says", [
    ("/api/v1/value", {"metric": None}, "metric", "required"),
    ("/api/v1/value", {"area": None}, "area", "required"),
    ("/api/v1/value", {"start": None}, "start", "required"),
    ("/api/v1/value", {"start": "2025/1/1"}, "start", "YYYY-MM-DD"),
    ("/api/v1/value", {"end": "2025-02-30"}, "end", "not a calendar date"),
    ("/api/v1/value", {"start": "2025-02-01"}, "start", "after end"),
    ("/api/v1/value", {"start": "2010-01-01"}, "end", "longer than 10 years"),
    ("/api/v1/value", {"area": "沙河街道"}, "area", "not an area code"),
    ("/api/v1/value", {"metric": "Hotline Received"}, "metric", "not a metric code"),
    ("/api/v1/value", {"format": "xlsx"}, "format", "json, csv"),
    ("/api/v1/value", {"grian": "week"}, "grian", "unknown parameter"),
    ("/api/v1/series", {"grain": "quarter"}, "grain", "day, week, month, year"),
    ("/api/v1/breakdown", {"by": "age_band"}, "by", "children, category, channel, type"),
    ("/api/v1/areas", {"metric": None, "area": None, "start": None, "end": None, "level": "province"}, "level", "city"),
    ("/api/v1/areas", {"metric": None, "area": None, "start": None, "end": None, "depth": "-1"}, "depth", "whole number"),
])
def test_bad_parameters_get_a_400_naming_the_parameter(sqlite_client, path, changes, parameter, says):
    query = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    status, body = ask(sqlite_client, path, **query)
    assert status == 400, body
    assert body["error"] == "bad_parameter" and body["parameter"] == parameter
    assert says in body["message"]


def test_a_parameter_given_twice_is_refused(sqlite_client):
    response = sqlite_client.get("/api/v1/value?metric=hotline_received&metric=party_members"
                                 "&area=510104011000&start=2025-01-01&end=2025-01-31")
    assert response.status_code == 400 and response.get_json()["parameter"] == "metric"


@pytest.mark.parametrize("path, query, parameter", [
    ("/api/v1/value", {**GOOD, "metric": "hotline_recieved"}, "metric"),
    ("/api/v1/series", {**GOOD, "area": "510104099000"}, "area"),
    ("/api/v1/breakdown", {**GOOD, "area": "510104011001009"}, "area"),
    ("/api/v1/metrics", {"code": "no_such_metric"}, "metric"),
    ("/api/v1/areas", {"code": "510199000000"}, "code"),
    ("/api/v1/areas", {"parent": "510199000000"}, "parent"),
])
def test_unknown_metrics_and_areas_get_a_404_naming_them(sqlite_client, path, query, parameter):
    status, body = ask(sqlite_client, path, **query)
    assert status == 404, body
    assert body["error"] == "not_found" and body["parameter"] == parameter
    assert query.get(parameter if parameter != "metric" or "metric" in query else "code") in body["message"]


def test_unknown_endpoints_and_writes_answer_in_json(sqlite_client):
    status, body = ask(sqlite_client, "/api/v1/values", **GOOD)
    assert status == 404 and body["error"] == "not_found" and "/api/v1/" in body["message"]
    response = sqlite_client.post("/api/v1/value", query_string=GOOD)
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_warehouse_that_does_not_answer_gets_a_503_with_the_reason(monkeypatch):
    from support import free_port

    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2")
    db.dispose_engines()
    app = Flask("api-test")
    api.init_app(app)
    response = app.test_client().get("/api/v1/value", query_string=GOOD)
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "unavailable" and "refused" in body["reason"].lower()
    assert response.headers["Retry-After"] == "30"
    db.dispose_engines()


def test_the_dashboard_serves_the_api(sqlite_client, sqlite_url):
    import dashboard

    server = dashboard.create_app().server
    status_body = server.test_client().get("/api/v1/version").get_json()
    assert status_body["data_version"] == 3
    # Dash's own pages are untouched by the API's JSON error pages.
    assert server.test_client().get("/explore").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/value", "/api/v1/series", "/api/v1/breakdown"])
@pytest.mark.parametrize("start, end", [("9999-12-31", "9999-12-31"), ("9990-01-01", "9999-12-31"),
                                        ("0001-01-01", "0001-01-01"), ("9999-12-25", "9999-12-31"),
                                        ("2999-12-31", "2999-12-31"), ("2990-01-02", "2999-12-31"),
                                        ("1900-01-01", "1900-01-07")])
def test_dates_at_the_calendar_s_ends_get_an_answer_or_a_400_never_a_500(sqlite_client, path, start, end):
    response = sqlite_client.get(path, query_string={**GOOD, "start": start, "end": end, "grain": "week"}
                                 if path.endswith("series") else {**GOOD, "start": start, "end": end})
    assert response.status_code in (200, 400), response.data[:300]
    body = response.get_json()
    assert body is not None, "JSON, not an HTML error page"
    if response.status_code == 400:
        assert body["error"] == "bad_parameter" and body["parameter"] in ("start", "end")
    else:
        marks = [body, *body.get("points", []), *body.get("rows", [])]
        assert not any(m.get("complete") for m in marks), "no data reaches there: nothing is complete"
