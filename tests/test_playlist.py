"""The wall's playlist: staff edit it by hand, so every mistake must be named and survived."""
from __future__ import annotations

import logging

import pytest

from data import playlist
from data.playlist import PANELS, PlaylistError


def write(tmp_path, text: str, name: str = "playlist.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem_of(text: str) -> PlaylistError:
    with pytest.raises(PlaylistError) as caught:
        playlist.parse(text, "/srv/wall/playlist.yaml")
    return caught.value


def test_the_shipped_playlist_is_valid_and_shows_every_panel():
    shipped = playlist.read(playlist.default_path())
    assert shipped.problem is None
    assert shipped.panels() == list(PANELS)
    assert shipped.refresh == 60
    assert shipped.reload_at == "03:30"


def test_the_shipped_playlist_has_a_quieter_dimmer_evening_and_night():
    shipped = playlist.read(playlist.default_path())
    evening = shipped.rotation_at(20 * 60)
    night = shipped.rotation_at(2 * 60)  # the night window runs past midnight
    daytime = shipped.rotation_at(10 * 60)
    assert len(night) < len(evening) < len(daytime)
    dims = {w.dim for w in shipped.windows if w.contains(20 * 60)} | {w.dim for w in shipped.windows
                                                                      if w.contains(2 * 60)}
    assert dims == {"evening", "night"}
    assert [w["dim"] for w in shipped.for_client()["windows"]] == ["evening", "night"]


def test_a_window_may_dim_the_wall_and_its_level_is_checked():
    text = "panels: [party]\nwindows:\n  - from: '22:00'\n    to: '06:00'\n    dim: night\n    panels: [guide]\n"
    parsed = playlist.parse(text)
    assert parsed.windows[0].dim == "night"
    assert playlist.parse(text.replace("    dim: night\n", "")).windows[0].dim == "none"
    problem = problem_of(text.replace("dim: night", "dim: dark"))
    assert problem.line == 5 and "dim must be one of none, evening, night, not 'dark'" in problem.reason


def test_order_durations_and_windows_are_read_as_written():
    parsed = playlist.parse(
        """
refresh: 30
duration: 12
panels:
  - id: league
    duration: 8
  - party
windows:
  - name: lunch
    from: "12:00"
    to: 13:30
    panels: [guide]
""",
        "p.yaml",
    )
    assert [(e.panel, e.duration) for e in parsed.entries] == [("league", 8), ("party", 12)]
    assert parsed.refresh == 30
    assert parsed.rotation_at(12 * 60 + 15)[0].panel == "guide"
    assert parsed.rotation_at(13 * 60 + 30)[0].panel == "league"  # the window's end is exclusive


def test_the_browser_gets_milliseconds_and_a_signature_that_follows_edits():
    one = playlist.parse("refresh: 2\npanels:\n  - id: party\n    duration: 1.5\n").for_client()
    two = playlist.parse("refresh: 2\npanels:\n  - id: party\n    duration: 2\n").for_client()
    assert one["refresh_ms"] == 2000
    assert one["panels"] == [{"id": "party", "ms": 1500}]
    assert one["signature"] != two["signature"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("panels:\n  - id: party\n  - id: weather\n", 3, "unknown panel 'weather'"),
        ("panels:\n  - id: party\n    duration: ten\n", 3, "duration must be a number of seconds, not 'ten'"),
        ("panels:\n  - id: party\n    duration: -5\n", 3, "more than 0"),
        ("refesh: 60\npanels: [party]\n", 1, "unknown key 'refesh'"),
        ("panels: [party]\nwindows:\n  - from: '19:00'\n    to: 7pm\n    panels: [guide]\n", 4,
         'to must be a time of day like "07:30"'),
        ("panels: [party]\nwindows:\n  - from: '19:00'\n    panels: [guide]\n", 3, "a window needs 'to'"),
        ("panels: []\n", 1, "panels must be a list of panels"),
        ("refresh: 60\n", 1, "no 'panels' list"),
        ("panels:\n  - id: party\n   duration: 5\n", 3, "not valid YAML"),
        ("panels:\n  - {id: party, id: guide}\n", 2, "'id' appears twice"),
    ],
)
def test_a_mistake_names_the_line_and_the_reason(text, line, words):
    problem = problem_of(text)
    assert problem.line == line
    assert words in problem.reason
    assert str(problem).startswith(f"playlist.yaml, line {line}: ")


def test_an_empty_or_missing_file_is_named(tmp_path):
    assert "empty" in problem_of("").reason
    with pytest.raises(PlaylistError, match="file not found"):
        playlist.read(tmp_path / "nowhere.yaml")


def test_a_bad_playlist_falls_back_to_the_default_and_is_reported_once(tmp_path, caplog):
    bad = write(tmp_path, "panels:\n  - id: party\n  - id: horoscope\n")
    with caplog.at_level(logging.ERROR, logger="data.playlist"):
        used = playlist.load(bad)
        again = playlist.load(bad)
    assert used.panels() == list(PANELS)  # the shipped default
    assert used.problem is not None
    assert used.problem.path == str(bad) and used.problem.line == 3
    assert "unknown panel 'horoscope'" in used.problem.reason
    assert again is used
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "playlist.yaml, line 3: unknown panel 'horoscope'" in errors[0].getMessage()


def test_csb_playlist_names_the_file_and_an_edit_is_picked_up(tmp_path, monkeypatch):
    path = write(tmp_path, "panels: [league, guide]\n", name="lobby.yaml")
    monkeypatch.setenv("CSB_PLAYLIST", str(path))
    assert playlist.configured_path() == path
    assert playlist.load().panels() == ["league", "guide"]
    path.write_text("refresh: 5\npanels: [activities]\n", encoding="utf-8")
    edited = playlist.load()
    assert edited.panels() == ["activities"]
    assert edited.refresh == 5


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("panels: [party]  # 党建\n".encode("gbk"))
    used = playlist.load(path)
    assert used.problem is not None
    assert "not UTF-8" in used.problem.reason
