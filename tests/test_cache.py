"""Cached figures follow the warehouse: a new load shows at the next read, on any backend."""
from __future__ import annotations

import logging
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import insert, update

from data import cache, codec, db, query
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
        local.put(f"k{i}", codec.encode({"i": i}))
    assert list(local.entries) == ["k2", "k3", "k4"]
    assert local.get("k2") == {"i": 2}
    local.put("big", codec.encode("x" * 5_000))  # over a sixteenth of the budget: not kept
    assert local.get("big") is None and local.size <= 10_000


class _Planted:
    """What an attacker with write access to the cache stores: a pickle that runs code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.mkdir, (self.marker,))


def _figures_through_the_cache():
    args = ("hotline_received", STREET, date(2026, 11, 1), date(2026, 11, 30))
    frame_args = (*args, "day")
    return query.value(*args), query.series(*frame_args)


def test_a_value_planted_in_redis_is_refused_not_run(warehouse, redis_url, monkeypatch, tmp_path, caplog):
    import pickle

    import redis

    monkeypatch.setenv("CSB_LOCAL_CACHE_ITEMS", "0")  # every read goes to Redis
    _redis_app(redis_url, monkeypatch)
    value, frame = _figures_through_the_cache()
    client = redis.Redis.from_url(redis_url)
    keys = client.keys("csb-test:*")
    assert keys
    stored = client.get(keys[0])
    assert stored.startswith(codec.MAGIC) and b"\x80" not in stored[:2], "stored as data, not a pickle"
    marker = tmp_path / "planted-code-ran"
    for key in keys:  # the pickle flask-caching's own serializer would have run
        client.set(key, b"!" + pickle.dumps(_Planted(marker)))
    with caplog.at_level(logging.WARNING, logger="csb.cache"):
        again_value, again_frame = _figures_through_the_cache()
    assert not marker.exists(), "the planted value ran code"
    assert again_value == value == 7
    pd.testing.assert_frame_equal(again_frame, frame)
    assert any("refused" in r.getMessage() for r in caplog.records if r.name == "csb.cache")
    assert all(client.get(k).startswith(codec.MAGIC) for k in keys), "the answer replaced the planted value"


def test_a_value_planted_in_the_cache_folder_is_refused_not_run(warehouse, monkeypatch, tmp_path):
    import pickle
    import struct

    folder = tmp_path / "cache"
    monkeypatch.setenv("CSB_CACHE", "filesystem")
    monkeypatch.setenv("CSB_CACHE_DIR", str(folder))
    monkeypatch.setenv("CSB_LOCAL_CACHE_ITEMS", "0")
    _app()
    value, frame = _figures_through_the_cache()
    files = [f for f in folder.iterdir() if f.stat().st_size > 8]
    assert files
    marker = tmp_path / "planted-code-ran"
    for f in files:
        f.write_bytes(struct.pack("I", 0) + pickle.dumps(_Planted(marker)))
    again_value, again_frame = _figures_through_the_cache()
    assert not marker.exists()
    assert again_value == value
    pd.testing.assert_frame_equal(again_frame, frame)


@pytest.mark.parametrize("blob", [
    b"!" + b"\x80\x04K\x01.",  # a pickle of 1
    codec.MAGIC + b'{"$":"frame","columns":1}',
    codec.MAGIC + b'{"$":"os.system","v":"id"}',
    codec.MAGIC + b"[" * 100_000,
    codec.MAGIC + b'{"$":"ndarray","dtype":"V8","shape":[1],"v":[1]}',
    b"",
])
def test_bytes_the_cache_did_not_write_are_refused(blob):
    with pytest.raises(codec.Refused):
        codec.decode(blob)
    assert cache.DataSerializer().loads(blob) is None


def test_cached_answers_come_back_as_the_same_types():
    frame = pd.DataFrame({
        "period": pd.to_datetime(["2026-11-01", "2026-11-02"]),
        "area_code": pd.Series(["a", None], dtype="str"),
        "value": [1.5, float("nan")],
        "n": pd.array([1, None], dtype="Int64"),
        "flag": [True, False],
    }, index=pd.Index(["x", "y"], name="k"))
    frame.attrs["as_of"] = date(2026, 11, 2)
    value = {"frame": frame, ("a", 1): [date(2026, 1, 1), datetime(2026, 1, 1, 8, 30)],
             "t": (1, "2", None), "$": float("inf"), "arr": np.array([1.0, 2.0]), "s": {1, 2}}
    back = codec.decode(codec.encode(value))
    pd.testing.assert_frame_equal(back["frame"], frame)
    assert back["frame"].attrs == {"as_of": date(2026, 11, 2)}
    assert back[("a", 1)] == value[("a", 1)] and back["t"] == value["t"] and back["s"] == {1, 2}
    assert back["$"] == float("inf") and back["arr"].tolist() == [1.0, 2.0]
    with pytest.raises(codec.Unsupported):
        codec.encode({"x": object()})


def test_every_need_the_wall_declares_can_be_cached():
    """The wall's one read is keyed by its need descriptions: a need class the codec does not
    know would make that read uncacheable (served, but read again at every refresh)."""
    from data import codec
    from layouts import wall as view

    needs = {need: None for need in view.NEEDS}
    assert codec.decode(codec.encode(needs)) == needs
