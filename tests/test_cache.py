"""Cached figures follow the warehouse: a new load shows at the next read, on any backend."""
from __future__ import annotations

import logging
from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import insert, update

from data import cache, db, query
from data.catalog import load_catalog
from data.schema import etl_run, fact

COMMUNITY = "510104011001"  # 汇泉路社区
STREET = "510104011000"  # 沙河街道


@pytest.fixture
def warehouse(warehouse_url, monkeypatch):
    """DATABASE_URL pointing at a warehouse with one flow figure and one successful load."""
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    monkeypatch.setenv("CSB_VERSION_TTL", "0")
    db.dispose_engines()
    engine = db.get_engine()
    load_catalog(engine)
    with engine.begin() as conn:
        run = conn.execute(insert(etl_run).values(source="hotline", started_at=datetime(2026, 11, 1),
                                                  status="success")).inserted_primary_key[0]
        conn.execute(insert(fact).values(period=date(2026, 11, 2), area_code=COMMUNITY, metric_code="hotline_received",
                                         dimension="", member="", value=7, run_id=run))
    yield engine
    cache.reset()


def _app(**config_env) -> Flask:
    app = Flask(__name__)
    cache.init_app(app)
    return app


def _new_load(engine, new_value: float) -> None:
    """What an ETL load does, as far as caching sees it: facts change, a run succeeds."""
    with engine.begin() as conn:
        conn.execute(update(fact).where(fact.c.area_code == COMMUNITY).values(value=new_value))
        conn.execute(insert(etl_run).values(source="hotline", started_at=datetime(2026, 11, 3), status="success"))


def _change_without_load(engine, new_value: float) -> None:
    with engine.begin() as conn:
        conn.execute(update(fact).where(fact.c.area_code == COMMUNITY).values(value=new_value))


def test_a_cached_figure_is_served_until_the_next_load(warehouse, monkeypatch):
    monkeypatch.setenv("CSB_CACHE", "simple")
    _app()
    args = ("hotline_received", STREET, date(2026, 11, 1), date(2026, 11, 30))
    assert query.value(*args) == 7
    _change_without_load(warehouse, 9)
    assert query.value(*args) == 7, "same data version: the cached answer"
    _new_load(warehouse, 11)
    assert query.value(*args) == 11, "a successful load changes the key: the new figure at once"


def _redis_app(redis_url, monkeypatch) -> None:
    """An app whose cache is the test Redis, under a prefix of its own."""
    monkeypatch.setenv("CSB_CACHE", "redis")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CSB_CACHE_PREFIX", "csb-test:")
    _app()


def test_redis_backend_holds_results_for_every_worker(warehouse, redis_url, monkeypatch):
    import redis

    _redis_app(redis_url, monkeypatch)
    args = ("hotline_received", STREET, date(2026, 11, 1), date(2026, 11, 30))
    assert query.value(*args) == 7
    keys = redis.Redis.from_url(redis_url).keys("csb-test:*")
    assert keys, "the result was stored in Redis"
    _change_without_load(warehouse, 9)
    cache.reset()  # another worker: no process-local state, only Redis
    _app()
    assert query.value(*args) == 7
    _new_load(warehouse, 12)
    assert query.value(*args) == 12


def test_redis_down_serves_from_the_warehouse_and_logs_once(warehouse, monkeypatch, caplog):
    monkeypatch.setenv("CSB_CACHE", "redis")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    _app()
    args = ("hotline_received", STREET, date(2026, 11, 1), date(2026, 11, 30))
    with caplog.at_level(logging.WARNING, logger="csb.cache"):
        answers = [query.value(*args) for _ in range(5)]
        _new_load(warehouse, 13)
        answers.append(query.value(*args))
    assert answers == [7, 7, 7, 7, 7, 13]
    warnings = [r for r in caplog.records if r.name == "csb.cache"]
    assert len(warnings) == 1 and "unavailable" in warnings[0].getMessage()


def test_an_unknown_backend_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CSB_CACHE", "memcachedd")
    with pytest.raises(ValueError, match="CSB_CACHE"):
        cache.config_from_env()


def test_a_worker_keeps_recent_answers_in_front_of_redis_and_a_load_still_shows(warehouse, redis_url, monkeypatch):
    import redis

    _redis_app(redis_url, monkeypatch)
    args = ("hotline_received", STREET, date(2026, 11, 1), date(2026, 11, 30))
    frame_args = ("hotline_received", STREET, date(2026, 11, 1), date(2026, 11, 30), "day")
    assert query.value(*args) == 7
    first = query.series(*frame_args)
    redis.Redis.from_url(redis_url).flushdb()  # Redis forgets: this process still knows
    _change_without_load(warehouse, 9)
    assert query.value(*args) == 7, "same data version: the answer this worker already had"
    again = query.series(*frame_args)
    again.loc[0, "value"] = -1  # a caller changing its copy changes nobody else's
    assert query.series(*frame_args).equals(first)
    _new_load(warehouse, 12)
    assert query.value(*args) == 12, "a load changes the key: never an old answer"
    local = cache._state["local"]
    assert local is not None and 0 < len(local.entries) <= local.items


def test_the_local_answers_are_bounded(monkeypatch):
    local = cache._Local(items=3, budget=10_000)
    for i in range(5):
        local.put(f"k{i}", {"i": i})
    assert list(local.entries) == ["k2", "k3", "k4"]
    assert local.get("k2") == {"i": 2}
    local.put("big", "x" * 5_000)  # over a sixteenth of the budget: not kept
    assert local.get("big") is None and local.size <= 10_000
