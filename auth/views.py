"""Log in and log out: a form with a CSRF token, failures counted, a safe return address."""
from __future__ import annotations

import hmac
import logging
import math
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, session

from auth import sessions
from auth.guard import current_guard
from auth.pages import login_page, logout_page

log = logging.getLogger("csb.auth")
blueprint = Blueprint("csb_auth", __name__)


def csrf_token() -> str:
    """This session's form token, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    sent, kept = request.form.get("csrf_token", ""), session.get("csrf", "")
    return bool(sent and kept) and hmac.compare_digest(sent, kept)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only, never another site."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return "/"
    if parts.path in {"/login", "/logout"}:
        return "/"
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    guard = current_guard()
    assert guard is not None  # the login views are registered together with the guard
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return login_page(csrf_token(), next_url)
    name = (request.form.get("name") or "").strip()
    if not csrf_ok():
        return login_page(csrf_token(), next_url, name, "表单已过期，请重试。The form had expired; please try again.", 400)
    address = guard.client_address()
    wait = guard.limiter.wait(address, name)
    if wait > 0:
        minutes = max(1, math.ceil(wait / 60))
        return login_page(csrf_token(), next_url, name,
                          f"尝试次数过多，请 {minutes} 分钟后再试。Too many attempts; try again in {minutes} min.", 429)
    user = guard.users.verify(name, request.form.get("password") or "")
    if user is None:
        guard.limiter.failed(address, name)
        log.warning("failed login for %r from %s", name, address)
        return login_page(csrf_token(), next_url, name, "用户名或密码错误。Wrong name or password.", 401)
    guard.limiter.succeeded(address, name)
    session.clear()
    session["user"] = user.name
    session["fingerprint"] = user.fingerprint
    session["sid"] = sessions.new_id()  # what logging out ends, server-side
    # The form token is made now, with the login, not by the first form that asks for it:
    # a later page's own cookie write (GET /logout) could then race the page's other
    # answers and leave the form with a token the session no longer holds.
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    log.info("%s logged in from %s", user.name, address)
    return redirect(next_url)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        name = session.get("user") or ""
        return logout_page(csrf_token(), name)
    if not csrf_ok():
        return logout_page(csrf_token(), session.get("user") or "")
    guard = current_guard()
    sid = session.get("sid")
    if guard is not None and isinstance(sid, str) and sid:
        # A copy of this cookie (another tab, a stolen one) must not outlive the logout.
        guard.sessions.end(sid, current_app.permanent_session_lifetime)
    session.clear()
    return redirect("/login")


def current_user() -> dict | None:
    """Who is using this request (name, role, via), or None when access control is off or nobody is."""
    who = g.get("csb_principal")
    return who.as_dict() if who is not None else None
