"""The few HTML pages access control shows: log in, log out, no access, refused token.

Plain, bilingual (Chinese first) and self-contained: inline styles, system fonts, no
script, nothing fetched from elsewhere. Rendered with Jinja's autoescaping.
"""
from __future__ import annotations

from flask import make_response, render_template_string
from markupsafe import Markup

_FRAME = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · 社区智慧大脑</title>
<style>
  html { font-size: max(16px, 100vw / 120); }  /* as the laptop pages (assets/shell.css): twice as large at 4K */
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
         background: #f3f5f8; color: #1f2933;
         font: 1rem/1.5 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
  main { box-sizing: border-box; background: #fff; width: min(26rem, calc(100vw - 2rem)); padding: 2rem 2.25rem;
         border-radius: .5rem; box-shadow: 0 .125rem .75rem rgba(31, 41, 51, .12); }
  h1 { margin: 0 0 .25rem; font-size: 1.5rem; color: #c8161d; }
  h1 small { display: block; font-size: .95rem; color: #5f6b7a; font-weight: normal; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  label span { font-weight: normal; color: #5f6b7a; }
  input, button { font-family: inherit; }
  input[type=text], input[type=password] { box-sizing: border-box; width: 100%; margin-top: .3rem;
         padding: .6rem .7rem; font-size: 1rem; border: 1px solid #b8c2cc; border-radius: .25rem; }
  input:focus, button:focus { outline: .1875rem solid #f4a261; outline-offset: 1px; }
  button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1.05rem; color: #fff;
         background: #c8161d; border: 0; border-radius: 4px; cursor: pointer; }
  .error { margin: 1rem 0 0; padding: .6rem .8rem; background: #fde3e1; color: #8a1015; border-radius: 4px; }
  p { margin: 1rem 0 0; }
  a { color: #1f5fa8; }
</style>
</head>
<body><main>{{ body }}</main></body>
</html>"""

_LOGIN = """
<h1>社区智慧大脑<small>Community Smart Brain</small></h1>
<form method="post" action="/login" autocomplete="on">
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <input type="hidden" name="next" value="{{ next }}">
  <label for="name">用户名 <span>Name</span></label>
  <input type="text" id="name" name="name" value="{{ name }}" required {{ "" if name else "autofocus" }}
         autocomplete="username" autocapitalize="off" spellcheck="false">
  <label for="password">密码 <span>Password</span></label>
  <input type="password" id="password" name="password" required autocomplete="current-password" {{ "autofocus" if name else "" }}>
  {% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
  <button type="submit">登录 · Log in</button>
</form>
"""

_LOGOUT = """
<h1>退出登录<small>Log out</small></h1>
{% if name %}<p>当前用户 Signed in as <strong>{{ name }}</strong></p>{% endif %}
<form method="post" action="/logout">
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <button type="submit">退出 · Log out</button>
</form>
<p><a href="/">返回总览 · Back to the overview</a></p>
"""

_FORBIDDEN = """
<h1>无权访问<small>No access</small></h1>
<p>{{ name }}（{{ role }}）无权打开此页面，需要 {{ needed }} 权限。</p>
<p>{{ name }} ({{ role }}) may not open this page; it needs the {{ needed }} role.</p>
<p><a href="/">返回总览 · Back to the overview</a> · <a href="/logout">换个账号 · Switch user</a></p>
"""

_REPEATED = """
<h1>链接无效<small>Link not valid</small></h1>
<p>{{ zh }}</p>
<p>{{ en }}</p>
"""

_TOKEN_REFUSED = """
<h1>屏幕令牌无效<small>Screen token not valid</small></h1>
<p>此大屏地址中的令牌无效或已被撤销，请联系管理员生成新的地址。</p>
<p>The token in this screen's address is not valid or has been revoked; ask an administrator for a new address.</p>
<p><a href="/login">工作人员登录 · Staff log in</a></p>
"""


def _page(title: str, body: str, status: int = 200, **values):
    inner = render_template_string(body, **values)
    answer = make_response(render_template_string(_FRAME, title=title, body=Markup(inner)), status)
    answer.headers["Cache-Control"] = "no-store"
    answer.headers["X-Frame-Options"] = "DENY"
    answer.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                                 "frame-ancestors 'none'")
    return answer


def login_page(csrf: str, next_url: str, name: str = "", error: str = "", status: int = 200):
    return _page("登录 Log in", _LOGIN, status, csrf=csrf, next=next_url, name=name, error=error)


def logout_page(csrf: str, name: str):
    return _page("退出登录 Log out", _LOGOUT, csrf=csrf, name=name)


def forbidden_page(who, needed: str | None):
    return _page("无权访问 No access", _FORBIDDEN, 403, name=who.name, role=who.role, needed=needed)


def repeated_parameter_page(name: str):
    from data.text import pair

    zh, en = pair("link.repeated")
    return _page("链接无效 Link not valid", _REPEATED, 400, zh=zh.format(name=name), en=en.format(name=name))


def token_refused_page():
    return _page("屏幕令牌无效 Screen token not valid", _TOKEN_REFUSED, 403)
