"""The staff console, seen from outside: roles and areas, CSRF, the audit trail, notices on the
wall, screens' contact and "reload now".

Every request is a real one to the real app (Flask's test client over https, access control
on) over a copy of the sample warehouse (沙河街道): the console's Dash callbacks are posted
as Dash's renderer posts them, with and without a session, the form token, the right role
and the right area. A refusal must leave the warehouse as it was.
"""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

import dashboard
from auth import roles
from auth.__main__ import main as auth_command
from auth.tokens import TokenStore
from auth.users import UserStore
from callbacks import wall
from console import audit, screens
from data import db
from data.schema import audit as audit_table
from data.schema import content, screen
from layouts.ids import Console, Wall
from test_auth import BASE, PASSWORD, SECRET, page_router, renderer_request, run, wall_refresh

SHAHE = "510104011000"  # 沙河街道: the sample warehouse's street
HUAYANG = "510116004000"  # 华阳街道 (双流区): another street, not in the sample warehouse


# --- roles -----------------------------------------------------------------------------------------

def test_an_editor_is_not_an_analyst_and_an_analyst_is_not_an_editor():
    assert [r for r in roles.ROLES if roles.allows(r, "editor")] == ["editor", "admin"]
    assert [r for r in roles.ROLES if roles.allows(r, "analyst")] == ["analyst", "admin"]
    assert [r for r in roles.ROLES if roles.allows(r, "viewer")] == list(roles.ROLES)
    assert [r for r in roles.ROLES if roles.allows(r, "admin")] == ["admin"]
    assert not roles.allows("kiosk", "viewer") and not roles.allows(None, "viewer")
    assert roles.least(["viewer", "editor"]) == "editor"
    assert roles.least(["analyst", "editor"]) == "admin"  # nobody below admin holds both


