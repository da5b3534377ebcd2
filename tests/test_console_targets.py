"""The console's Targets and Playlist sections, seen from outside: real requests to the real
app (access control on) over a copy of the sample warehouse, posted as Dash's renderer posts
them; with and without a session, the form token, the right role and the right area. A
refusal leaves the warehouse as it was; a change is audited and reaches the wall, the
overview's figures and the API at their next refresh.
"""
# ruff: noqa: F811 - the fixtures app, people, tokens and warehouse are test_console's, named as parameters
from __future__ import annotations

import json

from sqlalchemy import func, select

from console import audit
from data import playlist, targets
from data.schema import audit as audit_table
from data.schema import playlist_version, target
from layouts.ids import Console, ConsolePlaylist, ConsoleTargets, Wall
from test_auth import BASE, renderer_request, run, wall_refresh
from test_console import HUAYANG, SHAHE, app, form_token, people, signed_in, tokens, warehouse  # noqa: F401 - fixtures

COMMUNITY = "510104011001"  # 汇泉路社区, in 沙河街道
RATE = "hotline_on_time_rate"


def targets_post(csrf, typed: dict[str, str], *, area=COMMUNITY, year=2026, lang="zh") -> dict:
    body = renderer_request(f"{ConsoleTargets.RESULT}.children", [], {
        (ConsoleTargets.SAVE, "n_clicks"): 1, (ConsoleTargets.YEAR, "value"): year, (Console.CSRF, "data"): csrf,
        (Console.CONTEXT, "data"): {"lang": lang, "area": area, "tab": "targets"}, (ConsoleTargets.VERSION, "data"): 0})
    body["state"][0] = [{"id": ConsoleTargets.value(code), "property": "value", "value": v} for code, v in typed.items()]
    body["state"][1] = [{"id": ConsoleTargets.value(code), "property": "id", "value": ConsoleTargets.value(code)}
                        for code in typed]
    return body


def playlist_post(csrf, document: dict | None, *, area=SHAHE, restore: int | None = None, lang="zh") -> dict:
    body = renderer_request(f"{ConsolePlaylist.RESULT}.children", [], {
        (ConsolePlaylist.SAVE, "n_clicks"): 0 if restore else 1, (ConsolePlaylist.WORKING, "data"): document,
        (ConsolePlaylist.REFRESH, "value"): str((document or {}).get("refresh", "")), (Console.CSRF, "data"): csrf,
        (Console.CONTEXT, "data"): {"lang": lang, "area": area, "tab": "playlist"},
        (ConsolePlaylist.VERSION, "data"): 0})
    if restore is not None:
        button = ConsolePlaylist.restore(restore)
        body["inputs"][1] = [{"id": button, "property": "n_clicks", "value": 1}]
        body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    return body


def said(answer, component: str) -> str:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return json.dumps(answer.get_json()["response"][component], ensure_ascii=False)


def stored(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar() for t in (target, playlist_version,
                                                                                          audit_table))


def document(*panels: str, refresh=60) -> dict:
    return {"refresh": refresh, "health_check": 10, "reload_at": "03:30",
            "panels": [{"id": p, "duration": 20} for p in panels], "windows": []}


def rotation(client, area=SHAHE) -> list[str]:
    answer = run(client, wall_refresh(area))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    shown = answer.get_json()["response"].get(Wall.PLAYLIST)
    return [p["id"] for p in shown["data"]["panels"]] if shown else []


# --- targets ---------------------------------------------------------------------------------------

