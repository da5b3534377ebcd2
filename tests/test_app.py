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


def test_the_wall_page_brings_the_small_chart_bundle_and_leaves_out_the_grid(sample_warehouse_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    client = dashboard.create_app().server.test_client()
    wall = scripts(client.get("/wall?area=510104011000").get_data(as_text=True))
    assert any(src.startswith("/assets/vendor/plotly-basic.min.js") for src in wall)
    assert not [src for src in wall if "dash_ag_grid" in src]
    explore = scripts(client.get("/explore").get_data(as_text=True))
    assert [src for src in explore if "dash_ag_grid" in src] and not [src for src in explore if "plotly-basic" in src]
    served = client.get("/assets/vendor/plotly-basic.min.js")
    assert served.status_code == 200 and b"window.Plotly = Plotly" in served.get_data()


def test_the_vendored_chart_bundle_is_the_plotly_js_that_plotly_ships():
    """After a plotly upgrade, the wall's bundle must be refreshed too (assets/vendor/README.md)."""
    from plotly.offline import get_plotlyjs_version

    head = (dashboard.ROOT / "assets" / "vendor" / "plotly-basic.min.js").read_text(encoding="utf-8")[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in head
