"""An explorer view is built once per URL state, day and data version, then served from the cache."""
from __future__ import annotations

import pytest

import dashboard
from callbacks import explore
from data import db, query

VIEW = "?metric=hotline_received&area=510104011000&period=last_12_months&grain=month"


@pytest.fixture
def app(sample_warehouse_url, tmp_path, monkeypatch):
    import sqlite3

    copy = tmp_path / "warehouse.db"  # this test records a load: not in the shared sample
    with sqlite3.connect(sample_warehouse_url.split("///", 1)[1]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("CSB_VERSION_TTL", "0")  # see a new load at once
    db.dispose_engines()
    app = dashboard.create_app()
    with app.server.test_request_context("/explore"):
        yield app
    db.dispose_engines()


def test_a_view_is_served_from_the_cache_until_the_data_changes(app, monkeypatch):
    figure, table = explore.render_trend(VIEW)
    assert isinstance(figure, dict) and figure["data"] and table["rows"]

    def no_warehouse(*_args, **_kwargs):
        raise AssertionError("the warehouse was read again for a cached view")

    monkeypatch.setattr(query, "series", no_warehouse)
    assert explore.render_trend(VIEW) == (figure, table)

    with db.get_engine().begin() as conn:  # a new load: the data version moves on
        conn.exec_driver_sql("INSERT INTO etl_run (source, location, started_at, finished_at, status) "
                             "VALUES ('test', 'test', '2026-01-01 00:00:00', '2026-01-01 00:00:01', 'success')")
    with pytest.raises(AssertionError, match="read again"):
        explore.render_trend(VIEW)
