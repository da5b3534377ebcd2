"""The app factory: every app it builds serves the project's pages and callbacks."""
import re

import dashboard


def scripts(page: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', page)


def test_a_second_app_in_one_process_still_has_every_callback(sample_warehouse_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    first = dashboard.create_app().server.test_client()
    assert first.get("/_dash-dependencies").status_code == 200  # the first app takes Dash's global registry
    second = dashboard.create_app().server.test_client()
    outputs = [d["output"] for d in second.get("/_dash-dependencies").get_json()]
    assert any("wall-data.data" in o for o in outputs), "the wall's refresh callback is missing from the second app"
    assert len(outputs) == len([d["output"] for d in first.get("/_dash-dependencies").get_json()])


def test_healthz_answers_with_the_build_and_data_version(sample_warehouse_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    body = dashboard.create_app().server.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["data_version"] > 0 and body["build"]


def test_healthz_is_503_when_the_warehouse_cannot_be_reached_and_keeps_the_reason_for_the_log(monkeypatch, caplog):
    from data import db

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    db.dispose_engines()
    answer = dashboard.create_app().server.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.get_json() == {"status": "unavailable"}
    assert "127.0.0.1" not in answer.get_data(as_text=True), "the database's address is for the log only"
    assert any("healthz" in r.getMessage() and "127.0.0.1" in r.getMessage() for r in caplog.records)
    db.dispose_engines()


def _warehouse_copy(sample_warehouse_url: str, target) -> str:
    import sqlite3

    with sqlite3.connect(sample_warehouse_url.split("///", 1)[1]) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


def test_a_deleted_sqlite_warehouse_is_a_503_never_a_new_empty_one_and_it_recovers(sample_warehouse_url, tmp_path,
                                                                                    monkeypatch, caplog):
    from data import db

    live = tmp_path / "warehouse.db"
    monkeypatch.setenv("DATABASE_URL", _warehouse_copy(sample_warehouse_url, live))
    db.dispose_engines()
    client = dashboard.create_app().server.test_client()
    assert client.get("/healthz").status_code == 200
    aside = tmp_path / "aside.db"
    live.rename(aside)  # an operator moves it away while serving
    for _ in range(3):
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.get_json() == {"status": "unavailable"}
    assert not live.exists(), "the app made a new, empty warehouse"
    assert any("unable to open database file" in r.getMessage() for r in caplog.records)
    aside.rename(live)  # put back: served again, no restart
    assert client.get("/healthz").status_code == 200
    # Replaced by a restore (another file at the same path): the restored one is read.
    _warehouse_copy(sample_warehouse_url, tmp_path / "restored.db")
    (tmp_path / "restored.db").replace(live)
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/version").get_json()["data_version"] > 0
    db.dispose_engines()


def test_an_app_started_without_its_sqlite_warehouse_does_not_create_one(tmp_path, monkeypatch, sample_warehouse_url):
    from data import db

    missing = tmp_path / "not-built-yet.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    db.dispose_engines()
    client = dashboard.create_app().server.test_client()
    assert client.get("/healthz").status_code == 503
    answer = client.get("/api/v1/version")
    assert answer.status_code == 503 and answer.get_json()["error"] == "unavailable"
    assert not missing.exists()
    _warehouse_copy(sample_warehouse_url, missing)  # the first load arrives
    assert client.get("/healthz").status_code == 200
    db.dispose_engines()


def test_a_broken_playlist_is_reported_at_start_up_with_file_and_line(tmp_path, monkeypatch, caplog):
    broken = tmp_path / "playlist.yaml"
    broken.write_text("refresh_seconds: 60\npanels:\n  - id: no_such_panel\n    seconds: 10\n", encoding="utf-8")
    monkeypatch.setenv("CSB_PLAYLIST", str(broken))
    with caplog.at_level("ERROR"):
        dashboard.create_app()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert str(broken) in logged and "line" in logged


def test_the_wall_page_brings_no_chart_library_and_leaves_out_the_grid(sample_warehouse_url, monkeypatch):
    """The wall draws its charts as its own elements: no plotly.js to fetch and compile."""
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    client = dashboard.create_app().server.test_client()
    wall = scripts(client.get("/wall?area=510104011000").get_data(as_text=True))
    assert [src for src in wall if "dash_renderer" in src]
    assert not [src for src in wall if "plotly" in src or "dash_ag_grid" in src]
    explore = scripts(client.get("/explore").get_data(as_text=True))
    assert [src for src in explore if "dash_ag_grid" in src]


def test_the_date_pickers_chinese_locale_is_of_the_date_fns_dcc_bundles():
    """After a Dash upgrade that moves its date pickers to another date-fns major version, the
    vendored Chinese locale must be refreshed too (assets/vendor/README.md)."""
    import json
    from pathlib import Path

    from dash import dcc

    wanted = json.loads((Path(dcc.__file__).parent / "package-info.json").read_text())["dependencies"]["date-fns"]
    head = (dashboard.ROOT / "assets" / "date-fns-zh-CN.min.js").read_text(encoding="utf-8").splitlines()[0]
    assert f"date-fns {wanted.lstrip('^~').split('.')[0]}." in head