def test_an_editor_sets_a_communitys_target_audited_and_the_api_and_the_wall_use_it(app, warehouse):
    editor = signed_in(app, "shahe")
    assert "已保存 2026 年的 1 项目标" in said(run(editor, targets_post(form_token(editor), {RATE: "99"})),
                                             ConsoleTargets.RESULT)
    with warehouse.connect() as conn:
        assert targets.read_in_force(conn) == {(RATE, COMMUNITY, 2026): 0.99}
    (entry,) = audit.entries(warehouse, action="target.set")
    assert (entry.user, entry.subject, entry.area, entry.before, entry.after) == \
        ("shahe", f"target:{RATE}:{COMMUNITY}:2026", COMMUNITY, {"value": None}, {"value": 0.99})

    admin = signed_in(app, "admin")  # the API is for analysts and admins
    answer = admin.get(f"{BASE}/api/v1/value?metric={RATE}&area={COMMUNITY}&start=2026-01-01&end=2026-03-31").get_json()
    assert (answer["target"], answer["target_source"], answer["target_area"]) == (0.99, "community", COMMUNITY)
    street = admin.get(f"{BASE}/api/v1/value?metric={RATE}&area={SHAHE}&start=2026-01-01&end=2026-03-31").get_json()
    assert (street["target"], street["target_source"]) == (0.95, "catalogue")
    earlier = admin.get(f"{BASE}/api/v1/value?metric={RATE}&area={COMMUNITY}&start=2025-01-01&end=2025-03-31").get_json()
    assert earlier["target_source"] == "catalogue"  # a target is for its year
    listed = admin.get(f"{BASE}/api/v1/metrics?code={RATE}&area={COMMUNITY}").get_json()
    assert listed["target_source"] in ("community", "catalogue")  # this year's: 2026's only when it is 2026

    # the wall of the community: its tile says whose target it is
    kpis = run(editor, wall_refresh(COMMUNITY)).get_json()["response"][Wall.DATA]["data"]["kpis"]
    tile = next(k for k in kpis if k["code"] == RATE)
    if targets.now_year() == 2026:
        assert tile["target"] in ("目标99%·社区", "▼ 目标99%·社区")


def test_a_bad_target_is_refused_naming_the_metric_and_the_field_and_nothing_is_stored(app, warehouse):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    before = stored(warehouse)
    shown = said(run(editor, targets_post(csrf, {"service_avg_wait": "8", RATE: "九十九"})), ConsoleTargets.RESULT)
    assert "未保存" in shown and "12345按时办结率" in shown and "目标值" in shown and "九十九" in shown
    shown = said(run(editor, targets_post(csrf, {RATE: "960"})), ConsoleTargets.RESULT)
    assert "0% 到 100%" in shown
    assert stored(warehouse) == before  # the good row of the refused save is not kept either


def test_target_saves_without_a_session_a_viewers_a_kiosks_or_another_streets_are_refused(app, warehouse, tokens):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    before = stored(warehouse)
    assert run(app.test_client(), targets_post(csrf, {RATE: "99"})).status_code == 401
    assert run(signed_in(app, "viewer"), targets_post(csrf, {RATE: "99"})).status_code == 403
    kiosk = app.test_client()
    kiosk.get(f"{BASE}/wall?token={tokens.add('lobby', SHAHE)}&area={SHAHE}")
    assert run(kiosk, targets_post(csrf, {RATE: "99"})).status_code == 403
    assert "表单已过期" in said(run(editor, targets_post("forged", {RATE: "99"})), ConsoleTargets.RESULT)
    huayang = signed_in(app, "huayang")
    assert "huayang 无权管理地区 510104011001" in said(run(huayang, targets_post(form_token(huayang), {RATE: "99"})),
                                                   ConsoleTargets.RESULT)
    assert stored(warehouse) == before


# --- the playlist ----------------------------------------------------------------------------------

def test_a_saved_playlist_is_audited_and_the_wall_follows_at_its_next_refresh(app, warehouse):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    assert rotation(editor)[:2] == ["party", "governance"]  # the file's
    assert "已保存为第" in said(run(editor, playlist_post(csrf, document("league", "party"))), ConsolePlaylist.RESULT)
    assert rotation(editor) == ["league", "party"]
    assert rotation(editor, COMMUNITY) == ["league", "party"]  # the street's screens below it too
    (entry,) = audit.entries(warehouse, action="playlist.save")
    assert (entry.user, entry.subject, entry.area) == ("shahe", f"playlist:{SHAHE}", SHAHE)
    assert entry.before == {"version": None, "playlist": None}
    assert [p["id"] for p in entry.after["playlist"]["panels"]] == ["league", "party"]


def test_a_malformed_playlist_is_refused_with_the_field_and_the_reason_and_walls_keep_theirs(app, warehouse):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    run(editor, playlist_post(csrf, document("league", "party")))
    before = stored(warehouse)
    bad = document("league", "party")
    bad["panels"][1]["duration"] = "二十"
    shown = said(run(editor, playlist_post(csrf, bad)), ConsolePlaylist.RESULT)
    assert "未保存" in shown and "白天（其余时段） · 第 2 个面板 · 停留秒数" in shown and "number of seconds" in shown
    shown = said(run(editor, playlist_post(csrf, document("league", refresh=0))), ConsolePlaylist.RESULT)
    assert "数据刷新间隔" in shown
    assert stored(warehouse) == before
    assert rotation(editor) == ["league", "party"]


