"""The app factory: every app it builds serves the project's pages and callbacks."""
import dashboard


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


def test_healthz_is_503_when_the_warehouse_cannot_be_reached(monkeypatch):
    from data import db

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    db.dispose_engines()
    answer = dashboard.create_app().server.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["status"] == "unavailable"
    db.dispose_engines()


def test_a_broken_playlist_is_reported_at_start_up_with_file_and_line(tmp_path, monkeypatch, caplog):
    broken = tmp_path / "playlist.yaml"
    broken.write_text("refresh_seconds: 60\npanels:\n  - id: no_such_panel\n    seconds: 10\n", encoding="utf-8")
    monkeypatch.setenv("CSB_PLAYLIST", str(broken))
    with caplog.at_level("ERROR"):
        dashboard.create_app()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert str(broken) in logged and "line" in logged
