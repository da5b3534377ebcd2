"""Access control, seen from the outside: who may open which page, API call and Dash callback.

Every test builds the real app (``dashboard.create_app()``) after setting the environment,
over the sample warehouse, and talks to it with Flask's test client over https (cookies
are Secure). Callback requests are the ones Dash's renderer sends: the output key, the
outputs, inputs and states of the wall's refresh, the explorer's trend, the data page's
refresh and Dash's page router, as declared in ``callbacks/*.py``.
"""
from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

import dashboard
from auth.__main__ import main as auth_command
from auth.config import ConfigError
from auth.files import StoreError
from auth.tokens import TokenStore
from auth.users import UserStore
from data import db, urlstate
from layouts import wall as wall_layout
from layouts.ids import DataHealth, Explore, Overview, Wall

AREA = "510104011000"  # 沙河街道, the sample warehouse's street
OTHER_AREA = "510104012000"
SECRET = "test-secret-0123456789abcdef"
BASE = "https://dashboard.test"
PASSWORD = "correct horse battery"

def build_app():
    """A new app per test: create_app gives each one the project's callbacks."""
    return dashboard.create_app()


# --- the environment ------------------------------------------------------------------------

@pytest.fixture
def warehouse(sample_warehouse_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    db.dispose_engines()
    yield sample_warehouse_url
    db.dispose_engines()


@pytest.fixture(scope="session")
def role_users(tmp_path_factory):
    """A users file with one user of each role, named after it (hashing is slow by design: once)."""
    path = tmp_path_factory.mktemp("users") / "users.json"
    for role in ("viewer", "analyst", "editor", "admin"):
        UserStore(path).add(role, PASSWORD, role)
    return path.read_text(encoding="utf-8")


@pytest.fixture
def files(tmp_path, monkeypatch, role_users):
    (tmp_path / "users.json").write_text(role_users, encoding="utf-8")
    monkeypatch.setenv("CSB_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("CSB_TOKENS_FILE", str(tmp_path / "kiosk_tokens.json"))
    monkeypatch.setenv("CSB_SESSIONS_FILE", str(tmp_path / "ended_sessions.json"))
    return UserStore(tmp_path / "users.json"), TokenStore(tmp_path / "kiosk_tokens.json")


@pytest.fixture
def auth_on(monkeypatch, files, warehouse):
    monkeypatch.setenv("CSB_AUTH", "on")
    monkeypatch.setenv("CSB_SECRET_KEY", SECRET)
    monkeypatch.delenv("CSB_INSECURE_COOKIES", raising=False)
    return files


@pytest.fixture
def app(auth_on):
    return build_app().server


def client_of(server):
    return server.test_client()


def login(client, name, password=PASSWORD, next_url="/"):
    page = client.get(f"{BASE}/login?next={next_url}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"{BASE}/login", data={"name": name, "password": password, "csrf_token": csrf, "next": next_url})


def as_user(server, name):
    client = client_of(server)
    answer = login(client, name)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


# --- the callback requests Dash's renderer sends ----------------------------------------------

def _component_ids(tree) -> list:
    found, stack = [], [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif hasattr(item, "to_plotly_json"):
            if getattr(item, "id", None) is not None:
                found.append(item.id)
            stack.append(getattr(item, "children", None))
    return found


def renderer_request(writes: str, layout, values: dict) -> dict:
    """The body Dash's renderer posts for the project's callback that writes ``writes``.

    Built from the callback's declaration (the app's public ``callback_map``, what
    ``/_dash-dependencies`` serves): pattern-matching outputs and states expand to every
    matching component of ``layout``; an input or state takes its value from ``values[(id, property)]``.
    """
    declared = [(key, spec) for key, spec in dashboard.app.callback_map.items()
                if writes in key and spec.get("callback") is not None]  # clientside ones have none
    assert len(declared) == 1, f"expected one server callback writing {writes}"
    key, declared = declared[0]
    concrete = [i for i in _component_ids(layout) if isinstance(i, dict)]

    def expand(spec, with_value):
        raw, prop = spec["id"], spec["property"]
        if raw.startswith("{"):
            kind = json.loads(raw)["type"]
            return [{"id": i, "property": prop, **({"value": i} if with_value and prop == "id" else {})}
                    for i in concrete if i["type"] == kind]
        return {"id": raw, "property": prop, **({"value": values.get((raw, prop))} if with_value else {})}

    outputs = declared["output"]
    outputs = ([expand(o.to_dict(), False) for o in outputs] if isinstance(outputs, list)
               else expand(outputs.to_dict(), False))
    inputs = [expand(i, True) for i in declared["inputs"]]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": inputs,
        "state": [expand(s, True) for s in declared["state"]],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs if isinstance(i, dict)][:1],
    }


def wall_refresh(area=AREA) -> dict:
    """The wall's server refresh (callbacks/wall.py), as the wall of ``area`` asks for it."""
    return renderer_request(f"{Wall.DATA}.data", wall_layout.layout(area=area), {
        (Wall.REQUEST, "data"): {"n": 1, "at": 0},
        (Wall.CONFIG, "data"): {"area": area, "lang": "zh"},
    })


def explore_trend() -> dict:
    """The explorer's trend chart (callbacks/explore.py) for its default view of the street."""
    return renderer_request(f"{Explore.TREND_UNSCALED}.data", [], {
        (Explore.STATE, "data"): urlstate.explore_query(urlstate.ExploreState(area=AREA)),
    })


def data_page_refresh() -> dict:
    """The data page's refresh (callbacks/data_health.py): sources, runs and refused rows."""
    return renderer_request(f"{DataHealth.SUMMARY}.children", [], {
        (DataHealth.REFRESH, "n_intervals"): 1,
        (DataHealth.LANG, "data"): "zh",
    })


def page_router(path: str, search: str = "") -> dict:
    """Dash's page router: renders the layout of the page at ``path``."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": search}],
        # the page's own copy of the search (dashboard.RAW_SEARCH), read as the check reads it
        "state": [{"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"],
    }


def overview_figures(lang: str = "zh") -> dict:
    """The overview's cards and "needs attention" list (callbacks/overview.py) for the street."""
    state, _ = urlstate.parse_overview({"area": AREA})
    return renderer_request(f"{Overview.ATTENTION}.children", [], {
        (Overview.AREA, "value"): AREA, (Overview.PERIOD, "value"): state.period,
        (Overview.LANG, "data"): lang,
    })


def todo_links() -> dict:
    """The overview's links to the figures behind its 待办 list (callbacks/todo.py)."""
    state, _ = urlstate.parse_overview({"area": AREA})
    return renderer_request(f"{Overview.TODO_LINKS}.children", [], {
        (Overview.AREA, "value"): AREA, (Overview.PERIOD, "value"): state.period,
        (Overview.TODO_SOURCE, "value"): ["hotline", "grid_events"], (Overview.TODO_STATUS, "value"): [],
        (Overview.LANG, "data"): "zh",
    })


def run(client, body, **headers):
    return client.post(f"{BASE}/_dash-update-component", json=body, headers=headers)


def wall_figures(answer) -> dict:
    """The refreshed wall's figures: the KPI strip and the charts' new marks."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    response = answer.get_json()["response"]
    charts = {json.loads(k)["chart"]: v["children"] for k, v in response.items() if k.startswith("{") and "wall-chart" in k}
    return {"data": response[Wall.DATA]["data"], "charts": charts}


def trend_values(answer) -> list:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    figure = answer.get_json()["response"][Explore.TREND_UNSCALED]["data"]
    return [y for trace in figure["data"] for y in (trace.get("y") or [])]


def links_in(tree) -> list[str]:
    """The addresses of the links (``dcc.Link``) in a callback's answer, in the order drawn."""
    found, stack = [], [tree]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            if item.get("type") == "Link" and item.get("namespace") == "dash_core_components":
                found.append(item["props"]["href"])
            stack[:0] = list(item.values())
    return found


def paths(hrefs: list[str]) -> set[str]:
    return {urlsplit(href).path for href in hrefs}


def shown(answer, output: str) -> object:
    """What a callback's answer writes into ``output`` ("id.property")."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    component, prop = output.rsplit(".", 1)
    return answer.get_json()["response"][component][prop]


def no_figures(answer) -> None:
    text = answer.get_data(as_text=True)
    for leak in ('"figure"', '"kpis"', '"response"', "rowData"):
        assert leak not in text, f"{leak} leaked: {text[:300]}"


# --- off: the embedded default ------------------------------------------------------------------

def test_with_access_control_off_everything_is_open_as_before(monkeypatch, files, warehouse):
    monkeypatch.delenv("CSB_AUTH", raising=False)
    client = client_of(build_app().server)
    for path in ("/", "/explore", "/data", f"/wall?area={AREA}", "/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/metrics").status_code == 200
    assert wall_figures(run(client, wall_refresh()))["data"]["ok"] is True
    assert any(v for v in trend_values(run(client, explore_trend())) if v)
    assert "Set-Cookie" not in client.get("/").headers


def test_with_access_control_off_every_page_and_line_is_linked_as_before(monkeypatch, files, warehouse):
    monkeypatch.delenv("CSB_AUTH", raising=False)
    client = client_of(build_app().server)
    nav = shown(run(client, page_router("/")), "_pages_content.children")
    assert links_in(nav)[:5] == ["/", "/explore", "/data", "/wall", "/console"]
    answer = run(client, overview_figures())
    attention = links_in(shown(answer, f"{Overview.ATTENTION}.children"))
    assert attention and paths(attention) <= {"/explore", "/data"}  # what needs attention links its figure
    assert {"/explore"} == paths(links_in(shown(answer, f"{Overview.KPIS}.children")))  # every card its trend
    assert paths(links_in(shown(run(client, todo_links()), f"{Overview.TODO_LINKS}.children"))) == {"/explore"}


@pytest.mark.parametrize("env, says", [
    ({"CSB_AUTH": "on"}, "CSB_SECRET_KEY"),
    ({"CSB_AUTH": "on", "CSB_SECRET_KEY": "short"}, "CSB_SECRET_KEY"),
    ({"CSB_AUTH": "maybe"}, "CSB_AUTH"),
    ({"CSB_AUTH": "on", "CSB_SECRET_KEY": SECRET, "CSB_TRUSTED_USER_HEADER": "X-Remote-User"}, "CSB_TRUSTED_PROXIES"),
    ({"CSB_AUTH": "on", "CSB_SECRET_KEY": SECRET, "CSB_TRUSTED_USER_HEADER": "X-Remote-User",
      "CSB_TRUSTED_PROXIES": "proxy.local"}, "CSB_TRUSTED_PROXIES"),
])
def test_the_app_refuses_to_start_with_access_control_half_configured(monkeypatch, files, env, says):
    monkeypatch.delenv("CSB_SECRET_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=says):
        build_app()


def test_a_broken_users_file_stops_the_start_naming_the_file_and_line(auth_on):
    users, _tokens = auth_on
    users.path.write_text('{"users": {\n  "viewer": {"role": "viewer",}\n}}', encoding="utf-8")
    with pytest.raises(StoreError, match=r"users\.json: line 2"):
        build_app()
    users.path.write_text('{"users": {"ops": {"role": "root", "password": "scrypt:1:2:3$x$y"}}}', encoding="utf-8")
    with pytest.raises(StoreError, match=r"users\.json: user 'ops': role 'root' is not one of viewer"):
        build_app()


# --- on: nobody logged in -----------------------------------------------------------------------

def test_an_anonymous_visitor_is_sent_to_the_login_page_from_every_page(app):
    client = client_of(app)
    for path in ("/", "/explore?metric=volunteer_hours", "/data", "/wall", "/no-such-page"):
        answer = client.get(BASE + path)
        assert answer.status_code == 302, path
        target = urlsplit(answer.headers["Location"])
        assert target.path == "/login" and parse_qs(target.query)["next"] == [path], path
    page = client.get(BASE + "/login").get_data(as_text=True)
    assert "用户名" in page and "Name" in page and "密码" in page and "Password" in page


def test_an_anonymous_caller_gets_no_figures_from_the_api_or_dash(app):
    client = client_of(app)
    for path in ("/api/v1/", "/api/v1/metrics", f"/api/v1/value?metric=hotline_received&area={AREA}"):
        answer = client.get(BASE + path)
        assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized", path
        assert answer.headers["WWW-Authenticate"].startswith("Basic")
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(BASE + path).status_code == 401, path
    for body in (wall_refresh(), explore_trend(), data_page_refresh(), page_router("/explore"), page_router("/wall")):
        answer = run(client, body)
        assert answer.status_code == 401 and answer.is_json, body["output"]
        no_figures(answer)


def test_health_assets_and_the_login_page_stay_open(app):
    client = client_of(app)
    assert client.get(BASE + "/healthz").get_json() == {"status": "ok"}  # anonymous: up or down, nothing else
    assert client.get(BASE + "/assets/wall.css").status_code == 200
    assert client.get(BASE + "/login").status_code == 200


# --- on: roles ------------------------------------------------------------------------------------

ROLE_PAGES = {
    "viewer": {"/": 200, "/wall": 200, "/explore": 403, "/data": 403, "/api/v1/metrics": 403},
    "analyst": {"/": 200, "/wall": 200, "/explore": 200, "/data": 403, "/api/v1/metrics": 200},
    "admin": {"/": 200, "/wall": 200, "/explore": 200, "/data": 200, "/api/v1/metrics": 200},
}


@pytest.mark.parametrize("role", ROLE_PAGES)
def test_each_role_opens_its_pages_and_api_and_no_others(app, role):
    client = as_user(app, role)
    for path, status in ROLE_PAGES[role].items():
        answer = client.get(BASE + path)
        assert answer.status_code == status, (role, path)
        if status == 403 and not path.startswith("/api/"):
            page = answer.get_data(as_text=True)
            assert "无权访问" in page and "needs the" in page


@pytest.mark.parametrize("role", ROLE_PAGES)
def test_each_role_runs_only_its_pages_callbacks(app, role):
    client = as_user(app, role)
    assert wall_figures(run(client, wall_refresh()))["data"]["ok"] is True  # every role sees the wall

    trend = run(client, explore_trend())
    if role == "viewer":
        assert trend.status_code == 403
        no_figures(trend)
    else:
        assert any(trend_values(trend))

    health = run(client, data_page_refresh())
    assert health.status_code == (200 if role == "admin" else 403)
    if role != "admin":
        no_figures(health)

    for path in ("/explore", "/data", "/"):
        allowed = ROLE_PAGES[role][path] == 200
        assert run(client, page_router(path)).status_code == (200 if allowed else 403), (role, path)


#: The pages in the top bar for each role: the ones it may open (ROLE_PAGES), in the bar's order.
ROLE_NAV = {"viewer": ["/", "/wall"], "analyst": ["/", "/explore", "/wall"], "editor": ["/", "/wall", "/console"],
            "admin": ["/", "/explore", "/data", "/wall", "/console"]}


def line_words(attention: dict) -> list[str]:
    """What each "needs attention" line says, linked or not."""
    def words(tree) -> str:
        if isinstance(tree, str):
            return tree
        if isinstance(tree, list):
            return "".join(words(t) for t in tree)
        return words(tree["props"].get("children") or "") if isinstance(tree, dict) else ""

    return [words(line) for line in attention["props"]["children"]]


def test_each_role_is_offered_only_the_pages_it_may_open(app, monkeypatch, warehouse):
    """No link leads a user to "no access": the top bar, the cards and what needs attention
    link only the pages the signed-in user may open; a line they may not follow is still
    there, word for word, as text. The clock is pinned five days after the last delivery,
    so that late sources are listed too, each linking the data page (admins only)."""
    from datetime import datetime, time, timedelta

    from data import coverage, settings

    through = coverage.data_through("hotline", AREA, engine=db.get_engine(warehouse))
    monkeypatch.setenv(settings.FAKE_NOW, datetime.combine(through + timedelta(days=5), time(10, 0)).isoformat())
    said = {}
    for role, bar in ROLE_NAV.items():
        client = as_user(app, role)
        for lang in ("zh", "en"):
            page = shown(run(client, page_router("/", "?lang=en" if lang == "en" else "")), "_pages_content.children")
            assert [urlsplit(href).path for href in links_in(page)] == bar, (role, lang)

        answer = run(client, overview_figures())
        attention = shown(answer, f"{Overview.ATTENTION}.children")
        linked = paths(links_in(attention))
        cards = paths(links_in(shown(answer, f"{Overview.KPIS}.children")))
        said[role] = line_words(attention)
        if role in ("viewer", "editor"):  # an editor runs the console, not the explorer
            assert linked == set() and cards == set()
        elif role == "analyst":
            assert linked == {"/explore"} and cards == {"/explore"}
        else:
            assert linked == {"/explore", "/data"} and cards == {"/explore"}
        figures = shown(run(client, todo_links()), f"{Overview.TODO_LINKS}.children")
        assert paths(links_in(figures)) == ({"/explore"} if "/explore" in bar else set())
        assert bool(figures) == ("/explore" in bar)  # no "图表：" label with nothing after it
        for path in set(bar) | linked | cards:  # and each link drawn opens
            assert client.get(BASE + path).status_code == 200, (role, path)
    assert len(said["viewer"]) >= 3 and all(said["viewer"])
    assert said["viewer"] == said["analyst"] == said["editor"] == said["admin"]


def _signed_in_corner(tree) -> tuple[str, list[str]]:
    """The top bar's right end: who is signed in, and where its links go ("", [] if absent)."""
    stack = [tree]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            props = item.get("props", {})
            if props.get("className") == "shell-user":
                parts = props["children"]
                return parts[0]["props"]["children"], [p["props"]["href"] for p in parts[1:]]
            stack[:0] = [v for v in props.values() if isinstance(v, (list, dict))]
    return "", []


def test_the_top_bar_names_who_is_signed_in_with_a_way_out(app, monkeypatch, files, warehouse):
    """Signed in, the bar's right end says who and as what ("viewer（查看）") and links the
    logout page, which asks first; with logins off there is nobody to name."""
    client = as_user(app, "viewer")
    page = shown(run(client, page_router("/")), "_pages_content.children")
    assert _signed_in_corner(page) == ("viewer（查看）", ["/logout"])
    page = shown(run(client, page_router("/", "?lang=en")), "_pages_content.children")
    assert _signed_in_corner(page) == ("viewer (viewer)", ["/logout"])
    assert "退出登录" in client.get(BASE + "/logout").get_data(as_text=True)
    assert _signed_in_corner(shown(run(as_user(app, "admin"), page_router("/")), "_pages_content.children")) == (
        "admin（管理员）", ["/logout"])
    monkeypatch.delenv("CSB_AUTH", raising=False)
    open_page = shown(run(client_of(build_app().server), page_router("/")), "_pages_content.children")
    assert _signed_in_corner(open_page) == ("", [])


def test_a_callback_that_writes_an_undeclared_component_is_for_admins_only(app):
    body = {"output": "mystery-panel.children", "outputs": {"id": "mystery-panel", "property": "children"},
            "inputs": [], "changedPropIds": []}
    assert run(as_user(app, "analyst"), body).status_code == 403
    # An admin passes the guard; Dash then finds no such callback.
    assert run(as_user(app, "admin"), body).status_code != 403


def test_a_callback_request_cannot_pass_as_the_walls_by_naming_its_outputs(app):
    """Dash runs the function named by the output key; a wall output list does not change that."""
    forged = {**explore_trend(), "outputs": wall_refresh()["outputs"]}
    assert run(as_user(app, "viewer"), forged).status_code == 403


# --- on: logging in and out -------------------------------------------------------------------------

def test_logging_in_returns_to_the_page_asked_for_with_a_safe_session_cookie(app):
    client = client_of(app)
    answer = login(client, "analyst", next_url="/explore?metric=volunteer_hours")
    assert answer.status_code == 302 and answer.headers["Location"] == "/explore?metric=volunteer_hours"
    cookie = answer.headers["Set-Cookie"]
    assert "csb_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get(BASE + "/explore").status_code == 200


def test_a_wrong_password_or_a_missing_form_token_does_not_log_in(app):
    client = client_of(app)
    wrong = login(client, "analyst", password="not the password")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    unknown = login(client, "nobody")
    assert unknown.status_code == 401 and "Wrong name or password" in unknown.get_data(as_text=True)
    forged = client.post(BASE + "/login", data={"name": "analyst", "password": PASSWORD, "next": "/"})
    assert forged.status_code == 400 and "expired" in forged.get_data(as_text=True)
    assert client.get(BASE + "/").status_code == 302


def test_the_return_address_after_login_never_leaves_the_site(app):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        answer = login(client_of(app), "viewer", next_url=target)
        assert answer.status_code == 302 and answer.headers["Location"] == "/", target


def test_repeated_failures_pause_logins_for_that_name_even_with_the_right_password(app):
    client = client_of(app)
    for _ in range(5):
        assert login(client, "admin", password="guess guess").status_code == 401
    paused = login(client, "admin")
    assert paused.status_code == 429 and "Too many attempts" in paused.get_data(as_text=True)
    assert login(client_of(app), "viewer").status_code == 302  # other names are not paused


def test_logging_out_ends_the_session(app):
    client = as_user(app, "analyst")
    page = client.get(BASE + "/logout").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(BASE + "/logout", data={"csrf_token": csrf}).headers["Location"] == "/login"
    assert client.get(BASE + "/explore").status_code == 302
    assert run(client, explore_trend()).status_code == 401


def _session_cookie(client) -> str:
    cookie = client.get_cookie("csb_session", domain="dashboard.test")
    assert cookie is not None
    return cookie.value


def _with_cookie(server, value: str):
    other = client_of(server)
    other.set_cookie("csb_session", value, domain="dashboard.test", secure=True)
    return other


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app):
    client = as_user(app, "analyst")
    copied = _session_cookie(client)
    other_device = as_user(app, "analyst")  # the same user signed in elsewhere
    assert _with_cookie(app, copied).get(BASE + "/explore").status_code == 200, "the copy works while signed in"
    page = client.get(BASE + "/logout").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(BASE + "/logout", data={"csrf_token": csrf}).status_code == 302
    thief = _with_cookie(app, copied)
    assert thief.get(BASE + "/").status_code == 302 and thief.get(BASE + "/explore").status_code == 302
    assert run(_with_cookie(app, copied), explore_trend()).status_code == 401
    assert _with_cookie(app, copied).get(BASE + "/api/v1/metrics").status_code == 401
    assert other_device.get(BASE + "/explore").status_code == 200, "only the session that logged out ends"
    # Another worker (a new app on the same files) knows it too.
    assert _with_cookie(build_app().server, copied).get(BASE + "/explore").status_code == 302


def test_removing_a_user_or_changing_their_password_ends_their_open_sessions(app, auth_on):
    users, _tokens = auth_on
    removed, changed = as_user(app, "analyst"), as_user(app, "admin")
    users.remove("analyst")
    users.add("admin", "a brand new password", "admin")
    assert removed.get(BASE + "/explore").status_code == 302
    assert changed.get(BASE + "/data").status_code == 302
    assert run(removed, explore_trend()).status_code == 401


def test_a_post_from_another_site_is_refused_even_for_a_logged_in_user(app):
    client = as_user(app, "analyst")
    assert run(client, explore_trend(), Origin="https://evil.example").status_code == 403
    assert run(client, explore_trend(), Origin="null").status_code == 403
    assert run(client, explore_trend(), Origin=BASE).status_code == 200


def test_scripts_may_use_the_api_with_basic_credentials(app):
    client = client_of(app)
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", PASSWORD)).status_code == 200
    assert client.get(BASE + "/api/v1/metrics", auth=("viewer", PASSWORD)).status_code == 403
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", "wrong")).status_code == 401
    assert client.get(BASE + "/explore", auth=("analyst", PASSWORD)).status_code == 302  # pages need a login


def test_basic_credentials_are_not_hashed_again_on_every_call_yet_a_change_counts_at_once(app, auth_on, monkeypatch):
    import auth.users

    users, _tokens = auth_on
    hashed = []
    real = auth.users.check_password_hash
    monkeypatch.setattr(auth.users, "check_password_hash", lambda *a: hashed.append(1) or real(*a))
    client = client_of(app)
    for _ in range(5):
        assert client.get(BASE + "/api/v1/metrics", auth=("analyst", PASSWORD)).status_code == 200
    assert len(hashed) == 1, "one scrypt for five calls"
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", "wrong password")).status_code == 401
    users.add("analyst", "a brand new password", "analyst")
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", PASSWORD)).status_code == 401, "old password"
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", "a brand new password")).status_code == 200
    users.add("analyst", "a brand new password", "viewer")  # same password, lower role: at once
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", "a brand new password")).status_code == 403
    users.remove("analyst")
    assert client.get(BASE + "/api/v1/metrics", auth=("analyst", "a brand new password")).status_code == 401


# --- on: kiosk tokens for the wall ---------------------------------------------------------------------

def test_a_kiosk_token_opens_the_wall_and_nothing_else(app, auth_on):
    _users, tokens = auth_on
    token = tokens.add("lobby-1")
    screen = client_of(app)
    assert screen.get(f"{BASE}/wall?token={token}&area={AREA}").status_code == 200
    assert screen.get(BASE + "/_dash-layout").status_code == 200
    assert screen.get(BASE + "/_dash-dependencies").status_code == 200
    assert run(screen, page_router("/wall", f"?token={token}&area={AREA}")).status_code == 200
    figures = wall_figures(run(screen, wall_refresh()))
    assert figures["data"]["ok"] is True and any(k["n"] for k in figures["data"]["kpis"])

    for path in ("/", "/explore", "/data"):
        assert screen.get(BASE + path).status_code == 302, path  # to the login page
    assert screen.get(BASE + "/api/v1/metrics").status_code == 403
    for body in (explore_trend(), data_page_refresh(), page_router("/explore"), page_router("/")):
        answer = run(screen, body)
        assert answer.status_code == 403, body["output"]
        no_figures(answer)


def test_a_kiosk_token_bound_to_an_area_shows_that_area_only(app, auth_on):
    _users, tokens = auth_on
    token = tokens.add("lobby-2", AREA)
    screen = client_of(app)
    moved = screen.get(f"{BASE}/wall?token={token}&area={OTHER_AREA}")
    assert moved.status_code == 302 and parse_qs(urlsplit(moved.headers["Location"]).query)["area"] == [AREA]
    assert screen.get(f"{BASE}/wall?token={token}").headers["Location"].endswith(f"area={AREA}")
    assert screen.get(f"{BASE}/wall?token={token}&area={AREA}").status_code == 200
    assert wall_figures(run(screen, wall_refresh(AREA)))["data"]["ok"] is True
    assert run(screen, wall_refresh(OTHER_AREA)).status_code == 403
    assert run(screen, page_router("/wall", f"?area={OTHER_AREA}")).status_code == 403


def _drawn_area(answer) -> str | None:
    """The area the page router's answer draws the wall for (its config store), or None."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    stack = [answer.get_json()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            props = item.get("props")
            if isinstance(props, dict) and props.get("id") == Wall.CONFIG:
                return props["data"]["area"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def test_a_kiosk_bound_to_an_area_never_gets_another_by_the_way_the_link_is_written(app, auth_on):
    """The check and the page read the query string with one function (urlstate.query_params)."""
    _users, tokens = auth_on
    token = tokens.add("lobby-6", OTHER_AREA)
    screen = client_of(app)
    assert screen.get(f"{BASE}/wall?token={token}&area={OTHER_AREA}").status_code == 200
    assert _drawn_area(run(screen, page_router("/wall", f"?token={token}&area={OTHER_AREA}"))) == OTHER_AREA

    twice = screen.get(f"{BASE}/wall?token={token}&area={OTHER_AREA}&area={OTHER_AREA}")
    assert twice.status_code == 400 and "more than once" in twice.get_data(as_text=True)
    assert screen.get(f"{BASE}/wall?area={OTHER_AREA}&area={AREA}").status_code == 400
    for search in (f"?area={OTHER_AREA}&area={OTHER_AREA}", f"?area={AREA}&area={OTHER_AREA}",
                   f"?area={OTHER_AREA}&area={AREA}"):
        answer = run(screen, page_router("/wall", search))
        assert answer.status_code == 403, search
        no_figures(answer)
    # Without the leading "?", the page reads what the check read: the screen's own area.
    assert _drawn_area(run(screen, page_router("/wall", f"area={OTHER_AREA}"))) == OTHER_AREA
    assert run(screen, page_router("/wall", f"area={AREA}")).status_code == 403
    # The router's input and the page's own copy of the search must agree.
    mixed = page_router("/wall", f"?area={OTHER_AREA}")
    mixed["state"][0]["value"] = f"?area={AREA}"
    assert run(screen, mixed).status_code == 403


def test_with_access_control_off_a_link_naming_the_area_twice_is_refused_not_guessed(monkeypatch, files, warehouse):
    monkeypatch.setenv("CSB_AUTH", "off")
    client = client_of(build_app().server)
    answer = run(client, page_router("/wall", f"?area={AREA}&area={OTHER_AREA}"))
    assert _drawn_area(answer) is None and "more than once" in answer.get_data(as_text=True)
    assert _drawn_area(run(client, page_router("/wall", f"area={OTHER_AREA}"))) == OTHER_AREA


def test_a_kiosk_cannot_relabel_a_callbacks_arguments_to_get_past_the_guard(app, auth_on):
    """Dash passes arguments by position; a request whose labels differ from the declaration is refused."""
    _users, tokens = auth_on
    anywhere, own_area = client_of(app), client_of(app)
    assert anywhere.get(f"{BASE}/wall?token={tokens.add('lobby-4')}").status_code == 200
    assert own_area.get(f"{BASE}/wall?token={tokens.add('lobby-5', AREA)}&area={AREA}").status_code == 200

    # Dash renders the page at the first position ("/explore"), whatever its label says.
    router = page_router("/wall")
    router["inputs"] = [{"id": "_pages_location", "property": "search", "value": "/explore"},
                        {"id": "_pages_location", "property": "pathname", "value": "/wall"}]
    assert run(anywhere, router).status_code == 403

    # Dash reads the config from its declared position (the other area); a later entry
    # labelled as the config names the screen's own area.
    refresh = wall_refresh(OTHER_AREA)
    config = next(i for i, item in enumerate(refresh["state"]) if isinstance(item, dict) and item["id"] == Wall.CONFIG)
    decoy = next(i for i, item in enumerate(refresh["state"]) if i > config and isinstance(item, dict))
    refresh["state"][config] = {**refresh["state"][config], "id": refresh["state"][decoy]["id"]}
    refresh["state"][decoy] = {"id": Wall.CONFIG, "property": "data", "value": {"area": AREA, "lang": "zh"}}
    answer = run(own_area, refresh)
    assert answer.status_code == 403
    no_figures(answer)


def test_a_revoked_or_unknown_token_stops_working_at_once(app, auth_on):
    _users, tokens = auth_on
    token = tokens.add("lobby-3")
    screen = client_of(app)
    assert screen.get(f"{BASE}/wall?token={token}").status_code == 200
    tokens.revoke("lobby-3")
    answer = run(screen, wall_refresh())
    assert answer.status_code == 401
    no_figures(answer)
    refused = screen.get(f"{BASE}/wall?token={token}")
    assert refused.status_code == 403 and "令牌无效" in refused.get_data(as_text=True)
    assert client_of(app).get(f"{BASE}/wall?token=made-up").status_code == 403


# --- on: the organisation's reverse proxy ---------------------------------------------------------------

@pytest.fixture
def proxied(monkeypatch, auth_on):
    monkeypatch.setenv("CSB_TRUSTED_USER_HEADER", "X-Remote-User")
    monkeypatch.setenv("CSB_TRUSTED_ROLE_HEADER", "X-Remote-Role")
    monkeypatch.setenv("CSB_TRUSTED_PROXIES", "10.0.0.0/24, ::1")
    return build_app().server


def from_address(server, address):
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_trusted_header_counts_only_from_the_trusted_proxy(proxied):
    analyst = {"X-Remote-User": "zhang.wei", "X-Remote-Role": "analyst"}
    assert from_address(proxied, "10.0.0.5").get(BASE + "/explore", headers=analyst).status_code == 200
    assert run(from_address(proxied, "10.0.0.5"), explore_trend(), **analyst).status_code == 200
    spoofed = from_address(proxied, "192.0.2.7")
    assert spoofed.get(BASE + "/explore", headers=analyst).status_code == 302
    assert spoofed.get(BASE + "/api/v1/metrics", headers=analyst).status_code == 401
    assert run(spoofed, explore_trend(), **analyst).status_code == 401


def test_a_proxied_user_without_a_known_role_is_a_viewer(proxied):
    client = from_address(proxied, "10.0.0.9")
    for headers in ({"X-Remote-User": "li.na"}, {"X-Remote-User": "li.na", "X-Remote-Role": "superuser"}):
        assert client.get(BASE + "/", headers=headers).status_code == 200
        assert client.get(BASE + "/explore", headers=headers).status_code == 403
    # A name in the users file keeps that user's role when the proxy sends none.
    assert client.get(BASE + "/data", headers={"X-Remote-User": "admin"}).status_code == 200


def test_behind_the_trusted_proxy_failed_logins_count_per_visitor(proxied):
    guesser, colleague = from_address(proxied, "10.0.0.5"), from_address(proxied, "10.0.0.5")
    guesser.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    colleague.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.8"
    for _ in range(5):
        assert login(guesser, "admin", password="guess guess").status_code == 401
    assert login(guesser, "admin").status_code == 429
    assert login(colleague, "admin").status_code == 302


# --- the command --------------------------------------------------------------------------------------

def test_the_command_adds_lists_and_removes_users_and_kiosk_tokens(app, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("陈静的密码又长又好记\n"))
    assert auth_command(["add-user", "陈静", "--role", "analyst"]) == 0
    assert login(client_of(app), "陈静", password="陈静的密码又长又好记").status_code == 302

    assert auth_command(["add-token", "大厅屏", "--area", AREA]) == 0
    url = capsys.readouterr().out.strip().splitlines()[-1]
    assert url.startswith("/wall?token=") and f"area={AREA}" in url
    assert client_of(app).get(BASE + url).status_code == 200

    assert auth_command(["list"]) == 0
    listed = capsys.readouterr().out
    assert "陈静" in listed and "analyst" in listed and "大厅屏" in listed and url.split("token=")[1][:10] not in listed

    assert auth_command(["revoke-token", "大厅屏"]) == 0
    assert client_of(app).get(BASE + url).status_code == 403
    assert auth_command(["remove", "陈静"]) == 0
    assert login(client_of(app), "陈静", password="陈静的密码又长又好记").status_code == 401


def test_the_command_says_what_is_wrong(files, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert auth_command(["add-user", "x", "--role", "viewer"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert auth_command(["add-token", "screen", "--area", "5101"]) == 2
    assert "12-digit" in capsys.readouterr().err
    assert auth_command(["remove", "nobody"]) == 1
    with pytest.raises(SystemExit):
        auth_command(["add-user", "x", "--role", "root"])


def test_every_class_of_ids_belongs_to_a_page():
    """A callback whose outputs belong to no page is for admins only (closed by default), so an
    ids class left out of the policy silently refuses its page's users: the explorer's reach
    card answered 403 to analysts. Every class of layouts/ids.py must be owned by a page."""
    import inspect

    from auth import policy
    from layouts import ids

    classes = [name for name, value in vars(ids).items() if inspect.isclass(value) and value.__module__ == ids.__name__]
    assert classes
    unowned = [name for name in classes
               if name not in policy.ID_CLASSES and not name.startswith(policy.CONSOLE_CLASS_PREFIX)]
    assert unowned == []
