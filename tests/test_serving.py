"""How the app's files travel: compressed, kept by browsers when their URL names their
content, asked for again when not; and the wall's page lists only what the wall runs."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest

import dashboard
from data import db

FOREVER = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def client(sample_warehouse_url):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", sample_warehouse_url)
        db.dispose_engines()
        yield dashboard.create_app().server.test_client()
        db.dispose_engines()


def _references(client, page: str) -> list[str]:
    html = client.get(page).get_data(as_text=True)
    return re.findall(r'<(?:script|link)[^>]* (?:src|href)="(/[^"]+)"', html)


def _script(urls: list[str], part: str) -> str:
    found = [u for u in urls if part in u]
    assert len(found) == 1, (part, urls)
    return found[0]


@pytest.mark.parametrize("encoding, decode", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_big_scripts_travel_compressed_and_arrive_whole(client, encoding, decode):
    wall = _references(client, "/wall")
    for url in (_script(wall, "dash_renderer"), _script(wall, "dcc/dash_core_components.")):
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        packed = client.get(url, headers={"Accept-Encoding": encoding})
        assert plain.headers.get("Content-Encoding") is None
        assert packed.headers["Content-Encoding"] == encoding and "Accept-Encoding" in packed.headers["Vary"]
        body = packed.get_data()
        assert len(body) < len(plain.get_data()) / 2, url
        assert decode(body) == plain.get_data(), url


def test_every_file_the_wall_names_is_kept_for_a_year_but_the_page_is_not(client):
    page = client.get("/wall")
    assert page.headers["Cache-Control"] == "no-cache"
    wall = _references(client, "/wall")
    assert len(wall) >= 10
    for url in wall:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == FOREVER, url
    # A page of the laptop side too: its grid bundle and its own styles.
    for url in _references(client, "/explore"):
        assert client.get(url).headers["Cache-Control"] == FOREVER, url


def test_a_url_that_does_not_name_what_is_on_disk_now_is_not_kept(client):
    wall = _references(client, "/wall")
    styles = _script(wall, "wall.css").split("?")[0]
    code = _script(wall, "wall.js").split("?")[0]
    for stale in (f"{styles}?m=1.5", styles, f"{code}?m=1.5", f"{code}?v=an-old-build", code):
        answer = client.get(stale)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache", stale


def test_dashs_data_routes_are_asked_again_every_time(client):
    for route in ("/_dash-layout", "/_dash-dependencies"):
        answer = client.get(route)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache", route
    answer = client.post("/_dash-update-component", json={"output": "nothing.children", "outputs": {}, "inputs": []})
    assert answer.headers["Cache-Control"] == "no-cache"


def test_the_wall_lists_only_the_code_it_runs(client):
    wall = _references(client, "/wall")
    scripts = [u.split("?")[0] for u in wall if u.endswith(".js") or ".js?" in u]
    assert any("dash_renderer" in u for u in scripts)
    # No chart library at all: the wall's charts are its own elements.
    assert not [u for u in scripts if "dash_ag_grid" in u or "dash_table" in u or "plotly" in u or "async-graph" in u]
    explore = _references(client, "/explore")
    assert [u for u in explore if "dash_ag_grid" in u]  # the laptop pages keep their grid
    assert not [u for u in explore if "dash_table" in u or "async-graph" in u]


def test_compression_can_be_left_to_a_reverse_proxy(sample_warehouse_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    monkeypatch.setenv("CSB_COMPRESS", "0")
    db.dispose_engines()
    try:
        plain = dashboard.create_app().server.test_client()
        url = _script(_references(plain, "/wall"), "dash_renderer")
        answer = plain.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert answer.headers.get("Content-Encoding") is None
        assert answer.headers["Cache-Control"] == FOREVER
    finally:
        db.dispose_engines()