def test_an_earlier_playlist_is_restored_as_the_newest_version_and_the_wall_follows(app, warehouse):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    run(editor, playlist_post(csrf, document("party", "league")))
    run(editor, playlist_post(csrf, document("guide")))
    with warehouse.connect() as conn:
        first, second = sorted(v["id"] for v in playlist.versions(conn, SHAHE))
    assert rotation(editor) == ["guide"]
    assert f"已恢复第 {first} 版" in said(run(editor, playlist_post(csrf, None, restore=first)), ConsolePlaylist.RESULT)
    assert rotation(editor) == ["party", "league"]
    (entry,) = audit.entries(warehouse, action="playlist.restore")
    assert entry.before["version"] == second and entry.after["restored_from"] == first


def test_playlist_changes_without_a_session_a_viewers_a_kiosks_or_another_streets_are_refused(app, warehouse, tokens):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    run(editor, playlist_post(csrf, document("party")))
    with warehouse.connect() as conn:
        (mine,) = [v["id"] for v in playlist.versions(conn, SHAHE)]
    before = stored(warehouse)
    for body in (playlist_post(csrf, document("guide")), playlist_post(csrf, None, restore=mine)):
        assert run(app.test_client(), body).status_code == 401
        assert run(signed_in(app, "viewer"), body).status_code == 403
        kiosk = app.test_client()
        kiosk.get(f"{BASE}/wall?token={tokens.add('lobby', SHAHE)}&area={SHAHE}")
        assert run(kiosk, body).status_code == 403
    huayang = signed_in(app, "huayang")
    theirs = form_token(huayang)
    assert "无权管理地区 510104011000" in said(run(huayang, playlist_post(theirs, document("guide"))),
                                           ConsolePlaylist.RESULT)
    assert "无权管理地区 510104011000" in said(run(huayang, playlist_post(theirs, None, restore=mine)),
                                           ConsolePlaylist.RESULT)
    # their own street: saving there is fine, and restoring Shahe's version into it is not
    assert "已保存为第" in said(run(huayang, playlist_post(theirs, document("guide"), area=HUAYANG)),
                               ConsolePlaylist.RESULT)
    assert f"没有第 {mine} 版" in said(run(huayang, playlist_post(theirs, None, restore=mine, area=HUAYANG)),
                                    ConsolePlaylist.RESULT)
    # every screen (no area) is an admin's
    assert "无权管理地区" in said(run(editor, playlist_post(csrf, document("guide"), area=None)),
                               ConsolePlaylist.RESULT)
    assert stored(warehouse)[1] == before[1] + 1  # Huayang's own save only
    assert rotation(editor) == ["party"]


def test_the_sections_draw_for_an_editor_of_the_area(app):
    editor = signed_in(app, "shahe")
    table = renderer_request(f"{ConsoleTargets.TABLE}.children", [], {
        (ConsoleTargets.YEAR, "value"): 2026, (ConsoleTargets.VERSION, "data"): 0,
        (Console.CONTEXT, "data"): {"lang": "zh", "area": COMMUNITY}})
    shown = said(run(editor, table), ConsoleTargets.TABLE)
    assert "12345按时办结率" in shown and "95.0%（默认目标）" in shown
    loaded = renderer_request(f"{ConsolePlaylist.IN_FORCE}.children", [], {
        (ConsolePlaylist.VERSION, "data"): 0, (Console.CONTEXT, "data"): {"lang": "zh", "area": SHAHE}})
    answer = run(editor, loaded)
    assert "默认文件 playlist.yaml" in said(answer, ConsolePlaylist.IN_FORCE)
    assert [p["id"] for p in answer.get_json()["response"][ConsolePlaylist.WORKING]["data"]["panels"]][:2] == \
        ["party", "governance"]
    other = signed_in(app, "huayang")
    assert "无权管理地区" in said(run(other, loaded), ConsolePlaylist.IN_FORCE)
