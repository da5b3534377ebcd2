"""Playlists saved in the warehouse (the console): checked like the file, every version kept,
an old one restored, the most specific area's winning over the file.

On SQLite and on PostgreSQL (``warehouse`` runs each test on both).
"""
from __future__ import annotations

import pytest

from data import playlist

STREET, COMMUNITY, OTHER_STREET = "510104011000", "510104011001", "510116005000"


def doc(*panels: str, duration: float = 20, **extra) -> dict:
    return {"refresh": 60, "panels": [{"id": p, "duration": duration} for p in panels], **extra}


def save(engine, area, body, user="wangfang"):
    with engine.begin() as conn:
        return playlist.save(conn, area, body, user)


def test_without_a_saved_playlist_the_file_is_used(warehouse):
    found = playlist.for_area(STREET, engine=warehouse)
    assert found == playlist.load()
    assert found.problem is None


def test_a_saved_playlist_wins_for_its_area_and_the_areas_below_only(warehouse):
    save(warehouse, STREET, doc("league", "party"))
    assert [e.panel for e in playlist.for_area(STREET, engine=warehouse).entries] == ["league", "party"]
    assert [e.panel for e in playlist.for_area(COMMUNITY, engine=warehouse).entries] == ["league", "party"]
    assert playlist.for_area(OTHER_STREET, engine=warehouse) == playlist.load()
    save(warehouse, COMMUNITY, doc("activities"))  # the community's own beats its street's
    assert [e.panel for e in playlist.for_area(COMMUNITY, engine=warehouse).entries] == ["activities"]
    assert [e.panel for e in playlist.for_area(STREET, engine=warehouse).entries] == ["league", "party"]


def test_one_saved_for_every_screen_is_used_where_no_area_has_its_own(warehouse):
    save(warehouse, playlist.EVERY_SCREEN, doc("guide"))
    save(warehouse, STREET, doc("map"))
    assert [e.panel for e in playlist.for_area(OTHER_STREET, engine=warehouse).entries] == ["guide"]
    assert [e.panel for e in playlist.for_area(COMMUNITY, engine=warehouse).entries] == ["map"]


def test_day_and_evening_sets_hours_and_refresh_survive_the_round_trip(warehouse):
    body = doc("party", "league", refresh=30, windows=[
        {"name": "晚间", "from": "18:30", "to": "22:00", "dim": "evening", "panels": [{"id": "activities", "duration": 40}]}])
    save(warehouse, STREET, body)
    found = playlist.for_area(STREET, engine=warehouse)
    assert found.refresh == 30
    assert [e.panel for e in found.rotation_at(19 * 60)] == ["activities"]
    assert found.dim_at(19 * 60) == "evening"
    assert [e.panel for e in found.rotation_at(10 * 60)] == ["party", "league"]
    again = playlist.document(found)
    assert again["windows"][0]["from"] == "18:30" and again["windows"][0]["panels"] == [{"id": "activities",
                                                                                          "duration": 40.0}]


@pytest.mark.parametrize(("body", "field", "words"), [
    (doc("party", "weather"), "panels › 2 › id", "unknown panel 'weather'"),
    ({"refresh": 60, "panels": [{"id": "party", "duration": "二十"}]}, "panels › 1 › duration", "number of seconds"),
    ({"refresh": -5, "panels": [{"id": "party"}]}, "refresh", "more than 0"),
    ({"refresh": 60, "panels": []}, "panels", "list of panels"),
    ({"refesh": 60, "panels": [{"id": "party"}]}, "refesh", "unknown key"),
    (doc("party", windows=[{"from": "7pm", "to": "22:00", "panels": [{"id": "guide"}]}]), "windows › 1 › from",
     "time of day"),
    (doc("party", windows=[{"from": "18:00", "to": "22:00", "dim": "dark", "panels": [{"id": "guide"}]}]),
     "windows › 1 › dim", "dim must be one of"),
])
def test_a_malformed_save_is_refused_with_the_field_and_the_reason_and_stores_nothing(warehouse, body, field, words):
    save(warehouse, STREET, doc("league"))
    with pytest.raises(playlist.SaveRefused) as caught:
        save(warehouse, STREET, body)
    assert caught.value.field == field
    assert words in caught.value.reason
    with warehouse.connect() as conn:
        assert len(playlist.versions(conn, STREET)) == 1
    assert [e.panel for e in playlist.for_area(STREET, engine=warehouse).entries] == ["league"]


def test_a_yaml_text_save_is_checked_like_the_file(warehouse):
    with pytest.raises(playlist.SaveRefused) as caught:
        save(warehouse, STREET, "panels:\n  - party\n  - partys\n")
    assert caught.value.line == 3 and "unknown panel 'partys'" in caught.value.reason
    save(warehouse, STREET, "panels:\n  - party\n  - league\n")
    assert [e.panel for e in playlist.for_area(STREET, engine=warehouse).entries] == ["party", "league"]


def test_every_version_is_kept_and_an_old_one_restored_as_the_newest(warehouse):
    first = save(warehouse, STREET, doc("party", "league"))
    second = save(warehouse, STREET, doc("league", "party"), user="lisi")
    with warehouse.begin() as conn:
        restored = playlist.restore(conn, STREET, first, "zhaoliu")
    assert restored > second > first
    with warehouse.connect() as conn:
        kept = playlist.versions(conn, STREET)
    assert [(v["id"], v["saved_by"], v["restored_from"]) for v in kept] == \
        [(restored, "zhaoliu", first), (second, "lisi", None), (first, "wangfang", None)]
    assert [e.panel for e in playlist.for_area(STREET, engine=warehouse).entries] == ["party", "league"]


def test_a_version_of_another_area_cannot_be_restored_here(warehouse):
    theirs = save(warehouse, OTHER_STREET, doc("guide"))
    with warehouse.begin() as conn, pytest.raises(LookupError):
        playlist.restore(conn, STREET, theirs, "wangfang")
    assert playlist.for_area(STREET, engine=warehouse) == playlist.load()


def test_a_stored_version_the_checks_now_refuse_falls_back_to_the_file_and_says_so(warehouse):
    from sqlalchemy import insert

    from data.schema import playlist_version

    with warehouse.begin() as conn:  # e.g. a panel removed from the wall since it was saved
        conn.execute(insert(playlist_version).values(area_code=STREET, body="panels:\n  - weather\n",
                                                     saved_by="old", saved_at=__import__("datetime").datetime(2026, 1, 1)))
    found = playlist.for_area(STREET, engine=warehouse)
    assert found.entries == playlist.load().entries
    assert found.problem is not None and "weather" in found.problem.reason


def test_the_walls_charts_take_their_colours_from_their_areas_saved_playlist(warehouse, monkeypatch):
    """The map chart wears the colour of the figure its area's playlist puts on it, whether
    the chart is drawn at the refresh, late or when its panel comes round (one rule:
    ``callbacks.wall.chart_colours``)."""
    from callbacks import wall
    from layouts import wall as view

    monkeypatch.setenv("DATABASE_URL", warehouse.url.render_as_string(hide_password=False))
    save(warehouse, STREET, {"refresh": 60, "panels": [
        {"id": "map", "duration": 20, "metric": "hotline_satisfaction_rate"}, {"id": "party", "duration": 20}]})
    governance = view.chart_colours("hotline_satisfaction_rate")["map-places"]
    assert governance != view.chart_colours(playlist.load().map_metric())["map-places"]
    assert wall.chart_colours({"area": COMMUNITY})["map-places"] == governance  # the street's playlist, below it
    assert wall.chart_colours({"area": OTHER_STREET}) == view.chart_colours(playlist.load().map_metric())
