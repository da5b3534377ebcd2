"""Shared fixtures: warehouses on SQLite and on the real PostgreSQL of this machine.

Every PostgreSQL test gets a schema of its own (``search_path``), so parallel runs and a
developer's session sharing one server never see each other's tables. Under ``CI=true`` a
PostgreSQL or Redis that cannot be reached is a failure, never a skip.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from data import db

PG_URL = os.environ.get("CSB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CSB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(what: str, err: Exception):
    if IN_CI:
        pytest.fail(f"{what} must be reachable under CI=true: {err}")
    pytest.skip(f"{what} not reachable: {err}")


@contextmanager
def pg_schema():
    """URL of a fresh, empty PostgreSQL schema, dropped afterwards (any scope of fixture)."""
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:  # noqa: BLE001 - any connection failure means "not reachable"
        _unavailable("PostgreSQL at 127.0.0.1:5432", err)
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    db.dispose_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_url():
    """URL of a fresh, empty PostgreSQL schema, dropped after the test."""
    with pg_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    """URL of a fresh SQLite warehouse file in the test's temporary folder."""
    yield f"sqlite:///{tmp_path / 'warehouse.db'}"
    db.dispose_engines()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request):
    """The same test on SQLite and on PostgreSQL: a URL of an empty warehouse."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(warehouse_url):
    """An engine on an empty warehouse with the schema created (SQLite and PostgreSQL)."""
    return db.get_engine(warehouse_url)


@pytest.fixture
def warehouse(engine):
    """An empty warehouse with the shipped metric catalogue and area register loaded."""
    from data.catalog import load_catalog

    load_catalog(engine)
    return engine


@pytest.fixture
def redis_url():
    """URL of a Redis database of this test process's own (15 for the first pytest-xdist
    worker, 14 for the second, ...), flushed before and after the test."""
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # set by pytest-xdist in each worker
    base, number = REDIS_URL.rsplit("/", 1)
    url = f"{base}/{int(number) - int(worker.removeprefix('gw') or 0)}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except Exception as err:  # noqa: BLE001
        _unavailable("Redis at 127.0.0.1:6379", err)
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture(scope="session")
def sample_warehouse_url(tmp_path_factory):
    """A SQLite warehouse built by the real generator and ETL: 沙河街道, three months, small."""
    from support import build_sample_warehouse

    return build_sample_warehouse(tmp_path_factory.mktemp("sample-warehouse"))


@pytest.fixture(scope="module")
def reading_app_server(sample_warehouse_url):
    """One app for a module whose tests only read, so they can share it."""
    from support import AppServer

    server = AppServer(sample_warehouse_url).start()
    yield server
    server.stop()


@pytest.fixture
def app_server(sample_warehouse_url):
    """The real app serving the sample warehouse on a loopback port."""
    from support import AppServer

    server = AppServer(sample_warehouse_url).start()
    yield server
    server.stop()


@pytest.fixture
def browser():
    """Headless Chromium at 1920x1080 as a fresh one: no cookies, no cache, a new tab.

    One Chromium serves the tests in turn (starting one takes seconds): each test gets a new
    tab of it and gives it back closed, its console read for the end-of-test check.
    """
    from support import borrow_driver, give_back

    driver = borrow_driver(1920, 1080, performance_log=True)
    yield driver
    give_back(driver)


def _console_report(problems: list[str]) -> str:
    return "the browser console was not clean:\n  " + "\n  ".join(problems)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Every test that drove Chromium (through support.make_driver) ends with a clean console.

    A hook, not a fixture, so no browser test can leave it out and so it runs while
    function-scoped drivers are still open. A test that already failed keeps its own failure.
    """
    from support import take_console_problems

    try:
        result = yield
    except BaseException:
        take_console_problems()
        raise
    problems = take_console_problems()
    if problems:
        pytest.fail(_console_report(problems), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """What a console said between the test's end and its drivers' quitting counts too."""
    from support import take_console_problems

    result = yield
    problems = take_console_problems()
    if problems:
        pytest.fail(_console_report(problems), pytrace=False)
    return result


def pytest_sessionfinish(session, exitstatus):
    """Quit the Chromiums that browser tests borrowed in turn (support.borrow_driver)."""
    from support import quit_spares

    quit_spares()
