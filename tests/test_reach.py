"""Participation reach (issue 16): distinct people, counted through keyed pseudonyms.

A sample warehouse of one street over 14 months is generated and loaded by the real ETL;
the test then counts distinct people straight from the sample exports' raw ids and holds the
warehouse's figures to them, at community and at street level (where a resident active in
two communities is one person). Pseudonyms stay in the ETL's own store, raw ids nowhere.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, select

from data import query
from data.schema import area, fact
from etl import pseudonym, reach
from support import everything_stored

ROOT = Path(__file__).resolve().parent.parent
STREET = "510104011000"  # 沙河街道
KEY = "reach-test-key-" + "k" * 32
NEW_KEY = "reach-test-rotated-" + "n" * 32
END = date(2026, 11, 30)
MONTHS = 14
RAW_ID = re.compile(r"JM\d{14}|ZY\d{16}")


def _env(folder: Path, key: str) -> dict:
    return {**os.environ, "CSB_SAMPLES_DIR": str(folder / "samples"), "DATABASE_URL": f"sqlite:///{folder / 'w.db'}",
            "CSB_VAR_DIR": str(folder / "var"), "CSB_PSEUDONYM_KEY": key}


def _etl(folder: Path, key: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=_env(folder, key), capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from etl.samples import generate

    folder = tmp_path_factory.mktemp("reach")
    generate(folder / "samples", end=END, months=MONTHS, streets=[STREET], scale=0.3)
    done = _etl(folder, KEY, "run", "--only", "areas", "activities", "volunteers")
    assert done.returncode == 0, done.stderr[-3000:]
    engine = create_engine(f"sqlite:///{folder / 'w.db'}")
    yield folder, engine
    engine.dispose()


def _store(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / "w.reach.db")


def _stored(engine, metric: str, dimension: str = "") -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(fact.c.period, fact.c.area_code, fact.c.member, fact.c.value)
                            .where(fact.c.metric_code == metric, fact.c.dimension == dimension)).all()
    frame = pd.DataFrame(rows, columns=["period", "area", "member", "value"])
    frame["period"] = frame["period"].astype(str).str[:10]
    return frame


def _raw_signups(folder: Path, engine) -> pd.DataFrame:
    """Checked-in sign-ups of the sample exports as written: raw resident id, community code, month."""
    with engine.connect() as conn:
        register = conn.execute(select(area.c.code, area.c.name).where(area.c.level == "community")).all()
    codes = {code: code for code, _ in register} | {name: code for code, name in register}
    records = []
    for path in sorted((folder / "samples" / "activities").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            records.append((r["participant"].get("id", ""), r["community"], r["start_time"], r["checked_in"]))
    frame = pd.DataFrame(records, columns=["id", "community", "start", "checked"])
    frame["code"] = frame["community"].map(codes)
    frame["day"] = pd.to_datetime(frame["start"].str[:16].str.replace("T", " "), format="mixed")
    came = frame["checked"].astype(bool) & frame["code"].notna() & (frame["day"].dt.date <= END) & frame["id"].ne("")
    frame = frame[came]
    return frame.assign(period=frame["day"].dt.strftime("%Y-%m-01"))


# --- pseudonyms ------------------------------------------------------------------------------

def test_a_pseudonym_is_keyed_stable_and_kept_apart_by_kind_of_id():
    key, other = pseudonym.current_key(KEY), pseudonym.current_key(NEW_KEY)
    made = pseudonym.pseudonymise(pd.Series(["JM0401100100001", "JM0401100100001", "", "13812345678"]), "resident", key)
    assert made[0] == made[1] and len(made[0]) == 32 and "0401100100001" not in made[0]
    assert made[2] == ""  # no id: no person
    assert pseudonym.pseudonym(other, "resident", "JM0401100100001") != made[0]  # another key, another pseudonym
    assert pseudonym.pseudonym(key, "phone", "JM0401100100001") != made[0]


def test_a_short_key_is_refused_and_the_development_key_is_private(tmp_path, monkeypatch):
    with pytest.raises(pseudonym.BadKey, match="at least 32 characters"):
        pseudonym.current_key("short")
    monkeypatch.delenv(pseudonym.ENV, raising=False)
    monkeypatch.setenv("CSB_VAR_DIR", str(tmp_path))
    key = pseudonym.current_key()
    assert key.development and (tmp_path / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    assert pseudonym.current_key().key_id == key.key_id  # the same key on the next run


# --- nothing personal leaves the ETL -----------------------------------------------------------

def test_no_raw_id_and_no_pseudonym_reaches_the_warehouse(built):
    folder, engine = built
    stored = everything_stored(engine)
    assert not RAW_ID.search(stored)
    with _store(folder) as store:
        persons = {p for (p,) in store.execute("SELECT DISTINCT person FROM seen")}
    assert len(persons) > 100
    assert not persons & set(re.findall(r"[0-9a-f]{32}", stored))


def test_the_etls_own_store_holds_no_raw_identifier(built):
    folder, _ = built
    assert (folder / "w.reach.db").stat().st_mode & 0o777 == 0o600
    data = (folder / "w.reach.db").read_bytes()
    assert not RAW_ID.search(data.decode("latin-1"))
    with _store(folder) as store:
        columns = [row[1] for row in store.execute("PRAGMA table_info(seen)")]
        persons = [p for (p,) in store.execute("SELECT person FROM seen LIMIT 1000")]
    assert columns == ["source", "community", "day", "person", "age_band", "key_id"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", p) for p in persons)


# --- the counts -----------------------------------------------------------------------------

def test_reach_per_community_and_street_is_the_distinct_raw_ids(built):
    folder, engine = built
    raw = _raw_signups(folder, engine)
    stored = _stored(engine, "activity_reach").set_index(["period", "area"])["value"]
    by_community = raw.groupby(["period", "code"])["id"].nunique()
    by_street = raw.groupby("period")["id"].nunique()
    assert len(by_community) > 50
    for (period, code), n in by_community.items():
        assert stored[(period, code)] == n, (period, code)
    for period, n in by_street.items():
        assert stored[(period, STREET)] == n, period
    # Residents who come to two communities of the street are one person at the street.
    sums = raw.groupby(["period", "code"])["id"].nunique().groupby("period").sum()
    assert (sums > by_street).all()


def test_volunteers_reached_in_a_community_are_its_active_volunteers(built):
    _, engine = built
    reached = _stored(engine, "volunteer_reach").set_index(["period", "area"])["value"]
    active = _stored(engine, "active_volunteers").set_index(["period", "area"])["value"]
    assert len(active) > 20
    for key, n in active.items():
        assert reached[key] == n, key


def test_new_and_returning_add_up_to_reach_once_a_year_of_history_exists(built):
    _, engine = built
    reach_ = _stored(engine, "activity_reach").set_index(["period", "area"])["value"]
    new = _stored(engine, "activity_new").set_index(["period", "area"])["value"]
    returning = _stored(engine, "activity_returning").set_index(["period", "area"])["value"]
    regulars = _stored(engine, "activity_regulars").set_index(["period", "area"])["value"]
    first = min(reach_.index.get_level_values("period"))
    assert min(new.index.get_level_values("period")) > first  # not before 12 months of history
    assert len(new) > 10
    for key, n in new.items():
        assert n + returning[key] == reach_[key], key
        assert regulars[key] <= reach_[key]
    assert new.sum() > 0 and returning.sum() > new.sum()


def test_the_query_layer_reads_each_areas_own_count_and_never_sums_months(built):
    folder, engine = built
    raw = _raw_signups(folder, engine)
    october = raw[raw["period"] == "2026-10-01"]
    assert query.value("activity_reach", STREET, "2026-10-01", "2026-10-31", engine=engine) == october["id"].nunique()
    assert query.value("activity_reach", STREET, "2026-09-01", "2026-10-31", engine=engine) is None
    assert query.value("activity_reach", STREET, "2026-10-05", "2026-10-31", engine=engine) is None
    children = query.breakdown("activity_reach", STREET, "2026-10-01", "2026-10-31", engine=engine)
    expected = october.groupby("code")["id"].nunique()
    got = children.dropna(subset=["value"]).set_index("key")["value"]
    assert got.to_dict() == {k: float(v) for k, v in expected.items()}
    series = query.series("activity_reach", STREET, "2026-08-01", "2026-10-31", "month", engine=engine)
    assert list(series["value"]) == [float(raw[raw["period"] == m]["id"].nunique())
                                     for m in ("2026-08-01", "2026-09-01", "2026-10-01")]
    bands = query.breakdown("activity_reach", STREET, "2026-10-01", "2026-10-31", by="age_band", engine=engine)
    assert bands["value"].sum() == october["id"].nunique()  # one band per person and month


# --- key rotation ---------------------------------------------------------------------------

def test_rotating_the_key_rebuilds_the_store_and_keeps_every_count(built, tmp_path):
    folder, engine = built
    with _store(folder) as store:
        before = store.execute("SELECT source, community, substr(day, 1, 7), count(DISTINCT person) FROM seen "
                               "GROUP BY 1, 2, 3").fetchall()
        old = {p for (p,) in store.execute("SELECT DISTINCT person FROM seen")}
    # A load under another key than the store's is refused: it would count everyone twice.
    extra = tmp_path / "late.jsonl"
    extra.write_text(json.dumps({"activity_id": "X1", "activity_name": "补录", "community": "510104011001",
                                 "type": "文化", "start_time": "2026-11-20 09:00",
                                 "participant": {"id": "JM9", "age_band": "60+", "is_party_member": False,
                                                 "gender": "女"}, "checked_in": True}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    refused = _etl(folder, NEW_KEY, "load", "activities", str(extra))
    assert refused.returncode != 0 and "rotate-pseudonyms" in refused.stderr

    done = _etl(folder, NEW_KEY, "rotate-pseudonyms")
    assert done.returncode == 0, done.stderr[-3000:]
    with _store(folder) as store:
        after = store.execute("SELECT source, community, substr(day, 1, 7), count(DISTINCT person) FROM seen "
                              "GROUP BY 1, 2, 3").fetchall()
        new = {p for (p,) in store.execute("SELECT DISTINCT person FROM seen")}
        keys = {k for (k,) in store.execute("SELECT DISTINCT key_id FROM seen")}
    assert sorted(after) == sorted(before)
    assert not old & new
    assert keys == {pseudonym.current_key(NEW_KEY).key_id}
    # The old key is now the stranger.
    assert _etl(folder, KEY, "load", "activities", str(extra)).returncode != 0


def test_rotation_needs_the_exports_the_store_was_built_from(built):
    folder, _ = built
    export = sorted((folder / "samples" / "volunteers").iterdir())[0]
    kept = export.read_bytes()
    export.write_bytes(kept + b"\n")
    try:
        store_before = (folder / "w.reach.db").read_bytes()
        done = _etl(folder, NEW_KEY, "rotate-pseudonyms")
        assert done.returncode != 0 and "changed since run" in done.stderr
        assert (folder / "w.reach.db").read_bytes() == store_before  # the old store is as it was
    finally:
        export.write_bytes(kept)


def test_rotation_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Participation reach", 1)[1].split("\n## ", 1)[0]
    for needed in ("CSB_PSEUDONYM_KEY", "python -m etl rotate-pseudonyms", "CSB_REACH_STORE", "raw exports",
                   "community, street, district and city"):
        assert needed in section, needed
    assert "rotate-pseudonyms" in reach.__doc__


def test_a_distinct_count_is_monthly_in_the_catalogue(tmp_path):
    from data.catalog import CatalogError, read_metrics

    metrics = read_metrics()
    distinct = metrics[metrics["kind"] == "distinct"]
    assert set(distinct["code"]) == set(reach.metrics("activities")) | set(reach.metrics("volunteers"))
    assert set(distinct["grain"]) == {"month"} and set(distinct["unit"]) == {"人"}
    header = (ROOT / "data" / "reference" / "metrics.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "metrics.csv"
    path.write_text(header + "\nx_reach,services,x,x,人,people,distinct,,,,higher,,activities,x,day,\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="grain is month"):
        read_metrics(path)


# --- masking and the answers people see -------------------------------------------------------

def test_small_counts_of_people_are_masked_in_the_api_and_no_pseudonym_is_answered(built):
    from support import api_app

    folder, engine = built
    with engine.connect() as conn:
        small = conn.execute(select(fact.c.period, fact.c.area_code, fact.c.member, fact.c.value).where(
            fact.c.metric_code == "activity_reach", fact.c.dimension == "age_band", fact.c.value > 0,
            fact.c.value < 5, fact.c.area_code.like("____________"))).first()
    assert small is not None, "the samples hold no small age band: nothing to mask"
    month = date.fromisoformat(str(small.period)[:10])
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1).toordinal() - 1
    with _store(folder) as store:
        persons = {p for (p,) in store.execute("SELECT DISTINCT person FROM seen")}
    with api_app(f"sqlite:///{folder / 'w.db'}") as app:
        client = app.test_client()
        answer = client.get("/api/v1/breakdown", query_string={
            "metric": "activity_reach", "area": small.area_code, "by": "age_band", "start": month.isoformat(),
            "end": date.fromordinal(end).isoformat()})
        body = answer.get_data(as_text=True)
        assert answer.status_code == 200, body
        rows = {r["key"]: r for r in answer.get_json()["rows"]}
        assert rows[small.member]["value"] is None and rows[small.member]["mask"] == "<5", rows[small.member]
        series = client.get("/api/v1/series", query_string={
            "metric": "activity_reach", "area": STREET, "start": "2026-01-01", "end": "2026-10-31", "grain": "month"})
        assert series.status_code == 200
        assert [p["value"] for p in series.get_json()["points"]][-1] > 0
        total = client.get("/api/v1/value", query_string={
            "metric": "activity_reach", "area": STREET, "start": "2026-01-01", "end": "2026-10-31"})
        # Ten months of distinct people are not a sum of months: no figure, and the reason why.
        assert total.get_json()["value"] is None and total.get_json()["reason"] == "not_one_month"
        for text_ in (body, series.get_data(as_text=True), total.get_data(as_text=True)):
            assert not persons & set(re.findall(r"[0-9a-f]{32}", text_))


def test_the_participation_view_masks_small_counts_and_what_gives_them_away(built, monkeypatch):
    from data import db, participation

    folder, engine = built
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'w.db'}")
    db.dispose_engines()
    try:
        with engine.connect() as conn:
            small = conn.execute(select(fact.c.period, fact.c.area_code, fact.c.member).where(
                fact.c.metric_code == "activity_reach", fact.c.dimension == "age_band", fact.c.value > 0,
                fact.c.value < 5, fact.c.area_code.like("____________"), fact.c.period >= date(2026, 1, 1),
                fact.c.period <= date(2026, 10, 1))).first()
        assert small is not None, "the samples hold no small age band in 2026: nothing to mask"
        view = participation.view("activities", small.area_code, date(2026, 1, 1), date(2026, 10, 31))
        month = str(small.period)[:10]
        assert view["marks"][f"{month}|age|{small.member}"] == "<5"
        # Another band of that month is hidden too: the bands add up to the month's reach.
        assert "*" in {m for k, m in view["marks"].items() if k.startswith(month + "|")}
        for row in view["rows"]:
            if row["new"] is not None:
                assert row["new"] + row["returning"] == row["reach"]
            assert row["per_person"] is None or row["per_person"] >= 1
    finally:
        db.dispose_engines()


def test_a_lost_store_is_rebuilt_not_counted_on_from_nothing(built, tmp_path):
    folder, engine = built
    store = folder / "w.reach.db"
    kept = tmp_path / "kept.db"
    store.rename(kept)
    try:
        late = tmp_path / "late.jsonl"
        late.write_text(json.dumps({"activity_id": "X2", "activity_name": "补录", "community": "510104011001",
                                    "type": "文化", "start_time": "2026-11-21 09:00",
                                    "participant": {"id": "JM8", "age_band": "60+", "is_party_member": False,
                                                    "gender": "女"}, "checked_in": True}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        refused = _etl(folder, NEW_KEY, "load", "activities", str(late))
        assert refused.returncode != 0 and "reach store" in refused.stderr and "missing" in refused.stderr
        assert not store.exists()
        done = _etl(folder, NEW_KEY, "rotate-pseudonyms")  # rebuilds under the key in use
        assert done.returncode == 0, done.stderr[-3000:]
        with sqlite3.connect(store) as rebuilt, sqlite3.connect(kept) as before:
            query_ = "SELECT source, community, day, person FROM seen ORDER BY 1, 2, 3, 4"
            assert rebuilt.execute(query_).fetchall() == before.execute(query_).fetchall()
    finally:
        store.unlink(missing_ok=True)
        kept.rename(store)


def test_a_resident_in_two_communities_is_one_person_in_the_street_on_either_engine(warehouse, tmp_path):
    """Three residents, one of them at activities of two communities of 沙河街道, in March."""
    from datetime import datetime

    from etl import pipeline

    def signup(activity, community, resident, day, age="60+"):
        return {"activity_id": activity, "activity_name": "活动", "community": community, "type": "文化",
                "start_time": f"2025-03-{day:02d} 09:00", "checked_in": True,
                "participant": {"id": resident, "age_band": age, "is_party_member": False, "gender": "女"}}

    records = [signup("A1", "510104011001", "R1", 3), signup("A1", "510104011001", "R2", 3, "35-59"),
               signup("A2", "510104011001", "R1", 10), signup("B1", "510104011002", "R1", 12),
               signup("B1", "510104011002", "R3", 12)]
    path = tmp_path / "signups.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    [result] = pipeline.load_location(warehouse, "activities", str(path), now=datetime(2025, 4, 2, 9, 0))
    assert result.status == "success", result.message
    month = ("2025-03-01", "2025-03-31")
    assert query.value("activity_reach", "510104011001", *month, engine=warehouse) == 2
    assert query.value("activity_reach", "510104011002", *month, engine=warehouse) == 2
    assert query.value("activity_reach", STREET, *month, engine=warehouse) == 3  # not 2 + 2
    assert query.value("activity_participants", STREET, *month, engine=warehouse) == 5  # person-times add up
    children = query.breakdown("activity_reach", STREET, *month, engine=warehouse).dropna(subset=["value"])
    assert dict(zip(children["key"], children["value"])) == {"510104011001": 2.0, "510104011002": 2.0}
    bands = query.breakdown("activity_reach", STREET, *month, by="age_band", engine=warehouse)
    assert dict(zip(bands["key"], bands["value"])).get("60+") == 2
    assert "R1" not in everything_stored(warehouse)
