"""The console's storage on SQLite and PostgreSQL: notices, the audit trail, screens, and the
edit count the cache keys carry."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select

from auth.guard import Principal
from console import audit, notices, screens
from data import content, db
from data import version as data_versions
from data.schema import area
from data.schema import content as content_table

EDITOR = Principal("xiaowang", "editor", "session", areas=("510104011000",))


@pytest.fixture
def engine(warehouse_url):
    made = db.make_engine(warehouse_url)
    db.ensure_schema(made)
    with made.begin() as conn:
        conn.execute(insert(area).values(code="510104011000", name="沙河街道", level="street", is_sample=False))
    yield made
    made.dispose()


def values(**changes) -> dict:
    form = {"kind": "notice", "title": "停水通知", "title_en": "Water cut", "body": "**请储水**",
            "area_code": "510104011000", "published_at": "2026-12-05 17:00", "ends_at": "2026-12-06 18:00"}
    return notices.check({**form, **changes})


def test_a_notice_is_stored_changed_and_withdrawn_with_its_trail_and_the_edit_count_moves(engine):
    with engine.connect() as conn:
        assert data_versions.read_with_edits(conn)[1] == 0
    first = notices.publish(engine, EDITOR, values())
    notices.edit(engine, EDITOR, first, values(title="停水通知（改）", pinned=True))
    second = notices.publish(engine, EDITOR, values(title="另一条"))
    listed = content.items(["notice"], "510104011000", engine=engine)
    assert [i["id"] for i in listed][:2] == [first, second]  # pinned first
    notices.withdraw(engine, EDITOR, first)
    assert first not in [i["id"] for i in content.items(["notice"], "510104011000", engine=engine)]
    with engine.connect() as conn:
        row = conn.execute(select(content_table).where(content_table.c.id == first)).one()
        version, edits = data_versions.read_with_edits(conn)
    assert (row.title, row.withdrawn_by, row.updated_by, row.published_at) == \
        ("停水通知（改）", "xiaowang", "xiaowang", datetime(2026, 12, 5, 17, 0))
    assert edits == 4 and data_versions.stamp_of(version, edits) == f"{version}.4"
    trail = audit.entries(engine, subject=f"content:{first}")
    assert [e.action for e in trail] == ["notice.withdraw", "notice.edit", "notice.publish"]
    assert trail[1].before["pinned"] is False and trail[1].after["pinned"] is True
    with pytest.raises(notices.NotEditable):
        notices.edit(engine, EDITOR, first, values())


def test_screens_contact_and_two_reload_requests_in_one_second_differ(engine):
    screens.forget_seen()
    screens.seen("lobby", engine)
    screens.seen("lobby", engine)  # within the minute: not written again, no error
    first = screens.request_reload(engine, EDITOR, "lobby", "510104011000")["reload_at"]
    second = screens.request_reload(engine, EDITOR, "lobby", "510104011000")["reload_at"]
    assert second > first
    assert screens.reload_stamp("lobby", engine) == second.isoformat()
    (row,) = screens.listing([{"screen": "lobby", "area": "510104011000", "created_at": ""}], engine)
    assert row["last_seen_at"] is not None and row["reload_by"] == "xiaowang"
    assert [e.action for e in audit.entries(engine, action="screen.")] == ["screen.reload", "screen.reload"]


def test_an_audit_record_needs_a_name_and_refuses_what_json_cannot_hold(engine):
    with pytest.raises(ValueError, match="who made the change"):
        audit.record(engine, "", "notice.publish", "content:1", None, {"a": 1})
    with pytest.raises(TypeError):
        audit.record(engine, EDITOR, "notice.publish", "content:1", None, {"a": object()})
    assert audit.entries(engine) == []


def test_this_process_sees_its_own_console_edit_at_once(engine, warehouse_url):
    """The app trusts its data version for a while (``CSB_VERSION_TTL``); a console edit
    committed in this process is not to wait for that: an overview opened right after a target
    was saved showed, and kept, the old one. The next stamp carries the edit."""
    from flask import Flask

    from data import cache as data_cache

    reader = data_versions.Reader(ttl=3600)  # trusted for an hour: only forgetting can show the edit
    data_cache.init_app(Flask("console-store"), reader)
    try:
        before = data_cache.stamp(warehouse_url)
        assert data_cache.stamp(warehouse_url) == before  # trusted
        with engine.begin() as conn:
            audit.record(conn, "xiaowang", "target.set", "target:hotline_on_time_rate:510104011001:2026",
                         None, {"value": 0.985})
        assert data_cache.stamp(warehouse_url) != before
    finally:
        data_cache.reset()
