"""Activity sign-ups: what the services screen's activity figures are made of.

One record is one sign-up. Activities are counted once per start day and community,
sign-ups by type and age band, checked-in participants also by gender, and checked-in
party members by type. The sign-up system's API is paginated and flaky: every page is
fetched, with retries.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from data.catalog import read_metrics
from data.schema import etl_reject, etl_run, fact
from etl import pipeline, reach
from etl.extract import RefusedFile
from etl.sources import activities
from support import everything_stored, figures

NOW = datetime(2025, 3, 20, 18, 0)
HUIQUAN, CHUANGYE = "510104011001", "510104011002"


def signup(activity, community, kind, start, age="35-59", party=False, gender="女", checked=True, **extra):
    return {"activity_id": activity, "activity_name": "社区活动", "community": community, "type": kind,
            "start_time": start, "participant": {"age_band": age, "is_party_member": party, "gender": gender},
            "checked_in": checked, **extra}


def write_lines(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_metric_codes_are_the_catalogues_activity_metrics():
    catalogue = read_metrics()
    assert set(activities.METRICS) | set(reach.metrics("activities")) == set(
        catalogue.loc[catalogue["source"] == "activities", "code"])


def test_sign_ups_become_daily_counts_by_type_age_and_gender(warehouse, tmp_path):
    path = write_lines(tmp_path / "signups.jsonl", [
        # A1: a party day at 汇泉路, named three ways (name, code, full-width with a space).
        signup("A1", "汇泉路社区", "党建", "2025-03-07T09:30:00+08:00", age="60+", party=True, gender="男",
               name="王建国", phone="13812345678", id_number="510104195501011234"),
        signup("A1", HUIQUAN, "党建", "2025-03-07T09:30:00+08:00", age="60+", party=True, checked=False),
        signup("A1", "汇泉路 社区", "党建", "2025-03-07T09:30:00+08:00", age="35-59", party="是", gender="女"),
        # A2: a family activity the same day, checked in with 1/0 and a sign-up without an age band.
        signup("A2", "汇泉路", "亲子", "2025-03-07 15:00", age="0-17", gender="男", checked=1),
        signup("A2", "汇泉路社区", "亲子", "2025-03-07 15:00", age="", gender="女", checked=0),
        # B1: at 创业社区 on another day, the time written in UTC.
        signup("B1", "创业社区", "体育", "2025-03-08T01:00:00Z", age="18-34", gender="女"),
    ])
    [result] = pipeline.load_location(warehouse, "activities", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 6, 0)

    got = figures(warehouse)
    day = ("2025-03-07", HUIQUAN)
    assert got[(*day, "activities_held", "", "")] == 2
    assert got[(*day, "activities_held", "type", "党建")] == 1
    assert got[(*day, "activity_signups", "", "")] == 5
    assert got[(*day, "activity_participants", "", "")] == 3
    assert got[(*day, "activity_party_participants", "", "")] == 2
    assert got[(*day, "activity_party_participants", "type", "党建")] == 2
    assert got[(*day, "activity_signups", "type", "党建")] == 3
    assert got[(*day, "activity_signups", "age_band", "60+")] == 2
    assert got[(*day, "activity_signups", "age_band", "未填写")] == 1
    assert got[(*day, "activity_participants", "age_band", "60+")] == 1
    assert got[(*day, "activity_participants", "gender", "女")] == 1
    assert got[(*day, "activity_participants", "gender", "男")] == 2
    assert got[(*day, "activity_participants", "type", "亲子")] == 1
    # 01:00 UTC is 09:00 in Chengdu, the same day.
    assert got[("2025-03-08", CHUANGYE, "activity_participants", "age_band", "18-34")] == 1

    stored = everything_stored(warehouse)
    for personal in ("王建国", "13812345678", "510104195501011234"):
        assert personal not in stored


def test_bad_sign_ups_are_rejected_with_row_field_and_reason(warehouse, tmp_path):
    """An unknown age band costs only the age band (a warning); the rest cost their row."""
    path = write_lines(tmp_path / "signups.jsonl", [
        signup("A1", "汇泉路社区", "文化", "2025-03-07 09:30"),
        signup("A1", "汇泉路社区", "文化", "2025-03-07 09:30", age="未知"),
        signup("A2", "幸福里社区", "文化", "2025-03-07 09:30"),
        signup("A3", "汇泉路社区", "跳舞", "2025-03-07 09:30"),
        signup("A4", "汇泉路社区", "文化", "2026-03-07 09:30"),
        signup("A5", "汇泉路社区", "文化", "2025-03-07 09:30", checked="maybe"),
    ])
    [result] = pipeline.load_location(warehouse, "activities", str(path), now=NOW)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 2, 4)
    with warehouse.connect() as conn:
        rejects = {r.row_number: (r.field, r.reason, r.severity) for r in conn.execute(select(etl_reject))}
    assert rejects[2][0] == "age_band" and "未知" in rejects[2][1] and rejects[2][2] == "warning"
    assert {row for row, (_, _, severity) in rejects.items() if severity == "refused"} == {3, 4, 5, 6}
    assert rejects[3][0] == "community" and "幸福里社区" in rejects[3][1]
    assert rejects[4][0] == "type" and "跳舞" in rejects[4][1]
    assert rejects[5][0] == "start_time" and "future" in rejects[5][1]
    assert rejects[6][0] == "checked_in" and "maybe" in rejects[6][1]
    got = figures(warehouse)
    assert got[("2025-03-07", HUIQUAN, "activity_signups", "", "")] == 2
    assert got[("2025-03-07", HUIQUAN, "activity_signups", "age_band", "未填写")] == 1


def test_upcoming_activities_wait_for_a_later_delivery(warehouse, tmp_path):
    """Next week's sign-ups cannot be checked in yet: counting them now would sink the check-in rate."""
    path = write_lines(tmp_path / "signups.jsonl", [
        signup("A1", "汇泉路社区", "文化", "2025-03-07 09:30"),
        signup("N1", "汇泉路社区", "文化", "2025-03-25 09:30", checked=False),
    ])
    [result] = pipeline.load_location(warehouse, "activities", str(path), now=NOW)
    assert result.rows_rejected == 0 and "not started yet" in result.message
    assert not any(key[0] == "2025-03-25" for key in figures(warehouse))

    later = write_lines(tmp_path / "signups-later.jsonl", [
        signup("N1", "汇泉路社区", "文化", "2025-03-25 09:30", checked=True),
    ])
    pipeline.load_location(warehouse, "activities", str(later), now=datetime(2025, 3, 26))
    assert figures(warehouse)[("2025-03-25", HUIQUAN, "activity_participants", "", "")] == 1


