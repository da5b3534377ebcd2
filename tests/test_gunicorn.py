"""The app as a district runs it: gunicorn workers, the real PostgreSQL and Redis.

Each test starts ``gunicorn dashboard:server`` (the project's gunicorn.conf.py) in a
subprocess on a loopback port, against a PostgreSQL schema of its own holding one street's
figures, and reads them through the JSON API. The access log records which worker (pid)
answered each request, so "every worker" below is checked, not hoped for.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import insert, update

from data import db
from data.catalog import load_catalog
from data.schema import etl_run, fact
from support import ROOT, free_port

COMMUNITY = "510104011001"  # 汇泉路社区
STREET = "510104011000"  # 沙河街道
FIGURE = f"/api/v1/value?metric=hotline_received&area={STREET}&start=2026-10-01&end=2026-10-31"
OUTAGE = "cache backend unavailable"
ACCESS_FORMAT = "access pid=%(p)s status=%(s)s path=%(U)s"

pytestmark = pytest.mark.postgres


class Gunicorn:
    """``gunicorn dashboard:server`` with the project's settings, on a free loopback port."""

    def __init__(self, env: dict, workers: int = 3):
        self.port = free_port()
        self.workers = workers
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - read after the server stops
            prefix="csb-gunicorn-", suffix=".log", delete=False)
        self.env = {**os.environ, **env, "CSB_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "CSB_BUILD_ID": "test", "CSB_VERSION_TTL": "0.5", "CSB_ACCESS_LOG": "-"}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Gunicorn:
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "dashboard:server", "-c", "gunicorn.conf.py",
             "--access-logformat", ACCESS_FORMAT],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.output()[-3000:]}")
            if len(self.worker_pids()) == self.workers:
                try:
                    if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                        return self
                except requests.ConnectionError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up on {self.url}: {self.output()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # quick shutdown: nothing here needs draining
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def worker_pids(self) -> set[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return set()
        return {int(pid) for pid in children}

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def pids_serving(self, path: str) -> list[int]:
        """The worker pid of every logged request for ``path``, in order."""
        return [int(pid) for pid, p in re.findall(r"access pid=<?(\d+)>? status=\d+ path=(\S+)", self.output())
                if p == path]


def _get_many(url: str, count: int, parallel: int = 12) -> list[requests.Response]:
    """``count`` requests, several at a time on fresh connections so every worker gets some."""
    def one(_):
        return requests.get(url, timeout=20, headers={"Connection": "close"})

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, range(count)))


def _until_every_worker_answered(app: Gunicorn, path: str, batches: int = 10) -> list[requests.Response]:
    """Batches of parallel requests until the access log shows every worker answering ``path``."""
    logged = path.split("?", 1)[0]  # the access log records the path without its query
    before = len(app.pids_serving(logged))
    answers: list[requests.Response] = []
    for _ in range(batches):
        answers += _get_many(app.url + path, 30)
        if set(app.pids_serving(logged)[before:]) == app.worker_pids():
            return answers
    raise AssertionError(f"after {len(answers)} requests some worker never answered: {app.output()[-2000:]}")


def _load(engine, value: float) -> int:
    """What a load does, as far as the app can see: facts replaced, a successful run recorded."""
    with engine.begin() as conn:
        conn.execute(update(fact).where(fact.c.area_code == COMMUNITY, fact.c.metric_code == "hotline_received")
                     .values(value=value))
        return conn.execute(insert(etl_run).values(source="hotline", started_at=datetime.now(), status="success",
                                                   finished_at=datetime.now())).inserted_primary_key[0]


@pytest.fixture
def warehouse(pg_url):
    """One street's 12345 figure on the real PostgreSQL, with one successful load."""
    engine = db.get_engine(pg_url)
    load_catalog(engine)
    with engine.begin() as conn:
        run = conn.execute(insert(etl_run).values(source="hotline", started_at=datetime(2026, 11, 1),
                                                  status="success")).inserted_primary_key[0]
        conn.execute(insert(fact), [
            dict(period=date(2026, 10, day), area_code=COMMUNITY, metric_code="hotline_received", dimension="",
                 member="", value=7, run_id=run)
            for day in (3, 17)
        ])
    return engine


@pytest.fixture
def servers():
    started: list[Gunicorn] = []

    def start(env: dict, workers: int = 3) -> Gunicorn:
        server = Gunicorn(env, workers).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        Path(server.log.name).unlink(missing_ok=True)


def test_a_new_load_reaches_every_worker_at_its_next_refresh(warehouse, pg_url, redis_url, servers):
    app = servers({"DATABASE_URL": pg_url, "CSB_CACHE": "redis", "REDIS_URL": redis_url})
    before = _until_every_worker_answered(app, FIGURE)
    assert {r.status_code for r in before} == {200}
    assert {r.json()["value"] for r in before} == {14}, "every worker answered the figure (and cached it)"

    version = _load(warehouse, 10)
    time.sleep(1)  # each worker re-reads the data version at most every CSB_VERSION_TTL (0.5 s)
    after = _until_every_worker_answered(app, FIGURE)
    assert {r.json()["value"] for r in after} == {20}, "no worker serves figures older than the latest load"
    assert {r.json()["data_version"] for r in after} == {version}


def test_with_redis_down_pages_and_api_answer_and_the_log_says_so_once_per_worker(warehouse, pg_url, servers):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = servers({"DATABASE_URL": pg_url, "CSB_CACHE": "redis", "REDIS_URL": nowhere})
    answers = _get_many(app.url + FIGURE, 40)
    assert {r.status_code for r in answers} == {200}
    assert {r.json()["value"] for r in answers} == {14}, "figures come straight from the warehouse"
    for page in ("/", "/wall", "/explore", "/healthz"):
        assert requests.get(app.url + page, timeout=20).status_code == 200, page
    workers_hit = set(app.pids_serving("/api/v1/value"))
    outages = [line for line in app.output().splitlines() if OUTAGE in line]
    # Every worker warms itself (dashboard.warm) through the cache before it serves, so each
    # may say so once, whether or not the API requests reached it.
    assert len(workers_hit) <= len(outages) <= len(app.worker_pids()), "once per worker, not once per request"
    assert 40 > len(outages) >= 1


def test_two_app_hosts_share_one_redis_and_one_postgresql(warehouse, pg_url, redis_url, servers):
    env = {"DATABASE_URL": pg_url, "CSB_CACHE": "redis", "REDIS_URL": redis_url}
    first, second = servers(env, workers=2), servers(env, workers=2)
    assert requests.get(first.url + FIGURE, timeout=20).json()["value"] == 14
    assert requests.get(second.url + FIGURE, timeout=20).json()["value"] == 14

    version = _load(warehouse, 1)
    time.sleep(1)
    seen_by_first = requests.get(first.url + FIGURE, timeout=20).json()
    assert (seen_by_first["value"], seen_by_first["data_version"]) == (2, version)
    seen_by_second = requests.get(second.url + FIGURE, timeout=20).json()
    assert (seen_by_second["value"], seen_by_second["data_version"]) == (2, version)
    shared = redis.Redis.from_url(redis_url).keys(f"csb:{version}:value:*")
    assert len(shared) == 1, "the second host read the figure the first one cached, from the same Redis"