def test_add_user_makes_an_editor_of_the_areas_given(tmp_path, monkeypatch):
    monkeypatch.setenv("CSB_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth_command(["add-user", "zhang", "--role", "editor", "--area", SHAHE]) == 0
    user = UserStore(tmp_path / "users.json").get("zhang")
    assert user is not None and user.role == "editor" and user.areas == (SHAHE,)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth_command(["add-user", "li", "--role", "editor", "--area", "华阳"]) == 2  # not a code: refused


# --- the app ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def people(tmp_path_factory):
    """A users file: viewer, analyst, admin, an editor of 沙河, one of 华阳, one without areas."""
    path = tmp_path_factory.mktemp("console-users") / "users.json"
    store = UserStore(path)
    for role in ("viewer", "analyst", "admin"):
        store.add(role, PASSWORD, role)
    store.add("shahe", PASSWORD, "editor", [SHAHE])
    store.add("huayang", PASSWORD, "editor", [HUAYANG])
    store.add("nobody", PASSWORD, "editor")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def warehouse(sample_warehouse_url, tmp_path, monkeypatch):
    """A copy of the sample warehouse: these tests write notices."""
    source = Path(sample_warehouse_url.removeprefix("sqlite:///"))
    shutil.copy(source, tmp_path / "warehouse.db")
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.dispose_engines()
    yield create_engine(url)
    db.dispose_engines()


@pytest.fixture
def app(people, warehouse, tmp_path, monkeypatch):
    (tmp_path / "users.json").write_text(people, encoding="utf-8")
    monkeypatch.setenv("CSB_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("CSB_TOKENS_FILE", str(tmp_path / "kiosk_tokens.json"))
    monkeypatch.setenv("CSB_SESSIONS_FILE", str(tmp_path / "ended_sessions.json"))
    monkeypatch.setenv("CSB_AUTH", "on")
    monkeypatch.setenv("CSB_SECRET_KEY", SECRET)
    # a wall refreshes a minute apart, past the 1 s a worker trusts the version it read; here
    # the next refresh comes at once
    monkeypatch.setenv("CSB_VERSION_TTL", "0")
    screens.forget_seen()
    wall._cache.clear()  # the wall's memo is per process, keyed by version: each test has its own warehouse
    return dashboard.create_app().server


@pytest.fixture
def tokens(tmp_path):
    return TokenStore(tmp_path / "kiosk_tokens.json")


def signed_in(server, name):
    client = server.test_client()
    page = client.get(f"{BASE}/login?next=/console")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post(f"{BASE}/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf, "next": "/console"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def console_page(client, search: str = "") -> dict:
    answer = run(client, page_router("/console", search))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()


def form_token(client) -> str:
    """The CSRF token the console page is drawn with (the Store ``Console.CSRF``)."""
    page = json.dumps(console_page(client), ensure_ascii=False)
    found = re.search(r'"data": "([^"]*)", "id": "' + Console.CSRF, page) or \
        re.search(r'"id": "' + Console.CSRF + r'"[^}]*"data": "([^"]*)"', page)
    assert found, "the console page carries no form token"
    return found.group(1)


def notice_post(csrf, *, title="明日停水通知", area=SHAHE, body="8:00-18:00 停水，请提前储水。", editing=None,
                published="", ends="", title_en="Water cut tomorrow", kind="notice", clicks=1) -> dict:
    values = {(Console.NOTICE_SAVE, "n_clicks"): clicks, (Console.NOTICE_NEW, "n_clicks"): 0,
              (Console.NOTICE_ID, "data"): editing, (Console.NOTICE_KIND, "value"): kind,
              (Console.NOTICE_TITLE, "value"): title, (Console.NOTICE_TITLE_EN, "value"): title_en,
              (Console.NOTICE_BODY, "value"): body, (Console.NOTICE_AREA, "value"): area,
              (Console.NOTICE_PUBLISH, "value"): published, (Console.NOTICE_EXPIRE, "value"): ends,
              (Console.NOTICE_PINNED, "value"): [], (Console.CSRF, "data"): csrf,
              (Console.CONTEXT, "data"): {"lang": "zh", "area": SHAHE, "tab": "notices"},
              (Console.NOTICE_VERSION, "data"): 0}
    return renderer_request(f"{Console.NOTICE_RESULT}.children", [], values)


def withdraw_post(csrf, content_id: int) -> dict:
    body = renderer_request(f"{Console.NOTICE_RESULT}.children", [], {
        (Console.CSRF, "data"): csrf, (Console.CONTEXT, "data"): {"lang": "zh", "area": SHAHE},
        (Console.NOTICE_VERSION, "data"): 0, (Console.NOTICE_ID, "data"): None})
    button = Console.notice_withdraw(content_id)
    body["inputs"][3] = [{"id": button, "property": "n_clicks", "value": 1}]
    body["state"][1] = [{"id": button, "property": "id", "value": button}]
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    return body


def reload_post(csrf, name: str) -> dict:
    button = Console.screen_reload(name)
    body = renderer_request(f"{Console.SCREEN_RESULT}.children", [], {
        (Console.CSRF, "data"): csrf, (Console.CONTEXT, "data"): {"lang": "en", "area": SHAHE},
        (Console.SCREEN_VERSION, "data"): 0})
    body["inputs"][0] = [{"id": button, "property": "n_clicks", "value": 1}]
    body["state"][0] = [{"id": button, "property": "id", "value": button}]
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    return body


def result_text(answer) -> str:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return json.dumps(answer.get_json()["response"][Console.NOTICE_RESULT], ensure_ascii=False)


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(content).where(content.c.source == "console")).scalar(),
                conn.execute(select(func.count()).select_from(audit_table)).scalar())


def ticker_titles(client) -> list[str]:
    answer = run(client, wall_refresh(SHAHE))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return [i["title"] for i in answer.get_json()["response"][Wall.DATA]["data"]["ticker"]]


# --- who may use the console -----------------------------------------------------------------------

def test_the_console_page_is_for_editors_and_admins_only(app, tokens):
    anonymous = app.test_client()
    assert anonymous.get(f"{BASE}/console").status_code == 302  # to the login page
    assert run(anonymous, page_router("/console")).status_code == 401
    for name in ("viewer", "analyst"):
        client = signed_in(app, name)
        assert client.get(f"{BASE}/console").status_code == 403, name
        assert run(client, page_router("/console")).status_code == 403, name
    kiosk = app.test_client()
    assert kiosk.get(f"{BASE}/wall?token={tokens.add('lobby', SHAHE)}&area={SHAHE}").status_code == 200
    assert run(kiosk, page_router("/console")).status_code == 403
    for name in ("shahe", "admin"):
        client = signed_in(app, name)
        assert client.get(f"{BASE}/console").status_code == 200
        assert form_token(client)
    editor = signed_in(app, "shahe")  # an editor reads what a viewer reads, and no more
    assert editor.get(f"{BASE}/").status_code == 200 and editor.get(f"{BASE}/wall").status_code == 200
    assert editor.get(f"{BASE}/explore").status_code == 403 and editor.get(f"{BASE}/data").status_code == 403
    assert editor.get(f"{BASE}/api/v1/metrics").status_code in (401, 403)
    page = json.dumps(console_page(signed_in(app, "nobody")), ensure_ascii=False)
    assert "尚未给 nobody 分配管理地区" in page


def test_posts_without_a_session_a_viewers_a_kiosks_or_a_form_token_change_nothing(app, warehouse, tokens):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    before = counts(warehouse)
    assert run(app.test_client(), notice_post(csrf)).status_code == 401
    assert app.test_client().post(f"{BASE}/console", data={"title": "x"}).status_code == 401
    assert editor.post(f"{BASE}/console", data={"title": "x"}).status_code == 405  # the page takes no form
    assert run(signed_in(app, "viewer"), notice_post(csrf)).status_code == 403
    assert run(signed_in(app, "analyst"), notice_post(csrf)).status_code == 403
    kiosk = app.test_client()
    kiosk.get(f"{BASE}/wall?token={tokens.add('lobby', SHAHE)}&area={SHAHE}")
    assert run(kiosk, notice_post(csrf)).status_code == 403
    assert run(kiosk, reload_post(csrf, "lobby")).status_code == 403
    assert "表单已过期" in result_text(run(editor, notice_post("")))
    assert "表单已过期" in result_text(run(editor, notice_post("forged-token")))
    other = signed_in(app, "viewer")  # another session's token is not this one's
    assert run(other, notice_post(csrf)).status_code == 403
    cross = run(editor, notice_post(csrf), Origin="https://evil.example")
    assert cross.status_code == 403
    assert counts(warehouse) == before


def test_an_editor_of_another_street_cannot_post_to_or_reload_shahes_screens(app, warehouse, tokens):
    tokens.add("shahe-lobby", SHAHE)
    huayang = signed_in(app, "huayang")
    csrf = form_token(huayang)
    assert "huayang 无权管理地区 510104011000" in result_text(run(huayang, notice_post(csrf, area=SHAHE)))
    answer = run(huayang, reload_post(csrf, "shahe-lobby"))
    assert "huayang may not act for area 510104011000" in json.dumps(answer.get_json()["response"])
    assert counts(warehouse) == (0, 0)
    with warehouse.connect() as conn:
        assert conn.execute(select(screen.c.reload_at).where(screen.c.name == "shahe-lobby")).scalar() is None


def test_with_logins_off_the_console_changes_nothing_and_says_why(warehouse, monkeypatch):
    monkeypatch.delenv("CSB_AUTH", raising=False)
    client = dashboard.create_app().server.test_client()
    page = json.dumps(console_page(client), ensure_ascii=False)
    assert "CSB_AUTH=on" in page
    assert "CSB_AUTH=on" in result_text(run(client, notice_post("")))
    assert counts(warehouse) == (0, 0)


# --- notices ---------------------------------------------------------------------------------------

def test_a_notice_is_published_edited_and_withdrawn_with_an_audit_record_each_and_the_wall_follows(app, warehouse):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    assert "明日停水通知" not in ticker_titles(editor)
    assert "已发布" in result_text(run(editor, notice_post(csrf)))
    with warehouse.connect() as conn:
        row = conn.execute(select(content).where(content.c.source == "console")).one()
    assert (row.title, row.area_code, row.created_by, row.kind) == ("明日停水通知", SHAHE, "shahe", "notice")
    assert "明日停水通知" in ticker_titles(editor)  # the wall's next refresh: no load needed

    assert "已保存" in result_text(run(editor, notice_post(csrf, title="明日停水通知（改期）", editing=row.id)))
    assert "明日停水通知（改期）" in ticker_titles(editor)
    assert "已撤回" in result_text(run(editor, withdraw_post(csrf, row.id)))
    assert not [t for t in ticker_titles(editor) if t.startswith("明日停水")]

    trail = audit.entries(warehouse, subject=f"content:{row.id}")
    assert [e.action for e in trail] == ["notice.withdraw", "notice.edit", "notice.publish"]
    assert all(e.user == "shahe" and e.role == "editor" and e.area == SHAHE for e in trail)
    assert trail[2].before is None and trail[2].after["title"] == "明日停水通知"
    assert trail[1].before["title"] == "明日停水通知" and trail[1].after["title"] == "明日停水通知（改期）"
    assert trail[0].before["withdrawn_at"] is None and trail[0].after["withdrawn_by"] == "shahe"
    assert trail[0].at.tzinfo is not None  # UTC
    # withdrawn: kept for the record, changed no more
    assert "已被撤回" in result_text(run(editor, notice_post(csrf, title="again", editing=row.id)))


def test_a_scheduled_notice_waits_for_its_time_and_an_expired_one_is_gone(app):
    editor = signed_in(app, "shahe")
    csrf = form_token(editor)
    run(editor, notice_post(csrf, title="下周的通知", published="2999-01-01 08:00"))
    run(editor, notice_post(csrf, title="已过期的通知", published="2000-01-01 08:00", ends="2000-01-02 08:00"))
    titles = ticker_titles(editor)
    assert "下周的通知" not in titles and "已过期的通知" not in titles


@pytest.mark.parametrize("changes, says", [
    ({"title": ""}, "标题：必填"),
    ({"title": "=HYPERLINK(\"http://evil.example\",\"点我\")"}, "标题：不能以“=”开头"),
    ({"title_en": "@SUM(A1)"}, "英文标题（可选）：不能以“@”开头"),
    ({"body": "很长" * 2100}, "正文（Markdown）：最多 4000 个字符，现有 4200 个"),
    ({"published": "明天下午"}, "发布时间：无法识别的时间“明天下午”"),
    ({"published": "2026-12-05 17:00", "ends": "2026-12-05 09:00"}, "到期时间（可选）：必须晚于发布时间"),
])
def test_a_bad_notice_is_refused_naming_the_field_and_the_reason(app, warehouse, changes, says):
    editor = signed_in(app, "shahe")
    assert says in result_text(run(editor, notice_post(form_token(editor), **changes)))
    assert counts(warehouse) == (0, 0)


def test_markup_in_a_notice_is_kept_as_written_and_shown_as_text(app, warehouse):
    editor = signed_in(app, "shahe")
    run(editor, notice_post(form_token(editor), title="<script>alert(1)</script>通知",
                            body="<img src=x onerror=alert(1)>**停水**"))
    with warehouse.connect() as conn:
        row = conn.execute(select(content).where(content.c.source == "console")).one()
    assert row.title == "<script>alert(1)</script>通知"
    assert "<script>alert(1)</script>通知" in ticker_titles(editor)  # text for wall.js's textContent
    preview = renderer_request(f"{Console.NOTICE_PREVIEW}.children", [], {
        (Console.NOTICE_KIND, "value"): "notice", (Console.NOTICE_TITLE, "value"): "标题",
        (Console.NOTICE_BODY, "value"): "<img src=x onerror=alert(1)>**停水**", (Console.CONTEXT, "data"): {"lang": "zh"}})
    shown = json.dumps(run(editor, preview).get_json()["response"], ensure_ascii=False)
    assert "停水" in shown and "onerror" not in shown and "<img" not in shown


def test_delivered_items_are_read_only(app, warehouse):
    with warehouse.connect() as conn:
        delivered = conn.execute(select(content.c.id).where(content.c.source != "console",
                                                            content.c.kind == "notice")).scalars().first()
    assert delivered is not None
    editor = signed_in(app, "admin")
    assert "由数据导入提供" in result_text(run(editor, notice_post(form_token(editor), editing=delivered)))
    assert "由数据导入提供" in result_text(run(editor, withdraw_post(form_token(editor), delivered)))


# --- screens and the audit view ----------------------------------------------------------------------

def test_a_screens_contact_is_recorded_and_reload_now_reaches_its_next_refresh(app, warehouse, tokens):
    kiosk = app.test_client()
    assert kiosk.get(f"{BASE}/wall?token={tokens.add('shahe-lobby', SHAHE)}&area={SHAHE}").status_code == 200
    with warehouse.connect() as conn:
        assert conn.execute(select(screen.c.last_seen_at).where(screen.c.name == "shahe-lobby")).scalar() is not None

    def reload_stamp():
        answer = run(kiosk, wall_refresh(SHAHE))
        return answer.get_json()["response"][Wall.DATA]["data"]["reload"]

    first = reload_stamp()
    editor = signed_in(app, "shahe")
    answer = run(editor, reload_post(form_token(editor), "shahe-lobby"))
    assert "Asked shahe-lobby to reload" in json.dumps(answer.get_json()["response"])
    assert reload_stamp() not in ("", first)
    (entry,) = audit.entries(warehouse, action="screen.reload")
    assert (entry.user, entry.subject, entry.area) == ("shahe", "screen:shahe-lobby", SHAHE)
    assert entry.before["reload_at"] is None and entry.after["reload_by"] == "shahe"
    assert "viewer" not in json.dumps(run(signed_in(app, "viewer"), wall_refresh(SHAHE)).get_json())  # no reload key
    assert "reload" not in run(editor, wall_refresh(SHAHE)).get_json()["response"][Wall.DATA]["data"]


def test_only_admins_read_the_audit_trail(app):
    editor = signed_in(app, "shahe")
    run(editor, notice_post(form_token(editor)))
    body = renderer_request(f"{Console.AUDIT_LIST}.children", [], {(Console.CONTEXT, "data"): {"lang": "zh"}})
    assert "只有管理员" in json.dumps(run(editor, body).get_json(), ensure_ascii=False)
    shown = json.dumps(run(signed_in(app, "admin"), body).get_json(), ensure_ascii=False)
    assert "notice.publish" in shown and "明日停水通知" in shown and "shahe (editor)" in shown


def test_choosing_another_area_or_section_opens_its_own_link(app):
    editor = signed_in(app, "admin")
    body = renderer_request(f"{Console.URL}.href", [], {
        (Console.AREA, "value"): "510104011001", (Console.TABS, "value"): "screens",
        (Console.CONTEXT, "data"): {"lang": "en", "area": SHAHE, "tab": "notices"}})
    answer = run(editor, body)
    assert answer.get_json()["response"][Console.URL]["href"] == "/console?tab=screens&area=510104011001&lang=en"
