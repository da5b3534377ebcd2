"""Faults an operator meets: a broken configuration file, a warehouse that goes away.

A broken playlist, metric catalogue or source configuration must be reported with the
file, the line and the reason when it is read, in words an operator can act on, not as
a traceback; a warehouse that stops answering gives the API a 503 with a JSON reason,
and the API answers again by itself once the warehouse is back.

(The reading functions themselves are tested line by line in test_playlist.py,
test_catalog.py and test_etl_framework.py; this module checks what reaches the operator.)
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

import api
from data import db, settings
from data import playlist as playlists
from etl import cli, config

BROKEN_PLAYLIST = """refresh: 60
panels:
  - id: party
    duration: 10
  - id: weather
    duration: 10
"""


def test_a_broken_playlist_is_logged_and_shown_on_the_wall_with_file_line_and_reason(tmp_path, caplog):
    from callbacks.wall import _note

    path = tmp_path / "lobby.yaml"
    path.write_text(BROKEN_PLAYLIST, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger=playlists.log.name):
        chosen = playlists.load(path)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "lobby.yaml, line 5" in logged and "unknown panel 'weather'" in logged
    assert chosen.problem.line == 5 and chosen.panels()  # the default playlist keeps the wall going
    assert "lobby.yaml, line 5" in _note(chosen.problem, None, "en")
    assert "lobby.yaml 第5行" in _note(chosen.problem, None, "zh")


def _broken_catalogue(folder: Path) -> Path:
    """A copy of the shipped catalogue whose fifth line has a kind that does not exist."""
    for name in ("metrics.csv", "areas.csv"):
        shutil.copy(settings.catalog_dir() / name, folder / name)
    lines = (folder / "metrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[4].split(",")
    fields[6] = "level"  # the kind column
    lines[4] = ",".join(fields)
    (folder / "metrics.csv").write_text("".join(lines), encoding="utf-8")
    return folder / "metrics.csv"


def test_a_broken_catalogue_stops_the_load_naming_file_line_and_reason(tmp_path, monkeypatch, sqlite_url):
    from data.catalog import CatalogError
    from etl import pipeline

    broken = _broken_catalogue(tmp_path)
    monkeypatch.setattr(settings, "catalog_dir", lambda: tmp_path)
    with pytest.raises(CatalogError) as caught:
        pipeline.prepare_warehouse(sqlite_url)
    assert f"{broken}, line 5, field 'kind': unknown kind 'level'" in str(caught.value)


def test_the_etl_command_reports_a_broken_catalogue_without_a_traceback(tmp_path, monkeypatch, sqlite_url, capsys):
    broken = _broken_catalogue(tmp_path)
    monkeypatch.setattr(settings, "catalog_dir", lambda: tmp_path)
    assert cli.main(["--database-url", sqlite_url, "run", "--only", "areas"]) == cli.REFUSED
    assert f"{broken}, line 5" in capsys.readouterr().err


def test_a_source_configuration_that_is_not_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: hotline\n    rhythm: [daily\n", encoding="utf-8")
    with pytest.raises(config.ConfigError) as caught:
        config.load_config(path)
    message = str(caught.value)
    assert str(path) in message and "line 4" in message


def test_a_bad_source_entry_names_the_file_the_entry_and_the_reason(tmp_path, sqlite_url, capsys):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: areas\n  - name: hotline\n    max_mb: lots\n", encoding="utf-8")
    with pytest.raises(config.ConfigError) as caught:
        config.load_config(path)
    assert f"{path}, line 3, source #2 (hotline): max_mb must be a whole number, not 'lots'" == str(caught.value)

    # The command says so on one line and exits 2, leaving the warehouse as it was.
    assert cli.main(["--database-url", sqlite_url, "run", "--config", str(path)]) == cli.REFUSED
    err = capsys.readouterr().err
    assert "refused" in err and str(path) in err and "max_mb" in err and "Traceback" not in err


def test_a_bad_source_entry_names_its_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - name: areas\n  - name: hotline\n    rhythm: hourly\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="line [34]"):
        config.load_config(path)


# --- the warehouse going away and coming back -------------------------------------------------

SHAHE = "510104011000"
VALUE = {"metric": "hotline_received", "area": SHAHE, "start": "2025-01-01", "end": "2025-01-31"}


@pytest.mark.postgres
def test_the_api_answers_503_while_the_warehouse_is_away_and_recovers_by_itself(pg_url, monkeypatch):
    """The warehouse's tables vanish mid-service (its schema renamed, its connections cut),
    then come back: the same running API goes 200 -> 503 with a reason -> 200."""
    from etl import pipeline

    pipeline.prepare_warehouse(pg_url)  # catalogue and area register: enough to answer
    schema = pg_url.rsplit("search_path%3D", 1)[1]
    name = f"csb_faults_{schema}"  # so only this test's own connections are cut
    monkeypatch.setenv("DATABASE_URL", f"{pg_url}&application_name={name}")
    db.dispose_engines()
    app = Flask("faults")
    api.init_app(app)
    client = app.test_client()
    assert client.get("/api/v1/value", query_string=VALUE).status_code == 200

    admin = create_engine(pg_url.split("?")[0], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_away"'))
        cut = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = :name"), {"name": name}).scalar()
    assert cut >= 1
    try:
        away = client.get("/api/v1/value", query_string=VALUE)
        assert away.status_code == 503
        body = away.get_json()
        assert body["error"] == "unavailable" and body["reason"] and away.headers["Retry-After"]
        assert client.get("/api/v1/version").status_code == 503
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER SCHEMA "{schema}_away" RENAME TO "{schema}"'))
        admin.dispose()

    back = client.get("/api/v1/value", query_string=VALUE)
    assert back.status_code == 200 and back.get_json()["area"]["code"] == SHAHE
    db.dispose_engines()


@pytest.mark.postgres
@pytest.mark.browser
@pytest.mark.timeout(240)
def test_the_wall_goes_stale_while_the_warehouse_is_away_and_recovers_by_itself(pg_url, tmp_path, browser):
    """The app keeps running; only its warehouse disappears and returns. The wall keeps its
    figures with a note, then goes live again without a reload."""
    import os
    import subprocess
    import sys

    from etl.samples import generate
    from support import ROOT, AppServer, expect_console
    from test_wall_browser import FAST, open_wall, serve, state, wait

    # While the warehouse is away /healthz answers 503 on purpose, and Chromium logs each one.
    expect_console(r"/healthz - Failed to load resource: the server responded with a status of 503 ")

    schema = pg_url.rsplit("search_path%3D", 1)[1]
    name = f"csb_wall_{schema}"
    url = f"{pg_url}&application_name={name}"
    generate(tmp_path / "samples", months=2, streets=[SHAHE], scale=0.2)
    done = subprocess.run([sys.executable, "-m", "etl", "run"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": url, "CSB_SAMPLES_DIR": str(tmp_path / "samples")})
    assert done.returncode == 0, done.stderr[-2000:]

    server: AppServer = serve(url, tmp_path, FAST)
    admin = create_engine(pg_url.split("?")[0], isolation_level="AUTOCOMMIT")
    try:
        open_wall(browser, server)
        figures = browser.execute_script(
            "return [...document.querySelectorAll('[data-kpi]')].map(e => e.textContent)")
        browser.execute_script("window.__sameWall = 'yes'")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_away"'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n"),
                         {"n": name})
        wait(browser, lambda d: state(d) == "stale", timeout=20, message="the wall did not notice")
        assert browser.find_element("id", "wall-status").text.startswith("⚠")
        assert browser.execute_script(
            "return [...document.querySelectorAll('[data-kpi]')].map(e => e.textContent)") == figures

        with admin.connect() as conn:
            conn.execute(text(f'ALTER SCHEMA "{schema}_away" RENAME TO "{schema}"'))
        wait(browser, lambda d: state(d) == "live", timeout=40, message="the wall did not recover")
        assert browser.find_element("id", "wall-status").text == ""
        assert browser.execute_script("return window.__sameWall") == "yes"
    finally:
        with admin.connect() as conn:  # leave the schema where the fixture will drop it
            if conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": f"{schema}_away"}).first():
                conn.execute(text(f'ALTER SCHEMA "{schema}_away" RENAME TO "{schema}"'))
        admin.dispose()
        server.stop_after(browser)