class FlakyApi:
    """The sign-up API on a loopback port: every page fails once with 503 (when flaky), then answers."""

    def __init__(self, records: list[dict], announce: int | None = None, flaky: bool = True):
        self.records, self.announce, self.flaky = records, announce, flaky
        self.requests: list[int] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                query = parse_qs(urlsplit(self.path).query)
                page, per_page = int(query["page"][0]), int(query["per_page"][0])
                first_try = page not in api.requests
                api.requests.append(page)
                if first_try and api.flaky:
                    self.send_response(503)
                    self.end_headers()
                    return
                chunk = api.records[(page - 1) * per_page: page * per_page]
                total = len(api.records) if api.announce is None else api.announce
                body = json.dumps({"data": chunk, "page": page, "total": total}, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/signups"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api_records():
    return [signup(f"A{i // 2}", "汇泉路社区", "文化", f"2025-03-{1 + i // 2:02d} 09:30", name="李四",
                   phone="13900001111") for i in range(5)]


def test_every_page_of_a_flaky_api_arrives(warehouse, api_records):
    api = FlakyApi(api_records)
    try:
        [result] = pipeline.load_location(warehouse, "activities", f"{api.url}?per_page=2", now=NOW)
    finally:
        api.close()
    assert api.requests == [1, 1, 2, 2, 3, 3]  # each page refused once, then fetched
    assert (result.rows_read, result.rows_loaded) == (5, 5)
    got = figures(warehouse)
    assert sum(v for (p, a, m, d, mb), v in got.items() if m == "activity_signups" and d == "") == 5
    assert got[("2025-03-03", HUIQUAN, "activity_signups", "", "")] == 1
    assert "13900001111" not in everything_stored(warehouse)


def test_an_api_that_returns_fewer_records_than_announced_loads_nothing(warehouse, api_records):
    api = FlakyApi(api_records, announce=9, flaky=False)
    try:
        with pytest.raises(RefusedFile, match="announced 9"):
            pipeline.load_location(warehouse, "activities", f"{api.url}?per_page=2", now=NOW)
    finally:
        api.close()
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(fact)).scalar() == 0
        runs = conn.execute(select(etl_run.c.status, etl_run.c.message)
                            .where(etl_run.c.source == "activities")).all()
    assert [status for status, _ in runs] == ["failed"]  # the attempt is on record, as failed
    assert "announced 9" in runs[0].message
