"""One data version per request: a load landing inside the version TTL never pins old figures.

The wall's memo used to be keyed by the data version read fresh while the cache keys
carried the version the worker trusted for ``CSB_VERSION_TTL`` seconds: a refresh just
after a load filed the old figures under the new version, and the wall kept showing them
until the next load or midnight. Now every key of a request carries the request's version.
"""
from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import event, func, insert, select, update

import dashboard
from callbacks import wall
from data import db, query, settings
from data.periods import month_start
from data.schema import etl_run, fact
from layouts.ids import Wall

STREET = "510104011000"  # 沙河街道
TTL = 3.0


def _copy(sample_warehouse_url: str, tmp_path) -> str:
    copy = tmp_path / "warehouse.db"  # these tests record loads: not in the shared sample
    with sqlite3.connect(sample_warehouse_url.split("///", 1)[1]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(sample_warehouse_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", _copy(sample_warehouse_url, tmp_path))
    monkeypatch.setenv("CSB_VERSION_TTL", str(TTL))
    db.dispose_engines()
    wall._cache.clear()
    app = dashboard.create_app()
    yield app
    wall._cache.clear()
    db.dispose_engines()


def _screen(app):
    """A wall's first screen (computes and caches the street's figures) and its outputs' ids."""
    with app.server.test_request_context("/wall"):
        page = wall.first_screen(STREET, "zh")
    found = wall._components(page)
    return page, [wall._ids(found, kind) for kind in ("wall-chart", "wall-panel", "wall-kpi", "wall-stat")]


def _refresh(app, page, ids) -> str:
    """One wall refresh (one callback request) of a screen showing nothing yet: the 12345 stat it shows."""
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        data, _charts, _stamps, _classes, stats, *_rest = wall.answer(
            {"n": 1}, None, page[Wall.CONFIG].data, page[Wall.PLAYLIST].data, *ids)
    assert data["ok"], data
    return dict(zip([i["stat"] for i in ids[3]], stats))["gov-hotline_received"]


def _load(engine) -> None:
    """What a load does, as far as the wall sees it: this month's 12345 figures change, a run succeeds.

    The run's id is far from the sample's, so no other test's memo key can match it.
    """
    with engine.begin() as conn:
        conn.execute(update(fact).where(fact.c.metric_code == "hotline_received").values(value=fact.c.value * 2 + 1))
        latest = conn.execute(select(func.max(etl_run.c.id))).scalar() or 0
        conn.execute(insert(etl_run).values(id=latest + 7000, source="hotline", started_at=settings.local_now(),
                                            finished_at=settings.local_now(), status="success"))


def _hotline_this_month(engine) -> str:
    today = settings.local_today()
    fresh = query.value("hotline_received", STREET, month_start(today), today, engine=engine)  # uncached
    return wall.number(fresh, lang="zh")["text"]


def test_a_load_within_the_version_ttl_shows_at_the_next_refresh(app):
    engine = db.get_engine()
    before = _hotline_this_month(engine)
    page, ids = _screen(app)
    time.sleep(TTL + 0.2)
    started = time.monotonic()
    assert _refresh(app, page, ids) == before  # reads the version: trusted for the next TTL seconds
    _load(engine)
    after = _hotline_this_month(engine)
    assert after != before
    within = _refresh(app, page, ids)  # this worker still trusts the old version
    assert time.monotonic() - started < TTL, "the machine was too slow to refresh within the TTL"
    assert within == before, "one version per request: the old one, whole"
    time.sleep(TTL + 0.2)
    assert _refresh(app, page, ids) == after, "the first refresh after the TTL shows the load"
    assert _refresh(app, page, ids) == after


def test_a_refresh_whose_figures_are_cached_asks_the_warehouse_nothing(app):
    page, ids = _screen(app)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.get_engine(), "before_cursor_execute", count)
    try:
        with app.server.test_request_context("/_dash-update-component", method="POST"):
            data, *_rest = wall.answer({"n": 1}, page[Wall.DATA].data, page[Wall.CONFIG].data,
                                       page[Wall.PLAYLIST].data, *ids)
    finally:
        event.remove(db.get_engine(), "before_cursor_execute", count)
    assert data["ok"] and data["key"] == page[Wall.DATA].data["key"]
    assert statements == [], f"a cached refresh ran {len(statements)} statements: {statements[:3]}"


def test_a_request_keeps_the_version_it_read_first(sqlite_url, monkeypatch):
    from flask import Flask

    from data import cache

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CSB_CACHE", "simple")
    monkeypatch.setenv("CSB_VERSION_TTL", "0.05")
    db.dispose_engines()
    engine = db.get_engine()
    server = Flask(__name__)
    cache.init_app(server)
    try:
        def run() -> int:
            with engine.begin() as conn:
                return conn.execute(insert(etl_run).values(source="hotline", started_at=settings.local_now(),
                                                           status="success")).inserted_primary_key[0]

        first = run()
        with server.test_request_context("/"):
            assert cache.data_version() == first
            second = run()
            time.sleep(0.1)  # past the TTL: only the request's pin holds the version
            assert cache.data_version() == first, "one version for the whole request"
        with server.test_request_context("/"):
            assert cache.data_version() == second, "the next request reads the load"
        assert query.data_version() == second
    finally:
        cache.reset()
