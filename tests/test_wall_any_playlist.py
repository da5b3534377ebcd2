"""Any playlist that passes the playlist checks draws a complete wall (issue 13).

Centre staff are told they may edit the playlist: whichever panels they keep, in whatever
order, with or without time windows, the first screen the server sends must carry every
panel the playlist names, each filled (its as-of stamp, its charts drawn, its lists
written), and nothing else.
"""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callbacks import wall
from data import playlist as playlists
from layouts import wall as view
from layouts.ids import Wall
from support import wall_app, wall_chart

_counter = itertools.count()

panel_lists = st.lists(st.sampled_from(playlists.PANELS), min_size=1, max_size=10)
clock = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")
windows = st.lists(
    st.tuples(clock, clock, panel_lists, st.sampled_from([None, *playlists.DIM_LEVELS])).filter(
        lambda w: w[0] != w[1]),
    max_size=3,
)


def _yaml(panels: list[str], spans: list[tuple], durations: bool) -> str:
    def entries(ids, indent):
        pad = " " * indent
        if durations:
            return "".join(f"{pad}- id: {p}\n{pad}  duration: {5 + n}\n" for n, p in enumerate(ids))
        return "".join(f"{pad}- {p}\n" for p in ids)

    text = "refresh: 30\npanels:\n" + entries(panels, 2)
    if spans:
        text += "windows:\n"
        for n, (start, end, ids, dim) in enumerate(spans):
            text += f'  - name: w{n}\n    from: "{start}"\n    to: "{end}"\n'
            if dim is not None:
                text += f"    dim: {dim}\n"
            text += "    panels:\n" + entries(ids, 6)
    return text


@pytest.fixture(scope="module")
def app(sample_warehouse_url):
    monkeypatch = pytest.MonkeyPatch()
    with wall_app(sample_warehouse_url, monkeypatch) as app:
        yield app
    monkeypatch.undo()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(panels=panel_lists, spans=windows, durations=st.booleans(), lang=st.sampled_from(["zh", "en"]),
       area=st.sampled_from(["510104011000", "510104011001"]))
def test_any_valid_playlist_draws_a_complete_first_screen(app, tmp_path_factory, monkeypatch, panels, spans,
                                                          durations, lang, area):
    text = _yaml(panels, spans, durations)
    parsed = playlists.parse(text)  # the checks staff's edits pass
    path = tmp_path_factory.mktemp(f"playlist{next(_counter)}") / "playlist.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CSB_PLAYLIST", str(path))

    page = wall.first_screen(area, lang)

    found = wall._components(page)
    assert playlists.load().problem is None
    assert page[Wall.DATA].data["ok"], page[Wall.DATA].data
    shown = [c.id["panel"] for c in found.values() if isinstance(c.id, dict) and c.id.get("type") == "wall-panel"]
    assert shown == parsed.panels()  # every panel named, once, and no other
    assert getattr(page[Wall.STAGE], "data-active") in shown
    for panel in shown:
        assert getattr(page[Wall.panel(panel)], "data-as-of"), panel
        for chart in view.PANELS[panel].charts:
            assert wall_chart(found, chart.id).children, chart.id  # drawn: its marks, or why it has none
    for stat in wall._ids(found, "wall-stat"):
        assert page[stat].children is not None, stat
    assert page[Wall.AREA_NAME].children and not page[Wall.NOTE].children  # no unknown area, no playlist error
    assert len(page[Wall.DATA].data["kpis"]) == len(view.KPIS)
    client = page[Wall.PLAYLIST].data
    assert [w["dim"] for w in client["windows"]] == [s[3] or playlists.DIM_NONE for s in spans]
