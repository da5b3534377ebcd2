"""What a fresh browser really fetches for the wall, and how it arrives."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from support import wait_for

pytestmark = pytest.mark.browser


def test_a_fresh_browser_fetches_the_wall_compressed_keepable_and_nothing_it_does_not_run(reading_app_server, browser):
    browser.get(f"{reading_app_server.url}/wall")
    wait_for(browser, lambda d: d.execute_script(
        "return document.querySelectorAll('.wall-chart .wall-mark').length > 0;"),
        message="no chart was drawn")
    own = urlsplit(reading_app_server.url).netloc
    answers = {}
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            if urlsplit(response["url"]).netloc == own:
                headers = {k.lower(): v for k, v in response["headers"].items()}
                answers.setdefault(urlsplit(response["url"]).path, []).append((response["url"], headers))
    code = {path: found for path, found in answers.items() if path.endswith((".js", ".css"))}
    assert len(code) >= 10
    # No chart library at all (the wall's charts are its own elements): neither plotly.js nor dcc's graph chunk.
    assert not [p for p in code if "dash_ag_grid" in p or "dash_table" in p or "plotly" in p or "async-graph" in p]
    for path, found in code.items():
        assert len(found) == 1, f"{path} fetched {len(found)} times"
        url, headers = found[0]
        assert headers.get("content-encoding") in {"zstd", "br", "gzip"}, url
        assert headers.get("cache-control") == "public, max-age=31536000, immutable", url
    assert answers["/wall"][0][1]["cache-control"] == "no-cache"
