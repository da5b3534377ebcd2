"""A process is warm before /healthz lets a visitor in: the first wall a fresh process
serves reads nothing the hundredth would not (no statement on the warehouse at all)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import event

import dashboard
from callbacks import wall
from data import cache as data_cache
from data import db
from support import ROOT, free_port

ROUTE = next(body for method, path, body in dashboard.WARM_REQUESTS if method == "POST")


@pytest.fixture
def fresh_app(sample_warehouse_url, monkeypatch):
    """A new app as a new worker has it: no figures memoised, no engine, nothing cached."""
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    monkeypatch.setenv("CSB_VERSION_TTL", "3600")  # one version read per process: counts do not depend on timing
    db.dispose_engines()
    app = dashboard.create_app()
    with app.server.app_context():
        data_cache.cache.clear()
    wall._cache.clear()
    yield app
    db.dispose_engines()


def _statements_of_the_wall_route(app) -> tuple[int, bytes]:
    ran: list[str] = []

    def count(conn, cursor, statement, *args):
        ran.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = app.server.test_client().post("/_dash-update-component", json=ROUTE)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert answer.status_code == 200
    return len(ran), answer.data


def test_a_cold_process_reads_the_warehouse_for_its_first_wall(fresh_app):
    """What warming saves, counted: without it the first wall runs statements the second does not."""
    first, page = _statements_of_the_wall_route(fresh_app)
    second, _ = _statements_of_the_wall_route(fresh_app)
    assert first > second == 0, (first, second)
    assert b"wall-root" in page
    assert not fresh_app.server.extensions[dashboard.WARMTH].done.is_set()  # a visitor's wall is not a warm-up


def test_healthz_says_warming_until_the_process_is_warm_and_then_the_first_wall_reads_nothing(fresh_app):
    client = fresh_app.server.test_client()
    state = fresh_app.server.extensions[dashboard.WARMTH]
    with state.lock:  # a warm-up under way in another thread
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.json == {"status": "warming"}
    answer = client.get("/healthz")  # nobody warmed this process: /healthz does, then says so
    assert answer.status_code == 200 and answer.json["status"] == "ok"
    assert state.done.is_set()
    first, _ = _statements_of_the_wall_route(fresh_app)
    assert first == 0


def test_a_process_without_its_warehouse_is_not_warm_and_says_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    db.dispose_engines()
    try:
        app = dashboard.create_app()
        assert dashboard.warm(app) is False
        answer = app.server.test_client().get("/healthz")
        assert answer.status_code == 503 and answer.json == {"status": "unavailable"}
        assert not app.server.extensions[dashboard.WARMTH].done.is_set()
    finally:
        db.dispose_engines()


@pytest.mark.slow
def test_a_gunicorn_worker_warms_itself_before_it_answers_anyone(sample_warehouse_url):
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="csb-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    env = {**os.environ, "DATABASE_URL": sample_warehouse_url, "CSB_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "1", "CSB_ACCESS_LOG": "-"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "dashboard:server", "-c", "gunicorn.conf.py",
         "--access-logformat", "access pid=%(p)s status=%(s)s path=%(U)s"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        answered = None
        while answered is None and time.monotonic() < deadline:
            assert proc.poll() is None, Path(log.name).read_text()
            try:  # the first thing asked is a wall's layout, not the health check
                answered = requests.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=30)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answered is not None and answered.status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
        output = Path(log.name).read_text()
        warm = re.search(r"worker (\d+) warm in \d+ ms", output)
        first = re.search(r"access pid=<?(\d+)>? status=200 path=/_dash-layout", output)
        assert warm and first, output[-3000:]
        assert warm.group(1) == first.group(1) and warm.start() < first.start()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_a_failing_warm_up_is_not_run_again_by_every_health_check(fresh_app, monkeypatch, caplog):
    """Hundreds of screens ask /healthz every few seconds: a warm-up that fails (here a
    request the app cannot answer) is tried again only after a pause, meanwhile "warming"."""
    monkeypatch.setattr(dashboard, "WARM_REQUESTS", (("GET", "/_dash-component-suites/nothing/here.js", None),))
    client = fresh_app.server.test_client()
    answers = [client.get("/healthz") for _ in range(3)]
    assert [(a.status_code, a.json) for a in answers] == [(503, {"status": "warming"})] * 3
    assert len([r for r in caplog.records if "warming failed" in r.getMessage()]) == 1
    fresh_app.server.extensions[dashboard.WARMTH].retry_at = 0.0  # the pause is over
    monkeypatch.setattr(dashboard, "WARM_REQUESTS", (("GET", "/wall", None),))
    assert client.get("/healthz").status_code == 200
